/*
 * partial_fixed.c - Optuna's PartialFixedSampler: some parameters take given
 * values in every trial, the rest come from a base sampler, whose joint space
 * loses the fixed names so it models only what varies.
 */
#include <jansson.h>

#include "core/alloc.h"
#include "core/distribution.h"
#include "core/error.h"
#include "core/json.h"
#include "samplers/sampler.h"

typedef struct fixed_impl {
    json_t *fixed; /* {name: value} */
    hpo_sampler *base;
} fixed_impl;

static int fixed_infer_relative_space(hpo_sampler *s, hpo_study *study, const hpo__record *trial,
        hpo__space *out)
{
    fixed_impl *f = s->impl;
    const hpo__sampler_ops *ops = f->base->ops;
    hpo__space all = {0};
    int rc;
    if (ops->infer_relative_space == NULL)
        return HPO_OK;
    rc = ops->infer_relative_space(f->base, study, trial, &all);
    for (size_t i = 0; i < all.n && rc == HPO_OK; i++)
        if (json_object_get(f->fixed, all.names[i]) == NULL)
            rc = hpo__space_add(out, all.names[i], all.dists[i]);
    hpo__space_clear(&all);
    return rc;
}

static int fixed_sample_relative(hpo_sampler *s, hpo_study *study, const hpo__record *trial,
        const hpo__space *space, double *out)
{
    fixed_impl *f = s->impl;
    return f->base->ops->sample_relative(f->base, study, trial, space, out);
}

static int fixed_sample_independent(hpo_sampler *s, hpo_study *study, const hpo__record *trial,
        const char *name, const hpo_distribution *dist, double *out)
{
    fixed_impl *f = s->impl;
    const json_t *v = json_object_get(f->fixed, name);
    if (v == NULL)
        return f->base->ops->sample_independent(f->base, study, trial, name, dist, out);
    if (hpo__json_to_internal(dist, v, out) != HPO_OK)
        return hpo__error_wrap(HPO_EINVAL, "partial fixed: the value of '%.200s'", name);
    if (!hpo__dist_contains(dist, *out))
        hpo__log(HPO_LOG_WARNING,
                "fixed parameter '%.200s' with value %g is out of the range of its "
                "distribution; using it anyway",
                name, *out);
    return HPO_OK;
}

static int fixed_before_trial(hpo_sampler *s, hpo_study *study, const hpo__record *trial)
{
    fixed_impl *f = s->impl;
    return f->base->ops->before_trial != NULL ? f->base->ops->before_trial(f->base, study, trial)
                                               : HPO_OK;
}

static int fixed_after_trial(hpo_sampler *s, hpo_study *study, const hpo__record *trial,
        hpo_trial_state state, const double *values, size_t n_values)
{
    fixed_impl *f = s->impl;
    return f->base->ops->after_trial != NULL
                   ? f->base->ops->after_trial(f->base, study, trial, state, values, n_values)
                   : HPO_OK;
}

static int64_t fixed_trial_limit(hpo_sampler *s)
{
    fixed_impl *f = s->impl;
    return hpo__sampler_trial_limit(f->base);
}

static void fixed_destroy(hpo_sampler *s)
{
    fixed_impl *f = s->impl;
    if (f == NULL)
        return;
    json_decref(f->fixed);
    hpo_sampler_free(f->base);
    hpo__free(f);
    s->impl = NULL;
}

static const hpo__sampler_ops fixed_ops = {
        .version = HPO__SAMPLER_OPS_VERSION,
        .name = "PartialFixedSampler",
        .infer_relative_space = fixed_infer_relative_space,
        .sample_relative = fixed_sample_relative,
        .sample_independent = fixed_sample_independent,
        .before_trial = fixed_before_trial,
        .after_trial = fixed_after_trial,
        .destroy = fixed_destroy,
        .trial_limit = fixed_trial_limit,
};

static int check_fixed(json_t *fixed)
{
    const char *key;
    json_t *val;
    if (!json_is_object(fixed))
        return hpo__error_set(HPO_EINVAL, "partial fixed: fixed_params must be a JSON object "
                                          "{\"name\": value}");
    json_object_foreach(fixed, key, val)
    {
        if (json_is_array(val) || json_is_object(val))
            return hpo__error_set(HPO_EINVAL,
                    "partial fixed: the value of '%.200s' is a list or object, not a scalar",
                    key);
    }
    return HPO_OK;
}

int hpo_sampler_partial_fixed_new(hpo_sampler **out, const char *fixed_params_json,
        hpo_sampler *base)
{
    fixed_impl *f = NULL;
    json_t *fixed = NULL;
    int rc;
    if (out == NULL) {
        hpo_sampler_free(base);
        return hpo__error_set(HPO_EMISUSE, "hpo_sampler_partial_fixed_new: out is NULL");
    }
    *out = NULL;
    if (base == NULL)
        return hpo__error_set(HPO_EINVAL, "partial fixed: base sampler is NULL");
    if (fixed_params_json == NULL)
        rc = hpo__error_set(HPO_EINVAL, "partial fixed: fixed_params_json is NULL");
    else if ((rc = hpo__json_parse(fixed_params_json, &fixed)) == HPO_OK)
        rc = check_fixed(fixed);
    if (rc == HPO_OK) {
        f = hpo__calloc(1, sizeof(*f));
        if (f != NULL) {
            f->fixed = fixed;
            f->base = base;
            return hpo__sampler_new(out, &fixed_ops, f);
        }
        rc = hpo__error_set(HPO_ENOMEM, "partial fixed: out of memory");
    }
    json_decref(fixed);
    hpo_sampler_free(base);
    return rc;
}
