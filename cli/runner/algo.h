/*
 * algo.h - samplers and pruners named on the command line, shared by `hpo run`,
 * `hpo ask` and `hpo trial` (whose children rebuild the parent's sampler and
 * pruner from the HPO_SAMPLER / HPO_PRUNER / HPO_SEED variables).
 *
 *   sampler: tpe[:startup=N][:candidates=N][:multivariate=0|1][:liar=0|1]
 *            [:group=0|1][:compat=4.9]  |  random
 *   pruner:  median[:startup=N][:warmup=N][:interval=N][:min_trials=N]
 *            | percentile:P[:startup=..]  |  nop  (also "none")
 */
#ifndef HPO_CLI_RUNNER_ALGO_H
#define HPO_CLI_RUNNER_ALGO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hpo/hpo.h"

/* The sampler of a study when no --sampler is given. */
#define CLI_DEFAULT_SAMPLER "auto"

/** Build a sampler from spec (NULL: CLI_DEFAULT_SAMPLER). 0, or -1 with err set. */
int cli_sampler_new(const char *spec, uint64_t seed, hpo_sampler **out, char *err,
        size_t errlen);
/** Whether the sampler spec names one that stops the study by itself (grid, brute-force). */
bool cli_sampler_ends_itself(const char *spec);
/** Build a pruner from spec (NULL: median). 0, or -1 with err set. */
int cli_pruner_new(const char *spec, hpo_pruner **out, char *err, size_t errlen);
/** Set both on a study (NULL specs keep the study's defaults). 0, or -1 with err set. */
int cli_study_set_algorithms(hpo_study *study, const char *sampler, uint64_t seed,
        const char *pruner, char *err, size_t errlen);
/** A seed from the system's entropy (getrandom), for runs without --seed. */
uint64_t cli_random_seed(void);
/** Mix values into a seed (splitmix64 steps); distinct inputs give unrelated seeds. */
uint64_t cli_seed_mix(uint64_t seed, uint64_t value);

#endif
