/*
 * forest.c - regression trees for the fANOVA random forest (see forest.h).
 *
 * Each tree: draw n rows with replacement (the counts become sample weights,
 * rows drawn zero times drop out, as scikit-learn's bootstrap does), then grow
 * depth-first. A node becomes a leaf at max_depth, with fewer than two distinct
 * rows, or when its weighted variance is ~0; otherwise the split maximising the
 * squared-error proxy sum_l^2/w_l + sum_r^2/w_r over all columns (visited in a
 * random order, so ties go to a random column) is taken. Values closer than
 * 1e-7 count as equal (scikit-learn's FEATURE_THRESHOLD).
 */
#include "importance/forest.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

#define FEATURE_THRESHOLD 1e-7

typedef struct keyed {
    double key;
    uint32_t idx;
} keyed;

static int cmp_keyed(const void *a, const void *b)
{
    const keyed *p = a, *q = b;
    if (p->key < q->key)
        return -1;
    if (p->key > q->key)
        return 1;
    return (p->idx > q->idx) - (p->idx < q->idx);
}

int hpo__forest_presort(hpo__forest_data *data)
{
    size_t n = data->n, total;
    keyed *tmp;
    data->sorted = NULL;
    if (__builtin_mul_overflow(n, data->n_cols, &total) || n > UINT32_MAX)
        return hpo__error_set(HPO_EINVAL, "forest: %zu rows x %zu columns is too large", n,
                              data->n_cols);
    data->sorted = hpo__reallocarray(NULL, total ? total : 1, sizeof(uint32_t));
    tmp = hpo__reallocarray(NULL, n ? n : 1, sizeof(*tmp));
    if (data->sorted == NULL || tmp == NULL) {
        hpo__free(data->sorted);
        hpo__free(tmp);
        data->sorted = NULL;
        return hpo__error_set(HPO_ENOMEM, "out of memory sorting %zu rows", n);
    }
    for (size_t c = 0; c < data->n_cols; c++) {
        const double *col = data->x + c * n;
        for (size_t i = 0; i < n; i++) {
            tmp[i].key = col[i];
            tmp[i].idx = (uint32_t)i;
        }
        qsort(tmp, n, sizeof(*tmp), cmp_keyed);
        for (size_t i = 0; i < n; i++)
            data->sorted[c * n + i] = tmp[i].idx;
    }
    hpo__free(tmp);
    return HPO_OK;
}

void hpo__tree_clear(hpo__tree *tree)
{
    hpo__free(tree->feature);
    hpo__free(tree->threshold);
    hpo__free(tree->left);
    hpo__free(tree->right);
    hpo__free(tree->value);
    memset(tree, 0, sizeof(*tree));
}

/* A bagged row as one column sees it; scans and partitions touch memory in order. */
typedef struct entry {
    double x;
    double wy; /* bootstrap count times y */
    uint32_t row;
    uint32_t w; /* bootstrap count */
} entry;

/* Working state of one fit. */
typedef struct grower {
    const hpo__forest_data *d;
    hpo__tree *t;
    hpo_rng *rng;
    uint32_t *w;            /* bootstrap count per row */
    entry *order;           /* n_cols * m: rows in the bag, per column ascending */
    entry *tmp;             /* m */
    unsigned char *is_left; /* n */
    size_t *cols;           /* column visiting order */
    size_t m;
} grower;

typedef struct frame {
    int32_t node;
    uint32_t start, end;
    uint32_t depth;
} frame;

typedef struct split {
    long col;
    size_t pos; /* rows [start, start+pos] go left */
    double threshold;
    double proxy;
} split;

static void
best_split(grower *g, uint32_t start, uint32_t end, double wsum, double ysum, split *best)
{
    size_t k = g->d->n_cols;
    best->col = -1;
    best->proxy = -DBL_MAX;
    for (size_t i = 0; i < k; i++)
        g->cols[i] = i;
    for (size_t i = k; i > 1; i--) {
        size_t j = (size_t)hpo__rng_below(g->rng, i);
        size_t t = g->cols[i - 1];
        g->cols[i - 1] = g->cols[j];
        g->cols[j] = t;
    }
    for (size_t ci = 0; ci < k; ci++) {
        size_t c = g->cols[ci];
        const entry *e = g->order + c * g->m;
        double wl = 0.0, sl = 0.0;
        if (e[end - 1].x <= e[start].x + FEATURE_THRESHOLD)
            continue;
        for (uint32_t p = start; p + 1 < end; p++) {
            double xa = e[p].x, xb = e[p + 1].x, proxy, wr, sr;
            wl += e[p].w;
            sl += e[p].wy;
            if (xb <= xa + FEATURE_THRESHOLD)
                continue;
            wr = wsum - wl;
            sr = ysum - sl;
            proxy = (sl * sl * wr + sr * sr * wl) / (wl * wr);
            if (proxy > best->proxy) {
                double thr = xa / 2.0 + xb / 2.0;
                best->proxy = proxy;
                best->col = (long)c;
                best->pos = p - start;
                best->threshold = (thr >= xb) ? xa : thr;
            }
        }
    }
}

/* Stable partition of [start,end) of every column by the split; returns the left count. */
static uint32_t partition(grower *g, uint32_t start, uint32_t end, const split *s)
{
    const entry *e = g->order + (size_t)s->col * g->m;
    uint32_t n_left = 0;
    for (uint32_t p = start; p < end; p++) {
        unsigned char l = e[p].x <= s->threshold;
        g->is_left[e[p].row] = l;
        n_left += l;
    }
    for (size_t c = 0; c < g->d->n_cols; c++) {
        entry *o = g->order + c * g->m;
        uint32_t li = start, ri = 0;
        if (c == (size_t)s->col)
            continue; /* sorted by the split column, its left rows are already a prefix */
        /* Branch-free: each entry is written to both sides and only one index advances
         * (the split is a coin flip to the branch predictor). */
        for (uint32_t p = start; p < end; p++) {
            entry en = o[p];
            uint32_t l = g->is_left[en.row];
            o[li] = en;
            g->tmp[ri] = en;
            li += l;
            ri += 1u - l;
        }
        memcpy(o + li, g->tmp, ri * sizeof(*o));
    }
    return n_left;
}

static int alloc_nodes(hpo__tree *t, size_t cap)
{
    t->feature = hpo__reallocarray(NULL, cap, sizeof(*t->feature));
    t->threshold = hpo__reallocarray(NULL, cap, sizeof(*t->threshold));
    t->left = hpo__reallocarray(NULL, cap, sizeof(*t->left));
    t->right = hpo__reallocarray(NULL, cap, sizeof(*t->right));
    t->value = hpo__reallocarray(NULL, cap, sizeof(*t->value));
    if (!t->feature || !t->threshold || !t->left || !t->right || !t->value) {
        hpo__tree_clear(t);
        return hpo__error_set(HPO_ENOMEM, "out of memory for a tree of %zu nodes", cap);
    }
    return HPO_OK;
}

/* Grow the tree depth-first from the bag held in g. */
static void grow(grower *g, frame *stack, size_t max_depth)
{
    hpo__tree *t = g->t;
    const double *y = g->d->y;
    size_t sp = 0;
    t->n_nodes = 1;
    t->n_leaves = 0;
    stack[sp++] = (frame){0, 0, (uint32_t)g->m, 0};
    while (sp > 0) {
        frame f = stack[--sp];
        const entry *e = g->order;
        double wsum = 0.0, ysum = 0.0, mean, var = 0.0;
        split s;
        int32_t id = f.node, l, r;
        uint32_t n_left;
        for (uint32_t p = f.start; p < f.end; p++) {
            wsum += e[p].w;
            ysum += e[p].wy;
        }
        mean = ysum / wsum;
        for (uint32_t p = f.start; p < f.end; p++) {
            double dev = y[e[p].row] - mean;
            var += e[p].w * dev * dev;
        }
        var /= wsum;
        t->value[id] = mean;
        t->feature[id] = -1;
        t->left[id] = t->right[id] = -1;
        t->threshold[id] = 0.0;
        if (f.depth >= max_depth || f.end - f.start < 2 || var <= DBL_EPSILON) {
            t->n_leaves++;
            continue;
        }
        best_split(g, f.start, f.end, wsum, ysum, &s);
        if (s.col < 0) {
            t->n_leaves++;
            continue;
        }
        n_left = partition(g, f.start, f.end, &s);
        l = (int32_t)t->n_nodes++;
        r = (int32_t)t->n_nodes++;
        t->feature[id] = (int32_t)s.col;
        t->threshold[id] = s.threshold;
        t->left[id] = l;
        t->right[id] = r;
        stack[sp++] = (frame){r, f.start + n_left, f.end, f.depth + 1};
        stack[sp++] = (frame){l, f.start, f.start + n_left, f.depth + 1};
    }
}

int hpo__tree_fit(hpo__tree *tree, const hpo__forest_data *data, size_t max_depth, hpo_rng *rng)
{
    grower g = {0};
    frame *stack = NULL;
    size_t n = data->n, k = data->n_cols;
    int rc = HPO_ENOMEM;
    memset(tree, 0, sizeof(*tree));
    if (n == 0 || k == 0)
        return hpo__error_set(HPO_EINVAL, "forest: no rows or no columns to fit");
    g.d = data;
    g.t = tree;
    g.rng = rng;
    g.w = hpo__calloc(n, sizeof(*g.w));
    g.is_left = hpo__calloc(n, 1);
    g.cols = hpo__reallocarray(NULL, k, sizeof(*g.cols));
    if (!g.w || !g.is_left || !g.cols)
        goto fail;
    for (size_t i = 0; i < n; i++)
        g.w[hpo__rng_below(rng, n)]++;
    for (size_t i = 0; i < n; i++)
        g.m += g.w[i] > 0;
    g.order = hpo__reallocarray(NULL, g.m * k, sizeof(*g.order));
    g.tmp = hpo__reallocarray(NULL, g.m, sizeof(*g.tmp));
    /* Depth-first holds at most one pending sibling per level, plus the current node. */
    stack = hpo__reallocarray(NULL, (max_depth < g.m ? max_depth : g.m) + 2, sizeof(*stack));
    if (!g.order || !g.tmp || !stack)
        goto fail;
    for (size_t c = 0; c < k; c++) {
        const uint32_t *src = data->sorted + c * n;
        entry *dst = g.order + c * g.m;
        size_t j = 0;
        for (size_t i = 0; i < n; i++) {
            uint32_t r = src[i];
            if (g.w[r] > 0)
                dst[j++] = (entry){data->x[c * n + r], g.w[r] * data->y[r], r, g.w[r]};
        }
    }
    if ((rc = alloc_nodes(tree, 2 * g.m)) != HPO_OK)
        goto done;
    grow(&g, stack, max_depth);
    rc = HPO_OK;
    goto done;
fail:
    rc = hpo__error_set(HPO_ENOMEM, "out of memory fitting a tree on %zu rows", n);
done:
    hpo__free(stack);
    hpo__free(g.tmp);
    hpo__free(g.order);
    hpo__free(g.cols);
    hpo__free(g.is_left);
    hpo__free(g.w);
    return rc;
}
