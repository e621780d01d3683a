/*
 * gp_cons.h - constraints for the gp sampler (Optuna's constrained GPSampler):
 * one GP per constraint on -c (feasible when c <= 0), standardised, whose
 * probability of feasibility multiplies the expected improvement (logCEI).
 * Values come from the trials' system attributes: Optuna's "constraints" list
 * (constraints_func) or Optuna 5.0's "constraints:<name>" (set_constraint).
 */
#ifndef HPO_SAMPLERS_GP_CONS_H
#define HPO_SAMPLERS_GP_CONS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/record.h"
#include "samplers/gp_model.h"

typedef struct hpo__gp_cons {
    size_t n;          /* constraint models fitted */
    hpo__gp *models;   /* n */
    double *threshold; /* n: the standardised value of c = 0 */
    bool *feasible;    /* per row of the history */
    bool any_feasible;
} hpo__gp_cons;

/** A trial's constraint values into out[0..max): their count, 0 when it has none. */
size_t hpo__gp_trial_constraints(const hpo__record *r, double *out, size_t max);

/**
 * Fit the constraint models over the n history rows X (n x d, the trials
 * done[0..n)). With no constraints anywhere c->n is 0 and every row feasible.
 * Deterministic: no randomness. Errors: ENOMEM, HPO_ERROR (no factorisation).
 */
int hpo__gp_cons_fit(hpo__gp_cons *c, hpo__record *const *done, size_t n, const double *X,
        size_t d, const bool *is_cat);
void hpo__gp_cons_free(hpo__gp_cons *c);

#endif
