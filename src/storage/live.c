/* live.c - see live.h. A handle runs few trials at once, so a plain array will do. */
#include "storage/live.h"

#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

static void trial_free(hpo__live_trial *t)
{
    for (size_t i = 0; i < t->n_names; i++)
        hpo__free(t->names[i]);
    hpo__free(t->names);
    t->names = NULL;
    t->n_names = t->cap_names = 0;
}

hpo__live_trial *hpo__live_find(hpo__live_set *s, int64_t id)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->items[i].id == id)
            return &s->items[i];
    return NULL;
}

int hpo__live_add(hpo__live_set *s, int64_t id, int64_t study_id, int64_t number, double start,
        unsigned long checked)
{
    hpo__live_trial *t = hpo__live_find(s, id);
    if (t == NULL) {
        if (s->n == s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 8;
            hpo__live_trial *items = hpo__reallocarray(s->items, cap, sizeof(*items));
            if (items == NULL)
                return hpo__error_set(HPO_ENOMEM, "out of memory tracking a running trial");
            s->items = items;
            s->cap = cap;
        }
        t = &s->items[s->n++];
        memset(t, 0, sizeof(*t));
    } else {
        trial_free(t);
    }
    t->id = id;
    t->study_id = study_id;
    t->number = number;
    t->start = start;
    t->checked = checked;
    return HPO_OK;
}

int hpo__live_add_name(hpo__live_trial *t, const char *name)
{
    char *copy;
    if (t->n_names == t->cap_names) {
        size_t cap = t->cap_names ? t->cap_names * 2 : 8;
        char **names = hpo__reallocarray(t->names, cap, sizeof(*names));
        if (names == NULL)
            return hpo__error_set(HPO_ENOMEM, "out of memory tracking a parameter");
        t->names = names;
        t->cap_names = cap;
    }
    if ((copy = hpo__strdup(name)) == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory tracking a parameter");
    t->names[t->n_names++] = copy;
    return HPO_OK;
}

void hpo__live_remove(hpo__live_set *s, int64_t id)
{
    hpo__live_trial *t = hpo__live_find(s, id);
    if (t == NULL)
        return;
    trial_free(t);
    *t = s->items[--s->n];
}

void hpo__live_clear(hpo__live_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        trial_free(&s->items[i]);
    hpo__free(s->items);
    s->items = NULL;
    s->n = s->cap = 0;
}
