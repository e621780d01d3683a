/*
 * test_partial_fixed.c - the partial-fixed sampler: fixed values in every
 * trial (also through TPE's joint sampling, whose space must lose them), the
 * rest still optimised, out-of-range values used with a warning, values of the
 * wrong type refused, a grid's limit passed through, bad input and ownership.
 */
#include <math.h>
#include <string.h>

#include "support/test_util.h"

static int objective(hpo_trial *t, double *v, void *payload)
{
    static const char *const opts[] = {"adam", "sgd", "o'; DROP TABLE x;--"};
    double x, y;
    size_t o;
    (void)payload;
    if (hpo_trial_suggest_float(t, "x", -1, 1, HPO_NO_STEP, false, &x) != HPO_OK ||
            hpo_trial_suggest_float(t, "y", -1, 1, HPO_NO_STEP, false, &y) != HPO_OK ||
            hpo_trial_suggest_categorical_str(t, "opt", opts, 3, &o) != HPO_OK)
        return HPO_ERROR;
    v[0] = x * x + (y - 0.5) * (y - 0.5) + (double)o;
    return HPO_OK;
}

static hpo_sampler *tpe(uint64_t seed)
{
    hpo_tpe_options o = HPO_TPE_OPTIONS_INIT;
    hpo_sampler *s = NULL;
    o.seed = seed;
    assert_ok(hpo_sampler_tpe_new(&s, &o));
    return s;
}

static void run(hpo_test_env *env, hpo_sampler *s, int64_t n, int want)
{
    hpo_optimize_options o = HPO_OPTIMIZE_OPTIONS_INIT;
    assert_ok(hpo_storage_open(&env->storage, NULL));
    assert_ok(hpo_study_create(&env->study, env->storage, "p", NULL, 0, NULL));
    assert_ok(hpo_study_set_sampler(env->study, s));
    o.n_trials = n;
    o.catch_failures = true;
    assert_status(hpo_study_optimize(env->study, objective, NULL, &o), want);
}

static void test_fixed_values_and_base_optimises(void **state)
{
    hpo_test_env env = {0};
    hpo_sampler *s = NULL;
    hpo_frozen_trial **ts = NULL;
    size_t n = 0;
    double best_y = 9;
    (void)state;
    assert_ok(hpo_sampler_partial_fixed_new(&s, "{\"x\": 0.25, \"opt\": \"o'; DROP TABLE x;--\"}",
            tpe(1)));
    run(&env, s, 40, HPO_OK);
    assert_ok(hpo_study_get_trials(env.study, HPO_STATES_ALL, &ts, &n));
    hpo_assert_eq_i64(n, 40);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(hpo_frozen_trial_state(ts[i]), HPO_TRIAL_COMPLETE);
        assert_true(hpo_frozen_trial_param_internal(ts[i], 0) == 0.25);
        assert_true(hpo_frozen_trial_param_internal(ts[i], 2) == 2.0);
        best_y = fmin(best_y, fabs(hpo_frozen_trial_param_internal(ts[i], 1) - 0.5));
    }
    assert_true(best_y < 0.05); /* TPE still tunes y */
    hpo_frozen_trials_free(ts, n);
    hpo_test_env_close(&env);
}

static void test_out_of_range_used_wrong_type_refused(void **state)
{
    hpo_test_env env = {0};
    hpo_sampler *s = NULL;
    hpo_frozen_trial **ts = NULL;
    size_t n = 0;
    (void)state;
    assert_ok(hpo_sampler_partial_fixed_new(&s, "{\"x\": 7}", tpe(2)));
    run(&env, s, 3, HPO_OK);
    assert_ok(hpo_study_get_trials(env.study, HPO_STATES_ALL, &ts, &n));
    for (size_t i = 0; i < n; i++)
        assert_true(hpo_frozen_trial_param_internal(ts[i], 0) == 7.0);
    hpo_frozen_trials_free(ts, n);
    hpo_test_env_close(&env);
    /* A string for a float, and a value that is not a choice. */
    static const char *const bad[] = {"{\"x\": \"big\"}", "{\"opt\": \"rmsprop\"}"};
    for (size_t k = 0; k < 2; k++) {
        hpo_trial *t = NULL;
        double x, y;
        size_t o;
        static const char *const opts[] = {"adam", "sgd"};
        assert_ok(hpo_sampler_partial_fixed_new(&s, bad[k], tpe(3)));
        assert_ok(hpo_storage_open(&env.storage, NULL));
        assert_ok(hpo_study_create(&env.study, env.storage, "p", NULL, 0, NULL));
        assert_ok(hpo_study_set_sampler(env.study, s));
        assert_ok(hpo_study_ask(env.study, &t));
        if (k == 0) {
            assert_status(hpo_trial_suggest_float(t, "x", -1, 1, HPO_NO_STEP, false, &x),
                    HPO_EINVAL);
            assert_msg_has("'x'");
        } else {
            assert_ok(hpo_trial_suggest_float(t, "y", -1, 1, HPO_NO_STEP, false, &y));
            assert_status(hpo_trial_suggest_categorical_str(t, "opt", opts, 2, &o), HPO_EINVAL);
            assert_msg_has("'opt'");
        }
        hpo_trial_free(t);
        hpo_test_env_close(&env);
    }
}

static void test_grid_limit_passes_through(void **state)
{
    hpo_test_env env = {0};
    hpo_sampler *g = NULL, *s = NULL;
    (void)state;
    assert_ok(hpo_sampler_grid_new(&g, "{\"y\": [0.1, 0.2, 0.3], \"opt\": [\"adam\", \"sgd\"]}", 0));
    assert_ok(hpo_sampler_partial_fixed_new(&s, "{\"x\": 0.5}", g));
    run(&env, s, 100, HPO_OK);
    hpo_assert_eq_i64(hpo_study_trial_limit(env.study), 6);
    {
        hpo_frozen_trial **ts = NULL;
        size_t n = 0;
        assert_ok(hpo_study_get_trials(env.study, HPO_STATES_ALL, &ts, &n));
        hpo_assert_eq_i64(n, 6);
        hpo_frozen_trials_free(ts, n);
    }
    hpo_test_env_close(&env);
}

static void test_bad_input_owns_base(void **state)
{
    hpo_sampler *s = NULL;
    static const char *const bad[] = {"[1]", "{\"x\": [1]}", "{\"x\": {\"a\": 1}}", "{", "7"};
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_status(hpo_sampler_partial_fixed_new(&s, bad[i], tpe(0)), HPO_EINVAL);
        assert_null(s);
    }
    assert_status(hpo_sampler_partial_fixed_new(&s, NULL, tpe(0)), HPO_EINVAL);
    assert_status(hpo_sampler_partial_fixed_new(&s, "{}", NULL), HPO_EINVAL);
    assert_msg_has("base");
    assert_status(hpo_sampler_partial_fixed_new(NULL, "{}", tpe(0)), HPO_EMISUSE);
    /* An empty object fixes nothing: the base sampler as is. */
    assert_ok(hpo_sampler_partial_fixed_new(&s, "{}", tpe(0)));
    hpo_sampler_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_fixed_values_and_base_optimises),
            cmocka_unit_test(test_out_of_range_used_wrong_type_refused),
            cmocka_unit_test(test_grid_limit_passes_through),
            cmocka_unit_test(test_bad_input_owns_base),
    };
    return HPO_RUN_TESTS("partial_fixed", tests);
}
