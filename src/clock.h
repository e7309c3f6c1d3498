/*
 * clock.h - the platform's clock and the current slot of its time window.
 *
 * Recording must not read the clock (a clock read costs more than a whole
 * record). Instead the window's current slot number, the epoch, lives in
 * one atomic that readers and timestamped records move forward and the
 * hot path only loads.
 */
#ifndef OBS_CLOCK_H
#define OBS_CLOCK_H

#include <stdatomic.h>
#include <stdint.h>

#include "obsplatform.h"

struct obs_timeline {
    obs_clock_fn clock;
    void *clock_user;
    uint64_t origin_ns;  /* clock reading at creation: slot 0 starts here */
    uint64_t slot_ns;
    unsigned slots;      /* 0: no window */
    _Atomic uint64_t epoch; /* current slot number; never decreases */
};

void obs_timeline_init(struct obs_timeline *timeline, obs_clock_fn clock,
                       void *clock_user, uint64_t slot_ns, unsigned slots);

/* Read the clock, move the epoch on, and return the reading. */
uint64_t obs_timeline_tick(struct obs_timeline *timeline);

/* Move the epoch on to the slot holding `time_ns`, if that is later. */
void obs_timeline_advance(struct obs_timeline *timeline, uint64_t time_ns);

static inline uint64_t obs_timeline_epoch(const struct obs_timeline *timeline)
{
    return atomic_load_explicit(&timeline->epoch, memory_order_relaxed);
}

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t obs_clock_monotonic(void *user);

#endif /* OBS_CLOCK_H */
