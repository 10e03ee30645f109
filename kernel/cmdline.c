/* Command-line parsing; see cmdline.h. */
#include "cmdline.h"

#include <stdbool.h>
#include <stddef.h>

#include "klibc.h"
#include "kprintf.h"

#define GIB (1024ull * 1024 * 1024)

static bool parse_u64(const char *s, uint64_t *out, bool allow_suffix)
{
    uint64_t v = 0;
    if (*s == '\0')
        return false;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    unsigned shift = 0;
    if (allow_suffix && *s != '\0') {
        switch (*s) {
        case 'k': case 'K': shift = 10; break;
        case 'm': case 'M': shift = 20; break;
        case 'g': case 'G': shift = 30; break;
        default: return false;
        }
        s++;
    }
    if (*s != '\0')
        return false;
    if (shift && v > (UINT64_MAX >> shift))
        return false;
    *out = v << shift;
    return true;
}

/* "0.9", "1", ".25" -> per-mille, at most 3 decimals, at most 1. */
static bool parse_fraction_pm(const char *s, uint32_t *out)
{
    uint32_t whole = 0, frac = 0, scale = 100;
    bool digits = false;
    for (; *s >= '0' && *s <= '9'; s++, digits = true)
        if ((whole = whole * 10 + (uint32_t)(*s - '0')) > 1)
            return false;
    if (*s == '.') {
        for (s++; *s >= '0' && *s <= '9'; s++, digits = true) {
            if (scale == 0)
                return false;
            frac += (uint32_t)(*s - '0') * scale;
            scale /= 10;
        }
    }
    if (*s != '\0' || !digits || whole * 1000 + frac > 1000)
        return false;
    *out = whole * 1000 + frac;
    return true;
}

static int bad(const char *key, const char *val, const char *why)
{
    kprintf("@@AB-ERROR: cmdline: %s=%s: %s\n", key, val, why);
    return -1;
}

/* Sets the one key; 0, or -1 with a message. */
static int key_set(kconfig *cfg, const char *key, const char *val)
{
    uint64_t n;
    if (kstreq(key, "pmm")) {
        cfg->pmm = val;
    } else if (kstreq(key, "vmm")) {
        cfg->vmm = val;
    } else if (kstreq(key, "workload")) {
        cfg->workload = val;
    } else if (kstreq(key, "mode")) {
        if (!kstreq(val, "kvm") && !kstreq(val, "tcg") && !kstreq(val, "icount"))
            return bad(key, val, "expected kvm, tcg or icount");
        cfg->mode = val;
    } else if (kstreq(key, "seed")) {
        if (!parse_u64(val, &cfg->seed, false))
            return bad(key, val, "expected a decimal number");
    } else if (kstreq(key, "mem")) {
        if (!parse_u64(val, &cfg->mem_label_bytes, true) || cfg->mem_label_bytes == 0)
            return bad(key, val, "expected a size such as 512M");
    } else if (kstreq(key, "mem-limit")) {
        if (!parse_u64(val, &n, true) || n < (8ull << 20) || n > 4 * GIB)
            return bad(key, val, "expected a size from 8M to 4G");
        cfg->mem_limit_bytes = n;
    } else if (kstreq(key, "window")) {
        if (!parse_u64(val, &n, true) || n < (4ull << 20) || n > (1020ull << 20) ||
            (n & 0xfff) != 0)
            return bad(key, val, "expected a size from 4M to 1020M, page-aligned");
        cfg->window_bytes = n;
    } else if (kstreq(key, "pages")) {
        if (!parse_u64(val, &cfg->pages, false) || cfg->pages == 0 || cfg->pages > (1u << 20))
            return bad(key, val, "expected 1 to 1048576");
    } else if (kstreq(key, "range")) {
        if (!parse_u64(val, &cfg->range_pages, false) || cfg->range_pages == 0 ||
            cfg->range_pages > 4096)
            return bad(key, val, "expected 1 to 4096");
    } else if (kstreq(key, "fill")) {
        if (!parse_fraction_pm(val, &cfg->fill_pm))
            return bad(key, val, "expected a fraction from 0 to 1, such as 0.9");
    } else if (kstreq(key, "role")) {
        if (!kstreq(val, "pmm") && !kstreq(val, "vmm"))
            return bad(key, val, "expected pmm or vmm");
        cfg->role = val;
    } else if (kstreq(key, "ops")) {
        if (!parse_u64(val, &cfg->ops, false))
            return bad(key, val, "expected a decimal number");
    } else if (kstreq(key, "heap")) {
        cfg->heap = val;
    } else if (kstreq(key, "live")) {
        if (!parse_u64(val, &cfg->live, false) || cfg->live == 0 || cfg->live > (1u << 20))
            return bad(key, val, "expected 1 to 1048576");
    } else {
        return bad(key, val, "unknown key (known: pmm vmm workload seed mode mem "
                             "mem-limit window pages range fill role ops heap live)");
    }
    return 0;
}

int cmdline_parse(char *line, kconfig *cfg)
{
    *cfg = (kconfig){
        .pmm = NULL, .vmm = NULL, .workload = NULL, .mode = "unknown",
        .seed = 1, .mem_label_bytes = 0, .mem_limit_bytes = 4 * GIB,
        .window_bytes = 256ull << 20, .pages = 2048, .range_pages = 64,
        .fill_pm = 0, .ops = 0, .role = "pmm", .heap = "slab", .live = 1000,
        .module = NULL, .module_len = 0,
    };
    char *p = line;
    bool first = true;
    while (*p != '\0') {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            break;
        char *word = p;
        while (*p != '\0' && *p != ' ' && *p != '\t')
            p++;
        if (*p != '\0')
            *p++ = '\0';
        char *eq = word;
        while (*eq != '\0' && *eq != '=')
            eq++;
        if (*eq == '\0') {
            if (first) { /* QEMU's -kernel path */
                first = false;
                continue;
            }
            kprintf("@@AB-ERROR: cmdline: '%s': expected key=value\n", word);
            return -1;
        }
        first = false;
        *eq = '\0';
        if (key_set(cfg, word, eq + 1) != 0)
            return -1;
    }
    if (cfg->pmm == NULL) {
        kprintf("@@AB-ERROR: cmdline: missing pmm=STRATEGY\n");
        return -1;
    }
    if (cfg->workload == NULL) {
        kprintf("@@AB-ERROR: cmdline: missing workload=NAME\n");
        return -1;
    }
    return 0;
}
