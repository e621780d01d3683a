/*
 * command.h - one trial's command line and environment for `hpo run`: the
 * argv templates with {name}, {trial_number} and {trial_id} substituted
 * (items naming an inactive conditional parameter are left out), and the
 * HPO_* variables plus CUDA_VISIBLE_DEVICES for the trial's GPU slot.
 */
#ifndef HPO_CLI_RUNNER_COMMAND_H
#define HPO_CLI_RUNNER_COMMAND_H

#include <stddef.h>
#include <stdint.h>

#include "cli/runner/runner.h"
#include "cli/space.h"

/** Check every template of cfg->cmd against the space's names. 0, or -1 with err. */
int rn_command_check(const rn_config *cfg, char *err, size_t errlen);

/**
 * The trial's argv (NULL-terminated, *n_out items, free with rn_strv_free), or
 * NULL with err set. assign holds cfg->space->n values.
 */
char **rn_command_argv(const rn_config *cfg, const cli_assign *assign, int64_t number,
        int64_t id, size_t *n_out, char *err, size_t errlen);

/**
 * NAME=VALUE strings the child gets on top of hpo's environment: HPO_STORAGE,
 * HPO_STUDY, HPO_TRIAL_ID, HPO_TRIAL_NUMBER, HPO_SAMPLER, HPO_PRUNER, HPO_SEED,
 * HPO_PARAM_<NAME> for each active parameter, and CUDA_VISIBLE_DEVICES when
 * slot >= 0 and cfg has GPUs. NULL when out of memory.
 */
char **rn_command_env(const rn_config *cfg, const cli_assign *assign, int64_t number,
        int64_t id, int slot, size_t *n_out);

/** Free n strings and the array. NULL is a no-op. */
void rn_strv_free(char **v, size_t n);

#endif
