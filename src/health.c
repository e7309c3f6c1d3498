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

/* The limit that applies: the exit value while already in the state,
 * unless none is set (NaN). */
static double limit(double entry, double exit, bool inside)
{
    return inside && !isnan(exit) ? exit : entry;
}

obs_health_t obs_classify(const obs_thresholds_t *t, double error_rate,
                          double availability_pct, double p99_ms,
                          obs_health_t previous)
{
    bool was_down = previous == OBS_DOWN;
    bool was_critical = previous >= OBS_CRITICAL;
    bool was_degraded = previous >= OBS_DEGRADED;

    if (availability_pct < limit(t->down_availability_pct,
                                 t->down_exit_availability_pct, was_down))
        return OBS_DOWN;
    if (error_rate > limit(t->critical_error_rate,
                           t->critical_exit_error_rate, was_critical) ||
        p99_ms > limit(t->critical_p99_ms, t->critical_exit_p99_ms,
                       was_critical))
        return OBS_CRITICAL;
    if (error_rate > limit(t->degraded_error_rate,
                           t->degraded_exit_error_rate, was_degraded) ||
        p99_ms > limit(t->degraded_p99_ms, t->degraded_exit_p99_ms,
                       was_degraded))
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
    thresholds->down_exit_availability_pct = NAN;
    thresholds->critical_exit_error_rate = NAN;
    thresholds->critical_exit_p99_ms = NAN;
    thresholds->degraded_exit_error_rate = NAN;
    thresholds->degraded_exit_p99_ms = NAN;
}

static bool in_range(double value, double low, double high)
{
    return value >= low && value <= high; /* false for NaN */
}

/* An exit value is NaN (none) or between its bound and its entry. */
static bool exit_ok(double exit, double low, double high)
{
    return isnan(exit) || in_range(exit, low, high);
}

static double edge_or_nan(double latency_ms, unsigned bits)
{
    return isnan(latency_ms) ? latency_ms : obs_hist_edge(latency_ms, bits);
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
    if (!exit_ok(t.down_exit_availability_pct, t.down_availability_pct,
                 100.0) ||
        !exit_ok(t.critical_exit_error_rate, 0.0, t.critical_error_rate) ||
        !exit_ok(t.critical_exit_p99_ms, 0.0, t.critical_p99_ms) ||
        !exit_ok(t.degraded_exit_error_rate, 0.0, t.degraded_error_rate) ||
        !exit_ok(t.degraded_exit_p99_ms, 0.0, t.degraded_p99_ms))
        return false;
    t.critical_p99_ms = obs_hist_edge(t.critical_p99_ms, bits);
    t.degraded_p99_ms = obs_hist_edge(t.degraded_p99_ms, bits);
    t.critical_exit_p99_ms = edge_or_nan(t.critical_exit_p99_ms, bits);
    t.degraded_exit_p99_ms = edge_or_nan(t.degraded_exit_p99_ms, bits);
    *out = t;
    return true;
}
