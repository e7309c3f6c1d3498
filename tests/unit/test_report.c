/*
 * test_report.c - the JSON report: layout, escaping, locale, buffers.
 */
#include <locale.h>

#include "test_util.h"

static const char empty_report[] =
    "{\n"
    "  \"overall_health\": \"healthy\",\n"
    "  \"service_count\": 0,\n"
    "  \"alert_count\": 0,\n"
    "  \"services\": [],\n"
    "  \"alerts\": [],\n"
    "  \"summary\": {\n"
    "    \"healthy\": 0,\n"
    "    \"degraded\": 0,\n"
    "    \"critical\": 0,\n"
    "    \"down\": 0\n"
    "  }\n"
    "}";

static void test_report_empty_platform(void **state)
{
    obs_platform_t *platform = new_platform(OBS_STORE_HISTOGRAM);
    char buffer[1024];
    size_t length = 0;

    (void)state;
    assert_ok(obs_platform_write_json(platform, 0, buffer, sizeof buffer,
                                      &length));
    assert_string_equal(buffer, empty_report);
    assert_int_equal(length, strlen(empty_report));
    obs_platform_free(platform);
}

static const char one_service[] =
    "{\n"
    "  \"overall_health\": \"critical\",\n"
    "  \"service_count\": 1,\n"
    "  \"alert_count\": 1,\n"
    "  \"services\": [\n"
    "    {\n"
    "      \"name\": \"a\\\"b\\\\c\\nd \\u00e9\\ud83d\\ude80\\u007f\",\n"
    "      \"requests\": 3,\n"
    "      \"error_rate_pct\": 33.33,\n"
    "      \"availability_pct\": 66.67,\n"
    "      \"p50_ms\": 2.5,\n"
    "      \"p95_ms\": 1234.6,\n"
    "      \"p99_ms\": 1234.6,\n"
    "      \"health\": \"critical\"\n"
    "    }\n"
    "  ],\n"
    "  \"alerts\": [\n"
    "    {\n"
    "      \"service\": \"a\\\"b\\\\c\\nd \\u00e9\\ud83d\\ude80\\u007f\",\n"
    "      \"severity\": \"critical\",\n"
    "      \"message\": \"a\\\"b\\\\c\\nd \\u00e9\\ud83d\\ude80\\u007f: "
    "error_rate=33.3%, p99=1235ms\"\n"
    "    }\n"
    "  ],\n"
    "  \"summary\": {\n"
    "    \"healthy\": 0,\n"
    "    \"degraded\": 0,\n"
    "    \"critical\": 1,\n"
    "    \"down\": 0\n"
    "  }\n"
    "}";

static obs_platform_t *platform_with_odd_name(void)
{
    obs_platform_t *platform = new_platform(OBS_STORE_EXACT);
    obs_service_t *service =
        add_service(platform, "a\"b\\c\nd \xc3\xa9\xf0\x9f\x9a\x80\x7f");
    obs_thresholds_t t;

    obs_thresholds_init(&t);
    t.down_availability_pct = 50;
    assert_ok(obs_platform_set_thresholds(platform, &t));
    assert_ok(obs_record_request(service, 2.5, true));
    assert_ok(obs_record_request(service, 1.25, false));
    assert_ok(obs_record_request(service, 1234.56, true));
    assert_ok(obs_record_health_check(service, true));
    assert_ok(obs_record_health_check(service, true));
    assert_ok(obs_record_health_check(service, false));
    assert_ok(obs_platform_evaluate(platform, NULL));
    return platform;
}

static void test_report_escapes_and_rounds(void **state)
{
    obs_platform_t *platform = platform_with_odd_name();
    char buffer[4096];

    (void)state;
    assert_ok(obs_platform_write_json(platform, 0, buffer, sizeof buffer,
                                      NULL));
    assert_string_equal(buffer, one_service);
    obs_platform_free(platform);
}

/* With a decimal comma locale, numbers must still use a point. */
static void test_report_ignores_locale(void **state)
{
    obs_platform_t *platform = platform_with_odd_name();
    char buffer[4096];
    char check[16];

    (void)state;
    if (setlocale(LC_ALL, "de_DE.UTF-8") == NULL)
        fail_msg("locale de_DE.UTF-8 is missing (tests/deps.sh makes it)");
    snprintf(check, sizeof check, "%.1f", 2.5);
    assert_string_equal(check, "2,5"); /* the locale really is active */
    assert_ok(obs_platform_write_json(platform, 0, buffer, sizeof buffer,
                                      NULL));
    setlocale(LC_ALL, "C");
    assert_string_equal(buffer, one_service);
    obs_platform_free(platform);
}

static void test_report_buffer_too_small(void **state)
{
    obs_platform_t *platform = new_platform(OBS_STORE_HISTOGRAM);
    char buffer[16];
    size_t length = 0;

    (void)state;
    memset(buffer, 'x', sizeof buffer);
    assert_int_equal(obs_platform_write_json(platform, 0, buffer,
                                             sizeof buffer, &length),
                     OBS_ENOSPC);
    assert_int_equal(length, strlen(empty_report));
    assert_int_equal(strlen(buffer), sizeof buffer - 1);
    assert_memory_equal(buffer, empty_report, sizeof buffer - 1);
    length = 0;
    assert_int_equal(obs_platform_write_json(platform, 0, NULL, 0, &length),
                     OBS_ENOSPC);
    assert_int_equal(length, strlen(empty_report));
    assert_int_equal(obs_platform_write_json(platform, 0, NULL, 5, &length),
                     OBS_EINVAL);
    assert_int_equal(obs_platform_write_json(platform, 0x80, buffer,
                                             sizeof buffer, &length),
                     OBS_EINVAL);
    assert_int_equal(obs_platform_print_json(platform, 0, NULL), OBS_EINVAL);
    obs_platform_free(platform);
}

static void test_report_alert_details(void **state)
{
    obs_platform_t *platform = new_platform(OBS_STORE_HISTOGRAM);
    obs_service_t *api = add_service(platform, "api");
    char buffer[2048];

    (void)state;
    assert_ok(obs_record_health_check(api, false));
    assert_ok(obs_platform_evaluate(platform, NULL));
    assert_ok(obs_platform_write_json(platform, OBS_REPORT_ALERT_DETAILS,
                                      buffer, sizeof buffer, NULL));
    assert_non_null(strstr(buffer, "\"sequence\": 1,\n"));
    assert_non_null(strstr(buffer, "\"from\": \"healthy\",\n"));
    assert_non_null(strstr(buffer, "\"to\": \"down\"\n"));
    assert_non_null(strstr(buffer, "\"time_ns\": "));
    obs_platform_free(platform);
}

/* The most recent 20 alerts, oldest first; the count is the total. */
static void test_report_lists_last_twenty_alerts(void **state)
{
    obs_platform_t *platform = new_platform(OBS_STORE_HISTOGRAM);
    char name[16];
    char *buffer = malloc(65536);

    (void)state;
    assert_non_null(buffer);
    for (int i = 0; i < 25; i++) {
        snprintf(name, sizeof name, "s%02d", i);
        assert_ok(obs_record_health_check(add_service(platform, name),
                                          false));
    }
    assert_ok(obs_platform_evaluate(platform, NULL));
    assert_ok(obs_platform_write_json(platform, 0, buffer, 65536, NULL));
    assert_non_null(strstr(buffer, "\"alert_count\": 25,"));
    assert_null(strstr(buffer, "\"service\": \"s04\""));
    assert_non_null(strstr(buffer, "\"service\": \"s05\""));
    assert_true(strstr(buffer, "\"service\": \"s05\"") <
                strstr(buffer, "\"service\": \"s24\""));
    free(buffer);
    obs_platform_free(platform);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_empty_platform),
        cmocka_unit_test(test_report_escapes_and_rounds),
        cmocka_unit_test(test_report_ignores_locale),
        cmocka_unit_test(test_report_buffer_too_small),
        cmocka_unit_test(test_report_alert_details),
        cmocka_unit_test(test_report_lists_last_twenty_alerts),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
