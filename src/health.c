/*
 * health.c - thresholds and the health classification.
 */
#include "health.h"

#include <math.h>

#include "histogram.h"

double obs_error_rate(uint64_t errors, uint64_t requests)
{
    return requests ? (double)errors / (double)requests : 0.0;
}

double obs_availability_pct(uint64_t passed, uint64_t checks)
{
    /* Divide first, then scale: the reference's order. */
    return checks ? (double)passed / (double)checks * 100.0 : 100.0;
}

obs_health_t obs_classify(const obs_thresholds_t *thresholds,
                          double error_rate, double availability_pct,
                          double p99_ms)
{
    if (availability_pct < thresholds->down_availability_pct)
        return OBS_DOWN;
    if (error_rate > thresholds->critical_error_rate ||
        p99_ms > thresholds->critical_p99_ms)
        return OBS_CRITICAL;
    if (error_rate > thresholds->degraded_error_rate ||
        p99_ms > thresholds->degraded_p99_ms)
        return OBS_DEGRADED;
    return OBS_HEALTHY;
}

void obs_thresholds_init(obs_thresholds_t *thresholds)
{
    if (thresholds == NULL)
        return;
    thresholds->down_availability_pct = 95.0;
    thresholds->critical_error_rate = 0.10;
    thresholds->critical_p99_ms = 1000.0;
    thresholds->degraded_error_rate = 0.05;
    thresholds->degraded_p99_ms = 500.0;
}

static bool in_range(double value, double low, double high)
{
    return value >= low && value <= high; /* false for NaN */
}

bool obs_thresholds_check(const obs_thresholds_t *in, unsigned bits,
                          obs_thresholds_t *out)
{
    obs_thresholds_t t = *in;

    if (!in_range(t.down_availability_pct, 0.0, 100.0) ||
        !in_range(t.critical_error_rate, 0.0, 1.0) ||
        !in_range(t.degraded_error_rate, 0.0, t.critical_error_rate) ||
        !in_range(t.critical_p99_ms, 0.0, obs_latency_max()) ||
        !in_range(t.degraded_p99_ms, 0.0, t.critical_p99_ms))
        return false;
    t.critical_p99_ms = obs_hist_edge(t.critical_p99_ms, bits);
    t.degraded_p99_ms = obs_hist_edge(t.degraded_p99_ms, bits);
    *out = t;
    return true;
}
