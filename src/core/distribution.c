/*
 * distribution.c - Optuna's FloatDistribution, IntDistribution and
 * CategoricalDistribution: validation (reference §2.3), the internal
 * representation, byte-exact JSON (§2.1), and define-by-run compatibility (§2.4).
 *
 * Optuna adjusts a stepped float's high in Python's decimal module on str()
 * forms (28 significant digits, ROUND_HALF_EVEN), so Float(0, 1, step=0.3) gets
 * high 0.9, not 0.8999999999999999. A small exact decimal type below reproduces
 * that arithmetic, including the InvalidOperation Python raises when the integer
 * quotient needs more than 28 digits.
 */
#include "core/distribution.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/json.h"

/* ==== hpo_value ============================================================= */

hpo_value hpo_value_null(void)
{
    hpo_value v;
    memset(&v, 0, sizeof(v));
    v.type = HPO_VALUE_NULL;
    return v;
}

hpo_value hpo_value_bool(bool b)
{
    hpo_value v = hpo_value_null();
    v.type = HPO_VALUE_BOOL;
    v.u.b = b;
    return v;
}

hpo_value hpo_value_int(int64_t i)
{
    hpo_value v = hpo_value_null();
    v.type = HPO_VALUE_INT;
    v.u.i = i;
    return v;
}

hpo_value hpo_value_float(double f)
{
    hpo_value v = hpo_value_null();
    v.type = HPO_VALUE_FLOAT;
    v.u.f = f;
    return v;
}

hpo_value hpo_value_string(const char *s)
{
    hpo_value v = hpo_value_null();
    v.type = HPO_VALUE_STRING;
    v.u.s = s;
    return v;
}

/* Python int == float: exact, so 2**53 + 1 != 2.0**53. */
static bool int_eq_float(int64_t i, double f)
{
    if (!(f >= -9223372036854775808.0 && f < 9223372036854775808.0) || f != trunc(f))
        return false;
    return (int64_t)f == i;
}

bool hpo__value_equal(const hpo_value *a, const hpo_value *b)
{
    bool an = a->type == HPO_VALUE_BOOL || a->type == HPO_VALUE_INT || a->type == HPO_VALUE_FLOAT;
    bool bn = b->type == HPO_VALUE_BOOL || b->type == HPO_VALUE_INT || b->type == HPO_VALUE_FLOAT;
    if (an && bn) {
        /* bool is an int subclass in Python: True == 1 == 1.0. */
        if (a->type == HPO_VALUE_FLOAT && b->type == HPO_VALUE_FLOAT)
            return a->u.f == b->u.f || (isnan(a->u.f) && isnan(b->u.f));
        if (a->type == HPO_VALUE_FLOAT)
            return int_eq_float(b->type == HPO_VALUE_BOOL ? (int64_t)b->u.b : b->u.i, a->u.f);
        if (b->type == HPO_VALUE_FLOAT)
            return int_eq_float(a->type == HPO_VALUE_BOOL ? (int64_t)a->u.b : a->u.i, b->u.f);
        return (a->type == HPO_VALUE_BOOL ? (int64_t)a->u.b : a->u.i) ==
               (b->type == HPO_VALUE_BOOL ? (int64_t)b->u.b : b->u.i);
    }
    if (a->type != b->type)
        return false;
    if (a->type == HPO_VALUE_NULL)
        return true;
    if (a->type == HPO_VALUE_STRING)
        return a->u.s != NULL && b->u.s != NULL && strcmp(a->u.s, b->u.s) == 0;
    return false;
}

const char *hpo__value_describe(const hpo_value *v, char *out, size_t n)
{
    char tmp[40];
    if (n == 0)
        return out;
    switch (v->type) {
    case HPO_VALUE_NULL:
        snprintf(out, n, "None");
        break;
    case HPO_VALUE_BOOL:
        snprintf(out, n, "%s", v->u.b ? "True" : "False");
        break;
    case HPO_VALUE_INT:
        snprintf(out, n, "%" PRId64, v->u.i);
        break;
    case HPO_VALUE_FLOAT:
        /* Python's repr spells the non-finite values nan / inf / -inf. */
        if (isnan(v->u.f))
            snprintf(out, n, "nan");
        else if (isinf(v->u.f))
            snprintf(out, n, "%s", v->u.f > 0 ? "inf" : "-inf");
        else
            snprintf(out, n, "%s", hpo__double_repr(v->u.f, tmp));
        break;
    case HPO_VALUE_STRING:
        if (v->u.s == NULL)
            snprintf(out, n, "NULL string");
        else if (strlen(v->u.s) > 60)
            snprintf(out, n, "'%.57s...'", v->u.s);
        else
            snprintf(out, n, "'%s'", v->u.s);
        break;
    default:
        snprintf(out, n, "<value of unknown type %d>", (int)v->type);
    }
    return out;
}

/* ==== Python decimal, just enough for Optuna's high adjustment =============== */

#define DEC_PREC 28   /* decimal.getcontext().prec */
#define DEC_MAX  1400 /* digits: enough to align 5e-324 with 1.8e308 and a product */

/* coefficient * 10^exp, coefficient little-endian (d[0] lowest), no leading zeros. */
typedef struct dec {
    bool neg;
    int exp;
    int nd;
    unsigned char d[DEC_MAX];
} dec;

static void dec_trim(dec *x)
{
    while (x->nd > 0 && x->d[x->nd - 1] == 0)
        x->nd--;
}

/* Decimal(str(v)) for finite v. */
static void dec_from_double(double v, dec *x)
{
    char s[40];
    char digits[40];
    int nd = 0, frac = 0, e = 0;
    bool after_dot = false;
    const char *p = hpo__double_repr(v, s);
    x->neg = (*p == '-');
    if (x->neg)
        p++;
    for (; *p != '\0' && *p != 'e'; p++) {
        if (*p == '.') {
            after_dot = true;
            continue;
        }
        digits[nd++] = *p;
        frac += after_dot;
    }
    if (*p == 'e')
        e = (int)strtol(p + 1, NULL, 10);
    x->exp = e - frac;
    x->nd = nd;
    for (int i = 0; i < nd; i++)
        x->d[i] = (unsigned char)(digits[nd - 1 - i] - '0');
    dec_trim(x);
}

/* Round to DEC_PREC digits, half to even. */
static void dec_round(dec *x)
{
    int k;
    bool up, rest = false;
    if (x->nd <= DEC_PREC)
        return;
    k = x->nd - DEC_PREC;
    for (int i = 0; i < k - 1; i++)
        rest |= x->d[i] != 0;
    up = x->d[k - 1] > 5 || (x->d[k - 1] == 5 && (rest || (x->d[k] & 1)));
    memmove(x->d, x->d + k, (size_t)DEC_PREC);
    x->nd = DEC_PREC;
    x->exp += k;
    if (up) {
        int i = 0;
        while (i < x->nd && x->d[i] == 9)
            x->d[i++] = 0;
        if (i == x->nd) {
            /* 99..9 + 1 = 10^prec: one digit too many, the dropped one is 0. */
            memset(x->d, 0, (size_t)DEC_PREC);
            x->d[DEC_PREC - 1] = 1;
            x->exp++;
        } else {
            x->d[i]++;
        }
    }
}

/* Coefficient of x scaled to exponent m (m <= x->exp) into out; returns length. */
static int dec_align(const dec *x, int m, unsigned char *out)
{
    int shift = x->exp - m;
    if (x->nd == 0)
        return 0; /* a zero's exponent is ignored by dec_min_exp */
    memset(out, 0, (size_t)shift);
    memcpy(out + shift, x->d, (size_t)x->nd);
    return shift + x->nd;
}

static int mag_cmp(const unsigned char *a, int na, const unsigned char *b, int nb)
{
    if (na != nb)
        return na < nb ? -1 : 1;
    for (int i = na - 1; i >= 0; i--) {
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    }
    return 0;
}

/* a -= b where a >= b. */
static int mag_sub(unsigned char *a, int na, const unsigned char *b, int nb)
{
    int borrow = 0;
    for (int i = 0; i < na; i++) {
        int t = a[i] - borrow - (i < nb ? b[i] : 0);
        borrow = t < 0;
        a[i] = (unsigned char)(t < 0 ? t + 10 : t);
    }
    while (na > 0 && a[na - 1] == 0)
        na--;
    return na;
}

/* Exponents of a's and b's digits never differ by more than a double allows, so
 * aligned lengths stay below DEC_MAX (asserted by construction of the callers). */
static int dec_min_exp(const dec *a, const dec *b)
{
    if (a->nd == 0)
        return b->exp;
    if (b->nd == 0)
        return a->exp;
    return a->exp < b->exp ? a->exp : b->exp;
}

/* out = a + (negate_b ? -b : b), rounded to DEC_PREC. out may not alias. */
static void dec_add(const dec *a, const dec *b, bool negate_b, dec *out)
{
    unsigned char bb[DEC_MAX];
    bool bneg = b->neg != negate_b;
    int m = dec_min_exp(a, b);
    int na = dec_align(a, m, out->d);
    int nb = dec_align(b, m, bb);
    out->exp = m;
    if (a->neg == bneg) {
        int carry = 0, n = na > nb ? na : nb;
        for (int i = 0; i < n; i++) {
            int t = (i < na ? out->d[i] : 0) + (i < nb ? bb[i] : 0) + carry;
            out->d[i] = (unsigned char)(t % 10);
            carry = t / 10;
        }
        if (carry)
            out->d[n++] = 1;
        out->nd = n;
        out->neg = a->neg;
    } else if (mag_cmp(out->d, na, bb, nb) >= 0) {
        out->nd = mag_sub(out->d, na, bb, nb);
        out->neg = out->nd > 0 && a->neg;
    } else {
        /* |b| > |a|: the result is b - a with b's sign. */
        unsigned char aa[DEC_MAX];
        memcpy(aa, out->d, (size_t)na);
        memcpy(out->d, bb, (size_t)nb);
        out->nd = mag_sub(out->d, nb, aa, na);
        out->neg = bneg;
    }
    dec_round(out);
}

/* Whether a < b, both non-negative. */
static bool dec_less(const dec *a, const dec *b)
{
    unsigned char aa[DEC_MAX], bb[DEC_MAX];
    int m = dec_min_exp(a, b);
    int na = dec_align(a, m, aa);
    int nb = dec_align(b, m, bb);
    return mag_cmp(aa, na, bb, nb) < 0;
}

/*
 * Python's r // s and whether r % s == 0, for r >= 0 and s > 0. Fails (false)
 * when the quotient needs more than DEC_PREC digits (decimal.InvalidOperation).
 */
static bool dec_divint(const dec *r, const dec *s, dec *q, bool *exact)
{
    unsigned char rr[DEC_MAX], ss[DEC_MAX];
    unsigned char cur[DEC_MAX + 1];
    unsigned char qd[DEC_MAX];
    int m = dec_min_exp(r, s);
    int nr = dec_align(r, m, rr);
    int ns = dec_align(s, m, ss);
    int nc = 0, nq = 0;
    if (nr - ns > DEC_PREC)
        return false;
    for (int i = nr - 1; i >= 0; i--) {
        int count = 0;
        /* cur = cur * 10 + digit */
        memmove(cur + 1, cur, (size_t)nc);
        cur[0] = rr[i];
        nc++;
        while (nc > 0 && cur[nc - 1] == 0)
            nc--;
        while (mag_cmp(cur, nc, ss, ns) >= 0) {
            nc = mag_sub(cur, nc, ss, ns);
            count++;
        }
        qd[nq++] = (unsigned char)count;
    }
    /* qd is most-significant first. */
    q->neg = false;
    q->exp = 0;
    q->nd = nq;
    for (int i = 0; i < nq; i++)
        q->d[i] = qd[nq - 1 - i];
    dec_trim(q);
    *exact = (nc == 0);
    return q->nd <= DEC_PREC;
}

static void dec_mul(const dec *a, const dec *b, dec *out)
{
    memset(out->d, 0, (size_t)(a->nd + b->nd + 1));
    for (int i = 0; i < a->nd; i++) {
        int carry = 0;
        for (int j = 0; j < b->nd; j++) {
            int t = out->d[i + j] + a->d[i] * b->d[j] + carry;
            out->d[i + j] = (unsigned char)(t % 10);
            carry = t / 10;
        }
        for (int k = i + b->nd; carry; k++) {
            int t = out->d[k] + carry;
            out->d[k] = (unsigned char)(t % 10);
            carry = t / 10;
        }
    }
    out->nd = a->nd + b->nd + 1;
    out->exp = a->exp + b->exp;
    out->neg = a->neg != b->neg;
    dec_trim(out);
    dec_round(out);
}

/* float(x): correctly rounded through strtod. */
static double dec_to_double(const dec *x)
{
    char s[DEC_PREC + 40];
    int n = 0;
    if (x->nd == 0)
        return x->neg ? -0.0 : 0.0;
    if (x->neg)
        s[n++] = '-';
    for (int i = x->nd - 1; i >= 0; i--)
        s[n++] = (char)('0' + x->d[i]);
    snprintf(s + n, sizeof(s) - (size_t)n, "e%d", x->exp);
    return strtod(s, NULL);
}

/* The decimals used by one float-with-step computation (about 10 KB of stack). */
typedef struct dec_work {
    dec low, high, step, r, q, t, out;
} dec_work;

/*
 * Optuna's _adjust_discrete_uniform_high: *adjusted = float((r // step) * step +
 * low) and *changed = true when r = high - low is not a multiple of step (Optuna
 * warns then, even when the float comes out equal to high), else high unchanged.
 */
static int adjust_float_high(double low, double high, double step, double *adjusted,
        bool *changed)
{
    dec_work work, *w = &work;
    bool exact;
    char a[40], b[40], c[40];
    dec_from_double(low, &w->low);
    dec_from_double(high, &w->high);
    dec_from_double(step, &w->step);
    dec_add(&w->high, &w->low, true, &w->r);
    if (!dec_divint(&w->r, &w->step, &w->q, &exact)) {
        return hpo__error_set(HPO_EINVAL,
                "step %s is too small for the range [%s, %s]: (high - low) / step needs more "
                "than %d decimal digits",
                hpo__double_repr(step, a), hpo__double_repr(low, b), hpo__double_repr(high, c),
                DEC_PREC);
    }
    *adjusted = high;
    *changed = !exact;
    if (!exact) {
        dec_mul(&w->q, &w->step, &w->t);
        dec_add(&w->t, &w->low, false, &w->out);
        *adjusted = dec_to_double(&w->out);
    }
    return HPO_OK;
}

/* Decimal (high - low) < step, Optuna's single() for a stepped float. */
static bool float_range_below_step(double low, double high, double step)
{
    dec_work work, *w = &work;
    dec_from_double(low, &w->low);
    dec_from_double(high, &w->high);
    dec_from_double(step, &w->step);
    dec_add(&w->high, &w->low, true, &w->r);
    return dec_less(&w->r, &w->step);
}

/* ==== Construction ========================================================== */

static hpo_distribution *dist_alloc(hpo_dist_kind kind)
{
    hpo_distribution *d = hpo__calloc(1, sizeof(*d));
    if (d == NULL)
        return NULL;
    d->magic = HPO__DIST_MAGIC;
    atomic_init(&d->refcount, 1);
    d->kind = kind;
    d->step = HPO_NO_STEP;
    return d;
}

static bool dist_ok(const hpo_distribution *d)
{
    return d != NULL && d->magic == HPO__DIST_MAGIC;
}

int hpo_distribution_float_new(hpo_distribution **out, double low, double high, double step,
        bool log)
{
    char a[40], b[40], c[40], e[40];
    bool has_step = step != HPO_NO_STEP;
    hpo_distribution *d;
    if (out == NULL)
        return hpo__error_set(HPO_EMISUSE, "hpo_distribution_float_new: out is NULL");
    *out = NULL;
    if (!isfinite(low))
        return hpo__error_set(HPO_EINVAL, "FloatDistribution: low must be finite, got %s",
                hpo__double_repr(low, a));
    if (!isfinite(high))
        return hpo__error_set(HPO_EINVAL, "FloatDistribution: high must be finite, got %s",
                hpo__double_repr(high, a));
    if (!isfinite(step))
        return hpo__error_set(HPO_EINVAL, "FloatDistribution: step must be finite, got %s",
                hpo__double_repr(step, a));
    /* Optuna's order: log+step, low > high, log with low <= 0, step <= 0. */
    if (log && has_step)
        return hpo__error_set(HPO_EINVAL,
                "FloatDistribution: step=%s is not supported when log is true",
                hpo__double_repr(step, a));
    if (low > high)
        return hpo__error_set(HPO_EINVAL,
                "FloatDistribution: low must be <= high (low=%s, high=%s)",
                hpo__double_repr(low, a), hpo__double_repr(high, b));
    if (log && low <= 0.0)
        return hpo__error_set(HPO_EINVAL,
                "FloatDistribution: low must be > 0 for a log distribution (low=%s, high=%s)",
                hpo__double_repr(low, a), hpo__double_repr(high, b));
    if (has_step && step < 0.0)
        return hpo__error_set(HPO_EINVAL,
                "FloatDistribution: step must be positive, got step=%s", hpo__double_repr(step, a));
    if (has_step) {
        double adjusted;
        bool changed;
        HPO_TRY(adjust_float_high(low, high, step, &adjusted, &changed));
        if (changed) {
            hpo__log(HPO_LOG_WARNING,
                    "The distribution is specified by [%s, %s] and step=%s, but the range is "
                    "not divisible by `step`. It will be replaced with [%s, %s].",
                    hpo__double_repr(low, a), hpo__double_repr(high, b),
                    hpo__double_repr(step, c), a, hpo__double_repr(adjusted, e));
            high = adjusted;
        }
    }
    d = dist_alloc(HPO_DIST_FLOAT);
    if (d == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory creating a distribution");
    d->low = low;
    d->high = high;
    d->log = log;
    d->has_step = has_step;
    d->step = has_step ? step : HPO_NO_STEP;
    *out = d;
    return HPO_OK;
}

int hpo_distribution_int_new(hpo_distribution **out, int64_t low, int64_t high, int64_t step,
        bool log)
{
    hpo_distribution *d;
    uint64_t range, ustep;
    int64_t adjusted;
    if (out == NULL)
        return hpo__error_set(HPO_EMISUSE, "hpo_distribution_int_new: out is NULL");
    *out = NULL;
    if (log && step != 1)
        return hpo__error_set(HPO_EINVAL,
                "IntDistribution: step=%" PRId64 " is not supported when log is true "
                "(step must be 1)", step);
    if (low > high)
        return hpo__error_set(HPO_EINVAL,
                "IntDistribution: low must be <= high (low=%" PRId64 ", high=%" PRId64 ")", low,
                high);
    if (log && low < 1)
        return hpo__error_set(HPO_EINVAL,
                "IntDistribution: low must be >= 1 for a log distribution (low=%" PRId64
                ", high=%" PRId64 ")", low, high);
    if (step <= 0)
        return hpo__error_set(HPO_EINVAL,
                "IntDistribution: step must be positive, got step=%" PRId64, step);
    /* Unsigned arithmetic: high - low may not fit in int64. */
    range = (uint64_t)high - (uint64_t)low;
    ustep = (uint64_t)step;
    adjusted = high;
    if (range % ustep != 0) {
        adjusted = (int64_t)((uint64_t)low + range / ustep * ustep);
        hpo__log(HPO_LOG_WARNING,
                "The distribution is specified by [%" PRId64 ", %" PRId64 "] and step=%" PRId64
                ", but the range is not divisible by `step`. It will be replaced with [%" PRId64
                ", %" PRId64 "].", low, high, step, low, adjusted);
    }
    d = dist_alloc(HPO_DIST_INT);
    if (d == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory creating a distribution");
    d->log = log;
    d->has_step = true;
    d->ilow = low;
    d->ihigh = adjusted;
    d->istep = step;
    d->low = (double)low;
    d->high = (double)adjusted;
    d->step = (double)step;
    *out = d;
    return HPO_OK;
}

static void free_choices(hpo_value *c, size_t n)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        if (c[i].type == HPO_VALUE_STRING)
            hpo__free((void *)c[i].u.s);
    }
    hpo__free(c);
}

int hpo_distribution_categorical_new(hpo_distribution **out, const hpo_value *choices,
        size_t n_choices)
{
    hpo_distribution *d = NULL;
    hpo_value *c = NULL;
    size_t i;
    int rc;
    if (out == NULL)
        return hpo__error_set(HPO_EMISUSE, "hpo_distribution_categorical_new: out is NULL");
    *out = NULL;
    if (n_choices == 0 || choices == NULL)
        return hpo__error_set(HPO_EINVAL,
                "CategoricalDistribution: choices must contain one or more elements");
    for (i = 0; i < n_choices; i++) {
        const hpo_value *v = &choices[i];
        if ((unsigned)v->type > HPO_VALUE_STRING)
            return hpo__error_set(HPO_EINVAL,
                    "CategoricalDistribution: choice %zu has unknown value type %d", i,
                    (int)v->type);
        if (v->type == HPO_VALUE_STRING && v->u.s == NULL)
            return hpo__error_set(HPO_EINVAL,
                    "CategoricalDistribution: choice %zu is a NULL string", i);
        if (v->type == HPO_VALUE_STRING && hpo__utf8_invalid_at(v->u.s) != (size_t)-1)
            return hpo__error_set(HPO_EINVAL,
                    "CategoricalDistribution: choice %zu is not valid UTF-8 (byte offset %zu)", i,
                    hpo__utf8_invalid_at(v->u.s));
    }
    c = hpo__calloc(n_choices, sizeof(*c));
    if (c == NULL)
        goto oom;
    for (i = 0; i < n_choices; i++) {
        c[i] = choices[i];
        if (c[i].type == HPO_VALUE_BOOL)
            c[i].u.b = choices[i].u.b ? true : false;
        if (c[i].type == HPO_VALUE_STRING) {
            c[i].u.s = hpo__strdup(choices[i].u.s);
            if (c[i].u.s == NULL) {
                c[i].type = HPO_VALUE_NULL; /* nothing owned to free */
                goto oom;
            }
        }
    }
    d = dist_alloc(HPO_DIST_CATEGORICAL);
    if (d == NULL)
        goto oom;
    d->choices = c;
    d->n_choices = n_choices;
    d->low = 0.0;
    d->high = (double)(n_choices - 1);
    *out = d;
    return HPO_OK;
oom:
    rc = hpo__error_set(HPO_ENOMEM, "out of memory creating a distribution");
    free_choices(c, n_choices);
    return rc;
}

void hpo_distribution_free(hpo_distribution *d)
{
    if (!dist_ok(d))
        return;
    if (atomic_fetch_sub(&d->refcount, 1) != 1)
        return;
    free_choices(d->choices, d->n_choices);
    d->magic = 0;
    hpo__free(d);
}

int hpo__dist_copy(const hpo_distribution *d, hpo_distribution **out)
{
    hpo_distribution *m = (hpo_distribution *)d;
    *out = NULL;
    if (!dist_ok(d))
        return hpo__error_set(HPO_EMISUSE, "distribution is NULL or freed");
    atomic_fetch_add(&m->refcount, 1);
    *out = m;
    return HPO_OK;
}

/* ==== Accessors ============================================================= */

hpo_dist_kind hpo_distribution_kind(const hpo_distribution *d)
{
    return dist_ok(d) ? d->kind : HPO_DIST_FLOAT;
}

double hpo_distribution_low(const hpo_distribution *d)
{
    return dist_ok(d) ? d->low : (double)NAN;
}

double hpo_distribution_high(const hpo_distribution *d)
{
    return dist_ok(d) ? d->high : (double)NAN;
}

double hpo_distribution_step(const hpo_distribution *d)
{
    if (!dist_ok(d) || d->kind == HPO_DIST_CATEGORICAL)
        return HPO_NO_STEP;
    return d->has_step ? d->step : HPO_NO_STEP;
}

bool hpo_distribution_is_log(const hpo_distribution *d)
{
    return dist_ok(d) && d->log;
}

size_t hpo_distribution_n_choices(const hpo_distribution *d)
{
    return dist_ok(d) && d->kind == HPO_DIST_CATEGORICAL ? d->n_choices : 0;
}

hpo_value hpo_distribution_choice(const hpo_distribution *d, size_t i)
{
    if (!dist_ok(d) || d->kind != HPO_DIST_CATEGORICAL || i >= d->n_choices)
        return hpo_value_null();
    return d->choices[i];
}

/* ==== Semantics ============================================================= */

static const char *class_name(hpo_dist_kind kind)
{
    switch (kind) {
    case HPO_DIST_FLOAT:
        return "FloatDistribution";
    case HPO_DIST_INT:
        return "IntDistribution";
    default:
        return "CategoricalDistribution";
    }
}

bool hpo__dist_equal(const hpo_distribution *a, const hpo_distribution *b)
{
    if (a == b)
        return true;
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case HPO_DIST_FLOAT:
        return a->low == b->low && a->high == b->high && a->log == b->log &&
               a->has_step == b->has_step && (!a->has_step || a->step == b->step);
    case HPO_DIST_INT:
        return a->ilow == b->ilow && a->ihigh == b->ihigh && a->istep == b->istep &&
               a->log == b->log;
    default:
        if (a->n_choices != b->n_choices)
            return false;
        for (size_t i = 0; i < a->n_choices; i++) {
            if (!hpo__value_equal(&a->choices[i], &b->choices[i]))
                return false;
        }
        return true;
    }
}

int hpo__dist_check_compatible(const hpo_distribution *old_d, const hpo_distribution *new_d,
        const char *param_name)
{
    const char *name = param_name != NULL ? param_name : "?";
    if (old_d->kind != new_d->kind)
        return hpo__error_set(HPO_EINVAL,
                "parameter '%s': Cannot set different distribution kind to the same parameter "
                "name (%s, then %s).", name, class_name(old_d->kind), class_name(new_d->kind));
    if (old_d->kind != HPO_DIST_CATEGORICAL && old_d->log != new_d->log)
        return hpo__error_set(HPO_EINVAL,
                "parameter '%s': Cannot set different log configuration to the same parameter "
                "name (log=%s, then log=%s).", name, old_d->log ? "true" : "false",
                new_d->log ? "true" : "false");
    if (old_d->kind == HPO_DIST_CATEGORICAL && !hpo__dist_equal(old_d, new_d))
        return hpo__error_set(HPO_EINVAL,
                "parameter '%s': CategoricalDistribution does not support dynamic value space.",
                name);
    return HPO_OK;
}

bool hpo__dist_single(const hpo_distribution *d)
{
    switch (d->kind) {
    case HPO_DIST_FLOAT:
        if (d->low == d->high)
            return true;
        return d->has_step && float_range_below_step(d->low, d->high, d->step);
    case HPO_DIST_INT:
        if (d->ilow == d->ihigh)
            return true;
        if (d->log)
            return false;
        return (uint64_t)d->ihigh - (uint64_t)d->ilow < (uint64_t)d->istep;
    default:
        return d->n_choices == 1;
    }
}

double hpo__dist_single_value(const hpo_distribution *d)
{
    return d->kind == HPO_DIST_CATEGORICAL ? 0.0 : d->low;
}

bool hpo__dist_contains(const hpo_distribution *d, double v)
{
    switch (d->kind) {
    case HPO_DIST_FLOAT:
        if (!(d->low <= v && v <= d->high))
            return false;
        if (d->has_step) {
            double k = (v - d->low) / d->step;
            return fabs(k - round(k)) < 1.0e-8;
        }
        return true;
    case HPO_DIST_INT:
        return d->low <= v && v <= d->high && fmod(v - d->low, d->step) == 0.0;
    default:
        /* Python's int() truncates toward zero. */
        return v > -1.0 && v < (double)d->n_choices;
    }
}

int hpo__dist_to_internal(const hpo_distribution *d, const hpo_value *v, double *out)
{
    char desc[80];
    double x;
    if (d->kind == HPO_DIST_CATEGORICAL) {
        for (size_t i = 0; i < d->n_choices; i++) {
            if (hpo__value_equal(&d->choices[i], v)) {
                *out = (double)i;
                return HPO_OK;
            }
        }
        return hpo__error_set(HPO_EINVAL, "%s is not one of the choices",
                hpo__value_describe(v, desc, sizeof(desc)));
    }
    switch (v->type) {
    case HPO_VALUE_BOOL:
        x = v->u.b ? 1.0 : 0.0;
        break;
    case HPO_VALUE_INT:
        x = (double)v->u.i;
        break;
    case HPO_VALUE_FLOAT:
        x = v->u.f;
        break;
    default:
        return hpo__error_set(HPO_EINVAL, "%s is not a number, as %s needs",
                hpo__value_describe(v, desc, sizeof(desc)), class_name(d->kind));
    }
    if (isnan(x))
        return hpo__error_set(HPO_EINVAL, "nan is not a valid %s value", class_name(d->kind));
    if (d->kind == HPO_DIST_FLOAT && d->log && x <= 0.0)
        return hpo__error_set(HPO_EINVAL, "%s is not a valid value for a log distribution",
                hpo__value_describe(v, desc, sizeof(desc)));
    *out = x;
    return HPO_OK;
}

int hpo__dist_to_external(const hpo_distribution *d, double internal, hpo_value *out)
{
    char a[40];
    *out = hpo_value_null();
    switch (d->kind) {
    case HPO_DIST_FLOAT:
        *out = hpo_value_float(internal);
        return HPO_OK;
    case HPO_DIST_INT:
        if (!(internal >= -9223372036854775808.0 && internal < 9223372036854775808.0))
            return hpo__error_set(HPO_EINVAL, "internal value %s is not an int64",
                    hpo__double_repr(internal, a));
        *out = hpo_value_int((int64_t)internal);
        return HPO_OK;
    default:
        if (!(internal > -1.0 && internal < (double)d->n_choices))
            return hpo__error_set(HPO_EINVAL,
                    "internal value %s is not a choice index (0..%zu)",
                    hpo__double_repr(internal, a), d->n_choices - 1);
        *out = d->choices[(size_t)internal];
        return HPO_OK;
    }
}

/* ==== JSON ================================================================== */

void hpo__dist_put_json(hpo_buf *b, const hpo_distribution *d)
{
    /* Key order is each Optuna class's attribute assignment order. */
    hpo__buf_printf(b, "{\"name\": \"%s\", \"attributes\": {", class_name(d->kind));
    switch (d->kind) {
    case HPO_DIST_FLOAT:
        hpo__buf_puts(b, "\"step\": ");
        if (d->has_step)
            hpo__json_put_double(b, d->step);
        else
            hpo__buf_puts(b, "null");
        hpo__buf_puts(b, ", \"low\": ");
        hpo__json_put_double(b, d->low);
        hpo__buf_puts(b, ", \"high\": ");
        hpo__json_put_double(b, d->high);
        hpo__buf_printf(b, ", \"log\": %s", d->log ? "true" : "false");
        break;
    case HPO_DIST_INT:
        hpo__buf_printf(b,
                "\"log\": %s, \"step\": %" PRId64 ", \"low\": %" PRId64 ", \"high\": %" PRId64,
                d->log ? "true" : "false", d->istep, d->ilow, d->ihigh);
        break;
    default:
        hpo__buf_puts(b, "\"choices\": [");
        for (size_t i = 0; i < d->n_choices; i++) {
            if (i > 0)
                hpo__buf_puts(b, ", ");
            hpo__json_put_value(b, &d->choices[i]);
        }
        hpo__buf_putc(b, ']');
    }
    hpo__buf_puts(b, "}}");
}

int hpo_distribution_to_json(const hpo_distribution *d, char **out)
{
    hpo_buf b;
    if (out == NULL)
        return hpo__error_set(HPO_EMISUSE, "hpo_distribution_to_json: out is NULL");
    *out = NULL;
    if (!dist_ok(d))
        return hpo__error_set(HPO_EMISUSE, "hpo_distribution_to_json: distribution is NULL");
    hpo__buf_init(&b, 0);
    hpo__dist_put_json(&b, d);
    return hpo__buf_detach(&b, out, NULL);
}

/* The attribute set one JSON form allows; reading fills what is present. */
typedef struct attrs {
    const char *what;     /* class or form name, for messages */
    const json_t *low, *high, *step, *log, *choices;
} attrs;

static int attr_double(const attrs *a, const char *key, const json_t *v, double *out)
{
    if (!hpo__json_number(v, out))
        return hpo__error_set(HPO_EINVAL, "%s: attribute '%s' must be a number", a->what, key);
    return HPO_OK;
}

static int attr_int(const attrs *a, const char *key, const json_t *v, int64_t *out)
{
    double x;
    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return HPO_OK;
    }
    if (hpo__json_number(v, &x) && x == trunc(x) && x >= -9223372036854775808.0 &&
            x < 9223372036854775808.0) {
        *out = (int64_t)x;
        return HPO_OK;
    }
    return hpo__error_set(HPO_EINVAL, "%s: attribute '%s' must be an integer", a->what, key);
}

static int attr_log(const attrs *a, bool *out)
{
    *out = false;
    if (a->log == NULL)
        return HPO_OK;
    if (!json_is_boolean(a->log))
        return hpo__error_set(HPO_EINVAL, "%s: attribute 'log' must be true or false", a->what);
    *out = json_is_true(a->log);
    return HPO_OK;
}

static int build_float(const attrs *a, bool force_log, hpo_distribution **out)
{
    double low, high, step = HPO_NO_STEP;
    bool log;
    HPO_TRY(attr_double(a, "low", a->low, &low));
    HPO_TRY(attr_double(a, "high", a->high, &high));
    HPO_TRY(attr_log(a, &log));
    log = log || force_log;
    if (a->step != NULL && !json_is_null(a->step)) {
        HPO_TRY(attr_double(a, "step", a->step, &step));
        /* In Optuna a zero step is an error; here 0 would mean "no step". */
        if (step == 0.0)
            return hpo__error_set(HPO_EINVAL, "%s: step must be positive, got step=0", a->what);
    }
    return hpo_distribution_float_new(out, low, high, step, log);
}

static int build_int(const attrs *a, bool force_log, hpo_distribution **out)
{
    int64_t low, high, step = 1;
    bool log;
    HPO_TRY(attr_int(a, "low", a->low, &low));
    HPO_TRY(attr_int(a, "high", a->high, &high));
    HPO_TRY(attr_log(a, &log));
    if (a->step != NULL && !json_is_null(a->step))
        HPO_TRY(attr_int(a, "step", a->step, &step));
    return hpo_distribution_int_new(out, low, high, step, log || force_log);
}

static int build_categorical(const attrs *a, hpo_distribution **out)
{
    hpo_value *vals;
    size_t i, n;
    int rc = HPO_OK;
    if (!json_is_array(a->choices))
        return hpo__error_set(HPO_EINVAL, "%s: 'choices' must be an array", a->what);
    n = json_array_size(a->choices);
    if (n == 0)
        return hpo__error_set(HPO_EINVAL,
                "%s: choices must contain one or more elements", a->what);
    vals = hpo__calloc(n, sizeof(*vals));
    if (vals == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory reading choices");
    for (i = 0; i < n && rc == HPO_OK; i++) {
        const json_t *c = json_array_get(a->choices, i);
        double x;
        if (json_is_null(c))
            vals[i] = hpo_value_null();
        else if (json_is_boolean(c))
            vals[i] = hpo_value_bool(json_is_true(c));
        else if (json_is_integer(c))
            vals[i] = hpo_value_int((int64_t)json_integer_value(c));
        else if (hpo__json_number(c, &x))
            vals[i] = hpo_value_float(x);
        else if (json_is_string(c))
            vals[i] = hpo_value_string(json_string_value(c));
        else
            rc = hpo__error_set(HPO_EINVAL,
                    "%s: choice %zu must be null, a boolean, a number or a string", a->what, i);
    }
    if (rc == HPO_OK)
        rc = hpo_distribution_categorical_new(out, vals, n);
    hpo__free(vals);
    return rc;
}

/* Legacy and modern class names: which attributes each takes and what it builds. */
enum { K_FLOAT, K_INT, K_CAT };
static const struct named_form {
    const char *name;
    int kind;
    bool force_log;
    const char *keys[4]; /* allowed attribute names; "q" is the legacy step */
    const char *required[3];
} FORMS[] = {
    {"FloatDistribution", K_FLOAT, false, {"low", "high", "step", "log"}, {"low", "high", NULL}},
    {"IntDistribution", K_INT, false, {"low", "high", "step", "log"}, {"low", "high", NULL}},
    {"CategoricalDistribution", K_CAT, false, {"choices", NULL, NULL, NULL}, {"choices", NULL, NULL}},
    {"UniformDistribution", K_FLOAT, false, {"low", "high", NULL, NULL}, {"low", "high", NULL}},
    {"LogUniformDistribution", K_FLOAT, true, {"low", "high", NULL, NULL}, {"low", "high", NULL}},
    {"DiscreteUniformDistribution", K_FLOAT, false, {"low", "high", "q", NULL}, {"low", "high", "q"}},
    {"IntUniformDistribution", K_INT, false, {"low", "high", "step", NULL}, {"low", "high", NULL}},
    {"IntLogUniformDistribution", K_INT, true, {"low", "high", "step", NULL}, {"low", "high", NULL}},
};

static void attrs_take(attrs *a, const char *key, const json_t *v)
{
    if (strcmp(key, "low") == 0)
        a->low = v;
    else if (strcmp(key, "high") == 0)
        a->high = v;
    else if (strcmp(key, "step") == 0 || strcmp(key, "q") == 0)
        a->step = v;
    else if (strcmp(key, "log") == 0)
        a->log = v;
    else if (strcmp(key, "choices") == 0)
        a->choices = v;
}

static int build(int kind, const attrs *a, bool force_log, hpo_distribution **out)
{
    if (kind == K_FLOAT)
        return build_float(a, force_log, out);
    if (kind == K_INT)
        return build_int(a, force_log, out);
    return build_categorical(a, out);
}

static int from_named(const json_t *root, hpo_distribution **out)
{
    const json_t *name = json_object_get(root, "name");
    const json_t *at = json_object_get(root, "attributes");
    const struct named_form *f = NULL;
    attrs a;
    const char *key;
    json_t *v;
    if (!json_is_string(name))
        return hpo__error_set(HPO_EINVAL, "distribution JSON: 'name' must be a string");
    for (size_t i = 0; i < sizeof(FORMS) / sizeof(FORMS[0]); i++) {
        if (strcmp(json_string_value(name), FORMS[i].name) == 0)
            f = &FORMS[i];
    }
    if (f == NULL)
        return hpo__error_set(HPO_EINVAL, "distribution JSON: unknown distribution class '%.100s'",
                json_string_value(name));
    if (!json_is_object(at))
        return hpo__error_set(HPO_EINVAL, "%s: 'attributes' must be an object", f->name);
    memset(&a, 0, sizeof(a));
    a.what = f->name;
    json_object_foreach((json_t *)at, key, v) {
        size_t k;
        for (k = 0; k < 4 && f->keys[k] != NULL; k++) {
            if (strcmp(key, f->keys[k]) == 0)
                break;
        }
        if (k == 4 || f->keys[k] == NULL)
            return hpo__error_set(HPO_EINVAL, "%s: unexpected attribute '%.100s'", f->name, key);
        attrs_take(&a, key, v);
    }
    for (size_t k = 0; k < 3 && f->required[k] != NULL; k++) {
        if (json_object_get(at, f->required[k]) == NULL)
            return hpo__error_set(HPO_EINVAL, "%s: missing attribute '%s'", f->name,
                    f->required[k]);
    }
    return build(f->kind, &a, f->force_log, out);
}

/* {"type": "float"|"int"|"categorical", ...}; other keys are ignored, as Optuna. */
static int from_abbreviated(const json_t *root, hpo_distribution **out)
{
    const json_t *type = json_object_get(root, "type");
    const char *t;
    attrs a;
    int kind;
    if (!json_is_string(type))
        return hpo__error_set(HPO_EINVAL,
                "distribution JSON: needs a 'name' or a string 'type' key");
    t = json_string_value(type);
    if (strcmp(t, "float") == 0)
        kind = K_FLOAT;
    else if (strcmp(t, "int") == 0)
        kind = K_INT;
    else if (strcmp(t, "categorical") == 0)
        kind = K_CAT;
    else
        return hpo__error_set(HPO_EINVAL, "distribution JSON: unknown distribution type '%.100s'",
                t);
    memset(&a, 0, sizeof(a));
    a.what = t;
    a.low = json_object_get(root, "low");
    a.high = json_object_get(root, "high");
    a.step = json_object_get(root, "step");
    a.log = json_object_get(root, "log");
    a.choices = json_object_get(root, "choices");
    if (kind == K_CAT && a.choices == NULL)
        return hpo__error_set(HPO_EINVAL, "categorical: missing key 'choices'");
    if (kind != K_CAT && (a.low == NULL || a.high == NULL))
        return hpo__error_set(HPO_EINVAL, "%s: missing key '%s'", t,
                a.low == NULL ? "low" : "high");
    return build(kind, &a, false, out);
}

int hpo_distribution_from_json(hpo_distribution **out, const char *json)
{
    json_t *root = NULL;
    int rc;
    if (out == NULL)
        return hpo__error_set(HPO_EMISUSE, "hpo_distribution_from_json: out is NULL");
    *out = NULL;
    if (json == NULL)
        return hpo__error_set(HPO_EINVAL, "distribution JSON is NULL");
    rc = hpo__json_parse(json, &root);
    if (rc != HPO_OK)
        return hpo__error_wrap(rc, "distribution JSON");
    if (!json_is_object(root))
        rc = hpo__error_set(HPO_EINVAL, "distribution JSON must be an object");
    else if (json_object_get(root, "name") != NULL)
        rc = from_named(root, out);
    else
        rc = from_abbreviated(root, out);
    json_decref(root);
    return rc;
}
