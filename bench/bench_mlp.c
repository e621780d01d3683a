/*
 * bench_mlp.c - `hpo-bench mlp`: seconds per epoch of the native MLP trainer on
 * the full 60 000-image (Fashion-)MNIST training set, and test accuracy after
 * the last epoch, for the two networks bench/mlp_torch.py trains in PyTorch:
 *   784-256-256-10, Adam lr 1e-3, batch 64, dropout 0.2
 *   784-128-10, SGD lr 0.01 momentum 0.9, batch 64, no dropout
 * One JSON line per network (bench/mlp_vs_torch.sh puts both tools side by side).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "mlp/data.h"
#include "mlp/mlp.h"

/* Also declared in bench.h; repeated so this file stands alone. */
int bench_mlp_main(int argc, char **argv);

typedef struct mlp_case {
    const char *net;
    size_t n_hidden;
    size_t hidden[2];
    hpo_mlp_optimizer optimizer;
    double lr, momentum, dropout;
} mlp_case;

static const mlp_case cases[] = {
        {"784-256-256-10", 2, {256, 256}, HPO_MLP_ADAM, 1e-3, 0.0, 0.2},
        {"784-128-10", 1, {128, 0}, HPO_MLP_SGD, 1e-2, 0.9, 0.0},
};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int run_case(const mlp_case *c,
                    const hpo_mlp_data *train,
                    const hpo_mlp_data *test,
                    uint64_t threads,
                    uint64_t epochs,
                    uint64_t seed)
{
    hpo_mlp_config cfg;
    hpo_mlp *m = NULL;
    double *secs = calloc(epochs, sizeof(double)), *sorted = calloc(epochs, sizeof(double));
    double loss = 0.0, acc = 0.0, total = 0.0;
    int ret = 1;

    if (secs == NULL || sorted == NULL) {
        fprintf(stderr, "hpo-bench mlp: out of memory\n");
        goto done;
    }
    hpo__mlp_config_default(&cfg);
    cfg.n_hidden = c->n_hidden;
    memcpy(cfg.hidden, c->hidden, sizeof(c->hidden));
    cfg.optimizer = c->optimizer;
    cfg.lr = c->lr;
    cfg.momentum = c->momentum;
    cfg.dropout = c->dropout;
    cfg.batch = 64;
    cfg.n_threads = (int)threads;
    cfg.seed = seed;
    if (hpo__mlp_new(&m, &cfg, train->dim, HPO_MLP_MAX_CLASSES) != HPO_OK)
        goto fail;
    for (uint64_t e = 0; e < epochs; e++) {
        double t0 = bench_now();
        if (hpo__mlp_train_epoch(m, train, NULL, 0, &loss) != HPO_OK)
            goto fail;
        secs[e] = bench_now() - t0;
        total += secs[e];
    }
    if (hpo__mlp_evaluate(m, test, NULL, 0, &acc, NULL) != HPO_OK)
        goto fail;
    memcpy(sorted, secs, epochs * sizeof(double));
    qsort(sorted, epochs, sizeof(double), cmp_double);
    printf("{\"record\":\"mlp\",\"tool\":\"hpo\",\"net\":\"%s\",\"optimizer\":\"%s\","
           "\"batch\":64,\"dropout\":",
           c->net, c->optimizer == HPO_MLP_ADAM ? "adam" : "sgd");
    bench_put_num(stdout, c->dropout);
    printf(",\"threads\":%llu,\"epochs\":%llu,\"train_examples\":%zu,\"sec_per_epoch\":",
           (unsigned long long)threads, (unsigned long long)epochs, train->n);
    bench_put_num(stdout, bench_median(sorted, epochs));
    printf(",\"sec_mean\":");
    bench_put_num(stdout, total / (double)epochs);
    printf(",\"epoch_secs\":[");
    for (uint64_t e = 0; e < epochs; e++) {
        if (e > 0)
            putchar(',');
        bench_put_num(stdout, secs[e]);
    }
    printf("],\"final_train_loss\":");
    bench_put_num(stdout, loss);
    printf(",\"test_accuracy\":");
    bench_put_num(stdout, acc);
    printf("}\n");
    fflush(stdout);
    ret = 0;
    goto done;
fail:
    fprintf(stderr, "hpo-bench mlp: %s\n", hpo_last_error());
done:
    hpo__mlp_free(m);
    free(sorted);
    free(secs);
    return ret;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: hpo-bench mlp [--threads 2] [--epochs 5] [--seed 0] [--net all|adam|sgd]\n"
               "                     [--data DIR]\n"
               "Seconds per epoch (median over the epochs) on the full training set and test\n"
               "accuracy after the last epoch; one JSON line per network.\n");
}

int bench_mlp_main(int argc, char **argv)
{
    uint64_t threads = 2, epochs = 5, seed = 0;
    const char *data = HPO_MLP_DEFAULT_DATA_DIR, *net = "all";
    hpo_mlp_data *train = NULL, *test = NULL;
    int ret = 1;

    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        if (strcmp(opt, "-h") == 0 || strcmp(opt, "--help") == 0) {
            usage(stdout);
            return 0;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "hpo-bench mlp: %s needs a value\n", opt);
            return 2;
        }
        if (strcmp(opt, "--threads") == 0) {
            if (bench_parse_u64(opt, argv[++i], &threads) != 0)
                return 2;
        } else if (strcmp(opt, "--epochs") == 0) {
            if (bench_parse_u64(opt, argv[++i], &epochs) != 0)
                return 2;
        } else if (strcmp(opt, "--seed") == 0) {
            if (bench_parse_u64(opt, argv[++i], &seed) != 0)
                return 2;
        } else if (strcmp(opt, "--data") == 0) {
            data = argv[++i];
        } else if (strcmp(opt, "--net") == 0) {
            net = argv[++i];
        } else {
            fprintf(stderr, "hpo-bench mlp: unknown option '%s'\n", opt);
            usage(stderr);
            return 2;
        }
    }
    if (threads < 1 || threads > HPO_MLP_MAX_THREADS || epochs < 1 || epochs > 1000) {
        fprintf(stderr, "hpo-bench mlp: --threads must be 1..%d and --epochs 1..1000\n",
                HPO_MLP_MAX_THREADS);
        return 2;
    }
    if (strcmp(net, "all") != 0 && strcmp(net, "adam") != 0 && strcmp(net, "sgd") != 0) {
        fprintf(stderr, "hpo-bench mlp: --net must be all, adam or sgd\n");
        return 2;
    }
    if (hpo__mlp_data_load(&train, data, "train") != HPO_OK ||
        hpo__mlp_data_load(&test, data, "t10k") != HPO_OK) {
        fprintf(stderr, "hpo-bench mlp: %s\n", hpo_last_error());
        goto done;
    }
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bool is_adam = cases[i].optimizer == HPO_MLP_ADAM;
        if (strcmp(net, "all") != 0 && strcmp(net, is_adam ? "adam" : "sgd") != 0)
            continue;
        if (run_case(&cases[i], train, test, threads, epochs, seed) != 0)
            goto done;
    }
    ret = 0;
done:
    hpo__mlp_data_free(test);
    hpo__mlp_data_free(train);
    return ret;
}
