/*
 * postgres.c - the PostgreSQL driver under rdb.c, on libpq. Statements are
 * prepared on the server once per connection (PQprepare, '?' renumbered to
 * $1..$n) and run with text parameters (PQexecPrepared); a result is held and
 * stepped through row by row. SQLSTATE 40001 (serialization failure) and 40P01
 * (deadlock) become HPO_EBUSY, so rdb.c retries the transaction; 23505 (unique
 * violation) becomes HPO_EEXISTS.
 */
#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "storage/rdb.h"

#define MAX_PARAMS 8

struct hpo__rdb_conn {
    PGconn *pg;
    unsigned next_stmt; /* for server-side statement names */
};

struct hpo__rdb_stmt {
    hpo__rdb_conn *c;
    char name[24];
    int n_params;
    char *params[MAX_PARAMS]; /* owned text of each bound parameter, NULL for NULL */
    PGresult *res;
    int row;      /* next row to hand out */
    int cur;      /* current row */
    bool ran;
};

/* One line of libpq's message (it may hold a trailing newline or a DETAIL). */
static void first_line(const char *msg, char *out, size_t n)
{
    size_t len = strcspn(msg ? msg : "", "\n");
    snprintf(out, n, "%.*s", (int)(len < n ? len : n - 1), msg ? msg : "");
}

static int map_result(hpo__rdb_conn *c, const PGresult *res, const char *what)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    char msg[400];
    first_line(res ? PQresultErrorMessage(res) : PQerrorMessage(c->pg), msg, sizeof(msg));
    if (msg[0] == '\0')
        first_line(PQerrorMessage(c->pg), msg, sizeof(msg));
    if (state != NULL && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
                                 strcmp(state, "55P03") == 0))
        return hpo__error_set(HPO_EBUSY, "postgresql: %s (%s)", msg, what);
    if (state != NULL && strcmp(state, "23505") == 0)
        return hpo__error_set(HPO_EEXISTS, "postgresql: %s", msg);
    if (state != NULL && (strcmp(state, "22001") == 0 || strcmp(state, "22021") == 0))
        return hpo__error_set(HPO_EINVAL, "postgresql: %s", msg);
    return hpo__error_set(HPO_ESTORAGE, "postgresql: %s failed: %s", what, msg);
}

static void pg_disconnect(hpo__rdb_conn *c)
{
    if (c == NULL)
        return;
    PQfinish(c->pg);
    hpo__free(c);
}

static int pg_exec(hpo__rdb_conn *c, const char *sql)
{
    PGresult *res = PQexec(c->pg, sql);
    ExecStatusType st = PQresultStatus(res);
    int rc = HPO_OK;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        rc = map_result(c, res, "a statement");
    PQclear(res);
    return rc;
}

/* A libpq notice (e.g. "there is no transaction in progress") is not an error for us. */
static void quiet_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static int pg_connect(const char *target, hpo__rdb_conn **out)
{
    /* connect_timeout first: a value in the URL overrides it. */
    const char *keys[] = {"connect_timeout", "dbname", NULL};
    const char *vals[] = {"10", target, NULL};
    hpo__rdb_conn *c = hpo__calloc(1, sizeof(*c));
    char msg[400];
    int rc;
    *out = NULL;
    if (c == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory connecting to postgresql");
    c->pg = PQconnectdbParams(keys, vals, 1);
    if (c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK) {
        first_line(c->pg ? PQerrorMessage(c->pg) : "out of memory", msg, sizeof(msg));
        pg_disconnect(c);
        return hpo__error_set(HPO_ESTORAGE, "postgresql: cannot connect: %s", msg);
    }
    PQsetNoticeProcessor(c->pg, quiet_notice, NULL);
    /* Datetimes in the one format rdb.c reads and writes. */
    rc = pg_exec(c, "SET DateStyle = 'ISO, YMD'; SET client_encoding = 'UTF8'");
    if (rc != HPO_OK) {
        pg_disconnect(c);
        return rc;
    }
    *out = c;
    return HPO_OK;
}

/* Copy sql with each '?' renumbered $1, $2, ... (rdb.c's SQL has no '?' in literals). */
static int renumber(const char *sql, char **out, int *n_params)
{
    size_t len = strlen(sql), j = 0;
    char *t = hpo__malloc(len * 3 + 1);
    int n = 0;
    if (t == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory preparing a statement");
    for (size_t i = 0; i < len; i++) {
        if (sql[i] == '?')
            j += (size_t)snprintf(t + j, 4, "$%d", ++n);
        else
            t[j++] = sql[i];
    }
    t[j] = '\0';
    *out = t;
    *n_params = n;
    return HPO_OK;
}

static int pg_prepare(hpo__rdb_conn *c, const char *sql, hpo__rdb_stmt **out)
{
    hpo__rdb_stmt *s;
    char *text = NULL;
    int n = 0, rc = HPO_OK;
    PGresult *res;
    HPO_TRY(renumber(sql, &text, &n));
    if (n > MAX_PARAMS) {
        hpo__free(text);
        return hpo__error_set(HPO_ESTORAGE, "postgresql: statement has %d parameters", n);
    }
    s = hpo__calloc(1, sizeof(*s));
    if (s == NULL) {
        hpo__free(text);
        return hpo__error_set(HPO_ENOMEM, "out of memory preparing a statement");
    }
    s->c = c;
    s->n_params = n;
    snprintf(s->name, sizeof(s->name), "hpo_%u", c->next_stmt++);
    res = PQprepare(c->pg, s->name, text, n, NULL);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        rc = map_result(c, res, "preparing a statement");
    PQclear(res);
    hpo__free(text);
    if (rc != HPO_OK) {
        hpo__free(s);
        return rc;
    }
    *out = s;
    return HPO_OK;
}

static void clear_params(hpo__rdb_stmt *s)
{
    for (int i = 0; i < MAX_PARAMS; i++) {
        hpo__free(s->params[i]);
        s->params[i] = NULL;
    }
}

static void pg_reset(hpo__rdb_stmt *s)
{
    PQclear(s->res);
    s->res = NULL;
    s->ran = false;
    s->row = 0;
    s->cur = -1;
    clear_params(s);
}

static void pg_finalize(hpo__rdb_stmt *s)
{
    if (s == NULL)
        return;
    pg_reset(s);
    hpo__free(s);
}

static int set_param(hpo__rdb_stmt *s, int i, const char *text)
{
    char *copy = NULL;
    if (i < 1 || i > s->n_params)
        return hpo__error_set(HPO_ESTORAGE, "postgresql: parameter %d out of range", i);
    if (text != NULL && (copy = hpo__strdup(text)) == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory binding a parameter");
    hpo__free(s->params[i - 1]);
    s->params[i - 1] = copy;
    return HPO_OK;
}

static int pg_bind_null(hpo__rdb_stmt *s, int i)
{
    return set_param(s, i, NULL);
}

static int pg_bind_i64(hpo__rdb_stmt *s, int i, int64_t v)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%lld", (long long)v);
    return set_param(s, i, buf);
}

static int pg_bind_f64(hpo__rdb_stmt *s, int i, double v)
{
    char buf[40];
    if (isnan(v))
        return set_param(s, i, "NaN");
    if (isinf(v))
        return set_param(s, i, v > 0 ? "Infinity" : "-Infinity");
    snprintf(buf, sizeof(buf), "%.17g", v); /* round-trips exactly */
    return set_param(s, i, buf);
}

static int pg_bind_text(hpo__rdb_stmt *s, int i, const char *v)
{
    return set_param(s, i, v);
}

static int pg_step(hpo__rdb_stmt *s)
{
    if (!s->ran) {
        ExecStatusType st;
        s->res = PQexecPrepared(s->c->pg, s->name, s->n_params,
                (const char *const *)s->params, NULL, NULL, 0);
        st = PQresultStatus(s->res);
        s->ran = true;
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
            int rc = map_result(s->c, s->res, "a query");
            PQclear(s->res);
            s->res = NULL;
            return rc;
        }
    }
    if (s->res != NULL && s->row < PQntuples(s->res)) {
        s->cur = s->row++;
        return HPO__RDB_ROW;
    }
    return HPO__RDB_DONE;
}

static bool pg_column_null(hpo__rdb_stmt *s, int col)
{
    return PQgetisnull(s->res, s->cur, col) != 0;
}

static const char *pg_column_text(hpo__rdb_stmt *s, int col)
{
    const char *v = PQgetvalue(s->res, s->cur, col);
    return v ? v : "";
}

static int64_t pg_column_i64(hpo__rdb_stmt *s, int col)
{
    return strtoll(pg_column_text(s, col), NULL, 10);
}

static double pg_column_f64(hpo__rdb_stmt *s, int col)
{
    return strtod(pg_column_text(s, col), NULL);
}

static int64_t pg_changes(hpo__rdb_stmt *s)
{
    const char *n = s->res ? PQcmdTuples(s->res) : "";
    return n[0] ? strtoll(n, NULL, 10) : 0;
}

const hpo__rdb_driver hpo__postgres_driver = {
    .scheme = "postgresql",
    .postgres = true,
    .connect = pg_connect,
    .disconnect = pg_disconnect,
    .exec = pg_exec,
    .prepare = pg_prepare,
    .finalize = pg_finalize,
    .bind_null = pg_bind_null,
    .bind_i64 = pg_bind_i64,
    .bind_f64 = pg_bind_f64,
    .bind_text = pg_bind_text,
    .step = pg_step,
    .reset = pg_reset,
    .column_null = pg_column_null,
    .column_i64 = pg_column_i64,
    .column_f64 = pg_column_f64,
    .column_text = pg_column_text,
    .changes = pg_changes,
};
