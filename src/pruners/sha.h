/*
 * sha.h - successive halving's decision, shared by the successive halving pruner
 * and Hyperband (whose brackets are successive halving pruners that see only
 * their own bracket's trials), plus test hooks into Hyperband's brackets.
 */
#ifndef HPO_PRUNERS_SHA_H
#define HPO_PRUNERS_SHA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/record.h"
#include "hpo/hpo.h"

/* One successive halving rule. min_resource 0 means "auto", not resolved yet. */
typedef struct hpo__sha {
    int64_t min_resource;
    int64_t reduction_factor;
    int64_t min_early_stopping_rate;
    int64_t bootstrap_count;
} hpo__sha;

/* Which stored trials take part (a Hyperband bracket); NULL keeps them all. */
typedef bool (*hpo__sha_keep_fn)(const void *ctx, const hpo__record *r);

/**
 * Optuna's SuccessiveHalvingPruner.prune for trial: may resolve sha's "auto"
 * min_resource (kept from then on) and writes completed_rung_<k> attributes.
 */
int hpo__sha_prune(hpo__sha *sha,
                   hpo_study *study,
                   const hpo__record *trial,
                   hpo__sha_keep_fn keep, /* may be NULL */
                   const void *ctx,
                   bool *out /* OUT: prune */);

/**
 * Whether value ranks in the top 1/reduction_factor of competing[0..n) (which
 * includes value); at least the best one is promoted. Sorts competing.
 */
bool hpo__sha_promotable(
        double value, double *competing, size_t n, int64_t reduction_factor, hpo_direction dir);

/** The step that ends rung k: min_resource * rf^(rate + k); false on int64 overflow. */
bool hpo__sha_rung_step(const hpo__sha *sha, int64_t rung, int64_t *step_out);

/** zlib's (and Python binascii's) CRC-32 of n bytes. */
uint32_t hpo__crc32(const void *data, size_t n);

/* Hyperband test hooks. Brackets exist once max_resource is known. */
size_t hpo__hyperband_n_brackets(const hpo_pruner *p);
uint64_t hpo__hyperband_budget(const hpo_pruner *p, size_t bracket);
/** The bracket of trial number in the named study, or -1 before the brackets exist. */
long hpo__hyperband_bracket(const hpo_pruner *p, const char *study_name, int64_t number);

#endif
