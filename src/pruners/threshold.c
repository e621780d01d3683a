/*
 * threshold.c - the threshold pruner (Optuna's ThresholdPruner, reference
 * optuna.md section 5): prune a trial whose latest intermediate value is NaN
 * or leaves [lower, upper], checked on the same warm-up and interval schedule
 * as the percentile pruner (Optuna shares _is_first_in_interval_step too).
 */
#include <math.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "core/error.h"
#include "pruners/percentile.h"
#include "pruners/pruner.h"

/* Validated configuration; an unset bound is stored as the matching infinity,
 * which is what Optuna does with None. */
typedef struct threshold_rule {
    double lower;
    double upper;
    int64_t n_warmup_steps;
    int64_t interval_steps;
} threshold_rule;

/*=========================== The decision ===========================*/

/* Test seam (declared again in tests/test_pruners_more.c): the whole decision
 * over a trial's intermediate values own[0..n_own), in any order. */
bool hpo__threshold_decide(double lower,
                           double upper,
                           int64_t n_warmup_steps,
                           int64_t interval_steps,
                           const hpo__ivalue *own,
                           size_t n_own);

bool hpo__threshold_decide(double lower,
                           double upper,
                           int64_t n_warmup_steps,
                           int64_t interval_steps,
                           const hpo__ivalue *own,
                           size_t n_own)
{
    hpo__percentile_rule gate = {0.0, 0, n_warmup_steps, interval_steps, 1};
    int64_t step;
    double latest = NAN;

    /* No report, still warming up, or not the first report of an interval. */
    if (!hpo__percentile_step_gate(&gate, own, n_own, &step))
        return false;
    for (size_t i = 0; i < n_own; i++) {
        if (own[i].step == step)
            latest = own[i].value;
    }
    if (isnan(latest))
        return true;
    return latest < lower || latest > upper;
}

/*=========================== The study adapter ===========================*/

static int
threshold_prune(hpo_pruner *pruner, hpo_study *study, const hpo__record *trial, bool *out)
{
    const threshold_rule *r = pruner->impl;

    /* The rule reads nothing but the trial itself, so any study will do
     * (should_prune has already refused multi-objective studies). */
    (void)study;
    *out = hpo__threshold_decide(r->lower, r->upper, r->n_warmup_steps, r->interval_steps,
                                 trial->ivalues, trial->n_ivalues);
    return HPO_OK;
}

static const hpo__pruner_ops threshold_ops = {
        .version = HPO__PRUNER_OPS_VERSION,
        .name = "threshold",
        .prune = threshold_prune,
        .destroy = hpo__pruner_free_impl,
};

/*=========================== Construction ===========================*/

static int check_version(unsigned int version)
{
    if (version == 0 || version > HPO_THRESHOLD_OPTIONS_VERSION) {
        return hpo__error_set(
                HPO_EVERSION,
                "hpo_threshold_options version %u is not supported (this library knows 1..%d)",
                version, HPO_THRESHOLD_OPTIONS_VERSION);
    }
    return HPO_OK;
}

/* Fill *opts with the defaults of the given options version. */
int hpo_threshold_options_init(hpo_threshold_options *opts, unsigned int version)
{
    const hpo_threshold_options defaults = HPO_THRESHOLD_OPTIONS_INIT;

    if (opts == NULL)
        return hpo__error_set(HPO_EINVAL, "hpo_threshold_options_init: opts is NULL");
    HPO_TRY(check_version(version));
    *opts = defaults;
    opts->version = version;
    return HPO_OK;
}

/* NaN means unset; an infinite bound is refused because NaN already says
 * "no bound" and a bound of +-inf on the wrong side would prune everything. */
static int check_bound(const char *name, double v)
{
    if (isinf(v)) {
        return hpo__error_set(HPO_EINVAL, "%s (%g) must be finite (NaN leaves it unset)", name, v);
    }
    return HPO_OK;
}

/* Validate the options into a rule (Optuna's constructor checks). */
static int make_rule(const hpo_threshold_options *opts, threshold_rule *rule)
{
    HPO_TRY(check_version(opts->version));
    HPO_TRY(check_bound("lower", opts->lower));
    HPO_TRY(check_bound("upper", opts->upper));
    if (isnan(opts->lower) && isnan(opts->upper))
        return hpo__error_set(HPO_EINVAL, "either lower or upper must be set (both are NaN)");
    rule->lower = isnan(opts->lower) ? -(double)INFINITY : opts->lower;
    rule->upper = isnan(opts->upper) ? (double)INFINITY : opts->upper;
    if (rule->lower > rule->upper) {
        return hpo__error_set(HPO_EINVAL, "lower (%g) must be <= upper (%g)", rule->lower,
                              rule->upper);
    }
    if (opts->n_warmup_steps < 0) {
        return hpo__error_set(HPO_EINVAL, "n_warmup_steps (%lld) must be >= 0",
                              (long long)opts->n_warmup_steps);
    }
    if (opts->interval_steps < 1) {
        return hpo__error_set(HPO_EINVAL, "interval_steps (%lld) must be >= 1",
                              (long long)opts->interval_steps);
    }
    rule->n_warmup_steps = opts->n_warmup_steps;
    rule->interval_steps = opts->interval_steps;
    return HPO_OK;
}

/* Threshold pruner; opts NULL means defaults (which set no bound). */
int hpo_pruner_threshold_new(hpo_pruner **out, const hpo_threshold_options *opts)
{
    const hpo_threshold_options defaults = HPO_THRESHOLD_OPTIONS_INIT;
    threshold_rule rule, *impl;

    if (out == NULL)
        return hpo__error_set(HPO_EINVAL, "hpo_pruner_threshold_new: out is NULL");
    *out = NULL;
    HPO_TRY(make_rule(opts != NULL ? opts : &defaults, &rule));
    impl = hpo__malloc(sizeof(*impl));
    if (impl == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory allocating the threshold pruner");
    *impl = rule;
    return hpo__pruner_new(out, &threshold_ops, impl);
}
