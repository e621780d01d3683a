/*
 * sqlite.c - the SQLite driver under rdb.c: open a database file (WAL mode, a
 * busy handler that waits in short randomised steps), prepare, bind, step, and
 * map SQLite's result codes onto hpo statuses. SQLITE_BUSY becomes HPO_EBUSY,
 * which rdb.c answers by retrying the whole transaction.
 *
 * Before SQLite touches an existing file we check its 100-byte header, so a
 * file that is not a database, or one cut short, is refused with a clear
 * message instead of being "repaired" or misread.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/clock.h"
#include "core/error.h"
#include "storage/rdb.h"

#define BUSY_WAIT_SECONDS 60.0

struct hpo__rdb_conn {
    sqlite3 *db;
    char *path;
    double busy_since;
};

struct hpo__rdb_stmt {
    hpo__rdb_conn *c;
    sqlite3_stmt *st;
};

static int map_error(hpo__rdb_conn *c, int code, const char *what)
{
    int primary = code & 0xff;
    const char *msg = c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(code);
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
        return hpo__error_set(HPO_EBUSY, "sqlite '%.300s': database is locked (%s)", c->path,
                what);
    if (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY)
        return hpo__error_set(HPO_EEXISTS, "sqlite '%.300s': %s", c->path, msg);
    if (primary == SQLITE_NOTADB)
        return hpo__error_set(HPO_ESTORAGE, "sqlite '%.300s' is not a database", c->path);
    if (primary == SQLITE_CORRUPT)
        return hpo__error_set(HPO_ESTORAGE, "sqlite '%.300s' is corrupt or truncated: %s",
                c->path, msg);
    if (primary == SQLITE_READONLY)
        return hpo__error_set(HPO_ESTORAGE, "sqlite '%.300s' is read-only: %s", c->path, msg);
    if (primary == SQLITE_NOMEM)
        return hpo__error_set(HPO_ENOMEM, "sqlite '%.300s': out of memory", c->path);
    return hpo__error_set(HPO_ESTORAGE, "sqlite '%.300s': %s failed: %s", c->path, what, msg);
}

/* Wait for a lock in short, jittered sleeps (SQLite's default sleeps grow to 100 ms). */
static int busy_handler(void *arg, int count)
{
    hpo__rdb_conn *c = arg;
    double now = hpo__monotonic();
    long us;
    struct timespec ts;
    if (count == 0)
        c->busy_since = now;
    if (now - c->busy_since > BUSY_WAIT_SECONDS)
        return 0;
    us = 50L << (count < 5 ? count : 5);             /* 50 us .. 1.6 ms */
    us += (long)((unsigned)(count * 2654435761u) % 200u); /* de-synchronise waiters */
    ts.tv_sec = 0;
    ts.tv_nsec = us * 1000L;
    nanosleep(&ts, NULL);
    return 1;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Refuse an existing file that is not an SQLite database or is shorter than its header says. */
static int check_file(const char *path)
{
    unsigned char h[100];
    struct stat st;
    FILE *f;
    size_t got;
    uint32_t page_size, pages;
    char wal[4200];
    if (stat(path, &st) != 0)
        return HPO_OK; /* created on open */
    if (!S_ISREG(st.st_mode))
        return hpo__error_set(HPO_ESTORAGE, "sqlite '%.300s' is not a regular file", path);
    if (st.st_size == 0)
        return HPO_OK; /* an empty file is an empty database */
    if (access(path, W_OK) != 0)
        return hpo__error_set(HPO_ESTORAGE, "sqlite '%.300s' is read-only (no write permission)",
                path);
    f = fopen(path, "rb");
    if (f == NULL)
        return hpo__error_set(HPO_ESTORAGE, "sqlite '%.300s' cannot be read", path);
    got = fread(h, 1, sizeof(h), f);
    fclose(f);
    if (got < sizeof(h) || memcmp(h, "SQLite format 3", 16) != 0)
        return hpo__error_set(HPO_ESTORAGE, "sqlite '%.300s' is not an SQLite database", path);
    page_size = (uint32_t)h[16] << 8 | h[17];
    if (page_size == 1)
        page_size = 65536;
    pages = be32(h + 28);
    snprintf(wal, sizeof(wal), "%s-wal", path);
    /* The in-header size is valid when its change counter matches (offsets 24, 92). */
    if (pages > 0 && be32(h + 24) == be32(h + 92) && access(wal, F_OK) != 0 &&
            (uint64_t)pages * page_size > (uint64_t)st.st_size)
        return hpo__error_set(HPO_ESTORAGE,
                "sqlite '%.300s' is truncated: %lld bytes, its header says %llu", path,
                (long long)st.st_size, (unsigned long long)pages * page_size);
    return HPO_OK;
}

static void sq_disconnect(hpo__rdb_conn *c)
{
    if (c == NULL)
        return;
    sqlite3_close_v2(c->db);
    hpo__free(c->path);
    hpo__free(c);
}

static int pragma(hpo__rdb_conn *c, const char *sql)
{
    int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? HPO_OK : map_error(c, rc, sql);
}

static int sq_connect(const char *target, hpo__rdb_conn **out)
{
    hpo__rdb_conn *c;
    int rc;
    *out = NULL;
    HPO_TRY(check_file(target));
    c = hpo__calloc(1, sizeof(*c));
    if (c == NULL || (c->path = hpo__strdup(target)) == NULL) {
        hpo__free(c);
        return hpo__error_set(HPO_ENOMEM, "out of memory opening sqlite '%.300s'", target);
    }
    rc = sqlite3_open_v2(target, &c->db,
            SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        rc = hpo__error_set(HPO_ESTORAGE, "sqlite '%.300s' cannot be opened: %s", target,
                c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
        sq_disconnect(c);
        return rc;
    }
    sqlite3_extended_result_codes(c->db, 1);
    sqlite3_busy_handler(c->db, busy_handler, c);
    /* WAL: readers never block the writer. NORMAL sync: a crash of the process
     * loses nothing; a power cut may lose the last transactions, never consistency. */
    rc = pragma(c, "PRAGMA journal_mode=WAL");
    if (rc == HPO_OK)
        rc = pragma(c, "PRAGMA synchronous=NORMAL");
    if (rc != HPO_OK) {
        sq_disconnect(c);
        return rc;
    }
    *out = c;
    return HPO_OK;
}

static int sq_exec(hpo__rdb_conn *c, const char *sql)
{
    int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? HPO_OK : map_error(c, rc, "a statement");
}

static int sq_prepare(hpo__rdb_conn *c, const char *sql, hpo__rdb_stmt **out)
{
    hpo__rdb_stmt *s = hpo__calloc(1, sizeof(*s));
    int rc;
    if (s == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory preparing a statement");
    rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->st, NULL);
    if (rc != SQLITE_OK) {
        hpo__free(s);
        return map_error(c, rc, "preparing a statement");
    }
    s->c = c;
    *out = s;
    return HPO_OK;
}

static void sq_finalize(hpo__rdb_stmt *s)
{
    if (s == NULL)
        return;
    sqlite3_finalize(s->st);
    hpo__free(s);
}

static int bind_rc(hpo__rdb_stmt *s, int rc)
{
    return rc == SQLITE_OK ? HPO_OK : map_error(s->c, rc, "binding a parameter");
}

static int sq_bind_null(hpo__rdb_stmt *s, int i)
{
    return bind_rc(s, sqlite3_bind_null(s->st, i));
}

static int sq_bind_i64(hpo__rdb_stmt *s, int i, int64_t v)
{
    return bind_rc(s, sqlite3_bind_int64(s->st, i, v));
}

static int sq_bind_f64(hpo__rdb_stmt *s, int i, double v)
{
    return bind_rc(s, sqlite3_bind_double(s->st, i, v));
}

static int sq_bind_text(hpo__rdb_stmt *s, int i, const char *v)
{
    return bind_rc(s, sqlite3_bind_text(s->st, i, v, -1, SQLITE_TRANSIENT));
}

static int sq_step(hpo__rdb_stmt *s)
{
    int rc = sqlite3_step(s->st);
    if (rc == SQLITE_ROW)
        return HPO__RDB_ROW;
    if (rc == SQLITE_DONE)
        return HPO__RDB_DONE;
    return map_error(s->c, rc, "a query");
}

static void sq_reset(hpo__rdb_stmt *s)
{
    sqlite3_reset(s->st);
    sqlite3_clear_bindings(s->st);
}

static bool sq_column_null(hpo__rdb_stmt *s, int col)
{
    return sqlite3_column_type(s->st, col) == SQLITE_NULL;
}

static int64_t sq_column_i64(hpo__rdb_stmt *s, int col)
{
    return sqlite3_column_int64(s->st, col);
}

static double sq_column_f64(hpo__rdb_stmt *s, int col)
{
    return sqlite3_column_double(s->st, col);
}

static const char *sq_column_text(hpo__rdb_stmt *s, int col)
{
    const unsigned char *t = sqlite3_column_text(s->st, col);
    return t ? (const char *)t : "";
}

static int64_t sq_changes(hpo__rdb_stmt *s)
{
    return sqlite3_changes64(s->c->db);
}

const hpo__rdb_driver hpo__sqlite_driver = {
    .scheme = "sqlite",
    .postgres = false,
    .connect = sq_connect,
    .disconnect = sq_disconnect,
    .exec = sq_exec,
    .prepare = sq_prepare,
    .finalize = sq_finalize,
    .bind_null = sq_bind_null,
    .bind_i64 = sq_bind_i64,
    .bind_f64 = sq_bind_f64,
    .bind_text = sq_bind_text,
    .step = sq_step,
    .reset = sq_reset,
    .column_null = sq_column_null,
    .column_i64 = sq_column_i64,
    .column_f64 = sq_column_f64,
    .column_text = sq_column_text,
    .changes = sq_changes,
};
