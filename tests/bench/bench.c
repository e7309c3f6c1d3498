/*
 * bench.c - figures for `make bench`: recording cost with one and two
 * threads, percentile query cost, and memory per service, for the
 * histogram store and, as the baseline of the same run, the exact store.
 *
 * Each timing is the median of several runs. This is a benchmark, not a
 * test: it prints figures and checks nothing.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "obsplatform.h"

#define RUNS 7
#define LATENCIES 4096

static double latencies[LATENCIES];

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int compare(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;

    return (x > y) - (x < y);
}

static double median(double *values, int n)
{
    qsort(values, (size_t)n, sizeof *values, compare);
    return values[n / 2];
}

static obs_platform_t *platform_new(obs_latency_store_t store,
                                    unsigned window_slots)
{
    obs_platform_t *platform;
    obs_config_t config;

    obs_config_init(&config);
    config.latency_store = store;
    config.window_slots = window_slots;
    if (obs_platform_new(&config, &platform) != OBS_OK) {
        fprintf(stderr, "bench: cannot create a platform\n");
        exit(1);
    }
    return platform;
}

static obs_service_t *service_new(obs_platform_t *platform, const char *name)
{
    obs_service_t *service;

    if (obs_platform_register(platform, name, &service) != OBS_OK) {
        fprintf(stderr, "bench: cannot register %s\n", name);
        exit(1);
    }
    return service;
}

/* ---- recording ---------------------------------------------------------- */

struct recorder {
    obs_service_t *service;
    long calls;
    double seconds;
};

static void *record_loop(void *arg)
{
    struct recorder *r = arg;
    double start = now_s();

    for (long i = 0; i < r->calls; i++)
        obs_record_request(r->service, latencies[i & (LATENCIES - 1)],
                           (i & 63) != 0);
    r->seconds = now_s() - start;
    return NULL;
}

/* ns per call per thread, with `threads` threads on the given services. */
static double record_ns(obs_service_t *const *services, int threads,
                        long calls)
{
    double runs[RUNS];

    for (int run = 0; run < RUNS; run++) {
        struct recorder r[2];
        pthread_t t[2];
        double worst = 0.0;

        for (int i = 0; i < threads; i++) {
            r[i].service = services[i];
            r[i].calls = calls;
            pthread_create(&t[i], NULL, record_loop, &r[i]);
        }
        for (int i = 0; i < threads; i++) {
            pthread_join(t[i], NULL);
            if (r[i].seconds > worst)
                worst = r[i].seconds;
        }
        runs[run] = worst * 1e9 / (double)calls;
    }
    return median(runs, RUNS);
}

static void bench_record(const char *label, obs_latency_store_t store,
                         unsigned window_slots, long calls)
{
    obs_platform_t *platform = platform_new(store, window_slots);
    obs_service_t *one[2];
    obs_service_t *two[2];

    one[0] = one[1] = service_new(platform, "shared");
    two[0] = service_new(platform, "first");
    two[1] = service_new(platform, "second");
    printf("  %-34s %8.2f %8.2f %8.2f\n", label, record_ns(one, 1, calls),
           record_ns(one, 2, calls), record_ns(two, 2, calls));
    obs_platform_free(platform);
}

/* ---- queries ------------------------------------------------------------ */

/* p50, p95 and p99 together, as a report asks for them. For the exact
 * store a request is recorded before each query, as in a live service,
 * so that the samples must be sorted again. */
static double query_ns(obs_latency_store_t store, long samples)
{
    obs_platform_t *platform = platform_new(store, 0);
    obs_service_t *service = service_new(platform, "queried");
    double runs[RUNS];
    int queries = store == OBS_STORE_EXACT ? 5 : 20000;

    for (long i = 0; i < samples; i++)
        obs_record_request(service, latencies[i & (LATENCIES - 1)], true);
    for (int run = 0; run < RUNS; run++) {
        obs_service_stats_t stats;
        double start = now_s();

        for (int q = 0; q < queries; q++) {
            if (store == OBS_STORE_EXACT)
                obs_record_request(service, latencies[q], true);
            obs_service_stats(service, OBS_VIEW_LIFETIME, &stats);
        }
        runs[run] = (now_s() - start) * 1e9 / queries;
    }
    obs_platform_free(platform);
    return median(runs, RUNS);
}

/* ---- timers and the fault injector --------------------------------------- */

/* ns per idle obs_timer_start/obs_timer_stop pair (two clock reads and one
 * record), and per obs_fault_check on a platform without fault rules: the
 * price of leaving the hooks in production code. */
static double timer_pair_ns(long calls)
{
    obs_platform_t *platform = platform_new(OBS_STORE_HISTOGRAM, 0);
    obs_service_t *service = service_new(platform, "timed");
    double runs[RUNS];

    for (int run = 0; run < RUNS; run++) {
        double start = now_s();

        for (long i = 0; i < calls; i++) {
            obs_timer_t timer;

            obs_timer_start(service, &timer);
            obs_timer_stop(&timer, true, NULL);
        }
        runs[run] = (now_s() - start) * 1e9 / (double)calls;
    }
    obs_platform_free(platform);
    return median(runs, RUNS);
}

static double fault_check_ns(long calls)
{
    obs_platform_t *platform = platform_new(OBS_STORE_HISTOGRAM, 0);
    obs_service_t *service = service_new(platform, "undrilled");
    double runs[RUNS];
    long injected = 0;

    for (int run = 0; run < RUNS; run++) {
        double start = now_s();

        for (long i = 0; i < calls; i++) {
            obs_fault_t fault;

            obs_fault_check(service, &fault);
            injected += fault.fail;
        }
        runs[run] = (now_s() - start) * 1e9 / (double)calls;
    }
    obs_platform_free(platform);
    return injected == 0 ? median(runs, RUNS) : -1.0;
}

/* ---- memory ------------------------------------------------------------- */

static size_t service_bytes(obs_latency_store_t store, unsigned window_slots,
                            long samples)
{
    obs_platform_t *platform = platform_new(store, window_slots);
    obs_service_t *service = service_new(platform, "measured");
    size_t bytes;

    for (long i = 0; i < samples; i++)
        obs_record_request(service, latencies[i & (LATENCIES - 1)], true);
    bytes = obs_service_memory(service);
    obs_platform_free(platform);
    return bytes;
}

static size_t histogram_bytes(long samples)
{
    obs_histogram_t *histogram;
    size_t bytes;

    obs_histogram_new(9, &histogram);
    for (long i = 0; i < samples; i++)
        obs_histogram_record(histogram, latencies[i & (LATENCIES - 1)]);
    bytes = obs_histogram_memory(histogram);
    obs_histogram_free(histogram);
    return bytes;
}

int main(int argc, char **argv)
{
    long calls = argc > 1 ? atol(argv[1]) : 20000000;
    uint64_t x = 88172645463325252u;

    /* One decade of latencies, 20 to 200 ms, in a fixed shuffled order. */
    for (int i = 0; i < LATENCIES; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        latencies[i] = 20.0 + 180.0 * (double)(x >> 11) * 0x1p-53;
    }

    printf("libobsplatform %s benchmark (medians of %d runs)\n\n",
           obs_version(), RUNS);
    printf("obs_record_request, ns per call per thread\n");
    printf("  %-34s %8s %8s %8s\n", "", "1 thread", "2 same", "2 apart");
    bench_record("histogram (default)", OBS_STORE_HISTOGRAM, 0, calls);
    bench_record("histogram + 10-slot window", OBS_STORE_HISTOGRAM, 10,
                 calls);
    bench_record("exact store (baseline)", OBS_STORE_EXACT, 0, calls / 10);

    printf("\np50+p95+p99 of one service, ns per query\n");
    printf("  %-34s %10s %10s\n", "", "10^4 req", "10^6 req");
    printf("  %-34s %10.0f %10.0f\n", "histogram (default)",
           query_ns(OBS_STORE_HISTOGRAM, 10000),
           query_ns(OBS_STORE_HISTOGRAM, 1000000));
    printf("  %-34s %10.0f %10.0f\n", "exact store (baseline)",
           query_ns(OBS_STORE_EXACT, 10000),
           query_ns(OBS_STORE_EXACT, 1000000));

    printf("\ntimers and fault injection, ns per call\n");
    printf("  %-34s %8.2f\n", "obs_timer_start + obs_timer_stop",
           timer_pair_ns(calls / 10));
    printf("  %-34s %8.2f\n", "obs_fault_check, no rule",
           fault_check_ns(calls));

    printf("\nmemory, bytes (latencies 20-200 ms, one recording thread)\n");
    printf("  %-34s %10zu\n", "histogram object, idle", histogram_bytes(0));
    printf("  %-34s %10zu\n", "histogram object, one decade",
           histogram_bytes(1000000));
    printf("  %-34s %10zu\n", "service, idle",
           service_bytes(OBS_STORE_HISTOGRAM, 0, 0));
    printf("  %-34s %10zu\n", "service, 10^6 requests",
           service_bytes(OBS_STORE_HISTOGRAM, 0, 1000000));
    printf("  %-34s %10zu\n", "service + 10-slot window, 10^6 req",
           service_bytes(OBS_STORE_HISTOGRAM, 10, 1000000));
    printf("  %-34s %10zu\n", "exact store, 10^6 requests",
           service_bytes(OBS_STORE_EXACT, 0, 1000000));
    return 0;
}
