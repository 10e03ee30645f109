/*
 * allocbench: seeded, deterministic pseudo-random numbers.
 *
 * xoshiro256** (Blackman and Vigna), seeded through splitmix64 so that any
 * 64-bit seed, 0 included, gives a good state. Same seed, same stream, on
 * every platform (i686 and x86-64). Freestanding, header-only.
 */
#ifndef ALLOCBENCH_PRNG_H
#define ALLOCBENCH_PRNG_H

#include <stdint.h>

typedef struct ab_rng {
    uint64_t s[4];
} ab_rng;

/* splitmix64: advances *x and returns the next output. */
static inline uint64_t ab_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline void ab_rng_seed(ab_rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = ab_splitmix64(&x);
}

static inline uint64_t ab_rotl64(uint64_t x, unsigned k)
{
    return (x << k) | (x >> (64u - k));
}

/* The next 64 random bits. */
static inline uint64_t ab_rng_next(ab_rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = ab_rotl64(s[1] * 5u, 7) * 9u;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = ab_rotl64(s[3], 45);
    return out;
}

/*
 * A number in [0, n) for n > 0 (0 for n = 0). Uses 32x32 multiply-high for
 * n < 2^32 (no division), modulo otherwise; the bias is below 2^-32.
 */
static inline uint64_t ab_rng_below(ab_rng *r, uint64_t n)
{
    uint64_t x = ab_rng_next(r);
    if (n == 0)
        return 0;
    if (n <= 0xffffffffull)
        return ((x >> 32) * n) >> 32;
    return x % n;
}

#endif
