/*
 * fault_spec.h - obs-sim's fault specs ("SERVICE:KEY=VALUE,..."), and the
 * durations and shares they are written with.
 *
 * Private to the obs-sim example. The parsers take any bytes and never
 * crash, allocate or print: they fill a result or say in one line why they
 * cannot, and leave the result untouched when they refuse.
 */
#ifndef OBS_SIM_FAULT_SPEC_H
#define OBS_SIM_FAULT_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "obsplatform.h"

/* The longest duration any spec or scenario may give: 100 days. */
#define SIM_DURATION_MAX_NS (UINT64_C(100) * 86400 * 1000000000)

/* One --fault: the service it targets and the library rule to give it.
 * Owns no memory. */
struct sim_fault {
    char service[OBS_SERVICE_NAME_MAX + 1];
    obs_fault_rule_t rule;
};

/*
 * Parse "SERVICE:KEY=VALUE[,KEY=VALUE...]", e.g.
 * "payment-service:error=0.5,from=60s,to=180s". Keys:
 *   error=SHARE          fail this share of requests (0 to 1)
 *   delay=DURATION       add this delay (ms, s or m) ...
 *   share=SHARE          ... to this share of requests (default 1)
 *   distribution=KIND    fixed (default), uniform or exponential
 *   outage=true|false    fail every health check
 *   from=DURATION        active from this simulated time (default 0)
 *   to=DURATION          until this one, excluded (default: the end)
 * The service name is what precedes the last ':' before the first '='.
 * Returns 0 and fills *out, or -1 with a one-line reason in `error`
 * (truncated to error_size; error may be NULL when error_size is 0).
 */
int sim_parse_fault_spec(const char *text, struct sim_fault *out,
                         char *error, size_t error_size);

/* A duration: digits, optionally a '.' and more digits, then ms, s or m
 * ("800ms", "1.5s", "2m"), exact to the nanosecond and at most
 * SIM_DURATION_MAX_NS. Reads exactly `length` bytes. 0 or -1. */
int sim_parse_duration(const char *text, size_t length, uint64_t *ns);

/* A share: "0", "1", "0.25", ... from 0 to 1, at most 15 decimals. Reads
 * exactly `length` bytes. 0 or -1. */
int sim_parse_share(const char *text, size_t length, double *share);

/* Copy at most 40 bytes of `text` into `out` (size >= 48) for a message:
 * bytes outside printable ASCII become '?', and "..." marks a cut. */
void sim_quote(const char *text, size_t length, char *out, size_t size);

#endif /* OBS_SIM_FAULT_SPEC_H */
