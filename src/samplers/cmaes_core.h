/*
 * cmaes_core.h - the CMA-ES algorithm itself, with no study in sight: the
 * state of one run (mean, step size, covariance, evolution paths), ask (one
 * candidate from N(m, sigma^2 C), resampled then clipped into the box), tell
 * (one generation of popsize evaluated candidates), and the termination tests
 * that trigger an IPOP restart. It follows the `cmaes` package's CMA class
 * (Hansen's tutorial, arXiv:1604.00772) and, for dimensions with a step, its
 * CMAwM ("CMA-ES with margin", arXiv:2205.13482), which keeps a minimum
 * probability of leaving the current grid value so integer dimensions do not
 * freeze. The eigendecomposition of C goes through LAPACKE_dsyev.
 * Internal to src/samplers.
 */
#ifndef HPO_SAMPLERS_CMAES_CORE_H
#define HPO_SAMPLERS_CMAES_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/rng.h"

typedef struct hpo__cma {
    size_t d, popsize, mu;
    double mu_eff, cc, c1, cmu, c_sigma, d_sigma, chi_n, sum_w;
    double *w;       /* popsize recombination weights (negative for the worse half) */
    double *mean;    /* d */
    double *ps, *pc; /* evolution paths, d */
    double *C;       /* d x d, row major */
    double *B, *D;   /* eigenvectors (columns of B) and sqrt eigenvalues; valid when eig_ok */
    bool eig_ok;
    double sigma;
    int64_t g;        /* generations told */
    double *lo, *hi;  /* the box, d */
    size_t n_resample;
    double tolx, tolxup, tolfun, tolcond;
    size_t funhist_term;
    double *funhist; /* best and worst of the last funhist_term generations */
    /* margin: the discrete dimensions */
    size_t nz;
    size_t *zi;          /* their indices */
    double *zlow, *zstep; /* grid: zlow + k zstep, k < zsize */
    int64_t *zsize;
    double *A;           /* d: the margin's per-dimension scaling (1 for continuous) */
    double margin;
    double *work;        /* scratch: 4 d + d d + popsize (d + 1) */
} hpo__cma;

/**
 * Start a run in dimension d >= 1 with mean[0..d) inside the box [lo, hi]
 * (lo < hi), step size sigma > 0 and popsize >= 2 (0: 4 + floor(3 ln d)).
 * steps NULL or steps[j] <= 0: dimension j is continuous; steps[j] > 0: j is a
 * grid lo[j] + k steps[j] handled with margin (at least two points). Errors:
 * HPO_EINVAL naming the bad argument, HPO_ENOMEM (c is then empty).
 */
int hpo__cma_init(hpo__cma *c, size_t d, const double *mean, double sigma, const double *lo,
        const double *hi, const double *steps, size_t popsize);
/** Release a run. A zeroed or freed struct is fine. */
void hpo__cma_free(hpo__cma *c);
/** The default population size, 4 + floor(3 ln d). */
size_t hpo__cma_default_popsize(size_t d);
/**
 * One candidate: x_eval (continuous dims in the box, discrete dims on their
 * grid) for evaluation and x_tell (the raw draw) for hpo__cma_tell. Up to
 * 10 d draws are tried for one inside the box, then the last is clipped.
 * Errors: HPO_ERROR when the eigendecomposition fails.
 */
int hpo__cma_ask(hpo__cma *c, hpo_rng *rng, double *x_eval, double *x_tell);
/**
 * Update with one generation: X is popsize x d (x_tell rows), f the values to
 * minimise (finite). Errors: HPO_ERROR (eigendecomposition), HPO_EINVAL (a
 * non-finite value).
 */
int hpo__cma_tell(hpo__cma *c, const double *X, const double *f);
/**
 * The `cmaes` package's termination tests (flat values over the recent
 * generations, tolx, divergence, no-effect coordinate or axis, condition
 * number of C above 1e14). Errors: HPO_ERROR (eigendecomposition).
 */
int hpo__cma_should_stop(hpo__cma *c, bool *out);

/** The standard normal quantile, for 0 < p < 1 (Acklam + one Halley step). */
double hpo__norm_ppf(double p);

#endif
