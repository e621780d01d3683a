/*
 * gpu.h - the GPU list behind `hpo run --gpus`: "0,1,3" as given, or "all"
 * from `nvidia-smi -L` (its "GPU N: ..." lines).
 */
#ifndef HPO_CLI_RUNNER_GPU_H
#define HPO_CLI_RUNNER_GPU_H

#include <stddef.h>

/** Parse arg into a malloc'd array of id strings. 0, or -1 with err set. */
int rn_gpus_parse(const char *arg, char ***out, size_t *n_out, char *err, size_t errlen);
/** Ids from `nvidia-smi -L` output text. 0, or -1 with err set (no GPU listed). */
int rn_gpus_from_smi(const char *text, char ***out, size_t *n_out, char *err, size_t errlen);
void rn_gpus_free(char **gpus, size_t n);

#endif
