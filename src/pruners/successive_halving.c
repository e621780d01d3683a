/*
 * successive_halving.c - asynchronous successive halving (Optuna's
 * SuccessiveHalvingPruner, reference optuna.md section 5).
 *
 * Rung k of a trial ends at step min_resource * rf^(min_early_stopping_rate + k).
 * When a trial's last step has passed a rung, its latest intermediate value is
 * written to the trial's system attribute completed_rung_<k>, and the trial
 * goes on only if that value ranks in the top 1/rf of every stored value for the
 * rung. All state lives in storage, so any worker decides the same way; the one
 * exception is "auto" min_resource, resolved once per pruner as Optuna does.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/json.h"
#include "pruners/pruner.h"
#include "pruners/sha.h"
#include "study.h"

#define RUNG_KEY_FMT "completed_rung_%lld"

/*=========================== The pure decision ===========================*/

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;
    return (x > y) - (x < y);
}

bool hpo__sha_promotable(
        double value, double *competing, size_t n, int64_t reduction_factor, hpo_direction dir)
{
    size_t idx = n / (size_t)reduction_factor;

    /* Trials cannot be paused and resumed, so while a rung holds fewer than rf
     * values the best one so far is promoted (Optuna's promotable_idx 0). */
    idx = idx > 0 ? idx - 1 : 0;
    qsort(competing, n, sizeof(*competing), cmp_double);
    if (dir == HPO_MAXIMIZE)
        return value >= competing[n - 1 - idx];
    return value <= competing[idx];
}

bool hpo__sha_rung_step(const hpo__sha *sha, int64_t rung, int64_t *step_out)
{
    int64_t step = sha->min_resource;

    /* Python's integers do not overflow; a rung past INT64_MAX is never reached. */
    for (int64_t i = 0; i < sha->min_early_stopping_rate + rung; i++) {
        if (__builtin_mul_overflow(step, sha->reduction_factor, &step))
            return false;
    }
    *step_out = step;
    return true;
}

/*=========================== Reading the study ===========================*/

static void rung_key(int64_t rung, char *out, size_t n)
{
    snprintf(out, n, RUNG_KEY_FMT, (long long)rung);
}

/* The first rung k whose completed_rung_<k> attribute is absent. */
static int64_t current_rung(const hpo__attrs *attrs)
{
    char key[48];
    int64_t rung = 0;

    for (;;) {
        rung_key(rung, key, sizeof(key));
        if (hpo__attrs_get(attrs, key) == NULL)
            return rung;
        rung++;
    }
}

/* A rung attribute as a number; false when absent or not a number (nothing
 * but this pruner is expected to write these keys). */
static bool rung_value(const hpo__record *r, const char *key, double *out)
{
    const char *text = hpo__attrs_get(&r->system_attrs, key);
    json_t *j = NULL;
    bool ok;

    if (text == NULL || hpo__json_parse(text, &j) != HPO_OK)
        return false;
    ok = hpo__json_number(j, out) && !isnan(*out);
    json_decref(j);
    return ok;
}

static bool kept(hpo__sha_keep_fn keep, const void *ctx, const hpo__record *r)
{
    return keep == NULL || keep(ctx, r);
}

/* Optuna's _estimate_min_resource: the largest last step of a COMPLETE trial,
 * divided by 100, at least 1; 0 when no COMPLETE trial has reported yet. */
static int64_t
estimate_min_resource(hpo__record **recs, size_t n, hpo__sha_keep_fn keep, const void *ctx)
{
    int64_t best = -1, step;

    for (size_t i = 0; i < n; i++) {
        if (recs[i]->state == HPO_TRIAL_COMPLETE && kept(keep, ctx, recs[i]) &&
            hpo__record_last_step(recs[i], &step) && step > best)
            best = step;
    }
    if (best < 0)
        return 0;
    return best / 100 > 1 ? best / 100 : 1;
}

/* The stored version of trial (its system attributes are current), or trial. */
static const hpo__record *stored_self(hpo__record **recs, size_t n, const hpo__record *trial)
{
    for (size_t i = n; i > 0; i--) {
        if (recs[i - 1]->id == trial->id)
            return recs[i - 1];
    }
    return trial;
}

/*=========================== One prune call ===========================*/

typedef struct sha_call {
    hpo__sha *sha;
    hpo_study *study;
    const hpo__record *trial;
    hpo__sha_keep_fn keep;
    const void *ctx;
    hpo__record **recs; /* every stored trial, taken before this call writes */
    size_t n_recs;
    double *competing; /* n_recs + 1 slots */
} sha_call;

/* Record value at the rung and rank it among the rung's stored values. */
static int decide_rung(sha_call *c, int64_t rung, double value, bool *promoted)
{
    char key[48], json[40];
    size_t n = 0;

    rung_key(rung, key, sizeof(key));
    HPO_TRY(hpo__study_set_trial_system_attr(c->study, c->trial->id, key,
                                             hpo__double_repr(value, json)));
    /* The listing predates the write, so the trial's own value is added once. */
    for (size_t i = 0; i < c->n_recs; i++) {
        if (kept(c->keep, c->ctx, c->recs[i]) && rung_value(c->recs[i], key, &c->competing[n]))
            n++;
    }
    c->competing[n++] = value;
    if ((int64_t)n <= c->sha->bootstrap_count) {
        *promoted = false;
        return HPO_OK;
    }
    *promoted = hpo__sha_promotable(value, c->competing, n, c->sha->reduction_factor,
                                    hpo_study_direction(c->study, 0));
    return HPO_OK;
}

/* The rung loop, from the trial's current rung up to its last step. */
static int climb(sha_call *c, int64_t rung, int64_t step, double value, bool *out)
{
    int64_t rung_step;
    bool promoted;

    for (;; rung++) {
        if (!hpo__sha_rung_step(c->sha, rung, &rung_step) || step < rung_step)
            return HPO_OK;
        if (isnan(value)) {
            *out = true;
            return HPO_OK;
        }
        HPO_TRY(decide_rung(c, rung, value, &promoted));
        if (!promoted) {
            *out = true;
            return HPO_OK;
        }
    }
}

static int list_and_climb(sha_call *c, int64_t step, double value, bool *out)
{
    int64_t rung;
    int rc;

    HPO_TRY(hpo__study_trials(c->study, HPO_STATES_ALL, &c->recs, &c->n_recs));
    if (c->sha->min_resource == 0)
        c->sha->min_resource = estimate_min_resource(c->recs, c->n_recs, c->keep, c->ctx);
    if (c->sha->min_resource == 0) {
        rc = HPO_OK; /* nothing to size the rungs by yet */
        goto done;
    }
    c->competing = hpo__reallocarray(NULL, c->n_recs + 1, sizeof(*c->competing));
    if (c->competing == NULL) {
        rc = hpo__error_set(HPO_ENOMEM, "out of memory ranking %zu trials", c->n_recs + 1);
        goto done;
    }
    rung = current_rung(&stored_self(c->recs, c->n_recs, c->trial)->system_attrs);
    rc = climb(c, rung, step, value, out);
done:
    hpo__free(c->competing);
    hpo__records_release(c->recs, c->n_recs);
    return rc;
}

int hpo__sha_prune(hpo__sha *sha,
                   hpo_study *study,
                   const hpo__record *trial,
                   hpo__sha_keep_fn keep,
                   const void *ctx,
                   bool *out)
{
    sha_call c = {sha, study, trial, keep, ctx, NULL, 0, NULL};
    int64_t step, rung_step;
    long at;

    *out = false;
    if (!hpo__record_last_step(trial, &step))
        return HPO_OK;
    at = hpo__record_find_ivalue(trial, step);
    /* The handle's attributes can only lag storage's, so its rung is a lower
     * bound: a step short of that rung needs no study read at all. */
    if (sha->min_resource > 0 &&
        (!hpo__sha_rung_step(sha, current_rung(&trial->system_attrs), &rung_step) ||
         step < rung_step))
        return HPO_OK;
    return list_and_climb(&c, step, trial->ivalues[at].value, out);
}

/*=========================== The pruner ===========================*/

static int sha_prune(hpo_pruner *p, hpo_study *study, const hpo__record *trial, bool *out)
{
    int rc;

    *out = false;
    if (hpo_study_n_objectives(study) != 1) {
        return hpo__error_set(
                HPO_EUNSUPPORTED,
                "the successive halving pruner needs a single-objective study (this one has %zu)",
                hpo_study_n_objectives(study));
    }
    rc = hpo__sha_prune(p->impl, study, trial, NULL, NULL, out);
    return rc == HPO_OK ? rc : hpo__error_wrap(rc, "successive halving pruner");
}

static const hpo__pruner_ops sha_ops = {
        .version = HPO__PRUNER_OPS_VERSION,
        .name = "successive halving",
        .prune = sha_prune,
        .destroy = hpo__pruner_free_impl,
        .same_group = NULL,
};

/*=========================== Construction ===========================*/

static int check_version(unsigned int version)
{
    if (version == 0 || version > HPO_SUCCESSIVE_HALVING_OPTIONS_VERSION) {
        return hpo__error_set(HPO_EVERSION,
                              "hpo_successive_halving_options version %u is not supported "
                              "(this library knows 1..%d)",
                              version, HPO_SUCCESSIVE_HALVING_OPTIONS_VERSION);
    }
    return HPO_OK;
}

/* Fill *opts with the defaults of the given options version. */
int hpo_successive_halving_options_init(hpo_successive_halving_options *opts, unsigned int version)
{
    const hpo_successive_halving_options defaults = HPO_SUCCESSIVE_HALVING_OPTIONS_INIT;

    if (opts == NULL)
        return hpo__error_set(HPO_EINVAL, "hpo_successive_halving_options_init: opts is NULL");
    HPO_TRY(check_version(version));
    *opts = defaults;
    opts->version = version;
    return HPO_OK;
}

/* Optuna's constructor checks, each naming its field. */
static int make_rule(const hpo_successive_halving_options *o, hpo__sha *rule)
{
    if (o->min_resource < 0) {
        return hpo__error_set(HPO_EINVAL, "min_resource (%lld) must be >= 1, or 0 for \"auto\"",
                              (long long)o->min_resource);
    }
    if (o->reduction_factor < 2) {
        return hpo__error_set(HPO_EINVAL, "reduction_factor (%lld) must be >= 2",
                              (long long)o->reduction_factor);
    }
    if (o->min_early_stopping_rate < 0) {
        return hpo__error_set(HPO_EINVAL, "min_early_stopping_rate (%lld) must be >= 0",
                              (long long)o->min_early_stopping_rate);
    }
    if (o->bootstrap_count < 0) {
        return hpo__error_set(HPO_EINVAL, "bootstrap_count (%lld) must be >= 0",
                              (long long)o->bootstrap_count);
    }
    if (o->bootstrap_count > 0 && o->min_resource == 0) {
        return hpo__error_set(HPO_EINVAL,
                              "bootstrap_count (%lld) > 0 cannot be combined with "
                              "min_resource 0 (\"auto\")",
                              (long long)o->bootstrap_count);
    }
    rule->min_resource = o->min_resource;
    rule->reduction_factor = o->reduction_factor;
    rule->min_early_stopping_rate = o->min_early_stopping_rate;
    rule->bootstrap_count = o->bootstrap_count;
    return HPO_OK;
}

/* Successive halving pruner; opts NULL means defaults. See hpo.h for the errors. */
int hpo_pruner_successive_halving_new(hpo_pruner **out, const hpo_successive_halving_options *opts)
{
    const hpo_successive_halving_options defaults = HPO_SUCCESSIVE_HALVING_OPTIONS_INIT;
    hpo__sha rule, *impl;

    if (out == NULL)
        return hpo__error_set(HPO_EINVAL, "hpo_pruner_successive_halving_new: out is NULL");
    *out = NULL;
    if (opts == NULL)
        opts = &defaults;
    HPO_TRY(check_version(opts->version));
    HPO_TRY(make_rule(opts, &rule));
    impl = hpo__malloc(sizeof(*impl));
    if (impl == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory allocating the successive halving pruner");
    *impl = rule;
    return hpo__pruner_new(out, &sha_ops, impl);
}
