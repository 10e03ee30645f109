/* allocbench host side: what a kernel cell's serial log says (serial_rows.c). */
#ifndef ALLOCBENCH_SERIAL_ROWS_H
#define ALLOCBENCH_SERIAL_ROWS_H

#include <stdbool.h>
#include <stddef.h>

#include "buffer.h"
#include "kernel_run.h"

/* The kernel's exit codes through isa-debug-exit ((code << 1) | 1). */
#define QEMU_PASS 33
#define QEMU_FAIL 35
#define QEMU_PANIC 37

/* Drops every '\r' of the NUL-terminated log in place; the new length. */
size_t serial_drop_cr(char *log, size_t len);
/* The first line starting with prefix, copied (without prefix) to out. */
bool log_find(const char *log, size_t len, const char *prefix, char *out, size_t out_len);
/* True iff the @@AB-CHECK line (without its prefix) says every pmm, vmm
   and heap check is clean. */
bool check_line_clean(const char *line);
/* Rows of the output block into summary/frag, their headers into hs/hf;
   *ns and *nf count the rows. */
void log_split(const char *log, size_t len, hbuf *summary, hbuf *frag, hbuf *hs, hbuf *hf,
               unsigned *ns, unsigned *nf);
/* r->status, r->reason and r->check_clean from r->qemu_exit and the log. */
void serial_verdict(const char *log, size_t len, bool timed_out, unsigned timeout_s,
                    const char *qemu, const char *qemu_out, ab_kernel_result *r);
/* Appends the log's rows to run_dir/summary.csv and frag.csv (one header
   each); r->status becomes AB_KRUN_HOST, with the reason, if they cannot be
   written. */
void serial_rows_append(const char *log, size_t len, const char *run_dir, ab_kernel_result *r);

#endif
