/*
 * strbuf.c - growable text with locale-independent numbers.
 */
#include "strbuf.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obsplatform.h"

void obs_strbuf_init(struct obs_strbuf *sb, struct obs_alloc *alloc)
{
    sb->alloc = alloc;
    sb->data = NULL;
    sb->len = 0;
    sb->capacity = 0;
    sb->failed = false;
}

void obs_strbuf_free(struct obs_strbuf *sb)
{
    obs_alloc_free(sb->alloc, sb->data, sb->capacity, NULL);
    sb->data = NULL;
    sb->len = sb->capacity = 0;
}

static bool reserve(struct obs_strbuf *sb, size_t extra)
{
    size_t capacity;
    char *grown;

    if (sb->failed)
        return false;
    if (extra < sb->capacity - sb->len)
        return true;
    capacity = sb->capacity ? sb->capacity : 256;
    while (capacity - sb->len <= extra) {
        if (capacity > SIZE_MAX / 2) {
            sb->failed = true;
            return false;
        }
        capacity *= 2;
    }
    grown = obs_alloc_array(sb->alloc, sb->data, sb->capacity, capacity, 1,
                            NULL);
    if (grown == NULL) {
        sb->failed = true;
        return false;
    }
    sb->data = grown;
    sb->capacity = capacity;
    return true;
}

void obs_strbuf_append(struct obs_strbuf *sb, const char *text, size_t len)
{
    if (!reserve(sb, len))
        return;
    memcpy(sb->data + sb->len, text, len);
    sb->len += len;
    sb->data[sb->len] = '\0';
}

void obs_strbuf_puts(struct obs_strbuf *sb, const char *text)
{
    obs_strbuf_append(sb, text, strlen(text));
}

/* ---- the "C" locale ----------------------------------------------------- */

static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static locale_t c_locale = (locale_t)0;

static void make_c_locale(void)
{
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/* Switch this thread to the "C" locale; returns what to switch back to.
 * Should newlocale() have failed, numbers are fixed up afterwards instead
 * (see fix_decimal_point). */
static locale_t enter_c_locale(void)
{
    pthread_once(&c_locale_once, make_c_locale);
    if (c_locale == (locale_t)0)
        return (locale_t)0;
    return uselocale(c_locale);
}

static void leave_c_locale(locale_t previous)
{
    if (previous != (locale_t)0)
        uselocale(previous);
}

/* Last resort when no "C" locale object could be made: the only
 * locale-dependent character our formats produce is the decimal point. */
static void fix_decimal_point(char *text)
{
    const char *point = localeconv()->decimal_point;
    size_t point_len = strlen(point);
    char *at;

    if (point_len == 0 || strcmp(point, ".") == 0)
        return;
    while ((at = strstr(text, point)) != NULL) {
        *at = '.';
        memmove(at + 1, at + point_len, strlen(at + point_len) + 1);
    }
}

static int vformat_c(char *out, size_t size, const char *format, va_list ap)
{
    locale_t previous = enter_c_locale();
    int n = vsnprintf(out, size, format, ap);

    leave_c_locale(previous);
    if (previous == (locale_t)0 && size > 0)
        fix_decimal_point(out);
    return n;
}

int obs_format_c(char *out, size_t size, const char *format, ...)
{
    va_list ap;
    int n;

    va_start(ap, format);
    n = vformat_c(out, size, format, ap);
    va_end(ap);
    return n;
}

void obs_strbuf_printf(struct obs_strbuf *sb, const char *format, ...)
{
    char small[128];
    va_list ap;
    int n;

    va_start(ap, format);
    n = vformat_c(small, sizeof small, format, ap);
    va_end(ap);
    if (n < 0) {
        sb->failed = true;
        return;
    }
    if ((size_t)n < sizeof small) {
        obs_strbuf_append(sb, small, (size_t)n);
        return;
    }
    if (!reserve(sb, (size_t)n))
        return;
    va_start(ap, format);
    vformat_c(sb->data + sb->len, (size_t)n + 1, format, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

void obs_strbuf_uint(struct obs_strbuf *sb, uint64_t value)
{
    char digits[24];
    size_t i = sizeof digits;

    do {
        digits[--i] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    obs_strbuf_append(sb, digits + i, sizeof digits - i);
}

static double parse_c(const char *text)
{
    locale_t previous = enter_c_locale();
    double value = strtod(text, NULL);

    leave_c_locale(previous);
    return value;
}

void obs_strbuf_shortest(struct obs_strbuf *sb, double value)
{
    char text[40];
    char digits[24];
    size_t ndigits = 0;
    int exponent;
    int point;
    const char *p;

    if (!isfinite(value)) {
        obs_strbuf_puts(sb, isnan(value) ? "NaN"
                            : value > 0  ? "+Inf"
                                         : "-Inf");
        return;
    }
    for (int precision = 0; precision < 17; precision++) {
        obs_format_c(text, sizeof text, "%.*e", precision, value);
        if (parse_c(text) == value)
            break;
    }
    /* text is [-]d[.ddd]e(+|-)xx: split it into digits and exponent. */
    p = text;
    if (*p == '-') {
        obs_strbuf_append(sb, "-", 1);
        p++;
    }
    for (; *p != 'e'; p++)
        if (*p != '.')
            digits[ndigits++] = *p;
    exponent = atoi(p + 1);
    while (ndigits > 1 && digits[ndigits - 1] == '0')
        ndigits--;
    point = exponent + 1; /* digits before the decimal point */
    if (point > -4 && point <= 16) {
        if (point <= 0) {
            obs_strbuf_append(sb, "0.", 2);
            for (int i = point; i < 0; i++)
                obs_strbuf_append(sb, "0", 1);
            obs_strbuf_append(sb, digits, ndigits);
        } else if ((size_t)point >= ndigits) {
            obs_strbuf_append(sb, digits, ndigits);
            for (size_t i = ndigits; i < (size_t)point; i++)
                obs_strbuf_append(sb, "0", 1);
            obs_strbuf_append(sb, ".0", 2);
        } else {
            obs_strbuf_append(sb, digits, (size_t)point);
            obs_strbuf_append(sb, ".", 1);
            obs_strbuf_append(sb, digits + point, ndigits - (size_t)point);
        }
        return;
    }
    obs_strbuf_append(sb, digits, 1);
    if (ndigits > 1) {
        obs_strbuf_append(sb, ".", 1);
        obs_strbuf_append(sb, digits + 1, ndigits - 1);
    }
    obs_strbuf_printf(sb, "e%c%02d", exponent < 0 ? '-' : '+',
                      exponent < 0 ? -exponent : exponent);
}

double obs_round_decimal(double value, int digits)
{
    char text[400];

    if (!isfinite(value))
        return value;
    /* printf rounds the exact binary value, ties to even: the same rule
     * as Python's round(). */
    obs_format_c(text, sizeof text, "%.*f", digits, value);
    return parse_c(text);
}

obs_status_t obs_render_to_buffer(struct obs_alloc *alloc, obs_render_fn fn,
                                  void *context, char *buffer, size_t size,
                                  size_t *length)
{
    struct obs_strbuf sb;
    obs_status_t status;

    obs_strbuf_init(&sb, alloc);
    status = fn(context, &sb);
    if (status == OBS_OK && sb.failed)
        status = OBS_ENOMEM;
    if (status == OBS_OK) {
        if (length != NULL)
            *length = sb.len;
        if (sb.len >= size) {
            status = sb.len == 0 && size == 0 ? OBS_OK : OBS_ENOSPC;
            if (size > 0) {
                memcpy(buffer, sb.data, size - 1);
                buffer[size - 1] = '\0';
            }
        } else {
            memcpy(buffer, sb.data ? sb.data : "", sb.len + 1);
        }
    }
    obs_strbuf_free(&sb);
    return status;
}

obs_status_t obs_render_to_stream(struct obs_alloc *alloc, obs_render_fn fn,
                                  void *context, FILE *stream)
{
    struct obs_strbuf sb;
    obs_status_t status;

    obs_strbuf_init(&sb, alloc);
    status = fn(context, &sb);
    if (status == OBS_OK && sb.failed)
        status = OBS_ENOMEM;
    if (status == OBS_OK && sb.len > 0 &&
        fwrite(sb.data, 1, sb.len, stream) != sb.len)
        status = OBS_EIO;
    obs_strbuf_free(&sb);
    return status;
}
