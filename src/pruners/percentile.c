/*
 * percentile.c - the percentile pruner and its median special case (Optuna's
 * PercentilePruner / MedianPruner, reference optuna.md section 5).
 *
 * The decision lives in pure functions over plain arrays (percentile.h) so the
 * tests can feed it constructed histories; prune() is a thin adapter that reads
 * the study's COMPLETE trials and collects their values at this trial's step.
 */
#include "pruners/percentile.h"

#include <math.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "core/error.h"
#include "pruners/pruner.h"
#include "study.h"

/*=========================== The pure decision ===========================*/

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;
    return (x > y) - (x < y);
}

double hpo__nanpercentile(double *v, size_t n, double q)
{
    size_t m = 0;
    double virt, prev_d, gamma, a, b, diff;
    size_t lo, hi;

    /* numpy's nanpercentile drops NaNs first, then takes the plain quantile. */
    for (size_t i = 0; i < n; i++) {
        if (!isnan(v[i]))
            v[m++] = v[i];
    }
    if (m == 0)
        return NAN;
    qsort(v, m, sizeof(*v), cmp_double);

    /* "linear": virtual index (n - 1) * (q / 100); at or above the last index
     * numpy uses index -1 for both neighbours, which also shifts gamma. */
    virt = (double)(m - 1) * (q / 100.0);
    if (virt >= (double)(m - 1)) {
        lo = hi = m - 1;
        prev_d = -1.0;
    } else if (virt < 0.0) {
        lo = hi = 0;
        prev_d = 0.0;
    } else {
        prev_d = floor(virt);
        lo = (size_t)prev_d;
        hi = lo + 1;
    }
    gamma = virt - prev_d;
    a = v[lo];
    b = v[hi];
    /* numpy's _lerp: from the nearer end, so equal neighbours give exactly that
     * value, and infinite ones give inf - inf = NaN as numpy does. */
    diff = b - a;
    if (gamma >= 0.5)
        return b - diff * (1.0 - gamma);
    return a + diff * gamma;
}

bool hpo__percentile_step_gate(const hpo__percentile_rule *rule,
                               const hpo__ivalue *own,
                               size_t n_own,
                               int64_t *step_out)
{
    int64_t step, nearest, second = -1;

    if (n_own == 0)
        return false;
    step = own[0].step;
    for (size_t i = 1; i < n_own; i++) {
        if (own[i].step > step)
            step = own[i].step;
    }
    if (step < rule->n_warmup_steps)
        return false;
    /* The checkpoint at or below step; step - warmup >= 0, so C division floors. */
    nearest = (step - rule->n_warmup_steps) / rule->interval_steps * rule->interval_steps +
              rule->n_warmup_steps;
    for (size_t i = 0; i < n_own; i++) {
        if (own[i].step > second && own[i].step != step)
            second = own[i].step;
    }
    /* Check only at the first report at or after the checkpoint. */
    if (second >= nearest)
        return false;
    *step_out = step;
    return true;
}

bool hpo__percentile_decide(const hpo__percentile_rule *rule,
                            hpo_direction dir,
                            size_t n_complete,
                            const hpo__ivalue *own,
                            size_t n_own,
                            double *at_step,
                            size_t n_at_step)
{
    int64_t step;
    double best = NAN, q, p;
    bool maximize = dir == HPO_MAXIMIZE;

    if (n_complete == 0 || n_complete < rule->n_startup_trials)
        return false;
    if (!hpo__percentile_step_gate(rule, own, n_own, &step))
        return false;
    /* nanmin / nanmax over all of this trial's values. */
    for (size_t i = 0; i < n_own; i++) {
        double x = own[i].value;
        if (isnan(x))
            continue;
        if (isnan(best) || (maximize ? x > best : x < best))
            best = x;
    }
    if (isnan(best))
        return true; /* every value NaN: the trial is hopeless */
    if (n_at_step < rule->n_min_trials)
        return false;
    q = maximize ? 100.0 - rule->percentile : rule->percentile;
    p = hpo__nanpercentile(at_step, n_at_step, q);
    if (isnan(p))
        return false;
    return maximize ? best < p : best > p;
}

/*=========================== The study adapter ===========================*/

static int
percentile_prune(hpo_pruner *pruner, hpo_study *study, const hpo__record *trial, bool *out)
{
    const hpo__percentile_rule *rule = pruner->impl;
    hpo__record **recs = NULL;
    size_t n_recs = 0, n_at = 0;
    double *at_step = NULL;
    hpo_direction dir;
    int64_t step;
    int rc = HPO_OK;

    *out = false;
    if (hpo_study_n_objectives(study) != 1) {
        return hpo__error_set(
                HPO_EUNSUPPORTED,
                "the percentile pruner needs a single-objective study (this one has %zu)",
                hpo_study_n_objectives(study));
    }
    dir = hpo_study_direction(study, 0);
    /* The trial-local gates need no study read; most calls stop here. */
    if (!hpo__percentile_step_gate(rule, trial->ivalues, trial->n_ivalues, &step))
        return HPO_OK;
    rc = hpo__study_trials(study, HPO_STATES(HPO_TRIAL_COMPLETE), &recs, &n_recs);
    if (rc != HPO_OK)
        return hpo__error_wrap(rc, "percentile pruner");
    if (n_recs > 0) {
        at_step = hpo__malloc(n_recs * sizeof(*at_step));
        if (at_step == NULL) {
            rc = hpo__error_set(HPO_ENOMEM, "out of memory collecting %zu values at step %lld",
                                n_recs, (long long)step);
            goto fail;
        }
        for (size_t i = 0; i < n_recs; i++) {
            long j = hpo__record_find_ivalue(recs[i], step);
            if (j >= 0)
                at_step[n_at++] = recs[i]->ivalues[j].value;
        }
    }
    *out = hpo__percentile_decide(rule, dir, n_recs, trial->ivalues, trial->n_ivalues, at_step,
                                  n_at);
fail:
    hpo__free(at_step);
    hpo__records_release(recs, n_recs);
    return rc;
}

static const hpo__pruner_ops percentile_ops = {
        .version = HPO__PRUNER_OPS_VERSION,
        .name = "percentile",
        .prune = percentile_prune,
        .destroy = hpo__pruner_free_impl,
};

/*=========================== Construction ===========================*/

static int check_version(unsigned int version)
{
    if (version == 0 || version > HPO_PERCENTILE_OPTIONS_VERSION) {
        return hpo__error_set(
                HPO_EVERSION,
                "hpo_percentile_options version %u is not supported (this library knows 1..%d)",
                version, HPO_PERCENTILE_OPTIONS_VERSION);
    }
    return HPO_OK;
}

/* Fill *opts with the defaults of the given options version. */
int hpo_percentile_options_init(hpo_percentile_options *opts, unsigned int version)
{
    const hpo_percentile_options defaults = HPO_PERCENTILE_OPTIONS_INIT;

    if (opts == NULL)
        return hpo__error_set(HPO_EINVAL, "hpo_percentile_options_init: opts is NULL");
    HPO_TRY(check_version(version));
    *opts = defaults;
    opts->version = version;
    return HPO_OK;
}

/* Validate the public arguments into a rule (Optuna's constructor checks). */
static int
make_rule(double percentile, const hpo_percentile_options *opts, hpo__percentile_rule *rule)
{
    const hpo_percentile_options defaults = HPO_PERCENTILE_OPTIONS_INIT;

    if (opts == NULL)
        opts = &defaults;
    HPO_TRY(check_version(opts->version));
    if (!(percentile >= 0.0 && percentile <= 100.0)) {
        return hpo__error_set(HPO_EINVAL, "percentile (%g) must be in [0, 100]", percentile);
    }
    if (opts->n_warmup_steps < 0) {
        return hpo__error_set(HPO_EINVAL, "n_warmup_steps (%lld) must be >= 0",
                              (long long)opts->n_warmup_steps);
    }
    if (opts->interval_steps < 1) {
        return hpo__error_set(HPO_EINVAL, "interval_steps (%lld) must be >= 1",
                              (long long)opts->interval_steps);
    }
    if (opts->n_min_trials < 1)
        return hpo__error_set(HPO_EINVAL, "n_min_trials (%zu) must be >= 1", opts->n_min_trials);
    rule->percentile = percentile;
    rule->n_startup_trials = opts->n_startup_trials;
    rule->n_warmup_steps = opts->n_warmup_steps;
    rule->interval_steps = opts->interval_steps;
    rule->n_min_trials = opts->n_min_trials;
    return HPO_OK;
}

/* Percentile pruner; opts NULL means defaults. See hpo.h for the errors. */
int hpo_pruner_percentile_new(hpo_pruner **out,
                              double percentile,
                              const hpo_percentile_options *opts)
{
    hpo__percentile_rule rule, *impl;

    if (out == NULL)
        return hpo__error_set(HPO_EINVAL, "hpo_pruner_percentile_new: out is NULL");
    *out = NULL;
    HPO_TRY(make_rule(percentile, opts, &rule));
    impl = hpo__malloc(sizeof(*impl));
    if (impl == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory allocating the percentile pruner");
    *impl = rule;
    return hpo__pruner_new(out, &percentile_ops, impl);
}

/* Median pruner: percentile 50. */
int hpo_pruner_median_new(hpo_pruner **out, const hpo_percentile_options *opts)
{
    return hpo_pruner_percentile_new(out, 50.0, opts);
}
