/* host/lib: the monotonic clock. */
#ifndef ALLOCBENCH_HOSTLIB_CLOCK_H
#define ALLOCBENCH_HOSTLIB_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t host_now_ns(void);
/* The same, in seconds, for durations printed to people. */
double host_now_s(void);

#endif
