/*
 * utf8.h - decoding UTF-8 one code point at a time, strictly: no overlong
 * forms, no surrogates, nothing past U+10FFFF. Service names must be valid
 * so that every writer can put them in JSON and Prometheus text.
 */
#ifndef OBS_UTF8_H
#define OBS_UTF8_H

#include <stddef.h>

/* The code point at `s` (`len` > 0 bytes left), with its length in
 * `*used`; -1 with `*used` = 1 when the bytes there are not valid. */
long obs_utf8_next(const unsigned char *s, size_t len, size_t *used);

#endif /* OBS_UTF8_H */
