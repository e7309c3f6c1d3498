/*
 * test_memory.c - memory stays bounded: idle services are cheap, and a
 * busy service does not grow with its request count.
 */
#include "test_util.h"

static void test_memory_hundred_thousand_idle_services(void **state)
{
    obs_platform_t *platform = new_platform(OBS_STORE_HISTOGRAM);
    size_t before = obs_platform_memory(platform);
    char name[32];
    size_t grown;

    (void)state;
    for (int i = 0; i < 100000; i++) {
        snprintf(name, sizeof name, "service-%06d", i);
        assert_ok(obs_platform_register(platform, name, NULL));
    }
    grown = obs_platform_memory(platform) - before;
    if (grown >= 100u * 1000 * 1000)
        fail_msg("100,000 idle services take %zu bytes", grown);
    assert_true(grown < 64u * 1000 * 1000);
    obs_platform_free(platform);
}

static void test_memory_flat_in_request_count(void **state)
{
    obs_platform_t *platform = new_platform(OBS_STORE_HISTOGRAM);
    obs_service_t *service = add_service(platform, "busy");
    size_t after_first;

    (void)state;
    for (int i = 0; i < 100000; i++)
        assert_ok(obs_record_request(service, 20.0 + (i % 1800) * 0.1,
                                     true));
    after_first = obs_service_memory(service);
    for (int i = 0; i < 1000000; i++)
        assert_ok(obs_record_request(service, 20.0 + (i % 1800) * 0.1,
                                     true));
    assert_int_equal(obs_service_memory(service), after_first);
    obs_platform_free(platform);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memory_hundred_thousand_idle_services),
        cmocka_unit_test(test_memory_flat_in_request_count),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
