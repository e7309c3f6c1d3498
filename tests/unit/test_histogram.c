/*
 * test_histogram.c - the log-linear histogram against the exact store.
 */
#include <math.h>

#include "test_util.h"

/* A small deterministic generator (xorshift64*), so that failures can be
 * replayed. */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static double uniform01(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (double)((rng_state * 0x2545f4914f6cdd1du) >> 11) * 0x1p-53;
}

static double normal(void)
{
    double u = uniform01();
    double v = uniform01();

    return sqrt(-2.0 * log(1.0 - u)) * cos(2.0 * 3.141592653589793 * v);
}

enum distribution { UNIFORM, LOG_NORMAL, BIMODAL, LOG_UNIFORM_FULL };

static double draw(enum distribution d)
{
    switch (d) {
    case UNIFORM:
        return 20.0 + 180.0 * uniform01();
    case LOG_NORMAL:
        return exp(log(50.0) + 0.8 * normal());
    case BIMODAL:
        return uniform01() < 0.9 ? fabs(5.0 + normal())
                                 : fabs(900.0 + 50.0 * normal());
    case LOG_UNIFORM_FULL: /* 1 microsecond to 1 hour */
        return 0.001 * pow(3.6e9, uniform01());
    }
    return 0.0;
}

static void test_histogram_within_error_of_exact(void **state)
{
    static const double ps[] = {0,  0.1, 1,  5,  10,   25,    50, 75,
                                90, 95,  99, 99.9, 99.99, 100, 33.3};
    (void)state;
    for (int d = UNIFORM; d <= LOG_UNIFORM_FULL; d++) {
        obs_platform_t *exact = new_platform(OBS_STORE_EXACT);
        obs_platform_t *hist = new_platform(OBS_STORE_HISTOGRAM);
        obs_service_t *e = add_service(exact, "e");
        obs_service_t *h = add_service(hist, "h");

        for (int i = 0; i < 50000; i++) {
            double v = draw((enum distribution)d);

            assert_ok(obs_record_request(e, v, true));
            assert_ok(obs_record_request(h, v, true));
        }
        for (size_t k = 0; k < sizeof ps / sizeof ps[0]; k++) {
            double want = percentile_of(e, ps[k]);
            double got = percentile_of(h, ps[k]);

            if (!(fabs(got - want) <= want * 0.001))
                fail_msg("distribution %d p%g: histogram %.17g, exact %.17g",
                         d, ps[k], got, want);
        }
        assert_int_equal(stats_of(h).requests, 50000);
        obs_platform_free(exact);
        obs_platform_free(hist);
    }
}

static void test_histogram_empty_reports_zero(void **state)
{
    static const double ps[] = {0, 50, 99, 100};
    obs_histogram_t *histogram = NULL;
    double out[4] = {-1, -1, -1, -1};

    (void)state;
    assert_ok(obs_histogram_new(9, &histogram));
    assert_ok(obs_histogram_percentiles(histogram, ps, 4, out));
    for (int i = 0; i < 4; i++)
        assert_double_exact(out[i], 0.0);
    assert_int_equal(obs_histogram_count(histogram), 0);
    obs_histogram_free(histogram);
}

static void test_histogram_merge_is_exact(void **state)
{
    static const double ps[] = {1, 25, 50, 90, 99, 99.9};
    obs_histogram_t *a = NULL;
    obs_histogram_t *b = NULL;
    obs_histogram_t *all = NULL;
    obs_histogram_t *coarse = NULL;
    double merged[6];
    double direct[6];

    (void)state;
    assert_ok(obs_histogram_new(9, &a));
    assert_ok(obs_histogram_new(9, &b));
    assert_ok(obs_histogram_new(9, &all));
    assert_ok(obs_histogram_new(7, &coarse));
    for (int i = 0; i < 20000; i++) {
        double v = draw(LOG_NORMAL);

        assert_ok(obs_histogram_record(i % 3 ? a : b, v));
        assert_ok(obs_histogram_record(all, v));
    }
    assert_ok(obs_histogram_merge(a, b));
    assert_int_equal(obs_histogram_count(a), 20000);
    assert_ok(obs_histogram_percentiles(a, ps, 6, merged));
    assert_ok(obs_histogram_percentiles(all, ps, 6, direct));
    for (int i = 0; i < 6; i++)
        assert_double_exact(merged[i], direct[i]);

    assert_int_equal(obs_histogram_merge(coarse, a), OBS_EMISMATCH);
    assert_int_equal(obs_histogram_count(coarse), 0);
    assert_int_equal(obs_histogram_merge(NULL, a), OBS_EINVAL);
    obs_histogram_free(a);
    obs_histogram_free(b);
    obs_histogram_free(all);
    obs_histogram_free(coarse);
}

static void test_histogram_merge_services(void **state)
{
    obs_platform_t *platform = new_platform(OBS_STORE_HISTOGRAM);
    obs_service_t *one = add_service(platform, "one");
    obs_service_t *two = add_service(platform, "two");
    obs_histogram_t *both = NULL;
    obs_histogram_t *wrong = NULL;
    const double p50 = 50;
    double out;

    (void)state;
    for (int i = 1; i <= 100; i++)
        assert_ok(obs_record_request(i % 2 ? one : two, i, true));
    assert_ok(obs_histogram_new(9, &both));
    assert_ok(obs_histogram_new(8, &wrong));
    assert_ok(obs_service_merge_latency(one, OBS_VIEW_LIFETIME, both));
    assert_ok(obs_service_merge_latency(two, OBS_VIEW_LIFETIME, both));
    assert_int_equal(obs_histogram_count(both), 100);
    assert_ok(obs_histogram_percentiles(both, &p50, 1, &out));
    assert_true(fabs(out - 50.0) <= 50.0 / 1024);
    assert_int_equal(obs_service_merge_latency(one, OBS_VIEW_LIFETIME, wrong),
                     OBS_EMISMATCH);
    assert_int_equal(obs_service_merge_latency(one, OBS_VIEW_WINDOW, both),
                     OBS_ENOWINDOW);
    assert_int_equal(obs_histogram_count(both), 100);
    obs_histogram_free(both);
    obs_histogram_free(wrong);
    obs_platform_free(platform);
}

static void test_histogram_out_of_range(void **state)
{
    obs_platform_t *platform = new_platform(OBS_STORE_HISTOGRAM);
    obs_service_t *service = add_service(platform, "api");
    obs_service_stats_t stats;

    (void)state;
    assert_ok(obs_record_request(service, 1e-300, true));  /* below range */
    assert_ok(obs_record_request(service, 0.0, true));
    assert_ok(obs_record_request(service, 1e300, true));   /* above range */
    assert_ok(obs_record_request(service, 1.7976931348623157e308, true));
    stats = stats_of(service);
    assert_int_equal(stats.requests, 4);
    assert_int_equal(stats.latency_clamped, 2);
    /* Clamped latencies count as obs_latency_max() in the sum too, so it
     * stays finite: 0 + 1e-300 + 2 * 2^32. */
    assert_double_exact(stats.latency_sum_ms, 2.0 * obs_latency_max());
    assert_double_exact(percentile_of(service, 0), 0.0);
    assert_double_exact(percentile_of(service, 100), obs_latency_max());
    assert_double_exact(obs_latency_max(), 4294967296.0);
    obs_platform_free(platform);
}

static void test_histogram_memory_is_bounded(void **state)
{
    obs_histogram_t *histogram = NULL;
    size_t idle;
    size_t decade;

    (void)state;
    assert_ok(obs_histogram_new(9, &histogram));
    idle = obs_histogram_memory(histogram);
    assert_true(idle <= 1024);
    for (int i = 0; i < 1000000; i++)
        assert_ok(obs_histogram_record(histogram, 20.0 + 180.0 * uniform01()));
    decade = obs_histogram_memory(histogram);
    if (decade > 16384)
        fail_msg("one decade takes %zu bytes", decade);
    for (int i = 0; i < 1000000; i++)
        assert_ok(obs_histogram_record(histogram, 20.0 + 180.0 * uniform01()));
    assert_int_equal(obs_histogram_memory(histogram), decade);
    obs_histogram_free(histogram);
}

static void test_histogram_edges(void **state)
{
    (void)state;
    assert_double_exact(obs_latency_edge(1000.0, 9), 1000.0);
    assert_double_exact(obs_latency_edge(1000.4, 9), 1000.0);
    assert_double_exact(obs_latency_edge(1000.6, 9), 1001.0);
    assert_double_exact(obs_latency_edge(2047.0, 9), 2048.0);
    assert_double_exact(obs_latency_edge(5.0, 9), 5.0);
    assert_double_exact(obs_latency_edge(2500.0, 9), 2500.0);
    assert_double_exact(obs_latency_edge(NAN, 9) != obs_latency_edge(NAN, 9),
                        1.0);
    assert_double_exact(obs_latency_edge(3.3, 0), 3.3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_histogram_within_error_of_exact),
        cmocka_unit_test(test_histogram_empty_reports_zero),
        cmocka_unit_test(test_histogram_merge_is_exact),
        cmocka_unit_test(test_histogram_merge_services),
        cmocka_unit_test(test_histogram_out_of_range),
        cmocka_unit_test(test_histogram_memory_is_bounded),
        cmocka_unit_test(test_histogram_edges),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
