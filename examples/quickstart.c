/*
 * quickstart.c - the smallest complete use of libhpo: define-by-run search space,
 * TPE (the default sampler), median pruning of poor trials, best trial.
 *
 *   build/release/examples/quickstart [n_trials]
 *
 * The objective mimics a training run: it "trains" for 10 epochs, reporting a
 * validation loss each epoch, and stops early when the pruner says so.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "hpo/hpo.h"

static int objective(hpo_trial *t, double *values, void *payload)
{
    static const char *optimizers[] = {"adam", "sgd", "rmsprop"};
    double lr, dropout, loss = 0.0;
    int64_t layers;
    size_t opt;
    bool prune;
    int rc;
    (void)payload;
    if ((rc = hpo_trial_suggest_float(t, "lr", 1e-5, 1e-1, HPO_NO_STEP, true, &lr)) != HPO_OK ||
            (rc = hpo_trial_suggest_int(t, "layers", 1, 4, 1, false, &layers)) != HPO_OK ||
            (rc = hpo_trial_suggest_float(t, "dropout", 0.0, 0.5, 0.05, false, &dropout)) ||
            (rc = hpo_trial_suggest_categorical_str(t, "optimizer", optimizers, 3, &opt)))
        return rc;
    for (int64_t epoch = 0; epoch < 10; epoch++) {
        /* A smooth bowl around lr=1e-3, 2 layers, dropout 0.2, adam; decays with epochs. */
        double base = pow(log10(lr) + 3.0, 2) + 0.3 * pow((double)layers - 2.0, 2) +
                      4.0 * pow(dropout - 0.2, 2) + (opt == 0 ? 0.0 : 0.5);
        loss = base + 2.0 / (1.0 + (double)epoch);
        if ((rc = hpo_trial_report(t, loss, epoch)) != HPO_OK)
            return rc;
        if ((rc = hpo_trial_should_prune(t, &prune)) != HPO_OK)
            return rc;
        if (prune)
            return HPO_EPRUNED;
    }
    values[0] = loss;
    return HPO_OK;
}

static int fail(const char *what, int rc)
{
    fprintf(stderr, "quickstart: %s: %s: %s\n", what, hpo_status_name(rc), hpo_last_error());
    return 1;
}

int main(int argc, char **argv)
{
    hpo_storage *storage = NULL;
    hpo_study *study = NULL;
    hpo_frozen_trial *best = NULL, **trials = NULL;
    hpo_optimize_options opts = HPO_OPTIMIZE_OPTIONS_INIT;
    hpo_study_options sopts = HPO_STUDY_OPTIONS_INIT;
    size_t n_trials = 0, n_pruned = 0;
    long n = 100;
    char *end;
    int rc;
    if (argc > 1) {
        errno = 0;
        n = strtol(argv[1], &end, 10);
        if (errno != 0 || *end != '\0' || n <= 0) {
            fprintf(stderr, "usage: quickstart [n_trials > 0]\n");
            return 2;
        }
    }
    sopts.seed = 7;
    if ((rc = hpo_storage_open(&storage, ":memory:")) != HPO_OK)
        return fail("open storage", rc);
    if ((rc = hpo_study_create(&study, storage, "quickstart", NULL, 0, &sopts)) != HPO_OK)
        return fail("create study", rc);
    opts.n_trials = n;
    if ((rc = hpo_study_optimize(study, objective, NULL, &opts)) != HPO_OK)
        return fail("optimize", rc);
    if ((rc = hpo_study_best_trial(study, &best)) != HPO_OK)
        return fail("best trial", rc);
    if ((rc = hpo_study_get_trials(study, HPO_STATES_ALL, &trials, &n_trials)) != HPO_OK)
        return fail("list trials", rc);
    for (size_t i = 0; i < n_trials; i++)
        n_pruned += hpo_frozen_trial_state(trials[i]) == HPO_TRIAL_PRUNED;
    printf("%zu trials, %zu pruned\n", n_trials, n_pruned);
    printf("best trial #%lld: value %.6f\n", (long long)hpo_frozen_trial_number(best),
            hpo_frozen_trial_value(best, 0));
    for (size_t i = 0; i < hpo_frozen_trial_n_params(best); i++) {
        hpo_value v;
        hpo_frozen_trial_param(best, hpo_frozen_trial_param_name(best, i), &v);
        printf("  %-10s ", hpo_frozen_trial_param_name(best, i));
        if (v.type == HPO_VALUE_STRING)
            printf("%s\n", v.u.s);
        else if (v.type == HPO_VALUE_INT)
            printf("%lld\n", (long long)v.u.i);
        else
            printf("%.6g\n", v.u.f);
    }
    hpo_frozen_trials_free(trials, n_trials);
    hpo_frozen_trial_free(best);
    hpo_study_free(study);
    hpo_storage_free(storage);
    return 0;
}
