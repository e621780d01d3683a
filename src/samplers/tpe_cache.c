/*
 * tpe_cache.c - what TPE keeps between trials about the finished ones.
 *
 * COMPLETE and PRUNED trials never change, yet every ask used to look up each
 * of their parameters by name and sort every dimension again, the bulk of an
 * ask at a thousand trials. The cache holds a slot per finished trial (with a
 * reference to its record, so a slot is recognised by pointer) and, per
 * (parameter name, distribution), the trial's internal value in each slot and
 * the slots sorted by (transformed value, trial number). A new finished trial
 * is inserted into each order in O(n); an estimator over a subset of the
 * trials then gets its order by filtering, which is exactly the stable sort
 * it would have done (observations are listed by trial number).
 */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/distribution.h"
#include "core/error.h"
#include "samplers/tpe_internal.h"

#define MAX_COLUMNS 32 /* least recently used columns beyond this are dropped */

void hpo__tpe_hist_init(hpo__tpe_hist *h)
{
    memset(h, 0, sizeof(*h));
    h->study_id = -1;
}

static void col_free(hpo__tpe_col *c)
{
    if (c == NULL)
        return;
    hpo__free(c->name);
    if (c->dist != NULL)
        hpo_distribution_free(c->dist);
    hpo__free(c->val);
    hpo__free(c->mu);
    hpo__free(c->order);
    hpo__free(c);
}

static void hist_reset(hpo__tpe_hist *h)
{
    for (size_t i = 0; i < h->n_cols; i++)
        col_free(h->cols[i]);
    for (size_t i = 0; i < h->n_slots; i++)
        hpo__record_unref(h->rec[i]);
    h->n_cols = 0;
    h->n_slots = 0;
    for (size_t i = 0; i < h->cap_num; i++)
        h->slot_of_number[i] = -1;
}

void hpo__tpe_hist_free(hpo__tpe_hist *h)
{
    hist_reset(h);
    hpo__free(h->cols);
    hpo__free(h->rec);
    hpo__free(h->viol);
    hpo__free(h->slot_of_number);
    hpo__tpe_hist_init(h);
}

/* The column's internal value for a record: NaN when it lacks the parameter. */
static double col_value(const hpo__tpe_col *c, const hpo__record *r)
{
    long j = hpo__record_find_param(r, c->name);
    double v;
    if (j < 0)
        return (double)NAN;
    const hpo__param *p = &r->params[j];
    v = p->internal;
    if (c->dist->kind == HPO_DIST_CATEGORICAL && !hpo__dist_equal(p->dist, c->dist)) {
        hpo_value ext;
        if (hpo__dist_to_external(p->dist, p->internal, &ext) != HPO_OK ||
                hpo__dist_to_internal(c->dist, &ext, &v) != HPO_OK) {
            hpo_clear_error(); /* the trial just does not count, as before */
            return (double)NAN;
        }
    }
    return v;
}

/* The value the estimator sorts by: ln for log distributions. */
static double col_mu(const hpo__tpe_col *c, double v)
{
    return c->log ? log(v) : v;
}

/* Whether slot a sorts before slot b: (mu, trial number). */
static bool slot_before(const hpo__tpe_hist *h, const hpo__tpe_col *c, uint32_t a, uint32_t b)
{
    if (c->mu[a] != c->mu[b])
        return c->mu[a] < c->mu[b];
    return h->rec[a]->number < h->rec[b]->number;
}

/* Put slot s into the column (value, and into the order when numerical). */
static void col_insert(const hpo__tpe_hist *h, hpo__tpe_col *c, uint32_t s)
{
    double v = col_value(c, h->rec[s]);
    c->val[s] = v;
    c->mu[s] = isnan(v) ? (double)NAN : col_mu(c, v);
    if (!c->numeric || !isfinite(c->mu[s]))
        return;
    size_t lo = 0, hi = c->n_order;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (slot_before(h, c, c->order[mid], s))
            lo = mid + 1;
        else
            hi = mid;
    }
    memmove(c->order + lo + 1, c->order + lo, (c->n_order - lo) * sizeof(uint32_t));
    c->order[lo] = s;
    c->n_order++;
}

static int grow_slots(hpo__tpe_hist *h, size_t need)
{
    size_t cap = h->cap_slots;
    if (need <= cap)
        return HPO_OK;
    while (cap < need)
        cap = cap < 64 ? 64 : cap * 2;
    const hpo__record **rec = hpo__reallocarray(h->rec, cap, sizeof(*rec));
    if (rec == NULL)
        return HPO_ENOMEM;
    h->rec = rec;
    double *viol = hpo__reallocarray(h->viol, cap, sizeof(double));
    if (viol == NULL)
        return HPO_ENOMEM;
    h->viol = viol;
    for (size_t i = 0; i < h->n_cols; i++) {
        hpo__tpe_col *c = h->cols[i];
        double *val = hpo__reallocarray(c->val, cap, sizeof(double));
        if (val == NULL)
            return HPO_ENOMEM;
        c->val = val;
        double *mu = hpo__reallocarray(c->mu, cap, sizeof(double));
        if (mu == NULL)
            return HPO_ENOMEM;
        c->mu = mu;
        uint32_t *order = hpo__reallocarray(c->order, cap, sizeof(uint32_t));
        if (order == NULL)
            return HPO_ENOMEM;
        c->order = order;
    }
    h->cap_slots = cap;
    return HPO_OK;
}

static int map_number(hpo__tpe_hist *h, int64_t number, long slot)
{
    if (number < 0)
        return HPO_OK; /* never looked up */
    if ((uint64_t)number >= h->cap_num) {
        size_t cap = h->cap_num < 64 ? 64 : h->cap_num;
        while (cap <= (uint64_t)number)
            cap *= 2;
        long *m = hpo__reallocarray(h->slot_of_number, cap, sizeof(long));
        if (m == NULL)
            return HPO_ENOMEM;
        for (size_t i = h->cap_num; i < cap; i++)
            m[i] = -1;
        h->slot_of_number = m;
        h->cap_num = cap;
    }
    h->slot_of_number[number] = slot;
    return HPO_OK;
}

static long lookup(const hpo__tpe_hist *h, int64_t number)
{
    if (number < 0 || (uint64_t)number >= h->cap_num)
        return -1;
    return h->slot_of_number[number];
}

static int sync_once(hpo__tpe_hist *h, hpo__record *const *trials, size_t n, long *slot_of,
        bool *stale)
{
    *stale = false;
    for (size_t i = 0; i < n; i++) {
        const hpo__record *r = trials[i];
        slot_of[i] = -1;
        if (r->state != HPO_TRIAL_COMPLETE && r->state != HPO_TRIAL_PRUNED)
            continue;
        long s = lookup(h, r->number);
        if (s >= 0) {
            if (h->rec[s] != r) {
                *stale = true; /* the storage handed out another record: start over */
                return HPO_OK;
            }
            slot_of[i] = s;
            continue;
        }
        if (h->n_slots >= UINT32_MAX || grow_slots(h, h->n_slots + 1) != HPO_OK ||
                map_number(h, r->number, (long)h->n_slots) != HPO_OK)
            return hpo__error_set(HPO_ENOMEM, "TPE: out of memory caching %zu trials", n);
        s = (long)h->n_slots++;
        h->rec[s] = hpo__record_ref(r);
        double v;
        h->viol[s] = hpo__trial_violation(r, &v) ? v : (double)NAN;
        for (size_t c = 0; c < h->n_cols; c++)
            col_insert(h, h->cols[c], (uint32_t)s);
        slot_of[i] = s;
    }
    return HPO_OK;
}

int hpo__tpe_hist_sync(hpo__tpe_hist *h, int64_t study_id, hpo__record *const *trials, size_t n,
        long *slot_of)
{
    bool stale;
    int rc;
    if (study_id != h->study_id) {
        hist_reset(h);
        h->study_id = study_id;
    }
    h->pin = ++h->clock; /* columns handed out from now on stay until the next sync */
    rc = sync_once(h, trials, n, slot_of, &stale);
    if (rc == HPO_OK && stale) {
        hist_reset(h);
        rc = sync_once(h, trials, n, slot_of, &stale);
    }
    if (rc != HPO_OK) {
        hist_reset(h); /* a half-inserted slot must not survive */
        for (size_t i = 0; i < n; i++)
            slot_of[i] = -1;
    }
    return rc;
}

/* Stable merge sort of slots by (mu, number); tmp holds n entries. */
static void sort_slots(const hpo__tpe_hist *h, const hpo__tpe_col *c, uint32_t *a, uint32_t *tmp,
        size_t n)
{
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = slot_before(h, c, a[j], a[i]) ? a[j++] : a[i++];
            while (i < mid)
                tmp[k++] = a[i++];
            while (j < hi)
                tmp[k++] = a[j++];
        }
        memcpy(a, tmp, n * sizeof(*a));
    }
}

static int col_fill(hpo__tpe_hist *h, hpo__tpe_col *c)
{
    size_t cap = h->cap_slots > 0 ? h->cap_slots : 1;
    uint32_t *tmp;
    c->val = hpo__reallocarray(NULL, cap, sizeof(double));
    c->mu = hpo__reallocarray(NULL, cap, sizeof(double));
    c->order = hpo__reallocarray(NULL, cap, sizeof(uint32_t));
    tmp = hpo__reallocarray(NULL, cap, sizeof(uint32_t));
    if (c->val == NULL || c->mu == NULL || c->order == NULL || tmp == NULL) {
        hpo__free(tmp);
        return HPO_ENOMEM;
    }
    c->n_order = 0;
    for (size_t s = 0; s < h->n_slots; s++) {
        double v = col_value(c, h->rec[s]);
        c->val[s] = v;
        c->mu[s] = isnan(v) ? (double)NAN : col_mu(c, v);
        if (c->numeric && isfinite(c->mu[s]))
            c->order[c->n_order++] = (uint32_t)s;
    }
    sort_slots(h, c, c->order, tmp, c->n_order);
    hpo__free(tmp);
    return HPO_OK;
}

int hpo__tpe_hist_column(hpo__tpe_hist *h, const char *name, const hpo_distribution *dist,
        const hpo__tpe_col **out)
{
    hpo__tpe_col *c;
    h->clock++;
    for (size_t i = 0; i < h->n_cols; i++) {
        c = h->cols[i];
        if (strcmp(c->name, name) == 0 && hpo__dist_equal(c->dist, dist)) {
            c->used = h->clock;
            *out = c;
            return HPO_OK;
        }
    }
    if (h->n_cols >= MAX_COLUMNS) {
        /* drop the least recently used column not handed out since the last sync */
        size_t lru = h->n_cols;
        for (size_t i = 0; i < h->n_cols; i++)
            if (h->cols[i]->used < h->pin &&
                    (lru == h->n_cols || h->cols[i]->used < h->cols[lru]->used))
                lru = i;
        if (lru < h->n_cols) {
            col_free(h->cols[lru]);
            h->cols[lru] = h->cols[--h->n_cols];
        }
    }
    if (h->n_cols == h->cap_cols) {
        size_t cap = h->cap_cols < 4 ? 4 : 2 * h->cap_cols;
        hpo__tpe_col **cols = hpo__reallocarray(h->cols, cap, sizeof(*cols));
        if (cols == NULL)
            return hpo__error_set(HPO_ENOMEM, "TPE: out of memory caching '%s'", name);
        h->cols = cols;
        h->cap_cols = cap;
    }
    c = hpo__calloc(1, sizeof(*c));
    if (c == NULL)
        return hpo__error_set(HPO_ENOMEM, "TPE: out of memory caching '%s'", name);
    c->name = hpo__strdup(name);
    if (c->name == NULL || hpo__dist_copy(dist, &c->dist) != HPO_OK) {
        col_free(c);
        return hpo__error_set(HPO_ENOMEM, "TPE: out of memory caching '%s'", name);
    }
    c->numeric = dist->kind != HPO_DIST_CATEGORICAL;
    c->log = c->numeric && dist->log;
    if (col_fill(h, c) != HPO_OK) {
        col_free(c);
        return hpo__error_set(HPO_ENOMEM, "TPE: out of memory caching '%s'", name);
    }
    c->used = h->clock;
    h->cols[h->n_cols++] = c;
    *out = c;
    return HPO_OK;
}
