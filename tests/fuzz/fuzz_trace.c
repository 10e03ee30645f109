/*
 * libFuzzer harness: the page-trace parser and the strace, ftrace and perf
 * importers (host/traces/). The first byte picks the input kind; the rest is
 * the file. Whatever an importer accepts, the parser must accept (what an
 * importer writes, the parser reads), and a parsed trace's counts must add
 * up: every record is an alloc or a free, ids are dense.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    char err[512];
    trace t;
    if (data[0] % 3u == 0) {
        if (trace_parse(text, len, "fuzz", &t, err, sizeof err) == 0) {
            if (t.len != t.allocs + t.frees || (t.len > 0 && t.ids == 0))
                abort();
            for (size_t i = 0; i < t.len; i++)
                if (t.recs[i].id >= t.ids || t.recs[i].op > AB_TRACE_FREE)
                    abort();
            trace_free(&t);
        } else if (strchr(err, '\n') != NULL || strncmp(err, "fuzz", 4) != 0) {
            abort(); /* one line, naming the file */
        }
        return 0;
    }
    trace_src src = data[0] % 3u == 1 ? TRACE_SRC_STRACE : TRACE_SRC_FTRACE;
    char *out = NULL;
    size_t out_len = 0;
    trace_import_stats st;
    if (trace_import(src, text, len, "fuzz", &out, &out_len, &st, err, sizeof err) != 0)
        return 0;
    if (trace_parse(out, out_len, "imported", &t, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_trace: the importer wrote what the parser refuses: %s\n", err);
        abort();
    }
    if (t.allocs != st.allocs || t.frees != st.frees)
        abort();
    trace_free(&t);
    free(out);
    return 0;
}
