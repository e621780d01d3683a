/* test_study.c - studies: lifecycle, attributes, ask/tell semantics, best trial, enqueue. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "support/test_util.h"

static void quiet_log(int level, const char *msg, void *payload)
{
    (void)level;
    (void)msg;
    (void)payload;
}

static void test_create_load_delete_list(void **state)
{
    hpo_storage *st;
    hpo_study *a, *b, *c;
    hpo_direction max = HPO_MAXIMIZE;
    char **names;
    size_t n;
    (void)state;
    assert_ok(hpo_storage_open(&st, ":memory:"));
    assert_ok(hpo_study_create(&a, st, "alpha", &max, 1, NULL));
    assert_string_equal(hpo_study_name(a), "alpha");
    hpo_assert_eq_i64(hpo_study_n_objectives(a), 1);
    hpo_assert_eq_i64(hpo_study_direction(a, 0), HPO_MAXIMIZE);
    assert_status(hpo_study_create(&b, st, "alpha", NULL, 0, NULL), HPO_EEXISTS);
    assert_null(b);
    assert_msg_has("alpha");
    assert_ok(hpo_study_create(&b, st, NULL, NULL, 0, NULL));
    assert_true(strncmp(hpo_study_name(b), "no-name-", 8) == 0);
    hpo_assert_eq_i64(hpo_study_direction(b, 0), HPO_MINIMIZE);
    assert_ok(hpo_study_load(&c, st, "alpha", NULL));
    hpo_assert_eq_i64(hpo_study_direction(c, 0), HPO_MAXIMIZE);
    hpo_study_free(c);
    assert_ok(hpo_study_list(st, &names, &n));
    hpo_assert_eq_i64(n, 2);
    assert_string_equal(names[0], "alpha");
    assert_null(names[2]);
    hpo_free(names);
    assert_ok(hpo_study_delete(st, "alpha"));
    assert_status(hpo_study_load(&c, st, "alpha", NULL), HPO_ENOTFOUND);
    assert_msg_has("alpha");
    assert_status(hpo_study_delete(st, "alpha"), HPO_ENOTFOUND);
    hpo_study_free(a);
    hpo_study_free(b);
    hpo_storage_free(st);
}

static void test_load_if_exists(void **state)
{
    hpo_storage *st;
    hpo_study *a, *b;
    hpo_study_options o = HPO_STUDY_OPTIONS_INIT;
    (void)state;
    o.load_if_exists = true;
    assert_ok(hpo_storage_open(&st, NULL));
    assert_ok(hpo_study_create(&a, st, "s", NULL, 0, &o));
    assert_ok(hpo_study_create(&b, st, "s", NULL, 0, &o));
    hpo_study_free(a);
    hpo_study_free(b);
    hpo_storage_free(st);
}

static void test_bad_study_input(void **state)
{
    hpo_storage *st;
    hpo_study *s;
    hpo_direction bad = (hpo_direction)7, two[2] = {HPO_MINIMIZE, HPO_NOT_SET};
    hpo_study_options o = HPO_STUDY_OPTIONS_INIT;
    char *huge = malloc(10001);
    (void)state;
    assert_ok(hpo_storage_open(&st, NULL));
    assert_status(hpo_study_create(&s, NULL, "x", NULL, 0, NULL), HPO_EMISUSE);
    assert_status(hpo_study_create(NULL, st, "x", NULL, 0, NULL), HPO_EINVAL);
    assert_status(hpo_study_create(&s, st, "x", &bad, 1, NULL), HPO_EINVAL);
    assert_msg_has("direction 0");
    assert_status(hpo_study_create(&s, st, "x", two, 2, NULL), HPO_EINVAL);
    assert_msg_has("direction 1");
    assert_status(hpo_study_create(&s, st, "", NULL, 0, NULL), HPO_EINVAL);
    assert_msg_has("empty");
    memset(huge, 'a', 10000);
    huge[10000] = '\0';
    assert_status(hpo_study_create(&s, st, huge, NULL, 0, NULL), HPO_EINVAL);
    assert_msg_has("longer than");
    o.version = 99;
    assert_status(hpo_study_create(&s, st, "x", NULL, 0, &o), HPO_EVERSION);
    assert_status(hpo_study_load(&s, st, "nope", NULL), HPO_ENOTFOUND);
    assert_msg_has("nope");
    assert_null(s);
    /* Hostile but valid names round-trip. */
    assert_ok(hpo_study_create(&s, st, "'; DROP TABLE studies; -- $(rm -rf /) \"q\"", NULL, 0,
            NULL));
    assert_string_equal(hpo_study_name(s), "'; DROP TABLE studies; -- $(rm -rf /) \"q\"");
    hpo_study_free(s);
    {
        hpo_storage *bad_storage;
        assert_status(hpo_storage_open(&bad_storage, "bogus"), HPO_EINVAL);
        assert_msg_has("bogus");
        assert_null(bad_storage);
    }
    free(huge);
    hpo_storage_free(st);
}

static void test_user_attrs(void **state)
{
    hpo_test_env env;
    char *v;
    (void)state;
    hpo_test_env_open(&env, HPO_MINIMIZE);
    assert_ok(hpo_study_set_user_attr(env.study, "k", "{\"a\": [1, 2.5, NaN]}"));
    assert_ok(hpo_study_get_user_attr(env.study, "k", &v));
    assert_string_equal(v, "{\"a\": [1, 2.5, NaN]}");
    hpo_free(v);
    assert_status(hpo_study_set_user_attr(env.study, "k", "{not json"), HPO_EINVAL);
    assert_msg_has("'k'");
    assert_status(hpo_study_get_user_attr(env.study, "missing", &v), HPO_ENOTFOUND);
    assert_msg_has("missing");
    assert_status(hpo_study_set_user_attr(env.study, NULL, "1"), HPO_EINVAL);
    hpo_test_env_close(&env);
}

static void use_random(hpo_test_env *env, uint64_t seed)
{
    hpo_sampler *s;
    hpo_pruner *p;
    assert_ok(hpo_sampler_random_new(&s, seed));
    assert_ok(hpo_study_set_sampler(env->study, s));
    assert_ok(hpo_pruner_nop_new(&p));
    assert_ok(hpo_study_set_pruner(env->study, p));
}

static void test_ask_tell_states(void **state)
{
    hpo_test_env env;
    hpo_trial *t;
    hpo_frozen_trial *f;
    double x, v = 1.0, nan_v = NAN;
    (void)state;
    hpo_test_env_open(&env, HPO_MINIMIZE);
    use_random(&env, 1);
    assert_ok(hpo_study_ask(env.study, &t));
    hpo_assert_eq_i64(hpo_trial_number(t), 0);
    assert_ok(hpo_trial_suggest_float(t, "x", -1, 1, HPO_NO_STEP, false, &x));
    assert_true(x >= -1 && x < 1);
    assert_ok(hpo_study_tell(env.study, t, HPO_TRIAL_COMPLETE, &v, 1));
    assert_status(hpo_study_tell(env.study, t, HPO_TRIAL_COMPLETE, &v, 1), HPO_ESTATE);
    assert_msg_has("already finished");
    assert_status(hpo_trial_report(t, 1.0, 1), HPO_ESTATE);
    assert_status(hpo_trial_suggest_float(t, "y", 0, 1, 0, false, &x), HPO_ESTATE);
    hpo_trial_free(t);

    /* NaN value: the trial fails, the call succeeds. */
    assert_ok(hpo_study_ask(env.study, &t));
    assert_ok(hpo_study_tell(env.study, t, HPO_TRIAL_COMPLETE, &nan_v, 1));
    hpo_trial_free(t);
    assert_ok(hpo_study_get_trial(env.study, 1, &f));
    hpo_assert_eq_i64(hpo_frozen_trial_state(f), HPO_TRIAL_FAIL);
    hpo_assert_eq_i64(hpo_frozen_trial_n_values(f), 0);
    hpo_frozen_trial_free(f);

    /* Wrong value count and values with PRUNED are refused; the trial stays RUNNING. */
    assert_ok(hpo_study_ask(env.study, &t));
    assert_status(hpo_study_tell(env.study, t, HPO_TRIAL_COMPLETE, NULL, 0), HPO_EINVAL);
    assert_msg_has("number of values");
    assert_status(hpo_study_tell(env.study, t, HPO_TRIAL_PRUNED, &v, 1), HPO_EINVAL);
    assert_status(hpo_study_tell(env.study, t, HPO_TRIAL_RUNNING, NULL, 0), HPO_EINVAL);
    /* Pruned keeps the last intermediate value; a repeated step keeps the first. */
    assert_ok(hpo_trial_report(t, 5.0, 0));
    assert_ok(hpo_trial_report(t, 3.0, 2));
    assert_ok(hpo_trial_report(t, 9.0, 2));
    assert_status(hpo_trial_report(t, 1.0, -1), HPO_EINVAL);
    assert_msg_has("-1");
    assert_ok(hpo_study_tell(env.study, t, HPO_TRIAL_PRUNED, NULL, 0));
    hpo_trial_free(t);
    assert_ok(hpo_study_get_trial(env.study, 2, &f));
    hpo_assert_eq_i64(hpo_frozen_trial_state(f), HPO_TRIAL_PRUNED);
    hpo_assert_eq_i64(hpo_frozen_trial_n_values(f), 1);
    assert_near(hpo_frozen_trial_value(f, 0), 3.0, 0);
    hpo_assert_eq_i64(hpo_frozen_trial_n_intermediate(f), 2);
    hpo_frozen_trial_free(f);

    /* User attributes are listed in the order they were set. */
    assert_ok(hpo_study_ask(env.study, &t));
    assert_ok(hpo_trial_set_user_attr(t, "b", "1"));
    assert_ok(hpo_trial_set_user_attr(t, "a", "{\"k\": NaN}"));
    assert_ok(hpo_trial_snapshot(t, &f));
    hpo_assert_eq_i64(hpo_frozen_trial_n_user_attrs(f), 2);
    assert_string_equal(hpo_frozen_trial_user_attr_key(f, 0), "b");
    assert_string_equal(hpo_frozen_trial_user_attr_key(f, 1), "a");
    assert_null(hpo_frozen_trial_user_attr_key(f, 2));
    assert_string_equal(hpo_frozen_trial_user_attr(f, "a"), "{\"k\": NaN}");
    hpo_frozen_trial_free(f);
    assert_ok(hpo_study_tell(env.study, t, HPO_TRIAL_FAIL, NULL, 0));
    hpo_trial_free(t);

    /* tell by number. */
    assert_ok(hpo_study_ask(env.study, &t));
    assert_ok(hpo_study_tell_number(env.study, 4, HPO_TRIAL_FAIL, NULL, 0));
    assert_status(hpo_study_tell_number(env.study, 4, HPO_TRIAL_FAIL, NULL, 0), HPO_ESTATE);
    assert_status(hpo_study_tell_number(env.study, 99, HPO_TRIAL_FAIL, NULL, 0), HPO_ENOTFOUND);
    hpo_trial_free(t);
    hpo_test_env_close(&env);
}

static void test_null_handles(void **state)
{
    hpo_trial *t = NULL;
    bool b;
    double x;
    (void)state;
    assert_status(hpo_study_ask(NULL, &t), HPO_EMISUSE);
    assert_status(hpo_trial_suggest_float(NULL, "x", 0, 1, 0, false, &x), HPO_EMISUSE);
    assert_status(hpo_trial_report(NULL, 1, 0), HPO_EMISUSE);
    assert_status(hpo_trial_should_prune(NULL, &b), HPO_EMISUSE);
    assert_status(hpo_study_tell(NULL, t, HPO_TRIAL_FAIL, NULL, 0), HPO_EMISUSE);
    hpo_study_free(NULL);
    hpo_trial_free(NULL);
    hpo_storage_free(NULL);
    hpo_frozen_trial_free(NULL);
}

static void test_best_trial(void **state)
{
    hpo_test_env env;
    hpo_frozen_trial *best;
    const double vals[] = {3.0, 1.0, 1.0, 2.0};
    hpo_direction dirs[2] = {HPO_MINIMIZE, HPO_MAXIMIZE};
    hpo_study *mo;
    (void)state;
    hpo_test_env_open(&env, HPO_MINIMIZE);
    use_random(&env, 2);
    assert_status(hpo_study_best_trial(env.study, &best), HPO_ENOTFOUND);
    for (int i = 0; i < 4; i++) {
        hpo_trial *t;
        assert_ok(hpo_study_ask(env.study, &t));
        assert_ok(hpo_study_tell(env.study, t, HPO_TRIAL_COMPLETE, &vals[i], 1));
        hpo_trial_free(t);
    }
    assert_ok(hpo_study_best_trial(env.study, &best));
    hpo_assert_eq_i64(hpo_frozen_trial_number(best), 1); /* tie: lowest number */
    hpo_frozen_trial_free(best);
    assert_ok(hpo_study_create(&mo, env.storage, "mo", dirs, 2, NULL));
    assert_status(hpo_study_best_trial(mo, &best), HPO_EUNSUPPORTED);
    hpo_study_free(mo);
    hpo_test_env_close(&env);

    hpo_test_env_open(&env, HPO_MAXIMIZE);
    for (int i = 0; i < 4; i++) {
        hpo_trial *t;
        assert_ok(hpo_study_ask(env.study, &t));
        assert_ok(hpo_study_tell(env.study, t, HPO_TRIAL_COMPLETE, &vals[i], 1));
        hpo_trial_free(t);
    }
    assert_ok(hpo_study_best_trial(env.study, &best));
    hpo_assert_eq_i64(hpo_frozen_trial_number(best), 0);
    hpo_frozen_trial_free(best);
    hpo_test_env_close(&env);
}

static void test_get_trials_by_state(void **state)
{
    hpo_test_env env;
    hpo_frozen_trial **trials;
    size_t n;
    double v = 0.5;
    hpo_trial *t[4];
    (void)state;
    hpo_test_env_open(&env, HPO_MINIMIZE);
    use_random(&env, 3);
    for (int i = 0; i < 4; i++)
        assert_ok(hpo_study_ask(env.study, &t[i]));
    assert_ok(hpo_study_tell(env.study, t[0], HPO_TRIAL_COMPLETE, &v, 1));
    assert_ok(hpo_study_tell(env.study, t[1], HPO_TRIAL_FAIL, NULL, 0));
    assert_ok(hpo_study_tell(env.study, t[2], HPO_TRIAL_PRUNED, NULL, 0));
    assert_ok(hpo_study_get_trials(env.study, HPO_STATES(HPO_TRIAL_RUNNING), &trials, &n));
    hpo_assert_eq_i64(n, 1);
    hpo_assert_eq_i64(hpo_frozen_trial_number(trials[0]), 3);
    hpo_frozen_trials_free(trials, n);
    assert_ok(hpo_study_get_trials(env.study, HPO_STATES_FINISHED, &trials, &n));
    hpo_assert_eq_i64(n, 3);
    for (size_t i = 0; i < n; i++)
        hpo_assert_eq_i64(hpo_frozen_trial_number(trials[i]), i);
    hpo_frozen_trials_free(trials, n);
    assert_ok(hpo_study_get_trials(env.study, HPO_STATES_ALL, &trials, &n));
    hpo_assert_eq_i64(n, 4);
    hpo_frozen_trials_free(trials, n);
    for (int i = 0; i < 4; i++)
        hpo_trial_free(t[i]);
    hpo_test_env_close(&env);
}

static void test_enqueue(void **state)
{
    hpo_test_env env;
    hpo_trial *t;
    const char *names[] = {"x", "opt", "n"};
    hpo_value vals[] = {hpo_value_float(7.5), hpo_value_string("SGD"), hpo_value_int(4)};
    const char *opts[] = {"Adam", "SGD"};
    double x, y;
    int64_t n;
    size_t idx;
    (void)state;
    hpo_test_env_open(&env, HPO_MINIMIZE);
    use_random(&env, 4);
    assert_ok(hpo_study_enqueue_trial(env.study, names, vals, 3));
    assert_ok(hpo_study_ask(env.study, &t));
    hpo_assert_eq_i64(hpo_trial_number(t), 0);
    /* Out of range fixed values are used anyway (with a warning), as in Optuna. */
    assert_ok(hpo_trial_suggest_float(t, "x", 0, 1, HPO_NO_STEP, false, &x));
    assert_near(x, 7.5, 0);
    assert_ok(hpo_trial_suggest_categorical_str(t, "opt", opts, 2, &idx));
    hpo_assert_eq_i64(idx, 1);
    assert_ok(hpo_trial_suggest_int(t, "n", 1, 8, 1, false, &n));
    hpo_assert_eq_i64(n, 4);
    assert_ok(hpo_trial_suggest_float(t, "y", 0, 1, HPO_NO_STEP, false, &y));
    hpo_trial_free(t);
    /* Next ask creates a new trial. */
    assert_ok(hpo_study_ask(env.study, &t));
    hpo_assert_eq_i64(hpo_trial_number(t), 1);
    hpo_trial_free(t);
    /* Bad enqueue input. */
    vals[0] = hpo_value_float(NAN);
    assert_status(hpo_study_enqueue_trial(env.study, names, vals, 1), HPO_EINVAL);
    assert_msg_has("'x'");
    names[1] = "x";
    vals[0] = hpo_value_float(1);
    assert_status(hpo_study_enqueue_trial(env.study, names, vals, 2), HPO_EINVAL);
    assert_msg_has("twice");
    /* An enqueued categorical value that is not a choice fails that suggest. */
    {
        const char *nm[] = {"opt"};
        hpo_value v[] = {hpo_value_string("RMSprop")};
        assert_ok(hpo_study_enqueue_trial(env.study, nm, v, 1));
        assert_ok(hpo_study_ask(env.study, &t));
        assert_status(hpo_trial_suggest_categorical_str(t, "opt", opts, 2, &idx), HPO_EINVAL);
        assert_msg_has("opt");
        hpo_trial_free(t);
    }
    hpo_test_env_close(&env);
}

static void test_suggest_rules(void **state)
{
    hpo_test_env env;
    hpo_trial *t;
    double x, x2, y;
    int64_t k;
    size_t idx;
    hpo_value choices[] = {hpo_value_string("a"), hpo_value_int(1), hpo_value_null(),
            hpo_value_bool(true), hpo_value_float(2.5)};
    hpo_value bad_choice = {(hpo_value_type)42, {.i = 0}};
    (void)state;
    hpo_test_env_open(&env, HPO_MINIMIZE);
    use_random(&env, 5);
    assert_ok(hpo_study_ask(env.study, &t));
    assert_ok(hpo_trial_suggest_float(t, "x", 0, 1, HPO_NO_STEP, false, &x));
    assert_ok(hpo_trial_suggest_float(t, "x", 0, 1, HPO_NO_STEP, false, &x2));
    assert_near(x2, x, 0);
    /* Same name, compatible but different range: the first value stays. */
    assert_ok(hpo_trial_suggest_float(t, "x", 0, 2, HPO_NO_STEP, false, &x2));
    assert_near(x2, x, 0);
    assert_status(hpo_trial_suggest_int(t, "x", 0, 1, 1, false, &k), HPO_EINVAL);
    assert_msg_has("x");
    assert_status(hpo_trial_suggest_float(t, "x", 0.1, 1, HPO_NO_STEP, true, &x2), HPO_EINVAL);
    assert_msg_has("log");
    assert_status(hpo_trial_suggest_float(t, "y", 2, 1, HPO_NO_STEP, false, &y), HPO_EINVAL);
    assert_msg_has("y");
    assert_status(hpo_trial_suggest_float(t, "y", 0, 1, -0.5, false, &y), HPO_EINVAL);
    assert_status(hpo_trial_suggest_float(t, "y", NAN, 1, 0, false, &y), HPO_EINVAL);
    assert_status(hpo_trial_suggest_float(t, "y", 0, INFINITY, 0, false, &y), HPO_EINVAL);
    assert_status(hpo_trial_suggest_float(t, "y", 0, 1, 0, true, &y), HPO_EINVAL);
    assert_status(hpo_trial_suggest_int(t, "k", 0, 10, 0, false, &k), HPO_EINVAL);
    assert_status(hpo_trial_suggest_categorical(t, "c", choices, 0, &idx), HPO_EINVAL);
    assert_status(hpo_trial_suggest_categorical(t, "c", &bad_choice, 1, &idx), HPO_EINVAL);
    assert_ok(hpo_trial_suggest_categorical(t, "c", choices, 5, &idx));
    assert_true(idx < 5);
    /* A one-point distribution is not sampled. */
    assert_ok(hpo_trial_suggest_float(t, "one", 3, 3, HPO_NO_STEP, false, &y));
    assert_near(y, 3, 0);
    assert_ok(hpo_trial_suggest_int(t, "step", 0, 10, 3, false, &k));
    assert_true(k == 0 || k == 3 || k == 6 || k == 9);
    hpo_trial_free(t);
    /* Across trials a categorical cannot change its choices. */
    assert_ok(hpo_study_ask(env.study, &t));
    assert_status(hpo_trial_suggest_categorical(t, "c", choices, 4, &idx), HPO_EINVAL);
    assert_msg_has("dynamic value space");
    /* Float ranges may change between trials. */
    assert_ok(hpo_trial_suggest_float(t, "x", -5, 5, HPO_NO_STEP, false, &x));
    hpo_trial_free(t);
    hpo_test_env_close(&env);
}

static int seen_objective(hpo_trial *t, double *values, void *payload)
{
    double x;
    int rc = hpo_trial_suggest_float(t, "x", -10, 10, HPO_NO_STEP, false, &x);
    (void)payload;
    if (rc != HPO_OK)
        return rc;
    values[0] = (x - 2) * (x - 2);
    return HPO_OK;
}

static void study_values(hpo_storage *st, const char *name, uint64_t seed, double *out, size_t n)
{
    hpo_study *s;
    hpo_study_options so = HPO_STUDY_OPTIONS_INIT;
    hpo_optimize_options o = HPO_OPTIMIZE_OPTIONS_INIT;
    hpo_frozen_trial **trials;
    size_t got;
    so.seed = seed;
    o.n_trials = (int64_t)n;
    assert_ok(hpo_study_create(&s, st, name, NULL, 0, &so));
    assert_ok(hpo_study_optimize(s, seen_objective, NULL, &o));
    assert_ok(hpo_study_get_trials(s, HPO_STATES_ALL, &trials, &got));
    hpo_assert_eq_i64(got, n);
    for (size_t i = 0; i < n; i++)
        out[i] = hpo_frozen_trial_param_internal(trials[i], 0);
    hpo_frozen_trials_free(trials, got);
    hpo_study_free(s);
}

/* Same seed, one worker => the same trials, with the default sampler (TPE). */
static void test_reproducible(void **state)
{
    hpo_storage *st;
    double a[30], b[30], c[30];
    (void)state;
    assert_ok(hpo_storage_open(&st, NULL));
    study_values(st, "a", 42, a, 30);
    study_values(st, "b", 42, b, 30);
    study_values(st, "c", 43, c, 30);
    assert_memory_equal(a, b, sizeof(a));
    assert_true(memcmp(a, c, sizeof(a)) != 0);
    hpo_storage_free(st);
}

static void test_study_attrs_json(void **state)
{
    hpo_test_env env;
    char *json = NULL;
    (void)state;
    hpo_test_env_open(&env, HPO_MINIMIZE);
    assert_ok(hpo_study_attrs_json(env.study, false, &json));
    assert_string_equal(json, "{}");
    hpo_free(json);
    assert_ok(hpo_study_set_user_attr(env.study, "a\"'; DROP TABLE x;--", "[1, 2]"));
    assert_ok(hpo_study_set_system_attr(env.study, "study:metric_names", "[\"acc\"]"));
    assert_status(hpo_study_set_system_attr(env.study, "k", "{oops"), HPO_EINVAL);
    assert_status(hpo_study_set_system_attr(env.study, "", "1"), HPO_EINVAL);
    assert_ok(hpo_study_attrs_json(env.study, false, &json));
    assert_string_equal(json, "{\"a\\\"'; DROP TABLE x;--\": [1, 2]}");
    hpo_free(json);
    assert_ok(hpo_study_attrs_json(env.study, true, &json));
    assert_string_equal(json, "{\"study:metric_names\": [\"acc\"]}");
    hpo_free(json);
    assert_status(hpo_study_attrs_json(env.study, true, NULL), HPO_EINVAL);
    hpo_test_env_close(&env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_load_delete_list),
        cmocka_unit_test(test_load_if_exists),
        cmocka_unit_test(test_bad_study_input),
        cmocka_unit_test(test_user_attrs),
        cmocka_unit_test(test_ask_tell_states),
        cmocka_unit_test(test_null_handles),
        cmocka_unit_test(test_best_trial),
        cmocka_unit_test(test_get_trials_by_state),
        cmocka_unit_test(test_enqueue),
        cmocka_unit_test(test_suggest_rules),
        cmocka_unit_test(test_reproducible),
        cmocka_unit_test(test_study_attrs_json),
    };
    hpo_set_log_callback(quiet_log, NULL);
    return HPO_RUN_TESTS("study", tests);
}
