/*
 * Multiboot v1 entry. The loader jumps here in 32-bit protected mode with
 * paging off, EAX = 0x2BADB002 and EBX = the physical address of the
 * multiboot information. We set up a stack and call kmain(magic, info).
 */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003 /* page-align modules, give a memory map */

    .section .multiboot, "a"
    .align 4
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)

    .section .bss
    .align 16
    .globl boot_stack_bottom
boot_stack_bottom:
    .skip 65536
    .globl boot_stack_top
boot_stack_top:

    .section .text
    .globl _start
    .type _start, @function
_start:
    cli
    cld
    mov $boot_stack_top, %esp
    xor %ebp, %ebp
    push %ebx
    push %eax
    call kmain
1:  cli
    hlt
    jmp 1b
