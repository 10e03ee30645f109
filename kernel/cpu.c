/* The kernel's per-CPU hook (include/allocbench/cpu.h): one CPU, index 0. */
#include "allocbench/cpu.h"

uint32_t ab_cpu_index(void)
{
    return 0;
}
