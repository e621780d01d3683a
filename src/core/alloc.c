/*
 * alloc.c - allocation wrappers. In HPO_TESTING builds a countdown makes a chosen
 * allocation fail, so tests can walk every out-of-memory path (SQLite's
 * test_malloc.c idea).
 */
#include "core/alloc.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "hpo/hpo.h"

#ifdef HPO_TESTING
static atomic_long fail_countdown = -1;
static atomic_long failed_count;

void hpo__fail_alloc_after(long n)
{
    atomic_store(&fail_countdown, n);
    atomic_store(&failed_count, 0);
}

long hpo__failed_allocs(void)
{
    return atomic_load(&failed_count);
}

static int should_fail(void)
{
    long c = atomic_load(&fail_countdown);
    while (c >= 0) {
        if (atomic_compare_exchange_weak(&fail_countdown, &c, c - 1)) {
            if (c == 0) {
                atomic_fetch_add(&failed_count, 1);
                return 1;
            }
            return 0;
        }
    }
    return 0;
}
#else
static int should_fail(void)
{
    return 0;
}
#endif

void *hpo__malloc(size_t size)
{
    if (should_fail())
        return NULL;
    return malloc(size == 0 ? 1 : size);
}

void *hpo__calloc(size_t n, size_t size)
{
    if (should_fail())
        return NULL;
    return calloc(n == 0 ? 1 : n, size == 0 ? 1 : size);
}

void *hpo__realloc(void *ptr, size_t size)
{
    if (should_fail())
        return NULL;
    return realloc(ptr, size == 0 ? 1 : size);
}

void *hpo__reallocarray(void *ptr, size_t n, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(n, size, &total))
        return NULL;
    return hpo__realloc(ptr, total);
}

char *hpo__strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = hpo__malloc(len + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *hpo__strdup(const char *s)
{
    return hpo__strndup(s, strlen(s));
}

void hpo__free(void *ptr)
{
    free(ptr);
}

void hpo_free(void *ptr)
{
    free(ptr);
}
