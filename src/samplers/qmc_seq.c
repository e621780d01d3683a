/*
 * qmc_seq.c - Sobol and Halton points by index (see qmc_seq.h).
 */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/rng.h"
#include "samplers/qmc_seq.h"
#include "samplers/sobol_table.h"

size_t hpo__sobol_max_dims(void)
{
    return HPO__SOBOL_DIMS;
}

/* Direction integers m_1.. of dimension j by the Bratley-Fox recurrence. */
static void sobol_directions(size_t j, uint32_t *v)
{
    uint32_t m[HPO__SOBOL_BITS];
    uint32_t poly = hpo__sobol_poly[j];
    int s = 0;
    while ((poly >> (s + 1)) != 0)
        s++;
    for (int i = 0; i < HPO__SOBOL_BITS; i++) {
        if (s == 0) { /* the first dimension: van der Corput */
            m[i] = 1;
        } else if (i < s) {
            m[i] = hpo__sobol_minit[j][i];
        } else {
            uint32_t x = m[i - s] ^ (m[i - s] << s);
            for (int k = 1; k < s; k++)
                if ((poly >> (s - k)) & 1u)
                    x ^= m[i - k] << k;
            m[i] = x;
        }
        v[i] = m[i] << (HPO__SOBOL_BITS - 1 - i);
    }
}

/*
 * Matousek's linear matrix scramble: each direction integer is multiplied by a
 * random lower-triangular bit matrix with a unit diagonal (row r keeps bit r and
 * mixes in random more-significant bits), which keeps the digital-net property.
 */
static void sobol_scramble(uint32_t *v, hpo_rng *rng)
{
    uint32_t rows[HPO__SOBOL_BITS];
    for (int r = 0; r < HPO__SOBOL_BITS; r++) {
        uint32_t self = 1u << (HPO__SOBOL_BITS - 1 - r);
        uint32_t above = ~((self << 1) - 1u) & ((1u << HPO__SOBOL_BITS) - 1u);
        rows[r] = self | ((uint32_t)hpo__rng_u64(rng) & above);
    }
    for (int i = 0; i < HPO__SOBOL_BITS; i++) {
        uint32_t out = 0;
        for (int r = 0; r < HPO__SOBOL_BITS; r++)
            if (__builtin_parity(rows[r] & v[i]))
                out |= 1u << (HPO__SOBOL_BITS - 1 - r);
        v[i] = out;
    }
}

static int sobol_init(hpo__qmc_seq *q, bool scramble, hpo_rng *rng)
{
    if (q->d > HPO__SOBOL_DIMS)
        return hpo__error_set(HPO_EINVAL, "sobol: %zu dimensions (at most %d)", q->d,
                              HPO__SOBOL_DIMS);
    q->v = hpo__reallocarray(NULL, q->d * HPO__SOBOL_BITS, sizeof(uint32_t));
    q->shift = hpo__calloc(q->d, sizeof(uint32_t));
    if (q->v == NULL || q->shift == NULL)
        return hpo__error_set(HPO_ENOMEM, "sobol: out of memory for %zu dimensions", q->d);
    for (size_t j = 0; j < q->d; j++) {
        uint32_t *vj = q->v + j * HPO__SOBOL_BITS;
        sobol_directions(j, vj);
        if (scramble) {
            sobol_scramble(vj, rng);
            q->shift[j] = (uint32_t)hpo__rng_u64(rng) & ((1u << HPO__SOBOL_BITS) - 1u);
        }
    }
    return HPO_OK;
}

static uint32_t next_prime(uint32_t prev)
{
    for (uint32_t c = prev + 1;; c++) {
        bool prime = c >= 2;
        for (uint32_t f = 2; f * f <= c && prime; f++)
            prime = c % f != 0;
        if (prime)
            return c;
    }
}

/* Digits needed so that base^-digits is below double resolution. */
static size_t halton_digits(uint32_t base)
{
    return (size_t)ceil(53.0 / log2((double)base));
}

static int halton_perms(hpo__qmc_seq *q, size_t j, hpo_rng *rng)
{
    uint32_t b = q->base[j];
    size_t nd = q->n_digits[j];
    uint16_t *p = hpo__reallocarray(NULL, nd * b, sizeof(uint16_t));
    if (p == NULL)
        return hpo__error_set(HPO_ENOMEM, "halton: out of memory for base %u", b);
    for (size_t k = 0; k < nd; k++) {
        uint16_t *pk = p + k * b;
        for (uint32_t i = 0; i < b; i++)
            pk[i] = (uint16_t)i;
        for (uint32_t i = b - 1; i > 0; i--) { /* Fisher-Yates */
            uint32_t r = (uint32_t)hpo__rng_below(rng, (uint64_t)i + 1);
            uint16_t t = pk[i];
            pk[i] = pk[r];
            pk[r] = t;
        }
    }
    q->perm[j] = p;
    return HPO_OK;
}

static int halton_init(hpo__qmc_seq *q, bool scramble, hpo_rng *rng)
{
    uint32_t prime = 1;
    /* Bases stay below 2^16 so digits fit the permutation tables: 6542 primes. */
    if (q->d > 6542)
        return hpo__error_set(HPO_EINVAL, "halton: %zu dimensions (at most 6542)", q->d);
    q->base = hpo__calloc(q->d, sizeof(uint32_t));
    q->n_digits = hpo__calloc(q->d, sizeof(size_t));
    q->perm = hpo__calloc(q->d, sizeof(uint16_t *));
    if (q->base == NULL || q->n_digits == NULL || q->perm == NULL)
        return hpo__error_set(HPO_ENOMEM, "halton: out of memory for %zu dimensions", q->d);
    for (size_t j = 0; j < q->d; j++) {
        prime = next_prime(prime);
        q->base[j] = prime;
        q->n_digits[j] = halton_digits(prime);
        if (scramble)
            HPO_TRY(halton_perms(q, j, rng));
    }
    return HPO_OK;
}

int hpo__qmc_seq_init(hpo__qmc_seq *q, hpo__qmc_kind kind, size_t d, bool scramble, uint64_t seed)
{
    hpo_rng rng;
    int rc;
    memset(q, 0, sizeof(*q));
    q->kind = kind;
    q->d = d;
    if (d == 0)
        return hpo__error_set(HPO_EINVAL, "qmc: a sequence needs at least one dimension");
    hpo__rng_seed(&rng, seed);
    rc = kind == HPO__QMC_SOBOL ? sobol_init(q, scramble, &rng) : halton_init(q, scramble, &rng);
    if (rc != HPO_OK)
        hpo__qmc_seq_free(q);
    return rc;
}

void hpo__qmc_seq_free(hpo__qmc_seq *q)
{
    if (q->perm != NULL)
        for (size_t j = 0; j < q->d; j++)
            hpo__free(q->perm[j]);
    hpo__free(q->perm);
    hpo__free(q->v);
    hpo__free(q->shift);
    hpo__free(q->base);
    hpo__free(q->n_digits);
    memset(q, 0, sizeof(*q));
}

static void sobol_point(const hpo__qmc_seq *q, uint64_t index, double *out)
{
    /* Gray-code order, as SciPy: point n is the XOR of the directions of gray(n). */
    uint64_t gray = index ^ (index >> 1);
    for (size_t j = 0; j < q->d; j++) {
        const uint32_t *vj = q->v + j * HPO__SOBOL_BITS;
        uint32_t x = q->shift[j];
        for (int i = 0; i < HPO__SOBOL_BITS; i++)
            if ((gray >> i) & 1u)
                x ^= vj[i];
        out[j] = ldexp((double)x, -HPO__SOBOL_BITS);
    }
}

static double halton_coord(const hpo__qmc_seq *q, size_t j, uint64_t index)
{
    uint32_t b = q->base[j];
    double scale = 1.0 / b, x = 0.0;
    /* Scrambled: every digit position is permuted, leading zeros included. */
    size_t nd = q->perm != NULL && q->perm[j] != NULL ? q->n_digits[j] : 64;
    for (size_t k = 0; k < nd && (index > 0 || q->perm[j] != NULL); k++) {
        uint32_t digit = (uint32_t)(index % b);
        index /= b;
        if (q->perm[j] != NULL)
            digit = q->perm[j][k * b + digit];
        x += digit * scale;
        scale /= b;
    }
    return x < 1.0 ? x : nextafter(1.0, 0.0);
}

void hpo__qmc_seq_point(const hpo__qmc_seq *q, uint64_t index, double *out)
{
    if (q->kind == HPO__QMC_SOBOL) {
        /* Beyond 2^30 points the sequence repeats (SciPy stops there). */
        sobol_point(q, index & ((UINT64_C(1) << HPO__SOBOL_BITS) - 1u), out);
        return;
    }
    for (size_t j = 0; j < q->d; j++)
        out[j] = halton_coord(q, j, index);
}
