/*
 * test_threads.c - many threads recording while another reads.
 *
 * Also run under ThreadSanitizer by `make check-tsan`.
 */
#include <pthread.h>

#include "test_util.h"

#define WRITERS 8
#define PER_WRITER 100000
#define SNAPSHOTS 1000

struct shared {
    obs_platform_t *platform;
    obs_service_t *service;
    int bad_snapshots;
    char first_problem[160];
};

static void *writer(void *arg)
{
    struct shared *s = arg;

    for (int i = 0; i < PER_WRITER; i++) {
        /* Every fourth request fails, so errors are checked too. */
        if (obs_record_request(s->service, 5.0, i % 4 != 0) != OBS_OK)
            return (void *)1;
        if (i % 100 == 0 && obs_record_health_check(s->service, true) != 0)
            return (void *)1;
    }
    return NULL;
}

static void problem(struct shared *s, const char *what, uint64_t a,
                    uint64_t b)
{
    if (s->bad_snapshots++ == 0)
        snprintf(s->first_problem, sizeof s->first_problem,
                 "%s (%llu, %llu)", what, (unsigned long long)a,
                 (unsigned long long)b);
}

static void *reader(void *arg)
{
    struct shared *s = arg;
    uint64_t last = 0;
    char report[2048];

    for (int i = 0; i < SNAPSHOTS; i++) {
        obs_service_stats_t st;

        if (obs_service_stats(s->service, OBS_VIEW_DEFAULT, &st) != OBS_OK) {
            problem(s, "stats failed", 0, 0);
            continue;
        }
        if (st.requests < last)
            problem(s, "request count went down", st.requests, last);
        if (st.successes + st.errors != st.requests)
            problem(s, "outcomes do not add up", st.successes, st.errors);
        if (st.errors > st.requests)
            problem(s, "more errors than requests", st.errors, st.requests);
        if (st.requests > 0 && (st.p50_ms != 5.0 || st.p99_ms != 5.0))
            problem(s, "percentile not 5.0", st.requests, 0);
        if (st.latency_sum_ms > 5.0 * (double)st.requests)
            problem(s, "sum ahead of count", st.requests, 0);
        last = st.requests;
        if (i % 10 == 0 && obs_platform_write_json(s->platform, 0, report,
                                                   sizeof report,
                                                   NULL) != OBS_OK)
            problem(s, "report failed", 0, 0);
    }
    return NULL;
}

static void test_threads_no_lost_counts(void **state)
{
    struct shared s = {0};
    pthread_t writers[WRITERS];
    pthread_t reading;
    obs_service_stats_t final;
    void *result;

    (void)state;
    s.platform = new_platform(OBS_STORE_HISTOGRAM);
    s.service = add_service(s.platform, "shared");
    for (int i = 0; i < WRITERS; i++)
        assert_int_equal(pthread_create(&writers[i], NULL, writer, &s), 0);
    assert_int_equal(pthread_create(&reading, NULL, reader, &s), 0);
    for (int i = 0; i < WRITERS; i++) {
        assert_int_equal(pthread_join(writers[i], &result), 0);
        assert_null(result);
    }
    assert_int_equal(pthread_join(reading, NULL), 0);
    if (s.bad_snapshots != 0)
        fail_msg("%d inconsistent snapshots, first: %s", s.bad_snapshots,
                 s.first_problem);

    final = stats_of(s.service);
    assert_int_equal(final.requests, WRITERS * PER_WRITER);
    assert_int_equal(final.errors, WRITERS * PER_WRITER / 4);
    assert_int_equal(final.health_checks, WRITERS * PER_WRITER / 100);
    assert_double_exact(final.latency_sum_ms, 5.0 * WRITERS * PER_WRITER);
    assert_double_exact(final.p99_ms, 5.0);
    obs_platform_free(s.platform);
}

/* Threads that come and go reuse shards: counts survive their exits. */
static void *short_writer(void *arg)
{
    struct shared *s = arg;

    for (int i = 0; i < 1000; i++)
        if (obs_record_request(s->service, 1.0 + i % 7, true) != OBS_OK)
            return (void *)1;
    return NULL;
}

static void test_threads_come_and_go(void **state)
{
    struct shared s = {0};

    (void)state;
    s.platform = new_platform(OBS_STORE_HISTOGRAM);
    s.service = add_service(s.platform, "churn");
    for (int round = 0; round < 50; round++) {
        pthread_t t[4];
        void *result;

        for (int i = 0; i < 4; i++)
            assert_int_equal(pthread_create(&t[i], NULL, short_writer, &s),
                             0);
        for (int i = 0; i < 4; i++) {
            assert_int_equal(pthread_join(t[i], &result), 0);
            assert_null(result);
        }
    }
    assert_int_equal(stats_of(s.service).requests, 50 * 4 * 1000);
    obs_platform_free(s.platform);
}

/* The exact store takes a lock; it must lose nothing either. */
static void test_threads_exact_store(void **state)
{
    struct shared s = {0};
    pthread_t t[4];

    (void)state;
    s.platform = new_platform(OBS_STORE_EXACT);
    s.service = add_service(s.platform, "exact");
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, short_writer, &s), 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    assert_int_equal(stats_of(s.service).requests, 4000);
    obs_platform_free(s.platform);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_no_lost_counts),
        cmocka_unit_test(test_threads_come_and_go),
        cmocka_unit_test(test_threads_exact_store),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
