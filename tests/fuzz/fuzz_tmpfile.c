/* Scratch files for the libFuzzer harnesses (fuzz_tmpfile.h). Process state:
   one file and one folder at most, removed by atexit. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_tmpfile.h"

static char scratch_file[64], scratch_dir[64];

static void fz_die(const char *name, const char *what, const char *path)
{
    fprintf(stderr, "%s: %s%s\n", name, what, path);
    abort();
}

static void file_remove(void)
{
    unlink(scratch_file);
}

static void dir_remove(void)
{
    DIR *d = opendir(scratch_dir);
    if (d != NULL) {
        char p[sizeof scratch_dir + 256 + 2];
        for (struct dirent *e = readdir(d); e != NULL; e = readdir(d))
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
                snprintf(p, sizeof p, "%s/%s", scratch_dir, e->d_name);
                unlink(p);
            }
        closedir(d);
    }
    rmdir(scratch_dir);
}

/* Makes out from "<root>/<name>.XXXXXX" under /dev/shm, else /tmp. */
static const char *scratch_make(char *out, size_t len, const char *name, int dir)
{
    if (out[0] != '\0')
        return out;
    static const char *const roots[] = {"/dev/shm", "/tmp"};
    for (size_t k = 0; k < 2; k++) {
        snprintf(out, len, "%s/%s.XXXXXX", roots[k], name);
        int made;
        if (dir) {
            made = mkdtemp(out) != NULL;
        } else {
            int fd = mkstemp(out);
            made = fd >= 0 && close(fd) == 0;
        }
        if (made) {
            atexit(dir ? dir_remove : file_remove);
            return out;
        }
    }
    out[0] = '\0';
    fz_die(name, dir ? "no scratch folder under /dev/shm or /tmp" :
                       "no scratch file under /dev/shm or /tmp", "");
    return NULL;
}

const char *fz_scratch_file(const char *name)
{
    return scratch_make(scratch_file, sizeof scratch_file, name, 0);
}

const char *fz_scratch_dir(const char *name)
{
    return scratch_make(scratch_dir, sizeof scratch_dir, name, 1);
}

void fz_file_put(const char *name, const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        fz_die(name, "cannot write ", path);
    if (fwrite(data, 1, size, f) != size || fclose(f) != 0)
        fz_die(name, "cannot write ", path);
}
