/*
 * grid.c - Optuna's GridSampler (reference/optuna.md §4): the Cartesian
 * product of given value lists (parameters sorted by name, the last varying
 * fastest), shuffled once by the seed. Trial n takes grid point n, as Optuna
 * does for every trial below the grid's size; unlike Optuna, ask refuses to
 * start a trial beyond the grid (trial_limit), so parallel workers cover every
 * point exactly once instead of repeating in-flight points at the end.
 */
#include <math.h>
#include <string.h>

#include <jansson.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/distribution.h"
#include "core/error.h"
#include "core/json.h"
#include "samplers/sampler.h"
#include "study.h"

/* The shuffled index table costs 4 bytes a point. */
#define MAX_GRID_POINTS (UINT64_C(1) << 24)

typedef struct grid_impl {
    json_t *space;      /* {name: [values]} as given */
    const char **names; /* sorted; borrowed from space */
    json_t **lists;     /* per name, borrowed */
    size_t n_names;
    uint64_t n_points;
    uint32_t *order;  /* grid id -> point index */
    char *space_json; /* the "search_space" system attribute */
} grid_impl;

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int check_list(const char *name, const json_t *list, uint64_t *n_points)
{
    size_t n;
    if (!json_is_array(list))
        return hpo__error_set(HPO_EINVAL, "grid: the values of '%.200s' are not a list", name);
    n = json_array_size(list);
    if (n == 0)
        return hpo__error_set(HPO_EINVAL, "grid: '%.200s' has no values", name);
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_array_get(list, i);
        if (json_is_array(v) || json_is_object(v))
            return hpo__error_set(HPO_EINVAL,
                                  "grid: value %zu of '%.200s' is a list or object, not a scalar",
                                  i, name);
    }
    if (*n_points > MAX_GRID_POINTS / n)
        return hpo__error_set(HPO_EINVAL, "grid: more than %llu points (at '%.200s')",
                              (unsigned long long)MAX_GRID_POINTS, name);
    *n_points *= n;
    return HPO_OK;
}

static int parse_space(grid_impl *g, const char *json)
{
    const char *key;
    json_t *val;
    size_t i = 0;
    HPO_TRY(hpo__json_parse(json, &g->space));
    if (!json_is_object(g->space))
        return hpo__error_set(HPO_EINVAL, "grid: the search space must be a JSON object "
                                          "{\"name\": [values, ...]}");
    g->n_names = json_object_size(g->space);
    if (g->n_names == 0)
        return hpo__error_set(HPO_EINVAL, "grid: the search space has no parameters");
    g->names = hpo__calloc(g->n_names, sizeof(*g->names));
    g->lists = hpo__calloc(g->n_names, sizeof(*g->lists));
    if (g->names == NULL || g->lists == NULL)
        return hpo__error_set(HPO_ENOMEM, "grid: out of memory");
    json_object_foreach(g->space, key, val) g->names[i++] = key;
    qsort(g->names, g->n_names, sizeof(*g->names), name_cmp);
    g->n_points = 1;
    for (i = 0; i < g->n_names; i++) {
        g->lists[i] = json_object_get(g->space, g->names[i]);
        HPO_TRY(check_list(g->names[i], g->lists[i], &g->n_points));
    }
    return HPO_OK;
}

/* Optuna stores the space with its keys sorted. */
static int space_attr(grid_impl *g)
{
    hpo_buf b;
    hpo__buf_init(&b, 0);
    hpo__buf_putc(&b, '{');
    for (size_t i = 0; i < g->n_names; i++) {
        if (i > 0)
            hpo__buf_puts(&b, ", ");
        hpo__json_put_string(&b, g->names[i]);
        hpo__buf_puts(&b, ": ");
        hpo__json_put(&b, g->lists[i]);
    }
    hpo__buf_putc(&b, '}');
    return hpo__buf_detach(&b, &g->space_json, NULL);
}

static int shuffle(grid_impl *g, uint64_t seed)
{
    hpo_rng rng;
    g->order = hpo__reallocarray(NULL, (size_t)g->n_points, sizeof(uint32_t));
    if (g->order == NULL)
        return hpo__error_set(HPO_ENOMEM, "grid: out of memory for %llu points",
                              (unsigned long long)g->n_points);
    for (uint64_t i = 0; i < g->n_points; i++)
        g->order[i] = (uint32_t)i;
    hpo__rng_seed(&rng, seed);
    for (uint64_t i = g->n_points - 1; i > 0; i--) { /* Fisher-Yates */
        uint64_t r = hpo__rng_below(&rng, i + 1);
        uint32_t t = g->order[i];
        g->order[i] = g->order[r];
        g->order[r] = t;
    }
    return HPO_OK;
}

/* The grid id of a trial: its stored grid_id (a retried trial keeps it), else its number. */
static int64_t grid_id_of(const hpo__record *trial)
{
    const char *attr = hpo__attrs_get(&trial->system_attrs, "grid_id");
    json_t *j = NULL;
    int64_t id = trial->number;
    if (attr != NULL && hpo__json_parse(attr, &j) == HPO_OK && json_is_integer(j))
        id = (int64_t)json_integer_value(j);
    json_decref(j);
    return id;
}

static int grid_before_trial(hpo_sampler *s, hpo_study *study, const hpo__record *trial)
{
    grid_impl *g = s->impl;
    char buf[32];
    if (hpo__attrs_get(&trial->system_attrs, "grid_id") != NULL ||
        hpo__attrs_get(&trial->system_attrs, "fixed_params") != NULL)
        return HPO_OK;
    if (trial->number < 0 || (uint64_t)trial->number >= g->n_points)
        return HPO_OK; /* only a plain ask past the limit gets here: sample_independent says */
    HPO_TRY(hpo__study_set_trial_system_attr(study, trial->id, "search_space", g->space_json));
    snprintf(buf, sizeof(buf), "%lld", (long long)trial->number);
    return hpo__study_set_trial_system_attr(study, trial->id, "grid_id", buf);
}

static long name_index(const grid_impl *g, const char *name)
{
    const char **hit = bsearch(&name, g->names, g->n_names, sizeof(*g->names), name_cmp);
    return hit == NULL ? -1 : (long)(hit - g->names);
}

/* The value of parameter k at point p (mixed radix, the last name fastest). */
static const json_t *point_value(const grid_impl *g, uint64_t p, size_t k)
{
    for (size_t i = g->n_names; i-- > k + 1;)
        p /= json_array_size(g->lists[i]);
    return json_array_get(g->lists[k], (size_t)(p % json_array_size(g->lists[k])));
}

static int grid_sample_independent(hpo_sampler *s,
                                   hpo_study *study,
                                   const hpo__record *trial,
                                   const char *name,
                                   const hpo_distribution *dist,
                                   double *out)
{
    grid_impl *g = s->impl;
    long k = name_index(g, name);
    int64_t id = grid_id_of(trial);
    const json_t *v;
    hpo_buf b;
    (void)study;
    if (k < 0)
        return hpo__error_set(HPO_EINVAL,
                              "grid: parameter '%.200s' is not in the grid's "
                              "search space %.300s",
                              name, g->space_json);
    if (id < 0 || (uint64_t)id >= g->n_points)
        return hpo__error_set(HPO_ESTATE, "grid: all %llu points are taken (trial %lld)",
                              (unsigned long long)g->n_points, (long long)trial->number);
    v = point_value(g, g->order[id], (size_t)k);
    if (hpo__json_to_internal(dist, v, out) == HPO_OK && hpo__dist_contains(dist, *out))
        return HPO_OK;
    hpo__buf_init(&b, 0);
    hpo__json_put(&b, v);
    hpo__error_set(HPO_EINVAL,
                   "grid: value %.100s of '%.200s' is outside its distribution "
                   "(%s)",
                   hpo__buf_status(&b) == HPO_OK && b.data != NULL ? b.data : "?", name,
                   dist->kind == HPO_DIST_CATEGORICAL ? "not one of the choices"
                                                      : "wrong type, range or step");
    hpo__buf_free(&b);
    return HPO_EINVAL;
}

static int64_t grid_trial_limit(hpo_sampler *s)
{
    const grid_impl *g = s->impl;
    return (int64_t)g->n_points;
}

static void grid_destroy(hpo_sampler *s)
{
    grid_impl *g = s->impl;
    if (g == NULL)
        return;
    json_decref(g->space);
    hpo__free(g->names);
    hpo__free(g->lists);
    hpo__free(g->order);
    hpo__free(g->space_json);
    hpo__free(g);
    s->impl = NULL;
}

static const hpo__sampler_ops grid_ops = {
        .version = HPO__SAMPLER_OPS_VERSION,
        .name = "GridSampler",
        .infer_relative_space = NULL,
        .sample_relative = NULL,
        .sample_independent = grid_sample_independent,
        .before_trial = grid_before_trial,
        .after_trial = NULL,
        .destroy = grid_destroy,
        .trial_limit = grid_trial_limit,
};

int hpo_sampler_grid_new(hpo_sampler **out, const char *search_space_json, uint64_t seed)
{
    grid_impl *g;
    int rc;
    if (out == NULL)
        return hpo__error_set(HPO_EMISUSE, "hpo_sampler_grid_new: out is NULL");
    *out = NULL;
    if (search_space_json == NULL)
        return hpo__error_set(HPO_EINVAL, "grid: search_space_json is NULL");
    g = hpo__calloc(1, sizeof(*g));
    if (g == NULL)
        return hpo__error_set(HPO_ENOMEM, "grid: out of memory");
    rc = parse_space(g, search_space_json);
    if (rc == HPO_OK)
        rc = space_attr(g);
    if (rc == HPO_OK)
        rc = shuffle(g, seed);
    if (rc != HPO_OK) {
        hpo_sampler tmp = {.impl = g};
        grid_destroy(&tmp);
        return rc;
    }
    return hpo__sampler_new(out, &grid_ops, g);
}
