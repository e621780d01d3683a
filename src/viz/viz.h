/*
 * viz.h - plots and the HTML report as pure functions of trial records
 * (internal). hpo_plot_svg()/hpo_report_html() fetch the records from a study;
 * the dashboard and the benchmarks call these directly.
 */
#ifndef HPO_VIZ_VIZ_H
#define HPO_VIZ_VIZ_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/record.h"
#include "hpo/hpo.h"

/* What a plot is drawn from. */
typedef struct hpo__viz_data {
    const char *study_name;
    const hpo_direction *directions;
    size_t n_objectives;
    hpo__record *const *trials; /* every state, ascending number */
    size_t n_trials;
} hpo__viz_data;

/** Validate plot options (version, sizes, objective, params). Errors: EINVAL, EVERSION. */
int hpo__viz_check_options(const hpo__viz_data *d, const hpo_plot_options *o);
/**
 * Append one plot as an SVG document to b. o NULL: defaults.
 * Errors: as hpo_plot_svg(); b may hold a partial document on failure.
 */
int hpo__viz_plot(hpo_buf *b,
                  const hpo__viz_data *d,
                  hpo_plot_kind kind,
                  const hpo_plot_options *o);
/** Whether a plot has something to show for these trials (the report skips the rest). */
bool hpo__viz_applies(const hpo__viz_data *d, hpo_plot_kind kind);
/** Append the self-contained HTML report. Errors: as hpo_report_html(). */
int hpo__viz_report(hpo_buf *b, const hpo__viz_data *d, const hpo_report_options *o);
/** Append a JSON number (null for NaN/inf, %.17g otherwise). */
void hpo__viz_json_num(hpo_buf *b, double v);
/** Append s as a JSON string literal, escaping for embedding in HTML <script> too. */
void hpo__viz_json_str(hpo_buf *b, const char *s);
/** The external value of a parameter as display text into out (size n). */
const char *hpo__viz_param_text(const hpo__param *p, char *out, size_t n);

/* A row of a trial table ordered by key (NaN last, ties by index), for qsort. */
typedef struct hpo__viz_row {
    size_t idx;
    double key;
} hpo__viz_row;

int hpo__viz_row_cmp(const void *a, const void *b);

#endif
