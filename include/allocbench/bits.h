/*
 * allocbench: word-at-a-time bit helpers over uint64_t arrays.
 *
 * Shared by the strategies so that each does not write its own scan loops.
 * Bit i lives in word i / 64 at position i % 64 (little-endian order, so
 * ctz finds the lowest index). Every range function works a whole word at a
 * time where it can: O(n / 64) for n bits.
 *
 * Freestanding and header-only; no division (i686 has no 64-bit divide
 * without compiler-rt), only shifts and masks.
 */
#ifndef ALLOCBENCH_BITS_H
#define ALLOCBENCH_BITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AB_WORD_BITS 64u

static inline unsigned ab_ctz64(uint64_t x) { return (unsigned)__builtin_ctzll(x); }
static inline unsigned ab_clz64(uint64_t x) { return (unsigned)__builtin_clzll(x); }

static inline unsigned ab_popcount64(uint64_t x)
{
    /* Written out: gcc -m32 would otherwise call __popcountdi2. */
    x = x - ((x >> 1) & 0x5555555555555555ull);
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return (unsigned)((uint32_t)(x >> 32) * 0x01010101u >> 24) +
           (unsigned)((uint32_t)x * 0x01010101u >> 24);
}

/* floor(log2(x)) for x > 0. */
static inline unsigned ab_log2_floor(uint64_t x) { return 63u - ab_clz64(x); }
/* ceil(log2(x)) for x > 0. */
static inline unsigned ab_log2_ceil(uint64_t x)
{
    return x <= 1 ? 0u : 64u - ab_clz64(x - 1);
}

/* Words needed for nbits bits. */
static inline uint64_t ab_bits_words(uint64_t nbits) { return (nbits + 63u) >> 6; }

/* Mask of bits [lo, hi) within one word, 0 <= lo < hi <= 64. */
static inline uint64_t ab_word_mask(unsigned lo, unsigned hi)
{
    uint64_t upper = hi >= 64u ? ~0ull : ((1ull << hi) - 1u);
    return upper & ~((1ull << lo) - 1u);
}

static inline bool ab_bit_test(const uint64_t *w, uint64_t i)
{
    return (w[i >> 6] >> (i & 63u)) & 1u;
}
static inline void ab_bit_set(uint64_t *w, uint64_t i) { w[i >> 6] |= 1ull << (i & 63u); }
static inline void ab_bit_clear(uint64_t *w, uint64_t i) { w[i >> 6] &= ~(1ull << (i & 63u)); }

/* Sets (value true) or clears bits [first, first + n). */
static inline void ab_bits_fill(uint64_t *w, uint64_t first, uint64_t n, bool value)
{
    while (n > 0) {
        unsigned lo = (unsigned)(first & 63u);
        uint64_t take = 64u - lo;
        if (take > n)
            take = n;
        uint64_t m = ab_word_mask(lo, lo + (unsigned)take);
        if (value)
            w[first >> 6] |= m;
        else
            w[first >> 6] &= ~m;
        first += take;
        n -= take;
    }
}

/* Number of set bits in [first, first + n). */
static inline uint64_t ab_bits_count(const uint64_t *w, uint64_t first, uint64_t n)
{
    uint64_t c = 0;
    while (n > 0) {
        unsigned lo = (unsigned)(first & 63u);
        uint64_t take = 64u - lo;
        if (take > n)
            take = n;
        c += ab_popcount64(w[first >> 6] & ab_word_mask(lo, lo + (unsigned)take));
        first += take;
        n -= take;
    }
    return c;
}

/*
 * Index of the first bit in [from, limit) whose value is `value`, or limit
 * if there is none.
 */
static inline uint64_t ab_bits_find(const uint64_t *w, uint64_t from, uint64_t limit,
                                    bool value)
{
    while (from < limit) {
        unsigned lo = (unsigned)(from & 63u);
        uint64_t word = w[from >> 6];
        if (!value)
            word = ~word;
        word &= ab_word_mask(lo, 64u);
        if (word != 0) {
            uint64_t i = (from & ~63ull) + ab_ctz64(word);
            return i < limit ? i : limit;
        }
        from = (from & ~63ull) + 64u;
    }
    return limit;
}

/* True iff every bit in [first, first + n) equals value. */
static inline bool ab_bits_all(const uint64_t *w, uint64_t first, uint64_t n, bool value)
{
    return ab_bits_find(w, first, first + n, !value) == first + n;
}

#endif /* ALLOCBENCH_BITS_H */
