/*
 * gp_acqf.h - the gp sampler's acquisition: log expected improvement (computed
 * stably far below the incumbent, as in LogEI, Ament et al. 2023) and its
 * maximisation over a mixed space, as Optuna's optimize_acqf_mixed does it:
 * 2048 random starts, then from the best few a local search that alternates
 * L-BFGS-B on the continuous coordinates with exhaustive or line search on the
 * discrete ones.
 */
#ifndef HPO_SAMPLERS_GP_ACQF_H
#define HPO_SAMPLERS_GP_ACQF_H

#include "core/rng.h"
#include "samplers/gp_model.h"

typedef enum hpo__gp_dim_kind {
    HPO__GP_CONTINUOUS, /* any value in [0, 1] */
    HPO__GP_DISCRETE,   /* one of grid[0..n_grid), ascending in [0, 1] */
    HPO__GP_CATEGORICAL /* a choice index 0..n_grid-1 (Hamming kernel) */
} hpo__gp_dim_kind;

typedef struct hpo__gp_dim {
    hpo__gp_dim_kind kind;
    size_t n_grid;
    double *grid; /* DISCRETE: normalised values; CATEGORICAL: NULL */
} hpo__gp_dim;

/**
 * log EI of a Gaussian N(mean, var) over threshold, with its derivatives in
 * mean and in the standard deviation when dmean/dsd are not NULL.
 */
double hpo__log_ei(double mean, double var, double threshold, double *dmean, double *dsd);

/** log Phi(z), stable far into the lower tail, and d/dz log Phi(z) when dlog is not NULL. */
double hpo__gp_log_cdf(double z, double *dlog);

/*
 * An acquisition: log EI of gp over threshold (when use_ei; off while no
 * trial is feasible) plus, for each constraint model, the log probability
 * that its (standardised, larger-is-feasible) output exceeds cons_threshold.
 * Every model is over the same d coordinates.
 */
typedef struct hpo__gp_acq {
    const hpo__gp *gp;
    double threshold;
    bool use_ei;
    const hpo__gp *cons;
    const double *cons_threshold;
    size_t n_cons;
} hpo__gp_acq;

/** The maximiser of acq over dims, as hpo__gp_maximize_log_ei. Errors: ENOMEM. */
int hpo__gp_maximize_acq(const hpo__gp_acq *acq, const hpo__gp_dim *dims, const double *warm,
        hpo_rng *rng, double *x_out, double *value_out);

/**
 * The point of the space dims[0..gp->d) that maximises log EI over threshold.
 * warm (NULL or d coordinates, e.g. the best trial) is one of the local
 * searches' starts. x_out: d coordinates. Errors: ENOMEM.
 */
int hpo__gp_maximize_log_ei(const hpo__gp *gp, const hpo__gp_dim *dims, double threshold,
        const double *warm, hpo_rng *rng, double *x_out, double *value_out);

#endif
