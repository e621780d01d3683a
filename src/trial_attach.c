/*
 * trial_attach.c - hpo_study_open_trial: a define-by-run handle on a trial that
 * another process asked, so that a child of `hpo run` can suggest and report
 * through the shared storage (`hpo trial suggest-float ...`).
 *
 * Unlike hpo_study_ask, nothing is created and the sampler's before_trial hook
 * does not run again (the asking process ran it). The handle starts from the
 * trial as stored now, so earlier suggestions, from any process, are returned
 * unchanged.
 */
#include "core/alloc.h"
#include "core/error.h"
#include "core/json.h"
#include "study_internal.h"

/* The enqueued fixed parameters (system attribute fixed_params), if any. */
static int load_fixed(hpo_trial *t)
{
    const char *json = hpo__attrs_get(&t->rec->system_attrs, "fixed_params");
    int rc;
    if (json == NULL)
        return HPO_OK;
    rc = hpo__json_parse(json, &t->fixed);
    if (rc != HPO_OK)
        return hpo__error_wrap(rc, "trial %lld: fixed_params", (long long)t->number);
    if (!json_is_object(t->fixed)) {
        json_decref(t->fixed);
        t->fixed = NULL;
        return hpo__error_set(HPO_ESTORAGE, "trial %lld: fixed_params is not a JSON object",
                (long long)t->number);
    }
    return HPO_OK;
}

int hpo_study_open_trial(hpo_study *study, int64_t trial_id, hpo_trial **out)
{
    hpo__record *shared = NULL;
    hpo_trial *t = NULL;
    int rc;
    if (out == NULL)
        return hpo__error_set(HPO_EINVAL, "hpo_study_open_trial: out is NULL");
    *out = NULL;
    HPO_TRY(hpo__study_check(study));
    rc = study->storage->ops->get_trial(study->storage->be, trial_id, &shared);
    if (rc != HPO_OK)
        return rc == HPO_ENOTFOUND ? hpo__error_set(HPO_ENOTFOUND, "no trial with id %lld",
                                             (long long)trial_id)
                                   : rc;
    if (shared->study_id != study->id) {
        rc = hpo__error_set(HPO_ENOTFOUND, "trial id %lld does not belong to study '%s'",
                (long long)trial_id, study->name);
        goto fail;
    }
    if (shared->state != HPO_TRIAL_RUNNING) {
        rc = hpo__error_set(HPO_ESTATE, "trial %lld is %s, not RUNNING", (long long)shared->number,
                hpo_trial_state_name(shared->state));
        goto fail;
    }
    t = hpo__calloc(1, sizeof(*t));
    if (t == NULL) {
        rc = hpo__error_set(HPO_ENOMEM, "out of memory opening trial %lld", (long long)trial_id);
        goto fail;
    }
    t->magic = HPO__TRIAL_MAGIC;
    t->study = study;
    t->id = trial_id;
    t->number = shared->number;
    /* A private copy: the handle mutates it as the trial goes. */
    if ((rc = hpo__record_copy(shared, &t->rec)) != HPO_OK)
        goto fail;
    if ((rc = load_fixed(t)) != HPO_OK)
        goto fail;
    hpo__record_unref(shared);
    *out = t;
    return HPO_OK;
fail:
    hpo__record_unref(shared);
    hpo_trial_free(t);
    return rc;
}
