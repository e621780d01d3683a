/*
 * main.c - the hpo binary: dispatch to one subcommand per file (cli/cmd_*.c).
 *
 * Exit status: 0 success, 1 runtime failure, 2 usage error (the table below and
 * each subcommand's --help say more).
 */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "hpo/hpo.h"
#include "mlp/mlp.h"

static int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("hpo %s\n", hpo_version_string());
    return 0;
}

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"demo", cmd_demo, "tune the reference MLP on Fashion-MNIST (auto sampler + median pruning)"},
    {"run", cmd_run, "tune a training command: sample, launch, read metrics, prune"},
    {"trial", cmd_trial, "suggest/report from inside a command run by 'hpo run'"},
    {"study", cmd_study, "create, list, delete studies; set a study's user attribute"},
    {"trials", cmd_trials, "list a study's trials (table, csv, json)"},
    {"best", cmd_best, "the best trial (json, params, or --name=value arguments)"},
    {"ask", cmd_ask, "start a trial with a JSON search space and print its params"},
    {"tell", cmd_tell, "finish a trial with values or a state"},
    {"train-mlp", cmd_train_mlp, "train one MLP configuration on (Fashion-)MNIST"},
    {"storage", cmd_storage, "upgrade an Optuna 3.0/3.1 database (storage upgrade URL)"},
    {"plot", cmd_plot, "draw one plot of a study as SVG"},
    {"importance", cmd_importance, "parameter importances (PED-ANOVA or fANOVA)"},
    {"report", cmd_report, "write a self-contained HTML report of a study"},
    {"dashboard", cmd_dashboard, "serve a read-only web dashboard of a storage's studies"},
    {"env", cmd_env, "this machine's environment fingerprint; env diff: a study's workers"},
    {"version", cmd_version, "print the version"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: hpo [--version] [--help] <command> [args]\n\n"
                 "hpo: hyperparameter optimisation in C (GP, TPE, CMA-ES and more; pruning;\n"
                 "Optuna-compatible studies).\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nRun 'hpo <command> --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
    hpo__mlp_blas_init(); /* OpenBLAS's idle threads would spin beside every command */
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        printf("hpo %s\n", hpo_version_string());
        return 0;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
            strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "hpo: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
