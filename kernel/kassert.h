/*
 * Force-included (-include) into every file of the kernel image, strategies
 * and core alike: internal invariants panic in the kernel.
 */
#ifndef KERNEL_KASSERT_H
#define KERNEL_KASSERT_H

#ifndef __ASSEMBLER__

_Noreturn void panic_assert(const char *cond, const char *file, int line);

#define AB_ASSERT(cond) ((cond) ? (void)0 : panic_assert(#cond, __FILE__, __LINE__))

#endif /* __ASSEMBLER__ */
#endif
