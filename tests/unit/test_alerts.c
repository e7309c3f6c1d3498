/*
 * test_alerts.c - alerts fire on changes of health only.
 */
#include "test_util.h"

static size_t evaluate(obs_platform_t *platform)
{
    size_t raised = 999;

    assert_ok(obs_platform_evaluate(platform, &raised));
    return raised;
}

static void test_alerts_down_pages_once_then_resolves(void **state)
{
    obs_platform_t *platform = new_platform(OBS_STORE_HISTOGRAM);
    obs_service_t *db = add_service(platform, "db");
    obs_service_t *web = add_service(platform, "web");
    obs_alert_t alerts[4];
    obs_health_t overall;

    (void)state;
    assert_ok(obs_record_request(web, 10.0, true));
    assert_ok(obs_record_health_check(db, false));
    assert_int_equal(evaluate(platform), 1);
    assert_int_equal(obs_platform_recent_alerts(platform, alerts, 4), 1);
    assert_string_equal(alerts[0].service, "db");
    assert_int_equal(alerts[0].severity, OBS_SEVERITY_PAGE);
    assert_int_equal(alerts[0].from, OBS_HEALTHY);
    assert_int_equal(alerts[0].to, OBS_DOWN);
    assert_int_equal(alerts[0].sequence, 1);
    assert_string_equal(alerts[0].message,
                        "db: service DOWN, availability=0.0%");
    assert_ok(obs_platform_health(platform, &overall));
    assert_int_equal(overall, OBS_DOWN);

    assert_int_equal(evaluate(platform), 0);
    assert_int_equal(obs_platform_alert_total(platform), 1);

    /* 19 passing checks of 20: 95% is not below 95, so up again. */
    for (int i = 0; i < 19; i++)
        assert_ok(obs_record_health_check(db, true));
    assert_int_equal(evaluate(platform), 1);
    assert_int_equal(obs_platform_recent_alerts(platform, alerts, 4), 2);
    assert_int_equal(alerts[1].severity, OBS_SEVERITY_RESOLVED);
    assert_int_equal(alerts[1].from, OBS_DOWN);
    assert_int_equal(alerts[1].to, OBS_HEALTHY);
    assert_string_equal(alerts[1].message, "db: healthy again, was down");
    assert_ok(obs_platform_health(platform, &overall));
    assert_int_equal(overall, OBS_HEALTHY);
    assert_int_equal(evaluate(platform), 0);
    assert_int_equal(obs_platform_alert_total(platform), 2);
    obs_platform_free(platform);
}

static void test_alerts_messages_match_reference(void **state)
{
    obs_platform_t *platform = new_platform(OBS_STORE_EXACT);
    obs_service_t *slow = add_service(platform, "slow");
    obs_service_t *failing = add_service(platform, "failing");
    obs_alert_t alerts[2];

    (void)state;
    for (int i = 0; i < 100; i++)
        assert_ok(obs_record_request(slow, 600.0, true));
    for (int i = 0; i < 8; i++)
        assert_ok(obs_record_request(failing, 1234.4, i < 5));
    assert_int_equal(evaluate(platform), 2);
    assert_int_equal(obs_platform_recent_alerts(platform, alerts, 2), 2);
    assert_int_equal(alerts[0].severity, OBS_SEVERITY_WARNING);
    assert_string_equal(alerts[0].message, "slow: degraded performance");
    assert_int_equal(alerts[1].severity, OBS_SEVERITY_CRITICAL);
    assert_string_equal(alerts[1].message,
                        "failing: error_rate=37.5%, p99=1234ms");
    obs_platform_free(platform);
}

static void test_alerts_escalation_each_change_once(void **state)
{
    obs_platform_t *platform = new_platform(OBS_STORE_HISTOGRAM);
    obs_service_t *api = add_service(platform, "api");
    obs_alert_t alerts[8];

    (void)state;
    for (int i = 0; i < 90; i++)
        assert_ok(obs_record_request(api, 5.0, true));
    for (int i = 0; i < 6; i++)
        assert_ok(obs_record_request(api, 5.0, false));
    assert_int_equal(evaluate(platform), 1); /* 6.25%: degraded */
    assert_int_equal(evaluate(platform), 0);
    for (int i = 0; i < 6; i++)
        assert_ok(obs_record_request(api, 5.0, false));
    assert_int_equal(evaluate(platform), 1); /* 11.8%: critical */
    assert_int_equal(obs_platform_recent_alerts(platform, alerts, 8), 2);
    assert_int_equal(alerts[0].severity, OBS_SEVERITY_WARNING);
    assert_int_equal(alerts[1].severity, OBS_SEVERITY_CRITICAL);
    assert_int_equal(alerts[1].from, OBS_DEGRADED);
    obs_platform_free(platform);
}

static void test_alerts_history_is_bounded(void **state)
{
    obs_platform_t *platform = NULL;
    obs_service_t *api;
    obs_alert_t alerts[8];
    obs_config_t config;

    (void)state;
    obs_config_init(&config);
    config.alert_history = 3;
    assert_ok(obs_platform_new(&config, &platform));
    api = add_service(platform, "api");
    /* Availability stays 50%; moving the DOWN line across it flips the
     * health each time: 10 changes, 10 alerts. */
    assert_ok(obs_record_health_check(api, true));
    assert_ok(obs_record_health_check(api, false));
    for (int i = 0; i < 10; i++) {
        obs_thresholds_t t;

        obs_thresholds_init(&t);
        t.down_availability_pct = i % 2 == 0 ? 60.0 : 40.0;
        assert_ok(obs_service_set_thresholds(api, &t));
        assert_int_equal(evaluate(platform), 1);
    }
    assert_int_equal(obs_platform_alert_total(platform), 10);
    assert_int_equal(obs_platform_recent_alerts(platform, alerts, 8), 3);
    assert_int_equal(alerts[0].sequence, 8);
    assert_int_equal(alerts[1].sequence, 9);
    assert_int_equal(alerts[2].sequence, 10);
    assert_int_equal(obs_platform_recent_alerts(platform, alerts, 1), 1);
    assert_int_equal(alerts[0].sequence, 10);
    obs_platform_free(platform);
}

static void test_alerts_time_from_platform_clock(void **state)
{
    struct test_clock clock = {5000000000u};
    obs_platform_t *platform = NULL;
    obs_service_t *api;
    obs_alert_t alert;
    obs_config_t config;

    (void)state;
    obs_config_init(&config);
    config.clock = test_clock_read;
    config.clock_user = &clock;
    assert_ok(obs_platform_new(&config, &platform));
    api = add_service(platform, "api");
    assert_ok(obs_record_health_check(api, false));
    assert_int_equal(evaluate(platform), 1);
    assert_int_equal(obs_platform_recent_alerts(platform, &alert, 1), 1);
    assert_int_equal(alert.time_ns, 5000000000u);
    assert_int_equal(obs_platform_evaluate(NULL, NULL), OBS_EINVAL);
    obs_platform_free(platform);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alerts_down_pages_once_then_resolves),
        cmocka_unit_test(test_alerts_messages_match_reference),
        cmocka_unit_test(test_alerts_escalation_each_change_once),
        cmocka_unit_test(test_alerts_history_is_bounded),
        cmocka_unit_test(test_alerts_time_from_platform_clock),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
