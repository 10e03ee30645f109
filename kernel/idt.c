/*
 * A flat GDT and an IDT of 32 interrupt gates. Every exception but a page
 * fault the hook resolves ends in panic() with the vector's name, EIP and
 * the error code; page faults also print CR2 and decode the error bits.
 */
#include "idt.h"

#include <stddef.h>

#include "panic.h"
#include "x86.h"

typedef struct __attribute__((packed)) desc_ptr {
    uint16_t limit;
    uint32_t base;
} desc_ptr;

typedef struct __attribute__((packed)) idt_gate {
    uint16_t off_lo, sel;
    uint8_t zero, type;
    uint16_t off_hi;
} idt_gate;

_Static_assert(sizeof(idt_gate) == 8, "IDT gates are 8 bytes");

static const uint64_t gdt[3] __attribute__((aligned(8))) = {
    0,
    0x00CF9A000000FFFFull, /* 0x08: code, base 0, 4 GiB, ring 0 */
    0x00CF92000000FFFFull, /* 0x10: data, base 0, 4 GiB, ring 0 */
};

static idt_gate idt[32] __attribute__((aligned(8)));
static page_fault_fn pf_hook;

extern const uint32_t isr_table[32];

static const char *const vector_names[32] = {
    "divide error", "debug", "NMI", "breakpoint", "overflow", "bound range",
    "invalid opcode", "device not available", "double fault",
    "coprocessor segment overrun", "invalid TSS", "segment not present",
    "stack fault", "general protection fault", "page fault", "reserved 15",
    "x87 floating point", "alignment check", "machine check",
    "SIMD floating point", "virtualization", "control protection",
    "reserved 22", "reserved 23", "reserved 24", "reserved 25", "reserved 26",
    "reserved 27", "hypervisor injection", "VMM communication", "security",
    "reserved 31",
};

void idt_init(void)
{
    desc_ptr g = {sizeof gdt - 1, (uint32_t)(uintptr_t)gdt};
    __asm__ volatile("lgdt %0\n\t"
                     "ljmp $0x08, $1f\n"
                     "1:\n\t"
                     "mov $0x10, %%ax\n\t"
                     "mov %%ax, %%ds\n\t"
                     "mov %%ax, %%es\n\t"
                     "mov %%ax, %%fs\n\t"
                     "mov %%ax, %%gs\n\t"
                     "mov %%ax, %%ss\n\t" ::"m"(g)
                     : "eax", "memory");
    for (int v = 0; v < 32; v++) {
        uint32_t off = isr_table[v];
        idt[v] = (idt_gate){(uint16_t)off, 0x08, 0, 0x8E, (uint16_t)(off >> 16)};
    }
    desc_ptr i = {sizeof idt - 1, (uint32_t)(uintptr_t)idt};
    __asm__ volatile("lidt %0" ::"m"(i) : "memory");
}

void idt_set_page_fault_hook(page_fault_fn fn) { pf_hook = fn; }

void isr_dispatch(trap_frame *tf)
{
    if (tf->vector == 14) {
        uint32_t addr = cr2_read();
        if (pf_hook != NULL && pf_hook(addr, tf->err))
            return;
        panic("page fault at address 0x%08x (CR2), EIP 0x%08x, err 0x%x (%s, %s, %s)",
              addr, tf->eip, tf->err,
              (tf->err & 1) ? "protection violation" : "page not present",
              (tf->err & 2) ? "write" : "read",
              (tf->err & 4) ? "user" : "kernel");
    }
    panic("%s (vector %u) at EIP 0x%08x, err 0x%x, eflags 0x%x",
          vector_names[tf->vector & 31], tf->vector, tf->eip, tf->err, tf->eflags);
}
