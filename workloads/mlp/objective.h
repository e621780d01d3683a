/*
 * objective.h - the reference MLP job as an hpo objective: the define-by-run
 * search space of the PyTorch/Optuna reference (lr on a log scale, Adam or SGD
 * with Adam-only betas, 1-3 hidden layers of 32-256 units, dropout), validation
 * accuracy reported each epoch, and pruning honoured between epochs.
 */
#ifndef HPO_WORKLOADS_MLP_OBJECTIVE_H
#define HPO_WORKLOADS_MLP_OBJECTIVE_H

#include "hpo/hpo.h"
#include "mlp/data.h"
#include "mlp/mlp.h"

/** What every trial shares; read-only while trials run, so n_jobs threads may share it. */
typedef struct hpo_mlp_job {
    const hpo_mlp_data *train; /* training images */
    const size_t *train_idx;   /* the (subsampled) training indices */
    size_t n_train;
    const hpo_mlp_data *val; /* validation images (all of them are used) */
    int epochs;              /* >= 1 */
    size_t batch;            /* minibatch size */
    int n_threads;           /* BLAS/data-parallel threads per trial */
    uint64_t seed;           /* each trial trains with seed + its number */
} hpo_mlp_job;

/**
 * Suggest the reference search space on trial t and fill cfg (defaults from
 * hpo__mlp_config_default, then the suggested values). Errors: those of the
 * suggest calls.
 */
int hpo__mlp_suggest_config(hpo_trial *t, hpo_mlp_config *cfg);

/**
 * hpo_objective_fn: payload is a const hpo_mlp_job *. Trains for job->epochs,
 * reporting validation accuracy after each epoch and returning HPO_EPRUNED when
 * the pruner says so; values[0] is the last validation accuracy (maximise).
 */
int hpo__mlp_objective(hpo_trial *t, double *values, void *payload);

#endif
