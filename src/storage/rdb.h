/*
 * rdb.h - the relational storage backend (Optuna's RDB schema) and the thin
 * driver interface it runs on. rdb.c owns the schema and every SQL statement;
 * a driver (sqlite.c, postgres.c) only connects, prepares, binds, steps and
 * maps its errors onto hpo statuses:
 *   HPO_EBUSY    the transaction lost a lock race (SQLITE_BUSY, serialization
 *                failure, deadlock): rdb.c rolls back and retries it;
 *   HPO_EEXISTS  a UNIQUE constraint was violated;
 *   HPO_ESTORAGE anything else (the message names the database and the cause).
 * SQL text uses '?' placeholders; the PostgreSQL driver renumbers them $1..$n.
 */
#ifndef HPO_STORAGE_RDB_H
#define HPO_STORAGE_RDB_H

#include <stdbool.h>
#include <stdint.h>

#include "hpo/hpo.h"
#include "storage/storage.h"

typedef struct hpo__rdb_conn hpo__rdb_conn; /* one driver connection */
typedef struct hpo__rdb_stmt hpo__rdb_stmt; /* one prepared statement on a connection */

#define HPO__RDB_DONE 0 /* step: no (more) rows */
#define HPO__RDB_ROW  1 /* step: a row is available */

typedef struct hpo__rdb_driver {
    const char *scheme; /* "sqlite", "postgresql" */
    bool postgres;      /* SQL dialect switch for the few statements that differ */
    /* Open a connection to target (a file path or a libpq URL). */
    int (*connect)(const char *target, hpo__rdb_conn **out);
    void (*disconnect)(hpo__rdb_conn *c);
    /* Run parameterless SQL (DDL, BEGIN/COMMIT); may hold several statements. */
    int (*exec)(hpo__rdb_conn *c, const char *sql);
    /*
     * Optional round-trip savers (NULL: rdb.c runs the plain way). exec_later
     * runs BEGIN / ROLLBACK / a read-only COMMIT without waiting for the answer;
     * send starts a statement whose result a later step reads; defer runs a
     * statement whose outcome matters only to the whole transaction (a failure
     * fails the next step that depends on it, or the COMMIT).
     */
    int (*exec_later)(hpo__rdb_conn *c, const char *sql);
    int (*send)(hpo__rdb_stmt *s);
    int (*defer)(hpo__rdb_stmt *s);
    /* Whether the connection is lost for good (optional). */
    bool (*broken)(hpo__rdb_conn *c);
    int (*prepare)(hpo__rdb_conn *c, const char *sql, hpo__rdb_stmt **out);
    void (*finalize)(hpo__rdb_stmt *s);
    /* Bind parameter i (1-based); text is copied or used before reset. */
    int (*bind_null)(hpo__rdb_stmt *s, int i);
    int (*bind_i64)(hpo__rdb_stmt *s, int i, int64_t v);
    int (*bind_f64)(hpo__rdb_stmt *s, int i, double v);
    int (*bind_text)(hpo__rdb_stmt *s, int i, const char *v);
    /* HPO__RDB_ROW, HPO__RDB_DONE or a failure status. */
    int (*step)(hpo__rdb_stmt *s);
    /* Forget results and bindings so the statement can run again. */
    void (*reset)(hpo__rdb_stmt *s);
    bool (*column_null)(hpo__rdb_stmt *s, int col);
    int64_t (*column_i64)(hpo__rdb_stmt *s, int col);
    double (*column_f64)(hpo__rdb_stmt *s, int col);
    /* Borrowed until the next step/reset; "" for NULL. */
    const char *(*column_text)(hpo__rdb_stmt *s, int col);
    /* Rows changed by the last INSERT/UPDATE/DELETE that ran to DONE. */
    int64_t (*changes)(hpo__rdb_stmt *s);
} hpo__rdb_driver;

extern const hpo__rdb_driver hpo__sqlite_driver;
extern const hpo__rdb_driver hpo__postgres_driver;

/* Heartbeat settings of an RDB storage (see hpo_storage_set_heartbeat). */
typedef struct hpo__rdb_heartbeat_cfg {
    double interval; /* seconds; 0 = heartbeats off */
    double grace;    /* seconds a heartbeat may age before the trial counts as stale */
    bool retry;      /* re-enqueue a failed stale trial as WAITING */
    int64_t max_retry; /* -1: unlimited */
} hpo__rdb_heartbeat_cfg;

/**
 * Open an RDB storage through driver on target (file path or libpq URL); url is
 * kept for messages and hpo_storage_url-like uses. Creates the schema in an
 * empty database, checks the alembic revision of an existing one.
 * Errors: HPO_ESTORAGE (cannot connect/read), HPO_ESCHEMA (unknown revision).
 */
int hpo__rdb_open(const hpo__rdb_driver *driver, const char *target, const char *url,
        hpo_storage **out);
/** Bring a v3.0.0.d database to v3.2.0.a (no-op at v3.2.0.a). */
int hpo__rdb_upgrade(const hpo__rdb_driver *driver, const char *target);

/* Heartbeats (heartbeat.c on top of rdb.c). */
typedef struct hpo__rdb hpo__rdb;
/** Record (insert or refresh) the heartbeat of trial_id now, in database time. */
int hpo__rdb_record_heartbeat(hpo__rdb *db, int64_t trial_id);
/** Refresh the heartbeats of n trials in one transaction. */
int hpo__rdb_record_heartbeats(hpo__rdb *db, const int64_t *ids, size_t n);
/** Ids of the study's RUNNING trials whose heartbeat is older than grace seconds. */
int hpo__rdb_stale_trials(hpo__rdb *db, int64_t study_id, double grace, int64_t **ids_out,
        size_t *n_out);
/**
 * Fail the study's stale RUNNING trials (heartbeat older than the grace period)
 * and, when the storage's config asks, re-enqueue each as a WAITING copy with
 * Optuna's failed_trial / retry_history system attributes. HPO_ESTATE when
 * heartbeats are off.
 */
int hpo__rdb_fail_stale(hpo__rdb *db, int64_t study_id, size_t *n_failed);
/** Apply a heartbeat config: starts or stops the heartbeat thread. */
int hpo__rdb_set_heartbeat(hpo__rdb *db, const hpo__rdb_heartbeat_cfg *cfg);
/** The backend of an RDB storage, or NULL when s is another kind of storage. */
hpo__rdb *hpo__rdb_of(hpo_storage *s);

/* heartbeat.c */
typedef struct hpo__heartbeat hpo__heartbeat;
/** Start the heartbeat thread of an RDB storage (interval > 0). */
int hpo__heartbeat_start(hpo__rdb *db, double interval, hpo__heartbeat **out);
/** Stop the thread and free it. NULL is a no-op. */
void hpo__heartbeat_stop(hpo__heartbeat *hb);
/** Start (true) or stop (false) beating for trial_id; the first beat is recorded at once. */
int hpo__heartbeat_watch(hpo__heartbeat *hb, int64_t trial_id, bool on);

#endif
