/*
 * memory.c - the in-memory storage backend: process-local studies behind one
 * mutex. Trial records are shared by reference with readers; a record that
 * someone else still holds is copied before it is changed (copy on write), so
 * every snapshot a caller received stays valid and unchanged. Finished trials
 * are never changed at all, which is what the study's cache relies on.
 */
#include <math.h>
#include <pthread.h>
#include <string.h>

#include "core/alloc.h"
#include "core/clock.h"
#include "core/error.h"
#include "storage/storage.h"

/* First distribution seen for each parameter name (Optuna's compatibility rule). */
typedef struct name_dists {
    char **names;
    hpo_distribution **dists;
    size_t n;
} name_dists;

typedef struct mem_study {
    int64_t id;
    char *name;
    hpo_direction *dirs;
    size_t n_dirs;
    hpo__attrs user_attrs;
    hpo__attrs system_attrs;
    hpo__record **trials; /* by number; ids increase with number */
    size_t n_trials;
    size_t cap_trials;
    name_dists dists;
} mem_study;

typedef struct mem_backend {
    pthread_mutex_t mu;
    mem_study **studies; /* by study id; NULL once deleted */
    size_t n_studies;
    hpo__record **by_id; /* trial id -> record (owned by its study), NULL once deleted */
    size_t n_ids;
    size_t cap_ids;
} mem_backend;

/* ---- helpers (called with the mutex held) --------------------------------- */

static void mem_study_free(mem_study *st)
{
    if (st == NULL)
        return;
    for (size_t i = 0; i < st->n_trials; i++)
        hpo__record_unref(st->trials[i]);
    hpo__free(st->trials);
    for (size_t i = 0; i < st->dists.n; i++) {
        hpo__free(st->dists.names[i]);
        hpo_distribution_free(st->dists.dists[i]);
    }
    hpo__free(st->dists.names);
    hpo__free(st->dists.dists);
    hpo__attrs_clear(&st->user_attrs);
    hpo__attrs_clear(&st->system_attrs);
    hpo__free(st->dirs);
    hpo__free(st->name);
    hpo__free(st);
}

static mem_study *get_study(mem_backend *m, int64_t study_id)
{
    if (study_id < 0 || (size_t)study_id >= m->n_studies)
        return NULL;
    return m->studies[study_id];
}

static int study_not_found(int64_t study_id)
{
    return hpo__error_set(HPO_ENOTFOUND, "no study with id %lld", (long long)study_id);
}

static hpo__record *get_trial(mem_backend *m, int64_t trial_id)
{
    if (trial_id < 0 || (size_t)trial_id >= m->n_ids)
        return NULL;
    return m->by_id[trial_id];
}

static int trial_not_found(int64_t trial_id)
{
    return hpo__error_set(HPO_ENOTFOUND, "no trial with id %lld", (long long)trial_id);
}

/* The record of trial_id ready to be changed: copied first if shared (copy on write). */
static int writable_trial(mem_backend *m, int64_t trial_id, hpo__record **out)
{
    hpo__record *r = get_trial(m, trial_id), *c;
    mem_study *st;
    int rc;
    *out = NULL;
    if (r == NULL)
        return trial_not_found(trial_id);
    if (hpo__state_finished(r->state))
        return hpo__error_set(HPO_ESTATE, "trial %lld is already finished (%s) and cannot change",
                (long long)r->number, hpo_trial_state_name(r->state));
    if (atomic_load(&r->refcount) == 1) {
        *out = r;
        return HPO_OK;
    }
    st = get_study(m, r->study_id);
    if (st == NULL)
        return study_not_found(r->study_id);
    if ((rc = hpo__record_copy(r, &c)) != HPO_OK)
        return rc;
    st->trials[r->number] = c;
    m->by_id[trial_id] = c;
    hpo__record_unref(r);
    *out = c;
    return HPO_OK;
}

static const hpo_distribution *known_dist(const mem_study *st, const char *name)
{
    for (size_t i = 0; i < st->dists.n; i++)
        if (strcmp(st->dists.names[i], name) == 0)
            return st->dists.dists[i];
    return NULL;
}

static int remember_dist(mem_study *st, const char *name, const hpo_distribution *d)
{
    char **names;
    hpo_distribution **dists, *copy = NULL;
    char *n;
    if (known_dist(st, name) != NULL)
        return HPO_OK;
    names = hpo__reallocarray(st->dists.names, st->dists.n + 1, sizeof(*names));
    if (names == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory recording a distribution");
    st->dists.names = names;
    dists = hpo__reallocarray(st->dists.dists, st->dists.n + 1, sizeof(*dists));
    if (dists == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory recording a distribution");
    st->dists.dists = dists;
    n = hpo__strdup(name);
    if (n == NULL || hpo__dist_copy(d, &copy) != HPO_OK) {
        hpo__free(n);
        return hpo__error_set(HPO_ENOMEM, "out of memory recording a distribution");
    }
    names[st->dists.n] = n;
    dists[st->dists.n] = copy;
    st->dists.n++;
    return HPO_OK;
}

/* Room for one more record pointer in a doubling array. */
static int reserve_one(hpo__record ***arr, size_t n, size_t *cap)
{
    if (n == *cap) {
        size_t c = *cap ? *cap * 2 : 64;
        hpo__record **p = hpo__reallocarray(*arr, c, sizeof(*p));
        if (p == NULL)
            return hpo__error_set(HPO_ENOMEM, "out of memory creating a trial");
        *arr = p;
        *cap = c;
    }
    return HPO_OK;
}

/* ---- studies --------------------------------------------------------------- */

static int find_study_locked(mem_backend *m, const char *name, int64_t *id_out)
{
    for (size_t i = 0; i < m->n_studies; i++) {
        if (m->studies[i] != NULL && strcmp(m->studies[i]->name, name) == 0) {
            *id_out = (int64_t)i;
            return HPO_OK;
        }
    }
    return hpo__error_set(HPO_ENOTFOUND, "no study named '%.200s'", name);
}

static int new_study(const char *name, const hpo_direction *dirs, size_t n_dirs, int64_t id,
        mem_study **out)
{
    mem_study *st = hpo__calloc(1, sizeof(*st));
    *out = NULL;
    if (st == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory creating study '%.200s'", name);
    st->id = id;
    st->name = hpo__strdup(name);
    st->dirs = hpo__reallocarray(NULL, n_dirs, sizeof(*dirs));
    if (st->name == NULL || st->dirs == NULL) {
        mem_study_free(st);
        return hpo__error_set(HPO_ENOMEM, "out of memory creating study '%.200s'", name);
    }
    memcpy(st->dirs, dirs, n_dirs * sizeof(*dirs));
    st->n_dirs = n_dirs;
    *out = st;
    return HPO_OK;
}

static int mem_create_study(void *be, const char *name, const hpo_direction *dirs, size_t n_dirs,
        int64_t *id_out)
{
    mem_backend *m = be;
    mem_study *st, **studies;
    int64_t existing;
    int rc;
    pthread_mutex_lock(&m->mu);
    if (find_study_locked(m, name, &existing) == HPO_OK) {
        rc = hpo__error_set(HPO_EEXISTS, "a study named '%.200s' already exists", name);
        goto done;
    }
    studies = hpo__reallocarray(m->studies, m->n_studies + 1, sizeof(*studies));
    if (studies == NULL) {
        rc = hpo__error_set(HPO_ENOMEM, "out of memory creating study '%.200s'", name);
        goto done;
    }
    m->studies = studies;
    if ((rc = new_study(name, dirs, n_dirs, (int64_t)m->n_studies, &st)) != HPO_OK)
        goto done;
    studies[m->n_studies] = st;
    *id_out = (int64_t)m->n_studies++;
    rc = HPO_OK;
done:
    pthread_mutex_unlock(&m->mu);
    return rc;
}

static int mem_delete_study(void *be, int64_t study_id)
{
    mem_backend *m = be;
    mem_study *st;
    int rc = HPO_OK;
    pthread_mutex_lock(&m->mu);
    st = get_study(m, study_id);
    if (st == NULL) {
        rc = study_not_found(study_id);
    } else {
        for (size_t i = 0; i < st->n_trials; i++)
            m->by_id[st->trials[i]->id] = NULL;
        m->studies[study_id] = NULL;
        mem_study_free(st);
    }
    pthread_mutex_unlock(&m->mu);
    return rc;
}

static int mem_find_study(void *be, const char *name, int64_t *id_out)
{
    mem_backend *m = be;
    int rc;
    pthread_mutex_lock(&m->mu);
    rc = find_study_locked(m, name, id_out);
    pthread_mutex_unlock(&m->mu);
    return rc;
}

static int copy_dirs(const mem_study *st, hpo_direction **out, size_t *n_out)
{
    *out = hpo__reallocarray(NULL, st->n_dirs, sizeof(**out));
    if (*out == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory reading directions");
    memcpy(*out, st->dirs, st->n_dirs * sizeof(**out));
    *n_out = st->n_dirs;
    return HPO_OK;
}

static int mem_list_studies(void *be, hpo__study_info **out, size_t *n_out)
{
    mem_backend *m = be;
    hpo__study_info *infos;
    size_t n = 0;
    int rc = HPO_OK;
    pthread_mutex_lock(&m->mu);
    infos = hpo__calloc(m->n_studies + 1, sizeof(*infos));
    if (infos == NULL) {
        rc = hpo__error_set(HPO_ENOMEM, "out of memory listing studies");
        goto done;
    }
    for (size_t i = 0; i < m->n_studies; i++) {
        mem_study *st = m->studies[i];
        if (st == NULL)
            continue;
        infos[n].id = st->id;
        infos[n].name = hpo__strdup(st->name);
        n++;
        if (infos[n - 1].name == NULL ||
                copy_dirs(st, &infos[n - 1].directions, &infos[n - 1].n_directions) != HPO_OK) {
            hpo__study_infos_free(infos, n);
            infos = NULL;
            rc = hpo__error_set(HPO_ENOMEM, "out of memory listing studies");
            goto done;
        }
    }
done:
    pthread_mutex_unlock(&m->mu);
    *out = infos;
    *n_out = infos ? n : 0;
    return rc;
}

static int mem_get_study_directions(void *be, int64_t study_id, hpo_direction **out,
        size_t *n_out)
{
    mem_backend *m = be;
    mem_study *st;
    int rc;
    pthread_mutex_lock(&m->mu);
    st = get_study(m, study_id);
    rc = st ? copy_dirs(st, out, n_out) : study_not_found(study_id);
    pthread_mutex_unlock(&m->mu);
    return rc;
}

static int mem_set_study_attr(void *be, int64_t study_id, bool system, const char *key,
        const char *json)
{
    mem_backend *m = be;
    mem_study *st;
    int rc;
    pthread_mutex_lock(&m->mu);
    st = get_study(m, study_id);
    if (st == NULL)
        rc = study_not_found(study_id);
    else
        rc = hpo__attrs_set(system ? &st->system_attrs : &st->user_attrs, key, json);
    pthread_mutex_unlock(&m->mu);
    return rc;
}

static int mem_get_study_attrs(void *be, int64_t study_id, bool system, hpo__attrs *out)
{
    mem_backend *m = be;
    mem_study *st;
    int rc;
    pthread_mutex_lock(&m->mu);
    st = get_study(m, study_id);
    if (st == NULL)
        rc = study_not_found(study_id);
    else
        rc = hpo__attrs_copy(system ? &st->system_attrs : &st->user_attrs, out);
    pthread_mutex_unlock(&m->mu);
    return rc;
}

/* ---- trials ---------------------------------------------------------------- */

static int build_trial(const hpo__record *tmpl, hpo__record **out)
{
    int rc;
    if (tmpl != NULL)
        return hpo__record_copy(tmpl, out);
    if ((rc = hpo__record_new(out)) != HPO_OK)
        return rc;
    (*out)->state = HPO_TRIAL_RUNNING;
    (*out)->datetime_start = hpo__now();
    return HPO_OK;
}

/* Create a trial in st (m->mu held). */
static int create_locked(mem_backend *m, mem_study *st, int64_t study_id, const hpo__record *tmpl,
        hpo__record **out)
{
    hpo__record *r = NULL;
    int rc;
    if ((rc = reserve_one(&m->by_id, m->n_ids, &m->cap_ids)) != HPO_OK ||
            (rc = reserve_one(&st->trials, st->n_trials, &st->cap_trials)) != HPO_OK)
        return rc;
    if ((rc = build_trial(tmpl, &r)) != HPO_OK)
        return rc;
    for (size_t i = 0; i < r->n_params; i++) {
        const hpo_distribution *old = known_dist(st, r->params[i].name);
        if (old != NULL)
            rc = hpo__dist_check_compatible(old, r->params[i].dist, r->params[i].name);
        if (rc == HPO_OK)
            rc = remember_dist(st, r->params[i].name, r->params[i].dist);
        if (rc != HPO_OK) {
            hpo__record_unref(r);
            return rc;
        }
    }
    r->id = (int64_t)m->n_ids;
    r->number = (int64_t)st->n_trials;
    r->study_id = study_id;
    m->by_id[m->n_ids++] = r;
    st->trials[st->n_trials++] = r;
    *out = r;
    return HPO_OK;
}

static int mem_create_trial(void *be, int64_t study_id, const hpo__record *tmpl, int64_t *id_out,
        int64_t *number_out, double *start_out)
{
    mem_backend *m = be;
    mem_study *st;
    hpo__record *r;
    int rc;
    pthread_mutex_lock(&m->mu);
    st = get_study(m, study_id);
    rc = st == NULL ? study_not_found(study_id) : create_locked(m, st, study_id, tmpl, &r);
    if (rc == HPO_OK) {
        *id_out = r->id;
        *number_out = r->number;
        if (start_out != NULL)
            *start_out = r->datetime_start;
    }
    pthread_mutex_unlock(&m->mu);
    return rc;
}

/* Move st's oldest WAITING trial to RUNNING (m->mu held); HPO_ENOTFOUND if none. */
static int pop_locked(mem_backend *m, mem_study *st, hpo__record **out)
{
    for (size_t i = 0; i < st->n_trials; i++) {
        hpo__record *r;
        int rc;
        if (st->trials[i]->state != HPO_TRIAL_WAITING)
            continue;
        if ((rc = writable_trial(m, st->trials[i]->id, &r)) != HPO_OK)
            return rc;
        r->state = HPO_TRIAL_RUNNING;
        r->datetime_start = hpo__now();
        *out = r;
        return HPO_OK;
    }
    return hpo__error_set(HPO_ENOTFOUND, "no waiting trial");
}

static int mem_pop_waiting_trial(void *be, int64_t study_id, int64_t *id_out)
{
    mem_backend *m = be;
    mem_study *st;
    hpo__record *r;
    int rc;
    pthread_mutex_lock(&m->mu);
    st = get_study(m, study_id);
    rc = st == NULL ? study_not_found(study_id) : pop_locked(m, st, &r);
    if (rc == HPO_OK)
        *id_out = r->id;
    pthread_mutex_unlock(&m->mu);
    return rc;
}

static int64_t count_started(const mem_study *st)
{
    int64_t n = 0;
    for (size_t i = 0; i < st->n_trials; i++)
        n += st->trials[i]->state != HPO_TRIAL_WAITING;
    return n;
}

static int mem_start_trial(void *be, int64_t study_id, int64_t max_started, int64_t *id_out,
        int64_t *number_out, double *start_out, bool *popped_out)
{
    mem_backend *m = be;
    mem_study *st;
    hpo__record *r = NULL;
    int rc;
    pthread_mutex_lock(&m->mu);
    st = get_study(m, study_id);
    if (st == NULL) {
        rc = study_not_found(study_id);
    } else if (max_started >= 0 && count_started(st) >= max_started) {
        rc = hpo__error_set(HPO_ESTATE, "the study already has %lld started trials",
                (long long)max_started);
    } else {
        rc = pop_locked(m, st, &r);
        *popped_out = rc == HPO_OK;
        if (rc == HPO_ENOTFOUND) {
            hpo_clear_error();
            rc = create_locked(m, st, study_id, NULL, &r);
        }
    }
    if (rc == HPO_OK) {
        *id_out = r->id;
        *number_out = r->number;
        *start_out = r->datetime_start;
    }
    pthread_mutex_unlock(&m->mu);
    return rc;
}

static int mem_set_trial_param(void *be, int64_t trial_id, const char *name, double internal,
        const hpo_distribution *dist)
{
    mem_backend *m = be;
    hpo__record *r;
    mem_study *st;
    const hpo_distribution *old;
    int rc;
    pthread_mutex_lock(&m->mu);
    if ((rc = writable_trial(m, trial_id, &r)) != HPO_OK)
        goto done;
    st = get_study(m, r->study_id);
    if (st == NULL) {
        rc = study_not_found(r->study_id);
        goto done;
    }
    old = known_dist(st, name);
    if (old != NULL && (rc = hpo__dist_check_compatible(old, dist, name)) != HPO_OK)
        goto done;
    if ((rc = remember_dist(st, name, dist)) != HPO_OK)
        goto done;
    /* Share the study's first equal distribution: equality checks become pointer checks. */
    old = known_dist(st, name);
    rc = hpo__record_add_param(r, name, hpo__dist_equal(old, dist) ? old : dist, internal);
done:
    pthread_mutex_unlock(&m->mu);
    return rc;
}

static int mem_set_trial_state_values(void *be, int64_t trial_id, hpo_trial_state state,
        const double *values, size_t n_values)
{
    mem_backend *m = be;
    hpo__record *r;
    int rc;
    pthread_mutex_lock(&m->mu);
    r = get_trial(m, trial_id);
    if (r != NULL && state == HPO_TRIAL_RUNNING && r->state != HPO_TRIAL_WAITING) {
        rc = hpo__error_set(HPO_ESTATE, "trial %lld is %s, not WAITING", (long long)r->number,
                hpo_trial_state_name(r->state));
        goto done;
    }
    if ((rc = writable_trial(m, trial_id, &r)) != HPO_OK)
        goto done;
    if ((rc = hpo__record_set_values(r, values, n_values)) != HPO_OK)
        goto done;
    if (state == HPO_TRIAL_RUNNING)
        r->datetime_start = hpo__now();
    if (hpo__state_finished(state))
        r->datetime_complete = hpo__now();
    r->state = state;
done:
    pthread_mutex_unlock(&m->mu);
    return rc;
}

static int mem_set_trial_intermediate_value(void *be, int64_t trial_id, int64_t step,
        double value)
{
    mem_backend *m = be;
    hpo__record *r;
    int rc;
    pthread_mutex_lock(&m->mu);
    r = get_trial(m, trial_id);
    if (r != NULL && !hpo__state_finished(r->state) && hpo__record_find_ivalue(r, step) >= 0) {
        rc = hpo__error_set(HPO_EEXISTS, "trial %lld already has a value at step %lld",
                (long long)r->number, (long long)step);
        goto done;
    }
    if ((rc = writable_trial(m, trial_id, &r)) != HPO_OK)
        goto done;
    rc = hpo__record_set_ivalue(r, step, value);
done:
    pthread_mutex_unlock(&m->mu);
    return rc;
}

static int mem_set_trial_attr(void *be, int64_t trial_id, bool system, const char *key,
        const char *json)
{
    mem_backend *m = be;
    hpo__record *r;
    int rc;
    pthread_mutex_lock(&m->mu);
    if ((rc = writable_trial(m, trial_id, &r)) == HPO_OK)
        rc = hpo__attrs_set(system ? &r->system_attrs : &r->user_attrs, key, json);
    pthread_mutex_unlock(&m->mu);
    return rc;
}

/*
 * What readers get: finished trials by reference (they never change), running
 * ones as a copy, so the storage keeps sole ownership of every record it still
 * writes to and its writes never have to copy on write.
 */
static int snapshot(const hpo__record *r, hpo__record **out)
{
    if (hpo__state_finished(r->state)) {
        *out = hpo__record_ref(r);
        return HPO_OK;
    }
    return hpo__record_copy(r, out);
}

static int push_snapshot(hpo__record_vec *v, const hpo__record *r)
{
    hpo__record *s;
    int rc = snapshot(r, &s);
    return rc == HPO_OK ? hpo__record_vec_push(v, s) : rc;
}

static int mem_get_trial(void *be, int64_t trial_id, hpo__record **out)
{
    mem_backend *m = be;
    hpo__record *r;
    int rc = HPO_OK;
    pthread_mutex_lock(&m->mu);
    r = get_trial(m, trial_id);
    if (r == NULL)
        rc = trial_not_found(trial_id);
    else
        rc = snapshot(r, out);
    pthread_mutex_unlock(&m->mu);
    return rc;
}

static int mem_find_trial(void *be, int64_t study_id, int64_t number, int64_t *id_out)
{
    mem_backend *m = be;
    mem_study *st;
    int rc = HPO_OK;
    pthread_mutex_lock(&m->mu);
    st = get_study(m, study_id);
    if (st == NULL)
        rc = study_not_found(study_id);
    else if (number < 0 || (size_t)number >= st->n_trials)
        rc = hpo__error_set(HPO_ENOTFOUND, "study '%.200s' has no trial number %lld", st->name,
                (long long)number);
    else
        *id_out = st->trials[number]->id;
    pthread_mutex_unlock(&m->mu);
    return rc;
}

/* First index in the study's trials with id > after_id (ids grow with number). */
static size_t first_after(const mem_study *st, int64_t after_id)
{
    size_t lo = 0, hi = st->n_trials;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (st->trials[mid]->id <= after_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int mem_load_trials(void *be, int64_t study_id, int64_t after_id, const int64_t *ids,
        size_t n_ids, hpo__record_vec *out)
{
    mem_backend *m = be;
    mem_study *st;
    int rc = HPO_OK;
    pthread_mutex_lock(&m->mu);
    st = get_study(m, study_id);
    if (st == NULL) {
        rc = study_not_found(study_id);
        goto done;
    }
    for (size_t i = 0; i < n_ids && rc == HPO_OK; i++) {
        hpo__record *r = get_trial(m, ids[i]);
        if (r != NULL && r->study_id == study_id && r->id <= after_id)
            rc = push_snapshot(out, r);
    }
    for (size_t i = first_after(st, after_id); i < st->n_trials && rc == HPO_OK; i++)
        rc = push_snapshot(out, st->trials[i]);
done:
    pthread_mutex_unlock(&m->mu);
    return rc;
}

static void mem_close(void *be)
{
    mem_backend *m = be;
    for (size_t i = 0; i < m->n_studies; i++)
        mem_study_free(m->studies[i]);
    hpo__free(m->studies);
    hpo__free(m->by_id);
    pthread_mutex_destroy(&m->mu);
    hpo__free(m);
}

static const hpo__storage_ops memory_ops = {
    .version = HPO__STORAGE_OPS_VERSION,
    .scheme = "memory",
    .create_study = mem_create_study,
    .delete_study = mem_delete_study,
    .find_study = mem_find_study,
    .list_studies = mem_list_studies,
    .get_study_directions = mem_get_study_directions,
    .set_study_attr = mem_set_study_attr,
    .get_study_attrs = mem_get_study_attrs,
    .create_trial = mem_create_trial,
    .pop_waiting_trial = mem_pop_waiting_trial,
    .start_trial = mem_start_trial,
    .set_trial_param = mem_set_trial_param,
    .set_trial_state_values = mem_set_trial_state_values,
    .set_trial_intermediate_value = mem_set_trial_intermediate_value,
    .set_trial_attr = mem_set_trial_attr,
    .get_trial = mem_get_trial,
    .find_trial = mem_find_trial,
    .load_trials = mem_load_trials,
    .close = mem_close,
};

int hpo__memory_storage_open(hpo_storage **out)
{
    mem_backend *m = hpo__calloc(1, sizeof(*m));
    hpo_storage *s = hpo__calloc(1, sizeof(*s));
    *out = NULL;
    if (m == NULL || s == NULL || (s->url = hpo__strdup(":memory:")) == NULL) {
        hpo__free(m);
        if (s != NULL)
            hpo__free(s->url);
        hpo__free(s);
        return hpo__error_set(HPO_ENOMEM, "out of memory opening an in-memory storage");
    }
    pthread_mutex_init(&m->mu, NULL);
    s->magic = HPO__STORAGE_MAGIC;
    s->ops = &memory_ops;
    s->be = m;
    *out = s;
    return HPO_OK;
}
