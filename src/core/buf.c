/*
 * buf.c - the growable, capped text buffer. Appends after a failure are no-ops,
 * so builders check hpo__buf_status() once at the end.
 */
#include "core/buf.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

#define BUF_DEFAULT_MAX ((size_t)256 << 20)

void hpo__buf_init(hpo_buf *b, size_t max)
{
    memset(b, 0, sizeof(*b));
    b->max = max ? max : BUF_DEFAULT_MAX;
}

static int reserve(hpo_buf *b, size_t extra)
{
    size_t need;
    if (b->status != HPO_OK)
        return b->status;
    if (__builtin_add_overflow(b->len, extra, &need) || need > b->max) {
        b->status = hpo__error_set(HPO_EINVAL, "text exceeds the %zu-byte limit", b->max);
        return b->status;
    }
    if (need + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        char *p;
        while (cap < need + 1)
            cap = cap > b->max / 2 ? b->max + 1 : cap * 2;
        p = hpo__realloc(b->data, cap);
        if (p == NULL) {
            b->status = hpo__error_set(HPO_ENOMEM, "out of memory building text");
            return b->status;
        }
        b->data = p;
        b->cap = cap;
    }
    return HPO_OK;
}

void hpo__buf_append(hpo_buf *b, const char *s, size_t n)
{
    if (reserve(b, n) != HPO_OK)
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void hpo__buf_puts(hpo_buf *b, const char *s)
{
    hpo__buf_append(b, s, strlen(s));
}

void hpo__buf_putc(hpo_buf *b, char c)
{
    hpo__buf_append(b, &c, 1);
}

void hpo__buf_vprintf(hpo_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    int n;
    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        if (b->status == HPO_OK)
            b->status = hpo__error_set(HPO_ERROR, "formatting failed");
        return;
    }
    if (reserve(b, (size_t)n) != HPO_OK)
        return;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void hpo__buf_printf(hpo_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    hpo__buf_vprintf(b, fmt, ap);
    va_end(ap);
}

int hpo__buf_status(const hpo_buf *b)
{
    return b->status;
}

int hpo__buf_detach(hpo_buf *b, char **out, size_t *len_out)
{
    int rc = b->status;
    *out = NULL;
    if (rc == HPO_OK && b->data == NULL && reserve(b, 0) != HPO_OK)
        rc = b->status;
    if (rc != HPO_OK) {
        hpo__buf_free(b);
        return rc;
    }
    if (b->len == 0)
        b->data[0] = '\0';
    *out = b->data;
    if (len_out != NULL)
        *len_out = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return HPO_OK;
}

void hpo__buf_reset(hpo_buf *b)
{
    b->len = 0;
    b->status = HPO_OK;
    if (b->data != NULL)
        b->data[0] = '\0';
}

void hpo__buf_free(hpo_buf *b)
{
    hpo__free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
