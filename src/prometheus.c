/*
 * prometheus.c - the platform's figures as a Prometheus text exposition
 * (format 0.0.4) or as OpenMetrics 1.0.
 *
 * Both formats want every sample of a family written together, so the
 * figures of all services are read first, one snapshot per service, and
 * the families are written afterwards. Counters and the latency histogram
 * always come from the lifetime view: Prometheus computes rates itself and
 * takes any decrease of a counter for a restart of the process.
 */
#include <math.h>
#include <string.h>

#include "registry.h"
#include "slo.h"
#include "strbuf.h"

/* Edges at the default precision (see obs_platform_set_latency_buckets). */
static const double default_buckets_ms[] = {
    5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
};

#define DEFAULT_BUCKETS (sizeof default_buckets_ms / sizeof(double))

struct bounds {
    size_t count;
    double ms[OBS_LATENCY_BUCKETS_MAX];
};

/* What one service contributes to the exposition. */
struct service_figures {
    const char *name;
    size_t name_len;
    uint64_t requests;
    uint64_t errors;
    uint64_t checks;
    uint64_t checks_passed;
    double latency_sum_ms;
    uint64_t at_or_below[OBS_LATENCY_BUCKETS_MAX]; /* per bound */
    obs_health_t health;    /* now, from the health view */
    /* Firing alerts (health and SLO burn rate) by severity. */
    unsigned firing[OBS_SEVERITY_TICKET + 1];
};

struct reading_request {
    const struct bounds *bounds;
    struct service_figures *figures;
};

struct exposition {
    struct obs_strbuf *out;
    obs_exposition_t format;
};

/* ---- bucket bounds ------------------------------------------------------ */

obs_status_t obs_platform_set_latency_buckets(obs_platform_t *platform,
                                              const double *bounds_ms,
                                              size_t count)
{
    double edges[OBS_LATENCY_BUCKETS_MAX];

    if (platform == NULL || count > OBS_LATENCY_BUCKETS_MAX ||
        (bounds_ms == NULL && count > 0))
        return OBS_EINVAL;

    /* Two bounds that share an edge would give two buckets with the same
     * le label, which no scraper accepts. */
    for (size_t i = 0; i < count; i++) {
        if (!isfinite(bounds_ms[i]) || !(bounds_ms[i] > 0.0))
            return OBS_EINVAL;
        if (i > 0 && !(bounds_ms[i] > bounds_ms[i - 1]))
            return OBS_EINVAL;
        edges[i] = obs_hist_edge(bounds_ms[i], platform->core.bits);
        if (i > 0 && !(edges[i] > edges[i - 1]))
            return OBS_EINVAL;
    }

    pthread_rwlock_wrlock(&platform->lock);
    if (count > 0)
        memcpy(platform->latency_buckets_ms, edges, count * sizeof *edges);
    platform->latency_bucket_count = count;
    pthread_rwlock_unlock(&platform->lock);
    return OBS_OK;
}

/* Caller holds the platform lock. */
static void copy_bounds(const obs_platform_t *platform, struct bounds *out)
{
    const double *from = platform->latency_buckets_ms;

    out->count = platform->latency_bucket_count;
    if (out->count == 0) {
        from = default_buckets_ms;
        out->count = DEFAULT_BUCKETS;
    }
    memcpy(out->ms, from, out->count * sizeof *from);
}

/* ---- reading ------------------------------------------------------------ */

static void take_reading(const struct obs_reading *reading, void *context)
{
    struct reading_request *request = context;
    struct service_figures *figures = request->figures;
    uint64_t previous = 0;

    figures->requests = reading->requests;
    figures->errors = reading->errors;
    figures->checks = reading->checks;
    figures->checks_passed = reading->checks_passed;
    figures->latency_sum_ms = reading->totals.sum;

    /* The buckets are counted from the live counters, after the request
     * count was taken: a request recorded in between must not make a
     * bucket exceed +Inf. Both only ever grow, so the clamped counts still
     * never go down from one exposition to the next. */
    for (size_t i = 0; i < request->bounds->count; i++) {
        uint64_t n = obs_reading_count_le(reading, request->bounds->ms[i]);

        if (n < previous)
            n = previous;
        if (n > reading->requests)
            n = reading->requests;
        figures->at_or_below[i] = n;
        previous = n;
    }
}

static obs_status_t read_service(struct obs_service *service,
                                 const struct bounds *bounds,
                                 struct service_figures *figures)
{
    struct reading_request request = {bounds, figures};
    obs_status_t status;

    figures->name = service->name;
    figures->name_len = service->name_len;
    status = obs_service_read(service, OBS_VIEW_LIFETIME, take_reading,
                              &request);
    if (status != OBS_OK)
        return status;
    return obs_service_health(service, &figures->health);
}

/* Tally the firing alerts per service and severity. An alert names its
 * service by the service's own name pointer, which is how it is matched. */
static obs_status_t count_firing(obs_platform_t *platform,
                                 struct service_figures *figures,
                                 size_t count)
{
    struct obs_alloc *alloc = &platform->core.alloc;
    size_t n = obs_alerts_active(&platform->alerts, &platform->core,
                                 platform->services, count, NULL, 0);
    obs_alert_t *active;

    if (n == 0)
        return OBS_OK;
    active = obs_alloc_array(alloc, NULL, 0, n, sizeof *active, NULL);
    if (active == NULL)
        return OBS_ENOMEM;
    n = obs_alerts_active(&platform->alerts, &platform->core,
                          platform->services, count, active, n);
    for (size_t a = 0; a < n; a++) {
        if (active[a].state != OBS_ALERT_FIRING ||
            active[a].severity > OBS_SEVERITY_TICKET)
            continue;
        for (size_t i = 0; i < count; i++)
            if (figures[i].name == active[a].service)
                figures[i].firing[active[a].severity]++;
    }
    obs_alloc_free(alloc, active, n * sizeof *active, NULL);
    return OBS_OK;
}

/* ---- writing ------------------------------------------------------------ */

static bool is_openmetrics(const struct exposition *x)
{
    return x->format == OBS_EXPOSITION_OPENMETRICS;
}

/* OpenMetrics wants a whole number to look like a float ("1.0"), as
 * obs_strbuf_shortest() writes it; the Prometheus text format is usually
 * written without (le="1"), which is what its clients produce. */
static void write_float(struct exposition *x, double value)
{
    struct obs_strbuf *out = x->out;

    obs_strbuf_shortest(out, value);
    if (is_openmetrics(x) || out->failed || out->len < 2)
        return;
    if (memcmp(out->data + out->len - 2, ".0", 2) == 0) {
        out->len -= 2;
        out->data[out->len] = '\0';
    }
}

static void write_label_value(struct obs_strbuf *out, const char *text,
                              size_t len)
{
    size_t start = 0;

    for (size_t i = 0; i < len; i++) {
        const char *escaped;

        switch (text[i]) {
        case '\\':
            escaped = "\\\\";
            break;
        case '"':
            escaped = "\\\"";
            break;
        case '\n':
            escaped = "\\n";
            break;
        default:
            continue;
        }
        obs_strbuf_append(out, text + start, i - start);
        obs_strbuf_append(out, escaped, 2);
        start = i + 1;
    }
    obs_strbuf_append(out, text + start, len - start);
}

static void write_family(struct exposition *x, const char *name,
                         const char *type, const char *unit,
                         const char *help)
{
    size_t len = strlen(name);

    /* OpenMetrics names a counter family without the suffix its samples
     * carry. */
    if (is_openmetrics(x) && strcmp(type, "counter") == 0)
        len -= strlen("_total");
    obs_strbuf_puts(x->out, "# HELP ");
    obs_strbuf_append(x->out, name, len);
    obs_strbuf_printf(x->out, " %s\n# TYPE ", help);
    obs_strbuf_append(x->out, name, len);
    obs_strbuf_printf(x->out, " %s\n", type);
    if (unit != NULL && is_openmetrics(x)) {
        obs_strbuf_puts(x->out, "# UNIT ");
        obs_strbuf_append(x->out, name, len);
        obs_strbuf_printf(x->out, " %s\n", unit);
    }
}

/* Writes `metric{service="NAME"` and, if `label` is given,
 * `,label="value"`; the caller closes the braces. */
static void begin_sample(struct exposition *x, const char *metric,
                         const struct service_figures *figures,
                         const char *label, const char *value)
{
    obs_strbuf_printf(x->out, "%s{service=\"", metric);
    write_label_value(x->out, figures->name, figures->name_len);
    obs_strbuf_append(x->out, "\"", 1);
    if (label != NULL)
        obs_strbuf_printf(x->out, ",%s=\"%s\"", label, value);
}

static void write_count(struct exposition *x, const char *metric,
                        const struct service_figures *figures,
                        const char *label, const char *value, uint64_t n)
{
    begin_sample(x, metric, figures, label, value);
    obs_strbuf_append(x->out, "} ", 2);
    obs_strbuf_uint(x->out, n);
    obs_strbuf_append(x->out, "\n", 1);
}

static void write_histogram(struct exposition *x, const struct bounds *bounds,
                            const struct service_figures *figures)
{
    const char *bucket = "obs_request_duration_seconds_bucket";

    for (size_t i = 0; i < bounds->count; i++) {
        begin_sample(x, bucket, figures, NULL, NULL);
        obs_strbuf_puts(x->out, ",le=\"");
        write_float(x, bounds->ms[i] / 1000.0);
        obs_strbuf_append(x->out, "\"} ", 3);
        obs_strbuf_uint(x->out, figures->at_or_below[i]);
        obs_strbuf_append(x->out, "\n", 1);
    }
    write_count(x, bucket, figures, "le", "+Inf", figures->requests);
    begin_sample(x, "obs_request_duration_seconds_sum", figures, NULL, NULL);
    obs_strbuf_append(x->out, "} ", 2);
    write_float(x, figures->latency_sum_ms / 1000.0);
    obs_strbuf_append(x->out, "\n", 1);
    write_count(x, "obs_request_duration_seconds_count", figures, NULL, NULL,
                figures->requests);
}

static void write_families(struct exposition *x, const struct bounds *bounds,
                           const struct service_figures *figures,
                           size_t count)
{
    static const obs_severity_t severities[] = {
        OBS_SEVERITY_WARNING, OBS_SEVERITY_CRITICAL, OBS_SEVERITY_PAGE,
        OBS_SEVERITY_TICKET,
    };
    const char *metric;

    metric = "obs_requests_total";
    write_family(x, metric, "counter", NULL,
                 "Requests recorded, by outcome.");
    for (size_t i = 0; i < count; i++) {
        const struct service_figures *f = &figures[i];

        write_count(x, metric, f, "outcome", "success",
                    f->requests - f->errors);
        write_count(x, metric, f, "outcome", "error", f->errors);
    }

    metric = "obs_health_checks_total";
    write_family(x, metric, "counter", NULL,
                 "Health checks recorded, by result.");
    for (size_t i = 0; i < count; i++) {
        const struct service_figures *f = &figures[i];

        write_count(x, metric, f, "result", "passed", f->checks_passed);
        write_count(x, metric, f, "result", "failed",
                    f->checks - f->checks_passed);
    }

    write_family(x, "obs_request_duration_seconds", "histogram", "seconds",
                 "Request latency in seconds.");
    for (size_t i = 0; i < count; i++)
        write_histogram(x, bounds, &figures[i]);

    metric = "obs_service_health";
    write_family(x, metric, "gauge", NULL,
                 "Current health of the service: 1 for its state, "
                 "0 for the others.");
    for (size_t i = 0; i < count; i++)
        for (int h = OBS_HEALTHY; h <= OBS_DOWN; h++)
            write_count(x, metric, &figures[i], "state",
                        obs_health_name((obs_health_t)h),
                        figures[i].health == (obs_health_t)h);

    metric = "obs_alerts_firing";
    write_family(x, metric, "gauge", NULL,
                 "Alerts firing for the service at the last evaluation "
                 "(health and SLO burn rate), by severity.");
    for (size_t i = 0; i < count; i++)
        for (size_t s = 0; s < sizeof severities / sizeof *severities; s++)
            write_count(x, metric, &figures[i], "severity",
                        obs_severity_name(severities[s]),
                        figures[i].firing[severities[s]]);
}

/* One gauge per SLO: the share of its error budget left over its
 * compliance period (1 untouched, 0 spent, below 0 overspent). Written
 * only when some service has an SLO. */
static obs_status_t write_slos(struct exposition *x, obs_platform_t *platform,
                               const struct service_figures *figures,
                               size_t count)
{
    struct obs_core *core = &platform->core;
    const char *metric = "obs_slo_error_budget_remaining";
    uint64_t now = obs_timeline_tick(&core->timeline);
    obs_status_t status = OBS_OK;
    bool any = false;

    pthread_mutex_lock(&core->settings_lock);
    for (size_t i = 0; i < count && status == OBS_OK; i++) {
        for (struct obs_slo *slo = platform->services[i]->slos; slo != NULL;
             slo = slo->next) {
            obs_slo_status_t st;

            status = obs_slo_current(slo, now, &st);
            if (status != OBS_OK)
                break;
            if (!any)
                write_family(x, metric, "gauge", NULL,
                             "Share of the SLO's error budget left over its "
                             "compliance period.");
            any = true;
            begin_sample(x, metric, &figures[i], "slo", slo->name);
            obs_strbuf_append(x->out, "} ", 2);
            write_float(x, st.budget_remaining);
            obs_strbuf_append(x->out, "\n", 1);
        }
    }
    pthread_mutex_unlock(&core->settings_lock);
    return status;
}

/* Build the exposition in `out`. Holding the platform lock keeps the
 * service list and the bounds fixed while they are read. */
static obs_status_t build(obs_platform_t *platform, obs_exposition_t format,
                          struct obs_strbuf *out)
{
    struct obs_alloc *alloc = &platform->core.alloc;
    struct service_figures *figures = NULL;
    struct exposition x = {out, format};
    obs_status_t status = OBS_OK;
    struct bounds bounds;
    size_t count;

    pthread_rwlock_rdlock(&platform->lock);
    count = platform->count;
    copy_bounds(platform, &bounds);
    if (count > 0) {
        figures = obs_alloc_array(alloc, NULL, 0, count, sizeof *figures,
                                  NULL);
        if (figures == NULL) {
            status = OBS_ENOMEM;
            goto done;
        }
        memset(figures, 0, count * sizeof *figures);
    }
    for (size_t i = 0; i < count && status == OBS_OK; i++)
        status = read_service(platform->services[i], &bounds, &figures[i]);
    if (status != OBS_OK)
        goto done;
    status = count_firing(platform, figures, count);
    if (status != OBS_OK)
        goto done;
    if (count > 0)
        write_families(&x, &bounds, figures, count);
    status = write_slos(&x, platform, figures, count);
    if (status != OBS_OK)
        goto done;
    if (is_openmetrics(&x))
        obs_strbuf_puts(out, "# EOF\n");
    status = out->failed ? OBS_ENOMEM : OBS_OK;
done:
    pthread_rwlock_unlock(&platform->lock);
    obs_alloc_free(alloc, figures, count * sizeof *figures, NULL);
    return status;
}

static bool format_valid(obs_exposition_t format)
{
    return format == OBS_EXPOSITION_PROMETHEUS ||
           format == OBS_EXPOSITION_OPENMETRICS;
}

struct exposition_request {
    obs_platform_t *platform;
    obs_exposition_t format;
};

static obs_status_t render(void *context, struct obs_strbuf *out)
{
    struct exposition_request *request = context;

    return build(request->platform, request->format, out);
}

obs_status_t obs_platform_write_prometheus(obs_platform_t *platform,
                                           obs_exposition_t format,
                                           char *buffer, size_t size,
                                           size_t *length)
{
    struct exposition_request request = {platform, format};

    if (platform == NULL || !format_valid(format) ||
        (buffer == NULL && size > 0))
        return OBS_EINVAL;
    return obs_render_to_buffer(&platform->core.alloc, render, &request,
                                buffer, size, length);
}

obs_status_t obs_platform_print_prometheus(obs_platform_t *platform,
                                           obs_exposition_t format,
                                           FILE *stream)
{
    struct exposition_request request = {platform, format};

    if (platform == NULL || stream == NULL || !format_valid(format))
        return OBS_EINVAL;
    return obs_render_to_stream(&platform->core.alloc, render, &request,
                                stream);
}
