/*
 * pruner.h - the pruner seam (Optuna's BasePruner): one decision per call of
 * hpo_trial_should_prune, from the study's trials and the trial's own
 * intermediate values. Calls are serialised by the study.
 */
#ifndef HPO_PRUNERS_PRUNER_H
#define HPO_PRUNERS_PRUNER_H

#include <stdbool.h>

#include "core/record.h"
#include "hpo/hpo.h"

#define HPO__PRUNER_OPS_VERSION 1

typedef struct hpo__pruner_ops {
    unsigned int version;
    const char *name;
    int (*prune)(hpo_pruner *p, hpo_study *study, const hpo__record *trial, bool *out);
    void (*destroy)(hpo_pruner *p); /* frees impl */
    /* Whether a sampler working for trial current may see trial other (Hyperband:
     * same bracket). Called under the study's sampler lock. NULL = all trials. */
    bool (*same_group)(hpo_pruner *p, hpo_study *study, const hpo__record *current,
            const hpo__record *other);
} hpo__pruner_ops;

struct hpo_pruner {
    unsigned int magic;
    const hpo__pruner_ops *ops;
    void *impl;
};

#define HPO__PRUNER_MAGIC 0x5052554eu

int hpo__pruner_new(hpo_pruner **out, const hpo__pruner_ops *ops, void *impl);
/** The destroy op of a pruner whose impl is one plain allocation. */
void hpo__pruner_free_impl(hpo_pruner *p);

#endif
