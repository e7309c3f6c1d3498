/*
 * test_logformat.c - obs-replay's access log parser, service mapping and
 * line reader, on hand-written lines: well-formed ones field by field, and
 * every kind of damage a log can carry.
 */
#include "test_util.h"

#include <unistd.h>

#include <zlib.h>

#include "linereader.h"
#include "logformat.h"
#include "replay.h"

#define NS UINT64_C(1000000000)
/* 2023-10-10T13:55:36Z */
#define T0 (UINT64_C(1696946136) * NS)

#define LINE_HEAD "127.0.0.1 - - [10/Oct/2023:13:55:36 +0000] "
#define LINE_TAIL " 200 612 \"-\" \"curl/7.88.1\" "

static lf_format_t *compile(const char *text, bool json)
{
    lf_format_t *format = NULL;
    char err[256] = "";

    if (lf_format_compile(text, json, &format, err, sizeof err) != 0)
        fail_msg("format refused: %s", err);
    return format;
}

/* The reason a format is refused; "" when it is accepted. */
static const char *refusal(const char *text, bool json)
{
    static char err[256];
    lf_format_t *format = NULL;

    err[0] = '\0';
    if (lf_format_compile(text, json, &format, err, sizeof err) == 0) {
        lf_format_free(format);
        return "";
    }
    assert_null(format);
    assert_true(err[0] != '\0');
    return err;
}

static lf_error_t parse(lf_format_t *format, const char *line,
                        lf_record_t *record)
{
    return lf_parse(format, line, strlen(line), record);
}

static lf_error_t parse_with(const char *text, bool json, const char *line)
{
    lf_format_t *format = compile(text, json);
    lf_record_t record;
    lf_error_t rc = parse(format, line, &record);

    lf_format_free(format);
    return rc;
}

#define assert_span(span, expected)                                         \
    do {                                                                    \
        lf_span_t s_ = (span);                                              \
        const char *e_ = (expected);                                        \
        if (s_.len != strlen(e_) ||                                         \
            (s_.len > 0 && memcmp(s_.ptr, e_, s_.len) != 0))                \
            fail_msg("%s is '%.*s', expected '%s'", #span, (int)s_.len,     \
                     s_.ptr, e_);                                           \
    } while (0)

/* ---- the default format ------------------------------------------------- */

static void test_logformat_default_line(void **state)
{
    lf_format_t *format = compile(NULL, false);
    lf_record_t r;

    (void)state;
    assert_int_equal(parse(format,
                           LINE_HEAD "\"GET /payments/charge?id=7 HTTP/1.1\""
                                     LINE_TAIL "0.010",
                           &r),
                     LF_OK);
    assert_true(r.time_ns == T0);
    assert_span(r.method, "GET");
    assert_span(r.path, "/payments/charge");
    assert_span(r.host, "");
    assert_span(r.upstream, "");
    assert_int_equal(r.status, 200);
    assert_true(r.has_request_time);
    assert_double_exact(r.request_time_ms, 10.0);
    assert_false(r.has_upstream_time);
    assert_double_exact(r.latency_ms, 10.0);
    lf_format_free(format);
}

static void test_logformat_latency_values(void **state)
{
    static const struct {
        const char *text;
        double ms;
    } cases[] = {
        {"0.000", 0.0},      {"0.001", 1.0},    {"12.345", 12345.0},
        {"3", 3000.0},       {"1.5", 1500.0},   {"0.0005", 0.5},
        {"60.000", 60000.0}, {"0.1234", 123.4},
    };
    lf_format_t *format = compile(NULL, false);
    char line[256];
    lf_record_t r;

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(line, sizeof line, LINE_HEAD "\"GET /a HTTP/1.1\"" LINE_TAIL
                 "%s", cases[i].text);
        assert_int_equal(parse(format, line, &r), LF_OK);
        assert_double_exact(r.latency_ms, cases[i].ms);
    }
    lf_format_free(format);
}

static void test_logformat_dash_latency_is_no_latency(void **state)
{
    (void)state;
    assert_int_equal(parse_with(NULL, false,
                                LINE_HEAD "\"GET /a HTTP/1.1\"" LINE_TAIL "-"),
                     LF_ERR_NO_LATENCY);
}

static void test_logformat_bad_latency(void **state)
{
    static const char *const bad[] = {"0.0.1", "abc", "1e3", "-1", ".5",
                                      "5.",    "0.1 ", "0,5"};
    lf_format_t *format = compile(NULL, false);
    char line[256];
    lf_record_t r;

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(line, sizeof line, LINE_HEAD "\"GET /a HTTP/1.1\"" LINE_TAIL
                 "%s", bad[i]);
        if (parse(format, line, &r) != LF_ERR_LATENCY)
            fail_msg("latency '%s' was not refused", bad[i]);
    }
    lf_format_free(format);
}

static void test_logformat_plain_combined_is_recognised(void **state)
{
    (void)state;
    assert_int_equal(
        parse_with(NULL, false,
                   LINE_HEAD "\"GET /a HTTP/1.1\" 200 612 \"-\" \"curl\""),
        LF_ERR_COMBINED);
}

/* ---- times -------------------------------------------------------------- */

static void test_logformat_time_local_offsets(void **state)
{
    static const struct {
        const char *time;
        uint64_t seconds;
    } cases[] = {
        {"10/Oct/2023:13:55:36 +0000", 1696946136},
        {"10/Oct/2023:13:55:36 +0530", 1696926336},
        {"10/Oct/2023:13:55:36 -0800", 1696974936},
        {"29/Feb/2024:23:59:59 +0000", 1709251199},
        {"31/Dec/2023:23:30:00 -0100", 1704069000},
        {"01/Jan/1970:00:00:00 +0000", 0},
    };
    lf_format_t *format = compile("[$time_local] $status $request_time",
                                  false);
    char line[128];
    lf_record_t r;

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(line, sizeof line, "[%s] 200 0.001", cases[i].time);
        assert_int_equal(parse(format, line, &r), LF_OK);
        if (r.time_ns != cases[i].seconds * NS)
            fail_msg("%s gave %llu ns", cases[i].time,
                     (unsigned long long)r.time_ns);
    }
    lf_format_free(format);
}

static void test_logformat_bad_times(void **state)
{
    static const char *const bad[] = {
        "10/Foo/2023:13:55:36 +0000", "31/Feb/2023:13:55:36 +0000",
        "29/Feb/2023:13:55:36 +0000", "10/Oct/2023:24:00:00 +0000",
        "10/Oct/2023:13:60:36 +0000", "10/Oct/1969:13:55:36 +0000",
        "10/Oct/2023:13:55:36 +2400", "10/Oct/2023:13:55:36 *0000",
        "1x/Oct/2023:13:55:36 +0000", "10/oct/2023:13:55:36 +0000",
        "01/Jan/1970:00:00:00 +0100",
    };
    lf_format_t *format = compile("[$time_local] $status $request_time",
                                  false);
    char line[128];
    lf_record_t r;

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(line, sizeof line, "[%s] 200 0.001", bad[i]);
        if (parse(format, line, &r) != LF_ERR_TIME)
            fail_msg("time '%s' was not refused", bad[i]);
    }
    lf_format_free(format);
}

static void test_logformat_time_iso8601(void **state)
{
    lf_format_t *format =
        compile("$time_iso8601 \"$request\" $status $request_time", false);
    lf_record_t r;

    (void)state;
    assert_int_equal(parse(format,
                           "2023-10-10T13:55:36+00:00 \"POST /orders "
                           "HTTP/2.0\" 201 0.250",
                           &r),
                     LF_OK);
    assert_true(r.time_ns == T0);
    assert_span(r.method, "POST");
    assert_span(r.path, "/orders");
    assert_int_equal(r.status, 201);
    assert_double_exact(r.latency_ms, 250.0);

    assert_int_equal(parse(format,
                           "2023-10-10T13:55:36+05:30 \"GET / HTTP/1.1\" 200 "
                           "0.001",
                           &r),
                     LF_OK);
    assert_true(r.time_ns == UINT64_C(1696926336) * NS);
    assert_int_equal(parse(format,
                           "2023-10-10T13:55:36-08:00 \"GET / HTTP/1.1\" 200 "
                           "0.001",
                           &r),
                     LF_OK);
    assert_true(r.time_ns == UINT64_C(1696974936) * NS);
    assert_int_equal(parse(format,
                           "2023-13-10T13:55:36+00:00 \"GET / HTTP/1.1\" 200 "
                           "0.001",
                           &r),
                     LF_ERR_TIME);
    lf_format_free(format);
}

static void test_logformat_msec(void **state)
{
    lf_format_t *format = compile("$msec \"$request\" $status $request_time",
                                  false);
    lf_record_t r;

    (void)state;
    assert_int_equal(parse(format,
                           "1696946136.123 \"GET /a HTTP/1.1\" 200 0.004",
                           &r),
                     LF_OK);
    assert_true(r.time_ns == T0 + UINT64_C(123000000));
    assert_double_exact(r.latency_ms, 4.0);
    assert_int_equal(parse(format, "1696946136 \"GET /a\" 200 0.004", &r),
                     LF_OK);
    assert_true(r.time_ns == T0);
    assert_int_equal(parse(format, "1696946136.x \"GET /a\" 200 0.004", &r),
                     LF_ERR_TIME);
    assert_int_equal(parse(format, "99999999999.0 \"GET /a\" 200 0.004", &r),
                     LF_ERR_TIME);
    lf_format_free(format);
}

/* ---- upstreams ---------------------------------------------------------- */

static void test_logformat_upstream_lists_add_up(void **state)
{
    lf_format_t *format = compile("[$time_local] \"$request\" $status "
                                  "$upstream_addr $upstream_response_time "
                                  "$request_time",
                                  false);
    lf_record_t r;

    (void)state;
    assert_int_equal(parse(format,
                           "[10/Oct/2023:13:55:36 +0000] \"GET /pay HTTP/1.1\""
                           " 502 10.0.0.1:80, 10.0.0.2:80 0.010, 0.020 0.035",
                           &r),
                     LF_OK);
    assert_span(r.upstream, "10.0.0.2:80");
    assert_true(r.has_upstream_time);
    assert_double_exact(r.upstream_time_ms, 30.0);
    assert_double_exact(r.request_time_ms, 35.0);
    assert_double_exact(r.latency_ms, 35.0);
    assert_int_equal(r.status, 502);

    /* Internal redirects join groups with " : ". */
    assert_int_equal(parse(format,
                           "[10/Oct/2023:13:55:36 +0000] \"GET /pay HTTP/1.1\""
                           " 200 10.0.0.1:80 : unix:/run/app.sock 0.100 : "
                           "0.002 0.110",
                           &r),
                     LF_OK);
    assert_span(r.upstream, "unix:/run/app.sock");
    assert_double_exact(r.upstream_time_ms, 102.0);

    /* No upstream: "-" for both, latency from $request_time. */
    assert_int_equal(parse(format,
                           "[10/Oct/2023:13:55:36 +0000] \"GET /pay HTTP/1.1\""
                           " 200 - - 0.001",
                           &r),
                     LF_OK);
    assert_span(r.upstream, "");
    assert_false(r.has_upstream_time);
    assert_double_exact(r.latency_ms, 1.0);
    lf_format_free(format);
}

static void test_logformat_upstream_time_as_latency(void **state)
{
    lf_format_t *format = compile("[$time_local] \"$request\" $status "
                                  "\"$upstream_response_time\"",
                                  false);
    lf_record_t r;

    (void)state;
    assert_int_equal(parse(format,
                           "[10/Oct/2023:13:55:36 +0000] \"GET /a HTTP/1.1\" "
                           "200 \"0.010, 0.020\"",
                           &r),
                     LF_OK);
    assert_false(r.has_request_time);
    assert_double_exact(r.latency_ms, 30.0);
    assert_int_equal(parse(format,
                           "[10/Oct/2023:13:55:36 +0000] \"GET /a HTTP/1.1\" "
                           "200 \"-, 0.020\"",
                           &r),
                     LF_OK);
    assert_double_exact(r.latency_ms, 20.0);
    assert_int_equal(parse(format,
                           "[10/Oct/2023:13:55:36 +0000] \"GET /a HTTP/1.1\" "
                           "200 \"-\"",
                           &r),
                     LF_ERR_NO_LATENCY);
    assert_int_equal(parse(format,
                           "[10/Oct/2023:13:55:36 +0000] \"GET /a HTTP/1.1\" "
                           "200 \"0.010,\"",
                           &r),
                     LF_ERR_LATENCY);
    lf_format_free(format);
}

/* ---- custom formats ----------------------------------------------------- */

static void test_logformat_custom_literals(void **state)
{
    lf_format_t *format = compile("host=$host t=[$time_local] "
                                  "r=\"$request\" s=$status rt=$request_time "
                                  "end",
                                  false);
    lf_record_t r;

    (void)state;
    assert_int_equal(parse(format,
                           "host=api.example.com t=[10/Oct/2023:13:55:36 "
                           "+0000] r=\"DELETE /users/42 HTTP/1.1\" s=404 "
                           "rt=0.003 end",
                           &r),
                     LF_OK);
    assert_span(r.host, "api.example.com");
    assert_span(r.method, "DELETE");
    assert_span(r.path, "/users/42");
    assert_int_equal(r.status, 404);
    assert_double_exact(r.latency_ms, 3.0);
    assert_true(r.time_ns == T0);

    /* A literal out of place, or text past the end. */
    assert_int_equal(parse(format,
                           "host=api t=[10/Oct/2023:13:55:36 +0000] "
                           "r=\"GET / HTTP/1.1\" s=200 rt=0.003 end!",
                           &r),
                     LF_ERR_NO_MATCH);
    assert_int_equal(parse(format,
                           "hots=api t=[10/Oct/2023:13:55:36 +0000] "
                           "r=\"GET / HTTP/1.1\" s=200 rt=0.003 end",
                           &r),
                     LF_ERR_NO_MATCH);
    lf_format_free(format);
}

static void test_logformat_split_fields(void **state)
{
    lf_format_t *format = compile("$remote_addr [$time_local] "
                                  "$request_method $request_uri $status "
                                  "$http_host $request_time",
                                  false);
    lf_record_t r;

    (void)state;
    assert_int_equal(parse(format,
                           "10.1.2.3 [10/Oct/2023:13:55:36 +0000] PUT "
                           "/cart/items?x=1 204 shop.example:8080 0.020",
                           &r),
                     LF_OK);
    assert_span(r.method, "PUT");
    assert_span(r.path, "/cart/items");
    assert_span(r.host, "shop.example:8080");
    assert_int_equal(r.status, 204);
    assert_int_equal(parse(format,
                           "10.1.2.3 [10/Oct/2023:13:55:36 +0000] PUT "
                           "/cart 204 - 0.020",
                           &r),
                     LF_OK);
    assert_span(r.host, "");
    lf_format_free(format);
}

static void test_logformat_unknown_variable_matches_anything(void **state)
{
    lf_format_t *format = compile("$time_iso8601 $no_such_thing|$status "
                                  "${request_time} \"$request\"",
                                  false);
    lf_record_t r;

    (void)state;
    assert_true(lf_format_has(format, LF_VAR_STATUS));
    assert_false(lf_format_has(format, LF_VAR_HOST));
    assert_int_equal(parse(format,
                           "2023-10-10T13:55:36+00:00 any thing at all|500 "
                           "0.002 \"GET /x/y HTTP/1.0\"",
                           &r),
                     LF_OK);
    assert_int_equal(r.status, 500);
    assert_double_exact(r.latency_ms, 2.0);
    assert_span(r.path, "/x/y");
    lf_format_free(format);
}

static void test_logformat_refuses_ambiguous_formats(void **state)
{
    (void)state;
    assert_non_null(
        strstr(refusal("$time_local $status$request_time", false),
               "nothing between them"));
    assert_non_null(strstr(refusal("$a${b}", false), "nothing between"));
    assert_non_null(strstr(refusal("$time_local $ status", false),
                           "bad variable"));
    assert_non_null(strstr(refusal("${status", false), "bad variable"));
    assert_non_null(strstr(refusal("", false), "empty"));
    assert_non_null(strstr(refusal("{\"a\": 1}", true), "no \"key\""));
    assert_string_equal(refusal("[$time_local] $status", false), "");
}

/* ---- damaged lines ------------------------------------------------------ */

static void test_logformat_overlong_line(void **state)
{
    lf_format_t *format = compile(NULL, false);
    size_t head = strlen(LINE_HEAD "\"GET /a HTTP/1.1\" 200 612 \"-\" \"");
    size_t tail = strlen("\" 0.010");
    char *line = malloc(LF_LINE_MAX + 2);
    lf_record_t r;

    (void)state;
    assert_non_null(line);
    /* Exactly LF_LINE_MAX bytes, most of them in the user agent. */
    memcpy(line, LINE_HEAD "\"GET /a HTTP/1.1\" 200 612 \"-\" \"", head);
    memset(line + head, 'u', LF_LINE_MAX - head - tail);
    memcpy(line + LF_LINE_MAX - tail, "\" 0.010", tail);
    assert_int_equal(lf_parse(format, line, LF_LINE_MAX, &r), LF_OK);
    assert_double_exact(r.latency_ms, 10.0);

    /* One more byte is too long, whatever the rest. */
    memmove(line + head + 1, line + head, LF_LINE_MAX - head);
    assert_int_equal(lf_parse(format, line, LF_LINE_MAX + 1, &r),
                     LF_ERR_TOO_LONG);
    free(line);
    lf_format_free(format);
}

static void test_logformat_binary_garbage(void **state)
{
    static const char nul_line[] =
        LINE_HEAD "\"GET /a\0b HTTP/1.1\"" LINE_TAIL "0.010";
    static const char garbage[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03"
                                  "\x03\xff\xfe\x80 [\"\"\"";
    lf_format_t *format = compile(NULL, false);
    lf_record_t r;

    (void)state;
    assert_int_equal(lf_parse(format, nul_line, sizeof nul_line - 1, &r),
                     LF_ERR_NUL);
    assert_int_equal(lf_parse(format, garbage, sizeof garbage - 1, &r),
                     LF_ERR_NUL);
    assert_int_equal(lf_parse(format, garbage + 8, 4, &r), LF_ERR_NO_MATCH);
    assert_int_equal(parse(format, "\xff\xfe\xfd\x80\x81", &r),
                     LF_ERR_NO_MATCH);
    /* Invalid UTF-8 in the path would name a service. */
    assert_int_equal(parse(format,
                           LINE_HEAD "\"GET /pay\xffments/x HTTP/1.1\""
                                     LINE_TAIL "0.010",
                           &r),
                     LF_ERR_PATH);
    assert_int_equal(parse(format,
                           LINE_HEAD "\"GET /pay\x01/x HTTP/1.1\"" LINE_TAIL
                                     "0.010",
                           &r),
                     LF_ERR_PATH);
    /* In a field that names nothing, the bytes do no harm. */
    assert_int_equal(parse(format,
                           LINE_HEAD "\"GET /a HTTP/1.1\" 200 612 \"-\" "
                                     "\"\xff\xfe\" 0.010",
                           &r),
                     LF_OK);
    assert_int_equal(parse(format, "", &r), LF_ERR_EMPTY);
    lf_format_free(format);
}

static void test_logformat_unbalanced_quotes(void **state)
{
    lf_format_t *format = compile(NULL, false);
    lf_record_t r;

    (void)state;
    /* The request's closing quote is missing. */
    assert_int_equal(parse(format,
                           LINE_HEAD "\"GET /a HTTP/1.1 200 612 \"-\" "
                                     "\"curl\" 0.010",
                           &r),
                     LF_ERR_NO_MATCH);
    /* The user agent's closing quote is missing. */
    assert_int_equal(parse(format,
                           LINE_HEAD "\"GET /a HTTP/1.1\" 200 612 \"-\" "
                                     "\"curl 0.010",
                           &r),
                     LF_ERR_NO_MATCH);
    /* A stray quote shifts the fields: the status is then no status. */
    assert_int_equal(parse(format,
                           LINE_HEAD "\"GET /a\" HTTP/1.1\" 200 612 \"-\" "
                                     "\"curl\" 0.010",
                           &r),
                     LF_ERR_STATUS);
    /* The opening quote is missing. */
    assert_int_equal(parse(format,
                           LINE_HEAD "GET /a HTTP/1.1\" 200 612 \"-\" "
                                     "\"curl\" 0.010",
                           &r),
                     LF_ERR_NO_MATCH);
    /* A truncated line. */
    assert_int_equal(parse(format, LINE_HEAD "\"GET /a HT", &r),
                     LF_ERR_NO_MATCH);
    lf_format_free(format);
}

static void test_logformat_request_lines(void **state)
{
    static const char *const bad[] = {
        "-",
        "",
        "GET",
        "GET ",
        "get /a HTTP/1.1",
        "GET /a HTTP/1.1 extra",
        "GET /a HTTP/",
        "GET /a HTTP/1.",
        "GET /a FTP/1.1",
        "GET a/b HTTP/1.1",
        "GET  /a HTTP/1.1",
        "\\x16\\x03\\x01\\x00\\xA5\\x01",
        "CONNECT example.com:443 HTTP/1.1",
    };
    lf_format_t *format = compile(NULL, false);
    char line[256];
    lf_record_t r;

    (void)state;
    /* Without an HTTP version, as HTTP/0.9 requests are logged. */
    assert_int_equal(parse(format,
                           LINE_HEAD "\"GET /inventory/items\"" LINE_TAIL
                                     "0.010",
                           &r),
                     LF_OK);
    assert_span(r.method, "GET");
    assert_span(r.path, "/inventory/items");

    /* Absolute form, as sent to proxies. */
    assert_int_equal(parse(format,
                           LINE_HEAD "\"GET http://example.com/x/y?q=1 "
                                     "HTTP/1.1\"" LINE_TAIL "0.010",
                           &r),
                     LF_OK);
    assert_span(r.path, "/x/y");
    assert_int_equal(parse(format,
                           LINE_HEAD "\"GET HTTPS://example.com HTTP/1.1\""
                                     LINE_TAIL "0.010",
                           &r),
                     LF_OK);
    assert_span(r.path, "/");

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(line, sizeof line, LINE_HEAD "\"%s\"" LINE_TAIL "0.010",
                 bad[i]);
        if (parse(format, line, &r) != LF_ERR_REQUEST)
            fail_msg("request '%s' was not refused", bad[i]);
    }
    lf_format_free(format);
}

static void test_logformat_bad_status(void **state)
{
    static const char *const bad[] = {"20", "2000", "abc", "600", "099",
                                      "-",  "",     "2 0"};
    lf_format_t *format = compile("[$time_local] $status|$request_time",
                                  false);
    char line[128];
    lf_record_t r;

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(line, sizeof line, "[10/Oct/2023:13:55:36 +0000] %s|0.001",
                 bad[i]);
        if (parse(format, line, &r) != LF_ERR_STATUS)
            fail_msg("status '%s' was not refused", bad[i]);
    }
    lf_format_free(format);
}

static void test_logformat_text_check(void **state)
{
    (void)state;
    assert_true(lf_is_text("caf\xc3\xa9", 5));
    assert_true(lf_is_text("\xe2\x82\xac\xf0\x9f\x98\x80", 7));
    assert_true(lf_is_text("", 0));
    assert_false(lf_is_text("\xc0\xaf", 2));         /* overlong '/' */
    assert_false(lf_is_text("\xed\xa0\x80", 3));     /* surrogate */
    assert_false(lf_is_text("\xf4\x90\x80\x80", 4)); /* past U+10FFFF */
    assert_false(lf_is_text("\xc3", 1));             /* cut short */
    assert_false(lf_is_text("a\x01", 2));
    assert_false(lf_is_text("a\x7f", 2));
    assert_false(lf_is_text("\xc2\x85", 2)); /* C1 control */
    assert_string_equal(lf_error_name(LF_ERR_NO_LATENCY), "no latency");
    assert_string_equal(lf_error_name(LF_ERR_COUNT), "unknown");
}

/* ---- JSON lines --------------------------------------------------------- */

static void test_logformat_json_by_variable_names(void **state)
{
    lf_format_t *format = compile(NULL, true);
    lf_record_t r;

    (void)state;
    assert_int_equal(
        parse(format,
              "{\"time_iso8601\":\"2023-10-10T13:55:36+00:00\","
              "\"remote_addr\":\"10.0.0.9\",\"request\":\"GET /caf\\u00e9/a"
              " HTTP/1.1\",\"status\":\"503\",\"request_time\":\"0.250\","
              "\"host\":\"api.example.com\",\"upstream_addr\":"
              "\"10.0.0.1:80, 10.0.0.2:80\",\"upstream_response_time\":"
              "\"0.100, 0.140\"}",
              &r),
        LF_OK);
    assert_true(r.time_ns == T0);
    assert_span(r.method, "GET");
    assert_span(r.path, "/caf\xc3\xa9/a");
    assert_span(r.host, "api.example.com");
    assert_span(r.upstream, "10.0.0.2:80");
    assert_int_equal(r.status, 503);
    assert_double_exact(r.request_time_ms, 250.0);
    assert_double_exact(r.upstream_time_ms, 240.0);
    assert_double_exact(r.latency_ms, 250.0);

    /* Numbers where templates leave them unquoted; other time keys. */
    assert_int_equal(parse(format,
                           "{\"msec\":1696946136.5,\"uri\":\"/b\","
                           "\"status\":200,\"request_time\":0.25}",
                           &r),
                     LF_OK);
    assert_true(r.time_ns == T0 + NS / 2);
    assert_span(r.path, "/b");
    assert_int_equal(r.status, 200);
    assert_double_exact(r.latency_ms, 250.0);
    assert_int_equal(parse(format,
                           "{\"@timestamp\":\"2023-10-10T13:55:36.250Z\","
                           "\"request_uri\":\"/c?x\",\"status\":\"200\","
                           "\"request_time\":\"0.001\"}",
                           &r),
                     LF_OK);
    assert_true(r.time_ns == T0 + NS / 4);
    assert_span(r.path, "/c");
    lf_format_free(format);
}

static void test_logformat_json_template(void **state)
{
    lf_format_t *format =
        compile("{ \"ts\": \"$time_local\", \"req\": \"$request\", "
                "\"code\": $status, \"dur\": $upstream_response_time, "
                "\"ua\": \"$http_user_agent\" }",
                true);
    lf_record_t r;

    (void)state;
    assert_true(lf_format_has(format, LF_VAR_TIME_LOCAL));
    assert_false(lf_format_has(format, LF_VAR_REQUEST_TIME));
    assert_int_equal(parse(format,
                           "{\"ts\":\"10/Oct/2023:13:55:36 +0000\","
                           "\"req\":\"GET /a/b HTTP/1.1\",\"code\":200,"
                           "\"dur\":\"0.002, 0.003\",\"ua\":\"x\"}",
                           &r),
                     LF_OK);
    assert_true(r.time_ns == T0);
    assert_span(r.path, "/a/b");
    assert_int_equal(r.status, 200);
    assert_double_exact(r.latency_ms, 5.0);
    /* nginx writes "" for an empty variable under escape=json. */
    assert_int_equal(parse(format,
                           "{\"ts\":\"10/Oct/2023:13:55:36 +0000\","
                           "\"req\":\"GET /a/b HTTP/1.1\",\"code\":200,"
                           "\"dur\":\"\"}",
                           &r),
                     LF_ERR_NO_LATENCY);
    lf_format_free(format);
}

static void test_logformat_json_invalid(void **state)
{
    static const char *const bad[] = {
        "{\"status\": ",
        "[1, 2]",
        "\"just a string\"",
        "{\"status\":\"200\"} trailing",
        "{'status': '200'}",
        "{\"request\":\"GET /a\\u0000b HTTP/1.1\"}",
        "{\"status\":\"\xff\"}",
    };
    lf_format_t *format = compile(NULL, true);
    lf_record_t r;

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (parse(format, bad[i], &r) != LF_ERR_JSON)
            fail_msg("JSON line %zu was not refused", i);
    lf_format_free(format);
}

static void test_logformat_json_missing_fields(void **state)
{
    lf_format_t *format = compile(NULL, true);
    lf_record_t r;

    (void)state;
    assert_int_equal(parse(format,
                           "{\"time_iso8601\":\"2023-10-10T13:55:36+00:00\","
                           "\"request\":\"GET / HTTP/1.1\",\"status\":200}",
                           &r),
                     LF_ERR_MISSING);
    assert_int_equal(parse(format,
                           "{\"time_iso8601\":\"2023-10-10T13:55:36+00:00\","
                           "\"request\":\"GET / HTTP/1.1\","
                           "\"request_time\":\"0.1\"}",
                           &r),
                     LF_ERR_MISSING);
    assert_int_equal(parse(format,
                           "{\"request\":\"GET / HTTP/1.1\",\"status\":200,"
                           "\"request_time\":\"0.1\"}",
                           &r),
                     LF_ERR_MISSING);
    assert_int_equal(parse(format, "{}", &r), LF_ERR_MISSING);
    /* null is how some loggers write a missing value. */
    assert_int_equal(parse(format,
                           "{\"time_iso8601\":\"2023-10-10T13:55:36+00:00\","
                           "\"request\":\"GET / HTTP/1.1\",\"status\":200,"
                           "\"request_time\":null}",
                           &r),
                     LF_ERR_NO_LATENCY);
    lf_format_free(format);
}

static void test_logformat_json_wrong_types(void **state)
{
    static const char *const bad[] = {
        "{\"time_iso8601\":\"2023-10-10T13:55:36+00:00\",\"status\":true,"
        "\"request_time\":\"0.1\"}",
        "{\"time_iso8601\":\"2023-10-10T13:55:36+00:00\",\"status\":200,"
        "\"request_time\":{\"s\":0.1}}",
        "{\"time_iso8601\":\"2023-10-10T13:55:36+00:00\",\"status\":200,"
        "\"request_time\":\"0.1\",\"request\":[\"GET\"]}",
        "{\"time_iso8601\":\"2023-10-10T13:55:36+00:00\",\"status\":200,"
        "\"request_time\":\"0.1\",\"request\":7}",
        "{\"time_local\":1696946136,\"status\":200,\"request_time\":\"0.1\"}",
        "{\"time_iso8601\":\"2023-10-10T13:55:36+00:00\",\"status\":200,"
        "\"request_time\":\"0.1\",\"host\":42}",
    };
    lf_format_t *format = compile(NULL, true);
    lf_record_t r;

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (parse(format, bad[i], &r) != LF_ERR_JSON_TYPE)
            fail_msg("JSON line %zu was not refused for its types", i);
    /* A status that is a number but no status. */
    assert_int_equal(parse(format,
                           "{\"time_iso8601\":\"2023-10-10T13:55:36+00:00\","
                           "\"status\":200.5,\"request_time\":\"0.1\"}",
                           &r),
                     LF_ERR_STATUS);
    assert_int_equal(parse(format,
                           "{\"time_iso8601\":\"2023-10-10T13:55:36+00:00\","
                           "\"status\":200,\"request_time\":-0.1}",
                           &r),
                     LF_ERR_LATENCY);
    lf_format_free(format);
}

/* ---- services ----------------------------------------------------------- */

static lf_record_t record_with(const char *path, const char *host,
                               const char *upstream)
{
    lf_record_t r;

    memset(&r, 0, sizeof r);
    r.path.ptr = path;
    r.path.len = strlen(path);
    r.host.ptr = host;
    r.host.len = strlen(host);
    r.upstream.ptr = upstream;
    r.upstream.len = strlen(upstream);
    return r;
}

static void expect_service(const struct replay_options *o, const char *path,
                           const char *service, bool health)
{
    lf_record_t r = record_with(path, "api.example.com", "10.0.0.2:80");
    lf_span_t name;
    bool is_health;

    assert_int_equal(replay_classify(o, &r, &name, &is_health), 0);
    if (name.len != strlen(service) || memcmp(name.ptr, service, name.len))
        fail_msg("%s went to '%.*s', expected '%s'", path, (int)name.len,
                 name.ptr, service);
    if (is_health != health)
        fail_msg("%s: health check %d, expected %d", path, is_health,
                 health);
}

static void test_replay_services_by_path(void **state)
{
    struct replay_options o;
    char long_path[300];
    lf_record_t r;
    lf_span_t name;
    bool health;

    (void)state;
    replay_options_init(&o);
    expect_service(&o, "/payments/charge", "payments", false);
    expect_service(&o, "/payments", "payments", false);
    expect_service(&o, "/payments/", "payments", false);
    expect_service(&o, "/", "/", false);
    expect_service(&o, "//x", "/", false);
    expect_service(&o, "/payments/healthz", "payments", true);
    expect_service(&o, "/payments/v1/healthz", "payments", true);
    expect_service(&o, "/healthz", "/", true);
    expect_service(&o, "/payments/healthzz", "payments", false);
    expect_service(&o, "/payments/my-healthz", "payments", false);

    o.health_path = "/status/live";
    expect_service(&o, "/users/status/live", "users", true);
    expect_service(&o, "/users/healthz", "users", false);

    long_path[0] = '/';
    memset(long_path + 1, 's', 256);
    long_path[257] = '\0';
    r = record_with(long_path, "", "");
    assert_int_equal(replay_classify(&o, &r, &name, &health),
                     REPLAY_NAME_TOO_LONG);
    long_path[256] = '\0'; /* 255 bytes: the longest name */
    expect_service(&o, long_path, long_path + 1, false);
    r = record_with("", "", "");
    assert_int_equal(replay_classify(&o, &r, &name, &health),
                     REPLAY_NO_PATH);
}

static void test_replay_services_by_host_and_upstream(void **state)
{
    struct replay_options o;
    lf_record_t r;

    (void)state;
    replay_options_init(&o);
    o.service_by = REPLAY_BY_HOST;
    expect_service(&o, "/payments/x", "api.example.com", false);
    expect_service(&o, "/payments/healthz", "api.example.com", true);
    o.service_by = REPLAY_BY_UPSTREAM;
    expect_service(&o, "/payments/x", "10.0.0.2:80", false);

    {
        lf_span_t name;
        bool health;

        r = record_with("/a", "", "");
        o.service_by = REPLAY_BY_HOST;
        assert_int_equal(replay_classify(&o, &r, &name, &health),
                         REPLAY_NO_HOST);
        o.service_by = REPLAY_BY_UPSTREAM;
        assert_int_equal(replay_classify(&o, &r, &name, &health),
                         REPLAY_NO_UPSTREAM);
    }
    assert_string_equal(replay_reason_name(REPLAY_NO_HOST), "no host");
    assert_string_equal(replay_reason_name(LF_ERR_NUL), "NUL byte in line");
    assert_string_equal(replay_reason_name(REPLAY_REASON_COUNT), "unknown");
}

static void test_replay_failed_statuses(void **state)
{
    struct replay_options o;

    (void)state;
    replay_options_init(&o);
    assert_false(replay_failed(&o, 200));
    assert_false(replay_failed(&o, 302));
    assert_false(replay_failed(&o, 404));
    assert_false(replay_failed(&o, 499));
    assert_true(replay_failed(&o, 500));
    assert_true(replay_failed(&o, 503));
    o.fail_4xx = true;
    assert_true(replay_failed(&o, 404));
    assert_false(replay_failed(&o, 399));
}

/* ---- the line reader ---------------------------------------------------- */

/* Lines of the reader as "N:text" or "N:TOO LONG(len)", joined by '|'. */
static void read_all(const char *path, size_t max_line, char *out,
                     size_t size)
{
    line_reader_t *reader = NULL;
    const char *line;
    size_t len;
    char err[256];
    int got;

    out[0] = '\0';
    if (line_reader_open(path, max_line, &reader, err, sizeof err) != 0)
        fail_msg("open: %s", err);
    while ((got = line_reader_next(reader, &line, &len)) == 1) {
        size_t used = strlen(out);
        unsigned long long n = line_reader_number(reader);

        if (line == NULL)
            snprintf(out + used, size - used, "%llu:TOO LONG(%zu)|", n, len);
        else
            snprintf(out + used, size - used, "%llu:%.*s|", n, (int)len,
                     line);
    }
    assert_int_equal(got, 0);
    line_reader_close(reader);
}

static void write_file(const char *path, const char *text, size_t len,
                       bool gzip)
{
    if (gzip) {
        gzFile gz = gzopen(path, "wb");

        assert_non_null(gz);
        assert_int_equal(gzwrite(gz, text, (unsigned)len), (int)len);
        assert_int_equal(gzclose(gz), Z_OK);
    } else {
        FILE *f = fopen(path, "wb");

        assert_non_null(f);
        assert_int_equal(fwrite(text, 1, len, f), len);
        assert_int_equal(fclose(f), 0);
    }
}

static void test_linereader_bounds_and_gzip(void **state)
{
    char path[] = "/tmp/test_logformat.XXXXXX";
    size_t big = 3 * 1024 * 1024;
    char *text = malloc(big + 64);
    char out[512];
    int fd = mkstemp(path);

    (void)state;
    assert_true(fd >= 0);
    close(fd);
    assert_non_null(text);

    /* A long line that crosses read chunks, CRLF, and no final newline. */
    strcpy(text, "first\r\n");
    memset(text + 7, 'x', big);
    strcpy(text + 7 + big, "\nshort\n\nlast");
    for (int gzip = 0; gzip <= 1; gzip++) {
        write_file(path, text, strlen(text), gzip);
        read_all(path, 100, out, sizeof out);
        assert_string_equal(out, "1:first|2:TOO LONG(3145728)|3:short|4:|"
                                 "5:last|");
    }

    /* The bound itself fits; one more byte does not. */
    write_file(path, "12345\n123456\n1234\n", 18, false);
    read_all(path, 5, out, sizeof out);
    assert_string_equal(out, "1:12345|2:TOO LONG(6)|3:1234|");
    write_file(path, "123456", 6, true);
    read_all(path, 5, out, sizeof out);
    assert_string_equal(out, "1:TOO LONG(6)|");
    write_file(path, "", 0, false);
    read_all(path, 5, out, sizeof out);
    assert_string_equal(out, "");

    unlink(path);
    free(text);
}

static void test_linereader_open_errors(void **state)
{
    line_reader_t *reader = NULL;
    char err[256];

    (void)state;
    assert_int_equal(line_reader_open("/nonexistent/access.log", 100,
                                      &reader, err, sizeof err),
                     -1);
    assert_null(reader);
    assert_string_equal(err,
                        "/nonexistent/access.log: No such file or directory");
    assert_int_equal(line_reader_open("/tmp", 100, &reader, err, sizeof err),
                     -1);
    assert_string_equal(err, "/tmp: is a directory");
}

static void test_linereader_corrupt_gzip(void **state)
{
    char path[] = "/tmp/test_logformat.XXXXXX";
    /* A gzip header followed by bytes that are no deflate stream. */
    static const char corrupt[] = "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"
                                  "\xff\xff\xff\xff\xff\xff\xff\xff";
    line_reader_t *reader = NULL;
    const char *line;
    size_t len;
    char err[256];
    int fd = mkstemp(path);

    (void)state;
    assert_true(fd >= 0);
    close(fd);
    write_file(path, corrupt, sizeof corrupt - 1, false);
    assert_int_equal(line_reader_open(path, 100, &reader, err, sizeof err),
                     0);
    assert_int_equal(line_reader_next(reader, &line, &len), -1);
    assert_true(strlen(line_reader_error(reader)) > 0);
    line_reader_close(reader);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_logformat_default_line),
        cmocka_unit_test(test_logformat_latency_values),
        cmocka_unit_test(test_logformat_dash_latency_is_no_latency),
        cmocka_unit_test(test_logformat_bad_latency),
        cmocka_unit_test(test_logformat_plain_combined_is_recognised),
        cmocka_unit_test(test_logformat_time_local_offsets),
        cmocka_unit_test(test_logformat_bad_times),
        cmocka_unit_test(test_logformat_time_iso8601),
        cmocka_unit_test(test_logformat_msec),
        cmocka_unit_test(test_logformat_upstream_lists_add_up),
        cmocka_unit_test(test_logformat_upstream_time_as_latency),
        cmocka_unit_test(test_logformat_custom_literals),
        cmocka_unit_test(test_logformat_split_fields),
        cmocka_unit_test(test_logformat_unknown_variable_matches_anything),
        cmocka_unit_test(test_logformat_refuses_ambiguous_formats),
        cmocka_unit_test(test_logformat_overlong_line),
        cmocka_unit_test(test_logformat_binary_garbage),
        cmocka_unit_test(test_logformat_unbalanced_quotes),
        cmocka_unit_test(test_logformat_request_lines),
        cmocka_unit_test(test_logformat_bad_status),
        cmocka_unit_test(test_logformat_text_check),
        cmocka_unit_test(test_logformat_json_by_variable_names),
        cmocka_unit_test(test_logformat_json_template),
        cmocka_unit_test(test_logformat_json_invalid),
        cmocka_unit_test(test_logformat_json_missing_fields),
        cmocka_unit_test(test_logformat_json_wrong_types),
        cmocka_unit_test(test_replay_services_by_path),
        cmocka_unit_test(test_replay_services_by_host_and_upstream),
        cmocka_unit_test(test_replay_failed_statuses),
        cmocka_unit_test(test_linereader_bounds_and_gzip),
        cmocka_unit_test(test_linereader_open_errors),
        cmocka_unit_test(test_linereader_corrupt_gzip),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
