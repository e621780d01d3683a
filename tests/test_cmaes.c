/*
 * test_cmaes.c - the cmaes sampler: the core algorithm on sphere and
 * Rosenbrock, its termination tests, the margin's grid handling and the
 * normal quantile; then through studies: quality against random, seed
 * reproducibility, a resumed or re-created sampler replaying to the same
 * state, a late trial from a parallel worker, integers with margin, IPOP
 * restarts on Rastrigin, NaN/inf histories, categoricals, bad options.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "samplers/cmaes_core.h"
#include "support/test_util.h"

/* ==== the core ============================================================ */

typedef double (*fn_t)(const double *x, size_t d);

static double sphere(const double *x, size_t d)
{
    double s = 0;
    for (size_t i = 0; i < d; i++)
        s += x[i] * x[i];
    return s;
}

static double rosen(const double *x, size_t d)
{
    double s = 0;
    for (size_t i = 0; i + 1 < d; i++)
        s += 100 * pow(x[i + 1] - x[i] * x[i], 2) + pow(1 - x[i], 2);
    return s;
}

static double rastrigin(const double *x, size_t d)
{
    double s = 10.0 * (double)d;
    for (size_t i = 0; i < d; i++)
        s += x[i] * x[i] - 10 * cos(2 * M_PI * x[i]);
    return s;
}

/* Run generations until best < target or should_stop; returns generations used. */
static int64_t run_core(hpo__cma *c, fn_t fn, uint64_t seed, int64_t max_gen, double target,
        double *best, bool *stopped)
{
    size_t d = c->d, n = c->popsize;
    double *X = malloc(n * d * sizeof(double)), *xe = malloc(d * sizeof(double));
    double *f = malloc(n * sizeof(double));
    hpo_rng rng;
    hpo__rng_seed(&rng, seed);
    *best = HUGE_VAL;
    *stopped = false;
    while (c->g < max_gen && *best >= target && !*stopped) {
        for (size_t k = 0; k < n; k++) {
            assert_ok(hpo__cma_ask(c, &rng, xe, X + k * d));
            for (size_t j = 0; j < d; j++)
                assert_true(xe[j] >= c->lo[j] && xe[j] <= c->hi[j]);
            f[k] = fn(xe, d);
            *best = fmin(*best, f[k]);
        }
        assert_ok(hpo__cma_tell(c, X, f));
        assert_ok(hpo__cma_should_stop(c, stopped));
    }
    free(X);
    free(xe);
    free(f);
    return c->g;
}

static void box(size_t d, double v, double *mean, double *lo, double *hi, double m)
{
    for (size_t j = 0; j < d; j++) {
        lo[j] = -v;
        hi[j] = v;
        mean[j] = m;
    }
}

static void test_core_sphere(void **state)
{
    (void)state;
    double mean[5], lo[5], hi[5], best;
    bool stopped;
    hpo__cma c;
    box(5, 10.0, mean, lo, hi, 3.0);
    assert_ok(hpo__cma_init(&c, 5, mean, 2.0, lo, hi, NULL, 0));
    hpo_assert_eq_i64(c.popsize, 8); /* 4 + floor(3 ln 5) */
    int64_t g = run_core(&c, sphere, 1, 400, 1e-8, &best, &stopped);
    assert_true(best < 1e-8);
    assert_true(g < 400);
    hpo__cma_free(&c);
}

static void test_core_rosenbrock(void **state)
{
    (void)state;
    double mean[4], lo[4], hi[4], best;
    bool stopped;
    hpo__cma c;
    box(4, 5.0, mean, lo, hi, 0.0);
    assert_ok(hpo__cma_init(&c, 4, mean, 0.5, lo, hi, NULL, 0));
    run_core(&c, rosen, 2, 2000, 1e-6, &best, &stopped);
    assert_true(best < 1e-6);
    hpo__cma_free(&c);
}

/* On a multimodal function a run converges to some local minimum and stops. */
static void test_core_stops(void **state)
{
    (void)state;
    double mean[2], lo[2], hi[2], best;
    bool stopped;
    hpo__cma c;
    box(2, 5.12, mean, lo, hi, 2.0);
    assert_ok(hpo__cma_init(&c, 2, mean, 1.5, lo, hi, NULL, 0));
    int64_t g = run_core(&c, rastrigin, 3, 3000, -1.0, &best, &stopped);
    assert_true(stopped);
    assert_true(g < 3000);
    assert_true(c.sigma < 1e-3); /* converged, not diverged */
    hpo__cma_free(&c);
}

/* A grid dimension: x_eval is always a grid point, and the margin keeps a
 * neighbour reachable after the mean has settled. */
static void test_core_margin(void **state)
{
    (void)state;
    double mean[2] = {0.5, 0.5}, lo[2] = {0, 0}, hi[2] = {1, 1}, steps[2] = {0.1, 0};
    double X[6 * 2], f[6], xe[2];
    hpo__cma c;
    hpo_rng rng;
    hpo__rng_seed(&rng, 4);
    assert_ok(hpo__cma_init(&c, 2, mean, 0.3, lo, hi, steps, 0));
    hpo_assert_eq_i64(c.nz, 1);
    hpo_assert_eq_i64(c.zsize[0], 11);
    int off_grid_opt = 0;
    for (int g = 0; g < 100; g++) {
        for (size_t k = 0; k < c.popsize; k++) {
            assert_ok(hpo__cma_ask(&c, &rng, xe, X + k * 2));
            double q = xe[0] / 0.1;
            assert_true(fabs(q - nearbyint(q)) < 1e-9);
            assert_true(xe[0] >= 0 && xe[0] <= 1 + 1e-12);
            f[k] = pow(xe[0] - 0.3, 2) + pow(xe[1] - 0.6, 2);
            off_grid_opt += g >= 30 && fabs(xe[0] - 0.3) > 1e-9;
        }
        assert_ok(hpo__cma_tell(&c, X, f));
    }
    assert_true(fabs(c.mean[1] - 0.6) < 1e-3);
    assert_true(fabs(c.mean[0] - 0.3) < 0.05); /* settled on the best grid point */
    /* the margin keeps ~ 1/(d popsize) of the draws on a neighbour: 420 draws
     * after generation 30 would see none without it (sigma is ~1e-4 by then) */
    assert_true(off_grid_opt >= 10);
    hpo__cma_free(&c);
}

static void test_core_bad_input(void **state)
{
    (void)state;
    double mean[1] = {0.5}, lo[1] = {0}, hi[1] = {1}, f[4] = {1, NAN, 2, 3}, X[4] = {0};
    hpo__cma c;
    assert_status(hpo__cma_init(&c, 1, mean, 0.0, lo, hi, NULL, 0), HPO_EINVAL);
    assert_msg_has("sigma0");
    assert_status(hpo__cma_init(&c, 1, mean, 0.1, lo, hi, NULL, 1), HPO_EINVAL);
    assert_msg_has("popsize");
    mean[0] = 2.0;
    assert_status(hpo__cma_init(&c, 1, mean, 0.1, lo, hi, NULL, 0), HPO_EINVAL);
    assert_msg_has("outside");
    mean[0] = 0.5;
    assert_ok(hpo__cma_init(&c, 1, mean, 0.1, lo, hi, NULL, 4));
    assert_status(hpo__cma_tell(&c, X, f), HPO_EINVAL);
    hpo__cma_free(&c);
}

static void test_norm_ppf(void **state)
{
    (void)state;
    assert_near(hpo__norm_ppf(0.975), 1.959963984540054, 1e-12);
    assert_near(hpo__norm_ppf(0.5), 0.0, 1e-15);
    for (double p = 1e-12; p < 1; p *= 3.7) {
        double x = hpo__norm_ppf(p);
        assert_near(0.5 * erfc(-x / sqrt(2.0)), p, 1e-12 * fmax(p, 1e-3));
        if (p > 1e-6) /* 1 - p itself loses the digits of smaller p */
            assert_near(hpo__norm_ppf(1 - p), -x, 1e-7 * (1 + fabs(x)));
    }
}

/* ==== through studies ===================================================== */

static hpo_sampler *new_cma(uint64_t seed, int margin, hpo_cmaes_restart restart)
{
    hpo_cmaes_options o;
    hpo_sampler *s = NULL;
    assert_ok(hpo_cmaes_options_init(&o, HPO_CMAES_OPTIONS_VERSION));
    o.seed = seed;
    o.with_margin = margin;
    o.restart = restart;
    assert_ok(hpo_sampler_cmaes_new(&s, &o));
    return s;
}

static int quad3(hpo_trial *t, double *v, void *payload)
{
    double x, y, z;
    (void)payload;
    if (hpo_trial_suggest_float(t, "x", -5, 5, HPO_NO_STEP, false, &x) != HPO_OK ||
            hpo_trial_suggest_float(t, "y", -5, 5, HPO_NO_STEP, false, &y) != HPO_OK ||
            hpo_trial_suggest_float(t, "z", 1e-3, 10, HPO_NO_STEP, true, &z) != HPO_OK)
        return HPO_ERROR;
    v[0] = (x - 1) * (x - 1) + 2 * (y + 2) * (y + 2) + pow(log10(z), 2) + 0.5 * x * y;
    return HPO_OK;
}

static void open_env(hpo_test_env *env, const hpo_direction *dirs, size_t n_dirs,
        hpo_sampler *s)
{
    assert_ok(hpo_storage_open(&env->storage, NULL));
    assert_ok(hpo_study_create(&env->study, env->storage, "c", dirs, n_dirs, NULL));
    assert_ok(hpo_study_set_sampler(env->study, s));
}

static void optimize(hpo_test_env *env, hpo_objective_fn fn, int64_t n)
{
    hpo_optimize_options o = HPO_OPTIMIZE_OPTIONS_INIT;
    o.n_trials = n;
    assert_ok(hpo_study_optimize(env->study, fn, NULL, &o));
}

static double best_of(hpo_sampler *s, hpo_objective_fn fn, int64_t n)
{
    hpo_test_env env = {0};
    hpo_frozen_trial *best = NULL;
    open_env(&env, NULL, 0, s);
    optimize(&env, fn, n);
    assert_ok(hpo_study_best_trial(env.study, &best));
    double v = hpo_frozen_trial_value(best, 0);
    hpo_frozen_trial_free(best);
    hpo_test_env_close(&env);
    return v;
}

static void test_quadratic_beats_random(void **state)
{
    (void)state;
    /* minimum of quad3: x = 24/15 - ... solve: 2(x-1) + 0.5 y = 0, 4(y+2) + 0.5 x = 0 */
    double ym = (-8 + 0.25) / (4 - 0.0625), xm = 1 - 0.25 * ym;
    double fmin_ = (xm - 1) * (xm - 1) + 2 * (ym + 2) * (ym + 2) + 0.5 * xm * ym;
    for (uint64_t seed = 0; seed < 2; seed++) {
        hpo_sampler *r = NULL;
        double c = best_of(new_cma(seed, -1, HPO_CMAES_RESTART_IPOP), quad3, 150) - fmin_;
        assert_ok(hpo_sampler_random_new(&r, seed));
        double rnd = best_of(r, quad3, 150) - fmin_;
        assert_true(c < 1e-3);
        assert_true(c * 50 < rnd);
    }
}

/* All internal values of n trials, row by row (3 params each). */
static void params_of(hpo_test_env *env, double *out, size_t n)
{
    hpo_frozen_trial **trials = NULL;
    size_t k = 0;
    assert_ok(hpo_study_get_trials(env->study, HPO_STATES_ALL, &trials, &k));
    hpo_assert_eq_i64(k, n);
    for (size_t i = 0; i < k; i++) {
        hpo_assert_eq_i64(hpo_frozen_trial_n_params(trials[i]), 3);
        for (size_t j = 0; j < 3; j++)
            out[i * 3 + j] = hpo_frozen_trial_param_internal(trials[i], j);
    }
    hpo_frozen_trials_free(trials, k);
}

static void run_params(hpo_sampler *s, hpo_sampler *swap_in, double *out, size_t n)
{
    hpo_test_env env = {0};
    open_env(&env, NULL, 0, s);
    if (swap_in == NULL) {
        optimize(&env, quad3, (int64_t)n);
    } else { /* a new sampler (a restarted worker) must carry on identically */
        optimize(&env, quad3, (int64_t)n / 2);
        assert_ok(hpo_study_set_sampler(env.study, swap_in));
        optimize(&env, quad3, (int64_t)(n - n / 2));
    }
    params_of(&env, out, n);
    hpo_test_env_close(&env);
}

static void test_reproducible_and_resumable(void **state)
{
    (void)state;
    enum { N = 60 };
    double a[N * 3], b[N * 3], c[N * 3], d[N * 3];
    run_params(new_cma(7, -1, HPO_CMAES_RESTART_IPOP), NULL, a, N);
    run_params(new_cma(7, -1, HPO_CMAES_RESTART_IPOP), NULL, b, N);
    run_params(new_cma(7, -1, HPO_CMAES_RESTART_IPOP), new_cma(7, -1, HPO_CMAES_RESTART_IPOP),
            c, N);
    run_params(new_cma(8, -1, HPO_CMAES_RESTART_IPOP), NULL, d, N);
    assert_memory_equal(a, b, sizeof(a));
    assert_memory_equal(a, c, sizeof(a));
    assert_true(memcmp(a + 3, d + 3, sizeof(a) - 3 * sizeof(double)) != 0);
}

static double ask_x(hpo_test_env *env, hpo_trial **t)
{
    double x;
    assert_ok(hpo_study_ask(env->study, t));
    assert_ok(hpo_trial_suggest_float(*t, "x", -3.0, 3.0, HPO_NO_STEP, false, &x));
    return x;
}

static void tell_x(hpo_test_env *env, hpo_trial *t, double x)
{
    double v = (x - 1) * (x - 1);
    assert_ok(hpo_study_tell(env->study, t, HPO_TRIAL_COMPLETE, &v, 1));
    hpo_trial_free(t);
}

/*
 * Parallel workers: generation 0 (popsize 4) is told with trials 2..5, then
 * trial 1 (a lower number of the same generation) completes. The cached
 * sampler must then sample exactly as a fresh one replaying the history.
 */
static double late_trial_scenario(bool fresh)
{
    hpo_test_env env = {0};
    hpo_cmaes_options o = HPO_CMAES_OPTIONS_INIT;
    hpo_sampler *s = NULL;
    hpo_trial *t[9] = {0};
    double x[9];
    o.popsize = 4;
    o.seed = 5;
    assert_ok(hpo_sampler_cmaes_new(&s, &o));
    open_env(&env, NULL, 0, s);
    x[0] = ask_x(&env, &t[0]);
    tell_x(&env, t[0], x[0]);
    for (int i = 1; i <= 6; i++)
        x[i] = ask_x(&env, &t[i]);
    for (int i = 2; i <= 5; i++)
        tell_x(&env, t[i], x[i]);
    x[7] = ask_x(&env, &t[7]); /* tells generation 0 = {2, 3, 4, 5} */
    tell_x(&env, t[1], x[1]);  /* now the first four are {1, 2, 3, 4} */
    tell_x(&env, t[6], x[6]);
    tell_x(&env, t[7], x[7]);
    if (fresh) {
        hpo_sampler *s2 = NULL;
        assert_ok(hpo_sampler_cmaes_new(&s2, &o));
        assert_ok(hpo_study_set_sampler(env.study, s2));
    }
    x[8] = ask_x(&env, &t[8]);
    hpo_trial_free(t[8]);
    hpo_test_env_close(&env);
    return x[8];
}

static void test_late_trial_replays(void **state)
{
    (void)state;
    assert_true(late_trial_scenario(false) == late_trial_scenario(true));
}

static int ints(hpo_trial *t, double *v, void *payload)
{
    int64_t a, b;
    double q;
    (void)payload;
    if (hpo_trial_suggest_int(t, "a", -10, 10, 1, false, &a) != HPO_OK ||
            hpo_trial_suggest_int(t, "b", 0, 100, 5, false, &b) != HPO_OK ||
            hpo_trial_suggest_float(t, "q", 0, 1, 0.1, false, &q) != HPO_OK)
        return HPO_ERROR;
    v[0] = (double)((a - 3) * (a - 3)) + pow((double)b / 5.0 - 7.0, 2) + pow(q / 0.1 - 4, 2);
    return HPO_OK;
}

/* With margin the integer dimensions reach the optimum and keep exploring. */
static void test_margin_integers(void **state)
{
    (void)state;
    hpo_test_env env = {0};
    hpo_frozen_trial **tr = NULL, *best = NULL;
    size_t n = 0, distinct_a = 0, distinct_b = 0;
    bool seen_a[21] = {false}, seen_b[21] = {false};
    open_env(&env, NULL, 0, new_cma(3, -1, HPO_CMAES_RESTART_NONE));
    optimize(&env, ints, 200);
    assert_ok(hpo_study_best_trial(env.study, &best));
    assert_true(hpo_frozen_trial_value(best, 0) == 0.0);
    hpo_frozen_trial_free(best);
    assert_ok(hpo_study_get_trials(env.study, HPO_STATES_ALL, &tr, &n));
    for (size_t i = n - 80; i < n; i++) {
        double a = hpo_frozen_trial_param_internal(tr[i], 0);
        double b = hpo_frozen_trial_param_internal(tr[i], 1);
        assert_true(a == floor(a) && fmod(b, 5.0) == 0.0);
        distinct_a += !seen_a[(int)a + 10];
        seen_a[(int)a + 10] = true;
        distinct_b += !seen_b[(int)b / 5];
        seen_b[(int)b / 5] = true;
    }
    assert_true(distinct_a >= 2 && distinct_b >= 2);
    assert_non_null(hpo_frozen_trial_system_attr(tr[n - 1], "cmawm:generation"));
    assert_non_null(hpo_frozen_trial_system_attr(tr[n - 1], "x_for_tell"));
    hpo_frozen_trials_free(tr, n);
    hpo_test_env_close(&env);
}

static int rastrigin2(hpo_trial *t, double *v, void *payload)
{
    double x[2];
    (void)payload;
    if (hpo_trial_suggest_float(t, "x0", -5.12, 5.12, HPO_NO_STEP, false, &x[0]) != HPO_OK ||
            hpo_trial_suggest_float(t, "x1", -5.12, 5.12, HPO_NO_STEP, false, &x[1]) != HPO_OK)
        return HPO_ERROR;
    v[0] = rastrigin(x, 2);
    return HPO_OK;
}

static int stop_on_second_restart(hpo_study *study, const hpo_frozen_trial *t, void *payload)
{
    const char *r = hpo_frozen_trial_system_attr(t, "cma:n_restarts");
    (void)study;
    (void)payload;
    return r != NULL && strcmp(r, "2") == 0;
}

static void test_ipop_restarts(void **state)
{
    (void)state;
    hpo_test_env env = {0};
    hpo_optimize_options o = HPO_OPTIMIZE_OPTIONS_INIT;
    hpo_frozen_trial **tr = NULL;
    size_t n = 0;
    int64_t last_restart = 0;
    open_env(&env, NULL, 0, new_cma(1, -1, HPO_CMAES_RESTART_IPOP));
    o.n_trials = 4000;
    o.callback = stop_on_second_restart;
    assert_ok(hpo_study_optimize(env.study, rastrigin2, NULL, &o));
    assert_ok(hpo_study_get_trials(env.study, HPO_STATES_ALL, &tr, &n));
    assert_true(n < 4000);
    for (size_t i = 1; i < n; i++) {
        const char *r = hpo_frozen_trial_system_attr(tr[i], "cma:n_restarts");
        const char *p = hpo_frozen_trial_system_attr(tr[i], "cma:popsize");
        assert_non_null(r);
        assert_non_null(p);
        int64_t ri = strtoll(r, NULL, 10), pi = strtoll(p, NULL, 10);
        assert_true(ri == last_restart || ri == last_restart + 1);
        last_restart = ri;
        hpo_assert_eq_i64(pi, 6 << ri); /* 4 + floor(3 ln 2) = 6, doubled per restart */
    }
    hpo_assert_eq_i64(last_restart, 2);
    hpo_frozen_trials_free(tr, n);
    hpo_test_env_close(&env);
}

static int noisy(hpo_trial *t, double *v, void *payload)
{
    int *calls = payload;
    double x, y;
    if (hpo_trial_suggest_float(t, "x", -2, 2, HPO_NO_STEP, false, &x) != HPO_OK ||
            hpo_trial_suggest_float(t, "y", -2, 2, HPO_NO_STEP, false, &y) != HPO_OK)
        return HPO_ERROR;
    (*calls)++;
    if (*calls % 5 == 0)
        v[0] = NAN; /* the trial FAILs and is never told */
    else if (*calls % 7 == 0)
        v[0] = HUGE_VAL; /* told, clipped to the generation's worst */
    else if (*calls % 11 == 0)
        v[0] = -HUGE_VAL;
    else
        v[0] = x * x + y * y;
    return HPO_OK;
}

static void test_nan_and_inf_history(void **state)
{
    (void)state;
    hpo_test_env env = {0};
    hpo_optimize_options o = HPO_OPTIMIZE_OPTIONS_INIT;
    hpo_frozen_trial **tr = NULL;
    size_t n = 0;
    int calls = 0;
    double best = HUGE_VAL;
    open_env(&env, NULL, 0, new_cma(2, -1, HPO_CMAES_RESTART_IPOP));
    o.n_trials = 150;
    assert_ok(hpo_study_optimize(env.study, noisy, &calls, &o));
    assert_ok(hpo_study_get_trials(env.study, HPO_STATES(HPO_TRIAL_COMPLETE), &tr, &n));
    for (size_t i = 0; i < n; i++)
        if (isfinite(hpo_frozen_trial_value(tr[i], 0)))
            best = fmin(best, hpo_frozen_trial_value(tr[i], 0));
    assert_true(best < 1e-2);
    hpo_frozen_trials_free(tr, n);
    hpo_test_env_close(&env);
}

static int with_cat(hpo_trial *t, double *v, void *payload)
{
    static const char *const ch[] = {"a", "b", "c"};
    int *counts = payload;
    double x;
    size_t c;
    if (hpo_trial_suggest_float(t, "x", -1, 1, HPO_NO_STEP, false, &x) != HPO_OK ||
            hpo_trial_suggest_categorical_str(t, "c", ch, 3, &c) != HPO_OK)
        return HPO_ERROR;
    counts[c]++;
    v[0] = x * x + (c == 1 ? 0.0 : 1.0);
    return HPO_OK;
}

/* Categoricals are not modelled: still uniform even when one choice is best. */
static void test_categorical_independent(void **state)
{
    (void)state;
    hpo_test_env env = {0};
    hpo_optimize_options o = HPO_OPTIMIZE_OPTIONS_INIT;
    hpo_frozen_trial *last = NULL;
    int counts[3] = {0};
    open_env(&env, NULL, 0, new_cma(4, -1, HPO_CMAES_RESTART_IPOP));
    o.n_trials = 90;
    assert_ok(hpo_study_optimize(env.study, with_cat, counts, &o));
    for (int k = 0; k < 3; k++)
        assert_true(counts[k] >= 15 && counts[k] <= 45);
    assert_ok(hpo_study_get_trial(env.study, 89, &last));
    assert_non_null(hpo_frozen_trial_system_attr(last, "cma:generation")); /* x was relative */
    hpo_frozen_trial_free(last);
    hpo_test_env_close(&env);
}

static void test_multi_objective_rejected(void **state)
{
    (void)state;
    hpo_test_env env = {0};
    hpo_direction dirs[2] = {HPO_MINIMIZE, HPO_MINIMIZE};
    hpo_trial *t = NULL;
    double x;
    open_env(&env, dirs, 2, new_cma(0, -1, HPO_CMAES_RESTART_IPOP));
    assert_ok(hpo_study_ask(env.study, &t));
    assert_status(hpo_trial_suggest_float(t, "x", 0, 1, HPO_NO_STEP, false, &x), HPO_EINVAL);
    assert_msg_has("single-objective");
    hpo_trial_free(t);
    hpo_test_env_close(&env);
}

static void test_maximize(void **state)
{
    (void)state;
    hpo_test_env env = {0};
    hpo_direction dir = HPO_MAXIMIZE;
    hpo_frozen_trial *best = NULL;
    open_env(&env, &dir, 1, new_cma(6, -1, HPO_CMAES_RESTART_IPOP));
    for (int i = 0; i < 120; i++) {
        hpo_trial *t = NULL;
        double x, v;
        assert_ok(hpo_study_ask(env.study, &t));
        assert_ok(hpo_trial_suggest_float(t, "x", -3.0, 3.0, HPO_NO_STEP, false, &x));
        assert_ok(hpo_trial_suggest_float(t, "y", -3.0, 3.0, HPO_NO_STEP, false, &v));
        v = -(x - 1) * (x - 1) - v * v;
        assert_ok(hpo_study_tell(env.study, t, HPO_TRIAL_COMPLETE, &v, 1));
        hpo_trial_free(t);
    }
    assert_ok(hpo_study_best_trial(env.study, &best));
    assert_true(hpo_frozen_trial_value(best, 0) > -1e-3);
    hpo_frozen_trial_free(best);
    hpo_test_env_close(&env);
}

static int half_pruned(hpo_trial *t, double *v, void *payload)
{
    double x, y;
    (void)payload;
    if (hpo_trial_suggest_float(t, "x", -2, 2, HPO_NO_STEP, false, &x) != HPO_OK ||
            hpo_trial_suggest_float(t, "y", -2, 2, HPO_NO_STEP, false, &y) != HPO_OK)
        return HPO_ERROR;
    v[0] = x * x + y * y;
    if (hpo_trial_number(t) % 2 == 0)
        return HPO_OK;
    if (hpo_trial_report(t, v[0], 1) != HPO_OK)
        return HPO_ERROR;
    return HPO_EPRUNED;
}

/* The largest generation written over a study of half-pruned trials. */
static int64_t generations_with_pruned(bool consider)
{
    hpo_test_env env = {0};
    hpo_cmaes_options o = HPO_CMAES_OPTIONS_INIT;
    hpo_sampler *s = NULL;
    hpo_frozen_trial **tr = NULL;
    size_t n = 0;
    int64_t gmax = -1;
    o.consider_pruned_trials = consider;
    o.restart = HPO_CMAES_RESTART_NONE;
    assert_ok(hpo_sampler_cmaes_new(&s, &o));
    open_env(&env, NULL, 0, s);
    optimize(&env, half_pruned, 60);
    assert_ok(hpo_study_get_trials(env.study, HPO_STATES_ALL, &tr, &n));
    for (size_t i = 0; i < n; i++) {
        const char *g = hpo_frozen_trial_system_attr(tr[i], "cma:generation");
        if (g != NULL && strtoll(g, NULL, 10) > gmax)
            gmax = strtoll(g, NULL, 10);
    }
    hpo_frozen_trials_free(tr, n);
    hpo_test_env_close(&env);
    return gmax;
}

/* consider_pruned_trials tells PRUNED trials at their last value: twice the generations. */
static void test_consider_pruned(void **state)
{
    (void)state;
    int64_t without = generations_with_pruned(false), with = generations_with_pruned(true);
    assert_true(without >= 3);
    assert_true(with >= without + without / 2);
}

/* One ask + suggests + tell; returns the first failing status. */
static int one_trial(hpo_study *study)
{
    hpo_trial *t = NULL;
    int64_t a;
    double x, v;
    int rc = hpo_study_ask(study, &t);
    if (rc == HPO_OK)
        rc = hpo_trial_suggest_int(t, "a", 0, 9, 1, false, &a);
    if (rc == HPO_OK)
        rc = hpo_trial_suggest_float(t, "x", -1, 1, HPO_NO_STEP, false, &x);
    if (rc == HPO_OK) {
        v = (double)(a - 4) * (double)(a - 4) + x * x;
        rc = hpo_study_tell(study, t, HPO_TRIAL_COMPLETE, &v, 1);
    }
    hpo_trial_free(t);
    return rc;
}

/* Every allocation of a replay from scratch and an ask may fail: ENOMEM, no
 * leak (ASan), and the sampler works again afterwards. */
static void test_oom(void **state)
{
    (void)state;
    hpo_cmaes_options o = HPO_CMAES_OPTIONS_INIT;
    long n;
    o.popsize = 4;
    for (n = 0; n < 100000; n++) {
        hpo_test_env env = {0};
        hpo_sampler *s = NULL;
        assert_ok(hpo_sampler_cmaes_new(&s, &o));
        open_env(&env, NULL, 0, s);
        for (int i = 0; i < 14; i++)
            assert_ok(one_trial(env.study));
        assert_ok(hpo_sampler_cmaes_new(&s, &o)); /* a fresh cache: replay everything */
        assert_ok(hpo_study_set_sampler(env.study, s));
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
    assert_true(n > 20);
}

static void test_bad_options(void **state)
{
    (void)state;
    hpo_cmaes_options o = HPO_CMAES_OPTIONS_INIT;
    hpo_sampler *s = NULL;
    assert_status(hpo_cmaes_options_init(&o, 99), HPO_EVERSION);
    assert_status(hpo_cmaes_options_init(NULL, HPO_CMAES_OPTIONS_VERSION), HPO_EMISUSE);
    assert_status(hpo_sampler_cmaes_new(NULL, &o), HPO_EMISUSE);
    o.version = 99;
    assert_status(hpo_sampler_cmaes_new(&s, &o), HPO_EVERSION);
    assert_msg_has("version");
    assert_ok(hpo_cmaes_options_init(&o, HPO_CMAES_OPTIONS_VERSION));
    o.popsize = 1;
    assert_status(hpo_sampler_cmaes_new(&s, &o), HPO_EINVAL);
    assert_msg_has("popsize");
    o.popsize = 0;
    o.sigma0 = 0.0;
    assert_status(hpo_sampler_cmaes_new(&s, &o), HPO_EINVAL);
    assert_msg_has("sigma0");
    o.sigma0 = -1.0;
    assert_status(hpo_sampler_cmaes_new(&s, &o), HPO_EINVAL);
    o.sigma0 = NAN;
    assert_status(hpo_sampler_cmaes_new(&s, &o), HPO_EINVAL);
    assert_msg_has("sigma0");
    o.sigma0 = 0.2;
    o.inc_popsize = 0;
    assert_status(hpo_sampler_cmaes_new(&s, &o), HPO_EINVAL);
    assert_msg_has("inc_popsize");
    o.inc_popsize = 2;
    o.with_margin = 2;
    assert_status(hpo_sampler_cmaes_new(&s, &o), HPO_EINVAL);
    assert_msg_has("with_margin");
    o.with_margin = -1;
    o.restart = (hpo_cmaes_restart)7;
    assert_status(hpo_sampler_cmaes_new(&s, &o), HPO_EINVAL);
    assert_msg_has("restart");
    assert_null(s);
    assert_ok(hpo_sampler_cmaes_new(&s, NULL));
    hpo_sampler_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_core_sphere),
            cmocka_unit_test(test_core_rosenbrock),
            cmocka_unit_test(test_core_stops),
            cmocka_unit_test(test_core_margin),
            cmocka_unit_test(test_core_bad_input),
            cmocka_unit_test(test_norm_ppf),
            cmocka_unit_test(test_quadratic_beats_random),
            cmocka_unit_test(test_reproducible_and_resumable),
            cmocka_unit_test(test_late_trial_replays),
            cmocka_unit_test(test_margin_integers),
            cmocka_unit_test(test_ipop_restarts),
            cmocka_unit_test(test_nan_and_inf_history),
            cmocka_unit_test(test_categorical_independent),
            cmocka_unit_test(test_multi_objective_rejected),
            cmocka_unit_test(test_maximize),
            cmocka_unit_test(test_consider_pruned),
            cmocka_unit_test(test_oom),
            cmocka_unit_test(test_bad_options),
    };
    return HPO_RUN_TESTS("cmaes", tests);
}
