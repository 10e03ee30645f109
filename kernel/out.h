/*
 * Result output on COM1, framed so the host can tell complete output from
 * lost output:
 *
 *   @@AB-BEGIN v1
 *   H <table> <csv header>            one per table, before its rows
 *   R <table> <csv row>               table: summary or frag
 *   @@AB-END rows=<R lines> fnv1a=<16 hex digits>
 *
 * fnv1a is FNV-1a 64 over every H and R line between the markers, each
 * taken as its bytes plus one '\n' (the serial driver's '\r' is not
 * counted). Logs may appear around the block but never inside it.
 */
#ifndef KERNEL_OUT_H
#define KERNEL_OUT_H

#include <stddef.h>
#include <stdint.h>

void out_begin(void);
void out_header(const char *table, const char *csv);
void out_row(const char *table, const char *csv);
void out_end(void);

/*
 * An ab_out (core/csv.h) whose lines become H or R lines of table:
 * bytes are gathered until '\n'. Lines longer than OUT_LINE_MAX panic.
 */
#define OUT_LINE_MAX 2048
typedef struct out_sink {
    const char *table;
    char kind; /* 'H' or 'R' */
    size_t len;
    char line[OUT_LINE_MAX];
} out_sink;

/* ctx must be an out_sink; use as an ab_write_fn. */
void out_sink_write(void *ctx, const char *s, size_t n);

/* R lines so far. */
uint32_t out_rows(void);

/* FNV-1a 64 of bytes, continuing from h (start with OUT_FNV_OFFSET). */
#define OUT_FNV_OFFSET 0xcbf29ce484222325ull
uint64_t out_fnv1a(uint64_t h, const void *bytes, size_t n);

#endif
