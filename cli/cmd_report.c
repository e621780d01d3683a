/*
 * cmd_report.c - `hpo report`: a study as one self-contained HTML file
 * (hpo_report_html): summary, best trial, plots, sortable trial table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/runner/common.h"
#include "cli/viz_cli.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: hpo report --storage URL --study NAME [-o report.html] [options]\n"
                 "\n"
                 "Write one self-contained HTML file (inline SVG and CSS, nothing fetched from\n"
                 "the network): the study summary, the best trial, every plot that applies and\n"
                 "a sortable trial table.\n"
                 "\n"
                 "options (also --name=value):\n"
                 "  -o, --output FILE   output file (default report.html; - for standard output)\n"
                 "  --evaluator E       importance evaluator: ped-anova (default) or fanova\n"
                 "  --seed N            fANOVA seed (default 0)\n"
                 "  --max-rows N        trial table rows; past N the best N are kept (default\n"
                 "                      10000; 0: every trial)\n"
                 "Exit status: 0 success, 1 error, 2 usage error.\n"
                 "\n"
                 "Example:\n"
                 "  hpo report --storage sqlite:///hpo.db --study mlp -o mlp.html\n");
}

int cmd_report(int argc, char **argv)
{
    static const char *cmd = "report";
    const char *storage_url = NULL, *name = NULL, *output = "report.html", *evaluator = NULL;
    unsigned long long seed = 0, max_rows = 10000;
    hpo_report_options ro = HPO_REPORT_OPTIONS_INIT;
    hpo_storage *storage = NULL;
    hpo_study *study = NULL;
    char *html = NULL;
    size_t len = 0;
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
        else if ((m = cli_opt_value(cmd, argc, argv, &i, "--output", "-o", &v)) != 0)
            output = v;
        else if ((m = cli_opt_value(cmd, argc, argv, &i, "--evaluator", NULL, &v)) != 0)
            evaluator = v;
        else if ((m = cli_opt_value(cmd, argc, argv, &i, "--seed", NULL, &v)) != 0)
            rc = m > 0 ? viz_cli_size(cmd, "--seed", v, ~0ull, &seed) : 0;
        else if ((m = cli_opt_value(cmd, argc, argv, &i, "--max-rows", NULL, &v)) != 0)
            rc = m > 0 ? viz_cli_size(cmd, "--max-rows", v, ~0ull, &max_rows) : 0;
        else
            return cli_usage_error(cmd, "unexpected argument '%s'", argv[i]);
        if (m < 0)
            return CLI_EXIT_USAGE;
        if (rc != CLI_EXIT_OK)
            return rc;
    }
    if ((rc = viz_cli_evaluator(cmd, evaluator, &ro.importance)) != CLI_EXIT_OK)
        return rc;
    ro.seed = seed;
    ro.max_table_rows = (size_t)max_rows;
    if ((study = viz_cli_open(cmd, storage_url, name, &storage, &rc)) == NULL)
        return rc;
    if (hpo_report_html(study, &ro, &html, &len) != HPO_OK)
        rc = cli_fail(cmd, "%s", hpo_last_error());
    else
        rc = viz_cli_write(cmd, output, html, len);
    if (rc == CLI_EXIT_OK && strcmp(output, "-") != 0)
        fprintf(stderr, "hpo report: wrote %s (%zu bytes)\n", output, len);
    hpo_free(html);
    hpo_study_free(study);
    hpo_storage_free(storage);
    return rc;
}
