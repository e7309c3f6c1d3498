/*
 * health.h - from figures to a health state.
 *
 * Pure functions: no service, no lock. The formulas keep the reference
 * program's order of floating-point operations, so that a simulator built
 * on the library prints the same figures to the last digit.
 */
#ifndef OBS_HEALTH_H
#define OBS_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

#include "obsplatform.h"

double obs_error_rate(uint64_t errors, uint64_t requests);
double obs_availability_pct(uint64_t passed, uint64_t checks);
/* `previous` is the service's health at the last evaluation: while in a
 * state, that state's exit thresholds apply (hysteresis). */
obs_health_t obs_classify(const obs_thresholds_t *thresholds,
                          double error_rate, double availability_pct,
                          double p99_ms, obs_health_t previous);

/* Validate a threshold set and round its latencies to bucket edges of
 * `bits` precision into `out`. */
bool obs_thresholds_check(const obs_thresholds_t *in, unsigned bits,
                          obs_thresholds_t *out);

#endif /* OBS_HEALTH_H */
