/*
 * test_fault_spec.c - obs-sim's fault specs and scenario files: what each
 * well-formed one means, field by field, and the exact reason every kind
 * of malformed one is refused with, leaving the result untouched.
 */
#include "test_util.h"

#include "fault_spec.h"
#include "scenario.h"

#define NS UINT64_C(1000000000)

/* ---- fault specs --------------------------------------------------------- */

static struct sim_fault parse_ok(const char *text)
{
    struct sim_fault fault;
    char error[256] = "";

    if (sim_parse_fault_spec(text, &fault, error, sizeof error) != 0)
        fail_msg("'%s' refused: %s", text, error);
    return fault;
}

/* The reason a spec is refused; the result must stay untouched. */
static const char *refusal(const char *text)
{
    static char error[256];
    struct sim_fault fault;
    struct sim_fault before;

    memset(&fault, 0x5a, sizeof fault);
    before = fault;
    strcpy(error, "(accepted)");
    if (sim_parse_fault_spec(text, &fault, error, sizeof error) == 0)
        return "(accepted)";
    assert_memory_equal(&fault, &before, sizeof fault);
    return error;
}

static void test_fault_spec_error_window(void **state)
{
    struct sim_fault f = parse_ok("payment-service:error=0.5,from=60s,"
                                  "to=180s");

    (void)state;
    assert_string_equal(f.service, "payment-service");
    assert_double_exact(f.rule.error_share, 0.5);
    assert_double_exact(f.rule.delay_ms, 0.0);
    assert_false(f.rule.health_check_outage);
    assert_int_equal(f.rule.from_ns, 60 * NS);
    assert_int_equal(f.rule.to_ns, 180 * NS);
}

static void test_fault_spec_delay(void **state)
{
    struct sim_fault f = parse_ok("search-service:delay=800ms,share=0.3,"
                                  "from=30s");

    (void)state;
    assert_string_equal(f.service, "search-service");
    assert_double_exact(f.rule.error_share, 0.0);
    assert_double_exact(f.rule.delay_ms, 800.0);
    assert_double_exact(f.rule.delay_share, 0.3);
    assert_int_equal(f.rule.delay_kind, OBS_DELAY_FIXED);
    assert_int_equal(f.rule.from_ns, 30 * NS);
    assert_int_equal(f.rule.to_ns, 0);

    f = parse_ok("a:b:c:delay=1.5s,distribution=exponential");
    assert_string_equal(f.service, "a:b:c");
    assert_double_exact(f.rule.delay_ms, 1500.0);
    assert_double_exact(f.rule.delay_share, 1.0);
    assert_int_equal(f.rule.delay_kind, OBS_DELAY_EXPONENTIAL);
    f = parse_ok("svc:distribution=uniform,delay=0.25m");
    assert_int_equal(f.rule.delay_kind, OBS_DELAY_UNIFORM);
    assert_double_exact(f.rule.delay_ms, 15000.0);
    f = parse_ok("svc:delay=60m,distribution=fixed");
    assert_double_exact(f.rule.delay_ms, 3600000.0);
}

static void test_fault_spec_outage_and_shares(void **state)
{
    struct sim_fault f = parse_ok("svc:outage=true,from=1.5m,to=100s");

    (void)state;
    assert_true(f.rule.health_check_outage);
    assert_double_exact(f.rule.error_share, 0.0);
    assert_int_equal(f.rule.from_ns, 90 * NS);
    assert_int_equal(f.rule.to_ns, 100 * NS);
    f = parse_ok("svc:error=1,outage=false");
    assert_double_exact(f.rule.error_share, 1.0);
    assert_false(f.rule.health_check_outage);
    assert_double_exact(parse_ok("svc:error=0.125").rule.error_share, 0.125);
    assert_double_exact(parse_ok("svc:error=1.000").rule.error_share, 1.0);
    assert_double_exact(parse_ok("svc:error=0.000000000000001")
                            .rule.error_share,
                        1e-15);
    f = parse_ok("svc:error=0,delay=0ms,outage=true");
    assert_true(f.rule.health_check_outage);
}

static void test_fault_spec_durations(void **state)
{
    uint64_t ns = 7;

    (void)state;
    assert_int_equal(sim_parse_duration("0.5ms", 5, &ns), 0);
    assert_int_equal(ns, 500000);
    assert_int_equal(sim_parse_duration("1.000000001s", 12, &ns), 0);
    assert_int_equal(ns, 1000000001);
    assert_int_equal(sim_parse_duration("0.1m", 4, &ns), 0);
    assert_int_equal(ns, 6 * NS);
    assert_int_equal(sim_parse_duration("144000m", 7, &ns), 0);
    assert_int_equal(ns, SIM_DURATION_MAX_NS);
    /* Only the given bytes are read. */
    assert_int_equal(sim_parse_duration("12sXYZ", 3, &ns), 0);
    assert_int_equal(ns, 12 * NS);

    ns = 7;
    assert_int_equal(sim_parse_duration("0.0000000001s", 13, &ns), -1);
    assert_int_equal(sim_parse_duration("144000.0000001m", 15, &ns), -1);
    assert_int_equal(sim_parse_duration("99999999999999999999s", 21, &ns),
                     -1);
    assert_int_equal(sim_parse_duration("1.0000000000000s", 16, &ns), -1);
    assert_int_equal(sim_parse_duration("5", 1, &ns), -1);
    assert_int_equal(sim_parse_duration("s", 1, &ns), -1);
    assert_int_equal(sim_parse_duration("ms", 2, &ns), -1);
    assert_int_equal(sim_parse_duration(".5s", 3, &ns), -1);
    assert_int_equal(sim_parse_duration("5.s", 3, &ns), -1);
    assert_int_equal(sim_parse_duration("-5s", 3, &ns), -1);
    assert_int_equal(sim_parse_duration(" 5s", 3, &ns), -1);
    assert_int_equal(sim_parse_duration("5 s", 3, &ns), -1);
    assert_int_equal(sim_parse_duration("5h", 2, &ns), -1);
    assert_int_equal(sim_parse_duration("", 0, &ns), -1);
    assert_int_equal(sim_parse_duration(NULL, 0, &ns), -1);
    assert_int_equal(ns, 7);
}

static void test_fault_spec_refusals(void **state)
{
    char name[300];
    char long_value[80];

    (void)state;
    memset(name, 'n', 256);
    strcpy(name + 256, ":error=1");
    strcpy(long_value, "svc:from=");
    memset(long_value + 9, 'x', 50);
    long_value[59] = '\0';

    assert_string_equal(refusal(NULL), "no fault spec");
    assert_string_equal(refusal(""),
                        "expected SERVICE:KEY=VALUE[,KEY=VALUE...]");
    assert_string_equal(refusal("payment-service"),
                        "expected SERVICE:KEY=VALUE[,KEY=VALUE...]");
    assert_string_equal(refusal("error=0.5"),
                        "expected SERVICE:KEY=VALUE[,KEY=VALUE...]");
    assert_string_equal(refusal("svc:"),
                        "expected SERVICE:KEY=VALUE[,KEY=VALUE...]");
    assert_string_equal(refusal(":error=0.5"), "empty service name");
    assert_string_equal(refusal(name), "service name longer than 255 bytes");
    assert_string_equal(refusal("svc:error=0.5,"),
                        "empty item in the list of keys");
    assert_string_equal(refusal("svc:error=0.5,,from=1s"),
                        "empty item in the list of keys");
    assert_string_equal(refusal("svc:error=0.5,from"),
                        "'from' is not KEY=VALUE");
    assert_string_equal(refusal("svc:speed=3"),
                        "unknown key 'speed' (use error, delay, share, "
                        "distribution, outage, from or to)");
    assert_string_equal(refusal("svc:Error=1"),
                        "unknown key 'Error' (use error, delay, share, "
                        "distribution, outage, from or to)");
    assert_string_equal(refusal("svc:error=0.5,error=0.2"),
                        "error is given twice");
    assert_string_equal(refusal("svc:error="), "error needs a value");
    assert_string_equal(refusal("svc:error=1.5"),
                        "error is a share from 0 to 1 such as 0.5, not "
                        "'1.5'");
    assert_string_equal(refusal("svc:error=-0.1"),
                        "error is a share from 0 to 1 such as 0.5, not "
                        "'-0.1'");
    assert_string_equal(refusal("svc:error=.5"),
                        "error is a share from 0 to 1 such as 0.5, not "
                        "'.5'");
    assert_string_equal(refusal("svc:error=0.1234567890123456"),
                        "error is a share from 0 to 1 such as 0.5, not "
                        "'0.1234567890123456'");
    assert_string_equal(refusal("svc:error=nan"),
                        "error is a share from 0 to 1 such as 0.5, not "
                        "'nan'");
    assert_string_equal(refusal("svc:error=1.,delay=1s"),
                        "error is a share from 0 to 1 such as 0.5, not "
                        "'1.'");
    assert_string_equal(refusal("svc:delay=1s,share=2"),
                        "share is a share from 0 to 1 such as 0.5, not '2'");
    assert_string_equal(refusal("svc:delay=800"),
                        "delay is a duration from 0ms to 60m such as 800ms "
                        "or 1.5s, not '800'");
    assert_string_equal(refusal("svc:delay=61m"),
                        "delay is a duration from 0ms to 60m such as 800ms "
                        "or 1.5s, not '61m'");
    assert_string_equal(refusal("svc:from=soon,error=1"),
                        "from is a duration such as 60s, 1.5m or 800ms, "
                        "not 'soon'");
    assert_string_equal(refusal("svc:error=1,to=1e3s"),
                        "to is a duration such as 60s, 1.5m or 800ms, not "
                        "'1e3s'");
    assert_string_equal(refusal(long_value),
                        "from is a duration such as 60s, 1.5m or 800ms, "
                        "not 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'");
    assert_string_equal(refusal("svc:delay=1s,distribution=normal"),
                        "distribution is fixed, uniform or exponential, "
                        "not 'normal'");
    assert_string_equal(refusal("svc:outage=yes"),
                        "outage is true or false, not 'yes'");
    assert_string_equal(refusal("svc:outage=\x01\n\xc3\xa9"),
                        "outage is true or false, not '?" "???" "'");
    assert_string_equal(refusal("svc:share=0.5,error=0.1"),
                        "share needs a delay");
    assert_string_equal(refusal("svc:distribution=uniform,error=0.1"),
                        "distribution needs a delay");
    assert_string_equal(refusal("svc:error=0.5,from=60s,to=60s"),
                        "to must be after from");
    assert_string_equal(refusal("svc:error=0.5,to=0s"),
                        "to must be after from");
    assert_string_equal(refusal("svc:error=0"),
                        "the fault injects nothing: give error, delay or "
                        "outage=true");
    assert_string_equal(refusal("svc:delay=0ms"),
                        "the fault injects nothing: give error, delay or "
                        "outage=true");
    assert_string_equal(refusal("svc:delay=1s,share=0"),
                        "the fault injects nothing: give error, delay or "
                        "outage=true");
    assert_string_equal(refusal("svc:outage=false,from=1s"),
                        "the fault injects nothing: give error, delay or "
                        "outage=true");
}

static void test_fault_spec_error_buffer(void **state)
{
    struct sim_fault fault;
    char small[8];

    (void)state;
    assert_int_equal(sim_parse_fault_spec("svc", &fault, NULL, 0), -1);
    assert_int_equal(sim_parse_fault_spec("svc", &fault, small, sizeof small),
                     -1);
    assert_string_equal(small, "expecte");
    assert_int_equal(sim_parse_fault_spec("svc:error=1", NULL, small,
                                          sizeof small),
                     -1);
}

/* ---- scenarios ----------------------------------------------------------- */

static struct sim_scenario load_ok(const char *text)
{
    struct sim_scenario scenario;
    char error[512] = "";

    if (sim_load_scenario_text(text, strlen(text), "s.json", &scenario,
                               error, sizeof error) != 0)
        fail_msg("scenario refused: %s", error);
    return scenario;
}

/* The reason a scenario is refused; the result must stay untouched. */
static const char *rejection_n(const char *text, size_t length)
{
    static char error[512];
    struct sim_scenario scenario;
    struct sim_scenario before;

    memset(&scenario, 0x5a, sizeof scenario);
    before = scenario;
    strcpy(error, "(accepted)");
    if (sim_load_scenario_text(text, length, "s.json", &scenario, error,
                               sizeof error) == 0) {
        sim_scenario_free(&scenario);
        return "(accepted)";
    }
    assert_memory_equal(&scenario, &before, sizeof scenario);
    return error;
}

static const char *rejection(const char *text)
{
    return rejection_n(text, strlen(text));
}

static void test_scenario_defaults(void **state)
{
    struct sim_scenario s = load_ok("{\"duration\": \"60s\"}");

    (void)state;
    assert_null(s.description);
    assert_int_equal(s.duration_ns, 60 * NS);
    assert_int_equal(s.rate, SIM_DEFAULT_RATE);
    assert_int_equal(s.seed, SIM_DEFAULT_SEED);
    assert_int_equal(s.window_ns, SIM_DEFAULT_WINDOW_NS);
    assert_int_equal(s.pending_ns, 0);
    assert_int_equal(s.hold_ns, 0);
    assert_null(s.services);
    assert_int_equal(s.fault_count, 0);
    /* Without services, the reference's five. */
    assert_non_null(sim_scenario_find(&s, "payment-service"));
    assert_double_exact(sim_scenario_find(&s, "payment-service")->latency_ms,
                        200.0);
    assert_null(sim_scenario_find(&s, "checkout"));
    sim_scenario_free(&s);
    sim_scenario_free(&s);
    sim_scenario_free(NULL);
}

static void test_scenario_full(void **state)
{
    static const char text[] =
        "{\n"
        "  \"faults\": [\"checkout:error=0.25,from=10s\",\n"
        "             \"db:outage=true,from=1m,to=2m\"],\n"
        "  \"description\": \"caf\\u00e9 drill\",\n"
        "  \"duration\": \"5m\", \"rate\": 20, \"seed\": 0,\n"
        "  \"window\": \"30s\", \"pending\": \"10s\", \"hold\": \"1.5s\",\n"
        "  \"services\": [\n"
        "    {\"name\": \"checkout\", \"latency_ms\": 80.5,\n"
        "     \"error_prob\": 0.01, \"down_prob\": 0},\n"
        "    {\"name\": \"db\"}\n"
        "  ]\n"
        "}\n";
    struct sim_scenario s = load_ok(text);

    (void)state;
    assert_string_equal(s.description, "caf\xc3\xa9 drill");
    assert_int_equal(s.duration_ns, 300 * NS);
    assert_int_equal(s.rate, 20);
    assert_int_equal(s.seed, 0);
    assert_int_equal(s.window_ns, 30 * NS);
    assert_int_equal(s.pending_ns, 10 * NS);
    assert_int_equal(s.hold_ns, 1500000000);
    assert_int_equal(s.service_count, 2);
    assert_string_equal(s.services[0].name, "checkout");
    assert_double_exact(s.services[0].latency_ms, 80.5);
    assert_double_exact(s.services[0].error_prob, 0.01);
    assert_double_exact(s.services[0].down_prob, 0.0);
    assert_string_equal(s.services[1].name, "db");
    assert_double_exact(s.services[1].latency_ms, 50.0);
    assert_int_equal(s.fault_count, 2);
    assert_string_equal(s.faults[0].service, "checkout");
    assert_double_exact(s.faults[0].rule.error_share, 0.25);
    assert_true(s.faults[1].rule.health_check_outage);
    assert_int_equal(s.faults[1].rule.to_ns, 120 * NS);
    assert_null(sim_scenario_find(&s, "payment-service"));
    sim_scenario_free(&s);
}

/* The text need not end in a NUL, and bytes past `length` are not read. */
static void test_scenario_length(void **state)
{
    static const char text[] = "{\"duration\": \"60s\"}garbage";
    struct sim_scenario s;
    char error[256];

    (void)state;
    assert_int_equal(sim_load_scenario_text(text, 19, "s.json", &s, error,
                                            sizeof error),
                     0);
    sim_scenario_free(&s);
    assert_string_equal(rejection_n(text, sizeof text - 1),
                        "s.json:1: end of file expected near 'garbage'");
    assert_string_equal(rejection_n("{\"duration\"\0: 1}", 16),
                        "s.json:1: ':' expected near end of file");
    assert_string_equal(rejection_n(NULL, 0),
                        "s.json:1: '[' or '{' expected near end of file");
    assert_int_equal(sim_load_scenario_text("{}", 2, NULL, &s, error,
                                            sizeof error),
                     -1);
    assert_string_equal(error, "<scenario>:1: missing \"duration\"");
    assert_int_equal(sim_load_scenario_text("{}", 2, "s.json", NULL, error,
                                            sizeof error),
                     -1);
    assert_int_equal(sim_load_scenario_text("{}", 2, "s.json", &s, NULL, 0),
                     -1);
}

static void test_scenario_syntax_refusals(void **state)
{
    (void)state;
    assert_string_equal(rejection(""),
                        "s.json:1: '[' or '{' expected near end of file");
    assert_string_equal(rejection("{\n  \"duration\": \"60s\",\n}"),
                        "s.json:3: string or '}' expected near '}'");
    assert_string_equal(rejection("{\"a\": 1,\n \"a\": 2}"),
                        "s.json:2: duplicate object key near '\"a\"'");
    /* jansson quotes the input near the error, control bytes and all. */
    assert_string_equal(rejection("{\"a\": \"x\\\n\xff\"}"),
                        "s.json:2: invalid escape near '\"x\\?'");
    assert_string_equal(rejection("\n[1]"),
                        "s.json:2: a scenario is a JSON object");
    assert_string_equal(rejection("\n\n{}"),
                        "s.json:3: missing \"duration\"");
    assert_string_equal(rejection("{\n \"duration\": \"60s\",\n"
                                  " \"durations\": 1}"),
                        "s.json:3: unknown key 'durations' (use description, "
                        "duration, rate, seed, window, pending, hold, "
                        "services or faults)");
}

static void test_scenario_value_refusals(void **state)
{
    (void)state;
    assert_string_equal(rejection("{\"duration\": \"60s\",\n"
                                  "\"description\": 5}"),
                        "s.json:2: \"description\" must be a string");
    assert_string_equal(rejection("{\"duration\": 300}"),
                        "s.json:1: \"duration\" must be a whole number of "
                        "seconds from 1s to 86400s, as a string such as "
                        "\"300s\"");
    assert_string_equal(rejection("{\"duration\": \"1.5s\"}"),
                        "s.json:1: \"duration\" must be a whole number of "
                        "seconds from 1s to 86400s, as a string such as "
                        "\"300s\"");
    assert_string_equal(rejection("{\"duration\": \"0s\"}"),
                        "s.json:1: \"duration\" must be a whole number of "
                        "seconds from 1s to 86400s, as a string such as "
                        "\"300s\"");
    assert_string_equal(rejection("{\"duration\": \"86401s\"}"),
                        "s.json:1: \"duration\" must be a whole number of "
                        "seconds from 1s to 86400s, as a string such as "
                        "\"300s\"");
    assert_string_equal(rejection("{\"duration\": \"60s\",\n\"rate\": 0}"),
                        "s.json:2: \"rate\" must be a whole number of "
                        "requests per second from 1 to 10000");
    assert_string_equal(rejection("{\"duration\": \"60s\", \"rate\": 5.0}"),
                        "s.json:1: \"rate\" must be a whole number of "
                        "requests per second from 1 to 10000");
    assert_string_equal(rejection("{\"duration\": \"60s\", \"rate\": 10001}"),
                        "s.json:1: \"rate\" must be a whole number of "
                        "requests per second from 1 to 10000");
    assert_string_equal(rejection("{\"duration\": \"60s\", \"seed\": -1}"),
                        "s.json:1: \"seed\" must be a whole number from 0 "
                        "to 9223372036854775807");
    assert_string_equal(rejection("{\"duration\": \"60s\", \"seed\": \"1\"}"),
                        "s.json:1: \"seed\" must be a whole number from 0 "
                        "to 9223372036854775807");
    assert_string_equal(rejection("{\"duration\": \"60s\",\n\n"
                                  "\"window\": \"0.5s\"}"),
                        "s.json:3: \"window\" must be a duration from 1s to "
                        "60m, as a string such as \"60s\"");
    assert_string_equal(rejection("{\"duration\": \"60s\", "
                                  "\"window\": \"61m\"}"),
                        "s.json:1: \"window\" must be a duration from 1s to "
                        "60m, as a string such as \"60s\"");
    assert_string_equal(rejection("{\"duration\": \"60s\", "
                                  "\"pending\": \"-1s\"}"),
                        "s.json:1: \"pending\" must be a duration from 0s to "
                        "60m, as a string such as \"30s\"");
    assert_string_equal(rejection("{\"duration\": \"60s\", \"hold\": 60}"),
                        "s.json:1: \"hold\" must be a duration from 0s to "
                        "60m, as a string such as \"30s\"");
}

static void test_scenario_service_refusals(void **state)
{
    char many[4096];
    size_t n;

    (void)state;
    assert_string_equal(rejection("{\"duration\": \"60s\",\n"
                                  " \"services\": []}"),
                        "s.json:2: \"services\" must be a list of 1 to 64 "
                        "services");
    assert_string_equal(rejection("{\"duration\": \"60s\",\n"
                                  " \"services\": {}}"),
                        "s.json:2: \"services\" must be a list of 1 to 64 "
                        "services");
    n = (size_t)snprintf(many, sizeof many, "{\"duration\": \"60s\", "
                                            "\"services\": [");
    for (int i = 0; i < 65; i++)
        n += (size_t)snprintf(many + n, sizeof many - n, "%s{\"name\": "
                                                         "\"s%d\"}",
                              i ? "," : "", i);
    snprintf(many + n, sizeof many - n, "]}");
    assert_string_equal(rejection(many),
                        "s.json:1: \"services\" must be a list of 1 to 64 "
                        "services");
    assert_string_equal(rejection("{\"duration\": \"60s\", \"services\": [\n"
                                  "  {\"name\": \"a\"},\n"
                                  "  1\n]}"),
                        "s.json:3: a service must be an object");
    assert_string_equal(rejection("{\"duration\": \"60s\", \"services\": [\n"
                                  "  {\"name\": \"a\"},\n"
                                  "  {\"latency_ms\": 5,\n"
                                  "   \"error_prob\": 0.5}\n]}"),
                        "s.json:3: a service needs a \"name\"");
    assert_string_equal(rejection("{\"duration\": \"60s\", \"services\": [\n"
                                  "  {\"name\": \"\"}]}"),
                        "s.json:2: a service name must be a string of 1 to "
                        "255 bytes");
    assert_string_equal(rejection("{\"duration\": \"60s\", \"services\": [\n"
                                  "  {\"name\": \"a\",\n"
                                  "   \"colour\": \"red\"}]}"),
                        "s.json:3: unknown key 'colour' in a service (use "
                        "name, latency_ms, error_prob or down_prob)");
    assert_string_equal(rejection("{\"duration\": \"60s\", \"services\": [\n"
                                  "  {\"name\": \"a\"},\n"
                                  "  {\"name\": \"a\"}]}"),
                        "s.json:3: service 'a' is listed twice");
    assert_string_equal(rejection("{\"duration\": \"60s\", \"services\": [\n"
                                  "  {\"name\": \"a\", \"latency_ms\": 0}]}"),
                        "s.json:2: \"latency_ms\" must be a number above 0 "
                        "and at most 60000");
    assert_string_equal(rejection("{\"duration\": \"60s\", \"services\": [\n"
                                  "  {\"name\": \"a\",\n"
                                  "   \"latency_ms\": 60001}]}"),
                        "s.json:3: \"latency_ms\" must be a number above 0 "
                        "and at most 60000");
    assert_string_equal(rejection("{\"duration\": \"60s\", \"services\": [\n"
                                  "  {\"name\": \"a\", \"error_prob\": 1.5}"
                                  "]}"),
                        "s.json:2: \"error_prob\" must be a number from 0 to "
                        "1");
    assert_string_equal(rejection("{\"duration\": \"60s\", \"services\": [\n"
                                  "  {\"name\": \"a\", \"down_prob\": \"x\"}"
                                  "]}"),
                        "s.json:2: \"down_prob\" must be a number from 0 to "
                        "1");
}

static void test_scenario_fault_refusals(void **state)
{
    char many[4096];
    size_t n;

    (void)state;
    assert_string_equal(rejection("{\"duration\": \"60s\",\n"
                                  " \"faults\": \"x\"}"),
                        "s.json:2: \"faults\" must be a list of at most 64 "
                        "fault specs");
    n = (size_t)snprintf(many, sizeof many, "{\"duration\": \"60s\", "
                                            "\"faults\": [");
    for (int i = 0; i < 65; i++)
        n += (size_t)snprintf(many + n, sizeof many - n,
                              "%s\"api-gateway:error=1\"", i ? "," : "");
    snprintf(many + n, sizeof many - n, "]}");
    assert_string_equal(rejection(many),
                        "s.json:1: \"faults\" must be a list of at most 64 "
                        "fault specs");
    assert_string_equal(rejection("{\"duration\": \"60s\", \"faults\": [\n"
                                  "  \"api-gateway:error=1\",\n"
                                  "  {\"service\": \"api-gateway\"}]}"),
                        "s.json:3: a fault must be a string such as "
                        "\"payment-service:error=0.5,from=60s\"");
    assert_string_equal(rejection("{\"duration\": \"60s\", \"faults\": [\n"
                                  "  \"api-gateway:error=2\"]}"),
                        "s.json:2: fault: error is a share from 0 to 1 such "
                        "as 0.5, not '2'");
    /* Checked against the file's services, wherever they are listed. */
    assert_string_equal(rejection("{\"duration\": \"60s\",\n"
                                  " \"faults\": [\"checkout:error=1\",\n"
                                  "            \"nope:error=1\"],\n"
                                  " \"services\": [{\"name\": "
                                  "\"checkout\"}]}"),
                        "s.json:3: fault for unknown service 'nope'");
    assert_string_equal(rejection("{\"duration\": \"60s\",\n"
                                  " \"services\": [{\"name\": \"a\"}],\n"
                                  " \"faults\": [\"api-gateway:error=1\"]}"),
                        "s.json:3: fault for unknown service 'api-gateway'");
    /* An empty list is fine. */
    assert_string_equal(rejection("{\"duration\": \"60s\", \"faults\": []}"),
                        "(accepted)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fault_spec_error_window),
        cmocka_unit_test(test_fault_spec_delay),
        cmocka_unit_test(test_fault_spec_outage_and_shares),
        cmocka_unit_test(test_fault_spec_durations),
        cmocka_unit_test(test_fault_spec_refusals),
        cmocka_unit_test(test_fault_spec_error_buffer),
        cmocka_unit_test(test_scenario_defaults),
        cmocka_unit_test(test_scenario_full),
        cmocka_unit_test(test_scenario_length),
        cmocka_unit_test(test_scenario_syntax_refusals),
        cmocka_unit_test(test_scenario_value_refusals),
        cmocka_unit_test(test_scenario_service_refusals),
        cmocka_unit_test(test_scenario_fault_refusals),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
