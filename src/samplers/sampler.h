/*
 * sampler.h - the sampler seam (Optuna's BaseSampler). A new algorithm is a new
 * file implementing these operations; study.c calls them, serialised by the
 * study's sampler lock, so implementations need no locking of their own.
 *
 * Flow for one trial: before_trial; at the first suggest,
 * infer_relative_space + sample_relative (joint sampling); every parameter not
 * covered by that goes through sample_independent; after_trial when it ends.
 */
#ifndef HPO_SAMPLERS_SAMPLER_H
#define HPO_SAMPLERS_SAMPLER_H

#include "core/record.h"
#include "core/rng.h"
#include "hpo/hpo.h"

/* An ordered search space: name -> distribution (names and dists owned). */
typedef struct hpo__space {
    char **names;
    hpo_distribution **dists;
    size_t n;
} hpo__space;

/** Append a copy of (name, dist). */
int hpo__space_add(hpo__space *s, const char *name, const hpo_distribution *dist);
/** Index of name, or -1. */
long hpo__space_find(const hpo__space *s, const char *name);
/** Sort entries by name (Optuna sorts the intersection space). */
void hpo__space_sort(hpo__space *s);
void hpo__space_clear(hpo__space *s);

#define HPO__SAMPLER_OPS_VERSION 1

typedef struct hpo__sampler_ops {
    unsigned int version;
    const char *name;
    /* The joint space for this trial (may be empty). NULL op = always empty. */
    int (*infer_relative_space)(hpo_sampler *s, hpo_study *study, const hpo__record *trial,
            hpo__space *out);
    /* out[i] = internal value for space entry i, or NaN to leave it to sample_independent. */
    int (*sample_relative)(hpo_sampler *s, hpo_study *study, const hpo__record *trial,
            const hpo__space *space, double *out);
    int (*sample_independent)(hpo_sampler *s, hpo_study *study, const hpo__record *trial,
            const char *name, const hpo_distribution *dist, double *out);
    int (*before_trial)(hpo_sampler *s, hpo_study *study, const hpo__record *trial);
    int (*after_trial)(hpo_sampler *s, hpo_study *study, const hpo__record *trial,
            hpo_trial_state state, const double *values, size_t n_values);
    void (*destroy)(hpo_sampler *s); /* frees impl */
    /* The most trials the sampler can give distinct points (a grid's size), or
     * -1; ask refuses to start more, atomically with the start. NULL = -1. */
    int64_t (*trial_limit)(hpo_sampler *s);
} hpo__sampler_ops;

struct hpo_sampler {
    unsigned int magic;
    const hpo__sampler_ops *ops;
    void *impl;
};

#define HPO__SAMPLER_MAGIC 0x53414d50u

/** Allocate a sampler shell around impl (takes impl; on failure calls ops->destroy-free). */
int hpo__sampler_new(hpo_sampler **out, const hpo__sampler_ops *ops, void *impl);

/** The sampler's trial limit (ops->trial_limit), -1 for none. */
int64_t hpo__sampler_trial_limit(hpo_sampler *s);

/* Optuna's RandomSampler draw for one distribution (shared by TPE's startup phase). */
double hpo__random_sample(hpo_rng *rng, const hpo_distribution *d);
/**
 * The value (internal form) at u in [0, 1) of the distribution's transformed
 * space: log space for log dists, bounds widened by half a step and rounded for
 * steps, a categorical's [0, K) floored. Random and QMC draws share it.
 */
double hpo__dist_from_unit(const hpo_distribution *d, double u);

#endif
