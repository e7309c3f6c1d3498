/*
 * alerts.h - the alert engine: when a service's health or an SLO's burn
 * rate changes, decide whether that is news, remember it in a bounded
 * history, and tell the subscribers.
 *
 * Each service has one "health" alert. Its level follows the service's
 * health, but a change must last the alert rules' pending time (getting
 * worse) or hold time (getting better) before it is notified: a blip pages
 * nobody and a firing alert does not resolve on one good evaluation. Each
 * SLO burn-rate rule is an alert of its own. Evaluating twice with nothing
 * changed raises nothing.
 */
#ifndef OBS_ALERTS_H
#define OBS_ALERTS_H

#include <pthread.h>

#include "service.h"

/* The "health" alert of one service. */
struct obs_health_alert {
    obs_health_t alerted;      /* the level last notified */
    obs_health_t candidate;    /* where health is heading, if not alerted */
    uint64_t candidate_since;  /* when the move away from alerted began */
    unsigned candidate_evaluations;
    uint64_t started_ns;       /* when the firing alert was first seen */
};

struct obs_subscriber {
    unsigned id;
    obs_alert_fn fn;
    void *user;
};

struct obs_alerts {
    pthread_mutex_t lock;     /* everything below but the subscribers */
    obs_alert_t *ring;        /* the most recent events, oldest at head */
    size_t capacity;          /* the configured history size */
    size_t allocated;         /* ring slots allocated so far */
    size_t count;
    size_t head;
    uint64_t total;           /* events ever raised */
    struct obs_health_alert *health; /* per service index */
    size_t health_len;

    pthread_mutex_t subscribers_lock;
    struct obs_subscriber *subscribers;
    size_t subscriber_count;
    size_t subscriber_capacity;
    unsigned next_subscriber_id;
};

obs_status_t obs_alerts_init(struct obs_alerts *alerts, size_t history);
void obs_alerts_destroy(struct obs_alerts *alerts, struct obs_alloc *alloc);

/* The events of one evaluation, to be delivered once the caller holds no
 * lock: subscribers may call back into the platform. */
struct obs_alert_batch {
    obs_alert_t *items;
    size_t count;
    size_t capacity;
};

/* Evaluate `count` services (registration order) at `now_ns`; the events
 * go to the history and into `batch`. */
obs_status_t obs_alerts_evaluate(struct obs_alerts *alerts,
                                 struct obs_core *core,
                                 struct obs_service *const *services,
                                 size_t count, uint64_t now_ns,
                                 struct obs_alert_batch *batch);
/* Call the subscribers with every event of `batch`, then free it. */
void obs_alerts_deliver(struct obs_alerts *alerts, struct obs_alloc *alloc,
                        struct obs_alert_batch *batch);

uint64_t obs_alerts_total(struct obs_alerts *alerts);
size_t obs_alerts_recent(struct obs_alerts *alerts, obs_alert_t *out,
                         size_t max);
size_t obs_alerts_active(struct obs_alerts *alerts, struct obs_core *core,
                         struct obs_service *const *services, size_t count,
                         obs_alert_t *out, size_t max);

obs_status_t obs_alerts_subscribe(struct obs_alerts *alerts,
                                  struct obs_alloc *alloc, obs_alert_fn fn,
                                  void *user, unsigned *id);
obs_status_t obs_alerts_unsubscribe(struct obs_alerts *alerts, unsigned id);

#endif /* OBS_ALERTS_H */
