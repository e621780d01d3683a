/*
 * gpu.c - GPU ids for `hpo run --gpus` (see gpu.h). "all" runs nvidia-smi as
 * an argv through the same spawner as the trials; no shell is involved.
 */
#include "gpu.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/runner/proc.h"

extern char **environ;

/* Most output read from nvidia-smi -L. */
#define SMI_MAX (256 * 1024)

void rn_gpus_free(char **gpus, size_t n)
{
    if (gpus == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(gpus[i]);
    free(gpus);
}

static int push(char ***v, size_t *n, const char *s, size_t len)
{
    char **grown = realloc(*v, (*n + 1) * sizeof(**v));
    if (grown == NULL)
        return -1;
    *v = grown;
    if ((grown[*n] = strndup(s, len)) == NULL)
        return -1;
    (*n)++;
    return 0;
}

int rn_gpus_from_smi(const char *text, char ***out, size_t *n_out, char *err, size_t errlen)
{
    char **v = NULL;
    size_t n = 0;
    const char *p = text;
    while (p != NULL && *p != '\0') {
        const char *q = p;
        if (strncmp(q, "GPU ", 4) == 0) {
            size_t k = 4;
            while (q[k] >= '0' && q[k] <= '9')
                k++;
            if (k > 4 && q[k] == ':' && push(&v, &n, q + 4, k - 4) != 0) {
                rn_gpus_free(v, n);
                snprintf(err, errlen, "out of memory");
                return -1;
            }
        }
        p = strchr(p, '\n');
        if (p != NULL)
            p++;
    }
    if (n == 0) {
        snprintf(err, errlen, "nvidia-smi -L lists no GPU");
        return -1;
    }
    *out = v;
    *n_out = n;
    return 0;
}

/* Run nvidia-smi -L and collect its stdout. */
static int run_smi(char **text, char *err, size_t errlen)
{
    char *argv[] = {"nvidia-smi", "-L", NULL};
    rn_proc p;
    size_t len = 0;
    char *buf = malloc(SMI_MAX + 1);
    int rc;
    if (buf == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    rc = rn_proc_spawn(&p, argv, environ);
    if (rc != 0) {
        free(buf);
        snprintf(err, errlen, "'all' needs nvidia-smi: %s", strerror(rc));
        return -1;
    }
    close(p.fds[1]);
    p.fds[1] = -1;
    for (;;) {
        struct pollfd pfd = {p.fds[0], POLLIN, 0};
        ssize_t got;
        if (poll(&pfd, 1, 30000) <= 0)
            break;
        got = read(p.fds[0], buf + len, SMI_MAX - len);
        if (got < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (got <= 0)
            break;
        len += (size_t)got;
        if (len == SMI_MAX)
            break;
    }
    buf[len] = '\0';
    rn_proc_signal_group(&p, SIGKILL);
    rn_proc_close(&p);
    while (waitpid(p.pid, &rc, 0) < 0 && errno == EINTR) {
    }
    *text = buf;
    return 0;
}

int rn_gpus_parse(const char *arg, char ***out, size_t *n_out, char *err, size_t errlen)
{
    char **v = NULL;
    size_t n = 0;
    const char *p = arg;
    *out = NULL;
    *n_out = 0;
    if (strcmp(arg, "all") == 0) {
        char *text = NULL;
        int rc;
        if (run_smi(&text, err, errlen) != 0)
            return -1;
        rc = rn_gpus_from_smi(text, out, n_out, err, errlen);
        free(text);
        return rc;
    }
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        bool ok = len > 0 && len < 64;
        for (size_t i = 0; ok && i < len; i++)
            ok = (p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'z') ||
                 (p[i] >= 'A' && p[i] <= 'Z') || p[i] == '-' || p[i] == ':' || p[i] == '.';
        for (size_t i = 0; ok && i < n; i++)
            ok = !(strlen(v[i]) == len && strncmp(v[i], p, len) == 0);
        if (!ok) {
            snprintf(err, errlen, "'%.*s' in '%.100s' is not a GPU id (or appears twice)",
                    (int)(len > 64 ? 64 : len), p, arg);
            rn_gpus_free(v, n);
            return -1;
        }
        if (push(&v, &n, p, len) != 0) {
            rn_gpus_free(v, n);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    *out = v;
    *n_out = n;
    return 0;
}
