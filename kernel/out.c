/* Framed CSV output; see out.h. */
#include "out.h"

#include "klibc.h"
#include "kprintf.h"
#include "panic.h"

static uint64_t hash = OUT_FNV_OFFSET;
static uint32_t rows;
static int open;

uint64_t out_fnv1a(uint64_t h, const void *bytes, size_t n)
{
    const unsigned char *p = bytes;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static void out_line(char kind, const char *table, const char *csv)
{
    if (!open)
        panic("out: row outside @@AB-BEGIN/@@AB-END");
    char prefix[40];
    size_t n = ksnprintf(prefix, sizeof prefix, "%c %s ", kind, table);
    kprintf("%s%s\n", prefix, csv);
    hash = out_fnv1a(hash, prefix, n);
    hash = out_fnv1a(hash, csv, strlen(csv));
    hash = out_fnv1a(hash, "\n", 1);
}

void out_begin(void)
{
    hash = OUT_FNV_OFFSET;
    rows = 0;
    open = 1;
    kprintf("@@AB-BEGIN v1\n");
}

void out_header(const char *table, const char *csv) { out_line('H', table, csv); }

void out_row(const char *table, const char *csv)
{
    out_line('R', table, csv);
    rows++;
}

void out_end(void)
{
    open = 0;
    kprintf("@@AB-END rows=%u fnv1a=%016llx\n", rows, (unsigned long long)hash);
}

void out_sink_write(void *ctx, const char *s, size_t n)
{
    out_sink *k = ctx;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\n') {
            if (k->len + 1 >= OUT_LINE_MAX)
                panic("out: a %s line is longer than %u bytes", k->table, OUT_LINE_MAX);
            k->line[k->len++] = s[i];
            continue;
        }
        k->line[k->len] = '\0';
        if (k->kind == 'H')
            out_header(k->table, k->line);
        else
            out_row(k->table, k->line);
        k->len = 0;
    }
}

uint32_t out_rows(void) { return rows; }
