/*
 * test_threads.c - a study shared by threads: optimize(n_jobs > 1) and raw
 * concurrent ask/tell. Run under ThreadSanitizer by `make tsan`.
 */
#include <math.h>
#include <pthread.h>
#include <string.h>

#include "support/test_util.h"

static void quiet_log(int level, const char *msg, void *payload)
{
    (void)level;
    (void)msg;
    (void)payload;
}

static int objective(hpo_trial *t, double *values, void *payload)
{
    double x, y;
    int64_t n;
    size_t c;
    const char *choices[] = {"a", "b", "c"};
    bool prune;
    (void)payload;
    if (hpo_trial_suggest_float(t, "x", -5, 5, HPO_NO_STEP, false, &x) != HPO_OK ||
            hpo_trial_suggest_float(t, "y", 1e-4, 1, HPO_NO_STEP, true, &y) != HPO_OK ||
            hpo_trial_suggest_int(t, "n", 1, 8, 1, false, &n) != HPO_OK ||
            hpo_trial_suggest_categorical_str(t, "c", choices, 3, &c) != HPO_OK)
        return HPO_ERROR;
    for (int64_t step = 0; step < 3; step++) {
        if (hpo_trial_report(t, x * x + (double)step, step) != HPO_OK ||
                hpo_trial_should_prune(t, &prune) != HPO_OK)
            return HPO_ERROR;
        if (prune)
            return HPO_EPRUNED;
    }
    values[0] = x * x + log10(y) * log10(y) + (double)n + (double)c;
    return HPO_OK;
}

static void check_numbers(hpo_study *s, size_t want)
{
    hpo_frozen_trial **trials;
    size_t n;
    assert_ok(hpo_study_get_trials(s, HPO_STATES_ALL, &trials, &n));
    hpo_assert_eq_i64(n, want);
    for (size_t i = 0; i < n; i++) {
        hpo_assert_eq_i64(hpo_frozen_trial_number(trials[i]), i);
        assert_true(hpo_frozen_trial_state(trials[i]) == HPO_TRIAL_COMPLETE ||
                    hpo_frozen_trial_state(trials[i]) == HPO_TRIAL_PRUNED);
    }
    hpo_frozen_trials_free(trials, n);
}

static void test_optimize_jobs(void **state)
{
    hpo_test_env env;
    hpo_optimize_options o = HPO_OPTIMIZE_OPTIONS_INIT;
    (void)state;
    hpo_test_env_open(&env, HPO_MINIMIZE);
    o.n_trials = 120;
    o.n_jobs = 4;
    assert_ok(hpo_study_optimize(env.study, objective, NULL, &o));
    check_numbers(env.study, 120);
    hpo_test_env_close(&env);
}

static void test_optimize_jobs_random(void **state)
{
    hpo_test_env env;
    hpo_optimize_options o = HPO_OPTIMIZE_OPTIONS_INIT;
    hpo_sampler *s;
    (void)state;
    hpo_test_env_open(&env, HPO_MINIMIZE);
    assert_ok(hpo_sampler_random_new(&s, 9));
    assert_ok(hpo_study_set_sampler(env.study, s));
    o.n_trials = 200;
    o.n_jobs = 3;
    assert_ok(hpo_study_optimize(env.study, objective, NULL, &o));
    check_numbers(env.study, 200);
    hpo_test_env_close(&env);
}

typedef struct raw_arg {
    hpo_study *study;
    int n;
} raw_arg;

static void *raw_worker(void *p)
{
    raw_arg *a = p;
    for (int i = 0; i < a->n; i++) {
        hpo_trial *t;
        double v;
        if (hpo_study_ask(a->study, &t) != HPO_OK)
            return (void *)1;
        if (objective(t, &v, NULL) != HPO_OK)
            v = 0;
        if (hpo_study_tell(a->study, t, HPO_TRIAL_COMPLETE, &v, 1) != HPO_OK) {
            hpo_trial_free(t);
            return (void *)1;
        }
        hpo_trial_free(t);
    }
    return NULL;
}

/* Two study handles on one storage, each shared by two threads. */
static void test_raw_ask_tell(void **state)
{
    hpo_storage *st;
    hpo_study *a, *b;
    pthread_t th[4];
    raw_arg args[4];
    hpo_pruner *p;
    (void)state;
    assert_ok(hpo_storage_open(&st, NULL));
    assert_ok(hpo_study_create(&a, st, "shared", NULL, 0, NULL));
    assert_ok(hpo_study_load(&b, st, "shared", NULL));
    assert_ok(hpo_pruner_nop_new(&p));
    assert_ok(hpo_study_set_pruner(a, p));
    assert_ok(hpo_pruner_nop_new(&p));
    assert_ok(hpo_study_set_pruner(b, p));
    for (int i = 0; i < 4; i++) {
        args[i].study = i % 2 ? b : a;
        args[i].n = 25;
        assert_int_equal(pthread_create(&th[i], NULL, raw_worker, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        void *ret;
        pthread_join(th[i], &ret);
        assert_null(ret);
    }
    check_numbers(a, 100);
    check_numbers(b, 100);
    hpo_study_free(a);
    hpo_study_free(b);
    hpo_storage_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_optimize_jobs),
        cmocka_unit_test(test_optimize_jobs_random),
        cmocka_unit_test(test_raw_ask_tell),
    };
    hpo_set_log_callback(quiet_log, NULL);
    return HPO_RUN_TESTS("threads", tests);
}
