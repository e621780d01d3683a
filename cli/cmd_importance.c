/*
 * cmd_importance.c - `hpo importance`: parameter importances of a study
 * (hpo_importance) as a table or JSON, most important first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/runner/common.h"
#include "cli/viz_cli.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: hpo importance --storage URL --study NAME [options]\n"
                 "\n"
                 "Parameter importances from the COMPLETE trials, normalised to sum to 1, most\n"
                 "important first.\n"
                 "\n"
                 "options (also --name=value):\n"
                 "  --evaluator E       ped-anova (default, Optuna 5) or fanova (random forest)\n"
                 "  --params a,b,...    parameters to score (default: all)\n"
                 "  --objective N|all   objective index (default 0); all: PED-ANOVA on the\n"
                 "                      trials' Pareto ranks, Optuna's multi-objective default\n"
                 "  --seed N            fANOVA seed (default 0)\n"
                 "  --format F          table (default) or json\n"
                 "Exit status: 0 success, 1 error, 2 usage error.\n"
                 "\n"
                 "Example:\n"
                 "  hpo importance --storage sqlite:///hpo.db --study mlp --evaluator fanova\n");
}

/* A JSON string literal on stdout. */
static void json_str(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
    putchar('"');
}

int cmd_importance(int argc, char **argv)
{
    static const char *cmd = "importance";
    const char *storage_url = NULL, *name = NULL, *evaluator = NULL, *format = "table",
               *params = NULL;
    unsigned long long seed = 0, objective = 0;
    hpo_importance_options io = HPO_IMPORTANCE_OPTIONS_INIT;
    hpo_importance_kind kind;
    hpo_storage *storage = NULL;
    hpo_study *study = NULL;
    char **list = NULL, **names = NULL;
    double *values = NULL;
    size_t n_list = 0, n = 0;
    int rc = CLI_EXIT_OK;
    for (int i = 1; i < argc; i++) {
        const char *v;
        int m;
        if (cli_opt_flag(argv[i], "--help", "-h")) {
            usage(stdout);
            return CLI_EXIT_OK;
        }
        if ((m = cli_opt_value(cmd, argc, argv, &i, "--storage", NULL, &v)) != 0)
            storage_url = v;
        else if ((m = cli_opt_value(cmd, argc, argv, &i, "--study", "--study-name", &v)) != 0)
            name = v;
        else if ((m = cli_opt_value(cmd, argc, argv, &i, "--evaluator", NULL, &v)) != 0)
            evaluator = v;
        else if ((m = cli_opt_value(cmd, argc, argv, &i, "--format", "-f", &v)) != 0)
            format = v;
        else if ((m = cli_opt_value(cmd, argc, argv, &i, "--params", NULL, &v)) != 0)
            params = v;
        else if ((m = cli_opt_value(cmd, argc, argv, &i, "--seed", NULL, &v)) != 0)
            rc = m > 0 ? viz_cli_size(cmd, "--seed", v, ~0ull, &seed) : 0;
        else if ((m = cli_opt_value(cmd, argc, argv, &i, "--objective", NULL, &v)) != 0) {
            if (m > 0 && strcmp(v, "all") == 0)
                objective = HPO_IMPORTANCE_ALL_OBJECTIVES;
            else if (m > 0)
                rc = viz_cli_size(cmd, "--objective", v, 63, &objective);
        }
        else
            return cli_usage_error(cmd, "unexpected argument '%s'", argv[i]);
        if (m < 0)
            return CLI_EXIT_USAGE;
        if (rc != CLI_EXIT_OK)
            return rc;
    }
    if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
        return cli_usage_error(cmd, "unknown format '%s' (table, json)", format);
    if ((rc = viz_cli_evaluator(cmd, evaluator, &kind)) != CLI_EXIT_OK)
        return rc;
    if (params != NULL && (rc = viz_cli_split(cmd, params, &list, &n_list)) != CLI_EXIT_OK)
        return rc;
    io.seed = seed;
    io.objective = (size_t)objective;
    io.params = (const char *const *)list;
    io.n_params = n_list;
    if ((study = viz_cli_open(cmd, storage_url, name, &storage, &rc)) == NULL)
        goto done;
    if (hpo_importance(study, kind, &io, &names, &values, &n) != HPO_OK) {
        rc = cli_fail(cmd, "%s", hpo_last_error());
        goto done;
    }
    if (strcmp(format, "json") == 0) {
        putchar('{');
        for (size_t i = 0; i < n; i++) {
            printf(i ? ", " : "");
            json_str(names[i]);
            printf(": %.17g", values[i]);
        }
        printf("}\n");
    } else {
        int width = 9;
        for (size_t i = 0; i < n; i++)
            width = (int)strlen(names[i]) > width ? (int)strlen(names[i]) : width;
        printf("%-*s  importance\n", width, "parameter");
        for (size_t i = 0; i < n; i++)
            printf("%-*s  %.4f\n", width, names[i], values[i]);
        if (n == 0)
            printf("(no completed trials)\n");
    }
done:
    hpo_free(names);
    hpo_free(values);
    hpo_study_free(study);
    hpo_storage_free(storage);
    free(list);
    return rc;
}
