/*
 * How the kernel ends: isa-debug-exit (port 0xF4) makes QEMU exit with
 * status (code << 1) | 1. The codes below give odd statuses 33, 35 and 37;
 * a triple fault under -no-reboot exits QEMU with 0, so no crash can pass
 * for success. The host also insists on the end marker and its checksum.
 */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

#include <stdint.h>

#define KEXIT_PORT 0xF4
#define KEXIT_PASS 0x10  /* QEMU status 33 */
#define KEXIT_FAIL 0x11  /* QEMU status 35: bad command line, check() dirty */
#define KEXIT_PANIC 0x12 /* QEMU status 37: exception, assert, panic() */

#define KEXIT_STATUS(code) (((code) << 1) | 1)

/* Prints "@@AB-<word>" and exits QEMU with code. Never returns. */
_Noreturn void kexit(uint32_t code);

/*
 * Prints "@@AB-PANIC: reason" (printf-style), then exits with KEXIT_PANIC.
 * Usable from anywhere, including exception handlers.
 */
_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* AB_ASSERT's target: "assertion failed: cond at file:line". */
_Noreturn void panic_assert(const char *cond, const char *file, int line);

#endif
