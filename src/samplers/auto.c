/*
 * auto.c - the default sampler: each trial goes to the algorithm that the
 * quality suite (bench/vs_optuna.sh --suite) shows is best for the study as it
 * stands, and the choice is written on the trial (system attr "auto:sampler").
 *
 *   several objectives                         TPE (MO-TPE)
 *   conditional space, or mostly categorical   TPE
 *   fewer than gp_max_trials COMPLETE trials   GP
 *   more, and no categorical parameter         CMA-ES
 *   otherwise                                  TPE
 *
 * Every delegate is built from the one seed, and the choice is a pure function
 * of the stored trials, so one worker with one seed replays the same study.
 */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/distribution.h"
#include "core/error.h"
#include "samplers/sampler.h"
#include "study.h"

#define CHOICE_KEY "auto:sampler"
#define RECENT 64

typedef enum choice { C_GP, C_TPE, C_CMAES, C_COUNT } choice;

static const char *const choice_names[C_COUNT] = {"gp", "tpe", "cmaes"};

typedef struct auto_impl {
    hpo_auto_options opts;
    hpo_sampler *delegates[C_COUNT];
    /* The choice of the trials this sampler started, newest first wins. */
    int64_t recent_number[RECENT];
    choice recent_choice[RECENT];
    size_t next;
} auto_impl;

int hpo_auto_options_init(hpo_auto_options *opts, unsigned int version)
{
    hpo_auto_options d = HPO_AUTO_OPTIONS_INIT;
    if (opts == NULL)
        return hpo__error_set(HPO_EMISUSE, "hpo_auto_options_init: opts is NULL");
    if (version != HPO_AUTO_OPTIONS_VERSION)
        return hpo__error_set(HPO_EVERSION, "auto options version %u (this library: %u)",
                version, HPO_AUTO_OPTIONS_VERSION);
    *opts = d;
    return HPO_OK;
}

/* ==== the decision ======================================================== */

static bool same_names(const hpo__record *a, const hpo__record *b)
{
    if (a->n_params != b->n_params)
        return false;
    for (size_t i = 0; i < a->n_params; i++)
        if (hpo__record_find_param(b, a->params[i].name) < 0)
            return false;
    return true;
}

static int decide(const auto_impl *a, hpo_study *study, choice *out)
{
    hpo__record **done = NULL;
    size_t n = 0, n_cat = 0, n_num = 0;
    bool conditional = false;
    HPO_TRY(hpo__study_trials_snapshot(study, HPO_STATES(HPO_TRIAL_COMPLETE), &done, &n));
    for (size_t i = 1; i < n && !conditional; i++)
        conditional = !same_names(done[0], done[i]);
    for (size_t j = 0; n > 0 && j < done[0]->n_params; j++) {
        const hpo_distribution *d = done[0]->params[j].dist;
        if (hpo__dist_single(d))
            continue;
        if (d->kind == HPO_DIST_CATEGORICAL)
            n_cat++;
        else
            n_num++;
    }
    hpo__records_release(done, n);
    if (hpo_study_n_objectives(study) > 1 || conditional || n_cat > n_num)
        *out = C_TPE;
    else if (n < a->opts.gp_max_trials)
        *out = C_GP;
    else
        *out = n_cat == 0 ? C_CMAES : C_TPE;
    return HPO_OK;
}

static void remember(auto_impl *a, int64_t number, choice c)
{
    a->recent_number[a->next] = number;
    a->recent_choice[a->next] = c;
    a->next = (a->next + 1) % RECENT;
}

/* The trial's choice: remembered, else as stored on it, else decided now. */
static int choice_of(auto_impl *a, hpo_study *study, const hpo__record *trial, choice *out)
{
    const char *stored = hpo__attrs_get(&trial->system_attrs, CHOICE_KEY);
    for (size_t i = 0; i < RECENT; i++)
        if (a->recent_number[i] == trial->number) {
            *out = a->recent_choice[i];
            return HPO_OK;
        }
    for (int c = 0; stored != NULL && c < C_COUNT; c++) {
        size_t len = strlen(choice_names[c]);
        /* stored as a JSON string */
        if (stored[0] == '"' && strncmp(stored + 1, choice_names[c], len) == 0 &&
                stored[len + 1] == '"') {
            remember(a, trial->number, (choice)c);
            *out = (choice)c;
            return HPO_OK;
        }
    }
    HPO_TRY(decide(a, study, out));
    remember(a, trial->number, *out);
    return HPO_OK;
}

/* ==== sampler ops: everything goes to the trial's delegate ================ */

static int delegate(auto_impl *a, hpo_study *study, const hpo__record *trial, hpo_sampler **out)
{
    choice c;
    HPO_TRY(choice_of(a, study, trial, &c));
    *out = a->delegates[c];
    return HPO_OK;
}

static int auto_before_trial(hpo_sampler *s, hpo_study *study, const hpo__record *trial)
{
    auto_impl *a = s->impl;
    choice c;
    char json[32];
    hpo_sampler *d;
    HPO_TRY(decide(a, study, &c));
    d = a->delegates[c];
    remember(a, trial->number, c);
    snprintf(json, sizeof(json), "\"%s\"", choice_names[c]);
    HPO_TRY(hpo__study_set_trial_system_attr(study, trial->id, CHOICE_KEY, json));
    return d->ops->before_trial != NULL ? d->ops->before_trial(d, study, trial) : HPO_OK;
}

static int auto_infer_relative_space(hpo_sampler *s, hpo_study *study, const hpo__record *trial,
        hpo__space *out)
{
    hpo_sampler *d;
    HPO_TRY(delegate(s->impl, study, trial, &d));
    return d->ops->infer_relative_space != NULL ? d->ops->infer_relative_space(d, study, trial, out)
                                                : HPO_OK;
}

static int auto_sample_relative(hpo_sampler *s, hpo_study *study, const hpo__record *trial,
        const hpo__space *space, double *out)
{
    hpo_sampler *d;
    HPO_TRY(delegate(s->impl, study, trial, &d));
    return d->ops->sample_relative(d, study, trial, space, out);
}

static int auto_sample_independent(hpo_sampler *s, hpo_study *study, const hpo__record *trial,
        const char *name, const hpo_distribution *dist, double *out)
{
    hpo_sampler *d;
    HPO_TRY(delegate(s->impl, study, trial, &d));
    return d->ops->sample_independent(d, study, trial, name, dist, out);
}

static int auto_after_trial(hpo_sampler *s, hpo_study *study, const hpo__record *trial,
        hpo_trial_state state, const double *values, size_t n_values)
{
    hpo_sampler *d;
    HPO_TRY(delegate(s->impl, study, trial, &d));
    return d->ops->after_trial != NULL ? d->ops->after_trial(d, study, trial, state, values,
                                                 n_values)
                                       : HPO_OK;
}

static void auto_destroy(hpo_sampler *s)
{
    auto_impl *a = s->impl;
    if (a == NULL)
        return;
    for (int c = 0; c < C_COUNT; c++)
        hpo_sampler_free(a->delegates[c]);
    hpo__free(a);
    s->impl = NULL;
}

static const hpo__sampler_ops auto_ops = {
        .version = HPO__SAMPLER_OPS_VERSION,
        .name = "AutoSampler",
        .infer_relative_space = auto_infer_relative_space,
        .sample_relative = auto_sample_relative,
        .sample_independent = auto_sample_independent,
        .before_trial = auto_before_trial,
        .after_trial = auto_after_trial,
        .destroy = auto_destroy,
};

static int new_delegates(auto_impl *a)
{
    hpo_gp_options g = HPO_GP_OPTIONS_INIT;
    hpo_tpe_options t = HPO_TPE_OPTIONS_INIT;
    hpo_cmaes_options c = HPO_CMAES_OPTIONS_INIT;
    g.seed = a->opts.seed;
    t.seed = a->opts.seed;
    c.seed = a->opts.seed;
    HPO_TRY(hpo_sampler_gp_new(&a->delegates[C_GP], &g));
    HPO_TRY(hpo_sampler_tpe_new(&a->delegates[C_TPE], &t));
    return hpo_sampler_cmaes_new(&a->delegates[C_CMAES], &c);
}

int hpo_sampler_auto_new(hpo_sampler **out, const hpo_auto_options *opts)
{
    hpo_auto_options defaults = HPO_AUTO_OPTIONS_INIT;
    auto_impl *a;
    int rc;
    if (out == NULL)
        return hpo__error_set(HPO_EMISUSE, "hpo_sampler_auto_new: out is NULL");
    *out = NULL;
    if (opts == NULL)
        opts = &defaults;
    if (opts->version != HPO_AUTO_OPTIONS_VERSION)
        return hpo__error_set(HPO_EVERSION, "auto options version %u (this library: %u)",
                opts->version, HPO_AUTO_OPTIONS_VERSION);
    a = hpo__calloc(1, sizeof(*a));
    if (a == NULL)
        return hpo__error_set(HPO_ENOMEM, "auto sampler: out of memory");
    a->opts = *opts;
    for (size_t i = 0; i < RECENT; i++)
        a->recent_number[i] = -1;
    if ((rc = new_delegates(a)) != HPO_OK) {
        hpo_sampler tmp = {HPO__SAMPLER_MAGIC, &auto_ops, a};
        auto_destroy(&tmp);
        return rc;
    }
    return hpo__sampler_new(out, &auto_ops, a);
}
