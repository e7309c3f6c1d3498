/*
 * histogram.c - log-linear latency histogram (see histogram.h).
 */
#include "histogram.h"

#include <math.h>
#include <string.h>

#define MANTISSA_BITS OBS_HIST_MANTISSA_BITS
#define EXP_BIAS OBS_HIST_EXP_BIAS

static uint64_t double_bits(double value)
{
    uint64_t bits;

    memcpy(&bits, &value, sizeof bits);
    return bits;
}

static double bits_double(uint64_t bits)
{
    double value;

    memcpy(&value, &bits, sizeof value);
    return value;
}

static const uint64_t LOW_BITS = OBS_HIST_LOW_BITS;
static const uint64_t HIGH_BITS = OBS_HIST_HIGH_BITS;

/* Chunks of 64 counters (fewer below 6 bits), but never more than 8 an
 * octave, so that a reader can keep every chunk's total on its stack. */
static unsigned chunk_shift(unsigned bits)
{
    if (bits <= OBS_HIST_CHUNK_SHIFT)
        return bits;
    if (bits <= OBS_HIST_CHUNK_SHIFT + 3)
        return OBS_HIST_CHUNK_SHIFT;
    return bits - 3;
}

static size_t chunks_per_octave(unsigned bits)
{
    return (size_t)1 << (bits - chunk_shift(bits));
}

static size_t chunk_len(unsigned bits)
{
    return (size_t)1 << chunk_shift(bits);
}

static size_t octave_bytes(unsigned bits)
{
    return sizeof(_Atomic(obs_counter_t *)) * chunks_per_octave(bits);
}

static size_t chunk_bytes(unsigned bits)
{
    return sizeof(obs_counter_t) * chunk_len(bits);
}

void obs_hist_init(struct obs_hist *hist, unsigned bits)
{
    hist->bits = bits;
    hist->sub_shift = MANTISSA_BITS - bits;
    hist->sub_mask = (1u << bits) - 1;
    hist->chunk_shift = chunk_shift(bits);
    hist->chunk_mask = (1u << hist->chunk_shift) - 1;
    for (size_t i = 0; i < OBS_HIST_OCTAVES; i++)
        atomic_init(&hist->octaves[i], NULL);
    atomic_init(&hist->low, 0);
    atomic_init(&hist->clamped, 0);
    atomic_init(&hist->min_bits, double_bits(INFINITY));
    atomic_init(&hist->max_bits, 0);
    atomic_init(&hist->sum, 0.0);
}

void obs_hist_destroy(struct obs_hist *hist, struct obs_alloc *alloc,
                      atomic_size_t *counter)
{
    size_t per_octave = chunks_per_octave(hist->bits);

    for (size_t o = 0; o < OBS_HIST_OCTAVES; o++) {
        struct obs_hist_octave *octave = atomic_load(&hist->octaves[o]);

        if (octave == NULL)
            continue;
        for (size_t c = 0; c < per_octave; c++)
            obs_alloc_free(alloc, atomic_load(&octave->chunks[c]),
                           chunk_bytes(hist->bits), counter);
        obs_alloc_free(alloc, octave, octave_bytes(hist->bits), counter);
        atomic_store(&hist->octaves[o], NULL);
    }
}

/* Find the counter of (octave, sub), allocating its chunk if need be.
 * Only the single writer allocates, so there is no publication race; the
 * release stores make the zeroed memory visible to readers first. */
static obs_counter_t *counter_for(struct obs_hist *hist, unsigned octave_index,
                                  unsigned sub, struct obs_alloc *alloc,
                                  atomic_size_t *counter)
{
    unsigned shift = chunk_shift(hist->bits);
    struct obs_hist_octave *octave;
    obs_counter_t *chunk;

    octave = atomic_load_explicit(&hist->octaves[octave_index],
                                  memory_order_acquire);
    if (octave == NULL) {
        octave = obs_alloc_zeroed(alloc, octave_bytes(hist->bits), counter);
        if (octave == NULL)
            return NULL;
        atomic_store_explicit(&hist->octaves[octave_index], octave,
                              memory_order_release);
    }
    chunk = atomic_load_explicit(&octave->chunks[sub >> shift],
                                 memory_order_acquire);
    if (chunk == NULL) {
        chunk = obs_alloc_zeroed(alloc, chunk_bytes(hist->bits), counter);
        if (chunk == NULL)
            return NULL;
        atomic_store_explicit(&octave->chunks[sub >> shift], chunk,
                              memory_order_release);
    }
    return &chunk[sub & ((1u << shift) - 1)];
}

/* Bucket of a value's bits, for values in (2^LOW_EXP, 2^HIGH_EXP]. The
 * "- 1" makes an edge belong to the bucket below it. */
static void locate(uint64_t bits, unsigned precision, unsigned *octave,
                   unsigned *sub)
{
    uint64_t below = bits - 1;

    *octave = (unsigned)(below >> MANTISSA_BITS) -
              (unsigned)(EXP_BIAS + OBS_HIST_LOW_EXP);
    *sub = (unsigned)(below >> (MANTISSA_BITS - precision)) &
           ((1u << precision) - 1);
}

bool obs_hist_record(struct obs_hist *hist, double latency_ms,
                     struct obs_alloc *alloc, atomic_size_t *counter)
{
    uint64_t bits = double_bits(latency_ms);

    if (obs_hist_record_fast(hist, latency_ms))
        return true;

    if (bits <= LOW_BITS) {
        obs_counter_add(&hist->low, 1);
    } else {
        obs_counter_t *bucket;
        unsigned octave;
        unsigned sub;
        bool clamp = bits > HIGH_BITS;

        locate(clamp ? HIGH_BITS : bits, hist->bits, &octave, &sub);
        bucket = counter_for(hist, octave, sub, alloc, counter);
        if (bucket == NULL)
            return false;
        obs_counter_add(bucket, 1);
        if (clamp) {
            obs_counter_add(&hist->clamped, 1);
            bits = HIGH_BITS;
            latency_ms = OBS_HIST_MAX_MS; /* the sum stays finite */
        }
    }
    obs_hist_note_sample(hist, bits, latency_ms);
    return true;
}

bool obs_hist_reserve(struct obs_hist *target, const struct obs_hist *source,
                      struct obs_alloc *alloc, atomic_size_t *counter)
{
    size_t per_octave = chunks_per_octave(source->bits);
    unsigned shift = chunk_shift(source->bits);

    for (unsigned o = 0; o < OBS_HIST_OCTAVES; o++) {
        struct obs_hist_octave *octave = atomic_load_explicit(
            (_Atomic(struct obs_hist_octave *) *)&source->octaves[o],
            memory_order_acquire);

        if (octave == NULL)
            continue;
        for (size_t c = 0; c < per_octave; c++) {
            if (atomic_load_explicit(&octave->chunks[c],
                                     memory_order_acquire) == NULL)
                continue;
            if (counter_for(target, o, (unsigned)(c << shift), alloc,
                            counter) == NULL)
                return false;
        }
    }
    return true;
}

bool obs_hist_add(struct obs_hist *target, const struct obs_hist *source,
                  struct obs_alloc *alloc, atomic_size_t *counter)
{
    size_t per_octave = chunks_per_octave(source->bits);
    size_t len = chunk_len(source->bits);

    /* Allocate first, so that a failure leaves `target` unchanged. */
    if (!obs_hist_reserve(target, source, alloc, counter))
        return false;
    for (unsigned o = 0; o < OBS_HIST_OCTAVES; o++) {
        struct obs_hist_octave *from = atomic_load_explicit(
            (_Atomic(struct obs_hist_octave *) *)&source->octaves[o],
            memory_order_acquire);
        struct obs_hist_octave *to;

        /* A writer of `source` may have added an octave or a chunk since
         * obs_hist_reserve(): its samples are left out, as if `source` had
         * been read a moment earlier. */
        to = atomic_load_explicit(&target->octaves[o], memory_order_relaxed);
        if (from == NULL || to == NULL)
            continue;
        for (size_t c = 0; c < per_octave; c++) {
            obs_counter_t *src = atomic_load_explicit(&from->chunks[c],
                                                      memory_order_acquire);
            obs_counter_t *dst;

            dst = atomic_load_explicit(&to->chunks[c], memory_order_relaxed);
            if (src == NULL || dst == NULL)
                continue;
            for (size_t i = 0; i < len; i++)
                obs_counter_add(&dst[i], obs_counter_get(&src[i]));
        }
    }
    obs_counter_add(&target->low, obs_counter_get(&source->low));
    obs_counter_add(&target->clamped, obs_counter_get(&source->clamped));
    if (obs_counter_get(&source->min_bits) <
        obs_counter_get(&target->min_bits))
        obs_counter_set(&target->min_bits,
                        obs_counter_get(&source->min_bits));
    if (obs_counter_get(&source->max_bits) >
        obs_counter_get(&target->max_bits))
        obs_counter_set(&target->max_bits,
                        obs_counter_get(&source->max_bits));
    atomic_store_explicit(
        &target->sum,
        atomic_load_explicit(&target->sum, memory_order_relaxed) +
            atomic_load_explicit((_Atomic double *)&source->sum,
                                 memory_order_acquire),
        memory_order_release);
    return true;
}

void obs_hist_clear(struct obs_hist *hist)
{
    size_t per_octave = chunks_per_octave(hist->bits);
    size_t len = chunk_len(hist->bits);

    for (size_t o = 0; o < OBS_HIST_OCTAVES; o++) {
        struct obs_hist_octave *octave = atomic_load_explicit(
            &hist->octaves[o], memory_order_relaxed);

        if (octave == NULL)
            continue;
        for (size_t c = 0; c < per_octave; c++) {
            obs_counter_t *chunk = atomic_load_explicit(
                &octave->chunks[c], memory_order_relaxed);

            for (size_t i = 0; chunk != NULL && i < len; i++)
                obs_counter_set(&chunk[i], 0);
        }
    }
    obs_counter_set(&hist->low, 0);
    obs_counter_set(&hist->clamped, 0);
    obs_counter_set(&hist->min_bits, double_bits(INFINITY));
    obs_counter_set(&hist->max_bits, 0);
    atomic_store_explicit(&hist->sum, 0.0, memory_order_release);
}

size_t obs_hist_chunk_bytes(const struct obs_hist *hist)
{
    size_t per_octave = chunks_per_octave(hist->bits);
    size_t bytes = 0;

    for (size_t o = 0; o < OBS_HIST_OCTAVES; o++) {
        struct obs_hist_octave *octave = atomic_load_explicit(
            (_Atomic(struct obs_hist_octave *) *)&hist->octaves[o],
            memory_order_acquire);

        if (octave == NULL)
            continue;
        bytes += octave_bytes(hist->bits);
        for (size_t c = 0; c < per_octave; c++)
            if (atomic_load_explicit(&octave->chunks[c],
                                     memory_order_relaxed) != NULL)
                bytes += chunk_bytes(hist->bits);
    }
    return bytes;
}

/* ---- readers ---------------------------------------------------------- */

static const obs_counter_t *chunk_of(const struct obs_hist *hist,
                                     unsigned octave_index, size_t c)
{
    struct obs_hist_octave *octave = atomic_load_explicit(
        (_Atomic(struct obs_hist_octave *) *)&hist->octaves[octave_index],
        memory_order_acquire);

    if (octave == NULL)
        return NULL;
    return atomic_load_explicit(&octave->chunks[c], memory_order_acquire);
}

/* Sum of a chunk's counters, with four running sums so that the adds do
 * not wait on each other. */
static uint64_t sum_counters(const obs_counter_t *chunk, size_t len)
{
    uint64_t a = 0;
    uint64_t b = 0;
    uint64_t c = 0;
    uint64_t d = 0;
    size_t i = 0;

    for (; i + 4 <= len; i += 4) {
        a += obs_counter_get(&chunk[i]);
        b += obs_counter_get(&chunk[i + 1]);
        c += obs_counter_get(&chunk[i + 2]);
        d += obs_counter_get(&chunk[i + 3]);
    }
    for (; i < len; i++)
        a += obs_counter_get(&chunk[i]);
    return a + b + c + d;
}

void obs_hist_totals(const struct obs_hist *const *sources, size_t n,
                     struct obs_hist_totals *totals)
{
    uint64_t min_bits = double_bits(INFINITY);
    uint64_t max_bits = 0;

    memset(totals, 0, sizeof *totals);
    for (size_t s = 0; s < n; s++) {
        const struct obs_hist *hist = sources[s];
        size_t per_octave = chunks_per_octave(hist->bits);
        size_t len = chunk_len(hist->bits);

        /* Extremes and sum first: a writer updates them after the bucket,
         * so a racing sample is at worst missing from them, never from the
         * buckets they describe. */
        if (obs_counter_get(&hist->min_bits) < min_bits)
            min_bits = obs_counter_get(&hist->min_bits);
        if (obs_counter_get(&hist->max_bits) > max_bits)
            max_bits = obs_counter_get(&hist->max_bits);
        totals->sum += atomic_load_explicit((_Atomic double *)&hist->sum,
                                            memory_order_acquire);
        totals->low += obs_counter_get(&hist->low);
        totals->clamped += obs_counter_get(&hist->clamped);
        for (unsigned o = 0; o < OBS_HIST_OCTAVES; o++) {
            struct obs_hist_octave *octave = atomic_load_explicit(
                (_Atomic(struct obs_hist_octave *) *)&hist->octaves[o],
                memory_order_acquire);

            for (size_t c = 0; octave != NULL && c < per_octave; c++) {
                const obs_counter_t *chunk = atomic_load_explicit(
                    &octave->chunks[c], memory_order_acquire);
                uint64_t chunk_total;

                if (chunk == NULL)
                    continue;
                chunk_total = sum_counters(chunk, len);
                totals->chunk[o][c] += chunk_total;
                totals->octave[o] += chunk_total;
            }
        }
    }
    totals->count = totals->low;
    for (unsigned o = 0; o < OBS_HIST_OCTAVES; o++)
        totals->count += totals->octave[o];
    totals->min = bits_double(min_bits);
    totals->max = bits_double(max_bits);
    if (totals->count == 0)
        totals->min = totals->max = 0.0;
}

void obs_hist_totals_add(struct obs_hist_totals *totals,
                         const struct obs_hist_totals *more)
{
    if (more->count == 0)
        return;
    if (totals->count == 0 || more->min < totals->min)
        totals->min = more->min;
    if (totals->count == 0 || more->max > totals->max)
        totals->max = more->max;
    totals->count += more->count;
    totals->low += more->low;
    totals->clamped += more->clamped;
    totals->sum += more->sum;
    for (unsigned o = 0; o < OBS_HIST_OCTAVES; o++) {
        totals->octave[o] += more->octave[o];
        for (unsigned c = 0; c < OBS_HIST_MAX_CHUNKS; c++)
            totals->chunk[o][c] += more->chunk[o][c];
    }
}

/* The value reported for a bucket: its middle, kept within the smallest
 * and largest samples actually seen, so that a histogram of one repeated
 * value reports that value exactly. */
static double bucket_value(unsigned bits, unsigned octave, unsigned sub,
                           const struct obs_hist_totals *totals)
{
    double scale = ldexp(1.0, (int)octave + OBS_HIST_LOW_EXP);
    double step = ldexp(scale, -(int)bits);
    double middle = scale + step * ((double)sub + 0.5);

    if (middle < totals->min)
        return totals->min;
    if (middle > totals->max)
        return totals->max;
    return middle;
}

/* Add up one chunk's counters across sources into `buckets`. */
static void sum_chunk(const struct obs_hist *const *sources, size_t n,
                      unsigned octave, size_t c, size_t len,
                      uint64_t *buckets)
{
    for (size_t i = 0; i < len; i++)
        buckets[i] = 0;
    for (size_t s = 0; s < n; s++) {
        const obs_counter_t *chunk = chunk_of(sources[s], octave, c);

        for (size_t i = 0; chunk != NULL && i < len; i++)
            buckets[i] += obs_counter_get(&chunk[i]);
    }
}

/* Percentiles for ranks sorted ascending, in one walk that skips whole
 * octaves and chunks by the totals, and reads only the chunks that hold a
 * rank. Counters may have grown since the totals were taken; the walk
 * trusts the totals, so every rank is answered from a bucket that was
 * counted. */
static void values_at_ranks(const struct obs_hist *const *sources, size_t n,
                            const struct obs_hist_totals *totals,
                            const uint64_t *ranks, size_t count,
                            double *values)
{
    unsigned bits = sources[0]->bits;
    size_t per_octave = chunks_per_octave(bits);
    size_t len = chunk_len(bits);
    uint64_t buckets[OBS_HIST_MAX_CHUNK_LEN];
    uint64_t seen = totals->low;
    size_t k = 0;

    /* The extremes are known exactly. Below the tracked range (about a
     * nanosecond) nothing is told apart: report the smallest sample. */
    for (; k < count && (ranks[k] == 0 || ranks[k] < seen); k++)
        values[k] = totals->min;
    for (unsigned o = 0; o < OBS_HIST_OCTAVES && k < count; o++) {
        for (size_t c = 0; c < per_octave && k < count; c++) {
            uint64_t chunk_end = seen + totals->chunk[o][c];
            uint64_t walked = seen;

            if (ranks[k] >= chunk_end) {
                seen = chunk_end;
                continue;
            }
            sum_chunk(sources, n, o, c, len, buckets);
            for (size_t i = 0; i < len && k < count; i++) {
                walked += buckets[i];
                for (; k < count && ranks[k] < walked && ranks[k] < chunk_end;
                     k++)
                    values[k] = bucket_value(bits, o, (unsigned)(c * len + i),
                                             totals);
            }
            /* Only if the counters changed under us: the chunk's last
             * bucket answers what is left of it. */
            for (; k < count && ranks[k] < chunk_end; k++)
                values[k] = bucket_value(bits, o,
                                         (unsigned)(c * len + len - 1),
                                         totals);
            seen = chunk_end;
        }
    }
    for (; k < count; k++)
        values[k] = totals->max;
}

#define PERCENTILES_AT_ONCE 16

void obs_hist_percentiles(const struct obs_hist *const *sources, size_t n,
                          const struct obs_hist_totals *totals,
                          const double *percentiles, size_t count,
                          double *latency_ms)
{
    uint64_t ranks[PERCENTILES_AT_ONCE];
    double values[PERCENTILES_AT_ONCE];
    size_t order[PERCENTILES_AT_ONCE];

    if (totals->count == 0 || n == 0) {
        for (size_t k = 0; k < count; k++)
            latency_ms[k] = 0.0;
        return;
    }
    /* Sort the requests by rank (insertion sort: there are few), answer
     * them in one walk, and put the answers back in the caller's order. */
    for (size_t done = 0; done < count; done += PERCENTILES_AT_ONCE) {
        size_t batch = count - done < PERCENTILES_AT_ONCE
                           ? count - done
                           : PERCENTILES_AT_ONCE;

        for (size_t k = 0; k < batch; k++) {
            uint64_t rank = obs_rank_index(percentiles[done + k],
                                           totals->count);
            size_t j = k;

            for (; j > 0 && ranks[j - 1] > rank; j--) {
                ranks[j] = ranks[j - 1];
                order[j] = order[j - 1];
            }
            ranks[j] = rank;
            order[j] = done + k;
        }
        values_at_ranks(sources, n, totals, ranks, batch, values);
        for (size_t k = 0; k < batch; k++)
            latency_ms[order[k]] = values[k];
        /* The largest rank is the largest sample, exactly. */
        for (size_t k = 0; k < batch; k++)
            if (ranks[k] + 1 >= totals->count)
                latency_ms[order[k]] = totals->max;
    }
}

uint64_t obs_hist_count_le(const struct obs_hist *const *sources, size_t n,
                           double bound_ms)
{
    uint64_t total = 0;
    uint64_t bits = double_bits(bound_ms);

    for (size_t s = 0; s < n; s++) {
        const struct obs_hist *hist = sources[s];
        size_t len = chunk_len(hist->bits);
        unsigned last_octave;
        unsigned last_sub;

        if (bound_ms < 0.0)
            continue;
        total += obs_counter_get(&hist->low);
        if (bits <= LOW_BITS)
            continue;
        locate(bits > HIGH_BITS ? HIGH_BITS : bits, hist->bits, &last_octave,
               &last_sub);
        for (unsigned o = 0; o <= last_octave; o++) {
            unsigned end = o < last_octave ? (1u << hist->bits) : last_sub + 1;

            for (unsigned sub = 0; sub < end; sub++) {
                const obs_counter_t *chunk = chunk_of(hist, o, sub / len);

                if (chunk == NULL) {
                    sub |= (unsigned)(len - 1); /* skip the missing chunk */
                    continue;
                }
                total += obs_counter_get(&chunk[sub % len]);
            }
        }
    }
    return total;
}

double obs_hist_edge(double latency_ms, unsigned bits)
{
    uint64_t raw;
    uint64_t half;
    uint64_t mask;

    if (!(latency_ms > 0.0) || latency_ms > 1e300 ||
        bits < OBS_HIST_MIN_BITS || bits > OBS_HIST_MAX_BITS)
        return latency_ms;
    raw = double_bits(latency_ms);
    if (raw <= LOW_BITS)
        return bits_double(LOW_BITS);
    if (raw >= HIGH_BITS)
        return bits_double(HIGH_BITS);
    mask = ((uint64_t)1 << (MANTISSA_BITS - bits)) - 1;
    half = (uint64_t)1 << (MANTISSA_BITS - bits - 1);
    /* Adding half an edge step and dropping the low bits rounds the
     * significand to `bits` bits; a carry moves to the next octave, which
     * is still an edge. */
    return bits_double((raw + half) & ~mask);
}

uint64_t obs_rank_index(double p, uint64_t n)
{
    double target;
    double error;
    uint64_t k;

    if (n == 0 || !(p > 0.0))
        return 0;
    if (p >= 100.0)
        return n - 1;
    /* p * n is target + error exactly (fma), so comparing 100 * k with it
     * decides the rank without rounding: floating-point error cannot move
     * the rank. */
    target = p * (double)n;
    error = fma(p, (double)n, -target);
    k = (uint64_t)ceil(target / 100.0);
    while (k > 0) {
        double d = 100.0 * (double)(k - 1) - target;

        if (d < error)
            break;
        k--;
    }
    for (;;) {
        double d = 100.0 * (double)k - target;

        if (d >= error)
            break;
        k++;
    }
    if (k == 0)
        return 0;
    return k - 1 < n ? k - 1 : n - 1;
}
