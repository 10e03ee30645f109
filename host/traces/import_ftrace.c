/*
 * allocbench: the ftrace / perf script importer: mm_page_alloc and
 * mm_page_free(_batched) events of the one physical memory (see
 * docs/traces.md).
 */
#include "import_internal.h"

#include <string.h>

enum { EV_NONE, EV_ALLOC, EV_FREE };

/* Finds the event name; *args is what follows its ':'. */
static int ftrace_event(const char *p, const char *e, const char **args, const char **evname)
{
    static const struct {
        const char *name;
        int kind;
    } evs[] = {{"mm_page_alloc:", EV_ALLOC}, {"mm_page_free:", EV_FREE},
               {"mm_page_free_batched:", EV_FREE}};
    for (const char *q = p; q + 8 <= e; q++) {
        if (memcmp(q, "mm_page_", 8) != 0 || (q > p && q[-1] != ' ' && q[-1] != ':'))
            continue;
        for (size_t k = 0; k < sizeof evs / sizeof evs[0]; k++) {
            size_t n = strlen(evs[k].name);
            if ((size_t)(e - q) >= n && !memcmp(q, evs[k].name, n) &&
                ((size_t)(e - q) == n || blank(q[n]))) {
                *args = q + n;
                *evname = evs[k].name;
                return evs[k].kind;
            }
        }
    }
    return EV_NONE;
}

int ftrace_line(runmap *m, ctx *c, const char *p, const char *e)
{
    trace_import_stats *st = m->st;
    const char *args, *evname;
    /* e first: a last line of blanks without its newline ends at the text's end. */
    const char *first = skip_blanks(p, e);
    int kind = first == e || *first == '#' ? EV_NONE : ftrace_event(p, e, &args, &evname);
    if (kind == EV_NONE) {
        st->unrelated++;
        return 0;
    }
    int evlen = (int)strlen(evname) - 1;
    const char *page = NULL, *page_e = NULL, *pfn_s = NULL, *pfn_e = NULL, *ord_s = NULL,
               *ord_e = NULL;
    for (const char *q = skip_blanks(args, e); q < e; q = skip_blanks(q, e)) {
        const char *t = q;
        while (q < e && !blank(*q))
            q++;
        const char *eq = memchr(t, '=', (size_t)(q - t));
        if (eq == NULL)
            continue;
        if (eq - t == 4 && !memcmp(t, "page", 4))
            page = eq + 1, page_e = q;
        else if (eq - t == 3 && !memcmp(t, "pfn", 3))
            pfn_s = eq + 1, pfn_e = q;
        else if (eq - t == 5 && !memcmp(t, "order", 5))
            ord_s = eq + 1, ord_e = q;
    }
    uint64_t pfn, order, pagev;
    /* a failed allocation prints page=(null) or page=0000000000000000 */
    if (kind == EV_ALLOC && page != NULL &&
        ((page_e - page == 6 && !memcmp(page, "(null)", 6)) ||
         (parse_num(page, page_e, &pagev) == 0 && pagev == 0))) {
        st->failed++;
        return 0;
    }
    if (pfn_s == NULL)
        return bad(c, "%.*s without pfn=", evlen, evname);
    if (parse_num(pfn_s, pfn_e, &pfn) != 0)
        return bad(c, "%.*s: pfn '%.*s' is not a number", evlen, evname, short_len(pfn_s, pfn_e),
                   pfn_s);
    if (ord_s == NULL)
        return bad(c, "%.*s without order=", evlen, evname);
    if (parse_num(ord_s, ord_e, &order) != 0 || order > 23)
        return bad(c, "%.*s: order '%.*s' is not a number in 0..23", evlen, evname,
                   short_len(ord_s, ord_e), ord_s);
    if (pfn >= AB_PAGE_LIMIT)
        return bad(c, "%.*s: pfn 0x%llx is beyond 2^52", evlen, evname, (unsigned long long)pfn);
    st->events++;
    uint64_t n = 1ull << order;
    if (kind == EV_ALLOC) {
        runmap_add(m, pfn, n, n);
    } else {
        int split;
        if (runmap_remove(m, pfn, n, &split) == 0)
            st->unknown_free++;
        st->split += (uint64_t)split;
    }
    return 0;
}
