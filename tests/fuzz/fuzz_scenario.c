/*
 * fuzz_scenario.c - obs-sim's scenario loader on arbitrary bytes.
 *
 * A refused file leaves the result untouched and says where and why in
 * one line ("fuzz.json:LINE: reason"). A loaded one has every value in its
 * documented range, names each fault's service among its services, and
 * frees cleanly.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "scenario.h"

static void check_loaded(const struct sim_scenario *s)
{
    FUZZ_CHECK(s->duration_ns > 0 &&
               s->duration_ns <= SIM_MAX_DURATION_S * UINT64_C(1000000000));
    FUZZ_CHECK(s->duration_ns % UINT64_C(1000000000) == 0);
    FUZZ_CHECK(s->rate >= 1 && s->rate <= SIM_MAX_RATE);
    FUZZ_CHECK(s->window_ns >= UINT64_C(1000000000) &&
               s->window_ns <= SIM_MAX_WINDOW_NS);
    FUZZ_CHECK(s->pending_ns <= SIM_MAX_HOLD_NS);
    FUZZ_CHECK(s->hold_ns <= SIM_MAX_HOLD_NS);
    FUZZ_CHECK(s->service_count <= SIM_MAX_SERVICES);
    FUZZ_CHECK((s->services == NULL) == (s->service_count == 0));
    FUZZ_CHECK(s->fault_count <= SIM_MAX_FAULTS);
    if (s->description != NULL)
        fuzz_touch(s->description, strlen(s->description));
    for (size_t i = 0; i < s->service_count; i++) {
        const struct sim_profile *p = &s->services[i];

        FUZZ_CHECK(memchr(p->name, '\0', sizeof p->name) != NULL);
        FUZZ_CHECK(p->latency_ms > 0.0 && isfinite(p->latency_ms));
        FUZZ_CHECK(p->error_prob >= 0.0 && p->error_prob <= 1.0);
        FUZZ_CHECK(p->down_prob >= 0.0 && p->down_prob <= 1.0);
        FUZZ_CHECK(sim_scenario_find(s, p->name) != NULL);
    }
    for (size_t i = 0; i < s->fault_count; i++) {
        const struct sim_fault *f = &s->faults[i];

        FUZZ_CHECK(memchr(f->service, '\0', sizeof f->service) != NULL);
        FUZZ_CHECK(sim_scenario_find(s, f->service) != NULL);
        FUZZ_CHECK(f->rule.error_share >= 0.0 && f->rule.error_share <= 1.0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sim_scenario scenario;
    struct sim_scenario untouched;
    char error[256];
    /* A copy of exactly `size` bytes: the loader must not need a NUL. */
    char *text = malloc(size ? size : 1);

    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    memset(&scenario, 0xa5, sizeof scenario);
    untouched = scenario;
    if (sim_load_scenario_text(text, size, "fuzz.json", &scenario, error,
                               sizeof error) == 0) {
        check_loaded(&scenario);
        sim_scenario_free(&scenario);
        FUZZ_CHECK(scenario.description == NULL &&
                   scenario.services == NULL && scenario.faults == NULL &&
                   scenario.service_count == 0 &&
                   scenario.fault_count == 0);
    } else {
        FUZZ_CHECK(memcmp(&scenario, &untouched, sizeof scenario) == 0);
        FUZZ_CHECK(memchr(error, '\0', sizeof error) != NULL);
        FUZZ_CHECK(strncmp(error, "fuzz.json:", 10) == 0);
        FUZZ_CHECK(strchr(error, '\n') == NULL);
    }
    sim_scenario_free(NULL);
    free(text);
    return 0;
}
