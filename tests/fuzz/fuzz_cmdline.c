/*
 * libFuzzer harness: the kernel's command-line parser (kernel/cmdline.c),
 * built for the host. The input is the command line QEMU's -append passes.
 * A successful parse must name a strategy and a workload, and every string
 * it returns must point into the line it was given.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "klibc.h"

/* The kernel's helpers, as the host provides them. */
int kstreq(const char *a, const char *b) { return strcmp(a, b) == 0; }

void kprintf(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
}

/* A value from the line, or one of the parser's own defaults. */
static int inside(const char *s, const char *line, size_t len)
{
    return s == NULL || (s >= line && s <= line + len) || !strcmp(s, "pmm") ||
           !strcmp(s, "slab") || !strcmp(s, "unknown");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char line[CMDLINE_MAX + 1];
    size_t len = size < CMDLINE_MAX ? size : CMDLINE_MAX;
    memcpy(line, data, len);
    line[len] = '\0';
    kconfig cfg;
    memset(&cfg, 0, sizeof cfg);
    if (cmdline_parse(line, &cfg) != 0)
        return 0;
    if (cfg.pmm == NULL || cfg.workload == NULL)
        abort();
    if (!inside(cfg.pmm, line, len) || !inside(cfg.vmm, line, len) ||
        !inside(cfg.workload, line, len) || !inside(cfg.role, line, len) ||
        !inside(cfg.heap, line, len) || !inside(cfg.mode, line, len))
        abort();
    return 0;
}
