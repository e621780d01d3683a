/*
 * cmaes.c - the cmaes sampler (Optuna's CmaEsSampler, reference/optuna.md §4)
 * on the sampler seam, over the algorithm in cmaes_core.c.
 *
 * Nothing is pickled. Each relative sample writes its run's coordinates on the
 * trial (<prefix>generation, <prefix>n_restarts, <prefix>popsize; with margin
 * also x_for_tell, the raw draw), and the optimizer is a pure function of the
 * COMPLETE trials: replaying them in number order, generation g of restart r
 * is told once it has popsize usable trials tagged (r, g), the first popsize
 * by number; with IPOP a converged run is followed by a new one at a random
 * mean with popsize * inc_popsize. The replay is cached (per study and space)
 * and advanced incrementally; when a late trial would change an already told
 * generation (parallel workers), the cache starts over, so it always equals a
 * fresh replay. Every random choice comes from (seed, trial number).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/distribution.h"
#include "core/error.h"
#include "core/json.h"
#include "samplers/cmaes_core.h"
#include "samplers/sampler.h"
#include "samplers/tpe_internal.h"
#include "study.h"

#define MAX_POPSIZE  (1u << 20)
#define SIGMA_FLOOR  1e-10
#define SALT_ASK     0x9E3779B97F4A7C15ull
#define SALT_RESTART 0xC2B2AE3D27D4EB4Full
#define SALT_INDEP   0x165667B19E3779F9ull

enum { TAG_UNSEEN = 0, TAG_SKIP = 1, TAG_USE = 2 };

/* One dimension of the normalised box. */
typedef struct cma_dim {
    double lo, hi; /* bounds in the (log) space of the distribution */
    bool log;
    double step; /* normalised grid step when handled with margin, else 0 */
} cma_dim;

/* What a finished trial contributes, parsed once (finished trials never change). */
typedef struct cma_tag {
    unsigned char kind;
    int64_t r, g;
    double y;  /* the value to minimise */
    double *x; /* normalised point, d */
} cma_tag;

typedef struct cma_told {
    int64_t r, g, max_number;
} cma_told;

typedef struct cma_replay {
    int64_t study_id; /* -1: empty */
    hpo__space space;
    cma_dim *dims;
    bool margin;
    bool has_cma;
    hpo__cma cma;
    int64_t r;
    size_t popsize;
    cma_tag *tags; /* by trial number */
    size_t cap_tags;
    cma_told *told; /* told generations in (r, g) order */
    size_t n_told, cap_told;
} cma_replay;

typedef struct cma_impl {
    hpo_cmaes_options opts;
    hpo__space_cache spaces;
    cma_replay rp;
} cma_impl;

int hpo_cmaes_options_init(hpo_cmaes_options *opts, unsigned int version)
{
    hpo_cmaes_options d = HPO_CMAES_OPTIONS_INIT;
    if (opts == NULL)
        return hpo__error_set(HPO_EMISUSE, "hpo_cmaes_options_init: opts is NULL");
    if (version != HPO_CMAES_OPTIONS_VERSION)
        return hpo__error_set(HPO_EVERSION, "cmaes options version %u (this library: %u)",
                version, HPO_CMAES_OPTIONS_VERSION);
    *opts = d;
    return HPO_OK;
}

static int check_options(const hpo_cmaes_options *o)
{
    if (o->version != HPO_CMAES_OPTIONS_VERSION)
        return hpo__error_set(HPO_EVERSION, "cmaes options version %u (this library: %u)",
                o->version, HPO_CMAES_OPTIONS_VERSION);
    if (o->popsize == 1 || o->popsize > MAX_POPSIZE)
        return hpo__error_set(HPO_EINVAL, "cmaes: popsize %zu must be 0 (default) or 2..%u",
                o->popsize, MAX_POPSIZE);
    if (!(o->sigma0 > 0) || !isfinite(o->sigma0))
        return hpo__error_set(HPO_EINVAL, "cmaes: sigma0 (%g) must be finite and > 0",
                o->sigma0);
    if (o->inc_popsize < 1)
        return hpo__error_set(HPO_EINVAL, "cmaes: inc_popsize (%d) must be >= 1",
                o->inc_popsize);
    if (o->with_margin < -1 || o->with_margin > 1)
        return hpo__error_set(HPO_EINVAL, "cmaes: with_margin (%d) must be -1, 0 or 1",
                o->with_margin);
    if (o->restart != HPO_CMAES_RESTART_NONE && o->restart != HPO_CMAES_RESTART_IPOP)
        return hpo__error_set(HPO_EINVAL, "cmaes: unknown restart strategy %d",
                (int)o->restart);
    return HPO_OK;
}

static int check_single_objective(hpo_study *study)
{
    size_t n = hpo_study_n_objectives(study);
    if (n != 1)
        return hpo__error_set(HPO_EINVAL,
                "CmaEsSampler supports single-objective studies only (this study has %zu "
                "objectives); use nsga2, tpe or gp",
                n);
    return HPO_OK;
}

/* ==== the normalised space =============================================== */

/* A grid handled with margin: a non-log int, or a float with a step. */
static bool is_grid(const hpo_distribution *d)
{
    return !d->log && (d->kind == HPO_DIST_INT || d->has_step);
}

static double dist_step(const hpo_distribution *d)
{
    return d->kind == HPO_DIST_INT ? (double)d->istep : (d->has_step ? d->step : 0.0);
}

static void make_dim(const hpo_distribution *d, bool margin, cma_dim *out)
{
    double half = dist_step(d) / 2.0;
    out->log = d->log;
    out->step = 0.0;
    if (margin && is_grid(d)) { /* CMAwM rounds itself: the box is [low, high] */
        out->lo = d->low;
        out->hi = d->high;
        out->step = dist_step(d) / (d->high - d->low);
    } else if (d->log) {
        out->lo = log(d->low - half);
        out->hi = log(d->high + half);
    } else {
        out->lo = d->low - half;
        out->hi = d->high + half;
    }
}

static double encode(const cma_dim *dim, double internal)
{
    double v = dim->log ? log(internal) : internal;
    return (v - dim->lo) / (dim->hi - dim->lo);
}

static double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

static double decode(const cma_dim *dim, const hpo_distribution *d, double u)
{
    double v = dim->lo + clampd(u, 0.0, 1.0) * (dim->hi - dim->lo), step = dist_step(d);
    if (dim->log)
        v = exp(v);
    if (step > 0)
        v = d->low + nearbyint((v - d->low) / step) * step;
    return clampd(v, d->low, d->high);
}

/* ==== the replay cache ==================================================== */

static void replay_clear_run(cma_replay *rp)
{
    for (size_t i = 0; i < rp->cap_tags; i++)
        hpo__free(rp->tags[i].x);
    hpo__free(rp->tags);
    hpo__free(rp->told);
    hpo__cma_free(&rp->cma);
    rp->tags = NULL;
    rp->told = NULL;
    rp->cap_tags = rp->n_told = rp->cap_told = 0;
    rp->has_cma = false;
    rp->r = 0;
    rp->popsize = 0;
}

static void replay_free(cma_replay *rp)
{
    replay_clear_run(rp);
    hpo__space_clear(&rp->space);
    hpo__free(rp->dims);
    rp->dims = NULL;
    rp->study_id = -1;
}

static bool same_space(const hpo__space *a, const hpo__space *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->names[i], b->names[i]) != 0 || !hpo__dist_equal(a->dists[i], b->dists[i]))
            return false;
    return true;
}

/* Point the cache at (study, space); a different one starts it over. */
static int replay_target(cma_impl *im, int64_t study_id, const hpo__space *space)
{
    cma_replay *rp = &im->rp;
    bool any_grid = false;
    if (rp->study_id == study_id && same_space(&rp->space, space))
        return HPO_OK;
    replay_free(rp);
    for (size_t j = 0; j < space->n; j++) {
        HPO_TRY(hpo__space_add(&rp->space, space->names[j], space->dists[j]));
        any_grid = any_grid || is_grid(space->dists[j]);
    }
    rp->margin = im->opts.with_margin == 1 || (im->opts.with_margin == -1 && any_grid);
    rp->dims = hpo__calloc(space->n, sizeof(cma_dim));
    if (rp->dims == NULL) {
        replay_free(rp);
        return hpo__error_set(HPO_ENOMEM, "cmaes: out of memory");
    }
    for (size_t j = 0; j < space->n; j++)
        make_dim(space->dists[j], rp->margin, &rp->dims[j]);
    rp->study_id = study_id;
    return HPO_OK;
}

/* A new run: restart 0 at the centre, later ones (IPOP) at a random mean. */
static int start_run(cma_impl *im, int64_t r, size_t popsize)
{
    cma_replay *rp = &im->rp;
    size_t d = rp->space.n;
    double *buf = hpo__malloc(4 * d * sizeof(double));
    hpo_rng rng;
    int rc;
    if (buf == NULL)
        return hpo__error_set(HPO_ENOMEM, "cmaes: out of memory");
    double *mean = buf, *lo = buf + d, *hi = buf + 2 * d, *steps = buf + 3 * d;
    hpo__rng_seed(&rng, im->opts.seed ^ ((uint64_t)r * SALT_RESTART));
    for (size_t j = 0; j < d; j++) {
        lo[j] = 0.0;
        hi[j] = 1.0;
        steps[j] = rp->dims[j].step;
        mean[j] = r == 0 ? 0.5 : hpo__rng_uniform(&rng);
    }
    if (rp->has_cma)
        hpo__cma_free(&rp->cma);
    rp->has_cma = false;
    rc = hpo__cma_init(&rp->cma, d, mean, fmax(im->opts.sigma0, SIGMA_FLOOR), lo, hi, steps,
            popsize);
    hpo__free(buf);
    if (rc != HPO_OK)
        return rc;
    rp->has_cma = true;
    rp->r = r;
    rp->popsize = rp->cma.popsize;
    return HPO_OK;
}

/* An integer system attribute, read without allocating (a JSON number is also C's). */
static bool attr_int(const hpo__record *rec, const char *prefix, const char *name, int64_t *out)
{
    char key[64], *end = NULL;
    snprintf(key, sizeof(key), "%s%s", prefix, name);
    const char *text = hpo__attrs_get(&rec->system_attrs, key);
    if (text == NULL)
        return false;
    double v = strtod(text, &end);
    while (end != NULL && (*end == ' ' || *end == '\n' || *end == '\t'))
        end++;
    if (end == text || end == NULL || *end != '\0' || v != floor(v) || !(fabs(v) < 9e15))
        return false;
    *out = (int64_t)v;
    return true;
}

/*
 * x_for_tell: the raw draw CMAwM needs (a list of d finite numbers); *found
 * false when absent or unreadable. Errors: HPO_ENOMEM only, so an allocation
 * failure never makes a usable trial look unusable.
 */
static int attr_x(const hpo__record *rec, size_t d, double *x, bool *found)
{
    json_t *j = NULL;
    const char *text = hpo__attrs_get(&rec->system_attrs, "x_for_tell");
    *found = false;
    if (text == NULL)
        return HPO_OK;
    int rc = hpo__json_parse(text, &j);
    if (rc != HPO_OK)
        return rc == HPO_ENOMEM ? rc : HPO_OK;
    bool ok = json_is_array(j) && json_array_size(j) == d;
    for (size_t k = 0; ok && k < d; k++)
        ok = hpo__json_number(json_array_get(j, k), &x[k]) && isfinite(x[k]) &&
             fabs(x[k]) < 1e30;
    json_decref(j);
    *found = ok;
    return HPO_OK;
}

/* The trial's value (PRUNED: its last intermediate value), or NaN when it has none. */
static double trial_value(const hpo__record *rec)
{
    if (rec->state == HPO_TRIAL_COMPLETE)
        return rec->n_values == 1 ? rec->values[0] : (double)NAN;
    return rec->n_ivalues > 0 ? rec->ivalues[rec->n_ivalues - 1].value : (double)NAN;
}

static const char *prefix_of(const cma_replay *rp)
{
    return rp->margin ? "cmawm:" : "cma:";
}

/* Errors: HPO_ENOMEM (the tag then stays unseen, to be read again). */
static int tag_trial(const cma_replay *rp, const hpo__record *rec, bool maximize, cma_tag *t)
{
    size_t d = rp->space.n;
    double v = trial_value(rec);
    bool found = false;
    if (isnan(v) || !attr_int(rec, prefix_of(rp), "generation", &t->g)) {
        t->kind = TAG_SKIP; /* failed, NaN, enqueued or sampled independently */
        return HPO_OK;
    }
    if (!attr_int(rec, prefix_of(rp), "n_restarts", &t->r))
        t->r = 0; /* written by Optuna, which has no restarts */
    t->y = maximize ? -v : v;
    if (rp->margin)
        HPO_TRY(attr_x(rec, d, t->x, &found));
    t->kind = TAG_USE;
    for (size_t j = 0; !found && j < d; j++) {
        long p = hpo__record_find_param(rec, rp->space.names[j]);
        if (p < 0 || !hpo__dist_equal(rec->params[p].dist, rp->space.dists[j])) {
            t->kind = TAG_SKIP;
            break;
        }
        t->x[j] = encode(&rp->dims[j], rec->params[p].internal);
    }
    return HPO_OK;
}

static int grow_tags(cma_replay *rp, size_t number)
{
    size_t cap = rp->cap_tags ? rp->cap_tags : 64;
    cma_tag *p;
    if (number < rp->cap_tags)
        return HPO_OK;
    while (cap <= number)
        cap *= 2;
    p = hpo__reallocarray(rp->tags, cap, sizeof(*p));
    if (p == NULL)
        return hpo__error_set(HPO_ENOMEM, "cmaes: out of memory tracking trials");
    memset(p + rp->cap_tags, 0, (cap - rp->cap_tags) * sizeof(*p));
    rp->tags = p;
    rp->cap_tags = cap;
    return HPO_OK;
}

static int cmp_rg(int64_t r1, int64_t g1, int64_t r2, int64_t g2)
{
    return r1 != r2 ? (r1 < r2 ? -1 : 1) : (g1 != g2 ? (g1 < g2 ? -1 : 1) : 0);
}

static const cma_told *find_told(const cma_replay *rp, int64_t r, int64_t g)
{
    size_t lo = 0, hi = rp->n_told;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = cmp_rg(rp->told[mid].r, rp->told[mid].g, r, g);
        if (c == 0)
            return &rp->told[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/*
 * Tag the trials not seen yet. *stale: one of them belongs to a generation
 * already told and would have been among its first popsize.
 */
static int sync_tags(cma_replay *rp, hpo__record *const *recs, size_t n, bool maximize,
        bool *stale)
{
    *stale = false;
    for (size_t i = 0; i < n; i++) {
        const hpo__record *rec = recs[i];
        if (rec->number < 0)
            continue;
        HPO_TRY(grow_tags(rp, (size_t)rec->number));
        cma_tag *t = &rp->tags[rec->number];
        if (t->kind != TAG_UNSEEN)
            continue;
        if (t->x == NULL && (t->x = hpo__calloc(rp->space.n, sizeof(double))) == NULL)
            return hpo__error_set(HPO_ENOMEM, "cmaes: out of memory tracking trials");
        HPO_TRY(tag_trial(rp, rec, maximize, t));
        const cma_told *told = t->kind == TAG_USE ? find_told(rp, t->r, t->g) : NULL;
        if (told != NULL && rec->number < told->max_number)
            *stale = true;
    }
    return HPO_OK;
}

/* +-inf to the finite extremes of the generation (Optuna's GP does the same). */
static void clip_inf(double *f, size_t n)
{
    double lo = HUGE_VAL, hi = -HUGE_VAL;
    for (size_t k = 0; k < n; k++)
        if (isfinite(f[k])) {
            lo = fmin(lo, f[k]);
            hi = fmax(hi, f[k]);
        }
    if (!(lo <= hi)) {
        lo = -1.0;
        hi = 1.0;
    }
    for (size_t k = 0; k < n; k++)
        f[k] = clampd(f[k], lo, hi);
}

static int push_told(cma_replay *rp, int64_t max_number)
{
    if (rp->n_told == rp->cap_told) {
        size_t cap = rp->cap_told ? 2 * rp->cap_told : 16;
        cma_told *p = hpo__reallocarray(rp->told, cap, sizeof(*p));
        if (p == NULL)
            return hpo__error_set(HPO_ENOMEM, "cmaes: out of memory");
        rp->told = p;
        rp->cap_told = cap;
    }
    rp->told[rp->n_told++] = (cma_told){rp->r, rp->cma.g, max_number};
    return HPO_OK;
}

/* Tell the current generation if it is full; *told says whether it was. */
static int tell_one(cma_impl *im, double *X, double *f, bool *told)
{
    cma_replay *rp = &im->rp;
    size_t d = rp->space.n, k = 0, last = 0;
    bool stop = false;
    *told = false;
    for (size_t i = 0; i < rp->cap_tags && k < rp->popsize; i++) {
        const cma_tag *t = &rp->tags[i];
        if (t->kind != TAG_USE || t->r != rp->r || t->g != rp->cma.g)
            continue;
        memcpy(X + k * d, t->x, d * sizeof(double));
        f[k++] = t->y;
        last = i;
    }
    if (k < rp->popsize)
        return HPO_OK;
    clip_inf(f, k);
    HPO_TRY(push_told(rp, (int64_t)last));
    HPO_TRY(hpo__cma_tell(&rp->cma, X, f));
    *told = true;
    if (im->opts.restart != HPO_CMAES_RESTART_IPOP)
        return HPO_OK;
    HPO_TRY(hpo__cma_should_stop(&rp->cma, &stop));
    if (!stop)
        return HPO_OK;
    size_t next = rp->popsize;
    if (next <= MAX_POPSIZE / (size_t)im->opts.inc_popsize)
        next *= (size_t)im->opts.inc_popsize;
    return start_run(im, rp->r + 1, next);
}

/* Bring the optimizer up to date with the finished trials. */
static int replay(cma_impl *im, hpo__record *const *recs, size_t n, bool maximize)
{
    cma_replay *rp = &im->rp;
    bool stale = false, told = true;
    double *X = NULL, *f = NULL;
    int rc;
    HPO_TRY(sync_tags(rp, recs, n, maximize, &stale));
    if (stale) {
        replay_clear_run(rp);
        HPO_TRY(sync_tags(rp, recs, n, maximize, &stale));
    }
    if (!rp->has_cma)
        HPO_TRY(start_run(im, 0, im->opts.popsize));
    while (told) {
        size_t need = rp->popsize * rp->space.n;
        X = hpo__malloc((need + 1) * sizeof(double));
        f = hpo__malloc((rp->popsize + 1) * sizeof(double));
        rc = X && f ? tell_one(im, X, f, &told) : hpo__error_set(HPO_ENOMEM, "cmaes: no memory");
        hpo__free(X);
        hpo__free(f);
        if (rc != HPO_OK) {
            replay_clear_run(rp); /* a half-told state is worse than none */
            return rc;
        }
    }
    return HPO_OK;
}

/* ==== sampling ============================================================ */

static int write_int(hpo_study *study, const hpo__record *trial, const char *prefix,
        const char *name, int64_t v)
{
    char key[64], json[32];
    snprintf(key, sizeof(key), "%s%s", prefix, name);
    snprintf(json, sizeof(json), "%" PRId64, v);
    return hpo__study_set_trial_system_attr(study, trial->id, key, json);
}

static int write_attrs(hpo_study *study, const hpo__record *trial, const cma_replay *rp,
        const double *x_tell)
{
    const char *pre = prefix_of(rp);
    HPO_TRY(write_int(study, trial, pre, "generation", rp->cma.g));
    HPO_TRY(write_int(study, trial, pre, "n_restarts", rp->r));
    HPO_TRY(write_int(study, trial, pre, "popsize", (int64_t)rp->popsize));
    if (!rp->margin)
        return HPO_OK;
    hpo_buf b;
    int rc;
    hpo__buf_init(&b, 0);
    hpo__buf_putc(&b, '[');
    for (size_t j = 0; j < rp->space.n; j++) {
        if (j > 0)
            hpo__buf_puts(&b, ", ");
        hpo__json_put_double(&b, x_tell[j]);
    }
    hpo__buf_putc(&b, ']');
    rc = hpo__buf_status(&b);
    if (rc == HPO_OK)
        rc = hpo__study_set_trial_system_attr(study, trial->id, "x_for_tell", b.data);
    hpo__buf_free(&b);
    return rc;
}

static int ask_point(cma_impl *im, hpo_study *study, const hpo__record *trial, double *out)
{
    cma_replay *rp = &im->rp;
    size_t d = rp->space.n;
    double *x = hpo__malloc(2 * d * sizeof(double));
    hpo_rng rng;
    int rc;
    if (x == NULL)
        return hpo__error_set(HPO_ENOMEM, "cmaes: out of memory");
    hpo__rng_seed(&rng, im->opts.seed ^ ((uint64_t)trial->number * SALT_ASK));
    rc = hpo__cma_ask(&rp->cma, &rng, x, x + d);
    if (rc == HPO_OK)
        rc = write_attrs(study, trial, rp, x + d);
    for (size_t j = 0; rc == HPO_OK && j < d; j++)
        out[j] = decode(&rp->dims[j], rp->space.dists[j], x[j]);
    hpo__free(x);
    return rc;
}

static unsigned int history_mask(const cma_impl *im)
{
    unsigned int m = HPO_STATES(HPO_TRIAL_COMPLETE);
    return im->opts.consider_pruned_trials ? m | HPO_STATES(HPO_TRIAL_PRUNED) : m;
}

static int cma_sample_relative(hpo_sampler *s, hpo_study *study, const hpo__record *trial,
        const hpo__space *space, double *out)
{
    cma_impl *im = s->impl;
    hpo__record **recs = NULL;
    size_t n = 0, n_usable = 0;
    int rc;
    HPO_TRY(check_single_objective(study));
    for (size_t i = 0; i < space->n; i++)
        out[i] = NAN;
    if (space->n == 0)
        return HPO_OK;
    HPO_TRY(hpo__study_trials_snapshot(study, history_mask(im), &recs, &n));
    for (size_t i = 0; i < n; i++)
        n_usable += recs[i]->state == HPO_TRIAL_COMPLETE || recs[i]->n_ivalues > 0;
    if (n_usable < im->opts.n_startup_trials) {
        hpo__records_release(recs, n);
        return HPO_OK; /* startup: the independent draw */
    }
    rc = replay_target(im, hpo__study_id(study), space);
    if (rc == HPO_OK)
        rc = replay(im, recs, n, hpo_study_direction(study, 0) == HPO_MAXIMIZE);
    hpo__records_release(recs, n);
    if (rc == HPO_OK)
        rc = ask_point(im, study, trial, out);
    return rc;
}

/* ==== sampler ops ========================================================= */

static int cma_infer_relative_space(hpo_sampler *s, hpo_study *study, const hpo__record *trial,
        hpo__space *out)
{
    cma_impl *im = s->impl;
    hpo__record **done = NULL;
    hpo__space all = {0};
    size_t n = 0;
    int rc;
    (void)trial;
    HPO_TRY(check_single_objective(study));
    HPO_TRY(hpo__study_trials_snapshot(study, HPO_STATES(HPO_TRIAL_COMPLETE), &done, &n));
    rc = hpo__space_cache_update(&im->spaces, hpo__study_id(study), done, n, false);
    hpo__records_release(done, n);
    if (rc == HPO_OK)
        rc = hpo__space_cache_intersection(&im->spaces, &all);
    for (size_t i = 0; rc == HPO_OK && i < all.n; i++)
        if (all.dists[i]->kind != HPO_DIST_CATEGORICAL) /* categoricals: independent */
            rc = hpo__space_add(out, all.names[i], all.dists[i]);
    hpo__space_clear(&all);
    return rc;
}

static uint64_t name_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* A RandomSampler draw from (seed, trial number, name): a resumed study draws the same. */
static int cma_sample_independent(hpo_sampler *s, hpo_study *study, const hpo__record *trial,
        const char *name, const hpo_distribution *dist, double *out)
{
    cma_impl *im = s->impl;
    hpo_rng rng;
    HPO_TRY(check_single_objective(study));
    hpo__rng_seed(&rng, im->opts.seed ^ name_hash(name) ^ ((uint64_t)trial->number * SALT_INDEP));
    *out = hpo__random_sample(&rng, dist);
    return HPO_OK;
}

static void cma_destroy(hpo_sampler *s)
{
    cma_impl *im = s->impl;
    if (im == NULL)
        return;
    replay_free(&im->rp);
    hpo__space_cache_free(&im->spaces);
    hpo__free(im);
    s->impl = NULL;
}

static const hpo__sampler_ops cma_ops = {
        .version = HPO__SAMPLER_OPS_VERSION,
        .name = "CmaEsSampler",
        .infer_relative_space = cma_infer_relative_space,
        .sample_relative = cma_sample_relative,
        .sample_independent = cma_sample_independent,
        .before_trial = NULL,
        .after_trial = NULL,
        .destroy = cma_destroy,
};

int hpo_sampler_cmaes_new(hpo_sampler **out, const hpo_cmaes_options *opts)
{
    hpo_cmaes_options defaults = HPO_CMAES_OPTIONS_INIT;
    cma_impl *im;
    if (out == NULL)
        return hpo__error_set(HPO_EMISUSE, "hpo_sampler_cmaes_new: out is NULL");
    *out = NULL;
    if (opts == NULL)
        opts = &defaults;
    HPO_TRY(check_options(opts));
    im = hpo__calloc(1, sizeof(*im));
    if (im == NULL)
        return hpo__error_set(HPO_ENOMEM, "cmaes: out of memory");
    im->opts = *opts;
    im->rp.study_id = -1;
    hpo__space_cache_init(&im->spaces);
    return hpo__sampler_new(out, &cma_ops, im);
}
