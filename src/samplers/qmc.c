/*
 * qmc.c - Optuna's QMCSampler (reference/optuna.md §4): every parameter of the
 * study's first finished trial is drawn jointly from one point of a Sobol or
 * Halton sequence, mapped through the distributions' transformed spaces
 * (hpo__dist_from_unit). The point's index is the trial number where Optuna
 * keeps a counter in a study attribute: the number is unique and gap-free
 * across workers, so parallel workers never draw the same point and need no
 * shared write. Everything else is drawn at random.
 */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "samplers/qmc_seq.h"
#include "samplers/sampler.h"
#include "study.h"

typedef struct qmc_impl {
    hpo_qmc_options opts;
    hpo_rng rng_random; /* independent sampling */
    hpo__qmc_seq seq;   /* cached for the last dimension used */
    bool have_seq;
    bool warned_dims;
} qmc_impl;

int hpo_qmc_options_init(hpo_qmc_options *opts, unsigned int version)
{
    hpo_qmc_options d = HPO_QMC_OPTIONS_INIT;
    if (opts == NULL)
        return hpo__error_set(HPO_EMISUSE, "hpo_qmc_options_init: opts is NULL");
    if (version != HPO_QMC_OPTIONS_VERSION)
        return hpo__error_set(HPO_EVERSION, "qmc options version %u (this library: %u)", version,
                              HPO_QMC_OPTIONS_VERSION);
    *opts = d;
    return HPO_OK;
}

static int add_params(hpo__space *out, const hpo__record *t)
{
    for (size_t i = 0; i < t->n_params; i++)
        if (hpo__space_find(out, t->params[i].name) < 0)
            HPO_TRY(hpo__space_add(out, t->params[i].name, t->params[i].dist));
    return HPO_OK;
}

/* Optuna: the first finished trial's distributions; before any, the union of
 * what running trials have suggested. */
static int qmc_infer_relative_space(hpo_sampler *s,
                                    hpo_study *study,
                                    const hpo__record *trial,
                                    hpo__space *out)
{
    hpo__record **ts = NULL;
    size_t n = 0;
    int rc = HPO_OK;
    (void)s;
    HPO_TRY(hpo__study_trials_snapshot(
            study, HPO_STATES(HPO_TRIAL_COMPLETE) | HPO_STATES(HPO_TRIAL_PRUNED), &ts, &n));
    if (n > 0) {
        rc = add_params(out, ts[0]);
        hpo__records_release(ts, n);
        return rc;
    }
    hpo__records_release(ts, n);
    HPO_TRY(hpo__study_trials_snapshot(study, HPO_STATES(HPO_TRIAL_RUNNING), &ts, &n));
    for (size_t i = 0; i < n && rc == HPO_OK; i++)
        if (ts[i]->number != trial->number)
            rc = add_params(out, ts[i]);
    hpo__records_release(ts, n);
    return rc;
}

static int ensure_seq(qmc_impl *q, size_t d)
{
    if (q->have_seq && q->seq.d == d)
        return HPO_OK;
    if (q->have_seq)
        hpo__qmc_seq_free(&q->seq);
    q->have_seq = false;
    HPO_TRY(hpo__qmc_seq_init(&q->seq,
                              q->opts.qmc_type == HPO_QMC_HALTON ? HPO__QMC_HALTON : HPO__QMC_SOBOL,
                              d, q->opts.scramble, q->opts.seed));
    q->have_seq = true;
    return HPO_OK;
}

static int qmc_sample_relative(hpo_sampler *s,
                               hpo_study *study,
                               const hpo__record *trial,
                               const hpo__space *space,
                               double *out)
{
    qmc_impl *q = s->impl;
    double *u;
    int rc;
    (void)study;
    for (size_t i = 0; i < space->n; i++)
        out[i] = NAN;
    if (space->n == 0)
        return HPO_OK;
    if (q->opts.qmc_type == HPO_QMC_SOBOL && space->n > hpo__sobol_max_dims()) {
        if (!q->warned_dims)
            hpo__log(HPO_LOG_WARNING,
                     "QMCSampler: %zu parameters, Sobol supports %zu; "
                     "sampling them at random",
                     space->n, hpo__sobol_max_dims());
        q->warned_dims = true;
        return HPO_OK;
    }
    if ((rc = ensure_seq(q, space->n)) != HPO_OK)
        return rc;
    u = hpo__reallocarray(NULL, space->n, sizeof(double));
    if (u == NULL)
        return hpo__error_set(HPO_ENOMEM, "qmc: out of memory for %zu parameters", space->n);
    hpo__qmc_seq_point(&q->seq, (uint64_t)trial->number, u);
    for (size_t i = 0; i < space->n; i++)
        out[i] = hpo__dist_from_unit(space->dists[i], u[i]);
    hpo__free(u);
    return HPO_OK;
}

static int qmc_sample_independent(hpo_sampler *s,
                                  hpo_study *study,
                                  const hpo__record *trial,
                                  const char *name,
                                  const hpo_distribution *dist,
                                  double *out)
{
    qmc_impl *q = s->impl;
    (void)study;
    (void)trial;
    (void)name;
    *out = hpo__random_sample(&q->rng_random, dist);
    return HPO_OK;
}

static void qmc_destroy(hpo_sampler *s)
{
    qmc_impl *q = s->impl;
    if (q == NULL)
        return;
    if (q->have_seq)
        hpo__qmc_seq_free(&q->seq);
    hpo__free(q);
    s->impl = NULL;
}

static const hpo__sampler_ops qmc_ops = {
        .version = HPO__SAMPLER_OPS_VERSION,
        .name = "QMCSampler",
        .infer_relative_space = qmc_infer_relative_space,
        .sample_relative = qmc_sample_relative,
        .sample_independent = qmc_sample_independent,
        .before_trial = NULL,
        .after_trial = NULL,
        .destroy = qmc_destroy,
};

int hpo_sampler_qmc_new(hpo_sampler **out, const hpo_qmc_options *opts)
{
    hpo_qmc_options defaults = HPO_QMC_OPTIONS_INIT;
    qmc_impl *q;
    hpo_rng seeder;
    if (out == NULL)
        return hpo__error_set(HPO_EMISUSE, "hpo_sampler_qmc_new: out is NULL");
    *out = NULL;
    if (opts == NULL)
        opts = &defaults;
    if (opts->version != HPO_QMC_OPTIONS_VERSION)
        return hpo__error_set(HPO_EVERSION, "qmc options version %u (this library: %u)",
                              opts->version, HPO_QMC_OPTIONS_VERSION);
    if (opts->qmc_type != HPO_QMC_SOBOL && opts->qmc_type != HPO_QMC_HALTON)
        return hpo__error_set(HPO_EINVAL, "qmc: qmc_type %d is neither sobol (0) nor halton (1)",
                              (int)opts->qmc_type);
    q = hpo__calloc(1, sizeof(*q));
    if (q == NULL)
        return hpo__error_set(HPO_ENOMEM, "qmc: out of memory");
    q->opts = *opts;
    hpo__rng_seed(&seeder, ~opts->seed);
    hpo__rng_seed(&q->rng_random, hpo__rng_u64(&seeder));
    return hpo__sampler_new(out, &qmc_ops, q);
}
