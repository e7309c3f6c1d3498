/*
 * fuzz_api.c - random sequences of public API calls with hostile
 * arguments, on one platform per input.
 *
 * The first bytes choose the platform: histogram store with or without a
 * window, or the exact store; a precision; a history size; a health view.
 * Each following byte picks a call, and the bytes after it its arguments:
 * odd service names, latencies huge, tiny, negative and not finite,
 * percentiles out of range, thresholds and SLOs of any value, buffers too
 * small, clocks that go back. An opcode also arms the platform's allocator
 * to fail a later allocation.
 *
 * Beyond "never crash, never leak" every call is checked against its
 * documentation: its status must be one it lists; OBS_ENOMEM only when an
 * allocation was made to fail during the call, and OBS_OK only when none
 * was (a failure must not be swallowed); a rejected record counts
 * nothing; the lifetime counts of every service equal the records that
 * returned OBS_OK; the JSON report parses and is ASCII.
 */
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "fuzz_common.h"
#include "obsplatform.h"

#define MAX_SERVICES 8
#define MAX_SLOS 8
#define MAX_SUBSCRIBERS 6
#define MAX_FAULTS 8
#define TEXT_SIZE 16384

/* ---- reading the input ---------------------------------------------- */

struct input {
    const uint8_t *p;
    size_t left;
};

static uint8_t u8(struct input *in)
{
    if (in->left == 0)
        return 0;
    in->left--;
    return *in->p++;
}

static uint64_t u64(struct input *in)
{
    uint64_t v = 0;

    for (int i = 0; i < 8; i++)
        v = v << 8 | u8(in);
    return v;
}

static double raw_double(struct input *in)
{
    uint64_t bits = u64(in);
    double d;

    memcpy(&d, &bits, sizeof d);
    return d;
}

/* A double that is often one of the values that break things. */
static double hostile_double(struct input *in)
{
    static const double table[] = {
        0.0, -0.0, 5e-324, 1e-300, 9.5367431640625e-07, 1e-3, 0.5, 1.0,
        5.0, 10.0, 99.0, 100.0, 100.0000001, 500.0, 1000.0, 1e6,
        4294967296.0, 4294967297.0, 1e300, DBL_MAX, -1.0, -DBL_MAX,
        INFINITY, -INFINITY, NAN, -5e-324, 0.1, 0.999999999,
    };
    uint8_t pick = u8(in);

    if (pick < 2 * sizeof table / sizeof table[0])
        return table[pick % (sizeof table / sizeof table[0])];
    if (pick < 200)
        return (double)u8(in) * 0.25;
    return raw_double(in);
}

/* ---- the failing allocator -------------------------------------------- */

struct allocator_state {
    unsigned countdown; /* the allocation that fails; 0 for none */
    bool failed;        /* an allocation failed since the last reset */
    size_t live;        /* blocks held */
};

static struct allocator_state heap;

static bool fail_now(void)
{
    if (heap.countdown == 0 || --heap.countdown != 0)
        return false;
    heap.failed = true;
    return true;
}

static void *fuzz_malloc(void *user, size_t size)
{
    void *p;

    (void)user;
    if (fail_now())
        return NULL;
    p = malloc(size);
    heap.live += p != NULL;
    return p;
}

static void *fuzz_realloc(void *user, void *ptr, size_t size)
{
    (void)user;
    if (fail_now())
        return NULL;
    return realloc(ptr, size);
}

static void fuzz_free(void *user, void *ptr)
{
    (void)user;
    FUZZ_CHECK(ptr != NULL);
    heap.live--;
    free(ptr);
}

static const obs_allocator_t fuzz_allocator = {fuzz_malloc, fuzz_realloc,
                                               fuzz_free, NULL};

/* ---- the platform under test --------------------------------------------- */

struct expected {
    uint64_t requests;
    uint64_t errors;
    uint64_t checks;
    uint64_t passed;
};

struct subscriber {
    unsigned id;
    unsigned calls;
    int mode; /* 0: count, 1: write a report, 2: evaluate again */
};

struct state {
    obs_platform_t *platform;
    bool window;
    bool exact;
    uint64_t now_ns;
    obs_service_t *services[MAX_SERVICES];
    struct expected expected[MAX_SERVICES];
    size_t service_count;
    size_t registered; /* tracked or not */
    obs_slo_t *slos[MAX_SLOS];
    size_t slo_count;
    struct subscriber subscribers[MAX_SUBSCRIBERS];
    size_t subscriber_count;
    unsigned fault_ids[MAX_FAULTS];
    size_t fault_count;
    obs_fault_t decisions[4];
    size_t decision_count;
    obs_histogram_t *histogram;
    obs_timer_t timer;
    int depth; /* nested calls from a subscriber */
    char text[TEXT_SIZE];
};

static uint64_t read_clock(void *user)
{
    return ((struct state *)user)->now_ns;
}

#define BIT(status) (1u << (status))
#define OK BIT(OBS_OK)
#define EINVAL_ BIT(OBS_EINVAL)
#define ENOMEM_ BIT(OBS_ENOMEM)

/* A status from the documented set, with OBS_ENOMEM exactly when an
 * allocation was made to fail during the call. */
static obs_status_t expect(obs_status_t status, unsigned allowed)
{
    FUZZ_CHECK((unsigned)status <= OBS_ENOWINDOW);
    if (!(allowed & BIT(status)))
        fprintf(stderr, "status %d (%s) not documented here\n",
                (int)status, obs_strerror(status));
    FUZZ_CHECK(allowed & BIT(status));
    if (status == OBS_ENOMEM)
        FUZZ_CHECK(heap.failed);
    if (status == OBS_OK)
        FUZZ_CHECK(!heap.failed);
    FUZZ_CHECK(obs_strerror(status) != NULL);
    heap.failed = false; /* each call answers for its own failures */
    return status;
}

static obs_service_t *pick_service(struct state *s, struct input *in,
                                   size_t *index)
{
    uint8_t pick = u8(in);

    *index = MAX_SERVICES;
    if (s->service_count == 0 || pick == 255)
        return NULL;
    *index = pick % s->service_count;
    return s->services[*index];
}

/* A name: one of a few that are known to be hard, or raw bytes. */
static void pick_name(struct input *in, char *name, size_t size)
{
    static const char *const names[] = {
        "api", "db", "", "a\"b\\c\nd", "caf\xc3\xa9", "\xff\xfe",
        "\xed\xa0\x80", "\xc0\xaf", "\xf4\x90\x80\x80", "x y{z}=,",
        "\xe2\x82", "NaN", "-", "api ",
    };
    uint8_t pick = u8(in);
    size_t len;

    if (pick < 2 * sizeof names / sizeof names[0]) {
        snprintf(name, size, "%s", names[pick % (sizeof names /
                                                  sizeof names[0])]);
        return;
    }
    if (pick >= 250) {
        /* Exactly at and just past the longest name. */
        len = pick == 250 ? 255 : 256;
        memset(name, 'n', len);
        name[len] = '\0';
        return;
    }
    len = u8(in) % 12;
    for (size_t i = 0; i < len; i++)
        name[i] = (char)u8(in);
    name[len] = '\0';
}

static obs_view_t pick_view(struct input *in)
{
    uint8_t v = u8(in) % 5;

    return v < 3 ? (obs_view_t)v : (obs_view_t)(v * 17);
}

/* The statuses a reader may give for a view. */
static unsigned view_statuses(const struct state *s, obs_view_t view)
{
    unsigned allowed = OK | ENOMEM_;

    if (view != OBS_VIEW_DEFAULT && view != OBS_VIEW_LIFETIME &&
        view != OBS_VIEW_WINDOW)
        return EINVAL_;
    if (view == OBS_VIEW_WINDOW && !s->window)
        return BIT(OBS_ENOWINDOW);
    return allowed;
}

/* ---- checks ------------------------------------------------------------- */

static void check_stats(const struct state *s,
                        const obs_service_stats_t *st)
{
    FUZZ_CHECK(st->successes + st->errors == st->requests);
    FUZZ_CHECK(st->health_checks_passed <= st->health_checks);
    FUZZ_CHECK(st->latency_clamped <= st->requests);
    FUZZ_CHECK(st->error_rate >= 0.0 && st->error_rate <= 1.0);
    FUZZ_CHECK(st->availability_pct >= 0.0 &&
               st->availability_pct <= 100.0);
    FUZZ_CHECK(st->p50_ms >= 0.0 && st->p50_ms <= st->p95_ms &&
               st->p95_ms <= st->p99_ms);
    /* The exact store keeps every sample as it was. */
    FUZZ_CHECK(s->exact || st->p99_ms <= obs_latency_max());
    FUZZ_CHECK(!isnan(st->latency_sum_ms) && st->latency_sum_ms >= 0.0);
    FUZZ_CHECK((unsigned)st->health <= OBS_DOWN);
    if (st->requests == 0)
        FUZZ_CHECK(st->p99_ms == 0.0 && st->latency_sum_ms == 0.0);
}

/* Every service's lifetime counts are what was recorded. */
static void check_counts(struct state *s)
{
    for (size_t i = 0; i < s->service_count; i++) {
        obs_service_stats_t st;
        const struct expected *e = &s->expected[i];

        heap.failed = false;
        if (expect(obs_service_stats(s->services[i], OBS_VIEW_LIFETIME, &st),
                   OK | ENOMEM_) != OBS_OK)
            continue;
        check_stats(s, &st);
        FUZZ_CHECK(st.requests == e->requests);
        FUZZ_CHECK(st.errors == e->errors);
        FUZZ_CHECK(st.health_checks == e->checks);
        FUZZ_CHECK(st.health_checks_passed == e->passed);
    }
    FUZZ_CHECK(obs_platform_service_count(s->platform) == s->registered);
}

static void check_alert(const obs_alert_t *alert)
{
    FUZZ_CHECK(alert->service != NULL && alert->rule != NULL);
    FUZZ_CHECK(memchr(alert->message, '\0', sizeof alert->message) != NULL);
    FUZZ_CHECK((unsigned)alert->severity <= OBS_SEVERITY_TICKET);
    FUZZ_CHECK((unsigned)alert->state <= OBS_ALERT_RESOLVED);
    FUZZ_CHECK((unsigned)alert->from <= OBS_DOWN &&
               (unsigned)alert->to <= OBS_DOWN);
    fuzz_touch(alert->service, strlen(alert->service));
    fuzz_touch(alert->rule, strlen(alert->rule));
}

static void check_json(const char *text, size_t length)
{
    json_error_t error;
    json_t *doc;

    FUZZ_CHECK(strlen(text) == length);
    for (size_t i = 0; i < length; i++)
        FUZZ_CHECK((unsigned char)text[i] < 0x80);
    /* Times near 2^64 (a clock that says so) are valid JSON numbers,
     * beyond jansson's integers: read them as reals. */
    doc = json_loadb(text, length, JSON_DECODE_INT_AS_REAL, &error);
    if (doc == NULL)
        fprintf(stderr, "report is not JSON: %s\n%s\n", error.text, text);
    FUZZ_CHECK(doc != NULL && json_is_object(doc));
    json_decref(doc);
}

static void check_exposition(const char *text, size_t length)
{
    FUZZ_CHECK(strlen(text) == length);
    FUZZ_CHECK(length == 0 || text[length - 1] == '\n');
}

/* ---- subscribers -------------------------------------------------------- */

static struct state *current;

static void on_alert(const obs_alert_t *alert, void *user)
{
    struct subscriber *sub = user;
    struct state *s = current;
    unsigned countdown = heap.countdown;
    bool failed = heap.failed;
    size_t length;

    check_alert(alert);
    sub->calls++;
    if (s == NULL || s->depth > 0)
        return;
    /* Calls made from here are not the call under test: keep the
     * allocator's plan for it. */
    heap.countdown = 0;
    s->depth++;
    if (sub->mode == 1)
        (void)obs_platform_write_json(s->platform, OBS_REPORT_ALERT_DETAILS,
                                      NULL, 0, &length);
    else if (sub->mode == 2)
        (void)obs_platform_evaluate(s->platform, NULL);
    s->depth--;
    heap.countdown = countdown;
    heap.failed = failed;
}

/* ---- calls -------------------------------------------------------------- */

static void call_register(struct state *s, struct input *in)
{
    char name[300];
    obs_service_t *service = NULL;
    obs_service_t *found = NULL;
    obs_status_t status;

    pick_name(in, name, sizeof name);
    status = expect(obs_platform_register(s->platform, name, &service),
                    OK | EINVAL_ | BIT(OBS_EEXIST) | ENOMEM_);
    if (status == OBS_OK) {
        FUZZ_CHECK(service != NULL);
        FUZZ_CHECK(strcmp(obs_service_name(service), name) == 0);
        s->registered++;
        if (s->service_count < MAX_SERVICES) {
            memset(&s->expected[s->service_count], 0,
                   sizeof s->expected[0]);
            s->services[s->service_count++] = service;
        }
    }
    if (status == OBS_EEXIST)
        FUZZ_CHECK(service != NULL);
    heap.failed = false;
    status = obs_platform_find(s->platform, name, &found);
    FUZZ_CHECK(status == OBS_OK || status == OBS_ENOENT);
    if (status == OBS_OK)
        FUZZ_CHECK(strcmp(obs_service_name(found), name) == 0);
}

/* Services registered beyond MAX_SERVICES are not tracked; their records
 * go through the by-name calls only with names we do track. */
static void count_record(struct state *s, size_t index, bool success)
{
    if (index >= MAX_SERVICES)
        return;
    s->expected[index].requests++;
    s->expected[index].errors += !success;
}

static void call_record(struct state *s, struct input *in, int how)
{
    size_t index;
    obs_service_t *service = pick_service(s, in, &index);
    double latency = hostile_double(in);
    bool success = u8(in) & 1;
    bool valid = latency >= 0.0 && isfinite(latency);
    unsigned allowed = valid && service ? OK | ENOMEM_ : EINVAL_;
    obs_status_t status;

    if (how == 0) {
        status = obs_record_request(service, latency, success);
    } else if (how == 1) {
        uint64_t time_ns = u8(in) & 1 ? u64(in) : s->now_ns + u8(in) *
                                                          1000000000ull;

        status = obs_record_request_at(service, time_ns, latency, success);
    } else {
        /* No service has the empty name. */
        const char *name = service ? obs_service_name(service) : "";

        if (service == NULL)
            allowed = BIT(OBS_ENOENT) | (valid ? 0 : EINVAL_);
        status = obs_record_request_by_name(s->platform, name, latency,
                                            success);
    }
    if (expect(status, allowed) == OBS_OK)
        count_record(s, index, success);
}

static void call_check(struct state *s, struct input *in, int how)
{
    size_t index;
    obs_service_t *service = pick_service(s, in, &index);
    bool passed = u8(in) & 1;
    unsigned allowed = service ? OK | ENOMEM_ : EINVAL_;
    obs_status_t status;

    if (how == 0)
        status = obs_record_health_check(service, passed);
    else if (how == 1)
        status = obs_record_health_check_at(service, u64(in), passed);
    else
        status = obs_record_health_check_by_name(
            s->platform, service ? obs_service_name(service) : "", passed);
    if (how == 2 && service == NULL)
        allowed = BIT(OBS_ENOENT);
    if (expect(status, allowed) == OBS_OK && index < MAX_SERVICES) {
        s->expected[index].checks++;
        s->expected[index].passed += passed;
    }
}

static void call_read(struct state *s, struct input *in)
{
    size_t index;
    obs_service_t *service = pick_service(s, in, &index);
    obs_view_t view = pick_view(in);
    unsigned allowed = service ? view_statuses(s, view) : EINVAL_;
    obs_service_stats_t st;
    double p = hostile_double(in);
    double value = -1.0;
    obs_health_t health;

    switch (u8(in) % 4) {
    case 0:
        if (expect(obs_service_stats(service, view, &st), allowed) == OBS_OK)
            check_stats(s, &st);
        break;
    case 1:
        if (!(p >= 0.0 && p <= 100.0))
            allowed = EINVAL_;
        if (expect(obs_service_percentile(service, view, p, &value),
                   allowed) == OBS_OK)
            FUZZ_CHECK(value >= 0.0 &&
                       (s->exact || value <= obs_latency_max()));
        break;
    case 2:
        if (expect(obs_service_health(service, &health),
                   service ? OK | ENOMEM_ : EINVAL_) == OBS_OK)
            FUZZ_CHECK((unsigned)health <= OBS_DOWN);
        break;
    default:
        if (expect(obs_platform_health(s->platform, &health),
                   OK | ENOMEM_) == OBS_OK)
            FUZZ_CHECK((unsigned)health <= OBS_DOWN);
        break;
    }
}

static void fill_thresholds(struct input *in, obs_thresholds_t *t)
{
    obs_thresholds_init(t);
    switch (u8(in) % 4) {
    case 0:
        break;
    case 1:
        t->critical_error_rate = hostile_double(in);
        t->degraded_error_rate = hostile_double(in);
        t->critical_p99_ms = hostile_double(in);
        t->degraded_p99_ms = hostile_double(in);
        break;
    case 2:
        t->down_availability_pct = hostile_double(in);
        t->down_exit_availability_pct = hostile_double(in);
        t->critical_exit_error_rate = hostile_double(in);
        t->degraded_exit_p99_ms = hostile_double(in);
        break;
    default:
        t->degraded_error_rate = 0.0;
        t->critical_error_rate = 0.0;
        t->degraded_p99_ms = 0.0;
        t->critical_p99_ms = hostile_double(in);
        t->critical_exit_p99_ms = hostile_double(in);
        break;
    }
}

static void call_thresholds(struct state *s, struct input *in)
{
    size_t index;
    obs_service_t *service = pick_service(s, in, &index);
    obs_thresholds_t t;
    obs_thresholds_t back;

    fill_thresholds(in, &t);
    switch (u8(in) % 3) {
    case 0:
        if (expect(obs_platform_set_thresholds(s->platform, &t),
                   OK | EINVAL_) == OBS_OK) {
            expect(obs_platform_get_thresholds(s->platform, &back), OK);
            FUZZ_CHECK(back.critical_error_rate == t.critical_error_rate);
        }
        break;
    case 1:
        expect(obs_service_set_thresholds(service, &t),
               service ? OK | EINVAL_ : EINVAL_);
        break;
    default:
        expect(obs_service_set_thresholds(service, NULL),
               service ? OK : EINVAL_);
        if (service != NULL)
            expect(obs_service_get_thresholds(service, &back), OK);
        break;
    }
}

static void call_rules(struct state *s, struct input *in)
{
    size_t index;
    obs_service_t *service = pick_service(s, in, &index);
    obs_alert_rules_t rules;

    obs_alert_rules_init(&rules);
    rules.pending_ns = u8(in) * 500000000ull;
    rules.pending_evaluations = u8(in) % 4;
    rules.hold_ns = u8(in) * 500000000ull;
    rules.hold_evaluations = u8(in) % 4;
    if (u8(in) & 1)
        expect(obs_platform_set_alert_rules(s->platform, &rules), OK);
    else
        expect(obs_service_set_alert_rules(service,
                                           u8(in) & 1 ? NULL : &rules),
               service ? OK : EINVAL_);
}

static void call_subscribe(struct state *s, struct input *in)
{
    uint8_t pick = u8(in);

    if (pick & 1 && s->subscriber_count > 0) {
        struct subscriber *sub =
            &s->subscribers[pick / 2 % s->subscriber_count];
        obs_status_t status =
            expect(obs_platform_unsubscribe(s->platform, sub->id),
                   OK | BIT(OBS_ENOENT));

        (void)status;
        return;
    }
    if (s->subscriber_count == MAX_SUBSCRIBERS) {
        expect(obs_platform_unsubscribe(s->platform, 0xdeadu),
               BIT(OBS_ENOENT));
        return;
    }
    {
        struct subscriber *sub = &s->subscribers[s->subscriber_count];

        sub->mode = pick / 2 % 3;
        sub->calls = 0;
        if (expect(obs_platform_subscribe(s->platform, on_alert, sub,
                                          &sub->id),
                   OK | ENOMEM_) == OBS_OK)
            s->subscriber_count++;
    }
}

static void call_evaluate(struct state *s, struct input *in)
{
    size_t raised = 12345;
    uint64_t before = obs_platform_alert_total(s->platform);
    obs_alert_t alerts[8];
    size_t n;

    (void)in;
    current = s;
    heap.failed = false;
    expect(obs_platform_evaluate(s->platform, &raised), OK | ENOMEM_);
    /* Nested evaluations from subscribers add their own. */
    FUZZ_CHECK(obs_platform_alert_total(s->platform) >= before + raised);
    n = obs_platform_recent_alerts(s->platform, alerts, 8);
    FUZZ_CHECK(n <= 8);
    for (size_t i = 0; i < n; i++) {
        check_alert(&alerts[i]);
        if (i > 0)
            FUZZ_CHECK(alerts[i].sequence > alerts[i - 1].sequence);
    }
    n = obs_platform_active_alerts(s->platform, alerts, 8);
    for (size_t i = 0; i < n && i < 8; i++)
        check_alert(&alerts[i]);
    FUZZ_CHECK(obs_platform_active_alerts(s->platform, NULL, 0) == n);
}

static void call_slo(struct state *s, struct input *in)
{
    static const uint64_t durations[] = {
        0, 1, 1000000000ull, 60000000000ull, 300000000000ull,
        3600000000000ull, 86400000000000ull, 30 * 86400000000000ull,
        91 * 86400000000000ull, UINT64_MAX,
    };
    size_t index;
    obs_service_t *service = pick_service(s, in, &index);
    obs_slo_config_t config;
    obs_slo_t *slo = NULL;
    char name[300];
    obs_status_t status;

    obs_slo_config_init(&config, (obs_slo_kind_t)(u8(in) % 4),
                        hostile_double(in));
    config.latency_ms = hostile_double(in);
    if (u8(in) & 1) {
        config.period_ns = durations[u8(in) % 10];
        config.min_events = u8(in);
        config.burn_alert_count = u8(in) % 6;
        for (size_t k = 0; k < OBS_SLO_MAX_BURN_ALERTS; k++) {
            config.burn_alerts[k].long_window_ns = durations[u8(in) % 10];
            config.burn_alerts[k].short_window_ns = durations[u8(in) % 10];
            config.burn_alerts[k].factor = hostile_double(in);
            config.burn_alerts[k].severity = (obs_severity_t)(u8(in) % 6);
        }
    }
    if (u8(in) & 1)
        pick_name(in, name, sizeof name);
    else
        snprintf(name, sizeof name, "slo-%u", u8(in) % 4);
    status = expect(obs_service_add_slo(service, name, &config, &slo),
                    service ? OK | EINVAL_ | BIT(OBS_EEXIST) | ENOMEM_
                            : EINVAL_);
    if (status == OBS_OK) {
        FUZZ_CHECK(slo != NULL);
        if (s->slo_count < MAX_SLOS)
            s->slos[s->slo_count++] = slo;
    }
}

static void call_slo_read(struct state *s, struct input *in)
{
    obs_slo_t *slo;
    obs_slo_status_t st;
    double rate = -1.0;
    uint64_t window = u64(in);

    if (s->slo_count == 0) {
        expect(obs_slo_status(NULL, &st), EINVAL_);
        return;
    }
    slo = s->slos[u8(in) % s->slo_count];
    if (u8(in) & 1) {
        if (expect(obs_slo_status(slo, &st), OK | ENOMEM_) == OBS_OK) {
            FUZZ_CHECK(st.good <= st.total);
            FUZZ_CHECK(st.attained >= 0.0 && st.attained <= 1.0);
            FUZZ_CHECK(!isnan(st.budget_remaining));
            FUZZ_CHECK(st.error_budget >= 0.0);
        }
    } else {
        obs_status_t status = obs_slo_burn_rate(slo, window, &rate);

        FUZZ_CHECK(status == OBS_OK || status == OBS_EINVAL ||
                   status == OBS_ENOMEM);
        expect(status, OK | EINVAL_ | ENOMEM_);
        if (status == OBS_OK)
            FUZZ_CHECK(rate >= 0.0 && !isnan(rate));
    }
}

static void call_write(struct state *s, struct input *in)
{
    static const size_t sizes[] = {0, 1, 2, 16, 100, 1000, TEXT_SIZE};
    size_t size = sizes[u8(in) % 7];
    size_t length = 0;
    unsigned flags = u8(in) % 3;
    obs_exposition_t format = (obs_exposition_t)(u8(in) % 3);
    bool json = u8(in) & 1;
    char *buffer = u8(in) == 3 ? NULL : s->text;
    unsigned allowed = OK | BIT(OBS_ENOSPC) | ENOMEM_;
    obs_status_t status;

    if (buffer == NULL && size > 0)
        allowed = EINVAL_;
    if (json) {
        if (flags > OBS_REPORT_ALERT_DETAILS)
            allowed = EINVAL_;
        status = expect(obs_platform_write_json(s->platform, flags, buffer,
                                                size, &length),
                        allowed);
        if (status == OBS_OK && size > 0)
            check_json(s->text, length);
    } else {
        if (format > OBS_EXPOSITION_OPENMETRICS)
            allowed = EINVAL_;
        status = expect(obs_platform_write_prometheus(s->platform, format,
                                                      buffer, size, &length),
                        allowed);
        if (status == OBS_OK && size > 0)
            check_exposition(s->text, length);
    }
    if (status == OBS_ENOSPC && buffer != NULL && size > 0) {
        FUZZ_CHECK(length >= size);
        FUZZ_CHECK(strlen(s->text) == size - 1);
    }
}

static void call_print(struct state *s, struct input *in)
{
    static FILE *sink;
    obs_status_t status;

    if (sink == NULL)
        sink = fopen("/dev/null", "w");
    if (sink == NULL)
        return;
    if (u8(in) & 1)
        status = obs_platform_print_json(s->platform, u8(in) % 2, sink);
    else
        status = obs_platform_print_prometheus(
            s->platform, (obs_exposition_t)(u8(in) % 2), sink);
    expect(status, OK | ENOMEM_ | BIT(OBS_EIO));
}

static void call_histogram(struct state *s, struct input *in)
{
    size_t index;
    obs_service_t *service = pick_service(s, in, &index);
    obs_view_t view = pick_view(in);
    double latency = hostile_double(in);
    double percentiles[3] = {hostile_double(in), 50.0, 100.0};
    double values[3];
    bool valid_p = percentiles[0] >= 0.0 && percentiles[0] <= 100.0;
    unsigned allowed;

    if (s->histogram == NULL) {
        heap.failed = false;
        if (obs_histogram_new(1 + u8(in) % 13, &s->histogram) != OBS_OK)
            s->histogram = NULL;
        return;
    }
    switch (u8(in) % 4) {
    case 0:
        expect(obs_histogram_record(s->histogram, latency),
               latency >= 0.0 && isfinite(latency) ? OK : EINVAL_);
        break;
    case 1:
        allowed = service ? view_statuses(s, view) | BIT(OBS_EMISMATCH)
                          : EINVAL_;
        expect(obs_service_merge_latency(service, view, s->histogram),
               allowed);
        break;
    case 2:
        if (expect(obs_histogram_percentiles(s->histogram, percentiles, 3,
                                             values),
                   valid_p ? OK : EINVAL_) == OBS_OK) {
            FUZZ_CHECK(values[1] <= values[2]);
            FUZZ_CHECK(values[2] <= obs_latency_max());
        }
        break;
    default:
        FUZZ_CHECK(obs_histogram_memory(s->histogram) > 0);
        FUZZ_CHECK(isfinite(obs_latency_edge(latency, u8(in))) ||
                   !isfinite(latency));
        break;
    }
}

static void call_buckets(struct state *s, struct input *in)
{
    double bounds[OBS_LATENCY_BUCKETS_MAX + 1];
    size_t count = u8(in) % (OBS_LATENCY_BUCKETS_MAX + 2);

    for (size_t i = 0; i < count; i++)
        bounds[i] = u8(in) & 1 ? hostile_double(in) : (double)(i + 1) * 5.0;
    expect(obs_platform_set_latency_buckets(s->platform,
                                            u8(in) == 7 ? NULL : bounds,
                                            count),
           OK | EINVAL_);
}

static void call_faults(struct state *s, struct input *in)
{
    size_t index;
    obs_service_t *service = pick_service(s, in, &index);
    obs_fault_rule_t rule;
    obs_fault_t decision;
    obs_fault_counts_t counts;
    bool fail;

    switch (u8(in) % 7) {
    case 0:
        obs_fault_rule_init(&rule);
        rule.error_share = hostile_double(in);
        rule.delay_ms = hostile_double(in);
        rule.delay_kind = (obs_fault_delay_t)(u8(in) % 4);
        rule.delay_share = hostile_double(in);
        rule.health_check_outage = u8(in) & 1;
        rule.from_ns = u8(in) * 1000000000ull;
        rule.to_ns = u8(in) * 1000000000ull;
        if (s->fault_count < MAX_FAULTS &&
            expect(obs_service_add_fault(service, &rule,
                                         &s->fault_ids[s->fault_count]),
                   service ? OK | EINVAL_ | ENOMEM_ : EINVAL_) == OBS_OK)
            s->fault_count++;
        break;
    case 1:
        expect(obs_service_remove_fault(
                   service, s->fault_count ? s->fault_ids[u8(in) %
                                                          s->fault_count]
                                           : 0),
               service ? OK | BIT(OBS_ENOENT) : EINVAL_);
        break;
    case 2:
        if (expect(obs_fault_check(service, &decision),
                   service ? OK : EINVAL_) == OBS_OK) {
            FUZZ_CHECK(decision.delay_ms >= 0.0 &&
                       !isnan(decision.delay_ms));
            if (decision.counted && s->decision_count < 4)
                s->decisions[s->decision_count++] = decision;
            else if (decision.counted)
                expect(obs_fault_done(service, &decision), OK | EINVAL_);
        }
        break;
    case 3:
        if (s->decision_count > 0) {
            s->decision_count--;
            expect(obs_fault_done(service,
                                  &s->decisions[s->decision_count]),
                   service ? OK | EINVAL_ : EINVAL_);
        }
        break;
    case 4:
        expect(obs_fault_check_health(service, &fail),
               service ? OK : EINVAL_);
        break;
    case 5:
        expect(obs_service_fault_counts(service, &counts),
               service ? OK : EINVAL_);
        break;
    default:
        switch (u8(in) % 3) {
        case 0:
            expect(obs_platform_set_fault_seed(s->platform, u64(in)),
                   OK | ENOMEM_);
            break;
        case 1:
            expect(obs_platform_set_faults_enabled(s->platform, u8(in) & 1),
                   OK | ENOMEM_);
            break;
        default:
            expect(obs_platform_set_fault_limit(s->platform, u8(in) % 3),
                   OK | ENOMEM_);
            break;
        }
        break;
    }
}

static void call_timer(struct state *s, struct input *in)
{
    size_t index;
    obs_service_t *service = pick_service(s, in, &index);
    double elapsed = -1.0;
    bool success = u8(in) & 1;
    obs_status_t status;

    if (u8(in) & 1) {
        expect(obs_timer_start(service, &s->timer), service ? OK : EINVAL_);
        return;
    }
    /* Whom the running timer records on, if it runs. */
    for (index = 0; index < s->service_count; index++)
        if (s->services[index] == s->timer.service)
            break;
    service = s->timer.service;
    status = expect(obs_timer_stop(&s->timer, success, &elapsed),
                    service ? OK | ENOMEM_ : EINVAL_);
    if (status == OBS_OK) {
        FUZZ_CHECK(elapsed >= 0.0 && isfinite(elapsed));
        count_record(s, index, success);
    }
}

static void call_misc(struct state *s, struct input *in)
{
    size_t index;
    obs_service_t *service = pick_service(s, in, &index);
    int value = (int)u8(in) - 8;

    switch (u8(in) % 6) {
    case 0: /* the clock: forward, far forward, or back */
        switch (u8(in) % 3) {
        case 0:
            s->now_ns += u8(in) * 1000000000ull;
            break;
        case 1:
            s->now_ns = u64(in);
            break;
        default:
            s->now_ns -= s->now_ns > 5000000000ull ? 5000000000ull : 0;
            break;
        }
        expect(obs_platform_tick(s->platform), OK);
        break;
    case 1:
        FUZZ_CHECK(obs_strerror((obs_status_t)value) != NULL);
        FUZZ_CHECK(obs_health_name((obs_health_t)value) != NULL);
        FUZZ_CHECK(obs_severity_name((obs_severity_t)value) != NULL);
        FUZZ_CHECK(obs_alert_state_name((obs_alert_state_t)value) != NULL);
        break;
    case 2:
        FUZZ_CHECK(obs_platform_service_at(s->platform,
                                           s->service_count > 0 ? 0 : 1) ==
                   (s->service_count > 0 ? s->services[0] : NULL));
        FUZZ_CHECK(obs_platform_service_at(s->platform, SIZE_MAX) == NULL);
        FUZZ_CHECK(obs_platform_memory(s->platform) >=
                   obs_service_memory(service));
        break;
    case 3:
        if (service != NULL) {
            size_t count = obs_service_slo_count(service);

            FUZZ_CHECK(obs_service_slo_at(service, count) == NULL);
            FUZZ_CHECK(count == 0 || obs_service_slo_at(service, 0) != NULL);
        }
        break;
    case 4:
        check_counts(s);
        break;
    default:
        /* Arm the allocator: the Nth allocation from now fails. */
        heap.countdown = 1 + u8(in) % 24;
        break;
    }
}

/* ---- the platform's settings from the first bytes ------------------------ */

static obs_status_t create(struct state *s, struct input *in)
{
    static const unsigned slots[] = {1, 2, 3, 7, 60, 64, 100, 1024};
    static const size_t histories[] = {0, 1, 2, 16, 256};
    uint8_t kind = u8(in) % 3;
    obs_config_t config;
    obs_status_t status;

    obs_config_init(&config);
    config.clock = read_clock;
    config.clock_user = s;
    config.allocator = &fuzz_allocator;
    config.latency_store = kind == 2 ? OBS_STORE_EXACT : OBS_STORE_HISTOGRAM;
    config.window_slots = kind == 1 ? slots[u8(in) % 8] : 0;
    config.slot_ns = kind == 1 ? 1000u + u8(in) * 100000000ull : 1000000000u;
    config.precision_bits = 1 + u8(in) % 12;
    config.alert_history = histories[u8(in) % 5];
    config.health_view = (obs_view_t)(u8(in) % 3);
    if (config.health_view == OBS_VIEW_WINDOW && kind != 1)
        config.health_view = OBS_VIEW_LIFETIME;
    s->window = kind == 1;
    s->exact = kind == 2;
    heap.failed = false;
    heap.countdown = u8(in) % 4; /* sometimes fail the platform itself */
    status = obs_platform_new(&config, &s->platform);
    FUZZ_CHECK(status == OBS_OK || (status == OBS_ENOMEM && heap.failed));
    heap.countdown = 0;
    heap.failed = false;
    if (status != OBS_OK)
        FUZZ_CHECK(heap.live == 0);
    return status;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size};
    static struct state s;
    int calls = 0;

    memset(&s, 0, sizeof s);
    memset(&heap, 0, sizeof heap);
    s.now_ns = 1000000000ull;
    current = &s;
    if (create(&s, &in) != OBS_OK)
        return 0;

    while (in.left > 0 && calls++ < 2000) {
        uint8_t op = u8(&in);

        heap.failed = false;
        switch (op % 16) {
        case 0:
            call_register(&s, &in);
            break;
        case 1:
        case 2:
        case 3:
            call_record(&s, &in, op % 16 - 1);
            break;
        case 4:
            call_check(&s, &in, u8(&in) % 3);
            break;
        case 5:
            call_read(&s, &in);
            break;
        case 6:
            call_thresholds(&s, &in);
            break;
        case 7:
            call_rules(&s, &in);
            break;
        case 8:
            call_subscribe(&s, &in);
            break;
        case 9:
            call_evaluate(&s, &in);
            break;
        case 10:
            call_slo(&s, &in);
            call_slo_read(&s, &in);
            break;
        case 11:
            if (op & 0x10)
                call_print(&s, &in);
            else
                call_write(&s, &in);
            break;
        case 12:
            call_histogram(&s, &in);
            break;
        case 13:
            if (op & 0x10)
                call_buckets(&s, &in);
            else
                call_timer(&s, &in);
            break;
        case 14:
            call_faults(&s, &in);
            break;
        default:
            call_misc(&s, &in);
            break;
        }
    }

    heap.countdown = 0;
    check_counts(&s);
    obs_histogram_free(s.histogram);
    obs_platform_free(s.platform);
    FUZZ_CHECK(heap.live == 0);
    current = NULL;
    return 0;
}
