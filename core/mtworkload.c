/* See mtworkload.h. Freestanding. */
#include "mtworkload.h"

#include "prng.h"
#include "timer.h"

#define MT_EMPTY UINT64_MAX /* a slot whose allocation failed */

static const char *const mt_names[AB_MT_COUNT] = {"bulk", "repeat", "rand"};

const char *ab_mt_name(ab_mt_kind k)
{
    return (unsigned)k < AB_MT_COUNT ? mt_names[k] : 0;
}

ab_mt_kind ab_mt_parse(const char *name)
{
    for (unsigned k = 0; k < AB_MT_COUNT; k++)
        if (ab_name_equal(mt_names[k], name))
            return (ab_mt_kind)k;
    return AB_MT_COUNT;
}

unsigned ab_mt_phases(ab_mt_kind k)
{
    return k == AB_MT_REPEAT ? 1u : 2u;
}

const char *ab_mt_op_name(ab_mt_kind k, unsigned phase)
{
    if (k == AB_MT_REPEAT)
        return "pair";
    return phase == 0 ? "alloc" : "free";
}

size_t ab_mt_slots_bytes(const ab_mt_params *p)
{
    if (p->threads == 0 || p->per_thread > SIZE_MAX / 8u / p->threads)
        return 0;
    return (size_t)(p->per_thread * p->threads * 8u);
}

static void mt_fail(ab_mt_result *r, const char *what, ab_status s)
{
    const char *name = ab_status_name(s);
    size_t n = 0;
    while (what[n] != '\0' && n + 1 < sizeof r->msg) {
        r->msg[n] = what[n];
        n++;
    }
    for (size_t i = 0; name[i] != '\0' && n + 1 < sizeof r->msg; i++)
        r->msg[n++] = name[i];
    r->msg[n] = '\0';
    r->error = 1;
}

/* Allocates one frame; 1 if it succeeded, 0 on ENOMEM, -1 on an error. */
static int mt_alloc(const ab_strategy *st, void *self, uint32_t order, uint64_t *addr,
                    ab_mt_result *r)
{
    uint64_t n = (uint64_t)1 << order;
    ab_status s = st->alloc(self, n, n, addr);
    if (s == AB_OK) {
        r->ops++;
        return 1;
    }
    if (s == AB_ENOMEM) {
        r->failures++;
        return 0;
    }
    mt_fail(r, "alloc: ", s);
    return -1;
}

static int mt_free(const ab_strategy *st, void *self, uint32_t order, uint64_t addr,
                   ab_mt_result *r)
{
    ab_status s = st->free(self, addr, (uint64_t)1 << order);
    if (s != AB_OK) {
        mt_fail(r, "free: ", s);
        return -1;
    }
    r->ops++;
    return 0;
}

/* Past the deadline (read every 1024 calls, from call 0): sets timed_out. */
static int mt_late(const ab_mt_params *p, uint64_t i, ab_mt_result *r)
{
    if (p->deadline == 0 || (i & 1023u) != 0 || ab_tsc_read() <= p->deadline)
        return 0;
    r->timed_out = 1;
    return 1;
}

void ab_mt_run_phase(const ab_strategy *st, void *self, const ab_mt_params *p, uint32_t t,
                     unsigned phase, uint64_t *slots, ab_mt_result *r)
{
    *r = (ab_mt_result){0, 0, 0, 0, {0}};
    uint64_t *mine = slots + (uint64_t)t * p->per_thread;
    if (p->kind == AB_MT_REPEAT) {
        for (uint64_t i = 0; i < p->per_thread && !mt_late(p, i, r); i++) {
            uint64_t a;
            int got = mt_alloc(st, self, p->order, &a, r);
            if (got < 0 || (got == 1 && mt_free(st, self, p->order, a, r) < 0))
                return;
        }
        r->ops /= 2u; /* pairs */
        return;
    }
    if (phase == 0) {
        for (uint64_t i = 0; i < p->per_thread; i++) {
            if (mt_late(p, i, r)) {
                while (i < p->per_thread)
                    mine[i++] = MT_EMPTY;
                return;
            }
            int got = mt_alloc(st, self, p->order, &mine[i], r);
            if (got < 0)
                return;
            if (got == 0)
                mine[i] = MT_EMPTY;
        }
        return;
    }
    if (p->kind == AB_MT_BULK) {
        for (uint64_t i = 0; i < p->per_thread && !mt_late(p, i, r); i++)
            if (mine[i] != MT_EMPTY && mt_free(st, self, p->order, mine[i], r) < 0)
                return;
        return;
    }
    /* rand: thread (t + 1) mod T's frames, in a random order (Fisher-Yates
       over its slots: they are this phase's alone). */
    uint64_t *theirs = slots + (uint64_t)((t + 1u) % p->threads) * p->per_thread;
    ab_rng g;
    ab_rng_seed(&g, p->seed ^ ((uint64_t)t << 32));
    for (uint64_t i = p->per_thread; i > 1; i--) {
        uint64_t j = ab_rng_below(&g, i);
        uint64_t tmp = theirs[i - 1];
        theirs[i - 1] = theirs[j];
        theirs[j] = tmp;
    }
    for (uint64_t i = 0; i < p->per_thread && !mt_late(p, i, r); i++)
        if (theirs[i] != MT_EMPTY && mt_free(st, self, p->order, theirs[i], r) < 0)
            return;
}

int ab_mt_together(uint32_t threads, const uint64_t *start, const uint64_t *end,
                   const uint64_t *cpu, uint32_t *cpu_wall_pm)
{
    uint64_t first = UINT64_MAX, last = 0, latest_start = 0;
    uint32_t lowest = 1000u;
    for (uint32_t t = 0; t < threads; t++) {
        uint64_t wall = end[t] > start[t] ? end[t] - start[t] : 0;
        /* cpu * 1000 / wall without overflow for phases up to 2^54 ns */
        uint64_t pm = wall != 0 ? (cpu[t] >= wall ? 1000u : cpu[t] * 1000u / wall) : 1000u;
        if (pm < lowest)
            lowest = (uint32_t)pm;
        first = start[t] < first ? start[t] : first;
        last = end[t] > last ? end[t] : last;
        latest_start = start[t] > latest_start ? start[t] : latest_start;
    }
    *cpu_wall_pm = lowest;
    if (threads == 0)
        return 1;
    uint64_t wall = last > first ? last - first : 0;
    return lowest >= 900u && (latest_start - first) * 10u <= wall;
}
