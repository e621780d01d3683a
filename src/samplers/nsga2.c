/*
 * nsga2.c - Optuna's NSGAIISampler (reference/optuna.md §4) on the sampler
 * seam.
 *
 * A trial's generation is fixed in before_trial and written on it as
 * "NSGAIISampler:generation" (Optuna's key and rule: the highest generation
 * among COMPLETE trials, or the next one once that has population_size of
 * them). The parents of generation g are the elite of the COMPLETE trials of
 * g-1 plus the parents of g-1. Optuna caches them in study attributes; here
 * they are a pure function of the storage, memoised per study and keyed by
 * how many COMPLETE trials each generation had, so every worker (and a
 * restarted one) computes the same parents. A generation that gains a late
 * trial is recomputed together with everything after it. Every random choice
 * comes from (seed, trial number).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/distribution.h"
#include "core/error.h"
#include "samplers/nsga2_internal.h"
#include "samplers/sampler.h"
#include "samplers/tpe_internal.h"
#include "study.h"

#define GENERATION_KEY "NSGAIISampler:generation"
#define MAX_POPULATION ((size_t)1 << 24)
#define MAX_ATTEMPTS   100 /* crossovers tried before clipping (Optuna loops forever) */
#define SALT_CHILD     0x9E3779B97F4A7C15ull
#define SALT_INDEP     0x165667B19E3779F9ull

/* ==== options ============================================================= */

int hpo_nsga2_options_init(hpo_nsga2_options *opts, unsigned int version)
{
    hpo_nsga2_options d = HPO_NSGA2_OPTIONS_INIT;
    if (opts == NULL)
        return hpo__error_set(HPO_EMISUSE, "hpo_nsga2_options_init: opts is NULL");
    if (version != HPO_NSGA2_OPTIONS_VERSION)
        return hpo__error_set(HPO_EVERSION, "nsga2 options version %u (this library: %u)", version,
                              HPO_NSGA2_OPTIONS_VERSION);
    *opts = d;
    return HPO_OK;
}

static size_t crossover_parents(hpo_nsga2_crossover c)
{
    return c == HPO_NSGA2_CROSSOVER_UNDX || c == HPO_NSGA2_CROSSOVER_SPX ? 3 : 2;
}

static bool in_unit(double p)
{
    return p >= 0.0 && p <= 1.0; /* false for NaN */
}

static int check_options(const hpo_nsga2_options *o)
{
    if (o->version != HPO_NSGA2_OPTIONS_VERSION)
        return hpo__error_set(HPO_EVERSION, "nsga2 options version %u (this library: %u)",
                              o->version, HPO_NSGA2_OPTIONS_VERSION);
    if ((int)o->crossover < HPO_NSGA2_CROSSOVER_UNIFORM ||
        (int)o->crossover > HPO_NSGA2_CROSSOVER_SPX)
        return hpo__error_set(HPO_EINVAL, "nsga2: unknown crossover %d", (int)o->crossover);
    if (o->population_size < 2 || o->population_size > MAX_POPULATION)
        return hpo__error_set(HPO_EINVAL, "nsga2: population_size %zu must be 2..%zu",
                              o->population_size, MAX_POPULATION);
    if (o->population_size < crossover_parents(o->crossover))
        return hpo__error_set(HPO_EINVAL,
                              "nsga2: population_size %zu is below the crossover's %zu parents",
                              o->population_size, crossover_parents(o->crossover));
    if (o->mutation_prob > 1.0)
        return hpo__error_set(
                HPO_EINVAL,
                "nsga2: mutation_prob (%g) must be in [0, 1], or NaN / negative for auto",
                o->mutation_prob);
    if (!in_unit(o->crossover_prob))
        return hpo__error_set(HPO_EINVAL, "nsga2: crossover_prob (%g) must be in [0, 1]",
                              o->crossover_prob);
    if (!in_unit(o->swapping_prob))
        return hpo__error_set(HPO_EINVAL, "nsga2: swapping_prob (%g) must be in [0, 1]",
                              o->swapping_prob);
    return HPO_OK;
}

/* ==== ranking and crowding ================================================= */

/* A key with its position, so that qsort acts as Python's stable sort. */
typedef struct ns_key {
    double v;
    size_t pos;
} ns_key;

static int cmp_key(const void *a, const void *b)
{
    const ns_key *x = a, *y = b;
    if (x->v != y->v)
        return x->v < y->v ? -1 : 1;
    return x->pos < y->pos ? -1 : (x->pos > y->pos ? 1 : 0);
}

/* Rank by one value (np.unique's inverse): equal values share a rank. */
static int
rank_1d(const double *v, size_t stride, const size_t *idx, size_t k, size_t base, size_t *rank)
{
    ns_key *keys = hpo__malloc((k + 1) * sizeof(*keys));
    size_t r = base;
    if (keys == NULL)
        return hpo__error_set(HPO_ENOMEM, "nsga2: out of memory ranking");
    for (size_t i = 0; i < k; i++)
        keys[i] = (ns_key){v[idx[i] * stride], idx[i]};
    qsort(keys, k, sizeof(*keys), cmp_key);
    for (size_t i = 0; i < k; i++) {
        if (i > 0 && keys[i].v != keys[i - 1].v)
            r++;
        rank[keys[i].pos] = r;
    }
    hpo__free(keys);
    return HPO_OK;
}

static bool dominates(const double *a, const double *b, size_t m)
{
    bool better = false;
    for (size_t j = 0; j < m; j++) {
        if (a[j] > b[j])
            return false;
        better = better || a[j] < b[j];
    }
    return better;
}

/* Peel Pareto fronts off idx[0..k): O(fronts * k^2 * m) time, O(k) memory. */
static int
rank_fronts(const double *loss, size_t m, const size_t *idx, size_t k, size_t base, size_t *rank)
{
    size_t *rest = hpo__malloc((k + 1) * sizeof(size_t));
    unsigned char *front = hpo__malloc(k + 1);
    size_t n_rest = k, r = base;
    if (rest == NULL || front == NULL) {
        hpo__free(rest);
        hpo__free(front);
        return hpo__error_set(HPO_ENOMEM, "nsga2: out of memory ranking");
    }
    memcpy(rest, idx, k * sizeof(size_t));
    while (n_rest > 0) {
        size_t kept = 0;
        for (size_t a = 0; a < n_rest; a++) {
            front[a] = 1;
            for (size_t b = 0; b < n_rest && front[a]; b++)
                if (dominates(loss + rest[b] * m, loss + rest[a] * m, m))
                    front[a] = 0;
        }
        for (size_t a = 0; a < n_rest; a++) {
            if (front[a])
                rank[rest[a]] = r;
            else
                rest[kept++] = rest[a];
        }
        n_rest = kept;
        r++;
    }
    hpo__free(rest);
    hpo__free(front);
    return HPO_OK;
}

static int
rank_set(const double *loss, size_t m, const size_t *idx, size_t k, size_t base, size_t *rank)
{
    if (k == 0)
        return HPO_OK;
    return m == 1 ? rank_1d(loss, 1, idx, k, base, rank) : rank_fronts(loss, m, idx, k, base, rank);
}

int hpo__nsga2_rank(const double *loss, size_t n, size_t m, const double *viol, size_t *rank)
{
    size_t *idx = hpo__malloc((n + 1) * sizeof(size_t)), n_feas = 0, top = 0;
    int rc;
    if (idx == NULL)
        return hpo__error_set(HPO_ENOMEM, "nsga2: out of memory ranking");
    for (size_t i = 0; i < n; i++)
        if (viol == NULL || viol[i] <= 0)
            idx[n_feas++] = i;
    rc = rank_set(loss, m, idx, n_feas, 0, rank);
    for (size_t i = 0; i < n_feas; i++)
        top = rank[idx[i]] + 1 > top ? rank[idx[i]] + 1 : top;
    if (rc == HPO_OK && viol != NULL) {
        size_t n_inf = 0;
        for (size_t i = 0; i < n; i++)
            if (!(viol[i] <= 0))
                idx[n_inf++] = i;
        rc = rank_1d(viol, 1, idx, n_inf, top, rank);
    }
    hpo__free(idx);
    return rc;
}

/* Stable sort of order[0..k) (positions into idx) by column j. */
static void sort_by_column(const double *values,
                           size_t m,
                           const size_t *idx,
                           size_t j,
                           size_t *order,
                           size_t k,
                           ns_key *keys)
{
    for (size_t i = 0; i < k; i++)
        keys[i] = (ns_key){values[idx[order[i]] * m + j], i};
    qsort(keys, k, sizeof(*keys), cmp_key);
    size_t *tmp = (size_t *)(keys + k); /* scratch after the keys */
    for (size_t i = 0; i < k; i++)
        tmp[i] = order[keys[i].pos];
    memcpy(order, tmp, k * sizeof(size_t));
}

/* One objective's contribution, over order (sorted by that objective). */
static void add_column_distance(const double *values,
                                size_t m,
                                const size_t *idx,
                                size_t j,
                                const size_t *order,
                                size_t k,
                                double *dist)
{
    double lo = -HUGE_VAL, hi = HUGE_VAL, width;
#define V(i) ((i) < 0 ? -HUGE_VAL : ((size_t)(i) >= k ? HUGE_VAL : values[idx[order[i]] * m + j]))
    if (V(0) == V((long)k - 1))
        return;
    for (size_t i = 0; i < k && lo == -HUGE_VAL; i++)
        lo = V((long)i);
    for (size_t i = k; i > 0 && hi == HUGE_VAL; i--)
        hi = V((long)i - 1);
    width = hi - lo;
    if (!(width > 0))
        width = 1.0;
    for (long i = 0; i < (long)k; i++) {
        double a = V(i - 1), b = V(i + 1);
        dist[order[i]] += (a == b ? 0.0 : b - a) / width;
    }
#undef V
}

int hpo__nsga2_crowding(
        const double *values, size_t m, const size_t *idx, size_t k, double *dist, size_t *order)
{
    /* keys, then k size_t of scratch for sort_by_column */
    ns_key *keys = hpo__malloc((k + 1) * (sizeof(ns_key) + sizeof(size_t)));
    if (keys == NULL)
        return hpo__error_set(HPO_ENOMEM, "nsga2: out of memory in crowding distance");
    for (size_t i = 0; i < k; i++) {
        dist[i] = 0.0;
        order[i] = i;
    }
    for (size_t j = 0; j < m && k > 0; j++) {
        sort_by_column(values, m, idx, j, order, k, keys);
        add_column_distance(values, m, idx, j, order, k, dist);
    }
    /* sort(key=distance) then reverse(): descending, ties in reverse order */
    for (size_t i = 0; i < k; i++)
        keys[i] = (ns_key){dist[order[i]], i};
    qsort(keys, k, sizeof(*keys), cmp_key);
    size_t *tmp = (size_t *)(keys + k);
    for (size_t i = 0; i < k; i++)
        tmp[i] = order[keys[k - 1 - i].pos];
    memcpy(order, tmp, k * sizeof(size_t));
    hpo__free(keys);
    return HPO_OK;
}

/* Append rank r's points, cut by crowding distance when they overflow k. */
static int take_rank(const double *values,
                     size_t m,
                     const size_t *group,
                     size_t g,
                     size_t k,
                     size_t *chosen,
                     size_t *n_chosen)
{
    if (*n_chosen + g < k) {
        memcpy(chosen + *n_chosen, group, g * sizeof(size_t));
        *n_chosen += g;
        return HPO_OK;
    }
    double *dist = hpo__malloc((g + 1) * sizeof(double));
    size_t *order = hpo__malloc((g + 1) * sizeof(size_t));
    int rc = dist && order ? hpo__nsga2_crowding(values, m, group, g, dist, order)
                           : hpo__error_set(HPO_ENOMEM, "nsga2: out of memory selecting");
    for (size_t i = 0; rc == HPO_OK && *n_chosen < k; i++)
        chosen[(*n_chosen)++] = group[order[i]];
    hpo__free(dist);
    hpo__free(order);
    return rc;
}

int hpo__nsga2_select(const double *values,
                      size_t n,
                      size_t m,
                      const hpo_direction *dirs,
                      const double *viol,
                      size_t k,
                      size_t *chosen,
                      size_t *n_chosen)
{
    double *loss = hpo__malloc((n * m + 1) * sizeof(double));
    size_t *rank = hpo__malloc((n + 1) * sizeof(size_t));
    size_t *group = hpo__malloc((n + 1) * sizeof(size_t));
    int rc = HPO_OK;
    *n_chosen = 0;
    if (loss == NULL || rank == NULL || group == NULL) {
        rc = hpo__error_set(HPO_ENOMEM, "nsga2: out of memory selecting");
        goto done;
    }
    for (size_t i = 0; i < n * m; i++)
        loss[i] = dirs[i % m] == HPO_MAXIMIZE ? -values[i] : values[i];
    rc = hpo__nsga2_rank(loss, n, m, viol, rank);
    for (size_t r = 0; rc == HPO_OK && *n_chosen < k; r++) {
        size_t g = 0;
        for (size_t i = 0; i < n; i++)
            if (rank[i] == r)
                group[g++] = i;
        if (g == 0)
            break; /* ranks are dense: no point is left */
        rc = take_rank(values, m, group, g, k, chosen, n_chosen);
    }
done:
    hpo__free(loss);
    hpo__free(rank);
    hpo__free(group);
    return rc;
}

/* ==== the history ========================================================= */

/* The COMPLETE trials by number, with their generations (-1: none). */
typedef struct ns_hist {
    hpo__record **recs;
    size_t n;
    int64_t *gen;
    size_t m; /* objectives */
} ns_hist;

/* An integer system attribute (a JSON number is also C's); false when absent or not one. */
static bool attr_int(const hpo__record *rec, const char *key, int64_t *out)
{
    const char *text = hpo__attrs_get(&rec->system_attrs, key);
    char *end = NULL;
    if (text == NULL)
        return false;
    double v = strtod(text, &end);
    while (end != NULL && (*end == ' ' || *end == '\n' || *end == '\t'))
        end++;
    if (end == text || end == NULL || *end != '\0' || v != floor(v) || !(fabs(v) < 9e15))
        return false;
    *out = (int64_t)v;
    return true;
}

static void hist_free(ns_hist *h)
{
    hpo__records_release(h->recs, h->n);
    hpo__free(h->gen);
    memset(h, 0, sizeof(*h));
}

static int hist_load(hpo_study *study, ns_hist *h)
{
    memset(h, 0, sizeof(*h));
    h->m = hpo_study_n_objectives(study);
    HPO_TRY(hpo__study_trials_snapshot(study, HPO_STATES(HPO_TRIAL_COMPLETE), &h->recs, &h->n));
    h->gen = hpo__malloc((h->n + 1) * sizeof(int64_t));
    if (h->gen == NULL) {
        hist_free(h);
        return hpo__error_set(HPO_ENOMEM, "nsga2: out of memory reading trials");
    }
    for (size_t i = 0; i < h->n; i++) {
        /* a trial without usable values cannot be ranked: it is in no population */
        if (h->recs[i]->n_values != h->m || !attr_int(h->recs[i], GENERATION_KEY, &h->gen[i]))
            h->gen[i] = -1;
    }
    return HPO_OK;
}

/* Optuna's get_trial_generation over the COMPLETE trials. */
static int64_t next_generation(const ns_hist *h, size_t population_size)
{
    int64_t max_gen = 0;
    size_t count = 0;
    for (size_t i = h->n; i > 0; i--) {
        int64_t g = h->gen[i - 1];
        if (g < max_gen)
            continue;
        if (g > max_gen) {
            max_gen = g;
            count = 1;
        } else {
            count++;
        }
    }
    return count < population_size ? max_gen : max_gen + 1;
}

static const hpo__record *hist_find(const ns_hist *h, int64_t number)
{
    size_t lo = 0, hi = h->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (h->recs[mid]->number == number)
            return h->recs[mid];
        if (h->recs[mid]->number < number)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* ==== parent populations ================================================== */

/* The parents of one generation, as trial numbers in ascending order. */
typedef struct ns_gen {
    size_t pop_count; /* COMPLETE trials of the previous generation they came from */
    int64_t *numbers;
    size_t n;
} ns_gen;

typedef struct ns_cache {
    int64_t study_id; /* -1: empty */
    ns_gen *gens;     /* index g: the parents of generation g (0 unused) */
    size_t n_valid;   /* gens[1..n_valid) are up to date */
    size_t cap;
} ns_cache;

#define N_MEMO 64

/* Generations fixed in before_trial: the trial's own record does not see the write. */
typedef struct ns_memo {
    int64_t trial_id; /* 0 with generation -1: empty */
    int64_t generation;
} ns_memo;

typedef struct ns_impl {
    hpo_nsga2_options opts;
    hpo__space_cache spaces;
    ns_cache cache;
    ns_memo memo[N_MEMO]; /* by trial id modulo N_MEMO */
} ns_impl;

static void cache_free(ns_cache *c)
{
    for (size_t g = 0; g < c->cap; g++)
        hpo__free(c->gens[g].numbers);
    hpo__free(c->gens);
    memset(c, 0, sizeof(*c));
    c->study_id = -1;
}

static int cache_reserve(ns_cache *c, size_t g)
{
    size_t cap = c->cap ? c->cap : 16;
    if (g < c->cap)
        return HPO_OK;
    while (cap <= g)
        cap *= 2;
    ns_gen *p = hpo__reallocarray(c->gens, cap, sizeof(*p));
    if (p == NULL)
        return hpo__error_set(HPO_ENOMEM, "nsga2: out of memory caching parents");
    memset(p + c->cap, 0, (cap - c->cap) * sizeof(*p));
    c->gens = p;
    c->cap = cap;
    return HPO_OK;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : (x > y ? 1 : 0);
}

/* The candidates for generation g's parents: generation g-1, then g-1's parents. */
static int
gather(const ns_hist *h, const ns_gen *prev, int64_t g, const hpo__record ***out, size_t *n_out)
{
    size_t n = 0, cap = (prev ? prev->n : 0) + h->n + 1;
    const hpo__record **c = hpo__malloc(cap * sizeof(*c));
    if (c == NULL)
        return hpo__error_set(HPO_ENOMEM, "nsga2: out of memory selecting parents");
    for (size_t i = 0; i < h->n; i++)
        if (h->gen[i] == g - 1)
            c[n++] = h->recs[i];
    for (size_t i = 0; prev != NULL && i < prev->n; i++) {
        const hpo__record *r = hist_find(h, prev->numbers[i]);
        if (r != NULL && r->n_values == h->m)
            c[n++] = r;
    }
    *out = c;
    *n_out = n;
    return HPO_OK;
}

/* values and, when any candidate has constraints, violations of the candidates. */
static int
candidate_matrix(const hpo__record **c, size_t n, size_t m, double **values, double **viol)
{
    bool constrained = false;
    *values = hpo__malloc((n * m + 1) * sizeof(double));
    *viol = hpo__malloc((n + 1) * sizeof(double));
    if (*values == NULL || *viol == NULL)
        return hpo__error_set(HPO_ENOMEM, "nsga2: out of memory selecting parents");
    for (size_t i = 0; i < n; i++) {
        memcpy(*values + i * m, c[i]->values, m * sizeof(double));
        /* Optuna 5.0: a trial without constraint attributes is feasible */
        constrained = hpo__trial_violation(c[i], &(*viol)[i]) || constrained;
    }
    if (!constrained) {
        hpo__free(*viol);
        *viol = NULL;
    }
    return HPO_OK;
}

static int elite_of(const ns_impl *im,
                    const hpo_direction *dirs,
                    const ns_hist *h,
                    const hpo__record **c,
                    size_t n,
                    ns_gen *out)
{
    double *values = NULL, *viol = NULL;
    size_t *chosen = hpo__malloc((n + 1) * sizeof(size_t)), k = 0;
    int rc = chosen ? candidate_matrix(c, n, h->m, &values, &viol)
                    : hpo__error_set(HPO_ENOMEM, "nsga2: out of memory selecting parents");
    if (rc == HPO_OK)
        rc = hpo__nsga2_select(values, n, h->m, dirs, viol, im->opts.population_size, chosen, &k);
    hpo__free(out->numbers);
    out->numbers = NULL;
    out->n = 0;
    if (rc == HPO_OK && (out->numbers = hpo__malloc((k + 1) * sizeof(int64_t))) == NULL)
        rc = hpo__error_set(HPO_ENOMEM, "nsga2: out of memory selecting parents");
    for (size_t i = 0; rc == HPO_OK && i < k; i++)
        out->numbers[i] = c[chosen[i]]->number;
    if (rc == HPO_OK) {
        out->n = k;
        /* number order, as Optuna hands back its cached parents */
        qsort(out->numbers, k, sizeof(int64_t), cmp_i64);
    }
    hpo__free(values);
    hpo__free(viol);
    hpo__free(chosen);
    return rc;
}

/* counts[k] = COMPLETE trials of generation k, for k < g; one pass over the history. */
static size_t *count_generations(const ns_hist *h, int64_t g)
{
    size_t *counts = hpo__calloc((size_t)g + 1, sizeof(size_t));
    for (size_t i = 0; counts != NULL && i < h->n; i++)
        if (h->gen[i] >= 0 && h->gen[i] < g)
            counts[h->gen[i]]++;
    return counts;
}

/* Bring gens[1..g] up to date; *out points into the cache (valid until the next call). */
static int
parents_of(ns_impl *im, hpo_study *study, const ns_hist *h, int64_t g, const ns_gen **out)
{
    ns_cache *c = &im->cache;
    hpo_direction *dirs = hpo__malloc((h->m + 1) * sizeof(*dirs));
    size_t *counts = count_generations(h, g);
    int rc = dirs && counts ? HPO_OK : hpo__error_set(HPO_ENOMEM, "nsga2: out of memory");
    if (c->study_id != hpo__study_id(study)) {
        cache_free(c);
        c->study_id = hpo__study_id(study);
    }
    for (size_t j = 0; rc == HPO_OK && j < h->m; j++)
        dirs[j] = hpo_study_direction(study, j);
    if (rc == HPO_OK)
        rc = cache_reserve(c, (size_t)g);
    for (int64_t k = 1; rc == HPO_OK && k <= g; k++) {
        size_t pop = counts[k - 1];
        if ((size_t)k < c->n_valid && c->gens[k].pop_count == pop)
            continue;
        const hpo__record **cand = NULL;
        size_t n = 0;
        rc = gather(h, k > 1 ? &c->gens[k - 1] : NULL, k, &cand, &n);
        if (rc == HPO_OK)
            rc = elite_of(im, dirs, h, cand, n, &c->gens[k]);
        hpo__free(cand);
        c->gens[k].pop_count = pop;
        c->n_valid = rc == HPO_OK ? (size_t)k + 1 : 1; /* later ones depend on this one */
    }
    hpo__free(dirs);
    hpo__free(counts);
    *out = rc == HPO_OK ? &c->gens[g] : NULL;
    return rc;
}

/* ==== the transformed space =============================================== */

static double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : (v > hi ? hi : v); /* NaN stays NaN */
}

/* Optuna's _SearchSpaceTransform bounds (log, steps widened by half a step). */
static void bounds_of(const hpo_distribution *d, double *lo, double *hi)
{
    double half =
            d->kind == HPO_DIST_INT ? (double)d->istep / 2.0 : (d->has_step ? d->step / 2.0 : 0.0);
    if (d->log) {
        *lo = log(d->low - half);
        *hi = log(d->high + half);
    } else {
        *lo = d->low - half;
        *hi = d->high + half;
    }
}

static double to_space(const hpo_distribution *d, double internal)
{
    return d->log ? log(internal) : internal;
}

/* Optuna's _untransform_numerical_param: grids are rounded and clipped, floats only capped. */
static double from_space(const hpo_distribution *d, double t)
{
    double cap = nextafter(d->high, -HUGE_VAL);
    if (d->kind == HPO_DIST_INT) {
        double step = (double)d->istep;
        double v = d->log ? nearbyint(exp(t)) : floor((t - d->low) / step + 0.5) * step + d->low;
        return clampd(v, d->low, d->high);
    }
    if (d->has_step)
        return clampd(d->low + nearbyint((t - d->low) / d->step) * d->step, d->low, d->high);
    double v = d->log ? exp(t) : t;
    return v > cap ? cap : v;
}

static bool contained(const hpo_distribution *d, double v)
{
    return v >= d->low && v <= d->high; /* false for NaN */
}

/* ==== crossovers ========================================================== */

/* xs: n_parents rows of d transformed values; lo/hi: bounds; child: d values. */
typedef struct ns_xo {
    const double *xs;
    size_t d;
    const double *lo, *hi;
    double swapping_prob;
    double eta;
} ns_xo;

static void xo_uniform(const ns_xo *x, hpo_rng *rng, double *child)
{
    for (size_t j = 0; j < x->d; j++)
        child[j] = hpo__rng_uniform(rng) >= x->swapping_prob ? x->xs[x->d + j] : x->xs[j];
}

static void xo_blx(const ns_xo *x, hpo_rng *rng, double *child)
{
    for (size_t j = 0; j < x->d; j++) {
        double a = fmin(x->xs[j], x->xs[x->d + j]), b = fmax(x->xs[j], x->xs[x->d + j]);
        double lo = a - 0.5 * (b - a), hi = b + 0.5 * (b - a);
        child[j] = (hi - lo) * hpo__rng_uniform(rng) + lo;
    }
}

/* SBX / VSBX gene choice: c1/c2 or the parents, then one of the two children. */
static void
pick_genes(const ns_xo *x, hpo_rng *rng, const double *c1, const double *c2, double *child)
{
    double *alt = child + x->d; /* the second child, scratch */
    for (size_t j = 0; j < x->d; j++) {
        bool use_child = hpo__rng_uniform(rng) < 0.5;
        bool keep = hpo__rng_uniform(rng) >= 0.5;
        double a = use_child ? c1[j] : x->xs[j], b = use_child ? c2[j] : x->xs[x->d + j];
        child[j] = keep ? a : b;
        alt[j] = keep ? b : a;
    }
    if (!(hpo__rng_uniform(rng) < 0.5))
        memcpy(child, alt, x->d * sizeof(double));
}

static double sbx_betaq(double u, double alpha, double eta)
{
    if (u > 1.0 / alpha)
        return pow(1.0 / (2.0 - u * alpha), 1.0 / (eta + 1.0));
    return pow(u * alpha, 1.0 / (eta + 1.0));
}

/* child needs 4 d doubles: the child, the alternative and c1, c2. */
static void xo_sbx(const ns_xo *x, hpo_rng *rng, double *child)
{
    double *c1 = child + 2 * x->d, *c2 = child + 3 * x->d, e = x->eta;
    for (size_t j = 0; j < x->d; j++) { /* all u first, as Optuna draws them */
        c1[j] = hpo__rng_uniform(rng);
    }
    for (size_t j = 0; j < x->d; j++) {
        double mn = fmin(x->xs[j], x->xs[x->d + j]), mx = fmax(x->xs[j], x->xs[x->d + j]);
        double diff = fmax(mx - mn, 1e-10), u = c1[j];
        double beta1 = 1 + 2 * (mn - x->lo[j]) / diff, beta2 = 1 + 2 * (x->hi[j] - mx) / diff;
        double alpha1 = 2 - pow(beta1, -(e + 1)), alpha2 = 2 - pow(beta2, -(e + 1));
        c1[j] = 0.5 * ((mn + mx) - sbx_betaq(u, alpha1, e) * diff);
        c2[j] = 0.5 * ((mn + mx) + sbx_betaq(u, alpha2, e) * diff);
    }
    pick_genes(x, rng, c1, c2, child);
}

static void xo_vsbx(const ns_xo *x, hpo_rng *rng, double *child)
{
    double *c1 = child + 2 * x->d, *c2 = child + 3 * x->d, e = x->eta;
    const double *p0 = x->xs, *p1 = x->xs + x->d;
    for (size_t j = 0; j < x->d; j++)
        c1[j] = hpo__rng_uniform(rng);
    bool first1 = hpo__rng_uniform(rng) <= 0.5, first2 = hpo__rng_uniform(rng) <= 0.5;
    for (size_t j = 0; j < x->d; j++) {
        double u = c1[j];
        double b1 = pow(1.0 / fmax(2 * u, 1e-10), 1.0 / (e + 1));
        double b2 = pow(1.0 / fmax(2 * (1 - u), 1e-10), 1.0 / (e + 1));
        c1[j] = first1 ? 0.5 * ((1 + b1) * p0[j] + (1 - b2) * p1[j])
                       : 0.5 * ((1 - b1) * p0[j] + (1 + b2) * p1[j]);
        c2[j] = first2 ? 0.5 * ((3 - b1) * p0[j] - (1 - b2) * p1[j])
                       : 0.5 * (-(1 - b1) * p0[j] + (3 - b2) * p1[j]);
    }
    pick_genes(x, rng, c1, c2, child);
}

static void xo_spx(const ns_xo *x, hpo_rng *rng, double *child)
{
    double eps = sqrt((double)x->d + 2.0), rs[2];
    for (int k = 0; k < 2; k++)
        rs[k] = pow(hpo__rng_uniform(rng), 1.0 / (k + 1));
    for (size_t j = 0; j < x->d; j++) {
        double g = (x->xs[j] + x->xs[x->d + j] + x->xs[2 * x->d + j]) / 3.0, c = 0.0, xk[3];
        for (int k = 0; k < 3; k++)
            xk[k] = g + eps * (x->xs[k * x->d + j] - g);
        for (int k = 1; k < 3; k++)
            c = rs[k - 1] * (xk[k - 1] - xk[k] + c);
        child[j] = xk[2] + c;
    }
}

static double dot(const double *a, const double *b, size_t d)
{
    double s = 0.0;
    for (size_t j = 0; j < d; j++)
        s += a[j] * b[j];
    return s;
}

/*
 * n-1 orthonormal vectors orthogonal to e (unit or zero) into basis: Gram-Schmidt
 * over e, then the unit vectors e_1..e_{d-1}, e_0 (numpy's QR of the identity
 * with e as first row, up to signs, which the symmetric normal draws ignore).
 */
static void orthonormal_to(const double *e, size_t d, double *basis, double *v)
{
    size_t got = 0, cand = 0;
    bool e_zero = dot(e, e, d) == 0.0;
    while (got < d - 1 && cand <= d) {
        size_t unit = cand < d ? (cand + 1) % d : 0; /* 1, 2, ..., d-1, 0 */
        memset(v, 0, d * sizeof(double));
        v[unit] = 1.0;
        cand++;
        if (!e_zero) {
            double p = dot(v, e, d);
            for (size_t j = 0; j < d; j++)
                v[j] -= p * e[j];
        }
        for (size_t b = 0; b < got; b++) {
            double p = dot(v, basis + b * d, d);
            for (size_t j = 0; j < d; j++)
                v[j] -= p * basis[b * d + j];
        }
        double nv = sqrt(dot(v, v, d));
        if (nv < 1e-8)
            continue; /* dependent on what is there already */
        for (size_t j = 0; j < d; j++)
            basis[got * d + j] = v[j] / nv;
        got++;
    }
}

/* child needs (d + 3) * d doubles: child, e12, v, then the basis. */
static void xo_undx(const ns_xo *x, hpo_rng *rng, double *child)
{
    size_t d = x->d;
    const double *p0 = x->xs, *p1 = x->xs + d, *p2 = x->xs + 2 * d;
    double *e = child + d, *v = child + 2 * d, *basis = child + 3 * d;
    double sigma_eta = 0.35 / sqrt((double)d), xi, m12, dist;
    for (size_t j = 0; j < d; j++)
        e[j] = p1[j] - p0[j];
    m12 = fmax(sqrt(dot(e, e, d)), 1e-10);
    for (size_t j = 0; j < d; j++)
        e[j] /= m12;
    for (size_t j = 0; j < d; j++) /* etas: Optuna's scale is sigma_eta squared */
        v[j] = hpo__rng_normal(rng) * sigma_eta * sigma_eta;
    xi = hpo__rng_normal(rng) * 0.25; /* sigma_xi 0.5, squared likewise */
    for (size_t j = 0; j < d; j++)
        child[j] = (p0[j] + p1[j]) / 2 + xi * (p0[j] - p1[j]);
    if (d == 1)
        return;
    double p13 = 0.0;
    for (size_t j = 0; j < d; j++)
        p13 += (p2[j] - p0[j]) * e[j];
    dist = 0.0;
    for (size_t j = 0; j < d; j++)
        dist += pow(p2[j] - p0[j] - p13 * e[j], 2);
    dist = sqrt(dist);
    double *etas = basis + (d - 1) * d; /* keep the draws past the basis */
    memcpy(etas, v, d * sizeof(double));
    orthonormal_to(e, d, basis, v);
    for (size_t i = 0; i + 1 < d; i++)
        for (size_t j = 0; j < d; j++)
            child[j] += dist * etas[i] * basis[i * d + j];
}

static void run_crossover(hpo_nsga2_crossover kind, const ns_xo *x, hpo_rng *rng, double *child)
{
    switch (kind) {
    case HPO_NSGA2_CROSSOVER_BLXALPHA:
        xo_blx(x, rng, child);
        break;
    case HPO_NSGA2_CROSSOVER_SBX:
        xo_sbx(x, rng, child);
        break;
    case HPO_NSGA2_CROSSOVER_VSBX:
        xo_vsbx(x, rng, child);
        break;
    case HPO_NSGA2_CROSSOVER_UNDX:
        xo_undx(x, rng, child);
        break;
    case HPO_NSGA2_CROSSOVER_SPX:
        xo_spx(x, rng, child);
        break;
    case HPO_NSGA2_CROSSOVER_UNIFORM:
    default:
        xo_uniform(x, rng, child);
        break;
    }
}

/* ==== making a child ====================================================== */

/* The parents as the child generation sees them. */
typedef struct ns_parents {
    const hpo__record **recs;
    size_t n;
    double *pv;   /* n x space->n internal values, NaN where a parent lacks the param */
    double *loss; /* n x m, minimised */
    double *viol; /* n, or NULL without constraints */
    size_t m;
} ns_parents;

/* Optuna's _dominates, or _constrained_dominates when any parent has constraints. */
static bool parent_dominates(const ns_parents *p, size_t a, size_t b)
{
    if (p->viol != NULL) {
        bool fa = p->viol[a] <= 0, fb = p->viol[b] <= 0;
        if (fa != fb)
            return fa;
        if (!fa)
            return p->viol[a] < p->viol[b];
    }
    return dominates(p->loss + a * p->m, p->loss + b * p->m, p->m);
}

/* Binary tournaments without replacement into sel[0..k). */
static void select_parents(const ns_parents *p, hpo_rng *rng, size_t k, size_t *avail, size_t *sel)
{
    size_t n_avail = p->n;
    for (size_t i = 0; i < p->n; i++)
        avail[i] = i;
    for (size_t s = 0; s < k; s++) {
        size_t a = hpo__rng_below(rng, n_avail), b = hpo__rng_below(rng, n_avail);
        size_t pick = parent_dominates(p, avail[a], avail[b]) ? a : b;
        sel[s] = avail[pick];
        memmove(avail + pick, avail + pick + 1, (n_avail - pick - 1) * sizeof(size_t));
        n_avail--;
    }
}

/* Scratch for crossovers, sized once per child. */
typedef struct ns_work {
    size_t *num, *cat, n_num, n_cat; /* space indices */
    double *lo, *hi, *xs, *child;
    size_t *avail, sel[3];
} ns_work;

static void work_free(ns_work *w)
{
    hpo__free(w->num);
    hpo__free(w->lo);
    hpo__free(w->avail);
    memset(w, 0, sizeof(*w));
}

static int work_init(ns_work *w, const hpo__space *space, size_t n_parents)
{
    size_t n = space->n, d = n + 1;
    memset(w, 0, sizeof(*w));
    w->num = hpo__malloc(2 * d * sizeof(size_t));
    /* lo, hi, xs (3 rows), child ((d + 3) * d for UNDX) */
    w->lo = hpo__malloc((2 * d + 3 * d + (d + 3) * d) * sizeof(double));
    w->avail = hpo__malloc((n_parents + 1) * sizeof(size_t));
    if (w->num == NULL || w->lo == NULL || w->avail == NULL) {
        work_free(w);
        return hpo__error_set(HPO_ENOMEM, "nsga2: out of memory in crossover");
    }
    w->cat = w->num + d;
    w->hi = w->lo + d;
    w->xs = w->hi + d;
    w->child = w->xs + 3 * d;
    for (size_t i = 0; i < n; i++) {
        if (space->dists[i]->kind == HPO_DIST_CATEGORICAL) {
            w->cat[w->n_cat++] = i;
        } else {
            bounds_of(space->dists[i], &w->lo[w->n_num], &w->hi[w->n_num]);
            w->num[w->n_num++] = i;
        }
    }
    return HPO_OK;
}

/* One try: pick parents, cross them over into out; true when every value is contained. */
static bool try_crossover(const ns_impl *im,
                          const hpo__space *space,
                          const ns_parents *p,
                          ns_work *w,
                          hpo_rng *rng,
                          bool multi,
                          double *out)
{
    size_t k = crossover_parents(im->opts.crossover), n = space->n;
    bool ok = true;
    select_parents(p, rng, k, w->avail, w->sel);
    for (size_t c = 0; c < w->n_cat; c++) { /* categoricals: parents 0 and last */
        size_t i = w->cat[c], from = hpo__rng_uniform(rng) >= im->opts.swapping_prob ? k - 1 : 0;
        out[i] = p->pv[w->sel[from] * n + i];
    }
    if (w->n_num == 0)
        return true;
    for (size_t r = 0; r < k; r++)
        for (size_t c = 0; c < w->n_num; c++)
            w->xs[r * w->n_num + c] =
                    to_space(space->dists[w->num[c]], p->pv[w->sel[r] * n + w->num[c]]);
    ns_xo x = {w->xs, w->n_num, w->lo, w->hi, im->opts.swapping_prob, multi ? 20.0 : 2.0};
    run_crossover(im->opts.crossover, &x, rng, w->child);
    for (size_t c = 0; c < w->n_num; c++) {
        const hpo_distribution *d = space->dists[w->num[c]];
        out[w->num[c]] = from_space(d, w->child[c]);
        ok = ok && contained(d, out[w->num[c]]);
    }
    return ok;
}

/* perform_crossover: retried while a value falls outside its distribution. */
static int crossover(const ns_impl *im,
                     const hpo__space *space,
                     const ns_parents *p,
                     hpo_rng *rng,
                     bool multi,
                     double *out)
{
    ns_work w;
    bool ok = false;
    HPO_TRY(work_init(&w, space, p->n));
    for (int a = 0; a < MAX_ATTEMPTS && !ok; a++)
        ok = try_crossover(im, space, p, &w, rng, multi, out);
    for (size_t c = 0; !ok && c < w.n_num; c++) { /* give up retrying: clip the last try */
        const hpo_distribution *d = space->dists[w.num[c]];
        bool grid = d->kind == HPO_DIST_INT || d->has_step; /* already on [low, high] */
        double hi = grid ? d->high : nextafter(d->high, -HUGE_VAL);
        out[w.num[c]] = clampd(out[w.num[c]], d->low, hi);
    }
    work_free(&w);
    return HPO_OK;
}

static void parents_free(ns_parents *p)
{
    hpo__free(p->recs);
    hpo__free(p->pv);
    hpo__free(p->loss);
    hpo__free(p->viol);
    memset(p, 0, sizeof(*p));
}

static void parent_values(ns_parents *p, const hpo__space *space, size_t i)
{
    const hpo__record *r = p->recs[i];
    for (size_t j = 0; j < space->n; j++) {
        long k = hpo__record_find_param(r, space->names[j]);
        bool same = k >= 0 && hpo__dist_equal(r->params[k].dist, space->dists[j]);
        p->pv[i * space->n + j] = same ? r->params[k].internal : (double)NAN;
    }
}

static int parents_load(
        ns_parents *p, hpo_study *study, const ns_hist *h, const ns_gen *g, const hpo__space *space)
{
    bool constrained = false;
    memset(p, 0, sizeof(*p));
    p->m = h->m;
    p->recs = hpo__malloc((g->n + 1) * sizeof(*p->recs));
    p->pv = hpo__malloc((g->n * space->n + 1) * sizeof(double));
    p->loss = hpo__malloc((g->n * h->m + 1) * sizeof(double));
    p->viol = hpo__malloc((g->n + 1) * sizeof(double));
    if (p->recs == NULL || p->pv == NULL || p->loss == NULL || p->viol == NULL) {
        parents_free(p);
        return hpo__error_set(HPO_ENOMEM, "nsga2: out of memory reading parents");
    }
    for (size_t i = 0; i < g->n; i++) {
        const hpo__record *r = hist_find(h, g->numbers[i]);
        if (r == NULL)
            continue; /* cannot happen: parents come from these trials */
        p->recs[p->n] = r;
        for (size_t j = 0; j < h->m; j++)
            p->loss[p->n * h->m + j] =
                    hpo_study_direction(study, j) == HPO_MAXIMIZE ? -r->values[j] : r->values[j];
        constrained = hpo__trial_violation(r, &p->viol[p->n]) || constrained;
        parent_values(p, space, p->n++);
    }
    if (!constrained) {
        hpo__free(p->viol);
        p->viol = NULL;
    }
    return HPO_OK;
}

/* NSGAIIChildGenerationStrategy: out[i] internal value, NaN to be drawn at random. */
static int make_child(const ns_impl *im,
                      const hpo__space *space,
                      const ns_parents *p,
                      const hpo__record *trial,
                      bool multi,
                      double *out)
{
    hpo_rng rng;
    double mp = im->opts.mutation_prob;
    hpo__rng_seed(&rng, im->opts.seed ^ ((uint64_t)trial->number * SALT_CHILD));
    if (hpo__rng_uniform(&rng) < im->opts.crossover_prob &&
        p->n >= crossover_parents(im->opts.crossover)) {
        HPO_TRY(crossover(im, space, p, &rng, multi, out));
    } else {
        size_t pick = hpo__rng_below(&rng, p->n);
        memcpy(out, p->pv + pick * space->n, space->n * sizeof(double));
    }
    if (!(mp >= 0.0))
        mp = 1.0 / (space->n > 1 ? (double)space->n : 1.0);
    for (size_t i = 0; i < space->n; i++)
        if (!(hpo__rng_uniform(&rng) >= mp))
            out[i] = NAN; /* mutated: the random sampler redraws it */
    return HPO_OK;
}

/* ==== sampler ops ========================================================= */

static ns_memo *memo_slot(ns_impl *im, int64_t trial_id)
{
    return &im->memo[(uint64_t)trial_id % N_MEMO];
}

/* The trial's generation: its attribute, what before_trial wrote, else Optuna's rule. */
static int64_t trial_generation(ns_impl *im, const ns_hist *h, const hpo__record *trial)
{
    int64_t g;
    const ns_memo *m = memo_slot(im, trial->id);
    if (attr_int(trial, GENERATION_KEY, &g) && g >= 0)
        return g;
    if (m->trial_id == trial->id && m->generation >= 0)
        return m->generation;
    return next_generation(h, im->opts.population_size);
}

static int ns_before_trial(hpo_sampler *s, hpo_study *study, const hpo__record *trial)
{
    ns_impl *im = s->impl;
    ns_hist h;
    int64_t g;
    char json[32];
    if (attr_int(trial, GENERATION_KEY, &g))
        return HPO_OK; /* already placed (e.g. written by another sampler instance) */
    HPO_TRY(hist_load(study, &h));
    g = next_generation(&h, im->opts.population_size);
    hist_free(&h);
    snprintf(json, sizeof(json), "%" PRId64, g);
    HPO_TRY(hpo__study_set_trial_system_attr(study, trial->id, GENERATION_KEY, json));
    *memo_slot(im, trial->id) = (ns_memo){trial->id, g};
    return HPO_OK;
}

static int
ns_infer_relative_space(hpo_sampler *s, hpo_study *study, const hpo__record *trial, hpo__space *out)
{
    ns_impl *im = s->impl;
    hpo__record **done = NULL;
    size_t n = 0;
    int rc;
    (void)trial;
    HPO_TRY(hpo__study_trials_snapshot(study, HPO_STATES(HPO_TRIAL_COMPLETE), &done, &n));
    rc = hpo__space_cache_update(&im->spaces, hpo__study_id(study), done, n, false);
    hpo__records_release(done, n);
    if (rc == HPO_OK)
        rc = hpo__space_cache_intersection(&im->spaces, out);
    return rc;
}

static int ns_sample_relative(hpo_sampler *s,
                              hpo_study *study,
                              const hpo__record *trial,
                              const hpo__space *space,
                              double *out)
{
    ns_impl *im = s->impl;
    ns_hist h;
    const ns_gen *gen = NULL;
    ns_parents p;
    int rc;
    for (size_t i = 0; i < space->n; i++)
        out[i] = NAN;
    if (space->n == 0)
        return HPO_OK;
    HPO_TRY(hist_load(study, &h));
    int64_t g = trial_generation(im, &h, trial);
    rc = g > 0 ? parents_of(im, study, &h, g, &gen) : HPO_OK;
    if (rc == HPO_OK && gen != NULL && gen->n > 0) {
        rc = parents_load(&p, study, &h, gen, space);
        if (rc == HPO_OK && p.n > 0)
            rc = make_child(im, space, &p, trial, h.m > 1, out);
        if (p.recs != NULL)
            parents_free(&p);
    }
    hist_free(&h);
    return rc;
}

static uint64_t name_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* A RandomSampler draw from (seed, trial number, name): a resumed study draws the same. */
static int ns_sample_independent(hpo_sampler *s,
                                 hpo_study *study,
                                 const hpo__record *trial,
                                 const char *name,
                                 const hpo_distribution *dist,
                                 double *out)
{
    ns_impl *im = s->impl;
    hpo_rng rng;
    (void)study;
    hpo__rng_seed(&rng, im->opts.seed ^ name_hash(name) ^ ((uint64_t)trial->number * SALT_INDEP));
    *out = hpo__random_sample(&rng, dist);
    return HPO_OK;
}

static void ns_destroy(hpo_sampler *s)
{
    ns_impl *im = s->impl;
    if (im == NULL)
        return;
    cache_free(&im->cache);
    hpo__space_cache_free(&im->spaces);
    hpo__free(im);
    s->impl = NULL;
}

static const hpo__sampler_ops nsga2_ops = {
        .version = HPO__SAMPLER_OPS_VERSION,
        .name = "NSGAIISampler",
        .infer_relative_space = ns_infer_relative_space,
        .sample_relative = ns_sample_relative,
        .sample_independent = ns_sample_independent,
        .before_trial = ns_before_trial,
        .after_trial = NULL,
        .destroy = ns_destroy,
};

int hpo_sampler_nsga2_new(hpo_sampler **out, const hpo_nsga2_options *opts)
{
    hpo_nsga2_options defaults = HPO_NSGA2_OPTIONS_INIT;
    ns_impl *im;
    if (out == NULL)
        return hpo__error_set(HPO_EMISUSE, "hpo_sampler_nsga2_new: out is NULL");
    *out = NULL;
    if (opts == NULL)
        opts = &defaults;
    HPO_TRY(check_options(opts));
    im = hpo__calloc(1, sizeof(*im));
    if (im == NULL)
        return hpo__error_set(HPO_ENOMEM, "nsga2: out of memory");
    im->opts = *opts;
    im->cache.study_id = -1;
    for (size_t i = 0; i < N_MEMO; i++)
        im->memo[i].generation = -1;
    hpo__space_cache_init(&im->spaces);
    return hpo__sampler_new(out, &nsga2_ops, im);
}
