/*
 * cmd_train_mlp.c - `hpo train-mlp`: train one MLP configuration on
 * (Fashion-)MNIST and print one `epoch=K accuracy=A loss=L ...` line per epoch,
 * so the trainer can also be driven by `hpo run` like any external program.
 *
 * Validation is a seeded hold-out of 10 000 training images; with --test the
 * whole (subsampled) training set is trained on and accuracy is measured on the
 * 10 000-image test set instead.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli/commands.h"
#include "hpo/hpo.h"
#include "mlp/data.h"
#include "mlp/mlp.h"

#define MAX_EPOCHS 100000

typedef struct train_opts {
    hpo_mlp_config cfg;
    long long epochs;
    double subsample;
    const char *data_dir;
    int use_test;
} train_opts;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: hpo train-mlp [options]\n\n"
            "Train one multilayer perceptron on (Fashion-)MNIST and print one line per epoch:\n"
            "  epoch=K accuracy=A loss=L train_loss=T seconds=S\n"
            "(accuracy and loss on the validation set: 10 000 held-out training images, or the\n"
            "test set with --test).\n\n"
            "options (also --name=value):\n"
            "  --layers N,N,...     hidden layer sizes, 1 to %d layers (default 256,256)\n"
            "  --optimizer adam|sgd (default adam)\n"
            "  --lr X               learning rate (default 1e-3)\n"
            "  --beta1 X            Adam beta1 (default 0.9)\n"
            "  --beta2 X            Adam beta2 (default 0.999)\n"
            "  --momentum X         SGD momentum (default 0)\n"
            "  --dropout X          dropout probability on hidden units (default 0.2)\n"
            "  --batch N            minibatch size (default 64)\n"
            "  --epochs N           (default 5)\n"
            "  --subsample X        fraction of the training images to train on, (0, 1] "
            "(default 1)\n"
            "  --threads N          worker threads (default 1)\n"
            "  --seed N             seeds initialisation, split, shuffling, dropout (default 0)\n"
            "  --data DIR           IDX files, plain or .gz (default %s,\n"
            "                       Debian package dataset-fashion-mnist)\n"
            "  --test               train on the full training set, validate on the test set\n"
            "  -h, --help           show this help\n",
            HPO_MLP_MAX_HIDDEN, HPO_MLP_DEFAULT_DATA_DIR);
}

static int bad(const char *flag, const char *value, const char *why)
{
    fprintf(stderr, "hpo train-mlp: %s '%s': %s\n", flag, value, why);
    return 2;
}

/* A finite, non-negative number; the config check enforces each field's range. */
static int parse_double(const char *flag, const char *s, double *out)
{
    char *end;
    double v;
    errno = 0;
    v = strtod(s, &end);
    if (end == s || *end != '\0')
        return bad(flag, s, "not a number");
    if (errno == ERANGE || !isfinite(v))
        return bad(flag, s, "must be a finite number");
    if (v < 0.0)
        return bad(flag, s, "must not be negative");
    *out = v;
    return 0;
}

static int parse_count(const char *flag, const char *s, long long lo, long long hi, long long *out)
{
    char *end;
    long long v;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (end == s || *end != '\0')
        return bad(flag, s, "not an integer");
    if (errno == ERANGE || v < lo || v > hi) {
        char why[96];
        snprintf(why, sizeof(why), "must be an integer in %lld..%lld", lo, hi);
        return bad(flag, s, why);
    }
    *out = v;
    return 0;
}

static int parse_seed(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;
    const char *p = s;
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '-')
        return bad("--seed", s, "must not be negative");
    errno = 0;
    v = strtoull(s, &end, 10);
    if (end == s || *end != '\0')
        return bad("--seed", s, "not an integer");
    if (errno == ERANGE)
        return bad("--seed", s, "too large for 64 bits");
    *out = (uint64_t)v;
    return 0;
}

static int parse_layers(const char *s, hpo_mlp_config *cfg)
{
    const char *p = s;
    size_t n = 0;
    for (;;) {
        char *end;
        long long v;
        if (n == HPO_MLP_MAX_HIDDEN)
            return bad("--layers", s, "too many hidden layers");
        errno = 0;
        if (!isdigit((unsigned char)*p))
            return bad("--layers", s, "expected comma-separated positive integers");
        v = strtoll(p, &end, 10);
        if (errno == ERANGE || v < 1 || v > HPO_MLP_MAX_UNITS)
            return bad("--layers", s, "each layer needs 1..65536 units");
        cfg->hidden[n++] = (size_t)v;
        if (*end == '\0')
            break;
        if (*end != ',')
            return bad("--layers", s, "expected comma-separated positive integers");
        p = end + 1;
    }
    cfg->n_hidden = n;
    return 0;
}

/* One flag and its value; returns 0, or 2 after printing the problem. */
static int apply_flag(train_opts *o, const char *flag, const char *value)
{
    long long n;
    int rc;
    if (strcmp(flag, "--layers") == 0)
        return parse_layers(value, &o->cfg);
    if (strcmp(flag, "--optimizer") == 0) {
        if (strcasecmp(value, "adam") == 0)
            o->cfg.optimizer = HPO_MLP_ADAM;
        else if (strcasecmp(value, "sgd") == 0)
            o->cfg.optimizer = HPO_MLP_SGD;
        else
            return bad(flag, value, "expected adam or sgd");
        return 0;
    }
    if (strcmp(flag, "--lr") == 0)
        return parse_double(flag, value, &o->cfg.lr);
    if (strcmp(flag, "--beta1") == 0)
        return parse_double(flag, value, &o->cfg.beta1);
    if (strcmp(flag, "--beta2") == 0)
        return parse_double(flag, value, &o->cfg.beta2);
    if (strcmp(flag, "--momentum") == 0)
        return parse_double(flag, value, &o->cfg.momentum);
    if (strcmp(flag, "--dropout") == 0)
        return parse_double(flag, value, &o->cfg.dropout);
    if (strcmp(flag, "--subsample") == 0) {
        if ((rc = parse_double(flag, value, &o->subsample)) != 0)
            return rc;
        if (!(o->subsample > 0.0 && o->subsample <= 1.0))
            return bad(flag, value, "must be in (0, 1]");
        return 0;
    }
    if (strcmp(flag, "--batch") == 0) {
        if ((rc = parse_count(flag, value, 1, HPO_MLP_MAX_BATCH, &n)) != 0)
            return rc;
        o->cfg.batch = (size_t)n;
        return 0;
    }
    if (strcmp(flag, "--epochs") == 0)
        return parse_count(flag, value, 1, MAX_EPOCHS, &o->epochs);
    if (strcmp(flag, "--threads") == 0) {
        if ((rc = parse_count(flag, value, 1, HPO_MLP_MAX_THREADS, &n)) != 0)
            return rc;
        o->cfg.n_threads = (int)n;
        return 0;
    }
    if (strcmp(flag, "--seed") == 0)
        return parse_seed(value, &o->cfg.seed);
    if (strcmp(flag, "--data") == 0) {
        if (value[0] == '\0')
            return bad(flag, value, "empty directory name");
        o->data_dir = value;
        return 0;
    }
    fprintf(stderr, "hpo train-mlp: unknown option '%s' (see hpo train-mlp --help)\n", flag);
    return 2;
}

/* Returns -1 to go on, else the exit status (0 after --help). */
static int parse_args(train_opts *o, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *eq;
        char flag[32];
        int rc;
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(arg, "--test") == 0) {
            o->use_test = 1;
            continue;
        }
        if (strncmp(arg, "--", 2) != 0) {
            fprintf(stderr, "hpo train-mlp: unexpected argument '%s'\n", arg);
            return 2;
        }
        eq = strchr(arg, '=');
        if (eq != NULL) {
            size_t len = (size_t)(eq - arg);
            if (len >= sizeof(flag)) {
                fprintf(stderr, "hpo train-mlp: unknown option '%.*s'\n", (int)len, arg);
                return 2;
            }
            memcpy(flag, arg, len);
            flag[len] = '\0';
            rc = apply_flag(o, flag, eq + 1);
        } else {
            if (i + 1 >= argc) {
                fprintf(stderr, "hpo train-mlp: option '%s' needs a value\n", arg);
                return 2;
            }
            rc = apply_flag(o, arg, argv[++i]);
        }
        if (rc != 0)
            return rc;
    }
    if (hpo__mlp_config_check(&o->cfg) != HPO_OK) {
        fprintf(stderr, "hpo train-mlp: %s\n", hpo_last_error());
        return 2;
    }
    return -1;
}

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int cmd_train_mlp(int argc, char **argv)
{
    train_opts o;
    hpo_mlp_data *train = NULL, *test = NULL;
    hpo_mlp_split split = {0};
    hpo_mlp *m = NULL;
    const hpo_mlp_data *val_data;
    const size_t *val_idx;
    size_t n_val;
    int rc, status = 1;

    memset(&o, 0, sizeof(o));
    hpo__mlp_config_default(&o.cfg);
    o.epochs = 5;
    o.subsample = 1.0;
    o.data_dir = HPO_MLP_DEFAULT_DATA_DIR;
    if ((rc = parse_args(&o, argc, argv)) >= 0)
        return rc;

    if (hpo__mlp_data_load(&train, o.data_dir, "train") != HPO_OK)
        goto fail;
    if (o.use_test && hpo__mlp_data_load(&test, o.data_dir, "t10k") != HPO_OK)
        goto fail;
    /* 10 000 of MNIST's 60 000 training images are held out unless --test. */
    if (hpo__mlp_split_make(&split, train->n, o.use_test ? 0.0 : 1.0 / 6.0, o.subsample,
                            o.cfg.seed) != HPO_OK)
        goto fail;
    if (test != NULL && test->dim != train->dim) {
        fprintf(stderr, "hpo train-mlp: test images have %zu pixels, training images %zu\n",
                test->dim, train->dim);
        goto done;
    }
    val_data = o.use_test ? test : train;
    val_idx = o.use_test ? NULL : split.val;
    n_val = o.use_test ? test->n : split.n_val;
    if (hpo__mlp_new(&m, &o.cfg, train->dim, HPO_MLP_MAX_CLASSES) != HPO_OK)
        goto fail;
    for (long long e = 1; e <= o.epochs; e++) {
        double t0 = seconds_now(), train_loss, acc, loss, secs;
        if (hpo__mlp_train_epoch(m, train, split.train, split.n_train, &train_loss) != HPO_OK)
            goto fail;
        secs = seconds_now() - t0;
        if (hpo__mlp_evaluate(m, val_data, val_idx, n_val, &acc, &loss) != HPO_OK)
            goto fail;
        printf("epoch=%lld accuracy=%.4f loss=%.4f train_loss=%.4f seconds=%.3f\n", e, acc, loss,
               train_loss, secs);
        fflush(stdout);
    }
    status = 0;
    goto done;
fail:
    fprintf(stderr, "hpo train-mlp: %s\n", hpo_last_error());
done:
    hpo__mlp_free(m);
    hpo__mlp_split_release(&split);
    hpo__mlp_data_free(test);
    hpo__mlp_data_free(train);
    return status;
}
