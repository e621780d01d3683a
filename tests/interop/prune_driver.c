/*
 * prune_driver.c - replays pruning histories from stdin through libhpo for
 * prune_crosscheck.py, which replays the same ones through Optuna.
 *
 * Input, one history after another:
 *   H <dir 0|1> sha <study name> <min_resource> <reduction_factor> <min_es_rate> <bootstrap>
 *   H <dir 0|1> hb  <study name> <min_resource> <max_resource> <reduction_factor> <bootstrap>
 *   A                 ask a new trial (numbered from 0)
 *   R <i> <step> <v>  trial i reports v at step, then asks should_prune; a pruned
 *                     trial is told PRUNED and its later events are skipped
 *   C <i> <v>         trial i completes with value v (skipped if finished)
 *   E                 end of history
 * Output per history, one line: the decisions ("0"/"1" per executed R), a space,
 * then for each trial "<i>=" and its completed_rung_<k> attribute texts joined by
 * ",", separated by ";". Errors go to stderr with exit status 1.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpo/hpo.h"

#define MAX_TRIALS 512

typedef struct history {
    hpo_storage *storage;
    hpo_study *study;
    hpo_trial *trials[MAX_TRIALS];
    size_t n;
    char decisions[8192];
    size_t n_dec;
} history;

static void die(const char *what, int rc)
{
    fprintf(stderr, "prune_driver: %s: %s (%s)\n", what, hpo_last_error(), hpo_status_name(rc));
    exit(1);
}

static void check(int rc, const char *what)
{
    if (rc != HPO_OK)
        die(what, rc);
}

static hpo_pruner *make_pruner(const char *kind, long long a, long long b, long long c, long long d)
{
    hpo_pruner *p = NULL;
    if (strcmp(kind, "sha") == 0) {
        hpo_successive_halving_options o = HPO_SUCCESSIVE_HALVING_OPTIONS_INIT;
        o.min_resource = a;
        o.reduction_factor = b;
        o.min_early_stopping_rate = c;
        o.bootstrap_count = d;
        check(hpo_pruner_successive_halving_new(&p, &o), "successive halving");
    } else {
        hpo_hyperband_options o = HPO_HYPERBAND_OPTIONS_INIT;
        o.min_resource = a;
        o.max_resource = b;
        o.reduction_factor = c;
        o.bootstrap_count = d;
        check(hpo_pruner_hyperband_new(&p, &o), "hyperband");
    }
    return p;
}

static void begin(history *h, const char *line)
{
    char kind[8], name[600];
    int dir;
    long long a, b, c, d;
    hpo_direction dirs[1];
    hpo_sampler *s = NULL;
    if (sscanf(line, "H %d %7s %599s %lld %lld %lld %lld", &dir, kind, name, &a, &b, &c, &d) != 7) {
        fprintf(stderr, "prune_driver: bad header: %s", line);
        exit(1);
    }
    memset(h, 0, sizeof(*h));
    dirs[0] = dir ? HPO_MAXIMIZE : HPO_MINIMIZE;
    check(hpo_storage_open(&h->storage, NULL), "storage");
    check(hpo_study_create(&h->study, h->storage, name, dirs, 1, NULL), "study");
    check(hpo_sampler_random_new(&s, 0), "sampler");
    check(hpo_study_set_sampler(h->study, s), "set sampler");
    check(hpo_study_set_pruner(h->study, make_pruner(kind, a, b, c, d)), "set pruner");
}

static void report(history *h, const char *line)
{
    size_t i;
    long long step;
    double v;
    bool prune = false;
    if (sscanf(line, "R %zu %lld %lf", &i, &step, &v) != 3 || i >= h->n) {
        fprintf(stderr, "prune_driver: bad report: %s", line);
        exit(1);
    }
    if (h->trials[i] == NULL)
        return;
    check(hpo_trial_report(h->trials[i], v, step), "report");
    check(hpo_trial_should_prune(h->trials[i], &prune), "should_prune");
    if (h->n_dec + 1 < sizeof(h->decisions))
        h->decisions[h->n_dec++] = prune ? '1' : '0';
    if (prune) {
        check(hpo_study_tell(h->study, h->trials[i], HPO_TRIAL_PRUNED, NULL, 0), "tell pruned");
        hpo_trial_free(h->trials[i]);
        h->trials[i] = NULL;
    }
}

static void complete(history *h, const char *line)
{
    size_t i;
    double v;
    if (sscanf(line, "C %zu %lf", &i, &v) != 2 || i >= h->n) {
        fprintf(stderr, "prune_driver: bad complete: %s", line);
        exit(1);
    }
    if (h->trials[i] == NULL)
        return;
    check(hpo_study_tell(h->study, h->trials[i], HPO_TRIAL_COMPLETE, &v, 1), "tell complete");
    hpo_trial_free(h->trials[i]);
    h->trials[i] = NULL;
}

/* Print the decisions and every trial's rung attributes, then free the history. */
static void end(history *h)
{
    hpo_frozen_trial **ts = NULL;
    size_t n = 0;
    h->decisions[h->n_dec] = '\0';
    printf("%s ", h->decisions);
    check(hpo_study_get_trials(h->study, HPO_STATES_ALL, &ts, &n), "get trials");
    for (size_t i = 0; i < n; i++) {
        char key[48];
        const char *v;
        printf("%s%lld=", i ? ";" : "", (long long)hpo_frozen_trial_number(ts[i]));
        for (int k = 0;; k++) {
            snprintf(key, sizeof(key), "completed_rung_%d", k);
            if ((v = hpo_frozen_trial_system_attr(ts[i], key)) == NULL)
                break;
            printf("%s%s", k ? "," : "", v);
        }
    }
    printf("\n");
    hpo_frozen_trials_free(ts, n);
    for (size_t i = 0; i < h->n; i++)
        hpo_trial_free(h->trials[i]);
    hpo_study_free(h->study);
    hpo_storage_free(h->storage);
}

int main(void)
{
    static history h;
    char line[1024];
    while (fgets(line, sizeof(line), stdin) != NULL) {
        switch (line[0]) {
        case 'H':
            begin(&h, line);
            break;
        case 'A':
            if (h.n >= MAX_TRIALS) {
                fprintf(stderr, "prune_driver: too many trials\n");
                return 1;
            }
            check(hpo_study_ask(h.study, &h.trials[h.n]), "ask");
            h.n++;
            break;
        case 'R':
            report(&h, line);
            break;
        case 'C':
            complete(&h, line);
            break;
        case 'E':
            end(&h);
            fflush(stdout);
            break;
        default:
            break;
        }
    }
    return 0;
}
