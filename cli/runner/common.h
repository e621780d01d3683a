/*
 * common.h - option parsing and storage/study opening shared by the runner's
 * subcommands (run, trial, study, trials, best, ask, tell).
 *
 * Every subcommand takes --storage URL (default: $HPO_STORAGE) and, where it
 * works on one study, --study NAME (alias --study-name; default $HPO_STUDY).
 * Exit statuses: 0 success, 1 runtime failure, 2 usage error.
 */
#ifndef HPO_CLI_RUNNER_COMMON_H
#define HPO_CLI_RUNNER_COMMON_H

#include <stdbool.h>
#include <stdint.h>

#include "hpo/hpo.h"

#define CLI_EXIT_OK    0
#define CLI_EXIT_FAIL  1
#define CLI_EXIT_USAGE 2

/**
 * Match argv[*i] against an option that takes a value ("--name VALUE" or
 * "--name=VALUE"). Returns 1 and sets *value (advancing *i past a separate
 * value), 0 when argv[*i] is another option, -1 (message printed) when the
 * value is missing. alias may be NULL.
 */
int cli_opt_value(const char *cmd, int argc, char **argv, int *i, const char *name,
        const char *alias, const char **value);
/** Is argv[i] this flag (or its short form, which may be NULL)? */
bool cli_opt_flag(const char *arg, const char *name, const char *short_name);

/** Print "hpo CMD: message" to stderr and return CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Print "hpo CMD: message" to stderr and return CLI_EXIT_FAIL. */
int cli_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Parse integers and numbers in full; 0 on success. */
int cli_parse_i64(const char *s, int64_t *out);
int cli_parse_double(const char *s, double *out);
/** "minimize"/"maximize" (any case, also min/max); 0 on success. */
int cli_parse_direction(const char *s, hpo_direction *out);

/** The storage URL: explicit, else $HPO_STORAGE, else NULL (message printed). */
const char *cli_storage_url(const char *cmd, const char *explicit_url);
/** The study name: explicit, else $HPO_STUDY, else NULL (message printed). */
const char *cli_study_name(const char *cmd, const char *explicit_name);

/** Open a storage; prints the error and returns NULL on failure. */
hpo_storage *cli_open_storage(const char *cmd, const char *url);
/** Load a study; prints the error and returns NULL on failure. */
hpo_study *cli_load_study(const char *cmd, hpo_storage *storage, const char *name);

#endif
