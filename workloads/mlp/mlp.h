/*
 * mlp.h - a multilayer perceptron trainer in float32: linear layers with
 * PyTorch's default initialisation, ReLU, inverted dropout, fused softmax
 * cross-entropy, minibatch SGD (optional momentum) or Adam with PyTorch's update
 * rules, matrix products through CBLAS sgemm (OpenBLAS).
 *
 * Threads: n_threads workers split every minibatch by rows (data parallel),
 * each runs single-threaded sgemm on its rows, then each updates a fixed slice
 * of the parameters from the gradients summed in worker order. At batch 64 this
 * beats OpenBLAS's own threading (measured: 0.45 s vs 0.55-0.69 s of sgemm per
 * epoch of 784-256-256-10 on 2 cores), so OpenBLAS is pinned to one thread.
 *
 * Determinism: everything random (initialisation, shuffling, dropout) comes
 * from hpo_rng streams derived from the seed; the same seed and the same
 * n_threads give bit-identical losses (the thread count fixes how a batch is
 * split and the order gradients are summed in).
 *
 * Thread safety: one hpo_mlp is used by one thread at a time (it runs its own
 * workers inside calls). Any number of hpo_mlp may train at once on separate
 * threads, sharing one immutable hpo_mlp_data.
 */
#ifndef HPO_WORKLOADS_MLP_MLP_H
#define HPO_WORKLOADS_MLP_MLP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mlp/data.h"

#define HPO_MLP_MAX_HIDDEN  8
#define HPO_MLP_MAX_UNITS   65536
#define HPO_MLP_MAX_BATCH   65536
#define HPO_MLP_MAX_THREADS 64

typedef enum hpo_mlp_optimizer {
    HPO_MLP_ADAM = 0,
    HPO_MLP_SGD = 1,
} hpo_mlp_optimizer;

/** A network and its training settings. Fill with hpo__mlp_config_default. */
typedef struct hpo_mlp_config {
    size_t n_hidden;                   /* hidden layers, 0..HPO_MLP_MAX_HIDDEN */
    size_t hidden[HPO_MLP_MAX_HIDDEN]; /* units of each hidden layer */
    hpo_mlp_optimizer optimizer;
    double lr;       /* learning rate, > 0 */
    double beta1;    /* Adam, [0, 1) */
    double beta2;    /* Adam, [0, 1) */
    double eps;      /* Adam, > 0 */
    double momentum; /* SGD, [0, 1); 0 is plain SGD */
    double dropout;  /* probability of zeroing a hidden unit while training, [0, 1) */
    size_t batch;    /* minibatch size, 1..HPO_MLP_MAX_BATCH */
    uint64_t seed;
    int n_threads; /* 1..HPO_MLP_MAX_THREADS */
} hpo_mlp_config;

/** 784-256-256-10 defaults: Adam lr 1e-3 (0.9, 0.999, 1e-8), dropout 0.2, batch 64, 1 thread. */
void hpo__mlp_config_default(hpo_mlp_config *cfg);

/** HPO_OK, or HPO_EINVAL naming the first bad field and its value. */
int hpo__mlp_config_check(const hpo_mlp_config *cfg);

typedef struct hpo_mlp hpo_mlp;

/**
 * A freshly initialised network with n_in inputs and n_out classes (PyTorch's
 * nn.Linear init: weights and biases U(-1/sqrt(fan_in), 1/sqrt(fan_in))).
 * cfg is copied. Errors: HPO_EINVAL (see hpo__mlp_config_check, n_in or n_out
 * 0 or too large), HPO_ENOMEM. Free with hpo__mlp_free.
 */
int hpo__mlp_new(hpo_mlp **out, const hpo_mlp_config *cfg, size_t n_in, size_t n_out);

/** NULL-safe. */
void hpo__mlp_free(hpo_mlp *m);

/**
 * Pin OpenBLAS to one thread (once per process). Programs that link OpenBLAS
 * call it first so its idle pool does not spin beside unrelated work.
 */
void hpo__mlp_blas_init(void);

/**
 * One epoch over the examples d[idx[0..n)], reshuffled with the network's RNG,
 * in minibatches of cfg.batch (the last one may be smaller, as PyTorch's
 * DataLoader with drop_last=False). *out_loss (may be NULL) is the mean
 * training loss over the epoch's examples, with dropout active.
 * Errors: HPO_EINVAL (n is 0, an index out of range, image size not n_in),
 * HPO_ENOMEM, HPO_ERROR (a thread could not start; the network is unchanged).
 */
int hpo__mlp_train_epoch(
        hpo_mlp *m, const hpo_mlp_data *d, const size_t *idx, size_t n, double *out_loss);

/**
 * Accuracy and mean loss (either OUT pointer may be NULL) on d[idx[0..n)], or
 * on all of d when idx is NULL. No dropout, parameters unchanged.
 * Errors: as hpo__mlp_train_epoch.
 */
int hpo__mlp_evaluate(hpo_mlp *m,
                      const hpo_mlp_data *d,
                      const size_t *idx,
                      size_t n,
                      double *out_accuracy,
                      double *out_loss);

/* ---- Low-level access, for tests (gradient checks, overfitting a batch). ---- */

/** The parameters: each layer's weights (out x in, row-major) then its biases. */
float *hpo__mlp_params(hpo_mlp *m, size_t *out_n);
/** The gradients of the last hpo__mlp_batch_grad, same layout as the parameters. */
const float *hpo__mlp_grads(const hpo_mlp *m);

/**
 * Forward and backward on one batch of already normalised inputs x (rows x
 * n_in, row-major) with labels y, on the calling thread: fills the gradients of
 * the mean loss and *out_loss (mean loss). is_train applies dropout.
 * Errors: HPO_EINVAL (rows 0 or above max(batch, 256), a label >= n_out).
 */
int hpo__mlp_batch_grad(
        hpo_mlp *m, const float *x, const uint8_t *y, size_t rows, bool is_train, double *out_loss);

/** One optimizer step with the gradients of the last hpo__mlp_batch_grad. */
void hpo__mlp_apply_grads(hpo_mlp *m);

#endif
