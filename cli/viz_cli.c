/*
 * viz_cli.c - helpers shared by the visualisation subcommands (viz_cli.h).
 */
#include "cli/viz_cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/runner/common.h"

hpo_study *viz_cli_open(const char *cmd,
                        const char *storage_url,
                        const char *study_name,
                        hpo_storage **storage_out,
                        int *rc)
{
    const char *url = cli_storage_url(cmd, storage_url);
    const char *name = cli_study_name(cmd, study_name);
    hpo_study *st;
    *storage_out = NULL;
    *rc = CLI_EXIT_USAGE;
    if (url == NULL || name == NULL)
        return NULL;
    *rc = CLI_EXIT_FAIL;
    if ((*storage_out = cli_open_storage(cmd, url)) == NULL)
        return NULL;
    if ((st = cli_load_study(cmd, *storage_out, name)) == NULL) {
        hpo_storage_free(*storage_out);
        *storage_out = NULL;
        return NULL;
    }
    *rc = CLI_EXIT_OK;
    return st;
}

int viz_cli_evaluator(const char *cmd, const char *s, hpo_importance_kind *out)
{
    if (s == NULL || strcmp(s, "ped-anova") == 0 || strcmp(s, "pedanova") == 0) {
        *out = HPO_IMPORTANCE_PEDANOVA;
        return CLI_EXIT_OK;
    }
    if (strcmp(s, "fanova") == 0) {
        *out = HPO_IMPORTANCE_FANOVA;
        return CLI_EXIT_OK;
    }
    return cli_usage_error(cmd, "unknown evaluator '%s' (ped-anova, fanova)", s);
}

int viz_cli_split(const char *cmd, const char *list, char ***out, size_t *n_out)
{
    size_t n = 1, len = strlen(list);
    char **arr, *copy;
    for (const char *p = list; *p; p++)
        n += *p == ',';
    arr = malloc((n + 1) * sizeof(char *) + len + 1);
    if (arr == NULL)
        return cli_fail(cmd, "out of memory");
    copy = (char *)(arr + n + 1);
    memcpy(copy, list, len + 1);
    n = 0;
    for (char *p = copy;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        if (*p == '\0') {
            free(arr);
            return cli_usage_error(cmd, "empty name in the list '%s'", list);
        }
        arr[n++] = p;
        if (!comma)
            break;
        p = comma + 1;
    }
    arr[n] = NULL;
    *out = arr;
    *n_out = n;
    return CLI_EXIT_OK;
}

int viz_cli_write(const char *cmd, const char *path, const char *data, size_t len)
{
    char *tmp;
    FILE *f;
    int ok;
    size_t cap;
    if (path == NULL || strcmp(path, "-") == 0) {
        ok = fwrite(data, 1, len, stdout) == len && fflush(stdout) == 0;
        return ok ? CLI_EXIT_OK : cli_fail(cmd, "cannot write to stdout");
    }
    cap = strlen(path) + 32;
    if ((tmp = malloc(cap)) == NULL)
        return cli_fail(cmd, "out of memory");
    /* A reader (a browser reloading the report) never sees half a file. */
    snprintf(tmp, cap, "%s.tmp%ld", path, (long)getpid());
    if ((f = fopen(tmp, "wb")) == NULL) {
        int e = errno;
        free(tmp);
        return cli_fail(cmd, "cannot write '%s': %s", path, strerror(e));
    }
    ok = fwrite(data, 1, len, f) == len;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        remove(tmp);
        free(tmp);
        return cli_fail(cmd, "cannot write '%s': %s", path, strerror(e));
    }
    free(tmp);
    return CLI_EXIT_OK;
}

int viz_cli_size(const char *cmd,
                 const char *flag,
                 const char *s,
                 unsigned long long max,
                 unsigned long long *out)
{
    char *end;
    unsigned long long v;
    errno = 0;
    if (*s == '-' || *s == '\0')
        return cli_usage_error(cmd, "%s '%s': not a non-negative integer", flag, s);
    v = strtoull(s, &end, 10);
    if (*end != '\0' || errno == ERANGE || v > max)
        return cli_usage_error(cmd, "%s '%s': an integer in [0, %llu]", flag, s, max);
    *out = v;
    return CLI_EXIT_OK;
}
