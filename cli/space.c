/*
 * space.c - search spaces for `hpo run` / `hpo ask` (see space.h): parsing
 * --param flags, JSON and YAML files, conditions, and sampling a trial.
 *
 * YAML goes through libyaml's event parser into the same jansson tree as JSON,
 * so there is a single loader; the space stays a flat list in file order,
 * and a condition may only look back, which keeps sampling a single pass.
 */
#include "space.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

/* Largest space file read. */
#define SPACE_FILE_MAX (16 * 1024 * 1024)

static int space_err(char *err, size_t errlen, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int space_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- values ---------------------------------------------------------------- */

char *cli_value_text(hpo_value v)
{
    char buf[64];
    switch (v.type) {
    case HPO_VALUE_STRING:
        return strdup(v.u.s);
    case HPO_VALUE_INT:
        snprintf(buf, sizeof(buf), "%lld", (long long)v.u.i);
        break;
    case HPO_VALUE_BOOL:
        snprintf(buf, sizeof(buf), "%s", v.u.b ? "true" : "false");
        break;
    case HPO_VALUE_FLOAT:
        /* Shortest %g that reads back as the same double. */
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(buf, sizeof(buf), "%.*g", prec, v.u.f);
            if (strtod(buf, NULL) == v.u.f || isnan(v.u.f))
                break;
        }
        break;
    default:
        buf[0] = '\0';
        break;
    }
    return strdup(buf);
}

json_t *cli_value_json(hpo_value v)
{
    switch (v.type) {
    case HPO_VALUE_STRING:
        return json_string(v.u.s);
    case HPO_VALUE_INT:
        return json_integer((json_int_t)v.u.i);
    case HPO_VALUE_BOOL:
        return json_boolean(v.u.b);
    case HPO_VALUE_FLOAT:
        return isfinite(v.u.f) ? json_real(v.u.f) : json_null();
    default:
        return json_null();
    }
}

static void newline(FILE *f, int indent, int depth)
{
    if (indent > 0)
        fprintf(f, "\n%*s", indent * depth, "");
}

static void json_print_at(FILE *f, const json_t *j, int indent, int depth)
{
    const char *key;
    json_t *v;
    size_t i, n = 0;
    char *txt;
    switch (json_typeof(j)) {
    case JSON_OBJECT:
        fputc('{', f);
        json_object_foreach ((json_t *)j, key, v) {
            json_t *k = json_string(key);
            fputs(n++ ? (indent > 0 ? "," : ", ") : "", f);
            newline(f, indent, depth + 1);
            json_print_at(f, k, indent, depth + 1);
            json_decref(k);
            fputs(": ", f);
            json_print_at(f, v, indent, depth + 1);
        }
        if (n > 0)
            newline(f, indent, depth);
        fputc('}', f);
        break;
    case JSON_ARRAY:
        fputc('[', f);
        json_array_foreach ((json_t *)j, i, v) {
            fputs(i ? (indent > 0 ? "," : ", ") : "", f);
            newline(f, indent, depth + 1);
            json_print_at(f, v, indent, depth + 1);
        }
        if (json_array_size(j) > 0)
            newline(f, indent, depth);
        fputc(']', f);
        break;
    case JSON_REAL:
        txt = cli_value_text(hpo_value_float(json_real_value(j)));
        /* Keep it a float for readers that tell 1 from 1.0. */
        fprintf(f, "%s%s", txt ? txt : "null",
                txt && strpbrk(txt, ".eEn") == NULL ? ".0" : "");
        free(txt);
        break;
    default:
        txt = json_dumps(j, JSON_ENCODE_ANY);
        fputs(txt ? txt : "null", f);
        free(txt);
        break;
    }
}

void cli_json_print(FILE *f, const json_t *j, int indent)
{
    json_print_at(f, j, indent, 0);
    fputc('\n', f);
}

/* Does value v equal the JSON scalar j (numbers compare by value)? */
static bool value_matches(hpo_value v, const json_t *j)
{
    switch (v.type) {
    case HPO_VALUE_STRING:
        return json_is_string(j) && strcmp(json_string_value(j), v.u.s) == 0;
    case HPO_VALUE_INT:
        return json_is_number(j) && json_number_value(j) == (double)v.u.i;
    case HPO_VALUE_FLOAT:
        return json_is_number(j) && json_number_value(j) == v.u.f;
    case HPO_VALUE_BOOL:
        return json_is_boolean(j) && json_is_true(j) == v.u.b;
    default:
        return json_is_null(j);
    }
}

/* ---- building -------------------------------------------------------------- */

long cli_space_find(const cli_space *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->params[i].name, name) == 0)
            return (long)i;
    return -1;
}

static void param_clear(cli_param *p)
{
    free(p->name);
    hpo_distribution_free(p->dist);
    for (size_t i = 0; i < p->n_conds; i++)
        json_decref(p->conds[i].allowed);
    free(p->conds);
}

void cli_space_free(cli_space *s)
{
    for (size_t i = 0; i < s->n; i++)
        param_clear(&s->params[i]);
    free(s->params);
    s->params = NULL;
    s->n = 0;
}

static int check_name(const char *name, size_t len, char *err, size_t errlen)
{
    if (len == 0)
        return space_err(err, errlen, "empty parameter name");
    if (len > 512)
        return space_err(err, errlen, "parameter name '%.40s...' is longer than 512 bytes", name);
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (c == '{' || c == '}' || c == '=' || c == '\0')
            return space_err(err, errlen, "parameter name '%.*s' may not contain '%c'", (int)len,
                    name, c ? c : '0');
    }
    return 0;
}

/* Append a parameter; takes dist (freed on failure). */
static int push_param(cli_space *s, const char *name, size_t len, hpo_distribution *dist,
        char *err, size_t errlen)
{
    cli_param *grown;
    char *copy;
    if (check_name(name, len, err, errlen) != 0)
        goto fail;
    copy = strndup(name, len);
    if (copy == NULL) {
        space_err(err, errlen, "out of memory");
        goto fail;
    }
    if (cli_space_find(s, copy) >= 0) {
        space_err(err, errlen, "parameter '%s' is defined twice", copy);
        free(copy);
        goto fail;
    }
    grown = realloc(s->params, (s->n + 1) * sizeof(*grown));
    if (grown == NULL) {
        free(copy);
        space_err(err, errlen, "out of memory");
        goto fail;
    }
    s->params = grown;
    memset(&s->params[s->n], 0, sizeof(s->params[s->n]));
    s->params[s->n].name = copy;
    s->params[s->n].dist = dist;
    s->n++;
    return 0;
fail:
    hpo_distribution_free(dist);
    return -1;
}

static int parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    return (end == s || *end != '\0' || errno == ERANGE || !isfinite(*out)) ? -1 : 0;
}

static int parse_int(const char *s, long long *out)
{
    char *end;
    errno = 0;
    *out = strtoll(s, &end, 10);
    return (end == s || *end != '\0' || errno == ERANGE) ? -1 : 0;
}

/* "LOW:HIGH[:log][:step=S]" for float or int; fields is a writable copy. */
static int numeric_dist(const char *what, bool is_int, char *fields, hpo_distribution **out,
        char *err, size_t errlen)
{
    char *save = NULL, *tok[8];
    size_t n = 0;
    bool log = false;
    const char *step = NULL;
    for (char *t = strtok_r(fields, ":", &save); t != NULL; t = strtok_r(NULL, ":", &save)) {
        if (n == 8)
            return space_err(err, errlen, "%s: too many ':' fields", what);
        tok[n++] = t;
    }
    if (n < 2)
        return space_err(err, errlen, "%s: expected LOW:HIGH", what);
    for (size_t i = 2; i < n; i++) {
        if (strcmp(tok[i], "log") == 0)
            log = true;
        else if (strncmp(tok[i], "step=", 5) == 0)
            step = tok[i] + 5;
        else
            return space_err(err, errlen, "%s: unknown option '%s' (expected log or step=S)", what,
                    tok[i]);
    }
    if (is_int) {
        long long lo, hi, st = 1;
        if (parse_int(tok[0], &lo) != 0 || parse_int(tok[1], &hi) != 0)
            return space_err(err, errlen, "%s: bounds '%s' and '%s' must be integers", what, tok[0],
                    tok[1]);
        if (step != NULL && parse_int(step, &st) != 0)
            return space_err(err, errlen, "%s: step '%s' is not an integer", what, step);
        if (hpo_distribution_int_new(out, lo, hi, st, log) != HPO_OK)
            return space_err(err, errlen, "%s: %s", what, hpo_last_error());
    } else {
        double lo, hi, st = HPO_NO_STEP;
        if (parse_double(tok[0], &lo) != 0 || parse_double(tok[1], &hi) != 0)
            return space_err(err, errlen, "%s: bounds '%s' and '%s' must be finite numbers", what,
                    tok[0], tok[1]);
        if (step != NULL && (parse_double(step, &st) != 0 || st <= 0.0))
            return space_err(err, errlen, "%s: step '%s' must be a positive number", what, step);
        if (hpo_distribution_float_new(out, lo, hi, st, log) != HPO_OK)
            return space_err(err, errlen, "%s: %s", what, hpo_last_error());
    }
    return 0;
}

/* "A,B,C": string choices. */
static int categorical_dist(const char *what, const char *list, hpo_distribution **out,
        char *err, size_t errlen)
{
    size_t n = 1, k = 0;
    hpo_value *vals;
    char *copy = strdup(list), *p;
    int rc = 0;
    if (copy == NULL)
        return space_err(err, errlen, "out of memory");
    for (p = copy; *p; p++)
        n += *p == ',';
    vals = calloc(n, sizeof(*vals));
    if (vals == NULL) {
        free(copy);
        return space_err(err, errlen, "out of memory");
    }
    for (p = copy;;) {
        char *comma = strchr(p, ',');
        if (comma != NULL)
            *comma = '\0';
        vals[k++] = hpo_value_string(p);
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    if (hpo_distribution_categorical_new(out, vals, n) != HPO_OK)
        rc = space_err(err, errlen, "%s: %s", what, hpo_last_error());
    free(vals);
    free(copy);
    return rc;
}

/* "float:...", "int:...", "cat:..." (the part after "name="). */
static int dist_from_text(const char *name, const char *text, hpo_distribution **out,
        char *err, size_t errlen)
{
    char what[600];
    const char *colon = strchr(text, ':');
    size_t kind_len = colon ? (size_t)(colon - text) : strlen(text);
    char *fields;
    int rc;
    *out = NULL;
    snprintf(what, sizeof(what), "parameter '%.500s'", name);
    if (colon == NULL)
        return space_err(err, errlen, "%s: '%.200s' should be float:LOW:HIGH, int:LOW:HIGH or cat:A,B",
                what, text);
    if ((kind_len == 3 && strncmp(text, "cat", 3) == 0) ||
            (kind_len == 11 && strncmp(text, "categorical", 11) == 0))
        return categorical_dist(what, colon + 1, out, err, errlen);
    if (!(kind_len == 5 && strncmp(text, "float", 5) == 0) &&
            !(kind_len == 3 && strncmp(text, "int", 3) == 0))
        return space_err(err, errlen, "%s: unknown type '%.*s' (float, int or cat)", what,
                (int)(kind_len > 40 ? 40 : kind_len), text);
    fields = strdup(colon + 1);
    if (fields == NULL)
        return space_err(err, errlen, "out of memory");
    rc = numeric_dist(what, kind_len == 3, fields, out, err, errlen);
    free(fields);
    return rc;
}

int cli_space_add_flag(cli_space *s, const char *spec, char *err, size_t errlen)
{
    const char *eq = strchr(spec, '=');
    hpo_distribution *d;
    char *name;
    int rc;
    if (eq == NULL)
        return space_err(err, errlen, "--param '%.200s': expected NAME=TYPE:..., e.g. "
                                 "lr=float:1e-5:1e-1:log",
                spec);
    name = strndup(spec, (size_t)(eq - spec));
    if (name == NULL)
        return space_err(err, errlen, "out of memory");
    rc = dist_from_text(name, eq + 1, &d, err, errlen);
    if (rc == 0)
        rc = push_param(s, name, strlen(name), d, err, errlen);
    free(name);
    return rc;
}

/* "when": {"opt": "Adam"} or {"opt": ["Adam", "SGD"]}, on parameter s->n - 1. */
static int add_conditions(cli_space *s, const json_t *when, char *err, size_t errlen)
{
    cli_param *p = &s->params[s->n - 1];
    const char *key;
    json_t *val;
    if (!json_is_object(when))
        return space_err(err, errlen, "parameter '%s': \"when\" must be an object", p->name);
    p->conds = calloc(json_object_size(when) + 1, sizeof(*p->conds));
    if (p->conds == NULL)
        return space_err(err, errlen, "out of memory");
    json_object_foreach ((json_t *)when, key, val) {
        long dep = cli_space_find(s, key);
        json_t *allowed;
        size_t i;
        json_t *v;
        if (dep < 0 || (size_t)dep >= s->n - 1)
            return space_err(err, errlen,
                    "parameter '%s': condition on '%s', which is not defined before it",
                    p->name, key);
        allowed = json_is_array(val) ? json_incref(val) : json_pack("[O]", val);
        if (allowed == NULL)
            return space_err(err, errlen, "out of memory");
        p->conds[p->n_conds].param = (size_t)dep;
        p->conds[p->n_conds].allowed = allowed;
        p->n_conds++;
        json_array_foreach (allowed, i, v) {
            const hpo_distribution *d = s->params[dep].dist;
            bool ok = false;
            if (json_is_object(v) || json_is_array(v))
                return space_err(err, errlen, "parameter '%s': condition values must be scalars",
                        p->name);
            if (hpo_distribution_kind(d) != HPO_DIST_CATEGORICAL)
                continue;
            for (size_t c = 0; c < hpo_distribution_n_choices(d) && !ok; c++)
                ok = value_matches(hpo_distribution_choice(d, c), v);
            if (!ok) {
                char *txt = json_dumps(v, JSON_ENCODE_ANY);
                space_err(err, errlen, "parameter '%s': condition %s=%s is not one of its choices",
                        p->name, key, txt ? txt : "?");
                free(txt);
                return -1;
            }
        }
    }
    return 0;
}

static int add_json_param(cli_space *s, const char *name, const json_t *spec, char *err,
        size_t errlen)
{
    hpo_distribution *d = NULL;
    const json_t *when = NULL;
    if (json_is_string(spec)) {
        if (dist_from_text(name, json_string_value(spec), &d, err, errlen) != 0)
            return -1;
    } else if (json_is_array(spec)) {
        json_t *obj = json_pack("{s:s, s:O}", "type", "categorical", "choices", spec);
        char *txt = obj ? json_dumps(obj, 0) : NULL;
        int rc = txt ? hpo_distribution_from_json(&d, txt) : HPO_ENOMEM;
        json_decref(obj);
        free(txt);
        if (rc != HPO_OK)
            return space_err(err, errlen, "parameter '%s': %s", name, hpo_last_error());
    } else if (json_is_object(spec)) {
        char *txt = json_dumps(spec, 0);
        int rc = txt ? hpo_distribution_from_json(&d, txt) : HPO_ENOMEM;
        free(txt);
        if (rc != HPO_OK)
            return space_err(err, errlen, "parameter '%s': %s", name, hpo_last_error());
        when = json_object_get(spec, "when");
    } else {
        return space_err(err, errlen,
                "parameter '%s': expected \"float:LOW:HIGH\", a list of choices or an object",
                name);
    }
    if (push_param(s, name, strlen(name), d, err, errlen) != 0)
        return -1;
    return when != NULL ? add_conditions(s, when, err, errlen) : 0;
}

static int add_json(cli_space *s, const json_t *root, char *err, size_t errlen)
{
    const char *key;
    json_t *val;
    if (!json_is_object(root))
        return space_err(err, errlen, "a search space must be an object of name -> distribution");
    json_object_foreach ((json_t *)root, key, val) {
        if (add_json_param(s, key, val, err, errlen) != 0)
            return -1;
    }
    return 0;
}

int cli_space_add_json_text(cli_space *s, const char *text, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr);
    int rc;
    if (root == NULL)
        return space_err(err, errlen, "search space JSON, line %d column %d: %s", jerr.line,
                jerr.column, jerr.text);
    rc = add_json(s, root, err, errlen);
    json_decref(root);
    return rc;
}

/* ---- YAML ------------------------------------------------------------------ */

static json_t *yaml_scalar(const yaml_event_t *ev)
{
    const char *v = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    long long i;
    double d;
    if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return json_stringn(v, len);
    if (len == 0 || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
            strcmp(v, "NULL") == 0)
        return json_null();
    if (strcmp(v, "true") == 0 || strcmp(v, "True") == 0 || strcmp(v, "TRUE") == 0)
        return json_true();
    if (strcmp(v, "false") == 0 || strcmp(v, "False") == 0 || strcmp(v, "FALSE") == 0)
        return json_false();
    if (strlen(v) == len && parse_int(v, &i) == 0)
        return json_integer(i);
    if (strlen(v) == len && parse_double(v, &d) == 0)
        return json_real(d);
    return json_stringn(v, len);
}

/* Attach value to the container on top of the stack (key pending for mappings). */
static int yaml_attach(json_t **stack, char **keys, size_t depth, json_t *value, json_t **root)
{
    json_t *top;
    int rc;
    if (depth == 0) {
        *root = value;
        return 0;
    }
    top = stack[depth - 1];
    if (json_is_array(top))
        return json_array_append_new(top, value);
    if (keys[depth - 1] == NULL) {
        /* This value is a key: it must be a scalar. */
        const char *k = json_is_string(value) ? json_string_value(value) : NULL;
        char buf[64];
        if (json_is_integer(value)) {
            snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(value));
            k = buf;
        }
        if (k == NULL || (keys[depth - 1] = strdup(k)) == NULL) {
            json_decref(value);
            return -1;
        }
        json_decref(value);
        return 0;
    }
    rc = json_object_set_new(top, keys[depth - 1], value);
    free(keys[depth - 1]);
    keys[depth - 1] = NULL;
    return rc;
}

#define YAML_MAX_DEPTH 64

int cli_yaml_to_json(const char *text, size_t len, json_t **out, char *err, size_t errlen)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    json_t *stack[YAML_MAX_DEPTH], *root = NULL;
    char *keys[YAML_MAX_DEPTH];
    size_t depth = 0;
    int rc = -1;
    bool done = false;
    *out = NULL;
    if (!yaml_parser_initialize(&parser))
        return space_err(err, errlen, "out of memory");
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    while (!done) {
        json_t *node = NULL;
        size_t line;
        if (!yaml_parser_parse(&parser, &ev)) {
            space_err(err, errlen, "YAML line %zu: %s", parser.problem_mark.line + 1,
                    parser.problem ? parser.problem : "parse error");
            goto out;
        }
        line = ev.start_mark.line + 1; /* yaml_event_delete clears ev */
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
        case YAML_DOCUMENT_END_EVENT:
            done = ev.type == YAML_STREAM_END_EVENT || depth == 0;
            break;
        case YAML_ALIAS_EVENT:
            yaml_event_delete(&ev);
            space_err(err, errlen, "YAML line %zu: aliases are not supported", line);
            goto out;
        case YAML_SCALAR_EVENT:
            node = yaml_scalar(&ev);
            if (node == NULL || yaml_attach(stack, keys, depth, node, &root) != 0) {
                yaml_event_delete(&ev);
                space_err(err, errlen, "YAML line %zu: bad key or out of memory", line);
                goto out;
            }
            break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            if (depth == YAML_MAX_DEPTH) {
                yaml_event_delete(&ev);
                space_err(err, errlen, "YAML nested deeper than %d levels", YAML_MAX_DEPTH);
                goto out;
            }
            node = ev.type == YAML_SEQUENCE_START_EVENT ? json_array() : json_object();
            if (node == NULL || yaml_attach(stack, keys, depth, json_incref(node), &root) != 0) {
                json_decref(node);
                yaml_event_delete(&ev);
                space_err(err, errlen, "YAML line %zu: a mapping or list cannot be a key", line);
                goto out;
            }
            stack[depth] = node;
            keys[depth] = NULL;
            depth++;
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            depth--;
            free(keys[depth]);
            json_decref(stack[depth]);
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
        if (done && root == NULL) {
            space_err(err, errlen, "YAML document is empty");
            goto out;
        }
    }
    *out = root;
    root = NULL;
    rc = 0;
out:
    while (depth > 0) {
        depth--;
        free(keys[depth]);
        json_decref(stack[depth]);
    }
    json_decref(root);
    yaml_parser_delete(&parser);
    return rc;
}

/* ---- files ----------------------------------------------------------------- */

static int read_file(const char *path, char **out, size_t *len_out, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0;
    if (f == NULL)
        return space_err(err, errlen, "cannot open '%s': %s", path, strerror(errno));
    for (;;) {
        size_t got;
        if (cap - len < 4096) {
            char *grown;
            cap = cap ? cap * 2 : 8192;
            if (cap > SPACE_FILE_MAX + 8192 || (grown = realloc(buf, cap)) == NULL) {
                free(buf);
                fclose(f);
                return space_err(err, errlen, "'%s' is too large for a search space", path);
            }
            buf = grown;
        }
        got = fread(buf + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        free(buf);
        fclose(f);
        return space_err(err, errlen, "cannot read '%s'", path);
    }
    fclose(f);
    buf[len] = '\0';
    *out = buf;
    *len_out = len;
    return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

int cli_space_load_file(cli_space *s, const char *path, char *err, size_t errlen)
{
    char *text = NULL;
    size_t len = 0;
    json_t *root = NULL;
    int rc;
    if (read_file(path, &text, &len, err, errlen) != 0)
        return -1;
    if (ends_with(path, ".yaml") || ends_with(path, ".yml")) {
        rc = cli_yaml_to_json(text, len, &root, err, errlen);
    } else {
        json_error_t jerr;
        root = json_loadb(text, len, 0, &jerr);
        rc = root ? 0 : space_err(err, errlen, "%s:%d:%d: %s", path, jerr.line, jerr.column,
                                   jerr.text);
    }
    free(text);
    if (rc == 0)
        rc = add_json(s, root, err, errlen);
    json_decref(root);
    if (rc != 0 && strstr(err, path) == NULL) {
        char msg[1024];
        snprintf(msg, sizeof(msg), "%s: %s", path, err);
        snprintf(err, errlen, "%s", msg);
    }
    return rc;
}

/* ---- sampling -------------------------------------------------------------- */

static bool conditions_hold(const cli_param *p, const cli_assign *a)
{
    for (size_t c = 0; c < p->n_conds; c++) {
        const cli_assign *dep = &a[p->conds[c].param];
        bool ok = false;
        size_t i;
        json_t *v;
        if (!dep->active)
            return false;
        json_array_foreach (p->conds[c].allowed, i, v)
            ok = ok || value_matches(dep->value, v);
        if (!ok)
            return false;
    }
    return true;
}

void cli_assign_clear(cli_assign *a, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(a[i].text);
        a[i].text = NULL;
        a[i].active = false;
    }
}

int cli_space_sample(const cli_space *s, hpo_trial *trial, cli_assign *out, char *err,
        size_t errlen)
{
    for (size_t i = 0; i < s->n; i++)
        memset(&out[i], 0, sizeof(out[i]));
    for (size_t i = 0; i < s->n; i++) {
        const cli_param *p = &s->params[i];
        double internal;
        if (!conditions_hold(p, out))
            continue;
        if (hpo_trial_suggest(trial, p->name, p->dist, &internal) != HPO_OK) {
            space_err(err, errlen, "suggest '%s': %s", p->name, hpo_last_error());
            goto fail;
        }
        switch (hpo_distribution_kind(p->dist)) {
        case HPO_DIST_CATEGORICAL:
            out[i].value = hpo_distribution_choice(p->dist, (size_t)internal);
            break;
        case HPO_DIST_INT:
            out[i].value = hpo_value_int((int64_t)llround(internal));
            break;
        default:
            out[i].value = hpo_value_float(internal);
            break;
        }
        out[i].active = true;
        out[i].text = cli_value_text(out[i].value);
        if (out[i].text == NULL) {
            space_err(err, errlen, "out of memory");
            goto fail;
        }
    }
    return 0;
fail:
    cli_assign_clear(out, s->n);
    return -1;
}
