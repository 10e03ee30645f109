/* The kernel's printf; see kprintf.h. */
#include "kprintf.h"

#include <stdbool.h>
#include <stdint.h>

#include "serial.h"

static size_t emit_padded(kput_fn fn, void *ctx, const char *s, size_t n,
                          unsigned width, bool left, char pad)
{
    size_t total = n;
    char c = pad;
    if (!left)
        for (; total < width; total++)
            fn(ctx, &c, 1);
    fn(ctx, s, n);
    c = ' ';
    if (left)
        for (; total < width; total++)
            fn(ctx, &c, 1);
    return total;
}

static size_t u64_to_text(uint64_t v, unsigned base, bool upper, char *out)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    size_t n = 0;
    do {
        /* Base 10 on 64 bits divides through compiler-rt (__udivdi3). */
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v != 0);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

/* One conversion's flags, width and length. */
typedef struct kspec {
    bool left;
    char pad;
    unsigned width;
    int longs;
} kspec;

/* Reads "[-0]*[width][l*][z]" at fmt into sp; returns what follows. */
static const char *spec_parse(const char *fmt, kspec *sp)
{
    sp->left = false;
    sp->pad = ' ';
    for (;; fmt++) {
        if (*fmt == '-')
            sp->left = true;
        else if (*fmt == '0')
            sp->pad = '0';
        else
            break;
    }
    sp->width = 0;
    while (*fmt >= '0' && *fmt <= '9')
        sp->width = sp->width * 10u + (unsigned)(*fmt++ - '0');
    sp->longs = 0;
    while (*fmt == 'l') {
        sp->longs++;
        fmt++;
    }
    if (*fmt == 'z') { /* size_t is 32-bit here */
        fmt++;
    }
    return fmt;
}

/* Emits one conversion, taking its argument from *ap; returns the bytes. */
static size_t conv_emit(kput_fn fn, void *ctx, char conv, const kspec *sp, va_list *ap)
{
    char buf[24];
    size_t n = 0;
    switch (conv) {
    case 'c':
        buf[0] = (char)va_arg(*ap, int);
        return emit_padded(fn, ctx, buf, 1, sp->width, sp->left, ' ');
    case 's': {
        const char *s = va_arg(*ap, const char *);
        if (s == NULL)
            s = "(null)";
        size_t len = 0;
        while (s[len] != '\0')
            len++;
        return emit_padded(fn, ctx, s, len, sp->width, sp->left, ' ');
    }
    case 'd':
    case 'i': {
        int64_t v = sp->longs >= 2 ? va_arg(*ap, long long)
                    : sp->longs == 1 ? va_arg(*ap, long) : va_arg(*ap, int);
        uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
        if (v < 0)
            buf[n++] = '-';
        n += u64_to_text(mag, 10, false, buf + n);
        return emit_padded(fn, ctx, buf, n, sp->width, sp->left, sp->pad);
    }
    case 'u':
    case 'x':
    case 'X':
    case 'p': {
        uint64_t v;
        if (conv == 'p')
            v = (uintptr_t)va_arg(*ap, void *);
        else
            v = sp->longs >= 2 ? va_arg(*ap, unsigned long long)
                : sp->longs == 1 ? va_arg(*ap, unsigned long) : va_arg(*ap, unsigned);
        if (conv == 'p') {
            buf[n++] = '0';
            buf[n++] = 'x';
        }
        n += u64_to_text(v, conv == 'u' ? 10u : 16u, conv == 'X', buf + n);
        return emit_padded(fn, ctx, buf, n, sp->width, sp->left, sp->pad);
    }
    default:
        buf[0] = '%';
        buf[1] = conv;
        fn(ctx, buf, 2);
        return 2;
    }
}

size_t kvformat(kput_fn fn, void *ctx, const char *fmt, va_list ap)
{
    /* A copy: &ap of a parameter is not a va_list * where va_list is an
       array (x86-64). */
    va_list args;
    va_copy(args, ap);
    size_t total = 0;
    while (*fmt != '\0') {
        if (*fmt != '%') {
            const char *start = fmt;
            while (*fmt != '\0' && *fmt != '%')
                fmt++;
            fn(ctx, start, (size_t)(fmt - start));
            total += (size_t)(fmt - start);
            continue;
        }
        kspec sp;
        fmt = spec_parse(fmt + 1, &sp);
        char conv = *fmt;
        if (conv == '\0')
            break;
        fmt++;
        total += conv_emit(fn, ctx, conv, &sp, &args);
    }
    va_end(args);
    return total;
}

static void put_serial(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    serial_write(s, n);
}

void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvformat(put_serial, NULL, fmt, ap);
    va_end(ap);
}

typedef struct buf_sink {
    char *buf;
    size_t size, len;
} buf_sink;

static void put_buf(void *ctx, const char *s, size_t n)
{
    buf_sink *b = ctx;
    for (size_t i = 0; i < n; i++, b->len++)
        if (b->len + 1 < b->size)
            b->buf[b->len] = s[i];
}

size_t ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    buf_sink b = {buf, size, 0};
    va_list ap;
    va_start(ap, fmt);
    kvformat(put_buf, &b, fmt, ap);
    va_end(ap);
    if (size > 0)
        buf[b.len < size ? b.len : size - 1] = '\0';
    return b.len;
}
