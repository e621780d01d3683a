/*
 * svg.h - the drawing kit behind the plots (internal): escaped text, axes with
 * ticks on linear, log and categorical scales, colour maps, legends and
 * deterministic thinning of marks. Everything appends to an hpo_buf; numbers
 * are printed with fixed formats so the same data give the same bytes.
 */
#ifndef HPO_VIZ_SVG_H
#define HPO_VIZ_SVG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "hpo/hpo.h"

/** Append s as XML text/attribute content: & < > " ' escaped, control bytes and
 * invalid UTF-8 replaced by '?', cut after max_chars characters ("..." added; 0: no cut). */
void hpo__svg_text(hpo_buf *b, const char *s, size_t max_chars);

typedef enum hpo__scale_kind {
    HPO__SCALE_LINEAR,
    HPO__SCALE_LOG,
    HPO__SCALE_CATEGORY
} hpo__scale_kind;

/* A data-to-pixel mapping along one axis. */
typedef struct hpo__scale {
    hpo__scale_kind kind;
    double d0, d1;             /* domain (category: -0.5 .. n-0.5) */
    double r0, r1;             /* pixel range */
    const char *const *labels; /* category labels (borrowed), n_labels of them */
    size_t n_labels;
    bool integer; /* ticks only at integers (int parameters, trial numbers) */
} hpo__scale;

/** A linear or log scale over the finite values [lo, hi], padded by 5%, widened if empty. */
void hpo__scale_numeric(hpo__scale *s, double lo, double hi, bool log, double r0, double r1);
/** A categorical scale with n labels spread over [r0, r1]. */
void hpo__scale_category(hpo__scale *s, const char *const *labels, size_t n, double r0, double r1);
/** Pixel position of v (category: its index). Non-finite or non-positive-on-log: NAN. */
double hpo__scale_map(const hpo__scale *s, double v);

/* The rectangle a plot draws into. */
typedef struct hpo__frame {
    double x0, y0, x1, y1; /* plot area in pixels, y0 top */
} hpo__frame;

/** "<svg ...>" with a background, a <title>, and the heading; class names the plot. */
void hpo__svg_begin(
        hpo_buf *b, unsigned width, unsigned height, const char *cls, const char *title);
void hpo__svg_end(hpo_buf *b);
/** Axis lines, ticks, tick labels and the axis title. vertical: a y axis at x = f->x0. */
void hpo__svg_axis(
        hpo_buf *b, const hpo__frame *f, const hpo__scale *s, bool vertical, const char *label);
/** A centred note in the frame (e.g. "no completed trials"). */
void hpo__svg_note(hpo_buf *b, const hpo__frame *f, const char *text);
/** Legend rows at (x, y): coloured squares and escaped names. */
void hpo__svg_legend(hpo_buf *b,
                     double x,
                     double y,
                     const char *const *names,
                     const char *const *colors,
                     size_t n);
/** A vertical colour bar for the viridis map over [lo, hi] with a title. */
void hpo__svg_colorbar(
        hpo_buf *b, double x, double y0, double y1, double lo, double hi, const char *label);

/** Viridis colour of t in [0, 1] as "#rrggbb" into out[8]. */
void hpo__viridis(double t, char out[8]);
/** The fill colour of a trial state. Static. */
const char *hpo__state_color(hpo_trial_state s);
/** Append a coordinate/number with one decimal ("12.3"), integral values without it. */
void hpo__svg_num(hpo_buf *b, double v);

/**
 * Deterministic thinning of n points: keeps one point per occupied pixel
 * (rounded x, y, and key, e.g. a colour bucket), then, while more than max
 * remain, every k-th in input order. keep[i] is set for the points to draw;
 * returns how many. Points with non-finite coordinates are dropped.
 * Errors: ENOMEM (returns (size_t)-1 and keeps nothing).
 */
size_t
hpo__thin(const double *x, const double *y, const int *key, size_t n, size_t max, bool *keep);

#endif
