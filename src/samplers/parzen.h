/*
 * parzen.h - TPE's Parzen estimator (reference/optuna.md §3.4) as pure math over
 * arrays: a mixture of one product kernel per observation plus a prior
 * component, built from internal parameter values. TPE builds one for the
 * "below" observations (l) and one for the "above" ones (g), samples candidates
 * from l and scores them with log l - log g. Nothing here knows about studies.
 *
 * Also exposes the Gaussian helpers (log_ndtr, its inverse, truncated normal
 * quantiles) so the tests can check them directly.
 */
#ifndef HPO_SAMPLERS_PARZEN_H
#define HPO_SAMPLERS_PARZEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/rng.h"
#include "hpo/hpo.h"

typedef enum hpo__pz_kind {
    HPO__PZ_CONTINUOUS = 0, /* float without a step: truncated normal density */
    HPO__PZ_DISCRETE = 1,   /* int, or float with a step: Gaussian mass of the cell */
    HPO__PZ_CATEGORICAL = 2
} hpo__pz_kind;

/* One parameter (dimension) of the estimator. */
typedef struct hpo__pz_dim {
    hpo__pz_kind kind;
    bool log;
    double low, high; /* the distribution's bounds, internal values */
    double step;      /* discrete only (ints: their step), else 0 */
    double tlow;      /* transformed bounds: widened by step/2 when discrete, then ln if log */
    double thigh;
    /* numerical: per component (observations then prior) */
    double *mus;
    double *sigmas;
    double *log_norm; /* log(Phi(b) - Phi(a)) of the component's truncation */
    double *inv_sigma;
    double *lconst;   /* continuous: -log sigma - log sqrt(2 pi) - log_norm */
    /*
     * discrete: per component, a label shared by components with the same
     * kernel (mu, inv_sigma, log_norm bits), 0..n_kern), so hpo__parzen_log_pdf
     * computes each kernel's mass on a cell once; n_kern 0 when not labelled
     */
    uint32_t *kid;
    size_t n_kern;
    /* categorical */
    size_t n_choices;
    long *cat_obs;    /* per component: observed index, -1 for the prior */
    double lp_hit;    /* log p_i(k) when k == c_i */
    double lp_miss;   /* log p_i(k) when k != c_i */
    double lp_prior;  /* -log K */
} hpo__pz_dim;

typedef struct hpo__parzen {
    size_t n_components; /* observations + 1 (the prior, always last) */
    size_t n_dims;
    double *weights;     /* normalised mixture weights */
    double *log_weights;
    hpo__pz_dim *dims;
    /* memory kept for rebuilding (hpo__parzen_build_ordered) */
    size_t cap_components, cap_dims;
    void *sort_scratch;
    /*
     * Discrete masses already computed, keyed by all their inputs, kept across
     * rebuilds (TPE's kernels and cells recur from trial to trial): written by
     * hpo__parzen_log_pdf, so one estimator is not evaluated by two threads at once.
     */
    void *memo;
} hpo__parzen;

typedef struct hpo__parzen_opts {
    double prior_weight;      /* > 0 */
    bool consider_magic_clip; /* minsigma = range / min(100, n + 2) instead of 1e-12 */
    bool consider_endpoints;  /* keep the bound-facing sigma of the outermost mus */
    bool scott_bandwidth;     /* Optuna 4.9 multivariate: 0.2 n^(-1/(d+4)) * range */
} hpo__parzen_opts;

/**
 * Build an estimator over n_dims parameters described by dists (none may be a
 * single distribution) from n_obs observations: obs is row-major n_obs x n_dims
 * of internal values (categorical: the choice index) and obs_weights the
 * unnormalised observation weights (n_obs entries, finite, >= 0). On failure pe
 * is left empty (safe to free). Errors: HPO_EINVAL (bad weight or observation
 * outside the distribution), HPO_ENOMEM.
 */
int hpo__parzen_build(hpo__parzen *pe, const hpo_distribution *const *dists, size_t n_dims,
        const double *obs, size_t n_obs, const double *obs_weights,
        const hpo__parzen_opts *opts);
/**
 * hpo__parzen_build into pe, which must be zeroed or hold an estimator (whose
 * memory is reused when big enough: TPE rebuilds its two every trial), with,
 * per dimension, an optional order of the observations
 * (orders NULL, or orders[d] NULL for none): indices 0..n_obs) sorted by
 * (transformed value, index), e.g. kept across calls by the caller. A numerical
 * dimension with such an order skips its sort; an order that is not exactly
 * that is ignored (the dimension is sorted), so the estimator never differs.
 * mus (NULL, or per dimension NULL or n_obs values) gives the transformed
 * observations (ln v for log dimensions), computed by the caller exactly so.
 * On failure pe holds no estimator but may keep memory: hpo__parzen_free it.
 */
int hpo__parzen_build_ordered(hpo__parzen *pe, const hpo_distribution *const *dists,
        size_t n_dims, const double *obs, size_t n_obs, const double *obs_weights,
        const hpo__parzen_opts *opts, const uint32_t *const *orders, const double *const *mus);
/** Release the arrays; the struct itself is the caller's. Safe on a zeroed struct. */
void hpo__parzen_free(hpo__parzen *pe);

/**
 * Draw n samples into out (row-major n x n_dims, internal values, each inside
 * its distribution; discrete values snapped to their grid). Errors: HPO_ENOMEM.
 */
int hpo__parzen_sample(const hpo__parzen *pe, hpo_rng *rng, size_t n, double *out);

/**
 * Mixture log density (log mass for discrete and categorical dimensions) of n
 * points x (row-major n x n_dims) into out[0..n). Errors: HPO_ENOMEM.
 */
int hpo__parzen_log_pdf(const hpo__parzen *pe, const double *x, size_t n, double *out);

/* ---- Gaussian helpers (exposed for tests) -------------------------------- */

/** log Phi(z), accurate far into both tails (asymptotic series below -20). */
double hpo__log_ndtr(double z);
/** log(Phi(b) - Phi(a)) for a <= b, computed in the tail that keeps precision. */
double hpo__log_gauss_mass(double a, double b);
/** The x with log Phi(x) = y (y <= 0). */
double hpo__ndtri_exp(double y);
/** Quantile q in [0,1] of the standard normal truncated to [a, b]. */
double hpo__truncnorm_ppf(double q, double a, double b);

#endif
