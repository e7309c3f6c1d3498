/*
 * obs-sim - simulate five services' traffic through libobsplatform and
 * print the platform report.
 *
 * With the same --requests and --seed, the report is the one the reference
 * Python program prints: the random stream is Python's (pyrandom.c), the
 * loop draws in the same order, and the library keeps the reference's
 * arithmetic and rounding.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obsplatform.h"
#include "pyrandom.h"

struct profile {
    const char *name;
    double latency_base_ms;
    double error_prob;
    double down_prob;
};

/* The reference program's services, in its order. */
static const struct profile profiles[] = {
    {"api-gateway", 50, 0.02, 0.0},
    {"user-service", 30, 0.01, 0.0},
    {"payment-service", 200, 0.08, 0.01},
    {"search-service", 100, 0.03, 0.0},
    {"notification-svc", 80, 0.15, 0.02},
};
#define PROFILE_COUNT (sizeof profiles / sizeof profiles[0])

struct options {
    uint64_t requests;
    uint64_t seed; /* magnitude: Python seeds with abs(seed) */
    obs_latency_store_t store;
};

static void usage(FILE *out)
{
    fputs("usage: obs-sim [--requests N] [--seed S] "
          "[--latency-store exact|histogram]\n"
          "\n"
          "Simulate requests and health checks on five services and print\n"
          "the platform report as JSON (the reference program's report).\n"
          "\n"
          "  --requests N       requests per service, N >= 0 (default 200)\n"
          "  --seed S           random seed, |S| < 2^64 (default 42)\n"
          "  --latency-store K  exact (default: every sample, exact\n"
          "                     percentiles) or histogram (bounded memory)\n"
          "  -h, --help         show this help\n",
          out);
}

static int fail_usage(const char *format, const char *arg)
{
    fprintf(stderr, "obs-sim: ");
    fprintf(stderr, format, arg);
    fputs(" (see --help)\n", stderr);
    return 2;
}

/* Digits only (after an optional sign for seeds), no overflow. */
static int parse_u64(const char *text, int allow_sign, uint64_t *out)
{
    const char *digits = text;
    uint64_t value = 0;

    if (allow_sign && (*digits == '-' || *digits == '+'))
        digits++;
    if (*digits == '\0')
        return -1;
    for (const char *p = digits; *p != '\0'; p++) {
        unsigned d = (unsigned)(*p - '0');

        if (d > 9 || value > (UINT64_MAX - d) / 10)
            return -1;
        value = value * 10 + d;
    }
    *out = value;
    return 0;
}

static int parse_args(int argc, char **argv, struct options *opt)
{
    opt->requests = 200;
    opt->seed = 42;
    opt->store = OBS_STORE_EXACT;
    for (int i = 1; i < argc; i++) {
        const char *flag = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(flag, "-h") == 0 || strcmp(flag, "--help") == 0) {
            usage(stdout);
            exit(0);
        }
        if (strcmp(flag, "--requests") != 0 && strcmp(flag, "--seed") != 0 &&
            strcmp(flag, "--latency-store") != 0)
            return fail_usage("unknown option '%s'", flag);
        if (value == NULL)
            return fail_usage("%s needs a value", flag);
        i++;
        if (strcmp(flag, "--requests") == 0) {
            if (parse_u64(value, 0, &opt->requests) != 0)
                return fail_usage("--requests takes a whole number >= 0, "
                                  "not '%s'",
                                  value);
        } else if (strcmp(flag, "--seed") == 0) {
            if (parse_u64(value, 1, &opt->seed) != 0)
                return fail_usage("--seed takes an integer of magnitude "
                                  "below 2^64, not '%s'",
                                  value);
        } else if (strcmp(value, "exact") == 0) {
            opt->store = OBS_STORE_EXACT;
        } else if (strcmp(value, "histogram") == 0) {
            opt->store = OBS_STORE_HISTOGRAM;
        } else {
            return fail_usage("--latency-store is exact or histogram, "
                              "not '%s'",
                              value);
        }
    }
    return 0;
}

static int check(obs_status_t status, const char *what)
{
    if (status == OBS_OK)
        return 0;
    fprintf(stderr, "obs-sim: %s: %s\n", what, obs_strerror(status));
    return 1;
}

int main(int argc, char **argv)
{
    obs_service_t *services[PROFILE_COUNT];
    obs_platform_t *platform = NULL;
    struct options opt;
    obs_config_t config;
    pyrandom_t rng;
    int rc = 1;

    if (parse_args(argc, argv, &opt) != 0)
        return 2;
    obs_config_init(&config);
    config.latency_store = opt.store;
    if (check(obs_platform_new(&config, &platform), "creating platform"))
        return 1;
    for (size_t s = 0; s < PROFILE_COUNT; s++)
        if (check(obs_platform_register(platform, profiles[s].name,
                                        &services[s]),
                  "registering service"))
            goto done;

    pyrandom_seed_u64(&rng, opt.seed);
    for (uint64_t i = 0; i < opt.requests; i++) {
        for (size_t s = 0; s < PROFILE_COUNT; s++) {
            const struct profile *p = &profiles[s];
            double latency = pyrandom_gauss(&rng, p->latency_base_ms,
                                            p->latency_base_ms * 0.3);
            int success;
            int passed;

            if (!(latency > 1.0))
                latency = 1.0;
            success = pyrandom_random(&rng) > p->error_prob;
            passed = pyrandom_random(&rng) > p->down_prob;
            if (check(obs_record_request(services[s], latency, success),
                      "recording request") ||
                check(obs_record_health_check(services[s], passed),
                      "recording health check"))
                goto done;
        }
    }
    if (check(obs_platform_evaluate(platform, NULL), "evaluating alerts") ||
        check(obs_platform_print_json(platform, 0, stdout), "writing report"))
        goto done;
    rc = fflush(stdout) == 0 ? 0 : 1;
done:
    obs_platform_free(platform);
    return rc;
}
