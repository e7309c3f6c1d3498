/**
 * @file obsplatform.h
 * @brief In-process service health for C programs.
 *
 * A program records each request it serves (latency and outcome) and each
 * health check it runs; the platform turns these into error rates,
 * availability, latency percentiles, a health state per service, alerts on
 * changes of state, and JSON reports.
 */
#ifndef OBSPLATFORM_H
#define OBSPLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "obsplatform_version.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(OBS_BUILDING_LIBRARY) && defined(__GNUC__)
#define OBS_API __attribute__((visibility("default")))
#else
#define OBS_API
#endif

/**
 * @mainpage libobsplatform
 *
 * @section threads Threads
 * Every function that takes an obs_platform_t or an obs_service_t may be
 * called from any number of threads at once, unless its documentation says
 * otherwise. The exceptions are obs_platform_free(), which must be the last
 * call on a platform and its services, and the obs_histogram_t functions,
 * which work on a caller-owned object that the caller must not share
 * between threads while changing it.
 *
 * Recording (obs_record_request(), obs_record_health_check()) takes no lock
 * with the default histogram store: each thread writes to memory of its own
 * and readers add the threads' figures up. A reader sees each service as
 * one consistent snapshot: its request count equals the number of latency
 * samples, and no count ever goes down between two reads.
 *
 * @section precision Latency precision and memory
 * The default latency store is a log-linear histogram. Each power of two is
 * cut into 2^precision_bits equal buckets (default 9, so 512), which bounds
 * the relative error of any reported percentile by 2^-(bits+1) (0.098%).
 * Only the parts of the range that receive samples are allocated: an idle
 * service costs a few hundred bytes and a service whose latencies span one
 * decade about 14 KiB per recording thread, whatever the number of
 * requests. Latency thresholds and bucket bounds are rounded to bucket edges
 * (obs_latency_edge()), so that bucketing never moves a service across a
 * threshold. The exact store (OBS_STORE_EXACT) keeps every sample, as a
 * reference implementation would, and grows without bound.
 *
 * @section windows Time windows
 * With obs_config_t::window_slots set, each service also keeps its figures
 * per time slot and can answer for the last window_slots * slot_ns
 * nanoseconds (OBS_VIEW_WINDOW) besides the whole lifetime
 * (OBS_VIEW_LIFETIME). Recording never reads the clock: the current slot
 * moves on whenever the platform reads its clock, which it does in
 * obs_platform_tick(), in every query, evaluation and report, and in every
 * *_at() record call that brings its own timestamp. A program that records
 * without ever reading should call obs_platform_tick() about once a slot.
 * Health uses the window when one is configured, the lifetime otherwise
 * (obs_config_t::health_view).
 */

/* ------------------------------------------------------------------------ */
/** @name Status codes and version */
/** @{ */

/** The result of every fallible call. Codes are only ever appended. */
typedef enum obs_status {
    OBS_OK = 0,      /**< Success. */
    OBS_EINVAL,      /**< An argument is NULL, out of range or malformed. */
    OBS_ENOMEM,      /**< An allocation failed; nothing was changed. */
    OBS_EEXIST,      /**< A service with that name already exists. */
    OBS_ENOENT,      /**< No service has that name. */
    OBS_ENOSPC,      /**< The caller's buffer is too small. */
    OBS_EMISMATCH,   /**< Histograms of different precision. */
    OBS_EIO,         /**< Writing to a FILE failed. */
    OBS_ENOWINDOW    /**< A window view was asked of a platform without. */
} obs_status_t;

/**
 * @brief Describe a status code in a short English phrase.
 * @param status Any value; unknown values get "unknown status".
 * @return A static string; never NULL. Safe from any thread.
 */
OBS_API const char *obs_strerror(obs_status_t status);

/**
 * @brief The version of the library actually linked.
 * @return A static string "MAJOR.MINOR.PATCH", e.g. "0.1.0".
 */
OBS_API const char *obs_version(void);

/**
 * @brief The linked version as a number, see OBS_VERSION_NUMBER.
 * @return (major << 16) | (minor << 8) | patch.
 */
OBS_API unsigned obs_version_number(void);

/** @} */

/* ------------------------------------------------------------------------ */
/** @name Health, severities and views */
/** @{ */

/** The health of a service, from best to worst. */
typedef enum obs_health {
    OBS_HEALTHY = 0, /**< Within every threshold. */
    OBS_DEGRADED,    /**< Error rate or p99 above the degraded threshold. */
    OBS_CRITICAL,    /**< Error rate or p99 above the critical threshold. */
    OBS_DOWN         /**< Availability below the down threshold. */
} obs_health_t;

/**
 * @brief The lower-case name of a health state ("healthy", "degraded",
 *        "critical", "down").
 * @param health A health state.
 * @return A static string; "unknown" for a value outside the enum.
 */
OBS_API const char *obs_health_name(obs_health_t health);

/** How loud an alert is. */
typedef enum obs_severity {
    OBS_SEVERITY_RESOLVED = 0, /**< The service is healthy again. */
    OBS_SEVERITY_WARNING,      /**< The service became degraded. */
    OBS_SEVERITY_CRITICAL,     /**< The service became critical. */
    OBS_SEVERITY_PAGE,         /**< The service went down: wake someone. */
    OBS_SEVERITY_TICKET        /**< An SLO burns its budget slowly. */
} obs_severity_t;

/**
 * @brief The lower-case name of a severity ("resolved", "warning",
 *        "critical", "page", "ticket").
 * @param severity A severity.
 * @return A static string; "unknown" for a value outside the enum.
 */
OBS_API const char *obs_severity_name(obs_severity_t severity);

/** Which stretch of time a figure covers. */
typedef enum obs_view {
    OBS_VIEW_DEFAULT = 0, /**< The platform's health view. */
    OBS_VIEW_LIFETIME,    /**< Everything since the service was registered. */
    OBS_VIEW_WINDOW       /**< The rolling window (needs window_slots). */
} obs_view_t;

/** @} */

/* ------------------------------------------------------------------------ */
/** @name Platform */
/** @{ */

/** A platform: the services of one program and their alerts. */
typedef struct obs_platform obs_platform_t;

/** One monitored service, owned by its platform. */
typedef struct obs_service obs_service_t;

/**
 * A memory allocator. All four members must be set; the platform calls
 * them from whichever thread needs memory, so they must be thread-safe.
 */
typedef struct obs_allocator {
    /** Like malloc(3), with the user pointer first. */
    void *(*malloc)(void *user, size_t size);
    /** Like realloc(3), with the user pointer first. */
    void *(*realloc)(void *user, void *ptr, size_t size);
    /** Like free(3), with the user pointer first; never given NULL. */
    void (*free)(void *user, void *ptr);
    /** Handed unchanged to each of the three functions. */
    void *user;
} obs_allocator_t;

/**
 * A clock: nanoseconds since any fixed origin, never decreasing in normal
 * operation. A clock that does go back is tolerated: time then stands
 * still until the clock catches up again.
 */
typedef uint64_t (*obs_clock_fn)(void *user);

/** Where a service keeps its latency samples. */
typedef enum obs_latency_store {
    OBS_STORE_HISTOGRAM = 0, /**< Bounded log-linear histogram (default). */
    OBS_STORE_EXACT          /**< Every sample; memory grows without end. */
} obs_latency_store_t;

/** Settings fixed when a platform is created. Fill with obs_config_init(). */
typedef struct obs_config {
    /** Latency store of every service. Default OBS_STORE_HISTOGRAM. */
    obs_latency_store_t latency_store;
    /** Histogram buckets per power of two, as a power of two: 1 to 12.
     *  Default 9 (512 buckets, relative error at most 0.098%). */
    unsigned precision_bits;
    /** How many alerts the history keeps; older ones are dropped but
     *  still counted. Default 256; 0 keeps none. */
    size_t alert_history;
    /** Number of time slots in the rolling window; 0 (default) means no
     *  window. At most 1024. Needs the histogram store. */
    unsigned window_slots;
    /** Length of one slot in nanoseconds, at least 1000. Default 1
     *  second. */
    uint64_t slot_ns;
    /** Which view health uses. Default: the window when there is one. */
    obs_view_t health_view;
    /** The clock, or NULL for CLOCK_MONOTONIC. */
    obs_clock_fn clock;
    /** Handed unchanged to the clock. */
    void *clock_user;
    /** The allocator, or NULL for malloc/realloc/free. Copied. */
    const obs_allocator_t *allocator;
} obs_config_t;

/**
 * @brief Fill a configuration with the defaults.
 * @param config Where to write; must not be NULL.
 */
OBS_API void obs_config_init(obs_config_t *config);

/**
 * @brief Create a platform.
 *
 * @code
 * obs_platform_t *platform;
 * if (obs_platform_new(NULL, &platform) != OBS_OK)
 *     return -1;
 * ...
 * obs_platform_free(platform);
 * @endcode
 *
 * @param config Settings, copied; NULL for the defaults.
 * @param[out] platform The new platform, to be freed with
 *        obs_platform_free(). Left untouched on failure.
 * @return OBS_OK; OBS_EINVAL if @p platform is NULL or a setting is out of
 *         range (window without the histogram store, window_slots above
 *         1024, slot_ns below 1000, precision_bits outside 1..12, an allocator
 *         with a NULL member); OBS_ENOMEM.
 */
OBS_API obs_status_t obs_platform_new(const obs_config_t *config,
                                      obs_platform_t **platform);

/**
 * @brief Free a platform and all its services. NULL is a no-op.
 *
 * No other call on the platform or its services may be running or follow.
 * @param platform The platform, or NULL.
 */
OBS_API void obs_platform_free(obs_platform_t *platform);

/**
 * @brief Read the platform's clock and move the window's current slot on.
 * @param platform The platform.
 * @return OBS_OK; OBS_EINVAL if @p platform is NULL.
 */
OBS_API obs_status_t obs_platform_tick(obs_platform_t *platform);

/**
 * @brief Bytes the platform has allocated, services and alerts included.
 * @param platform The platform.
 * @return The byte count; 0 for NULL.
 */
OBS_API size_t obs_platform_memory(const obs_platform_t *platform);

/** @} */

/* ------------------------------------------------------------------------ */
/** @name Services */
/** @{ */

/** The longest service name, in bytes. */
#define OBS_SERVICE_NAME_MAX 255

/**
 * @brief Register a service.
 *
 * Names are UTF-8, 1 to OBS_SERVICE_NAME_MAX bytes, and compared byte for
 * byte ("Api" and "api" are two services). Services keep their
 * registration order in reports.
 *
 * @param platform The platform.
 * @param name The name, copied.
 * @param[out] service The new service, valid until the platform is freed;
 *        may be NULL if the caller does not need it.
 * @return OBS_OK; OBS_EINVAL for a NULL platform or a NULL, empty, too long
 *         or invalid UTF-8 name; OBS_EEXIST if the name is taken (then
 *         @p service receives the existing one); OBS_ENOMEM.
 */
OBS_API obs_status_t obs_platform_register(obs_platform_t *platform,
                                           const char *name,
                                           obs_service_t **service);

/**
 * @brief Look a service up by name.
 * @param platform The platform.
 * @param name The name to find.
 * @param[out] service The service, valid until the platform is freed.
 * @return OBS_OK; OBS_EINVAL for a NULL argument; OBS_ENOENT.
 */
OBS_API obs_status_t obs_platform_find(const obs_platform_t *platform,
                                       const char *name,
                                       obs_service_t **service);

/**
 * @brief The number of registered services.
 * @param platform The platform.
 * @return The count; 0 for NULL.
 */
OBS_API size_t obs_platform_service_count(const obs_platform_t *platform);

/**
 * @brief The service registered in position @p index (0 is the first).
 * @param platform The platform.
 * @param index Position in registration order.
 * @return The service, or NULL if @p index is past the end.
 */
OBS_API obs_service_t *obs_platform_service_at(const obs_platform_t *platform,
                                               size_t index);

/**
 * @brief The name of a service.
 * @param service The service.
 * @return The name, owned by the service; NULL for NULL.
 */
OBS_API const char *obs_service_name(const obs_service_t *service);

/**
 * @brief Bytes allocated for one service (its latency store included).
 * @param service The service.
 * @return The byte count; 0 for NULL.
 */
OBS_API size_t obs_service_memory(const obs_service_t *service);

/** @} */

/* ------------------------------------------------------------------------ */
/** @name Recording */
/** @{ */

/**
 * @brief Record one request: its latency and whether it succeeded.
 *
 * This is the hot-path call: resolve the service handle once, then call
 * this from any thread. With the histogram store it takes no lock and
 * allocates only when a latency falls in a part of the range the thread
 * has not used before.
 *
 * @code
 * double start = now_ms();
 * bool ok = handle_request(req);
 * obs_record_request(payments, now_ms() - start, ok);
 * @endcode
 *
 * Latencies from 0 to the largest finite double are accepted; -0.0 counts
 * as 0. The histogram store counts latencies above obs_latency_max() as
 * that value (in percentiles and sums) and in latency_clamped; the exact
 * store keeps them as they are.
 *
 * @param service The service.
 * @param latency_ms The latency in milliseconds.
 * @param success Whether the request succeeded.
 * @return OBS_OK; OBS_EINVAL for a NULL service or a negative, NaN or
 *         infinite latency (nothing is recorded); OBS_ENOMEM (nothing is
 *         recorded).
 */
OBS_API obs_status_t obs_record_request(obs_service_t *service,
                                        double latency_ms, bool success);

/**
 * @brief Record one request at a given time of the platform's clock.
 *
 * Moves the window on to @p time_ns first when that is later than the
 * current slot; a time earlier than the current slot counts in the current
 * slot. Use it to replay logs or simulations.
 *
 * @param service The service.
 * @param time_ns The time of the request on the platform's clock.
 * @param latency_ms The latency in milliseconds.
 * @param success Whether the request succeeded.
 * @return As obs_record_request().
 */
OBS_API obs_status_t obs_record_request_at(obs_service_t *service,
                                           uint64_t time_ns,
                                           double latency_ms, bool success);

/**
 * @brief Record the result of one health check.
 * @param service The service.
 * @param passed Whether the check passed.
 * @return OBS_OK; OBS_EINVAL for a NULL service; OBS_ENOMEM.
 */
OBS_API obs_status_t obs_record_health_check(obs_service_t *service,
                                             bool passed);

/**
 * @brief Record the result of one health check at a given time.
 * @param service The service.
 * @param time_ns The time of the check on the platform's clock.
 * @param passed Whether the check passed.
 * @return As obs_record_health_check().
 */
OBS_API obs_status_t obs_record_health_check_at(obs_service_t *service,
                                                uint64_t time_ns,
                                                bool passed);

/**
 * @brief Record a request on the service with this name.
 *
 * A convenience that costs a lookup; prefer obs_record_request() on a
 * resolved handle on hot paths.
 *
 * @param platform The platform.
 * @param name The service name.
 * @param latency_ms The latency in milliseconds.
 * @param success Whether the request succeeded.
 * @return As obs_record_request(), plus OBS_ENOENT for an unknown name
 *         (no service is created).
 */
OBS_API obs_status_t obs_record_request_by_name(obs_platform_t *platform,
                                                const char *name,
                                                double latency_ms,
                                                bool success);

/**
 * @brief Record a health check on the service with this name.
 * @param platform The platform.
 * @param name The service name.
 * @param passed Whether the check passed.
 * @return As obs_record_health_check(), plus OBS_ENOENT for an unknown
 *         name (no service is created).
 */
OBS_API obs_status_t obs_record_health_check_by_name(
    obs_platform_t *platform, const char *name, bool passed);

/** @} */

/* ------------------------------------------------------------------------ */
/** @name Figures and health */
/** @{ */

/** One consistent snapshot of a service's figures. */
typedef struct obs_service_stats {
    uint64_t requests;             /**< Requests recorded. */
    uint64_t successes;            /**< Requests that succeeded. */
    uint64_t errors;               /**< Requests that failed. */
    uint64_t health_checks;        /**< Health checks recorded. */
    uint64_t health_checks_passed; /**< Health checks that passed. */
    uint64_t latency_clamped;      /**< Latencies above obs_latency_max(). */
    double error_rate;             /**< errors / requests; 0 if none. */
    double availability_pct;       /**< passed / checks * 100; 100 if none. */
    double p50_ms;                 /**< Median latency; 0 if none. */
    double p95_ms;                 /**< 95th percentile; 0 if none. */
    double p99_ms;                 /**< 99th percentile; 0 if none. */
    double latency_sum_ms;         /**< Sum of all latencies. */
    obs_health_t health;           /**< Health from these figures. */
} obs_service_stats_t;

/**
 * @brief Take a snapshot of a service's figures.
 * @param service The service.
 * @param view Which stretch of time.
 * @param[out] stats Where to write.
 * @return OBS_OK; OBS_EINVAL for a NULL argument or an unknown view;
 *         OBS_ENOWINDOW for OBS_VIEW_WINDOW on a platform without window;
 *         OBS_ENOMEM (a read needs memory when the service's threads and
 *         window slots are many; @p stats is then left as it was).
 */
OBS_API obs_status_t obs_service_stats(obs_service_t *service,
                                       obs_view_t view,
                                       obs_service_stats_t *stats);

/**
 * @brief One latency percentile by nearest rank.
 *
 * The smallest recorded latency such that at least @p p percent of the
 * samples are at or below it (index ceil(p * n / 100) - 1, at least 0,
 * computed exactly); 0 when there are no samples. With the histogram store
 * the value is within the store's precision of that sample.
 *
 * @param service The service.
 * @param view Which stretch of time.
 * @param p The percentile, 0 to 100.
 * @param[out] latency_ms Where to write.
 * @return OBS_OK; OBS_EINVAL for a NULL argument or @p p outside [0, 100]
 *         or NaN; OBS_ENOWINDOW; OBS_ENOMEM, as obs_service_stats().
 */
OBS_API obs_status_t obs_service_percentile(obs_service_t *service,
                                            obs_view_t view, double p,
                                            double *latency_ms);

/**
 * @brief The current health of a service, from its health view.
 * @param service The service.
 * @param[out] health Where to write.
 * @return OBS_OK; OBS_EINVAL for a NULL argument; OBS_ENOMEM, as
 *         obs_service_stats().
 */
OBS_API obs_status_t obs_service_health(obs_service_t *service,
                                        obs_health_t *health);

/**
 * @brief The worst health of any service; OBS_HEALTHY with none.
 * @param platform The platform.
 * @param[out] health Where to write.
 * @return OBS_OK; OBS_EINVAL for a NULL argument; OBS_ENOMEM, as
 *         obs_service_stats().
 */
OBS_API obs_status_t obs_platform_health(obs_platform_t *platform,
                                         obs_health_t *health);

/**
 * The limits that decide a service's health. A service is DOWN when its
 * availability is below down_availability_pct; else CRITICAL when its
 * error rate is above critical_error_rate or its p99 above critical_p99_ms;
 * else DEGRADED on the degraded pair; else HEALTHY.
 *
 * Hysteresis: each limit has an optional exit value, looser than the
 * entry value, that applies while the service is already in that state
 * (at the last evaluation). With critical_error_rate 0.10 and
 * critical_exit_error_rate 0.08 a service becomes CRITICAL above 10%
 * errors and stays CRITICAL while above 8%, so a value hovering at 10%
 * does not flap. NaN (the default) means no hysteresis: the exit value is
 * the entry value.
 */
typedef struct obs_thresholds {
    double down_availability_pct; /**< Default 95. */
    double critical_error_rate;   /**< Default 0.10. */
    double critical_p99_ms;       /**< Default 1000. */
    double degraded_error_rate;   /**< Default 0.05. */
    double degraded_p99_ms;       /**< Default 500. */
    /** Stay DOWN while availability is below this (>= entry). */
    double down_exit_availability_pct;
    double critical_exit_error_rate; /**< Stay CRITICAL above (<= entry). */
    double critical_exit_p99_ms;     /**< Stay CRITICAL above (<= entry). */
    double degraded_exit_error_rate; /**< Stay DEGRADED above (<= entry). */
    double degraded_exit_p99_ms;     /**< Stay DEGRADED above (<= entry). */
} obs_thresholds_t;

/**
 * @brief Fill a threshold set with the defaults.
 * @param thresholds Where to write; must not be NULL.
 */
OBS_API void obs_thresholds_init(obs_thresholds_t *thresholds);

/**
 * @brief Set the platform-wide thresholds, used by every service that has
 *        none of its own.
 *
 * Latency thresholds are rounded to the nearest bucket edge of the
 * platform's precision (see obs_latency_edge()), so that the histogram
 * store and the exact store classify the same samples alike;
 * obs_platform_get_thresholds() returns the values in force.
 *
 * @param platform The platform.
 * @param thresholds The new set, copied.
 * @return OBS_OK; OBS_EINVAL for a NULL argument, a non-finite entry
 *         value, an error rate outside [0, 1], an availability outside
 *         [0, 100], a negative latency or one above obs_latency_max(), a
 *         degraded limit above its critical one, or an exit value (when
 *         not NaN) on the wrong side of its entry value.
 */
OBS_API obs_status_t obs_platform_set_thresholds(
    obs_platform_t *platform, const obs_thresholds_t *thresholds);

/**
 * @brief The platform-wide thresholds in force.
 * @param platform The platform.
 * @param[out] thresholds Where to write.
 * @return OBS_OK; OBS_EINVAL for a NULL argument.
 */
OBS_API obs_status_t obs_platform_get_thresholds(
    const obs_platform_t *platform, obs_thresholds_t *thresholds);

/**
 * @brief Give one service thresholds of its own, or NULL to follow the
 *        platform's again. Checked and rounded as for the platform.
 * @param service The service.
 * @param thresholds The new set, copied, or NULL.
 * @return OBS_OK; OBS_EINVAL for a NULL service or an invalid set.
 */
OBS_API obs_status_t obs_service_set_thresholds(
    obs_service_t *service, const obs_thresholds_t *thresholds);

/**
 * @brief The thresholds in force for a service.
 * @param service The service.
 * @param[out] thresholds Where to write.
 * @return OBS_OK; OBS_EINVAL for a NULL argument.
 */
OBS_API obs_status_t obs_service_get_thresholds(const obs_service_t *service,
                                                obs_thresholds_t *thresholds);

/** @} */

/* ------------------------------------------------------------------------ */
/** @name Alerts */
/** @{ */

/** Room for an alert message, terminating NUL included. */
#define OBS_ALERT_MESSAGE_MAX 384

/** Where an alert stands. */
typedef enum obs_alert_state {
    OBS_ALERT_INACTIVE = 0, /**< Nothing to say. */
    OBS_ALERT_PENDING,      /**< Condition seen, pending time not over. */
    OBS_ALERT_FIRING,       /**< Notified and still true (or held). */
    OBS_ALERT_RESOLVED      /**< Was firing, no longer is. */
} obs_alert_state_t;

/**
 * @brief The lower-case name of an alert state ("inactive", "pending",
 *        "firing", "resolved").
 * @param state An alert state.
 * @return A static string; "unknown" for a value outside the enum.
 */
OBS_API const char *obs_alert_state_name(obs_alert_state_t state);

/**
 * One alert event, or (from obs_platform_active_alerts()) one alert as it
 * stands. An alert's identity is its service and its rule: "health" for
 * the service's health, "slo:NAME" for the burn-rate alerts of an SLO.
 */
typedef struct obs_alert {
    /** The service's name, owned by the platform: valid until it is
     *  freed. */
    const char *service;
    /** The rule, owned by the platform: valid until it is freed. */
    const char *rule;
    obs_severity_t severity; /**< How loud. */
    obs_alert_state_t state; /**< Firing or resolved (events); pending too
                                  (active alerts). */
    obs_health_t from;       /**< Health before the change ("health"). */
    obs_health_t to;         /**< Health after the change ("health"). */
    uint64_t time_ns;        /**< Platform clock at the evaluation. */
    uint64_t started_ns;     /**< When the condition was first seen. */
    uint64_t ended_ns;       /**< When it resolved; 0 while active. */
    uint64_t sequence;       /**< 1 for the platform's first alert, ... */
    char message[OBS_ALERT_MESSAGE_MAX]; /**< Human-readable text. */
} obs_alert_t;

/**
 * When the "health" alert of a service fires and resolves. A change of
 * health must last pending_ns and pending_evaluations evaluations before it
 * is notified when it makes things worse, and hold_ns and hold_evaluations
 * when it makes them better (Prometheus' keep_firing_for): a short spike
 * raises nothing, and a firing alert does not resolve on one good
 * evaluation. All zero (the default) notifies every change at once.
 * Evaluation counts include the evaluation that first sees the change, so
 * 0 and 1 both mean "at once".
 */
typedef struct obs_alert_rules {
    uint64_t pending_ns;          /**< Default 0. */
    unsigned pending_evaluations; /**< Default 0. */
    uint64_t hold_ns;             /**< Default 0. */
    unsigned hold_evaluations;    /**< Default 0. */
} obs_alert_rules_t;

/**
 * @brief Fill alert rules with the defaults (notify every change at once).
 * @param rules Where to write; must not be NULL.
 */
OBS_API void obs_alert_rules_init(obs_alert_rules_t *rules);

/**
 * @brief Set the alert rules of every service that has none of its own.
 * @param platform The platform.
 * @param rules The rules, copied.
 * @return OBS_OK; OBS_EINVAL for a NULL argument.
 */
OBS_API obs_status_t obs_platform_set_alert_rules(
    obs_platform_t *platform, const obs_alert_rules_t *rules);

/**
 * @brief Give one service alert rules of its own, or NULL to follow the
 *        platform's again.
 * @param service The service.
 * @param rules The rules, copied, or NULL.
 * @return OBS_OK; OBS_EINVAL for a NULL service.
 */
OBS_API obs_status_t obs_service_set_alert_rules(
    obs_service_t *service, const obs_alert_rules_t *rules);

/**
 * A subscriber: called once for each alert event (firing or resolved).
 * @p alert is valid only during the call.
 */
typedef void (*obs_alert_fn)(const obs_alert_t *alert, void *user);

/**
 * @brief Have @p fn called with every alert event from now on.
 *
 * Subscribers run on the thread that calls obs_platform_evaluate(), after
 * the evaluation has released every lock of the platform, in the order
 * they subscribed. They may call any function of the library, this
 * platform's included (a nested evaluation delivers its own events before
 * returning), except obs_platform_free() on this platform. Events of two
 * evaluations running at once on different threads may interleave.
 *
 * @code
 * static void log_alert(const obs_alert_t *alert, void *user)
 * {
 *     fprintf(user, "%s %s %s\n", alert->service,
 *             obs_severity_name(alert->severity), alert->message);
 * }
 * ...
 * obs_platform_subscribe(platform, log_alert, stderr, NULL);
 * @endcode
 *
 * @param platform The platform.
 * @param fn The callback.
 * @param user Handed unchanged to @p fn.
 * @param[out] id An identifier for obs_platform_unsubscribe(); may be
 *        NULL.
 * @return OBS_OK; OBS_EINVAL for a NULL platform or callback; OBS_ENOMEM.
 */
OBS_API obs_status_t obs_platform_subscribe(obs_platform_t *platform,
                                            obs_alert_fn fn, void *user,
                                            unsigned *id);

/**
 * @brief Stop calling a subscriber. It may still be called by an
 *        evaluation that had already started.
 * @param platform The platform.
 * @param id As returned by obs_platform_subscribe().
 * @return OBS_OK; OBS_EINVAL for a NULL platform; OBS_ENOENT for an
 *         unknown id.
 */
OBS_API obs_status_t obs_platform_unsubscribe(obs_platform_t *platform,
                                              unsigned id);

/**
 * @brief Copy out the alerts that are pending or firing now, in service
 *        order.
 * @param platform The platform.
 * @param[out] alerts Room for @p max alerts; may be NULL when @p max is 0.
 * @param max How many to copy at most.
 * @return How many alerts are active (which may exceed @p max).
 */
OBS_API size_t obs_platform_active_alerts(obs_platform_t *platform,
                                          obs_alert_t *alerts, size_t max);

/**
 * @brief Compare every service's health with the previous evaluation and
 *        raise one alert per change; update SLOs and their burn-rate
 *        alerts.
 *
 * A change into DEGRADED raises a warning, into CRITICAL a critical alert,
 * into DOWN a page, and back to HEALTHY a resolved notice, each once the
 * alert rules' pending or hold time is over. A service that has not
 * changed raises nothing, so evaluating often does not repeat alerts.
 * Every service starts HEALTHY. Subscribers are called before this
 * returns.
 *
 * @param platform The platform.
 * @param[out] raised How many alerts this call raised; may be NULL.
 * @return OBS_OK; OBS_EINVAL for a NULL platform; OBS_ENOMEM (alerts raised
 *         before the failure are kept, the rest wait for the next call).
 */
OBS_API obs_status_t obs_platform_evaluate(obs_platform_t *platform,
                                           size_t *raised);

/**
 * @brief Alerts raised since the platform was created, dropped ones
 *        included.
 * @param platform The platform.
 * @return The count; 0 for NULL.
 */
OBS_API uint64_t obs_platform_alert_total(const obs_platform_t *platform);

/**
 * @brief Copy out the most recent alerts, oldest first.
 * @param platform The platform.
 * @param[out] alerts Room for @p max alerts; may be NULL when @p max is 0.
 * @param max How many to copy at most.
 * @return How many were copied (at most the history size).
 */
OBS_API size_t obs_platform_recent_alerts(const obs_platform_t *platform,
                                          obs_alert_t *alerts, size_t max);

/** @} */

/* ------------------------------------------------------------------------ */
/** @name Service level objectives */
/** @{ */

/** An SLO of a service, owned by the service's platform. */
typedef struct obs_slo obs_slo_t;

/** What an SLO counts as good. */
typedef enum obs_slo_kind {
    OBS_SLO_REQUESTS = 0,  /**< Requests that succeed. */
    OBS_SLO_HEALTH_CHECKS, /**< Health checks that pass. */
    OBS_SLO_LATENCY        /**< Requests at or below latency_ms. */
} obs_slo_kind_t;

/**
 * A multi-window burn-rate alert (Google SRE workbook): it fires when the
 * burn rate over both windows is above @c factor, and each window saw at
 * least the SLO's min_events events.
 */
typedef struct obs_burn_alert {
    uint64_t long_window_ns;  /**< E.g. 1 hour. */
    uint64_t short_window_ns; /**< E.g. 5 minutes. */
    double factor;            /**< E.g. 14.4. */
    obs_severity_t severity;  /**< OBS_SEVERITY_PAGE or _TICKET. */
} obs_burn_alert_t;

/** The most burn-rate alerts an SLO can have. */
#define OBS_SLO_MAX_BURN_ALERTS 4

/** How an SLO is defined. Fill with obs_slo_config_init(). */
typedef struct obs_slo_config {
    obs_slo_kind_t kind; /**< What counts as good. */
    /** Share of good events promised, in (0, 1), e.g. 0.999; taken to
     *  nine decimal places so that budgets are exact. */
    double objective;
    /** OBS_SLO_LATENCY: the bound, rounded to a bucket edge. */
    double latency_ms;
    /** The compliance period; default 30 days, at least 1 ms, at most
     *  90 days. */
    uint64_t period_ns;
    /** Fewer events than this in a window never fire its alert;
     *  default 100. */
    uint64_t min_events;
    size_t burn_alert_count; /**< How many of burn_alerts are used. */
    /** Default: page at 14.4 over 1 h and 5 min, page at 6 over 6 h and
     *  30 min, ticket at 1 over 3 days and 6 h. */
    obs_burn_alert_t burn_alerts[OBS_SLO_MAX_BURN_ALERTS];
} obs_slo_config_t;

/**
 * @brief Fill an SLO definition with the defaults.
 * @param config Where to write; must not be NULL.
 * @param kind What counts as good.
 * @param objective The promised share of good events, e.g. 0.999.
 */
OBS_API void obs_slo_config_init(obs_slo_config_t *config,
                                 obs_slo_kind_t kind, double objective);

/**
 * @brief Give a service an SLO.
 *
 * The SLO counts the service's events from the next evaluation on: each
 * evaluation (and each obs_slo_status() or obs_slo_burn_rate() call) adds
 * what the service recorded since the previous one to the SLO's time
 * series, so recording costs nothing more. Windows are kept in 60 slots
 * each, so a window's figures are as fine as one sixtieth of it or the
 * interval between evaluations, whichever is coarser.
 *
 * @code
 * obs_slo_config_t config;
 * obs_slo_t *slo;
 * obs_slo_config_init(&config, OBS_SLO_REQUESTS, 0.999);
 * obs_service_add_slo(payments, "availability", &config, &slo);
 * @endcode
 *
 * @param service The service.
 * @param name The SLO's name, copied; 1 to 64 bytes of letters, digits,
 *        '_', '-' and '.', unique within the service.
 * @param config The definition, copied.
 * @param[out] slo The SLO, valid until the platform is freed; may be NULL.
 * @return OBS_OK; OBS_EINVAL for a NULL argument, a bad name, an
 *         objective outside (0, 1), a latency bound that is not finite and
 *         positive, a period under 1 ms or above 90 days, or a burn alert
 *         with a window under 1 ms or longer than the period, a short
 *         window longer
 *         than its long one, a factor that is not positive, or a severity
 *         other than page or ticket; OBS_EEXIST for a taken name;
 *         OBS_ENOMEM.
 */
OBS_API obs_status_t obs_service_add_slo(obs_service_t *service,
                                         const char *name,
                                         const obs_slo_config_t *config,
                                         obs_slo_t **slo);

/**
 * @brief The number of SLOs of a service.
 * @param service The service.
 * @return The count; 0 for NULL.
 */
OBS_API size_t obs_service_slo_count(obs_service_t *service);

/**
 * @brief The SLO added in position @p index (0 is the first).
 * @param service The service.
 * @param index Position in the order they were added.
 * @return The SLO, or NULL past the end.
 */
OBS_API obs_slo_t *obs_service_slo_at(obs_service_t *service, size_t index);

/** Where an SLO stands over its compliance period. */
typedef struct obs_slo_status {
    const char *name;       /**< Owned by the platform. */
    obs_slo_kind_t kind;    /**< What counts as good. */
    double objective;       /**< As configured (nine decimals). */
    uint64_t good;          /**< Good events in the period. */
    uint64_t total;         /**< All events in the period. */
    double attained;        /**< good / total; 1 with no events. */
    /** Bad events the period allows: (1 - objective) * total. */
    double error_budget;
    /** Share of the budget left: 1 untouched, 0 spent, below 0
     *  overspent; 1 with no events. */
    double budget_remaining;
    /** The loudest burn-rate alert firing: OBS_SEVERITY_PAGE,
     *  OBS_SEVERITY_TICKET, or OBS_SEVERITY_RESOLVED for none. */
    obs_severity_t alert;
} obs_slo_status_t;

/**
 * @brief Where an SLO stands now.
 * @param slo The SLO.
 * @param[out] status Where to write.
 * @return OBS_OK; OBS_EINVAL for a NULL argument; OBS_ENOMEM, as
 *         obs_service_stats() (the SLO is then unchanged).
 */
OBS_API obs_status_t obs_slo_status(obs_slo_t *slo, obs_slo_status_t *status);

/**
 * @brief The burn rate over the last @p window_ns: the share of bad events
 *        divided by the share the objective allows (1 spends the budget
 *        exactly over the period). 0 with no events.
 * @param slo The SLO.
 * @param window_ns The window, up to the compliance period.
 * @param[out] rate Where to write.
 * @return OBS_OK; OBS_EINVAL for a NULL argument or a window of 0 or
 *         longer than the period; OBS_ENOMEM, as obs_service_stats().
 */
OBS_API obs_status_t obs_slo_burn_rate(obs_slo_t *slo, uint64_t window_ns,
                                       double *rate);

/** @} */

/* ------------------------------------------------------------------------ */
/** @name Reports */
/** @{ */

/** Report flag: add each alert's rule, state, times, sequence and
 *  transition. */
#define OBS_REPORT_ALERT_DETAILS 0x1u

/**
 * @brief Write the platform report as JSON into a caller's buffer.
 *
 * The report lists every service's figures and health, the overall health
 * (the worst service's), the alert count and the most recent 20 alerts, and
 * the count of services per health; when any SLO exists, an "slos" list
 * with each SLO's objective, attained value and error budget; once the
 * platform has had a fault rule, each service's "injected_faults" (errors,
 * delays, outage_checks, see obs_service_fault_counts()). The output
 * is always valid JSON, ASCII only (other characters are escaped), and its
 * numbers do not depend on the process locale.
 *
 * @param platform The platform.
 * @param flags 0 or OBS_REPORT_ALERT_DETAILS.
 * @param[out] buffer Where to write, NUL-terminated; may be NULL if
 *        @p size is 0.
 * @param size Bytes available at @p buffer.
 * @param[out] length The report's length without the NUL, also when it
 *        did not fit; may be NULL.
 * @return OBS_OK; OBS_EINVAL for a NULL platform or unknown flags;
 *         OBS_ENOSPC when the report did not fit (the buffer then holds as
 *         much as fitted); OBS_ENOMEM.
 */
OBS_API obs_status_t obs_platform_write_json(obs_platform_t *platform,
                                             unsigned flags, char *buffer,
                                             size_t size, size_t *length);

/**
 * @brief Write the platform report as JSON, followed by a newline, to a
 *        stream.
 * @param platform The platform.
 * @param flags As for obs_platform_write_json().
 * @param stream An open stream.
 * @return OBS_OK; OBS_EINVAL; OBS_ENOMEM; OBS_EIO if the stream failed.
 */
OBS_API obs_status_t obs_platform_print_json(obs_platform_t *platform,
                                             unsigned flags, FILE *stream);

/** @} */

/* ------------------------------------------------------------------------ */
/** @name Histograms */
/** @{ */

/** A latency histogram that the caller owns, e.g. to merge services. */
typedef struct obs_histogram obs_histogram_t;

/**
 * @brief Create an empty histogram.
 * @param precision_bits Buckets per power of two as a power of two, 1-12.
 * @param[out] histogram The histogram, to be freed with
 *        obs_histogram_free().
 * @return OBS_OK; OBS_EINVAL; OBS_ENOMEM.
 */
OBS_API obs_status_t obs_histogram_new(unsigned precision_bits,
                                       obs_histogram_t **histogram);

/**
 * @brief Free a histogram. NULL is a no-op.
 * @param histogram The histogram, or NULL.
 */
OBS_API void obs_histogram_free(obs_histogram_t *histogram);

/**
 * @brief Add one latency.
 * @param histogram The histogram.
 * @param latency_ms As for obs_record_request().
 * @return OBS_OK; OBS_EINVAL; OBS_ENOMEM (nothing is added).
 */
OBS_API obs_status_t obs_histogram_record(obs_histogram_t *histogram,
                                          double latency_ms);

/**
 * @brief Add every sample of @p source to @p target, exactly.
 * @param target The histogram that grows.
 * @param source The histogram to add; unchanged.
 * @return OBS_OK; OBS_EINVAL for NULL; OBS_EMISMATCH if the precisions
 *         differ (nothing is added); OBS_ENOMEM (nothing is added).
 */
OBS_API obs_status_t obs_histogram_merge(obs_histogram_t *target,
                                         const obs_histogram_t *source);

/**
 * @brief Add a service's latencies in a view to a histogram.
 * @param service The service.
 * @param view Which stretch of time.
 * @param target A histogram of the platform's precision.
 * @return OBS_OK; OBS_EINVAL; OBS_EMISMATCH; OBS_ENOWINDOW; OBS_ENOMEM.
 */
OBS_API obs_status_t obs_service_merge_latency(obs_service_t *service,
                                               obs_view_t view,
                                               obs_histogram_t *target);

/**
 * @brief Several percentiles in one pass, by nearest rank.
 * @param histogram The histogram.
 * @param percentiles @p count values in [0, 100], in any order.
 * @param count How many.
 * @param[out] latency_ms @p count results; 0 for an empty histogram.
 * @return OBS_OK; OBS_EINVAL for NULL or a percentile out of range.
 */
OBS_API obs_status_t obs_histogram_percentiles(
    const obs_histogram_t *histogram, const double *percentiles,
    size_t count, double *latency_ms);

/**
 * @brief The number of samples.
 * @param histogram The histogram.
 * @return The count; 0 for NULL.
 */
OBS_API uint64_t obs_histogram_count(const obs_histogram_t *histogram);

/**
 * @brief Bytes allocated for a histogram.
 * @param histogram The histogram.
 * @return The byte count; 0 for NULL.
 */
OBS_API size_t obs_histogram_memory(const obs_histogram_t *histogram);

/**
 * @brief The nearest bucket edge to a latency at a precision.
 *
 * Edges are the values whose binary significand has at most
 * @p precision_bits bits after the point: at the default precision every
 * whole millisecond up to 1024, every even one up to 2048, and so on.
 * A bucket holds the latencies above one edge up to and including the next.
 *
 * @param latency_ms A finite latency, 0 or more.
 * @param precision_bits 1 to 12.
 * @return The edge; @p latency_ms itself if either argument is invalid.
 */
OBS_API double obs_latency_edge(double latency_ms, unsigned precision_bits);

/**
 * @brief The largest latency a histogram tells apart; larger ones are
 *        counted as this value and in obs_service_stats_t::latency_clamped.
 * @return 2^32 ms (about 49.7 days).
 */
OBS_API double obs_latency_max(void);

/** @} */

/* ------------------------------------------------------------------------ */
/** @name Timers */
/** @{ */

/**
 * A running timer. The fields are visible only so that a timer can live on
 * the caller's stack: treat them as private and use the functions.
 */
typedef struct obs_timer {
    /** Private: the service to record on; NULL once stopped. */
    obs_service_t *service;
    /** Private: CLOCK_MONOTONIC at the start, in nanoseconds. */
    uint64_t start_ns;
} obs_timer_t;

/**
 * @brief Start timing one request of a service.
 *
 * Timers read CLOCK_MONOTONIC, never the platform's clock
 * (obs_config_t::clock): an injected clock stands for simulated or
 * replayed time, while a timer measures time really spent. A timer belongs
 * to one request; it may be stopped on another thread than the one that
 * started it.
 *
 * @code
 * obs_timer_t timer;
 * obs_timer_start(payments, &timer);
 * bool ok = charge(card, amount) == 0;
 * obs_timer_stop(&timer, ok, NULL);
 * @endcode
 *
 * @param service The service the request belongs to.
 * @param[out] timer The timer to start, usually on the caller's stack;
 *        left untouched on failure.
 * @return OBS_OK; OBS_EINVAL for a NULL argument.
 */
OBS_API obs_status_t obs_timer_start(obs_service_t *service,
                                     obs_timer_t *timer);

/**
 * @brief Stop a timer and record the time since its start as one request,
 *        as obs_record_request() does.
 *
 * A stopped timer is spent: stopping it again records nothing and returns
 * OBS_EINVAL, until obs_timer_start() starts it anew.
 *
 * @param timer A timer started with obs_timer_start().
 * @param success Whether the request succeeded.
 * @param[out] elapsed_ms The time since the start in milliseconds; may be
 *        NULL. Written also when recording failed with OBS_ENOMEM.
 * @return OBS_OK; OBS_EINVAL for a NULL timer or one that is not running
 *         (nothing is recorded or written); OBS_ENOMEM (nothing is
 *         recorded, the timer is spent).
 */
OBS_API obs_status_t obs_timer_stop(obs_timer_t *timer, bool success,
                                    double *elapsed_ms);

/**
 * @brief Time a block as one request of @p service.
 *
 * The block runs once. When it ends, @p ok_expr is evaluated and the
 * elapsed time is recorded with that outcome, as obs_timer_stop() does.
 * @c break and @c continue leave the block and still record; @c return,
 * @c goto or @c longjmp out of the block skip the recording. A NULL
 * service runs the block and records nothing. Blocks may nest.
 *
 * @code
 * bool ok = false;
 * OBS_TIMED(payments, ok) {
 *     if (card_blocked(card))
 *         break;                      // recorded as a failure
 *     ok = charge(card, amount) == 0;
 * }
 * @endcode
 *
 * @param service The service, evaluated once before the block.
 * @param ok_expr The outcome, evaluated once after the block.
 */
#define OBS_TIMED(service, ok_expr)                                         \
    for (obs_timer_t obs_timed_timer_ = {NULL, 0},                          \
                     *obs_timed_once_ =                                     \
                         ((void)obs_timer_start((service),                  \
                                                &obs_timed_timer_),         \
                          &obs_timed_timer_);                               \
         obs_timed_once_ != NULL;                                           \
         (void)obs_timer_stop(&obs_timed_timer_, (ok_expr), NULL),          \
                     obs_timed_once_ = NULL)                                \
        for (int obs_timed_body_ = 1; obs_timed_body_; obs_timed_body_ = 0)

/** @} */

/* ------------------------------------------------------------------------ */
/** @name Fault injection */
/** @{ */

/** How an injected delay is drawn. */
typedef enum obs_fault_delay {
    OBS_DELAY_FIXED = 0,  /**< Exactly delay_ms. */
    OBS_DELAY_UNIFORM,    /**< Uniform between 0 and 2 * delay_ms. */
    OBS_DELAY_EXPONENTIAL /**< Exponential with mean delay_ms. */
} obs_fault_delay_t;

/**
 * One fault rule of a service: what the injector tells the application to
 * do to that service's requests and health checks, and when. Fill with
 * obs_fault_rule_init(), then set what the drill needs.
 *
 * Times are on the platform's clock: the injected clock's own readings
 * (obs_config_t::clock), or nanoseconds since the platform was created
 * with the default clock. A rule is active from @c from_ns included to
 * @c to_ns excluded.
 */
typedef struct obs_fault_rule {
    /** Share of requests to fail, 0 to 1. Default 0. */
    double error_share;
    /** The delay to add, in milliseconds, 0 to obs_latency_max().
     *  Default 0. */
    double delay_ms;
    /** How the delay is drawn. Default OBS_DELAY_FIXED. */
    obs_fault_delay_t delay_kind;
    /** Share of requests to delay, 0 to 1. Default 1. */
    double delay_share;
    /** Fail every health check (an outage). Default false. */
    bool health_check_outage;
    /** Start of the active interval. Default 0. */
    uint64_t from_ns;
    /** End of the active interval, after @c from_ns; 0 (default) for no
     *  end. */
    uint64_t to_ns;
} obs_fault_rule_t;

/**
 * @brief Fill a fault rule with the defaults: active always, injecting
 *        nothing yet.
 * @param rule Where to write; must not be NULL.
 */
OBS_API void obs_fault_rule_init(obs_fault_rule_t *rule);

/**
 * @brief Give a service a fault rule.
 *
 * The injector never touches a request by itself: the application
 * consults it on its own request path with obs_fault_check() and
 * obs_fault_check_health(), and acts on the answer. Every injected fault
 * is counted (obs_service_fault_counts()) and, once a platform has had a
 * rule, the JSON report shows each service's counts under
 * "injected_faults", so that a drill is not mistaken for an outage.
 *
 * @code
 * obs_fault_rule_t rule;
 * unsigned id;
 * obs_fault_rule_init(&rule);
 * rule.error_share = 0.5;               // fail half of the requests
 * rule.from_ns = 60 * 1000000000ull;    // from 60 s
 * rule.to_ns = 180 * 1000000000ull;     // to 180 s
 * obs_service_add_fault(payments, &rule, &id);
 * ...
 * obs_service_remove_fault(payments, id);
 * @endcode
 *
 * @param service The service.
 * @param rule The rule, copied.
 * @param[out] id An identifier for obs_service_remove_fault(), unique in
 *        the platform; may be NULL.
 * @return OBS_OK; OBS_EINVAL for a NULL service or rule, a share outside
 *         [0, 1] or NaN, a delay that is negative, not finite or above
 *         obs_latency_max(), an unknown delay kind, a @c to_ns not after
 *         @c from_ns, or a rule that injects nothing (no error share, no
 *         delay with a share, no outage); OBS_ENOMEM. Nothing changes on
 *         failure.
 */
OBS_API obs_status_t obs_service_add_fault(obs_service_t *service,
                                           const obs_fault_rule_t *rule,
                                           unsigned *id);

/**
 * @brief Take a fault rule away from a service. Counts stay.
 * @param service The service the rule was given to.
 * @param id As returned by obs_service_add_fault().
 * @return OBS_OK; OBS_EINVAL for a NULL service; OBS_ENOENT when the
 *         service has no rule with that id.
 */
OBS_API obs_status_t obs_service_remove_fault(obs_service_t *service,
                                              unsigned id);

/**
 * @brief Restart the injector's random generator from a seed.
 *
 * Which requests fail or wait is drawn from one generator per platform
 * (xoshiro256**), seeded with 0 until this is called: a single-threaded
 * program that makes the same calls with the same seed gets the same
 * faults. With several threads the shares hold, the order does not.
 *
 * @param platform The platform.
 * @param seed Any value.
 * @return OBS_OK; OBS_EINVAL for a NULL platform; OBS_ENOMEM.
 */
OBS_API obs_status_t obs_platform_set_fault_seed(obs_platform_t *platform,
                                                 uint64_t seed);

/**
 * @brief The kill switch: turn every fault rule of the platform off, or on
 *        again.
 *
 * While off, every check answers "no fault" at the cost of the fast path
 * and counts nothing; rules can still be added and removed. A check that
 * started before the switch may still inject its fault. On by default.
 *
 * @param platform The platform.
 * @param enabled false to stop all injection at once, true to resume it.
 * @return OBS_OK; OBS_EINVAL for a NULL platform; OBS_ENOMEM.
 */
OBS_API obs_status_t obs_platform_set_faults_enabled(obs_platform_t *platform,
                                                     bool enabled);

/**
 * @brief Cap the number of injected request faults in progress at once.
 *
 * A request fault (a failure or a delay) is in progress from the
 * obs_fault_check() that injects it to the matching obs_fault_done(). When
 * the cap is reached, further checks answer "no fault" and count nothing.
 * Health check outages are not capped.
 *
 * @param platform The platform.
 * @param max_concurrent The cap; 0 (default) for none.
 * @return OBS_OK; OBS_EINVAL for a NULL platform; OBS_ENOMEM.
 */
OBS_API obs_status_t obs_platform_set_fault_limit(obs_platform_t *platform,
                                                  unsigned max_concurrent);

/** The injector's answer for one request. */
typedef struct obs_fault {
    /** Fail this request. */
    bool fail;
    /** Wait this long before serving it, in milliseconds; 0 for none. */
    double delay_ms;
    /** A fault was injected and counted: hand the decision to
     *  obs_fault_done() when the request is over. */
    bool counted;
} obs_fault_t;

/**
 * @brief Ask the injector what to do to one request of a service.
 *
 * With no rule on the platform, or the kill switch off, this costs one
 * relaxed atomic load and answers "no fault". Otherwise it reads the
 * platform's clock, and each rule of the service active at that time
 * draws, in the order the rules were added: the request fails with
 * probability error_share, and waits with probability delay_share for a
 * delay drawn as delay_kind says (the delays of several rules add up).
 *
 * @code
 * obs_fault_t fault;
 * obs_timer_t timer;
 * obs_timer_start(payments, &timer);
 * obs_fault_check(payments, &fault);
 * if (fault.delay_ms > 0)
 *     sleep_ms(fault.delay_ms);
 * bool ok = !fault.fail && charge(card, amount) == 0;
 * obs_timer_stop(&timer, ok, NULL);
 * obs_fault_done(payments, &fault);
 * @endcode
 *
 * @param service The service.
 * @param[out] decision The answer; "no fault" unless a rule says
 *        otherwise.
 * @return OBS_OK; OBS_EINVAL for a NULL argument (nothing is written).
 */
OBS_API obs_status_t obs_fault_check(obs_service_t *service,
                                     obs_fault_t *decision);

/**
 * @brief Say that the request of a decision is over, freeing its place
 *        under the cap of obs_platform_set_fault_limit().
 * @param service The service the decision was made for.
 * @param decision As filled by obs_fault_check(); a decision whose
 *        @c counted is false is accepted and changes nothing.
 * @return OBS_OK; OBS_EINVAL for a NULL argument, or a counted decision
 *         when no fault is in progress (a second call for the same
 *         decision).
 */
OBS_API obs_status_t obs_fault_done(obs_service_t *service,
                                    const obs_fault_t *decision);

/**
 * @brief Ask the injector whether one health check of a service must fail.
 *
 * True while a rule of the service with health_check_outage is active;
 * each such answer is counted. Same fast path as obs_fault_check().
 *
 * @code
 * bool outage;
 * obs_fault_check_health(payments, &outage);
 * obs_record_health_check(payments, !outage && ping_database());
 * @endcode
 *
 * @param service The service.
 * @param[out] fail Where to write the answer.
 * @return OBS_OK; OBS_EINVAL for a NULL argument (nothing is written).
 */
OBS_API obs_status_t obs_fault_check_health(obs_service_t *service,
                                            bool *fail);

/** What the injector has injected into one service. */
typedef struct obs_fault_counts {
    uint64_t injected_errors;        /**< Requests told to fail. */
    uint64_t injected_delays;        /**< Requests told to wait. */
    uint64_t injected_outage_checks; /**< Health checks told to fail. */
} obs_fault_counts_t;

/**
 * @brief Read what the injector has injected into a service so far.
 * @param service The service.
 * @param[out] counts Where to write.
 * @return OBS_OK; OBS_EINVAL for a NULL argument.
 */
OBS_API obs_status_t obs_service_fault_counts(obs_service_t *service,
                                              obs_fault_counts_t *counts);

/** @} */

/* ------------------------------------------------------------------------ */
/** @name Prometheus exposition */
/** @{ */

/** The most latency bucket bounds obs_platform_set_latency_buckets()
 *  takes. */
#define OBS_LATENCY_BUCKETS_MAX 64

/** Which text format obs_platform_write_prometheus() writes. */
typedef enum obs_exposition {
    /** Prometheus text format 0.0.4; serve it as
     *  "text/plain; version=0.0.4; charset=utf-8". */
    OBS_EXPOSITION_PROMETHEUS = 0,
    /** OpenMetrics 1.0.0; serve it as "application/openmetrics-text;
     *  version=1.0.0; charset=utf-8". */
    OBS_EXPOSITION_OPENMETRICS
} obs_exposition_t;

/**
 * @brief Choose the bounds of the latency histogram in the Prometheus
 *        exposition.
 *
 * Each bound is rounded to the nearest bucket edge of the platform's
 * precision (obs_latency_edge()). A bucket of the latency store then never
 * straddles a bound, so the count of requests at or below each bound is
 * exact, whichever the store: a request of exactly 5 ms counts in the
 * 5 ms bucket (le="0.005"), one of 5.001 ms in the next. The defaults are
 * 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000 and 10000 ms, all edges
 * at the default precision of 9 bits and above.
 *
 * Processes with the same bounds and precision expose the same le labels,
 * so that histogram_quantile() over the sum of their buckets is correct
 * for the whole fleet. Set the bounds once, before the first scrape:
 * changing them changes the series Prometheus stores.
 *
 * @param platform The platform.
 * @param bounds_ms @p count upper bounds in milliseconds, strictly
 *        ascending, finite and above 0; copied. May be NULL when @p count
 *        is 0.
 * @param count How many bounds, at most OBS_LATENCY_BUCKETS_MAX; 0 brings
 *        back the defaults. The +Inf bucket is always added.
 * @return OBS_OK; OBS_EINVAL for a NULL platform, NULL bounds with a
 *         @p count above 0, more than OBS_LATENCY_BUCKETS_MAX bounds, a
 *         bound that is not finite or not above 0, bounds not strictly
 *         ascending, or two bounds that round to the same edge (the
 *         bounds in force are then unchanged).
 */
OBS_API obs_status_t obs_platform_set_latency_buckets(
    obs_platform_t *platform, const double *bounds_ms, size_t count);

/**
 * @brief Write every service's figures as a Prometheus exposition into a
 *        caller's buffer.
 *
 * One family after another, each with exactly one HELP and one TYPE line
 * and all its samples together; every sample carries the label
 * service="NAME":
 * - obs_requests_total{outcome="success"|"error"}, counter;
 * - obs_health_checks_total{result="passed"|"failed"}, counter;
 * - obs_request_duration_seconds, histogram of the request latencies in
 *   seconds: cumulative _bucket samples for each bound of
 *   obs_platform_set_latency_buckets() and le="+Inf", then _sum and
 *   _count;
 * - obs_service_health{state="healthy"|"degraded"|"critical"|"down"},
 *   gauge: 1 for the service's current health, 0 for the other states;
 * - obs_alerts_firing{severity="warning"|"critical"|"page"}, gauge: 1 for
 *   the severity of the service's health at the last
 *   obs_platform_evaluate() when that health was not healthy, else 0.
 *
 * Counters and the histogram always cover the service's whole lifetime,
 * never the window, so that they never go down; Prometheus computes rates
 * itself. Each service's counters and histogram come from one consistent
 * snapshot: its le="+Inf" bucket and _count equal the sum of its two
 * obs_requests_total samples, and writing while other threads record is
 * safe. Service names appear only as label values, with backslash, double
 * quote and newline escaped; numbers never depend on the process locale.
 * Without services the exposition is empty (OpenMetrics: "# EOF" alone).
 *
 * The OpenMetrics variant names counter families without their _total
 * suffix (as that format requires), adds a UNIT line to the histogram,
 * writes whole numbers with ".0" (le="1.0" where Prometheus text has
 * le="1") and ends with "# EOF".
 *
 * A whole fleet's p99 per service, from processes with the same bounds:
 * @code
 * histogram_quantile(0.99, sum by (service, le)
 *     (rate(obs_request_duration_seconds_bucket[5m])))
 * @endcode
 *
 * @param platform The platform.
 * @param format OBS_EXPOSITION_PROMETHEUS or OBS_EXPOSITION_OPENMETRICS.
 * @param[out] buffer Where to write, NUL-terminated; may be NULL if
 *        @p size is 0.
 * @param size Bytes available at @p buffer.
 * @param[out] length The exposition's length without the NUL, also when
 *        it did not fit; may be NULL.
 * @return OBS_OK; OBS_EINVAL for a NULL platform, an unknown format, or a
 *         NULL buffer with a @p size above 0; OBS_ENOSPC when the
 *         exposition did not fit (the buffer then holds as much as fitted,
 *         NUL-terminated, and @p length the full length); OBS_ENOMEM.
 */
OBS_API obs_status_t obs_platform_write_prometheus(obs_platform_t *platform,
                                                   obs_exposition_t format,
                                                   char *buffer, size_t size,
                                                   size_t *length);

/**
 * @brief Write every service's figures as a Prometheus exposition to a
 *        stream.
 *
 * The same text as obs_platform_write_prometheus(), built in memory first
 * and then written with one fwrite(). Safe from any thread, as that
 * function; the stream is the caller's to lock.
 *
 * @param platform The platform.
 * @param format OBS_EXPOSITION_PROMETHEUS or OBS_EXPOSITION_OPENMETRICS.
 * @param stream An open stream.
 * @return OBS_OK; OBS_EINVAL for a NULL platform or stream or an unknown
 *         format; OBS_ENOMEM; OBS_EIO if the stream failed.
 */
OBS_API obs_status_t obs_platform_print_prometheus(obs_platform_t *platform,
                                                   obs_exposition_t format,
                                                   FILE *stream);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* OBSPLATFORM_H */
