/* host/lib: the monotonic clock (clock.h). */
#define _GNU_SOURCE
#include "clock.h"

#include <time.h>

uint64_t host_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

double host_now_s(void)
{
    return (double)host_now_ns() * 1e-9;
}
