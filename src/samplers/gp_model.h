/*
 * gp_model.h - the Gaussian process behind the gp sampler (Optuna's GPSampler
 * model, reference/optuna.md §4): inputs in [0,1] (categorical dimensions hold
 * the raw choice index and compare by Hamming distance), a Matérn-5/2 ARD
 * kernel scaled by kernel_scale, Gaussian noise, hyperparameters fitted by
 * maximising the log marginal likelihood plus a log prior with L-BFGS-B, and
 * the posterior through a LAPACK Cholesky factor.
 */
#ifndef HPO_SAMPLERS_GP_MODEL_H
#define HPO_SAMPLERS_GP_MODEL_H

#include <stdbool.h>
#include <stddef.h>

/* The noise variance never goes below this (Optuna's minimum noise). */
#define HPO__GP_MIN_NOISE 1e-6

typedef struct hpo__gp_params {
    double *inv_sq_ls; /* d inverse squared length scales */
    double scale;      /* kernel_scale */
    double noise;      /* noise variance, >= HPO__GP_MIN_NOISE */
} hpo__gp_params;

typedef struct hpo__gp {
    size_t n, d;
    double *X;      /* n x d, row-major (owned copy) */
    bool *is_cat;   /* d */
    double *y;      /* n targets (owned copy) */
    hpo__gp_params p;
    double *L;      /* n x n lower Cholesky factor of K (column-major) */
    double *alpha;  /* K^-1 y */
    double lml;     /* log marginal likelihood at p */
} hpo__gp;

/** Matérn-5/2 of a squared scaled distance, and its derivative in d2. */
double hpo__matern52(double d2);
double hpo__matern52_grad(double d2);

/**
 * A model over n points (n >= 1, d >= 0) with default hyperparameters (all
 * 1.0, noise 1.0 clipped as fitted); nothing is factorised yet. Errors: ENOMEM.
 */
int hpo__gp_init(hpo__gp *gp, size_t n, size_t d, const double *X, const bool *is_cat,
        const double *y);
void hpo__gp_free(hpo__gp *gp);

/**
 * Fit the hyperparameters (L-BFGS-B on their logarithms, from gp->p), then
 * factorise. deterministic fixes the noise at HPO__GP_MIN_NOISE. When the fit
 * fails it restarts from the defaults; when that fails too, the defaults stay.
 * Errors: ENOMEM; HPO_ERROR when K cannot be factorised even at defaults.
 */
int hpo__gp_fit(hpo__gp *gp, bool deterministic);

/** Factorise K at gp->p (after setting p by hand). Errors: ENOMEM, HPO_ERROR (K not positive definite). */
int hpo__gp_factorize(hpo__gp *gp);

/**
 * The objective of the fit: log marginal likelihood plus log prior at the log
 * parameters theta[0..d+2) (d log inverse squared length scales, log scale,
 * log(noise - min noise); the last is absent when deterministic), with its
 * gradient in grad (may be NULL). Returns -inf when K is not positive definite.
 */
double hpo__gp_log_posterior(hpo__gp *gp, const double *theta, bool deterministic, double *grad);

/**
 * Posterior mean and latent variance at m points (row-major m x d) into
 * mean[m], var[m] (floored at 1e-10). Errors: ENOMEM.
 */
int hpo__gp_predict(const hpo__gp *gp, size_t m, const double *x, double *mean, double *var);

/** Posterior mean and latent variance at one point; work: n doubles. */
void hpo__gp_predict_one(const hpo__gp *gp, const double *x, double *mean, double *var,
        double *work);

/**
 * Posterior at one point with gradients in the non-categorical coordinates
 * (dmean, dvar: d entries, 0 in categorical ones). work: 3n doubles.
 */
void hpo__gp_predict_grad(const hpo__gp *gp, const double *x, double *mean, double *var,
        double *dmean, double *dvar, double *work);

#endif
