/*
 * bench.h - shared pieces of hpo-bench: the benchmark objectives of
 * shared/reference/bench-functions.md (overhead and the quality suite), sampler
 * construction by name, and the JSON result-line helpers. The definitions must
 * stay identical to bench/optuna_bench.py so both tools do the same work.
 */
#ifndef HPO_BENCH_BENCH_H
#define HPO_BENCH_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hpo/hpo.h"

/* A quality-suite function: a minimised objective and its known optimum. */
typedef struct bench_function {
    const char *name;
    size_t dim;
    double optimum;
    hpo_objective_fn objective; /* payload unused */
} bench_function;

/* The eight suite functions in the reference's order. */
extern const bench_function bench_functions[];
extern const size_t bench_n_functions;

/** The suite function called name, or NULL. */
const bench_function *bench_function_find(const char *name);

/** The ten-parameter overhead objective (payload unused). */
int bench_overhead_objective(hpo_trial *trial, double *values, void *payload);

/**
 * A sampler by benchmark name: random, tpe (defaults), tpe_indep (multivariate
 * off), tpe_mv (multivariate on). HPO_ENOTFOUND for an unknown name (no message
 * set); otherwise the constructor's status.
 */
int bench_sampler_new(hpo_sampler **out, const char *name, uint64_t seed);

/** Monotonic seconds. */
double bench_now(void);

/** Write x as a JSON number, shortest text that reads back exactly; null if not finite. */
void bench_put_num(FILE *f, double x);

/** Median of v[0..n) (mean of the middle two for even n); v is sorted. NaN if n == 0. */
double bench_median(double *v, size_t n);

/** Parse a non-negative integer option value; returns 0 on success, -1 (message printed). */
int bench_parse_u64(const char *opt, const char *text, uint64_t *out);

/** `hpo-bench mlp` (bench/bench_mlp.c): argv[0] is "mlp"; returns the exit status. */
int bench_mlp_main(int argc, char **argv);

/** `hpo-bench storage` (bench/bench_storage.c): argv[0] is "storage"; returns the exit status. */
int bench_storage_main(int argc, char **argv);

#endif
