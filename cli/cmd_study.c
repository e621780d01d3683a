/*
 * cmd_study.c - `hpo study create|list|delete|set-user-attr`, mirroring Optuna's
 * create-study, studies, delete-study and study set-user-attr.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/runner/common.h"

#define MAX_DIRECTIONS 16

static void usage(FILE *out)
{
    fprintf(out,
            "usage: hpo study COMMAND [options]     (--storage URL, default $HPO_STORAGE)\n"
            "\n"
            "commands:\n"
            "  create --study NAME [--direction D]... [--directions D1,D2] [--skip-if-exists]\n"
            "                      create a study (D: minimize or maximize; default minimize)\n"
            "                      and print its name\n"
            "  list [--format table|json|csv|value]\n"
            "                      name, directions and number of trials of every study\n"
            "  delete --study NAME delete a study and all its trials\n"
            "  set-user-attr --study NAME --key K --value V [--json]\n"
            "                      V is stored as a JSON string, or as JSON text with --json\n"
            "\n"
            "Exit status: 0 success, 1 error (e.g. no such study), 2 usage error.\n"
            "\n"
            "Example:\n"
            "  hpo study create --storage sqlite:///hpo.db --study mlp --direction maximize\n"
            "  hpo study list --storage sqlite:///hpo.db\n");
}

typedef struct study_args {
    const char *storage, *study, *key, *value, *format;
    hpo_direction dirs[MAX_DIRECTIONS];
    size_t n_dirs;
    bool skip_if_exists, json;
} study_args;

static int add_directions(study_args *a, const char *list)
{
    char *copy = strdup(list), *save = NULL;
    int rc = CLI_EXIT_OK;
    if (copy == NULL)
        return cli_fail("study", "out of memory");
    for (char *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
        if (a->n_dirs == MAX_DIRECTIONS) {
            rc = cli_usage_error("study", "at most %d directions", MAX_DIRECTIONS);
            break;
        }
        if (cli_parse_direction(t, &a->dirs[a->n_dirs++]) != 0) {
            rc = cli_usage_error("study", "direction '%s': minimize or maximize", t);
            break;
        }
    }
    free(copy);
    return rc;
}

static int parse_args(int argc, char **argv, study_args *a)
{
    memset(a, 0, sizeof(*a));
    for (int i = 2; i < argc; i++) {
        const char *v;
        int m, rc = CLI_EXIT_OK;
        if ((m = cli_opt_value("study", argc, argv, &i, "--storage", NULL, &v)) != 0)
            a->storage = v;
        else if ((m = cli_opt_value("study", argc, argv, &i, "--study", "--study-name", &v)) != 0)
            a->study = v;
        else if ((m = cli_opt_value("study", argc, argv, &i, "--key", "-k", &v)) != 0)
            a->key = v;
        else if ((m = cli_opt_value("study", argc, argv, &i, "--value", NULL, &v)) != 0)
            a->value = v;
        else if ((m = cli_opt_value("study", argc, argv, &i, "--format", "-f", &v)) != 0)
            a->format = v;
        else if ((m = cli_opt_value("study", argc, argv, &i, "--direction", NULL, &v)) != 0 ||
                 (m = cli_opt_value("study", argc, argv, &i, "--directions", NULL, &v)) != 0)
            rc = m > 0 ? add_directions(a, v) : CLI_EXIT_OK;
        else if (strcmp(argv[i], "--skip-if-exists") == 0)
            a->skip_if_exists = true;
        else if (strcmp(argv[i], "--json") == 0)
            a->json = true;
        else
            return cli_usage_error("study", "unexpected argument '%s'", argv[i]);
        if (m < 0)
            return CLI_EXIT_USAGE;
        if (rc != CLI_EXIT_OK)
            return rc;
    }
    return CLI_EXIT_OK;
}

static int create(const study_args *a, hpo_storage *s)
{
    hpo_study_options o = HPO_STUDY_OPTIONS_INIT;
    hpo_direction one = HPO_MINIMIZE;
    hpo_study *st = NULL;
    const char *name = cli_study_name("study", a->study);
    if (name == NULL)
        return CLI_EXIT_USAGE;
    o.load_if_exists = a->skip_if_exists;
    if (hpo_study_create(&st, s, name, a->n_dirs ? a->dirs : &one, a->n_dirs ? a->n_dirs : 1,
                &o) != HPO_OK)
        return cli_fail("study", "create '%s': %s", name, hpo_last_error());
    printf("%s\n", hpo_study_name(st));
    hpo_study_free(st);
    return CLI_EXIT_OK;
}

static char *directions_text(hpo_study *st)
{
    char buf[512];
    size_t k = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < hpo_study_n_objectives(st) && k < sizeof(buf); i++)
        k += (size_t)snprintf(buf + k, sizeof(buf) - k, "%s%s", i ? "," : "",
                hpo_direction_name(hpo_study_direction(st, i)));
    return strdup(buf);
}

static int list(const study_args *a, hpo_storage *s)
{
    const char *fmt = a->format ? a->format : "table";
    char **names = NULL;
    size_t n = 0;
    json_t *arr = json_array();
    int rc = CLI_EXIT_OK;
    if (strcmp(fmt, "table") != 0 && strcmp(fmt, "json") != 0 && strcmp(fmt, "csv") != 0 &&
            strcmp(fmt, "value") != 0) {
        json_decref(arr);
        return cli_usage_error("study", "--format '%s': table, json, csv or value", fmt);
    }
    if (hpo_study_list(s, &names, &n) != HPO_OK) {
        json_decref(arr);
        return cli_fail("study", "%s", hpo_last_error());
    }
    if (strcmp(fmt, "table") == 0)
        printf("%-32s %-20s %8s\n", "name", "directions", "n_trials");
    else if (strcmp(fmt, "csv") == 0)
        printf("name,directions,n_trials\n");
    for (size_t i = 0; i < n && rc == CLI_EXIT_OK; i++) {
        hpo_study *st = cli_load_study("study", s, names[i]);
        hpo_frozen_trial **ts = NULL;
        size_t nt = 0;
        char *dirs;
        if (st == NULL || hpo_study_get_trials(st, HPO_STATES_ALL, &ts, &nt) != HPO_OK) {
            rc = st ? cli_fail("study", "%s", hpo_last_error()) : CLI_EXIT_FAIL;
            hpo_study_free(st);
            break;
        }
        hpo_frozen_trials_free(ts, nt);
        dirs = directions_text(st);
        if (strcmp(fmt, "table") == 0)
            printf("%-32s %-20s %8zu\n", names[i], dirs ? dirs : "", nt);
        else if (strcmp(fmt, "csv") == 0)
            printf("\"%s\",\"%s\",%zu\n", names[i], dirs ? dirs : "", nt);
        else if (strcmp(fmt, "value") == 0)
            printf("%s\n", names[i]);
        else
            json_array_append_new(arr, json_pack("{s:s, s:s, s:I}", "name", names[i],
                                               "directions", dirs ? dirs : "", "n_trials",
                                               (json_int_t)nt));
        free(dirs);
        hpo_study_free(st);
    }
    if (rc == CLI_EXIT_OK && strcmp(fmt, "json") == 0) {
        char *text = json_dumps(arr, JSON_INDENT(2));
        printf("%s\n", text ? text : "[]");
        free(text);
    }
    json_decref(arr);
    hpo_free(names);
    return rc;
}

static int set_user_attr(const study_args *a, hpo_storage *s)
{
    const char *name = cli_study_name("study", a->study);
    hpo_study *st;
    char *json = NULL;
    int rc = CLI_EXIT_OK;
    if (name == NULL)
        return CLI_EXIT_USAGE;
    if (a->key == NULL || a->value == NULL)
        return cli_usage_error("study", "set-user-attr needs --key and --value");
    if (!a->json) {
        json_t *str = json_string(a->value);
        json = str ? json_dumps(str, JSON_ENCODE_ANY) : NULL;
        json_decref(str);
        if (json == NULL)
            return cli_usage_error("study", "--value is not valid UTF-8");
    }
    if ((st = cli_load_study("study", s, name)) == NULL) {
        free(json);
        return CLI_EXIT_FAIL;
    }
    if (hpo_study_set_user_attr(st, a->key, json ? json : a->value) != HPO_OK)
        rc = cli_fail("study", "%s", hpo_last_error());
    hpo_study_free(st);
    free(json);
    return rc;
}

int cmd_study(int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : NULL;
    const char *url;
    hpo_storage *s;
    study_args a;
    int rc;
    if (sub == NULL || cli_opt_flag(sub, "--help", "-h") || strcmp(sub, "help") == 0) {
        usage(sub ? stdout : stderr);
        return sub ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    }
    for (int i = 2; i < argc; i++) {
        if (cli_opt_flag(argv[i], "--help", "-h")) {
            usage(stdout);
            return CLI_EXIT_OK;
        }
    }
    if (strcmp(sub, "create") != 0 && strcmp(sub, "list") != 0 && strcmp(sub, "delete") != 0 &&
            strcmp(sub, "set-user-attr") != 0)
        return cli_usage_error("study", "unknown command '%s'", sub);
    if ((rc = parse_args(argc, argv, &a)) != CLI_EXIT_OK)
        return rc;
    if ((url = cli_storage_url("study", a.storage)) == NULL)
        return CLI_EXIT_USAGE;
    if ((s = cli_open_storage("study", url)) == NULL)
        return CLI_EXIT_FAIL;
    if (strcmp(sub, "create") == 0) {
        rc = create(&a, s);
    } else if (strcmp(sub, "list") == 0) {
        rc = list(&a, s);
    } else if (strcmp(sub, "delete") == 0) {
        const char *name = cli_study_name("study", a.study);
        if (name == NULL)
            rc = CLI_EXIT_USAGE;
        else if (hpo_study_delete(s, name) != HPO_OK)
            rc = cli_fail("study", "delete '%s': %s", name, hpo_last_error());
    } else {
        rc = set_user_attr(&a, s);
    }
    hpo_storage_free(s);
    return rc;
}
