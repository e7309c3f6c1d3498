/*
 * histogram.h - the log-linear latency histogram, the default latency store.
 *
 * A latency (milliseconds, a double) is bucketed by its own bits: the
 * exponent picks a power-of-two octave and the top `bits` bits of the
 * significand pick one of 2^bits equal buckets inside it. A bucket holds
 * the values above one edge up to and including the next, so a threshold
 * that is an edge (500, 1000, 0.005 s, ...) never shares a bucket with
 * values on its other side.
 *
 * Only the parts of the range that receive samples are allocated, in
 * chunks of up to 64 counters. Counters are atomics written by one thread
 * at a time (load + store, no read-modify-write) and read by any thread;
 * that is what keeps recording at a few nanoseconds.
 */
#ifndef OBS_HISTOGRAM_H
#define OBS_HISTOGRAM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc.h"

/* The tracked range is (2^LOW_EXP, 2^HIGH_EXP] milliseconds: from about a
 * nanosecond to about 50 days. Smaller values share one bucket with 0;
 * larger ones are clamped into the top bucket and counted. */
#define OBS_HIST_LOW_EXP (-20)
#define OBS_HIST_HIGH_EXP 32
#define OBS_HIST_OCTAVES (OBS_HIST_HIGH_EXP - OBS_HIST_LOW_EXP)
#define OBS_HIST_MAX_MS 4294967296.0 /* 2^HIGH_EXP */
#define OBS_HIST_CHUNK_SHIFT 6    /* 64 counters a chunk, usually */
#define OBS_HIST_MAX_CHUNKS 8     /* chunks an octave, at most */
#define OBS_HIST_MAX_CHUNK_LEN 512 /* counters a chunk, at 12 bits */
#define OBS_HIST_MIN_BITS 1
#define OBS_HIST_MAX_BITS 12
#define OBS_HIST_DEFAULT_BITS 9

typedef _Atomic uint64_t obs_counter_t;

/* The chunk pointers of one octave (2^bits / chunk length of them). */
struct obs_hist_octave {
    _Atomic(obs_counter_t *) chunks[1];
};

struct obs_hist {
    unsigned bits;
    /* Derived from bits, kept for the hot path. */
    unsigned sub_shift;   /* mantissa bits below the sub-bucket */
    unsigned sub_mask;    /* 2^bits - 1 */
    unsigned chunk_shift; /* log2 of counters per chunk */
    unsigned chunk_mask;  /* counters per chunk - 1 */
    /* Every record reads the fields above and writes the three below:
     * together they fill one cache line. */
    obs_counter_t min_bits; /* bits of the smallest sample (ordered as */
    obs_counter_t max_bits; /* integers, since samples are >= +0) */
    _Atomic double sum;
    obs_counter_t low;      /* samples in [0, 2^LOW_EXP] */
    obs_counter_t clamped;  /* samples above 2^HIGH_EXP */
    _Atomic(struct obs_hist_octave *) octaves[OBS_HIST_OCTAVES];
};

/* What a reader learns in one pass over one or more histograms. */
struct obs_hist_totals {
    uint64_t count;
    uint64_t low;
    uint64_t clamped;
    uint64_t octave[OBS_HIST_OCTAVES];
    uint64_t chunk[OBS_HIST_OCTAVES][OBS_HIST_MAX_CHUNKS];
    double sum;
    double min;
    double max;
};

/* One writer at a time: a plain increment that readers may load at any
 * moment. Compiles to a load, an add and a store; release and acquire cost
 * nothing on x86 and let a reader that sees a value also see the writer's
 * earlier stores (the seqlock in service.c relies on it, without fences). */
static inline void obs_counter_add(obs_counter_t *counter, uint64_t n)
{
    atomic_store_explicit(
        counter, atomic_load_explicit(counter, memory_order_relaxed) + n,
        memory_order_release);
}

static inline void obs_counter_set(obs_counter_t *counter, uint64_t value)
{
    atomic_store_explicit(counter, value, memory_order_release);
}

static inline uint64_t obs_counter_get(const obs_counter_t *counter)
{
    return atomic_load_explicit((obs_counter_t *)counter,
                                memory_order_acquire);
}

#define OBS_HIST_EXP_BIAS 1023
#define OBS_HIST_MANTISSA_BITS 52
#define OBS_HIST_LOW_BITS                                                   \
    ((uint64_t)(OBS_HIST_EXP_BIAS + OBS_HIST_LOW_EXP) << OBS_HIST_MANTISSA_BITS)
#define OBS_HIST_HIGH_BITS                                                  \
    ((uint64_t)(OBS_HIST_EXP_BIAS + OBS_HIST_HIGH_EXP)                      \
     << OBS_HIST_MANTISSA_BITS)

/* After a sample's bucket: keep the extremes (bits of a sample >= +0,
 * ordered like the values) and the sum. */
static inline void obs_hist_note_sample(struct obs_hist *hist, uint64_t bits,
                                        double latency_ms)
{
    if (bits < obs_counter_get(&hist->min_bits))
        obs_counter_set(&hist->min_bits, bits);
    if (bits > obs_counter_get(&hist->max_bits))
        obs_counter_set(&hist->max_bits, bits);
    atomic_store_explicit(
        &hist->sum,
        atomic_load_explicit(&hist->sum, memory_order_relaxed) + latency_ms,
        memory_order_release);
}

/* The hot path: add a latency in the tracked range whose chunk exists.
 * Returns false, having changed nothing, for anything else: a value
 * outside the range (NaN, infinities and negatives included, so the
 * caller need not check first) or a chunk still to allocate. */
static inline bool obs_hist_record_fast(struct obs_hist *hist,
                                        double latency_ms)
{
    uint64_t bits;
    uint64_t below;
    uint64_t octave_index;
    unsigned sub;
    struct obs_hist_octave *octave;
    obs_counter_t *chunk;

    __builtin_memcpy(&bits, &latency_ms, sizeof bits);
    below = bits - 1; /* an edge belongs to the bucket below it */
    /* In range exactly when 2^LOW_EXP < latency_ms <= 2^HIGH_EXP. Zero,
     * negatives (sign bit), infinities and NaN all land far outside. */
    octave_index = (below >> OBS_HIST_MANTISSA_BITS) -
                   (OBS_HIST_EXP_BIAS + OBS_HIST_LOW_EXP);
    if (__builtin_expect(octave_index >= OBS_HIST_OCTAVES, 0))
        return false;
    octave = atomic_load_explicit(&hist->octaves[octave_index],
                                  memory_order_acquire);
    if (__builtin_expect(octave == NULL, 0))
        return false;
    /* The default precision gets constant shifts: shifts by a register
     * cost several micro-operations each on common x86 cores. */
    if (__builtin_expect(hist->bits == OBS_HIST_DEFAULT_BITS, 1)) {
        sub = (unsigned)(below >> (OBS_HIST_MANTISSA_BITS -
                                   OBS_HIST_DEFAULT_BITS)) &
              ((1u << OBS_HIST_DEFAULT_BITS) - 1);
        chunk = atomic_load_explicit(
            &octave->chunks[sub >> OBS_HIST_CHUNK_SHIFT],
            memory_order_acquire);
        sub &= (1u << OBS_HIST_CHUNK_SHIFT) - 1;
    } else {
        sub = (unsigned)(below >> hist->sub_shift) & hist->sub_mask;
        chunk = atomic_load_explicit(
            &octave->chunks[sub >> hist->chunk_shift], memory_order_acquire);
        sub &= hist->chunk_mask;
    }
    if (__builtin_expect(chunk == NULL, 0))
        return false;
    obs_counter_add(&chunk[sub], 1);
    obs_hist_note_sample(hist, bits, latency_ms);
    return true;
}

void obs_hist_init(struct obs_hist *hist, unsigned bits);
void obs_hist_destroy(struct obs_hist *hist, struct obs_alloc *alloc,
                      atomic_size_t *counter);

/* Add one latency (finite, >= 0, never -0.0). Returns false only when a
 * chunk could not be allocated; nothing is added then. Single writer. */
bool obs_hist_record(struct obs_hist *hist, double latency_ms,
                     struct obs_alloc *alloc, atomic_size_t *counter);

/* Allocate in `target` every chunk `source` has, so that adding it later
 * cannot fail. Single writer of `target`. */
bool obs_hist_reserve(struct obs_hist *target, const struct obs_hist *source,
                      struct obs_alloc *alloc, atomic_size_t *counter);

/* Add every sample of `source` (same bits) to `target`. Single writer of
 * `target`; returns false on allocation failure, with `target` unchanged. */
bool obs_hist_add(struct obs_hist *target, const struct obs_hist *source,
                  struct obs_alloc *alloc, atomic_size_t *counter);

/* Zero every counter, keeping the chunks for reuse. Single writer. */
void obs_hist_clear(struct obs_hist *hist);

/* Bytes held by the chunks of a histogram (the struct itself excluded). */
size_t obs_hist_chunk_bytes(const struct obs_hist *hist);

/* Readers: `sources` are `n` histograms of the same bits, read as one. */
void obs_hist_totals(const struct obs_hist *const *sources, size_t n,
                     struct obs_hist_totals *totals);
/* Add the totals of other sources to `totals`. */
void obs_hist_totals_add(struct obs_hist_totals *totals,
                         const struct obs_hist_totals *more);
void obs_hist_percentiles(const struct obs_hist *const *sources, size_t n,
                          const struct obs_hist_totals *totals,
                          const double *percentiles, size_t count,
                          double *latency_ms);
/* Samples at or below `bound_ms`, exact when the bound is an edge. */
uint64_t obs_hist_count_le(const struct obs_hist *const *sources, size_t n,
                           double bound_ms);

/* The nearest edge to a value at `bits` precision. */
double obs_hist_edge(double latency_ms, unsigned bits);

/* Nearest-rank index for percentile p of n samples, computed exactly:
 * ceil(p * n / 100) - 1, at least 0. */
uint64_t obs_rank_index(double p, uint64_t n);

#endif /* OBS_HISTOGRAM_H */
