/*
 * obs-sim - simulate services' traffic through libobsplatform and print
 * the platform report.
 *
 * The reference run (the default) prints the report the reference Python
 * program prints: with the same --requests and --seed the random stream is
 * Python's (pyrandom.c), the loop draws in the same order, and the library
 * keeps the reference's arithmetic and rounding.
 *
 * The timeline (--duration or --scenario) plays simulated seconds instead:
 * each second every service receives --rate requests and health checks
 * drawn from the same profiles, the library's fault injector decides what
 * to break, alerts are evaluated, and each alert event can be written as
 * one JSON line (--events). The platform runs on an injected clock, so a
 * five-minute incident plays in a fraction of a second and the same seed
 * gives the same events byte for byte.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "fault_spec.h"
#include "obsplatform.h"
#include "pyrandom.h"
#include "scenario.h"

#define NS_PER_S UINT64_C(1000000000)
#define WINDOW_SLOTS 10
#define SCENARIO_MAX_BYTES (1024 * 1024)
#define PROGRESS_AFTER_S 2.0

enum given {
    GIVEN_REQUESTS = 1u << 0,
    GIVEN_SEED = 1u << 1,
    GIVEN_STORE = 1u << 2,
    GIVEN_DURATION = 1u << 3,
    GIVEN_RATE = 1u << 4,
    GIVEN_WINDOW = 1u << 5,
    GIVEN_PENDING = 1u << 6,
    GIVEN_HOLD = 1u << 7,
    GIVEN_EVENTS = 1u << 8,
    GIVEN_FAULT = 1u << 9,
    GIVEN_KILL_SWITCH = 1u << 10,
    GIVEN_SCENARIO = 1u << 11,
};

/* Flags that only mean something on a timeline. */
#define TIMELINE_ONLY                                                       \
    (GIVEN_RATE | GIVEN_WINDOW | GIVEN_PENDING | GIVEN_HOLD | GIVEN_EVENTS | \
     GIVEN_FAULT | GIVEN_KILL_SWITCH)

struct options {
    unsigned given; /* enum given */
    uint64_t requests;
    uint64_t seed; /* magnitude: Python seeds with abs(seed) */
    obs_latency_store_t store;
    const char *scenario_path;
    const char *events_path;
    uint64_t duration_ns;
    uint64_t rate;
    uint64_t window_ns;
    uint64_t pending_ns;
    uint64_t hold_ns;
    struct sim_fault faults[SIM_MAX_FAULTS]; /* from --fault, in order */
    size_t fault_count;
};

static void usage(FILE *out)
{
    fputs("usage: obs-sim [--requests N] [--seed S] "
          "[--latency-store exact|histogram]\n"
          "       obs-sim --duration D | --scenario FILE [--rate R] "
          "[--fault SPEC]...\n"
          "               [--events FILE] [--window W] [--pending P] "
          "[--hold H]\n"
          "               [--kill-switch] [--seed S]\n"
          "\n"
          "Simulate requests and health checks on services and print the\n"
          "platform report as JSON. Without --duration or --scenario, five\n"
          "services and the reference program's report.\n"
          "\n"
          "  --requests N       requests per service, N >= 0 (default 200)\n"
          "  --seed S           random seed, |S| < 2^64 (default 42)\n"
          "  --latency-store K  exact (default: every sample, exact\n"
          "                     percentiles) or histogram (bounded memory)\n"
          "\n"
          "Timeline (simulated time; durations take ms, s or m):\n"
          "  --duration D       play D of simulated time, whole seconds\n"
          "  --scenario FILE    services, profiles, faults and settings\n"
          "                     from a JSON file; the flags override it\n"
          "  --rate R           requests per second per service (default "
          "10)\n"
          "  --fault SPEC       inject a fault, repeatable, e.g.\n"
          "                     payment-service:error=0.5,from=60s,to=180s\n"
          "                     search-service:delay=800ms,share=0.3,"
          "from=30s\n"
          "                     keys: error, delay, share, distribution\n"
          "                     (fixed, uniform, exponential), outage\n"
          "                     (true, false), from, to\n"
          "  --kill-switch      keep every fault rule but inject nothing\n"
          "  --events FILE      write each alert event as a JSON line\n"
          "                     (- for stdout, before the report)\n"
          "  --window W         health window, 10 slots (default 60s)\n"
          "  --pending P        alert pending time (default 0s)\n"
          "  --hold H           alert hold time (default 0s)\n"
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

static int parse_time(const char *text, uint64_t min_ns, uint64_t max_ns,
                      uint64_t *out)
{
    uint64_t ns;

    if (sim_parse_duration(text, strlen(text), &ns) != 0 || ns < min_ns ||
        ns > max_ns)
        return -1;
    *out = ns;
    return 0;
}

static int parse_fault(const char *text, struct options *opt)
{
    char reason[256];
    char quoted[48];

    if (opt->fault_count == SIM_MAX_FAULTS)
        return fail_usage("more than %s --fault", "64");
    if (sim_parse_fault_spec(text, &opt->faults[opt->fault_count], reason,
                             sizeof reason) != 0) {
        sim_quote(text, strlen(text), quoted, sizeof quoted);
        fprintf(stderr, "obs-sim: --fault '%s': %s\n", quoted, reason);
        return 2;
    }
    opt->fault_count++;
    return 0;
}

static bool known_flag(const char *flag)
{
    static const char *const flags[] = {
        "--requests", "--seed",  "--latency-store", "--duration",
        "--rate",     "--window", "--pending",      "--hold",
        "--events",   "--scenario", "--fault",
    };

    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        if (strcmp(flag, flags[i]) == 0)
            return true;
    return false;
}

/* One flag and its value; 0, or 2 after a message. */
static int parse_flag(const char *flag, const char *value, struct options *opt)
{
    if (strcmp(flag, "--requests") == 0) {
        opt->given |= GIVEN_REQUESTS;
        if (parse_u64(value, 0, &opt->requests) != 0)
            return fail_usage("--requests takes a whole number >= 0, "
                              "not '%s'",
                              value);
    } else if (strcmp(flag, "--seed") == 0) {
        opt->given |= GIVEN_SEED;
        if (parse_u64(value, 1, &opt->seed) != 0)
            return fail_usage("--seed takes an integer of magnitude "
                              "below 2^64, not '%s'",
                              value);
    } else if (strcmp(flag, "--latency-store") == 0) {
        opt->given |= GIVEN_STORE;
        if (strcmp(value, "exact") == 0)
            opt->store = OBS_STORE_EXACT;
        else if (strcmp(value, "histogram") == 0)
            opt->store = OBS_STORE_HISTOGRAM;
        else
            return fail_usage("--latency-store is exact or histogram, "
                              "not '%s'",
                              value);
    } else if (strcmp(flag, "--duration") == 0) {
        opt->given |= GIVEN_DURATION;
        if (parse_time(value, NS_PER_S, SIM_MAX_DURATION_S * NS_PER_S,
                       &opt->duration_ns) != 0 ||
            opt->duration_ns % NS_PER_S != 0)
            return fail_usage("--duration takes whole seconds from 1s to "
                              "86400s, such as 300s or 5m, not '%s'",
                              value);
    } else if (strcmp(flag, "--rate") == 0) {
        opt->given |= GIVEN_RATE;
        if (parse_u64(value, 0, &opt->rate) != 0 || opt->rate < 1 ||
            opt->rate > SIM_MAX_RATE)
            return fail_usage("--rate takes a whole number of requests per "
                              "second from 1 to 10000, not '%s'",
                              value);
    } else if (strcmp(flag, "--window") == 0) {
        opt->given |= GIVEN_WINDOW;
        if (parse_time(value, NS_PER_S, SIM_MAX_WINDOW_NS, &opt->window_ns))
            return fail_usage("--window takes a duration from 1s to 60m, "
                              "not '%s'",
                              value);
    } else if (strcmp(flag, "--pending") == 0) {
        opt->given |= GIVEN_PENDING;
        if (parse_time(value, 0, SIM_MAX_HOLD_NS, &opt->pending_ns))
            return fail_usage("--pending takes a duration from 0s to 60m, "
                              "not '%s'",
                              value);
    } else if (strcmp(flag, "--hold") == 0) {
        opt->given |= GIVEN_HOLD;
        if (parse_time(value, 0, SIM_MAX_HOLD_NS, &opt->hold_ns))
            return fail_usage("--hold takes a duration from 0s to 60m, "
                              "not '%s'",
                              value);
    } else if (strcmp(flag, "--events") == 0) {
        opt->given |= GIVEN_EVENTS;
        opt->events_path = value;
    } else if (strcmp(flag, "--scenario") == 0) {
        if (opt->given & GIVEN_SCENARIO)
            return fail_usage("%s is given twice", flag);
        opt->given |= GIVEN_SCENARIO;
        opt->scenario_path = value;
    } else if (strcmp(flag, "--fault") == 0) {
        opt->given |= GIVEN_FAULT;
        return parse_fault(value, opt);
    } else {
        return fail_usage("unknown option '%s'", flag);
    }
    return 0;
}

static int parse_args(int argc, char **argv, struct options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->requests = 200;
    opt->seed = SIM_DEFAULT_SEED;
    opt->store = OBS_STORE_EXACT;
    for (int i = 1; i < argc; i++) {
        const char *flag = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        int rc;

        if (strcmp(flag, "-h") == 0 || strcmp(flag, "--help") == 0) {
            usage(stdout);
            exit(0);
        }
        if (strcmp(flag, "--kill-switch") == 0) {
            opt->given |= GIVEN_KILL_SWITCH;
            continue;
        }
        if (value == NULL)
            return fail_usage(known_flag(flag) ? "%s needs a value"
                                               : "unknown option '%s'",
                              flag);
        i++;
        rc = parse_flag(flag, value, opt);
        if (rc != 0)
            return rc;
    }

    if (!(opt->given & (GIVEN_DURATION | GIVEN_SCENARIO))) {
        if (opt->given & TIMELINE_ONLY)
            return fail_usage("%s", "--rate, --fault, --events, --window, "
                                    "--pending, --hold and --kill-switch "
                                    "need --duration or --scenario");
        return 0;
    }
    if (opt->given & GIVEN_REQUESTS)
        return fail_usage("%s", "--requests is for the reference run; on a "
                                "timeline use --rate");
    if ((opt->given & GIVEN_STORE) && opt->store != OBS_STORE_HISTOGRAM)
        return fail_usage("%s", "a timeline keeps a window, which needs "
                                "--latency-store histogram");
    return 0;
}

static int check(obs_status_t status, const char *what)
{
    if (status == OBS_OK)
        return 0;
    fprintf(stderr, "obs-sim: %s: %s\n", what, obs_strerror(status));
    return 1;
}

/* One request and one health check of a profile, drawn in the reference
 * program's order: latency, outcome, health check. */
struct draw {
    double latency_ms;
    bool success;
    bool passed;
};

static struct draw draw_once(pyrandom_t *rng, const struct sim_profile *p)
{
    struct draw d;

    d.latency_ms = pyrandom_gauss(rng, p->latency_ms, p->latency_ms * 0.3);
    if (!(d.latency_ms > 1.0))
        d.latency_ms = 1.0;
    d.success = pyrandom_random(rng) > p->error_prob;
    d.passed = pyrandom_random(rng) > p->down_prob;
    return d;
}

/* ---- the reference run --------------------------------------------------- */

static int reference_run(const struct options *opt)
{
    obs_service_t *services[SIM_MAX_SERVICES];
    size_t count = sim_reference_profile_count;
    obs_platform_t *platform = NULL;
    obs_config_t config;
    pyrandom_t rng;
    int rc = 1;

    obs_config_init(&config);
    config.latency_store = opt->store;
    if (check(obs_platform_new(&config, &platform), "creating platform"))
        return 1;
    for (size_t s = 0; s < count; s++)
        if (check(obs_platform_register(platform,
                                        sim_reference_profiles[s].name,
                                        &services[s]),
                  "registering service"))
            goto done;

    pyrandom_seed_u64(&rng, opt->seed);
    for (uint64_t i = 0; i < opt->requests; i++) {
        for (size_t s = 0; s < count; s++) {
            struct draw d = draw_once(&rng, &sim_reference_profiles[s]);

            if (check(obs_record_request(services[s], d.latency_ms,
                                         d.success),
                      "recording request") ||
                check(obs_record_health_check(services[s], d.passed),
                      "recording health check"))
                goto done;
        }
    }
    if (check(obs_platform_evaluate(platform, NULL), "evaluating alerts") ||
        check(obs_platform_print_json(platform, 0, stdout), "writing report"))
        goto done;
    rc = 0;
done:
    obs_platform_free(platform);
    return rc;
}

/* ---- the timeline -------------------------------------------------------- */

struct timeline {
    struct sim_scenario scenario; /* the file's, with the flags applied */
    const struct sim_profile *profiles;
    size_t profile_count;
    const struct sim_fault *extra_faults; /* from --fault */
    size_t extra_fault_count;
    bool kill_switch;
    const char *events_path;
};

static int read_file(const char *path, char **text, size_t *length)
{
    FILE *in = fopen(path, "rb");
    char *buffer = NULL;
    size_t n = 0;

    if (in == NULL) {
        fprintf(stderr, "obs-sim: %s: %s\n", path, strerror(errno));
        return 2;
    }
    buffer = malloc(SCENARIO_MAX_BYTES + 1);
    if (buffer != NULL)
        n = fread(buffer, 1, SCENARIO_MAX_BYTES + 1, in);
    if (buffer == NULL || ferror(in)) {
        fprintf(stderr, "obs-sim: %s: cannot read the file\n", path);
        free(buffer);
        fclose(in);
        return 2;
    }
    fclose(in);
    if (n > SCENARIO_MAX_BYTES) {
        fprintf(stderr, "obs-sim: %s: larger than 1 MiB\n", path);
        free(buffer);
        return 2;
    }
    *text = buffer;
    *length = n;
    return 0;
}

/* Load the scenario, apply the flags over it, and check every fault
 * against the services: all before anything runs. 0, or 2 after a
 * message. */
static int prepare(const struct options *opt, struct timeline *t)
{
    struct sim_scenario *s = &t->scenario;
    char error[512];

    memset(t, 0, sizeof *t);
    s->rate = SIM_DEFAULT_RATE;
    s->seed = SIM_DEFAULT_SEED;
    s->window_ns = SIM_DEFAULT_WINDOW_NS;
    if (opt->scenario_path != NULL) {
        char *text;
        size_t length;
        int rc = read_file(opt->scenario_path, &text, &length);

        if (rc != 0)
            return rc;
        rc = sim_load_scenario_text(text, length, opt->scenario_path, s,
                                    error, sizeof error);
        free(text);
        if (rc != 0) {
            fprintf(stderr, "obs-sim: %s\n", error);
            return 2;
        }
    }
    if (opt->given & GIVEN_DURATION)
        s->duration_ns = opt->duration_ns;
    if (opt->given & GIVEN_RATE)
        s->rate = (unsigned)opt->rate;
    if (opt->given & GIVEN_SEED)
        s->seed = opt->seed;
    if (opt->given & GIVEN_WINDOW)
        s->window_ns = opt->window_ns;
    if (opt->given & GIVEN_PENDING)
        s->pending_ns = opt->pending_ns;
    if (opt->given & GIVEN_HOLD)
        s->hold_ns = opt->hold_ns;

    t->profiles = s->services ? s->services : sim_reference_profiles;
    t->profile_count = s->services ? s->service_count
                                   : sim_reference_profile_count;
    for (size_t i = 0; i < opt->fault_count; i++) {
        if (sim_scenario_find(s, opt->faults[i].service) == NULL) {
            char quoted[48];

            sim_quote(opt->faults[i].service,
                      strlen(opt->faults[i].service), quoted, sizeof quoted);
            fprintf(stderr, "obs-sim: --fault: unknown service '%s'\n",
                    quoted);
            sim_scenario_free(s);
            return 2;
        }
    }
    t->extra_faults = opt->faults;
    t->extra_fault_count = opt->fault_count;
    t->kill_switch = (opt->given & GIVEN_KILL_SWITCH) != 0;
    t->events_path = opt->events_path;
    return 0;
}

struct sim_clock {
    uint64_t now_ns;
};

static uint64_t read_clock(void *user)
{
    return ((const struct sim_clock *)user)->now_ns;
}

struct event_sink {
    FILE *out;
    bool failed;
};

/* A message cut at OBS_ALERT_MESSAGE_MAX may end inside a UTF-8 sequence;
 * drop the partial character rather than the event. */
static json_t *message_string(const char *message)
{
    size_t length = strlen(message);
    json_t *string = json_stringn(message, length);

    for (int cut = 0; string == NULL && cut < 3 && length > 0; cut++)
        string = json_stringn(message, --length);
    return string;
}

static void write_event(const obs_alert_t *alert, void *user)
{
    struct event_sink *sink = user;
    json_t *event = json_object();
    char *line = NULL;

    if (event == NULL ||
        json_object_set_new(event, "time_s",
                            json_real((double)alert->time_ns / 1e9)) ||
        json_object_set_new(event, "service", json_string(alert->service)) ||
        json_object_set_new(event, "severity",
                            json_string(obs_severity_name(alert->severity))) ||
        json_object_set_new(event, "state",
                            json_string(obs_alert_state_name(alert->state))) ||
        json_object_set_new(event, "rule", json_string(alert->rule)) ||
        json_object_set_new(event, "message",
                            message_string(alert->message)))
        sink->failed = true;
    else
        line = json_dumps(event, JSON_COMPACT);
    if (line == NULL || fprintf(sink->out, "%s\n", line) < 0 ||
        fflush(sink->out) != 0)
        sink->failed = true;
    free(line);
    json_decref(event);
}

static double wall_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A bar on stderr, only when it is a terminal and the run has already
 * taken a while: short runs and pipes stay quiet. */
struct progress {
    bool terminal;
    bool shown;
    double start_s;
    double drawn_s;
};

static void progress_show(struct progress *p, uint64_t done, uint64_t total)
{
    static const char bar[] = "########################################";
    double now;
    int filled;

    if (!p->terminal)
        return;
    now = wall_s();
    if (now - p->start_s < PROGRESS_AFTER_S || now - p->drawn_s < 0.1)
        return;
    filled = (int)(40 * done / total);
    fprintf(stderr, "\robs-sim: [%-40.*s] %3d%% %llu/%llu s simulated",
            filled, bar, (int)(100 * done / total), (unsigned long long)done,
            (unsigned long long)total);
    p->shown = true;
    p->drawn_s = now;
}

static void progress_end(struct progress *p)
{
    if (p->shown)
        fprintf(stderr, "\r%79s\r", "");
    p->shown = false;
}

/* Give the platform the scenario's settings, services and faults. */
static int set_up(const struct timeline *t, obs_platform_t *platform,
                  obs_service_t **services)
{
    const struct sim_scenario *s = &t->scenario;
    obs_alert_rules_t rules;

    for (size_t i = 0; i < t->profile_count; i++)
        if (check(obs_platform_register(platform, t->profiles[i].name,
                                        &services[i]),
                  "registering service"))
            return 1;
    obs_alert_rules_init(&rules);
    rules.pending_ns = s->pending_ns;
    rules.hold_ns = s->hold_ns;
    if (check(obs_platform_set_alert_rules(platform, &rules),
              "setting alert rules") ||
        check(obs_platform_set_fault_seed(platform, s->seed),
              "seeding the fault injector"))
        return 1;
    for (size_t i = 0; i < s->fault_count + t->extra_fault_count; i++) {
        const struct sim_fault *f = i < s->fault_count
                                        ? &s->faults[i]
                                        : &t->extra_faults[i - s->fault_count];
        obs_service_t *service;

        if (check(obs_platform_find(platform, f->service, &service),
                  "finding a fault's service") ||
            check(obs_service_add_fault(service, &f->rule, NULL),
                  "adding a fault"))
            return 1;
    }
    if (t->kill_switch &&
        check(obs_platform_set_faults_enabled(platform, false),
              "turning faults off"))
        return 1;
    return 0;
}

/* One request and one health check of one service at time_ns, with the
 * injector consulted as an application would on its request path. */
static int serve(obs_service_t *service, const struct sim_profile *profile,
                 pyrandom_t *rng, uint64_t time_ns)
{
    struct draw d = draw_once(rng, profile);
    obs_fault_t fault;
    bool outage;

    if (check(obs_fault_check(service, &fault), "consulting faults") ||
        check(obs_fault_check_health(service, &outage), "consulting faults"))
        return 1;
    d.latency_ms += fault.delay_ms;
    d.success = d.success && !fault.fail;
    d.passed = d.passed && !outage;
    if (check(obs_record_request_at(service, time_ns, d.latency_ms,
                                    d.success),
              "recording request") ||
        check(obs_record_health_check_at(service, time_ns, d.passed),
              "recording health check") ||
        check(obs_fault_done(service, &fault), "ending a fault"))
        return 1;
    return 0;
}

static int play(const struct timeline *t)
{
    const struct sim_scenario *s = &t->scenario;
    obs_service_t *services[SIM_MAX_SERVICES];
    struct sim_clock clock = {0};
    struct event_sink sink = {NULL, false};
    struct progress progress = {false, false, 0.0, 0.0};
    obs_platform_t *platform = NULL;
    uint64_t seconds = s->duration_ns / NS_PER_S;
    obs_config_t config;
    pyrandom_t rng;
    int rc = 1;

    obs_config_init(&config);
    config.latency_store = OBS_STORE_HISTOGRAM;
    config.window_slots = WINDOW_SLOTS;
    config.slot_ns = s->window_ns / WINDOW_SLOTS;
    config.clock = read_clock;
    config.clock_user = &clock;
    if (check(obs_platform_new(&config, &platform), "creating platform"))
        return 1;
    if (set_up(t, platform, services) != 0)
        goto done;
    if (t->events_path != NULL) {
        sink.out = strcmp(t->events_path, "-") == 0
                       ? stdout
                       : fopen(t->events_path, "w");
        if (sink.out == NULL) {
            fprintf(stderr, "obs-sim: %s: %s\n", t->events_path,
                    strerror(errno));
            goto done;
        }
        if (check(obs_platform_subscribe(platform, write_event, &sink, NULL),
                  "subscribing to alerts"))
            goto done;
    }

    progress.terminal = isatty(STDERR_FILENO) == 1;
    progress.start_s = wall_s();
    pyrandom_seed_u64(&rng, s->seed);
    for (uint64_t second = 0; second < seconds; second++) {
        for (unsigned i = 0; i < s->rate; i++) {
            uint64_t time_ns = second * NS_PER_S + i * NS_PER_S / s->rate;

            clock.now_ns = time_ns;
            for (size_t k = 0; k < t->profile_count; k++)
                if (serve(services[k], &t->profiles[k], &rng, time_ns) != 0)
                    goto done;
        }
        clock.now_ns = (second + 1) * NS_PER_S;
        if (check(obs_platform_evaluate(platform, NULL), "evaluating alerts"))
            goto done;
        if (sink.failed) {
            fprintf(stderr, "obs-sim: %s: cannot write an event\n",
                    t->events_path);
            goto done;
        }
        progress_show(&progress, second + 1, seconds);
    }
    progress_end(&progress);
    if (check(obs_platform_print_json(platform, 0, stdout), "writing report"))
        goto done;
    rc = fflush(stdout) == 0 ? 0 : 1;
done:
    progress_end(&progress);
    if (sink.out != NULL && sink.out != stdout && fclose(sink.out) != 0 &&
        rc == 0) {
        fprintf(stderr, "obs-sim: %s: cannot write the events\n",
                t->events_path);
        rc = 1;
    }
    obs_platform_free(platform);
    return rc;
}

/* Standard output is buffered: a full disk shows only when flushing. */
static int finish(int rc)
{
    if (fflush(stdout) != 0) {
        fprintf(stderr, "obs-sim: writing to standard output: %s\n",
                strerror(errno));
        return 1;
    }
    return rc;
}

int main(int argc, char **argv)
{
    static struct options opt; /* room for 64 faults: off the stack */
    struct timeline timeline;
    int rc;

    if (parse_args(argc, argv, &opt) != 0)
        return 2;
    if (!(opt.given & (GIVEN_DURATION | GIVEN_SCENARIO)))
        return finish(reference_run(&opt));
    rc = prepare(&opt, &timeline);
    if (rc != 0)
        return rc;
    rc = finish(play(&timeline));
    sim_scenario_free(&timeline.scenario);
    return rc;
}
