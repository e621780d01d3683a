/*
 * cmaes_core.c - CMA-ES (and CMA-ES with margin) on a box, after the `cmaes`
 * package's CMA and CMAwM classes: the same constants, weights (with
 * negative weights for the worse half), update order and termination tests,
 * so a run here behaves as one there (the random streams differ). See
 * cmaes_core.h for the contract.
 */
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "samplers/cmaes_core.h"

#define EPS       1e-8
#define SIGMA_MAX 1e32

size_t hpo__cma_default_popsize(size_t d)
{
    return 4 + (size_t)floor(3.0 * log((double)d));
}

void hpo__cma_free(hpo__cma *c)
{
    double **bufs[] = {&c->w, &c->mean, &c->ps, &c->pc, &c->C, &c->B, &c->D, &c->lo, &c->hi,
            &c->funhist, &c->zlow, &c->zstep, &c->A, &c->work};
    for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++)
        hpo__free(*bufs[i]);
    hpo__free(c->zi);
    hpo__free(c->zsize);
    memset(c, 0, sizeof(*c));
}

/* Learning rates and weights of the `cmaes` package (Hansen's eq. 48-56). */
static void set_constants(hpo__cma *c)
{
    size_t n = c->popsize, mu = n / 2;
    double d = (double)c->d, sp = 0, sp2 = 0, sn = 0, sn2 = 0, pos = 0, neg = 0;
    for (size_t i = 0; i < n; i++) {
        double wp = log((double)(n + 1) / 2.0) - log((double)(i + 1));
        c->w[i] = wp;
        if (i < mu) {
            sp += wp;
            sp2 += wp * wp;
        } else {
            sn += wp;
            sn2 += wp * wp;
        }
        if (wp > 0)
            pos += wp;
        else
            neg -= wp;
    }
    c->mu = mu;
    c->mu_eff = sp * sp / sp2;
    double mu_eff_minus = sn2 > 0 ? sn * sn / sn2 : 0.0;
    c->c1 = 2.0 / ((d + 1.3) * (d + 1.3) + c->mu_eff);
    c->cmu = fmin(1 - c->c1 - 1e-8,
            2.0 * (c->mu_eff - 2 + 1 / c->mu_eff) / ((d + 2) * (d + 2) + c->mu_eff));
    double min_alpha = fmin(1 + c->c1 / c->cmu,
            fmin(1 + 2 * mu_eff_minus / (c->mu_eff + 2), (1 - c->c1 - c->cmu) / (d * c->cmu)));
    c->sum_w = 0;
    for (size_t i = 0; i < n; i++) {
        c->w[i] = c->w[i] >= 0 ? c->w[i] / pos : min_alpha / neg * c->w[i];
        c->sum_w += c->w[i];
    }
    c->c_sigma = (c->mu_eff + 2) / (d + c->mu_eff + 5);
    c->d_sigma = 1 + 2 * fmax(0.0, sqrt((c->mu_eff - 1) / (d + 1)) - 1) + c->c_sigma;
    c->cc = (4 + c->mu_eff / d) / (d + 4 + 2 * c->mu_eff / d);
    c->chi_n = sqrt(d) * (1.0 - 1.0 / (4.0 * d) + 1.0 / (21.0 * d * d));
}

static int alloc_all(hpo__cma *c, size_t d, size_t n)
{
    size_t work = 4 * d + d * d + n * (d + 1);
    c->w = hpo__calloc(n, sizeof(double));
    c->mean = hpo__calloc(d, sizeof(double));
    c->ps = hpo__calloc(d, sizeof(double));
    c->pc = hpo__calloc(d, sizeof(double));
    c->C = hpo__calloc(d * d, sizeof(double));
    c->B = hpo__calloc(d * d, sizeof(double));
    c->D = hpo__calloc(d, sizeof(double));
    c->lo = hpo__calloc(d, sizeof(double));
    c->hi = hpo__calloc(d, sizeof(double));
    c->A = hpo__calloc(d, sizeof(double));
    c->work = hpo__calloc(work, sizeof(double));
    c->zi = hpo__calloc(d, sizeof(size_t));
    c->zlow = hpo__calloc(d, sizeof(double));
    c->zstep = hpo__calloc(d, sizeof(double));
    c->zsize = hpo__calloc(d, sizeof(int64_t));
    if (!c->w || !c->mean || !c->ps || !c->pc || !c->C || !c->B || !c->D || !c->lo || !c->hi ||
            !c->A || !c->work || !c->zi || !c->zlow || !c->zstep || !c->zsize)
        return hpo__error_set(HPO_ENOMEM, "cmaes: out of memory for dimension %zu", d);
    return HPO_OK;
}

static int check_init(size_t d, const double *mean, double sigma, const double *lo,
        const double *hi, size_t popsize)
{
    if (d == 0 || d > 100000)
        return hpo__error_set(HPO_EINVAL, "cmaes: dimension %zu out of range", d);
    if (!(sigma > 0) || !isfinite(sigma))
        return hpo__error_set(HPO_EINVAL, "cmaes: sigma0 (%g) must be finite and > 0", sigma);
    if (popsize == 1 || popsize > (1u << 20))
        return hpo__error_set(HPO_EINVAL, "cmaes: popsize %zu must be 2..%u", popsize, 1u << 20);
    for (size_t j = 0; j < d; j++)
        if (!(lo[j] < hi[j]) || !isfinite(lo[j]) || !isfinite(hi[j]) || !(mean[j] >= lo[j]) ||
                !(mean[j] <= hi[j]))
            return hpo__error_set(HPO_EINVAL,
                    "cmaes: dimension %zu: mean %g outside the box [%g, %g]", j, mean[j], lo[j],
                    hi[j]);
    return HPO_OK;
}

/* Discrete index of v: the nearest grid point, ties to the lower one (CMAwM). */
static int64_t grid_index(const hpo__cma *c, size_t k, double v)
{
    double low = c->zlow[k], step = c->zstep[k];
    int64_t n = c->zsize[k];
    double f = floor((v - low) / step + 0.5);
    int64_t i = f < 0 ? 0 : (f > (double)(n - 1) ? n - 1 : (int64_t)f);
    if (i > 0 && v <= low + ((double)(i - 1) + 0.5) * step)
        i--;
    if (i < n - 1 && v > low + ((double)i + 0.5) * step)
        i++;
    return i;
}

/* The margin's limits around the grid point of the mean: the midpoints below and above. */
static void grid_limits(const hpo__cma *c, size_t k, double v, double *lim_lo, double *lim_up)
{
    int64_t n = c->zsize[k], p = grid_index(c, k, v);
    int64_t l = p - 1 < 0 ? 0 : (p - 1 > n - 2 ? n - 2 : p - 1);
    int64_t u = p > n - 2 ? n - 2 : p;
    *lim_lo = c->zlow[k] + ((double)l + 0.5) * c->zstep[k];
    *lim_up = c->zlow[k] + ((double)u + 0.5) * c->zstep[k];
}

static int init_margin(hpo__cma *c, const double *steps)
{
    for (size_t j = 0; j < c->d; j++) {
        c->A[j] = 1.0;
        if (steps == NULL || !(steps[j] > 0))
            continue;
        size_t k = c->nz++;
        c->zi[k] = j;
        c->zlow[k] = c->lo[j];
        c->zstep[k] = steps[j];
        c->zsize[k] = (int64_t)ceil((c->hi[j] + steps[j] / 2 - c->lo[j]) / steps[j]);
        if (c->zsize[k] < 2)
            return hpo__error_set(HPO_EINVAL,
                    "cmaes: discrete dimension %zu has fewer than two grid points", j);
    }
    c->margin = 1.0 / ((double)c->d * (double)c->popsize);
    return HPO_OK;
}

int hpo__cma_init(hpo__cma *c, size_t d, const double *mean, double sigma, const double *lo,
        const double *hi, const double *steps, size_t popsize)
{
    int rc;
    memset(c, 0, sizeof(*c));
    HPO_TRY(check_init(d, mean, sigma, lo, hi, popsize));
    if (popsize == 0)
        popsize = hpo__cma_default_popsize(d);
    c->d = d;
    c->popsize = popsize;
    c->funhist_term = 10 + (size_t)ceil(30.0 * (double)d / (double)popsize);
    c->funhist = hpo__calloc(2 * c->funhist_term, sizeof(double));
    if (c->funhist == NULL || (rc = alloc_all(c, d, popsize)) != HPO_OK) {
        hpo__cma_free(c);
        return hpo__error_set(HPO_ENOMEM, "cmaes: out of memory for dimension %zu", d);
    }
    set_constants(c);
    memcpy(c->mean, mean, d * sizeof(double));
    memcpy(c->lo, lo, d * sizeof(double));
    memcpy(c->hi, hi, d * sizeof(double));
    for (size_t j = 0; j < d; j++)
        c->C[j * d + j] = 1.0;
    c->sigma = sigma;
    c->n_resample = 10 * d;
    c->tolx = 1e-12 * sigma;
    c->tolxup = 1e4;
    c->tolfun = 1e-12;
    c->tolcond = 1e14;
    if ((rc = init_margin(c, steps)) != HPO_OK)
        hpo__cma_free(c);
    return rc;
}

/* B, D with C = B diag(D^2) B^T; C is symmetrised and rebuilt from them, as in `cmaes`. */
static int eigen(hpo__cma *c)
{
    size_t d = c->d;
    if (c->eig_ok)
        return HPO_OK;
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < i; j++)
            c->C[i * d + j] = c->C[j * d + i] = (c->C[i * d + j] + c->C[j * d + i]) / 2;
    memcpy(c->B, c->C, d * d * sizeof(double));
    lapack_int info = LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)d, c->B,
            (lapack_int)d, c->D);
    if (info != 0)
        return hpo__error_set(HPO_ERROR, "cmaes: eigendecomposition of C failed (dsyev %d)",
                (int)info);
    for (size_t j = 0; j < d; j++)
        c->D[j] = sqrt(c->D[j] < 0 ? EPS : c->D[j]);
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) {
            double s = 0;
            for (size_t k = 0; k < d; k++)
                s += c->B[i * d + k] * c->D[k] * c->D[k] * c->B[j * d + k];
            c->C[i * d + j] = s;
        }
    c->eig_ok = true;
    return HPO_OK;
}

static void sample(hpo__cma *c, hpo_rng *rng, double *x)
{
    size_t d = c->d;
    double *z = c->work;
    for (size_t k = 0; k < d; k++)
        z[k] = c->D[k] * hpo__rng_normal(rng);
    for (size_t i = 0; i < d; i++) {
        double y = 0;
        for (size_t k = 0; k < d; k++)
            y += c->B[i * d + k] * z[k];
        x[i] = c->mean[i] + c->sigma * y;
    }
}

static bool is_discrete(const hpo__cma *c, size_t j)
{
    for (size_t k = 0; k < c->nz; k++)
        if (c->zi[k] == j)
            return true;
    return false;
}

static bool feasible(const hpo__cma *c, const double *x)
{
    for (size_t j = 0; j < c->d; j++)
        if (!is_discrete(c, j) && (x[j] < c->lo[j] || x[j] > c->hi[j]))
            return false;
    return true;
}

int hpo__cma_ask(hpo__cma *c, hpo_rng *rng, double *x_eval, double *x_tell)
{
    size_t i;
    HPO_TRY(eigen(c));
    for (i = 0; i < c->n_resample; i++) {
        sample(c, rng, x_tell);
        if (feasible(c, x_tell))
            break;
    }
    if (i == c->n_resample) {
        sample(c, rng, x_tell);
        for (size_t j = 0; j < c->d; j++)
            if (!is_discrete(c, j))
                x_tell[j] = fmin(fmax(x_tell[j], c->lo[j]), c->hi[j]);
    }
    memcpy(x_eval, x_tell, c->d * sizeof(double));
    for (size_t k = 0; k < c->nz; k++) {
        size_t j = c->zi[k];
        double v = (x_tell[j] - c->mean[j]) * c->A[j] + c->mean[j];
        x_eval[j] = c->zlow[k] + (double)grid_index(c, k, v) * c->zstep[k];
    }
    return HPO_OK;
}

/* ---- tell ----------------------------------------------------------------- */

/* order[0..n) = indices of f ascending, ties by index (Python's stable sort). */
static void argsort(const double *f, size_t n, size_t *order)
{
    for (size_t i = 0; i < n; i++) {
        size_t j = i;
        while (j > 0 && f[order[j - 1]] > f[i]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
}

/* out = C^(-1/2) v = B diag(1/D) B^T v (scratch: tmp, d). */
static void inv_sqrt_c(const hpo__cma *c, const double *v, double *tmp, double *out)
{
    size_t d = c->d;
    for (size_t k = 0; k < d; k++) {
        double s = 0;
        for (size_t i = 0; i < d; i++)
            s += c->B[i * d + k] * v[i];
        tmp[k] = s / c->D[k];
    }
    for (size_t i = 0; i < d; i++) {
        double s = 0;
        for (size_t k = 0; k < d; k++)
            s += c->B[i * d + k] * tmp[k];
        out[i] = s;
    }
}

static double norm2(const double *v, size_t d)
{
    double s = 0;
    for (size_t i = 0; i < d; i++)
        s += v[i] * v[i];
    return s;
}

/* Mean, step size and paths; Y holds the sorted steps y_k = (x_k - m) / sigma. */
static double update_mean_sigma(hpo__cma *c, const double *Y, double *yw, double *tmp)
{
    size_t d = c->d;
    double *cy = tmp + d;
    memset(yw, 0, d * sizeof(double));
    for (size_t k = 0; k < c->mu; k++)
        for (size_t j = 0; j < d; j++)
            yw[j] += c->w[k] * Y[k * d + j];
    for (size_t j = 0; j < d; j++)
        c->mean[j] += c->sigma * yw[j];
    inv_sqrt_c(c, yw, tmp, cy);
    double a = sqrt(c->c_sigma * (2 - c->c_sigma) * c->mu_eff);
    for (size_t j = 0; j < d; j++)
        c->ps[j] = (1 - c->c_sigma) * c->ps[j] + a * cy[j];
    double nps = sqrt(norm2(c->ps, d));
    c->sigma *= exp((c->c_sigma / c->d_sigma) * (nps / c->chi_n - 1));
    c->sigma = fmin(c->sigma, SIGMA_MAX);
    return nps;
}

static void update_cov(hpo__cma *c, const double *Y, const double *yw, double nps, double *tmp,
        double *wio)
{
    size_t d = c->d, n = c->popsize;
    double *cy = tmp + d;
    double left = nps / sqrt(1 - pow(1 - c->c_sigma, 2.0 * (double)(c->g + 1)));
    double h = left < (1.4 + 2.0 / ((double)d + 1)) * c->chi_n ? 1.0 : 0.0;
    double a = h * sqrt(c->cc * (2 - c->cc) * c->mu_eff);
    for (size_t j = 0; j < d; j++)
        c->pc[j] = (1 - c->cc) * c->pc[j] + a * yw[j];
    for (size_t k = 0; k < n; k++) {
        wio[k] = c->w[k];
        if (c->w[k] < 0) {
            inv_sqrt_c(c, Y + k * d, tmp, cy);
            wio[k] *= (double)d / (norm2(cy, d) + EPS);
        }
    }
    double dh = (1 - h) * c->cc * (2 - c->cc);
    double keep = 1 + c->c1 * dh - c->c1 - c->cmu * c->sum_w;
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) {
            double rmu = 0;
            for (size_t k = 0; k < n; k++)
                rmu += wio[k] * Y[k * d + i] * Y[k * d + j];
            c->C[i * d + j] = keep * c->C[i * d + j] + c->c1 * c->pc[i] * c->pc[j] + c->cmu * rmu;
        }
}

static double norm_cdf(double x, double loc, double scale)
{
    return 0.5 * erfc(-(x - loc) / (scale * sqrt(2.0)));
}

/* CMAwM's margin correction of the mean and A, one discrete dimension at a time. */
static void margin_correct(hpo__cma *c)
{
    double m = c->margin, mh = m / 2;
    for (size_t k = 0; k < c->nz; k++) {
        size_t j = c->zi[k];
        double lim_lo, lim_up, mean = c->mean[j], cd = sqrt(c->C[j * c->d + j]);
        grid_limits(c, k, mean, &lim_lo, &lim_up);
        double scale = c->sigma * c->A[j] * cd;
        double low = norm_cdf(lim_lo, mean, scale), up = 1.0 - norm_cdf(lim_up, mean, scale);
        double mid = 1.0 - (low + up);
        if (fmax(low, up) > 0.5) { /* the mean sits near an end of the grid */
            if (fmin(low, up) < m) {
                double sign = mean > lim_up ? 1.0 : (mean < lim_up ? -1.0 : 0.0);
                double dist = c->sigma * c->A[j] * hpo__norm_ppf(1.0 - m) * cd;
                c->mean[j] = lim_up + sign * dist;
            }
            continue;
        }
        low = fmax(low, mh);
        up = fmax(up, mh);
        double rest = 1.0 - low - up - mid, den = low + mid + up - 3.0 * mh;
        double mlow = fmin(fmax(low + rest * (low - mh) / den, 1e-10), 0.5 - 1e-10);
        double mup = fmin(fmax(up + rest * (up - mh) / den, 1e-10), 0.5 - 1e-10);
        double chi_lo = hpo__norm_ppf(1.0 - mlow), chi_up = hpo__norm_ppf(1.0 - mup);
        c->A[j] = (lim_up - lim_lo) / ((chi_lo + chi_up) * c->sigma * cd);
        c->mean[j] = (lim_lo * chi_up + lim_up * chi_lo) / (chi_lo + chi_up);
    }
}

int hpo__cma_tell(hpo__cma *c, const double *X, const double *f)
{
    size_t d = c->d, n = c->popsize, *order;
    /* scratch: tmp and C^(-1/2) y (2 d), y_w (d), Y (n d), the weights w_io (n) */
    double *tmp = c->work, *yw = c->work + 2 * d, *Y = c->work + 4 * d + d * d;
    double *wio = Y + n * d;
    for (size_t k = 0; k < n; k++)
        if (!isfinite(f[k]))
            return hpo__error_set(HPO_EINVAL, "cmaes: value %zu of the generation is %g", k,
                    f[k]);
    HPO_TRY(eigen(c));
    order = hpo__calloc(n, sizeof(size_t));
    if (order == NULL)
        return hpo__error_set(HPO_ENOMEM, "cmaes: out of memory");
    argsort(f, n, order);
    c->g++;
    size_t fh = 2 * ((size_t)c->g % c->funhist_term);
    c->funhist[fh] = f[order[0]];
    c->funhist[fh + 1] = f[order[n - 1]];
    for (size_t k = 0; k < n; k++)
        for (size_t j = 0; j < d; j++)
            Y[k * d + j] = (X[order[k] * d + j] - c->mean[j]) / c->sigma;
    hpo__free(order);
    double nps = update_mean_sigma(c, Y, yw, tmp);
    update_cov(c, Y, yw, nps, tmp, wio);
    c->eig_ok = false;
    margin_correct(c);
    return HPO_OK;
}

int hpo__cma_should_stop(hpo__cma *c, bool *out)
{
    size_t d = c->d;
    double dmax = 0, dmin = HUGE_VAL;
    *out = true;
    HPO_TRY(eigen(c));
    if ((size_t)c->g > c->funhist_term) {
        double lo = HUGE_VAL, hi = -HUGE_VAL;
        for (size_t i = 0; i < 2 * c->funhist_term; i++) {
            lo = fmin(lo, c->funhist[i]);
            hi = fmax(hi, c->funhist[i]);
        }
        if (hi - lo < c->tolfun)
            return HPO_OK;
    }
    bool small = true;
    for (size_t j = 0; j < d && small; j++)
        small = c->sigma * c->C[j * d + j] < c->tolx && c->sigma * c->pc[j] < c->tolx;
    if (small)
        return HPO_OK;
    for (size_t j = 0; j < d; j++) {
        dmax = fmax(dmax, c->D[j]);
        dmin = fmin(dmin, c->D[j]);
    }
    if (c->sigma * dmax > c->tolxup)
        return HPO_OK;
    for (size_t j = 0; j < d; j++)
        if (c->mean[j] == c->mean[j] + 0.2 * c->sigma * sqrt(c->C[j * d + j]))
            return HPO_OK;
    size_t ax = (size_t)c->g % d;
    bool same = true;
    for (size_t j = 0; j < d && same; j++)
        same = c->mean[j] == c->mean[j] + 0.1 * c->sigma * c->D[ax] * c->B[j * d + ax];
    if (same)
        return HPO_OK;
    *out = dmax / dmin > c->tolcond;
    return HPO_OK;
}

/* Acklam's rational approximation, refined by one Halley step on erfc. */
double hpo__norm_ppf(double p)
{
    static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
            -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01,
            2.506628277459239e+00};
    static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
            -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01};
    static const double cc[] = {-7.784894002430293e-03, -3.223964580411365e-01,
            -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00,
            2.938163982698783e+00};
    static const double dd[] = {7.784695709041462e-03, 3.224671290700398e-01,
            2.445134137142996e+00, 3.754408661907416e+00};
    double q, r, x;
    if (!(p > 0))
        return -HUGE_VAL;
    if (!(p < 1))
        return HUGE_VAL;
    if (p < 0.02425 || p > 1 - 0.02425) {
        q = sqrt(-2 * log(p < 0.5 ? p : 1 - p));
        x = (((((cc[0] * q + cc[1]) * q + cc[2]) * q + cc[3]) * q + cc[4]) * q + cc[5]) /
            ((((dd[0] * q + dd[1]) * q + dd[2]) * q + dd[3]) * q + 1);
        if (p > 0.5)
            x = -x;
    } else {
        q = p - 0.5;
        r = q * q;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    }
    double e = 0.5 * erfc(-x / sqrt(2.0)) - p;
    double u = e * sqrt(2 * M_PI) * exp(x * x / 2);
    return x - u / (1 + x * u / 2);
}
