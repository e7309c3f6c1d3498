/*
 * test_alloc_failure.c - every public operation under allocation failure.
 *
 * The platform gets a counting allocator that makes the Nth allocation
 * fail. Each scenario builds a fresh platform, runs one operation with
 * allocation N failing, for N = 1, 2, ... until the operation succeeds,
 * and checks after every try that:
 * - a failed call returned exactly OBS_ENOMEM, and a call that returned
 *   OBS_OK did not meet the injected failure (it was not swallowed);
 * - nothing the caller can see changed (a failed record did not count, a
 *   failed evaluation left nothing half-raised), and the same operation
 *   then succeeds with the figures it should give;
 * - the bytes the allocator holds are the bytes obs_platform_memory()
 *   reports, and after obs_platform_free() no block is left.
 */
#include <pthread.h>
#include <stdalign.h>
#include <stdbool.h>

#include "test_util.h"

/* ---- the counting allocator ------------------------------------------- */

struct counting {
    pthread_mutex_t lock;
    size_t calls;       /* malloc and realloc calls since arming */
    size_t fail_at;     /* the call that fails (1 is the next); 0: none */
    size_t failures;    /* calls made to fail since arming */
    size_t live_blocks;
    size_t live_bytes;
};

/* Each block starts with its size, so that free knows what it releases. */
typedef union {
    max_align_t align;
    size_t size;
} block_header_t;

static struct counting counting = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, 0, 0};

/* Under the lock: whether this call is the one to fail. */
static bool next_call_fails(struct counting *c)
{
    c->calls++;
    if (c->fail_at != 0 && c->calls == c->fail_at) {
        c->failures++;
        return true;
    }
    return false;
}

static void *counting_malloc(void *user, size_t size)
{
    struct counting *c = user;
    block_header_t *block = NULL;

    pthread_mutex_lock(&c->lock);
    if (!next_call_fails(c) && size <= SIZE_MAX - sizeof *block)
        block = malloc(sizeof *block + size);
    if (block != NULL) {
        block->size = size;
        c->live_blocks++;
        c->live_bytes += size;
    }
    pthread_mutex_unlock(&c->lock);
    return block != NULL ? block + 1 : NULL;
}

static void *counting_realloc(void *user, void *ptr, size_t size)
{
    struct counting *c = user;
    block_header_t *old = (block_header_t *)ptr - 1;
    block_header_t *block = NULL;
    size_t old_size = old->size;

    pthread_mutex_lock(&c->lock);
    if (!next_call_fails(c) && size <= SIZE_MAX - sizeof *block)
        block = realloc(old, sizeof *block + size);
    if (block != NULL) {
        block->size = size;
        c->live_bytes += size - old_size;
    }
    pthread_mutex_unlock(&c->lock);
    return block != NULL ? block + 1 : NULL;
}

static void counting_free(void *user, void *ptr)
{
    struct counting *c = user;
    block_header_t *block = (block_header_t *)ptr - 1;

    pthread_mutex_lock(&c->lock);
    c->live_blocks--;
    c->live_bytes -= block->size;
    pthread_mutex_unlock(&c->lock);
    free(block);
}

static const obs_allocator_t counting_allocator = {
    counting_malloc, counting_realloc, counting_free, &counting,
};

/* Make allocation n (1 is the next one) fail. */
static void fail_allocation(size_t n)
{
    pthread_mutex_lock(&counting.lock);
    counting.calls = 0;
    counting.failures = 0;
    counting.fail_at = n;
    pthread_mutex_unlock(&counting.lock);
}

/* Stop failing; returns how many allocations were made to fail. */
static size_t stop_failing(void)
{
    size_t failures;

    pthread_mutex_lock(&counting.lock);
    failures = counting.failures;
    counting.fail_at = 0;
    counting.failures = 0;
    pthread_mutex_unlock(&counting.lock);
    return failures;
}

/* A test that failed half-way left its platform behind: the next test
 * counts from zero. */
static void forget_earlier_tests(void)
{
    pthread_mutex_lock(&counting.lock);
    counting.live_blocks = 0;
    counting.live_bytes = 0;
    pthread_mutex_unlock(&counting.lock);
}

static size_t live_blocks(void)
{
    size_t n;

    pthread_mutex_lock(&counting.lock);
    n = counting.live_blocks;
    pthread_mutex_unlock(&counting.lock);
    return n;
}

static size_t live_bytes(void)
{
    size_t n;

    pthread_mutex_lock(&counting.lock);
    n = counting.live_bytes;
    pthread_mutex_unlock(&counting.lock);
    return n;
}

/* ---- fixtures ----------------------------------------------------------- */

#define SERVICES 10
#define SUBSCRIBERS 10 /* more than a delivery can keep on its stack */
#define JSON_SIZE 65536

struct fixture {
    const struct scenario *scenario;
    struct test_clock clock;
    obs_platform_t *platform;
    obs_service_t *service[SERVICES];
    obs_slo_t *slo;
    obs_histogram_t *histogram;
    unsigned delivered[SUBSCRIBERS]; /* events each subscriber received */
    size_t raised;                   /* alerts raised by the operation */
    char *text;                      /* a report or exposition */
    size_t length;
};

struct scenario {
    const char *name;
    obs_latency_store_t store;
    unsigned window_slots; /* 100: window reads need a source list */
    /* Optional: build what the operation needs. */
    void (*setup)(struct fixture *f);
    obs_status_t (*op)(struct fixture *f);
    /* Optional: after a failed try, check that nothing changed. */
    void (*unchanged)(struct fixture *f);
    /* After the try that succeeded, or a repeat after a failed one. */
    void (*succeeded)(struct fixture *f);
    /* Whether a failed try must leave obs_platform_memory() as it was. */
    bool same_memory;
};

static void fixture_open(struct fixture *f, const struct scenario *scenario)
{
    obs_config_t config;

    memset(f, 0, sizeof *f);
    f->scenario = scenario;
    f->clock.now_ns = 10u * 1000000000u;
    obs_config_init(&config);
    config.latency_store = scenario->store;
    config.window_slots = scenario->window_slots;
    config.clock = test_clock_read;
    config.clock_user = &f->clock;
    config.allocator = &counting_allocator;
    assert_int_equal(live_blocks(), 0);
    assert_ok(obs_platform_new(&config, &f->platform));
    f->text = malloc(JSON_SIZE);
    assert_non_null(f->text);
}

/* What the allocator holds is what the platform says it holds. */
static void assert_accounted(const struct fixture *f)
{
    assert_int_equal(live_bytes(), obs_platform_memory(f->platform));
}

static void fixture_close(struct fixture *f)
{
    assert_accounted(f);
    obs_histogram_free(f->histogram);
    obs_platform_free(f->platform);
    free(f->text);
    assert_int_equal(live_blocks(), 0);
    assert_int_equal(live_bytes(), 0);
}

/* Run the scenario's operation with allocation N failing, N = 1, 2, ...,
 * each time on a fresh platform, until it succeeds. Returns how many
 * tries failed. */
static size_t run_scenario(const struct scenario *s)
{
    size_t n;

    forget_earlier_tests();
    for (n = 1;; n++) {
        struct fixture f;
        obs_status_t status;
        size_t failures;
        size_t memory;

        if (n > 10000)
            fail_msg("%s: still failing after %zu tries", s->name, n);
        fixture_open(&f, s);
        if (s->setup != NULL)
            s->setup(&f);
        memory = obs_platform_memory(f.platform);
        fail_allocation(n);
        status = s->op(&f);
        failures = stop_failing();
        if (status == OBS_OK) {
            if (failures != 0)
                fail_msg("%s: allocation %zu failed, yet the call "
                         "returned OBS_OK", s->name, n);
            s->succeeded(&f);
            fixture_close(&f);
            return n - 1;
        }
        if (status != OBS_ENOMEM || failures != 1)
            fail_msg("%s: allocation %zu failed (%zu failures): the call "
                     "returned %d (%s), not OBS_ENOMEM", s->name, n,
                     failures, (int)status, obs_strerror(status));
        assert_accounted(&f);
        if (s->same_memory &&
            obs_platform_memory(f.platform) != memory)
            fail_msg("%s: allocation %zu failed: memory went from %zu to "
                     "%zu bytes", s->name, n, memory,
                     obs_platform_memory(f.platform));
        if (s->unchanged != NULL)
            s->unchanged(&f);
        /* Still usable: the same call now succeeds, as if it were the
         * first. */
        status = s->op(&f);
        if (status != OBS_OK)
            fail_msg("%s: after allocation %zu failed, the repeated call "
                     "returned %s", s->name, n, obs_strerror(status));
        s->succeeded(&f);
        fixture_close(&f);
    }
}

/* Run a scenario that must allocate: its first allocation fails. */
static void run_allocating(const struct scenario *s)
{
    size_t failed = run_scenario(s);

    if (failed == 0)
        fail_msg("%s: the operation made no allocation through the "
                 "platform's allocator", s->name);
}

/* ---- helpers ------------------------------------------------------------ */

static obs_service_stats_t lifetime(obs_service_t *service)
{
    obs_service_stats_t stats;

    assert_ok(obs_service_stats(service, OBS_VIEW_LIFETIME, &stats));
    return stats;
}

static void record_n(obs_service_t *service, int n, double latency_ms,
                     bool success)
{
    for (int i = 0; i < n; i++)
        assert_ok(obs_record_request(service, latency_ms, success));
}

static void count_event(const obs_alert_t *alert, void *user)
{
    unsigned *delivered = user;

    assert_non_null(alert->service);
    (*delivered)++;
}

static void subscribe_all(struct fixture *f)
{
    for (int i = 0; i < SUBSCRIBERS; i++)
        assert_ok(obs_platform_subscribe(f->platform, count_event,
                                         &f->delivered[i], NULL));
}

/* Every subscriber received each alert of the platform exactly once. */
static void assert_delivered(const struct fixture *f, uint64_t alerts)
{
    for (int i = 0; i < SUBSCRIBERS; i++)
        if (f->delivered[i] != alerts)
            fail_msg("subscriber %d received %u events of %llu", i,
                     f->delivered[i], (unsigned long long)alerts);
}

/* ---- creating and registering ---------------------------------------- */

static obs_status_t op_platform_new(struct fixture *f)
{
    obs_config_t config;
    obs_platform_t *platform = (obs_platform_t *)&config; /* a marker */
    obs_status_t status;

    obs_config_init(&config);
    config.window_slots = 100;
    config.allocator = &counting_allocator;
    status = obs_platform_new(&config, &platform);
    if (status != OBS_OK) {
        assert_ptr_equal(platform, (obs_platform_t *)&config);
        return status;
    }
    f->histogram = NULL;
    obs_platform_free(platform);
    return OBS_OK;
}

static void nothing_more(struct fixture *f)
{
    (void)f;
}

static void test_alloc_failure_platform_new(void **state)
{
    static const struct scenario s = {
        "obs_platform_new", OBS_STORE_HISTOGRAM, 0, NULL, op_platform_new,
        NULL, nothing_more, true,
    };

    (void)state;
    run_allocating(&s);
}

static obs_status_t op_register(struct fixture *f)
{
    return obs_platform_register(f->platform, "newcomer", &f->service[0]);
}

static void register_not_there(struct fixture *f)
{
    obs_service_t *found;

    assert_int_equal(obs_platform_find(f->platform, "newcomer", &found),
                     OBS_ENOENT);
}

static void register_first_unchanged(struct fixture *f)
{
    register_not_there(f);
    assert_int_equal(obs_platform_service_count(f->platform), 0);
}

static void register_first_done(struct fixture *f)
{
    obs_service_t *found;

    assert_int_equal(obs_platform_service_count(f->platform), 1);
    assert_ok(obs_platform_find(f->platform, "newcomer", &found));
    assert_ptr_equal(found, f->service[0]);
    assert_string_equal(obs_service_name(found), "newcomer");
    assert_int_equal(obs_platform_register(f->platform, "newcomer", NULL),
                     OBS_EEXIST);
}

static void test_alloc_failure_register_first(void **state)
{
    static const struct scenario s = {
        "obs_platform_register (first)", OBS_STORE_HISTOGRAM, 0, NULL,
        op_register, register_first_unchanged, register_first_done, false,
    };

    (void)state;
    run_allocating(&s);
}

/* Eight services fill the first service array and half the index, so the
 * ninth grows both. */
static void eight_services(struct fixture *f)
{
    char name[16];

    for (int i = 0; i < 8; i++) {
        snprintf(name, sizeof name, "s%d", i);
        assert_ok(obs_platform_register(f->platform, name, NULL));
    }
}

static void register_ninth_unchanged(struct fixture *f)
{
    char name[16];
    obs_service_t *found;

    register_not_there(f);
    assert_int_equal(obs_platform_service_count(f->platform), 8);
    for (int i = 0; i < 8; i++) {
        snprintf(name, sizeof name, "s%d", i);
        assert_ok(obs_platform_find(f->platform, name, &found));
        assert_ptr_equal(obs_platform_service_at(f->platform, (size_t)i),
                         found);
    }
}

static void register_ninth_done(struct fixture *f)
{
    obs_service_t *found;

    assert_int_equal(obs_platform_service_count(f->platform), 9);
    assert_ok(obs_platform_find(f->platform, "newcomer", &found));
    assert_ptr_equal(obs_platform_service_at(f->platform, 8), found);
    assert_ok(obs_platform_find(f->platform, "s7", &found));
}

static void test_alloc_failure_register_ninth(void **state)
{
    static const struct scenario s = {
        "obs_platform_register (ninth)", OBS_STORE_HISTOGRAM, 0,
        eight_services, op_register, register_ninth_unchanged,
        register_ninth_done, false,
    };

    (void)state;
    run_allocating(&s);
}

/* ---- recording ---------------------------------------------------------- */

static void one_service(struct fixture *f)
{
    f->service[0] = add_service(f->platform, "api");
}

struct thread_call {
    obs_service_t *service;
    obs_status_t status;
};

static void *record_on_new_thread(void *arg)
{
    struct thread_call *call = arg;

    call->status = obs_record_request(call->service, 5.0, false);
    return NULL;
}

/* The first request a new thread records: its shard is created. */
static obs_status_t op_first_record_on_thread(struct fixture *f)
{
    struct thread_call call = {f->service[0], OBS_EINVAL};
    pthread_t thread;

    assert_int_equal(pthread_create(&thread, NULL, record_on_new_thread,
                                    &call),
                     0);
    assert_int_equal(pthread_join(thread, NULL), 0);
    return call.status;
}

static void nothing_recorded(struct fixture *f)
{
    obs_service_stats_t stats = lifetime(f->service[0]);

    assert_int_equal(stats.requests, 0);
    assert_int_equal(stats.errors, 0);
    assert_double_exact(stats.latency_sum_ms, 0.0);
}

static void one_error_recorded(struct fixture *f)
{
    obs_service_stats_t stats = lifetime(f->service[0]);

    assert_int_equal(stats.requests, 1);
    assert_int_equal(stats.errors, 1);
    assert_double_exact(stats.p99_ms, 5.0);
    assert_double_exact(stats.latency_sum_ms, 5.0);
}

static void test_alloc_failure_first_record_on_thread(void **state)
{
    static const struct scenario s = {
        "obs_record_request (new thread)", OBS_STORE_HISTOGRAM, 0,
        one_service, op_first_record_on_thread, nothing_recorded,
        one_error_recorded, false,
    };

    (void)state;
    run_allocating(&s);
}

static void one_service_one_request(struct fixture *f)
{
    one_service(f);
    assert_ok(obs_record_request(f->service[0], 5.0, true));
}

/* A latency in a part of the range nothing was recorded in yet. */
static obs_status_t op_record_new_range(struct fixture *f)
{
    return obs_record_request(f->service[0], 250000.0, false);
}

static void still_one_request(struct fixture *f)
{
    obs_service_stats_t stats = lifetime(f->service[0]);

    assert_int_equal(stats.requests, 1);
    assert_int_equal(stats.errors, 0);
    assert_double_exact(stats.p99_ms, 5.0);
    assert_double_exact(stats.latency_sum_ms, 5.0);
}

static void new_range_recorded(struct fixture *f)
{
    obs_service_stats_t stats = lifetime(f->service[0]);

    assert_int_equal(stats.requests, 2);
    assert_int_equal(stats.errors, 1);
    assert_double_exact(stats.p99_ms, 250000.0);
    assert_double_exact(stats.latency_sum_ms, 250005.0);
}

static void test_alloc_failure_record_new_range(void **state)
{
    static const struct scenario s = {
        "obs_record_request (new range)", OBS_STORE_HISTOGRAM, 0,
        one_service_one_request, op_record_new_range, still_one_request,
        new_range_recorded, false,
    };

    (void)state;
    run_allocating(&s);
}

/* The exact store keeps 64 samples in its first array; the 65th grows
 * it. */
static void sixty_four_requests(struct fixture *f)
{
    one_service(f);
    record_n(f->service[0], 64, 5.0, true);
}

static void still_sixty_four(struct fixture *f)
{
    obs_service_stats_t stats = lifetime(f->service[0]);

    assert_int_equal(stats.requests, 64);
    assert_int_equal(stats.errors, 0);
    assert_double_exact(stats.p99_ms, 5.0);
    assert_double_exact(stats.latency_sum_ms, 320.0);
}

static void sixty_fifth(struct fixture *f)
{
    obs_service_stats_t stats = lifetime(f->service[0]);

    assert_int_equal(stats.requests, 65);
    assert_int_equal(stats.errors, 1);
    assert_double_exact(stats.p99_ms, 250000.0);
    assert_double_exact(stats.latency_sum_ms, 250320.0);
}

static void test_alloc_failure_record_exact(void **state)
{
    static const struct scenario s = {
        "obs_record_request (exact store)", OBS_STORE_EXACT, 0,
        sixty_four_requests, op_record_new_range, still_sixty_four,
        sixty_fifth, false,
    };

    (void)state;
    run_allocating(&s);
}

/* With a window of 4 one-second slots, a request 4 s later reuses the
 * first slot: its figures are folded into the archive first, which needs
 * memory for the archive's buckets. */
static void windowed_request(struct fixture *f)
{
    one_service(f);
    assert_ok(obs_record_request_at(f->service[0], 0, 5.0, true));
}

static obs_status_t op_record_rotating(struct fixture *f)
{
    return obs_record_request_at(f->service[0], 4000000000u, 250000.0,
                                 false);
}

static void rotated(struct fixture *f)
{
    obs_service_stats_t stats;

    new_range_recorded(f);
    assert_ok(obs_service_stats(f->service[0], OBS_VIEW_WINDOW, &stats));
    assert_int_equal(stats.requests, 1);
    assert_int_equal(stats.errors, 1);
}

static void test_alloc_failure_record_rotating_window(void **state)
{
    static const struct scenario s = {
        "obs_record_request_at (slot reuse)", OBS_STORE_HISTOGRAM, 4,
        windowed_request, op_record_rotating, still_one_request, rotated,
        false,
    };

    (void)state;
    run_allocating(&s);
}

static obs_status_t op_health_check(struct fixture *f)
{
    return obs_record_health_check(f->service[0], false);
}

static void no_check(struct fixture *f)
{
    obs_service_stats_t stats = lifetime(f->service[0]);

    assert_int_equal(stats.health_checks, 0);
    assert_double_exact(stats.availability_pct, 100.0);
}

static void one_failed_check(struct fixture *f)
{
    obs_service_stats_t stats = lifetime(f->service[0]);

    assert_int_equal(stats.health_checks, 1);
    assert_int_equal(stats.health_checks_passed, 0);
    assert_double_exact(stats.availability_pct, 0.0);
}

static void test_alloc_failure_health_check(void **state)
{
    static const struct scenario s = {
        "obs_record_health_check", OBS_STORE_HISTOGRAM, 0, one_service,
        op_health_check, no_check, one_failed_check, false,
    };

    (void)state;
    run_allocating(&s);
}

static void test_alloc_failure_health_check_exact(void **state)
{
    static const struct scenario s = {
        "obs_record_health_check (exact store)", OBS_STORE_EXACT, 0,
        one_service, op_health_check, no_check, one_failed_check, false,
    };

    (void)state;
    run_allocating(&s);
}

/* ---- reading ------------------------------------------------------------ */

/* 100 window slots: reading one shard's slots needs a list of 101
 * sources, more than a reader keeps on its stack. */
static void recorded_service(struct fixture *f)
{
    one_service(f);
    record_n(f->service[0], 90, 10.0, true);
    record_n(f->service[0], 10, 200.0, false);
    assert_ok(obs_record_health_check(f->service[0], true));
}

static obs_status_t op_window_stats(struct fixture *f)
{
    obs_service_stats_t stats;
    obs_status_t status;

    memset(&stats, 0xa5, sizeof stats);
    status = obs_service_stats(f->service[0], OBS_VIEW_WINDOW, &stats);
    if (status != OBS_OK) {
        obs_service_stats_t untouched;

        memset(&untouched, 0xa5, sizeof untouched);
        assert_memory_equal(&stats, &untouched, sizeof stats);
    } else {
        assert_int_equal(stats.requests, 100);
        assert_int_equal(stats.errors, 10);
        assert_double_exact(stats.p50_ms, 10.0);
        assert_latency(OBS_STORE_HISTOGRAM, stats.p99_ms, 200.0);
        assert_int_equal(stats.health_checks, 1);
        assert_int_equal(stats.health, OBS_DEGRADED);
    }
    return status;
}

static void window_figures(struct fixture *f)
{
    assert_ok(op_window_stats(f));
}

static void test_alloc_failure_window_stats(void **state)
{
    static const struct scenario s = {
        "obs_service_stats (window)", OBS_STORE_HISTOGRAM, 100,
        recorded_service, op_window_stats, NULL, window_figures, true,
    };

    (void)state;
    run_allocating(&s);
}

static obs_status_t op_window_percentile(struct fixture *f)
{
    double p95 = -1.0;
    obs_status_t status;

    status = obs_service_percentile(f->service[0], OBS_VIEW_WINDOW, 95.0,
                                    &p95);
    if (status == OBS_OK)
        assert_latency(OBS_STORE_HISTOGRAM, p95, 200.0);
    else
        assert_double_exact(p95, -1.0);
    return status;
}

static void test_alloc_failure_window_percentile(void **state)
{
    static const struct scenario s = {
        "obs_service_percentile (window)", OBS_STORE_HISTOGRAM, 100,
        recorded_service, op_window_percentile, NULL, window_figures, true,
    };

    (void)state;
    run_allocating(&s);
}

static obs_status_t op_health(struct fixture *f)
{
    obs_health_t health = OBS_HEALTHY;
    obs_status_t status = obs_platform_health(f->platform, &health);

    if (status == OBS_OK)
        assert_int_equal(health, OBS_DEGRADED);
    else
        assert_int_equal(health, OBS_HEALTHY);
    return status;
}

static void test_alloc_failure_platform_health(void **state)
{
    static const struct scenario s = {
        "obs_platform_health (window)", OBS_STORE_HISTOGRAM, 100,
        recorded_service, op_health, NULL, window_figures, true,
    };

    (void)state;
    run_allocating(&s);
}

static obs_status_t op_merge_latency(struct fixture *f)
{
    return obs_service_merge_latency(f->service[0], OBS_VIEW_LIFETIME,
                                     f->histogram);
}

static void merge_target(struct fixture *f)
{
    recorded_service(f);
    assert_ok(obs_histogram_new(9, &f->histogram));
    assert_ok(obs_histogram_record(f->histogram, 1.0));
}

static void target_unchanged(struct fixture *f)
{
    assert_int_equal(obs_histogram_count(f->histogram), 1);
}

static void merged(struct fixture *f)
{
    static const double wanted[3] = {0.0, 50.0, 100.0};
    double values[3];

    assert_int_equal(obs_histogram_count(f->histogram), 101);
    assert_ok(obs_histogram_percentiles(f->histogram, wanted, 3, values));
    assert_double_exact(values[0], 1.0);
    assert_latency(OBS_STORE_HISTOGRAM, values[1], 10.0);
    assert_double_exact(values[2], 200.0);
}

static void test_alloc_failure_merge_latency(void **state)
{
    static const struct scenario s = {
        "obs_service_merge_latency", OBS_STORE_HISTOGRAM, 0, merge_target,
        op_merge_latency, target_unchanged, merged, true,
    };

    (void)state;
    run_allocating(&s);
}

static void test_alloc_failure_merge_latency_window(void **state)
{
    static const struct scenario s = {
        "obs_service_merge_latency (window)", OBS_STORE_HISTOGRAM, 100,
        merge_target, op_merge_latency, target_unchanged, merged, true,
    };

    (void)state;
    run_allocating(&s);
}

static void test_alloc_failure_merge_latency_exact(void **state)
{
    static const struct scenario s = {
        "obs_service_merge_latency (exact store)", OBS_STORE_EXACT, 0,
        merge_target, op_merge_latency, target_unchanged, merged, true,
    };

    (void)state;
    run_allocating(&s);
}

/* ---- alerts -------------------------------------------------------------- */

/* Three services go critical, down and degraded; the others stay healthy.
 * Ten subscribers listen. */
static void troubled_services(struct fixture *f)
{
    char name[16];

    for (int i = 0; i < SERVICES; i++) {
        snprintf(name, sizeof name, "svc-%d", i);
        f->service[i] = add_service(f->platform, name);
        record_n(f->service[i], 20, 10.0, true);
    }
    record_n(f->service[1], 20, 10.0, false);        /* critical */
    for (int i = 0; i < 4; i++)                      /* down */
        assert_ok(obs_record_health_check(f->service[4], false));
    record_n(f->service[7], 2, 10.0, false);          /* degraded */
    subscribe_all(f);
}

static obs_status_t op_evaluate(struct fixture *f)
{
    size_t raised = 99;
    obs_status_t status = obs_platform_evaluate(f->platform, &raised);

    assert_true(raised <= 3);
    f->raised += raised;
    return status;
}

/* What a failed evaluation raised is kept and was delivered; nothing else
 * happened. */
static void raised_so_far(struct fixture *f)
{
    obs_alert_t recent[8];

    assert_int_equal(obs_platform_alert_total(f->platform), f->raised);
    assert_int_equal(obs_platform_recent_alerts(f->platform, recent, 8),
                     f->raised);
    assert_delivered(f, f->raised);
}

static void three_alerts(struct fixture *f)
{
    static const char *const expected[3][2] = {
        {"svc-1", "critical"}, {"svc-4", "page"}, {"svc-7", "warning"},
    };
    obs_alert_t recent[8];
    size_t raised;

    assert_int_equal(f->raised, 3);
    assert_int_equal(obs_platform_alert_total(f->platform), 3);
    assert_int_equal(obs_platform_recent_alerts(f->platform, recent, 8), 3);
    for (int i = 0; i < 3; i++) {
        assert_string_equal(recent[i].service, expected[i][0]);
        assert_string_equal(obs_severity_name(recent[i].severity),
                            expected[i][1]);
        assert_int_equal(recent[i].sequence, (uint64_t)i + 1);
    }
    assert_delivered(f, 3);
    /* Nothing changed since: evaluating again raises nothing. */
    assert_ok(obs_platform_evaluate(f->platform, &raised));
    assert_int_equal(raised, 0);
}

static void test_alloc_failure_evaluate(void **state)
{
    static const struct scenario s = {
        "obs_platform_evaluate", OBS_STORE_HISTOGRAM, 0, troubled_services,
        op_evaluate, raised_so_far, three_alerts, false,
    };

    (void)state;
    run_allocating(&s);
}

static void test_alloc_failure_evaluate_window(void **state)
{
    static const struct scenario s = {
        "obs_platform_evaluate (window)", OBS_STORE_HISTOGRAM, 100,
        troubled_services, op_evaluate, raised_so_far, three_alerts, false,
    };

    (void)state;
    run_allocating(&s);
}

/* Alerts that wait two evaluations: the first is done before the failing
 * one, so the failing one is where they fire. */
static void pending_alerts(struct fixture *f)
{
    obs_alert_rules_t rules;
    size_t raised;

    obs_alert_rules_init(&rules);
    rules.pending_evaluations = 2;
    assert_ok(obs_platform_set_alert_rules(f->platform, &rules));
    troubled_services(f);
    assert_ok(obs_platform_evaluate(f->platform, &raised));
    assert_int_equal(raised, 0);
    assert_int_equal(obs_platform_active_alerts(f->platform, NULL, 0), 3);
}

static void test_alloc_failure_evaluate_pending(void **state)
{
    static const struct scenario s = {
        "obs_platform_evaluate (pending)", OBS_STORE_HISTOGRAM, 0,
        pending_alerts, op_evaluate, raised_so_far, three_alerts, false,
    };

    (void)state;
    run_allocating(&s);
}

/* An SLO whose short burn-rate windows fire at once: the evaluation
 * raises the service's health alert and the SLO's page. */
static void slo_config(obs_slo_config_t *config)
{
    obs_slo_config_init(config, OBS_SLO_REQUESTS, 0.9);
    config->period_ns = 86400u * 1000000000ull;
    config->min_events = 1;
    config->burn_alert_count = 1;
    config->burn_alerts[0].long_window_ns = 3600u * 1000000000ull;
    config->burn_alerts[0].short_window_ns = 300u * 1000000000ull;
    config->burn_alerts[0].factor = 2.0;
    config->burn_alerts[0].severity = OBS_SEVERITY_PAGE;
}

static void burning_slo(struct fixture *f)
{
    obs_slo_config_t config;

    one_service(f);
    slo_config(&config);
    assert_ok(obs_service_add_slo(f->service[0], "availability", &config,
                                  &f->slo));
    record_n(f->service[0], 10, 10.0, true);
    record_n(f->service[0], 10, 10.0, false);
    subscribe_all(f);
    f->clock.now_ns += 1000000000u;
}

static void slo_raised_so_far(struct fixture *f)
{
    raised_so_far(f);
}

static void slo_alerts(struct fixture *f)
{
    obs_alert_t recent[4];
    obs_slo_status_t status;

    assert_int_equal(f->raised, 2);
    assert_int_equal(obs_platform_recent_alerts(f->platform, recent, 4), 2);
    assert_string_equal(recent[0].rule, "health");
    assert_string_equal(recent[1].rule, "slo:availability:1h/5m");
    assert_int_equal(recent[1].severity, OBS_SEVERITY_PAGE);
    assert_delivered(f, 2);
    assert_ok(obs_slo_status(f->slo, &status));
    assert_int_equal(status.total, 20);
    assert_int_equal(status.good, 10);
    assert_int_equal(status.alert, OBS_SEVERITY_PAGE);
}

static void test_alloc_failure_evaluate_slo(void **state)
{
    static const struct scenario s = {
        "obs_platform_evaluate (SLO)", OBS_STORE_HISTOGRAM, 100,
        burning_slo, op_evaluate, slo_raised_so_far, slo_alerts, false,
    };

    (void)state;
    run_allocating(&s);
}

static obs_status_t op_subscribe(struct fixture *f)
{
    return obs_platform_subscribe(f->platform, count_event,
                                  &f->delivered[4], NULL);
}

/* Four subscribers fill the first list; the fifth grows it. */
static void four_subscribers(struct fixture *f)
{
    one_service(f);
    for (int i = 0; i < 4; i++)
        assert_ok(obs_platform_subscribe(f->platform, count_event,
                                         &f->delivered[i], NULL));
    record_n(f->service[0], 10, 10.0, false);
}

static void subscribers_after(struct fixture *f, unsigned fifth)
{
    size_t raised;

    assert_ok(obs_platform_evaluate(f->platform, &raised));
    assert_int_equal(raised, 1);
    for (int i = 0; i < 4; i++)
        assert_int_equal(f->delivered[i], 1);
    assert_int_equal(f->delivered[4], fifth);
}

static void fifth_not_subscribed(struct fixture *f)
{
    subscribers_after(f, 0);
    /* Back to healthy, so that the repeat raises an alert again. */
    record_n(f->service[0], 1000, 10.0, true);
    assert_ok(obs_platform_evaluate(f->platform, NULL));
    memset(f->delivered, 0, sizeof f->delivered);
    record_n(f->service[0], 1000, 10.0, false);
}

static void fifth_subscribed(struct fixture *f)
{
    subscribers_after(f, 1);
}

static void test_alloc_failure_subscribe(void **state)
{
    static const struct scenario s = {
        "obs_platform_subscribe", OBS_STORE_HISTOGRAM, 0, four_subscribers,
        op_subscribe, fifth_not_subscribed, fifth_subscribed, true,
    };

    (void)state;
    run_allocating(&s);
}

/* ---- SLOs ---------------------------------------------------------------- */

static obs_status_t op_add_slo(struct fixture *f)
{
    obs_slo_config_t config;

    slo_config(&config);
    return obs_service_add_slo(f->service[0], "availability", &config,
                               &f->slo);
}

static void no_slo(struct fixture *f)
{
    assert_int_equal(obs_service_slo_count(f->service[0]), 0);
    assert_null(obs_service_slo_at(f->service[0], 0));
    assert_null(f->slo);
}

static void slo_added(struct fixture *f)
{
    obs_slo_status_t status;

    assert_int_equal(obs_service_slo_count(f->service[0]), 1);
    assert_ptr_equal(obs_service_slo_at(f->service[0], 0), f->slo);
    /* It counts from its creation on. */
    record_n(f->service[0], 3, 10.0, false);
    assert_ok(obs_slo_status(f->slo, &status));
    assert_string_equal(status.name, "availability");
    assert_int_equal(status.total, 3);
    assert_int_equal(status.good, 0);
}

static void test_alloc_failure_add_slo(void **state)
{
    static const struct scenario s = {
        "obs_service_add_slo", OBS_STORE_HISTOGRAM, 100, recorded_service,
        op_add_slo, no_slo, slo_added, true,
    };

    (void)state;
    run_allocating(&s);
}

static void slo_with_events(struct fixture *f)
{
    obs_slo_config_t config;

    one_service(f);
    slo_config(&config);
    assert_ok(obs_service_add_slo(f->service[0], "availability", &config,
                                  &f->slo));
    record_n(f->service[0], 30, 10.0, true);
    record_n(f->service[0], 10, 10.0, false);
}

static obs_status_t op_slo_status(struct fixture *f)
{
    obs_slo_status_t status;
    obs_status_t result = obs_slo_status(f->slo, &status);

    if (result == OBS_OK) {
        assert_int_equal(status.total, 40);
        assert_int_equal(status.good, 30);
        assert_double_exact(status.attained, 0.75);
    }
    return result;
}

static void slo_counted_once(struct fixture *f)
{
    assert_ok(op_slo_status(f));
}

static void test_alloc_failure_slo_status(void **state)
{
    static const struct scenario s = {
        "obs_slo_status", OBS_STORE_HISTOGRAM, 100, slo_with_events,
        op_slo_status, NULL, slo_counted_once, true,
    };

    (void)state;
    run_allocating(&s);
}

/* ---- fault injection ----------------------------------------------------- */

static obs_status_t op_add_fault(struct fixture *f)
{
    obs_fault_rule_t rule;

    obs_fault_rule_init(&rule);
    rule.error_share = 1.0;
    return obs_service_add_fault(f->service[0], &rule, NULL);
}

static void faults_injected(struct fixture *f, bool fail)
{
    obs_fault_t decision;
    obs_fault_counts_t counts;

    assert_ok(obs_fault_check(f->service[0], &decision));
    assert_int_equal(decision.fail, fail);
    assert_ok(obs_fault_done(f->service[0], &decision));
    assert_ok(obs_service_fault_counts(f->service[0], &counts));
    assert_int_equal(counts.injected_errors, fail ? 1 : 0);
}

static void no_fault(struct fixture *f)
{
    faults_injected(f, false);
}

static void fault_added(struct fixture *f)
{
    faults_injected(f, true);
}

static void test_alloc_failure_add_fault(void **state)
{
    static const struct scenario s = {
        "obs_service_add_fault", OBS_STORE_HISTOGRAM, 0, one_service,
        op_add_fault, no_fault, fault_added, false,
    };

    (void)state;
    run_allocating(&s);
}

/* The second rule of a service grows its list. */
static void one_outage(struct fixture *f)
{
    obs_fault_rule_t rule;

    one_service(f);
    obs_fault_rule_init(&rule);
    rule.health_check_outage = true;
    assert_ok(obs_service_add_fault(f->service[0], &rule, NULL));
}

static void test_alloc_failure_add_second_fault(void **state)
{
    static const struct scenario s = {
        "obs_service_add_fault (second)", OBS_STORE_HISTOGRAM, 0,
        one_outage, op_add_fault, no_fault, fault_added, true,
    };

    (void)state;
    run_scenario(&s);
}

/* ---- reports ------------------------------------------------------------- */

/* Several services with figures, alerts and an SLO: the report of this
 * fixture, written without any failure, is what every try must write. */
static char expected_text[JSON_SIZE];

static void reported_platform(struct fixture *f)
{
    obs_slo_config_t config;

    troubled_services(f);
    slo_config(&config);
    assert_ok(obs_service_add_slo(f->service[1], "availability", &config,
                                  &f->slo));
    record_n(f->service[1], 5, 10.0, false);
    assert_ok(obs_platform_evaluate(f->platform, NULL));
}

static obs_status_t op_write_json(struct fixture *f)
{
    return obs_platform_write_json(f->platform, OBS_REPORT_ALERT_DETAILS,
                                   f->text, JSON_SIZE, &f->length);
}

static void text_as_expected(struct fixture *f)
{
    assert_true(f->length > 0 && f->length < JSON_SIZE);
    assert_string_equal(f->text, expected_text);
}

static obs_status_t op_write_prometheus(struct fixture *f)
{
    return obs_platform_write_prometheus(f->platform,
                                         OBS_EXPOSITION_OPENMETRICS, f->text,
                                         JSON_SIZE, &f->length);
}

/* Write the text once without failures, to compare the tries with. */
static void expect_text(const struct scenario *s)
{
    struct fixture f;

    fixture_open(&f, s);
    s->setup(&f);
    assert_ok(s->op(&f));
    memcpy(expected_text, f.text, f.length + 1);
    assert_non_null(strstr(expected_text, "availability"));
    fixture_close(&f);
}

static void test_alloc_failure_write_json(void **state)
{
    static const struct scenario s = {
        "obs_platform_write_json", OBS_STORE_HISTOGRAM, 100,
        reported_platform, op_write_json, NULL, text_as_expected, false,
    };

    (void)state;
    expect_text(&s);
    run_allocating(&s);
}

static void test_alloc_failure_write_prometheus(void **state)
{
    static const struct scenario s = {
        "obs_platform_write_prometheus", OBS_STORE_HISTOGRAM, 100,
        reported_platform, op_write_prometheus, NULL, text_as_expected,
        false,
    };

    (void)state;
    expect_text(&s);
    run_allocating(&s);
}

static void test_alloc_failure_write_json_exact(void **state)
{
    static const struct scenario s = {
        "obs_platform_write_json (exact store)", OBS_STORE_EXACT, 0,
        reported_platform, op_write_json, NULL, text_as_expected, false,
    };

    (void)state;
    expect_text(&s);
    run_allocating(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_failure_platform_new),
        cmocka_unit_test(test_alloc_failure_register_first),
        cmocka_unit_test(test_alloc_failure_register_ninth),
        cmocka_unit_test(test_alloc_failure_first_record_on_thread),
        cmocka_unit_test(test_alloc_failure_record_new_range),
        cmocka_unit_test(test_alloc_failure_record_exact),
        cmocka_unit_test(test_alloc_failure_record_rotating_window),
        cmocka_unit_test(test_alloc_failure_health_check),
        cmocka_unit_test(test_alloc_failure_health_check_exact),
        cmocka_unit_test(test_alloc_failure_window_stats),
        cmocka_unit_test(test_alloc_failure_window_percentile),
        cmocka_unit_test(test_alloc_failure_platform_health),
        cmocka_unit_test(test_alloc_failure_merge_latency),
        cmocka_unit_test(test_alloc_failure_merge_latency_window),
        cmocka_unit_test(test_alloc_failure_merge_latency_exact),
        cmocka_unit_test(test_alloc_failure_evaluate),
        cmocka_unit_test(test_alloc_failure_evaluate_window),
        cmocka_unit_test(test_alloc_failure_evaluate_pending),
        cmocka_unit_test(test_alloc_failure_evaluate_slo),
        cmocka_unit_test(test_alloc_failure_subscribe),
        cmocka_unit_test(test_alloc_failure_add_slo),
        cmocka_unit_test(test_alloc_failure_slo_status),
        cmocka_unit_test(test_alloc_failure_add_fault),
        cmocka_unit_test(test_alloc_failure_add_second_fault),
        cmocka_unit_test(test_alloc_failure_write_json),
        cmocka_unit_test(test_alloc_failure_write_prometheus),
        cmocka_unit_test(test_alloc_failure_write_json_exact),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
