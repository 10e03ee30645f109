/* Result rows through core's CSV formatter; see report.h. */
#include "report.h"

#include "klibc.h"
#include "out.h"
#include "panic.h"
#include "pmm.h"

static out_sink summary_sink = {.table = "summary", .kind = 'R'};
static out_sink frag_sink = {.table = "frag", .kind = 'R'};
static unsigned op_field = ~0u; /* index of "op" in the summary header */

/* Finds the op column in the header line so a rename survives new columns. */
static void header_find_op(const char *line)
{
    unsigned field = 0;
    const char *start = line;
    for (const char *p = line;; p++) {
        if (*p == ',' || *p == '\0') {
            if (p - start == 2 && start[0] == 'o' && start[1] == 'p')
                op_field = field;
            if (*p == '\0')
                return;
            field++;
            start = p + 1;
        }
    }
}

void report_headers(void)
{
    out_sink h = {.table = "summary", .kind = 'H'};
    ab_out o = {out_sink_write, &h};
    ab_csv_summary_header(&o);
    out_sink f = {.table = "frag", .kind = 'H'};
    ab_out fo = {out_sink_write, &f};
    ab_csv_frag_header(&fo);
}

/* A core workload reports the fill it really uses, as the host does;
   the kernel's own workloads report what the command line said. */
static uint32_t report_fill(const kconfig *cfg)
{
    ab_workload_kind k = ab_workload_parse(cfg->workload);
    return k == AB_WL_COUNT ? cfg->fill_pm : ab_workload_effective_fill(k, cfg->fill_pm);
}

ab_cell report_cell(const kctx *ctx, const char *role)
{
    return (ab_cell){
        .env = ctx->env,
        .strategy = ctx->strategy,
        .role = role,
        .workload = ctx->cfg->workload,
        .mem_bytes = ctx->mem_bytes,
        .fill_pm = report_fill(ctx->cfg),
        .seed = ctx->cfg->seed,
        .threads = 1,
        .rep = 0,
    };
}

void report_result(const kctx *ctx, const char *role, const ab_wl_result *r)
{
    ab_cell c = report_cell(ctx, role);
    ab_out o = {out_sink_write, &summary_sink};
    ab_csv_summary_rows(&o, &c, r, &ctx->timer);
}

/* Gathers one formatted row, to rename its op field before printing. */
typedef struct row_buf {
    size_t len;
    char text[OUT_LINE_MAX];
} row_buf;

static void row_buf_write(void *ctx, const char *s, size_t n)
{
    row_buf *b = ctx;
    for (size_t i = 0; i < n; i++)
        if (b->len + 1 < OUT_LINE_MAX)
            b->text[b->len++] = s[i];
}

void report_kernel_op(const kctx *ctx, const char *op, const ab_hist *h,
                      uint64_t batch_cycles, uint64_t batch_ops)
{
    static ab_op_stats st;
    memset(&st, 0, sizeof st);
    st.hist = *h;
    st.batch_cycles = batch_cycles;
    st.batch_ops = batch_ops;
    report_kernel_stats(ctx, op, &st);
}

void report_kernel_stats(const kctx *ctx, const char *op, const ab_op_stats *st)
{
    static ab_wl_result r; /* ~90 KiB of histograms: not on the stack */
    static row_buf row, out;
    if (op_field == ~0u) {
        row.len = 0;
        ab_out ho = {row_buf_write, &row};
        ab_csv_summary_header(&ho);
        row.text[row.len] = '\0';
        header_find_op(row.text);
        if (op_field == ~0u)
            panic("report: core's summary header has no op column");
    }
    memset(&r, 0, sizeof r);
    r.op[AB_OP_ALLOC] = *st;
    r.total_pages = ctx->mem->managed_pages;
    r.meta_bytes = ctx->mem->pmm_meta_bytes;
    r.outcome = AB_WL_OK;
    ab_cell c = report_cell(ctx, "kernel");
    row.len = 0;
    ab_out o = {row_buf_write, &row};
    ab_csv_summary_rows(&o, &c, &r, &ctx->timer);
    /* Copy the row with field op_field replaced by op. */
    out.len = 0;
    unsigned field = 0;
    for (size_t i = 0; i < row.len; i++) {
        if (field == op_field) {
            for (const char *p = op; *p != '\0'; p++)
                out.text[out.len++] = *p;
            while (i < row.len && row.text[i] != ',')
                i++;
            if (i == row.len)
                break;
        }
        if (row.text[i] == ',')
            field++;
        out.text[out.len++] = row.text[i];
    }
    ab_out so = {out_sink_write, &summary_sink};
    so.write(so.ctx, out.text, out.len);
}

void report_frag(const kctx *ctx, const ab_strategy *st, const void *self, uint64_t step)
{
    ab_frag f;
    ab_frag_measure(st, self, &f);
    report_frag_fn((void *)ctx, step, &f, 0, 0);
}

void report_frag_fn(void *ctx, uint64_t step, const ab_frag *f, uint64_t contig_tried,
                    uint64_t contig_ok)
{
    const kctx *k = ctx;
    ab_cell c = report_cell(k, "pmm");
    ab_out o = {out_sink_write, &frag_sink};
    ab_csv_frag_row(&o, &c, step, f, contig_tried, contig_ok);
}
