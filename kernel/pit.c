/* PIT reference clock; see pit.h. */
#include "pit.h"

#include "x86.h"

static uint16_t last_count;
static uint64_t elapsed_ticks;

static uint16_t pit_read_count(void)
{
    outb(0x43, 0x00); /* latch channel 0 */
    uint8_t lo = inb(0x40);
    uint8_t hi = inb(0x40);
    return (uint16_t)(lo | (hi << 8));
}

void pit_init(void)
{
    outb(0x43, 0x34); /* channel 0, lobyte/hibyte, mode 2, binary */
    outb(0x40, 0x00); /* reload 0 = 65536 */
    outb(0x40, 0x00);
    last_count = pit_read_count();
    elapsed_ticks = 0;
}

uint64_t pit_now_ns(void *ctx)
{
    (void)ctx;
    uint16_t now = pit_read_count();
    /* The counter counts down and reloads at 65536 (stored as 0). */
    elapsed_ticks += (uint16_t)(last_count - now);
    last_count = now;
    return elapsed_ticks * 1000000000ull / PIT_HZ;
}
