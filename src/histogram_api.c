/*
 * histogram_api.c - caller-owned histograms: build, merge and query them,
 * e.g. to combine several services or time slices into one distribution.
 */
#include <math.h>

#include "histogram.h"
#include "service.h"

struct obs_histogram {
    struct obs_alloc alloc;
    struct obs_hist hist;
};

/* A histogram whose memory comes from `fn`, or from malloc for NULL. */
static obs_status_t histogram_new(const obs_allocator_t *fn,
                                  unsigned precision_bits,
                                  obs_histogram_t **out)
{
    struct obs_alloc alloc;
    obs_histogram_t *histogram;

    obs_alloc_init(&alloc, fn);
    histogram = obs_alloc_zeroed(&alloc, sizeof *histogram, NULL);
    if (histogram == NULL)
        return OBS_ENOMEM;
    histogram->alloc = alloc;
    atomic_init(&histogram->alloc.bytes, sizeof *histogram);
    obs_hist_init(&histogram->hist, precision_bits);
    *out = histogram;
    return OBS_OK;
}

obs_status_t obs_histogram_new(unsigned precision_bits,
                               obs_histogram_t **out)
{
    if (out == NULL || precision_bits < OBS_HIST_MIN_BITS ||
        precision_bits > OBS_HIST_MAX_BITS)
        return OBS_EINVAL;
    return histogram_new(NULL, precision_bits, out);
}

void obs_histogram_free(obs_histogram_t *histogram)
{
    struct obs_alloc alloc;

    if (histogram == NULL)
        return;
    obs_hist_destroy(&histogram->hist, &histogram->alloc, NULL);
    alloc = histogram->alloc;
    obs_alloc_free(&alloc, histogram, sizeof *histogram, NULL);
}

obs_status_t obs_histogram_record(obs_histogram_t *histogram,
                                  double latency_ms)
{
    if (histogram == NULL || !(latency_ms >= 0.0) || isinf(latency_ms))
        return OBS_EINVAL;
    if (!obs_hist_record(&histogram->hist, latency_ms + 0.0,
                         &histogram->alloc, NULL))
        return OBS_ENOMEM;
    return OBS_OK;
}

obs_status_t obs_histogram_merge(obs_histogram_t *target,
                                 const obs_histogram_t *source)
{
    if (target == NULL || source == NULL)
        return OBS_EINVAL;
    if (target->hist.bits != source->hist.bits)
        return OBS_EMISMATCH;
    if (!obs_hist_add(&target->hist, &source->hist, &target->alloc, NULL))
        return OBS_ENOMEM;
    return OBS_OK;
}

obs_status_t obs_histogram_percentiles(const obs_histogram_t *histogram,
                                       const double *percentiles,
                                       size_t count, double *latency_ms)
{
    const struct obs_hist *source;
    struct obs_hist_totals totals;

    if (histogram == NULL || (count > 0 && (percentiles == NULL ||
                                            latency_ms == NULL)))
        return OBS_EINVAL;
    for (size_t i = 0; i < count; i++)
        if (!(percentiles[i] >= 0.0 && percentiles[i] <= 100.0))
            return OBS_EINVAL;
    source = &histogram->hist;
    obs_hist_totals(&source, 1, &totals);
    obs_hist_percentiles(&source, 1, &totals, percentiles, count, latency_ms);
    return OBS_OK;
}

uint64_t obs_histogram_count(const obs_histogram_t *histogram)
{
    const struct obs_hist *source;
    struct obs_hist_totals totals;

    if (histogram == NULL)
        return 0;
    source = &histogram->hist;
    obs_hist_totals(&source, 1, &totals);
    return totals.count;
}

size_t obs_histogram_memory(const obs_histogram_t *histogram)
{
    if (histogram == NULL)
        return 0;
    return sizeof *histogram + obs_hist_chunk_bytes(&histogram->hist);
}

double obs_latency_edge(double latency_ms, unsigned precision_bits)
{
    return obs_hist_edge(latency_ms, precision_bits);
}

double obs_latency_max(void)
{
    return ldexp(1.0, OBS_HIST_HIGH_EXP);
}

/* ---- from a service ----------------------------------------------------- */

struct merge_request {
    const obs_allocator_t *allocator; /* the platform's */
    obs_histogram_t *collected; /* this reading's samples, or NULL */
    obs_status_t status;
};

static void collect(const struct obs_reading *reading, void *context)
{
    struct merge_request *request = context;
    obs_histogram_t *collected = request->collected;

    /* A reading may be retried: start from empty every time. */
    obs_histogram_free(collected);
    request->collected = NULL;
    /* The platform's allocator, like every other allocation of the
     * platform: it may be the only memory the program wants used. */
    request->status = histogram_new(request->allocator, reading->bits,
                                    &collected);
    if (request->status != OBS_OK)
        return;
    request->collected = collected;
    if (reading->exact != NULL) {
        for (size_t i = 0; i < reading->exact->count; i++)
            if (!obs_hist_record(&collected->hist, reading->exact->samples[i],
                                 &collected->alloc, NULL))
                goto fail;
        return;
    }
    for (size_t s = 0; s < reading->source_count; s++)
        if (!obs_hist_add(&collected->hist, reading->sources[s],
                          &collected->alloc, NULL))
            goto fail;
    return;
fail:
    request->status = OBS_ENOMEM;
}

obs_status_t obs_service_merge_latency(obs_service_t *service,
                                       obs_view_t view,
                                       obs_histogram_t *target)
{
    struct merge_request request = {NULL, NULL, OBS_OK};
    obs_status_t status;

    if (service == NULL || target == NULL)
        return OBS_EINVAL;
    request.allocator = &service->core->alloc.fn;
    if (target->hist.bits != service->core->bits)
        return OBS_EMISMATCH;
    status = obs_service_read(service, view, collect, &request);
    if (status == OBS_OK)
        status = request.status;
    if (status == OBS_OK && request.collected != NULL)
        status = obs_histogram_merge(target, request.collected);
    obs_histogram_free(request.collected);
    return status;
}
