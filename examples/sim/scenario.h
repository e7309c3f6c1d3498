/*
 * scenario.h - obs-sim's scenario files: the services of a simulated
 * timeline, their traffic profiles, the faults to inject and the settings
 * of the run, in JSON.
 *
 *   {
 *     "description": "why this timeline",
 *     "duration": "300s", "rate": 50, "seed": 42,
 *     "window": "60s", "pending": "0s", "hold": "0s",
 *     "services": [{"name": "payment-service", "latency_ms": 200,
 *                   "error_prob": 0.08, "down_prob": 0.01}],
 *     "faults": ["payment-service:error=0.5,from=60s,to=180s"]
 *   }
 *
 * Only "duration" is required. Private to the obs-sim example; the loader
 * takes any bytes, never crashes or prints, and refuses a bad file with
 * "FILE:LINE: reason".
 */
#ifndef OBS_SIM_SCENARIO_H
#define OBS_SIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fault_spec.h"

#define SIM_DEFAULT_RATE 10
#define SIM_MAX_RATE 10000
#define SIM_DEFAULT_SEED 42
#define SIM_DEFAULT_WINDOW_NS (UINT64_C(60) * 1000000000)
#define SIM_MAX_DURATION_S 86400
#define SIM_MAX_WINDOW_NS (UINT64_C(3600) * 1000000000)
#define SIM_MAX_HOLD_NS (UINT64_C(3600) * 1000000000)
#define SIM_MAX_SERVICES 64
#define SIM_MAX_FAULTS 64

/* How one service's requests and health checks are drawn: latency from
 * gauss(latency_ms, 0.3 * latency_ms), at least 1 ms; a request fails with
 * probability error_prob, a health check with down_prob. */
struct sim_profile {
    char name[OBS_SERVICE_NAME_MAX + 1];
    double latency_ms;
    double error_prob;
    double down_prob;
};

/* The reference program's five services, in its order. */
extern const struct sim_profile sim_reference_profiles[];
extern const size_t sim_reference_profile_count;

struct sim_scenario {
    char *description;   /* NULL when the file has none */
    uint64_t duration_ns; /* whole seconds */
    unsigned rate;        /* requests per second per service */
    uint64_t seed;
    uint64_t window_ns;   /* the health window */
    uint64_t pending_ns;  /* alert rules */
    uint64_t hold_ns;
    struct sim_profile *services; /* NULL: the reference's profiles */
    size_t service_count;
    struct sim_fault *faults;
    size_t fault_count;
};

/*
 * Load a scenario from `length` bytes of JSON (no NUL needed). Values the
 * file leaves out get the defaults above. `filename` names the file in
 * messages. Returns 0 and fills *out (free with sim_scenario_free()), or
 * -1 with "FILE:LINE: reason" in `error` and *out untouched.
 */
int sim_load_scenario_text(const char *text, size_t length,
                           const char *filename, struct sim_scenario *out,
                           char *error, size_t error_size);

/* Free what a loaded scenario holds and zero it; a zeroed scenario is
 * fine. NULL is a no-op. */
void sim_scenario_free(struct sim_scenario *scenario);

/* The profile named `name` among the scenario's services (or the
 * reference's when it lists none); NULL if there is none. */
const struct sim_profile *sim_scenario_find(const struct sim_scenario *s,
                                            const char *name);

#endif /* OBS_SIM_SCENARIO_H */
