/*
 * rng.c - xoshiro256** seeded by splitmix64: small, fast, and good enough for
 * sampling; every stream is reproducible from its 64-bit seed.
 */
#include "core/rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void hpo__rng_seed(hpo_rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t hpo__rng_u64(hpo_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double hpo__rng_uniform(hpo_rng *r)
{
    return (double)(hpo__rng_u64(r) >> 11) * 0x1.0p-53;
}

uint64_t hpo__rng_below(hpo_rng *r, uint64_t n)
{
    /* Rejection sampling removes the modulo bias. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do {
        x = hpo__rng_u64(r);
    } while (x >= limit);
    return x % n;
}

double hpo__rng_normal(hpo_rng *r)
{
    /* Box-Muller; 1 - u keeps the log argument in (0, 1]. */
    double u1 = 1.0 - hpo__rng_uniform(r);
    double u2 = hpo__rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

size_t hpo__rng_choice(hpo_rng *r, const double *weights, size_t n)
{
    double total = 0.0, u, acc = 0.0;
    for (size_t i = 0; i < n; i++)
        total += weights[i];
    u = hpo__rng_uniform(r) * total;
    for (size_t i = 0; i < n; i++) {
        acc += weights[i];
        if (u < acc)
            return i;
    }
    /* Rounding can leave u == total; give the last non-zero weight. */
    for (size_t i = n; i-- > 0;)
        if (weights[i] > 0.0)
            return i;
    return n - 1;
}
