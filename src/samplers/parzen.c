/*
 * parzen.c - the Parzen estimator behind TPE (reference/optuna.md §3.4).
 *
 * Each mixture component is a product of one kernel per parameter: a truncated
 * normal for continuous parameters, the normal's mass over the value's cell for
 * discrete ones, and a smoothed indicator for categoricals. Densities are
 * evaluated in log space throughout, with the Gaussian tail handled by log_ndtr
 * and its inverse, because TPE compares l and g far out in their tails.
 */
#include "samplers/parzen.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/distribution.h"
#include "core/error.h"

#define HPO__SQRT1_2     0.70710678118654752440
#define HPO__LOG_SQRT_2PI 0.91893853320467274178
#define HPO__EPS_SIGMA   1e-12

/* ==== Gaussian helpers ==================================================== */

static double ndtr(double z)
{
    return 0.5 * erfc(-z * HPO__SQRT1_2);
}

double hpo__log_ndtr(double z)
{
    if (z > 6.0)
        return log1p(-0.5 * erfc(z * HPO__SQRT1_2));
    if (z > -20.0)
        return log(ndtr(z));
    if (z == -HUGE_VAL)
        return -HUGE_VAL;
    /* Asymptotic series: Phi(z) ~ phi(z)/(-z) * (1 - 1/z^2 + 3/z^4 - 15/z^6 ...). */
    double log_lhs = -0.5 * z * z - log(-z) - HPO__LOG_SQRT_2PI;
    double rhs = 1.0, last = 0.0, numerator = 1.0, denom = 1.0, inv_z2 = 1.0 / (z * z);
    double sign = 1.0;
    for (int i = 1; fabs(last - rhs) > 2.220446049250313e-16 && i < 100; i++) {
        last = rhs;
        sign = -sign;
        denom *= inv_z2;
        numerator *= 2.0 * i - 1.0;
        rhs += sign * numerator * denom;
    }
    return log_lhs + log(rhs);
}

/* log(1 - exp(t)) for t <= 0, accurate on both sides of -ln 2. */
static double log1mexp(double t)
{
    if (t > -0.6931471805599453)
        return log(-expm1(t));
    return log1p(-exp(t));
}

/* log(exp(x) - exp(y)) for x >= y. */
static double log_diff(double x, double y)
{
    if (y == -HUGE_VAL)
        return x;
    if (!(x > y))
        return -HUGE_VAL;
    return x + log1mexp(y - x);
}

/* log(exp(x) + exp(y)). */
static double log_sum(double x, double y)
{
    double hi = x > y ? x : y, lo = x > y ? y : x;
    if (hi == -HUGE_VAL)
        return -HUGE_VAL;
    return hi + log1p(exp(lo - hi));
}

double hpo__log_gauss_mass(double a, double b)
{
    if (b <= 0.0)
        return log_diff(hpo__log_ndtr(b), hpo__log_ndtr(a));
    if (a > 0.0)
        return log_diff(hpo__log_ndtr(-a), hpo__log_ndtr(-b));
    /*
     * The interval holds the centre: subtract both tails from 1. A tail beyond
     * 8.5 sigma is below 1e-17, under the rounding of the result, so its erfc
     * is skipped (this is the hot path when building estimators).
     */
    return log1p(-(a > -8.5 ? ndtr(a) : 0.0) - (b < 8.5 ? ndtr(-b) : 0.0));
}

/* Wichura's AS241 (PPND16): the normal quantile to about 1e-16, p in (0, 1). */
static double ndtri(double p)
{
    double q = p - 0.5, r, x;
    if (fabs(q) <= 0.425) {
        r = 0.180625 - q * q;
        return q *
                (((((((2.5090809287301226727e+3 * r + 3.3430575583588128105e+4) * r +
                               6.7265770927008700853e+4) * r + 4.5921953931549871457e+4) * r +
                           1.3731693765509461125e+4) * r + 1.9715909503065514427e+3) * r +
                         1.3314166789178437745e+2) * r + 3.3871328727963666080e0) /
                (((((((5.2264952788528545610e+3 * r + 2.8729085735721942674e+4) * r +
                               3.9307895800092710610e+4) * r + 2.1213794301586595867e+4) * r +
                           5.3941960214247511077e+3) * r + 6.8718700749205790830e+2) * r +
                         4.2313330701600911252e+1) * r + 1.0);
    }
    r = q < 0.0 ? p : 1.0 - p;
    r = sqrt(-log(r));
    if (r <= 5.0) {
        r -= 1.6;
        x = (((((((7.74545014278341407640e-4 * r + 2.27238449892691845833e-2) * r +
                         2.41780725177450611770e-1) * r + 1.27045825245236838258e0) * r +
                       3.64784832476320460504e0) * r + 5.76949722146069140550e0) * r +
                     4.63033784615654529590e0) * r + 1.42343711074968357734e0) /
                (((((((1.05075007164441684324e-9 * r + 5.47593808499534494600e-4) * r +
                               1.51986665636164571966e-2) * r + 1.48103976427480074590e-1) * r +
                           6.89767334985100004550e-1) * r + 1.67638483018380384940e0) * r +
                         2.05319162663775882187e0) * r + 1.0);
    } else {
        r -= 5.0;
        x = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r +
                         1.24266094738807843860e-3) * r + 2.65321895265761230930e-2) * r +
                       2.96560571828504891230e-1) * r + 1.78482653991729133580e0) * r +
                     5.46378491116411436990e0) * r + 6.65790464350110377720e0) /
                (((((((2.04426310338993978564e-15 * r + 1.42151175831644588870e-7) * r +
                               1.84631831751005468180e-5) * r + 7.86869131145613259100e-4) * r +
                           1.48753612908506148525e-2) * r + 1.36929880922735805310e-1) * r +
                         5.99832206555887937690e-1) * r + 1.0);
    }
    return q < 0.0 ? -x : x;
}

double hpo__ndtri_exp(double y)
{
    double x;
    if (isnan(y))
        return y;
    if (y >= 0.0)
        return HUGE_VAL;
    if (y == -HUGE_VAL)
        return -HUGE_VAL;
    if (y < -700.0) {
        /* exp(y) underflows: start from the leading term of the tail asymptotics. */
        x = -sqrt(-2.0 * y - log(-2.0 * y) - 2.0 * HPO__LOG_SQRT_2PI);
    } else if (y <= -0.6931471805599453) {
        x = ndtri(exp(y));
    } else {
        /* Near 1 the complement keeps the precision exp(y) would lose. */
        x = -ndtri(-expm1(y));
    }
    /* Newton steps on log Phi polish the start (and carry the underflow case). */
    for (int i = 0; i < 60; i++) {
        double l = hpo__log_ndtr(x);
        double f = l - y;
        if (f == 0.0 || !isfinite(x))
            break;
        double dx = f * exp(l + 0.5 * x * x + HPO__LOG_SQRT_2PI);
        x -= dx;
        if (fabs(dx) <= 1e-15 * (1.0 + fabs(x)))
            break;
    }
    return x;
}

/* hpo__truncnorm_ppf given lmass = hpo__log_gauss_mass(a, b), for q in (0, 1). */
static double truncnorm_ppf_mass(double q, double a, double b, double lmass)
{
    double lphi, x;
    if (a < 0.0) {
        lphi = log_sum(hpo__log_ndtr(a), log(q) + lmass);
        x = hpo__ndtri_exp(lphi);
    } else {
        lphi = log_sum(hpo__log_ndtr(-b), log1p(-q) + lmass);
        x = -hpo__ndtri_exp(lphi);
    }
    if (x < a)
        x = a;
    if (x > b)
        x = b;
    return x;
}

double hpo__truncnorm_ppf(double q, double a, double b)
{
    if (q <= 0.0)
        return a;
    if (q >= 1.0)
        return b;
    return truncnorm_ppf_mass(q, a, b, hpo__log_gauss_mass(a, b));
}

/* ==== Building ============================================================ */

typedef struct mu_index {
    double mu;
    size_t i;
} mu_index;

/*
 * Stable bottom-up merge sort of (mu, index) pairs by mu. Sorting dominates
 * building an estimator, and qsort's callback per comparison costs several
 * times this inline loop. tmp holds n entries.
 */
#define SORT_RUN 8

static void sort_mus(mu_index *a, mu_index *tmp, size_t n)
{
    mu_index *src = a, *dst = tmp;
    /* Insertion-sort short runs first: three merge passes fewer. */
    for (size_t lo = 0; lo < n; lo += SORT_RUN) {
        size_t hi = lo + SORT_RUN < n ? lo + SORT_RUN : n;
        for (size_t i = lo + 1; i < hi; i++) {
            mu_index v = a[i];
            size_t j = i;
            while (j > lo && v.mu < a[j - 1].mu) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = v;
        }
    }
    for (size_t width = SORT_RUN; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                /* branch-free: the comparison is a coin flip for the predictor */
                size_t take_j = src[j].mu < src[i].mu;
                dst[k++] = src[take_j ? j : i];
                j += take_j;
                i += 1 - take_j;
            }
            while (i < mid)
                dst[k++] = src[i++];
            while (j < hi)
                dst[k++] = src[j++];
        }
        mu_index *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * sizeof(*a));
}

void hpo__parzen_free(hpo__parzen *pe)
{
    if (pe == NULL)
        return;
    for (size_t d = 0; pe->dims != NULL && d < pe->cap_dims; d++) {
        hpo__pz_dim *dim = &pe->dims[d];
        hpo__free(dim->mus);
        hpo__free(dim->sigmas);
        hpo__free(dim->log_norm);
        hpo__free(dim->inv_sigma);
        hpo__free(dim->lconst);
        hpo__free(dim->cat_obs);
        hpo__free(dim->kid);
    }
    hpo__free(pe->dims);
    hpo__free(pe->weights);
    hpo__free(pe->log_weights);
    hpo__free(pe->sort_scratch);
    hpo__free(pe->memo);
    memset(pe, 0, sizeof(*pe));
}

/* sigma clipped to [lo, hi] */
static double clip_sigma(double s, double lo, double hi)
{
    return s < lo ? lo : (s > hi ? hi : s);
}

/*
 * The neighbour rule (§3.4 steps 1-3) on sorted mus, clipped to [lo, hi] and
 * written back in input order.
 */
static void neighbour_sigmas(const mu_index *sorted, size_t n, double tlow, double thigh,
        bool consider_endpoints, double lo, double hi, double *sigmas)
{
    for (size_t j = 0; j < n; j++) {
        double prev = j == 0 ? tlow : sorted[j - 1].mu;
        double next = j + 1 == n ? thigh : sorted[j + 1].mu;
        double l = sorted[j].mu - prev, r = next - sorted[j].mu;
        sigmas[sorted[j].i] = clip_sigma(l > r ? l : r, lo, hi);
    }
    if (!consider_endpoints && n >= 2) {
        sigmas[sorted[0].i] = clip_sigma(sorted[1].mu - sorted[0].mu, lo, hi);
        sigmas[sorted[n - 1].i] = clip_sigma(sorted[n - 1].mu - sorted[n - 2].mu, lo, hi);
    }
}

/*
 * out[j] = (mus[order[j]], order[j]), and whether order lists the observations
 * sorted by (mu, index), as the stable sort would; a caller's cached order is
 * used only then.
 */
static bool fill_ordered(const double *mus, const uint32_t *order, size_t n, mu_index *out)
{
    for (size_t j = 0; j < n; j++) {
        uint32_t o = order[j];
        if (o >= n)
            return false;
        out[j].mu = mus[o];
        out[j].i = o;
        if (j > 0 && !(out[j - 1].mu < out[j].mu ||
                             (out[j - 1].mu == out[j].mu && out[j - 1].i < o)))
            return false;
    }
    return true;
}

/*
 * kid[] of a discrete dimension from its sorted mus: equal kernels sit in one
 * run of equal mus, and a few run members back are searched for the same
 * sigma and norm (most are clipped to minsigma). A kernel not matched there
 * gets a label of its own, which costs a recomputation, never a wrong mass.
 */
static void label_kernels(hpo__pz_dim *dim, const mu_index *sorted, size_t n_obs)
{
    uint32_t next = 0;
    size_t run = 0;
    for (size_t j = 0; j < n_obs; j++) {
        size_t c = sorted[j].i;
        uint32_t id = next;
        if (j > 0 && sorted[j].mu != sorted[j - 1].mu)
            run = j;
        for (size_t e = j; e > run && e + 4 > j; e--) {
            size_t ce = sorted[e - 1].i;
            if (dim->inv_sigma[ce] == dim->inv_sigma[c] && dim->log_norm[ce] == dim->log_norm[c]) {
                id = dim->kid[ce];
                break;
            }
        }
        next += id == next;
        dim->kid[c] = id;
    }
    dim->kid[n_obs] = next++; /* the prior */
    dim->n_kern = next;
}

static int build_numerical(hpo__pz_dim *dim, const hpo_distribution *dist, const double *obs,
        size_t stride, size_t n_obs, size_t n_dims, const hpo__parzen_opts *o,
        const uint32_t *order, const double *mus, mu_index *scratch)
{
    size_t nc = n_obs + 1;
    bool discrete = dist->kind == HPO_DIST_INT || dist->has_step;
    bool sorted = false;
    dim->kind = discrete ? HPO__PZ_DISCRETE : HPO__PZ_CONTINUOUS;
    dim->n_kern = 0;
    dim->log = dist->log;
    dim->low = dist->low;
    dim->high = dist->high;
    dim->step = discrete ? (dist->kind == HPO_DIST_INT ? (double)dist->istep : dist->step) : 0.0;
    dim->tlow = dim->low - dim->step / 2.0;
    dim->thigh = dim->high + dim->step / 2.0;
    if (dim->log) {
        dim->tlow = log(dim->tlow);
        dim->thigh = log(dim->thigh);
    }
    if (!(dim->thigh > dim->tlow) || !isfinite(dim->thigh - dim->tlow))
        return hpo__error_set(HPO_EINVAL, "parzen: empty or infinite range [%g, %g]", dim->low,
                dim->high);

    for (size_t i = 0; i < n_obs; i++) {
        double v = obs[i * stride];
        if (!isfinite(v) || (dim->log && v <= 0.0))
            return hpo__error_set(HPO_EINVAL, "parzen: observation %zu (%g) is not usable", i,
                    v);
        /* a caller's transformed values are the same bits (ln for log dims) */
        dim->mus[i] = mus != NULL ? mus[i] : (dim->log ? log(v) : v);
    }
    double range = dim->thigh - dim->tlow;
    double maxsigma = range;
    double minsigma = HPO__EPS_SIGMA;
    if (o->consider_magic_clip) {
        double k = (double)n_obs + 2.0; /* 1 + n_kernels, the prior being a kernel */
        minsigma = range / (k < 100.0 ? k : 100.0);
    }
    if (o->scott_bandwidth) {
        double n_eff = n_obs > 0 ? (double)n_obs : 1.0;
        double s = 0.2 * pow(n_eff, -1.0 / ((double)n_dims + 4.0)) * range;
        for (size_t i = 0; i < n_obs; i++)
            dim->sigmas[i] = clip_sigma(s, minsigma, maxsigma);
    } else if (n_obs > 0) {
        if (order == NULL || !fill_ordered(dim->mus, order, n_obs, scratch)) {
            for (size_t i = 0; i < n_obs; i++) {
                scratch[i].mu = dim->mus[i];
                scratch[i].i = i;
            }
            sort_mus(scratch, scratch + n_obs, n_obs);
        }
        neighbour_sigmas(scratch, n_obs, dim->tlow, dim->thigh, o->consider_endpoints,
                minsigma, maxsigma, dim->sigmas);
        sorted = true;
    }
    dim->mus[n_obs] = 0.5 * (dim->tlow + dim->thigh);
    dim->sigmas[n_obs] = range;
    /*
     * Past a hundred observations most sigmas are clipped to minsigma, so its
     * reciprocal and log are computed once; a kernel 8.5 sigmas clear of both
     * bounds has log_norm -0.0, exactly what hpo__log_gauss_mass returns there.
     * All kernels take that first (no branch on the data); the ones near a
     * bound, listed past the sorted run in scratch, get their norm after.
     */
    double min_inv = 1.0 / minsigma, min_lsig = -log(minsigma) - HPO__LOG_SQRT_2PI;
    size_t *near = (size_t *)(void *)(scratch + n_obs), n_near = 0;
    for (size_t i = 0; i < nc; i++) {
        bool clipped = dim->sigmas[i] == minsigma;
        double inv = clipped ? min_inv : 1.0 / dim->sigmas[i];
        double lsig = clipped ? min_lsig : -log(dim->sigmas[i]) - HPO__LOG_SQRT_2PI;
        double a = (dim->tlow - dim->mus[i]) * inv, b = (dim->thigh - dim->mus[i]) * inv;
        dim->inv_sigma[i] = inv;
        dim->log_norm[i] = -0.0;
        dim->lconst[i] = lsig - dim->log_norm[i];
        near[n_near] = i;
        n_near += !(a <= -8.5 && b >= 8.5);
    }
    for (size_t k = 0; k < n_near; k++) {
        size_t i = near[k];
        double inv = dim->inv_sigma[i];
        double a = (dim->tlow - dim->mus[i]) * inv, b = (dim->thigh - dim->mus[i]) * inv;
        dim->log_norm[i] = hpo__log_gauss_mass(a, b);
        /* lconst holds lsig - (-0.0), which is lsig: lsig is never -0.0 */
        dim->lconst[i] = dim->lconst[i] - dim->log_norm[i];
    }
    if (discrete && sorted)
        label_kernels(dim, scratch, n_obs);
    return HPO_OK;
}

static int build_categorical(hpo__pz_dim *dim, const hpo_distribution *dist, const double *obs,
        size_t stride, size_t n_obs, double prior_weight)
{
    size_t k = dist->n_choices;
    dim->kind = HPO__PZ_CATEGORICAL;
    dim->n_choices = k;
    for (size_t i = 0; i < n_obs; i++) {
        double v = obs[i * stride];
        if (!(v >= 0.0 && v < (double)k) || v != (double)(long)v)
            return hpo__error_set(HPO_EINVAL,
                    "parzen: categorical observation %zu (%g) is not an index below %zu", i, v,
                    k);
        dim->cat_obs[i] = (long)v;
    }
    dim->cat_obs[n_obs] = -1;
    double pw = prior_weight / ((double)n_obs + 1.0);
    double denom = 1.0 + (double)k * pw;
    dim->lp_hit = log((pw + 1.0) / denom);
    dim->lp_miss = log(pw / denom);
    dim->lp_prior = -log((double)k);
    return HPO_OK;
}

static int build_weights(hpo__parzen *pe, const double *w, size_t n_obs, double prior_weight)
{
    size_t nc = n_obs + 1;
    double total = prior_weight;
    if (!(prior_weight > 0.0) || !isfinite(prior_weight))
        return hpo__error_set(HPO_EINVAL, "parzen: prior_weight (%g) must be finite and > 0",
                prior_weight);
    for (size_t i = 0; i < n_obs; i++) {
        if (!(w[i] >= 0.0) || !isfinite(w[i]))
            return hpo__error_set(HPO_EINVAL,
                    "weights: weight %zu (%g) must be finite and >= 0", i, w[i]);
        total += w[i];
    }
    if (!isfinite(total))
        return hpo__error_set(HPO_EINVAL, "weights: their sum overflows");
    for (size_t i = 0; i < nc; i++) {
        pe->weights[i] = (i < n_obs ? w[i] : prior_weight) / total;
        /* most weights are equal (the flat part of default_weights): one log */
        pe->log_weights[i] = i > 0 && pe->weights[i] == pe->weights[i - 1]
                                     ? pe->log_weights[i - 1]
                                     : log(pe->weights[i]);
    }
    return HPO_OK;
}

/*
 * Arrays for nc components in n_dims dimensions (every dimension gets the
 * numerical and the categorical ones), keeping pe's when they are big enough:
 * TPE rebuilds its two estimators every trial at nearly the same size.
 */
static int reserve(hpo__parzen *pe, size_t nc, size_t n_dims, bool exact)
{
    if (pe->dims != NULL && pe->cap_components >= nc && pe->cap_dims >= n_dims)
        return HPO_OK;
    size_t cap = nc, cap_dims = n_dims > 0 ? n_dims : 1;
    if (!exact && cap < pe->cap_components + pe->cap_components / 2)
        cap = pe->cap_components + pe->cap_components / 2;
    if (!exact && cap_dims < pe->cap_dims)
        cap_dims = pe->cap_dims;
    hpo__parzen_free(pe);
    pe->weights = hpo__reallocarray(NULL, cap, sizeof(double));
    pe->log_weights = hpo__reallocarray(NULL, cap, sizeof(double));
    pe->sort_scratch = hpo__reallocarray(NULL, 2 * cap, sizeof(mu_index));
    pe->dims = hpo__calloc(cap_dims, sizeof(*pe->dims));
    if (!pe->weights || !pe->log_weights || !pe->sort_scratch || !pe->dims)
        goto oom;
    pe->cap_dims = cap_dims;
    for (size_t d = 0; d < cap_dims; d++) {
        hpo__pz_dim *dim = &pe->dims[d];
        dim->mus = hpo__reallocarray(NULL, cap, sizeof(double));
        dim->sigmas = hpo__reallocarray(NULL, cap, sizeof(double));
        dim->log_norm = hpo__reallocarray(NULL, cap, sizeof(double));
        dim->inv_sigma = hpo__reallocarray(NULL, cap, sizeof(double));
        dim->lconst = hpo__reallocarray(NULL, cap, sizeof(double));
        dim->cat_obs = hpo__reallocarray(NULL, cap, sizeof(long));
        dim->kid = hpo__reallocarray(NULL, cap, sizeof(uint32_t));
        if (!dim->mus || !dim->sigmas || !dim->log_norm || !dim->inv_sigma || !dim->lconst ||
                !dim->cat_obs || !dim->kid)
            goto oom;
    }
    pe->cap_components = cap;
    return HPO_OK;
oom:
    hpo__parzen_free(pe);
    return hpo__error_set(HPO_ENOMEM, "parzen: out of memory for %zu kernels in %zu dimensions",
            nc, n_dims);
}

/* A discrete mass memo entry: the inputs (a, b, log_norm) of discrete_log_mass and its value. */
typedef struct pz_memo_entry {
    double a, b, log_norm, mass;
} pz_memo_entry;

#define HPO__PZ_MEMO_SIZE 4096 /* entries, a power of two; direct-mapped */

static int build_into(hpo__parzen *pe, const hpo_distribution *const *dists, size_t n_dims,
        const double *obs, size_t n_obs, const double *obs_weights, const hpo__parzen_opts *opts,
        const uint32_t *const *orders, const double *const *mus, bool exact)
{
    int rc = reserve(pe, n_obs + 1, n_dims, exact);
    if (rc != HPO_OK)
        return rc;
    /* only a speed-up: without memory for it, masses are computed every time */
    if (pe->memo == NULL && !exact)
        pe->memo = hpo__calloc(HPO__PZ_MEMO_SIZE, sizeof(pz_memo_entry));
    pe->n_components = n_obs + 1;
    pe->n_dims = n_dims;
    rc = build_weights(pe, obs_weights, n_obs, opts->prior_weight);
    for (size_t d = 0; rc == HPO_OK && d < n_dims; d++) {
        hpo__pz_dim *dim = &pe->dims[d];
        if (dists[d]->kind == HPO_DIST_CATEGORICAL)
            rc = build_categorical(dim, dists[d], obs + d, n_dims, n_obs, opts->prior_weight);
        else
            rc = build_numerical(dim, dists[d], obs + d, n_dims, n_obs, n_dims, opts,
                    orders != NULL ? orders[d] : NULL, mus != NULL ? mus[d] : NULL,
                    pe->sort_scratch);
    }
    if (rc != HPO_OK) {
        pe->n_components = 0;
        pe->n_dims = 0;
    }
    return rc;
}

int hpo__parzen_build(hpo__parzen *pe, const hpo_distribution *const *dists, size_t n_dims,
        const double *obs, size_t n_obs, const double *obs_weights,
        const hpo__parzen_opts *opts)
{
    memset(pe, 0, sizeof(*pe));
    int rc = build_into(pe, dists, n_dims, obs, n_obs, obs_weights, opts, NULL, NULL, true);
    if (rc != HPO_OK)
        hpo__parzen_free(pe);
    return rc;
}

int hpo__parzen_build_ordered(hpo__parzen *pe, const hpo_distribution *const *dists,
        size_t n_dims, const double *obs, size_t n_obs, const double *obs_weights,
        const hpo__parzen_opts *opts, const uint32_t *const *orders, const double *const *mus)
{
    return build_into(pe, dists, n_dims, obs, n_obs, obs_weights, opts, orders, mus, false);
}

/* ==== Evaluation ========================================================== */

/*
 * The per-component passes below run over every component for every point, so
 * they are written on 4-lane vectors (GCC/Clang vector extensions; the
 * compiler lowers them to SSE2 pairs, or AVX2 in the clone picked at load time
 * where the CPU has it). Each lane does exactly the scalar operations in the
 * scalar order, and no contraction into FMA happens in ISO C mode, so every
 * path gives the same bits.
 */
/* ThreadSanitizer cannot run the clones' load-time resolvers: no clones there. */
#if defined(__GNUC__) && defined(__x86_64__) && defined(__linux__) && !defined(__clang__) && \
        !defined(__SANITIZE_THREAD__)
#define HPO__PZ_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define HPO__PZ_CLONES
#endif

typedef double pz_v4d __attribute__((vector_size(32)));
typedef long long pz_v4l __attribute__((vector_size(32)));

/* Vector helpers are macros: a function passing 32-byte vectors would change the ABI. */
#define V4_LOAD(v, p) memcpy(&(v), (p), sizeof(v))
#define V4_STORE(p, v) memcpy((p), &(v), sizeof(v))
/* mask ? a : b, lane by lane (mask lanes all ones or all zeros) */
#define V4_SELECT(mask, a, b) ((pz_v4d)(((pz_v4l)(a) & (mask)) | ((pz_v4l)(b) & ~(mask))))

/* acc[c] += lconst[c] - z^2 / 2 with z = (xt - mu[c]) / sigma[c], all components. */
HPO__PZ_CLONES static void add_continuous(const double *mu, const double *inv, const double *lc,
        double xt, size_t nc, const double *in, double *acc)
{
    size_t c = 0;
    pz_v4d xv = {xt, xt, xt, xt}, half = {0.5, 0.5, 0.5, 0.5};
    for (; c + 4 <= nc; c += 4) {
        pz_v4d m, i, l, a;
        V4_LOAD(m, mu + c);
        V4_LOAD(i, inv + c);
        V4_LOAD(l, lc + c);
        V4_LOAD(a, in + c);
        pz_v4d z = (xv - m) * i;
        a += l - half * z * z;
        V4_STORE(acc + c, a);
    }
    for (; c < nc; c++) {
        double z = (xt - mu[c]) * inv[c];
        acc[c] = in[c] + (lc[c] - 0.5 * z * z);
    }
}

/* acc[c] += log p_c(k) of a categorical dimension, all components. */
HPO__PZ_CLONES static void add_categorical(const hpo__pz_dim *dim, long k, size_t nc,
        const double *in, double *acc)
{
    size_t c = 0;
    if (sizeof(long) == sizeof(long long)) {
        long long kk = k;
        double h = dim->lp_hit, p = dim->lp_prior, ms = dim->lp_miss;
        pz_v4l kv = {kk, kk, kk, kk}, zero = {0, 0, 0, 0};
        pz_v4d hit = {h, h, h, h}, prior = {p, p, p, p}, miss = {ms, ms, ms, ms};
        for (; c + 4 <= nc; c += 4) {
            pz_v4l o;
            pz_v4d a;
            V4_LOAD(o, dim->cat_obs + c);
            V4_LOAD(a, in + c);
            pz_v4l is_prior = o < zero;
            pz_v4d other = V4_SELECT(is_prior, prior, miss);
            pz_v4l is_hit = o == kv;
            a += V4_SELECT(is_hit, hit, other);
            V4_STORE(acc + c, a);
        }
    }
    for (; c < nc; c++) {
        long o = dim->cat_obs[c];
        acc[c] = in[c] + (o == k ? dim->lp_hit : (o < 0 ? dim->lp_prior : dim->lp_miss));
    }
}

/*
 * acc[c] = in[c] + log k_c(x) for a continuous or categorical dimension, all
 * components (in may be acc; the first dimension reads the log weights).
 */
static void add_log_kernel(const hpo__pz_dim *dim, size_t nc, double x, const double *in,
        double *acc)
{
    if (dim->kind == HPO__PZ_CATEGORICAL)
        add_categorical(dim, (long)x, nc, in, acc);
    else
        add_continuous(dim->mus, dim->inv_sigma, dim->lconst, dim->log ? log(x) : x, nc, in,
                acc);
}

/* The transformed cell [xl, xr] of a discrete value x. */
static void discrete_cell(const hpo__pz_dim *dim, double x, double *xl, double *xr)
{
    *xl = x - dim->step / 2.0;
    *xr = x + dim->step / 2.0;
    if (dim->log) {
        *xl = log(*xl);
        *xr = log(*xr);
    }
}

/*
 * Exact log mass of the standardised cell [a, b] under a kernel of log_norm.
 * The plain difference of two Gaussian tail areas is used when it loses at
 * most ~7 bits to cancellation (relative error < 3e-14); otherwise the
 * log-space form. Half the libm calls.
 */
static double cell_log_mass(double a, double b, double log_norm)
{
    if (b <= 0.0 || a >= 0.0) {
        /* One tail: the area between is the difference of the outer tail areas. */
        double far = b <= 0.0 ? erfc(-a * HPO__SQRT1_2) : erfc(b * HPO__SQRT1_2);
        double near = b <= 0.0 ? erfc(-b * HPO__SQRT1_2) : erfc(a * HPO__SQRT1_2);
        double diff = near - far;
        if (diff > near * (1.0 / 128.0) && diff > 1e-290)
            return log(0.5 * diff) - log_norm;
    }
    return hpo__log_gauss_mass(a, b) - log_norm;
}

static uint64_t dbl_bits(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof(u));
    return u;
}

/*
 * Exact log mass of component c on the cell [xl, xr], from the memo when it
 * holds the same inputs bit for bit (the result is a function of them alone).
 */
static double discrete_log_mass(const hpo__parzen *pe, const hpo__pz_dim *dim, size_t c,
        double xl, double xr)
{
    double inv = dim->inv_sigma[c];
    double a = (xl - dim->mus[c]) * inv, b = (xr - dim->mus[c]) * inv, ln = dim->log_norm[c];
    pz_memo_entry *memo = pe->memo, *e;
    if (memo == NULL)
        return cell_log_mass(a, b, ln);
    uint64_t ua = dbl_bits(a), ub = dbl_bits(b), ul = dbl_bits(ln);
    uint64_t h = (ua * 0x9E3779B97F4A7C15ull) ^ (ub * 0xC2B2AE3D27D4EB4Full) ^
                 (ul * 0x165667B19E3779F9ull);
    e = &memo[(h ^ (h >> 29)) & (HPO__PZ_MEMO_SIZE - 1)];
    /* an empty entry (all zero bits) never matches: b > a, so b is not +0.0 too */
    if (dbl_bits(e->a) == ua && dbl_bits(e->b) == ub && dbl_bits(e->log_norm) == ul &&
            !(ua == 0 && ub == 0))
        return e->mass;
    e->a = a;
    e->b = b;
    e->log_norm = ln;
    e->mass = cell_log_mass(a, b, ln);
    return e->mass;
}

/*
 * ub[c] += an upper bound of component c's log mass on the cell, from
 * mass <= width * max density on the cell; no transcendental call per component.
 * lconst is -log sigma - log sqrt(2 pi) - log_norm, so the bound is
 * log(xr - xl) + lconst - z_near^2 / 2.
 */
HPO__PZ_CLONES static void add_discrete_bound(const hpo__pz_dim *dim, size_t nc, double xl,
        double xr, const double *in, double *ub)
{
    double lw = log(xr - xl);
    const double *mu = dim->mus, *inv = dim->inv_sigma, *lc = dim->lconst;
    size_t c = 0;
    pz_v4d xlv = {xl, xl, xl, xl}, xrv = {xr, xr, xr, xr}, lwv = {lw, lw, lw, lw};
    pz_v4d half = {0.5, 0.5, 0.5, 0.5}, zero = {0.0, 0.0, 0.0, 0.0};
    for (; c + 4 <= nc; c += 4) {
        pz_v4d m, i, l, u;
        V4_LOAD(m, mu + c);
        V4_LOAD(i, inv + c);
        V4_LOAD(l, lc + c);
        V4_LOAD(u, in + c);
        pz_v4d zl = (xlv - m) * i, zr = (xrv - m) * i;
        pz_v4l right = zl > zero, left = zr < zero;
        pz_v4d inner = V4_SELECT(left, zr, zero);
        pz_v4d zn = V4_SELECT(right, zl, inner);
        u += lwv + l - half * zn * zn;
        V4_STORE(ub + c, u);
    }
    for (; c < nc; c++) {
        double zl = (xl - mu[c]) * inv[c];
        double zr = (xr - mu[c]) * inv[c];
        double zn = zl > 0.0 ? zl : (zr < 0.0 ? zr : 0.0);
        ub[c] = in[c] + (lw + lc[c] - 0.5 * zn * zn);
    }
}

/*
 * Components whose upper bound lies this far below the best exact term add
 * less than e^-50 each to the mixture: below double precision even summed
 * over a million components, so skipping them leaves the result exact.
 */
#define HPO__PZ_PRUNE_GAP 50.0

typedef struct pdf_scratch {
    double *acc;  /* exact log terms (continuous + categorical, then discrete) */
    double *ub;   /* upper bounds including the discrete dims */
    double *cell; /* xl, xr per discrete dim */
    /*
     * The mass of a discrete kernel on a cell is the costly part, and mixtures
     * repeat both: kernels (ints with few values, clipped sigmas) and cells
     * (points with the same value). Per discrete dim k: kid[k][c] labels
     * component c's kernel (0..n_kern[k]); the masses of the kernels on a page
     * of n_kern[k], valid where stamp = key + 1. With pages, a page per
     * distinct value (key 0); without, one page (key: the point). off[k] and
     * key[k] are the current point's page and key.
     */
    const uint32_t **kid;
    size_t *n_kern, *n_pages, *base, *page, *off, *key;
    size_t *stamp;
    double *mass;
    size_t n, point;
    size_t *list; /* components that may count, ascending */
} pdf_scratch;

/* The largest of v[0..n), NaNs ignored; -inf when there is none. */
HPO__PZ_CLONES static double max_of(const double *v, size_t n)
{
    pz_v4d m4 = {-HUGE_VAL, -HUGE_VAL, -HUGE_VAL, -HUGE_VAL};
    double m = -HUGE_VAL;
    size_t c = 0;
    for (; c + 4 <= n; c += 4) {
        pz_v4d x;
        V4_LOAD(x, v + c);
        pz_v4l gt = x > m4;
        m4 = V4_SELECT(gt, x, m4);
    }
    for (int j = 0; j < 4; j++)
        m = m4[j] > m ? m4[j] : m;
    for (; c < n; c++)
        m = v[c] > m ? v[c] : m;
    return m;
}

/*
 * The first c where v[c] is largest (NaNs ignored), or n when there is none
 * above -inf (the caller then scans).
 */
HPO__PZ_CLONES static size_t argmax_of(const double *v, size_t n)
{
    pz_v4d m4 = {-HUGE_VAL, -HUGE_VAL, -HUGE_VAL, -HUGE_VAL};
    pz_v4l i4 = {0, 0, 0, 0}, cv = {0, 1, 2, 3}, four = {4, 4, 4, 4};
    double m = -HUGE_VAL;
    size_t c = 0, best = n;
    for (; c + 4 <= n; c += 4) {
        pz_v4d x;
        V4_LOAD(x, v + c);
        pz_v4l gt = x > m4;
        m4 = V4_SELECT(gt, x, m4);
        i4 = (i4 & ~gt) | (cv & gt);
        cv += four;
    }
    /* each lane holds its first maximum: the smallest index among the best lanes */
    for (int j = 0; j < 4; j++) {
        if (m4[j] > m || (m4[j] == m && m4[j] > -HUGE_VAL && (size_t)i4[j] < best)) {
            m = m4[j];
            best = (size_t)i4[j];
        }
    }
    for (; c < n; c++) {
        if (v[c] > m) {
            m = v[c];
            best = c;
        }
    }
    return best;
}

/* out[0..k) = the c with v[c] not below t (NaN included), ascending; returns k. */
HPO__PZ_CLONES static size_t indices_from(const double *v, size_t n, double t, size_t *out)
{
    size_t k = 0, c = 0;
    pz_v4d tv = {t, t, t, t};
    for (; c + 4 <= n; c += 4) {
        pz_v4d x;
        V4_LOAD(x, v + c);
        pz_v4l lt = x < tv;
        if ((lt[0] & lt[1]) & (lt[2] & lt[3]))
            continue; /* most components fail: four at a time */
        for (size_t j = c; j < c + 4; j++) {
            out[k] = j;
            k += !(v[j] < t);
        }
    }
    for (; c < n; c++) {
        out[k] = c;
        k += !(v[c] < t);
    }
    return k;
}

/* m + log(sum of exp(v[c] - m) over the listed c with v[c] > m - gap), in list order. */
static double logsumexp_listed(const double *v, const size_t *list, size_t n, double m)
{
    double s = 0.0;
    if (m == -HUGE_VAL)
        return -HUGE_VAL; /* every term is -inf: avoid inf - inf */
    for (size_t j = 0; j < n; j++)
        if (v[list[j]] > m - HPO__PZ_PRUNE_GAP)
            s += exp(v[list[j]] - m);
    return m + log(s);
}

static double exact_terms(const hpo__parzen *pe, pdf_scratch *sc, size_t c)
{
    size_t k = 0;
    double v = sc->acc[c];
    for (size_t d = 0; d < pe->n_dims; d++) {
        const hpo__pz_dim *dim = &pe->dims[d];
        if (dim->kind != HPO__PZ_DISCRETE)
            continue;
        size_t at = sc->off[k] + sc->kid[k][c];
        if (sc->stamp[at] != sc->key[k] + 1) {
            /* c's kernel is the labelled one, bit for bit: the same mass */
            sc->mass[at] = discrete_log_mass(pe, dim, c, sc->cell[2 * k], sc->cell[2 * k + 1]);
            sc->stamp[at] = sc->key[k] + 1;
        }
        v += sc->mass[at];
        k++;
    }
    return v;
}

/*
 * Labels for a discrete dim the estimator did not label (no sort when built):
 * quadratic, so only for small mixtures (else every component its own).
 */
static size_t label_repeated_kernels(const hpo__pz_dim *dim, size_t nc, uint32_t *kid)
{
    uint32_t next = 0;
    for (size_t c = 0; c < nc; c++) {
        kid[c] = next;
        for (size_t e = 0; nc <= 128 && e < c; e++) {
            if (dim->mus[e] == dim->mus[c] && dim->inv_sigma[e] == dim->inv_sigma[c] &&
                    dim->log_norm[e] == dim->log_norm[c]) {
                kid[c] = kid[e];
                break;
            }
        }
        next += kid[c] == next;
    }
    return next;
}

/* log p(x) for one point; discrete dims computed exactly only where they can matter. */
static double log_pdf_point(const hpo__parzen *pe, const double *x, pdf_scratch *sc)
{
    size_t nc = pe->n_components, k = 0, best = 0;
    double m;
    const double *in = pe->log_weights;
    for (size_t d = 0; d < pe->n_dims; d++) {
        if (pe->dims[d].kind != HPO__PZ_DISCRETE) {
            add_log_kernel(&pe->dims[d], nc, x[d], in, sc->acc);
            in = sc->acc;
        }
    }
    if (in != sc->acc)
        memcpy(sc->acc, in, nc * sizeof(double)); /* no continuous or categorical dim */
    in = sc->acc;
    for (size_t d = 0; d < pe->n_dims; d++) {
        if (pe->dims[d].kind != HPO__PZ_DISCRETE)
            continue;
        discrete_cell(&pe->dims[d], x[d], &sc->cell[2 * k], &sc->cell[2 * k + 1]);
        if (sc->n_pages[k] > 1) {
            sc->off[k] = sc->base[k] + sc->page[k * sc->n + sc->point] * sc->n_kern[k];
            sc->key[k] = 0;
        } else {
            sc->off[k] = sc->base[k];
            sc->key[k] = sc->point;
        }
        add_discrete_bound(&pe->dims[d], nc, sc->cell[2 * k], sc->cell[2 * k + 1], in, sc->ub);
        in = sc->ub;
        k++;
    }
    /*
     * Only terms within the gap of the largest count, in component order; the
     * list holds the candidates. Which component serves as the first exact
     * reference does not change the set that counts, nor the sum.
     */
    if (k == 0) {
        m = max_of(sc->acc, nc);
        if (m == -HUGE_VAL)
            return -HUGE_VAL;
        size_t nl = indices_from(sc->acc, nc, m - HPO__PZ_PRUNE_GAP, sc->list);
        return logsumexp_listed(sc->acc, sc->list, nl, m);
    }
    best = argmax_of(sc->ub, nc);
    if (best == nc) {
        /* no bound above -inf: the first that equals the largest, as a scan finds it */
        double ubmax = max_of(sc->ub, nc);
        best = 0;
        for (size_t c = 0; c < nc; c++) {
            if (sc->ub[c] == ubmax) {
                best = c;
                break;
            }
        }
    }
    m = exact_terms(pe, sc, best);
    double exact_best = m; /* best's own term: m may rise before best's turn below */
    /* best's bound is at least its exact term, so it is listed; the min makes sure */
    double t = sc->ub[best] < m - HPO__PZ_PRUNE_GAP ? sc->ub[best] : m - HPO__PZ_PRUNE_GAP;
    size_t nl = indices_from(sc->ub, nc, t, sc->list);
    for (size_t j = 0; j < nl; j++) {
        size_t c = sc->list[j];
        if (c == best) {
            sc->ub[c] = exact_best;
            continue;
        }
        if (sc->ub[c] < m - HPO__PZ_PRUNE_GAP) {
            sc->ub[c] = -HUGE_VAL;
            continue;
        }
        sc->ub[c] = exact_terms(pe, sc, c);
        m = sc->ub[c] > m ? sc->ub[c] : m;
    }
    return logsumexp_listed(sc->ub, sc->list, nl, m);
}

/* Distinct-value pages of discrete dims, the labels, and the masses' memory. */
static int pdf_scratch_init(const hpo__parzen *pe, const double *x, size_t n, size_t nd,
        pdf_scratch *sc, void **mem_out)
{
    size_t nc = pe->n_components, cells = 0, k = 0, n_lab = 0;
    /* header: pointers and per-dim counts (6 per dim), then pages */
    size_t n_idx = 6 * nd + nd * n + nc;
    for (size_t d = 0; d < pe->n_dims; d++)
        if (pe->dims[d].kind == HPO__PZ_DISCRETE && pe->dims[d].n_kern == 0)
            n_lab++;
    size_t hdr = n_idx * sizeof(size_t) + (nd + 1) * sizeof(uint32_t *);
    size_t n_dbl = 2 * nc + 2 * pe->n_dims + 1;
    char *head = hpo__malloc(hdr + n_dbl * sizeof(double) + n_lab * nc * sizeof(uint32_t) + 8);
    if (head == NULL)
        return hpo__error_set(HPO_ENOMEM, "parzen: out of memory for %zu kernels", nc);
    double *dbl = (double *)(void *)head;
    sc->acc = dbl;
    sc->ub = dbl + nc;
    sc->cell = dbl + 2 * nc;
    size_t *idx = (size_t *)(void *)(dbl + n_dbl);
    sc->n_kern = idx;
    sc->n_pages = idx + nd;
    sc->base = idx + 2 * nd;
    sc->off = idx + 3 * nd;
    sc->key = idx + 4 * nd;
    sc->list = idx + 5 * nd;
    sc->page = sc->list + nc;
    sc->kid = (const uint32_t **)(void *)(idx + n_idx);
    uint32_t *lab = (uint32_t *)(void *)(sc->kid + nd + 1);
    sc->n = n;
    for (size_t d = 0; d < pe->n_dims; d++) {
        const hpo__pz_dim *dim = &pe->dims[d];
        if (dim->kind != HPO__PZ_DISCRETE)
            continue;
        if (dim->n_kern > 0) {
            sc->kid[k] = dim->kid;
            sc->n_kern[k] = dim->n_kern;
        } else {
            sc->n_kern[k] = label_repeated_kernels(dim, nc, lab);
            sc->kid[k] = lab;
            lab += nc;
        }
        /* a page per distinct point value only where the table stays small */
        size_t *page = sc->page + k * n, n_distinct = 0;
        for (size_t p = 0; p < n; p++) {
            page[p] = n_distinct;
            for (size_t q = 0; q < p; q++) {
                if (x[q * pe->n_dims + d] == x[p * pe->n_dims + d]) {
                    page[p] = page[q];
                    break;
                }
            }
            n_distinct += page[p] == n_distinct;
        }
        sc->n_pages[k] = n > 1 && n_distinct * sc->n_kern[k] <= 8192 ? n_distinct : 1;
        sc->base[k] = cells;
        cells += sc->n_pages[k] * sc->n_kern[k];
        k++;
    }
    /* the masses and their stamps, zeroed */
    void *tab = hpo__calloc(cells + 1, sizeof(double) + sizeof(size_t));
    if (tab == NULL) {
        hpo__free(head);
        return hpo__error_set(HPO_ENOMEM, "parzen: out of memory for %zu kernels", nc);
    }
    sc->mass = tab;
    sc->stamp = (size_t *)(void *)(sc->mass + cells + 1);
    mem_out[0] = head;
    mem_out[1] = tab;
    return HPO_OK;
}

int hpo__parzen_log_pdf(const hpo__parzen *pe, const double *x, size_t n, double *out)
{
    size_t nd = 0;
    pdf_scratch sc;
    void *mem[2] = {NULL, NULL};
    for (size_t d = 0; d < pe->n_dims; d++)
        nd += pe->dims[d].kind == HPO__PZ_DISCRETE;
    HPO_TRY(pdf_scratch_init(pe, x, n, nd, &sc, mem));
    for (size_t p = 0; p < n; p++) {
        sc.point = p;
        out[p] = log_pdf_point(pe, x + p * pe->n_dims, &sc);
    }
    hpo__free(mem[0]);
    hpo__free(mem[1]);
    return HPO_OK;
}

/* ==== Sampling ============================================================ */

static double sample_categorical(const hpo__pz_dim *dim, long obs, double u)
{
    double hit = exp(dim->lp_hit), miss = exp(dim->lp_miss), prior = exp(dim->lp_prior);
    double acc = 0.0;
    size_t k;
    for (k = 0; k < dim->n_choices; k++) {
        acc += obs < 0 ? prior : ((long)k == obs ? hit : miss);
        if (u < acc)
            return (double)k;
    }
    return (double)(dim->n_choices - 1); /* rounding left u at the total */
}

static double sample_numerical(const hpo__pz_dim *dim, size_t c, double q)
{
    double mu = dim->mus[c], sigma = dim->sigmas[c], inv = dim->inv_sigma[c];
    double a = (dim->tlow - mu) * inv, b = (dim->thigh - mu) * inv;
    /* log_norm is hpo__log_gauss_mass(a, b), bit for bit (-0.0 far from both bounds) */
    double z = q <= 0.0 ? a : (q >= 1.0 ? b : truncnorm_ppf_mass(q, a, b, dim->log_norm[c]));
    double x = mu + sigma * z;
    if (dim->log)
        x = exp(x);
    if (dim->kind == HPO__PZ_DISCRETE)
        x = dim->low + nearbyint((x - dim->low) / dim->step) * dim->step; /* half to even */
    /* exp and the snap can land a hair outside the bounds. */
    if (x < dim->low)
        x = dim->low;
    if (x > dim->high)
        x = dim->high;
    return x;
}

int hpo__parzen_sample(const hpo__parzen *pe, hpo_rng *rng, size_t n, double *out)
{
    size_t *comp = hpo__malloc((n > 0 ? n : 1) * sizeof(size_t));
    if (comp == NULL)
        return hpo__error_set(HPO_ENOMEM, "parzen: out of memory for %zu samples", n);
    /* RNG order as in Optuna: components, then categoricals, then numericals. */
    for (size_t s = 0; s < n; s++)
        comp[s] = hpo__rng_choice(rng, pe->weights, pe->n_components);
    for (size_t d = 0; d < pe->n_dims; d++) {
        const hpo__pz_dim *dim = &pe->dims[d];
        if (dim->kind != HPO__PZ_CATEGORICAL)
            continue;
        for (size_t s = 0; s < n; s++)
            out[s * pe->n_dims + d] =
                    sample_categorical(dim, dim->cat_obs[comp[s]], hpo__rng_uniform(rng));
    }
    for (size_t d = 0; d < pe->n_dims; d++) {
        const hpo__pz_dim *dim = &pe->dims[d];
        if (dim->kind == HPO__PZ_CATEGORICAL)
            continue;
        for (size_t s = 0; s < n; s++)
            out[s * pe->n_dims + d] = sample_numerical(dim, comp[s], hpo__rng_uniform(rng));
    }
    hpo__free(comp);
    return HPO_OK;
}
