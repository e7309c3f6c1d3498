/*
 * slo.c - SLOs, error budgets and burn rates (see slo.h).
 */
#include "slo.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define NS_PER_S UINT64_C(1000000000)
#define NS_PER_DAY (86400 * NS_PER_S)
#define MAX_PERIOD_NS (90 * NS_PER_DAY)
#define MIN_WINDOW_NS UINT64_C(1000000) /* a millisecond */
#define WINDOW_SLOTS 60
#define PERIOD_SLOTS 720
#define PPB 1000000000.0

void obs_slo_config_init(obs_slo_config_t *config, obs_slo_kind_t kind,
                         double objective)
{
    /* The Google SRE workbook's recommended multi-window table, for a
     * 30-day period. */
    static const obs_burn_alert_t table[] = {
        {3600 * NS_PER_S, 300 * NS_PER_S, 14.4, OBS_SEVERITY_PAGE},
        {6 * 3600 * NS_PER_S, 1800 * NS_PER_S, 6.0, OBS_SEVERITY_PAGE},
        {3 * NS_PER_DAY, 6 * 3600 * NS_PER_S, 1.0, OBS_SEVERITY_TICKET},
    };

    if (config == NULL)
        return;
    memset(config, 0, sizeof *config);
    config->kind = kind;
    config->objective = objective;
    config->latency_ms = 0.0;
    config->period_ns = 30 * NS_PER_DAY;
    config->min_events = 100;
    config->burn_alert_count = sizeof table / sizeof table[0];
    memcpy(config->burn_alerts, table, sizeof table);
}

/* ---- time series of counts ---------------------------------------------- */

static bool ring_init(struct obs_count_ring *ring, struct obs_alloc *alloc,
                      atomic_size_t *counter, uint64_t span_ns, size_t slots)
{
    ring->slot_ns = span_ns / slots ? span_ns / slots : 1;
    ring->len = slots + 1; /* the window's slots and the one it leaves */
    ring->newest_ns = 0;
    ring->slots = obs_alloc_zeroed(alloc, ring->len * sizeof *ring->slots,
                                   counter);
    return ring->slots != NULL;
}

static void ring_free(struct obs_count_ring *ring, struct obs_alloc *alloc,
                      atomic_size_t *counter)
{
    obs_alloc_free(alloc, ring->slots, ring->len * sizeof *ring->slots,
                   counter);
    ring->slots = NULL;
}

static void ring_add(struct obs_count_ring *ring, uint64_t now_ns,
                     uint64_t good, uint64_t total)
{
    struct obs_count_slot *slot;
    uint64_t index;

    /* A clock that went back adds to the newest slot: never to one that
     * may already have left the window. */
    if (now_ns < ring->newest_ns)
        now_ns = ring->newest_ns;
    ring->newest_ns = now_ns;
    index = now_ns / ring->slot_ns;
    slot = &ring->slots[index % ring->len];
    if (slot->index != index) {
        slot->index = index;
        slot->good = 0;
        slot->total = 0;
    }
    slot->good += good;
    slot->total += total;
}

/* Events in (now - window, now]. The oldest slot straddles the window's
 * start and counts in proportion to its part inside, as if its events were
 * spread evenly over it. */
static void ring_sum(const struct obs_count_ring *ring, uint64_t now_ns,
                     uint64_t window_ns, double *good, double *total)
{
    uint64_t start = now_ns > window_ns ? now_ns - window_ns : 0;
    uint64_t first = start / ring->slot_ns;
    uint64_t last = now_ns / ring->slot_ns;

    *good = 0.0;
    *total = 0.0;
    if (last - first >= ring->len)
        first = last - (ring->len - 1);
    /* Counted, not compared with `last`, which may be UINT64_MAX. */
    for (uint64_t k = 0; k <= last - first; k++) {
        uint64_t i = first + k;
        const struct obs_count_slot *slot = &ring->slots[i % ring->len];
        double weight = 1.0;

        if (slot->index != i)
            continue;
        if (i == start / ring->slot_ns)
            weight = (double)((i + 1) * ring->slot_ns - start) /
                     (double)ring->slot_ns;
        *good += (double)slot->good * weight;
        *total += (double)slot->total * weight;
    }
}

/* ---- SLOs ------------------------------------------------------------- */

static bool valid_name(const char *name)
{
    size_t len;

    if (name == NULL)
        return false;
    len = strnlen(name, OBS_SLO_NAME_MAX + 1);
    if (len == 0 || len > OBS_SLO_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
            return false;
    }
    return true;
}

static bool valid_config(const obs_slo_config_t *c)
{
    if (c->kind != OBS_SLO_REQUESTS && c->kind != OBS_SLO_HEALTH_CHECKS &&
        c->kind != OBS_SLO_LATENCY)
        return false;
    if (!(c->objective > 0.0 && c->objective < 1.0))
        return false;
    if (llround(c->objective * PPB) <= 0 || llround(c->objective * PPB) >= PPB)
        return false;
    if (c->kind == OBS_SLO_LATENCY &&
        !(c->latency_ms > 0.0 && c->latency_ms <= obs_latency_max()))
        return false;
    if (c->period_ns < MIN_WINDOW_NS || c->period_ns > MAX_PERIOD_NS ||
        c->burn_alert_count > OBS_SLO_MAX_BURN_ALERTS)
        return false;
    for (size_t k = 0; k < c->burn_alert_count; k++) {
        const obs_burn_alert_t *a = &c->burn_alerts[k];

        if (a->short_window_ns < MIN_WINDOW_NS ||
            a->long_window_ns > c->period_ns ||
            a->short_window_ns > a->long_window_ns || !(a->factor > 0.0) ||
            isinf(a->factor) ||
            (a->severity != OBS_SEVERITY_PAGE &&
             a->severity != OBS_SEVERITY_TICKET))
            return false;
    }
    return true;
}

/* "1h", "5m", "3d": the largest unit that divides the duration. */
static void format_duration(char *out, size_t size, uint64_t ns)
{
    static const struct {
        uint64_t ns;
        const char *unit;
    } units[] = {{NS_PER_DAY, "d"},       {3600 * NS_PER_S, "h"},
                 {60 * NS_PER_S, "m"},    {NS_PER_S, "s"},
                 {UINT64_C(1000000), "ms"}, {1, "ns"}};

    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (ns % units[i].ns == 0) {
            snprintf(out, size, "%llu%s",
                     (unsigned long long)(ns / units[i].ns), units[i].unit);
            return;
        }
    }
}

struct lifetime_counts {
    obs_slo_kind_t kind;
    double latency_ms;
    uint64_t good;
    uint64_t total;
};

static void take_counts(const struct obs_reading *reading, void *context)
{
    struct lifetime_counts *c = context;

    switch (c->kind) {
    case OBS_SLO_REQUESTS:
        c->good = reading->requests - reading->errors;
        c->total = reading->requests;
        break;
    case OBS_SLO_HEALTH_CHECKS:
        c->good = reading->checks_passed;
        c->total = reading->checks;
        break;
    case OBS_SLO_LATENCY:
        c->good = obs_reading_count_le(reading, c->latency_ms);
        c->total = reading->requests;
        break;
    }
}

static obs_status_t read_counts(struct obs_slo *slo, uint64_t *good,
                                uint64_t *total)
{
    struct lifetime_counts counts = {slo->config.kind,
                                     slo->config.latency_ms, 0, 0};
    obs_status_t status = obs_service_read(slo->service, OBS_VIEW_LIFETIME,
                                           take_counts, &counts);

    *good = counts.good;
    *total = counts.total;
    return status;
}

static void slo_free(struct obs_slo *slo)
{
    struct obs_service *service = slo->service;
    struct obs_alloc *alloc = &service->core->alloc;

    ring_free(&slo->period, alloc, &service->bytes);
    for (size_t i = 0; i < 2 * OBS_SLO_MAX_BURN_ALERTS; i++)
        ring_free(&slo->windows[i], alloc, &service->bytes);
    obs_alloc_free(alloc, slo, sizeof *slo, &service->bytes);
}

obs_status_t obs_slo_add(struct obs_service *service, const char *name,
                         const obs_slo_config_t *config,
                         struct obs_slo **out)
{
    struct obs_alloc *alloc = &service->core->alloc;
    struct obs_slo **tail = &service->slos;
    struct obs_slo *slo;
    obs_status_t status;

    if (!valid_name(name) || !valid_config(config))
        return OBS_EINVAL;
    for (; *tail != NULL; tail = &(*tail)->next)
        if (strcmp((*tail)->name, name) == 0)
            return OBS_EEXIST;

    slo = obs_alloc_zeroed(alloc, sizeof *slo, &service->bytes);
    if (slo == NULL)
        return OBS_ENOMEM;
    slo->service = service;
    memcpy(slo->name, name, strlen(name) + 1);
    slo->config = *config;
    if (config->kind == OBS_SLO_LATENCY)
        slo->config.latency_ms =
            obs_hist_edge(config->latency_ms, service->core->bits);
    slo->config.objective = (double)llround(config->objective * PPB) / PPB;
    slo->budget_ppb = (uint64_t)(PPB - (double)llround(config->objective *
                                                        PPB));
    status = OBS_ENOMEM;
    if (!ring_init(&slo->period, alloc, &service->bytes, config->period_ns,
                   PERIOD_SLOTS))
        goto fail;
    for (size_t k = 0; k < config->burn_alert_count; k++) {
        const obs_burn_alert_t *a = &config->burn_alerts[k];
        char long_text[24];
        char short_text[24];

        if (!ring_init(&slo->windows[2 * k], alloc, &service->bytes,
                       a->long_window_ns, WINDOW_SLOTS) ||
            !ring_init(&slo->windows[2 * k + 1], alloc, &service->bytes,
                       a->short_window_ns, WINDOW_SLOTS))
            goto fail;
        format_duration(long_text, sizeof long_text, a->long_window_ns);
        format_duration(short_text, sizeof short_text, a->short_window_ns);
        snprintf(slo->burn[k].rule, sizeof slo->burn[k].rule, "slo:%s:%s/%s",
                 name, long_text, short_text);
        slo->burn[k].windows = slo->burn[k].rule + strlen(name) + 5;
    }
    /* Count what is recorded from now on. */
    status = read_counts(slo, &slo->seen_good, &slo->seen_total);
    if (status != OBS_OK)
        goto fail;
    slo->counting = true;
    *tail = slo;
    service->slo_count++;
    if (out != NULL)
        *out = slo;
    return OBS_OK;

fail:
    slo_free(slo);
    return status;
}

void obs_slo_free_all(struct obs_service *service)
{
    struct obs_slo *slo = service->slos;

    while (slo != NULL) {
        struct obs_slo *next = slo->next;

        slo_free(slo);
        slo = next;
    }
    service->slos = NULL;
    service->slo_count = 0;
}

obs_status_t obs_slo_update(struct obs_slo *slo, uint64_t now_ns)
{
    uint64_t good;
    uint64_t total;
    uint64_t new_good;
    uint64_t new_total;
    obs_status_t status = read_counts(slo, &good, &total);

    if (status != OBS_OK)
        return status;
    new_good = good > slo->seen_good ? good - slo->seen_good : 0;
    new_total = total > slo->seen_total ? total - slo->seen_total : 0;
    if (new_good > new_total) /* a racing record: count it next time */
        new_good = new_total;
    slo->seen_good += new_good;
    slo->seen_total = total;
    ring_add(&slo->period, now_ns, new_good, new_total);
    for (size_t i = 0; i < 2 * slo->config.burn_alert_count; i++)
        ring_add(&slo->windows[i], now_ns, new_good, new_total);
    return OBS_OK;
}

/* bad / total over the share the objective allows, from integers where
 * possible so that round objectives give exact figures. */
static double burn_of(const struct obs_slo *slo, double good, double total)
{
    if (!(total > 0.0))
        return 0.0;
    return (total - good) * PPB / (total * (double)slo->budget_ppb);
}

/* The ring that covers a window most finely. */
static const struct obs_count_ring *ring_for(const struct obs_slo *slo,
                                             uint64_t window_ns)
{
    const struct obs_count_ring *best = &slo->period;

    for (size_t i = 0; i < 2 * slo->config.burn_alert_count; i++) {
        const struct obs_count_ring *ring = &slo->windows[i];

        if (ring->slot_ns * (ring->len - 1) >= window_ns &&
            ring->slot_ns < best->slot_ns)
            best = ring;
    }
    return best;
}

double obs_slo_burn(const struct obs_slo *slo, uint64_t now_ns,
                    uint64_t window_ns, double *total)
{
    double good;
    double all;

    ring_sum(ring_for(slo, window_ns), now_ns, window_ns, &good, &all);
    if (total != NULL)
        *total = all;
    return burn_of(slo, good, all);
}

bool obs_slo_burning(const struct obs_slo *slo, size_t k, uint64_t now_ns,
                     double *long_rate, double *short_rate)
{
    const obs_burn_alert_t *a = &slo->config.burn_alerts[k];
    double good;
    double long_total;
    double short_total;

    ring_sum(&slo->windows[2 * k], now_ns, a->long_window_ns, &good,
             &long_total);
    *long_rate = burn_of(slo, good, long_total);
    ring_sum(&slo->windows[2 * k + 1], now_ns, a->short_window_ns, &good,
             &short_total);
    *short_rate = burn_of(slo, good, short_total);
    return *long_rate > a->factor && *short_rate > a->factor &&
           long_total >= (double)slo->config.min_events &&
           short_total >= (double)slo->config.min_events;
}

static void fill_status(const struct obs_slo *slo, uint64_t now_ns,
                        obs_slo_status_t *status)
{
    double good;
    double total;

    ring_sum(&slo->period, now_ns, slo->config.period_ns, &good, &total);
    memset(status, 0, sizeof *status);
    status->name = slo->name;
    status->kind = slo->config.kind;
    status->objective = slo->config.objective;
    status->good = (uint64_t)llround(good);
    status->total = (uint64_t)llround(total);
    status->attained = total > 0.0 ? good / total : 1.0;
    status->error_budget = total * (double)slo->budget_ppb / PPB;
    status->budget_remaining = 1.0 - burn_of(slo, good, total);
    status->alert = OBS_SEVERITY_RESOLVED;
    for (size_t k = 0; k < slo->config.burn_alert_count; k++) {
        if (!slo->burn[k].firing)
            continue;
        if (slo->config.burn_alerts[k].severity == OBS_SEVERITY_PAGE ||
            status->alert == OBS_SEVERITY_RESOLVED)
            status->alert = slo->config.burn_alerts[k].severity;
    }
}

obs_status_t obs_slo_current(struct obs_slo *slo, uint64_t now_ns,
                             obs_slo_status_t *status)
{
    obs_status_t result = obs_slo_update(slo, now_ns);

    if (result == OBS_OK)
        fill_status(slo, now_ns, status);
    return result;
}

/* ---- public ------------------------------------------------------------- */

obs_status_t obs_service_add_slo(obs_service_t *service, const char *name,
                                 const obs_slo_config_t *config,
                                 obs_slo_t **slo)
{
    obs_status_t status;

    if (service == NULL || config == NULL)
        return OBS_EINVAL;
    pthread_mutex_lock(&service->core->settings_lock);
    status = obs_slo_add(service, name, config, slo);
    pthread_mutex_unlock(&service->core->settings_lock);
    return status;
}

size_t obs_service_slo_count(obs_service_t *service)
{
    size_t count;

    if (service == NULL)
        return 0;
    pthread_mutex_lock(&service->core->settings_lock);
    count = service->slo_count;
    pthread_mutex_unlock(&service->core->settings_lock);
    return count;
}

obs_slo_t *obs_service_slo_at(obs_service_t *service, size_t index)
{
    struct obs_slo *slo;

    if (service == NULL)
        return NULL;
    pthread_mutex_lock(&service->core->settings_lock);
    slo = service->slos;
    for (size_t i = 0; slo != NULL && i < index; i++)
        slo = slo->next;
    pthread_mutex_unlock(&service->core->settings_lock);
    return slo;
}

obs_status_t obs_slo_status(obs_slo_t *slo, obs_slo_status_t *status)
{
    struct obs_core *core;
    obs_status_t result;
    uint64_t now;

    if (slo == NULL || status == NULL)
        return OBS_EINVAL;
    core = slo->service->core;
    now = obs_timeline_tick(&core->timeline);
    pthread_mutex_lock(&core->settings_lock);
    result = obs_slo_current(slo, now, status);
    pthread_mutex_unlock(&core->settings_lock);
    return result;
}

obs_status_t obs_slo_burn_rate(obs_slo_t *slo, uint64_t window_ns,
                               double *rate)
{
    struct obs_core *core;
    obs_status_t result;
    uint64_t now;

    if (slo == NULL || rate == NULL || window_ns == 0 ||
        window_ns > slo->config.period_ns)
        return OBS_EINVAL;
    core = slo->service->core;
    now = obs_timeline_tick(&core->timeline);
    pthread_mutex_lock(&core->settings_lock);
    result = obs_slo_update(slo, now);
    if (result == OBS_OK)
        *rate = obs_slo_burn(slo, now, window_ns, NULL);
    pthread_mutex_unlock(&core->settings_lock);
    return result;
}
