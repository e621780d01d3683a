/*
 * functions.c - the benchmark objectives, exactly as
 * shared/reference/bench-functions.md defines them: parameter names, suggest
 * order, bounds and scales match bench/optuna_bench.py, so hpo and Optuna
 * sample the same spaces. All are minimised.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

#define PI      3.14159265358979323846
#define E_CONST 2.718281828459045 /* Python math.e */

/*=========================== helpers ===========================*/

static int
suggest_float(hpo_trial *t, const char *name, double lo, double hi, bool log, double *out)
{
    return hpo_trial_suggest_float(t, name, lo, hi, HPO_NO_STEP, log, out);
}

/* x0 .. x{d-1}, each uniform over [lo, hi], suggested in index order. */
static int suggest_vector(hpo_trial *t, size_t d, double lo, double hi, double *x)
{
    char name[24];
    for (size_t i = 0; i < d; i++) {
        int rc;
        snprintf(name, sizeof(name), "x%zu", i);
        if ((rc = suggest_float(t, name, lo, hi, false, &x[i])) != HPO_OK)
            return rc;
    }
    return HPO_OK;
}

/*=========================== overhead ===========================*/

int bench_overhead_objective(hpo_trial *t, double *values, void *payload)
{
    static const char *const c1_names[] = {"a", "b", "c"};
    static const double c1_off[] = {0.0, 0.7, 1.5};
    static const char *const c2_names[] = {"relu", "tanh", "gelu", "sigmoid"};
    static const double c2_off[] = {0.0, 0.3, 0.1, 1.0};
    double x0, x1, x2, x3, lr, wd;
    int64_t n1, n2;
    size_t c1, c2;
    int rc;

    (void)payload;
    if ((rc = suggest_float(t, "x0", -5, 5, false, &x0)) != HPO_OK ||
        (rc = suggest_float(t, "x1", -5, 5, false, &x1)) != HPO_OK ||
        (rc = suggest_float(t, "x2", 0, 1, false, &x2)) != HPO_OK ||
        (rc = suggest_float(t, "x3", -1, 1, false, &x3)) != HPO_OK ||
        (rc = suggest_float(t, "lr", 1e-5, 1e-1, true, &lr)) != HPO_OK ||
        (rc = suggest_float(t, "wd", 1e-6, 1e-2, true, &wd)) != HPO_OK ||
        (rc = hpo_trial_suggest_int(t, "n1", 1, 8, 1, false, &n1)) != HPO_OK ||
        (rc = hpo_trial_suggest_int(t, "n2", 16, 256, 1, false, &n2)) != HPO_OK ||
        (rc = hpo_trial_suggest_categorical_str(t, "c1", c1_names, 3, &c1)) != HPO_OK ||
        (rc = hpo_trial_suggest_categorical_str(t, "c2", c2_names, 4, &c2)) != HPO_OK)
        return rc;
    values[0] = (x0 - 1) * (x0 - 1) + (x1 + 0.5) * (x1 + 0.5) + (x2 - 0.3) * (x2 - 0.3) + x3 * x3 +
                pow(log10(lr) + 3, 2) + 0.5 * pow(log10(wd) + 4, 2) +
                0.1 * (double)((n1 - 3) * (n1 - 3)) + pow(((double)n2 - 128) / 64, 2) + c1_off[c1] +
                c2_off[c2];
    return HPO_OK;
}

/*=========================== the quality suite ===========================*/

static int branin(hpo_trial *t, double *values, void *payload)
{
    const double a = 1, b = 5.1 / (4 * PI * PI), c = 5 / PI, r = 6, s = 10, tt = 1 / (8 * PI);
    double x0, x1;
    int rc;
    (void)payload;
    if ((rc = suggest_float(t, "x0", -5, 10, false, &x0)) != HPO_OK ||
        (rc = suggest_float(t, "x1", 0, 15, false, &x1)) != HPO_OK)
        return rc;
    values[0] = a * pow(x1 - b * x0 * x0 + c * x0 - r, 2) + s * (1 - tt) * cos(x0) + s;
    return HPO_OK;
}

static int hartmann6(hpo_trial *t, double *values, void *payload)
{
    static const double alpha[4] = {1.0, 1.2, 3.0, 3.2};
    static const double A[4][6] = {{10, 3, 17, 3.5, 1.7, 8},
                                   {0.05, 10, 17, 0.1, 8, 14},
                                   {3, 3.5, 1.7, 10, 17, 8},
                                   {17, 8, 0.05, 10, 0.1, 14}};
    static const double P[4][6] = {{1312, 1696, 5569, 124, 8283, 5886},
                                   {2329, 4135, 8307, 3736, 1004, 9991},
                                   {2348, 1451, 3522, 2883, 3047, 6650},
                                   {4047, 8828, 8732, 5743, 1091, 381}};
    double x[6], sum = 0;
    int rc;
    (void)payload;
    if ((rc = suggest_vector(t, 6, 0, 1, x)) != HPO_OK)
        return rc;
    for (int i = 0; i < 4; i++) {
        double inner = 0;
        for (int j = 0; j < 6; j++)
            inner += A[i][j] * pow(x[j] - P[i][j] * 1e-4, 2);
        sum += alpha[i] * exp(-inner);
    }
    values[0] = -sum;
    return HPO_OK;
}

static int rosenbrock10(hpo_trial *t, double *values, void *payload)
{
    double x[10], sum = 0;
    int rc;
    (void)payload;
    if ((rc = suggest_vector(t, 10, -5, 10, x)) != HPO_OK)
        return rc;
    for (int i = 0; i < 9; i++)
        sum += 100 * pow(x[i + 1] - x[i] * x[i], 2) + pow(1 - x[i], 2);
    values[0] = sum;
    return HPO_OK;
}

static int ackley10(hpo_trial *t, double *values, void *payload)
{
    const double d = 10;
    double x[10], sq = 0, cs = 0;
    int rc;
    (void)payload;
    if ((rc = suggest_vector(t, 10, -32.768, 32.768, x)) != HPO_OK)
        return rc;
    for (int i = 0; i < 10; i++) {
        sq += x[i] * x[i];
        cs += cos(2 * PI * x[i]);
    }
    values[0] = -20 * exp(-0.2 * sqrt(sq / d)) - exp(cs / d) + 20 + E_CONST;
    return HPO_OK;
}

static int styblinski_tang10(hpo_trial *t, double *values, void *payload)
{
    double x[10], sum = 0;
    int rc;
    (void)payload;
    if ((rc = suggest_vector(t, 10, -5, 5, x)) != HPO_OK)
        return rc;
    for (int i = 0; i < 10; i++)
        sum += pow(x[i], 4) - 16 * x[i] * x[i] + 5 * x[i];
    values[0] = 0.5 * sum;
    return HPO_OK;
}

static int rastrigin6(hpo_trial *t, double *values, void *payload)
{
    double x[6], sum = 0;
    int rc;
    (void)payload;
    if ((rc = suggest_vector(t, 6, -5.12, 5.12, x)) != HPO_OK)
        return rc;
    for (int i = 0; i < 6; i++)
        sum += x[i] * x[i] - 10 * cos(2 * PI * x[i]);
    values[0] = 10 * 6 + sum; /* 10d + sum, in the reference's order */
    return HPO_OK;
}

static int mixed(hpo_trial *t, double *values, void *payload)
{
    static const char *const c1_names[] = {"a", "b", "c", "d"};
    static const double c1_off[] = {3.0, 0.0, 1.5, 5.0};
    static const char *const c2_names[] = {"relu", "tanh", "gelu"};
    static const double c2_off[] = {0.5, 1.0, 0.0};
    double x, y;
    int64_t n, k;
    size_t c1, c2;
    int rc;
    (void)payload;
    if ((rc = suggest_float(t, "x", -5, 5, false, &x)) != HPO_OK ||
        (rc = suggest_float(t, "y", -5, 5, false, &y)) != HPO_OK ||
        (rc = hpo_trial_suggest_int(t, "n", 0, 20, 1, false, &n)) != HPO_OK ||
        (rc = hpo_trial_suggest_int(t, "k", 1, 8, 1, false, &k)) != HPO_OK ||
        (rc = hpo_trial_suggest_categorical_str(t, "c1", c1_names, 4, &c1)) != HPO_OK ||
        (rc = hpo_trial_suggest_categorical_str(t, "c2", c2_names, 3, &c2)) != HPO_OK)
        return rc;
    values[0] = (x - 1.5) * (x - 1.5) + (y + 2) * (y + 2) + 0.1 * (double)((n - 7) * (n - 7)) +
                0.5 * fabs((double)(k - 3)) + c1_off[c1] + c2_off[c2];
    return HPO_OK;
}

static int logscale(hpo_trial *t, double *values, void *payload)
{
    double lr, wd, momentum;
    int64_t batch;
    int rc;
    (void)payload;
    if ((rc = suggest_float(t, "lr", 1e-6, 1, true, &lr)) != HPO_OK ||
        (rc = suggest_float(t, "wd", 1e-7, 1e-1, true, &wd)) != HPO_OK ||
        (rc = suggest_float(t, "momentum", 0, 0.99, false, &momentum)) != HPO_OK ||
        (rc = hpo_trial_suggest_int(t, "batch", 16, 1024, 1, true, &batch)) != HPO_OK)
        return rc;
    values[0] = pow(log10(lr) + 3, 2) + 0.5 * pow(log10(wd) + 4.5, 2) +
                2 * (momentum - 0.9) * (momentum - 0.9) + 0.25 * pow(log2((double)batch) - 7, 2);
    return HPO_OK;
}

const bench_function bench_functions[] = {
        {"branin", 2, 0.39788735772973816, branin},
        {"hartmann6", 6, -3.322368011391339, hartmann6},
        {"rosenbrock10", 10, 0.0, rosenbrock10},
        {"ackley10", 10, 0.0, ackley10},
        {"styblinski_tang10", 10, 10 * -39.16616570377142, styblinski_tang10},
        {"rastrigin6", 6, 0.0, rastrigin6},
        {"mixed", 6, 0.0, mixed},
        {"logscale", 4, 0.0, logscale},
};
const size_t bench_n_functions = sizeof(bench_functions) / sizeof(bench_functions[0]);

const bench_function *bench_function_find(const char *name)
{
    for (size_t i = 0; i < bench_n_functions; i++) {
        if (strcmp(bench_functions[i].name, name) == 0)
            return &bench_functions[i];
    }
    return NULL;
}

/*=========================== samplers by name ===========================*/

int bench_sampler_new(hpo_sampler **out, const char *name, uint64_t seed)
{
    hpo_tpe_options o = HPO_TPE_OPTIONS_INIT;

    *out = NULL;
    if (strcmp(name, "random") == 0)
        return hpo_sampler_random_new(out, seed);
    o.seed = seed;
    if (strcmp(name, "tpe") == 0)
        return hpo_sampler_tpe_new(out, &o);
    if (strcmp(name, "tpe_indep") == 0) {
        o.multivariate = 0;
        return hpo_sampler_tpe_new(out, &o);
    }
    if (strcmp(name, "tpe_mv") == 0) {
        o.multivariate = 1;
        return hpo_sampler_tpe_new(out, &o);
    }
    if (strcmp(name, "gp") == 0) {
        hpo_gp_options g = HPO_GP_OPTIONS_INIT;
        g.seed = seed;
        return hpo_sampler_gp_new(out, &g);
    }
    if (strcmp(name, "auto") == 0) {
        hpo_auto_options a = HPO_AUTO_OPTIONS_INIT;
        a.seed = seed;
        return hpo_sampler_auto_new(out, &a);
    }
    if (strcmp(name, "cmaes") == 0) {
        hpo_cmaes_options c = HPO_CMAES_OPTIONS_INIT;
        c.seed = seed;
        return hpo_sampler_cmaes_new(out, &c);
    }
    if (strcmp(name, "qmc") == 0 || strcmp(name, "halton") == 0) {
        hpo_qmc_options q = HPO_QMC_OPTIONS_INIT;
        q.seed = seed;
        q.scramble = true; /* one sequence per seed, as a seeded study expects */
        q.qmc_type = name[0] == 'q' ? HPO_QMC_SOBOL : HPO_QMC_HALTON;
        return hpo_sampler_qmc_new(out, &q);
    }
    if (strcmp(name, "nsga2") == 0) {
        hpo_nsga2_options n = HPO_NSGA2_OPTIONS_INIT;
        n.seed = seed;
        n.population_size = 20; /* 5 generations in a 100-trial study */
        return hpo_sampler_nsga2_new(out, &n);
    }
    /* grid and brute-force need finite spaces; the suite's functions are continuous */
    return HPO_ENOTFOUND;
}
