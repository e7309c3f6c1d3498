/*
 * faults.c - the fault injector (see faults.h).
 *
 * Rules of all services live in one list per platform, under one mutex
 * that also guards the generator: a drill touches few requests per second
 * compared with what the hot path must sustain, and one lock makes a
 * seeded single-threaded run draw the same numbers every time.
 */
#include "faults.h"

#include <math.h>
#include <string.h>

#include "registry.h"

struct obs_fault_entry {
    unsigned id;
    struct obs_service *service;
    obs_fault_rule_t rule;
};

struct obs_fault_state {
    pthread_mutex_t lock;
    struct obs_fault_entry *entries; /* in the order they were added */
    size_t count;
    size_t capacity;
    unsigned next_id;
    bool disabled;       /* the kill switch */
    bool ever;           /* a rule was added once */
    unsigned limit;      /* faults in progress at most; 0: no cap */
    unsigned in_progress;
    uint64_t rng[4];     /* xoshiro256** */
};

void obs_fault_rule_init(obs_fault_rule_t *rule)
{
    if (rule == NULL)
        return;
    memset(rule, 0, sizeof *rule);
    rule->delay_kind = OBS_DELAY_FIXED;
    rule->delay_share = 1.0;
}

/* ---- generator ----------------------------------------------------------- */

/* splitmix64 spreads any seed, 0 included, over the four state words, as
 * the authors of xoshiro recommend. */
static void rng_seed(uint64_t rng[4], uint64_t seed)
{
    for (int i = 0; i < 4; i++) {
        uint64_t z = (seed += UINT64_C(0x9e3779b97f4a7c15));

        z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
        rng[i] = z ^ (z >> 31);
    }
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(uint64_t s[4])
{
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* A double in [0, 1) with 53 random bits. */
static double rng_unit(uint64_t s[4])
{
    return (double)(rng_next(s) >> 11) * 0x1p-53;
}

/* ---- state --------------------------------------------------------------- */

static struct obs_fault_state *state_of(struct obs_core *core)
{
    return atomic_load_explicit(&core->faults, memory_order_acquire);
}

/* The state, created on the first call that configures the injector. */
static struct obs_fault_state *state_create(struct obs_core *core)
{
    struct obs_fault_state *state = state_of(core);

    if (state != NULL)
        return state;
    pthread_mutex_lock(&core->settings_lock);
    state = atomic_load_explicit(&core->faults, memory_order_relaxed);
    if (state == NULL) {
        state = obs_alloc_zeroed(&core->alloc, sizeof *state, NULL);
        if (state != NULL && pthread_mutex_init(&state->lock, NULL) != 0) {
            obs_alloc_free(&core->alloc, state, sizeof *state, NULL);
            state = NULL;
        }
        if (state != NULL) {
            state->next_id = 1;
            rng_seed(state->rng, 0);
            atomic_store_explicit(&core->faults, state,
                                  memory_order_release);
        }
    }
    pthread_mutex_unlock(&core->settings_lock);
    return state;
}

/* Caller holds the state's lock. */
static void rearm(struct obs_core *core, const struct obs_fault_state *state)
{
    atomic_store_explicit(&core->fault_armed,
                          !state->disabled && state->count > 0,
                          memory_order_relaxed);
}

bool obs_faults_ever(struct obs_core *core)
{
    struct obs_fault_state *state = state_of(core);
    bool ever;

    if (state == NULL)
        return false;
    pthread_mutex_lock(&state->lock);
    ever = state->ever;
    pthread_mutex_unlock(&state->lock);
    return ever;
}

void obs_faults_destroy(struct obs_core *core)
{
    struct obs_fault_state *state = state_of(core);

    if (state == NULL)
        return;
    obs_alloc_free(&core->alloc, state->entries,
                   state->capacity * sizeof *state->entries, NULL);
    pthread_mutex_destroy(&state->lock);
    obs_alloc_free(&core->alloc, state, sizeof *state, NULL);
    atomic_store_explicit(&core->faults, NULL, memory_order_relaxed);
}

/* ---- rules --------------------------------------------------------------- */

static bool share_valid(double share)
{
    return share >= 0.0 && share <= 1.0; /* false for NaN */
}

static bool rule_valid(const obs_fault_rule_t *rule)
{
    bool delays = rule->delay_ms > 0.0 && rule->delay_share > 0.0;

    if (!share_valid(rule->error_share) || !share_valid(rule->delay_share))
        return false;
    if (!(rule->delay_ms >= 0.0 && rule->delay_ms <= obs_latency_max()))
        return false;
    if (rule->delay_kind != OBS_DELAY_FIXED &&
        rule->delay_kind != OBS_DELAY_UNIFORM &&
        rule->delay_kind != OBS_DELAY_EXPONENTIAL)
        return false;
    if (rule->to_ns != 0 && rule->to_ns <= rule->from_ns)
        return false;
    return rule->error_share > 0.0 || delays || rule->health_check_outage;
}

obs_status_t obs_service_add_fault(obs_service_t *service,
                                   const obs_fault_rule_t *rule, unsigned *id)
{
    struct obs_fault_state *state;
    struct obs_fault_entry *entry;
    obs_status_t status = OBS_OK;

    if (service == NULL || rule == NULL || !rule_valid(rule))
        return OBS_EINVAL;
    state = state_create(service->core);
    if (state == NULL)
        return OBS_ENOMEM;

    pthread_mutex_lock(&state->lock);
    if (state->count == state->capacity) {
        struct obs_fault_entry *grown = obs_alloc_grow(
            &service->core->alloc, state->entries, &state->capacity, 4,
            sizeof *grown, NULL);

        if (grown == NULL) {
            status = OBS_ENOMEM;
            goto done;
        }
        state->entries = grown;
    }
    entry = &state->entries[state->count++];
    entry->id = state->next_id++;
    if (state->next_id == 0) /* 0 is never an id */
        state->next_id = 1;
    entry->service = service;
    entry->rule = *rule;
    state->ever = true;
    atomic_fetch_add_explicit(&service->fault_rules, 1, memory_order_relaxed);
    rearm(service->core, state);
    if (id != NULL)
        *id = entry->id;
done:
    pthread_mutex_unlock(&state->lock);
    return status;
}

obs_status_t obs_service_remove_fault(obs_service_t *service, unsigned id)
{
    struct obs_fault_state *state;
    obs_status_t status = OBS_ENOENT;

    if (service == NULL)
        return OBS_EINVAL;
    state = state_of(service->core);
    if (state == NULL)
        return OBS_ENOENT;

    pthread_mutex_lock(&state->lock);
    for (size_t i = 0; i < state->count; i++) {
        if (state->entries[i].id != id || state->entries[i].service != service)
            continue;
        /* Keep the order: it is the order in which rules draw. */
        memmove(&state->entries[i], &state->entries[i + 1],
                (state->count - i - 1) * sizeof *state->entries);
        state->count--;
        atomic_fetch_sub_explicit(&service->fault_rules, 1,
                                  memory_order_relaxed);
        rearm(service->core, state);
        status = OBS_OK;
        break;
    }
    pthread_mutex_unlock(&state->lock);
    return status;
}

/* ---- platform settings --------------------------------------------------- */

obs_status_t obs_platform_set_fault_seed(obs_platform_t *platform,
                                         uint64_t seed)
{
    struct obs_fault_state *state;

    if (platform == NULL)
        return OBS_EINVAL;
    state = state_create(&platform->core);
    if (state == NULL)
        return OBS_ENOMEM;
    pthread_mutex_lock(&state->lock);
    rng_seed(state->rng, seed);
    pthread_mutex_unlock(&state->lock);
    return OBS_OK;
}

obs_status_t obs_platform_set_faults_enabled(obs_platform_t *platform,
                                             bool enabled)
{
    struct obs_fault_state *state;

    if (platform == NULL)
        return OBS_EINVAL;
    state = state_create(&platform->core);
    if (state == NULL)
        return OBS_ENOMEM;
    pthread_mutex_lock(&state->lock);
    state->disabled = !enabled;
    rearm(&platform->core, state);
    pthread_mutex_unlock(&state->lock);
    return OBS_OK;
}

obs_status_t obs_platform_set_fault_limit(obs_platform_t *platform,
                                          unsigned max_concurrent)
{
    struct obs_fault_state *state;

    if (platform == NULL)
        return OBS_EINVAL;
    state = state_create(&platform->core);
    if (state == NULL)
        return OBS_ENOMEM;
    pthread_mutex_lock(&state->lock);
    state->limit = max_concurrent;
    pthread_mutex_unlock(&state->lock);
    return OBS_OK;
}

/* ---- the request path ---------------------------------------------------- */

/* The platform's time as rules count it: from the timeline's origin. The
 * clock is read only here, once a rule exists, so that a platform without
 * drills pays nothing. */
static uint64_t rule_time(struct obs_core *core)
{
    uint64_t now = obs_timeline_tick(&core->timeline);

    return now >= core->timeline.origin_ns ? now - core->timeline.origin_ns
                                           : 0;
}

static bool rule_active(const obs_fault_rule_t *rule, uint64_t now)
{
    return now >= rule->from_ns && (rule->to_ns == 0 || now < rule->to_ns);
}

/* A share of 0 or 1 draws nothing, so that adding a certain rule does not
 * shift the draws of the others. */
static bool draw_share(uint64_t rng[4], double share)
{
    if (share <= 0.0)
        return false;
    if (share >= 1.0)
        return true;
    return rng_unit(rng) < share;
}

static double draw_delay(uint64_t rng[4], const obs_fault_rule_t *rule)
{
    switch (rule->delay_kind) {
    case OBS_DELAY_UNIFORM:
        return 2.0 * rule->delay_ms * rng_unit(rng);
    case OBS_DELAY_EXPONENTIAL:
        return -rule->delay_ms * log1p(-rng_unit(rng));
    case OBS_DELAY_FIXED:
        break;
    }
    return rule->delay_ms;
}

static __attribute__((noinline)) obs_status_t
check_rules(struct obs_service *service, obs_fault_t *decision)
{
    struct obs_core *core = service->core;
    struct obs_fault_state *state = state_of(core);
    bool fail = false;
    bool delayed = false;
    double delay_ms = 0.0;
    uint64_t now;

    if (state == NULL ||
        atomic_load_explicit(&service->fault_rules, memory_order_relaxed) == 0)
        return OBS_OK;
    now = rule_time(core);

    pthread_mutex_lock(&state->lock);
    if (state->disabled)
        goto done;
    for (size_t i = 0; i < state->count; i++) {
        const obs_fault_rule_t *rule = &state->entries[i].rule;

        if (state->entries[i].service != service || !rule_active(rule, now))
            continue;
        if (draw_share(state->rng, rule->error_share))
            fail = true;
        if (rule->delay_ms > 0.0 &&
            draw_share(state->rng, rule->delay_share)) {
            delayed = true;
            delay_ms += draw_delay(state->rng, rule);
        }
    }
    if (!fail && !delayed)
        goto done;
    if (state->limit != 0 && state->in_progress >= state->limit)
        goto done;
    state->in_progress++;
    decision->fail = fail;
    decision->delay_ms = delay_ms < obs_latency_max() ? delay_ms
                                                      : obs_latency_max();
    decision->counted = true;
    if (fail)
        atomic_fetch_add_explicit(&service->injected_errors, 1,
                                  memory_order_relaxed);
    if (delayed)
        atomic_fetch_add_explicit(&service->injected_delays, 1,
                                  memory_order_relaxed);
done:
    pthread_mutex_unlock(&state->lock);
    return OBS_OK;
}

obs_status_t obs_fault_check(obs_service_t *service, obs_fault_t *decision)
{
    if (service == NULL || decision == NULL)
        return OBS_EINVAL;
    decision->fail = false;
    decision->delay_ms = 0.0;
    decision->counted = false;
    if (atomic_load_explicit(&service->core->fault_armed,
                             memory_order_relaxed) == 0)
        return OBS_OK;
    return check_rules(service, decision);
}

obs_status_t obs_fault_done(obs_service_t *service,
                            const obs_fault_t *decision)
{
    struct obs_fault_state *state;
    obs_status_t status = OBS_EINVAL;

    if (service == NULL || decision == NULL)
        return OBS_EINVAL;
    if (!decision->counted)
        return OBS_OK;
    state = state_of(service->core);
    if (state == NULL)
        return OBS_EINVAL;
    pthread_mutex_lock(&state->lock);
    if (state->in_progress > 0) {
        state->in_progress--;
        status = OBS_OK;
    }
    pthread_mutex_unlock(&state->lock);
    return status;
}

static __attribute__((noinline)) bool outage_now(struct obs_service *service)
{
    struct obs_core *core = service->core;
    struct obs_fault_state *state = state_of(core);
    bool outage = false;
    uint64_t now;

    if (state == NULL ||
        atomic_load_explicit(&service->fault_rules, memory_order_relaxed) == 0)
        return false;
    now = rule_time(core);

    pthread_mutex_lock(&state->lock);
    for (size_t i = 0; i < state->count && !state->disabled && !outage; i++) {
        const obs_fault_rule_t *rule = &state->entries[i].rule;

        outage = state->entries[i].service == service &&
                 rule->health_check_outage && rule_active(rule, now);
    }
    if (outage)
        atomic_fetch_add_explicit(&service->injected_outage_checks, 1,
                                  memory_order_relaxed);
    pthread_mutex_unlock(&state->lock);
    return outage;
}

obs_status_t obs_fault_check_health(obs_service_t *service, bool *fail)
{
    if (service == NULL || fail == NULL)
        return OBS_EINVAL;
    *fail = false;
    if (atomic_load_explicit(&service->core->fault_armed,
                             memory_order_relaxed) == 0)
        return OBS_OK;
    *fail = outage_now(service);
    return OBS_OK;
}

obs_status_t obs_service_fault_counts(obs_service_t *service,
                                      obs_fault_counts_t *counts)
{
    if (service == NULL || counts == NULL)
        return OBS_EINVAL;
    counts->injected_errors =
        atomic_load_explicit(&service->injected_errors, memory_order_relaxed);
    counts->injected_delays =
        atomic_load_explicit(&service->injected_delays, memory_order_relaxed);
    counts->injected_outage_checks = atomic_load_explicit(
        &service->injected_outage_checks, memory_order_relaxed);
    return OBS_OK;
}
