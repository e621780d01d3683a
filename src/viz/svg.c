/*
 * svg.c - the drawing kit of the plots (see svg.h).
 *
 * Output is plain SVG 1.1 text with no ids (several plots share one HTML page)
 * and no scripts. Every user string goes through hpo__svg_text, which escapes
 * markup and replaces bytes that are not valid UTF-8 or are control
 * characters, so a hostile parameter name can neither break the document nor
 * inject elements.
 */
#include "viz/svg.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid. */
static size_t utf8_len(const unsigned char *s)
{
    size_t n;
    unsigned cp;
    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xe0) == 0xc0) {
        n = 2;
        cp = s[0] & 0x1fu;
    } else if ((s[0] & 0xf0) == 0xe0) {
        n = 3;
        cp = s[0] & 0x0fu;
    } else if ((s[0] & 0xf8) == 0xf0) {
        n = 4;
        cp = s[0] & 0x07u;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3fu);
    }
    /* Overlong forms, surrogates and values past U+10FFFF are not text. */
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff || cp == 0xfffe || cp == 0xffff)
        return 0;
    return n;
}

void hpo__svg_text(hpo_buf *b, const char *s, size_t max_chars)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t chars = 0;
    while (*p) {
        size_t n;
        if (max_chars > 0 && chars == max_chars) {
            hpo__buf_puts(b, "...");
            return;
        }
        chars++;
        switch (*p) {
        case '&':
            hpo__buf_puts(b, "&amp;");
            p++;
            continue;
        case '<':
            hpo__buf_puts(b, "&lt;");
            p++;
            continue;
        case '>':
            hpo__buf_puts(b, "&gt;");
            p++;
            continue;
        case '"':
            hpo__buf_puts(b, "&quot;");
            p++;
            continue;
        case '\'':
            hpo__buf_puts(b, "&#39;");
            p++;
            continue;
        default:
            break;
        }
        if (*p < 0x20 || *p == 0x7f) {
            hpo__buf_putc(b, '?');
            p++;
            continue;
        }
        n = utf8_len(p);
        if (n == 0) {
            hpo__buf_putc(b, '?');
            p++;
            continue;
        }
        hpo__buf_append(b, (const char *)p, n);
        p += n;
    }
}

void hpo__svg_num(hpo_buf *b, double v)
{
    double r;
    if (!isfinite(v)) {
        hpo__buf_putc(b, '0');
        return;
    }
    r = round(v * 10.0) / 10.0;
    if (r == 0.0)
        r = 0.0; /* no "-0" */
    if (r == floor(r) && fabs(r) < 1e15)
        hpo__buf_printf(b, "%.0f", r);
    else
        hpo__buf_printf(b, "%.1f", r);
}

/*=========================== scales ===========================*/

void hpo__scale_numeric(hpo__scale *s, double lo, double hi, bool log, double r0, double r1)
{
    memset(s, 0, sizeof(*s));
    s->r0 = r0;
    s->r1 = r1;
    if (!isfinite(lo) || !isfinite(hi)) {
        lo = 0.0;
        hi = 1.0;
    }
    if (log && lo > 0.0 && hi > 0.0) {
        double a = log10(lo), c = log10(hi), pad;
        s->kind = HPO__SCALE_LOG;
        if (c - a < 1e-12) {
            a -= 0.5;
            c += 0.5;
        }
        pad = (c - a) * 0.05;
        s->d0 = a - pad;
        s->d1 = c + pad;
        return;
    }
    s->kind = HPO__SCALE_LINEAR;
    if (hi - lo <= 1e-300 * (fabs(lo) + 1.0) || !isfinite(hi - lo)) {
        double pad = fabs(lo) > 0 ? fabs(lo) * 0.1 : 1.0;
        if (!isfinite(hi - lo)) {
            lo /= 2;
            hi /= 2;
        }
        lo -= pad;
        hi += pad;
    }
    s->d0 = lo - (hi - lo) * 0.05;
    s->d1 = hi + (hi - lo) * 0.05;
}

void hpo__scale_category(hpo__scale *s, const char *const *labels, size_t n, double r0, double r1)
{
    memset(s, 0, sizeof(*s));
    s->kind = HPO__SCALE_CATEGORY;
    s->labels = labels;
    s->n_labels = n;
    s->d0 = -0.5;
    s->d1 = (double)n - 0.5;
    s->r0 = r0;
    s->r1 = r1;
}

double hpo__scale_map(const hpo__scale *s, double v)
{
    if (!isfinite(v))
        return NAN;
    if (s->kind == HPO__SCALE_LOG) {
        if (v <= 0.0)
            return NAN;
        v = log10(v);
    }
    return s->r0 + (v - s->d0) / (s->d1 - s->d0) * (s->r1 - s->r0);
}

/* Tick values (in data units) for a numeric scale, at most max of them. */
static size_t ticks(const hpo__scale *s, double *out, size_t max)
{
    size_t n = 0;
    if (max < 2)
        max = 2;
    if (s->kind == HPO__SCALE_LOG) {
        double a = ceil(s->d0), c = floor(s->d1), stride = ceil((c - a + 1.0) / (double)max);
        static const double mult[] = {1, 2, 5};
        bool fine = c - a <= 2.0 && (max >= 6 || c - a < 1.0);
        if (fine)
            a -= 1.0; /* 2 and 5 times the decade below can fall in the domain */
        if (stride < 1.0)
            stride = 1.0;
        for (double e = a; e <= c && n < 64; e += stride) {
            for (size_t m = 0; m < (fine ? 3u : 1u) && n < 64; m++) {
                double v = mult[m] * pow(10.0, e), lv = log10(v);
                if (lv >= s->d0 && lv <= s->d1)
                    out[n++] = v;
            }
        }
        return n;
    }
    {
        double span = s->d1 - s->d0, raw = span / (double)(max < 6 ? max : 6), mag, norm, step;
        if (!(span > 0.0) || !isfinite(span))
            return 0;
        mag = pow(10.0, floor(log10(raw)));
        norm = raw / mag;
        step = (norm < 1.5 ? 1.0 : norm < 3.0 ? 2.0 : norm < 7.0 ? 5.0 : 10.0) * mag;
        if (s->integer && step < 1.0)
            step = 1.0;
        for (double v = ceil(s->d0 / step) * step; v <= s->d1 && n < 64; v += step)
            out[n++] = fabs(v) < step * 1e-9 ? 0.0 : v;
    }
    return n;
}

/*=========================== frame, axes, legends ===========================*/

void hpo__svg_begin(hpo_buf *b, unsigned width, unsigned height, const char *cls, const char *title)
{
    hpo__buf_printf(
            b,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"hpo-plot %s\" width=\"%u\" "
            "height=\"%u\" viewBox=\"0 0 %u %u\" font-family=\"DejaVu Sans, Arial, sans-serif\" "
            "font-size=\"11\">\n<title>",
            cls, width, height, width, height);
    hpo__svg_text(b, title, 200);
    hpo__buf_printf(b,
                    "</title>\n<rect width=\"%u\" height=\"%u\" fill=\"#ffffff\"/>\n"
                    "<text x=\"%u\" y=\"22\" text-anchor=\"middle\" font-size=\"14\" "
                    "font-weight=\"bold\">",
                    width, height, width / 2);
    hpo__svg_text(b, title, 100);
    hpo__buf_puts(b, "</text>\n");
}

void hpo__svg_end(hpo_buf *b)
{
    hpo__buf_puts(b, "</svg>\n");
}

static void tick_label(hpo_buf *b, const hpo__scale *s, double v)
{
    char tmp[40];
    if (s->kind == HPO__SCALE_CATEGORY) {
        size_t i = (size_t)v;
        hpo__svg_text(b, i < s->n_labels ? s->labels[i] : "", 14);
        return;
    }
    snprintf(tmp, sizeof(tmp), "%.4g", v);
    hpo__buf_puts(b, tmp);
}

void hpo__svg_axis(
        hpo_buf *b, const hpo__frame *f, const hpo__scale *s, bool vertical, const char *label)
{
    double tv[64];
    size_t n;
    if (s->kind == HPO__SCALE_CATEGORY) {
        size_t stride = s->n_labels / 24 + 1;
        n = 0;
        for (size_t i = 0; i < s->n_labels && n < 64; i += stride)
            tv[n++] = (double)i;
    } else {
        /* Room for a label every ~60 px across, ~28 px up. */
        n = ticks(s, tv, (size_t)(fabs(s->r1 - s->r0) / (vertical ? 28.0 : 60.0)));
    }
    hpo__buf_puts(b, "<g class=\"axis\" stroke=\"#444\" fill=\"#222\">\n");
    if (vertical) {
        hpo__buf_puts(b, "<line x1=\"");
        hpo__svg_num(b, f->x0);
        hpo__buf_puts(b, "\" y1=\"");
        hpo__svg_num(b, f->y0);
        hpo__buf_puts(b, "\" x2=\"");
        hpo__svg_num(b, f->x0);
        hpo__buf_puts(b, "\" y2=\"");
        hpo__svg_num(b, f->y1);
        hpo__buf_puts(b, "\"/>\n");
    } else {
        hpo__buf_puts(b, "<line x1=\"");
        hpo__svg_num(b, f->x0);
        hpo__buf_puts(b, "\" y1=\"");
        hpo__svg_num(b, f->y1);
        hpo__buf_puts(b, "\" x2=\"");
        hpo__svg_num(b, f->x1);
        hpo__buf_puts(b, "\" y2=\"");
        hpo__svg_num(b, f->y1);
        hpo__buf_puts(b, "\"/>\n");
    }
    for (size_t i = 0; i < n; i++) {
        double p = hpo__scale_map(s, tv[i]);
        if (!isfinite(p))
            continue;
        if (vertical) {
            hpo__buf_puts(b, "<line stroke=\"#e5e5e5\" x1=\"");
            hpo__svg_num(b, f->x0 + 1);
            hpo__buf_puts(b, "\" x2=\"");
            hpo__svg_num(b, f->x1);
            hpo__buf_puts(b, "\" y1=\"");
            hpo__svg_num(b, p);
            hpo__buf_puts(b, "\" y2=\"");
            hpo__svg_num(b, p);
            hpo__buf_puts(b, "\"/><line x1=\"");
            hpo__svg_num(b, f->x0 - 5);
            hpo__buf_puts(b, "\" x2=\"");
            hpo__svg_num(b, f->x0);
            hpo__buf_puts(b, "\" y1=\"");
            hpo__svg_num(b, p);
            hpo__buf_puts(b, "\" y2=\"");
            hpo__svg_num(b, p);
            hpo__buf_puts(b, "\"/><text stroke=\"none\" text-anchor=\"end\" x=\"");
            hpo__svg_num(b, f->x0 - 8);
            hpo__buf_puts(b, "\" y=\"");
            hpo__svg_num(b, p + 4);
            hpo__buf_puts(b, "\">");
        } else {
            hpo__buf_puts(b, "<line x1=\"");
            hpo__svg_num(b, p);
            hpo__buf_puts(b, "\" x2=\"");
            hpo__svg_num(b, p);
            hpo__buf_puts(b, "\" y1=\"");
            hpo__svg_num(b, f->y1);
            hpo__buf_puts(b, "\" y2=\"");
            hpo__svg_num(b, f->y1 + 5);
            hpo__buf_puts(b, "\"/><text stroke=\"none\" text-anchor=\"middle\" x=\"");
            hpo__svg_num(b, p);
            hpo__buf_puts(b, "\" y=\"");
            hpo__svg_num(b, f->y1 + 18);
            hpo__buf_puts(b, "\">");
        }
        tick_label(b, s, tv[i]);
        hpo__buf_puts(b, "</text>\n");
    }
    if (label != NULL && *label) {
        if (vertical) {
            double cy = (f->y0 + f->y1) / 2;
            hpo__buf_puts(b, "<text stroke=\"none\" text-anchor=\"middle\" transform=\"translate(");
            hpo__svg_num(b, f->x0 - 52);
            hpo__buf_putc(b, ',');
            hpo__svg_num(b, cy);
            hpo__buf_puts(b, ") rotate(-90)\">");
        } else {
            hpo__buf_puts(b, "<text stroke=\"none\" text-anchor=\"middle\" x=\"");
            hpo__svg_num(b, (f->x0 + f->x1) / 2);
            hpo__buf_puts(b, "\" y=\"");
            hpo__svg_num(b, f->y1 + 36);
            hpo__buf_puts(b, "\">");
        }
        hpo__svg_text(b, label, 60);
        if (s->kind == HPO__SCALE_LOG)
            hpo__buf_puts(b, " (log)");
        hpo__buf_puts(b, "</text>\n");
    }
    hpo__buf_puts(b, "</g>\n");
}

void hpo__svg_note(hpo_buf *b, const hpo__frame *f, const char *text)
{
    hpo__buf_puts(b, "<text class=\"note\" text-anchor=\"middle\" fill=\"#666\" x=\"");
    hpo__svg_num(b, (f->x0 + f->x1) / 2);
    hpo__buf_puts(b, "\" y=\"");
    hpo__svg_num(b, (f->y0 + f->y1) / 2);
    hpo__buf_puts(b, "\">");
    hpo__svg_text(b, text, 120);
    hpo__buf_puts(b, "</text>\n");
}

void hpo__svg_legend(hpo_buf *b,
                     double x,
                     double y,
                     const char *const *names,
                     const char *const *colors,
                     size_t n)
{
    hpo__buf_puts(b, "<g class=\"legend\">\n");
    for (size_t i = 0; i < n; i++) {
        double yy = y + 16.0 * (double)i;
        hpo__buf_puts(b, "<rect width=\"10\" height=\"10\" x=\"");
        hpo__svg_num(b, x);
        hpo__buf_puts(b, "\" y=\"");
        hpo__svg_num(b, yy - 9);
        hpo__buf_printf(b, "\" fill=\"%s\"/><text x=\"", colors[i]);
        hpo__svg_num(b, x + 14);
        hpo__buf_puts(b, "\" y=\"");
        hpo__svg_num(b, yy);
        hpo__buf_puts(b, "\">");
        hpo__svg_text(b, names[i], 24);
        hpo__buf_puts(b, "</text>\n");
    }
    hpo__buf_puts(b, "</g>\n");
}

void hpo__svg_colorbar(
        hpo_buf *b, double x, double y0, double y1, double lo, double hi, const char *label)
{
    enum { STEPS = 32 };
    double h = (y1 - y0) / STEPS;
    char col[8], tmp[40];
    hpo__buf_puts(b, "<g class=\"colorbar\">\n");
    for (int i = 0; i < STEPS; i++) {
        hpo__viridis(1.0 - (i + 0.5) / STEPS, col);
        hpo__buf_puts(b, "<rect width=\"12\" x=\"");
        hpo__svg_num(b, x);
        hpo__buf_puts(b, "\" y=\"");
        hpo__svg_num(b, y0 + h * i);
        hpo__buf_puts(b, "\" height=\"");
        hpo__svg_num(b, h + 0.6);
        hpo__buf_printf(b, "\" fill=\"%s\"/>\n", col);
    }
    snprintf(tmp, sizeof(tmp), "%.4g", hi);
    hpo__buf_puts(b, "<text x=\"");
    hpo__svg_num(b, x + 16);
    hpo__buf_puts(b, "\" y=\"");
    hpo__svg_num(b, y0 + 8);
    hpo__buf_printf(b, "\">%s</text>\n<text x=\"", tmp);
    snprintf(tmp, sizeof(tmp), "%.4g", lo);
    hpo__svg_num(b, x + 16);
    hpo__buf_puts(b, "\" y=\"");
    hpo__svg_num(b, y1);
    hpo__buf_printf(b, "\">%s</text>\n<text x=\"", tmp);
    hpo__svg_num(b, x);
    hpo__buf_puts(b, "\" y=\"");
    hpo__svg_num(b, y0 - 8);
    hpo__buf_puts(b, "\">");
    hpo__svg_text(b, label, 16);
    hpo__buf_puts(b, "</text>\n</g>\n");
}

/*=========================== colours ===========================*/

void hpo__viridis(double t, char out[8])
{
    /* Nine stops of matplotlib's viridis. */
    static const unsigned char stops[9][3] = {
            {68, 1, 84},    {71, 44, 122}, {59, 81, 139},  {44, 113, 142}, {33, 144, 141},
            {39, 173, 129}, {92, 200, 99}, {170, 220, 50}, {253, 231, 37},
    };
    double pos, f;
    size_t i;
    unsigned rgb[3];
    if (!isfinite(t))
        t = 0.0;
    t = t < 0.0 ? 0.0 : t > 1.0 ? 1.0 : t;
    pos = t * 8.0;
    i = pos >= 8.0 ? 7 : (size_t)pos;
    f = pos - (double)i;
    for (int c = 0; c < 3; c++)
        rgb[c] = (unsigned)lround(stops[i][c] + (stops[i + 1][c] - stops[i][c]) * f);
    snprintf(out, 8, "#%02x%02x%02x", rgb[0] & 0xffu, rgb[1] & 0xffu, rgb[2] & 0xffu);
}

const char *hpo__state_color(hpo_trial_state s)
{
    switch (s) {
    case HPO_TRIAL_COMPLETE:
        return "#1f77b4";
    case HPO_TRIAL_PRUNED:
        return "#ff7f0e";
    case HPO_TRIAL_FAIL:
        return "#d62728";
    case HPO_TRIAL_RUNNING:
        return "#2ca02c";
    default:
        return "#7f7f7f";
    }
}

/*=========================== thinning ===========================*/

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

size_t hpo__thin(const double *x, const double *y, const int *key, size_t n, size_t max, bool *keep)
{
    uint64_t *table;
    size_t cap = 16, kept = 0;
    while (cap < 2 * n)
        cap *= 2;
    for (size_t i = 0; i < n; i++)
        keep[i] = false;
    table = hpo__calloc(cap, sizeof(*table));
    if (table == NULL) {
        hpo__error_set(HPO_ENOMEM, "out of memory thinning %zu points", n);
        return (size_t)-1;
    }
    for (size_t i = 0; i < n; i++) {
        int64_t px, py;
        uint64_t k, h;
        if (!isfinite(x[i]) || !isfinite(y[i]) || fabs(x[i]) > 1e9 || fabs(y[i]) > 1e9)
            continue;
        px = (int64_t)lround(x[i]);
        py = (int64_t)lround(y[i]);
        /* 0 marks an empty slot, so keys are made non-zero. */
        k = (((uint64_t)px & 0xfffffu) << 40 | ((uint64_t)py & 0xfffffu) << 20 |
             ((uint64_t)(key ? key[i] : 0) & 0xfffffu)) +
            1;
        for (h = mix(k) & (cap - 1); table[h] != 0 && table[h] != k; h = (h + 1) & (cap - 1))
            ;
        if (table[h] == 0) {
            table[h] = k;
            keep[i] = true;
            kept++;
        }
    }
    hpo__free(table);
    if (max > 0 && kept > max) {
        size_t stride = (kept + max - 1) / max, seen = 0;
        kept = 0;
        for (size_t i = 0; i < n; i++) {
            if (!keep[i])
                continue;
            keep[i] = seen++ % stride == 0;
            kept += keep[i];
        }
    }
    return kept;
}
