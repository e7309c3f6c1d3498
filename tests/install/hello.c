/*
 * hello.c - the smallest program built against an installed library.
 */
#include <obsplatform.h>

int main(void)
{
    obs_platform_t *platform;
    obs_service_t *service;
    obs_service_stats_t stats;

    if (obs_platform_new(NULL, &platform) != OBS_OK)
        return 1;
    if (obs_platform_register(platform, "hello", &service) != OBS_OK ||
        obs_record_request(service, 12.5, true) != OBS_OK ||
        obs_service_stats(service, OBS_VIEW_LIFETIME, &stats) != OBS_OK) {
        obs_platform_free(platform);
        return 1;
    }
    printf("obsplatform %s: %s %llu request(s), %s\n", obs_version(),
           obs_service_name(service), (unsigned long long)stats.requests,
           obs_health_name(stats.health));
    obs_platform_free(platform);
    return 0;
}
