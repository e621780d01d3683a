/*
 * tpe_internal.h - pieces of the TPE sampler shared between its files
 * (tpe.c: options and sampler ops; tpe_split.c: the below/above split;
 * search_space.c: the incremental intersection and group-decomposed search
 * spaces). Internal to src/samplers.
 */
#ifndef HPO_SAMPLERS_TPE_INTERNAL_H
#define HPO_SAMPLERS_TPE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/record.h"
#include "samplers/sampler.h"

/* ---- search_space.c ------------------------------------------------------ */

/*
 * Optuna's IntersectionSearchSpace(include_pruned=True) and
 * _GroupDecomposedSearchSpace, kept incrementally: finished trials never
 * change, so each trial number is folded in once (the seen bitmap).
 */
typedef struct hpo__space_cache {
    int64_t study_id;   /* the study the cache describes; -1 before first use */
    unsigned char *seen; /* by trial number */
    size_t cap_seen;
    bool any;           /* a trial has been folded in (else the space is empty) */
    hpo__space isect;   /* the running intersection, in first-seen order */
    hpo__space *groups; /* the group decomposition */
    size_t n_groups;
} hpo__space_cache;

void hpo__space_cache_init(hpo__space_cache *c);
void hpo__space_cache_free(hpo__space_cache *c);
/**
 * Fold the COMPLETE/PRUNED trials among trials[0..n) that the cache has not seen
 * into the intersection (and, when with_groups, the group decomposition).
 * Resets the cache when study_id differs from the last call. Errors: ENOMEM
 * (the cache is then reset, so a later call starts over).
 */
int hpo__space_cache_update(hpo__space_cache *c, int64_t study_id, hpo__record *const *trials,
        size_t n, bool with_groups);
/** The intersection without single distributions, sorted by name, appended to out. */
int hpo__space_cache_intersection(const hpo__space_cache *c, hpo__space *out);

/* ---- tpe_cache.c ---------------------------------------------------------- */

/*
 * One parameter (name + distribution) over the cached finished trials: its
 * internal value per slot (NaN when the trial lacks it) and, when numerical,
 * the slots that have it sorted by (transformed value, trial number).
 */
typedef struct hpo__tpe_col {
    char *name;
    hpo_distribution *dist;
    bool numeric, log;
    double *val;     /* per slot */
    double *mu;      /* per slot: val, or ln val for log distributions */
    uint32_t *order; /* numerical: slots by (mu, number) */
    size_t n_order;
    uint64_t used;   /* LRU stamp */
} hpo__tpe_col;

/* The finished (COMPLETE/PRUNED) trials TPE has seen, in arrival order. */
typedef struct hpo__tpe_hist {
    int64_t study_id;
    const hpo__record **rec; /* per slot, referenced */
    double *viol;            /* per slot: constraint violation, NaN without constraints */
    size_t n_slots, cap_slots;
    long *slot_of_number;    /* trial number -> slot, -1 when none */
    size_t cap_num;
    hpo__tpe_col **cols;
    size_t n_cols, cap_cols;
    uint64_t clock, pin;
} hpo__tpe_hist;

void hpo__tpe_hist_init(hpo__tpe_hist *h);
void hpo__tpe_hist_free(hpo__tpe_hist *h);
/**
 * Bring the cache up to date with trials[0..n) (ordered by number) and set
 * slot_of[i] to trial i's slot, or -1 for a trial that is not finished. A
 * record that differs from the cached one for its number (or another study)
 * resets the cache. Errors: ENOMEM (the cache is then empty, slot_of all -1).
 */
int hpo__tpe_hist_sync(hpo__tpe_hist *h, int64_t study_id, hpo__record *const *trials, size_t n,
        long *slot_of);
/**
 * The column of (name, dist), built on first use. Columns handed out stay valid
 * until the next hpo__tpe_hist_sync. Errors: ENOMEM.
 */
int hpo__tpe_hist_column(hpo__tpe_hist *h, const char *name, const hpo_distribution *dist,
        const hpo__tpe_col **out);

/* ---- tpe.c --------------------------------------------------------------- */

/**
 * The decoded `tpe:relative_params:<i>` dict of a trial (reference/optuna.md
 * §1.6: chunks 0, 1, ... are JSON strings whose concatenation is the JSON of
 * {name: external value}), as a new jansson reference; NULL when absent or
 * unreadable (a foreign attr we cannot read is ignored, not an error).
 */
json_t *hpo__tpe_relative_params(const hpo__record *r);
/**
 * Tests: make a TPE sampler read every trial afresh and sort every dimension,
 * as without the history cache (its results must be the same bit for bit).
 */
void hpo__tpe_disable_history(hpo_sampler *s);

/* ---- tpe_split.c ---------------------------------------------------------- */

/**
 * Optuna's _split_trials (reference/optuna.md §3.3 steps 3-6): mark is_below[i]
 * for the trials (ordered by number, the current trial excluded) that form the
 * "below" set of n_below, given the study's directions. RUNNING trials are
 * always above. Errors: ENOMEM.
 */
int hpo__tpe_split(hpo__record *const *trials, size_t n, const hpo_direction *dirs,
        size_t n_obj, size_t n_below, unsigned char *is_below);
/**
 * hpo__tpe_split with each trial's total constraint violation given (viol[i],
 * NaN when trial i has no constraint attribute), as the history cache keeps it.
 */
int hpo__tpe_split_v(hpo__record *const *trials, size_t n, const hpo_direction *dirs,
        size_t n_obj, size_t n_below, const double *viol, unsigned char *is_below);
/**
 * Total constraint violation of a trial (sum of positive constraint values from
 * the legacy `constraints` list and the `constraints:<name>` attrs); false when
 * the trial has no constraint attribute.
 */
bool hpo__trial_violation(const hpo__record *r, double *violation);
/**
 * Greedy hypervolume subset selection: choose k of the n points (losses,
 * row-major n x m, minimised) into chosen[0..k), in pick order. Exact greedy
 * contributions for m == 2; for m > 2 a simpler rule (largest box to the
 * reference point). Errors: ENOMEM.
 */
int hpo__tpe_hssp(const double *losses, size_t n, size_t m, size_t k, size_t *chosen);

#endif
