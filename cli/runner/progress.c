/*
 * progress.c - the live status line and closing summary of `hpo run`.
 */
#include "progress.h"

#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

void rn_progress_init(rn_progress *p, const rn_config *cfg, double t0)
{
    memset(p, 0, sizeof(*p));
    p->live = cfg->live && cfg->verbosity > 0;
    p->verbosity = cfg->verbosity;
    p->direction = cfg->n_metrics == 1 ? hpo_study_direction(cfg->study, 0) : HPO_NOT_SET;
    p->metric = cfg->metrics[0];
    p->target = cfg->n_trials;
    p->t0 = t0;
}

void rn_progress_set_total(rn_progress *p, int64_t in_study)
{
    p->dirty = p->dirty || p->in_study != in_study;
    p->in_study = in_study;
}

void rn_progress_trial_started(rn_progress *p)
{
    p->dirty = true;
    p->running++;
    p->in_study++;
}

void rn_progress_trial_done(rn_progress *p, hpo_trial_state state, int64_t number, double value,
        const char *params)
{
    p->dirty = true;
    p->running--;
    p->finished++;
    if (state == HPO_TRIAL_COMPLETE)
        p->complete++;
    else if (state == HPO_TRIAL_PRUNED)
        p->pruned++;
    else
        p->failed++;
    if (state != HPO_TRIAL_COMPLETE || p->direction == HPO_NOT_SET)
        return;
    if (!p->have_best || (p->direction == HPO_MAXIMIZE ? value > p->best_value
                                                       : value < p->best_value)) {
        p->have_best = true;
        p->best_number = number;
        p->best_value = value;
        snprintf(p->best_params, sizeof(p->best_params), "%s", params);
    }
}

static void fmt_duration(double s, char *buf, size_t n)
{
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, n, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else if (t >= 60)
        snprintf(buf, n, "%ldm%02lds", t / 60, t % 60);
    else
        snprintf(buf, n, "%lds", t);
}

static int term_width(void)
{
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
        return ws.ws_col;
    return 80;
}

void rn_progress_clear(rn_progress *p)
{
    if (p->drawn) {
        fputs("\r\033[K", stderr);
        p->drawn = false;
        p->dirty = true;
    }
}

static void status_text(const rn_progress *p, double now, char *buf, size_t n)
{
    char el[32], eta[32] = "";
    size_t k;
    int64_t done = p->in_study - p->running;
    fmt_duration(now - p->t0, el, sizeof(el));
    if (p->target > 0) {
        int64_t left = p->target - done;
        if (p->finished > 0 && left > 0) {
            char d[24];
            fmt_duration((now - p->t0) / (double)p->finished * (double)left, d, sizeof(d));
            snprintf(eta, sizeof(eta), " · ETA %s", d);
        }
        k = (size_t)snprintf(buf, n, "[%lld/%lld]", (long long)done, (long long)p->target);
    } else {
        k = (size_t)snprintf(buf, n, "[%lld]", (long long)p->finished);
    }
    if (k < n)
        k += (size_t)snprintf(buf + k, n - k, " %d running · %lld pruned · %lld failed · %s%s",
                p->running, (long long)p->pruned, (long long)p->failed, el, eta);
    if (k < n && p->have_best)
        snprintf(buf + k, n - k, " · best %s=%.6g (#%lld %s)", p->metric, p->best_value,
                (long long)p->best_number, p->best_params);
}

void rn_progress_draw(rn_progress *p, double now)
{
    char line[1024];
    int width;
    size_t len, cols = 0, cut = 0;
    if (!p->live || (!p->dirty && now - p->last_draw < 1.0))
        return;
    p->dirty = false;
    status_text(p, now, line, sizeof(line));
    /* Cut to the terminal's width (count UTF-8 characters) so it never wraps. */
    width = term_width() - 1;
    len = strlen(line);
    while (cut < len && cols < (size_t)width) {
        cut++;
        while (cut < len && ((unsigned char)line[cut] & 0xc0) == 0x80)
            cut++;
        cols++;
    }
    fprintf(stderr, "\r\033[K%.*s", (int)cut, line);
    fflush(stderr);
    p->drawn = true;
    p->last_draw = now;
}

void rn_progress_finish(rn_progress *p, double now)
{
    char el[32];
    rn_progress_clear(p);
    if (p->verbosity == 0)
        return;
    fmt_duration(now - p->t0, el, sizeof(el));
    fprintf(stderr, "hpo: %lld trial(s) in %s: %lld complete, %lld pruned, %lld failed\n",
            (long long)p->finished, el, (long long)p->complete, (long long)p->pruned,
            (long long)p->failed);
    if (p->have_best)
        fprintf(stderr, "hpo: best of this run: trial %lld, %s=%.10g %s\n",
                (long long)p->best_number, p->metric, p->best_value, p->best_params);
}
