/*
 * viz.c - the public face of the visualisation module: hpo_plot_svg() and
 * hpo_report_html() take a snapshot of the study's trials and hand it to the
 * pure renderers in plots.c and report.c; plus the JSON text helpers the
 * report and the dashboard share.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "study.h"
#include "viz/viz.h"

static const char *const kind_names[HPO_PLOT_KIND_COUNT] = {
        "history", "intermediate", "importance", "parallel", "slice",
        "contour", "edf",          "timeline",   "pareto",
};

const char *hpo_plot_kind_name(hpo_plot_kind kind)
{
    if ((unsigned)kind >= HPO_PLOT_KIND_COUNT)
        return NULL;
    return kind_names[kind];
}

int hpo_plot_kind_from_name(const char *name, hpo_plot_kind *out)
{
    if (name == NULL || out == NULL)
        return hpo__error_set(HPO_EINVAL, "hpo_plot_kind_from_name: NULL argument");
    for (int i = 0; i < HPO_PLOT_KIND_COUNT; i++) {
        if (strcmp(name, kind_names[i]) == 0) {
            *out = (hpo_plot_kind)i;
            return HPO_OK;
        }
    }
    return hpo__error_set(HPO_EINVAL,
                          "unknown plot '%.64s' (history, intermediate, "
                          "importance, parallel, slice, contour, edf, timeline, pareto)",
                          name);
}

int hpo_plot_options_init(hpo_plot_options *opts, unsigned int version)
{
    hpo_plot_options def = HPO_PLOT_OPTIONS_INIT;
    if (opts == NULL)
        return hpo__error_set(HPO_EINVAL, "hpo_plot_options_init: opts is NULL");
    if (version != HPO_PLOT_OPTIONS_VERSION)
        return hpo__error_set(HPO_EVERSION, "plot options version %u (this library: %u)", version,
                              HPO_PLOT_OPTIONS_VERSION);
    *opts = def;
    return HPO_OK;
}

int hpo_report_options_init(hpo_report_options *opts, unsigned int version)
{
    hpo_report_options def = HPO_REPORT_OPTIONS_INIT;
    if (opts == NULL)
        return hpo__error_set(HPO_EINVAL, "hpo_report_options_init: opts is NULL");
    if (version != HPO_REPORT_OPTIONS_VERSION)
        return hpo__error_set(HPO_EVERSION, "report options version %u (this library: %u)", version,
                              HPO_REPORT_OPTIONS_VERSION);
    *opts = def;
    return HPO_OK;
}

/* Snapshot a study into d (trials referenced; release with snap_release). */
typedef struct snap {
    hpo__viz_data d;
    hpo__record **trials;
    hpo_direction dirs[64];
} snap;

static int snap_take(hpo_study *study, snap *s)
{
    size_t n_obj;
    memset(s, 0, sizeof(*s));
    if (study == NULL)
        return hpo__error_set(HPO_EMISUSE, "study is NULL");
    n_obj = hpo_study_n_objectives(study);
    if (n_obj == 0 || n_obj > 64)
        return hpo__error_set(HPO_EMISUSE, "study with %zu objectives", n_obj);
    for (size_t i = 0; i < n_obj; i++)
        s->dirs[i] = hpo_study_direction(study, i);
    HPO_TRY(hpo__study_trials(study, HPO_STATES_ALL, &s->trials, &s->d.n_trials));
    s->d.trials = s->trials;
    s->d.directions = s->dirs;
    s->d.n_objectives = n_obj;
    s->d.study_name = hpo_study_name(study);
    return HPO_OK;
}

static void snap_release(snap *s)
{
    hpo__records_release(s->trials, s->d.n_trials);
}

static int finish(hpo_buf *b, int rc, char **out, size_t *len_out)
{
    size_t len = 0;
    if (rc == HPO_OK)
        rc = hpo__buf_status(b);
    if (rc == HPO_OK)
        rc = hpo__buf_detach(b, out, &len);
    hpo__buf_free(b);
    if (rc == HPO_OK && len_out != NULL)
        *len_out = len;
    return rc;
}

int hpo_plot_svg(hpo_study *study,
                 hpo_plot_kind kind,
                 const hpo_plot_options *opts,
                 char **svg_out,
                 size_t *len_out)
{
    snap s;
    hpo_buf b;
    int rc;
    if (svg_out == NULL)
        return hpo__error_set(HPO_EINVAL, "hpo_plot_svg: svg_out is NULL");
    *svg_out = NULL;
    if (len_out != NULL)
        *len_out = 0;
    HPO_TRY(snap_take(study, &s));
    hpo__buf_init(&b, 0);
    rc = hpo__viz_plot(&b, &s.d, kind, opts);
    snap_release(&s);
    return finish(&b, rc, svg_out, len_out);
}

int hpo_report_html(hpo_study *study,
                    const hpo_report_options *opts,
                    char **html_out,
                    size_t *len_out)
{
    snap s;
    hpo_buf b;
    int rc;
    if (html_out == NULL)
        return hpo__error_set(HPO_EINVAL, "hpo_report_html: html_out is NULL");
    *html_out = NULL;
    if (len_out != NULL)
        *len_out = 0;
    HPO_TRY(snap_take(study, &s));
    hpo__buf_init(&b, 0);
    rc = hpo__viz_report(&b, &s.d, opts);
    snap_release(&s);
    return finish(&b, rc, html_out, len_out);
}

/*=========================== JSON text ===========================*/

void hpo__viz_json_num(hpo_buf *b, double v)
{
    char tmp[40];
    if (!isfinite(v)) {
        hpo__buf_puts(b, "null");
        return;
    }
    snprintf(tmp, sizeof(tmp), "%.17g", v);
    hpo__buf_puts(b, tmp);
}

void hpo__viz_json_str(hpo_buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    hpo__buf_putc(b, '"');
    for (; *p; p++) {
        unsigned char c = *p;
        /* <, > and & as \u escapes keep the text inert inside an HTML <script>. */
        if (c == '"' || c == '\\') {
            hpo__buf_putc(b, '\\');
            hpo__buf_putc(b, (char)c);
        } else if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x7f) {
            hpo__buf_printf(b, "\\u%04x", c);
        } else if (c >= 0x80) {
            /* Pass valid UTF-8 through, replace anything else. */
            size_t n = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
            size_t i;
            for (i = 1; i < n && (p[i] & 0xc0) == 0x80; i++)
                ;
            if (n == 0 || i < n) {
                hpo__buf_puts(b, "\\ufffd");
                continue;
            }
            hpo__buf_append(b, (const char *)p, n);
            p += n - 1;
        } else {
            hpo__buf_putc(b, (char)c);
        }
    }
    hpo__buf_putc(b, '"');
}

int hpo__viz_row_cmp(const void *a, const void *b)
{
    const hpo__viz_row *x = a, *y = b;
    if (x->key != y->key) {
        if (isnan(x->key))
            return 1;
        if (isnan(y->key))
            return -1;
        return x->key < y->key ? -1 : 1;
    }
    return (x->idx > y->idx) - (x->idx < y->idx);
}
