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
    /* The epoch (current slot number, never decreasing) shifted left by
     * OBS_SLOT_BITS, with epoch % slots in the low bits: one load gives
     * the hot path both, and no division. */
    _Atomic uint64_t position;
};

#define OBS_SLOT_BITS 10 /* room for up to 1024 slots */

void obs_timeline_init(struct obs_timeline *timeline, obs_clock_fn clock,
                       void *clock_user, uint64_t slot_ns, unsigned slots);

/* Read the clock, move the epoch on, and return the reading. */
uint64_t obs_timeline_tick(struct obs_timeline *timeline);

/* Move the epoch on to the slot holding `time_ns`, if that is later. */
void obs_timeline_advance(struct obs_timeline *timeline, uint64_t time_ns);

static inline uint64_t obs_timeline_position(
    const struct obs_timeline *timeline)
{
    return atomic_load_explicit((_Atomic uint64_t *)&timeline->position,
                                memory_order_relaxed);
}

static inline uint64_t obs_timeline_epoch(const struct obs_timeline *timeline)
{
    return obs_timeline_position(timeline) >> OBS_SLOT_BITS;
}

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t obs_clock_monotonic(void *user);

#endif /* OBS_CLOCK_H */
