/*
 * output.h - what `hpo run` keeps of a child's output: a line splitter with a
 * bounded buffer (a 10 MB line costs 64 KiB, not 10 MB) and a ring holding the
 * last few KiB for the failed trial's attribute.
 */
#ifndef HPO_CLI_RUNNER_OUTPUT_H
#define HPO_CLI_RUNNER_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

/* Longest line parsed for metrics; longer lines are skipped whole. */
#define RN_LINE_MAX (64 * 1024)
/* Bytes of output kept for a failed trial's "hpo:output_tail" attribute. */
#define RN_TAIL_MAX 4096

typedef void (*rn_line_fn)(const char *line, size_t len, bool overlong, void *payload);

typedef struct rn_linebuf {
    char *buf; /* RN_LINE_MAX bytes, allocated at the first byte */
    size_t len;
    bool overlong; /* the current line went past RN_LINE_MAX: drop it */
} rn_linebuf;

/**
 * Feed data; fn gets every complete line (without "\n" or "\r\n"). A line
 * longer than RN_LINE_MAX is reported once, at its end, with overlong true and
 * only its first RN_LINE_MAX bytes. Returns -1 when out of memory.
 */
int rn_linebuf_feed(rn_linebuf *lb, const char *data, size_t n, rn_line_fn fn, void *payload);
/** At end of stream: report a last line without a newline. */
void rn_linebuf_finish(rn_linebuf *lb, rn_line_fn fn, void *payload);
void rn_linebuf_free(rn_linebuf *lb);

typedef struct rn_tail {
    char buf[RN_TAIL_MAX];
    size_t pos;   /* next write position */
    bool wrapped; /* buf is full and pos is the oldest byte */
} rn_tail;

void rn_tail_add(rn_tail *t, const char *data, size_t n);
/**
 * The kept bytes as a NUL-terminated, valid UTF-8 string (invalid bytes and
 * NULs become '?', a line cut at the start is dropped). malloc'd; NULL when
 * out of memory.
 */
char *rn_tail_text(const rn_tail *t);

/** Replace invalid UTF-8 and control bytes other than \n and \t in s[0..n) by '?'. */
void rn_utf8_sanitize(char *s, size_t n);

#endif
