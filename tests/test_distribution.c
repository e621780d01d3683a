/*
 * test_distribution.c - Optuna's distributions: byte-exact JSON (reference §2.1),
 * legacy and abbreviated parsing, validation (§2.3) with messages naming the
 * culprit, the decimal high adjustment, compatibility (§2.4), internal/external
 * values with Python == semantics, and out-of-memory paths.
 */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/distribution.h"
#include "core/error.h"
#include "core/json.h"
#include "support/test_util.h"

/* to_json(d) must equal want byte for byte; frees d. */
static void expect_json(hpo_distribution *d, const char *want)
{
    char *s = NULL;
    assert_ok(hpo_distribution_to_json(d, &s));
    assert_string_equal(s, want);
    hpo_free(s);
    hpo_distribution_free(d);
}

/* from_json(text) then to_json must give want. */
static void expect_parse(const char *text, const char *want)
{
    hpo_distribution *d = NULL;
    assert_ok(hpo_distribution_from_json(&d, text));
    expect_json(d, want);
}

static void expect_parse_fails(const char *text, const char *needle)
{
    hpo_distribution *d = (hpo_distribution *)1;
    assert_status(hpo_distribution_from_json(&d, text), HPO_EINVAL);
    assert_null(d);
    if (needle != NULL)
        assert_msg_has(needle);
}

static const char *const REF_FLOAT1 = "{\"name\": \"FloatDistribution\", \"attributes\": "
                                      "{\"step\": null, \"low\": -1.0, \"high\": 1.0, \"log\": false}}";
static const char *const REF_FLOAT2 = "{\"name\": \"FloatDistribution\", \"attributes\": "
                                      "{\"step\": null, \"low\": 0.001, \"high\": 1.0, \"log\": true}}";
static const char *const REF_FLOAT3 = "{\"name\": \"FloatDistribution\", \"attributes\": "
                                      "{\"step\": 0.3, \"low\": 0.0, \"high\": 0.9, \"log\": false}}";
static const char *const REF_INT1 = "{\"name\": \"IntDistribution\", \"attributes\": "
                                    "{\"log\": false, \"step\": 3, \"low\": 1, \"high\": 10}}";
static const char *const REF_INT2 = "{\"name\": \"IntDistribution\", \"attributes\": "
                                    "{\"log\": true, \"step\": 1, \"low\": 1, \"high\": 100}}";
static const char *const REF_CAT = "{\"name\": \"CategoricalDistribution\", \"attributes\": "
                                   "{\"choices\": [\"a\", null, 1, 2.5, true]}}";

static int make_ref_cat(hpo_distribution **out)
{
    hpo_value c[5];
    c[0] = hpo_value_string("a");
    c[1] = hpo_value_null();
    c[2] = hpo_value_int(1);
    c[3] = hpo_value_float(2.5);
    c[4] = hpo_value_bool(true);
    return hpo_distribution_categorical_new(out, c, 5);
}

static void test_reference_json_examples(void **state)
{
    hpo_distribution *d = NULL;
    (void)state;
    assert_ok(hpo_distribution_float_new(&d, -1.0, 1.0, HPO_NO_STEP, false));
    expect_json(d, REF_FLOAT1);
    assert_ok(hpo_distribution_float_new(&d, 0.001, 1.0, HPO_NO_STEP, true));
    expect_json(d, REF_FLOAT2);
    assert_ok(hpo_distribution_float_new(&d, 0.0, 1.0, 0.3, false));
    expect_json(d, REF_FLOAT3);
    assert_ok(hpo_distribution_int_new(&d, 1, 10, 3, false));
    expect_json(d, REF_INT1);
    assert_ok(hpo_distribution_int_new(&d, 1, 100, 1, true));
    expect_json(d, REF_INT2);
    assert_ok(make_ref_cat(&d));
    expect_json(d, REF_CAT);
}

static void test_json_roundtrip(void **state)
{
    const char *all[] = {REF_FLOAT1, REF_FLOAT2, REF_FLOAT3, REF_INT1, REF_INT2, REF_CAT};
    (void)state;
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        expect_parse(all[i], all[i]);
    /* Non-ASCII and special choices survive the trip. */
    expect_parse("{\"name\": \"CategoricalDistribution\", \"attributes\": "
                 "{\"choices\": [\"caf\\u00e9\", NaN, -Infinity, 1e-05, false, -3]}}",
            "{\"name\": \"CategoricalDistribution\", \"attributes\": "
            "{\"choices\": [\"caf\\u00e9\", NaN, -Infinity, 1e-05, false, -3]}}");
    /* Compact input, ints for float bounds: written back in Optuna's form. */
    expect_parse("{\"name\":\"FloatDistribution\",\"attributes\":{\"low\":0,\"high\":2,"
                 "\"log\":false,\"step\":null}}",
            "{\"name\": \"FloatDistribution\", \"attributes\": "
            "{\"step\": null, \"low\": 0.0, \"high\": 2.0, \"log\": false}}");
}

static void test_legacy_names(void **state)
{
    (void)state;
    expect_parse("{\"name\": \"UniformDistribution\", \"attributes\": {\"low\": -1.0, \"high\": 1.0}}",
            REF_FLOAT1);
    expect_parse("{\"name\": \"LogUniformDistribution\", \"attributes\": "
                 "{\"low\": 0.001, \"high\": 1.0}}",
            REF_FLOAT2);
    expect_parse("{\"name\": \"DiscreteUniformDistribution\", \"attributes\": "
                 "{\"low\": 0.0, \"high\": 1.0, \"q\": 0.3}}",
            REF_FLOAT3);
    expect_parse("{\"name\": \"IntUniformDistribution\", \"attributes\": "
                 "{\"low\": 1, \"high\": 10, \"step\": 3}}",
            REF_INT1);
    expect_parse("{\"name\": \"IntLogUniformDistribution\", \"attributes\": "
                 "{\"low\": 1, \"high\": 100, \"step\": 1}}",
            REF_INT2);
    expect_parse("{\"name\": \"IntUniformDistribution\", \"attributes\": {\"low\": 0, \"high\": 4}}",
            "{\"name\": \"IntDistribution\", \"attributes\": "
            "{\"log\": false, \"step\": 1, \"low\": 0, \"high\": 4}}");
    expect_parse_fails("{\"name\": \"DiscreteUniformDistribution\", \"attributes\": "
                       "{\"low\": 0.0, \"high\": 1.0}}",
            "missing attribute 'q'");
    expect_parse_fails("{\"name\": \"UniformDistribution\", \"attributes\": "
                       "{\"low\": 0.0, \"high\": 1.0, \"log\": true}}",
            "unexpected attribute 'log'");
    expect_parse_fails("{\"name\": \"IntLogUniformDistribution\", \"attributes\": "
                       "{\"low\": 1, \"high\": 100, \"step\": 2}}",
            "step=2");
}

static void test_abbreviated_form(void **state)
{
    (void)state;
    expect_parse("{\"type\": \"float\", \"low\": -1, \"high\": 1}", REF_FLOAT1);
    expect_parse("{\"type\": \"float\", \"low\": 0.001, \"high\": 1, \"log\": true}", REF_FLOAT2);
    expect_parse("{\"type\": \"float\", \"low\": 0, \"high\": 1, \"step\": 0.3}", REF_FLOAT3);
    expect_parse("{\"type\": \"int\", \"low\": 1, \"high\": 10, \"step\": 3}", REF_INT1);
    expect_parse("{\"type\": \"int\", \"low\": 1, \"high\": 100, \"log\": true}", REF_INT2);
    expect_parse("{\"type\": \"int\", \"low\": 1, \"high\": 10, \"step\": null}",
            "{\"name\": \"IntDistribution\", \"attributes\": "
            "{\"log\": false, \"step\": 1, \"low\": 1, \"high\": 10}}");
    expect_parse("{\"type\": \"categorical\", \"choices\": [\"a\", null, 1, 2.5, true]}", REF_CAT);
    expect_parse_fails("{\"type\": \"bogus\"}", "unknown distribution type 'bogus'");
    expect_parse_fails("{\"type\": \"int\", \"low\": 1}", "missing key 'high'");
    expect_parse_fails("{\"type\": \"categorical\"}", "missing key 'choices'");
}

static void test_hostile_json(void **state)
{
    (void)state;
    expect_parse_fails(NULL, NULL);
    expect_parse_fails("", "invalid JSON");
    expect_parse_fails("[]", "must be an object");
    expect_parse_fails("NaN", "must be an object");
    expect_parse_fails("{}", "'name' or a string 'type'");
    expect_parse_fails("{\"name\": 7}", "'name' must be a string");
    expect_parse_fails("{\"name\": \"NoSuchDistribution\", \"attributes\": {}}",
            "unknown distribution class 'NoSuchDistribution'");
    expect_parse_fails("{\"name\": \"FloatDistribution\"}", "'attributes' must be an object");
    expect_parse_fails("{\"name\": \"FloatDistribution\", \"attributes\": []}",
            "'attributes' must be an object");
    expect_parse_fails("{\"name\": \"FloatDistribution\", \"attributes\": {\"low\": 0}}",
            "missing attribute 'high'");
    expect_parse_fails("{\"name\": \"FloatDistribution\", \"attributes\": "
                       "{\"low\": \"0\", \"high\": 1}}",
            "'low' must be a number");
    expect_parse_fails("{\"name\": \"FloatDistribution\", \"attributes\": "
                       "{\"low\": NaN, \"high\": 1}}",
            "low must be finite, got NaN");
    expect_parse_fails("{\"name\": \"FloatDistribution\", \"attributes\": "
                       "{\"low\": 0, \"high\": Infinity}}",
            "high must be finite, got Infinity");
    expect_parse_fails("{\"name\": \"FloatDistribution\", \"attributes\": "
                       "{\"low\": 0, \"high\": 1, \"step\": 0}}",
            "step=0");
    expect_parse_fails("{\"name\": \"FloatDistribution\", \"attributes\": "
                       "{\"low\": 0, \"high\": 1, \"log\": 1}}",
            "'log' must be true or false");
    expect_parse_fails("{\"name\": \"FloatDistribution\", \"attributes\": "
                       "{\"low\": 0, \"high\": 1e400}}",
            "invalid JSON");
    expect_parse_fails("{\"name\": \"IntDistribution\", \"attributes\": "
                       "{\"low\": 0, \"high\": 99999999999999999999999}}",
            "invalid JSON");
    expect_parse_fails("{\"name\": \"IntDistribution\", \"attributes\": "
                       "{\"low\": 0.5, \"high\": 3}}",
            "'low' must be an integer");
    expect_parse_fails("{\"name\": \"IntDistribution\", \"attributes\": "
                       "{\"low\": 0, \"high\": 1e300}}",
            "'high' must be an integer");
    expect_parse_fails("{\"name\": \"IntDistribution\", \"attributes\": "
                       "{\"low\": 0, \"high\": 3, \"step\": -1}}",
            "step=-1");
    expect_parse_fails("{\"name\": \"CategoricalDistribution\", \"attributes\": {\"choices\": []}}",
            "one or more");
    expect_parse_fails("{\"name\": \"CategoricalDistribution\", \"attributes\": {\"choices\": 3}}",
            "'choices' must be an array");
    expect_parse_fails("{\"name\": \"CategoricalDistribution\", \"attributes\": "
                       "{\"choices\": [1, [2]]}}",
            "choice 1");
    expect_parse_fails("{\"name\": \"CategoricalDistribution\", \"attributes\": "
                       "{\"choices\": [\"a\\u0000\"]}}",
            "\\u0000");
}

static void test_float_validation(void **state)
{
    hpo_distribution *d = (hpo_distribution *)1;
    (void)state;
    assert_status(hpo_distribution_float_new(&d, NAN, 1.0, HPO_NO_STEP, false), HPO_EINVAL);
    assert_null(d);
    assert_msg_has("low must be finite, got NaN");
    assert_status(hpo_distribution_float_new(&d, 0.0, INFINITY, HPO_NO_STEP, false), HPO_EINVAL);
    assert_msg_has("high must be finite, got Infinity");
    assert_status(hpo_distribution_float_new(&d, -INFINITY, 0.0, HPO_NO_STEP, false), HPO_EINVAL);
    assert_msg_has("-Infinity");
    assert_status(hpo_distribution_float_new(&d, 0.0, 1.0, NAN, false), HPO_EINVAL);
    assert_msg_has("step must be finite, got NaN");
    assert_status(hpo_distribution_float_new(&d, 0.0, 1.0, INFINITY, false), HPO_EINVAL);
    assert_msg_has("step must be finite");
    assert_status(hpo_distribution_float_new(&d, 1.0, 10.0, 0.5, true), HPO_EINVAL);
    assert_msg_has("step=0.5 is not supported when log is true");
    assert_status(hpo_distribution_float_new(&d, 2.0, 1.5, HPO_NO_STEP, false), HPO_EINVAL);
    assert_msg_has("low=2.0, high=1.5");
    assert_status(hpo_distribution_float_new(&d, 0.0, 1.0, HPO_NO_STEP, true), HPO_EINVAL);
    assert_msg_has("low must be > 0 for a log distribution (low=0.0");
    assert_status(hpo_distribution_float_new(&d, -1.0, 1.0, HPO_NO_STEP, true), HPO_EINVAL);
    assert_msg_has("low=-1.0");
    assert_status(hpo_distribution_float_new(&d, 0.0, 1.0, -0.1, false), HPO_EINVAL);
    assert_msg_has("step=-0.1");
    /* Python's decimal raises when (high - low) // step needs > 28 digits. */
    assert_status(hpo_distribution_float_new(&d, 0.0, 1e30, 1e-10, false), HPO_EINVAL);
    assert_msg_has("step 1e-10 is too small");
    assert_status(hpo_distribution_float_new(NULL, 0.0, 1.0, HPO_NO_STEP, false), HPO_EMISUSE);

    /* Accepted edge cases: low == high, -0.0 step means no step, huge ranges. */
    assert_ok(hpo_distribution_float_new(&d, 1.0, 1.0, HPO_NO_STEP, true));
    assert_true(hpo__dist_single(d));
    hpo_distribution_free(d);
    assert_ok(hpo_distribution_float_new(&d, 0.0, 1.0, -0.0, false));
    assert_true(hpo_distribution_step(d) == HPO_NO_STEP);
    hpo_distribution_free(d);
    assert_ok(hpo_distribution_float_new(&d, -1.7976931348623157e308, 1.7976931348623157e308,
            HPO_NO_STEP, false));
    hpo_distribution_free(d);
}

static void test_int_validation(void **state)
{
    hpo_distribution *d = (hpo_distribution *)1;
    (void)state;
    assert_status(hpo_distribution_int_new(&d, 1, 10, 2, true), HPO_EINVAL);
    assert_null(d);
    assert_msg_has("step=2 is not supported when log is true");
    assert_status(hpo_distribution_int_new(&d, 5, 4, 1, false), HPO_EINVAL);
    assert_msg_has("low=5, high=4");
    assert_status(hpo_distribution_int_new(&d, 0, 10, 1, true), HPO_EINVAL);
    assert_msg_has("low must be >= 1 for a log distribution (low=0");
    assert_status(hpo_distribution_int_new(&d, 0, 10, 0, false), HPO_EINVAL);
    assert_msg_has("step=0");
    assert_status(hpo_distribution_int_new(&d, 0, 10, -3, false), HPO_EINVAL);
    assert_msg_has("step=-3");
    /* The full int64 range does not overflow the adjustment. */
    assert_ok(hpo_distribution_int_new(&d, INT64_MIN, INT64_MAX, 1, false));
    hpo_distribution_free(d);
    assert_ok(hpo_distribution_int_new(&d, INT64_MIN, INT64_MAX, 2, false));
    assert_true(d->ihigh == INT64_MAX - 1);
    hpo_distribution_free(d);
}

static int n_warnings;
static char last_warning[512];

static void capture_log(int level, const char *message, void *payload)
{
    (void)payload;
    if (level == HPO_LOG_WARNING) {
        n_warnings++;
        strncpy(last_warning, message, sizeof(last_warning) - 1);
    }
}

/* Float(low, high, step) must end with high == want_high, warning when the range
 * is not a multiple of step in decimal. */
static void check_float_high(double low, double high, double step, double want_high, bool warn)
{
    hpo_distribution *d = NULL;
    int before = n_warnings;
    assert_ok(hpo_distribution_float_new(&d, low, high, step, false));
    if (hpo_distribution_high(d) != want_high) {
        print_error("Float(%.17g, %.17g, step=%.17g): high %.17g, expected %.17g\n", low, high,
                step, hpo_distribution_high(d), want_high);
        fail();
    }
    hpo_assert_eq_i64(n_warnings - before, warn);
    hpo_distribution_free(d);
}

static void check_int_high(int64_t low, int64_t high, int64_t step, int64_t want_high)
{
    hpo_distribution *d = NULL;
    int before = n_warnings;
    assert_ok(hpo_distribution_int_new(&d, low, high, step, false));
    hpo_assert_eq_i64(d->ihigh, want_high);
    assert_true(hpo_distribution_high(d) == (double)want_high);
    hpo_assert_eq_i64(n_warnings - before, want_high != high);
    hpo_distribution_free(d);
}

static void test_high_adjustment(void **state)
{
    (void)state;
    hpo_set_log_callback(capture_log, NULL);
    /* Expected values computed with Python's decimal as Optuna does. */
    check_float_high(0.0, 1.0, 0.3, 0.9, true); /* decimal: 0.9, not 0.8999999999999999 */
    assert_non_null(strstr(last_warning, "[0.0, 1.0] and step=0.3"));
    assert_non_null(strstr(last_warning, "[0.0, 0.9]"));
    check_float_high(0.0, 1.0, 0.1, 1.0, false); /* divisible in decimal, not in binary */
    check_float_high(0.0, 1.0, 0.25, 1.0, false);
    check_float_high(0.1, 0.7, 0.2, 0.7, false); /* 0.7 - 0.1 is 0.6 exactly in decimal */
    check_float_high(-1.0, 1.0, 0.7, 0.4, true);
    check_float_high(0.0, 10.0, 3.0, 9.0, true);
    check_float_high(0.0, 1.0, 2.0, 0.0, true); /* step larger than the range */
    /* 28-digit rounding: the adjusted decimal rounds back to the same double. */
    check_float_high(1e-20, 1e20, 3.0, 1e20, true);
    check_float_high(-0.0, 0.5, 1.0, 0.0, true);
    check_int_high(1, 10, 3, 10);
    check_int_high(0, 10, 3, 9);
    check_int_high(-7, 7, 5, 3);
    check_int_high(0, 0, 4, 0);
    hpo_set_log_callback(NULL, NULL);
}

static void test_categorical_validation(void **state)
{
    hpo_distribution *d = (hpo_distribution *)1;
    hpo_value c[3] = {{HPO_VALUE_NULL, {false}}, {HPO_VALUE_NULL, {false}}, {HPO_VALUE_NULL, {false}}};
    (void)state;
    assert_status(hpo_distribution_categorical_new(&d, c, 0), HPO_EINVAL);
    assert_null(d);
    assert_msg_has("one or more");
    c[0] = hpo_value_int(1);
    c[1] = hpo_value_string(NULL);
    assert_status(hpo_distribution_categorical_new(&d, c, 2), HPO_EINVAL);
    assert_msg_has("choice 1 is a NULL string");
    c[1] = hpo_value_int(2);
    c[1].type = (hpo_value_type)42;
    assert_status(hpo_distribution_categorical_new(&d, c, 2), HPO_EINVAL);
    assert_msg_has("choice 1 has unknown value type 42");
    c[1] = hpo_value_string("ok\xff");
    assert_status(hpo_distribution_categorical_new(&d, c, 2), HPO_EINVAL);
    assert_msg_has("choice 1 is not valid UTF-8");
    /* Duplicates are allowed. */
    c[1] = hpo_value_int(1);
    c[2] = hpo_value_float(1.0);
    assert_ok(hpo_distribution_categorical_new(&d, c, 3));
    hpo_assert_eq_i64(hpo_distribution_n_choices(d), 3);
    hpo_distribution_free(d);
}

static void test_accessors_and_copy(void **state)
{
    hpo_distribution *d = NULL, *c = NULL;
    hpo_value v;
    char *s = NULL;
    (void)state;
    assert_ok(hpo_distribution_float_new(&d, 0.0, 1.0, 0.3, false));
    assert_true(hpo_distribution_kind(d) == HPO_DIST_FLOAT);
    assert_true(hpo_distribution_low(d) == 0.0);
    assert_true(hpo_distribution_high(d) == 0.9);
    assert_true(hpo_distribution_step(d) == 0.3);
    assert_false(hpo_distribution_is_log(d));
    hpo_assert_eq_i64(hpo_distribution_n_choices(d), 0);
    assert_ok(hpo__dist_copy(d, &c));
    /* Distributions are immutable: a copy is a shared reference. */
    assert_true(c == d && hpo__dist_equal(c, d));
    hpo_distribution_free(c);
    hpo_distribution_free(d);

    assert_ok(make_ref_cat(&d));
    assert_ok(hpo__dist_copy(d, &c));
    hpo_distribution_free(d); /* the copy keeps the shared object alive */
    v = hpo_distribution_choice(c, 0);
    assert_true(v.type == HPO_VALUE_STRING);
    assert_string_equal(v.u.s, "a");
    assert_true(hpo_distribution_choice(c, 5).type == HPO_VALUE_NULL);
    assert_true(hpo_distribution_choice(c, 3).u.f == 2.5);
    expect_json(c, REF_CAT);

    /* NULL handles are harmless. */
    hpo_distribution_free(NULL);
    assert_true(isnan(hpo_distribution_low(NULL)));
    hpo_assert_eq_i64(hpo_distribution_n_choices(NULL), 0);
    assert_status(hpo_distribution_to_json(NULL, &s), HPO_EMISUSE);
    assert_null(s);
}

static void test_single_and_contains(void **state)
{
    hpo_distribution *d = NULL;
    (void)state;
    assert_ok(hpo_distribution_float_new(&d, 0.0, 1.0, 0.25, false));
    assert_false(hpo__dist_single(d));
    assert_true(hpo__dist_contains(d, 0.75));
    assert_false(hpo__dist_contains(d, 0.7));
    assert_false(hpo__dist_contains(d, 1.25));
    assert_false(hpo__dist_contains(d, NAN));
    hpo_distribution_free(d);
    /* (high - low) < step in decimal: 0.3 - 0.1 = 0.2 < 0.25. */
    assert_ok(hpo_distribution_float_new(&d, 0.1, 0.3, 0.25, false));
    assert_true(hpo__dist_single(d));
    assert_true(hpo__dist_single_value(d) == 0.1);
    hpo_distribution_free(d);
    assert_ok(hpo_distribution_float_new(&d, 0.1, 0.3, 0.2, false));
    assert_false(hpo__dist_single(d));
    hpo_distribution_free(d);
    assert_ok(hpo_distribution_float_new(&d, 0.0, 1.0, HPO_NO_STEP, false));
    assert_false(hpo__dist_single(d));
    assert_true(hpo__dist_contains(d, 0.123));
    hpo_distribution_free(d);

    assert_ok(hpo_distribution_int_new(&d, 0, 10, 3, false));
    assert_true(hpo__dist_contains(d, 6.0));
    assert_false(hpo__dist_contains(d, 7.0));
    assert_false(hpo__dist_contains(d, 12.0));
    assert_false(hpo__dist_single(d));
    hpo_distribution_free(d);
    assert_ok(hpo_distribution_int_new(&d, 3, 5, 3, false));
    assert_true(hpo__dist_single(d)); /* high adjusted to 3 */
    hpo_distribution_free(d);
    assert_ok(hpo_distribution_int_new(&d, 3, 4, 1, true));
    assert_false(hpo__dist_single(d));
    hpo_distribution_free(d);

    assert_ok(make_ref_cat(&d));
    assert_false(hpo__dist_single(d));
    assert_true(hpo__dist_contains(d, 4.0));
    assert_true(hpo__dist_contains(d, 0.0));
    assert_false(hpo__dist_contains(d, 5.0));
    assert_false(hpo__dist_contains(d, -1.0));
    assert_false(hpo__dist_contains(d, NAN));
    hpo_distribution_free(d);
}

static void test_internal_external(void **state)
{
    hpo_distribution *d = NULL;
    hpo_value v, c[5];
    double x = -1.0;
    (void)state;
    /* Python ==: True == 1 == 1.0, so the first equal choice wins. */
    c[0] = hpo_value_string("x");
    c[1] = hpo_value_bool(true);
    c[2] = hpo_value_int(1);
    c[3] = hpo_value_float(NAN);
    c[4] = hpo_value_null();
    assert_ok(hpo_distribution_categorical_new(&d, c, 5));
    v = hpo_value_float(1.0);
    assert_ok(hpo__dist_to_internal(d, &v, &x));
    assert_true(x == 1.0);
    v = hpo_value_int(1);
    assert_ok(hpo__dist_to_internal(d, &v, &x));
    assert_true(x == 1.0);
    v = hpo_value_float(NAN);
    assert_ok(hpo__dist_to_internal(d, &v, &x));
    assert_true(x == 3.0);
    v = hpo_value_null();
    assert_ok(hpo__dist_to_internal(d, &v, &x));
    assert_true(x == 4.0);
    v = hpo_value_string("y");
    assert_status(hpo__dist_to_internal(d, &v, &x), HPO_EINVAL);
    assert_msg_has("'y' is not one of the choices");
    v = hpo_value_int(0);
    assert_status(hpo__dist_to_internal(d, &v, &x), HPO_EINVAL);
    assert_ok(hpo__dist_to_external(d, 0.0, &v));
    assert_true(v.type == HPO_VALUE_STRING);
    assert_string_equal(v.u.s, "x");
    assert_ok(hpo__dist_to_external(d, 3.0, &v));
    assert_true(v.type == HPO_VALUE_FLOAT && isnan(v.u.f));
    assert_status(hpo__dist_to_external(d, 5.0, &v), HPO_EINVAL);
    assert_msg_has("not a choice index");
    assert_status(hpo__dist_to_external(d, NAN, &v), HPO_EINVAL);
    hpo_distribution_free(d);

    assert_ok(hpo_distribution_int_new(&d, 0, 10, 1, false));
    v = hpo_value_int(7);
    assert_ok(hpo__dist_to_internal(d, &v, &x));
    assert_true(x == 7.0);
    assert_ok(hpo__dist_to_external(d, 4.0, &v));
    assert_true(v.type == HPO_VALUE_INT && v.u.i == 4);
    v = hpo_value_string("7");
    assert_status(hpo__dist_to_internal(d, &v, &x), HPO_EINVAL);
    assert_msg_has("'7' is not a number");
    assert_status(hpo__dist_to_external(d, 1e300, &v), HPO_EINVAL);
    hpo_distribution_free(d);

    assert_ok(hpo_distribution_float_new(&d, 0.001, 1.0, HPO_NO_STEP, true));
    v = hpo_value_float(NAN);
    assert_status(hpo__dist_to_internal(d, &v, &x), HPO_EINVAL);
    assert_msg_has("nan");
    v = hpo_value_float(-2.0);
    assert_status(hpo__dist_to_internal(d, &v, &x), HPO_EINVAL);
    assert_msg_has("-2.0");
    v = hpo_value_float(0.5);
    assert_ok(hpo__dist_to_internal(d, &v, &x));
    assert_true(x == 0.5);
    assert_ok(hpo__dist_to_external(d, 0.25, &v));
    assert_true(v.type == HPO_VALUE_FLOAT && v.u.f == 0.25);
    hpo_distribution_free(d);
}

static void test_value_equal_and_describe(void **state)
{
    hpo_value a, b;
    char buf[80];
    (void)state;
    a = hpo_value_bool(true), b = hpo_value_float(1.0);
    assert_true(hpo__value_equal(&a, &b));
    a = hpo_value_bool(false), b = hpo_value_int(0);
    assert_true(hpo__value_equal(&a, &b));
    a = hpo_value_int(9007199254740993LL), b = hpo_value_float(9007199254740992.0);
    assert_false(hpo__value_equal(&a, &b)); /* Python compares int and float exactly */
    a = hpo_value_float(NAN), b = hpo_value_float(NAN);
    assert_true(hpo__value_equal(&a, &b));
    a = hpo_value_float(-0.0), b = hpo_value_int(0);
    assert_true(hpo__value_equal(&a, &b));
    a = hpo_value_null(), b = hpo_value_int(0);
    assert_false(hpo__value_equal(&a, &b));
    a = hpo_value_string("1"), b = hpo_value_int(1);
    assert_false(hpo__value_equal(&a, &b));
    a = hpo_value_string("s"), b = hpo_value_string("s");
    assert_true(hpo__value_equal(&a, &b));

    a = hpo_value_null();
    assert_string_equal(hpo__value_describe(&a, buf, sizeof(buf)), "None");
    a = hpo_value_bool(false);
    assert_string_equal(hpo__value_describe(&a, buf, sizeof(buf)), "False");
    a = hpo_value_int(-3);
    assert_string_equal(hpo__value_describe(&a, buf, sizeof(buf)), "-3");
    a = hpo_value_float(1e-05);
    assert_string_equal(hpo__value_describe(&a, buf, sizeof(buf)), "1e-05");
    a = hpo_value_float(-INFINITY);
    assert_string_equal(hpo__value_describe(&a, buf, sizeof(buf)), "-inf");
    a = hpo_value_string("abc");
    assert_string_equal(hpo__value_describe(&a, buf, sizeof(buf)), "'abc'");
}

static void test_compatibility(void **state)
{
    hpo_distribution *f1 = NULL, *f2 = NULL, *flog = NULL, *i1 = NULL, *i2 = NULL, *ilog = NULL;
    hpo_distribution *c1 = NULL, *c2 = NULL, *c3 = NULL;
    hpo_value a[2], b[2];
    (void)state;
    assert_ok(hpo_distribution_float_new(&f1, 0.0, 1.0, HPO_NO_STEP, false));
    assert_ok(hpo_distribution_float_new(&f2, -5.0, 5.0, 0.5, false));
    assert_ok(hpo_distribution_float_new(&flog, 0.1, 1.0, HPO_NO_STEP, true));
    assert_ok(hpo_distribution_int_new(&i1, 0, 10, 1, false));
    assert_ok(hpo_distribution_int_new(&i2, 0, 100, 5, false));
    assert_ok(hpo_distribution_int_new(&ilog, 1, 100, 1, true));
    a[0] = hpo_value_float(NAN), a[1] = hpo_value_string("s");
    b[0] = hpo_value_float(NAN), b[1] = hpo_value_string("t");
    assert_ok(hpo_distribution_categorical_new(&c1, a, 2));
    assert_ok(hpo_distribution_categorical_new(&c2, a, 2));
    assert_ok(hpo_distribution_categorical_new(&c3, b, 2));

    /* Ranges and steps may change; NaN choices compare equal. */
    assert_ok(hpo__dist_check_compatible(f1, f2, "x"));
    assert_ok(hpo__dist_check_compatible(i1, i2, "n"));
    assert_ok(hpo__dist_check_compatible(c1, c2, "c"));
    assert_true(hpo__dist_equal(c1, c2));

    assert_status(hpo__dist_check_compatible(f1, i1, "lr"), HPO_EINVAL);
    assert_msg_has("parameter 'lr': Cannot set different distribution kind to the same "
                   "parameter name");
    assert_msg_has("FloatDistribution, then IntDistribution");
    assert_status(hpo__dist_check_compatible(f1, flog, "lr"), HPO_EINVAL);
    assert_msg_has("parameter 'lr': Cannot set different log configuration to the same "
                   "parameter name");
    assert_status(hpo__dist_check_compatible(ilog, i1, "units"), HPO_EINVAL);
    assert_msg_has("'units'");
    assert_status(hpo__dist_check_compatible(c1, c3, "opt"), HPO_EINVAL);
    assert_msg_has("parameter 'opt': CategoricalDistribution does not support dynamic value "
                   "space.");
    assert_status(hpo__dist_check_compatible(c1, f1, "opt"), HPO_EINVAL);
    assert_msg_has("distribution kind");

    assert_false(hpo__dist_equal(f1, f2));
    assert_false(hpo__dist_equal(i1, i2));
    hpo_distribution_free(f1);
    hpo_distribution_free(f2);
    hpo_distribution_free(flog);
    hpo_distribution_free(i1);
    hpo_distribution_free(i2);
    hpo_distribution_free(ilog);
    hpo_distribution_free(c1);
    hpo_distribution_free(c2);
    hpo_distribution_free(c3);
}

/* Walk every allocation of a call: the n-th fails for n = 0, 1, ... until the
 * call succeeds; each failure must be a clean HPO_ENOMEM (ASan checks leaks). */
static void test_out_of_memory(void **state)
{
    hpo_value c[3];
    hpo_distribution *d = NULL, *ref = NULL;
    char *s = NULL;
    long n;
    int rc;
    (void)state;
    c[0] = hpo_value_string("alpha");
    c[1] = hpo_value_float(NAN);
    c[2] = hpo_value_string("beta");
    for (n = 0;; n++) {
        hpo__fail_alloc_after(n);
        rc = hpo_distribution_categorical_new(&d, c, 3);
        hpo__fail_alloc_after(-1);
        if (rc == HPO_OK)
            break;
        assert_status(rc, HPO_ENOMEM);
        assert_null(d);
    }
    assert_true(n >= 3); /* array, two strings, the distribution */
    ref = d;
    for (n = 0;; n++) {
        hpo__fail_alloc_after(n);
        rc = hpo_distribution_to_json(ref, &s);
        hpo__fail_alloc_after(-1);
        if (rc == HPO_OK)
            break;
        assert_status(rc, HPO_ENOMEM);
        assert_null(s);
    }
    assert_string_equal(s, "{\"name\": \"CategoricalDistribution\", \"attributes\": "
                           "{\"choices\": [\"alpha\", NaN, \"beta\"]}}");
    hpo_free(s);
    for (n = 0;; n++) {
        hpo__fail_alloc_after(n);
        rc = hpo__dist_copy(ref, &d);
        hpo__fail_alloc_after(-1);
        if (rc == HPO_OK)
            break;
        assert_status(rc, HPO_ENOMEM);
    }
    assert_true(hpo__dist_equal(d, ref));
    hpo_distribution_free(d);
    hpo_distribution_free(ref);
    for (n = 0;; n++) {
        hpo__fail_alloc_after(n);
        rc = hpo_distribution_float_new(&d, 0.0, 1.0, 0.3, false);
        hpo__fail_alloc_after(-1);
        if (rc == HPO_OK)
            break;
        assert_status(rc, HPO_ENOMEM);
        assert_null(d);
    }
    hpo_distribution_free(d);
    for (n = 0;; n++) {
        hpo__fail_alloc_after(n);
        rc = hpo_distribution_int_new(&d, 0, 10, 3, false);
        hpo__fail_alloc_after(-1);
        if (rc == HPO_OK)
            break;
        assert_status(rc, HPO_ENOMEM);
    }
    hpo_distribution_free(d);
    /* jansson allocates with malloc; our own allocations along the way still fail. */
    for (n = 0;; n++) {
        hpo__fail_alloc_after(n);
        rc = hpo_distribution_from_json(&d, REF_CAT);
        hpo__fail_alloc_after(-1);
        if (rc == HPO_OK)
            break;
        assert_status(rc, HPO_ENOMEM);
        assert_null(d);
    }
    expect_json(d, REF_CAT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_json_examples),
        cmocka_unit_test(test_json_roundtrip),
        cmocka_unit_test(test_legacy_names),
        cmocka_unit_test(test_abbreviated_form),
        cmocka_unit_test(test_hostile_json),
        cmocka_unit_test(test_float_validation),
        cmocka_unit_test(test_int_validation),
        cmocka_unit_test(test_high_adjustment),
        cmocka_unit_test(test_categorical_validation),
        cmocka_unit_test(test_accessors_and_copy),
        cmocka_unit_test(test_single_and_contains),
        cmocka_unit_test(test_internal_external),
        cmocka_unit_test(test_value_equal_and_describe),
        cmocka_unit_test(test_compatibility),
        cmocka_unit_test(test_out_of_memory),
    };
    return HPO_RUN_TESTS("distribution", tests);
}
