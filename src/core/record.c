/*
 * record.c - trial records (hpo_frozen_trial): construction, deep copy,
 * reference counting, and the small mutations storages apply to records they
 * own alone. Also the public read-only accessors of hpo_frozen_trial.
 */
#include "core/record.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

bool hpo__state_finished(hpo_trial_state s)
{
    return s == HPO_TRIAL_COMPLETE || s == HPO_TRIAL_PRUNED || s == HPO_TRIAL_FAIL;
}

int hpo__record_new(hpo__record **out)
{
    hpo__record *r = hpo__calloc(1, sizeof(*r));
    *out = NULL;
    if (r == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory allocating a trial record");
    r->magic = HPO__RECORD_MAGIC;
    atomic_init(&r->refcount, 1);
    r->id = -1;
    r->number = -1;
    r->study_id = -1;
    r->state = HPO_TRIAL_RUNNING;
    r->datetime_start = NAN;
    r->datetime_complete = NAN;
    *out = r;
    return HPO_OK;
}

static void record_destroy(hpo__record *r)
{
    for (size_t i = 0; i < r->n_params; i++) {
        hpo__free(r->params[i].name);
        hpo_distribution_free(r->params[i].dist);
    }
    hpo__free(r->params);
    hpo__free(r->values);
    hpo__free(r->ivalues);
    hpo__attrs_clear(&r->user_attrs);
    hpo__attrs_clear(&r->system_attrs);
    r->magic = 0;
    hpo__free(r);
}

hpo__record *hpo__record_ref(const hpo__record *r)
{
    hpo__record *m = (hpo__record *)r;
    atomic_fetch_add(&m->refcount, 1);
    return m;
}

void hpo__record_unref(const hpo__record *r)
{
    hpo__record *m = (hpo__record *)r;
    if (m == NULL)
        return;
    if (atomic_fetch_sub(&m->refcount, 1) == 1)
        record_destroy(m);
}

void hpo_frozen_trial_free(hpo_frozen_trial *t)
{
    hpo__record_unref(t);
}

void hpo_frozen_trials_free(hpo_frozen_trial **trials, size_t n)
{
    if (trials == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        hpo__record_unref(trials[i]);
    hpo__free(trials);
}

int hpo__record_copy(const hpo__record *r, hpo__record **out)
{
    hpo__record *c;
    int rc = hpo__record_new(&c);
    if (rc != HPO_OK)
        return rc;
    c->id = r->id;
    c->number = r->number;
    c->study_id = r->study_id;
    c->state = r->state;
    c->datetime_start = r->datetime_start;
    c->datetime_complete = r->datetime_complete;
    if ((rc = hpo__record_set_values(c, r->values, r->n_values)) != HPO_OK)
        goto fail;
    for (size_t i = 0; i < r->n_params; i++) {
        rc = hpo__record_add_param(c, r->params[i].name, r->params[i].dist, r->params[i].internal);
        if (rc != HPO_OK)
            goto fail;
    }
    if (r->n_ivalues > 0) {
        c->ivalues = hpo__reallocarray(NULL, r->n_ivalues, sizeof(*c->ivalues));
        if (c->ivalues == NULL) {
            rc = hpo__error_set(HPO_ENOMEM, "out of memory copying a trial");
            goto fail;
        }
        memcpy(c->ivalues, r->ivalues, r->n_ivalues * sizeof(*c->ivalues));
        c->n_ivalues = r->n_ivalues;
    }
    if ((rc = hpo__attrs_copy(&r->user_attrs, &c->user_attrs)) != HPO_OK)
        goto fail;
    if ((rc = hpo__attrs_copy(&r->system_attrs, &c->system_attrs)) != HPO_OK)
        goto fail;
    *out = c;
    return HPO_OK;
fail:
    record_destroy(c);
    *out = NULL;
    return rc;
}

long hpo__record_find_param(const hpo__record *r, const char *name)
{
    for (size_t i = 0; i < r->n_params; i++)
        if (strcmp(r->params[i].name, name) == 0)
            return (long)i;
    return -1;
}

int hpo__record_add_param(hpo__record *r, const char *name, const hpo_distribution *d,
        double internal)
{
    hpo__param *p;
    char *n;
    hpo_distribution *dc;
    if (hpo__record_find_param(r, name) >= 0)
        return hpo__error_set(HPO_EEXISTS, "parameter '%s' is already set", name);
    p = hpo__reallocarray(r->params, r->n_params + 1, sizeof(*p));
    if (p == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory adding parameter '%s'", name);
    r->params = p;
    n = hpo__strdup(name);
    if (n == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory adding parameter '%s'", name);
    if (hpo__dist_copy(d, &dc) != HPO_OK) {
        hpo__free(n);
        return HPO_ENOMEM;
    }
    p[r->n_params].name = n;
    p[r->n_params].dist = dc;
    p[r->n_params].internal = internal;
    r->n_params++;
    return HPO_OK;
}

int hpo__record_set_values(hpo__record *r, const double *values, size_t n)
{
    double *v = NULL;
    if (n > 0) {
        v = hpo__reallocarray(NULL, n, sizeof(*v));
        if (v == NULL)
            return hpo__error_set(HPO_ENOMEM, "out of memory storing trial values");
        memcpy(v, values, n * sizeof(*v));
    }
    hpo__free(r->values);
    r->values = v;
    r->n_values = n;
    return HPO_OK;
}

long hpo__record_find_ivalue(const hpo__record *r, int64_t step)
{
    size_t lo = 0, hi = r->n_ivalues;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->ivalues[mid].step < step)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (lo < r->n_ivalues && r->ivalues[lo].step == step) ? (long)lo : -1;
}

int hpo__record_set_ivalue(hpo__record *r, int64_t step, double value)
{
    size_t pos = r->n_ivalues;
    hpo__ivalue *iv;
    if (hpo__record_find_ivalue(r, step) >= 0)
        return hpo__error_set(HPO_EEXISTS, "step %lld already has a value", (long long)step);
    while (pos > 0 && r->ivalues[pos - 1].step > step)
        pos--;
    iv = hpo__reallocarray(r->ivalues, r->n_ivalues + 1, sizeof(*iv));
    if (iv == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory storing an intermediate value");
    r->ivalues = iv;
    memmove(iv + pos + 1, iv + pos, (r->n_ivalues - pos) * sizeof(*iv));
    iv[pos].step = step;
    iv[pos].value = value;
    r->n_ivalues++;
    return HPO_OK;
}

bool hpo__record_last_step(const hpo__record *r, int64_t *step_out)
{
    if (r->n_ivalues == 0)
        return false;
    *step_out = r->ivalues[r->n_ivalues - 1].step;
    return true;
}

int hpo__attrs_set(hpo__attrs *a, const char *key, const char *json)
{
    char *j = hpo__strdup(json);
    char *k;
    hpo__attr *items;
    if (j == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory storing attribute '%s'", key);
    for (size_t i = 0; i < a->n; i++) {
        if (strcmp(a->items[i].key, key) == 0) {
            hpo__free(a->items[i].json);
            a->items[i].json = j;
            return HPO_OK;
        }
    }
    k = hpo__strdup(key);
    items = k ? hpo__reallocarray(a->items, a->n + 1, sizeof(*items)) : NULL;
    if (items == NULL) {
        hpo__free(k);
        hpo__free(j);
        return hpo__error_set(HPO_ENOMEM, "out of memory storing attribute '%s'", key);
    }
    a->items = items;
    items[a->n].key = k;
    items[a->n].json = j;
    a->n++;
    return HPO_OK;
}

const char *hpo__attrs_get(const hpo__attrs *a, const char *key)
{
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->items[i].key, key) == 0)
            return a->items[i].json;
    return NULL;
}

int hpo__attrs_copy(const hpo__attrs *a, hpo__attrs *out)
{
    out->items = NULL;
    out->n = 0;
    for (size_t i = 0; i < a->n; i++) {
        int rc = hpo__attrs_set(out, a->items[i].key, a->items[i].json);
        if (rc != HPO_OK) {
            hpo__attrs_clear(out);
            return rc;
        }
    }
    return HPO_OK;
}

void hpo__attrs_clear(hpo__attrs *a)
{
    for (size_t i = 0; i < a->n; i++) {
        hpo__free(a->items[i].key);
        hpo__free(a->items[i].json);
    }
    hpo__free(a->items);
    a->items = NULL;
    a->n = 0;
}

/* ---- public accessors ---------------------------------------------------- */

int64_t hpo_frozen_trial_number(const hpo_frozen_trial *t)
{
    return t ? t->number : -1;
}

int64_t hpo_frozen_trial_id(const hpo_frozen_trial *t)
{
    return t ? t->id : -1;
}

hpo_trial_state hpo_frozen_trial_state(const hpo_frozen_trial *t)
{
    return t ? t->state : HPO_TRIAL_FAIL;
}

size_t hpo_frozen_trial_n_values(const hpo_frozen_trial *t)
{
    return t ? t->n_values : 0;
}

double hpo_frozen_trial_value(const hpo_frozen_trial *t, size_t i)
{
    return (t && i < t->n_values) ? t->values[i] : (double)NAN;
}

size_t hpo_frozen_trial_n_params(const hpo_frozen_trial *t)
{
    return t ? t->n_params : 0;
}

const char *hpo_frozen_trial_param_name(const hpo_frozen_trial *t, size_t i)
{
    return (t && i < t->n_params) ? t->params[i].name : NULL;
}

const hpo_distribution *hpo_frozen_trial_param_distribution(const hpo_frozen_trial *t, size_t i)
{
    return (t && i < t->n_params) ? t->params[i].dist : NULL;
}

double hpo_frozen_trial_param_internal(const hpo_frozen_trial *t, size_t i)
{
    return (t && i < t->n_params) ? t->params[i].internal : (double)NAN;
}

int hpo_frozen_trial_param(const hpo_frozen_trial *t, const char *name, hpo_value *out)
{
    long i;
    if (t == NULL || name == NULL || out == NULL)
        return hpo__error_set(HPO_EINVAL, "hpo_frozen_trial_param: NULL argument");
    i = hpo__record_find_param(t, name);
    if (i < 0)
        return hpo__error_set(HPO_ENOTFOUND, "trial %lld has no parameter '%s'",
                (long long)t->number, name);
    return hpo__dist_to_external(t->params[i].dist, t->params[i].internal, out);
}

size_t hpo_frozen_trial_n_intermediate(const hpo_frozen_trial *t)
{
    return t ? t->n_ivalues : 0;
}

int hpo_frozen_trial_intermediate(const hpo_frozen_trial *t, size_t i, int64_t *step_out,
        double *value_out)
{
    if (t == NULL || step_out == NULL || value_out == NULL)
        return hpo__error_set(HPO_EINVAL, "hpo_frozen_trial_intermediate: NULL argument");
    if (i >= t->n_ivalues)
        return hpo__error_set(HPO_EINVAL, "intermediate value index %zu out of range (%zu)", i,
                t->n_ivalues);
    *step_out = t->ivalues[i].step;
    *value_out = t->ivalues[i].value;
    return HPO_OK;
}

const char *hpo_frozen_trial_user_attr(const hpo_frozen_trial *t, const char *key)
{
    return (t && key) ? hpo__attrs_get(&t->user_attrs, key) : NULL;
}

size_t hpo_frozen_trial_n_user_attrs(const hpo_frozen_trial *t)
{
    return t ? t->user_attrs.n : 0;
}

const char *hpo_frozen_trial_user_attr_key(const hpo_frozen_trial *t, size_t i)
{
    return (t && i < t->user_attrs.n) ? t->user_attrs.items[i].key : NULL;
}

const char *hpo_frozen_trial_system_attr(const hpo_frozen_trial *t, const char *key)
{
    return (t && key) ? hpo__attrs_get(&t->system_attrs, key) : NULL;
}

size_t hpo_frozen_trial_n_system_attrs(const hpo_frozen_trial *t)
{
    return t ? t->system_attrs.n : 0;
}

const char *hpo_frozen_trial_system_attr_key(const hpo_frozen_trial *t, size_t i)
{
    return (t && i < t->system_attrs.n) ? t->system_attrs.items[i].key : NULL;
}

double hpo_frozen_trial_datetime_start(const hpo_frozen_trial *t)
{
    return t ? t->datetime_start : (double)NAN;
}

double hpo_frozen_trial_datetime_complete(const hpo_frozen_trial *t)
{
    return t ? t->datetime_complete : (double)NAN;
}

const char *hpo_trial_state_name(hpo_trial_state state)
{
    switch (state) {
    case HPO_TRIAL_RUNNING:
        return "RUNNING";
    case HPO_TRIAL_COMPLETE:
        return "COMPLETE";
    case HPO_TRIAL_PRUNED:
        return "PRUNED";
    case HPO_TRIAL_FAIL:
        return "FAIL";
    case HPO_TRIAL_WAITING:
        return "WAITING";
    }
    return "UNKNOWN";
}

const char *hpo_direction_name(hpo_direction d)
{
    switch (d) {
    case HPO_MINIMIZE:
        return "MINIMIZE";
    case HPO_MAXIMIZE:
        return "MAXIMIZE";
    case HPO_NOT_SET:
        return "NOT_SET";
    }
    return "UNKNOWN";
}
