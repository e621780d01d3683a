/*
 * cmd_demo.c - `hpo demo`: the reference job end to end with nothing but C.
 * Tunes the MLP on Fashion-MNIST (10 % of the training set, 5 epochs,
 * validation accuracy on the 10 000 test images after each epoch) with the
 * default (auto) sampler and median pruning, in a study stored at --storage, then prints the best trial and
 * how to retrain it; `--retrain` trains that configuration on the full
 * training set and reports its test accuracy.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/runner/algo.h"
#include "hpo/hpo.h"
#include "mlp/objective.h"

/* Epochs of the final training on all the data, unless --epochs says otherwise. */
#define RETRAIN_EPOCHS 10

typedef struct demo_opts {
    long trials;
    const char *storage;
    const char *study;
    const char *data_dir;
    double subsample;
    long epochs;
    long jobs;
    long threads;
    long seed;
    const char *sampler;
    const char *pruner;
    long timeout; /* seconds; 0: none */
    const char *report;
    bool retrain;
    bool quiet;
} demo_opts;

typedef struct progress {
    const demo_opts *o;
    double t0;
    long done, pruned, failed;
} progress;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: hpo demo [options]\n\n"
            "Tune the reference MLP on Fashion-MNIST with the auto sampler and median pruning.\n\n"
            "  --trials N       trials to run in this call (default 30)\n"
            "  --storage URL    study storage (default sqlite:///hpo.db; :memory: for none)\n"
            "  --study NAME     study name (default mlp-fashion-mnist); reruns continue it\n"
            "  --data DIR       IDX files (default %s,\n"
            "                   Debian package dataset-fashion-mnist; MNIST files work too)\n"
            "  --subsample F    fraction of the 60 000 training images per trial (default 0.1)\n"
            "  --epochs N       epochs per trial (default 5; with --retrain, default 10)\n"
            "  --jobs J         trials at once, on threads (default 1)\n"
            "  --threads T      threads per trial (default: CPUs / jobs)\n"
            "  --seed S         seed of the sampler and the trainings (default 0)\n"
            "  --sampler SPEC   as hpo run --sampler (default auto: GP until the trials\n"
            "                   show the space is conditional, then TPE; hpo run --help)\n"
            "  --pruner SPEC    as hpo run --pruner (default median)\n"
            "  --timeout S      start no trial after S seconds (then --trials is a cap)\n"
            "  --retrain        train the study's best configuration on the full training\n"
            "                   set for --epochs and report its test accuracy\n"
            "  --report FILE    also write a self-contained HTML report of the study\n"
            "  --quiet          only the final summary\n\n"
            "Example: hpo demo --trials 30 && hpo demo --retrain\n",
            HPO_MLP_DEFAULT_DATA_DIR);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int bad_value(const char *flag, const char *v, const char *why)
{
    fprintf(stderr, "hpo demo: %s '%s': %s\n", flag, v, why);
    return 2;
}

static int parse_long(const char *flag, const char *v, long lo, long hi, long *out)
{
    char *end;
    long x;
    errno = 0;
    x = strtol(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || x < lo || x > hi) {
        char why[96];
        snprintf(why, sizeof(why), "must be an integer in %ld..%ld", lo, hi);
        return bad_value(flag, v, why);
    }
    *out = x;
    return 0;
}

static int parse_fraction(const char *flag, const char *v, double *out)
{
    char *end;
    double x;
    errno = 0;
    x = strtod(v, &end);
    if (errno != 0 || end == v || *end != '\0' || !(x > 0.0 && x <= 1.0))
        return bad_value(flag, v, "must be a number in (0, 1]");
    *out = x;
    return 0;
}

/* Returns -1 to go on, else the exit status. */
static int parse_args(demo_opts *o, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int rc = 0;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--retrain") == 0) {
            o->retrain = true;
            continue;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            o->quiet = true;
            continue;
        } else if (strncmp(a, "--", 2) != 0) {
            fprintf(stderr, "hpo demo: unexpected argument '%s' (see hpo demo --help)\n", a);
            return 2;
        }
        if (v == NULL) {
            fprintf(stderr, "hpo demo: option '%s' needs a value\n", a);
            return 2;
        }
        i++;
        if (strcmp(a, "--trials") == 0)
            rc = parse_long(a, v, 1, 1000000, &o->trials);
        else if (strcmp(a, "--storage") == 0)
            o->storage = v;
        else if (strcmp(a, "--study") == 0)
            o->study = v;
        else if (strcmp(a, "--data") == 0)
            o->data_dir = v;
        else if (strcmp(a, "--subsample") == 0)
            rc = parse_fraction(a, v, &o->subsample);
        else if (strcmp(a, "--epochs") == 0)
            rc = parse_long(a, v, 1, 1000, &o->epochs);
        else if (strcmp(a, "--jobs") == 0)
            rc = parse_long(a, v, 1, 256, &o->jobs);
        else if (strcmp(a, "--threads") == 0)
            rc = parse_long(a, v, 1, HPO_MLP_MAX_THREADS, &o->threads);
        else if (strcmp(a, "--report") == 0)
            o->report = v;
        else if (strcmp(a, "--sampler") == 0)
            o->sampler = v;
        else if (strcmp(a, "--pruner") == 0)
            o->pruner = v;
        else if (strcmp(a, "--timeout") == 0)
            rc = parse_long(a, v, 1, 100000000L, &o->timeout);
        else if (strcmp(a, "--seed") == 0)
            rc = parse_long(a, v, 0, 2147483647L, &o->seed);
        else {
            fprintf(stderr, "hpo demo: unknown option '%s' (see hpo demo --help)\n", a);
            return 2;
        }
        if (rc != 0)
            return rc;
    }
    return -1;
}

static int fail(const char *what)
{
    fprintf(stderr, "hpo demo: %s: %s\n", what, hpo_last_error());
    return 1;
}

static void print_params(FILE *out, const hpo_frozen_trial *t, const char *indent)
{
    for (size_t i = 0; i < hpo_frozen_trial_n_params(t); i++) {
        const char *name = hpo_frozen_trial_param_name(t, i);
        hpo_value v;
        if (hpo_frozen_trial_param(t, name, &v) != HPO_OK)
            continue;
        fprintf(out, "%s%-16s ", indent, name);
        if (v.type == HPO_VALUE_STRING)
            fprintf(out, "%s\n", v.u.s);
        else if (v.type == HPO_VALUE_INT)
            fprintf(out, "%lld\n", (long long)v.u.i);
        else
            fprintf(out, "%.6g\n", v.u.f);
    }
}

static int on_trial(hpo_study *study, const hpo_frozen_trial *t, void *payload)
{
    progress *p = payload;
    hpo_frozen_trial *best = NULL;
    hpo_trial_state st = hpo_frozen_trial_state(t);
    p->done++;
    p->pruned += st == HPO_TRIAL_PRUNED;
    p->failed += st == HPO_TRIAL_FAIL;
    if (p->o->quiet)
        return 0;
    hpo_study_best_trial(study, &best);
    printf("[%3ld/%ld] trial %-4lld %-8s accuracy %.4f (epochs %zu) | best %.4f (trial %lld) | "
           "%ld pruned | %.1fs\n",
            p->done, p->o->trials, (long long)hpo_frozen_trial_number(t),
            hpo_trial_state_name(st),
            hpo_frozen_trial_n_values(t) ? hpo_frozen_trial_value(t, 0) : (double)NAN,
            hpo_frozen_trial_n_intermediate(t), best ? hpo_frozen_trial_value(best, 0) : (double)NAN,
            best ? (long long)hpo_frozen_trial_number(best) : -1LL, p->pruned, now_s() - p->t0);
    fflush(stdout);
    hpo_frozen_trial_free(best);
    return 0;
}

/* The MLP configuration a finished trial used. */
static int config_of(const hpo_frozen_trial *t, hpo_mlp_config *cfg)
{
    hpo_value v;
    int64_t layers;
    hpo__mlp_config_default(cfg);
    if (hpo_frozen_trial_param(t, "lr", &v) != HPO_OK)
        return HPO_ENOTFOUND;
    cfg->lr = v.u.f;
    if (hpo_frozen_trial_param(t, "optimizer", &v) != HPO_OK)
        return HPO_ENOTFOUND;
    cfg->optimizer = strcmp(v.u.s, "SGD") == 0 ? HPO_MLP_SGD : HPO_MLP_ADAM;
    if (hpo_frozen_trial_param(t, "beta1", &v) == HPO_OK)
        cfg->beta1 = v.u.f;
    if (hpo_frozen_trial_param(t, "beta2", &v) == HPO_OK)
        cfg->beta2 = v.u.f;
    if (hpo_frozen_trial_param(t, "num_layers", &v) != HPO_OK)
        return HPO_ENOTFOUND;
    layers = v.u.i;
    cfg->n_hidden = (size_t)layers;
    for (int64_t i = 0; i < layers && i < HPO_MLP_MAX_HIDDEN; i++) {
        char name[48];
        snprintf(name, sizeof(name), "layer_%lld_units", (long long)i);
        if (hpo_frozen_trial_param(t, name, &v) != HPO_OK)
            return HPO_ENOTFOUND;
        cfg->hidden[i] = (size_t)v.u.i;
    }
    if (hpo_frozen_trial_param(t, "dropout", &v) == HPO_OK)
        cfg->dropout = v.u.f;
    return HPO_OK;
}

static void print_train_command(const hpo_mlp_config *c)
{
    printf("  hpo train-mlp --layers ");
    for (size_t i = 0; i < c->n_hidden; i++)
        printf("%s%zu", i ? "," : "", c->hidden[i]);
    printf(" --optimizer %s --lr %.6g", c->optimizer == HPO_MLP_SGD ? "sgd" : "adam", c->lr);
    if (c->optimizer == HPO_MLP_ADAM)
        printf(" --beta1 %.6g --beta2 %.6g", c->beta1, c->beta2);
    printf(" --dropout %.6g --epochs %d --test\n", c->dropout, RETRAIN_EPOCHS);
}

static int load_data(const demo_opts *o, hpo_mlp_data **train, hpo_mlp_data **test)
{
    if (hpo__mlp_data_load(train, o->data_dir, "train") != HPO_OK ||
            hpo__mlp_data_load(test, o->data_dir, "t10k") != HPO_OK)
        return fail("loading the dataset");
    if ((*train)->dim != (*test)->dim) {
        fprintf(stderr, "hpo demo: test images have %zu pixels, training images %zu\n",
                (*test)->dim, (*train)->dim);
        return 1;
    }
    return 0;
}

static int retrain(const demo_opts *o, hpo_study *study)
{
    hpo_frozen_trial *best = NULL;
    hpo_mlp_data *train = NULL, *test = NULL;
    hpo_mlp_split split = {0};
    hpo_mlp *m = NULL;
    hpo_mlp_config cfg;
    double acc = 0.0, t0 = now_s();
    int status = 1;
    if (hpo_study_best_trial(study, &best) != HPO_OK)
        return fail("no trial to retrain (run hpo demo first)");
    if (config_of(best, &cfg) != HPO_OK) {
        fprintf(stderr, "hpo demo: trial %lld lacks the MLP parameters\n",
                (long long)hpo_frozen_trial_number(best));
        goto done;
    }
    cfg.n_threads = (int)o->threads;
    cfg.seed = (uint64_t)o->seed;
    printf("retraining trial %lld (validation accuracy %.4f) on all 60 000 images:\n",
            (long long)hpo_frozen_trial_number(best), hpo_frozen_trial_value(best, 0));
    print_params(stdout, best, "  ");
    if ((status = load_data(o, &train, &test)) != 0)
        goto done;
    status = 1;
    if (hpo__mlp_split_make(&split, train->n, 0.0, 1.0, cfg.seed) != HPO_OK ||
            hpo__mlp_new(&m, &cfg, train->dim, HPO_MLP_MAX_CLASSES) != HPO_OK) {
        fail("retrain");
        goto done;
    }
    for (long e = 1; e <= o->epochs; e++) {
        double loss;
        if (hpo__mlp_train_epoch(m, train, split.train, split.n_train, &loss) != HPO_OK ||
                hpo__mlp_evaluate(m, test, NULL, test->n, &acc, NULL) != HPO_OK) {
            fail("retrain");
            goto done;
        }
        printf("epoch=%ld accuracy=%.4f train_loss=%.4f\n", e, acc, loss);
        fflush(stdout);
    }
    printf("test accuracy after %ld epochs: %.4f (%.1fs)\n", o->epochs, acc, now_s() - t0);
    status = 0;
done:
    hpo__mlp_free(m);
    hpo__mlp_split_release(&split);
    hpo__mlp_data_free(test);
    hpo__mlp_data_free(train);
    hpo_frozen_trial_free(best);
    return status;
}

static int write_report(const char *path, hpo_study *study)
{
    hpo_report_options ro = HPO_REPORT_OPTIONS_INIT;
    char *html = NULL;
    size_t len = 0;
    FILE *f;
    ro.max_table_rows = 10000;
    if (hpo_report_html(study, &ro, &html, &len) != HPO_OK)
        return fail("building the report");
    bool ok = false;
    f = fopen(path, "wb");
    if (f != NULL) {
        ok = fwrite(html, 1, len, f) == len;
        ok = fclose(f) == 0 && ok;
    }
    if (!ok) {
        fprintf(stderr, "hpo demo: cannot write report '%s'\n", path);
        hpo_free(html);
        return 1;
    }
    hpo_free(html);
    printf("report: %s\n", path);
    return 0;
}

static int search(const demo_opts *o, hpo_study *study)
{
    hpo_mlp_data *train = NULL, *test = NULL;
    hpo_mlp_split split = {0};
    hpo_mlp_job job;
    hpo_optimize_options opt = HPO_OPTIMIZE_OPTIONS_INIT;
    progress p = {o, now_s(), 0, 0, 0};
    hpo_frozen_trial *best = NULL;
    hpo_mlp_config cfg;
    int status;
    if ((status = load_data(o, &train, &test)) != 0)
        goto done;
    status = 1;
    if (hpo__mlp_split_make(&split, train->n, 0.0, o->subsample, (uint64_t)o->seed) != HPO_OK) {
        fail("splitting the dataset");
        goto done;
    }
    job = (hpo_mlp_job){train, split.train, split.n_train, test, (int)o->epochs, 64,
            (int)o->threads, (uint64_t)o->seed};
    if (!o->quiet)
        printf("study '%s' in %s: %ld trials, %zu training images, %ld epochs, "
               "validation on %zu test images, %ld job(s) x %ld thread(s)\n",
                hpo_study_name(study), o->storage, o->trials, split.n_train, o->epochs, test->n,
                o->jobs, o->threads);
    opt.n_trials = o->trials;
    opt.timeout = (double)o->timeout;
    opt.n_jobs = (int)o->jobs;
    opt.callback = on_trial;
    opt.callback_payload = &p;
    if (hpo_study_optimize(study, hpo__mlp_objective, &job, &opt) != HPO_OK) {
        fail("optimize");
        goto done;
    }
    if (hpo_study_best_trial(study, &best) != HPO_OK) {
        fail("best trial");
        goto done;
    }
    printf("\n%ld trials in %.1fs: %ld pruned, %ld failed\n", p.done, now_s() - p.t0, p.pruned,
            p.failed);
    printf("best trial %lld: validation accuracy %.4f\n", (long long)hpo_frozen_trial_number(best),
            hpo_frozen_trial_value(best, 0));
    print_params(stdout, best, "  ");
    printf("\nretrain it on the full training set and measure test accuracy:\n"
           "  hpo demo --retrain --storage %s --study %s\nor, as a single run:\n",
            o->storage, hpo_study_name(study));
    if (config_of(best, &cfg) == HPO_OK)
        print_train_command(&cfg);
    status = o->report ? write_report(o->report, study) : 0;
done:
    hpo_frozen_trial_free(best);
    hpo__mlp_split_release(&split);
    hpo__mlp_data_free(test);
    hpo__mlp_data_free(train);
    return status;
}

int cmd_demo(int argc, char **argv)
{
    demo_opts o = {30, "sqlite:///hpo.db", "mlp-fashion-mnist", HPO_MLP_DEFAULT_DATA_DIR, 0.1,
            0, 1, 0, 0, NULL, NULL, 0, NULL, false, false};
    hpo_storage *storage = NULL;
    hpo_study *study = NULL;
    hpo_study_options so = HPO_STUDY_OPTIONS_INIT;
    hpo_direction dir = HPO_MAXIMIZE;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int rc = parse_args(&o, argc, argv);
    if (rc >= 0)
        return rc;
    if (o.threads == 0)
        o.threads = cpus > o.jobs ? cpus / o.jobs : 1;
    /* A final retraining on all the data usually trains longer than a search trial. */
    if (o.epochs == 0)
        o.epochs = o.retrain ? RETRAIN_EPOCHS : 5;
    if (hpo_storage_open(&storage, o.storage) != HPO_OK)
        return fail("opening the storage");
    so.seed = (uint64_t)o.seed;
    so.load_if_exists = true;
    if (o.retrain)
        rc = hpo_study_load(&study, storage, o.study, &so);
    else
        rc = hpo_study_create(&study, storage, o.study, &dir, 1, &so);
    if (rc != HPO_OK) {
        hpo_storage_free(storage);
        return fail("opening the study");
    }
    if (o.pruner != NULL) {
        hpo_pruner *pruner = NULL;
        char err[256];
        if (cli_pruner_new(o.pruner, &pruner, err, sizeof(err)) != 0 ||
                hpo_study_set_pruner(study, pruner) != HPO_OK) {
            fprintf(stderr, "hpo demo: --pruner: %s\n", pruner == NULL ? err : hpo_last_error());
            hpo_study_free(study);
            hpo_storage_free(storage);
            return 2;
        }
    }
    if (o.sampler != NULL) {
        hpo_sampler *sampler = NULL;
        char err[256];
        if (cli_sampler_new(o.sampler, (uint64_t)o.seed, &sampler, err, sizeof(err)) != 0 ||
                hpo_study_set_sampler(study, sampler) != HPO_OK) {
            fprintf(stderr, "hpo demo: --sampler: %s\n", sampler == NULL ? err : hpo_last_error());
            hpo_study_free(study);
            hpo_storage_free(storage);
            return 2;
        }
    }
    if (hpo_study_direction(study, 0) != HPO_MAXIMIZE) {
        fprintf(stderr, "hpo demo: study '%s' exists and does not maximise accuracy\n", o.study);
        rc = 1;
    } else {
        rc = o.retrain ? retrain(&o, study) : search(&o, study);
    }
    hpo_study_free(study);
    hpo_storage_free(storage);
    return rc;
}
