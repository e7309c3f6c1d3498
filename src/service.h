/*
 * service.h - one service's figures: requests, errors, health checks and
 * latencies, recorded without locks and read as consistent snapshots.
 *
 * Layout: each recording thread owns a shard; a shard holds one slot per
 * window slot (or a single slot without window) plus, with a window, an
 * archive into which a slot is folded before it is reused. A writer only
 * ever touches its own shard, with plain atomic loads and stores. A reader
 * adds the shards up; the shard's rotation counter, odd while a slot is
 * being folded, tells it when to read again.
 */
#ifndef OBS_SERVICE_H
#define OBS_SERVICE_H

#include <pthread.h>
#include <stdbool.h>

#include "core.h"
#include "exact_store.h"
#include "histogram.h"
#include "thread_index.h"

/* Successful and failed requests have a histogram each: the request,
 * success and error counts are then sums of counters that only grow, read
 * once, so none of them can ever go down between two readings and they
 * always add up. */
struct obs_slot {
    _Atomic uint64_t epoch; /* window slot number these figures belong to */
    obs_counter_t checks;
    obs_counter_t checks_passed;
    struct obs_hist succeeded;
    struct obs_hist failed;
};

struct obs_shard {
    _Atomic uint64_t rotations; /* odd while a slot is folded and cleared */
    struct obs_slot slots[];    /* window slots, then the archive */
};

struct obs_shard_block {
    _Atomic(struct obs_shard *) shards[OBS_THREAD_BLOCK];
};

/* Allocated on the first record, so that an idle service stays small. */
struct obs_shard_dir {
    _Atomic(struct obs_shard_block *) blocks[OBS_THREAD_BLOCKS];
};

struct obs_service {
    struct obs_core *core;
    char *name;
    size_t name_len;
    size_t index;        /* position in registration order */
    uint64_t id;         /* unique in the process, never reused */
    unsigned window_slots; /* core->timeline.slots, kept at hand */
    atomic_size_t bytes; /* everything allocated for this service */
    _Atomic(struct obs_shard_dir *) dir;
    pthread_mutex_t lock;         /* shard creation, shared shard, exact */
    struct obs_shard *shared;     /* for threads without an index */
    struct obs_exact_store exact; /* OBS_STORE_EXACT only, */
    uint64_t exact_errors;        /* both under `lock` */
    /* Under core->settings_lock: */
    bool has_thresholds;
    obs_thresholds_t thresholds;
    bool has_alert_rules;
    obs_alert_rules_t alert_rules;
    struct obs_slo *slos; /* owned by slo.c, in the order they were added */
    size_t slo_count;
    /* Health at the last evaluation, for hysteresis; written by alerts.c. */
    _Atomic int evaluated_health;
    /* Fault injection (faults.c): rules of this service, and what the
     * injector told the application to do to it. */
    _Atomic unsigned fault_rules;
    obs_counter_t injected_errors;
    obs_counter_t injected_delays;
    obs_counter_t injected_outage_checks;
};

/* What a reader sees of one service in one view. Valid only during the
 * callback of obs_service_read(). */
struct obs_reading {
    uint64_t requests;
    uint64_t errors;
    uint64_t checks;
    uint64_t checks_passed;
    struct obs_hist_totals totals;
    unsigned bits;                         /* histogram precision */
    const struct obs_hist *const *sources; /* histogram store */
    size_t source_count;
    struct obs_exact_store *exact; /* exact store, else NULL */
};

typedef void (*obs_reading_fn)(const struct obs_reading *reading,
                               void *context);

obs_status_t obs_service_create(struct obs_core *core, const char *name,
                                size_t name_len, size_t index,
                                struct obs_service **service);
void obs_service_destroy(struct obs_service *service);

/* Resolve the view (OBS_VIEW_DEFAULT, window availability), read the
 * clock, and call `fn` with one consistent reading. `fn` may be called
 * more than once if writers rotated a slot meanwhile; only the last call
 * counts. */
obs_status_t obs_service_read(struct obs_service *service, obs_view_t view,
                              obs_reading_fn fn, void *context);

/* Percentiles of a reading, whichever store it came from. */
void obs_reading_percentiles(const struct obs_reading *reading,
                             const double *percentiles, size_t count,
                             double *latency_ms);
/* Requests whose latency is at or below `bound_ms` (an edge). */
uint64_t obs_reading_count_le(const struct obs_reading *reading,
                              double bound_ms);

#endif /* OBS_SERVICE_H */
