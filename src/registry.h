/*
 * registry.h - the platform: settings, services and alerts together.
 *
 * The writers (JSON report, Prometheus exposition) read the platform
 * through this header; everything below it (services, health, alerts)
 * knows nothing of the registry.
 */
#ifndef OBS_REGISTRY_H
#define OBS_REGISTRY_H

#include <pthread.h>

#include "alerts.h"
#include "core.h"
#include "service.h"

struct obs_platform {
    struct obs_core core;
    pthread_rwlock_t lock; /* services, count, capacity, index, buckets */
    struct obs_service **services;
    size_t count;
    size_t capacity;
    size_t *index;         /* open addressing: position + 1, 0 = empty */
    size_t index_size;     /* a power of two, or 0 */
    struct obs_alerts alerts;
    /* Prometheus histogram bounds, bucket edges in ms; 0 means defaults. */
    size_t latency_bucket_count;
    double latency_buckets_ms[OBS_LATENCY_BUCKETS_MAX];
};

#endif /* OBS_REGISTRY_H */
