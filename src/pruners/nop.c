/*
 * nop.c - the pruner that never prunes (Optuna's NopPruner): lets a study
 * record intermediate values for plots without ever stopping a trial.
 */
#include "core/error.h"
#include "pruners/pruner.h"

static int nop_prune(hpo_pruner *p, hpo_study *study, const hpo__record *trial, bool *out)
{
    (void)p;
    (void)study;
    (void)trial;
    *out = false;
    return HPO_OK;
}

static const hpo__pruner_ops nop_ops = {
        .version = HPO__PRUNER_OPS_VERSION,
        .name = "nop",
        .prune = nop_prune,
        .destroy = NULL, /* no state */
};

/* A pruner whose answer is always "keep going". */
int hpo_pruner_nop_new(hpo_pruner **out)
{
    if (out == NULL)
        return hpo__error_set(HPO_EINVAL, "hpo_pruner_nop_new: out is NULL");
    return hpo__pruner_new(out, &nop_ops, NULL);
}
