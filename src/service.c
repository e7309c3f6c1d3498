/*
 * service.c - recording into a service and reading it back (see service.h).
 */
#include "service.h"

#include <math.h>
#include <sched.h>
#include <string.h>
#include <time.h>

#include "health.h"

/* A writer only folds a slot once per slot length, so in practice the
 * first or second read succeeds. After this many quick tries a reader
 * sleeps between tries: the writer was descheduled in the middle of a
 * fold and needs the processor. */
#define READ_ATTEMPTS 1000
#define READ_NAP_MAX_NS 1000000
#define STACK_SOURCES 64

static _Atomic uint64_t next_service_id;

static size_t slot_count(const struct obs_core *core)
{
    return core->timeline.slots ? core->timeline.slots + 1u : 1u;
}

static size_t shard_bytes(const struct obs_core *core)
{
    return sizeof(struct obs_shard) +
           slot_count(core) * sizeof(struct obs_slot);
}

static struct obs_shard *shard_new(struct obs_service *service)
{
    struct obs_core *core = service->core;
    struct obs_shard *shard;
    uint64_t epoch = obs_timeline_epoch(&core->timeline);

    shard = obs_alloc_zeroed(&core->alloc, shard_bytes(core),
                             &service->bytes);
    if (shard == NULL)
        return NULL;
    atomic_init(&shard->rotations, 0);
    for (size_t i = 0; i < slot_count(core); i++) {
        struct obs_slot *slot = &shard->slots[i];

        /* A fresh slot claims the current epoch only if it is the one the
         * writer uses now; the others are stamped "long ago" and empty. */
        atomic_init(&slot->epoch, core->timeline.slots &&
                                          i == epoch % core->timeline.slots
                                      ? epoch
                                      : 0);
        atomic_init(&slot->checks, 0);
        atomic_init(&slot->checks_passed, 0);
        obs_hist_init(&slot->succeeded, core->bits);
        obs_hist_init(&slot->failed, core->bits);
    }
    return shard;
}

static void shard_free(struct obs_service *service, struct obs_shard *shard)
{
    struct obs_core *core = service->core;

    if (shard == NULL)
        return;
    for (size_t i = 0; i < slot_count(core); i++) {
        obs_hist_destroy(&shard->slots[i].succeeded, &core->alloc,
                         &service->bytes);
        obs_hist_destroy(&shard->slots[i].failed, &core->alloc,
                         &service->bytes);
    }
    obs_alloc_free(&core->alloc, shard, shard_bytes(core), &service->bytes);
}

obs_status_t obs_service_create(struct obs_core *core, const char *name,
                                size_t name_len, size_t index,
                                struct obs_service **out)
{
    struct obs_service *service;

    service = obs_alloc_zeroed(&core->alloc, sizeof *service, NULL);
    if (service == NULL)
        return OBS_ENOMEM;
    service->core = core;
    service->index = index;
    service->window_slots = core->timeline.slots;
    /* Ids start at 1, so that an empty shard cache matches no service. */
    service->id = atomic_fetch_add(&next_service_id, 1) + 1;
    atomic_init(&service->bytes, sizeof *service);
    atomic_init(&service->dir, NULL);
    atomic_init(&service->evaluated_health, OBS_HEALTHY);
    service->name_len = name_len;
    service->name = obs_alloc_strndup(&core->alloc, name, name_len,
                                      &service->bytes);
    if (service->name == NULL)
        goto fail;
    if (pthread_mutex_init(&service->lock, NULL) != 0)
        goto fail;
    *out = service;
    return OBS_OK;

fail:
    obs_alloc_free(&core->alloc, service->name, name_len + 1, NULL);
    obs_alloc_free(&core->alloc, service, sizeof *service, NULL);
    return OBS_ENOMEM;
}

void obs_service_destroy(struct obs_service *service)
{
    struct obs_core *core;
    struct obs_shard_dir *dir;

    if (service == NULL)
        return;
    core = service->core;
    dir = atomic_load(&service->dir);
    for (size_t b = 0; dir != NULL && b < OBS_THREAD_BLOCKS; b++) {
        struct obs_shard_block *block = atomic_load(&dir->blocks[b]);

        if (block == NULL)
            continue;
        for (size_t i = 0; i < OBS_THREAD_BLOCK; i++)
            shard_free(service, atomic_load(&block->shards[i]));
        obs_alloc_free(&core->alloc, block, sizeof *block, NULL);
    }
    obs_alloc_free(&core->alloc, dir, sizeof *dir, NULL);
    shard_free(service, service->shared);
    obs_exact_destroy(&service->exact, &core->alloc, NULL);
    pthread_mutex_destroy(&service->lock);
    obs_alloc_free(&core->alloc, service->name, service->name_len + 1, NULL);
    obs_alloc_free(&core->alloc, service, sizeof *service, NULL);
}

/* ---- writers ---------------------------------------------------------- */

/* Create the calling thread's shard. Under the service lock, because two
 * threads may need the directory or a block at the same time. */
static struct obs_shard *shard_create(struct obs_service *service, int index)
{
    struct obs_core *core = service->core;
    struct obs_shard_dir *dir;
    struct obs_shard_block *block;
    struct obs_shard *shard = NULL;

    pthread_mutex_lock(&service->lock);
    dir = atomic_load_explicit(&service->dir, memory_order_relaxed);
    if (dir == NULL) {
        dir = obs_alloc_zeroed(&core->alloc, sizeof *dir, &service->bytes);
        if (dir == NULL)
            goto done;
        atomic_store_explicit(&service->dir, dir, memory_order_release);
    }
    block = atomic_load_explicit(&dir->blocks[index / OBS_THREAD_BLOCK],
                                 memory_order_relaxed);
    if (block == NULL) {
        block = obs_alloc_zeroed(&core->alloc, sizeof *block,
                                 &service->bytes);
        if (block == NULL)
            goto done;
        atomic_store_explicit(&dir->blocks[index / OBS_THREAD_BLOCK], block,
                              memory_order_release);
    }
    shard = shard_new(service);
    if (shard != NULL)
        atomic_store_explicit(&block->shards[index % OBS_THREAD_BLOCK], shard,
                              memory_order_release);
done:
    pthread_mutex_unlock(&service->lock);
    return shard;
}

static inline struct obs_shard *own_shard(struct obs_service *service,
                                          int index)
{
    struct obs_shard_dir *dir;
    struct obs_shard_block *block;
    struct obs_shard *shard;

    dir = atomic_load_explicit(&service->dir, memory_order_acquire);
    if (dir == NULL)
        return shard_create(service, index);
    block = atomic_load_explicit(&dir->blocks[index / OBS_THREAD_BLOCK],
                                 memory_order_acquire);
    if (block == NULL)
        return shard_create(service, index);
    shard = atomic_load_explicit(&block->shards[index % OBS_THREAD_BLOCK],
                                 memory_order_acquire);
    return shard != NULL ? shard : shard_create(service, index);
}

/* Fold `slot` into the archive and reuse it for `epoch`. The shard's
 * writer is the only caller, so nothing else changes the slot meanwhile;
 * readers see the rotation counter odd and read again. */
static bool rotate(struct obs_service *service, struct obs_shard *shard,
                   struct obs_slot *slot, uint64_t epoch)
{
    struct obs_core *core = service->core;
    struct obs_slot *archive = &shard->slots[core->timeline.slots];
    uint64_t rotations =
        atomic_load_explicit(&shard->rotations, memory_order_relaxed);
    bool ok;

    /* The stores below are releases, so a reader that sees any of them
     * also sees the odd count and retries. */
    atomic_store_explicit(&shard->rotations, rotations + 1,
                          memory_order_relaxed);
    /* Both folds or neither: room for both first, then the adds, which
     * cannot fail any more. */
    ok = obs_hist_reserve(&archive->succeeded, &slot->succeeded,
                          &core->alloc, &service->bytes) &&
         obs_hist_reserve(&archive->failed, &slot->failed, &core->alloc,
                          &service->bytes);
    if (ok) {
        obs_hist_add(&archive->succeeded, &slot->succeeded, &core->alloc,
                     &service->bytes);
        obs_hist_add(&archive->failed, &slot->failed, &core->alloc,
                     &service->bytes);
        obs_counter_add(&archive->checks, obs_counter_get(&slot->checks));
        obs_counter_add(&archive->checks_passed,
                        obs_counter_get(&slot->checks_passed));
        obs_hist_clear(&slot->succeeded);
        obs_hist_clear(&slot->failed);
        obs_counter_set(&slot->checks, 0);
        obs_counter_set(&slot->checks_passed, 0);
        obs_counter_set(&slot->epoch, epoch);
    }
    atomic_store_explicit(&shard->rotations, rotations + 2,
                          memory_order_release);
    return ok;
}

static inline struct obs_slot *current_slot(struct obs_service *service,
                                            struct obs_shard *shard)
{
    const struct obs_timeline *timeline = &service->core->timeline;
    struct obs_slot *slot;
    uint64_t epoch;

    if (timeline->slots == 0)
        return &shard->slots[0];
    epoch = obs_timeline_position(timeline);
    slot = &shard->slots[epoch & ((1u << OBS_SLOT_BITS) - 1)];
    epoch >>= OBS_SLOT_BITS;
    if (atomic_load_explicit(&slot->epoch, memory_order_relaxed) != epoch &&
        !rotate(service, shard, slot, epoch))
        return NULL;
    return slot;
}

static obs_status_t record_in(struct obs_service *service,
                              struct obs_shard *shard, double latency_ms,
                              bool success)
{
    struct obs_slot *slot = current_slot(service, shard);

    if (slot == NULL ||
        !obs_hist_record(success ? &slot->succeeded : &slot->failed,
                         latency_ms, &service->core->alloc, &service->bytes))
        return OBS_ENOMEM;
    return OBS_OK;
}

/* The path for the exact store and for threads without an index. */
static obs_status_t record_locked(struct obs_service *service,
                                  double latency_ms, bool success)
{
    obs_status_t status = OBS_ENOMEM;

    pthread_mutex_lock(&service->lock);
    if (service->shared == NULL)
        service->shared = shard_new(service);
    if (service->shared == NULL)
        goto done;
    if (service->core->store == OBS_STORE_EXACT) {
        if (!obs_exact_record(&service->exact, latency_ms,
                              &service->core->alloc, &service->bytes))
            goto done;
        if (!success)
            service->exact_errors++;
        status = OBS_OK;
    } else {
        status = record_in(service, service->shared, latency_ms, success);
    }
done:
    pthread_mutex_unlock(&service->lock);
    return status;
}

static bool valid_latency(double latency_ms)
{
    /* Rejects NaN (every comparison is false), negatives and infinity;
     * -0.0 passes and is made +0.0 by the caller. */
    return latency_ms >= 0.0 && latency_ms <= 1.7976931348623157e308;
}

/* Everything but the common case: a thread without an index, the exact
 * store, a shard to create, a slot to rotate, a chunk to allocate, a
 * latency outside the tracked range. The caller has checked the latency.
 * Kept out of line so that the fast path needs no stack frame. */
static __attribute__((noinline)) obs_status_t
record_slow(struct obs_service *service, double latency_ms, bool success)
{
    struct obs_shard *shard;
    int index = obs_thread_index();

    /* -0.0 (sign bit set) never takes the fast path; it counts as 0. */
    latency_ms += 0.0;
    if (index < 0 || service->core->store == OBS_STORE_EXACT)
        return record_locked(service, latency_ms, success);
    shard = own_shard(service, index);
    if (shard == NULL)
        return OBS_ENOMEM;
    return record_in(service, shard, latency_ms, success);
}

/* The last service each thread recorded into, and its shard there. The
 * service's id, not its address, says whether the entry is still good:
 * a freed service's address may be given to a new one. Ids start at 1 and
 * only shards that exist are cached, so a hit needs no other test. */
struct shard_cache {
    uint64_t service_id;
    struct obs_shard *shard;
};

static _Thread_local struct shard_cache last_shard
    __attribute__((tls_model("initial-exec")));

/* The calling thread's shard, looked up past the cache; NULL if it does
 * not exist yet (it never does for the exact store). */
static struct obs_shard *find_shard(struct obs_service *service)
{
    struct obs_shard_dir *dir;
    struct obs_shard_block *block;
    struct obs_shard *shard;
    unsigned index;
    int plus_one;

    /* Only now the thread index: the cache hit needs no other TLS read. */
    plus_one = obs_thread_index_plus_one;
    if (plus_one == 0)
        return NULL;
    index = (unsigned)plus_one - 1;
    dir = atomic_load_explicit(&service->dir, memory_order_acquire);
    if (dir == NULL)
        return NULL;
    block = atomic_load_explicit(&dir->blocks[index / OBS_THREAD_BLOCK],
                                 memory_order_acquire);
    if (block == NULL)
        return NULL;
    shard = atomic_load_explicit(&block->shards[index % OBS_THREAD_BLOCK],
                                 memory_order_acquire);
    if (shard != NULL) {
        last_shard.service_id = service->id;
        last_shard.shard = shard;
    }
    return shard;
}

/* The slot the calling thread records into right now, if the fast path
 * can use it: the shard exists and, with a window, the slot is current. */
static inline struct obs_slot *fast_slot(struct obs_service *service)
{
    struct obs_shard *shard;
    struct obs_slot *slot;

    if (__builtin_expect(last_shard.service_id == service->id, 1))
        shard = last_shard.shard;
    else if ((shard = find_shard(service)) == NULL)
        return NULL;
    slot = &shard->slots[0];
    if (service->window_slots != 0) {
        const struct obs_timeline *timeline = &service->core->timeline;
        uint64_t position = obs_timeline_position(timeline);

        slot = &shard->slots[position & ((1u << OBS_SLOT_BITS) - 1)];
        if (atomic_load_explicit(&slot->epoch, memory_order_relaxed) !=
            position >> OBS_SLOT_BITS)
            return NULL;
    }
    return slot;
}

obs_status_t obs_record_request(obs_service_t *service, double latency_ms,
                                bool success)
{
    struct obs_slot *slot;

    if (__builtin_expect(service == NULL, 0))
        return OBS_EINVAL;
    /* The fast path takes only finite latencies inside the tracked range,
     * so bad input always reaches the check below. */
    slot = fast_slot(service);
    if (__builtin_expect(slot != NULL, 1) &&
        __builtin_expect(obs_hist_record_fast(success ? &slot->succeeded
                                                      : &slot->failed,
                                              latency_ms),
                         1))
        return OBS_OK;
    if (!valid_latency(latency_ms))
        return OBS_EINVAL;
    return record_slow(service, latency_ms, success);
}

obs_status_t obs_record_request_at(obs_service_t *service, uint64_t time_ns,
                                   double latency_ms, bool success)
{
    if (service == NULL || !valid_latency(latency_ms))
        return OBS_EINVAL;
    obs_timeline_advance(&service->core->timeline, time_ns);
    return obs_record_request(service, latency_ms, success);
}

static void count_check(struct obs_slot *slot, bool passed)
{
    if (passed)
        obs_counter_add(&slot->checks_passed, 1);
    atomic_store_explicit(&slot->checks, obs_counter_get(&slot->checks) + 1,
                          memory_order_release);
}

obs_status_t obs_record_health_check(obs_service_t *service, bool passed)
{
    struct obs_shard *shard;
    struct obs_slot *slot;
    int index;

    if (service == NULL)
        return OBS_EINVAL;
    index = obs_thread_index();
    if (index < 0 || service->core->store == OBS_STORE_EXACT) {
        obs_status_t status = OBS_ENOMEM;

        pthread_mutex_lock(&service->lock);
        if (service->shared == NULL)
            service->shared = shard_new(service);
        slot = service->shared ? current_slot(service, service->shared)
                               : NULL;
        if (slot != NULL) {
            count_check(slot, passed);
            status = OBS_OK;
        }
        pthread_mutex_unlock(&service->lock);
        return status;
    }
    shard = own_shard(service, index);
    slot = shard ? current_slot(service, shard) : NULL;
    if (slot == NULL)
        return OBS_ENOMEM;
    count_check(slot, passed);
    return OBS_OK;
}

obs_status_t obs_record_health_check_at(obs_service_t *service,
                                        uint64_t time_ns, bool passed)
{
    if (service == NULL)
        return OBS_EINVAL;
    obs_timeline_advance(&service->core->timeline, time_ns);
    return obs_record_health_check(service, passed);
}

/* ---- readers ---------------------------------------------------------- */

struct shard_list {
    struct obs_shard **shards;
    uint64_t *rotations;
    size_t count;
    size_t capacity;
};

static bool list_add(struct obs_core *core, struct shard_list *list,
                     struct obs_shard *shard)
{
    if (list->count == list->capacity) {
        size_t capacity = list->capacity * 2;
        struct obs_shard **shards;
        uint64_t *rotations;

        shards = obs_alloc_array(&core->alloc, NULL, 0, capacity,
                                 sizeof *shards, NULL);
        rotations = obs_alloc_array(&core->alloc, NULL, 0, capacity,
                                    sizeof *rotations, NULL);
        if (shards == NULL || rotations == NULL) {
            obs_alloc_free(&core->alloc, shards, capacity * sizeof *shards,
                           NULL);
            obs_alloc_free(&core->alloc, rotations,
                           capacity * sizeof *rotations, NULL);
            return false;
        }
        memcpy(shards, list->shards, list->count * sizeof *shards);
        memcpy(rotations, list->rotations, list->count * sizeof *rotations);
        if (list->capacity > STACK_SOURCES) {
            obs_alloc_free(&core->alloc, list->shards,
                           list->capacity * sizeof *shards, NULL);
            obs_alloc_free(&core->alloc, list->rotations,
                           list->capacity * sizeof *rotations, NULL);
        }
        list->shards = shards;
        list->rotations = rotations;
        list->capacity = capacity;
    }
    list->shards[list->count++] = shard;
    return true;
}

static void list_release(struct obs_core *core, struct shard_list *list)
{
    if (list->capacity <= STACK_SOURCES)
        return;
    obs_alloc_free(&core->alloc, list->shards,
                   list->capacity * sizeof *list->shards, NULL);
    obs_alloc_free(&core->alloc, list->rotations,
                   list->capacity * sizeof *list->rotations, NULL);
}

static bool collect_shards(struct obs_service *service,
                           struct shard_list *list)
{
    struct obs_shard_dir *dir;

    dir = atomic_load_explicit(&service->dir, memory_order_acquire);
    for (size_t b = 0; dir != NULL && b < OBS_THREAD_BLOCKS; b++) {
        struct obs_shard_block *block = atomic_load_explicit(
            &dir->blocks[b], memory_order_acquire);

        for (size_t i = 0; block != NULL && i < OBS_THREAD_BLOCK; i++) {
            struct obs_shard *shard = atomic_load_explicit(
                &block->shards[i], memory_order_acquire);

            if (shard != NULL && !list_add(service->core, list, shard))
                return false;
        }
    }
    if (service->shared != NULL)
        return list_add(service->core, list, service->shared);
    return true;
}

static bool slot_in_view(const struct obs_timeline *timeline, size_t index,
                         uint64_t slot_epoch, uint64_t epoch, obs_view_t view)
{
    if (view == OBS_VIEW_LIFETIME)
        return true;
    if (index == timeline->slots) /* the archive */
        return false;
    return slot_epoch <= epoch && epoch - slot_epoch < timeline->slots;
}

/* One attempt at a consistent reading of the listed shards. */
static bool read_shards(struct obs_service *service, struct shard_list *list,
                        obs_view_t view, const struct obs_hist **sources,
                        obs_reading_fn fn, void *context)
{
    struct obs_core *core = service->core;
    uint64_t epoch = obs_timeline_epoch(&core->timeline);
    /* Failed requests' histograms are gathered in the second half of
     * `sources`, then moved up behind the successful ones. */
    size_t half = list->count * slot_count(core);
    struct obs_hist_totals failed;
    struct obs_reading reading;
    size_t n = 0;

    memset(&reading, 0, sizeof reading);
    for (size_t s = 0; s < list->count; s++) {
        struct obs_shard *shard = list->shards[s];

        list->rotations[s] =
            atomic_load_explicit(&shard->rotations, memory_order_acquire);
        if (list->rotations[s] & 1)
            return false;
        for (size_t i = 0; i < slot_count(core); i++) {
            struct obs_slot *slot = &shard->slots[i];

            if (!slot_in_view(&core->timeline, i,
                              atomic_load_explicit(&slot->epoch,
                                                   memory_order_acquire),
                              epoch, view))
                continue;
            reading.checks += atomic_load_explicit(&slot->checks,
                                                   memory_order_acquire);
            reading.checks_passed += obs_counter_get(&slot->checks_passed);
            sources[half + n] = &slot->failed;
            sources[n++] = &slot->succeeded;
        }
    }
    memmove(&sources[n], &sources[half], n * sizeof *sources);
    obs_hist_totals(sources, n, &reading.totals);
    obs_hist_totals(sources + n, n, &failed);
    obs_hist_totals_add(&reading.totals, &failed);
    reading.requests = reading.totals.count;
    reading.errors = failed.count;
    if (reading.checks_passed > reading.checks)
        reading.checks_passed = reading.checks;
    reading.bits = core->bits;
    reading.sources = sources;
    reading.source_count = 2 * n;
    fn(&reading, context);

    /* Every load above was an acquire: if it saw a rotation's store, this
     * load sees the rotation's count. */
    for (size_t s = 0; s < list->count; s++)
        if (atomic_load_explicit(&list->shards[s]->rotations,
                                 memory_order_relaxed) != list->rotations[s])
            return false;
    return true;
}

static obs_status_t read_histograms(struct obs_service *service,
                                    obs_view_t view, obs_reading_fn fn,
                                    void *context)
{
    struct obs_core *core = service->core;
    struct obs_shard *stack_shards[STACK_SOURCES];
    uint64_t stack_rotations[STACK_SOURCES];
    struct shard_list list = {stack_shards, stack_rotations, 0,
                              STACK_SOURCES};
    const struct obs_hist *stack_sources[STACK_SOURCES];
    const struct obs_hist **sources = NULL;
    size_t source_bytes = 0;
    obs_status_t status = OBS_ENOMEM;

    pthread_mutex_lock(&service->lock); /* keeps `shared` in place */
    if (!collect_shards(service, &list))
        goto done;
    if (2 * list.count * slot_count(core) <= STACK_SOURCES) {
        sources = stack_sources;
    } else {
        source_bytes = 2 * list.count * slot_count(core) * sizeof *sources;
        sources = obs_alloc_zeroed(&core->alloc, source_bytes, NULL);
        if (sources == NULL)
            goto done;
    }
    /* Until a reading is consistent: giving up after a number of tries
     * handed back OBS_OK with no reading at all when every try found a
     * shard half-way through a fold. */
    for (long nap_ns = 1000, attempt = 0;
         !read_shards(service, &list, view, sources, fn, context);
         attempt++) {
        struct timespec nap = {0, nap_ns};

        if (attempt < READ_ATTEMPTS) {
            sched_yield();
            continue;
        }
        nanosleep(&nap, NULL);
        if (nap_ns < READ_NAP_MAX_NS)
            nap_ns *= 2;
    }
    status = OBS_OK;
done:
    pthread_mutex_unlock(&service->lock);
    if (sources != stack_sources)
        obs_alloc_free(&core->alloc, sources, source_bytes, NULL);
    list_release(core, &list);
    return status;
}

static obs_status_t read_exact(struct obs_service *service,
                               obs_reading_fn fn, void *context)
{
    struct obs_reading reading;

    memset(&reading, 0, sizeof reading);
    pthread_mutex_lock(&service->lock);
    reading.bits = service->core->bits;
    reading.exact = &service->exact;
    reading.requests = service->exact.count;
    reading.errors = service->exact_errors;
    if (service->shared != NULL) {
        struct obs_slot *slot = &service->shared->slots[0];

        reading.checks = obs_counter_get(&slot->checks);
        reading.checks_passed = obs_counter_get(&slot->checks_passed);
    }
    for (size_t i = 0; i < service->exact.count; i++) {
        double sample = service->exact.samples[i];

        reading.totals.sum += sample;
        if (i == 0 || sample < reading.totals.min)
            reading.totals.min = sample;
        if (i == 0 || sample > reading.totals.max)
            reading.totals.max = sample;
    }
    reading.totals.count = reading.requests;
    fn(&reading, context);
    pthread_mutex_unlock(&service->lock);
    return OBS_OK;
}

obs_status_t obs_service_read(struct obs_service *service, obs_view_t view,
                              obs_reading_fn fn, void *context)
{
    struct obs_core *core = service->core;

    if (view == OBS_VIEW_DEFAULT)
        view = core->health_view;
    if (view != OBS_VIEW_LIFETIME && view != OBS_VIEW_WINDOW)
        return OBS_EINVAL;
    if (view == OBS_VIEW_WINDOW && core->timeline.slots == 0)
        return OBS_ENOWINDOW;
    obs_timeline_tick(&core->timeline);
    if (core->store == OBS_STORE_EXACT)
        return read_exact(service, fn, context);
    return read_histograms(service, view, fn, context);
}

void obs_reading_percentiles(const struct obs_reading *reading,
                             const double *percentiles, size_t count,
                             double *latency_ms)
{
    if (reading->exact != NULL)
        obs_exact_percentiles(reading->exact, percentiles, count, latency_ms);
    else
        obs_hist_percentiles(reading->sources, reading->source_count,
                             &reading->totals, percentiles, count,
                             latency_ms);
}

uint64_t obs_reading_count_le(const struct obs_reading *reading,
                              double bound_ms)
{
    uint64_t total = 0;

    if (reading->exact == NULL)
        return obs_hist_count_le(reading->sources, reading->source_count,
                                 bound_ms);
    for (size_t i = 0; i < reading->exact->count; i++)
        total += reading->exact->samples[i] <= bound_ms;
    return total;
}

/* ---- public figures ---------------------------------------------------- */

struct stats_request {
    obs_thresholds_t thresholds;
    obs_health_t previous;
    obs_service_stats_t *stats;
};

static void fill_stats(const struct obs_reading *reading, void *context)
{
    static const double wanted[3] = {50.0, 95.0, 99.0};
    struct stats_request *request = context;
    obs_service_stats_t *stats = request->stats;
    double p[3];

    obs_reading_percentiles(reading, wanted, 3, p);
    memset(stats, 0, sizeof *stats);
    stats->requests = reading->requests;
    stats->errors = reading->errors;
    stats->successes = reading->requests - reading->errors;
    stats->health_checks = reading->checks;
    stats->health_checks_passed = reading->checks_passed;
    stats->latency_clamped = reading->totals.clamped;
    stats->error_rate = obs_error_rate(reading->errors, reading->requests);
    stats->availability_pct =
        obs_availability_pct(reading->checks_passed, reading->checks);
    stats->p50_ms = p[0];
    stats->p95_ms = p[1];
    stats->p99_ms = p[2];
    stats->latency_sum_ms = reading->totals.sum;
    stats->health = obs_classify(&request->thresholds, stats->error_rate,
                                 stats->availability_pct, stats->p99_ms,
                                 request->previous);
}

obs_status_t obs_service_stats(obs_service_t *service, obs_view_t view,
                               obs_service_stats_t *stats)
{
    struct stats_request request;

    if (service == NULL || stats == NULL)
        return OBS_EINVAL;
    obs_service_get_thresholds(service, &request.thresholds);
    request.previous = (obs_health_t)atomic_load_explicit(
        &service->evaluated_health, memory_order_relaxed);
    request.stats = stats;
    return obs_service_read(service, view, fill_stats, &request);
}

struct percentile_request {
    double p;
    double latency_ms;
};

static void fill_percentile(const struct obs_reading *reading, void *context)
{
    struct percentile_request *request = context;

    obs_reading_percentiles(reading, &request->p, 1, &request->latency_ms);
}

obs_status_t obs_service_percentile(obs_service_t *service, obs_view_t view,
                                    double p, double *latency_ms)
{
    struct percentile_request request = {p, 0.0};
    obs_status_t status;

    if (service == NULL || latency_ms == NULL || !(p >= 0.0 && p <= 100.0))
        return OBS_EINVAL;
    status = obs_service_read(service, view, fill_percentile, &request);
    if (status == OBS_OK)
        *latency_ms = request.latency_ms;
    return status;
}

obs_status_t obs_service_health(obs_service_t *service, obs_health_t *health)
{
    obs_service_stats_t stats;
    obs_status_t status;

    if (service == NULL || health == NULL)
        return OBS_EINVAL;
    status = obs_service_stats(service, OBS_VIEW_DEFAULT, &stats);
    if (status == OBS_OK)
        *health = stats.health;
    return status;
}

const char *obs_service_name(const obs_service_t *service)
{
    return service != NULL ? service->name : NULL;
}

size_t obs_service_memory(const obs_service_t *service)
{
    if (service == NULL)
        return 0;
    return atomic_load_explicit((atomic_size_t *)&service->bytes,
                                memory_order_relaxed);
}

obs_status_t obs_service_set_thresholds(obs_service_t *service,
                                        const obs_thresholds_t *thresholds)
{
    obs_thresholds_t checked;

    if (service == NULL)
        return OBS_EINVAL;
    if (thresholds != NULL &&
        !obs_thresholds_check(thresholds, service->core->bits, &checked))
        return OBS_EINVAL;
    pthread_mutex_lock(&service->core->settings_lock);
    service->has_thresholds = thresholds != NULL;
    if (thresholds != NULL)
        service->thresholds = checked;
    pthread_mutex_unlock(&service->core->settings_lock);
    return OBS_OK;
}

obs_status_t obs_service_set_alert_rules(obs_service_t *service,
                                         const obs_alert_rules_t *rules)
{
    if (service == NULL)
        return OBS_EINVAL;
    pthread_mutex_lock(&service->core->settings_lock);
    service->has_alert_rules = rules != NULL;
    if (rules != NULL)
        service->alert_rules = *rules;
    pthread_mutex_unlock(&service->core->settings_lock);
    return OBS_OK;
}

obs_status_t obs_service_get_thresholds(const obs_service_t *service,
                                        obs_thresholds_t *thresholds)
{
    struct obs_core *core;

    if (service == NULL || thresholds == NULL)
        return OBS_EINVAL;
    core = service->core;
    pthread_mutex_lock(&core->settings_lock);
    *thresholds = service->has_thresholds ? service->thresholds
                                          : core->thresholds;
    pthread_mutex_unlock(&core->settings_lock);
    return OBS_OK;
}
