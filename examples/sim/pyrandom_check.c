/*
 * pyrandom_check.c - prints the start of a pyrandom stream for one seed.
 *
 * Used by tests/sim/check_pyrandom.sh, which prints the same lines from
 * Python's random.Random and compares the two texts.
 *
 * usage: pyrandom_check SEED
 *   SEED is a decimal integer; a leading '-' is accepted because Python
 *   seeds with abs(seed).  Output: five lines "random <x>" from random(),
 *   then five lines "gauss <x>" from gauss(100, 30) continuing the same
 *   stream, each value with %.17g so that every bit shows.
 */
#include "pyrandom.h"

#include <stdint.h>
#include <stdio.h>

/* Strict parse: strtoull would wrap "-1" and accept blanks and junk. */
static int parse_seed(const char *text, uint64_t *seed)
{
    uint64_t value = 0;

    if (*text == '-' || *text == '+')
        text++;
    if (*text == '\0')
        return -1;

    for (; *text != '\0'; text++) {
        unsigned digit;

        if (*text < '0' || *text > '9')
            return -1;
        digit = (unsigned)(*text - '0');
        if (value > (UINT64_MAX - digit) / 10)
            return -1;
        value = value * 10 + digit;
    }

    *seed = value;
    return 0;
}

int main(int argc, char **argv)
{
    pyrandom_t rng;
    uint64_t seed;
    int i;

    if (argc != 2 || parse_seed(argv[1], &seed) != 0) {
        fprintf(stderr, "usage: pyrandom_check SEED  (|SEED| < 2**64)\n");
        return 2;
    }

    pyrandom_seed_u64(&rng, seed);
    for (i = 0; i < 5; i++)
        printf("random %.17g\n", pyrandom_random(&rng));
    for (i = 0; i < 5; i++)
        printf("gauss %.17g\n", pyrandom_gauss(&rng, 100.0, 30.0));

    return fflush(stdout) == 0 ? 0 : 1;
}
