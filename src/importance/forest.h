/*
 * forest.h - a random forest regressor shaped like scikit-learn's
 * RandomForestRegressor (bootstrap, all features considered at every split,
 * squared-error criterion, thresholds at midpoints between distinct values),
 * kept only as far as fANOVA needs it: each tree's partition of the box into
 * leaves with their mean values.
 *
 * Trees are built from columns presorted once for the whole forest; each split
 * partitions the sorted index lists stably, so a tree costs
 * O(n_cols * n * depth) instead of re-sorting at every node.
 */
#ifndef HPO_IMPORTANCE_FOREST_H
#define HPO_IMPORTANCE_FOREST_H

#include <stddef.h>
#include <stdint.h>

#include "core/rng.h"

/* Training data: n rows, n_cols columns stored column by column (x[c*n + i]). */
typedef struct hpo__forest_data {
    const double *x;
    const double *y;
    size_t n;
    size_t n_cols;
    uint32_t *sorted; /* n_cols * n row indices, each column ascending by x; built once */
} hpo__forest_data;

/* One fitted tree: node arrays; leaves have feature -1. */
typedef struct hpo__tree {
    int32_t *feature;
    double *threshold; /* go left when x <= threshold */
    int32_t *left;
    int32_t *right;
    double *value; /* mean of y in the node (weighted by bootstrap counts) */
    size_t n_nodes;
    size_t n_leaves;
} hpo__tree;

/** Presort every column (data->sorted, hpo__free'd by the caller). Errors: ENOMEM. */
int hpo__forest_presort(hpo__forest_data *data);

/**
 * Fit one tree on a bootstrap sample drawn from rng. max_depth bounds the depth
 * (root = 0), min_samples_split is 2 and min_samples_leaf 1, as Optuna sets
 * them. Errors: ENOMEM (tree left empty).
 */
int hpo__tree_fit(hpo__tree *tree, const hpo__forest_data *data, size_t max_depth, hpo_rng *rng);
/** Release a tree's arrays (the struct itself is the caller's). */
void hpo__tree_clear(hpo__tree *tree);

#endif
