/*
 * test_viz.c - the SVG plots and the HTML report.
 *
 * Plots are pure functions of trial records, so the tests build records by
 * hand (fixed values and times) and compare each plot with a golden file in
 * tests/golden/ byte for byte. After an intended change of the drawing,
 * regenerate them with HPO_UPDATE_GOLDEN=1 and review the SVGs. Then: hostile
 * names come out escaped, log and categorical axes, thinning of big studies,
 * the public entry points and their errors, and out-of-memory paths.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/record.h"
#include "support/test_util.h"
#include "viz/svg.h"
#include "viz/viz.h"

/*=========================== fixtures ===========================*/

typedef struct fixture {
    hpo__record **t;
    size_t n;
    hpo_direction dirs[2];
    size_t n_obj;
    hpo_distribution *lr, *units, *opt, *drop;
} fixture;

static const char *const opt_names[] = {"adam", "sgd", "<rms&prop>"};

static void fixture_open(fixture *fx, size_t n, size_t n_obj)
{
    hpo_value ch[3];
    memset(fx, 0, sizeof(*fx));
    for (int i = 0; i < 3; i++)
        ch[i] = hpo_value_string(opt_names[i]);
    assert_ok(hpo_distribution_float_new(&fx->lr, 1e-5, 1e-1, HPO_NO_STEP, true));
    assert_ok(hpo_distribution_int_new(&fx->units, 16, 256, 16, false));
    assert_ok(hpo_distribution_categorical_new(&fx->opt, ch, 3));
    assert_ok(hpo_distribution_float_new(&fx->drop, 0.0, 0.5, HPO_NO_STEP, false));
    fx->n = n;
    fx->n_obj = n_obj;
    fx->dirs[0] = HPO_MINIMIZE;
    fx->dirs[1] = HPO_MAXIMIZE;
    fx->t = calloc(n, sizeof(*fx->t));
    assert_non_null(fx->t);
    for (size_t i = 0; i < n; i++) {
        hpo__record *r = NULL;
        /* A fixed pseudo-random walk: the same numbers on every machine. */
        double u = (double)((i * 7919u + 13u) % 101u) / 100.0;
        double w = (double)((i * 104729u + 7u) % 97u) / 96.0;
        double lr = pow(10.0, -5.0 + 4.0 * u), drop = 0.5 * w;
        double units = 16.0 * (double)(1 + (i * 31u) % 16u), v[2];
        assert_ok(hpo__record_new(&r));
        r->number = (int64_t)i;
        r->id = (int64_t)i + 1;
        r->datetime_start = 1700000000.0 + 10.0 * (double)i;
        assert_ok(hpo__record_add_param(r, "lr", fx->lr, lr));
        assert_ok(hpo__record_add_param(r, "units", fx->units, units));
        assert_ok(hpo__record_add_param(r, "optimizer", fx->opt, (double)(i % 3)));
        if (i % 4 != 0)
            assert_ok(hpo__record_add_param(r, "dropout", fx->drop, drop));
        v[0] = fabs(log10(lr) + 3.0) * 0.1 + 0.2 * drop + (i % 3 == 1 ? 0.15 : 0.0) +
               units / 2560.0;
        v[1] = 1.0 - v[0] * v[0] + 0.3 * w;
        for (int64_t s = 0; s < 5; s++)
            assert_ok(hpo__record_set_ivalue(r, s, v[0] + 0.3 / (double)(s + 1)));
        if (i % 9 == 4) {
            r->state = HPO_TRIAL_PRUNED;
            r->datetime_complete = r->datetime_start + 3.0;
        } else if (i % 13 == 6) {
            r->state = HPO_TRIAL_FAIL;
            r->datetime_complete = r->datetime_start + 1.0;
        } else if (i + 1 == n) {
            r->state = HPO_TRIAL_RUNNING;
        } else {
            r->state = HPO_TRIAL_COMPLETE;
            assert_ok(hpo__record_set_values(r, v, n_obj));
            r->datetime_complete = r->datetime_start + 8.0 + (double)(i % 5);
        }
        fx->t[i] = r;
    }
}

static void fixture_close(fixture *fx)
{
    for (size_t i = 0; i < fx->n; i++)
        hpo__record_unref(fx->t[i]);
    free(fx->t);
    hpo_distribution_free(fx->lr);
    hpo_distribution_free(fx->units);
    hpo_distribution_free(fx->opt);
    hpo_distribution_free(fx->drop);
}

static hpo__viz_data data_of(const fixture *fx, const char *name)
{
    hpo__viz_data d = {name, fx->dirs, fx->n_obj, fx->t, fx->n};
    return d;
}

/* Render into a NUL-terminated string (caller frees with hpo__free). */
static char *render(const hpo__viz_data *d, hpo_plot_kind kind, const hpo_plot_options *o)
{
    hpo_buf b;
    char *out = NULL;
    size_t len;
    hpo__buf_init(&b, 0);
    assert_ok(hpo__viz_plot(&b, d, kind, o));
    assert_ok(hpo__buf_detach(&b, &out, &len));
    hpo__buf_free(&b);
    return out;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* Compare with tests/golden/<name>, or write it when HPO_UPDATE_GOLDEN is set. */
static void golden(const char *name, const char *got)
{
    char path[256];
    FILE *f;
    long len;
    char *want;
    const char *dir = getenv("HPO_GOLDEN_DIR");
    snprintf(path, sizeof(path), "%s/%s", dir ? dir : "tests/golden", name);
    if (getenv("HPO_UPDATE_GOLDEN") != NULL) {
        f = fopen(path, "wb");
        assert_non_null(f);
        fputs(got, f);
        fclose(f);
        return;
    }
    f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("missing golden file %s (run with HPO_UPDATE_GOLDEN=1)", path);
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);
    want = malloc((size_t)len + 1);
    assert_non_null(want);
    assert_true(fread(want, 1, (size_t)len, f) == (size_t)len);
    want[len] = '\0';
    fclose(f);
    if (strcmp(want, got) != 0) {
        size_t i = 0;
        while (want[i] && want[i] == got[i])
            i++;
        fail_msg("%s differs at byte %zu: want \"%.40s\" got \"%.40s\"", path, i, want + i,
                 got + i);
    }
    free(want);
}

/*=========================== golden files ===========================*/

static void test_golden_plots(void **state)
{
    fixture fx;
    hpo__viz_data d;
    hpo_plot_options o = HPO_PLOT_OPTIONS_INIT;
    (void)state;
    fixture_open(&fx, 60, 1);
    d = data_of(&fx, "golden");
    o.now = 1700000700.0;
    for (int k = 0; k < HPO_PLOT_KIND_COUNT; k++) {
        char name[64], *svg;
        if (k == HPO_PLOT_PARETO)
            continue;
        svg = render(&d, (hpo_plot_kind)k, &o);
        snprintf(name, sizeof(name), "%s.svg", hpo_plot_kind_name((hpo_plot_kind)k));
        golden(name, svg);
        hpo__free(svg);
    }
    fixture_close(&fx);
}

static void test_golden_pareto_and_fanova(void **state)
{
    fixture fx;
    hpo__viz_data d;
    hpo_plot_options o = HPO_PLOT_OPTIONS_INIT;
    char *svg;
    (void)state;
    fixture_open(&fx, 60, 2);
    d = data_of(&fx, "pareto");
    svg = render(&d, HPO_PLOT_PARETO, NULL);
    golden("pareto.svg", svg);
    assert_true(count(svg, "class=\"front\"") == 1);
    hpo__free(svg);
    fixture_close(&fx);

    fixture_open(&fx, 60, 1);
    d = data_of(&fx, "fanova");
    o.importance = HPO_IMPORTANCE_FANOVA;
    o.seed = 3;
    svg = render(&d, HPO_PLOT_IMPORTANCE, &o);
    golden("importance_fanova.svg", svg);
    hpo__free(svg);
    fixture_close(&fx);
}

static void test_golden_report(void **state)
{
    fixture fx;
    hpo__viz_data d;
    hpo_buf b;
    (void)state;
    fixture_open(&fx, 30, 1);
    d = data_of(&fx, "report");
    hpo__buf_init(&b, 0);
    assert_ok(hpo__viz_report(&b, &d, NULL));
    assert_non_null(strstr(b.data, "<!DOCTYPE html>"));
    assert_non_null(strstr(b.data, "id=\"trial-count\">30<"));
    assert_non_null(strstr(b.data, "id=\"best-value\""));
    /* Self-contained: nothing loaded from elsewhere. */
    assert_null(strstr(b.data, "src="));
    assert_null(strstr(b.data, "href="));
    assert_null(strstr(b.data, "<link"));
    assert_null(strstr(b.data, "url("));
    assert_true(count(b.data, "<svg ") >= 7);
    golden("report.html", b.data);
    hpo__buf_free(&b);
    fixture_close(&fx);
}

/*=========================== escaping and axes ===========================*/

static void test_hostile_names_escaped(void **state)
{
    hpo__record *r[3];
    hpo_distribution *d1 = NULL, *d2 = NULL;
    hpo_value ch[2];
    hpo_direction dir = HPO_MINIMIZE;
    const char *evil = "<script>alert(\"x\")</script>&'";
    hpo__viz_data d = {"<script>study</script>", &dir, 1, r, 3};
    (void)state;
    ch[0] = hpo_value_string("</text><script>bad()</script>");
    ch[1] = hpo_value_string("ok\x01");
    assert_ok(hpo_distribution_float_new(&d1, 0.0, 1.0, HPO_NO_STEP, false));
    assert_ok(hpo_distribution_categorical_new(&d2, ch, 2));
    for (size_t i = 0; i < 3; i++) {
        double v = (double)i;
        assert_ok(hpo__record_new(&r[i]));
        r[i]->number = (int64_t)i;
        r[i]->state = HPO_TRIAL_COMPLETE;
        r[i]->datetime_start = 100.0 + (double)i;
        r[i]->datetime_complete = 101.0 + (double)i;
        assert_ok(hpo__record_add_param(r[i], evil, d1, 0.3 * (double)i));
        assert_ok(hpo__record_add_param(r[i], "cat", d2, (double)(i % 2)));
        assert_ok(hpo__record_set_values(r[i], &v, 1));
    }
    for (int k = 0; k < HPO_PLOT_KIND_COUNT; k++) {
        char *svg;
        if (k == HPO_PLOT_PARETO)
            continue;
        svg = render(&d, (hpo_plot_kind)k, NULL);
        assert_null(strstr(svg, "<script"));
        assert_null(strstr(svg, "\x01"));
        if (k == HPO_PLOT_SLICE || k == HPO_PLOT_PARALLEL || k == HPO_PLOT_IMPORTANCE)
            assert_non_null(strstr(svg, "&lt;script&gt;alert(&quot;x&quot;)"));
        if (k == HPO_PLOT_SLICE)
            assert_non_null(strstr(svg, "&lt;/text&gt;&lt;script"));
        hpo__free(svg);
    }
    {
        hpo_buf b;
        hpo__buf_init(&b, 0);
        assert_ok(hpo__viz_report(&b, &d, NULL));
        /* The only script element is the report's own sorter. */
        hpo_assert_eq_i64(count(b.data, "<script"), 1);
        assert_non_null(strstr(b.data, "&lt;script&gt;study&lt;/script&gt;"));
        hpo__buf_free(&b);
    }
    for (size_t i = 0; i < 3; i++)
        hpo__record_unref(r[i]);
    hpo_distribution_free(d1);
    hpo_distribution_free(d2);
}

static void test_log_and_categorical_axes(void **state)
{
    fixture fx;
    hpo__viz_data d;
    hpo_plot_options o = HPO_PLOT_OPTIONS_INIT;
    const char *lr[] = {"lr"}, *opt[] = {"optimizer"}, *units[] = {"units"};
    char *svg;
    (void)state;
    fixture_open(&fx, 40, 1);
    d = data_of(&fx, "axes");
    o.params = lr;
    o.n_params = 1;
    svg = render(&d, HPO_PLOT_SLICE, &o);
    assert_non_null(strstr(svg, ">lr (log)</text>"));
    /* Decade ticks, not evenly spaced linear ones. */
    assert_non_null(strstr(svg, ">0.001</text>"));
    assert_null(strstr(svg, ">0.05</text>"));
    hpo__free(svg);
    o.params = opt;
    svg = render(&d, HPO_PLOT_SLICE, &o);
    assert_non_null(strstr(svg, ">adam</text>"));
    assert_non_null(strstr(svg, ">sgd</text>"));
    assert_non_null(strstr(svg, ">&lt;rms&amp;prop&gt;</text>"));
    assert_null(strstr(svg, "(log)"));
    hpo__free(svg);
    o.params = units;
    svg = render(&d, HPO_PLOT_SLICE, &o);
    assert_non_null(strstr(svg, ">units</text>"));
    hpo__free(svg);
    fixture_close(&fx);
}

/* The drawing kit itself: escaping, numbers, integer and log ticks. */
static void test_svg_kit(void **state)
{
    hpo_buf b;
    hpo__scale s;
    hpo__frame f = {80, 40, 680, 370};
    (void)state;
    hpo__buf_init(&b, 0);
    hpo__svg_text(&b, "a<b>&\"'\x01\xff\xc3(\xe2\x82\xac", 0);
    assert_string_equal(b.data, "a&lt;b&gt;&amp;&quot;&#39;??"
                                "?(\xe2\x82\xac");
    hpo__buf_reset(&b);
    hpo__svg_text(&b, "abcdefgh", 3);
    assert_string_equal(b.data, "abc...");
    hpo__buf_reset(&b);
    hpo__svg_num(&b, -0.04);
    hpo__buf_putc(&b, ' ');
    hpo__svg_num(&b, 12.0);
    hpo__buf_putc(&b, ' ');
    hpo__svg_num(&b, 3.25);
    assert_string_equal(b.data, "0 12 3.3");
    hpo__buf_reset(&b);
    /* An int axis over 1..3 ticks at integers only. */
    hpo__scale_numeric(&s, 1.0, 3.0, false, f.x0, f.x1);
    s.integer = true;
    hpo__svg_axis(&b, &f, &s, false, "layers");
    assert_non_null(strstr(b.data, ">2</text>"));
    assert_null(strstr(b.data, ".5</text>"));
    hpo__buf_reset(&b);
    hpo__scale_numeric(&s, 1e-6, 1.0, true, f.y1, f.y0);
    hpo__svg_axis(&b, &f, &s, true, "lr");
    assert_non_null(strstr(b.data, ">0.001</text>"));
    assert_non_null(strstr(b.data, "lr (log)"));
    hpo__buf_free(&b);
}

/*=========================== size and determinism ===========================*/

static void test_big_study_is_thinned(void **state)
{
    fixture fx;
    hpo__viz_data d;
    hpo_plot_options o = HPO_PLOT_OPTIONS_INIT;
    char *a, *b;
    (void)state;
    fixture_open(&fx, 20000, 1);
    d = data_of(&fx, "big");
    o.max_points = 1000;
    a = render(&d, HPO_PLOT_HISTORY, &o);
    b = render(&d, HPO_PLOT_HISTORY, &o);
    assert_string_equal(a, b);
    assert_true(count(a, "<circle") <= 1000);
    assert_true(count(a, "<circle") > 100);
    hpo__free(a);
    hpo__free(b);
    a = render(&d, HPO_PLOT_PARALLEL, &o);
    assert_true(count(a, "<path stroke=") <= 100);
    assert_non_null(strstr(a, "trials shown"));
    hpo__free(a);
    a = render(&d, HPO_PLOT_INTERMEDIATE, &o);
    assert_non_null(strstr(a, "of 20000 trials shown"));
    hpo__free(a);
    a = render(&d, HPO_PLOT_TIMELINE, &o);
    assert_true(count(a, "<rect x=") <= 1000);
    assert_non_null(strstr(a, "the 1000 most recent of 20000 trials"));
    hpo__free(a);
    fixture_close(&fx);
}

static void test_empty_study_notes(void **state)
{
    hpo_direction dir = HPO_MAXIMIZE;
    hpo__viz_data d = {"empty", &dir, 1, NULL, 0};
    (void)state;
    for (int k = 0; k < HPO_PLOT_KIND_COUNT; k++) {
        char *svg;
        if (k == HPO_PLOT_PARETO)
            continue;
        svg = render(&d, (hpo_plot_kind)k, NULL);
        assert_non_null(strstr(svg, "class=\"note\""));
        assert_non_null(strstr(svg, "</svg>"));
        hpo__free(svg);
    }
}

/*=========================== public API ===========================*/

static int objective(hpo_trial *t, double *values, void *payload)
{
    double x;
    size_t c;
    const char *choices[] = {"a", "b"};
    (void)payload;
    HPO_TRY(hpo_trial_suggest_float(t, "x", -3.0, 3.0, HPO_NO_STEP, false, &x));
    HPO_TRY(hpo_trial_suggest_categorical_str(t, "c", choices, 2, &c));
    HPO_TRY(hpo_trial_report(t, x * x + 1.0, 0));
    values[0] = x * x + (double)c;
    return HPO_OK;
}

static void test_public_api(void **state)
{
    hpo_test_env env;
    hpo_optimize_options oo = HPO_OPTIMIZE_OPTIONS_INIT;
    hpo_plot_options o = HPO_PLOT_OPTIONS_INIT;
    hpo_plot_kind kind;
    char *svg = NULL, *html = NULL;
    size_t len = 0;
    const char *unknown[] = {"nope"};
    (void)state;
    hpo_test_env_open(&env, HPO_MINIMIZE);
    oo.n_trials = 25;
    assert_ok(hpo_study_optimize(env.study, objective, NULL, &oo));
    for (int k = 0; k < HPO_PLOT_KIND_COUNT; k++) {
        assert_ok(hpo_plot_kind_from_name(hpo_plot_kind_name((hpo_plot_kind)k), &kind));
        hpo_assert_eq_i64(kind, k);
        if (k == HPO_PLOT_PARETO) {
            assert_status(hpo_plot_svg(env.study, (hpo_plot_kind)k, NULL, &svg, &len),
                          HPO_EUNSUPPORTED);
            assert_null(svg);
            continue;
        }
        assert_ok(hpo_plot_svg(env.study, (hpo_plot_kind)k, NULL, &svg, &len));
        assert_true(len == strlen(svg));
        assert_true(strncmp(svg, "<svg ", 5) == 0);
        hpo_free(svg);
    }
    assert_status(hpo_plot_kind_from_name("histogram", &kind), HPO_EINVAL);
    assert_msg_has("histogram");
    assert_null(hpo_plot_kind_name((hpo_plot_kind)99));
    assert_status(hpo_plot_svg(env.study, (hpo_plot_kind)99, NULL, &svg, &len), HPO_EINVAL);
    o.params = unknown;
    o.n_params = 1;
    assert_status(hpo_plot_svg(env.study, HPO_PLOT_SLICE, &o, &svg, &len), HPO_EINVAL);
    assert_msg_has("nope");
    assert_ok(hpo_plot_options_init(&o, HPO_PLOT_OPTIONS_VERSION));
    o.width = 10;
    assert_status(hpo_plot_svg(env.study, HPO_PLOT_HISTORY, &o, &svg, &len), HPO_EINVAL);
    o.width = 0;
    o.objective = 1;
    assert_status(hpo_plot_svg(env.study, HPO_PLOT_HISTORY, &o, &svg, &len), HPO_EINVAL);
    o.version = 7;
    assert_status(hpo_plot_svg(env.study, HPO_PLOT_HISTORY, &o, &svg, &len), HPO_EVERSION);
    assert_status(hpo_plot_options_init(&o, 7), HPO_EVERSION);
    assert_status(hpo_plot_svg(NULL, HPO_PLOT_HISTORY, NULL, &svg, &len), HPO_EMISUSE);
    assert_status(hpo_plot_svg(env.study, HPO_PLOT_HISTORY, NULL, NULL, &len), HPO_EINVAL);
    assert_ok(hpo_report_html(env.study, NULL, &html, NULL));
    assert_non_null(strstr(html, "id=\"trial-count\">25<"));
    assert_non_null(strstr(html, "id=\"plot-history\""));
    assert_non_null(strstr(html, "id=\"plot-intermediate\""));
    assert_null(strstr(html, "id=\"plot-pareto\""));
    hpo_free(html);
    {
        hpo_report_options ro = HPO_REPORT_OPTIONS_INIT;
        ro.max_table_rows = 5;
        assert_ok(hpo_report_html(env.study, &ro, &html, &len));
        assert_non_null(strstr(html, "5 of 25 trials"));
        hpo_free(html);
        ro.version = 9;
        assert_status(hpo_report_html(env.study, &ro, &html, &len), HPO_EVERSION);
        assert_status(hpo_report_options_init(&ro, 9), HPO_EVERSION);
    }
    hpo_test_env_close(&env);
}

/* Each allocation failing in turn: ENOMEM, nothing leaked (ASan), then success. */
static void test_oom(void **state)
{
    hpo_test_env env;
    hpo_optimize_options oo = HPO_OPTIMIZE_OPTIONS_INIT;
    (void)state;
    hpo_test_env_open(&env, HPO_MINIMIZE);
    oo.n_trials = 8;
    assert_ok(hpo_study_optimize(env.study, objective, NULL, &oo));
    for (int k = -1; k < HPO_PLOT_KIND_COUNT - 1; k++) {
        for (long i = 0;; i++) {
            char *out = NULL;
            int rc;
            hpo__fail_alloc_after(i);
            rc = k < 0 ? hpo_report_html(env.study, NULL, &out, NULL)
                       : hpo_plot_svg(env.study, (hpo_plot_kind)k, NULL, &out, NULL);
            hpo__fail_alloc_after(-1);
            if (rc == HPO_OK) {
                hpo_free(out);
                break;
            }
            assert_status(rc, HPO_ENOMEM);
            assert_null(out);
            assert_true(i < 100000);
        }
    }
    hpo_test_env_close(&env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_golden_plots),
            cmocka_unit_test(test_golden_pareto_and_fanova),
            cmocka_unit_test(test_golden_report),
            cmocka_unit_test(test_hostile_names_escaped),
            cmocka_unit_test(test_log_and_categorical_axes),
            cmocka_unit_test(test_svg_kit),
            cmocka_unit_test(test_big_study_is_thinned),
            cmocka_unit_test(test_empty_study_notes),
            cmocka_unit_test(test_public_api),
            cmocka_unit_test(test_oom),
    };
    return HPO_RUN_TESTS("viz", tests);
}
