/*
 * fault_spec.c - obs-sim's fault specs (see fault_spec.h).
 *
 * Numbers are read digit by digit rather than with strtod(): strtod follows
 * the locale, accepts hex, "inf" and leading blanks, and a spec must mean
 * the same thing on every machine.
 */
#include "fault_spec.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define NS_PER_MS UINT64_C(1000000)
#define NS_PER_S UINT64_C(1000000000)
#define MAX_DELAY_NS (60 * 60 * NS_PER_S)
#define MAX_FRACTION_DIGITS 12
#define MAX_SHARE_DECIMALS 15

static const char syntax[] = "expected SERVICE:KEY=VALUE[,KEY=VALUE...]";

static int refuse(char *error, size_t error_size, const char *format, ...)
{
    va_list args;

    if (error != NULL && error_size > 0) {
        va_start(args, format);
        vsnprintf(error, error_size, format, args);
        va_end(args);
    }
    return -1;
}

void sim_quote(const char *text, size_t length, char *out, size_t size)
{
    size_t n = length < 40 ? length : 40;
    size_t i;

    if (out == NULL || size == 0)
        return;
    for (i = 0; i < n && i + 4 < size; i++) {
        unsigned char c = (unsigned char)text[i];

        out[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    if (length > n && i + 4 <= size) {
        memcpy(out + i, "...", 3);
        i += 3;
    }
    out[i] = '\0';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
    while (b != 0) {
        uint64_t r = a % b;

        a = b;
        b = r;
    }
    return a;
}

int sim_parse_duration(const char *text, size_t length, uint64_t *ns)
{
    uint64_t unit;
    uint64_t whole = 0;
    uint64_t fraction = 0;
    uint64_t scale = 1;
    uint64_t fraction_ns = 0;
    size_t i = 0;

    if (text == NULL || ns == NULL)
        return -1;
    if (length >= 2 && text[length - 2] == 'm' && text[length - 1] == 's') {
        unit = NS_PER_MS;
        length -= 2;
    } else if (length >= 1 && text[length - 1] == 's') {
        unit = NS_PER_S;
        length--;
    } else if (length >= 1 && text[length - 1] == 'm') {
        unit = 60 * NS_PER_S;
        length--;
    } else {
        return -1;
    }

    if (length == 0 || !is_digit(text[0]))
        return -1;
    for (; i < length && is_digit(text[i]); i++) {
        if (whole > SIM_DURATION_MAX_NS / 10)
            return -1;
        whole = whole * 10 + (uint64_t)(text[i] - '0');
    }
    if (i < length && text[i] == '.') {
        i++;
        if (i == length)
            return -1;
        for (; i < length && is_digit(text[i]); i++) {
            if (scale == UINT64_C(1000000000000))
                return -1; /* more than MAX_FRACTION_DIGITS */
            fraction = fraction * 10 + (uint64_t)(text[i] - '0');
            scale *= 10;
        }
    }
    if (i != length)
        return -1;

    /* fraction / scale of a unit must be a whole number of nanoseconds;
     * dividing both by their gcd first keeps every product below 2^64. */
    if (fraction != 0) {
        uint64_t g = gcd(unit, scale);

        if (fraction % (scale / g) != 0)
            return -1;
        fraction_ns = fraction / (scale / g) * (unit / g);
    }
    if (whole > (SIM_DURATION_MAX_NS - fraction_ns) / unit)
        return -1;
    *ns = whole * unit + fraction_ns;
    return 0;
}

int sim_parse_share(const char *text, size_t length, double *share)
{
    uint64_t mantissa;
    uint64_t scale = 1;
    size_t i = 1;

    if (text == NULL || share == NULL || length == 0 ||
        (text[0] != '0' && text[0] != '1'))
        return -1;
    mantissa = (uint64_t)(text[0] - '0');
    if (length > 1) {
        if (text[1] != '.' || length == 2 ||
            length - 2 > MAX_SHARE_DECIMALS)
            return -1;
        for (i = 2; i < length; i++) {
            if (!is_digit(text[i]))
                return -1;
            mantissa = mantissa * 10 + (uint64_t)(text[i] - '0');
            scale *= 10;
        }
    }
    if (mantissa > scale)
        return -1;
    /* Both below 2^53, so the quotient is the correctly rounded share. */
    *share = (double)mantissa / (double)scale;
    return 0;
}

/* ---- specs --------------------------------------------------------------- */

enum key {
    KEY_ERROR,
    KEY_DELAY,
    KEY_SHARE,
    KEY_DISTRIBUTION,
    KEY_OUTAGE,
    KEY_FROM,
    KEY_TO,
    KEY_COUNT
};

static const char *const key_names[KEY_COUNT] = {
    "error", "delay", "share", "distribution", "outage", "from", "to",
};

static int find_key(const char *text, size_t length)
{
    for (int k = 0; k < KEY_COUNT; k++)
        if (strlen(key_names[k]) == length &&
            memcmp(key_names[k], text, length) == 0)
            return k;
    return -1;
}

static bool equals(const char *text, size_t length, const char *word)
{
    return strlen(word) == length && memcmp(text, word, length) == 0;
}

/* Apply one KEY=VALUE to the rule; `seen` stops a key given twice. */
static int parse_item(const char *item, size_t length, struct sim_fault *f,
                      unsigned *seen, char *error, size_t error_size)
{
    const char *eq = memchr(item, '=', length);
    const char *value;
    size_t key_length;
    size_t value_length;
    char quoted[48];
    uint64_t ns;
    int key;

    if (length == 0)
        return refuse(error, error_size, "empty item in the list of keys");
    if (eq == NULL) {
        sim_quote(item, length, quoted, sizeof quoted);
        return refuse(error, error_size, "'%s' is not KEY=VALUE", quoted);
    }
    key_length = (size_t)(eq - item);
    value = eq + 1;
    value_length = length - key_length - 1;
    key = find_key(item, key_length);
    if (key < 0) {
        sim_quote(item, key_length, quoted, sizeof quoted);
        return refuse(error, error_size,
                      "unknown key '%s' (use error, delay, share, "
                      "distribution, outage, from or to)",
                      quoted);
    }
    if (*seen & (1u << key))
        return refuse(error, error_size, "%s is given twice", key_names[key]);
    *seen |= 1u << key;
    if (value_length == 0)
        return refuse(error, error_size, "%s needs a value", key_names[key]);
    sim_quote(value, value_length, quoted, sizeof quoted);

    switch ((enum key)key) {
    case KEY_ERROR:
    case KEY_SHARE:
        if (sim_parse_share(value, value_length,
                            key == KEY_ERROR ? &f->rule.error_share
                                             : &f->rule.delay_share) != 0)
            return refuse(error, error_size,
                          "%s is a share from 0 to 1 such as 0.5, not '%s'",
                          key_names[key], quoted);
        break;
    case KEY_DELAY:
        if (sim_parse_duration(value, value_length, &ns) != 0 ||
            ns > MAX_DELAY_NS)
            return refuse(error, error_size,
                          "delay is a duration from 0ms to 60m such as "
                          "800ms or 1.5s, not '%s'",
                          quoted);
        f->rule.delay_ms = (double)ns / (double)NS_PER_MS;
        break;
    case KEY_FROM:
    case KEY_TO:
        if (sim_parse_duration(value, value_length,
                               key == KEY_FROM ? &f->rule.from_ns
                                               : &f->rule.to_ns) != 0)
            return refuse(error, error_size,
                          "%s is a duration such as 60s, 1.5m or 800ms, "
                          "not '%s'",
                          key_names[key], quoted);
        break;
    case KEY_DISTRIBUTION:
        if (equals(value, value_length, "fixed"))
            f->rule.delay_kind = OBS_DELAY_FIXED;
        else if (equals(value, value_length, "uniform"))
            f->rule.delay_kind = OBS_DELAY_UNIFORM;
        else if (equals(value, value_length, "exponential"))
            f->rule.delay_kind = OBS_DELAY_EXPONENTIAL;
        else
            return refuse(error, error_size,
                          "distribution is fixed, uniform or exponential, "
                          "not '%s'",
                          quoted);
        break;
    case KEY_OUTAGE:
        if (equals(value, value_length, "true"))
            f->rule.health_check_outage = true;
        else if (equals(value, value_length, "false"))
            f->rule.health_check_outage = false;
        else
            return refuse(error, error_size,
                          "outage is true or false, not '%s'", quoted);
        break;
    case KEY_COUNT:
        break;
    }
    return 0;
}

int sim_parse_fault_spec(const char *text, struct sim_fault *out,
                         char *error, size_t error_size)
{
    struct sim_fault f;
    const char *colon = NULL;
    const char *eq;
    const char *item;
    const char *end;
    unsigned seen = 0;
    size_t name_length;

    if (text == NULL || out == NULL)
        return refuse(error, error_size, "no fault spec");
    eq = strchr(text, '=');
    for (const char *p = text; eq != NULL && p < eq; p++)
        if (*p == ':')
            colon = p;
    if (colon == NULL)
        return refuse(error, error_size, "%s", syntax);
    name_length = (size_t)(colon - text);
    if (name_length == 0)
        return refuse(error, error_size, "empty service name");
    if (name_length > OBS_SERVICE_NAME_MAX)
        return refuse(error, error_size, "service name longer than %d bytes",
                      OBS_SERVICE_NAME_MAX);

    memset(&f, 0, sizeof f);
    memcpy(f.service, text, name_length);
    obs_fault_rule_init(&f.rule);
    end = colon + 1 + strlen(colon + 1);
    for (item = colon + 1;;) {
        const char *comma = memchr(item, ',', (size_t)(end - item));
        const char *stop = comma != NULL ? comma : end;

        if (parse_item(item, (size_t)(stop - item), &f, &seen, error,
                       error_size) != 0)
            return -1;
        if (comma == NULL)
            break;
        item = comma + 1;
    }

    if ((seen & (1u << KEY_SHARE)) && !(seen & (1u << KEY_DELAY)))
        return refuse(error, error_size, "share needs a delay");
    if ((seen & (1u << KEY_DISTRIBUTION)) && !(seen & (1u << KEY_DELAY)))
        return refuse(error, error_size, "distribution needs a delay");
    if ((seen & (1u << KEY_TO)) && f.rule.to_ns <= f.rule.from_ns)
        return refuse(error, error_size, "to must be after from");
    if (f.rule.error_share == 0.0 && !f.rule.health_check_outage &&
        (f.rule.delay_ms == 0.0 || f.rule.delay_share == 0.0))
        return refuse(error, error_size,
                      "the fault injects nothing: give error, delay or "
                      "outage=true");
    *out = f;
    return 0;
}
