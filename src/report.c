/*
 * report.c - the platform report as JSON.
 *
 * Field names, order and rounding follow the reference program's report
 * (p-values to 0.1 ms, percentages to 0.01), so that tools written against
 * it keep working and the simulator can be compared byte for byte.
 */
#include <string.h>

#include "faults.h"
#include "json.h"
#include "registry.h"
#include "slo.h"

#define REPORT_ALERTS 20

/* Injected faults, only on platforms that ever had a fault rule: a drill
 * must be told from an outage, and reports without drills keep the
 * reference's layout. */
static void write_injected(struct obs_json *json, obs_service_t *service)
{
    obs_fault_counts_t counts;

    obs_service_fault_counts(service, &counts);
    obs_json_key(json, "injected_faults");
    obs_json_begin_object(json);
    obs_json_key(json, "errors");
    obs_json_uint(json, counts.injected_errors);
    obs_json_key(json, "delays");
    obs_json_uint(json, counts.injected_delays);
    obs_json_key(json, "outage_checks");
    obs_json_uint(json, counts.injected_outage_checks);
    obs_json_end_object(json);
}

static void write_service(struct obs_json *json, obs_service_t *service,
                          const obs_service_stats_t *stats, bool faults)
{
    const char *name = service->name;

    obs_json_begin_object(json);
    obs_json_key(json, "name");
    obs_json_string(json, name);
    obs_json_key(json, "requests");
    obs_json_uint(json, stats->requests);
    obs_json_key(json, "error_rate_pct");
    obs_json_double(json, obs_round_decimal(stats->error_rate * 100.0, 2));
    obs_json_key(json, "availability_pct");
    obs_json_double(json, obs_round_decimal(stats->availability_pct, 2));
    obs_json_key(json, "p50_ms");
    obs_json_double(json, obs_round_decimal(stats->p50_ms, 1));
    obs_json_key(json, "p95_ms");
    obs_json_double(json, obs_round_decimal(stats->p95_ms, 1));
    obs_json_key(json, "p99_ms");
    obs_json_double(json, obs_round_decimal(stats->p99_ms, 1));
    obs_json_key(json, "health");
    obs_json_string(json, obs_health_name(stats->health));
    if (faults)
        write_injected(json, service);
    obs_json_end_object(json);
}

static void write_alert(struct obs_json *json, const obs_alert_t *alert,
                        unsigned flags)
{
    obs_json_begin_object(json);
    obs_json_key(json, "service");
    obs_json_string(json, alert->service);
    obs_json_key(json, "severity");
    obs_json_string(json, obs_severity_name(alert->severity));
    obs_json_key(json, "message");
    obs_json_string(json, alert->message);
    if (flags & OBS_REPORT_ALERT_DETAILS) {
        obs_json_key(json, "rule");
        obs_json_string(json, alert->rule);
        obs_json_key(json, "state");
        obs_json_string(json, obs_alert_state_name(alert->state));
        obs_json_key(json, "started_ns");
        obs_json_uint(json, alert->started_ns);
        obs_json_key(json, "ended_ns");
        obs_json_uint(json, alert->ended_ns);
        obs_json_key(json, "sequence");
        obs_json_uint(json, alert->sequence);
        obs_json_key(json, "time_ns");
        obs_json_uint(json, alert->time_ns);
        obs_json_key(json, "from");
        obs_json_string(json, obs_health_name(alert->from));
        obs_json_key(json, "to");
        obs_json_string(json, obs_health_name(alert->to));
    }
    obs_json_end_object(json);
}

static const char *slo_kind_name(obs_slo_kind_t kind)
{
    switch (kind) {
    case OBS_SLO_REQUESTS:
        return "requests";
    case OBS_SLO_HEALTH_CHECKS:
        return "health_checks";
    case OBS_SLO_LATENCY:
        return "latency";
    }
    return "unknown";
}

/* One entry per SLO of every service; nothing at all when there is none,
 * so that a report without SLOs keeps the reference's layout. */
static obs_status_t write_slos(obs_platform_t *platform, struct obs_json *json,
                               uint64_t now)
{
    struct obs_core *core = &platform->core;
    obs_status_t status = OBS_OK;
    bool any = false;

    pthread_mutex_lock(&core->settings_lock);
    for (size_t i = 0; i < platform->count && status == OBS_OK; i++) {
        struct obs_service *service = platform->services[i];

        for (struct obs_slo *slo = service->slos; slo != NULL;
             slo = slo->next) {
            obs_slo_status_t st;

            status = obs_slo_current(slo, now, &st);
            if (status != OBS_OK)
                break;
            if (!any) {
                obs_json_key(json, "slos");
                obs_json_begin_array(json);
                any = true;
            }
            obs_json_begin_object(json);
            obs_json_key(json, "service");
            obs_json_string(json, service->name);
            obs_json_key(json, "name");
            obs_json_string(json, st.name);
            obs_json_key(json, "kind");
            obs_json_string(json, slo_kind_name(st.kind));
            obs_json_key(json, "objective");
            obs_json_double(json, st.objective);
            obs_json_key(json, "good");
            obs_json_uint(json, st.good);
            obs_json_key(json, "total");
            obs_json_uint(json, st.total);
            obs_json_key(json, "attained");
            obs_json_double(json, st.attained);
            obs_json_key(json, "error_budget");
            obs_json_double(json, st.error_budget);
            obs_json_key(json, "budget_remaining");
            obs_json_double(json, st.budget_remaining);
            obs_json_key(json, "alert");
            obs_json_string(json, obs_severity_name(st.alert));
            obs_json_end_object(json);
        }
    }
    pthread_mutex_unlock(&core->settings_lock);
    if (any)
        obs_json_end_array(json);
    return status;
}

/* Build the report in `out`. The figures of all services are taken first,
 * so that each service appears once, from one consistent snapshot. */
static obs_status_t build(obs_platform_t *platform, unsigned flags,
                          struct obs_strbuf *out)
{
    struct obs_alloc *alloc = &platform->core.alloc;
    obs_alert_t *alerts = NULL;
    obs_service_stats_t *stats = NULL;
    uint64_t per_health[4] = {0, 0, 0, 0};
    obs_health_t overall = OBS_HEALTHY;
    obs_status_t status = OBS_ENOMEM;
    struct obs_json json;
    size_t count;
    size_t alert_count;
    uint64_t alert_total;

    pthread_rwlock_rdlock(&platform->lock);
    count = platform->count;
    alerts = obs_alloc_array(alloc, NULL, 0, REPORT_ALERTS, sizeof *alerts,
                             NULL);
    if (count > 0)
        stats = obs_alloc_array(alloc, NULL, 0, count, sizeof *stats, NULL);
    if (alerts == NULL || (count > 0 && stats == NULL))
        goto done;
    for (size_t i = 0; i < count; i++) {
        status = obs_service_stats(platform->services[i], OBS_VIEW_DEFAULT,
                                   &stats[i]);
        if (status != OBS_OK)
            goto done;
        per_health[stats[i].health]++;
        if (stats[i].health > overall)
            overall = stats[i].health;
    }
    alert_total = obs_alerts_total(&platform->alerts);
    alert_count = obs_alerts_recent(&platform->alerts, alerts, REPORT_ALERTS);

    obs_json_init(&json, out);
    obs_json_begin_object(&json);
    obs_json_key(&json, "overall_health");
    obs_json_string(&json, obs_health_name(overall));
    obs_json_key(&json, "service_count");
    obs_json_uint(&json, count);
    obs_json_key(&json, "alert_count");
    obs_json_uint(&json, alert_total);
    obs_json_key(&json, "services");
    obs_json_begin_array(&json);
    for (size_t i = 0; i < count; i++)
        write_service(&json, platform->services[i], &stats[i],
                      obs_faults_ever(&platform->core));
    obs_json_end_array(&json);
    obs_json_key(&json, "alerts");
    obs_json_begin_array(&json);
    for (size_t i = 0; i < alert_count; i++)
        write_alert(&json, &alerts[i], flags);
    obs_json_end_array(&json);
    obs_json_key(&json, "summary");
    obs_json_begin_object(&json);
    for (int h = OBS_HEALTHY; h <= OBS_DOWN; h++) {
        obs_json_key(&json, obs_health_name((obs_health_t)h));
        obs_json_uint(&json, per_health[h]);
    }
    obs_json_end_object(&json);
    status = write_slos(platform, &json,
                        obs_timeline_tick(&platform->core.timeline));
    obs_json_end_object(&json);
    if (status == OBS_OK && out->failed)
        status = OBS_ENOMEM;
done:
    pthread_rwlock_unlock(&platform->lock);
    obs_alloc_free(alloc, stats, count * sizeof *stats, NULL);
    obs_alloc_free(alloc, alerts, REPORT_ALERTS * sizeof *alerts, NULL);
    return status;
}

struct report_request {
    obs_platform_t *platform;
    unsigned flags;
    bool newline; /* a stream gets a final newline, a buffer does not */
};

static obs_status_t render(void *context, struct obs_strbuf *out)
{
    struct report_request *request = context;
    obs_status_t status = build(request->platform, request->flags, out);

    if (status == OBS_OK && request->newline)
        obs_strbuf_append(out, "\n", 1);
    return status;
}

obs_status_t obs_platform_write_json(obs_platform_t *platform, unsigned flags,
                                     char *buffer, size_t size,
                                     size_t *length)
{
    struct report_request request = {platform, flags, false};

    if (platform == NULL || (flags & ~OBS_REPORT_ALERT_DETAILS) != 0 ||
        (buffer == NULL && size > 0))
        return OBS_EINVAL;
    return obs_render_to_buffer(&platform->core.alloc, render, &request,
                                buffer, size, length);
}

obs_status_t obs_platform_print_json(obs_platform_t *platform, unsigned flags,
                                     FILE *stream)
{
    struct report_request request = {platform, flags, true};

    if (platform == NULL || stream == NULL ||
        (flags & ~OBS_REPORT_ALERT_DETAILS) != 0)
        return OBS_EINVAL;
    return obs_render_to_stream(&platform->core.alloc, render, &request,
                                stream);
}
