/*
 * test_qmc.c - the qmc sampler: Sobol points against SciPy's (published
 * Joe-Kuo numbers), Halton's radical inverses, the balance that scrambling
 * must keep, seeds; then through studies: trial n takes point n mapped into
 * each distribution, reproducibility, the first trial at random, bad options.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "samplers/qmc_seq.h"
#include "support/test_util.h"

/* scipy.stats.qmc.Sobol(1024, scramble=False) after fast_forward(n). */
static const struct {
    uint64_t n;
    double x[7];
} sobol_ref[] = {
        {1000,
         {0.2197265625, 0.0966796875, 0.5185546875, 0.0693359375, 0.1865234375, 0.7255859375,
          0.7138671875}},
        {12345,
         {0.64093017578125, 0.81341552734375, 0.16033935546875, 0.42962646484375, 0.53887939453125,
          0.30255126953125, 0.57708740234375}},
        {987654,
         {0.6283121109008789, 0.0928945541381836, 0.5800409317016602, 0.20658016204833984,
          0.5247926712036133, 0.5228605270385742, 0.4265584945678711}},
};
static const size_t sobol_ref_dims[7] = {0, 1, 2, 9, 99, 500, 1023};

static void test_sobol_matches_scipy(void **state)
{
    hpo__qmc_seq q;
    double *x = malloc(1024 * sizeof(double));
    static const double first[8][3] = {{0, 0, 0},
                                       {0.5, 0.5, 0.5},
                                       {0.75, 0.25, 0.25},
                                       {0.25, 0.75, 0.75},
                                       {0.375, 0.375, 0.625},
                                       {0.875, 0.875, 0.125},
                                       {0.625, 0.125, 0.875},
                                       {0.125, 0.625, 0.375}};
    (void)state;
    assert_ok(hpo__qmc_seq_init(&q, HPO__QMC_SOBOL, 1024, false, 0));
    for (uint64_t n = 0; n < 8; n++) {
        hpo__qmc_seq_point(&q, n, x);
        for (size_t j = 0; j < 3; j++)
            assert_true(x[j] == first[n][j]);
    }
    for (size_t r = 0; r < sizeof(sobol_ref) / sizeof(sobol_ref[0]); r++) {
        hpo__qmc_seq_point(&q, sobol_ref[r].n, x);
        for (size_t k = 0; k < 7; k++)
            assert_true(x[sobol_ref_dims[k]] == sobol_ref[r].x[k]);
    }
    hpo__qmc_seq_free(&q);
    free(x);
}

static void test_halton_radical_inverse(void **state)
{
    hpo__qmc_seq q;
    double x[3];
    static const double want[5][3] = {{0, 0, 0},
                                      {0.5, 1.0 / 3, 0.2},
                                      {0.25, 2.0 / 3, 0.4},
                                      {0.75, 1.0 / 9, 0.6},
                                      {0.125, 4.0 / 9, 0.8}};
    (void)state;
    assert_ok(hpo__qmc_seq_init(&q, HPO__QMC_HALTON, 3, false, 0));
    for (uint64_t n = 0; n < 5; n++) {
        hpo__qmc_seq_point(&q, n, x);
        for (size_t j = 0; j < 3; j++)
            assert_near(x[j], want[n][j], 1e-15);
    }
    hpo__qmc_seq_free(&q);
}

/* The first base^k points put exactly one point in each interval of width base^-k. */
static void
assert_balanced(hpo__qmc_kind kind, size_t d, size_t dim, unsigned base, int k, uint64_t seed)
{
    hpo__qmc_seq q;
    size_t cells = 1;
    for (int i = 0; i < k; i++)
        cells *= base;
    int *hits = calloc(cells, sizeof(int));
    double *x = malloc(d * sizeof(double));
    assert_ok(hpo__qmc_seq_init(&q, kind, d, true, seed));
    for (uint64_t n = 0; n < cells; n++) {
        hpo__qmc_seq_point(&q, n, x);
        assert_true(x[dim] >= 0.0 && x[dim] < 1.0);
        hits[(size_t)(x[dim] * (double)cells)]++;
    }
    for (size_t c = 0; c < cells; c++)
        hpo_assert_eq_i64(hits[c], 1);
    hpo__qmc_seq_free(&q);
    free(hits);
    free(x);
}

static void test_scrambled_keep_balance(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed < 4; seed++) {
        assert_balanced(HPO__QMC_SOBOL, 8, 0, 2, 8, seed);
        assert_balanced(HPO__QMC_SOBOL, 8, 7, 2, 8, seed);
        assert_balanced(HPO__QMC_HALTON, 4, 1, 3, 5, seed); /* base 3 */
        assert_balanced(HPO__QMC_HALTON, 4, 3, 7, 3, seed); /* base 7 */
    }
}

static void test_scramble_seeds(void **state)
{
    hpo__qmc_seq a, b, c;
    double xa[4], xb[4], xc[4];
    bool differs = false;
    (void)state;
    for (int kind = 0; kind < 2; kind++) {
        assert_ok(hpo__qmc_seq_init(&a, (hpo__qmc_kind)kind, 4, true, 7));
        assert_ok(hpo__qmc_seq_init(&b, (hpo__qmc_kind)kind, 4, true, 7));
        assert_ok(hpo__qmc_seq_init(&c, (hpo__qmc_kind)kind, 4, true, 8));
        for (uint64_t n = 0; n < 16; n++) {
            hpo__qmc_seq_point(&a, n, xa);
            hpo__qmc_seq_point(&b, n, xb);
            hpo__qmc_seq_point(&c, n, xc);
            assert_memory_equal(xa, xb, sizeof(xa));
            differs = differs || memcmp(xa, xc, sizeof(xa)) != 0;
        }
        /* Scrambled point 0 is not the origin. */
        hpo__qmc_seq_point(&a, 0, xa);
        assert_true(xa[0] > 0.0);
        hpo__qmc_seq_free(&a);
        hpo__qmc_seq_free(&b);
        hpo__qmc_seq_free(&c);
    }
    assert_true(differs);
}

static void test_seq_bad_input(void **state)
{
    hpo__qmc_seq q;
    (void)state;
    assert_status(hpo__qmc_seq_init(&q, HPO__QMC_SOBOL, 0, false, 0), HPO_EINVAL);
    assert_status(hpo__qmc_seq_init(&q, HPO__QMC_SOBOL, hpo__sobol_max_dims() + 1, false, 0),
                  HPO_EINVAL);
    assert_msg_has("1024");
    assert_status(hpo__qmc_seq_init(&q, HPO__QMC_HALTON, 7000, false, 0), HPO_EINVAL);
}

/* ==== through a study ===================================================== */

static int space4(hpo_trial *t, double *v, void *payload)
{
    double x, lr;
    int64_t n;
    size_t c;
    static const char *const ch[] = {"relu", "tanh", "gelu'; DROP TABLE trials;--"};
    (void)payload;
    if (hpo_trial_suggest_float(t, "x", -2, 2, HPO_NO_STEP, false, &x) != HPO_OK ||
        hpo_trial_suggest_float(t, "lr", 1e-5, 1e-1, HPO_NO_STEP, true, &lr) != HPO_OK ||
        hpo_trial_suggest_int(t, "n", 1, 8, 1, false, &n) != HPO_OK ||
        hpo_trial_suggest_categorical_str(t, "act", ch, 3, &c) != HPO_OK)
        return HPO_ERROR;
    v[0] = x * x + log10(lr) + (double)n + (double)c;
    return HPO_OK;
}

static void run_study(hpo_sampler *s, int64_t n, hpo_test_env *env)
{
    hpo_optimize_options o = HPO_OPTIMIZE_OPTIONS_INIT;
    assert_ok(hpo_storage_open(&env->storage, NULL));
    assert_ok(hpo_study_create(&env->study, env->storage, "q", NULL, 0, NULL));
    assert_ok(hpo_study_set_sampler(env->study, s));
    o.n_trials = n;
    assert_ok(hpo_study_optimize(env->study, space4, NULL, &o));
}

static void test_trial_n_takes_point_n(void **state)
{
    hpo_test_env env = {0};
    hpo_sampler *s = NULL;
    hpo_frozen_trial **tr = NULL;
    size_t k = 0;
    hpo__qmc_seq q;
    double u[4];
    (void)state;
    assert_ok(hpo_sampler_qmc_new(&s, NULL));
    run_study(s, 40, &env);
    assert_ok(hpo_study_get_trials(env.study, HPO_STATES_ALL, &tr, &k));
    hpo_assert_eq_i64(k, 40);
    assert_ok(hpo__qmc_seq_init(&q, HPO__QMC_SOBOL, 4, false, 0));
    for (size_t i = 1; i < k; i++) {
        hpo__qmc_seq_point(&q, i, u);
        /* Suggestion order: x, lr, n, act. */
        assert_near(hpo_frozen_trial_param_internal(tr[i], 0), -2 + 4 * u[0], 1e-12);
        assert_near(log(hpo_frozen_trial_param_internal(tr[i], 1)),
                    log(1e-5) + u[1] * (log(1e-1) - log(1e-5)), 1e-9);
        double nv = hpo_frozen_trial_param_internal(tr[i], 2);
        assert_true(nv >= 1 && nv <= 8 && nv == floor(nv));
        assert_near(nv, fmin(8, floor(u[2] * 8) + 1), 0); /* [0.5, 8.5) rounded */
        assert_near(hpo_frozen_trial_param_internal(tr[i], 3), floor(u[3] * 3), 0);
    }
    /* Trial 1 is the centre, trial 2 and 3 the quarter points. */
    assert_near(hpo_frozen_trial_param_internal(tr[1], 0), 0.0, 0);
    assert_near(hpo_frozen_trial_param_internal(tr[2], 0), 1.0, 0);
    hpo__qmc_seq_free(&q);
    hpo_frozen_trials_free(tr, k);
    hpo_test_env_close(&env);
}

static void trial_params(hpo_sampler *s, double *out, size_t n)
{
    hpo_test_env env = {0};
    hpo_frozen_trial **tr = NULL;
    size_t k = 0;
    run_study(s, (int64_t)n, &env);
    assert_ok(hpo_study_get_trials(env.study, HPO_STATES_ALL, &tr, &k));
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < 4; j++)
            out[i * 4 + j] = hpo_frozen_trial_param_internal(tr[i], j);
    hpo_frozen_trials_free(tr, k);
    hpo_test_env_close(&env);
}

static void test_reproducible(void **state)
{
    hpo_qmc_options o;
    double a[80], b[80], c[80];
    (void)state;
    for (int type = 0; type < 2; type++) {
        hpo_sampler *s1 = NULL, *s2 = NULL, *s3 = NULL;
        assert_ok(hpo_qmc_options_init(&o, HPO_QMC_OPTIONS_VERSION));
        o.qmc_type = (hpo_qmc_type)type;
        o.scramble = true;
        o.seed = 11;
        assert_ok(hpo_sampler_qmc_new(&s1, &o));
        assert_ok(hpo_sampler_qmc_new(&s2, &o));
        o.seed = 12;
        assert_ok(hpo_sampler_qmc_new(&s3, &o));
        trial_params(s1, a, 20);
        trial_params(s2, b, 20);
        trial_params(s3, c, 20);
        assert_memory_equal(a, b, sizeof(a));
        assert_true(memcmp(a + 4, c + 4, sizeof(a) - 4 * sizeof(double)) != 0);
    }
}

static void test_halton_study_and_ranges(void **state)
{
    hpo_test_env env = {0};
    hpo_qmc_options o = HPO_QMC_OPTIONS_INIT;
    hpo_sampler *s = NULL;
    hpo_frozen_trial **tr = NULL;
    size_t k = 0;
    (void)state;
    o.qmc_type = HPO_QMC_HALTON;
    assert_ok(hpo_sampler_qmc_new(&s, &o));
    run_study(s, 60, &env);
    assert_ok(hpo_study_get_trials(env.study, HPO_STATES_ALL, &tr, &k));
    hpo_assert_eq_i64(k, 60);
    for (size_t i = 0; i < k; i++) {
        double x = hpo_frozen_trial_param_internal(tr[i], 0);
        double lr = hpo_frozen_trial_param_internal(tr[i], 1);
        assert_true(x >= -2 && x < 2 && lr >= 1e-5 && lr < 1e-1);
        assert_true(hpo_frozen_trial_param_internal(tr[i], 3) < 3);
    }
    /* Halton base 2 in x: trial 1 -> 0.5 of the range, trial 3 -> 0.75. */
    assert_near(hpo_frozen_trial_param_internal(tr[1], 0), 0.0, 1e-12);
    assert_near(hpo_frozen_trial_param_internal(tr[3], 0), 1.0, 1e-12);
    hpo_frozen_trials_free(tr, k);
    hpo_test_env_close(&env);
}

static void test_bad_options(void **state)
{
    hpo_qmc_options o;
    hpo_sampler *s = NULL;
    (void)state;
    assert_status(hpo_qmc_options_init(&o, 99), HPO_EVERSION);
    assert_status(hpo_qmc_options_init(NULL, HPO_QMC_OPTIONS_VERSION), HPO_EMISUSE);
    assert_ok(hpo_qmc_options_init(&o, HPO_QMC_OPTIONS_VERSION));
    o.qmc_type = (hpo_qmc_type)5;
    assert_status(hpo_sampler_qmc_new(&s, &o), HPO_EINVAL);
    assert_msg_has("qmc_type");
    assert_null(s);
    o.qmc_type = HPO_QMC_SOBOL;
    o.version = 7;
    assert_status(hpo_sampler_qmc_new(&s, &o), HPO_EVERSION);
    assert_status(hpo_sampler_qmc_new(NULL, NULL), HPO_EMISUSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_sobol_matches_scipy),
            cmocka_unit_test(test_halton_radical_inverse),
            cmocka_unit_test(test_scrambled_keep_balance),
            cmocka_unit_test(test_scramble_seeds),
            cmocka_unit_test(test_seq_bad_input),
            cmocka_unit_test(test_trial_n_takes_point_n),
            cmocka_unit_test(test_reproducible),
            cmocka_unit_test(test_halton_study_and_ranges),
            cmocka_unit_test(test_bad_options),
    };
    return HPO_RUN_TESTS("qmc", tests);
}
