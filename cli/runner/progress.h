/*
 * progress.h - what `hpo run` shows while it works: on a terminal, one live
 * line (finished/target, running, pruned, failed, best value and parameters,
 * elapsed, ETA) redrawn below the event lines; otherwise only event lines.
 */
#ifndef HPO_CLI_RUNNER_PROGRESS_H
#define HPO_CLI_RUNNER_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

#include "cli/runner/runner.h"

typedef struct rn_progress {
    bool live;     /* redraw a status line on stderr */
    bool drawn;    /* a status line is on screen now */
    bool dirty;    /* something changed since the last draw */
    int verbosity;
    hpo_direction direction; /* of objective 0; NOT_SET for multi-objective */
    const char *metric;
    int64_t target;    /* --trials, 0 none */
    int64_t in_study;  /* trials in the study at the last count (running included) */
    double t0, last_draw;
    int running;
    int64_t finished, complete, pruned, failed; /* by this run */
    bool have_best;
    int64_t best_number;
    double best_value;
    char best_params[256];
} rn_progress;

void rn_progress_init(rn_progress *p, const rn_config *cfg, double t0);
void rn_progress_set_total(rn_progress *p, int64_t in_study);
void rn_progress_trial_started(rn_progress *p);
/** A trial finished; value and params (short text) matter for COMPLETE. */
void rn_progress_trial_done(rn_progress *p, hpo_trial_state state, int64_t number, double value,
        const char *params);
/** Erase the status line before printing something else. */
void rn_progress_clear(rn_progress *p);
/** Redraw the status line (live mode only). */
void rn_progress_draw(rn_progress *p, double now);
/** Erase the status line and print the closing summary (unless quiet). */
void rn_progress_finish(rn_progress *p, double now);

#endif
