/*
 * scenario.c - obs-sim's scenario files (see scenario.h).
 *
 * jansson parses the file. It keeps no position for the values it returns,
 * so a value the scenario refuses is found again in the text by its place
 * in the document (the k-th member, the i-th element): jansson keeps
 * members in file order and refuses duplicate keys, and the text it
 * accepted is valid JSON, so walking it needs no parser, only a scanner
 * that skips strings and balances brackets.
 */
#include "scenario.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define NS_PER_S UINT64_C(1000000000)
#define MAX_PATH 3

const struct sim_profile sim_reference_profiles[] = {
    {"api-gateway", 50, 0.02, 0.0},
    {"user-service", 30, 0.01, 0.0},
    {"payment-service", 200, 0.08, 0.01},
    {"search-service", 100, 0.03, 0.0},
    {"notification-svc", 80, 0.15, 0.02},
};
const size_t sim_reference_profile_count =
    sizeof sim_reference_profiles / sizeof sim_reference_profiles[0];

/* ---- where a value is in the text ---------------------------------------- */

static const char *skip_blank(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* `p` at an opening quote; returns past the closing one. */
static const char *skip_string(const char *p, const char *end)
{
    for (p++; p < end && *p != '"'; p++)
        if (*p == '\\')
            p++;
    return p < end ? p + 1 : end;
}

/* Past one value, without recursion: a file may nest deeply. */
static const char *skip_value(const char *p, const char *end)
{
    int depth = 0;

    do {
        if (p >= end)
            return end;
        if (*p == '"') {
            p = skip_string(p, end);
        } else if (*p == '{' || *p == '[') {
            depth++;
            p++;
        } else if (*p == '}' || *p == ']') {
            depth--;
            p++;
        } else if (depth == 0) {
            while (p < end && !strchr(",}] \t\r\n", *p))
                p++;
        } else {
            p++;
        }
    } while (depth > 0);
    return p;
}

/* The start of the member or element at `path` (a member's key). */
static const char *locate(const char *text, size_t length,
                          const size_t *path, size_t depth)
{
    const char *end = text + length;
    const char *p = skip_blank(text, end);

    for (size_t d = 0; d < depth; d++) {
        bool object;

        if (p >= end || (*p != '{' && *p != '['))
            return p;
        object = *p == '{';
        p++;
        for (size_t k = 0;; k++) {
            p = skip_blank(p, end);
            if (p >= end || (k == path[d] && d + 1 == depth))
                return p;
            if (object) {
                p = skip_blank(skip_string(p, end), end);
                if (p < end && *p == ':')
                    p++;
                p = skip_blank(p, end);
            }
            if (k == path[d])
                break;
            p = skip_blank(skip_value(p, end), end);
            if (p >= end || *p != ',')
                return p;
            p++;
        }
    }
    return p;
}

static int line_of(const char *text, const char *p)
{
    int line = 1;

    for (; text < p; text++)
        if (*text == '\n' && line < 999999999)
            line++;
    return line;
}

/* ---- the loader ---------------------------------------------------------- */

struct loader {
    const char *text;
    size_t length;
    const char *filename;
    char *error;
    size_t error_size;
    size_t path[MAX_PATH];
};

/* "FILE:LINE: reason", LINE being that of the value at path[0..depth). */
static int refuse_at(struct loader *l, size_t depth, const char *format,
                     ...)
{
    char reason[512];
    va_list args;
    const char *at = locate(l->text, l->length, l->path, depth);

    if (l->error == NULL || l->error_size == 0)
        return -1;
    va_start(args, format);
    vsnprintf(reason, sizeof reason, format, args);
    va_end(args);
    snprintf(l->error, l->error_size, "%s:%d: %s", l->filename,
             line_of(l->text, at), reason);
    return -1;
}

static int duration_of(json_t *value, uint64_t *ns)
{
    if (!json_is_string(value))
        return -1;
    return sim_parse_duration(json_string_value(value),
                              json_string_length(value), ns);
}

static int load_duration(struct loader *l, json_t *value,
                         struct sim_scenario *s)
{
    uint64_t ns;

    if (duration_of(value, &ns) != 0 || ns % NS_PER_S != 0 || ns == 0 ||
        ns > SIM_MAX_DURATION_S * NS_PER_S)
        return refuse_at(l, 1,
                         "\"duration\" must be a whole number of seconds "
                         "from 1s to %ds, as a string such as \"300s\"",
                         SIM_MAX_DURATION_S);
    s->duration_ns = ns;
    return 0;
}

static int load_rate(struct loader *l, json_t *value, struct sim_scenario *s)
{
    json_int_t rate = json_is_integer(value) ? json_integer_value(value) : 0;

    if (rate < 1 || rate > SIM_MAX_RATE)
        return refuse_at(l, 1,
                         "\"rate\" must be a whole number of requests per "
                         "second from 1 to %d",
                         SIM_MAX_RATE);
    s->rate = (unsigned)rate;
    return 0;
}

static int load_seed(struct loader *l, json_t *value, struct sim_scenario *s)
{
    if (!json_is_integer(value) || json_integer_value(value) < 0)
        return refuse_at(l, 1,
                         "\"seed\" must be a whole number from 0 to "
                         "9223372036854775807");
    s->seed = (uint64_t)json_integer_value(value);
    return 0;
}

/* "window", "pending" or "hold". */
static int load_time(struct loader *l, const char *key, json_t *value,
                     uint64_t min_ns, uint64_t *out)
{
    uint64_t ns;

    if (duration_of(value, &ns) != 0 || ns < min_ns ||
        ns > SIM_MAX_WINDOW_NS)
        return refuse_at(l, 1,
                         "\"%s\" must be a duration from %s to 60m, as a "
                         "string such as \"%s\"",
                         key, min_ns ? "1s" : "0s",
                         min_ns ? "60s" : "30s");
    *out = ns;
    return 0;
}

static int load_number(struct loader *l, const char *key, json_t *value,
                       double max, bool zero_ok, double *out)
{
    double number = json_is_number(value) ? json_number_value(value) : -1.0;

    if (!(number >= 0.0 && number <= max) || (!zero_ok && number == 0.0)) {
        if (zero_ok)
            return refuse_at(l, 3, "\"%s\" must be a number from 0 to %g",
                             key, max);
        return refuse_at(l, 3,
                         "\"%s\" must be a number above 0 and at most %g",
                         key, max);
    }
    *out = number;
    return 0;
}

static int load_service(struct loader *l, json_t *object,
                        struct sim_profile *p)
{
    const char *key;
    json_t *value;
    bool named = false;

    if (!json_is_object(object))
        return refuse_at(l, 2, "a service must be an object");
    p->latency_ms = 50.0;
    l->path[2] = 0;
    json_object_foreach(object, key, value) {
        int rc = 0;

        if (strcmp(key, "name") == 0) {
            size_t n = json_is_string(value) ? json_string_length(value) : 0;

            if (n == 0 || n > OBS_SERVICE_NAME_MAX)
                return refuse_at(l, 3,
                                 "a service name must be a string of 1 to "
                                 "%d bytes",
                                 OBS_SERVICE_NAME_MAX);
            memcpy(p->name, json_string_value(value), n);
            p->name[n] = '\0';
            named = true;
        } else if (strcmp(key, "latency_ms") == 0) {
            rc = load_number(l, key, value, 60000.0, false, &p->latency_ms);
        } else if (strcmp(key, "error_prob") == 0) {
            rc = load_number(l, key, value, 1.0, true, &p->error_prob);
        } else if (strcmp(key, "down_prob") == 0) {
            rc = load_number(l, key, value, 1.0, true, &p->down_prob);
        } else {
            char quoted[48];

            sim_quote(key, strlen(key), quoted, sizeof quoted);
            return refuse_at(l, 3,
                             "unknown key '%s' in a service (use name, "
                             "latency_ms, error_prob or down_prob)",
                             quoted);
        }
        if (rc != 0)
            return rc;
        l->path[2]++;
    }
    if (!named)
        return refuse_at(l, 2, "a service needs a \"name\"");
    return 0;
}

static int load_services(struct loader *l, json_t *list,
                         struct sim_scenario *s)
{
    size_t n = json_is_array(list) ? json_array_size(list) : 0;

    if (n == 0 || n > SIM_MAX_SERVICES)
        return refuse_at(l, 1, "\"services\" must be a list of 1 to %d "
                               "services",
                         SIM_MAX_SERVICES);
    s->services = calloc(n, sizeof *s->services);
    if (s->services == NULL)
        return refuse_at(l, 1, "out of memory");
    for (size_t i = 0; i < n; i++) {
        l->path[1] = i;
        if (load_service(l, json_array_get(list, i), &s->services[i]) != 0)
            return -1;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(s->services[j].name, s->services[i].name) == 0) {
                char quoted[48];

                sim_quote(s->services[i].name, strlen(s->services[i].name),
                          quoted, sizeof quoted);
                return refuse_at(l, 2, "service '%s' is listed twice",
                                 quoted);
            }
        }
        s->service_count = i + 1;
    }
    return 0;
}

/* After the services, wherever the file lists them: a fault must name
 * one of them. */
static int load_faults(struct loader *l, json_t *list, struct sim_scenario *s)
{
    size_t n = json_is_array(list) ? json_array_size(list) : SIZE_MAX;

    if (n > SIM_MAX_FAULTS)
        return refuse_at(l, 1,
                         "\"faults\" must be a list of at most %d fault "
                         "specs",
                         SIM_MAX_FAULTS);
    if (n == 0)
        return 0;
    s->faults = calloc(n, sizeof *s->faults);
    if (s->faults == NULL)
        return refuse_at(l, 1, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_t *spec = json_array_get(list, i);
        struct sim_fault *f = &s->faults[i];
        char reason[256];
        char quoted[48];

        l->path[1] = i;
        if (!json_is_string(spec))
            return refuse_at(l, 2,
                             "a fault must be a string such as "
                             "\"payment-service:error=0.5,from=60s\"");
        if (sim_parse_fault_spec(json_string_value(spec), f, reason,
                                 sizeof reason) != 0)
            return refuse_at(l, 2, "fault: %s", reason);
        if (sim_scenario_find(s, f->service) == NULL) {
            sim_quote(f->service, strlen(f->service), quoted, sizeof quoted);
            return refuse_at(l, 2, "fault for unknown service '%s'", quoted);
        }
        s->fault_count = i + 1;
    }
    return 0;
}

static int load_member(struct loader *l, const char *key, json_t *value,
                       struct sim_scenario *s)
{
    char quoted[48];

    if (strcmp(key, "description") == 0) {
        if (!json_is_string(value))
            return refuse_at(l, 1, "\"description\" must be a string");
        s->description = strdup(json_string_value(value));
        if (s->description == NULL)
            return refuse_at(l, 1, "out of memory");
        return 0;
    }
    if (strcmp(key, "duration") == 0)
        return load_duration(l, value, s);
    if (strcmp(key, "rate") == 0)
        return load_rate(l, value, s);
    if (strcmp(key, "seed") == 0)
        return load_seed(l, value, s);
    if (strcmp(key, "window") == 0)
        return load_time(l, key, value, NS_PER_S, &s->window_ns);
    if (strcmp(key, "pending") == 0)
        return load_time(l, key, value, 0, &s->pending_ns);
    if (strcmp(key, "hold") == 0)
        return load_time(l, key, value, 0, &s->hold_ns);
    if (strcmp(key, "services") == 0)
        return load_services(l, value, s);
    if (strcmp(key, "faults") == 0)
        return 0; /* once the services are known */
    sim_quote(key, strlen(key), quoted, sizeof quoted);
    return refuse_at(l, 1,
                     "unknown key '%s' (use description, duration, rate, "
                     "seed, window, pending, hold, services or faults)",
                     quoted);
}

int sim_load_scenario_text(const char *text, size_t length,
                           const char *filename, struct sim_scenario *out,
                           char *error, size_t error_size)
{
    struct loader l;
    struct sim_scenario s;
    json_error_t jerror;
    json_t *root;
    json_t *faults = NULL;
    const char *key;
    json_t *value;
    size_t faults_at = 0;
    int rc = -1;

    memset(&l, 0, sizeof l);
    l.text = text != NULL ? text : "";
    l.length = text != NULL ? length : 0;
    l.filename = filename != NULL ? filename : "<scenario>";
    l.error = error;
    l.error_size = error_size;
    if (out == NULL)
        return refuse_at(&l, 0, "nowhere to load the scenario");

    memset(&s, 0, sizeof s);
    s.rate = SIM_DEFAULT_RATE;
    s.seed = SIM_DEFAULT_SEED;
    s.window_ns = SIM_DEFAULT_WINDOW_NS;
    root = json_loadb(l.text, l.length, JSON_REJECT_DUPLICATES, &jerror);
    if (root == NULL) {
        /* jansson quotes the input near the error: keep the message on
         * one line of printable ASCII. */
        for (char *c = jerror.text; *c != '\0'; c++)
            if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
                *c = '?';
        if (error != NULL && error_size > 0)
            snprintf(error, error_size, "%s:%d: %s", l.filename,
                     jerror.line > 0 ? jerror.line : 1, jerror.text);
        return -1;
    }
    if (!json_is_object(root)) {
        refuse_at(&l, 0, "a scenario is a JSON object");
        goto done;
    }

    json_object_foreach(root, key, value) {
        if (strcmp(key, "faults") == 0) {
            faults = value;
            faults_at = l.path[0];
        }
        if (load_member(&l, key, value, &s) != 0)
            goto done;
        l.path[0]++;
    }
    if (s.duration_ns == 0) {
        refuse_at(&l, 0, "missing \"duration\"");
        goto done;
    }
    l.path[0] = faults_at;
    if (faults != NULL && load_faults(&l, faults, &s) != 0)
        goto done;
    *out = s;
    rc = 0;
done:
    if (rc != 0)
        sim_scenario_free(&s);
    json_decref(root);
    return rc;
}

void sim_scenario_free(struct sim_scenario *scenario)
{
    if (scenario == NULL)
        return;
    free(scenario->description);
    free(scenario->services);
    free(scenario->faults);
    memset(scenario, 0, sizeof *scenario);
}

const struct sim_profile *sim_scenario_find(const struct sim_scenario *s,
                                            const char *name)
{
    const struct sim_profile *list = sim_reference_profiles;
    size_t count = sim_reference_profile_count;

    if (s != NULL && s->services != NULL) {
        list = s->services;
        count = s->service_count;
    }
    for (size_t i = 0; name != NULL && i < count; i++)
        if (strcmp(list[i].name, name) == 0)
            return &list[i];
    return NULL;
}
