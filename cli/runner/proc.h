/*
 * proc.h - child processes for `hpo run`: spawn an argv (never a shell) in its
 * own process group with stdout and stderr on non-blocking pipes, signal the
 * whole group, reap without blocking.
 *
 * Each child leads a new process group, so a terminal's Ctrl-C reaches only
 * hpo, which then decides what the children get, and so signals reach the
 * grandchildren a training script may start (data loaders, launchers).
 */
#ifndef HPO_CLI_RUNNER_PROC_H
#define HPO_CLI_RUNNER_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct rn_proc {
    pid_t pid;   /* also the process group id */
    int fds[2];  /* read ends of stdout and stderr; -1 once closed */
    bool exited; /* reaped */
    int status;  /* waitpid status, once exited */
} rn_proc;

/**
 * Start argv[0] (searched in PATH) with argv and the environment envp, stdin
 * from /dev/null. Returns 0, or an errno value (ENOENT: no such program) with
 * p untouched.
 */
int rn_proc_spawn(rn_proc *p, char *const argv[], char *const envp[]);

/** Send sig to the child's whole process group (no-op once it is gone). */
void rn_proc_signal_group(const rn_proc *p, int sig);

/** Reap the child if it has exited; true when it has (now or before). */
bool rn_proc_reap(rn_proc *p);

/** Close whatever pipes are still open. */
void rn_proc_close(rn_proc *p);

/**
 * Build an environment: every variable of base except those named in set
 * (NAME=VALUE strings), followed by set. Returns a malloc'd NULL-terminated
 * array whose strings are borrowed from base and set (free only the array),
 * or NULL when out of memory.
 */
char **rn_env_build(char *const base[], char *const set[], size_t n_set);

#endif
