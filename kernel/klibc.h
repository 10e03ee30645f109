/* The kernel's libc subset (klibc.c). */
#ifndef KERNEL_KLIBC_H
#define KERNEL_KLIBC_H

#include <stddef.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
/* 1 iff the strings are equal. */
int kstreq(const char *a, const char *b);

#endif
