/*
 * viz_cli.h - what `hpo plot`, `hpo importance`, `hpo report` and
 * `hpo dashboard` share: opening the study, the evaluator and parameter-list
 * options, and writing an output file atomically.
 */
#ifndef HPO_CLI_VIZ_CLI_H
#define HPO_CLI_VIZ_CLI_H

#include <stddef.h>

#include "hpo/hpo.h"

/** Open storage and study (storage/name NULL: $HPO_STORAGE/$HPO_STUDY). NULL on failure,
 * with *rc the exit status (1 runtime, 2 usage) and a message printed. */
hpo_study *viz_cli_open(const char *cmd,
                        const char *storage_url,
                        const char *study_name,
                        hpo_storage **storage_out,
                        int *rc);
/** "ped-anova" (or "pedanova") and "fanova". Returns 0, or 2 with a message. */
int viz_cli_evaluator(const char *cmd, const char *s, hpo_importance_kind *out);
/** Split "a,b,c" into a NULL-terminated array (one malloc'd block, free() it). 0 or 2. */
int viz_cli_split(const char *cmd, const char *list, char ***out, size_t *n_out);
/** Write data to path ("-" or NULL: stdout) through a temporary file and rename. 0 or 1. */
int viz_cli_write(const char *cmd, const char *path, const char *data, size_t len);
/** A non-negative integer option value. 0 or 2 with a message. */
int viz_cli_size(const char *cmd,
                 const char *flag,
                 const char *s,
                 unsigned long long max,
                 unsigned long long *out);

#endif
