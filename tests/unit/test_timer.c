/*
 * test_timer.c - timers and the OBS_TIMED block: the elapsed time of a
 * real sleep is recorded as one request with the given outcome.
 */
#include <time.h>

#include "test_util.h"

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0) {
    }
}

/* Timers read CLOCK_MONOTONIC whatever the platform's clock says. */
static void test_timer_records_a_20ms_sleep(void **state)
{
    struct test_clock clock = {5};
    obs_platform_t *platform = NULL;
    obs_service_t *service;
    obs_config_t config;
    obs_timer_t timer;
    obs_service_stats_t stats;
    double elapsed = -1.0;

    (void)state;
    obs_config_init(&config);
    config.latency_store = OBS_STORE_EXACT;
    config.clock = test_clock_read;
    config.clock_user = &clock;
    assert_ok(obs_platform_new(&config, &platform));
    service = add_service(platform, "sleeper");

    assert_ok(obs_timer_start(service, &timer));
    sleep_ms(20);
    assert_ok(obs_timer_stop(&timer, true, &elapsed));

    stats = stats_of(service);
    assert_int_equal(stats.requests, 1);
    assert_int_equal(stats.errors, 0);
    assert_double_exact(stats.latency_sum_ms, elapsed);
    if (!(elapsed >= 20.0 && elapsed <= 40.0))
        fail_msg("a 20 ms sleep took %.3f ms", elapsed);
    obs_platform_free(platform);
}

static void test_timer_stop_twice_records_once(void **state)
{
    obs_platform_t *platform = new_platform(OBS_STORE_EXACT);
    obs_service_t *service = add_service(platform, "once");
    obs_timer_t timer;
    double elapsed = -1.0;

    (void)state;
    assert_ok(obs_timer_start(service, &timer));
    assert_ok(obs_timer_stop(&timer, false, NULL));
    assert_int_equal(obs_timer_stop(&timer, true, &elapsed), OBS_EINVAL);
    assert_double_exact(elapsed, -1.0);
    assert_int_equal(stats_of(service).requests, 1);
    assert_int_equal(stats_of(service).errors, 1);

    /* Started again, it records again. */
    assert_ok(obs_timer_start(service, &timer));
    assert_ok(obs_timer_stop(&timer, true, NULL));
    assert_int_equal(stats_of(service).requests, 2);
    obs_platform_free(platform);
}

static void test_timer_bad_arguments_change_nothing(void **state)
{
    obs_platform_t *platform = new_platform(OBS_STORE_EXACT);
    obs_service_t *service = add_service(platform, "bad");
    obs_timer_t timer = {NULL, 77};

    (void)state;
    assert_int_equal(obs_timer_start(NULL, &timer), OBS_EINVAL);
    assert_null(timer.service);
    assert_int_equal(timer.start_ns, 77);
    assert_int_equal(obs_timer_start(service, NULL), OBS_EINVAL);
    assert_int_equal(obs_timer_stop(NULL, true, NULL), OBS_EINVAL);
    assert_int_equal(obs_timer_stop(&timer, true, NULL), OBS_EINVAL);
    assert_int_equal(stats_of(service).requests, 0);
    obs_platform_free(platform);
}

static bool run_timed(obs_service_t *service, int outcome)
{
    bool ok = false;

    OBS_TIMED(service, ok) {
        if (outcome < 0)
            break; /* leaves the block, still recorded as a failure */
        if (outcome == 2)
            return true; /* skips the recording */
        sleep_ms(2);
        ok = outcome == 1;
    }
    return ok;
}

static void test_timer_scoped_block(void **state)
{
    obs_platform_t *platform = new_platform(OBS_STORE_EXACT);
    obs_service_t *service = add_service(platform, "scoped");
    obs_service_stats_t stats;
    int runs = 0;

    (void)state;
    assert_true(run_timed(service, 1));
    assert_false(run_timed(service, 0));
    assert_false(run_timed(service, -1));
    assert_true(run_timed(service, 2));
    stats = stats_of(service);
    assert_int_equal(stats.requests, 3);
    assert_int_equal(stats.successes, 1);
    assert_int_equal(stats.errors, 2);
    assert_true(stats.p99_ms >= 2.0);

    /* The block runs once, nested blocks record on their own services,
     * and a NULL service runs the block and records nothing. */
    OBS_TIMED(service, true) {
        runs++;
        OBS_TIMED(NULL, true) {
            runs++;
        }
    }
    assert_int_equal(runs, 2);
    assert_int_equal(stats_of(service).requests, 4);
    obs_platform_free(platform);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timer_records_a_20ms_sleep),
        cmocka_unit_test(test_timer_stop_twice_records_once),
        cmocka_unit_test(test_timer_bad_arguments_change_nothing),
        cmocka_unit_test(test_timer_scoped_block),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
