/*
 * test_grid.c - the grid sampler: every point exactly once (one process, then
 * four processes on one SQLite study), the end of the grid ends optimize and
 * refuses a plain ask, Optuna's system attributes, seeds, values outside the
 * distribution, parameters outside the grid, malformed and oversized grids,
 * hostile names.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/test_util.h"

#define SPACE                                                                                      \
    "{\"x\": [1, 2, 3, 4, 5], \"c\": [\"a\", \"b'; DROP TABLE trials;--\"], "                      \
    "\"lr\": [0.001, 0.01, 0.1, 1.0]}"
#define N_POINTS 40

static int objective(hpo_trial *t, double *v, void *payload)
{
    static const char *const ch[] = {"a", "b'; DROP TABLE trials;--"};
    double lr;
    int64_t x;
    size_t c;
    (void)payload;
    if (hpo_trial_suggest_int(t, "x", 1, 5, 1, false, &x) != HPO_OK ||
        hpo_trial_suggest_categorical_str(t, "c", ch, 2, &c) != HPO_OK ||
        hpo_trial_suggest_float(t, "lr", 1e-3, 1.0, HPO_NO_STEP, true, &lr) != HPO_OK)
        return HPO_ERROR;
    v[0] = (double)x + (double)c * 10 + log10(lr);
    return HPO_OK;
}

/* Key of a trial's point: x * 100 + c * 10 + lr index. */
static int point_key(const hpo_frozen_trial *t)
{
    double lr = hpo_frozen_trial_param_internal(t, 2);
    int li = (int)lround(log10(lr)) + 3;
    return (int)hpo_frozen_trial_param_internal(t, 0) * 100 +
           (int)hpo_frozen_trial_param_internal(t, 1) * 10 + li;
}

static void assert_each_point_once(hpo_study *study)
{
    hpo_frozen_trial **ts = NULL;
    size_t n = 0;
    int seen[600] = {0};
    assert_ok(hpo_study_get_trials(study, HPO_STATES_ALL, &ts, &n));
    hpo_assert_eq_i64(n, N_POINTS);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(hpo_frozen_trial_state(ts[i]), HPO_TRIAL_COMPLETE);
        int k = point_key(ts[i]);
        assert_true(k >= 0 && k < 600);
        hpo_assert_eq_i64(seen[k], 0);
        seen[k] = 1;
    }
    hpo_frozen_trials_free(ts, n);
}

static hpo_sampler *grid(const char *space, uint64_t seed)
{
    hpo_sampler *s = NULL;
    assert_ok(hpo_sampler_grid_new(&s, space, seed));
    return s;
}

static void open_study(hpo_test_env *env, hpo_sampler *s)
{
    assert_ok(hpo_storage_open(&env->storage, NULL));
    assert_ok(hpo_study_create(&env->study, env->storage, "g", NULL, 0, NULL));
    assert_ok(hpo_study_set_sampler(env->study, s));
}

static void test_exhausts_once_and_stops(void **state)
{
    hpo_test_env env = {0};
    hpo_optimize_options o = HPO_OPTIMIZE_OPTIONS_INIT;
    hpo_trial *t = NULL;
    hpo_frozen_trial *ft = NULL;
    (void)state;
    open_study(&env, grid(SPACE, 0));
    hpo_assert_eq_i64(hpo_study_trial_limit(env.study), N_POINTS);
    o.n_trials = 1000;
    assert_ok(hpo_study_optimize(env.study, objective, NULL, &o));
    assert_each_point_once(env.study);
    /* A plain ask past the grid is refused, and nothing is created. */
    assert_status(hpo_study_ask(env.study, &t), HPO_ESTATE);
    assert_msg_has("40 points");
    /* Optuna's attributes: the sorted space and the grid id. */
    assert_ok(hpo_study_get_trial(env.study, 7, &ft));
    assert_string_equal(hpo_frozen_trial_system_attr(ft, "grid_id"), "7");
    assert_string_equal(
            hpo_frozen_trial_system_attr(ft, "search_space"),
            "{\"c\": [\"a\", \"b'; DROP TABLE trials;--\"], \"lr\": [0.001, 0.01, 0.1, 1.0], "
            "\"x\": [1, 2, 3, 4, 5]}");
    hpo_frozen_trial_free(ft);
    assert_ok(hpo_study_optimize(env.study, objective, NULL, &o)); /* ends at once */
    assert_each_point_once(env.study);
    hpo_test_env_close(&env);
}

static int child_worker(const char *url)
{
    hpo_storage *st = NULL;
    hpo_study *study = NULL;
    hpo_sampler *s = NULL;
    hpo_optimize_options o = HPO_OPTIMIZE_OPTIONS_INIT;
    int rc;
    o.n_trials = 1000;
    if (hpo_storage_open(&st, url) != HPO_OK || hpo_study_load(&study, st, "g", NULL) != HPO_OK ||
        hpo_sampler_grid_new(&s, SPACE, 3) != HPO_OK || hpo_study_set_sampler(study, s))
        return 2;
    rc = hpo_study_optimize(study, objective, NULL, &o);
    hpo_study_free(study);
    hpo_storage_free(st);
    return rc == HPO_OK ? 0 : 3;
}

static void test_four_processes_one_sqlite_study(void **state)
{
    char dir[] = "/tmp/hpo-grid-XXXXXX", url[128], path[96];
    hpo_storage *st = NULL;
    hpo_study *study = NULL;
    pid_t pids[4];
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/g.db", dir);
    snprintf(url, sizeof(url), "sqlite:///%s", path);
    assert_ok(hpo_storage_open(&st, url));
    assert_ok(hpo_study_create(&study, st, "g", NULL, 0, NULL));
    hpo_study_free(study);
    for (int i = 0; i < 4; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0)
            _exit(child_worker(url));
    }
    for (int i = 0; i < 4; i++) {
        int status = 0;
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status));
        hpo_assert_eq_i64(WEXITSTATUS(status), 0);
    }
    assert_ok(hpo_study_load(&study, st, "g", NULL));
    assert_each_point_once(study);
    hpo_study_free(study);
    hpo_storage_free(st);
    unlink(path);
    rmdir(dir);
}

static void order_of(uint64_t seed, int *keys)
{
    hpo_test_env env = {0};
    hpo_optimize_options o = HPO_OPTIMIZE_OPTIONS_INIT;
    hpo_frozen_trial **ts = NULL;
    size_t n = 0;
    open_study(&env, grid(SPACE, seed));
    o.n_trials = 50;
    assert_ok(hpo_study_optimize(env.study, objective, NULL, &o));
    assert_ok(hpo_study_get_trials(env.study, HPO_STATES_ALL, &ts, &n));
    hpo_assert_eq_i64(n, N_POINTS);
    for (size_t i = 0; i < n; i++)
        keys[i] = point_key(ts[i]);
    hpo_frozen_trials_free(ts, n);
    hpo_test_env_close(&env);
}

static void test_seed_shuffles(void **state)
{
    int a[N_POINTS], b[N_POINTS], c[N_POINTS];
    (void)state;
    order_of(5, a);
    order_of(5, b);
    order_of(6, c);
    assert_memory_equal(a, b, sizeof(a));
    assert_true(memcmp(a, c, sizeof(a)) != 0);
}

static void test_value_outside_distribution(void **state)
{
    hpo_test_env env = {0};
    int failed = 0;
    (void)state;
    open_study(&env, grid("{\"x\": [0.5, 5, \"seven\"], \"n\": [1.5]}", 0));
    for (int i = 0; i < 3; i++) {
        hpo_trial *t = NULL;
        double x;
        int64_t n;
        int rc;
        assert_ok(hpo_study_ask(env.study, &t));
        rc = hpo_trial_suggest_float(t, "x", 0, 1, HPO_NO_STEP, false, &x);
        if (rc == HPO_OK) {
            assert_near(x, 0.5, 0);
            /* 1.5 is no integer. */
            assert_status(hpo_trial_suggest_int(t, "n", 0, 3, 1, false, &n), HPO_EINVAL);
            assert_msg_has("'n'");
        } else {
            assert_int_equal(rc, HPO_EINVAL);
            assert_msg_has("outside its distribution");
            failed++;
        }
        hpo_trial_free(t);
    }
    hpo_assert_eq_i64(failed, 2);
    hpo_test_env_close(&env);
}

static void test_param_not_in_grid(void **state)
{
    hpo_test_env env = {0};
    hpo_trial *t = NULL;
    double y;
    (void)state;
    open_study(&env, grid("{\"x\": [1]}", 0));
    assert_ok(hpo_study_ask(env.study, &t));
    assert_status(hpo_trial_suggest_float(t, "y", 0, 1, HPO_NO_STEP, false, &y), HPO_EINVAL);
    assert_msg_has("'y' is not in the grid");
    hpo_trial_free(t);
    hpo_test_env_close(&env);
}

static void test_bad_grids(void **state)
{
    hpo_sampler *s = NULL;
    static const char *const bad[] = {
            "[1, 2]",
            "{}",
            "{\"x\": []}",
            "{\"x\": 3}",
            "{\"x\": [[1, 2]]}",
            "{\"x\": [{\"a\": 1}]}",
            "{\"x\": [1,",
            "",
            "{\"a\": [1,2,3,4,5,6,7,8,9,10], \"b\": [1,2,3,4,5,6,7,8,9,10], "
            "\"c\": [1,2,3,4,5,6,7,8,9,10], \"d\": [1,2,3,4,5,6,7,8,9,10], "
            "\"e\": [1,2,3,4,5,6,7,8,9,10], \"f\": [1,2,3,4,5,6,7,8,9,10], "
            "\"g\": [1,2,3,4,5,6,7,8,9,10], \"h\": [1,2,3,4,5,6,7,8,9,10]}"};
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_status(hpo_sampler_grid_new(&s, bad[i], 0), HPO_EINVAL);
        assert_null(s);
    }
    assert_msg_has("points");
    assert_status(hpo_sampler_grid_new(&s, NULL, 0), HPO_EINVAL);
    assert_status(hpo_sampler_grid_new(NULL, "{\"x\": [1]}", 0), HPO_EMISUSE);
    /* NaN and null are values too (a categorical can hold them). */
    assert_ok(hpo_sampler_grid_new(&s, "{\"x\": [NaN, null, true, \"\\\"q\\\"\"]}", 0));
    hpo_sampler_free(s);
}

static void test_nan_and_null_choices(void **state)
{
    hpo_test_env env = {0};
    hpo_value ch[3];
    int seen[3] = {0};
    (void)state;
    ch[0] = hpo_value_float(NAN);
    ch[1] = hpo_value_null();
    ch[2] = hpo_value_string("\"q\"");
    open_study(&env, grid("{\"x\": [NaN, null, \"\\\"q\\\"\"]}", 0));
    for (int i = 0; i < 3; i++) {
        hpo_trial *t = NULL;
        size_t k;
        double v = 0;
        assert_ok(hpo_study_ask(env.study, &t));
        assert_ok(hpo_trial_suggest_categorical(t, "x", ch, 3, &k));
        seen[k]++;
        assert_ok(hpo_study_tell(env.study, t, HPO_TRIAL_COMPLETE, &v, 1));
        hpo_trial_free(t);
    }
    assert_true(seen[0] == 1 && seen[1] == 1 && seen[2] == 1);
    hpo_test_env_close(&env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_exhausts_once_and_stops),
            cmocka_unit_test(test_four_processes_one_sqlite_study),
            cmocka_unit_test(test_seed_shuffles),
            cmocka_unit_test(test_value_outside_distribution),
            cmocka_unit_test(test_param_not_in_grid),
            cmocka_unit_test(test_bad_grids),
            cmocka_unit_test(test_nan_and_null_choices),
    };
    return HPO_RUN_TESTS("grid", tests);
}
