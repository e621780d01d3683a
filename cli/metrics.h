/*
 * metrics.h - read metrics out of one line of a training program's output.
 *
 * Two forms, as Katib and most training scripts print them:
 *   - `name=value` pairs anywhere in the line, several per line
 *     ("epoch 3: loss=0.41 accuracy=8.9e-1");
 *   - a line that is a JSON object ({"step": 3, "accuracy": 0.89}); its numeric
 *     top-level members are the metrics.
 * A step comes from `step=` or else `epoch=` (JSON: "step" or "epoch") when it is
 * a non-negative integer. The parser never allocates for `name=value` lines,
 * bounds everything it keeps, and treats any byte sequence as harmless input.
 */
#ifndef HPO_CLI_METRICS_H
#define HPO_CLI_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most metrics kept from one line; further pairs are ignored. */
#define CLI_METRICS_MAX 64
/* Longest metric name kept; longer names are ignored. */
#define CLI_METRIC_NAME_MAX 128

typedef struct cli_metric {
    char name[CLI_METRIC_NAME_MAX + 1];
    double value; /* may be NaN or ±inf when the line says so */
} cli_metric;

typedef struct cli_metric_line {
    cli_metric items[CLI_METRICS_MAX];
    size_t n;
    bool has_step;
    int64_t step;
} cli_metric_line;

/**
 * Parse line[0..len) (not necessarily NUL-terminated, may hold any bytes) into
 * *out, which is overwritten. Returns the number of metrics found.
 */
size_t cli_metrics_parse(const char *line, size_t len, cli_metric_line *out);

/** The value of metric name in a parsed line (the last one if repeated). */
bool cli_metrics_get(const cli_metric_line *m, const char *name, double *value_out);

#endif
