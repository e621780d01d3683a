/*
 * retry.c - re-enqueueing failed trials (see retry.h). Parameters are compared
 * as canonical JSON (sorted keys, jansson's number text on both sides), which
 * is how the study stores an enqueued trial's fixed parameters.
 */
#include "retry.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/space.h"

static char *canonical(json_t *obj)
{
    return obj ? json_dumps(obj, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
}

static char *params_key(const hpo_frozen_trial *t)
{
    json_t *obj = json_object();
    char *key;
    for (size_t i = 0; obj && i < hpo_frozen_trial_n_params(t); i++) {
        const char *name = hpo_frozen_trial_param_name(t, i);
        hpo_value v;
        if (hpo_frozen_trial_param(t, name, &v) == HPO_OK)
            json_object_set_new(obj, name, cli_value_json(v));
    }
    key = canonical(obj);
    json_decref(obj);
    return key;
}

void rn_retry_match(rn_retries *r, hpo_trial *trial, int *attempt, int64_t *original)
{
    hpo_frozen_trial *snap = NULL;
    const char *fixed;
    json_t *obj;
    char *key;
    *attempt = 0;
    *original = -1;
    if (r->n == 0 || hpo_trial_snapshot(trial, &snap) != HPO_OK)
        return;
    fixed = hpo_frozen_trial_system_attr(snap, "fixed_params");
    obj = fixed ? json_loads(fixed, 0, NULL) : NULL;
    key = canonical(obj);
    for (size_t i = 0; key && i < r->n; i++) {
        if (r->items[i].key != NULL && strcmp(r->items[i].key, key) == 0) {
            *attempt = r->items[i].attempt;
            *original = r->items[i].original;
            free(r->items[i].key);
            r->items[i].key = NULL;
            break;
        }
    }
    free(key);
    json_decref(obj);
    hpo_frozen_trial_free(snap);
}

int rn_retry_enqueue(rn_retries *r, hpo_study *study, const hpo_frozen_trial *t, int attempt,
        int64_t original, char *err, size_t errlen)
{
    size_t n = hpo_frozen_trial_n_params(t);
    const char **names = calloc(n + 1, sizeof(*names));
    hpo_value *vals = calloc(n + 1, sizeof(*vals));
    rn_retry *grown = NULL;
    char *key = params_key(t);
    int rc = -1;
    bool ok = names && vals && key;
    for (size_t i = 0; ok && i < n; i++) {
        names[i] = hpo_frozen_trial_param_name(t, i);
        ok = hpo_frozen_trial_param(t, names[i], &vals[i]) == HPO_OK;
    }
    if (!ok) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    grown = realloc(r->items, (r->n + 1) * sizeof(*grown));
    if (grown == NULL) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    r->items = grown;
    if (hpo_study_enqueue_trial(study, names, vals, n) != HPO_OK) {
        snprintf(err, errlen, "%s", hpo_last_error());
        goto out;
    }
    r->items[r->n].key = key;
    r->items[r->n].attempt = attempt;
    r->items[r->n].original = original;
    r->n++;
    key = NULL;
    rc = 0;
out:
    free(key);
    free(names);
    free(vals);
    return rc;
}

void rn_retries_free(rn_retries *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->items[i].key);
    free(r->items);
    r->items = NULL;
    r->n = 0;
}
