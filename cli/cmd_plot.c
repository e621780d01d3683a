/*
 * cmd_plot.c - `hpo plot KIND`: one plot of a study as an SVG file
 * (hpo_plot_svg), e.g. to embed in a paper or a wiki page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/runner/common.h"
#include "cli/viz_cli.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: hpo plot KIND --storage URL --study NAME [-o out.svg] [options]\n"
                 "\n"
                 "Draw one plot of a study as SVG. KIND is one of:\n"
                 "  history       objective per trial and the best value so far\n"
                 "  intermediate  intermediate values per trial (pruned trials marked)\n"
                 "  importance    parameter importances (--evaluator)\n"
                 "  parallel      parallel coordinates\n"
                 "  slice         objective against each parameter\n"
                 "  contour       interpolated objective over two parameters\n"
                 "  edf           empirical distribution of the objective\n"
                 "  timeline      trial start-to-end bars by state\n"
                 "  pareto        Pareto front of a multi-objective study\n"
                 "\n"
                 "options (also --name=value):\n"
                 "  -o, --output FILE       output file (default: standard output)\n"
                 "  --params a,b,...        parameters to show (contour: the first two)\n"
                 "  --objective N           objective index (default 0)\n"
                 "  --evaluator E           importance: ped-anova (default) or fanova\n"
                 "  --seed N                fANOVA seed (default 0)\n"
                 "  --width N, --height N   size in pixels (default 720 x 420)\n"
                 "  --max-points N          marks per plot before thinning (default 5000)\n"
                 "Exit status: 0 success, 1 error, 2 usage error.\n"
                 "\n"
                 "Example:\n"
                 "  hpo plot history --storage sqlite:///hpo.db --study mlp -o history.svg\n");
}

typedef struct plot_args {
    const char *kind, *storage, *study, *output, *params, *evaluator;
    unsigned long long objective, seed, width, height, max_points;
} plot_args;

static int parse(int argc, char **argv, plot_args *a)
{
    static const char *cmd = "plot";
    memset(a, 0, sizeof(*a));
    for (int i = 1; i < argc; i++) {
        const char *v;
        int m, rc = CLI_EXIT_OK;
        if (cli_opt_flag(argv[i], "--help", "-h")) {
            usage(stdout);
            return -1;
        }
        if ((m = cli_opt_value(cmd, argc, argv, &i, "--storage", NULL, &v)) != 0)
            a->storage = v;
        else if ((m = cli_opt_value(cmd, argc, argv, &i, "--study", "--study-name", &v)) != 0)
            a->study = v;
        else if ((m = cli_opt_value(cmd, argc, argv, &i, "--output", "-o", &v)) != 0)
            a->output = v;
        else if ((m = cli_opt_value(cmd, argc, argv, &i, "--params", NULL, &v)) != 0)
            a->params = v;
        else if ((m = cli_opt_value(cmd, argc, argv, &i, "--evaluator", NULL, &v)) != 0)
            a->evaluator = v;
        else if ((m = cli_opt_value(cmd, argc, argv, &i, "--objective", NULL, &v)) != 0)
            rc = m > 0 ? viz_cli_size(cmd, "--objective", v, 63, &a->objective) : 0;
        else if ((m = cli_opt_value(cmd, argc, argv, &i, "--seed", NULL, &v)) != 0)
            rc = m > 0 ? viz_cli_size(cmd, "--seed", v, ~0ull, &a->seed) : 0;
        else if ((m = cli_opt_value(cmd, argc, argv, &i, "--width", NULL, &v)) != 0)
            rc = m > 0 ? viz_cli_size(cmd, "--width", v, 10000, &a->width) : 0;
        else if ((m = cli_opt_value(cmd, argc, argv, &i, "--height", NULL, &v)) != 0)
            rc = m > 0 ? viz_cli_size(cmd, "--height", v, 10000, &a->height) : 0;
        else if ((m = cli_opt_value(cmd, argc, argv, &i, "--max-points", NULL, &v)) != 0)
            rc = m > 0 ? viz_cli_size(cmd, "--max-points", v, 10000000, &a->max_points) : 0;
        else if (argv[i][0] != '-' && a->kind == NULL)
            a->kind = argv[i], m = 1;
        else
            return cli_usage_error(cmd, "unexpected argument '%s'", argv[i]);
        if (m < 0)
            return CLI_EXIT_USAGE;
        if (rc != CLI_EXIT_OK)
            return rc;
    }
    if (a->kind == NULL)
        return cli_usage_error(cmd, "which plot? (history, intermediate, importance, parallel, "
                                    "slice, contour, edf, timeline, pareto)");
    return CLI_EXIT_OK;
}

int cmd_plot(int argc, char **argv)
{
    plot_args a;
    hpo_plot_options po = HPO_PLOT_OPTIONS_INIT;
    hpo_plot_kind kind;
    hpo_storage *storage = NULL;
    hpo_study *study = NULL;
    char **names = NULL, *svg = NULL;
    size_t n_names = 0, len = 0;
    int rc = parse(argc, argv, &a);
    if (rc != CLI_EXIT_OK)
        return rc < 0 ? CLI_EXIT_OK : rc;
    if (hpo_plot_kind_from_name(a.kind, &kind) != HPO_OK)
        return cli_usage_error("plot", "%s", hpo_last_error());
    if ((rc = viz_cli_evaluator("plot", a.evaluator, &po.importance)) != CLI_EXIT_OK)
        return rc;
    if (a.params != NULL && (rc = viz_cli_split("plot", a.params, &names, &n_names)) != 0)
        return rc;
    po.params = (const char *const *)names;
    po.n_params = n_names;
    po.objective = (size_t)a.objective;
    po.seed = a.seed;
    po.width = (unsigned)a.width;
    po.height = (unsigned)a.height;
    po.max_points = (size_t)a.max_points;
    if ((study = viz_cli_open("plot", a.storage, a.study, &storage, &rc)) == NULL)
        goto done;
    if (hpo_plot_svg(study, kind, &po, &svg, &len) != HPO_OK) {
        rc = cli_fail("plot", "%s", hpo_last_error());
        goto done;
    }
    rc = viz_cli_write("plot", a.output, svg, len);
done:
    hpo_free(svg);
    hpo_study_free(study);
    hpo_storage_free(storage);
    free(names);
    return rc;
}
