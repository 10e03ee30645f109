/* allocbench memprobe: one random load's latency per buffer size (memprobe.h). */
#include <stdio.h>

#include "cli.h"
#include "commands.h"
#include "host.h"
#include "memprobe.h"

enum { MP_OUT, MP_MAX };

static const cli_opt opts[] = {
    [MP_OUT] = {"out", 'o', "DIR", "run dir (default results/<UTC timestamp>, results/latest)"},
    [MP_MAX] = {"max", 0, "SIZE", "the largest buffer (default 256M; from 16K in powers of 2)"},
};

static const cli_spec spec = {
    "memprobe", "[options]",
    "Measures the latency of one random memory access for buffers of 16 KiB up to\n"
    "SIZE: a chase of dependent loads through the buffer's 64-byte lines in random\n"
    "order, 5 trials of 524,288 loads per size, the median and the range. The buffer\n"
    "is allocated as a strategy's metadata is, so it pays the same translation\n"
    "misses. Writes DIR/memprobe.csv; `allocbench matrix` writes it at the start of\n"
    "a run, and `report --check` prints it beside the targets that compare one\n"
    "strategy at two sizes (docs/verdict.md). An existing memprobe.csv is kept.\n",
    opts, CLI_NOPTS(opts), NULL, false, 0};

typedef struct mp_args {
    const char *out, *max_text;
    uint64_t max;
} mp_args;

static int mp_apply(void *ctx, int k, const char *v)
{
    mp_args *a = ctx;
    if (k == MP_OUT) {
        a->out = v;
        return 0;
    }
    a->max_text = v;
    return cli_mem("memprobe", "max", v, &a->max);
}

int cmd_memprobe(int argc, char **argv)
{
    mp_args a = {NULL, NULL, HOST_MEMPROBE_MAX};
    cli_parser p;
    int rc = cli_parse(&p, &spec, argc, argv, mp_apply, &a);
    if (rc >= 0)
        return rc;
    if (a.max < ((uint64_t)16 << 10))
        return cli_usage("memprobe", "--max: '%s' is below 16K", a.max_text);
    char dir[4096], err[512] = "";
    if ((rc = cli_run_dir("memprobe", a.out, dir, sizeof dir)) != 0)
        return rc;
    rc = host_memprobe_write(dir, a.max, err, sizeof err);
    if (rc == 1)
        fprintf(stderr, "allocbench memprobe: %s/memprobe.csv exists; it is kept (remove it to "
                        "measure again)\n", dir);
    else if (rc != 0)
        fprintf(stderr, "allocbench memprobe: %s\n", err);
    else
        fprintf(stderr, "allocbench memprobe: results in %s/memprobe.csv\n", dir);
    return rc != 0;
}
