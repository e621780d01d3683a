/*
 * test_storage.c - one suite for every storage backend: the storage.h contract
 * (dense atomic numbers, immutable finished trials, compatibility checks,
 * WAITING pops, incremental loads) run against memory, SQLite (a temp file per
 * test) and PostgreSQL (when HPO_TEST_PG_URL names a database; the schema is
 * wiped before each test). Then what only databases have: Optuna's exact
 * encodings, the alembic checks, bad inputs, hostile names, many processes on
 * one study, and recovery of a killed worker through heartbeats.
 */
#include <errno.h>
#include <libpq-fe.h>
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/distribution.h"
#include "core/error.h"
#include "core/record.h"
#include "storage/storage.h"
#include "support/test_util.h"

enum { BE_MEMORY, BE_SQLITE, BE_PG };

typedef struct fixture {
    int kind;
    char url[1024];
    char dir[256];
    char path[512];
    hpo_storage *s;
} fixture;

static const char *pg_url(void)
{
    const char *u = getenv("HPO_TEST_PG_URL"); /* read once, before any thread starts */
    return u != NULL && u[0] != '\0' ? u : NULL;
}

/* Drop everything in the PostgreSQL test database. */
static void pg_wipe(const char *url)
{
    PGconn *c = PQconnectdb(url);
    PGresult *r;
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PQclear(PQexec(c, "SET client_min_messages = warning"));
    r = PQexec(c, "DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        fail_msg("wiping postgres: %s", PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
}

static int setup_kind(void **state, int kind)
{
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->kind = kind;
    if (kind == BE_SQLITE) {
        snprintf(f->dir, sizeof(f->dir), "/tmp/hpo-test-storage-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(f->path, sizeof(f->path), "%s/t.db", f->dir);
        snprintf(f->url, sizeof(f->url), "sqlite:///%s", f->path);
    } else if (kind == BE_PG) {
        snprintf(f->url, sizeof(f->url), "%s", pg_url());
        pg_wipe(f->url);
    } else {
        snprintf(f->url, sizeof(f->url), ":memory:");
    }
    assert_ok(hpo_storage_open(&f->s, f->url));
    *state = f;
    return 0;
}

static int setup_memory(void **state)
{
    return setup_kind(state, BE_MEMORY);
}

static int setup_sqlite(void **state)
{
    return setup_kind(state, BE_SQLITE);
}

static int setup_pg(void **state)
{
    return setup_kind(state, BE_PG);
}

static int teardown(void **state)
{
    fixture *f = *state;
    char cmd[600];
    hpo_storage_free(f->s);
    if (f->kind == BE_SQLITE) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "# could not remove %s\n", f->dir);
    }
    free(f);
    return 0;
}

#define OPS(f) ((f)->s->ops)
#define BE(f)  ((f)->s->be)

static int64_t new_study(fixture *f, const char *name)
{
    hpo_direction d = HPO_MINIMIZE;
    int64_t id;
    assert_ok(OPS(f)->create_study(BE(f), name, &d, 1, &id));
    return id;
}

static hpo_distribution *float_dist(double lo, double hi)
{
    hpo_distribution *d;
    assert_ok(hpo_distribution_float_new(&d, lo, hi, HPO_NO_STEP, false));
    return d;
}

/* ==== the storage.h contract, on every backend ============================ */

static void test_studies(void **state)
{
    fixture *f = *state;
    hpo_direction dirs[2] = {HPO_MAXIMIZE, HPO_MINIMIZE}, *got;
    hpo__study_info *infos;
    size_t n;
    int64_t a, b, id;
    assert_ok(OPS(f)->create_study(BE(f), "a", dirs, 2, &a));
    b = new_study(f, "b'; DROP TABLE studies; --");
    assert_status(OPS(f)->create_study(BE(f), "a", dirs, 1, &id), HPO_EEXISTS);
    assert_msg_has("'a'");
    assert_ok(OPS(f)->find_study(BE(f), "b'; DROP TABLE studies; --", &id));
    hpo_assert_eq_i64(id, b);
    assert_status(OPS(f)->find_study(BE(f), "nope", &id), HPO_ENOTFOUND);
    assert_ok(OPS(f)->get_study_directions(BE(f), a, &got, &n));
    hpo_assert_eq_i64(n, 2);
    assert_int_equal(got[0], HPO_MAXIMIZE);
    assert_int_equal(got[1], HPO_MINIMIZE);
    free(got);
    assert_ok(OPS(f)->list_studies(BE(f), &infos, &n));
    hpo_assert_eq_i64(n, 2);
    assert_string_equal(infos[0].name, "a");
    hpo_assert_eq_i64(infos[0].n_directions, 2);
    assert_int_equal(infos[0].directions[0], HPO_MAXIMIZE);
    hpo__study_infos_free(infos, n);
    assert_ok(OPS(f)->set_study_attr(BE(f), a, false, "k", "[1, NaN, \"x\"]"));
    assert_ok(OPS(f)->set_study_attr(BE(f), a, false, "k", "{\"y\": Infinity}"));
    assert_ok(OPS(f)->set_study_attr(BE(f), a, true, "k", "2"));
    {
        hpo__attrs at = {0};
        assert_ok(OPS(f)->get_study_attrs(BE(f), a, false, &at));
        hpo_assert_eq_i64(at.n, 1);
        assert_string_equal(hpo__attrs_get(&at, "k"), "{\"y\": Infinity}");
        hpo__attrs_clear(&at);
        assert_ok(OPS(f)->get_study_attrs(BE(f), a, true, &at));
        assert_string_equal(hpo__attrs_get(&at, "k"), "2");
        hpo__attrs_clear(&at);
    }
    assert_ok(OPS(f)->delete_study(BE(f), a));
    assert_status(OPS(f)->find_study(BE(f), "a", &id), HPO_ENOTFOUND);
    assert_status(OPS(f)->delete_study(BE(f), a), HPO_ENOTFOUND);
    assert_ok(OPS(f)->find_study(BE(f), "b'; DROP TABLE studies; --", &id));
}

static void test_trial_lifecycle(void **state)
{
    fixture *f = *state;
    int64_t st = new_study(f, "s"), id, id2, num;
    hpo_distribution *d = float_dist(0, 1), *di, *dc;
    hpo_value ch[3] = {hpo_value_string("a"), hpo_value_null(), hpo_value_float(2.5)};
    hpo__record *r;
    double v = INFINITY;
    assert_ok(hpo_distribution_int_new(&di, 1, 10, 3, false));
    assert_ok(hpo_distribution_categorical_new(&dc, ch, 3));
    assert_ok(OPS(f)->create_trial(BE(f), st, NULL, &id, &num, NULL));
    hpo_assert_eq_i64(num, 0);
    assert_ok(OPS(f)->create_trial(BE(f), st, NULL, &id2, &num, NULL));
    hpo_assert_eq_i64(num, 1);
    assert_true(id2 > id);
    assert_ok(OPS(f)->set_trial_param(BE(f), id, "x", 0.25, d));
    assert_ok(OPS(f)->set_trial_param(BE(f), id, "n", 7, di));
    assert_ok(OPS(f)->set_trial_param(BE(f), id, "c", 1, dc));
    assert_status(OPS(f)->set_trial_param(BE(f), id2, "x", 1, di), HPO_EINVAL);
    assert_msg_has("x");
    assert_ok(OPS(f)->set_trial_intermediate_value(BE(f), id, 0, 0.5));
    assert_ok(OPS(f)->set_trial_intermediate_value(BE(f), id, 2, NAN));
    assert_ok(OPS(f)->set_trial_intermediate_value(BE(f), id, 1, -INFINITY));
    assert_status(OPS(f)->set_trial_intermediate_value(BE(f), id, 1, 3.0), HPO_EEXISTS);
    assert_ok(OPS(f)->set_trial_attr(BE(f), id, false, "u", "\"val\""));
    assert_ok(OPS(f)->set_trial_attr(BE(f), id, true, "s", "[1, 2]"));
    assert_ok(OPS(f)->set_trial_attr(BE(f), id, false, "u", "\"v2\""));
    assert_ok(OPS(f)->set_trial_state_values(BE(f), id, HPO_TRIAL_COMPLETE, &v, 1));
    assert_ok(OPS(f)->get_trial(BE(f), id, &r));
    assert_int_equal(r->state, HPO_TRIAL_COMPLETE);
    hpo_assert_eq_i64(r->number, 0);
    hpo_assert_eq_i64(r->n_values, 1);
    assert_true(isinf(r->values[0]) && r->values[0] > 0);
    hpo_assert_eq_i64(r->n_params, 3);
    assert_string_equal(r->params[0].name, "x");
    assert_true(r->params[0].internal == 0.25);
    assert_string_equal(r->params[1].name, "n");
    assert_true(hpo__dist_equal(r->params[1].dist, di));
    assert_true(hpo__dist_equal(r->params[2].dist, dc));
    assert_true(r->params[2].internal == 1.0);
    hpo_assert_eq_i64(r->n_ivalues, 3);
    assert_true(r->ivalues[0].value == 0.5);
    assert_true(isinf(r->ivalues[1].value) && r->ivalues[1].value < 0);
    assert_true(isnan(r->ivalues[2].value));
    assert_string_equal(hpo__attrs_get(&r->user_attrs, "u"), "\"v2\"");
    assert_string_equal(hpo__attrs_get(&r->system_attrs, "s"), "[1, 2]");
    assert_false(isnan(r->datetime_start));
    assert_true(r->datetime_complete >= r->datetime_start);
    hpo__record_unref(r);
    /* Finished trials never change. */
    assert_status(OPS(f)->set_trial_param(BE(f), id, "y", 0.5, d), HPO_ESTATE);
    assert_status(OPS(f)->set_trial_intermediate_value(BE(f), id, 9, 1), HPO_ESTATE);
    assert_status(OPS(f)->set_trial_attr(BE(f), id, false, "u", "1"), HPO_ESTATE);
    assert_status(OPS(f)->set_trial_state_values(BE(f), id, HPO_TRIAL_FAIL, NULL, 0),
            HPO_ESTATE);
    assert_status(OPS(f)->set_trial_state_values(BE(f), id2, HPO_TRIAL_RUNNING, NULL, 0),
            HPO_ESTATE);
    assert_ok(OPS(f)->find_trial(BE(f), st, 1, &num));
    hpo_assert_eq_i64(num, id2);
    assert_status(OPS(f)->find_trial(BE(f), st, 7, &num), HPO_ENOTFOUND);
    assert_status(OPS(f)->get_trial(BE(f), id2 + 1000, &r), HPO_ENOTFOUND);
    hpo_distribution_free(d);
    hpo_distribution_free(di);
    hpo_distribution_free(dc);
}

static void test_waiting_and_templates(void **state)
{
    fixture *f = *state;
    int64_t st = new_study(f, "s"), id, num, popped;
    hpo__record *t, *r;
    hpo_distribution *d = float_dist(-1, 1);
    double v = 3.5;
    assert_status(OPS(f)->pop_waiting_trial(BE(f), st, &id), HPO_ENOTFOUND);
    assert_ok(hpo__record_new(&t));
    t->state = HPO_TRIAL_WAITING;
    assert_ok(hpo__attrs_set(&t->system_attrs, "fixed_params", "{\"x\": 0.5}"));
    assert_ok(hpo__record_add_param(t, "x", d, 0.5));
    assert_ok(OPS(f)->create_trial(BE(f), st, t, &id, &num, NULL));
    hpo_assert_eq_i64(num, 0);
    t->state = HPO_TRIAL_COMPLETE;
    t->datetime_start = 1700000000.25;
    t->datetime_complete = 1700000001.5;
    assert_ok(hpo__record_set_values(t, &v, 1));
    assert_ok(hpo__record_set_ivalue(t, 3, 1.5));
    assert_ok(OPS(f)->create_trial(BE(f), st, t, &id, &num, NULL));
    hpo_assert_eq_i64(num, 1);
    assert_ok(OPS(f)->get_trial(BE(f), id, &r));
    assert_int_equal(r->state, HPO_TRIAL_COMPLETE);
    assert_near(r->datetime_start, 1700000000.25, 1e-5);
    assert_near(r->datetime_complete, 1700000001.5, 1e-5);
    assert_true(r->values[0] == 3.5);
    hpo_assert_eq_i64(r->n_ivalues, 1);
    assert_string_equal(hpo__attrs_get(&r->system_attrs, "fixed_params"), "{\"x\": 0.5}");
    hpo__record_unref(r);
    assert_ok(OPS(f)->pop_waiting_trial(BE(f), st, &popped));
    assert_ok(OPS(f)->get_trial(BE(f), popped, &r));
    hpo_assert_eq_i64(r->number, 0);
    assert_int_equal(r->state, HPO_TRIAL_RUNNING);
    assert_false(isnan(r->datetime_start));
    hpo__record_unref(r);
    assert_status(OPS(f)->pop_waiting_trial(BE(f), st, &id), HPO_ENOTFOUND);
    hpo__record_unref(t);
    hpo_distribution_free(d);
}

static void test_incremental_load(void **state)
{
    fixture *f = *state;
    int64_t st = new_study(f, "s"), other = new_study(f, "o"), ids[6], num, x;
    hpo__record_vec v = {0};
    double val = 1;
    for (int i = 0; i < 6; i++) {
        assert_ok(OPS(f)->create_trial(BE(f), st, NULL, &ids[i], &num, NULL));
        assert_ok(OPS(f)->create_trial(BE(f), other, NULL, &x, &num, NULL));
    }
    assert_ok(OPS(f)->load_trials(BE(f), st, -1, NULL, 0, &v));
    hpo_assert_eq_i64(v.n, 6);
    for (size_t i = 0; i < 6; i++)
        hpo_assert_eq_i64(v.items[i]->number, i);
    hpo__record_vec_clear(&v);
    assert_ok(OPS(f)->set_trial_state_values(BE(f), ids[1], HPO_TRIAL_COMPLETE, &val, 1));
    /* Watermark at trial 3, trial 1 seen unfinished: trial 1 and trials 4, 5. */
    assert_ok(OPS(f)->load_trials(BE(f), st, ids[3], &ids[1], 1, &v));
    hpo_assert_eq_i64(v.n, 3);
    hpo_assert_eq_i64(v.items[0]->id, ids[1]);
    assert_int_equal(v.items[0]->state, HPO_TRIAL_COMPLETE);
    hpo_assert_eq_i64(v.items[1]->id, ids[4]);
    hpo_assert_eq_i64(v.items[2]->id, ids[5]);
    hpo__record_vec_clear(&v);
    assert_ok(OPS(f)->load_trials(BE(f), st, ids[5], NULL, 0, &v));
    hpo_assert_eq_i64(v.n, 0);
    hpo__record_vec_clear(&v);
}

static void test_hostile_names(void **state)
{
    fixture *f = *state;
    static char big[10240 + 3];
    int64_t st, id, num;
    hpo__record *r;
    hpo_distribution *d = float_dist(0, 1);
    memset(big, 'q', sizeof(big) - 1);
    big[0] = '"';
    big[sizeof(big) - 2] = '"';
    st = new_study(f, "it's \"quoted\"; DROP TABLE trials; --");
    assert_ok(OPS(f)->create_trial(BE(f), st, NULL, &id, &num, NULL));
    assert_ok(OPS(f)->set_trial_param(BE(f), id, "p'); DELETE FROM trial_params; --", 0.5, d));
    assert_ok(OPS(f)->set_trial_attr(BE(f), id, false, "k\"'\\", big));
    assert_ok(OPS(f)->set_trial_attr(BE(f), id, false, "\xc3\xa9t\xc3\xa9", "\"\\u00e9\""));
    assert_ok(OPS(f)->get_trial(BE(f), id, &r));
    assert_string_equal(r->params[0].name, "p'); DELETE FROM trial_params; --");
    assert_string_equal(hpo__attrs_get(&r->user_attrs, "k\"'\\"), big);
    assert_string_equal(hpo__attrs_get(&r->user_attrs, "\xc3\xa9t\xc3\xa9"), "\"\\u00e9\"");
    hpo__record_unref(r);
    if (f->kind != BE_MEMORY) {
        assert_status(OPS(f)->set_trial_attr(BE(f), id, false, "bad\xff", "1"), HPO_EINVAL);
        assert_msg_has("UTF-8");
        assert_status(OPS(f)->create_study(BE(f), "\xc3(", NULL, 0, &num), HPO_EINVAL);
    }
    hpo_distribution_free(d);
}

/* End to end through the public API: optimise, reopen, continue numbering. */
static int objective(hpo_trial *t, double *values, void *payload)
{
    double x;
    int64_t n;
    size_t c;
    static const char *const choices[] = {"a", "b", "c"};
    (void)payload;
    HPO_TRY(hpo_trial_suggest_float(t, "x", -5, 5, HPO_NO_STEP, false, &x));
    HPO_TRY(hpo_trial_suggest_int(t, "n", 1, 8, 1, false, &n));
    HPO_TRY(hpo_trial_suggest_categorical_str(t, "c", choices, 3, &c));
    HPO_TRY(hpo_trial_report(t, x * x, 0));
    values[0] = x * x + (double)n + (double)c;
    return HPO_OK;
}

static void run_trials(hpo_storage *s, const char *name, int64_t n, bool create)
{
    hpo_study *study;
    hpo_sampler *smp;
    hpo_optimize_options o = HPO_OPTIMIZE_OPTIONS_INIT;
    hpo_study_options so = HPO_STUDY_OPTIONS_INIT;
    so.load_if_exists = true;
    if (create)
        assert_ok(hpo_study_create(&study, s, name, NULL, 0, &so));
    else
        assert_ok(hpo_study_load(&study, s, name, &so));
    assert_ok(hpo_sampler_random_new(&smp, 7));
    assert_ok(hpo_study_set_sampler(study, smp));
    o.n_trials = n;
    assert_ok(hpo_study_optimize(study, objective, NULL, &o));
    hpo_study_free(study);
}

static void test_optimize_and_resume(void **state)
{
    fixture *f = *state;
    hpo_study *study;
    hpo_frozen_trial **ts, *best;
    size_t n;
    run_trials(f->s, "e2e", 12, true);
    if (f->kind != BE_MEMORY) { /* a new handle on the same database continues the study */
        hpo_storage_free(f->s);
        assert_ok(hpo_storage_open(&f->s, f->url));
    }
    run_trials(f->s, "e2e", 8, false);
    assert_ok(hpo_study_load(&study, f->s, "e2e", NULL));
    assert_ok(hpo_study_get_trials(study, HPO_STATES_ALL, &ts, &n));
    hpo_assert_eq_i64(n, 20);
    for (size_t i = 0; i < n; i++) {
        hpo_assert_eq_i64(hpo_frozen_trial_number(ts[i]), i);
        assert_int_equal(hpo_frozen_trial_state(ts[i]), HPO_TRIAL_COMPLETE);
        hpo_assert_eq_i64(hpo_frozen_trial_n_params(ts[i]), 3);
    }
    hpo_frozen_trials_free(ts, n);
    assert_ok(hpo_study_best_trial(study, &best));
    hpo_frozen_trial_free(best);
    hpo_study_free(study);
}

/* ==== databases only ====================================================== */

/* The first column of the first row of a query on the SQLite file. */
static void sq_query(fixture *f, const char *sql, char *out, size_t n)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    out[0] = '\0';
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
        snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
    else
        snprintf(out, n, "<none>");
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void sq_exec(fixture *f, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    sqlite3_close(db);
}

static void pg_query(fixture *f, const char *sql, char *out, size_t n)
{
    PGconn *c = PQconnectdb(f->url);
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    snprintf(out, n, "%s", PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "<none>");
    PQclear(r);
    PQfinish(c);
}

static void db_query(fixture *f, const char *sql, char *out, size_t n)
{
    if (f->kind == BE_SQLITE)
        sq_query(f, sql, out, n);
    else
        pg_query(f, sql, out, n);
}

static void db_exec(fixture *f, const char *sql)
{
    char ignored[8];
    if (f->kind == BE_SQLITE)
        sq_exec(f, sql);
    else
        pg_query(f, sql, ignored, sizeof(ignored));
}

static void test_optuna_encodings(void **state)
{
    fixture *f = *state;
    int64_t st = new_study(f, "enc"), id, num;
    hpo_distribution *d, *di, *dc;
    hpo_value ch[3] = {hpo_value_string("a"), hpo_value_null(), hpo_value_bool(true)};
    double v = -INFINITY;
    char got[512];
    assert_ok(hpo_distribution_float_new(&d, 0.001, 1, HPO_NO_STEP, true));
    assert_ok(hpo_distribution_int_new(&di, 1, 10, 3, false));
    assert_ok(hpo_distribution_categorical_new(&dc, ch, 3));
    assert_ok(OPS(f)->create_trial(BE(f), st, NULL, &id, &num, NULL));
    assert_ok(OPS(f)->set_trial_param(BE(f), id, "lr", 0.01, d));
    assert_ok(OPS(f)->set_trial_param(BE(f), id, "n", 4, di));
    assert_ok(OPS(f)->set_trial_param(BE(f), id, "c", 2, dc));
    assert_ok(OPS(f)->set_trial_intermediate_value(BE(f), id, 1, NAN));
    assert_ok(OPS(f)->set_trial_state_values(BE(f), id, HPO_TRIAL_COMPLETE, &v, 1));
    db_query(f, "SELECT version_num FROM alembic_version", got, sizeof(got));
    assert_string_equal(got, "v3.2.0.a");
    db_query(f, "SELECT schema_version FROM version_info", got, sizeof(got));
    assert_string_equal(got, "12");
    db_query(f, "SELECT direction FROM study_directions", got, sizeof(got));
    assert_string_equal(got, "MINIMIZE");
    db_query(f, "SELECT state FROM trials", got, sizeof(got));
    assert_string_equal(got, "COMPLETE");
    db_query(f, "SELECT distribution_json FROM trial_params WHERE param_name = 'lr'", got,
            sizeof(got));
    assert_string_equal(got, "{\"name\": \"FloatDistribution\", \"attributes\": {\"step\": null, "
                             "\"low\": 0.001, \"high\": 1.0, \"log\": true}}");
    db_query(f, "SELECT distribution_json FROM trial_params WHERE param_name = 'n'", got,
            sizeof(got));
    assert_string_equal(got, "{\"name\": \"IntDistribution\", \"attributes\": {\"log\": false, "
                             "\"step\": 3, \"low\": 1, \"high\": 10}}");
    db_query(f, "SELECT distribution_json FROM trial_params WHERE param_name = 'c'", got,
            sizeof(got));
    assert_string_equal(got, "{\"name\": \"CategoricalDistribution\", \"attributes\": "
                             "{\"choices\": [\"a\", null, true]}}");
    db_query(f, "SELECT param_value FROM trial_params WHERE param_name = 'c'", got, sizeof(got));
    assert_true(strcmp(got, "2.0") == 0 || strcmp(got, "2") == 0);
    db_query(f, "SELECT value_type FROM trial_values", got, sizeof(got));
    assert_string_equal(got, "INF_NEG");
    db_query(f, "SELECT COALESCE(CAST(value AS TEXT), 'null') FROM trial_values", got,
            sizeof(got));
    assert_string_equal(got, "null");
    db_query(f, "SELECT intermediate_value_type FROM trial_intermediate_values", got,
            sizeof(got));
    assert_string_equal(got, "NAN");
    db_query(f, "SELECT CAST(datetime_start AS TEXT) FROM trials", got, sizeof(got));
    /* YYYY-MM-DD HH:MM:SS.ffffff (PostgreSQL prints fewer digits when they end in 0). */
    assert_true(strlen(got) >= 19 && got[4] == '-' && got[10] == ' ' && got[13] == ':');
    if (f->kind == BE_SQLITE)
        hpo_assert_eq_i64(strlen(got), 26);
    if (f->kind == BE_PG) {
        db_query(f, "SELECT data_type || ':' || udt_name FROM information_schema.columns "
                    "WHERE table_name = 'trials' AND column_name = 'state'", got, sizeof(got));
        assert_string_equal(got, "USER-DEFINED:trialstate");
        db_query(f, "SELECT udt_name FROM information_schema.columns WHERE table_name = "
                    "'study_directions' AND column_name = 'direction'", got, sizeof(got));
        assert_string_equal(got, "studydirection");
        db_query(f, "SELECT udt_name FROM information_schema.columns WHERE table_name = "
                    "'trial_values' AND column_name = 'value_type'", got, sizeof(got));
        assert_string_equal(got, "trialvaluetype");
        db_query(f, "SELECT udt_name FROM information_schema.columns WHERE table_name = "
                    "'trial_intermediate_values' AND column_name = 'intermediate_value_type'",
                got, sizeof(got));
        assert_string_equal(got, "trialintermediatevaluetype");
    }
    hpo_distribution_free(d);
    hpo_distribution_free(di);
    hpo_distribution_free(dc);
}

static void test_schema_revisions(void **state)
{
    fixture *f = *state;
    hpo_storage *s2;
    char got[128];
    new_study(f, "keep");
    hpo_storage_free(f->s);
    f->s = NULL;
    /* Optuna 3.0-3.1: read and written, never restamped; then upgraded on request. */
    db_exec(f, "UPDATE alembic_version SET version_num = 'v3.0.0.d'");
    assert_ok(hpo_storage_open(&f->s, f->url));
    new_study(f, "legacy");
    db_query(f, "SELECT version_num FROM alembic_version", got, sizeof(got));
    assert_string_equal(got, "v3.0.0.d");
    hpo_storage_free(f->s);
    f->s = NULL;
    assert_ok(hpo_storage_upgrade(f->url));
    db_query(f, "SELECT version_num FROM alembic_version", got, sizeof(got));
    assert_string_equal(got, "v3.2.0.a");
    /* Anything else is refused, naming the revision, and nothing is written. */
    db_exec(f, "UPDATE alembic_version SET version_num = 'v9.9.9.z'");
    assert_status(hpo_storage_open(&s2, f->url), HPO_ESCHEMA);
    assert_msg_has("v9.9.9.z");
    assert_null(s2);
    assert_status(hpo_storage_upgrade(f->url), HPO_ESCHEMA);
    db_query(f, "SELECT version_num FROM alembic_version", got, sizeof(got));
    assert_string_equal(got, "v9.9.9.z");
    db_exec(f, "UPDATE alembic_version SET version_num = 'v3.2.0.a'");
    assert_ok(hpo_storage_open(&f->s, f->url));
    {
        int64_t id;
        assert_ok(OPS(f)->find_study(BE(f), "legacy", &id));
        assert_ok(OPS(f)->find_study(BE(f), "keep", &id));
    }
}

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, n, fp), n);
    fclose(fp);
}

static void wait_ok(pid_t pid)
{
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_bad_sqlite_inputs(void **state)
{
    fixture *f = *state;
    hpo_storage *s;
    char path[600], url[700];
    struct stat sb;
    int64_t id, num;
    assert_status(hpo_storage_open(&s, "sqlite://relative.db"), HPO_EINVAL);
    assert_msg_has("sqlite://relative.db");
    assert_status(hpo_storage_open(&s, "sqlite:///"), HPO_EINVAL);
    assert_status(hpo_storage_open(&s, "mysql://x/y"), HPO_EINVAL);
    assert_msg_has("mysql");
    /* A text file is not a database, and stays untouched. */
    snprintf(path, sizeof(path), "%s/notes.txt", f->dir);
    write_file(path, "hello, this is not a database\n", 30);
    snprintf(url, sizeof(url), "sqlite:///%s", path);
    assert_status(hpo_storage_open(&s, url), HPO_ESTORAGE);
    assert_msg_has("not an SQLite database");
    assert_int_equal(stat(path, &sb), 0);
    hpo_assert_eq_i64(sb.st_size, 30);
    /* A database cut in half. */
    for (int i = 0; i < 30; i++)
        assert_ok(OPS(f)->create_trial(BE(f), new_study(f, url + i), NULL, &id, &num, NULL));
    hpo_storage_free(f->s);
    f->s = NULL;
    {
        char cmd[1400];
        snprintf(path, sizeof(path), "%s/cut.db", f->dir);
        snprintf(cmd, sizeof(cmd), "head -c 8192 '%s' > '%s'", f->path, path);
        assert_int_equal(system(cmd), 0);
    }
    snprintf(url, sizeof(url), "sqlite:///%s", path);
    assert_status(hpo_storage_open(&s, url), HPO_ESTORAGE);
    assert_msg_has("truncated");
    /* A read-only file. Root writes anyway, so as root the open is tried by a child
     * that became 'nobody' (the directory opened up for it). */
    chmod(f->path, 0444);
    if (geteuid() != 0) {
        assert_status(hpo_storage_open(&s, f->url), HPO_ESTORAGE);
        assert_msg_has("read-only");
    } else {
        pid_t pid;
        assert_int_equal(chmod(f->dir, 0777), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            int rc = setgid(65534) == 0 && setuid(65534) == 0 ? 0 : 3;
            if (rc == 0)
                rc = hpo_storage_open(&s, f->url) == HPO_ESTORAGE &&
                                     strstr(hpo_last_error(), "read-only") != NULL
                             ? 0
                             : 4;
            _exit(rc);
        }
        wait_ok(pid);
        assert_int_equal(chmod(f->dir, 0700), 0);
    }
    chmod(f->path, 0644);
    /* A directory that does not exist. */
    snprintf(url, sizeof(url), "sqlite:///%s/no/such/dir/x.db", f->dir);
    assert_status(hpo_storage_open(&s, url), HPO_ESTORAGE);
    assert_ok(hpo_storage_open(&f->s, f->url));
}

static void test_bad_pg_inputs(void **state)
{
    fixture *f = *state;
    hpo_storage *s;
    char url[1100];
    const char *at = strchr(f->url + 13, '@'), *colon = strchr(f->url + 13, ':');
    assert_status(hpo_storage_open(&s, "postgresql://hpo@127.0.0.1:1/nowhere"), HPO_ESTORAGE);
    assert_msg_has("cannot connect");
    assert_status(hpo_storage_open(&s, "postgresql://[oops"), HPO_ESTORAGE);
    if (at != NULL && colon != NULL && colon < at) {
        snprintf(url, sizeof(url), "%.*s:wrong-password%s", (int)(colon - f->url), f->url, at);
        assert_status(hpo_storage_open(&s, url), HPO_ESTORAGE);
        assert_msg_has("password");
    }
}

/* ==== trials this handle runs, finished or lost elsewhere ================= */

/* Another handle finishes a trial this one runs: the runner's writes are refused,
 * and none of them lands (on PostgreSQL they go out guarded, with the commit). */
static void test_finished_elsewhere(void **state)
{
    fixture *f = *state;
    int64_t st = new_study(f, "elsewhere"), id, num;
    hpo_distribution *d = float_dist(0, 1);
    hpo_storage *other;
    hpo__record *r;
    double v = 1.0;
    assert_ok(OPS(f)->create_trial(BE(f), st, NULL, &id, &num, NULL));
    assert_ok(OPS(f)->set_trial_param(BE(f), id, "x", 0.5, d));
    assert_ok(hpo_storage_open(&other, f->url));
    assert_ok(other->ops->set_trial_state_values(other->be, id, HPO_TRIAL_FAIL, NULL, 0));
    hpo_storage_free(other);
    assert_status(OPS(f)->set_trial_param(BE(f), id, "y", 0.5, d), HPO_ESTATE);
    assert_status(OPS(f)->set_trial_intermediate_value(BE(f), id, 0, 0.5), HPO_ESTATE);
    assert_status(OPS(f)->set_trial_attr(BE(f), id, false, "k", "1"), HPO_ESTATE);
    assert_status(OPS(f)->set_trial_attr(BE(f), id, true, "k", "1"), HPO_ESTATE);
    assert_status(OPS(f)->set_trial_state_values(BE(f), id, HPO_TRIAL_COMPLETE, &v, 1),
            HPO_ESTATE);
    assert_msg_has("finished");
    assert_ok(OPS(f)->get_trial(BE(f), id, &r));
    assert_int_equal(r->state, HPO_TRIAL_FAIL);
    hpo_assert_eq_i64(r->n_params, 1);
    hpo_assert_eq_i64(r->n_values, 0);
    hpo_assert_eq_i64(r->n_ivalues, 0);
    hpo_assert_eq_i64(r->user_attrs.n + r->system_attrs.n, 0);
    hpo__record_unref(r);
    hpo_distribution_free(d);
}

/* A failure inside a pipelined write (here a duplicate parameter, found by the
 * database) is reported with its own message, and the trial goes on. */
static void test_duplicate_param_elsewhere(void **state)
{
    fixture *f = *state;
    int64_t st = new_study(f, "dup"), id, num;
    hpo_distribution *d = float_dist(0, 1);
    hpo_storage *other;
    hpo__record *r;
    double v = 3.0;
    assert_ok(OPS(f)->create_trial(BE(f), st, NULL, &id, &num, NULL));
    assert_ok(hpo_storage_open(&other, f->url));
    assert_ok(other->ops->set_trial_param(other->be, id, "x", 0.5, d));
    hpo_storage_free(other);
    assert_status(OPS(f)->set_trial_param(BE(f), id, "x", 0.75, d), HPO_EEXISTS);
    assert_msg_has("already set");
    assert_ok(OPS(f)->set_trial_param(BE(f), id, "y", 0.25, d));
    assert_ok(OPS(f)->set_trial_state_values(BE(f), id, HPO_TRIAL_COMPLETE, &v, 1));
    assert_ok(OPS(f)->get_trial(BE(f), id, &r));
    hpo_assert_eq_i64(r->n_params, 2);
    assert_true(r->params[0].internal == 0.5);
    hpo__record_unref(r);
    hpo_distribution_free(d);
}

/* What a server restart does to this handle: every connection breaks. Uses of a
 * broken connection fail, cleanly, until the pool has replaced them. */
static void break_connections(fixture *f)
{
    hpo__study_info *infos;
    size_t n;
    int tries = 0, rc;
    db_exec(f, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
               "WHERE pid <> pg_backend_pid() AND datname = current_database()");
    while ((rc = OPS(f)->list_studies(BE(f), &infos, &n)) != HPO_OK) {
        assert_int_equal(rc, HPO_ESTORAGE);
        assert_true(++tries < 20);
    }
    hpo__study_infos_free(infos, n);
}

/*
 * The ask and parameter writes of a running trial commit without waiting for the
 * disk; a server crash can lose them (and hand the trial's id to another trial).
 * After a connection loss the handle checks its running trials before writing:
 * intact ones go on, lost ones are refused and left alone. The loss is emulated
 * by editing the rows while the connections are down.
 */
static void test_pg_lost_async_writes(void **state)
{
    fixture *f = *state;
    int64_t st = new_study(f, "loss"), a, b, c, num;
    hpo_distribution *d = float_dist(0, 1);
    hpo__record *r;
    double start, v = 2.0;
    bool popped;
    char sql[256], got[64];
    assert_ok(OPS(f)->start_trial(BE(f), st, -1, &a, &num, &start, &popped));
    assert_false(popped);
    assert_ok(OPS(f)->start_trial(BE(f), st, -1, &b, &num, &start, &popped));
    assert_ok(OPS(f)->start_trial(BE(f), st, -1, &c, &num, &start, &popped));
    hpo_assert_eq_i64(num, 2);
    assert_ok(OPS(f)->set_trial_param(BE(f), a, "x", 0.5, d));
    assert_ok(OPS(f)->set_trial_param(BE(f), b, "x", 0.25, d));
    break_connections(f);
    /* b lost its parameter; c's id now belongs to a trial started later. */
    snprintf(sql, sizeof(sql), "DELETE FROM trial_params WHERE trial_id = %lld", (long long)b);
    db_exec(f, sql);
    snprintf(sql, sizeof(sql),
            "UPDATE trials SET datetime_start = datetime_start + interval '2 seconds' "
            "WHERE trial_id = %lld", (long long)c);
    db_exec(f, sql);
    assert_ok(OPS(f)->set_trial_param(BE(f), a, "y", 0.75, d));
    assert_ok(OPS(f)->set_trial_state_values(BE(f), a, HPO_TRIAL_COMPLETE, &v, 1));
    assert_status(OPS(f)->set_trial_state_values(BE(f), b, HPO_TRIAL_COMPLETE, &v, 1),
            HPO_ESTORAGE);
    assert_msg_has("abandoned");
    assert_status(OPS(f)->set_trial_param(BE(f), c, "y", 0.5, d), HPO_ESTORAGE);
    snprintf(sql, sizeof(sql), "SELECT string_agg(state || ':' || (SELECT COUNT(*) FROM "
            "trial_params p WHERE p.trial_id = t.trial_id), ',' ORDER BY trial_id) FROM trials t "
            "WHERE trial_id IN (%lld, %lld)", (long long)b, (long long)c);
    db_query(f, sql, got, sizeof(got));
    assert_string_equal(got, "RUNNING:0,RUNNING:0");
    assert_ok(OPS(f)->get_trial(BE(f), a, &r));
    assert_int_equal(r->state, HPO_TRIAL_COMPLETE);
    hpo_assert_eq_i64(r->n_params, 2);
    hpo__record_unref(r);
    /* Once a trial is finished it is no longer tracked: plain writes go on. */
    assert_status(OPS(f)->set_trial_param(BE(f), a, "z", 0.5, d), HPO_ESTATE);
    hpo_distribution_free(d);
}

/* Starting a trial pops the oldest waiting one before creating any, and a cap
 * on started trials (WAITING ones do not count) stops both. */
static void test_start_trial(void **state)
{
    fixture *f = *state;
    int64_t st = new_study(f, "pop"), w, id, num;
    hpo__record *t;
    double start;
    bool popped;
    assert_ok(hpo__record_new(&t));
    t->state = HPO_TRIAL_WAITING;
    assert_ok(OPS(f)->create_trial(BE(f), st, t, &w, &num, NULL));
    hpo__record_unref(t);
    assert_ok(OPS(f)->start_trial(BE(f), st, -1, &id, &num, &start, &popped));
    assert_true(popped);
    hpo_assert_eq_i64(id, w);
    assert_ok(OPS(f)->start_trial(BE(f), st, -1, &id, &num, &start, &popped));
    assert_false(popped);
    hpo_assert_eq_i64(num, 1);
    assert_status(OPS(f)->start_trial(BE(f), st + 100, -1, &id, &num, &start, &popped),
            HPO_ENOTFOUND);
    assert_msg_has("no study");
    /* Two started; a cap of 2 refuses, and leaves an enqueued trial waiting. */
    assert_ok(hpo__record_new(&t));
    t->state = HPO_TRIAL_WAITING;
    assert_ok(OPS(f)->create_trial(BE(f), st, t, &w, &num, NULL));
    hpo__record_unref(t);
    assert_status(OPS(f)->start_trial(BE(f), st, 2, &id, &num, &start, &popped), HPO_ESTATE);
    assert_msg_has("2 started");
    assert_ok(OPS(f)->start_trial(BE(f), st, 3, &id, &num, &start, &popped));
    assert_true(popped);
    hpo_assert_eq_i64(id, w);
    assert_status(OPS(f)->start_trial(BE(f), st, 3, &id, &num, &start, &popped), HPO_ESTATE);
    assert_ok(OPS(f)->start_trial(BE(f), st, 4, &id, &num, &start, &popped));
    assert_false(popped);
    hpo_assert_eq_i64(num, 3);
    assert_status(OPS(f)->start_trial(BE(f), st, 0, &id, &num, &start, &popped), HPO_ESTATE);
}

/* ==== many processes, killed workers ====================================== */

static int child_optimize(const char *url, int n)
{
    hpo_storage *s;
    hpo_study *study;
    hpo_sampler *smp;
    hpo_optimize_options o = HPO_OPTIMIZE_OPTIONS_INIT;
    if (hpo_storage_open(&s, url) != HPO_OK || hpo_study_load(&study, s, "many", NULL) != HPO_OK)
        return 2;
    if (hpo_sampler_random_new(&smp, (uint64_t)getpid()) != HPO_OK ||
            hpo_study_set_sampler(study, smp) != HPO_OK)
        return 3;
    o.n_trials = n;
    o.catch_failures = false;
    if (hpo_study_optimize(study, objective, NULL, &o) != HPO_OK) {
        fprintf(stderr, "# worker %d: %s\n", (int)getpid(), hpo_last_error());
        return 4;
    }
    hpo_study_free(study);
    hpo_storage_free(s);
    return 0;
}

static void test_many_processes(void **state)
{
    fixture *f = *state;
    enum { PROCS = 8, EACH = 50 };
    pid_t pids[PROCS];
    hpo_study *study;
    hpo_frozen_trial **ts;
    size_t n;
    assert_ok(hpo_study_create(&study, f->s, "many", NULL, 0, NULL));
    hpo_study_free(study);
    for (int i = 0; i < PROCS; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0)
            _exit(child_optimize(f->url, EACH));
    }
    for (int i = 0; i < PROCS; i++)
        wait_ok(pids[i]);
    assert_ok(hpo_study_load(&study, f->s, "many", NULL));
    assert_ok(hpo_study_get_trials(study, HPO_STATES_ALL, &ts, &n));
    hpo_assert_eq_i64(n, PROCS * EACH);
    for (size_t i = 0; i < n; i++) {
        hpo_assert_eq_i64(hpo_frozen_trial_number(ts[i]), i);
        assert_int_equal(hpo_frozen_trial_state(ts[i]), HPO_TRIAL_COMPLETE);
    }
    hpo_frozen_trials_free(ts, n);
    hpo_study_free(study);
}

/* A worker that finishes two trials, starts a third and hangs until killed. */
static int child_hang(const char *url, int ready_fd)
{
    hpo_storage *s;
    hpo_study *study;
    hpo_trial *t;
    double v = 1, x;
    if (hpo_storage_open(&s, url) != HPO_OK ||
            hpo_storage_set_heartbeat(s, 1, 2, false, -1) != HPO_OK ||
            hpo_study_load(&study, s, "crash", NULL) != HPO_OK)
        return 2;
    for (int i = 0; i < 3; i++) {
        if (hpo_study_ask(study, &t) != HPO_OK ||
                hpo_trial_suggest_float(t, "x", 0, 1, HPO_NO_STEP, false, &x) != HPO_OK)
            return 3;
        if (i == 2)
            break;
        if (hpo_study_tell(study, t, HPO_TRIAL_COMPLETE, &v, 1) != HPO_OK)
            return 4;
        hpo_trial_free(t);
    }
    if (write(ready_fd, "r", 1) != 1)
        return 5;
    for (;;)
        pause();
}

static void test_killed_worker(void **state)
{
    fixture *f = *state;
    hpo_study *study;
    hpo_frozen_trial **ts, *t;
    size_t n, failed = 0;
    int fds[2];
    char c;
    pid_t pid;
    assert_ok(hpo_study_create(&study, f->s, "crash", NULL, 0, NULL));
    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(child_hang(f->url, fds[1]));
    assert_int_equal(read(fds[0], &c, 1), 1);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(fds[0]);
    close(fds[1]);
    assert_status(hpo_storage_fail_stale_trials(f->s, "crash", &failed), HPO_ESTATE);
    assert_ok(hpo_storage_set_heartbeat(f->s, 1, 2, true, -1));
    /* Poll until the dead worker's heartbeat passes the grace period. */
    for (int i = 0; i < 100 && failed == 0; i++) {
        usleep(100000);
        assert_ok(hpo_storage_fail_stale_trials(f->s, "crash", &failed));
    }
    hpo_assert_eq_i64(failed, 1);
    assert_ok(hpo_study_get_trials(study, HPO_STATES_ALL, &ts, &n));
    hpo_assert_eq_i64(n, 4);
    assert_int_equal(hpo_frozen_trial_state(ts[0]), HPO_TRIAL_COMPLETE);
    assert_int_equal(hpo_frozen_trial_state(ts[1]), HPO_TRIAL_COMPLETE);
    assert_int_equal(hpo_frozen_trial_state(ts[2]), HPO_TRIAL_FAIL);
    assert_int_equal(hpo_frozen_trial_state(ts[3]), HPO_TRIAL_WAITING);
    assert_string_equal(hpo_frozen_trial_system_attr(ts[3], "failed_trial"), "2");
    assert_string_equal(hpo_frozen_trial_system_attr(ts[3], "retry_history"), "[2]");
    hpo_assert_eq_i64(hpo_frozen_trial_n_params(ts[3]), 1);
    hpo_frozen_trials_free(ts, n);
    /* The retry runs next; nothing is stale any more. */
    {
        hpo_trial *tr;
        double v = 2;
        assert_ok(hpo_study_ask(study, &tr));
        hpo_assert_eq_i64(hpo_trial_number(tr), 3);
        assert_ok(hpo_study_tell(study, tr, HPO_TRIAL_COMPLETE, &v, 1));
        hpo_trial_free(tr);
    }
    assert_ok(hpo_storage_fail_stale_trials(f->s, "crash", &failed));
    hpo_assert_eq_i64(failed, 0);
    assert_ok(hpo_study_get_trial(study, 3, &t));
    assert_int_equal(hpo_frozen_trial_state(t), HPO_TRIAL_COMPLETE);
    hpo_frozen_trial_free(t);
    hpo_study_free(study);
    assert_status(hpo_storage_set_heartbeat(f->s, 2, 1, false, -1), HPO_EINVAL);
}

static void test_memory_has_no_heartbeats(void **state)
{
    fixture *f = *state;
    size_t n;
    assert_status(hpo_storage_set_heartbeat(f->s, 1, 2, false, -1), HPO_EUNSUPPORTED);
    assert_status(hpo_storage_fail_stale_trials(f->s, "x", &n), HPO_EUNSUPPORTED);
    assert_status(hpo_storage_upgrade(":memory:"), HPO_EINVAL);
}

#define GENERIC(setup)                                                                   \
    cmocka_unit_test_setup_teardown(test_studies, setup, teardown),                      \
            cmocka_unit_test_setup_teardown(test_trial_lifecycle, setup, teardown),      \
            cmocka_unit_test_setup_teardown(test_waiting_and_templates, setup, teardown), \
            cmocka_unit_test_setup_teardown(test_incremental_load, setup, teardown),     \
            cmocka_unit_test_setup_teardown(test_hostile_names, setup, teardown),        \
            cmocka_unit_test_setup_teardown(test_optimize_and_resume, setup, teardown),  \
            cmocka_unit_test_setup_teardown(test_start_trial, setup, teardown)

#define DATABASE(setup)                                                                  \
    cmocka_unit_test_setup_teardown(test_optuna_encodings, setup, teardown),             \
            cmocka_unit_test_setup_teardown(test_schema_revisions, setup, teardown),     \
            cmocka_unit_test_setup_teardown(test_many_processes, setup, teardown),       \
            cmocka_unit_test_setup_teardown(test_killed_worker, setup, teardown),        \
            cmocka_unit_test_setup_teardown(test_finished_elsewhere, setup, teardown),   \
            cmocka_unit_test_setup_teardown(test_duplicate_param_elsewhere, setup, teardown)

int main(void)
{
    const struct CMUnitTest base[] = {
        GENERIC(setup_memory),
        cmocka_unit_test_setup_teardown(test_memory_has_no_heartbeats, setup_memory, teardown),
        GENERIC(setup_sqlite),
        DATABASE(setup_sqlite),
        cmocka_unit_test_setup_teardown(test_bad_sqlite_inputs, setup_sqlite, teardown),
    };
    const struct CMUnitTest pg[] = {
        GENERIC(setup_pg),
        DATABASE(setup_pg),
        cmocka_unit_test_setup_teardown(test_bad_pg_inputs, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_pg_lost_async_writes, setup_pg, teardown),
    };
    int rc = HPO_RUN_TESTS("storage", base);
    if (pg_url() == NULL) {
        printf("# SKIP PostgreSQL storage tests: HPO_TEST_PG_URL is not set "
               "(start a server with tests/pg/start.sh)\n");
        return rc;
    }
    return rc | HPO_RUN_TESTS("storage_pg", pg);
}
