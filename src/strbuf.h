/*
 * strbuf.h - a growable text buffer for the writers (JSON, Prometheus), with
 * number formatting that ignores the process locale.
 *
 * An allocation failure is remembered and later appends do nothing, so a
 * writer checks once at the end instead of after every call.
 */
#ifndef OBS_STRBUF_H
#define OBS_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <stdio.h>

#include "alloc.h"
#include "obsplatform.h"

struct obs_strbuf {
    struct obs_alloc *alloc;
    char *data;
    size_t len;
    size_t capacity;
    bool failed;
};

void obs_strbuf_init(struct obs_strbuf *sb, struct obs_alloc *alloc);
void obs_strbuf_free(struct obs_strbuf *sb);
void obs_strbuf_append(struct obs_strbuf *sb, const char *text, size_t len);
void obs_strbuf_puts(struct obs_strbuf *sb, const char *text);
void obs_strbuf_printf(struct obs_strbuf *sb, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
void obs_strbuf_uint(struct obs_strbuf *sb, uint64_t value);
/* The shortest text that reads back as the same double, spelled as
 * Python's repr() does: "12.0", "0.0001", "1e-05", "1e+16". */
void obs_strbuf_shortest(struct obs_strbuf *sb, double value);

/* snprintf in the "C" locale, whatever the process locale is. */
int obs_format_c(char *out, size_t size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* Round to `digits` decimals as Python's round() does: to the nearest,
 * ties to even, on the exact binary value. */
double obs_round_decimal(double value, int digits);

/* A writer: builds its whole text in `out`. */
typedef obs_status_t (*obs_render_fn)(void *context, struct obs_strbuf *out);

/* Run a writer into a caller's buffer, as obs_platform_write_json() and
 * obs_platform_write_prometheus() promise: NUL-terminated, truncated with
 * OBS_ENOSPC when it does not fit, the full length in `length`. */
obs_status_t obs_render_to_buffer(struct obs_alloc *alloc, obs_render_fn fn,
                                  void *context, char *buffer, size_t size,
                                  size_t *length);
/* Run a writer into a stream; OBS_EIO if the stream fails. */
obs_status_t obs_render_to_stream(struct obs_alloc *alloc, obs_render_fn fn,
                                  void *context, FILE *stream);

#endif /* OBS_STRBUF_H */
