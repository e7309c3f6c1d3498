/*
 * json.c - streaming JSON writer (see json.h).
 */
#include "json.h"

#include <math.h>
#include <string.h>

#include "utf8.h"

void obs_json_init(struct obs_json *json, struct obs_strbuf *out)
{
    memset(json, 0, sizeof *json);
    json->out = out;
}

static void newline(struct obs_json *json)
{
    obs_strbuf_append(json->out, "\n", 1);
    for (int i = 0; i < json->depth; i++)
        obs_strbuf_append(json->out, "  ", 2);
}

/* Called before every value: separators and indentation. */
static void before_value(struct obs_json *json)
{
    if (json->after_key) {
        json->after_key = false;
        return;
    }
    if (json->depth == 0)
        return;
    if (json->has_items[json->depth])
        obs_strbuf_append(json->out, ",", 1);
    json->has_items[json->depth] = true;
    newline(json);
}

static void open_container(struct obs_json *json, const char *bracket)
{
    before_value(json);
    obs_strbuf_puts(json->out, bracket);
    if (json->depth + 1 < OBS_JSON_MAX_DEPTH)
        json->depth++;
    json->has_items[json->depth] = false;
}

static void close_container(struct obs_json *json, const char *bracket)
{
    bool had_items = json->has_items[json->depth];

    if (json->depth > 0)
        json->depth--;
    if (had_items)
        newline(json);
    obs_strbuf_puts(json->out, bracket);
}

void obs_json_begin_object(struct obs_json *json)
{
    open_container(json, "{");
}

void obs_json_end_object(struct obs_json *json)
{
    close_container(json, "}");
}

void obs_json_begin_array(struct obs_json *json)
{
    open_container(json, "[");
}

void obs_json_end_array(struct obs_json *json)
{
    close_container(json, "]");
}

void obs_json_key(struct obs_json *json, const char *key)
{
    before_value(json);
    obs_json_escape(json->out, key, strlen(key));
    obs_strbuf_append(json->out, ": ", 2);
    json->after_key = true;
}

void obs_json_string(struct obs_json *json, const char *value)
{
    before_value(json);
    obs_json_escape(json->out, value, strlen(value));
}

void obs_json_uint(struct obs_json *json, uint64_t value)
{
    before_value(json);
    obs_strbuf_uint(json->out, value);
}

void obs_json_double(struct obs_json *json, double value)
{
    before_value(json);
    if (isfinite(value))
        obs_strbuf_shortest(json->out, value);
    else
        obs_strbuf_puts(json->out, "null");
}

void obs_json_escape(struct obs_strbuf *out, const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;

    obs_strbuf_append(out, "\"", 1);
    while (i < len) {
        size_t used;
        long decoded = obs_utf8_next(s + i, len - i, &used);
        /* Invalid bytes become U+FFFD one at a time, so that whatever
         * the input the output is valid JSON. */
        unsigned code = decoded < 0 ? 0xfffd : (unsigned)decoded;

        i += used;
        switch (code) {
        case '"':
            obs_strbuf_append(out, "\\\"", 2);
            continue;
        case '\\':
            obs_strbuf_append(out, "\\\\", 2);
            continue;
        case '\n':
            obs_strbuf_append(out, "\\n", 2);
            continue;
        case '\r':
            obs_strbuf_append(out, "\\r", 2);
            continue;
        case '\t':
            obs_strbuf_append(out, "\\t", 2);
            continue;
        case '\b':
            obs_strbuf_append(out, "\\b", 2);
            continue;
        case '\f':
            obs_strbuf_append(out, "\\f", 2);
            continue;
        default:
            break;
        }
        if (code >= 0x20 && code < 0x7f) {
            char c = (char)code;

            obs_strbuf_append(out, &c, 1);
        } else if (code < 0x10000) {
            obs_strbuf_printf(out, "\\u%04x", code);
        } else {
            code -= 0x10000;
            obs_strbuf_printf(out, "\\u%04x\\u%04x", 0xd800 + (code >> 10),
                              0xdc00 + (code & 0x3ff));
        }
    }
    obs_strbuf_append(out, "\"", 1);
}
