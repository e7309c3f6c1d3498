/*
 * faults.h - the fault injector: per-service rules that the application
 * consults on its request path (obs_fault_check()), a seedable generator,
 * a cap on faults in progress and a kill switch.
 *
 * The request path reads only obs_core::fault_armed (non-zero while some
 * rule exists and the kill switch is on) and, when that is set, the
 * service's own rule count; everything else lives in a state created on
 * first use. Nothing below the registry and the writers depends on this
 * header.
 */
#ifndef OBS_FAULTS_H
#define OBS_FAULTS_H

#include <stdbool.h>

#include "core.h"
#include "service.h"

/* Whether the platform ever had a fault rule: the report then shows every
 * service's injected faults, and otherwise keeps the reference layout. */
bool obs_faults_ever(struct obs_core *core);

/* Free the injector's state; the platform is being freed. */
void obs_faults_destroy(struct obs_core *core);

#endif /* OBS_FAULTS_H */
