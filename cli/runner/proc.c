/*
 * proc.c - spawning and signalling children (see proc.h). posix_spawnp is used
 * rather than fork+exec: glibc runs it with vfork semantics, so starting a
 * trial does not copy the parent's page tables, and an exec failure (no such
 * program) comes back as an error code instead of a child that exits 127.
 */
#define _GNU_SOURCE /* pipe2 */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void close_pair(int p[2])
{
    if (p[0] >= 0)
        close(p[0]);
    if (p[1] >= 0)
        close(p[1]);
}

int rn_proc_spawn(rn_proc *p, char *const argv[], char *const envp[])
{
    int out[2] = {-1, -1}, err[2] = {-1, -1};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t none, defaults;
    pid_t pid;
    int rc;
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
        rc = errno;
        close_pair(out);
        close_pair(err);
        return rc;
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    /* The child starts with no blocked signals and default dispositions. */
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGHUP);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGCHLD);
    sigaddset(&defaults, SIGQUIT);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                            POSIX_SPAWN_SETSIGDEF);
    rc = posix_spawnp(&pid, argv[0], &fa, &attr, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    close(out[1]);
    close(err[1]);
    if (rc != 0) {
        close(out[0]);
        close(err[0]);
        return rc;
    }
    set_nonblock(out[0]);
    set_nonblock(err[0]);
    p->pid = pid;
    p->fds[0] = out[0];
    p->fds[1] = err[0];
    p->exited = false;
    p->status = 0;
    return 0;
}

void rn_proc_signal_group(const rn_proc *p, int sig)
{
    if (p->pid > 0)
        kill(-p->pid, sig);
}

bool rn_proc_reap(rn_proc *p)
{
    int status;
    pid_t r;
    if (p->exited)
        return true;
    do
        r = waitpid(p->pid, &status, WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r == p->pid) {
        p->exited = true;
        p->status = status;
    }
    return p->exited;
}

void rn_proc_close(rn_proc *p)
{
    for (int i = 0; i < 2; i++) {
        if (p->fds[i] >= 0)
            close(p->fds[i]);
        p->fds[i] = -1;
    }
}

/* Does NAME=VALUE entry e set the same name as one of set? */
static bool overridden(const char *e, char *const set[], size_t n_set)
{
    const char *eq = strchr(e, '=');
    size_t len = eq ? (size_t)(eq - e) : strlen(e);
    for (size_t i = 0; i < n_set; i++)
        if (strncmp(set[i], e, len) == 0 && set[i][len] == '=')
            return true;
    return false;
}

char **rn_env_build(char *const base[], char *const set[], size_t n_set)
{
    size_t n = 0, k = 0;
    char **env;
    while (base != NULL && base[n] != NULL)
        n++;
    env = malloc((n + n_set + 1) * sizeof(*env));
    if (env == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (!overridden(base[i], set, n_set))
            env[k++] = base[i];
    for (size_t i = 0; i < n_set; i++)
        env[k++] = set[i];
    env[k] = NULL;
    return env;
}
