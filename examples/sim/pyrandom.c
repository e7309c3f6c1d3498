/*
 * pyrandom.c - MT19937 with CPython's seeding, random() and gauss().
 *
 * Build with -ffp-contract=off: fusing "mu + z * sigma" (or any other
 * product and sum below) into one FMA rounds once instead of twice and
 * changes the last bit, and then the report no longer matches Python's.
 * GCC contracts by default in its GNU modes and clang within statements,
 * so the flag is required with both; clang also gets the standard pragma.
 */
#include "pyrandom.h"

#include <float.h>
#include <math.h>
#include <stddef.h>

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

/*
 * x87 keeps intermediates in 80 bits; Python's doubles never are.  Methods
 * 1 and 2 widen double, and so do the TS 18661-3 ones above 64; 0, 16, 32
 * and 64 (gcc -march with FP16) leave double alone.
 */
#if defined(FLT_EVAL_METHOD) && (FLT_EVAL_METHOD == 1 \
    || FLT_EVAL_METHOD == 2 || FLT_EVAL_METHOD > 64)
#error "pyrandom needs double arithmetic done in double precision"
#endif

enum {
    MT_N = PYRANDOM_STATE_WORDS,
    MT_M = 397
};

#define MT_TWIST_XOR   0x9908b0dfu
#define MT_UPPER_BIT   0x80000000u
#define MT_LOWER_BITS  0x7fffffffu

/* 2 * math.pi; the literal rounds to the same double as Python's pi. */
static const double two_pi = 2.0 * 3.14159265358979323846;

/*
 * Products are taken in 64 bits and cut back, so the wrap-around modulo
 * 2**32 never depends on how wide int is on the target.
 */
static uint32_t mul32(uint32_t a, uint32_t b)
{
    return (uint32_t)((uint64_t)a * b);
}

static uint32_t spread(uint32_t word)
{
    return word ^ (word >> 30);
}

static void seed_linear(pyrandom_t *r, uint32_t seed)
{
    size_t i;

    r->state[0] = seed;
    for (i = 1; i < MT_N; i++) {
        r->state[i] = mul32(1812433253u, spread(r->state[i - 1]))
                      + (uint32_t)i;
    }
    r->next_word = MT_N;
}

/* Mixes a key of any length into the state (the reference init_by_array). */
static void seed_from_key(pyrandom_t *r, const uint32_t *key,
                          size_t key_len)
{
    size_t i = 1;
    size_t j = 0;
    size_t rounds;

    seed_linear(r, 19650218u);

    rounds = key_len > MT_N ? key_len : MT_N;
    for (; rounds > 0; rounds--) {
        uint32_t mixed = r->state[i]
                         ^ mul32(spread(r->state[i - 1]), 1664525u);

        r->state[i] = mixed + key[j] + (uint32_t)j;
        i++;
        j++;
        if (i >= MT_N) {
            r->state[0] = r->state[MT_N - 1];
            i = 1;
        }
        if (j >= key_len)
            j = 0;
    }

    for (rounds = MT_N - 1; rounds > 0; rounds--) {
        uint32_t mixed = r->state[i]
                         ^ mul32(spread(r->state[i - 1]), 1566083941u);

        r->state[i] = mixed - (uint32_t)i;
        i++;
        if (i >= MT_N) {
            r->state[0] = r->state[MT_N - 1];
            i = 1;
        }
    }

    /* Forces a non-zero state whatever the key was. */
    r->state[0] = MT_UPPER_BIT;
    r->next_word = MT_N;
}

/*
 * Regenerates all words at once.  Indices wrap modulo MT_N, so words past
 * the end are read after they were already replaced, as the algorithm
 * requires.
 */
static void twist(pyrandom_t *r)
{
    size_t i;

    for (i = 0; i < MT_N; i++) {
        uint32_t pair = (r->state[i] & MT_UPPER_BIT)
                        | (r->state[(i + 1) % MT_N] & MT_LOWER_BITS);
        uint32_t next = r->state[(i + MT_M) % MT_N] ^ (pair >> 1);

        if (pair & 1u)
            next ^= MT_TWIST_XOR;
        r->state[i] = next;
    }
    r->next_word = 0;
}

static uint32_t next_u32(pyrandom_t *r)
{
    uint32_t y;

    if (r->next_word >= MT_N)
        twist(r);

    y = r->state[r->next_word++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

void pyrandom_seed_u64(pyrandom_t *r, uint64_t seed)
{
    /* Python keys with the little-endian 32-bit words of the seed,
     * dropping high zero words but keeping at least one. */
    uint32_t key[2];
    size_t key_len = 1;

    key[0] = (uint32_t)(seed & 0xffffffffu);
    key[1] = (uint32_t)(seed >> 32);
    if (key[1] != 0)
        key_len = 2;

    seed_from_key(r, key, key_len);
    r->has_gauss_next = 0;
    r->gauss_next = 0.0;
}

double pyrandom_random(pyrandom_t *r)
{
    /* Two draws in this order: 27 high bits, then 26 low bits. */
    uint32_t high = next_u32(r) >> 5;
    uint32_t low = next_u32(r) >> 6;

    return ((double)high * 67108864.0 + (double)low) / 9007199254740992.0;
}

double pyrandom_gauss(pyrandom_t *r, double mu, double sigma)
{
    double z;

    if (r->has_gauss_next) {
        z = r->gauss_next;
        r->has_gauss_next = 0;
    } else {
        /* Box-Muller, each step in Python's order so roundings agree;
         * 1 - u keeps log() away from zero. */
        double x2pi = pyrandom_random(r) * two_pi;
        double g2rad = sqrt(-2.0 * log(1.0 - pyrandom_random(r)));

        z = cos(x2pi) * g2rad;
        r->gauss_next = sin(x2pi) * g2rad;
        r->has_gauss_next = 1;
    }

    return mu + z * sigma;
}
