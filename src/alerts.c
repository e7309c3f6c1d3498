/*
 * alerts.c - alert evaluation and history (see alerts.h).
 */
#include "alerts.h"

#include <string.h>

#include "strbuf.h"

obs_status_t obs_alerts_init(struct obs_alerts *alerts, size_t history)
{
    memset(alerts, 0, sizeof *alerts);
    alerts->capacity = history;
    if (pthread_mutex_init(&alerts->lock, NULL) != 0)
        return OBS_ENOMEM;
    return OBS_OK;
}

void obs_alerts_destroy(struct obs_alerts *alerts, struct obs_alloc *alloc)
{
    obs_alloc_free(alloc, alerts->ring, alerts->allocated * sizeof(obs_alert_t),
                   NULL);
    obs_alloc_free(alloc, alerts->last,
                   alerts->last_len * sizeof(obs_health_t), NULL);
    pthread_mutex_destroy(&alerts->lock);
}

/* The texts follow the reference program, so that operators who know its
 * alerts recognise ours. */
static void describe(obs_alert_t *alert, const char *name,
                     const obs_service_stats_t *stats)
{
    char *text = alert->message;
    size_t size = sizeof alert->message;

    switch (alert->to) {
    case OBS_DOWN:
        obs_format_c(text, size, "%s: service DOWN, availability=%.1f%%", name,
                     stats->availability_pct);
        break;
    case OBS_CRITICAL:
        obs_format_c(text, size, "%s: error_rate=%.1f%%, p99=%.0fms", name,
                     stats->error_rate * 100.0, stats->p99_ms);
        break;
    case OBS_DEGRADED:
        obs_format_c(text, size, "%s: degraded performance", name);
        break;
    case OBS_HEALTHY:
        obs_format_c(text, size, "%s: healthy again, was %s", name,
                     obs_health_name(alert->from));
        break;
    }
}

static obs_severity_t severity_of(obs_health_t health)
{
    switch (health) {
    case OBS_DOWN:
        return OBS_SEVERITY_PAGE;
    case OBS_CRITICAL:
        return OBS_SEVERITY_CRITICAL;
    case OBS_DEGRADED:
        return OBS_SEVERITY_WARNING;
    case OBS_HEALTHY:
        break;
    }
    return OBS_SEVERITY_RESOLVED;
}

/* Make room for `count` services' previous health; new ones start
 * HEALTHY (OBS_HEALTHY is 0). */
static bool ensure_last(struct obs_alerts *alerts, struct obs_alloc *alloc,
                        size_t count)
{
    obs_health_t *grown;

    if (count <= alerts->last_len)
        return true;
    grown = obs_alloc_array(alloc, alerts->last, alerts->last_len, count,
                            sizeof *grown, NULL);
    if (grown == NULL)
        return false;
    memset(grown + alerts->last_len, 0,
           (count - alerts->last_len) * sizeof *grown);
    alerts->last = grown;
    alerts->last_len = count;
    return true;
}

/* Append to the ring, growing it up to the configured capacity. */
static bool push(struct obs_alerts *alerts, struct obs_alloc *alloc,
                 const obs_alert_t *alert)
{
    if (alerts->capacity == 0)
        return true;
    if (alerts->count == alerts->allocated &&
        alerts->allocated < alerts->capacity) {
        size_t grown_size = alerts->allocated ? alerts->allocated * 2 : 16;
        obs_alert_t *grown;

        if (grown_size > alerts->capacity)
            grown_size = alerts->capacity;
        grown = obs_alloc_array(alloc, alerts->ring, alerts->allocated,
                                grown_size, sizeof *grown, NULL);
        if (grown == NULL)
            return false;
        /* The ring is full only when head is 0 here (it has not wrapped
         * before reaching `allocated`), so no reordering is needed. */
        alerts->ring = grown;
        alerts->allocated = grown_size;
    }
    if (alerts->count < alerts->allocated) {
        alerts->ring[(alerts->head + alerts->count) % alerts->allocated] =
            *alert;
        alerts->count++;
    } else {
        alerts->ring[alerts->head] = *alert;
        alerts->head = (alerts->head + 1) % alerts->allocated;
    }
    return true;
}

obs_status_t obs_alerts_evaluate(struct obs_alerts *alerts,
                                 struct obs_core *core,
                                 struct obs_service *const *services,
                                 size_t count, uint64_t now_ns,
                                 size_t *raised)
{
    obs_status_t status = OBS_OK;
    size_t n = 0;

    pthread_mutex_lock(&alerts->lock);
    if (!ensure_last(alerts, &core->alloc, count)) {
        status = OBS_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < count; i++) {
        obs_service_stats_t stats;
        obs_alert_t alert;

        status = obs_service_stats(services[i], OBS_VIEW_DEFAULT, &stats);
        if (status != OBS_OK)
            goto done;
        if (stats.health == alerts->last[i])
            continue;
        memset(&alert, 0, sizeof alert);
        alert.service = services[i]->name;
        alert.from = alerts->last[i];
        alert.to = stats.health;
        alert.severity = severity_of(stats.health);
        alert.time_ns = now_ns;
        alert.sequence = alerts->total + 1;
        describe(&alert, services[i]->name, &stats);
        if (!push(alerts, &core->alloc, &alert)) {
            status = OBS_ENOMEM;
            goto done;
        }
        alerts->total++;
        alerts->last[i] = stats.health;
        n++;
    }
done:
    pthread_mutex_unlock(&alerts->lock);
    if (raised != NULL)
        *raised = n;
    return status;
}

uint64_t obs_alerts_total(struct obs_alerts *alerts)
{
    uint64_t total;

    pthread_mutex_lock(&alerts->lock);
    total = alerts->total;
    pthread_mutex_unlock(&alerts->lock);
    return total;
}

size_t obs_alerts_recent(struct obs_alerts *alerts, obs_alert_t *out,
                         size_t max)
{
    size_t n;
    size_t skip;

    pthread_mutex_lock(&alerts->lock);
    n = alerts->count < max ? alerts->count : max;
    skip = alerts->count - n;
    for (size_t i = 0; i < n; i++)
        out[i] = alerts->ring[(alerts->head + skip + i) % alerts->allocated];
    pthread_mutex_unlock(&alerts->lock);
    return n;
}
