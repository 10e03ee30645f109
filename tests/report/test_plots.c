/*
 * allocbench plot tests, one concern per mode:
 *
 *   test_plots report FIXTURE EXPECTED WORKDIR
 *       plots a copy of the fixture run; every figure named in EXPECTED
 *       (one stem a line) exists as PNG and SVG of the requested size, no
 *       other figure appears, report.md has a table row for every strategy
 *       of the fixture's summary.csv, report.html embeds every figure.
 *   test_plots malformed FIXTURE WORKDIR
 *       broken copies of the fixture (a short row, a bad number, a missing
 *       column, a cut-off file, a missing file, bad JSON; programs.csv and
 *       heapscale.csv broken the same ways) each fail with
 *       exit status 1, a message naming the file and line, and no report.
 *   test_plots scripts PLOTS_DIR
 *       no gnuplot script has a number outside comments, strings and names,
 *       except style.gp, which holds every style value.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plot.h"

#define WIDTH 800
#define HEIGHT 500
#define SIZE_ARG "800x500"

static int failures;

#define CHECK(cond, ...)                                                  \
    do {                                                                  \
        if (!(cond)) {                                                    \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);          \
            fprintf(stderr, __VA_ARGS__);                                 \
            fputc('\n', stderr);                                          \
            failures++;                                                   \
        }                                                                 \
    } while (0)

static char *file_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    while (buf != NULL) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        cap *= 2;
        char *nb = realloc(buf, cap + 1);
        if (nb == NULL)
            free(buf);
        buf = nb;
    }
    fclose(f);
    if (buf == NULL)
        return NULL;
    buf[n] = '\0';
    if (len != NULL)
        *len = n;
    return buf;
}

static int file_spit(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    size_t n = fwrite(data, 1, len, f);
    return (fclose(f) == 0 && n == len) ? 0 : -1;
}

static void path_join(char *out, size_t len, const char *a, const char *b)
{
    int n = snprintf(out, len, "%s/%s", a, b);
    if (n < 0 || (size_t)n >= len) {
        fprintf(stderr, "path too long: %s/%s\n", a, b);
        exit(2);
    }
}

/* Fresh copy of the fixture's regular files in dst (created). */
static int fixture_copy(const char *src, const char *dst)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dst, dst);
    if (system(cmd) != 0)
        return -1;
    DIR *d = opendir(src);
    if (d == NULL)
        return -1;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        char from[2048], to[2048];
        path_join(from, sizeof from, src, e->d_name);
        path_join(to, sizeof to, dst, e->d_name);
        struct stat st;
        if (stat(from, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        size_t len;
        char *data = file_slurp(from, &len);
        if (data == NULL || file_spit(to, data, len) != 0) {
            free(data);
            closedir(d);
            return -1;
        }
        free(data);
    }
    closedir(d);
    return 0;
}

/* Runs ab_plot_main on run with stderr captured into err (NUL-terminated). */
static int plot_run(const char *run, char *err, size_t errlen)
{
    char errpath[2048];
    snprintf(errpath, sizeof errpath, "%s.stderr", run);
    fflush(stderr);
    int saved = dup(2);
    int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 2);
    close(fd);
    char *argv[] = {"plot", (char *)run, "--size", SIZE_ARG, NULL};
    int rc = ab_plot_main(4, argv);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    char *text = file_slurp(errpath, NULL);
    snprintf(err, errlen, "%s", text != NULL ? text : "");
    free(text);
    return rc;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void png_check(const char *path)
{
    size_t len;
    unsigned char *d = (unsigned char *)file_slurp(path, &len);
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    CHECK(d != NULL, "%s: missing", path);
    if (d == NULL)
        return;
    CHECK(len > 33 && memcmp(d, sig, 8) == 0 && memcmp(d + 12, "IHDR", 4) == 0,
          "%s: not a PNG (no signature or IHDR)", path);
    if (len > 33) {
        uint32_t w = be32(d + 16), h = be32(d + 20);
        CHECK(w == WIDTH && h == HEIGHT, "%s: %ux%u, expected %dx%d", path, w, h, WIDTH,
              HEIGHT);
        /* The last chunk must be IEND: the file is whole. */
        CHECK(len >= 12 && memcmp(d + len - 8, "IEND", 4) == 0, "%s: no IEND chunk", path);
    }
    free(d);
}

static void svg_check(const char *path)
{
    char *d = file_slurp(path, NULL);
    CHECK(d != NULL, "%s: missing", path);
    if (d == NULL)
        return;
    char *svg = strstr(d, "<svg");
    CHECK(svg != NULL, "%s: no <svg element", path);
    if (svg != NULL) {
        char *end = strchr(svg, '>');
        char *w = strstr(svg, "width=\""), *h = strstr(svg, "height=\"");
        CHECK(w != NULL && h != NULL && w < end && h < end, "%s: <svg> lacks width/height",
              path);
        if (w != NULL && h != NULL) {
            int wv = atoi(w + 7), hv = atoi(h + 8);
            CHECK(wv == WIDTH && hv == HEIGHT, "%s: %dx%d, expected %dx%d", path, wv, hv,
                  WIDTH, HEIGHT);
        }
        CHECK(strstr(d, "</svg>") != NULL, "%s: no </svg>: the file is cut short", path);
    }
    free(d);
}

/* Strategies of a summary.csv, found by the header name "strategy". */
static size_t fixture_strategies(const char *summary, char names[][64], size_t max)
{
    char *text = file_slurp(summary, NULL);
    if (text == NULL)
        return 0;
    size_t n = 0;
    int col = -1;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        int k = 0;
        char *fs = NULL;
        for (char *f = strtok_r(line, ",", &fs); f != NULL; f = strtok_r(NULL, ",", &fs), k++) {
            if (col < 0 && strcmp(f, "strategy") == 0) {
                col = k;
                break;
            }
            if (col >= 0 && k == col) {
                size_t i = 0;
                while (i < n && strcmp(names[i], f) != 0)
                    i++;
                if (i == n && n < max)
                    snprintf(names[n++], 64, "%s", f);
                break;
            }
        }
    }
    free(text);
    return n;
}

static int test_report(const char *fixture, const char *expected, const char *work)
{
    char run[2048], err[8192];
    path_join(run, sizeof run, work, "run");
    CHECK(fixture_copy(fixture, run) == 0, "cannot copy %s to %s", fixture, run);
    int rc = plot_run(run, err, sizeof err);
    CHECK(rc == 0, "allocbench plot %s exited %d: %s", run, rc, err);
    if (rc != 0)
        return 1;

    char *list = file_slurp(expected, NULL);
    CHECK(list != NULL, "%s: cannot read", expected);
    if (list == NULL)
        return 1;
    size_t nexp = 0;
    char *save = NULL;
    for (char *stem = strtok_r(list, "\n", &save); stem != NULL;
         stem = strtok_r(NULL, "\n", &save)) {
        char path[4096];
        snprintf(path, sizeof path, "%s/plots/%s.png", run, stem);
        png_check(path);
        snprintf(path, sizeof path, "%s/plots/%s.svg", run, stem);
        svg_check(path);
        nexp++;
    }
    free(list);
    char plots[2048];
    path_join(plots, sizeof plots, run, "plots");
    DIR *d = opendir(plots);
    size_t npng = 0;
    for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) {
        size_t l = strlen(e->d_name);
        npng += l > 4 && strcmp(e->d_name + l - 4, ".png") == 0;
    }
    if (d != NULL)
        closedir(d);
    CHECK(npng == nexp, "%zu PNG figures, %s lists %zu: update it if a figure was added",
          npng, expected, nexp);

    char path[2048];
    path_join(path, sizeof path, run, "report.md");
    char *md = file_slurp(path, NULL);
    CHECK(md != NULL, "%s: missing", path);
    char names[32][64], summary[2048];
    path_join(summary, sizeof summary, fixture, "summary.csv");
    size_t ns = fixture_strategies(summary, names, 32);
    CHECK(ns >= 3, "%s: expected 3 or more strategies, found %zu", summary, ns);
    for (size_t k = 0; md != NULL && k < ns; k++) {
        char row[128];
        snprintf(row, sizeof row, "\n| %s |", names[k]);
        CHECK(strstr(md, row) != NULL, "report.md has no table row for strategy %s", names[k]);
    }
    CHECK(md == NULL || strstr(md, "## Verdict: which strategy when") != NULL,
          "report.md has no verdict section");
    CHECK(md == NULL || strstr(md, "kernel-tcg bulk alloc, fill 50 %, 64 MiB (TCG: relative "
                                   "only)") != NULL,
          "report.md has no kernel cell labelled relative-only although the fixture has "
          "kernel-tcg rows");
    /* programs.csv and heapscale.csv: the heap sections, a row per allocator. */
    CHECK(md == NULL || strstr(md, "## Heaps under real programs") != NULL,
          "report.md has no programs section although the fixture has programs.csv");
    CHECK(md == NULL || strstr(md, "### Which heap when") != NULL,
          "report.md has no 'Which heap when' lines");
    CHECK(md == NULL || strstr(md, "## Heap malloc time against live chunks") != NULL,
          "report.md has no heapscale section although the fixture has heapscale.csv");
    static const char *const allocs[] = {"freelist", "slab", "jemalloc", "glibc"};
    for (size_t k = 0; md != NULL && k < sizeof allocs / sizeof allocs[0]; k++) {
        char row[128];
        snprintf(row, sizeof row, "\n| %s | 5 |", allocs[k]);
        CHECK(strstr(md, row) != NULL, "report.md has no programs row for %s", allocs[k]);
    }
    CHECK(md == NULL || strstr(md, "failed: wrong output") != NULL,
          "report.md drops the fixture's failed programs row");
    free(md);
    path_join(path, sizeof path, run, "report.html");
    char *html = file_slurp(path, NULL);
    CHECK(html != NULL, "%s: missing", path);
    size_t imgs = 0;
    for (const char *p = html; p != NULL && (p = strstr(p, "<img src=\"plots/")) != NULL;
         p++)
        imgs++;
    /* Every figure once below the verdict, plus the summary's one per role. */
    CHECK(imgs >= nexp && imgs <= nexp + 4, "report.html links %zu images, expected %zu + "
          "up to 4", imgs, nexp);
    free(html);
    if (failures == 0)
        printf("ok: %zu figures (PNG+SVG, %dx%d), %zu strategies in report.md\n", nexp, WIDTH,
               HEIGHT, ns);
    return failures != 0;
}

/* Rewrites line `line` (1-based) of path: replaced by repl, or, with
   repl NULL, the file is cut in the middle of that line. */
static int line_edit(const char *path, size_t line, const char *repl)
{
    size_t len;
    char *text = file_slurp(path, &len);
    if (text == NULL)
        return -1;
    char *p = text;
    for (size_t k = 1; k < line && p != NULL; k++) {
        p = strchr(p, '\n');
        if (p != NULL)
            p++;
    }
    if (p == NULL) {
        free(text);
        return -1;
    }
    char *end = strchr(p, '\n');
    size_t head = (size_t)(p - text);
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        free(text);
        return -1;
    }
    fwrite(text, 1, head, f);
    if (repl == NULL) {
        fwrite(p, 1, (size_t)(end - p) / 2, f);
    } else {
        fputs(repl, f);
        fputs(end != NULL ? end : "", f);
    }
    fclose(f);
    free(text);
    return 0;
}

/* Line `line` of path with field `col` (0-based) replaced by value, or
   dropped when value is NULL. */
static char *line_field(const char *path, size_t line, int col, const char *value)
{
    char *text = file_slurp(path, NULL);
    if (text == NULL)
        return NULL;
    char *p = text;
    for (size_t k = 1; k < line && p != NULL; k++) {
        p = strchr(p, '\n');
        if (p != NULL)
            p++;
    }
    char *out = calloc(1, 8192);
    if (p == NULL || out == NULL) {
        free(text);
        free(out);
        return NULL;
    }
    char *end = strchr(p, '\n');
    if (end != NULL)
        *end = '\0';
    int k = 0, first = 1;
    for (char *f = p;; k++) {
        char *c = strchr(f, ',');
        if (c != NULL)
            *c = '\0';
        if (k != col || value != NULL) {
            if (!first)
                strcat(out, ",");
            strncat(out, k == col ? value : f, 8000 - strlen(out));
            first = 0;
        }
        if (c == NULL)
            break;
        f = c + 1;
    }
    free(text);
    return out;
}

typedef struct bad_case {
    const char *what;
    const char *file;    /* the file broken */
    size_t line;
    int col;             /* field to change, -1: whole-file edits */
    const char *value;   /* new field, NULL: drop the field */
    const char *expect;  /* substring of the error */
} bad_case;

static int test_malformed(const char *fixture, const char *work)
{
    static const bad_case cases[] = {
        {"short row", "summary.csv", 7, 3, NULL, "summary.csv:7: 32 fields, the header has 33"},
        {"bad number", "frag.csv", 12, 11, "abc", "frag.csv:12: column 'ext_frag': 'abc' is not a number"},
        {"ext_frag out of range", "frag.csv", 5, 11, "1.5", "frag.csv:5: column 'ext_frag' is 1.5"},
        {"NaN", "frag.csv", 6, 11, "nan", "frag.csv:6: column 'ext_frag': 'nan' is not a number"},
        {"infinity", "frag.csv", 7, 11, "inf", "frag.csv:7: column 'ext_frag': 'inf' is not a number"},
        {"missing column", "summary.csv", 1, 14, "p99_nanoseconds", "summary.csv:1: header lacks column 'p99_ns'"},
        {"ok row without percentiles", "summary.csv", 3, 14, "", "summary.csv:3: status ok with samples, but column 'p99_ns' is empty"},
        {"cut-off file", "summary.csv", 20, -1, NULL, "summary.csv:20: last line has no newline"},
        {"missing file", "frag.csv", 0, -1, NULL, "frag.csv: cannot open"},
        {"bad JSON", "meta.json", 3, -1, "  \"cores\" 2,", "meta.json: line 3"},
        {"programs.csv: bad number", "programs.csv", 3, 10, "abc", "programs.csv:3: column 'footprint_over_live': 'abc' is not a number"},
        {"programs.csv: ok row without time", "programs.csv", 2, 3, "", "programs.csv:2: status ok, but wall_median_s is empty"},
        {"programs.csv: short row", "programs.csv", 4, 5, NULL, "programs.csv:4: 12 fields, the header has 13"},
        {"heapscale.csv: no live chunks", "heapscale.csv", 2, 2, "0", "heapscale.csv:2: column 'live_chunks' must be a count"},
    };
    char run[2048], err[8192];
    path_join(run, sizeof run, work, "bad");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const bad_case *c = &cases[i];
        if (fixture_copy(fixture, run) != 0) {
            CHECK(0, "cannot copy the fixture to %s", run);
            return 1;
        }
        char path[4096];
        path_join(path, sizeof path, run, c->file);
        int ok;
        if (c->line == 0) {
            ok = remove(path) == 0;
        } else if (c->col < 0) {
            ok = line_edit(path, c->line, c->value) == 0;
        } else {
            char *l = line_field(path, c->line, c->col, c->value);
            ok = l != NULL && line_edit(path, c->line, l) == 0;
            free(l);
        }
        CHECK(ok, "%s: cannot break %s", c->what, path);
        int rc = plot_run(run, err, sizeof err);
        CHECK(rc == 1, "%s: exit status %d, expected 1", c->what, rc);
        CHECK(strstr(err, c->expect) != NULL, "%s: error lacks '%s'; it was: %s", c->what,
              c->expect, err);
        path_join(path, sizeof path, run, "report.md");
        CHECK(access(path, F_OK) != 0, "%s: report.md written from broken data", c->what);
        if (failures == 0)
            printf("ok: %s -> %s", c->what, err);
    }
    return failures != 0;
}

/* A number in a script: a digit outside comments, quoted strings and
   names (col_x2 is a name; 'p99' is a string). */
static int test_scripts(const char *dir)
{
    DIR *d = opendir(dir);
    CHECK(d != NULL, "%s: cannot open", dir);
    size_t files = 0;
    for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) {
        size_t l = strlen(e->d_name);
        /* style.gp is where every style number lives, by design. */
        if (l < 4 || strcmp(e->d_name + l - 3, ".gp") != 0 || strcmp(e->d_name, "style.gp") == 0)
            continue;
        char path[2048];
        path_join(path, sizeof path, dir, e->d_name);
        char *text = file_slurp(path, NULL);
        CHECK(text != NULL, "%s: cannot read", path);
        if (text == NULL)
            continue;
        files++;
        size_t line = 1;
        for (const char *p = text; *p != '\0'; p++) {
            if (*p == '\n') {
                line++;
            } else if (*p == '#') {
                while (p[1] != '\0' && p[1] != '\n')
                    p++;
            } else if (*p == '\'' || *p == '"') {
                char q = *p;
                while (p[1] != '\0' && p[1] != q && p[1] != '\n')
                    p++;
                if (p[1] == q)
                    p++;
            } else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_') {
                while ((p[1] >= 'a' && p[1] <= 'z') || (p[1] >= 'A' && p[1] <= 'Z') ||
                       (p[1] >= '0' && p[1] <= '9') || p[1] == '_')
                    p++;
            } else if (*p >= '0' && *p <= '9') {
                CHECK(0, "%s:%zu: a number typed into the script; pass it as a variable",
                      path, line);
                while (p[1] >= '0' && p[1] <= '9')
                    p++;
            }
        }
        free(text);
    }
    if (d != NULL)
        closedir(d);
    CHECK(files >= 5, "%s: only %zu gnuplot scripts", dir, files);
    if (failures == 0)
        printf("ok: %zu scripts, no number in any\n", files);
    return failures != 0;
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "report") == 0)
        return test_report(argv[2], argv[3], argv[4]);
    if (argc == 4 && strcmp(argv[1], "malformed") == 0)
        return test_malformed(argv[2], argv[3]);
    if (argc == 3 && strcmp(argv[1], "scripts") == 0)
        return test_scripts(argv[2]);
    fprintf(stderr, "usage: test_plots report FIXTURE EXPECTED WORKDIR | malformed FIXTURE "
                    "WORKDIR | scripts PLOTS_DIR\n");
    return 2;
}
