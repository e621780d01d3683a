/*
 * study_internal.h - the study and trial structs, shared by study.c (studies and
 * the trial cache), trial.c (define-by-run) and optimize.c (the worker loop).
 * Samplers and pruners see only study.h.
 */
#ifndef HPO_STUDY_INTERNAL_H
#define HPO_STUDY_INTERNAL_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>

#include "core/record.h"
#include "pruners/pruner.h"
#include "samplers/sampler.h"
#include "storage/storage.h"
#include "study.h"

#define HPO__STUDY_MAGIC 0x53545544u
#define HPO__TRIAL_MAGIC 0x5452414cu

/* Longest study, parameter and attribute name: Optuna's VARCHAR(512) columns. */
#define HPO__MAX_NAME_LEN 512

/*
 * The cache of a study's trials. Finished trials never change, so they are
 * kept; each sync re-reads only trials that were unfinished and trials past the
 * contiguous prefix of numbers already held.
 */
typedef struct hpo__trial_cache {
    hpo__record **by_number; /* NULL for numbers not seen yet */
    size_t cap;
    size_t n_prefix;      /* numbers [0, n_prefix) are all present */
    int64_t watermark_id; /* id of trial n_prefix - 1, or -1 */
    int64_t *unfinished;  /* ids of unfinished trials inside the prefix */
    size_t n_unfinished;
    size_t cap_unfinished;
    size_t n_numbers; /* 1 + highest number seen */
} hpo__trial_cache;

struct hpo_study {
    unsigned int magic;
    hpo_storage *storage;
    int64_t id;
    char *name;
    hpo_direction *directions;
    size_t n_directions;
    hpo_sampler *sampler;
    hpo_pruner *pruner;
    pthread_mutex_t algo_mu;  /* serialises sampler and pruner calls */
    pthread_mutex_t cache_mu; /* guards cache */
    hpo__trial_cache cache;
    atomic_bool stop_requested;
    atomic_bool optimizing;
    uint64_t serial; /* unique per handle, for the per-thread trial snapshot */
};

struct hpo_trial {
    unsigned int magic;
    hpo_study *study;
    int64_t id;
    int64_t number;
    hpo__record *rec;    /* this trial as this handle knows it (owned alone) */
    json_t *fixed;       /* enqueued fixed params (object) or NULL */
    bool relative_done;  /* relative sampling happens once, at the first suggest */
    hpo__space relative_space;
    double *relative_values;
    bool finished;
};

int hpo__study_check(const hpo_study *study);
/** Sync the cache with storage (incremental). */
int hpo__study_sync(hpo_study *study);
/** Finish a trial by id with full Optuna tell semantics (see hpo_study_tell). */
int hpo__study_tell_id(hpo_study *study, int64_t trial_id, hpo_trial *handle,
        hpo_trial_state state, const double *values, size_t n_values);
/** Validate a parameter/attribute/study name. */
int hpo__check_name(const char *what, const char *name);

#endif
