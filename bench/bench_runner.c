/*
 * bench_runner.c - `hpo-bench runner`: what `hpo run` costs per trial beyond
 * starting the trial's process.
 *
 * Three timings of the same no-op command (default `true`):
 *   spawn:  the command started and waited for N times directly (the floor:
 *           process start-up, which no runner can avoid);
 *   run N:  `hpo run --trials N -- CMD` on a fresh study;
 *   run 1:  the same with one trial (hpo's own start-up, storage and study
 *           creation, paid once per run, not per trial).
 * overhead per trial = (run N - run 1) / (N - 1) - spawn / N, the cost of
 * asking, sampling, substituting, reading output, reaping and telling.
 * `true` prints no metric, so its trials FAIL (recording the reason and the
 * output tail); --cmd-metric runs `echo acc=1` so they COMPLETE instead.
 */
#include "bench_runner.h"
#include <fcntl.h>

#include <errno.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

extern char **environ;

static int spawn_wait(char *const argv[], bool quiet)
{
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int st, rc;
    posix_spawn_file_actions_init(&fa);
    if (quiet) {
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    }
    rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        fprintf(stderr, "hpo-bench runner: cannot run %s: %s\n", argv[0], strerror(rc));
        return -1;
    }
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Seconds for `hpo run --trials n -- cmd...` on a fresh study. */
static double time_run(const char *hpo, const char *url, const char *study, uint64_t n,
        char *const *cmd, size_t n_cmd)
{
    char trials[32];
    char *argv[64];
    size_t k = 0;
    double t0;
    int rc;
    snprintf(trials, sizeof(trials), "%llu", (unsigned long long)n);
    argv[k++] = (char *)hpo;
    argv[k++] = "run";
    argv[k++] = "--storage";
    argv[k++] = (char *)url;
    argv[k++] = "--study";
    argv[k++] = (char *)study;
    argv[k++] = "--metric";
    argv[k++] = "acc";
    argv[k++] = "--param";
    argv[k++] = "x=float:0:1";
    argv[k++] = "--sampler";
    argv[k++] = "random";
    argv[k++] = "--seed";
    argv[k++] = "1";
    argv[k++] = "--trials";
    argv[k++] = trials;
    argv[k++] = "-q";
    argv[k++] = "--";
    for (size_t i = 0; i < n_cmd && k < 63; i++)
        argv[k++] = cmd[i];
    argv[k] = NULL;
    t0 = bench_now();
    rc = spawn_wait(argv, false);
    if (rc != 0) {
        fprintf(stderr, "hpo-bench runner: hpo run exited %d\n", rc);
        return -1.0;
    }
    return bench_now() - t0;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: hpo-bench runner [--trials N] [--hpo PATH] [--storage URL|sqlite|memory]\n"
               "                        [--cmd-metric]\n"
               "Per-trial cost of 'hpo run' beyond starting the command (default: 200 trials\n"
               "of 'true' on a temporary SQLite file, hpo from build/release/hpo).\n");
}

int bench_runner_main(int argc, char **argv)
{
    const char *hpo = "build/release/hpo", *storage = "sqlite";
    char url[512], dbpath[256] = "", study1[64], studyn[64];
    uint64_t n = 200;
    bool metric = false;
    char *true_cmd[] = {"true", NULL};
    char *echo_cmd[] = {"echo", "acc=1", NULL};
    char *const *cmd;
    size_t n_cmd;
    double spawn_s, run1, runn, t0, per_trial, overhead;
    int ret = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--trials") == 0 && i + 1 < argc) {
            if (bench_parse_u64("--trials", argv[++i], &n) != 0 || n < 2) {
                fprintf(stderr, "hpo-bench runner: --trials must be >= 2\n");
                return 2;
            }
        } else if (strcmp(argv[i], "--hpo") == 0 && i + 1 < argc) {
            hpo = argv[++i];
        } else if (strcmp(argv[i], "--storage") == 0 && i + 1 < argc) {
            storage = argv[++i];
        } else if (strcmp(argv[i], "--cmd-metric") == 0) {
            metric = true;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (access(hpo, X_OK) != 0) {
        fprintf(stderr, "hpo-bench runner: %s is not executable (build it, or --hpo PATH)\n",
                hpo);
        return 2;
    }
    cmd = metric ? echo_cmd : true_cmd;
    n_cmd = metric ? 2 : 1;
    if (strcmp(storage, "sqlite") == 0) {
        int fd;
        snprintf(dbpath, sizeof(dbpath), "/tmp/hpo-bench-runner-XXXXXX");
        if ((fd = mkstemp(dbpath)) < 0) {
            perror("hpo-bench runner: mkstemp");
            return 1;
        }
        close(fd);
        unlink(dbpath); /* the storage creates it */
        snprintf(url, sizeof(url), "sqlite:///%s", dbpath);
    } else if (strcmp(storage, "memory") == 0) {
        snprintf(url, sizeof(url), ":memory:");
    } else {
        snprintf(url, sizeof(url), "%s", storage);
    }
    snprintf(study1, sizeof(study1), "bench-runner-1-%d", (int)getpid());
    snprintf(studyn, sizeof(studyn), "bench-runner-n-%d", (int)getpid());
    /* Warm the page cache for both binaries first. */
    if (spawn_wait(cmd, true) < 0 || time_run(hpo, url, "bench-runner-warm", 1, cmd, n_cmd) < 0)
        goto done;
    t0 = bench_now();
    for (uint64_t i = 0; i < n; i++)
        if (spawn_wait(cmd, true) < 0)
            goto done;
    spawn_s = bench_now() - t0;
    if ((run1 = time_run(hpo, url, study1, 1, cmd, n_cmd)) < 0 ||
            (runn = time_run(hpo, url, studyn, n, cmd, n_cmd)) < 0)
        goto done;
    per_trial = (runn - run1) / (double)(n - 1);
    overhead = per_trial - spawn_s / (double)n;
    printf("{\"record\":\"result\",\"bench\":\"runner\",\"impl\":\"hpo-%s\",\"cmd\":\"%s\","
           "\"storage\":\"%s\",\"n_trials\":%llu,\"spawn_per_trial_s\":",
           hpo_version_string(), metric ? "echo acc=1" : "true",
           strcmp(storage, "sqlite") == 0 || strcmp(storage, "memory") == 0 ? storage : "url",
           (unsigned long long)n);
    bench_put_num(stdout, spawn_s / (double)n);
    fputs(",\"run_per_trial_s\":", stdout);
    bench_put_num(stdout, per_trial);
    fputs(",\"overhead_per_trial_s\":", stdout);
    bench_put_num(stdout, overhead);
    fputs(",\"run_1_trial_s\":", stdout);
    bench_put_num(stdout, run1);
    fputs("}\n", stdout);
    ret = 0;
done:
    if (dbpath[0] != '\0') {
        char side[300];
        unlink(dbpath);
        snprintf(side, sizeof(side), "%s-wal", dbpath);
        unlink(side);
        snprintf(side, sizeof(side), "%s-shm", dbpath);
        unlink(side);
    }
    return ret;
}
