/*
 * brute_force.c - Optuna's BruteForceSampler: exhaustive define-by-run search.
 *
 * The sampler keeps no state but its RNG. Each sample_independent rebuilds,
 * from the other trials that agree with this trial's parameters so far, the
 * tree of what was tried below this point: a node per parameter (in
 * suggestion order) with a child per candidate; a finished trial's path ends
 * in a leaf, a running one's in a running node, and a candidate nobody took
 * is "unexpanded". A child whose subtree still holds unexpanded nodes is
 * drawn. after_trial asks the same question walking up the told trial's
 * path, and stops the study when nothing untried is left.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/distribution.h"
#include "core/error.h"
#include "samplers/sampler.h"
#include "study.h"

/* One children array per expanded node: bound it so a huge int range fails clearly. */
#define MAX_CANDIDATES ((size_t)1 << 20)
/* Optuna's blend of count-proportional and flat weights (against starvation). */
#define ALPHA 0.5
/* Same tolerance as hpo__dist_contains for a value on a step grid. */
#define GRID_TOL 1.0e-8

#define HISTORY_STATES                                                                             \
    (HPO_STATES(HPO_TRIAL_COMPLETE) | HPO_STATES(HPO_TRIAL_PRUNED) |                               \
     HPO_STATES(HPO_TRIAL_RUNNING) | HPO_STATES(HPO_TRIAL_FAIL))

typedef struct bf_impl {
    hpo_rng rng;
    bool avoid_premature_stop;
} bf_impl;

/* The candidates of one parameter, low + i * step for i < n (Optuna's choices_args). */
typedef struct bf_grid {
    double low, high, step; /* step 0: a single-valued float without a step */
    size_t n;
    bool integral; /* int or categorical: exact, never snapped */
} bf_grid;

typedef struct bf_node {
    const char *name;      /* the parameter decided here (borrowed); NULL until expanded */
    bf_grid grid;          /* valid once expanded */
    struct bf_node **kids; /* grid.n entries, NULL = unexpanded; NULL array: not expanded */
    bool leaf;             /* a finished trial ends here */
    bool soft;             /* ... but only PRUNED or FAIL ones, which may have stopped early */
    bool running;          /* a running trial ends here */
} bf_node;

/* The trials a tree is built from, and the trial being sampled or told. */
typedef struct bf_history {
    hpo__record **recs;
    size_t n;
    const hpo__record *trial;
    bool told; /* after_trial: the trial counts as finished; else it is left out */
    hpo_trial_state told_state;
} bf_history;

/* ==== candidates =========================================================== */

static int grid_float(const char *name, const hpo_distribution *d, bf_grid *g)
{
    double r;
    g->low = d->low;
    g->high = d->high;
    g->integral = false;
    if (!d->has_step) {
        if (d->low != d->high)
            return hpo__error_set(HPO_EINVAL,
                                  "BruteForceSampler needs a finite space: float '%s' has no step",
                                  name);
        g->step = 0.0;
        g->n = 1;
        return HPO_OK;
    }
    g->step = d->step;
    /* high is on the grid (the distribution adjusts it); the slack absorbs rounding. */
    r = floor((d->high - d->low) / d->step + GRID_TOL);
    if (!(r < (double)MAX_CANDIDATES))
        return hpo__error_set(HPO_EINVAL, "BruteForceSampler: float '%s' has over %zu candidates",
                              name, MAX_CANDIDATES);
    g->n = (size_t)r + 1;
    return HPO_OK;
}

/* The candidates of name's distribution. Errors: EINVAL (no step, too many). */
static int grid_of(const char *name, const hpo_distribution *d, bf_grid *g)
{
    uint64_t span;
    switch (d->kind) {
    case HPO_DIST_FLOAT:
        return grid_float(name, d, g);
    case HPO_DIST_INT:
        span = ((uint64_t)d->ihigh - (uint64_t)d->ilow) / (uint64_t)d->istep;
        if (span >= MAX_CANDIDATES)
            return hpo__error_set(HPO_EINVAL, "BruteForceSampler: int '%s' has over %zu candidates",
                                  name, MAX_CANDIDATES);
        *g = (bf_grid){(double)d->ilow, (double)d->ihigh, (double)d->istep, span + 1, true};
        return HPO_OK;
    case HPO_DIST_CATEGORICAL:
    default:
        *g = (bf_grid){0.0, (double)d->n_choices - 1.0, 1.0, d->n_choices, true};
        return HPO_OK;
    }
}

static bool grid_equal(const bf_grid *a, const bf_grid *b)
{
    return a->low == b->low && a->high == b->high && a->step == b->step && a->n == b->n;
}

/*
 * Candidate i. Optuna adds steps in decimal arithmetic; rounding to 15
 * significant digits gives the same short values (0.1 * 3 -> 0.3, not
 * 0.30000000000000004), and the clamp keeps the last one inside [low, high].
 */
static double grid_value(const bf_grid *g, size_t i)
{
    char buf[40];
    double v = g->low + (double)i * g->step;
    if (g->integral || i == 0)
        return v;
    snprintf(buf, sizeof(buf), "%.15g", v);
    v = strtod(buf, NULL);
    return v < g->low ? g->low : (v > g->high ? g->high : v);
}

/* Index of the candidate nearest v, or -1 when v is off the grid. */
static long grid_index(const bf_grid *g, double v)
{
    double k, i;
    if (g->step > 0.0)
        k = (v - g->low) / g->step;
    else if (v == g->low)
        k = 0.0;
    else
        return -1;
    i = nearbyint(k);
    if (!(i >= 0.0 && i < (double)g->n) || fabs(k - i) >= GRID_TOL)
        return -1;
    return (long)i;
}

/* ==== the tree ============================================================= */

static void node_free(bf_node *node)
{
    if (node == NULL)
        return;
    if (node->kids != NULL)
        for (size_t i = 0; i < node->grid.n; i++)
            node_free(node->kids[i]);
    hpo__free(node->kids);
    hpo__free(node);
}

static int search_space_changed(const char *what, const char *name)
{
    return hpo__error_set(HPO_EINVAL, "BruteForceSampler: the search space changed: %s '%s'", what,
                          name);
}

/*
 * Give an unexpanded node name's candidates, or check an expanded one agrees.
 * A leaf only PRUNED or FAIL trials reached gives way: they may have stopped
 * before their next suggest (Optuna raises here, and then on every later ask).
 */
static int node_expand(bf_node *node, const char *name, const bf_grid *g)
{
    if (node->leaf && !node->soft)
        return search_space_changed("a trial ended where another suggests", name);
    node->leaf = false;
    if (node->kids != NULL) {
        if (strcmp(node->name, name) != 0)
            return hpo__error_set(
                    HPO_EINVAL,
                    "BruteForceSampler: the search space changed: '%s' is suggested where "
                    "another trial suggests '%s'",
                    name, node->name);
        if (!grid_equal(&node->grid, g))
            return search_space_changed("trials have different candidates for", name);
        return HPO_OK;
    }
    node->kids = hpo__calloc(g->n, sizeof(*node->kids));
    if (node->kids == NULL)
        return hpo__error_set(HPO_ENOMEM, "BruteForceSampler: out of memory");
    node->name = name;
    node->grid = *g;
    return HPO_OK;
}

/* A trial ends at node; soft: it was PRUNED or FAIL (see node_expand). */
static int node_set_leaf(bf_node *node, bool soft)
{
    if (node->kids != NULL && soft)
        return HPO_OK;
    if (node->kids != NULL)
        return search_space_changed("a trial ended where another suggests", node->name);
    node->soft = node->leaf ? node->soft && soft : soft;
    node->leaf = true;
    return HPO_OK;
}

static bool node_running(const bf_node *node)
{
    return node != NULL && node->running;
}

/* Whether the subtree holds an unexpanded node (a running one counts unless excluded). */
static bool node_expandable(const bf_node *node, bool exclude_running)
{
    if (node == NULL)
        return true;
    if (node->leaf)
        return false;
    if (node->kids == NULL)
        return !exclude_running || !node->running;
    for (size_t i = 0; i < node->grid.n; i++)
        if (node_expandable(node->kids[i], exclude_running))
            return true;
    return false;
}

static double node_count_unexpanded(const bf_node *node, bool exclude_running)
{
    double n = 0.0;
    if (node == NULL)
        return 1.0;
    if (node->leaf)
        return 0.0;
    if (node->kids == NULL)
        return exclude_running && node->running ? 0.0 : 1.0;
    for (size_t i = 0; i < node->grid.n; i++)
        n += node_count_unexpanded(node->kids[i], exclude_running);
    return n;
}

/*
 * Optuna's sample_child: weight each child half by its share of unexpanded
 * nodes, half flat over children that have any; children only a running trial
 * reached get nothing while another child is free. The node is expandable.
 */
static int node_sample_child(const bf_node *node, hpo_rng *rng, bool exclude_running, size_t *out)
{
    size_t n = node->grid.n, n_open = 0;
    double total = 0.0;
    bool any_free = false;
    double *w = hpo__reallocarray(NULL, n, sizeof(double));
    if (w == NULL)
        return hpo__error_set(HPO_ENOMEM, "BruteForceSampler: out of memory");
    for (size_t i = 0; i < n; i++) {
        w[i] = node_count_unexpanded(node->kids[i], exclude_running);
        total += w[i];
        n_open += w[i] > 0.0;
    }
    for (size_t i = 0; i < n; i++) {
        if (w[i] > 0.0)
            w[i] = (1.0 - ALPHA) * w[i] / total + ALPHA / (double)n_open;
        any_free = any_free || (w[i] > 0.0 && !node_running(node->kids[i]));
    }
    for (size_t i = 0; any_free && i < n; i++)
        if (node_running(node->kids[i]))
            w[i] = 0.0;
    *out = hpo__rng_choice(rng, w, n);
    hpo__free(w);
    return HPO_OK;
}

/* ==== building the tree from trials ======================================= */

/* Python ==, as Optuna compares external values (categorical choices, 1 == 1.0). */
static bool same_value(const hpo__param *a, const hpo__param *b)
{
    hpo_value va, vb;
    if (hpo__dist_to_external(a->dist, a->internal, &va) != HPO_OK ||
        hpo__dist_to_external(b->dist, b->internal, &vb) != HPO_OK)
        return false;
    return hpo__value_equal(&va, &vb);
}

static bool in_prefix(const hpo__param *prefix, size_t n_prefix, const char *name)
{
    for (size_t i = 0; i < n_prefix; i++)
        if (strcmp(prefix[i].name, name) == 0)
            return true;
    return false;
}

/* Whether r took every parameter of the prefix, with the same value. */
static bool agrees(const hpo__record *r, const hpo__param *prefix, size_t n_prefix)
{
    for (size_t i = 0; i < n_prefix; i++) {
        long j = hpo__record_find_param(r, prefix[i].name);
        if (j < 0 || !same_value(&r->params[j], &prefix[i]))
            return false;
    }
    return true;
}

/* Optuna's add_path: r's parameters outside the prefix, in suggestion order. */
static int add_path(bf_node *root,
                    const hpo__record *r,
                    const hpo__param *prefix,
                    size_t n_prefix,
                    hpo_trial_state state)
{
    bf_node *cur = root;
    for (size_t i = 0; i < r->n_params; i++) {
        const hpo__param *p = &r->params[i];
        bf_grid g = {0};
        long k;
        if (in_prefix(prefix, n_prefix, p->name))
            continue;
        HPO_TRY(grid_of(p->name, p->dist, &g));
        HPO_TRY(node_expand(cur, p->name, &g));
        k = grid_index(&cur->grid, p->internal);
        if (k < 0)
            return HPO_OK; /* off the grid (an enqueued value): it tells nothing */
        if (cur->kids[k] == NULL && (cur->kids[k] = hpo__calloc(1, sizeof(bf_node))) == NULL)
            return hpo__error_set(HPO_ENOMEM, "BruteForceSampler: out of memory");
        cur = cur->kids[k];
    }
    if (hpo__state_finished(state))
        return node_set_leaf(cur, state != HPO_TRIAL_COMPLETE);
    cur->running = true;
    return HPO_OK;
}

/* Optuna's _populate_tree under the first n_prefix parameters of h->trial. */
static int populate(bf_node *root, const bf_history *h, size_t n_prefix)
{
    const hpo__param *prefix = h->trial->params;
    bool seen = false;
    for (size_t i = 0; i < h->n; i++) {
        const hpo__record *r = h->recs[i];
        hpo_trial_state state = r->state;
        if (r->number == h->trial->number) {
            if (!h->told)
                continue;
            /* the told trial, as it ends (the list holds it as RUNNING) */
            r = h->trial;
            state = h->told_state;
            seen = true;
        }
        if (agrees(r, prefix, n_prefix))
            HPO_TRY(add_path(root, r, prefix, n_prefix, state));
    }
    if (h->told && !seen)
        return add_path(root, h->trial, prefix, n_prefix, h->told_state);
    return HPO_OK;
}

/*
 * Optuna reads storage directly here rather than its per-trial cache, so a
 * parallel worker's latest params count: hpo__study_trials syncs each time.
 */
static int history_load(hpo_study *study,
                        const hpo__record *trial,
                        bool told,
                        hpo_trial_state told_state,
                        bf_history *h)
{
    h->trial = trial;
    h->told = told;
    h->told_state = told_state;
    return hpo__study_trials(study, HISTORY_STATES, &h->recs, &h->n);
}

/* ==== the sampler ========================================================== */

static int bf_sample_independent(hpo_sampler *s,
                                 hpo_study *study,
                                 const hpo__record *trial,
                                 const char *name,
                                 const hpo_distribution *dist,
                                 double *out)
{
    bf_impl *im = s->impl;
    bool exclude_running = !im->avoid_premature_stop;
    bf_history h = {0};
    bf_node *root = NULL;
    bf_grid g = {0};
    size_t k = 0;
    int rc;
    HPO_TRY(grid_of(name, dist, &g));
    HPO_TRY(history_load(study, trial, false, HPO_TRIAL_RUNNING, &h));
    root = hpo__calloc(1, sizeof(*root));
    if (root == NULL) {
        rc = hpo__error_set(HPO_ENOMEM, "BruteForceSampler: out of memory");
        goto done;
    }
    /* Expanded first, so trials that have no params yet (n_jobs > 1) fit under it. */
    if ((rc = node_expand(root, name, &g)) != HPO_OK ||
        (rc = populate(root, &h, trial->n_params)) != HPO_OK)
        goto done;
    if (node_expandable(root, exclude_running))
        rc = node_sample_child(root, &im->rng, exclude_running, &k);
    else /* this subspace is exhausted (e.g. an enqueued prefix): any candidate */
        k = (size_t)hpo__rng_below(&im->rng, g.n);
    if (rc == HPO_OK)
        *out = grid_value(&g, k);
done:
    node_free(root);
    hpo__records_release(h.recs, h.n);
    return rc;
}

/*
 * Optuna's after_trial: whether anything is untried beside the trial's path,
 * first under all but its last parameter, then under shorter prefixes (the
 * subtrees near the trial are small, so this is cheaper than a full tree).
 * A trial without parameters exhausts the space only if it COMPLETEd (Optuna
 * stops on any): one that failed before its first suggest tells nothing.
 */
static int bf_after_trial(hpo_sampler *s,
                          hpo_study *study,
                          const hpo__record *trial,
                          hpo_trial_state state,
                          const double *values,
                          size_t n_values)
{
    bf_impl *im = s->impl;
    bool exclude_running = !im->avoid_premature_stop;
    bool exhausted = trial->n_params > 0 || state == HPO_TRIAL_COMPLETE;
    bf_history h = {0};
    int rc = HPO_OK;
    (void)values;
    (void)n_values;
    HPO_TRY(history_load(study, trial, true, state, &h));
    for (size_t k = trial->n_params; exhausted && rc == HPO_OK && k-- > 0;) {
        bf_node *root = hpo__calloc(1, sizeof(*root));
        if (root == NULL)
            rc = hpo__error_set(HPO_ENOMEM, "BruteForceSampler: out of memory");
        else if ((rc = populate(root, &h, k)) == HPO_OK)
            exhausted = !node_expandable(root, exclude_running);
        node_free(root);
    }
    hpo__records_release(h.recs, h.n);
    if (rc == HPO_OK && exhausted)
        hpo_study_stop(study);
    return rc;
}

static void bf_destroy(hpo_sampler *s)
{
    hpo__free(s->impl);
    s->impl = NULL;
}

static const hpo__sampler_ops brute_force_ops = {
        .version = HPO__SAMPLER_OPS_VERSION,
        .name = "BruteForceSampler",
        .infer_relative_space = NULL,
        .sample_relative = NULL,
        .sample_independent = bf_sample_independent,
        .before_trial = NULL,
        .after_trial = bf_after_trial,
        .destroy = bf_destroy,
};

static int check_version(unsigned int version)
{
    if (version != HPO_BRUTE_FORCE_OPTIONS_VERSION)
        return hpo__error_set(HPO_EVERSION, "brute force options version %u (this library: %u)",
                              version, HPO_BRUTE_FORCE_OPTIONS_VERSION);
    return HPO_OK;
}

int hpo_brute_force_options_init(hpo_brute_force_options *opts, unsigned int version)
{
    hpo_brute_force_options d = HPO_BRUTE_FORCE_OPTIONS_INIT;
    if (opts == NULL)
        return hpo__error_set(HPO_EMISUSE, "hpo_brute_force_options_init: opts is NULL");
    HPO_TRY(check_version(version));
    *opts = d;
    return HPO_OK;
}

int hpo_sampler_brute_force_new(hpo_sampler **out, const hpo_brute_force_options *opts)
{
    hpo_brute_force_options d = HPO_BRUTE_FORCE_OPTIONS_INIT;
    bf_impl *im;
    if (out == NULL)
        return hpo__error_set(HPO_EMISUSE, "hpo_sampler_brute_force_new: out is NULL");
    *out = NULL;
    if (opts == NULL)
        opts = &d;
    HPO_TRY(check_version(opts->version));
    im = hpo__calloc(1, sizeof(*im));
    if (im == NULL)
        return hpo__error_set(HPO_ENOMEM, "BruteForceSampler: out of memory");
    hpo__rng_seed(&im->rng, opts->seed);
    im->avoid_premature_stop = opts->avoid_premature_stop;
    return hpo__sampler_new(out, &brute_force_ops, im);
}
