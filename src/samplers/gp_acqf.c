/*
 * gp_acqf.c - log EI and its maximisation (see gp_acqf.h).
 */
#include "samplers/gp_acqf.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/lbfgsb.h"

#define N_CANDIDATES 2048
#define N_LOCAL 10
#define N_ROUNDS 5
#define TOLERANCE 1e-4
#define EXHAUSTIVE_MAX 64
#define HALF_LOG_2PI 0.9189385332046727
#define SQRT_2PI 2.5066282746310002

/*
 * With t = -z >= 1, h(z) = phi(z) + z Phi(z) = phi(z) (1 - t R(t)), R the Mills
 * ratio Phi(-t)/phi(t); 1 - t R(t) is formed without losing it to cancellation.
 */
static void mills(double t, double *R, double *one_minus_tR)
{
    if (t < 25.0) {
        *R = 0.5 * erfc(t / M_SQRT2) * SQRT_2PI * exp(0.5 * t * t);
        *one_minus_tR = 1.0 - t * *R;
        return;
    }
    double u = 1.0 / (t * t);
    *R = (1.0 - u * (1.0 - u * (3.0 - u * (15.0 - u * 105.0)))) / t;
    *one_minus_tR = u * (1.0 - u * (3.0 - u * (15.0 - u * 105.0)));
}

double hpo__log_ei(double mean, double var, double threshold, double *dmean, double *dsd)
{
    double sd = sqrt(var), z = (mean - threshold) / sd, log_h, cdf_over_h, pdf_over_h;
    if (z > -1.0) {
        double pdf = exp(-0.5 * z * z) / SQRT_2PI, cdf = 0.5 * erfc(-z / M_SQRT2);
        double h = pdf + z * cdf;
        log_h = log(h);
        cdf_over_h = cdf / h;
        pdf_over_h = pdf / h;
    } else {
        double R, omt;
        mills(-z, &R, &omt);
        log_h = -0.5 * z * z - HALF_LOG_2PI + log(omt);
        cdf_over_h = R / omt;
        pdf_over_h = 1.0 / omt;
    }
    /* EI = sd h(z): d/dmean = Phi/(sd h), d/dsd = phi/(sd h) */
    if (dmean != NULL)
        *dmean = cdf_over_h / sd;
    if (dsd != NULL)
        *dsd = pdf_over_h / sd;
    return log(sd) + log_h;
}

double hpo__gp_log_cdf(double z, double *dlog)
{
    double lp, ratio; /* log Phi(z) and phi(z) / Phi(z) */
    if (z > -5.0) {
        double cdf = 0.5 * erfc(-z / M_SQRT2);
        lp = log(cdf);
        ratio = exp(-0.5 * z * z) / SQRT_2PI / cdf;
    } else {
        /* Phi(z) = phi(z) R(-z): the Mills ratio keeps the far tail finite */
        double R, omt;
        mills(-z, &R, &omt);
        lp = -0.5 * z * z - HALF_LOG_2PI + log(R);
        ratio = 1.0 / R;
    }
    if (dlog != NULL)
        *dlog = ratio;
    return lp;
}

typedef struct acq_ctx {
    const hpo__gp *gp;
    const hpo__gp_dim *dims;
    const hpo__gp_acq *acq;
    double threshold;
    double *x;      /* the full point being searched */
    size_t *cont;   /* indices of continuous coordinates */
    size_t n_cont;
    double *work, *dmean, *dvar, *grad, *saved;
} acq_ctx;

/* log P(constraint model i is feasible) at x; with its gradient added to grad when given. */
static double feasibility(acq_ctx *c, size_t i, double *grad)
{
    const hpo__gp *m = &c->acq->cons[i];
    double mean, var, dl;
    if (grad == NULL) {
        hpo__gp_predict_one(m, c->x, &mean, &var, c->work);
        return hpo__gp_log_cdf((mean - c->acq->cons_threshold[i]) / sqrt(var), NULL);
    }
    hpo__gp_predict_grad(m, c->x, &mean, &var, c->dmean, c->dvar, c->work);
    double sd = sqrt(var), z = (mean - c->acq->cons_threshold[i]) / sd;
    double lp = hpo__gp_log_cdf(z, &dl);
    for (size_t j = 0; j < m->d; j++)
        grad[j] += dl * (c->dmean[j] / sd - z * c->dvar[j] / (2.0 * var));
    return lp;
}

/* The acquisition at ctx->x with its gradient in every coordinate into ctx->grad:
 * log EI (when there is a feasible incumbent) plus the log feasibility of each
 * constraint (Optuna's logCEI). */
static double acq_eval(acq_ctx *c)
{
    double mean, var, dm, ds, v = 0.0;
    for (size_t j = 0; j < c->gp->d; j++)
        c->grad[j] = 0.0;
    if (c->acq->use_ei) {
        hpo__gp_predict_grad(c->gp, c->x, &mean, &var, c->dmean, c->dvar, c->work);
        v = hpo__log_ei(mean, var, c->threshold, &dm, &ds);
        double sd = sqrt(var);
        for (size_t j = 0; j < c->gp->d; j++)
            c->grad[j] = dm * c->dmean[j] + ds * c->dvar[j] / (2.0 * sd);
    }
    for (size_t i = 0; i < c->acq->n_cons; i++)
        v += feasibility(c, i, c->grad);
    return v;
}

/* L-BFGS-B's view: the continuous coordinates only, negated. */
static double neg_acq_cont(const double *xc, double *g, void *payload)
{
    acq_ctx *c = payload;
    for (size_t k = 0; k < c->n_cont; k++)
        c->x[c->cont[k]] = xc[k];
    double v = acq_eval(c);
    for (size_t k = 0; k < c->n_cont; k++)
        g[k] = -c->grad[c->cont[k]];
    return isfinite(v) ? -v : HUGE_VAL;
}

static double try_value(acq_ctx *c, size_t j, double value)
{
    double old = c->x[j], mean, var, v = 0.0;
    c->x[j] = value;
    if (c->acq->use_ei) {
        hpo__gp_predict_one(c->gp, c->x, &mean, &var, c->work);
        v = hpo__log_ei(mean, var, c->threshold, NULL, NULL);
    }
    for (size_t i = 0; i < c->acq->n_cons; i++)
        v += feasibility(c, i, NULL);
    c->x[j] = old;
    return v;
}

static double dim_value(const hpo__gp_dim *dim, size_t i)
{
    return dim->kind == HPO__GP_CATEGORICAL ? (double)i : dim->grid[i];
}

static size_t nearest_index(const hpo__gp_dim *dim, double v)
{
    size_t best = 0;
    for (size_t i = 1; i < dim->n_grid; i++)
        if (fabs(dim_value(dim, i) - v) < fabs(dim_value(dim, best) - v))
            best = i;
    return best;
}

/* Best value of coordinate j with the others fixed: every choice of a small
 * grid, else steps of 1, 2, 4, ... grid points either side while they help. */
static double search_discrete(acq_ctx *c, size_t j, double current)
{
    const hpo__gp_dim *dim = &c->dims[j];
    if (dim->kind == HPO__GP_CATEGORICAL || dim->n_grid <= EXHAUSTIVE_MAX) {
        for (size_t i = 0; i < dim->n_grid; i++) {
            double v = try_value(c, j, dim_value(dim, i));
            if (v > current) {
                current = v;
                c->x[j] = dim_value(dim, i);
            }
        }
        return current;
    }
    for (int moved = 1, rounds = 0; moved && rounds < 32; rounds++) {
        size_t at = nearest_index(dim, c->x[j]), best = at;
        moved = 0;
        for (size_t step = 1; step < dim->n_grid; step *= 2) {
            if (at >= step) {
                double v = try_value(c, j, dim->grid[at - step]);
                if (v > current) {
                    current = v;
                    best = at - step;
                }
            }
            if (at + step < dim->n_grid) {
                double v = try_value(c, j, dim->grid[at + step]);
                if (v > current) {
                    current = v;
                    best = at + step;
                }
            }
        }
        if (best != at) {
            c->x[j] = dim->grid[best];
            moved = 1;
        }
    }
    return current;
}

/* Local search from c->x; returns the final log EI with c->x at its point. */
static double local_search(acq_ctx *c, double *xc, const double *lo, const double *hi)
{
    double current = acq_eval(c);
    for (int round = 0; round < N_ROUNDS; round++) {
        double before = current;
        if (c->n_cont > 0) {
            hpo__lbfgsb_opts o = HPO__LBFGSB_OPTS_INIT;
            double f;
            o.pgtol = 1e-5;
            o.max_evals = 100;
            for (size_t k = 0; k < c->n_cont; k++)
                xc[k] = c->saved[k] = c->x[c->cont[k]];
            /* the search moves c->x; keep its best point, or go back */
            bool better = hpo__lbfgsb_minimize(c->n_cont, xc, lo, hi, neg_acq_cont, c, &o, &f) ==
                    HPO_OK && -f >= current;
            for (size_t k = 0; k < c->n_cont; k++)
                c->x[c->cont[k]] = better ? xc[k] : c->saved[k];
            if (better)
                current = -f;
        }
        if (c->n_cont == c->gp->d)
            break; /* all continuous: L-BFGS-B has converged, another round finds nothing */
        for (size_t j = 0; j < c->gp->d; j++)
            if (c->dims[j].kind != HPO__GP_CONTINUOUS)
                current = search_discrete(c, j, current);
        if (!(current - before > TOLERANCE))
            break;
    }
    return current;
}

static void random_point(const hpo__gp_dim *dims, size_t d, hpo_rng *rng, double *x)
{
    for (size_t j = 0; j < d; j++) {
        if (dims[j].kind == HPO__GP_CONTINUOUS)
            x[j] = hpo__rng_uniform(rng);
        else
            x[j] = dim_value(&dims[j], (size_t)hpo__rng_below(rng, dims[j].n_grid));
    }
}

/* Starts: the best candidate, the warm start, then roulette on exp(f - fmax). */
static size_t pick_starts(const double *f, size_t m, hpo_rng *rng, size_t *starts, double *w)
{
    size_t best = 0, k = 0;
    for (size_t i = 1; i < m; i++)
        if (f[i] > f[best])
            best = i;
    starts[k++] = best;
    for (size_t i = 0; i < m; i++)
        w[i] = i == best || !isfinite(f[i]) ? 0.0 : exp(f[i] - f[best]);
    while (k < N_LOCAL - 1) {
        double total = 0.0;
        for (size_t i = 0; i < m; i++)
            total += w[i];
        if (!(total > 0.0))
            break;
        size_t i = hpo__rng_choice(rng, w, m);
        starts[k++] = i;
        w[i] = 0.0;
    }
    return k;
}

typedef struct acq_mem {
    double *cand, *mean, *var, *f, *w, *xc, *lo, *hi, *best;
    size_t *starts, *cont;
    acq_ctx c;
} acq_mem;

static void mem_free(acq_mem *m)
{
    void *ptrs[] = {m->cand, m->mean, m->var, m->f, m->w, m->xc, m->lo, m->hi, m->best,
            m->starts, m->cont, m->c.x, m->c.work, m->c.dmean, m->c.dvar, m->c.grad, m->c.saved};
    for (size_t i = 0; i < sizeof(ptrs) / sizeof(ptrs[0]); i++)
        hpo__free(ptrs[i]);
}

static int mem_alloc(acq_mem *m, size_t n, size_t d)
{
    size_t dd = d + 1;
    memset(m, 0, sizeof(*m));
    m->cand = hpo__malloc(N_CANDIDATES * dd * sizeof(double));
    m->mean = hpo__malloc(N_CANDIDATES * sizeof(double));
    m->var = hpo__malloc(N_CANDIDATES * sizeof(double));
    m->f = hpo__malloc(N_CANDIDATES * sizeof(double));
    m->w = hpo__malloc(N_CANDIDATES * sizeof(double));
    m->xc = hpo__malloc(dd * sizeof(double));
    m->lo = hpo__malloc(dd * sizeof(double));
    m->hi = hpo__malloc(dd * sizeof(double));
    m->best = hpo__malloc(dd * sizeof(double));
    m->starts = hpo__malloc(N_LOCAL * sizeof(size_t));
    m->cont = hpo__malloc(dd * sizeof(size_t));
    m->c.x = hpo__malloc(dd * sizeof(double));
    m->c.work = hpo__malloc(3 * n * sizeof(double));
    m->c.dmean = hpo__malloc(dd * sizeof(double));
    m->c.dvar = hpo__malloc(dd * sizeof(double));
    m->c.grad = hpo__malloc(dd * sizeof(double));
    m->c.saved = hpo__malloc(dd * sizeof(double));
    if (!m->cand || !m->mean || !m->var || !m->f || !m->w || !m->xc || !m->lo || !m->hi ||
            !m->best || !m->starts || !m->cont || !m->c.x || !m->c.work || !m->c.dmean ||
            !m->c.dvar || !m->c.grad || !m->c.saved) {
        mem_free(m);
        return hpo__error_set(HPO_ENOMEM, "gp: out of memory optimising the acquisition");
    }
    return HPO_OK;
}

/* The acquisition of every candidate into m->f. */
static int score_candidates(acq_mem *m, const hpo__gp_acq *acq)
{
    for (size_t i = 0; i < N_CANDIDATES; i++)
        m->f[i] = 0.0;
    if (acq->use_ei) {
        HPO_TRY(hpo__gp_predict(acq->gp, N_CANDIDATES, m->cand, m->mean, m->var));
        for (size_t i = 0; i < N_CANDIDATES; i++)
            m->f[i] = hpo__log_ei(m->mean[i], m->var[i], acq->threshold, NULL, NULL);
    }
    for (size_t k = 0; k < acq->n_cons; k++) {
        HPO_TRY(hpo__gp_predict(&acq->cons[k], N_CANDIDATES, m->cand, m->mean, m->var));
        for (size_t i = 0; i < N_CANDIDATES; i++)
            m->f[i] += hpo__gp_log_cdf((m->mean[i] - acq->cons_threshold[k]) / sqrt(m->var[i]),
                    NULL);
    }
    return HPO_OK;
}

int hpo__gp_maximize_log_ei(const hpo__gp *gp, const hpo__gp_dim *dims, double threshold,
        const double *warm, hpo_rng *rng, double *x_out, double *value_out)
{
    hpo__gp_acq acq = {.gp = gp, .threshold = threshold, .use_ei = true};
    return hpo__gp_maximize_acq(&acq, dims, warm, rng, x_out, value_out);
}

int hpo__gp_maximize_acq(const hpo__gp_acq *acq, const hpo__gp_dim *dims, const double *warm,
        hpo_rng *rng, double *x_out, double *value_out)
{
    const hpo__gp *gp = acq->gp;
    size_t d = gp->d, n_starts, max_n = gp->n;
    double best_v = -HUGE_VAL;
    acq_mem m;
    for (size_t k = 0; k < acq->n_cons; k++)
        max_n = acq->cons[k].n > max_n ? acq->cons[k].n : max_n;
    HPO_TRY(mem_alloc(&m, max_n, d));
    m.c.gp = gp;
    m.c.acq = acq;
    m.c.dims = dims;
    m.c.threshold = acq->threshold;
    m.c.cont = m.cont;
    for (size_t j = 0; j < d; j++)
        if (dims[j].kind == HPO__GP_CONTINUOUS)
            m.cont[m.c.n_cont++] = j;
    for (size_t k = 0; k < m.c.n_cont; k++) {
        m.lo[k] = 0.0;
        m.hi[k] = 1.0;
    }
    for (size_t i = 0; i < N_CANDIDATES; i++)
        random_point(dims, d, rng, m.cand + i * d);
    int rc = score_candidates(&m, acq);
    if (rc != HPO_OK)
        goto out;
    n_starts = pick_starts(m.f, N_CANDIDATES, rng, m.starts, m.w);
    for (size_t s = 0; s <= n_starts; s++) {
        const double *start = s < n_starts ? m.cand + m.starts[s] * d : warm;
        if (start == NULL)
            continue;
        memcpy(m.c.x, start, d * sizeof(double));
        double v = local_search(&m.c, m.xc, m.lo, m.hi);
        if (v > best_v || s == 0) {
            best_v = v;
            memcpy(m.best, m.c.x, d * sizeof(double));
        }
    }
    memcpy(x_out, m.best, d * sizeof(double));
    *value_out = best_v;
out:
    mem_free(&m);
    return rc;
}
