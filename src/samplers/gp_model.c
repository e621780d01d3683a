/*
 * gp_model.c - the GP of gp_model.h. Everything is O(n^2 d) in C loops plus
 * O(n^3) LAPACK calls (dpotrf/dpotri) per evaluation of the fit objective; the
 * gradient of the log marginal likelihood is 0.5 tr((aa^T - K^-1) dK/dtheta).
 */
#include "samplers/gp_model.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/lbfgsb.h"

#define LOG_2PI 1.8378770664093453
#define MIN_VAR 1e-10

double hpo__matern52(double d2)
{
    double s = sqrt(5.0 * d2);
    return exp(-s) * (5.0 / 3.0 * d2 + s + 1.0);
}

double hpo__matern52_grad(double d2)
{
    double s = sqrt(5.0 * d2);
    return -5.0 / 6.0 * (1.0 + s) * exp(-s);
}

/* Squared scaled distance between two points. */
static double sq_dist(const hpo__gp *gp, const double *a, const double *b)
{
    double d2 = 0.0;
    for (size_t j = 0; j < gp->d; j++) {
        double diff = a[j] - b[j];
        d2 += gp->p.inv_sq_ls[j] * (gp->is_cat[j] ? (diff != 0.0) : diff * diff);
    }
    return d2;
}

static double diff_sq(const hpo__gp *gp, size_t j, const double *a, const double *b)
{
    double diff = a[j] - b[j];
    return gp->is_cat[j] ? (diff != 0.0) : diff * diff;
}

int hpo__gp_init(hpo__gp *gp, size_t n, size_t d, const double *X, const bool *is_cat,
        const double *y)
{
    memset(gp, 0, sizeof(*gp));
    if (n == 0 || n > (size_t)1 << 16)
        return hpo__error_set(HPO_EINVAL, "gp: %zu observations (1..65536)", n);
    gp->n = n;
    gp->d = d;
    gp->X = hpo__malloc((n * d + 1) * sizeof(double));
    gp->is_cat = hpo__malloc((d + 1) * sizeof(bool));
    gp->y = hpo__malloc(n * sizeof(double));
    gp->p.inv_sq_ls = hpo__malloc((d + 1) * sizeof(double));
    gp->L = hpo__malloc(n * n * sizeof(double));
    gp->alpha = hpo__malloc(n * sizeof(double));
    if (!gp->X || !gp->is_cat || !gp->y || !gp->p.inv_sq_ls || !gp->L || !gp->alpha) {
        hpo__gp_free(gp);
        return hpo__error_set(HPO_ENOMEM, "gp: out of memory for %zu observations", n);
    }
    memcpy(gp->X, X, n * d * sizeof(double));
    memcpy(gp->is_cat, is_cat, d * sizeof(bool));
    memcpy(gp->y, y, n * sizeof(double));
    for (size_t j = 0; j < d; j++)
        gp->p.inv_sq_ls[j] = 1.0;
    gp->p.scale = 1.0;
    gp->p.noise = 1.0;
    return HPO_OK;
}

void hpo__gp_free(hpo__gp *gp)
{
    hpo__free(gp->X);
    hpo__free(gp->is_cat);
    hpo__free(gp->y);
    hpo__free(gp->p.inv_sq_ls);
    hpo__free(gp->L);
    hpo__free(gp->alpha);
    memset(gp, 0, sizeof(*gp));
}

/* K at gp->p into K (column-major, lower triangle) and, when d2 != NULL, the
 * squared distances into d2 (lower triangle). */
static void build_kernel(const hpo__gp *gp, double *K, double *d2)
{
    size_t n = gp->n;
    for (size_t k = 0; k < n; k++) {
        K[k + n * k] = gp->p.scale + gp->p.noise;
        if (d2 != NULL)
            d2[k + n * k] = 0.0;
        for (size_t i = k + 1; i < n; i++) {
            double r2 = sq_dist(gp, gp->X + i * gp->d, gp->X + k * gp->d);
            K[i + n * k] = gp->p.scale * hpo__matern52(r2);
            if (d2 != NULL)
                d2[i + n * k] = r2;
        }
    }
}

/* Cholesky of K in place, alpha = K^-1 y, returns log det K (NaN on failure). */
static double factor_solve(const hpo__gp *gp, double *L, double *alpha)
{
    size_t n = gp->n;
    double logdet = 0.0;
    if (LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', (lapack_int)n, L, (lapack_int)n) != 0)
        return NAN;
    for (size_t i = 0; i < n; i++)
        logdet += 2.0 * log(L[i + n * i]);
    memcpy(alpha, gp->y, n * sizeof(double));
    if (LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'L', (lapack_int)n, 1, L, (lapack_int)n, alpha,
                (lapack_int)n) != 0)
        return NAN;
    return logdet;
}

static double log_prior(const hpo__gp_params *p, size_t d, bool deterministic)
{
    double lp = 0.0;
    for (size_t j = 0; j < d; j++)
        lp -= 0.1 / p->inv_sq_ls[j] + 0.1 * p->inv_sq_ls[j];
    lp += log(p->scale) - p->scale; /* Gamma(2, 1) */
    if (!deterministic)
        lp += 0.1 * log(p->noise) - 30.0 * p->noise; /* Gamma(1.1, 30) */
    return lp;
}

static void set_params(hpo__gp *gp, const double *theta, bool deterministic)
{
    for (size_t j = 0; j < gp->d; j++)
        gp->p.inv_sq_ls[j] = exp(theta[j]);
    gp->p.scale = exp(theta[gp->d]);
    gp->p.noise = deterministic ? HPO__GP_MIN_NOISE : HPO__GP_MIN_NOISE + exp(theta[gp->d + 1]);
}

typedef struct fit_work {
    hpo__gp *gp;
    bool deterministic;
    double *L, *d2, *alpha;
} fit_work;

/* Gradient of the LML part, with W = aa^T - K^-1 held in Kinv's lower triangle. */
static void lml_grad(const hpo__gp *gp, const double *W, const double *d2, bool deterministic,
        double *grad)
{
    size_t n = gp->n, d = gp->d;
    double gs = 0.0, tr = 0.0;
    memset(grad, 0, (d + (deterministic ? 1 : 2)) * sizeof(double));
    for (size_t k = 0; k < n; k++) {
        const double *xk = gp->X + k * d;
        tr += W[k + n * k];
        gs += 0.5 * W[k + n * k] * gp->p.scale;
        for (size_t i = k + 1; i < n; i++) {
            double r2 = d2[i + n * k], w = W[i + n * k];
            const double *xi = gp->X + i * d;
            double c = w * gp->p.scale * hpo__matern52_grad(r2);
            gs += w * gp->p.scale * hpo__matern52(r2);
            for (size_t j = 0; j < d; j++)
                grad[j] += c * diff_sq(gp, j, xi, xk) * gp->p.inv_sq_ls[j];
        }
    }
    grad[d] = gs;
    if (!deterministic)
        grad[d + 1] = 0.5 * tr * (gp->p.noise - HPO__GP_MIN_NOISE);
}

static double log_posterior(fit_work *w, const double *theta, double *grad)
{
    hpo__gp *gp = w->gp;
    size_t n = gp->n, d = gp->d;
    set_params(gp, theta, w->deterministic);
    build_kernel(gp, w->L, w->d2);
    double logdet = factor_solve(gp, w->L, w->alpha);
    if (isnan(logdet))
        return -HUGE_VAL;
    double yKy = cblas_ddot((int)n, gp->y, 1, w->alpha, 1);
    double lp = -0.5 * yKy - 0.5 * logdet - 0.5 * (double)n * LOG_2PI +
                log_prior(&gp->p, d, w->deterministic);
    if (grad == NULL)
        return lp;
    /* W = alpha alpha^T - K^-1, lower triangle, in place of L */
    if (LAPACKE_dpotri(LAPACK_COL_MAJOR, 'L', (lapack_int)n, w->L, (lapack_int)n) != 0)
        return -HUGE_VAL;
    for (size_t k = 0; k < n; k++)
        for (size_t i = k; i < n; i++)
            w->L[i + n * k] = w->alpha[i] * w->alpha[k] - w->L[i + n * k];
    lml_grad(gp, w->L, w->d2, w->deterministic, grad);
    for (size_t j = 0; j < d; j++) {
        double l = gp->p.inv_sq_ls[j];
        grad[j] += 0.1 / l - 0.1 * l;
    }
    grad[d] += 1.0 - gp->p.scale;
    if (!w->deterministic) {
        double e = gp->p.noise - HPO__GP_MIN_NOISE;
        grad[d + 1] += (0.1 / gp->p.noise - 30.0) * e;
    }
    return lp;
}

static int fit_work_alloc(fit_work *w, hpo__gp *gp, bool deterministic)
{
    size_t n = gp->n;
    w->gp = gp;
    w->deterministic = deterministic;
    w->L = hpo__malloc(n * n * sizeof(double));
    w->d2 = hpo__malloc(n * n * sizeof(double));
    w->alpha = hpo__malloc(n * sizeof(double));
    if (!w->L || !w->d2 || !w->alpha) {
        hpo__free(w->L);
        hpo__free(w->d2);
        hpo__free(w->alpha);
        return hpo__error_set(HPO_ENOMEM, "gp: out of memory fitting %zu observations", n);
    }
    return HPO_OK;
}

static void fit_work_free(fit_work *w)
{
    hpo__free(w->L);
    hpo__free(w->d2);
    hpo__free(w->alpha);
}

double hpo__gp_log_posterior(hpo__gp *gp, const double *theta, bool deterministic, double *grad)
{
    fit_work w;
    double v;
    if (fit_work_alloc(&w, gp, deterministic) != HPO_OK)
        return -HUGE_VAL;
    v = log_posterior(&w, theta, grad);
    fit_work_free(&w);
    return v;
}

/* L-BFGS-B minimises the negated log posterior. */
static double neg_log_posterior(const double *theta, double *grad, void *payload)
{
    fit_work *w = payload;
    size_t k = w->gp->d + (w->deterministic ? 1 : 2);
    double v = log_posterior(w, theta, grad);
    if (!isfinite(v))
        return HUGE_VAL;
    for (size_t i = 0; i < k; i++)
        grad[i] = -grad[i];
    return -v;
}

static void params_to_theta(const hpo__gp *gp, double *theta)
{
    for (size_t j = 0; j < gp->d; j++)
        theta[j] = log(gp->p.inv_sq_ls[j]);
    theta[gp->d] = log(gp->p.scale);
    theta[gp->d + 1] = log(fmax(gp->p.noise - HPO__GP_MIN_NOISE, 1e-12));
}

/* One L-BFGS-B run from theta; true when it produced a finite optimum. */
static bool fit_from(fit_work *w, double *theta, const double *lo, const double *hi, size_t k)
{
    hpo__lbfgsb_opts o = HPO__LBFGSB_OPTS_INIT;
    double f;
    o.pgtol = 1e-2; /* Optuna's gtol */
    o.max_evals = 500;
    if (hpo__lbfgsb_minimize(k, theta, lo, hi, neg_log_posterior, w, &o, &f) != HPO_OK)
        return false;
    return isfinite(f);
}

int hpo__gp_fit(hpo__gp *gp, bool deterministic)
{
    size_t d = gp->d, k = d + (deterministic ? 1 : 2);
    double *theta = hpo__malloc((d + 2) * sizeof(double));
    double *lo = hpo__malloc((d + 2) * sizeof(double));
    double *hi = hpo__malloc((d + 2) * sizeof(double));
    fit_work w;
    int rc;
    if (theta == NULL || lo == NULL || hi == NULL) {
        rc = hpo__error_set(HPO_ENOMEM, "gp: out of memory");
        goto out;
    }
    if ((rc = fit_work_alloc(&w, gp, deterministic)) != HPO_OK)
        goto out;
    /* Wide boxes on the logs keep the line search away from overflow. */
    for (size_t j = 0; j <= d; j++) {
        lo[j] = -15.0;
        hi[j] = 15.0;
    }
    lo[d + 1] = -30.0;
    hi[d + 1] = 3.0;
    params_to_theta(gp, theta);
    if (!fit_from(&w, theta, lo, hi, k)) {
        memset(theta, 0, (d + 2) * sizeof(double)); /* the defaults: all 1.0 */
        if (!fit_from(&w, theta, lo, hi, k))
            memset(theta, 0, (d + 2) * sizeof(double));
    }
    set_params(gp, theta, deterministic);
    fit_work_free(&w);
    rc = hpo__gp_factorize(gp);
out:
    hpo__free(theta);
    hpo__free(lo);
    hpo__free(hi);
    return rc;
}

int hpo__gp_factorize(hpo__gp *gp)
{
    build_kernel(gp, gp->L, NULL);
    double logdet = factor_solve(gp, gp->L, gp->alpha);
    if (isnan(logdet))
        return hpo__error_set(HPO_ERROR, "gp: kernel matrix of %zu points is not positive "
                "definite", gp->n);
    gp->lml = -0.5 * cblas_ddot((int)gp->n, gp->y, 1, gp->alpha, 1) - 0.5 * logdet -
              0.5 * (double)gp->n * LOG_2PI;
    return HPO_OK;
}

int hpo__gp_predict(const hpo__gp *gp, size_t m, const double *x, double *mean, double *var)
{
    size_t n = gp->n, d = gp->d;
    double *Kc = hpo__malloc(n * m * sizeof(double) + 1);
    double *Xs = hpo__malloc((n + 1) * d * sizeof(double) + 1);
    bool any_cat = false;
    if (Kc == NULL || Xs == NULL) {
        hpo__free(Kc);
        hpo__free(Xs);
        return hpo__error_set(HPO_ENOMEM, "gp: out of memory predicting %zu points", m);
    }
    /* Coordinates pre-scaled by the length scales: the distance loop then has no
     * multiply by inv_sq_ls and, without categoricals, no branch. */
    for (size_t j = 0; j < d; j++) {
        double w = sqrt(gp->p.inv_sq_ls[j]);
        any_cat = any_cat || gp->is_cat[j];
        for (size_t i = 0; i < n; i++)
            Xs[i * d + j] = gp->X[i * d + j] * w;
    }
    for (size_t c = 0; c < m; c++) {
        const double *xc = x + c * d;
        double *col = Kc + n * c;
        if (any_cat) {
            for (size_t i = 0; i < n; i++)
                col[i] = sq_dist(gp, xc, gp->X + i * d);
        } else {
            double *xs = Xs + n * d;
            for (size_t j = 0; j < d; j++)
                xs[j] = xc[j] * sqrt(gp->p.inv_sq_ls[j]);
            for (size_t i = 0; i < n; i++) {
                const double *xi = Xs + i * d;
                double d2 = 0.0;
                for (size_t j = 0; j < d; j++)
                    d2 += (xs[j] - xi[j]) * (xs[j] - xi[j]);
                col[i] = d2;
            }
        }
        /* a separate pass keeps the exp loop free of the distance's branches */
        for (size_t i = 0; i < n; i++) {
            double s = sqrt(5.0 * col[i]);
            col[i] = gp->p.scale * exp(-s) * (5.0 / 3.0 * col[i] + s + 1.0);
        }
    }
    for (size_t c = 0; c < m; c++)
        mean[c] = cblas_ddot((int)n, Kc + n * c, 1, gp->alpha, 1);
    cblas_dtrsm(CblasColMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, (int)n, (int)m,
            1.0, gp->L, (int)n, Kc, (int)n);
    for (size_t c = 0; c < m; c++) {
        double v = gp->p.scale - cblas_ddot((int)n, Kc + n * c, 1, Kc + n * c, 1);
        var[c] = v > MIN_VAR ? v : MIN_VAR;
    }
    hpo__free(Kc);
    hpo__free(Xs);
    return HPO_OK;
}

void hpo__gp_predict_one(const hpo__gp *gp, const double *x, double *mean, double *var,
        double *work)
{
    size_t n = gp->n;
    for (size_t i = 0; i < n; i++)
        work[i] = gp->p.scale * hpo__matern52(sq_dist(gp, x, gp->X + i * gp->d));
    *mean = cblas_ddot((int)n, work, 1, gp->alpha, 1);
    cblas_dtrsv(CblasColMajor, CblasLower, CblasNoTrans, CblasNonUnit, (int)n, gp->L, (int)n,
            work, 1);
    double v = gp->p.scale - cblas_ddot((int)n, work, 1, work, 1);
    *var = v > MIN_VAR ? v : MIN_VAR;
}

void hpo__gp_predict_grad(const hpo__gp *gp, const double *x, double *mean, double *var,
        double *dmean, double *dvar, double *work)
{
    size_t n = gp->n, d = gp->d;
    double *k = work, *u = work + n, *r2 = work + 2 * n, v;
    for (size_t i = 0; i < n; i++) {
        r2[i] = sq_dist(gp, x, gp->X + i * d);
        k[i] = gp->p.scale * hpo__matern52(r2[i]);
    }
    *mean = cblas_ddot((int)n, k, 1, gp->alpha, 1);
    memcpy(u, k, n * sizeof(double));
    cblas_dtrsv(CblasColMajor, CblasLower, CblasNoTrans, CblasNonUnit, (int)n, gp->L, (int)n, u, 1);
    v = gp->p.scale - cblas_ddot((int)n, u, 1, u, 1);
    /* u = K^-1 k for the variance's gradient */
    cblas_dtrsv(CblasColMajor, CblasLower, CblasTrans, CblasNonUnit, (int)n, gp->L, (int)n, u, 1);
    memset(dmean, 0, d * sizeof(double));
    memset(dvar, 0, d * sizeof(double));
    for (size_t i = 0; i < n; i++) {
        const double *xi = gp->X + i * d;
        double a = 2.0 * gp->p.scale * hpo__matern52_grad(r2[i]);
        for (size_t j = 0; j < d; j++) {
            if (gp->is_cat[j])
                continue;
            double dk = a * gp->p.inv_sq_ls[j] * (x[j] - xi[j]);
            dmean[j] += gp->alpha[i] * dk;
            dvar[j] -= 2.0 * u[i] * dk;
        }
    }
    if (v <= MIN_VAR) {
        v = MIN_VAR;
        memset(dvar, 0, d * sizeof(double));
    }
    *var = v;
}
