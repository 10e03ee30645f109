/* host/traces/trace: the page trace parser accepts every fixture in
 * tests/traces/ and rejects each malformed one (bad_*) with the exact
 * "FILE:LINE: reason" its first line expects; the strace and ftrace/perf
 * importers turn each input fixture into its expected trace (X.trace next to
 * it) or reject it as expected; replaying the traces on bitmap and buddy
 * leaves check() == 0 and every page free. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/layout.h"
#include "core/workload.h"
#include "trace.h"
#include "strategy_util.h"
#include "testlib.h"

#ifndef AB_TRACE_DIR
#error "AB_TRACE_DIR must name tests/traces"
#endif

static char *read_fixture(const char *file, size_t *len)
{
    char path[1024], err[512];
    snprintf(path, sizeof path, "%s/%s", AB_TRACE_DIR, file);
    char *text = trace_read_file(path, len, err, sizeof err);
    if (text == NULL)
        fprintf(stderr, "%s\n", err);
    return text;
}

/* "LINE: reason" from a first line "# expect-error: LINE: reason", or NULL. */
static const char *expected_error(const char *text, char *buf, size_t len)
{
    static const char tag[] = "# expect-error: ";
    if (strncmp(text, tag, sizeof tag - 1) != 0)
        return NULL;
    const char *s = text + sizeof tag - 1;
    size_t n = strcspn(s, "\n");
    snprintf(buf, len, "%.*s", (int)n, s);
    return buf;
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

/* Calls fn on every fixture whose name ends with suffix; returns how many. */
static int each_fixture(const char *suffix, void (*fn)(const char *name))
{
    DIR *d = opendir(AB_TRACE_DIR);
    T_EXPECT(d != NULL, "cannot open %s", AB_TRACE_DIR);
    if (d == NULL)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.' && has_suffix(e->d_name, suffix)) {
            fn(e->d_name);
            n++;
        }
    }
    closedir(d);
    return n;
}

static int bad_traces, good_traces;

static void check_trace_fixture(const char *name)
{
    size_t len;
    char *text = read_fixture(name, &len);
    T_REQUIRE(text != NULL);
    char want[512], err[512] = "";
    const char *exp = expected_error(text, want, sizeof want);
    trace t;
    int rc = trace_parse(text, len, name, &t, err, sizeof err);
    if (exp != NULL) {
        char full[1100];
        snprintf(full, sizeof full, "%s:%s", name, exp);
        T_EXPECT(rc == -1, "%s: parsed, want '%s'", name, full);
        T_EXPECT(!strcmp(err, full), "%s: error '%s', want '%s'", name, err, full);
        T_EXPECT(t.recs == NULL && t.len == 0, "%s: a rejected file returned records", name);
        bad_traces++;
    } else {
        T_EXPECT(rc == 0, "%s: %s", name, err);
        good_traces++;
    }
    trace_free(&t);
    free(text);
}

static void test_fixtures_parse(void)
{
    each_fixture(".trace", check_trace_fixture);
    T_EXPECT(bad_traces >= 18, "only %d malformed fixtures found", bad_traces);
    T_EXPECT(good_traces >= 6, "only %d valid fixtures found", good_traces);
}

static void test_basic_contents(void)
{
    size_t len;
    char *text = read_fixture("basic.trace", &len);
    T_REQUIRE(text != NULL);
    char err[512] = "";
    trace t;
    T_REQUIRE(trace_parse(text, len, "basic.trace", &t, err, sizeof err) == 0, "%s", err);
    T_EXPECT(t.len == 8, "len %zu", t.len);
    T_EXPECT(t.ids == 4, "ids %u", t.ids);
    T_EXPECT(t.allocs == 5 && t.frees == 3);
    T_EXPECT(t.peak_pages == 522, "peak %llu", (unsigned long long)t.peak_pages);
    T_EXPECT(t.end_pages == 514, "end %llu", (unsigned long long)t.end_pages);
    T_EXPECT(t.role == 0, "role %d", t.role);
    /* dense ids in order of first appearance; a reused ID keeps its id */
    static const ab_trace_rec want[8] = {
        {AB_TRACE_ALLOC, 0, 1, 0},   {AB_TRACE_ALLOC, 1, 8, 8}, {AB_TRACE_ALLOC, 2, 3, 0},
        {AB_TRACE_FREE, 0, 0, 0},    {AB_TRACE_ALLOC, 0, 2, 0}, {AB_TRACE_FREE, 2, 0, 0},
        {AB_TRACE_ALLOC, 3, 512, 512}, {AB_TRACE_FREE, 1, 0, 0},
    };
    for (size_t i = 0; i < 8 && i < t.len; i++)
        T_EXPECT(t.recs[i].op == want[i].op && t.recs[i].id == want[i].id &&
                     t.recs[i].npages == want[i].npages && t.recs[i].align == want[i].align,
                 "record %zu: op %u id %u n %llu align %llu", i, t.recs[i].op, t.recs[i].id,
                 (unsigned long long)t.recs[i].npages, (unsigned long long)t.recs[i].align);
    trace_free(&t);
    free(text);
}

static void test_parse_inline(void)
{
    char err[512];
    trace t;
    /* CRLF, no final newline, leading blanks */
    const char *s = "# allocbench page trace v1\r\n# role: vmm\r\n  a 1 2\r\nf 1";
    T_EXPECT(trace_parse(s, strlen(s), "x", &t, err, sizeof err) == 0, "%s", err);
    T_EXPECT(t.len == 2 && t.role == 1 && t.end_pages == 0 && t.peak_pages == 2);
    trace_free(&t);
    T_EXPECT(trace_parse("", 0, "x", &t, err, sizeof err) == 0 && t.len == 0 && t.role == -1);
    trace_free(&t);
    /* text after a NUL byte is still text: length rules, not the NUL */
    const char nul[] = "a 1 1\n\0 junk\n";
    T_EXPECT(trace_parse(nul, sizeof nul - 1, "x", &t, err, sizeof err) == -1);
    T_EXPECT(!strncmp(err, "x:2: unknown op", 15), "%s", err);
    /* a file that cannot be read */
    T_EXPECT(trace_load(AB_TRACE_DIR "/no-such.trace", &t, err, sizeof err) == -1);
    T_EXPECT(strstr(err, "no-such.trace: ") != NULL, "%s", err);
}

/* ---- importers ---- */

static int imports_checked, import_errors_checked;

static void check_import_fixture(const char *name)
{
    trace_src src = has_suffix(name, ".strace") ? TRACE_SRC_STRACE : TRACE_SRC_FTRACE;
    size_t len, out_len;
    char *text = read_fixture(name, &len);
    T_REQUIRE(text != NULL);
    char want[512], err[512] = "";
    const char *exp = expected_error(text, want, sizeof want);
    char *out;
    trace_import_stats st;
    int rc = trace_import(src, text, len, name, &out, &out_len, &st, err, sizeof err);
    if (exp != NULL) {
        char full[1100];
        snprintf(full, sizeof full, "%s:%s", name, exp);
        T_EXPECT(rc == -1 && out == NULL, "%s: imported, want '%s'", name, full);
        T_EXPECT(!strcmp(err, full), "%s: error '%s', want '%s'", name, err, full);
        import_errors_checked++;
    } else {
        T_EXPECT(rc == 0, "%s: %s", name, err);
        char exp_name[512];
        snprintf(exp_name, sizeof exp_name, "%s.trace", name);
        size_t exp_len;
        char *expected = read_fixture(exp_name, &exp_len);
        T_EXPECT(expected != NULL, "missing %s", exp_name);
        if (rc == 0 && expected != NULL) {
            T_EXPECT(out_len == exp_len && !memcmp(out, expected, exp_len),
                     "%s: output differs from %s:\n%s", name, exp_name, out);
            /* what an importer writes, the parser reads */
            trace t;
            T_EXPECT(trace_parse(out, out_len, exp_name, &t, err, sizeof err) == 0, "%s", err);
            T_EXPECT(t.role == (src == TRACE_SRC_STRACE));
            T_EXPECT(t.allocs == st.allocs && t.frees == st.frees);
            trace_free(&t);
        }
        free(expected);
        imports_checked++;
    }
    free(out);
    free(text);
}

static void test_importers(void)
{
    each_fixture(".strace", check_import_fixture);
    each_fixture(".ftrace", check_import_fixture);
    each_fixture(".perf", check_import_fixture);
    T_EXPECT(imports_checked >= 3, "only %d importer fixtures", imports_checked);
    T_EXPECT(import_errors_checked >= 9, "only %d malformed importer fixtures",
             import_errors_checked);
}

static trace_import_stats import_stats(trace_src src, const char *name)
{
    trace_import_stats st;
    memset(&st, 0xff, sizeof st);
    size_t len, out_len;
    char *text = read_fixture(name, &len), *out = NULL, err[512];
    if (text != NULL && trace_import(src, text, len, name, &out, &out_len, &st, err, sizeof err))
        fprintf(stderr, "%s\n", err);
    free(out);
    free(text);
    return st;
}

static void test_import_counts(void)
{
    trace_import_stats s = import_stats(TRACE_SRC_STRACE, "vmm.strace");
    T_EXPECT(s.lines == 29, "lines %llu", (unsigned long long)s.lines);
    T_EXPECT(s.events == 20, "events %llu", (unsigned long long)s.events);
    T_EXPECT(s.unrelated == 5, "unrelated %llu", (unsigned long long)s.unrelated);
    T_EXPECT(s.failed == 1, "failed %llu", (unsigned long long)s.failed);
    T_EXPECT(s.file_backed == 3, "file_backed %llu", (unsigned long long)s.file_backed);
    T_EXPECT(s.split == 4, "split %llu", (unsigned long long)s.split);
    T_EXPECT(s.replaced == 1, "replaced %llu", (unsigned long long)s.replaced);
    T_EXPECT(s.unfinished == 1, "unfinished %llu", (unsigned long long)s.unfinished);
    T_EXPECT(s.unknown_free == 0 && s.too_large == 0);

    s = import_stats(TRACE_SRC_FTRACE, "pmm.ftrace");
    T_EXPECT(s.events == 11, "events %llu", (unsigned long long)s.events);
    T_EXPECT(s.unknown_free == 1, "unknown_free %llu", (unsigned long long)s.unknown_free);
    T_EXPECT(s.failed == 1, "failed %llu", (unsigned long long)s.failed);
    T_EXPECT(s.split == 1, "split %llu", (unsigned long long)s.split);
    T_EXPECT(s.replaced == 1, "replaced %llu", (unsigned long long)s.replaced);
    T_EXPECT(s.unrelated == 15, "unrelated %llu", (unsigned long long)s.unrelated);

    s = import_stats(TRACE_SRC_FTRACE, "pmm.perf");
    T_EXPECT(s.events == 5 && s.failed == 1 && s.unknown_free == 1 && s.unrelated == 1,
             "events %llu failed %llu unknown %llu unrelated %llu",
             (unsigned long long)s.events, (unsigned long long)s.failed,
             (unsigned long long)s.unknown_free, (unsigned long long)s.unrelated);
}

/* ---- replay ---- */

static trace load_fixture(const char *name)
{
    char path[1024], err[512];
    snprintf(path, sizeof path, "%s/%s", AB_TRACE_DIR, name);
    trace t;
    if (trace_load(path, &t, err, sizeof err) != 0)
        fprintf(stderr, "%s\n", err);
    return t;
}

/* Every op directly, each answered AB_OK, check() == 0 after each. */
static void replay_direct(const char *strategy, const char *name, int vmm, uint64_t mem)
{
    const ab_strategy *st = ab_registry_find(strategy);
    T_REQUIRE(st != NULL);
    trace t = load_fixture(name);
    T_REQUIRE(t.recs != NULL || t.len == 0);
    ab_span spans[4];
    size_t ns = vmm ? ab_layout_vmm(mem, spans) : ab_layout_pmm(mem, spans);
    t_inst ti;
    T_REQUIRE(t_inst_open(&ti, st, spans, ns) == AB_OK);
    uint64_t *addr = calloc(t.ids + 1u, sizeof *addr), *len = calloc(t.ids + 1u, sizeof *len);
    T_REQUIRE(addr != NULL && len != NULL);
    size_t broken = 0;
    for (size_t i = 0; i < t.len; i++) {
        const ab_trace_rec *r = &t.recs[i];
        ab_status s;
        if (r->op == AB_TRACE_ALLOC) {
            s = t_alloc(&ti, r->npages, r->align, &addr[r->id]);
            len[r->id] = r->npages;
            if (s == AB_OK && r->align > 1)
                T_EXPECT(((addr[r->id] >> AB_PAGE_SHIFT) & (r->align - 1)) == 0,
                         "%s %s record %zu misaligned", strategy, name, i);
        } else {
            s = t_free(&ti, addr[r->id], len[r->id]);
            len[r->id] = 0;
        }
        T_EXPECT(s == AB_OK, "%s %s record %zu: %s", strategy, name, i, ab_status_name(s));
        broken += t_check(&ti);
    }
    T_EXPECT(broken == 0, "%s %s: check() broke %zu times", strategy, name, broken);
    ab_stats sts = t_stats(&ti);
    uint64_t live = 0;
    for (uint32_t d = 0; d < t.ids; d++)
        live += len[d];
    T_EXPECT(live == t.end_pages);
    T_EXPECT(sts.free_pages == sts.total_pages - live, "%s %s: free %llu, total %llu, live %llu",
             strategy, name, (unsigned long long)sts.free_pages,
             (unsigned long long)sts.total_pages, (unsigned long long)live);
    free(addr);
    free(len);
    t_inst_close(&ti);
    trace_free(&t);
}

/* Through the workload, as `allocbench run --workload trace:FILE` does. */
static void replay_workload(const char *strategy, const char *name, int vmm, uint64_t mem)
{
    const ab_strategy *st = ab_registry_find(strategy);
    T_REQUIRE(st != NULL);
    trace t = load_fixture(name);
    ab_span spans[4];
    size_t ns = vmm ? ab_layout_vmm(mem, spans) : ab_layout_pmm(mem, spans);
    t_inst ti;
    T_REQUIRE(t_inst_open(&ti, st, spans, ns) == AB_OK);
    ab_wl_params p;
    memset(&p, 0, sizeof p);
    p.kind = AB_WL_TRACE;
    p.seed = 1;
    p.trace = t.recs;
    p.trace_len = t.len;
    p.trace_ids = t.ids;
    ab_stats before = t_stats(&ti);
    size_t sl = ab_workload_scratch_bytes(&p, before.total_pages);
    void *scratch = malloc(sl ? sl : 8);
    ab_wl_result *r = calloc(1, sizeof *r);
    T_REQUIRE(scratch != NULL && r != NULL);
    ab_wl_outcome oc = ab_workload_run(st, ti.meta, &p, scratch, sl, r);
    T_EXPECT(oc == AB_WL_OK, "%s %s: %d %s", strategy, name, oc, r->msg);
    T_EXPECT(r->check_broken == 0 && t_check(&ti) == 0);
    T_EXPECT(r->op[AB_OP_ALLOC].failures == 0);
    T_EXPECT(r->op[AB_OP_ALLOC].hist.count == t.allocs, "%llu allocs timed, want %llu",
             (unsigned long long)r->op[AB_OP_ALLOC].hist.count, (unsigned long long)t.allocs);
    ab_stats after = t_stats(&ti);
    T_EXPECT(after.free_pages == after.total_pages);
    free(r);
    free(scratch);
    t_inst_close(&ti);
    trace_free(&t);
}

static void test_replay(void)
{
    static const char *const strategies[] = {"bitmap", "buddy"};
    for (int i = 0; i < 2; i++) {
        replay_direct(strategies[i], "frees_all.trace", 0, 64ull << 20);
        replay_direct(strategies[i], "basic.trace", 0, 64ull << 20);
        replay_direct(strategies[i], "pmm.ftrace.trace", 0, 64ull << 20);
        replay_direct(strategies[i], "pmm.perf.trace", 0, 64ull << 20);
        replay_direct(strategies[i], "vmm.strace.trace", 1, 1ull << 30);
        replay_workload(strategies[i], "frees_all.trace", 0, 64ull << 20);
        replay_workload(strategies[i], "basic.trace", 0, 64ull << 20);
        replay_workload(strategies[i], "vmm.strace.trace", 1, 1ull << 30);
        replay_workload(strategies[i], "empty.trace", 1, 1ull << 30);
    }
    trace t = load_fixture("frees_all.trace");
    T_EXPECT(t.peak_pages == 1056 && t.end_pages == 0);
    trace_free(&t);
}

/* ENOMEM in a replay is counted, and the CLI finds it in summary.csv. */
static void test_replay_enomem(void)
{
    const char *s = "a 1 8\na 2 8\nf 2\nf 1\na 3 1\n";
    char err[256];
    trace t;
    T_REQUIRE(trace_parse(s, strlen(s), "x", &t, err, sizeof err) == 0, "%s", err);
    const ab_strategy *st = ab_registry_find("bitmap");
    ab_span span = {1000, 12};
    t_inst ti;
    T_REQUIRE(t_inst_open(&ti, st, &span, 1) == AB_OK);
    ab_wl_params p;
    memset(&p, 0, sizeof p);
    p.kind = AB_WL_TRACE;
    p.trace = t.recs;
    p.trace_len = t.len;
    p.trace_ids = t.ids;
    size_t sb = ab_workload_scratch_bytes(&p, span.npages);
    uint64_t *scratch = calloc(1, sb + 8);
    ab_wl_result *r = calloc(1, sizeof *r);
    T_REQUIRE(r != NULL && scratch != NULL);
    ab_wl_outcome oc = ab_workload_run(st, ti.meta, &p, scratch, sb, r);
    T_EXPECT(oc == AB_WL_OK, "%s", r->msg);
    T_EXPECT(r->op[AB_OP_ALLOC].failures == 1);
    T_EXPECT(r->op[AB_OP_FREE].skipped == 1);
    free(scratch);
    free(r);
    t_inst_close(&ti);
    trace_free(&t);

    T_EXPECT(trace_csv_failures("env,op,failures,skipped\nhost,alloc,3,0\nhost,free,0,3\n") == 3);
    T_EXPECT(trace_csv_failures("env,failures\n") == 0);
    T_EXPECT(trace_csv_failures("") == 0);
}

/* Two processes with interleaved brk calls: each keeps its own break, so
   process 100's 33-page growth is one 33-page run (one shared break turned
   the gap between the two heaps into phantom growth). A CLONE_VM thread
   shares its process's runs; execve frees the old image's runs; ids stay
   unique across processes. */
static void test_two_process_brk(void)
{
    trace_import_stats s = import_stats(TRACE_SRC_STRACE, "two_brk.strace");
    T_EXPECT(s.processes == 2, "address spaces %llu", (unsigned long long)s.processes);
    T_EXPECT(s.exec_freed == 1, "exec_freed %llu", (unsigned long long)s.exec_freed);
    T_EXPECT(s.file_backed == 0 && s.unknown_free == 0 && s.replaced == 0);
    size_t len, out_len;
    char *text = read_fixture("two_brk.strace", &len), *out = NULL, err[256];
    T_REQUIRE(text != NULL);
    trace_import_stats st;
    T_REQUIRE(trace_import(TRACE_SRC_STRACE, text, len, "two_brk.strace", &out, &out_len, &st,
                           err, sizeof err) == 0);
    T_EXPECT(strstr(out, "\na 2 33\n") != NULL, "no 33-page run:\n%s", out);
    T_EXPECT(strstr(out, "\na 1 5\n") != NULL, "no 5-page run of process 200:\n%s", out);
    trace t;
    T_EXPECT(trace_parse(out, out_len, "two_brk", &t, err, sizeof err) == 0, "%s", err);
    T_EXPECT(t.ids == 6, "ids %u, want 6 distinct", t.ids);
    trace_free(&t);
    free(out);
    free(text);
}

/* A file with CR-only line ends (old Mac) replayed 0 operations and passed:
   CR, LF and CRLF all end a line. */
static void test_trace_cr_only(void)
{
    static const char cr[] = "# allocbench page trace v1\r# role: vmm\ra 1 2\ra 2 3\rf 1\r";
    static const char mixed[] = "# allocbench page trace v1\r\na 1 2\rf 1\n";
    trace t;
    char err[256] = "";
    T_EXPECT(trace_parse(cr, sizeof cr - 1, "cr", &t, err, sizeof err) == 0, "%s", err);
    T_EXPECT(t.allocs == 2 && t.frees == 1 && t.role == 1, "cr-only: %llu allocs %llu frees",
             (unsigned long long)t.allocs, (unsigned long long)t.frees);
    trace_free(&t);
    T_EXPECT(trace_parse(mixed, sizeof mixed - 1, "mixed", &t, err, sizeof err) == 0, "%s", err);
    T_EXPECT(t.allocs == 1 && t.frees == 1);
    trace_free(&t);
}

/* Errors echoed raw binary bytes: they are escaped as \xHH. */
static void test_trace_binary_echo(void)
{
    static const char bin[] = "a 1 \x01\xff\x1b[2J\n";
    trace t;
    char err[256] = "";
    T_EXPECT(trace_parse(bin, sizeof bin - 1, "bin", &t, err, sizeof err) == -1);
    T_EXPECT(strstr(err, "\\x01\\xff\\x1b[2J") != NULL, "not escaped: %s", err);
    for (const char *q = err; *q != '\0'; q++)
        T_EXPECT((unsigned char)*q >= 0x20 && (unsigned char)*q < 0x7f, "raw byte in '%s'", err);
}

/* trace:/dev/zero read without limit; a directory gave a confusing error. */
static void test_trace_not_regular(void)
{
    size_t len;
    char err[256] = "";
    T_EXPECT(trace_read_file("/dev/zero", &len, err, sizeof err) == NULL);
    T_EXPECT(strstr(err, "/dev/zero: a device or socket, not a regular file") != NULL, "%s", err);
    T_EXPECT(trace_read_file(AB_TRACE_DIR, &len, err, sizeof err) == NULL);
    T_EXPECT(strstr(err, "a directory, not a regular file") != NULL, "%s", err);
}

int main(void)
{
    T_RUN(test_fixtures_parse);
    T_RUN(test_basic_contents);
    T_RUN(test_parse_inline);
    T_RUN(test_importers);
    T_RUN(test_import_counts);
    T_RUN(test_two_process_brk);
    T_RUN(test_trace_cr_only);
    T_RUN(test_trace_binary_echo);
    T_RUN(test_trace_not_regular);
    T_RUN(test_replay);
    T_RUN(test_replay_enomem);
    return t_finish();
}
