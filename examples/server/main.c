/*
 * obs-server - a small HTTP service, built on libmicrohttpd, that shows
 * the platform to Prometheus and to people, and records its own demo
 * endpoints so that load from a real client appears in both.
 *
 *   GET /metrics     Prometheus text 0.0.4 or OpenMetrics 1.0, chosen by
 *                    the Accept header (or ?format=prometheus|openmetrics)
 *   GET /health      the JSON report; 503 while the platform is DOWN
 *   GET /api/fast    service "fast", answers at once
 *   GET /api/slow    service "slow", answers after about 200 ms
 *   GET /api/flaky   service "flaky", answers 500 for --fail-share of
 *                    the requests, spread evenly
 *
 * Each connection has a thread of its own, so that a slow request holds
 * up nothing else. The main thread only waits for SIGINT or SIGTERM and
 * evaluates alerts once a second meanwhile.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "obsplatform.h"

#define SLOW_MS 200
#define DEFAULT_LISTEN "127.0.0.1:8080"

static const char text_type[] = "text/plain; version=0.0.4; charset=utf-8";
static const char openmetrics_type[] =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

struct server {
    obs_platform_t *platform;
    obs_service_t *fast;
    obs_service_t *slow;
    obs_service_t *flaky;
    double fail_share;
    atomic_ullong flaky_requests; /* spreads the failures evenly */
};

union address {
    struct sockaddr any;
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: obs-server [--listen HOST:PORT] [--fail-share SHARE]\n"
            "                  [--latency-buckets MS,MS,...]\n"
            "\n"
            "  --listen HOST:PORT  address to listen on, an IPv4 address or\n"
            "                      [IPv6]; port 0 lets the system choose\n"
            "                      (default " DEFAULT_LISTEN ")\n"
            "  --fail-share SHARE  share of /api/flaky requests that fail\n"
            "                      with 500, from 0 to 1 (default 0.2)\n"
            "  --latency-buckets MS,MS,...\n"
            "                      bounds of the latency histogram in\n"
            "                      /metrics, in ms, ascending (default\n"
            "                      5,10,25,50,100,250,500,1000,2500,5000,\n"
            "                      10000); give every instance the same\n"
            "                      list\n"
            "  --help              this text\n"
            "\n"
            "Serves /metrics (Prometheus text or OpenMetrics, by Accept),\n"
            "/health (JSON report, 503 while DOWN) and the demo endpoints\n"
            "/api/fast, /api/slow (about %d ms) and /api/flaky, each\n"
            "recorded as a service of its own. Stops on SIGINT or SIGTERM.\n",
            SLOW_MS);
}

/* ---- command line ------------------------------------------------------- */

/* "1.2.3.4:80" or "[::1]:80", numeric only: a name would need a lookup,
 * and a lookup could bind somewhere unexpected. */
static int parse_listen(const char *text, union address *address)
{
    char host[64];
    const char *colon = strrchr(text, ':');
    const char *port_text;
    char *end;
    unsigned long port;
    size_t host_len;

    if (colon == NULL)
        return -1;
    host_len = (size_t)(colon - text);
    port_text = colon + 1;
    if (host_len == 0 || host_len >= sizeof host || *port_text == '\0')
        return -1;
    errno = 0;
    port = strtoul(port_text, &end, 10);
    if (errno != 0 || *end != '\0' || port > 65535 || *port_text == '-' ||
        *port_text == '+')
        return -1;

    memset(address, 0, sizeof *address);
    memcpy(host, text, host_len);
    host[host_len] = '\0';
    if (host[0] == '[') {
        if (host_len < 3 || host[host_len - 1] != ']')
            return -1;
        host[host_len - 1] = '\0';
        if (inet_pton(AF_INET6, host + 1, &address->v6.sin6_addr) != 1)
            return -1;
        address->v6.sin6_family = AF_INET6;
        address->v6.sin6_port = htons((uint16_t)port);
        return 0;
    }
    if (inet_pton(AF_INET, host, &address->v4.sin_addr) != 1)
        return -1;
    address->v4.sin_family = AF_INET;
    address->v4.sin_port = htons((uint16_t)port);
    return 0;
}

/* "5,10,25": at most OBS_LATENCY_BUCKETS_MAX numbers. */
static int parse_buckets(const char *text, double *bounds, size_t *count)
{
    *count = 0;
    for (;;) {
        char *end;

        if (*count == OBS_LATENCY_BUCKETS_MAX)
            return -1;
        errno = 0;
        bounds[(*count)++] = strtod(text, &end);
        if (errno != 0 || end == text)
            return -1;
        if (*end == '\0')
            return 0;
        if (*end != ',')
            return -1;
        text = end + 1;
    }
}

static int parse_share(const char *text, double *share)
{
    char *end;

    errno = 0;
    *share = strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0' || !(*share >= 0.0) ||
        *share > 1.0)
        return -1;
    return 0;
}

/* ---- responses ---------------------------------------------------------- */

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_ms(unsigned ms)
{
    struct timespec left = {ms / 1000, (long)(ms % 1000) * 1000000L};

    while (nanosleep(&left, &left) != 0 && errno == EINTR)
        continue;
}

/* Queue `body` (static text, or malloc'd when `owned`) and drop our
 * reference to the response. */
static enum MHD_Result respond(struct MHD_Connection *connection,
                               unsigned code, const char *type, char *body,
                               size_t length, bool owned)
{
    struct MHD_Response *response;
    enum MHD_Result result;

    response = MHD_create_response_from_buffer(
        length, body, owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (response == NULL) {
        if (owned)
            free(body);
        return MHD_NO;
    }
    if (type != NULL)
        MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(response, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    result = MHD_queue_response(connection, code, response);
    MHD_destroy_response(response);
    return result;
}

static enum MHD_Result respond_text(struct MHD_Connection *connection,
                                    unsigned code, const char *text)
{
    return respond(connection, code, "text/plain; charset=utf-8",
                   (char *)text, strlen(text), false);
}

/* ---- demo endpoints ----------------------------------------------------- */

/* With share s, request n (from 0) fails when floor((n + 1) s) moves past
 * floor(n s): exactly that share of every run of requests, evenly. */
static bool flaky_fails(struct server *server)
{
    unsigned long long n = atomic_fetch_add(&server->flaky_requests, 1);
    double share = server->fail_share;

    return floor((double)(n + 1) * share) != floor((double)n * share);
}

static enum MHD_Result demo(struct server *server,
                            struct MHD_Connection *connection,
                            obs_service_t *service)
{
    uint64_t start = now_ns();
    bool ok = true;

    if (service == server->slow)
        sleep_ms(SLOW_MS);
    else if (service == server->flaky)
        ok = !flaky_fails(server);

    /* Recorded before the answer leaves: a client that has its answer can
     * count on the request being in the figures. */
    obs_record_request(service, (double)(now_ns() - start) / 1e6, ok);
    if (!ok)
        return respond_text(connection, MHD_HTTP_INTERNAL_SERVER_ERROR,
                            "failed\n");
    return respond_text(connection, MHD_HTTP_OK, "ok\n");
}

/* ---- /metrics and /health ----------------------------------------------- */

/* The q of one media range's parameters ("; q=0.5"), 1 without. */
static double quality(const char *params, size_t len, bool *version_ok,
                      const char *version)
{
    double q = 1.0;
    size_t i = 0;

    *version_ok = true;
    while (i < len) {
        size_t end = i;
        const char *p;

        while (end < len && params[end] != ';')
            end++;
        p = params + i;
        while (p < params + end && (*p == ' ' || *p == '\t' || *p == ';'))
            p++;
        if (strncasecmp(p, "q=", 2) == 0)
            q = strtod(p + 2, NULL);
        else if (strncasecmp(p, "version=", 8) == 0)
            *version_ok = (size_t)(params + end - (p + 8)) ==
                              strlen(version) &&
                          strncmp(p + 8, version, strlen(version)) == 0;
        i = end + 1;
    }
    return q;
}

static bool same_type(const char *type, size_t len, const char *name)
{
    return len == strlen(name) && strncasecmp(type, name, len) == 0;
}

/* Content negotiation: OpenMetrics when the client prefers it at least as
 * much as the text format (Prometheus asks for it first), the text format
 * otherwise and when there is no Accept header. */
static obs_exposition_t negotiate(const char *accept)
{
    double text_q = 0.0;
    double openmetrics_q = 0.0;

    if (accept == NULL)
        return OBS_EXPOSITION_PROMETHEUS;
    while (*accept != '\0') {
        size_t len = strcspn(accept, ",");
        size_t type_len;
        const char *type = accept;
        bool version_ok;
        double q;

        while (len > 0 && (*type == ' ' || *type == '\t')) {
            type++;
            len--;
        }
        type_len = strcspn(type, ";,");
        while (type_len > 0 &&
               (type[type_len - 1] == ' ' || type[type_len - 1] == '\t'))
            type_len--;
        if (same_type(type, type_len, "application/openmetrics-text")) {
            q = quality(type + type_len, len - type_len, &version_ok,
                        "1.0.0");
            if (version_ok && q > openmetrics_q)
                openmetrics_q = q;
        } else if (same_type(type, type_len, "text/plain")) {
            q = quality(type + type_len, len - type_len, &version_ok,
                        "0.0.4");
            if (version_ok && q > text_q)
                text_q = q;
        } else if (same_type(type, type_len, "*/*") ||
                   same_type(type, type_len, "text/*")) {
            q = quality(type + type_len, len - type_len, &version_ok, "");
            if (q > text_q)
                text_q = q;
        }
        accept = type + len;
        if (*accept == ',')
            accept++;
    }
    if (openmetrics_q > 0.0 && openmetrics_q >= text_q)
        return OBS_EXPOSITION_OPENMETRICS;
    return OBS_EXPOSITION_PROMETHEUS;
}

/* The JSON report (json) or the exposition in `format`, in a malloc'd
 * buffer grown until the text fits: services may be added between two
 * attempts. The buffer has room for at least one byte past `length`. */
static char *write_all(struct server *server, bool json,
                       obs_exposition_t format, size_t *length)
{
    size_t size = 16384;

    for (int attempt = 0; attempt < 8; attempt++) {
        char *buffer = malloc(size);
        obs_status_t status;

        if (buffer == NULL)
            return NULL;
        if (json)
            status = obs_platform_write_json(server->platform, 0, buffer,
                                             size, length);
        else
            status = obs_platform_write_prometheus(server->platform, format,
                                                   buffer, size, length);
        if (status == OBS_OK)
            return buffer;
        free(buffer);
        if (status != OBS_ENOSPC)
            return NULL;
        size = *length + 4096;
    }
    return NULL;
}

static enum MHD_Result metrics(struct server *server,
                               struct MHD_Connection *connection)
{
    const char *forced = MHD_lookup_connection_value(
        connection, MHD_GET_ARGUMENT_KIND, "format");
    obs_exposition_t format;
    size_t length;
    char *body;

    if (forced == NULL)
        format = negotiate(MHD_lookup_connection_value(
            connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT));
    else if (strcmp(forced, "prometheus") == 0)
        format = OBS_EXPOSITION_PROMETHEUS;
    else if (strcmp(forced, "openmetrics") == 0)
        format = OBS_EXPOSITION_OPENMETRICS;
    else
        return respond_text(connection, MHD_HTTP_BAD_REQUEST,
                            "format must be prometheus or openmetrics\n");

    body = write_all(server, false, format, &length);
    if (body == NULL)
        return respond_text(connection, MHD_HTTP_INTERNAL_SERVER_ERROR,
                            "cannot write the metrics\n");
    return respond(connection, MHD_HTTP_OK,
                   format == OBS_EXPOSITION_OPENMETRICS ? openmetrics_type
                                                        : text_type,
                   body, length, true);
}

static enum MHD_Result health(struct server *server,
                              struct MHD_Connection *connection)
{
    obs_health_t overall = OBS_HEALTHY;
    size_t length;
    char *body;

    if (obs_platform_health(server->platform, &overall) != OBS_OK)
        return respond_text(connection, MHD_HTTP_INTERNAL_SERVER_ERROR,
                            "cannot read the health\n");
    body = write_all(server, true, OBS_EXPOSITION_PROMETHEUS, &length);
    if (body == NULL)
        return respond_text(connection, MHD_HTTP_INTERNAL_SERVER_ERROR,
                            "cannot write the report\n");
    body[length] = '\n'; /* in place of the NUL */
    return respond(connection,
                   overall == OBS_DOWN ? MHD_HTTP_SERVICE_UNAVAILABLE
                                       : MHD_HTTP_OK,
                   "application/json", body, length + 1, true);
}

static enum MHD_Result handle(void *context, struct MHD_Connection *connection,
                              const char *url, const char *method,
                              const char *version, const char *upload_data,
                              size_t *upload_data_size, void **request)
{
    struct server *server = context;

    (void)version;
    (void)upload_data;
    (void)upload_data_size;
    (void)request;
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
        strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return respond_text(connection, MHD_HTTP_METHOD_NOT_ALLOWED,
                            "only GET and HEAD\n");
    if (strcmp(url, "/metrics") == 0)
        return metrics(server, connection);
    if (strcmp(url, "/health") == 0)
        return health(server, connection);
    if (strcmp(url, "/api/fast") == 0)
        return demo(server, connection, server->fast);
    if (strcmp(url, "/api/slow") == 0)
        return demo(server, connection, server->slow);
    if (strcmp(url, "/api/flaky") == 0)
        return demo(server, connection, server->flaky);
    return respond_text(connection, MHD_HTTP_NOT_FOUND, "not found\n");
}

/* ---- main --------------------------------------------------------------- */

static int setup(struct server *server)
{
    if (obs_platform_new(NULL, &server->platform) != OBS_OK)
        return -1;
    if (obs_platform_register(server->platform, "fast", &server->fast) !=
            OBS_OK ||
        obs_platform_register(server->platform, "slow", &server->slow) !=
            OBS_OK ||
        obs_platform_register(server->platform, "flaky", &server->flaky) !=
            OBS_OK)
        return -1;
    atomic_init(&server->flaky_requests, 0);
    return 0;
}

static void print_address(const union address *address, uint16_t port)
{
    char host[INET6_ADDRSTRLEN];

    if (address->any.sa_family == AF_INET6) {
        inet_ntop(AF_INET6, &address->v6.sin6_addr, host, sizeof host);
        printf("obs-server: listening on http://[%s]:%u\n", host, port);
    } else {
        inet_ntop(AF_INET, &address->v4.sin_addr, host, sizeof host);
        printf("obs-server: listening on http://%s:%u\n", host, port);
    }
    fflush(stdout);
}

int main(int argc, char **argv)
{
    const char *listen_at = DEFAULT_LISTEN;
    struct server server = {0};
    union address address;
    struct MHD_Daemon *daemon;
    const union MHD_DaemonInfo *info;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_THREAD_PER_CONNECTION;
    sigset_t stop;
    int signal_number;
    double buckets[OBS_LATENCY_BUCKETS_MAX];
    size_t bucket_count = 0;
    const char *bucket_text = NULL;

    server.fail_share = 0.2;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc) {
            listen_at = argv[++i];
        } else if (strcmp(argv[i], "--latency-buckets") == 0 &&
                   i + 1 < argc) {
            bucket_text = argv[++i];
            if (parse_buckets(bucket_text, buckets, &bucket_count) != 0) {
                fprintf(stderr, "obs-server: --latency-buckets wants at most "
                                "%d numbers separated by commas, not "
                                "'%s'\n", OBS_LATENCY_BUCKETS_MAX,
                        bucket_text);
                return 2;
            }
        } else if (strcmp(argv[i], "--fail-share") == 0 && i + 1 < argc) {
            if (parse_share(argv[++i], &server.fail_share) != 0) {
                fprintf(stderr, "obs-server: --fail-share wants a number "
                                "from 0 to 1, not '%s'\n", argv[i]);
                return 2;
            }
        } else {
            fprintf(stderr, "obs-server: unknown argument '%s' (try "
                            "--help)\n", argv[i]);
            return 2;
        }
    }
    if (parse_listen(listen_at, &address) != 0) {
        fprintf(stderr, "obs-server: --listen wants IPV4:PORT or "
                        "[IPV6]:PORT, not '%s'\n", listen_at);
        return 2;
    }
    if (address.any.sa_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (setup(&server) != 0) {
        fprintf(stderr, "obs-server: cannot create the platform\n");
        obs_platform_free(server.platform);
        return 1;
    }
    if (bucket_text != NULL &&
        obs_platform_set_latency_buckets(server.platform, buckets,
                                         bucket_count) != OBS_OK) {
        fprintf(stderr, "obs-server: --latency-buckets wants ascending "
                        "bounds above 0, not '%s'\n", bucket_text);
        obs_platform_free(server.platform);
        return 2;
    }

    /* Blocked here, the signals stay blocked in every thread the daemon
     * starts, and sigtimedwait() below is the only place that takes them. */
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* A demo, not a hardened server: idle connections are closed after
     * 10 s, and at most 512 are open at once. */
    errno = 0;
    daemon = MHD_start_daemon(flags, 0, NULL, NULL, handle, &server,
                              MHD_OPTION_SOCK_ADDR, &address.any,
                              MHD_OPTION_CONNECTION_TIMEOUT, 10u,
                              MHD_OPTION_CONNECTION_LIMIT, 512u,
                              MHD_OPTION_END);
    if (daemon == NULL) {
        fprintf(stderr, "obs-server: cannot listen on %s%s%s\n", listen_at,
                errno != 0 ? ": " : "", errno != 0 ? strerror(errno) : "");
        obs_platform_free(server.platform);
        return 1;
    }
    info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    print_address(&address, info != NULL ? info->port : 0);

    for (;;) {
        struct timespec second = {1, 0};

        signal_number = sigtimedwait(&stop, NULL, &second);
        if (signal_number == SIGINT || signal_number == SIGTERM)
            break;
        obs_platform_evaluate(server.platform, NULL);
    }

    MHD_stop_daemon(daemon);
    obs_platform_free(server.platform);
    printf("obs-server: stopped on signal %d\n", signal_number);
    return 0;
}
