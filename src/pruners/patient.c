/*
 * patient.c - the patient pruner (Optuna's PatientPruner, reference optuna.md
 * section 5): early stopping on the trial's own curve. The last patience + 1
 * reports form the window; while the window's best beats the best before it
 * by more than min_delta, nothing is pruned. Once it does not, the wrapped
 * pruner decides (or, with none, the trial is pruned).
 */
#include <math.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "core/error.h"
#include "pruners/pruner.h"
#include "study.h"

typedef struct patient_impl {
    hpo_pruner *wrapped; /* owned; NULL: prune on patience alone */
    int64_t patience;
    double min_delta;
} patient_impl;

/*=========================== The decision ===========================*/

/* numpy's nanmin / nanmax over v[from..to): NaNs are skipped, and a range of
 * NaNs only gives NaN, which makes every comparison below false. */
static double nan_best(const hpo__ivalue *v, size_t from, size_t to, bool maximize)
{
    double best = NAN;

    for (size_t i = from; i < to; i++) {
        double x = v[i].value;
        if (isnan(x))
            continue;
        if (isnan(best) || (maximize ? x > best : x < best))
            best = x;
    }
    return best;
}

/* Test seam (declared again in tests/test_pruners_more.c): whether patience has
 * run out, over own[0..n_own) in ascending step order (as records keep them). */
bool hpo__patient_exhausted(int64_t patience,
                            double min_delta,
                            hpo_direction dir,
                            const hpo__ivalue *own,
                            size_t n_own);

bool hpo__patient_exhausted(
        int64_t patience, double min_delta, hpo_direction dir, const hpo__ivalue *own, size_t n_own)
{
    bool maximize = dir == HPO_MAXIMIZE;
    size_t split;
    double before, window;

    /* Optuna needs at least one step before the window of patience + 1. */
    if ((uint64_t)n_own <= (uint64_t)patience + 1u)
        return false;
    split = n_own - (size_t)patience - 1u;
    before = nan_best(own, 0, split, maximize);
    window = nan_best(own, split, n_own, maximize);
    if (maximize)
        return before - min_delta > window;
    return before + min_delta < window;
}

/*=========================== The study adapter ===========================*/

static int patient_prune(hpo_pruner *pruner, hpo_study *study, const hpo__record *trial, bool *out)
{
    const patient_impl *impl = pruner->impl;

    *out = false;
    if (hpo_study_n_objectives(study) != 1) {
        return hpo__error_set(
                HPO_EUNSUPPORTED,
                "the patient pruner needs a single-objective study (this one has %zu)",
                hpo_study_n_objectives(study));
    }
    if (!hpo__patient_exhausted(impl->patience, impl->min_delta, hpo_study_direction(study, 0),
                                trial->ivalues, trial->n_ivalues))
        return HPO_OK;
    if (impl->wrapped == NULL) {
        *out = true;
        return HPO_OK;
    }
    return impl->wrapped->ops->prune(impl->wrapped, study, trial, out);
}

static void patient_destroy(hpo_pruner *pruner)
{
    patient_impl *impl = pruner->impl;

    hpo_pruner_free(impl->wrapped);
    hpo__free(impl);
}

static const hpo__pruner_ops patient_ops = {
        .version = HPO__PRUNER_OPS_VERSION,
        .name = "patient",
        .prune = patient_prune,
        .destroy = patient_destroy,
};

/*=========================== Construction ===========================*/

static int check_args(const hpo_pruner *wrapped, int64_t patience, double min_delta)
{
    if (wrapped != NULL && wrapped->magic != HPO__PRUNER_MAGIC)
        return hpo__error_set(HPO_EINVAL, "wrapped is not a live pruner handle");
    if (patience < 0)
        return hpo__error_set(HPO_EINVAL, "patience (%lld) must be >= 0", (long long)patience);
    /* Optuna lets NaN through (it never prunes then); refusing it is clearer. */
    if (!(min_delta >= 0.0) || isinf(min_delta)) {
        return hpo__error_set(HPO_EINVAL, "min_delta (%g) must be finite and >= 0", min_delta);
    }
    return HPO_OK;
}

/* Patient pruner around wrapped, which it owns from here on, also on failure. */
int hpo_pruner_patient_new(hpo_pruner **out,
                           hpo_pruner *wrapped,
                           int64_t patience,
                           double min_delta)
{
    patient_impl *impl;
    int rc;

    if (out != NULL)
        *out = NULL;
    rc = out == NULL ? hpo__error_set(HPO_EINVAL, "hpo_pruner_patient_new: out is NULL")
                     : check_args(wrapped, patience, min_delta);
    if (rc != HPO_OK) {
        /* A handle with a bad magic is not ours to free: freeing ignores it. */
        hpo_pruner_free(wrapped);
        return rc;
    }
    impl = hpo__malloc(sizeof(*impl));
    if (impl == NULL) {
        hpo_pruner_free(wrapped);
        return hpo__error_set(HPO_ENOMEM, "out of memory allocating the patient pruner");
    }
    impl->wrapped = wrapped;
    impl->patience = patience;
    impl->min_delta = min_delta;
    /* On failure the shell releases impl, and with it wrapped, through destroy. */
    return hpo__pruner_new(out, &patient_ops, impl);
}
