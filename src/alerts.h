/*
 * alerts.h - alerts on changes of health, and the bounded alert history.
 *
 * An evaluation compares each service's health with the health it had at
 * the previous evaluation and raises one alert per change, never one per
 * call: evaluating often must not repeat the same alert.
 */
#ifndef OBS_ALERTS_H
#define OBS_ALERTS_H

#include <pthread.h>

#include "service.h"

struct obs_alerts {
    pthread_mutex_t lock;
    obs_alert_t *ring;    /* the most recent alerts, oldest at `head` */
    size_t capacity;      /* the configured history size */
    size_t allocated;     /* ring slots allocated so far (grows lazily) */
    size_t count;         /* alerts in the ring */
    size_t head;          /* index of the oldest */
    uint64_t total;       /* alerts ever raised */
    obs_health_t *last;   /* per service index: health at last evaluation */
    size_t last_len;
};

obs_status_t obs_alerts_init(struct obs_alerts *alerts, size_t history);
void obs_alerts_destroy(struct obs_alerts *alerts, struct obs_alloc *alloc);

/* Evaluate `count` services (in registration order) at `now_ns`. */
obs_status_t obs_alerts_evaluate(struct obs_alerts *alerts,
                                 struct obs_core *core,
                                 struct obs_service *const *services,
                                 size_t count, uint64_t now_ns,
                                 size_t *raised);

uint64_t obs_alerts_total(struct obs_alerts *alerts);
size_t obs_alerts_recent(struct obs_alerts *alerts, obs_alert_t *out,
                         size_t max);

#endif /* OBS_ALERTS_H */
