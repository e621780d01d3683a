/*
 * test_pruners_more.c - the threshold, patient and Wilcoxon pruners.
 *
 * Each rule of Optuna's ThresholdPruner, PatientPruner and WilcoxonPruner is
 * checked on constructed histories through the pure decisions (the test seams
 * declared below), then end to end through a study. The Wilcoxon p-values are
 * scipy 1.17.1's, from scipy.stats.wilcoxon(d, zero_method="zsplit",
 * alternative=...) as Optuna 5.0 calls it; the decision table was produced by
 * Optuna 5.0.0's WilcoxonPruner.prune on the same histories.
 */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "pruners/pruner.h"
#include "support/test_util.h"

/*=========================== test seams ===========================*/

/* Defined in src/pruners/{threshold,patient,wilcoxon}.c; see the comments there. */
bool hpo__threshold_decide(double lower,
                           double upper,
                           int64_t n_warmup_steps,
                           int64_t interval_steps,
                           const hpo__ivalue *own,
                           size_t n_own);
bool hpo__patient_exhausted(int64_t patience,
                            double min_delta,
                            hpo_direction dir,
                            const hpo__ivalue *own,
                            size_t n_own);
int hpo__wilcoxon_pvalue(const double *d, size_t n, bool greater, double *p_out);
int hpo__wilcoxon_decide(double p_threshold,
                         int64_t n_startup_steps,
                         hpo_direction dir,
                         const hpo__ivalue *own,
                         size_t n_own,
                         const hpo__ivalue *best,
                         size_t n_best,
                         bool *out);

/*=========================== helpers ===========================*/

/* Values at steps 0, 1, ... */
static size_t curve_of(hpo__ivalue *own, const double *values, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        own[i].step = (int64_t)i;
        own[i].value = values[i];
    }
    return n;
}

static bool threshold(double lower,
                      double upper,
                      int64_t warmup,
                      int64_t interval,
                      const double *values,
                      size_t n)
{
    hpo__ivalue own[32];
    assert_true(n <= 32);
    curve_of(own, values, n);
    return hpo__threshold_decide(lower, upper, warmup, interval, own, n);
}

static bool
patient(int64_t patience, double min_delta, hpo_direction dir, const double *values, size_t n)
{
    hpo__ivalue own[32];
    assert_true(n <= 32);
    curve_of(own, values, n);
    return hpo__patient_exhausted(patience, min_delta, dir, own, n);
}

/* Start a trial, report values at steps 0.., asking should_prune after each;
 * returns the first step at which the pruner said yes, or -1. The trial ends
 * PRUNED when pruned, COMPLETE with the last value otherwise. */
static int64_t run_curve(hpo_study *study, const double *curve, size_t n)
{
    hpo_trial *t = NULL;
    int64_t pruned_at = -1;
    assert_ok(hpo_study_ask(study, &t));
    for (size_t i = 0; i < n; i++) {
        bool prune = true;
        assert_ok(hpo_trial_report(t, curve[i], (int64_t)i));
        assert_ok(hpo_trial_should_prune(t, &prune));
        if (prune) {
            pruned_at = (int64_t)i;
            break;
        }
    }
    if (pruned_at >= 0)
        assert_ok(hpo_study_tell(study, t, HPO_TRIAL_PRUNED, NULL, 0));
    else
        assert_ok(hpo_study_tell(study, t, HPO_TRIAL_COMPLETE, &curve[n - 1], 1));
    hpo_trial_free(t);
    return pruned_at;
}

/* The objective's curve for a trial: odd trials bad, even ones good. */
typedef struct curves {
    const double *good;
    const double *bad;
    size_t n;
} curves;

static int curve_objective(hpo_trial *t, double *values, void *payload)
{
    const curves *c = payload;
    const double *v = hpo_trial_number(t) % 2 ? c->bad : c->good;
    double sum = 0.0;
    for (size_t i = 0; i < c->n; i++) {
        bool prune = false;
        int rc = hpo_trial_report(t, v[i], (int64_t)i);
        if (rc == HPO_OK)
            rc = hpo_trial_should_prune(t, &prune);
        if (rc != HPO_OK)
            return rc;
        if (prune)
            return HPO_EPRUNED;
        sum += v[i];
    }
    values[0] = sum / (double)c->n;
    return HPO_OK;
}

/* Run n_trials of curve_objective with the pruner; the first step each trial
 * was pruned at (-1: never) goes to pruned_at[]. */
static void optimize_curves(
        hpo_pruner *p, hpo_direction dir, const curves *c, int64_t n_trials, int64_t *pruned_at)
{
    hpo_test_env env;
    hpo_optimize_options opt = HPO_OPTIMIZE_OPTIONS_INIT;
    hpo_frozen_trial **trials = NULL;
    size_t n = 0;
    opt.n_trials = n_trials;
    hpo_test_env_open(&env, dir);
    assert_ok(hpo_study_set_pruner(env.study, p));
    assert_ok(hpo_study_optimize(env.study, curve_objective, (void *)c, &opt));
    assert_ok(hpo_study_get_trials(env.study, HPO_STATES_ALL, &trials, &n));
    hpo_assert_eq_i64(n, n_trials);
    for (size_t i = 0; i < n; i++) {
        size_t k = hpo_frozen_trial_n_intermediate(trials[i]);
        bool pruned = hpo_frozen_trial_state(trials[i]) == HPO_TRIAL_PRUNED;
        if (!pruned)
            hpo_assert_eq_i64(hpo_frozen_trial_state(trials[i]), HPO_TRIAL_COMPLETE);
        pruned_at[i] = pruned ? (int64_t)k - 1 : -1;
    }
    hpo_frozen_trials_free(trials, n);
    hpo_test_env_close(&env);
}

static void assert_rel(double got, double want, double rel, const char *what, size_t i)
{
    if (!(fabs(got - want) <= rel * fabs(want))) {
        print_error("%s[%zu] = %.17g, expected %.17g\n", what, i, got, want);
        fail();
    }
}

/*=========================== threshold ===========================*/

static void test_threshold_bounds_and_nan(void **state)
{
    const double v[] = {0.0, 0.5, 1.0, 1.5};
    const double low[] = {0.0, -0.5};
    const double nan_last[] = {0.0, NAN};
    const double nan_first[] = {NAN, 0.5};
    (void)state;
    /* upper only: strictly above prunes, equal does not. */
    assert_false(threshold(-INFINITY, 1.0, 0, 1, v, 3));
    assert_true(threshold(-INFINITY, 1.0, 0, 1, v, 4));
    /* lower only: strictly below prunes. */
    assert_false(threshold(0.0, INFINITY, 0, 1, low, 1));
    assert_true(threshold(0.0, INFINITY, 0, 1, low, 2));
    /* Only the latest value counts: 1.5 went above, 0.5 came back. */
    assert_false(threshold(0.0, 1.0, 0, 1, nan_first, 2));
    /* A NaN latest value prunes whatever the bounds. */
    assert_true(threshold(-INFINITY, 1.0, 0, 1, nan_last, 2));
    assert_true(threshold(-1.0, INFINITY, 0, 1, nan_first, 1));
    /* No report: nothing to judge. */
    assert_false(threshold(0.0, 1.0, 0, 1, v, 0));
}

static void test_threshold_warmup_and_interval(void **state)
{
    const double high[] = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9};
    hpo__ivalue own[3] = {{0, 9.0}, {4, 9.0}, {3, 9.0}};
    (void)state;
    /* Warm-up 2: steps 0 and 1 are never checked. */
    assert_false(threshold(0, 1, 2, 1, high, 1));
    assert_false(threshold(0, 1, 2, 1, high, 2));
    assert_true(threshold(0, 1, 2, 1, high, 3));
    /* Interval 3 after warm-up 2: checkpoints 2, 5, 8. */
    for (size_t n = 1; n <= 10; n++) {
        bool want = n - 1 == 2 || n - 1 == 5 || n - 1 == 8;
        assert_true(threshold(0, 1, 2, 3, high, n) == want);
    }
    /* Reports that skip a checkpoint: step 4 is the first report at or after
     * checkpoint 2 (steps 0 and 4 only, in any order), so it is checked ... */
    assert_true(hpo__threshold_decide(0, 1, 2, 3, own, 2));
    /* ... but not once step 3 (after checkpoint 2) was reported before it. */
    assert_false(hpo__threshold_decide(0, 1, 2, 3, own, 3));
}

static void test_threshold_options(void **state)
{
    hpo_threshold_options o = HPO_THRESHOLD_OPTIONS_INIT;
    hpo_pruner *p = NULL;
    (void)state;
    assert_true(isnan(o.lower) && isnan(o.upper));
    hpo_assert_eq_i64(o.n_warmup_steps, 0);
    hpo_assert_eq_i64(o.interval_steps, 1);
    memset(&o, 0xff, sizeof(o));
    assert_ok(hpo_threshold_options_init(&o, HPO_THRESHOLD_OPTIONS_VERSION));
    hpo_assert_eq_i64(o.version, 1);
    assert_true(isnan(o.lower) && isnan(o.upper));
    assert_status(hpo_threshold_options_init(&o, 0), HPO_EVERSION);
    assert_status(hpo_threshold_options_init(&o, 2), HPO_EVERSION);
    assert_msg_has("hpo_threshold_options");
    assert_status(hpo_threshold_options_init(NULL, 1), HPO_EINVAL);
    assert_ok(hpo_threshold_options_init(&o, 1));
    o.upper = 1.0;
    o.version = 2;
    assert_status(hpo_pruner_threshold_new(&p, &o), HPO_EVERSION);
    assert_null(p);
}

/* One bad options struct: EINVAL, *out NULL, and a message naming field. */
static void threshold_rejects(const hpo_threshold_options *o, const char *field)
{
    hpo_pruner *p = (hpo_pruner *)(uintptr_t)1;
    assert_status(hpo_pruner_threshold_new(&p, o), HPO_EINVAL);
    assert_null(p);
    assert_msg_has(field);
}

static void test_threshold_bad_parameters(void **state)
{
    hpo_threshold_options o = HPO_THRESHOLD_OPTIONS_INIT;
    hpo_pruner *p = NULL;
    (void)state;
    threshold_rejects(&o, "lower or upper"); /* neither bound set */
    threshold_rejects(NULL, "lower or upper");
    o.lower = INFINITY;
    threshold_rejects(&o, "lower");
    o.lower = 2.0;
    o.upper = -INFINITY;
    threshold_rejects(&o, "upper");
    o.upper = 1.0;
    threshold_rejects(&o, "lower (2) must be <= upper (1)");
    o.lower = NAN;
    o.n_warmup_steps = -1;
    threshold_rejects(&o, "n_warmup_steps");
    o.n_warmup_steps = 0;
    o.interval_steps = 0;
    threshold_rejects(&o, "interval_steps");
    o.interval_steps = 1;
    assert_status(hpo_pruner_threshold_new(NULL, &o), HPO_EINVAL);
    /* Valid: one bound, or equal bounds. */
    assert_ok(hpo_pruner_threshold_new(&p, &o));
    hpo_pruner_free(p);
    o.lower = 1.0;
    assert_ok(hpo_pruner_threshold_new(&p, &o));
    hpo_pruner_free(p);
}

static void test_threshold_through_optimize(void **state)
{
    const double good[] = {0.0, 0.1, 0.2, 0.5, 0.9};
    const double bad[] = {0.0, 0.1, 0.2, 0.5, 1.2};
    const curves c = {good, bad, 5};
    hpo_threshold_options o = HPO_THRESHOLD_OPTIONS_INIT;
    hpo_pruner *p = NULL;
    int64_t at[6];
    (void)state;
    o.upper = 1.0;
    assert_ok(hpo_pruner_threshold_new(&p, &o));
    optimize_curves(p, HPO_MINIMIZE, &c, 6, at);
    for (int i = 0; i < 6; i++)
        hpo_assert_eq_i64(at[i], i % 2 ? 4 : -1);
    /* Warm-up past the last step: nothing is pruned. */
    o.n_warmup_steps = 5;
    assert_ok(hpo_pruner_threshold_new(&p, &o));
    optimize_curves(p, HPO_MAXIMIZE, &c, 4, at);
    for (int i = 0; i < 4; i++)
        hpo_assert_eq_i64(at[i], -1);
}

/*=========================== patient ===========================*/

static void test_patient_window(void **state)
{
    /* Best before the window vs best in the window (minimize). */
    const double v[] = {5.0, 4.0, 3.0, 3.5, 3.2, 3.1};
    (void)state;
    /* Needs more than patience + 1 values. */
    assert_false(patient(2, 0.0, HPO_MINIMIZE, v, 3));
    /* 4 values: before {5}, window {4, 3, 3.5}: improved. */
    assert_false(patient(2, 0.0, HPO_MINIMIZE, v, 4));
    assert_false(patient(2, 0.0, HPO_MINIMIZE, v, 5));
    /* before {5, 4, 3} best 3, window {3.5, 3.2, 3.1}: no improvement. */
    assert_true(patient(2, 0.0, HPO_MINIMIZE, v, 6));
    /* patience 0: the window is the last value alone. */
    assert_false(patient(0, 0.0, HPO_MINIMIZE, v, 1));
    assert_false(patient(0, 0.0, HPO_MINIMIZE, v, 3));
    assert_true(patient(0, 0.0, HPO_MINIMIZE, v, 4));
    /* Optuna prunes only when the window's best is worse than the best before
     * it by more than min_delta: a flat curve (3 + 0 < 3) never runs out. */
    {
        const double flat[] = {3.0, 3.0};
        const double small[] = {3.0, 2.8};
        const double worse[] = {3.0, 3.4};
        assert_false(patient(0, 0.0, HPO_MINIMIZE, flat, 2));
        assert_false(patient(0, 0.0, HPO_MINIMIZE, small, 2));
        assert_false(patient(0, 0.5, HPO_MINIMIZE, small, 2));
        /* Worse by 0.4: 3 + 0.5 < 3.4 is false, so min_delta tolerates it. */
        assert_false(patient(0, 0.5, HPO_MINIMIZE, worse, 2));
        assert_true(patient(0, 0.3, HPO_MINIMIZE, worse, 2));
    }
}

static void test_patient_min_delta_and_direction(void **state)
{
    const double up[] = {1.0, 2.0, 2.3, 2.2};
    const double down[] = {3.0, 2.0, 1.7, 1.8};
    (void)state;
    /* Maximize: before {1, 2} best 2, window {2.3, 2.2} best 2.3. */
    assert_false(patient(1, 0.0, HPO_MAXIMIZE, up, 4));
    assert_false(patient(1, 0.29, HPO_MAXIMIZE, up, 4)); /* 2 - 0.29 > 2.3 false */
    /* Minimize on the same curve: before best 1, window best 2.2 > 1. */
    assert_true(patient(1, 0.0, HPO_MINIMIZE, up, 4));
    assert_true(patient(1, 1.1, HPO_MINIMIZE, up, 4));  /* 1 + 1.1 < 2.2 */
    assert_false(patient(1, 1.2, HPO_MINIMIZE, up, 4)); /* 1 + 1.2 < 2.2 false */
    /* Minimize: before {3, 2} best 2, window best 1.7: improved by 0.3. */
    assert_false(patient(1, 0.0, HPO_MINIMIZE, down, 4));
    /* Maximize on down: before best 3, window best 1.8. */
    assert_true(patient(1, 0.0, HPO_MAXIMIZE, down, 4));
    assert_true(patient(1, 1.1, HPO_MAXIMIZE, down, 4));  /* 3 - 1.1 > 1.8 */
    assert_false(patient(1, 1.2, HPO_MAXIMIZE, down, 4)); /* 3 - 1.2 > 1.8 false */
}

static void test_patient_nan(void **state)
{
    const double nan_before[] = {NAN, NAN, 1.0, 2.0};
    const double nan_window[] = {1.0, 2.0, NAN, NAN};
    const double mixed[] = {1.0, NAN, 2.0, NAN};
    const double inf_window[] = {1.0, 2.0, INFINITY, INFINITY};
    (void)state;
    /* An all-NaN side gives nanmin NaN: never prune. */
    assert_false(patient(1, 0.0, HPO_MINIMIZE, nan_before, 4));
    assert_false(patient(1, 0.0, HPO_MINIMIZE, nan_window, 4));
    assert_false(patient(1, 0.0, HPO_MAXIMIZE, nan_window, 4));
    /* Otherwise NaNs are skipped: before {1, NaN} best 1, window {2, NaN} best 2. */
    assert_true(patient(1, 0.0, HPO_MINIMIZE, mixed, 4));
    assert_false(patient(1, 0.0, HPO_MAXIMIZE, mixed, 4));
    /* Infinities are ordinary values. */
    assert_true(patient(1, 0.0, HPO_MINIMIZE, inf_window, 4));
}

static hpo_pruner *make_threshold(double upper)
{
    hpo_threshold_options o = HPO_THRESHOLD_OPTIONS_INIT;
    hpo_pruner *p = NULL;
    o.upper = upper;
    assert_ok(hpo_pruner_threshold_new(&p, &o));
    return p;
}

/* The first step the patient pruner (around wrapped) prunes curve at, or -1. */
static int64_t patient_run(hpo_pruner *wrapped, int64_t patience, const double *curve, size_t n)
{
    hpo_test_env env;
    hpo_pruner *p = NULL;
    int64_t at;
    hpo_test_env_open(&env, HPO_MINIMIZE);
    assert_ok(hpo_pruner_patient_new(&p, wrapped, patience, 0.0));
    assert_ok(hpo_study_set_pruner(env.study, p));
    at = run_curve(env.study, curve, n);
    hpo_test_env_close(&env);
    return at;
}

static void test_patient_defers_to_wrapped(void **state)
{
    const double stall[] = {5.0, 4.0, 3.0, 3.5, 3.2, 3.1, 3.04};
    const double falling[] = {5.0, 4.0, 3.0, 2.0};
    (void)state;
    /* No wrapped pruner: prune as soon as patience runs out (step 5). */
    hpo_assert_eq_i64(patient_run(NULL, 2, stall, 7), 5);
    /* Patience runs out at step 5; the threshold (upper 3.05) then decides:
     * 3.1 > 3.05 prunes at once. */
    hpo_assert_eq_i64(patient_run(make_threshold(3.05), 2, stall, 7), 5);
    /* With upper 3.15 the threshold keeps it at step 5 (3.1) ... and at step 6. */
    hpo_assert_eq_i64(patient_run(make_threshold(3.15), 2, stall, 7), -1);
    /* While the curve improves, the wrapped pruner is never asked, though it
     * would prune every step (upper 1). */
    hpo_assert_eq_i64(patient_run(make_threshold(1.0), 1, falling, 4), -1);
    hpo_assert_eq_i64(patient_run(make_threshold(1.0), 1, stall, 7), 4);
}

static void test_patient_bad_parameters(void **state)
{
    hpo_pruner *p = (hpo_pruner *)(uintptr_t)1;
    hpo_pruner fake = {0, NULL, NULL};
    (void)state;
    /* Each failure still frees the wrapped pruner (ASan checks for leaks). */
    assert_status(hpo_pruner_patient_new(&p, make_threshold(1.0), -1, 0.0), HPO_EINVAL);
    assert_null(p);
    assert_msg_has("patience");
    assert_status(hpo_pruner_patient_new(&p, make_threshold(1.0), 1, -0.1), HPO_EINVAL);
    assert_msg_has("min_delta");
    assert_status(hpo_pruner_patient_new(&p, make_threshold(1.0), 1, NAN), HPO_EINVAL);
    assert_msg_has("min_delta");
    assert_status(hpo_pruner_patient_new(&p, NULL, 1, INFINITY), HPO_EINVAL);
    assert_msg_has("min_delta");
    assert_status(hpo_pruner_patient_new(NULL, make_threshold(1.0), 1, 0.0), HPO_EINVAL);
    /* Not a pruner handle: refused and left alone. */
    assert_status(hpo_pruner_patient_new(&p, &fake, 1, 0.0), HPO_EINVAL);
    assert_msg_has("wrapped");
    /* patience 0 and min_delta 0 are valid. */
    assert_ok(hpo_pruner_patient_new(&p, make_threshold(1.0), 0, 0.0));
    hpo_pruner_free(p);
}

static void test_patient_out_of_memory(void **state)
{
    hpo_pruner *p = NULL;
    (void)state;
    /* The impl, then the shell: wrapped is freed either way. */
    for (long k = 0; k < 2; k++) {
        hpo_pruner *w = make_threshold(1.0);
        hpo__fail_alloc_after(k);
        assert_status(hpo_pruner_patient_new(&p, w, 1, 0.0), HPO_ENOMEM);
        assert_null(p);
        hpo_assert_eq_i64(hpo__failed_allocs(), 1);
    }
    hpo__fail_alloc_after(-1);
}

static void test_patient_through_optimize(void **state)
{
    const double good[] = {5.0, 4.0, 3.0, 2.5, 2.0, 1.5};
    const double bad[] = {5.0, 4.0, 3.0, 3.5, 3.2, 3.1};
    const curves c = {good, bad, 6};
    hpo_pruner *p = NULL;
    int64_t at[6];
    (void)state;
    assert_ok(hpo_pruner_patient_new(&p, NULL, 2, 0.0));
    optimize_curves(p, HPO_MINIMIZE, &c, 6, at);
    for (int i = 0; i < 6; i++)
        hpo_assert_eq_i64(at[i], i % 2 ? 5 : -1);
    /* Maximizing, the good curve stalls from the start: before {5}, window
     * {4, 3, 2.5}: 5 > 4, pruned at step 3; the bad one too. */
    assert_ok(hpo_pruner_patient_new(&p, NULL, 2, 0.0));
    optimize_curves(p, HPO_MAXIMIZE, &c, 2, at);
    hpo_assert_eq_i64(at[0], 3);
    hpo_assert_eq_i64(at[1], 3);
}

/*=========================== Wilcoxon p-values ===========================*/

typedef struct wilcoxon_case {
    size_t n;
    double d[120];
    double p_greater;
    double p_less;
} wilcoxon_case;

/* scipy 1.17.1: wilcoxon(d, zero_method="zsplit", alternative=...).pvalue;
 * exact (n <= 50, no ties or zeros), exhaustive permutation (ties or zeros,
 * n <= 13) and normal approximation (the rest) all appear. */
static const wilcoxon_case cases[] = {
        /* n2 */
        {2, {1.5, 2.5}, 0.25, 1.0},
        /* n3_neg */
        {3, {-1.0, -2.0, 0.5}, 0.875, 0.25},
        /* n5_exact */
        {5, {0.3, -1.2, 2.2, 0.9, 1.7}, 0.15625, 0.90625},
        /* n8_exact */
        {8, {2.1, -0.4, 1.3, 3.3, -2.5, 0.8, 1.9, 4.4}, 0.07421875, 0.9453125},
        /* n6_ties */
        {6, {1.0, -1.0, 2.0, 2.0, 3.0, -0.5}, 0.09375, 0.9375},
        /* n7_zeros */
        {7, {0.0, 1.0, -2.0, 3.0, 0.0, 4.0, 5.0}, 0.09375, 0.9375},
        /* n4_allzero */
        {4, {0.0, 0.0, 0.0, 0.0}, 1.0, 1.0},
        /* n13_ties */
        {13,
         {1.0, 2.0, 2.0, -3.0, 3.0, 4.0, -4.0, 5.0, 5.0, 5.0, 6.0, -7.0, 8.0},
         0.0604248046875,
         0.94287109375},
        /* n14_ties */
        {14,
         {1.0, 2.0, 2.0, -3.0, 3.0, 4.0, -4.0, 5.0, 5.0, 5.0, 6.0, -7.0, 8.0, 0.0},
         0.0510234808479766,
         0.9489765191520234},
        /* n20_exact */
        {20,
         {0.30123,  0.598746,  0.025862,  -0.590592, -0.154671, -0.691647, 0.360144,
          1.640215, -0.192207, -0.320475, 0.789842,  0.656887,  0.405414,  -0.630468,
          0.270748, 0.995303,  -1.044215, -0.157616, -1.601223, -0.989538},
         0.5072822570800781,
         0.5072822570800781},
        /* n30_zeros */
        {30,
         {1.0, -2.0, 4.0, -2.0, 4.0, 2.0,  -2.0, -3.0, 1.0,  -3.0, -2.0, 1.0,  5.0,  1.0, 4.0,
          5.0, 4.0,  2.0, 0.0,  1.0, -1.0, 1.0,  0.0,  -1.0, 5.0,  -3.0, -3.0, -2.0, 5.0, 3.0},
         0.07995278844143783,
         0.9200472115585622},
        /* n50_exact */
        {50,
         {0.860898623,  -1.007534675, -0.232521705, 0.684389867,  -0.783600433, -0.31170195,
          -0.089535857, -0.136218226, -1.425055826, -0.12385977,  1.158823422,  -1.747144678,
          0.659382688,  -0.080645974, -0.841470394, 1.800416546,  0.562259712,  -1.399288902,
          -0.125483771, 0.376689584,  -0.388782125, 0.482910267,  -0.26651732,  0.467247561,
          1.238522592,  -0.875662251, 0.00313861,   -0.663307577, -0.072731589, -1.387194528,
          -0.779301597, -0.396195973, 0.698763872,  0.945222007,  -1.523527792, -0.994642366,
          0.446903423,  -2.192419784, -0.663169865, -0.297286926, 1.057014977,  0.489403901,
          -0.52721342,  -0.568575894, -0.450195401, 1.3235294,    -0.628024943, -0.503680388,
          0.152589067,  -0.320770445},
         0.9093726180013277,
         0.09222448963845853},
        /* n51_asym */
        {51,
         {-0.097284228, -1.014067143, 0.088478532,  -0.343581223, 1.266127776,  0.753088503,
          0.075856387,  0.768381023,  -0.239869552, 1.152126358,  0.094600439,  0.683382354,
          -1.190893245, 0.446680049,  -1.588204117, -1.935328945, -0.204476878, -0.799927608,
          0.264052796,  2.344756626,  -0.731723181, -0.523943586, 0.305403946,  0.593013291,
          -0.076406066, -0.10593033,  0.802462955,  0.619907637,  -0.933675832, 0.020818681,
          0.135286849,  -0.954484622, 0.359839101,  -0.757956477, 1.072066708,  0.292745913,
          0.189306486,  -0.491028353, -0.018609824, -1.897746293, -1.031407471, 0.462839799,
          -2.028567042, 0.946608521,  -1.646096475, 0.856738503,  -0.745497033, 0.878991084,
          0.230951208,  -1.43683494,  1.34914875},
         0.6107230338918764,
         0.38927696610812357},
        /* n120_ties */
        {120,
         {-3.0, 8.0,  -3.0, 2.0, 8.0,  2.0,  7.0,  7.0,  5.0,  5.0,  3.0,  3.0,  6.0,  0.0,  8.0,
          7.0,  0.0,  0.0,  5.0, 7.0,  -4.0, -5.0, -2.0, 1.0,  -3.0, 2.0,  2.0,  8.0,  5.0,  -2.0,
          6.0,  6.0,  4.0,  4.0, -1.0, 5.0,  -4.0, 3.0,  7.0,  8.0,  -1.0, -1.0, 3.0,  0.0,  5.0,
          -3.0, -3.0, -5.0, 1.0, -3.0, -1.0, 7.0,  6.0,  6.0,  3.0,  -4.0, 5.0,  3.0,  7.0,  1.0,
          -3.0, 3.0,  1.0,  4.0, 0.0,  -1.0, -4.0, 8.0,  5.0,  1.0,  -2.0, 3.0,  0.0,  3.0,  -4.0,
          -3.0, 5.0,  -5.0, 4.0, 0.0,  -5.0, 5.0,  4.0,  6.0,  7.0,  5.0,  6.0,  -4.0, 7.0,  7.0,
          4.0,  6.0,  5.0,  7.0, 7.0,  2.0,  6.0,  7.0,  -1.0, -5.0, -3.0, -5.0, 1.0,  -5.0, -2.0,
          -2.0, 4.0,  -2.0, 8.0, -3.0, 8.0,  2.0,  -2.0, -5.0, -1.0, 3.0,  -4.0, -3.0, -4.0, 4.0},
         4.02055486478618e-06,
         0.9999959794451352},
        /* n25_allzero */
        {25,
         {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
          0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0},
         0.5,
         0.5},
        /* n10_onezero */
        {10, {0.0, 0.7, 1.1, -0.2, 2.6, 3.1, -1.4, 0.05, 5.5, 0.9}, 0.046875, 0.962890625},
};

static void test_wilcoxon_pvalues_match_scipy(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double p = NAN;
        assert_ok(hpo__wilcoxon_pvalue(cases[i].d, cases[i].n, true, &p));
        assert_rel(p, cases[i].p_greater, 1e-12, "p_greater", i);
        assert_ok(hpo__wilcoxon_pvalue(cases[i].d, cases[i].n, false, &p));
        assert_rel(p, cases[i].p_less, 1e-12, "p_less", i);
    }
}

static void test_wilcoxon_pvalue_edges(void **state)
{
    const double one[] = {2.0};
    double p = 0.0;
    (void)state;
    assert_ok(hpo__wilcoxon_pvalue(one, 0, true, &p));
    assert_true(isnan(p));
    assert_ok(hpo__wilcoxon_pvalue(one, 1, true, &p));
    assert_true(p == 0.5);
    hpo__fail_alloc_after(0);
    assert_status(hpo__wilcoxon_pvalue(one, 1, true, &p), HPO_ENOMEM);
    hpo__fail_alloc_after(1);
    assert_status(hpo__wilcoxon_pvalue(one, 1, true, &p), HPO_ENOMEM);
    hpo__fail_alloc_after(-1);
}

/*=========================== Wilcoxon decisions ===========================*/

static bool wdecide(double p_threshold,
                    int64_t startup,
                    hpo_direction dir,
                    const double *own,
                    size_t n_own,
                    const double *best,
                    size_t n_best)
{
    hpo__ivalue o[32], b[32];
    bool out = true;
    assert_true(n_own <= 32 && n_best <= 32);
    curve_of(o, own, n_own);
    curve_of(b, best, n_best);
    assert_ok(hpo__wilcoxon_decide(p_threshold, startup, dir, o, n_own, best ? b : NULL, n_best,
                                   &out));
    return out;
}

static void test_wilcoxon_startup_and_threshold(void **state)
{
    const double zeros[12] = {0};
    const double ones[12] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    /* Optuna 5.0.0, best all 0, current all 1, n = 1..7 reports: */
    const bool dflt[] = {false, false, false, true, true, true, true};
    const bool startup6[] = {false, false, false, false, false, true, true};
    const bool p03[] = {false, true, true, true, true, true, true};
    (void)state;
    for (size_t n = 1; n <= 7; n++) {
        assert_true(wdecide(0.1, 2, HPO_MINIMIZE, ones, n, zeros, 12) == dflt[n - 1]);
        assert_true(wdecide(0.1, 6, HPO_MINIMIZE, ones, n, zeros, 12) == startup6[n - 1]);
        assert_true(wdecide(0.3, 2, HPO_MINIMIZE, ones, n, zeros, 12) == p03[n - 1]);
        /* Fewer than two pairs is never tested, whatever n_startup_steps says. */
        if (n < 2)
            assert_false(wdecide(1.0, 0, HPO_MINIMIZE, ones, n, zeros, 12));
        /* Maximizing, the ones are better: never pruned. */
        assert_false(wdecide(0.3, 0, HPO_MAXIMIZE, ones, n, zeros, 12));
    }
    /* p < p_threshold is strict: p at n = 4 is 1/16. */
    assert_false(wdecide(0.0625, 2, HPO_MINIMIZE, ones, 4, zeros, 12));
    assert_true(wdecide(0.0626, 2, HPO_MINIMIZE, ones, 4, zeros, 12));
    assert_false(wdecide(0.0, 0, HPO_MINIMIZE, ones, 12, zeros, 12));
}

static void test_wilcoxon_average_rule(void **state)
{
    const double zeros[12] = {0};
    double own[11] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -100};
    double neg[11];
    (void)state;
    /* Ten +1 and one -100: the signed ranks say worse (p 57/2048), but the
     * mean is better, so Optuna keeps the trial; with -5 it prunes. */
    assert_false(wdecide(0.1, 2, HPO_MINIMIZE, own, 11, zeros, 12));
    own[10] = -5.0;
    assert_true(wdecide(0.1, 2, HPO_MINIMIZE, own, 11, zeros, 12));
    /* Mirrored for maximize. */
    for (size_t i = 0; i < 11; i++)
        neg[i] = -own[i];
    assert_true(wdecide(0.1, 2, HPO_MAXIMIZE, neg, 11, zeros, 12));
    neg[10] = 100.0;
    assert_false(wdecide(0.1, 2, HPO_MAXIMIZE, neg, 11, zeros, 12));
}

static void test_wilcoxon_pairs_and_non_finite(void **state)
{
    const double zeros[12] = {0};
    const double ones[12] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    double bad[6] = {1, 1, 1, 1, 1, 1};
    hpo__ivalue o[6], b[3];
    bool out = true;
    (void)state;
    /* No best trial, or a best trial without reports. */
    assert_false(wdecide(0.5, 0, HPO_MINIMIZE, ones, 6, NULL, 0));
    assert_false(wdecide(0.5, 0, HPO_MINIMIZE, ones, 6, zeros, 0));
    /* No reports of its own. */
    assert_false(wdecide(0.5, 0, HPO_MINIMIZE, ones, 0, zeros, 12));
    /* A NaN or inf anywhere on either side: never pruned. */
    bad[2] = NAN;
    assert_false(wdecide(0.5, 0, HPO_MINIMIZE, bad, 6, zeros, 12));
    bad[2] = INFINITY;
    assert_false(wdecide(0.5, 0, HPO_MINIMIZE, bad, 6, zeros, 12));
    assert_false(wdecide(0.5, 0, HPO_MINIMIZE, ones, 6, bad, 6));
    /* Only steps both have are paired: own at 0..5, best at 0, 2, 4. With
     * three pairs p = 1/8; n_startup_steps 4 counts pairs, not reports. */
    curve_of(o, ones, 6);
    for (size_t i = 0; i < 3; i++) {
        b[i].step = (int64_t)(2 * i);
        b[i].value = 0.0;
    }
    assert_ok(hpo__wilcoxon_decide(0.2, 3, HPO_MINIMIZE, o, 6, b, 3, &out));
    assert_true(out);
    assert_ok(hpo__wilcoxon_decide(0.2, 4, HPO_MINIMIZE, o, 6, b, 3, &out));
    assert_false(out);
    assert_ok(hpo__wilcoxon_decide(0.125, 3, HPO_MINIMIZE, o, 6, b, 3, &out));
    assert_false(out);
}

static void test_wilcoxon_options(void **state)
{
    hpo_wilcoxon_options o = HPO_WILCOXON_OPTIONS_INIT;
    hpo_pruner *p = (hpo_pruner *)(uintptr_t)1;
    const double bad_p[] = {-0.1, 1.1, NAN, INFINITY, -INFINITY};
    (void)state;
    assert_true(o.p_threshold == 0.1);
    hpo_assert_eq_i64(o.n_startup_steps, 2);
    memset(&o, 0, sizeof(o));
    assert_ok(hpo_wilcoxon_options_init(&o, HPO_WILCOXON_OPTIONS_VERSION));
    assert_true(o.p_threshold == 0.1);
    assert_status(hpo_wilcoxon_options_init(&o, 0), HPO_EVERSION);
    assert_status(hpo_wilcoxon_options_init(&o, 2), HPO_EVERSION);
    assert_msg_has("hpo_wilcoxon_options");
    assert_status(hpo_wilcoxon_options_init(NULL, 1), HPO_EINVAL);
    for (size_t i = 0; i < sizeof(bad_p) / sizeof(bad_p[0]); i++) {
        o.p_threshold = bad_p[i];
        assert_status(hpo_pruner_wilcoxon_new(&p, &o), HPO_EINVAL);
        assert_null(p);
        assert_msg_has("p_threshold");
    }
    o.p_threshold = 0.1;
    o.n_startup_steps = -1;
    assert_status(hpo_pruner_wilcoxon_new(&p, &o), HPO_EINVAL);
    assert_msg_has("n_startup_steps");
    o.n_startup_steps = 0;
    o.version = 7;
    assert_status(hpo_pruner_wilcoxon_new(&p, &o), HPO_EVERSION);
    assert_status(hpo_pruner_wilcoxon_new(NULL, NULL), HPO_EINVAL);
    /* The bounds are valid, and NULL means defaults. */
    o.version = 1;
    o.p_threshold = 0.0;
    assert_ok(hpo_pruner_wilcoxon_new(&p, &o));
    hpo_pruner_free(p);
    o.p_threshold = 1.0;
    assert_ok(hpo_pruner_wilcoxon_new(&p, &o));
    hpo_pruner_free(p);
    assert_ok(hpo_pruner_wilcoxon_new(&p, NULL));
    hpo_pruner_free(p);
}

static void test_wilcoxon_through_optimize(void **state)
{
    const double good[] = {0, 0, 0, 0, 0, 0, 0, 0};
    const double bad[] = {1, 1, 1, 1, 1, 1, 1, 1};
    const curves c = {good, bad, 8};
    hpo_pruner *p = NULL;
    int64_t at[6];
    (void)state;
    /* Trial 0 (all 0) is the best COMPLETE trial, so every bad trial is
     * pruned at its fourth report (p = 1/16 < 0.1). */
    assert_ok(hpo_pruner_wilcoxon_new(&p, NULL));
    optimize_curves(p, HPO_MINIMIZE, &c, 6, at);
    for (int i = 0; i < 6; i++)
        hpo_assert_eq_i64(at[i], i % 2 ? 3 : -1);
    /* Maximizing, trial 1 (all 1) becomes the best; the zeros of trial 2 are
     * pruned at their fourth report, and trials 3 and 5 tie with the best. */
    assert_ok(hpo_pruner_wilcoxon_new(&p, NULL));
    optimize_curves(p, HPO_MAXIMIZE, &c, 6, at);
    hpo_assert_eq_i64(at[0], -1);
    hpo_assert_eq_i64(at[1], -1);
    hpo_assert_eq_i64(at[2], 3);
    hpo_assert_eq_i64(at[3], -1);
    hpo_assert_eq_i64(at[4], 3);
    hpo_assert_eq_i64(at[5], -1);
}

static void test_wilcoxon_study_without_complete(void **state)
{
    hpo_test_env env;
    hpo_pruner *p = NULL;
    const double ones[] = {1, 1, 1, 1, 1};
    (void)state;
    hpo_test_env_open(&env, HPO_MINIMIZE);
    assert_ok(hpo_pruner_wilcoxon_new(&p, NULL));
    assert_ok(hpo_study_set_pruner(env.study, p));
    /* No COMPLETE trial to compare with: never pruned. */
    hpo_assert_eq_i64(run_curve(env.study, ones, 5), -1);
    hpo_test_env_close(&env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_threshold_bounds_and_nan),
            cmocka_unit_test(test_threshold_warmup_and_interval),
            cmocka_unit_test(test_threshold_options),
            cmocka_unit_test(test_threshold_bad_parameters),
            cmocka_unit_test(test_threshold_through_optimize),
            cmocka_unit_test(test_patient_window),
            cmocka_unit_test(test_patient_min_delta_and_direction),
            cmocka_unit_test(test_patient_nan),
            cmocka_unit_test(test_patient_defers_to_wrapped),
            cmocka_unit_test(test_patient_bad_parameters),
            cmocka_unit_test(test_patient_out_of_memory),
            cmocka_unit_test(test_patient_through_optimize),
            cmocka_unit_test(test_wilcoxon_pvalues_match_scipy),
            cmocka_unit_test(test_wilcoxon_pvalue_edges),
            cmocka_unit_test(test_wilcoxon_startup_and_threshold),
            cmocka_unit_test(test_wilcoxon_average_rule),
            cmocka_unit_test(test_wilcoxon_pairs_and_non_finite),
            cmocka_unit_test(test_wilcoxon_options),
            cmocka_unit_test(test_wilcoxon_through_optimize),
            cmocka_unit_test(test_wilcoxon_study_without_complete),
    };
    return HPO_RUN_TESTS("pruners_more", tests);
}
