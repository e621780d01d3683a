/*
 * commands.h - the hpo binary's subcommands, one file each (cli/cmd_*.c).
 * Each takes the arguments after the subcommand name (argv[0] is the name) and
 * returns the process exit status.
 */
#ifndef HPO_CLI_COMMANDS_H
#define HPO_CLI_COMMANDS_H

int cmd_demo(int argc, char **argv);
int cmd_train_mlp(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_trial(int argc, char **argv);
int cmd_study(int argc, char **argv);
int cmd_trials(int argc, char **argv);
int cmd_best(int argc, char **argv);
int cmd_ask(int argc, char **argv);
int cmd_tell(int argc, char **argv);
int cmd_storage(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_importance(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_dashboard(int argc, char **argv);
int cmd_env(int argc, char **argv);

#endif
