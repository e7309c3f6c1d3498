/*
 * slo.h - service level objectives: what share of a service's events were
 * good over a compliance period, how much error budget is left, and how
 * fast it burns over shorter windows.
 *
 * An SLO does not touch the recording path. At each update (every
 * evaluation, and every status or burn-rate query) it reads the service's
 * lifetime counters and adds what changed since the previous update to
 * time series of a fixed number of slots, one per window it watches.
 */
#ifndef OBS_SLO_H
#define OBS_SLO_H

#include "service.h"

#define OBS_SLO_NAME_MAX 64
#define OBS_SLO_RULE_MAX (OBS_SLO_NAME_MAX + 32)

/* Good and total events per time slot over one window. */
struct obs_count_ring {
    uint64_t slot_ns;
    size_t len;            /* slots kept: the window's 60, plus one */
    uint64_t newest_ns;    /* time of the latest add, never decreasing */
    struct obs_count_slot {
        uint64_t index;    /* slot number: time / slot_ns */
        uint64_t good;
        uint64_t total;
    } *slots;
};

struct obs_burn_state {
    bool firing;
    uint64_t started_ns;
    char rule[OBS_SLO_RULE_MAX]; /* "slo:NAME:1h/5m" */
    const char *windows;         /* "1h/5m", inside rule */
};

struct obs_slo {
    struct obs_slo *next;
    struct obs_service *service;
    char name[OBS_SLO_NAME_MAX + 1];
    obs_slo_config_t config;
    uint64_t budget_ppb;     /* 10^9 - objective in parts per billion */
    bool counting;           /* seen_* hold a baseline */
    uint64_t seen_good;      /* service lifetime counts at the last update */
    uint64_t seen_total;
    struct obs_count_ring period;
    struct obs_count_ring windows[2 * OBS_SLO_MAX_BURN_ALERTS];
    struct obs_burn_state burn[OBS_SLO_MAX_BURN_ALERTS];
};

/* Create and append an SLO; the caller holds core->settings_lock. */
obs_status_t obs_slo_add(struct obs_service *service, const char *name,
                         const obs_slo_config_t *config,
                         struct obs_slo **out);
/* Free every SLO of a service (platform teardown). */
void obs_slo_free_all(struct obs_service *service);

/* Bring an SLO up to `now_ns`; caller holds core->settings_lock. */
obs_status_t obs_slo_update(struct obs_slo *slo, uint64_t now_ns);
/* Bring an SLO up to `now_ns` and say where it stands; caller holds
 * core->settings_lock. */
obs_status_t obs_slo_current(struct obs_slo *slo, uint64_t now_ns,
                             obs_slo_status_t *status);
double obs_slo_burn(const struct obs_slo *slo, uint64_t now_ns,
                    uint64_t window_ns, double *total);
/* Whether burn alert `k` holds at `now_ns` (both windows over the factor,
 * both with enough events). */
bool obs_slo_burning(const struct obs_slo *slo, size_t k, uint64_t now_ns,
                     double *long_rate, double *short_rate);

#endif /* OBS_SLO_H */
