/*
 * host/lib: a growable byte buffer, always NUL-terminated when non-empty.
 *
 *   hbuf b = {0};
 *   hbuf_printf(&b, "%s,%d\n", name, n);
 *   fputs(b.p, stdout);
 *   hbuf_free(&b);
 *
 * hbuf_write has the ab_write_fn shape, so core's CSV writers append to it.
 * Out of memory aborts the process: every caller would otherwise write a
 * truncated file.
 */
#ifndef ALLOCBENCH_HOSTLIB_BUFFER_H
#define ALLOCBENCH_HOSTLIB_BUFFER_H

#include <stddef.h>

typedef struct hbuf {
    char *p;
    size_t len, cap;
} hbuf;

/* Appends len bytes of s to the hbuf ctx. */
void hbuf_write(void *ctx, const char *s, size_t len);
/* Appends a formatted string. */
void hbuf_printf(hbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Empties b, keeping its memory. */
void hbuf_clear(hbuf *b);
/* Frees b and zeroes it. */
void hbuf_free(hbuf *b);
/* Appends s quoted for a POSIX shell: as is when it holds only safe
   characters, else in single quotes ('\'' for a quote). */
void hbuf_sh_quote(hbuf *b, const char *s);

#endif
