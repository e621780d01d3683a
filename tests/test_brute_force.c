/*
 * test_brute_force.c - the brute-force sampler: options; a product space and
 * a conditional one (Optuna's docstring example) each tried exactly once and
 * then stopped; failed and pruned trials count as tried; a float without a
 * step and a changing space are errors; seeds fix the order; parallel asks
 * split the candidates; an exhausted enqueued prefix; hostile names; OOM.
 */
#include <math.h>
#include <stdatomic.h>
#include <string.h>

#include "core/alloc.h"
#include "support/test_util.h"

enum { MAX_KEYS = 64, MAX_ORDER = 256 };

/* What an objective saw: how often each point came up, and in which order. */
typedef struct seen {
    atomic_int count[MAX_KEYS]; /* atomic: parallel workers note too */
    int order[MAX_ORDER];
    atomic_size_t n;
    int result; /* HPO_OK, or what the objective returns after recording */
} seen;

static void note(seen *s, int key)
{
    size_t i = atomic_fetch_add(&s->n, 1);
    assert_true(key >= 0 && key < MAX_KEYS);
    atomic_fetch_add(&s->count[key], 1);
    if (i < MAX_ORDER)
        s->order[i] = key;
}

static hpo_sampler *new_bf(uint64_t seed, bool avoid_premature_stop)
{
    hpo_brute_force_options o = HPO_BRUTE_FORCE_OPTIONS_INIT;
    hpo_sampler *s = NULL;
    o.seed = seed;
    o.avoid_premature_stop = avoid_premature_stop;
    assert_ok(hpo_sampler_brute_force_new(&s, &o));
    return s;
}

static void open_env(hpo_test_env *env, hpo_sampler *s)
{
    assert_ok(hpo_storage_open(&env->storage, NULL));
    assert_ok(hpo_study_create(&env->study, env->storage, "bf", NULL, 0, NULL));
    assert_ok(hpo_study_set_sampler(env->study, s));
}

/* optimize() with a budget far above the space: the sampler must stop it. */
static void optimize(hpo_test_env *env, hpo_objective_fn fn, seen *s)
{
    hpo_optimize_options o = HPO_OPTIMIZE_OPTIONS_INIT;
    o.n_trials = 1000;
    assert_ok(hpo_study_optimize(env->study, fn, s, &o));
}

static int64_t n_trials(hpo_test_env *env)
{
    hpo_frozen_trial **tr = NULL;
    size_t n = 0;
    assert_ok(hpo_study_get_trials(env->study, HPO_STATES_ALL, &tr, &n));
    hpo_frozen_trials_free(tr, n);
    return (int64_t)n;
}

/* Every key in [0, n_keys) seen once, except those in skip (never valid). */
static void assert_each_once(const seen *s, int n_keys, const int *skip, size_t n_skip)
{
    for (int k = 0; k < n_keys; k++) {
        bool invalid = false;
        for (size_t j = 0; j < n_skip; j++)
            invalid = invalid || skip[j] == k;
        hpo_assert_eq_i64(s->count[k], invalid ? 0 : 1);
    }
}

/* ==== options ============================================================== */

static void test_options(void **state)
{
    (void)state;
    hpo_brute_force_options o;
    hpo_sampler *s = NULL;
    memset(&o, 0xff, sizeof(o));
    assert_ok(hpo_brute_force_options_init(&o, HPO_BRUTE_FORCE_OPTIONS_VERSION));
    hpo_assert_eq_i64(o.version, HPO_BRUTE_FORCE_OPTIONS_VERSION);
    hpo_assert_eq_i64(o.seed, 0);
    assert_false(o.avoid_premature_stop);
    assert_status(hpo_brute_force_options_init(&o, 99), HPO_EVERSION);
    assert_status(hpo_brute_force_options_init(NULL, HPO_BRUTE_FORCE_OPTIONS_VERSION), HPO_EMISUSE);
    assert_status(hpo_sampler_brute_force_new(NULL, &o), HPO_EMISUSE);
    o.version = 99;
    assert_status(hpo_sampler_brute_force_new(&s, &o), HPO_EVERSION);
    assert_msg_has("version");
    assert_null(s);
    assert_ok(hpo_sampler_brute_force_new(&s, NULL));
    hpo_sampler_free(s);
}

/* ==== exhaustive search ==================================================== */

/* 2 categories x 3 ints x 5 stepped floats = 30 points. */
static int product(hpo_trial *t, double *v, void *payload)
{
    static const char *const ch[] = {"sgd", "adam"};
    seen *s = payload;
    size_t c;
    int64_t n;
    double x;
    if (hpo_trial_suggest_categorical_str(t, "opt", ch, 2, &c) != HPO_OK ||
        hpo_trial_suggest_int(t, "layers", 1, 3, 1, false, &n) != HPO_OK ||
        hpo_trial_suggest_float(t, "lr", 0.0, 1.0, 0.25, false, &x) != HPO_OK)
        return HPO_ERROR;
    assert_true(x == 0.0 || x == 0.25 || x == 0.5 || x == 0.75 || x == 1.0);
    note(s, (int)c * 15 + (int)(n - 1) * 5 + (int)lround(x / 0.25));
    v[0] = x + (double)n;
    return s->result;
}

static void run_product(uint64_t seed, bool avoid, int result, seen *s)
{
    hpo_test_env env = {0};
    memset(s, 0, sizeof(*s));
    s->result = result;
    open_env(&env, new_bf(seed, avoid));
    optimize(&env, product, s);
    hpo_assert_eq_i64(n_trials(&env), 30);
    hpo_test_env_close(&env);
}

static void test_product_space_exhausted(void **state)
{
    (void)state;
    seen s;
    run_product(0, false, HPO_OK, &s);
    hpo_assert_eq_i64(s.n, 30);
    assert_each_once(&s, 30, NULL, 0);
    run_product(3, true, HPO_OK, &s); /* the strict criterion gives the same here */
    assert_each_once(&s, 30, NULL, 0);
}

/* A FAIL or PRUNED trial counts as tried (Optuna's failed-trials test). */
static void test_failed_and_pruned_count(void **state)
{
    (void)state;
    seen s;
    run_product(1, false, HPO_ERROR, &s);
    assert_each_once(&s, 30, NULL, 0);
    run_product(2, false, HPO_EPRUNED, &s);
    assert_each_once(&s, 30, NULL, 0);
}

/* x = 1 fails before y is suggested; the other x take both y. */
static int fails_midway(hpo_trial *t, double *v, void *payload)
{
    seen *s = payload;
    int64_t x, y;
    if (hpo_trial_suggest_int(t, "x", 0, 2, 1, false, &x) != HPO_OK)
        return HPO_ERROR;
    if (x == 1) {
        note(s, 6);
        return HPO_ERROR;
    }
    if (hpo_trial_suggest_int(t, "y", 0, 1, 1, false, &y) != HPO_OK)
        return HPO_ERROR;
    note(s, (int)(2 * x + y));
    v[0] = (double)(x + y);
    return HPO_OK;
}

/* A trial that failed part-way is tried, not a changed search space (Optuna raises). */
static void test_failed_midway(void **state)
{
    (void)state;
    static const int never[] = {2, 3}; /* (x = 1, y) */
    for (uint64_t seed = 0; seed < 4; seed++) {
        hpo_test_env env = {0};
        seen s = {0};
        open_env(&env, new_bf(seed, false));
        optimize(&env, fails_midway, &s);
        hpo_assert_eq_i64(n_trials(&env), 5);
        assert_each_once(&s, 7, never, 2);
        hpo_test_env_close(&env);
    }
}

/*
 * Optuna's docstring example: c = float -> x in [1, 3] step 0.5 (5 points);
 * c = int -> a in 1..3, b in a..3 (6 points). Keys: x -> 0..4, (a, b) -> 5 +
 * 3(a-1) + (b-1).
 */
static int conditional(hpo_trial *t, double *v, void *payload)
{
    static const char *const ch[] = {"float", "int"};
    seen *s = payload;
    size_t c;
    int64_t a, b;
    double x;
    if (hpo_trial_suggest_categorical_str(t, "c", ch, 2, &c) != HPO_OK)
        return HPO_ERROR;
    if (c == 0) {
        if (hpo_trial_suggest_float(t, "x", 1, 3, 0.5, false, &x) != HPO_OK)
            return HPO_ERROR;
        note(s, (int)lround((x - 1) / 0.5));
        v[0] = x;
        return HPO_OK;
    }
    if (hpo_trial_suggest_int(t, "a", 1, 3, 1, false, &a) != HPO_OK ||
        hpo_trial_suggest_int(t, "b", a, 3, 1, false, &b) != HPO_OK)
        return HPO_ERROR;
    note(s, 5 + 3 * (int)(a - 1) + (int)(b - 1));
    v[0] = (double)(a + b);
    return HPO_OK;
}

static void test_conditional_space_exhausted(void **state)
{
    (void)state;
    static const int impossible[] = {8, 11, 12}; /* b < a */
    for (uint64_t seed = 0; seed < 4; seed++) {
        hpo_test_env env = {0};
        seen s = {0};
        open_env(&env, new_bf(seed, false));
        optimize(&env, conditional, &s);
        hpo_assert_eq_i64(n_trials(&env), 11);
        assert_each_once(&s, 14, impossible, 3);
        hpo_test_env_close(&env);
    }
}

/* ==== errors =============================================================== */

static void test_float_without_step(void **state)
{
    (void)state;
    hpo_test_env env = {0};
    hpo_trial *t = NULL;
    double x, v = 0.0;
    int64_t k, k2;
    open_env(&env, new_bf(0, false));
    assert_ok(hpo_study_ask(env.study, &t));
    assert_status(hpo_trial_suggest_float(t, "x", 0.0, 1.0, HPO_NO_STEP, false, &x), HPO_EINVAL);
    assert_msg_has("BruteForceSampler needs a finite space: float 'x' has no step");
    /* A one-point float needs no step: it is a finite space. */
    assert_ok(hpo_trial_suggest_float(t, "one", 2.0, 2.0, HPO_NO_STEP, false, &x));
    assert_ok(hpo_trial_suggest_int(t, "k", 0, 1, 1, false, &k));
    assert_ok(hpo_study_tell(env.study, t, HPO_TRIAL_COMPLETE, &v, 1));
    hpo_trial_free(t);
    assert_ok(hpo_study_ask(env.study, &t));
    assert_ok(hpo_trial_suggest_float(t, "one", 2.0, 2.0, HPO_NO_STEP, false, &x));
    assert_ok(hpo_trial_suggest_int(t, "k", 0, 1, 1, false, &k2));
    hpo_assert_eq_i64(k2, 1 - k); /* the one-point float did not get in the way */
    hpo_trial_free(t);
    hpo_test_env_close(&env);
}

/* Optuna's dynamic-range test: the same parameter with other candidates. */
static void test_search_space_changed(void **state)
{
    (void)state;
    hpo_test_env env = {0};
    hpo_trial *t = NULL;
    int64_t x;
    double v = 0.0;
    open_env(&env, new_bf(0, false));
    assert_ok(hpo_study_ask(env.study, &t));
    assert_ok(hpo_trial_suggest_int(t, "x", 0, 1, 1, false, &x));
    assert_ok(hpo_study_tell(env.study, t, HPO_TRIAL_COMPLETE, &v, 1));
    hpo_trial_free(t);
    assert_ok(hpo_study_ask(env.study, &t));
    assert_status(hpo_trial_suggest_int(t, "x", 0, 2, 1, false, &x), HPO_EINVAL);
    assert_msg_has("search space changed");
    hpo_trial_free(t);
    hpo_test_env_close(&env);
}

/* ==== order, parallelism, enqueued trials ================================= */

static void test_seed_fixes_order(void **state)
{
    (void)state;
    seen a, b, c;
    run_product(11, false, HPO_OK, &a);
    run_product(11, false, HPO_OK, &b);
    run_product(12, false, HPO_OK, &c);
    assert_memory_equal(a.order, b.order, 30 * sizeof(int));
    assert_true(memcmp(a.order, c.order, 30 * sizeof(int)) != 0);
}

/* Optuna's parallel test: a running trial's choice is avoided by the next ask. */
static void test_parallel_asks_split(void **state)
{
    (void)state;
    static const char *const ch[] = {"a", "b"};
    for (uint64_t seed = 0; seed < 8; seed++) {
        hpo_test_env env = {0};
        hpo_trial *t1 = NULL, *t2 = NULL;
        size_t x1, x2;
        open_env(&env, new_bf(seed, false));
        assert_ok(hpo_study_ask(env.study, &t1));
        assert_ok(hpo_study_ask(env.study, &t2));
        assert_ok(hpo_trial_suggest_categorical_str(t1, "x", ch, 2, &x1));
        assert_ok(hpo_trial_suggest_categorical_str(t2, "x", ch, 2, &x2));
        assert_true(x1 != x2);
        hpo_trial_free(t1);
        hpo_trial_free(t2);
        hpo_test_env_close(&env);
    }
}

/* Parallel workers (strict criterion): every point at least once, then a stop. */
static void test_parallel_optimize_covers(void **state)
{
    (void)state;
    hpo_test_env env = {0};
    hpo_optimize_options o = HPO_OPTIMIZE_OPTIONS_INIT;
    seen s = {0};
    int64_t n;
    open_env(&env, new_bf(9, true));
    o.n_trials = 1000;
    o.n_jobs = 4;
    assert_ok(hpo_study_optimize(env.study, product, &s, &o));
    n = n_trials(&env);
    assert_true(n >= 30 && n < 1000);
    for (int k = 0; k < 30; k++)
        assert_true(s.count[k] >= 1);
    hpo_test_env_close(&env);
}

static int xy(hpo_trial *t, double *v, void *payload)
{
    seen *s = payload;
    int64_t x, y;
    if (hpo_trial_suggest_int(t, "x", 0, 1, 1, false, &x) != HPO_OK ||
        hpo_trial_suggest_int(t, "y", 0, 1, 1, false, &y) != HPO_OK)
        return HPO_ERROR;
    note(s, (int)(2 * x + y));
    v[0] = (double)(x + y);
    return HPO_OK;
}

/* Optuna's exhausted-subspace test: x = 0 enqueued after both x = 0 points. */
static void test_enqueued_exhausted_prefix(void **state)
{
    (void)state;
    static const char *const names[] = {"x", "y"};
    hpo_value p00[2] = {hpo_value_int(0), hpo_value_int(0)};
    hpo_value p01[2] = {hpo_value_int(0), hpo_value_int(1)};
    hpo_test_env env = {0};
    seen s = {0};
    open_env(&env, new_bf(0, false));
    assert_ok(hpo_study_enqueue_trial(env.study, names, p00, 2));
    assert_ok(hpo_study_enqueue_trial(env.study, names, p01, 2));
    assert_ok(hpo_study_enqueue_trial(env.study, names, p00, 1));
    optimize(&env, xy, &s);
    hpo_assert_eq_i64(n_trials(&env), 5); /* the third repeats an x = 0 point */
    hpo_assert_eq_i64(s.count[0] + s.count[1], 3);
    hpo_assert_eq_i64(s.count[2], 1);
    hpo_assert_eq_i64(s.count[3], 1);
    hpo_test_env_close(&env);
}

/* ==== hostile names, OOM =================================================== */

static int hostile(hpo_trial *t, double *v, void *payload)
{
    static const char *const ch[] = {"'", "\"", "); DROP TABLE trials; --"};
    seen *s = payload;
    size_t c;
    int64_t n;
    if (hpo_trial_suggest_categorical_str(t, "x'); DROP TABLE trials; --", ch, 3, &c) != HPO_OK ||
        hpo_trial_suggest_int(t, "\"quoted\" \\ %s %n", 0, 3, 1, false, &n) != HPO_OK)
        return HPO_ERROR;
    note(s, (int)c * 4 + (int)n);
    v[0] = (double)n;
    return HPO_OK;
}

static void test_hostile_names(void **state)
{
    (void)state;
    hpo_test_env env = {0};
    seen s = {0};
    open_env(&env, new_bf(5, false));
    optimize(&env, hostile, &s);
    hpo_assert_eq_i64(n_trials(&env), 12);
    assert_each_once(&s, 12, NULL, 0);
    hpo_test_env_close(&env);
}

/* One ask + two suggests + tell; returns the first failing status. */
static int one_trial(hpo_study *study)
{
    hpo_trial *t = NULL;
    int64_t a;
    double x, v;
    int rc = hpo_study_ask(study, &t);
    if (rc == HPO_OK)
        rc = hpo_trial_suggest_int(t, "a", 0, 9, 1, false, &a);
    if (rc == HPO_OK)
        rc = hpo_trial_suggest_float(t, "x", -1, 1, 0.5, false, &x);
    if (rc == HPO_OK) {
        v = (double)a + x;
        rc = hpo_study_tell(study, t, HPO_TRIAL_COMPLETE, &v, 1);
    }
    hpo_trial_free(t);
    return rc;
}

/* Every allocation of a trial with history may fail: ENOMEM, no leak (ASan). */
static void test_oom(void **state)
{
    (void)state;
    long n;
    for (n = 0; n < 100000; n++) {
        hpo_test_env env = {0};
        open_env(&env, new_bf(0, false));
        for (int i = 0; i < 6; i++)
            assert_ok(one_trial(env.study));
        hpo__fail_alloc_after(n);
        int rc = one_trial(env.study);
        hpo__fail_alloc_after(-1);
        if (rc != HPO_OK && rc != HPO_ENOMEM)
            fail_msg("allocation %ld: expected HPO_ENOMEM, got %d: %s", n, rc, hpo_last_error());
        assert_ok(one_trial(env.study));
        hpo_test_env_close(&env);
        if (rc == HPO_OK)
            break;
    }
    assert_true(n > 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_options),
            cmocka_unit_test(test_product_space_exhausted),
            cmocka_unit_test(test_failed_and_pruned_count),
            cmocka_unit_test(test_failed_midway),
            cmocka_unit_test(test_conditional_space_exhausted),
            cmocka_unit_test(test_float_without_step),
            cmocka_unit_test(test_search_space_changed),
            cmocka_unit_test(test_seed_fixes_order),
            cmocka_unit_test(test_parallel_asks_split),
            cmocka_unit_test(test_parallel_optimize_covers),
            cmocka_unit_test(test_enqueued_exhausted_prefix),
            cmocka_unit_test(test_hostile_names),
            cmocka_unit_test(test_oom),
    };
    return HPO_RUN_TESTS("brute_force", tests);
}
