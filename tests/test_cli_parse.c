/*
 * test_cli_parse.c - the parsers behind `hpo run`: metric lines (data cases in
 * tests/cli/metrics.cases), `{name}` templates, search spaces from flags, JSON
 * and YAML with conditions; plus a replay of the fuzz corpora (fuzz/corpus/).
 *
 * Also the runner's pieces that need no process: line splitting, the output
 * tail, GPU lists, environments. The CLI is not a library, so these files are
 * compiled in here.
 */
#define _GNU_SOURCE /* pipe2 in proc.c */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cli/metrics.c"
#include "../cli/runner/gpu.c"
#include "../cli/runner/output.c"
#include "../cli/runner/proc.c"
#include "../cli/space.c"
#include "../cli/template.c"
#include "support/test_util.h"

/* The source tree: tests run from the repository root (make check, CI). */
static const char *srcdir(void)
{
    const char *d = getenv("HPO_TEST_SRCDIR");
    return d ? d : ".";
}

/* ---- metric lines ---------------------------------------------------------- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Unescape \t \r \\ \xHH into out; returns the length. */
static size_t unescape(const char *s, char *out)
{
    size_t n = 0;
    while (*s) {
        if (s[0] == '\\' && s[1] == 't') {
            out[n++] = '\t';
            s += 2;
        } else if (s[0] == '\\' && s[1] == 'r') {
            out[n++] = '\r';
            s += 2;
        } else if (s[0] == '\\' && s[1] == '\\') {
            out[n++] = '\\';
            s += 2;
        } else if (s[0] == '\\' && s[1] == 'x' && hexval(s[2]) >= 0 && hexval(s[3]) >= 0) {
            out[n++] = (char)(hexval(s[2]) * 16 + hexval(s[3]));
            s += 4;
        } else {
            out[n++] = *s++;
        }
    }
    return n;
}

static bool same_double(double a, double b)
{
    return (isnan(a) && isnan(b)) || a == b || fabs(a - b) <= 1e-12 * fabs(b);
}

/* Compare a parsed line with "name=value ... @step" or "-". */
static void check_case(int lineno, const char *input, const char *expect)
{
    char buf[2048], exp[2048], *save = NULL;
    size_t len = unescape(input, buf), k = 0;
    cli_metric_line m;
    cli_metrics_parse(buf, len, &m);
    snprintf(exp, sizeof(exp), "%s", expect);
    for (char *tok = strtok_r(exp, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(tok, '=');
        if (strcmp(tok, "-") == 0)
            continue;
        if (tok[0] == '@') {
            if (!m.has_step || m.step != strtoll(tok + 1, NULL, 10)) {
                print_error("metrics.cases:%d: step %s expected, got %s%lld\n", lineno, tok + 1,
                        m.has_step ? "" : "none ", (long long)m.step);
                fail();
            }
            continue;
        }
        assert_non_null(eq);
        *eq = '\0';
        if (k >= m.n || strcmp(m.items[k].name, tok) != 0 ||
                !same_double(m.items[k].value, strtod(eq + 1, NULL))) {
            print_error("metrics.cases:%d: metric %zu expected %s=%s, got %s=%.17g (%zu found)\n",
                    lineno, k, tok, eq + 1, k < m.n ? m.items[k].name : "(none)",
                    k < m.n ? m.items[k].value : 0.0, m.n);
            fail();
        }
        k++;
    }
    if (k != m.n) {
        print_error("metrics.cases:%d: %zu metrics expected, %zu found\n", lineno, k, m.n);
        fail();
    }
    if (strchr(expect, '@') == NULL && m.has_step) {
        print_error("metrics.cases:%d: no step expected, got %lld\n", lineno, (long long)m.step);
        fail();
    }
}

static void test_metric_cases(void **state)
{
    char path[4096], line[2048], input[2048];
    int lineno = 0, cases = 0;
    bool have_input = false;
    FILE *f;
    (void)state;
    snprintf(path, sizeof(path), "%s/tests/cli/metrics.cases", srcdir());
    f = fopen(path, "r");
    assert_non_null(f);
    while (fgets(line, sizeof(line), f) != NULL) {
        size_t n = strlen(line);
        lineno++;
        if (n > 0 && line[n - 1] == '\n')
            line[--n] = '\0';
        if (line[0] == '<') {
            snprintf(input, sizeof(input), "%s", line[1] == ' ' ? line + 2 : line + 1);
            have_input = true;
        } else if (line[0] == '>') {
            assert_true(have_input);
            check_case(lineno, input, line[1] == ' ' ? line + 2 : line + 1);
            have_input = false;
            cases++;
        }
    }
    fclose(f);
    assert_true(cases >= 20);
}

static void test_metric_limits(void **state)
{
    /* 10 MB of garbage with a metric at the very end, then 100 pairs. */
    size_t big = 10u * 1024 * 1024;
    char *line = malloc(big + 32);
    cli_metric_line m;
    double v;
    size_t len;
    (void)state;
    assert_non_null(line);
    for (size_t i = 0; i < big; i++)
        line[i] = (char)("x= {}e.9\x01\xff"[i % 11]);
    len = big + (size_t)snprintf(line + big, 32, " acc=0.75");
    assert_int_equal(cli_metrics_parse(line, len, &m), 1);
    assert_true(cli_metrics_get(&m, "acc", &v));
    assert_true(v == 0.75);
    /* A 10 MB JSON-looking line is not handed to the JSON reader. */
    line[0] = '{';
    cli_metrics_parse(line, len, &m);
    assert_true(cli_metrics_get(&m, "acc", &v));
    len = 0;
    for (int i = 0; i < 100; i++)
        len += (size_t)snprintf(line + len, 64, "m%d=%d ", i, i);
    assert_int_equal(cli_metrics_parse(line, len, &m), CLI_METRICS_MAX);
    assert_false(cli_metrics_get(&m, "m99", &v));
    /* Over-long names and number tokens are ignored, not truncated. */
    memset(line, 'a', 300);
    len = 300 + (size_t)snprintf(line + 300, 32, "=1 b=2");
    assert_int_equal(cli_metrics_parse(line, len, &m), 1);
    assert_string_equal(m.items[0].name, "b");
    memcpy(line, "c=", 2);
    memset(line + 2, '1', 200);
    assert_int_equal(cli_metrics_parse(line, 202, &m), 0);
    /* Last value wins for a repeated name. */
    assert_int_equal(cli_metrics_parse("a=1 a=2", 7, &m), 2);
    assert_true(cli_metrics_get(&m, "a", &v) && v == 2.0);
    assert_int_equal(cli_metrics_parse(NULL, 5, &m), 0);
    free(line);
}

/* ---- templates ------------------------------------------------------------- */

static int lookup(const char *name, size_t len, const char **value, void *payload)
{
    (void)payload;
    if (len == 2 && memcmp(name, "lr", 2) == 0)
        *value = "0.001";
    else if (len == 12 && memcmp(name, "trial_number", 12) == 0)
        *value = "7";
    else if (len == 4 && memcmp(name, "evil", 4) == 0)
        *value = "a b'\"$(touch x);`id`{lr}";
    else if (len == 5 && memcmp(name, "empty", 5) == 0)
        *value = "";
    else if (len == 5 && memcmp(name, "beta1", 5) == 0)
        return CLI_TEMPLATE_INACTIVE;
    else
        return CLI_TEMPLATE_UNKNOWN;
    return CLI_TEMPLATE_FOUND;
}

static void expect_expand(const char *tmpl, const char *want)
{
    char err[256], *out = NULL;
    int rc = cli_template_expand(tmpl, lookup, NULL, &out, err, sizeof(err));
    if (rc != CLI_TEMPLATE_OK) {
        print_error("expand '%s': %s\n", tmpl, err);
        fail();
    }
    assert_string_equal(out, want);
    free(out);
}

static void expect_error(const char *tmpl, const char *needle)
{
    char err[256], *out = (char *)1;
    assert_int_equal(cli_template_expand(tmpl, lookup, NULL, &out, err, sizeof(err)),
            CLI_TEMPLATE_ERROR);
    assert_null(out);
    if (strstr(err, needle) == NULL) {
        print_error("expand '%s': message '%s' lacks '%s'\n", tmpl, err, needle);
        fail();
    }
}

static void test_template(void **state)
{
    char err[256], *out = NULL;
    (void)state;
    expect_expand("--lr={lr}", "--lr=0.001");
    expect_expand("{lr}{lr}/{trial_number}", "0.0010.001/7");
    expect_expand("plain", "plain");
    expect_expand("", "");
    expect_expand("{{lr}} {{{lr}}} }}{{", "{lr} {0.001} }{");
    expect_expand("{{\"a\": {lr}}}", "{\"a\": 0.001}");
    /* Values are never re-expanded. */
    expect_expand("{evil}", "a b'\"$(touch x);`id`{lr}");
    expect_expand("x{empty}y", "xy");
    expect_error("{nope}", "unknown name {nope}");
    expect_error("{lr", "bad placeholder at offset 0");
    expect_error("a{}", "bad placeholder at offset 1");
    expect_error("{l r}", "bad placeholder");
    expect_error("x}", "single '}' at offset 1");
    expect_error("{\"a\": 1}", "bad placeholder");
    assert_int_equal(cli_template_expand("--b={beta1}", lookup, NULL, &out, err, sizeof(err)),
            CLI_TEMPLATE_DROPPED);
    assert_null(out);
    /* Syntax-only check. */
    assert_int_equal(cli_template_expand("{anything}", NULL, NULL, &out, err, sizeof(err)),
            CLI_TEMPLATE_OK);
    assert_string_equal(out, "");
    free(out);
}

/* ---- search spaces ---------------------------------------------------------- */

static void expect_flag_error(const char *spec, const char *needle)
{
    cli_space s = {0};
    char err[512];
    assert_int_equal(cli_space_add_flag(&s, spec, err, sizeof(err)), -1);
    if (strstr(err, needle) == NULL) {
        print_error("--param %s: message '%s' lacks '%s'\n", spec, err, needle);
        fail();
    }
    assert_int_equal(s.n, 0);
    cli_space_free(&s);
}

static void test_space_flags(void **state)
{
    cli_space s = {0};
    char err[512];
    const hpo_distribution *d;
    (void)state;
    assert_int_equal(cli_space_add_flag(&s, "lr=float:1e-5:1e-1:log", err, sizeof(err)), 0);
    assert_int_equal(cli_space_add_flag(&s, "opt=cat:Adam,SGD", err, sizeof(err)), 0);
    assert_int_equal(cli_space_add_flag(&s, "layers=int:1:3", err, sizeof(err)), 0);
    assert_int_equal(cli_space_add_flag(&s, "x=float:0:1:step=0.1", err, sizeof(err)), 0);
    assert_int_equal(cli_space_add_flag(&s, "units=int:32:256:step=32", err, sizeof(err)), 0);
    assert_int_equal(cli_space_add_flag(&s, "n=int:1:1024:log", err, sizeof(err)), 0);
    assert_int_equal(cli_space_add_flag(&s, "c=categorical:a b,,$(x)", err, sizeof(err)), 0);
    assert_int_equal(s.n, 7);
    d = s.params[0].dist;
    assert_int_equal(hpo_distribution_kind(d), HPO_DIST_FLOAT);
    assert_true(hpo_distribution_is_log(d));
    assert_true(hpo_distribution_low(d) == 1e-5 && hpo_distribution_high(d) == 1e-1);
    d = s.params[1].dist;
    assert_int_equal(hpo_distribution_n_choices(d), 2);
    assert_string_equal(hpo_distribution_choice(d, 1).u.s, "SGD");
    assert_true(hpo_distribution_step(s.params[3].dist) == 0.1);
    assert_true(hpo_distribution_step(s.params[4].dist) == 32.0);
    assert_int_equal(hpo_distribution_n_choices(s.params[6].dist), 3);
    assert_string_equal(hpo_distribution_choice(s.params[6].dist, 0).u.s, "a b");
    assert_string_equal(hpo_distribution_choice(s.params[6].dist, 1).u.s, "");
    assert_int_equal(cli_space_find(&s, "layers"), 2);
    assert_int_equal(cli_space_find(&s, "nope"), -1);
    assert_int_equal(cli_space_add_flag(&s, "lr=float:0:1", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "defined twice"));
    cli_space_free(&s);

    expect_flag_error("lr", "expected NAME=TYPE");
    expect_flag_error("=float:0:1", "empty parameter name");
    expect_flag_error("a{b=float:0:1", "may not contain '{'");
    expect_flag_error("lr=float", "should be float:LOW:HIGH");
    expect_flag_error("lr=double:0:1", "unknown type 'double'");
    expect_flag_error("lr=float:0", "expected LOW:HIGH");
    expect_flag_error("lr=float:a:1", "must be finite numbers");
    expect_flag_error("lr=float:0:1e999", "must be finite numbers");
    expect_flag_error("lr=float:1:0", "parameter 'lr'");
    expect_flag_error("lr=float:0:1:log", "parameter 'lr'");
    expect_flag_error("lr=float:0:1:step=0", "must be a positive number");
    expect_flag_error("lr=float:0:1:fast", "unknown option 'fast'");
    expect_flag_error("n=int:1.5:3", "must be integers");
    expect_flag_error("n=int:1:3:step=x", "not an integer");
    expect_flag_error("n=int:1:3:step=0", "parameter 'n'");
    expect_flag_error("n=int:1:2:3:4:5:6:7:8:9", "too many");
}

static const char *space_json =
        "{\"lr\": \"float:1e-5:1e-1:log\","
        " \"opt\": [\"Adam\", \"SGD\"],"
        " \"beta1\": {\"type\": \"float\", \"low\": 0.8, \"high\": 0.99, \"when\": {\"opt\": "
        "\"Adam\"}},"
        " \"momentum\": {\"name\": \"FloatDistribution\", \"attributes\": {\"step\": null, "
        "\"low\": 0.0, \"high\": 0.9, \"log\": false}, \"when\": {\"opt\": [\"SGD\"]}},"
        " \"layers\": {\"type\": \"int\", \"low\": 1, \"high\": 3},"
        " \"units3\": {\"type\": \"int\", \"low\": 32, \"high\": 256, \"step\": 32,"
        "  \"when\": {\"layers\": 3, \"opt\": \"Adam\"}}}";

static const char *space_yaml = "# the same space in YAML\n"
                                "lr: float:1e-5:1e-1:log\n"
                                "opt: [Adam, SGD]\n"
                                "beta1:\n"
                                "  type: float\n"
                                "  low: 0.8\n"
                                "  high: 0.99\n"
                                "  when: {opt: Adam}\n"
                                "momentum:\n"
                                "  name: FloatDistribution\n"
                                "  attributes: {step: null, low: 0.0, high: 0.9, log: false}\n"
                                "  when:\n"
                                "    opt: [SGD]\n"
                                "layers: {type: int, low: 1, high: 3}\n"
                                "units3: {type: int, low: 32, high: 256, step: 32,\n"
                                "         when: {layers: 3, opt: 'Adam'}}\n";

static void check_reference_space(const cli_space *s)
{
    assert_int_equal(s->n, 6);
    assert_string_equal(s->params[2].name, "beta1");
    assert_int_equal(s->params[2].n_conds, 1);
    assert_int_equal(s->params[2].conds[0].param, 1);
    assert_int_equal(s->params[3].n_conds, 1);
    assert_int_equal(s->params[5].n_conds, 2);
    assert_int_equal(hpo_distribution_kind(s->params[5].dist), HPO_DIST_INT);
    assert_true(hpo_distribution_step(s->params[5].dist) == 32.0);
    assert_int_equal(hpo_distribution_kind(s->params[1].dist), HPO_DIST_CATEGORICAL);
}

/* Sample many trials and check the conditions hold in each. */
static void check_sampling(const cli_space *s)
{
    hpo_test_env env;
    char err[512];
    cli_assign a[6];
    int adam = 0, sgd = 0;
    hpo_test_env_open(&env, HPO_MAXIMIZE);
    for (int i = 0; i < 40; i++) {
        hpo_trial *t;
        double v = 0.5;
        assert_ok(hpo_study_ask(env.study, &t));
        assert_int_equal(cli_space_sample(s, t, a, err, sizeof(err)), 0);
        assert_true(a[0].active && a[1].active && a[4].active);
        if (strcmp(a[1].text, "Adam") == 0) {
            adam++;
            assert_true(a[2].active && !a[3].active);
            assert_true(a[5].active == (a[4].value.u.i == 3));
        } else {
            sgd++;
            assert_string_equal(a[1].text, "SGD");
            assert_true(!a[2].active && a[3].active && !a[5].active);
        }
        assert_true(a[0].value.u.f >= 1e-5 && a[0].value.u.f <= 1e-1);
        assert_true(strtod(a[0].text, NULL) == a[0].value.u.f);
        cli_assign_clear(a, 6);
        assert_ok(hpo_study_tell(env.study, t, HPO_TRIAL_COMPLETE, &v, 1));
        hpo_trial_free(t);
    }
    assert_true(adam > 0 && sgd > 0);
    hpo_test_env_close(&env);
}

static void test_space_json(void **state)
{
    cli_space s = {0};
    char err[512];
    (void)state;
    assert_int_equal(cli_space_add_json_text(&s, space_json, err, sizeof(err)), 0);
    check_reference_space(&s);
    check_sampling(&s);
    cli_space_free(&s);
}

static void test_space_yaml(void **state)
{
    cli_space s = {0};
    char err[512];
    json_t *root = NULL;
    (void)state;
    assert_int_equal(cli_yaml_to_json(space_yaml, strlen(space_yaml), &root, err, sizeof(err)),
            0);
    assert_int_equal(add_json(&s, root, err, sizeof(err)), 0);
    json_decref(root);
    check_reference_space(&s);
    assert_true(hpo_distribution_low(s.params[2].dist) == 0.8);
    cli_space_free(&s);
    /* Scalars: quoted strings stay strings; plain ones are typed. */
    {
        const char *y = "[1, '1', 1.5, true, 'true', ~, x]";
        if (cli_yaml_to_json(y, strlen(y), &root, err, sizeof(err)) != 0) {
            print_error("%s\n", err);
            fail();
        }
    }
    assert_true(json_is_integer(json_array_get(root, 0)));
    assert_true(json_is_string(json_array_get(root, 1)));
    assert_true(json_is_real(json_array_get(root, 2)));
    assert_true(json_is_true(json_array_get(root, 3)));
    assert_true(json_is_string(json_array_get(root, 4)));
    assert_true(json_is_null(json_array_get(root, 5)));
    assert_true(json_is_string(json_array_get(root, 6)));
    json_decref(root);
    assert_int_equal(cli_yaml_to_json("a: [1, 2\n", 9, &root, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "YAML line"));
    assert_int_equal(cli_yaml_to_json("a: &x 1\nb: *x\n", 14, &root, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "aliases"));
    assert_int_equal(cli_yaml_to_json("{[1]: 2}", 8, &root, err, sizeof(err)), -1);
    assert_int_equal(cli_yaml_to_json("", 0, &root, err, sizeof(err)), -1);
    assert_null(root);
}

static void expect_json_error(const char *text, const char *needle)
{
    cli_space s = {0};
    char err[512];
    assert_int_equal(cli_space_add_json_text(&s, text, err, sizeof(err)), -1);
    if (strstr(err, needle) == NULL) {
        print_error("space %s: message '%s' lacks '%s'\n", text, err, needle);
        fail();
    }
    cli_space_free(&s);
}

static void test_space_errors(void **state)
{
    (void)state;
    expect_json_error("[1]", "must be an object");
    expect_json_error("{\"a\": ", "search space JSON, line");
    expect_json_error("{\"a\": 3}", "parameter 'a': expected");
    expect_json_error("{\"a\": {\"type\": \"float\", \"low\": 2, \"high\": 1}}", "parameter 'a'");
    expect_json_error("{\"a\": {\"type\": \"int\", \"low\": 1, \"high\": 2, \"when\": {\"b\": 1}}}",
            "condition on 'b', which is not defined before it");
    expect_json_error("{\"o\": [\"x\"], \"a\": {\"type\": \"int\", \"low\": 1, \"high\": 2, "
                      "\"when\": {\"o\": \"y\"}}}",
            "condition o=\"y\" is not one of its choices");
    expect_json_error("{\"o\": [\"x\"], \"a\": {\"type\": \"int\", \"low\": 1, \"high\": 2, "
                      "\"when\": [1]}}",
            "\"when\" must be an object");
    expect_json_error("{\"o\": [\"x\"], \"a\": {\"type\": \"int\", \"low\": 1, \"high\": 2, "
                      "\"when\": {\"o\": [[1]]}}}",
            "must be scalars");
    expect_json_error("{\"a\": []}", "parameter 'a'");
}

static void test_space_file(void **state)
{
    cli_space s = {0};
    char err[512], path[] = "/tmp/hpo-space-XXXXXX.yaml";
    int fd;
    FILE *f;
    (void)state;
    fd = mkstemps(path, 5);
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    fputs(space_yaml, f);
    fclose(f);
    assert_int_equal(cli_space_load_file(&s, path, err, sizeof(err)), 0);
    check_reference_space(&s);
    cli_space_free(&s);
    remove(path);
    assert_int_equal(cli_space_load_file(&s, path, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "cannot open"));
}

/* Enqueued values win over the sampler, and values format for a command line. */
static void test_space_enqueue_and_text(void **state)
{
    cli_space s = {0};
    char err[512], *txt;
    hpo_test_env env;
    hpo_trial *t;
    cli_assign a[3];
    const char *names[] = {"x", "n", "c"};
    hpo_value vals[] = {hpo_value_float(0.25), hpo_value_int(3), hpo_value_string("b c")};
    (void)state;
    assert_int_equal(cli_space_add_flag(&s, "x=float:0:1", err, sizeof(err)), 0);
    assert_int_equal(cli_space_add_flag(&s, "n=int:1:5", err, sizeof(err)), 0);
    assert_int_equal(cli_space_add_flag(&s, "c=cat:a,b c", err, sizeof(err)), 0);
    hpo_test_env_open(&env, HPO_MINIMIZE);
    assert_ok(hpo_study_enqueue_trial(env.study, names, vals, 3));
    assert_ok(hpo_study_ask(env.study, &t));
    assert_int_equal(cli_space_sample(&s, t, a, err, sizeof(err)), 0);
    assert_string_equal(a[0].text, "0.25");
    assert_string_equal(a[1].text, "3");
    assert_string_equal(a[2].text, "b c");
    cli_assign_clear(a, 3);
    hpo_trial_free(t);
    hpo_test_env_close(&env);
    cli_space_free(&s);
    txt = cli_value_text(hpo_value_float(0.1));
    assert_string_equal(txt, "0.1");
    free(txt);
    txt = cli_value_text(hpo_value_float(1.0 / 3.0));
    assert_true(strtod(txt, NULL) == 1.0 / 3.0);
    free(txt);
    txt = cli_value_text(hpo_value_float(1e-5));
    assert_string_equal(txt, "1e-05");
    free(txt);
    txt = cli_value_text(hpo_value_bool(true));
    assert_string_equal(txt, "true");
    free(txt);
    txt = cli_value_text(hpo_value_null());
    assert_string_equal(txt, "");
    free(txt);
}

/* ---- runner pieces ------------------------------------------------------------ */

typedef struct lines_seen {
    char text[8][128];
    bool overlong[8];
    size_t len[8];
    int n;
} lines_seen;

static void collect_line(const char *line, size_t len, bool overlong, void *payload)
{
    lines_seen *s = payload;
    if (s->n < 8) {
        snprintf(s->text[s->n], sizeof(s->text[0]), "%.*s", (int)(len < 100 ? len : 100), line);
        s->len[s->n] = len;
        s->overlong[s->n] = overlong;
    }
    s->n++;
}

static void test_linebuf(void **state)
{
    rn_linebuf lb = {0};
    lines_seen s = {0};
    char *big = malloc(RN_LINE_MAX + 100);
    (void)state;
    assert_non_null(big);
    /* Lines split across feeds, CRLF, an empty line, a last line without newline. */
    assert_int_equal(rn_linebuf_feed(&lb, "ab", 2, collect_line, &s), 0);
    assert_int_equal(rn_linebuf_feed(&lb, "c\r\n\nd", 5, collect_line, &s), 0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.text[0], "abc");
    assert_int_equal(s.len[1], 0);
    rn_linebuf_finish(&lb, collect_line, &s);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.text[2], "d");
    /* An overlong line is reported once, marked, then the next line is normal. */
    memset(big, 'x', RN_LINE_MAX + 100);
    assert_int_equal(rn_linebuf_feed(&lb, big, RN_LINE_MAX + 100, collect_line, &s), 0);
    assert_int_equal(rn_linebuf_feed(&lb, big, 100, collect_line, &s), 0);
    assert_int_equal(s.n, 3);
    assert_int_equal(rn_linebuf_feed(&lb, "\nok\n", 4, collect_line, &s), 0);
    assert_int_equal(s.n, 5);
    assert_true(s.overlong[3]);
    assert_int_equal(s.len[3], RN_LINE_MAX);
    assert_false(s.overlong[4]);
    assert_string_equal(s.text[4], "ok");
    rn_linebuf_free(&lb);
    free(big);
}

static void test_tail(void **state)
{
    rn_tail t;
    char *txt, buf[100];
    (void)state;
    memset(&t, 0, sizeof(t));
    rn_tail_add(&t, "line one\nline two\n", 18);
    txt = rn_tail_text(&t);
    assert_string_equal(txt, "line one\nline two\n");
    free(txt);
    /* Wrapped: only the newest RN_TAIL_MAX bytes, from a line start. */
    for (int i = 0; i < 1000; i++) {
        int n = snprintf(buf, sizeof(buf), "line %d\n", i);
        rn_tail_add(&t, buf, (size_t)n);
    }
    txt = rn_tail_text(&t);
    assert_true(strlen(txt) <= RN_TAIL_MAX);
    assert_true(strncmp(txt, "line ", 5) == 0);
    assert_non_null(strstr(txt, "line 999\n"));
    free(txt);
    /* One huge write keeps its end. */
    memset(&t, 0, sizeof(t));
    {
        char *big = malloc(3 * RN_TAIL_MAX);
        assert_non_null(big);
        memset(big, 'a', 3 * RN_TAIL_MAX);
        memcpy(big + 3 * RN_TAIL_MAX - 4, "end\n", 4);
        rn_tail_add(&t, big, 3 * RN_TAIL_MAX);
        free(big);
    }
    txt = rn_tail_text(&t);
    assert_int_equal(strlen(txt), RN_TAIL_MAX);
    assert_non_null(strstr(txt, "end\n"));
    free(txt);
    /* Invalid UTF-8, NUL and control bytes become '?'; valid UTF-8 stays. */
    memset(&t, 0, sizeof(t));
    rn_tail_add(&t, "\xc3\xa9 \xff\x00\x1b[1m \xe2\x82\xac \xed\xa0\x80\tok", 20);
    txt = rn_tail_text(&t);
    assert_string_equal(txt, "\xc3\xa9 ???[1m \xe2\x82\xac ???\tok");
    free(txt);
}

static void test_gpus(void **state)
{
    char **g = NULL, err[256];
    size_t n = 0;
    (void)state;
    assert_int_equal(rn_gpus_parse("0,1,3", &g, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 3);
    assert_string_equal(g[2], "3");
    rn_gpus_free(g, n);
    assert_int_equal(rn_gpus_parse("GPU-8f3c-11", &g, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 1);
    rn_gpus_free(g, n);
    assert_int_equal(rn_gpus_parse("0,,1", &g, &n, err, sizeof(err)), -1);
    assert_int_equal(rn_gpus_parse("0;1", &g, &n, err, sizeof(err)), -1);
    assert_int_equal(rn_gpus_parse("1,1", &g, &n, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "appears twice"));
    assert_int_equal(rn_gpus_from_smi("GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-a)\n"
                                      "GPU 1: NVIDIA H100 80GB HBM3 (UUID: GPU-b)\n"
                                      "  MIG 1g.10gb Device 0: (UUID: MIG-c)\n",
                             &g, &n, err, sizeof(err)),
            0);
    assert_int_equal(n, 2);
    assert_string_equal(g[0], "0");
    assert_string_equal(g[1], "1");
    rn_gpus_free(g, n);
    assert_int_equal(rn_gpus_from_smi("No devices were found\n", &g, &n, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "no GPU"));
}

static void test_env_build(void **state)
{
    char *base[] = {"PATH=/bin", "HPO_TRIAL_ID=99", "CUDA_VISIBLE_DEVICES=0,1,2", "HOME=/h",
            "HPO_TRIAL_IDX=keep", NULL};
    char *set[] = {"HPO_TRIAL_ID=5", "CUDA_VISIBLE_DEVICES=1"};
    char **env = rn_env_build(base, set, 2);
    size_t n = 0;
    (void)state;
    assert_non_null(env);
    while (env[n] != NULL)
        n++;
    assert_int_equal(n, 5);
    assert_string_equal(env[0], "PATH=/bin");
    assert_string_equal(env[1], "HOME=/h");
    assert_string_equal(env[2], "HPO_TRIAL_IDX=keep");
    assert_string_equal(env[3], "HPO_TRIAL_ID=5");
    assert_string_equal(env[4], "CUDA_VISIBLE_DEVICES=1");
    free(env);
}

/* ---- fuzz corpora ----------------------------------------------------------- */

static int replay_dir(const char *sub, void (*fn)(const char *data, size_t len))
{
    char dir[4096], path[8192];
    DIR *d;
    struct dirent *e;
    int n = 0;
    snprintf(dir, sizeof(dir), "%s/fuzz/corpus/%s", srcdir(), sub);
    d = opendir(dir);
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        FILE *f;
        char *buf;
        size_t len;
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        f = fopen(path, "rb");
        assert_non_null(f);
        buf = malloc(1 << 20);
        assert_non_null(buf);
        len = fread(buf, 1, 1 << 20, f);
        fclose(f);
        fn(buf, len);
        free(buf);
        n++;
    }
    closedir(d);
    return n;
}

static void fuzz_metrics_one(const char *data, size_t len)
{
    cli_metric_line m;
    double v;
    cli_metrics_parse(data, len, &m);
    assert_true(m.n <= CLI_METRICS_MAX);
    for (size_t i = 0; i < m.n; i++)
        assert_true(cli_metrics_get(&m, m.items[i].name, &v));
}

static int any_lookup(const char *name, size_t len, const char **value, void *payload)
{
    (void)payload;
    if (len > 0 && name[0] == 'i')
        return CLI_TEMPLATE_INACTIVE;
    if (len > 0 && name[0] == 'u')
        return CLI_TEMPLATE_UNKNOWN;
    *value = "{v}";
    return CLI_TEMPLATE_FOUND;
}

static void fuzz_template_one(const char *data, size_t len)
{
    char *s = malloc(len + 1), *out = NULL, err[128];
    assert_non_null(s);
    memcpy(s, data, len);
    s[len] = '\0';
    cli_template_expand(s, any_lookup, NULL, &out, err, sizeof(err));
    free(out);
    free(s);
}

static void test_fuzz_corpora(void **state)
{
    (void)state;
    assert_true(replay_dir("metrics", fuzz_metrics_one) > 0);
    assert_true(replay_dir("template", fuzz_template_one) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metric_cases),
        cmocka_unit_test(test_metric_limits),
        cmocka_unit_test(test_template),
        cmocka_unit_test(test_space_flags),
        cmocka_unit_test(test_space_json),
        cmocka_unit_test(test_space_yaml),
        cmocka_unit_test(test_space_errors),
        cmocka_unit_test(test_space_file),
        cmocka_unit_test(test_space_enqueue_and_text),
        cmocka_unit_test(test_linebuf),
        cmocka_unit_test(test_tail),
        cmocka_unit_test(test_gpus),
        cmocka_unit_test(test_env_build),
        cmocka_unit_test(test_fuzz_corpora),
    };
    return HPO_RUN_TESTS("cli_parse", tests);
}
