/*
 * sampler.c - the sampler shell shared by every algorithm (magic-checked handle
 * around an ops table and its private state) and the ordered search space
 * (name -> distribution) that relative sampling passes around.
 */
#include "samplers/sampler.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/distribution.h"
#include "core/error.h"

int hpo__sampler_new(hpo_sampler **out, const hpo__sampler_ops *ops, void *impl)
{
    hpo_sampler *s = hpo__calloc(1, sizeof(*s));
    *out = NULL;
    if (s == NULL) {
        /* We took impl: release it through a temporary shell. */
        hpo_sampler tmp = {HPO__SAMPLER_MAGIC, ops, impl};
        if (ops->destroy != NULL)
            ops->destroy(&tmp);
        return hpo__error_set(HPO_ENOMEM, "sampler %s: out of memory", ops->name);
    }
    s->magic = HPO__SAMPLER_MAGIC;
    s->ops = ops;
    s->impl = impl;
    *out = s;
    return HPO_OK;
}

void hpo_sampler_free(hpo_sampler *sampler)
{
    if (sampler == NULL || sampler->magic != HPO__SAMPLER_MAGIC)
        return;
    if (sampler->ops->destroy != NULL)
        sampler->ops->destroy(sampler);
    sampler->magic = 0;
    hpo__free(sampler);
}

int hpo__space_add(hpo__space *s, const char *name, const hpo_distribution *dist)
{
    char *n = hpo__strdup(name);
    hpo_distribution *d = NULL;
    char **names = NULL;
    hpo_distribution **dists = NULL;
    if (n == NULL || hpo__dist_copy(dist, &d) != HPO_OK)
        goto oom;
    names = hpo__reallocarray(s->names, s->n + 1, sizeof(*names));
    if (names == NULL)
        goto oom;
    s->names = names;
    dists = hpo__reallocarray(s->dists, s->n + 1, sizeof(*dists));
    if (dists == NULL)
        goto oom;
    s->dists = dists;
    s->names[s->n] = n;
    s->dists[s->n] = d;
    s->n++;
    return HPO_OK;
oom:
    hpo__free(n);
    hpo_distribution_free(d);
    return hpo__error_set(HPO_ENOMEM, "search space: out of memory adding '%s'", name);
}

long hpo__space_find(const hpo__space *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->names[i], name) == 0)
            return (long)i;
    return -1;
}

void hpo__space_sort(hpo__space *s)
{
    /* Insertion sort: spaces are small and this keeps equal names stable. */
    for (size_t i = 1; i < s->n; i++) {
        char *n = s->names[i];
        hpo_distribution *d = s->dists[i];
        size_t j = i;
        while (j > 0 && strcmp(s->names[j - 1], n) > 0) {
            s->names[j] = s->names[j - 1];
            s->dists[j] = s->dists[j - 1];
            j--;
        }
        s->names[j] = n;
        s->dists[j] = d;
    }
}

void hpo__space_clear(hpo__space *s)
{
    for (size_t i = 0; i < s->n; i++) {
        hpo__free(s->names[i]);
        hpo_distribution_free(s->dists[i]);
    }
    hpo__free(s->names);
    hpo__free(s->dists);
    memset(s, 0, sizeof(*s));
}

int64_t hpo__sampler_trial_limit(hpo_sampler *s)
{
    return s->ops->trial_limit != NULL ? s->ops->trial_limit(s) : -1;
}
