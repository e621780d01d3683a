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

/* ---- tpe.c --------------------------------------------------------------- */

/**
 * The decoded `tpe:relative_params:<i>` dict of a trial (reference/optuna.md
 * §1.6: chunks 0, 1, ... are JSON strings whose concatenation is the JSON of
 * {name: external value}), as a new jansson reference; NULL when absent or
 * unreadable (a foreign attr we cannot read is ignored, not an error).
 */
json_t *hpo__tpe_relative_params(const hpo__record *r);

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
