/*
 * retry.h - `hpo run --retries`: a failed trial's parameters are enqueued
 * again, and the retry is recognised when ask() pops it (by its fixed
 * parameters), so it knows its attempt number and the trial it repeats.
 */
#ifndef HPO_CLI_RUNNER_RETRY_H
#define HPO_CLI_RUNNER_RETRY_H

#include <stddef.h>
#include <stdint.h>

#include "hpo/hpo.h"

typedef struct rn_retry {
    char *key; /* canonical JSON of the parameters; NULL once matched */
    int attempt;
    int64_t original;
} rn_retry;

typedef struct rn_retries {
    rn_retry *items;
    size_t n;
} rn_retries;

/**
 * Enqueue t's parameters on study as attempt `attempt` of trial `original`.
 * 0, or -1 with err set.
 */
int rn_retry_enqueue(rn_retries *r, hpo_study *study, const hpo_frozen_trial *t, int attempt,
        int64_t original, char *err, size_t errlen);
/** Is the freshly asked trial one of ours? Sets *attempt (else 0) and *original (else -1). */
void rn_retry_match(rn_retries *r, hpo_trial *trial, int *attempt, int64_t *original);
void rn_retries_free(rn_retries *r);

#endif
