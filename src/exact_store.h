/*
 * exact_store.h - every latency sample, kept in full.
 *
 * The reference behaviour: exact nearest-rank percentiles at the cost of
 * memory that grows with every request. Not thread-safe by itself; the
 * service serialises access to it with a mutex.
 */
#ifndef OBS_EXACT_STORE_H
#define OBS_EXACT_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "alloc.h"

struct obs_exact_store {
    double *samples;
    size_t count;
    size_t capacity;
    bool sorted;
};

bool obs_exact_record(struct obs_exact_store *store, double latency_ms,
                      struct obs_alloc *alloc, atomic_size_t *counter);
/* Percentiles by nearest rank; sorts the samples in place once. */
void obs_exact_percentiles(struct obs_exact_store *store,
                           const double *percentiles, size_t count,
                           double *latency_ms);
void obs_exact_destroy(struct obs_exact_store *store, struct obs_alloc *alloc,
                       atomic_size_t *counter);

#endif /* OBS_EXACT_STORE_H */
