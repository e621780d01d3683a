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

static double uniform_in(hpo_rng *rng, double lo, double hi)
{
    return lo + hpo__rng_uniform(rng) * (hi - lo);
}

static double sample_float(hpo_rng *rng, const hpo_distribution *d)
{
    double u;
    if (d->low == d->high)
        return d->low;
    if (d->has_step) {
        u = uniform_in(rng, d->low - d->step / 2.0, d->high + d->step / 2.0);
        /* nearbyint rounds half to even, like np.round. */
        return clampd(d->low + nearbyint((u - d->low) / d->step) * d->step, d->low, d->high);
    }
    if (d->log)
        u = exp(uniform_in(rng, log(d->low), log(d->high)));
    else
        u = uniform_in(rng, d->low, d->high);
    /* high itself is never returned (Optuna caps at nextafter(high, -inf)). */
    return clampd(u, d->low, nextafter(d->high, -HUGE_VAL));
}

static double sample_int(hpo_rng *rng, const hpo_distribution *d)
{
    double lo = (double)d->ilow, hi = (double)d->ihigh, v;
    if (d->ilow == d->ihigh)
        return lo;
    if (d->log) {
        double u = uniform_in(rng, log(lo - 0.5), log(hi + 0.5));
        v = nearbyint(exp(u)); /* Python round(): half to even */
    } else {
        double step = (double)d->istep;
        double u = uniform_in(rng, lo - step / 2.0, hi + step / 2.0);
        v = floor((u - lo) / step + 0.5) * step + lo;
    }
    return clampd(v, lo, hi);
}

double hpo__random_sample(hpo_rng *rng, const hpo_distribution *d)
{
    switch (d->kind) {
    case HPO_DIST_FLOAT:
        return sample_float(rng, d);
    case HPO_DIST_INT:
        return sample_int(rng, d);
    case HPO_DIST_CATEGORICAL:
    default:
        return d->n_choices > 0 ? (double)hpo__rng_below(rng, d->n_choices) : 0.0;
    }
}

static int random_sample_independent(hpo_sampler *s, hpo_study *study, const hpo__record *trial,
        const char *name, const hpo_distribution *dist, double *out)
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
