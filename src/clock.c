/*
 * clock.c - the platform clock and the window epoch.
 */
#include "clock.h"

#include <time.h>

uint64_t obs_clock_monotonic(void *user)
{
    struct timespec ts;

    (void)user;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void obs_timeline_init(struct obs_timeline *timeline, obs_clock_fn clock,
                       void *clock_user, uint64_t slot_ns, unsigned slots)
{
    timeline->clock = clock != NULL ? clock : obs_clock_monotonic;
    timeline->clock_user = clock_user;
    timeline->slot_ns = slot_ns;
    timeline->slots = slots;
    /* An injected clock counts from its own zero, so that tests and replays
     * can say "t = 0.5 s" and mean slot 0; the monotonic clock counts from
     * the platform's creation. */
    timeline->origin_ns = clock != NULL ? 0 : obs_clock_monotonic(NULL);
    atomic_init(&timeline->position, 0);
}

void obs_timeline_advance(struct obs_timeline *timeline, uint64_t time_ns)
{
    uint64_t target;
    uint64_t wanted;
    uint64_t current;

    /* A time before the origin (a clock that went back or wrapped) is
     * treated as "no news": the epoch only ever moves forward, so data
     * from old slots can never come back. */
    if (time_ns < timeline->origin_ns)
        return;
    target = (time_ns - timeline->origin_ns) / timeline->slot_ns;
    if (target > (UINT64_MAX >> OBS_SLOT_BITS))
        target = UINT64_MAX >> OBS_SLOT_BITS;
    wanted = target << OBS_SLOT_BITS;
    if (timeline->slots != 0)
        wanted |= target % timeline->slots;
    current = atomic_load_explicit(&timeline->position, memory_order_relaxed);
    while ((current >> OBS_SLOT_BITS) < target &&
           !atomic_compare_exchange_weak_explicit(
               &timeline->position, &current, wanted, memory_order_relaxed,
               memory_order_relaxed)) {
    }
}

uint64_t obs_timeline_tick(struct obs_timeline *timeline)
{
    uint64_t now = timeline->clock(timeline->clock_user);

    obs_timeline_advance(timeline, now);
    return now;
}
