/* allocbench list: the strategies, the baselines and the workloads. */
#include <stdio.h>

#include "allocbench/registry.h"
#include "baselines.h"
#include "cli.h"
#include "commands.h"
#include "host.h"

static const cli_spec spec = {
    "list", "",
    "Lists the registered strategies (name, capabilities, max pages per request, summary),\n"
    "then the host-only baselines (jemalloc, glibc; real memory, at most 4G) and whether\n"
    "they can run, and the workloads.\n",
    NULL, 0, NULL, false, 0};

static const char *caps_str(uint32_t caps, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s%s%s", caps & AB_CAP_CONTIG ? "contig " : "",
             caps & AB_CAP_HUGE2M ? "huge2m " : "", caps & AB_CAP_THREADSAFE ? "threadsafe " : "",
             caps & AB_CAP_HOSTONLY ? "hostonly " : "");
    return buf;
}

int cmd_list(int argc, char **argv)
{
    cli_parser p;
    const char *v;
    int k;
    cli_begin(&p, &spec, argc, argv);
    if ((k = cli_next(&p, &v)) != CLI_DONE)
        return cli_status(k);
    size_t n;
    const ab_strategy *const *all = host_registry(&n);
    printf("strategies:\n");
    for (size_t i = 0; i < n; i++) {
        char caps[64];
        const char *why = host_baseline_skip(all[i], 1);
        printf("  %-10s %-24s max_npages=%-6llu %s%s%s\n", all[i]->name,
               caps_str(all[i]->caps, caps, sizeof caps), (unsigned long long)all[i]->max_npages,
               all[i]->summary, why ? "; SKIPPED: " : "", why ? why : "");
    }
    printf("the tool's own malloc: %s\n", host_malloc_origin());
    printf("workloads:\n");
    for (unsigned w = 0; w < AB_WL_COUNT; w++)
        printf("  %-10s default fill %s%u.%u%%\n", ab_workload_name((ab_workload_kind)w),
               ab_workload_fixed_fill((ab_workload_kind)w) ? "(fixed) " : "",
               ab_workload_default_fill((ab_workload_kind)w) / 10,
               ab_workload_default_fill((ab_workload_kind)w) % 10);
    return 0;
}
