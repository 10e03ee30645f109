/*
 * COM1 output by polling the line status register. No interrupts: the
 * kernel runs with IF clear from start to exit. The wait is bounded so a
 * missing UART cannot hang the kernel (QEMU's is always ready).
 */
#include "serial.h"

#include "x86.h"

#define COM1 0x3F8
#define LSR_THR_EMPTY 0x20

void serial_init(void)
{
    outb(COM1 + 1, 0x00); /* no interrupts */
    outb(COM1 + 3, 0x80); /* DLAB on */
    outb(COM1 + 0, 0x01); /* divisor 1: 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03); /* 8N1, DLAB off */
    outb(COM1 + 2, 0xC7); /* FIFO on, cleared, 14-byte threshold */
    outb(COM1 + 4, 0x03); /* DTR, RTS */
}

void serial_putc(char c)
{
    for (unsigned spin = 0; spin < 100000u; spin++)
        if (inb(COM1 + 5) & LSR_THR_EMPTY)
            break;
    outb(COM1, (unsigned char)c);
}

void serial_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            serial_putc('\r');
        serial_putc(s[i]);
    }
}
