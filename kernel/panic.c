/* kexit, panic; see panic.h. */
#include "panic.h"

#include <stdarg.h>

#include "kprintf.h"
#include "serial.h"
#include "x86.h"

static int panicking;

void kexit(uint32_t code)
{
    const char *word = code == KEXIT_PASS ? "PASS" : code == KEXIT_FAIL ? "FAIL" : "PANIC-EXIT";
    kprintf("@@AB-%s status=%u\n", word, (unsigned)KEXIT_STATUS(code));
    outl(KEXIT_PORT, code);
    /* Without the device (booted by hand without it) stop here. */
    halt_forever();
}

static void put_serial(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    serial_write(s, n);
}

void panic(const char *fmt, ...)
{
    if (panicking++) {
        /* A fault while panicking: print nothing more that could fault. */
        outl(KEXIT_PORT, KEXIT_PANIC);
        halt_forever();
    }
    va_list ap;
    va_start(ap, fmt);
    kprintf("\n@@AB-PANIC: ");
    kvformat(put_serial, NULL, fmt, ap);
    va_end(ap);
    kprintf("\n");
    kexit(KEXIT_PANIC);
}

void panic_assert(const char *cond, const char *file, int line)
{
    panic("assertion failed: %s at %s:%d", cond, file, line);
}
