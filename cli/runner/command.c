/*
 * command.c - a trial's argv and environment (see command.h).
 */
#include "command.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/template.h"

typedef struct lookup_ctx {
    const rn_config *cfg;
    const cli_assign *assign; /* NULL: only check the names */
    char number[24];
    char id[24];
} lookup_ctx;

static int lookup(const char *name, size_t len, const char **value, void *payload)
{
    lookup_ctx *c = payload;
    const cli_space *s = c->cfg->space;
    if (len == 12 && memcmp(name, "trial_number", 12) == 0) {
        *value = c->number;
        return CLI_TEMPLATE_FOUND;
    }
    if (len == 8 && memcmp(name, "trial_id", 8) == 0) {
        *value = c->id;
        return CLI_TEMPLATE_FOUND;
    }
    for (size_t i = 0; i < s->n; i++) {
        if (strlen(s->params[i].name) != len || memcmp(s->params[i].name, name, len) != 0)
            continue;
        if (c->assign == NULL) {
            *value = "";
            return CLI_TEMPLATE_FOUND;
        }
        if (!c->assign[i].active)
            return CLI_TEMPLATE_INACTIVE;
        *value = c->assign[i].text;
        return CLI_TEMPLATE_FOUND;
    }
    return CLI_TEMPLATE_UNKNOWN;
}

void rn_strv_free(char **v, size_t n)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

int rn_command_check(const rn_config *cfg, char *err, size_t errlen)
{
    lookup_ctx ctx = {cfg, NULL, "", ""};
    for (size_t i = 0; i < cfg->n_cmd; i++) {
        char *out = NULL;
        if (cli_template_expand(cfg->cmd[i], lookup, &ctx, &out, err, errlen) ==
                CLI_TEMPLATE_ERROR)
            return -1;
        free(out);
    }
    return 0;
}

char **rn_command_argv(const rn_config *cfg, const cli_assign *assign, int64_t number,
        int64_t id, size_t *n_out, char *err, size_t errlen)
{
    lookup_ctx ctx = {cfg, assign, "", ""};
    char **argv = calloc(cfg->n_cmd + 1, sizeof(*argv));
    size_t n = 0;
    if (argv == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    snprintf(ctx.number, sizeof(ctx.number), "%lld", (long long)number);
    snprintf(ctx.id, sizeof(ctx.id), "%lld", (long long)id);
    for (size_t i = 0; i < cfg->n_cmd; i++) {
        int rc = cli_template_expand(cfg->cmd[i], lookup, &ctx, &argv[n], err, errlen);
        if (rc == CLI_TEMPLATE_ERROR) {
            rn_strv_free(argv, n);
            return NULL;
        }
        if (rc == CLI_TEMPLATE_OK)
            n++;
    }
    if (n == 0) {
        snprintf(err, errlen, "the command is empty for this trial");
        free(argv);
        return NULL;
    }
    *n_out = n;
    return argv;
}

static char *env_entry(const char *name, const char *value)
{
    size_t n = strlen(name) + strlen(value) + 2;
    char *s = malloc(n);
    if (s != NULL)
        snprintf(s, n, "%s=%s", name, value);
    return s;
}

/* HPO_PARAM_<NAME>: upper case, anything but letters and digits becomes '_'. */
static char *param_env_entry(const char *name, const char *value)
{
    size_t n = strlen(name);
    char *key = malloc(n + 11), *s;
    if (key == NULL)
        return NULL;
    memcpy(key, "HPO_PARAM_", 10);
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        else if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            c = '_';
        key[10 + i] = c;
    }
    key[10 + n] = '\0';
    s = env_entry(key, value);
    free(key);
    return s;
}

char **rn_command_env(const rn_config *cfg, const cli_assign *assign, int64_t number,
        int64_t id, int slot, size_t *n_out)
{
    size_t cap = cfg->space->n + 10, n = 0;
    char **set = calloc(cap, sizeof(*set)), buf[24];
    if (set == NULL)
        return NULL;
    set[n++] = env_entry("HPO_STORAGE", cfg->storage_url);
    set[n++] = env_entry("HPO_STUDY", cfg->study_name);
    snprintf(buf, sizeof(buf), "%lld", (long long)id);
    set[n++] = env_entry("HPO_TRIAL_ID", buf);
    snprintf(buf, sizeof(buf), "%lld", (long long)number);
    set[n++] = env_entry("HPO_TRIAL_NUMBER", buf);
    set[n++] = env_entry("HPO_SAMPLER", cfg->sampler_spec ? cfg->sampler_spec : "tpe");
    set[n++] = env_entry("HPO_PRUNER", cfg->pruner_spec ? cfg->pruner_spec : "median");
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)cfg->seed);
    set[n++] = env_entry("HPO_SEED", buf);
    if (cfg->gpus != NULL && slot >= 0)
        set[n++] = env_entry("CUDA_VISIBLE_DEVICES", cfg->gpus[(size_t)slot % cfg->n_gpus]);
    for (size_t i = 0; i < cfg->space->n; i++)
        if (assign[i].active)
            set[n++] = param_env_entry(cfg->space->params[i].name, assign[i].text);
    for (size_t i = 0; i < n; i++) {
        if (set[i] == NULL) {
            rn_strv_free(set, n);
            return NULL;
        }
    }
    *n_out = n;
    return set;
}
