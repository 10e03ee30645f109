/* allocbench import KIND IN [-o OUT]: strace, ftrace or perf output turned
   into a page trace by host/traces/ (trace_import). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "file.h"
#include "trace.h"

static const cli_opt opts[] = {
    {"out", 'o', "OUT", "the page trace (default stdout); written to a temporary name,\n"
                        "then renamed"},
};

static const cli_spec spec = {
    "import", "strace|ftrace|perf IN [-o OUT]",
    "Translates IN (- for stdin) into an allocbench page trace (docs/traces.md) on\n"
    "stdout or in OUT. A summary of what was translated and skipped goes to stderr.\n"
    "  strace   output of strace -f -e trace=mmap,munmap,mremap,brk (VMM role):\n"
    "           anonymous mappings and brk growth become runs; file-backed ones are\n"
    "           ignored; a partial munmap frees the run and allocates what remains\n"
    "  ftrace   mm_page_alloc / mm_page_free(_batched) events from the ftrace trace\n"
    "           or trace_pipe file (PMM role): 2^order pages, ID = pfn\n"
    "  perf     the same events as printed by perf script\n"
    "A line naming a traced call or event that does not parse is an error (FILE:LINE).\n",
    opts, CLI_NOPTS(opts), NULL, false, 2};

static int opt_out(void *ctx, int k, const char *v)
{
    (void)k;
    *(const char **)ctx = v;
    return 0;
}

/* Translates in and writes the trace; the exit status. */
static int import_run(trace_src src, const char *kind, const char *in, const char *out)
{
    char err[512], sum[512];
    size_t len, out_len;
    char *text = trace_read_file(in, &len, err, sizeof err), *res = NULL;
    trace_import_stats st;
    int rc = text != NULL ? trace_import(src, text, len, in, &res, &out_len, &st, err, sizeof err)
                          : -1;
    free(text);
    if (rc != 0) {
        fprintf(stderr, "allocbench import: %s\n", err);
        return 1;
    }
    trace_import_report(&st, sum, sizeof sum);
    if (out == NULL) {
        fwrite(res, 1, out_len, stdout);
    } else if (host_write_atomic(out, res, out_len) != 0) {
        fprintf(stderr, "allocbench import: cannot write '%s': %s\n", out, strerror(errno));
        free(res);
        return 1;
    }
    free(res);
    fprintf(stderr, "allocbench import %s: %s\n", kind, sum);
    return 0;
}

int cmd_import(int argc, char **argv)
{
    const char *out = NULL;
    cli_parser p;
    int rc = cli_parse(&p, &spec, argc, argv, opt_out, &out);
    if (rc >= 0)
        return rc;
    const char *kind = p.optind < argc ? argv[p.optind] : NULL;
    const char *in = p.optind + 1 < argc ? argv[p.optind + 1] : NULL;
    if (kind == NULL)
        return cli_usage("import", "%s", "which input: strace, ftrace or perf?");
    trace_src src;
    if (!strcmp(kind, "strace"))
        src = TRACE_SRC_STRACE;
    else if (!strcmp(kind, "ftrace") || !strcmp(kind, "perf"))
        src = TRACE_SRC_FTRACE;
    else
        return cli_usage("import", "unknown input kind '%s' (want strace, ftrace or perf)", kind);
    if (in == NULL)
        return cli_usage("import", "%s", "IN is required (a file, or - for stdin)");
    return import_run(src, kind, in, out);
}
