/*
 * report: heaps under real programs (programs.csv) and malloc time against
 * live chunks (heapscale.csv). Wall times are hyperfine's; these sections
 * rank by the median without the verdict's intervals (programs.csv carries
 * a standard deviation, not the runs).
 */
#define _POSIX_C_SOURCE 200809L
#include "report_doc.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

void ab_report_programs(doc *d);

static void fmt_ns(double v, char *out, size_t len)
{
    if (isnan(v))
        ab_fmt(out, len, "-");
    else if (v >= 100000)
        ab_fmt(out, len, "%.0f", v);
    else
        ab_fmt(out, len, "%.1f", v);
}

/* Picks the best of v[0..n) (lowest, or highest with highest set; NAN is
   absent): tied[i] marks every entry equal to the best, the return value is
   the best entry not tied (the runner-up), or -1. */
static int rank_pick(const double *v, size_t n, int highest, int *tied, double *best_v)
{
    double best = NAN;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i]) && (isnan(best) || (highest ? v[i] > best : v[i] < best)))
            best = v[i];
    int runner = -1;
    for (size_t i = 0; i < n; i++) {
        tied[i] = !isnan(v[i]) && fabs(v[i] - best) <= 1e-9 * fmax(1, fabs(best));
        if (!tied[i] && !isnan(v[i]) &&
            (runner < 0 || (highest ? v[i] > v[runner] : v[i] < v[runner])))
            runner = (int)i;
    }
    *best_v = best;
    return runner;
}

/* "bitmap", or "tie: bitmap, freelist". */
static void winners_text(const char *const *names, const int *tied, size_t n, char *out,
                         size_t len)
{
    size_t count = 0, used = 0;
    for (size_t i = 0; i < n; i++)
        count += tied[i] != 0;
    out[0] = '\0';
    if (count > 1)
        used += (size_t)ab_fmt(out, len, "tie: ");
    for (size_t i = 0, k = 0; i < n && used < len; i++)
        if (tied[i])
            used += (size_t)ab_fmt(out + used, len - used, "%s%s", k++ ? ", " : "", names[i]);
}

static void wins_sentence_of(doc *d, const int *wins, size_t rows, const char *what,
                             const char *unit)
{
    const ab_run *run = d->run;
    if (rows == 0)
        return;
    char text[1024] = "";
    size_t len = 0;
    int done[64] = {0};
    for (size_t round = 0; round < run->nstrats && round < COUNT_OF(done); round++) {
        int pick = -1;
        for (size_t k = 0; k < run->nstrats && k < COUNT_OF(done); k++)
            if (!done[k] && wins[k] > 0 && (pick < 0 || wins[k] > wins[pick]))
                pick = (int)k;
        if (pick < 0 || len > sizeof text - 80)
            break;
        done[pick] = 1;
        len += (size_t)ab_fmt(text + len, sizeof text - len, "%s%s %d", len ? ", " : "",
                              run->strats[pick].name, wins[pick]);
    }
    doc_p(d, "%s (%s won of %zu; a tie counts for each): %s.", what, unit, rows, text);
}

static void fmt_num(double v, const char *fmt, char *out, size_t len)
{
    if (isnan(v))
        ab_fmt(out, len, "-");
    else
        ab_fmt(out, len, fmt, v);
}

/* "a 0.123 s", ties as "tie: a, b"; the runner-up into second. For one
   program: lowest value of a field over its ok rows. 0 if none. */
static int program_pick(const ab_run *run, const char *prog, size_t off, int heap_only,
                        char *who, size_t wlen, double *best, char *second, size_t slen,
                        const char *fmt)
{
    double v[64];
    const char *names[64];
    int tied[64];
    size_t n = 0;
    for (size_t r = 0; r < run->np && n < COUNT_OF(v); r++) {
        const ab_prow *p = &run->p[r];
        double x = *(const double *)((const char *)p + off);
        if (strcmp(p->program, prog) != 0 || !p->ok || isnan(x) ||
            (heap_only && strcmp(p->fp_kind, "rss") == 0))
            continue;
        v[n] = x;
        names[n++] = p->allocator;
    }
    if (n == 0)
        return 0;
    int run2 = rank_pick(v, n, 0, tied, best);
    winners_text(names, tied, n, who, wlen);
    if (run2 >= 0) {
        char num[48];
        ab_fmt(num, sizeof num, fmt, v[run2]);
        ab_fmt(second, slen, "%s %s", names[run2], num);
    } else {
        ab_fmt(second, slen, "-");
    }
    return 1;
}

/* "Which heap when": per program the fastest, the leanest heap and the
   smallest RSS, each with the runner-up. */
static void programs_which(doc *d, const char *const *progs, size_t nprog)
{
    const ab_run *run = d->run;
    doc_h(d, 3, "Which heap when", NULL);
    doc_p(d, "Per program, from the rows below with status ok: the fastest median wall time "
             "(every allocator), the lowest footprint/live among the heaps of heaps/ (exact for "
             "them; glibc's and jemalloc's RSS-based figure is only an upper bound, so they are "
             "compared by max RSS) and the smallest max RSS (every allocator), each with the "
             "runner-up.");
    const char *head[] = {"program", "fastest (median s)", "runner-up", "lowest heap footprint/live",
                          "runner-up", "smallest max RSS (KiB)", "runner-up"};
    doc_table_begin(d, COUNT_OF(head), head);
    int *fast = calloc(run->nstrats + 1, sizeof *fast), *lean = calloc(run->nstrats + 1, sizeof *lean);
    for (size_t g = 0; g < nprog; g++) {
        char w[3][300], sec[3][200], cells[3][360];
        double b[3];
        size_t offs[] = {offsetof(ab_prow, median_s), offsetof(ab_prow, ratio),
                         offsetof(ab_prow, rss_kib)};
        const char *fmts[] = {"%.4f", "%.3f", "%.0f"};
        for (int q = 0; q < 3; q++) {
            if (!program_pick(run, progs[g], offs[q], q == 1, w[q], sizeof w[q], &b[q], sec[q],
                              sizeof sec[q], fmts[q])) {
                ab_fmt(cells[q], sizeof cells[q], "-");
                ab_fmt(sec[q], sizeof sec[q], "-");
                continue;
            }
            char num[48];
            ab_fmt(num, sizeof num, fmts[q], b[q]);
            ab_fmt(cells[q], sizeof cells[q], "%s %s", w[q], num);
            for (size_t r = 0; r < run->np && fast != NULL && lean != NULL; r++) {
                const ab_prow *p = &run->p[r];
                double x = *(const double *)((const char *)p + offs[q]);
                if (q < 2 && strcmp(p->program, progs[g]) == 0 && p->ok && p->strat >= 0 &&
                    !(q == 1 && strcmp(p->fp_kind, "rss") == 0) &&
                    fabs(x - b[q]) <= 1e-9 * fmax(1, fabs(b[q])))
                    (q == 0 ? fast : lean)[p->strat]++;
            }
        }
        const char *row[] = {progs[g], cells[0], sec[0], cells[1], sec[1], cells[2], sec[2]};
        doc_row(d, 0, COUNT_OF(row), row);
    }
    doc_table_end(d);
    if (fast != NULL && lean != NULL) {
        wins_sentence_of(d, fast, nprog, "Fastest most often", "programs");
        wins_sentence_of(d, lean, nprog, "Lowest heap footprint/live most often", "programs");
    }
    free(fast);
    free(lean);
}

static void programs_section(doc *d)
{
    const ab_run *run = d->run;
    if (!run->have_programs)
        return;
    doc_h(d, 2, "Heaps under real programs (programs.csv)", "programs");
    doc_p(d, "Each program ran under every heap of heaps/ (LD_PRELOAD of libab_<heap>.so), "
             "jemalloc (LD_PRELOAD) and glibc, with its output checked; wall time is "
             "hyperfine's median over the runs, spread its standard deviation and min..max; "
             "max RSS is wait4's, of the whole process tree. footprint/live is peak footprint "
             "over peak live bytes (Johnstone and Wilson): for the heaps, pages held over "
             "bytes requested, from the heap itself; for glibc and jemalloc (footprint = rss), "
             "max RSS over the peak live bytes the malloc recorder saw on glibc, an upper "
             "bound that counts code and stacks too. Compare max RSS across all allocators, "
             "footprint/live among the heaps. Columns: docs/results.md.");
    const char *progs[64];
    size_t nprog = 0;
    for (size_t r = 0; r < run->np; r++) {
        size_t k = 0;
        while (k < nprog && strcmp(progs[k], run->p[r].program) != 0)
            k++;
        if (k == nprog && nprog < COUNT_OF(progs))
            progs[nprog++] = run->p[r].program;
    }

    programs_which(d, progs, nprog);

    for (size_t g = 0; g < nprog; g++) {
        char title[200];
        ab_fmt(title, sizeof title, "%s", progs[g]);
        doc_h(d, 3, title, NULL);
        const char *h2[] = {"allocator", "runs", "median (s)", "stddev (s)", "min..max (s)",
                            "max RSS (KiB)", "footprint/live", "footprint", "status"};
        doc_table_begin(d, COUNT_OF(h2), h2);
        for (size_t k = 0; k <= run->nstrats; k++)
            for (size_t r = 0; r < run->np; r++) {
                const ab_prow *p = &run->p[r];
                if (strcmp(p->program, progs[g]) != 0 ||
                    (k < run->nstrats ? p->strat != (int)k : p->strat >= 0))
                    continue;
                char runs[32], med[48], sd[48], mm[96], rss[48], ratio[48], a[48], b[48];
                fmt_num(p->runs, "%.0f", runs, sizeof runs);
                fmt_num(p->median_s, "%.4f", med, sizeof med);
                fmt_num(p->stddev_s, "%.4f", sd, sizeof sd);
                fmt_num(p->min_s, "%.4f", a, sizeof a);
                fmt_num(p->max_s, "%.4f", b, sizeof b);
                ab_fmt(mm, sizeof mm, "%s..%s", a, b);
                fmt_num(p->rss_kib, "%.0f", rss, sizeof rss);
                fmt_num(p->ratio, "%.3f", ratio, sizeof ratio);
                const char *row[] = {p->allocator, runs, med, sd, mm, rss, ratio,
                                     p->fp_kind[0] ? p->fp_kind : "-", p->status};
                doc_row(d, 0, COUNT_OF(row), row);
            }
        doc_table_end(d);
    }
    for (size_t i = 0; i < run->nfigs; i++)
        if (strcmp(run->figs[i].kind, "programs") == 0)
            doc_figure(d, &run->figs[i]);
}

static void heapscale_section(doc *d)
{
    const ab_run *run = d->run;
    if (!run->have_heapscale)
        return;
    doc_h(d, 2, "Heap malloc time against live chunks (heapscale.csv)", "heapscale");
    doc_p(d, "The first-fit cost: each heap keeps N blocks of 16..512 B live and times a "
             "malloc, then a free of a random live block, step after step. This curve is the "
             "reason to pick a size-class heap (slab) over a first-fit one (firstfit) once "
             "many blocks are live.");
    const char *head[] = {"heap", "pages from", "live chunks", "malloc mean (ns)",
                          "malloc p50 (ns)", "malloc p99 (ns)", "free mean (ns)"};
    doc_table_begin(d, COUNT_OF(head), head);
    for (size_t k = 0; k < run->nstrats; k++)
        for (size_t r = 0; r < run->nhs; r++) {
            const ab_hsrow *h = &run->hs[r];
            if (h->strat != (int)k)
                continue;
            char n[32], a[32], b[32], c[32], e[32];
            ab_fmt(n, sizeof n, "%.0f", h->live_chunks);
            fmt_ns(h->malloc_mean_ns, a, sizeof a);
            fmt_ns(h->malloc_p50_ns, b, sizeof b);
            fmt_ns(h->malloc_p99_ns, c, sizeof c);
            fmt_ns(h->free_mean_ns, e, sizeof e);
            const char *row[] = {h->heap, h->strategy, n, a, b, c, e};
            doc_row(d, 0, COUNT_OF(row), row);
        }
    doc_table_end(d);
    /* Growth per heap: mean at the most chunks over the mean at the fewest. */
    for (size_t k = 0; k < run->nstrats; k++) {
        const ab_hsrow *lo = NULL, *hi = NULL;
        for (size_t r = 0; r < run->nhs; r++) {
            const ab_hsrow *h = &run->hs[r];
            if (h->strat != (int)k)
                continue;
            if (lo == NULL || h->live_chunks < lo->live_chunks)
                lo = h;
            if (hi == NULL || h->live_chunks > hi->live_chunks)
                hi = h;
        }
        if (lo == NULL || hi == lo)
            continue;
        doc_p(d, "%s over %s: malloc mean %.1f ns at %.0f live chunks, %.1f ns at %.0f: "
                 "%.1fx for %.0fx the chunks.", hi->heap, hi->strategy, lo->malloc_mean_ns,
              lo->live_chunks, hi->malloc_mean_ns, hi->live_chunks,
              hi->malloc_mean_ns / lo->malloc_mean_ns, hi->live_chunks / lo->live_chunks);
    }
    for (size_t i = 0; i < run->nfigs; i++)
        if (strcmp(run->figs[i].kind, "heapscale") == 0)
            doc_figure(d, &run->figs[i]);
}

void ab_report_programs(doc *d)
{
    programs_section(d);
    heapscale_section(d);
}
