/*
 * server.c - the dashboard's HTTP side on libmicrohttpd (dashboard.h).
 *
 * Routes (GET and HEAD only; anything else is 405):
 *   /                          study list          /api/studies
 *   /study?name=N[&page=P][&order=value]           /api/study?name=N
 *   /trial?study=N&number=K                        /api/trial?study=N&number=K
 *   /plot?study=N&kind=K       one SVG             /api/trials?study=N[&offset=O][&limit=L]
 * Every other path is 404: pages are generated, never read from disk, so
 * "/../" or "%2e%2e" lead nowhere. The server's per-connection memory limit
 * bounds request lines and headers (larger requests get 414/431 from
 * libmicrohttpd), and requests are served one at a time on one thread.
 *
 * Study handles are kept between requests, so each page costs an incremental
 * read of new and running trials, not the whole history; a storage written by
 * `hpo run` at the same time is only read (SQLite readers do not block writers
 * in WAL mode).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cli/dashboard/dashboard.h"
#include "core/alloc.h"
#include "study.h"

#define MAX_CACHED      256
#define REQUEST_MEMORY  (32u * 1024u)
#define MAX_CONNECTIONS 64u

typedef struct cached {
    char *name;
    hpo_study *study;
} cached;

struct dash {
    struct MHD_Daemon *mhd;
    hpo_storage *storage;
    pthread_mutex_t mu;
    cached cache[MAX_CACHED];
    size_t n_cached;
    unsigned port;
};

/* A loaded study and a snapshot of its trials. */
typedef struct view {
    dash_study s;
    hpo__record **trials;
    hpo_direction dirs[64];
} view;

/* The cached handle of study name, loaded on first use; NULL when there is none. */
static hpo_study *study_of(dash *d, const char *name)
{
    hpo_study *st = NULL;
    for (size_t i = 0; i < d->n_cached; i++)
        if (strcmp(d->cache[i].name, name) == 0)
            return d->cache[i].study;
    if (hpo_study_load(&st, d->storage, name, NULL) != HPO_OK)
        return NULL;
    if (d->n_cached == MAX_CACHED) {
        /* Forget the oldest handle; studies beyond this many are reloaded when asked for. */
        hpo_study_free(d->cache[0].study);
        free(d->cache[0].name);
        memmove(d->cache, d->cache + 1, (MAX_CACHED - 1) * sizeof(cached));
        d->n_cached--;
    }
    d->cache[d->n_cached].name = strdup(name);
    if (d->cache[d->n_cached].name == NULL)
        return st; /* served uncached; leaks nothing as the caller frees below */
    d->cache[d->n_cached++].study = st;
    return st;
}

static bool is_cached(const dash *d, const hpo_study *st)
{
    for (size_t i = 0; i < d->n_cached; i++)
        if (d->cache[i].study == st)
            return true;
    return false;
}

static int view_open(dash *d, const char *name, view *v)
{
    hpo_study *st;
    size_t n_obj;
    int rc;
    memset(v, 0, sizeof(*v));
    if ((st = study_of(d, name)) == NULL)
        return HPO_ENOTFOUND;
    n_obj = hpo_study_n_objectives(st);
    if (n_obj == 0 || n_obj > 64)
        n_obj = 1;
    for (size_t k = 0; k < n_obj; k++)
        v->dirs[k] = hpo_study_direction(st, k);
    rc = hpo__study_trials(st, HPO_STATES_ALL, &v->trials, &v->s.d.n_trials);
    if (!is_cached(d, st))
        hpo_study_free(st);
    if (rc != HPO_OK)
        return rc;
    v->s.name = name;
    v->s.d.study_name = name;
    v->s.d.directions = v->dirs;
    v->s.d.n_objectives = n_obj;
    v->s.d.trials = v->trials;
    return HPO_OK;
}

static void view_close(view *v)
{
    hpo__records_release(v->trials, v->s.d.n_trials);
}

/*=========================== responses ===========================*/

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code, const char *type, hpo_buf *b)
{
    struct MHD_Response *resp;
    enum MHD_Result ok;
    char *data = NULL;
    size_t len = 0;
    if (hpo__buf_status(b) != HPO_OK || hpo__buf_detach(b, &data, &len) != HPO_OK) {
        static const char oom[] = "out of memory";
        hpo__buf_free(b);
        resp = MHD_create_response_from_buffer(sizeof(oom) - 1, (void *)oom,
                                               MHD_RESPMEM_PERSISTENT);
        code = MHD_HTTP_INTERNAL_SERVER_ERROR;
        type = "text/plain; charset=utf-8";
    } else {
        hpo__buf_free(b);
        resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
        if (resp == NULL)
            hpo_free(data);
    }
    if (resp == NULL)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", type);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    /* Inline styles and the SVGs are all a page needs; nothing may be loaded or run. */
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
                            "base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    ok = MHD_queue_response(c, code, resp);
    MHD_destroy_response(resp);
    return ok;
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned code, const char *msg)
{
    hpo_buf b;
    hpo__buf_init(&b, 0);
    dash_page_error(&b, code, msg);
    return reply(c, code, "text/html; charset=utf-8", &b);
}

static const char *arg(struct MHD_Connection *c, const char *key)
{
    return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, key);
}

/* A non-negative decimal argument; def when absent, false when malformed. */
static bool arg_size(struct MHD_Connection *c, const char *key, size_t def, size_t *out)
{
    const char *s = arg(c, key);
    char *end;
    unsigned long long v;
    *out = def;
    if (s == NULL)
        return true;
    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (*end != '\0' || errno == ERANGE || v > (unsigned long long)SIZE_MAX / 2)
        return false;
    *out = (size_t)v;
    return true;
}

static enum MHD_Result route_study(dash *d, struct MHD_Connection *c, const char *url)
{
    const char *name =
            arg(c, strcmp(url, "/study") == 0 || strcmp(url, "/api/study") == 0 ? "name" : "study");
    view v;
    hpo_buf b;
    int rc;
    unsigned code = MHD_HTTP_OK;
    const char *type = "text/html; charset=utf-8";
    if (name == NULL)
        return send_error(c, MHD_HTTP_BAD_REQUEST, "which study? (name=...)");
    if ((rc = view_open(d, name, &v)) != HPO_OK)
        return send_error(c,
                          rc == HPO_ENOTFOUND ? MHD_HTTP_NOT_FOUND : MHD_HTTP_INTERNAL_SERVER_ERROR,
                          rc == HPO_ENOTFOUND ? "no such study" : hpo_last_error());
    hpo__buf_init(&b, 0);
    if (strcmp(url, "/study") == 0) {
        dash_query q = {0, false};
        const char *order = arg(c, "order");
        if (!arg_size(c, "page", 0, &q.page)) {
            view_close(&v);
            hpo__buf_free(&b);
            return send_error(c, MHD_HTTP_BAD_REQUEST, "page must be a number");
        }
        q.by_value = order != NULL && strcmp(order, "value") == 0;
        rc = dash_page_study(&b, &v.s, &q);
    } else if (strcmp(url, "/api/study") == 0) {
        type = "application/json";
        rc = dash_json_study(&b, &v.s);
    } else if (strcmp(url, "/api/trials") == 0) {
        size_t offset, limit;
        type = "application/json";
        if (!arg_size(c, "offset", 0, &offset) || !arg_size(c, "limit", 100, &limit) ||
            limit > 10000) {
            view_close(&v);
            hpo__buf_free(&b);
            return send_error(c, MHD_HTTP_BAD_REQUEST, "offset and limit (<= 10000) are numbers");
        }
        rc = dash_json_trials(&b, &v.s, offset, limit);
    } else if (strcmp(url, "/plot") == 0) {
        hpo_plot_kind kind;
        const char *k = arg(c, "kind");
        type = "image/svg+xml";
        if (k == NULL || hpo_plot_kind_from_name(k, &kind) != HPO_OK) {
            view_close(&v);
            hpo__buf_free(&b);
            return send_error(c, MHD_HTTP_BAD_REQUEST, "unknown plot kind");
        }
        rc = hpo__viz_plot(&b, &v.s.d, kind, NULL);
        if (rc != HPO_OK && rc != HPO_ENOMEM) {
            view_close(&v);
            hpo__buf_free(&b);
            return send_error(c, MHD_HTTP_BAD_REQUEST, hpo_last_error());
        }
    } else {
        /* /trial and /api/trial */
        size_t number;
        const hpo__record *r = NULL;
        if (!arg_size(c, "number", SIZE_MAX, &number) || number == SIZE_MAX) {
            view_close(&v);
            hpo__buf_free(&b);
            return send_error(c, MHD_HTTP_BAD_REQUEST, "number must be a trial number");
        }
        for (size_t i = 0; i < v.s.d.n_trials && r == NULL; i++)
            if ((size_t)v.trials[i]->number == number)
                r = v.trials[i];
        if (r == NULL) {
            view_close(&v);
            hpo__buf_free(&b);
            return send_error(c, MHD_HTTP_NOT_FOUND, "no such trial");
        }
        if (strcmp(url, "/trial") == 0) {
            rc = dash_page_trial(&b, &v.s, r);
        } else {
            type = "application/json";
            rc = dash_json_trial(&b, &v.s, r);
        }
    }
    view_close(&v);
    if (rc != HPO_OK)
        code = MHD_HTTP_INTERNAL_SERVER_ERROR;
    return reply(c, code, type, &b);
}

static enum MHD_Result route_index(dash *d, struct MHD_Connection *c, bool json)
{
    char **names = NULL;
    size_t n = 0, opened = 0;
    view *views = NULL;
    dash_study *studies = NULL;
    hpo_buf b;
    int rc;
    if (hpo_study_list(d->storage, &names, &n) != HPO_OK)
        return send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, hpo_last_error());
    views = calloc(n + 1, sizeof(*views));
    studies = calloc(n + 1, sizeof(*studies));
    if (views == NULL || studies == NULL) {
        free(views);
        free(studies);
        hpo_free(names);
        return send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        if (view_open(d, names[i], &views[opened]) != HPO_OK)
            continue; /* deleted meanwhile */
        studies[opened] = views[opened].s;
        opened++;
    }
    hpo__buf_init(&b, 0);
    rc = json ? dash_json_studies(&b, studies, opened) : dash_page_index(&b, studies, opened);
    for (size_t i = 0; i < opened; i++)
        view_close(&views[i]);
    free(views);
    free(studies);
    hpo_free(names);
    return reply(c, rc == HPO_OK ? MHD_HTTP_OK : MHD_HTTP_INTERNAL_SERVER_ERROR,
                 json ? "application/json" : "text/html; charset=utf-8", &b);
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

static enum MHD_Result handle(void *cls,
                              struct MHD_Connection *c,
                              const char *url,
                              const char *method,
                              const char *version,
                              const char *upload_data,
                              size_t *upload_data_size,
                              void **con_cls)
{
    dash *d = cls;
    enum MHD_Result r;
    (void)version;
    (void)upload_data;
    (void)con_cls;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        *upload_data_size = 0;
        return send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "the dashboard is read-only");
    }
    pthread_mutex_lock(&d->mu);
    if (strcmp(url, "/") == 0)
        r = route_index(d, c, false);
    else if (strcmp(url, "/api/studies") == 0)
        r = route_index(d, c, true);
    else if (strcmp(url, "/study") == 0 || strcmp(url, "/api/study") == 0 ||
             strcmp(url, "/api/trials") == 0 || strcmp(url, "/trial") == 0 ||
             strcmp(url, "/api/trial") == 0 || strcmp(url, "/plot") == 0)
        r = route_study(d, c, url);
    else
        r = send_error(c, MHD_HTTP_NOT_FOUND, "not found");
    pthread_mutex_unlock(&d->mu);
    return r;
}

/*
 * Percent-decoding of the path and of query values, in place. "%00" stays as
 * is: a NUL would cut the string short, so "/%00" must not become "/".
 */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
    char *w = s;
    (void)cls;
    (void)c;
    for (const char *r = s; *r; r++) {
        int hi, lo;
        if (r[0] == '%' && (hi = hexval(r[1])) >= 0 && (lo = hexval(r[2])) >= 0 && (hi | lo) != 0) {
            *w++ = (char)(hi * 16 + lo);
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
    return (size_t)(w - s);
}

/*=========================== lifecycle ===========================*/

int dash_start(dash **out, const dash_config *cfg, char *err, size_t err_len)
{
    dash *d;
    struct sockaddr_in a4;
    struct sockaddr_in6 a6;
    struct sockaddr *addr;
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD;
    const char *host = cfg->host ? cfg->host : "127.0.0.1";
    const union MHD_DaemonInfo *info;
    *out = NULL;
    memset(&a4, 0, sizeof(a4));
    memset(&a6, 0, sizeof(a6));
    if (cfg->port > 65535) {
        snprintf(err, err_len, "port %u is not in 0..65535", cfg->port);
        return -1;
    }
    if (inet_pton(AF_INET, host, &a4.sin_addr) == 1) {
        a4.sin_family = AF_INET;
        a4.sin_port = htons((uint16_t)cfg->port);
        addr = (struct sockaddr *)&a4;
    } else if (inet_pton(AF_INET6, host, &a6.sin6_addr) == 1) {
        a6.sin6_family = AF_INET6;
        a6.sin6_port = htons((uint16_t)cfg->port);
        addr = (struct sockaddr *)&a6;
        flags |= MHD_USE_IPv6;
    } else {
        snprintf(err, err_len, "host '%.100s' is not a numeric IPv4 or IPv6 address", host);
        return -1;
    }
    if ((d = calloc(1, sizeof(*d))) == NULL) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    pthread_mutex_init(&d->mu, NULL);
    if (hpo_storage_open(&d->storage, cfg->storage_url) != HPO_OK) {
        snprintf(err, err_len, "cannot open storage '%.200s': %s", cfg->storage_url,
                 hpo_last_error());
        dash_stop(d);
        return -1;
    }
    d->mhd = MHD_start_daemon(flags, (uint16_t)cfg->port, NULL, NULL, handle, d,
                              MHD_OPTION_SOCK_ADDR, addr, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                              (size_t)REQUEST_MEMORY, MHD_OPTION_CONNECTION_LIMIT, MAX_CONNECTIONS,
                              MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_UNESCAPE_CALLBACK,
                              unescape, NULL, MHD_OPTION_END);
    if (d->mhd == NULL) {
        snprintf(err, err_len, "cannot listen on %.100s port %u (in use, or not allowed)", host,
                 cfg->port);
        dash_stop(d);
        return -1;
    }
    /* Read every study once now, so the first page is as fast as the later ones. */
    {
        char **names = NULL;
        size_t n = 0;
        if (hpo_study_list(d->storage, &names, &n) == HPO_OK) {
            pthread_mutex_lock(&d->mu);
            for (size_t i = 0; i < n && i < MAX_CACHED; i++) {
                view v;
                if (view_open(d, names[i], &v) == HPO_OK)
                    view_close(&v);
            }
            pthread_mutex_unlock(&d->mu);
        }
        hpo_free(names);
    }
    info = MHD_get_daemon_info(d->mhd, MHD_DAEMON_INFO_BIND_PORT);
    d->port = info ? info->port : cfg->port;
    *out = d;
    return 0;
}

unsigned dash_port(const dash *d)
{
    return d->port;
}

void dash_stop(dash *d)
{
    if (d == NULL)
        return;
    if (d->mhd != NULL)
        MHD_stop_daemon(d->mhd);
    for (size_t i = 0; i < d->n_cached; i++) {
        hpo_study_free(d->cache[i].study);
        free(d->cache[i].name);
    }
    hpo_storage_free(d->storage);
    pthread_mutex_destroy(&d->mu);
    free(d);
}
