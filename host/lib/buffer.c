/* host/lib: a growable byte buffer (buffer.h). */
#include "buffer.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void hbuf_reserve(hbuf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra + 1) {
        if (cap > (size_t)-1 / 2)
            abort();
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (p == NULL) {
        fputs("allocbench: out of memory\n", stderr);
        abort();
    }
    b->p = p;
    b->cap = cap;
}

void hbuf_write(void *ctx, const char *s, size_t len)
{
    hbuf *b = ctx;
    hbuf_reserve(b, len);
    if (len != 0)
        memcpy(b->p + b->len, s, len);
    b->len += len;
    b->p[b->len] = '\0';
}

void hbuf_printf(hbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    hbuf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void hbuf_clear(hbuf *b)
{
    b->len = 0;
    if (b->p != NULL)
        b->p[0] = '\0';
}

void hbuf_free(hbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

void hbuf_sh_quote(hbuf *b, const char *s)
{
    if (s[0] != '\0' && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                  "0123456789_./+-=:,@%") == strlen(s)) {
        hbuf_write(b, s, strlen(s));
        return;
    }
    hbuf_write(b, "'", 1);
    for (; *s; s++)
        hbuf_write(b, *s == '\'' ? "'\\''" : s, *s == '\'' ? 4 : 1);
    hbuf_write(b, "'", 1);
}
