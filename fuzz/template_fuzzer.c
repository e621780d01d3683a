/*
 * template_fuzzer.c - libFuzzer target for the `{name}` substitution of
 * `hpo run` (cli/template.c). The lookup knows names starting with 'k',
 * reports names starting with 'i' as inactive and everything else as unknown,
 * and its values contain braces, which must come out unexpanded. Its corpus
 * (fuzz/corpus/template) is replayed by tests/test_cli_parse.c.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -Iinclude \
 *       fuzz/template_fuzzer.c cli/template.c -o template_fuzzer
 *   ./template_fuzzer fuzz/corpus/template
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int lookup(const char *name, size_t len, const char **value, void *payload)
{
    (void)payload;
    if (len > 0 && name[0] == 'k') {
        *value = "{k}}{";
        return CLI_TEMPLATE_FOUND;
    }
    if (len > 0 && name[0] == 'i')
        return CLI_TEMPLATE_INACTIVE;
    return CLI_TEMPLATE_UNKNOWN;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1), *out = NULL, err[256];
    int rc;
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    rc = cli_template_expand(s, lookup, NULL, &out, err, sizeof(err));
    if ((rc == CLI_TEMPLATE_OK) != (out != NULL))
        abort();
    /* Without placeholders or braces the text comes out unchanged. */
    if (rc == CLI_TEMPLATE_OK && strpbrk(s, "{}") == NULL && strcmp(s, out) != 0)
        abort();
    free(out);
    free(s);
    return 0;
}
