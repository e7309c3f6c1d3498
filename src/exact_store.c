/*
 * exact_store.c - every latency sample, for exact percentiles.
 */
#include "exact_store.h"

#include <stdlib.h>

#include "histogram.h"

bool obs_exact_record(struct obs_exact_store *store, double latency_ms,
                      struct obs_alloc *alloc, atomic_size_t *counter)
{
    if (store->count == store->capacity) {
        double *grown = obs_alloc_grow(alloc, store->samples,
                                       &store->capacity, 64, sizeof *grown,
                                       counter);

        if (grown == NULL)
            return false;
        store->samples = grown;
    }
    store->samples[store->count++] = latency_ms;
    store->sorted = false;
    return true;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;

    return (x > y) - (x < y);
}

void obs_exact_percentiles(struct obs_exact_store *store,
                           const double *percentiles, size_t count,
                           double *latency_ms)
{
    if (!store->sorted && store->count > 1)
        qsort(store->samples, store->count, sizeof *store->samples,
              compare_doubles);
    store->sorted = true;
    for (size_t k = 0; k < count; k++)
        latency_ms[k] = store->count == 0
                            ? 0.0
                            : store->samples[obs_rank_index(percentiles[k],
                                                            store->count)];
}

void obs_exact_destroy(struct obs_exact_store *store, struct obs_alloc *alloc,
                       atomic_size_t *counter)
{
    obs_alloc_free(alloc, store->samples,
                   store->capacity * sizeof *store->samples, counter);
    store->samples = NULL;
    store->count = store->capacity = 0;
}
