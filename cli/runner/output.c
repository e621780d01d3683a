/*
 * output.c - line splitting and the output tail (see output.h).
 */
#include "output.h"

#include <stdlib.h>
#include <string.h>

static void emit(const char *line, size_t len, bool overlong, rn_line_fn fn, void *payload)
{
    if (len > 0 && line[len - 1] == '\r')
        len--;
    fn(line, len, overlong, payload);
}

int rn_linebuf_feed(rn_linebuf *lb, const char *data, size_t n, rn_line_fn fn, void *payload)
{
    while (n > 0) {
        const char *nl = memchr(data, '\n', n);
        size_t chunk = nl ? (size_t)(nl - data) : n;
        size_t room;
        if (lb->buf == NULL && (lb->buf = malloc(RN_LINE_MAX)) == NULL)
            return -1;
        room = RN_LINE_MAX - lb->len;
        if (chunk > room) {
            lb->overlong = true;
            memcpy(lb->buf + lb->len, data, room);
            lb->len += room;
        } else {
            memcpy(lb->buf + lb->len, data, chunk);
            lb->len += chunk;
        }
        if (nl == NULL)
            break;
        emit(lb->buf, lb->len, lb->overlong, fn, payload);
        lb->len = 0;
        lb->overlong = false;
        data += chunk + 1;
        n -= chunk + 1;
    }
    return 0;
}

void rn_linebuf_finish(rn_linebuf *lb, rn_line_fn fn, void *payload)
{
    if (lb->len > 0 || lb->overlong)
        emit(lb->buf, lb->len, lb->overlong, fn, payload);
    lb->len = 0;
    lb->overlong = false;
}

void rn_linebuf_free(rn_linebuf *lb)
{
    free(lb->buf);
    lb->buf = NULL;
    lb->len = 0;
}

void rn_tail_add(rn_tail *t, const char *data, size_t n)
{
    if (n >= RN_TAIL_MAX) {
        memcpy(t->buf, data + n - RN_TAIL_MAX, RN_TAIL_MAX);
        t->pos = 0;
        t->wrapped = true;
        return;
    }
    while (n > 0) {
        size_t room = RN_TAIL_MAX - t->pos, k = n < room ? n : room;
        memcpy(t->buf + t->pos, data, k);
        t->pos += k;
        data += k;
        n -= k;
        if (t->pos == RN_TAIL_MAX) {
            t->pos = 0;
            t->wrapped = true;
        }
    }
}

/* Length of the valid UTF-8 sequence at s[0..n), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    size_t len;
    unsigned int cp;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        len = 2;
        cp = s[0] & 0x1f;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        len = 3;
        cp = s[0] & 0x0f;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        len = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return len;
}

void rn_utf8_sanitize(char *s, size_t n)
{
    unsigned char *u = (unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t k = utf8_len(u + i, n - i);
        if (k == 0) {
            u[i++] = '?';
            continue;
        }
        if (k == 1 && u[i] < 0x20 && u[i] != '\n' && u[i] != '\t')
            u[i] = '?';
        i += k;
    }
}

char *rn_tail_text(const rn_tail *t)
{
    size_t n = t->wrapped ? RN_TAIL_MAX : t->pos, start = 0;
    char *s = malloc(n + 1);
    if (s == NULL)
        return NULL;
    if (t->wrapped) {
        memcpy(s, t->buf + t->pos, RN_TAIL_MAX - t->pos);
        memcpy(s + RN_TAIL_MAX - t->pos, t->buf, t->pos);
        /* Start at a line boundary: the first line was cut. */
        char *nl = memchr(s, '\n', n);
        if (nl != NULL && (size_t)(nl - s) + 1 < n)
            start = (size_t)(nl - s) + 1;
    } else {
        memcpy(s, t->buf, n);
    }
    memmove(s, s + start, n - start);
    n -= start;
    s[n] = '\0';
    rn_utf8_sanitize(s, n);
    return s;
}
