/*
 * logformat.c - compile nginx log_format strings and parse access log lines
 * against them, in text or JSON lines.
 *
 * Text lines are split by the format itself: a literal must appear where
 * the format has it, and a variable runs up to the next literal. nginx
 * escapes '"', '\' and bytes outside printable ASCII in variable values
 * (\x22), so a quoted value cannot end early. Fields are then checked
 * strictly: a line that slipped past the split with its fields shifted
 * fails on a status that is not three digits or a request that is not
 * "METHOD TARGET [HTTP/x.y]", and is skipped rather than misread.
 */
#include "logformat.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

struct lf_token {
    const char *literal; /* NULL for a variable */
    size_t len;          /* literal length */
    lf_var_t var;
    size_t width; /* a variable's fixed width, 0 if it varies */
    bool list;    /* nginx joins several values with ", " or " : " */
};

struct lf_json_key {
    char *key;
    lf_var_t var;
};

struct lf_format {
    bool json;
    char *text; /* the format, owning the literals */
    struct lf_token *tokens;
    size_t token_count;
    bool has[LF_VAR_COUNT];
    lf_format_t *combined; /* for the default: recognise plain combined */
    struct lf_json_key *keys;
    size_t key_count;
    json_t *doc; /* the last JSON line, owning its spans */
};

/* A variable's value in one line. */
struct field {
    bool present; /* the line has the variable */
    bool number;  /* a JSON number, in value */
    const char *ptr;
    size_t len;
    double value;
};

struct var_name {
    const char *name;
    lf_var_t var;
};

/* The order within a kind is the order of preference for JSON keys. */
static const struct var_name var_names[] = {
    {"time_iso8601", LF_VAR_TIME_ISO8601},
    {"time_local", LF_VAR_TIME_LOCAL},
    {"msec", LF_VAR_MSEC},
    {"request", LF_VAR_REQUEST},
    {"request_method", LF_VAR_REQUEST_METHOD},
    {"request_uri", LF_VAR_REQUEST_URI},
    {"uri", LF_VAR_URI},
    {"status", LF_VAR_STATUS},
    {"host", LF_VAR_HOST},
    {"http_host", LF_VAR_HTTP_HOST},
    {"server_name", LF_VAR_SERVER_NAME},
    {"request_time", LF_VAR_REQUEST_TIME},
    {"upstream_response_time", LF_VAR_UPSTREAM_RESPONSE_TIME},
    {"upstream_addr", LF_VAR_UPSTREAM_ADDR},
};
#define VAR_NAME_COUNT (sizeof var_names / sizeof var_names[0])

/* Keys that JSON loggers other than nginx's templates commonly use. */
static const struct var_name json_aliases[] = {
    {"time", LF_VAR_TIME_ANY},
    {"timestamp", LF_VAR_TIME_ANY},
    {"@timestamp", LF_VAR_TIME_ANY},
};
#define JSON_ALIAS_COUNT (sizeof json_aliases / sizeof json_aliases[0])

/* nginx variables whose value is a list when upstreams were retried. */
static const char *const list_vars[] = {
    "upstream_addr",           "upstream_status",
    "upstream_response_time",  "upstream_connect_time",
    "upstream_header_time",    "upstream_bytes_received",
    "upstream_bytes_sent",     "upstream_response_length",
};
#define LIST_VAR_COUNT (sizeof list_vars / sizeof list_vars[0])

static const char *const error_names[LF_ERR_COUNT] = {
    [LF_OK] = "ok",
    [LF_ERR_EMPTY] = "empty line",
    [LF_ERR_TOO_LONG] = "line too long",
    [LF_ERR_NUL] = "NUL byte in line",
    [LF_ERR_NO_MATCH] = "line does not match the log format",
    [LF_ERR_COMBINED] = "plain combined format (no $request_time)",
    [LF_ERR_TIME] = "bad time",
    [LF_ERR_STATUS] = "bad status",
    [LF_ERR_REQUEST] = "bad request line",
    [LF_ERR_PATH] = "path is not UTF-8 text",
    [LF_ERR_HOST] = "host is not UTF-8 text",
    [LF_ERR_UPSTREAM] = "upstream address is not UTF-8 text",
    [LF_ERR_LATENCY] = "bad latency",
    [LF_ERR_NO_LATENCY] = "no latency",
    [LF_ERR_JSON] = "not a JSON object",
    [LF_ERR_JSON_TYPE] = "JSON field of the wrong type",
    [LF_ERR_MISSING] = "JSON field missing",
};

const char *lf_error_name(lf_error_t error)
{
    if ((unsigned)error >= LF_ERR_COUNT)
        return "unknown";
    return error_names[error];
}

/* ---- compiling ---------------------------------------------------------- */

static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_';
}

static lf_var_t var_of(const char *name, size_t len)
{
    for (size_t i = 0; i < VAR_NAME_COUNT; i++)
        if (strlen(var_names[i].name) == len &&
            memcmp(var_names[i].name, name, len) == 0)
            return var_names[i].var;
    return LF_VAR_OTHER;
}

static bool is_list_var(const char *name, size_t len)
{
    for (size_t i = 0; i < LIST_VAR_COUNT; i++)
        if (strlen(list_vars[i]) == len &&
            memcmp(list_vars[i], name, len) == 0)
            return true;
    return false;
}

void lf_format_free(lf_format_t *format)
{
    if (format == NULL)
        return;
    lf_format_free(format->combined);
    for (size_t i = 0; i < format->key_count; i++)
        free(format->keys[i].key);
    free(format->keys);
    json_decref(format->doc);
    free(format->tokens);
    free(format->text);
    free(format);
}

static int add_key(lf_format_t *f, const char *key, size_t len, lf_var_t var)
{
    struct lf_json_key *keys;

    keys = realloc(f->keys, (f->key_count + 1) * sizeof *keys);
    if (keys == NULL)
        return -1;
    f->keys = keys;
    keys[f->key_count].key = malloc(len + 1);
    if (keys[f->key_count].key == NULL)
        return -1;
    memcpy(keys[f->key_count].key, key, len);
    keys[f->key_count].key[len] = '\0';
    keys[f->key_count].var = var;
    f->key_count++;
    f->has[var] = true;
    return 0;
}

/* Without a template, every key is the name of its variable. */
static int compile_json_names(lf_format_t *f)
{
    for (size_t i = 0; i < VAR_NAME_COUNT; i++)
        if (add_key(f, var_names[i].name, strlen(var_names[i].name),
                    var_names[i].var) != 0)
            return -1;
    for (size_t i = 0; i < JSON_ALIAS_COUNT; i++)
        if (add_key(f, json_aliases[i].name, strlen(json_aliases[i].name),
                    json_aliases[i].var) != 0)
            return -1;
    return 0;
}

static const char *skip_spaces(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/*
 * A template is what the user wrote in nginx.conf, not JSON yet (numbers
 * may be unquoted: "status":$status), so it is scanned for its
 * "key": "$variable" pairs rather than parsed.
 */
static int compile_json_template(lf_format_t *f, const char *text, char *err,
                                 size_t err_size)
{
    const char *p = text;
    size_t pairs = 0;

    while ((p = strchr(p, '"')) != NULL) {
        const char *key = p + 1;
        const char *key_end = strchr(key, '"');
        const char *name;
        const char *q;
        bool quoted;

        if (key_end == NULL)
            break;
        p = key_end + 1; /* past a string that is no key */
        q = skip_spaces(p);
        if (*q != ':' || memchr(key, '\\', (size_t)(key_end - key)))
            continue;
        q = skip_spaces(q + 1);
        quoted = *q == '"';
        if (quoted) {
            const char *close = strchr(q + 1, '"');

            /* Resume after the value, so its quotes pair up. */
            p = close != NULL ? close + 1 : q + strlen(q);
            q++;
        }
        if (*q != '$')
            continue;
        name = q + 1 + (q[1] == '{');
        for (q = name; is_name_char(*q); q++)
            ;
        if (add_key(f, key, (size_t)(key_end - key),
                    var_of(name, (size_t)(q - name))) != 0) {
            snprintf(err, err_size, "out of memory");
            return -1;
        }
        pairs++;
        if (!quoted)
            p = q;
    }
    if (pairs == 0) {
        snprintf(err, err_size,
                 "the JSON format has no \"key\": \"$variable\" pair");
        return -1;
    }
    return 0;
}

static int compile_text(lf_format_t *f, char *err, size_t err_size)
{
    size_t cap = 2 * strlen(f->text) + 1;
    const char *p = f->text;

    f->tokens = calloc(cap, sizeof *f->tokens);
    if (f->tokens == NULL) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    while (*p != '\0') {
        struct lf_token *t = &f->tokens[f->token_count];
        const char *name;
        const char *end;
        bool braced;

        if (*p != '$') {
            t->literal = p;
            while (*p != '\0' && *p != '$')
                p++;
            t->len = (size_t)(p - t->literal);
            f->token_count++;
            continue;
        }
        braced = p[1] == '{';
        name = p + 1 + braced;
        for (end = name; is_name_char(*end); end++)
            ;
        if (end == name || (braced && *end != '}')) {
            snprintf(err, err_size,
                     "bad variable at offset %zu of the format: a '$' must "
                     "be followed by a name such as $status",
                     (size_t)(p - f->text));
            return -1;
        }
        if (f->token_count > 0 &&
            f->tokens[f->token_count - 1].literal == NULL) {
            snprintf(err, err_size,
                     "the format has two variables with nothing between "
                     "them (before $%.*s): lines cannot be split "
                     "unambiguously",
                     (int)(end - name), name);
            return -1;
        }
        t->var = var_of(name, (size_t)(end - name));
        t->list = is_list_var(name, (size_t)(end - name));
        if (t->var == LF_VAR_TIME_LOCAL)
            t->width = 26; /* 10/Oct/2023:13:55:36 +0000 */
        else if (t->var == LF_VAR_TIME_ISO8601)
            t->width = 25; /* 2023-10-10T13:55:36+00:00 */
        f->has[t->var] = true;
        f->token_count++;
        p = end + braced;
    }
    if (f->token_count == 0) {
        snprintf(err, err_size, "the format is empty");
        return -1;
    }
    return 0;
}

int lf_format_compile(const char *text, bool json, lf_format_t **format,
                      char *err, size_t err_size)
{
    lf_format_t *f = calloc(1, sizeof *f);
    int rc;

    if (f == NULL) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    f->json = json;
    if (json) {
        if (text == NULL) {
            rc = compile_json_names(f);
            if (rc != 0)
                snprintf(err, err_size, "out of memory");
        } else {
            rc = compile_json_template(f, text, err, err_size);
        }
        if (rc != 0)
            goto fail;
        *format = f;
        return 0;
    }

    f->text = strdup(text != NULL ? text : LF_FORMAT_DEFAULT);
    if (f->text == NULL) {
        snprintf(err, err_size, "out of memory");
        goto fail;
    }
    if (compile_text(f, err, err_size) != 0)
        goto fail;
    if (strcmp(f->text, LF_FORMAT_DEFAULT) == 0 &&
        lf_format_compile(LF_FORMAT_COMBINED, false, &f->combined, err,
                          err_size) != 0)
        goto fail;
    *format = f;
    return 0;

fail:
    lf_format_free(f);
    return -1;
}

bool lf_format_has(const lf_format_t *format, lf_var_t var)
{
    return (unsigned)var < LF_VAR_COUNT && format->has[var];
}

/* ---- splitting ---------------------------------------------------------- */

static const char *find_literal(const char *p, const char *end,
                                const char *literal, size_t len)
{
    while ((size_t)(end - p) >= len) {
        p = memchr(p, literal[0], (size_t)(end - p) - len + 1);
        if (p == NULL)
            return NULL;
        if (memcmp(p + 1, literal + 1, len - 1) == 0)
            return p;
        p++;
    }
    return NULL;
}

/* The end of "a, b : c": items have no space or comma inside. */
static const char *scan_list(const char *p, const char *end)
{
    for (;;) {
        while (p < end && *p != ' ' && *p != ',')
            p++;
        if (end - p >= 2 && p[0] == ',' && p[1] == ' ')
            p += 2;
        else if (end - p >= 3 && memcmp(p, " : ", 3) == 0)
            p += 3;
        else
            return p;
    }
}

static lf_error_t split_text(const lf_format_t *f, const char *line,
                             size_t len, struct field *fields)
{
    const char *p = line;
    const char *end = line + len;

    for (size_t i = 0; i < f->token_count; i++) {
        const struct lf_token *t = &f->tokens[i];
        const struct lf_token *next;
        const char *stop;

        if (t->literal != NULL) {
            if ((size_t)(end - p) < t->len || memcmp(p, t->literal, t->len))
                return LF_ERR_NO_MATCH;
            p += t->len;
            continue;
        }
        /* Compile refuses adjacent variables: next is a literal. */
        next = i + 1 < f->token_count ? &f->tokens[i + 1] : NULL;
        if (next == NULL) {
            stop = end;
        } else if (t->width != 0) {
            if ((size_t)(end - p) < t->width)
                return LF_ERR_NO_MATCH;
            stop = p + t->width;
        } else if (t->list &&
                   (next->literal[0] == ' ' || next->literal[0] == ',')) {
            stop = scan_list(p, end);
        } else {
            stop = find_literal(p, end, next->literal, next->len);
            if (stop == NULL)
                return LF_ERR_NO_MATCH;
        }
        if (t->var != LF_VAR_OTHER && !fields[t->var].present) {
            fields[t->var].present = true;
            fields[t->var].ptr = p;
            fields[t->var].len = (size_t)(stop - p);
        }
        p = stop;
    }
    return p == end ? LF_OK : LF_ERR_NO_MATCH;
}

static lf_error_t split_json(lf_format_t *f, const char *line, size_t len,
                             struct field *fields)
{
    json_error_t jerr;
    bool time = false;
    bool latency = false;

    json_decref(f->doc);
    f->doc = json_loadb(line, len, 0, &jerr);
    if (f->doc == NULL || !json_is_object(f->doc))
        return LF_ERR_JSON;
    for (size_t i = 0; i < f->key_count; i++) {
        struct field *field = &fields[f->keys[i].var];
        json_t *value = json_object_get(f->doc, f->keys[i].key);

        if (value == NULL || f->keys[i].var == LF_VAR_OTHER ||
            field->present)
            continue;
        field->present = true;
        if (json_is_string(value)) {
            field->ptr = json_string_value(value);
            field->len = json_string_length(value);
        } else if (json_is_number(value)) {
            field->number = true;
            field->value = json_number_value(value);
        } else if (!json_is_null(value)) {
            return LF_ERR_JSON_TYPE;
        }
    }

    time = fields[LF_VAR_TIME_LOCAL].present ||
           fields[LF_VAR_TIME_ISO8601].present ||
           fields[LF_VAR_MSEC].present || fields[LF_VAR_TIME_ANY].present;
    latency = fields[LF_VAR_REQUEST_TIME].present ||
              fields[LF_VAR_UPSTREAM_RESPONSE_TIME].present;
    if (!time || !latency || !fields[LF_VAR_STATUS].present)
        return LF_ERR_MISSING;
    return LF_OK;
}

/* ---- converting fields -------------------------------------------------- */

bool lf_is_text(const char *text, size_t len)
{
    const unsigned char *p = (const unsigned char *)text;
    const unsigned char *end = p + len;

    while (p < end) {
        unsigned c = *p;
        unsigned need;
        uint32_t cp;

        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f)
                return false;
            p++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            need = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            need = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if ((size_t)(end - p) <= need)
            return false;
        for (unsigned i = 1; i <= need; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3f);
        }
        /* Overlong forms, UTF-16 surrogates, past U+10FFFF, C1 controls. */
        if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
            (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff ||
            (cp >= 0x80 && cp < 0xa0))
            return false;
        p += need + 1;
    }
    return true;
}

/* "-" and "" are how nginx writes a variable without a value. */
static bool is_missing(const struct field *field)
{
    return !field->number &&
           (field->len == 0 || (field->len == 1 && field->ptr[0] == '-'));
}

static int digits(const char *p, size_t n)
{
    int value = 0;

    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        value = value * 10 + (p[i] - '0');
    }
    return value;
}

static bool is_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30,
                                 31, 31, 30, 31, 30, 31};

    return days[month - 1] + (month == 2 && is_leap(year));
}

/* Leap years from year 1 up to and including y. */
static int64_t leaps_through(int64_t y)
{
    return y / 4 - y / 100 + y / 400;
}

/*
 * Seconds since 1970-01-01T00:00:00Z of a UTC date and time, or -1 when a
 * field is out of range. Years past 2500 would overflow nanoseconds in 64
 * bits; earlier than 1970 cannot be on the platform's clock.
 */
static int64_t utc_seconds(int year, int month, int day, int hour, int min,
                           int sec)
{
    int64_t days;

    if (year < 1970 || year > 2500 || month < 1 || month > 12 || day < 1 ||
        day > days_in_month(year, month) || hour < 0 || hour > 23 ||
        min < 0 || min > 59 || sec < 0 || sec > 60)
        return -1;
    days = (int64_t)(year - 1970) * 365 + leaps_through(year - 1) -
           leaps_through(1969);
    for (int m = 1; m < month; m++)
        days += days_in_month(year, m);
    days += day - 1;
    return ((days * 24 + hour) * 60 + min) * 60 + sec;
}

static int month_of(const char *p)
{
    static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

    for (int m = 0; m < 12; m++)
        if (memcmp(names + 3 * m, p, 3) == 0)
            return m + 1;
    return -1;
}

/* An offset such as +0530, or +05:30 when colon is set, in seconds. */
static bool parse_offset(const char *p, bool colon, int64_t *seconds)
{
    int hours = digits(p + 1, 2);
    int minutes = digits(p + 3 + colon, 2);

    if ((p[0] != '+' && p[0] != '-') || (colon && p[3] != ':') ||
        hours < 0 || hours > 23 || minutes < 0 || minutes > 59)
        return false;
    *seconds = (p[0] == '-' ? -1 : 1) * (int64_t)(hours * 3600 + minutes * 60);
    return true;
}

static bool to_ns(int64_t local_s, int64_t offset_s, uint64_t frac_ns,
                  uint64_t *time_ns)
{
    int64_t utc = local_s - offset_s;

    if (local_s < 0 || utc < 0)
        return false;
    *time_ns = (uint64_t)utc * UINT64_C(1000000000) + frac_ns;
    return true;
}

/* $time_local: 10/Oct/2023:13:55:36 +0000 */
static bool parse_time_local(const char *p, size_t n, uint64_t *time_ns)
{
    int64_t local;
    int64_t offset;

    if (n != 26 || p[2] != '/' || p[6] != '/' || p[11] != ':' ||
        p[14] != ':' || p[17] != ':' || p[20] != ' ' ||
        !parse_offset(p + 21, false, &offset))
        return false;
    local = utc_seconds(digits(p + 7, 4), month_of(p + 3), digits(p, 2),
                        digits(p + 12, 2), digits(p + 15, 2),
                        digits(p + 18, 2));
    return to_ns(local, offset, 0, time_ns);
}

/* $time_iso8601: 2023-10-10T13:55:36+00:00; also a fraction and Z, as
 * other JSON loggers write them. */
static bool parse_time_iso8601(const char *p, size_t n, uint64_t *time_ns)
{
    uint64_t frac_ns = 0;
    int64_t offset = 0;
    int64_t local;
    size_t i = 19;

    if (n < 20 || p[4] != '-' || p[7] != '-' || (p[10] != 'T' &&
        p[10] != ' ') || p[13] != ':' || p[16] != ':')
        return false;
    if (p[i] == '.') {
        uint64_t scale = 100000000;

        for (i++; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
            frac_ns += (uint64_t)(p[i] - '0') * scale;
            scale /= 10;
        }
        if (i == 20)
            return false;
    }
    if (n - i == 1 && p[i] == 'Z')
        offset = 0;
    else if (!((n - i == 6 && parse_offset(p + i, true, &offset)) ||
               (n - i == 5 && parse_offset(p + i, false, &offset))))
        return false;
    local = utc_seconds(digits(p, 4), digits(p + 5, 2), digits(p + 8, 2),
                        digits(p + 11, 2), digits(p + 14, 2),
                        digits(p + 17, 2));
    return to_ns(local, offset, frac_ns, time_ns);
}

/* $msec: 1696946136.123, seconds since 1970 with a fraction. */
static bool parse_msec(const char *p, size_t n, uint64_t *time_ns)
{
    uint64_t seconds = 0;
    uint64_t frac_ns = 0;
    uint64_t scale = 100000000;
    size_t i = 0;

    for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
        if (i == 11)
            return false; /* past the year 2500 */
        seconds = seconds * 10 + (uint64_t)(p[i] - '0');
    }
    if (i == 0 || seconds > UINT64_C(16725225600)) /* 2500-01-01 */
        return false;
    if (i < n) {
        if (p[i++] != '.' || i == n)
            return false;
        for (; i < n; i++) {
            if (p[i] < '0' || p[i] > '9')
                return false;
            frac_ns += (uint64_t)(p[i] - '0') * scale;
            scale /= 10;
        }
    }
    *time_ns = seconds * UINT64_C(1000000000) + frac_ns;
    return true;
}

static bool number_to_ns(double seconds, uint64_t *time_ns)
{
    if (!(seconds >= 0 && seconds < 16725225600.0))
        return false;
    *time_ns = (uint64_t)llround(seconds * 1e9);
    return true;
}

static lf_error_t convert_time(const struct field *fields,
                               lf_record_t *record)
{
    static const lf_var_t order[] = {LF_VAR_TIME_LOCAL, LF_VAR_TIME_ISO8601,
                                     LF_VAR_MSEC, LF_VAR_TIME_ANY};

    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        const struct field *f = &fields[order[i]];
        bool ok;

        if (!f->present)
            continue;
        if (f->number) {
            if (order[i] != LF_VAR_MSEC && order[i] != LF_VAR_TIME_ANY)
                return LF_ERR_JSON_TYPE;
            ok = number_to_ns(f->value, &record->time_ns);
        } else if (order[i] == LF_VAR_TIME_LOCAL) {
            ok = parse_time_local(f->ptr, f->len, &record->time_ns);
        } else if (order[i] == LF_VAR_TIME_ISO8601) {
            ok = parse_time_iso8601(f->ptr, f->len, &record->time_ns);
        } else if (order[i] == LF_VAR_MSEC) {
            ok = parse_msec(f->ptr, f->len, &record->time_ns);
        } else {
            ok = parse_time_iso8601(f->ptr, f->len, &record->time_ns) ||
                 parse_time_local(f->ptr, f->len, &record->time_ns) ||
                 parse_msec(f->ptr, f->len, &record->time_ns);
        }
        return ok ? LF_OK : LF_ERR_TIME;
    }
    return LF_ERR_TIME;
}

static bool has_prefix_nocase(const char *p, size_t n, const char *prefix)
{
    size_t len = strlen(prefix);

    if (n < len)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = p[i];

        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != prefix[i])
            return false;
    }
    return true;
}

/* The path of a request target: origin form, or absolute form with the
 * scheme and authority dropped; the query string is cut off. */
static bool target_path(const char *p, size_t n, lf_span_t *path)
{
    const char *q;

    if (has_prefix_nocase(p, n, "http://") ||
        has_prefix_nocase(p, n, "https://")) {
        const char *authority = (const char *)memchr(p, '/', n) + 2;
        const char *slash;

        n -= (size_t)(authority - p);
        p = authority;
        slash = memchr(p, '/', n);
        if (slash == NULL) {
            path->ptr = "/";
            path->len = 1;
            return true;
        }
        n -= (size_t)(slash - p);
        p = slash;
    }
    if (n == 0 || p[0] != '/')
        return false;
    q = memchr(p, '?', n);
    path->ptr = p;
    path->len = q != NULL ? (size_t)(q - p) : n;
    return true;
}

/* "METHOD TARGET" or "METHOD TARGET HTTP/x.y" */
static lf_error_t parse_request(const char *p, size_t n, lf_record_t *record)
{
    size_t i = 0;
    size_t target;

    while (i < n && ((p[i] >= 'A' && p[i] <= 'Z') || p[i] == '_' ||
                     p[i] == '-'))
        i++;
    if (i == 0 || i > 32 || i == n || p[i] != ' ')
        return LF_ERR_REQUEST;
    record->method.ptr = p;
    record->method.len = i;
    target = ++i;
    while (i < n && p[i] != ' ')
        i++;
    if (!target_path(p + target, i - target, &record->path))
        return LF_ERR_REQUEST;
    if (i < n) {
        size_t major;

        if (n - i < 9 || memcmp(p + i, " HTTP/", 6) != 0)
            return LF_ERR_REQUEST;
        for (i += 6, major = i; i < n && p[i] >= '0' && p[i] <= '9'; i++)
            ;
        if (i == major || i == n || p[i] != '.' || i + 1 == n)
            return LF_ERR_REQUEST;
        for (i++; i < n; i++)
            if (p[i] < '0' || p[i] > '9')
                return LF_ERR_REQUEST;
    }
    return lf_is_text(record->path.ptr, record->path.len) ? LF_OK
                                                          : LF_ERR_PATH;
}

static lf_error_t convert_request(const struct field *fields,
                                  lf_record_t *record)
{
    const struct field *f;

    if (fields[LF_VAR_REQUEST].present) {
        f = &fields[LF_VAR_REQUEST];
        if (f->number)
            return LF_ERR_JSON_TYPE;
        return parse_request(f->ptr, f->len, record);
    }
    f = &fields[LF_VAR_REQUEST_METHOD];
    if (f->present && f->number)
        return LF_ERR_JSON_TYPE;
    if (f->present && !is_missing(f)) {
        record->method.ptr = f->ptr;
        record->method.len = f->len;
    }
    f = &fields[LF_VAR_REQUEST_URI];
    if (!f->present)
        f = &fields[LF_VAR_URI];
    if (!f->present)
        return LF_OK;
    if (f->number)
        return LF_ERR_JSON_TYPE;
    if (!target_path(f->ptr, f->len, &record->path))
        return LF_ERR_REQUEST;
    return lf_is_text(record->path.ptr, record->path.len) ? LF_OK
                                                          : LF_ERR_PATH;
}

static lf_error_t convert_status(const struct field *f, lf_record_t *record)
{
    int status;

    if (f->number) {
        if (!(f->value >= 100 && f->value <= 599) ||
            f->value != floor(f->value))
            return LF_ERR_STATUS;
        record->status = (unsigned)f->value;
        return LF_OK;
    }
    status = f->len == 3 ? digits(f->ptr, 3) : -1;
    if (status < 100 || status > 599)
        return LF_ERR_STATUS;
    record->status = (unsigned)status;
    return LF_OK;
}

static lf_error_t convert_host(const struct field *fields,
                               lf_record_t *record)
{
    static const lf_var_t order[] = {LF_VAR_HOST, LF_VAR_HTTP_HOST,
                                     LF_VAR_SERVER_NAME};

    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        const struct field *f = &fields[order[i]];

        if (!f->present || (!f->number && is_missing(f)))
            continue;
        if (f->number)
            return LF_ERR_JSON_TYPE;
        if (!lf_is_text(f->ptr, f->len) || memchr(f->ptr, ' ', f->len))
            return LF_ERR_HOST;
        record->host.ptr = f->ptr;
        record->host.len = f->len;
        return LF_OK;
    }
    return LF_OK;
}

/* The last item of a list "a, b : c", where the request ended. */
static lf_error_t convert_upstream(const struct field *f,
                                   lf_record_t *record)
{
    const char *p;
    const char *last;
    const char *end;

    if (!f->present || (!f->number && is_missing(f)))
        return LF_OK;
    if (f->number)
        return LF_ERR_JSON_TYPE;
    end = f->ptr + f->len;
    for (p = last = f->ptr; p < end; p++) {
        if (end - p >= 2 && p[0] == ',' && p[1] == ' ')
            last = p + 2;
        else if (end - p >= 3 && memcmp(p, " : ", 3) == 0)
            last = p + 3;
    }
    if (last == end || (end - last == 1 && *last == '-') ||
        !lf_is_text(last, (size_t)(end - last)) ||
        memchr(last, ' ', (size_t)(end - last)))
        return LF_ERR_UPSTREAM;
    record->upstream.ptr = last;
    record->upstream.len = (size_t)(end - last);
    return LF_OK;
}

/*
 * Seconds as nginx writes them ("0.123") to milliseconds. Up to three
 * decimals the result is the exact integer, not 0.123 * 1000.
 */
static bool parse_seconds(const char *p, size_t n, double *ms)
{
    static const double pow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5,
                                   1e6, 1e7, 1e8, 1e9};
    uint64_t mantissa = 0;
    size_t count = 0;
    int decimals = -1;

    for (size_t i = 0; i < n; i++) {
        if (p[i] == '.' && decimals < 0 && count > 0) {
            decimals = 0;
            continue;
        }
        if (p[i] < '0' || p[i] > '9' || count == 18)
            return false;
        mantissa = mantissa * 10 + (uint64_t)(p[i] - '0');
        count++;
        if (decimals >= 0 && ++decimals > 9)
            return false;
    }
    if (count == 0 || decimals == 0)
        return false;
    if (decimals < 0)
        decimals = 0;
    if (decimals <= 3)
        *ms = (double)mantissa * pow10[3 - decimals];
    else
        *ms = (double)mantissa / pow10[decimals - 3];
    return true;
}

/* A field of seconds: 1 when set, 0 when "-", -1 when malformed. */
static int field_seconds(const struct field *f, bool list, double *ms)
{
    const char *p;
    const char *end;
    bool any = false;

    if (f->number) {
        if (!(f->value >= 0 && f->value <= 1e12))
            return -1;
        *ms = f->value * 1000.0;
        return 1;
    }
    if (is_missing(f))
        return 0;
    if (!list)
        return parse_seconds(f->ptr, f->len, ms) ? 1 : -1;

    /* nginx lists one time per upstream tried: the request waited for
     * all of them, so they add up. */
    *ms = 0;
    end = f->ptr + f->len;
    for (p = f->ptr; p <= end;) {
        const char *q = p;
        double item;

        while (q < end && *q != ',' && *q != ':')
            q++;
        while (p < q && *p == ' ')
            p++;
        while (q > p && q[-1] == ' ')
            q--;
        if (q - p == 1 && *p == '-') {
            /* no answer from this upstream: nothing to add */
        } else if (parse_seconds(p, (size_t)(q - p), &item)) {
            *ms += item;
            any = true;
        } else {
            return -1;
        }
        while (q < end && *q == ' ')
            q++;
        if (q == end)
            break;
        p = q + 1;
    }
    return any ? 1 : 0;
}

static lf_error_t convert_latency(const struct field *fields,
                                  lf_record_t *record)
{
    const struct field *request = &fields[LF_VAR_REQUEST_TIME];
    const struct field *upstream = &fields[LF_VAR_UPSTREAM_RESPONSE_TIME];
    int rc;

    if (request->present) {
        rc = field_seconds(request, false, &record->request_time_ms);
        if (rc < 0)
            return LF_ERR_LATENCY;
        record->has_request_time = rc > 0;
    }
    if (upstream->present) {
        rc = field_seconds(upstream, true, &record->upstream_time_ms);
        if (rc < 0)
            return LF_ERR_LATENCY;
        record->has_upstream_time = rc > 0;
    }
    if (request->present) {
        if (!record->has_request_time)
            return LF_ERR_NO_LATENCY;
        record->latency_ms = record->request_time_ms;
        return LF_OK;
    }
    if (!record->has_upstream_time)
        return LF_ERR_NO_LATENCY;
    record->latency_ms = record->upstream_time_ms;
    return LF_OK;
}

lf_error_t lf_parse(lf_format_t *format, const char *line, size_t len,
                    lf_record_t *record)
{
    struct field fields[LF_VAR_COUNT];
    lf_error_t rc;

    memset(record, 0, sizeof *record);
    if (len == 0)
        return LF_ERR_EMPTY;
    if (len > LF_LINE_MAX)
        return LF_ERR_TOO_LONG;
    if (memchr(line, '\0', len) != NULL)
        return LF_ERR_NUL;

    memset(fields, 0, sizeof fields);
    if (format->json) {
        rc = split_json(format, line, len, fields);
    } else {
        rc = split_text(format, line, len, fields);
        if (rc == LF_ERR_NO_MATCH && format->combined != NULL) {
            memset(fields, 0, sizeof fields);
            if (split_text(format->combined, line, len, fields) == LF_OK)
                return LF_ERR_COMBINED;
        }
    }
    if (rc != LF_OK)
        return rc;

    if ((rc = convert_time(fields, record)) != LF_OK ||
        (rc = convert_request(fields, record)) != LF_OK)
        return rc;
    if (!fields[LF_VAR_STATUS].present)
        return format->json ? LF_ERR_MISSING : LF_ERR_STATUS;
    if ((rc = convert_status(&fields[LF_VAR_STATUS], record)) != LF_OK ||
        (rc = convert_host(fields, record)) != LF_OK ||
        (rc = convert_upstream(&fields[LF_VAR_UPSTREAM_ADDR], record)) !=
            LF_OK)
        return rc;
    return convert_latency(fields, record);
}
