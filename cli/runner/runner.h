/*
 * runner.h - the trial loop behind `hpo run`: ask a trial, sample the space,
 * launch the command with the values substituted, read its metrics, prune it
 * by signal, tell the outcome, several trials at once on GPU slots.
 */
#ifndef HPO_CLI_RUNNER_RUNNER_H
#define HPO_CLI_RUNNER_RUNNER_H

#include <stddef.h>
#include <stdint.h>

#include "cli/space.h"
#include "hpo/hpo.h"

/* Which of an objective metric's values becomes the trial's value. */
typedef enum rn_strategy { RN_LAST = 0, RN_MAX = 1, RN_MIN = 2 } rn_strategy;

typedef struct rn_config {
    hpo_study *study;
    const char *storage_url; /* for the children's HPO_STORAGE */
    const char *study_name;
    const cli_space *space;
    char *const *cmd; /* the command's argv templates */
    size_t n_cmd;
    const char *const *metrics; /* one per objective */
    size_t n_metrics;
    rn_strategy strategy;
    bool steps_counter;   /* a value without step=/epoch= is intermediate at a counter
                             (--steps counter); default: it is the final value only */
    int64_t n_trials;     /* study-wide target of trials; 0: none (then timeout) */
    double timeout;       /* seconds after which no trial starts; 0: none */
    int jobs;             /* concurrent trials */
    char *const *gpus;    /* GPU ids for CUDA_VISIBLE_DEVICES; NULL: no slots */
    size_t n_gpus;
    int per_gpu;          /* trials per GPU */
    int64_t gpu_mem_mib;  /* > 0: a trial starts only on a GPU with this much free memory */
    double trial_timeout; /* seconds; 0: none */
    double grace;         /* seconds between SIGTERM and SIGKILL */
    int retries;          /* re-enqueue a failed trial up to this many times */
    bool requeue_interrupted; /* Ctrl-C: re-enqueue running trials instead of only failing them */
    const char *log_dir;  /* one log file per trial; NULL: none */
    int verbosity;        /* 0 quiet, 1 normal, 2 verbose */
    int live;             /* redraw a progress line (stderr is a terminal) */
    const char *sampler_spec; /* handed to the children (HPO_SAMPLER) */
    const char *pruner_spec;  /* (HPO_PRUNER) */
    uint64_t seed;            /* (HPO_SEED) */
    const char *env_hash;     /* this machine's fingerprint, set on each trial as hpo:env */
} rn_config;

/* Exit statuses of rn_run beyond 0 and 1. */
#define RN_EXIT_SIGNAL_BASE 128 /* interrupted by signal N: 128 + N */

/**
 * Run trials until the study has n_trials (COMPLETE, PRUNED, FAIL or RUNNING)
 * or the timeout passes, or a signal arrives. Returns the process exit status:
 * 0 when the target or timeout was reached, 1 on a fatal error (message on
 * stderr), 128 + N after signal N (SIGINT: 130).
 */
int rn_run(const rn_config *cfg);

#endif
