/*
 * json.h - JSON the way Optuna (Python's json.dumps) writes it, and a reader that
 * also accepts Python's NaN / Infinity / -Infinity tokens. Parsing is jansson's;
 * the bare tokens are mapped to JSON reals before jansson sees them.
 */
#ifndef HPO_CORE_JSON_H
#define HPO_CORE_JSON_H

#include <jansson.h>
#include <stdbool.h>

#include "core/buf.h"
#include "hpo/hpo.h"

/** Python repr of a float: 1.0, 0.1, 1e-05, 1e+16, NaN, Infinity, -Infinity. */
void hpo__json_put_double(hpo_buf *b, double v);
/** Python repr of a float into out (at least 32 bytes); returns out. */
char *hpo__double_repr(double v, char *out);
/**
 * JSON string with ensure_ascii=True escaping (\uXXXX, surrogate pairs). s must be
 * valid UTF-8: otherwise the buffer is poisoned with HPO_EINVAL naming the byte.
 */
void hpo__json_put_string(hpo_buf *b, const char *s);
/** A categorical choice / external value as json.dumps writes it. */
void hpo__json_put_value(hpo_buf *b, const hpo_value *v);

/**
 * Parse JSON text (any value at top level, NaN/Infinity allowed). *out is a new
 * reference. Errors: HPO_EINVAL with jansson's position and reason.
 */
int hpo__json_parse(const char *text, json_t **out);
/** Check that text is one JSON value (as hpo__json_parse). */
int hpo__json_validate(const char *text);
/** Serialise a jansson value the way json.dumps does (", " and ": " separators). */
void hpo__json_put(hpo_buf *b, const json_t *v);
/**
 * A scalar JSON value (fixed or grid value) as the internal value of d: a
 * number for a float (ints too), an integral number for an int, a choice
 * (Python equality) for a categorical. Range is not checked. Errors: HPO_EINVAL.
 */
int hpo__json_to_internal(const hpo_distribution *d, const json_t *j, double *out);
/** Read a number (integer or real) as double; false if not a number. */
bool hpo__json_number(const json_t *v, double *out);

/*
 * Non-finite numbers. jansson cannot hold NaN or +-inf in a real, so they are
 * represented by *marker* strings whose first byte is NUL ("\0NaN",
 * "\0Infinity", "\0-Infinity"); hpo__json_parse never yields any other string
 * starting with NUL (it rejects \u0000 escapes). hpo__json_number() and
 * hpo__json_put() understand markers; code testing json_is_real() must also try
 * hpo__json_nonfinite() to see NaN/inf.
 */
/** A new jansson value for any double: json_real when finite, else a marker. NULL on OOM. */
json_t *hpo__json_real_any(double v);
/** True (and *out set) when v is a NaN/Infinity/-Infinity marker. */
bool hpo__json_nonfinite(const json_t *v, double *out);
/** Offset of the first byte of s that is not valid UTF-8, or (size_t)-1 if s is valid. */
size_t hpo__utf8_invalid_at(const char *s);

#endif
