/*
 * optimize.c - hpo_study_optimize: the trial loop, on the calling thread
 * (n_jobs 1, fully reproducible) or on n_jobs worker threads sharing the study.
 *
 * Each worker claims a trial slot, asks, runs the objective, tells, and calls the
 * callback. The loop ends at n_trials (this call's trials, or the study's
 * finished trials with study_wide_target), at the timeout (checked before each
 * new trial; a running trial is never interrupted), on hpo_study_stop() or a
 * callback asking to stop, or at the first failure when catch_failures is false.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/json.h"
#include "study_internal.h"

typedef struct run_state {
    hpo_study *study;
    hpo_objective_fn objective;
    void *payload;
    const hpo_optimize_options *opts;
    double deadline; /* monotonic seconds, or INFINITY */
    atomic_llong claimed;
    atomic_bool target_reached; /* a capped ask found the study-wide target met */
    pthread_mutex_t mu; /* guards first_error and its message */
    int first_error;
    char first_message[1024];
} run_state;

int hpo_optimize_options_init(hpo_optimize_options *opts, unsigned int version)
{
    static const hpo_optimize_options init = HPO_OPTIMIZE_OPTIONS_INIT;
    if (opts == NULL)
        return hpo__error_set(HPO_EINVAL, "hpo_optimize_options_init: opts is NULL");
    if (version == 0 || version > HPO_OPTIMIZE_OPTIONS_VERSION)
        return hpo__error_set(HPO_EVERSION, "hpo_optimize_options version %u is not supported",
                version);
    *opts = init;
    return HPO_OK;
}

static int check_options(const hpo_optimize_options *o)
{
    if (o->version == 0 || o->version > HPO_OPTIMIZE_OPTIONS_VERSION)
        return hpo__error_set(HPO_EVERSION, "hpo_optimize_options version %u is not supported",
                o->version);
    if (o->n_trials < 0)
        return hpo__error_set(HPO_EINVAL, "n_trials must be >= 0, got %lld",
                (long long)o->n_trials);
    if (isnan(o->timeout) || o->timeout < 0)
        return hpo__error_set(HPO_EINVAL, "timeout must be >= 0 seconds, got %g", o->timeout);
    if (o->n_trials == 0 && o->timeout == 0)
        return hpo__error_set(HPO_EINVAL,
                "optimize needs n_trials > 0 or a timeout; both are 0 (it would never stop)");
    if (o->n_jobs == 0 || o->n_jobs < -1)
        return hpo__error_set(HPO_EINVAL, "n_jobs must be >= 1 or -1 (all CPUs), got %d",
                o->n_jobs);
    return HPO_OK;
}

static void record_error(run_state *rs, int status)
{
    pthread_mutex_lock(&rs->mu);
    if (rs->first_error == HPO_OK) {
        rs->first_error = status;
        snprintf(rs->first_message, sizeof(rs->first_message), "%s", hpo_last_error());
    }
    pthread_mutex_unlock(&rs->mu);
    atomic_store(&rs->study->stop_requested, true);
}

/* Claim the right to start one more trial. */
static bool claim_trial(run_state *rs)
{
    const hpo_optimize_options *o = rs->opts;
    if (atomic_load(&rs->study->stop_requested) || atomic_load(&rs->target_reached))
        return false;
    if (hpo__monotonic() >= rs->deadline)
        return false;
    /* A study-wide target is enforced by the ask itself (hpo_study_ask_capped). */
    if (o->n_trials == 0 || o->study_wide_target)
        return true;
    return atomic_fetch_add(&rs->claimed, 1) < o->n_trials;
}

static void store_fail_reason(hpo_study *study, int64_t trial_id, int status)
{
    hpo_buf b;
    char *json = NULL;
    char msg[1200];
    snprintf(msg, sizeof(msg), "%s: %s", hpo_status_name(status), hpo_last_error());
    hpo__buf_init(&b, 0);
    hpo__json_put_string(&b, msg);
    if (hpo__buf_detach(&b, &json, NULL) == HPO_OK)
        hpo__study_set_trial_system_attr(study, trial_id, "fail_reason", json);
    hpo__free(json);
}

/* Run one trial; returns false when the loop must stop. */
static bool run_one(run_state *rs)
{
    hpo_study *study = rs->study;
    size_t n_obj = study->n_directions;
    double stack_vals[8], *values = stack_vals;
    hpo_trial *t = NULL;
    hpo_frozen_trial *snap = NULL;
    int rc, orc;
    hpo_trial_state state;
    if (n_obj > 8 && (values = hpo__reallocarray(NULL, n_obj, sizeof(double))) == NULL) {
        record_error(rs, hpo__error_set(HPO_ENOMEM, "out of memory running a trial"));
        return false;
    }
    for (size_t i = 0; i < n_obj; i++)
        values[i] = NAN;
    {
        /* Started trials (not WAITING ones) count, so parallel workers never overshoot. */
        int64_t cap = rs->opts->study_wide_target ? rs->opts->n_trials : -1;
        /* A grid sampler's last point ends the run as Optuna's study.stop() does. */
        bool limited = hpo_study_trial_limit(study) >= 0;
        if ((rc = hpo_study_ask_capped(study, cap, &t)) != HPO_OK) {
            if (rc == HPO_ESTATE && (cap >= 0 || limited)) { /* a normal end */
                hpo_clear_error();
                atomic_store(&rs->target_reached, true);
            } else {
                record_error(rs, rc);
            }
            goto done;
        }
    }
    hpo_clear_error();
    orc = rs->objective(t, values, rs->payload);
    state = orc == HPO_OK ? HPO_TRIAL_COMPLETE
                          : orc == HPO_EPRUNED ? HPO_TRIAL_PRUNED : HPO_TRIAL_FAIL;
    if (state == HPO_TRIAL_FAIL) {
        hpo__log(HPO_LOG_WARNING, "trial %lld failed: %s: %s", (long long)t->number,
                hpo_status_name(orc), hpo_last_error());
        store_fail_reason(study, t->id, orc);
    }
    rc = hpo_study_tell(study, t, state, state == HPO_TRIAL_COMPLETE ? values : NULL,
            state == HPO_TRIAL_COMPLETE ? n_obj : 0);
    if (rc != HPO_OK) {
        record_error(rs, rc);
        goto done;
    }
    if (state == HPO_TRIAL_FAIL && !rs->opts->catch_failures) {
        hpo__error_set(orc, "trial %lld failed and catch_failures is off", (long long)t->number);
        record_error(rs, orc);
        goto done;
    }
    if (rs->opts->callback != NULL && hpo_trial_snapshot(t, &snap) == HPO_OK &&
            rs->opts->callback(study, snap, rs->opts->callback_payload) != 0)
        atomic_store(&study->stop_requested, true);
done:
    hpo_frozen_trial_free(snap);
    hpo_trial_free(t);
    if (values != stack_vals)
        hpo__free(values);
    return !atomic_load(&study->stop_requested) && !atomic_load(&rs->target_reached);
}

static void *worker(void *arg)
{
    run_state *rs = arg;
    while (claim_trial(rs))
        if (!run_one(rs))
            break;
    return NULL;
}

static int resolve_jobs(int n_jobs)
{
    long cpus;
    if (n_jobs != -1)
        return n_jobs;
    cpus = sysconf(_SC_NPROCESSORS_ONLN);
    return cpus > 0 ? (int)cpus : 1;
}

static int run_threads(run_state *rs, int n_jobs)
{
    pthread_t *threads = hpo__reallocarray(NULL, (size_t)n_jobs, sizeof(*threads));
    int started = 0;
    if (threads == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory starting %d workers", n_jobs);
    for (; started < n_jobs; started++)
        if (pthread_create(&threads[started], NULL, worker, rs) != 0)
            break;
    if (started == 0) {
        hpo__free(threads);
        return hpo__error_set(HPO_ERROR, "could not start any worker thread");
    }
    for (int i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    hpo__free(threads);
    return HPO_OK;
}

int hpo_study_optimize(hpo_study *study, hpo_objective_fn objective, void *payload,
        const hpo_optimize_options *opts)
{
    static const hpo_optimize_options defaults = HPO_OPTIMIZE_OPTIONS_INIT;
    run_state rs;
    bool expected = false;
    int n_jobs, rc;
    HPO_TRY(hpo__study_check(study));
    if (objective == NULL)
        return hpo__error_set(HPO_EINVAL, "optimize: objective is NULL");
    if (opts == NULL)
        opts = &defaults;
    HPO_TRY(check_options(opts));
    if (!atomic_compare_exchange_strong(&study->optimizing, &expected, true))
        return hpo__error_set(HPO_ESTATE, "optimize is already running on study '%.200s'",
                study->name);
    memset(&rs, 0, sizeof(rs));
    rs.study = study;
    rs.objective = objective;
    rs.payload = payload;
    rs.opts = opts;
    rs.deadline = opts->timeout > 0 ? hpo__monotonic() + opts->timeout : (double)INFINITY;
    atomic_init(&rs.claimed, 0);
    atomic_init(&rs.target_reached, false);
    pthread_mutex_init(&rs.mu, NULL);
    atomic_store(&study->stop_requested, false);
    n_jobs = resolve_jobs(opts->n_jobs);
    rc = HPO_OK;
    if (n_jobs == 1)
        worker(&rs);
    else
        rc = run_threads(&rs, n_jobs);
    if (rc == HPO_OK && rs.first_error != HPO_OK)
        rc = hpo__error_set(rs.first_error, "%s", rs.first_message);
    pthread_mutex_destroy(&rs.mu);
    atomic_store(&study->stop_requested, false);
    atomic_store(&study->optimizing, false);
    return rc;
}

bool hpo_study_stop_requested(hpo_study *study)
{
    return hpo__study_check(study) == HPO_OK && atomic_load(&study->stop_requested);
}

void hpo_study_stop(hpo_study *study)
{
    if (hpo__study_check(study) == HPO_OK)
        atomic_store(&study->stop_requested, true);
}
