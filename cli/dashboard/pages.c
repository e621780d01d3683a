/*
 * pages.c - the dashboard's HTML pages and JSON documents (dashboard.h).
 *
 * Study names, parameter names, choices and attributes are user input: HTML
 * text goes through hpo__svg_text (entity escaping, invalid bytes replaced),
 * links through percent-encoding, JSON through hpo__viz_json_str (which also
 * escapes < > & so it stays inert inside HTML). Big studies: plots are
 * thinned by the renderers and the trial table is paged.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/dashboard/dashboard.h"
#include "core/alloc.h"
#include "core/distribution.h"
#include "importance/importance.h"
#include "viz/svg.h"

#define PAGE_ROWS 50

static const char css[] =
        "body{font-family:'DejaVu Sans',Arial,sans-serif;margin:0;color:#222;background:#f6f7f9}"
        "header{background:#263238;color:#fff;padding:10px 24px;font-size:18px}"
        "header a{color:#fff;text-decoration:none}main{padding:16px 24px}"
        "h1{font-size:21px;margin:4px 0 12px}h2{font-size:16px;margin:20px 0 8px}"
        "table{border-collapse:collapse;background:#fff}"
        "td,th{border:1px solid #ddd;padding:3px 8px;font-size:13px;text-align:left}"
        "th{background:#eceff1}.plots{display:flex;flex-wrap:wrap;gap:10px}"
        "figure{margin:0;background:#fff;border:1px solid #ddd}.muted{color:#777}"
        "pre{background:#fff;border:1px solid #ddd;padding:8px;max-height:400px;overflow:auto}"
        ".state-COMPLETE{color:#1f77b4}.state-PRUNED{color:#ff7f0e}.state-FAIL{color:#d62728}"
        ".state-RUNNING{color:#2ca02c}.pager a{margin-right:10px}";

/*=========================== small writers ===========================*/

/* Percent-encode s for a query value (everything but unreserved characters). */
static void put_url(hpo_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.' || *p == '~') {
            hpo__buf_putc(b, (char)*p);
        } else {
            hpo__buf_putc(b, '%');
            hpo__buf_putc(b, hex[*p >> 4]);
            hpo__buf_putc(b, hex[*p & 15]);
        }
    }
}

static void head(hpo_buf *b, const char *title, bool refresh)
{
    hpo__buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    if (refresh)
        hpo__buf_puts(b, "<meta http-equiv=\"refresh\" content=\"5\">\n");
    hpo__buf_puts(b, "<title>");
    hpo__svg_text(b, title, 120);
    hpo__buf_printf(b,
                    "</title>\n<style>%s</style>\n</head>\n<body>\n<header><a href=\"/\">hpo "
                    "dashboard</a></header>\n<main>\n",
                    css);
}

static void foot(hpo_buf *b)
{
    hpo__buf_puts(b, "</main>\n</body>\n</html>\n");
}

static void put_time(hpo_buf *b, double t)
{
    time_t s;
    struct tm tm;
    char tmp[32];
    if (!isfinite(t) || (s = (time_t)t, gmtime_r(&s, &tm) == NULL) ||
        strftime(tmp, sizeof(tmp), "%Y-%m-%d %H:%M:%S", &tm) == 0) {
        hpo__buf_puts(b, "-");
        return;
    }
    hpo__buf_puts(b, tmp);
}

static void put_g(hpo_buf *b, double v)
{
    char tmp[40];
    if (isnan(v)) {
        hpo__buf_puts(b, "-");
        return;
    }
    snprintf(tmp, sizeof(tmp), "%.6g", v);
    hpo__buf_puts(b, tmp);
}

static bool has_value(const hpo__record *r)
{
    return r->state == HPO_TRIAL_COMPLETE && r->n_values > 0 && !isnan(r->values[0]);
}

/* The best COMPLETE trial on objective 0 (single-objective studies), or NULL. */
static const hpo__record *best_of(const hpo__viz_data *d)
{
    const hpo__record *best = NULL;
    bool maximize = d->directions[0] == HPO_MAXIMIZE;
    if (d->n_objectives != 1)
        return NULL;
    for (size_t i = 0; i < d->n_trials; i++) {
        const hpo__record *r = d->trials[i];
        if (has_value(r) && (best == NULL || (maximize ? r->values[0] > best->values[0]
                                                       : r->values[0] < best->values[0])))
            best = r;
    }
    return best;
}

static void put_param_value(hpo_buf *b, const hpo__param *p)
{
    char tmp[160];
    hpo__svg_text(b, hpo__viz_param_text(p, tmp, sizeof(tmp)), 80);
}

/* A parameter's external value as JSON. */
static void json_param(hpo_buf *b, const hpo__param *p)
{
    hpo_value v;
    if (hpo__dist_to_external(p->dist, p->internal, &v) != HPO_OK) {
        hpo__viz_json_num(b, p->internal);
        return;
    }
    switch (v.type) {
    case HPO_VALUE_NULL:
        hpo__buf_puts(b, "null");
        break;
    case HPO_VALUE_BOOL:
        hpo__buf_puts(b, v.u.b ? "true" : "false");
        break;
    case HPO_VALUE_INT:
        hpo__buf_printf(b, "%lld", (long long)v.u.i);
        break;
    case HPO_VALUE_FLOAT:
        hpo__viz_json_num(b, v.u.f);
        break;
    default:
        hpo__viz_json_str(b, v.u.s);
        break;
    }
}

void dash_page_error(hpo_buf *b, unsigned code, const char *message)
{
    char title[32];
    snprintf(title, sizeof(title), "%u", code);
    head(b, title, false);
    hpo__buf_printf(b, "<h1>%u</h1>\n<p>", code);
    hpo__svg_text(b, message, 300);
    hpo__buf_puts(b, "</p>\n");
    foot(b);
}

/*=========================== study list ===========================*/

int dash_page_index(hpo_buf *b, const dash_study *studies, size_t n)
{
    head(b, "hpo dashboard", false);
    hpo__buf_printf(b,
                    "<h1>Studies</h1>\n<p class=\"muted\" id=\"study-count\">%zu studies "
                    "(<a href=\"/api/studies\">JSON</a>)</p>\n",
                    n);
    hpo__buf_puts(b, "<table id=\"studies\">\n<thead><tr><th>Study</th><th>Directions</th>"
                     "<th>Trials</th><th>Running</th><th>Best value</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < n; i++) {
        const hpo__viz_data *d = &studies[i].d;
        const hpo__record *best = best_of(d);
        size_t running = 0;
        for (size_t t = 0; t < d->n_trials; t++)
            running += d->trials[t]->state == HPO_TRIAL_RUNNING;
        hpo__buf_puts(b, "<tr><td><a href=\"/study?name=");
        put_url(b, studies[i].name);
        hpo__buf_puts(b, "\">");
        hpo__svg_text(b, studies[i].name, 120);
        hpo__buf_puts(b, "</a></td><td>");
        for (size_t k = 0; k < d->n_objectives; k++)
            hpo__buf_printf(b, "%s%s", k ? ", " : "", hpo_direction_name(d->directions[k]));
        hpo__buf_printf(b, "</td><td>%zu</td><td>%zu</td><td>", d->n_trials, running);
        put_g(b, best ? best->values[0] : (double)NAN);
        hpo__buf_puts(b, "</td></tr>\n");
    }
    hpo__buf_puts(b, "</tbody>\n</table>\n");
    foot(b);
    return hpo__buf_status(b);
}

/*=========================== study page ===========================*/

static void summary(hpo_buf *b, const dash_study *s)
{
    const hpo__viz_data *d = &s->d;
    const hpo__record *best = best_of(d);
    size_t counts[5] = {0};
    for (size_t i = 0; i < d->n_trials; i++)
        counts[d->trials[i]->state < 5 ? d->trials[i]->state : 4]++;
    hpo__buf_puts(b, "<table class=\"summary\">\n<tr><th>Directions</th><td>");
    for (size_t k = 0; k < d->n_objectives; k++)
        hpo__buf_printf(b, "%s%s", k ? ", " : "", hpo_direction_name(d->directions[k]));
    hpo__buf_printf(b,
                    "</td></tr>\n<tr><th>Trials</th><td id=\"trial-count\">%zu</td></tr>\n"
                    "<tr><th>States</th><td>",
                    d->n_trials);
    for (int st = 0; st < 5; st++)
        hpo__buf_printf(b, "%s<span class=\"state-%s\">%s</span> %zu", st ? ", " : "",
                        hpo_trial_state_name((hpo_trial_state)st),
                        hpo_trial_state_name((hpo_trial_state)st), counts[st]);
    hpo__buf_puts(b, "</td></tr>\n");
    if (d->n_objectives == 1) {
        hpo__buf_puts(b, "<tr><th>Best value</th><td id=\"best-value\">");
        if (best != NULL) {
            char tmp[40];
            snprintf(tmp, sizeof(tmp), "%.10g", best->values[0]);
            hpo__buf_printf(b, "%s (trial <a href=\"/trial?study=", tmp);
            put_url(b, s->name);
            hpo__buf_printf(b, "&amp;number=%lld\">#%lld</a>)", (long long)best->number,
                            (long long)best->number);
        } else {
            hpo__buf_puts(b, "<span class=\"muted\">no completed trial</span>");
        }
        hpo__buf_puts(b, "</td></tr>\n");
        if (best != NULL) {
            hpo__buf_puts(b, "<tr><th>Best parameters</th><td>");
            for (size_t p = 0; p < best->n_params; p++) {
                hpo__buf_puts(b, p ? "<br>" : "");
                hpo__svg_text(b, best->params[p].name, 80);
                hpo__buf_puts(b, " = ");
                put_param_value(b, &best->params[p]);
            }
            hpo__buf_puts(b, "</td></tr>\n");
        }
    }
    hpo__buf_puts(b, "</table>\n");
}

static int plots(hpo_buf *b, const dash_study *s)
{
    hpo_plot_options po = HPO_PLOT_OPTIONS_INIT;
    po.width = 600;
    po.height = 380;
    po.max_points = 3000;
    hpo__buf_puts(b, "<h2>Plots</h2>\n<div class=\"plots\">\n");
    for (int k = 0; k < HPO_PLOT_KIND_COUNT; k++) {
        size_t mark = b->len;
        int rc;
        if (!hpo__viz_applies(&s->d, (hpo_plot_kind)k))
            continue;
        hpo__buf_printf(b, "<figure id=\"plot-%s\">\n", hpo_plot_kind_name((hpo_plot_kind)k));
        rc = hpo__viz_plot(b, &s->d, (hpo_plot_kind)k, &po);
        if (hpo__buf_status(b) != HPO_OK)
            return hpo__buf_status(b);
        if (rc == HPO_ENOMEM)
            return rc;
        if (rc != HPO_OK) {
            b->len = mark;
            if (b->data)
                b->data[mark] = '\0';
            hpo__buf_printf(
                    b, "<figure><p class=\"muted\">%s: ", hpo_plot_kind_name((hpo_plot_kind)k));
            hpo__svg_text(b, hpo_last_error(), 200);
            hpo__buf_puts(b, "</p>");
        }
        hpo__buf_puts(b, "</figure>\n");
    }
    hpo__buf_puts(b, "</div>\n");
    return HPO_OK;
}

static int cmp_name(const void *a, const void *c)
{
    return strcmp(*(const char *const *)a, *(const char *const *)c);
}

static void
pager_link(hpo_buf *b, const dash_study *s, size_t page, bool by_value, const char *text)
{
    hpo__buf_puts(b, "<a href=\"/study?name=");
    put_url(b, s->name);
    hpo__buf_printf(b, "&amp;page=%zu%s\">%s</a>", page, by_value ? "&amp;order=value" : "", text);
}

static int trial_table(hpo_buf *b, const dash_study *s, const dash_query *q)
{
    const hpo__viz_data *d = &s->d;
    hpo__viz_row *rows = hpo__reallocarray(NULL, d->n_trials + 1, sizeof(*rows));
    const char **names = NULL;
    size_t n_names = 0, cap = 0, pages, first;
    bool maximize = d->directions[0] == HPO_MAXIMIZE;
    if (rows == NULL)
        return HPO_ENOMEM;
    for (size_t i = 0; i < d->n_trials; i++) {
        const hpo__record *r = d->trials[i];
        rows[i].idx = i;
        if (q->by_value)
            rows[i].key = has_value(r) ? (maximize ? -r->values[0] : r->values[0]) : (double)NAN;
        else
            rows[i].key = -(double)r->number; /* newest first */
    }
    qsort(rows, d->n_trials, sizeof(*rows), hpo__viz_row_cmp);
    pages = (d->n_trials + PAGE_ROWS - 1) / PAGE_ROWS;
    pages = pages ? pages : 1;
    first = (q->page < pages ? q->page : pages - 1) * PAGE_ROWS;
    /* Columns: the parameters of the rows shown. */
    for (size_t i = first; i < d->n_trials && i < first + PAGE_ROWS; i++) {
        const hpo__record *r = d->trials[rows[i].idx];
        for (size_t p = 0; p < r->n_params; p++) {
            bool seen = false;
            for (size_t j = 0; j < n_names && !seen; j++)
                seen = strcmp(names[j], r->params[p].name) == 0;
            if (seen)
                continue;
            if (n_names == cap) {
                const char **g;
                cap = cap ? 2 * cap : 16;
                g = hpo__reallocarray(names, cap, sizeof(*names));
                if (g == NULL) {
                    hpo__free(names);
                    hpo__free(rows);
                    return HPO_ENOMEM;
                }
                names = g;
            }
            names[n_names++] = r->params[p].name;
        }
    }
    if (n_names > 1)
        qsort(names, n_names, sizeof(*names), cmp_name);
    hpo__buf_printf(b, "<h2>Trials</h2>\n<p class=\"pager\">page %zu of %zu, %s first: ",
                    first / PAGE_ROWS + 1, pages, q->by_value ? "best" : "newest");
    if (first > 0)
        pager_link(b, s, first / PAGE_ROWS - 1, q->by_value, "previous");
    if (first + PAGE_ROWS < d->n_trials)
        pager_link(b, s, first / PAGE_ROWS + 1, q->by_value, "next");
    pager_link(b, s, 0, !q->by_value, q->by_value ? "newest first" : "best first");
    hpo__buf_puts(b, "<a href=\"/api/trials?study=");
    put_url(b, s->name);
    hpo__buf_puts(b, "\">JSON</a></p>\n<table id=\"trials\">\n<thead><tr><th>Number</th>"
                     "<th>State</th>");
    for (size_t k = 0; k < d->n_objectives; k++)
        hpo__buf_printf(b, "<th>Value%s</th>", d->n_objectives > 1 ? (k ? " 1" : " 0") : "");
    for (size_t j = 0; j < n_names; j++) {
        hpo__buf_puts(b, "<th>");
        hpo__svg_text(b, names[j], 40);
        hpo__buf_puts(b, "</th>");
    }
    hpo__buf_puts(b, "<th>Start (UTC)</th><th>Duration (s)</th></tr></thead>\n<tbody>\n");
    for (size_t i = first; i < d->n_trials && i < first + PAGE_ROWS; i++) {
        const hpo__record *r = d->trials[rows[i].idx];
        const char *st = hpo_trial_state_name(r->state);
        hpo__buf_puts(b, "<tr><td><a href=\"/trial?study=");
        put_url(b, s->name);
        hpo__buf_printf(b, "&amp;number=%lld\">%lld</a></td><td class=\"state-%s\">%s</td>",
                        (long long)r->number, (long long)r->number, st, st);
        for (size_t k = 0; k < d->n_objectives; k++) {
            hpo__buf_puts(b, "<td>");
            put_g(b, k < r->n_values ? r->values[k] : (double)NAN);
            hpo__buf_puts(b, "</td>");
        }
        for (size_t j = 0; j < n_names; j++) {
            long p = hpo__record_find_param(r, names[j]);
            hpo__buf_puts(b, "<td>");
            if (p >= 0)
                put_param_value(b, &r->params[p]);
            hpo__buf_puts(b, "</td>");
        }
        hpo__buf_puts(b, "<td>");
        put_time(b, r->datetime_start);
        hpo__buf_puts(b, "</td><td>");
        put_g(b, r->datetime_complete - r->datetime_start);
        hpo__buf_puts(b, "</td></tr>\n");
    }
    hpo__buf_puts(b, "</tbody>\n</table>\n");
    hpo__free(names);
    hpo__free(rows);
    return HPO_OK;
}

int dash_page_study(hpo_buf *b, const dash_study *s, const dash_query *q)
{
    bool running = false;
    int rc;
    for (size_t i = 0; i < s->d.n_trials && !running; i++)
        running = s->d.trials[i]->state == HPO_TRIAL_RUNNING;
    /* While trials run the page reloads itself every few seconds. */
    head(b, s->name, running);
    hpo__buf_puts(b, "<h1>Study <span class=\"study-name\">");
    hpo__svg_text(b, s->name, 0);
    hpo__buf_puts(b, "</span></h1>\n<p class=\"muted\">");
    hpo__buf_puts(b, running ? "trials running: this page refreshes every 5 s. " : "");
    hpo__buf_puts(b, "<a href=\"/api/study?name=");
    put_url(b, s->name);
    hpo__buf_puts(b, "\">JSON</a></p>\n");
    summary(b, s);
    if ((rc = plots(b, s)) != HPO_OK)
        return rc;
    if ((rc = trial_table(b, s, q)) != HPO_OK)
        return rc;
    foot(b);
    return hpo__buf_status(b);
}

/*=========================== trial page ===========================*/

/* An attribute's JSON text: strings shown decoded (log tails keep their lines). */
static void put_attr(hpo_buf *b, const char *json)
{
    json_error_t err;
    json_t *v = json_loads(json, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if (v != NULL && json_is_string(v))
        hpo__svg_text(b, json_string_value(v), 0);
    else
        hpo__svg_text(b, json, 0);
    json_decref(v);
}

static bool is_log_key(const char *k)
{
    return strstr(k, "log") || strstr(k, "stdout") || strstr(k, "stderr") || strstr(k, "output") ||
           strstr(k, "tail");
}

static void attrs_table(hpo_buf *b, const char *title, const hpo__attrs *a)
{
    hpo__buf_printf(b, "<h2>%s</h2>\n", title);
    if (a->n == 0) {
        hpo__buf_puts(b, "<p class=\"muted\">none</p>\n");
        return;
    }
    hpo__buf_puts(b, "<table>\n");
    for (size_t i = 0; i < a->n; i++) {
        hpo__buf_puts(b, "<tr><th>");
        hpo__svg_text(b, a->items[i].key, 80);
        hpo__buf_puts(b, "</th><td>");
        if (is_log_key(a->items[i].key)) {
            hpo__buf_puts(b, "<pre>");
            put_attr(b, a->items[i].json);
            hpo__buf_puts(b, "</pre>");
        } else {
            put_attr(b, a->items[i].json);
        }
        hpo__buf_puts(b, "</td></tr>\n");
    }
    hpo__buf_puts(b, "</table>\n");
}

int dash_page_trial(hpo_buf *b, const dash_study *s, const hpo__record *r)
{
    char title[64];
    const char *st = hpo_trial_state_name(r->state);
    snprintf(title, sizeof(title), "trial %lld", (long long)r->number);
    head(b, title, r->state == HPO_TRIAL_RUNNING);
    hpo__buf_printf(b, "<h1>Trial %lld of <a href=\"/study?name=", (long long)r->number);
    put_url(b, s->name);
    hpo__buf_puts(b, "\">");
    hpo__svg_text(b, s->name, 0);
    hpo__buf_printf(b,
                    "</a></h1>\n<table>\n<tr><th>State</th><td class=\"state-%s\">%s</td></tr>\n"
                    "<tr><th>Values</th><td id=\"trial-values\">",
                    st, st);
    for (size_t k = 0; k < r->n_values; k++) {
        hpo__buf_puts(b, k ? ", " : "");
        put_g(b, r->values[k]);
    }
    hpo__buf_puts(b, "</td></tr>\n<tr><th>Start (UTC)</th><td>");
    put_time(b, r->datetime_start);
    hpo__buf_puts(b, "</td></tr>\n<tr><th>Complete (UTC)</th><td>");
    put_time(b, r->datetime_complete);
    hpo__buf_puts(b, "</td></tr>\n</table>\n<h2>Parameters</h2>\n<table>\n"
                     "<tr><th>Name</th><th>Value</th><th>Distribution</th></tr>\n");
    for (size_t p = 0; p < r->n_params; p++) {
        hpo_buf db;
        hpo__buf_puts(b, "<tr><td>");
        hpo__svg_text(b, r->params[p].name, 0);
        hpo__buf_puts(b, "</td><td>");
        put_param_value(b, &r->params[p]);
        hpo__buf_puts(b, "</td><td>");
        hpo__buf_init(&db, 1 << 20);
        hpo__dist_put_json(&db, r->params[p].dist);
        hpo__svg_text(b, db.data ? db.data : "", 300);
        hpo__buf_free(&db);
        hpo__buf_puts(b, "</td></tr>\n");
    }
    hpo__buf_printf(b, "</table>\n<h2>Intermediate values</h2>\n");
    if (r->n_ivalues == 0) {
        hpo__buf_puts(b, "<p class=\"muted\">none</p>\n");
    } else {
        /* The last 500 steps at most. */
        size_t from = r->n_ivalues > 500 ? r->n_ivalues - 500 : 0;
        hpo__buf_puts(b, "<table id=\"intermediate\">\n<tr><th>Step</th><th>Value</th></tr>\n");
        for (size_t k = from; k < r->n_ivalues; k++) {
            hpo__buf_printf(b, "<tr><td>%lld</td><td>", (long long)r->ivalues[k].step);
            put_g(b, r->ivalues[k].value);
            hpo__buf_puts(b, "</td></tr>\n");
        }
        hpo__buf_puts(b, "</table>\n");
    }
    attrs_table(b, "User attributes", &r->user_attrs);
    attrs_table(b, "System attributes", &r->system_attrs);
    foot(b);
    return hpo__buf_status(b);
}

/*=========================== JSON ===========================*/

static void json_directions(hpo_buf *b, const hpo__viz_data *d)
{
    hpo__buf_putc(b, '[');
    for (size_t k = 0; k < d->n_objectives; k++)
        hpo__buf_printf(b, "%s\"%s\"", k ? ", " : "", hpo_direction_name(d->directions[k]));
    hpo__buf_putc(b, ']');
}

static void json_trial_core(hpo_buf *b, const hpo__record *r)
{
    hpo__buf_printf(b, "{\"number\": %lld, \"state\": \"%s\", \"values\": [", (long long)r->number,
                    hpo_trial_state_name(r->state));
    for (size_t k = 0; k < r->n_values; k++) {
        hpo__buf_puts(b, k ? ", " : "");
        hpo__viz_json_num(b, r->values[k]);
    }
    hpo__buf_puts(b, "], \"params\": {");
    for (size_t p = 0; p < r->n_params; p++) {
        hpo__buf_puts(b, p ? ", " : "");
        hpo__viz_json_str(b, r->params[p].name);
        hpo__buf_puts(b, ": ");
        json_param(b, &r->params[p]);
    }
    hpo__buf_puts(b, "}, \"datetime_start\": ");
    hpo__viz_json_num(b, r->datetime_start);
    hpo__buf_puts(b, ", \"datetime_complete\": ");
    hpo__viz_json_num(b, r->datetime_complete);
}

int dash_json_studies(hpo_buf *b, const dash_study *studies, size_t n)
{
    hpo__buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        const hpo__record *best = best_of(&studies[i].d);
        hpo__buf_puts(b, i ? ",\n {\"name\": " : "{\"name\": ");
        hpo__viz_json_str(b, studies[i].name);
        hpo__buf_puts(b, ", \"directions\": ");
        json_directions(b, &studies[i].d);
        hpo__buf_printf(b, ", \"n_trials\": %zu, \"best_value\": ", studies[i].d.n_trials);
        hpo__viz_json_num(b, best ? best->values[0] : (double)NAN);
        hpo__buf_putc(b, '}');
    }
    hpo__buf_puts(b, "]\n");
    return hpo__buf_status(b);
}

int dash_json_study(hpo_buf *b, const dash_study *s)
{
    const hpo__viz_data *d = &s->d;
    const hpo__record *best = best_of(d);
    hpo_importance_options io = HPO_IMPORTANCE_OPTIONS_INIT;
    char **names = NULL;
    double *vals = NULL;
    size_t counts[5] = {0}, n = 0;
    for (size_t i = 0; i < d->n_trials; i++)
        counts[d->trials[i]->state < 5 ? d->trials[i]->state : 4]++;
    hpo__buf_puts(b, "{\"name\": ");
    hpo__viz_json_str(b, s->name);
    hpo__buf_puts(b, ", \"directions\": ");
    json_directions(b, d);
    hpo__buf_printf(b, ", \"n_trials\": %zu, \"states\": {", d->n_trials);
    for (int st = 0; st < 5; st++)
        hpo__buf_printf(b, "%s\"%s\": %zu", st ? ", " : "",
                        hpo_trial_state_name((hpo_trial_state)st), counts[st]);
    hpo__buf_puts(b, "}, \"best_trial\": ");
    if (best != NULL) {
        json_trial_core(b, best);
        hpo__buf_putc(b, '}');
    } else {
        hpo__buf_puts(b, "null");
    }
    hpo__buf_puts(b, ", \"importance\": {");
    if (hpo__importance_records(d->trials, d->n_trials, d->directions, d->n_objectives,
                                HPO_IMPORTANCE_PEDANOVA, &io, &names, &vals, &n) == HPO_OK) {
        for (size_t i = 0; i < n; i++) {
            hpo__buf_puts(b, i ? ", " : "");
            hpo__viz_json_str(b, names[i]);
            hpo__buf_puts(b, ": ");
            hpo__viz_json_num(b, vals[i]);
        }
    }
    hpo_free(names);
    hpo_free(vals);
    hpo__buf_puts(b, "}}\n");
    return hpo__buf_status(b);
}

int dash_json_trials(hpo_buf *b, const dash_study *s, size_t offset, size_t limit)
{
    const hpo__viz_data *d = &s->d;
    hpo__buf_printf(b, "{\"total\": %zu, \"offset\": %zu, \"trials\": [", d->n_trials, offset);
    for (size_t i = offset; i < d->n_trials && i - offset < limit; i++) {
        hpo__buf_puts(b, i > offset ? ",\n " : "");
        json_trial_core(b, d->trials[i]);
        hpo__buf_putc(b, '}');
    }
    hpo__buf_puts(b, "]}\n");
    return hpo__buf_status(b);
}

static void json_attrs(hpo_buf *b, const hpo__attrs *a)
{
    hpo__buf_putc(b, '{');
    for (size_t i = 0; i < a->n; i++) {
        hpo__buf_puts(b, i ? ", " : "");
        hpo__viz_json_str(b, a->items[i].key);
        hpo__buf_puts(b, ": ");
        /* The stored text is Python-style JSON (NaN allowed): passed on as a string. */
        hpo__viz_json_str(b, a->items[i].json);
    }
    hpo__buf_putc(b, '}');
}

int dash_json_trial(hpo_buf *b, const dash_study *s, const hpo__record *r)
{
    (void)s;
    json_trial_core(b, r);
    hpo__buf_puts(b, ", \"intermediate_values\": [");
    for (size_t k = 0; k < r->n_ivalues; k++) {
        hpo__buf_printf(b, "%s[%lld, ", k ? ", " : "", (long long)r->ivalues[k].step);
        hpo__viz_json_num(b, r->ivalues[k].value);
        hpo__buf_putc(b, ']');
    }
    hpo__buf_puts(b, "], \"user_attrs\": ");
    json_attrs(b, &r->user_attrs);
    hpo__buf_puts(b, ", \"system_attrs\": ");
    json_attrs(b, &r->system_attrs);
    hpo__buf_puts(b, "}\n");
    return hpo__buf_status(b);
}
