/* GDT, IDT and exception dispatch. */
#ifndef KERNEL_IDT_H
#define KERNEL_IDT_H

#include <stdbool.h>
#include <stdint.h>

/* What isr_common pushes, lowest address first. */
typedef struct trap_frame {
    uint32_t es, ds;
    uint32_t edi, esi, ebp, esp_pusha, ebx, edx, ecx, eax;
    uint32_t vector, err;
    uint32_t eip, cs, eflags;
} trap_frame;

/*
 * The page-fault hook: returns true iff it resolved the fault (the faulting
 * instruction is retried); false makes the dispatcher panic with CR2.
 */
typedef bool (*page_fault_fn)(uint32_t addr, uint32_t err);

/* Loads a flat GDT (ring 0 code 0x08, data 0x10) and the exception IDT. */
void idt_init(void);

/* Installs fn as the page-fault hook; NULL removes it. */
void idt_set_page_fault_hook(page_fault_fn fn);

/* Called by isr_common. */
void isr_dispatch(trap_frame *tf);

#endif
