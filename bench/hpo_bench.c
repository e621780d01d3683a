/*
 * hpo_bench.c - hpo-bench, the benchmark driver. Each subcommand prints JSON
 * result lines (shared/reference/bench-functions.md) on stdout, one object per
 * line, so runs can be compared with Optuna's (bench/vs_optuna.sh) and over time.
 *
 *   hpo-bench overhead --sampler S --trials N [--seed K] [--storage URL]
 *   hpo-bench suite --sampler S --function F|all [--trials 100] [--seeds 10]
 *   hpo-bench mlp ...   (bench/bench_mlp.c)
 *   hpo-bench storage ...   (bench/bench_storage.c)
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "bench_runner.h"
#include "bench_viz.h"
#include "mlp/mlp.h"

/*=========================== helpers ===========================*/

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void bench_put_num(FILE *f, double x)
{
    char buf[40];
    if (!isfinite(x)) {
        fputs("null", f);
        return;
    }
    /* Shortest of 15..17 significant digits that reads back exactly (Python repr). */
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof(buf), "%.*g", prec, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    fputs(buf, f);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_median(double *v, size_t n)
{
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int bench_parse_u64(const char *opt, const char *text, uint64_t *out)
{
    char *end = NULL;
    unsigned long long v;
    if (text == NULL || text[0] == '\0' || text[0] == '-') {
        fprintf(stderr, "hpo-bench: %s needs a non-negative integer\n", opt);
        return -1;
    }
    errno = 0;
    v = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0') {
        fprintf(stderr, "hpo-bench: %s: '%s' is not a non-negative integer\n", opt, text);
        return -1;
    }
    *out = v;
    return 0;
}

static int fail_hpo(const char *what, int rc)
{
    fprintf(stderr, "hpo-bench: %s: %s (%s)\n", what, hpo_last_error(), hpo_status_name(rc));
    return 1;
}

/* Options shared by the subcommands; each takes what it needs. */
typedef struct bench_args {
    const char *sampler;
    const char *function;
    const char *storage;
    uint64_t trials;
    uint64_t seed;
    uint64_t seeds;
} bench_args;

static int parse_args(int argc, char **argv, bench_args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (val == NULL) {
            fprintf(stderr, "hpo-bench: %s needs a value\n", opt);
            return -1;
        }
        if (strcmp(opt, "--sampler") == 0) {
            a->sampler = val;
        } else if (strcmp(opt, "--function") == 0) {
            a->function = val;
        } else if (strcmp(opt, "--storage") == 0) {
            a->storage = val;
        } else if (strcmp(opt, "--trials") == 0) {
            if (bench_parse_u64(opt, val, &a->trials) != 0)
                return -1;
        } else if (strcmp(opt, "--seed") == 0) {
            if (bench_parse_u64(opt, val, &a->seed) != 0)
                return -1;
        } else if (strcmp(opt, "--seeds") == 0) {
            if (bench_parse_u64(opt, val, &a->seeds) != 0)
                return -1;
        } else {
            fprintf(stderr, "hpo-bench: unknown option %s\n", opt);
            return -1;
        }
        i++;
    }
    if (a->trials == 0 || a->trials > 10000000) {
        fprintf(stderr, "hpo-bench: --trials must be in 1..10000000\n");
        return -1;
    }
    return 0;
}

/* A fresh study on storage with the named sampler; the default (median) pruner. */
static int open_study(hpo_storage *storage, const char *sampler, uint64_t seed, hpo_study **out)
{
    hpo_sampler *s = NULL;
    hpo_direction dir = HPO_MINIMIZE;
    int rc;

    *out = NULL;
    rc = bench_sampler_new(&s, sampler, seed);
    if (rc == HPO_ENOTFOUND) {
        fprintf(stderr, "hpo-bench: unknown sampler '%s' (random, tpe, tpe_indep, tpe_mv)\n",
                sampler);
        return 1;
    }
    if (rc != HPO_OK)
        return fail_hpo("sampler", rc);
    if ((rc = hpo_study_create(out, storage, NULL, &dir, 1, NULL)) != HPO_OK) {
        hpo_sampler_free(s);
        return fail_hpo("study", rc);
    }
    if ((rc = hpo_study_set_sampler(*out, s)) != HPO_OK) {
        hpo_study_free(*out);
        *out = NULL;
        return fail_hpo("set sampler", rc);
    }
    return 0;
}

/*=========================== overhead ===========================*/

typedef struct overhead_run {
    double *stamps;
    size_t n;
    size_t cap;
} overhead_run;

static int overhead_callback(hpo_study *study, const hpo_frozen_trial *trial, void *payload)
{
    overhead_run *run = payload;
    (void)study;
    (void)trial;
    if (run->n < run->cap)
        run->stamps[run->n++] = bench_now();
    return 0;
}

/* The storage field: "memory", or the URL's scheme. */
static void put_storage_name(const char *url)
{
    const char *colon = url ? strchr(url, ':') : NULL;
    if (url == NULL || url[0] == '\0' || strcmp(url, ":memory:") == 0 ||
        strncmp(url, "memory:", 7) == 0 || colon == NULL) {
        fputs("memory", stdout);
        return;
    }
    fwrite(url, 1, (size_t)(colon - url), stdout);
}

static int cmd_overhead(int argc, char **argv)
{
    bench_args a = {"tpe", NULL, NULL, 1000, 0, 1};
    hpo_optimize_options opts = HPO_OPTIMIZE_OPTIONS_INIT;
    hpo_storage *storage = NULL;
    hpo_study *study = NULL;
    overhead_run run = {NULL, 0, 0};
    double *gaps = NULL, t0, t1, tail_mean = 0;
    size_t n_tail;
    int rc, ret = 1;

    if (parse_args(argc, argv, &a) != 0)
        return 2;
    if ((rc = hpo_storage_open(&storage, a.storage)) != HPO_OK)
        return fail_hpo("storage", rc);
    if (open_study(storage, a.sampler, a.seed, &study) != 0)
        goto done;
    run.cap = (size_t)a.trials;
    run.stamps = calloc(run.cap, sizeof(double));
    gaps = calloc(run.cap, sizeof(double));
    if (run.stamps == NULL || gaps == NULL) {
        fprintf(stderr, "hpo-bench: out of memory\n");
        goto done;
    }
    opts.n_trials = (int64_t)a.trials;
    opts.callback = overhead_callback;
    opts.callback_payload = &run;
    t0 = bench_now();
    rc = hpo_study_optimize(study, bench_overhead_objective, NULL, &opts);
    t1 = bench_now();
    if (rc != HPO_OK) {
        fail_hpo("optimize", rc);
        goto done;
    }
    if (run.n != run.cap) {
        fprintf(stderr, "hpo-bench: %zu of %zu trials finished\n", run.n, run.cap);
        goto done;
    }
    /* Per-trial time: the gap between consecutive finish stamps. */
    for (size_t i = 0; i < run.n; i++)
        gaps[i] = run.stamps[i] - (i == 0 ? t0 : run.stamps[i - 1]);
    n_tail = (run.n + 9) / 10;
    for (size_t i = run.n - n_tail; i < run.n; i++)
        tail_mean += gaps[i];
    tail_mean /= (double)n_tail;
    printf("{\"record\":\"result\",\"bench\":\"overhead\",\"impl\":\"hpo-%s\",\"sampler\":\"%s\","
           "\"n_trials\":%zu,\"storage\":\"",
           hpo_version_string(), a.sampler, run.n);
    put_storage_name(a.storage);
    printf("\",\"seed\":%llu,\"tail_mean_s\":", (unsigned long long)a.seed);
    bench_put_num(stdout, tail_mean);
    fputs(",\"tail_p50_s\":", stdout);
    bench_put_num(stdout, bench_median(gaps + (run.n - n_tail), n_tail));
    fputs(",\"total_s\":", stdout);
    bench_put_num(stdout, t1 - t0);
    fputs("}\n", stdout);
    fflush(stdout);
    ret = 0;
done:
    free(run.stamps);
    free(gaps);
    hpo_study_free(study);
    hpo_storage_free(storage);
    return ret;
}

/*=========================== ask at a history ===========================*/

#define ASK_TIMED 10

/*
 * The cost of one trial once the study holds --trials finished ones: the
 * history is filled by the random sampler, then ASK_TIMED trials of the
 * overhead objective run under the sampler being measured.
 */
static int cmd_ask(int argc, char **argv)
{
    bench_args a = {"gp", NULL, NULL, 300, 0, 1};
    hpo_optimize_options opts = HPO_OPTIMIZE_OPTIONS_INIT;
    hpo_storage *storage = NULL;
    hpo_study *study = NULL;
    hpo_sampler *s = NULL;
    overhead_run run = {NULL, 0, ASK_TIMED};
    double stamps[ASK_TIMED], gaps[ASK_TIMED], t0, mean = 0;
    int rc, ret = 1;
    if (parse_args(argc, argv, &a) != 0)
        return 2;
    if ((rc = hpo_storage_open(&storage, NULL)) != HPO_OK)
        return fail_hpo("storage", rc);
    if (open_study(storage, "random", a.seed, &study) != 0)
        goto done;
    opts.n_trials = (int64_t)a.trials;
    if ((rc = hpo_study_optimize(study, bench_overhead_objective, NULL, &opts)) != HPO_OK) {
        fail_hpo("history", rc);
        goto done;
    }
    if (bench_sampler_new(&s, a.sampler, a.seed) != HPO_OK ||
            hpo_study_set_sampler(study, s) != HPO_OK) {
        fprintf(stderr, "hpo-bench: unknown sampler '%s'\n", a.sampler);
        goto done;
    }
    run.stamps = stamps;
    opts.n_trials = ASK_TIMED;
    opts.callback = overhead_callback;
    opts.callback_payload = &run;
    t0 = bench_now();
    if ((rc = hpo_study_optimize(study, bench_overhead_objective, NULL, &opts)) != HPO_OK) {
        fail_hpo("optimize", rc);
        goto done;
    }
    for (size_t i = 0; i < run.n; i++) {
        gaps[i] = stamps[i] - (i == 0 ? t0 : stamps[i - 1]);
        mean += gaps[i] / (double)run.n;
    }
    printf("{\"record\":\"result\",\"bench\":\"ask\",\"impl\":\"hpo-%s\",\"sampler\":\"%s\","
           "\"history\":%llu,\"asks\":%zu,\"mean_s\":",
           hpo_version_string(), a.sampler, (unsigned long long)a.trials, run.n);
    bench_put_num(stdout, mean);
    fputs(",\"p50_s\":", stdout);
    bench_put_num(stdout, bench_median(gaps, run.n));
    fputs("}\n", stdout);
    ret = 0;
done:
    hpo_study_free(study);
    hpo_storage_free(storage);
    return ret;
}

/*=========================== quality suite ===========================*/

typedef struct suite_run {
    double best;     /* best COMPLETE value so far, NaN before the first */
    size_t finished; /* trials finished so far */
    size_t marks[3]; /* after how many trials to record the best */
    double best_at[3];
} suite_run;

static int suite_callback(hpo_study *study, const hpo_frozen_trial *trial, void *payload)
{
    suite_run *run = payload;
    (void)study;
    if (hpo_frozen_trial_state(trial) == HPO_TRIAL_COMPLETE) {
        double v = hpo_frozen_trial_value(trial, 0);
        if (isnan(run->best) || v < run->best)
            run->best = v;
    }
    run->finished++;
    for (int k = 0; k < 3; k++) {
        if (run->finished == run->marks[k])
            run->best_at[k] = run->best;
    }
    return 0;
}

static void put_at(const char *key, const size_t *marks, const double *v, double minus)
{
    printf(",\"%s\":{", key);
    for (int k = 0; k < 3; k++) {
        printf("%s\"%zu\":", k ? "," : "", marks[k]);
        bench_put_num(stdout, v[k] - minus);
    }
    putchar('}');
}

static int suite_one(const bench_function *fn, const bench_args *a, uint64_t seed)
{
    hpo_optimize_options opts = HPO_OPTIMIZE_OPTIONS_INIT;
    hpo_storage *storage = NULL;
    hpo_study *study = NULL;
    suite_run run = {NAN, 0, {0, 0, 0}, {NAN, NAN, NAN}};
    double t0, wall;
    int rc, ret = 1;

    run.marks[0] = (size_t)(a->trials / 4);
    run.marks[1] = (size_t)(a->trials / 2);
    run.marks[2] = (size_t)a->trials;
    if ((rc = hpo_storage_open(&storage, NULL)) != HPO_OK)
        return fail_hpo("storage", rc);
    if (open_study(storage, a->sampler, seed, &study) != 0)
        goto done;
    opts.n_trials = (int64_t)a->trials;
    opts.callback = suite_callback;
    opts.callback_payload = &run;
    t0 = bench_now();
    rc = hpo_study_optimize(study, fn->objective, NULL, &opts);
    wall = bench_now() - t0;
    if (rc != HPO_OK) {
        fail_hpo("optimize", rc);
        goto done;
    }
    printf("{\"record\":\"result\",\"bench\":\"quality\",\"impl\":\"hpo-%s\",\"function\":\"%s\","
           "\"sampler\":\"%s\",\"seed\":%llu,\"n_trials\":%llu,\"optimum\":",
           hpo_version_string(), fn->name, a->sampler, (unsigned long long)seed,
           (unsigned long long)a->trials);
    bench_put_num(stdout, fn->optimum);
    put_at("best_at", run.marks, run.best_at, 0.0);
    put_at("regret_at", run.marks, run.best_at, fn->optimum);
    fputs(",\"final_regret\":", stdout);
    bench_put_num(stdout, run.best_at[2] - fn->optimum);
    fputs(",\"wall_s\":", stdout);
    bench_put_num(stdout, wall);
    fputs("}\n", stdout);
    fflush(stdout);
    ret = 0;
done:
    hpo_study_free(study);
    hpo_storage_free(storage);
    return ret;
}

static int cmd_suite(int argc, char **argv)
{
    bench_args a = {"tpe", "all", NULL, 100, 0, 10};
    bool all;
    const bench_function *one;

    if (parse_args(argc, argv, &a) != 0)
        return 2;
    all = strcmp(a.function, "all") == 0;
    one = all ? NULL : bench_function_find(a.function);
    if (!all && one == NULL) {
        fprintf(stderr, "hpo-bench: unknown function '%s'\n", a.function);
        return 2;
    }
    for (size_t f = 0; f < bench_n_functions; f++) {
        if (!all && &bench_functions[f] != one)
            continue;
        for (uint64_t seed = 0; seed < a.seeds; seed++) {
            if (suite_one(&bench_functions[f], &a, seed) != 0)
                return 1;
        }
    }
    return 0;
}

/*=========================== dispatch ===========================*/

typedef struct bench_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *usage;
} bench_command;

static const bench_command commands[] = {
        {"overhead", cmd_overhead,
         "--sampler S --trials N [--seed K] [--storage URL]  per-trial framework cost"},
        {"mlp", bench_mlp_main,
         "[--threads 2] [--epochs 5] [--net all|adam|sgd]  MLP seconds/epoch"},
        {"storage", bench_storage_main,
         "--storage URL [--procs P] [--trials N] | --mode ask --history H  storage cost"},
        {"runner", bench_runner_main,
         "[--trials 200] [--hpo PATH] [--storage URL]  hpo run cost per trial beyond start-up"},
        {"viz", bench_viz_main,
         "[--trials 10000] [--storage URL] [--hpo PATH]  importance, report, dashboard time"},
        {"ask", cmd_ask,
         "--sampler S --trials H [--seed K]  time per trial at a history of H finished trials"},
        {"suite", cmd_suite,
         "--sampler S --function F|all [--trials 100] [--seeds 10]  best value vs trials"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: hpo-bench <command> [options]; samplers: random tpe tpe_indep tpe_mv gp cmaes auto qmc halton nsga2\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].usage);
}

int main(int argc, char **argv)
{
    hpo__mlp_blas_init(); /* OpenBLAS's idle threads would spin beside every command */
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "hpo-bench: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
