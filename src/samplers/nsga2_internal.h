/*
 * nsga2_internal.h - the pieces of the NSGA-II sampler (nsga2.c) that tests
 * check on hand-made data: non-domination ranks, Optuna's crowding distance
 * and the elite selection built from both. Internal to src/samplers.
 */
#ifndef HPO_SAMPLERS_NSGA2_INTERNAL_H
#define HPO_SAMPLERS_NSGA2_INTERNAL_H

#include <stddef.h>

#include "hpo/hpo.h"

/**
 * Non-domination rank (0 = Pareto front) of n points, loss row-major n x m,
 * every objective minimised; equal points share a rank. viol NULL: no
 * constraints; else viol[i] is point i's total violation: feasible points
 * (viol <= 0) are ranked first, infeasible ones after them by violation
 * (equal violations share a rank), as Optuna's _fast_non_domination_rank.
 * Errors: HPO_ENOMEM.
 */
int hpo__nsga2_rank(const double *loss, size_t n, size_t m, const double *viol, size_t *rank);

/**
 * Optuna's crowding distance of the points idx[0..k) (values row-major, m
 * columns) into dist[0..k), and in order[0..k) the positions 0..k-1 in the
 * order Optuna keeps when cutting a front (distance descending, Python's
 * stable sorts and final reverse for ties). Errors: HPO_ENOMEM.
 */
int hpo__nsga2_crowding(
        const double *values, size_t m, const size_t *idx, size_t k, double *dist, size_t *order);

/**
 * Optuna's NSGAIIElitePopulationSelectionStrategy: choose up to k of the n
 * points (raw values row-major n x m, dirs[m]; viol as for hpo__nsga2_rank)
 * into chosen[0..*n_chosen), whole ranks first, the last one cut by crowding
 * distance. Errors: HPO_ENOMEM.
 */
int hpo__nsga2_select(const double *values,
                      size_t n,
                      size_t m,
                      const hpo_direction *dirs,
                      const double *viol,
                      size_t k,
                      size_t *chosen,
                      size_t *n_chosen);

#endif
