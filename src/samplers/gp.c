/*
 * gp.c - the gp sampler (Optuna's GPSampler, reference/optuna.md §4) on the
 * sampler seam. For each trial: the intersection space of COMPLETE trials,
 * each finished value encoded in [0,1] (log params in log space, steps widened
 * by half a step, categoricals as choice indices), the objective sign-flipped
 * to maximise and standardised, a GP fitted (gp_model.c), RUNNING trials added
 * at their posterior mean (a "kriging believer" for parallel workers, where
 * Optuna fantasises for qLogEI), and the point of largest log EI decoded back.
 * Several objectives are scalarised per trial with random Chebyshev weights
 * (ParEGO) where Optuna uses log EHVI. Everything random comes from
 * (seed, trial number), so one worker replays the same trials.
 */
#include <math.h>
#include <string.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/distribution.h"
#include "core/error.h"
#include "core/json.h"
#include "samplers/gp_acqf.h"
#include "samplers/gp_cons.h"
#include "samplers/sampler.h"
#include "samplers/tpe_internal.h"
#include "study.h"

/* Grids larger than this are searched as continuous and rounded. */
#define MAX_GRID 4096
#define PAREGO_RHO 0.05
/* Each fit is written to its trial and warm-starts the next one: a pure
 * function of the storage, so a resumed study samples as an uninterrupted one. */
#define PARAMS_KEY "gp:params"

typedef struct gp_impl {
    hpo_gp_options opts;
    hpo_rng rng_random; /* independent sampling */
    hpo__space_cache spaces;
} gp_impl;

int hpo_gp_options_init(hpo_gp_options *opts, unsigned int version)
{
    hpo_gp_options d = HPO_GP_OPTIONS_INIT;
    if (opts == NULL)
        return hpo__error_set(HPO_EMISUSE, "hpo_gp_options_init: opts is NULL");
    if (version != HPO_GP_OPTIONS_VERSION)
        return hpo__error_set(HPO_EVERSION, "gp options version %u (this library: %u)", version,
                HPO_GP_OPTIONS_VERSION);
    *opts = d;
    return HPO_OK;
}

/* ==== encoding ============================================================ */

/* The normalised box of a numeric distribution, in its (log) space. */
static void numeric_bounds(const hpo_distribution *d, double *lo, double *hi)
{
    double step = d->kind == HPO_DIST_INT ? (double)d->istep : (d->has_step ? d->step : 0.0);
    double l = d->low - step / 2.0, h = d->high + step / 2.0;
    if (d->log) {
        /* log ints widen by half a unit before the log, as Optuna does */
        l = log(d->kind == HPO_DIST_INT ? d->low - 0.5 : d->low);
        h = log(d->kind == HPO_DIST_INT ? d->high + 0.5 : d->high);
    }
    *lo = l;
    *hi = h;
}

static double encode(const hpo_distribution *d, double internal)
{
    double lo, hi, v;
    if (d->kind == HPO_DIST_CATEGORICAL)
        return internal;
    numeric_bounds(d, &lo, &hi);
    v = d->log ? log(internal) : internal;
    return hi > lo ? (v - lo) / (hi - lo) : 0.5;
}

static size_t grid_size(const hpo_distribution *d)
{
    if (d->kind == HPO_DIST_INT)
        return (size_t)((d->ihigh - d->ilow) / d->istep) + 1;
    if (d->kind == HPO_DIST_FLOAT && d->has_step)
        return (size_t)floor((d->high - d->low) / d->step + 1e-9) + 1;
    return 0;
}

static double grid_value(const hpo_distribution *d, size_t i)
{
    if (d->kind == HPO_DIST_INT)
        return (double)(d->ilow + (int64_t)i * d->istep);
    return fmin(d->low + (double)i * d->step, d->high);
}

static int make_dim(const hpo_distribution *d, hpo__gp_dim *dim)
{
    size_t k = grid_size(d);
    memset(dim, 0, sizeof(*dim));
    if (d->kind == HPO_DIST_CATEGORICAL) {
        dim->kind = HPO__GP_CATEGORICAL;
        dim->n_grid = d->n_choices;
        return HPO_OK;
    }
    if (k == 0 || k > MAX_GRID) {
        dim->kind = HPO__GP_CONTINUOUS;
        return HPO_OK;
    }
    dim->kind = HPO__GP_DISCRETE;
    dim->n_grid = k;
    dim->grid = hpo__malloc(k * sizeof(double));
    if (dim->grid == NULL)
        return hpo__error_set(HPO_ENOMEM, "gp: out of memory");
    for (size_t i = 0; i < k; i++)
        dim->grid[i] = encode(d, grid_value(d, i));
    return HPO_OK;
}

static double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

/* A normalised coordinate back to the distribution's internal value. */
static double decode(const hpo_distribution *d, const hpo__gp_dim *dim, double u)
{
    double lo, hi, v;
    if (d->kind == HPO_DIST_CATEGORICAL)
        return clampd(nearbyint(u), 0.0, (double)d->n_choices - 1.0);
    if (dim->kind == HPO__GP_DISCRETE) {
        size_t best = 0;
        for (size_t i = 1; i < dim->n_grid; i++)
            if (fabs(dim->grid[i] - u) < fabs(dim->grid[best] - u))
                best = i;
        return grid_value(d, best);
    }
    numeric_bounds(d, &lo, &hi);
    v = lo + clampd(u, 0.0, 1.0) * (hi - lo);
    if (d->log)
        v = exp(v);
    if (d->kind == HPO_DIST_INT) {
        double step = (double)d->istep;
        v = d->low + nearbyint((v - d->low) / step) * step;
    } else if (d->has_step) {
        v = d->low + nearbyint((v - d->low) / d->step) * d->step;
    }
    return clampd(v, d->low, d->high);
}

/* ==== the data ============================================================ */

typedef struct gp_data {
    size_t n, n_run, d;
    double *X;     /* (n + n_run) x d: completes first, then running trials */
    double *y;     /* n targets to maximise */
    bool *is_cat;
    hpo__gp_dim *dims;
} gp_data;

static void data_free(gp_data *g)
{
    for (size_t j = 0; g->dims != NULL && j < g->d; j++)
        hpo__free(g->dims[j].grid);
    hpo__free(g->dims);
    hpo__free(g->X);
    hpo__free(g->y);
    hpo__free(g->is_cat);
    memset(g, 0, sizeof(*g));
}

/* The trial's row, or false when it lacks a parameter of the space. */
static bool encode_row(const hpo__record *r, const hpo__space *space, double *row)
{
    for (size_t j = 0; j < space->n; j++) {
        long p = hpo__record_find_param(r, space->names[j]);
        if (p < 0 || !hpo__dist_contains(space->dists[j], r->params[p].internal))
            return false;
        row[j] = encode(space->dists[j], r->params[p].internal);
    }
    return true;
}

/* A COMPLETE trial counts when every value is a number (inf is clipped later). */
static bool usable_values(const hpo__record *r, size_t n_obj)
{
    if (r->n_values != n_obj)
        return false;
    for (size_t k = 0; k < n_obj; k++)
        if (isnan(r->values[k]))
            return false;
    return true;
}

/* Values as "larger is better", +-inf clipped to the finite extremes. */
static void orient_and_clip(double *v, size_t n, size_t stride, size_t k, bool maximize)
{
    double lo = HUGE_VAL, hi = -HUGE_VAL;
    for (size_t i = 0; i < n; i++) {
        double *x = &v[i * stride + k];
        if (!maximize)
            *x = -*x;
        if (isfinite(*x)) {
            lo = fmin(lo, *x);
            hi = fmax(hi, *x);
        }
    }
    if (!(lo <= hi))
        lo = hi = 0.0;
    for (size_t i = 0; i < n; i++) {
        double *x = &v[i * stride + k];
        *x = clampd(*x, lo, hi);
    }
}

static void standardize(double *y, size_t n)
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
}

/*
 * ParEGO: each objective scaled to [0,1] over the history, then the augmented
 * Chebyshev scalarisation with weights drawn uniformly on the simplex.
 */
static void parego(const double *vals, size_t n, size_t n_obj, hpo_rng *rng, double *y)
{
    double w[64], total = 0.0;
    size_t m = n_obj < 64 ? n_obj : 64;
    for (size_t k = 0; k < m; k++) {
        w[k] = -log(1.0 - hpo__rng_uniform(rng));
        total += w[k];
    }
    for (size_t k = 0; k < m; k++)
        w[k] /= total;
    for (size_t i = 0; i < n; i++)
        y[i] = 0.0;
    for (size_t i = 0; i < n; i++) {
        double worst = -HUGE_VAL, sum = 0.0;
        for (size_t k = 0; k < m; k++) {
            double lo = HUGE_VAL, hi = -HUGE_VAL;
            for (size_t t = 0; t < n; t++) {
                lo = fmin(lo, vals[t * n_obj + k]);
                hi = fmax(hi, vals[t * n_obj + k]);
            }
            /* larger is better, so the loss of objective k is hi - v */
            double loss = hi > lo ? (hi - vals[i * n_obj + k]) / (hi - lo) : 0.0;
            worst = fmax(worst, w[k] * loss);
            sum += w[k] * loss;
        }
        y[i] = -(worst + PAREGO_RHO * sum);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/*
 * Output warping (hpo's addition to Optuna's GP): y <- -log(1 + (best - y)/q),
 * q the median gap to the best. A monotone map, so the best trials stay best,
 * but a few very bad values (rosenbrock's 1e5 next to 1e1) no longer flatten
 * the standardised targets of the good region the GP has to resolve.
 */
static void warp(double *y, size_t n)
{
    double hi = -HUGE_VAL, *gap = hpo__malloc(n * sizeof(double));
    if (gap == NULL)
        return; /* unwarped targets still make a valid model */
    for (size_t i = 0; i < n; i++)
        hi = fmax(hi, y[i]);
    for (size_t i = 0; i < n; i++)
        gap[i] = hi - y[i];
    qsort(gap, n, sizeof(double), cmp_double);
    double q = gap[n / 2];
    hpo__free(gap);
    if (!(q > 0))
        return;
    for (size_t i = 0; i < n; i++)
        y[i] = -log1p((hi - y[i]) / q);
}

static int build_targets(hpo_study *study, hpo__record **done, size_t n, bool warp_output,
        hpo_rng *rng, double *y)
{
    size_t n_obj = hpo_study_n_objectives(study);
    double *vals = hpo__malloc(n * n_obj * sizeof(double));
    if (vals == NULL)
        return hpo__error_set(HPO_ENOMEM, "gp: out of memory");
    for (size_t i = 0; i < n; i++)
        memcpy(vals + i * n_obj, done[i]->values, n_obj * sizeof(double));
    for (size_t k = 0; k < n_obj; k++)
        orient_and_clip(vals, n, n_obj, k, hpo_study_direction(study, k) == HPO_MAXIMIZE);
    if (n_obj == 1)
        memcpy(y, vals, n * sizeof(double));
    else
        parego(vals, n, n_obj, rng, y);
    hpo__free(vals);
    if (warp_output)
        warp(y, n);
    standardize(y, n);
    return HPO_OK;
}

/* Keep the trials whose rows are complete in the space; returns their count. */
static size_t select_rows(hpo__record **trials, size_t n, const hpo__space *space, size_t n_obj,
        bool need_values, double *X)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (need_values && !usable_values(trials[i], n_obj))
            continue;
        if (!encode_row(trials[i], space, X + k * space->n))
            continue;
        /* A swap, not a copy: every reference stays in the array to be released. */
        hpo__record *kept = trials[i];
        trials[i] = trials[k];
        trials[k++] = kept;
    }
    return k;
}

/* ==== sampling ============================================================ */

static void trial_rng(const gp_impl *g, const hpo__record *trial, hpo_rng *rng)
{
    hpo__rng_seed(rng, g->opts.seed ^ ((uint64_t)trial->number * 0x9E3779B97F4A7C15ull));
}

/* Add the running trials at the posterior mean of the fitted model. */
static int add_believers(hpo__gp *gp, const double *X_run, size_t n_run)
{
    size_t n = gp->n, d = gp->d;
    double *X = NULL, *y = NULL, *mean = NULL, *var = NULL;
    hpo__gp aug;
    int rc = HPO_ENOMEM;
    if (n_run == 0)
        return HPO_OK;
    X = hpo__malloc(((n + n_run) * d + 1) * sizeof(double));
    y = hpo__malloc((n + n_run) * sizeof(double));
    mean = hpo__malloc(n_run * sizeof(double));
    var = hpo__malloc(n_run * sizeof(double));
    if (!X || !y || !mean || !var)
        goto out;
    if ((rc = hpo__gp_predict(gp, n_run, X_run, mean, var)) != HPO_OK)
        goto out;
    memcpy(X, gp->X, n * d * sizeof(double));
    memcpy(X + n * d, X_run, n_run * d * sizeof(double));
    memcpy(y, gp->y, n * sizeof(double));
    memcpy(y + n, mean, n_run * sizeof(double));
    if ((rc = hpo__gp_init(&aug, n + n_run, d, X, gp->is_cat, y)) != HPO_OK)
        goto out;
    memcpy(aug.p.inv_sq_ls, gp->p.inv_sq_ls, d * sizeof(double));
    aug.p.scale = gp->p.scale;
    aug.p.noise = gp->p.noise;
    if ((rc = hpo__gp_factorize(&aug)) == HPO_OK) {
        hpo__gp_free(gp);
        *gp = aug;
    } else {
        hpo__gp_free(&aug);
        rc = HPO_OK; /* duplicates of a running point: go on without the believers */
    }
out:
    if (rc == HPO_ENOMEM && (!X || !y || !mean || !var))
        rc = hpo__error_set(HPO_ENOMEM, "gp: out of memory");
    hpo__free(X);
    hpo__free(y);
    hpo__free(mean);
    hpo__free(var);
    return rc;
}

/* The newest fit stored on a COMPLETE trial of the same dimension, if any. */
static void warm_start(hpo__record *const *done, size_t n, hpo__gp *gp)
{
    for (size_t i = n; i-- > 0;) {
        const char *text = hpo__attrs_get(&done[i]->system_attrs, PARAMS_KEY);
        json_t *j = NULL, *ls;
        if (text == NULL || hpo__json_parse(text, &j) != HPO_OK)
            continue;
        ls = json_object_get(j, "inv_sq_ls");
        double scale = json_number_value(json_object_get(j, "scale"));
        double noise = json_number_value(json_object_get(j, "noise"));
        bool ok = json_is_array(ls) && json_array_size(ls) == gp->d && scale > 0 &&
                  noise >= HPO__GP_MIN_NOISE && isfinite(scale) && isfinite(noise);
        for (size_t k = 0; ok && k < gp->d; k++) {
            double v = json_number_value(json_array_get(ls, k));
            ok = v > 0 && isfinite(v);
        }
        for (size_t k = 0; ok && k < gp->d; k++)
            gp->p.inv_sq_ls[k] = json_number_value(json_array_get(ls, k));
        if (ok) {
            gp->p.scale = scale;
            gp->p.noise = noise;
        }
        json_decref(j);
        if (ok)
            return;
    }
}

static int write_params(hpo_study *study, const hpo__record *trial, const hpo__gp *gp)
{
    hpo_buf b;
    char num[40];
    int rc;
    hpo__buf_init(&b, 0);
    hpo__buf_puts(&b, "{\"inv_sq_ls\": [");
    for (size_t k = 0; k < gp->d; k++) {
        snprintf(num, sizeof(num), "%s%.17g", k ? ", " : "", gp->p.inv_sq_ls[k]);
        hpo__buf_puts(&b, num);
    }
    snprintf(num, sizeof(num), "%.17g", gp->p.scale);
    hpo__buf_puts(&b, "], \"scale\": ");
    hpo__buf_puts(&b, num);
    snprintf(num, sizeof(num), "%.17g", gp->p.noise);
    hpo__buf_puts(&b, ", \"noise\": ");
    hpo__buf_puts(&b, num);
    hpo__buf_putc(&b, '}');
    rc = hpo__buf_status(&b);
    if (rc == HPO_OK)
        rc = hpo__study_set_trial_system_attr(study, trial->id, PARAMS_KEY, b.data);
    hpo__buf_free(&b);
    return rc;
}

static int fit_and_maximize(gp_impl *g, gp_data *data, hpo_rng *rng, const hpo__space *space,
        hpo_study *study, const hpo__record *trial, hpo__record *const *done, double *out)
{
    hpo__gp gp;
    hpo__gp_cons cons;
    hpo__gp_acq acq = {.gp = &gp, .threshold = -HUGE_VAL};
    double value, *x = hpo__malloc((data->d + 1) * sizeof(double));
    size_t best = 0;
    int rc;
    if (x == NULL)
        return hpo__error_set(HPO_ENOMEM, "gp: out of memory");
    if ((rc = hpo__gp_cons_fit(&cons, done, data->n, data->X, data->d, data->is_cat)) != HPO_OK)
        goto out;
    /* The incumbent is the best feasible trial; with none, only feasibility counts. */
    for (size_t i = 0; i < data->n; i++)
        if (cons.feasible[i] && data->y[i] > acq.threshold) {
            acq.threshold = data->y[i];
            best = i;
        }
    acq.use_ei = cons.any_feasible;
    acq.cons = cons.models;
    acq.cons_threshold = cons.threshold;
    acq.n_cons = cons.n;
    if ((rc = hpo__gp_init(&gp, data->n, data->d, data->X, data->is_cat, data->y)) != HPO_OK) {
        hpo__gp_cons_free(&cons);
        goto out;
    }
    warm_start(done, data->n, &gp);
    rc = hpo__gp_fit(&gp, g->opts.deterministic_objective);
    if (rc == HPO_OK)
        rc = write_params(study, trial, &gp);
    if (rc == HPO_OK)
        rc = add_believers(&gp, data->X + data->n * data->d, data->n_run);
    if (rc == HPO_OK)
        rc = hpo__gp_maximize_acq(&acq, data->dims, acq.use_ei ? data->X + best * data->d : NULL,
                rng, x, &value);
    for (size_t j = 0; rc == HPO_OK && j < data->d; j++)
        out[j] = decode(space->dists[j], &data->dims[j], x[j]);
    hpo__gp_free(&gp);
    hpo__gp_cons_free(&cons);
out:
    hpo__free(x);
    return rc;
}

static int load(hpo_study *study, const hpo__record *current, unsigned int mask,
        hpo__record ***out, size_t *n_out)
{
    size_t k = 0;
    HPO_TRY(hpo__study_trials_snapshot(study, mask, out, n_out));
    for (size_t i = 0; i < *n_out; i++) {
        if ((*out)[i]->number == current->number)
            hpo__record_unref((*out)[i]);
        else
            (*out)[k++] = (*out)[i];
    }
    *n_out = k;
    return HPO_OK;
}

static int gp_sample(gp_impl *g, hpo_study *study, const hpo__record *trial,
        const hpo__space *space, double *out)
{
    hpo__record **done = NULL, **run = NULL;
    size_t n_done = 0, n_run = 0, d = space->n, n_obj = hpo_study_n_objectives(study);
    gp_data data = {0};
    hpo_rng rng;
    int rc;
    HPO_TRY(load(study, trial, HPO_STATES(HPO_TRIAL_COMPLETE), &done, &n_done));
    if (n_done < g->opts.n_startup_trials || d == 0) {
        hpo__records_release(done, n_done);
        return HPO_OK; /* startup: the independent sampler draws everything */
    }
    /* pruned trials join the running ones at the posterior mean: their partial
     * values are not comparable, but sampling them again would be a waste */
    if ((rc = load(study, trial, HPO_STATES(HPO_TRIAL_RUNNING) | HPO_STATES(HPO_TRIAL_PRUNED),
                 &run, &n_run)) != HPO_OK)
        goto out;
    data.d = d;
    data.X = hpo__malloc(((n_done + n_run) * d + 1) * sizeof(double));
    data.y = hpo__malloc((n_done + 1) * sizeof(double));
    data.is_cat = hpo__calloc(d, sizeof(bool));
    data.dims = hpo__calloc(d, sizeof(hpo__gp_dim));
    if (!data.X || !data.y || !data.is_cat || !data.dims) {
        rc = hpo__error_set(HPO_ENOMEM, "gp: out of memory for %zu trials", n_done);
        goto out;
    }
    for (size_t j = 0; j < d; j++) {
        if ((rc = make_dim(space->dists[j], &data.dims[j])) != HPO_OK)
            goto out;
        data.is_cat[j] = data.dims[j].kind == HPO__GP_CATEGORICAL;
    }
    data.n = select_rows(done, n_done, space, n_obj, true, data.X);
    data.n_run = select_rows(run, n_run, space, n_obj, false, data.X + data.n * d);
    if (data.n == 0)
        goto out; /* nothing usable yet: independent sampling */
    trial_rng(g, trial, &rng);
    rc = build_targets(study, done, data.n, g->opts.warp_output, &rng, data.y);
    if (rc == HPO_OK)
        rc = fit_and_maximize(g, &data, &rng, space, study, trial, done, out);
out:
    data_free(&data);
    hpo__records_release(done, n_done);
    hpo__records_release(run, n_run);
    return rc;
}

/* ==== sampler ops ========================================================= */

static int gp_infer_relative_space(hpo_sampler *s, hpo_study *study, const hpo__record *trial,
        hpo__space *out)
{
    gp_impl *g = s->impl;
    hpo__record **done = NULL;
    size_t n = 0;
    int rc;
    (void)trial;
    HPO_TRY(hpo__study_trials_snapshot(study, HPO_STATES(HPO_TRIAL_COMPLETE), &done, &n));
    rc = hpo__space_cache_update(&g->spaces, hpo__study_id(study), done, n, false);
    hpo__records_release(done, n);
    if (rc == HPO_OK)
        rc = hpo__space_cache_intersection(&g->spaces, out);
    return rc;
}

static int gp_sample_relative(hpo_sampler *s, hpo_study *study, const hpo__record *trial,
        const hpo__space *space, double *out)
{
    for (size_t i = 0; i < space->n; i++)
        out[i] = NAN;
    if (space->n == 0)
        return HPO_OK;
    return gp_sample(s->impl, study, trial, space, out);
}

static int gp_sample_independent(hpo_sampler *s, hpo_study *study, const hpo__record *trial,
        const char *name, const hpo_distribution *dist, double *out)
{
    gp_impl *g = s->impl;
    (void)study;
    (void)trial;
    (void)name;
    *out = hpo__random_sample(&g->rng_random, dist);
    return HPO_OK;
}

static void gp_destroy(hpo_sampler *s)
{
    gp_impl *g = s->impl;
    if (g == NULL)
        return;
    hpo__space_cache_free(&g->spaces);
    hpo__free(g);
    s->impl = NULL;
}

static const hpo__sampler_ops gp_ops = {
        .version = HPO__SAMPLER_OPS_VERSION,
        .name = "GPSampler",
        .infer_relative_space = gp_infer_relative_space,
        .sample_relative = gp_sample_relative,
        .sample_independent = gp_sample_independent,
        .before_trial = NULL,
        .after_trial = NULL,
        .destroy = gp_destroy,
};

int hpo_sampler_gp_new(hpo_sampler **out, const hpo_gp_options *opts)
{
    hpo_gp_options defaults = HPO_GP_OPTIONS_INIT;
    gp_impl *g;
    hpo_rng seeder;
    if (out == NULL)
        return hpo__error_set(HPO_EMISUSE, "hpo_sampler_gp_new: out is NULL");
    *out = NULL;
    if (opts == NULL)
        opts = &defaults;
    if (opts->version != HPO_GP_OPTIONS_VERSION)
        return hpo__error_set(HPO_EVERSION, "gp options version %u (this library: %u)",
                opts->version, HPO_GP_OPTIONS_VERSION);
    g = hpo__calloc(1, sizeof(*g));
    if (g == NULL)
        return hpo__error_set(HPO_ENOMEM, "gp: out of memory");
    g->opts = *opts;
    hpo__rng_seed(&seeder, ~opts->seed);
    hpo__rng_seed(&g->rng_random, hpo__rng_u64(&seeder));
    hpo__space_cache_init(&g->spaces);
    return hpo__sampler_new(out, &gp_ops, g);
}
