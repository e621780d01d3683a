/*
 * trial.c - define-by-run: ask, suggest_*, report, should_prune and tell.
 *
 * A suggestion resolves in Optuna's order: a value already suggested in this
 * trial; an enqueued fixed value; the single value of a one-point distribution;
 * the sampler's relative (joint) sample drawn once at the first suggest; else an
 * independent sample. Each value is written to storage at once, so a crash
 * loses nothing decided.
 */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/json.h"
#include "study_internal.h"

static int trial_check(const hpo_trial *t)
{
    if (t == NULL || t->magic != HPO__TRIAL_MAGIC)
        return hpo__error_set(HPO_EMISUSE, "invalid trial handle (NULL or freed)");
    return HPO_OK;
}

static int check_running(const hpo_trial *t, const char *what)
{
    if (t->finished)
        return hpo__error_set(HPO_ESTATE, "cannot %s: trial %lld is already finished", what,
                (long long)t->number);
    return HPO_OK;
}

/* ---- ask ------------------------------------------------------------------- */

static int parse_fixed(hpo_trial *t)
{
    const char *json = hpo__attrs_get(&t->rec->system_attrs, "fixed_params");
    int rc;
    if (json == NULL)
        return HPO_OK;
    rc = hpo__json_parse(json, &t->fixed);
    if (rc == HPO_OK && !json_is_object(t->fixed)) {
        json_decref(t->fixed);
        t->fixed = NULL;
        return hpo__error_set(HPO_ESTORAGE, "trial %lld: fixed_params is not a JSON object",
                (long long)t->number);
    }
    return rc == HPO_OK ? HPO_OK : hpo__error_wrap(rc, "trial %lld: fixed_params",
                                                   (long long)t->number);
}

/*
 * The trial to run next: the oldest enqueued one (read back in full: it may
 * carry fixed params and attributes), else a new RUNNING trial, whose record is
 * built here from what the storage assigned instead of being read back.
 * max_started >= 0: HPO_ESTATE once the study has that many started trials.
 */
static int next_trial(hpo_study *study, int64_t max_started, hpo__record **out)
{
    const hpo__storage_ops *ops = study->storage->ops;
    hpo__record *r = NULL;
    int64_t id, number;
    double start;
    bool popped = false;
    int rc;
    HPO_TRY(ops->start_trial(study->storage->be, study->id, max_started, &id, &number, &start,
            &popped));
    if (popped)
        return ops->get_trial(study->storage->be, id, out);
    if ((rc = hpo__record_new(&r)) != HPO_OK) {
        /* Do not leave it RUNNING forever. */
        ops->set_trial_state_values(study->storage->be, id, HPO_TRIAL_FAIL, NULL, 0);
        return rc;
    }
    r->id = id;
    r->number = number;
    r->study_id = study->id;
    r->state = HPO_TRIAL_RUNNING;
    r->datetime_start = start;
    *out = r;
    return HPO_OK;
}

int hpo_study_ask(hpo_study *study, hpo_trial **out)
{
    return hpo_study_ask_capped(study, -1, out);
}

int hpo_study_ask_capped(hpo_study *study, int64_t max_trials, hpo_trial **out)
{
    hpo_trial *t = NULL;
    int rc;
    if (out == NULL)
        return hpo__error_set(HPO_EINVAL, "hpo_study_ask: out is NULL");
    *out = NULL;
    HPO_TRY(hpo__study_check(study));
    if (max_trials < -1)
        return hpo__error_set(HPO_EINVAL, "hpo_study_ask_capped: max_trials %lld < -1",
                (long long)max_trials);
    t = hpo__calloc(1, sizeof(*t));
    if (t == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory creating a trial");
    t->magic = HPO__TRIAL_MAGIC;
    t->study = study;
    hpo__study_drop_snapshot(); /* the samplers see the trials as of this trial */
    {
        hpo__record *got;
        int64_t limit = hpo_study_trial_limit(study);
        bool by_sampler = limit >= 0 && (max_trials < 0 || limit < max_trials);
        if ((rc = next_trial(study, by_sampler ? limit : max_trials, &got)) != HPO_OK) {
            if (rc == HPO_ESTATE && by_sampler)
                rc = hpo__error_set(HPO_ESTATE, "the %s has given all its %lld points "
                        "(the study has that many trials)", study->sampler->ops->name,
                        (long long)limit);
            goto fail;
        }
        /* Own a private copy: the handle mutates it as the trial goes. */
        if (atomic_load(&got->refcount) == 1) {
            t->rec = got;
        } else {
            rc = hpo__record_copy(got, &t->rec);
            hpo__record_unref(got);
            if (rc != HPO_OK)
                goto fail;
        }
    }
    t->id = t->rec->id;
    t->number = t->rec->number;
    if ((rc = parse_fixed(t)) != HPO_OK)
        goto fail;
    pthread_mutex_lock(&study->algo_mu);
    hpo__study_sampling_begin(study, t->rec);
    if (study->sampler->ops->before_trial != NULL)
        rc = study->sampler->ops->before_trial(study->sampler, study, t->rec);
    hpo__study_sampling_end();
    pthread_mutex_unlock(&study->algo_mu);
    if (rc != HPO_OK) {
        /* The trial exists in storage; do not leave it RUNNING forever. */
        int keep = rc;
        study->storage->ops->set_trial_state_values(study->storage->be, t->id, HPO_TRIAL_FAIL,
                NULL, 0);
        rc = keep;
        goto fail;
    }
    *out = t;
    return HPO_OK;
fail:
    hpo_trial_free(t);
    return rc;
}

void hpo_trial_free(hpo_trial *t)
{
    if (t == NULL || t->magic != HPO__TRIAL_MAGIC)
        return;
    t->magic = 0;
    hpo__record_unref(t->rec);
    json_decref(t->fixed);
    hpo__space_clear(&t->relative_space);
    hpo__free(t->relative_values);
    hpo__free(t);
}

/* ---- suggest --------------------------------------------------------------- */

/* Fixed (enqueued) value for name, if any. *found false when not fixed. */
static int fixed_value(hpo_trial *t, const char *name, const hpo_distribution *d, bool *found,
        double *out)
{
    const json_t *j = t->fixed ? json_object_get(t->fixed, name) : NULL;
    *found = false;
    if (j == NULL)
        return HPO_OK;
    if (hpo__json_to_internal(d, j, out) != HPO_OK)
        return hpo__error_wrap(HPO_EINVAL, "enqueued value for '%s'", name);
    if (!hpo__dist_contains(d, *out))
        hpo__log(HPO_LOG_WARNING,
                "fixed parameter '%s' with value %g is out of the range of its distribution; "
                "using it anyway",
                name, *out);
    *found = true;
    return HPO_OK;
}

/* Relative (joint) sampling, once per trial, at the first suggest that needs a sampler. */
static int ensure_relative(hpo_trial *t)
{
    hpo_sampler *s = t->study->sampler;
    int rc = HPO_OK;
    if (t->relative_done)
        return HPO_OK;
    t->relative_done = true;
    if (s->ops->infer_relative_space == NULL || s->ops->sample_relative == NULL)
        return HPO_OK;
    rc = s->ops->infer_relative_space(s, t->study, t->rec, &t->relative_space);
    if (rc != HPO_OK || t->relative_space.n == 0)
        return rc;
    t->relative_values = hpo__reallocarray(NULL, t->relative_space.n, sizeof(double));
    if (t->relative_values == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory sampling");
    for (size_t i = 0; i < t->relative_space.n; i++)
        t->relative_values[i] = NAN;
    return s->ops->sample_relative(s, t->study, t->rec, &t->relative_space, t->relative_values);
}

static int sample_value(hpo_trial *t, const char *name, const hpo_distribution *d, double *out)
{
    hpo_sampler *s = t->study->sampler;
    long i;
    int rc;
    pthread_mutex_lock(&t->study->algo_mu);
    hpo__study_sampling_begin(t->study, t->rec);
    rc = ensure_relative(t);
    if (rc == HPO_OK) {
        i = hpo__space_find(&t->relative_space, name);
        if (i >= 0 && t->relative_values != NULL && !isnan(t->relative_values[i]) &&
                hpo__dist_equal(t->relative_space.dists[i], d) &&
                hpo__dist_contains(d, t->relative_values[i]))
            *out = t->relative_values[i];
        else
            rc = s->ops->sample_independent(s, t->study, t->rec, name, d, out);
    }
    hpo__study_sampling_end();
    pthread_mutex_unlock(&t->study->algo_mu);
    return rc;
}

int hpo_trial_suggest(hpo_trial *t, const char *name, const hpo_distribution *d,
        double *internal_out)
{
    long i;
    bool found;
    double v;
    int rc;
    HPO_TRY(trial_check(t));
    HPO_TRY(hpo__check_name("parameter name", name));
    if (d == NULL || d->magic != HPO__DIST_MAGIC)
        return hpo__error_set(HPO_EINVAL, "distribution of '%s' is NULL or invalid", name);
    if (internal_out == NULL)
        return hpo__error_set(HPO_EINVAL, "suggest '%s': out is NULL", name);
    HPO_TRY(check_running(t, "suggest"));
    i = hpo__record_find_param(t->rec, name);
    if (i >= 0) {
        const hpo_distribution *old = t->rec->params[i].dist;
        HPO_TRY(hpo__dist_check_compatible(old, d, name));
        if (!hpo__dist_equal(old, d))
            hpo__log(HPO_LOG_WARNING,
                    "inconsistent parameter values for '%s' in trial %lld; returning the first",
                    name, (long long)t->number);
        *internal_out = t->rec->params[i].internal;
        return HPO_OK;
    }
    HPO_TRY(fixed_value(t, name, d, &found, &v));
    if (!found && hpo__dist_single(d))
        v = hpo__dist_single_value(d);
    else if (!found)
        HPO_TRY(sample_value(t, name, d, &v));
    rc = t->study->storage->ops->set_trial_param(t->study->storage->be, t->id, name, v, d);
    if (rc != HPO_OK)
        return rc;
    HPO_TRY(hpo__record_add_param(t->rec, name, d, v));
    *internal_out = v;
    return HPO_OK;
}

int hpo_trial_suggest_float(hpo_trial *t, const char *name, double low, double high,
        double step, bool log, double *out)
{
    hpo_distribution *d;
    int rc;
    HPO_TRY(trial_check(t));
    if (out == NULL)
        return hpo__error_set(HPO_EINVAL, "suggest_float: out is NULL");
    rc = hpo_distribution_float_new(&d, low, high, step, log);
    if (rc != HPO_OK)
        return hpo__error_wrap(rc, "suggest_float('%.200s')", name ? name : "(null)");
    rc = hpo_trial_suggest(t, name, d, out);
    hpo_distribution_free(d);
    return rc;
}

int hpo_trial_suggest_int(hpo_trial *t, const char *name, int64_t low, int64_t high,
        int64_t step, bool log, int64_t *out)
{
    hpo_distribution *d;
    double v;
    int rc;
    HPO_TRY(trial_check(t));
    if (out == NULL)
        return hpo__error_set(HPO_EINVAL, "suggest_int: out is NULL");
    rc = hpo_distribution_int_new(&d, low, high, step, log);
    if (rc != HPO_OK)
        return hpo__error_wrap(rc, "suggest_int('%.200s')", name ? name : "(null)");
    rc = hpo_trial_suggest(t, name, d, &v);
    hpo_distribution_free(d);
    if (rc == HPO_OK)
        *out = (int64_t)llround(v);
    return rc;
}

int hpo_trial_suggest_categorical(hpo_trial *t, const char *name, const hpo_value *choices,
        size_t n_choices, size_t *index_out)
{
    hpo_distribution *d;
    double v;
    int rc;
    HPO_TRY(trial_check(t));
    if (index_out == NULL)
        return hpo__error_set(HPO_EINVAL, "suggest_categorical: out is NULL");
    rc = hpo_distribution_categorical_new(&d, choices, n_choices);
    if (rc != HPO_OK)
        return hpo__error_wrap(rc, "suggest_categorical('%.200s')", name ? name : "(null)");
    rc = hpo_trial_suggest(t, name, d, &v);
    hpo_distribution_free(d);
    if (rc == HPO_OK)
        *index_out = (size_t)v;
    return rc;
}

int hpo_trial_suggest_categorical_str(hpo_trial *t, const char *name,
        const char *const *choices, size_t n_choices, size_t *index_out)
{
    hpo_value stack[16], *vals = stack;
    int rc;
    HPO_TRY(trial_check(t));
    if (choices == NULL && n_choices > 0)
        return hpo__error_set(HPO_EINVAL, "suggest_categorical('%.200s'): choices is NULL",
                name ? name : "(null)");
    if (n_choices > 16 && (vals = hpo__reallocarray(NULL, n_choices, sizeof(*vals))) == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory");
    for (size_t i = 0; i < n_choices; i++)
        vals[i] = hpo_value_string(choices[i]);
    rc = hpo_trial_suggest_categorical(t, name, vals, n_choices, index_out);
    if (vals != stack)
        hpo__free(vals);
    return rc;
}

/* ---- report, prune, attributes -------------------------------------------- */

int hpo_trial_report(hpo_trial *t, double value, int64_t step)
{
    int rc;
    HPO_TRY(trial_check(t));
    HPO_TRY(check_running(t, "report"));
    if (t->study->n_directions != 1)
        return hpo__error_set(HPO_EUNSUPPORTED,
                "report is not supported for multi-objective studies");
    if (step < 0)
        return hpo__error_set(HPO_EINVAL, "report step must be >= 0, got %lld", (long long)step);
    rc = t->study->storage->ops->set_trial_intermediate_value(t->study->storage->be, t->id, step,
            value);
    if (rc == HPO_EEXISTS) {
        hpo__log(HPO_LOG_WARNING,
                "trial %lld already reported a value at step %lld; keeping the first",
                (long long)t->number, (long long)step);
        hpo_clear_error();
        return HPO_OK;
    }
    HPO_TRY(rc);
    return hpo__record_set_ivalue(t->rec, step, value);
}

int hpo_trial_should_prune(hpo_trial *t, bool *out)
{
    hpo_pruner *p;
    int rc;
    HPO_TRY(trial_check(t));
    if (out == NULL)
        return hpo__error_set(HPO_EINVAL, "should_prune: out is NULL");
    *out = false;
    HPO_TRY(check_running(t, "ask the pruner"));
    if (t->study->n_directions != 1)
        return hpo__error_set(HPO_EUNSUPPORTED,
                "should_prune is not supported for multi-objective studies");
    pthread_mutex_lock(&t->study->algo_mu);
    p = t->study->pruner;
    rc = p->ops->prune(p, t->study, t->rec, out);
    pthread_mutex_unlock(&t->study->algo_mu);
    return rc;
}

/* Write an attribute to storage and to this handle's record (JSON already valid). */
static int store_attr(hpo_trial *t, bool system, const char *key, const char *json)
{
    HPO_TRY(t->study->storage->ops->set_trial_attr(t->study->storage->be, t->id, system, key,
            json));
    return hpo__attrs_set(system ? &t->rec->system_attrs : &t->rec->user_attrs, key, json);
}

static int set_attr(hpo_trial *t, bool system, const char *key, const char *value_json)
{
    int rc;
    HPO_TRY(trial_check(t));
    HPO_TRY(hpo__check_name("attribute key", key));
    if (value_json == NULL)
        return hpo__error_set(HPO_EINVAL, "value of attribute '%s' is NULL", key);
    rc = hpo__json_validate(value_json);
    if (rc != HPO_OK)
        return hpo__error_wrap(rc, "value of attribute '%.200s'", key);
    HPO_TRY(check_running(t, "set an attribute"));
    return store_attr(t, system, key, value_json);
}

int hpo_trial_set_user_attr(hpo_trial *t, const char *key, const char *value_json)
{
    return set_attr(t, false, key, value_json);
}

int hpo_trial_set_constraint(hpo_trial *t, const char *name, double value)
{
    char key[HPO__MAX_NAME_LEN + 16];
    hpo_buf b;
    int rc;
    HPO_TRY(trial_check(t));
    HPO_TRY(hpo__check_name("constraint name", name));
    if (isnan(value))
        return hpo__error_set(HPO_EINVAL, "constraint '%.200s' is NaN", name);
    HPO_TRY(check_running(t, "set a constraint"));
    snprintf(key, sizeof(key), "constraints:%s", name);
    if (hpo__attrs_get(&t->rec->system_attrs, key) != NULL) {
        /* Optuna 5.0: the first value stands. */
        hpo__log(HPO_LOG_WARNING, "trial %lld: constraint '%.200s' is already set; ignored",
                (long long)t->number, name);
        return HPO_OK;
    }
    hpo__buf_init(&b, 0);
    hpo__json_put_double(&b, value);
    rc = hpo__buf_status(&b);
    if (rc == HPO_OK)
        rc = store_attr(t, true, key, b.data);
    hpo__buf_free(&b);
    return rc;
}

int hpo_trial_set_system_attr(hpo_trial *t, const char *key, const char *value_json)
{
    return set_attr(t, true, key, value_json);
}

int hpo_trial_set_constraints(hpo_trial *t, const double *values, size_t n)
{
    hpo_buf b;
    int rc;
    HPO_TRY(trial_check(t));
    if (values == NULL && n > 0)
        return hpo__error_set(HPO_EINVAL, "hpo_trial_set_constraints: values is NULL");
    for (size_t i = 0; i < n; i++)
        if (isnan(values[i]))
            return hpo__error_set(HPO_EINVAL, "constraint %zu is NaN", i);
    HPO_TRY(check_running(t, "set constraints"));
    hpo__buf_init(&b, 0);
    hpo__buf_putc(&b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            hpo__buf_puts(&b, ", ");
        hpo__json_put_double(&b, values[i]);
    }
    hpo__buf_putc(&b, ']');
    rc = hpo__buf_status(&b);
    if (rc == HPO_OK)
        rc = store_attr(t, true, "constraints", b.data);
    hpo__buf_free(&b);
    return rc;
}

int64_t hpo_trial_number(const hpo_trial *t)
{
    return trial_check(t) == HPO_OK ? t->number : -1;
}

int64_t hpo_trial_id(const hpo_trial *t)
{
    return trial_check(t) == HPO_OK ? t->id : -1;
}

int hpo_trial_param(const hpo_trial *t, const char *name, hpo_value *out)
{
    HPO_TRY(trial_check(t));
    return hpo_frozen_trial_param(t->rec, name, out);
}

int hpo_trial_snapshot(hpo_trial *t, hpo_frozen_trial **out)
{
    if (out == NULL)
        return hpo__error_set(HPO_EINVAL, "hpo_trial_snapshot: out is NULL");
    *out = NULL;
    HPO_TRY(trial_check(t));
    return t->study->storage->ops->get_trial(t->study->storage->be, t->id, out);
}

/* ---- tell ------------------------------------------------------------------ */

/* Validate values for COMPLETE; NaN turns the trial into FAIL (Optuna warns, then fails it). */
static int check_tell(hpo_study *study, hpo_trial_state *state, const double *values,
        size_t n_values, int64_t number)
{
    if (*state != HPO_TRIAL_COMPLETE && *state != HPO_TRIAL_PRUNED && *state != HPO_TRIAL_FAIL)
        return hpo__error_set(HPO_EINVAL, "tell: state must be COMPLETE, PRUNED or FAIL, got %s",
                hpo_trial_state_name(*state));
    if (*state != HPO_TRIAL_COMPLETE) {
        if (n_values != 0)
            return hpo__error_set(HPO_EINVAL, "tell: values cannot be given with state %s",
                    hpo_trial_state_name(*state));
        return HPO_OK;
    }
    if (values == NULL || n_values != study->n_directions)
        return hpo__error_set(HPO_EINVAL,
                "tell: the number of values %zu does not match the number of objectives %zu",
                values ? n_values : 0, study->n_directions);
    for (size_t i = 0; i < n_values; i++) {
        if (isnan(values[i])) {
            hpo__log(HPO_LOG_WARNING, "trial %lld failed: the value nan is not acceptable",
                    (long long)number);
            *state = HPO_TRIAL_FAIL;
        }
    }
    return HPO_OK;
}

/* A pruned single-objective trial keeps its last intermediate value, unless NaN. */
static size_t pruned_value(hpo_study *study, const hpo__record *r, double *out)
{
    if (study->n_directions != 1 || r->n_ivalues == 0)
        return 0;
    *out = r->ivalues[r->n_ivalues - 1].value;
    return isnan(*out) ? 0 : 1;
}

int hpo__study_tell_id(hpo_study *study, int64_t trial_id, hpo_trial *handle,
        hpo_trial_state state, const double *values, size_t n_values)
{
    const hpo__storage_ops *ops = study->storage->ops;
    hpo__record *r = NULL;
    double pv;
    int rc;
    hpo__study_drop_snapshot();
    /* The stored record is needed only for the sampler's after_trial hook and a
     * pruned trial's last intermediate value (another process may have reported
     * it); otherwise the handle's own copy serves and the write checks the state. */
    if (handle != NULL && study->sampler->ops->after_trial == NULL &&
            state != HPO_TRIAL_PRUNED)
        r = hpo__record_ref(handle->rec);
    else
        HPO_TRY(ops->get_trial(study->storage->be, trial_id, &r));
    if (hpo__state_finished(r->state)) {
        rc = hpo__error_set(HPO_ESTATE, "trial %lld is already finished (%s)",
                (long long)r->number, hpo_trial_state_name(r->state));
        goto done;
    }
    if ((rc = check_tell(study, &state, values, n_values, r->number)) != HPO_OK)
        goto done;
    if (state == HPO_TRIAL_FAIL) {
        values = NULL;
        n_values = 0;
    } else if (state == HPO_TRIAL_PRUNED) {
        n_values = pruned_value(study, r, &pv);
        values = n_values ? &pv : NULL;
    }
    pthread_mutex_lock(&study->algo_mu);
    hpo__study_sampling_begin(study, r);
    if (study->sampler->ops->after_trial != NULL)
        rc = study->sampler->ops->after_trial(study->sampler, study, r, state, values, n_values);
    hpo__study_sampling_end();
    pthread_mutex_unlock(&study->algo_mu);
    /* The state is written even if after_trial failed, as Optuna's finally does. */
    {
        int wrc = ops->set_trial_state_values(study->storage->be, trial_id, state, values,
                n_values);
        if (wrc != HPO_OK)
            rc = wrc;
    }
    if (handle != NULL && rc == HPO_OK)
        handle->finished = true;
done:
    hpo__record_unref(r);
    return rc;
}

int hpo_study_tell(hpo_study *study, hpo_trial *trial, hpo_trial_state state,
        const double *values, size_t n_values)
{
    HPO_TRY(hpo__study_check(study));
    HPO_TRY(trial_check(trial));
    if (trial->study != study)
        return hpo__error_set(HPO_EINVAL, "trial %lld belongs to another study handle",
                (long long)trial->number);
    if (trial->finished)
        return hpo__error_set(HPO_ESTATE, "trial %lld is already finished",
                (long long)trial->number);
    return hpo__study_tell_id(study, trial->id, trial, state, values, n_values);
}

int hpo_study_tell_number(hpo_study *study, int64_t number, hpo_trial_state state,
        const double *values, size_t n_values)
{
    int64_t id;
    HPO_TRY(hpo__study_check(study));
    HPO_TRY(study->storage->ops->find_trial(study->storage->be, study->id, number, &id));
    return hpo__study_tell_id(study, id, NULL, state, values, n_values);
}
