/* host/lib: files (file.h). */
#define _GNU_SOURCE
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buffer.h"

char *host_read_stream(FILE *f, size_t max_bytes, size_t *len)
{
    hbuf b = {0};
    char buf[65536];
    size_t n;
    int big = 0;
    while (!big && (n = fread(buf, 1, sizeof buf, f)) > 0) {
        big = b.len + n > max_bytes;
        hbuf_write(&b, buf, n);
    }
    if (ferror(f) || big) {
        hbuf_free(&b);
        errno = big ? EFBIG : EIO;
        return NULL;
    }
    hbuf_write(&b, "", 1); /* the NUL, and a buffer even for an empty file */
    if (len != NULL)
        *len = b.len - 1;
    return b.p;
}

char *host_read_file_max(const char *path, size_t max_bytes, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *text = host_read_stream(f, max_bytes, len);
    int e = errno;
    fclose(f);
    errno = e;
    return text;
}

char *host_read_file(const char *path, size_t *len)
{
    return host_read_file_max(path, (size_t)-1 / 2, len);
}

/* fsync of the directory holding path, so a rename survives a crash. */
static int dir_sync(const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        slash[1] = '\0';
    else if (slash != NULL)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    /* Some file systems refuse fsync on a directory; the rename stands. */
    return rc != 0 && errno != EINVAL && errno != EROFS ? -1 : 0;
}

/* A target that is not a regular file (/dev/null, a FIFO, /dev/stdout) is
   written in place: renaming over it would replace a device with a file. */
static int write_in_place(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        off += (size_t)w;
    }
    return close(fd);
}

int host_write_atomic(const char *path, const char *data, size_t len)
{
    struct stat sb;
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode))
        return write_in_place(path, data, len);
    char tmp[4200];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    FILE *f = fopen(tmp, "wb");
    if (f == NULL)
        return -1;
    if ((len && fwrite(data, 1, len, f) != len) || fflush(f) != 0 || fsync(fileno(f)) != 0) {
        int e = errno;
        fclose(f);
        unlink(tmp);
        errno = e;
        return -1;
    }
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        return -1;
    }
    return dir_sync(path);
}

static void why_set(char *why, size_t why_len, const char *path, const char *what)
{
    if (why != NULL && why_len != 0)
        snprintf(why, why_len, "%s: %s", path, what);
}

/* 1 if path has a first line that differs from header, 0 if it matches or
   the file is new or empty (*fresh set). */
static int header_differs(const char *path, const char *header, int *fresh)
{
    *fresh = 1;
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    hbuf line = {0};
    int c;
    while ((c = getc(f)) != EOF && c != '\n') {
        char ch = (char)c;
        hbuf_write(&line, &ch, 1);
    }
    int empty = line.len == 0 && c == EOF;
    fclose(f);
    int differs = !empty && strcmp(line.p ? line.p : "", header) != 0;
    *fresh = empty;
    hbuf_free(&line);
    return differs;
}

int host_csv_header_ok(const char *path, const char *header)
{
    int fresh;
    return !header_differs(path, header, &fresh);
}

int host_append_csv(const char *path, const char *header, const char *rows, size_t len,
                    char *why, size_t why_len)
{
    int fresh;
    if (header != NULL && header_differs(path, header, &fresh)) {
        why_set(why, why_len, path, "its header differs from this run's");
        return 1;
    }
    if (header == NULL)
        fresh = 0;
    hbuf all = {0};
    if (fresh)
        hbuf_printf(&all, "%s\n", header);
    hbuf_write(&all, rows, len);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    if (fd < 0) {
        why_set(why, why_len, path, strerror(errno));
        hbuf_free(&all);
        return -1;
    }
    ssize_t w = write(fd, all.p, all.len);
    int ok = w == (ssize_t)all.len && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    hbuf_free(&all);
    if (!ok) {
        why_set(why, why_len, path, w < 0 ? strerror(errno) : "short write");
        return -1;
    }
    return 0;
}

int host_file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

int host_mkdirs(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

char *host_read_body(const char *path, size_t *len, char *hdr, size_t hdr_len)
{
    size_t all;
    char *text = host_read_file(path, &all);
    if (text == NULL)
        return NULL;
    const char *nl = memchr(text, '\n', all);
    size_t skip = nl != NULL ? (size_t)(nl - text) + 1 : all;
    if (hdr != NULL)
        snprintf(hdr, hdr_len, "%.*s", (int)(nl ? (size_t)(nl - text) : all), text);
    *len = all - skip;
    memmove(text, text + skip, *len + 1);
    return text;
}

void hbuf_append_file(hbuf *b, const char *path)
{
    size_t len;
    char *text = host_read_file(path, &len);
    if (text != NULL)
        hbuf_write(b, text, len);
    free(text);
}
