/*
 * fuzz_common.h - what the libFuzzer targets share: a way to fail loudly
 * when an invariant does not hold, so that libFuzzer keeps the input.
 */
#ifndef OBS_FUZZ_COMMON_H
#define OBS_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>

/* A broken invariant is a finding: say which, then crash. */
#define FUZZ_CHECK(condition)                                               \
    do {                                                                    \
        if (!(condition)) {                                                 \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__,      \
                    __LINE__, #condition);                                  \
            abort();                                                        \
        }                                                                   \
    } while (0)

/* Read every byte of a span, so that AddressSanitizer checks it lies in
 * live memory. */
static inline unsigned fuzz_touch(const char *ptr, size_t len)
{
    unsigned sum = 0;

    for (size_t i = 0; i < len; i++)
        sum += (unsigned char)ptr[i];
    return sum;
}

#endif /* OBS_FUZZ_COMMON_H */
