/*
 * storage.h - the storage seam. A backend (memory.c now; rdb.c over sqlite.c and
 * postgres.c next) fills in this table of operations; everything above it
 * (study.c, the trial cache) talks only to the table.
 *
 * Contract for every backend:
 *  - operations are atomic and thread safe (the backend locks as it needs);
 *  - trial ids only grow and are never reused; trial numbers are dense and
 *    0-based per study, assigned atomically at creation;
 *  - a finished trial (COMPLETE/PRUNED/FAIL) never changes again: writes to it
 *    fail with HPO_ESTATE, which is what lets callers cache finished trials;
 *  - errors set the thread's message (hpo__error_set) and return a status.
 */
#ifndef HPO_STORAGE_STORAGE_H
#define HPO_STORAGE_STORAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/record.h"
#include "hpo/hpo.h"

typedef struct hpo__study_info {
    int64_t id;
    char *name;
    hpo_direction *directions;
    size_t n_directions;
} hpo__study_info;

void hpo__study_infos_free(hpo__study_info *infos, size_t n);

/* A growable array of record references. */
typedef struct hpo__record_vec {
    hpo__record **items;
    size_t n;
    size_t cap;
} hpo__record_vec;

int hpo__record_vec_push(hpo__record_vec *v, hpo__record *r); /* takes the reference */
void hpo__record_vec_clear(hpo__record_vec *v);               /* unrefs all, frees array */

#define HPO__STORAGE_OPS_VERSION 1

typedef struct hpo__storage_ops {
    unsigned int version;
    const char *scheme; /* "memory", "sqlite", "postgresql" */

    /* Studies. name is unique; create fails with HPO_EEXISTS. */
    int (*create_study)(void *be, const char *name, const hpo_direction *dirs, size_t n_dirs,
            int64_t *id_out);
    int (*delete_study)(void *be, int64_t study_id);
    int (*find_study)(void *be, const char *name, int64_t *id_out); /* HPO_ENOTFOUND */
    int (*list_studies)(void *be, hpo__study_info **out, size_t *n_out);
    int (*get_study_directions)(void *be, int64_t study_id, hpo_direction **out, size_t *n_out);
    int (*set_study_attr)(void *be, int64_t study_id, bool system, const char *key,
            const char *json);
    int (*get_study_attrs)(void *be, int64_t study_id, bool system, hpo__attrs *out);

    /*
     * Create a trial. tmpl NULL: a new RUNNING trial started now. Otherwise a
     * copy of tmpl's state, params, values, attrs, intermediate values and
     * times (ids and number ignored). Number assigned atomically. start_out
     * (may be NULL) gets the start time exactly as stored, so a caller can build
     * the new trial's record without reading it back.
     */
    int (*create_trial)(void *be, int64_t study_id, const hpo__record *tmpl, int64_t *id_out,
            int64_t *number_out, double *start_out);
    /* Atomically move the oldest WAITING trial to RUNNING (start time now). HPO_ENOTFOUND if none. */
    int (*pop_waiting_trial)(void *be, int64_t study_id, int64_t *id_out);
    /*
     * Start the next trial in one atomic step: pop the oldest WAITING trial,
     * else create a RUNNING one. popped_out says which; number_out and
     * start_out describe the trial (a popped one should be read back: it may
     * carry fixed params). max_started >= 0 caps the study's started trials
     * (every state but WAITING): at the cap nothing starts and HPO_ESTATE is
     * returned, so workers sharing a study never overshoot a study-wide target.
     */
    int (*start_trial)(void *be, int64_t study_id, int64_t max_started, int64_t *id_out,
            int64_t *number_out, double *start_out, bool *popped_out);
    /*
     * Record a parameter. Checks compatibility with the distribution the same
     * name has elsewhere in the study (HPO_EINVAL), and HPO_ESTATE if finished.
     */
    int (*set_trial_param)(void *be, int64_t trial_id, const char *name, double internal,
            const hpo_distribution *dist);
    /*
     * Change state (and values for COMPLETE/PRUNED). Finishing sets the
     * completion time. RUNNING is allowed only from WAITING. HPO_ESTATE when the
     * trial is already finished (the race loser learns it lost).
     */
    int (*set_trial_state_values)(void *be, int64_t trial_id, hpo_trial_state state,
            const double *values, size_t n_values);
    /* HPO_EEXISTS when the step already has a value (it is kept). */
    int (*set_trial_intermediate_value)(void *be, int64_t trial_id, int64_t step, double value);
    int (*set_trial_attr)(void *be, int64_t trial_id, bool system, const char *key,
            const char *json);
    int (*get_trial)(void *be, int64_t trial_id, hpo__record **out);
    int (*find_trial)(void *be, int64_t study_id, int64_t number, int64_t *id_out);
    /*
     * Incremental read: append to out, in id order, every trial of the study
     * with id > after_id, and the trials whose ids are listed in ids (trials the
     * caller saw unfinished). This is what makes a sync cost proportional to
     * what changed, not to the history.
     */
    int (*load_trials)(void *be, int64_t study_id, int64_t after_id, const int64_t *ids,
            size_t n_ids, hpo__record_vec *out);
    void (*close)(void *be);
} hpo__storage_ops;

struct hpo_storage {
    unsigned int magic;
    const hpo__storage_ops *ops;
    void *be;
    char *url;
};

#define HPO__STORAGE_MAGIC 0x53544f52u

/** Validate a storage handle (HPO_EMISUSE for NULL/freed). */
int hpo__storage_check(const hpo_storage *s);

/* Backend constructors. */
int hpo__memory_storage_open(hpo_storage **out);

#endif
