/*
 * timer.c - timers that record the time a request took.
 *
 * A timer reads CLOCK_MONOTONIC, never the platform's clock: an injected
 * clock stands for simulated or replayed time, and a timer must measure
 * the time this process really spent.
 */
#include "clock.h"
#include "obsplatform.h"

obs_status_t obs_timer_start(obs_service_t *service, obs_timer_t *timer)
{
    if (service == NULL || timer == NULL)
        return OBS_EINVAL;
    timer->start_ns = obs_clock_monotonic(NULL);
    timer->service = service;
    return OBS_OK;
}

obs_status_t obs_timer_stop(obs_timer_t *timer, bool success,
                            double *elapsed_ms)
{
    uint64_t now_ns = obs_clock_monotonic(NULL);
    obs_service_t *service;
    double elapsed;

    if (timer == NULL || timer->service == NULL)
        return OBS_EINVAL;

    /* A clock that failed reads 0: count no time rather than a wrap. */
    elapsed = now_ns > timer->start_ns
                  ? (double)(now_ns - timer->start_ns) / 1e6
                  : 0.0;
    service = timer->service;
    timer->service = NULL; /* spent, whatever happens next */
    if (elapsed_ms != NULL)
        *elapsed_ms = elapsed;
    return obs_record_request(service, elapsed, success);
}
