/*
 * common.c - shared option helpers for the runner's subcommands (see common.h).
 */
#include "common.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int cli_opt_value(const char *cmd, int argc, char **argv, int *i, const char *name,
        const char *alias, const char **value)
{
    const char *names[2] = {name, alias};
    for (int k = 0; k < 2; k++) {
        size_t n;
        if (names[k] == NULL)
            continue;
        n = strlen(names[k]);
        if (strncmp(argv[*i], names[k], n) != 0)
            continue;
        if (argv[*i][n] == '=') {
            *value = argv[*i] + n + 1;
            return 1;
        }
        if (argv[*i][n] != '\0')
            continue;
        if (*i + 1 >= argc) {
            cli_usage_error(cmd, "%s needs a value", names[k]);
            return -1;
        }
        *value = argv[++*i];
        return 1;
    }
    return 0;
}

bool cli_opt_flag(const char *arg, const char *name, const char *short_name)
{
    return strcmp(arg, name) == 0 || (short_name != NULL && strcmp(arg, short_name) == 0);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "hpo %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see 'hpo %s --help')\n", cmd);
    return CLI_EXIT_USAGE;
}

int cli_fail(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "hpo %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CLI_EXIT_FAIL;
}

int cli_parse_i64(const char *s, int64_t *out)
{
    char *end;
    long long v;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (end == s || *end != '\0' || errno == ERANGE)
        return -1;
    *out = v;
    return 0;
}

int cli_parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    return (end == s || *end != '\0' || errno == ERANGE) ? -1 : 0;
}

int cli_parse_direction(const char *s, hpo_direction *out)
{
    if (strcasecmp(s, "minimize") == 0 || strcasecmp(s, "min") == 0)
        *out = HPO_MINIMIZE;
    else if (strcasecmp(s, "maximize") == 0 || strcasecmp(s, "max") == 0)
        *out = HPO_MAXIMIZE;
    else
        return -1;
    return 0;
}

const char *cli_storage_url(const char *cmd, const char *explicit_url)
{
    const char *url = explicit_url ? explicit_url : getenv("HPO_STORAGE");
    if (url == NULL || url[0] == '\0') {
        cli_usage_error(cmd, "no storage: give --storage URL (e.g. sqlite:///hpo.db) or set "
                             "HPO_STORAGE");
        return NULL;
    }
    return url;
}

const char *cli_study_name(const char *cmd, const char *explicit_name)
{
    const char *name = explicit_name ? explicit_name : getenv("HPO_STUDY");
    if (name == NULL || name[0] == '\0') {
        cli_usage_error(cmd, "no study: give --study NAME or set HPO_STUDY");
        return NULL;
    }
    return name;
}

hpo_storage *cli_open_storage(const char *cmd, const char *url)
{
    hpo_storage *s = NULL;
    if (hpo_storage_open(&s, url) != HPO_OK) {
        cli_fail(cmd, "cannot open storage '%s': %s", url, hpo_last_error());
        return NULL;
    }
    return s;
}

hpo_study *cli_load_study(const char *cmd, hpo_storage *storage, const char *name)
{
    hpo_study *st = NULL;
    if (hpo_study_load(&st, storage, name, NULL) != HPO_OK) {
        cli_fail(cmd, "%s", hpo_last_error());
        return NULL;
    }
    return st;
}
