/*
 * allocbench: the page trace text format and `allocbench import`. See
 * trace.h and docs/traces.md.
 *
 * Parsing is one pass over the lines, O(lines) expected: the file's IDs go
 * through an open-addressing hash table (linear probing, load <= 1/2) to
 * dense ids, which index the per-id state (live or not, pages, the line of
 * its last allocation). Memory: 24 bytes per record, 32 per distinct ID and
 * 4 per hash slot (2 to 4 slots per ID).
 */
#define _GNU_SOURCE
#include "trace.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"

static void oom(void)
{
    fprintf(stderr, "allocbench: out of memory\n");
    exit(1);
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL)
        oom();
    return q;
}

void trace_text_printf(trace_text *t, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        size_t room = t->cap - t->len;
        va_start(ap, fmt);
        int n = vsnprintf(t->p ? t->p + t->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0) {
            fprintf(stderr, "allocbench: bad format\n");
            exit(1);
        }
        if ((size_t)n < room) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = t->cap ? t->cap * 2 : 4096;
        while (cap < t->len + (size_t)n + 1)
            cap *= 2;
        t->p = xrealloc(t->p, cap);
        t->cap = cap;
    }
}

/* ---- file IDs -> dense ids ---- */

typedef struct id_ent {
    uint64_t key;
    uint64_t npages; /* while live */
    size_t line;     /* of the last allocation or free */
    int live;
} id_ent;

typedef struct id_map {
    uint32_t *slots; /* dense id + 1; 0 = empty */
    size_t cap;      /* power of two */
    id_ent *ents;
    size_t n, ents_cap;
} id_map;

static size_t id_hash(uint64_t key, size_t cap)
{
    key ^= key >> 31;
    key *= 0x9e3779b97f4a7c15ull;
    key ^= key >> 29;
    return (size_t)key & (cap - 1);
}

static void id_map_grow(id_map *m)
{
    size_t cap = m->cap ? m->cap * 2 : 1024;
    uint32_t *slots = calloc(cap, sizeof *slots);
    if (slots == NULL)
        oom();
    for (size_t d = 0; d < m->n; d++) {
        size_t h = id_hash(m->ents[d].key, cap);
        while (slots[h] != 0)
            h = (h + 1) & (cap - 1);
        slots[h] = (uint32_t)(d + 1);
    }
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
}

/* The dense id of key, created if new; -1 if 2^32 - 1 ids exist already. */
static int64_t id_map_get(id_map *m, uint64_t key)
{
    if (2 * (m->n + 1) > m->cap)
        id_map_grow(m);
    size_t h = id_hash(key, m->cap);
    while (m->slots[h] != 0) {
        uint32_t d = m->slots[h] - 1;
        if (m->ents[d].key == key)
            return d;
        h = (h + 1) & (m->cap - 1);
    }
    if (m->n >= UINT32_MAX - 1u)
        return -1;
    if (m->n == m->ents_cap) {
        m->ents_cap = m->ents_cap ? m->ents_cap * 2 : 1024;
        m->ents = xrealloc(m->ents, m->ents_cap * sizeof *m->ents);
    }
    id_ent *e = &m->ents[m->n];
    memset(e, 0, sizeof *e);
    e->key = key;
    m->slots[h] = (uint32_t)(m->n + 1);
    return (int64_t)m->n++;
}

static void id_map_free(id_map *m)
{
    free(m->slots);
    free(m->ents);
}

/* ---- the parser ---- */

typedef struct cursor {
    const char *p, *e;
} cursor;

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static void skip_blank(cursor *c)
{
    while (c->p < c->e && is_blank(*c->p))
        c->p++;
}

/* The next whitespace-separated token; length 0 at the end of the line. */
static size_t token(cursor *c, const char **tok)
{
    skip_blank(c);
    *tok = c->p;
    while (c->p < c->e && !is_blank(*c->p))
        c->p++;
    return (size_t)(c->p - *tok);
}

static int fail(char *err, size_t err_len, const char *name, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int fail(char *err, size_t err_len, const char *name, size_t line, const char *fmt, ...)
{
    char raw[256], why[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    trace_escape(why, sizeof why, raw);
    if (line)
        snprintf(err, err_len, "%s:%zu: %s", name, line, why);
    else
        snprintf(err, err_len, "%s: %s", name, why);
    return -1;
}

/* Decimal digits only. 0 ok, -1 not a number, -2 too large. */
static int parse_dec(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (n == 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10u)
            return -2;
        v = v * 10u + d;
    }
    *out = v;
    return 0;
}

/* A field of line `line`; on error fills err (what names the field). */
static int field_u64(const char *tok, size_t n, const char *what, uint64_t *out,
                     char *err, size_t err_len, const char *name, size_t line)
{
    if (n == 0)
        return fail(err, err_len, name, line, "missing %s", what);
    int rc = parse_dec(tok, n, out);
    if (rc == -1)
        return fail(err, err_len, name, line, "%s '%.*s' is not a non-negative decimal integer",
                    what, (int)(n > 40 ? 40 : n), tok);
    if (rc == -2)
        return fail(err, err_len, name, line, "%s '%.*s' is too large", what,
                    (int)(n > 40 ? 40 : n), tok);
    return 0;
}

/* A comment line: the version header and the role are read, others ignored. */
static int parse_comment(cursor *c, trace *t, char *err, size_t err_len, const char *name,
                         size_t line)
{
    static const char ver[] = "# allocbench page trace v";
    static const char role[] = "# role:";
    size_t n = (size_t)(c->e - c->p);
    if (n >= sizeof ver - 1 && !memcmp(c->p, ver, sizeof ver - 1)) {
        cursor v = {c->p + sizeof ver - 1, c->e};
        const char *tok;
        size_t tn = token(&v, &tok);
        if (tn != 1 || tok[0] != '1')
            return fail(err, err_len, name, line, "unsupported trace version 'v%.*s' (this reads v1)",
                        (int)(tn > 20 ? 20 : tn), tok);
    } else if (n >= sizeof role - 1 && !memcmp(c->p, role, sizeof role - 1)) {
        cursor v = {c->p + sizeof role - 1, c->e};
        const char *tok;
        size_t tn = token(&v, &tok);
        int r = tn == 3 && !memcmp(tok, "pmm", 3) ? 0 : tn == 3 && !memcmp(tok, "vmm", 3) ? 1 : -1;
        if (r < 0)
            return fail(err, err_len, name, line, "role '%.*s' is not pmm or vmm",
                        (int)(tn > 20 ? 20 : tn), tok);
        if (t->role >= 0 && t->role != r)
            return fail(err, err_len, name, line, "role '%s' contradicts the earlier '# role: %s'",
                        r ? "vmm" : "pmm", t->role ? "vmm" : "pmm");
        t->role = r;
    }
    return 0;
}

void trace_escape(char *dst, size_t dst_len, const char *src)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;
    for (; *src != '\0' && n + 5 < dst_len; src++) {
        unsigned char ch = (unsigned char)*src;
        if (ch >= 0x20 && ch < 0x7f) {
            dst[n++] = (char)ch;
        } else {
            dst[n++] = '\\';
            dst[n++] = 'x';
            dst[n++] = hex[ch >> 4];
            dst[n++] = hex[ch & 15];
        }
    }
    if (dst_len > 0)
        dst[n < dst_len ? n : dst_len - 1] = '\0';
}

const char *trace_next_line(const char *p, const char *end, const char **line_end)
{
    const char *q = p;
    while (q < end && *q != '\n' && *q != '\r')
        q++;
    *line_end = q;
    if (q == end)
        return end;
    if (*q == '\r' && q + 1 < end && q[1] == '\n')
        return q + 2;
    return q + 1;
}

/* One op line: "a ID NPAGES [ALIGN]" or "f ID". */
typedef struct op_line {
    int is_alloc;
    uint64_t key, npages, align;
} op_line;

/* NPAGES [ALIGN] of an alloc op. 0, or nonzero after fail(). */
static int parse_alloc_fields(cursor *c, op_line *o, char *err, size_t err_len,
                              const char *name, size_t line)
{
    const char *tok;
    size_t tn = token(c, &tok);
    int rc = field_u64(tok, tn, "NPAGES", &o->npages, err, err_len, name, line);
    if (rc != 0)
        return rc;
    if (o->npages == 0)
        return fail(err, err_len, name, line, "NPAGES is 0");
    if (o->npages > TRACE_MAX_NPAGES)
        return fail(err, err_len, name, line, "NPAGES %llu is above the replay limit %llu",
                    (unsigned long long)o->npages, (unsigned long long)TRACE_MAX_NPAGES);
    tn = token(c, &tok);
    if (tn == 0)
        return 0;
    if ((rc = field_u64(tok, tn, "ALIGN", &o->align, err, err_len, name, line)) != 0)
        return rc;
    if (o->align == 0 || (o->align & (o->align - 1)) != 0)
        return fail(err, err_len, name, line, "ALIGN %llu is not a power of two",
                    (unsigned long long)o->align);
    return 0;
}

/* Parses the op at c into *o. 0, or nonzero after fail(). */
static int parse_op(cursor *c, op_line *o, char *err, size_t err_len, const char *name,
                    size_t line)
{
    const char *tok;
    size_t tn = token(c, &tok);
    o->is_alloc = tn == 1 && tok[0] == 'a';
    o->npages = o->align = 0;
    if (!o->is_alloc && !(tn == 1 && tok[0] == 'f'))
        return fail(err, err_len, name, line,
                    "unknown op '%.*s' (want 'a ID NPAGES [ALIGN]' or 'f ID')",
                    (int)(tn > 20 ? 20 : tn), tok);
    if (memchr(c->p, '#', (size_t)(c->e - c->p)) != NULL)
        return fail(err, err_len, name, line, "'#' after an op: a comment takes a whole line");
    tn = token(c, &tok);
    int rc = field_u64(tok, tn, "ID", &o->key, err, err_len, name, line);
    if (rc == 0 && o->is_alloc)
        rc = parse_alloc_fields(c, o, err, err_len, name, line);
    if (rc != 0)
        return rc;
    tn = token(c, &tok);
    if (tn != 0)
        return fail(err, err_len, name, line, "trailing text '%.*s'", (int)(tn > 40 ? 40 : tn),
                    tok);
    return 0;
}

/* The parse in progress: the trace, its ids, its records' capacity. */
typedef struct parse_state {
    trace t;
    id_map m;
    size_t cap;
    uint64_t live_pages;
} parse_state;

/* Checks op o against the ids' states and appends its record. 0, or
   nonzero after fail(). */
static int apply_op(parse_state *ps, const op_line *o, char *err, size_t err_len,
                    const char *name, size_t line)
{
    int64_t d = id_map_get(&ps->m, o->key);
    if (d < 0)
        return fail(err, err_len, name, line, "more than 2^32 - 2 distinct IDs");
    id_ent *e = &ps->m.ents[d];
    unsigned long long key = (unsigned long long)o->key;
    if (o->is_alloc && e->live)
        return fail(err, err_len, name, line, "ID %llu is still live (allocated at line %zu)",
                    key, e->line);
    if (!o->is_alloc && !e->live && e->line == 0)
        return fail(err, err_len, name, line, "free of ID %llu, which was never allocated", key);
    if (!o->is_alloc && !e->live)
        return fail(err, err_len, name, line, "free of ID %llu, already freed at line %zu", key,
                    e->line);
    if (o->is_alloc) {
        e->npages = o->npages;
        ps->live_pages += o->npages;
        if (ps->live_pages > ps->t.peak_pages)
            ps->t.peak_pages = ps->live_pages;
        ps->t.allocs++;
    } else {
        ps->live_pages -= e->npages;
        ps->t.frees++;
    }
    e->live = o->is_alloc;
    e->line = line;
    if (ps->t.len == ps->cap) {
        ps->cap = ps->cap ? ps->cap * 2 : 1024;
        ps->t.recs = xrealloc(ps->t.recs, ps->cap * sizeof *ps->t.recs);
    }
    ab_trace_rec *r = &ps->t.recs[ps->t.len++];
    r->op = o->is_alloc ? AB_TRACE_ALLOC : AB_TRACE_FREE;
    r->id = (uint32_t)d;
    r->npages = o->npages;
    r->align = o->align;
    return 0;
}

int trace_parse(const char *text, size_t len, const char *name, trace *out, char *err,
                size_t err_len)
{
    parse_state ps;
    memset(&ps, 0, sizeof ps);
    ps.t.role = -1;
    int rc = 0;
    const char *p = text, *end = text + len;
    for (size_t line = 1; p < end && rc == 0; line++) {
        cursor c = {p, p};
        p = trace_next_line(p, end, &c.e);
        skip_blank(&c);
        if (c.p == c.e)
            continue;
        if (*c.p == '#') {
            rc = parse_comment(&c, &ps.t, err, err_len, name, line);
            continue;
        }
        op_line o;
        rc = parse_op(&c, &o, err, err_len, name, line);
        if (rc == 0)
            rc = apply_op(&ps, &o, err, err_len, name, line);
    }
    ps.t.ids = (uint32_t)ps.m.n;
    ps.t.end_pages = ps.live_pages;
    id_map_free(&ps.m);
    if (rc != 0) {
        free(ps.t.recs);
        memset(out, 0, sizeof *out);
        out->role = -1;
        return -1;
    }
    *out = ps.t;
    return 0;
}

char *trace_read_file(const char *path, size_t *len, char *err, size_t err_len)
{
    int is_stdin = !strcmp(path, "-");
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, err_len, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && !S_ISREG(sb.st_mode) && !S_ISFIFO(sb.st_mode) &&
        !(is_stdin && S_ISCHR(sb.st_mode))) {
        snprintf(err, err_len, "%s: %s, not a regular file", path,
                 S_ISDIR(sb.st_mode) ? "a directory" : "a device or socket");
        if (!is_stdin)
            fclose(f);
        return NULL;
    }
    char *buf = host_read_stream(f, (size_t)TRACE_MAX_FILE_BYTES, len);
    int saved = errno;
    if (f != NULL && !is_stdin)
        fclose(f);
    if (buf == NULL && saved == EFBIG)
        snprintf(err, err_len, "%s: larger than %llu MiB, the most a trace may hold", path,
                 (unsigned long long)(TRACE_MAX_FILE_BYTES >> 20));
    else if (buf == NULL)
        snprintf(err, err_len, "%s: %s", path, strerror(saved));
    return buf;
}

int trace_load(const char *path, trace *out, char *err, size_t err_len)
{
    size_t len;
    char *text = trace_read_file(path, &len, err, err_len);
    if (text == NULL) {
        memset(out, 0, sizeof *out);
        out->role = -1;
        return -1;
    }
    int rc = trace_parse(text, len, path, out, err, err_len);
    free(text);
    return rc;
}

void trace_free(trace *t)
{
    free(t->recs);
    t->recs = NULL;
    t->len = 0;
}

/* ---- summary.csv ---- */

/* Field k (0-based) of a comma-separated line [s, e), as [*fs, *fe). */
static int csv_field(const char *s, const char *e, size_t k, const char **fs, const char **fe)
{
    for (size_t i = 0; i < k; i++) {
        const char *comma = memchr(s, ',', (size_t)(e - s));
        if (comma == NULL)
            return 0;
        s = comma + 1;
    }
    const char *comma = memchr(s, ',', (size_t)(e - s));
    *fs = s;
    *fe = comma ? comma : e;
    return 1;
}

uint64_t trace_csv_failures(const char *csv)
{
    if (csv == NULL)
        return 0;
    const char *nl = strchr(csv, '\n');
    if (nl == NULL)
        return 0;
    size_t col = 0;
    const char *fs, *fe;
    while (csv_field(csv, nl, col, &fs, &fe) && !(fe - fs == 8 && !memcmp(fs, "failures", 8)))
        col++;
    if (!csv_field(csv, nl, col, &fs, &fe))
        return 0;
    uint64_t sum = 0;
    for (const char *p = nl + 1; *p != '\0';) {
        const char *e = strchr(p, '\n');
        if (e == NULL)
            e = p + strlen(p);
        uint64_t v;
        if (csv_field(p, e, col, &fs, &fe) && parse_dec(fs, (size_t)(fe - fs), &v) == 0)
            sum += v;
        p = *e ? e + 1 : e;
    }
    return sum;
}
