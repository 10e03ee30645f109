/* allocbench: CSV rows. See csv.h and docs/results.md. */
#include "csv.h"

void ab_out_str(const ab_out *o, const char *s)
{
    size_t n = 0;
    while (s[n] != '\0')
        n++;
    o->write(o->ctx, s, n);
}

void ab_out_u64(const ab_out *o, uint64_t v)
{
    char buf[24];
    int i = 24;
    do {
        buf[--i] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0);
    o->write(o->ctx, buf + i, (size_t)(24 - i));
}

void ab_out_i64(const ab_out *o, int64_t v)
{
    if (v < 0) {
        ab_out_str(o, "-");
        ab_out_u64(o, (uint64_t)0 - (uint64_t)v);
    } else {
        ab_out_u64(o, (uint64_t)v);
    }
}

void ab_out_fixed(const ab_out *o, uint64_t v, unsigned decimals)
{
    uint64_t p = 1;
    for (unsigned i = 0; i < decimals; i++)
        p *= 10u;
    ab_out_u64(o, v / p);
    if (decimals == 0)
        return;
    char buf[20];
    uint64_t f = v % p;
    for (unsigned i = decimals; i-- > 0;) {
        buf[i] = (char)('0' + f % 10u);
        f /= 10u;
    }
    o->write(o->ctx, ".", 1);
    o->write(o->ctx, buf, decimals);
}

static void out_signed_fixed(const ab_out *o, int64_t v, unsigned decimals)
{
    if (v < 0) {
        ab_out_str(o, "-");
        ab_out_fixed(o, (uint64_t)0 - (uint64_t)v, decimals);
    } else {
        ab_out_fixed(o, (uint64_t)v, decimals);
    }
}

const char *ab_outcome_name(ab_wl_outcome oc)
{
    switch (oc) {
    case AB_WL_OK: return "ok";
    case AB_WL_SKIPPED: return "skipped";
    case AB_WL_ERROR: return "error";
    case AB_WL_TIMEOUT: return "timeout";
    }
    return "?";
}

static void comma(const ab_out *o) { o->write(o->ctx, ",", 1); }

/* cycles -> ns with one decimal. */
static void out_ns(const ab_out *o, const ab_timer *t, uint64_t cycles)
{
    ab_out_fixed(o, ab_cycles_to_ps(t, cycles) / 100u, 1);
}

/* milli-cycles -> ns with one decimal (a mean of timer reads). */
static void out_ns_milli(const ab_out *o, const ab_timer *t, uint64_t mcycles)
{
    ab_out_fixed(o, ab_cycles_to_ps(t, mcycles) / 100000u, 1);
}

/* milli-cycles -> ns with three decimals: a batch of >= 10 ms resolves far
   below 0.1 ns per op, and one decimal would cut a 3 ns op into 3 % steps. */
static void out_ns_batch(const ab_out *o, const ab_timer *t, uint64_t mcycles)
{
    ab_out_fixed(o, ab_cycles_to_ps(t, mcycles) / 1000u, 3);
}

void ab_csv_summary_header(const ab_out *o)
{
    ab_out_str(o, "env,strategy,role,workload,mem_bytes,fill,threads,seed,rep,op,count,"
                  "mean_ns,p50_ns,p90_ns,p99_ns,p999_ns,max_ns,"
                  "mean_cycles,p50_cycles,p99_cycles,p999_cycles,max_cycles,"
                  "p90_cycles,batch_count,batch_mean_cycles,batch_mean_ns,"
                  "failures,skipped,contig_success,meta_bytes,meta_bytes_per_gib,"
                  "total_pages,below_resolution,group_k,group_p50_cycles,"
                  "group_p99_cycles,batches,batch_median_cycles,batch_median_ns,"
                  "batches_redone,cpu_wall,failure_rate,status\n");
}

static void cell_prefix(const ab_out *o, const ab_cell *c, int with_role, int with_fill)
{
    ab_out_str(o, c->env);
    comma(o);
    ab_out_str(o, c->strategy);
    comma(o);
    if (with_role) {
        ab_out_str(o, c->role);
        comma(o);
    }
    ab_out_str(o, c->workload);
    comma(o);
    ab_out_u64(o, c->mem_bytes);
    comma(o);
    if (with_fill) {
        ab_out_fixed(o, c->fill_pm, 3);
        comma(o);
    }
    ab_out_u64(o, c->threads == 0 ? 1u : c->threads);
    comma(o);
    ab_out_u64(o, c->seed);
    comma(o);
    ab_out_u64(o, c->rep);
    comma(o);
}

/* The median of the kept batches' means (lower median for an even count). */
static uint64_t batch_median_milli(const ab_op_stats *s)
{
    uint64_t v[AB_BATCH_KEEP_MAX];
    uint32_t n = s->batches < AB_BATCH_KEEP_MAX ? s->batches : AB_BATCH_KEEP_MAX;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t x = s->batch_milli[i];
        uint32_t j = i;
        while (j > 0 && v[j - 1] > x) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
    return v[(n - 1u) / 2u];
}

/* below_resolution ... failure_rate (docs/results.md). */
static void summary_tail(const ab_out *o, const ab_timer *t, const ab_op_stats *s)
{
    const ab_hist *h = &s->hist;
    uint64_t q = t != 0 && t->quantum_cycles != 0 ? t->quantum_cycles : 1u;
    if (h->count != 0)
        ab_out_u64(o, ab_hist_percentile(h, AB_P50) <= 2u * q ? 1u : 0u);
    comma(o);
    if (s->group_k != 0 && s->group.count != 0) {
        ab_out_u64(o, s->group_k);
        comma(o);
        ab_out_fixed(o, ab_hist_percentile(&s->group, AB_P50) * 1000u / s->group_k, 3);
        comma(o);
        ab_out_fixed(o, ab_hist_percentile(&s->group, AB_P99) * 1000u / s->group_k, 3);
        comma(o);
    } else {
        ab_out_str(o, ",,,");
    }
    ab_out_u64(o, s->batches);
    comma(o);
    if (s->batches != 0) {
        uint64_t m = batch_median_milli(s);
        ab_out_fixed(o, m, 3);
        comma(o);
        out_ns_batch(o, t, m);
        comma(o);
    } else {
        ab_out_str(o, ",,");
    }
    ab_out_u64(o, s->batches_redone);
    comma(o);
    if (s->probed != 0)
        ab_out_fixed(o, s->cpu_wall_pm, 3);
    comma(o);
    if (h->count + s->failures != 0) /* served + failed requests */
        ab_out_fixed(o, s->failures * 1000000u / (h->count + s->failures), 6);
}

static void summary_row(const ab_out *o, const ab_cell *c, const ab_wl_result *r,
                        const ab_timer *t, const char *opname, const ab_op_stats *s)
{
    static const ab_op_stats none; /* const zero table: an empty op */
    if (s == 0)
        s = &none;
    const ab_hist *h = &s->hist;
    cell_prefix(o, c, 1, 1);
    ab_out_str(o, opname);
    comma(o);
    ab_out_u64(o, h->count);
    comma(o);
    if (h->count != 0) {
        uint64_t p50 = ab_hist_percentile(h, AB_P50), p90 = ab_hist_percentile(h, AB_P90);
        uint64_t p99 = ab_hist_percentile(h, AB_P99), p999 = ab_hist_percentile(h, AB_P999);
        uint64_t mean_m = ab_hist_mean_milli(h);
        out_ns_milli(o, t, mean_m);
        comma(o);
        out_ns(o, t, p50);
        comma(o);
        out_ns(o, t, p90);
        comma(o);
        out_ns(o, t, p99);
        comma(o);
        out_ns(o, t, p999);
        comma(o);
        out_ns(o, t, h->max);
        comma(o);
        ab_out_fixed(o, mean_m, 3);
        comma(o);
        ab_out_u64(o, p50);
        comma(o);
        ab_out_u64(o, p99);
        comma(o);
        ab_out_u64(o, p999);
        comma(o);
        ab_out_u64(o, h->max);
        comma(o);
        ab_out_u64(o, p90);
        comma(o);
    } else {
        ab_out_str(o, ",,,,,,,,,,,,");
    }
    ab_out_u64(o, s->batch_ops);
    comma(o);
    if (s->batch_ops != 0) {
        uint64_t bc = s->batch_cycles;
        uint64_t m = bc / s->batch_ops * 1000u + bc % s->batch_ops * 1000u / s->batch_ops;
        ab_out_fixed(o, m, 3);
        comma(o);
        out_ns_batch(o, t, m);
        comma(o);
    } else {
        ab_out_str(o, ",,");
    }
    ab_out_u64(o, s->failures);
    comma(o);
    ab_out_u64(o, s->skipped);
    comma(o);
    if (r->contig_tried != 0)
        ab_out_fixed(o, r->contig_ok * 1000000u / r->contig_tried, 6);
    comma(o);
    ab_out_u64(o, r->meta_bytes);
    comma(o);
    if (c->mem_bytes != 0) {
        /* bytes per GiB managed, one decimal: meta * 2^30 * 10 / mem. */
        /* bytes per GiB, one decimal: meta * 10 * 2^20 / mem_KiB, split so
           nothing overflows. */
        uint64_t memk = c->mem_bytes >> 10, m10 = r->meta_bytes * 10u;
        if (memk != 0)
            ab_out_fixed(o, m10 / memk * (1ull << 20) + (m10 % memk) * (1ull << 20) / memk, 1);
    }
    comma(o);
    ab_out_u64(o, r->total_pages);
    comma(o);
    summary_tail(o, t, s);
    comma(o);
    /* status last: a row's outcome is where a reader looks first */
    ab_out_str(o, ab_outcome_name(r->outcome));
    ab_out_str(o, "\n");
}

void ab_csv_summary_rows(const ab_out *o, const ab_cell *c, const ab_wl_result *r,
                         const ab_timer *t)
{
    int rows = 0;
    for (unsigned k = 0; k < AB_OP_COUNT; k++) {
        const ab_op_stats *s = &r->op[k];
        if (s->hist.count == 0 && s->batch_ops == 0 && s->failures == 0 && s->skipped == 0)
            continue;
        summary_row(o, c, r, t, ab_op_name((ab_op)k), s);
        rows++;
    }
    if (rows == 0)
        summary_row(o, c, r, t, "-", 0);
}

void ab_csv_frag_header(const ab_out *o)
{
    ab_out_str(o, "env,strategy,workload,mem_bytes,threads,seed,rep,step,free_pages,"
                  "largest_free_run,free_runs,ext_frag,free_2m_blocks");
    for (unsigned k = 0; k < AB_FRAG_ORDERS; k++) {
        ab_out_str(o, ",unusable_o");
        ab_out_u64(o, k);
    }
    for (unsigned k = 0; k < AB_FRAG_ORDERS; k++) {
        ab_out_str(o, ",extfrag_o");
        ab_out_u64(o, k);
    }
    for (unsigned k = 0; k < AB_FRAG_ORDERS; k++) {
        ab_out_str(o, ",blocks_o");
        ab_out_u64(o, k);
    }
    ab_out_str(o, ",contig_tried,contig_success,fill,role\n");
}

void ab_csv_frag_row(const ab_out *o, const ab_cell *c, uint64_t step,
                     const ab_frag *f, uint64_t contig_tried, uint64_t contig_ok)
{
    cell_prefix(o, c, 0, 0);
    ab_out_u64(o, step);
    comma(o);
    ab_out_u64(o, f->free_pages);
    comma(o);
    ab_out_u64(o, f->largest_free_run);
    comma(o);
    ab_out_u64(o, f->free_runs);
    comma(o);
    ab_out_fixed(o, f->ext_frag_ppm, 6);
    comma(o);
    ab_out_u64(o, f->free_2m_blocks);
    for (unsigned k = 0; k < AB_FRAG_ORDERS; k++) {
        comma(o);
        out_signed_fixed(o, f->unusable_pm[k], 3);
    }
    for (unsigned k = 0; k < AB_FRAG_ORDERS; k++) {
        comma(o);
        out_signed_fixed(o, f->extfrag_pm[k], 3);
    }
    for (unsigned k = 0; k < AB_FRAG_ORDERS; k++) {
        comma(o);
        ab_out_u64(o, f->blocks[k]);
    }
    comma(o);
    ab_out_u64(o, contig_tried);
    comma(o);
    if (contig_tried != 0)
        ab_out_fixed(o, contig_ok * 1000000u / contig_tried, 6);
    comma(o);
    ab_out_fixed(o, c->fill_pm, 3);
    comma(o);
    ab_out_str(o, c->role);
    ab_out_str(o, "\n");
}

void ab_csv_hist_header(const ab_out *o)
{
    ab_out_str(o, "env,strategy,role,workload,mem_bytes,fill,threads,seed,rep,op,lo_cycles,"
                  "hi_cycles,count\n");
}

void ab_csv_hist_rows(const ab_out *o, const ab_cell *c, const ab_wl_result *r)
{
    for (unsigned k = 0; k < AB_OP_COUNT; k++) {
        const ab_hist *h = &r->op[k].hist;
        if (h->count == 0)
            continue;
        for (uint32_t b = 0; b < AB_HIST_BUCKETS; b++) {
            if (h->bucket[b] == 0)
                continue;
            uint64_t hi = ab_hist_bucket_high(b);
            if (b == AB_HIST_BUCKETS - 1u && h->max >= hi)
                hi = h->max + 1u;
            cell_prefix(o, c, 1, 1);
            ab_out_str(o, ab_op_name((ab_op)k));
            comma(o);
            ab_out_u64(o, ab_hist_bucket_low(b));
            comma(o);
            ab_out_u64(o, hi);
            comma(o);
            ab_out_u64(o, h->bucket[b]);
            ab_out_str(o, "\n");
        }
    }
}
