/*
 * cmd_trials.c - `hpo trials` (every trial of a study as a table, CSV or JSON)
 * and `hpo best` (the best trial as JSON, its parameters alone, or as
 * command-line arguments to paste into a full training run).
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli/commands.h"
#include "cli/runner/common.h"
#include "cli/space.h"

static void usage_trials(FILE *out)
{
    fprintf(out,
            "usage: hpo trials --storage URL --study NAME [--format table|csv|json]\n"
            "                  [--state complete,pruned,fail,running,waiting]\n"
            "\n"
            "List a study's trials: number, state, value(s), parameters, duration; JSON\n"
            "adds intermediate values, user attributes and times.\n"
            "Exit status: 0 success, 1 error, 2 usage error.\n"
            "\n"
            "Example:\n"
            "  hpo trials --storage sqlite:///hpo.db --study mlp --format csv > trials.csv\n");
}

static void usage_best(FILE *out)
{
    fprintf(out,
            "usage: hpo best --storage URL --study NAME [--format json|params|args]\n"
            "\n"
            "The best COMPLETE trial of a single-objective study:\n"
            "  json    {\"number\": 7, \"value\": 0.91, \"params\": {...}, \"user_attrs\": {...}}\n"
            "  params  the parameters alone, as a JSON object\n"
            "  args    --lr=0.001 --opt=Adam, to feed a full training run (values are not\n"
            "          quoted: $(...) would pass the quotes on)\n"
            "Exit status: 0 success, 1 error (e.g. no complete trial), 2 usage error.\n"
            "\n"
            "Example:\n"
            "  python3 train.py --epochs 50 $(hpo best --storage sqlite:///hpo.db --study mlp "
            "--format args)\n");
}

typedef struct list_args {
    const char *storage, *study, *format, *states;
} list_args;

static int parse_args(const char *cmd, int argc, char **argv, list_args *a,
        void (*usage)(FILE *))
{
    memset(a, 0, sizeof(*a));
    for (int i = 1; i < argc; i++) {
        const char *v;
        int m;
        if (cli_opt_flag(argv[i], "--help", "-h")) {
            usage(stdout);
            return -1;
        }
        if ((m = cli_opt_value(cmd, argc, argv, &i, "--storage", NULL, &v)) != 0)
            a->storage = v;
        else if ((m = cli_opt_value(cmd, argc, argv, &i, "--study", "--study-name", &v)) != 0)
            a->study = v;
        else if ((m = cli_opt_value(cmd, argc, argv, &i, "--format", "-f", &v)) != 0)
            a->format = v;
        else if ((m = cli_opt_value(cmd, argc, argv, &i, "--state", NULL, &v)) != 0)
            a->states = v;
        else
            return cli_usage_error(cmd, "unexpected argument '%s'", argv[i]);
        if (m < 0)
            return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

static hpo_study *open_study(const char *cmd, const list_args *a, hpo_storage **storage,
        int *rc)
{
    const char *url = cli_storage_url(cmd, a->storage);
    const char *name = cli_study_name(cmd, a->study);
    hpo_study *st;
    *storage = NULL;
    *rc = CLI_EXIT_USAGE;
    if (url == NULL || name == NULL)
        return NULL;
    *rc = CLI_EXIT_FAIL;
    if ((*storage = cli_open_storage(cmd, url)) == NULL)
        return NULL;
    st = cli_load_study(cmd, *storage, name);
    if (st == NULL) {
        hpo_storage_free(*storage);
        *storage = NULL;
    }
    return st;
}

static int parse_states(const char *list, unsigned int *mask)
{
    static const char *names[] = {"running", "complete", "pruned", "fail", "waiting"};
    char *copy, *save = NULL;
    if (list == NULL) {
        *mask = HPO_STATES_ALL;
        return 0;
    }
    if ((copy = strdup(list)) == NULL)
        return -1;
    *mask = 0;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        unsigned int bit = 0;
        for (unsigned int s = 0; s < 5; s++)
            if (strcasecmp(t, names[s]) == 0)
                bit = HPO_STATES(s);
        if (bit == 0) {
            free(copy);
            return -1;
        }
        *mask |= bit;
    }
    free(copy);
    return *mask ? 0 : -1;
}

static json_t *number_json(double v)
{
    /* JSON has no NaN/inf: write them as null (values are never NaN, ±inf may be). */
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *params_json(const hpo_frozen_trial *t)
{
    json_t *obj = json_object();
    for (size_t i = 0; obj && i < hpo_frozen_trial_n_params(t); i++) {
        const char *name = hpo_frozen_trial_param_name(t, i);
        hpo_value v;
        if (hpo_frozen_trial_param(t, name, &v) == HPO_OK)
            json_object_set_new(obj, name, cli_value_json(v));
    }
    return obj;
}

/* The trial as a JSON object; full adds intermediate values, attributes, times. */
static json_t *trial_json(const hpo_frozen_trial *t, bool multi, bool full)
{
    json_t *o = json_object(), *attrs;
    size_t nv = hpo_frozen_trial_n_values(t);
    double start = hpo_frozen_trial_datetime_start(t);
    double end = hpo_frozen_trial_datetime_complete(t);
    if (o == NULL)
        return NULL;
    json_object_set_new(o, "number", json_integer(hpo_frozen_trial_number(t)));
    json_object_set_new(o, "state", json_string(hpo_trial_state_name(hpo_frozen_trial_state(t))));
    if (multi) {
        json_t *vals = nv ? json_array() : json_null();
        for (size_t i = 0; i < nv; i++)
            json_array_append_new(vals, number_json(hpo_frozen_trial_value(t, i)));
        json_object_set_new(o, "values", vals);
    } else {
        json_object_set_new(o, "value", nv ? number_json(hpo_frozen_trial_value(t, 0))
                                           : json_null());
    }
    json_object_set_new(o, "params", params_json(t));
    if (!full)
        return o;
    json_object_set_new(o, "duration", isnan(start) || isnan(end) ? json_null()
                                                                   : json_real(end - start));
    json_object_set_new(o, "datetime_start", isnan(start) ? json_null() : json_real(start));
    json_object_set_new(o, "datetime_complete", isnan(end) ? json_null() : json_real(end));
    {
        json_t *iv = json_object();
        for (size_t i = 0; i < hpo_frozen_trial_n_intermediate(t); i++) {
            int64_t step;
            double v;
            char key[32];
            hpo_frozen_trial_intermediate(t, i, &step, &v);
            snprintf(key, sizeof(key), "%lld", (long long)step);
            json_object_set_new(iv, key, number_json(v));
        }
        json_object_set_new(o, "intermediate_values", iv);
    }
    /* Every user attribute; values are JSON text (NaN/Infinity kept as strings). */
    attrs = json_object();
    for (size_t i = 0; i < hpo_frozen_trial_n_user_attrs(t); i++) {
        const char *key = hpo_frozen_trial_user_attr_key(t, i);
        const char *js = hpo_frozen_trial_user_attr(t, key);
        json_t *v = json_loads(js, JSON_DECODE_ANY, NULL);
        json_object_set_new(attrs, key, v != NULL ? v : json_string(js));
    }
    json_object_set_new(o, "user_attrs", attrs);
    return o;
}

static void csv_cell(const char *s)
{
    bool quote = strpbrk(s, ",\"\n\r") != NULL;
    if (!quote) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"')
            putchar('"');
        putchar(*s);
    }
    putchar('"');
}

/* Parameter names in first-seen order across the trials. */
static size_t collect_names(hpo_frozen_trial **ts, size_t n, const char **names, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t p = 0; p < hpo_frozen_trial_n_params(ts[i]); p++) {
            const char *name = hpo_frozen_trial_param_name(ts[i], p);
            bool seen = false;
            for (size_t j = 0; j < k && !seen; j++)
                seen = strcmp(names[j], name) == 0;
            if (!seen && k < cap)
                names[k++] = name;
        }
    }
    return k;
}

/* A value for a cell: full precision for CSV, 6 significant digits in a table. */
static char *value_cell(hpo_value v, bool csv)
{
    char buf[64];
    if (csv || v.type != HPO_VALUE_FLOAT)
        return cli_value_text(v);
    snprintf(buf, sizeof(buf), "%.6g", v.u.f);
    return strdup(buf);
}

/* Rows of cells: header first; NULL cells print as "" (CSV) or "-" (table). */
typedef struct grid {
    char **cells;
    size_t rows, cols;
} grid;

static char **cell(grid *g, size_t r, size_t c)
{
    return &g->cells[r * g->cols + c];
}

static void print_grid(grid *g, bool csv)
{
    size_t *w = calloc(g->cols, sizeof(*w));
    for (size_t r = 0; w && r < g->rows; r++)
        for (size_t c = 0; c < g->cols; c++) {
            size_t len = *cell(g, r, c) ? strlen(*cell(g, r, c)) : 1;
            if (len > w[c])
                w[c] = len;
        }
    for (size_t r = 0; r < g->rows; r++) {
        for (size_t c = 0; c < g->cols; c++) {
            const char *v = *cell(g, r, c);
            if (csv) {
                if (c > 0)
                    putchar(',');
                csv_cell(v ? v : "");
            } else {
                int width = w && c + 1 < g->cols ? (int)w[c] : 0; /* no trailing blanks */
                printf(c == 0 ? "%*s" : "  %-*s", c == 0 && w ? (int)w[0] : width, v ? v : "-");
            }
        }
        putchar('\n');
    }
    free(w);
}

static void print_rows(hpo_frozen_trial **ts, size_t n, size_t n_obj, bool csv)
{
    const char *names[256];
    size_t np = collect_names(ts, n, names, 256);
    grid g;
    char buf[64];
    g.rows = n + 1;
    g.cols = 3 + n_obj + np;
    g.cells = calloc(g.rows * g.cols, sizeof(*g.cells));
    if (g.cells == NULL) {
        fprintf(stderr, "hpo trials: out of memory\n");
        return;
    }
    *cell(&g, 0, 0) = strdup("number");
    *cell(&g, 0, 1) = strdup("state");
    for (size_t k = 0; k < n_obj; k++) {
        snprintf(buf, sizeof(buf), n_obj == 1 ? "value" : "values_%zu", k);
        *cell(&g, 0, 2 + k) = strdup(buf);
    }
    for (size_t p = 0; p < np; p++)
        *cell(&g, 0, 2 + n_obj + p) = strdup(names[p]);
    *cell(&g, 0, g.cols - 1) = strdup("duration");
    for (size_t i = 0; i < n; i++) {
        const hpo_frozen_trial *t = ts[i];
        double d = hpo_frozen_trial_datetime_complete(t) - hpo_frozen_trial_datetime_start(t);
        snprintf(buf, sizeof(buf), "%lld", (long long)hpo_frozen_trial_number(t));
        *cell(&g, i + 1, 0) = strdup(buf);
        *cell(&g, i + 1, 1) = strdup(hpo_trial_state_name(hpo_frozen_trial_state(t)));
        for (size_t k = 0; k < n_obj && k < hpo_frozen_trial_n_values(t); k++)
            *cell(&g, i + 1, 2 + k) = value_cell(hpo_value_float(hpo_frozen_trial_value(t, k)),
                    csv);
        for (size_t p = 0; p < np; p++) {
            hpo_value v;
            if (hpo_frozen_trial_param(t, names[p], &v) == HPO_OK)
                *cell(&g, i + 1, 2 + n_obj + p) = value_cell(v, csv);
        }
        if (!isnan(d)) {
            snprintf(buf, sizeof(buf), csv ? "%.3f" : "%.3fs", d);
            *cell(&g, i + 1, g.cols - 1) = strdup(buf);
        }
    }
    print_grid(&g, csv);
    for (size_t i = 0; i < g.rows * g.cols; i++)
        free(g.cells[i]);
    free(g.cells);
}

int cmd_trials(int argc, char **argv)
{
    list_args a;
    hpo_storage *storage;
    hpo_study *st;
    hpo_frozen_trial **ts = NULL;
    size_t n = 0;
    unsigned int mask;
    const char *fmt;
    int rc = parse_args("trials", argc, argv, &a, usage_trials);
    if (rc != CLI_EXIT_OK)
        return rc < 0 ? CLI_EXIT_OK : rc;
    fmt = a.format ? a.format : "table";
    if (strcmp(fmt, "table") != 0 && strcmp(fmt, "csv") != 0 && strcmp(fmt, "json") != 0)
        return cli_usage_error("trials", "--format '%s': table, csv or json", fmt);
    if (parse_states(a.states, &mask) != 0)
        return cli_usage_error("trials", "--state '%s': complete, pruned, fail, running, waiting",
                a.states);
    if ((st = open_study("trials", &a, &storage, &rc)) == NULL)
        return rc;
    rc = CLI_EXIT_OK;
    if (hpo_study_get_trials(st, mask, &ts, &n) != HPO_OK) {
        rc = cli_fail("trials", "%s", hpo_last_error());
    } else if (strcmp(fmt, "json") == 0) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(arr, trial_json(ts[i], hpo_study_n_objectives(st) > 1, true));
        cli_json_print(stdout, arr, 2);
        json_decref(arr);
    } else {
        print_rows(ts, n, hpo_study_n_objectives(st), strcmp(fmt, "csv") == 0);
    }
    hpo_frozen_trials_free(ts, n);
    hpo_study_free(st);
    hpo_storage_free(storage);
    return rc;
}

/*
 * "--name=value". Not shell-quoted: $(hpo best --format args) splits words but
 * does not remove quotes, so quotes would reach the program.
 */
static void print_arg(const char *name, const char *value)
{
    printf("--%s=%s", name, value);
}

int cmd_best(int argc, char **argv)
{
    list_args a;
    hpo_storage *storage;
    hpo_study *st;
    hpo_frozen_trial *t = NULL;
    const char *fmt;
    int rc = parse_args("best", argc, argv, &a, usage_best);
    if (rc != CLI_EXIT_OK)
        return rc < 0 ? CLI_EXIT_OK : rc;
    if (a.states != NULL)
        return cli_usage_error("best", "--state is not an option of best");
    fmt = a.format ? a.format : "json";
    if (strcmp(fmt, "json") != 0 && strcmp(fmt, "params") != 0 && strcmp(fmt, "args") != 0)
        return cli_usage_error("best", "--format '%s': json, params or args", fmt);
    if ((st = open_study("best", &a, &storage, &rc)) == NULL)
        return rc;
    rc = CLI_EXIT_OK;
    if (hpo_study_best_trial(st, &t) != HPO_OK) {
        rc = cli_fail("best", "%s", hpo_last_error());
    } else if (strcmp(fmt, "args") == 0) {
        for (size_t i = 0; i < hpo_frozen_trial_n_params(t); i++) {
            const char *name = hpo_frozen_trial_param_name(t, i);
            hpo_value v;
            char *s = NULL;
            if (hpo_frozen_trial_param(t, name, &v) == HPO_OK)
                s = cli_value_text(v);
            if (i > 0)
                putchar(' ');
            print_arg(name, s ? s : "");
            free(s);
        }
        putchar('\n');
    } else {
        json_t *o = strcmp(fmt, "params") == 0 ? params_json(t) : trial_json(t, false, false);
        if (o == NULL)
            rc = cli_fail("best", "out of memory");
        else
            cli_json_print(stdout, o, 0);
        json_decref(o);
    }
    hpo_frozen_trial_free(t);
    hpo_study_free(st);
    hpo_storage_free(storage);
    return rc;
}
