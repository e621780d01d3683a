/*
 * cmd_env.c - `hpo env`: this machine's environment fingerprint, and
 * `hpo env diff`: what differs between the environments a study's workers ran in
 * (hpo run stores each distinct fingerprint in the study system attribute
 * hpo:env:<hash> and the hash on every trial as hpo:env).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/commands.h"
#include "cli/env.h"
#include "cli/runner/common.h"

#define ENV_PREFIX "hpo:env:"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: hpo env [--json]\n"
            "       hpo env diff [--storage URL] [--study NAME]\n"
            "\n"
            "  (none)   print this machine's fingerprint: OS, kernel, CPU, memory, GPUs and\n"
            "           driver (nvidia-smi), CUDA, Python with torch/torchvision/numpy and a\n"
            "           hash of its installed distributions, container, hpo version; --json\n"
            "           prints it as JSON with its hash\n"
            "  diff     list what differs between the environments recorded in a study\n"
            "           (hpo run records each worker's); storage and study default to\n"
            "           $HPO_STORAGE / $HPO_STUDY\n"
            "\n"
            "Set HPO_ENV_PYTHON to probe another Python than python3.\n"
            "Exit status: 0 success, 1 error, 2 usage error.\n");
}

static int print_env(bool as_json)
{
    json_t *env = cli_env_collect();
    char hash[17], *text;
    const char *key;
    json_t *v;
    if (env == NULL)
        return cli_fail("env", "out of memory");
    cli_env_hash(env, hash);
    if (as_json) {
        json_t *o = json_pack("{s:s, s:O}", "hash", hash, "env", env);
        text = o ? json_dumps(o, JSON_SORT_KEYS | JSON_INDENT(2)) : NULL;
        if (text != NULL)
            printf("%s\n", text);
        free(text);
        json_decref(o);
        json_decref(env);
        return CLI_EXIT_OK;
    }
    printf("%-18s %s\n", "fingerprint", hash);
    json_object_foreach(env, key, v)
    {
        text = json_is_string(v) ? NULL : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        printf("%-18s %s\n", key, text ? text : json_string_value(v));
        free(text);
    }
    json_decref(env);
    return CLI_EXIT_OK;
}

/* The study's fingerprints: {hash: env} from its system attributes. */
static json_t *study_envs(hpo_study *study)
{
    char *text = NULL;
    json_t *all, *out = json_object();
    const char *key;
    json_t *v;
    if (out == NULL || hpo_study_attrs_json(study, true, &text) != HPO_OK) {
        json_decref(out);
        return NULL;
    }
    all = json_loads(text, 0, NULL);
    hpo_free(text);
    json_object_foreach(all, key, v)
    {
        if (strncmp(key, ENV_PREFIX, strlen(ENV_PREFIX)) == 0 && json_is_object(v))
            json_object_set(out, key + strlen(ENV_PREFIX), v);
    }
    json_decref(all);
    return out;
}

static void print_field(const char *field, json_t *envs)
{
    const char *hash;
    json_t *env;
    printf("%s:\n", field);
    json_object_foreach(envs, hash, env)
    {
        json_t *v = json_object_get(env, field);
        char *text = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
        printf("  %s  %s\n", hash, text ? text : "(absent)");
        free(text);
    }
}

/* Print each field whose value is not the same in every fingerprint; the count. */
static int print_differences(json_t *envs)
{
    json_t *fields = json_object(), *env, *v;
    const char *hash, *field;
    int n = 0;
    json_object_foreach(envs, hash, env)
    {
        json_object_foreach(env, field, v) json_object_set_new(fields, field, json_true());
    }
    json_object_foreach(fields, field, v)
    {
        json_t *first = NULL;
        bool differs = false, started = false;
        json_object_foreach(envs, hash, env)
        {
            json_t *x = json_object_get(env, field);
            if (started && !(x && first ? json_equal(x, first) : x == first))
                differs = true;
            first = started ? first : x;
            started = true;
        }
        if (differs) {
            print_field(field, envs);
            n++;
        }
    }
    json_decref(fields);
    return n;
}

static int env_diff(int argc, char **argv)
{
    const char *url = NULL, *name = NULL, *v;
    hpo_storage *storage;
    hpo_study *study;
    json_t *envs;
    int rc = CLI_EXIT_OK;
    for (int i = 2; i < argc; i++) {
        int m;
        if ((m = cli_opt_value("env", argc, argv, &i, "--storage", NULL, &v)) != 0) {
            if (m < 0)
                return CLI_EXIT_USAGE;
            url = v;
        } else if ((m = cli_opt_value("env", argc, argv, &i, "--study", NULL, &v)) != 0) {
            if (m < 0)
                return CLI_EXIT_USAGE;
            name = v;
        } else {
            return cli_usage_error("env", "unknown option '%s'", argv[i]);
        }
    }
    if ((url = cli_storage_url("env", url)) == NULL || (name = cli_study_name("env", name)) == NULL)
        return CLI_EXIT_USAGE;
    if ((storage = cli_open_storage("env", url)) == NULL)
        return CLI_EXIT_FAIL;
    if ((study = cli_load_study("env", storage, name)) == NULL) {
        hpo_storage_free(storage);
        return CLI_EXIT_FAIL;
    }
    envs = study_envs(study);
    if (envs == NULL)
        rc = cli_fail("env", "cannot read the study's attributes: %s", hpo_last_error());
    else if (json_object_size(envs) == 0)
        printf("study '%s' has no recorded environment (hpo run records them)\n", name);
    else if (json_object_size(envs) == 1)
        printf("study '%s': every worker ran the same environment (%s)\n", name,
                json_object_iter_key(json_object_iter(envs)));
    else
        printf("%d field(s) differ between %zu environments\n", print_differences(envs),
                json_object_size(envs));
    json_decref(envs);
    hpo_study_free(study);
    hpo_storage_free(storage);
    return rc;
}

int cmd_env(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    if (argc >= 2 && strcmp(argv[1], "diff") == 0)
        return env_diff(argc, argv);
    if (argc == 1 || (argc == 2 && strcmp(argv[1], "--json") == 0))
        return print_env(argc == 2);
    usage(stderr);
    return CLI_EXIT_USAGE;
}
