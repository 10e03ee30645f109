/*
 * The libFuzzer harnesses whose readers take a path (fuzz_mtrace,
 * fuzz_report_csv, fuzz_report_json): a scratch file or folder made once per
 * process under /dev/shm (else /tmp) and removed at exit, and the input
 * written into it. A harness defines FZ_NAME (its name, for messages) before
 * including this header; FZ_REQUIRE prints "FZ_NAME: message" and aborts.
 */
#ifndef ALLOCBENCH_FUZZ_TMPFILE_H
#define ALLOCBENCH_FUZZ_TMPFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef FZ_NAME
#define FZ_REQUIRE(cond, ...)                                                     \
    do {                                                                          \
        if (!(cond)) {                                                            \
            fprintf(stderr, FZ_NAME ": " __VA_ARGS__);                            \
            fputc('\n', stderr);                                                  \
            abort();                                                              \
        }                                                                         \
    } while (0)
#endif

/* The path of the scratch file "<dir>/<name>.XXXXXX", made on the first call.
   Aborts, naming name, when neither folder takes it. */
const char *fz_scratch_file(const char *name);
/* The same for a scratch folder; what is in it at exit is removed with it. */
const char *fz_scratch_dir(const char *name);
/* Writes data[0..size) to path (created or truncated); aborts, naming name
   and path, when it cannot. */
void fz_file_put(const char *name, const char *path, const uint8_t *data, size_t size);

#endif
