/*
 * study.h - what samplers and pruners may ask of a study (internal).
 */
#ifndef HPO_STUDY_H
#define HPO_STUDY_H

#include "core/record.h"
#include "hpo/hpo.h"

/**
 * References to the study's trials whose state is in states_mask, ordered by
 * number, after an incremental sync with storage (RUNNING trials are re-read,
 * finished ones come from the cache). Release with hpo__records_release.
 */
int hpo__study_trials(hpo_study *study, unsigned int states_mask, hpo__record ***out,
        size_t *n_out);
/**
 * Like hpo__study_trials, but within one trial a thread syncs only once: as
 * Optuna's samplers do (_thread_local.cached_all_trials), sampler calls for the
 * same trial share the snapshot taken at the first. Ask and tell drop it.
 */
int hpo__study_trials_snapshot(hpo_study *study, unsigned int states_mask, hpo__record ***out,
        size_t *n_out);
/** Forget this thread's snapshot (a new trial starts, or one ends). */
void hpo__study_drop_snapshot(void);
/**
 * Mark the sampler call for trial running on this thread (begin) and its end.
 * Meanwhile hpo__study_trials_snapshot lists only the trials the study's pruner
 * lets this trial's sampler see (its same_group op: Hyperband's bracket), as
 * Optuna's bracket study does; hpo__study_trials stays unfiltered, as Optuna's
 * grid and brute-force samplers read the storage directly.
 */
void hpo__study_sampling_begin(const hpo_study *study, const hpo__record *trial);
void hpo__study_sampling_end(void);
void hpo__records_release(hpo__record **records, size_t n);
int64_t hpo__study_id(const hpo_study *study);
/** Write a system attribute on a trial (e.g. TPE's relative params for the liar). */
int hpo__study_set_trial_system_attr(hpo_study *study, int64_t trial_id, const char *key,
        const char *json);

#endif
