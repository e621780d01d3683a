/*
 * test_random_sampler.c - Optuna's RandomSampler rules (reference/optuna.md §4):
 * bounds, steps, log ints, categorical uniformity, and seed reproducibility
 * through a study.
 */
#include <math.h>
#include <string.h>

#include "core/distribution.h"
#include "samplers/sampler.h"
#include "support/test_util.h"

#define DRAWS 4000

static void test_float_bounds(void **state)
{
    (void)state;
    hpo_distribution *lin = NULL, *lg = NULL, *st = NULL, *one = NULL;
    hpo_rng rng;
    double lo_seen = 1e9, hi_seen = -1e9, log_below_01 = 0;
    assert_ok(hpo_distribution_float_new(&lin, -2.0, 3.0, HPO_NO_STEP, false));
    assert_ok(hpo_distribution_float_new(&lg, 1e-4, 1.0, HPO_NO_STEP, true));
    assert_ok(hpo_distribution_float_new(&st, 0.0, 1.0, 0.25, false));
    assert_ok(hpo_distribution_float_new(&one, 0.5, 0.5, HPO_NO_STEP, false));
    hpo__rng_seed(&rng, 3);
    int step_counts[5] = {0};
    for (int i = 0; i < DRAWS; i++) {
        double v = hpo__random_sample(&rng, lin);
        assert_true(v >= -2.0 && v < 3.0); /* high itself is never returned */
        lo_seen = v < lo_seen ? v : lo_seen;
        hi_seen = v > hi_seen ? v : hi_seen;
        v = hpo__random_sample(&rng, lg);
        assert_true(v >= 1e-4 && v < 1.0);
        log_below_01 += v < 1e-2; /* log-uniform: half the draws below 1e-2 */
        v = hpo__random_sample(&rng, st);
        assert_true(v >= 0.0 && v <= 1.0 && fmod(v, 0.25) == 0.0);
        step_counts[(int)(v / 0.25)]++;
        assert_true(hpo__random_sample(&rng, one) == 0.5);
    }
    assert_true(lo_seen < -1.9 && hi_seen > 2.9);
    assert_true(log_below_01 > 0.4 * DRAWS && log_below_01 < 0.6 * DRAWS);
    /* the widened range gives the end points a full cell each */
    for (int k = 0; k < 5; k++)
        assert_true(step_counts[k] > DRAWS / 5 * 0.8 && step_counts[k] < DRAWS / 5 * 1.2);
    hpo_distribution_free(lin);
    hpo_distribution_free(lg);
    hpo_distribution_free(st);
    hpo_distribution_free(one);
}

static void test_int_bounds(void **state)
{
    (void)state;
    hpo_distribution *st = NULL, *lg = NULL;
    hpo_rng rng;
    int counts[4] = {0}, log_small = 0;
    assert_ok(hpo_distribution_int_new(&st, 1, 10, 3, false)); /* 1, 4, 7, 10 */
    assert_ok(hpo_distribution_int_new(&lg, 1, 1000, 1, true));
    hpo__rng_seed(&rng, 4);
    for (int i = 0; i < DRAWS; i++) {
        double v = hpo__random_sample(&rng, st);
        assert_true(v >= 1 && v <= 10 && fmod(v - 1, 3) == 0.0);
        counts[(int)(v - 1) / 3]++;
        v = hpo__random_sample(&rng, lg);
        assert_true(v >= 1 && v <= 1000 && v == floor(v));
        log_small += v <= 31;
    }
    for (int k = 0; k < 4; k++)
        assert_true(counts[k] > DRAWS / 4 * 0.8 && counts[k] < DRAWS / 4 * 1.2);
    /* log-uniform on [0.5, 1000.5]: about half the mass below sqrt(500) */
    assert_true(log_small > 0.35 * DRAWS && log_small < 0.65 * DRAWS);
    hpo_distribution_free(st);
    hpo_distribution_free(lg);
}

static void test_categorical_uniform(void **state)
{
    (void)state;
    hpo_value ch[5] = {hpo_value_string("a"), hpo_value_null(), hpo_value_int(1),
            hpo_value_float(2.5), hpo_value_bool(true)};
    hpo_distribution *d = NULL;
    hpo_rng rng;
    int counts[5] = {0};
    assert_ok(hpo_distribution_categorical_new(&d, ch, 5));
    hpo__rng_seed(&rng, 5);
    for (int i = 0; i < DRAWS; i++) {
        double v = hpo__random_sample(&rng, d);
        assert_true(v >= 0 && v < 5 && v == floor(v));
        counts[(int)v]++;
    }
    for (int k = 0; k < 5; k++)
        assert_true(counts[k] > DRAWS / 5 * 0.85 && counts[k] < DRAWS / 5 * 1.15);
    hpo_distribution_free(d);
}

/* Run n trials with a random sampler of the given seed; record x and k. */
static void run_study(uint64_t seed, int n, double *xs, int64_t *ks)
{
    hpo_test_env env;
    hpo_sampler *s = NULL;
    hpo_test_env_open(&env, HPO_MINIMIZE);
    assert_ok(hpo_sampler_random_new(&s, seed));
    assert_ok(hpo_study_set_sampler(env.study, s));
    for (int i = 0; i < n; i++) {
        hpo_trial *t = NULL;
        double v;
        assert_ok(hpo_study_ask(env.study, &t));
        assert_ok(hpo_trial_suggest_float(t, "x", -5.0, 5.0, HPO_NO_STEP, false, &xs[i]));
        assert_ok(hpo_trial_suggest_int(t, "k", 0, 100, 1, false, &ks[i]));
        v = xs[i] * xs[i];
        assert_ok(hpo_study_tell(env.study, t, HPO_TRIAL_COMPLETE, &v, 1));
        hpo_trial_free(t);
    }
    hpo_test_env_close(&env);
}

static void test_seed_reproducible(void **state)
{
    (void)state;
    double a[20], b[20], c[20];
    int64_t ka[20], kb[20], kc[20];
    run_study(42, 20, a, ka);
    run_study(42, 20, b, kb);
    run_study(43, 20, c, kc);
    assert_true(memcmp(a, b, sizeof(a)) == 0);
    assert_true(memcmp(ka, kb, sizeof(ka)) == 0);
    assert_true(memcmp(a, c, sizeof(a)) != 0);
}

static void test_null_out(void **state)
{
    (void)state;
    assert_status(hpo_sampler_random_new(NULL, 1), HPO_EMISUSE);
    hpo_sampler_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_float_bounds),
            cmocka_unit_test(test_int_bounds),
            cmocka_unit_test(test_categorical_uniform),
            cmocka_unit_test(test_seed_reproducible),
            cmocka_unit_test(test_null_out),
    };
    return HPO_RUN_TESTS("random_sampler", tests);
}
