/*
 * test_json.c - the json.dumps-compatible writer (Python float repr, ensure_ascii
 * strings) and the reader that accepts NaN / Infinity / -Infinity.
 */
#include <math.h>
#include <string.h>

#include "core/json.h"
#include "support/test_util.h"

static void check_repr(double v, const char *want)
{
    char out[40];
    hpo__double_repr(v, out);
    if (strcmp(out, want) != 0) {
        print_error("repr(%.17g) = \"%s\", expected \"%s\"\n", v, out, want);
        fail();
    }
}

static void test_float_repr(void **state)
{
    (void)state;
    check_repr(0.1, "0.1");
    check_repr(1.0, "1.0");
    check_repr(100.0, "100.0");
    check_repr(-2.5, "-2.5");
    check_repr(0.0001, "0.0001");
    check_repr(1e-05, "1e-05");
    check_repr(1.5e-07, "1.5e-07");
    check_repr(1e16, "1e+16");
    check_repr(1.5e16, "1.5e+16");
    check_repr(1234567890123456.0, "1234567890123456.0");
    check_repr(123456789012345678.0, "1.2345678901234568e+17");
    check_repr(1e22, "1e+22");
    check_repr(0.0, "0.0");
    check_repr(-0.0, "-0.0");
    check_repr(5e-324, "5e-324");
    check_repr(1.7976931348623157e308, "1.7976931348623157e+308");
    check_repr(0.1 + 0.2, "0.30000000000000004");
    check_repr(1.0 / 3.0, "0.3333333333333333");
    check_repr(9007199254740993.0, "9007199254740992.0");
    check_repr(NAN, "NaN");
    check_repr(INFINITY, "Infinity");
    check_repr(-INFINITY, "-Infinity");
}

/* Serialise s as a JSON string and compare, or expect HPO_EINVAL. */
static void check_string(const char *s, const char *want)
{
    hpo_buf b;
    hpo__buf_init(&b, 0);
    hpo__json_put_string(&b, s);
    if (want == NULL) {
        assert_status(hpo__buf_status(&b), HPO_EINVAL);
        assert_msg_has("not valid UTF-8");
    } else {
        assert_ok(hpo__buf_status(&b));
        assert_string_equal(b.data, want);
    }
    hpo__buf_free(&b);
}

static void test_ensure_ascii(void **state)
{
    (void)state;
    check_string("", "\"\"");
    check_string("abc", "\"abc\"");
    check_string("a\"b\\c/", "\"a\\\"b\\\\c/\"");
    check_string("\n\r\t\b\f", "\"\\n\\r\\t\\b\\f\"");
    check_string("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
    check_string("caf\xc3\xa9", "\"caf\\u00e9\"");
    check_string("\xe2\x82\xac", "\"\\u20ac\"");
    check_string("\xf0\x9f\x98\x80", "\"\\ud83d\\ude00\"");
    check_string("\xf4\x8f\xbf\xbf", "\"\\udbff\\udfff\"");
}

static void test_invalid_utf8_rejected(void **state)
{
    (void)state;
    check_string("ab\xff", NULL);
    assert_msg_has("0xff at offset 2");
    check_string("\xc0\x80", NULL);         /* overlong NUL */
    check_string("\xed\xa0\x80", NULL);     /* encoded surrogate */
    check_string("\xe2\x82", NULL);         /* cut short */
    check_string("\xf4\x90\x80\x80", NULL); /* above U+10FFFF */
    check_string("\x80", NULL);             /* stray continuation */
    hpo_assert_eq_i64(hpo__utf8_invalid_at("ok\xc3\xa9"), (size_t)-1);
    hpo_assert_eq_i64(hpo__utf8_invalid_at("ok\xc3"), 2);
}

/* Parse text, write it back, compare with want. */
static void check_roundtrip(const char *text, const char *want)
{
    json_t *v = NULL;
    hpo_buf b;
    assert_ok(hpo__json_parse(text, &v));
    hpo__buf_init(&b, 0);
    hpo__json_put(&b, v);
    assert_ok(hpo__buf_status(&b));
    assert_string_equal(b.data, want);
    hpo__buf_free(&b);
    json_decref(v);
}

static void test_roundtrip_dumps_style(void **state)
{
    (void)state;
    check_roundtrip("{\"b\":1,\"a\":[1.5,null,true,false]}",
            "{\"b\": 1, \"a\": [1.5, null, true, false]}");
    check_roundtrip("[1, 1.0, -0.0, 1e-05, 1E16, 100]", "[1, 1.0, -0.0, 1e-05, 1e+16, 100]");
    check_roundtrip("{}", "{}");
    check_roundtrip("[]", "[]");
    check_roundtrip("\"val\"", "\"val\"");
    check_roundtrip("\"\\u00e9\\ud83d\\ude00\"", "\"\\u00e9\\ud83d\\ude00\"");
    check_roundtrip("{\"k\": {\"nested\": [[]]}}", "{\"k\": {\"nested\": [[]]}}");
    check_roundtrip("-9223372036854775808", "-9223372036854775808");
}

static void test_nan_infinity_tokens(void **state)
{
    json_t *v = NULL;
    double x = 0.0;
    (void)state;
    check_roundtrip("[NaN, Infinity, -Infinity, \"NaN\", \"-Infinity\"]",
            "[NaN, Infinity, -Infinity, \"NaN\", \"-Infinity\"]");
    check_roundtrip("{\"a\": NaN, \"b NaN\": \"Infinity \\\" NaN\"}",
            "{\"a\": NaN, \"b NaN\": \"Infinity \\\" NaN\"}");

    assert_ok(hpo__json_parse("NaN", &v));
    assert_true(hpo__json_number(v, &x));
    assert_true(isnan(x));
    json_decref(v);
    assert_ok(hpo__json_parse("-Infinity", &v));
    assert_true(hpo__json_nonfinite(v, &x));
    assert_true(isinf(x) && x < 0);
    json_decref(v);
    /* A real string "NaN" is not a number. */
    assert_ok(hpo__json_parse("\"NaN\"", &v));
    assert_false(hpo__json_number(v, &x));
    assert_false(hpo__json_nonfinite(v, &x));
    json_decref(v);
    assert_ok(hpo__json_parse("[1, 2.5]", &v));
    assert_true(hpo__json_number(json_array_get(v, 0), &x));
    assert_true(x == 1.0);
    assert_true(hpo__json_number(json_array_get(v, 1), &x));
    assert_true(x == 2.5);
    assert_false(hpo__json_number(v, &x));
    json_decref(v);
}

static void test_parse_errors(void **state)
{
    json_t *v = (json_t *)1;
    (void)state;
    assert_status(hpo__json_parse("nan", &v), HPO_EINVAL);
    assert_null(v);
    assert_msg_has("invalid JSON");
    assert_status(hpo__json_parse("NaNx", &v), HPO_EINVAL);
    assert_status(hpo__json_parse("-NaN", &v), HPO_EINVAL);
    assert_status(hpo__json_parse("[1,", &v), HPO_EINVAL);
    assert_msg_has("line 1");
    assert_status(hpo__json_parse("", &v), HPO_EINVAL);
    assert_status(hpo__json_parse("{\"a\": 1} x", &v), HPO_EINVAL);
    assert_status(hpo__json_parse("\"a\\u0000b\"", &v), HPO_EINVAL);
    assert_msg_has("\\u0000");
    assert_status(hpo__json_parse("\"\xff\"", &v), HPO_EINVAL);
    assert_status(hpo__json_parse(NULL, &v), HPO_EINVAL);
    /* Beyond int64 / double range: jansson refuses, so do we. */
    assert_status(hpo__json_parse("123456789012345678901234567890", &v), HPO_EINVAL);
    assert_status(hpo__json_parse("1e400", &v), HPO_EINVAL);
    assert_ok(hpo__json_validate("{\"a\": [NaN]}"));
    assert_status(hpo__json_validate("{\"a\" [NaN]}"), HPO_EINVAL);
}

static void test_real_any_and_put_value(void **state)
{
    json_t *arr = json_array();
    hpo_buf b;
    hpo_value vals[6];
    (void)state;
    assert_non_null(arr);
    json_array_append_new(arr, hpo__json_real_any(2.0));
    json_array_append_new(arr, hpo__json_real_any(NAN));
    json_array_append_new(arr, hpo__json_real_any(INFINITY));
    json_array_append_new(arr, json_integer(2));
    hpo__buf_init(&b, 0);
    hpo__json_put(&b, arr);
    assert_string_equal(b.data, "[2.0, NaN, Infinity, 2]");
    json_decref(arr);

    vals[0] = hpo_value_null();
    vals[1] = hpo_value_bool(true);
    vals[2] = hpo_value_int(-7);
    vals[3] = hpo_value_float(2.0);
    vals[4] = hpo_value_string("\xc3\xa9");
    vals[5] = hpo_value_float(-INFINITY);
    hpo__buf_reset(&b);
    for (int i = 0; i < 6; i++) {
        hpo__json_put_value(&b, &vals[i]);
        hpo__buf_putc(&b, ' ');
    }
    assert_string_equal(b.data, "null true -7 2.0 \"\\u00e9\" -Infinity ");
    hpo__buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_float_repr),
        cmocka_unit_test(test_ensure_ascii),
        cmocka_unit_test(test_invalid_utf8_rejected),
        cmocka_unit_test(test_roundtrip_dumps_style),
        cmocka_unit_test(test_nan_infinity_tokens),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_real_any_and_put_value),
    };
    return HPO_RUN_TESTS("json", tests);
}
