/*
 * allocbench host side: the platform hook, files written atomically, one
 * benchmark cell, and the matrix. Uses libc; core stays freestanding.
 */
#ifndef ALLOCBENCH_HOST_H
#define ALLOCBENCH_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "csv.h"
#include "timer.h"
#include "workload.h"
#include "allocbench/strategy.h"

/* host/lib: hbuf (a growable buffer, an ab_write_fn target), files, and
   command-line values (host_parse_size, host_parse_fill, host_format_size). */
#include "args.h"
#include "buffer.h"
#include "file.h"

/* CLOCK_MONOTONIC as an ab_platform. */
ab_platform host_platform(void);
/* Calibrates once (100 ms) and returns the timer. */
const ab_timer *host_timer(void);

/* results/<UTC timestamp> under base, created; results/latest points at it. */
int host_default_run_dir(char *out, size_t out_len);
/* meta.json for this machine and build. */
int host_write_meta(const char *dir, const char *extra_json);


typedef struct host_cell {
    const ab_strategy *st;
    ab_workload_kind kind;
    int role_vmm;          /* 0 = pmm, 1 = vmm */
    uint64_t mem_bytes;
    uint32_t fill_pm;      /* 0 = workload default */
    uint64_t seed;
    uint32_t threads;      /* 0 or 1 = one thread */
    uint32_t rep;          /* repetition index, written to every row */
    uint64_t ops;          /* 0 = default */
    double budget_s;       /* 0 = none */
    const ab_trace_rec *trace;
    size_t trace_len;
    uint32_t trace_ids;
    hbuf *hist;            /* NULL, or gets the cell's hist.csv rows */
} host_cell;

/*
 * Runs one cell and appends its summary rows to *summary, its frag rows to
 * *frag and, if c->hist is set, its histogram rows to *c->hist (no headers). Returns the outcome; *msg gets r->msg.
 */
ab_wl_outcome host_run_cell(const host_cell *c, hbuf *summary, hbuf *frag,
                            char *msg, size_t msg_len);
/* The fill a cell reports (per-mille). */
uint32_t host_cell_fill(const host_cell *c);

#endif
