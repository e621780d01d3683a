/*
 * qmc_seq.h - low-discrepancy sequences for the qmc sampler: Sobol (Joe-Kuo
 * direction numbers, Gray-code order, optional linear matrix scramble plus
 * digital shift, as SciPy's Sobol) and Halton (radical inverses in the first
 * primes, optional random digit permutations). Points are addressed by index,
 * so every worker computes point n of the same sequence without shared state.
 */
#ifndef HPO_SAMPLERS_QMC_SEQ_H
#define HPO_SAMPLERS_QMC_SEQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Sobol resolution, as SciPy's default: points are multiples of 2^-30. */
#define HPO__SOBOL_BITS 30

typedef enum hpo__qmc_kind { HPO__QMC_SOBOL, HPO__QMC_HALTON } hpo__qmc_kind;

typedef struct hpo__qmc_seq {
    hpo__qmc_kind kind;
    size_t d;
    uint32_t *v;     /* Sobol: d x BITS direction integers (scrambled when asked) */
    uint32_t *shift; /* Sobol: d digital shifts (0 unscrambled) */
    uint32_t *base;  /* Halton: d prime bases */
    uint16_t **perm; /* Halton: per dimension, n_digits x base digit permutations (scrambled) */
    size_t *n_digits;
} hpo__qmc_seq;

/** Largest dimension a Sobol sequence supports (the direction-number table). */
size_t hpo__sobol_max_dims(void);
/**
 * Build a d-dimensional sequence; scramble uses seed. Errors: HPO_EINVAL (d 0,
 * or above the table for Sobol), HPO_ENOMEM.
 */
int hpo__qmc_seq_init(hpo__qmc_seq *q, hpo__qmc_kind kind, size_t d, bool scramble, uint64_t seed);
void hpo__qmc_seq_free(hpo__qmc_seq *q);
/** Point index of the sequence into out[0..d), each in [0, 1). */
void hpo__qmc_seq_point(const hpo__qmc_seq *q, uint64_t index, double *out);

#endif
