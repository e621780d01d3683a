/*
 * storage.c - hpo_storage_open: parse the URL and hand it to a backend; plus the
 * small containers every backend shares (record vectors, study infos).
 */
#include "storage/storage.h"

#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "storage/rdb.h"

int hpo__storage_check(const hpo_storage *s)
{
    if (s == NULL || s->magic != HPO__STORAGE_MAGIC)
        return hpo__error_set(HPO_EMISUSE, "invalid storage handle (NULL or freed)");
    return HPO_OK;
}

static bool is_memory_url(const char *url)
{
    return url == NULL || url[0] == '\0' || strcmp(url, ":memory:") == 0 ||
           strcmp(url, "memory://") == 0 || strcmp(url, "memory:") == 0;
}

/*
 * An RDB URL's driver and connection target: sqlite:///rel.db -> "rel.db",
 * sqlite:////abs.db -> "/abs.db"; postgresql://, postgres:// (and SQLAlchemy's
 * postgresql+driver://) go to libpq whole, so its ?sslmode=... params pass through.
 */
static int rdb_target(const char *url, const hpo__rdb_driver **drv, char **target)
{
    static const char *const pg_schemes[] = {"postgresql://", "postgres://"};
    *target = NULL;
    if (strncmp(url, "sqlite:", 7) == 0) {
        if (strncmp(url, "sqlite:///", 10) != 0 || url[10] == '\0')
            return hpo__error_set(HPO_EINVAL,
                    "malformed SQLite URL '%.200s'; use sqlite:///relative.db or "
                    "sqlite:////absolute/path.db",
                    url);
        *drv = &hpo__sqlite_driver;
        *target = hpo__strdup(url + 10);
    } else {
        const char *rest = NULL;
        for (size_t i = 0; i < 2 && rest == NULL; i++)
            if (strncmp(url, pg_schemes[i], strlen(pg_schemes[i])) == 0)
                rest = url + strlen(pg_schemes[i]);
        if (rest == NULL && strncmp(url, "postgresql+", 11) == 0 && strstr(url, "://") != NULL)
            rest = strstr(url, "://") + 3;
        if (rest == NULL)
            return HPO_ENOTFOUND;
        *drv = &hpo__postgres_driver;
        *target = hpo__malloc(strlen(rest) + 14);
        if (*target != NULL) {
            memcpy(*target, "postgresql://", 13);
            memcpy(*target + 13, rest, strlen(rest) + 1);
        }
    }
    if (*target == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory parsing a storage URL");
    return HPO_OK;
}

int hpo_storage_open(hpo_storage **out, const char *url)
{
    const char *colon;
    const hpo__rdb_driver *drv;
    char *target;
    int rc;
    if (out == NULL)
        return hpo__error_set(HPO_EINVAL, "hpo_storage_open: out is NULL");
    *out = NULL;
    if (is_memory_url(url))
        return hpo__memory_storage_open(out);
    rc = rdb_target(url, &drv, &target);
    if (rc == HPO_OK) {
        rc = hpo__rdb_open(drv, target, url, out);
        hpo__free(target);
        return rc;
    }
    if (rc != HPO_ENOTFOUND)
        return rc;
    colon = strstr(url, "://");
    if (colon == NULL)
        return hpo__error_set(HPO_EINVAL,
                "storage URL '%.200s' has no scheme; use e.g. sqlite:///hpo.db, "
                "postgresql://user@host/db or :memory:",
                url);
    return hpo__error_set(HPO_EINVAL, "unsupported storage scheme '%.*s' in URL '%.200s'",
            (int)(colon - url > 32 ? 32 : colon - url), url, url);
}

int hpo_storage_upgrade(const char *url)
{
    const hpo__rdb_driver *drv;
    char *target;
    int rc;
    if (url == NULL || is_memory_url(url))
        return hpo__error_set(HPO_EINVAL, "storage upgrade needs a sqlite:// or postgresql:// URL");
    rc = rdb_target(url, &drv, &target);
    if (rc == HPO_ENOTFOUND)
        return hpo__error_set(HPO_EINVAL, "storage upgrade: '%.200s' is not a sqlite:// or "
                "postgresql:// URL", url);
    HPO_TRY(rc);
    rc = hpo__rdb_upgrade(drv, target);
    hpo__free(target);
    return rc;
}

void hpo_storage_free(hpo_storage *s)
{
    if (s == NULL || s->magic != HPO__STORAGE_MAGIC)
        return;
    s->magic = 0;
    s->ops->close(s->be);
    hpo__free(s->url);
    hpo__free(s);
}

int hpo__record_vec_push(hpo__record_vec *v, hpo__record *r)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 16;
        hpo__record **items = hpo__reallocarray(v->items, cap, sizeof(*items));
        if (items == NULL) {
            hpo__record_unref(r);
            return hpo__error_set(HPO_ENOMEM, "out of memory listing trials");
        }
        v->items = items;
        v->cap = cap;
    }
    v->items[v->n++] = r;
    return HPO_OK;
}

void hpo__record_vec_clear(hpo__record_vec *v)
{
    for (size_t i = 0; i < v->n; i++)
        hpo__record_unref(v->items[i]);
    hpo__free(v->items);
    v->items = NULL;
    v->n = v->cap = 0;
}

void hpo__study_infos_free(hpo__study_info *infos, size_t n)
{
    if (infos == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        hpo__free(infos[i].name);
        hpo__free(infos[i].directions);
    }
    hpo__free(infos);
}
