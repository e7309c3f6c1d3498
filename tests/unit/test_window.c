/*
 * test_window.c - rolling time windows driven by an injected clock.
 */
#include "test_util.h"

#define SECOND UINT64_C(1000000000)

struct window_fixture {
    struct test_clock clock;
    obs_platform_t *platform;
    obs_service_t *service;
};

static int setup_window(void **state)
{
    struct window_fixture *f = calloc(1, sizeof *f);
    obs_config_t config;

    if (f == NULL)
        return -1;
    obs_config_init(&config);
    config.window_slots = 10;
    config.slot_ns = SECOND;
    config.clock = test_clock_read;
    config.clock_user = &f->clock;
    if (obs_platform_new(&config, &f->platform) != OBS_OK ||
        obs_platform_register(f->platform, "api", &f->service) != OBS_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown_window(void **state)
{
    struct window_fixture *f = *state;

    obs_platform_free(f->platform);
    free(f);
    return 0;
}

static obs_service_stats_t view_of(struct window_fixture *f, obs_view_t view)
{
    obs_service_stats_t stats;

    assert_ok(obs_service_stats(f->service, view, &stats));
    return stats;
}

static void test_window_rotates_and_forgets(void **state)
{
    struct window_fixture *f = *state;
    obs_service_stats_t window;

    for (int i = 0; i < 10; i++) {
        f->clock.now_ns = (uint64_t)i * SECOND + SECOND / 2;
        assert_ok(obs_record_request_at(f->service, f->clock.now_ns, 3.0,
                                        true));
    }
    assert_int_equal(view_of(f, OBS_VIEW_WINDOW).requests, 10);

    f->clock.now_ns = 25 * SECOND + SECOND / 2;
    assert_ok(obs_record_request_at(f->service, f->clock.now_ns, 7.0, true));
    window = view_of(f, OBS_VIEW_WINDOW);
    assert_int_equal(window.requests, 1);
    assert_double_exact(window.p99_ms, 7.0);
    assert_int_equal(view_of(f, OBS_VIEW_LIFETIME).requests, 11);

    f->clock.now_ns = 60 * SECOND;
    window = view_of(f, OBS_VIEW_WINDOW);
    assert_int_equal(window.requests, 0);
    assert_double_exact(window.p99_ms, 0.0);
    assert_int_equal(view_of(f, OBS_VIEW_LIFETIME).requests, 11);
    assert_double_exact(view_of(f, OBS_VIEW_LIFETIME).p99_ms, 7.0);
}

/* A gap shorter than the window drops exactly the slots it skipped. */
static void test_window_gap_clears_skipped_slots(void **state)
{
    struct window_fixture *f = *state;

    for (int i = 0; i < 5; i++) {
        f->clock.now_ns = (uint64_t)i * SECOND;
        assert_ok(obs_record_request_at(f->service, f->clock.now_ns, 1.0,
                                        i == 4));
    }
    f->clock.now_ns = 12 * SECOND; /* the window is now slots 3..12 */
    assert_ok(obs_record_request(f->service, 2.0, true));
    assert_int_equal(view_of(f, OBS_VIEW_WINDOW).requests, 3);
    assert_int_equal(view_of(f, OBS_VIEW_WINDOW).errors, 1);
    assert_int_equal(view_of(f, OBS_VIEW_LIFETIME).requests, 6);
    assert_int_equal(view_of(f, OBS_VIEW_LIFETIME).errors, 4);
}

/* A clock that goes back never brings old data back, and never breaks. */
static void test_window_clock_going_back(void **state)
{
    struct window_fixture *f = *state;

    f->clock.now_ns = 5 * SECOND;
    assert_ok(obs_record_request_at(f->service, f->clock.now_ns, 1.0, true));
    f->clock.now_ns = 30 * SECOND;
    assert_ok(obs_record_request_at(f->service, f->clock.now_ns, 2.0, true));
    f->clock.now_ns = 5 * SECOND; /* back in time */
    assert_ok(obs_record_request_at(f->service, f->clock.now_ns, 3.0, true));
    assert_int_equal(view_of(f, OBS_VIEW_WINDOW).requests, 2);
    f->clock.now_ns = UINT64_MAX; /* about to wrap */
    assert_int_equal(view_of(f, OBS_VIEW_WINDOW).requests, 0);
    f->clock.now_ns = 0; /* wrapped */
    assert_ok(obs_record_request_at(f->service, 0, 4.0, true));
    assert_int_equal(view_of(f, OBS_VIEW_WINDOW).requests, 1);
    assert_int_equal(view_of(f, OBS_VIEW_LIFETIME).requests, 4);
}

/* Health follows the window by default: an old outage is forgotten. */
static void test_window_health_recovers(void **state)
{
    struct window_fixture *f = *state;
    obs_health_t health;
    size_t raised;

    for (int i = 0; i < 20; i++)
        assert_ok(obs_record_request_at(f->service, SECOND, 5.0, false));
    assert_ok(obs_service_health(f->service, &health));
    assert_int_equal(health, OBS_CRITICAL);
    assert_ok(obs_platform_evaluate(f->platform, &raised));
    assert_int_equal(raised, 1);
    f->clock.now_ns = 11 * SECOND;
    assert_ok(obs_service_health(f->service, &health));
    assert_int_equal(health, OBS_HEALTHY);
    assert_ok(obs_platform_evaluate(f->platform, &raised));
    assert_int_equal(raised, 1);
    assert_int_equal(view_of(f, OBS_VIEW_LIFETIME).health, OBS_CRITICAL);
}

/* Without a timestamp, records go to the slot of the last clock read. */
static void test_window_tick_moves_slot(void **state)
{
    struct window_fixture *f = *state;

    assert_ok(obs_record_request(f->service, 1.0, true));
    f->clock.now_ns = 15 * SECOND;
    assert_ok(obs_platform_tick(f->platform));
    assert_ok(obs_record_request(f->service, 1.0, true));
    assert_ok(obs_record_health_check(f->service, true));
    assert_int_equal(view_of(f, OBS_VIEW_WINDOW).requests, 1);
    assert_int_equal(view_of(f, OBS_VIEW_WINDOW).health_checks, 1);
    assert_int_equal(obs_platform_tick(NULL), OBS_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_window_rotates_and_forgets,
                                        setup_window, teardown_window),
        cmocka_unit_test_setup_teardown(test_window_gap_clears_skipped_slots,
                                        setup_window, teardown_window),
        cmocka_unit_test_setup_teardown(test_window_clock_going_back,
                                        setup_window, teardown_window),
        cmocka_unit_test_setup_teardown(test_window_health_recovers,
                                        setup_window, teardown_window),
        cmocka_unit_test_setup_teardown(test_window_tick_moves_slot,
                                        setup_window, teardown_window),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
