/* core/csv: summary rows have as many fields as the header, with the new
 * columns computed as docs/results.md says; hist.csv rows add up to the
 * histogram. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "testlib.h"

typedef struct sbuf {
    char text[1 << 16];
    size_t len;
} sbuf;

static void sbuf_write(void *ctx, const char *s, size_t n)
{
    sbuf *b = ctx;
    if (b->len + n + 1 < sizeof b->text) {
        memcpy(b->text + b->len, s, n);
        b->len += n;
        b->text[b->len] = '\0';
    }
}

/* Field `name` of a data line, given the header line; "" if absent. */
static const char *field(const char *header, const char *line, const char *name, char *out,
                         size_t out_len)
{
    int want = -1, i = 0;
    size_t nl = strlen(name);
    for (const char *p = header; *p && *p != '\n'; i++) {
        const char *e = p + strcspn(p, ",\n");
        if ((size_t)(e - p) == nl && memcmp(p, name, nl) == 0)
            want = i;
        p = *e == ',' ? e + 1 : e;
    }
    out[0] = '\0';
    if (want < 0)
        return out;
    const char *p = line;
    for (i = 0; i < want && p; i++) {
        p = strchr(p, ',');
        if (p)
            p++;
    }
    if (p) {
        size_t n = strcspn(p, ",\n");
        if (n >= out_len)
            n = out_len - 1;
        memcpy(out, p, n);
        out[n] = '\0';
    }
    return out;
}

static size_t fields(const char *line)
{
    size_t n = 1;
    for (; *line && *line != '\n'; line++)
        n += *line == ',';
    return n;
}

static ab_wl_result r;

static void test_summary_columns(void)
{
    static sbuf h, b;
    h.len = b.len = 0;
    ab_out ho = {sbuf_write, &h}, bo = {sbuf_write, &b};
    ab_csv_summary_header(&ho);
    memset(&r, 0, sizeof r);
    for (unsigned o = 0; o < AB_OP_COUNT; o++) {
        ab_hist_clear(&r.op[o].hist);
        ab_hist_clear(&r.op[o].group);
    }
    ab_timer t = {1000000000u, 42, 21};
    /* alloc: p50 = 40 <= 2 quanta; groups of 8 of 100 cycles; batches. */
    for (int i = 0; i < 100; i++)
        ab_hist_add(&r.op[AB_OP_ALLOC].hist, 40);
    r.op[AB_OP_ALLOC].failures = 25;
    r.op[AB_OP_ALLOC].group_k = 8;
    for (int i = 0; i < 10; i++)
        ab_hist_add(&r.op[AB_OP_ALLOC].group, 100);
    r.op[AB_OP_ALLOC].batches = 5;
    const uint64_t bm[5] = {9000, 3000, 5125, 4000, 7000}; /* median 5.125 cycles */
    memcpy(r.op[AB_OP_ALLOC].batch_milli, bm, sizeof bm);
    r.op[AB_OP_ALLOC].batch_ops = 50;
    r.op[AB_OP_ALLOC].batch_cycles = 251;
    r.op[AB_OP_ALLOC].batches_redone = 2;
    r.op[AB_OP_ALLOC].probed = 5;
    r.op[AB_OP_ALLOC].cpu_wall_pm = 934;
    /* free: p50 = 43 > 2 quanta, no batches. */
    for (int i = 0; i < 10; i++)
        ab_hist_add(&r.op[AB_OP_FREE].hist, 43);
    ab_cell c = {"host", "x", "pmm", "bulk", 1u << 26, 500, 1, 1, 0};
    ab_csv_summary_rows(&bo, &c, &r, &t);
    char *l1 = b.text, *l2 = strchr(l1, '\n') + 1;
    T_EXPECT(fields(h.text) == fields(l1) && fields(l1) == fields(l2), "%zu %zu %zu",
             fields(h.text), fields(l1), fields(l2));
    char v[64];
    T_EXPECT(!strcmp(field(h.text, l1, "below_resolution", v, sizeof v), "1"), "%s", v);
    T_EXPECT(!strcmp(field(h.text, l2, "below_resolution", v, sizeof v), "0"), "%s", v);
    T_EXPECT(!strcmp(field(h.text, l1, "group_k", v, sizeof v), "8"), "%s", v);
    T_EXPECT(!strcmp(field(h.text, l1, "group_p50_cycles", v, sizeof v), "12.500"), "%s", v);
    T_EXPECT(!strcmp(field(h.text, l1, "batches", v, sizeof v), "5"), "%s", v);
    /* Batch values in ns keep 3 decimals: one would cut 5.125 to 5.1. */
    T_EXPECT(!strcmp(field(h.text, l1, "batch_median_cycles", v, sizeof v), "5.125"), "%s", v);
    T_EXPECT(!strcmp(field(h.text, l1, "batch_median_ns", v, sizeof v), "5.125"), "%s", v);
    T_EXPECT(!strcmp(field(h.text, l1, "batch_mean_cycles", v, sizeof v), "5.020"), "%s", v);
    T_EXPECT(!strcmp(field(h.text, l1, "batch_mean_ns", v, sizeof v), "5.020"), "%s", v);
    T_EXPECT(!strcmp(field(h.text, l1, "batches_redone", v, sizeof v), "2"), "%s", v);
    T_EXPECT(!strcmp(field(h.text, l1, "cpu_wall", v, sizeof v), "0.934"), "%s", v);
    /* 100 served, 25 refused: 25 of 125 requests refused. */
    T_EXPECT(!strcmp(field(h.text, l1, "failure_rate", v, sizeof v), "0.200000"), "%s", v);
    T_EXPECT(!strcmp(field(h.text, l2, "group_k", v, sizeof v), ""), "%s", v);
    T_EXPECT(!strcmp(field(h.text, l2, "cpu_wall", v, sizeof v), ""), "no probe: empty");
    T_EXPECT(!strcmp(field(h.text, l2, "failure_rate", v, sizeof v), "0.000000"), "%s", v);
}

static void test_hist_rows_sum(void)
{
    static sbuf h, b;
    h.len = b.len = 0;
    ab_out ho = {sbuf_write, &h}, bo = {sbuf_write, &b};
    ab_csv_hist_header(&ho);
    memset(&r, 0, sizeof r);
    for (unsigned o = 0; o < AB_OP_COUNT; o++)
        ab_hist_clear(&r.op[o].hist);
    const uint64_t vals[] = {0, 7, 255, 256, 257, 1000, 1000, 123456789, 1ull << 41};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++)
        ab_hist_add(&r.op[AB_OP_FREE].hist, vals[i]);
    ab_cell c = {"host", "x", "pmm", "bulk", 1u << 26, 500, 1, 1, 0};
    ab_csv_hist_rows(&bo, &c, &r);
    uint64_t total = 0, rows = 0;
    for (char *l = b.text; *l; l = strchr(l, '\n') + 1) {
        char lo[32], hi[32], n[32], op[16];
        T_EXPECT(fields(l) == fields(h.text));
        field(h.text, l, "lo_cycles", lo, sizeof lo);
        field(h.text, l, "hi_cycles", hi, sizeof hi);
        field(h.text, l, "count", n, sizeof n);
        field(h.text, l, "op", op, sizeof op);
        T_EXPECT(!strcmp(op, "free"));
        T_EXPECT(strtoull(lo, 0, 10) < strtoull(hi, 0, 10));
        total += strtoull(n, 0, 10);
        rows++;
    }
    T_EXPECT(total == 9 && rows == 7, "%llu samples in %llu rows", (unsigned long long)total,
             (unsigned long long)rows);
    T_EXPECT(strstr(b.text, ",256,258,2\n") != NULL, "256 and 257 share [256, 258)");
    T_EXPECT(strstr(b.text, ",1000,1004,2\n") != NULL, "1000 twice in [1000, 1004)");
    T_EXPECT(strstr(b.text, ",2199023255553,1\n") != NULL, "the last bucket reaches past max");
}

int main(void)
{
    T_RUN(test_summary_columns);
    T_RUN(test_hist_rows_sum);
    return t_finish();
}
