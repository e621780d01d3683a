/*
 * test_pruners.c - the nop and percentile/median pruners.
 *
 * The percentile rules (optuna.md section 5) are checked one by one on
 * constructed histories through the pure decision in pruners/percentile.h;
 * numpy reference values were computed with numpy 2.4 nanpercentile. The last
 * tests drive the pruner end to end through the public API.
 */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "pruners/percentile.h"
#include "pruners/pruner.h"
#include "support/test_util.h"

/*=========================== helpers ===========================*/

static hpo__percentile_rule
rule_of(double percentile, size_t startup, int64_t warmup, int64_t interval, size_t n_min)
{
    hpo__percentile_rule r = {percentile, startup, warmup, interval, n_min};
    return r;
}

/* A trial's intermediate values from parallel arrays. */
static size_t own_of(hpo__ivalue *own, const int64_t *steps, const double *values, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        own[i].step = steps[i];
        own[i].value = values[i];
    }
    return n;
}

/* Decide on copies, since the decision reorders at_step. */
static bool decide(const hpo__percentile_rule *r,
                   hpo_direction dir,
                   size_t n_complete,
                   const hpo__ivalue *own,
                   size_t n_own,
                   const double *peers,
                   size_t n_peers)
{
    double buf[32];
    assert_true(n_peers <= 32);
    if (n_peers > 0)
        memcpy(buf, peers, n_peers * sizeof(*peers));
    return hpo__percentile_decide(r, dir, n_complete, own, n_own, buf, n_peers);
}

static double pct(const double *v, size_t n, double q)
{
    double buf[32];
    assert_true(n <= 32);
    if (n > 0)
        memcpy(buf, v, n * sizeof(*v));
    return hpo__nanpercentile(buf, n, q);
}

/*=========================== numpy nanpercentile ===========================*/

static void test_nanpercentile_matches_numpy(void **state)
{
    const double a[] = {4, 2, 1, 3};
    const double b[] = {NAN, 3, 1, NAN, 2};
    const double c[] = {0.1, 0.7, 0.2, 0.9, 0.4};
    const double d[] = {1, 2, 3};
    const double e[] = {3.0, 1.0};
    const double f[] = {-INFINITY, 1, 2};
    (void)state;
    assert_true(pct(a, 4, 50) == 2.5);
    assert_true(pct(a, 4, 25) == 1.75);
    assert_true(pct(a, 4, 0) == 1.0);
    assert_true(pct(a, 4, 100) == 4.0);
    assert_true(pct(b, 5, 50) == 2.0);
    /* Exact doubles from numpy (repr). */
    assert_true(pct(c, 5, 33.3) == 0.26639999999999997);
    assert_true(pct(c, 5, 66.7) == 0.6004);
    assert_true(pct(d, 3, 87.5) == 2.75);
    assert_true(pct(e, 2, 75) == 2.5);
    assert_true(pct(f, 3, 50) == 1.0);
    assert_true(pct(d, 1, 50) == 1.0);
}

static void test_nanpercentile_nan_and_inf(void **state)
{
    const double all_nan[] = {NAN, NAN};
    const double two_inf[] = {INFINITY, INFINITY};
    const double one_inf[] = {1, INFINITY};
    const double top_inf[] = {1, 2, INFINITY};
    const double lone_inf[] = {INFINITY};
    const double low_inf[] = {-INFINITY, -INFINITY, 1};
    (void)state;
    assert_true(isnan(pct(all_nan, 2, 50)));
    assert_true(isnan(pct(NULL, 0, 50)));
    /* numpy's lerp gives inf - inf = NaN in all of these. */
    assert_true(isnan(pct(two_inf, 2, 50)));
    assert_true(isnan(pct(one_inf, 2, 50)));
    assert_true(isnan(pct(top_inf, 3, 50)));
    assert_true(isnan(pct(lone_inf, 1, 50)));
    assert_true(isnan(pct(low_inf, 3, 10)));
}

/*=========================== rule 1: startup ===========================*/

static void test_startup_counts_complete_trials(void **state)
{
    hpo__ivalue own[1];
    const int64_t s[] = {0};
    const double v[] = {10.0};
    const double peers[] = {1.0, 2.0, 3.0};
    hpo__percentile_rule r = rule_of(50, 3, 0, 1, 1);
    size_t n = own_of(own, s, v, 1);
    (void)state;
    assert_false(decide(&r, HPO_MINIMIZE, 0, own, n, peers, 0));
    assert_false(decide(&r, HPO_MINIMIZE, 2, own, n, peers, 2));
    assert_true(decide(&r, HPO_MINIMIZE, 3, own, n, peers, 3));
    /* n_startup_trials 0 still needs one complete trial. */
    r = rule_of(50, 0, 0, 1, 1);
    assert_false(decide(&r, HPO_MINIMIZE, 0, own, n, peers, 0));
    assert_true(decide(&r, HPO_MINIMIZE, 1, own, n, peers, 1));
}

/*=========================== rule 2: reports and warm-up ===========================*/

static void test_no_report_and_warmup(void **state)
{
    hpo__ivalue own[3] = {{0, 0.0}};
    const int64_t s[] = {0, 1, 2};
    const double v[] = {10.0, 10.0, 10.0};
    const double peers[] = {1.0};
    hpo__percentile_rule r = rule_of(50, 1, 2, 1, 1);
    int64_t step = -1;
    (void)state;
    assert_false(decide(&r, HPO_MINIMIZE, 1, own, 0, peers, 1));
    assert_false(hpo__percentile_step_gate(&r, own, 0, &step));
    own_of(own, s, v, 3);
    assert_false(decide(&r, HPO_MINIMIZE, 1, own, 1, peers, 1)); /* step 0 < 2 */
    assert_false(decide(&r, HPO_MINIMIZE, 1, own, 2, peers, 1)); /* step 1 < 2 */
    assert_true(decide(&r, HPO_MINIMIZE, 1, own, 3, peers, 1));  /* step 2 == warm-up */
    assert_true(hpo__percentile_step_gate(&r, own, 3, &step));
    hpo_assert_eq_i64(step, 2);
}

/*=========================== rule 3: interval gate ===========================*/

static bool gate(const hpo__percentile_rule *r, const int64_t *steps, size_t n)
{
    hpo__ivalue own[16];
    double v[16];
    int64_t step = -1;
    for (size_t i = 0; i < n; i++)
        v[i] = 1.0;
    own_of(own, steps, v, n);
    return hpo__percentile_step_gate(r, own, n, &step);
}

static void test_interval_gate_nearest_checkpoint(void **state)
{
    /* warm-up 2, interval 3: checkpoints at 2, 5, 8, ... */
    hpo__percentile_rule r = rule_of(50, 1, 2, 3, 1);
    const int64_t a[] = {0, 1, 2};    /* 2 is a checkpoint, first report there */
    const int64_t b[] = {0, 1, 2, 3}; /* 3: checkpoint 2 already checked */
    const int64_t c[] = {2, 3, 4};
    const int64_t d[] = {2, 3, 4, 5};
    const int64_t e[] = {1, 4}; /* jumped over checkpoint 2: check at 4 */
    const int64_t f[] = {3, 6}; /* 6 is the first report at/after 5 */
    const int64_t g[] = {5, 6}; /* 5 was already checked */
    const int64_t h[] = {6, 3}; /* order of reports does not matter */
    const int64_t i[] = {7};    /* a lone report after warm-up */
    (void)state;
    assert_true(gate(&r, a, 3));
    assert_false(gate(&r, b, 4));
    assert_false(gate(&r, c, 3));
    assert_true(gate(&r, d, 4));
    assert_true(gate(&r, e, 2));
    assert_true(gate(&r, f, 2));
    assert_false(gate(&r, g, 2));
    assert_true(gate(&r, h, 2));
    assert_true(gate(&r, i, 1));
    /* interval 1: every step is a checkpoint. */
    r = rule_of(50, 1, 0, 1, 1);
    assert_true(gate(&r, b, 4));
    assert_true(gate(&r, g, 2));
}

/*=========================== rule 4: best over own values ===========================*/

static void test_best_over_all_own_values(void **state)
{
    hpo__ivalue own[3];
    const int64_t s[] = {0, 1};
    const double good_then_bad[] = {1.0, 5.0};
    const double bad_then_worse[] = {4.0, 5.0};
    const double peers[] = {2.0, 3.0, 4.0}; /* median 3 */
    hpo__percentile_rule r = rule_of(50, 1, 0, 1, 1);
    (void)state;
    /* Minimize: the latest value 5 is bad, but the best (1) is below the median. */
    own_of(own, s, good_then_bad, 2);
    assert_false(decide(&r, HPO_MINIMIZE, 3, own, 2, peers, 3));
    own_of(own, s, bad_then_worse, 2);
    assert_true(decide(&r, HPO_MINIMIZE, 3, own, 2, peers, 3));
    /* Maximize: nanmax; 5 beats the median 3 even though 4 came earlier. */
    assert_false(decide(&r, HPO_MAXIMIZE, 3, own, 2, peers, 3));
    own_of(own, s, good_then_bad, 2);
    assert_false(decide(&r, HPO_MAXIMIZE, 3, own, 2, peers, 3));
}

static void test_nan_own_values(void **state)
{
    hpo__ivalue own[3];
    const int64_t s[] = {0, 1, 2};
    const double some_nan[] = {NAN, 5.0, NAN};
    const double all_nan[] = {NAN, NAN, NAN};
    const double peers[] = {2.0, 3.0, 4.0};
    hpo__percentile_rule r = rule_of(50, 1, 0, 1, 3);
    (void)state;
    own_of(own, s, some_nan, 3);
    assert_true(decide(&r, HPO_MINIMIZE, 3, own, 3, peers, 3));  /* nanmin = 5 > 3 */
    assert_false(decide(&r, HPO_MAXIMIZE, 3, own, 3, peers, 3)); /* nanmax = 5 > 3 */
    /* All NaN: prune, before n_min_trials or the peers are even looked at. */
    own_of(own, s, all_nan, 3);
    assert_true(decide(&r, HPO_MINIMIZE, 3, own, 3, peers, 0));
    assert_true(decide(&r, HPO_MAXIMIZE, 3, own, 3, peers, 0));
    /* ...but only when the gates let the check happen. */
    r = rule_of(50, 1, 5, 1, 3);
    assert_false(decide(&r, HPO_MINIMIZE, 3, own, 3, peers, 3));
}

/*=========================== rule 5: peers at the step, n_min_trials ===========================*/

static void test_n_min_trials_counts_nan_peers(void **state)
{
    hpo__ivalue own[1];
    const int64_t s[] = {4};
    const double v[] = {2.0};
    const double peers[] = {NAN, 1.0, 2.0}; /* nanpercentile 50 = 1.5 */
    hpo__percentile_rule r = rule_of(50, 1, 0, 1, 3);
    (void)state;
    own_of(own, s, v, 1);
    assert_false(decide(&r, HPO_MINIMIZE, 5, own, 1, peers, 2)); /* 2 reported < 3 */
    assert_true(decide(&r, HPO_MINIMIZE, 5, own, 1, peers, 3));  /* NaN counts: 3 */
    r = rule_of(50, 1, 0, 1, 4);
    assert_false(decide(&r, HPO_MINIMIZE, 5, own, 1, peers, 3));
}

/*=========================== rule 6: percentile, NaN p ===========================*/

static void test_all_nan_peers_never_prune(void **state)
{
    hpo__ivalue own[1];
    const int64_t s[] = {0};
    const double v[] = {100.0};
    const double peers[] = {NAN, NAN};
    const double inf_peers[] = {1.0, INFINITY}; /* numpy: NaN */
    hpo__percentile_rule r = rule_of(50, 1, 0, 1, 1);
    (void)state;
    own_of(own, s, v, 1);
    assert_false(decide(&r, HPO_MINIMIZE, 2, own, 1, peers, 2));
    assert_false(decide(&r, HPO_MAXIMIZE, 2, own, 1, peers, 2));
    assert_false(decide(&r, HPO_MINIMIZE, 2, own, 1, inf_peers, 2));
}

static void test_percentile_direction(void **state)
{
    hpo__ivalue own[1];
    const int64_t s[] = {3};
    const double peers[] = {5.0, 1.0, 4.0, 2.0, 3.0};
    hpo__percentile_rule r = rule_of(25, 1, 0, 1, 1);
    double v;
    (void)state;
    /* Minimize, percentile 25: p = 2. */
    v = 2.1;
    own_of(own, s, &v, 1);
    assert_true(decide(&r, HPO_MINIMIZE, 5, own, 1, peers, 5));
    v = 1.9;
    own_of(own, s, &v, 1);
    assert_false(decide(&r, HPO_MINIMIZE, 5, own, 1, peers, 5));
    /* Maximize, percentile 25: q = 75, p = 4. */
    v = 3.9;
    own_of(own, s, &v, 1);
    assert_true(decide(&r, HPO_MAXIMIZE, 5, own, 1, peers, 5));
    v = 4.1;
    own_of(own, s, &v, 1);
    assert_false(decide(&r, HPO_MAXIMIZE, 5, own, 1, peers, 5));
    /* Percentile 0 prunes anything worse than the best peer: p = 1 when
     * minimizing, p = 5 (q = 100) when maximizing. */
    r = rule_of(0, 1, 0, 1, 1);
    v = 1.5;
    own_of(own, s, &v, 1);
    assert_true(decide(&r, HPO_MINIMIZE, 5, own, 1, peers, 5));
    assert_true(decide(&r, HPO_MAXIMIZE, 5, own, 1, peers, 5));
    v = 5.0;
    own_of(own, s, &v, 1);
    assert_false(decide(&r, HPO_MAXIMIZE, 5, own, 1, peers, 5));
    v = 1.0;
    own_of(own, s, &v, 1);
    assert_false(decide(&r, HPO_MINIMIZE, 5, own, 1, peers, 5));
}

/*=========================== rule 7: strict comparison ===========================*/

static void test_strict_comparison(void **state)
{
    hpo__ivalue own[1];
    const int64_t s[] = {0};
    const double peers[] = {1.0, 2.0, 3.0};
    hpo__percentile_rule r = rule_of(50, 1, 0, 1, 1);
    double v = 2.0;
    (void)state;
    own_of(own, s, &v, 1);
    assert_false(decide(&r, HPO_MINIMIZE, 3, own, 1, peers, 3));
    assert_false(decide(&r, HPO_MAXIMIZE, 3, own, 1, peers, 3));
    v = nextafter(2.0, 3.0);
    own_of(own, s, &v, 1);
    assert_true(decide(&r, HPO_MINIMIZE, 3, own, 1, peers, 3));
    v = nextafter(2.0, 1.0);
    own_of(own, s, &v, 1);
    assert_true(decide(&r, HPO_MAXIMIZE, 3, own, 1, peers, 3));
    /* ±inf in the trial's own values compare like numbers. */
    v = INFINITY;
    own_of(own, s, &v, 1);
    assert_true(decide(&r, HPO_MINIMIZE, 3, own, 1, peers, 3));
    assert_false(decide(&r, HPO_MAXIMIZE, 3, own, 1, peers, 3));
}

/*=========================== construction and options ===========================*/

static void test_options_versions(void **state)
{
    hpo_percentile_options o;
    hpo_pruner *p = NULL;
    (void)state;
    assert_ok(hpo_percentile_options_init(&o, HPO_PERCENTILE_OPTIONS_VERSION));
    hpo_assert_eq_i64(o.version, 1);
    hpo_assert_eq_i64(o.n_startup_trials, 5);
    hpo_assert_eq_i64(o.n_warmup_steps, 0);
    hpo_assert_eq_i64(o.interval_steps, 1);
    hpo_assert_eq_i64(o.n_min_trials, 1);
    assert_status(hpo_percentile_options_init(&o, 0), HPO_EVERSION);
    assert_msg_has("version 0");
    assert_status(hpo_percentile_options_init(&o, HPO_PERCENTILE_OPTIONS_VERSION + 1),
                  HPO_EVERSION);
    assert_status(hpo_percentile_options_init(NULL, 1), HPO_EINVAL);
    o.version = 0;
    assert_status(hpo_pruner_median_new(&p, &o), HPO_EVERSION);
    assert_null(p);
    o.version = 7;
    assert_status(hpo_pruner_percentile_new(&p, 10, &o), HPO_EVERSION);
    assert_msg_has("version 7");
    assert_null(p);
}

static void test_argument_validation(void **state)
{
    hpo_percentile_options o = HPO_PERCENTILE_OPTIONS_INIT;
    hpo_pruner *p = NULL;
    (void)state;
    assert_status(hpo_pruner_percentile_new(&p, -0.5, NULL), HPO_EINVAL);
    assert_msg_has("percentile (-0.5)");
    assert_status(hpo_pruner_percentile_new(&p, 100.5, NULL), HPO_EINVAL);
    assert_msg_has("100.5");
    assert_status(hpo_pruner_percentile_new(&p, NAN, NULL), HPO_EINVAL);
    assert_msg_has("percentile");
    assert_null(p);
    o.n_warmup_steps = -1;
    assert_status(hpo_pruner_median_new(&p, &o), HPO_EINVAL);
    assert_msg_has("n_warmup_steps (-1)");
    o.n_warmup_steps = 0;
    o.interval_steps = 0;
    assert_status(hpo_pruner_median_new(&p, &o), HPO_EINVAL);
    assert_msg_has("interval_steps (0)");
    o.interval_steps = 1;
    o.n_min_trials = 0;
    assert_status(hpo_pruner_median_new(&p, &o), HPO_EINVAL);
    assert_msg_has("n_min_trials (0)");
    assert_null(p);
    assert_status(hpo_pruner_median_new(NULL, NULL), HPO_EINVAL);
    assert_status(hpo_pruner_nop_new(NULL), HPO_EINVAL);
    /* The bounds themselves are valid. */
    assert_ok(hpo_pruner_percentile_new(&p, 0.0, NULL));
    hpo_pruner_free(p);
    assert_ok(hpo_pruner_percentile_new(&p, 100.0, NULL));
    hpo_pruner_free(p);
    o.n_min_trials = 1;
    o.n_startup_trials = 0;
    assert_ok(hpo_pruner_median_new(&p, &o));
    hpo_pruner_free(p);
    hpo_pruner_free(NULL);
}

static void test_out_of_memory(void **state)
{
    hpo_pruner *p = NULL;
    (void)state;
    /* Fail each allocation in turn; ASan shows that nothing leaks. */
    for (long k = 0; k < 2; k++) {
        hpo__fail_alloc_after(k);
        assert_status(hpo_pruner_median_new(&p, NULL), HPO_ENOMEM);
        assert_null(p);
        hpo_assert_eq_i64(hpo__failed_allocs(), 1);
    }
    hpo__fail_alloc_after(0);
    assert_status(hpo_pruner_nop_new(&p), HPO_ENOMEM);
    assert_null(p);
    hpo__fail_alloc_after(-1);
    assert_ok(hpo_pruner_median_new(&p, NULL));
    hpo_pruner_free(p);
}

/*=========================== end to end ===========================*/

/* Start a trial, report values at steps 0.., asking should_prune after each;
 * returns the first step at which the pruner said yes, or -1. */
static int64_t run_curve(hpo_study *study, const double *curve, size_t n, bool finish)
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
    if (pruned_at >= 0 || !finish)
        assert_ok(hpo_study_tell(study, t, HPO_TRIAL_PRUNED, NULL, 0));
    else
        assert_ok(hpo_study_tell(study, t, HPO_TRIAL_COMPLETE, &curve[n - 1], 1));
    hpo_trial_free(t);
    return pruned_at;
}

static void test_median_end_to_end_minimize(void **state)
{
    hpo_test_env env;
    hpo_pruner *p = NULL;
    hpo_percentile_options o = HPO_PERCENTILE_OPTIONS_INIT;
    const double c0[] = {1.0, 0.5, 0.2};
    const double c1[] = {2.0, 1.0, 0.4};
    const double bad[] = {5.0, 4.0, 3.0};
    const double late[] = {1.2, 0.6, 0.35};
    const double good[] = {0.9, 0.4, 0.1};
    hpo_frozen_trial **trials = NULL;
    size_t n = 0;
    (void)state;
    o.n_startup_trials = 2;
    hpo_test_env_open(&env, HPO_MINIMIZE);
    assert_ok(hpo_pruner_median_new(&p, &o));
    assert_ok(hpo_study_set_pruner(env.study, p));
    /* Startup: nothing is pruned until two trials are COMPLETE. */
    hpo_assert_eq_i64(run_curve(env.study, bad, 3, true), -1);
    hpo_assert_eq_i64(run_curve(env.study, c0, 3, true), -1);
    /* Peers at step 0: {5, 1}, median 3. */
    hpo_assert_eq_i64(run_curve(env.study, c1, 3, true), -1);
    /* Now three complete: step 0 {5, 1, 2} median 2; 5 > 2. */
    hpo_assert_eq_i64(run_curve(env.study, bad, 3, true), 0);
    /* step 0: 1.2 < 2; step 1 {4, .5, 1} median 1: best .6 < 1; step 2 {3, .2, .4}
     * median .4: best .35 passes. */
    hpo_assert_eq_i64(run_curve(env.study, late, 3, true), -1);
    hpo_assert_eq_i64(run_curve(env.study, good, 3, true), -1);
    assert_ok(hpo_study_get_trials(env.study, HPO_STATES(HPO_TRIAL_PRUNED), &trials, &n));
    hpo_assert_eq_i64(n, 1);
    hpo_assert_eq_i64(hpo_frozen_trial_number(trials[0]), 3);
    hpo_frozen_trials_free(trials, n);
    hpo_test_env_close(&env);
}

static void test_pruned_trials_do_not_count(void **state)
{
    hpo_test_env env;
    hpo_pruner *p = NULL;
    hpo_percentile_options o = HPO_PERCENTILE_OPTIONS_INIT;
    const double good[] = {10.0, 20.0};
    const double bad[] = {1.0, 2.0};
    (void)state;
    o.n_startup_trials = 2;
    hpo_test_env_open(&env, HPO_MAXIMIZE);
    assert_ok(hpo_pruner_median_new(&p, &o));
    assert_ok(hpo_study_set_pruner(env.study, p));
    hpo_assert_eq_i64(run_curve(env.study, good, 2, true), -1);
    /* Finished as PRUNED without being pruned: not a COMPLETE trial. */
    hpo_assert_eq_i64(run_curve(env.study, good, 2, false), -1);
    /* Only one COMPLETE trial < n_startup_trials 2: the bad curve survives. */
    hpo_assert_eq_i64(run_curve(env.study, bad, 2, true), -1);
    /* Two complete now (10 and 1 at step 0, median 5.5 when maximizing). */
    hpo_assert_eq_i64(run_curve(env.study, bad, 2, true), 0);
    hpo_test_env_close(&env);
}

/* Odd-numbered trials report a bad curve (10, 11, 12), even ones a good one. */
static int alternating_objective(hpo_trial *t, double *values, void *payload)
{
    double base = hpo_trial_number(t) % 2 ? 10.0 : 1.0;
    (void)payload;
    for (int64_t step = 0; step < 3; step++) {
        bool prune = false;
        int rc = hpo_trial_report(t, base + (double)step, step);
        if (rc == HPO_OK)
            rc = hpo_trial_should_prune(t, &prune);
        if (rc != HPO_OK)
            return rc;
        if (prune)
            return HPO_EPRUNED;
    }
    values[0] = base;
    return HPO_OK;
}

static void test_median_through_optimize(void **state)
{
    hpo_test_env env;
    hpo_pruner *p = NULL;
    hpo_sampler *s = NULL;
    hpo_percentile_options o = HPO_PERCENTILE_OPTIONS_INIT;
    hpo_optimize_options opt = HPO_OPTIMIZE_OPTIONS_INIT;
    hpo_frozen_trial **trials = NULL;
    size_t n = 0;
    (void)state;
    o.n_startup_trials = 2;
    opt.n_trials = 8;
    hpo_test_env_open(&env, HPO_MINIMIZE);
    assert_ok(hpo_pruner_median_new(&p, &o));
    assert_ok(hpo_study_set_pruner(env.study, p));
    assert_ok(hpo_sampler_random_new(&s, 1));
    assert_ok(hpo_study_set_sampler(env.study, s));
    assert_ok(hpo_study_optimize(env.study, alternating_objective, NULL, &opt));
    /* Trial 1 survives the startup (one COMPLETE trial); from trial 3 on, the
     * median at step 0 is 1 and every bad curve stops there. */
    assert_ok(hpo_study_get_trials(env.study, HPO_STATES_ALL, &trials, &n));
    hpo_assert_eq_i64(n, 8);
    for (size_t i = 0; i < n; i++) {
        bool want_pruned = i >= 3 && i % 2 == 1;
        hpo_assert_eq_i64(hpo_frozen_trial_state(trials[i]),
                          want_pruned ? HPO_TRIAL_PRUNED : HPO_TRIAL_COMPLETE);
        hpo_assert_eq_i64(hpo_frozen_trial_n_intermediate(trials[i]), want_pruned ? 1 : 3);
    }
    hpo_frozen_trials_free(trials, n);
    hpo_test_env_close(&env);
}

static void test_nop_never_prunes(void **state)
{
    hpo_test_env env;
    hpo_pruner *p = NULL;
    const double c[] = {1.0, 2.0};
    const double nan_curve[] = {NAN, NAN};
    (void)state;
    hpo_test_env_open(&env, HPO_MINIMIZE);
    assert_ok(hpo_pruner_nop_new(&p));
    assert_ok(hpo_study_set_pruner(env.study, p));
    for (int i = 0; i < 6; i++)
        hpo_assert_eq_i64(run_curve(env.study, c, 2, true), -1);
    hpo_assert_eq_i64(run_curve(env.study, nan_curve, 2, false), -1);
    hpo_test_env_close(&env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_nanpercentile_matches_numpy),
            cmocka_unit_test(test_nanpercentile_nan_and_inf),
            cmocka_unit_test(test_startup_counts_complete_trials),
            cmocka_unit_test(test_no_report_and_warmup),
            cmocka_unit_test(test_interval_gate_nearest_checkpoint),
            cmocka_unit_test(test_best_over_all_own_values),
            cmocka_unit_test(test_nan_own_values),
            cmocka_unit_test(test_n_min_trials_counts_nan_peers),
            cmocka_unit_test(test_all_nan_peers_never_prune),
            cmocka_unit_test(test_percentile_direction),
            cmocka_unit_test(test_strict_comparison),
            cmocka_unit_test(test_options_versions),
            cmocka_unit_test(test_argument_validation),
            cmocka_unit_test(test_out_of_memory),
            cmocka_unit_test(test_median_end_to_end_minimize),
            cmocka_unit_test(test_pruned_trials_do_not_count),
            cmocka_unit_test(test_median_through_optimize),
            cmocka_unit_test(test_nop_never_prunes),
    };
    return HPO_RUN_TESTS("pruners", tests);
}
