/*
 * space.h - the search space of `hpo run` and `hpo ask`: named distributions,
 * optionally conditional on earlier parameters, from flags or a JSON/YAML file.
 *
 * Flag syntax (--param):      name=float:LOW:HIGH[:log][:step=S]
 *                             name=int:LOW:HIGH[:log][:step=S]
 *                             name=cat:A,B,C        (string choices)
 * File syntax (--space F.json|F.yaml): an object, in order, of name -> either
 *   the same "float:LOW:HIGH..." text, a list of choices, or an object in
 *   Optuna's distribution JSON (full {"name": "FloatDistribution",
 *   "attributes": {...}} or abbreviated {"type": "float", "low": .., "high": ..,
 *   "log": .., "step": ..} / {"type": "categorical", "choices": [..]}), plus an
 *   optional "when": {"opt": "Adam"} or {"opt": ["Adam", "RMSprop"]}: the
 *   parameter exists only in trials where every named earlier parameter exists
 *   and has one of the listed values.
 */
#ifndef HPO_CLI_SPACE_H
#define HPO_CLI_SPACE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "hpo/hpo.h"

typedef struct cli_cond {
    size_t param;   /* index of an earlier parameter */
    json_t *allowed; /* array of JSON scalars */
} cli_cond;

typedef struct cli_param {
    char *name;
    hpo_distribution *dist;
    cli_cond *conds;
    size_t n_conds;
} cli_param;

typedef struct cli_space {
    cli_param *params;
    size_t n;
} cli_space;

/* One parameter's value in one trial. */
typedef struct cli_assign {
    bool active;
    hpo_value value; /* strings borrowed from the space's distribution */
    char *text;      /* the value as substituted into the command (malloc'd) */
} cli_assign;

/* All functions returning int give 0 on success, -1 with a message in err. */

/** Add one --param flag. */
int cli_space_add_flag(cli_space *s, const char *spec, char *err, size_t errlen);
/** Add every parameter of a JSON text (an object of name -> spec). */
int cli_space_add_json_text(cli_space *s, const char *text, char *err, size_t errlen);
/** Add every parameter of a .json, .yaml or .yml file. */
int cli_space_load_file(cli_space *s, const char *path, char *err, size_t errlen);
/** Parse YAML text into JSON values (mappings keep their order). */
int cli_yaml_to_json(const char *text, size_t len, json_t **out, char *err, size_t errlen);
/** Index of name, or -1. */
long cli_space_find(const cli_space *s, const char *name);
void cli_space_free(cli_space *s);

/**
 * Suggest every active parameter on trial, in order, into out[0..s->n)
 * (release with cli_assign_clear). Inactive ones get active false.
 */
int cli_space_sample(const cli_space *s, hpo_trial *trial, cli_assign *out, char *err,
        size_t errlen);
void cli_assign_clear(cli_assign *a, size_t n);

/**
 * A value as text for a command line (malloc'd; NULL when out of memory):
 * floats in their shortest round-trip form, ints in decimal, strings as they
 * are, true/false, and an empty string for null.
 */
char *cli_value_text(hpo_value v);
/** A value as a new JSON value (NULL when out of memory). */
json_t *cli_value_json(hpo_value v);
/**
 * Print j as JSON text to f, numbers in their shortest round-trip form (0.1,
 * not jansson's 0.10000000000000001); indent 0 is one line as Python's
 * json.dumps writes it, otherwise that many spaces per level.
 */
void cli_json_print(FILE *f, const json_t *j, int indent);

#endif
