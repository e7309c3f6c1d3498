/*
 * test_util.h - what every unit test includes: cmocka and a few helpers
 * that work through the public API only.
 */
#ifndef OBS_TEST_UTIL_H
#define OBS_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "obsplatform.h"

/* Doubles compared exactly, printed in full when they differ. */
#define assert_double_exact(actual, expected)                               \
    do {                                                                    \
        double a_ = (actual);                                               \
        double e_ = (expected);                                             \
        if (!(a_ == e_))                                                    \
            fail_msg("%s is %.17g, expected %.17g", #actual, a_, e_);       \
    } while (0)

/* A percentile as each store reports it: the exact store exactly, the
 * histogram store within its documented bound, 2^-(bits+1) relative at the
 * default 9 bits (2^-10 = 0.098%). */
#define assert_latency(store, actual, expected)                             \
    do {                                                                    \
        double a_ = (actual);                                               \
        double e_ = (expected);                                             \
        double bound_ = (store) == OBS_STORE_EXACT ? 0.0 : e_ / 1024.0;    \
        if (!(a_ >= e_ - bound_ && a_ <= e_ + bound_))                      \
            fail_msg("%s is %.17g, expected %.17g within %.3g", #actual,    \
                     a_, e_, bound_);                                       \
    } while (0)

#define assert_ok(call) assert_int_equal((call), OBS_OK)

/* A manual clock for tests: nanoseconds set by the test. */
struct test_clock {
    uint64_t now_ns;
};

static inline uint64_t test_clock_read(void *user)
{
    return ((struct test_clock *)user)->now_ns;
}

static inline obs_platform_t *new_platform(obs_latency_store_t store)
{
    obs_platform_t *platform = NULL;
    obs_config_t config;

    obs_config_init(&config);
    config.latency_store = store;
    assert_ok(obs_platform_new(&config, &platform));
    return platform;
}

static inline obs_service_t *add_service(obs_platform_t *platform,
                                         const char *name)
{
    obs_service_t *service = NULL;

    assert_ok(obs_platform_register(platform, name, &service));
    assert_non_null(service);
    return service;
}

static inline obs_service_stats_t stats_of(obs_service_t *service)
{
    obs_service_stats_t stats;

    assert_ok(obs_service_stats(service, OBS_VIEW_DEFAULT, &stats));
    return stats;
}

static inline double percentile_of(obs_service_t *service, double p)
{
    double value = -1.0;

    assert_ok(obs_service_percentile(service, OBS_VIEW_DEFAULT, p, &value));
    return value;
}

/* Run each test of a group once per latency store: the state pointer
 * carries the store. */
static const obs_latency_store_t store_exact = OBS_STORE_EXACT;
static const obs_latency_store_t store_histogram = OBS_STORE_HISTOGRAM;

static inline obs_latency_store_t store_of(void **state)
{
    return *(const obs_latency_store_t *)*state;
}

#define BOTH_STORES(test)                                                   \
    cmocka_unit_test_prestate(test, (void *)&store_exact),                  \
        cmocka_unit_test_prestate(test, (void *)&store_histogram)

#endif /* OBS_TEST_UTIL_H */
