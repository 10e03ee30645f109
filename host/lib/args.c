/* host/lib: command-line values (args.h). */
#include "args.h"

#include <stdio.h>
#include <stdlib.h>

/* Leading decimal digits of s into *v; *end after them. NULL or why. */
static const char *digits(const char *s, uint64_t *v, const char **end)
{
    if (s == NULL || *s < '0' || *s > '9')
        return "is not a non-negative integer";
    uint64_t x = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        unsigned d = (unsigned)(*s - '0');
        if (x > (UINT64_MAX - d) / 10)
            return "is too large (at most 18446744073709551615)";
        x = x * 10 + d;
    }
    *v = x;
    *end = s;
    return NULL;
}

const char *args_u64(const char *s, uint64_t *out)
{
    uint64_t v;
    const char *end;
    const char *why = digits(s, &v, &end);
    if (why != NULL)
        return why;
    if (*end != '\0')
        return "is not a non-negative integer";
    *out = v;
    return NULL;
}

const char *args_u64_range(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    static _Thread_local char why[96];
    uint64_t v;
    const char *bad = args_u64(s, &v);
    if (bad == NULL && v >= lo && v <= hi) {
        *out = v;
        return NULL;
    }
    snprintf(why, sizeof why, "is not an integer from %llu to %llu", (unsigned long long)lo,
             (unsigned long long)hi);
    return why;
}

const char *args_size(const char *s, uint64_t *bytes)
{
    static const char not_size[] = "is not a size (e.g. 64M, 16G, 4096K)";
    uint64_t v;
    const char *end;
    if (digits(s, &v, &end) != NULL)
        return s != NULL && *s >= '0' && *s <= '9' ? "is too large" : not_size;
    unsigned shift = 0;
    switch (*end) {
    case '\0': break;
    case 'K': case 'k': shift = 10; end++; break;
    case 'M': case 'm': shift = 20; end++; break;
    case 'G': case 'g': shift = 30; end++; break;
    case 'T': case 't': shift = 40; end++; break;
    default: return not_size;
    }
    if (shift != 0 && *end == 'i')
        end++;
    if (*end == 'B' || *end == 'b')
        end++;
    if (*end != '\0' || v == 0)
        return not_size;
    if (v > (UINT64_MAX >> shift))
        return "is too large";
    *bytes = v << shift;
    return NULL;
}

const char *args_fraction(const char *s, double *v)
{
    static const char why[] = "is not a fraction in (0, 1] (e.g. 0.9 or 90%)";
    if (s == NULL || *s == '\0')
        return why;
    char *end;
    double x = strtod(s, &end);
    if (end == s)
        return why;
    if (*end == '%') {
        x /= 100.0;
        end++;
    }
    if (*end != '\0' || !(x > 0.0) || x > 1.0)
        return why;
    *v = x;
    return NULL;
}

const char *args_list(char *s, char **items, size_t max, size_t *n)
{
    *n = 0;
    for (char *p = s;;) {
        char *comma = p;
        while (*comma != '\0' && *comma != ',')
            comma++;
        if (comma == p)
            return "has an empty item";
        if (*n == max)
            return "has too many items";
        items[(*n)++] = p;
        if (*comma == '\0')
            return NULL;
        *comma = '\0';
        p = comma + 1;
    }
}

uint64_t host_parse_size(const char *s)
{
    uint64_t bytes;
    if (args_size(s, &bytes) != NULL || bytes % 4096 != 0 || bytes >= (1ull << 52))
        return 0;
    return bytes;
}

uint32_t host_parse_fill(const char *s)
{
    double v;
    if (args_fraction(s, &v) != NULL)
        return 0;
    uint32_t pm = (uint32_t)(v * 1000.0 + 0.5);
    return pm;
}

void host_format_size(uint64_t bytes, char *out, size_t out_len)
{
    static const char units[] = "KMGT";
    int u = -1;
    uint64_t v = bytes;
    while (u < 3 && v % 1024 == 0 && v >= 1024) {
        v /= 1024;
        u++;
    }
    if (u < 0)
        snprintf(out, out_len, "%llu", (unsigned long long)bytes);
    else
        snprintf(out, out_len, "%llu%c", (unsigned long long)v, units[u]);
}
