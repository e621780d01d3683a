/*
 * lbfgsb.h - bounded quasi-Newton minimisation through L-BFGS-B 3.0 (Debian
 * liblbfgsb, BSD): the C side of the Fortran reverse-communication loop, so
 * callers give a function with its gradient and get the best point seen.
 */
#ifndef HPO_CORE_LBFGSB_H
#define HPO_CORE_LBFGSB_H

#include <stddef.h>

/**
 * f(x) with its gradient written to grad[0..n). A non-finite return ends the
 * search (the best finite point seen so far is kept).
 */
typedef double (*hpo__lbfgsb_fn)(const double *x, double *grad, void *payload);

typedef struct hpo__lbfgsb_opts {
    int m;          /* limited-memory corrections (10) */
    double factr;   /* stop when the relative reduction < factr * eps (1e7) */
    double pgtol;   /* stop when the projected gradient's max norm <= pgtol (1e-5) */
    int max_evals;  /* function evaluations (200) */
} hpo__lbfgsb_opts;

#define HPO__LBFGSB_OPTS_INIT { 10, 1e7, 1e-5, 200 }

/**
 * Minimise fn from x (n >= 1) within [lo[i], hi[i]] (lo or hi NULL, or an
 * infinite bound: that side is unbounded). On return x holds the best point
 * evaluated and *f_out its value (+inf when no finite value was seen).
 * Errors: HPO_ENOMEM; HPO_EINVAL when x's start has no finite value.
 */
int hpo__lbfgsb_minimize(size_t n, double *x, const double *lo, const double *hi,
        hpo__lbfgsb_fn fn, void *payload, const hpo__lbfgsb_opts *opts, double *f_out);

#endif
