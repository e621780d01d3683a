/*
 * env.c - the environment fingerprint (see env.h). Each probe is optional: what a
 * machine lacks (no GPU, no Python) is simply absent from the object.
 */
#include "cli/env.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hpo/hpo.h"

#define PROBE_SECONDS 10

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* stdout of argv (stderr discarded) into buf, at most PROBE_SECONDS; -1 if it failed. */
int cli_capture(char *const argv[], char *buf, size_t size)
{
    int fds[2], status = 0;
    size_t len = 0;
    double deadline = now_s() + PROBE_SECONDS;
    pid_t pid;
    if (pipe(fds) != 0)
        return -1;
    pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(fds[1], 1);
        if (devnull >= 0)
            dup2(devnull, 2);
        close(fds[0]);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(fds[1]);
    for (;;) {
        struct pollfd p = {fds[0], POLLIN, 0};
        int left = (int)((deadline - now_s()) * 1000);
        if (left <= 0 || poll(&p, 1, left) <= 0) {
            kill(pid, SIGKILL); /* a hung probe must not hang hpo */
            break;
        }
        ssize_t got = read(fds[0], buf + len, size - 1 - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        len += (size_t)got;
        if (len + 1 >= size)
            break;
    }
    close(fds[0]);
    buf[len] = '\0';
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
        s[--n] = '\0';
}

/* The value of "key=..." / "key : ..." in a text file's first matching line. */
static int file_field(const char *path, const char *key, char sep, char *out, size_t n)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    int found = -1;
    if (f == NULL)
        return -1;
    while (found < 0 && fgets(line, sizeof(line), f) != NULL) {
        char *at = strchr(line, sep);
        if (at == NULL || strncmp(line, key, strlen(key)) != 0)
            continue;
        at++;
        while (*at == ' ' || *at == '"' || *at == '\t')
            at++;
        snprintf(out, n, "%s", at);
        trim(out);
        n = strlen(out);
        if (n > 0 && out[n - 1] == '"')
            out[n - 1] = '\0';
        found = 0;
    }
    fclose(f);
    return found;
}

static void add_str(json_t *o, const char *key, const char *v)
{
    if (v != NULL && v[0] != '\0')
        json_object_set_new(o, key, json_string(v));
}

static void probe_system(json_t *env)
{
    struct utsname u;
    char buf[512];
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (file_field("/etc/os-release", "PRETTY_NAME", '=', buf, sizeof(buf)) == 0)
        add_str(env, "os", buf);
    if (uname(&u) == 0) {
        add_str(env, "kernel", u.release);
        add_str(env, "machine", u.machine);
    }
    if (file_field("/proc/cpuinfo", "model name", ':', buf, sizeof(buf)) == 0)
        add_str(env, "cpu", buf);
    json_object_set_new(env, "cpus", json_integer(cpus));
    if (pages > 0 && page > 0)
        json_object_set_new(env, "memory_gib",
                json_integer((json_int_t)(((double)pages * (double)page) / 1073741824.0 + 0.5)));
}

static void probe_gpus(json_t *env)
{
    char buf[8192], *save = NULL;
    char *q[] = {"nvidia-smi", "--query-gpu=name,driver_version,memory.total",
            "--format=csv,noheader", NULL};
    char *v[] = {"nvidia-smi", NULL};
    json_t *gpus;
    if (cli_capture(q, buf, sizeof(buf)) != 0)
        return;
    gpus = json_array();
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        trim(line);
        if (line[0] != '\0')
            json_array_append_new(gpus, json_string(line));
    }
    json_object_set_new(env, "gpus", gpus);
    if (cli_capture(v, buf, sizeof(buf)) == 0) { /* the banner names the CUDA version */
        char *at = strstr(buf, "CUDA Version:");
        if (at != NULL) {
            char ver[32] = "";
            sscanf(at + 13, " %31s", ver);
            add_str(env, "cuda_driver_api", ver);
        }
    }
}

/* One Python call: its version, the ML packages' versions and a hash of every
 * installed distribution, from metadata only (no package is imported). */
static const char python_probe[] =
        "import hashlib, importlib.metadata as m, json, platform\n"
        "d = sorted(f\"{x.metadata['Name']}=={x.version}\" for x in m.distributions()\n"
        "           if x.metadata['Name'])\n"
        "v = {}\n"
        "for p in ('torch', 'torchvision', 'numpy'):\n"
        "    try:\n"
        "        v[p] = m.version(p)\n"
        "    except m.PackageNotFoundError:\n"
        "        pass\n"
        "print(json.dumps({'python': platform.python_version(), 'packages': v,\n"
        "                  'pip_freeze_sha256': hashlib.sha256('\\n'.join(d).encode())"
        ".hexdigest()}))\n";

static void probe_python(json_t *env)
{
    char buf[4096];
    const char *py = getenv("HPO_ENV_PYTHON");
    char *argv[] = {(char *)(py && py[0] ? py : "python3"), "-c", (char *)python_probe, NULL};
    json_t *j;
    if (cli_capture(argv, buf, sizeof(buf)) != 0)
        return;
    j = json_loads(buf, 0, NULL);
    if (json_is_object(j))
        json_object_update(env, j);
    json_decref(j);
}

static void probe_container(json_t *env)
{
    char buf[1024];
    if (access("/.dockerenv", F_OK) == 0 || access("/run/.containerenv", F_OK) == 0) {
        /* hostname is the container id under Docker and Podman */
        if (gethostname(buf, sizeof(buf)) == 0)
            add_str(env, "container", buf);
        else
            add_str(env, "container", "yes");
    }
    if (getenv("KUBERNETES_SERVICE_HOST") != NULL)
        add_str(env, "kubernetes_pod", getenv("HOSTNAME"));
}

json_t *cli_env_collect(void)
{
    json_t *env = json_object();
    if (env == NULL)
        return NULL;
    probe_system(env);
    probe_gpus(env);
    probe_python(env);
    probe_container(env);
    add_str(env, "hpo", hpo_version_string());
    return env;
}

void cli_env_hash(const json_t *env, char out[17])
{
    char *text = json_dumps(env, JSON_SORT_KEYS | JSON_COMPACT);
    unsigned long long h = 1469598103934665603ULL;
    for (const char *c = text ? text : ""; *c; c++)
        h = (h ^ (unsigned char)*c) * 1099511628211ULL;
    free(text);
    snprintf(out, 17, "%016llx", h);
}
