/*
 * test_stress.c - every kind of call at once from several threads, for a
 * bounded time, then exact counts.
 *
 * Six threads each register services of their own ("s-<thread>-<i>") and
 * record requests and health checks on them and on two shared services,
 * while they also evaluate alerts, write JSON reports and Prometheus
 * expositions, read stats, SLOs and percentiles, and merge latencies. Each
 * thread counts what it sent; at the end every service's figures equal
 * those counts, and the one subscriber received every alert exactly once.
 * Readers check on the way that no count goes down and that the figures
 * of each snapshot add up.
 *
 * Also run under ThreadSanitizer by `make check-tsan`. The histogram run
 * lasts OBS_STRESS_MS milliseconds (default 2000) and the window and exact
 * store runs half that, or until each thread has done ITERATIONS_MAX
 * rounds.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "test_util.h"

#define THREADS 6
#define OWN_MAX 48 /* services each thread registers, at most */
#define ITERATIONS_MAX 400000
#define SHARED 2
#define TEXT_SIZE (1024 * 1024)

struct counts {
    uint64_t requests;
    uint64_t errors;
    uint64_t checks;
    uint64_t passed;
};

struct worker {
    int number;
    struct stress *stress;
    struct counts shared[SHARED];
    obs_service_t *own[OWN_MAX];
    struct counts own_counts[OWN_MAX];
    int own_count;
    unsigned long iterations;
    int problems;
    char first_problem[200];
};

struct stress {
    obs_platform_t *platform;
    obs_service_t *shared[SHARED];
    obs_slo_t *slo;
    uint64_t deadline_ns;
    atomic_ulong delivered;
    struct worker workers[THREADS];
};

static uint64_t monotonic_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void problem(struct worker *w, const char *what, long long a,
                    long long b)
{
    if (w->problems++ == 0)
        snprintf(w->first_problem, sizeof w->first_problem,
                 "thread %d, round %lu: %s (%lld, %lld)", w->number,
                 w->iterations, what, a, b);
}

static void count_alert(const obs_alert_t *alert, void *user)
{
    struct stress *s = user;

    (void)alert;
    atomic_fetch_add(&s->delivered, 1);
}

static void record(struct worker *w, obs_service_t *service,
                   struct counts *c, unsigned long i)
{
    /* Latencies over four decades, so that threads keep allocating
     * histogram chunks; errors in bursts, so that health changes. */
    double latency = 0.5 + (double)(i * 7919 % 20000) * 0.25;
    bool success = (i / 500) % 3 != 0 || i % 4 != 0;
    obs_status_t status = obs_record_request(service, latency, success);

    if (status != OBS_OK) {
        problem(w, "record failed", status, 0);
        return;
    }
    c->requests++;
    c->errors += !success;
    if (i % 8 == 0) {
        bool passed = i % 40 != 0;

        if (obs_record_health_check(service, passed) != OBS_OK) {
            problem(w, "health check failed", 0, 0);
            return;
        }
        c->checks++;
        c->passed += passed;
    }
}

/* A snapshot adds up, and its counts did not go down since the last. */
static void read_shared(struct worker *w, obs_service_t *service,
                        uint64_t *last)
{
    obs_service_stats_t st;
    double p99 = -1.0;

    if (obs_service_stats(service, OBS_VIEW_LIFETIME, &st) != OBS_OK) {
        problem(w, "stats failed", 0, 0);
        return;
    }
    if (st.requests < *last)
        problem(w, "request count went down", (long long)st.requests,
                (long long)*last);
    if (st.successes + st.errors != st.requests)
        problem(w, "outcomes do not add up", (long long)st.successes,
                (long long)st.errors);
    if (st.health_checks_passed > st.health_checks)
        problem(w, "more checks passed than made",
                (long long)st.health_checks_passed,
                (long long)st.health_checks);
    if (!(st.p50_ms <= st.p95_ms && st.p95_ms <= st.p99_ms))
        problem(w, "percentiles out of order", 0, 0);
    *last = st.requests;
    if (obs_service_percentile(service, OBS_VIEW_DEFAULT, 99.9, &p99) !=
            OBS_OK ||
        p99 < 0.0)
        problem(w, "percentile failed", 0, 0);
}

static void report(struct worker *w, char *text, unsigned long i)
{
    size_t length = 0;
    obs_status_t status;

    if (i % 2 == 0)
        status = obs_platform_write_json(w->stress->platform,
                                         OBS_REPORT_ALERT_DETAILS, text,
                                         TEXT_SIZE, &length);
    else
        status = obs_platform_write_prometheus(
            w->stress->platform,
            i % 4 == 1 ? OBS_EXPOSITION_PROMETHEUS
                       : OBS_EXPOSITION_OPENMETRICS,
            text, TEXT_SIZE, &length);
    if (status != OBS_OK || length == 0 || strlen(text) != length)
        problem(w, "report failed", status, (long long)length);
}

static void merge(struct worker *w, obs_histogram_t *histogram,
                  uint64_t *merged)
{
    uint64_t before = obs_histogram_count(histogram);

    if (obs_service_merge_latency(w->stress->shared[w->number % SHARED],
                                  OBS_VIEW_LIFETIME, histogram) != OBS_OK) {
        problem(w, "merge failed", 0, 0);
        return;
    }
    /* Each merge adds the whole lifetime again: at least what the
     * previous merge saw. */
    if (obs_histogram_count(histogram) - before < *merged)
        problem(w, "merged fewer samples than before",
                (long long)(obs_histogram_count(histogram) - before),
                (long long)*merged);
    *merged = obs_histogram_count(histogram) - before;
}

static void *work(void *arg)
{
    struct worker *w = arg;
    struct stress *s = w->stress;
    uint64_t last[SHARED] = {0, 0};
    uint64_t merged = 0;
    obs_histogram_t *histogram = NULL;
    char *text = malloc(TEXT_SIZE);
    char name[32];

    if (text == NULL || obs_histogram_new(9, &histogram) != OBS_OK) {
        problem(w, "no memory for the test", 0, 0);
        free(text);
        return NULL;
    }
    for (unsigned long i = 0; i < ITERATIONS_MAX; i++) {
        w->iterations = i;
        if (i % 64 == 0 && monotonic_ns() >= s->deadline_ns)
            break;

        if (i % 64 == 0 && w->own_count < OWN_MAX) {
            obs_service_t *service = NULL;

            snprintf(name, sizeof name, "s-%d-%d", w->number, w->own_count);
            if (obs_platform_register(s->platform, name, &service) !=
                OBS_OK) {
                problem(w, "register failed", 0, 0);
                break;
            }
            w->own[w->own_count++] = service;
        }
        record(w, s->shared[i % SHARED], &w->shared[i % SHARED], i);
        if (w->own_count > 0) {
            int k = (int)(i % (unsigned long)w->own_count);

            record(w, w->own[k], &w->own_counts[k], i + (unsigned long)k);
        }

        if (i % 97 == 0)
            read_shared(w, s->shared[i % SHARED], &last[i % SHARED]);
        if (i % 1009 == (unsigned long)w->number * 100) {
            size_t raised;

            if (obs_platform_evaluate(s->platform, &raised) != OBS_OK)
                problem(w, "evaluate failed", 0, 0);
        }
        if (i % 2003 == (unsigned long)w->number * 200)
            report(w, text, i / 2003);
        if (i % 1511 == (unsigned long)w->number * 150)
            merge(w, histogram, &merged);
        if (i % 3001 == 7) {
            obs_slo_status_t st;

            if (obs_slo_status(s->slo, &st) != OBS_OK || st.good > st.total)
                problem(w, "SLO status failed", 0, 0);
        }
    }
    obs_histogram_free(histogram);
    free(text);
    return NULL;
}

static uint64_t run_ms(void)
{
    const char *text = getenv("OBS_STRESS_MS");
    long ms = text != NULL ? atol(text) : 2000;

    return ms > 0 ? (uint64_t)ms : 2000;
}

static void assert_counts(obs_service_t *service, const struct counts *c)
{
    obs_service_stats_t st;

    assert_ok(obs_service_stats(service, OBS_VIEW_LIFETIME, &st));
    assert_int_equal(st.requests, c->requests);
    assert_int_equal(st.errors, c->errors);
    assert_int_equal(st.health_checks, c->checks);
    assert_int_equal(st.health_checks_passed, c->passed);
}

/* Run for `share` halves of the configured time. */
static void stress(obs_config_t *config, unsigned share)
{
    static struct stress s;
    pthread_t threads[THREADS];
    obs_slo_config_t slo;
    size_t services = SHARED;
    unsigned long rounds = 0;

    memset(&s, 0, sizeof s);
    atomic_init(&s.delivered, 0);
    assert_ok(obs_platform_new(config, &s.platform));
    s.shared[0] = add_service(s.platform, "shared-a");
    s.shared[1] = add_service(s.platform, "shared-b");
    obs_slo_config_init(&slo, OBS_SLO_REQUESTS, 0.99);
    assert_ok(obs_service_add_slo(s.shared[0], "availability", &slo,
                                  &s.slo));
    assert_ok(obs_platform_subscribe(s.platform, count_alert, &s, NULL));
    s.deadline_ns = monotonic_ns() + run_ms() * share / 2 * 1000000u;

    for (int t = 0; t < THREADS; t++) {
        s.workers[t].number = t;
        s.workers[t].stress = &s;
        assert_int_equal(pthread_create(&threads[t], NULL, work,
                                        &s.workers[t]),
                         0);
    }
    for (int t = 0; t < THREADS; t++)
        assert_int_equal(pthread_join(threads[t], NULL), 0);

    for (int t = 0; t < THREADS; t++) {
        struct worker *w = &s.workers[t];

        if (w->problems != 0)
            fail_msg("%d problems, first: %s", w->problems,
                     w->first_problem);
        rounds += w->iterations;
        for (int k = 0; k < w->own_count; k++)
            assert_counts(w->own[k], &w->own_counts[k]);
        services += (size_t)w->own_count;
    }
    for (int i = 0; i < SHARED; i++) {
        struct counts total = {0, 0, 0, 0};

        for (int t = 0; t < THREADS; t++) {
            total.requests += s.workers[t].shared[i].requests;
            total.errors += s.workers[t].shared[i].errors;
            total.checks += s.workers[t].shared[i].checks;
            total.passed += s.workers[t].shared[i].passed;
        }
        assert_counts(s.shared[i], &total);
    }
    assert_int_equal(obs_platform_service_count(s.platform), services);
    assert_true(rounds > 0);
    print_message("%lu rounds, %zu services, %llu alerts\n", rounds,
                  services,
                  (unsigned long long)obs_platform_alert_total(s.platform));
    /* Every evaluation delivered its alerts before it returned. */
    assert_int_equal(atomic_load(&s.delivered),
                     obs_platform_alert_total(s.platform));
    obs_platform_free(s.platform);
}

static void test_stress_histogram(void **state)
{
    obs_config_t config;

    (void)state;
    obs_config_init(&config);
    stress(&config, 2);
}

/* A window of short slots, so that writers rotate slots while readers
 * read them. */
static void test_stress_window(void **state)
{
    obs_config_t config;

    (void)state;
    obs_config_init(&config);
    config.window_slots = 8;
    config.slot_ns = 50 * 1000000u;
    stress(&config, 1);
}

static void test_stress_exact(void **state)
{
    obs_config_t config;

    (void)state;
    obs_config_init(&config);
    config.latency_store = OBS_STORE_EXACT;
    stress(&config, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stress_histogram),
        cmocka_unit_test(test_stress_window),
        cmocka_unit_test(test_stress_exact),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
