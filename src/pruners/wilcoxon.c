/*
 * wilcoxon.c - the Wilcoxon pruner (Optuna's WilcoxonPruner, reference
 * optuna.md section 5).
 *
 * Optuna pairs the trial's intermediate values with the best COMPLETE trial's
 * at the steps both reported and calls
 *     scipy.stats.wilcoxon(diff, alternative=alt, zero_method="zsplit")
 * with alt "greater" when minimizing ("less" when maximizing). The signed-rank
 * test is reimplemented here after scipy 1.17's method="auto":
 *   n > 50                          normal approximation;
 *   no ties and no zeros            exact null distribution of r_plus;
 *   ties or zeros, n <= 13          the exact permutation test over all 2^n
 *                                   sign flips (scipy's default 9999 resamples
 *                                   cover all of them, so it is deterministic);
 *   otherwise                       normal approximation,
 * where the approximation has scipy's tie correction (and, as scipy's default
 * correction=False, no continuity correction).
 * Both exact cases are a subset-sum count, done by dynamic programming.
 */
#include <math.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "core/error.h"
#include "pruners/pruner.h"
#include "study.h"

#define EXACT_MAX_N       50 /* scipy: "auto" is asymptotic above this */
#define PERMUTATION_MAX_N 13 /* scipy: 2^13 <= 9999 resamples, so exhaustive */
/* Doubled ranks are summed, so the largest subset sum is n (n + 1). */
#define MAX_RANK2_SUM (EXACT_MAX_N * (EXACT_MAX_N + 1))

typedef struct wilcoxon_rule {
    double p_threshold;
    int64_t n_startup_steps;
} wilcoxon_rule;

/*=========================== Signed ranks ===========================*/

/* The ranks of |d| (average ranks for ties), as scipy's _rankdata sees them. */
typedef struct signed_ranks {
    double r_plus;   /* zsplit: positive ranks plus half of the zeros' ranks */
    double tie_term; /* sum of t^3 - t over groups of equal |d| */
    bool has_ties;   /* some group has t > 1 (zeros included) */
    size_t n_zero;   /* differences that are exactly 0 */
    int64_t obs2;    /* sum of 2 * rank over the positive differences */
    int64_t *rank2;  /* 2 * rank of each non-zero difference, n - n_zero of them */
} signed_ranks;

static int cmp_abs(const void *a, const void *b)
{
    double x = fabs(*(const double *)a);
    double y = fabs(*(const double *)b);
    return (x > y) - (x < y);
}

/* Walk sorted[0..n) (by |d|) group by group. Doubled ranks are integers, so all
 * sums below are exact, as scipy's are (its ranks are multiples of 0.5). */
static void rank_groups(const double *sorted, size_t n, signed_ranks *sr)
{
    double zero_ranks = 0.0;
    size_t m = 0;

    for (size_t i = 0; i < n;) {
        size_t j = i;
        int64_t r2;
        double t;

        while (j < n && fabs(sorted[j]) == fabs(sorted[i]))
            j++;
        r2 = (int64_t)(i + 1 + j); /* twice the average of ranks i+1 .. j */
        t = (double)(j - i);
        sr->tie_term += t * t * t - t;
        sr->has_ties = sr->has_ties || j - i > 1;
        for (size_t k = i; k < j; k++) {
            if (sorted[k] == 0.0) {
                sr->n_zero++;
                zero_ranks += 0.5 * (double)r2;
                continue;
            }
            sr->rank2[m++] = r2;
            if (sorted[k] > 0.0)
                sr->obs2 += r2;
        }
        i = j;
    }
    sr->r_plus = 0.5 * (double)sr->obs2 + zero_ranks / 2.0;
}

/*=========================== p-values ===========================*/

/* P(T >= obs) ("greater") or P(T <= obs) for T the sum of a uniformly random
 * subset of w[0..m): the count of subsets by sum, over 2^m. Counts stay below
 * 2^50 and ldexp divides exactly, so this is scipy's dyadic pmf sum. */
static double subset_tail(const int64_t *w, size_t m, int64_t obs, bool greater)
{
    uint64_t count[MAX_RANK2_SUM + 1] = {0};
    int64_t total = 0;
    uint64_t tail = 0;

    count[0] = 1;
    for (size_t i = 0; i < m; i++) {
        total += w[i];
        for (int64_t s = total; s >= w[i]; s--)
            count[s] += count[s - w[i]];
    }
    for (int64_t s = 0; s <= total; s++) {
        if (greater ? s >= obs : s <= obs)
            tail += count[s];
    }
    return ldexp((double)tail, -(int)m);
}

/* scipy.special.ndtr, the standard normal CDF, computed as Cephes does. */
static double ndtr(double a)
{
    double x = a * M_SQRT1_2;
    double z = fabs(x);
    double y;

    if (z < M_SQRT1_2)
        return 0.5 + 0.5 * erf(x);
    y = 0.5 * erfc(z);
    return x > 0.0 ? 1.0 - y : y;
}

/* scipy's "asymptotic" branch: tie-corrected z. No continuity correction:
 * wilcoxon's correction defaults to False and Optuna leaves it so. */
static double normal_pvalue(const signed_ranks *sr, size_t n, bool greater)
{
    double count = (double)n;
    double mn = count * (count + 1.0) * 0.25;
    double se = count * (count + 1.0) * (2.0 * count + 1.0);
    double z;

    se = sqrt((se - sr->tie_term / 2.0) / 24.0);
    z = (sr->r_plus - mn) / se;
    return greater ? ndtr(-z) : ndtr(z);
}

/* Test seam (declared again in tests/test_pruners_more.c): the p-value of
 * scipy.stats.wilcoxon(d, zero_method="zsplit", alternative="greater" or
 * "less"), method "auto". NaN for n == 0. Errors: HPO_ENOMEM. */
int hpo__wilcoxon_pvalue(const double *d, size_t n, bool greater, double *p_out);

int hpo__wilcoxon_pvalue(const double *d, size_t n, bool greater, double *p_out)
{
    signed_ranks sr = {0.0, 0.0, false, 0, 0, NULL};
    double *sorted;

    *p_out = NAN;
    if (n == 0)
        return HPO_OK;
    sorted = hpo__malloc(n * sizeof(*sorted));
    sr.rank2 = hpo__malloc(n * sizeof(*sr.rank2));
    if (sorted == NULL || sr.rank2 == NULL) {
        hpo__free(sorted);
        hpo__free(sr.rank2);
        return hpo__error_set(HPO_ENOMEM, "out of memory ranking %zu differences", n);
    }
    for (size_t i = 0; i < n; i++)
        sorted[i] = d[i];
    qsort(sorted, n, sizeof(*sorted), cmp_abs);
    rank_groups(sorted, n, &sr);
    if (n <= EXACT_MAX_N && !sr.has_ties && sr.n_zero == 0) {
        /* r_plus is an integer here, so scipy's floor/ceil leave it as is. */
        *p_out = subset_tail(sr.rank2, n, sr.obs2, greater);
    } else if (n <= PERMUTATION_MAX_N) {
        /* Flipping a zero's sign changes nothing, so only the non-zero
         * differences matter; the zeros' half ranks are the same constant in
         * every flip and drop out of the comparison. */
        *p_out = subset_tail(sr.rank2, n - sr.n_zero, sr.obs2, greater);
    } else {
        *p_out = normal_pvalue(&sr, n, greater);
    }
    hpo__free(sorted);
    hpo__free(sr.rank2);
    return HPO_OK;
}

/*=========================== The decision ===========================*/

static bool all_finite(const hpo__ivalue *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i].value))
            return false;
    }
    return true;
}

/* Python's sum(values) / len(values): left to right from 0. */
static double mean_of(const hpo__ivalue *v, size_t n)
{
    double s = 0.0;

    for (size_t i = 0; i < n; i++)
        s += v[i].value;
    return s / (double)n;
}

/* own - best at the steps both have (numpy's intersect1d), both in ascending
 * step order; diff must hold min(n_own, n_best). Returns how many. */
static size_t paired_diffs(
        const hpo__ivalue *own, size_t n_own, const hpo__ivalue *best, size_t n_best, double *diff)
{
    size_t i = 0, j = 0, k = 0;

    while (i < n_own && j < n_best) {
        if (own[i].step < best[j].step) {
            i++;
        } else if (own[i].step > best[j].step) {
            j++;
        } else {
            diff[k++] = own[i++].value - best[j++].value;
        }
    }
    return k;
}

/* Optuna's final rule on the p-value, once the trial is paired with the best. */
static int test_paired(const wilcoxon_rule *rule,
                       hpo_direction dir,
                       const hpo__ivalue *own,
                       size_t n_own,
                       const hpo__ivalue *best,
                       size_t n_best,
                       bool *out)
{
    bool maximize = dir == HPO_MAXIMIZE;
    double *diff, p, mean_best, mean_own;
    bool average_is_best;
    size_t n;
    int rc;

    diff = hpo__malloc((n_own < n_best ? n_own : n_best) * sizeof(*diff));
    if (diff == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory pairing %zu intermediate values", n_own);
    n = paired_diffs(own, n_own, best, n_best, diff);
    if (n < n_own) {
        hpo__log(HPO_LOG_WARNING,
                 "WilcoxonPruner: %zu step(s) of the current trial are not in "
                 "the best trial; they are ignored",
                 n_own - n);
    }
    rc = HPO_OK;
    if (n >= 2 && (uint64_t)n >= (uint64_t)rule->n_startup_steps) {
        rc = hpo__wilcoxon_pvalue(diff, n, !maximize, &p);
        mean_best = mean_of(best, n_best);
        mean_own = mean_of(own, n_own);
        /* Optuna's safety: never prune a trial whose mean is no worse than the
         * best trial's, whatever the test says. */
        average_is_best = maximize ? mean_best <= mean_own : mean_best >= mean_own;
        *out = rc == HPO_OK && p < rule->p_threshold && !average_is_best;
    }
    hpo__free(diff);
    return rc;
}

/* Test seam (declared again in tests/test_pruners_more.c): the decision for a
 * trial own[0..n_own) against the best COMPLETE trial best[0..n_best) (NULL
 * when there is none), both in ascending step order. Errors: HPO_ENOMEM. */
int hpo__wilcoxon_decide(double p_threshold,
                         int64_t n_startup_steps,
                         hpo_direction dir,
                         const hpo__ivalue *own,
                         size_t n_own,
                         const hpo__ivalue *best,
                         size_t n_best,
                         bool *out);

int hpo__wilcoxon_decide(double p_threshold,
                         int64_t n_startup_steps,
                         hpo_direction dir,
                         const hpo__ivalue *own,
                         size_t n_own,
                         const hpo__ivalue *best,
                         size_t n_best,
                         bool *out)
{
    wilcoxon_rule rule = {p_threshold, n_startup_steps};

    *out = false;
    if (n_own == 0)
        return HPO_OK;
    if (!all_finite(own, n_own)) {
        hpo__log(HPO_LOG_WARNING, "WilcoxonPruner: the current trial has inf/NaN intermediate "
                                  "values; it is not pruned");
        return HPO_OK;
    }
    if (best == NULL)
        return HPO_OK; /* no COMPLETE trial yet */
    if (n_best == 0) {
        hpo__log(HPO_LOG_WARNING, "WilcoxonPruner: the best trial has no intermediate values, "
                                  "so no trial can be pruned");
        return HPO_OK;
    }
    if (!all_finite(best, n_best)) {
        hpo__log(HPO_LOG_WARNING, "WilcoxonPruner: the best trial has inf/NaN intermediate "
                                  "values; the current trial is not pruned");
        return HPO_OK;
    }
    return test_paired(&rule, dir, own, n_own, best, n_best, out);
}

/*=========================== The study adapter ===========================*/

/* The best COMPLETE trial as hpo_study_best_trial picks it (ties to the lowest
 * number), or NULL; a borrowed pointer into recs. */
static const hpo__record *pick_best(hpo__record *const *recs, size_t n, hpo_direction dir)
{
    const hpo__record *best = NULL;

    for (size_t i = 0; i < n; i++) {
        double v;
        if (recs[i]->n_values != 1)
            continue;
        v = recs[i]->values[0];
        if (best == NULL || (dir == HPO_MAXIMIZE ? v > best->values[0] : v < best->values[0]))
            best = recs[i];
    }
    return best;
}

static int wilcoxon_prune(hpo_pruner *pruner, hpo_study *study, const hpo__record *trial, bool *out)
{
    const wilcoxon_rule *rule = pruner->impl;
    hpo__record **recs = NULL;
    const hpo__record *best;
    size_t n_recs = 0;
    hpo_direction dir;
    int rc;

    *out = false;
    if (hpo_study_n_objectives(study) != 1) {
        return hpo__error_set(
                HPO_EUNSUPPORTED,
                "the Wilcoxon pruner needs a single-objective study (this one has %zu)",
                hpo_study_n_objectives(study));
    }
    if (trial->n_ivalues == 0)
        return HPO_OK; /* nothing to test, and no study read needed */
    dir = hpo_study_direction(study, 0);
    rc = hpo__study_trials(study, HPO_STATES(HPO_TRIAL_COMPLETE), &recs, &n_recs);
    if (rc != HPO_OK)
        return hpo__error_wrap(rc, "Wilcoxon pruner");
    best = pick_best(recs, n_recs, dir);
    rc = hpo__wilcoxon_decide(rule->p_threshold, rule->n_startup_steps, dir, trial->ivalues,
                              trial->n_ivalues, best != NULL ? best->ivalues : NULL,
                              best != NULL ? best->n_ivalues : 0, out);
    hpo__records_release(recs, n_recs);
    return rc;
}

static const hpo__pruner_ops wilcoxon_ops = {
        .version = HPO__PRUNER_OPS_VERSION,
        .name = "wilcoxon",
        .prune = wilcoxon_prune,
        .destroy = hpo__pruner_free_impl,
};

/*=========================== Construction ===========================*/

static int check_version(unsigned int version)
{
    if (version == 0 || version > HPO_WILCOXON_OPTIONS_VERSION) {
        return hpo__error_set(
                HPO_EVERSION,
                "hpo_wilcoxon_options version %u is not supported (this library knows 1..%d)",
                version, HPO_WILCOXON_OPTIONS_VERSION);
    }
    return HPO_OK;
}

/* Fill *opts with the defaults of the given options version. */
int hpo_wilcoxon_options_init(hpo_wilcoxon_options *opts, unsigned int version)
{
    const hpo_wilcoxon_options defaults = HPO_WILCOXON_OPTIONS_INIT;

    if (opts == NULL)
        return hpo__error_set(HPO_EINVAL, "hpo_wilcoxon_options_init: opts is NULL");
    HPO_TRY(check_version(version));
    *opts = defaults;
    opts->version = version;
    return HPO_OK;
}

/* Validate the options into a rule (Optuna's constructor checks). */
static int make_rule(const hpo_wilcoxon_options *opts, wilcoxon_rule *rule)
{
    HPO_TRY(check_version(opts->version));
    if (!(opts->p_threshold >= 0.0 && opts->p_threshold <= 1.0)) {
        return hpo__error_set(HPO_EINVAL, "p_threshold (%g) must be in [0, 1]", opts->p_threshold);
    }
    if (opts->n_startup_steps < 0) {
        return hpo__error_set(HPO_EINVAL, "n_startup_steps (%lld) must be >= 0",
                              (long long)opts->n_startup_steps);
    }
    rule->p_threshold = opts->p_threshold;
    rule->n_startup_steps = opts->n_startup_steps;
    return HPO_OK;
}

/* Wilcoxon pruner; opts NULL means defaults. */
int hpo_pruner_wilcoxon_new(hpo_pruner **out, const hpo_wilcoxon_options *opts)
{
    const hpo_wilcoxon_options defaults = HPO_WILCOXON_OPTIONS_INIT;
    wilcoxon_rule rule, *impl;

    if (out == NULL)
        return hpo__error_set(HPO_EINVAL, "hpo_pruner_wilcoxon_new: out is NULL");
    *out = NULL;
    HPO_TRY(make_rule(opts != NULL ? opts : &defaults, &rule));
    impl = hpo__malloc(sizeof(*impl));
    if (impl == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory allocating the Wilcoxon pruner");
    *impl = rule;
    return hpo__pruner_new(out, &wilcoxon_ops, impl);
}
