/*
 * allocbench host: the matrix's run folder: opening and locking it, removing
 * the temporaries (*.tmp.<pid>) a kill left, and joining the cells' files
 * into summary.csv, frag.csv, hist.csv, threads.csv and failures.csv, with
 * strategies.csv beside them.
 */
#define _GNU_SOURCE
#include "matrix_internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "allocbench/registry.h"
#include "baselines.h"
#include "kernel_run.h"
#include "threads.h"

/* Unlinks the temporaries (name.tmp.<pid>) a kill left in dir. */
void run_temps_remove(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    char path[4600];
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, ".tmp.") != NULL) {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
    closedir(d);
}

/* strategies.csv: every strategy the host knows, in registry order: its
 * capabilities (words: contig huge2m threadsafe hostonly), its colour slot
 * (the registry index) and group (base, front, baseline, floor). The report
 * takes names, caps and colours from here, so it keeps no list of its own. */
static int strategies_write(const char *dir)
{
    size_t n;
    const ab_strategy *const *all = host_registry(&n);
    hbuf b = {0};
    const char *hdr = "name,caps,colour_slot,group,max_npages,summary\n";
    hbuf_write(&b, hdr, strlen(hdr));
    for (size_t i = 0; i < n; i++) {
        const ab_strategy *st = all[i];
        const char *group = strcmp(st->name, "null") == 0 ? "floor"
                            : st->caps & AB_CAP_HOSTONLY  ? "baseline"
                            : strchr(st->name, '+')       ? "front"
                                                          : "base";
        char line[640], summary[256], caps[64];
        size_t k = 0;
        for (const char *q = st->summary; *q && k + 1 < sizeof summary; q++)
            summary[k++] = *q == ',' || *q == '"' ? ';' : *q;
        summary[k] = '\0';
        snprintf(caps, sizeof caps, "%s%s%s%s", st->caps & AB_CAP_CONTIG ? "contig " : "",
                 st->caps & AB_CAP_HUGE2M ? "huge2m " : "",
                 st->caps & AB_CAP_THREADSAFE ? "threadsafe " : "",
                 st->caps & AB_CAP_HOSTONLY ? "hostonly " : "");
        if (caps[0] != '\0')
            caps[strlen(caps) - 1] = '\0';
        int len = snprintf(line, sizeof line, "%s,%s,%zu,%s,%llu,%s\n", st->name, caps, i, group,
                           (unsigned long long)st->max_npages, summary);
        hbuf_write(&b, line, (size_t)len);
    }
    char path[4600];
    snprintf(path, sizeof path, "%s/strategies.csv", dir);
    int rc = host_write_atomic(path, b.p, b.len);
    hbuf_free(&b);
    return rc;
}

int run_join(const char *dir, const plan *p)
{
    hbuf S = {0}, F = {0}, X = {0}, H = {0}, T = {0};
    ab_out so = {hbuf_write, &S}, fo = {hbuf_write, &F}, ho = {hbuf_write, &H};
    ab_csv_summary_header(&so);
    ab_csv_frag_header(&fo);
    ab_csv_hist_header(&ho);
    hbuf_write(&T, THREADS_CSV_HEADER, strlen(THREADS_CSV_HEADER));
    int threads_rows = 0;
    hbuf_write(&X, AB_FAILURES_CSV_HEADER "\n", strlen(AB_FAILURES_CSV_HEADER) + 1);
    int failed = 0;
    char path[4600];
    for (size_t i = 0; i < p->n; i++) {
        const char *key = p->c[i].key;
        cell_path(path, sizeof path, dir, key, "summary");
        if (!host_file_exists(path))
            continue;
        hbuf_append_file(&S, path);
        cell_path(path, sizeof path, dir, key, "frag");
        hbuf_append_file(&F, path);
        cell_path(path, sizeof path, dir, key, "hist");
        hbuf_append_file(&H, path);
        cell_path(path, sizeof path, dir, key, "threads");
        if (host_file_exists(path)) {
            hbuf_append_file(&T, path);
            threads_rows = 1;
        }
        cell_path(path, sizeof path, dir, key, "failure");
        if (host_file_exists(path)) {
            hbuf_append_file(&X, path);
            failed++;
        }
    }
    int bad = 0;
    snprintf(path, sizeof path, "%s/frag.csv", dir);
    bad |= host_write_atomic(path, F.p, F.len);
    snprintf(path, sizeof path, "%s/hist.csv", dir);
    bad |= host_write_atomic(path, H.p, H.len);
    if (threads_rows) {
        snprintf(path, sizeof path, "%s/threads.csv", dir);
        bad |= host_write_atomic(path, T.p, T.len);
    }
    bad |= strategies_write(dir);
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    bad |= host_write_atomic(path, S.p, S.len);
    snprintf(path, sizeof path, "%s/failures.csv", dir);
    if (failed)
        bad |= host_write_atomic(path, X.p, X.len);
    else
        unlink(path);
    hbuf_free(&S);
    hbuf_free(&F);
    hbuf_free(&X);
    hbuf_free(&H);
    hbuf_free(&T);
    return bad ? -1 : failed;
}

/* Opens (creates) the run folder, locks it against a second runner and
 * removes what a kill left. 0, or -1 with a message. */
int run_open(char *dir, size_t len, const char *out, const char *cmd)
{
    if (out != NULL) {
        snprintf(dir, len, "%s", out);
        if (host_mkdirs(dir) != 0) {
            fprintf(stderr, "allocbench %s: --out: cannot create '%s'\n", cmd, dir);
            return -1;
        }
    } else if (host_default_run_dir(dir, len) != 0) {
        fprintf(stderr, "allocbench %s: cannot create results/<timestamp>\n", cmd);
        return -1;
    }
    char cells[4600];
    snprintf(cells, sizeof cells, "%s/cells", dir);
    if (host_mkdirs(cells) != 0) {
        fprintf(stderr, "allocbench %s: cannot create '%s'\n", cmd, cells);
        return -1;
    }
    /* The lock lives as long as the process: its descriptor is kept. */
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0) {
        fprintf(stderr, "allocbench %s: '%s' is in use by another allocbench process\n", cmd,
                dir);
        return -1;
    }
    run_temps_remove(dir);
    run_temps_remove(cells);
    return 0;
}
