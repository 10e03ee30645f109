/* host/cli: rows into a run folder, added and never truncated (run_out.h). */
#define _GNU_SOURCE
#include "run_out.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"

/* Start and length of field k of the line at s (up to '\n' or NUL). */
static int field_span(const char *s, int k, size_t *at, size_t *len)
{
    size_t i = 0;
    for (int f = 0; f < k; f++) {
        while (s[i] != ',' && s[i] != '\n' && s[i] != '\0')
            i++;
        if (s[i] != ',')
            return -1;
        i++;
    }
    size_t j = i;
    while (s[j] != ',' && s[j] != '\n' && s[j] != '\0')
        j++;
    *at = i;
    *len = j - i;
    return 0;
}

static const char *next_line(const char *s)
{
    const char *nl = strchr(s, '\n');
    return nl != NULL ? nl + 1 : s + strlen(s);
}

/* True iff line a and line b agree on their first nkey fields. */
static bool same_key(const char *a, const char *b, int nkey)
{
    size_t ka, la, kb, lb;
    if (field_span(a, nkey - 1, &ka, &la) != 0 || field_span(b, nkey - 1, &kb, &lb) != 0)
        return false;
    return ka + la == kb + lb && memcmp(a, b, ka + la) == 0;
}

/* 1 + the largest rep in old_rows of a cell that new_rows has; 0 if none. */
static unsigned rep_next(const char *old_text, const char *new_text, const run_file *f)
{
    unsigned next = 0;
    const char *o = next_line(old_text);
    for (; *o != '\0'; o = next_line(o)) {
        for (const char *n = next_line(new_text); *n != '\0'; n = next_line(n)) {
            size_t at, len;
            if (!same_key(o, n, f->key_fields) || field_span(o, f->rep_field, &at, &len) != 0)
                continue;
            unsigned rep = (unsigned)strtoul(o + at, NULL, 10);
            if (rep + 1 > next)
                next = rep + 1;
            break;
        }
    }
    return next;
}

/* Rewrites the rep column of every row of f->text. */
static void rep_set(run_file *f, unsigned rep)
{
    hbuf out = {0};
    const char *s = f->text->p;
    const char *rows = next_line(s);
    hbuf_write(&out, s, (size_t)(rows - s));
    char num[16];
    int nlen = snprintf(num, sizeof num, "%u", rep);
    for (const char *r = rows; *r != '\0'; r = next_line(r)) {
        size_t at, len, end = (size_t)(next_line(r) - r);
        if (field_span(r, f->rep_field, &at, &len) != 0) {
            hbuf_write(&out, r, end);
            continue;
        }
        hbuf_write(&out, r, at);
        hbuf_write(&out, num, (size_t)nlen);
        hbuf_write(&out, r + at + len, end - at - len);
    }
    hbuf_free(f->text);
    *f->text = out;
}

static unsigned rep_find(const char *dir, const run_file *files, int nfiles)
{
    for (int i = 0; i < nfiles; i++) {
        if (files[i].rep_field < 0 || files[i].text->p == NULL)
            continue;
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, files[i].name);
        char *old = host_read_file(path, NULL);
        unsigned rep = old != NULL ? rep_next(old, files[i].text->p, &files[i]) : 0;
        free(old);
        return rep;
    }
    return 0;
}

/* The header line of f's text, malloc'd. */
static char *header_of(const run_file *f)
{
    const char *s = f->text->p ? f->text->p : "";
    const char *rows = next_line(s);
    return strndup(s, (size_t)(rows - s) - (rows > s && rows[-1] == '\n'));
}

static int file_commit(const char *cmd, const char *dir, const run_file *f, bool force)
{
    char path[4200], why[4400];
    snprintf(path, sizeof path, "%s/%s", dir, f->name);
    const char *rows = next_line(f->text->p ? f->text->p : "");
    char *header = header_of(f);
    int rc = host_append_csv(path, header, rows, strlen(rows), why, sizeof why);
    if (rc == 1 && force) {
        char old[4300];
        snprintf(old, sizeof old, "%s.old", path);
        rc = rename(path, old) == 0 ? host_append_csv(path, header, rows, strlen(rows), why,
                                                      sizeof why) : -1;
        if (rc == 0)
            fprintf(stderr, "allocbench %s: --force: %s had another header; kept as %s\n", cmd,
                    path, old);
    }
    free(header);
    if (rc == 1)
        fprintf(stderr, "allocbench %s: cannot add rows to %s: its header differs from this "
                "run's (another allocbench version?); use another --out, or --force to keep "
                "it as %s.old and start a new one\n", cmd, path, f->name);
    else if (rc != 0)
        fprintf(stderr, "allocbench %s: cannot write %s\n", cmd, why);
    return rc != 0;
}

int run_out_commit(const char *cmd, const char *dir, run_file *files, int nfiles, bool force)
{
    for (int i = 0; !force && i < nfiles; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, files[i].name);
        char *header = header_of(&files[i]);
        int ok = host_csv_header_ok(path, header);
        free(header);
        if (!ok)
            return file_commit(cmd, dir, &files[i], false); /* prints the refusal */
    }
    unsigned rep = rep_find(dir, files, nfiles);
    for (int i = 0; rep != 0 && i < nfiles; i++)
        if (files[i].rep_field >= 0 && files[i].text->p != NULL)
            rep_set(&files[i], rep);
    for (int i = 0; i < nfiles; i++)
        if (file_commit(cmd, dir, &files[i], force) != 0)
            return 1;
    return 0;
}
