/*
 * obs-replay - replay nginx access logs through libobsplatform and print
 * the health report of the services they show.
 *
 * The log's own timestamps drive the platform's clock, so windows and the
 * alert timeline (--events) happen in log time, however fast the replay.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "obsplatform.h"
#include "replay.h"

static void usage(FILE *out)
{
    fputs(
        "usage: obs-replay [OPTION]... [FILE]...\n"
        "\n"
        "Read nginx access logs (plain or gzip; '-' or no FILE for standard\n"
        "input), record every request through libobsplatform and print the\n"
        "health report of each service as JSON. Several files are read\n"
        "oldest first. A summary of lines read, recorded and skipped goes\n"
        "to standard error.\n"
        "\n"
        "  --log-format FMT     the log_format string from nginx.conf, e.g.\n"
        "                       '$remote_addr [$time_local] \"$request\" "
        "$status\n"
        "                       $request_time'; the default is nginx's\n"
        "                       combined format followed by \" "
        "$request_time\"\n"
        "  --json               JSON lines (log_format escape=json); keys are\n"
        "                       variable names (\"status\", "
        "\"request_time\"),\n"
        "                       or map them with the --log-format template\n"
        "  --service-by KEY     path (first path segment, default), host or\n"
        "                       upstream (the upstream address)\n"
        "  --health-path PATH   requests whose path ends in PATH are health\n"
        "                       checks of their service, passed when 2xx\n"
        "                       (default /healthz)\n"
        "  --4xx-fails          count 4xx as failed requests (default: only\n"
        "                       5xx)\n"
        "  --window SECONDS     health over the last SECONDS of log time\n"
        "                       (default: the whole log)\n"
        "  --events FILE        write the alert timeline as JSON lines to\n"
        "                       FILE ('-' for standard output)\n"
        "  --evaluate-every S   log seconds between alert evaluations\n"
        "                       (default 10)\n"
        "  --latency-store K    histogram (default, bounded memory) or exact\n"
        "  --max-services N     skip the lines of services past the first N\n"
        "                       (default 1000: scanners probe many paths)\n"
        "  -h, --help           show this help\n"
        "\n"
        "Latency comes from $request_time, else $upstream_response_time; a\n"
        "line needs it, a time ($time_local, $time_iso8601 or $msec) and\n"
        "$status. 5xx counts as failed. Exit status: 0, 1 if the library\n"
        "failed, 2 for bad arguments or unreadable files.\n",
        out);
}

static int fail_usage(const char *format, const char *arg)
{
    fprintf(stderr, "obs-replay: ");
    fprintf(stderr, format, arg);
    fputs(" (see --help)\n", stderr);
    return 2;
}

/* A positive, finite number of seconds. */
static int parse_seconds(const char *text, double *out)
{
    char *end;
    double value = strtod(text, &end);

    if (end == text || *end != '\0' || !(value > 0) || !isfinite(value) ||
        value > 1e9)
        return -1;
    *out = value;
    return 0;
}

static const char *const valued[] = {
    "--log-format", "--service-by",     "--health-path",   "--window",
    "--events",     "--evaluate-every", "--latency-store",
    "--max-services",
};

static bool takes_value(const char *flag)
{
    for (size_t i = 0; i < sizeof valued / sizeof valued[0]; i++)
        if (strcmp(flag, valued[i]) == 0)
            return true;
    return false;
}

static int set_option(struct replay_options *opt, const char *flag,
                      const char *value)
{
    if (strcmp(flag, "--log-format") == 0) {
        opt->log_format = value;
    } else if (strcmp(flag, "--service-by") == 0) {
        if (strcmp(value, "path") == 0)
            opt->service_by = REPLAY_BY_PATH;
        else if (strcmp(value, "host") == 0)
            opt->service_by = REPLAY_BY_HOST;
        else if (strcmp(value, "upstream") == 0)
            opt->service_by = REPLAY_BY_UPSTREAM;
        else
            return fail_usage("--service-by is path, host or upstream, "
                              "not '%s'",
                              value);
    } else if (strcmp(flag, "--health-path") == 0) {
        if (value[0] != '/')
            return fail_usage("--health-path must start with '/', not '%s'",
                              value);
        opt->health_path = value;
    } else if (strcmp(flag, "--window") == 0) {
        /* Ten slots of at least a microsecond each. */
        if (parse_seconds(value, &opt->window_s) != 0 ||
            opt->window_s < 1e-5)
            return fail_usage("--window takes seconds, at least 0.00001, "
                              "not '%s'",
                              value);
    } else if (strcmp(flag, "--max-services") == 0) {
        char *end;
        unsigned long long n;

        errno = 0;
        n = strtoull(value, &end, 10);
        if (value[0] < '0' || value[0] > '9' || *end != '\0' || errno != 0 ||
            n == 0 || n > 1000000)
            return fail_usage("--max-services takes a whole number from 1 "
                              "to 1000000, not '%s'",
                              value);
        opt->max_services = (size_t)n;
    } else if (strcmp(flag, "--events") == 0) {
        opt->events_path = value;
    } else if (strcmp(flag, "--evaluate-every") == 0) {
        if (parse_seconds(value, &opt->evaluate_every_s) != 0 ||
            opt->evaluate_every_s < 1e-3)
            return fail_usage("--evaluate-every takes seconds, at least "
                              "0.001, not '%s'",
                              value);
    } else if (strcmp(value, "exact") == 0) {
        opt->latency_store = OBS_STORE_EXACT;
    } else if (strcmp(value, "histogram") == 0) {
        opt->latency_store = OBS_STORE_HISTOGRAM;
    } else {
        return fail_usage("--latency-store is exact or histogram, not '%s'",
                          value);
    }
    return 0;
}

/* Options first or among the files; "--" ends them; --flag=value too. */
static int parse_args(int argc, char **argv, struct replay_options *opt,
                      char **files, size_t *count)
{
    bool options_done = false;

    replay_options_init(opt);
    *count = 0;
    for (int i = 1; i < argc; i++) {
        char *flag = argv[i];
        char *value = NULL;
        char *eq;

        if (options_done || flag[0] != '-' || strcmp(flag, "-") == 0) {
            files[(*count)++] = flag;
            continue;
        }
        if (strcmp(flag, "--") == 0) {
            options_done = true;
            continue;
        }
        if (strcmp(flag, "-h") == 0 || strcmp(flag, "--help") == 0) {
            usage(stdout);
            exit(0);
        }
        if (strcmp(flag, "--json") == 0) {
            opt->json = true;
            continue;
        }
        if (strcmp(flag, "--4xx-fails") == 0) {
            opt->fail_4xx = true;
            continue;
        }
        eq = strchr(flag, '=');
        if (eq != NULL && strncmp(flag, "--", 2) == 0) {
            *eq = '\0';
            value = eq + 1;
        }
        if (!takes_value(flag))
            return fail_usage("unknown option '%s'", flag);
        if (value == NULL) {
            if (i + 1 >= argc)
                return fail_usage("%s needs a value", flag);
            value = argv[++i];
        }
        if (set_option(opt, flag, value) != 0)
            return 2;
    }
    if (opt->window_s > 0 && opt->latency_store == OBS_STORE_EXACT)
        return fail_usage("%s", "--window needs --latency-store histogram");
    return 0;
}

int main(int argc, char **argv)
{
    struct replay_options opt;
    char **files = calloc((size_t)argc + 1, sizeof *files);
    size_t count;
    int rc;

    if (files == NULL) {
        fputs("obs-replay: out of memory\n", stderr);
        return 1;
    }
    rc = parse_args(argc, argv, &opt, files, &count);
    if (rc == 0 && count == 0) {
        if (isatty(STDIN_FILENO))
            rc = fail_usage("%s", "no log file given, and standard input "
                                  "is a terminal");
        else
            files[count++] = "-";
    }
    if (rc == 0)
        rc = replay_run(&opt, files, count);
    free(files);
    return rc;
}
