/*
 * test_nsga2.c - the NSGA-II sampler: non-domination ranks, crowding distance
 * and elite selection on hand-made points; then through studies: generation
 * bookkeeping, ZDT1 hypervolume against random, seed reproducibility and a
 * restarted sampler, constraints, every crossover keeping int / log / step /
 * categorical parameters inside their distributions, a single-objective
 * (maximised) study, allocation failures, bad options.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "samplers/nsga2_internal.h"
#include "study.h"
#include "support/test_util.h"

#define GEN_KEY "NSGAIISampler:generation"

/* ==== ranking, crowding, selection ======================================== */

/* A(1,5) B(2,3) C(3,1) D(2,5) E(3,4) F(4,4), all minimised. */
static const double PTS[] = {1, 5, 2, 3, 3, 1, 2, 5, 3, 4, 4, 4};

static void test_rank(void **state)
{
    size_t rank[6];
    const double viol[] = {0, 0, 0.5, 0, 0.2, 0.2};
    const size_t want[] = {0, 0, 0, 1, 1, 2}, want_c[] = {0, 0, 3, 1, 2, 2};
    (void)state;
    assert_ok(hpo__nsga2_rank(PTS, 6, 2, NULL, rank));
    for (size_t i = 0; i < 6; i++)
        hpo_assert_eq_i64(rank[i], want[i]);
    /* feasible first (A, B then D), then infeasible by violation (E = F, then C) */
    assert_ok(hpo__nsga2_rank(PTS, 6, 2, viol, rank));
    for (size_t i = 0; i < 6; i++)
        hpo_assert_eq_i64(rank[i], want_c[i]);
    /* one objective: each distinct value its own rank, ties shared */
    const double one[] = {3, 1, 3, 2};
    assert_ok(hpo__nsga2_rank(one, 4, 1, NULL, rank));
    hpo_assert_eq_i64(rank[0], 2);
    hpo_assert_eq_i64(rank[1], 0);
    hpo_assert_eq_i64(rank[2], 2);
    hpo_assert_eq_i64(rank[3], 1);
}

static void test_crowding(void **state)
{
    const size_t front[] = {0, 1, 2};
    double dist[3];
    size_t order[3];
    (void)state;
    assert_ok(hpo__nsga2_crowding(PTS, 2, front, 3, dist, order));
    assert_true(isinf(dist[0]) && isinf(dist[2]));
    assert_near(dist[1], 2.0 / 2.0 + 4.0 / 4.0, 1e-12);
    /* Optuna: sorted by the last objective (C, B, A), stably by distance, reversed */
    hpo_assert_eq_i64(order[0], 0);
    hpo_assert_eq_i64(order[1], 2);
    hpo_assert_eq_i64(order[2], 1);
    /* an objective with one value contributes nothing */
    const double flat[] = {1, 7, 2, 7, 4, 7, 3, 7};
    const size_t all[] = {0, 1, 2, 3};
    double d4[4];
    size_t o4[4];
    assert_ok(hpo__nsga2_crowding(flat, 2, all, 4, d4, o4));
    assert_true(isinf(d4[0]) && isinf(d4[2]));
    assert_near(d4[1], (3.0 - 1.0) / 3.0, 1e-12);
    assert_near(d4[3], (4.0 - 2.0) / 3.0, 1e-12);
}

static void test_select(void **state)
{
    const hpo_direction min2[] = {HPO_MINIMIZE, HPO_MINIMIZE};
    const hpo_direction max2[] = {HPO_MAXIMIZE, HPO_MAXIMIZE};
    const double viol[] = {0, 0, 0.5, 0, 0.2, 0.2};
    size_t chosen[6], k = 0;
    (void)state;
    assert_ok(hpo__nsga2_select(PTS, 6, 2, min2, NULL, 4, chosen, &k));
    hpo_assert_eq_i64(k, 4);
    const size_t want[] = {0, 1, 2, 3}; /* front 0, then D over E by Optuna's tie order */
    for (size_t i = 0; i < 4; i++)
        hpo_assert_eq_i64(chosen[i], want[i]);
    /* maximising both: the front is D(2,5) and F(4,4), both infinitely crowded; sorted by
       the last objective (F, D) and reversed, D comes first */
    assert_ok(hpo__nsga2_select(PTS, 6, 2, max2, NULL, 1, chosen, &k));
    hpo_assert_eq_i64(k, 1);
    hpo_assert_eq_i64(chosen[0], 3);
    assert_ok(hpo__nsga2_select(PTS, 6, 2, max2, NULL, 2, chosen, &k));
    hpo_assert_eq_i64(k, 2);
    assert_true((chosen[0] == 3 && chosen[1] == 5) || (chosen[0] == 5 && chosen[1] == 3));
    /* constrained: the feasible A, B, D come before any infeasible point */
    assert_ok(hpo__nsga2_select(PTS, 6, 2, min2, viol, 3, chosen, &k));
    hpo_assert_eq_i64(k, 3);
    for (size_t i = 0; i < 3; i++)
        assert_true(chosen[i] == 0 || chosen[i] == 1 || chosen[i] == 3);
    /* more room than points: all of them */
    assert_ok(hpo__nsga2_select(PTS, 6, 2, min2, NULL, 50, chosen, &k));
    hpo_assert_eq_i64(k, 6);
}

/* ==== through studies ===================================================== */

static hpo_sampler *new_nsga2(uint64_t seed, size_t pop, hpo_nsga2_crossover xo)
{
    hpo_nsga2_options o;
    hpo_sampler *s = NULL;
    assert_ok(hpo_nsga2_options_init(&o, HPO_NSGA2_OPTIONS_VERSION));
    o.seed = seed;
    o.population_size = pop;
    o.crossover = xo;
    assert_ok(hpo_sampler_nsga2_new(&s, &o));
    return s;
}

static void open_env(hpo_test_env *env, const hpo_direction *dirs, size_t n_dirs, hpo_sampler *s)
{
    assert_ok(hpo_storage_open(&env->storage, NULL));
    assert_ok(hpo_study_create(&env->study, env->storage, "n", dirs, n_dirs, NULL));
    assert_ok(hpo_study_set_sampler(env->study, s));
}

static void optimize(hpo_test_env *env, hpo_objective_fn fn, void *payload, int64_t n)
{
    hpo_optimize_options o = HPO_OPTIMIZE_OPTIONS_INIT;
    o.n_trials = n;
    assert_ok(hpo_study_optimize(env->study, fn, payload, &o));
}

static const hpo_direction MIN2[] = {HPO_MINIMIZE, HPO_MINIMIZE};

static int zdt1(hpo_trial *t, double *v, void *payload)
{
    double x[5], g = 0.0;
    char name[16];
    (void)payload;
    for (int i = 0; i < 5; i++) {
        snprintf(name, sizeof(name), "x%d", i);
        if (hpo_trial_suggest_float(t, name, 0, 1, HPO_NO_STEP, false, &x[i]) != HPO_OK)
            return HPO_ERROR;
    }
    for (int i = 1; i < 5; i++)
        g += x[i];
    g = 1.0 + 9.0 * g / 4.0;
    v[0] = x[0];
    v[1] = g * (1.0 - sqrt(x[0] / g));
    return HPO_OK;
}

/* Fails trial 2 (NaN: FAIL), otherwise ZDT1. */
static int zdt1_fail2(hpo_trial *t, double *v, void *payload)
{
    int rc = zdt1(t, v, payload);
    if (hpo_trial_number(t) == 2)
        v[0] = v[1] = NAN;
    return rc;
}

static int cmp_pt(const void *a, const void *b)
{
    const double *x = a, *y = b;
    return x[0] < y[0] ? -1 : (x[0] > y[0] ? 1 : (x[1] < y[1] ? -1 : x[1] > y[1]));
}

/* 2-D hypervolume (both minimised) of the COMPLETE trials up to ref. */
static double hypervolume(hpo_test_env *env, double r0, double r1)
{
    hpo_frozen_trial **tr = NULL;
    size_t n = 0, k = 0;
    double hv = 0.0, best = r1;
    assert_ok(hpo_study_get_trials(env->study, HPO_STATES(HPO_TRIAL_COMPLETE), &tr, &n));
    double *pts = malloc((n + 1) * 2 * sizeof(double));
    for (size_t i = 0; i < n; i++) {
        double a = hpo_frozen_trial_value(tr[i], 0), b = hpo_frozen_trial_value(tr[i], 1);
        if (a < r0 && b < r1) {
            pts[2 * k] = a;
            pts[2 * k++ + 1] = b;
        }
    }
    qsort(pts, k, 2 * sizeof(double), cmp_pt);
    for (size_t i = 0; i < k; i++)
        if (pts[2 * i + 1] < best) {
            hv += (r0 - pts[2 * i]) * (best - pts[2 * i + 1]);
            best = pts[2 * i + 1];
        }
    free(pts);
    hpo_frozen_trials_free(tr, n);
    return hv;
}

static double zdt1_hv(hpo_sampler *s, int64_t n)
{
    hpo_test_env env = {0};
    open_env(&env, MIN2, 2, s);
    optimize(&env, zdt1, NULL, n);
    double hv = hypervolume(&env, 1.1, 1.1);
    hpo_test_env_close(&env);
    return hv;
}

/* The true front's hypervolume to (1.1, 1.1) is 1.21 - 1/3 = 0.877. */
static void test_zdt1_beats_random(void **state)
{
    (void)state;
    for (uint64_t seed = 0; seed < 2; seed++) {
        hpo_sampler *r = NULL;
        double ga = zdt1_hv(new_nsga2(seed, 20, HPO_NSGA2_CROSSOVER_UNIFORM), 300);
        double sbx = zdt1_hv(new_nsga2(seed, 20, HPO_NSGA2_CROSSOVER_SBX), 300);
        assert_ok(hpo_sampler_random_new(&r, seed));
        double rnd = zdt1_hv(r, 300);
        print_message("zdt1 seed %d: hv uniform %.4f sbx %.4f random %.4f\n", (int)seed, ga, sbx,
                      rnd);
        assert_true(ga > rnd + 0.1);
        assert_true(sbx > rnd + 0.1);
    }
}

static int64_t generation_of(hpo_frozen_trial *t)
{
    const char *g = hpo_frozen_trial_system_attr(t, GEN_KEY);
    assert_non_null(g);
    return strtoll(g, NULL, 10);
}

static void test_generations(void **state)
{
    hpo_test_env env = {0};
    hpo_frozen_trial **tr = NULL;
    size_t n = 0;
    (void)state;
    open_env(&env, MIN2, 2, new_nsga2(1, 5, HPO_NSGA2_CROSSOVER_UNIFORM));
    optimize(&env, zdt1_fail2, NULL, 18);
    assert_ok(hpo_study_get_trials(env.study, HPO_STATES_ALL, &tr, &n));
    hpo_assert_eq_i64(n, 18);
    /* a generation is 5 COMPLETE trials: the failed trial 2 makes generation 0 six long */
    for (size_t i = 0; i < n; i++) {
        int64_t want = i < 6 ? 0 : (int64_t)(i - 1) / 5;
        hpo_assert_eq_i64(generation_of(tr[i]), want);
    }
    hpo_assert_eq_i64(hpo_frozen_trial_state(tr[2]), HPO_TRIAL_FAIL);
    hpo_frozen_trials_free(tr, n);
    hpo_test_env_close(&env);
}

/* All internal values of the first n trials (5 params each). */
static void params_of(hpo_test_env *env, double *out, size_t n)
{
    hpo_frozen_trial **tr = NULL;
    size_t k = 0;
    assert_ok(hpo_study_get_trials(env->study, HPO_STATES_ALL, &tr, &k));
    hpo_assert_eq_i64(k, n);
    for (size_t i = 0; i < k; i++) {
        hpo_assert_eq_i64(hpo_frozen_trial_n_params(tr[i]), 5);
        for (size_t j = 0; j < 5; j++)
            out[i * 5 + j] = hpo_frozen_trial_param_internal(tr[i], j);
    }
    hpo_frozen_trials_free(tr, k);
}

static void run_params(hpo_sampler *s, hpo_sampler *swap_in, double *out, size_t n)
{
    hpo_test_env env = {0};
    open_env(&env, MIN2, 2, s);
    if (swap_in == NULL) {
        optimize(&env, zdt1, NULL, (int64_t)n);
    } else { /* a restarted worker must carry on identically */
        optimize(&env, zdt1, NULL, (int64_t)n / 2);
        assert_ok(hpo_study_set_sampler(env.study, swap_in));
        optimize(&env, zdt1, NULL, (int64_t)(n - n / 2));
    }
    params_of(&env, out, n);
    hpo_test_env_close(&env);
}

static void test_reproducible(void **state)
{
    enum { N = 70 };
    static double a[N * 5], b[N * 5], c[N * 5], d[N * 5];
    (void)state;
    run_params(new_nsga2(3, 10, HPO_NSGA2_CROSSOVER_SBX), NULL, a, N);
    run_params(new_nsga2(3, 10, HPO_NSGA2_CROSSOVER_SBX), NULL, b, N);
    run_params(new_nsga2(3, 10, HPO_NSGA2_CROSSOVER_SBX), new_nsga2(3, 10, HPO_NSGA2_CROSSOVER_SBX),
               c, N);
    run_params(new_nsga2(4, 10, HPO_NSGA2_CROSSOVER_SBX), NULL, d, N);
    assert_memory_equal(a, b, sizeof(a));
    assert_memory_equal(a, c, sizeof(a));
    assert_memory_not_equal(a, d, sizeof(a));
}

/* Two objectives on 4 floats; x0 > 0.5 violates the constraint (half the box). */
static void run_constrained(hpo_test_env *env, int64_t n)
{
    char name[16], json[64];
    for (int64_t k = 0; k < n; k++) {
        hpo_trial *t = NULL;
        double x[4], v[2];
        assert_ok(hpo_study_ask(env->study, &t));
        for (int i = 0; i < 4; i++) {
            snprintf(name, sizeof(name), "x%d", i);
            assert_ok(hpo_trial_suggest_float(t, name, 0, 1, HPO_NO_STEP, false, &x[i]));
        }
        v[0] = x[0] * x[0] + x[1] * x[1] + x[2] * x[2];
        v[1] = (x[0] - 1) * (x[0] - 1) + x[1] * x[1] + x[3] * x[3];
        snprintf(json, sizeof(json), "[%.17g]", x[0] - 0.5);
        assert_ok(
                hpo__study_set_trial_system_attr(env->study, hpo_trial_id(t), "constraints", json));
        assert_ok(hpo_study_tell(env->study, t, HPO_TRIAL_COMPLETE, v, 2));
        hpo_trial_free(t);
    }
}

static double feasible_share(hpo_test_env *env, size_t from)
{
    hpo_frozen_trial **tr = NULL;
    size_t n = 0, ok = 0;
    assert_ok(hpo_study_get_trials(env->study, HPO_STATES_ALL, &tr, &n));
    for (size_t i = from; i < n; i++) {
        double x = 0;
        hpo_value val;
        assert_ok(hpo_frozen_trial_param(tr[i], "x0", &val));
        x = val.type == HPO_VALUE_INT ? (double)val.u.i : val.u.f;
        ok += x <= 0.5;
    }
    hpo_frozen_trials_free(tr, n);
    return (double)ok / (double)(n - from);
}

static void test_constraints(void **state)
{
    hpo_test_env env = {0};
    (void)state;
    open_env(&env, MIN2, 2, new_nsga2(5, 20, HPO_NSGA2_CROSSOVER_UNIFORM));
    run_constrained(&env, 240);
    double early = feasible_share(&env, 0), late = feasible_share(&env, 140);
    print_message("feasible: all %.2f, last 100 %.2f\n", early, late);
    assert_true(late > 0.8);
    hpo_test_env_close(&env);
}

/* Every kind of parameter, two objectives. */
static int mixed(hpo_trial *t, double *v, void *payload)
{
    static const char *const colors[] = {"red", "green", "blue"};
    double f, lf, sf;
    int64_t i, li;
    size_t c;
    (void)payload;
    if (hpo_trial_suggest_float(t, "f", -2, 3, HPO_NO_STEP, false, &f) != HPO_OK ||
        hpo_trial_suggest_float(t, "lf", 1e-3, 10, HPO_NO_STEP, true, &lf) != HPO_OK ||
        hpo_trial_suggest_float(t, "sf", 0, 1, 0.25, false, &sf) != HPO_OK ||
        hpo_trial_suggest_int(t, "i", 0, 10, 2, false, &i) != HPO_OK ||
        hpo_trial_suggest_int(t, "li", 1, 100, 1, true, &li) != HPO_OK ||
        hpo_trial_suggest_categorical_str(t, "c", colors, 3, &c) != HPO_OK)
        return HPO_ERROR;
    v[0] = f * f + log10(lf) * log10(lf) + sf + (double)i / 10.0 + (c == 1 ? 0 : 1);
    v[1] = (f - 1) * (f - 1) + fabs(log10((double)li) - 1) + (1 - sf) + (c == 2 ? 0 : 1);
    return HPO_OK;
}

static void check_in_distributions(hpo_test_env *env)
{
    hpo_frozen_trial **tr = NULL;
    size_t n = 0;
    assert_ok(hpo_study_get_trials(env->study, HPO_STATES_ALL, &tr, &n));
    for (size_t k = 0; k < n; k++) {
        hpo_assert_eq_i64(hpo_frozen_trial_state(tr[k]), HPO_TRIAL_COMPLETE);
        for (size_t j = 0; j < hpo_frozen_trial_n_params(tr[k]); j++) {
            const char *name = hpo_frozen_trial_param_name(tr[k], j);
            double v = hpo_frozen_trial_param_internal(tr[k], j);
            if (strcmp(name, "f") == 0)
                assert_true(v >= -2 && v < 3);
            else if (strcmp(name, "lf") == 0)
                assert_true(v >= 1e-3 && v < 10);
            else if (strcmp(name, "sf") == 0)
                assert_true(v >= 0 && v <= 1 && v * 4 == floor(v * 4));
            else if (strcmp(name, "i") == 0)
                assert_true(v >= 0 && v <= 10 && fmod(v, 2) == 0);
            else if (strcmp(name, "li") == 0)
                assert_true(v >= 1 && v <= 100 && v == floor(v));
            else
                assert_true(v == 0 || v == 1 || v == 2);
        }
    }
    hpo_frozen_trials_free(tr, n);
}

static void test_distributions_every_crossover(void **state)
{
    (void)state;
    for (int xo = HPO_NSGA2_CROSSOVER_UNIFORM; xo <= HPO_NSGA2_CROSSOVER_SPX; xo++) {
        hpo_test_env env = {0};
        open_env(&env, MIN2, 2, new_nsga2((uint64_t)xo, 8, (hpo_nsga2_crossover)xo));
        optimize(&env, mixed, NULL, 80);
        check_in_distributions(&env);
        hpo_test_env_close(&env);
    }
}

static int neg_sphere(hpo_trial *t, double *v, void *payload)
{
    double x[4], s = 0.0;
    char name[16];
    (void)payload;
    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof(name), "x%d", i);
        if (hpo_trial_suggest_float(t, name, -5, 5, HPO_NO_STEP, false, &x[i]) != HPO_OK)
            return HPO_ERROR;
        s += (x[i] - 1) * (x[i] - 1);
    }
    v[0] = -s;
    return HPO_OK;
}

static double best_max(hpo_sampler *s, int64_t n)
{
    hpo_test_env env = {0};
    hpo_frozen_trial *best = NULL;
    const hpo_direction dir = HPO_MAXIMIZE;
    open_env(&env, &dir, 1, s);
    optimize(&env, neg_sphere, NULL, n);
    assert_ok(hpo_study_best_trial(env.study, &best));
    double v = hpo_frozen_trial_value(best, 0);
    hpo_frozen_trial_free(best);
    hpo_test_env_close(&env);
    return v;
}

/* One objective, maximised: NSGA-II is a plain GA and still beats random. */
static void test_single_objective_maximize(void **state)
{
    double ga = 0, rnd = 0;
    (void)state;
    for (uint64_t seed = 0; seed < 3; seed++) {
        hpo_sampler *r = NULL;
        ga += best_max(new_nsga2(seed, 10, HPO_NSGA2_CROSSOVER_SBX), 300);
        assert_ok(hpo_sampler_random_new(&r, seed));
        rnd += best_max(r, 300);
    }
    print_message("single objective: ga %.4f random %.4f (sums of 3 bests)\n", ga, rnd);
    assert_true(ga > rnd);
    assert_true(ga > -0.5 * 3);
}

static int one_trial(hpo_study *study)
{
    static const char *const colors[] = {"red", "green", "blue"};
    hpo_trial *t = NULL;
    int64_t a = 0;
    double x = 0, v[2];
    size_t c = 0;
    int rc = hpo_study_ask(study, &t);
    if (rc == HPO_OK)
        rc = hpo_trial_suggest_int(t, "a", 0, 9, 1, false, &a);
    if (rc == HPO_OK)
        rc = hpo_trial_suggest_float(t, "x", -1, 1, HPO_NO_STEP, false, &x);
    if (rc == HPO_OK)
        rc = hpo_trial_suggest_categorical_str(t, "c", colors, 3, &c);
    if (rc == HPO_OK) {
        v[0] = (double)(a - 4) * (double)(a - 4) + x * x + (double)c;
        v[1] = (double)a + (x - 1) * (x - 1);
        rc = hpo_study_tell(study, t, HPO_TRIAL_COMPLETE, v, 2);
    }
    hpo_trial_free(t);
    return rc;
}

/* Every allocation of a fresh sampler's parent selection and child may fail:
 * ENOMEM, no leak (ASan), and the sampler works again afterwards. */
static void test_oom(void **state)
{
    long n;
    (void)state;
    for (n = 0; n < 100000; n++) {
        hpo_test_env env = {0};
        open_env(&env, MIN2, 2, new_nsga2(2, 4, HPO_NSGA2_CROSSOVER_UNDX));
        for (int i = 0; i < 14; i++)
            assert_ok(one_trial(env.study));
        /* a fresh cache: all parents are selected again */
        assert_ok(hpo_study_set_sampler(env.study, new_nsga2(2, 4, HPO_NSGA2_CROSSOVER_UNDX)));
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
    hpo_nsga2_options o = HPO_NSGA2_OPTIONS_INIT;
    hpo_sampler *s = NULL;
    (void)state;
    assert_status(hpo_nsga2_options_init(&o, 99), HPO_EVERSION);
    assert_status(hpo_nsga2_options_init(NULL, HPO_NSGA2_OPTIONS_VERSION), HPO_EMISUSE);
    assert_status(hpo_sampler_nsga2_new(NULL, &o), HPO_EMISUSE);
    o.version = 0;
    assert_status(hpo_sampler_nsga2_new(&s, &o), HPO_EVERSION);
    assert_msg_has("version");
    assert_ok(hpo_nsga2_options_init(&o, HPO_NSGA2_OPTIONS_VERSION));
    hpo_assert_eq_i64(o.population_size, 50);
    o.population_size = 1;
    assert_status(hpo_sampler_nsga2_new(&s, &o), HPO_EINVAL);
    assert_msg_has("population_size");
    o.population_size = 2;
    o.crossover = HPO_NSGA2_CROSSOVER_UNDX; /* three parents */
    assert_status(hpo_sampler_nsga2_new(&s, &o), HPO_EINVAL);
    assert_msg_has("population_size");
    o.crossover = (hpo_nsga2_crossover)9;
    assert_status(hpo_sampler_nsga2_new(&s, &o), HPO_EINVAL);
    assert_msg_has("crossover");
    o.crossover = HPO_NSGA2_CROSSOVER_UNIFORM;
    o.crossover_prob = 1.5;
    assert_status(hpo_sampler_nsga2_new(&s, &o), HPO_EINVAL);
    assert_msg_has("crossover_prob");
    o.crossover_prob = NAN;
    assert_status(hpo_sampler_nsga2_new(&s, &o), HPO_EINVAL);
    assert_msg_has("crossover_prob");
    o.crossover_prob = 0.9;
    o.swapping_prob = -0.1;
    assert_status(hpo_sampler_nsga2_new(&s, &o), HPO_EINVAL);
    assert_msg_has("swapping_prob");
    o.swapping_prob = 0.5;
    o.mutation_prob = 2.0;
    assert_status(hpo_sampler_nsga2_new(&s, &o), HPO_EINVAL);
    assert_msg_has("mutation_prob");
    assert_null(s);
    o.mutation_prob = NAN; /* auto, as negative */
    assert_ok(hpo_sampler_nsga2_new(&s, &o));
    hpo_sampler_free(s);
    s = NULL;
    assert_ok(hpo_sampler_nsga2_new(&s, NULL));
    hpo_sampler_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_rank),
            cmocka_unit_test(test_crowding),
            cmocka_unit_test(test_select),
            cmocka_unit_test(test_generations),
            cmocka_unit_test(test_zdt1_beats_random),
            cmocka_unit_test(test_reproducible),
            cmocka_unit_test(test_constraints),
            cmocka_unit_test(test_distributions_every_crossover),
            cmocka_unit_test(test_single_objective_maximize),
            cmocka_unit_test(test_oom),
            cmocka_unit_test(test_bad_options),
    };
    return HPO_RUN_TESTS("nsga2", tests);
}
