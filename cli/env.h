/*
 * env.h - this machine's environment fingerprint (`hpo env`, recorded by `hpo run`):
 * OS, kernel, CPU, memory, GPUs and driver (nvidia-smi when on PATH), CUDA, Python
 * with the torch/torchvision/numpy versions and a hash of the installed
 * distributions (Python's importlib.metadata, no import of the packages),
 * container, hpo version. The fingerprint's hash identifies it in a study.
 */
#ifndef HPO_CLI_ENV_H
#define HPO_CLI_ENV_H

#include <jansson.h>

/** stdout of argv (stderr dropped) into buf, at most 10 s; 0 when it exited 0. */
int cli_capture(char *const argv[], char *buf, size_t size);
/** The fingerprint as a JSON object (new reference), or NULL when out of memory. */
json_t *cli_env_collect(void);
/** 16 hex digits (FNV-1a 64 of the canonical JSON) into out[17]. */
void cli_env_hash(const json_t *env, char out[17]);

#endif
