/*
 * heartbeat.c - one background thread per RDB storage that refreshes the
 * heartbeat row of every RUNNING trial this process started through it, every
 * interval seconds, until the trial finishes. A process that dies (kill -9)
 * stops beating, so after the grace period any other worker fails its trials
 * (rdb.c, hpo__rdb_fail_stale). The first beat is written synchronously when
 * a trial starts, so even a worker killed at once leaves a trace.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/error.h"
#include "storage/rdb.h"

struct hpo__heartbeat {
    hpo__rdb *db;
    double interval;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* on CLOCK_MONOTONIC */
    bool stop;
    int64_t *ids; /* trials being watched */
    size_t n;
    size_t cap;
};

static void deadline_after(double seconds, struct timespec *ts)
{
    double whole = floor(seconds);
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += (time_t)whole;
    ts->tv_nsec += (long)((seconds - whole) * 1e9);
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static void *beat_loop(void *arg)
{
    hpo__heartbeat *hb = arg;
    int64_t *snap = NULL;
    size_t cap = 0;
    pthread_mutex_lock(&hb->mu);
    while (!hb->stop) {
        struct timespec ts;
        size_t n;
        deadline_after(hb->interval, &ts);
        while (!hb->stop && pthread_cond_timedwait(&hb->cv, &hb->mu, &ts) != ETIMEDOUT)
            ;
        if (hb->stop)
            break;
        if (hb->n > cap) {
            int64_t *p = hpo__reallocarray(snap, hb->n, sizeof(*p));
            if (p == NULL)
                continue; /* try again next interval */
            snap = p;
            cap = hb->n;
        }
        n = hb->n;
        if (n > 0)
            memcpy(snap, hb->ids, n * sizeof(*snap));
        pthread_mutex_unlock(&hb->mu);
        if (n > 0 && hpo__rdb_record_heartbeats(hb->db, snap, n) != HPO_OK)
            hpo__log(HPO_LOG_WARNING, "recording heartbeats: %s", hpo_last_error());
        pthread_mutex_lock(&hb->mu);
    }
    pthread_mutex_unlock(&hb->mu);
    hpo__free(snap);
    return NULL;
}

int hpo__heartbeat_start(hpo__rdb *db, double interval, hpo__heartbeat **out)
{
    hpo__heartbeat *hb = hpo__calloc(1, sizeof(*hb));
    pthread_condattr_t ca;
    *out = NULL;
    if (hb == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory starting heartbeats");
    hb->db = db;
    hb->interval = interval;
    pthread_mutex_init(&hb->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&hb->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&hb->thread, NULL, beat_loop, hb) != 0) {
        pthread_cond_destroy(&hb->cv);
        pthread_mutex_destroy(&hb->mu);
        hpo__free(hb);
        return hpo__error_set(HPO_ERROR, "cannot start the heartbeat thread");
    }
    *out = hb;
    return HPO_OK;
}

void hpo__heartbeat_stop(hpo__heartbeat *hb)
{
    if (hb == NULL)
        return;
    pthread_mutex_lock(&hb->mu);
    hb->stop = true;
    pthread_cond_signal(&hb->cv);
    pthread_mutex_unlock(&hb->mu);
    pthread_join(hb->thread, NULL);
    pthread_cond_destroy(&hb->cv);
    pthread_mutex_destroy(&hb->mu);
    hpo__free(hb->ids);
    hpo__free(hb);
}

int hpo__heartbeat_watch(hpo__heartbeat *hb, int64_t trial_id, bool on)
{
    int rc = HPO_OK;
    pthread_mutex_lock(&hb->mu);
    for (size_t i = 0; i < hb->n; i++) {
        if (hb->ids[i] == trial_id) {
            if (!on)
                hb->ids[i] = hb->ids[--hb->n];
            pthread_mutex_unlock(&hb->mu);
            return HPO_OK;
        }
    }
    if (on) {
        if (hb->n == hb->cap) {
            size_t cap = hb->cap ? hb->cap * 2 : 8;
            int64_t *p = hpo__reallocarray(hb->ids, cap, sizeof(*p));
            if (p == NULL)
                rc = hpo__error_set(HPO_ENOMEM, "out of memory watching a trial");
            else {
                hb->ids = p;
                hb->cap = cap;
            }
        }
        if (rc == HPO_OK)
            hb->ids[hb->n++] = trial_id;
    }
    pthread_mutex_unlock(&hb->mu);
    if (on && rc == HPO_OK)
        rc = hpo__rdb_record_heartbeat(hb->db, trial_id);
    return rc;
}

/* ==== public API (hpo.h, Storage) ========================================= */

int hpo_storage_set_heartbeat(hpo_storage *storage, double interval, double grace_period,
        bool retry_failed, int max_retry)
{
    hpo__rdb *db;
    hpo__rdb_heartbeat_cfg cfg = {interval, grace_period, retry_failed, max_retry};
    HPO_TRY(hpo__storage_check(storage));
    db = hpo__rdb_of(storage);
    if (db == NULL)
        return hpo__error_set(HPO_EUNSUPPORTED,
                "heartbeats need an SQLite or PostgreSQL storage, not '%s'", storage->url);
    if (max_retry < -1)
        return hpo__error_set(HPO_EINVAL, "max_retry must be >= -1, got %d", max_retry);
    return hpo__rdb_set_heartbeat(db, &cfg);
}

int hpo_storage_fail_stale_trials(hpo_storage *storage, const char *study_name, size_t *n_failed)
{
    hpo__rdb *db;
    int64_t id;
    size_t n = 0;
    int rc;
    if (n_failed != NULL)
        *n_failed = 0;
    HPO_TRY(hpo__storage_check(storage));
    db = hpo__rdb_of(storage);
    if (db == NULL)
        return hpo__error_set(HPO_EUNSUPPORTED,
                "heartbeats need an SQLite or PostgreSQL storage, not '%s'", storage->url);
    if (study_name == NULL)
        return hpo__error_set(HPO_EINVAL, "hpo_storage_fail_stale_trials: study_name is NULL");
    HPO_TRY(storage->ops->find_study(storage->be, study_name, &id));
    rc = hpo__rdb_fail_stale(db, id, &n);
    if (n_failed != NULL)
        *n_failed = n;
    return rc;
}
