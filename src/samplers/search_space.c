/*
 * search_space.c - the search spaces TPE's relative step samples from
 * (reference/optuna.md §3.2, §3.7), kept incrementally. Finished trials are
 * immutable, so each trial number is folded in exactly once and an ask costs a
 * bitmap probe per old trial instead of a distribution comparison per param.
 */
#include <string.h>

#include "core/alloc.h"
#include "core/distribution.h"
#include "core/error.h"
#include "samplers/tpe_internal.h"

void hpo__space_cache_init(hpo__space_cache *c)
{
    memset(c, 0, sizeof(*c));
    c->study_id = -1;
}

void hpo__space_cache_free(hpo__space_cache *c)
{
    hpo__free(c->seen);
    hpo__space_clear(&c->isect);
    for (size_t g = 0; g < c->n_groups; g++)
        hpo__space_clear(&c->groups[g]);
    hpo__free(c->groups);
    hpo__space_cache_init(c);
}

/* Drop entry i of s, keeping the order of the rest. */
static void space_remove(hpo__space *s, size_t i)
{
    hpo__free(s->names[i]);
    hpo_distribution_free(s->dists[i]);
    memmove(s->names + i, s->names + i + 1, (s->n - i - 1) * sizeof(*s->names));
    memmove(s->dists + i, s->dists + i + 1, (s->n - i - 1) * sizeof(*s->dists));
    s->n--;
}

static int isect_add(hpo__space_cache *c, const hpo__record *r)
{
    if (!c->any) {
        c->any = true;
        for (size_t j = 0; j < r->n_params; j++)
            HPO_TRY(hpo__space_add(&c->isect, r->params[j].name, r->params[j].dist));
        return HPO_OK;
    }
    for (size_t i = c->isect.n; i-- > 0;) {
        long j = hpo__record_find_param(r, c->isect.names[i]);
        if (j < 0 || !hpo__dist_equal(r->params[j].dist, c->isect.dists[i]))
            space_remove(&c->isect, i);
    }
    return HPO_OK;
}

/*
 * _GroupDecomposedSearchSpace.add_distributions: every group splits into the
 * part this trial has and the part it lacks; the trial's remaining names form a
 * new group. Groups keep the distribution first seen for a name.
 */
static int groups_add(hpo__space_cache *c, const hpo__record *r)
{
    size_t cap = 2 * c->n_groups + 1, n_next = 0;
    hpo__space *next = hpo__calloc(cap, sizeof(*next));
    unsigned char *taken = hpo__calloc(r->n_params + 1, 1);
    int rc = HPO_OK;
    if (next == NULL || taken == NULL) {
        rc = hpo__error_set(HPO_ENOMEM, "TPE: out of memory decomposing the search space");
        goto done;
    }
    for (size_t g = 0; g < c->n_groups; g++) {
        hpo__space *in = &next[n_next], *out = &next[n_next + 1];
        const hpo__space *grp = &c->groups[g];
        n_next += 2;
        for (size_t i = 0; i < grp->n && rc == HPO_OK; i++) {
            long j = hpo__record_find_param(r, grp->names[i]);
            if (j >= 0)
                taken[j] = 1;
            rc = hpo__space_add(j >= 0 ? in : out, grp->names[i], grp->dists[i]);
        }
    }
    for (size_t j = 0; j < r->n_params && rc == HPO_OK; j++)
        if (!taken[j])
            rc = hpo__space_add(&next[n_next], r->params[j].name, r->params[j].dist);
    n_next++;
    if (rc != HPO_OK)
        goto done;
    for (size_t g = 0; g < c->n_groups; g++)
        hpo__space_clear(&c->groups[g]);
    c->n_groups = 0;
    for (size_t g = 0; g < n_next; g++) {
        if (next[g].n > 0)
            c->groups[c->n_groups++] = next[g]; /* fits: see the realloc below */
        else
            hpo__space_clear(&next[g]);
    }
    n_next = 0;
done:
    for (size_t g = 0; g < n_next && next != NULL; g++)
        hpo__space_clear(&next[g]);
    hpo__free(next);
    hpo__free(taken);
    return rc;
}

static int mark_seen(hpo__space_cache *c, size_t num)
{
    if (num >= c->cap_seen) {
        size_t cap = c->cap_seen ? c->cap_seen : 256;
        unsigned char *p;
        while (cap <= num)
            cap *= 2;
        p = hpo__realloc(c->seen, cap);
        if (p == NULL)
            return hpo__error_set(HPO_ENOMEM, "TPE: out of memory tracking trials");
        memset(p + c->cap_seen, 0, cap - c->cap_seen);
        c->seen = p;
        c->cap_seen = cap;
    }
    c->seen[num] = 1;
    return HPO_OK;
}

/* Make room for the worst-case group count of the next fold (2 per group + 1). */
static int reserve_groups(hpo__space_cache *c)
{
    hpo__space *p = hpo__reallocarray(c->groups, 2 * c->n_groups + 1, sizeof(*p));
    if (p == NULL)
        return hpo__error_set(HPO_ENOMEM, "TPE: out of memory decomposing the search space");
    c->groups = p;
    return HPO_OK;
}

int hpo__space_cache_update(hpo__space_cache *c, int64_t study_id, hpo__record *const *trials,
        size_t n, bool with_groups)
{
    int rc = HPO_OK;
    if (c->study_id != study_id) {
        hpo__space_cache_free(c);
        c->study_id = study_id;
    }
    for (size_t i = 0; i < n && rc == HPO_OK; i++) {
        const hpo__record *r = trials[i];
        if (r->state != HPO_TRIAL_COMPLETE && r->state != HPO_TRIAL_PRUNED)
            continue;
        if (r->number < 0 || ((size_t)r->number < c->cap_seen && c->seen[r->number]))
            continue;
        rc = isect_add(c, r);
        if (rc == HPO_OK && with_groups)
            rc = reserve_groups(c);
        if (rc == HPO_OK && with_groups)
            rc = groups_add(c, r);
        if (rc == HPO_OK)
            rc = mark_seen(c, (size_t)r->number);
    }
    if (rc != HPO_OK) {
        hpo__space_cache_free(c); /* half-folded state is worse than none */
        c->study_id = -1;
    }
    return rc;
}

int hpo__space_cache_intersection(const hpo__space_cache *c, hpo__space *out)
{
    size_t first = out->n;
    for (size_t i = 0; i < c->isect.n; i++) {
        if (hpo__dist_single(c->isect.dists[i]))
            continue;
        HPO_TRY(hpo__space_add(out, c->isect.names[i], c->isect.dists[i]));
    }
    /* Sort only what we appended. */
    hpo__space tail = {out->names + first, out->dists + first, out->n - first};
    hpo__space_sort(&tail);
    return HPO_OK;
}
