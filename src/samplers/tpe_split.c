/*
 * tpe_split.c - TPE's split of the observed trials into "below" (good) and
 * "above" (the rest), exactly as Optuna's _split_trials does it
 * (reference/optuna.md §3.3): best complete trials first, then the pruned ones
 * that got furthest and best, then the least infeasible. Multi-objective studies
 * rank complete trials by non-domination and cut the last rank by greedy
 * hypervolume subset selection.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/json.h"
#include "samplers/tpe_internal.h"

typedef struct sort_key {
    double k1, k2;
    size_t i; /* position in the trial list; ties keep trial-number order */
} sort_key;

static int cmp_key(const void *pa, const void *pb)
{
    const sort_key *a = pa, *b = pb;
    if (a->k1 != b->k1)
        return a->k1 < b->k1 ? -1 : 1;
    if (a->k2 != b->k2)
        return a->k2 < b->k2 ? -1 : 1;
    return (a->i > b->i) - (a->i < b->i);
}

/*
 * Move the k smallest keys (by cmp_key, so ties by position) to keys[0..k),
 * in order. Only a few of the complete trials are "below" (at most 25 by
 * default), so keeping a sorted prefix beats sorting all of them.
 */
static void select_smallest(sort_key *keys, size_t n, size_t k)
{
    if (k == 0)
        return;
    if (k > 64 || k * 8 > n) {
        qsort(keys, n, sizeof(*keys), cmp_key);
        return;
    }
    size_t filled = 0;
    for (size_t i = 0; i < n; i++) {
        sort_key v = keys[i];
        if (filled == k && cmp_key(&v, &keys[k - 1]) >= 0)
            continue;
        size_t j = filled < k ? filled++ : k - 1;
        /* keys[i] is not needed again once read: the prefix may overwrite it */
        while (j > 0 && cmp_key(&v, &keys[j - 1]) < 0) {
            keys[j] = keys[j - 1];
            j--;
        }
        keys[j] = v;
    }
}

static double positive_part(double v)
{
    return v > 0.0 ? v : 0.0;
}

bool hpo__trial_violation(const hpo__record *r, double *violation)
{
    bool has = false;
    double total = 0.0, v;
    for (size_t a = 0; a < r->system_attrs.n; a++) {
        const hpo__attr *at = &r->system_attrs.items[a];
        json_t *j = NULL;
        if (strncmp(at->key, "constraints", 11) != 0)
            continue;
        if (at->key[11] != '\0' && at->key[11] != ':')
            continue;
        if (hpo__json_parse(at->json, &j) != HPO_OK)
            continue; /* a foreign, unreadable attr: ignore it as Optuna would fail to */
        if (json_is_array(j)) {
            size_t k;
            json_t *e;
            json_array_foreach(j, k, e) {
                if (hpo__json_number(e, &v)) {
                    total += positive_part(v);
                    has = true;
                }
            }
        } else if (hpo__json_number(j, &v)) {
            total += positive_part(v);
            has = true;
        }
        json_decref(j);
    }
    *violation = total;
    return has;
}

/* Hypervolume of 2-D minimisation points (row-major n x 2) up to ref. */
static double hv2d(const double *pts, const size_t *idx, size_t n, const double *ref,
        sort_key *scratch)
{
    double hv = 0.0, best_y = ref[1];
    for (size_t i = 0; i < n; i++) {
        scratch[i].k1 = pts[2 * idx[i]];
        scratch[i].k2 = pts[2 * idx[i] + 1];
        scratch[i].i = i;
    }
    qsort(scratch, n, sizeof(*scratch), cmp_key);
    for (size_t i = 0; i < n; i++) {
        if (scratch[i].k2 < best_y) {
            hv += (ref[0] - scratch[i].k1) * (best_y - scratch[i].k2);
            best_y = scratch[i].k2;
        }
    }
    return hv;
}

int hpo__tpe_hssp(const double *losses, size_t n, size_t m, size_t k, size_t *chosen)
{
    double *ref = hpo__malloc(m * sizeof(double));
    unsigned char *used = hpo__calloc(n + 1, 1);
    sort_key *scratch = hpo__malloc((k + 1) * sizeof(*scratch));
    size_t *sel = hpo__malloc((k + 1) * sizeof(size_t));
    bool finite = true;
    int rc = HPO_OK;
    if (ref == NULL || used == NULL || scratch == NULL || sel == NULL) {
        rc = hpo__error_set(HPO_ENOMEM, "TPE: out of memory selecting by hypervolume");
        goto done;
    }
    for (size_t j = 0; j < m; j++) {
        double w = -HUGE_VAL;
        for (size_t i = 0; i < n; i++)
            if (losses[i * m + j] > w)
                w = losses[i * m + j];
        ref[j] = 1.1 * w > 0.9 * w ? 1.1 * w : 0.9 * w;
        if (ref[j] == 0.0)
            ref[j] = 1e-12;
        finite = finite && isfinite(ref[j]);
    }
    for (size_t s = 0; s < k; s++) {
        size_t best = n;
        double best_gain = -HUGE_VAL, base = 0.0;
        if (!finite) {
            chosen[s] = s; /* no usable reference point: the first points */
            continue;
        }
        if (m == 2)
            base = hv2d(losses, sel, s, ref, scratch);
        for (size_t i = 0; i < n; i++) {
            double gain;
            if (used[i])
                continue;
            if (m == 2) {
                sel[s] = i;
                gain = hv2d(losses, sel, s + 1, ref, scratch) - base;
            } else {
                /* Documented simplification for m > 2: the point's own box. */
                gain = 1.0;
                for (size_t j = 0; j < m; j++)
                    gain *= ref[j] - losses[i * m + j];
            }
            if (gain > best_gain || best == n) {
                best_gain = gain;
                best = i;
            }
        }
        used[best] = 1;
        sel[s] = best;
        chosen[s] = best;
    }
done:
    hpo__free(ref);
    hpo__free(used);
    hpo__free(scratch);
    hpo__free(sel);
    return rc;
}

static bool dominates(const double *a, const double *b, size_t m)
{
    bool strict = false;
    for (size_t j = 0; j < m; j++) {
        if (a[j] > b[j])
            return false;
        if (a[j] < b[j])
            strict = true;
    }
    return strict;
}

/* Multi-objective: mark the best n_below of the complete trials cidx[0..nc). */
static int split_multi(hpo__record *const *trials, const size_t *cidx, size_t nc,
        const hpo_direction *dirs, size_t m, size_t n_below, unsigned char *is_below)
{
    double *loss = hpo__malloc((nc * m + 1) * sizeof(double));
    size_t *count = hpo__calloc(nc + 1, sizeof(size_t));
    size_t *front = hpo__malloc((nc + 1) * sizeof(size_t));
    double *fl = hpo__malloc((nc * m + 1) * sizeof(double));
    size_t *pick = hpo__malloc((nc + 1) * sizeof(size_t));
    unsigned char *done = hpo__calloc(nc + 1, 1);
    size_t taken = 0;
    int rc = HPO_OK;
    if (!loss || !count || !front || !fl || !pick || !done) {
        rc = hpo__error_set(HPO_ENOMEM, "TPE: out of memory ranking %zu trials", nc);
        goto out;
    }
    for (size_t i = 0; i < nc; i++) {
        const hpo__record *r = trials[cidx[i]];
        for (size_t j = 0; j < m; j++) {
            double v = j < r->n_values ? r->values[j] : HUGE_VAL;
            loss[i * m + j] = dirs[j] == HPO_MAXIMIZE ? -v : v;
        }
    }
    /* count[i] = how many trials dominate i; peel fronts by decrementing. */
    for (size_t i = 0; i < nc; i++)
        for (size_t p = 0; p < nc; p++)
            if (p != i && dominates(loss + p * m, loss + i * m, m))
                count[i]++;
    while (taken < n_below && taken < nc) {
        size_t nf = 0;
        for (size_t i = 0; i < nc; i++)
            if (!done[i] && count[i] == 0)
                front[nf++] = i;
        if (taken + nf <= n_below) {
            for (size_t f = 0; f < nf; f++)
                is_below[cidx[front[f]]] = 1;
        } else {
            size_t k = n_below - taken;
            for (size_t f = 0; f < nf; f++)
                memcpy(fl + f * m, loss + front[f] * m, m * sizeof(double));
            rc = hpo__tpe_hssp(fl, nf, m, k, pick);
            if (rc != HPO_OK)
                goto out;
            for (size_t s = 0; s < k; s++)
                is_below[cidx[front[pick[s]]]] = 1;
            break;
        }
        taken += nf;
        for (size_t f = 0; f < nf; f++)
            done[front[f]] = 1;
        for (size_t f = 0; f < nf; f++)
            for (size_t i = 0; i < nc; i++)
                if (!done[i] && dominates(loss + front[f] * m, loss + i * m, m))
                    count[i]--;
    }
out:
    hpo__free(loss);
    hpo__free(count);
    hpo__free(front);
    hpo__free(fl);
    hpo__free(pick);
    hpo__free(done);
    return rc;
}

/* Score of a pruned trial: (-last_step, value at it), (1, 0) without any. */
static void pruned_key(const hpo__record *r, hpo_direction dir, sort_key *k)
{
    if (r->n_ivalues == 0) {
        k->k1 = 1.0;
        k->k2 = 0.0;
        return;
    }
    const hpo__ivalue *last = &r->ivalues[r->n_ivalues - 1];
    double v = last->value;
    k->k1 = -(double)last->step;
    k->k2 = isnan(v) ? HUGE_VAL : (dir == HPO_MAXIMIZE ? -v : v);
}

int hpo__tpe_split(hpo__record *const *trials, size_t n, const hpo_direction *dirs,
        size_t n_obj, size_t n_below, unsigned char *is_below)
{
    return hpo__tpe_split_v(trials, n, dirs, n_obj, n_below, NULL, is_below);
}

int hpo__tpe_split_v(hpo__record *const *trials, size_t n, const hpo_direction *dirs,
        size_t n_obj, size_t n_below, const double *viol_in, unsigned char *is_below)
{
    sort_key *keys = hpo__malloc((n + 1) * sizeof(*keys));
    size_t *cidx = hpo__malloc((n + 1) * sizeof(size_t));
    double *viol = hpo__malloc((n + 1) * sizeof(double)); /* > 0: infeasible */
    size_t nk, nc = 0, take;
    int rc = HPO_OK;
    if (keys == NULL || cidx == NULL || viol == NULL) {
        rc = hpo__error_set(HPO_ENOMEM, "TPE: out of memory splitting %zu trials", n);
        goto out;
    }
    memset(is_below, 0, n);
    /* each trial's violation once (NaN: no constraint attr); RUNNING ones are never infeasible */
    for (size_t i = 0; i < n; i++) {
        double v;
        if (trials[i]->state == HPO_TRIAL_RUNNING) {
            viol[i] = (double)NAN;
        } else if (viol_in != NULL) {
            viol[i] = viol_in[i];
        } else {
            bool has = hpo__trial_violation(trials[i], &v);
            viol[i] = has ? v : (double)NAN;
        }
    }
    /* complete (feasible) trials */
    for (size_t i = 0; i < n; i++) {
        const hpo__record *r = trials[i];
        if (r->state != HPO_TRIAL_COMPLETE || viol[i] > 0.0)
            continue;
        cidx[nc] = i;
        keys[nc].k1 = r->n_values > 0 ? r->values[0] : HUGE_VAL;
        if (dirs[0] == HPO_MAXIMIZE)
            keys[nc].k1 = -keys[nc].k1;
        keys[nc].k2 = 0.0;
        keys[nc].i = i;
        nc++;
    }
    if (n_obj > 1) {
        rc = split_multi(trials, cidx, nc, dirs, n_obj, n_below, is_below);
        if (rc != HPO_OK)
            goto out;
        take = n_below < nc ? n_below : nc;
    } else {
        take = n_below < nc ? n_below : nc;
        select_smallest(keys, nc, take);
        for (size_t s = 0; s < take; s++)
            is_below[keys[s].i] = 1;
    }
    n_below -= take;
    /* pruned (feasible) trials */
    nk = 0;
    for (size_t i = 0; i < n; i++) {
        const hpo__record *r = trials[i];
        if (r->state != HPO_TRIAL_PRUNED || viol[i] > 0.0)
            continue;
        pruned_key(r, dirs[0], &keys[nk]);
        keys[nk++].i = i;
    }
    qsort(keys, nk, sizeof(*keys), cmp_key);
    take = n_below < nk ? n_below : nk;
    for (size_t s = 0; s < take; s++)
        is_below[keys[s].i] = 1;
    n_below -= take;
    /* infeasible finished trials, least violation first */
    nk = 0;
    for (size_t i = 0; i < n; i++) {
        if (trials[i]->state == HPO_TRIAL_RUNNING || !(viol[i] > 0.0))
            continue;
        keys[nk].k1 = viol[i];
        keys[nk].k2 = 0.0;
        keys[nk++].i = i;
    }
    qsort(keys, nk, sizeof(*keys), cmp_key);
    take = n_below < nk ? n_below : nk;
    for (size_t s = 0; s < take; s++)
        is_below[keys[s].i] = 1;
out:
    hpo__free(keys);
    hpo__free(cidx);
    hpo__free(viol);
    return rc;
}
