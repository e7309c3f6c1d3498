/*
 * fuzz_logformat.c - the log_format compiler of obs-replay on arbitrary
 * text, as text and as a JSON template.
 *
 * A format that compiles must also parse: each compiled format reads a few
 * fixed lines, so that odd token lists meet real input.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "logformat.h"

static const char *const lines[] = {
    "127.0.0.1 - - [10/Oct/2023:13:55:36 +0000] \"GET /a?b=1 HTTP/1.1\" "
    "200 612 \"-\" \"curl/8.0\" 0.123",
    "{\"time_iso8601\":\"2023-10-10T13:55:36+00:00\",\"status\":200,"
    "\"request\":\"GET / HTTP/1.1\",\"request_time\":0.5}",
    "- - - - - - - - -",
    "2023-10-10T13:55:36+00:00 GET / 503 10.0.0.1:80, 10.0.0.2:80 "
    "0.001, 0.002",
    "",
};

static void check_record(lf_error_t rc, const lf_record_t *record)
{
    FUZZ_CHECK((unsigned)rc < LF_ERR_COUNT);
    FUZZ_CHECK(lf_error_name(rc) != NULL);
    if (rc != LF_OK)
        return;
    FUZZ_CHECK(record->status >= 100 && record->status <= 599);
    FUZZ_CHECK(isfinite(record->latency_ms) && record->latency_ms >= 0.0);
    fuzz_touch(record->method.ptr, record->method.len);
    fuzz_touch(record->path.ptr, record->path.len);
    fuzz_touch(record->host.ptr, record->host.len);
    fuzz_touch(record->upstream.ptr, record->upstream.len);
}

static void compile_and_use(const char *text, bool json)
{
    lf_format_t *format = NULL;
    char err[256];

    err[0] = '\0';
    if (lf_format_compile(text, json, &format, err, sizeof err) != 0) {
        /* A refusal says why, in one terminated line. */
        FUZZ_CHECK(memchr(err, '\0', sizeof err) != NULL);
        FUZZ_CHECK(err[0] != '\0');
        return;
    }
    FUZZ_CHECK(format != NULL);
    for (int var = 0; var <= LF_VAR_COUNT; var++)
        (void)lf_format_has(format, (lf_var_t)var);
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        lf_record_t record;

        check_record(lf_parse(format, lines[i], strlen(lines[i]), &record),
                     &record);
    }
    lf_format_free(format);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);

    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    compile_and_use(text, false);
    compile_and_use(text, true);
    free(text);
    return 0;
}
