/*
 * registry.c - the platform: its settings, its services in registration
 * order with a hash index by name, and its alerts.
 *
 * Services are never removed before the platform is freed, so a service
 * handle stays valid and the hot path never touches the registry lock.
 */
#include "registry.h"

#include <string.h>

#include "faults.h"
#include "health.h"
#include "slo.h"
#include "utf8.h"

#define MAX_WINDOW_SLOTS 1024 /* see OBS_SLOT_BITS */
#define MIN_SLOT_NS 1000      /* keeps epochs far below 2^54 */

void obs_config_init(obs_config_t *config)
{
    if (config == NULL)
        return;
    memset(config, 0, sizeof *config);
    config->latency_store = OBS_STORE_HISTOGRAM;
    config->precision_bits = OBS_HIST_DEFAULT_BITS;
    config->alert_history = 256;
    config->window_slots = 0;
    config->slot_ns = 1000000000u;
    config->health_view = OBS_VIEW_DEFAULT;
}

static bool config_valid(const obs_config_t *c)
{
    const obs_allocator_t *a = c->allocator;

    if (c->latency_store != OBS_STORE_HISTOGRAM &&
        c->latency_store != OBS_STORE_EXACT)
        return false;
    if (c->precision_bits < OBS_HIST_MIN_BITS ||
        c->precision_bits > OBS_HIST_MAX_BITS)
        return false;
    if (c->window_slots > MAX_WINDOW_SLOTS || c->slot_ns < MIN_SLOT_NS)
        return false;
    if (c->window_slots > 0 && c->latency_store != OBS_STORE_HISTOGRAM)
        return false;
    if (c->health_view != OBS_VIEW_DEFAULT &&
        c->health_view != OBS_VIEW_LIFETIME &&
        c->health_view != OBS_VIEW_WINDOW)
        return false;
    if (c->health_view == OBS_VIEW_WINDOW && c->window_slots == 0)
        return false;
    if (a != NULL &&
        (a->malloc == NULL || a->realloc == NULL || a->free == NULL))
        return false;
    return true;
}

obs_status_t obs_platform_new(const obs_config_t *config,
                              obs_platform_t **out)
{
    obs_config_t defaults;
    struct obs_alloc alloc;
    obs_platform_t *platform;
    struct obs_core *core;

    if (out == NULL)
        return OBS_EINVAL;
    if (config == NULL) {
        obs_config_init(&defaults);
        config = &defaults;
    }
    if (!config_valid(config))
        return OBS_EINVAL;

    obs_alloc_init(&alloc, config->allocator);
    platform = obs_alloc_zeroed(&alloc, sizeof *platform, NULL);
    if (platform == NULL)
        return OBS_ENOMEM;
    core = &platform->core;
    core->alloc = alloc;
    atomic_init(&core->alloc.bytes, sizeof *platform);
    obs_timeline_init(&core->timeline, config->clock, config->clock_user,
                      config->slot_ns, config->window_slots);
    core->store = config->latency_store;
    core->bits = config->precision_bits;
    core->health_view = config->health_view;
    if (core->health_view == OBS_VIEW_DEFAULT)
        core->health_view =
            config->window_slots ? OBS_VIEW_WINDOW : OBS_VIEW_LIFETIME;
    obs_thresholds_init(&core->thresholds);
    obs_alert_rules_init(&core->alert_rules);

    if (pthread_mutex_init(&core->settings_lock, NULL) != 0)
        goto fail_platform;
    if (pthread_rwlock_init(&platform->lock, NULL) != 0)
        goto fail_thresholds;
    if (obs_alerts_init(&platform->alerts, config->alert_history) != OBS_OK)
        goto fail_lock;
    *out = platform;
    return OBS_OK;

fail_lock:
    pthread_rwlock_destroy(&platform->lock);
fail_thresholds:
    pthread_mutex_destroy(&core->settings_lock);
fail_platform:
    obs_alloc_free(&alloc, platform, sizeof *platform, NULL);
    return OBS_ENOMEM;
}

void obs_platform_free(obs_platform_t *platform)
{
    struct obs_alloc *alloc;

    if (platform == NULL)
        return;
    alloc = &platform->core.alloc;
    for (size_t i = 0; i < platform->count; i++) {
        obs_slo_free_all(platform->services[i]);
        obs_service_destroy(platform->services[i]);
    }
    obs_alloc_free(alloc, platform->services,
                   platform->capacity * sizeof *platform->services, NULL);
    obs_alloc_free(alloc, platform->index,
                   platform->index_size * sizeof *platform->index, NULL);
    obs_alerts_destroy(&platform->alerts, alloc);
    obs_faults_destroy(&platform->core);
    pthread_rwlock_destroy(&platform->lock);
    pthread_mutex_destroy(&platform->core.settings_lock);
    {
        struct obs_alloc copy = *alloc;

        obs_alloc_free(&copy, platform, sizeof *platform, NULL);
    }
}

obs_status_t obs_platform_tick(obs_platform_t *platform)
{
    if (platform == NULL)
        return OBS_EINVAL;
    obs_timeline_tick(&platform->core.timeline);
    return OBS_OK;
}

size_t obs_platform_memory(const obs_platform_t *platform)
{
    if (platform == NULL)
        return 0;
    return atomic_load_explicit((atomic_size_t *)&platform->core.alloc.bytes,
                                memory_order_relaxed);
}

/* ---- names -------------------------------------------------------------- */

static bool valid_utf8(const unsigned char *s, size_t len)
{
    size_t used;

    for (size_t i = 0; i < len; i += used)
        if (obs_utf8_next(s + i, len - i, &used) < 0)
            return false;
    return true;
}

/* Length of a valid name, or 0 if the name is not valid. */
static size_t name_length(const char *name)
{
    size_t len;

    if (name == NULL)
        return 0;
    len = strnlen(name, OBS_SERVICE_NAME_MAX + 1);
    if (len == 0 || len > OBS_SERVICE_NAME_MAX ||
        !valid_utf8((const unsigned char *)name, len))
        return 0;
    return len;
}

static uint64_t hash_name(const char *name, size_t len)
{
    uint64_t hash = 0xcbf29ce484222325u; /* FNV-1a */

    for (size_t i = 0; i < len; i++) {
        hash ^= (unsigned char)name[i];
        hash *= 0x100000001b3u;
    }
    return hash;
}

/* Index slot holding `name`, or the empty slot where it would go. The
 * index stores position + 1, so 0 means empty. Caller holds the lock. */
static size_t probe(const obs_platform_t *platform, const char *name,
                    size_t len)
{
    size_t mask = platform->index_size - 1;
    size_t slot = (size_t)hash_name(name, len) & mask;

    for (;;) {
        size_t entry = platform->index[slot];
        const struct obs_service *service;

        if (entry == 0)
            return slot;
        service = platform->services[entry - 1];
        if (service->name_len == len && memcmp(service->name, name, len) == 0)
            return slot;
        slot = (slot + 1) & mask;
    }
}

static struct obs_service *lookup(const obs_platform_t *platform,
                                  const char *name, size_t len)
{
    size_t entry;

    if (platform->index_size == 0)
        return NULL;
    entry = platform->index[probe(platform, name, len)];
    return entry ? platform->services[entry - 1] : NULL;
}

/* Keep the index at most half full. Caller holds the write lock. */
static bool grow_index(obs_platform_t *platform)
{
    struct obs_alloc *alloc = &platform->core.alloc;
    size_t *old = platform->index;
    size_t old_size = platform->index_size;
    size_t size = old_size ? old_size * 2 : 16;

    if ((platform->count + 1) * 2 <= old_size)
        return true;
    platform->index = obs_alloc_zeroed(alloc, size * sizeof *old, NULL);
    if (platform->index == NULL) {
        platform->index = old;
        return false;
    }
    platform->index_size = size;
    for (size_t i = 0; i < platform->count; i++) {
        const struct obs_service *s = platform->services[i];

        platform->index[probe(platform, s->name, s->name_len)] = i + 1;
    }
    obs_alloc_free(alloc, old, old_size * sizeof *old, NULL);
    return true;
}

static bool grow_services(obs_platform_t *platform)
{
    struct obs_service **grown;

    if (platform->count < platform->capacity)
        return true;
    grown = obs_alloc_grow(&platform->core.alloc, platform->services,
                           &platform->capacity, 8, sizeof *grown, NULL);
    if (grown == NULL)
        return false;
    platform->services = grown;
    return true;
}

obs_status_t obs_platform_register(obs_platform_t *platform, const char *name,
                                   obs_service_t **out)
{
    size_t len = name_length(name);
    struct obs_service *service;
    obs_status_t status;

    if (platform == NULL || len == 0)
        return OBS_EINVAL;
    pthread_rwlock_wrlock(&platform->lock);
    service = lookup(platform, name, len);
    if (service != NULL) {
        status = OBS_EEXIST;
        goto done;
    }
    status = OBS_ENOMEM;
    if (!grow_services(platform) || !grow_index(platform))
        goto done;
    status = obs_service_create(&platform->core, name, len, platform->count,
                                &service);
    if (status != OBS_OK)
        goto done;
    platform->services[platform->count] = service;
    platform->index[probe(platform, name, len)] = platform->count + 1;
    platform->count++;
done:
    pthread_rwlock_unlock(&platform->lock);
    if (out != NULL && service != NULL)
        *out = service;
    return status;
}

obs_status_t obs_platform_find(const obs_platform_t *platform,
                               const char *name, obs_service_t **out)
{
    obs_platform_t *writable = (obs_platform_t *)platform;
    size_t len = name_length(name);
    struct obs_service *service;

    if (platform == NULL || name == NULL || out == NULL)
        return OBS_EINVAL;
    if (len == 0)
        return OBS_ENOENT;
    pthread_rwlock_rdlock(&writable->lock);
    service = lookup(platform, name, len);
    pthread_rwlock_unlock(&writable->lock);
    if (service == NULL)
        return OBS_ENOENT;
    *out = service;
    return OBS_OK;
}

size_t obs_platform_service_count(const obs_platform_t *platform)
{
    obs_platform_t *writable = (obs_platform_t *)platform;
    size_t count;

    if (platform == NULL)
        return 0;
    pthread_rwlock_rdlock(&writable->lock);
    count = platform->count;
    pthread_rwlock_unlock(&writable->lock);
    return count;
}

obs_service_t *obs_platform_service_at(const obs_platform_t *platform,
                                       size_t index)
{
    obs_platform_t *writable = (obs_platform_t *)platform;
    struct obs_service *service = NULL;

    if (platform == NULL)
        return NULL;
    pthread_rwlock_rdlock(&writable->lock);
    if (index < platform->count)
        service = platform->services[index];
    pthread_rwlock_unlock(&writable->lock);
    return service;
}

obs_status_t obs_record_request_by_name(obs_platform_t *platform,
                                        const char *name, double latency_ms,
                                        bool success)
{
    obs_service_t *service;
    obs_status_t status = obs_platform_find(platform, name, &service);

    if (status != OBS_OK)
        return status;
    return obs_record_request(service, latency_ms, success);
}

obs_status_t obs_record_health_check_by_name(obs_platform_t *platform,
                                             const char *name, bool passed)
{
    obs_service_t *service;
    obs_status_t status = obs_platform_find(platform, name, &service);

    if (status != OBS_OK)
        return status;
    return obs_record_health_check(service, passed);
}

/* ---- thresholds, health, alerts ----------------------------------------- */

obs_status_t obs_platform_set_thresholds(obs_platform_t *platform,
                                         const obs_thresholds_t *thresholds)
{
    obs_thresholds_t checked;

    if (platform == NULL || thresholds == NULL ||
        !obs_thresholds_check(thresholds, platform->core.bits, &checked))
        return OBS_EINVAL;
    pthread_mutex_lock(&platform->core.settings_lock);
    platform->core.thresholds = checked;
    pthread_mutex_unlock(&platform->core.settings_lock);
    return OBS_OK;
}

obs_status_t obs_platform_get_thresholds(const obs_platform_t *platform,
                                         obs_thresholds_t *thresholds)
{
    struct obs_core *core;

    if (platform == NULL || thresholds == NULL)
        return OBS_EINVAL;
    core = (struct obs_core *)&platform->core;
    pthread_mutex_lock(&core->settings_lock);
    *thresholds = core->thresholds;
    pthread_mutex_unlock(&core->settings_lock);
    return OBS_OK;
}

obs_status_t obs_platform_health(obs_platform_t *platform,
                                 obs_health_t *health)
{
    obs_health_t worst = OBS_HEALTHY;
    obs_status_t status = OBS_OK;

    if (platform == NULL || health == NULL)
        return OBS_EINVAL;
    pthread_rwlock_rdlock(&platform->lock);
    for (size_t i = 0; i < platform->count && status == OBS_OK; i++) {
        obs_health_t one;

        status = obs_service_health(platform->services[i], &one);
        if (status == OBS_OK && one > worst)
            worst = one;
    }
    pthread_rwlock_unlock(&platform->lock);
    if (status == OBS_OK)
        *health = worst;
    return status;
}

obs_status_t obs_platform_evaluate(obs_platform_t *platform, size_t *raised)
{
    struct obs_alert_batch batch = {NULL, 0, 0};
    obs_status_t status;
    uint64_t now;

    if (raised != NULL)
        *raised = 0;
    if (platform == NULL)
        return OBS_EINVAL;
    now = obs_timeline_tick(&platform->core.timeline);
    pthread_rwlock_rdlock(&platform->lock);
    status = obs_alerts_evaluate(&platform->alerts, &platform->core,
                                 platform->services, platform->count, now,
                                 &batch);
    pthread_rwlock_unlock(&platform->lock);
    if (raised != NULL)
        *raised = batch.count;
    obs_alerts_deliver(&platform->alerts, &platform->core.alloc, &batch);
    return status;
}

uint64_t obs_platform_alert_total(const obs_platform_t *platform)
{
    if (platform == NULL)
        return 0;
    return obs_alerts_total((struct obs_alerts *)&platform->alerts);
}

size_t obs_platform_recent_alerts(const obs_platform_t *platform,
                                  obs_alert_t *alerts, size_t max)
{
    if (platform == NULL || (alerts == NULL && max > 0))
        return 0;
    return obs_alerts_recent((struct obs_alerts *)&platform->alerts, alerts,
                             max);
}

obs_status_t obs_platform_set_alert_rules(obs_platform_t *platform,
                                          const obs_alert_rules_t *rules)
{
    if (platform == NULL || rules == NULL)
        return OBS_EINVAL;
    pthread_mutex_lock(&platform->core.settings_lock);
    platform->core.alert_rules = *rules;
    pthread_mutex_unlock(&platform->core.settings_lock);
    return OBS_OK;
}

obs_status_t obs_platform_subscribe(obs_platform_t *platform, obs_alert_fn fn,
                                    void *user, unsigned *id)
{
    if (platform == NULL || fn == NULL)
        return OBS_EINVAL;
    return obs_alerts_subscribe(&platform->alerts, &platform->core.alloc, fn,
                                user, id);
}

obs_status_t obs_platform_unsubscribe(obs_platform_t *platform, unsigned id)
{
    if (platform == NULL)
        return OBS_EINVAL;
    return obs_alerts_unsubscribe(&platform->alerts, id);
}

size_t obs_platform_active_alerts(obs_platform_t *platform,
                                  obs_alert_t *alerts, size_t max)
{
    size_t n;

    if (platform == NULL || (alerts == NULL && max > 0))
        return 0;
    pthread_rwlock_rdlock(&platform->lock);
    n = obs_alerts_active(&platform->alerts, &platform->core,
                          platform->services, platform->count, alerts, max);
    pthread_rwlock_unlock(&platform->lock);
    return n;
}
