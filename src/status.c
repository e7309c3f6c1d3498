/*
 * status.c - names for status codes, health states and severities, and the
 * version of the library actually linked.
 */
#include "obsplatform.h"

const char *obs_strerror(obs_status_t status)
{
    switch (status) {
    case OBS_OK:
        return "success";
    case OBS_EINVAL:
        return "invalid argument";
    case OBS_ENOMEM:
        return "out of memory";
    case OBS_EEXIST:
        return "already exists";
    case OBS_ENOENT:
        return "not found";
    case OBS_ENOSPC:
        return "buffer too small";
    case OBS_EMISMATCH:
        return "histogram precisions differ";
    case OBS_EIO:
        return "write to stream failed";
    case OBS_ENOWINDOW:
        return "no time window configured";
    }
    return "unknown status";
}

const char *obs_version(void)
{
    return OBS_VERSION_STRING;
}

unsigned obs_version_number(void)
{
    return OBS_VERSION_NUMBER;
}

const char *obs_health_name(obs_health_t health)
{
    switch (health) {
    case OBS_HEALTHY:
        return "healthy";
    case OBS_DEGRADED:
        return "degraded";
    case OBS_CRITICAL:
        return "critical";
    case OBS_DOWN:
        return "down";
    }
    return "unknown";
}

const char *obs_severity_name(obs_severity_t severity)
{
    switch (severity) {
    case OBS_SEVERITY_RESOLVED:
        return "resolved";
    case OBS_SEVERITY_WARNING:
        return "warning";
    case OBS_SEVERITY_CRITICAL:
        return "critical";
    case OBS_SEVERITY_PAGE:
        return "page";
    case OBS_SEVERITY_TICKET:
        return "ticket";
    }
    return "unknown";
}

const char *obs_alert_state_name(obs_alert_state_t state)
{
    switch (state) {
    case OBS_ALERT_INACTIVE:
        return "inactive";
    case OBS_ALERT_PENDING:
        return "pending";
    case OBS_ALERT_FIRING:
        return "firing";
    case OBS_ALERT_RESOLVED:
        return "resolved";
    }
    return "unknown";
}
