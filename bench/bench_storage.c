/*
 * bench_storage.c - `hpo-bench storage`: what the storage costs per trial.
 *
 *   hpo-bench storage --storage URL [--procs P] [--trials N] [--mode throughput]
 *       N trials of a trivial objective (one float, random sampler) split over P
 *       worker processes on one study; prints trials/s (wall clock, process
 *       start-up and storage open included).
 *   hpo-bench storage --storage URL --mode ask --history H [--asks K] [--sampler S]
 *       fills a study with H finished trials, then times K ask + suggest + tell
 *       cycles on a fresh handle after its first sync: the per-ask cost at that
 *       history length (flat when the incremental sync works).
 * One JSON line per run, like the other hpo-bench commands; bench/storage_vs_optuna.sh
 * runs the same with Optuna on the same database servers.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

typedef struct storage_args {
    const char *storage;
    const char *mode;
    const char *sampler;
    uint64_t procs;
    uint64_t trials;
    uint64_t history;
    uint64_t asks;
} storage_args;

static int trivial(hpo_trial *t, double *values, void *payload)
{
    double x;
    int rc;
    (void)payload;
    if ((rc = hpo_trial_suggest_float(t, "x", -10, 10, HPO_NO_STEP, false, &x)) != HPO_OK)
        return rc;
    values[0] = x * x;
    return HPO_OK;
}

static int fail(const char *what)
{
    fprintf(stderr, "hpo-bench storage: %s: %s\n", what, hpo_last_error());
    return 1;
}

static int open_study(const char *url, const char *name, const char *sampler, uint64_t seed,
        bool create, hpo_storage **st, hpo_study **out)
{
    hpo_sampler *s;
    hpo_study_options so = HPO_STUDY_OPTIONS_INIT;
    so.load_if_exists = true;
    if (hpo_storage_open(st, url) != HPO_OK)
        return fail("open");
    if ((create ? hpo_study_create(out, *st, name, NULL, 0, &so)
                : hpo_study_load(out, *st, name, &so)) != HPO_OK)
        return fail("study");
    if (bench_sampler_new(&s, sampler, seed) != HPO_OK || hpo_study_set_sampler(*out, s) != HPO_OK)
        return fail("sampler");
    return 0;
}

static int run_trials(const char *url, const char *name, const char *sampler, uint64_t n,
        uint64_t seed)
{
    hpo_storage *st = NULL;
    hpo_study *study = NULL;
    hpo_optimize_options o = HPO_OPTIMIZE_OPTIONS_INIT;
    int rc = open_study(url, name, sampler, seed, false, &st, &study);
    o.n_trials = (int64_t)n;
    if (rc == 0 && hpo_study_optimize(study, trivial, NULL, &o) != HPO_OK)
        rc = fail("optimize");
    hpo_study_free(study);
    hpo_storage_free(st);
    return rc;
}

/* The storage kind for the JSON lines: memory, sqlite, postgresql. */
static int kind_len(const char *url, const char **kind)
{
    *kind = url;
    if (strncmp(url, "sqlite", 6) == 0 || strncmp(url, "postgres", 8) == 0)
        return (int)strcspn(url, ":+");
    *kind = "memory";
    return 6;
}

static void study_name(char *out, size_t n, const char *what)
{
    snprintf(out, n, "bench-%s-%ld-%ld", what, (long)getpid(), (long)(bench_now() * 1000));
}

static int throughput(const storage_args *a)
{
    hpo_storage *st = NULL;
    hpo_study *study = NULL;
    char name[128];
    double t0, wall;
    const char *kind;
    int rc = 0, kn;
    study_name(name, sizeof(name), "tp");
    if (open_study(a->storage, name, "random", 0, true, &st, &study) != 0)
        return 1;
    hpo_study_free(study);
    if (strncmp(a->storage, "sqlite", 6) == 0 || strncmp(a->storage, "postgres", 8) == 0) {
        hpo_storage_free(st); /* the workers open their own */
        st = NULL;
    } else if (a->procs != 1) {
        fprintf(stderr, "hpo-bench storage: an in-memory storage cannot be shared by processes\n");
        return 2;
    }
    t0 = bench_now();
    if (a->procs == 1) {
        if (st != NULL) {
            hpo_optimize_options o = HPO_OPTIMIZE_OPTIONS_INIT;
            hpo_sampler *s;
            o.n_trials = (int64_t)a->trials;
            rc = hpo_study_load(&study, st, name, NULL) != HPO_OK ||
                                 bench_sampler_new(&s, "random", 1) != HPO_OK ||
                                 hpo_study_set_sampler(study, s) != HPO_OK ||
                                 hpo_study_optimize(study, trivial, NULL, &o) != HPO_OK
                         ? fail("optimize")
                         : 0;
            hpo_study_free(study);
        } else {
            rc = run_trials(a->storage, name, "random", a->trials, 1);
        }
    } else {
        for (uint64_t p = 0; p < a->procs; p++) {
            uint64_t share = a->trials / a->procs + (p < a->trials % a->procs);
            pid_t pid = fork();
            if (pid < 0)
                return fail("fork");
            if (pid == 0)
                _exit(run_trials(a->storage, name, "random", share, p + 1));
        }
        for (uint64_t p = 0; p < a->procs; p++) {
            int status;
            if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
                rc = 1;
        }
    }
    wall = bench_now() - t0;
    hpo_storage_free(st);
    if (rc != 0)
        return rc;
    kn = kind_len(a->storage, &kind);
    printf("{\"bench\":\"storage\",\"mode\":\"throughput\",\"impl\":\"hpo-%s\",\"storage\":\"%.*s\","
           "\"procs\":%llu,\"trials\":%llu,\"seconds\":",
            hpo_version_string(), kn, kind,
            (unsigned long long)a->procs, (unsigned long long)a->trials);
    bench_put_num(stdout, wall);
    printf(",\"trials_per_s\":");
    bench_put_num(stdout, (double)a->trials / wall);
    printf("}\n");
    return 0;
}

static int ask_cost(const storage_args *a)
{
    hpo_storage *st = NULL;
    hpo_study *study = NULL;
    char name[128];
    double *cost = NULL, t0, total = 0;
    int rc = 1;
    study_name(name, sizeof(name), "ask");
    if (open_study(a->storage, name, "random", 0, true, &st, &study) != 0)
        return 1;
    hpo_study_free(study);
    hpo_storage_free(st);
    /* The history, written through the storage like any worker would. */
    if (run_trials(a->storage, name, "random", a->history, 3) != 0)
        return 1;
    if (open_study(a->storage, name, a->sampler, 5, false, &st, &study) != 0)
        return 1;
    cost = calloc(a->asks, sizeof(*cost));
    if (cost == NULL)
        goto done;
    {
        hpo_frozen_trial **ts;
        size_t n;
        if (hpo_study_get_trials(study, HPO_STATES_ALL, &ts, &n) != HPO_OK) /* first sync */
            goto done;
        hpo_frozen_trials_free(ts, n);
    }
    for (uint64_t i = 0; i < a->asks; i++) {
        hpo_trial *t;
        double v;
        t0 = bench_now();
        if (hpo_study_ask(study, &t) != HPO_OK || trivial(t, &v, NULL) != HPO_OK ||
                hpo_study_tell(study, t, HPO_TRIAL_COMPLETE, &v, 1) != HPO_OK) {
            fail("ask/tell");
            goto done;
        }
        cost[i] = bench_now() - t0;
        total += cost[i];
        hpo_trial_free(t);
    }
    {
        double mean = total / (double)a->asks, med;
        for (size_t i = 1; i < a->asks; i++) /* insertion sort: a few hundred values */
            for (size_t j = i; j > 0 && cost[j] < cost[j - 1]; j--) {
                double tmp = cost[j];
                cost[j] = cost[j - 1];
                cost[j - 1] = tmp;
            }
        med = bench_median(cost, a->asks);
        const char *kind;
        int kn = kind_len(a->storage, &kind);
        printf("{\"bench\":\"storage\",\"mode\":\"ask\",\"impl\":\"hpo-%s\",\"storage\":\"%.*s\","
               "\"study\":\"%s\",\"sampler\":\"%s\",\"history\":%llu,\"asks\":%llu,"
               "\"ask_tell_ms_median\":",
                hpo_version_string(), kn, kind, name, a->sampler,
                (unsigned long long)a->history, (unsigned long long)a->asks);
        bench_put_num(stdout, med * 1e3);
        printf(",\"ask_tell_ms_mean\":");
        bench_put_num(stdout, mean * 1e3);
        printf("}\n");
    }
    rc = 0;
done:
    free(cost);
    hpo_study_free(study);
    hpo_storage_free(st);
    return rc;
}

int bench_storage_main(int argc, char **argv)
{
    storage_args a = {":memory:", "throughput", "tpe", 1, 1000, 1000, 100};
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t *num = NULL;
        if (val == NULL) {
            fprintf(stderr, "hpo-bench storage: %s needs a value\n", opt);
            return 2;
        }
        if (strcmp(opt, "--storage") == 0)
            a.storage = val;
        else if (strcmp(opt, "--mode") == 0)
            a.mode = val;
        else if (strcmp(opt, "--sampler") == 0)
            a.sampler = val;
        else if (strcmp(opt, "--procs") == 0)
            num = &a.procs;
        else if (strcmp(opt, "--trials") == 0)
            num = &a.trials;
        else if (strcmp(opt, "--history") == 0)
            num = &a.history;
        else if (strcmp(opt, "--asks") == 0)
            num = &a.asks;
        else {
            fprintf(stderr, "hpo-bench storage: unknown option %s\n", opt);
            return 2;
        }
        if (num != NULL && (bench_parse_u64(opt, val, num) != 0 || *num == 0))
            return 2;
        i++;
    }
    if (strcmp(a.mode, "throughput") == 0)
        return throughput(&a);
    if (strcmp(a.mode, "ask") == 0)
        return ask_cost(&a);
    fprintf(stderr, "hpo-bench storage: --mode throughput or ask, not '%s'\n", a.mode);
    return 2;
}
