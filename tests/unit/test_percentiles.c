/*
 * test_percentiles.c - nearest-rank percentiles, with both latency stores.
 */
#include <math.h>

#include "test_util.h"

static obs_service_t *service_with(obs_platform_t *platform,
                                   const double *latencies, size_t n)
{
    obs_service_t *service = add_service(platform, "api");

    for (size_t i = 0; i < n; i++)
        assert_ok(obs_record_request(service, latencies[i], true));
    return service;
}

static void test_percentiles_one_to_twenty(void **state)
{
    obs_platform_t *platform = new_platform(store_of(state));
    double latencies[20];
    obs_service_t *service;

    for (int i = 0; i < 20; i++)
        latencies[i] = i + 1.0;
    service = service_with(platform, latencies, 20);
    assert_latency(store_of(state), percentile_of(service, 50), 10.0);
    assert_latency(store_of(state), percentile_of(service, 95), 19.0);
    assert_latency(store_of(state), percentile_of(service, 99), 20.0);
    obs_platform_free(platform);
}

static void test_percentiles_single_sample(void **state)
{
    obs_platform_t *platform = new_platform(store_of(state));
    const double one[] = {7.5};
    obs_service_t *service = service_with(platform, one, 1);

    assert_double_exact(percentile_of(service, 50), 7.5);
    assert_double_exact(percentile_of(service, 95), 7.5);
    assert_double_exact(percentile_of(service, 99), 7.5);
    obs_platform_free(platform);
}

static void test_percentiles_two_samples_reversed(void **state)
{
    obs_platform_t *platform = new_platform(store_of(state));
    const double two[] = {2.0, 1.0};
    obs_service_t *service = service_with(platform, two, 2);

    assert_latency(store_of(state), percentile_of(service, 50), 1.0);
    assert_latency(store_of(state), percentile_of(service, 95), 2.0);
    assert_latency(store_of(state), percentile_of(service, 99), 2.0);
    obs_platform_free(platform);
}

static void test_percentiles_unsorted_ten(void **state)
{
    obs_platform_t *platform = new_platform(store_of(state));
    const double ten[] = {15, 3, 20, 8, 6, 13, 8, 16, 7, 10};
    obs_service_t *service = service_with(platform, ten, 10);

    assert_latency(store_of(state), percentile_of(service, 50), 8.0);
    assert_latency(store_of(state), percentile_of(service, 95), 20.0);
    assert_latency(store_of(state), percentile_of(service, 99), 20.0);
    assert_latency(store_of(state), percentile_of(service, 0), 3.0);
    assert_latency(store_of(state), percentile_of(service, 100), 20.0);
    assert_latency(store_of(state), percentile_of(service, 10), 3.0);
    assert_latency(store_of(state), percentile_of(service, 10.000001), 6.0);
    obs_platform_free(platform);
}

/* 0.07 * 100 is 7.000000000000001 in doubles; the rank must still be 7. */
static void test_percentiles_rank_is_exact(void **state)
{
    obs_platform_t *platform = new_platform(store_of(state));
    obs_service_t *service = add_service(platform, "api");

    for (int i = 1; i <= 100; i++)
        assert_ok(obs_record_request(service, i, true));
    assert_latency(store_of(state), percentile_of(service, 7), 7.0);
    assert_latency(store_of(state), percentile_of(service, 29), 29.0);
    assert_latency(store_of(state), percentile_of(service, 57), 57.0);
    obs_platform_free(platform);
}

static void test_percentiles_empty_is_zero(void **state)
{
    obs_platform_t *platform = new_platform(store_of(state));
    obs_service_t *service = add_service(platform, "api");

    assert_double_exact(percentile_of(service, 0), 0.0);
    assert_double_exact(percentile_of(service, 50), 0.0);
    assert_double_exact(percentile_of(service, 100), 0.0);
    obs_platform_free(platform);
}

static void test_percentiles_out_of_range_refused(void **state)
{
    obs_platform_t *platform = new_platform(store_of(state));
    obs_service_t *service = add_service(platform, "api");
    double value = 42.0;

    assert_ok(obs_record_request(service, 5.0, true));
    assert_int_equal(obs_service_percentile(service, OBS_VIEW_DEFAULT, -0.1,
                                            &value),
                     OBS_EINVAL);
    assert_int_equal(obs_service_percentile(service, OBS_VIEW_DEFAULT,
                                            100.01, &value),
                     OBS_EINVAL);
    assert_int_equal(obs_service_percentile(service, OBS_VIEW_DEFAULT, NAN,
                                            &value),
                     OBS_EINVAL);
    assert_int_equal(obs_service_percentile(NULL, OBS_VIEW_DEFAULT, 50,
                                            &value),
                     OBS_EINVAL);
    assert_int_equal(obs_service_percentile(service, OBS_VIEW_DEFAULT, 50,
                                            NULL),
                     OBS_EINVAL);
    assert_int_equal(obs_service_percentile(service, OBS_VIEW_WINDOW, 50,
                                            &value),
                     OBS_ENOWINDOW);
    assert_double_exact(value, 42.0);
    obs_platform_free(platform);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH_STORES(test_percentiles_one_to_twenty),
        BOTH_STORES(test_percentiles_single_sample),
        BOTH_STORES(test_percentiles_two_samples_reversed),
        BOTH_STORES(test_percentiles_unsorted_ten),
        BOTH_STORES(test_percentiles_rank_is_exact),
        BOTH_STORES(test_percentiles_empty_is_zero),
        BOTH_STORES(test_percentiles_out_of_range_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
