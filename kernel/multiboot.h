/* The parts of the multiboot v1 information structure the kernel reads. */
#ifndef KERNEL_MULTIBOOT_H
#define KERNEL_MULTIBOOT_H

#include <stdint.h>

#define MB_BOOT_MAGIC 0x2BADB002u

#define MB_INFO_MEM 0x001u     /* mem_lower, mem_upper valid */
#define MB_INFO_CMDLINE 0x004u /* cmdline valid */
#define MB_INFO_MODS 0x008u    /* mods_count, mods_addr valid */
#define MB_INFO_MMAP 0x040u    /* mmap_length, mmap_addr valid */

typedef struct __attribute__((packed)) mb_info {
    uint32_t flags;
    uint32_t mem_lower, mem_upper;
    uint32_t boot_device;
    uint32_t cmdline;
    uint32_t mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;
} mb_info;

/* A module (QEMU -initrd FILE): bytes [mod_start, mod_end), physical. */
typedef struct __attribute__((packed)) mb_module {
    uint32_t mod_start, mod_end;
    uint32_t string; /* the module's command line */
    uint32_t reserved;
} mb_module;

/* An entry; `size` does not count itself, so the next is at +size+4. */
typedef struct __attribute__((packed)) mb_mmap_entry {
    uint32_t size;
    uint64_t base;
    uint64_t length;
    uint32_t type;
} mb_mmap_entry;

#endif
