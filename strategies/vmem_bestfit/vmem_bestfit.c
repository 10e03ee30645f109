/*
 * vmem_bestfit: defines nothing. The variant's object lives in
 * strategies/vmem/vmem.c (see vmem_bestfit.h); this file exists so that its
 * line in strategies.def names a folder strategies/<name>/<name>.c like
 * every other line, and CMake, the kernel build and the freestanding test
 * need no special case.
 */
#include "vmem_bestfit.h"
