/*
 * rdb.c - the relational storage backend on Optuna's schema (alembic revision
 * v3.2.0.a, also reading and writing v3.0.0.d). This file owns the DDL, the
 * version checks and every SQL statement; statements are constant text with
 * '?' parameters, prepared once per connection and bound, never built from user
 * data. Drivers (sqlite.c, postgres.c) run them.
 *
 * Each storage operation is one transaction run by run_txn(), which retries it
 * (bounded, with backoff) when the driver reports a lost lock race (HPO_EBUSY),
 * so lock contention never reaches the user. Connections come from a small pool
 * (one per concurrently working thread), never one per trial.
 *
 * Encodings follow Optuna exactly: enum names as text, +-inf/NaN as NULL plus a
 * type column, datetimes 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC, categorical values
 * as the choice index, distributions as Optuna's JSON, attributes as JSON text.
 */
#include "storage/rdb.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/distribution.h"
#include "core/error.h"
#include "core/json.h"
#include "core/rng.h"
#include "storage/live.h"

#define HEAD_REVISION   "v3.2.0.a"
#define LEGACY_REVISION "v3.0.0.d"
#define SCHEMA_VERSION  12
#define MAX_POOL        16
#define MAX_RETRIES     50
#define MAX_KEY_BYTES   2048 /* VARCHAR(512) characters, up to 4 bytes each */

/* ==== statements ========================================================== */

enum {
    ST_STUDY_INSERT,
    ST_DIR_INSERT,
    ST_STUDY_BY_NAME,
    ST_STUDY_EXISTS,
    ST_STUDY_LOCK,
    ST_STUDIES,
    ST_ALL_DIRS,
    ST_DIRS,
    ST_DEL_PARAMS,
    ST_DEL_VALUES,
    ST_DEL_IVALUES,
    ST_DEL_TUATTRS,
    ST_DEL_TSATTRS,
    ST_DEL_HEARTBEATS,
    ST_DEL_TRIALS,
    ST_DEL_DIRS,
    ST_DEL_SUATTRS,
    ST_DEL_SSATTRS,
    ST_DEL_STUDY,
    ST_SUATTR_SET,
    ST_SSATTR_SET,
    ST_SUATTR_GET,
    ST_SSATTR_GET,
    ST_TRIAL_INSERT,
    ST_PARAM_INSERT,
    ST_PARAM_INSERT_IF,
    ST_FIRST_DIST,
    ST_VALUES_DELETE,
    ST_VALUE_INSERT,
    ST_VALUES_DELETE_IF,
    ST_VALUE_INSERT_IF,
    ST_IV_INSERT,
    ST_TUATTR_SET,
    ST_TSATTR_SET,
    ST_IV_INSERT_IF,
    ST_TUATTR_SET_IF,
    ST_TSATTR_SET_IF,
    ST_TRIAL_STATE,
    ST_SET_STATE,
    ST_SET_START,
    ST_SET_COMPLETE,
    ST_POP,
    ST_START,
    ST_COUNT_STARTED,
    ST_FIND_TRIAL,
    ST_L_TRIALS_AFTER,
    ST_L_TRIALS_ALL,
    ST_L_TRIAL_IDS,
    ST_L_PARAMS_AFTER,
    ST_L_PARAMS_ALL,
    ST_L_PARAMS_IDS,
    ST_L_VALUES_AFTER,
    ST_L_VALUES_ALL,
    ST_L_VALUES_IDS,
    ST_L_IVALUES_AFTER,
    ST_L_IVALUES_ALL,
    ST_L_IVALUES_IDS,
    ST_L_UATTRS_AFTER,
    ST_L_UATTRS_ALL,
    ST_L_UATTRS_IDS,
    ST_L_SATTRS_AFTER,
    ST_L_SATTRS_ALL,
    ST_L_SATTRS_IDS,
    ST_HB_UPSERT,
    ST_VERIFY_TRIAL,
    ST_VERIFY_PARAMS,
    ST_FORCE_XID,
    ST_STALE,
    ST_TABLE_EXISTS,
    ST_ALEMBIC,
    ST_VERSION_INFO,
    ST_ALEMBIC_INSERT,
    ST_ALEMBIC_SET,
    ST_VERSION_INSERT,
    ST_VERSION_LIB,
    ST__COUNT
};

/* Guards that make a trial write a no-op once the trial is finished: on PostgreSQL
 * the write can then go out with the state check and the COMMIT in one round trip. */
#define IF_UNFINISHED " AND state IN ('RUNNING', 'WAITING')"
/* The trials past a watermark are found by the primary key ("+ 0" keeps the planner
 * off the study_id index, which it may think small for a young study and then
 * walk whole): the cost follows what was added since, not the study's size. */
#define SUB_TRIALS_AFTER "(SELECT trial_id FROM trials WHERE study_id + 0 = ? AND trial_id > ?)"
#define SUB_TRIALS_ALL   " WHERE trial_id IN (SELECT trial_id FROM trials WHERE study_id = ?)"
#define SUB_STUDY_TRIALS "(SELECT trial_id FROM trials WHERE study_id = ?)"
#define TRIAL_COLS                                                                         \
    "SELECT trial_id, number, state, datetime_start, datetime_complete, study_id FROM trials"
#define PARAM_COLS       "SELECT trial_id, param_name, param_value, distribution_json FROM trial_params"
#define VALUE_COLS       "SELECT trial_id, objective, value, value_type FROM trial_values"
#define IVALUE_COLS                                                                        \
    "SELECT trial_id, step, intermediate_value, intermediate_value_type FROM "             \
    "trial_intermediate_values"
#define UATTR_COLS "SELECT trial_id, \"key\", value_json FROM trial_user_attributes"
#define SATTR_COLS "SELECT trial_id, \"key\", value_json FROM trial_system_attributes"
/* Child rows of the trials after a watermark: the trial_id range uses each table's index. */
#define AFTER " WHERE trial_id > ? AND trial_id IN " SUB_TRIALS_AFTER
/* Rows of a list of trials, bound as one parameter: '[1,2]' (SQLite), '{1,2}' (PostgreSQL). */
#define IDS    " WHERE trial_id IN (SELECT value FROM json_each(?))"
#define IDS_PG " WHERE trial_id = ANY(CAST(? AS bigint[]))"

static const char *const sql_common[ST__COUNT] = {
    [ST_STUDY_INSERT] = "INSERT INTO studies (study_name) VALUES (?) RETURNING study_id",
    [ST_DIR_INSERT] = "INSERT INTO study_directions (direction, study_id, objective) "
                      "VALUES (?, ?, ?)",
    [ST_STUDY_BY_NAME] = "SELECT study_id FROM studies WHERE study_name = ?",
    [ST_STUDY_EXISTS] = "SELECT study_id FROM studies WHERE study_id = ?",
    [ST_STUDY_LOCK] = "SELECT study_id FROM studies WHERE study_id = ?",
    [ST_STUDIES] = "SELECT study_id, study_name FROM studies ORDER BY study_id",
    [ST_ALL_DIRS] = "SELECT study_id, direction FROM study_directions "
                    "ORDER BY study_id, objective",
    [ST_DIRS] = "SELECT direction FROM study_directions WHERE study_id = ? ORDER BY objective",
    [ST_DEL_PARAMS] = "DELETE FROM trial_params WHERE trial_id IN " SUB_STUDY_TRIALS,
    [ST_DEL_VALUES] = "DELETE FROM trial_values WHERE trial_id IN " SUB_STUDY_TRIALS,
    [ST_DEL_IVALUES] = "DELETE FROM trial_intermediate_values WHERE trial_id IN " SUB_STUDY_TRIALS,
    [ST_DEL_TUATTRS] = "DELETE FROM trial_user_attributes WHERE trial_id IN " SUB_STUDY_TRIALS,
    [ST_DEL_TSATTRS] = "DELETE FROM trial_system_attributes WHERE trial_id IN " SUB_STUDY_TRIALS,
    [ST_DEL_HEARTBEATS] = "DELETE FROM trial_heartbeats WHERE trial_id IN " SUB_STUDY_TRIALS,
    [ST_DEL_TRIALS] = "DELETE FROM trials WHERE study_id = ?",
    [ST_DEL_DIRS] = "DELETE FROM study_directions WHERE study_id = ?",
    [ST_DEL_SUATTRS] = "DELETE FROM study_user_attributes WHERE study_id = ?",
    [ST_DEL_SSATTRS] = "DELETE FROM study_system_attributes WHERE study_id = ?",
    [ST_DEL_STUDY] = "DELETE FROM studies WHERE study_id = ?",
    [ST_SUATTR_SET] = "INSERT INTO study_user_attributes (study_id, \"key\", value_json) "
                      "VALUES (?, ?, ?) ON CONFLICT (study_id, \"key\") "
                      "DO UPDATE SET value_json = excluded.value_json",
    [ST_SSATTR_SET] = "INSERT INTO study_system_attributes (study_id, \"key\", value_json) "
                      "VALUES (?, ?, ?) ON CONFLICT (study_id, \"key\") "
                      "DO UPDATE SET value_json = excluded.value_json",
    [ST_SUATTR_GET] = "SELECT \"key\", value_json FROM study_user_attributes "
                      "WHERE study_id = ? ORDER BY study_user_attribute_id",
    [ST_SSATTR_GET] = "SELECT \"key\", value_json FROM study_system_attributes "
                      "WHERE study_id = ? ORDER BY study_system_attribute_id",
    /* Numbers are dense and ordered like ids inside a study, so the newest
     * trial's number + 1 is the count, found through the study_id index; a
     * newest row without a number (a foreign writer mid-way) falls back to the
     * count, as Optuna does. Run under the study lock, so numbers are unique. */
    [ST_TRIAL_INSERT] = "INSERT INTO trials (number, study_id, state, datetime_start, "
                        "datetime_complete) VALUES (COALESCE((SELECT number FROM trials "
                        "WHERE study_id = ? ORDER BY trial_id DESC LIMIT 1) + 1, "
                        "(SELECT COUNT(*) FROM trials WHERE study_id = ?)), ?, ?, ?, ?) "
                        "RETURNING trial_id, number",
    [ST_PARAM_INSERT] = "INSERT INTO trial_params (trial_id, param_name, param_value, "
                        "distribution_json) VALUES (?, ?, ?, ?)",
    [ST_FIRST_DIST] = "SELECT p.distribution_json FROM trial_params p JOIN trials t "
                      "ON t.trial_id = p.trial_id WHERE t.study_id = ? AND p.param_name = ? "
                      "ORDER BY p.param_id LIMIT 1",
    [ST_VALUES_DELETE] = "DELETE FROM trial_values WHERE trial_id = ?",
    [ST_VALUES_DELETE_IF] = "DELETE FROM trial_values WHERE trial_id = ? AND EXISTS "
                            "(SELECT 1 FROM trials WHERE trial_id = ?" IF_UNFINISHED ")",
    [ST_VALUE_INSERT_IF] = "INSERT INTO trial_values (trial_id, objective, value, value_type) "
                           "SELECT ?, ?, ?, ? WHERE EXISTS "
                           "(SELECT 1 FROM trials WHERE trial_id = ?" IF_UNFINISHED ")",
    [ST_PARAM_INSERT_IF] = "INSERT INTO trial_params (trial_id, param_name, param_value, "
                           "distribution_json) SELECT ?, ?, ?, ? WHERE EXISTS "
                           "(SELECT 1 FROM trials WHERE trial_id = ?" IF_UNFINISHED ")",
    [ST_IV_INSERT_IF] = "INSERT INTO trial_intermediate_values (trial_id, step, "
                        "intermediate_value, intermediate_value_type) SELECT ?, ?, ?, ? "
                        "WHERE EXISTS (SELECT 1 FROM trials WHERE trial_id = ?" IF_UNFINISHED ")",
    [ST_TUATTR_SET_IF] = "INSERT INTO trial_user_attributes (trial_id, \"key\", value_json) "
                         "SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM trials WHERE trial_id = ?"
                         IF_UNFINISHED ") ON CONFLICT (trial_id, \"key\") "
                         "DO UPDATE SET value_json = excluded.value_json",
    [ST_TSATTR_SET_IF] = "INSERT INTO trial_system_attributes (trial_id, \"key\", value_json) "
                         "SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM trials WHERE trial_id = ?"
                         IF_UNFINISHED ") ON CONFLICT (trial_id, \"key\") "
                         "DO UPDATE SET value_json = excluded.value_json",
    [ST_VALUE_INSERT] = "INSERT INTO trial_values (trial_id, objective, value, value_type) "
                        "VALUES (?, ?, ?, ?)",
    [ST_IV_INSERT] = "INSERT INTO trial_intermediate_values (trial_id, step, intermediate_value, "
                     "intermediate_value_type) VALUES (?, ?, ?, ?)",
    [ST_TUATTR_SET] = "INSERT INTO trial_user_attributes (trial_id, \"key\", value_json) "
                      "VALUES (?, ?, ?) ON CONFLICT (trial_id, \"key\") "
                      "DO UPDATE SET value_json = excluded.value_json",
    [ST_TSATTR_SET] = "INSERT INTO trial_system_attributes (trial_id, \"key\", value_json) "
                      "VALUES (?, ?, ?) ON CONFLICT (trial_id, \"key\") "
                      "DO UPDATE SET value_json = excluded.value_json",
    [ST_TRIAL_STATE] = "SELECT state, study_id, number FROM trials WHERE trial_id = ?",
    [ST_SET_STATE] = "UPDATE trials SET state = ? WHERE trial_id = ?" IF_UNFINISHED,
    [ST_SET_START] = "UPDATE trials SET state = ?, datetime_start = ? WHERE trial_id = ? "
                     "AND state = 'WAITING'",
    [ST_SET_COMPLETE] = "UPDATE trials SET state = ?, datetime_complete = ? WHERE trial_id = ?"
                        IF_UNFINISHED,
    /* Started trials (all but WAITING): the newest number + 1 (numbers are dense)
     * minus the waiting ones, both found by index. */
    [ST_COUNT_STARTED] = "SELECT COALESCE((SELECT number FROM trials WHERE study_id = ? "
                         "ORDER BY trial_id DESC LIMIT 1) + 1, (SELECT COUNT(*) FROM trials "
                         "WHERE study_id = ?)) - (SELECT COUNT(*) FROM trials WHERE "
                         "study_id = ? AND state = 'WAITING')",
    /* One statement: the oldest WAITING trial becomes RUNNING (or nothing happens). */
    [ST_POP] = "UPDATE trials SET state = 'RUNNING', datetime_start = ? WHERE state = 'WAITING' "
               "AND trial_id = (SELECT trial_id FROM trials WHERE study_id = ? AND "
               "state = 'WAITING' ORDER BY trial_id LIMIT 1) RETURNING trial_id, number",
    [ST_FIND_TRIAL] = "SELECT trial_id FROM trials WHERE study_id = ? AND number = ? "
                      "ORDER BY trial_id LIMIT 1",
    [ST_L_TRIALS_AFTER] = TRIAL_COLS " WHERE study_id + 0 = ? AND trial_id > ? ORDER BY trial_id",
    [ST_L_TRIALS_ALL] = TRIAL_COLS " WHERE study_id = ? ORDER BY trial_id",
    [ST_L_PARAMS_ALL] = PARAM_COLS SUB_TRIALS_ALL " ORDER BY param_id",
    [ST_L_VALUES_ALL] = VALUE_COLS SUB_TRIALS_ALL,
    [ST_L_IVALUES_ALL] = IVALUE_COLS SUB_TRIALS_ALL " ORDER BY trial_id, step",
    [ST_L_UATTRS_ALL] = UATTR_COLS SUB_TRIALS_ALL " ORDER BY trial_user_attribute_id",
    [ST_L_SATTRS_ALL] = SATTR_COLS SUB_TRIALS_ALL " ORDER BY trial_system_attribute_id",
    [ST_L_TRIAL_IDS] = TRIAL_COLS IDS " ORDER BY trial_id",
    [ST_L_PARAMS_AFTER] = PARAM_COLS AFTER " ORDER BY param_id",
    [ST_L_PARAMS_IDS] = PARAM_COLS IDS " ORDER BY param_id",
    [ST_L_VALUES_AFTER] = VALUE_COLS AFTER,
    [ST_L_VALUES_IDS] = VALUE_COLS IDS,
    [ST_L_IVALUES_AFTER] = IVALUE_COLS AFTER " ORDER BY trial_id, step",
    [ST_L_IVALUES_IDS] = IVALUE_COLS IDS " ORDER BY trial_id, step",
    [ST_L_UATTRS_AFTER] = UATTR_COLS AFTER " ORDER BY trial_user_attribute_id",
    [ST_L_UATTRS_IDS] = UATTR_COLS IDS " ORDER BY trial_user_attribute_id",
    [ST_L_SATTRS_AFTER] = SATTR_COLS AFTER " ORDER BY trial_system_attribute_id",
    [ST_L_SATTRS_IDS] = SATTR_COLS IDS " ORDER BY trial_system_attribute_id",
    [ST_VERIFY_TRIAL] = "SELECT number, datetime_start, study_id FROM trials WHERE trial_id = ?",
    [ST_VERIFY_PARAMS] = "SELECT param_name FROM trial_params WHERE trial_id = ?",
    [ST_FORCE_XID] = "SELECT 1",
    /* SQLite's CURRENT_TIMESTAMP is UTC; %f has milliseconds, padded to 6 digits. */
    [ST_HB_UPSERT] = "INSERT INTO trial_heartbeats (trial_id, heartbeat) "
                     "VALUES (?, strftime('%Y-%m-%d %H:%M:%f000', 'now')) "
                     "ON CONFLICT (trial_id) DO UPDATE SET heartbeat = excluded.heartbeat",
    [ST_STALE] = "SELECT t.trial_id FROM trials t JOIN trial_heartbeats h "
                 "ON h.trial_id = t.trial_id WHERE t.study_id = ? AND t.state = 'RUNNING' "
                 "AND (julianday('now') - julianday(h.heartbeat)) * 86400.0 > ? "
                 "ORDER BY t.trial_id",
    [ST_TABLE_EXISTS] = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
    [ST_ALEMBIC] = "SELECT version_num FROM alembic_version",
    [ST_VERSION_INFO] = "SELECT schema_version FROM version_info WHERE version_info_id = 1",
    [ST_ALEMBIC_INSERT] = "INSERT INTO alembic_version (version_num) VALUES (?)",
    [ST_ALEMBIC_SET] = "UPDATE alembic_version SET version_num = ?",
    [ST_VERSION_INSERT] = "INSERT INTO version_info (version_info_id, schema_version, "
                          "library_version) VALUES (1, 12, ?)",
    [ST_VERSION_LIB] = "UPDATE version_info SET library_version = ? WHERE version_info_id = 1",
};

/* PostgreSQL variants: row locks, database time, the catalogue, and types for
 * parameters in a SELECT list (they are not inferred from the target column). */
static const char *const sql_pg[ST__COUNT] = {
    [ST_VALUE_INSERT_IF] = "INSERT INTO trial_values (trial_id, objective, value, value_type) "
                           "SELECT CAST(? AS integer), CAST(? AS integer), "
                           "CAST(? AS double precision), CAST(? AS trialvaluetype) WHERE EXISTS "
                           "(SELECT 1 FROM trials WHERE trial_id = ?" IF_UNFINISHED ")",
    [ST_PARAM_INSERT_IF] = "INSERT INTO trial_params (trial_id, param_name, param_value, "
                           "distribution_json) SELECT CAST(? AS integer), CAST(? AS varchar), "
                           "CAST(? AS double precision), CAST(? AS text) WHERE EXISTS "
                           "(SELECT 1 FROM trials WHERE trial_id = ?" IF_UNFINISHED
                           " FOR SHARE)", /* waits for, then sees, a concurrent finish */
    [ST_IV_INSERT_IF] = "INSERT INTO trial_intermediate_values (trial_id, step, "
                        "intermediate_value, intermediate_value_type) SELECT CAST(? AS integer), "
                        "CAST(? AS integer), CAST(? AS double precision), "
                        "CAST(? AS trialintermediatevaluetype) WHERE EXISTS (SELECT 1 FROM "
                        "trials WHERE trial_id = ?" IF_UNFINISHED " FOR SHARE)",
    [ST_TUATTR_SET_IF] = "INSERT INTO trial_user_attributes (trial_id, \"key\", value_json) "
                         "SELECT CAST(? AS integer), CAST(? AS varchar), CAST(? AS text) "
                         "WHERE EXISTS (SELECT 1 FROM trials WHERE trial_id = ?" IF_UNFINISHED
                         " FOR SHARE) ON CONFLICT (trial_id, \"key\") "
                         "DO UPDATE SET value_json = excluded.value_json",
    [ST_TSATTR_SET_IF] = "INSERT INTO trial_system_attributes (trial_id, \"key\", value_json) "
                         "SELECT CAST(? AS integer), CAST(? AS varchar), CAST(? AS text) "
                         "WHERE EXISTS (SELECT 1 FROM trials WHERE trial_id = ?" IF_UNFINISHED
                         " FOR SHARE) ON CONFLICT (trial_id, \"key\") "
                         "DO UPDATE SET value_json = excluded.value_json",
    [ST_STUDY_LOCK] = "SELECT study_id FROM studies WHERE study_id = ? FOR UPDATE",
    [ST_TRIAL_STATE] = "SELECT state, study_id, number FROM trials WHERE trial_id = ? FOR UPDATE",
    /* Pop the oldest WAITING trial, else (same statement, under the study lock)
     * create a RUNNING one: an ask in one round trip. */
    [ST_START] = "WITH popped AS (UPDATE trials SET state = 'RUNNING', "
                 "datetime_start = CAST(? AS timestamp) WHERE state = 'WAITING' AND trial_id = "
                 "(SELECT trial_id FROM trials WHERE study_id = ? AND state = 'WAITING' "
                 "ORDER BY trial_id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING trial_id, number), "
                 "created AS (INSERT INTO trials (number, study_id, state, datetime_start, "
                 "datetime_complete) SELECT COALESCE((SELECT number FROM trials WHERE study_id = ? "
                 "ORDER BY trial_id DESC LIMIT 1) + 1, (SELECT COUNT(*) FROM trials WHERE "
                 "study_id = ?)), CAST(? AS integer), CAST('RUNNING' AS trialstate), "
                 "CAST(? AS timestamp), CAST(NULL AS timestamp) WHERE NOT EXISTS "
                 "(SELECT 1 FROM popped) RETURNING trial_id, number) "
                 "SELECT trial_id, number, 1 FROM popped UNION ALL "
                 "SELECT trial_id, number, 0 FROM created",
    /* SKIP LOCKED: concurrent workers take different trials instead of queueing. */
    [ST_POP] = "UPDATE trials SET state = 'RUNNING', datetime_start = ? WHERE state = 'WAITING' "
               "AND trial_id = (SELECT trial_id FROM trials WHERE study_id = ? AND "
               "state = 'WAITING' ORDER BY trial_id LIMIT 1 FOR UPDATE SKIP LOCKED) "
               "RETURNING trial_id, number",
    /* A transaction id makes its synchronous COMMIT flush the WAL (flush_async). */
    [ST_FORCE_XID] = "SELECT txid_current()",
    [ST_HB_UPSERT] = "INSERT INTO trial_heartbeats (trial_id, heartbeat) "
                     "VALUES (?, LOCALTIMESTAMP) "
                     "ON CONFLICT (trial_id) DO UPDATE SET heartbeat = excluded.heartbeat",
    [ST_STALE] = "SELECT t.trial_id FROM trials t JOIN trial_heartbeats h "
                 "ON h.trial_id = t.trial_id WHERE t.study_id = ? AND t.state = 'RUNNING' "
                 "AND h.heartbeat < LOCALTIMESTAMP - make_interval(secs => ?) "
                 "ORDER BY t.trial_id",
    [ST_L_TRIAL_IDS] = TRIAL_COLS IDS_PG " ORDER BY trial_id",
    [ST_L_PARAMS_IDS] = PARAM_COLS IDS_PG " ORDER BY param_id",
    [ST_L_VALUES_IDS] = VALUE_COLS IDS_PG,
    [ST_L_IVALUES_IDS] = IVALUE_COLS IDS_PG " ORDER BY trial_id, step",
    [ST_L_UATTRS_IDS] = UATTR_COLS IDS_PG " ORDER BY trial_user_attribute_id",
    [ST_L_SATTRS_IDS] = SATTR_COLS IDS_PG " ORDER BY trial_system_attribute_id",
    [ST_TABLE_EXISTS] = "SELECT COUNT(*) FROM information_schema.tables "
                        "WHERE table_schema = current_schema() AND table_name = ?",
};

/* ==== schema ============================================================== */

/* Optuna's create_all on SQLite (reference/optuna.md 1.3), plus one index of ours
 * on (study_id, state) so popping a WAITING trial does not scan the history. */
static const char ddl_sqlite[] =
        "CREATE TABLE studies (study_id INTEGER NOT NULL, study_name VARCHAR(512) NOT NULL, "
        "PRIMARY KEY (study_id));"
        "CREATE UNIQUE INDEX ix_studies_study_name ON studies (study_name);"
        "CREATE TABLE version_info (version_info_id INTEGER NOT NULL, schema_version INTEGER, "
        "library_version VARCHAR(256), PRIMARY KEY (version_info_id), "
        "CHECK (version_info_id=1));"
        "CREATE TABLE study_directions (study_direction_id INTEGER NOT NULL, "
        "direction VARCHAR(8) NOT NULL, study_id INTEGER NOT NULL, objective INTEGER NOT NULL, "
        "PRIMARY KEY (study_direction_id), UNIQUE (study_id, objective), "
        "FOREIGN KEY(study_id) REFERENCES studies (study_id));"
        "CREATE TABLE study_user_attributes (study_user_attribute_id INTEGER NOT NULL, "
        "study_id INTEGER, \"key\" VARCHAR(512), value_json TEXT, "
        "PRIMARY KEY (study_user_attribute_id), UNIQUE (study_id, \"key\"), "
        "FOREIGN KEY(study_id) REFERENCES studies (study_id));"
        "CREATE TABLE study_system_attributes (study_system_attribute_id INTEGER NOT NULL, "
        "study_id INTEGER, \"key\" VARCHAR(512), value_json TEXT, "
        "PRIMARY KEY (study_system_attribute_id), UNIQUE (study_id, \"key\"), "
        "FOREIGN KEY(study_id) REFERENCES studies (study_id));"
        "CREATE TABLE trials (trial_id INTEGER NOT NULL, number INTEGER, study_id INTEGER, "
        "state VARCHAR(8) NOT NULL, datetime_start DATETIME, datetime_complete DATETIME, "
        "PRIMARY KEY (trial_id), FOREIGN KEY(study_id) REFERENCES studies (study_id));"
        "CREATE INDEX ix_trials_study_id ON trials (study_id);"
        "CREATE INDEX ix_hpo_trials_study_state ON trials (study_id, state);"
        "CREATE TABLE trial_user_attributes (trial_user_attribute_id INTEGER NOT NULL, "
        "trial_id INTEGER, \"key\" VARCHAR(512), value_json TEXT, "
        "PRIMARY KEY (trial_user_attribute_id), UNIQUE (trial_id, \"key\"), "
        "FOREIGN KEY(trial_id) REFERENCES trials (trial_id));"
        "CREATE TABLE trial_system_attributes (trial_system_attribute_id INTEGER NOT NULL, "
        "trial_id INTEGER, \"key\" VARCHAR(512), value_json TEXT, "
        "PRIMARY KEY (trial_system_attribute_id), UNIQUE (trial_id, \"key\"), "
        "FOREIGN KEY(trial_id) REFERENCES trials (trial_id));"
        "CREATE TABLE trial_params (param_id INTEGER NOT NULL, trial_id INTEGER, "
        "param_name VARCHAR(512), param_value FLOAT, distribution_json TEXT, "
        "PRIMARY KEY (param_id), UNIQUE (trial_id, param_name), "
        "FOREIGN KEY(trial_id) REFERENCES trials (trial_id));"
        "CREATE TABLE trial_values (trial_value_id INTEGER NOT NULL, trial_id INTEGER NOT NULL, "
        "objective INTEGER NOT NULL, value FLOAT, value_type VARCHAR(7) NOT NULL, "
        "PRIMARY KEY (trial_value_id), UNIQUE (trial_id, objective), "
        "FOREIGN KEY(trial_id) REFERENCES trials (trial_id));"
        "CREATE TABLE trial_intermediate_values (trial_intermediate_value_id INTEGER NOT NULL, "
        "trial_id INTEGER NOT NULL, step INTEGER NOT NULL, intermediate_value FLOAT, "
        "intermediate_value_type VARCHAR(7) NOT NULL, "
        "PRIMARY KEY (trial_intermediate_value_id), UNIQUE (trial_id, step), "
        "FOREIGN KEY(trial_id) REFERENCES trials (trial_id));"
        "CREATE TABLE trial_heartbeats (trial_heartbeat_id INTEGER NOT NULL, "
        "trial_id INTEGER NOT NULL, heartbeat DATETIME DEFAULT (CURRENT_TIMESTAMP) NOT NULL, "
        "PRIMARY KEY (trial_heartbeat_id), UNIQUE (trial_id), "
        "FOREIGN KEY(trial_id) REFERENCES trials (trial_id));"
        "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
        "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));";

/* The same on PostgreSQL: native ENUM types with Optuna's names, SERIAL keys. */
static const char ddl_pg[] =
        "CREATE TYPE studydirection AS ENUM ('NOT_SET', 'MINIMIZE', 'MAXIMIZE');"
        "CREATE TYPE trialstate AS ENUM ('RUNNING', 'COMPLETE', 'PRUNED', 'FAIL', 'WAITING');"
        "CREATE TYPE trialvaluetype AS ENUM ('FINITE', 'INF_POS', 'INF_NEG');"
        "CREATE TYPE trialintermediatevaluetype AS ENUM ('FINITE', 'INF_POS', 'INF_NEG', 'NAN');"
        "CREATE TABLE studies (study_id SERIAL NOT NULL, study_name VARCHAR(512) NOT NULL, "
        "PRIMARY KEY (study_id));"
        "CREATE UNIQUE INDEX ix_studies_study_name ON studies (study_name);"
        "CREATE TABLE version_info (version_info_id INTEGER NOT NULL, schema_version INTEGER, "
        "library_version VARCHAR(256), PRIMARY KEY (version_info_id), "
        "CHECK (version_info_id=1));"
        "CREATE TABLE study_directions (study_direction_id SERIAL NOT NULL, "
        "direction studydirection NOT NULL, study_id INTEGER NOT NULL, "
        "objective INTEGER NOT NULL, PRIMARY KEY (study_direction_id), "
        "UNIQUE (study_id, objective), FOREIGN KEY(study_id) REFERENCES studies (study_id));"
        "CREATE TABLE study_user_attributes (study_user_attribute_id SERIAL NOT NULL, "
        "study_id INTEGER, \"key\" VARCHAR(512), value_json TEXT, "
        "PRIMARY KEY (study_user_attribute_id), UNIQUE (study_id, \"key\"), "
        "FOREIGN KEY(study_id) REFERENCES studies (study_id));"
        "CREATE TABLE study_system_attributes (study_system_attribute_id SERIAL NOT NULL, "
        "study_id INTEGER, \"key\" VARCHAR(512), value_json TEXT, "
        "PRIMARY KEY (study_system_attribute_id), UNIQUE (study_id, \"key\"), "
        "FOREIGN KEY(study_id) REFERENCES studies (study_id));"
        "CREATE TABLE trials (trial_id SERIAL NOT NULL, number INTEGER, study_id INTEGER, "
        "state trialstate NOT NULL, datetime_start TIMESTAMP WITHOUT TIME ZONE, "
        "datetime_complete TIMESTAMP WITHOUT TIME ZONE, PRIMARY KEY (trial_id), "
        "FOREIGN KEY(study_id) REFERENCES studies (study_id));"
        "CREATE INDEX ix_trials_study_id ON trials (study_id);"
        "CREATE INDEX ix_hpo_trials_study_state ON trials (study_id, state);"
        /* A study's newest trial and its trials past a watermark, whatever other
         * studies share the table (SQLite's study_id index has this order built in). */
        "CREATE INDEX ix_hpo_trials_study_trial ON trials (study_id, trial_id);"
        "CREATE TABLE trial_user_attributes (trial_user_attribute_id SERIAL NOT NULL, "
        "trial_id INTEGER, \"key\" VARCHAR(512), value_json TEXT, "
        "PRIMARY KEY (trial_user_attribute_id), UNIQUE (trial_id, \"key\"), "
        "FOREIGN KEY(trial_id) REFERENCES trials (trial_id));"
        "CREATE TABLE trial_system_attributes (trial_system_attribute_id SERIAL NOT NULL, "
        "trial_id INTEGER, \"key\" VARCHAR(512), value_json TEXT, "
        "PRIMARY KEY (trial_system_attribute_id), UNIQUE (trial_id, \"key\"), "
        "FOREIGN KEY(trial_id) REFERENCES trials (trial_id));"
        "CREATE TABLE trial_params (param_id SERIAL NOT NULL, trial_id INTEGER, "
        "param_name VARCHAR(512), param_value DOUBLE PRECISION, distribution_json TEXT, "
        "PRIMARY KEY (param_id), UNIQUE (trial_id, param_name), "
        "FOREIGN KEY(trial_id) REFERENCES trials (trial_id));"
        "CREATE TABLE trial_values (trial_value_id SERIAL NOT NULL, trial_id INTEGER NOT NULL, "
        "objective INTEGER NOT NULL, value DOUBLE PRECISION, value_type trialvaluetype NOT NULL, "
        "PRIMARY KEY (trial_value_id), UNIQUE (trial_id, objective), "
        "FOREIGN KEY(trial_id) REFERENCES trials (trial_id));"
        "CREATE TABLE trial_intermediate_values (trial_intermediate_value_id SERIAL NOT NULL, "
        "trial_id INTEGER NOT NULL, step INTEGER NOT NULL, "
        "intermediate_value DOUBLE PRECISION, "
        "intermediate_value_type trialintermediatevaluetype NOT NULL, "
        "PRIMARY KEY (trial_intermediate_value_id), UNIQUE (trial_id, step), "
        "FOREIGN KEY(trial_id) REFERENCES trials (trial_id));"
        "CREATE TABLE trial_heartbeats (trial_heartbeat_id SERIAL NOT NULL, "
        "trial_id INTEGER NOT NULL, "
        "heartbeat TIMESTAMP WITHOUT TIME ZONE DEFAULT CURRENT_TIMESTAMP NOT NULL, "
        "PRIMARY KEY (trial_heartbeat_id), UNIQUE (trial_id), "
        "FOREIGN KEY(trial_id) REFERENCES trials (trial_id));"
        "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
        "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));";

/* ==== the backend ========================================================= */

typedef struct rconn {
    hpo__rdb_conn *raw;
    hpo__rdb_stmt *stmts[ST__COUNT];
    hpo_rng rng;    /* retry jitter */
    bool committed; /* the transaction body committed early (commit_early) */
} rconn;

typedef struct first_dist {
    int64_t study_id;
    char *name;
    hpo_distribution *dist;
} first_dist;

struct hpo__rdb {
    const hpo__rdb_driver *drv;
    char *target;
    pthread_mutex_t mu; /* pool, first-distribution cache, stale-check clock */
    pthread_cond_t cv;
    rconn *idle[MAX_POOL];
    size_t n_idle;
    size_t n_open;
    first_dist *dists;
    size_t n_dists;
    hpo__rdb_heartbeat_cfg hb;
    hpo__heartbeat *beat;
    double last_stale_check;
    /* Asynchronous commits (see live.h), all under mu: */
    hpo__live_set live;        /* trials this handle started and runs */
    unsigned long losses;      /* connections found broken so far */
    uint64_t async_done;       /* asynchronous commits made */
    uint64_t async_flushed;    /* of those, the ones a later synchronous commit flushed */
};

/* The study of a live trial (the write can then skip reading it). */
static bool live_study(hpo__rdb *db, int64_t trial_id, int64_t *study_id)
{
    hpo__live_trial *t;
    pthread_mutex_lock(&db->mu);
    t = hpo__live_find(&db->live, trial_id);
    if (t != NULL)
        *study_id = t->study_id;
    pthread_mutex_unlock(&db->mu);
    return t != NULL;
}

static void live_start(hpo__rdb *db, int64_t id, int64_t study_id, int64_t number, double start)
{
    pthread_mutex_lock(&db->mu);
    /* Out of memory only costs the shortcut: the trial's writes then wait for the disk. */
    if (hpo__live_add(&db->live, id, study_id, number, start, db->losses) != HPO_OK)
        hpo_clear_error();
    pthread_mutex_unlock(&db->mu);
}

static void live_end(hpo__rdb *db, int64_t id)
{
    pthread_mutex_lock(&db->mu);
    hpo__live_remove(&db->live, id);
    pthread_mutex_unlock(&db->mu);
}

static void live_param(hpo__rdb *db, int64_t id, const char *name)
{
    hpo__live_trial *t;
    pthread_mutex_lock(&db->mu);
    t = hpo__live_find(&db->live, id);
    if (t != NULL && hpo__live_add_name(t, name) != HPO_OK)
        hpo_clear_error(); /* unlikely; the name then goes unchecked after a crash */
    pthread_mutex_unlock(&db->mu);
}

static int bad_conn(hpo__rdb *db, const char *what)
{
    return hpo__error_set(HPO_ESTORAGE, "%s: %s", db->drv->scheme, what);
}

static void rconn_close(hpo__rdb *db, rconn *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < ST__COUNT; i++)
        if (c->stmts[i] != NULL)
            db->drv->finalize(c->stmts[i]);
    db->drv->disconnect(c->raw);
    hpo__free(c);
}

static int rconn_open(hpo__rdb *db, rconn **out)
{
    rconn *c = hpo__calloc(1, sizeof(*c));
    int rc;
    *out = NULL;
    if (c == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory opening a database connection");
    if ((rc = db->drv->connect(db->target, &c->raw)) != HPO_OK) {
        hpo__free(c);
        return rc;
    }
    hpo__rng_seed(&c->rng, (uint64_t)(hpo__monotonic() * 1e9) ^ (uint64_t)(uintptr_t)c);
    *out = c;
    return HPO_OK;
}

/* Take a pooled connection, opening one when none is idle and the pool has room. */
static int acquire(hpo__rdb *db, rconn **out)
{
    int rc = HPO_OK;
    pthread_mutex_lock(&db->mu);
    while (db->n_idle == 0 && db->n_open >= MAX_POOL)
        pthread_cond_wait(&db->cv, &db->mu);
    if (db->n_idle > 0) {
        *out = db->idle[--db->n_idle];
        pthread_mutex_unlock(&db->mu);
        return HPO_OK;
    }
    db->n_open++;
    pthread_mutex_unlock(&db->mu);
    rc = rconn_open(db, out);
    if (rc != HPO_OK) {
        pthread_mutex_lock(&db->mu);
        db->n_open--;
        pthread_cond_signal(&db->cv);
        pthread_mutex_unlock(&db->mu);
    }
    return rc;
}

/* Return a connection; a broken one is closed instead. */
static void release(hpo__rdb *db, rconn *c, bool broken)
{
    pthread_mutex_lock(&db->mu);
    if (broken) {
        db->losses++;
        db->n_open--;
        pthread_mutex_unlock(&db->mu);
        rconn_close(db, c);
        pthread_mutex_lock(&db->mu);
    } else {
        db->idle[db->n_idle++] = c;
    }
    pthread_cond_signal(&db->cv);
    pthread_mutex_unlock(&db->mu);
}

/* The prepared statement k on connection c, reset and ready to bind. */
static int stmt(hpo__rdb *db, rconn *c, int k, hpo__rdb_stmt **out)
{
    if (c->stmts[k] == NULL) {
        const char *sql = db->drv->postgres && sql_pg[k] != NULL ? sql_pg[k] : sql_common[k];
        HPO_TRY(db->drv->prepare(c->raw, sql, &c->stmts[k]));
    } else {
        db->drv->reset(c->stmts[k]);
    }
    *out = c->stmts[k];
    return HPO_OK;
}

/* Transaction control that need not wait for the server's answer (see rdb.h). */
static int exec_later(hpo__rdb *db, rconn *c, const char *sql)
{
    return db->drv->exec_later ? db->drv->exec_later(c->raw, sql) : db->drv->exec(c->raw, sql);
}

static int run_done(hpo__rdb *db, hpo__rdb_stmt *s);

/* Run a statement whose outcome matters only to the transaction as a whole. */
static int run_later(hpo__rdb *db, hpo__rdb_stmt *s)
{
    return db->drv->defer ? db->drv->defer(s) : run_done(db, s);
}

/* Start a statement now so its result rides along with the next one read. */
static int send_early(hpo__rdb *db, hpo__rdb_stmt *s)
{
    return db->drv->send ? db->drv->send(s) : HPO_OK;
}

/* Whether statements can be sent ahead of reading answers (see rdb.h). */
static bool pipelined(const hpo__rdb *db)
{
    return db->drv->send != NULL;
}

/*
 * With a pipelining driver, commit now: the answers still unread (a state
 * check) arrive with the commit in one round trip, and run_txn skips its own
 * COMMIT. The writes before it must be guarded so that they change nothing when
 * the check then fails. Without a pipeline this does nothing: the check is read
 * inside the transaction and a failure rolls the writes back.
 */
static int commit_early(hpo__rdb *db, rconn *c)
{
    if (!pipelined(db))
        return HPO_OK;
    HPO_TRY(db->drv->exec(c->raw, "COMMIT"));
    c->committed = true;
    return HPO_OK;
}

typedef int (*txn_fn)(hpo__rdb *db, rconn *c, void *arg);

/*
 * run_txn modes: a read; a write, durable when run_txn returns; an asynchronous
 * write (PostgreSQL), visible at once and durable with the handle's next
 * synchronous commit (at the latest hpo_storage_close) or the server's WAL
 * writer, lost only in a server crash (see live.h); a body of one statement that
 * is its own transaction (no BEGIN/COMMIT).
 */
#define TXN_READ   0
#define TXN_WRITE  1
#define TXN_ASYNC  2
#define TXN_SINGLE 3

/*
 * Run fn in one transaction; on a lost lock race roll back, wait a little and
 * run it again (fn must be safe to repeat: it reports results only through arg
 * and resets them at its start).
 */
/* Count an asynchronous commit, or the ones a synchronous commit flushed. */
static void note_commit(hpo__rdb *db, int mode, uint64_t async_before)
{
    pthread_mutex_lock(&db->mu);
    if (mode == TXN_ASYNC)
        db->async_done++;
    else if (mode == TXN_WRITE && async_before > db->async_flushed)
        db->async_flushed = async_before; /* WAL is flushed in order */
    pthread_mutex_unlock(&db->mu);
}

static int run_txn(hpo__rdb *db, int mode, txn_fn fn, void *arg)
{
    bool write = mode != TXN_READ, single = mode == TXN_SINGLE;
    bool async = mode == TXN_ASYNC && db->drv->postgres;
    uint64_t async_before;
    const char *begin = db->drv->postgres
                                ? (write ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ")
                                : (write ? "BEGIN IMMEDIATE" : "BEGIN");
    rconn *c;
    int rc;
    bool broken = false;
    HPO_TRY(acquire(db, &c));
    pthread_mutex_lock(&db->mu);
    async_before = db->async_done;
    pthread_mutex_unlock(&db->mu);
    for (int attempt = 0;; attempt++) {
        c->committed = single; /* one statement commits itself */
        rc = single ? HPO_OK : exec_later(db, c, begin);
        if (rc == HPO_OK && async)
            rc = exec_later(db, c, "SET LOCAL synchronous_commit TO off");
        /* Writes look rows up by key: a custom plan per execution only costs
         * planning time (measured: a third of a trial's). Reads keep the
         * default, their watermark ranges vary too much. */
        if (rc == HPO_OK && write && !single && db->drv->postgres)
            rc = exec_later(db, c, "SET LOCAL plan_cache_mode TO force_generic_plan");
        if (rc == HPO_OK)
            rc = fn(db, c, arg);
        /* A write must be durable before we return; a read has nothing to lose. */
        if (rc == HPO_OK && !c->committed)
            rc = write ? db->drv->exec(c->raw, "COMMIT") : exec_later(db, c, "COMMIT");
        if (rc == HPO_OK)
            break;
        {
            char saved[512];
            snprintf(saved, sizeof(saved), "%s", hpo_last_error());
            if (!c->committed && exec_later(db, c, "ROLLBACK") != HPO_OK && rc == HPO_ESTORAGE)
                broken = true;
            if (db->drv->broken != NULL && db->drv->broken(c->raw))
                broken = true;
            hpo__error_set(rc, "%s", saved);
        }
        if (rc != HPO_EBUSY || attempt >= MAX_RETRIES || broken)
            break;
        {
            /* Randomised, growing backoff so competing workers do not collide again. */
            double cap = 1e-4 * (double)(1 << (attempt < 8 ? attempt : 8));
            double wait = cap * (0.5 + hpo__rng_uniform(&c->rng));
            struct timespec ts = {(time_t)wait, (long)((wait - floor(wait)) * 1e9)};
            nanosleep(&ts, NULL);
        }
    }
    if (rc == HPO_EBUSY)
        rc = hpo__error_wrap(HPO_EBUSY, "database still locked after %d retries", MAX_RETRIES);
    release(db, c, broken);
    if (rc == HPO_OK)
        note_commit(db, mode, async_before);
    return rc;
}

/* ==== encodings =========================================================== */

static const char *const state_names[] = {"RUNNING", "COMPLETE", "PRUNED", "FAIL", "WAITING"};

static int parse_state(const char *s, hpo_trial_state *out)
{
    for (int i = 0; i < 5; i++) {
        if (strcmp(s, state_names[i]) == 0) {
            *out = (hpo_trial_state)i;
            return HPO_OK;
        }
    }
    return hpo__error_set(HPO_ESTORAGE, "unknown trial state '%.40s' in the database", s);
}

static int parse_direction(const char *s, hpo_direction *out)
{
    if (strcmp(s, "MINIMIZE") == 0)
        *out = HPO_MINIMIZE;
    else if (strcmp(s, "MAXIMIZE") == 0)
        *out = HPO_MAXIMIZE;
    else if (strcmp(s, "NOT_SET") == 0)
        *out = HPO_NOT_SET;
    else
        return hpo__error_set(HPO_ESTORAGE, "unknown study direction '%.40s' in the database", s);
    return HPO_OK;
}

/* 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC; NaN means unset. */
static void format_time(double t, char out[40])
{
    double fl = floor(t);
    time_t sec = (time_t)fl;
    int us = (int)lround((t - fl) * 1e6);
    struct tm tm;
    if (us >= 1000000) {
        sec++;
        us -= 1000000;
    }
    gmtime_r(&sec, &tm);
    snprintf(out, 40, "%04d-%02d-%02d %02d:%02d:%02d.%06d", (tm.tm_year + 1900) % 10000,
            (tm.tm_mon + 1) % 100, tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100,
            tm.tm_sec % 100, us % 1000000);
}

/* Accepts any number of fraction digits (PostgreSQL drops trailing zeros). */
static double parse_time(const char *s)
{
    struct tm tm = {0};
    int n = 0;
    double frac = 0, scale = 0.1;
    if (sscanf(s, "%d-%d-%d%*c%d:%d:%d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                &tm.tm_min, &tm.tm_sec, &n) != 6)
        return NAN;
    if (s[n] == '.') {
        for (const char *p = s + n + 1; *p >= '0' && *p <= '9'; p++, scale /= 10)
            frac += (*p - '0') * scale;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (double)timegm(&tm) + frac;
}

/* t as it reads back once stored (microseconds), so a caller's copy equals a reload. */
static double stored_time(double t)
{
    char text[40];
    if (isnan(t))
        return t;
    format_time(t, text);
    return parse_time(text);
}

static double stored_now(void)
{
    return stored_time(hpo__now());
}

static int bind_time(hpo__rdb *db, hpo__rdb_stmt *s, int i, double t)
{
    char buf[40];
    if (isnan(t))
        return db->drv->bind_null(s, i);
    format_time(t, buf);
    return db->drv->bind_text(s, i, buf);
}

static double column_time(hpo__rdb *db, hpo__rdb_stmt *s, int col)
{
    return db->drv->column_null(s, col) ? (double)NAN : parse_time(db->drv->column_text(s, col));
}

/* Optuna's trial_values / trial_intermediate_values encoding. */
static const char *value_type(double v)
{
    if (isnan(v))
        return "NAN";
    if (isinf(v))
        return v > 0 ? "INF_POS" : "INF_NEG";
    return "FINITE";
}

static int bind_value(hpo__rdb *db, hpo__rdb_stmt *s, int i, double v)
{
    return isfinite(v) ? db->drv->bind_f64(s, i, v) : db->drv->bind_null(s, i);
}

static double column_value(hpo__rdb *db, hpo__rdb_stmt *s, int vcol, int tcol)
{
    const char *t = db->drv->column_text(s, tcol);
    if (strcmp(t, "INF_POS") == 0)
        return INFINITY;
    if (strcmp(t, "INF_NEG") == 0)
        return -INFINITY;
    if (strcmp(t, "NAN") == 0 || db->drv->column_null(s, vcol))
        return NAN;
    return db->drv->column_f64(s, vcol);
}

/* Run a statement that returns no rows (or whose rows are ignored). */
static int run_done(hpo__rdb *db, hpo__rdb_stmt *s)
{
    int rc;
    while ((rc = db->drv->step(s)) == HPO__RDB_ROW)
        ;
    return rc;
}

/* Run a statement for its first column's integer in the first row; found false if no row. */
static int run_i64(hpo__rdb *db, hpo__rdb_stmt *s, int64_t *out, bool *found)
{
    int rc = db->drv->step(s);
    *found = false;
    if (rc == HPO__RDB_ROW) {
        *found = !db->drv->column_null(s, 0);
        *out = *found ? db->drv->column_i64(s, 0) : 0;
        rc = run_done(db, s);
    }
    return rc;
}

/* Names and JSON must be valid UTF-8 (PostgreSQL refuses anything else). */
static int check_text(const char *what, const char *s, size_t max)
{
    size_t bad;
    if (s == NULL)
        return hpo__error_set(HPO_EINVAL, "%s is NULL", what);
    if (max > 0 && strnlen(s, max + 1) > max)
        return hpo__error_set(HPO_EINVAL, "%s '%.40s...' is too long for the database", what, s);
    bad = hpo__utf8_invalid_at(s);
    if (bad != (size_t)-1)
        return hpo__error_set(HPO_EINVAL, "%s is not valid UTF-8 (byte %zu)", what, bad);
    return HPO_OK;
}

/* ==== studies ============================================================= */

typedef struct study_args {
    const char *name;
    const hpo_direction *dirs;
    size_t n_dirs;
    int64_t id;
    bool system;
    const char *key;
    const char *json;
    hpo__attrs *attrs;
    hpo_direction *out_dirs;
    size_t n_out_dirs;
    hpo__study_info *infos;
    size_t n_infos;
} study_args;

static int study_exists(hpo__rdb *db, rconn *c, int k, int64_t study_id)
{
    hpo__rdb_stmt *s;
    int64_t got;
    bool found;
    HPO_TRY(stmt(db, c, k, &s));
    HPO_TRY(db->drv->bind_i64(s, 1, study_id));
    HPO_TRY(run_i64(db, s, &got, &found));
    if (!found)
        return hpo__error_set(HPO_ENOTFOUND, "no study with id %lld", (long long)study_id);
    return HPO_OK;
}

static int create_study_body(hpo__rdb *db, rconn *c, void *arg)
{
    study_args *a = arg;
    hpo__rdb_stmt *s;
    int64_t id;
    bool found;
    HPO_TRY(stmt(db, c, ST_STUDY_BY_NAME, &s));
    HPO_TRY(db->drv->bind_text(s, 1, a->name));
    HPO_TRY(run_i64(db, s, &id, &found));
    if (found)
        return hpo__error_set(HPO_EEXISTS, "a study named '%.200s' already exists", a->name);
    HPO_TRY(stmt(db, c, ST_STUDY_INSERT, &s));
    HPO_TRY(db->drv->bind_text(s, 1, a->name));
    HPO_TRY(run_i64(db, s, &a->id, &found));
    if (!found)
        return bad_conn(db, "inserting a study returned no id");
    for (size_t i = 0; i < a->n_dirs; i++) {
        HPO_TRY(stmt(db, c, ST_DIR_INSERT, &s));
        HPO_TRY(db->drv->bind_text(s, 1, hpo_direction_name(a->dirs[i])));
        HPO_TRY(db->drv->bind_i64(s, 2, a->id));
        HPO_TRY(db->drv->bind_i64(s, 3, (int64_t)i));
        HPO_TRY(run_done(db, s));
    }
    return HPO_OK;
}

static int rdb_create_study(void *be, const char *name, const hpo_direction *dirs, size_t n_dirs,
        int64_t *id_out)
{
    study_args a = {.name = name, .dirs = dirs, .n_dirs = n_dirs};
    int rc;
    HPO_TRY(check_text("study name", name, MAX_KEY_BYTES));
    for (size_t i = 0; i < n_dirs; i++)
        if (dirs[i] != HPO_MINIMIZE && dirs[i] != HPO_MAXIMIZE && dirs[i] != HPO_NOT_SET)
            return hpo__error_set(HPO_EINVAL, "direction %d is not a direction", (int)dirs[i]);
    rc = run_txn(be, TXN_WRITE, create_study_body, &a);
    if (rc == HPO_EEXISTS)
        return hpo__error_set(HPO_EEXISTS, "a study named '%.200s' already exists", name);
    if (rc == HPO_OK)
        *id_out = a.id;
    return rc;
}

static int delete_study_body(hpo__rdb *db, rconn *c, void *arg)
{
    study_args *a = arg;
    hpo__rdb_stmt *s;
    /* Children first: Optuna deletes in Python, so the schema has no cascades. */
    static const int order[] = {ST_DEL_PARAMS, ST_DEL_VALUES, ST_DEL_IVALUES, ST_DEL_TUATTRS,
            ST_DEL_TSATTRS, ST_DEL_HEARTBEATS, ST_DEL_TRIALS, ST_DEL_DIRS, ST_DEL_SUATTRS,
            ST_DEL_SSATTRS, ST_DEL_STUDY};
    HPO_TRY(study_exists(db, c, ST_STUDY_LOCK, a->id));
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        HPO_TRY(stmt(db, c, order[i], &s));
        HPO_TRY(db->drv->bind_i64(s, 1, a->id));
        HPO_TRY(run_done(db, s));
    }
    return HPO_OK;
}

static int rdb_delete_study(void *be, int64_t study_id)
{
    hpo__rdb *db = be;
    study_args a = {.id = study_id};
    int rc = run_txn(db, TXN_WRITE, delete_study_body, &a);
    if (rc == HPO_OK) {
        /* Its ids may be reused by SQLite: forget its cached distributions. */
        pthread_mutex_lock(&db->mu);
        for (size_t i = 0; i < db->n_dists;) {
            if (db->dists[i].study_id == study_id) {
                hpo__free(db->dists[i].name);
                hpo_distribution_free(db->dists[i].dist);
                db->dists[i] = db->dists[--db->n_dists];
            } else {
                i++;
            }
        }
        pthread_mutex_unlock(&db->mu);
    }
    return rc;
}

static int find_study_body(hpo__rdb *db, rconn *c, void *arg)
{
    study_args *a = arg;
    hpo__rdb_stmt *s;
    bool found;
    HPO_TRY(stmt(db, c, ST_STUDY_BY_NAME, &s));
    HPO_TRY(db->drv->bind_text(s, 1, a->name));
    HPO_TRY(run_i64(db, s, &a->id, &found));
    if (!found)
        return hpo__error_set(HPO_ENOTFOUND, "no study named '%.200s'", a->name);
    return HPO_OK;
}

static int rdb_find_study(void *be, const char *name, int64_t *id_out)
{
    study_args a = {.name = name};
    int rc;
    HPO_TRY(check_text("study name", name, MAX_KEY_BYTES));
    rc = run_txn(be, TXN_READ, find_study_body, &a);
    if (rc == HPO_OK)
        *id_out = a.id;
    return rc;
}

static int push_dir(hpo_direction **dirs, size_t *n, hpo_direction d)
{
    hpo_direction *p = hpo__reallocarray(*dirs, *n + 1, sizeof(*p));
    if (p == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory reading study directions");
    p[(*n)++] = d;
    *dirs = p;
    return HPO_OK;
}

static int list_studies_fill(hpo__rdb *db, rconn *c, study_args *a)
{
    hpo__rdb_stmt *s;
    int rc;
    size_t cap = 0, j = 0;
    HPO_TRY(stmt(db, c, ST_STUDIES, &s));
    while ((rc = db->drv->step(s)) == HPO__RDB_ROW) {
        if (a->n_infos == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            hpo__study_info *p = hpo__reallocarray(a->infos, ncap + 1, sizeof(*p));
            if (p == NULL)
                return hpo__error_set(HPO_ENOMEM, "out of memory listing studies");
            memset(p + cap, 0, (ncap + 1 - cap) * sizeof(*p));
            a->infos = p;
            cap = ncap;
        }
        a->infos[a->n_infos].id = db->drv->column_i64(s, 0);
        a->infos[a->n_infos].name = hpo__strdup(db->drv->column_text(s, 1));
        if (a->infos[a->n_infos++].name == NULL)
            return hpo__error_set(HPO_ENOMEM, "out of memory listing studies");
    }
    if (rc != HPO__RDB_DONE)
        return rc;
    HPO_TRY(stmt(db, c, ST_ALL_DIRS, &s));
    while ((rc = db->drv->step(s)) == HPO__RDB_ROW) {
        int64_t sid = db->drv->column_i64(s, 0);
        hpo_direction d;
        HPO_TRY(parse_direction(db->drv->column_text(s, 1), &d));
        while (j < a->n_infos && a->infos[j].id < sid)
            j++;
        if (j < a->n_infos && a->infos[j].id == sid)
            HPO_TRY(push_dir(&a->infos[j].directions, &a->infos[j].n_directions, d));
    }
    return rc;
}

static int list_studies_body(hpo__rdb *db, rconn *c, void *arg)
{
    study_args *a = arg;
    int rc;
    hpo__study_infos_free(a->infos, a->n_infos);
    a->infos = NULL;
    a->n_infos = 0;
    rc = list_studies_fill(db, c, a);
    if (rc == HPO_OK && a->infos == NULL) {
        a->infos = hpo__calloc(1, sizeof(*a->infos));
        if (a->infos == NULL)
            rc = hpo__error_set(HPO_ENOMEM, "out of memory listing studies");
    }
    return rc;
}

static int rdb_list_studies(void *be, hpo__study_info **out, size_t *n_out)
{
    study_args a = {0};
    int rc = run_txn(be, TXN_READ, list_studies_body, &a);
    if (rc != HPO_OK) {
        hpo__study_infos_free(a.infos, a.n_infos);
        *out = NULL;
        *n_out = 0;
        return rc;
    }
    *out = a.infos;
    *n_out = a.n_infos;
    return HPO_OK;
}

static int directions_body(hpo__rdb *db, rconn *c, void *arg)
{
    study_args *a = arg;
    hpo__rdb_stmt *s;
    int rc;
    hpo__free(a->out_dirs);
    a->out_dirs = NULL;
    a->n_out_dirs = 0;
    HPO_TRY(stmt(db, c, ST_DIRS, &s));
    HPO_TRY(db->drv->bind_i64(s, 1, a->id));
    while ((rc = db->drv->step(s)) == HPO__RDB_ROW) {
        hpo_direction d;
        HPO_TRY(parse_direction(db->drv->column_text(s, 0), &d));
        HPO_TRY(push_dir(&a->out_dirs, &a->n_out_dirs, d));
    }
    if (rc == HPO__RDB_DONE && a->n_out_dirs == 0)
        return study_exists(db, c, ST_STUDY_EXISTS, a->id) == HPO_OK
                       ? hpo__error_set(HPO_ESTORAGE, "study %lld has no directions",
                                 (long long)a->id)
                       : HPO_ENOTFOUND;
    return rc;
}

static int rdb_get_study_directions(void *be, int64_t study_id, hpo_direction **out,
        size_t *n_out)
{
    study_args a = {.id = study_id};
    int rc = run_txn(be, TXN_READ, directions_body, &a);
    if (rc != HPO_OK) {
        hpo__free(a.out_dirs);
        return rc;
    }
    *out = a.out_dirs;
    *n_out = a.n_out_dirs;
    return HPO_OK;
}

static int set_study_attr_body(hpo__rdb *db, rconn *c, void *arg)
{
    study_args *a = arg;
    hpo__rdb_stmt *s;
    HPO_TRY(study_exists(db, c, ST_STUDY_EXISTS, a->id));
    HPO_TRY(stmt(db, c, a->system ? ST_SSATTR_SET : ST_SUATTR_SET, &s));
    HPO_TRY(db->drv->bind_i64(s, 1, a->id));
    HPO_TRY(db->drv->bind_text(s, 2, a->key));
    HPO_TRY(db->drv->bind_text(s, 3, a->json));
    return run_done(db, s);
}

static int rdb_set_study_attr(void *be, int64_t study_id, bool system, const char *key,
        const char *json)
{
    study_args a = {.id = study_id, .system = system, .key = key, .json = json};
    HPO_TRY(check_text("attribute key", key, MAX_KEY_BYTES));
    HPO_TRY(check_text("attribute value", json, 0));
    return run_txn(be, TXN_WRITE, set_study_attr_body, &a);
}

static int read_attrs(hpo__rdb *db, hpo__rdb_stmt *s, hpo__attrs *out)
{
    int rc;
    while ((rc = db->drv->step(s)) == HPO__RDB_ROW)
        HPO_TRY(hpo__attrs_set(out, db->drv->column_text(s, 0), db->drv->column_text(s, 1)));
    return rc;
}

static int get_study_attrs_body(hpo__rdb *db, rconn *c, void *arg)
{
    study_args *a = arg;
    hpo__rdb_stmt *s;
    hpo__attrs_clear(a->attrs);
    HPO_TRY(study_exists(db, c, ST_STUDY_EXISTS, a->id));
    HPO_TRY(stmt(db, c, a->system ? ST_SSATTR_GET : ST_SUATTR_GET, &s));
    HPO_TRY(db->drv->bind_i64(s, 1, a->id));
    return read_attrs(db, s, a->attrs);
}

static int rdb_get_study_attrs(void *be, int64_t study_id, bool system, hpo__attrs *out)
{
    study_args a = {.id = study_id, .system = system, .attrs = out};
    return run_txn(be, TXN_READ, get_study_attrs_body, &a);
}

/* ==== trial writes ======================================================== */

/* The study's first distribution for name (Optuna's compatibility reference), cached. */
static int first_dist_of(hpo__rdb *db, rconn *c, int64_t study_id, const char *name,
        hpo_distribution **out)
{
    hpo__rdb_stmt *s;
    hpo_distribution *d = NULL;
    first_dist *p;
    int rc;
    *out = NULL;
    pthread_mutex_lock(&db->mu);
    for (size_t i = 0; i < db->n_dists; i++) {
        if (db->dists[i].study_id == study_id && strcmp(db->dists[i].name, name) == 0) {
            rc = hpo__dist_copy(db->dists[i].dist, out);
            pthread_mutex_unlock(&db->mu);
            return rc;
        }
    }
    pthread_mutex_unlock(&db->mu);
    HPO_TRY(stmt(db, c, ST_FIRST_DIST, &s));
    HPO_TRY(db->drv->bind_i64(s, 1, study_id));
    HPO_TRY(db->drv->bind_text(s, 2, name));
    rc = db->drv->step(s);
    if (rc != HPO__RDB_ROW)
        return rc;
    rc = hpo_distribution_from_json(&d, db->drv->column_text(s, 0));
    if (rc != HPO_OK)
        return hpo__error_wrap(HPO_ESTORAGE, "stored distribution of '%.200s'", name);
    HPO_TRY(run_done(db, s));
    /* Only rows read back from the database are cached: they cannot roll back. */
    pthread_mutex_lock(&db->mu);
    p = hpo__reallocarray(db->dists, db->n_dists + 1, sizeof(*p));
    if (p != NULL) {
        db->dists = p;
        p[db->n_dists].study_id = study_id;
        p[db->n_dists].name = hpo__strdup(name);
        if (p[db->n_dists].name != NULL &&
                hpo__dist_copy(d, &p[db->n_dists].dist) == HPO_OK)
            db->n_dists++;
        else
            hpo__free(p[db->n_dists].name);
    }
    pthread_mutex_unlock(&db->mu);
    *out = d;
    return HPO_OK;
}

/* guarded (non-NULL): the insert is a no-op on a finished trial and is only
 * started, its statement handed back to read; else its outcome is left to the commit. */
static int insert_param(hpo__rdb *db, rconn *c, int64_t study_id, int64_t trial_id,
        const char *name, double internal, const hpo_distribution *dist,
        hpo__rdb_stmt **guarded)
{
    hpo__rdb_stmt *s;
    hpo_distribution *old = NULL;
    hpo_buf b;
    int rc;
    HPO_TRY(first_dist_of(db, c, study_id, name, &old));
    if (old != NULL) {
        rc = hpo__dist_check_compatible(old, dist, name);
        hpo_distribution_free(old);
        HPO_TRY(rc);
    }
    hpo__buf_init(&b, 0);
    hpo__dist_put_json(&b, dist);
    if ((rc = hpo__buf_status(&b)) == HPO_OK &&
            (rc = stmt(db, c, guarded ? ST_PARAM_INSERT_IF : ST_PARAM_INSERT, &s)) == HPO_OK &&
            (rc = db->drv->bind_i64(s, 1, trial_id)) == HPO_OK &&
            (rc = db->drv->bind_text(s, 2, name)) == HPO_OK &&
            (rc = db->drv->bind_f64(s, 3, internal)) == HPO_OK &&
            (rc = db->drv->bind_text(s, 4, b.data)) == HPO_OK &&
            (!guarded || (rc = db->drv->bind_i64(s, 5, trial_id)) == HPO_OK)) {
        rc = guarded ? send_early(db, s) : run_later(db, s);
        if (guarded)
            *guarded = s;
    }
    hpo__buf_free(&b);
    if (rc == HPO_EEXISTS)
        rc = hpo__error_set(HPO_EEXISTS, "parameter '%.200s' is already set in this trial", name);
    return rc;
}

static int insert_values(hpo__rdb *db, rconn *c, int64_t trial_id, const double *v, size_t n,
        bool guarded)
{
    hpo__rdb_stmt *s;
    HPO_TRY(stmt(db, c, guarded ? ST_VALUES_DELETE_IF : ST_VALUES_DELETE, &s));
    HPO_TRY(db->drv->bind_i64(s, 1, trial_id));
    if (guarded)
        HPO_TRY(db->drv->bind_i64(s, 2, trial_id));
    HPO_TRY(run_later(db, s));
    for (size_t i = 0; i < n; i++) {
        if (isnan(v[i]))
            return hpo__error_set(HPO_EINVAL, "objective value %zu is NaN", i);
        HPO_TRY(stmt(db, c, guarded ? ST_VALUE_INSERT_IF : ST_VALUE_INSERT, &s));
        HPO_TRY(db->drv->bind_i64(s, 1, trial_id));
        HPO_TRY(db->drv->bind_i64(s, 2, (int64_t)i));
        HPO_TRY(bind_value(db, s, 3, v[i]));
        HPO_TRY(db->drv->bind_text(s, 4, value_type(v[i])));
        if (guarded)
            HPO_TRY(db->drv->bind_i64(s, 5, trial_id));
        HPO_TRY(run_later(db, s));
    }
    return HPO_OK;
}

/* Finish a trial write: guarded (non-NULL), start the guarded form s and hand it
 * back to be read after the commit; else leave its outcome to the commit. */
static int write_or_start(hpo__rdb *db, hpo__rdb_stmt *s, int guard_param, int64_t trial_id,
        hpo__rdb_stmt **guarded)
{
    if (guarded == NULL)
        return run_later(db, s);
    HPO_TRY(db->drv->bind_i64(s, guard_param, trial_id));
    *guarded = s;
    return send_early(db, s);
}

static int insert_ivalue(hpo__rdb *db, rconn *c, int64_t trial_id, int64_t step, double v,
        hpo__rdb_stmt **guarded)
{
    hpo__rdb_stmt *s;
    HPO_TRY(stmt(db, c, guarded ? ST_IV_INSERT_IF : ST_IV_INSERT, &s));
    HPO_TRY(db->drv->bind_i64(s, 1, trial_id));
    HPO_TRY(db->drv->bind_i64(s, 2, step));
    HPO_TRY(bind_value(db, s, 3, v));
    HPO_TRY(db->drv->bind_text(s, 4, value_type(v)));
    return write_or_start(db, s, 5, trial_id, guarded);
}

static int upsert_trial_attr(hpo__rdb *db, rconn *c, int64_t trial_id, bool system,
        const char *key, const char *json, hpo__rdb_stmt **guarded)
{
    hpo__rdb_stmt *s;
    int k = system ? (guarded ? ST_TSATTR_SET_IF : ST_TSATTR_SET)
                   : (guarded ? ST_TUATTR_SET_IF : ST_TUATTR_SET);
    HPO_TRY(stmt(db, c, k, &s));
    HPO_TRY(db->drv->bind_i64(s, 1, trial_id));
    HPO_TRY(db->drv->bind_text(s, 2, key));
    HPO_TRY(db->drv->bind_text(s, 3, json));
    return write_or_start(db, s, 4, trial_id, guarded);
}

typedef struct trial_args {
    int64_t study_id;
    int64_t trial_id;
    const hpo__record *tmpl;
    int64_t number;
    const char *name;
    double internal;
    const hpo_distribution *dist;
    hpo_trial_state state;
    const double *values;
    size_t n_values;
    int64_t step;
    double value;
    double start;
    int64_t max_started; /* start_trial: cap on started trials, -1 none */
    bool popped;
    bool system;
    const char *key;
    const char *json;
} trial_args;

static int write_template(hpo__rdb *db, rconn *c, int64_t study_id, int64_t id,
        const hpo__record *t)
{
    for (size_t i = 0; i < t->n_params; i++)
        HPO_TRY(insert_param(db, c, study_id, id, t->params[i].name, t->params[i].internal,
                t->params[i].dist, NULL));
    if (t->n_values > 0)
        HPO_TRY(insert_values(db, c, id, t->values, t->n_values, false));
    for (size_t i = 0; i < t->n_ivalues; i++)
        HPO_TRY(insert_ivalue(db, c, id, t->ivalues[i].step, t->ivalues[i].value, NULL));
    for (size_t i = 0; i < t->user_attrs.n; i++)
        HPO_TRY(upsert_trial_attr(db, c, id, false, t->user_attrs.items[i].key,
                t->user_attrs.items[i].json, NULL));
    for (size_t i = 0; i < t->system_attrs.n; i++)
        HPO_TRY(upsert_trial_attr(db, c, id, true, t->system_attrs.items[i].key,
                t->system_attrs.items[i].json, NULL));
    return HPO_OK;
}

/* Read the study lock's answer to the end (an unfinished SQLite read would pin its snapshot). */
static int locked_study(hpo__rdb *db, hpo__rdb_stmt *lock, int64_t study_id)
{
    int64_t got;
    bool found;
    HPO_TRY(run_i64(db, lock, &got, &found));
    if (!found)
        return hpo__error_set(HPO_ENOTFOUND, "no study with id %lld", (long long)study_id);
    return HPO_OK;
}

/* The insert of a new trial (a->tmpl, or a fresh RUNNING one), bound. */
static int trial_insert(hpo__rdb *db, rconn *c, const trial_args *a, hpo__rdb_stmt **out)
{
    const hpo__record *t = a->tmpl;
    hpo__rdb_stmt *s;
    HPO_TRY(stmt(db, c, ST_TRIAL_INSERT, &s));
    HPO_TRY(db->drv->bind_i64(s, 1, a->study_id));
    HPO_TRY(db->drv->bind_i64(s, 2, a->study_id));
    HPO_TRY(db->drv->bind_i64(s, 3, a->study_id));
    HPO_TRY(db->drv->bind_text(s, 4, state_names[t ? t->state : HPO_TRIAL_RUNNING]));
    HPO_TRY(bind_time(db, s, 5, a->start));
    HPO_TRY(bind_time(db, s, 6, t ? t->datetime_complete : (double)NAN));
    *out = s;
    return HPO_OK;
}

/* Read (trial_id, number[, popped]) of a statement that starts or creates a
 * trial; found false (if given) when it returned nothing. */
static int read_new_trial(hpo__rdb *db, hpo__rdb_stmt *s, trial_args *a, bool *found)
{
    int rc = db->drv->step(s);
    if (found != NULL)
        *found = rc == HPO__RDB_ROW;
    if (rc == HPO__RDB_DONE)
        return found != NULL ? HPO_OK : bad_conn(db, "inserting a trial returned no id");
    if (rc != HPO__RDB_ROW)
        return rc;
    a->trial_id = db->drv->column_i64(s, 0);
    a->number = db->drv->column_i64(s, 1);
    return run_done(db, s);
}

static int create_trial_body(hpo__rdb *db, rconn *c, void *arg)
{
    trial_args *a = arg;
    const hpo__record *t = a->tmpl;
    hpo__rdb_stmt *lock, *s;
    int rc;
    /* The study row lock (PostgreSQL) serialises creators, so numbers are dense;
     * lock and insert travel together and the lock's answer is read first. */
    HPO_TRY(stmt(db, c, ST_STUDY_LOCK, &lock));
    HPO_TRY(db->drv->bind_i64(lock, 1, a->study_id));
    HPO_TRY(send_early(db, lock));
    if (db->drv->send == NULL) /* no pipeline: check before inserting */
        HPO_TRY(locked_study(db, lock, a->study_id));
    HPO_TRY(trial_insert(db, c, a, &s));
    HPO_TRY(send_early(db, s));
    if (pipelined(db) && t == NULL) {
        /* Lock, insert and COMMIT in one round trip; a missing study fails the
         * insert on its foreign key, so the lock's answer explains the failure. */
        rc = commit_early(db, c);
        HPO_TRY(locked_study(db, lock, a->study_id));
        HPO_TRY(rc);
    } else if (pipelined(db)) {
        HPO_TRY(locked_study(db, lock, a->study_id));
    }
    HPO_TRY(read_new_trial(db, s, a, NULL));
    return t ? write_template(db, c, a->study_id, a->trial_id, t) : HPO_OK;
}

static int check_record_text(const hpo__record *t)
{
    if (t == NULL)
        return HPO_OK;
    if ((unsigned)t->state > HPO_TRIAL_WAITING)
        return hpo__error_set(HPO_EINVAL, "trial state %d is not a state", (int)t->state);
    for (size_t i = 0; i < t->n_params; i++)
        HPO_TRY(check_text("parameter name", t->params[i].name, MAX_KEY_BYTES));
    for (size_t i = 0; i < t->user_attrs.n; i++) {
        HPO_TRY(check_text("attribute key", t->user_attrs.items[i].key, MAX_KEY_BYTES));
        HPO_TRY(check_text("attribute value", t->user_attrs.items[i].json, 0));
    }
    for (size_t i = 0; i < t->system_attrs.n; i++) {
        HPO_TRY(check_text("attribute key", t->system_attrs.items[i].key, MAX_KEY_BYTES));
        HPO_TRY(check_text("attribute value", t->system_attrs.items[i].json, 0));
    }
    return HPO_OK;
}

static void fail_stale_throttled(hpo__rdb *db, int64_t study_id);

/* A live trial as the database has it now (verify_live). */
typedef struct verify_args {
    int64_t trial_id;
    bool found;
    int64_t number, study_id;
    double start;
    hpo__attrs names; /* used as a set */
} verify_args;

static int verify_body(hpo__rdb *db, rconn *c, void *arg)
{
    verify_args *v = arg;
    hpo__rdb_stmt *t, *p;
    int rc;
    v->found = false;
    hpo__attrs_clear(&v->names);
    HPO_TRY(stmt(db, c, ST_VERIFY_TRIAL, &t));
    HPO_TRY(db->drv->bind_i64(t, 1, v->trial_id));
    HPO_TRY(send_early(db, t));
    HPO_TRY(stmt(db, c, ST_VERIFY_PARAMS, &p));
    HPO_TRY(db->drv->bind_i64(p, 1, v->trial_id));
    HPO_TRY(send_early(db, p));
    rc = db->drv->step(t);
    if (rc == HPO__RDB_ROW) {
        v->found = true;
        v->number = db->drv->column_i64(t, 0);
        v->start = column_time(db, t, 1);
        v->study_id = db->drv->column_i64(t, 2);
        rc = run_done(db, t);
    }
    if (rc != HPO__RDB_DONE)
        return rc;
    while ((rc = db->drv->step(p)) == HPO__RDB_ROW)
        HPO_TRY(hpo__attrs_set(&v->names, db->drv->column_text(p, 0), "1"));
    return rc;
}

/* Whether what the database holds is what this handle wrote to live trial t. */
static bool live_intact(const hpo__live_trial *t, const verify_args *v)
{
    if (!v->found || v->number != t->number || v->study_id != t->study_id ||
            !(fabs(v->start - t->start) < 5e-7))
        return false;
    for (size_t i = 0; i < t->n_names; i++)
        if (hpo__attrs_get(&v->names, t->names[i]) == NULL)
            return false;
    return true;
}

/*
 * Before writing to a live trial after a connection of this handle broke:
 * a database server crash may have lost the trial's asynchronous writes, and
 * even handed its id and number to another trial. If the database no longer
 * holds what this handle wrote, refuse (the trial is abandoned, not finished
 * with a hole or over someone else's trial).
 */
static int verify_live(hpo__rdb *db, int64_t trial_id)
{
    verify_args v = {.trial_id = trial_id};
    hpo__live_trial *t;
    unsigned long losses;
    bool intact;
    int64_t number = -1;
    int rc;
    pthread_mutex_lock(&db->mu);
    t = hpo__live_find(&db->live, trial_id);
    losses = db->losses;
    intact = t == NULL || t->checked == losses;
    pthread_mutex_unlock(&db->mu);
    if (intact)
        return HPO_OK;
    rc = run_txn(db, TXN_READ, verify_body, &v);
    if (rc == HPO_OK) {
        pthread_mutex_lock(&db->mu);
        t = hpo__live_find(&db->live, trial_id);
        intact = t == NULL || live_intact(t, &v);
        if (t != NULL && intact)
            t->checked = losses;
        else if (t != NULL)
            number = t->number;
        pthread_mutex_unlock(&db->mu);
    }
    hpo__attrs_clear(&v.names);
    if (rc != HPO_OK)
        return rc;
    if (intact)
        return HPO_OK;
    live_end(db, trial_id);
    return hpo__error_set(HPO_ESTORAGE,
            "trial %lld was not saved completely: the database server restarted before its "
            "start or parameters reached the disk; the trial is abandoned",
            (long long)number);
}

static int rdb_create_trial(void *be, int64_t study_id, const hpo__record *tmpl, int64_t *id_out,
        int64_t *number_out, double *start_out)
{
    hpo__rdb *db = be;
    trial_args a = {.study_id = study_id, .tmpl = tmpl};
    int rc;
    a.start = tmpl ? stored_time(tmpl->datetime_start) : stored_now();
    HPO_TRY(check_record_text(tmpl));
    if (tmpl == NULL)
        fail_stale_throttled(db, study_id);
    /* A new trial for this handle to run need not wait for the disk (live.h);
     * a copied one (enqueue, add_trial) must. */
    rc = run_txn(db, tmpl == NULL ? TXN_ASYNC : TXN_WRITE, create_trial_body, &a);
    if (rc != HPO_OK)
        return rc;
    *id_out = a.trial_id;
    *number_out = a.number;
    if (start_out != NULL)
        *start_out = a.start;
    if (tmpl == NULL)
        live_start(db, a.trial_id, study_id, a.number, a.start);
    if (db->beat != NULL && (tmpl == NULL || tmpl->state == HPO_TRIAL_RUNNING))
        hpo__heartbeat_watch(db->beat, a.trial_id, true);
    return HPO_OK;
}

static int pop_body(hpo__rdb *db, rconn *c, void *arg)
{
    trial_args *a = arg;
    hpo__rdb_stmt *s;
    bool found;
    HPO_TRY(stmt(db, c, ST_POP, &s));
    HPO_TRY(bind_time(db, s, 1, a->start));
    HPO_TRY(db->drv->bind_i64(s, 2, a->study_id));
    HPO_TRY(send_early(db, s));
    HPO_TRY(commit_early(db, c));
    HPO_TRY(read_new_trial(db, s, a, &found));
    if (!found) /* also when the study is gone: creating a trial then says so */
        return hpo__error_set(HPO_ENOTFOUND, "no waiting trial in study id %lld",
                (long long)a->study_id);
    return HPO_OK;
}

/* Run a body that starts a trial (asynchronous commit, live.h), then track it. */
static int run_start(hpo__rdb *db, txn_fn body, trial_args *a)
{
    fail_stale_throttled(db, a->study_id);
    HPO_TRY(run_txn(db, TXN_ASYNC, body, a));
    live_start(db, a->trial_id, a->study_id, a->number, a->start);
    if (db->beat != NULL)
        hpo__heartbeat_watch(db->beat, a->trial_id, true);
    return HPO_OK;
}

static int rdb_pop_waiting_trial(void *be, int64_t study_id, int64_t *id_out)
{
    hpo__rdb *db = be;
    trial_args a = {.study_id = study_id, .start = stored_now()};
    HPO_TRY(run_start(db, pop_body, &a));
    *id_out = a.trial_id;
    return HPO_OK;
}

/* Under the study lock: HPO_ESTATE when the study has max_started started trials. */
static int check_cap(hpo__rdb *db, rconn *c, trial_args *a, hpo__rdb_stmt *lock)
{
    hpo__rdb_stmt *s;
    int64_t started = 0;
    bool found;
    HPO_TRY(stmt(db, c, ST_COUNT_STARTED, &s));
    for (int i = 1; i <= 3; i++)
        HPO_TRY(db->drv->bind_i64(s, i, a->study_id));
    HPO_TRY(send_early(db, s));
    HPO_TRY(locked_study(db, lock, a->study_id));
    HPO_TRY(run_i64(db, s, &started, &found));
    if (started >= a->max_started)
        return hpo__error_set(HPO_ESTATE, "the study already has %lld started trials",
                (long long)started);
    return HPO_OK;
}

/* PostgreSQL: pop-or-create is one statement; with the lock and the COMMIT it
 * is one round trip (two with a cap, whose count must be read first). */
static int start_pg(hpo__rdb *db, rconn *c, trial_args *a, hpo__rdb_stmt *lock, bool locked)
{
    hpo__rdb_stmt *s;
    int rc;
    HPO_TRY(stmt(db, c, ST_START, &s));
    HPO_TRY(bind_time(db, s, 1, a->start));
    for (int i = 2; i <= 5; i++)
        HPO_TRY(db->drv->bind_i64(s, i, a->study_id));
    HPO_TRY(bind_time(db, s, 6, a->start));
    HPO_TRY(send_early(db, s));
    rc = commit_early(db, c);
    if (!locked) /* a missing study fails the insert too: the lock says why */
        HPO_TRY(locked_study(db, lock, a->study_id));
    HPO_TRY(rc);
    rc = db->drv->step(s);
    if (rc == HPO__RDB_DONE)
        return bad_conn(db, "starting a trial returned no id");
    if (rc != HPO__RDB_ROW)
        return rc;
    a->trial_id = db->drv->column_i64(s, 0);
    a->number = db->drv->column_i64(s, 1);
    a->popped = db->drv->column_i64(s, 2) == 1;
    return run_done(db, s);
}

/* SQLite (the transaction holds the write lock): pop, else create. */
static int start_sqlite(hpo__rdb *db, rconn *c, trial_args *a)
{
    hpo__rdb_stmt *s;
    bool found;
    HPO_TRY(stmt(db, c, ST_POP, &s));
    HPO_TRY(bind_time(db, s, 1, a->start));
    HPO_TRY(db->drv->bind_i64(s, 2, a->study_id));
    HPO_TRY(read_new_trial(db, s, a, &found));
    a->popped = found;
    if (found)
        return HPO_OK;
    HPO_TRY(trial_insert(db, c, a, &s));
    return read_new_trial(db, s, a, NULL);
}

static int start_body(hpo__rdb *db, rconn *c, void *arg)
{
    trial_args *a = arg;
    hpo__rdb_stmt *lock;
    bool capped = a->max_started >= 0;
    HPO_TRY(stmt(db, c, ST_STUDY_LOCK, &lock));
    HPO_TRY(db->drv->bind_i64(lock, 1, a->study_id));
    HPO_TRY(send_early(db, lock));
    if (capped)
        HPO_TRY(check_cap(db, c, a, lock));
    if (db->drv->postgres)
        return start_pg(db, c, a, lock, capped);
    if (!capped)
        HPO_TRY(locked_study(db, lock, a->study_id));
    return start_sqlite(db, c, a);
}

static int rdb_start_trial(void *be, int64_t study_id, int64_t max_started, int64_t *id_out,
        int64_t *number_out, double *start_out, bool *popped_out)
{
    hpo__rdb *db = be;
    trial_args a = {.study_id = study_id, .start = stored_now(), .max_started = max_started};
    HPO_TRY(run_start(db, start_body, &a));
    *id_out = a.trial_id;
    *number_out = a.number;
    *start_out = a.start;
    *popped_out = a.popped;
    return HPO_OK;
}

/* Lock the trial row; its answer is read by writable_check (see commit_early). */
static int writable_send(hpo__rdb *db, rconn *c, int64_t trial_id, hpo__rdb_stmt **out)
{
    HPO_TRY(stmt(db, c, ST_TRIAL_STATE, out));
    HPO_TRY(db->drv->bind_i64(*out, 1, trial_id));
    return send_early(db, *out);
}

/* Fail with HPO_ESTATE when the trial is finished. */
static int writable_check(hpo__rdb *db, hpo__rdb_stmt *s, int64_t trial_id,
        hpo_trial_state *state, int64_t *study_id)
{
    int rc = db->drv->step(s);
    if (rc == HPO__RDB_DONE)
        return hpo__error_set(HPO_ENOTFOUND, "no trial with id %lld", (long long)trial_id);
    if (rc != HPO__RDB_ROW)
        return rc;
    HPO_TRY(parse_state(db->drv->column_text(s, 0), state));
    *study_id = db->drv->column_i64(s, 1);
    if (hpo__state_finished(*state))
        return hpo__error_set(HPO_ESTATE, "trial %lld is already finished (%s) and cannot change",
                (long long)db->drv->column_i64(s, 2), hpo_trial_state_name(*state));
    return run_done(db, s);
}

static int writable(hpo__rdb *db, rconn *c, int64_t trial_id, hpo_trial_state *state,
        int64_t *study_id)
{
    hpo__rdb_stmt *s;
    HPO_TRY(writable_send(db, c, trial_id, &s));
    return writable_check(db, s, trial_id, state, study_id);
}

/* The trial's study unknown here: read it with the state check, then insert. */
static int set_param_body(hpo__rdb *db, rconn *c, void *arg)
{
    trial_args *a = arg;
    hpo_trial_state st;
    HPO_TRY(writable(db, c, a->trial_id, &st, &a->study_id));
    return insert_param(db, c, a->study_id, a->trial_id, a->name, a->internal, a->dist, NULL);
}

/* One guarded insert and the commit in one round trip; nothing inserted means not writable. */
/*
 * A guarded write s (a no-op on a finished trial) and the commit in one round
 * trip; nothing written means the trial cannot change: say why. Without a
 * pipeline s runs inside the transaction, which a failure here rolls back.
 */
static int finish_guarded(hpo__rdb *db, rconn *c, hpo__rdb_stmt *s, int64_t trial_id)
{
    hpo_trial_state st;
    int64_t study_id;
    HPO_TRY(commit_early(db, c));
    HPO_TRY(run_done(db, s));
    if (db->drv->changes(s) >= 1)
        return HPO_OK;
    HPO_TRY(writable(db, c, trial_id, &st, &study_id)); /* says why */
    return hpo__error_set(HPO_ESTATE, "trial id %lld cannot change now", (long long)trial_id);
}

static int set_param_guarded(hpo__rdb *db, rconn *c, void *arg)
{
    trial_args *a = arg;
    hpo__rdb_stmt *ins = NULL;
    HPO_TRY(insert_param(db, c, a->study_id, a->trial_id, a->name, a->internal, a->dist, &ins));
    return finish_guarded(db, c, ins, a->trial_id);
}

static int rdb_set_trial_param(void *be, int64_t trial_id, const char *name, double internal,
        const hpo_distribution *dist)
{
    hpo__rdb *db = be;
    trial_args a = {.trial_id = trial_id, .name = name, .internal = internal, .dist = dist};
    int rc;
    HPO_TRY(check_text("parameter name", name, MAX_KEY_BYTES));
    if (isnan(internal))
        return hpo__error_set(HPO_EINVAL, "parameter '%.200s' has a NaN value", name);
    HPO_TRY(verify_live(db, trial_id));
    /* A trial this handle runs: its study is known (for the compatibility check)
     * and the write need not wait for the disk (live.h). */
    if (live_study(db, trial_id, &a.study_id)) {
        rc = run_txn(db, TXN_ASYNC, set_param_guarded, &a);
        if (rc == HPO_OK)
            live_param(db, trial_id, name);
    } else {
        rc = run_txn(db, TXN_WRITE, set_param_body, &a);
    }
    /* The insert may be reported at the commit, past insert_param's own wording. */
    if (rc == HPO_EEXISTS)
        rc = hpo__error_set(HPO_EEXISTS, "parameter '%.200s' is already set in this trial", name);
    return rc;
}

static int set_state_body(hpo__rdb *db, rconn *c, void *arg)
{
    trial_args *a = arg;
    hpo_trial_state old = HPO_TRIAL_WAITING;
    hpo__rdb_stmt *check, *s;
    HPO_TRY(writable_send(db, c, a->trial_id, &check));
    if (!pipelined(db))
        HPO_TRY(writable_check(db, check, a->trial_id, &old, &a->study_id));
    /* Every write below is guarded: a no-op on a finished trial, RUNNING only from WAITING. */
    if (a->n_values > 0)
        HPO_TRY(insert_values(db, c, a->trial_id, a->values, a->n_values, true));
    if (a->state == HPO_TRIAL_RUNNING || hpo__state_finished(a->state)) {
        HPO_TRY(stmt(db, c, a->state == HPO_TRIAL_RUNNING ? ST_SET_START : ST_SET_COMPLETE, &s));
        HPO_TRY(db->drv->bind_text(s, 1, state_names[a->state]));
        HPO_TRY(bind_time(db, s, 2, hpo__now()));
        HPO_TRY(db->drv->bind_i64(s, 3, a->trial_id));
    } else {
        HPO_TRY(stmt(db, c, ST_SET_STATE, &s));
        HPO_TRY(db->drv->bind_text(s, 1, state_names[a->state]));
        HPO_TRY(db->drv->bind_i64(s, 2, a->trial_id));
    }
    HPO_TRY(run_later(db, s));
    HPO_TRY(commit_early(db, c));
    if (pipelined(db))
        HPO_TRY(writable_check(db, check, a->trial_id, &old, &a->study_id));
    if (a->state == HPO_TRIAL_RUNNING && old != HPO_TRIAL_WAITING)
        return hpo__error_set(HPO_ESTATE, "trial id %lld is %s, not WAITING",
                (long long)a->trial_id, hpo_trial_state_name(old));
    return HPO_OK;
}

static int rdb_set_trial_state_values(void *be, int64_t trial_id, hpo_trial_state state,
        const double *values, size_t n_values)
{
    hpo__rdb *db = be;
    trial_args a = {.trial_id = trial_id, .state = state, .values = values, .n_values = n_values};
    int rc;
    if ((unsigned)state > HPO_TRIAL_WAITING)
        return hpo__error_set(HPO_EINVAL, "trial state %d is not a state", (int)state);
    HPO_TRY(verify_live(db, trial_id));
    /* Synchronous: this also flushes the trial's earlier asynchronous writes. */
    rc = run_txn(db, TXN_WRITE, set_state_body, &a);
    if ((rc == HPO_OK || rc == HPO_ESTATE) && state != HPO_TRIAL_RUNNING) {
        live_end(db, trial_id);
        if (db->beat != NULL)
            hpo__heartbeat_watch(db->beat, trial_id, false);
    }
    return rc;
}

static int set_ivalue_body(hpo__rdb *db, rconn *c, void *arg)
{
    trial_args *a = arg;
    hpo__rdb_stmt *s = NULL;
    HPO_TRY(insert_ivalue(db, c, a->trial_id, a->step, a->value, &s));
    return finish_guarded(db, c, s, a->trial_id);
}

static int rdb_set_trial_intermediate_value(void *be, int64_t trial_id, int64_t step,
        double value)
{
    trial_args a = {.trial_id = trial_id, .step = step, .value = value};
    int rc;
    HPO_TRY(verify_live(be, trial_id));
    rc = run_txn(be, TXN_WRITE, set_ivalue_body, &a);
    if (rc == HPO_EEXISTS)
        rc = hpo__error_set(HPO_EEXISTS, "trial id %lld already has a value at step %lld",
                (long long)trial_id, (long long)step);
    return rc;
}

static int set_tattr_body(hpo__rdb *db, rconn *c, void *arg)
{
    trial_args *a = arg;
    hpo__rdb_stmt *s = NULL;
    HPO_TRY(upsert_trial_attr(db, c, a->trial_id, a->system, a->key, a->json, &s));
    return finish_guarded(db, c, s, a->trial_id);
}

static int rdb_set_trial_attr(void *be, int64_t trial_id, bool system, const char *key,
        const char *json)
{
    trial_args a = {.trial_id = trial_id, .system = system, .key = key, .json = json};
    HPO_TRY(check_text("attribute key", key, MAX_KEY_BYTES));
    HPO_TRY(check_text("attribute value", json, 0));
    HPO_TRY(verify_live(be, trial_id));
    return run_txn(be, TXN_WRITE, set_tattr_body, &a);
}

/* ==== trial reads ========================================================= */

/* Distributions parsed during one load, by JSON text (a study repeats a few). */
typedef struct dist_memo {
    char *json[32];
    hpo_distribution *dist[32];
    size_t n;
} dist_memo;

static void dist_memo_free(dist_memo *m)
{
    for (size_t i = 0; i < m->n; i++) {
        hpo__free(m->json[i]);
        hpo_distribution_free(m->dist[i]);
    }
    m->n = 0;
}

static int dist_memo_get(dist_memo *m, const char *json, const char *name,
        const hpo_distribution **out)
{
    hpo_distribution *d;
    size_t slot;
    for (size_t i = 0; i < m->n; i++) {
        if (strcmp(m->json[i], json) == 0) {
            *out = m->dist[i];
            return HPO_OK;
        }
    }
    if (hpo_distribution_from_json(&d, json) != HPO_OK)
        return hpo__error_wrap(HPO_ESTORAGE, "stored distribution of parameter '%.200s'", name);
    slot = m->n < 32 ? m->n++ : 31;
    if (slot == 31 && m->n == 32 && m->json[31] != NULL) {
        hpo__free(m->json[31]);
        hpo_distribution_free(m->dist[31]);
    }
    m->json[slot] = hpo__strdup(json);
    m->dist[slot] = d;
    if (m->json[slot] == NULL) {
        hpo_distribution_free(d);
        m->n--;
        return hpo__error_set(HPO_ENOMEM, "out of memory reading parameters");
    }
    *out = d;
    return HPO_OK;
}

typedef struct load_args {
    int64_t study_id;
    int64_t after_id;
    const int64_t *ids;
    size_t n_ids;
    hpo__record_vec got; /* results, in id order */
    dist_memo memo;
} load_args;

/* The record for trial_id among got.items[from..] (sorted by id), or NULL. */
static hpo__record *find_loaded(hpo__record_vec *v, size_t from, int64_t trial_id)
{
    size_t lo = from, hi = v->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v->items[mid]->id < trial_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < v->n && v->items[lo]->id == trial_id ? v->items[lo] : NULL;
}

/* The six reads of one scope of trials, in the order they are read back. */
enum { L_TRIALS, L_PARAMS, L_VALUES, L_IVALUES, L_UATTRS, L_SATTRS, L__N };
static const int load_after[L__N] = {ST_L_TRIALS_AFTER, ST_L_PARAMS_AFTER, ST_L_VALUES_AFTER,
        ST_L_IVALUES_AFTER, ST_L_UATTRS_AFTER, ST_L_SATTRS_AFTER};
static const int load_all[L__N] = {ST_L_TRIALS_ALL, ST_L_PARAMS_ALL, ST_L_VALUES_ALL,
        ST_L_IVALUES_ALL, ST_L_UATTRS_ALL, ST_L_SATTRS_ALL};
static const int load_ids[L__N] = {ST_L_TRIAL_IDS, ST_L_PARAMS_IDS, ST_L_VALUES_IDS,
        ST_L_IVALUES_IDS, ST_L_UATTRS_IDS, ST_L_SATTRS_IDS};

/* Which trials: a list of ids (id_list, in the driver's array syntax) or the ones after a watermark. */
typedef struct scope {
    const char *id_list; /* NULL: the trials after a->after_id */
    hpo__rdb_stmt *s[L__N];
} scope;

/* Bind and start a scope's six reads: on PostgreSQL they share one round trip. */
static int scope_send(hpo__rdb *db, rconn *c, load_args *a, scope *sc)
{
    bool all = sc->id_list == NULL && a->after_id < 0; /* a first load: the whole study */
    for (int k = 0; k < L__N; k++) {
        hpo__rdb_stmt *s;
        HPO_TRY(stmt(db, c, sc->id_list ? load_ids[k] : all ? load_all[k] : load_after[k], &s));
        if (sc->id_list != NULL) {
            HPO_TRY(db->drv->bind_text(s, 1, sc->id_list));
        } else if (all) {
            HPO_TRY(db->drv->bind_i64(s, 1, a->study_id));
        } else if (k == L_TRIALS) {
            HPO_TRY(db->drv->bind_i64(s, 1, a->study_id));
            HPO_TRY(db->drv->bind_i64(s, 2, a->after_id));
        } else {
            HPO_TRY(db->drv->bind_i64(s, 1, a->after_id));
            HPO_TRY(db->drv->bind_i64(s, 2, a->study_id));
            HPO_TRY(db->drv->bind_i64(s, 3, a->after_id));
        }
        HPO_TRY(send_early(db, s));
        sc->s[k] = s;
    }
    return HPO_OK;
}

static int load_trial_rows(hpo__rdb *db, load_args *a, hpo__rdb_stmt *s)
{
    int rc;
    while ((rc = db->drv->step(s)) == HPO__RDB_ROW) {
        hpo__record *r;
        HPO_TRY(hpo__record_new(&r));
        r->id = db->drv->column_i64(s, 0);
        r->number = db->drv->column_i64(s, 1);
        r->study_id = db->drv->column_i64(s, 5);
        r->datetime_start = column_time(db, s, 3);
        r->datetime_complete = column_time(db, s, 4);
        if ((rc = parse_state(db->drv->column_text(s, 2), &r->state)) != HPO_OK) {
            hpo__record_unref(r);
            return rc;
        }
        HPO_TRY(hpo__record_vec_push(&a->got, r));
    }
    return rc;
}

static int load_params(hpo__rdb *db, load_args *a, hpo__rdb_stmt *s, size_t from)
{
    int rc;
    while ((rc = db->drv->step(s)) == HPO__RDB_ROW) {
        hpo__record *r = find_loaded(&a->got, from, db->drv->column_i64(s, 0));
        const char *name = db->drv->column_text(s, 1);
        const hpo_distribution *d = NULL;
        if (r == NULL)
            continue;
        HPO_TRY(dist_memo_get(&a->memo, db->drv->column_text(s, 3), name, &d));
        HPO_TRY(hpo__record_add_param(r, name, d, db->drv->column_f64(s, 2)));
    }
    return rc;
}

static int load_values(hpo__rdb *db, load_args *a, hpo__rdb_stmt *s, size_t from)
{
    int rc;
    while ((rc = db->drv->step(s)) == HPO__RDB_ROW) {
        hpo__record *r = find_loaded(&a->got, from, db->drv->column_i64(s, 0));
        int64_t obj = db->drv->column_i64(s, 1);
        if (r == NULL || obj < 0 || obj > 1024)
            continue;
        if ((size_t)obj >= r->n_values) {
            double *v = hpo__reallocarray(r->values, (size_t)obj + 1, sizeof(*v));
            if (v == NULL)
                return hpo__error_set(HPO_ENOMEM, "out of memory reading values");
            for (size_t i = r->n_values; i <= (size_t)obj; i++)
                v[i] = NAN;
            r->values = v;
            r->n_values = (size_t)obj + 1;
        }
        r->values[obj] = column_value(db, s, 2, 3);
    }
    return rc;
}

static int load_ivalues(hpo__rdb *db, load_args *a, hpo__rdb_stmt *s, size_t from)
{
    int rc;
    while ((rc = db->drv->step(s)) == HPO__RDB_ROW) {
        hpo__record *r = find_loaded(&a->got, from, db->drv->column_i64(s, 0));
        if (r != NULL)
            HPO_TRY(hpo__record_set_ivalue(r, db->drv->column_i64(s, 1),
                    column_value(db, s, 2, 3)));
    }
    return rc;
}

static int load_attrs(hpo__rdb *db, load_args *a, hpo__rdb_stmt *s, size_t from, bool sys)
{
    int rc;
    while ((rc = db->drv->step(s)) == HPO__RDB_ROW) {
        hpo__record *r = find_loaded(&a->got, from, db->drv->column_i64(s, 0));
        if (r != NULL)
            HPO_TRY(hpo__attrs_set(sys ? &r->system_attrs : &r->user_attrs,
                    db->drv->column_text(s, 1), db->drv->column_text(s, 2)));
    }
    return rc;
}

/* Read back a sent scope: its trials (appended to a->got in id order), then their child rows. */
static int scope_read(hpo__rdb *db, load_args *a, scope *sc)
{
    size_t from = a->got.n;
    HPO_TRY(load_trial_rows(db, a, sc->s[L_TRIALS]));
    if (a->got.n == from)
        return HPO_OK;
    HPO_TRY(load_params(db, a, sc->s[L_PARAMS], from));
    HPO_TRY(load_values(db, a, sc->s[L_VALUES], from));
    HPO_TRY(load_ivalues(db, a, sc->s[L_IVALUES], from));
    HPO_TRY(load_attrs(db, a, sc->s[L_UATTRS], from, false));
    return load_attrs(db, a, sc->s[L_SATTRS], from, true);
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

/* ids (sorted, deduplicated, at most after_id) as the driver's array literal. */
static int format_ids(hpo__rdb *db, const int64_t *ids, size_t n, int64_t max, hpo_buf *out)
{
    bool first = true;
    hpo__buf_putc(out, db->drv->postgres ? '{' : '[');
    for (size_t i = 0; i < n; i++) {
        if (ids[i] > max || (i > 0 && ids[i] == ids[i - 1]))
            continue;
        if (!first)
            hpo__buf_putc(out, ',');
        hpo__buf_printf(out, "%lld", (long long)ids[i]);
        first = false;
    }
    hpo__buf_putc(out, db->drv->postgres ? '}' : ']');
    return first ? HPO_ENOTFOUND : hpo__buf_status(out);
}

static int load_body(hpo__rdb *db, rconn *c, void *arg)
{
    load_args *a = arg;
    int64_t *ids = NULL;
    scope listed = {0}, after = {0};
    hpo_buf list;
    int rc = HPO_OK;
    hpo__record_vec_clear(&a->got);
    hpo__buf_init(&list, 0);
    if (a->n_ids > 0) {
        ids = hpo__reallocarray(NULL, a->n_ids, sizeof(*ids));
        if (ids == NULL)
            return hpo__error_set(HPO_ENOMEM, "out of memory loading trials");
        memcpy(ids, a->ids, a->n_ids * sizeof(*ids));
        qsort(ids, a->n_ids, sizeof(*ids), cmp_i64);
        rc = format_ids(db, ids, a->n_ids, a->after_id, &list);
        hpo__free(ids);
        if (rc == HPO_OK)
            listed.id_list = list.data;
        else if (rc == HPO_ENOTFOUND) /* every listed id is past the watermark */
            rc = HPO_OK;
    }
    /* The listed trials precede the watermark, so reading them first keeps id order. */
    if (rc == HPO_OK && listed.id_list != NULL)
        rc = scope_send(db, c, a, &listed);
    if (rc == HPO_OK)
        rc = scope_send(db, c, a, &after);
    if (rc == HPO_OK && listed.id_list != NULL)
        rc = scope_read(db, a, &listed);
    if (rc == HPO_OK)
        rc = scope_read(db, a, &after);
    hpo__buf_free(&list);
    return rc;
}

static int rdb_load_trials(void *be, int64_t study_id, int64_t after_id, const int64_t *ids,
        size_t n_ids, hpo__record_vec *out)
{
    load_args a = {.study_id = study_id, .after_id = after_id, .ids = ids, .n_ids = n_ids};
    int rc = run_txn(be, TXN_READ, load_body, &a);
    for (size_t i = 0; i < a.got.n && rc == HPO_OK; i++) {
        rc = hpo__record_vec_push(out, a.got.items[i]);
        a.got.items[i] = NULL;
    }
    for (size_t i = 0; i < a.got.n; i++)
        hpo__record_unref(a.got.items[i]);
    hpo__free(a.got.items);
    dist_memo_free(&a.memo);
    return rc;
}

typedef struct get_args {
    load_args l;
    int64_t trial_id;
    int64_t number;
} get_args;

static int get_trial_body(hpo__rdb *db, rconn *c, void *arg)
{
    get_args *g = arg;
    scope one = {0};
    char list[32];
    hpo__record_vec_clear(&g->l.got);
    snprintf(list, sizeof(list), db->drv->postgres ? "{%lld}" : "[%lld]", (long long)g->trial_id);
    one.id_list = list;
    HPO_TRY(scope_send(db, c, &g->l, &one));
    return scope_read(db, &g->l, &one);
}

static int rdb_get_trial(void *be, int64_t trial_id, hpo__record **out)
{
    get_args g = {.trial_id = trial_id};
    int rc = run_txn(be, TXN_READ, get_trial_body, &g);
    if (rc == HPO_OK && g.l.got.n != 1)
        rc = hpo__error_set(HPO_ENOTFOUND, "no trial with id %lld", (long long)trial_id);
    if (rc == HPO_OK) {
        *out = g.l.got.items[0];
        g.l.got.items[0] = NULL;
        g.l.got.n = 0;
    }
    hpo__record_vec_clear(&g.l.got);
    dist_memo_free(&g.l.memo);
    return rc;
}

static int find_trial_body(hpo__rdb *db, rconn *c, void *arg)
{
    get_args *g = arg;
    hpo__rdb_stmt *s;
    bool found;
    HPO_TRY(stmt(db, c, ST_FIND_TRIAL, &s));
    HPO_TRY(db->drv->bind_i64(s, 1, g->l.study_id));
    HPO_TRY(db->drv->bind_i64(s, 2, g->number));
    HPO_TRY(run_i64(db, s, &g->trial_id, &found));
    if (!found) {
        HPO_TRY(study_exists(db, c, ST_STUDY_EXISTS, g->l.study_id));
        return hpo__error_set(HPO_ENOTFOUND, "study %lld has no trial number %lld",
                (long long)g->l.study_id, (long long)g->number);
    }
    return HPO_OK;
}

static int rdb_find_trial(void *be, int64_t study_id, int64_t number, int64_t *id_out)
{
    get_args g = {.l = {.study_id = study_id}, .number = number};
    int rc = run_txn(be, TXN_READ, find_trial_body, &g);
    if (rc == HPO_OK)
        *id_out = g.trial_id;
    return rc;
}

/* ==== heartbeats (called by heartbeat.c) ================================== */

typedef struct hb_args {
    const int64_t *ids;
    size_t n;
    int64_t study_id;
    double grace;
    int64_t *out;
    size_t n_out;
} hb_args;

static int heartbeat_body(hpo__rdb *db, rconn *c, void *arg)
{
    hb_args *a = arg;
    hpo__rdb_stmt *s;
    for (size_t i = 0; i < a->n; i++) {
        HPO_TRY(stmt(db, c, ST_HB_UPSERT, &s));
        HPO_TRY(db->drv->bind_i64(s, 1, a->ids[i]));
        HPO_TRY(run_done(db, s));
    }
    return HPO_OK;
}

int hpo__rdb_record_heartbeats(hpo__rdb *db, const int64_t *ids, size_t n)
{
    hb_args a = {.ids = ids, .n = n};
    /* A beat lost in a server crash only delays the next: it need not wait for the disk. */
    return n == 0 ? HPO_OK : run_txn(db, TXN_ASYNC, heartbeat_body, &a);
}

int hpo__rdb_record_heartbeat(hpo__rdb *db, int64_t trial_id)
{
    return hpo__rdb_record_heartbeats(db, &trial_id, 1);
}

static int stale_body(hpo__rdb *db, rconn *c, void *arg)
{
    hb_args *a = arg;
    hpo__rdb_stmt *s;
    int rc;
    size_t cap = 0;
    a->n_out = 0;
    HPO_TRY(stmt(db, c, ST_STALE, &s));
    HPO_TRY(db->drv->bind_i64(s, 1, a->study_id));
    HPO_TRY(db->drv->bind_f64(s, 2, a->grace));
    while ((rc = db->drv->step(s)) == HPO__RDB_ROW) {
        if (a->n_out == cap) {
            int64_t *p = hpo__reallocarray(a->out, cap ? cap * 2 : 8, sizeof(*p));
            if (p == NULL)
                return hpo__error_set(HPO_ENOMEM, "out of memory listing stale trials");
            a->out = p;
            cap = cap ? cap * 2 : 8;
        }
        a->out[a->n_out++] = db->drv->column_i64(s, 0);
    }
    return rc;
}

int hpo__rdb_stale_trials(hpo__rdb *db, int64_t study_id, double grace, int64_t **ids_out,
        size_t *n_out)
{
    hb_args a = {.study_id = study_id, .grace = grace};
    int rc = run_txn(db, TXN_READ, stale_body, &a);
    if (rc != HPO_OK) {
        hpo__free(a.out);
        return rc;
    }
    *ids_out = a.out;
    *n_out = a.n_out;
    return HPO_OK;
}

static const hpo__storage_ops sqlite_ops;
static const hpo__storage_ops postgres_ops;

hpo__rdb *hpo__rdb_of(hpo_storage *s)
{
    if (hpo__storage_check(s) != HPO_OK)
        return NULL;
    return s->ops == &sqlite_ops || s->ops == &postgres_ops ? s->be : NULL;
}

/* Re-enqueue a stale trial the way Optuna's RetryHeartbeatStaleTrialCallback does. */
static int retry_trial(hpo__rdb *db, int64_t trial_id)
{
    hpo__record *old = NULL, *t = NULL;
    hpo_buf b;
    json_t *hist = NULL;
    const char *prev;
    int64_t first, id, number;
    int rc;
    HPO_TRY(rdb_get_trial(db, trial_id, &old));
    first = old->number;
    prev = hpo__attrs_get(&old->system_attrs, "failed_trial");
    if (prev != NULL)
        first = strtoll(prev, NULL, 10);
    prev = hpo__attrs_get(&old->system_attrs, "retry_history");
    if (prev == NULL || hpo__json_parse(prev, &hist) != HPO_OK || !json_is_array(hist)) {
        json_decref(hist);
        hist = json_array();
    }
    hpo__buf_init(&b, 0);
    if (hist == NULL || json_array_append_new(hist, json_integer(old->number)) != 0) {
        rc = hpo__error_set(HPO_ENOMEM, "out of memory re-enqueuing a stale trial");
        goto done;
    }
    if (db->hb.max_retry >= 0 && (int64_t)json_array_size(hist) > db->hb.max_retry) {
        rc = HPO_OK;
        goto done;
    }
    if ((rc = hpo__record_copy(old, &t)) != HPO_OK)
        goto done;
    t->state = HPO_TRIAL_WAITING;
    t->datetime_start = t->datetime_complete = NAN;
    t->n_values = 0;
    t->n_ivalues = 0;
    hpo__buf_printf(&b, "%lld", (long long)first);
    if ((rc = hpo__buf_status(&b)) == HPO_OK)
        rc = hpo__attrs_set(&t->system_attrs, "failed_trial", b.data);
    hpo__buf_reset(&b);
    hpo__json_put(&b, hist);
    if (rc == HPO_OK && (rc = hpo__buf_status(&b)) == HPO_OK)
        rc = hpo__attrs_set(&t->system_attrs, "retry_history", b.data);
    if (rc == HPO_OK)
        rc = rdb_create_trial(db, old->study_id, t, &id, &number, NULL);
done:
    hpo__buf_free(&b);
    json_decref(hist);
    hpo__record_unref(t);
    hpo__record_unref(old);
    return rc;
}

int hpo__rdb_fail_stale(hpo__rdb *db, int64_t study_id, size_t *n_failed)
{
    int64_t *ids = NULL;
    size_t n = 0, failed = 0;
    int rc;
    double grace = db->hb.grace > 0 ? db->hb.grace : 2 * db->hb.interval;
    *n_failed = 0;
    if (grace <= 0)
        return hpo__error_set(HPO_ESTATE, "heartbeats are off on this storage");
    HPO_TRY(hpo__rdb_stale_trials(db, study_id, grace, &ids, &n));
    rc = HPO_OK;
    for (size_t i = 0; i < n && rc == HPO_OK; i++) {
        int src = rdb_set_trial_state_values(db, ids[i], HPO_TRIAL_FAIL, NULL, 0);
        if (src == HPO_ESTATE) /* another worker failed or finished it first */
            continue;
        if ((rc = src) != HPO_OK)
            break;
        failed++;
        hpo__log(HPO_LOG_WARNING, "trial id %lld failed: its heartbeat is older than %g s",
                (long long)ids[i], grace);
        if (db->hb.retry)
            rc = retry_trial(db, ids[i]);
    }
    hpo__free(ids);
    *n_failed = failed;
    return rc;
}

/* Optuna fails stale trials before each new one; at most once per interval here. */
static void fail_stale_throttled(hpo__rdb *db, int64_t study_id)
{
    double now = hpo__monotonic();
    size_t n;
    bool due;
    if (db->hb.interval <= 0)
        return;
    pthread_mutex_lock(&db->mu);
    due = now - db->last_stale_check >= db->hb.interval;
    if (due)
        db->last_stale_check = now;
    pthread_mutex_unlock(&db->mu);
    if (due && hpo__rdb_fail_stale(db, study_id, &n) != HPO_OK)
        hpo__log(HPO_LOG_WARNING, "failing stale trials: %s", hpo_last_error());
}

int hpo__rdb_set_heartbeat(hpo__rdb *db, const hpo__rdb_heartbeat_cfg *cfg)
{
    hpo__heartbeat *old;
    if (!(cfg->interval >= 0) || !(cfg->grace >= 0) || isinf(cfg->interval) ||
            isinf(cfg->grace))
        return hpo__error_set(HPO_EINVAL, "heartbeat interval (%g) and grace period (%g) must be "
                "finite and >= 0", cfg->interval, cfg->grace);
    if (cfg->interval > 0 && cfg->grace > 0 && cfg->grace < cfg->interval)
        return hpo__error_set(HPO_EINVAL, "grace period %g s is shorter than the heartbeat "
                "interval %g s: live trials would be failed", cfg->grace, cfg->interval);
    old = db->beat;
    db->beat = NULL;
    hpo__heartbeat_stop(old);
    db->hb = *cfg;
    db->last_stale_check = -INFINITY;
    if (cfg->interval > 0)
        return hpo__heartbeat_start(db, cfg->interval, &db->beat);
    return HPO_OK;
}

/* ==== open, version check, upgrade ======================================== */

static int table_exists(hpo__rdb *db, rconn *c, const char *name, bool *out)
{
    hpo__rdb_stmt *s;
    int64_t n;
    bool found;
    HPO_TRY(stmt(db, c, ST_TABLE_EXISTS, &s));
    HPO_TRY(db->drv->bind_text(s, 1, name));
    HPO_TRY(run_i64(db, s, &n, &found));
    *out = found && n > 0;
    return HPO_OK;
}

typedef struct init_args {
    bool upgrade;
    bool legacy;
} init_args;

static int create_schema(hpo__rdb *db, rconn *c)
{
    hpo__rdb_stmt *s;
    HPO_TRY(db->drv->exec(c->raw, db->drv->postgres ? ddl_pg : ddl_sqlite));
    HPO_TRY(stmt(db, c, ST_VERSION_INSERT, &s));
    HPO_TRY(db->drv->bind_text(s, 1, "hpo " HPO_VERSION_STRING));
    HPO_TRY(run_done(db, s));
    HPO_TRY(stmt(db, c, ST_ALEMBIC_INSERT, &s));
    HPO_TRY(db->drv->bind_text(s, 1, HEAD_REVISION));
    return run_done(db, s);
}

static int read_revision(hpo__rdb *db, rconn *c, char *rev, size_t n, int *count)
{
    hpo__rdb_stmt *s;
    int rc;
    *count = 0;
    rev[0] = '\0';
    HPO_TRY(stmt(db, c, ST_ALEMBIC, &s));
    while ((rc = db->drv->step(s)) == HPO__RDB_ROW) {
        if ((*count)++ == 0)
            snprintf(rev, n, "%s", db->drv->column_text(s, 0));
    }
    return rc;
}

/* Schema check (and creation or upgrade) in one write transaction. */
static int init_body(hpo__rdb *db, rconn *c, void *arg)
{
    init_args *a = arg;
    hpo__rdb_stmt *s;
    bool have_studies, have_alembic;
    char rev[64];
    int count;
    int64_t schema = 0;
    bool found;
    a->legacy = false;
    if (db->drv->postgres) /* serialise concurrent first opens */
        HPO_TRY(db->drv->exec(c->raw, "SELECT pg_advisory_xact_lock(7340321)"));
    HPO_TRY(table_exists(db, c, "studies", &have_studies));
    HPO_TRY(table_exists(db, c, "alembic_version", &have_alembic));
    if (!have_studies && !have_alembic)
        return create_schema(db, c);
    if (!have_studies || !have_alembic)
        return hpo__error_set(HPO_ESCHEMA, "the database has %s but no %s table: not an Optuna "
                "storage", have_studies ? "a studies" : "an alembic_version",
                have_studies ? "alembic_version" : "studies");
    HPO_TRY(read_revision(db, c, rev, sizeof(rev), &count));
    if (count == 0) {
        /* Optuna stamps the head when version_info says schema 12. */
        HPO_TRY(stmt(db, c, ST_VERSION_INFO, &s));
        HPO_TRY(run_i64(db, s, &schema, &found));
        if (!found || schema != SCHEMA_VERSION)
            return hpo__error_set(HPO_ESCHEMA, "the database has no alembic revision and schema "
                    "version %lld (not %d); run 'optuna storage upgrade' on it first",
                    (long long)schema, SCHEMA_VERSION);
        HPO_TRY(stmt(db, c, ST_ALEMBIC_INSERT, &s));
        HPO_TRY(db->drv->bind_text(s, 1, HEAD_REVISION));
        return run_done(db, s);
    }
    if (count > 1)
        return hpo__error_set(HPO_ESCHEMA, "alembic_version holds %d rows; expected one", count);
    if (strcmp(rev, HEAD_REVISION) == 0)
        return HPO_OK;
    if (strcmp(rev, LEGACY_REVISION) != 0)
        return hpo__error_set(HPO_ESCHEMA, "unsupported schema revision '%s' (hpo reads %s and "
                "%s); upgrade it with Optuna's 'optuna storage upgrade'", rev, HEAD_REVISION,
                LEGACY_REVISION);
    if (!a->upgrade) {
        a->legacy = true; /* read and written as is, never restamped */
        return HPO_OK;
    }
    /* v3.0.0.d -> v3.2.0.a adds the index on trials.study_id. */
    HPO_TRY(db->drv->exec(c->raw, "CREATE INDEX IF NOT EXISTS ix_trials_study_id "
                                  "ON trials (study_id);"
                                  "CREATE INDEX IF NOT EXISTS ix_hpo_trials_study_state "
                                  "ON trials (study_id, state)"));
    if (db->drv->postgres)
        HPO_TRY(db->drv->exec(c->raw, "CREATE INDEX IF NOT EXISTS ix_hpo_trials_study_trial "
                                      "ON trials (study_id, trial_id)"));
    HPO_TRY(stmt(db, c, ST_ALEMBIC_SET, &s));
    HPO_TRY(db->drv->bind_text(s, 1, HEAD_REVISION));
    HPO_TRY(run_done(db, s));
    HPO_TRY(stmt(db, c, ST_VERSION_LIB, &s));
    HPO_TRY(db->drv->bind_text(s, 1, "hpo " HPO_VERSION_STRING));
    return run_done(db, s);
}

static int force_xid_body(hpo__rdb *db, rconn *c, void *arg)
{
    hpo__rdb_stmt *s;
    (void)arg;
    HPO_TRY(stmt(db, c, ST_FORCE_XID, &s));
    return run_done(db, s);
}

/* Make this handle's asynchronous commits durable before it goes (one WAL flush). */
static void flush_async(hpo__rdb *db)
{
    bool pending;
    pthread_mutex_lock(&db->mu);
    pending = db->async_done > db->async_flushed;
    pthread_mutex_unlock(&db->mu);
    if (pending && db->drv->postgres && run_txn(db, TXN_WRITE, force_xid_body, NULL) != HPO_OK)
        hpo__log(HPO_LOG_WARNING, "closing the storage: %s", hpo_last_error());
}

static void rdb_close(void *be)
{
    hpo__rdb *db = be;
    if (db == NULL)
        return;
    hpo__heartbeat_stop(db->beat);
    flush_async(db);
    hpo__live_clear(&db->live);
    for (size_t i = 0; i < db->n_idle; i++)
        rconn_close(db, db->idle[i]);
    for (size_t i = 0; i < db->n_dists; i++) {
        hpo__free(db->dists[i].name);
        hpo_distribution_free(db->dists[i].dist);
    }
    hpo__free(db->dists);
    pthread_cond_destroy(&db->cv);
    pthread_mutex_destroy(&db->mu);
    hpo__free(db->target);
    hpo__free(db);
}

#define RDB_OPS(name)                                                                      \
    {                                                                                      \
        .version = HPO__STORAGE_OPS_VERSION, .scheme = name,                               \
        .create_study = rdb_create_study, .delete_study = rdb_delete_study,                \
        .find_study = rdb_find_study, .list_studies = rdb_list_studies,                    \
        .get_study_directions = rdb_get_study_directions,                                  \
        .set_study_attr = rdb_set_study_attr, .get_study_attrs = rdb_get_study_attrs,      \
        .create_trial = rdb_create_trial, .pop_waiting_trial = rdb_pop_waiting_trial,      \
        .start_trial = rdb_start_trial,                                                    \
        .set_trial_param = rdb_set_trial_param,                                            \
        .set_trial_state_values = rdb_set_trial_state_values,                              \
        .set_trial_intermediate_value = rdb_set_trial_intermediate_value,                  \
        .set_trial_attr = rdb_set_trial_attr, .get_trial = rdb_get_trial,                  \
        .find_trial = rdb_find_trial, .load_trials = rdb_load_trials, .close = rdb_close,  \
    }

static const hpo__storage_ops sqlite_ops = RDB_OPS("sqlite");
static const hpo__storage_ops postgres_ops = RDB_OPS("postgresql");

static int rdb_new(const hpo__rdb_driver *driver, const char *target, hpo__rdb **out)
{
    hpo__rdb *db = hpo__calloc(1, sizeof(*db));
    *out = NULL;
    if (db == NULL || (db->target = hpo__strdup(target)) == NULL) {
        hpo__free(db);
        return hpo__error_set(HPO_ENOMEM, "out of memory opening a storage");
    }
    db->drv = driver;
    db->last_stale_check = -INFINITY;
    pthread_mutex_init(&db->mu, NULL);
    pthread_cond_init(&db->cv, NULL);
    *out = db;
    return HPO_OK;
}

int hpo__rdb_open(const hpo__rdb_driver *driver, const char *target, const char *url,
        hpo_storage **out)
{
    hpo__rdb *db = NULL;
    hpo_storage *s = NULL;
    init_args a = {0};
    int rc;
    *out = NULL;
    if ((rc = rdb_new(driver, target, &db)) != HPO_OK)
        return rc;
    if ((rc = run_txn(db, TXN_WRITE, init_body, &a)) != HPO_OK)
        goto fail;
    s = hpo__calloc(1, sizeof(*s));
    if (s == NULL || (s->url = hpo__strdup(url)) == NULL) {
        rc = hpo__error_set(HPO_ENOMEM, "out of memory opening a storage");
        goto fail;
    }
    s->magic = HPO__STORAGE_MAGIC;
    s->ops = driver->postgres ? &postgres_ops : &sqlite_ops;
    s->be = db;
    *out = s;
    return HPO_OK;
fail:
    if (s != NULL)
        hpo__free(s->url);
    hpo__free(s);
    rdb_close(db);
    return rc;
}

int hpo__rdb_upgrade(const hpo__rdb_driver *driver, const char *target)
{
    hpo__rdb *db;
    init_args a = {.upgrade = true};
    int rc;
    HPO_TRY(rdb_new(driver, target, &db));
    rc = run_txn(db, TXN_WRITE, init_body, &a);
    rdb_close(db);
    return rc;
}
