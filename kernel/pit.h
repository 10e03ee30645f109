/*
 * The PIT (8253/8254) as the reference clock that calibrates the TSC:
 * channel 0 free-running in mode 2 from reload 65536, read by latching.
 * Interrupts stay off; pit_now_ns() must be called at least once per wrap
 * (55 ms) to count time, which the calibration loop does.
 */
#ifndef KERNEL_PIT_H
#define KERNEL_PIT_H

#include <stdint.h>

#define PIT_HZ 1193182u

void pit_init(void);

/* Nanoseconds since pit_init(), as an ab_platform.ref_now_ns hook. */
uint64_t pit_now_ns(void *ctx);

#endif
