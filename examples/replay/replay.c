/*
 * replay.c - feed parsed access log lines to a platform whose clock is the
 * log's own time, evaluate alerts as that time passes, and account for
 * every line: recorded, health check, or skipped with a reason.
 */
#include "replay.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "linereader.h"

#define NS_PER_S UINT64_C(1000000000)
#define SHOW_SKIPPED 5     /* skipped lines reported one by one */
#define PEEK_LINES 1000    /* lines read to find a file's first time */
#define ALERT_HISTORY 1024 /* room for one evaluation's alerts */

static const char *const reason_names[] = {
    [REPLAY_NO_PATH - LF_ERR_COUNT] = "no path to name the service",
    [REPLAY_NO_HOST - LF_ERR_COUNT] = "no host",
    [REPLAY_NO_UPSTREAM - LF_ERR_COUNT] = "no upstream address",
    [REPLAY_NAME_TOO_LONG - LF_ERR_COUNT] = "service name too long",
    [REPLAY_NAME_REFUSED - LF_ERR_COUNT] = "service name refused",
    [REPLAY_TOO_MANY_SERVICES - LF_ERR_COUNT] =
        "more services than --max-services",
};

const char *replay_reason_name(int reason)
{
    if (reason >= 0 && reason < LF_ERR_COUNT)
        return lf_error_name((lf_error_t)reason);
    if (reason >= LF_ERR_COUNT && reason < REPLAY_REASON_COUNT)
        return reason_names[reason - LF_ERR_COUNT];
    return "unknown";
}

void replay_options_init(struct replay_options *options)
{
    memset(options, 0, sizeof *options);
    options->service_by = REPLAY_BY_PATH;
    options->health_path = "/healthz";
    options->evaluate_every_s = 10;
    options->latency_store = OBS_STORE_HISTOGRAM;
    /* Scanners probing /wp-login.php, /.env and the like would otherwise
     * make every probe a service of its own. */
    options->max_services = 1000;
}

bool replay_failed(const struct replay_options *options, unsigned status)
{
    return status >= 500 || (options->fail_4xx && status >= 400);
}

static bool ends_with(lf_span_t text, const char *suffix, size_t len)
{
    return len > 0 && text.len >= len &&
           memcmp(text.ptr + text.len - len, suffix, len) == 0;
}

int replay_classify(const struct replay_options *options,
                    const lf_record_t *record, lf_span_t *service,
                    bool *health_check)
{
    const char *health = options->health_path;
    size_t health_len = health != NULL ? strlen(health) : 0;
    lf_span_t path = record->path;

    *health_check = ends_with(path, health, health_len);
    if (*health_check)
        path.len -= health_len;

    switch (options->service_by) {
    case REPLAY_BY_HOST:
        if (record->host.len == 0)
            return REPLAY_NO_HOST;
        *service = record->host;
        break;
    case REPLAY_BY_UPSTREAM:
        if (record->upstream.len == 0)
            return REPLAY_NO_UPSTREAM;
        *service = record->upstream;
        break;
    default:
        if (record->path.len == 0)
            return REPLAY_NO_PATH;
        /* "/payments/x" is payments; "/", "//x" and "/healthz" are "/". */
        service->ptr = path.ptr + (path.len > 0);
        service->len = 0;
        while (service->len < path.len - (path.len > 0) &&
               service->ptr[service->len] != '/')
            service->len++;
        if (service->len == 0) {
            service->ptr = "/";
            service->len = 1;
        }
        break;
    }
    if (service->len > OBS_SERVICE_NAME_MAX)
        return REPLAY_NAME_TOO_LONG;
    return 0;
}

/* ---- service handles by name -------------------------------------------- */

struct map_entry {
    uint64_t hash;
    size_t len;
    char *name; /* NULL: free slot */
    obs_service_t *service;
};

struct service_map {
    struct map_entry *slots;
    size_t cap; /* a power of two */
    size_t count;
};

static uint64_t hash_name(const char *p, size_t len)
{
    uint64_t h = UINT64_C(14695981039346656037); /* FNV-1a */

    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)p[i]) * UINT64_C(1099511628211);
    return h;
}

static struct map_entry *map_slot(struct service_map *map, uint64_t hash,
                                  const char *p, size_t len)
{
    size_t i = (size_t)hash & (map->cap - 1);

    for (;; i = (i + 1) & (map->cap - 1)) {
        struct map_entry *e = &map->slots[i];

        if (e->name == NULL ||
            (e->hash == hash && e->len == len && memcmp(e->name, p, len) == 0))
            return e;
    }
}

static int map_grow(struct service_map *map)
{
    struct service_map bigger = {NULL, map->cap ? map->cap * 2 : 64, 0};

    bigger.slots = calloc(bigger.cap, sizeof *bigger.slots);
    if (bigger.slots == NULL)
        return -1;
    for (size_t i = 0; i < map->cap; i++) {
        struct map_entry *e = &map->slots[i];

        if (e->name != NULL)
            *map_slot(&bigger, e->hash, e->name, e->len) = *e;
    }
    bigger.count = map->count;
    free(map->slots);
    *map = bigger;
    return 0;
}

static void map_free(struct service_map *map)
{
    for (size_t i = 0; i < map->cap; i++)
        free(map->slots[i].name);
    free(map->slots);
}

/* ---- the replay --------------------------------------------------------- */

struct replay {
    const struct replay_options *options;
    lf_format_t *format;
    obs_platform_t *platform;
    struct service_map services;
    FILE *events;
    obs_alert_t *alerts;

    uint64_t now_ns; /* the platform's clock: the latest log time */
    bool started;
    uint64_t first_ns;     /* time of the first recorded line */
    uint64_t every_ns;     /* log time between evaluations */
    uint64_t next_eval_ns; /* next evaluation boundary */
    uint64_t quiet_ns;     /* health cannot change this long after data */
    uint64_t last_data_ns; /* the latest time of a recorded line */

    uint64_t read;
    uint64_t recorded;
    uint64_t health_checks;
    uint64_t skipped;
    uint64_t reasons[REPLAY_REASON_COUNT];
    unsigned shown;

    bool tty;
    bool drawn;
    double start_s;
    double drawn_s;
};

static uint64_t replay_clock(void *user)
{
    return ((const struct replay *)user)->now_ns;
}

static double monotonic_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static const char *display_name(const char *path)
{
    return strcmp(path, "-") == 0 ? "(stdin)" : path;
}

static void clear_progress(struct replay *r)
{
    if (r->drawn)
        fputs("\r\033[K", stderr);
    r->drawn = false;
}

/* A progress line on a terminal, once the replay has taken 2 s. */
static void draw_progress(struct replay *r, const char *path,
                          const line_reader_t *reader)
{
    double now = monotonic_s();
    double elapsed = now - r->start_s;
    uint64_t size = line_reader_size(reader);
    char bar[32];

    if (!r->tty || elapsed < 2.0 || now - r->drawn_s < 0.2)
        return;
    r->drawn_s = now;
    r->drawn = true;
    if (size > 0) {
        double done = (double)line_reader_offset(reader) / (double)size;
        int fill = (int)(done * 30);

        if (fill > 30)
            fill = 30;
        memset(bar, '#', (size_t)fill);
        memset(bar + fill, '.', (size_t)(30 - fill));
        bar[30] = '\0';
        fprintf(stderr, "\r\033[Kobs-replay: %s [%s] %3.0f%% %.1fM lines, "
                        "%.2fM lines/s",
                display_name(path), bar, done > 1 ? 100.0 : done * 100,
                (double)r->read / 1e6, (double)r->read / elapsed / 1e6);
    } else {
        fprintf(stderr, "\r\033[Kobs-replay: %s %.1fM lines, %.2fM lines/s",
                display_name(path), (double)r->read / 1e6,
                (double)r->read / elapsed / 1e6);
    }
}

static void skip(struct replay *r, int reason, const char *path,
                 uint64_t line)
{
    r->skipped++;
    r->reasons[reason]++;
    if (r->shown > SHOW_SKIPPED)
        return;
    clear_progress(r);
    if (r->shown++ < SHOW_SKIPPED)
        fprintf(stderr, "obs-replay: %s:%llu: %s\n", display_name(path),
                (unsigned long long)line, replay_reason_name(reason));
    else
        fputs("obs-replay: further skipped lines are only counted\n",
              stderr);
}

/* ISO 8601 UTC with milliseconds: 2023-10-10T13:55:36.123Z */
static void format_utc(uint64_t time_ns, char *out, size_t size)
{
    time_t seconds = (time_t)(time_ns / NS_PER_S);
    unsigned ms = (unsigned)(time_ns % NS_PER_S / 1000000);
    struct tm tm;
    char day[32];

    gmtime_r(&seconds, &tm);
    strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, size, "%s.%03uZ", day, ms);
}

static int write_event(struct replay *r, const obs_alert_t *alert)
{
    char when[48];
    json_t *event;
    int rc;

    format_utc(alert->time_ns, when, sizeof when);
    event = json_pack("{s:f, s:s, s:s, s:s, s:s, s:s}", "time_s",
                      (double)(alert->time_ns - r->first_ns) / 1e9, "time",
                      when, "service", alert->service, "severity",
                      obs_severity_name(alert->severity), "state",
                      obs_health_name(alert->to), "message", alert->message);
    if (event == NULL)
        return -1;
    rc = json_dumpf(event, r->events, JSON_COMPACT);
    json_decref(event);
    if (rc != 0 || fputc('\n', r->events) == EOF)
        return -1;
    return 0;
}

static int evaluate_at(struct replay *r, uint64_t time_ns)
{
    size_t raised = 0;
    size_t got;
    obs_status_t status;

    if (time_ns > r->now_ns)
        r->now_ns = time_ns;
    status = obs_platform_evaluate(r->platform, &raised);
    if (status != OBS_OK) {
        fprintf(stderr, "obs-replay: evaluating alerts: %s\n",
                obs_strerror(status));
        return -1;
    }
    if (r->events == NULL || raised == 0)
        return 0;
    got = obs_platform_recent_alerts(r->platform, r->alerts,
                                     raised < ALERT_HISTORY ? raised
                                                            : ALERT_HISTORY);
    for (size_t i = 0; i < got; i++) {
        if (write_event(r, &r->alerts[i]) != 0) {
            fprintf(stderr, "obs-replay: writing events failed\n");
            return -1;
        }
    }
    return 0;
}

/*
 * Evaluate at every boundary up to time_ns. Past the point where no data
 * is left that could change a health (the window has emptied, or at once
 * without a window), the boundaries in a gap of the log are skipped.
 */
static int evaluate_until(struct replay *r, uint64_t time_ns)
{
    while (r->next_eval_ns <= time_ns) {
        if (r->next_eval_ns > r->last_data_ns + r->quiet_ns + r->every_ns) {
            uint64_t steps = (time_ns - r->first_ns) / r->every_ns + 1;

            r->next_eval_ns = r->first_ns + steps * r->every_ns;
            break;
        }
        if (evaluate_at(r, r->next_eval_ns) != 0)
            return -1;
        r->next_eval_ns += r->every_ns;
    }
    return 0;
}

static obs_status_t service_of(struct replay *r, lf_span_t name,
                               obs_service_t **service)
{
    uint64_t hash = hash_name(name.ptr, name.len);
    struct map_entry *e;
    char copy[OBS_SERVICE_NAME_MAX + 1];
    obs_status_t status;

    e = map_slot(&r->services, hash, name.ptr, name.len);
    if (e->name != NULL) {
        *service = e->service;
        return OBS_OK;
    }
    if (r->services.count >= r->options->max_services)
        return OBS_ENOSPC;
    memcpy(copy, name.ptr, name.len);
    copy[name.len] = '\0';
    status = obs_platform_register(r->platform, copy, service);
    if (status != OBS_OK && status != OBS_EEXIST)
        return status;
    if (2 * (r->services.count + 1) > r->services.cap) {
        if (map_grow(&r->services) != 0)
            return OBS_ENOMEM;
        e = map_slot(&r->services, hash, name.ptr, name.len);
    }
    e->name = malloc(name.len + 1);
    if (e->name == NULL)
        return OBS_ENOMEM;
    memcpy(e->name, copy, name.len + 1);
    e->hash = hash;
    e->len = name.len;
    e->service = *service;
    r->services.count++;
    return OBS_OK;
}

/* Record one line; -1 when the library fails. */
static int replay_line(struct replay *r, const char *path, uint64_t number,
                       const char *line, size_t len)
{
    lf_record_t record;
    obs_service_t *service;
    lf_span_t name;
    bool health;
    int reason;
    obs_status_t status;

    reason = line == NULL ? LF_ERR_TOO_LONG
                          : (int)lf_parse(r->format, line, len, &record);
    if (reason == LF_OK)
        reason = replay_classify(r->options, &record, &name, &health);
    if (reason != 0) {
        skip(r, reason, path, number);
        return 0;
    }

    if (!r->started) {
        r->started = true;
        r->first_ns = r->now_ns = record.time_ns;
        r->next_eval_ns = record.time_ns + r->every_ns;
    }
    if (record.time_ns >= r->next_eval_ns &&
        evaluate_until(r, record.time_ns) != 0)
        return -1;
    if (record.time_ns > r->now_ns)
        r->now_ns = record.time_ns;
    if (record.time_ns > r->last_data_ns)
        r->last_data_ns = record.time_ns;

    status = service_of(r, name, &service);
    if (status == OBS_EINVAL || status == OBS_ENOSPC) {
        skip(r, status == OBS_EINVAL ? REPLAY_NAME_REFUSED
                                     : REPLAY_TOO_MANY_SERVICES,
             path, number);
        return 0;
    }
    if (status == OBS_OK) {
        if (health) {
            status = obs_record_health_check_at(
                service, record.time_ns,
                record.status >= 200 && record.status < 300);
            r->health_checks++;
        } else {
            status = obs_record_request_at(
                service, record.time_ns, record.latency_ms,
                !replay_failed(r->options, record.status));
            r->recorded++;
        }
    }
    if (status != OBS_OK) {
        clear_progress(r);
        fprintf(stderr, "obs-replay: recording: %s\n", obs_strerror(status));
        return -1;
    }
    return 0;
}

/* Returns 0, 1 if the library failed, 2 if the file could not be read. */
static int replay_file(struct replay *r, const char *path)
{
    line_reader_t *reader;
    const char *line;
    size_t len;
    char err[256];
    int got;

    if (line_reader_open(path, LF_LINE_MAX, &reader, err, sizeof err) != 0) {
        clear_progress(r);
        fprintf(stderr, "obs-replay: %s\n", err);
        return 2;
    }
    while ((got = line_reader_next(reader, &line, &len)) == 1) {
        r->read++;
        if (replay_line(r, path, line_reader_number(reader), line, len)) {
            line_reader_close(reader);
            return 1;
        }
        if ((r->read & 0x3fff) == 0)
            draw_progress(r, path, reader);
    }
    if (got < 0) {
        clear_progress(r);
        fprintf(stderr, "obs-replay: %s: read error after line %llu: %s\n",
                display_name(path),
                (unsigned long long)line_reader_number(reader),
                line_reader_error(reader));
    }
    line_reader_close(reader);
    return got < 0 ? 2 : 0;
}

/* The time of a file's first line that parses; UINT64_MAX if none. */
static int first_time(lf_format_t *format, const char *path, uint64_t *time)
{
    line_reader_t *reader;
    const char *line;
    size_t len;
    lf_record_t record;
    char err[256];

    *time = UINT64_MAX;
    if (line_reader_open(path, LF_LINE_MAX, &reader, err, sizeof err) != 0) {
        fprintf(stderr, "obs-replay: %s\n", err);
        return -1;
    }
    for (int i = 0; i < PEEK_LINES; i++) {
        if (line_reader_next(reader, &line, &len) != 1)
            break;
        if (line != NULL && lf_parse(format, line, len, &record) == LF_OK) {
            *time = record.time_ns;
            break;
        }
    }
    line_reader_close(reader);
    return 0;
}

/*
 * Several files are read oldest first, whatever order the shell gave
 * (access.log* lists access.log before access.log.1). Returns the order in
 * a new array, or NULL after a message when a file cannot be opened.
 */
static size_t *order_files(lf_format_t *format, char *const *files,
                           size_t count, int *rc)
{
    size_t *order = calloc(count ? count : 1, sizeof *order);
    uint64_t *times = calloc(count ? count : 1, sizeof *times);
    bool sort = count > 1;

    *rc = order == NULL || times == NULL ? 1 : 0;
    for (size_t i = 0; i < count && *rc == 0; i++) {
        order[i] = i;
        if (strcmp(files[i], "-") == 0)
            sort = false; /* standard input cannot be read twice */
    }
    for (size_t i = 0; i < count && *rc == 0 && sort; i++)
        if (first_time(format, files[i], &times[i]) != 0)
            *rc = 2;
    /* Insertion sort: few files, and equal times keep their order. */
    for (size_t i = 1; i < count && *rc == 0 && sort; i++) {
        size_t moving = order[i];
        size_t j = i;

        for (; j > 0 && times[order[j - 1]] > times[moving]; j--)
            order[j] = order[j - 1];
        order[j] = moving;
    }
    free(times);
    if (*rc != 0) {
        if (*rc == 1)
            fputs("obs-replay: out of memory\n", stderr);
        free(order);
        return NULL;
    }
    return order;
}

/* The format must give a time, a status, a latency and the service key. */
static int check_format(const struct replay_options *o, const lf_format_t *f)
{
    const char *missing = NULL;

    if (!lf_format_has(f, LF_VAR_TIME_LOCAL) &&
        !lf_format_has(f, LF_VAR_TIME_ISO8601) &&
        !lf_format_has(f, LF_VAR_MSEC) && !lf_format_has(f, LF_VAR_TIME_ANY))
        missing = "time ($time_local, $time_iso8601 or $msec)";
    else if (!lf_format_has(f, LF_VAR_STATUS))
        missing = "$status";
    else if (!lf_format_has(f, LF_VAR_REQUEST_TIME) &&
             !lf_format_has(f, LF_VAR_UPSTREAM_RESPONSE_TIME))
        missing = "latency ($request_time or $upstream_response_time)";
    else if (o->service_by == REPLAY_BY_PATH &&
             !lf_format_has(f, LF_VAR_REQUEST) &&
             !lf_format_has(f, LF_VAR_REQUEST_URI) &&
             !lf_format_has(f, LF_VAR_URI))
        missing = "path ($request, $request_uri or $uri)";
    else if (o->service_by == REPLAY_BY_HOST &&
             !lf_format_has(f, LF_VAR_HOST) &&
             !lf_format_has(f, LF_VAR_HTTP_HOST) &&
             !lf_format_has(f, LF_VAR_SERVER_NAME))
        missing = "host ($host, $http_host or $server_name)";
    else if (o->service_by == REPLAY_BY_UPSTREAM &&
             !lf_format_has(f, LF_VAR_UPSTREAM_ADDR))
        missing = "$upstream_addr";
    if (missing == NULL)
        return 0;
    fprintf(stderr, "obs-replay: the log format has no %s\n", missing);
    return -1;
}

static void print_summary(const struct replay *r)
{
    const char *sep = "";

    fprintf(stderr,
            "obs-replay: %llu lines read, %llu recorded, %llu health "
            "checks, %llu skipped\n",
            (unsigned long long)r->read, (unsigned long long)r->recorded,
            (unsigned long long)r->health_checks,
            (unsigned long long)r->skipped);
    if (r->skipped == 0)
        return;
    fputs("obs-replay: skipped:", stderr);
    for (int i = 0; i < REPLAY_REASON_COUNT; i++) {
        if (r->reasons[i] == 0)
            continue;
        fprintf(stderr, "%s %llu %s", sep, (unsigned long long)r->reasons[i],
                replay_reason_name(i));
        sep = ",";
    }
    fputc('\n', stderr);
    if (r->reasons[LF_ERR_COMBINED] != 0)
        fputs("obs-replay: hint: nginx's combined format records no "
              "latency; add $request_time to the end of your log_format "
              "(see --help)\n",
              stderr);
}

static int setup(struct replay *r, const struct replay_options *options)
{
    obs_config_t config;
    obs_status_t status;
    char err[256];

    memset(r, 0, sizeof *r);
    r->options = options;
    r->every_ns = (uint64_t)llround(options->evaluate_every_s * 1e9);
    /* A window is empty one slot after it has passed the last data. */
    r->quiet_ns = (uint64_t)llround(options->window_s * 1.1e9);
    if (r->every_ns == 0)
        r->every_ns = 1;
    r->tty = isatty(STDERR_FILENO);
    r->start_s = monotonic_s();

    if (lf_format_compile(options->log_format, options->json, &r->format,
                          err, sizeof err) != 0) {
        fprintf(stderr, "obs-replay: --log-format: %s\n", err);
        return 2;
    }
    if (check_format(options, r->format) != 0)
        return 2;
    if (map_grow(&r->services) != 0)
        return 1;
    r->alerts = calloc(ALERT_HISTORY, sizeof *r->alerts);
    if (r->alerts == NULL)
        return 1;
    if (options->events_path != NULL) {
        r->events = strcmp(options->events_path, "-") == 0
                        ? stdout
                        : fopen(options->events_path, "w");
        if (r->events == NULL) {
            fprintf(stderr, "obs-replay: %s: cannot write\n",
                    options->events_path);
            return 2;
        }
    }

    obs_config_init(&config);
    config.latency_store = options->latency_store;
    config.alert_history = ALERT_HISTORY;
    config.clock = replay_clock;
    config.clock_user = r;
    if (options->window_s > 0) {
        config.window_slots = 10;
        config.slot_ns = (uint64_t)llround(options->window_s * 1e8);
    }
    status = obs_platform_new(&config, &r->platform);
    if (status != OBS_OK) {
        fprintf(stderr, "obs-replay: creating platform: %s\n",
                obs_strerror(status));
        return 1;
    }
    return 0;
}

static void teardown(struct replay *r)
{
    if (r->events != NULL && r->events != stdout)
        fclose(r->events);
    obs_platform_free(r->platform);
    map_free(&r->services);
    free(r->alerts);
    lf_format_free(r->format);
}

int replay_run(const struct replay_options *options, char *const *files,
               size_t count)
{
    struct replay r;
    size_t *order = NULL;
    int rc = setup(&r, options);
    int read_rc = 0;
    obs_status_t status;

    if (rc != 0)
        goto done;
    order = order_files(r.format, files, count, &rc);
    if (order == NULL)
        goto done;

    for (size_t i = 0; i < count && rc == 0; i++) {
        int file_rc = replay_file(&r, files[order[i]]);

        if (file_rc == 1)
            rc = 1;
        else if (file_rc == 2)
            read_rc = 2;
    }
    clear_progress(&r);
    if (rc != 0)
        goto done;

    if (r.started && (evaluate_until(&r, r.now_ns) != 0 ||
                      evaluate_at(&r, r.now_ns) != 0)) {
        rc = 1;
        goto done;
    }
    if (r.events != NULL && fflush(r.events) != 0) {
        fprintf(stderr, "obs-replay: writing events failed\n");
        rc = 1;
        goto done;
    }
    status = obs_platform_print_json(r.platform, 0, stdout);
    if (status != OBS_OK || fflush(stdout) != 0) {
        fprintf(stderr, "obs-replay: writing report: %s\n",
                obs_strerror(status != OBS_OK ? status : OBS_EIO));
        rc = 1;
        goto done;
    }
    print_summary(&r);
    rc = read_rc;

done:
    free(order);
    teardown(&r);
    return rc;
}
