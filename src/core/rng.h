/*
 * rng.h - the seeded random number generator (xoshiro256**, seeded through
 * splitmix64). Every random choice in libhpo draws from one of these, owned by a
 * sampler or a study; there is no global RNG.
 */
#ifndef HPO_CORE_RNG_H
#define HPO_CORE_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct hpo_rng {
    uint64_t s[4];
} hpo_rng;

void hpo__rng_seed(hpo_rng *r, uint64_t seed);
uint64_t hpo__rng_u64(hpo_rng *r);
/** Uniform double in [0, 1) with 53 random bits. */
double hpo__rng_uniform(hpo_rng *r);
/** Uniform integer in [0, n); n > 0. Unbiased. */
uint64_t hpo__rng_below(hpo_rng *r, uint64_t n);
/** Standard normal deviate. */
double hpo__rng_normal(hpo_rng *r);
/** Pick an index in [0, n) with probability weights[i] / sum(weights). */
size_t hpo__rng_choice(hpo_rng *r, const double *weights, size_t n);

#endif
