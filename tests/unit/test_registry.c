/*
 * test_registry.c - registering and finding services, and name rules.
 */
#include "test_util.h"

static void test_registry_names_are_byte_exact(void **state)
{
    obs_platform_t *platform = new_platform(OBS_STORE_HISTOGRAM);
    obs_service_t *upper = add_service(platform, "Api");
    obs_service_t *lower = add_service(platform, "api");
    obs_service_t *found = NULL;

    (void)state;
    assert_ptr_not_equal(upper, lower);
    assert_ok(obs_platform_find(platform, "Api", &found));
    assert_ptr_equal(found, upper);
    assert_ok(obs_platform_find(platform, "api", &found));
    assert_ptr_equal(found, lower);
    assert_int_equal(obs_platform_find(platform, "API", &found), OBS_ENOENT);
    assert_ptr_equal(found, lower);
    obs_platform_free(platform);
}

static void test_registry_duplicate_is_refused(void **state)
{
    obs_platform_t *platform = new_platform(OBS_STORE_HISTOGRAM);
    obs_service_t *first = add_service(platform, "payments");
    obs_service_t *again = NULL;

    (void)state;
    assert_int_equal(obs_platform_register(platform, "payments", &again),
                     OBS_EEXIST);
    assert_ptr_equal(again, first);
    assert_int_equal(obs_platform_service_count(platform), 1);
    obs_platform_free(platform);
}

static void test_registry_invalid_names_refused(void **state)
{
    obs_platform_t *platform = new_platform(OBS_STORE_HISTOGRAM);
    char longest[OBS_SERVICE_NAME_MAX + 2];
    const char *bad[] = {
        "",
        "\xff",             /* never valid in UTF-8 */
        "caf\xc3",          /* truncated sequence */
        "\xc0\xaf",         /* overlong "/" */
        "\xed\xa0\x80",     /* a surrogate */
        "\xf4\x90\x80\x80", /* past U+10FFFF */
    };
    obs_service_t *service = NULL;

    (void)state;
    assert_int_equal(obs_platform_register(platform, NULL, &service),
                     OBS_EINVAL);
    assert_int_equal(obs_platform_register(NULL, "x", &service), OBS_EINVAL);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(obs_platform_register(platform, bad[i], &service),
                         OBS_EINVAL);
    memset(longest, 'a', sizeof longest);
    longest[OBS_SERVICE_NAME_MAX + 1] = '\0';
    assert_int_equal(obs_platform_register(platform, longest, &service),
                     OBS_EINVAL);
    assert_null(service);
    assert_int_equal(obs_platform_service_count(platform), 0);

    longest[OBS_SERVICE_NAME_MAX] = '\0'; /* exactly 255 bytes: fine */
    assert_ok(obs_platform_register(platform, longest, &service));
    assert_ok(obs_platform_register(platform, "caf\xc3\xa9 \xf0\x9f\x9a\x80",
                                    NULL));
    assert_int_equal(obs_platform_service_count(platform), 2);
    obs_platform_free(platform);
}

static void test_registry_keeps_registration_order(void **state)
{
    obs_platform_t *platform = new_platform(OBS_STORE_HISTOGRAM);
    char name[32];

    (void)state;
    for (int i = 0; i < 1000; i++) {
        snprintf(name, sizeof name, "service-%d", 999 - i);
        add_service(platform, name);
    }
    assert_int_equal(obs_platform_service_count(platform), 1000);
    for (size_t i = 0; i < 1000; i++) {
        obs_service_t *found = NULL;

        snprintf(name, sizeof name, "service-%d", (int)(999 - i));
        assert_string_equal(
            obs_service_name(obs_platform_service_at(platform, i)), name);
        assert_ok(obs_platform_find(platform, name, &found));
        assert_ptr_equal(found, obs_platform_service_at(platform, i));
    }
    assert_null(obs_platform_service_at(platform, 1000));
    obs_platform_free(platform);
}

static void test_registry_by_name_unknown_creates_nothing(void **state)
{
    obs_platform_t *platform = new_platform(OBS_STORE_HISTOGRAM);
    obs_service_t *service = add_service(platform, "known");

    (void)state;
    assert_int_equal(obs_record_request_by_name(platform, "unknown", 5, true),
                     OBS_ENOENT);
    assert_int_equal(obs_record_health_check_by_name(platform, "unknown",
                                                     true),
                     OBS_ENOENT);
    assert_int_equal(obs_platform_service_count(platform), 1);
    assert_ok(obs_record_request_by_name(platform, "known", 5, false));
    assert_ok(obs_record_health_check_by_name(platform, "known", true));
    assert_int_equal(stats_of(service).requests, 1);
    assert_int_equal(stats_of(service).errors, 1);
    assert_int_equal(stats_of(service).health_checks, 1);
    obs_platform_free(platform);
}

static void test_registry_config_checked(void **state)
{
    obs_platform_t *platform = NULL;
    obs_allocator_t broken = {NULL, NULL, NULL, NULL};
    obs_config_t config;

    (void)state;
    assert_int_equal(obs_platform_new(NULL, NULL), OBS_EINVAL);
    obs_config_init(&config);
    config.precision_bits = 13;
    assert_int_equal(obs_platform_new(&config, &platform), OBS_EINVAL);
    obs_config_init(&config);
    config.window_slots = 10;
    config.latency_store = OBS_STORE_EXACT;
    assert_int_equal(obs_platform_new(&config, &platform), OBS_EINVAL);
    obs_config_init(&config);
    config.window_slots = 10;
    config.slot_ns = 0;
    assert_int_equal(obs_platform_new(&config, &platform), OBS_EINVAL);
    obs_config_init(&config);
    config.health_view = OBS_VIEW_WINDOW;
    assert_int_equal(obs_platform_new(&config, &platform), OBS_EINVAL);
    obs_config_init(&config);
    config.allocator = &broken;
    assert_int_equal(obs_platform_new(&config, &platform), OBS_EINVAL);
    assert_null(platform);
    obs_platform_free(NULL);
}

static void test_registry_status_and_version(void **state)
{
    (void)state;
    assert_int_equal(OBS_OK, 0);
    assert_string_equal(obs_strerror(OBS_OK), "success");
    assert_string_equal(obs_strerror(OBS_EINVAL), "invalid argument");
    assert_string_equal(obs_strerror(OBS_ENOMEM), "out of memory");
    assert_string_equal(obs_strerror(OBS_EEXIST), "already exists");
    assert_string_equal(obs_strerror(OBS_ENOENT), "not found");
    assert_string_equal(obs_strerror((obs_status_t)999), "unknown status");
    assert_string_equal(obs_version(), OBS_VERSION_STRING);
    assert_int_equal(obs_version_number(), OBS_VERSION_NUMBER);
    assert_string_equal(obs_health_name(OBS_DOWN), "down");
    assert_string_equal(obs_severity_name(OBS_SEVERITY_PAGE), "page");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry_names_are_byte_exact),
        cmocka_unit_test(test_registry_duplicate_is_refused),
        cmocka_unit_test(test_registry_invalid_names_refused),
        cmocka_unit_test(test_registry_keeps_registration_order),
        cmocka_unit_test(test_registry_by_name_unknown_creates_nothing),
        cmocka_unit_test(test_registry_config_checked),
        cmocka_unit_test(test_registry_status_and_version),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
