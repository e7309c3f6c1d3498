/*
 * core.h - what every service shares with its platform: allocator, clock
 * and window, latency store settings and the platform-wide thresholds.
 *
 * Kept apart from the registry so that services, health and alerts can
 * read the settings without knowing how the platform lists its services.
 */
#ifndef OBS_CORE_H
#define OBS_CORE_H

#include <pthread.h>

#include "alloc.h"
#include "clock.h"
#include "obsplatform.h"

struct obs_core {
    struct obs_alloc alloc;
    struct obs_timeline timeline;
    obs_latency_store_t store;
    unsigned bits;
    obs_view_t health_view;          /* resolved: never OBS_VIEW_DEFAULT */
    pthread_mutex_t settings_lock; /* thresholds, alert rules, SLOs */
    obs_thresholds_t thresholds;
    obs_alert_rules_t alert_rules;
    /* Fault injection (faults.c): the request path loads fault_armed
     * alone; the state is created on first use, under settings_lock. */
    _Atomic unsigned fault_armed;
    _Atomic(struct obs_fault_state *) faults;
};

#endif /* OBS_CORE_H */
