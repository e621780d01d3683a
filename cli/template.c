/*
 * template.c - `{name}` substitution (see template.h). Two passes: measure,
 * then copy, so the output is allocated once and a hostile template cannot make
 * it grow without bound beyond what its values add.
 */
#include "template.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool tmpl_name_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '.' || c == '/';
}

/*
 * One pass over tmpl. With dst NULL, only measures into *len_out. Returns
 * CLI_TEMPLATE_OK, _ERROR (err set) or _DROPPED.
 */
static int walk(const char *tmpl, cli_template_lookup_fn lookup, void *payload, char *dst,
        size_t *len_out, char *err, size_t errlen)
{
    size_t n = 0;
    const char *p = tmpl;
    while (*p != '\0') {
        if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
            if (dst)
                dst[n] = p[0];
            n++;
            p += 2;
        } else if (p[0] == '}') {
            snprintf(err, errlen, "single '}' at offset %zu in '%.200s' (write '}}' for a brace)",
                    (size_t)(p - tmpl), tmpl);
            return CLI_TEMPLATE_ERROR;
        } else if (p[0] == '{') {
            const char *name = p + 1, *q = name, *value = "";
            size_t vlen;
            int rc = CLI_TEMPLATE_FOUND;
            while (tmpl_name_char((unsigned char)*q))
                q++;
            if (*q != '}' || q == name) {
                snprintf(err, errlen,
                        "bad placeholder at offset %zu in '%.200s': expected {name} "
                        "(write '{{' for a brace)",
                        (size_t)(p - tmpl), tmpl);
                return CLI_TEMPLATE_ERROR;
            }
            if (lookup != NULL)
                rc = lookup(name, (size_t)(q - name), &value, payload);
            if (rc == CLI_TEMPLATE_UNKNOWN) {
                snprintf(err, errlen, "unknown name {%.*s} in '%.200s'",
                        (int)(q - name > 200 ? 200 : q - name), name, tmpl);
                return CLI_TEMPLATE_ERROR;
            }
            if (rc == CLI_TEMPLATE_INACTIVE)
                return CLI_TEMPLATE_DROPPED;
            vlen = strlen(value);
            if (dst)
                memcpy(dst + n, value, vlen);
            n += vlen;
            p = q + 1;
        } else {
            if (dst)
                dst[n] = *p;
            n++;
            p++;
        }
    }
    if (dst)
        dst[n] = '\0';
    *len_out = n;
    return CLI_TEMPLATE_OK;
}

int cli_template_expand(const char *tmpl, cli_template_lookup_fn lookup, void *payload,
        char **out, char *err, size_t errlen)
{
    size_t len = 0;
    char *buf;
    int rc;
    *out = NULL;
    if (errlen > 0)
        err[0] = '\0';
    rc = walk(tmpl, lookup, payload, NULL, &len, err, errlen);
    if (rc != CLI_TEMPLATE_OK)
        return rc;
    buf = malloc(len + 1);
    if (buf == NULL) {
        snprintf(err, errlen, "out of memory expanding '%.200s'", tmpl);
        return CLI_TEMPLATE_ERROR;
    }
    rc = walk(tmpl, lookup, payload, buf, &len, err, errlen);
    if (rc != CLI_TEMPLATE_OK) {
        free(buf);
        return rc;
    }
    *out = buf;
    return CLI_TEMPLATE_OK;
}
