/*
 * test_importance.c - parameter importance (fANOVA and PED-ANOVA).
 *
 * Correctness is checked on functions whose answer is known: when only x
 * matters x gets almost all of the importance; for an additive function
 * a*x1 + b*x2 with x1, x2 uniform on the unit square fANOVA's variance shares
 * are a^2/(a^2+b^2) and b^2/(a^2+b^2). Then the rules Optuna follows:
 * normalisation, ordering, single-valued and conditional parameters, the
 * options' checks, determinism across thread counts, and out-of-memory paths.
 */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/rng.h"
#include "importance/importance.h"
#include "support/test_util.h"

/*=========================== helpers ===========================*/

typedef double (*fn3)(double x, double y, double z);

/* n random trials of f over x, y, z in [lo, hi]. */
static void fill(hpo_test_env *env, size_t n, fn3 f, double lo, double hi, uint64_t seed)
{
    hpo_sampler *s = NULL;
    assert_ok(hpo_sampler_random_new(&s, seed));
    assert_ok(hpo_study_set_sampler(env->study, s));
    for (size_t i = 0; i < n; i++) {
        hpo_trial *t = NULL;
        double x, y, z, v;
        assert_ok(hpo_study_ask(env->study, &t));
        assert_ok(hpo_trial_suggest_float(t, "x", lo, hi, HPO_NO_STEP, false, &x));
        assert_ok(hpo_trial_suggest_float(t, "y", lo, hi, HPO_NO_STEP, false, &y));
        assert_ok(hpo_trial_suggest_float(t, "z", lo, hi, HPO_NO_STEP, false, &z));
        v = f(x, y, z);
        assert_ok(hpo_study_tell(env->study, t, HPO_TRIAL_COMPLETE, &v, 1));
        hpo_trial_free(t);
    }
}

static double only_x(double x, double y, double z)
{
    (void)y;
    (void)z;
    return x * x;
}

static double neg_sq(double x, double y, double z)
{
    (void)y;
    (void)z;
    return -x * x;
}

static double additive(double x, double y, double z)
{
    (void)z;
    return 2.0 * x + y;
}

/* Importance of name in the result, or NaN. */
static double lookup(char **names, const double *v, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return v[i];
    return NAN;
}

static void check_sum_and_order(const double *v, size_t n)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        sum += v[i];
        if (i > 0)
            assert_true(v[i - 1] >= v[i]);
    }
    assert_near(sum, 1.0, 1e-9);
}

/*=========================== known answers ===========================*/

static void test_only_x_matters(void **state)
{
    hpo_test_env env;
    hpo_importance_kind kinds[] = {HPO_IMPORTANCE_FANOVA, HPO_IMPORTANCE_PEDANOVA};
    (void)state;
    hpo_test_env_open(&env, HPO_MINIMIZE);
    fill(&env, 400, only_x, -10.0, 10.0, 7);
    for (size_t k = 0; k < 2; k++) {
        char **names = NULL;
        double *v = NULL;
        size_t n = 0;
        assert_ok(hpo_importance(env.study, kinds[k], NULL, &names, &v, &n));
        hpo_assert_eq_i64(n, 3);
        assert_string_equal(names[0], "x");
        assert_null(names[3]);
        assert_true(v[0] > 0.9);
        check_sum_and_order(v, n);
        hpo_free(names);
        hpo_free(v);
    }
    hpo_test_env_close(&env);
}

/* fANOVA straight on a design: the variance shares of 2*x1 + x2 are 0.8 and 0.2. */
static void test_fanova_additive_shares(void **state)
{
    enum { N = 2000 };
    static double x[3 * N], y[N];
    double lo[3] = {0, 0, 0}, hi[3] = {1, 1, 1}, imp[3];
    size_t group[3] = {0, 1, 2};
    hpo_rng rng;
    (void)state;
    hpo__rng_seed(&rng, 42);
    for (size_t i = 0; i < N; i++) {
        for (size_t c = 0; c < 3; c++)
            x[c * N + i] = hpo__rng_uniform(&rng);
        y[i] = 2.0 * x[i] + x[N + i];
    }
    {
        hpo__fanova_input in = {x, y, N, 3, lo, hi, group, 3, 64, 64, 1, 0};
        assert_ok(hpo__fanova(&in, imp));
    }
    /* Main effects only: the fractions themselves (before normalisation) sum to ~1. */
    assert_near(imp[0], 0.8, 0.05);
    assert_near(imp[1], 0.2, 0.05);
    assert_near(imp[2], 0.0, 0.02);
}

/* Through the study: normalised shares of the same additive function. */
static void test_fanova_additive_through_study(void **state)
{
    hpo_test_env env;
    char **names = NULL;
    double *v = NULL;
    size_t n = 0;
    (void)state;
    hpo_test_env_open(&env, HPO_MINIMIZE);
    fill(&env, 1000, additive, 0.0, 1.0, 3);
    assert_ok(hpo_importance(env.study, HPO_IMPORTANCE_FANOVA, NULL, &names, &v, &n));
    hpo_assert_eq_i64(n, 3);
    assert_near(lookup(names, v, n, "x"), 0.8, 0.06);
    assert_near(lookup(names, v, n, "y"), 0.2, 0.06);
    assert_true(lookup(names, v, n, "z") < 0.03);
    check_sum_and_order(v, n);
    hpo_free(names);
    hpo_free(v);
    hpo_test_env_close(&env);
}

/* A categorical's one-hot columns are scored together. */
static void test_fanova_categorical(void **state)
{
    hpo_test_env env;
    hpo_sampler *s = NULL;
    const char *choices[] = {"a", "b", "c", "d"};
    const double level[] = {0.0, 5.0, 1.0, 9.0};
    char **names = NULL;
    double *v = NULL;
    size_t n = 0;
    (void)state;
    hpo_test_env_open(&env, HPO_MAXIMIZE);
    assert_ok(hpo_sampler_random_new(&s, 11));
    assert_ok(hpo_study_set_sampler(env.study, s));
    for (size_t i = 0; i < 300; i++) {
        hpo_trial *t = NULL;
        size_t c;
        double x, val;
        assert_ok(hpo_study_ask(env.study, &t));
        assert_ok(hpo_trial_suggest_categorical_str(t, "kind", choices, 4, &c));
        assert_ok(hpo_trial_suggest_float(t, "x", 0.0, 1.0, HPO_NO_STEP, false, &x));
        val = level[c] + 0.1 * x;
        assert_ok(hpo_study_tell(env.study, t, HPO_TRIAL_COMPLETE, &val, 1));
        hpo_trial_free(t);
    }
    assert_ok(hpo_importance(env.study, HPO_IMPORTANCE_FANOVA, NULL, &names, &v, &n));
    hpo_assert_eq_i64(n, 2);
    assert_string_equal(names[0], "kind");
    assert_true(v[0] > 0.9);
    hpo_free(names);
    hpo_free(v);
    /* Every top-10% trial is "d", ordered by x there, so PED-ANOVA weighs both. */
    assert_ok(hpo_importance(env.study, HPO_IMPORTANCE_PEDANOVA, NULL, &names, &v, &n));
    assert_true(lookup(names, v, n, "kind") > 0.2);
    hpo_free(names);
    hpo_free(v);
    hpo_test_env_close(&env);
}

/*=========================== Optuna's rules ===========================*/

/* "c" appears only when x > 0: fANOVA leaves it out, PED-ANOVA scores it. */
static void test_conditional_params(void **state)
{
    hpo_test_env env;
    hpo_sampler *s = NULL;
    char **names = NULL;
    double *v = NULL;
    size_t n = 0;
    (void)state;
    hpo_test_env_open(&env, HPO_MINIMIZE);
    assert_ok(hpo_sampler_random_new(&s, 5));
    assert_ok(hpo_study_set_sampler(env.study, s));
    for (size_t i = 0; i < 200; i++) {
        hpo_trial *t = NULL;
        double x, c = 0.0, val;
        assert_ok(hpo_study_ask(env.study, &t));
        assert_ok(hpo_trial_suggest_float(t, "x", -1.0, 1.0, HPO_NO_STEP, false, &x));
        if (x > 0)
            assert_ok(hpo_trial_suggest_float(t, "c", 0.0, 1.0, HPO_NO_STEP, false, &c));
        val = x * x + c;
        assert_ok(hpo_study_tell(env.study, t, HPO_TRIAL_COMPLETE, &val, 1));
        hpo_trial_free(t);
    }
    assert_ok(hpo_importance(env.study, HPO_IMPORTANCE_FANOVA, NULL, &names, &v, &n));
    hpo_assert_eq_i64(n, 1);
    assert_string_equal(names[0], "x");
    assert_near(v[0], 1.0, 1e-12);
    hpo_free(names);
    hpo_free(v);
    assert_ok(hpo_importance(env.study, HPO_IMPORTANCE_PEDANOVA, NULL, &names, &v, &n));
    hpo_assert_eq_i64(n, 2);
    assert_false(isnan(lookup(names, v, n, "c")));
    check_sum_and_order(v, n);
    hpo_free(names);
    hpo_free(v);
    /* Naming "c" for fANOVA keeps only the trials that have it. */
    {
        const char *want[] = {"c", "x"};
        hpo_importance_options o = HPO_IMPORTANCE_OPTIONS_INIT;
        o.params = want;
        o.n_params = 2;
        assert_ok(hpo_importance(env.study, HPO_IMPORTANCE_FANOVA, &o, &names, &v, &n));
        hpo_assert_eq_i64(n, 2);
        /* On x > 0 the value is x^2 + c: c's share is large there. */
        assert_true(lookup(names, v, n, "c") > 0.3);
        hpo_free(names);
        hpo_free(v);
    }
    hpo_test_env_close(&env);
}

/* A single-valued distribution scores 0; when every score is 0 shares are equal. */
static void test_single_and_degenerate(void **state)
{
    hpo_test_env env;
    char **names = NULL;
    double *v = NULL;
    size_t n = 0;
    (void)state;
    hpo_test_env_open(&env, HPO_MINIMIZE);
    for (size_t i = 0; i < 30; i++) {
        hpo_trial *t = NULL;
        double x, k, val;
        assert_ok(hpo_study_ask(env.study, &t));
        assert_ok(hpo_trial_suggest_float(t, "x", 0.0, 1.0, HPO_NO_STEP, false, &x));
        assert_ok(hpo_trial_suggest_float(t, "fixed", 2.0, 2.0, HPO_NO_STEP, false, &k));
        val = x + k;
        assert_ok(hpo_study_tell(env.study, t, HPO_TRIAL_COMPLETE, &val, 1));
        hpo_trial_free(t);
    }
    assert_ok(hpo_importance(env.study, HPO_IMPORTANCE_FANOVA, NULL, &names, &v, &n));
    hpo_assert_eq_i64(n, 2);
    assert_string_equal(names[0], "x");
    assert_near(v[0], 1.0, 1e-12);
    assert_near(v[1], 0.0, 0.0);
    hpo_free(names);
    hpo_free(v);
    hpo_test_env_close(&env);
}

static double constant(double x, double y, double z)
{
    (void)x;
    (void)y;
    (void)z;
    return 3.0;
}

/* Constant objective: no tree has variance, so the shares are equal. */
static void test_constant_objective_equal_shares(void **state)
{
    hpo_test_env env;
    char **names = NULL;
    double *v = NULL;
    size_t n = 0;
    (void)state;
    hpo_test_env_open(&env, HPO_MINIMIZE);
    fill(&env, 20, constant, 0.0, 1.0, 1);
    assert_ok(hpo_importance(env.study, HPO_IMPORTANCE_FANOVA, NULL, &names, &v, &n));
    hpo_assert_eq_i64(n, 3);
    for (size_t i = 0; i < n; i++)
        assert_near(v[i], 1.0 / 3.0, 1e-12);
    /* Ties are ordered by name. */
    assert_string_equal(names[0], "x");
    assert_string_equal(names[2], "z");
    hpo_free(names);
    hpo_free(v);
    hpo_test_env_close(&env);
}

static void test_no_trials_and_states(void **state)
{
    hpo_test_env env;
    hpo_trial *t = NULL;
    char **names = (char **)1;
    double *v = (double *)1, x;
    size_t n = 9;
    (void)state;
    hpo_test_env_open(&env, HPO_MINIMIZE);
    assert_ok(hpo_importance(env.study, HPO_IMPORTANCE_PEDANOVA, NULL, &names, &v, &n));
    hpo_assert_eq_i64(n, 0);
    assert_null(names);
    assert_null(v);
    /* Pruned, failed and running trials are not used. */
    assert_ok(hpo_study_ask(env.study, &t));
    assert_ok(hpo_trial_suggest_float(t, "x", 0.0, 1.0, HPO_NO_STEP, false, &x));
    assert_ok(hpo_study_tell(env.study, t, HPO_TRIAL_FAIL, NULL, 0));
    hpo_trial_free(t);
    assert_ok(hpo_importance(env.study, HPO_IMPORTANCE_FANOVA, NULL, &names, &v, &n));
    hpo_assert_eq_i64(n, 0);
    hpo_test_env_close(&env);
}

static void test_bad_options(void **state)
{
    hpo_test_env env;
    hpo_importance_options o = HPO_IMPORTANCE_OPTIONS_INIT;
    const char *dup[] = {"x", "x"}, *unknown[] = {"nope"};
    char **names = NULL;
    double *v = NULL;
    size_t n = 0;
    (void)state;
    hpo_test_env_open(&env, HPO_MINIMIZE);
    fill(&env, 10, only_x, 0.0, 1.0, 2);
    o.target_quantile = 0.0;
    assert_status(hpo_importance(env.study, HPO_IMPORTANCE_PEDANOVA, &o, &names, &v, &n),
                  HPO_EINVAL);
    assert_msg_has("target_quantile");
    o.target_quantile = 0.5;
    o.region_quantile = 0.4;
    assert_status(hpo_importance(env.study, HPO_IMPORTANCE_PEDANOVA, &o, &names, &v, &n),
                  HPO_EINVAL);
    hpo_importance_options_init(&o, HPO_IMPORTANCE_OPTIONS_VERSION);
    o.n_trees = 0;
    assert_status(hpo_importance(env.study, HPO_IMPORTANCE_FANOVA, &o, &names, &v, &n), HPO_EINVAL);
    assert_msg_has("n_trees");
    hpo_importance_options_init(&o, HPO_IMPORTANCE_OPTIONS_VERSION);
    o.params = dup;
    o.n_params = 2;
    assert_status(hpo_importance(env.study, HPO_IMPORTANCE_FANOVA, &o, &names, &v, &n), HPO_EINVAL);
    assert_msg_has("twice");
    o.params = unknown;
    o.n_params = 1;
    assert_status(hpo_importance(env.study, HPO_IMPORTANCE_FANOVA, &o, &names, &v, &n), HPO_EINVAL);
    assert_msg_has("nope");
    hpo_importance_options_init(&o, HPO_IMPORTANCE_OPTIONS_VERSION);
    o.objective = 1;
    assert_status(hpo_importance(env.study, HPO_IMPORTANCE_FANOVA, &o, &names, &v, &n), HPO_EINVAL);
    o.objective = 0;
    o.version = 99;
    assert_status(hpo_importance(env.study, HPO_IMPORTANCE_FANOVA, &o, &names, &v, &n),
                  HPO_EVERSION);
    assert_status(hpo_importance_options_init(&o, 2), HPO_EVERSION);
    assert_status(hpo_importance(env.study, (hpo_importance_kind)7, NULL, &names, &v, &n),
                  HPO_EINVAL);
    assert_status(hpo_importance(NULL, HPO_IMPORTANCE_FANOVA, NULL, &names, &v, &n), HPO_EMISUSE);
    assert_status(hpo_importance(env.study, HPO_IMPORTANCE_FANOVA, NULL, NULL, &v, &n), HPO_EINVAL);
    hpo_test_env_close(&env);
}

/* Same seed, same answer, whatever the number of threads; another seed differs. */
static void test_fanova_deterministic(void **state)
{
    hpo_test_env env;
    hpo_importance_options o = HPO_IMPORTANCE_OPTIONS_INIT;
    char **n1 = NULL, **n2 = NULL, **n3 = NULL;
    double *v1 = NULL, *v2 = NULL, *v3 = NULL;
    size_t k1, k2, k3;
    (void)state;
    hpo_test_env_open(&env, HPO_MINIMIZE);
    fill(&env, 300, additive, 0.0, 1.0, 9);
    o.seed = 5;
    o.n_threads = 1;
    assert_ok(hpo_importance(env.study, HPO_IMPORTANCE_FANOVA, &o, &n1, &v1, &k1));
    o.n_threads = 4;
    assert_ok(hpo_importance(env.study, HPO_IMPORTANCE_FANOVA, &o, &n2, &v2, &k2));
    o.seed = 6;
    assert_ok(hpo_importance(env.study, HPO_IMPORTANCE_FANOVA, &o, &n3, &v3, &k3));
    hpo_assert_eq_i64(k1, k2);
    for (size_t i = 0; i < k1; i++) {
        assert_string_equal(n1[i], n2[i]);
        assert_true(v1[i] == v2[i]);
    }
    assert_true(v1[0] != v3[0] || v1[1] != v3[1]);
    hpo_free(n1);
    hpo_free(v1);
    hpo_free(n2);
    hpo_free(v2);
    hpo_free(n3);
    hpo_free(v3);
    hpo_test_env_close(&env);
}

/*
 * Maximising flips what the "good" trials are: the top of -x^2 is x near 0.
 * (The top of +x^2 sits at both ends, which Scott's bandwidth smooths almost
 * flat, in Optuna too.)
 */
static void test_pedanova_maximize(void **state)
{
    hpo_test_env env;
    char **names = NULL;
    double *v = NULL;
    size_t n = 0;
    (void)state;
    hpo_test_env_open(&env, HPO_MAXIMIZE);
    fill(&env, 300, neg_sq, -10.0, 10.0, 4);
    assert_ok(hpo_importance(env.study, HPO_IMPORTANCE_PEDANOVA, NULL, &names, &v, &n));
    assert_string_equal(names[0], "x");
    assert_true(v[0] > 0.8);
    hpo_free(names);
    hpo_free(v);
    hpo_test_env_close(&env);
}

/* Each allocation failing in turn gives ENOMEM and leaks nothing (ASan checks). */
/* A two-objective study of n random trials: values f0, f1 of (x, y, z) in [0, 1]. */
static void fill_two(hpo_test_env *env, const hpo_direction *dirs, size_t n, fn3 f0, fn3 f1)
{
    hpo_sampler *s = NULL;
    memset(env, 0, sizeof(*env));
    assert_ok(hpo_storage_open(&env->storage, NULL));
    assert_ok(hpo_study_create(&env->study, env->storage, "mo", dirs, 2, NULL));
    assert_ok(hpo_sampler_random_new(&s, 11));
    assert_ok(hpo_study_set_sampler(env->study, s));
    for (size_t i = 0; i < n; i++) {
        hpo_trial *t = NULL;
        double x, y, z, v[2];
        assert_ok(hpo_study_ask(env->study, &t));
        assert_ok(hpo_trial_suggest_float(t, "x", 0, 1, HPO_NO_STEP, false, &x));
        assert_ok(hpo_trial_suggest_float(t, "y", 0, 1, HPO_NO_STEP, false, &y));
        assert_ok(hpo_trial_suggest_float(t, "z", 0, 1, HPO_NO_STEP, false, &z));
        v[0] = f0(x, y, z);
        v[1] = f1(x, y, z);
        assert_ok(hpo_study_tell(env->study, t, HPO_TRIAL_COMPLETE, v, 2));
        hpo_trial_free(t);
    }
}

static double only_y(double x, double y, double z)
{
    (void)x;
    (void)z;
    return y;
}

static double minus_x(double x, double y, double z)
{
    (void)y;
    (void)z;
    return -x;
}

/*
 * PED-ANOVA on every objective at once (Optuna's default for a multi-objective
 * study): the good trials are the best by non-domination rank. With
 * minimise x and minimise y, they have small x or small y, so x and y both
 * matter and z does not; either objective alone names only its own parameter.
 * (The exact values equal Optuna 5.0's: tests/interop checks them.)
 * Maximising the first objective instead (i.e. large x is good) changes
 * nothing in the shares, since the directions are honoured.
 */
static void test_pedanova_pareto(void **state)
{
    hpo_direction both_min[2] = {HPO_MINIMIZE, HPO_MINIMIZE};
    hpo_direction max_min[2] = {HPO_MAXIMIZE, HPO_MINIMIZE};
    hpo_importance_options o = HPO_IMPORTANCE_OPTIONS_INIT;
    hpo_test_env env;
    char **names = NULL;
    double *v = NULL;
    size_t n = 0;
    (void)state;
    for (int run = 0; run < 2; run++) {
        fill_two(&env, run == 0 ? both_min : max_min, 400, run == 0 ? only_x : minus_x, only_y);
        o.objective = HPO_IMPORTANCE_ALL_OBJECTIVES;
        assert_ok(hpo_importance(env.study, HPO_IMPORTANCE_PEDANOVA, &o, &names, &v, &n));
        hpo_assert_eq_i64(n, 3);
        check_sum_and_order(v, n);
        assert_string_equal(names[2], "z");
        assert_true(lookup(names, v, n, "x") > 0.1);
        assert_true(lookup(names, v, n, "y") > 0.1);
        assert_true(lookup(names, v, n, "z") < 0.02);
        hpo_free(names);
        hpo_free(v);
        o.objective = 1; /* one objective: only y */
        assert_ok(hpo_importance(env.study, HPO_IMPORTANCE_PEDANOVA, &o, &names, &v, &n));
        assert_string_equal(names[0], "y");
        assert_true(v[0] > 0.8);
        hpo_free(names);
        hpo_free(v);
        /* fANOVA needs one objective, as Optuna needs a target. */
        o.objective = HPO_IMPORTANCE_ALL_OBJECTIVES;
        assert_status(hpo_importance(env.study, HPO_IMPORTANCE_FANOVA, &o, &names, &v, &n),
                HPO_EINVAL);
        assert_msg_has("fANOVA");
        hpo_test_env_close(&env);
    }
    /* On a single-objective study "every objective" is that one. */
    hpo_test_env_open(&env, HPO_MINIMIZE);
    fill(&env, 200, only_x, 0.0, 1.0, 5);
    o.objective = HPO_IMPORTANCE_ALL_OBJECTIVES;
    assert_ok(hpo_importance(env.study, HPO_IMPORTANCE_FANOVA, &o, &names, &v, &n));
    assert_string_equal(names[0], "x");
    hpo_free(names);
    hpo_free(v);
    hpo_test_env_close(&env);
}

static void test_oom(void **state)
{
    hpo_test_env env;
    hpo_importance_kind kinds[] = {HPO_IMPORTANCE_FANOVA, HPO_IMPORTANCE_PEDANOVA};
    hpo_importance_options o = HPO_IMPORTANCE_OPTIONS_INIT;
    (void)state;
    o.n_trees = 3;
    o.n_threads = 1;
    hpo_test_env_open(&env, HPO_MINIMIZE);
    fill(&env, 40, additive, 0.0, 1.0, 8);
    for (size_t k = 0; k < 2; k++) {
        for (long i = 0;; i++) {
            char **names = NULL;
            double *v = NULL;
            size_t n = 0;
            int rc;
            hpo__fail_alloc_after(i);
            rc = hpo_importance(env.study, kinds[k], &o, &names, &v, &n);
            hpo__fail_alloc_after(-1);
            if (rc == HPO_OK) {
                hpo_assert_eq_i64(n, 3);
                hpo_free(names);
                hpo_free(v);
                break;
            }
            assert_status(rc, HPO_ENOMEM);
            assert_null(names);
            assert_true(i < 10000);
        }
    }
    hpo_test_env_close(&env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_only_x_matters),
            cmocka_unit_test(test_fanova_additive_shares),
            cmocka_unit_test(test_fanova_additive_through_study),
            cmocka_unit_test(test_fanova_categorical),
            cmocka_unit_test(test_conditional_params),
            cmocka_unit_test(test_single_and_degenerate),
            cmocka_unit_test(test_constant_objective_equal_shares),
            cmocka_unit_test(test_no_trials_and_states),
            cmocka_unit_test(test_bad_options),
            cmocka_unit_test(test_fanova_deterministic),
            cmocka_unit_test(test_pedanova_maximize),
            cmocka_unit_test(test_pedanova_pareto),
            cmocka_unit_test(test_oom),
    };
    return HPO_RUN_TESTS("importance", tests);
}
