/*
 * pyrandom.h - a random generator that reproduces CPython's random.Random.
 *
 * Private to the obs-sim example, not part of libobsplatform: the simulator
 * must print the same report as the Python reference program, so it needs
 * the very same stream of numbers that random.Random(seed) gives, bit for
 * bit.  Only what the reference uses is provided: integer seeding, random()
 * and gauss().
 *
 * Exactness needs IEEE-754 doubles evaluated at double precision
 * (FLT_EVAL_METHOD 0, as on x86-64 and arm64), no FMA contraction
 * (-ffp-contract=off) and the same libm log/sqrt/cos/sin that Python uses.
 *
 * Not thread-safe: a generator belongs to one thread at a time.
 */
#ifndef OBS_SIM_PYRANDOM_H
#define OBS_SIM_PYRANDOM_H

#include <stdint.h>

#define PYRANDOM_STATE_WORDS 624

typedef struct pyrandom {
    uint32_t state[PYRANDOM_STATE_WORDS]; /* MT19937 state */
    int next_word;           /* index of the next state word to temper */
    int has_gauss_next;      /* 1 when gauss_next holds a cached value */
    double gauss_next;       /* second normal value of the last pair */
} pyrandom_t;

/*
 * Seed like random.Random(seed) with an int seed.  Python seeds with
 * abs(seed), so a negative seed -s gives the stream of s: pass the
 * magnitude.  Seeds >= 2**64 cannot be expressed here.
 */
void pyrandom_seed_u64(pyrandom_t *r, uint64_t seed);

/* Next double in [0.0, 1.0) with 53 random bits, as random.random(). */
double pyrandom_random(pyrandom_t *r);

/*
 * Normal deviate with mean mu and standard deviation sigma, as
 * random.gauss() of Python 3.11: values come in pairs, the second one is
 * cached and returned by the next call.
 */
double pyrandom_gauss(pyrandom_t *r, double mu, double sigma);

#endif /* OBS_SIM_PYRANDOM_H */
