/*
 * importance.c - hpo_importance(): choose trials and parameters as Optuna's
 * get_param_importances does, encode them for the evaluator (fanova.c,
 * pedanova.c), normalise to sum 1 and order by importance.
 *
 * fANOVA sees numbers: float and int parameters as their raw values within
 * [low, high] (no log transform, as Optuna's transform_log=False), a
 * categorical as one 0/1 column per choice, scored jointly.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/distribution.h"
#include "core/error.h"
#include "importance/importance.h"
#include "study.h"

int hpo_importance_options_init(hpo_importance_options *opts, unsigned int version)
{
    hpo_importance_options def = HPO_IMPORTANCE_OPTIONS_INIT;
    if (opts == NULL)
        return hpo__error_set(HPO_EINVAL, "hpo_importance_options_init: opts is NULL");
    if (version != HPO_IMPORTANCE_OPTIONS_VERSION)
        return hpo__error_set(HPO_EVERSION, "importance options version %u (this library: %u)",
                              version, HPO_IMPORTANCE_OPTIONS_VERSION);
    *opts = def;
    return HPO_OK;
}

static int
check_options(const hpo_importance_options *o, hpo_importance_kind kind, size_t n_objectives)
{
    if (o->version != HPO_IMPORTANCE_OPTIONS_VERSION)
        return hpo__error_set(HPO_EVERSION, "importance options version %u (this library: %u)",
                              o->version, HPO_IMPORTANCE_OPTIONS_VERSION);
    if (kind != HPO_IMPORTANCE_PEDANOVA && kind != HPO_IMPORTANCE_FANOVA)
        return hpo__error_set(HPO_EINVAL, "unknown importance evaluator %d", (int)kind);
    if (o->n_trees < 1 || o->n_trees > 100000)
        return hpo__error_set(HPO_EINVAL, "n_trees %zu outside [1, 100000]", o->n_trees);
    if (o->max_depth < 1)
        return hpo__error_set(HPO_EINVAL, "max_depth must be >= 1");
    if (!(o->target_quantile > 0.0 && o->target_quantile < o->region_quantile &&
          o->region_quantile <= 1.0))
        return hpo__error_set(HPO_EINVAL,
                              "need 0 < target_quantile (%g) < region_quantile (%g) <= 1",
                              o->target_quantile, o->region_quantile);
    if (o->objective == HPO_IMPORTANCE_ALL_OBJECTIVES && kind == HPO_IMPORTANCE_FANOVA &&
        n_objectives > 1)
        return hpo__error_set(HPO_EINVAL, "fANOVA scores one objective of a study with %zu: "
                                          "choose it (all objectives at once is PED-ANOVA's)",
                              n_objectives);
    if (o->objective >= n_objectives && o->objective != HPO_IMPORTANCE_ALL_OBJECTIVES)
        return hpo__error_set(HPO_EINVAL, "objective %zu of a study with %zu objectives",
                              o->objective, n_objectives);
    if (o->n_params > 0 && o->params == NULL)
        return hpo__error_set(HPO_EINVAL, "params is NULL with n_params %zu", o->n_params);
    for (size_t i = 0; i < o->n_params; i++) {
        if (o->params[i] == NULL)
            return hpo__error_set(HPO_EINVAL, "params[%zu] is NULL", i);
        for (size_t j = 0; j < i; j++)
            if (strcmp(o->params[i], o->params[j]) == 0)
                return hpo__error_set(HPO_EINVAL, "parameter '%s' named twice", o->params[i]);
    }
    return HPO_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Parameter names to score (borrowed from the trials or the options), sorted by name. */
static int choose_params(hpo__record *const *t,
                         size_t n,
                         const hpo_importance_options *o,
                         bool intersection,
                         const char ***out,
                         size_t *n_out)
{
    const char **names = NULL;
    size_t k = 0, cap = 0;
    *out = NULL;
    *n_out = 0;
    if (o->params != NULL) {
        names = hpo__reallocarray(NULL, o->n_params + 1, sizeof(*names));
        if (names == NULL)
            return hpo__error_set(HPO_ENOMEM, "out of memory choosing parameters");
        for (size_t i = 0; i < o->n_params; i++) {
            bool seen = false;
            for (size_t j = 0; j < n && !seen; j++)
                seen = hpo__record_find_param(t[j], o->params[i]) >= 0;
            if (!seen && n > 0) {
                hpo__free(names);
                return hpo__error_set(HPO_EINVAL, "no completed trial has parameter '%s'",
                                      o->params[i]);
            }
            names[k++] = o->params[i];
        }
        *out = names;
        *n_out = k;
        return HPO_OK;
    }
    if (n == 0)
        return HPO_OK;
    for (size_t j = 0; j < (intersection ? 1 : n); j++) {
        for (size_t p = 0; p < t[j]->n_params; p++) {
            const char *nm = t[j]->params[p].name;
            bool dup = false;
            for (size_t q = 0; q < k && !dup; q++)
                dup = strcmp(names[q], nm) == 0;
            if (dup)
                continue;
            if (intersection) {
                bool everywhere = true;
                for (size_t i = 1; i < n && everywhere; i++) {
                    long ip = hpo__record_find_param(t[i], nm);
                    everywhere =
                            ip >= 0 && hpo__dist_equal(t[i]->params[ip].dist, t[0]->params[p].dist);
                }
                if (!everywhere)
                    continue;
            }
            if (k == cap) {
                const char **grown;
                cap = cap ? 2 * cap : 16;
                grown = hpo__reallocarray(names, cap, sizeof(*names));
                if (grown == NULL) {
                    hpo__free(names);
                    return hpo__error_set(HPO_ENOMEM, "out of memory choosing parameters");
                }
                names = grown;
            }
            names[k++] = nm;
        }
    }
    if (k > 1)
        qsort(names, k, sizeof(*names), cmp_str);
    *out = names;
    *n_out = k;
    return HPO_OK;
}

/* fANOVA: encode the trials carrying every parameter, fit, score. */
static int run_fanova(hpo__record *const *t,
                      size_t n,
                      const double *y_all,
                      const char *const *names,
                      size_t k,
                      const hpo_importance_options *o,
                      double *imp)
{
    const hpo_distribution **dist = NULL;
    size_t *col0 = NULL, *group = NULL, *pidx = NULL, n_cols = 0, n_groups = 0, m = 0;
    double *x = NULL, *y = NULL, *lo = NULL, *hi = NULL, *gimp = NULL;
    bool *use = NULL;
    int rc = HPO_ENOMEM;
    for (size_t p = 0; p < k; p++)
        imp[p] = 0.0;
    dist = hpo__calloc(k + 1, sizeof(*dist));
    col0 = hpo__calloc(k + 1, sizeof(*col0));
    pidx = hpo__calloc(k + 1, sizeof(*pidx));
    use = hpo__calloc(n + 1, sizeof(*use));
    if (!dist || !col0 || !pidx || !use)
        goto oom;
    /* The reference distribution is the first trial's; trials that differ drop out. */
    for (size_t i = 0; i < n; i++) {
        bool ok = true;
        for (size_t p = 0; p < k && ok; p++) {
            long ip = hpo__record_find_param(t[i], names[p]);
            if (ip < 0) {
                ok = false;
            } else if (dist[p] == NULL) {
                dist[p] = t[i]->params[ip].dist;
            } else {
                ok = hpo__dist_equal(dist[p], t[i]->params[ip].dist);
            }
        }
        use[i] = ok;
        m += ok;
    }
    for (size_t p = 0; p < k; p++) {
        pidx[p] = SIZE_MAX;
        if (dist[p] == NULL || hpo__dist_single(dist[p]))
            continue;
        pidx[p] = n_groups++;
        col0[p] = n_cols;
        n_cols += dist[p]->kind == HPO_DIST_CATEGORICAL ? dist[p]->n_choices : 1;
    }
    if (m <= 1 || n_groups == 0) {
        rc = HPO_OK; /* nothing to learn from: every score stays 0 */
        goto done;
    }
    x = hpo__calloc(n_cols * m, sizeof(*x));
    y = hpo__reallocarray(NULL, m, sizeof(*y));
    lo = hpo__reallocarray(NULL, n_cols, sizeof(*lo));
    hi = hpo__reallocarray(NULL, n_cols, sizeof(*hi));
    group = hpo__reallocarray(NULL, n_cols, sizeof(*group));
    gimp = hpo__calloc(n_groups, sizeof(*gimp));
    if (!x || !y || !lo || !hi || !group || !gimp)
        goto oom;
    for (size_t p = 0; p < k; p++) {
        if (pidx[p] == SIZE_MAX)
            continue;
        if (dist[p]->kind == HPO_DIST_CATEGORICAL) {
            for (size_t c = 0; c < dist[p]->n_choices; c++) {
                lo[col0[p] + c] = 0.0;
                hi[col0[p] + c] = 1.0;
                group[col0[p] + c] = pidx[p];
            }
        } else {
            lo[col0[p]] = dist[p]->low;
            hi[col0[p]] = dist[p]->high;
            group[col0[p]] = pidx[p];
        }
    }
    for (size_t i = 0, r = 0; i < n; i++) {
        if (!use[i])
            continue;
        y[r] = y_all[i];
        for (size_t p = 0; p < k; p++) {
            long ip;
            double v;
            if (pidx[p] == SIZE_MAX)
                continue;
            ip = hpo__record_find_param(t[i], names[p]);
            v = t[i]->params[ip].internal;
            if (dist[p]->kind == HPO_DIST_CATEGORICAL)
                x[(col0[p] + (size_t)v) * m + r] = 1.0;
            else
                x[col0[p] * m + r] = v;
        }
        r++;
    }
    {
        hpo__fanova_input in = {x,     y,        m,          n_cols,       lo,      hi,
                                group, n_groups, o->n_trees, o->max_depth, o->seed, o->n_threads};
        rc = hpo__fanova(&in, gimp);
    }
    for (size_t p = 0; p < k && rc == HPO_OK; p++)
        if (pidx[p] != SIZE_MAX)
            imp[p] = gimp[pidx[p]];
    goto done;
oom:
    rc = hpo__error_set(HPO_ENOMEM, "out of memory encoding %zu trials for fANOVA", n);
done:
    hpo__free(gimp);
    hpo__free(group);
    hpo__free(hi);
    hpo__free(lo);
    hpo__free(y);
    hpo__free(x);
    hpo__free(use);
    hpo__free(pidx);
    hpo__free(col0);
    hpo__free(dist);
    return rc;
}

typedef struct ranked {
    const char *name;
    double value;
} ranked;

static int cmp_ranked(const void *a, const void *b)
{
    const ranked *p = a, *q = b;
    if (p->value != q->value)
        return p->value > q->value ? -1 : 1;
    return strcmp(p->name, q->name);
}

/* Normalise, order and copy out. */
static int
emit(const char *const *names, const double *imp, size_t k, char ***names_out, double **values_out)
{
    ranked *r = hpo__reallocarray(NULL, k, sizeof(*r));
    double sum = 0.0, *vals = hpo__reallocarray(NULL, k, sizeof(*vals));
    size_t bytes = (k + 1) * sizeof(char *);
    char **arr = NULL, *s;
    for (size_t p = 0; p < k; p++)
        bytes += strlen(names[p]) + 1;
    arr = hpo__malloc(bytes);
    if (!r || !vals || !arr) {
        hpo__free(r);
        hpo__free(vals);
        hpo__free(arr);
        return hpo__error_set(HPO_ENOMEM, "out of memory for %zu importances", k);
    }
    for (size_t p = 0; p < k; p++)
        sum += isfinite(imp[p]) && imp[p] > 0.0 ? imp[p] : 0.0;
    for (size_t p = 0; p < k; p++) {
        double v = isfinite(imp[p]) && imp[p] > 0.0 ? imp[p] : 0.0;
        r[p].name = names[p];
        r[p].value = sum > 0.0 ? v / sum : 1.0 / (double)k;
    }
    qsort(r, k, sizeof(*r), cmp_ranked);
    s = (char *)(arr + k + 1);
    for (size_t p = 0; p < k; p++) {
        size_t len = strlen(r[p].name) + 1;
        memcpy(s, r[p].name, len);
        arr[p] = s;
        s += len;
        vals[p] = r[p].value;
    }
    arr[k] = NULL;
    hpo__free(r);
    *names_out = arr;
    *values_out = vals;
    return HPO_OK;
}

/* Whether values [from, to) of r exist and are finite. */
static bool finite_values(const hpo__record *r, size_t to, size_t from)
{
    if (r->n_values < to)
        return false;
    for (size_t j = from; j < to; j++)
        if (!isfinite(r->values[j]))
            return false;
    return true;
}

int hpo__importance_records(hpo__record *const *trials,
                            size_t n_trials,
                            const hpo_direction *directions,
                            size_t n_objectives,
                            hpo_importance_kind kind,
                            const hpo_importance_options *opts,
                            char ***names_out,
                            double **values_out,
                            size_t *n_out)
{
    hpo_importance_options def = HPO_IMPORTANCE_OPTIONS_INIT;
    hpo__record **t = NULL;
    const char **names = NULL;
    double *y = NULL, *imp = NULL;
    size_t n = 0, k = 0, obj;
    bool pareto;
    int rc;
    if (names_out == NULL || values_out == NULL || n_out == NULL)
        return hpo__error_set(HPO_EINVAL, "hpo_importance: NULL out-parameter");
    *names_out = NULL;
    *values_out = NULL;
    *n_out = 0;
    if (opts == NULL)
        opts = &def;
    HPO_TRY(check_options(opts, kind, n_objectives));
    t = hpo__reallocarray(NULL, n_trials + 1, sizeof(*t));
    y = hpo__reallocarray(NULL, n_trials + 1, sizeof(*y));
    if (!t || !y) {
        rc = hpo__error_set(HPO_ENOMEM, "out of memory for %zu trials", n_trials);
        goto done;
    }
    pareto = opts->objective == HPO_IMPORTANCE_ALL_OBJECTIVES && n_objectives > 1;
    obj = opts->objective == HPO_IMPORTANCE_ALL_OBJECTIVES ? 0 : opts->objective;
    for (size_t i = 0; i < n_trials; i++) {
        const hpo__record *r = trials[i];
        double v;
        if (r->state != HPO_TRIAL_COMPLETE || !finite_values(r, pareto ? n_objectives : obj + 1,
                                                             pareto ? 0 : obj))
            continue;
        v = r->values[obj];
        t[n] = trials[i];
        /* PED-ANOVA wants a loss; fANOVA's variances do not care about the sign.
         * Ranked on every objective, the loss goes unused. */
        y[n++] = pareto ? 0.0 : directions[obj] == HPO_MAXIMIZE ? -v : v;
    }
    rc = choose_params(t, n, opts, kind == HPO_IMPORTANCE_FANOVA, &names, &k);
    if (rc != HPO_OK || k == 0)
        goto done;
    imp = hpo__reallocarray(NULL, k, sizeof(*imp));
    if (imp == NULL) {
        rc = hpo__error_set(HPO_ENOMEM, "out of memory for %zu importances", k);
        goto done;
    }
    if (kind == HPO_IMPORTANCE_FANOVA) {
        rc = run_fanova(t, n, y, names, k, opts, imp);
    } else {
        hpo__pedanova_input in = {t,
                                  y,
                                  n,
                                  names,
                                  k,
                                  opts->target_quantile,
                                  opts->region_quantile,
                                  opts->evaluate_on_local,
                                  directions,
                                  pareto ? n_objectives : 1};
        rc = hpo__pedanova(&in, imp);
    }
    if (rc == HPO_OK)
        rc = emit(names, imp, k, names_out, values_out);
    if (rc == HPO_OK)
        *n_out = k;
done:
    hpo__free(imp);
    hpo__free(names);
    hpo__free(y);
    hpo__free(t);
    return rc;
}

int hpo_importance(hpo_study *study,
                   hpo_importance_kind kind,
                   const hpo_importance_options *opts,
                   char ***names_out,
                   double **values_out,
                   size_t *n_out)
{
    hpo__record **trials = NULL;
    hpo_direction dirs[64];
    size_t n = 0, n_obj;
    int rc;
    if (names_out == NULL || values_out == NULL || n_out == NULL)
        return hpo__error_set(HPO_EINVAL, "hpo_importance: NULL out-parameter");
    *names_out = NULL;
    *values_out = NULL;
    *n_out = 0;
    if (study == NULL)
        return hpo__error_set(HPO_EMISUSE, "hpo_importance: study is NULL");
    n_obj = hpo_study_n_objectives(study);
    if (n_obj == 0 || n_obj > 64)
        return hpo__error_set(HPO_EMISUSE, "hpo_importance: study with %zu objectives", n_obj);
    for (size_t i = 0; i < n_obj; i++)
        dirs[i] = hpo_study_direction(study, i);
    HPO_TRY(hpo__study_trials(study, HPO_STATES(HPO_TRIAL_COMPLETE), &trials, &n));
    rc = hpo__importance_records(trials, n, dirs, n_obj, kind, opts, names_out, values_out, n_out);
    hpo__records_release(trials, n);
    return rc;
}
