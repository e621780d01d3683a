/*
 * fanova.c - functional ANOVA over a random forest (Hutter, Hoos and
 * Leyton-Brown, "An Efficient Approach for Assessing Hyperparameter
 * Importance", ICML 2014), as Optuna's FanovaImportanceEvaluator applies it.
 *
 * A fitted tree is piecewise constant: its leaves tile the box. With u the
 * uniform measure on the box, the tree's mean is sum_l vol_l * v_l and its total
 * variance sum_l vol_l * (v_l - mean)^2. The marginal of a parameter group G at
 * x_G averages the tree over every other dimension:
 *     m(x_G) = sum over leaves l whose G-interval holds x_G of v_l * prod_{c not in G} frac_lc
 * which is constant on the cells cut by the leaves' boundaries in G. The
 * group's importance in this tree is Var(m) / total variance. A one-hot
 * categorical's columns form one group whose cells are the product grid; each
 * leaf is added to its sub-box through a d-dimensional difference array, so a
 * leaf costs one corner per bounded side instead of one visit per cell.
 *
 * Trees are independent: worker threads take them from a shared counter, each
 * tree with its own RNG stream derived from (seed, tree index), and results are
 * summed in tree order, so the output does not depend on the thread count.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/rng.h"
#include "importance/forest.h"
#include "importance/importance.h"

#define MAX_GROUP_CELLS (1u << 22)
#define MAX_THREADS     8

/* Leaves of one tree as boxes. */
typedef struct leaves {
    double *lo, *hi;     /* n_leaves * k */
    uint32_t *ilo, *ihi; /* the same sides as indices into the column's boundaries */
    double *v;
    size_t n;
    size_t k;
} leaves;

/* Boundaries of each column (sorted, unique), as the leaves' sides are looked up in them. */
typedef struct bounds {
    const double *b; /* k * cap */
    const size_t *n;
    size_t cap;
} bounds;

/* Index of v in sorted unique b[0..nb), which holds it. */
static size_t find(const double *b, size_t nb, double v)
{
    size_t lo = 0, hi = nb;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (b[mid] <= v)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Walk the tree keeping the current box, as values and as boundary indices. */
static void collect(const hpo__tree *t,
                    int32_t node,
                    double *lo,
                    double *hi,
                    uint32_t *ilo,
                    uint32_t *ihi,
                    const bounds *bd,
                    leaves *out)
{
    size_t k = out->k;
    if (t->feature[node] < 0) {
        memcpy(out->lo + out->n * k, lo, k * sizeof(*lo));
        memcpy(out->hi + out->n * k, hi, k * sizeof(*hi));
        memcpy(out->ilo + out->n * k, ilo, k * sizeof(*ilo));
        memcpy(out->ihi + out->n * k, ihi, k * sizeof(*ihi));
        out->v[out->n++] = t->value[node];
        return;
    }
    {
        size_t c = (size_t)t->feature[node];
        double thr = t->threshold[node], save;
        uint32_t isave, ithr = (uint32_t)find(bd->b + c * bd->cap, bd->n[c], thr);
        save = hi[c];
        isave = ihi[c];
        hi[c] = thr;
        ihi[c] = ithr;
        collect(t, t->left[node], lo, hi, ilo, ihi, bd, out);
        hi[c] = save;
        ihi[c] = isave;
        save = lo[c];
        isave = ilo[c];
        lo[c] = thr;
        ilo[c] = ithr;
        collect(t, t->right[node], lo, hi, ilo, ihi, bd, out);
        lo[c] = save;
        ilo[c] = isave;
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct tree_ctx {
    const hpo__fanova_input *in;
    leaves lv;
    double *frac;  /* n_leaves * k: leaf width / box width per column */
    double *bnd;   /* k * (2*n_leaves): unique boundaries per column */
    size_t *n_bnd; /* k */
    size_t cap;    /* room per column in bnd: 2 * n_leaves */
    double mean, var;
} tree_ctx;

/*
 * Every leaf side is a box side or one of the tree's thresholds, so each
 * column's cell boundaries are its thresholds plus the box bounds: sorting
 * n_leaves - 1 thresholds in all instead of 2 sides per leaf per column.
 */
static void boundaries(tree_ctx *tc, const hpo__tree *t)
{
    size_t k = tc->lv.k, cap = tc->cap;
    for (size_t c = 0; c < k; c++) {
        tc->bnd[c * cap] = tc->in->lo[c];
        tc->n_bnd[c] = 1;
    }
    for (size_t i = 0; i < t->n_nodes; i++) {
        if (t->feature[i] >= 0) {
            size_t c = (size_t)t->feature[i];
            tc->bnd[c * cap + tc->n_bnd[c]++] = t->threshold[i];
        }
    }
    for (size_t c = 0; c < k; c++) {
        double *b = tc->bnd + c * cap;
        size_t nb = 1;
        b[tc->n_bnd[c]++] = tc->in->hi[c];
        qsort(b, tc->n_bnd[c], sizeof(*b), cmp_double);
        for (size_t i = 1; i < tc->n_bnd[c]; i++)
            if (b[i] != b[nb - 1])
                b[nb++] = b[i];
        tc->n_bnd[c] = nb;
    }
}

/* The one-column case of group_variance: a 1-D difference array. */
static int column_variance(tree_ctx *tc, size_t col, double *out)
{
    const hpo__fanova_input *in = tc->in;
    size_t k = tc->lv.k, L = tc->lv.n, cap = 2 * L, nb = tc->n_bnd[col];
    const double *bd = tc->bnd + col * cap;
    double *m = hpo__calloc(nb, sizeof(*m)), var = 0.0, run = 0.0;
    if (m == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory for a %zu-cell marginal", nb);
    for (size_t l = 0; l < L; l++) {
        const double *fr = tc->frac + l * k;
        double w = tc->lv.v[l];
        for (size_t c = 0; c < k; c++)
            if (c != col)
                w *= fr[c];
        m[tc->lv.ilo[l * k + col]] += w;
        m[tc->lv.ihi[l * k + col]] -= w;
    }
    for (size_t i = 0; i + 1 < nb; i++) {
        double e;
        run += m[i];
        e = run - tc->mean;
        var += (bd[i + 1] - bd[i]) * e * e;
    }
    hpo__free(m);
    *out = var / (in->hi[col] - in->lo[col]);
    return HPO_OK;
}

/* Variance of the marginal of the columns cols[0..g) (one group). */
static int group_variance(tree_ctx *tc, const size_t *cols, size_t g, double *out)
{
    const hpo__fanova_input *in = tc->in;
    size_t k = tc->lv.k, L = tc->lv.n, cap = 2 * L;
    size_t cells = 1, dims[64], stride[64], a[64], b[64];
    double *m = NULL, var = 0.0;
    if (g > 64)
        return hpo__error_set(HPO_EUNSUPPORTED, "fANOVA: a categorical with %zu choices", g);
    for (size_t j = 0; j < g; j++) {
        dims[j] = tc->n_bnd[cols[j]] - 1;
        stride[j] = cells;
        if (dims[j] > MAX_GROUP_CELLS / cells)
            return hpo__error_set(HPO_EUNSUPPORTED,
                                  "fANOVA: a categorical's one-hot grid exceeds %u cells",
                                  MAX_GROUP_CELLS);
        cells *= dims[j];
    }
    m = hpo__calloc(cells, sizeof(*m));
    if (m == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory for a %zu-cell marginal", cells);
    for (size_t l = 0; l < L; l++) {
        double w = tc->lv.v[l];
        size_t n_bounded = 0, bounded[64];
        for (size_t c = 0, j = 0; c < k; c++) {
            if (j < g && cols[j] == c) {
                j++;
                continue;
            }
            w *= tc->frac[l * k + c];
        }
        for (size_t j = 0; j < g; j++) {
            a[j] = tc->lv.ilo[l * k + cols[j]];
            b[j] = tc->lv.ihi[l * k + cols[j]];
            if (b[j] < dims[j])
                bounded[n_bounded++] = j;
        }
        /* +w at the low corner, alternating signs at the corners past each bounded side. */
        for (size_t mask = 0; mask < ((size_t)1 << n_bounded); mask++) {
            size_t idx = 0, bits = 0;
            for (size_t j = 0; j < g; j++)
                idx += a[j] * stride[j];
            for (size_t q = 0; q < n_bounded; q++) {
                if (mask & ((size_t)1 << q)) {
                    size_t j = bounded[q];
                    idx += (b[j] - a[j]) * stride[j];
                    bits++;
                }
            }
            m[idx] += (bits & 1) ? -w : w;
        }
    }
    /* Prefix sums along each dimension turn corners into box sums. */
    for (size_t j = 0; j < g; j++)
        for (size_t i = 0; i < cells; i++)
            if ((i / stride[j]) % dims[j] != 0)
                m[i] += m[i - stride[j]];
    for (size_t i = 0; i < cells; i++) {
        double f = 1.0, e = m[i] - tc->mean;
        for (size_t j = 0; j < g; j++) {
            const double *bd = tc->bnd + cols[j] * cap;
            size_t cj = (i / stride[j]) % dims[j];
            f *= (bd[cj + 1] - bd[cj]) / (in->hi[cols[j]] - in->lo[cols[j]]);
        }
        var += f * e * e;
    }
    hpo__free(m);
    *out = var;
    return HPO_OK;
}

/* Fractions of variance per group for one fitted tree; *has_var false when flat. */
static int
decompose(const hpo__fanova_input *in, const hpo__tree *t, double *fractions, bool *has_var)
{
    tree_ctx tc = {0};
    size_t k = in->n_cols, L = t->n_leaves;
    double *lo = NULL, *hi = NULL;
    uint32_t *ilo = NULL, *ihi = NULL;
    size_t *cols = NULL;
    bounds bd;
    int rc = HPO_ENOMEM;
    *has_var = false;
    tc.in = in;
    tc.lv.k = k;
    tc.cap = 2 * L;
    tc.lv.ilo = hpo__reallocarray(NULL, L * k, sizeof(uint32_t));
    tc.lv.ihi = hpo__reallocarray(NULL, L * k, sizeof(uint32_t));
    ilo = hpo__calloc(k, sizeof(uint32_t));
    ihi = hpo__reallocarray(NULL, k, sizeof(uint32_t));
    tc.lv.lo = hpo__reallocarray(NULL, L * k, sizeof(double));
    tc.lv.hi = hpo__reallocarray(NULL, L * k, sizeof(double));
    tc.lv.v = hpo__reallocarray(NULL, L, sizeof(double));
    tc.frac = hpo__reallocarray(NULL, L * k, sizeof(double));
    tc.bnd = hpo__reallocarray(NULL, 2 * L * k, sizeof(double));
    tc.n_bnd = hpo__reallocarray(NULL, k, sizeof(size_t));
    lo = hpo__reallocarray(NULL, k, sizeof(double));
    hi = hpo__reallocarray(NULL, k, sizeof(double));
    cols = hpo__reallocarray(NULL, k, sizeof(size_t));
    if (!tc.lv.lo || !tc.lv.hi || !tc.lv.v || !tc.frac || !tc.bnd || !tc.n_bnd || !lo || !hi ||
        !cols || !tc.lv.ilo || !tc.lv.ihi || !ilo || !ihi) {
        rc = hpo__error_set(HPO_ENOMEM, "out of memory decomposing a tree of %zu leaves", L);
        goto done;
    }
    memcpy(lo, in->lo, k * sizeof(double));
    memcpy(hi, in->hi, k * sizeof(double));
    boundaries(&tc, t);
    for (size_t c = 0; c < k; c++)
        ihi[c] = (uint32_t)(tc.n_bnd[c] - 1);
    bd.b = tc.bnd;
    bd.n = tc.n_bnd;
    bd.cap = tc.cap;
    collect(t, 0, lo, hi, ilo, ihi, &bd, &tc.lv);
    for (size_t l = 0; l < L; l++) {
        double vol = 1.0;
        for (size_t c = 0; c < k; c++) {
            double f = (tc.lv.hi[l * k + c] - tc.lv.lo[l * k + c]) / (in->hi[c] - in->lo[c]);
            tc.frac[l * k + c] = f;
            vol *= f;
        }
        tc.mean += vol * tc.lv.v[l];
    }
    for (size_t l = 0; l < L; l++) {
        double vol = 1.0, e = tc.lv.v[l] - tc.mean;
        for (size_t c = 0; c < k; c++)
            vol *= tc.frac[l * k + c];
        tc.var += vol * e * e;
    }
    rc = HPO_OK;
    if (!(tc.var > 0.0))
        goto done;
    for (size_t grp = 0; grp < in->n_groups && rc == HPO_OK; grp++) {
        size_t g = 0;
        double v = 0.0;
        for (size_t c = 0; c < k; c++)
            if (in->group[c] == grp)
                cols[g++] = c;
        if (g == 0) {
            fractions[grp] = 0.0;
            continue;
        }
        rc = g == 1 ? column_variance(&tc, cols[0], &v) : group_variance(&tc, cols, g, &v);
        fractions[grp] = v / tc.var;
    }
    *has_var = rc == HPO_OK;
done:
    hpo__free(ihi);
    hpo__free(ilo);
    hpo__free(tc.lv.ihi);
    hpo__free(tc.lv.ilo);
    hpo__free(cols);
    hpo__free(hi);
    hpo__free(lo);
    hpo__free(tc.n_bnd);
    hpo__free(tc.bnd);
    hpo__free(tc.frac);
    hpo__free(tc.lv.v);
    hpo__free(tc.lv.hi);
    hpo__free(tc.lv.lo);
    return rc;
}

typedef struct job {
    const hpo__fanova_input *in;
    const hpo__forest_data *data;
    atomic_size_t next;
    double *fractions; /* n_trees * n_groups */
    bool *has_var;     /* n_trees */
    int *rc;           /* n_trees */
    char (*msg)[256];  /* n_trees */
} job;

static void run_tree(job *jb, size_t t)
{
    const hpo__fanova_input *in = jb->in;
    hpo__tree tree;
    hpo_rng rng;
    int rc;
    hpo__rng_seed(&rng, in->seed ^ (0x9E3779B97F4A7C15ull * (uint64_t)(t + 1)));
    rc = hpo__tree_fit(&tree, jb->data, in->max_depth, &rng);
    if (rc == HPO_OK)
        rc = decompose(in, &tree, jb->fractions + t * in->n_groups, &jb->has_var[t]);
    hpo__tree_clear(&tree);
    jb->rc[t] = rc;
    if (rc != HPO_OK)
        snprintf(jb->msg[t], sizeof(jb->msg[t]), "%s", hpo_last_error());
}

static void *worker(void *arg)
{
    job *jb = arg;
    for (;;) {
        size_t t = atomic_fetch_add(&jb->next, 1);
        if (t >= jb->in->n_trees)
            break;
        run_tree(jb, t);
    }
    return NULL;
}

static int check_input(const hpo__fanova_input *in)
{
    if (in->n == 0 || in->n_cols == 0 || in->n_groups == 0 || in->n_trees == 0)
        return hpo__error_set(HPO_EINVAL, "fANOVA: %zu rows, %zu columns, %zu trees", in->n,
                              in->n_cols, in->n_trees);
    for (size_t c = 0; c < in->n_cols; c++) {
        if (!(in->lo[c] < in->hi[c]) || !isfinite(in->hi[c] - in->lo[c]))
            return hpo__error_set(HPO_EINVAL, "fANOVA: column %zu has bounds [%g, %g]", c,
                                  in->lo[c], in->hi[c]);
        if (in->group[c] >= in->n_groups)
            return hpo__error_set(HPO_EINVAL, "fANOVA: column %zu in group %zu of %zu", c,
                                  in->group[c], in->n_groups);
    }
    return HPO_OK;
}

static size_t thread_count(const hpo__fanova_input *in)
{
    long cpus = in->n_threads;
    if (cpus <= 0) {
        cpus = sysconf(_SC_NPROCESSORS_ONLN);
        if (cpus < 1)
            cpus = 1;
        if (cpus > MAX_THREADS)
            cpus = MAX_THREADS;
    }
    if ((size_t)cpus > in->n_trees)
        cpus = (long)in->n_trees;
    return (size_t)cpus;
}

int hpo__fanova(const hpo__fanova_input *in, double *importance)
{
    hpo__forest_data data = {in->x, in->y, in->n, in->n_cols, NULL};
    job jb = {0};
    pthread_t th[MAX_THREADS];
    size_t n_threads, started = 0, counted = 0;
    int rc;
    HPO_TRY(check_input(in));
    for (size_t g = 0; g < in->n_groups; g++)
        importance[g] = 0.0;
    HPO_TRY(hpo__forest_presort(&data));
    jb.in = in;
    jb.data = &data;
    atomic_init(&jb.next, 0);
    jb.fractions = hpo__reallocarray(NULL, in->n_trees * in->n_groups, sizeof(double));
    jb.has_var = hpo__calloc(in->n_trees, sizeof(bool));
    jb.rc = hpo__calloc(in->n_trees, sizeof(int));
    jb.msg = hpo__calloc(in->n_trees, sizeof(*jb.msg));
    if (!jb.fractions || !jb.has_var || !jb.rc || !jb.msg) {
        rc = hpo__error_set(HPO_ENOMEM, "out of memory for %zu trees", in->n_trees);
        goto done;
    }
    n_threads = thread_count(in);
    for (size_t i = 1; i < n_threads; i++) {
        if (pthread_create(&th[i], NULL, worker, &jb) != 0)
            break;
        started++;
    }
    worker(&jb);
    for (size_t i = 1; i <= started; i++)
        pthread_join(th[i], NULL);
    rc = HPO_OK;
    for (size_t t = 0; t < in->n_trees; t++) {
        if (jb.rc[t] != HPO_OK) {
            rc = hpo__error_set(jb.rc[t], "%s", jb.msg[t]);
            goto done;
        }
        if (!jb.has_var[t])
            continue;
        counted++;
        for (size_t g = 0; g < in->n_groups; g++)
            importance[g] += jb.fractions[t * in->n_groups + g];
    }
    for (size_t g = 0; g < in->n_groups && counted > 0; g++)
        importance[g] /= (double)counted;
done:
    hpo__free(jb.msg);
    hpo__free(jb.rc);
    hpo__free(jb.has_var);
    hpo__free(jb.fractions);
    hpo__free(data.sorted);
    return rc;
}
