/*
 * host/lib: files. Results are written whole (tmp + fsync + rename + fsync
 * of the directory) or appended as one write; readers get the whole file.
 */
#ifndef ALLOCBENCH_HOSTLIB_FILE_H
#define ALLOCBENCH_HOSTLIB_FILE_H

#include <stddef.h>
#include <stdio.h>

/* The whole file, NUL-terminated, in a malloc'd buffer (*len gets its size
   when len is not NULL); NULL if it cannot be read (errno set). */
char *host_read_file(const char *path, size_t *len);
/* A CSV file without its header line: everything after the first line, in
 * a malloc'ed buffer (NUL-terminated, *len bytes), or NULL if unreadable;
 * hdr (if not NULL) gets the first line. */
char *host_read_body(const char *path, size_t *len, char *hdr, size_t hdr_len);
/* Appends the whole file at path to the hbuf b (nothing if it cannot be
 * read). */
struct hbuf;
void hbuf_append_file(struct hbuf *b, const char *path);
/* The rest of an open stream (stdin too), the same way; f stays open. */
char *host_read_stream(FILE *f, size_t max_bytes, size_t *len);
/* The same, but NULL with errno = EFBIG if the file is over max_bytes. */
char *host_read_file_max(const char *path, size_t max_bytes, size_t *len);
/* Writes len bytes to path via path.tmp.<pid>, fsync, rename, fsync of the
   directory. 0, or -1 with errno set and path unchanged. A path that is a
   device or FIFO (-o /dev/null) is written in place, never replaced. */
int host_write_atomic(const char *path, const char *data, size_t len);
/*
 * Appends CSV rows (len bytes, no header) to path in one write + fsync.
 * A new or empty file gets header + "\n" first; an existing file's first
 * line must equal header. 0; 1 if the header differs (nothing written);
 * -1 if path cannot be written. why (may be NULL) gets the reason.
 */
int host_append_csv(const char *path, const char *header, const char *rows, size_t len,
                    char *why, size_t why_len);
/* 1 iff path is new, empty, or its first line equals header; else 0. */
int host_csv_header_ok(const char *path, const char *header);
/* True iff path exists. */
int host_file_exists(const char *path);
/* mkdir -p. 0 or -1 (errno set). */
int host_mkdirs(const char *path);

#endif
