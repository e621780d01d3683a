/*
 * test_runner.c - `hpo run` and the study commands, end to end: spawns the
 * built hpo binary (BUILD/hpo, next to BUILD/tests/) on a SQLite study in a
 * temporary directory and inspects the study through the library.
 *
 * The fake trainer is this binary itself (`test_runner fake OP...`) or the
 * shell script tests/cli/fake_trainer.sh; the plain outcome cases are data in
 * tests/cli/run.cases. Nothing here measures time: sleeps only make processes
 * overlap or wait to be killed, and waits are bounded only to fail instead of
 * hanging.
 */
#define _GNU_SOURCE /* nftw */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <ftw.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support/test_util.h"

extern char **environ;

static char g_self[4096];  /* this binary: the C fake trainer */
static char g_hpo[4096];   /* BUILD/hpo */
static char g_dir[256];    /* per-test temporary directory */
static char g_url[512];    /* sqlite:////tmp/.../t.db */
static char g_src[2048];   /* the source tree: $HPO_TEST_SRCDIR, else the working directory */

/* ---- the fake trainer ---------------------------------------------------------- */

static void write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        exit(70);
    fwrite(text, 1, len, f);
    fclose(f);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Write our pid atomically (a reader never sees a half-written file). */
static void write_pidfile(const char *path)
{
    char buf[32], tmp[4200];
    int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
    snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
    write_file(tmp, buf, (size_t)n);
    rename(tmp, path);
}

/* GPU slot check: at most per_gpu children see the same CUDA_VISIBLE_DEVICES at once. */
static void slot_check(const char *dir, int per_gpu)
{
    const char *gpu = getenv("CUDA_VISIBLE_DEVICES");
    char mine[512], prefix[64];
    int count = 0;
    DIR *d;
    struct dirent *e;
    if (gpu == NULL) {
        snprintf(mine, sizeof(mine), "%s/NO_GPU", dir);
        write_file(mine, "x", 1);
        return;
    }
    snprintf(prefix, sizeof(prefix), "gpu%s.", gpu);
    snprintf(mine, sizeof(mine), "%s/gpu%s.%d", dir, gpu, (int)getpid());
    write_file(mine, "x", 1);
    sleep_ms(150); /* overlap with the other children */
    d = opendir(dir);
    while (d != NULL && (e = readdir(d)) != NULL)
        count += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    if (d != NULL)
        closedir(d);
    if (count > per_gpu) {
        char bad[512];
        snprintf(bad, sizeof(bad), "%s/DOUBLE", dir);
        write_file(bad, "x", 1);
    }
    snprintf(prefix, sizeof(prefix), "%s/seen-gpu%s", dir, gpu);
    write_file(prefix, "x", 1);
    remove(mine);
}

static int fake_main(int argc, char **argv)
{
    for (int i = 2; i < argc; i++) {
        const char *op = argv[i], *arg = i + 1 < argc ? argv[i + 1] : "";
        if (strcmp(op, "out") == 0 || strcmp(op, "err") == 0) {
            FILE *f = op[0] == 'o' ? stdout : stderr;
            fprintf(f, "%s\n", arg);
            fflush(f);
            i++;
        } else if (strcmp(op, "sleep") == 0) {
            sleep_ms(atol(arg)); /* checksrc: allow (test program) */
            i++;
        } else if (strcmp(op, "exit") == 0) {
            return atoi(arg); /* checksrc: allow */
        } else if (strcmp(op, "segv") == 0) {
            signal(SIGSEGV, SIG_DFL);
            raise(SIGSEGV);
        } else if (strcmp(op, "ignore-term") == 0) {
            signal(SIGTERM, SIG_IGN);
        } else if (strcmp(op, "pidfile") == 0) {
            write_pidfile(arg);
            i++;
        } else if (strcmp(op, "grandchild") == 0) {
            /* A process of our group that outlives us unless the group is killed. */
            pid_t pid = fork();
            if (pid == 0) {
                write_pidfile(arg);
                for (;;)
                    pause();
            }
            /* Go on only once its pid is on disk: it may be killed any time after. */
            for (int k = 0; k < 10000 && access(arg, F_OK) != 0; k++)
                sleep_ms(1);
            i++;
        } else if (strcmp(op, "flood") == 0) {
            long n = atol(arg); /* checksrc: allow */
            for (long k = 0; k < n; k++)
                printf("junk line %ld: lorem ipsum dolor sit amet, no metric here\n", k);
            fflush(stdout);
            i++;
        } else if (strcmp(op, "bigline") == 0) {
            long mb = atol(arg); /* checksrc: allow */
            for (long k = 0; k < mb * 1024 * 1024 / 8; k++)
                fputs("acc=0.9 ", stdout);
            fputs("\n", stdout);
            fflush(stdout);
            i++;
        } else if (strcmp(op, "garbage") == 0) {
            static const char junk[] = "\x00\xff\xfe=acc=\x01\x7f{\"acc\": [} \xc3\x28 acc=\n";
            fwrite(junk, 1, sizeof(junk) - 1, stdout);
            fflush(stdout);
        } else if (strcmp(op, "dump") == 0) {
            /* Write every remaining argument, NUL-terminated, then stop. */
            FILE *f = fopen(arg, "w");
            if (f == NULL)
                return 70;
            for (int k = i + 2; k < argc; k++)
                fwrite(argv[k], 1, strlen(argv[k]) + 1, f);
            fclose(f);
            return 0;
        } else if (strcmp(op, "env") == 0) {
            /* env NAME PATH: the variable's value into PATH ("<unset>" if absent). */
            const char *v = getenv(arg);
            const char *path = i + 2 < argc ? argv[i + 2] : "/dev/null";
            v = v ? v : "<unset>";
            write_file(path, v, strlen(v));
            i += 2;
        } else if (strcmp(op, "slot") == 0) {
            slot_check(arg, 2);
            i++;
        } else {
            fprintf(stderr, "fake: unknown op '%s'\n", op);
            return 64;
        }
    }
    return 0;
}

/* ---- running hpo ----------------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/hpo-runner-XXXXXX");
    if (mkdtemp(g_dir) == NULL)
        return -1;
    snprintf(g_url, sizeof(g_url), "sqlite:///%s/t.db", g_dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    nftw(g_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

/* Spawn hpo with args (NULL-terminated) and extra env; returns its pid. */
static pid_t spawn_hpo(const char *const *args, const char *const *env_extra, const char *errfile)
{
    const char *argv[256];
    char *envp[512];
    size_t n = 0, k = 0;
    posix_spawn_file_actions_t fa;
    pid_t pid;
    argv[n++] = g_hpo;
    for (size_t i = 0; args[i] != NULL && n < 255; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    for (size_t i = 0; environ[i] != NULL && k < 400; i++)
        envp[k++] = environ[i];
    for (size_t i = 0; env_extra != NULL && env_extra[i] != NULL && k < 510; i++)
        envp[k++] = (char *)env_extra[i];
    envp[k] = NULL;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, errfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    if (posix_spawn(&pid, g_hpo, &fa, NULL, (char *const *)argv, envp) != 0)
        pid = -1;
    posix_spawn_file_actions_destroy(&fa);
    assert_true(pid > 0);
    return pid;
}

static int wait_status(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0)
        assert_int_equal(errno, EINTR);
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return WEXITSTATUS(st);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = calloc(1, 1 << 20);
    size_t n;
    assert_non_null(buf);
    if (f == NULL)
        return buf;
    n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Run hpo to completion; *out (if not NULL) gets its stdout+stderr (free it). */
static int run_hpo(const char *const *args, const char *const *env, char **out)
{
    char errfile[512];
    int st;
    snprintf(errfile, sizeof(errfile), "%s/hpo.out", g_dir);
    st = wait_status(spawn_hpo(args, env, errfile));
    if (out != NULL)
        *out = slurp(errfile);
    return st;
}

static void path_in_dir(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", g_dir, name);
}

/* ---- inspecting the study --------------------------------------------------------- */

typedef struct study_view {
    hpo_storage *storage;
    hpo_study *study;
    hpo_frozen_trial **trials;
    size_t n;
} study_view;

static void view_open(study_view *v, const char *name)
{
    memset(v, 0, sizeof(*v));
    assert_ok(hpo_storage_open(&v->storage, g_url));
    assert_ok(hpo_study_load(&v->study, v->storage, name, NULL));
    assert_ok(hpo_study_get_trials(v->study, HPO_STATES_ALL, &v->trials, &v->n));
}

static void view_close(study_view *v)
{
    hpo_frozen_trials_free(v->trials, v->n);
    hpo_study_free(v->study);
    hpo_storage_free(v->storage);
}

/* The user attribute's JSON string value, unquoted into buf ("" when absent). */
static const char *attr_text(const hpo_frozen_trial *t, const char *key, char *buf, size_t n)
{
    const char *js = hpo_frozen_trial_user_attr(t, key);
    size_t len;
    buf[0] = '\0';
    if (js == NULL)
        return buf;
    len = strlen(js);
    if (len >= 2 && js[0] == '"')
        snprintf(buf, n, "%.*s", (int)(len - 2), js + 1);
    else
        snprintf(buf, n, "%s", js);
    return buf;
}

static bool process_gone(pid_t pid)
{
    char path[64], buf[512];
    FILE *f;
    if (kill(pid, 0) != 0)
        return errno == ESRCH;
    /* A zombie waiting for its new parent to reap it is gone too. */
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    f = fopen(path, "r");
    if (f == NULL)
        return true;
    buf[0] = '\0';
    if (fgets(buf, sizeof(buf), f) == NULL)
        buf[0] = '\0';
    fclose(f);
    {
        const char *rp = strrchr(buf, ')');
        return rp != NULL && rp[1] == ' ' && (rp[2] == 'Z' || rp[2] == 'X');
    }
}

/* Wait (bounded, to fail rather than hang) until pid is gone. */
static bool wait_gone(pid_t pid)
{
    for (int i = 0; i < 2000; i++) {
        if (process_gone(pid))
            return true;
        sleep_ms(5);
    }
    return false;
}

static pid_t read_pid(const char *path)
{
    char *s = slurp(path);
    pid_t pid = (pid_t)strtol(s, NULL, 10);
    free(s);
    return pid;
}

/* Wait (bounded) for a file to appear. */
static bool wait_file(const char *path)
{
    for (int i = 0; i < 6000; i++) {
        if (access(path, F_OK) == 0)
            return true;
        sleep_ms(5);
    }
    return false;
}

/* ---- data-driven cases -------------------------------------------------------------- */

static void unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (r[0] == '%' && r[1] == '2' && r[2] == '0') {
            *w++ = ' ';
            r += 2;
        } else if (r[0] == '%' && r[1] == '2' && r[2] == '5') {
            *w++ = '%';
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

static bool same_value(double got, const char *want)
{
    double w = strtod(want, NULL);
    if (isnan(w))
        return isnan(got);
    return got == w || fabs(got - w) <= 1e-12 * fabs(w);
}

static void check_iv(const hpo_frozen_trial *t, const char *spec, const char *where)
{
    char copy[512], *save = NULL;
    size_t k = 0;
    snprintf(copy, sizeof(copy), "%s", spec);
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save), k++) {
        int64_t step;
        double v;
        char *colon = strchr(tok, ':');
        assert_non_null(colon);
        *colon = '\0';
        if (k >= hpo_frozen_trial_n_intermediate(t)) {
            print_error("%s: intermediate value %zu missing\n", where, k);
            fail();
        }
        hpo_frozen_trial_intermediate(t, k, &step, &v);
        if (step != strtoll(tok, NULL, 10) || !same_value(v, colon + 1)) {
            print_error("%s: intermediate %zu is %lld:%g, expected %s:%s\n", where, k,
                    (long long)step, v, tok, colon + 1);
            fail();
        }
    }
    hpo_assert_eq_i64(hpo_frozen_trial_n_intermediate(t), k);
}

static void check_expect(const char *name, char **toks, int n, int status, const char *out)
{
    study_view v;
    size_t trial = 0;
    char where[1024], buf[8192];
    view_open(&v, "case");
    for (int i = 0; i < n; i++) {
        char *eq = strchr(toks[i], '='), *tilde = strchr(toks[i], '~');
        const hpo_frozen_trial *t;
        snprintf(where, sizeof(where), "case %s, %s", name, toks[i]);
        if (strncmp(toks[i], "exit=", 5) == 0) {
            if (status != atoi(eq + 1)) { /* checksrc: allow */
                print_error("%s: hpo exited %d\n%s\n", where, status, out);
                fail();
            }
            continue;
        }
        if (strncmp(toks[i], "n=", 2) == 0) {
            if (v.n != strtoul(eq + 1, NULL, 10)) {
                print_error("%s: %zu trials\n%s\n", where, v.n, out);
                fail();
            }
            continue;
        }
        if (strncmp(toks[i], "trial=", 6) == 0) {
            trial = strtoul(eq + 1, NULL, 10);
            continue;
        }
        if (trial >= v.n) {
            print_error("%s: no trial %zu (%zu trials)\n%s\n", where, trial, v.n, out);
            fail();
        }
        t = v.trials[trial];
        if (strncmp(toks[i], "state=", 6) == 0) {
            const char *got = hpo_trial_state_name(hpo_frozen_trial_state(t));
            if (strcmp(got, eq + 1) != 0) {
                print_error("%s: state %s (%s)\n%s\n", where, got,
                        attr_text(t, "hpo:fail_reason", buf, sizeof(buf)), out);
                fail();
            }
        } else if (strncmp(toks[i], "value=", 6) == 0 || strncmp(toks[i], "value1=", 7) == 0) {
            size_t idx = toks[i][5] == '1' ? 1 : 0;
            if (!same_value(hpo_frozen_trial_value(t, idx), eq + 1)) {
                print_error("%s: value %.17g\n", where, hpo_frozen_trial_value(t, idx));
                fail();
            }
        } else if (strncmp(toks[i], "iv=", 3) == 0) {
            check_iv(t, eq + 1, where);
        } else if (strncmp(toks[i], "attr:", 5) == 0 && tilde != NULL) {
            *tilde = '\0';
            attr_text(t, toks[i] + 5, buf, sizeof(buf));
            if (strstr(buf, tilde + 1) == NULL) {
                print_error("%s: attribute %s is '%s'\n", where, toks[i] + 5, buf);
                fail();
            }
        } else if (strncmp(toks[i], "noattr:", 7) == 0) {
            if (hpo_frozen_trial_user_attr(t, toks[i] + 7) != NULL) {
                print_error("%s: unexpected attribute\n", where);
                fail();
            }
        } else {
            print_error("%s: unknown expectation\n", where);
            fail();
        }
    }
    view_close(&v);
}

static int split(char *line, char **toks, int max)
{
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(line, " \t\n", &save); t && n < max;
            t = strtok_r(NULL, " \t\n", &save)) {
        unescape(t);
        toks[n++] = t;
    }
    return n;
}

static void run_case(const char *name, char **run, int n_run, char **cmd, int n_cmd,
        char **expect, int n_expect)
{
    const char *args[200];
    char sh[4096], *out = NULL;
    int n = 0, status;
    args[n++] = "run";
    args[n++] = "--storage";
    args[n++] = g_url;
    args[n++] = "--study";
    args[n++] = "case";
    args[n++] = "--seed";
    args[n++] = "7";
    for (int i = 0; i < n_run; i++)
        args[n++] = run[i];
    args[n++] = "--";
    snprintf(sh, sizeof(sh), "%s/tests/cli/fake_trainer.sh", g_src);
    for (int i = 0; i < n_cmd && n < 195; i++) {
        if (strcmp(cmd[i], "FAKE") == 0) {
            args[n++] = g_self;
            args[n++] = "fake";
        } else if (strcmp(cmd[i], "SH") == 0) {
            args[n++] = "/bin/sh";
            args[n++] = sh;
        } else {
            args[n++] = cmd[i];
        }
    }
    args[n] = NULL;
    status = run_hpo(args, NULL, &out);
    check_expect(name, expect, n_expect, status, out);
    free(out);
    /* Each case gets a fresh study. */
    {
        hpo_storage *s;
        assert_ok(hpo_storage_open(&s, g_url));
        assert_ok(hpo_study_delete(s, "case"));
        hpo_storage_free(s);
    }
}

static void test_run_cases(void **state)
{
    char line[4096], name[256] = "", runl[4096] = "", cmdl[4096] = "", expl[4096] = "";
    int cases = 0;
    FILE *f;
    (void)state;
    snprintf(line, sizeof(line), "%s/tests/cli/run.cases", g_src);
    f = fopen(line, "r");
    assert_non_null(f);
    while (fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, "case ", 5) == 0)
            snprintf(name, sizeof(name), "%.*s", (int)strcspn(line + 5, "\n"), line + 5);
        else if (strncmp(line, "run ", 4) == 0)
            snprintf(runl, sizeof(runl), "%s", line + 4);
        else if (strncmp(line, "cmd ", 4) == 0)
            snprintf(cmdl, sizeof(cmdl), "%s", line + 4);
        else if (strncmp(line, "expect ", 7) == 0)
            snprintf(expl, sizeof(expl), "%s", line + 7);
        else if (strncmp(line, "end", 3) == 0) {
            char *run[100], *cmd[100], *exp[100];
            int nr = split(runl, run, 100), nc = split(cmdl, cmd, 100);
            int ne = split(expl, exp, 100);
            run_case(name, run, nr, cmd, nc, exp, ne);
            cases++;
            runl[0] = cmdl[0] = expl[0] = '\0';
        }
    }
    fclose(f);
    assert_true(cases >= 10);
}

/* ---- scenarios ------------------------------------------------------------------------ */

/*
 * Issue 11's regressions: a command that prints only its final value is never
 * pruned (a stepless line is no intermediate value), and a command the pruner
 * wants stopped that still exits 0 (here it ignores SIGTERM and finishes) is
 * COMPLETE with its value; --steps counter keeps the old counting.
 */
static void test_finished_trials_are_not_pruned(void **state)
{
    char *out = NULL;
    study_view v;
    const char *finals[] = {"run", "--storage", g_url, "--study", "f", "--metric", "value",
            "--trials", "12", "--pruner", "median:startup=1", "--param", "x=float:0:1", "--",
            g_self, "fake", "out", "value={x}", NULL};
    const char *first[] = {"run", "--storage", g_url, "--study", "late", "--direction",
            "maximize", "--metric", "acc", "--trials", "1", "--pruner", "median:startup=1", "--",
            g_self, "fake", "out", "step=0 acc=0.9", NULL};
    const char *late[] = {"run", "--storage", g_url, "--study", "late", "--direction",
            "maximize", "--metric", "acc", "--trials", "2", "--pruner", "median:startup=1",
            "--grace", "30", "-v", "--", g_self, "fake", "ignore-term", "out", "step=0 acc=0.1",
            "sleep", "300", "out", "acc=0.2", NULL};
    const char *counter[] = {"run", "--storage", g_url, "--study", "c", "--metric", "value",
            "--trials", "6", "--steps", "counter", "--pruner", "nop", "--", g_self, "fake",
            "out", "value=1", NULL};
    (void)state;
    assert_int_equal(run_hpo(finals, NULL, NULL), 0);
    view_open(&v, "f");
    hpo_assert_eq_i64(v.n, 12);
    for (size_t i = 0; i < v.n; i++) {
        hpo_assert_eq_i64(hpo_frozen_trial_state(v.trials[i]), HPO_TRIAL_COMPLETE);
        hpo_assert_eq_i64(hpo_frozen_trial_n_intermediate(v.trials[i]), 0);
    }
    view_close(&v);
    assert_int_equal(run_hpo(first, NULL, NULL), 0);
    assert_int_equal(run_hpo(late, NULL, &out), 0);
    view_open(&v, "late");
    hpo_assert_eq_i64(v.n, 2);
    /* the pruner said stop at step 0, SIGTERM was ignored, the command finished */
    assert_non_null(strstr(out, "pruning at step 0"));
    hpo_assert_eq_i64(hpo_frozen_trial_state(v.trials[1]), HPO_TRIAL_COMPLETE);
    assert_true(hpo_frozen_trial_value(v.trials[1], 0) == 0.2);
    view_close(&v);
    free(out);
    assert_int_equal(run_hpo(counter, NULL, NULL), 0);
    view_open(&v, "c");
    hpo_assert_eq_i64(hpo_frozen_trial_n_intermediate(v.trials[0]), 1);
    view_close(&v);
}

/*
 * Issue 13's fingerprint: hpo run stores this machine's environment in the study
 * and its hash on each trial; a worker whose environment differs (here a fake
 * nvidia-smi on PATH shows a GPU) warns, and hpo env diff names what differs.
 */
static void test_environment_recorded(void **state)
{
    char bin[512], smi[600], path[4096], *out = NULL, *old_path;
    study_view v;
    FILE *f;
    const char *run[] = {"run", "--storage", g_url, "--study", "env", "--metric", "v",
            "--trials", "2", "--pruner", "nop", "--param", "x=float:0:1", "--", g_self, "fake",
            "out", "v=1", NULL};
    const char *run2[] = {"run", "--storage", g_url, "--study", "env", "--metric", "v",
            "--trials", "3", "--pruner", "nop", "--param", "x=float:0:1", "--", g_self, "fake",
            "out", "v=1", NULL};
    const char *diff[] = {"env", "diff", "--storage", g_url, "--study", "env", NULL};
    const char *json[] = {"env", "--json", NULL};
    (void)state;
    assert_int_equal(run_hpo(run, NULL, NULL), 0);
    path_in_dir(bin, sizeof(bin), "fakebin");
    assert_int_equal(mkdir(bin, 0755), 0);
    snprintf(smi, sizeof(smi), "%s/nvidia-smi", bin);
    f = fopen(smi, "w");
    assert_non_null(f);
    fputs("#!/bin/sh\necho 'NVIDIA H200, 550.54, 143771 MiB'\n", f);
    fclose(f);
    assert_int_equal(chmod(smi, 0755), 0);
    old_path = strdup(getenv("PATH"));
    snprintf(path, sizeof(path), "%s:%s", bin, old_path);
    setenv("PATH", path, 1); /* the child inherits it */
    assert_int_equal(run_hpo(run2, NULL, &out), 0);
    assert_non_null(strstr(out, "other environment"));
    free(out);
    assert_int_equal(run_hpo(json, NULL, &out), 0);
    assert_non_null(strstr(out, "NVIDIA H200"));
    free(out);
    setenv("PATH", old_path, 1);
    free(old_path);
    assert_int_equal(run_hpo(diff, NULL, &out), 0);
    assert_non_null(strstr(out, "gpus:"));
    assert_non_null(strstr(out, "NVIDIA H200"));
    free(out);
    view_open(&v, "env");
    hpo_assert_eq_i64(v.n, 3);
    const char *h0 = hpo_frozen_trial_system_attr(v.trials[0], "hpo:env");
    const char *h2 = hpo_frozen_trial_system_attr(v.trials[2], "hpo:env");
    assert_non_null(h0);
    assert_non_null(h2);
    assert_true(strlen(h0) == 18 && strcmp(h0, h2) != 0); /* "<16 hex>" */
    view_close(&v);
}

/* --gpu-mem with a fake nvidia-smi: GPU 0 has 1000 MiB free, GPU 1 50000; every trial
 * needing 20000 lands on GPU 1; needing 90000, none starts before the timeout. */
static void test_gpu_memory_placement(void **state)
{
    char bin[512], smi[600], path[4096], *old_path;
    study_view v;
    FILE *f;
    const char *fits[] = {"run", "--storage", g_url, "--study", "mem", "--metric", "v",
            "--trials", "4", "--gpus", "0,1", "--per-gpu", "2", "--gpu-mem", "20000", "--pruner",
            "nop", "-q", "--", g_self, "fake", "out", "v=1", NULL};
    const char *none[] = {"run", "--storage", g_url, "--study", "big", "--metric", "v",
            "--trials", "2", "--timeout", "1", "--gpus", "0,1", "--gpu-mem", "90000", "-q", "--",
            g_self, "fake", "out", "v=1", NULL};
    const char *bad[] = {"run", "--storage", g_url, "--study", "x", "--metric", "v", "--trials",
            "1", "--gpu-mem", "100", "--", g_self, "fake", "out", "v=1", NULL};
    (void)state;
    path_in_dir(bin, sizeof(bin), "smibin");
    assert_int_equal(mkdir(bin, 0755), 0);
    snprintf(smi, sizeof(smi), "%s/nvidia-smi", bin);
    f = fopen(smi, "w");
    assert_non_null(f);
    fputs("#!/bin/sh\ncase \"$1\" in --query-gpu=index,memory.free) printf '0, 1000\\n1, "
          "50000\\n';; *) echo NVIDIA;; esac\n", f);
    fclose(f);
    assert_int_equal(chmod(smi, 0755), 0);
    old_path = strdup(getenv("PATH"));
    snprintf(path, sizeof(path), "%s:%s", bin, old_path);
    setenv("PATH", path, 1);
    assert_int_equal(run_hpo(fits, NULL, NULL), 0);
    assert_int_equal(run_hpo(none, NULL, NULL), 0);
    setenv("PATH", old_path, 1);
    free(old_path);
    assert_int_equal(run_hpo(bad, NULL, NULL), 2); /* --gpu-mem without --gpus */
    view_open(&v, "mem");
    hpo_assert_eq_i64(v.n, 4);
    for (size_t i = 0; i < v.n; i++)
        assert_string_equal(hpo_frozen_trial_user_attr(v.trials[i], "hpo:gpu"), "\"1\"");
    view_close(&v);
    view_open(&v, "big");
    hpo_assert_eq_i64(v.n, 0);
    view_close(&v);
}

/* A completed reference trial, then a bad one that the median pruner stops. */
static void test_prune_kills_group(void **state)
{
    char pidfile[512], gcfile[512], *out = NULL;
    study_view v;
    pid_t child, grandchild;
    const char *first[] = {"run", "--storage", g_url, "--study", "p", "--direction", "maximize",
            "--metric", "acc", "--trials", "1", "--pruner", "median:startup=1", "--", g_self,
            "fake", "out", "step=0 acc=0.9", "out", "step=1 acc=0.95", NULL};
    const char *second[] = {"run", "--storage", g_url, "--study", "p", "--direction",
            "maximize", "--metric", "acc", "--trials", "3", "--pruner", "median:startup=1",
            "--grace", "0.2", "--", g_self, "fake", "pidfile", pidfile, "grandchild", gcfile,
            "ignore-term", "out", "step=0 acc=0.1", "sleep", "100000", NULL};
    (void)state;
    path_in_dir(pidfile, sizeof(pidfile), "child.pid");
    path_in_dir(gcfile, sizeof(gcfile), "grandchild.pid");
    assert_int_equal(run_hpo(first, NULL, NULL), 0);
    assert_int_equal(run_hpo(second, NULL, &out), 0);
    view_open(&v, "p");
    hpo_assert_eq_i64(v.n, 3);
    hpo_assert_eq_i64(hpo_frozen_trial_state(v.trials[0]), HPO_TRIAL_COMPLETE);
    for (size_t i = 1; i < 3; i++) {
        hpo_assert_eq_i64(hpo_frozen_trial_state(v.trials[i]), HPO_TRIAL_PRUNED);
        /* A pruned trial keeps its last intermediate value. */
        assert_true(hpo_frozen_trial_value(v.trials[i], 0) == 0.1);
        hpo_assert_eq_i64(hpo_frozen_trial_n_intermediate(v.trials[i]), 1);
    }
    view_close(&v);
    /* The last child ignored SIGTERM: SIGKILL after --grace took it and its group. */
    child = read_pid(pidfile);
    grandchild = read_pid(gcfile);
    assert_true(child > 0 && grandchild > 0);
    assert_true(wait_gone(child));
    assert_true(wait_gone(grandchild));
    free(out);
}

/* Values with spaces, quotes, $(), ; and backticks reach the child as one argv item each. */
static void test_hostile_values(void **state)
{
    static const char evil[] = "a b'c\"d $(touch PWNED); `touch PWNED` | & > x {lr} %s\n*";
    char space[1024], spacefile[512], dump[512], envfile[512], *got, *out = NULL, cwd[4096];
    const char *args[] = {"run", "--storage", g_url, "--study", "h", "--metric", "acc",
            "--trials", "1", "--space", spacefile, "--", g_self, "fake", "env", "HPO_PARAM_EVIL_NAME",
            envfile, "out", "acc=1", "dump", dump, "{evil.name}", "--v={evil.name}", "{{lit}}",
            "{trial_number}", NULL};
    json_t *j = json_pack("{s:[s]}", "evil.name", evil);
    char *js = json_dumps(j, 0);
    size_t off = 0;
    (void)state;
    path_in_dir(spacefile, sizeof(spacefile), "space.json");
    path_in_dir(dump, sizeof(dump), "argv.dump");
    path_in_dir(envfile, sizeof(envfile), "env.txt");
    snprintf(space, sizeof(space), "%s", js);
    write_file(spacefile, space, strlen(space));
    free(js);
    json_decref(j);
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(chdir(g_dir), 0);
    assert_int_equal(run_hpo(args, NULL, &out), 0);
    assert_int_equal(chdir(cwd), 0);
    got = slurp(dump);
    assert_string_equal(got + off, evil);
    off += strlen(evil) + 1;
    assert_string_equal(got + off, "--v=a b'c\"d $(touch PWNED); `touch PWNED` | & > x {lr} %s\n*");
    off += strlen(got + off) + 1;
    assert_string_equal(got + off, "{lit}");
    off += strlen(got + off) + 1;
    assert_string_equal(got + off, "0");
    free(got);
    got = slurp(envfile);
    assert_string_equal(got, evil);
    free(got);
    {
        char pwned[512];
        path_in_dir(pwned, sizeof(pwned), "PWNED");
        assert_int_equal(access(pwned, F_OK), -1);
    }
    free(out);
}

/* --gpus 0,1 --per-gpu 2 --jobs 4: never more than 2 children on one GPU. */
static void test_gpu_slots(void **state)
{
    char slotdir[512], p[600], *out = NULL;
    const char *args[] = {"run", "--storage", g_url, "--study", "g", "--metric", "acc",
            "--trials", "8", "--gpus", "0,1", "--per-gpu", "2", "--jobs", "4", "--param",
            "x=float:0:1", "--", g_self, "fake", "slot", slotdir, "out", "acc=0.5", NULL};
    const char *too_many[] = {"run", "--storage", g_url, "--study", "g", "--metric", "acc",
            "--trials", "8", "--gpus", "0,1", "--jobs", "3", "--", "true", NULL};
    study_view v;
    int gpu0 = 0, gpu1 = 0;
    char buf[64];
    (void)state;
    path_in_dir(slotdir, sizeof(slotdir), "slots");
    assert_int_equal(mkdir(slotdir, 0755), 0);
    assert_int_equal(run_hpo(args, NULL, &out), 0);
    snprintf(p, sizeof(p), "%s/DOUBLE", slotdir);
    assert_int_equal(access(p, F_OK), -1);
    snprintf(p, sizeof(p), "%s/NO_GPU", slotdir);
    assert_int_equal(access(p, F_OK), -1);
    snprintf(p, sizeof(p), "%s/seen-gpu0", slotdir);
    assert_int_equal(access(p, F_OK), 0);
    snprintf(p, sizeof(p), "%s/seen-gpu1", slotdir);
    assert_int_equal(access(p, F_OK), 0);
    view_open(&v, "g");
    hpo_assert_eq_i64(v.n, 8);
    for (size_t i = 0; i < v.n; i++) {
        hpo_assert_eq_i64(hpo_frozen_trial_state(v.trials[i]), HPO_TRIAL_COMPLETE);
        attr_text(v.trials[i], "hpo:gpu", buf, sizeof(buf));
        gpu0 += strcmp(buf, "0") == 0;
        gpu1 += strcmp(buf, "1") == 0;
    }
    hpo_assert_eq_i64(gpu0 + gpu1, 8);
    assert_true(gpu0 > 0 && gpu1 > 0);
    view_close(&v);
    free(out);
    assert_int_equal(run_hpo(too_many, NULL, &out), 2);
    assert_non_null(strstr(out, "more than the 2 GPU slots"));
    free(out);
}

static void interrupt_run(bool twice, bool requeue)
{
    char pid0[512], pid1[512], *out = NULL, pattern[512], errfile[512];
    const char *args[40];
    int n = 0;
    pid_t hpo;
    study_view v;
    const char *head[] = {"run", "--storage", g_url, "--study", "i", "--metric", "acc",
            "--trials", "10", "--jobs", "2", "--grace", twice ? "1000" : "5",
            requeue ? "--requeue-interrupted" : "-v", "--", g_self, "fake", NULL};
    for (int i = 0; head[i] != NULL; i++)
        args[n++] = head[i];
    if (twice)
        args[n++] = "ignore-term";
    /* The pidfile name carries the trial number. */
    path_in_dir(pattern, sizeof(pattern), "pid-{trial_number}");
    args[n++] = "out";
    args[n++] = "step=0 acc=0.5";
    args[n++] = "pidfile";
    args[n++] = pattern;
    args[n++] = "sleep";
    args[n++] = "100000";
    args[n] = NULL;
    path_in_dir(pid0, sizeof(pid0), "pid-0");
    path_in_dir(pid1, sizeof(pid1), "pid-1");
    path_in_dir(errfile, sizeof(errfile), "hpo.out");
    hpo = spawn_hpo(args, NULL, errfile);
    assert_true(wait_file(pid0));
    assert_true(wait_file(pid1));
    kill(hpo, SIGINT);
    if (twice) {
        sleep_ms(50);
        kill(hpo, SIGINT);
    }
    assert_int_equal(wait_status(hpo), 130);
    out = slurp(errfile);
    assert_non_null(strstr(out, "interrupted"));
    assert_true(wait_gone(read_pid(pid0)));
    assert_true(wait_gone(read_pid(pid1)));
    view_open(&v, "i");
    /* With --requeue-interrupted each interrupted trial is also enqueued again. */
    hpo_assert_eq_i64(v.n, requeue ? 4 : 2);
    for (size_t i = 0; i < v.n; i++) {
        char buf[256];
        if (i >= 2) {
            hpo_assert_eq_i64(hpo_frozen_trial_state(v.trials[i]), HPO_TRIAL_WAITING);
            assert_non_null(hpo_frozen_trial_system_attr(v.trials[i], "fixed_params"));
            continue;
        }
        hpo_assert_eq_i64(hpo_frozen_trial_state(v.trials[i]), HPO_TRIAL_FAIL);
        attr_text(v.trials[i], "hpo:fail_reason", buf, sizeof(buf));
        assert_non_null(strstr(buf, "interrupted"));
    }
    view_close(&v);
    free(out);
}

static void test_interrupt(void **state)
{
    (void)state;
    interrupt_run(false, false);
}

/* --requeue-interrupted: the interrupted trials wait in the study for the next run. */
static void test_interrupt_requeue(void **state)
{
    (void)state;
    interrupt_run(false, true);
}

/* Children ignore SIGTERM and the grace is huge: only the second Ctrl-C ends it. */
static void test_interrupt_twice(void **state)
{
    (void)state;
    interrupt_run(true, false);
}

/* Retries get the failed trial's parameters. */
static void test_retry_params(void **state)
{
    const char *args[] = {"run", "--storage", g_url, "--study", "r", "--metric", "acc",
            "--trials", "3", "--retries", "1", "--param", "x=float:0:1", "--param",
            "c=cat:a,b", "--", g_self, "fake", "exit", "1", NULL};
    study_view v;
    hpo_value a, b;
    char buf[64];
    (void)state;
    assert_int_equal(run_hpo(args, NULL, NULL), 0);
    view_open(&v, "r");
    hpo_assert_eq_i64(v.n, 3);
    assert_ok(hpo_frozen_trial_param(v.trials[0], "x", &a));
    assert_ok(hpo_frozen_trial_param(v.trials[1], "x", &b));
    assert_true(a.u.f == b.u.f);
    assert_ok(hpo_frozen_trial_param(v.trials[0], "c", &a));
    assert_ok(hpo_frozen_trial_param(v.trials[1], "c", &b));
    assert_string_equal(a.u.s, b.u.s);
    assert_string_equal(attr_text(v.trials[1], "hpo:retry_of", buf, sizeof(buf)), "0");
    /* Only one retry: trial 2 is new (its own retry is beyond the budget). */
    assert_null(hpo_frozen_trial_user_attr(v.trials[2], "hpo:retry_of"));
    view_close(&v);
}

/* A shell child defines its own parameters with `hpo trial` and obeys prune (exit 3). */
static void test_define_by_run(void **state)
{
    char path[8192], envp0[8300], *out = NULL, script[4200];
    const char *env[] = {envp0, NULL};
    const char *args[] = {"run", "--storage", g_url, "--study", "d", "--direction", "maximize",
            "--metric", "accuracy", "--trials", "8", "--jobs", "2", "--pruner",
            "median:startup=2", "--log-dir", path, "--", "/bin/sh", script, NULL};
    study_view v;
    int complete = 0;
    char buf[256];
    (void)state;
    snprintf(script, sizeof(script), "%s/tests/cli/define_by_run.sh", g_src);
    /* hpo on PATH for the child. */
    snprintf(path, sizeof(path), "%s", g_hpo);
    *strrchr(path, '/') = '\0';
    snprintf(envp0, sizeof(envp0), "PATH=%s:%s", path, getenv("PATH") ? getenv("PATH") : "/bin");
    path_in_dir(path, sizeof(path), "logs");
    assert_int_equal(run_hpo(args, env, &out), 0);
    view_open(&v, "d");
    hpo_assert_eq_i64(v.n, 8);
    for (size_t i = 0; i < v.n; i++) {
        const hpo_frozen_trial *t = v.trials[i];
        hpo_value lr, units;
        hpo_trial_state s = hpo_frozen_trial_state(t);
        if (s == HPO_TRIAL_FAIL) {
            print_error("trial %zu failed: %s\n%s\n", i,
                    attr_text(t, "hpo:output_tail", buf, sizeof(buf)), out);
            fail();
        }
        assert_ok(hpo_frozen_trial_param(t, "lr", &lr));
        assert_true(lr.u.f >= 1e-5 && lr.u.f <= 1e-1);
        assert_ok(hpo_frozen_trial_param(t, "units", &units));
        assert_true(units.u.i % 32 == 0);
        assert_non_null(strstr(attr_text(t, "note", buf, sizeof(buf)), "opt="));
        assert_non_null(strstr(attr_text(t, "hpo:log", buf, sizeof(buf)), "logs/trial-"));
        if (s == HPO_TRIAL_COMPLETE) {
            complete++;
            hpo_assert_eq_i64(hpo_frozen_trial_n_intermediate(t), 3);
        }
    }
    assert_true(complete >= 2);
    view_close(&v);
    free(out);
}

/* hpo trial without a trial, or on a private storage, explains itself. */
static void test_trial_errors(void **state)
{
    const char *a1[] = {"trial", "suggest-float", "x", "0", "1", "--storage", g_url, "--study",
            "nope", NULL};
    const char *a2[] = {"trial", "report", "0.5", "--storage", ":memory:", "--study", "s",
            "--trial-id", "0", NULL};
    const char *a3[] = {"trial", "frobnicate", NULL};
    char *out = NULL;
    (void)state;
    assert_int_equal(run_hpo(a1, NULL, &out), 2);
    assert_non_null(strstr(out, "HPO_TRIAL_ID"));
    free(out);
    assert_int_equal(run_hpo(a2, NULL, &out), 1);
    assert_non_null(strstr(out, "private to the 'hpo run' process"));
    free(out);
    assert_int_equal(run_hpo(a3, NULL, &out), 2);
    assert_non_null(strstr(out, "unknown command 'frobnicate'"));
    free(out);
}

static void test_usage_errors(void **state)
{
    static const char *const cases[][12] = {
        {"run", "--metric", "acc", "--trials", "1", "--", "echo", "{nope}", NULL},
        {"run", "--trials", "1", "--", "true", NULL},
        {"run", "--metric", "acc", "--", "true", NULL},
        {"run", "--metric", "acc", "--trials", "1", "--param", "lr=float:1:0", "--", "true", NULL},
        {"run", "--metric", "acc", "--trials", "1", "--bogus", NULL},
        {"run", "--metric", "acc", "--trials", "1", NULL},
        {"run", "--metric", "acc", "--trials", "1", "--sampler", "hyperopt", "--", "true", NULL},
        {"run", "--metric", "acc", "--trials", "x", "--", "true", NULL},
        {"run", "--metric", "acc", "--trials", "1", "--gpus", "0,0", "--", "true", NULL},
    };
    static const char *const want[] = {"unknown name {nope}", "--metric NAME is required",
            "give --trials N or --timeout", "parameter 'lr'", "unknown option '--bogus'",
            "no command", "unknown sampler 'hyperopt'", "--trials 'x'", "appears twice"};
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *out = NULL;
        int st = run_hpo(cases[i], NULL, &out);
        if (st != 2 || strstr(out, want[i]) == NULL) {
            print_error("case %zu: exit %d, output:\n%s\n(expected '%s')\n", i, st, out, want[i]);
            fail();
        }
        free(out);
    }
}

/* study / ask / tell / trials / best, as Optuna's CLI. */
static void test_study_commands(void **state)
{
    char env0[600], *out = NULL;
    const char *env[] = {env0, NULL};
    const char *create[] = {"study", "create", "--study", "s", "--direction", "maximize", NULL};
    const char *dup[] = {"study", "create", "--study", "s", NULL};
    const char *skip[] = {"study", "create", "--study", "s", "--skip-if-exists", NULL};
    const char *ask[] = {"ask", "--study", "s", "--seed", "1", "--search-space",
            "{\"x\": {\"name\": \"FloatDistribution\", \"attributes\": {\"step\": null, \"low\": "
            "0.0, \"high\": 1.0, \"log\": false}}, \"c\": {\"type\": \"categorical\", "
            "\"choices\": [\"p q\", \"r\"]}}",
            NULL};
    const char *tell[] = {"tell", "--study", "s", "--trial-number", "0", "--values", "0.75", NULL};
    const char *tell_again[] = {"tell", "--study", "s", "--trial-number", "0", "--values", "1",
            NULL};
    const char *tell_skip[] = {"tell", "--study", "s", "--trial-number", "0", "--values", "1",
            "--skip-if-finished", NULL};
    const char *tell_fail[] = {"tell", "--study", "s", "--trial-number", "1", "--state", "fail",
            NULL};
    const char *list[] = {"study", "list", "--format", "json", NULL};
    const char *trials_csv[] = {"trials", "--study", "s", "--format", "csv", NULL};
    const char *trials_json[] = {"trials", "--study", "s", "--format", "json", "--state",
            "fail", NULL};
    const char *best[] = {"best", "--study", "s", NULL};
    const char *best_args[] = {"best", "--study", "s", "--format", "args", NULL};
    const char *attr[] = {"study", "set-user-attr", "--study", "s", "--key", "k", "--value",
            "v w", NULL};
    const char *del[] = {"study", "delete", "--study", "s", NULL};
    const char *del_again[] = {"study", "delete", "--study", "s", NULL};
    const char *help[] = {"study", "--help", NULL};
    study_view v;
    char *val = NULL;
    (void)state;
    snprintf(env0, sizeof(env0), "HPO_STORAGE=%s", g_url);
    assert_int_equal(run_hpo(create, env, &out), 0);
    assert_string_equal(out, "s\n");
    free(out);
    assert_int_equal(run_hpo(dup, env, &out), 1);
    free(out);
    assert_int_equal(run_hpo(skip, env, NULL), 0);
    assert_int_equal(run_hpo(ask, env, &out), 0);
    assert_non_null(strstr(out, "{\"number\": 0, \"params\": {\"x\": "));
    free(out);
    assert_int_equal(run_hpo(ask, env, NULL), 0);
    assert_int_equal(run_hpo(tell, env, NULL), 0);
    assert_int_equal(run_hpo(tell_again, env, &out), 1);
    assert_non_null(strstr(out, "already finished"));
    free(out);
    assert_int_equal(run_hpo(tell_skip, env, NULL), 0);
    assert_int_equal(run_hpo(tell_fail, env, NULL), 0);
    assert_int_equal(run_hpo(attr, env, NULL), 0);
    assert_int_equal(run_hpo(list, env, &out), 0);
    assert_non_null(strstr(out, "\"name\": \"s\""));
    assert_non_null(strstr(out, "\"n_trials\": 2"));
    free(out);
    assert_int_equal(run_hpo(trials_csv, env, &out), 0);
    assert_non_null(strstr(out, "number,state,value,x,c,duration\n0,COMPLETE,0.75,"));
    assert_non_null(strstr(out, "\n1,FAIL,,"));
    free(out);
    assert_int_equal(run_hpo(trials_json, env, &out), 0);
    assert_non_null(strstr(out, "\"state\": \"FAIL\""));
    assert_null(strstr(out, "COMPLETE"));
    free(out);
    assert_int_equal(run_hpo(best, env, &out), 0);
    assert_non_null(strstr(out, "{\"number\": 0, \"state\": \"COMPLETE\", \"value\": 0.75"));
    free(out);
    assert_int_equal(run_hpo(best_args, env, &out), 0);
    assert_non_null(strstr(out, "--x="));
    assert_true(strstr(out, " --c=p q\n") != NULL || strstr(out, " --c=r\n") != NULL);
    free(out);
    view_open(&v, "s");
    assert_ok(hpo_study_get_user_attr(v.study, "k", &val));
    assert_string_equal(val, "\"v w\"");
    hpo_free(val);
    view_close(&v);
    assert_int_equal(run_hpo(del, env, NULL), 0);
    assert_int_equal(run_hpo(del_again, env, &out), 1);
    free(out);
    assert_int_equal(run_hpo(help, env, &out), 0);
    assert_non_null(strstr(out, "set-user-attr"));
    free(out);
}

/* An argument naming an inactive conditional parameter is left out; YAML space at the CLI. */
static void test_conditional_args(void **state)
{
    static const char yaml[] = "opt: [SGD, Adam]\n"
                               "beta1: {type: float, low: 0.8, high: 0.9, when: {opt: Adam}}\n"
                               "momentum: {type: float, low: 0.5, high: 0.5, when: {opt: SGD}}\n";
    char spacefile[512], dump[512], envfile[512], path[600];
    const char *args[] = {"run", "--storage", g_url, "--study", "c", "--metric", "acc",
            "--trials", "8", "--seed", "3", "--space", spacefile, "--", g_self, "fake", "env",
            "HPO_PARAM_BETA1", envfile, "out", "acc=1", "dump", dump, "--opt={opt}",
            "--beta1={beta1}", "--momentum={momentum}", "end", NULL};
    study_view v;
    int sgd = 0, adam = 0;
    (void)state;
    path_in_dir(spacefile, sizeof(spacefile), "space.yaml");
    path_in_dir(dump, sizeof(dump), "argv-{trial_number}");
    path_in_dir(envfile, sizeof(envfile), "env-{trial_number}");
    write_file(spacefile, yaml, sizeof(yaml) - 1);
    assert_int_equal(run_hpo(args, NULL, NULL), 0);
    view_open(&v, "c");
    hpo_assert_eq_i64(v.n, 8);
    for (int i = 0; i < 8; i++) {
        char *got, *env;
        size_t off = 0;
        snprintf(path, sizeof(path), "%s/argv-%d", g_dir, i);
        got = slurp(path);
        snprintf(path, sizeof(path), "%s/env-%d", g_dir, i);
        env = slurp(path);
        if (strcmp(got, "--opt=SGD") == 0) {
            sgd++;
            off += strlen(got + off) + 1;
            assert_string_equal(got + off, "--momentum=0.5");
            assert_string_equal(env, "<unset>");
        } else {
            adam++;
            assert_string_equal(got, "--opt=Adam");
            off += strlen(got + off) + 1;
            assert_true(strncmp(got + off, "--beta1=0.", 10) == 0);
            assert_true(strncmp(env, "0.", 2) == 0);
        }
        off += strlen(got + off) + 1;
        assert_string_equal(got + off, "end");
        hpo_assert_eq_i64(hpo_frozen_trial_n_params(v.trials[i]), 2);
        free(got);
        free(env);
    }
    assert_true(sgd > 0 && adam > 0);
    view_close(&v);
}

/* --heartbeat: the trial of a killed `hpo run` is failed by the next one. */
static void test_heartbeat_stale(void **state)
{
    char pidfile[512], errfile[512], *out = NULL;
    const char *first[] = {"run", "--storage", g_url, "--study", "hb", "--metric", "acc",
            "--trials", "1", "--heartbeat", "0.1", "--", g_self, "fake", "pidfile", pidfile,
            "sleep", "100000", NULL};
    const char *second[] = {"run", "--storage", g_url, "--study", "hb", "--metric", "acc",
            "--trials", "2", "--heartbeat", "0.1", "--", g_self, "fake", "out", "acc=1", NULL};
    study_view v;
    pid_t hpo, child;
    (void)state;
    path_in_dir(pidfile, sizeof(pidfile), "child.pid");
    path_in_dir(errfile, sizeof(errfile), "first.out");
    hpo = spawn_hpo(first, NULL, errfile);
    assert_true(wait_file(pidfile));
    child = read_pid(pidfile);
    kill(hpo, SIGKILL);
    assert_int_equal(wait_status(hpo), 128 + SIGKILL);
    kill(-child, SIGKILL);
    assert_true(wait_gone(child));
    /* Stale after 2 x 0.1 s without a heartbeat; wait well past that. */
    sleep_ms(600);
    assert_int_equal(run_hpo(second, NULL, &out), 0);
    view_open(&v, "hb");
    hpo_assert_eq_i64(v.n, 2);
    hpo_assert_eq_i64(hpo_frozen_trial_state(v.trials[0]), HPO_TRIAL_FAIL);
    hpo_assert_eq_i64(hpo_frozen_trial_state(v.trials[1]), HPO_TRIAL_COMPLETE);
    view_close(&v);
    free(out);
}

/* --verbose echoes the children's lines, --quiet prints nothing; --log-dir keeps them all. */
static void test_output_modes(void **state)
{
    char logdir[512], logfile[600], *out = NULL, *log;
    const char *verbose[] = {"run", "--storage", g_url, "--study", "o", "--metric", "acc",
            "--trials", "1", "-v", "--log-dir", logdir, "--", g_self, "fake", "out",
            "hello from the child", "err", "to stderr", "out", "acc=0.5", NULL};
    const char *quiet[] = {"run", "--storage", g_url, "--study", "o", "--metric", "acc",
            "--trials", "2", "-q", "--", g_self, "fake", "out", "hello", "out", "acc=0.5", NULL};
    const char *normal[] = {"run", "--storage", g_url, "--study", "o", "--metric", "acc",
            "--trials", "3", "--", g_self, "fake", "out", "hello", "out", "acc=0.25", NULL};
    (void)state;
    path_in_dir(logdir, sizeof(logdir), "logs");
    assert_int_equal(run_hpo(verbose, NULL, &out), 0);
    assert_non_null(strstr(out, "[trial 0] hello from the child"));
    assert_non_null(strstr(out, "[trial 0] to stderr"));
    assert_non_null(strstr(out, "trial 0 started (pid "));
    assert_non_null(strstr(out, "trial 0 COMPLETE acc=0.5"));
    free(out);
    snprintf(logfile, sizeof(logfile), "%s/trial-0.log", logdir);
    log = slurp(logfile);
    assert_non_null(strstr(log, "hello from the child\n"));
    assert_non_null(strstr(log, "to stderr\n"));
    assert_non_null(strstr(log, "acc=0.5\n"));
    free(log);
    assert_int_equal(run_hpo(quiet, NULL, &out), 0);
    assert_string_equal(out, "");
    free(out);
    /* Not a terminal: plain lines, no progress redraws. */
    assert_int_equal(run_hpo(normal, NULL, &out), 0);
    assert_non_null(strstr(out, "hpo: trial 2 COMPLETE acc=0.25"));
    assert_null(strstr(out, "\r"));
    assert_null(strstr(out, "[trial 2] hello"));
    free(out);
}

/* --timeout without --trials: trials until the time is up, none left RUNNING. */
static void test_timeout_budget(void **state)
{
    const char *args[] = {"run", "--storage", g_url, "--study", "t", "--metric", "acc",
            "--timeout", "0.3", "--jobs", "2", "-q", "--", g_self, "fake", "sleep", "20", "out",
            "acc=1", NULL};
    study_view v;
    (void)state;
    assert_int_equal(run_hpo(args, NULL, NULL), 0);
    view_open(&v, "t");
    assert_true(v.n >= 2);
    for (size_t i = 0; i < v.n; i++)
        hpo_assert_eq_i64(hpo_frozen_trial_state(v.trials[i]), HPO_TRIAL_COMPLETE);
    view_close(&v);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_run_cases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prune_kills_group, setup, teardown),
        cmocka_unit_test_setup_teardown(test_finished_trials_are_not_pruned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_environment_recorded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gpu_memory_placement, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gpu_slots, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interrupt_requeue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interrupt_twice, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_params, setup, teardown),
        cmocka_unit_test_setup_teardown(test_define_by_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trial_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_usage_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_study_commands, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conditional_args, setup, teardown),
        cmocka_unit_test_setup_teardown(test_heartbeat_stale, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout_budget, setup, teardown),
    };
    ssize_t n;
    if (argc > 1 && strcmp(argv[1], "fake") == 0)
        return fake_main(argc, argv);
    n = readlink("/proc/self/exe", g_self, sizeof(g_self) - 1);
    if (n <= 0)
        return 1;
    g_self[n] = '\0';
    /* BUILD/tests/test_runner -> BUILD/hpo */
    snprintf(g_hpo, sizeof(g_hpo), "%s", g_self);
    *strrchr(g_hpo, '/') = '\0';
    *strrchr(g_hpo, '/') = '\0';
    strncat(g_hpo, "/hpo", sizeof(g_hpo) - strlen(g_hpo) - 1);
    if (getenv("HPO_TEST_SRCDIR") != NULL)
        snprintf(g_src, sizeof(g_src), "%s", getenv("HPO_TEST_SRCDIR"));
    else if (getcwd(g_src, sizeof(g_src)) == NULL)
        return 1;
    if (access(g_hpo, X_OK) != 0) {
        fprintf(stderr, "test_runner: %s is missing; build it first (make tests)\n", g_hpo);
        return 1;
    }
    return HPO_RUN_TESTS("runner", tests);
}
