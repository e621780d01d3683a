/*
 * buf.h - one growable text buffer with a size cap, used for all text building
 * (JSON, SQL-free messages, SVG later). A failed append leaves the buffer
 * "poisoned": later appends are no-ops and hpo__buf_status() reports the error,
 * so builders check once at the end.
 */
#ifndef HPO_CORE_BUF_H
#define HPO_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct hpo_buf {
    char *data;     /* NUL-terminated when len > 0 or after any append */
    size_t len;
    size_t cap;
    size_t max;     /* hard cap on len; 0 = 256 MiB */
    int status;     /* HPO_OK or the first failure */
} hpo_buf;

void hpo__buf_init(hpo_buf *b, size_t max);
void hpo__buf_append(hpo_buf *b, const char *s, size_t n);
void hpo__buf_puts(hpo_buf *b, const char *s);
void hpo__buf_putc(hpo_buf *b, char c);
void hpo__buf_printf(hpo_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void hpo__buf_vprintf(hpo_buf *b, const char *fmt, va_list ap);
/** HPO_OK, or the failure recorded (with its message set via hpo__error_set). */
int hpo__buf_status(const hpo_buf *b);
/** Hand the text to the caller (hpo__free / hpo_free); the buffer is reset. */
int hpo__buf_detach(hpo_buf *b, char **out, size_t *len_out);
void hpo__buf_reset(hpo_buf *b);
void hpo__buf_free(hpo_buf *b);

#endif
