/*
 * alerts.c - the alert engine (see alerts.h).
 */
#include "alerts.h"

#include <string.h>

#include "slo.h"
#include "strbuf.h"

static const char health_rule[] = "health";

void obs_alert_rules_init(obs_alert_rules_t *rules)
{
    if (rules != NULL)
        memset(rules, 0, sizeof *rules);
}

obs_status_t obs_alerts_init(struct obs_alerts *alerts, size_t history)
{
    memset(alerts, 0, sizeof *alerts);
    alerts->capacity = history;
    alerts->next_subscriber_id = 1;
    if (pthread_mutex_init(&alerts->lock, NULL) != 0)
        return OBS_ENOMEM;
    if (pthread_mutex_init(&alerts->subscribers_lock, NULL) != 0) {
        pthread_mutex_destroy(&alerts->lock);
        return OBS_ENOMEM;
    }
    return OBS_OK;
}

void obs_alerts_destroy(struct obs_alerts *alerts, struct obs_alloc *alloc)
{
    obs_alloc_free(alloc, alerts->ring,
                   alerts->allocated * sizeof(obs_alert_t), NULL);
    obs_alloc_free(alloc, alerts->health,
                   alerts->health_len * sizeof *alerts->health, NULL);
    obs_alloc_free(alloc, alerts->subscribers,
                   alerts->subscriber_capacity * sizeof *alerts->subscribers,
                   NULL);
    pthread_mutex_destroy(&alerts->subscribers_lock);
    pthread_mutex_destroy(&alerts->lock);
}

/* ---- events ------------------------------------------------------------ */

/* Make room in the history for `events` more events, up to its capacity.
 * The ring only wraps once it has all its capacity, so it has not wrapped
 * while it grows and its head is 0. */
static bool reserve_history(struct obs_alerts *alerts,
                            struct obs_alloc *alloc, size_t events)
{
    size_t want = alerts->count + events;
    size_t size = alerts->allocated ? alerts->allocated : 16;
    obs_alert_t *grown;

    if (want > alerts->capacity)
        want = alerts->capacity;
    if (want <= alerts->allocated)
        return true;
    while (size < want)
        size *= 2;
    if (size > alerts->capacity)
        size = alerts->capacity;
    grown = obs_alloc_array(alloc, alerts->ring, alerts->allocated, size,
                            sizeof *grown, NULL);
    if (grown == NULL)
        return false;
    alerts->ring = grown;
    alerts->allocated = size;
    return true;
}

/* A new event of this evaluation. The history gets its room now, so that
 * an event that is raised is also kept: remember() never needs memory. */
static obs_alert_t *new_event(struct obs_alerts *alerts,
                              struct obs_alert_batch *list,
                              struct obs_alloc *alloc)
{
    obs_alert_t *event;

    if (!reserve_history(alerts, alloc, list->count + 1))
        return NULL;
    if (list->count == list->capacity) {
        obs_alert_t *grown = obs_alloc_grow(alloc, list->items,
                                            &list->capacity, 8,
                                            sizeof *grown, NULL);

        if (grown == NULL)
            return NULL;
        list->items = grown;
    }
    event = &list->items[list->count++];
    memset(event, 0, sizeof *event);
    return event;
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

/* The texts follow the reference program, so that operators who know its
 * alerts recognise ours. */
static void describe_health(obs_alert_t *alert,
                            const obs_service_stats_t *stats)
{
    char *text = alert->message;
    size_t size = sizeof alert->message;
    const char *name = alert->service;

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

/* ---- the health alert ---------------------------------------------------- */

static bool waited(uint64_t since, uint64_t now, uint64_t need_ns,
                   unsigned evaluations, unsigned need_evaluations)
{
    uint64_t elapsed = now >= since ? now - since : 0;

    return elapsed >= need_ns && evaluations >= need_evaluations;
}

/* Move the alert towards `health`; true when that is news to notify. */
static bool step_health(struct obs_health_alert *a,
                        const obs_alert_rules_t *rules, obs_health_t health,
                        uint64_t now)
{
    bool worse = health > a->alerted;
    bool was_worse = a->candidate > a->alerted;

    if (health == a->alerted) {
        a->candidate = a->alerted; /* a blip that did not last */
        a->candidate_evaluations = 0;
        return false;
    }
    /* A new move away from the notified level starts the clock; moving
     * further the same way keeps it. */
    if (a->candidate == a->alerted || worse != was_worse) {
        a->candidate_since = now;
        a->candidate_evaluations = 0;
    }
    a->candidate = health;
    a->candidate_evaluations++;
    if (worse ? !waited(a->candidate_since, now, rules->pending_ns,
                        a->candidate_evaluations, rules->pending_evaluations)
              : !waited(a->candidate_since, now, rules->hold_ns,
                        a->candidate_evaluations, rules->hold_evaluations))
        return false;
    if (a->alerted == OBS_HEALTHY)
        a->started_ns = a->candidate_since;
    a->alerted = health;
    a->candidate_evaluations = 0;
    return true;
}

static obs_status_t evaluate_health(struct obs_alerts *alerts,
                                    struct obs_core *core,
                                    struct obs_service *service, size_t i,
                                    uint64_t now,
                                    struct obs_alert_batch *events)
{
    struct obs_health_alert *a = &alerts->health[i];
    struct obs_health_alert saved = *a;
    obs_health_t before = a->alerted;
    int evaluated = atomic_load_explicit(&service->evaluated_health,
                                         memory_order_relaxed);
    obs_service_stats_t stats;
    obs_alert_rules_t rules;
    obs_alert_t *event;
    obs_status_t status;

    status = obs_service_stats(service, OBS_VIEW_DEFAULT, &stats);
    if (status != OBS_OK)
        return status;
    atomic_store_explicit(&service->evaluated_health, (int)stats.health,
                          memory_order_relaxed);
    pthread_mutex_lock(&core->settings_lock);
    rules = service->has_alert_rules ? service->alert_rules
                                     : core->alert_rules;
    pthread_mutex_unlock(&core->settings_lock);
    if (!step_health(a, &rules, stats.health, now))
        return OBS_OK;

    event = new_event(alerts, events, &core->alloc);
    if (event == NULL) {
        /* Undo the whole step, the pending count included, so that the
         * next evaluation raises the alert this one could not. */
        *a = saved;
        atomic_store_explicit(&service->evaluated_health, evaluated,
                              memory_order_relaxed);
        return OBS_ENOMEM;
    }
    event->service = service->name;
    event->rule = health_rule;
    event->from = before;
    event->to = stats.health;
    event->severity = severity_of(stats.health);
    event->state = stats.health == OBS_HEALTHY ? OBS_ALERT_RESOLVED
                                               : OBS_ALERT_FIRING;
    event->time_ns = now;
    event->started_ns = a->started_ns;
    event->ended_ns = stats.health == OBS_HEALTHY ? now : 0;
    describe_health(event, &stats);
    return OBS_OK;
}

/* ---- SLO burn-rate alerts ------------------------------------------------ */

static obs_status_t evaluate_slos(struct obs_alerts *alerts,
                                  struct obs_core *core,
                                  struct obs_service *service, uint64_t now,
                                  struct obs_alert_batch *events)
{
    obs_status_t status = OBS_OK;

    pthread_mutex_lock(&core->settings_lock);
    for (struct obs_slo *slo = service->slos; slo != NULL; slo = slo->next) {
        status = obs_slo_update(slo, now);
        if (status != OBS_OK)
            break;
        for (size_t k = 0; k < slo->config.burn_alert_count; k++) {
            struct obs_burn_state *burn = &slo->burn[k];
            double long_rate;
            double short_rate;
            bool burning = obs_slo_burning(slo, k, now, &long_rate,
                                           &short_rate);
            obs_alert_t *event;

            if (burning == burn->firing)
                continue;
            event = new_event(alerts, events, &core->alloc);
            if (event == NULL) {
                status = OBS_ENOMEM;
                break;
            }
            burn->firing = burning;
            if (burning)
                burn->started_ns = now;
            event->service = service->name;
            event->rule = burn->rule;
            event->severity = burning ? slo->config.burn_alerts[k].severity
                                      : OBS_SEVERITY_RESOLVED;
            event->state = burning ? OBS_ALERT_FIRING : OBS_ALERT_RESOLVED;
            event->time_ns = now;
            event->started_ns = burn->started_ns;
            event->ended_ns = burning ? 0 : now;
            obs_format_c(event->message, sizeof event->message,
                         burning ? "%s: SLO %s is burning its error budget: "
                                   "%.1fx over %s (limit %.1fx)"
                                 : "%s: SLO %s burn rate is back to normal: "
                                   "%.1fx over %s (limit %.1fx)",
                         service->name, slo->name, short_rate, burn->windows,
                         slo->config.burn_alerts[k].factor);
        }
    }
    pthread_mutex_unlock(&core->settings_lock);
    return status;
}

/* ---- history ------------------------------------------------------------- */

static bool ensure_services(struct obs_alerts *alerts, struct obs_alloc *alloc,
                            size_t count)
{
    struct obs_health_alert *grown;

    if (count <= alerts->health_len)
        return true;
    grown = obs_alloc_array(alloc, alerts->health, alerts->health_len, count,
                            sizeof *grown, NULL);
    if (grown == NULL)
        return false;
    /* New services start HEALTHY (0) with nothing pending. */
    memset(grown + alerts->health_len, 0,
           (count - alerts->health_len) * sizeof *grown);
    alerts->health = grown;
    alerts->health_len = count;
    return true;
}

/* Append to the history, in the room new_event() made; once the history
 * has its full capacity the oldest event is dropped (it is still counted
 * in the total). */
static void remember(struct obs_alerts *alerts, const obs_alert_t *event)
{
    if (alerts->allocated == 0)
        return;
    if (alerts->count < alerts->allocated) {
        alerts->ring[(alerts->head + alerts->count) % alerts->allocated] =
            *event;
        alerts->count++;
    } else {
        alerts->ring[alerts->head] = *event;
        alerts->head = (alerts->head + 1) % alerts->allocated;
    }
}

/* ---- subscribers --------------------------------------------------------- */

obs_status_t obs_alerts_subscribe(struct obs_alerts *alerts,
                                  struct obs_alloc *alloc, obs_alert_fn fn,
                                  void *user, unsigned *id)
{
    obs_status_t status = OBS_OK;

    pthread_mutex_lock(&alerts->subscribers_lock);
    if (alerts->subscriber_count == alerts->subscriber_capacity) {
        struct obs_subscriber *grown = obs_alloc_grow(
            alloc, alerts->subscribers, &alerts->subscriber_capacity, 4,
            sizeof *grown, NULL);

        if (grown == NULL) {
            status = OBS_ENOMEM;
            goto done;
        }
        alerts->subscribers = grown;
    }
    alerts->subscribers[alerts->subscriber_count].id =
        alerts->next_subscriber_id;
    alerts->subscribers[alerts->subscriber_count].fn = fn;
    alerts->subscribers[alerts->subscriber_count].user = user;
    alerts->subscriber_count++;
    if (id != NULL)
        *id = alerts->next_subscriber_id;
    alerts->next_subscriber_id++;
done:
    pthread_mutex_unlock(&alerts->subscribers_lock);
    return status;
}

obs_status_t obs_alerts_unsubscribe(struct obs_alerts *alerts, unsigned id)
{
    obs_status_t status = OBS_ENOENT;

    pthread_mutex_lock(&alerts->subscribers_lock);
    for (size_t i = 0; i < alerts->subscriber_count; i++) {
        if (alerts->subscribers[i].id != id)
            continue;
        memmove(&alerts->subscribers[i], &alerts->subscribers[i + 1],
                (alerts->subscriber_count - i - 1) *
                    sizeof *alerts->subscribers);
        alerts->subscriber_count--;
        status = OBS_OK;
        break;
    }
    pthread_mutex_unlock(&alerts->subscribers_lock);
    return status;
}

/* The first subscriber with an id in (after, limit), copied out under the
 * lock. Ids grow with each subscription and the list keeps that order. */
static bool next_subscriber(struct obs_alerts *alerts, unsigned after,
                            unsigned limit, struct obs_subscriber *out)
{
    bool found = false;

    pthread_mutex_lock(&alerts->subscribers_lock);
    for (size_t i = 0; i < alerts->subscriber_count; i++) {
        unsigned id = alerts->subscribers[i].id;

        if (id > after) {
            found = id < limit;
            if (found)
                *out = alerts->subscribers[i];
            break;
        }
    }
    pthread_mutex_unlock(&alerts->subscribers_lock);
    return found;
}

/* Call every subscriber with every event, holding no lock of ours: a
 * callback may subscribe, unsubscribe or evaluate again. Each call looks
 * its subscriber up afresh rather than copying the list, because a copy
 * needs memory, and without it the events went to nobody although the
 * evaluation had succeeded. One that unsubscribes meanwhile is not called
 * again. */
void obs_alerts_deliver(struct obs_alerts *alerts, struct obs_alloc *alloc,
                        struct obs_alert_batch *batch)
{
    unsigned limit;

    /* Those who subscribe from now on, from a callback say, get the next
     * evaluation's events, not these. */
    pthread_mutex_lock(&alerts->subscribers_lock);
    limit = alerts->next_subscriber_id;
    pthread_mutex_unlock(&alerts->subscribers_lock);
    for (size_t e = 0; e < batch->count; e++) {
        struct obs_subscriber subscriber;
        unsigned after = 0;

        while (next_subscriber(alerts, after, limit, &subscriber)) {
            subscriber.fn(&batch->items[e], subscriber.user);
            after = subscriber.id;
        }
    }
    obs_alloc_free(alloc, batch->items, batch->capacity * sizeof *batch->items,
                   NULL);
    batch->items = NULL;
    batch->count = batch->capacity = 0;
}

/* ---- evaluation ---------------------------------------------------------- */

obs_status_t obs_alerts_evaluate(struct obs_alerts *alerts,
                                 struct obs_core *core,
                                 struct obs_service *const *services,
                                 size_t count, uint64_t now_ns,
                                 struct obs_alert_batch *batch)
{
    obs_status_t status = OBS_OK;

    pthread_mutex_lock(&alerts->lock);
    if (!ensure_services(alerts, &core->alloc, count))
        status = OBS_ENOMEM;
    for (size_t i = 0; i < count && status == OBS_OK; i++) {
        status = evaluate_health(alerts, core, services[i], i, now_ns, batch);
        if (status == OBS_OK)
            status = evaluate_slos(alerts, core, services[i], now_ns,
                                   batch);
    }
    for (size_t e = 0; e < batch->count; e++) {
        batch->items[e].sequence = ++alerts->total;
        remember(alerts, &batch->items[e]);
    }
    pthread_mutex_unlock(&alerts->lock);
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

static void add_active(obs_alert_t *out, size_t max, size_t *n,
                       const obs_alert_t *alert)
{
    if (*n < max)
        out[*n] = *alert;
    (*n)++;
}

size_t obs_alerts_active(struct obs_alerts *alerts, struct obs_core *core,
                         struct obs_service *const *services, size_t count,
                         obs_alert_t *out, size_t max)
{
    size_t n = 0;

    pthread_mutex_lock(&alerts->lock);
    for (size_t i = 0; i < count && i < alerts->health_len; i++) {
        const struct obs_health_alert *a = &alerts->health[i];
        obs_alert_t alert;

        memset(&alert, 0, sizeof alert);
        alert.service = services[i]->name;
        alert.rule = health_rule;
        if (a->alerted != OBS_HEALTHY) {
            alert.state = OBS_ALERT_FIRING;
            alert.to = a->alerted;
            alert.started_ns = a->started_ns;
        } else if (a->candidate != OBS_HEALTHY) {
            alert.state = OBS_ALERT_PENDING;
            alert.to = a->candidate;
            alert.started_ns = a->candidate_since;
        } else {
            continue;
        }
        alert.severity = severity_of(alert.to);
        add_active(out, max, &n, &alert);
    }
    pthread_mutex_unlock(&alerts->lock);

    pthread_mutex_lock(&core->settings_lock);
    for (size_t i = 0; i < count; i++) {
        for (struct obs_slo *slo = services[i]->slos; slo != NULL;
             slo = slo->next) {
            for (size_t k = 0; k < slo->config.burn_alert_count; k++) {
                obs_alert_t alert;

                if (!slo->burn[k].firing)
                    continue;
                memset(&alert, 0, sizeof alert);
                alert.service = services[i]->name;
                alert.rule = slo->burn[k].rule;
                alert.state = OBS_ALERT_FIRING;
                alert.severity = slo->config.burn_alerts[k].severity;
                alert.started_ns = slo->burn[k].started_ns;
                add_active(out, max, &n, &alert);
            }
        }
    }
    pthread_mutex_unlock(&core->settings_lock);
    return n;
}
