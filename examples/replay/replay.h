/*
 * replay.h - record access log lines through libobsplatform: which service
 * each line belongs to, the replay loop, the alert timeline and the
 * summary.
 */
#ifndef OBS_REPLAY_REPLAY_H
#define OBS_REPLAY_REPLAY_H

#include <stdbool.h>
#include <stddef.h>

#include "logformat.h"
#include "obsplatform.h"

/* What names a service. */
typedef enum replay_key {
    REPLAY_BY_PATH = 0, /* the first path segment */
    REPLAY_BY_HOST,     /* $host, $http_host or $server_name */
    REPLAY_BY_UPSTREAM  /* the upstream address that answered */
} replay_key_t;

/* Why a parsed line was not recorded, after the lf_error_t reasons. */
enum replay_reason {
    REPLAY_NO_PATH = LF_ERR_COUNT,
    REPLAY_NO_HOST,
    REPLAY_NO_UPSTREAM,
    REPLAY_NAME_TOO_LONG,
    REPLAY_NAME_REFUSED,
    REPLAY_TOO_MANY_SERVICES,
    REPLAY_REASON_COUNT
};

struct replay_options {
    const char *log_format; /* NULL: the default (variable names in JSON) */
    bool json;              /* JSON lines */
    replay_key_t service_by;
    const char *health_path; /* requests ending in it are health checks */
    bool fail_4xx;           /* 4xx counts as failed, not only 5xx */
    double window_s;         /* health over this window; 0: lifetime */
    const char *events_path; /* alert timeline: NULL none, "-" stdout */
    double evaluate_every_s; /* log time between alert evaluations */
    obs_latency_store_t latency_store;
    size_t max_services;     /* lines of further services are skipped */
};

/* Fill options with the defaults. */
void replay_options_init(struct replay_options *options);

/*
 * The service of a parsed line, as a span into the record or a static
 * string, and whether the line is a health check. Returns 0 or a
 * replay_reason.
 */
int replay_classify(const struct replay_options *options,
                    const lf_record_t *record, lf_span_t *service,
                    bool *health_check);

/* Whether a line counts as a failed request. */
bool replay_failed(const struct replay_options *options, unsigned status);

/* A short English reason for an lf_error_t or a replay_reason. */
const char *replay_reason_name(int reason);

/*
 * Replay the files in the order of their first timestamps ("-" is
 * standard input), print the report on stdout and the summary on stderr.
 * Returns the exit status: 0, 1 if the library failed, 2 for an
 * unusable format or an unreadable file.
 */
int replay_run(const struct replay_options *options, char *const *files,
               size_t count);

#endif /* OBS_REPLAY_REPLAY_H */
