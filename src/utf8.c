/*
 * utf8.c - strict UTF-8 decoding (see utf8.h).
 */
#include "utf8.h"

long obs_utf8_next(const unsigned char *s, size_t len, size_t *used)
{
    unsigned c = s[0];
    unsigned long code;
    size_t n;

    *used = 1;
    if (c < 0x80)
        return (long)c;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        code = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        code = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        code = c & 0x07;
    } else {
        return -1;
    }
    if (n > len)
        return -1;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return -1;
        code = (code << 6) | (s[i] & 0x3f);
    }
    if ((n == 3 && code < 0x800) || (n == 4 && code < 0x10000) ||
        code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
        return -1;
    *used = n;
    return (long)code;
}
