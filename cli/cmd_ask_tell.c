/*
 * cmd_ask_tell.c - `hpo ask` and `hpo tell`, mirroring Optuna's CLI: ask starts
 * a trial of an existing study with a JSON search space and prints
 * {"number": N, "params": {...}}; tell finishes trial N with values or a state.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/commands.h"
#include "cli/runner/algo.h"
#include "cli/runner/common.h"
#include "cli/space.h"

#define MAX_VALUES 16

static void usage_ask(FILE *out)
{
    fprintf(out,
            "usage: hpo ask --storage URL --study NAME --search-space JSON\n"
            "               [--sampler SPEC (as hpo run)] [--seed N]\n"
            "\n"
            "Start a trial of an existing study and print {\"number\": N, \"params\": {...}}.\n"
            "The search space maps names to Optuna distribution JSON (full or abbreviated,\n"
            "{\"type\": \"float\", \"low\": 0, \"high\": 1}), \"float:LOW:HIGH[:log]\" text or a\n"
            "list of choices; \"when\" makes a parameter conditional (see hpo run --help).\n"
            "Exit status: 0 success, 1 error, 2 usage error.\n"
            "\n"
            "Example:\n"
            "  hpo ask --storage sqlite:///hpo.db --study s \\\n"
            "      --search-space '{\"x\": {\"type\": \"float\", \"low\": -10, \"high\": 10}}'\n");
}

static void usage_tell(FILE *out)
{
    fprintf(out,
            "usage: hpo tell --storage URL --study NAME --trial-number N\n"
            "                [--values V [V...]] [--state complete|pruned|fail]\n"
            "                [--skip-if-finished]\n"
            "\n"
            "Finish trial N: COMPLETE with --values (the default state when values are\n"
            "given), or PRUNED / FAIL. --skip-if-finished makes telling a finished trial a\n"
            "no-op instead of an error.\n"
            "Exit status: 0 success, 1 error, 2 usage error.\n"
            "\n"
            "Example:\n"
            "  hpo tell --storage sqlite:///hpo.db --study s --trial-number 0 --values 0.91\n");
}

int cmd_ask(int argc, char **argv)
{
    const char *storage = NULL, *study = NULL, *space_text = NULL, *sampler = NULL, *v;
    int64_t seed = 0;
    bool have_seed = false;
    cli_space space = {0};
    cli_assign *assign = NULL;
    hpo_storage *s = NULL;
    hpo_study *st = NULL;
    hpo_trial *t = NULL;
    char err[1024];
    int rc = CLI_EXIT_USAGE;
    for (int i = 1; i < argc; i++) {
        int m;
        if (cli_opt_flag(argv[i], "--help", "-h")) {
            usage_ask(stdout);
            return CLI_EXIT_OK;
        }
        if ((m = cli_opt_value("ask", argc, argv, &i, "--storage", NULL, &v)) != 0)
            storage = v;
        else if ((m = cli_opt_value("ask", argc, argv, &i, "--study", "--study-name", &v)) != 0)
            study = v;
        else if ((m = cli_opt_value("ask", argc, argv, &i, "--search-space", NULL, &v)) != 0)
            space_text = v;
        else if ((m = cli_opt_value("ask", argc, argv, &i, "--sampler", NULL, &v)) != 0)
            sampler = v;
        else if ((m = cli_opt_value("ask", argc, argv, &i, "--seed", NULL, &v)) != 0) {
            if (m > 0 && cli_parse_i64(v, &seed) != 0)
                return cli_usage_error("ask", "--seed '%s' is not an integer", v);
            have_seed = true;
        } else if ((m = cli_opt_value("ask", argc, argv, &i, "--format", "-f", &v)) != 0) {
            if (m > 0 && strcmp(v, "json") != 0)
                return cli_usage_error("ask", "--format '%s': only json", v);
        } else
            return cli_usage_error("ask", "unexpected argument '%s'", argv[i]);
        if (m < 0)
            return CLI_EXIT_USAGE;
    }
    if ((storage = cli_storage_url("ask", storage)) == NULL ||
            (study = cli_study_name("ask", study)) == NULL)
        return CLI_EXIT_USAGE;
    if (space_text != NULL && cli_space_add_json_text(&space, space_text, err, sizeof(err)) != 0) {
        rc = cli_usage_error("ask", "--search-space: %s", err);
        goto out;
    }
    rc = CLI_EXIT_FAIL;
    if ((s = cli_open_storage("ask", storage)) == NULL || (st = cli_load_study("ask", s, study)) == NULL)
        goto out;
    if (cli_study_set_algorithms(st, sampler, have_seed ? (uint64_t)seed : cli_random_seed(), NULL,
                err, sizeof(err)) != 0) {
        rc = cli_usage_error("ask", "%s", err);
        goto out;
    }
    if (hpo_study_ask(st, &t) != HPO_OK) {
        rc = cli_fail("ask", "%s", hpo_last_error());
        goto out;
    }
    assign = calloc(space.n + 1, sizeof(*assign));
    if (assign == NULL || cli_space_sample(&space, t, assign, err, sizeof(err)) != 0) {
        hpo_study_tell(st, t, HPO_TRIAL_FAIL, NULL, 0);
        rc = cli_fail("ask", "%s", assign ? err : "out of memory");
        goto out;
    }
    {
        json_t *params = json_object(), *o;
        for (size_t i = 0; i < space.n; i++)
            if (assign[i].active)
                json_object_set_new(params, space.params[i].name, cli_value_json(assign[i].value));
        o = json_pack("{s:I, s:o}", "number", (json_int_t)hpo_trial_number(t), "params", params);
        if (o != NULL)
            cli_json_print(stdout, o, 0);
        json_decref(o);
        rc = o ? CLI_EXIT_OK : cli_fail("ask", "out of memory");
    }
out:
    if (assign != NULL)
        cli_assign_clear(assign, space.n);
    free(assign);
    hpo_trial_free(t);
    hpo_study_free(st);
    hpo_storage_free(s);
    cli_space_free(&space);
    return rc;
}

int cmd_tell(int argc, char **argv)
{
    const char *storage = NULL, *study = NULL, *v;
    int64_t number = -1;
    double values[MAX_VALUES];
    size_t n_values = 0;
    hpo_trial_state state = HPO_TRIAL_COMPLETE;
    bool have_state = false, skip = false;
    hpo_storage *s = NULL;
    hpo_study *st = NULL;
    int rc = CLI_EXIT_FAIL;
    for (int i = 1; i < argc; i++) {
        int m = 0;
        if (cli_opt_flag(argv[i], "--help", "-h")) {
            usage_tell(stdout);
            return CLI_EXIT_OK;
        }
        if (strcmp(argv[i], "--values") == 0) {
            /* Every following number, as Optuna's nargs="+". */
            while (i + 1 < argc && cli_parse_double(argv[i + 1], &values[n_values]) == 0) {
                if (++n_values == MAX_VALUES)
                    return cli_usage_error("tell", "at most %d values", MAX_VALUES);
                i++;
            }
            if (n_values == 0)
                return cli_usage_error("tell", "--values needs at least one number");
            continue;
        }
        if ((m = cli_opt_value("tell", argc, argv, &i, "--storage", NULL, &v)) != 0)
            storage = v;
        else if ((m = cli_opt_value("tell", argc, argv, &i, "--study", "--study-name", &v)) != 0)
            study = v;
        else if ((m = cli_opt_value("tell", argc, argv, &i, "--trial-number", NULL, &v)) != 0) {
            if (m > 0 && (cli_parse_i64(v, &number) != 0 || number < 0))
                return cli_usage_error("tell", "--trial-number '%s' must be an integer >= 0", v);
        } else if ((m = cli_opt_value("tell", argc, argv, &i, "--state", NULL, &v)) != 0) {
            have_state = true;
            if (m > 0 && strcasecmp(v, "complete") == 0)
                state = HPO_TRIAL_COMPLETE;
            else if (m > 0 && strcasecmp(v, "pruned") == 0)
                state = HPO_TRIAL_PRUNED;
            else if (m > 0 && strcasecmp(v, "fail") == 0)
                state = HPO_TRIAL_FAIL;
            else if (m > 0)
                return cli_usage_error("tell", "--state '%s': complete, pruned or fail", v);
        } else if (strcmp(argv[i], "--skip-if-finished") == 0)
            skip = true;
        else
            return cli_usage_error("tell", "unexpected argument '%s'", argv[i]);
        if (m < 0)
            return CLI_EXIT_USAGE;
    }
    if ((storage = cli_storage_url("tell", storage)) == NULL ||
            (study = cli_study_name("tell", study)) == NULL)
        return CLI_EXIT_USAGE;
    if (number < 0)
        return cli_usage_error("tell", "--trial-number N is required");
    if (!have_state && n_values == 0)
        return cli_usage_error("tell", "give --values or --state");
    if (state != HPO_TRIAL_COMPLETE && n_values > 0)
        return cli_usage_error("tell", "--values go only with --state complete");
    if ((s = cli_open_storage("tell", storage)) == NULL || (st = cli_load_study("tell", s, study)) == NULL)
        goto out;
    {
        int status = hpo_study_tell_number(st, number, state, n_values ? values : NULL, n_values);
        if (status == HPO_OK) {
            rc = CLI_EXIT_OK;
            goto out;
        }
        if (skip && status == HPO_ESTATE) {
            fprintf(stderr, "hpo tell: trial %lld is already finished; skipped\n",
                    (long long)number);
            rc = CLI_EXIT_OK;
        } else {
            rc = cli_fail("tell", "%s", hpo_last_error());
        }
    }
out:
    hpo_study_free(st);
    hpo_storage_free(s);
    return rc;
}
