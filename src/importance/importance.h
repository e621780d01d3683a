/*
 * importance.h - internal interfaces of the parameter-importance evaluators
 * (fANOVA on a random forest, PED-ANOVA), below the public hpo_importance().
 *
 * The evaluators work on plain arrays so that tests and benchmarks can feed them
 * synthetic data without a study.
 */
#ifndef HPO_IMPORTANCE_IMPORTANCE_H
#define HPO_IMPORTANCE_IMPORTANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/record.h"
#include "hpo/hpo.h"

/* fANOVA input: an n x n_cols design (column-major) and its box. */
typedef struct hpo__fanova_input {
    const double *x; /* x[c*n + i] */
    const double *y; /* n targets */
    size_t n;
    size_t n_cols;
    const double *lo; /* per column: the box the trees partition */
    const double *hi;
    const size_t *group; /* per column: the parameter it encodes (one-hot columns share one) */
    size_t n_groups;
    size_t n_trees;
    size_t max_depth;
    uint64_t seed;
    int n_threads; /* <= 0: one per online CPU (at most 8) */
} hpo__fanova_input;

/**
 * Fit the forest and write each group's variance fraction, averaged over the
 * trees whose total variance is non-zero, into importance[0..n_groups) (all 0
 * when no tree has variance). Deterministic for a given seed whatever the
 * thread count. Errors: EINVAL (empty input, lo >= hi), ENOMEM, EUNSUPPORTED
 * (a one-hot group whose joint grid exceeds 2^22 cells).
 */
int hpo__fanova(const hpo__fanova_input *in, double *importance);

/* PED-ANOVA: trials (COMPLETE, finite target) with their losses (lower is better). */
typedef struct hpo__pedanova_input {
    hpo__record *const *trials;
    const double *loss;
    size_t n;
    const char *const *params; /* parameters to score */
    size_t n_params;
    double target_quantile;
    double region_quantile;
    bool evaluate_on_local;
    /* n_objectives > 1: the sets are chosen on the trials' values by
     * non-domination rank and hypervolume subset selection; loss is unused. */
    const hpo_direction *directions;
    size_t n_objectives;
} hpo__pedanova_input;

/**
 * Unnormalised PED-ANOVA importances into importance[0..n_params): for each
 * parameter, the trials that carry it are grouped by distribution ("regime");
 * each regime with at least 2 region trials adds alpha^2/beta times the Pearson
 * divergence between the target set's and the region's discretised Parzen
 * densities. Errors: EINVAL (quantiles), ENOMEM.
 */
int hpo__pedanova(const hpo__pedanova_input *in, double *importance);

/**
 * hpo_importance() over given records (any states; only COMPLETE ones with a
 * finite value of the chosen objective are used), for the plots, the
 * dashboard and benchmarks that already hold the trials. directions has
 * n_objectives entries. Same outputs and errors as hpo_importance().
 */
int hpo__importance_records(hpo__record *const *trials,
                            size_t n_trials,
                            const hpo_direction *directions,
                            size_t n_objectives,
                            hpo_importance_kind kind,
                            const hpo_importance_options *opts,
                            char ***names_out,
                            double **values_out,
                            size_t *n_out);

#endif
