/*
 * host/lib: command-line values. Each parser returns NULL on success, else
 * what is wrong with the text ("is not a non-negative integer", "is too
 * large ..."), for a message that names the argument:
 *
 *   const char *why = args_u64(optarg, &seed);
 *   if (why != NULL)
 *       fprintf(stderr, "--seed: '%s' %s\n", optarg, why);
 *
 * Numbers are decimal only: "010" is ten, never octal; "0x10" is refused.
 */
#ifndef ALLOCBENCH_HOSTLIB_ARGS_H
#define ALLOCBENCH_HOSTLIB_ARGS_H

#include <stddef.h>
#include <stdint.h>

/* A decimal integer in [0, UINT64_MAX]; overflow is an error. */
const char *args_u64(const char *s, uint64_t *out);
/* The same in [lo, hi]. */
const char *args_u64_range(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);
/* "64M", "16G", "4K", "1T", "2GiB", "65536" -> bytes (> 0); overflow is an error. */
const char *args_size(const char *s, uint64_t *bytes);
/* "0.9" or "90%" -> a fraction in (0, 1]. */
const char *args_fraction(const char *s, double *v);
/* Splits the comma list s in place into at most max items (empty items
   refused); *n gets the count. */
const char *args_list(char *s, char **items, size_t max, size_t *n);

/* args_size, and the result a multiple of 4 KiB below 2^52. 0 on error. */
uint64_t host_parse_size(const char *s);
/* args_fraction in per-mille (1..1000). 0 on error. */
uint32_t host_parse_fill(const char *s);
/* 64 GiB -> "64G" (exact binary units only, else bytes). */
void host_format_size(uint64_t bytes, char *out, size_t out_len);

#endif
