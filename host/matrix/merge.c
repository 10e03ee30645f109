/*
 * allocbench merge DIR... -o RUN: joins cell or run folders (made by
 * `allocbench cell`, `matrix`, `run`, on any machine) into one run folder.
 *
 * summary.csv, frag.csv, failures.csv, hist.csv and threads.csv are
 * concatenated in argument order under one header; a source whose header
 * differs is refused, by name. strategies.csv is the first source's (one
 * build writes the same list into every cell folder). meta.json is the
 * first source's, plus "merged_from": every source's meta.json, in order
 * (each machine's CPU, compiler, tsc_hz are kept).
 * gbench.json and memprobe.csv: the first one found; another source's is
 * kept as gbench-<n>.json, memprobe-<n>.csv (n = its position among the
 * sources, from 1).
 * RUN must not exist, be empty, or be a folder an earlier merge made (it
 * holds .allocbench-merge, written first): nothing else is ever overwritten.
 * Every file is written to a temporary name and renamed.
 *
 * Kill anywhere: a merge is redone whole (it is deterministic), so a killed
 * merge re-run with the same sources gives the bytes of one never killed.
 * The folder a kill left is its own: it holds the mark, or nothing but
 * temporaries (killed before the mark was renamed into place), which are
 * removed. SIGINT and SIGTERM stop it after the file being written is in
 * place, saying so; exit 128 + the signal.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#include "matrix.h"
#include "process.h"

#define MERGE_MARK ".allocbench-merge"

static const char merge_help[] =
    "usage: allocbench merge DIR... -o RUN\n"
    "\n"
    "Joins cell folders (allocbench cell) or run folders into the run folder RUN:\n"
    "summary.csv, frag.csv, failures.csv, hist.csv and threads.csv under one header\n"
    "each (a source with a different header is refused), meta.json with every\n"
    "source's meta.json in \"merged_from\", gbench.json, memprobe.csv and the first\n"
    "source's strategies.csv. RUN must not exist, be empty, or be an earlier\n"
    "merge's output (a merge that was killed or stopped too: run it again, it\n"
    "redoes the whole folder and gives the same bytes).\n"
    "  -o, --output RUN  the merged run folder\n"
    "  -h, --help        this text\n"
    "Exit status: 0 merged, 1 a source is unreadable or does not fit, 2 bad usage,\n"
    "130/143 stopped by SIGINT/SIGTERM (after the file being written was in place).\n";

/* The signal that asked the merge to stop: the handler's only state. */
static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
    stop_signal = sig;
}

static void signals_catch(void)
{
    hproc_on_stop(on_stop, 1);
}

/* "allocbench merge: <why>" and the help hint; exit status 2 (cli.h). */
static int merge_usage(const char *fmt, const char *arg)
{
    return cli_usage("merge", fmt, arg);
}

/* Appends path's rows (after its header) to out; the first file's header
 * is kept in hdr and every later one must equal it. 0, 1 (absent: skipped)
 * or -1 (header differs; message printed). */
static int csv_join(const char *path, const char *first_name, char **hdr, char *first_path,
                    size_t fp_len, hbuf *out)
{
    size_t len;
    char *t = host_read_file(path, &len);
    if (t == NULL)
        return 1;
    char *nl = strchr(t, '\n');
    size_t hl = nl ? (size_t)(nl - t) : len;
    if (*hdr == NULL) {
        *hdr = strndup(t, hl);
        snprintf(first_path, fp_len, "%s", path);
        hbuf_write(out, t, nl ? hl + 1 : hl);
        if (!nl)
            hbuf_write(out, "\n", 1);
    } else if (strlen(*hdr) != hl || strncmp(*hdr, t, hl) != 0) {
        fprintf(stderr, "allocbench merge: %s: its header differs from %s's (a different "
                        "schema: merge runs of the same allocbench version)\n", path,
                first_path);
        free(t);
        return -1;
    }
    (void)first_name;
    if (nl != NULL && nl[1] != '\0')
        hbuf_write(out, nl + 1, len - hl - 1);
    free(t);
    return 0;
}

static int is_dir(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* 1 iff dir holds nothing but temporaries (name.tmp.<pid>): empty, or what
   a merge killed before its mark was in place left. */
static int only_temps(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    int only = 1;
    for (struct dirent *e; only && (e = readdir(d)) != NULL;)
        only = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
               strstr(e->d_name, ".tmp.") != NULL;
    closedir(d);
    return only;
}

/* Reads the options and the sources (which may come after -o too) into
 * *run and src[0..*nsrc). Returns -1 to go on, or the exit status. */
static int merge_args(int argc, char **argv, const char **run, char **src, int *nsrc)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int ch;
    optind = 2;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "+o:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'o': *run = optarg; break;
        case 'h': fputs(merge_help, stdout); return 0;
        default:
            if (optopt == 'o')
                return merge_usage("%s needs a value", "-o");
            return merge_usage("unknown argument '%s'", argv[optind - 1]);
        }
    }
    for (int i = optind; i < argc; i++) {
        if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) && i + 1 < argc) {
            *run = argv[++i];
            continue;
        }
        if (argv[i][0] == '-')
            return merge_usage("unknown argument '%s'", argv[i]);
        src[(*nsrc)++] = argv[i];
    }
    if (*run == NULL)
        return merge_usage("%s is required", "-o RUN");
    if (*nsrc == 0)
        return merge_usage("%s", "no folder to merge (DIR...)");
    return -1;
}

/* 0 if every source is a cell or run folder and RUN may be written, else 1
 * with a message. */
static int merge_check(const char *run, char **src, int nsrc)
{
    char path[4600];
    for (int i = 0; i < nsrc; i++) {
        snprintf(path, sizeof path, "%s/summary.csv", src[i]);
        if (!host_file_exists(path)) {
            fprintf(stderr, "allocbench merge: %s: no summary.csv (not a cell or run folder)\n",
                    src[i]);
            return 1;
        }
    }
    snprintf(path, sizeof path, "%s/%s", run, MERGE_MARK);
    if (is_dir(run) || host_file_exists(run)) {
        if (!host_file_exists(path) && !(is_dir(run) && only_temps(run))) {
            fprintf(stderr, "allocbench merge: %s exists and no merge made it: refusing to "
                            "overwrite it (choose another -o)\n", run);
            return 1;
        }
    }
    return 0;
}

/* meta.json into meta: the first source's keys, and every source's meta.
 * Returns how many sources had one. */
static int meta_build(char **src, int nsrc, hbuf *meta)
{
    char path[4600];
    char *first_meta = NULL;
    hbuf all = {0};
    int nmeta = 0;
    for (int i = 0; i < nsrc; i++) {
        snprintf(path, sizeof path, "%s/meta.json", src[i]);
        size_t len;
        char *m = host_read_file(path, &len);
        if (m == NULL)
            continue;
        while (len > 0 && (m[len - 1] == '\n' || m[len - 1] == ' '))
            m[--len] = '\0';
        hbuf_write(&all, nmeta ? ",\n" : "\n", nmeta ? 2 : 1);
        hbuf_write(&all, m, len);
        nmeta++;
        if (first_meta == NULL)
            first_meta = m;
        else
            free(m);
    }
    char *close = first_meta ? strrchr(first_meta, '}') : NULL;
    if (close != NULL) {
        hbuf_write(meta, first_meta, (size_t)(close - first_meta));
        while (meta->len > 0 && (meta->p[meta->len - 1] == '\n' || meta->p[meta->len - 1] == ' '))
            meta->len--;
        hbuf_write(meta, ",\n", 2);
    } else {
        hbuf_write(meta, "{\n", 2);
    }
    char num[64];
    snprintf(num, sizeof num, "  \"merged_sources\": %d,\n", nsrc);
    hbuf_write(meta, num, strlen(num));
    hbuf_write(meta, "  \"merged_from\": [", 18);
    if (all.len)
        hbuf_write(meta, all.p, all.len);
    hbuf_write(meta, "]\n}\n", 4);
    free(first_meta);
    hbuf_free(&all);
    return nmeta;
}

/* merge_write's outcome when a signal stopped it (path: the last file in
 * place). */
#define MERGE_STOPPED 2

/* Copies the sources' STEM.EXT (gbench.json, memprobe.csv, strategies.csv)
 * into run: the first as it is named, another source's as STEM-<n>.EXT
 * unless first_only. 0, MERGE_STOPPED, or -1 with path the file that could
 * not be written. */
static int extra_copy(const char *run, char **src, int nsrc, const char *stem, const char *ext,
                      int first_only, char *path, size_t plen)
{
    int ngb = 0;
    for (int i = 0; i < nsrc && !(first_only && ngb > 0); i++) {
        snprintf(path, plen, "%s/%s.%s", src[i], stem, ext);
        size_t len;
        char *g = host_read_file(path, &len);
        if (g == NULL)
            continue;
        if (ngb++ == 0)
            snprintf(path, plen, "%s/%s.%s", run, stem, ext);
        else
            snprintf(path, plen, "%s/%s-%d.%s", run, stem, i + 1, ext);
        int bad = host_write_atomic(path, g, len);
        free(g);
        if (bad)
            return -1;
        if (stop_signal)
            return MERGE_STOPPED;
    }
    return 0;
}

/* The CSV files joined under one header each (absent ones are skipped). */
#define NMERGE 5
static const char *const merge_files[NMERGE] = {"summary.csv", "frag.csv", "failures.csv",
                                                "hist.csv", "threads.csv"};

/* Writes the joined files into run (created). 0, 1 with a message,
 * MERGE_STOPPED, or -1 with path the file that could not be written. */
static int merge_write(const char *run, char **src, int nsrc, hbuf *out, char **hdr, char *path,
                       size_t plen, int *nmeta)
{
    if (host_mkdirs(run) != 0) {
        fprintf(stderr, "allocbench merge: -o: cannot create '%s'\n", run);
        return 1;
    }
    run_temps_remove(run);
    snprintf(path, plen, "%s/%s", run, MERGE_MARK);
    if (host_write_atomic(path, "allocbench merge\n", 17) != 0)
        return -1;
    if (stop_signal)
        return MERGE_STOPPED;
    hbuf meta = {0};
    hbuf_write(&meta, "", 0);
    *nmeta = meta_build(src, nsrc, &meta);
    int bad = 0;
    for (int f = 0; f < NMERGE && !bad && !stop_signal; f++) {
        snprintf(path, plen, "%s/%s", run, merge_files[f]);
        if (hdr[f] == NULL)
            unlink(path);
        else
            bad = host_write_atomic(path, out[f].p, out[f].len) != 0;
    }
    if (!bad && !stop_signal) {
        snprintf(path, plen, "%s/meta.json", run);
        bad = host_write_atomic(path, meta.p, meta.len) != 0;
    }
    hbuf_free(&meta);
    if (bad)
        return -1;
    if (stop_signal)
        return MERGE_STOPPED;
    int rc = extra_copy(run, src, nsrc, "gbench", "json", 0, path, plen);
    if (rc == 0)
        rc = extra_copy(run, src, nsrc, "memprobe", "csv", 0, path, plen);
    return rc != 0 ? rc : extra_copy(run, src, nsrc, "strategies", "csv", 1, path, plen);
}

/* "allocbench merge: <signal>: stopped after FILE; run again: ..." */
static void stopped_say(int argc, char **argv, const char *last)
{
    hbuf cmd = {0};
    hbuf_write(&cmd, "allocbench", 10);
    for (int i = 1; i < argc; i++) {
        hbuf_write(&cmd, " ", 1);
        hbuf_sh_quote(&cmd, argv[i]);
    }
    hbuf_write(&cmd, "", 1);
    fprintf(stderr, "allocbench merge: %s: stopped after %s; resume with: %s\n",
            strsignal(stop_signal), last, cmd.p);
    hbuf_free(&cmd);
}

int merge_main(int argc, char **argv)
{
    const char *run = NULL;
    int nsrc = 0;
    char **src = calloc((size_t)argc, sizeof *src);
    if (src == NULL)
        return 1;
    int rc = merge_args(argc, argv, &run, src, &nsrc);
    if (rc >= 0 || (rc = merge_check(run, src, nsrc)) != 0) {
        free(src);
        return rc;
    }
    signals_catch();
    /* Join everything in memory first: a bad source leaves RUN as it was. */
    hbuf out[NMERGE] = {{0}};
    char *hdr[NMERGE] = {NULL};
    char first[NMERGE][4600], path[4600];
    for (int i = 0; i < nsrc && rc == 0; i++) {
        for (int f = 0; f < NMERGE; f++) {
            snprintf(path, sizeof path, "%s/%s", src[i], merge_files[f]);
            if (csv_join(path, merge_files[f], &hdr[f], first[f], sizeof first[f], &out[f]) < 0)
                rc = 1;
        }
    }
    int nmeta = 0;
    if (rc == 0)
        rc = merge_write(run, src, nsrc, out, hdr, path, sizeof path, &nmeta);
    if (rc < 0) {
        fprintf(stderr, "allocbench merge: cannot write %s\n", path);
        rc = 1;
    } else if (rc == MERGE_STOPPED) {
        stopped_say(argc, argv, path);
        rc = 128 + stop_signal;
    } else if (rc == 0 && stop_signal) {
        stopped_say(argc, argv, "the last file (the merge is complete)");
        rc = 128 + stop_signal;
    } else if (rc == 0) {
        fprintf(stderr, "allocbench merge: %d folder%s, %d meta.json, into %s\n", nsrc,
                nsrc == 1 ? "" : "s", nmeta, run);
        printf("results: %s\n", run);
    }
    for (int f = 0; f < NMERGE; f++) {
        hbuf_free(&out[f]);
        free(hdr[f]);
    }
    free(src);
    return rc;
}
