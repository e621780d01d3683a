/*
 * objective.c - the reference MLP-on-(Fashion-)MNIST job as an hpo objective.
 * The space and its parameter names follow the reference workflow so that a
 * study is comparable with the Optuna + PyTorch one.
 */
#include "mlp/objective.h"

#include <stdio.h>

int hpo__mlp_suggest_config(hpo_trial *t, hpo_mlp_config *cfg)
{
    static const char *optimizers[] = {"Adam", "SGD"};
    size_t opt;
    int64_t layers;
    int rc;
    hpo__mlp_config_default(cfg);
    if ((rc = hpo_trial_suggest_float(t, "lr", 1e-5, 1e-1, HPO_NO_STEP, true, &cfg->lr)))
        return rc;
    if ((rc = hpo_trial_suggest_categorical_str(t, "optimizer", optimizers, 2, &opt)))
        return rc;
    cfg->optimizer = opt == 0 ? HPO_MLP_ADAM : HPO_MLP_SGD;
    if (cfg->optimizer == HPO_MLP_ADAM) {
        /* Conditional parameters: only Adam trials have betas. */
        if ((rc = hpo_trial_suggest_float(t, "beta1", 0.8, 0.99, HPO_NO_STEP, false,
                     &cfg->beta1)) ||
                (rc = hpo_trial_suggest_float(t, "beta2", 0.9, 0.9999, HPO_NO_STEP, false,
                         &cfg->beta2)))
            return rc;
    }
    if ((rc = hpo_trial_suggest_int(t, "num_layers", 1, 3, 1, false, &layers)))
        return rc;
    cfg->n_hidden = (size_t)layers;
    for (int64_t i = 0; i < layers; i++) {
        char name[48];
        int64_t units;
        snprintf(name, sizeof(name), "layer_%lld_units", (long long)i);
        if ((rc = hpo_trial_suggest_int(t, name, 32, 256, 1, false, &units)))
            return rc;
        cfg->hidden[i] = (size_t)units;
    }
    return hpo_trial_suggest_float(t, "dropout", 0.1, 0.5, HPO_NO_STEP, false, &cfg->dropout);
}

int hpo__mlp_objective(hpo_trial *t, double *values, void *payload)
{
    const hpo_mlp_job *job = payload;
    hpo_mlp_config cfg;
    hpo_mlp *m = NULL;
    double acc = 0.0;
    int rc;
    if ((rc = hpo__mlp_suggest_config(t, &cfg)) != HPO_OK)
        return rc;
    cfg.batch = job->batch;
    cfg.n_threads = job->n_threads;
    cfg.seed = job->seed + (uint64_t)hpo_trial_number(t);
    if ((rc = hpo__mlp_new(&m, &cfg, job->train->dim, HPO_MLP_MAX_CLASSES)) != HPO_OK)
        return rc;
    for (int epoch = 0; epoch < job->epochs; epoch++) {
        bool prune = false;
        rc = hpo__mlp_train_epoch(m, job->train, job->train_idx, job->n_train, NULL);
        if (rc == HPO_OK)
            rc = hpo__mlp_evaluate(m, job->val, NULL, job->val->n, &acc, NULL);
        if (rc == HPO_OK)
            rc = hpo_trial_report(t, acc, epoch);
        if (rc == HPO_OK)
            rc = hpo_trial_should_prune(t, &prune);
        if (rc != HPO_OK || prune) {
            hpo__mlp_free(m);
            return rc != HPO_OK ? rc : HPO_EPRUNED;
        }
    }
    hpo__mlp_free(m);
    values[0] = acc;
    return HPO_OK;
}
