/*
 * test_health.c - recording, bad input, and the health classification.
 */
#include <math.h>

#include "test_util.h"

static void test_health_bad_latency_changes_nothing(void **state)
{
    obs_platform_t *platform = new_platform(store_of(state));
    obs_service_t *service = add_service(platform, "api");
    obs_service_stats_t stats;
    const double bad[] = {-5.0, NAN, -NAN, INFINITY, -INFINITY, -1e-300};

    for (int i = 0; i < 99; i++)
        assert_ok(obs_record_request(service, 10.0, true));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(obs_record_request(service, bad[i], false),
                         OBS_EINVAL);
        assert_int_equal(obs_record_request_at(service, 0, bad[i], false),
                         OBS_EINVAL);
    }
    assert_int_equal(obs_record_request(NULL, 1.0, true), OBS_EINVAL);
    assert_int_equal(obs_record_health_check(NULL, true), OBS_EINVAL);
    stats = stats_of(service);
    assert_int_equal(stats.requests, 99);
    assert_int_equal(stats.errors, 0);
    assert_double_exact(stats.p99_ms, 10.0);
    assert_int_equal(stats.health, OBS_HEALTHY);
    obs_platform_free(platform);
}

static void test_health_negative_zero_is_zero(void **state)
{
    obs_platform_t *platform = new_platform(store_of(state));
    obs_service_t *service = add_service(platform, "api");
    double p50;

    assert_ok(obs_record_request(service, -0.0, true));
    p50 = percentile_of(service, 50);
    assert_double_exact(p50, 0.0);
    assert_false(signbit(p50));
    assert_int_equal(stats_of(service).requests, 1);
    obs_platform_free(platform);
}

static void test_health_new_service_then_errors_then_check(void **state)
{
    obs_platform_t *platform = new_platform(store_of(state));
    obs_service_t *service = add_service(platform, "api");
    obs_service_stats_t stats = stats_of(service);
    size_t raised = 99;

    assert_double_exact(stats.error_rate, 0.0);
    assert_double_exact(stats.availability_pct, 100.0);
    assert_double_exact(stats.p99_ms, 0.0);
    assert_int_equal(stats.health, OBS_HEALTHY);
    assert_ok(obs_platform_evaluate(platform, &raised));
    assert_int_equal(raised, 0);

    for (int i = 0; i < 10; i++)
        assert_ok(obs_record_request(service, 5.0, false));
    stats = stats_of(service);
    assert_double_exact(stats.error_rate, 1.0);
    assert_int_equal(stats.health, OBS_CRITICAL);

    assert_ok(obs_record_health_check(service, false));
    stats = stats_of(service);
    assert_double_exact(stats.availability_pct, 0.0);
    assert_int_equal(stats.health, OBS_DOWN);
    obs_platform_free(platform);
}

static void test_health_five_percent_is_not_above(void **state)
{
    obs_platform_t *platform = new_platform(store_of(state));
    obs_service_t *service = add_service(platform, "api");

    for (int i = 0; i < 95; i++)
        assert_ok(obs_record_request(service, 5.0, true));
    for (int i = 0; i < 5; i++)
        assert_ok(obs_record_request(service, 5.0, false));
    assert_double_exact(stats_of(service).error_rate, 0.05);
    assert_int_equal(stats_of(service).health, OBS_HEALTHY);
    assert_ok(obs_record_request(service, 5.0, false));
    assert_int_equal(stats_of(service).health, OBS_DEGRADED);
    obs_platform_free(platform);
}

static obs_health_t health_of_constant(obs_latency_store_t store,
                                       double latency_ms)
{
    obs_platform_t *platform = new_platform(store);
    obs_service_t *service = add_service(platform, "api");
    obs_health_t health;

    for (int i = 0; i < 100; i++)
        assert_ok(obs_record_request(service, latency_ms, true));
    assert_ok(obs_service_health(service, &health));
    obs_platform_free(platform);
    return health;
}

/* Bucketing must never move a service across a threshold. */
static void test_health_thresholds_exact_in_both_stores(void **state)
{
    obs_latency_store_t store = store_of(state);

    assert_int_equal(health_of_constant(store, 1000.0), OBS_DEGRADED);
    assert_int_equal(health_of_constant(store, 1000.5), OBS_CRITICAL);
    assert_int_equal(health_of_constant(store, 500.0), OBS_HEALTHY);
    assert_int_equal(health_of_constant(store, 500.25), OBS_DEGRADED);
    assert_int_equal(health_of_constant(store, 1000.0 + 1e-9), OBS_CRITICAL);
    assert_int_equal(health_of_constant(store, 500.0 + 1e-9), OBS_DEGRADED);
}

/* Mixed samples: p99 sits on a threshold in one case and just above in
 * the other; both stores must agree. */
static void test_health_mixed_samples_at_threshold(void **state)
{
    obs_platform_t *platform = new_platform(store_of(state));
    obs_service_t *at = add_service(platform, "at");
    obs_service_t *above = add_service(platform, "above");

    for (int i = 0; i < 98; i++) {
        assert_ok(obs_record_request(at, 20.0 + i, true));
        assert_ok(obs_record_request(above, 20.0 + i, true));
    }
    assert_ok(obs_record_request(at, 1000.0, true));
    assert_ok(obs_record_request(at, 4000.0, true));
    assert_ok(obs_record_request(above, 1000.001, true));
    assert_ok(obs_record_request(above, 4000.0, true));
    assert_int_equal(stats_of(at).health, OBS_DEGRADED);
    assert_int_equal(stats_of(above).health, OBS_CRITICAL);
    obs_platform_free(platform);
}

static void test_health_thresholds_platform_and_service(void **state)
{
    obs_platform_t *platform = new_platform(store_of(state));
    obs_service_t *strict = add_service(platform, "strict");
    obs_service_t *plain = add_service(platform, "plain");
    obs_thresholds_t t;
    obs_thresholds_t got;

    for (int i = 0; i < 100; i++) {
        assert_ok(obs_record_request(strict, 300.0, i >= 2));
        assert_ok(obs_record_request(plain, 300.0, i >= 2));
    }
    assert_int_equal(stats_of(strict).health, OBS_HEALTHY);

    obs_thresholds_init(&t);
    t.degraded_error_rate = 0.01;
    assert_ok(obs_service_set_thresholds(strict, &t));
    assert_int_equal(stats_of(strict).health, OBS_DEGRADED);
    assert_int_equal(stats_of(plain).health, OBS_HEALTHY);

    obs_thresholds_init(&t);
    t.degraded_p99_ms = 250.0;
    assert_ok(obs_platform_set_thresholds(platform, &t));
    assert_int_equal(stats_of(plain).health, OBS_DEGRADED);
    assert_ok(obs_service_get_thresholds(strict, &got));
    assert_double_exact(got.degraded_error_rate, 0.01);
    assert_double_exact(got.degraded_p99_ms, 500.0);

    assert_ok(obs_service_set_thresholds(strict, NULL));
    assert_ok(obs_service_get_thresholds(strict, &got));
    assert_double_exact(got.degraded_p99_ms, 250.0);

    /* Latency thresholds are rounded to bucket edges: 300.1 -> 300.0. */
    t.degraded_p99_ms = 300.1;
    assert_ok(obs_platform_set_thresholds(platform, &t));
    assert_ok(obs_platform_get_thresholds(platform, &got));
    assert_double_exact(got.degraded_p99_ms, 300.0);
    assert_double_exact(obs_latency_edge(300.1, 9), 300.0);
    assert_double_exact(obs_latency_edge(300.3, 9), 300.5);
    obs_platform_free(platform);
}

static void test_health_invalid_thresholds_refused(void **state)
{
    obs_platform_t *platform = new_platform(store_of(state));
    obs_service_t *service = add_service(platform, "api");
    obs_thresholds_t t;
    obs_thresholds_t got;

    obs_thresholds_init(&t);
    t.critical_error_rate = NAN;
    assert_int_equal(obs_platform_set_thresholds(platform, &t), OBS_EINVAL);
    obs_thresholds_init(&t);
    t.degraded_error_rate = 0.2; /* above the critical 0.10 */
    assert_int_equal(obs_service_set_thresholds(service, &t), OBS_EINVAL);
    obs_thresholds_init(&t);
    t.down_availability_pct = 101;
    assert_int_equal(obs_platform_set_thresholds(platform, &t), OBS_EINVAL);
    obs_thresholds_init(&t);
    t.critical_p99_ms = -1;
    assert_int_equal(obs_platform_set_thresholds(platform, &t), OBS_EINVAL);
    assert_int_equal(obs_platform_set_thresholds(platform, NULL), OBS_EINVAL);
    assert_ok(obs_platform_get_thresholds(platform, &got));
    assert_double_exact(got.critical_error_rate, 0.10);
    assert_double_exact(got.degraded_error_rate, 0.05);
    assert_double_exact(got.down_availability_pct, 95.0);
    assert_double_exact(got.critical_p99_ms, 1000.0);
    obs_platform_free(platform);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH_STORES(test_health_bad_latency_changes_nothing),
        BOTH_STORES(test_health_negative_zero_is_zero),
        BOTH_STORES(test_health_new_service_then_errors_then_check),
        BOTH_STORES(test_health_five_percent_is_not_above),
        BOTH_STORES(test_health_thresholds_exact_in_both_stores),
        BOTH_STORES(test_health_mixed_samples_at_threshold),
        BOTH_STORES(test_health_thresholds_platform_and_service),
        BOTH_STORES(test_health_invalid_thresholds_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
