/*
 * report.c - the one-file HTML report: study summary, best trial, every plot
 * that applies (inline SVG) and a sortable trial table. Inline CSS and a few
 * lines of JavaScript for sorting; nothing is fetched, so the file can be
 * mailed or archived as is. All user text is escaped.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/error.h"
#include "viz/svg.h"
#include "viz/viz.h"

static const char css[] =
        "body{font-family:'DejaVu Sans',Arial,sans-serif;margin:24px;color:#222;"
        "background:#fafafa}\n"
        "h1{font-size:22px;margin:0 0 12px}h2{font-size:17px;margin:24px 0 8px}\n"
        "table{border-collapse:collapse;background:#fff}\n"
        "td,th{border:1px solid #ddd;padding:3px 8px;font-size:13px;text-align:left}\n"
        "th{background:#f0f0f0}table.sortable th{cursor:pointer}\n"
        "th[data-order=asc]::after{content:' \\25B2'}th[data-order=desc]::after{content:' "
        "\\25BC'}\n"
        ".plots{display:flex;flex-wrap:wrap;gap:12px}\n"
        "figure{margin:0;background:#fff;border:1px solid #ddd}\n"
        ".muted{color:#777}.state-COMPLETE{color:#1f77b4}.state-PRUNED{color:#ff7f0e}"
        ".state-FAIL{color:#d62728}.state-RUNNING{color:#2ca02c}\n";

static const char sort_js[] =
        "document.querySelectorAll('table.sortable').forEach(function(table){\n"
        " table.querySelectorAll('th').forEach(function(th,col){\n"
        "  th.addEventListener('click',function(){\n"
        "   var tb=table.tBodies[0],rows=Array.prototype.slice.call(tb.rows);\n"
        "   var asc=th.getAttribute('data-order')!=='asc';\n"
        "   table.querySelectorAll('th').forEach(function(h){h.removeAttribute('data-order');});\n"
        "   th.setAttribute('data-order',asc?'asc':'desc');\n"
        "   var num=th.getAttribute('data-type')==='num';\n"
        "   function key(r){var c=r.cells[col];if(!c)return '';"
        "var v=c.getAttribute('data-v');return v===null?c.textContent:v;}\n"
        "   rows.sort(function(a,b){var u=key(a),v=key(b);\n"
        "    if(num){u=parseFloat(u);v=parseFloat(v);if(isNaN(u))return isNaN(v)?0:1;"
        "if(isNaN(v))return -1;return asc?u-v:v-u;}\n"
        "    return asc?u.localeCompare(v):v.localeCompare(u);});\n"
        "   var f=document.createDocumentFragment();rows.forEach(function(r){f.appendChild(r);});"
        "tb.appendChild(f);\n"
        "  });\n"
        " });\n"
        "});\n";

static void put_time(hpo_buf *b, double t)
{
    time_t s;
    struct tm tm;
    char tmp[32];
    if (!isfinite(t)) {
        hpo__buf_puts(b, "<span class=\"muted\">-</span>");
        return;
    }
    s = (time_t)t;
    if (gmtime_r(&s, &tm) == NULL || strftime(tmp, sizeof(tmp), "%Y-%m-%d %H:%M:%S", &tm) == 0) {
        hpo__buf_puts(b, "-");
        return;
    }
    hpo__buf_puts(b, tmp);
}

static void put_num_cell(hpo_buf *b, double v)
{
    char tmp[40];
    if (isnan(v)) {
        hpo__buf_puts(b, "<td></td>");
        return;
    }
    snprintf(tmp, sizeof(tmp), "%.17g", v);
    hpo__buf_printf(b, "<td data-v=\"%s\">", tmp);
    snprintf(tmp, sizeof(tmp), "%.6g", v);
    hpo__buf_printf(b, "%s</td>", tmp);
}

/* The best COMPLETE trial of objective 0 (single objective), or NULL. */
static const hpo__record *best_trial(const hpo__viz_data *d)
{
    const hpo__record *best = NULL;
    bool maximize = d->directions[0] == HPO_MAXIMIZE;
    if (d->n_objectives != 1)
        return NULL;
    for (size_t i = 0; i < d->n_trials; i++) {
        const hpo__record *r = d->trials[i];
        if (r->state != HPO_TRIAL_COMPLETE || r->n_values < 1 || isnan(r->values[0]))
            continue;
        if (best == NULL ||
            (maximize ? r->values[0] > best->values[0] : r->values[0] < best->values[0]))
            best = r;
    }
    return best;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every parameter name in the study, sorted (borrowed from the records). */
static int param_names(const hpo__viz_data *d, const char ***out, size_t *n_out)
{
    const char **names = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < d->n_trials; i++) {
        const hpo__record *r = d->trials[i];
        for (size_t p = 0; p < r->n_params; p++) {
            bool seen = false;
            for (size_t j = n; j > 0 && !seen; j--)
                seen = strcmp(names[j - 1], r->params[p].name) == 0;
            if (seen)
                continue;
            if (n == cap) {
                const char **g;
                cap = cap ? cap * 2 : 16;
                g = hpo__reallocarray(names, cap, sizeof(*names));
                if (g == NULL) {
                    hpo__free(names);
                    return hpo__error_set(HPO_ENOMEM, "out of memory listing parameters");
                }
                names = g;
            }
            names[n++] = r->params[p].name;
        }
    }
    if (n > 1)
        qsort(names, n, sizeof(*names), cmp_str);
    *out = names;
    *n_out = n;
    return HPO_OK;
}

static void summary(hpo_buf *b, const hpo__viz_data *d)
{
    size_t counts[5] = {0};
    const hpo__record *best = best_trial(d);
    char tmp[64];
    for (size_t i = 0; i < d->n_trials; i++)
        counts[d->trials[i]->state < 5 ? d->trials[i]->state : 4]++;
    hpo__buf_puts(b, "<h2>Summary</h2>\n<table class=\"summary\">\n<tr><th>Study</th><td>");
    hpo__svg_text(b, d->study_name, 0);
    hpo__buf_puts(b, "</td></tr>\n<tr><th>Directions</th><td>");
    for (size_t k = 0; k < d->n_objectives; k++)
        hpo__buf_printf(b, "%s%s", k ? ", " : "", hpo_direction_name(d->directions[k]));
    hpo__buf_printf(b,
                    "</td></tr>\n<tr><th>Trials</th><td id=\"trial-count\">%zu</td></tr>\n"
                    "<tr><th>States</th><td>",
                    d->n_trials);
    for (int s = 0; s < 5; s++)
        hpo__buf_printf(b, "%s<span class=\"state-%s\">%s</span> %zu", s ? ", " : "",
                        hpo_trial_state_name((hpo_trial_state)s),
                        hpo_trial_state_name((hpo_trial_state)s), counts[s]);
    hpo__buf_puts(b, "</td></tr>\n");
    if (best != NULL) {
        snprintf(tmp, sizeof(tmp), "%.10g", best->values[0]);
        hpo__buf_printf(b,
                        "<tr><th>Best value</th><td id=\"best-value\">%s</td></tr>\n"
                        "<tr><th>Best trial</th><td>#%lld</td></tr>\n"
                        "<tr><th>Best parameters</th><td>",
                        tmp, (long long)best->number);
        for (size_t p = 0; p < best->n_params; p++) {
            char val[128];
            hpo__buf_puts(b, p ? "<br>" : "");
            hpo__svg_text(b, best->params[p].name, 0);
            hpo__buf_puts(b, " = ");
            hpo__svg_text(b, hpo__viz_param_text(&best->params[p], val, sizeof(val)), 0);
        }
        hpo__buf_puts(b, "</td></tr>\n");
    } else if (d->n_objectives == 1) {
        hpo__buf_puts(b, "<tr><th>Best value</th><td id=\"best-value\" class=\"muted\">no "
                         "completed trial</td></tr>\n");
    }
    hpo__buf_puts(b, "</table>\n");
}

/* Every applicable plot as inline SVG; a plot that cannot be drawn leaves a note. */
static int plots(hpo_buf *b, const hpo__viz_data *d, const hpo_report_options *o)
{
    hpo_plot_options po = HPO_PLOT_OPTIONS_INIT;
    /* Two plots side by side on a laptop screen. */
    po.width = 600;
    po.height = 380;
    po.importance = o->importance;
    po.seed = o->seed;
    hpo__buf_puts(b, "<h2>Plots</h2>\n<div class=\"plots\">\n");
    for (int k = 0; k < HPO_PLOT_KIND_COUNT; k++) {
        size_t mark = b->len;
        int rc;
        if (!hpo__viz_applies(d, (hpo_plot_kind)k))
            continue;
        hpo__buf_printf(b, "<figure id=\"plot-%s\">\n", hpo_plot_kind_name((hpo_plot_kind)k));
        rc = hpo__viz_plot(b, d, (hpo_plot_kind)k, &po);
        if (rc == HPO_ENOMEM || hpo__buf_status(b) != HPO_OK)
            return rc != HPO_OK ? rc : hpo__buf_status(b);
        if (rc != HPO_OK) {
            /* Drop the partial SVG and say why. */
            b->len = mark;
            if (b->data)
                b->data[mark] = '\0';
            hpo__buf_printf(b, "<figure id=\"plot-%s\"><p class=\"muted\">%s: ",
                            hpo_plot_kind_name((hpo_plot_kind)k),
                            hpo_plot_kind_name((hpo_plot_kind)k));
            hpo__svg_text(b, hpo_last_error(), 200);
            hpo__buf_puts(b, "</p>");
        }
        hpo__buf_puts(b, "</figure>\n");
    }
    hpo__buf_puts(b, "</div>\n");
    return HPO_OK;
}

static void trial_row(hpo_buf *b,
                      const hpo__viz_data *d,
                      const hpo__record *r,
                      const char *const *names,
                      size_t n_names)
{
    const char *st = hpo_trial_state_name(r->state);
    hpo__buf_printf(b, "<tr><td data-v=\"%lld\">%lld</td><td class=\"state-%s\">%s</td>",
                    (long long)r->number, (long long)r->number, st, st);
    for (size_t k = 0; k < d->n_objectives; k++)
        put_num_cell(b, k < r->n_values ? r->values[k] : (double)NAN);
    for (size_t j = 0; j < n_names; j++) {
        long p = hpo__record_find_param(r, names[j]);
        char val[128];
        if (p < 0) {
            hpo__buf_puts(b, "<td></td>");
            continue;
        }
        if (r->params[p].dist->kind != HPO_DIST_CATEGORICAL) {
            put_num_cell(b, r->params[p].internal);
            continue;
        }
        hpo__buf_puts(b, "<td>");
        hpo__svg_text(b, hpo__viz_param_text(&r->params[p], val, sizeof(val)), 80);
        hpo__buf_puts(b, "</td>");
    }
    hpo__buf_puts(b, "<td>");
    put_time(b, r->datetime_start);
    hpo__buf_puts(b, "</td>");
    put_num_cell(b, r->datetime_complete - r->datetime_start);
    hpo__buf_puts(b, "</tr>\n");
}

static int trial_table(hpo_buf *b, const hpo__viz_data *d, const hpo_report_options *o)
{
    const char **names = NULL;
    hpo__viz_row *rows = NULL;
    size_t n_names = 0, n_rows = 0;
    bool maximize = d->directions[0] == HPO_MAXIMIZE;
    HPO_TRY(param_names(d, &names, &n_names));
    rows = hpo__reallocarray(NULL, d->n_trials + 1, sizeof(*rows));
    if (rows == NULL) {
        hpo__free(names);
        return hpo__error_set(HPO_ENOMEM, "out of memory for the trial table");
    }
    for (size_t i = 0; i < d->n_trials; i++) {
        const hpo__record *r = d->trials[i];
        double v = r->state == HPO_TRIAL_COMPLETE && r->n_values > 0 ? r->values[0] : (double)NAN;
        rows[n_rows].idx = i;
        rows[n_rows++].key = maximize ? -v : v;
    }
    if (o->max_table_rows > 0 && n_rows > o->max_table_rows) {
        qsort(rows, n_rows, sizeof(*rows), hpo__viz_row_cmp);
        n_rows = o->max_table_rows;
    }
    hpo__buf_printf(b,
                    "<h2>Trials</h2>\n<p class=\"muted\">%zu of %zu trials; click a column "
                    "to sort.</p>\n<table id=\"trials\" class=\"sortable\">\n<thead><tr>"
                    "<th data-type=\"num\">Number</th><th>State</th>",
                    n_rows, d->n_trials);
    for (size_t k = 0; k < d->n_objectives; k++) {
        if (d->n_objectives == 1)
            hpo__buf_puts(b, "<th data-type=\"num\">Value</th>");
        else
            hpo__buf_printf(b, "<th data-type=\"num\">Value %zu</th>", k);
    }
    for (size_t j = 0; j < n_names; j++) {
        hpo__buf_puts(b, "<th data-type=\"num\">");
        hpo__svg_text(b, names[j], 40);
        hpo__buf_puts(b, "</th>");
    }
    hpo__buf_puts(b, "<th>Start (UTC)</th><th data-type=\"num\">Duration (s)</th></tr></thead>\n"
                     "<tbody>\n");
    for (size_t i = 0; i < n_rows; i++)
        trial_row(b, d, d->trials[rows[i].idx], names, n_names);
    hpo__buf_puts(b, "</tbody>\n</table>\n");
    hpo__free(rows);
    hpo__free(names);
    return HPO_OK;
}

int hpo__viz_report(hpo_buf *b, const hpo__viz_data *d, const hpo_report_options *o)
{
    hpo_report_options def = HPO_REPORT_OPTIONS_INIT;
    if (o == NULL)
        o = &def;
    if (o->version != HPO_REPORT_OPTIONS_VERSION)
        return hpo__error_set(HPO_EVERSION, "report options version %u (this library: %u)",
                              o->version, HPO_REPORT_OPTIONS_VERSION);
    if (o->importance != HPO_IMPORTANCE_PEDANOVA && o->importance != HPO_IMPORTANCE_FANOVA)
        return hpo__error_set(HPO_EINVAL, "unknown importance evaluator %d", (int)o->importance);
    hpo__buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"generator\" content=\"hpo ");
    hpo__buf_puts(b, hpo_version_string());
    hpo__buf_puts(b, "\">\n<title>hpo report: ");
    hpo__svg_text(b, d->study_name, 100);
    hpo__buf_printf(b, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>Study ", css);
    hpo__svg_text(b, d->study_name, 0);
    hpo__buf_puts(b, "</h1>\n");
    summary(b, d);
    HPO_TRY(plots(b, d, o));
    HPO_TRY(trial_table(b, d, o));
    hpo__buf_printf(b, "<script>\n%s</script>\n</body>\n</html>\n", sort_js);
    return hpo__buf_status(b);
}
