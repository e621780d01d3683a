/*
 * random.c - Optuna's RandomSampler (reference/optuna.md §4): independent
 * uniform draws in each distribution's transformed space, then mapped back with
 * Optuna's rounding and clamping rules. TPE's startup phase uses the same draw.
 */
#include <math.h>
#include <stdint.h>

#include "core/alloc.h"
#include "core/distribution.h"
#include "core/error.h"
#include "samplers/sampler.h"

typedef struct random_impl {
    hpo_rng rng;
} random_impl;

static double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

/* u in [0, 1) onto [lo, hi): the one affine map both random and QMC draws use. */
static double unit_to(double u, double lo, double hi)
{
    return lo + u * (hi - lo);
}

static double float_from_unit(const hpo_distribution *d, double u)
{
    double v;
    if (d->low == d->high)
        return d->low;
    if (d->has_step) {
        v = unit_to(u, d->low - d->step / 2.0, d->high + d->step / 2.0);
        /* nearbyint rounds half to even, like np.round. */
        return clampd(d->low + nearbyint((v - d->low) / d->step) * d->step, d->low, d->high);
    }
    if (d->log)
        v = exp(unit_to(u, log(d->low), log(d->high)));
    else
        v = unit_to(u, d->low, d->high);
    /* high itself is never returned (Optuna caps at nextafter(high, -inf)). */
    return clampd(v, d->low, nextafter(d->high, -HUGE_VAL));
}

static double int_from_unit(const hpo_distribution *d, double u)
{
    double lo = (double)d->ilow, hi = (double)d->ihigh, v;
    if (d->ilow == d->ihigh)
        return lo;
    if (d->log) {
        v = nearbyint(exp(unit_to(u, log(lo - 0.5), log(hi + 0.5)))); /* round(): half even */
    } else {
        double step = (double)d->istep;
        double w = unit_to(u, lo - step / 2.0, hi + step / 2.0);
        v = floor((w - lo) / step + 0.5) * step + lo;
    }
    return clampd(v, lo, hi);
}

double hpo__dist_from_unit(const hpo_distribution *d, double u)
{
    switch (d->kind) {
    case HPO_DIST_FLOAT:
        return float_from_unit(d, u);
    case HPO_DIST_INT:
        return int_from_unit(d, u);
    case HPO_DIST_CATEGORICAL:
    default: {
        double k = floor(u * (double)d->n_choices);
        return d->n_choices == 0 ? 0.0 : clampd(k, 0.0, (double)d->n_choices - 1.0);
    }
    }
}

double hpo__random_sample(hpo_rng *rng, const hpo_distribution *d)
{
    if (d->kind == HPO_DIST_CATEGORICAL)
        return d->n_choices > 0 ? (double)hpo__rng_below(rng, d->n_choices) : 0.0;
    if (d->kind == HPO_DIST_FLOAT ? d->low == d->high : d->ilow == d->ihigh)
        return d->kind == HPO_DIST_FLOAT ? d->low : (double)d->ilow; /* no draw, as Optuna */
    return hpo__dist_from_unit(d, hpo__rng_uniform(rng));
}

static int random_sample_independent(hpo_sampler *s,
                                     hpo_study *study,
                                     const hpo__record *trial,
                                     const char *name,
                                     const hpo_distribution *dist,
                                     double *out)
{
    random_impl *impl = s->impl;
    (void)study;
    (void)trial;
    (void)name;
    *out = hpo__random_sample(&impl->rng, dist);
    return HPO_OK;
}

static void random_destroy(hpo_sampler *s)
{
    hpo__free(s->impl);
    s->impl = NULL;
}

static const hpo__sampler_ops random_ops = {
        .version = HPO__SAMPLER_OPS_VERSION,
        .name = "RandomSampler",
        .infer_relative_space = NULL,
        .sample_relative = NULL,
        .sample_independent = random_sample_independent,
        .before_trial = NULL,
        .after_trial = NULL,
        .destroy = random_destroy,
};

int hpo_sampler_random_new(hpo_sampler **out, uint64_t seed)
{
    random_impl *impl;
    if (out == NULL)
        return hpo__error_set(HPO_EMISUSE, "hpo_sampler_random_new: out is NULL");
    *out = NULL;
    impl = hpo__calloc(1, sizeof(*impl));
    if (impl == NULL)
        return hpo__error_set(HPO_ENOMEM, "RandomSampler: out of memory");
    hpo__rng_seed(&impl->rng, seed);
    return hpo__sampler_new(out, &random_ops, impl);
}
