/*
 * A small printf: %c %s %d %i %u %x %X %p %%, with flags '0' and '-', a
 * width, and the length modifiers l and ll. Enough for serial logs and CSV.
 */
#ifndef KERNEL_KPRINTF_H
#define KERNEL_KPRINTF_H

#include <stdarg.h>
#include <stddef.h>

typedef void (*kput_fn)(void *ctx, const char *s, size_t n);

/* Formats into sink fn; returns the number of characters produced. */
size_t kvformat(kput_fn fn, void *ctx, const char *fmt, va_list ap);

/* To COM1. */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Into buf (always NUL-terminated when size > 0). Returns the length the
 * full output would have, as snprintf does.
 */
size_t ksnprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
