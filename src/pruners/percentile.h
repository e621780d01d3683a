/*
 * percentile.h - internal: the percentile/median pruner's decision as pure
 * functions over plain arrays, so tests can check every rule of Optuna's
 * PercentilePruner against constructed histories without building a study.
 */
#ifndef HPO_PRUNERS_PERCENTILE_H
#define HPO_PRUNERS_PERCENTILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/record.h"
#include "hpo/hpo.h"

/* The pruner's configuration, validated by hpo_pruner_percentile_new. */
typedef struct hpo__percentile_rule {
    double percentile;       /* 0..100, for MINIMIZE; MAXIMIZE uses 100 - percentile */
    size_t n_startup_trials; /* no pruning while fewer COMPLETE trials */
    int64_t n_warmup_steps;  /* no pruning before this step */
    int64_t interval_steps;  /* check only at the first report at/after each checkpoint */
    size_t n_min_trials;     /* completed trials that must have reported the step */
} hpo__percentile_rule;

/**
 * numpy.nanpercentile(v, q) with the default linear method, bit for bit
 * (including numpy's two-sided lerp and inf - inf = NaN). NaNs are ignored;
 * NaN when no value is left. v[0..n) is reordered.
 */
double hpo__nanpercentile(double *v, size_t n, double q);

/**
 * The trial-local gates (Optuna's rules 2 and 3): false when the trial has no
 * report, its last step is before the warm-up, or the last step is not the
 * first report at or after an interval checkpoint. On true, *step_out is the
 * last (largest) reported step. own[0..n_own) may be in any order.
 */
bool hpo__percentile_step_gate(const hpo__percentile_rule *rule,
                               const hpo__ivalue *own,
                               size_t n_own,
                               int64_t *step_out);

/**
 * The whole decision, rules 1 to 7:
 *   n_complete  number of COMPLETE trials in the study;
 *   own         this trial's intermediate values (any order);
 *   at_step     the values that COMPLETE trials reported at exactly this
 *               trial's last step, NaNs included (one per trial that has it);
 *               reordered by the call.
 * Returns true when the trial should be pruned. dir is MINIMIZE or MAXIMIZE.
 */
bool hpo__percentile_decide(const hpo__percentile_rule *rule,
                            hpo_direction dir,
                            size_t n_complete,
                            const hpo__ivalue *own,
                            size_t n_own,
                            double *at_step,
                            size_t n_at_step);

#endif
