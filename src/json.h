/*
 * json.h - a streaming JSON writer laid out as Python's json.dumps(indent=2)
 * lays it out, so that reports compare byte for byte with the reference.
 *
 * Strings are escaped to ASCII (\uXXXX, surrogate pairs past U+FFFF);
 * non-finite numbers, which JSON cannot express, are written as null.
 */
#ifndef OBS_JSON_H
#define OBS_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "strbuf.h"

#define OBS_JSON_MAX_DEPTH 16

struct obs_json {
    struct obs_strbuf *out;
    int depth;
    bool has_items[OBS_JSON_MAX_DEPTH];
    bool after_key;
};

void obs_json_init(struct obs_json *json, struct obs_strbuf *out);
void obs_json_begin_object(struct obs_json *json);
void obs_json_end_object(struct obs_json *json);
void obs_json_begin_array(struct obs_json *json);
void obs_json_end_array(struct obs_json *json);
void obs_json_key(struct obs_json *json, const char *key);
void obs_json_string(struct obs_json *json, const char *value);
void obs_json_uint(struct obs_json *json, uint64_t value);
void obs_json_double(struct obs_json *json, double value);

/* Escape `len` bytes of UTF-8 as a JSON string, quotes included. */
void obs_json_escape(struct obs_strbuf *out, const char *text, size_t len);

#endif /* OBS_JSON_H */
