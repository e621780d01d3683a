/*
 * plots.c - the nine plots of Optuna's visualisation module as SVG (see
 * hpo_plot_kind): pure functions of the trial records.
 *
 * Large studies: marks are thinned deterministically (one per occupied pixel,
 * then every k-th) to at most max_points, line plots keep every change of the
 * best value, and plots with one line per trial (intermediate values,
 * parallel coordinates) draw the best trials plus an even sample of the rest,
 * saying so in a note. So a 100 000-trial study renders in milliseconds and
 * stays a few hundred kilobytes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/distribution.h"
#include "core/error.h"
#include "importance/importance.h"
#include "viz/svg.h"
#include "viz/viz.h"

#define DEFAULT_W      720u
#define DEFAULT_H      420u
#define DEFAULT_POINTS 5000u
#define MAX_LINES      400u
#define CONTOUR_GRID   40

/* Resolved options. */
typedef struct popts {
    unsigned w, h;
    size_t obj;
    size_t max_points;
    const hpo_plot_options *o;
} popts;

/*=========================== data helpers ===========================*/

static bool has_value(const hpo__record *r, size_t obj)
{
    return r->state == HPO_TRIAL_COMPLETE && r->n_values > obj && isfinite(r->values[obj]);
}

static const char *obj_label(const hpo__viz_data *d, size_t obj, char *buf, size_t n)
{
    if (d->n_objectives <= 1)
        return "Objective Value";
    snprintf(buf, n, "Objective %zu", obj);
    return buf;
}

const char *hpo__viz_param_text(const hpo__param *p, char *out, size_t n)
{
    hpo_value v;
    if (hpo__dist_to_external(p->dist, p->internal, &v) != HPO_OK) {
        snprintf(out, n, "%.6g", p->internal);
        return out;
    }
    switch (v.type) {
    case HPO_VALUE_NULL:
        snprintf(out, n, "None");
        break;
    case HPO_VALUE_BOOL:
        snprintf(out, n, "%s", v.u.b ? "True" : "False");
        break;
    case HPO_VALUE_INT:
        snprintf(out, n, "%lld", (long long)v.u.i);
        break;
    case HPO_VALUE_FLOAT:
        snprintf(out, n, "%.6g", v.u.f);
        break;
    default:
        snprintf(out, n, "%s", v.u.s);
        break;
    }
    return out;
}

/* One parameter as an axis: merged range over the distributions seen. */
typedef struct paxis {
    const char *name;
    const hpo_distribution *dist; /* the first seen */
    bool categorical, log;
    double lo, hi;
    char **labels; /* categorical: choice texts */
    size_t count;  /* completed trials carrying it */
} paxis;

static void paxes_free(paxis *a, size_t n)
{
    for (size_t i = 0; i < n && a; i++) {
        for (size_t j = 0; a[i].labels && j < a[i].dist->n_choices; j++)
            hpo__free(a[i].labels[j]);
        hpo__free(a[i].labels);
    }
    hpo__free(a);
}

static int cmp_axis_name(const void *x, const void *y)
{
    return strcmp(((const paxis *)x)->name, ((const paxis *)y)->name);
}

static int axis_labels(paxis *a)
{
    size_t n = a->dist->n_choices;
    a->labels = hpo__calloc(n, sizeof(char *));
    if (a->labels == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory for labels");
    for (size_t j = 0; j < n; j++) {
        hpo__param p = {NULL, (hpo_distribution *)a->dist, (double)j};
        char tmp[64];
        const char *s = a->dist->choices[j].type == HPO_VALUE_STRING
                                ? a->dist->choices[j].u.s
                                : hpo__viz_param_text(&p, tmp, sizeof(tmp));
        a->labels[j] = hpo__strdup(s);
        if (a->labels[j] == NULL)
            return hpo__error_set(HPO_ENOMEM, "out of memory for labels");
    }
    return HPO_OK;
}

/*
 * The parameters of the completed trials (or the ones named in the options),
 * sorted by name. Errors: EINVAL for a named parameter no trial has.
 */
static int collect_axes(const hpo__viz_data *d, const popts *po, paxis **out, size_t *n_out)
{
    paxis *a = NULL;
    size_t n = 0, cap = 0;
    int rc = HPO_OK;
    *out = NULL;
    *n_out = 0;
    for (size_t i = 0; i < d->n_trials; i++) {
        const hpo__record *r = d->trials[i];
        if (!has_value(r, po->obj))
            continue;
        for (size_t p = 0; p < r->n_params; p++) {
            const hpo__param *pp = &r->params[p];
            size_t j;
            for (j = 0; j < n; j++)
                if (strcmp(a[j].name, pp->name) == 0)
                    break;
            if (j == n) {
                if (n == cap) {
                    paxis *g;
                    cap = cap ? 2 * cap : 16;
                    g = hpo__reallocarray(a, cap, sizeof(*a));
                    if (g == NULL) {
                        paxes_free(a, n);
                        return hpo__error_set(HPO_ENOMEM, "out of memory listing parameters");
                    }
                    a = g;
                }
                memset(&a[n], 0, sizeof(a[n]));
                a[n].name = pp->name;
                a[n].dist = pp->dist;
                a[n].categorical = pp->dist->kind == HPO_DIST_CATEGORICAL;
                a[n].log = pp->dist->log;
                a[n].lo = pp->dist->low;
                a[n].hi = pp->dist->high;
                n++;
            } else if (!a[j].categorical && pp->dist->kind != HPO_DIST_CATEGORICAL) {
                a[j].lo = fmin(a[j].lo, pp->dist->low);
                a[j].hi = fmax(a[j].hi, pp->dist->high);
            }
            a[j].count++;
        }
    }
    if (n > 1)
        qsort(a, n, sizeof(*a), cmp_axis_name);
    if (po->o != NULL && po->o->params != NULL) {
        /* Keep the named ones, in the order given. */
        paxis *sel = hpo__calloc(po->o->n_params + 1, sizeof(*sel));
        if (sel == NULL) {
            paxes_free(a, n);
            return hpo__error_set(HPO_ENOMEM, "out of memory selecting parameters");
        }
        for (size_t i = 0; i < po->o->n_params; i++) {
            size_t j;
            for (j = 0; j < n; j++)
                if (strcmp(a[j].name, po->o->params[i]) == 0)
                    break;
            if (j == n) {
                rc = hpo__error_set(HPO_EINVAL, "no completed trial has parameter '%s'",
                                    po->o->params[i]);
                hpo__free(sel);
                paxes_free(a, n);
                return rc;
            }
            sel[i] = a[j];
        }
        hpo__free(a);
        a = sel;
        n = po->o->n_params;
    }
    for (size_t i = 0; i < n && rc == HPO_OK; i++)
        if (a[i].categorical)
            rc = axis_labels(&a[i]);
    if (rc != HPO_OK) {
        paxes_free(a, n);
        return rc;
    }
    *out = a;
    *n_out = n;
    return HPO_OK;
}

static void axis_scale(const paxis *a, hpo__scale *s, double r0, double r1)
{
    if (a->categorical)
        hpo__scale_category(s, (const char *const *)a->labels, a->dist->n_choices, r0, r1);
    else
        hpo__scale_numeric(s, a->lo, a->hi, a->log, r0, r1);
    s->integer = a->dist->kind == HPO_DIST_INT;
}

/* Position of trial r on axis a, NAN when r lacks the parameter. */
static double axis_pos(const paxis *a, const hpo__scale *s, const hpo__record *r)
{
    long p = hpo__record_find_param(r, a->name);
    if (p < 0)
        return NAN;
    if (a->categorical && !hpo__dist_equal(r->params[p].dist, a->dist))
        return NAN;
    return hpo__scale_map(s, r->params[p].internal);
}

static void value_range(const hpo__viz_data *d, size_t obj, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t i = 0; i < d->n_trials; i++) {
        if (!has_value(d->trials[i], obj))
            continue;
        *lo = fmin(*lo, d->trials[i]->values[obj]);
        *hi = fmax(*hi, d->trials[i]->values[obj]);
    }
}

static void frame_of(const popts *po, double right, hpo__frame *f)
{
    f->x0 = 80;
    f->y0 = 40;
    f->x1 = po->w - right;
    f->y1 = po->h - 50.0;
}

static void circle(hpo_buf *b, double x, double y, const char *fill)
{
    hpo__buf_puts(b, "<circle cx=\"");
    hpo__svg_num(b, x);
    hpo__buf_puts(b, "\" cy=\"");
    hpo__svg_num(b, y);
    hpo__buf_printf(b, "\" r=\"3\" fill=\"%s\"/>\n", fill);
}

/* Scatter of n points through thinning. Returns the status. */
static int scatter(hpo_buf *b,
                   const double *x,
                   const double *y,
                   const int *key,
                   size_t n,
                   size_t max,
                   const char *const *fills,
                   const char *fill)
{
    bool *keep = hpo__calloc(n + 1, sizeof(bool));
    size_t kept;
    if (keep == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory drawing %zu points", n);
    kept = hpo__thin(x, y, key, n, max, keep);
    if (kept == (size_t)-1) {
        hpo__free(keep);
        return HPO_ENOMEM;
    }
    hpo__buf_puts(b, "<g class=\"points\" fill-opacity=\"0.8\">\n");
    for (size_t i = 0; i < n; i++)
        if (keep[i])
            circle(b, x[i], y[i], fills ? fills[key[i]] : fill);
    hpo__buf_puts(b, "</g>\n");
    hpo__free(keep);
    return HPO_OK;
}

static void polyline_pt(hpo_buf *b, double x, double y, bool *first)
{
    hpo__buf_puts(b, *first ? "M" : " L");
    hpo__svg_num(b, x);
    hpo__buf_putc(b, ',');
    hpo__svg_num(b, y);
    *first = false;
}

/*=========================== history ===========================*/

static int plot_history(hpo_buf *b, const hpo__viz_data *d, const popts *po)
{
    hpo__frame f;
    hpo__scale sx, sy;
    double lo, hi, *x = NULL, *y = NULL, best = NAN;
    size_t n = 0, first_num = SIZE_MAX, last_num = 0;
    bool maximize = d->directions[po->obj] == HPO_MAXIMIZE, first = true;
    const char *names[] = {"Objective Value", "Best Value"};
    const char *colors[] = {"#1f77b4", "#d62728"};
    char lab[32];
    int rc;
    hpo__svg_begin(b, po->w, po->h, "hpo-history", "Optimization History");
    frame_of(po, 150, &f);
    value_range(d, po->obj, &lo, &hi);
    if (!(lo <= hi)) {
        hpo__svg_note(b, &f, "no completed trials");
        hpo__svg_end(b);
        return HPO_OK;
    }
    for (size_t i = 0; i < d->n_trials; i++) {
        if (!has_value(d->trials[i], po->obj))
            continue;
        if (first_num == SIZE_MAX)
            first_num = (size_t)d->trials[i]->number;
        last_num = (size_t)d->trials[i]->number;
    }
    hpo__scale_numeric(&sx, (double)first_num, (double)last_num, false, f.x0, f.x1);
    sx.integer = true;
    hpo__scale_numeric(&sy, lo, hi, false, f.y1, f.y0);
    hpo__svg_axis(b, &f, &sx, false, "Trial");
    hpo__svg_axis(b, &f, &sy, true, obj_label(d, po->obj, lab, sizeof(lab)));
    x = hpo__reallocarray(NULL, d->n_trials + 1, sizeof(*x));
    y = hpo__reallocarray(NULL, d->n_trials + 1, sizeof(*y));
    if (!x || !y) {
        rc = hpo__error_set(HPO_ENOMEM, "out of memory for %zu trials", d->n_trials);
        goto done;
    }
    hpo__buf_puts(b, "<path class=\"best\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\" "
                     "d=\"");
    for (size_t i = 0; i < d->n_trials; i++) {
        const hpo__record *r = d->trials[i];
        double v, px;
        if (!has_value(r, po->obj))
            continue;
        v = r->values[po->obj];
        px = hpo__scale_map(&sx, (double)r->number);
        x[n] = px;
        y[n++] = hpo__scale_map(&sy, v);
        if (isnan(best) || (maximize ? v > best : v < best)) {
            if (!isnan(best))
                polyline_pt(b, px, hpo__scale_map(&sy, best), &first);
            best = v;
            polyline_pt(b, px, hpo__scale_map(&sy, best), &first);
        }
    }
    polyline_pt(b, f.x1 - (f.x1 - f.x0) * 0.0476, hpo__scale_map(&sy, best), &first);
    hpo__buf_puts(b, "\"/>\n");
    rc = scatter(b, x, y, NULL, n, po->max_points, NULL, "#1f77b4");
    hpo__svg_legend(b, f.x1 + 14, f.y0 + 12, names, colors, 2);
    hpo__svg_end(b);
done:
    hpo__free(x);
    hpo__free(y);
    return rc;
}

/*=========================== intermediate values ===========================*/

/* Pick at most max trials: every one when they fit, else an even sample by number. */
static size_t pick_stride(size_t n, size_t max)
{
    return n <= max ? 1 : (n + max - 1) / max;
}

static int plot_intermediate(hpo_buf *b, const hpo__viz_data *d, const popts *po)
{
    hpo__frame f;
    hpo__scale sx, sy;
    double lo = INFINITY, hi = -INFINITY;
    int64_t smin = INT64_MAX, smax = INT64_MIN;
    size_t n_with = 0, stride, seen = 0, drawn = 0, per_line = 200;
    const char *names[] = {"COMPLETE", "PRUNED", "RUNNING", "FAIL"};
    const char *colors[4];
    colors[0] = hpo__state_color(HPO_TRIAL_COMPLETE);
    colors[1] = hpo__state_color(HPO_TRIAL_PRUNED);
    colors[2] = hpo__state_color(HPO_TRIAL_RUNNING);
    colors[3] = hpo__state_color(HPO_TRIAL_FAIL);
    hpo__svg_begin(b, po->w, po->h, "hpo-intermediate", "Intermediate Values");
    frame_of(po, 130, &f);
    for (size_t i = 0; i < d->n_trials; i++) {
        const hpo__record *r = d->trials[i];
        if (r->n_ivalues == 0)
            continue;
        n_with++;
        for (size_t k = 0; k < r->n_ivalues; k++) {
            if (!isfinite(r->ivalues[k].value))
                continue;
            lo = fmin(lo, r->ivalues[k].value);
            hi = fmax(hi, r->ivalues[k].value);
            smin = r->ivalues[k].step < smin ? r->ivalues[k].step : smin;
            smax = r->ivalues[k].step > smax ? r->ivalues[k].step : smax;
        }
    }
    if (n_with == 0 || !(lo <= hi)) {
        hpo__svg_note(b, &f, "no intermediate values reported");
        hpo__svg_end(b);
        return HPO_OK;
    }
    hpo__scale_numeric(&sx, (double)smin, (double)smax, false, f.x0, f.x1);
    sx.integer = true;
    hpo__scale_numeric(&sy, lo, hi, false, f.y1, f.y0);
    hpo__svg_axis(b, &f, &sx, false, "Step");
    hpo__svg_axis(b, &f, &sy, true, "Intermediate Value");
    stride = pick_stride(n_with, MAX_LINES);
    hpo__buf_puts(b, "<g class=\"lines\" fill=\"none\" stroke-opacity=\"0.6\">\n");
    for (size_t i = 0; i < d->n_trials; i++) {
        const hpo__record *r = d->trials[i];
        size_t ks;
        bool first = true;
        if (r->n_ivalues == 0 || seen++ % stride != 0)
            continue;
        drawn++;
        ks = pick_stride(r->n_ivalues, per_line);
        hpo__buf_printf(b, "<path stroke=\"%s\" d=\"", hpo__state_color(r->state));
        for (size_t k = 0; k < r->n_ivalues; k++) {
            if ((k % ks != 0 && k + 1 != r->n_ivalues) || !isfinite(r->ivalues[k].value))
                continue;
            polyline_pt(b, hpo__scale_map(&sx, (double)r->ivalues[k].step),
                        hpo__scale_map(&sy, r->ivalues[k].value), &first);
        }
        hpo__buf_puts(b, "\"/>\n");
        if (r->state == HPO_TRIAL_PRUNED) {
            const hpo__ivalue *last = &r->ivalues[r->n_ivalues - 1];
            double px = hpo__scale_map(&sx, (double)last->step);
            double py = hpo__scale_map(&sy, last->value);
            if (isfinite(px) && isfinite(py)) {
                /* An "x" where the pruner stopped the trial. */
                hpo__buf_puts(b, "<path class=\"pruned\" stroke=\"#ff7f0e\" d=\"M");
                hpo__svg_num(b, px - 3);
                hpo__buf_putc(b, ',');
                hpo__svg_num(b, py - 3);
                hpo__buf_puts(b, " l6,6 m0,-6 l-6,6\"/>\n");
            }
        }
    }
    hpo__buf_puts(b, "</g>\n");
    if (drawn < n_with) {
        char note[96];
        snprintf(note, sizeof(note), "%zu of %zu trials shown", drawn, n_with);
        hpo__buf_puts(b, "<text class=\"note\" fill=\"#666\" x=\"");
        hpo__svg_num(b, f.x0 + 6);
        hpo__buf_puts(b, "\" y=\"");
        hpo__svg_num(b, f.y0 + 12);
        hpo__buf_printf(b, "\">%s</text>\n", note);
    }
    hpo__svg_legend(b, f.x1 + 14, f.y0 + 12, names, colors, 4);
    hpo__svg_end(b);
    return HPO_OK;
}

/*=========================== importance ===========================*/

static int plot_importance(hpo_buf *b, const hpo__viz_data *d, const popts *po)
{
    hpo_importance_options io = HPO_IMPORTANCE_OPTIONS_INIT;
    hpo_importance_kind kind = po->o ? po->o->importance : HPO_IMPORTANCE_PEDANOVA;
    char **names = NULL;
    double *vals = NULL, vmax = 0.0, row;
    size_t n = 0;
    hpo__frame f;
    hpo__scale sx;
    int rc;
    io.objective = po->obj;
    if (po->o != NULL) {
        io.seed = po->o->seed;
        io.params = po->o->params;
        io.n_params = po->o->n_params;
    }
    rc = hpo__importance_records(d->trials, d->n_trials, d->directions, d->n_objectives, kind, &io,
                                 &names, &vals, &n);
    if (rc != HPO_OK)
        return rc;
    hpo__svg_begin(b, po->w, po->h, "hpo-importance",
                   kind == HPO_IMPORTANCE_FANOVA ? "Hyperparameter Importances (fANOVA)"
                                                 : "Hyperparameter Importances (PED-ANOVA)");
    f.x0 = 170;
    f.y0 = 40;
    f.x1 = po->w - 60.0;
    f.y1 = po->h - 50.0;
    if (n == 0) {
        hpo__svg_note(b, &f, "no completed trials");
        hpo__svg_end(b);
        return HPO_OK;
    }
    for (size_t i = 0; i < n; i++)
        vmax = fmax(vmax, vals[i]);
    hpo__scale_numeric(&sx, 0.0, vmax > 0 ? vmax : 1.0, false, f.x0, f.x1);
    sx.d0 = 0.0; /* bars start at zero */
    hpo__svg_axis(b, &f, &sx, false, "Importance");
    row = (f.y1 - f.y0) / (double)n;
    hpo__buf_puts(b, "<g class=\"bars\">\n");
    for (size_t i = 0; i < n; i++) {
        /* Most important on top. */
        double y = f.y0 + row * (double)i, h = fmin(row * 0.7, 28.0);
        double x1 = hpo__scale_map(&sx, vals[i]);
        char tmp[32];
        hpo__buf_puts(b, "<rect fill=\"#1f77b4\" x=\"");
        hpo__svg_num(b, f.x0);
        hpo__buf_puts(b, "\" y=\"");
        hpo__svg_num(b, y + (row - h) / 2);
        hpo__buf_puts(b, "\" width=\"");
        hpo__svg_num(b, fmax(x1 - f.x0, 0.0));
        hpo__buf_puts(b, "\" height=\"");
        hpo__svg_num(b, h);
        hpo__buf_puts(b, "\"/><text text-anchor=\"end\" x=\"");
        hpo__svg_num(b, f.x0 - 6);
        hpo__buf_puts(b, "\" y=\"");
        hpo__svg_num(b, y + row / 2 + 4);
        hpo__buf_puts(b, "\">");
        hpo__svg_text(b, names[i], 22);
        hpo__buf_puts(b, "</text><text x=\"");
        hpo__svg_num(b, x1 + 4);
        hpo__buf_puts(b, "\" y=\"");
        hpo__svg_num(b, y + row / 2 + 4);
        snprintf(tmp, sizeof(tmp), "%.2f", vals[i]);
        hpo__buf_printf(b, "\">%s</text>\n", tmp);
    }
    hpo__buf_puts(b, "</g>\n");
    hpo__svg_end(b);
    hpo_free(names);
    hpo_free(vals);
    return HPO_OK;
}

/*=========================== parallel coordinates ===========================*/

typedef struct ranked {
    size_t idx;
    double key;
} ranked;

static int cmp_ranked_desc(const void *x, const void *y)
{
    const ranked *a = x, *c = y;
    if (a->key != c->key)
        return a->key < c->key ? 1 : -1; /* worst first, so the best are drawn on top */
    return (a->idx > c->idx) - (a->idx < c->idx);
}

/* Completed trials ordered worst to best, at most max (the best half kept whole). */
static int select_lines(const hpo__viz_data *d,
                        const popts *po,
                        size_t max,
                        ranked **out,
                        size_t *n_out,
                        size_t *n_all)
{
    bool maximize = d->directions[po->obj] == HPO_MAXIMIZE;
    ranked *r = hpo__reallocarray(NULL, d->n_trials + 1, sizeof(*r));
    size_t n = 0;
    if (r == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory ranking trials");
    for (size_t i = 0; i < d->n_trials; i++) {
        double v;
        if (!has_value(d->trials[i], po->obj))
            continue;
        v = d->trials[i]->values[po->obj];
        r[n].idx = i;
        r[n++].key = maximize ? -v : v;
    }
    qsort(r, n, sizeof(*r), cmp_ranked_desc);
    *n_all = n;
    if (n > max) {
        size_t best = max / 2, rest = n - best, stride = pick_stride(rest, max - best), m = 0;
        for (size_t i = 0; i < rest; i++)
            if (i % stride == 0)
                r[m++] = r[i];
        memmove(r + m, r + rest, best * sizeof(*r));
        n = m + best;
    }
    *out = r;
    *n_out = n;
    return HPO_OK;
}

static int plot_parallel(hpo_buf *b, const hpo__viz_data *d, const popts *po)
{
    paxis *ax = NULL;
    hpo__scale *sc = NULL, sv;
    ranked *lines = NULL;
    size_t n_ax = 0, n_lines = 0, n_all = 0;
    double lo, hi, gap;
    hpo__frame f;
    char lab[32];
    int rc;
    hpo__svg_begin(b, po->w, po->h, "hpo-parallel", "Parallel Coordinate Plot");
    frame_of(po, 110, &f);
    f.x0 = 60;
    value_range(d, po->obj, &lo, &hi);
    if (!(lo <= hi)) {
        hpo__svg_note(b, &f, "no completed trials");
        hpo__svg_end(b);
        return HPO_OK;
    }
    if ((rc = collect_axes(d, po, &ax, &n_ax)) != HPO_OK)
        return rc;
    sc = hpo__calloc(n_ax + 1, sizeof(*sc));
    if (sc == NULL) {
        rc = hpo__error_set(HPO_ENOMEM, "out of memory for axes");
        goto done;
    }
    if ((rc = select_lines(d, po, po->max_points / 10 < 50 ? 50 : po->max_points / 10, &lines,
                           &n_lines, &n_all)) != HPO_OK)
        goto done;
    gap = n_ax > 0 ? (f.x1 - f.x0) / (double)n_ax : 0.0;
    hpo__scale_numeric(&sv, lo, hi, false, f.y1, f.y0);
    for (size_t a = 0; a < n_ax; a++)
        axis_scale(&ax[a], &sc[a], f.y1, f.y0);
    hpo__buf_puts(b, "<g class=\"lines\" fill=\"none\" stroke-opacity=\"0.5\">\n");
    for (size_t i = 0; i < n_lines; i++) {
        const hpo__record *r = d->trials[lines[i].idx];
        double v = r->values[po->obj];
        char col[8];
        bool first = true;
        hpo__viridis((v - lo) / (hi > lo ? hi - lo : 1.0), col);
        hpo__buf_printf(b, "<path stroke=\"%s\" d=\"", col);
        polyline_pt(b, f.x0, hpo__scale_map(&sv, v), &first);
        for (size_t a = 0; a < n_ax; a++) {
            double p = axis_pos(&ax[a], &sc[a], r);
            if (isnan(p)) {
                first = true; /* a missing parameter breaks the line */
                continue;
            }
            polyline_pt(b, f.x0 + gap * (double)(a + 1), p, &first);
        }
        hpo__buf_puts(b, "\"/>\n");
    }
    hpo__buf_puts(b, "</g>\n");
    {
        hpo__frame af = f;
        af.x0 = f.x0;
        hpo__svg_axis(b, &af, &sv, true, NULL);
        hpo__buf_puts(b, "<text text-anchor=\"middle\" x=\"");
        hpo__svg_num(b, af.x0);
        hpo__buf_puts(b, "\" y=\"");
        hpo__svg_num(b, f.y1 + 20);
        hpo__buf_puts(b, "\">");
        hpo__svg_text(b, obj_label(d, po->obj, lab, sizeof(lab)), 20);
        hpo__buf_puts(b, "</text>\n");
        for (size_t a = 0; a < n_ax; a++) {
            af.x0 = f.x0 + gap * (double)(a + 1);
            af.x1 = af.x0;
            hpo__svg_axis(b, &af, &sc[a], true, NULL);
            hpo__buf_puts(b, "<text text-anchor=\"middle\" x=\"");
            hpo__svg_num(b, af.x0);
            hpo__buf_puts(b, "\" y=\"");
            hpo__svg_num(b, f.y1 + 20 + (double)(a % 2) * 13);
            hpo__buf_puts(b, "\">");
            hpo__svg_text(b, ax[a].name, 18);
            if (sc[a].kind == HPO__SCALE_LOG)
                hpo__buf_puts(b, " (log)");
            hpo__buf_puts(b, "</text>\n");
        }
    }
    if (n_lines < n_all) {
        hpo__buf_printf(b,
                        "<text class=\"note\" fill=\"#666\" x=\"%u\" y=\"34\">%zu of %zu "
                        "trials shown (the best %zu and an even sample)</text>\n",
                        80u, n_lines, n_all,
                        (po->max_points / 10 < 50 ? 50 : po->max_points / 10) / 2);
    }
    hpo__svg_colorbar(b, f.x1 + 40, f.y0 + 20, f.y1, lo, hi, "Objective");
    hpo__svg_end(b);
done:
    hpo__free(lines);
    hpo__free(sc);
    paxes_free(ax, n_ax);
    return rc;
}

/*=========================== slice ===========================*/

static int plot_slice(hpo_buf *b, const hpo__viz_data *d, const popts *po)
{
    paxis *ax = NULL;
    size_t n_ax = 0, cols, rows, n = 0;
    double lo, hi, pw, ph, *x = NULL, *y = NULL, first_num = 0, last_num = 1;
    int *key = NULL, rc;
    unsigned height;
    char lab[32];
    const char *fills[16];
    char fill_buf[16][8];
    value_range(d, po->obj, &lo, &hi);
    if (!(lo <= hi)) {
        hpo__frame f;
        hpo__svg_begin(b, po->w, po->h, "hpo-slice", "Slice Plot");
        frame_of(po, 20, &f);
        hpo__svg_note(b, &f, "no completed trials");
        hpo__svg_end(b);
        return HPO_OK;
    }
    if ((rc = collect_axes(d, po, &ax, &n_ax)) != HPO_OK)
        return rc;
    cols = n_ax < 3 ? (n_ax ? n_ax : 1) : 3;
    rows = (n_ax + cols - 1) / cols;
    rows = rows ? rows : 1;
    pw = (double)po->w / (double)cols;
    ph = 300.0;
    height = (unsigned)(ph * (double)rows + 40.0);
    hpo__svg_begin(b, po->w, height, "hpo-slice", "Slice Plot");
    for (int i = 0; i < 16; i++) {
        hpo__viridis((i + 0.5) / 16.0, fill_buf[i]);
        fills[i] = fill_buf[i];
    }
    x = hpo__reallocarray(NULL, d->n_trials + 1, sizeof(*x));
    y = hpo__reallocarray(NULL, d->n_trials + 1, sizeof(*y));
    key = hpo__reallocarray(NULL, d->n_trials + 1, sizeof(*key));
    if (!x || !y || !key) {
        rc = hpo__error_set(HPO_ENOMEM, "out of memory for %zu trials", d->n_trials);
        goto done;
    }
    for (size_t i = 0; i < d->n_trials; i++) {
        if (has_value(d->trials[i], po->obj)) {
            last_num = (double)d->trials[i]->number;
            if (n++ == 0)
                first_num = last_num;
        }
    }
    for (size_t a = 0; a < n_ax && rc == HPO_OK; a++) {
        hpo__frame f;
        hpo__scale sx, sy;
        size_t m = 0;
        f.x0 = pw * (double)(a % cols) + 70;
        f.x1 = pw * (double)(a % cols + 1) - 15;
        f.y0 = 40 + ph * (double)(a / cols) + 10;
        f.y1 = 40 + ph * (double)(a / cols + 1) - 50;
        axis_scale(&ax[a], &sx, f.x0, f.x1);
        hpo__scale_numeric(&sy, lo, hi, false, f.y1, f.y0);
        hpo__svg_axis(b, &f, &sx, false, ax[a].name);
        hpo__svg_axis(b, &f, &sy, true,
                      a % cols == 0 ? obj_label(d, po->obj, lab, sizeof(lab)) : NULL);
        for (size_t i = 0; i < d->n_trials; i++) {
            const hpo__record *r = d->trials[i];
            double px;
            if (!has_value(r, po->obj) || isnan(px = axis_pos(&ax[a], &sx, r)))
                continue;
            x[m] = px;
            y[m] = hpo__scale_map(&sy, r->values[po->obj]);
            key[m++] = (int)fmin(15.0, 16.0 * ((double)r->number - first_num) /
                                               (last_num - first_num + 1.0));
        }
        rc = scatter(b, x, y, key, m, po->max_points / (n_ax ? n_ax : 1), fills, NULL);
    }
    if (n_ax == 0) {
        hpo__frame f;
        frame_of(po, 20, &f);
        hpo__svg_note(b, &f, "no parameters");
    }
    hpo__svg_end(b);
done:
    hpo__free(key);
    hpo__free(y);
    hpo__free(x);
    paxes_free(ax, n_ax);
    return rc;
}

/*=========================== contour ===========================*/

static int cmp_axis_count(const void *x, const void *y)
{
    const paxis *a = x, *c = y;
    if (a->count != c->count)
        return a->count < c->count ? 1 : -1;
    return strcmp(a->name, c->name);
}

/* Mean objective per grid cell; empty cells filled from their neighbours until none is left. */
static void fill_grid(double *g, double *cnt, int n)
{
    double *nx = hpo__calloc((size_t)n * (size_t)n, sizeof(double));
    bool any_empty = true;
    for (int i = 0; i < n * n; i++)
        g[i] = cnt[i] > 0 ? g[i] / cnt[i] : (double)NAN;
    for (int pass = 0; pass < 4 * n && any_empty && nx != NULL; pass++) {
        any_empty = false;
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < n; c++) {
                double s = 0, k = 0;
                int i = r * n + c;
                nx[i] = g[i];
                if (!isnan(g[i]))
                    continue;
                any_empty = true;
                for (int dr = -1; dr <= 1; dr++) {
                    for (int dc = -1; dc <= 1; dc++) {
                        int rr = r + dr, cc = c + dc;
                        if (rr < 0 || cc < 0 || rr >= n || cc >= n || isnan(g[rr * n + cc]))
                            continue;
                        s += g[rr * n + cc];
                        k += 1;
                    }
                }
                if (k > 0)
                    nx[i] = s / k;
            }
        }
        memcpy(g, nx, (size_t)n * (size_t)n * sizeof(double));
    }
    hpo__free(nx);
}

static int plot_contour(hpo_buf *b, const hpo__viz_data *d, const popts *po)
{
    paxis *ax = NULL;
    size_t n_ax = 0, m = 0;
    hpo__frame f;
    hpo__scale sx, sy;
    double lo, hi, *x = NULL, *y = NULL, grid[CONTOUR_GRID * CONTOUR_GRID],
                   cnt[CONTOUR_GRID * CONTOUR_GRID];
    int rc;
    hpo__svg_begin(b, po->w, po->h, "hpo-contour", "Contour Plot");
    frame_of(po, 110, &f);
    value_range(d, po->obj, &lo, &hi);
    if (!(lo <= hi)) {
        hpo__svg_note(b, &f, "no completed trials");
        hpo__svg_end(b);
        return HPO_OK;
    }
    if ((rc = collect_axes(d, po, &ax, &n_ax)) != HPO_OK)
        return rc;
    if (po->o == NULL || po->o->params == NULL)
        qsort(ax, n_ax, sizeof(*ax), cmp_axis_count);
    if (n_ax < 2) {
        hpo__svg_note(b, &f, "a contour needs two parameters");
        hpo__svg_end(b);
        goto done;
    }
    axis_scale(&ax[0], &sx, f.x0, f.x1);
    axis_scale(&ax[1], &sy, f.y1, f.y0);
    x = hpo__reallocarray(NULL, d->n_trials + 1, sizeof(*x));
    y = hpo__reallocarray(NULL, d->n_trials + 1, sizeof(*y));
    if (!x || !y) {
        rc = hpo__error_set(HPO_ENOMEM, "out of memory for %zu trials", d->n_trials);
        goto done;
    }
    memset(grid, 0, sizeof(grid));
    memset(cnt, 0, sizeof(cnt));
    for (size_t i = 0; i < d->n_trials; i++) {
        const hpo__record *r = d->trials[i];
        double px, py;
        int gx, gy;
        if (!has_value(r, po->obj) || isnan(px = axis_pos(&ax[0], &sx, r)) ||
            isnan(py = axis_pos(&ax[1], &sy, r)))
            continue;
        x[m] = px;
        y[m++] = py;
        gx = (int)((px - f.x0) / (f.x1 - f.x0) * CONTOUR_GRID);
        gy = (int)((f.y1 - py) / (f.y1 - f.y0) * CONTOUR_GRID);
        gx = gx < 0 ? 0 : gx >= CONTOUR_GRID ? CONTOUR_GRID - 1 : gx;
        gy = gy < 0 ? 0 : gy >= CONTOUR_GRID ? CONTOUR_GRID - 1 : gy;
        grid[gy * CONTOUR_GRID + gx] += r->values[po->obj];
        cnt[gy * CONTOUR_GRID + gx] += 1;
    }
    if (m == 0) {
        hpo__svg_note(b, &f, "no trial has both parameters");
        hpo__svg_end(b);
        goto done;
    }
    fill_grid(grid, cnt, CONTOUR_GRID);
    {
        double cw = (f.x1 - f.x0) / CONTOUR_GRID, ch = (f.y1 - f.y0) / CONTOUR_GRID;
        hpo__buf_puts(b, "<g class=\"cells\" shape-rendering=\"crispEdges\">\n");
        for (int gy = 0; gy < CONTOUR_GRID; gy++) {
            for (int gx = 0; gx < CONTOUR_GRID; gx++) {
                char col[8];
                double v = grid[gy * CONTOUR_GRID + gx];
                if (isnan(v))
                    continue;
                hpo__viridis((v - lo) / (hi > lo ? hi - lo : 1.0), col);
                hpo__buf_puts(b, "<rect x=\"");
                hpo__svg_num(b, f.x0 + cw * gx);
                hpo__buf_puts(b, "\" y=\"");
                hpo__svg_num(b, f.y1 - ch * (gy + 1));
                hpo__buf_puts(b, "\" width=\"");
                hpo__svg_num(b, cw + 0.5);
                hpo__buf_puts(b, "\" height=\"");
                hpo__svg_num(b, ch + 0.5);
                hpo__buf_printf(b, "\" fill=\"%s\"/>\n", col);
            }
        }
        hpo__buf_puts(b, "</g>\n");
    }
    hpo__svg_axis(b, &f, &sx, false, ax[0].name);
    hpo__svg_axis(b, &f, &sy, true, ax[1].name);
    rc = scatter(b, x, y, NULL, m, po->max_points, NULL, "#222222");
    hpo__svg_colorbar(b, f.x1 + 40, f.y0 + 20, f.y1, lo, hi, "Objective");
    hpo__svg_end(b);
done:
    hpo__free(x);
    hpo__free(y);
    paxes_free(ax, n_ax);
    return rc;
}

/*=========================== EDF ===========================*/

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int plot_edf(hpo_buf *b, const hpo__viz_data *d, const popts *po)
{
    hpo__frame f;
    hpo__scale sx, sy;
    double *v = hpo__reallocarray(NULL, d->n_trials + 1, sizeof(double));
    size_t n = 0, stride;
    bool first = true;
    char lab[32];
    hpo__svg_begin(b, po->w, po->h, "hpo-edf", "Empirical Distribution Function Plot");
    frame_of(po, 30, &f);
    if (v == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory for %zu values", d->n_trials);
    for (size_t i = 0; i < d->n_trials; i++)
        if (has_value(d->trials[i], po->obj))
            v[n++] = d->trials[i]->values[po->obj];
    if (n == 0) {
        hpo__svg_note(b, &f, "no completed trials");
        hpo__svg_end(b);
        hpo__free(v);
        return HPO_OK;
    }
    qsort(v, n, sizeof(double), cmp_double);
    hpo__scale_numeric(&sx, v[0], v[n - 1], false, f.x0, f.x1);
    hpo__scale_numeric(&sy, 0.0, 1.0, false, f.y1, f.y0);
    hpo__svg_axis(b, &f, &sx, false, obj_label(d, po->obj, lab, sizeof(lab)));
    hpo__svg_axis(b, &f, &sy, true, "Cumulative Probability");
    stride = pick_stride(n, po->max_points);
    hpo__buf_puts(b, "<path class=\"edf\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" "
                     "d=\"");
    polyline_pt(b, hpo__scale_map(&sx, v[0]), hpo__scale_map(&sy, 0.0), &first);
    for (size_t i = 0; i < n; i++) {
        if (i % stride != 0 && i + 1 != n)
            continue;
        /* The step up at each value: F jumps from i/n to (i+1)/n. */
        polyline_pt(b, hpo__scale_map(&sx, v[i]), hpo__scale_map(&sy, (double)i / (double)n),
                    &first);
        polyline_pt(b, hpo__scale_map(&sx, v[i]), hpo__scale_map(&sy, (double)(i + 1) / (double)n),
                    &first);
    }
    hpo__buf_puts(b, "\"/>\n");
    hpo__svg_end(b);
    hpo__free(v);
    return HPO_OK;
}

/*=========================== timeline ===========================*/

static int plot_timeline(hpo_buf *b, const hpo__viz_data *d, const popts *po)
{
    hpo__frame f;
    hpo__scale sx, sy;
    double t0 = INFINITY, t1 = -INFINITY, now, bar;
    size_t n = 0, first = 0, max_bars = po->max_points < 2000 ? po->max_points : 2000;
    bool present[5] = {false};
    const char *names[5], *colors[5];
    size_t n_leg = 0, lo_num = SIZE_MAX, hi_num = 0;
    hpo__svg_begin(b, po->w, po->h, "hpo-timeline", "Timeline Plot");
    frame_of(po, 130, &f);
    for (size_t i = 0; i < d->n_trials; i++)
        if (isfinite(d->trials[i]->datetime_start))
            n++;
    /* The most recent trials when there are too many to draw. */
    for (size_t i = d->n_trials, k = 0; i > 0 && k < max_bars; i--) {
        if (isfinite(d->trials[i - 1]->datetime_start)) {
            first = i - 1;
            k++;
        }
    }
    for (size_t i = first; i < d->n_trials; i++) {
        const hpo__record *r = d->trials[i];
        if (!isfinite(r->datetime_start))
            continue;
        t0 = fmin(t0, r->datetime_start);
        t1 = fmax(t1, r->datetime_start);
        if (isfinite(r->datetime_complete))
            t1 = fmax(t1, r->datetime_complete);
        lo_num = (size_t)r->number < lo_num ? (size_t)r->number : lo_num;
        hi_num = (size_t)r->number > hi_num ? (size_t)r->number : hi_num;
        present[r->state < 5 ? r->state : 4] = true;
    }
    if (n == 0) {
        hpo__svg_note(b, &f, "no trial has started");
        hpo__svg_end(b);
        return HPO_OK;
    }
    now = po->o && po->o->now > 0 ? po->o->now : t1;
    t1 = fmax(t1, now);
    hpo__scale_numeric(&sx, 0.0, t1 - t0, false, f.x0, f.x1);
    sx.d0 = 0.0;
    hpo__scale_numeric(&sy, (double)lo_num, (double)hi_num, false, f.y1, f.y0);
    sy.integer = true;
    hpo__svg_axis(b, &f, &sx, false, "Seconds since the first start");
    hpo__svg_axis(b, &f, &sy, true, "Trial");
    bar = fmax(1.0, fmin(12.0, (f.y1 - f.y0) / (double)(hi_num - lo_num + 1) * 0.8));
    hpo__buf_puts(b, "<g class=\"bars\">\n");
    for (size_t i = first; i < d->n_trials; i++) {
        const hpo__record *r = d->trials[i];
        double end, xa, xb;
        if (!isfinite(r->datetime_start))
            continue;
        end = isfinite(r->datetime_complete)  ? r->datetime_complete
              : r->state == HPO_TRIAL_RUNNING ? now
                                              : r->datetime_start;
        xa = hpo__scale_map(&sx, r->datetime_start - t0);
        xb = hpo__scale_map(&sx, end - t0);
        hpo__buf_puts(b, "<rect x=\"");
        hpo__svg_num(b, xa);
        hpo__buf_puts(b, "\" y=\"");
        hpo__svg_num(b, hpo__scale_map(&sy, (double)r->number) - bar / 2);
        hpo__buf_puts(b, "\" width=\"");
        hpo__svg_num(b, fmax(1.0, xb - xa));
        hpo__buf_puts(b, "\" height=\"");
        hpo__svg_num(b, bar);
        hpo__buf_printf(b, "\" fill=\"%s\"/>\n", hpo__state_color(r->state));
    }
    hpo__buf_puts(b, "</g>\n");
    for (int s = 0; s < 5; s++) {
        if (!present[s])
            continue;
        names[n_leg] = hpo_trial_state_name((hpo_trial_state)s);
        colors[n_leg++] = hpo__state_color((hpo_trial_state)s);
    }
    if (n > max_bars) {
        hpo__buf_puts(b, "<text class=\"note\" fill=\"#666\" x=\"");
        hpo__svg_num(b, f.x0 + 6);
        hpo__buf_puts(b, "\" y=\"");
        hpo__svg_num(b, f.y0 + 12);
        hpo__buf_printf(b, "\">the %zu most recent of %zu trials</text>\n", max_bars, n);
    }
    hpo__svg_legend(b, f.x1 + 14, f.y0 + 12, names, colors, n_leg);
    hpo__svg_end(b);
    return HPO_OK;
}

/*=========================== Pareto front ===========================*/

/* Whether a dominates c (all objectives no worse, one better), directions applied. */
static bool dominates(const hpo__viz_data *d, const double *a, const double *c)
{
    bool better = false;
    for (size_t k = 0; k < d->n_objectives; k++) {
        double x = d->directions[k] == HPO_MAXIMIZE ? -a[k] : a[k];
        double y = d->directions[k] == HPO_MAXIMIZE ? -c[k] : c[k];
        if (x > y)
            return false;
        better |= x < y;
    }
    return better;
}

static int cmp_ranked_asc(const void *x, const void *y)
{
    const ranked *a = x, *c = y;
    if (a->key != c->key)
        return a->key < c->key ? -1 : 1;
    return (a->idx > c->idx) - (a->idx < c->idx);
}

static bool all_finite(const hpo__record *r, size_t k)
{
    if (r->state != HPO_TRIAL_COMPLETE || r->n_values < k)
        return false;
    for (size_t i = 0; i < k; i++)
        if (!isfinite(r->values[i]))
            return false;
    return true;
}

static int plot_pareto(hpo_buf *b, const hpo__viz_data *d, const popts *po)
{
    hpo__frame f;
    hpo__scale sx, sy;
    ranked *r = NULL;
    size_t *front = NULL, n = 0, nf = 0, m = 0;
    double *x = NULL, *y = NULL, lo0 = INFINITY, hi0 = -INFINITY, lo1 = INFINITY, hi1 = -INFINITY;
    bool *on = NULL, first = true;
    const char *names[] = {"Trial", "Best Trial"};
    const char *colors[] = {"#9ecae1", "#d62728"};
    int rc = HPO_OK;
    if (d->n_objectives < 2)
        return hpo__error_set(
                HPO_EUNSUPPORTED,
                "the Pareto front needs a multi-objective study (this one has %zu objective)",
                d->n_objectives);
    hpo__svg_begin(b, po->w, po->h, "hpo-pareto", "Pareto-front Plot");
    frame_of(po, 130, &f);
    r = hpo__reallocarray(NULL, d->n_trials + 1, sizeof(*r));
    front = hpo__reallocarray(NULL, d->n_trials + 1, sizeof(*front));
    on = hpo__calloc(d->n_trials + 1, sizeof(*on));
    x = hpo__reallocarray(NULL, d->n_trials + 1, sizeof(*x));
    y = hpo__reallocarray(NULL, d->n_trials + 1, sizeof(*y));
    if (!r || !front || !on || !x || !y) {
        rc = hpo__error_set(HPO_ENOMEM, "out of memory for %zu trials", d->n_trials);
        goto done;
    }
    for (size_t i = 0; i < d->n_trials; i++) {
        const hpo__record *t = d->trials[i];
        if (!all_finite(t, d->n_objectives))
            continue;
        r[n].idx = i;
        r[n++].key = d->directions[0] == HPO_MAXIMIZE ? -t->values[0] : t->values[0];
        lo0 = fmin(lo0, t->values[0]);
        hi0 = fmax(hi0, t->values[0]);
        lo1 = fmin(lo1, t->values[1]);
        hi1 = fmax(hi1, t->values[1]);
    }
    if (n == 0) {
        hpo__svg_note(b, &f, "no completed trials");
        hpo__svg_end(b);
        goto done;
    }
    /* Sorted by the first objective, a trial is on the front when no front member dominates it. */
    qsort(r, n, sizeof(*r), cmp_ranked_asc);
    for (size_t i = 0; i < n; i++) {
        const double *v = d->trials[r[i].idx]->values;
        bool dominated = false;
        for (size_t j = nf; j > 0 && !dominated; j--)
            dominated = dominates(d, d->trials[front[j - 1]]->values, v);
        if (!dominated) {
            front[nf++] = r[i].idx;
            on[r[i].idx] = true;
        }
    }
    hpo__scale_numeric(&sx, lo0, hi0, false, f.x0, f.x1);
    hpo__scale_numeric(&sy, lo1, hi1, false, f.y1, f.y0);
    hpo__svg_axis(b, &f, &sx, false, "Objective 0");
    hpo__svg_axis(b, &f, &sy, true, "Objective 1");
    for (size_t i = 0; i < d->n_trials; i++) {
        const hpo__record *t = d->trials[i];
        if (on[i] || !all_finite(t, d->n_objectives))
            continue;
        x[m] = hpo__scale_map(&sx, t->values[0]);
        y[m++] = hpo__scale_map(&sy, t->values[1]);
    }
    if ((rc = scatter(b, x, y, NULL, m, po->max_points, NULL, colors[0])) != HPO_OK)
        goto done;
    if (d->n_objectives == 2) {
        hpo__buf_puts(b, "<path class=\"front\" fill=\"none\" stroke=\"#d62728\" d=\"");
        for (size_t j = 0; j < nf; j++)
            polyline_pt(b, hpo__scale_map(&sx, d->trials[front[j]]->values[0]),
                        hpo__scale_map(&sy, d->trials[front[j]]->values[1]), &first);
        hpo__buf_puts(b, "\"/>\n");
    }
    m = 0;
    for (size_t j = 0; j < nf; j++) {
        x[m] = hpo__scale_map(&sx, d->trials[front[j]]->values[0]);
        y[m++] = hpo__scale_map(&sy, d->trials[front[j]]->values[1]);
    }
    rc = scatter(b, x, y, NULL, m, po->max_points, NULL, colors[1]);
    hpo__svg_legend(b, f.x1 + 14, f.y0 + 12, names, colors, 2);
    hpo__svg_end(b);
done:
    hpo__free(y);
    hpo__free(x);
    hpo__free(on);
    hpo__free(front);
    hpo__free(r);
    return rc;
}

/*=========================== entry points ===========================*/

int hpo__viz_check_options(const hpo__viz_data *d, const hpo_plot_options *o)
{
    if (o == NULL)
        return HPO_OK;
    if (o->version != HPO_PLOT_OPTIONS_VERSION)
        return hpo__error_set(HPO_EVERSION, "plot options version %u (this library: %u)",
                              o->version, HPO_PLOT_OPTIONS_VERSION);
    if ((o->width != 0 && (o->width < 200 || o->width > 10000)) ||
        (o->height != 0 && (o->height < 150 || o->height > 10000)))
        return hpo__error_set(HPO_EINVAL, "plot size %ux%u outside 200x150 .. 10000x10000",
                              o->width, o->height);
    if (o->objective >= d->n_objectives)
        return hpo__error_set(HPO_EINVAL, "objective %zu of a study with %zu objectives",
                              o->objective, d->n_objectives);
    if (o->n_params > 0 && o->params == NULL)
        return hpo__error_set(HPO_EINVAL, "params is NULL with n_params %zu", o->n_params);
    for (size_t i = 0; i < o->n_params; i++)
        if (o->params[i] == NULL)
            return hpo__error_set(HPO_EINVAL, "params[%zu] is NULL", i);
    if (o->importance != HPO_IMPORTANCE_PEDANOVA && o->importance != HPO_IMPORTANCE_FANOVA)
        return hpo__error_set(HPO_EINVAL, "unknown importance evaluator %d", (int)o->importance);
    if (!isfinite(o->now) || o->now < 0)
        return hpo__error_set(HPO_EINVAL, "now (%g) must be finite and >= 0", o->now);
    return HPO_OK;
}

int hpo__viz_plot(hpo_buf *b, const hpo__viz_data *d, hpo_plot_kind kind, const hpo_plot_options *o)
{
    popts po;
    HPO_TRY(hpo__viz_check_options(d, o));
    po.o = o;
    po.w = o && o->width ? o->width : DEFAULT_W;
    po.h = o && o->height ? o->height : DEFAULT_H;
    po.obj = o ? o->objective : 0;
    po.max_points = o && o->max_points ? o->max_points : DEFAULT_POINTS;
    switch (kind) {
    case HPO_PLOT_HISTORY:
        return plot_history(b, d, &po);
    case HPO_PLOT_INTERMEDIATE:
        return plot_intermediate(b, d, &po);
    case HPO_PLOT_IMPORTANCE:
        return plot_importance(b, d, &po);
    case HPO_PLOT_PARALLEL:
        return plot_parallel(b, d, &po);
    case HPO_PLOT_SLICE:
        return plot_slice(b, d, &po);
    case HPO_PLOT_CONTOUR:
        return plot_contour(b, d, &po);
    case HPO_PLOT_EDF:
        return plot_edf(b, d, &po);
    case HPO_PLOT_TIMELINE:
        return plot_timeline(b, d, &po);
    case HPO_PLOT_PARETO:
        return plot_pareto(b, d, &po);
    default:
        return hpo__error_set(HPO_EINVAL, "unknown plot kind %d", (int)kind);
    }
}

bool hpo__viz_applies(const hpo__viz_data *d, hpo_plot_kind kind)
{
    size_t n_complete = 0, n_inter = 0, n_params = 0;
    for (size_t i = 0; i < d->n_trials; i++) {
        const hpo__record *r = d->trials[i];
        n_complete += has_value(r, 0);
        n_inter += r->n_ivalues > 0;
        if (has_value(r, 0) && r->n_params > n_params)
            n_params = r->n_params;
    }
    switch (kind) {
    case HPO_PLOT_INTERMEDIATE:
        return n_inter > 0;
    case HPO_PLOT_PARETO:
        return d->n_objectives >= 2 && n_complete > 0;
    case HPO_PLOT_TIMELINE:
        return d->n_trials > 0;
    case HPO_PLOT_CONTOUR:
        return n_complete > 0 && n_params >= 2;
    case HPO_PLOT_IMPORTANCE:
    case HPO_PLOT_PARALLEL:
    case HPO_PLOT_SLICE:
        return n_complete > 1 && n_params >= 1;
    default:
        return n_complete > 0;
    }
}
