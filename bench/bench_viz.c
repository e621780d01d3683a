/*
 * bench_viz.c - `hpo-bench viz`: what looking at a big study costs.
 *
 * A study of N trials x 8 parameters (six floats, two of them log, an int and
 * a 4-way categorical; two intermediate values each) lives in a storage
 * (SQLite by default); it is created once and reused by later runs. Measured:
 *   load_s        a fresh study handle reading every trial
 *   fanova_s      hpo_importance, fANOVA (64 trees, depth 64), warm handle
 *   pedanova_s    hpo_importance, PED-ANOVA, warm handle
 *   report_s      what `hpo report` does: fresh handle, load, render the HTML
 *                 (trial table capped at the best 10 000 rows, its default)
 *   dashboard_start_s  `hpo dashboard` start-up until it serves (it reads
 *                 every study once)
 *   dashboard_cold_s / dashboard_warm_s   the first and the later GET
 *                 /study?name=... (later ones read only what changed), and
 *                 index_s for GET /
 * Times are medians over --repeat runs; one JSON line per run.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/bench_viz.h"

typedef struct viz_args {
    uint64_t trials, repeat, threads;
    const char *storage, *hpo;
} viz_args;

static void usage(FILE *f)
{
    fprintf(f, "usage: hpo-bench viz [--trials 10000] [--storage URL] [--hpo PATH] [--repeat 3]\n"
               "                     [--threads 0]\n"
               "  --storage   default sqlite:////tmp/hpo-bench-viz-N.db (created once, reused)\n"
               "  --hpo       the hpo binary whose dashboard is timed (default build/release/hpo;\n"
               "              skipped when missing)\n"
               "  --threads   fANOVA threads (0: one per CPU, at most 8)\n");
}

static int populate(hpo_study *study, uint64_t n)
{
    const char *choices[] = {"adam", "sgd", "rmsprop", "adagrad"};
    hpo_sampler *s = NULL;
    if (hpo_sampler_random_new(&s, 1) != HPO_OK || hpo_study_set_sampler(study, s) != HPO_OK)
        return -1;
    for (uint64_t i = 0; i < n; i++) {
        hpo_trial *t = NULL;
        double x[6], v = 0.0;
        int64_t units;
        size_t c;
        char name[8];
        if (hpo_study_ask(study, &t) != HPO_OK)
            return -1;
        for (int k = 0; k < 6; k++) {
            snprintf(name, sizeof(name), "x%d", k);
            if (hpo_trial_suggest_float(t, name, k < 2 ? 1e-4 : -5.0, k < 2 ? 1.0 : 5.0,
                                        HPO_NO_STEP, k < 2, &x[k]) != HPO_OK)
                return -1;
            v += (k < 2 ? 0.1 : (double)k) * (k < 2 ? -x[k] : x[k] * x[k]);
        }
        if (hpo_trial_suggest_int(t, "units", 16, 512, 16, false, &units) != HPO_OK ||
            hpo_trial_suggest_categorical_str(t, "optimizer", choices, 4, &c) != HPO_OK)
            return -1;
        v += (double)units / 512.0 + 2.0 * (double)c;
        if (hpo_trial_report(t, v + 1.0, 0) != HPO_OK ||
            hpo_trial_report(t, v + 0.5, 1) != HPO_OK ||
            hpo_study_tell(study, t, HPO_TRIAL_COMPLETE, &v, 1) != HPO_OK)
            return -1;
        hpo_trial_free(t);
    }
    return 0;
}

/* GET path from 127.0.0.1:port; returns the status code, -1 on failure. */
static int http_get(unsigned port, const char *path, size_t *bytes)
{
    struct sockaddr_in a;
    char req[1024], buf[65536];
    int fd = socket(AF_INET, SOCK_STREAM, 0), code = -1, n;
    size_t got = 0;
    if (fd < 0)
        return -1;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", path);
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || n < 0 ||
        send(fd, req, (size_t)n, 0) != n) {
        close(fd);
        return -1;
    }
    for (;;) {
        ssize_t k = recv(fd, buf, sizeof(buf), 0);
        if (k <= 0)
            break;
        if (got == 0 && k > 12)
            code = atoi(buf + 9);
        got += (size_t)k;
    }
    close(fd);
    *bytes = got;
    return code;
}

/* Start `hpo dashboard` on a free port; returns its pid (0 on failure). */
static pid_t dashboard_start(const char *hpo, const char *url, unsigned *port)
{
    int fds[2];
    pid_t pid;
    char line[512];
    FILE *f;
    const char *p;
    if (pipe(fds) != 0)
        return 0;
    if ((pid = fork()) == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        execl(hpo, hpo, "dashboard", "--storage", url, "--port", "0", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    f = fdopen(fds[0], "r");
    if (f == NULL || fgets(line, sizeof(line), f) == NULL ||
        (p = strstr(line, "127.0.0.1:")) == NULL) {
        if (f)
            fclose(f);
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
        return 0;
    }
    fclose(f);
    *port = (unsigned)atoi(p + 10);
    return pid;
}

static int parse(int argc, char **argv, viz_args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(o, "-h") == 0 || strcmp(o, "--help") == 0) {
            usage(stdout);
            return 1;
        }
        if (v == NULL) {
            fprintf(stderr, "hpo-bench viz: %s needs a value\n", o);
            return -1;
        }
        if (strcmp(o, "--trials") == 0) {
            if (bench_parse_u64(o, v, &a->trials) != 0)
                return -1;
        } else if (strcmp(o, "--repeat") == 0) {
            if (bench_parse_u64(o, v, &a->repeat) != 0)
                return -1;
        } else if (strcmp(o, "--threads") == 0) {
            if (bench_parse_u64(o, v, &a->threads) != 0)
                return -1;
        } else if (strcmp(o, "--storage") == 0) {
            a->storage = v;
        } else if (strcmp(o, "--hpo") == 0) {
            a->hpo = v;
        } else {
            fprintf(stderr, "hpo-bench viz: unknown option '%s'\n", o);
            return -1;
        }
        i++;
    }
    if (a->trials < 2 || a->repeat < 1) {
        fprintf(stderr, "hpo-bench viz: --trials >= 2 and --repeat >= 1\n");
        return -1;
    }
    return 0;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof(double), cmp_double);
    return bench_median(v, n);
}

/* Time one importance evaluation on the warm handle. */
static double time_importance(hpo_study *st, hpo_importance_kind kind, uint64_t threads)
{
    hpo_importance_options io = HPO_IMPORTANCE_OPTIONS_INIT;
    char **names = NULL;
    double *vals = NULL, t0 = bench_now(), dt;
    size_t n = 0;
    io.n_threads = (int)threads;
    if (hpo_importance(st, kind, &io, &names, &vals, &n) != HPO_OK) {
        fprintf(stderr, "hpo-bench viz: importance: %s\n", hpo_last_error());
        return -1.0;
    }
    dt = bench_now() - t0;
    hpo_free(names);
    hpo_free(vals);
    return dt;
}

int bench_viz_main(int argc, char **argv)
{
    viz_args a = {10000, 3, 0, NULL, "build/release/hpo"};
    char url[256], name[64], path[256];
    hpo_storage *storage = NULL;
    hpo_study *st = NULL;
    hpo_frozen_trial **tr = NULL;
    size_t n = 0, bytes = 0;
    double populate_s = 0.0, t0;
    double *load = NULL, *fan = NULL, *ped = NULL, *rep = NULL, *warm = NULL;
    double cold = -1.0, index_s = -1.0, start_s = -1.0;
    size_t report_bytes = 0, page_bytes = 0;
    int rc = parse(argc, argv, &a);
    hpo_direction dir = HPO_MINIMIZE;
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    if (a.storage == NULL) {
        snprintf(url, sizeof(url), "sqlite:////tmp/hpo-bench-viz-%llu.db",
                 (unsigned long long)a.trials);
        a.storage = url;
    }
    snprintf(name, sizeof(name), "viz-bench-%llu", (unsigned long long)a.trials);
    if (hpo_storage_open(&storage, a.storage) != HPO_OK) {
        fprintf(stderr, "hpo-bench viz: %s\n", hpo_last_error());
        return 1;
    }
    /* Create the study once; later runs reuse it. */
    if (hpo_study_load(&st, storage, name, NULL) == HPO_OK &&
        hpo_study_get_trials(st, HPO_STATES_ALL, &tr, &n) == HPO_OK && n >= a.trials) {
        hpo_frozen_trials_free(tr, n);
    } else {
        hpo_frozen_trials_free(tr, n);
        hpo_study_free(st);
        st = NULL;
        hpo_study_delete(storage, name);
        t0 = bench_now();
        if (hpo_study_create(&st, storage, name, &dir, 1, NULL) != HPO_OK ||
            populate(st, a.trials) != 0) {
            fprintf(stderr, "hpo-bench viz: populating: %s\n", hpo_last_error());
            hpo_study_free(st);
            hpo_storage_free(storage);
            return 1;
        }
        populate_s = bench_now() - t0;
    }
    hpo_study_free(st);
    st = NULL;
    load = calloc(a.repeat, sizeof(double));
    fan = calloc(a.repeat, sizeof(double));
    ped = calloc(a.repeat, sizeof(double));
    rep = calloc(a.repeat, sizeof(double));
    warm = calloc(a.repeat, sizeof(double));
    if (!load || !fan || !ped || !rep || !warm) {
        rc = 1;
        goto done;
    }
    for (uint64_t r = 0; r < a.repeat; r++) {
        char *html = NULL;
        hpo_report_options ro = HPO_REPORT_OPTIONS_INIT;
        ro.max_table_rows = 10000; /* as `hpo report` by default */
        t0 = bench_now();
        if (hpo_study_load(&st, storage, name, NULL) != HPO_OK ||
            hpo_study_get_trials(st, HPO_STATES_ALL, &tr, &n) != HPO_OK) {
            fprintf(stderr, "hpo-bench viz: load: %s\n", hpo_last_error());
            rc = 1;
            goto done;
        }
        load[r] = bench_now() - t0;
        hpo_frozen_trials_free(tr, n);
        fan[r] = time_importance(st, HPO_IMPORTANCE_FANOVA, a.threads);
        ped[r] = time_importance(st, HPO_IMPORTANCE_PEDANOVA, a.threads);
        hpo_study_free(st);
        st = NULL;
        /* The report as `hpo report` makes it: a fresh handle, then render. */
        t0 = bench_now();
        if (hpo_study_load(&st, storage, name, NULL) != HPO_OK ||
            hpo_report_html(st, &ro, &html, &report_bytes) != HPO_OK) {
            fprintf(stderr, "hpo-bench viz: report: %s\n", hpo_last_error());
            rc = 1;
            goto done;
        }
        rep[r] = bench_now() - t0;
        hpo_free(html);
        hpo_study_free(st);
        st = NULL;
    }
    if (access(a.hpo, X_OK) == 0) {
        unsigned port = 0;
        pid_t pid;
        t0 = bench_now();
        pid = dashboard_start(a.hpo, a.storage, &port);
        if (pid > 0) {
            start_s = bench_now() - t0;
            snprintf(path, sizeof(path), "/study?name=%s", name);
            t0 = bench_now();
            if (http_get(port, path, &page_bytes) == 200)
                cold = bench_now() - t0;
            for (uint64_t r = 0; r < a.repeat; r++) {
                t0 = bench_now();
                warm[r] = http_get(port, path, &page_bytes) == 200 ? bench_now() - t0 : -1.0;
            }
            t0 = bench_now();
            if (http_get(port, "/", &bytes) == 200)
                index_s = bench_now() - t0;
            kill(pid, SIGTERM);
            waitpid(pid, NULL, 0);
        }
    }
    printf("{\"bench\":\"viz\",\"trials\":%llu,\"params\":8,\"storage\":\"%s\",\"populate_s\":",
           (unsigned long long)a.trials, strncmp(a.storage, "sqlite", 6) == 0 ? "sqlite" : "other");
    bench_put_num(stdout, populate_s);
    printf(",\"load_s\":");
    bench_put_num(stdout, median(load, a.repeat));
    printf(",\"fanova_s\":");
    bench_put_num(stdout, median(fan, a.repeat));
    printf(",\"pedanova_s\":");
    bench_put_num(stdout, median(ped, a.repeat));
    printf(",\"report_s\":");
    bench_put_num(stdout, median(rep, a.repeat));
    printf(",\"report_bytes\":%zu,\"dashboard_start_s\":", report_bytes);
    bench_put_num(stdout, start_s);
    printf(",\"dashboard_cold_s\":");
    bench_put_num(stdout, cold);
    printf(",\"dashboard_warm_s\":");
    bench_put_num(stdout, cold < 0 ? -1.0 : median(warm, a.repeat));
    printf(",\"dashboard_page_bytes\":%zu,\"index_s\":", page_bytes);
    bench_put_num(stdout, index_s);
    printf("}\n");
done:
    free(load);
    free(fan);
    free(ped);
    free(rep);
    free(warm);
    hpo_study_free(st);
    hpo_storage_free(storage);
    return rc;
}
