/*
 * test_parzen.c - the Parzen estimator against the worked vectors of
 * reference/optuna.md §3.5 (verified against Optuna), plus the Gaussian tail
 * helpers, sampling bounds, the 4.9 Scott bandwidth and input validation.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/distribution.h"
#include "core/rng.h"
#include "samplers/parzen.h"
#include "support/test_util.h"

static const hpo__parzen_opts DEFAULT_OPTS = {1.0, true, false, false};

static hpo_distribution *float_dist(double lo, double hi, double step, bool log)
{
    hpo_distribution *d = NULL;
    assert_ok(hpo_distribution_float_new(&d, lo, hi, step, log));
    return d;
}

static hpo_distribution *int_dist(int64_t lo, int64_t hi, int64_t step, bool log)
{
    hpo_distribution *d = NULL;
    assert_ok(hpo_distribution_int_new(&d, lo, hi, step, log));
    return d;
}

static void build1(hpo__parzen *pe, const hpo_distribution *d, const double *obs, size_t n)
{
    double w[16];
    const hpo_distribution *ds[1] = {d};
    for (size_t i = 0; i < n; i++)
        w[i] = 1.0;
    assert_ok(hpo__parzen_build(pe, ds, 1, obs, n, w, &DEFAULT_OPTS));
}

static void check_kernels(const hpo__parzen *pe, const double *w, const double *mu,
        const double *sigma, double tol)
{
    for (size_t i = 0; i < pe->n_components; i++) {
        assert_near(pe->weights[i], w[i], 1e-9);
        assert_near(pe->dims[0].mus[i], mu[i], tol);
        assert_near(pe->dims[0].sigmas[i], sigma[i], tol);
    }
}

static void test_vectors_float(void **state)
{
    (void)state;
    hpo__parzen pe;
    hpo_distribution *d = float_dist(0.0, 1.0, HPO_NO_STEP, false);
    double obs[3] = {0.1, 0.5, 0.3}, x[2] = {0.2, 0.9}, lp[2];

    build1(&pe, d, obs, 3);
    hpo_assert_eq_i64(pe.n_components, 4);
    check_kernels(&pe, (double[]){.25, .25, .25, .25}, (double[]){0.1, 0.5, 0.3, 0.5},
            (double[]){0.2, 0.2, 0.2, 1.0}, 1e-12);
    assert_ok(hpo__parzen_log_pdf(&pe, x, 2, lp));
    assert_near(lp[0], 0.41942569, 1e-8);
    assert_near(lp[1], -1.15534274, 1e-8);
    hpo__parzen_free(&pe);

    build1(&pe, d, (double[]){0.7}, 1);
    check_kernels(&pe, (double[]){.5, .5}, (double[]){0.7, 0.5}, (double[]){0.7, 1.0}, 1e-12);
    hpo__parzen_free(&pe);

    build1(&pe, d, NULL, 0);
    hpo_assert_eq_i64(pe.n_components, 1);
    check_kernels(&pe, (double[]){1.0}, (double[]){0.5}, (double[]){1.0}, 1e-12);
    hpo__parzen_free(&pe);
    hpo_distribution_free(d);
}

static void test_vectors_int_and_log(void **state)
{
    (void)state;
    hpo__parzen pe;
    hpo_distribution *di = int_dist(1, 10, 1, false);
    hpo_distribution *dl = float_dist(1e-3, 1.0, HPO_NO_STEP, true);
    double x[2] = {3, 10}, lp[2];
    const double third = 1.0 / 3.0;

    build1(&pe, di, (double[]){3, 7}, 2);
    check_kernels(&pe, (double[]){third, third, third}, (double[]){3, 7, 5.5},
            (double[]){4, 4, 10}, 1e-12);
    assert_ok(hpo__parzen_log_pdf(&pe, x, 2, lp));
    assert_near(lp[0], -2.2311535, 1e-7);
    assert_near(lp[1], -2.59356579, 1e-8);
    hpo__parzen_free(&pe);

    build1(&pe, dl, (double[]){0.01, 0.1}, 2);
    check_kernels(&pe, (double[]){third, third, third},
            (double[]){-4.60517, -2.30259, -3.45388}, (double[]){2.30259, 2.30259, 6.90776},
            1e-5);
    hpo__parzen_free(&pe);
    hpo_distribution_free(di);
    hpo_distribution_free(dl);
}

static void test_vectors_categorical(void **state)
{
    (void)state;
    hpo__parzen pe;
    hpo_value ch[3] = {hpo_value_string("a"), hpo_value_string("b"), hpo_value_string("c")};
    hpo_distribution *d = NULL;
    double x[3] = {0, 1, 2}, lp[3];
    assert_ok(hpo_distribution_categorical_new(&d, ch, 3));
    build1(&pe, d, (double[]){0, 2, 2}, 3);
    const hpo__pz_dim *dim = &pe.dims[0];
    /* kernel rows: observed index gets .714286, the others .142857; prior 1/3 */
    assert_near(exp(dim->lp_hit), 0.714286, 1e-6);
    assert_near(exp(dim->lp_miss), 0.142857, 1e-6);
    assert_near(exp(dim->lp_prior), 1.0 / 3.0, 1e-12);
    hpo_assert_eq_i64(dim->cat_obs[0], 0);
    hpo_assert_eq_i64(dim->cat_obs[1], 2);
    hpo_assert_eq_i64(dim->cat_obs[3], -1);
    assert_ok(hpo__parzen_log_pdf(&pe, x, 3, lp));
    assert_near(lp[0], -1.09861229, 1e-8);
    assert_near(lp[1], -1.65822808, 1e-8);
    assert_near(lp[2], -0.74193734, 1e-8);
    hpo__parzen_free(&pe);
    hpo_distribution_free(d);
}

static void test_default_gamma_and_weights(void **state)
{
    (void)state;
    size_t ns[8] = {0, 1, 9, 10, 11, 100, 250, 300}, want[8] = {0, 1, 1, 1, 2, 10, 25, 25};
    double w[30];
    for (int i = 0; i < 8; i++)
        hpo_assert_eq_i64(hpo_tpe_default_gamma(ns[i]), want[i]);
    hpo_tpe_default_weights(30, w);
    assert_near(w[0], 1.0 / 30.0, 1e-12);
    assert_near(w[1], 0.275, 1e-12);
    assert_near(w[2], 0.516666666667, 1e-9);
    assert_near(w[3], 0.758333333333, 1e-9);
    for (int i = 4; i < 30; i++)
        assert_near(w[i], 1.0, 1e-15);
    hpo_tpe_default_weights(10, w);
    for (int i = 0; i < 10; i++)
        assert_near(w[i], 1.0, 0.0);
    hpo_tpe_default_weights(26, w); /* a ramp of one: linspace(1/26, 1, 1) = [1/26] */
    assert_near(w[0], 1.0 / 26.0, 1e-15);
    assert_near(w[1], 1.0, 0.0);
}

static void test_gaussian_helpers(void **state)
{
    (void)state;
    /* log_ndtr is continuous where it switches to the asymptotic series */
    assert_near(hpo__log_ndtr(-20.0 + 1e-9), hpo__log_ndtr(-20.0 - 1e-9), 1e-6);
    assert_near(hpo__log_ndtr(0.0), log(0.5), 1e-15);
    assert_near(hpo__log_ndtr(-40.0), -804.60844201375379, 1e-9);
    assert_true(hpo__log_ndtr(10.0) < 0.0 && hpo__log_ndtr(10.0) > -1e-22);
    /* ndtri_exp inverts log_ndtr from the far left tail to near 1 */
    double ys[6] = {-1e5, -800.0, -30.0, -0.7, -1e-3, -1e-14};
    for (int i = 0; i < 6; i++) {
        double x = hpo__ndtri_exp(ys[i]);
        assert_near(hpo__log_ndtr(x), ys[i], 1e-12 * fabs(ys[i]) + 1e-300);
    }
    assert_near(hpo__ndtri_exp(log(0.975)), 1.959963984540054, 1e-13);
    /* truncated-normal quantiles stay inside and hit the ends */
    assert_near(hpo__truncnorm_ppf(0.5, -1.0, 1.0), 0.0, 1e-15);
    assert_near(hpo__truncnorm_ppf(0.0, -1.0, 2.0), -1.0, 0.0);
    assert_near(hpo__truncnorm_ppf(1.0, -1.0, 2.0), 2.0, 0.0);
    double far = hpo__truncnorm_ppf(0.3, 30.0, 40.0);
    assert_near(far, 30.0 - log(0.7) / 30.0, 2e-4); /* exponential tail */
    assert_near(hpo__truncnorm_ppf(0.7, -40.0, -30.0), -far, 1e-12);
    /* mass of a far-tail cell is finite in log space */
    double m = hpo__log_gauss_mass(-50.0, -49.0);
    assert_true(isfinite(m) && m < -1200.0);
}

static void test_sampling_bounds(void **state)
{
    (void)state;
    hpo__parzen pe;
    hpo_rng rng;
    hpo_value ch[3] = {hpo_value_int(1), hpo_value_int(2), hpo_value_int(3)};
    hpo_distribution *ds[4] = {float_dist(1e-5, 1.0, HPO_NO_STEP, true),
            int_dist(2, 20, 3, false), float_dist(-1.0, 1.0, 0.25, false), NULL};
    assert_ok(hpo_distribution_categorical_new(&ds[3], ch, 3));
    double obs[3 * 4] = {1e-3, 5, 0.25, 2, 0.5, 20, -1.0, 0, 1e-5, 11, 1.0, 1};
    double w[3] = {1, 1, 1}, x[200 * 4];
    int counts[3] = {0, 0, 0};
    hpo__rng_seed(&rng, 7);
    assert_ok(hpo__parzen_build(&pe, (const hpo_distribution *const *)ds, 4, obs, 3, w,
            &DEFAULT_OPTS));
    assert_ok(hpo__parzen_sample(&pe, &rng, 200, x));
    for (int s = 0; s < 200; s++) {
        double *r = x + 4 * s;
        assert_true(r[0] >= 1e-5 && r[0] <= 1.0);
        assert_true(r[1] >= 2 && r[1] <= 20 && fmod(r[1] - 2, 3) == 0.0);
        assert_true(r[2] >= -1.0 && r[2] <= 1.0 && fmod(r[2] + 1.0, 0.25) == 0.0);
        assert_true(r[3] == 0 || r[3] == 1 || r[3] == 2);
        counts[(int)r[3]]++;
    }
    for (int k = 0; k < 3; k++)
        assert_true(counts[k] > 20);
    hpo__parzen_free(&pe);
    for (int i = 0; i < 4; i++)
        hpo_distribution_free(ds[i]);
}

static void test_sampling_concentrates(void **state)
{
    (void)state;
    hpo__parzen pe;
    hpo_rng rng;
    hpo_distribution *d = float_dist(0.0, 10.0, HPO_NO_STEP, false);
    double obs[20], w[20], x[1000], mean = 0.0;
    const hpo_distribution *ds[1] = {d};
    for (int i = 0; i < 20; i++) {
        obs[i] = 7.0 + 0.01 * i;
        w[i] = 1.0;
    }
    hpo__rng_seed(&rng, 1);
    assert_ok(hpo__parzen_build(&pe, ds, 1, obs, 20, w, &DEFAULT_OPTS));
    assert_ok(hpo__parzen_sample(&pe, &rng, 1000, x));
    for (int i = 0; i < 1000; i++)
        mean += x[i] / 1000.0;
    /* 20 of 21 components sit near 7.1 (the prior at 5 has weight 1/21) */
    assert_true(fabs(mean - 7.0) < 0.5);
    hpo__parzen_free(&pe);
    hpo_distribution_free(d);
}

static void test_scott_and_endpoints(void **state)
{
    (void)state;
    hpo__parzen pe;
    hpo_distribution *d = float_dist(0.0, 1.0, HPO_NO_STEP, false);
    const hpo_distribution *ds[2] = {d, d};
    double obs[4 * 2] = {0.1, 0.1, 0.2, 0.2, 0.8, 0.8, 0.9, 0.9}, w[4] = {1, 1, 1, 1};
    hpo__parzen_opts scott = DEFAULT_OPTS;
    scott.scott_bandwidth = true;
    scott.consider_magic_clip = false; /* the clip would lift 0.159 to 1/6 */
    assert_ok(hpo__parzen_build(&pe, ds, 2, obs, 4, w, &scott));
    double want = 0.2 * pow(4.0, -1.0 / 6.0);
    for (int i = 0; i < 4; i++)
        assert_near(pe.dims[1].sigmas[i], want, 1e-15);
    assert_near(pe.dims[1].sigmas[4], 1.0, 0.0); /* prior */
    hpo__parzen_free(&pe);

    hpo__parzen_opts ends = DEFAULT_OPTS;
    ends.consider_endpoints = true;
    ends.consider_magic_clip = false;
    const double obs1[3] = {0.1, 0.5, 0.3};
    const hpo_distribution *d1[1] = {d};
    assert_ok(hpo__parzen_build(&pe, d1, 1, obs1, 3, w, &ends));
    /* with endpoints the outer sigmas face the bounds: max(0.1, 0.2), max(0.2, 0.5) */
    assert_near(pe.dims[0].sigmas[0], 0.2, 1e-15);
    assert_near(pe.dims[0].sigmas[1], 0.5, 1e-15);
    hpo__parzen_free(&pe);
    hpo_distribution_free(d);
}

static void test_invalid_inputs(void **state)
{
    (void)state;
    hpo__parzen pe;
    hpo_distribution *d = float_dist(0.0, 1.0, HPO_NO_STEP, false);
    const hpo_distribution *ds[1] = {d};
    double obs[2] = {0.1, 0.2}, bad_w[2] = {1.0, -1.0}, w[2] = {1, 1};
    assert_status(hpo__parzen_build(&pe, ds, 1, obs, 2, bad_w, &DEFAULT_OPTS), HPO_EINVAL);
    assert_msg_has("-1");
    hpo__parzen_opts o = DEFAULT_OPTS;
    o.prior_weight = 0.0;
    assert_status(hpo__parzen_build(&pe, ds, 1, obs, 2, w, &o), HPO_EINVAL);
    assert_msg_has("prior_weight");
    double nan_obs[2] = {0.1, NAN};
    assert_status(hpo__parzen_build(&pe, ds, 1, nan_obs, 2, w, &DEFAULT_OPTS), HPO_EINVAL);
    hpo__parzen_free(&pe); /* safe after a failed build */
    hpo_distribution_free(d);
}

static void test_oom(void **state)
{
    (void)state;
    hpo__parzen pe;
    hpo_distribution *d = float_dist(0.0, 1.0, HPO_NO_STEP, false);
    const hpo_distribution *ds[1] = {d};
    double obs[3] = {0.1, 0.5, 0.3}, w[3] = {1, 1, 1};
    int rc;
    for (long n = 0;; n++) {
        hpo__fail_alloc_after(n);
        rc = hpo__parzen_build(&pe, ds, 1, obs, 3, w, &DEFAULT_OPTS);
        hpo__fail_alloc_after(-1);
        if (rc == HPO_OK)
            break;
        assert_status(rc, HPO_ENOMEM);
    }
    hpo__parzen_free(&pe);
    hpo_distribution_free(d);
}


/* Reference mixture log density, every component computed in log space. */
static double naive_log_pdf(const hpo__parzen *pe, const double *x)
{
    double m = -HUGE_VAL, s = 0.0, *terms = malloc(pe->n_components * sizeof(double));
    for (size_t c = 0; c < pe->n_components; c++) {
        double v = pe->log_weights[c];
        for (size_t d = 0; d < pe->n_dims; d++) {
            const hpo__pz_dim *dim = &pe->dims[d];
            if (dim->kind == HPO__PZ_CATEGORICAL) {
                long o = dim->cat_obs[c];
                v += o == (long)x[d] ? dim->lp_hit : (o < 0 ? dim->lp_prior : dim->lp_miss);
            } else if (dim->kind == HPO__PZ_CONTINUOUS) {
                double z = ((dim->log ? log(x[d]) : x[d]) - dim->mus[c]) / dim->sigmas[c];
                v += -0.5 * z * z - log(dim->sigmas[c]) - 0.91893853320467274178 -
                     dim->log_norm[c];
            } else {
                double l = x[d] - dim->step / 2, r = x[d] + dim->step / 2;
                if (dim->log) {
                    l = log(l);
                    r = log(r);
                }
                v += hpo__log_gauss_mass((l - dim->mus[c]) / dim->sigmas[c],
                             (r - dim->mus[c]) / dim->sigmas[c]) -
                     dim->log_norm[c];
            }
        }
        terms[c] = v;
        m = v > m ? v : m;
    }
    for (size_t c = 0; c < pe->n_components; c++)
        s += exp(terms[c] - m);
    free(terms);
    return m + log(s);
}

/* The pruned, fast evaluation equals the plain reference on a mixed 5-D space. */
static void test_log_pdf_matches_reference(void **state)
{
    enum { N = 400, D = 5, P = 200 };
    hpo_distribution *ds[D];
    hpo_value ch[] = {hpo_value_string("a"), hpo_value_string("b"), hpo_value_string("c")};
    double *obs = malloc(N * D * sizeof(double)), w[N], *pts = malloc(P * D * sizeof(double));
    double got[P];
    hpo__parzen pe = {0};
    hpo_rng rng;
    (void)state;
    assert_ok(hpo_distribution_float_new(&ds[0], -5, 5, HPO_NO_STEP, false));
    assert_ok(hpo_distribution_float_new(&ds[1], 1e-5, 1e-1, HPO_NO_STEP, true));
    assert_ok(hpo_distribution_int_new(&ds[2], 16, 256, 1, false));
    assert_ok(hpo_distribution_int_new(&ds[3], 1, 1000, 1, true));
    assert_ok(hpo_distribution_categorical_new(&ds[4], ch, 3));
    hpo__rng_seed(&rng, 11);
    for (size_t i = 0; i < N; i++) {
        w[i] = 1.0;
        obs[i * D + 0] = -5 + 10 * hpo__rng_uniform(&rng);
        obs[i * D + 1] = exp(log(1e-5) + hpo__rng_uniform(&rng) * log(1e4));
        obs[i * D + 2] = (double)(16 + hpo__rng_below(&rng, 241));
        obs[i * D + 3] = (double)(1 + hpo__rng_below(&rng, 1000));
        obs[i * D + 4] = (double)hpo__rng_below(&rng, 3);
    }
    assert_ok(hpo__parzen_build(&pe, (const hpo_distribution *const *)ds, D, obs, N, w,
            &DEFAULT_OPTS));
    assert_ok(hpo__parzen_sample(&pe, &rng, P, pts));
    assert_ok(hpo__parzen_log_pdf(&pe, pts, P, got));
    for (size_t p = 0; p < P; p++) {
        double want = naive_log_pdf(&pe, pts + p * D);
        assert_near(got[p], want, 1e-9 * (1.0 + fabs(want)));
    }
    hpo__parzen_free(&pe);
    for (size_t d = 0; d < D; d++)
        hpo_distribution_free(ds[d]);
    free(obs);
    free(pts);
}

/*
 * Discrete-only estimators, every grid value: the exact discrete terms are
 * computed for a subset of components chosen by a bound, and each component
 * must keep its own term (a regression: the bound's best component once took
 * the running maximum instead, overstating the density).
 */
static void test_discrete_log_pmf_matches_reference(void **state)
{
    hpo_distribution *ds[2];
    hpo_rng rng;
    size_t checked = 0;
    (void)state;
    assert_ok(hpo_distribution_int_new(&ds[0], 0, 20, 1, false));
    assert_ok(hpo_distribution_int_new(&ds[1], 1, 64, 1, true));
    hpo__rng_seed(&rng, 5);
    for (int round = 0; round < 200; round++) {
        size_t n = 1 + hpo__rng_below(&rng, 40), nd = 1 + (size_t)(round % 2);
        double obs[80], w[40], x[2], want, got;
        hpo__parzen pe = {0};
        for (size_t i = 0; i < n; i++) {
            /* clustered values make ties and small sigmas, where bounds are loose */
            obs[i * nd] = (double)(5 + hpo__rng_below(&rng, 3 + (size_t)round % 10));
            if (nd == 2)
                obs[i * nd + 1] = (double)(1 + hpo__rng_below(&rng, 64));
            w[i] = 0.05 + hpo__rng_uniform(&rng);
        }
        assert_ok(hpo__parzen_build(&pe, (const hpo_distribution *const *)ds, nd, obs, n, w,
                &DEFAULT_OPTS));
        for (int v = 0; v <= 20; v++) {
            x[0] = v;
            x[1] = (double)(1 + (v * 3) % 64);
            assert_ok(hpo__parzen_log_pdf(&pe, x, 1, &got));
            want = naive_log_pdf(&pe, x);
            assert_near(got, want, 1e-9 * (1.0 + fabs(want)));
            checked++;
        }
        hpo__parzen_free(&pe);
    }
    assert_true(checked == 200 * 21);
    hpo_distribution_free(ds[0]);
    hpo_distribution_free(ds[1]);
}

/*
 * A large mixture whose discrete kernels repeat (ints with few values, clipped
 * sigmas): components labelled alike have the very same kernel, there are
 * fewer labels than components, and a batch of points (sharing masses across
 * points with equal values) gives each point's density bit for bit as alone,
 * and as the plain reference.
 */
static void test_repeated_kernels_share_masses(void **state)
{
    enum { N = 600, D = 3, P = 24 };
    hpo_distribution *ds[D];
    double *obs = malloc(N * D * sizeof(double)), w[N], pts[P * D], got[P], one;
    hpo__parzen pe = {0};
    hpo_rng rng;
    (void)state;
    assert_ok(hpo_distribution_int_new(&ds[0], 1, 8, 1, false));
    assert_ok(hpo_distribution_float_new(&ds[1], -1, 1, HPO_NO_STEP, false));
    assert_ok(hpo_distribution_int_new(&ds[2], 1, 64, 1, true));
    hpo__rng_seed(&rng, 23);
    for (size_t i = 0; i < N; i++) {
        w[i] = 0.5 + (double)i / N;
        obs[i * D + 0] = (double)(1 + hpo__rng_below(&rng, 8));
        obs[i * D + 1] = -1 + 2 * hpo__rng_uniform(&rng);
        obs[i * D + 2] = (double)(1 + hpo__rng_below(&rng, 64));
    }
    assert_ok(hpo__parzen_build(&pe, (const hpo_distribution *const *)ds, D, obs, N, w,
            &DEFAULT_OPTS));
    for (size_t d = 0; d < D; d += 2) {
        const hpo__pz_dim *dim = &pe.dims[d];
        size_t *first = malloc(pe.n_components * sizeof(size_t));
        assert_true(dim->n_kern > 0 && dim->n_kern < pe.n_components / 4);
        for (size_t k = 0; k < dim->n_kern; k++)
            first[k] = SIZE_MAX;
        for (size_t c = 0; c < pe.n_components; c++) {
            size_t k = dim->kid[c], f;
            assert_true(k < dim->n_kern);
            if (first[k] == SIZE_MAX)
                first[k] = c;
            f = first[k];
            assert_true(dim->mus[f] == dim->mus[c] && dim->inv_sigma[f] == dim->inv_sigma[c] &&
                        dim->log_norm[f] == dim->log_norm[c]);
        }
        free(first);
    }
    assert_ok(hpo__parzen_sample(&pe, &rng, P, pts));
    assert_ok(hpo__parzen_log_pdf(&pe, pts, P, got));
    for (size_t p = 0; p < P; p++) {
        double want = naive_log_pdf(&pe, pts + p * D);
        assert_ok(hpo__parzen_log_pdf(&pe, pts + p * D, 1, &one));
        assert_true(memcmp(&one, &got[p], sizeof(double)) == 0);
        assert_near(got[p], want, 1e-9 * (1.0 + fabs(want)));
    }
    hpo__parzen_free(&pe);
    for (size_t d = 0; d < D; d++)
        hpo_distribution_free(ds[d]);
    free(obs);
}

/*
 * An estimator rebuilt in place keeps its memo of discrete masses across
 * rebuilds: its densities stay bit for bit those of a fresh estimator.
 */
static void test_rebuilt_estimator_matches_fresh(void **state)
{
    enum { N = 150, D = 2, P = 24 };
    hpo_distribution *ds[D];
    double obs[N * D], w[N], pts[P * D], got[P], want[P];
    hpo__parzen kept = {0};
    hpo_rng rng;
    (void)state;
    assert_ok(hpo_distribution_int_new(&ds[0], 1, 8, 1, false));
    assert_ok(hpo_distribution_int_new(&ds[1], 2, 300, 1, true));
    hpo__rng_seed(&rng, 31);
    for (int round = 0; round < 6; round++) {
        hpo__parzen fresh = {0};
        size_t n = N - 20 * (size_t)round;
        for (size_t i = 0; i < n; i++) {
            w[i] = 0.25 + hpo__rng_uniform(&rng);
            obs[i * D + 0] = (double)(1 + hpo__rng_below(&rng, 8));
            obs[i * D + 1] = (double)(2 + hpo__rng_below(&rng, 299));
        }
        assert_ok(hpo__parzen_build_ordered(&kept, (const hpo_distribution *const *)ds, D, obs,
                n, w, &DEFAULT_OPTS, NULL, NULL));
        assert_ok(hpo__parzen_build(&fresh, (const hpo_distribution *const *)ds, D, obs, n, w,
                &DEFAULT_OPTS));
        assert_ok(hpo__parzen_sample(&fresh, &rng, P, pts));
        /* twice on the kept one: the second reads the memo */
        for (int rep = 0; rep < 2; rep++) {
            assert_ok(hpo__parzen_log_pdf(&kept, pts, P, got));
            assert_ok(hpo__parzen_log_pdf(&fresh, pts, P, want));
            assert_true(memcmp(got, want, sizeof(got)) == 0);
        }
        hpo__parzen_free(&fresh);
    }
    hpo__parzen_free(&kept);
    hpo_distribution_free(ds[0]);
    hpo_distribution_free(ds[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_vectors_float),
            cmocka_unit_test(test_log_pdf_matches_reference),
            cmocka_unit_test(test_discrete_log_pmf_matches_reference),
            cmocka_unit_test(test_repeated_kernels_share_masses),
            cmocka_unit_test(test_rebuilt_estimator_matches_fresh),
            cmocka_unit_test(test_vectors_int_and_log),
            cmocka_unit_test(test_vectors_categorical),
            cmocka_unit_test(test_default_gamma_and_weights),
            cmocka_unit_test(test_gaussian_helpers),
            cmocka_unit_test(test_sampling_bounds),
            cmocka_unit_test(test_sampling_concentrates),
            cmocka_unit_test(test_scott_and_endpoints),
            cmocka_unit_test(test_invalid_inputs),
            cmocka_unit_test(test_oom),
    };
    return HPO_RUN_TESTS("parzen", tests);
}
