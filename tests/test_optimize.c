/* test_optimize.c - hpo_study_optimize: limits, failures, pruning, callbacks, bad options. */
#include <math.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "support/test_util.h"

static void quiet_log(int level, const char *msg, void *payload)
{
    (void)level;
    (void)msg;
    (void)payload;
}

typedef struct script {
    int calls;
    int fail_at;  /* call index that returns an error, -1 none */
    int nan_at;   /* call index that returns NaN, -1 none */
    int prune_at; /* call index that returns HPO_EPRUNED, -1 none */
} script;

static int scripted(hpo_trial *t, double *values, void *payload)
{
    script *s = payload;
    int call = s->calls++;
    double x;
    int rc = hpo_trial_suggest_float(t, "x", 0, 1, HPO_NO_STEP, false, &x);
    if (rc != HPO_OK)
        return rc;
    if (call == s->fail_at)
        return HPO_ERROR;
    if (call == s->prune_at) {
        hpo_trial_report(t, 0.25, 0);
        return HPO_EPRUNED;
    }
    values[0] = call == s->nan_at ? (double)NAN : x;
    return HPO_OK;
}

static size_t count_state(hpo_study *s, hpo_trial_state st)
{
    hpo_frozen_trial **trials;
    size_t n;
    assert_ok(hpo_study_get_trials(s, HPO_STATES(st), &trials, &n));
    hpo_frozen_trials_free(trials, n);
    return n;
}

static void test_outcomes(void **state)
{
    hpo_test_env env;
    script s = {0, 2, 3, 4};
    hpo_optimize_options o = HPO_OPTIMIZE_OPTIONS_INIT;
    hpo_frozen_trial *f;
    (void)state;
    hpo_test_env_open(&env, HPO_MINIMIZE);
    o.n_trials = 10;
    assert_ok(hpo_study_optimize(env.study, scripted, &s, &o));
    hpo_assert_eq_i64(s.calls, 10);
    /* call 2 errors and call 3 returns NaN: both FAIL; call 4 is PRUNED. */
    hpo_assert_eq_i64(count_state(env.study, HPO_TRIAL_COMPLETE), 7);
    hpo_assert_eq_i64(count_state(env.study, HPO_TRIAL_FAIL), 2);
    hpo_assert_eq_i64(count_state(env.study, HPO_TRIAL_PRUNED), 1);
    assert_ok(hpo_study_get_trial(env.study, 2, &f));
    assert_non_null(hpo_frozen_trial_system_attr(f, "fail_reason"));
    hpo_frozen_trial_free(f);
    hpo_test_env_close(&env);
}

static void test_pruned_objective(void **state)
{
    hpo_test_env env;
    script s = {0, -1, -1, 1};
    hpo_optimize_options o = HPO_OPTIMIZE_OPTIONS_INIT;
    hpo_frozen_trial *f;
    (void)state;
    hpo_test_env_open(&env, HPO_MINIMIZE);
    o.n_trials = 3;
    assert_ok(hpo_study_optimize(env.study, scripted, &s, &o));
    assert_ok(hpo_study_get_trial(env.study, 1, &f));
    hpo_assert_eq_i64(hpo_frozen_trial_state(f), HPO_TRIAL_PRUNED);
    assert_near(hpo_frozen_trial_value(f, 0), 0.25, 0);
    hpo_frozen_trial_free(f);
    hpo_test_env_close(&env);
}

static void test_no_catch_stops(void **state)
{
    hpo_test_env env;
    script s = {0, 1, -1, -1};
    hpo_optimize_options o = HPO_OPTIMIZE_OPTIONS_INIT;
    (void)state;
    hpo_test_env_open(&env, HPO_MINIMIZE);
    o.n_trials = 10;
    o.catch_failures = false;
    assert_status(hpo_study_optimize(env.study, scripted, &s, &o), HPO_ERROR);
    assert_msg_has("trial 1");
    hpo_assert_eq_i64(s.calls, 2);
    hpo_assert_eq_i64(count_state(env.study, HPO_TRIAL_FAIL), 1);
    /* The study goes on afterwards. */
    s.fail_at = -1;
    assert_ok(hpo_study_optimize(env.study, scripted, &s, &o));
    hpo_assert_eq_i64(count_state(env.study, HPO_TRIAL_COMPLETE), 11);
    hpo_test_env_close(&env);
}

static int stop_after_three(hpo_study *study, const hpo_frozen_trial *t, void *payload)
{
    int *seen = payload;
    (void)study;
    hpo_assert_eq_i64(hpo_frozen_trial_number(t), *seen);
    (*seen)++;
    return hpo_frozen_trial_number(t) == 2;
}

static void test_callback_stop(void **state)
{
    hpo_test_env env;
    script s = {0, -1, -1, -1};
    int seen = 0;
    hpo_optimize_options o = HPO_OPTIMIZE_OPTIONS_INIT;
    (void)state;
    hpo_test_env_open(&env, HPO_MINIMIZE);
    o.n_trials = 100;
    o.callback = stop_after_three;
    o.callback_payload = &seen;
    assert_ok(hpo_study_optimize(env.study, scripted, &s, &o));
    hpo_assert_eq_i64(seen, 3);
    hpo_test_env_close(&env);
}

static void test_study_wide_target(void **state)
{
    hpo_test_env env;
    script s = {0, -1, -1, -1};
    hpo_optimize_options o = HPO_OPTIMIZE_OPTIONS_INIT;
    (void)state;
    hpo_test_env_open(&env, HPO_MINIMIZE);
    o.n_trials = 4;
    assert_ok(hpo_study_optimize(env.study, scripted, &s, &o));
    o.n_trials = 10;
    o.study_wide_target = true;
    assert_ok(hpo_study_optimize(env.study, scripted, &s, &o));
    hpo_assert_eq_i64(s.calls, 10);
    assert_ok(hpo_study_optimize(env.study, scripted, &s, &o));
    hpo_assert_eq_i64(s.calls, 10);
    hpo_test_env_close(&env);
}

/* A slow objective, so many workers are mid-trial when the target comes near. */
static int slow(hpo_trial *t, double *values, void *payload)
{
    struct timespec ts = {0, 20000};
    double x;
    (void)payload;
    if (hpo_trial_suggest_float(t, "x", 0, 1, HPO_NO_STEP, false, &x) != HPO_OK)
        return HPO_ERROR;
    nanosleep(&ts, NULL);
    values[0] = x;
    return HPO_OK;
}

typedef struct wide_run {
    hpo_study *study;
    int rc;
} wide_run;

static void *run_wide(void *arg)
{
    wide_run *w = arg;
    hpo_optimize_options o = HPO_OPTIMIZE_OPTIONS_INIT;
    o.n_trials = 25;
    o.study_wide_target = true;
    o.n_jobs = 4;
    w->rc = hpo_study_optimize(w->study, slow, NULL, &o);
    return NULL;
}

/* Two handles (as two processes would), four workers each, one study-wide target
 * of 25 started trials, an enqueued trial among them: exactly 25. (A smoke test
 * under contention; that the cap and the start are one atomic step is tested on
 * every backend by test_storage's test_start_trial.) */
static void test_study_wide_parallel(void **state)
{
    hpo_test_env env;
    wide_run w[2] = {{0}, {0}};
    pthread_t th[2];
    const char *names[] = {"x"};
    hpo_value v = hpo_value_float(0.5);
    (void)state;
    hpo_test_env_open(&env, HPO_MINIMIZE);
    assert_ok(hpo_study_enqueue_trial(env.study, names, &v, 1));
    w[0].study = env.study;
    assert_ok(hpo_study_load(&w[1].study, env.storage, hpo_study_name(env.study), NULL));
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, run_wide, &w[i]), 0);
    for (int i = 0; i < 2; i++) {
        pthread_join(th[i], NULL);
        assert_ok(w[i].rc);
    }
    hpo_assert_eq_i64(count_state(env.study, HPO_TRIAL_COMPLETE), 25);
    hpo_assert_eq_i64(count_state(env.study, HPO_TRIAL_WAITING), 0);
    hpo_study_free(w[1].study);
    hpo_test_env_close(&env);
}

static void test_timeout(void **state)
{
    hpo_test_env env;
    script s = {0, -1, -1, -1};
    hpo_optimize_options o = HPO_OPTIMIZE_OPTIONS_INIT;
    (void)state;
    hpo_test_env_open(&env, HPO_MINIMIZE);
    o.timeout = 0.05; /* only a timeout: it must end on its own */
    assert_ok(hpo_study_optimize(env.study, scripted, &s, &o));
    assert_true(s.calls > 0);
    hpo_test_env_close(&env);
}

static int nested(hpo_trial *t, double *values, void *payload)
{
    hpo_study *study = payload;
    hpo_optimize_options o = HPO_OPTIMIZE_OPTIONS_INIT;
    (void)t;
    o.n_trials = 1;
    assert_status(hpo_study_optimize(study, nested, study, &o), HPO_ESTATE);
    values[0] = 1;
    return HPO_OK;
}

static void test_bad_options(void **state)
{
    hpo_test_env env;
    script s = {0, -1, -1, -1};
    hpo_optimize_options o = HPO_OPTIMIZE_OPTIONS_INIT;
    (void)state;
    hpo_test_env_open(&env, HPO_MINIMIZE);
    o.n_trials = -1;
    assert_status(hpo_study_optimize(env.study, scripted, &s, &o), HPO_EINVAL);
    assert_msg_has("n_trials");
    o.n_trials = 0;
    assert_status(hpo_study_optimize(env.study, scripted, &s, &o), HPO_EINVAL);
    o.n_trials = 1;
    o.timeout = NAN;
    assert_status(hpo_study_optimize(env.study, scripted, &s, &o), HPO_EINVAL);
    assert_msg_has("timeout");
    o.timeout = 0;
    o.n_jobs = 0;
    assert_status(hpo_study_optimize(env.study, scripted, &s, &o), HPO_EINVAL);
    assert_msg_has("n_jobs");
    o.n_jobs = 1;
    o.version = 0;
    assert_status(hpo_study_optimize(env.study, scripted, &s, &o), HPO_EVERSION);
    o.version = HPO_OPTIMIZE_OPTIONS_VERSION;
    assert_status(hpo_study_optimize(env.study, NULL, &s, &o), HPO_EINVAL);
    assert_status(hpo_optimize_options_init(&o, 5), HPO_EVERSION);
    assert_ok(hpo_optimize_options_init(&o, HPO_OPTIMIZE_OPTIONS_VERSION));
    o.n_trials = 1;
    assert_ok(hpo_study_optimize(env.study, nested, env.study, &o));
    hpo_assert_eq_i64(s.calls, 0);
    hpo_test_env_close(&env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outcomes),
        cmocka_unit_test(test_pruned_objective),
        cmocka_unit_test(test_no_catch_stops),
        cmocka_unit_test(test_callback_stop),
        cmocka_unit_test(test_study_wide_target),
        cmocka_unit_test(test_study_wide_parallel),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_bad_options),
    };
    hpo_set_log_callback(quiet_log, NULL);
    return HPO_RUN_TESTS("optimize", tests);
}
