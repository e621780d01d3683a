/*
 * test_tpe.c - TPE sampler behaviour through a study: the random startup phase,
 * convergence on a quadratic compared with random search, seed determinism,
 * conditional and categorical parameters, bounds and steps, the constant liar's
 * relative_params attr (written and parsed), multi-objective and options
 * validation.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/record.h"
#include "samplers/tpe_internal.h"
#include "support/test_util.h"

static hpo_sampler *tpe(uint64_t seed, int multivariate, int liar)
{
    hpo_tpe_options o;
    hpo_sampler *s = NULL;
    assert_ok(hpo_tpe_options_init(&o, HPO_TPE_OPTIONS_VERSION));
    o.seed = seed;
    o.multivariate = multivariate;
    o.constant_liar = liar;
    assert_ok(hpo_sampler_tpe_new(&s, &o));
    return s;
}

static void tell(hpo_study *study, hpo_trial *t, double v)
{
    assert_ok(hpo_study_tell(study, t, HPO_TRIAL_COMPLETE, &v, 1));
    hpo_trial_free(t);
}

/* Minimise (x-2)^2 on [-10, 10] for n trials; xs gets every x. */
static void run_quadratic(hpo_sampler *s, int n, double *xs)
{
    hpo_test_env env;
    hpo_test_env_open(&env, HPO_MINIMIZE);
    assert_ok(hpo_study_set_sampler(env.study, s));
    for (int i = 0; i < n; i++) {
        hpo_trial *t = NULL;
        assert_ok(hpo_study_ask(env.study, &t));
        assert_ok(hpo_trial_suggest_float(t, "x", -10.0, 10.0, HPO_NO_STEP, false, &xs[i]));
        tell(env.study, t, (xs[i] - 2.0) * (xs[i] - 2.0));
    }
    hpo_test_env_close(&env);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of |xs[i] - 2| over i in [from, to). */
static double median_error(const double *xs, int from, int to)
{
    double e[128];
    int n = to - from;
    for (int i = 0; i < n; i++)
        e[i] = fabs(xs[from + i] - 2.0);
    qsort(e, (size_t)n, sizeof(double), cmp_double);
    return e[n / 2];
}

static void test_converges_better_than_random(void **state)
{
    (void)state;
    double xt[80], xr[80];
    hpo_sampler *r = NULL;
    run_quadratic(tpe(1, -1, -1), 80, xt);
    assert_ok(hpo_sampler_random_new(&r, 1));
    run_quadratic(r, 80, xr);
    /* TPE keeps exploring through the prior, so compare medians, not means */
    double mt = median_error(xt, 40, 80), mr = median_error(xr, 40, 80);
    assert_true(mt < 1.5);
    assert_true(mt * 3.0 < mr);
}

static void test_startup_ignores_values(void **state)
{
    (void)state;
    /* The first n_startup_trials are random: the objective cannot influence them. */
    double a[14], b[14];
    hpo_test_env env;
    for (int run = 0; run < 2; run++) {
        double *xs = run == 0 ? a : b;
        hpo_test_env_open(&env, HPO_MINIMIZE);
        assert_ok(hpo_study_set_sampler(env.study, tpe(9, -1, -1)));
        for (int i = 0; i < 14; i++) {
            hpo_trial *t = NULL;
            assert_ok(hpo_study_ask(env.study, &t));
            assert_ok(hpo_trial_suggest_float(t, "x", 0.0, 1.0, HPO_NO_STEP, false, &xs[i]));
            tell(env.study, t, run == 0 ? xs[i] : -xs[i]);
        }
        hpo_test_env_close(&env);
    }
    assert_true(memcmp(a, b, 10 * sizeof(double)) == 0);
    assert_true(memcmp(a + 10, b + 10, 4 * sizeof(double)) != 0);
}

static void test_seed_determinism(void **state)
{
    (void)state;
    double a[30], b[30], c[30];
    run_quadratic(tpe(5, -1, -1), 30, a);
    run_quadratic(tpe(5, -1, -1), 30, b);
    run_quadratic(tpe(6, -1, -1), 30, c);
    assert_true(memcmp(a, b, sizeof(a)) == 0);
    assert_true(memcmp(a + 10, c + 10, 20 * sizeof(double)) != 0);
    /* univariate mode is deterministic too */
    run_quadratic(tpe(5, 0, 0), 30, a);
    run_quadratic(tpe(5, 0, 0), 30, b);
    assert_true(memcmp(a, b, sizeof(a)) == 0);
}

static void test_bounds_steps_conditional_categorical(void **state)
{
    (void)state;
    hpo_test_env env;
    const char *choices[4] = {"a", "b", "c", "d"};
    int n_c_late = 0, n_a = 0, n_b = 0;
    hpo_test_env_open(&env, HPO_MINIMIZE);
    assert_ok(hpo_study_set_sampler(env.study, tpe(11, -1, -1)));
    for (int i = 0; i < 60; i++) {
        hpo_trial *t = NULL;
        int64_t k3, klog;
        double fs, flog, v, cond;
        size_t c, branch;
        assert_ok(hpo_study_ask(env.study, &t));
        assert_ok(hpo_trial_suggest_int(t, "k3", 1, 20, 3, false, &k3));
        assert_ok(hpo_trial_suggest_int(t, "klog", 1, 1000, 1, true, &klog));
        assert_ok(hpo_trial_suggest_float(t, "fs", 0.0, 5.0, 0.5, false, &fs));
        assert_ok(hpo_trial_suggest_float(t, "flog", 1e-4, 1.0, HPO_NO_STEP, true, &flog));
        assert_ok(hpo_trial_suggest_categorical_str(t, "cat", choices, 4, &c));
        assert_ok(hpo_trial_suggest_categorical_str(t, "branch", choices, 2, &branch));
        assert_true(k3 >= 1 && k3 <= 19 && (k3 - 1) % 3 == 0); /* high adjusted to 19 */
        assert_true(klog >= 1 && klog <= 1000);
        assert_true(fs >= 0.0 && fs <= 5.0 && fmod(fs, 0.5) == 0.0);
        assert_true(flog >= 1e-4 && flog <= 1.0);
        assert_true(c < 4);
        /* conditional parameters: only one branch suggests each */
        if (branch == 0) {
            n_a++;
            assert_ok(hpo_trial_suggest_float(t, "xa", -1.0, 1.0, HPO_NO_STEP, false, &cond));
            assert_true(cond >= -1.0 && cond <= 1.0);
        } else {
            int64_t kb;
            n_b++;
            assert_ok(hpo_trial_suggest_int(t, "kb", 0, 4, 1, false, &kb));
            assert_true(kb >= 0 && kb <= 4);
            cond = (double)kb;
        }
        if (i >= 40 && c == 2)
            n_c_late++;
        v = (c == 2 ? 0.0 : 10.0) + fabs(fs - 2.5) + fabs(cond);
        tell(env.study, t, v);
    }
    assert_true(n_a > 0 && n_b > 0);
    assert_true(n_c_late >= 10); /* "c" is best: most late trials pick it */
    hpo_test_env_close(&env);
}

static void test_constant_liar_attr(void **state)
{
    (void)state;
    hpo_test_env env;
    hpo_trial *a = NULL, *b = NULL;
    hpo_frozen_trial *snap = NULL;
    double x, y, x2, y2;
    json_t *decoded;
    hpo_test_env_open(&env, HPO_MINIMIZE);
    assert_ok(hpo_study_set_sampler(env.study, tpe(3, 1, 1)));
    for (int i = 0; i < 10; i++) {
        hpo_trial *t = NULL;
        assert_ok(hpo_study_ask(env.study, &t));
        assert_ok(hpo_trial_suggest_float(t, "x", 0.0, 1.0, HPO_NO_STEP, false, &x));
        assert_ok(hpo_trial_suggest_float(t, "y", 0.0, 1.0, HPO_NO_STEP, false, &y));
        tell(env.study, t, x + y);
    }
    assert_ok(hpo_study_ask(env.study, &a));
    assert_ok(hpo_trial_suggest_float(a, "x", 0.0, 1.0, HPO_NO_STEP, false, &x));
    /* the relative sample covered both names and was published before y's suggest */
    assert_ok(hpo_trial_snapshot(a, &snap));
    const char *attr = hpo_frozen_trial_system_attr(snap, "tpe:relative_params:0");
    assert_non_null(attr);
    assert_true(attr[0] == '"'); /* double-encoded: a JSON string */
    assert_non_null(strstr(attr, "{\\\"x\\\": "));
    decoded = hpo__tpe_relative_params(snap);
    assert_non_null(decoded);
    assert_near(json_real_value(json_object_get(decoded, "x")), x, 0.0);
    y = json_real_value(json_object_get(decoded, "y"));
    json_decref(decoded);
    hpo_frozen_trial_free(snap);
    assert_ok(hpo_trial_suggest_float(a, "y", 0.0, 1.0, HPO_NO_STEP, false, &y2));
    assert_near(y2, y, 0.0);
    /* a second worker samples while a is RUNNING and reads its attr */
    assert_ok(hpo_study_ask(env.study, &b));
    assert_ok(hpo_trial_suggest_float(b, "x", 0.0, 1.0, HPO_NO_STEP, false, &x2));
    assert_ok(hpo_trial_suggest_float(b, "y", 0.0, 1.0, HPO_NO_STEP, false, &y2));
    tell(env.study, a, x + y);
    tell(env.study, b, x2 + y2);
    hpo_test_env_close(&env);
}

/*
 * One scripted history: trials finish out of order (two or three RUNNING at a
 * time, so the liar's rows mix with cached ones), some are pruned, ints and a
 * stepped float repeat values (ties in the sort orders), a log float and a
 * conditional parameter. xs gets every suggested value in order.
 */
static size_t run_script(hpo_sampler *s, double *xs)
{
    hpo_test_env env;
    size_t k = 0;
    hpo_trial *open_t[3] = {NULL, NULL, NULL};
    double vals[3] = {0, 0, 0};
    static const char *const cats[] = {"a", "b", "c"};
    hpo_test_env_open(&env, HPO_MINIMIZE);
    assert_ok(hpo_study_set_sampler(env.study, s));
    for (int i = 0; i < 160; i++) {
        int slot = i % 3;
        if (open_t[slot] != NULL) {
            if (i % 7 == 0) {
                assert_ok(hpo_study_tell(env.study, open_t[slot], HPO_TRIAL_PRUNED, NULL, 0));
                hpo_trial_free(open_t[slot]);
            } else {
                tell(env.study, open_t[slot], vals[slot]);
            }
        }
        hpo_trial *t = NULL;
        double x, lr, q;
        int64_t n, m;
        size_t c;
        assert_ok(hpo_study_ask(env.study, &t));
        assert_ok(hpo_trial_suggest_float(t, "x", -3.0, 3.0, HPO_NO_STEP, false, &x));
        assert_ok(hpo_trial_suggest_int(t, "n", 0, 6, 1, false, &n));
        assert_ok(hpo_trial_suggest_float(t, "lr", 1e-4, 1.0, HPO_NO_STEP, true, &lr));
        assert_ok(hpo_trial_suggest_float(t, "q", 0.0, 1.0, 0.25, false, &q));
        assert_ok(hpo_trial_suggest_categorical_str(t, "c", cats, 3, &c));
        xs[k++] = x;
        xs[k++] = (double)n;
        xs[k++] = lr;
        xs[k++] = q;
        xs[k++] = (double)c;
        vals[slot] = x * x + 0.3 * (double)((n - 2) * (n - 2)) + fabs(log10(lr) + 2) + q +
                     (double)c;
        if (c == 1) {
            assert_ok(hpo_trial_suggest_int(t, "m", 1, 100, 1, true, &m));
            xs[k++] = (double)m;
            vals[slot] += fabs((double)m - 10.0) / 10.0;
        }
        assert_ok(hpo_trial_report(t, vals[slot], 0));
        open_t[slot] = t;
    }
    for (int slot = 0; slot < 3; slot++)
        tell(env.study, open_t[slot], vals[slot]);
    hpo_test_env_close(&env);
    return k;
}

/* The history cache is an optimisation only: the same script, bit-identical values. */
static void test_history_cache_is_exact(void **state)
{
    (void)state;
    double *a = calloc(160 * 6, sizeof(double)), *b = calloc(160 * 6, sizeof(double));
    for (int mv = 0; mv <= 1; mv++) {
        hpo_sampler *plain = tpe(21, mv, 1);
        hpo__tpe_disable_history(plain);
        size_t na = run_script(tpe(21, mv, 1), a);
        size_t nb = run_script(plain, b);
        assert_true(na == nb);
        assert_memory_equal(a, b, na * sizeof(double));
    }
    free(a);
    free(b);
}

static void test_relative_params_chunks(void **state)
{
    (void)state;
    hpo__record *r = NULL;
    json_t *d;
    assert_ok(hpo__record_new(&r));
    assert_null(hpo__tpe_relative_params(r));
    /* {"n": 2, "c": "a b"} split across two chunks, as Optuna chunks long dicts */
    assert_ok(hpo__attrs_set(&r->system_attrs, "tpe:relative_params:0", "\"{\\\"n\\\": 2, \\\"c\""));
    assert_ok(hpo__attrs_set(&r->system_attrs, "tpe:relative_params:1", "\"\\\": \\\"a b\\\"}\""));
    d = hpo__tpe_relative_params(r);
    assert_non_null(d);
    hpo_assert_eq_i64(json_integer_value(json_object_get(d, "n")), 2);
    assert_string_equal(json_string_value(json_object_get(d, "c")), "a b");
    json_decref(d);
    /* an unreadable chunk is ignored, not an error */
    assert_ok(hpo__attrs_set(&r->system_attrs, "tpe:relative_params:0", "{not json"));
    assert_null(hpo__tpe_relative_params(r));
    hpo__record_unref(r);
}

static void test_multi_objective(void **state)
{
    (void)state;
    hpo_test_env env = {0};
    hpo_direction dirs[2] = {HPO_MINIMIZE, HPO_MAXIMIZE};
    hpo_tpe_options o;
    hpo_sampler *s = NULL;
    assert_ok(hpo_storage_open(&env.storage, NULL));
    assert_ok(hpo_study_create(&env.study, env.storage, "mo", dirs, 2, NULL));
    assert_ok(hpo_tpe_options_init(&o, HPO_TPE_OPTIONS_VERSION));
    o.seed = 2;
    assert_ok(hpo_sampler_tpe_new(&s, &o));
    assert_ok(hpo_study_set_sampler(env.study, s));
    for (int i = 0; i < 40; i++) {
        hpo_trial *t = NULL;
        double x, v[2];
        assert_ok(hpo_study_ask(env.study, &t));
        assert_ok(hpo_trial_suggest_float(t, "x", 0.0, 1.0, HPO_NO_STEP, false, &x));
        assert_true(x >= 0.0 && x <= 1.0);
        v[0] = x * x;
        v[1] = -(x - 1.0) * (x - 1.0);
        assert_ok(hpo_study_tell(env.study, t, HPO_TRIAL_COMPLETE, v, 2));
        hpo_trial_free(t);
    }
    hpo_test_env_close(&env);
}

static void test_hssp_2d(void **state)
{
    (void)state;
    /* front (0,4) (1,1) (4,0) (2,0.5): ref (4.4, 4.4); the knee (1,1) adds most */
    double pts[8] = {0, 4, 1, 1, 4, 0, 2, 0.5};
    size_t chosen[2];
    assert_ok(hpo__tpe_hssp(pts, 4, 2, 2, chosen));
    hpo_assert_eq_i64(chosen[0], 1);
    hpo_assert_eq_i64(chosen[1], 3);
}

static void test_options_validation(void **state)
{
    (void)state;
    hpo_tpe_options o;
    hpo_sampler *s = NULL;
    assert_status(hpo_tpe_options_init(&o, 0), HPO_EVERSION);
    assert_status(hpo_tpe_options_init(&o, HPO_TPE_OPTIONS_VERSION + 1), HPO_EVERSION);
    assert_msg_has("version");
    assert_ok(hpo_tpe_options_init(&o, HPO_TPE_OPTIONS_VERSION));
    o.version = 0;
    assert_status(hpo_sampler_tpe_new(&s, &o), HPO_EVERSION);
    assert_null(s);
    assert_ok(hpo_tpe_options_init(&o, HPO_TPE_OPTIONS_VERSION));
    o.n_ei_candidates = 0;
    assert_status(hpo_sampler_tpe_new(&s, &o), HPO_EINVAL);
    assert_msg_has("n_ei_candidates");
    assert_ok(hpo_tpe_options_init(&o, HPO_TPE_OPTIONS_VERSION));
    o.prior_weight = NAN;
    assert_status(hpo_sampler_tpe_new(&s, &o), HPO_EINVAL);
    assert_msg_has("prior_weight");
    o.prior_weight = -1.0;
    assert_status(hpo_sampler_tpe_new(&s, &o), HPO_EINVAL);
    assert_ok(hpo_tpe_options_init(&o, HPO_TPE_OPTIONS_VERSION));
    o.multivariate = 2;
    assert_status(hpo_sampler_tpe_new(&s, &o), HPO_EINVAL);
    assert_msg_has("multivariate");
    o.multivariate = 0;
    o.group = true;
    assert_status(hpo_sampler_tpe_new(&s, &o), HPO_EINVAL);
    assert_msg_has("group");
    assert_ok(hpo_tpe_options_init(&o, HPO_TPE_OPTIONS_VERSION));
    o.compat = (hpo_tpe_compat)7;
    assert_status(hpo_sampler_tpe_new(&s, &o), HPO_EINVAL);
    assert_msg_has("compat");
    assert_ok(hpo_sampler_tpe_new(&s, NULL)); /* NULL: defaults */
    hpo_sampler_free(s);
}

static size_t gamma_half(size_t n, void *payload)
{
    (void)payload;
    return n / 2;
}

static void test_group_and_compat(void **state)
{
    (void)state;
    hpo_tpe_options o;
    double xs[40];
    assert_ok(hpo_tpe_options_init(&o, HPO_TPE_OPTIONS_VERSION));
    o.group = true;
    o.seed = 4;
    hpo_sampler *g = NULL;
    assert_ok(hpo_sampler_tpe_new(&g, &o));
    run_quadratic(g, 40, xs);
    for (int i = 0; i < 40; i++)
        assert_true(xs[i] >= -10.0 && xs[i] <= 10.0);
    assert_ok(hpo_tpe_options_init(&o, HPO_TPE_OPTIONS_VERSION));
    o.compat = HPO_TPE_COMPAT_4_9;
    o.multivariate = 1; /* the Scott bandwidth path */
    o.gamma = gamma_half;
    assert_ok(hpo_sampler_tpe_new(&g, &o));
    run_quadratic(g, 40, xs);
    double err = 0.0;
    for (int i = 30; i < 40; i++)
        err += fabs(xs[i] - 2.0) / 10.0;
    assert_true(err < 3.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_converges_better_than_random),
            cmocka_unit_test(test_startup_ignores_values),
            cmocka_unit_test(test_seed_determinism),
            cmocka_unit_test(test_bounds_steps_conditional_categorical),
            cmocka_unit_test(test_constant_liar_attr),
            cmocka_unit_test(test_relative_params_chunks),
        cmocka_unit_test(test_history_cache_is_exact),
            cmocka_unit_test(test_multi_objective),
            cmocka_unit_test(test_hssp_2d),
            cmocka_unit_test(test_options_validation),
            cmocka_unit_test(test_group_and_compat),
    };
    return HPO_RUN_TESTS("tpe", tests);
}
