/*
 * Exception entry stubs for vectors 0..31. Each pushes a dummy error code
 * where the CPU does not push one, then the vector, saves the registers and
 * calls isr_dispatch(struct trap_frame *).
 */
    .section .text

.macro ISR_NOERR n
    .globl isr\n
isr\n:
    push $0
    push $\n
    jmp isr_common
.endm

.macro ISR_ERR n
    .globl isr\n
isr\n:
    push $\n
    jmp isr_common
.endm

ISR_NOERR 0
ISR_NOERR 1
ISR_NOERR 2
ISR_NOERR 3
ISR_NOERR 4
ISR_NOERR 5
ISR_NOERR 6
ISR_NOERR 7
ISR_ERR   8
ISR_NOERR 9
ISR_ERR   10
ISR_ERR   11
ISR_ERR   12
ISR_ERR   13
ISR_ERR   14
ISR_NOERR 15
ISR_NOERR 16
ISR_ERR   17
ISR_NOERR 18
ISR_NOERR 19
ISR_NOERR 20
ISR_ERR   21
ISR_NOERR 22
ISR_NOERR 23
ISR_NOERR 24
ISR_NOERR 25
ISR_NOERR 26
ISR_NOERR 27
ISR_NOERR 28
ISR_ERR   29
ISR_ERR   30
ISR_NOERR 31

isr_common:
    pusha
    push %ds
    push %es
    mov %esp, %eax
    push %eax
    call isr_dispatch
    add $4, %esp
    pop %es
    pop %ds
    popa
    add $8, %esp        /* vector and error code */
    iret

    .section .rodata
    .align 4
    .globl isr_table
isr_table:
    .long isr0, isr1, isr2, isr3, isr4, isr5, isr6, isr7
    .long isr8, isr9, isr10, isr11, isr12, isr13, isr14, isr15
    .long isr16, isr17, isr18, isr19, isr20, isr21, isr22, isr23
    .long isr24, isr25, isr26, isr27, isr28, isr29, isr30, isr31
