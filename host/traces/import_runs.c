/*
 * allocbench: the live runs of one address space or of the physical memory,
 * in an array sorted by first page, every change written as trace lines (see
 * trace_import.c).
 */
#include "import_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Index of the first run ending after page. */
static size_t runmap_find(const runmap *m, uint64_t page)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->r[mid].start + m->r[mid].npages <= page)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void runmap_emit_alloc(runmap *m, run *r, uint64_t align)
{
    r->id = m->pmm ? r->start : (*m->next_id)++;
    if (align > 1)
        trace_text_printf(m->out, "a %llu %llu %llu\n", (unsigned long long)r->id,
                          (unsigned long long)r->npages, (unsigned long long)align);
    else
        trace_text_printf(m->out, "a %llu %llu\n", (unsigned long long)r->id,
                          (unsigned long long)r->npages);
    m->st->allocs++;
}

/* Replaces runs [i, j) with np runs (ids assigned by the caller). */
static void runmap_splice(runmap *m, size_t i, size_t j, const run *add, size_t np)
{
    size_t n = m->n - (j - i) + np;
    if (n > m->cap) {
        m->cap = m->cap ? m->cap * 2 : 256;
        while (m->cap < n)
            m->cap *= 2;
        m->r = realloc(m->r, m->cap * sizeof *m->r);
        if (m->r == NULL) {
            fprintf(stderr, "allocbench: out of memory\n");
            exit(1);
        }
    }
    memmove(&m->r[i + np], &m->r[j], (m->n - j) * sizeof *m->r);
    memcpy(&m->r[i], add, np * sizeof *add);
    m->n = n;
}

size_t runmap_remove(runmap *m, uint64_t start, uint64_t n, int *split)
{
    uint64_t end = start + n;
    size_t i = runmap_find(m, start), j = i;
    while (j < m->n && m->r[j].start < end)
        j++;
    *split = 0;
    if (i == j)
        return 0;
    for (size_t k = i; k < j; k++) {
        trace_text_printf(m->out, "f %llu\n", (unsigned long long)m->r[k].id);
        m->st->frees++;
    }
    run piece[2];
    size_t np = 0;
    if (m->r[i].start < start)
        piece[np++] = (run){m->r[i].start, start - m->r[i].start, 0};
    uint64_t last_end = m->r[j - 1].start + m->r[j - 1].npages;
    if (last_end > end)
        piece[np++] = (run){end, last_end - end, 0};
    for (size_t k = 0; k < np; k++)
        runmap_emit_alloc(m, &piece[k], 0);
    runmap_splice(m, i, j, piece, np);
    *split = np > 0;
    return j - i;
}

void runmap_add(runmap *m, uint64_t start, uint64_t n, uint64_t align)
{
    int split;
    if (runmap_remove(m, start, n, &split) != 0)
        m->st->replaced++;
    if (n > TRACE_MAX_NPAGES) {
        m->st->too_large++;
        return;
    }
    run r = {start, n, 0};
    runmap_emit_alloc(m, &r, align);
    runmap_splice(m, runmap_find(m, start), runmap_find(m, start), &r, 1);
}
