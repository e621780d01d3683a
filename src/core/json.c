/*
 * json.c - JSON written exactly as Python's json.dumps writes it (Optuna stores
 * every attribute and distribution that way), and a jansson-based reader that
 * also accepts Python's bare NaN / Infinity / -Infinity tokens.
 *
 * Writer: floats in Python repr (shortest round-trip digits, exponent form when
 * the decimal exponent is < -4 or >= 16, ".0" on integral values), strings with
 * ensure_ascii escaping, ", " and ": " separators. Strings must be valid UTF-8:
 * an invalid byte poisons the buffer with HPO_EINVAL naming its offset, because
 * no escape of it would read back as the same bytes (jansson rejects lone
 * surrogates), and silently changing a user's string is worse than refusing it.
 *
 * Reader: jansson cannot hold non-finite reals (json_real(NAN) fails), so a
 * pre-pass rewrites each bare token outside strings into a *marker*: a JSON
 * string whose first byte is NUL ("\0NaN", "\0Infinity", "\0-Infinity"). The
 * pre-pass rejects \u0000 escapes in the input's own strings (what
 * JSON_ALLOW_NUL off would do), so a string starting with NUL can only be a
 * marker. hpo__json_number() reads markers as NaN/+inf/-inf and hpo__json_put()
 * writes them back as the bare tokens, so attribute JSON keeps its NaN and inf.
 */
#include "core/json.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/distribution.h"
#include "core/error.h"

/* ==== Python float repr ==================================================== */

/* Parse "%.*e" output into digits (no dot, trailing zeros stripped) and the
 * decimal exponent of the first digit. */
static void split_sci(const char *sci, char *digits, int *exp10)
{
    size_t n = 0;
    const char *p = sci;
    if (*p == '-')
        p++;
    for (; *p != '\0' && *p != 'e'; p++) {
        if (*p >= '0' && *p <= '9')
            digits[n++] = *p;
    }
    while (n > 1 && digits[n - 1] == '0')
        n--;
    digits[n] = '\0';
    *exp10 = (*p == 'e') ? (int)strtol(p + 1, NULL, 10) : 0;
}

/* Whether digits * 10^(exp10 - len + 1) read back (strtod) gives exactly a. */
static bool digits_roundtrip(const char *digits, int exp10, double a)
{
    char tmp[64];
    snprintf(tmp, sizeof(tmp), "%c.%se%d", digits[0], digits + 1, exp10);
    return strtod(tmp, NULL) == a;
}

/* Step the p-digit decimal digits/exp10 by one unit in the last place, up
 * (dir > 0) or down. The result is p digits again (or fewer after stripping). */
static void digits_step(char *digits, int p, int *exp10, int dir)
{
    int i;
    size_t n = strlen(digits);
    for (; (int)n < p; n++)
        digits[n] = '0';
    digits[p] = '\0';
    if (dir > 0) {
        for (i = p - 1; i >= 0 && digits[i] == '9'; i--)
            digits[i] = '0';
        if (i < 0) {
            digits[0] = '1';
            (*exp10)++;
        } else {
            digits[i]++;
        }
    } else {
        for (i = p - 1; i >= 0 && digits[i] == '0'; i--)
            digits[i] = '9';
        digits[i]--; /* digits[0] is never '0', so i >= 0 here */
        if (digits[0] == '0') {
            /* 10..0 - 1ulp is 99..9 one decade lower. */
            memset(digits, '9', (size_t)p);
            (*exp10)--;
        }
    }
    n = (size_t)p;
    while (n > 1 && digits[n - 1] == '0')
        n--;
    digits[n] = '\0';
}

/* Whether some p-digit decimal reads back as a; if so it is left in digits/exp10. */
static bool digits_at(double a, int p, char *digits, int *exp10)
{
    char sci[64], alt[40];
    int aexp;
    double nearest;
    snprintf(sci, sizeof(sci), "%.*e", p - 1, a);
    split_sci(sci, digits, exp10);
    if (digits_roundtrip(digits, *exp10, a))
        return true;
    /* Next to a power of two the rounding interval is lopsided: the nearest
     * p-digit decimal may miss while the one on a's other side still hits. */
    aexp = *exp10;
    nearest = strtod(sci, NULL);
    memcpy(alt, digits, strlen(digits) + 1);
    digits_step(alt, p, &aexp, nearest < a ? 1 : -1);
    if (!digits_roundtrip(alt, aexp, a))
        return false;
    memcpy(digits, alt, strlen(alt) + 1);
    *exp10 = aexp;
    return true;
}

/*
 * The shortest digit string that reads back as a (|a| finite, non-zero); when
 * two shortest strings read back, the nearer to a (as Python's repr). Whether p
 * digits suffice is monotone in p, and most doubles need 16 or 17 digits, so
 * try 15 first: only values that fit in 15 digits are searched from 1 up.
 */
static void shortest_digits(double a, char *digits, int *exp10)
{
    char sci[64];
    if (digits_at(a, 15, digits, exp10)) {
        for (int p = 1; p < 15; p++)
            if (digits_at(a, p, digits, exp10))
                return;
        digits_at(a, 15, digits, exp10);
        return;
    }
    if (digits_at(a, 16, digits, exp10) || digits_at(a, 17, digits, exp10))
        return;
    snprintf(sci, sizeof(sci), "%.16e", a);
    split_sci(sci, digits, exp10);
}

char *hpo__double_repr(double v, char *out)
{
    char digits[40];
    int e, nd, pos = 0;
    if (isnan(v)) {
        snprintf(out, 32, "NaN");
        return out;
    }
    if (isinf(v)) {
        snprintf(out, 32, "%s", v > 0 ? "Infinity" : "-Infinity");
        return out;
    }
    if (signbit(v))
        out[pos++] = '-';
    if (v == 0.0) {
        snprintf(out + pos, 8, "0.0");
        return out;
    }
    shortest_digits(fabs(v), digits, &e);
    nd = (int)strlen(digits);
    if (e < -4 || e >= 16) {
        out[pos++] = digits[0];
        if (nd > 1) {
            out[pos++] = '.';
            memcpy(out + pos, digits + 1, (size_t)nd - 1);
            pos += nd - 1;
        }
        /* |e| <= 324 for a double */
        snprintf(out + pos, 16, "e%c%02d", e < 0 ? '-' : '+', (e < 0 ? -e : e) % 1000);
    } else if (e < 0) {
        out[pos++] = '0';
        out[pos++] = '.';
        for (int i = 0; i < -e - 1; i++)
            out[pos++] = '0';
        memcpy(out + pos, digits, (size_t)nd + 1);
    } else if (e + 1 >= nd) {
        memcpy(out + pos, digits, (size_t)nd);
        pos += nd;
        for (int i = 0; i < e + 1 - nd; i++)
            out[pos++] = '0';
        snprintf(out + pos, 4, ".0");
    } else {
        memcpy(out + pos, digits, (size_t)e + 1);
        pos += e + 1;
        out[pos++] = '.';
        memcpy(out + pos, digits + e + 1, (size_t)(nd - e - 1) + 1);
    }
    return out;
}

void hpo__json_put_double(hpo_buf *b, double v)
{
    char tmp[40];
    hpo__buf_puts(b, hpo__double_repr(v, tmp));
}

/* ==== Strings ============================================================== */

/* Decode one UTF-8 sequence at s (n bytes left). Returns its length and the code
 * point, or 0 for an invalid sequence (overlong, surrogate, > U+10FFFF, cut). */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t len;
    uint32_t c = s[0], min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        len = 2, c &= 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3, c &= 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4, c &= 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

size_t hpo__utf8_invalid_at(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), i = 0;
    while (i < n) {
        uint32_t cp;
        size_t k = utf8_decode(p + i, n - i, &cp);
        if (k == 0)
            return i;
        i += k;
    }
    return (size_t)-1;
}

/* The JSON escape json.dumps writes for code point cp (ensure_ascii). */
static const char *short_escape(uint32_t cp, char *esc, size_t n)
{
    switch (cp) {
    case '"':
        return "\\\"";
    case '\\':
        return "\\\\";
    case '\n':
        return "\\n";
    case '\r':
        return "\\r";
    case '\t':
        return "\\t";
    case '\b':
        return "\\b";
    case '\f':
        return "\\f";
    default:
        break;
    }
    if (cp >= 0x10000) {
        uint32_t v = cp - 0x10000;
        snprintf(esc, n, "\\u%04x\\u%04x", (unsigned)(0xD800 | (v >> 10)),
                (unsigned)(0xDC00 | (v & 0x3FF)));
    } else {
        snprintf(esc, n, "\\u%04x", (unsigned)cp);
    }
    return esc;
}

void hpo__json_put_string(hpo_buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), i = 0, run = 0;
    hpo__buf_putc(b, '"');
    while (i < n) {
        uint32_t cp;
        size_t k;
        char esc[16];
        if (p[i] >= 0x20 && p[i] < 0x7F && p[i] != '"' && p[i] != '\\') {
            i++, run++;
            continue;
        }
        hpo__buf_append(b, s + i - run, run);
        run = 0;
        k = utf8_decode(p + i, n - i, &cp);
        if (k == 0) {
            if (b->status == HPO_OK)
                b->status = hpo__error_set(HPO_EINVAL,
                        "string is not valid UTF-8 (byte 0x%02x at offset %zu)", p[i], i);
            return;
        }
        i += k;
        hpo__buf_puts(b, short_escape(cp, esc, sizeof(esc)));
    }
    hpo__buf_append(b, s + i - run, run);
    hpo__buf_putc(b, '"');
}

void hpo__json_put_value(hpo_buf *b, const hpo_value *v)
{
    switch (v->type) {
    case HPO_VALUE_NULL:
        hpo__buf_puts(b, "null");
        break;
    case HPO_VALUE_BOOL:
        hpo__buf_puts(b, v->u.b ? "true" : "false");
        break;
    case HPO_VALUE_INT:
        hpo__buf_printf(b, "%" PRId64, v->u.i);
        break;
    case HPO_VALUE_FLOAT:
        hpo__json_put_double(b, v->u.f);
        break;
    case HPO_VALUE_STRING:
        hpo__json_put_string(b, v->u.s != NULL ? v->u.s : "");
        break;
    default:
        if (b->status == HPO_OK)
            b->status = hpo__error_set(HPO_EINVAL, "value has unknown type %d", (int)v->type);
    }
}

/* ==== Non-finite markers ==================================================== */

static const char MARK_NAN[] = "\0NaN";
static const char MARK_PINF[] = "\0Infinity";
static const char MARK_NINF[] = "\0-Infinity";

json_t *hpo__json_real_any(double v)
{
    if (isnan(v))
        return json_stringn(MARK_NAN, sizeof(MARK_NAN) - 1);
    if (isinf(v))
        return v > 0 ? json_stringn(MARK_PINF, sizeof(MARK_PINF) - 1)
                     : json_stringn(MARK_NINF, sizeof(MARK_NINF) - 1);
    return json_real(v);
}

bool hpo__json_nonfinite(const json_t *v, double *out)
{
    const char *s;
    size_t n;
    if (!json_is_string(v))
        return false;
    s = json_string_value(v);
    n = json_string_length(v);
    if (n == 0 || s[0] != '\0')
        return false;
    if (n == sizeof(MARK_NAN) - 1 && memcmp(s, MARK_NAN, n) == 0)
        *out = NAN;
    else if (n == sizeof(MARK_PINF) - 1 && memcmp(s, MARK_PINF, n) == 0)
        *out = INFINITY;
    else if (n == sizeof(MARK_NINF) - 1 && memcmp(s, MARK_NINF, n) == 0)
        *out = -INFINITY;
    else
        return false;
    return true;
}

bool hpo__json_number(const json_t *v, double *out)
{
    if (json_is_integer(v)) {
        *out = (double)json_integer_value(v);
        return true;
    }
    if (json_is_real(v)) {
        *out = json_real_value(v);
        return true;
    }
    return hpo__json_nonfinite(v, out);
}

/* ==== Reader ================================================================ */

/* Copy text into b with bare NaN/Infinity/-Infinity tokens (outside strings)
 * replaced by marker strings; reject \u0000 escapes inside strings. */
static int prepass(const char *text, hpo_buf *b)
{
    static const struct {
        const char *tok;
        const char *json;
    } toks[] = {
        {"NaN", "\"\\u0000NaN\""},
        {"Infinity", "\"\\u0000Infinity\""},
        {"-Infinity", "\"\\u0000-Infinity\""},
    };
    const char *p = text, *run = text;
    bool in_str = false;
    while (*p != '\0') {
        if (in_str) {
            if (*p == '\\') {
                if (p[1] == 'u' && strncmp(p + 2, "0000", 4) == 0)
                    return hpo__error_set(HPO_EINVAL,
                            "invalid JSON at offset %zu: \\u0000 in a string is not supported",
                            (size_t)(p - text));
                p += (p[1] != '\0') ? 2 : 1;
                continue;
            }
            if (*p == '"')
                in_str = false;
            p++;
            continue;
        }
        if (*p == '"') {
            in_str = true;
            p++;
            continue;
        }
        if (*p == 'N' || *p == 'I' || *p == '-') {
            size_t i;
            for (i = 0; i < sizeof(toks) / sizeof(toks[0]); i++) {
                size_t n = strlen(toks[i].tok);
                if (strncmp(p, toks[i].tok, n) == 0) {
                    hpo__buf_append(b, run, (size_t)(p - run));
                    hpo__buf_puts(b, toks[i].json);
                    p += n;
                    run = p;
                    break;
                }
            }
            if (i < sizeof(toks) / sizeof(toks[0]))
                continue;
        }
        p++;
    }
    hpo__buf_append(b, run, (size_t)(p - run));
    return hpo__buf_status(b);
}

int hpo__json_parse(const char *text, json_t **out)
{
    hpo_buf b;
    json_error_t err;
    int rc;
    *out = NULL;
    if (text == NULL)
        return hpo__error_set(HPO_EINVAL, "JSON text is NULL");
    hpo__buf_init(&b, 0);
    rc = prepass(text, &b);
    if (rc != HPO_OK)
        goto done;
    *out = json_loads(b.data != NULL ? b.data : "", JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if (*out == NULL)
        rc = hpo__error_set(HPO_EINVAL, "invalid JSON at line %d, column %d: %s", err.line,
                err.column, err.text);
done:
    hpo__buf_free(&b);
    return rc;
}

int hpo__json_validate(const char *text)
{
    json_t *v;
    int rc = hpo__json_parse(text, &v);
    json_decref(v);
    return rc;
}

void hpo__json_put(hpo_buf *b, const json_t *v)
{
    double d;
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *key;
        json_t *item;
        bool first = true;
        hpo__buf_putc(b, '{');
        /* jansson 2.8+ iterates objects in insertion order, as Python dicts. */
        json_object_foreach((json_t *)v, key, item) {
            if (!first)
                hpo__buf_puts(b, ", ");
            first = false;
            hpo__json_put_string(b, key);
            hpo__buf_puts(b, ": ");
            hpo__json_put(b, item);
        }
        hpo__buf_putc(b, '}');
        break;
    }
    case JSON_ARRAY: {
        size_t i;
        json_t *item;
        hpo__buf_putc(b, '[');
        json_array_foreach((json_t *)v, i, item) {
            if (i > 0)
                hpo__buf_puts(b, ", ");
            hpo__json_put(b, item);
        }
        hpo__buf_putc(b, ']');
        break;
    }
    case JSON_STRING:
        if (hpo__json_nonfinite(v, &d))
            hpo__json_put_double(b, d);
        else
            hpo__json_put_string(b, json_string_value(v));
        break;
    case JSON_INTEGER:
        hpo__buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL:
        hpo__json_put_double(b, json_real_value(v));
        break;
    case JSON_TRUE:
        hpo__buf_puts(b, "true");
        break;
    case JSON_FALSE:
        hpo__buf_puts(b, "false");
        break;
    case JSON_NULL:
    default:
        hpo__buf_puts(b, "null");
        break;
    }
}

static int json_to_value(const json_t *j, hpo_value *out)
{
    double nf;
    if (hpo__json_nonfinite(j, &nf))
        *out = hpo_value_float(nf);
    else if (json_is_string(j))
        *out = hpo_value_string(json_string_value(j));
    else if (json_is_integer(j))
        *out = hpo_value_int((int64_t)json_integer_value(j));
    else if (json_is_real(j))
        *out = hpo_value_float(json_real_value(j));
    else if (json_is_boolean(j))
        *out = hpo_value_bool(json_is_true(j));
    else if (json_is_null(j))
        *out = hpo_value_null();
    else
        return hpo__error_set(HPO_EINVAL, "value is not a scalar (an array or object)");
    return HPO_OK;
}

int hpo__json_to_internal(const hpo_distribution *d, const json_t *j, double *out)
{
    hpo_value v;
    HPO_TRY(json_to_value(j, &v));
    /* An int for a float distribution is fine: it is a number. */
    if (d->kind == HPO_DIST_FLOAT && v.type == HPO_VALUE_INT)
        v = hpo_value_float((double)v.u.i);
    if (d->kind == HPO_DIST_INT && v.type == HPO_VALUE_FLOAT && v.u.f == floor(v.u.f) &&
            fabs(v.u.f) < 9.007199254740992e15)
        v = hpo_value_int((int64_t)v.u.f);
    return hpo__dist_to_internal(d, &v, out);
}
