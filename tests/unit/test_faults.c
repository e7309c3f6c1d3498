/*
 * test_faults.c - the fault injector: shares on a seeded run, intervals on
 * an injected clock, the kill switch, the cap, removal, refused rules, the
 * report's counts, and checks from several threads.
 */
#include <math.h>
#include <pthread.h>

#include "test_util.h"

#define SECOND UINT64_C(1000000000)

struct fixture {
    struct test_clock clock;
    obs_platform_t *platform;
    obs_service_t *payments;
    obs_service_t *search;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    obs_config_t config;

    if (f == NULL)
        return -1;
    obs_config_init(&config);
    config.clock = test_clock_read;
    config.clock_user = &f->clock;
    if (obs_platform_new(&config, &f->platform) != OBS_OK ||
        obs_platform_register(f->platform, "payments", &f->payments) !=
            OBS_OK ||
        obs_platform_register(f->platform, "search", &f->search) != OBS_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    obs_platform_free(f->platform);
    free(f);
    return 0;
}

static unsigned add(obs_service_t *service, const obs_fault_rule_t *rule)
{
    unsigned id = 0;

    assert_ok(obs_service_add_fault(service, rule, &id));
    assert_int_not_equal(id, 0);
    return id;
}

static obs_fault_t check(obs_service_t *service)
{
    obs_fault_t fault = {true, -1.0, true};

    assert_ok(obs_fault_check(service, &fault));
    return fault;
}

static bool health_fails(obs_service_t *service)
{
    bool fail = true;

    assert_ok(obs_fault_check_health(service, &fail));
    return fail;
}

static obs_fault_counts_t counts_of(obs_service_t *service)
{
    obs_fault_counts_t counts;

    assert_ok(obs_service_fault_counts(service, &counts));
    return counts;
}

/* Count failures and delays over n checks, releasing every decision. */
static void run_checks(obs_service_t *service, int n, int *failed,
                       int *delayed, double *delay_sum)
{
    *failed = *delayed = 0;
    *delay_sum = 0.0;
    for (int i = 0; i < n; i++) {
        obs_fault_t fault = check(service);

        *failed += fault.fail;
        *delayed += fault.delay_ms > 0.0;
        *delay_sum += fault.delay_ms;
        assert_int_equal(fault.counted, fault.fail || fault.delay_ms > 0.0);
        assert_ok(obs_fault_done(service, &fault));
    }
}

static bool report_has_faults(obs_platform_t *platform)
{
    static char report[8192];

    assert_ok(obs_platform_write_json(platform, 0, report, sizeof report,
                                      NULL));
    return strstr(report, "\"injected_faults\"") != NULL;
}

static void test_faults_fast_path_without_rules(void **state)
{
    struct fixture *f = *state;
    obs_fault_t fault = check(f->payments);

    assert_false(fault.fail);
    assert_double_exact(fault.delay_ms, 0.0);
    assert_false(fault.counted);
    assert_false(health_fails(f->payments));
    assert_ok(obs_fault_done(f->payments, &fault));
    assert_int_equal(counts_of(f->payments).injected_errors, 0);
    assert_false(report_has_faults(f->platform));

    /* Rules on another service leave this one alone. */
    {
        obs_fault_rule_t rule;

        obs_fault_rule_init(&rule);
        rule.error_share = 1.0;
        rule.health_check_outage = true;
        add(f->search, &rule);
    }
    assert_false(check(f->payments).fail);
    assert_false(health_fails(f->payments));
    assert_true(check(f->search).fail);
    assert_true(health_fails(f->search));
}

static void test_faults_rule_defaults(void **state)
{
    obs_fault_rule_t rule;

    (void)state;
    memset(&rule, 0xff, sizeof rule);
    obs_fault_rule_init(&rule);
    assert_double_exact(rule.error_share, 0.0);
    assert_double_exact(rule.delay_ms, 0.0);
    assert_int_equal(rule.delay_kind, OBS_DELAY_FIXED);
    assert_double_exact(rule.delay_share, 1.0);
    assert_false(rule.health_check_outage);
    assert_int_equal(rule.from_ns, 0);
    assert_int_equal(rule.to_ns, 0);
    obs_fault_rule_init(NULL);
}

/* Seed 42, 10000 requests: the counts are those that xoshiro256** seeded
 * through splitmix64 gives (checked against an implementation of the
 * published algorithms in Python), and close to the shares asked for. */
static void test_faults_shares_on_a_seeded_run(void **state)
{
    struct fixture *f = *state;
    obs_fault_rule_t rule;
    int failed;
    int delayed;
    double sum;

    assert_ok(obs_platform_set_fault_seed(f->platform, 42));
    obs_fault_rule_init(&rule);
    rule.error_share = 0.25;
    rule.delay_ms = 5.0;
    rule.delay_share = 0.3;
    add(f->payments, &rule);
    run_checks(f->payments, 10000, &failed, &delayed, &sum);
    assert_int_equal(failed, 2545);
    assert_int_equal(delayed, 3034);
    assert_double_exact(sum, 5.0 * delayed);
    assert_int_equal(counts_of(f->payments).injected_errors, 2545);
    assert_int_equal(counts_of(f->payments).injected_delays, 3034);
    assert_int_equal(counts_of(f->payments).injected_outage_checks, 0);

    /* The same seed again gives the same draws. */
    assert_ok(obs_platform_set_fault_seed(f->platform, 42));
    run_checks(f->payments, 10000, &failed, &delayed, &sum);
    assert_int_equal(failed, 2545);
    assert_int_equal(delayed, 3034);
    assert_int_equal(counts_of(f->payments).injected_errors, 2 * 2545);

    /* Another seed gives other draws. */
    assert_ok(obs_platform_set_fault_seed(f->platform, 43));
    run_checks(f->payments, 10000, &failed, &delayed, &sum);
    assert_int_not_equal(failed, 2545);
}

static void test_faults_delay_distributions(void **state)
{
    struct fixture *f = *state;
    obs_fault_rule_t rule;
    unsigned id;
    int failed;
    int delayed;
    double sum;

    obs_fault_rule_init(&rule);
    rule.delay_ms = 100.0;
    rule.delay_kind = OBS_DELAY_UNIFORM;
    id = add(f->payments, &rule);
    for (int i = 0; i < 1000; i++) {
        obs_fault_t fault = check(f->payments);

        assert_true(fault.delay_ms >= 0.0 && fault.delay_ms < 200.0);
        assert_false(fault.fail);
        assert_ok(obs_fault_done(f->payments, &fault));
    }
    assert_ok(obs_service_remove_fault(f->payments, id));

    rule.delay_kind = OBS_DELAY_EXPONENTIAL;
    add(f->payments, &rule);
    run_checks(f->payments, 20000, &failed, &delayed, &sum);
    assert_int_equal(failed, 0);
    assert_true(delayed >= 19990); /* a draw of exactly 0 is possible */
    if (fabs(sum / 20000 - 100.0) > 3.0)
        fail_msg("exponential mean %.3f, expected about 100", sum / 20000);
}

static void test_faults_interval(void **state)
{
    struct fixture *f = *state;
    obs_fault_rule_t rule;

    obs_fault_rule_init(&rule);
    rule.error_share = 1.0;
    rule.health_check_outage = true;
    rule.from_ns = 10 * SECOND;
    rule.to_ns = 20 * SECOND;
    add(f->payments, &rule);

    f->clock.now_ns = 10 * SECOND - 1;
    assert_false(check(f->payments).fail);
    assert_false(health_fails(f->payments));
    f->clock.now_ns = 10 * SECOND;
    assert_true(check(f->payments).fail);
    assert_true(health_fails(f->payments));
    f->clock.now_ns = 20 * SECOND - 1;
    assert_true(check(f->payments).fail);
    f->clock.now_ns = 20 * SECOND;
    assert_false(check(f->payments).fail);
    assert_false(health_fails(f->payments));
    assert_int_equal(counts_of(f->payments).injected_errors, 2);
    assert_int_equal(counts_of(f->payments).injected_outage_checks, 1);

    /* No end: active for ever from its start. */
    obs_fault_rule_init(&rule);
    rule.delay_ms = 7.0;
    rule.from_ns = 30 * SECOND;
    add(f->search, &rule);
    f->clock.now_ns = 29 * SECOND;
    assert_double_exact(check(f->search).delay_ms, 0.0);
    f->clock.now_ns = 1000 * SECOND;
    assert_double_exact(check(f->search).delay_ms, 7.0);
}

static void test_faults_kill_switch(void **state)
{
    struct fixture *f = *state;
    obs_fault_rule_t rule;
    int failed;
    int delayed;
    double sum;

    /* Off before any rule: rules added later stay off. */
    assert_ok(obs_platform_set_faults_enabled(f->platform, false));
    obs_fault_rule_init(&rule);
    rule.error_share = 1.0;
    rule.delay_ms = 3.0;
    rule.health_check_outage = true;
    add(f->payments, &rule);
    run_checks(f->payments, 100, &failed, &delayed, &sum);
    assert_int_equal(failed + delayed, 0);
    assert_false(health_fails(f->payments));
    assert_int_equal(counts_of(f->payments).injected_errors, 0);
    assert_int_equal(counts_of(f->payments).injected_delays, 0);
    assert_int_equal(counts_of(f->payments).injected_outage_checks, 0);
    /* The report still says a drill is set up, with nothing injected. */
    assert_true(report_has_faults(f->platform));

    assert_ok(obs_platform_set_faults_enabled(f->platform, true));
    run_checks(f->payments, 100, &failed, &delayed, &sum);
    assert_int_equal(failed, 100);
    assert_int_equal(delayed, 100);
    assert_true(health_fails(f->payments));

    assert_ok(obs_platform_set_faults_enabled(f->platform, false));
    assert_false(check(f->payments).fail);
    assert_int_equal(counts_of(f->payments).injected_errors, 100);
}

static void test_faults_cap(void **state)
{
    struct fixture *f = *state;
    obs_fault_rule_t rule;
    obs_fault_t held[3];
    obs_fault_t none = {false, 0.0, false};

    obs_fault_rule_init(&rule);
    rule.error_share = 1.0;
    add(f->payments, &rule);
    add(f->search, &rule);
    assert_ok(obs_platform_set_fault_limit(f->platform, 2));

    held[0] = check(f->payments);
    held[1] = check(f->search); /* the cap is the platform's */
    held[2] = check(f->payments);
    assert_true(held[0].fail && held[0].counted);
    assert_true(held[1].fail && held[1].counted);
    assert_false(held[2].fail || held[2].counted);
    assert_int_equal(counts_of(f->payments).injected_errors, 1);

    assert_ok(obs_fault_done(f->search, &held[1]));
    assert_true(check(f->payments).counted);
    assert_false(check(f->payments).counted);

    /* Health check outages are not capped. */
    rule.health_check_outage = true;
    add(f->search, &rule);
    assert_true(health_fails(f->search));

    /* Releasing: an uncounted decision changes nothing, and no more
     * faults can be released than are in progress. */
    assert_ok(obs_fault_done(f->payments, &none));
    assert_ok(obs_fault_done(f->payments, &held[0]));
    assert_ok(obs_fault_done(f->payments, &held[0]));
    assert_int_equal(obs_fault_done(f->payments, &held[0]), OBS_EINVAL);

    /* No cap: everything is injected. */
    assert_ok(obs_platform_set_fault_limit(f->platform, 0));
    for (int i = 0; i < 10; i++)
        assert_true(check(f->payments).counted);
}

static void test_faults_removal(void **state)
{
    struct fixture *f = *state;
    obs_fault_rule_t rule;
    unsigned first;
    unsigned second;

    obs_fault_rule_init(&rule);
    rule.error_share = 1.0;
    first = add(f->payments, &rule);
    rule.error_share = 0.0;
    rule.delay_ms = 2.0;
    second = add(f->payments, &rule);
    assert_int_not_equal(first, second);

    assert_int_equal(obs_service_remove_fault(f->search, first), OBS_ENOENT);
    assert_ok(obs_service_remove_fault(f->payments, first));
    assert_int_equal(obs_service_remove_fault(f->payments, first),
                     OBS_ENOENT);
    assert_false(check(f->payments).fail);
    assert_double_exact(check(f->payments).delay_ms, 2.0);
    assert_ok(obs_service_remove_fault(f->payments, second));
    assert_false(check(f->payments).counted);
    assert_int_equal(obs_service_remove_fault(NULL, second), OBS_EINVAL);
    /* Counts and the report's section outlive the rules. */
    assert_int_equal(counts_of(f->payments).injected_errors, 0);
    assert_int_equal(counts_of(f->payments).injected_delays, 2);
    assert_true(report_has_faults(f->platform));
}

static void test_faults_bad_rules_change_nothing(void **state)
{
    struct fixture *f = *state;
    obs_fault_rule_t good;
    obs_fault_rule_t bad[14];
    size_t n = 0;
    unsigned id = 12345;
    obs_fault_t fault = {true, 9.0, true};
    bool fail = true;

    obs_fault_rule_init(&good);
    good.error_share = 0.5;
    for (size_t i = 0; i < 14; i++)
        bad[i] = good;
    bad[n++].error_share = -0.1;
    bad[n++].error_share = 1.5;
    bad[n++].error_share = NAN;
    bad[n].delay_ms = 1.0;
    bad[n++].delay_share = 2.0;
    bad[n++].delay_ms = -1.0;
    bad[n++].delay_ms = INFINITY;
    bad[n++].delay_ms = 1e300;
    bad[n].delay_ms = 1.0;
    bad[n++].delay_kind = (obs_fault_delay_t)7;
    bad[n].from_ns = 10 * SECOND;
    bad[n++].to_ns = 10 * SECOND;
    bad[n].from_ns = 10 * SECOND;
    bad[n++].to_ns = 5 * SECOND;
    bad[n++].error_share = 0.0; /* injects nothing */
    bad[n].error_share = 0.0; /* a delay for no request */
    bad[n].delay_ms = 5.0;
    bad[n++].delay_share = 0.0;
    bad[n].error_share = 0.0;
    bad[n++].delay_share = 1.0; /* a share of no delay */
    for (size_t i = 0; i < n; i++)
        if (obs_service_add_fault(f->payments, &bad[i], &id) != OBS_EINVAL)
            fail_msg("bad rule %zu accepted", i);
    assert_int_equal(obs_service_add_fault(NULL, &good, &id), OBS_EINVAL);
    assert_int_equal(obs_service_add_fault(f->payments, NULL, &id),
                     OBS_EINVAL);
    assert_int_equal(id, 12345);
    assert_false(check(f->payments).counted);
    assert_false(report_has_faults(f->platform));

    assert_int_equal(obs_fault_check(NULL, &fault), OBS_EINVAL);
    assert_int_equal(obs_fault_check(f->payments, NULL), OBS_EINVAL);
    assert_true(fault.fail);
    assert_int_equal(obs_fault_check_health(NULL, &fail), OBS_EINVAL);
    assert_int_equal(obs_fault_check_health(f->payments, NULL), OBS_EINVAL);
    assert_true(fail);
    assert_int_equal(obs_fault_done(NULL, &fault), OBS_EINVAL);
    assert_int_equal(obs_fault_done(f->payments, NULL), OBS_EINVAL);
    assert_int_equal(obs_service_fault_counts(NULL, NULL), OBS_EINVAL);
    assert_int_equal(obs_platform_set_fault_seed(NULL, 1), OBS_EINVAL);
    assert_int_equal(obs_platform_set_faults_enabled(NULL, true),
                     OBS_EINVAL);
    assert_int_equal(obs_platform_set_fault_limit(NULL, 1), OBS_EINVAL);

    /* The first good rule still gets the first id. */
    assert_ok(obs_service_add_fault(f->payments, &good, &id));
    assert_int_equal(id, 1);
    assert_ok(obs_service_add_fault(f->payments, &good, NULL));
}

static void test_faults_report(void **state)
{
    struct fixture *f = *state;
    obs_fault_rule_t rule;
    char report[8192];

    obs_fault_rule_init(&rule);
    rule.error_share = 1.0;
    rule.health_check_outage = true;
    add(f->payments, &rule);
    for (int i = 0; i < 3; i++) {
        obs_fault_t fault = check(f->payments);

        assert_ok(obs_record_request(f->payments, 1.0, !fault.fail));
        assert_ok(obs_fault_done(f->payments, &fault));
    }
    assert_true(health_fails(f->payments));
    assert_ok(obs_platform_write_json(f->platform, 0, report, sizeof report,
                                      NULL));
    assert_non_null(strstr(report,
                           "      \"health\": \"critical\",\n"
                           "      \"injected_faults\": {\n"
                           "        \"errors\": 3,\n"
                           "        \"delays\": 0,\n"
                           "        \"outage_checks\": 1\n"
                           "      }\n"));
    assert_non_null(strstr(report, "\"name\": \"search\""));
    assert_non_null(strstr(report,
                           "      \"health\": \"healthy\",\n"
                           "      \"injected_faults\": {\n"
                           "        \"errors\": 0,\n"));
}

/* ---- threads ------------------------------------------------------------- */

#define THREADS 4
#define CHECKS 20000

struct worker {
    obs_service_t *service;
    int injected;
};

static void *check_loop(void *arg)
{
    struct worker *w = arg;

    for (int i = 0; i < CHECKS; i++) {
        obs_fault_t fault;
        bool fail;

        if (obs_fault_check(w->service, &fault) != OBS_OK ||
            obs_fault_check_health(w->service, &fail) != OBS_OK)
            return NULL;
        w->injected += fault.counted;
        if (obs_fault_done(w->service, &fault) != OBS_OK)
            return NULL;
    }
    return NULL;
}

/* Checks from several threads while the rules and the switch change: the
 * counts add up, and the cap holds (every fault is released). */
static void test_faults_threads(void **state)
{
    struct fixture *f = *state;
    struct worker workers[THREADS];
    pthread_t threads[THREADS];
    obs_fault_rule_t rule;
    unsigned id;
    int injected = 0;

    obs_fault_rule_init(&rule);
    rule.error_share = 0.5;
    add(f->payments, &rule);
    assert_ok(obs_platform_set_fault_limit(f->platform, THREADS));
    for (int i = 0; i < THREADS; i++) {
        workers[i].service = i % 2 ? f->payments : f->search;
        workers[i].injected = 0;
        assert_int_equal(
            pthread_create(&threads[i], NULL, check_loop, &workers[i]), 0);
    }
    for (int i = 0; i < 200; i++) {
        id = add(f->search, &rule);
        assert_ok(obs_platform_set_faults_enabled(f->platform, i % 3 != 0));
        assert_ok(obs_service_remove_fault(f->search, id));
    }
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(threads[i], NULL), 0);
        injected += workers[i].injected;
    }
    assert_int_equal(injected,
                     (int)(counts_of(f->payments).injected_errors +
                           counts_of(f->search).injected_errors));
    assert_ok(obs_platform_set_faults_enabled(f->platform, true));
    assert_ok(obs_platform_set_fault_limit(f->platform, 1));
    rule.error_share = 1.0;
    add(f->payments, &rule);
    assert_true(check(f->payments).counted); /* nothing was left held */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_faults_fast_path_without_rules,
                                        setup, teardown),
        cmocka_unit_test(test_faults_rule_defaults),
        cmocka_unit_test_setup_teardown(test_faults_shares_on_a_seeded_run,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_faults_delay_distributions,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_faults_interval, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_faults_kill_switch, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_faults_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_faults_removal, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_faults_bad_rules_change_nothing,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_faults_report, setup, teardown),
        cmocka_unit_test_setup_teardown(test_faults_threads, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
