/*
 * study.c - studies: create/load/delete/list, sampler and pruner ownership,
 * study attributes, enqueued trials, best trial, and the per-handle trial cache
 * that keeps every sync proportional to what changed since the last one.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/json.h"
#include "study_internal.h"

int hpo__study_check(const hpo_study *study)
{
    if (study == NULL || study->magic != HPO__STUDY_MAGIC)
        return hpo__error_set(HPO_EMISUSE, "invalid study handle (NULL or freed)");
    return HPO_OK;
}

int hpo__check_name(const char *what, const char *name)
{
    size_t len;
    if (name == NULL)
        return hpo__error_set(HPO_EINVAL, "%s is NULL", what);
    len = strnlen(name, HPO__MAX_NAME_LEN + 1);
    if (len == 0)
        return hpo__error_set(HPO_EINVAL, "%s is empty", what);
    if (len > HPO__MAX_NAME_LEN)
        return hpo__error_set(HPO_EINVAL, "%s '%.40s...' is longer than %d bytes", what, name,
                HPO__MAX_NAME_LEN);
    return HPO_OK;
}

/* ---- the trial cache ------------------------------------------------------- */

static void cache_clear(hpo__trial_cache *c)
{
    for (size_t i = 0; i < c->n_numbers; i++)
        hpo__record_unref(c->by_number[i]);
    hpo__free(c->by_number);
    hpo__free(c->unfinished);
    memset(c, 0, sizeof(*c));
    c->watermark_id = -1;
}

static int cache_put(hpo__trial_cache *c, hpo__record *r)
{
    size_t num = (size_t)r->number;
    if (r->number < 0) {
        hpo__record_unref(r);
        return hpo__error_set(HPO_ESTORAGE, "storage returned trial id %lld without a number",
                (long long)r->id);
    }
    if (num >= c->cap) {
        size_t cap = c->cap ? c->cap : 64;
        hpo__record **p;
        while (cap <= num)
            cap *= 2;
        p = hpo__reallocarray(c->by_number, cap, sizeof(*p));
        if (p == NULL) {
            hpo__record_unref(r);
            return hpo__error_set(HPO_ENOMEM, "out of memory caching trials");
        }
        memset(p + c->cap, 0, (cap - c->cap) * sizeof(*p));
        c->by_number = p;
        c->cap = cap;
    }
    hpo__record_unref(c->by_number[num]);
    c->by_number[num] = r;
    if (num + 1 > c->n_numbers)
        c->n_numbers = num + 1;
    return HPO_OK;
}

/* Recompute the contiguous prefix, its watermark and the unfinished ids in it. */
static int cache_reindex(hpo__trial_cache *c)
{
    size_t n = 0;
    while (c->n_prefix < c->n_numbers && c->by_number[c->n_prefix] != NULL)
        c->n_prefix++;
    c->watermark_id = c->n_prefix > 0 ? c->by_number[c->n_prefix - 1]->id : -1;
    for (size_t i = 0; i < c->n_prefix; i++) {
        if (hpo__state_finished(c->by_number[i]->state))
            continue;
        if (n == c->cap_unfinished) {
            size_t cap = c->cap_unfinished ? c->cap_unfinished * 2 : 16;
            int64_t *p = hpo__reallocarray(c->unfinished, cap, sizeof(*p));
            if (p == NULL)
                return hpo__error_set(HPO_ENOMEM, "out of memory caching trials");
            c->unfinished = p;
            c->cap_unfinished = cap;
        }
        c->unfinished[n++] = c->by_number[i]->id;
    }
    c->n_unfinished = n;
    return HPO_OK;
}

static int sync_locked(hpo_study *study)
{
    hpo__trial_cache *c = &study->cache;
    hpo__record_vec got = {0};
    const hpo__storage_ops *ops = study->storage->ops;
    int rc = ops->load_trials(study->storage->be, study->id, c->watermark_id, c->unfinished,
            c->n_unfinished, &got);
    for (size_t i = 0; i < got.n && rc == HPO_OK; i++) {
        rc = cache_put(c, got.items[i]);
        got.items[i] = NULL;
    }
    for (size_t i = 0; i < got.n; i++)
        hpo__record_unref(got.items[i]);
    hpo__free(got.items);
    if (rc == HPO_OK)
        rc = cache_reindex(c);
    return rc;
}

int hpo__study_sync(hpo_study *study)
{
    int rc;
    pthread_mutex_lock(&study->cache_mu);
    rc = sync_locked(study);
    pthread_mutex_unlock(&study->cache_mu);
    return rc;
}

/* The study handle whose cache this thread synced for the current trial (0: none). */
static _Thread_local uint64_t snapshot_of;

void hpo__study_drop_snapshot(void)
{
    snapshot_of = 0;
}

static int list_trials(hpo_study *study, bool sync, unsigned int states_mask,
        hpo__record ***out, size_t *n_out)
{
    hpo__trial_cache *c = &study->cache;
    hpo__record **arr = NULL;
    size_t n = 0;
    int rc = HPO_OK;
    *out = NULL;
    *n_out = 0;
    pthread_mutex_lock(&study->cache_mu);
    if (sync && (rc = sync_locked(study)) != HPO_OK)
        goto done;
    arr = hpo__reallocarray(NULL, c->n_numbers + 1, sizeof(*arr));
    if (arr == NULL) {
        rc = hpo__error_set(HPO_ENOMEM, "out of memory listing trials");
        goto done;
    }
    for (size_t i = 0; i < c->n_numbers; i++) {
        hpo__record *r = c->by_number[i];
        if (r != NULL && (states_mask & HPO_STATES(r->state)))
            arr[n++] = hpo__record_ref(r);
    }
    *out = arr;
    *n_out = n;
done:
    pthread_mutex_unlock(&study->cache_mu);
    return rc;
}

int hpo__study_trials(hpo_study *study, unsigned int states_mask, hpo__record ***out,
        size_t *n_out)
{
    return list_trials(study, true, states_mask, out, n_out);
}

/* The trial whose sampler call runs on this thread (trial.c sets it around the
 * sampler ops), so that the pruner can narrow what that sampler sees. */
static _Thread_local const hpo_study *sampling_study;
static _Thread_local const hpo__record *sampling_trial;

void hpo__study_sampling_begin(const hpo_study *study, const hpo__record *trial)
{
    sampling_study = study;
    sampling_trial = trial;
}

void hpo__study_sampling_end(void)
{
    sampling_study = NULL;
    sampling_trial = NULL;
}

/* Drop the trials the pruner hides from this trial's sampler (Hyperband: other
 * brackets). The caller holds algo_mu, so the pruner cannot change meanwhile. */
static void filter_for_sampler(hpo_study *study, hpo__record **arr, size_t *n)
{
    hpo_pruner *p = study->pruner;
    size_t kept = 0;
    if (sampling_study != study || sampling_trial == NULL || p->ops->same_group == NULL)
        return;
    for (size_t i = 0; i < *n; i++) {
        if (p->ops->same_group(p, study, sampling_trial, arr[i]))
            arr[kept++] = arr[i];
        else
            hpo__record_unref(arr[i]);
    }
    *n = kept;
}

int hpo__study_trials_snapshot(hpo_study *study, unsigned int states_mask, hpo__record ***out,
        size_t *n_out)
{
    bool sync = snapshot_of != study->serial;
    int rc = list_trials(study, sync, states_mask, out, n_out);
    if (rc == HPO_OK) {
        snapshot_of = study->serial;
        filter_for_sampler(study, *out, n_out);
    }
    return rc;
}

void hpo__records_release(hpo__record **records, size_t n)
{
    hpo_frozen_trials_free(records, n);
}

int64_t hpo__study_id(const hpo_study *study)
{
    return study->id;
}

int hpo__study_set_trial_system_attr(hpo_study *study, int64_t trial_id, const char *key,
        const char *json)
{
    return study->storage->ops->set_trial_attr(study->storage->be, trial_id, true, key, json);
}

/* ---- lifecycle ------------------------------------------------------------- */

static int random_study_name(char *out, size_t n)
{
    unsigned char b[16];
    size_t got = 0;
    while (got < sizeof(b)) {
        ssize_t r = getrandom(b + got, sizeof(b) - got, 0);
        if (r <= 0)
            return hpo__error_set(HPO_ERROR, "could not read random bytes for a study name");
        got += (size_t)r;
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* uuid4 version and variant bits */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, n,
            "no-name-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
            b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
            b[14], b[15]);
    return HPO_OK;
}

static int check_options(const hpo_study_options *opts)
{
    if (opts != NULL && (opts->version == 0 || opts->version > HPO_STUDY_OPTIONS_VERSION))
        return hpo__error_set(HPO_EVERSION, "hpo_study_options version %u is not supported",
                opts->version);
    return HPO_OK;
}

static atomic_uint_fast64_t next_serial;

/* A handle on an existing stored study, with the default (auto) sampler and median pruner. */
static int open_handle(hpo_storage *storage, int64_t id, const char *name,
        const hpo_study_options *opts, hpo_study **out)
{
    hpo_study *s = hpo__calloc(1, sizeof(*s));
    hpo_auto_options sampler = HPO_AUTO_OPTIONS_INIT;
    int rc;
    if (s == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory opening study '%.200s'", name);
    s->magic = HPO__STUDY_MAGIC;
    s->storage = storage;
    s->id = id;
    s->serial = atomic_fetch_add(&next_serial, 1) + 1;
    s->cache.watermark_id = -1;
    pthread_mutex_init(&s->algo_mu, NULL);
    pthread_mutex_init(&s->cache_mu, NULL);
    if ((s->name = hpo__strdup(name)) == NULL) {
        rc = hpo__error_set(HPO_ENOMEM, "out of memory opening study '%.200s'", name);
        goto fail;
    }
    rc = storage->ops->get_study_directions(storage->be, id, &s->directions, &s->n_directions);
    if (rc != HPO_OK)
        goto fail;
    sampler.seed = opts ? opts->seed : 0;
    if ((rc = hpo_sampler_auto_new(&s->sampler, &sampler)) != HPO_OK)
        goto fail;
    if ((rc = hpo_pruner_median_new(&s->pruner, NULL)) != HPO_OK)
        goto fail;
    *out = s;
    return HPO_OK;
fail:
    hpo_study_free(s);
    return rc;
}

int hpo_study_create(hpo_study **out, hpo_storage *storage, const char *name,
        const hpo_direction *directions, size_t n_directions, const hpo_study_options *opts)
{
    static const hpo_direction minimize = HPO_MINIMIZE;
    char generated[64];
    int64_t id;
    int rc;
    if (out == NULL)
        return hpo__error_set(HPO_EINVAL, "hpo_study_create: out is NULL");
    *out = NULL;
    HPO_TRY(hpo__storage_check(storage));
    HPO_TRY(check_options(opts));
    if (directions == NULL && n_directions > 0)
        return hpo__error_set(HPO_EINVAL, "directions is NULL but n_directions is %zu",
                n_directions);
    if (n_directions == 0) {
        directions = &minimize;
        n_directions = 1;
    }
    for (size_t i = 0; i < n_directions; i++)
        if (directions[i] != HPO_MINIMIZE && directions[i] != HPO_MAXIMIZE)
            return hpo__error_set(HPO_EINVAL,
                    "direction %zu is %d; it must be HPO_MINIMIZE or HPO_MAXIMIZE", i,
                    (int)directions[i]);
    if (name == NULL) {
        HPO_TRY(random_study_name(generated, sizeof(generated)));
        name = generated;
    }
    HPO_TRY(hpo__check_name("study name", name));
    rc = storage->ops->create_study(storage->be, name, directions, n_directions, &id);
    if (rc == HPO_EEXISTS && opts != NULL && opts->load_if_exists)
        return hpo_study_load(out, storage, name, opts);
    if (rc != HPO_OK)
        return rc;
    return open_handle(storage, id, name, opts, out);
}

int hpo_study_load(hpo_study **out, hpo_storage *storage, const char *name,
        const hpo_study_options *opts)
{
    int64_t id;
    if (out == NULL)
        return hpo__error_set(HPO_EINVAL, "hpo_study_load: out is NULL");
    *out = NULL;
    HPO_TRY(hpo__storage_check(storage));
    HPO_TRY(check_options(opts));
    HPO_TRY(hpo__check_name("study name", name));
    HPO_TRY(storage->ops->find_study(storage->be, name, &id));
    return open_handle(storage, id, name, opts, out);
}

int hpo_study_delete(hpo_storage *storage, const char *name)
{
    int64_t id;
    HPO_TRY(hpo__storage_check(storage));
    HPO_TRY(hpo__check_name("study name", name));
    HPO_TRY(storage->ops->find_study(storage->be, name, &id));
    return storage->ops->delete_study(storage->be, id);
}

int hpo_study_list(hpo_storage *storage, char ***out, size_t *n_out)
{
    hpo__study_info *infos = NULL;
    size_t n = 0, bytes;
    char **arr, *p;
    if (out == NULL || n_out == NULL)
        return hpo__error_set(HPO_EINVAL, "hpo_study_list: NULL out-parameter");
    *out = NULL;
    *n_out = 0;
    HPO_TRY(hpo__storage_check(storage));
    HPO_TRY(storage->ops->list_studies(storage->be, &infos, &n));
    /* One block (pointers, then strings) so a single hpo_free releases it. */
    bytes = (n + 1) * sizeof(char *);
    for (size_t i = 0; i < n; i++)
        bytes += strlen(infos[i].name) + 1;
    arr = hpo__malloc(bytes);
    if (arr == NULL) {
        hpo__study_infos_free(infos, n);
        return hpo__error_set(HPO_ENOMEM, "out of memory listing studies");
    }
    p = (char *)(arr + n + 1);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(infos[i].name) + 1;
        memcpy(p, infos[i].name, len);
        arr[i] = p;
        p += len;
    }
    arr[n] = NULL;
    hpo__study_infos_free(infos, n);
    *out = arr;
    *n_out = n;
    return HPO_OK;
}

void hpo_study_free(hpo_study *study)
{
    if (study == NULL || study->magic != HPO__STUDY_MAGIC)
        return;
    study->magic = 0;
    hpo_sampler_free(study->sampler);
    hpo_pruner_free(study->pruner);
    cache_clear(&study->cache);
    pthread_mutex_destroy(&study->algo_mu);
    pthread_mutex_destroy(&study->cache_mu);
    hpo__free(study->directions);
    hpo__free(study->name);
    hpo__free(study);
}

int hpo_study_set_sampler(hpo_study *study, hpo_sampler *sampler)
{
    int rc = hpo__study_check(study);
    if (rc == HPO_OK && sampler == NULL)
        rc = hpo__error_set(HPO_EINVAL, "hpo_study_set_sampler: sampler is NULL");
    if (rc != HPO_OK) {
        hpo_sampler_free(sampler);
        return rc;
    }
    pthread_mutex_lock(&study->algo_mu);
    hpo_sampler_free(study->sampler);
    study->sampler = sampler;
    pthread_mutex_unlock(&study->algo_mu);
    return HPO_OK;
}

int64_t hpo_study_trial_limit(hpo_study *study)
{
    int64_t limit;
    if (hpo__study_check(study) != HPO_OK)
        return -1;
    pthread_mutex_lock(&study->algo_mu);
    limit = hpo__sampler_trial_limit(study->sampler);
    pthread_mutex_unlock(&study->algo_mu);
    return limit;
}

int hpo_study_set_pruner(hpo_study *study, hpo_pruner *pruner)
{
    int rc = hpo__study_check(study);
    if (rc == HPO_OK && pruner == NULL)
        rc = hpo__error_set(HPO_EINVAL, "hpo_study_set_pruner: pruner is NULL");
    if (rc != HPO_OK) {
        hpo_pruner_free(pruner);
        return rc;
    }
    pthread_mutex_lock(&study->algo_mu);
    hpo_pruner_free(study->pruner);
    study->pruner = pruner;
    pthread_mutex_unlock(&study->algo_mu);
    return HPO_OK;
}

const char *hpo_study_name(const hpo_study *study)
{
    return hpo__study_check(study) == HPO_OK ? study->name : NULL;
}

size_t hpo_study_n_objectives(const hpo_study *study)
{
    return hpo__study_check(study) == HPO_OK ? study->n_directions : 0;
}

hpo_direction hpo_study_direction(const hpo_study *study, size_t objective)
{
    if (hpo__study_check(study) != HPO_OK || objective >= study->n_directions)
        return HPO_NOT_SET;
    return study->directions[objective];
}

/* ---- attributes and enqueued trials --------------------------------------- */

int hpo_study_set_user_attr(hpo_study *study, const char *key, const char *value_json)
{
    int rc;
    HPO_TRY(hpo__study_check(study));
    HPO_TRY(hpo__check_name("attribute key", key));
    if (value_json == NULL)
        return hpo__error_set(HPO_EINVAL, "value of attribute '%s' is NULL", key);
    rc = hpo__json_validate(value_json);
    if (rc != HPO_OK)
        return hpo__error_wrap(rc, "value of attribute '%.200s'", key);
    return study->storage->ops->set_study_attr(study->storage->be, study->id, false, key,
            value_json);
}

int hpo_study_set_system_attr(hpo_study *study, const char *key, const char *value_json)
{
    int rc;
    HPO_TRY(hpo__study_check(study));
    HPO_TRY(hpo__check_name("attribute key", key));
    if (value_json == NULL)
        return hpo__error_set(HPO_EINVAL, "value of attribute '%s' is NULL", key);
    rc = hpo__json_validate(value_json);
    if (rc != HPO_OK)
        return hpo__error_wrap(rc, "value of attribute '%.200s'", key);
    return study->storage->ops->set_study_attr(study->storage->be, study->id, true, key,
            value_json);
}

int hpo_study_attrs_json(hpo_study *study, bool system, char **out)
{
    hpo__attrs attrs = {0};
    hpo_buf b;
    int rc;
    if (out == NULL)
        return hpo__error_set(HPO_EINVAL, "hpo_study_attrs_json: out is NULL");
    *out = NULL;
    HPO_TRY(hpo__study_check(study));
    HPO_TRY(study->storage->ops->get_study_attrs(study->storage->be, study->id, system, &attrs));
    hpo__buf_init(&b, 0);
    hpo__buf_putc(&b, '{');
    for (size_t i = 0; i < attrs.n; i++) {
        if (i > 0)
            hpo__buf_puts(&b, ", ");
        hpo__json_put_string(&b, attrs.items[i].key);
        hpo__buf_puts(&b, ": ");
        hpo__buf_puts(&b, attrs.items[i].json); /* stored JSON text, valid by construction */
    }
    hpo__buf_putc(&b, '}');
    hpo__attrs_clear(&attrs);
    rc = hpo__buf_status(&b);
    if (rc == HPO_OK)
        return hpo__buf_detach(&b, out, NULL);
    hpo__buf_free(&b);
    return rc;
}

int hpo_study_get_user_attr(hpo_study *study, const char *key, char **out)
{
    hpo__attrs attrs = {0};
    const char *v;
    int rc;
    if (out == NULL)
        return hpo__error_set(HPO_EINVAL, "hpo_study_get_user_attr: out is NULL");
    *out = NULL;
    HPO_TRY(hpo__study_check(study));
    HPO_TRY(hpo__check_name("attribute key", key));
    HPO_TRY(study->storage->ops->get_study_attrs(study->storage->be, study->id, false, &attrs));
    v = hpo__attrs_get(&attrs, key);
    if (v == NULL)
        rc = hpo__error_set(HPO_ENOTFOUND, "study '%.200s' has no user attribute '%.200s'",
                study->name, key);
    else if ((*out = hpo__strdup(v)) == NULL)
        rc = hpo__error_set(HPO_ENOMEM, "out of memory reading attribute '%.200s'", key);
    else
        rc = HPO_OK;
    hpo__attrs_clear(&attrs);
    return rc;
}

static int fixed_params_json(const char *const *names, const hpo_value *values, size_t n,
        char **out)
{
    hpo_buf b;
    hpo__buf_init(&b, 0);
    hpo__buf_putc(&b, '{');
    for (size_t i = 0; i < n; i++) {
        int rc = hpo__check_name("parameter name", names[i]);
        if (rc == HPO_OK && values[i].type == HPO_VALUE_STRING && values[i].u.s == NULL)
            rc = hpo__error_set(HPO_EINVAL, "fixed value of '%s' is a NULL string", names[i]);
        if (rc == HPO_OK && values[i].type == HPO_VALUE_FLOAT && !isfinite(values[i].u.f))
            rc = hpo__error_set(HPO_EINVAL, "fixed value of '%s' is not finite (%g)", names[i],
                    values[i].u.f);
        if (rc == HPO_OK && (unsigned)values[i].type > HPO_VALUE_STRING)
            rc = hpo__error_set(HPO_EINVAL, "fixed value of '%s' has unknown type %d", names[i],
                    (int)values[i].type);
        for (size_t j = 0; rc == HPO_OK && j < i; j++)
            if (strcmp(names[i], names[j]) == 0)
                rc = hpo__error_set(HPO_EINVAL, "parameter '%s' is fixed twice", names[i]);
        if (rc != HPO_OK) {
            hpo__buf_free(&b);
            return rc;
        }
        if (i > 0)
            hpo__buf_puts(&b, ", ");
        hpo__json_put_string(&b, names[i]);
        hpo__buf_puts(&b, ": ");
        hpo__json_put_value(&b, &values[i]);
    }
    hpo__buf_putc(&b, '}');
    return hpo__buf_detach(&b, out, NULL);
}

int hpo_study_enqueue_trial(hpo_study *study, const char *const *names, const hpo_value *values,
        size_t n_params)
{
    hpo__record *tmpl = NULL;
    char *json = NULL;
    int64_t id, number;
    int rc;
    HPO_TRY(hpo__study_check(study));
    if (n_params > 0 && (names == NULL || values == NULL))
        return hpo__error_set(HPO_EINVAL, "enqueue_trial: names or values is NULL");
    HPO_TRY(fixed_params_json(names, values, n_params, &json));
    if ((rc = hpo__record_new(&tmpl)) != HPO_OK)
        goto done;
    tmpl->state = HPO_TRIAL_WAITING;
    if ((rc = hpo__attrs_set(&tmpl->system_attrs, "fixed_params", json)) != HPO_OK)
        goto done;
    rc = study->storage->ops->create_trial(study->storage->be, study->id, tmpl, &id, &number, NULL);
done:
    hpo__record_unref(tmpl);
    hpo__free(json);
    return rc;
}

/* ---- reading trials --------------------------------------------------------- */

int hpo_study_get_trials(hpo_study *study, unsigned int states_mask, hpo_frozen_trial ***out,
        size_t *n_out)
{
    if (out == NULL || n_out == NULL)
        return hpo__error_set(HPO_EINVAL, "hpo_study_get_trials: NULL out-parameter");
    *out = NULL;
    *n_out = 0;
    HPO_TRY(hpo__study_check(study));
    return hpo__study_trials(study, states_mask, out, n_out);
}

int hpo_study_get_trial(hpo_study *study, int64_t number, hpo_frozen_trial **out)
{
    int64_t id;
    if (out == NULL)
        return hpo__error_set(HPO_EINVAL, "hpo_study_get_trial: out is NULL");
    *out = NULL;
    HPO_TRY(hpo__study_check(study));
    HPO_TRY(study->storage->ops->find_trial(study->storage->be, study->id, number, &id));
    return study->storage->ops->get_trial(study->storage->be, id, out);
}

/* Strictly better only, so ties keep the lowest number. */
static bool better(hpo_direction d, double a, double b)
{
    return d == HPO_MAXIMIZE ? a > b : a < b;
}

int hpo_study_best_trial(hpo_study *study, hpo_frozen_trial **out)
{
    hpo__record **trials;
    hpo__record *best = NULL;
    size_t n;
    if (out == NULL)
        return hpo__error_set(HPO_EINVAL, "hpo_study_best_trial: out is NULL");
    *out = NULL;
    HPO_TRY(hpo__study_check(study));
    if (study->n_directions != 1)
        return hpo__error_set(HPO_EUNSUPPORTED,
                "best trial is defined for single-objective studies; '%.200s' has %zu objectives",
                study->name, study->n_directions);
    HPO_TRY(hpo__study_trials(study, HPO_STATES(HPO_TRIAL_COMPLETE), &trials, &n));
    for (size_t i = 0; i < n; i++)
        if (trials[i]->n_values == 1 &&
                (best == NULL || better(study->directions[0], trials[i]->values[0], best->values[0])))
            best = trials[i];
    if (best != NULL)
        *out = hpo__record_ref(best);
    hpo__records_release(trials, n);
    if (best == NULL)
        return hpo__error_set(HPO_ENOTFOUND, "study '%.200s' has no COMPLETE trial yet",
                study->name);
    return HPO_OK;
}
