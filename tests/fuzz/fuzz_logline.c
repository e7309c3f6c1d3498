/*
 * fuzz_logline.c - access-log lines of obs-replay against a fixed set of
 * formats and one taken from the input.
 *
 * Input: the first line is a log_format (compiled both as text and as a
 * JSON template); every line after it is parsed with each format: the
 * default, nginx's combined, JSON by variable names, a JSON template, a
 * text format with ISO times and upstream lists, and the input's own.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "logformat.h"

enum { FIXED_FORMATS = 5, MAX_FORMATS = FIXED_FORMATS + 2 };

static const struct {
    const char *text;
    bool json;
} fixed[FIXED_FORMATS] = {
    {NULL, false},
    {LF_FORMAT_COMBINED, false},
    {NULL, true},
    {"{\"t\":\"$msec\",\"s\":$status,\"r\":\"$request\",\"h\":\"$host\","
     "\"rt\":$request_time,\"ut\":\"$upstream_response_time\","
     "\"ua\":\"$upstream_addr\"}",
     true},
    {"$time_iso8601 $request_method $request_uri $status $http_host "
     "[$upstream_addr] $upstream_response_time",
     false},
};

static void check_record(lf_error_t rc, const lf_record_t *record)
{
    FUZZ_CHECK((unsigned)rc < LF_ERR_COUNT);
    if (rc != LF_OK)
        return;
    FUZZ_CHECK(record->status >= 100 && record->status <= 599);
    FUZZ_CHECK(isfinite(record->latency_ms) && record->latency_ms >= 0.0);
    FUZZ_CHECK(record->has_request_time || record->has_upstream_time);
    fuzz_touch(record->method.ptr, record->method.len);
    fuzz_touch(record->path.ptr, record->path.len);
    fuzz_touch(record->host.ptr, record->host.len);
    fuzz_touch(record->upstream.ptr, record->upstream.len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lf_format_t *formats[MAX_FORMATS];
    size_t count = 0;
    const char *text = (const char *)data;
    const char *end = text + size;
    const char *newline = memchr(text, '\n', size);
    size_t first_len = newline ? (size_t)(newline - text) : size;
    char *own = malloc(first_len + 1);
    char err[256];

    if (own == NULL)
        return 0;
    memcpy(own, text, first_len);
    own[first_len] = '\0';
    for (size_t i = 0; i < FIXED_FORMATS; i++) {
        /* The fixed formats are known good: failing to compile one is a
         * finding too. */
        FUZZ_CHECK(lf_format_compile(fixed[i].text, fixed[i].json,
                                     &formats[count], err, sizeof err) == 0);
        count++;
    }
    if (lf_format_compile(own, false, &formats[count], err, sizeof err) == 0)
        count++;
    if (lf_format_compile(own, true, &formats[count], err, sizeof err) == 0)
        count++;
    free(own);

    /* Every line, the first included: a format line is a line too. */
    for (const char *line = text; line < end;) {
        const char *stop = memchr(line, '\n', (size_t)(end - line));
        size_t len = stop ? (size_t)(stop - line) : (size_t)(end - line);

        for (size_t f = 0; f < count; f++) {
            lf_record_t record;

            check_record(lf_parse(formats[f], line, len, &record), &record);
        }
        line += len + 1;
    }
    (void)lf_is_text(text, size);
    for (size_t f = 0; f < count; f++)
        lf_format_free(formats[f]);
    return 0;
}
