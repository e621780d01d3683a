/*
 * metrics.c - the metric-line parser behind `hpo run` (see metrics.h).
 *
 * `name=value`: a name starts with a letter or '_' right after a byte that
 * cannot be part of a name, goes on with letters, digits and `_ - . /`, and is
 * followed by optional blanks, '=', optional blanks and a decimal number
 * (exponent allowed) or nan/inf/infinity. The number must not run into more
 * name characters ("lr=1e-3x" and "v=1.2.3" are not metrics). JSON object lines
 * go through jansson; anything it rejects falls back to the `name=value` scan.
 */
#include "metrics.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/json.h"

/* Longest number token handed to strtod; longer digit runs are not metrics. */
#define NUMBER_MAX 128
/* JSON lines longer than this are only scanned for name=value pairs. */
#define JSON_LINE_MAX (1024 * 1024)
/* Largest step accepted: integers above 2^53 are not exact as doubles. */
#define STEP_MAX 9007199254740992.0

static bool is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool is_name_start(unsigned char c)
{
    return is_alpha(c) || c == '_';
}

static bool is_name_char(unsigned char c)
{
    return is_alpha(c) || is_digit(c) || c == '_' || c == '-' || c == '.' || c == '/';
}

static bool is_blank(unsigned char c)
{
    return c == ' ' || c == '\t';
}

/* A step must be a finite non-negative integer that a double holds exactly. */
static bool step_value(double v, int64_t *out)
{
    if (!isfinite(v) || v < 0.0 || v > STEP_MAX || v != floor(v))
        return false;
    *out = (int64_t)v;
    return true;
}

static void add_metric(cli_metric_line *m, const char *name, size_t len, double v)
{
    if (m->n >= CLI_METRICS_MAX || len == 0 || len > CLI_METRIC_NAME_MAX)
        return;
    memcpy(m->items[m->n].name, name, len);
    m->items[m->n].name[len] = '\0';
    m->items[m->n].value = v;
    m->n++;
}

/* Case-insensitive match of word at s[0..avail). */
static bool has_word(const char *s, size_t avail, const char *word)
{
    size_t n = strlen(word);
    return avail >= n && strncasecmp(s, word, n) == 0;
}

/*
 * Scan a number at s[0..avail). On success *len_out is its length and *out its
 * value; the byte after it must not continue a name or a number.
 */
static bool scan_number(const char *s, size_t avail, size_t *len_out, double *out)
{
    const unsigned char *u = (const unsigned char *)s;
    char buf[NUMBER_MAX + 1];
    size_t i = 0, digits = 0;
    char *end;
    if (i < avail && (u[i] == '+' || u[i] == '-'))
        i++;
    if (has_word(s + i, avail - i, "infinity"))
        i += 8;
    else if (has_word(s + i, avail - i, "inf") || has_word(s + i, avail - i, "nan"))
        i += 3;
    else {
        while (i < avail && is_digit(u[i])) {
            i++;
            digits++;
        }
        if (i < avail && u[i] == '.') {
            i++;
            while (i < avail && is_digit(u[i])) {
                i++;
                digits++;
            }
        }
        if (digits == 0)
            return false;
        if (i < avail && (u[i] == 'e' || u[i] == 'E')) {
            size_t j = i + 1, exp_digits = 0;
            if (j < avail && (u[j] == '+' || u[j] == '-'))
                j++;
            while (j < avail && is_digit(u[j])) {
                j++;
                exp_digits++;
            }
            if (exp_digits > 0)
                i = j;
        }
    }
    /* "1.2.3", "0.5abc", "nanx": not a number standing alone. */
    if (i < avail && (is_alpha(u[i]) || is_digit(u[i]) || u[i] == '_' ||
                             (u[i] == '.' && i + 1 < avail && is_digit(u[i + 1]))))
        return false;
    if (i > NUMBER_MAX)
        return false;
    memcpy(buf, s, i);
    buf[i] = '\0';
    errno = 0;
    *out = strtod(buf, &end);
    if (end != buf + i)
        return false;
    *len_out = i;
    return true;
}

static void scan_pairs(const char *line, size_t len, cli_metric_line *m)
{
    const unsigned char *u = (const unsigned char *)line;
    bool have_epoch = false;
    int64_t epoch = 0;
    size_t i = 0;
    while (i < len) {
        size_t name_start, name_len, k, num_len;
        double v;
        if (!is_name_start(u[i]) || (i > 0 && is_name_char(u[i - 1]))) {
            i++;
            continue;
        }
        name_start = i;
        while (i < len && is_name_char(u[i]))
            i++;
        name_len = i - name_start;
        k = i;
        while (k < len && is_blank(u[k]))
            k++;
        if (k >= len || u[k] != '=')
            continue;
        k++;
        while (k < len && is_blank(u[k]))
            k++;
        if (!scan_number(line + k, len - k, &num_len, &v))
            continue;
        i = k + num_len;
        add_metric(m, line + name_start, name_len, v);
        if (name_len == 4 && memcmp(line + name_start, "step", 4) == 0) {
            int64_t s;
            if (step_value(v, &s)) {
                m->has_step = true;
                m->step = s;
            }
        } else if (name_len == 5 && memcmp(line + name_start, "epoch", 5) == 0) {
            have_epoch = step_value(v, &epoch) || have_epoch;
        }
    }
    if (!m->has_step && have_epoch) {
        m->has_step = true;
        m->step = epoch;
    }
}

/*
 * true when the line was a JSON object (its metrics are then in m). Python's
 * json.dumps writes NaN and Infinity as bare tokens; hpo__json_parse reads them.
 */
static bool parse_json(const char *line, size_t len, cli_metric_line *m)
{
    json_t *root = NULL;
    const char *key;
    json_t *val;
    const json_t *step;
    size_t i = 0;
    int64_t s;
    double d;
    char *text;
    while (i < len && (is_blank((unsigned char)line[i]) || line[i] == '\r'))
        i++;
    if (i >= len || line[i] != '{' || len > JSON_LINE_MAX || memchr(line + i, '\0', len - i))
        return false;
    text = malloc(len - i + 1);
    if (text == NULL)
        return false;
    memcpy(text, line + i, len - i);
    text[len - i] = '\0';
    if (hpo__json_parse(text, &root) != HPO_OK)
        root = NULL;
    free(text);
    if (root == NULL)
        return false;
    if (!json_is_object(root)) {
        json_decref(root);
        return false;
    }
    json_object_foreach (root, key, val) {
        if (hpo__json_number(val, &d))
            add_metric(m, key, strlen(key), d);
    }
    step = json_object_get(root, "step");
    if (step == NULL || !json_is_number(step))
        step = json_object_get(root, "epoch");
    if (step != NULL && json_is_number(step) && step_value(json_number_value(step), &s)) {
        m->has_step = true;
        m->step = s;
    }
    json_decref(root);
    return true;
}

size_t cli_metrics_parse(const char *line, size_t len, cli_metric_line *out)
{
    out->n = 0;
    out->has_step = false;
    out->step = 0;
    if (line == NULL)
        return 0;
    if (!parse_json(line, len, out))
        scan_pairs(line, len, out);
    return out->n;
}

bool cli_metrics_get(const cli_metric_line *m, const char *name, double *value_out)
{
    for (size_t i = m->n; i-- > 0;) {
        if (strcmp(m->items[i].name, name) == 0) {
            *value_out = m->items[i].value;
            return true;
        }
    }
    return false;
}
