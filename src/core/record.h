/*
 * record.h - the trial record behind hpo_frozen_trial: everything stored about a
 * trial. A record that has been shared (refcount > 1) is immutable; storages
 * mutate only records they own alone and hand out copies or references.
 */
#ifndef HPO_CORE_RECORD_H
#define HPO_CORE_RECORD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/distribution.h"
#include "hpo/hpo.h"

typedef struct hpo__param {
    char *name;
    hpo_distribution *dist;
    double internal;
} hpo__param;

typedef struct hpo__attr {
    char *key;
    char *json; /* JSON text as stored */
} hpo__attr;

typedef struct hpo__ivalue {
    int64_t step;
    double value;
} hpo__ivalue;

typedef struct hpo__attrs {
    hpo__attr *items;
    size_t n;
} hpo__attrs;

struct hpo_frozen_trial {
    unsigned int magic;
    atomic_int refcount;
    int64_t id;
    int64_t number;
    int64_t study_id;
    hpo_trial_state state;
    double *values;
    size_t n_values;
    hpo__param *params; /* in suggestion order */
    size_t n_params;
    hpo__ivalue *ivalues; /* ascending step */
    size_t n_ivalues;
    hpo__attrs user_attrs;
    hpo__attrs system_attrs;
    double datetime_start;    /* Unix seconds, NaN when unset */
    double datetime_complete; /* Unix seconds, NaN when unset */
};

#define HPO__RECORD_MAGIC 0x54524941u

typedef struct hpo_frozen_trial hpo__record;

/** A new empty record (refcount 1, times NaN). */
int hpo__record_new(hpo__record **out);
/** Deep copy (refcount 1). */
int hpo__record_copy(const hpo__record *r, hpo__record **out);
/** Take another reference; returns r. */
hpo__record *hpo__record_ref(const hpo__record *r);
/** Drop a reference; frees at zero. NULL is a no-op. */
void hpo__record_unref(const hpo__record *r);

/** Index of param name, or -1. */
long hpo__record_find_param(const hpo__record *r, const char *name);
/** Append a param (copies name and dist). Errors: EEXISTS if already set. */
int hpo__record_add_param(hpo__record *r, const char *name, const hpo_distribution *d,
        double internal);
/** Set/replace values. */
int hpo__record_set_values(hpo__record *r, const double *values, size_t n);
/** Insert an intermediate value keeping step order; EEXISTS if the step exists. */
int hpo__record_set_ivalue(hpo__record *r, int64_t step, double value);
/** Index of step in ivalues, or -1. */
long hpo__record_find_ivalue(const hpo__record *r, int64_t step);
/** Largest reported step; false if none. */
bool hpo__record_last_step(const hpo__record *r, int64_t *step_out);

/** Set (insert or replace) an attribute; copies key and json. */
int hpo__attrs_set(hpo__attrs *a, const char *key, const char *json);
/** JSON text by key (borrowed), NULL if absent. */
const char *hpo__attrs_get(const hpo__attrs *a, const char *key);
int hpo__attrs_copy(const hpo__attrs *a, hpo__attrs *out);
void hpo__attrs_clear(hpo__attrs *a);

/** True for COMPLETE, PRUNED, FAIL. */
bool hpo__state_finished(hpo_trial_state s);

#endif
