/*
 * test_alert_engine.c - pending and hold times, hysteresis, subscribers,
 * SLOs, error budgets and burn-rate alerts, all on an injected clock.
 */
#include <math.h>

#include "test_util.h"

#define SECOND UINT64_C(1000000000)

struct fixture {
    struct test_clock clock;
    obs_platform_t *platform;
    obs_service_t *service;
    obs_alert_t events[64];
    size_t event_count;
};

static void collect(const obs_alert_t *alert, void *user)
{
    struct fixture *f = user;

    if (f->event_count < 64)
        f->events[f->event_count] = *alert;
    f->event_count++;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    obs_config_t config;

    if (f == NULL)
        return -1;
    obs_config_init(&config);
    config.clock = test_clock_read;
    config.clock_user = &f->clock;
    config.alert_history = 1000;
    if (obs_platform_new(&config, &f->platform) != OBS_OK ||
        obs_platform_register(f->platform, "payments", &f->service) !=
            OBS_OK ||
        obs_platform_subscribe(f->platform, collect, f, NULL) != OBS_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    obs_platform_free(f->platform);
    free(f);
    return 0;
}

static void record(struct fixture *f, int ok, int failed)
{
    for (int i = 0; i < ok; i++)
        assert_ok(obs_record_request(f->service, 10.0, true));
    for (int i = 0; i < failed; i++)
        assert_ok(obs_record_request(f->service, 10.0, false));
}

static size_t evaluate(struct fixture *f)
{
    size_t raised = 999;

    f->clock.now_ns += SECOND;
    assert_ok(obs_platform_evaluate(f->platform, &raised));
    return raised;
}

static obs_severity_t last_severity(struct fixture *f)
{
    assert_true(f->event_count > 0);
    return f->events[f->event_count - 1].severity;
}

/* 90 ok + 10 failed, then +1 failed, +1 ok, +9 ok, +1 failed, +9 ok. */
static void test_alert_engine_error_rate_sequence(void **state)
{
    struct fixture *f = *state;

    record(f, 90, 10);
    assert_int_equal(evaluate(f), 1);
    assert_int_equal(last_severity(f), OBS_SEVERITY_WARNING);
    record(f, 0, 1);
    assert_int_equal(evaluate(f), 1);
    assert_int_equal(last_severity(f), OBS_SEVERITY_CRITICAL);
    record(f, 1, 0);
    assert_int_equal(evaluate(f), 0);
    record(f, 9, 0);
    assert_int_equal(evaluate(f), 1);
    assert_int_equal(last_severity(f), OBS_SEVERITY_WARNING);
    record(f, 0, 1);
    assert_int_equal(evaluate(f), 1);
    assert_int_equal(last_severity(f), OBS_SEVERITY_CRITICAL);
    record(f, 9, 0);
    assert_int_equal(evaluate(f), 1);
    assert_int_equal(last_severity(f), OBS_SEVERITY_WARNING);
    assert_int_equal(evaluate(f), 0);
    assert_int_equal(f->event_count, 5);
    assert_int_equal(obs_platform_alert_total(f->platform), 5);
    assert_string_equal(f->events[4].rule, "health");
    assert_int_equal(f->events[4].state, OBS_ALERT_FIRING);
}

/* The same with "leave CRITICAL only below 8%": 9.9% stays critical. */
static void test_alert_engine_hysteresis(void **state)
{
    struct fixture *f = *state;
    obs_thresholds_t t;
    obs_health_t health;

    obs_thresholds_init(&t);
    t.critical_exit_error_rate = 0.08;
    assert_ok(obs_platform_set_thresholds(f->platform, &t));
    record(f, 90, 10);
    assert_int_equal(evaluate(f), 1);
    record(f, 0, 1);
    assert_int_equal(evaluate(f), 1);
    record(f, 1, 0);
    assert_int_equal(evaluate(f), 0);
    record(f, 9, 0);
    assert_int_equal(evaluate(f), 0);
    assert_ok(obs_service_health(f->service, &health));
    assert_int_equal(health, OBS_CRITICAL);
    record(f, 0, 1);
    assert_int_equal(evaluate(f), 0);
    record(f, 9, 0);
    assert_int_equal(evaluate(f), 0);
    assert_int_equal(f->event_count, 2);
    /* Below 8% it does leave: 12 errors in 151 requests is 7.9%. */
    record(f, 30, 0);
    assert_int_equal(evaluate(f), 1);
    assert_int_equal(last_severity(f), OBS_SEVERITY_WARNING);
    assert_int_equal(f->event_count, 3);
}

/* A spike that lasts one evaluation, with a pending time of two. */
static void test_alert_engine_pending_spike_raises_nothing(void **state)
{
    struct fixture *f = *state;
    obs_alert_rules_t rules;
    obs_alert_t active[4];

    obs_alert_rules_init(&rules);
    rules.pending_evaluations = 2;
    assert_ok(obs_platform_set_alert_rules(f->platform, &rules));
    assert_ok(obs_record_health_check(f->service, false)); /* DOWN */
    assert_int_equal(evaluate(f), 0);
    assert_int_equal(obs_platform_active_alerts(f->platform, active, 4), 1);
    assert_int_equal(active[0].state, OBS_ALERT_PENDING);
    assert_int_equal(active[0].severity, OBS_SEVERITY_PAGE);
    for (int i = 0; i < 99; i++)
        assert_ok(obs_record_health_check(f->service, true)); /* 99% up */
    assert_int_equal(evaluate(f), 0);
    assert_int_equal(obs_platform_active_alerts(f->platform, active, 4), 0);
    assert_int_equal(evaluate(f), 0);
    assert_int_equal(f->event_count, 0);

    /* Two evaluations in a row do fire, once. */
    for (int i = 0; i < 10; i++)
        assert_ok(obs_record_health_check(f->service, false));
    assert_int_equal(evaluate(f), 0);
    assert_int_equal(evaluate(f), 1);
    assert_int_equal(last_severity(f), OBS_SEVERITY_PAGE);
    assert_int_equal(evaluate(f), 0);
}

/* Pending in time: the state must hold 30 s. */
static void test_alert_engine_pending_time(void **state)
{
    struct fixture *f = *state;
    obs_alert_rules_t rules;

    obs_alert_rules_init(&rules);
    rules.pending_ns = 30 * SECOND;
    assert_ok(obs_service_set_alert_rules(f->service, &rules));
    record(f, 0, 10);
    for (int s = 1; s <= 30; s++) /* first seen at 1 s */
        assert_int_equal(evaluate(f), 0);
    assert_int_equal(evaluate(f), 1); /* 30 s after it was first seen */
    assert_int_equal(last_severity(f), OBS_SEVERITY_CRITICAL);
    assert_int_equal(f->events[0].started_ns, 1 * SECOND);
    assert_int_equal(f->events[0].time_ns, 31 * SECOND);
}

/* Hold: a firing alert resolves only after the condition stayed clear. */
static void test_alert_engine_hold_time(void **state)
{
    struct fixture *f = *state;
    obs_alert_rules_t rules;
    obs_alert_t active[4];

    obs_alert_rules_init(&rules);
    rules.hold_ns = 10 * SECOND;
    assert_ok(obs_platform_set_alert_rules(f->platform, &rules));
    assert_ok(obs_record_health_check(f->service, false));
    assert_int_equal(evaluate(f), 1);
    for (int i = 0; i < 99; i++)
        assert_ok(obs_record_health_check(f->service, true));
    for (int s = 0; s < 10; s++) {
        assert_int_equal(evaluate(f), 0);
        assert_int_equal(obs_platform_active_alerts(f->platform, active, 4),
                         1);
        assert_int_equal(active[0].state, OBS_ALERT_FIRING);
    }
    assert_int_equal(evaluate(f), 1);
    assert_int_equal(f->events[1].state, OBS_ALERT_RESOLVED);
    assert_int_equal(f->events[1].severity, OBS_SEVERITY_RESOLVED);
    assert_int_equal(f->events[1].ended_ns, 12 * SECOND);
    assert_int_equal(obs_platform_active_alerts(f->platform, active, 4), 0);
}

/* A resolved notice only follows an alert that fired. */
static void test_alert_engine_no_resolve_without_fire(void **state)
{
    struct fixture *f = *state;
    obs_alert_rules_t rules;

    obs_alert_rules_init(&rules);
    rules.pending_evaluations = 3;
    assert_ok(obs_platform_set_alert_rules(f->platform, &rules));
    record(f, 0, 5);
    assert_int_equal(evaluate(f), 0);
    assert_int_equal(evaluate(f), 0);
    record(f, 1000, 0);
    for (int i = 0; i < 5; i++)
        assert_int_equal(evaluate(f), 0);
    assert_int_equal(f->event_count, 0);
}

/* ---- subscribers --------------------------------------------------------- */

struct reentrant {
    obs_platform_t *platform;
    int calls;
    size_t report_length;
    obs_status_t nested;
};

static void reenter(const obs_alert_t *alert, void *user)
{
    struct reentrant *r = user;
    obs_service_t *extra = NULL;
    size_t raised = 0;

    (void)alert;
    r->calls++;
    obs_platform_write_json(r->platform, OBS_REPORT_ALERT_DETAILS, NULL, 0,
                            &r->report_length);
    obs_platform_register(r->platform, "from-callback", &extra);
    r->nested = obs_platform_evaluate(r->platform, &raised);
    obs_platform_subscribe(r->platform, reenter, r, NULL);
}

static void test_alert_engine_subscriber_reenters(void **state)
{
    struct fixture *f = *state;
    struct reentrant r = {f->platform, 0, 0, OBS_EINVAL};
    obs_service_t *found;
    unsigned id;

    assert_ok(obs_platform_subscribe(f->platform, reenter, &r, &id));
    assert_ok(obs_record_health_check(f->service, false));
    assert_int_equal(evaluate(f), 1);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.nested, OBS_OK);
    assert_true(r.report_length > 100);
    assert_ok(obs_platform_find(f->platform, "from-callback", &found));
    assert_int_equal(f->event_count, 1);
    assert_ok(obs_platform_unsubscribe(f->platform, id));
    assert_int_equal(obs_platform_unsubscribe(f->platform, id), OBS_ENOENT);
    assert_int_equal(obs_platform_subscribe(f->platform, NULL, NULL, NULL),
                     OBS_EINVAL);
}

/* ---- SLOs ---------------------------------------------------------------- */

static obs_slo_t *availability_slo(struct fixture *f)
{
    obs_slo_config_t config;
    obs_slo_t *slo = NULL;

    obs_slo_config_init(&config, OBS_SLO_REQUESTS, 0.999);
    assert_ok(obs_service_add_slo(f->service, "availability", &config,
                                  &slo));
    return slo;
}

static void test_alert_engine_budget_half_spent(void **state)
{
    struct fixture *f = *state;
    obs_slo_t *slo = availability_slo(f);
    obs_slo_status_t st;

    for (int i = 0; i < 1000000; i++)
        assert_ok(obs_record_request(f->service, 20.0, i % 2000 != 0));
    f->clock.now_ns = 3600 * SECOND;
    assert_ok(obs_slo_status(slo, &st));
    assert_string_equal(st.name, "availability");
    assert_int_equal(st.total, 1000000);
    assert_int_equal(st.good, 999500);
    assert_double_exact(st.objective, 0.999);
    assert_double_exact(st.error_budget, 1000.0);
    assert_double_exact(st.budget_remaining, 0.5);
    assert_double_exact(st.attained, 0.9995);
}

static void test_alert_engine_slo_kinds_and_checks(void **state)
{
    struct fixture *f = *state;
    obs_slo_config_t config;
    obs_slo_t *latency = NULL;
    obs_slo_t *checks = NULL;
    obs_slo_status_t st;

    obs_slo_config_init(&config, OBS_SLO_LATENCY, 0.99);
    config.latency_ms = 300.0;
    assert_ok(obs_service_add_slo(f->service, "fast", &config, &latency));
    obs_slo_config_init(&config, OBS_SLO_HEALTH_CHECKS, 0.9);
    assert_ok(obs_service_add_slo(f->service, "up", &config, &checks));
    assert_int_equal(obs_service_add_slo(f->service, "up", &config, NULL),
                     OBS_EEXIST);
    assert_int_equal(obs_service_add_slo(f->service, "bad name", &config,
                                         NULL),
                     OBS_EINVAL);
    config.objective = 1.0;
    assert_int_equal(obs_service_add_slo(f->service, "x", &config, NULL),
                     OBS_EINVAL);
    assert_int_equal(obs_service_slo_count(f->service), 2);
    assert_ptr_equal(obs_service_slo_at(f->service, 1), checks);

    for (int i = 0; i < 100; i++)
        assert_ok(obs_record_request(f->service, i < 98 ? 300.0 : 300.5,
                                     true));
    for (int i = 0; i < 20; i++)
        assert_ok(obs_record_health_check(f->service, i != 0));
    assert_ok(obs_slo_status(latency, &st));
    assert_int_equal(st.good, 98);
    assert_int_equal(st.total, 100);
    assert_double_exact(st.budget_remaining, -1.0);
    assert_ok(obs_slo_status(checks, &st));
    assert_int_equal(st.good, 19);
    assert_int_equal(st.total, 20);
    assert_double_exact(st.budget_remaining, 0.5);
}

/* Steady 10 requests a second; `fail_every` > 0 fails one request in
 * that many. Returns the seconds until `rule` fires a page, or -1. */
static int run_until_page(struct fixture *f, int seconds, int fail_every,
                          const char *rule, int *request_number)
{
    for (int s = 1; s <= seconds; s++) {
        size_t before = f->event_count;

        for (int i = 0; i < 10; i++) {
            int n = (*request_number)++;
            bool fail = fail_every > 0 && n % fail_every == 0;

            assert_ok(obs_record_request(f->service, 10.0, !fail));
        }
        evaluate(f);
        for (size_t e = before; e < f->event_count && e < 64; e++)
            if (f->events[e].severity == OBS_SEVERITY_PAGE &&
                strcmp(f->events[e].rule, rule) == 0)
                return s;
    }
    return -1;
}

static void test_alert_engine_fast_burn_pages_within_a_minute(void **state)
{
    struct fixture *f = *state;
    obs_slo_t *slo = availability_slo(f);
    int n = 1;
    int paged;
    int resolved = -1;
    double rate;

    assert_int_equal(run_until_page(f, 3600, 0, "slo:availability:1h/5m",
                                    &n),
                     -1);
    paged = run_until_page(f, 120, 1, "slo:availability:1h/5m", &n);
    if (paged < 50 || paged > 60)
        fail_msg("paged %d s after the burst started", paged);

    /* Let the burst run to two minutes, then recover. */
    for (int s = paged + 1; s <= 120; s++) {
        record(f, 0, 10);
        evaluate(f);
    }
    for (int s = 1; s <= 600 && resolved < 0; s++) {
        size_t before = f->event_count;

        record(f, 10, 0);
        evaluate(f);
        for (size_t e = before; e < f->event_count && e < 64; e++)
            if (strcmp(f->events[e].rule, "slo:availability:1h/5m") == 0 &&
                f->events[e].state == OBS_ALERT_RESOLVED)
                resolved = s;
        assert_ok(obs_slo_burn_rate(slo, 300 * SECOND, &rate));
        if (resolved < 0 && !(rate >= 14.4))
            fail_msg("5 min burn rate %g but still paging at %d s", rate, s);
    }
    if (resolved < 0)
        fail_msg("the page never resolved");
    assert_true(rate < 14.4);
}

static void test_alert_engine_slow_burn_pages_after_43_minutes(void **state)
{
    struct fixture *f = *state;
    int n = 1;
    int paged;

    availability_slo(f);
    assert_int_equal(run_until_page(f, 6 * 3600, 0, "slo:availability:1h/5m",
                                    &n),
                     -1);
    paged = run_until_page(f, 3600, 50, "slo:availability:1h/5m", &n);
    if (paged < 42 * 60 || paged > 45 * 60)
        fail_msg("a 2%% burst paged after %d s", paged);
}

static void test_alert_engine_min_traffic_guard(void **state)
{
    struct fixture *f = *state;
    obs_slo_t *slo = availability_slo(f);
    obs_slo_status_t st;
    double rate;

    record(f, 5, 5);
    assert_int_equal(evaluate(f), 1); /* the health alert, not a page */
    assert_string_equal(f->events[0].rule, "health");
    assert_ok(obs_slo_burn_rate(slo, 300 * SECOND, &rate));
    assert_double_exact(rate, 500.0);
    assert_ok(obs_slo_status(slo, &st));
    assert_int_equal(st.alert, OBS_SEVERITY_RESOLVED);
    assert_int_equal(evaluate(f), 0);
}

/* Windows of a millisecond and a clock at its very end: every call must
 * return (a loop up to UINT64_MAX once never did). */
static void test_alert_engine_slo_at_end_of_clock(void **state)
{
    struct fixture *f = *state;
    obs_slo_config_t config;
    obs_slo_t *slo = NULL;
    obs_slo_status_t st;
    double rate;

    obs_slo_config_init(&config, OBS_SLO_REQUESTS, 0.99);
    config.period_ns = 1000000;
    config.burn_alert_count = 1;
    config.burn_alerts[0].long_window_ns = 1000000;
    config.burn_alerts[0].short_window_ns = 1000000;
    assert_ok(obs_service_add_slo(f->service, "tiny", &config, &slo));
    config.burn_alerts[0].short_window_ns = 999999;
    assert_int_equal(obs_service_add_slo(f->service, "tinier", &config,
                                         NULL),
                     OBS_EINVAL);
    record(f, 5, 5);
    f->clock.now_ns = UINT64_MAX;
    assert_ok(obs_platform_evaluate(f->platform, NULL));
    assert_ok(obs_slo_status(slo, &st));
    assert_int_equal(st.total, 10);
    assert_ok(obs_slo_burn_rate(slo, 1000000, &rate));
    assert_double_exact(rate, 50.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_alert_engine_error_rate_sequence,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_alert_engine_hysteresis, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_alert_engine_pending_spike_raises_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alert_engine_pending_time, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_alert_engine_hold_time, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_alert_engine_no_resolve_without_fire, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_alert_engine_subscriber_reenters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alert_engine_budget_half_spent,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_alert_engine_slo_kinds_and_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_alert_engine_fast_burn_pages_within_a_minute, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            test_alert_engine_slow_burn_pages_after_43_minutes, setup,
            teardown),
        cmocka_unit_test_setup_teardown(test_alert_engine_min_traffic_guard,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_alert_engine_slo_at_end_of_clock,
                                        setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
