/*
 * test_sha_hyperband.c - the successive halving and Hyperband pruners.
 *
 * The successive halving cases replay Optuna's own tests
 * (tests/pruners_tests/test_successive_halving.py) through the public API and
 * read the completed_rung_<k> attributes back from storage. Bracket counts,
 * budgets and bracket ids were computed with Optuna 5.0.0 (HyperbandPruner's
 * _try_initialization and _get_bracket_id). tests/interop/prune_crosscheck.py
 * compares thousands of random histories against Optuna itself.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/error.h"
#include "pruners/pruner.h"
#include "pruners/sha.h"
#include "samplers/sampler.h"
#include "study.h"
#include "support/test_util.h"

/*=========================== helpers ===========================*/

static hpo_pruner *sha_new(int64_t min_resource, int64_t rf, int64_t rate, int64_t bootstrap)
{
    hpo_successive_halving_options o = HPO_SUCCESSIVE_HALVING_OPTIONS_INIT;
    hpo_pruner *p = NULL;
    o.min_resource = min_resource;
    o.reduction_factor = rf;
    o.min_early_stopping_rate = rate;
    o.bootstrap_count = bootstrap;
    assert_ok(hpo_pruner_successive_halving_new(&p, &o));
    return p;
}

static hpo_pruner *hb_new(int64_t min_resource, int64_t max_resource, int64_t rf, bool filter)
{
    hpo_hyperband_options o = HPO_HYPERBAND_OPTIONS_INIT;
    hpo_pruner *p = NULL;
    o.min_resource = min_resource;
    o.max_resource = max_resource;
    o.reduction_factor = rf;
    o.filter_sampler = filter;
    assert_ok(hpo_pruner_hyperband_new(&p, &o));
    return p;
}

static void open_with(hpo_test_env *env, hpo_direction dir, hpo_pruner *p)
{
    hpo_sampler *s = NULL;
    hpo_test_env_open(env, dir);
    assert_ok(hpo_sampler_random_new(&s, 1));
    assert_ok(hpo_study_set_sampler(env->study, s));
    assert_ok(hpo_study_set_pruner(env->study, p));
}

static bool report_prune(hpo_trial *t, double value, int64_t step)
{
    bool prune = false;
    assert_ok(hpo_trial_report(t, value, step));
    assert_ok(hpo_trial_should_prune(t, &prune));
    return prune;
}

/* The highest k with completed_rung_<k> stored for trial t, or -1. */
static int top_rung(hpo_study *study, const hpo_trial *t)
{
    hpo_frozen_trial *ft = NULL;
    char key[48];
    int k = 0;
    assert_ok(hpo_study_get_trial(study, hpo_trial_number(t), &ft));
    for (;; k++) {
        snprintf(key, sizeof(key), "completed_rung_%d", k);
        if (hpo_frozen_trial_system_attr(ft, key) == NULL)
            break;
    }
    hpo_frozen_trial_free(ft);
    return k - 1;
}

static void finish(hpo_study *study, hpo_trial *t, hpo_trial_state state, double v)
{
    assert_ok(hpo_study_tell(study, t, state, state == HPO_TRIAL_COMPLETE ? &v : NULL,
                             state == HPO_TRIAL_COMPLETE ? 1 : 0));
    hpo_trial_free(t);
}

/*=========================== the pure rule ===========================*/

static void test_promotable_rule(void **state)
{
    double a[] = {0.3, 0.1, 0.2};
    double b[] = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8};
    double c[] = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8};
    double d[] = {0.5, 0.5};
    (void)state;
    /* Fewer values than rf: only the best goes on. */
    assert_true(hpo__sha_promotable(0.1, a, 3, 4, HPO_MINIMIZE));
    assert_false(hpo__sha_promotable(0.2, a, 3, 4, HPO_MINIMIZE));
    assert_true(hpo__sha_promotable(0.3, a, 3, 4, HPO_MAXIMIZE));
    /* 8 values, rf 2: the 4th smallest (0.4) is the bar, inclusive. */
    assert_true(hpo__sha_promotable(0.4, b, 8, 2, HPO_MINIMIZE));
    assert_false(hpo__sha_promotable(0.5, b, 8, 2, HPO_MINIMIZE));
    /* Maximize mirrors it: the 4th largest (0.5). */
    assert_true(hpo__sha_promotable(0.5, c, 8, 2, HPO_MAXIMIZE));
    assert_false(hpo__sha_promotable(0.4, c, 8, 2, HPO_MAXIMIZE));
    /* Ties pass. */
    assert_true(hpo__sha_promotable(0.5, d, 2, 2, HPO_MINIMIZE));
}

static void test_rung_steps(void **state)
{
    hpo__sha s = {2, 3, 1, 0};
    int64_t step = 0;
    (void)state;
    assert_true(hpo__sha_rung_step(&s, 0, &step));
    hpo_assert_eq_i64(step, 6);
    assert_true(hpo__sha_rung_step(&s, 2, &step));
    hpo_assert_eq_i64(step, 54);
    /* Past INT64_MAX the rung is simply never reached. */
    assert_false(hpo__sha_rung_step(&s, 60, &step));
}

static void test_crc32_matches_binascii(void **state)
{
    (void)state;
    hpo_assert_eq_i64(hpo__crc32("123456789", 9), 3421780262u);
    hpo_assert_eq_i64(hpo__crc32("test_0", 6), 1093380224u);
    hpo_assert_eq_i64(hpo__crc32("\xc3\xa9_\xe4\xb8\xad", 6), 3799493683u);
    hpo_assert_eq_i64(hpo__crc32("", 0), 0);
}

/*=========================== successive halving (Optuna's tests) ===========================*/

static void intermediate_values_case(hpo_direction dir, double second)
{
    hpo_test_env env;
    hpo_trial *t1 = NULL, *t2 = NULL;
    bool prune = true;
    open_with(&env, dir, sha_new(1, 2, 0, 0));
    assert_ok(hpo_study_ask(env.study, &t1));
    /* The first trial is never pruned. */
    assert_false(report_prune(t1, 1.0, 1));
    assert_ok(hpo_study_ask(env.study, &t2));
    /* No report yet: nothing to decide. */
    assert_ok(hpo_trial_should_prune(t2, &prune));
    assert_false(prune);
    /* Worse than trial 1 at rung 0 (step 1). */
    assert_true(report_prune(t2, second, 1));
    finish(env.study, t1, HPO_TRIAL_COMPLETE, 1.0);
    finish(env.study, t2, HPO_TRIAL_PRUNED, 0);
    hpo_test_env_close(&env);
}

static void test_intermediate_values(void **state)
{
    (void)state;
    intermediate_values_case(HPO_MINIMIZE, 2.0);
    intermediate_values_case(HPO_MAXIMIZE, 0.5);
}

static void test_rung_check(void **state)
{
    hpo_test_env env;
    hpo_trial *t = NULL;
    (void)state;
    open_with(&env, HPO_MINIMIZE, sha_new(1, 2, 0, 0));
    /* Seven trials at step 7 (rungs at steps 1, 2, 4). */
    for (int i = 0; i < 7; i++) {
        assert_ok(hpo_study_ask(env.study, &t));
        (void)report_prune(t, 0.1 * (i + 1), 7);
        finish(env.study, t, HPO_TRIAL_COMPLETE, 0.1 * (i + 1));
    }
    /* 0.75 is the worst of eight at rung 0: stopped there. */
    assert_ok(hpo_study_ask(env.study, &t));
    assert_true(report_prune(t, 0.75, 7));
    hpo_assert_eq_i64(top_rung(env.study, t), 0);
    finish(env.study, t, HPO_TRIAL_PRUNED, 0);
    /* 0.25, third from the bottom: passes rung 0, stops at rung 1. */
    assert_ok(hpo_study_ask(env.study, &t));
    assert_true(report_prune(t, 0.25, 7));
    hpo_assert_eq_i64(top_rung(env.study, t), 1);
    finish(env.study, t, HPO_TRIAL_PRUNED, 0);
    /* The lowest value climbs all three rungs up to step 7. */
    assert_ok(hpo_study_ask(env.study, &t));
    assert_false(report_prune(t, 0.05, 7));
    hpo_assert_eq_i64(top_rung(env.study, t), 2);
    finish(env.study, t, HPO_TRIAL_COMPLETE, 0.05);
    hpo_test_env_close(&env);
}

static void test_first_trial_climbs(void **state)
{
    hpo_test_env env;
    hpo_trial *t = NULL;
    hpo_frozen_trial *ft = NULL;
    (void)state;
    open_with(&env, HPO_MINIMIZE, sha_new(1, 2, 0, 0));
    assert_ok(hpo_study_ask(env.study, &t));
    for (int64_t i = 0; i < 10; i++)
        assert_false(report_prune(t, 1.0, i));
    /* Rungs end at steps 1, 2, 4, 8. */
    hpo_assert_eq_i64(top_rung(env.study, t), 3);
    /* The value is stored as Python's json.dumps writes a float. */
    assert_ok(hpo_study_get_trial(env.study, 0, &ft));
    assert_string_equal(hpo_frozen_trial_system_attr(ft, "completed_rung_3"), "1.0");
    hpo_frozen_trial_free(ft);
    finish(env.study, t, HPO_TRIAL_COMPLETE, 1.0);
    hpo_test_env_close(&env);
}

static void test_nan_prunes_only_at_a_rung(void **state)
{
    hpo_test_env env;
    hpo_trial *t = NULL;
    (void)state;
    open_with(&env, HPO_MINIMIZE, sha_new(2, 2, 0, 0));
    assert_ok(hpo_study_ask(env.study, &t));
    assert_false(report_prune(t, NAN, 1));
    assert_true(report_prune(t, NAN, 2));
    /* NaN is never written as a rung value. */
    hpo_assert_eq_i64(top_rung(env.study, t), -1);
    finish(env.study, t, HPO_TRIAL_PRUNED, 0);
    hpo_test_env_close(&env);
}

/* Rung 0 ends at resource_step and rung 1 at resource_step * rf. */
static void rung_steps_case(hpo_pruner *p, int64_t rung0, int64_t rung1)
{
    hpo_test_env env;
    hpo_trial *t = NULL;
    open_with(&env, HPO_MINIMIZE, p);
    assert_ok(hpo_study_ask(env.study, &t));
    for (int64_t s = 1; s <= rung1; s++) {
        assert_false(report_prune(t, 1.0, s));
        hpo_assert_eq_i64(top_rung(env.study, t), s < rung0 ? -1 : s < rung1 ? 0 : 1);
    }
    finish(env.study, t, HPO_TRIAL_COMPLETE, 1.0);
    hpo_test_env_close(&env);
}

static void test_parameters_place_the_rungs(void **state)
{
    (void)state;
    rung_steps_case(sha_new(1, 2, 0, 0), 1, 2);
    rung_steps_case(sha_new(2, 2, 0, 0), 2, 4);
    rung_steps_case(sha_new(1, 3, 0, 0), 1, 3);
    rung_steps_case(sha_new(1, 2, 1, 0), 2, 4);
    rung_steps_case(sha_new(3, 4, 1, 0), 12, 48);
}

static void test_bootstrap_count(void **state)
{
    hpo_test_env env;
    hpo_trial *t1 = NULL, *t2 = NULL, *t3 = NULL;
    (void)state;
    open_with(&env, HPO_MINIMIZE, sha_new(1, 2, 0, 1));
    assert_ok(hpo_study_ask(env.study, &t1));
    assert_ok(hpo_study_ask(env.study, &t2));
    /* Alone at the rung, with bootstrap_count 1: pruned. */
    assert_true(report_prune(t1, 1.0, 1));
    /* Two values now: the tie is promoted. */
    assert_false(report_prune(t2, 1.0, 1));
    assert_ok(hpo_study_ask(env.study, &t3));
    assert_true(report_prune(t3, 1.5, 1));
    finish(env.study, t1, HPO_TRIAL_PRUNED, 0);
    finish(env.study, t2, HPO_TRIAL_COMPLETE, 1.0);
    finish(env.study, t3, HPO_TRIAL_PRUNED, 0);
    hpo_test_env_close(&env);
}

static void test_maximize_rung_check(void **state)
{
    hpo_test_env env;
    hpo_trial *t = NULL;
    (void)state;
    open_with(&env, HPO_MAXIMIZE, sha_new(1, 2, 0, 0));
    for (int i = 0; i < 7; i++) {
        assert_ok(hpo_study_ask(env.study, &t));
        (void)report_prune(t, 1.0 - 0.1 * (i + 1), 7);
        finish(env.study, t, HPO_TRIAL_COMPLETE, 1.0 - 0.1 * (i + 1));
    }
    assert_ok(hpo_study_ask(env.study, &t));
    assert_true(report_prune(t, 0.25, 7));
    hpo_assert_eq_i64(top_rung(env.study, t), 0);
    finish(env.study, t, HPO_TRIAL_PRUNED, 0);
    assert_ok(hpo_study_ask(env.study, &t));
    assert_false(report_prune(t, 0.95, 7));
    hpo_assert_eq_i64(top_rung(env.study, t), 2);
    finish(env.study, t, HPO_TRIAL_COMPLETE, 0.95);
    hpo_test_env_close(&env);
}

static void test_min_resource_auto(void **state)
{
    hpo_test_env env;
    hpo_trial *t = NULL;
    (void)state;
    open_with(&env, HPO_MINIMIZE, sha_new(0, 4, 0, 0));
    /* Nothing is COMPLETE: "auto" cannot be sized, nothing is written. */
    assert_ok(hpo_study_ask(env.study, &t));
    for (int64_t s = 0; s < 250; s++)
        assert_false(report_prune(t, 1.0, s));
    hpo_assert_eq_i64(top_rung(env.study, t), -1);
    finish(env.study, t, HPO_TRIAL_COMPLETE, 1.0);
    /* Last step 249 // 100 = 2: rung 0 ends at step 2, rung 1 at 8. */
    assert_ok(hpo_study_ask(env.study, &t));
    assert_false(report_prune(t, 5.0, 1));
    hpo_assert_eq_i64(top_rung(env.study, t), -1);
    assert_false(report_prune(t, 5.0, 2)); /* alone at the rung */
    hpo_assert_eq_i64(top_rung(env.study, t), 0);
    finish(env.study, t, HPO_TRIAL_COMPLETE, 5.0);
    assert_ok(hpo_study_ask(env.study, &t));
    assert_true(report_prune(t, 6.0, 2));
    finish(env.study, t, HPO_TRIAL_PRUNED, 0);
    /* Resolved once: a longer completed trial does not change it. */
    assert_ok(hpo_study_ask(env.study, &t));
    for (int64_t s = 0; s < 1000; s += 100)
        (void)report_prune(t, 0.5, s);
    finish(env.study, t, HPO_TRIAL_COMPLETE, 0.5);
    assert_ok(hpo_study_ask(env.study, &t));
    assert_false(report_prune(t, 0.1, 2));
    hpo_assert_eq_i64(top_rung(env.study, t), 0);
    finish(env.study, t, HPO_TRIAL_COMPLETE, 0.1);
    hpo_test_env_close(&env);
}

/* The decision reads only storage: a second handle (its own pruner) sees the
 * rung values the first one wrote. */
static void test_state_is_in_storage(void **state)
{
    hpo_test_env env;
    hpo_study *other = NULL;
    hpo_trial *t = NULL;
    (void)state;
    open_with(&env, HPO_MINIMIZE, sha_new(1, 2, 0, 0));
    for (int i = 0; i < 4; i++) {
        assert_ok(hpo_study_ask(env.study, &t));
        (void)report_prune(t, 0.1 * (i + 1), 1);
        finish(env.study, t, HPO_TRIAL_COMPLETE, 0.1 * (i + 1));
    }
    assert_ok(hpo_study_load(&other, env.storage, "test", NULL));
    assert_ok(hpo_study_set_pruner(other, sha_new(1, 2, 0, 0)));
    assert_ok(hpo_study_ask(other, &t));
    /* Five values {.1 .2 .3 .4 .35}: the bar is the 2nd smallest. */
    assert_true(report_prune(t, 0.35, 1));
    finish(other, t, HPO_TRIAL_PRUNED, 0);
    hpo_study_free(other);
    hpo_test_env_close(&env);
}

/*=========================== hyperband ===========================*/

static void brackets_case(int64_t lo, int64_t hi, int64_t rf, size_t n, const uint64_t *budgets)
{
    hpo_pruner *p = hb_new(lo, hi, rf, true);
    hpo_assert_eq_i64(hpo__hyperband_n_brackets(p), n);
    for (size_t b = 0; b < n; b++)
        hpo_assert_eq_i64(hpo__hyperband_budget(p, b), budgets[b]);
    hpo_pruner_free(p);
}

static void test_bracket_budgets(void **state)
{
    const uint64_t b16[] = {16, 10, 7, 5, 5};
    const uint64_t b100[] = {81, 34, 15, 8, 5};
    const uint64_t b9[] = {9, 5, 3};
    const uint64_t b81[] = {27, 12, 6, 4};
    const uint64_t b1[] = {1};
    const uint64_t b1000[] = {100, 15, 3};
    (void)state;
    brackets_case(1, 16, 2, 5, b16);
    brackets_case(1, 100, 3, 5, b100);
    brackets_case(1, 9, 3, 3, b9);
    brackets_case(2, 81, 3, 4, b81);
    brackets_case(1, 1, 3, 1, b1);
    /* log(1000) / log(10) is 2.9999999999999996 in doubles, in Python as here. */
    brackets_case(1, 1000, 10, 3, b1000);
}

/* Optuna 5.0.0: _get_bracket_id for numbers 0..19 with (1, 16, 2). */
static const long BRACKETS_TEST[20] = {0, 1, 1, 2, 0, 0, 0, 3, 0, 2, 1, 0, 1, 3, 0, 0, 2, 0, 4, 2};
static const long BRACKETS_HB[20] = {3, 3, 2, 2, 1, 1, 0, 0, 1, 0, 2, 0, 0, 0, 1, 0, 4, 3, 1, 1};

static void test_bracket_ids_match_optuna(void **state)
{
    hpo_pruner *p = hb_new(1, 16, 2, true);
    (void)state;
    for (int64_t i = 0; i < 20; i++) {
        hpo_assert_eq_i64(hpo__hyperband_bracket(p, "test", i), BRACKETS_TEST[i]);
        hpo_assert_eq_i64(hpo__hyperband_bracket(p, "hb-study", i), BRACKETS_HB[i]);
    }
    hpo_pruner_free(p);
}

/* Two handles, then a reopened SQLite file: the same trial, the same bracket. */
static void test_bracket_stable_across_handles(void **state)
{
    char path[] = "/tmp/hpo-test-hb-XXXXXX", url[64];
    hpo_storage *st = NULL;
    hpo_study *a = NULL, *b = NULL;
    hpo_pruner *pa = hb_new(1, 16, 2, true), *pb = hb_new(1, 16, 2, true);
    hpo_trial *t = NULL;
    int fd = mkstemp(path);
    (void)state;
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    snprintf(url, sizeof(url), "sqlite:///%s", path);
    assert_ok(hpo_storage_open(&st, url));
    assert_ok(hpo_study_create(&a, st, "hb-study", NULL, 0, NULL));
    for (int i = 0; i < 3; i++) {
        assert_ok(hpo_study_ask(a, &t));
        finish(a, t, HPO_TRIAL_COMPLETE, 1.0);
    }
    hpo_study_free(a);
    hpo_storage_free(st);
    assert_ok(hpo_storage_open(&st, url));
    assert_ok(hpo_study_load(&a, st, "hb-study", NULL));
    assert_ok(hpo_study_load(&b, st, "hb-study", NULL));
    for (int64_t i = 0; i < 20; i++) {
        long x = hpo__hyperband_bracket(pa, hpo_study_name(a), i);
        hpo_assert_eq_i64(x, hpo__hyperband_bracket(pb, hpo_study_name(b), i));
        hpo_assert_eq_i64(x, BRACKETS_HB[i]);
    }
    hpo_study_free(a);
    hpo_study_free(b);
    hpo_storage_free(st);
    hpo_pruner_free(pa);
    hpo_pruner_free(pb);
    unlink(path);
}

/* Each bracket ranks only its own trials: bracket 0 of (1, 16, 2) has rungs at
 * 1, 2, 4...; a bracket-3 trial's first rung is at step 8. */
static void test_brackets_compete_apart(void **state)
{
    hpo_test_env env;
    hpo_trial *t = NULL;
    (void)state;
    open_with(&env, HPO_MINIMIZE, hb_new(1, 16, 2, true));
    /* Trial 0 (bracket 0) sets a low bar at step 1. */
    assert_ok(hpo_study_ask(env.study, &t));
    assert_false(report_prune(t, 0.1, 1));
    finish(env.study, t, HPO_TRIAL_COMPLETE, 0.1);
    /* Trial 1 (bracket 1, first rung at 2): alone there, kept despite 0.9. */
    assert_ok(hpo_study_ask(env.study, &t));
    assert_false(report_prune(t, 0.9, 1));
    assert_false(report_prune(t, 0.9, 2));
    hpo_assert_eq_i64(top_rung(env.study, t), 0);
    finish(env.study, t, HPO_TRIAL_COMPLETE, 0.9);
    /* Trial 2 (bracket 1): worse than trial 1 at its rung, pruned. */
    assert_ok(hpo_study_ask(env.study, &t));
    assert_true(report_prune(t, 1.0, 2));
    finish(env.study, t, HPO_TRIAL_PRUNED, 0);
    /* Trial 3 (bracket 2, first rung at 4): alone, kept. */
    assert_ok(hpo_study_ask(env.study, &t));
    assert_false(report_prune(t, 5.0, 4));
    finish(env.study, t, HPO_TRIAL_COMPLETE, 5.0);
    /* Trial 4 (bracket 0): 0.5 > 0.1 at rung 0. */
    assert_ok(hpo_study_ask(env.study, &t));
    assert_true(report_prune(t, 0.5, 1));
    finish(env.study, t, HPO_TRIAL_PRUNED, 0);
    hpo_test_env_close(&env);
}

static void test_hyperband_auto_max_resource(void **state)
{
    hpo_test_env env;
    hpo_pruner *p = hb_new(1, 0, 2, true);
    hpo_trial *t = NULL;
    (void)state;
    open_with(&env, HPO_MINIMIZE, p);
    hpo_assert_eq_i64(hpo__hyperband_n_brackets(p), 0);
    assert_ok(hpo_study_ask(env.study, &t));
    for (int64_t s = 0; s < 10; s++)
        assert_false(report_prune(t, 1.0, s));
    hpo_assert_eq_i64(top_rung(env.study, t), -1);
    finish(env.study, t, HPO_TRIAL_COMPLETE, 1.0);
    /* max_resource = 9 + 1 = 10: floor(log2(10)) + 1 = 4 brackets. */
    assert_ok(hpo_study_ask(env.study, &t));
    (void)report_prune(t, 1.0, 0);
    hpo_assert_eq_i64(hpo__hyperband_n_brackets(p), 4);
    finish(env.study, t, HPO_TRIAL_COMPLETE, 1.0);
    hpo_test_env_close(&env);
}

/*=========================== the sampler sees one bracket ===========================*/

typedef struct spy {
    int64_t seen[32][32]; /* per trial number: the numbers its sampler listed */
    size_t n_seen[32];
} spy;

static int spy_sample(hpo_sampler *s,
                      hpo_study *study,
                      const hpo__record *trial,
                      const char *name,
                      const hpo_distribution *dist,
                      double *out)
{
    spy *sp = s->impl;
    hpo__record **recs = NULL;
    size_t n = 0;
    (void)name;
    (void)dist;
    assert_ok(hpo__study_trials_snapshot(study, HPO_STATES_ALL, &recs, &n));
    assert_true(trial->number < 32 && n <= 32);
    for (size_t i = 0; i < n; i++)
        sp->seen[trial->number][i] = recs[i]->number;
    sp->n_seen[trial->number] = n;
    hpo__records_release(recs, n);
    *out = 0.5;
    return HPO_OK;
}

static void spy_destroy(hpo_sampler *s)
{
    (void)s; /* the spy lives on the test's stack */
}

static const hpo__sampler_ops spy_ops = {
        .version = HPO__SAMPLER_OPS_VERSION,
        .name = "spy",
        .sample_independent = spy_sample,
        .destroy = spy_destroy,
};

static void sampler_filter_case(bool filter)
{
    hpo_test_env env;
    hpo_sampler *s = NULL;
    hpo_trial *t = NULL;
    hpo_frozen_trial **all = NULL;
    size_t n_all = 0;
    static spy sp;
    double x;
    memset(&sp, 0, sizeof(sp));
    hpo_test_env_open(&env, HPO_MINIMIZE);
    assert_ok(hpo__sampler_new(&s, &spy_ops, &sp));
    assert_ok(hpo_study_set_sampler(env.study, s));
    assert_ok(hpo_study_set_pruner(env.study, hb_new(1, 16, 2, filter)));
    for (int i = 0; i < 20; i++) {
        assert_ok(hpo_study_ask(env.study, &t));
        assert_ok(hpo_trial_suggest_float(t, "x", 0.0, 1.0, 0.0, false, &x));
        finish(env.study, t, HPO_TRIAL_COMPLETE, x);
    }
    for (int64_t k = 0; k < 20; k++) {
        size_t want = 0;
        for (int64_t j = 0; j <= k; j++) {
            if (filter && BRACKETS_TEST[j] != BRACKETS_TEST[k])
                continue;
            assert_true(want < sp.n_seen[k]);
            hpo_assert_eq_i64(sp.seen[k][want], j);
            want++;
        }
        hpo_assert_eq_i64(sp.n_seen[k], want);
    }
    /* Outside sampler calls nothing is filtered. */
    assert_ok(hpo_study_get_trials(env.study, HPO_STATES_ALL, &all, &n_all));
    hpo_assert_eq_i64(n_all, 20);
    hpo_frozen_trials_free(all, n_all);
    hpo_test_env_close(&env);
}

static void test_sampler_sees_only_its_bracket(void **state)
{
    (void)state;
    sampler_filter_case(true);
    sampler_filter_case(false);
}

/*=========================== options ===========================*/

static void
sha_rejects(int64_t min_resource, int64_t rf, int64_t rate, int64_t boot, const char *field)
{
    hpo_successive_halving_options o = HPO_SUCCESSIVE_HALVING_OPTIONS_INIT;
    hpo_pruner *p = NULL;
    o.min_resource = min_resource;
    o.reduction_factor = rf;
    o.min_early_stopping_rate = rate;
    o.bootstrap_count = boot;
    assert_status(hpo_pruner_successive_halving_new(&p, &o), HPO_EINVAL);
    assert_null(p);
    assert_msg_has(field);
}

static void hb_rejects(int64_t lo, int64_t hi, int64_t rf, int64_t boot, const char *field)
{
    hpo_hyperband_options o = HPO_HYPERBAND_OPTIONS_INIT;
    hpo_pruner *p = NULL;
    o.min_resource = lo;
    o.max_resource = hi;
    o.reduction_factor = rf;
    o.bootstrap_count = boot;
    assert_status(hpo_pruner_hyperband_new(&p, &o), HPO_EINVAL);
    assert_null(p);
    assert_msg_has(field);
}

static void test_bad_parameters(void **state)
{
    (void)state;
    sha_rejects(-1, 4, 0, 0, "min_resource");
    sha_rejects(1, 1, 0, 0, "reduction_factor");
    sha_rejects(1, 4, -1, 0, "min_early_stopping_rate");
    sha_rejects(1, 4, 0, -1, "bootstrap_count");
    sha_rejects(0, 4, 0, 1, "bootstrap_count");
    hb_rejects(0, 16, 3, 0, "min_resource");
    hb_rejects(4, 3, 3, 0, "max_resource");
    hb_rejects(1, -5, 3, 0, "max_resource");
    hb_rejects(1, 16, 1, 0, "reduction_factor");
    hb_rejects(1, 16, 3, -1, "bootstrap_count");
    hb_rejects(1, 0, 3, 2, "bootstrap_count");
}

static void test_options_versions(void **state)
{
    hpo_successive_halving_options so;
    hpo_hyperband_options ho;
    hpo_pruner *p = NULL;
    (void)state;
    assert_ok(hpo_successive_halving_options_init(&so, HPO_SUCCESSIVE_HALVING_OPTIONS_VERSION));
    hpo_assert_eq_i64(so.reduction_factor, 4);
    hpo_assert_eq_i64(so.min_resource, 0);
    assert_ok(hpo_hyperband_options_init(&ho, HPO_HYPERBAND_OPTIONS_VERSION));
    hpo_assert_eq_i64(ho.reduction_factor, 3);
    hpo_assert_eq_i64(ho.min_resource, 1);
    assert_true(ho.filter_sampler);
    assert_status(hpo_successive_halving_options_init(&so, 0), HPO_EVERSION);
    assert_status(hpo_hyperband_options_init(&ho, 99), HPO_EVERSION);
    assert_status(hpo_successive_halving_options_init(NULL, 1), HPO_EINVAL);
    so.version = 7;
    assert_status(hpo_pruner_successive_halving_new(&p, &so), HPO_EVERSION);
    assert_status(hpo_pruner_hyperband_new(NULL, NULL), HPO_EINVAL);
    /* NULL options are the defaults. */
    assert_ok(hpo_pruner_successive_halving_new(&p, NULL));
    hpo_pruner_free(p);
    assert_ok(hpo_pruner_hyperband_new(&p, NULL));
    hpo_assert_eq_i64(hpo__hyperband_n_brackets(p), 0); /* "auto": not yet */
    hpo_pruner_free(p);
    /* 2^62 / 1 in base 2: 63 brackets whose budgets no double holds exactly. */
    ho.max_resource = INT64_C(1) << 62;
    ho.reduction_factor = 2;
    assert_status(hpo_pruner_hyperband_new(&p, &ho), HPO_EUNSUPPORTED);
    assert_null(p);
}

static void test_out_of_memory(void **state)
{
    hpo_pruner *p = NULL;
    hpo_hyperband_options ho = HPO_HYPERBAND_OPTIONS_INIT;
    (void)state;
    ho.max_resource = 81;
    for (long k = 0;; k++) {
        int rc;
        hpo__fail_alloc_after(k);
        rc = hpo_pruner_hyperband_new(&p, &ho);
        if (rc == HPO_OK)
            break;
        assert_status(rc, HPO_ENOMEM);
        assert_null(p);
    }
    hpo__fail_alloc_after(-1);
    hpo_pruner_free(p);
    for (long k = 0; k < 2; k++) {
        hpo__fail_alloc_after(k);
        assert_status(hpo_pruner_successive_halving_new(&p, NULL), HPO_ENOMEM);
        assert_null(p);
    }
    hpo__fail_alloc_after(-1);
}

/*=========================== end to end ===========================*/

typedef struct curve_stats {
    int pruned;
    int complete;
} curve_stats;

/* A learning curve whose rank never changes: (x - 0.3)^2 plus a shared decay,
 * so the best x is never behind anyone at any rung. */
static int curve_objective(hpo_trial *t, double *values, void *payload)
{
    double x = 0, v = 0;
    bool prune = false;
    (void)payload;
    HPO_TRY(hpo_trial_suggest_float(t, "x", 0.0, 1.0, 0.0, false, &x));
    for (int64_t step = 0; step < 81; step++) {
        v = (x - 0.3) * (x - 0.3) + 1.0 / (double)(step + 1);
        HPO_TRY(hpo_trial_report(t, v, step));
        HPO_TRY(hpo_trial_should_prune(t, &prune));
        if (prune)
            return HPO_EPRUNED;
    }
    values[0] = v;
    return HPO_OK;
}

static void end_to_end_case(const char *what, hpo_pruner *p, int min_pruned)
{
    hpo_test_env env;
    hpo_optimize_options o = HPO_OPTIMIZE_OPTIONS_INIT;
    hpo_frozen_trial **ts = NULL;
    size_t n = 0;
    double best_gap = INFINITY;
    hpo_trial_state best_state = HPO_TRIAL_FAIL;
    int pruned = 0;
    open_with(&env, HPO_MINIMIZE, p);
    o.n_trials = 60;
    assert_ok(hpo_study_optimize(env.study, curve_objective, NULL, &o));
    assert_ok(hpo_study_get_trials(env.study, HPO_STATES_ALL, &ts, &n));
    hpo_assert_eq_i64(n, 60);
    for (size_t i = 0; i < n; i++) {
        hpo_value x;
        assert_ok(hpo_frozen_trial_param(ts[i], "x", &x));
        if (hpo_frozen_trial_state(ts[i]) == HPO_TRIAL_PRUNED)
            pruned++;
        if (fabs(x.u.f - 0.3) < best_gap) {
            best_gap = fabs(x.u.f - 0.3);
            best_state = hpo_frozen_trial_state(ts[i]);
        }
    }
    hpo_frozen_trials_free(ts, n);
    print_message("# %s: %d of 60 trials pruned\n", what, pruned);
    assert_true(pruned >= min_pruned);
    /* The best configuration ran to the end. */
    hpo_assert_eq_i64(best_state, HPO_TRIAL_COMPLETE);
    hpo_test_env_close(&env);
}

static void test_end_to_end(void **state)
{
    (void)state;
    end_to_end_case("successive halving", sha_new(1, 3, 0, 0), 30);
    end_to_end_case("hyperband", hb_new(1, 81, 3, true), 20);
    end_to_end_case("hyperband auto", hb_new(1, 0, 3, true), 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_promotable_rule),
            cmocka_unit_test(test_rung_steps),
            cmocka_unit_test(test_crc32_matches_binascii),
            cmocka_unit_test(test_intermediate_values),
            cmocka_unit_test(test_rung_check),
            cmocka_unit_test(test_first_trial_climbs),
            cmocka_unit_test(test_nan_prunes_only_at_a_rung),
            cmocka_unit_test(test_parameters_place_the_rungs),
            cmocka_unit_test(test_bootstrap_count),
            cmocka_unit_test(test_maximize_rung_check),
            cmocka_unit_test(test_min_resource_auto),
            cmocka_unit_test(test_state_is_in_storage),
            cmocka_unit_test(test_bracket_budgets),
            cmocka_unit_test(test_bracket_ids_match_optuna),
            cmocka_unit_test(test_bracket_stable_across_handles),
            cmocka_unit_test(test_brackets_compete_apart),
            cmocka_unit_test(test_hyperband_auto_max_resource),
            cmocka_unit_test(test_sampler_sees_only_its_bracket),
            cmocka_unit_test(test_bad_parameters),
            cmocka_unit_test(test_options_versions),
            cmocka_unit_test(test_out_of_memory),
            cmocka_unit_test(test_end_to_end),
    };
    return HPO_RUN_TESTS("sha_hyperband", tests);
}
