/*
 * runner.c - the `hpo run` trial loop (see runner.h).
 *
 * One thread, one poll loop. Signals (SIGCHLD, SIGINT, SIGTERM, SIGHUP) only
 * write a byte to a self-pipe, so everything else happens in the loop:
 * launching, reading output lines, asking the pruner, escalating SIGTERM to
 * SIGKILL, reaping, telling the study. A trial is finished only after its
 * process is reaped and its pipes are drained, so no metric line is lost.
 */
#define _GNU_SOURCE /* pipe2 */
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/env.h"
#include "cli/metrics.h"
#include "cli/runner/output.h"
#include "cli/runner/command.h"
#include "cli/runner/proc.h"
#include "cli/runner/progress.h"
#include "cli/runner/retry.h"
#include "cli/template.h"

extern char **environ;

/* Why a running trial is being stopped. */
typedef enum stop_reason { STOP_NONE, STOP_PRUNE, STOP_TIMEOUT, STOP_INTERRUPT } stop_reason;

/* Most bytes read from one pipe per loop turn, so one flood cannot starve the rest. */
#define READ_TURN_MAX (1024 * 1024)

typedef struct rn_job {
    bool used;
    rn_proc proc;
    hpo_trial *trial;
    int64_t number;
    int slot;
    cli_assign *assign;
    rn_linebuf lines[2];
    rn_tail tail;
    FILE *log;
    char *log_path;
    double start;
    double kill_at; /* SIGKILL deadline once stopping; 0: none */
    stop_reason stop;
    double *last, *best;  /* per objective */
    bool *seen;
    int64_t counter;      /* objective values seen (the step when none is given) */
    int64_t last_step;
    bool has_step;
    size_t overlong;
    int attempt;
    int64_t retry_of;
} rn_job;

typedef struct runner {
    const rn_config *cfg;
    rn_job *jobs;
    int n_jobs;
    bool *slot_used;
    int n_slots;
    int wake[2];
    double t0;
    bool stopping; /* no more launches */
    bool waiting_gpu;  /* --gpu-mem: no GPU had room; look again soon */
    bool said_waiting;
    int chosen_slot;   /* the slot launch() takes, or -1: the first free one */
    bool fatal;
    int handled; /* interrupts acted upon */
    rn_retries retries;
    rn_progress prog;
} runner;

static volatile sig_atomic_t g_interrupts;
static volatile sig_atomic_t g_signo;
static int g_wake_fd = -1;

static void on_signal(int sig)
{
    int saved = errno;
    char c = (char)sig;
    if (sig != SIGCHLD) {
        g_interrupts++;
        g_signo = sig;
    }
    if (g_wake_fd >= 0 && write(g_wake_fd, &c, 1) < 0) {
        /* The pipe is full: a wake-up is pending anyway. */
    }
    errno = saved;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void say(runner *r, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* An event line on stderr (above the live progress line, if any). */
static void say(runner *r, int level, const char *fmt, ...)
{
    va_list ap;
    if (r->cfg->verbosity < level)
        return;
    rn_progress_clear(&r->prog);
    fputs("hpo: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    rn_progress_draw(&r->prog, now_s());
}

/* Enqueue the failed trial's parameters again. */
static void retry(runner *r, rn_job *j, const hpo_frozen_trial *t)
{
    char err[512];
    int64_t original = j->retry_of >= 0 ? j->retry_of : j->number;
    if (rn_retry_enqueue(&r->retries, r->cfg->study, t, j->attempt + 1, original, err,
                sizeof(err)) != 0)
        say(r, 1, "trial %lld: cannot enqueue a retry: %s", (long long)j->number, err);
    else if (j->stop == STOP_INTERRUPT)
        say(r, 1, "trial %lld: enqueued again for the next run", (long long)j->number);
    else
        say(r, 1, "trial %lld: retry %d of %d enqueued", (long long)j->number, j->attempt + 1,
                r->cfg->retries);
}

/* ---- output ------------------------------------------------------------------- */

static void start_stop(runner *r, rn_job *j, stop_reason why, int sig)
{
    if (j->stop == STOP_NONE || why == STOP_INTERRUPT)
        j->stop = why;
    rn_proc_signal_group(&j->proc, sig);
    if (j->kill_at == 0.0)
        j->kill_at = now_s() + r->cfg->grace;
}

typedef struct line_ctx {
    runner *r;
    rn_job *j;
} line_ctx;

static void on_objective(runner *r, rn_job *j, const cli_metric_line *m, double v)
{
    int64_t step = m->has_step ? m->step : j->counter;
    bool prune = false;
    j->counter++;
    /* A stepless value is the result, not a point on a learning curve (--steps auto). */
    if (r->cfg->n_metrics != 1 || (!m->has_step && !r->cfg->steps_counter))
        return;
    j->has_step = true;
    j->last_step = step;
    if (hpo_trial_report(j->trial, v, step) != HPO_OK) {
        say(r, 1, "trial %lld: cannot report step %lld: %s", (long long)j->number,
                (long long)step, hpo_last_error());
        return;
    }
    if (j->stop != STOP_NONE)
        return;
    if (hpo_trial_should_prune(j->trial, &prune) != HPO_OK) {
        say(r, 1, "trial %lld: pruner failed: %s", (long long)j->number, hpo_last_error());
        return;
    }
    if (prune) {
        say(r, 2, "trial %lld: pruning at step %lld (SIGTERM)", (long long)j->number,
                (long long)step);
        start_stop(r, j, STOP_PRUNE, SIGTERM);
    }
}

static void on_line(const char *line, size_t len, bool overlong, void *payload)
{
    line_ctx *c = payload;
    runner *r = c->r;
    rn_job *j = c->j;
    cli_metric_line m;
    if (r->cfg->verbosity >= 2) {
        rn_progress_clear(&r->prog);
        fprintf(stderr, "[trial %lld] %.*s%s\n", (long long)j->number,
                (int)(len > 1000 ? 1000 : len), line, len > 1000 || overlong ? " [...]" : "");
    }
    if (overlong) {
        j->overlong++;
        return;
    }
    if (cli_metrics_parse(line, len, &m) == 0)
        return;
    for (size_t k = 0; k < r->cfg->n_metrics; k++) {
        double v;
        if (!cli_metrics_get(&m, r->cfg->metrics[k], &v))
            continue;
        j->last[k] = v;
        if (!isnan(v)) {
            if (!j->seen[k] || isnan(j->best[k]))
                j->best[k] = v;
            else if (r->cfg->strategy == RN_MAX ? v > j->best[k] : v < j->best[k])
                j->best[k] = v;
        }
        j->seen[k] = true;
        if (k == 0)
            on_objective(r, j, &m, v);
    }
}

/* Read what a pipe has now (bounded); false at end of file. */
static bool read_pipe(runner *r, rn_job *j, int which, size_t budget)
{
    char buf[65536];
    line_ctx ctx = {r, j};
    size_t total = 0;
    int fd = j->proc.fds[which];
    while (total < budget) {
        ssize_t got = read(fd, buf, sizeof(buf));
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK;
        if (got == 0)
            return false;
        total += (size_t)got;
        if (j->log != NULL)
            fwrite(buf, 1, (size_t)got, j->log);
        rn_tail_add(&j->tail, buf, (size_t)got);
        if (rn_linebuf_feed(&j->lines[which], buf, (size_t)got, on_line, &ctx) != 0)
            say(r, 1, "trial %lld: out of memory reading output", (long long)j->number);
    }
    return true;
}

static void close_pipe(runner *r, rn_job *j, int which)
{
    line_ctx ctx = {r, j};
    rn_linebuf_finish(&j->lines[which], on_line, &ctx);
    close(j->proc.fds[which]);
    j->proc.fds[which] = -1;
}

/* ---- finishing a trial --------------------------------------------------------- */

static void set_attr_str(rn_job *j, const char *key, const char *text)
{
    json_t *s = json_string(text);
    char *js = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
    if (js != NULL)
        hpo_trial_set_user_attr(j->trial, key, js);
    free(js);
    json_decref(s);
}

static void set_attr_int(rn_job *j, const char *key, long long v)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%lld", v);
    hpo_trial_set_user_attr(j->trial, key, buf);
}

/* Did the child stop itself because `hpo trial report` said prune (exit 3)? */
static bool child_pruned(runner *r, rn_job *j)
{
    hpo_trial *fresh = NULL;
    bool prune = false;
    if (hpo_study_open_trial(r->cfg->study, hpo_trial_id(j->trial), &fresh) == HPO_OK) {
        hpo_frozen_trial *snap = NULL;
        if (hpo_trial_snapshot(fresh, &snap) == HPO_OK &&
                hpo_frozen_trial_n_intermediate(snap) > 0)
            hpo_trial_should_prune(fresh, &prune);
        hpo_frozen_trial_free(snap);
    }
    hpo_trial_free(fresh);
    return prune;
}

static const char *signal_name(int sig)
{
    switch (sig) {
    case SIGTERM: return "SIGTERM";
    case SIGKILL: return "SIGKILL";
    case SIGSEGV: return "SIGSEGV";
    case SIGABRT: return "SIGABRT";
    case SIGINT: return "SIGINT";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGPIPE: return "SIGPIPE";
    default: return "signal";
    }
}

/* Decide the outcome; reason gets the failure's explanation. */
static hpo_trial_state outcome(runner *r, rn_job *j, double *values, char *reason,
        size_t reasonlen)
{
    const rn_config *cfg = r->cfg;
    int st = j->proc.status;
    reason[0] = '\0';
    if (j->stop == STOP_INTERRUPT) {
        snprintf(reason, reasonlen, "interrupted (hpo run got signal %d)", (int)g_signo);
        return HPO_TRIAL_FAIL;
    }
    /* Pruned only when the signal stopped it: a command that still exited 0 had
     * finished (the decision came late), and its value stands, as Optuna never
     * prunes an objective that returned. */
    if (j->stop == STOP_PRUNE && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
        return HPO_TRIAL_PRUNED;
    if (j->stop == STOP_TIMEOUT) {
        snprintf(reason, reasonlen, "timed out after %g s (--trial-timeout)", cfg->trial_timeout);
        return HPO_TRIAL_FAIL;
    }
    if (WIFSIGNALED(st)) {
        snprintf(reason, reasonlen, "killed by signal %d (%s)", WTERMSIG(st),
                signal_name(WTERMSIG(st)));
        return HPO_TRIAL_FAIL;
    }
    if (WIFEXITED(st) && WEXITSTATUS(st) != 0) {
        if (WEXITSTATUS(st) == 3 && cfg->n_metrics == 1 && child_pruned(r, j))
            return HPO_TRIAL_PRUNED;
        snprintf(reason, reasonlen, "exit status %d", WEXITSTATUS(st));
        return HPO_TRIAL_FAIL;
    }
    for (size_t k = 0; k < cfg->n_metrics; k++) {
        if (!j->seen[k]) {
            snprintf(reason, reasonlen, "no '%s' value in the output", cfg->metrics[k]);
            return HPO_TRIAL_FAIL;
        }
        values[k] = cfg->strategy == RN_LAST ? j->last[k] : j->best[k];
        if (isnan(values[k])) {
            snprintf(reason, reasonlen, "the value of '%s' is NaN", cfg->metrics[k]);
            return HPO_TRIAL_FAIL;
        }
    }
    return HPO_TRIAL_COMPLETE;
}

static void job_release(runner *r, rn_job *j)
{
    rn_proc_close(&j->proc);
    for (int i = 0; i < 2; i++)
        rn_linebuf_free(&j->lines[i]);
    if (j->log != NULL)
        fclose(j->log);
    free(j->log_path);
    if (j->assign != NULL)
        cli_assign_clear(j->assign, r->cfg->space->n);
    free(j->assign);
    free(j->last);
    free(j->best);
    free(j->seen);
    hpo_trial_free(j->trial);
    if (j->slot >= 0)
        r->slot_used[j->slot] = false;
    memset(j, 0, sizeof(*j));
    j->proc.fds[0] = j->proc.fds[1] = -1;
    j->slot = -1;
}

/* One line of parameters: "lr=0.01 opt=Adam"; short: floats to 4 digits. */
static void params_text(runner *r, const rn_job *j, bool short_floats, char *buf, size_t n)
{
    size_t k = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < r->cfg->space->n && k + 1 < n; i++) {
        const cli_assign *a = &j->assign[i];
        if (!a->active)
            continue;
        if (short_floats && a->value.type == HPO_VALUE_FLOAT)
            k += (size_t)snprintf(buf + k, n - k, "%s%s=%.4g", k ? " " : "",
                    r->cfg->space->params[i].name, a->value.u.f);
        else
            k += (size_t)snprintf(buf + k, n - k, "%s%s=%s", k ? " " : "",
                    r->cfg->space->params[i].name, a->text);
    }
}

static int count_trials(runner *r, size_t *n_out);

/* Will another trial start? (A retry beyond the budget would only wait in the study.) */
static bool budget_left(runner *r)
{
    size_t have;
    if (r->cfg->timeout > 0 && now_s() - r->t0 >= r->cfg->timeout)
        return false;
    return r->cfg->n_trials == 0 ||
           (count_trials(r, &have) == 0 && (int64_t)have < r->cfg->n_trials);
}

static void finish(runner *r, rn_job *j)
{
    const rn_config *cfg = r->cfg;
    double values[16], secs = now_s() - j->start;
    char reason[256], params[512], vals[256];
    hpo_trial_state state = outcome(r, j, values, reason, sizeof(reason));
    size_t k = 0;
    if (j->overlong > 0)
        set_attr_int(j, "hpo:overlong_lines", (long long)j->overlong);
    if (state == HPO_TRIAL_FAIL) {
        char *tail = rn_tail_text(&j->tail);
        set_attr_str(j, "hpo:fail_reason", reason);
        if (tail != NULL)
            set_attr_str(j, "hpo:output_tail", tail);
        free(tail);
        if (WIFEXITED(j->proc.status))
            set_attr_int(j, "hpo:exit_status", WEXITSTATUS(j->proc.status));
        else if (WIFSIGNALED(j->proc.status))
            set_attr_int(j, "hpo:signal", WTERMSIG(j->proc.status));
    }
    if (hpo_study_tell(cfg->study, j->trial, state, state == HPO_TRIAL_COMPLETE ? values : NULL,
                state == HPO_TRIAL_COMPLETE ? cfg->n_metrics : 0) != HPO_OK) {
        say(r, 1, "trial %lld: cannot record the outcome: %s", (long long)j->number,
                hpo_last_error());
        state = HPO_TRIAL_FAIL;
    }
    params_text(r, j, false, params, sizeof(params));
    vals[0] = '\0';
    if (state == HPO_TRIAL_COMPLETE)
        for (size_t i = 0; i < cfg->n_metrics && k < sizeof(vals); i++)
            k += (size_t)snprintf(vals + k, sizeof(vals) - k, "%s%s=%.6g", i ? " " : "",
                    cfg->metrics[i], values[i]);
    else if (state == HPO_TRIAL_PRUNED && j->has_step)
        snprintf(vals, sizeof(vals), "at step %lld", (long long)j->last_step);
    else
        snprintf(vals, sizeof(vals), "%s", reason);
    say(r, 1, "trial %lld %s %s (%.*f s) %s", (long long)j->number, hpo_trial_state_name(state),
            vals, secs < 10 ? 2 : 1, secs, params);
    params_text(r, j, true, params, sizeof(params));
    rn_progress_trial_done(&r->prog, state, j->number, state == HPO_TRIAL_COMPLETE ? values[0] : 0,
            params);
    if (state == HPO_TRIAL_FAIL && j->stop == STOP_INTERRUPT && cfg->requeue_interrupted) {
        /* Interrupted work is not lost: the next hpo run pops it first. */
        hpo_frozen_trial *snap = NULL;
        if (hpo_study_get_trial(cfg->study, j->number, &snap) == HPO_OK)
            retry(r, j, snap);
        hpo_frozen_trial_free(snap);
    } else if (state == HPO_TRIAL_FAIL && j->stop != STOP_INTERRUPT &&
            j->attempt < cfg->retries && !r->stopping && budget_left(r)) {
        hpo_frozen_trial *snap = NULL;
        if (hpo_study_get_trial(cfg->study, j->number, &snap) == HPO_OK)
            retry(r, j, snap);
        hpo_frozen_trial_free(snap);
    }
    job_release(r, j);
}

/* The process is gone: make the group go too, read what is left, finish. */
static void reaped(runner *r, rn_job *j)
{
    rn_proc_signal_group(&j->proc, SIGKILL);
    for (int i = 0; i < 2; i++) {
        if (j->proc.fds[i] < 0)
            continue;
        /* Non-blocking: a straggler outside the group cannot hold us here. */
        read_pipe(r, j, i, 16u * READ_TURN_MAX);
        close_pipe(r, j, i);
    }
    finish(r, j);
}

/* ---- launching ------------------------------------------------------------------ */

static int count_trials(runner *r, size_t *n_out)
{
    hpo_frozen_trial **ts = NULL;
    size_t n = 0;
    unsigned int mask = HPO_STATES_ALL & ~HPO_STATES(HPO_TRIAL_WAITING);
    if (hpo_study_get_trials(r->cfg->study, mask, &ts, &n) != HPO_OK)
        return -1;
    hpo_frozen_trials_free(ts, n);
    *n_out = n;
    return 0;
}

static int open_log(runner *r, rn_job *j)
{
    size_t n;
    if (r->cfg->log_dir == NULL)
        return 0;
    n = strlen(r->cfg->log_dir) + 40;
    j->log_path = malloc(n);
    if (j->log_path == NULL)
        return -1;
    snprintf(j->log_path, n, "%s/trial-%lld.log", r->cfg->log_dir, (long long)j->number);
    j->log = fopen(j->log_path, "w");
    if (j->log == NULL) {
        say(r, 0, "cannot write %s: %s", j->log_path, strerror(errno));
        return -1;
    }
    return 0;
}

static int alloc_job(runner *r, rn_job *j)
{
    size_t m = r->cfg->n_metrics;
    j->assign = calloc(r->cfg->space->n + 1, sizeof(*j->assign));
    j->last = calloc(m, sizeof(double));
    j->best = calloc(m, sizeof(double));
    j->seen = calloc(m, sizeof(bool));
    return j->assign && j->last && j->best && j->seen ? 0 : -1;
}

/* Tell a trial that could not start FAIL, with the reason. */
static void fail_unstarted(runner *r, rn_job *j, const char *why)
{
    set_attr_str(j, "hpo:fail_reason", why);
    hpo_study_tell(r->cfg->study, j->trial, HPO_TRIAL_FAIL, NULL, 0);
    say(r, 0, "trial %lld: %s", (long long)j->number, why);
    r->fatal = true;
    r->stopping = true;
    job_release(r, j);
}

static int free_slot(runner *r)
{
    if (r->chosen_slot >= 0)
        return r->chosen_slot;
    for (int s = 0; s < r->n_slots; s++)
        if (!r->slot_used[s])
            return s;
    return -1;
}

/* Free MiB of GPU id from nvidia-smi's "index, memory.free" lines; -1 if unknown. */
static int64_t gpu_free_mib(const char *text, const char *id)
{
    const char *line = text;
    while (line != NULL && *line != '\0') {
        char idx[64];
        long long mib;
        if (sscanf(line, " %63[^,], %lld", idx, &mib) == 2 && strcmp(idx, id) == 0)
            return mib;
        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
    }
    return -1;
}

/*
 * --gpu-mem: a free slot whose GPU has enough free memory now, or -1. Trials
 * started in this round are counted as using their MiB already, since a fresh
 * process has not allocated yet (those of earlier rounds are in nvidia-smi).
 */
static int slot_with_memory(runner *r, int64_t *reserved)
{
    char text[8192];
    char *argv[] = {"nvidia-smi", "--query-gpu=index,memory.free", "--format=csv,noheader,nounits",
            NULL};
    if (cli_capture(argv, text, sizeof(text)) != 0)
        return -1;
    for (int s = 0; s < r->n_slots; s++) {
        size_t g = (size_t)s % r->cfg->n_gpus;
        int64_t free_mib = gpu_free_mib(text, r->cfg->gpus[g]);
        if (!r->slot_used[s] && free_mib - reserved[g] >= r->cfg->gpu_mem_mib) {
            reserved[g] += r->cfg->gpu_mem_mib;
            return s;
        }
    }
    return -1;
}

static void launch(runner *r, rn_job *j)
{
    char err[1024], **argv = NULL, **set = NULL, **env = NULL;
    size_t n_argv = 0, n_set = 0;
    int64_t id, limit = hpo_study_trial_limit(r->cfg->study);
    int rc;
    memset(j, 0, sizeof(*j));
    j->proc.fds[0] = j->proc.fds[1] = -1;
    j->slot = -1;
    j->retry_of = -1;
    /* --trials counts the study's started trials; the cap is checked atomically
     * with the start, so several 'hpo run' on one study never overshoot it. */
    if (hpo_study_stop_requested(r->cfg->study)) { /* e.g. brute force has tried everything */
        say(r, 2, "the sampler has tried the whole search space: starting no more trials");
        r->stopping = true;
        return;
    }
    rc = hpo_study_ask_capped(r->cfg->study, r->cfg->n_trials > 0 ? r->cfg->n_trials : -1,
            &j->trial);
    if (rc == HPO_ESTATE && r->cfg->n_trials > 0 &&
            (limit < 0 || r->cfg->n_trials <= limit)) {
        say(r, 2, "the study has %lld trials: starting no more", (long long)r->cfg->n_trials);
        r->stopping = true;
        return;
    }
    if (rc == HPO_ESTATE && limit >= 0) {
        say(r, 2, "%s", hpo_last_error());
        r->stopping = true;
        return;
    }
    if (rc != HPO_OK) {
        say(r, 0, "cannot start a trial: %s", hpo_last_error());
        r->fatal = r->stopping = true;
        return;
    }
    j->used = true;
    j->number = hpo_trial_number(j->trial);
    if (r->cfg->env_hash != NULL) {
        char json[32];
        snprintf(json, sizeof(json), "\"%s\"", r->cfg->env_hash);
        if (hpo_trial_set_system_attr(j->trial, "hpo:env", json) != HPO_OK)
            say(r, 1, "trial %lld: cannot record the environment: %s", (long long)j->number,
                    hpo_last_error());
    }
    id = hpo_trial_id(j->trial);
    j->slot = free_slot(r);
    r->slot_used[j->slot] = true;
    if (alloc_job(r, j) != 0) {
        fail_unstarted(r, j, "out of memory");
        return;
    }
    rn_retry_match(&r->retries, j->trial, &j->attempt, &j->retry_of);
    if (cli_space_sample(r->cfg->space, j->trial, j->assign, err, sizeof(err)) != 0) {
        fail_unstarted(r, j, err);
        return;
    }
    argv = rn_command_argv(r->cfg, j->assign, j->number, id, &n_argv, err, sizeof(err));
    set = argv ? rn_command_env(r->cfg, j->assign, j->number, id, j->slot, &n_set) : NULL;
    env = set ? rn_env_build(environ, set, n_set) : NULL;
    if (env == NULL) {
        fail_unstarted(r, j, argv ? "out of memory" : err);
        goto out;
    }
    if (j->attempt > 0)
        set_attr_int(j, "hpo:retry_of", (long long)j->retry_of);
    if (r->cfg->gpus != NULL)
        set_attr_str(j, "hpo:gpu", r->cfg->gpus[(size_t)j->slot % r->cfg->n_gpus]);
    if (open_log(r, j) != 0) {
        fail_unstarted(r, j, "cannot open the trial's log file");
        goto out;
    }
    if (j->log_path != NULL)
        set_attr_str(j, "hpo:log", j->log_path);
    j->start = now_s();
    rc = rn_proc_spawn(&j->proc, argv, env);
    if (rc != 0) {
        snprintf(err, sizeof(err), "cannot run '%.200s': %s", argv[0], strerror(rc));
        fail_unstarted(r, j, err);
        goto out;
    }
    if (r->cfg->verbosity >= 2) {
        char params[512];
        params_text(r, j, false, params, sizeof(params));
        say(r, 2, "trial %lld started (pid %d%s%s) %s", (long long)j->number, (int)j->proc.pid,
                r->cfg->gpus ? ", GPU " : "",
                r->cfg->gpus ? r->cfg->gpus[(size_t)j->slot % r->cfg->n_gpus] : "", params);
    }
    rn_progress_trial_started(&r->prog);
out:
    free(env);
    rn_strv_free(set, n_set);
    rn_strv_free(argv, n_argv);
}

static int n_running(const runner *r)
{
    int n = 0;
    for (int i = 0; i < r->n_jobs; i++)
        n += r->jobs[i].used;
    return n;
}

/* Start trials while there is room, budget and time. */
static void launch_more(runner *r)
{
    const rn_config *cfg = r->cfg;
    int64_t reserved[256] = {0}; /* MiB per GPU promised in this round */
    r->waiting_gpu = false;
    for (int i = 0; i < r->n_jobs && !r->stopping; i++) {
        size_t have;
        if (r->jobs[i].used)
            continue;
        if (cfg->timeout > 0 && now_s() - r->t0 >= cfg->timeout) {
            r->stopping = true;
            say(r, 2, "timeout: starting no more trials");
            break;
        }
        if (cfg->n_trials > 0) {
            if (count_trials(r, &have) != 0) {
                say(r, 0, "cannot count the study's trials: %s", hpo_last_error());
                r->fatal = r->stopping = true;
                break;
            }
            rn_progress_set_total(&r->prog, (int64_t)have);
            if ((int64_t)have >= cfg->n_trials) {
                r->stopping = true;
                break;
            }
        }
        r->chosen_slot = -1;
        if (cfg->gpu_mem_mib > 0 && cfg->gpus != NULL && cfg->n_gpus <= 256) {
            if ((r->chosen_slot = slot_with_memory(r, reserved)) < 0) {
                if (!r->said_waiting)
                    say(r, 1, "waiting for a GPU with %lld MiB free (--gpu-mem)",
                            (long long)cfg->gpu_mem_mib);
                r->said_waiting = r->waiting_gpu = true;
                break; /* the loop looks again in a second */
            }
            r->said_waiting = false;
        }
        launch(r, &r->jobs[i]);
        r->chosen_slot = -1;
    }
}

/* ---- the loop ------------------------------------------------------------------- */

static void handle_signals(runner *r)
{
    char buf[64];
    while (read(r->wake[0], buf, sizeof(buf)) > 0) {
    }
    if (g_interrupts == 0 || g_interrupts == r->handled)
        return;
    if (r->handled == 0) {
        say(r, 0, "interrupted: stopping %d running trial(s) (again to kill at once)",
                n_running(r));
        r->stopping = true;
        for (int i = 0; i < r->n_jobs; i++)
            if (r->jobs[i].used)
                start_stop(r, &r->jobs[i], STOP_INTERRUPT, SIGTERM);
    }
    if (g_interrupts >= 2) {
        for (int i = 0; i < r->n_jobs; i++) {
            if (r->jobs[i].used) {
                r->jobs[i].stop = STOP_INTERRUPT;
                rn_proc_signal_group(&r->jobs[i].proc, SIGKILL);
            }
        }
    }
    r->handled = g_interrupts;
}

/* SIGKILL overdue groups, stop overdue trials; returns the next deadline (0: none). */
static double check_deadlines(runner *r, double now)
{
    double next = 0.0;
    for (int i = 0; i < r->n_jobs; i++) {
        rn_job *j = &r->jobs[i];
        double d = 0.0;
        if (!j->used || j->proc.exited)
            continue;
        if (j->kill_at > 0.0 && now >= j->kill_at) {
            rn_proc_signal_group(&j->proc, SIGKILL);
            j->kill_at = -1.0; /* sent */
        }
        if (j->stop == STOP_NONE && r->cfg->trial_timeout > 0) {
            if (now - j->start >= r->cfg->trial_timeout)
                start_stop(r, j, STOP_TIMEOUT, SIGTERM);
            else
                d = j->start + r->cfg->trial_timeout;
        }
        if (j->kill_at > 0.0 && (d == 0.0 || j->kill_at < d))
            d = j->kill_at;
        if (d > 0.0 && (next == 0.0 || d < next))
            next = d;
    }
    return next;
}

static int poll_once(runner *r, double next_deadline)
{
    struct pollfd *pfd = calloc((size_t)r->n_jobs * 2 + 1, sizeof(*pfd));
    int *owner = calloc((size_t)r->n_jobs * 2 + 1, sizeof(*owner));
    int n = 1, timeout = -1, rc;
    double now = now_s();
    if (pfd == NULL || owner == NULL) {
        free(pfd);
        free(owner);
        return -1;
    }
    pfd[0].fd = r->wake[0];
    pfd[0].events = POLLIN;
    for (int i = 0; i < r->n_jobs; i++) {
        for (int w = 0; w < 2; w++) {
            if (!r->jobs[i].used || r->jobs[i].proc.fds[w] < 0)
                continue;
            pfd[n].fd = r->jobs[i].proc.fds[w];
            pfd[n].events = POLLIN;
            owner[n++] = i * 2 + w;
        }
    }
    if (next_deadline > 0.0)
        timeout = (int)ceil((next_deadline - now) * 1000.0);
    if ((r->prog.live || r->waiting_gpu) && (timeout < 0 || timeout > 1000))
        timeout = 1000;
    if (r->cfg->timeout > 0 && !r->stopping) {
        int t = (int)ceil((r->t0 + r->cfg->timeout - now) * 1000.0);
        if (timeout < 0 || t < timeout)
            timeout = t;
    }
    if (timeout < -1)
        timeout = 0;
    rc = poll(pfd, (nfds_t)n, timeout);
    if (rc > 0) {
        for (int k = 1; k < n; k++) {
            rn_job *j = &r->jobs[owner[k] / 2];
            int w = owner[k] % 2;
            if (pfd[k].revents == 0 || j->proc.fds[w] < 0)
                continue;
            if (!read_pipe(r, j, w, READ_TURN_MAX))
                close_pipe(r, j, w);
        }
    }
    free(pfd);
    free(owner);
    return rc < 0 && errno != EINTR ? -1 : 0;
}

static void reap_all(runner *r)
{
    for (int i = 0; i < r->n_jobs; i++)
        if (r->jobs[i].used && rn_proc_reap(&r->jobs[i].proc))
            reaped(r, &r->jobs[i]);
}

static int setup(runner *r, const rn_config *cfg)
{
    char err[512];
    memset(r, 0, sizeof(*r));
    r->chosen_slot = -1;
    r->cfg = cfg;
    r->wake[0] = r->wake[1] = -1;
    /* Every {name} must be known before the first trial starts. */
    if (rn_command_check(cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "hpo run: %s (known: the --param names, trial_number, trial_id)\n", err);
        return 2;
    }
    r->n_slots = cfg->gpus ? (int)cfg->n_gpus * cfg->per_gpu : cfg->jobs;
    r->n_jobs = cfg->jobs < r->n_slots ? cfg->jobs : r->n_slots;
    r->jobs = calloc((size_t)r->n_jobs, sizeof(*r->jobs));
    r->slot_used = calloc((size_t)r->n_slots, sizeof(*r->slot_used));
    if (r->jobs == NULL || r->slot_used == NULL || pipe2(r->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
        fprintf(stderr, "hpo run: out of resources\n");
        return 1;
    }
    for (int i = 0; i < r->n_jobs; i++) {
        r->jobs[i].proc.fds[0] = r->jobs[i].proc.fds[1] = -1;
        r->jobs[i].slot = -1;
    }
    return 0;
}

static void install_signals(runner *r, bool on)
{
    struct sigaction sa;
    int sigs[] = {SIGCHLD, SIGINT, SIGTERM, SIGHUP};
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on ? on_signal : SIG_DFL;
    sa.sa_flags = SA_RESTART | (on ? SA_NOCLDSTOP : 0);
    g_wake_fd = on ? r->wake[1] : -1;
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        sigaction(sigs[i], &sa, NULL);
    sa.sa_handler = on ? SIG_IGN : SIG_DFL;
    sigaction(SIGPIPE, &sa, NULL);
}

int rn_run(const rn_config *cfg)
{
    runner r;
    int status = setup(&r, cfg);
    if (status != 0) {
        free(r.jobs);
        free(r.slot_used);
        if (r.wake[0] >= 0)
            close(r.wake[0]);
        if (r.wake[1] >= 0)
            close(r.wake[1]);
        return status;
    }
    g_interrupts = 0;
    install_signals(&r, true);
    r.t0 = now_s();
    rn_progress_init(&r.prog, cfg, r.t0);
    for (;;) {
        double next;
        handle_signals(&r);
        reap_all(&r);
        if (!r.stopping)
            launch_more(&r);
        if (n_running(&r) == 0 && (r.stopping || r.fatal))
            break;
        next = check_deadlines(&r, now_s());
        if (poll_once(&r, next) != 0) {
            fprintf(stderr, "hpo run: poll: %s\n", strerror(errno));
            r.fatal = true;
            break;
        }
        rn_progress_draw(&r.prog, now_s());
    }
    /* After a poll failure: nothing may stay running behind us. */
    for (int i = 0; i < r.n_jobs; i++) {
        if (r.jobs[i].used) {
            r.jobs[i].stop = STOP_INTERRUPT;
            rn_proc_signal_group(&r.jobs[i].proc, SIGKILL);
            while (!rn_proc_reap(&r.jobs[i].proc))
                usleep(1000);
            reaped(&r, &r.jobs[i]);
        }
    }
    rn_progress_finish(&r.prog, now_s());
    install_signals(&r, false);
    close(r.wake[0]);
    close(r.wake[1]);
    rn_retries_free(&r.retries);
    free(r.jobs);
    free(r.slot_used);
    status = r.fatal ? 1 : 0;
    if (g_interrupts > 0)
        status = RN_EXIT_SIGNAL_BASE + (int)g_signo;
    return status;
}
