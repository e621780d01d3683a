/*
 * postgres.c - the PostgreSQL driver under rdb.c, on libpq in pipeline mode.
 *
 * Why a pipeline: one trial is a handful of short transactions, and on a
 * loopback server each client/server round trip costs more than the statement
 * itself. So nothing is sent synchronously unless its answer is needed now:
 * BEGIN, statement preparation (Parse) and statements whose outcome only
 * matters for the transaction as a whole (defer) are queued; the queue is sent
 * with one Sync and read back in order when a result is needed (step) or the
 * transaction commits. A failure anywhere in the queue is kept and reported by
 * that next step or commit, so a transaction still fails as a whole.
 *
 * Statements are prepared on the server once per connection ('?' renumbered to
 * $1..$n) and run with text parameters. SQLSTATE 40001 (serialization failure),
 * 40P01 (deadlock) and 55P03 (lock not available) become HPO_EBUSY, so rdb.c
 * retries the transaction; 23505 (unique violation) becomes HPO_EEXISTS.
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
#define MAX_QUEUED 256 /* read back before the server's output could fill the socket */

typedef enum { Q_ANON, Q_STMT, Q_PREPARE } qkind;

/* One message sent and not read back yet: its result goes to s (Q_STMT), marks
 * s unprepared on failure (Q_PREPARE), or is only checked (Q_ANON). */
typedef struct qentry {
    qkind kind;
    hpo__rdb_stmt *s;
} qentry;

struct hpo__rdb_conn {
    PGconn *pg;
    unsigned next_stmt; /* for server-side statement names */
    qentry *q;
    size_t q_n, q_cap;
    bool have_err;      /* a failure was read back and not reported yet */
    char err_state[8];
    char err_msg[400];
};

struct hpo__rdb_stmt {
    hpo__rdb_conn *c;
    char name[24];
    char *text;    /* the renumbered SQL, to (re)prepare */
    bool prepared; /* Parse sent and not known to have failed */
    int n_params;
    char *params[MAX_PARAMS]; /* owned text of each bound parameter, NULL for NULL */
    PGresult *res;
    int row;       /* next row to hand out */
    int cur;       /* current row */
    bool sent;     /* queued; its result arrives when the queue is read */
    bool received; /* res holds what the server answered */
    bool ran;      /* step has checked the result */
};

/* One line of libpq's message (it may hold a trailing newline or a DETAIL). */
static void first_line(const char *msg, char *out, size_t n)
{
    size_t len = strcspn(msg ? msg : "", "\n");
    snprintf(out, n, "%.*s", (int)(len < n ? len : n - 1), msg ? msg : "");
}

static int map_error(const char *state, const char *msg, const char *what)
{
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
            strcmp(state, "55P03") == 0)
        return hpo__error_set(HPO_EBUSY, "postgresql: %s (%s)", msg, what);
    if (strcmp(state, "23505") == 0)
        return hpo__error_set(HPO_EEXISTS, "postgresql: %s", msg);
    if (strcmp(state, "22001") == 0 || strcmp(state, "22021") == 0)
        return hpo__error_set(HPO_EINVAL, "postgresql: %s", msg);
    return hpo__error_set(HPO_ESTORAGE, "postgresql: %s failed: %s", what, msg);
}

/* Keep the first failure read back (res NULL: the connection failed). */
static void note_failure(hpo__rdb_conn *c, const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (c->have_err)
        return;
    c->have_err = true;
    snprintf(c->err_state, sizeof(c->err_state), "%s", state ? state : "");
    first_line(res ? PQresultErrorMessage(res) : "", c->err_msg, sizeof(c->err_msg));
    if (c->err_msg[0] == '\0')
        first_line(PQerrorMessage(c->pg), c->err_msg, sizeof(c->err_msg));
    if (c->err_msg[0] == '\0')
        snprintf(c->err_msg, sizeof(c->err_msg), "the connection was lost");
}

/* Report (and forget) the kept failure. */
static int take_failure(hpo__rdb_conn *c, const char *what)
{
    c->have_err = false;
    return map_error(c->err_state, c->err_msg, what);
}

static bool result_ok(const PGresult *res)
{
    ExecStatusType st = PQresultStatus(res);
    return res != NULL && (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK);
}

static int q_reserve(hpo__rdb_conn *c, size_t more)
{
    qentry *q;
    size_t cap;
    if (c->q_n + more <= c->q_cap)
        return HPO_OK;
    cap = c->q_cap ? c->q_cap * 2 : 16;
    while (cap < c->q_n + more)
        cap *= 2;
    q = hpo__reallocarray(c->q, cap, sizeof(*q));
    if (q == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory queueing a statement");
    c->q = q;
    c->q_cap = cap;
    return HPO_OK;
}

/* Record a message just sent (q_reserve made room first, so this cannot fail). */
static void q_push(hpo__rdb_conn *c, qkind kind, hpo__rdb_stmt *s)
{
    c->q[c->q_n].kind = kind;
    c->q[c->q_n].s = s;
    c->q_n++;
}

/* The next command's result, with the NULL that ends it consumed; NULL if the connection failed. */
static PGresult *read_command(hpo__rdb_conn *c)
{
    PGresult *res = PQgetResult(c->pg), *extra;
    if (res == NULL)
        return NULL;
    while ((extra = PQgetResult(c->pg)) != NULL)
        PQclear(extra);
    return res;
}

static bool read_sync(hpo__rdb_conn *c)
{
    PGresult *res;
    for (int nulls = 0; nulls < 2;) {
        res = PQgetResult(c->pg);
        if (res == NULL) {
            if (PQstatus(c->pg) == CONNECTION_BAD)
                return false;
            nulls++;
            continue;
        }
        if (PQresultStatus(res) == PGRES_PIPELINE_SYNC) {
            PQclear(res);
            return true;
        }
        PQclear(res);
    }
    return false;
}

/* Hand a result (or its absence) to the entry that was waiting for it. */
static void deliver(hpo__rdb_conn *c, qentry *e, PGresult *res)
{
    if (!result_ok(res))
        note_failure(c, PQresultStatus(res) == PGRES_PIPELINE_ABORTED ? NULL : res);
    if (e->kind == Q_STMT && e->s != NULL) {
        e->s->res = res;
        e->s->received = true;
        return;
    }
    if (e->kind == Q_PREPARE && e->s != NULL && !result_ok(res))
        e->s->prepared = false;
    PQclear(res);
}

/* Send a Sync and read back everything queued, in order. */
static void drain(hpo__rdb_conn *c)
{
    bool lost;
    if (c->q_n == 0)
        return;
    lost = PQpipelineSync(c->pg) != 1;
    for (size_t i = 0; i < c->q_n; i++) {
        PGresult *res = lost ? NULL : read_command(c);
        lost = lost || res == NULL;
        if (res == NULL)
            note_failure(c, NULL);
        deliver(c, &c->q[i], res);
    }
    if (!lost && !read_sync(c))
        note_failure(c, NULL);
    c->q_n = 0;
}

/* Queue parameterless SQL (transaction control); flush: send it to the server now. */
static int send_plain(hpo__rdb_conn *c, const char *sql, bool flush)
{
    if (c->q_n >= MAX_QUEUED)
        drain(c);
    HPO_TRY(q_reserve(c, 1));
    if (PQsendQueryParams(c->pg, sql, 0, NULL, NULL, NULL, NULL, 0) != 1)
        return map_error("", PQerrorMessage(c->pg), "sending a statement");
    q_push(c, Q_ANON, NULL);
    /* An Execute runs on arrival and a transaction-ending one takes effect at
     * once (no Sync needed), so the transaction's locks go now. */
    if (flush && PQflush(c->pg) != 0)
        return map_error("", PQerrorMessage(c->pg), "sending a statement");
    return HPO_OK;
}

static void pg_disconnect(hpo__rdb_conn *c)
{
    if (c == NULL)
        return;
    PQfinish(c->pg);
    hpo__free(c->q);
    hpo__free(c);
}

/* Single statements that may join the pipeline (multi-statement text may not). */
static bool is_txn_control(const char *sql)
{
    return strncmp(sql, "BEGIN", 5) == 0 || strcmp(sql, "COMMIT") == 0 ||
           strcmp(sql, "ROLLBACK") == 0 || strncmp(sql, "SET LOCAL ", 10) == 0;
}

/* Run SQL and wait for it. Other SQL than transaction control (DDL, several
 * statements) runs outside the pipeline, which allows only one statement. */
static int pg_exec(hpo__rdb_conn *c, const char *sql)
{
    PGresult *res;
    int rc = HPO_OK;
    if (is_txn_control(sql)) {
        HPO_TRY(send_plain(c, sql, false));
        drain(c);
        return c->have_err ? take_failure(c, "a statement") : HPO_OK;
    }
    drain(c);
    if (c->have_err)
        return take_failure(c, "a statement");
    if (PQexitPipelineMode(c->pg) != 1)
        return map_error("", PQerrorMessage(c->pg), "leaving pipeline mode");
    res = PQexec(c->pg, sql);
    if (!result_ok(res)) {
        const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
        char msg[400];
        first_line(res ? PQresultErrorMessage(res) : PQerrorMessage(c->pg), msg, sizeof(msg));
        rc = map_error(state ? state : "", msg, "a statement");
    }
    PQclear(res);
    if (PQenterPipelineMode(c->pg) != 1 && rc == HPO_OK)
        rc = map_error("", PQerrorMessage(c->pg), "entering pipeline mode");
    return rc;
}

/*
 * Transaction control whose outcome can wait (BEGIN, SET LOCAL, ROLLBACK, a
 * read-only COMMIT). A ROLLBACK first reads back what is queued and forgets its failure:
 * that belonged to the transaction being rolled back.
 */
static int pg_exec_later(hpo__rdb_conn *c, const char *sql)
{
    bool ends = strcmp(sql, "COMMIT") == 0 || strcmp(sql, "ROLLBACK") == 0;
    if (!is_txn_control(sql))
        return pg_exec(c, sql);
    if (strcmp(sql, "ROLLBACK") == 0) {
        drain(c);
        c->have_err = false;
    }
    return send_plain(c, sql, ends);
}

static bool pg_broken(hpo__rdb_conn *c)
{
    return PQstatus(c->pg) == CONNECTION_BAD;
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
    PGresult *res;
    char msg[400];
    bool ok;
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
    res = PQexec(c->pg, "SET DateStyle = 'ISO, YMD'; SET client_encoding = 'UTF8'");
    ok = result_ok(res);
    PQclear(res);
    if (!ok || PQenterPipelineMode(c->pg) != 1) {
        first_line(PQerrorMessage(c->pg), msg, sizeof(msg));
        pg_disconnect(c);
        return hpo__error_set(HPO_ESTORAGE, "postgresql: cannot set up the connection: %s", msg);
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

/* The statement is parsed on the server when first sent (no round trip of its own). */
static int pg_prepare(hpo__rdb_conn *c, const char *sql, hpo__rdb_stmt **out)
{
    hpo__rdb_stmt *s;
    char *text = NULL;
    int n = 0;
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
    s->text = text;
    s->cur = -1;
    snprintf(s->name, sizeof(s->name), "hpo_%u", c->next_stmt++);
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

/* Stop queued entries from writing into s (reset or freed before its result was read). */
static void detach(hpo__rdb_stmt *s, bool prepare_too)
{
    for (size_t i = 0; i < s->c->q_n; i++) {
        qentry *e = &s->c->q[i];
        if (e->s == s && (e->kind == Q_STMT || prepare_too)) {
            e->kind = e->kind == Q_PREPARE ? Q_PREPARE : Q_ANON;
            e->s = NULL;
        }
    }
}

static void pg_reset(hpo__rdb_stmt *s)
{
    if (s->sent && !s->received)
        detach(s, false);
    PQclear(s->res);
    s->res = NULL;
    s->sent = s->received = s->ran = false;
    s->row = 0;
    s->cur = -1;
    clear_params(s);
}

static void pg_finalize(hpo__rdb_stmt *s)
{
    if (s == NULL)
        return;
    pg_reset(s);
    detach(s, true);
    hpo__free(s->text);
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

/* Queue s (its Parse first, the first time); kind says where its result goes. */
static int send_stmt(hpo__rdb_stmt *s, qkind kind)
{
    hpo__rdb_conn *c = s->c;
    if (c->q_n >= MAX_QUEUED)
        drain(c);
    HPO_TRY(q_reserve(c, 2));
    if (!s->prepared) {
        if (PQsendPrepare(c->pg, s->name, s->text, s->n_params, NULL) != 1)
            return map_error("", PQerrorMessage(c->pg), "preparing a statement");
        q_push(c, Q_PREPARE, s);
        s->prepared = true;
    }
    if (PQsendQueryPrepared(c->pg, s->name, s->n_params, (const char *const *)s->params, NULL,
                NULL, 0) != 1)
        return map_error("", PQerrorMessage(c->pg), "sending a query");
    q_push(c, kind, kind == Q_STMT ? s : NULL);
    return HPO_OK;
}

/* Start s now; a later step reads its result. */
static int pg_send(hpo__rdb_stmt *s)
{
    if (s->sent)
        return HPO_OK;
    HPO_TRY(send_stmt(s, Q_STMT));
    s->sent = true;
    return HPO_OK;
}

/* Run s without waiting: a failure fails the next step or the commit. */
static int pg_defer(hpo__rdb_stmt *s)
{
    return send_stmt(s, Q_ANON);
}

static int pg_step(hpo__rdb_stmt *s)
{
    if (!s->ran) {
        HPO_TRY(pg_send(s));
        if (!s->received)
            drain(s->c);
        s->ran = true;
        /* A failure queued after s stays pending for its own step or the commit. */
        if (!result_ok(s->res))
            return s->c->have_err ? take_failure(s->c, "a query")
                                  : map_error("", "no result", "a query");
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
    .exec_later = pg_exec_later,
    .broken = pg_broken,
    .prepare = pg_prepare,
    .finalize = pg_finalize,
    .bind_null = pg_bind_null,
    .bind_i64 = pg_bind_i64,
    .bind_f64 = pg_bind_f64,
    .bind_text = pg_bind_text,
    .send = pg_send,
    .defer = pg_defer,
    .step = pg_step,
    .reset = pg_reset,
    .column_null = pg_column_null,
    .column_i64 = pg_column_i64,
    .column_f64 = pg_column_f64,
    .column_text = pg_column_text,
    .changes = pg_changes,
};
