/*
 * tpe.c - the Tree-structured Parzen Estimator sampler, following Optuna 5.0's
 * TPESampler (reference/optuna.md §3): random sampling for the first
 * n_startup_trials, then, per search space, split the trials into good
 * ("below") and the rest ("above"), fit a Parzen estimator to each, draw
 * candidates from the good one and keep the one maximising log l - log g.
 *
 * Relative (multivariate) sampling covers the intersection search space;
 * parameters outside it are sampled one at a time. With the constant liar,
 * RUNNING trials count as bad observations, their coordinates taken from the
 * `tpe:relative_params:<i>` attrs other workers wrote, so parallel workers do
 * not pile onto one point. Options follow the libgit2 versioned-struct pattern.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/distribution.h"
#include "core/error.h"
#include "core/json.h"
#include "samplers/parzen.h"
#include "samplers/tpe_internal.h"
#include "study.h"

#define RELATIVE_PARAMS_KEY "tpe:relative_params:"
#define RELATIVE_CHUNK      2045 /* Optuna's chunk size for system attrs */

typedef struct tpe_impl {
    hpo_tpe_options opts;
    bool compat49;
    bool constant_liar;
    hpo_rng rng;        /* candidates */
    hpo_rng rng_random; /* the startup phase's random sampling */
    hpo__space_cache spaces;
    hpo__tpe_hist hist; /* the finished trials' values and sort orders */
    bool no_hist;       /* tests: read every trial afresh, sort every dimension */
    /* memory kept between trials (the sampler's calls are serialised) */
    hpo__parzen pl, pg; /* l and g, rebuilt in place */
    double *obs_mem;    /* below and above rows, then their weights */
    size_t cap_obs;
} tpe_impl;

/* ==== defaults and options ================================================ */

size_t hpo_tpe_default_gamma(size_t n)
{
    size_t g = (n + 9) / 10; /* ceil(0.1 n) without floating point */
    return g < 25 ? g : 25;
}

void hpo_tpe_default_weights(size_t n, double *out)
{
    if (out == NULL || n == 0)
        return;
    if (n < 25) {
        for (size_t i = 0; i < n; i++)
            out[i] = 1.0;
        return;
    }
    /* linspace(1/n, 1, n - 25) ramp for the oldest, then 25 ones. */
    size_t ramp = n - 25;
    double start = 1.0 / (double)n;
    double step = ramp > 1 ? (1.0 - start) / (double)(ramp - 1) : 0.0;
    for (size_t i = 0; i < ramp; i++)
        out[i] = start + (double)i * step;
    if (ramp > 1)
        out[ramp - 1] = 1.0;
    for (size_t i = ramp; i < n; i++)
        out[i] = 1.0;
}

int hpo_tpe_options_init(hpo_tpe_options *opts, unsigned int version)
{
    static const hpo_tpe_options defaults = HPO_TPE_OPTIONS_INIT;
    if (opts == NULL)
        return hpo__error_set(HPO_EMISUSE, "hpo_tpe_options_init: opts is NULL");
    if (version == 0 || version > HPO_TPE_OPTIONS_VERSION)
        return hpo__error_set(HPO_EVERSION,
                "hpo_tpe_options version %u is not supported (this library knows 1..%d)",
                version, HPO_TPE_OPTIONS_VERSION);
    *opts = defaults;
    opts->version = version;
    return HPO_OK;
}

static int check_options(const hpo_tpe_options *o)
{
    if (o->version == 0 || o->version > HPO_TPE_OPTIONS_VERSION)
        return hpo__error_set(HPO_EVERSION,
                "hpo_tpe_options version %u is not supported (this library knows 1..%d)",
                o->version, HPO_TPE_OPTIONS_VERSION);
    if (o->n_ei_candidates < 1)
        return hpo__error_set(HPO_EINVAL, "TPE: n_ei_candidates (%zu) must be >= 1",
                o->n_ei_candidates);
    if (!(o->prior_weight > 0.0) || !isfinite(o->prior_weight))
        return hpo__error_set(HPO_EINVAL, "TPE: prior_weight (%g) must be finite and > 0",
                o->prior_weight);
    if (o->multivariate < -1 || o->multivariate > 1)
        return hpo__error_set(HPO_EINVAL, "TPE: multivariate (%d) must be -1, 0 or 1",
                o->multivariate);
    if (o->constant_liar < -1 || o->constant_liar > 1)
        return hpo__error_set(HPO_EINVAL, "TPE: constant_liar (%d) must be -1, 0 or 1",
                o->constant_liar);
    if (o->compat != HPO_TPE_COMPAT_5_0 && o->compat != HPO_TPE_COMPAT_4_9)
        return hpo__error_set(HPO_EINVAL, "TPE: compat (%d) is not a known release",
                (int)o->compat);
    if (o->group && o->multivariate == 0)
        return hpo__error_set(HPO_EINVAL,
                "TPE: group (true) needs multivariate sampling, but multivariate is 0");
    return HPO_OK;
}

/* Whether this study gets joint sampling: -1 resolves from compat and objectives. */
static bool multivariate_for(const tpe_impl *t, const hpo_study *study)
{
    if (t->opts.multivariate >= 0)
        return t->opts.multivariate == 1;
    if (t->opts.group)
        return true;
    if (t->compat49)
        return false;
    return hpo_study_n_objectives(study) <= 1;
}

static size_t gamma_of(const tpe_impl *t, size_t n, bool multi_objective)
{
    if (t->opts.gamma != NULL)
        return t->opts.gamma(n, t->opts.fn_payload);
    if (multi_objective && !t->compat49)
        return (n + 9) / 10; /* 5.0 drops the cap of 25 for multi-objective */
    return hpo_tpe_default_gamma(n);
}

static void weights_of(const tpe_impl *t, size_t n, double *out)
{
    if (t->opts.weights != NULL)
        t->opts.weights(n, out, t->opts.fn_payload);
    else
        hpo_tpe_default_weights(n, out);
}

/* ==== observations ======================================================== */

/* JSON value -> internal value of dist; false when it does not fit. */
static bool json_to_internal(const hpo_distribution *d, const json_t *j, double *out)
{
    hpo_value v;
    if (d->kind != HPO_DIST_CATEGORICAL)
        return hpo__json_number(j, out) && hpo__dist_contains(d, *out);
    if (json_is_null(j))
        v = hpo_value_null();
    else if (json_is_boolean(j))
        v = hpo_value_bool(json_is_true(j));
    else if (json_is_integer(j))
        v = hpo_value_int((int64_t)json_integer_value(j));
    else if (json_is_real(j))
        v = hpo_value_float(json_real_value(j));
    else if (json_is_string(j))
        v = hpo_value_string(json_string_value(j));
    else
        return false;
    return hpo__dist_to_internal(d, &v, out) == HPO_OK;
}

json_t *hpo__tpe_relative_params(const hpo__record *r)
{
    hpo_buf text;
    char key[64];
    json_t *obj = NULL;
    hpo__buf_init(&text, 0);
    for (size_t i = 0;; i++) {
        const char *chunk_json;
        json_t *chunk = NULL;
        snprintf(key, sizeof(key), RELATIVE_PARAMS_KEY "%zu", i);
        chunk_json = hpo__attrs_get(&r->system_attrs, key);
        if (chunk_json == NULL)
            break;
        if (hpo__json_parse(chunk_json, &chunk) != HPO_OK || !json_is_string(chunk)) {
            json_decref(chunk);
            goto done;
        }
        hpo__buf_append(&text, json_string_value(chunk), json_string_length(chunk));
        json_decref(chunk);
    }
    if (text.len > 0 && hpo__buf_status(&text) == HPO_OK &&
            hpo__json_parse(text.data, &obj) == HPO_OK && !json_is_object(obj)) {
        json_decref(obj);
        obj = NULL;
    }
done:
    hpo__buf_free(&text);
    hpo_clear_error(); /* a foreign attr we cannot read is not this call's failure */
    return obj;
}

/* Find name in r, trying *hint first (trials usually suggest in one order). */
static long find_param(const hpo__record *r, const char *name, size_t *hint)
{
    if (*hint < r->n_params && strcmp(r->params[*hint].name, name) == 0)
        return (long)*hint;
    long j = hpo__record_find_param(r, name);
    if (j >= 0)
        *hint = (size_t)j;
    return j;
}

typedef struct space_view {
    const char *const *names;
    const hpo_distribution *const *dists;
    size_t n;
} space_view;

/*
 * One observation row: the trial's internal values for every name in sv, in
 * the current distribution's terms; false when the trial lacks a name.
 */
static bool observation_row(const hpo__record *r, const space_view *sv, const json_t *liar,
        size_t *hints, double *row)
{
    for (size_t d = 0; d < sv->n; d++) {
        long j = find_param(r, sv->names[d], &hints[d]);
        if (j >= 0) {
            const hpo__param *p = &r->params[j];
            row[d] = p->internal;
            if (sv->dists[d]->kind == HPO_DIST_CATEGORICAL &&
                    !hpo__dist_equal(p->dist, sv->dists[d])) {
                hpo_value ext;
                if (hpo__dist_to_external(p->dist, p->internal, &ext) != HPO_OK ||
                        hpo__dist_to_internal(sv->dists[d], &ext, &row[d]) != HPO_OK)
                    return false;
            }
            continue;
        }
        if (liar == NULL)
            return false;
        const json_t *v = json_object_get(liar, sv->names[d]);
        if (v == NULL || !json_to_internal(sv->dists[d], v, &row[d]))
            return false;
    }
    return true;
}

/* ==== the core: _sample(search_space) ====================================== */

typedef struct obs_set {
    double *x; /* rows of n_dims */
    size_t n;
    double *w;
} obs_set;

static int fit(const tpe_impl *t, const space_view *sv, obs_set *o, bool uniform_weights,
        bool multivariate, const uint32_t *const *orders, const double *const *mus,
        hpo__parzen *pe)
{
    hpo__parzen_opts po = {t->opts.prior_weight, t->opts.consider_magic_clip,
            t->opts.consider_endpoints, t->compat49 && multivariate};
    if (uniform_weights) {
        for (size_t i = 0; i < o->n; i++)
            o->w[i] = 1.0;
    } else {
        weights_of(t, o->n, o->w);
    }
    return hpo__parzen_build_ordered(pe, sv->dists, sv->n, o->x, o->n, o->w, &po, orders, mus);
}

typedef struct sample_ctx {
    hpo__record **trials; /* the study's trials for this sample, current one removed */
    size_t n;
    long *slot_of;        /* per trial: its slot in the history cache, -1 if none */
    long *obs_of;         /* per trial: its row in its obs_set, -1 if it has none */
    unsigned char *below;
    size_t *hints;
    double *cand;
    double *ll, *lg;
} sample_ctx;

static void ctx_free(sample_ctx *c)
{
    hpo__records_release(c->trials, c->n);
    hpo__free(c->slot_of);
    hpo__free(c->obs_of);
    hpo__free(c->below);
    hpo__free(c->hints);
    hpo__free(c->cand);
    hpo__free(c->ll);
    hpo__free(c->lg);
}

/* Fetch the trials _sample looks at (§3.3 step 1), minus the current trial. */
static int load_trials(hpo_study *study, const hpo__record *current, bool liar, sample_ctx *c)
{
    unsigned int mask = HPO_STATES(HPO_TRIAL_COMPLETE) | HPO_STATES(HPO_TRIAL_PRUNED);
    size_t k = 0;
    if (liar)
        mask |= HPO_STATES(HPO_TRIAL_RUNNING);
    HPO_TRY(hpo__study_trials_snapshot(study, mask, &c->trials, &c->n));
    for (size_t i = 0; i < c->n; i++) {
        if (current != NULL && c->trials[i]->number == current->number)
            hpo__record_unref(c->trials[i]);
        else
            c->trials[k++] = c->trials[i];
    }
    c->n = k;
    return HPO_OK;
}

/*
 * Sort observations into below/above (§3.3 step 7). Finished trials read their
 * row from the history cache; RUNNING ones (constant liar) are decoded here.
 */
static int gather(tpe_impl *t, sample_ctx *c, const space_view *sv, bool mv,
        const hpo__tpe_col **cols, obs_set *below, obs_set *above)
{
    for (size_t d = 0; d < sv->n; d++)
        HPO_TRY(hpo__tpe_hist_column(&t->hist, sv->names[d], sv->dists[d], &cols[d]));
    for (size_t i = 0; i < c->n; i++) {
        const hpo__record *r = c->trials[i];
        obs_set *o = c->below[i] ? below : above;
        double *row = o->x + o->n * sv->n;
        bool ok = true;
        c->obs_of[i] = -1;
        if (c->slot_of[i] >= 0) {
            size_t slot = (size_t)c->slot_of[i];
            for (size_t d = 0; ok && d < sv->n; d++) {
                row[d] = cols[d]->val[slot];
                ok = !isnan(row[d]);
            }
        } else {
            json_t *liar = NULL;
            if (r->state == HPO_TRIAL_RUNNING && mv && t->constant_liar)
                liar = hpo__tpe_relative_params(r);
            ok = observation_row(r, sv, liar, c->hints, row);
            json_decref(liar);
        }
        if (ok)
            c->obs_of[i] = (long)o->n++;
    }
    return HPO_OK;
}

/*
 * The sort order of each numerical dimension of one obs_set (the trials with
 * below[i] == which), from the cached orders: the set's cached rows in cached
 * order, merged with its uncached (RUNNING) rows by (value, row). That is the
 * estimator's own stable sort, which it then skips. A dimension whose order
 * cannot be had this way gets NULL (the estimator sorts it).
 */
static int set_orders(const tpe_impl *t, const sample_ctx *c, const space_view *sv,
        const hpo__tpe_col *const *cols, unsigned char which, const obs_set *o,
        const uint32_t **orders, const double **mus, uint32_t **mem_out, double **mus_out)
{
    size_t n_slots = t->hist.n_slots, n_run = 0, n_num = 0;
    long *pos;
    uint32_t *run, *mem;
    for (size_t d = 0; d < sv->n; d++) {
        orders[d] = NULL;
        mus[d] = NULL;
        n_num += cols[d]->numeric && cols[d]->log;
    }
    *mem_out = NULL;
    *mus_out = NULL;
    /* log dims: the cached ln values, so the estimator takes no log per row */
    if (o->n >= 64 && n_num > 0) {
        double *mu = hpo__reallocarray(NULL, n_num * o->n + 1, sizeof(double));
        if (mu == NULL)
            return hpo__error_set(HPO_ENOMEM, "TPE: out of memory for %zu observations", o->n);
        *mus_out = mu;
        for (size_t d = 0; d < sv->n; d++) {
            if (!cols[d]->numeric || !cols[d]->log)
                continue;
            for (size_t i = 0; i < c->n; i++) {
                long p = c->obs_of[i];
                if (c->below[i] != which || p < 0)
                    continue;
                mu[p] = c->slot_of[i] >= 0 ? cols[d]->mu[c->slot_of[i]]
                                           : log(o->x[(size_t)p * sv->n + d]);
            }
            mus[d] = mu;
            mu += o->n;
        }
    }
    n_num = 0;
    for (size_t d = 0; d < sv->n; d++)
        n_num += cols[d]->numeric;
    if (o->n < 64 || n_num == 0)
        return HPO_OK; /* sorting a small set costs less than filtering */
    mem = hpo__reallocarray(NULL, (n_num + 1) * o->n + 1, sizeof(uint32_t));
    pos = hpo__reallocarray(NULL, n_slots + 1, sizeof(long));
    if (mem == NULL || pos == NULL) {
        hpo__free(mem);
        hpo__free(pos);
        return hpo__error_set(HPO_ENOMEM, "TPE: out of memory for %zu observations", o->n);
    }
    run = mem + n_num * o->n;
    for (size_t s = 0; s < n_slots; s++)
        pos[s] = -1;
    for (size_t i = 0; i < c->n; i++) {
        if (c->below[i] != which || c->obs_of[i] < 0)
            continue;
        if (c->slot_of[i] >= 0)
            pos[c->slot_of[i]] = c->obs_of[i];
        else
            run[n_run++] = (uint32_t)c->obs_of[i];
    }
    uint32_t *ord = mem;
    for (size_t d = 0; d < sv->n; d++) {
        const hpo__tpe_col *col = cols[d];
        size_t k = 0, r = 0;
        if (!col->numeric)
            continue;
        /* uncached rows by (value, row): a few RUNNING trials, insertion sort */
        for (size_t a = 1; a < n_run; a++) {
            uint32_t v = run[a];
            double mv = o->x[v * sv->n + d];
            size_t b = a;
            mv = col->log ? log(mv) : mv;
            while (b > 0) {
                double mb = o->x[run[b - 1] * sv->n + d];
                mb = col->log ? log(mb) : mb;
                if (!(mv < mb || (mv == mb && v < run[b - 1])))
                    break;
                run[b] = run[b - 1];
                b--;
            }
            run[b] = v;
        }
        for (size_t j = 0; j < col->n_order; j++) {
            uint32_t s = col->order[j];
            if (pos[s] < 0)
                continue;
            while (r < n_run) {
                double mr = o->x[run[r] * sv->n + d];
                mr = col->log ? log(mr) : mr;
                if (!(mr < col->mu[s] || (mr == col->mu[s] && run[r] < (uint32_t)pos[s])))
                    break;
                ord[k++] = run[r++];
            }
            ord[k++] = (uint32_t)pos[s];
        }
        while (r < n_run)
            ord[k++] = run[r++];
        if (k == o->n)
            orders[d] = ord;
        ord += o->n;
    }
    hpo__free(pos);
    *mem_out = mem;
    return HPO_OK;
}

/* The below/above split, with cached constraint violations where there are. */
static int split(tpe_impl *t, sample_ctx *c, const hpo_direction *dirs, size_t n_obj,
        size_t n_below)
{
    double *viol = t->no_hist ? NULL : hpo__reallocarray(NULL, c->n + 1, sizeof(double));
    int rc;
    for (size_t i = 0; viol != NULL && i < c->n; i++) {
        double v;
        if (c->slot_of[i] >= 0)
            viol[i] = t->hist.viol[c->slot_of[i]];
        else
            viol[i] = hpo__trial_violation(c->trials[i], &v) ? v : (double)NAN;
    }
    /* without the array (no memory, or tests), the split reads the attrs itself */
    rc = hpo__tpe_split_v(c->trials, c->n, dirs, n_obj, n_below, viol, c->below);
    hpo__free(viol);
    return rc;
}

static int tpe_sample(tpe_impl *t, hpo_study *study, const hpo__record *current,
        const space_view *sv, double *out)
{
    sample_ctx c = {0};
    obs_set below = {0}, above = {0};
    const hpo__tpe_col **cols = NULL;
    const uint32_t **ord_below = NULL, **ord_above = NULL;
    uint32_t *ord_mem_below = NULL, *ord_mem_above = NULL;
    const double **mus_below = NULL, **mus_above = NULL;
    double *mus_mem_below = NULL, *mus_mem_above = NULL;
    hpo__parzen *l = &t->pl, *g = &t->pg;
    size_t n_obj = hpo_study_n_objectives(study), n_done = 0, ncand = t->opts.n_ei_candidates;
    hpo_direction dirs_small[4], *dirs = dirs_small;
    bool mv = multivariate_for(t, study);
    int rc;

    if (n_obj == 0)
        n_obj = 1;
    if (n_obj > 4 && (dirs = hpo__malloc(n_obj * sizeof(*dirs))) == NULL)
        return hpo__error_set(HPO_ENOMEM, "TPE: out of memory");
    for (size_t j = 0; j < n_obj; j++)
        dirs[j] = hpo_study_direction(study, j);
    rc = load_trials(study, current, t->constant_liar, &c);
    if (rc != HPO_OK)
        goto out;
    for (size_t i = 0; i < c.n; i++)
        n_done += c.trials[i]->state != HPO_TRIAL_RUNNING;
    c.below = hpo__malloc(c.n + 1);
    c.slot_of = hpo__reallocarray(NULL, c.n + 1, sizeof(long));
    c.obs_of = hpo__reallocarray(NULL, c.n + 1, sizeof(long));
    cols = hpo__calloc(sv->n + 1, sizeof(*cols));
    ord_below = hpo__calloc(sv->n + 1, sizeof(*ord_below));
    ord_above = hpo__calloc(sv->n + 1, sizeof(*ord_above));
    mus_below = hpo__calloc(sv->n + 1, sizeof(*mus_below));
    mus_above = hpo__calloc(sv->n + 1, sizeof(*mus_above));
    c.hints = hpo__calloc(sv->n + 1, sizeof(size_t));
    c.cand = hpo__malloc((ncand * sv->n + 1) * sizeof(double));
    c.ll = hpo__malloc(ncand * sizeof(double));
    c.lg = hpo__malloc(ncand * sizeof(double));
    size_t need = 2 * (c.n * sv->n + 1) + 2 * (c.n + 1);
    if (need > t->cap_obs) {
        double *mem = hpo__reallocarray(t->obs_mem, need + need / 2, sizeof(double));
        if (mem != NULL) {
            t->obs_mem = mem;
            t->cap_obs = need + need / 2;
        }
    }
    if (t->cap_obs >= need) {
        below.x = t->obs_mem;
        above.x = below.x + c.n * sv->n + 1;
        below.w = above.x + c.n * sv->n + 1;
        above.w = below.w + c.n + 1;
    }
    if (!c.below || !c.hints || !c.cand || !c.ll || !c.lg || !below.x || !above.x || !below.w ||
            !above.w || !c.slot_of || !c.obs_of || !cols || !ord_below || !ord_above || !mus_below ||
            !mus_above) {
        rc = hpo__error_set(HPO_ENOMEM, "TPE: out of memory for %zu trials", c.n);
        goto out;
    }
    if (t->no_hist) {
        for (size_t i = 0; i < c.n; i++)
            c.slot_of[i] = -1;
    } else {
        rc = hpo__tpe_hist_sync(&t->hist, hpo__study_id(study), c.trials, c.n, c.slot_of);
    }
    if (rc == HPO_OK)
        rc = split(t, &c, dirs, n_obj, gamma_of(t, n_done, n_obj > 1));
    if (rc == HPO_OK)
        rc = gather(t, &c, sv, mv, cols, &below, &above);
    if (rc == HPO_OK && !t->no_hist)
        rc = set_orders(t, &c, sv, cols, 1, &below, ord_below, mus_below, &ord_mem_below,
                &mus_mem_below);
    if (rc == HPO_OK && !t->no_hist)
        rc = set_orders(t, &c, sv, cols, 0, &above, ord_above, mus_above, &ord_mem_above,
                &mus_mem_above);
    if (rc == HPO_OK)
        rc = fit(t, sv, &below, n_obj > 1, mv, (const uint32_t *const *)ord_below,
                (const double *const *)mus_below, l);
    if (rc == HPO_OK)
        rc = fit(t, sv, &above, false, mv, (const uint32_t *const *)ord_above,
                (const double *const *)mus_above, g);
    if (rc == HPO_OK)
        rc = hpo__parzen_sample(l, &t->rng, ncand, c.cand);
    if (rc == HPO_OK)
        rc = hpo__parzen_log_pdf(l, c.cand, ncand, c.ll);
    if (rc == HPO_OK)
        rc = hpo__parzen_log_pdf(g, c.cand, ncand, c.lg);
    if (rc != HPO_OK)
        goto out;
    size_t best = 0;
    double best_acq = c.ll[0] - c.lg[0];
    for (size_t k = 1; k < ncand; k++) {
        double acq = c.ll[k] - c.lg[k];
        /* argmax, first on ties; a NaN score never wins */
        if (acq > best_acq || (isnan(best_acq) && !isnan(acq))) {
            best_acq = acq;
            best = k;
        }
    }
    memcpy(out, c.cand + best * sv->n, sv->n * sizeof(double));
out:
    hpo__free(cols);
    hpo__free(ord_below);
    hpo__free(ord_above);
    hpo__free(ord_mem_below);
    hpo__free(ord_mem_above);
    hpo__free(mus_below);
    hpo__free(mus_above);
    hpo__free(mus_mem_below);
    hpo__free(mus_mem_above);
    ctx_free(&c);
    if (dirs != dirs_small)
        hpo__free(dirs);
    return rc;
}

/* ==== constant liar: publishing the relative sample ======================= */

static int write_relative_params(hpo_study *study, const hpo__record *trial,
        const hpo__space *space, const double *values)
{
    hpo_buf inner, outer;
    int rc = HPO_OK;
    bool first = true;
    hpo__buf_init(&inner, 0);
    hpo__buf_init(&outer, 0);
    hpo__buf_putc(&inner, '{');
    for (size_t i = 0; i < space->n; i++) {
        hpo_value ext;
        if (isnan(values[i]))
            continue;
        if (hpo__dist_to_external(space->dists[i], values[i], &ext) != HPO_OK) {
            rc = HPO_EINVAL;
            goto out;
        }
        if (!first)
            hpo__buf_puts(&inner, ", ");
        first = false;
        hpo__json_put_string(&inner, space->names[i]);
        hpo__buf_puts(&inner, ": ");
        hpo__json_put_value(&inner, &ext);
    }
    hpo__buf_putc(&inner, '}');
    rc = hpo__buf_status(&inner);
    /* Chunks of the (ASCII) text, each stored as a JSON string. */
    for (size_t off = 0, i = 0; rc == HPO_OK && off < inner.len; off += RELATIVE_CHUNK, i++) {
        char key[64], *chunk;
        size_t len = inner.len - off < RELATIVE_CHUNK ? inner.len - off : RELATIVE_CHUNK;
        chunk = hpo__strndup(inner.data + off, len);
        if (chunk == NULL) {
            rc = hpo__error_set(HPO_ENOMEM, "TPE: out of memory writing relative params");
            break;
        }
        hpo__buf_reset(&outer);
        hpo__json_put_string(&outer, chunk);
        hpo__free(chunk);
        rc = hpo__buf_status(&outer);
        snprintf(key, sizeof(key), RELATIVE_PARAMS_KEY "%zu", i);
        if (rc == HPO_OK)
            rc = hpo__study_set_trial_system_attr(study, trial->id, key, outer.data);
    }
out:
    hpo__buf_free(&inner);
    hpo__buf_free(&outer);
    return rc;
}

/* ==== sampler ops ========================================================= */

static int count_finished(hpo_study *study, hpo__space_cache *cache, bool update, bool groups,
        size_t *n_out)
{
    hpo__record **trials = NULL;
    size_t n = 0;
    int rc = hpo__study_trials_snapshot(study,
            HPO_STATES(HPO_TRIAL_COMPLETE) | HPO_STATES(HPO_TRIAL_PRUNED), &trials, &n);
    if (rc == HPO_OK && update)
        rc = hpo__space_cache_update(cache, hpo__study_id(study), trials, n, groups);
    hpo__records_release(trials, n);
    *n_out = n;
    return rc;
}

static int tpe_infer_relative_space(hpo_sampler *s, hpo_study *study, const hpo__record *trial,
        hpo__space *out)
{
    tpe_impl *t = s->impl;
    size_t n_finished;
    (void)trial;
    if (!multivariate_for(t, study))
        return HPO_OK;
    HPO_TRY(count_finished(study, &t->spaces, true, t->opts.group, &n_finished));
    if (!t->opts.group)
        return hpo__space_cache_intersection(&t->spaces, out);
    for (size_t g = 0; g < t->spaces.n_groups; g++) {
        const hpo__space *grp = &t->spaces.groups[g];
        size_t first = out->n;
        for (size_t i = 0; i < grp->n; i++)
            if (!hpo__dist_single(grp->dists[i]))
                HPO_TRY(hpo__space_add(out, grp->names[i], grp->dists[i]));
        hpo__space tail = {out->names + first, out->dists + first, out->n - first};
        hpo__space_sort(&tail);
    }
    return HPO_OK;
}

/* Sample the entries of space listed in idx[0..k) jointly into out. */
static int sample_subspace(tpe_impl *t, hpo_study *study, const hpo__record *trial,
        const hpo__space *space, const size_t *idx, size_t k, double *out)
{
    const char **names = hpo__malloc((k + 1) * sizeof(*names));
    const hpo_distribution **dists = hpo__malloc((k + 1) * sizeof(*dists));
    double *vals = hpo__malloc((k + 1) * sizeof(double));
    int rc = HPO_OK;
    if (names == NULL || dists == NULL || vals == NULL) {
        rc = hpo__error_set(HPO_ENOMEM, "TPE: out of memory");
        goto out;
    }
    for (size_t i = 0; i < k; i++) {
        names[i] = space->names[idx[i]];
        dists[i] = space->dists[idx[i]];
    }
    space_view sv = {names, dists, k};
    rc = tpe_sample(t, study, trial, &sv, vals);
    for (size_t i = 0; rc == HPO_OK && i < k; i++)
        out[idx[i]] = vals[i];
out:
    hpo__free(names);
    hpo__free(dists);
    hpo__free(vals);
    return rc;
}

static int tpe_sample_relative(hpo_sampler *s, hpo_study *study, const hpo__record *trial,
        const hpo__space *space, double *out)
{
    tpe_impl *t = s->impl;
    size_t n_finished, *idx = NULL, k;
    int rc;
    for (size_t i = 0; i < space->n; i++)
        out[i] = NAN;
    if (space->n == 0)
        return HPO_OK;
    HPO_TRY(count_finished(study, &t->spaces, false, false, &n_finished));
    if (n_finished < t->opts.n_startup_trials)
        return HPO_OK; /* startup: every parameter goes to sample_independent */
    idx = hpo__malloc(space->n * sizeof(size_t));
    if (idx == NULL)
        return hpo__error_set(HPO_ENOMEM, "TPE: out of memory");
    if (!t->opts.group) {
        for (k = 0; k < space->n; k++)
            idx[k] = k;
        rc = sample_subspace(t, study, trial, space, idx, k, out);
    } else {
        rc = HPO_OK;
        for (size_t g = 0; rc == HPO_OK && g < t->spaces.n_groups; g++) {
            const hpo__space *grp = &t->spaces.groups[g];
            k = 0;
            /* space lists each group's names sorted, so this keeps that order */
            for (size_t i = 0; i < space->n; i++)
                if (hpo__space_find(grp, space->names[i]) >= 0)
                    idx[k++] = (size_t)i;
            if (k > 0)
                rc = sample_subspace(t, study, trial, space, idx, k, out);
        }
    }
    hpo__free(idx);
    if (rc == HPO_OK && t->constant_liar)
        rc = write_relative_params(study, trial, space, out);
    return rc;
}

static int tpe_sample_independent(hpo_sampler *s, hpo_study *study, const hpo__record *trial,
        const char *name, const hpo_distribution *dist, double *out)
{
    tpe_impl *t = s->impl;
    size_t n_finished;
    HPO_TRY(count_finished(study, &t->spaces, false, false, &n_finished));
    if (n_finished < t->opts.n_startup_trials) {
        *out = hpo__random_sample(&t->rng_random, dist);
        return HPO_OK;
    }
    const char *names[1] = {name};
    const hpo_distribution *dists[1] = {dist};
    space_view sv = {names, dists, 1};
    return tpe_sample(t, study, trial, &sv, out);
}

static void tpe_destroy(hpo_sampler *s)
{
    tpe_impl *t = s->impl;
    if (t == NULL)
        return;
    hpo__space_cache_free(&t->spaces);
    hpo__tpe_hist_free(&t->hist);
    hpo__parzen_free(&t->pl);
    hpo__parzen_free(&t->pg);
    hpo__free(t->obs_mem);
    hpo__free(t);
    s->impl = NULL;
}

void hpo__tpe_disable_history(hpo_sampler *s)
{
    ((tpe_impl *)s->impl)->no_hist = true;
}

static const hpo__sampler_ops tpe_ops = {
        .version = HPO__SAMPLER_OPS_VERSION,
        .name = "TPESampler",
        .infer_relative_space = tpe_infer_relative_space,
        .sample_relative = tpe_sample_relative,
        .sample_independent = tpe_sample_independent,
        .before_trial = NULL,
        .after_trial = NULL,
        .destroy = tpe_destroy,
};

int hpo_sampler_tpe_new(hpo_sampler **out, const hpo_tpe_options *opts)
{
    hpo_tpe_options defaults = HPO_TPE_OPTIONS_INIT;
    tpe_impl *t;
    hpo_rng seeder;
    if (out == NULL)
        return hpo__error_set(HPO_EMISUSE, "hpo_sampler_tpe_new: out is NULL");
    *out = NULL;
    if (opts == NULL)
        opts = &defaults;
    HPO_TRY(check_options(opts));
    t = hpo__calloc(1, sizeof(*t));
    if (t == NULL)
        return hpo__error_set(HPO_ENOMEM, "TPE: out of memory");
    t->opts = *opts;
    t->compat49 = opts->compat == HPO_TPE_COMPAT_4_9;
    t->constant_liar = opts->constant_liar < 0 ? !t->compat49 : opts->constant_liar == 1;
    /* Two independent streams from one seed, as Optuna seeds two RandomStates. */
    hpo__rng_seed(&t->rng, opts->seed);
    hpo__rng_seed(&seeder, ~opts->seed);
    hpo__rng_seed(&t->rng_random, hpo__rng_u64(&seeder));
    hpo__space_cache_init(&t->spaces);
    hpo__tpe_hist_init(&t->hist);
    return hpo__sampler_new(out, &tpe_ops, t);
}
