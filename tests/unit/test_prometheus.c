/*
 * test_prometheus.c - the Prometheus and OpenMetrics expositions: exact
 * text, escaping, families, bucket counts at the bounds, locale, buffers,
 * and consistency while other threads record.
 *
 * Every exposition a test checks is also written to a file in
 * $OBS_EXPOSITION_DIR (default build/expositions), NAME.prom for the
 * Prometheus text format and NAME.om for OpenMetrics, so that
 * `make check-prometheus` can run promtool over each.
 */
#include <errno.h>
#include <locale.h>
#include <pthread.h>
#include <sys/stat.h>

#include "test_util.h"

/* ---- helpers ------------------------------------------------------------ */

/* mkdir -p */
static void make_directory(const char *path)
{
    char partial[512];
    size_t len = strlen(path);

    assert_true(len < sizeof partial);
    for (size_t i = 1; i <= len; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        memcpy(partial, path, i);
        partial[i] = '\0';
        if (mkdir(partial, 0777) != 0 && errno != EEXIST)
            fail_msg("cannot create %s: %s", partial, strerror(errno));
    }
}

static void save_exposition(const char *name, obs_exposition_t format,
                            const char *text)
{
    const char *dir = getenv("OBS_EXPOSITION_DIR");
    char path[600];
    FILE *file;

    if (dir == NULL || *dir == '\0')
        dir = "build/expositions";
    make_directory(dir);
    snprintf(path, sizeof path, "%s/%s.%s", dir, name,
             format == OBS_EXPOSITION_OPENMETRICS ? "om" : "prom");
    file = fopen(path, "w");
    if (file == NULL)
        fail_msg("cannot write %s: %s", path, strerror(errno));
    assert_int_equal(fwrite(text, 1, strlen(text), file), strlen(text));
    assert_int_equal(fclose(file), 0);
}

/* The whole exposition in a malloc'd string, saved under `name` (NULL:
 * not saved). */
static char *expose(obs_platform_t *platform, obs_exposition_t format,
                    const char *name)
{
    size_t length = 0;
    size_t again = 0;
    obs_status_t status;
    char *text;

    status = obs_platform_write_prometheus(platform, format, NULL, 0,
                                           &length);
    assert_int_equal(status, length == 0 ? OBS_OK : OBS_ENOSPC);
    text = malloc(length + 1);
    assert_non_null(text);
    assert_ok(obs_platform_write_prometheus(platform, format, text,
                                            length + 1, &again));
    assert_int_equal(again, length);
    assert_int_equal(strlen(text), length);
    if (name != NULL)
        save_exposition(name, format, text);
    return text;
}

/* The value of the sample whose text before the value is `series`, or
 * fails the test if there is none. */
static double value_of(const char *text, const char *series)
{
    size_t len = strlen(series);
    const char *line = text;

    while (line != NULL && *line != '\0') {
        if (strncmp(line, series, len) == 0 && line[len] == ' ')
            return strtod(line + len + 1, NULL);
        line = strchr(line, '\n');
        if (line != NULL)
            line++;
    }
    fail_msg("no sample %s", series);
    return -1.0;
}

static size_t occurrences(const char *text, const char *needle)
{
    size_t n = 0;

    for (const char *at = strstr(text, needle); at != NULL;
         at = strstr(at + 1, needle))
        n++;
    return n;
}

/* ---- exact text --------------------------------------------------------- */

static const double test_bounds[] = {5.0, 10.0, 1000.0};

/* Requests of 1, 5, 7, 7, 1000 and 2000 ms (the two 7 ms ones failed),
 * four passed health checks, one evaluation: critical. */
static obs_platform_t *platform_with_api(obs_latency_store_t store)
{
    obs_platform_t *platform = new_platform(store);
    obs_service_t *api = add_service(platform, "api");
    static const double latencies[] = {1, 5, 7, 7, 1000, 2000};

    assert_ok(obs_platform_set_latency_buckets(platform, test_bounds, 3));
    for (size_t i = 0; i < 6; i++)
        assert_ok(obs_record_request(api, latencies[i], latencies[i] != 7));
    for (int i = 0; i < 4; i++)
        assert_ok(obs_record_health_check(api, true));
    assert_ok(obs_platform_evaluate(platform, NULL));
    return platform;
}

static const char api_prometheus[] =
    "# HELP obs_requests_total Requests recorded, by outcome.\n"
    "# TYPE obs_requests_total counter\n"
    "obs_requests_total{service=\"api\",outcome=\"success\"} 4\n"
    "obs_requests_total{service=\"api\",outcome=\"error\"} 2\n"
    "# HELP obs_health_checks_total Health checks recorded, by result.\n"
    "# TYPE obs_health_checks_total counter\n"
    "obs_health_checks_total{service=\"api\",result=\"passed\"} 4\n"
    "obs_health_checks_total{service=\"api\",result=\"failed\"} 0\n"
    "# HELP obs_request_duration_seconds Request latency in seconds.\n"
    "# TYPE obs_request_duration_seconds histogram\n"
    "obs_request_duration_seconds_bucket{service=\"api\",le=\"0.005\"} 2\n"
    "obs_request_duration_seconds_bucket{service=\"api\",le=\"0.01\"} 4\n"
    "obs_request_duration_seconds_bucket{service=\"api\",le=\"1\"} 5\n"
    "obs_request_duration_seconds_bucket{service=\"api\",le=\"+Inf\"} 6\n"
    "obs_request_duration_seconds_sum{service=\"api\"} 3.02\n"
    "obs_request_duration_seconds_count{service=\"api\"} 6\n"
    "# HELP obs_service_health Current health of the service: 1 for its "
    "state, 0 for the others.\n"
    "# TYPE obs_service_health gauge\n"
    "obs_service_health{service=\"api\",state=\"healthy\"} 0\n"
    "obs_service_health{service=\"api\",state=\"degraded\"} 0\n"
    "obs_service_health{service=\"api\",state=\"critical\"} 1\n"
    "obs_service_health{service=\"api\",state=\"down\"} 0\n"
    "# HELP obs_alerts_firing Alerts firing for the service at the last "
    "evaluation (health and SLO burn rate), by severity.\n"
    "# TYPE obs_alerts_firing gauge\n"
    "obs_alerts_firing{service=\"api\",severity=\"warning\"} 0\n"
    "obs_alerts_firing{service=\"api\",severity=\"critical\"} 1\n"
    "obs_alerts_firing{service=\"api\",severity=\"page\"} 0\n"
    "obs_alerts_firing{service=\"api\",severity=\"ticket\"} 0\n";

static const char api_openmetrics[] =
    "# HELP obs_requests Requests recorded, by outcome.\n"
    "# TYPE obs_requests counter\n"
    "obs_requests_total{service=\"api\",outcome=\"success\"} 4\n"
    "obs_requests_total{service=\"api\",outcome=\"error\"} 2\n"
    "# HELP obs_health_checks Health checks recorded, by result.\n"
    "# TYPE obs_health_checks counter\n"
    "obs_health_checks_total{service=\"api\",result=\"passed\"} 4\n"
    "obs_health_checks_total{service=\"api\",result=\"failed\"} 0\n"
    "# HELP obs_request_duration_seconds Request latency in seconds.\n"
    "# TYPE obs_request_duration_seconds histogram\n"
    "# UNIT obs_request_duration_seconds seconds\n"
    "obs_request_duration_seconds_bucket{service=\"api\",le=\"0.005\"} 2\n"
    "obs_request_duration_seconds_bucket{service=\"api\",le=\"0.01\"} 4\n"
    "obs_request_duration_seconds_bucket{service=\"api\",le=\"1.0\"} 5\n"
    "obs_request_duration_seconds_bucket{service=\"api\",le=\"+Inf\"} 6\n"
    "obs_request_duration_seconds_sum{service=\"api\"} 3.02\n"
    "obs_request_duration_seconds_count{service=\"api\"} 6\n"
    "# HELP obs_service_health Current health of the service: 1 for its "
    "state, 0 for the others.\n"
    "# TYPE obs_service_health gauge\n"
    "obs_service_health{service=\"api\",state=\"healthy\"} 0\n"
    "obs_service_health{service=\"api\",state=\"degraded\"} 0\n"
    "obs_service_health{service=\"api\",state=\"critical\"} 1\n"
    "obs_service_health{service=\"api\",state=\"down\"} 0\n"
    "# HELP obs_alerts_firing Alerts firing for the service at the last "
    "evaluation (health and SLO burn rate), by severity.\n"
    "# TYPE obs_alerts_firing gauge\n"
    "obs_alerts_firing{service=\"api\",severity=\"warning\"} 0\n"
    "obs_alerts_firing{service=\"api\",severity=\"critical\"} 1\n"
    "obs_alerts_firing{service=\"api\",severity=\"page\"} 0\n"
    "obs_alerts_firing{service=\"api\",severity=\"ticket\"} 0\n"
    "# EOF\n";

/* A bound is inclusive and counts at the bounds are exact, whichever the
 * store: 5 ms is in le="0.005", 1000 ms in le="1". */
static void test_prometheus_buckets_at_bounds(void **state)
{
    obs_latency_store_t store = store_of(state);
    obs_platform_t *platform = platform_with_api(store);
    char *text;

    text = expose(platform, OBS_EXPOSITION_PROMETHEUS,
                  store == OBS_STORE_EXACT ? "api_exact" : "api_histogram");
    assert_string_equal(text, api_prometheus);
    free(text);
    text = expose(platform, OBS_EXPOSITION_OPENMETRICS,
                  store == OBS_STORE_EXACT ? "api_exact" : "api_histogram");
    assert_string_equal(text, api_openmetrics);
    free(text);
    obs_platform_free(platform);
}

/* ---- escaping, names, families ------------------------------------------ */

static void test_prometheus_escapes_label_values(void **state)
{
    obs_platform_t *platform = new_platform(OBS_STORE_HISTOGRAM);
    obs_service_t *odd = add_service(platform, "a\"b\\c\nd");
    char *text;

    (void)state;
    assert_ok(obs_record_request(odd, 3.0, true));
    text = expose(platform, OBS_EXPOSITION_PROMETHEUS, "escaped");
    assert_non_null(strstr(text, "obs_requests_total{service=\"a\\\"b\\\\c"
                                 "\\nd\",outcome=\"success\"} 1\n"));
    assert_int_equal(occurrences(text, "service=\"a\\\"b\\\\c\\nd\""),
                     2 + 2 + 11 + 3 + 4 + 4);
    assert_null(strstr(text, "a\"b"));
    free(text);
    text = expose(platform, OBS_EXPOSITION_OPENMETRICS, "escaped");
    assert_non_null(strstr(text, "obs_requests_total{service=\"a\\\"b\\\\c"
                                 "\\nd\",outcome=\"success\"} 1\n"));
    free(text);
    obs_platform_free(platform);
}

/* The family a line belongs to: the name after HELP, TYPE or UNIT, or
 * the sample's name without its histogram or counter suffix. */
static void family_of(const char *line, char *family, size_t size)
{
    static const char *suffixes[] = {"_bucket", "_sum", "_count", "_total"};
    size_t len;

    if (strncmp(line, "# HELP ", 7) == 0 ||
        strncmp(line, "# TYPE ", 7) == 0 || strncmp(line, "# UNIT ", 7) == 0)
        line += 7;
    len = strcspn(line, " {");
    assert_true(len < size);
    memcpy(family, line, len);
    family[len] = '\0';
    for (size_t i = 0; i < 4; i++) {
        size_t n = strlen(suffixes[i]);

        if (len > n && strcmp(family + len - n, suffixes[i]) == 0 &&
            strncmp(family, "obs_request_duration_seconds", len - n) == 0) {
            family[len - n] = '\0';
            return;
        }
    }
    if (len > 6 && strcmp(family + len - 6, "_total") == 0)
        family[len - 6] = '\0';
}

/* Each family's lines are together: a family never comes back once
 * another began. */
static void assert_families_together(const char *text)
{
    char seen[16][64];
    size_t seen_count = 0;
    const char *line = text;

    while (*line != '\0' && strcmp(line, "# EOF\n") != 0) {
        char family[64];

        family_of(line, family, sizeof family);
        if (seen_count == 0 || strcmp(seen[seen_count - 1], family) != 0) {
            for (size_t i = 0; i < seen_count; i++)
                if (strcmp(seen[i], family) == 0)
                    fail_msg("family %s comes back at: %.60s", family, line);
            assert_true(seen_count < 16);
            strcpy(seen[seen_count++], family);
        }
        line = strchr(line, '\n');
        assert_non_null(line);
        line++;
    }
    assert_int_equal(seen_count, 5);
}

static void test_prometheus_one_help_and_type_per_family(void **state)
{
    static const char *families[] = {
        "obs_requests_total", "obs_health_checks_total",
        "obs_request_duration_seconds", "obs_service_health",
        "obs_alerts_firing",
    };
    obs_platform_t *platform = new_platform(OBS_STORE_HISTOGRAM);
    obs_service_t *pay = add_service(platform, "payment-service");
    obs_service_t *odd = add_service(platform, "Zahlung \xc3\xbc \"x\"");
    char needle[96];
    char *text;

    (void)state;
    assert_ok(obs_record_request(pay, 12.5, true));
    assert_ok(obs_record_request(odd, 0.25, false));
    assert_ok(obs_record_health_check(odd, false));
    text = expose(platform, OBS_EXPOSITION_PROMETHEUS, "two_services");
    for (size_t i = 0; i < 5; i++) {
        snprintf(needle, sizeof needle, "# HELP %s ", families[i]);
        assert_int_equal(occurrences(text, needle), 1);
        snprintf(needle, sizeof needle, "# TYPE %s ", families[i]);
        assert_int_equal(occurrences(text, needle), 1);
    }
    assert_int_equal(occurrences(text, "# HELP "), 5);
    assert_int_equal(occurrences(text, "# TYPE "), 5);
    assert_families_together(text);
    assert_double_exact(
        value_of(text, "obs_requests_total{service=\"payment-service\","
                       "outcome=\"success\"}"),
        1.0);
    assert_double_exact(
        value_of(text, "obs_health_checks_total{service=\"Zahlung "
                       "\xc3\xbc \\\"x\\\"\",result=\"failed\"}"),
        1.0);
    assert_double_exact(
        value_of(text, "obs_request_duration_seconds_sum{service="
                       "\"payment-service\"}"),
        0.0125);
    free(text);

    text = expose(platform, OBS_EXPOSITION_OPENMETRICS, "two_services");
    assert_int_equal(occurrences(text, "# HELP "), 5);
    assert_int_equal(occurrences(text, "# TYPE "), 5);
    assert_int_equal(occurrences(text, "# UNIT "), 1);
    assert_families_together(text);
    free(text);
    obs_platform_free(platform);
}

/* ---- health and alerts -------------------------------------------------- */

static void test_prometheus_health_and_alerts(void **state)
{
    obs_platform_t *platform = new_platform(OBS_STORE_HISTOGRAM);
    obs_service_t *ok = add_service(platform, "ok");
    obs_service_t *slow = add_service(platform, "slow");
    obs_service_t *gone = add_service(platform, "gone");
    char *text;

    (void)state;
    assert_ok(obs_record_request(ok, 1.0, true));
    assert_ok(obs_record_request(slow, 600.0, true));
    assert_ok(obs_record_health_check(gone, false));

    /* Before any evaluation no alert fires, though health is known. */
    text = expose(platform, OBS_EXPOSITION_PROMETHEUS, "before_evaluation");
    assert_double_exact(
        value_of(text, "obs_service_health{service=\"slow\","
                       "state=\"degraded\"}"),
        1.0);
    assert_double_exact(
        value_of(text, "obs_alerts_firing{service=\"gone\","
                       "severity=\"page\"}"),
        0.0);
    free(text);

    assert_ok(obs_platform_evaluate(platform, NULL));
    text = expose(platform, OBS_EXPOSITION_PROMETHEUS, "evaluated");
    assert_double_exact(
        value_of(text, "obs_service_health{service=\"ok\","
                       "state=\"healthy\"}"),
        1.0);
    assert_double_exact(
        value_of(text, "obs_service_health{service=\"gone\","
                       "state=\"down\"}"),
        1.0);
    assert_double_exact(
        value_of(text, "obs_alerts_firing{service=\"slow\","
                       "severity=\"warning\"}"),
        1.0);
    assert_double_exact(
        value_of(text, "obs_alerts_firing{service=\"gone\","
                       "severity=\"page\"}"),
        1.0);
    assert_double_exact(
        value_of(text, "obs_alerts_firing{service=\"gone\","
                       "severity=\"warning\"}"),
        0.0);
    assert_int_equal(occurrences(text, "obs_alerts_firing{"), 12);
    assert_int_equal(occurrences(text, "obs_alerts_firing{service=\"ok\""),
                     4);
    assert_null(strstr(text, "obs_alerts_firing{service=\"ok\","
                             "severity=\"warning\"} 1"));
    free(text);
    obs_platform_free(platform);
}

/* ---- bounds ------------------------------------------------------------- */

static void test_prometheus_default_bounds(void **state)
{
    static const char *le[] = {"0.005", "0.01", "0.025", "0.05", "0.1",
                               "0.25",  "0.5",  "1",     "2.5",  "5",
                               "10",    "+Inf"};
    obs_platform_t *platform = new_platform(OBS_STORE_HISTOGRAM);
    obs_service_t *api = add_service(platform, "api");
    char series[128];
    char *text;

    (void)state;
    assert_ok(obs_record_request(api, 10000.0, true));
    assert_ok(obs_record_request(api, 10000.5, true));
    text = expose(platform, OBS_EXPOSITION_PROMETHEUS, "default_bounds");
    assert_int_equal(occurrences(text, "_bucket{"), 12);
    for (size_t i = 0; i < 12; i++) {
        snprintf(series, sizeof series,
                 "obs_request_duration_seconds_bucket{service=\"api\","
                 "le=\"%s\"}",
                 le[i]);
        assert_double_exact(value_of(text, series),
                            i < 10 ? 0.0 : i == 10 ? 1.0 : 2.0);
    }
    free(text);

    /* Back to the defaults after a custom set. */
    assert_ok(obs_platform_set_latency_buckets(platform, test_bounds, 3));
    text = expose(platform, OBS_EXPOSITION_PROMETHEUS, NULL);
    assert_int_equal(occurrences(text, "_bucket{"), 4);
    free(text);
    assert_ok(obs_platform_set_latency_buckets(platform, NULL, 0));
    text = expose(platform, OBS_EXPOSITION_PROMETHEUS, NULL);
    assert_int_equal(occurrences(text, "_bucket{"), 12);
    free(text);
    obs_platform_free(platform);
}

static void test_prometheus_bounds_round_to_edges(void **state)
{
    obs_platform_t *platform = new_platform(OBS_STORE_HISTOGRAM);
    obs_platform_t *coarse;
    obs_service_t *api = add_service(platform, "api");
    obs_config_t config;
    const double near[] = {0.3, 1000.3, 2500.0};
    const double clash[] = {2500.0, 2600.0};
    char *text;

    (void)state;
    /* At 9 bits 1000.3 rounds to 1000 and 0.3 to 0.2998046875 (614
     * steps of 2^-11 ms). */
    assert_ok(obs_platform_set_latency_buckets(platform, near, 3));
    assert_ok(obs_record_request(api, 1000.0, true));
    text = expose(platform, OBS_EXPOSITION_PROMETHEUS, "rounded_bounds");
    assert_non_null(strstr(text, "le=\"0.0002998046875\"} 0\n"));
    assert_non_null(strstr(text, "le=\"1\"} 1\n"));
    assert_non_null(strstr(text, "le=\"2.5\"} 1\n"));
    free(text);

    /* At 2 bits 2500 and 2600 both round to 2560: refused. */
    obs_config_init(&config);
    config.precision_bits = 2;
    assert_ok(obs_platform_new(&config, &coarse));
    assert_int_equal(obs_platform_set_latency_buckets(coarse, clash, 2),
                     OBS_EINVAL);
    assert_ok(obs_platform_set_latency_buckets(coarse, clash, 1));
    assert_ok(obs_record_request(add_service(coarse, "api"), 2500.0, true));
    text = expose(coarse, OBS_EXPOSITION_PROMETHEUS, "coarse_bounds");
    assert_non_null(strstr(text, "le=\"2.56\"} 1\n"));
    free(text);
    obs_platform_free(coarse);
    obs_platform_free(platform);
}

static void test_prometheus_bounds_rejected(void **state)
{
    obs_platform_t *platform = new_platform(OBS_STORE_HISTOGRAM);
    double many[OBS_LATENCY_BUCKETS_MAX + 1];
    const double descending[] = {10.0, 5.0};
    const double equal[] = {5.0, 5.0};
    const double zero[] = {0.0, 5.0};
    const double negative[] = {-1.0};
    double not_finite[] = {5.0, 0.0};
    char *text;

    (void)state;
    for (size_t i = 0; i <= OBS_LATENCY_BUCKETS_MAX; i++)
        many[i] = (double)(i + 1);
    assert_int_equal(obs_platform_set_latency_buckets(NULL, many, 1),
                     OBS_EINVAL);
    assert_int_equal(obs_platform_set_latency_buckets(platform, NULL, 1),
                     OBS_EINVAL);
    assert_int_equal(obs_platform_set_latency_buckets(
                         platform, many, OBS_LATENCY_BUCKETS_MAX + 1),
                     OBS_EINVAL);
    assert_int_equal(obs_platform_set_latency_buckets(platform, descending, 2),
                     OBS_EINVAL);
    assert_int_equal(obs_platform_set_latency_buckets(platform, equal, 2),
                     OBS_EINVAL);
    assert_int_equal(obs_platform_set_latency_buckets(platform, zero, 2),
                     OBS_EINVAL);
    assert_int_equal(obs_platform_set_latency_buckets(platform, negative, 1),
                     OBS_EINVAL);
    not_finite[1] = strtod("inf", NULL);
    assert_int_equal(obs_platform_set_latency_buckets(platform, not_finite, 2),
                     OBS_EINVAL);
    not_finite[1] = strtod("nan", NULL);
    assert_int_equal(obs_platform_set_latency_buckets(platform, not_finite, 2),
                     OBS_EINVAL);

    /* 64 bounds are fine; refused sets left the defaults in force. */
    add_service(platform, "api");
    text = expose(platform, OBS_EXPOSITION_PROMETHEUS, NULL);
    assert_int_equal(occurrences(text, "_bucket{"), 12);
    free(text);
    assert_ok(obs_platform_set_latency_buckets(platform, many,
                                               OBS_LATENCY_BUCKETS_MAX));
    text = expose(platform, OBS_EXPOSITION_PROMETHEUS, "many_bounds");
    assert_int_equal(occurrences(text, "_bucket{"),
                     OBS_LATENCY_BUCKETS_MAX + 1);
    assert_non_null(strstr(text, "le=\"0.064\"} 0\n"));
    free(text);
    obs_platform_free(platform);
}

/* ---- empty, locale, buffers, streams ------------------------------------ */

static void test_prometheus_empty_platform(void **state)
{
    obs_platform_t *platform = new_platform(OBS_STORE_HISTOGRAM);
    char buffer[16] = "x";
    size_t length = 99;
    char *text;

    (void)state;
    assert_ok(obs_platform_write_prometheus(
        platform, OBS_EXPOSITION_PROMETHEUS, buffer, sizeof buffer, &length));
    assert_string_equal(buffer, "");
    assert_int_equal(length, 0);
    text = expose(platform, OBS_EXPOSITION_OPENMETRICS, "empty");
    assert_string_equal(text, "# EOF\n");
    free(text);
    obs_platform_free(platform);
}

/* With a decimal comma locale, numbers must still use a point. */
static void test_prometheus_ignores_locale(void **state)
{
    obs_platform_t *platform = platform_with_api(OBS_STORE_HISTOGRAM);
    char check[16];
    char *text;

    (void)state;
    if (setlocale(LC_ALL, "de_DE.UTF-8") == NULL)
        fail_msg("locale de_DE.UTF-8 is missing (tests/deps.sh makes it)");
    snprintf(check, sizeof check, "%.1f", 2.5);
    assert_string_equal(check, "2,5"); /* the locale really is active */
    text = expose(platform, OBS_EXPOSITION_PROMETHEUS, NULL);
    setlocale(LC_ALL, "C");
    assert_string_equal(text, api_prometheus);
    free(text);
    obs_platform_free(platform);
}

static void test_prometheus_buffer_too_small(void **state)
{
    obs_platform_t *platform = platform_with_api(OBS_STORE_HISTOGRAM);
    obs_exposition_t unknown = (obs_exposition_t)7;
    char buffer[32];
    size_t length = 0;

    (void)state;
    memset(buffer, 'x', sizeof buffer);
    assert_int_equal(
        obs_platform_write_prometheus(platform, OBS_EXPOSITION_PROMETHEUS,
                                      buffer, sizeof buffer, &length),
        OBS_ENOSPC);
    assert_int_equal(length, strlen(api_prometheus));
    assert_int_equal(strlen(buffer), sizeof buffer - 1);
    assert_memory_equal(buffer, api_prometheus, sizeof buffer - 1);
    assert_int_equal(
        obs_platform_write_prometheus(platform, OBS_EXPOSITION_OPENMETRICS,
                                      NULL, 0, &length),
        OBS_ENOSPC);
    assert_int_equal(length, strlen(api_openmetrics));
    assert_int_equal(obs_platform_write_prometheus(
                         platform, OBS_EXPOSITION_PROMETHEUS, NULL, 5, NULL),
                     OBS_EINVAL);
    assert_int_equal(obs_platform_write_prometheus(platform, unknown, buffer,
                                                   sizeof buffer, NULL),
                     OBS_EINVAL);
    assert_int_equal(obs_platform_write_prometheus(
                         NULL, OBS_EXPOSITION_PROMETHEUS, buffer,
                         sizeof buffer, NULL),
                     OBS_EINVAL);
    assert_int_equal(
        obs_platform_print_prometheus(platform, OBS_EXPOSITION_PROMETHEUS,
                                      NULL),
        OBS_EINVAL);
    assert_int_equal(
        obs_platform_print_prometheus(platform, unknown, stdout),
        OBS_EINVAL);
    obs_platform_free(platform);
}

static void test_prometheus_print_to_stream(void **state)
{
    obs_platform_t *platform = platform_with_api(OBS_STORE_EXACT);
    char buffer[4096];
    FILE *stream = tmpfile();
    size_t n;

    (void)state;
    assert_non_null(stream);
    assert_ok(obs_platform_print_prometheus(
        platform, OBS_EXPOSITION_OPENMETRICS, stream));
    rewind(stream);
    n = fread(buffer, 1, sizeof buffer - 1, stream);
    buffer[n] = '\0';
    assert_string_equal(buffer, api_openmetrics);
    fclose(stream);

    /* A read-only stream fails to write. */
    stream = fopen("/dev/null", "r");
    assert_non_null(stream);
    assert_int_equal(obs_platform_print_prometheus(
                         platform, OBS_EXPOSITION_PROMETHEUS, stream),
                     OBS_EIO);
    fclose(stream);
    obs_platform_free(platform);
}

/* ---- threads ------------------------------------------------------------ */

#define WRITERS 4
#define PER_WRITER 50000
#define EXPOSITIONS 200

struct shared {
    obs_service_t *service;
    obs_platform_t *platform;
    int problems;
    char first_problem[200];
};

static void *writer(void *arg)
{
    struct shared *s = arg;

    for (int i = 0; i < PER_WRITER; i++)
        if (obs_record_request(s->service, 0.5 + i % 20, i % 5 != 0) !=
            OBS_OK)
            return (void *)1;
    return NULL;
}

static void problem(struct shared *s, const char *what, double a, double b)
{
    if (s->problems++ == 0)
        snprintf(s->first_problem, sizeof s->first_problem,
                 "%s (%.17g, %.17g)", what, a, b);
}

/* One exposition: +Inf, _count and the outcomes agree, buckets are
 * cumulative, and nothing went down since the previous one. */
static void check_exposition(struct shared *s, const char *text,
                             double *previous)
{
    static const char *const series[] = {
        "obs_request_duration_seconds_bucket{service=\"w\",le=\"0.005\"}",
        "obs_request_duration_seconds_bucket{service=\"w\",le=\"0.01\"}",
        "obs_request_duration_seconds_bucket{service=\"w\",le=\"0.025\"}",
        "obs_request_duration_seconds_bucket{service=\"w\",le=\"+Inf\"}",
        "obs_request_duration_seconds_count{service=\"w\"}",
        "obs_requests_total{service=\"w\",outcome=\"success\"}",
        "obs_requests_total{service=\"w\",outcome=\"error\"}",
    };
    double v[7];

    for (size_t i = 0; i < 7; i++) {
        v[i] = value_of(text, series[i]);
        if (v[i] < previous[i])
            problem(s, series[i], v[i], previous[i]);
        previous[i] = v[i];
    }
    if (v[0] > v[1] || v[1] > v[2] || v[2] > v[3])
        problem(s, "buckets not cumulative", v[2], v[3]);
    if (v[3] != v[4])
        problem(s, "+Inf is not _count", v[3], v[4]);
    if (v[5] + v[6] != v[4])
        problem(s, "outcomes do not add up to _count", v[5] + v[6], v[4]);
}

static void *exposer(void *arg)
{
    struct shared *s = arg;
    double previous[7] = {0};
    char *text = NULL;
    size_t size = 0;

    for (int i = 0; i < EXPOSITIONS; i++) {
        size_t length = 0;
        obs_status_t status = obs_platform_write_prometheus(
            s->platform, OBS_EXPOSITION_PROMETHEUS, text, size, &length);

        if (status == OBS_ENOSPC) {
            free(text);
            size = length + 256;
            text = malloc(size);
            if (text == NULL)
                return (void *)1;
            i--;
            continue;
        }
        if (status != OBS_OK)
            return (void *)1;
        check_exposition(s, text, previous);
    }
    free(text);
    return NULL;
}

static void test_prometheus_while_recording(void **state)
{
    struct shared s = {0};
    pthread_t writers[WRITERS];
    pthread_t reader;
    void *result;
    char *text;

    (void)state;
    s.platform = new_platform(OBS_STORE_HISTOGRAM);
    s.service = add_service(s.platform, "w");
    for (int i = 0; i < WRITERS; i++)
        assert_int_equal(pthread_create(&writers[i], NULL, writer, &s), 0);
    assert_int_equal(pthread_create(&reader, NULL, exposer, &s), 0);
    for (int i = 0; i < WRITERS; i++) {
        assert_int_equal(pthread_join(writers[i], &result), 0);
        assert_null(result);
    }
    assert_int_equal(pthread_join(reader, &result), 0);
    assert_null(result);
    if (s.problems != 0)
        fail_msg("%d problems, first: %s", s.problems, s.first_problem);

    text = expose(s.platform, OBS_EXPOSITION_PROMETHEUS, "after_threads");
    assert_double_exact(
        value_of(text, "obs_request_duration_seconds_count{service=\"w\"}"),
        WRITERS * PER_WRITER);
    /* 0.5, 1.5, 2.5, 3.5 and 4.5 ms: a quarter of the requests. */
    assert_double_exact(
        value_of(text, "obs_request_duration_seconds_bucket{service=\"w\","
                       "le=\"0.005\"}"),
        WRITERS * PER_WRITER / 4);
    assert_double_exact(
        value_of(text, "obs_requests_total{service=\"w\",outcome=\"error\"}"),
        WRITERS * PER_WRITER / 5);
    free(text);
    obs_platform_free(s.platform);
}

/* An SLO adds its budget gauge; without SLOs the family is absent. */
static void test_prometheus_slo_budget(void **state)
{
    obs_platform_t *platform = new_platform(OBS_STORE_HISTOGRAM);
    obs_service_t *api = add_service(platform, "api");
    obs_slo_config_t config;
    char *text;

    (void)state;
    text = expose(platform, OBS_EXPOSITION_PROMETHEUS, NULL);
    assert_null(strstr(text, "obs_slo_error_budget_remaining"));
    free(text);
    obs_slo_config_init(&config, OBS_SLO_REQUESTS, 0.9);
    assert_ok(obs_service_add_slo(api, "availability", &config, NULL));
    for (int i = 0; i < 100; i++)
        assert_ok(obs_record_request(api, 5.0, i >= 5));
    text = expose(platform, OBS_EXPOSITION_PROMETHEUS, "slo_budget");
    assert_int_equal(occurrences(text, "# TYPE obs_slo_error_budget_"), 1);
    assert_double_exact(
        value_of(text, "obs_slo_error_budget_remaining{service=\"api\","
                       "slo=\"availability\"}"),
        0.5);
    free(text);
    text = expose(platform, OBS_EXPOSITION_OPENMETRICS, "slo_budget");
    assert_double_exact(
        value_of(text, "obs_slo_error_budget_remaining{service=\"api\","
                       "slo=\"availability\"}"),
        0.5);
    free(text);
    obs_platform_free(platform);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH_STORES(test_prometheus_buckets_at_bounds),
        cmocka_unit_test(test_prometheus_escapes_label_values),
        cmocka_unit_test(test_prometheus_one_help_and_type_per_family),
        cmocka_unit_test(test_prometheus_health_and_alerts),
        cmocka_unit_test(test_prometheus_default_bounds),
        cmocka_unit_test(test_prometheus_bounds_round_to_edges),
        cmocka_unit_test(test_prometheus_bounds_rejected),
        cmocka_unit_test(test_prometheus_empty_platform),
        cmocka_unit_test(test_prometheus_ignores_locale),
        cmocka_unit_test(test_prometheus_buffer_too_small),
        cmocka_unit_test(test_prometheus_print_to_stream),
        cmocka_unit_test(test_prometheus_while_recording),
        cmocka_unit_test(test_prometheus_slo_budget),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
