/*
 * template.h - `{name}` substitution into one argv item of the command that
 * `hpo run` launches.
 *
 * `{name}` is replaced by the lookup's text for name; `{{` and `}}` stand for
 * literal braces. A name is letters, digits, `_ - . /`. Any other brace, an
 * empty or unterminated `{...}`, or a name the lookup does not know is an
 * error with a message naming it, so a typo never reaches the child.
 */
#ifndef HPO_CLI_TEMPLATE_H
#define HPO_CLI_TEMPLATE_H

#include <stddef.h>

/* Results of a lookup. */
#define CLI_TEMPLATE_FOUND    0
#define CLI_TEMPLATE_UNKNOWN  1 /* not a name at all: an error */
#define CLI_TEMPLATE_INACTIVE 2 /* a known name without a value in this trial */

/**
 * Look up name[0..len) (not NUL-terminated). On CLI_TEMPLATE_FOUND set *value
 * to a NUL-terminated string that stays valid until the expansion returns.
 */
typedef int (*cli_template_lookup_fn)(const char *name, size_t len, const char **value,
        void *payload);

/* Results of cli_template_expand. */
#define CLI_TEMPLATE_OK      0
#define CLI_TEMPLATE_ERROR   -1 /* syntax error, unknown name or out of memory; see err */
#define CLI_TEMPLATE_DROPPED 1  /* mentions an inactive name: leave the item out */

/**
 * Expand tmpl. On CLI_TEMPLATE_OK *out is a malloc'd string the caller frees;
 * otherwise *out is NULL and (on error) err holds a one-line message.
 * lookup NULL only checks the syntax (every name counts as found).
 */
int cli_template_expand(const char *tmpl, cli_template_lookup_fn lookup, void *payload,
        char **out, char *err, size_t errlen);

#endif
