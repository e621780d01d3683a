/*
 * gp_cons.c - constraint models of the gp sampler (see gp_cons.h).
 */
#include "samplers/gp_cons.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/json.h"

#define MAX_CONSTRAINTS 64
#define NAMED_PREFIX "constraints:"

static size_t list_constraints(const char *text, double *out, size_t max)
{
    json_t *j = NULL;
    size_t n = 0;
    if (hpo__json_parse(text, &j) == HPO_OK && json_is_array(j) && json_array_size(j) <= max)
        for (size_t i = 0; i < json_array_size(j); i++) {
            double v;
            if (!hpo__json_number(json_array_get(j, i), &v)) {
                n = 0;
                break;
            }
            out[n++] = isnan(v) ? HUGE_VAL : v; /* NaN: not known feasible */
        }
    json_decref(j);
    return n;
}

static int key_cmp(const void *a, const void *b)
{
    const hpo__attr *x = *(const hpo__attr *const *)a, *y = *(const hpo__attr *const *)b;
    return strcmp(x->key, y->key);
}

size_t hpo__gp_trial_constraints(const hpo__record *r, double *out, size_t max)
{
    const char *list = hpo__attrs_get(&r->system_attrs, "constraints");
    const hpo__attr *named[MAX_CONSTRAINTS];
    size_t n = 0;
    if (list != NULL)
        return list_constraints(list, out, max);
    for (size_t i = 0; i < r->system_attrs.n && n < MAX_CONSTRAINTS && n < max; i++)
        if (strncmp(r->system_attrs.items[i].key, NAMED_PREFIX, strlen(NAMED_PREFIX)) == 0)
            named[n++] = &r->system_attrs.items[i];
    qsort(named, n, sizeof(named[0]), key_cmp); /* a fixed order across trials */
    for (size_t i = 0; i < n; i++) {
        json_t *j = NULL;
        double v = HUGE_VAL;
        if (hpo__json_parse(named[i]->json, &j) == HPO_OK && hpo__json_number(j, &v) && isnan(v))
            v = HUGE_VAL;
        json_decref(j);
        out[i] = v;
    }
    return n;
}

void hpo__gp_cons_free(hpo__gp_cons *c)
{
    for (size_t k = 0; c->models != NULL && k < c->n; k++)
        hpo__gp_free(&c->models[k]);
    hpo__free(c->models);
    hpo__free(c->threshold);
    hpo__free(c->feasible);
    memset(c, 0, sizeof(*c));
}

/* Targets -c of constraint k over the rows that have it; returns their count. */
static size_t targets(const double *C, size_t n, size_t m, size_t k, const double *X, size_t d,
        double *Xk, double *y)
{
    double lo = HUGE_VAL, hi = -HUGE_VAL;
    size_t r = 0;
    for (size_t i = 0; i < n; i++) {
        double v = C[i * m + k];
        if (isnan(v))
            continue; /* this trial lacks the constraint */
        memcpy(Xk + r * d, X + i * d, d * sizeof(double));
        y[r] = -v;
        if (isfinite(y[r])) {
            lo = fmin(lo, y[r]);
            hi = fmax(hi, y[r]);
        }
        r++;
    }
    if (!(lo <= hi))
        lo = hi = 0.0;
    for (size_t i = 0; i < r; i++)
        y[i] = fmin(fmax(y[i], lo), hi); /* +-inf to the finite extremes */
    return r;
}

/* Standardise y in place; the standardised value of 0 (c = 0, the boundary). */
static double standardize_zero(double *y, size_t n)
{
    double mean = 0.0, var = 0.0;
    for (size_t i = 0; i < n; i++)
        mean += y[i];
    mean /= (double)n;
    for (size_t i = 0; i < n; i++)
        var += (y[i] - mean) * (y[i] - mean);
    double sd = fmax(sqrt(var / (double)n), 1e-10);
    for (size_t i = 0; i < n; i++)
        y[i] = (y[i] - mean) / sd;
    return -mean / sd;
}

static int fit_one(hpo__gp_cons *c, const double *C, size_t n, size_t m, size_t k,
        const double *X, size_t d, const bool *is_cat, double *Xk, double *y)
{
    size_t r = targets(C, n, m, k, X, d, Xk, y);
    int rc;
    if (r == 0)
        return HPO_OK;
    double t = standardize_zero(y, r);
    if ((rc = hpo__gp_init(&c->models[c->n], r, d, Xk, is_cat, y)) != HPO_OK)
        return rc;
    if ((rc = hpo__gp_fit(&c->models[c->n], false)) != HPO_OK) {
        hpo__gp_free(&c->models[c->n]);
        return rc;
    }
    c->threshold[c->n++] = t;
    return HPO_OK;
}

/* Per row, the constraint values (NaN where a trial lacks them); the count m. */
static size_t gather(hpo__record *const *done, size_t n, double *C, bool *feasible)
{
    double v[MAX_CONSTRAINTS];
    size_t m = 0;
    for (size_t i = 0; i < n && m == 0; i++)
        m = hpo__gp_trial_constraints(done[i], v, MAX_CONSTRAINTS);
    for (size_t i = 0; i < n; i++) {
        size_t ni = hpo__gp_trial_constraints(done[i], v, MAX_CONSTRAINTS);
        /* Optuna 5.0: a trial without constraints is feasible */
        feasible[i] = ni == 0 || ni == m;
        for (size_t k = 0; k < m; k++) {
            C[i * m + k] = ni == m ? v[k] : (double)NAN;
            if (ni == m && !(v[k] <= 0.0))
                feasible[i] = false;
        }
    }
    return m;
}

int hpo__gp_cons_fit(hpo__gp_cons *c, hpo__record *const *done, size_t n, const double *X,
        size_t d, const bool *is_cat)
{
    double *C = NULL, *Xk = NULL, *y = NULL;
    size_t m;
    int rc = HPO_OK;
    memset(c, 0, sizeof(*c));
    c->feasible = hpo__calloc(n + 1, sizeof(bool));
    C = hpo__malloc((n * MAX_CONSTRAINTS + 1) * sizeof(double));
    if (c->feasible == NULL || C == NULL) {
        rc = hpo__error_set(HPO_ENOMEM, "gp: out of memory for constraints");
        goto out;
    }
    m = gather(done, n, C, c->feasible);
    for (size_t i = 0; i < n; i++)
        c->any_feasible = c->any_feasible || c->feasible[i];
    if (m == 0)
        goto out;
    c->models = hpo__calloc(m, sizeof(hpo__gp));
    c->threshold = hpo__calloc(m, sizeof(double));
    Xk = hpo__malloc((n * d + 1) * sizeof(double));
    y = hpo__malloc((n + 1) * sizeof(double));
    if (c->models == NULL || c->threshold == NULL || Xk == NULL || y == NULL) {
        rc = hpo__error_set(HPO_ENOMEM, "gp: out of memory for constraints");
        goto out;
    }
    for (size_t k = 0; k < m && rc == HPO_OK; k++)
        rc = fit_one(c, C, n, m, k, X, d, is_cat, Xk, y);
out:
    hpo__free(C);
    hpo__free(Xk);
    hpo__free(y);
    if (rc != HPO_OK)
        hpo__gp_cons_free(c);
    return rc;
}
