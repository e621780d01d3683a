/*
 * alloc.h - every allocation in libhpo goes through these wrappers, so tests can
 * make the Nth allocation fail (HPO_TESTING builds) and prove every ENOMEM path.
 */
#ifndef HPO_CORE_ALLOC_H
#define HPO_CORE_ALLOC_H

#include <stddef.h>

void *hpo__malloc(size_t size);
void *hpo__calloc(size_t n, size_t size);
void *hpo__realloc(void *ptr, size_t size);
/** Overflow-checked realloc of an array of n elements of size bytes. */
void *hpo__reallocarray(void *ptr, size_t n, size_t size);
char *hpo__strdup(const char *s);
char *hpo__strndup(const char *s, size_t n);
void hpo__free(void *ptr);

#ifdef HPO_TESTING
/** Make the allocation after n more succeed fail (n = 0: the next); -1 disables. */
void hpo__fail_alloc_after(long n);
/** How many allocations failed on purpose since the last hpo__fail_alloc_after. */
long hpo__failed_allocs(void);
#endif

#endif
