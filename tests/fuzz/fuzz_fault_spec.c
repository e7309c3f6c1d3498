/*
 * fuzz_fault_spec.c - obs-sim's fault specs ("SERVICE:KEY=VALUE,...") and
 * the durations and shares they are written with, on arbitrary text.
 *
 * A refused spec leaves the result untouched and says why in one
 * terminated line. An accepted one must be a rule the library takes:
 * given to a service of that name, obs_service_add_fault() returns OBS_OK.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "fault_spec.h"
#include "fuzz_common.h"

static void check_accepted(const struct sim_fault *fault)
{
    obs_platform_t *platform = NULL;
    obs_service_t *service = NULL;
    const obs_fault_rule_t *rule = &fault->rule;
    obs_status_t status;

    FUZZ_CHECK(memchr(fault->service, '\0', sizeof fault->service) != NULL);
    FUZZ_CHECK(fault->service[0] != '\0');
    FUZZ_CHECK(rule->error_share >= 0.0 && rule->error_share <= 1.0);
    FUZZ_CHECK(rule->delay_share >= 0.0 && rule->delay_share <= 1.0);
    FUZZ_CHECK(rule->delay_ms >= 0.0 && isfinite(rule->delay_ms));
    FUZZ_CHECK(rule->to_ns == 0 || rule->to_ns > rule->from_ns);

    FUZZ_CHECK(obs_platform_new(NULL, &platform) == OBS_OK);
    status = obs_platform_register(platform, fault->service, &service);
    /* Names that are not UTF-8 are the library's to refuse. */
    FUZZ_CHECK(status == OBS_OK || status == OBS_EINVAL);
    if (status == OBS_OK)
        FUZZ_CHECK(obs_service_add_fault(service, rule, NULL) == OBS_OK);
    obs_platform_free(platform);
}

static void check_refused(const struct sim_fault *before,
                          const struct sim_fault *after, const char *error,
                          size_t size)
{
    FUZZ_CHECK(memcmp(before, after, sizeof *before) == 0);
    FUZZ_CHECK(memchr(error, '\0', size) != NULL);
    FUZZ_CHECK(error[0] != '\0');
    FUZZ_CHECK(strchr(error, '\n') == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    struct sim_fault fault;
    struct sim_fault untouched;
    char error[160];
    char quoted[48];
    uint64_t ns = 7;
    double share = 7.0;

    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    memset(&fault, 0xa5, sizeof fault);
    untouched = fault;
    if (sim_parse_fault_spec(text, &fault, error, sizeof error) == 0)
        check_accepted(&fault);
    else
        check_refused(&untouched, &fault, error, sizeof error);
    /* No room for a reason: still no crash, no write. */
    (void)sim_parse_fault_spec(text, &fault, NULL, 0);
    (void)sim_parse_fault_spec(text, &fault, error, 1);

    /* The number parsers read exactly the bytes they are given: no NUL
     * needed (the copy below has none), AddressSanitizer watches. */
    {
        char *exact = malloc(size ? size : 1);

        if (exact != NULL) {
            memcpy(exact, data, size);
            if (sim_parse_duration(exact, size, &ns) == 0)
                FUZZ_CHECK(ns <= SIM_DURATION_MAX_NS);
            if (sim_parse_share(exact, size, &share) == 0)
                FUZZ_CHECK(share >= 0.0 && share <= 1.0);
            sim_quote(exact, size, quoted, sizeof quoted);
            FUZZ_CHECK(strlen(quoted) < sizeof quoted);
            for (size_t i = 0; quoted[i] != '\0'; i++)
                FUZZ_CHECK(quoted[i] >= 0x20 && quoted[i] < 0x7f);
            free(exact);
        }
    }
    free(text);
    return 0;
}
