/*
 * test_oom.c - out-of-memory paths: make the 1st, 2nd, ... allocation fail in a
 * whole study workflow until it succeeds. Every failure must surface as
 * HPO_ENOMEM, leak nothing (ASan) and leave the storage usable.
 */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "support/test_util.h"

static void quiet_log(int level, const char *msg, void *payload)
{
    (void)level;
    (void)msg;
    (void)payload;
}

/* The workflow under test; returns the first failing status. */
static int workflow(hpo_storage *st)
{
    hpo_study *s = NULL;
    hpo_trial *t = NULL;
    hpo_frozen_trial **trials = NULL;
    hpo_frozen_trial *best = NULL;
    const char *opts[] = {"adam", "sgd"};
    const char *fixed_names[] = {"lr"};
    hpo_value fixed[] = {hpo_value_float(0.01)};
    size_t n = 0, idx;
    double x, v;
    int64_t k;
    int rc;
    hpo_study_options so = HPO_STUDY_OPTIONS_INIT;
    so.load_if_exists = true;
    if ((rc = hpo_study_create(&s, st, "oom", NULL, 0, &so)) != HPO_OK)
        return rc;
    if ((rc = hpo_study_set_user_attr(s, "note", "\"x\"")) != HPO_OK)
        goto done;
    if ((rc = hpo_study_enqueue_trial(s, fixed_names, fixed, 1)) != HPO_OK)
        goto done;
    for (int i = 0; i < 12; i++) {
        if ((rc = hpo_study_ask(s, &t)) != HPO_OK)
            goto done;
        if ((rc = hpo_trial_suggest_float(t, "lr", 1e-5, 1, HPO_NO_STEP, true, &x)) != HPO_OK ||
                (rc = hpo_trial_suggest_int(t, "n", 1, 4, 1, false, &k)) != HPO_OK ||
                (rc = hpo_trial_suggest_categorical_str(t, "opt", opts, 2, &idx)) != HPO_OK ||
                (rc = hpo_trial_report(t, x, 0)) != HPO_OK ||
                (rc = hpo_trial_set_user_attr(t, "i", "1")) != HPO_OK)
            goto done;
        v = log10(x) + (double)k + (double)idx;
        if ((rc = hpo_study_tell(s, t, HPO_TRIAL_COMPLETE, &v, 1)) != HPO_OK)
            goto done;
        hpo_trial_free(t);
        t = NULL;
    }
    if ((rc = hpo_study_get_trials(s, HPO_STATES_ALL, &trials, &n)) != HPO_OK)
        goto done;
    rc = hpo_study_best_trial(s, &best);
done:
    hpo_frozen_trial_free(best);
    hpo_frozen_trials_free(trials, n);
    hpo_trial_free(t);
    hpo_study_free(s);
    return rc;
}

static void test_workflow_oom(void **state)
{
    long n;
    int rc;
    (void)state;
    for (n = 0; n < 100000; n++) {
        hpo_storage *st = NULL;
        hpo__fail_alloc_after(n);
        rc = hpo_storage_open(&st, NULL);
        if (rc == HPO_OK)
            rc = workflow(st);
        hpo__fail_alloc_after(-1);
        if (rc == HPO_OK) {
            hpo_storage_free(st);
            break;
        }
        if (rc != HPO_ENOMEM)
            fail_msg("allocation %ld: expected HPO_ENOMEM, got %s: %s", n, hpo_status_name(rc),
                    hpo_last_error());
        /* The storage is still readable and a clean run on it succeeds. */
        if (st != NULL) {
            assert_ok(workflow(st));
            hpo_storage_free(st);
        }
    }
    /* The workflow really allocates (the loop walked many paths), and no failed
     * allocation was swallowed: a clean run this early means one was. */
    if (n <= 50)
        fail_msg("the workflow succeeded although allocation %ld failed", n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_workflow_oom),
    };
    hpo_set_log_callback(quiet_log, NULL);
    return HPO_RUN_TESTS("oom", tests);
}
