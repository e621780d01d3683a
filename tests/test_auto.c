/*
 * test_auto.c - the auto sampler: which delegate each trial gets (recorded in
 * the system attribute auto:sampler) for numeric, conditional, categorical and
 * multi-objective studies and long runs, and reproducibility per seed.
 */
#include <math.h>
#include <string.h>

#include "support/test_util.h"

static hpo_sampler *new_auto(uint64_t seed, size_t gp_max)
{
    hpo_auto_options o;
    hpo_sampler *s = NULL;
    assert_ok(hpo_auto_options_init(&o, HPO_AUTO_OPTIONS_VERSION));
    o.seed = seed;
    o.gp_max_trials = gp_max;
    assert_ok(hpo_sampler_auto_new(&s, &o));
    return s;
}

static int numeric(hpo_trial *t, double *v, void *payload)
{
    double x, y;
    (void)payload;
    if (hpo_trial_suggest_float(t, "x", -2, 2, HPO_NO_STEP, false, &x) != HPO_OK ||
            hpo_trial_suggest_float(t, "y", -2, 2, HPO_NO_STEP, false, &y) != HPO_OK)
        return HPO_ERROR;
    v[0] = x * x + (y - 1) * (y - 1);
    return HPO_OK;
}

static int conditional(hpo_trial *t, double *v, void *payload)
{
    static const char *const kinds[] = {"a", "b"};
    size_t k;
    double x;
    (void)payload;
    if (hpo_trial_suggest_categorical_str(t, "kind", kinds, 2, &k) != HPO_OK)
        return HPO_ERROR;
    if (hpo_trial_suggest_float(t, k == 0 ? "xa" : "xb", -2, 2, HPO_NO_STEP, false, &x) != HPO_OK)
        return HPO_ERROR;
    v[0] = x * x + (double)k;
    return HPO_OK;
}

/* The choices of trials [0, n) as a string of first letters (g, t, c). */
static void run(hpo_objective_fn fn, size_t n_dirs, size_t gp_max, int trials, char *out)
{
    hpo_test_env env = {0};
    hpo_direction dirs[2] = {HPO_MINIMIZE, HPO_MINIMIZE};
    hpo_optimize_options o = HPO_OPTIMIZE_OPTIONS_INIT;
    hpo_frozen_trial **ts = NULL;
    size_t n = 0;
    assert_ok(hpo_storage_open(&env.storage, NULL));
    assert_ok(hpo_study_create(&env.study, env.storage, "auto", dirs, n_dirs, NULL));
    assert_ok(hpo_study_set_sampler(env.study, new_auto(1, gp_max)));
    o.n_trials = trials;
    assert_ok(hpo_study_optimize(env.study, fn, NULL, &o));
    assert_ok(hpo_study_get_trials(env.study, HPO_STATES_ALL, &ts, &n));
    for (size_t i = 0; i < n; i++) {
        const char *c = hpo_frozen_trial_system_attr(ts[i], "auto:sampler");
        assert_non_null(c);
        out[i] = c[1]; /* a JSON string: "gp", "tpe", "cmaes" */
    }
    out[n] = '\0';
    hpo_frozen_trials_free(ts, n);
    hpo_test_env_close(&env);
}

static int two_objectives(hpo_trial *t, double *v, void *payload)
{
    double x;
    (void)payload;
    if (hpo_trial_suggest_float(t, "x", 0, 1, HPO_NO_STEP, false, &x) != HPO_OK)
        return HPO_ERROR;
    v[0] = x;
    v[1] = 1 - x;
    return HPO_OK;
}

static void test_choices(void **state)
{
    (void)state;
    char got[64];
    run(numeric, 1, 300, 20, got);
    assert_string_equal(got, "gggggggggggggggggggg");
    run(numeric, 1, 12, 20, got); /* past gp_max, an all-numeric space goes to CMA-ES */
    assert_string_equal(got, "ggggggggggggcccccccc");
    run(conditional, 1, 300, 12, got);
    assert_true(strchr(got + 3, 'g') == NULL); /* conditional: TPE once that shows */
    run(two_objectives, 2, 300, 8, got);
    assert_string_equal(got + 1, "ttttttt");
}

static void test_reproducible(void **state)
{
    (void)state;
    double a[30], b[30];
    for (int rep = 0; rep < 2; rep++) {
        hpo_test_env env = {0};
        hpo_optimize_options o = HPO_OPTIMIZE_OPTIONS_INIT;
        hpo_frozen_trial **ts = NULL;
        size_t n = 0;
        assert_ok(hpo_storage_open(&env.storage, NULL));
        assert_ok(hpo_study_create(&env.study, env.storage, "r", NULL, 0, NULL));
        assert_ok(hpo_study_set_sampler(env.study, new_auto(5, 10)));
        o.n_trials = 15;
        assert_ok(hpo_study_optimize(env.study, numeric, NULL, &o));
        assert_ok(hpo_study_get_trials(env.study, HPO_STATES_ALL, &ts, &n));
        hpo_assert_eq_i64(n, 15);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < 2; j++)
                (rep ? b : a)[i * 2 + j] = hpo_frozen_trial_param_internal(ts[i], j);
        hpo_frozen_trials_free(ts, n);
        hpo_test_env_close(&env);
    }
    assert_memory_equal(a, b, sizeof(a));
}

static void test_bad_options(void **state)
{
    (void)state;
    hpo_auto_options o = HPO_AUTO_OPTIONS_INIT;
    hpo_sampler *s = NULL;
    assert_status(hpo_auto_options_init(&o, 7), HPO_EVERSION);
    o.version = 7;
    assert_status(hpo_sampler_auto_new(&s, &o), HPO_EVERSION);
    assert_status(hpo_sampler_auto_new(NULL, NULL), HPO_EMISUSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_choices),
            cmocka_unit_test(test_reproducible),
            cmocka_unit_test(test_bad_options),
    };
    return HPO_RUN_TESTS("auto", tests);
}
