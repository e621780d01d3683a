/*
 * storage.c - hpo_storage_open: parse the URL and hand it to a backend; plus the
 * small containers every backend shares (record vectors, study infos).
 */
#include "storage/storage.h"

#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

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

int hpo_storage_open(hpo_storage **out, const char *url)
{
    const char *colon;
    if (out == NULL)
        return hpo__error_set(HPO_EINVAL, "hpo_storage_open: out is NULL");
    *out = NULL;
    if (is_memory_url(url))
        return hpo__memory_storage_open(out);
    colon = strstr(url, "://");
    if (colon == NULL)
        return hpo__error_set(HPO_EINVAL,
                "storage URL '%.200s' has no scheme; use e.g. sqlite:///hpo.db, "
                "postgresql://user@host/db or :memory:",
                url);
    return hpo__error_set(HPO_EINVAL, "unsupported storage scheme '%.*s' in URL '%.200s'",
            (int)(colon - url > 32 ? 32 : colon - url), url, url);
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
