/*
 * hyperband.c - Hyperband over asynchronous successive halving (Optuna's
 * HyperbandPruner, reference optuna.md section 5).
 *
 * There are n = floor(log_rf(max_resource / min_resource)) + 1 brackets; bracket
 * b is successive halving with min_early_stopping_rate b and a trial budget of
 * ceil(n * rf^s / (s + 1)), s = n - 1 - b. A trial's bracket comes from the
 * CRC-32 of "<study name>_<number>" spread over those budgets, so it is the same
 * in every worker, process and language; each bracket prunes only against its
 * own trials, and (with filter_sampler) the sampler sees only those as well.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "pruners/pruner.h"
#include "pruners/sha.h"
#include "study.h"

/* Budgets are computed in doubles as Python does; above 2^53 that stops being exact. */
#define EXACT_LIMIT (1ull << 53)

typedef struct hyperband {
    int64_t min_resource;
    int64_t max_resource; /* 0 until "auto" is resolved */
    int64_t reduction_factor;
    int64_t bootstrap_count;
    bool filter_sampler;
    bool ready;        /* brackets computed; n_brackets 0 means it never prunes */
    size_t n_brackets; /* (max_resource below min_resource, as Optuna allows for "auto") */
    hpo__sha *brackets;
    uint64_t *budgets;
    uint64_t total;
} hyperband;

/*=========================== CRC-32 ===========================*/

/* Bitwise CRC-32 (IEEE, reflected): no table to build, no shared state. */
static uint32_t crc32_update(uint32_t crc, const void *data, size_t n)
{
    const unsigned char *p = data;

    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return crc;
}

uint32_t hpo__crc32(const void *data, size_t n)
{
    return ~crc32_update(0xFFFFFFFFu, data, n);
}

/*=========================== Brackets ===========================*/

/* Optuna's _get_bracket_id: crc32(f"{study_name}_{number}") against the budgets. */
static size_t bracket_of(const hyperband *hb, const char *study_name, int64_t number)
{
    char suffix[32];
    uint32_t crc = crc32_update(0xFFFFFFFFu, study_name, strlen(study_name));
    int64_t left;
    int len = snprintf(suffix, sizeof(suffix), "_%lld", (long long)number);

    crc = ~crc32_update(crc, suffix, (size_t)len);
    left = (int64_t)((uint64_t)crc % hb->total);
    for (size_t b = 0; b < hb->n_brackets; b++) {
        left -= (int64_t)hb->budgets[b];
        if (left < 0)
            return b;
    }
    return hb->n_brackets - 1; /* unreachable: the budgets sum to total */
}

/* ceil(n * rf^s / (s + 1)) with Python's true division, or an error when
 * n * rf^s is too large for a double to hold exactly. */
static int bracket_budget(const hyperband *hb, size_t bracket, uint64_t *out)
{
    uint64_t s = hb->n_brackets - 1 - bracket, num = hb->n_brackets;

    for (uint64_t i = 0; i < s; i++) {
        if (__builtin_mul_overflow(num, (uint64_t)hb->reduction_factor, &num) || num > EXACT_LIMIT)
            return hpo__error_set(HPO_EUNSUPPORTED,
                                  "hyperband: %zu brackets of reduction_factor %lld are too "
                                  "many to budget (max_resource / min_resource too large)",
                                  hb->n_brackets, (long long)hb->reduction_factor);
    }
    *out = (uint64_t)ceil((double)num / (double)(s + 1));
    return HPO_OK;
}

static int alloc_brackets(hyperband *hb)
{
    hb->brackets = hpo__reallocarray(NULL, hb->n_brackets, sizeof(*hb->brackets));
    hb->budgets = hpo__reallocarray(NULL, hb->n_brackets, sizeof(*hb->budgets));
    if (hb->brackets == NULL || hb->budgets == NULL) {
        hpo__free(hb->brackets);
        hpo__free(hb->budgets);
        hb->brackets = NULL;
        hb->budgets = NULL;
        return hpo__error_set(HPO_ENOMEM, "out of memory allocating %zu hyperband brackets",
                              hb->n_brackets);
    }
    return HPO_OK;
}

/* Build the brackets once max_resource is known (Optuna's _try_initialization). */
static int make_brackets(hyperband *hb)
{
    /* The same expression as Python's math.log(max / min, rf), so the floor
     * lands on the same side when the ratio is a power of rf. */
    double ratio = (double)hb->max_resource / (double)hb->min_resource;
    double n = floor(log(ratio) / log((double)hb->reduction_factor)) + 1.0;
    uint64_t total = 0;

    hb->n_brackets = n > 0.0 ? (size_t)n : 0;
    if (hb->n_brackets > 0)
        HPO_TRY(alloc_brackets(hb));
    for (size_t b = 0; b < hb->n_brackets; b++) {
        hpo__sha rule = {hb->min_resource, hb->reduction_factor, (int64_t)b, hb->bootstrap_count};
        int rc = bracket_budget(hb, b, &hb->budgets[b]);
        if (rc != HPO_OK) {
            hpo__free(hb->brackets);
            hpo__free(hb->budgets);
            hb->brackets = NULL;
            hb->budgets = NULL;
            hb->n_brackets = 0;
            return rc;
        }
        hb->brackets[b] = rule;
        total += hb->budgets[b];
    }
    hb->total = total;
    hb->ready = true;
    return HPO_OK;
}

/* "auto" max_resource: the largest last step of a COMPLETE trial, plus one. */
static int resolve_max_resource(hyperband *hb, hpo_study *study)
{
    hpo__record **recs = NULL;
    size_t n = 0;
    int64_t best = -1, step;

    HPO_TRY(hpo__study_trials(study, HPO_STATES(HPO_TRIAL_COMPLETE), &recs, &n));
    for (size_t i = 0; i < n; i++) {
        if (hpo__record_last_step(recs[i], &step) && step > best)
            best = step;
    }
    hpo__records_release(recs, n);
    if (best >= 0)
        hb->max_resource = best + 1;
    return HPO_OK;
}

/*=========================== The pruner ===========================*/

typedef struct bracket_filter {
    const hyperband *hb;
    const char *study_name;
    size_t bracket;
} bracket_filter;

static bool in_bracket(const void *ctx, const hpo__record *r)
{
    const bracket_filter *f = ctx;
    return bracket_of(f->hb, f->study_name, r->number) == f->bracket;
}

static int hb_decide(hyperband *hb, hpo_study *study, const hpo__record *trial, bool *out)
{
    bracket_filter f = {hb, hpo_study_name(study), 0};

    if (!hb->ready && hb->max_resource == 0)
        HPO_TRY(resolve_max_resource(hb, study));
    if (!hb->ready && hb->max_resource > 0)
        HPO_TRY(make_brackets(hb));
    if (!hb->ready || hb->n_brackets == 0)
        return HPO_OK; /* "auto" and no COMPLETE trial has reported yet */
    f.bracket = bracket_of(hb, f.study_name, trial->number);
    return hpo__sha_prune(&hb->brackets[f.bracket], study, trial, in_bracket, &f, out);
}

static int hb_prune(hpo_pruner *p, hpo_study *study, const hpo__record *trial, bool *out)
{
    int rc;

    *out = false;
    if (hpo_study_n_objectives(study) != 1) {
        return hpo__error_set(HPO_EUNSUPPORTED,
                              "the hyperband pruner needs a single-objective study (this one "
                              "has %zu)",
                              hpo_study_n_objectives(study));
    }
    rc = hb_decide(p->impl, study, trial, out);
    return rc == HPO_OK ? rc : hpo__error_wrap(rc, "hyperband pruner");
}

/* Before the brackets exist every trial is in bracket 0, as in Optuna. */
static bool
hb_same_group(hpo_pruner *p, hpo_study *study, const hpo__record *current, const hpo__record *other)
{
    const hyperband *hb = p->impl;
    const char *name = hpo_study_name(study);

    if (!hb->filter_sampler || !hb->ready || hb->n_brackets == 0)
        return true;
    return bracket_of(hb, name, current->number) == bracket_of(hb, name, other->number);
}

static void hb_destroy(hpo_pruner *p)
{
    hyperband *hb = p->impl;

    if (hb == NULL)
        return;
    hpo__free(hb->brackets);
    hpo__free(hb->budgets);
    hpo__free(hb);
}

static const hpo__pruner_ops hb_ops = {
        .version = HPO__PRUNER_OPS_VERSION,
        .name = "hyperband",
        .prune = hb_prune,
        .destroy = hb_destroy,
        .same_group = hb_same_group,
};

/*=========================== Test hooks ===========================*/

static const hyperband *as_hyperband(const hpo_pruner *p)
{
    if (p == NULL || p->magic != HPO__PRUNER_MAGIC || p->ops != &hb_ops)
        return NULL;
    return p->impl;
}

size_t hpo__hyperband_n_brackets(const hpo_pruner *p)
{
    const hyperband *hb = as_hyperband(p);
    return hb != NULL && hb->ready ? hb->n_brackets : 0;
}

uint64_t hpo__hyperband_budget(const hpo_pruner *p, size_t bracket)
{
    const hyperband *hb = as_hyperband(p);
    return hb != NULL && hb->ready && bracket < hb->n_brackets ? hb->budgets[bracket] : 0;
}

long hpo__hyperband_bracket(const hpo_pruner *p, const char *study_name, int64_t number)
{
    const hyperband *hb = as_hyperband(p);

    if (hb == NULL || !hb->ready || hb->n_brackets == 0)
        return -1;
    return (long)bracket_of(hb, study_name, number);
}

/*=========================== Construction ===========================*/

static int check_version(unsigned int version)
{
    if (version == 0 || version > HPO_HYPERBAND_OPTIONS_VERSION) {
        return hpo__error_set(HPO_EVERSION,
                              "hpo_hyperband_options version %u is not supported (this "
                              "library knows 1..%d)",
                              version, HPO_HYPERBAND_OPTIONS_VERSION);
    }
    return HPO_OK;
}

/* Fill *opts with the defaults of the given options version. */
int hpo_hyperband_options_init(hpo_hyperband_options *opts, unsigned int version)
{
    const hpo_hyperband_options defaults = HPO_HYPERBAND_OPTIONS_INIT;

    if (opts == NULL)
        return hpo__error_set(HPO_EINVAL, "hpo_hyperband_options_init: opts is NULL");
    HPO_TRY(check_version(version));
    *opts = defaults;
    opts->version = version;
    return HPO_OK;
}

/* Optuna's checks (its brackets check the rest lazily; here all come up front). */
static int check_options(const hpo_hyperband_options *o)
{
    if (o->min_resource < 1) {
        return hpo__error_set(HPO_EINVAL, "min_resource (%lld) must be >= 1",
                              (long long)o->min_resource);
    }
    if (o->max_resource < 0 || (o->max_resource > 0 && o->max_resource < o->min_resource)) {
        return hpo__error_set(HPO_EINVAL,
                              "max_resource (%lld) must be >= min_resource (%lld), or 0 for "
                              "\"auto\"",
                              (long long)o->max_resource, (long long)o->min_resource);
    }
    if (o->reduction_factor < 2) {
        return hpo__error_set(HPO_EINVAL, "reduction_factor (%lld) must be >= 2",
                              (long long)o->reduction_factor);
    }
    if (o->bootstrap_count < 0) {
        return hpo__error_set(HPO_EINVAL, "bootstrap_count (%lld) must be >= 0",
                              (long long)o->bootstrap_count);
    }
    if (o->bootstrap_count > 0 && o->max_resource == 0) {
        return hpo__error_set(HPO_EINVAL,
                              "bootstrap_count (%lld) > 0 cannot be combined with "
                              "max_resource 0 (\"auto\")",
                              (long long)o->bootstrap_count);
    }
    return HPO_OK;
}

/* Hyperband pruner; opts NULL means defaults. See hpo.h for the errors. */
int hpo_pruner_hyperband_new(hpo_pruner **out, const hpo_hyperband_options *opts)
{
    const hpo_hyperband_options defaults = HPO_HYPERBAND_OPTIONS_INIT;
    hyperband *hb;
    int rc;

    if (out == NULL)
        return hpo__error_set(HPO_EINVAL, "hpo_pruner_hyperband_new: out is NULL");
    *out = NULL;
    if (opts == NULL)
        opts = &defaults;
    HPO_TRY(check_version(opts->version));
    HPO_TRY(check_options(opts));
    hb = hpo__calloc(1, sizeof(*hb));
    if (hb == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory allocating the hyperband pruner");
    hb->min_resource = opts->min_resource;
    hb->max_resource = opts->max_resource;
    hb->reduction_factor = opts->reduction_factor;
    hb->bootstrap_count = opts->bootstrap_count;
    hb->filter_sampler = opts->filter_sampler;
    /* A known max_resource fixes the brackets now, so the sampler filter agrees
     * across processes from the first trial (Optuna waits for a prune call). */
    if (hb->max_resource > 0 && (rc = make_brackets(hb)) != HPO_OK) {
        hpo__free(hb);
        return rc;
    }
    return hpo__pruner_new(out, &hb_ops, hb);
}
