/*
 * logformat.h - nginx access log lines, read back with the log_format that
 * wrote them.
 *
 * A format is compiled once from the string the user has in nginx.conf
 * (literal text and $variables) or, for JSON lines (nginx's escape=json),
 * from the variable names or a JSON template. Each line is then split
 * against it and the fields obs-replay needs are checked and converted:
 * time, request, status, host, latency, upstream address. Every other
 * variable is matched and ignored.
 */
#ifndef OBS_REPLAY_LOGFORMAT_H
#define OBS_REPLAY_LOGFORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* nginx's combined format with $request_time appended: the default. */
#define LF_FORMAT_DEFAULT                                                   \
    "$remote_addr - $remote_user [$time_local] \"$request\" $status "       \
    "$body_bytes_sent \"$http_referer\" \"$http_user_agent\" $request_time"

/* nginx's own combined format, which records no latency. */
#define LF_FORMAT_COMBINED                                                  \
    "$remote_addr - $remote_user [$time_local] \"$request\" $status "       \
    "$body_bytes_sent \"$http_referer\" \"$http_user_agent\""

/* The longest line looked at, in bytes, newline excluded. */
#define LF_LINE_MAX 65536

/* The variables whose values obs-replay uses. */
typedef enum lf_var {
    LF_VAR_OTHER = 0, /* any other variable: matched, not used */
    LF_VAR_TIME_LOCAL,
    LF_VAR_TIME_ISO8601,
    LF_VAR_MSEC,
    LF_VAR_TIME_ANY, /* JSON keys time, timestamp, @timestamp */
    LF_VAR_REQUEST,
    LF_VAR_REQUEST_METHOD,
    LF_VAR_REQUEST_URI,
    LF_VAR_URI,
    LF_VAR_STATUS,
    LF_VAR_HOST,
    LF_VAR_HTTP_HOST,
    LF_VAR_SERVER_NAME,
    LF_VAR_REQUEST_TIME,
    LF_VAR_UPSTREAM_RESPONSE_TIME,
    LF_VAR_UPSTREAM_ADDR,
    LF_VAR_COUNT
} lf_var_t;

/* Why a line was not accepted. Reasons are only ever appended. */
typedef enum lf_error {
    LF_OK = 0,
    LF_ERR_EMPTY,          /* an empty line */
    LF_ERR_TOO_LONG,       /* longer than LF_LINE_MAX */
    LF_ERR_NUL,            /* a NUL byte: nginx never writes one */
    LF_ERR_NO_MATCH,       /* the text does not follow the format */
    LF_ERR_COMBINED,       /* plain combined: no $request_time */
    LF_ERR_TIME,           /* missing or malformed time */
    LF_ERR_STATUS,         /* missing or malformed status */
    LF_ERR_REQUEST,        /* malformed request line */
    LF_ERR_PATH,           /* path not UTF-8 text */
    LF_ERR_HOST,           /* host not UTF-8 text */
    LF_ERR_UPSTREAM,       /* upstream address not UTF-8 text */
    LF_ERR_LATENCY,        /* malformed latency */
    LF_ERR_NO_LATENCY,     /* latency "-" or empty */
    LF_ERR_JSON,           /* not a JSON object */
    LF_ERR_JSON_TYPE,      /* a JSON field of the wrong type */
    LF_ERR_MISSING,        /* a JSON field the format needs is absent */
    LF_ERR_COUNT
} lf_error_t;

/* A stretch of text inside a line or a JSON document; not terminated. */
typedef struct lf_span {
    const char *ptr;
    size_t len;
} lf_span_t;

/* One parsed line. Spans are empty (len 0) when the format lacks the
 * variable or nginx wrote "-" for it. */
typedef struct lf_record {
    uint64_t time_ns;       /* UTC, nanoseconds since 1970 */
    unsigned status;        /* 100 to 599 */
    lf_span_t method;       /* "GET"; from $request or $request_method */
    lf_span_t path;         /* "/a/b", query string removed */
    lf_span_t host;         /* $host, else $http_host, else $server_name */
    lf_span_t upstream;     /* the last address of $upstream_addr */
    bool has_request_time;
    double request_time_ms;
    bool has_upstream_time;
    double upstream_time_ms; /* the sum over retried upstreams */
    double latency_ms;       /* request time, else upstream time */
} lf_record_t;

/* A compiled format. */
typedef struct lf_format lf_format_t;

/*
 * Compile a format. json false: text is an nginx log_format string, NULL
 * for LF_FORMAT_DEFAULT. json true: lines are JSON objects; text is the
 * log_format template ('{"t":"$time_iso8601",...}') that maps keys to
 * variables, or NULL when the keys are the variable names themselves.
 * Returns 0 and sets *format (free with lf_format_free()), or -1 with a
 * one-line reason in err.
 */
int lf_format_compile(const char *text, bool json, lf_format_t **format,
                      char *err, size_t err_size);

/* Free a format; NULL is a no-op. */
void lf_format_free(lf_format_t *format);

/* Whether lines of this format can carry the variable. */
bool lf_format_has(const lf_format_t *format, lf_var_t var);

/*
 * Parse one line (without its newline) into record. The spans point into
 * the line or into the format's last JSON document: valid until the next
 * lf_parse() on the same format and as long as the line is.
 */
lf_error_t lf_parse(lf_format_t *format, const char *line, size_t len,
                    lf_record_t *record);

/* A short English reason for an error; "unknown" outside the enum. */
const char *lf_error_name(lf_error_t error);

/* Whether len bytes are valid UTF-8 without control characters. */
bool lf_is_text(const char *text, size_t len);

#endif /* OBS_REPLAY_LOGFORMAT_H */
