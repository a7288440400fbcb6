/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Guest firmware behaviour for tests and the demo (tests/guest-fw.h). */
#include "tests/guest-fw.h"

#include <string.h>

#define PIIX3_DEVFN 0x08
#define MMIO_LOW 0xF0000000ull
#define MMIO_LOW_END 0xFC000000ull
#define MMIO_HIGH 0x1000000000ull
#define IO_START 0xC000u
#define IO_END 0x10000u

unsigned guest_scan(XptQts *qts, GuestDev *devs, unsigned max)
{
    unsigned n = 0;
    for (unsigned devfn = 0; devfn < 256 && n < max; devfn++) {
        uint32_t id = xpt_cfg_readl(qts, devfn, 0);
        if ((id & 0xFFFF) == 0xFFFF || (id & 0xFFFF) == 0) {
            continue;
        }
        GuestDev *d = &devs[n++];
        memset(d, 0, sizeof(*d));
        d->devfn = devfn;
        d->vendor = id & 0xFFFF;
        d->device = id >> 16;
    }
    return n;
}

void guest_size_bars(XptQts *qts, GuestDev *d)
{
    uint16_t cmd = xpt_cfg_readw(qts, d->devfn, 0x04);
    xpt_cfg_writew(qts, d->devfn, 0x04, cmd & ~0x3);
    for (unsigned i = 0; i < 6; i++) {
        uint8_t off = 0x10 + 4 * i;
        uint32_t orig = xpt_cfg_readl(qts, d->devfn, off);
        xpt_cfg_writel(qts, d->devfn, off, 0xFFFFFFFF);
        uint32_t lo = xpt_cfg_readl(qts, d->devfn, off);
        xpt_cfg_writel(qts, d->devfn, off, orig);
        GuestBar *b = &d->bars[i];
        if (!lo) {
            continue;
        }
        b->io = lo & 1;
        if (b->io) {
            uint32_t mask = lo & ~0x3u;
            b->size = (uint32_t)(~mask + 1) & 0xFFFF ? (uint32_t)(~mask + 1) : 0;
            b->present = b->size != 0;
            continue;
        }
        b->mem64 = ((lo >> 1) & 3) == 2;
        b->prefetch = lo & 8;
        uint64_t mask = lo & ~0xFull;
        if (b->mem64 && i < 5) {
            uint8_t hoff = off + 4;
            uint32_t horig = xpt_cfg_readl(qts, d->devfn, hoff);
            xpt_cfg_writel(qts, d->devfn, hoff, 0xFFFFFFFF);
            uint32_t hi = xpt_cfg_readl(qts, d->devfn, hoff);
            xpt_cfg_writel(qts, d->devfn, hoff, horig);
            mask |= (uint64_t)hi << 32;
            b->size = ~mask + 1;
        } else {
            b->size = (uint32_t)(~(uint32_t)mask + 1);
        }
        b->present = b->size != 0;
        if (b->mem64) {
            i++;
        }
    }
    uint32_t orig = xpt_cfg_readl(qts, d->devfn, 0x30);
    xpt_cfg_writel(qts, d->devfn, 0x30, 0xFFFFF800);
    uint32_t rom = xpt_cfg_readl(qts, d->devfn, 0x30) & 0xFFFFF800;
    xpt_cfg_writel(qts, d->devfn, 0x30, orig);
    if (rom) {
        d->bars[6].present = true;
        d->bars[6].size = (uint32_t)(~rom + 1);
    }
    xpt_cfg_writew(qts, d->devfn, 0x04, cmd);
}

void guest_read_config(XptQts *qts, GuestDev *d)
{
    for (unsigned off = 0; off < 256; off += 4) {
        uint32_t v = xpt_cfg_readl(qts, d->devfn, off);
        memcpy(&d->config[off], &v, 4);
    }
}

typedef struct Placement {
    GuestDev *dev;
    unsigned bar;
} Placement;

static int by_size_desc(const void *a, const void *b)
{
    const Placement *pa = a, *pb = b;
    uint64_t sa = pa->dev->bars[pa->bar].size, sb = pb->dev->bars[pb->bar].size;
    return sa < sb ? 1 : sa > sb ? -1 : 0;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

void guest_setup_all(XptQts *qts, GuestDev *devs, unsigned n)
{
    static const uint8_t pirq[4] = { 5, 10, 11, 5 };
    for (unsigned l = 0; l < 4; l++) {
        xpt_cfg_writeb(qts, PIIX3_DEVFN, 0x60 + l, pirq[l]);
    }
    Placement mem[256 * 7];
    unsigned nmem = 0;
    uint32_t io_next = IO_START;
    for (unsigned k = 0; k < n; k++) {
        GuestDev *d = &devs[k];
        if (d->devfn == 0x00 || d->devfn == PIIX3_DEVFN) {
            continue;
        }
        if (d->vendor == 0x8086 && d->device == 0x7113) {
            /* PIIX4 PM (hvmloader pci_setup): SCI on IRQ 9, PM base 0xB000, enable. */
            xpt_cfg_writew(qts, d->devfn, 0x20, 0);
            xpt_cfg_writeb(qts, d->devfn, 0xd2, 0);
            xpt_cfg_writew(qts, d->devfn, 0x22, 0);
            xpt_cfg_writeb(qts, d->devfn, 0x3c, 9);
            xpt_cfg_writel(qts, d->devfn, 0x40, 0xb001);
            xpt_cfg_writeb(qts, d->devfn, 0x80, 1);
            continue;
        }
        guest_size_bars(qts, d);
        for (unsigned i = 0; i < 7; i++) {
            GuestBar *b = &d->bars[i];
            if (!b->present) {
                continue;
            }
            if (b->io) {
                uint32_t a = (uint32_t)align_up(io_next, b->size);
                if (a + b->size <= IO_END) {
                    b->addr = a;
                    io_next = a + b->size;
                    xpt_cfg_writel(qts, d->devfn, 0x10 + 4 * i, a | 1);
                }
            } else {
                mem[nmem++] = (Placement){ d, i };
            }
        }
        uint8_t pin = xpt_cfg_readb(qts, d->devfn, 0x3D);
        if (pin) {
            unsigned link = ((pin - 1) + (d->devfn >> 3)) & 3;
            xpt_cfg_writeb(qts, d->devfn, 0x3C, pirq[link]);
        }
    }
    qsort(mem, nmem, sizeof(mem[0]), by_size_desc);
    uint64_t low = MMIO_LOW, high = MMIO_HIGH;
    for (unsigned k = 0; k < nmem; k++) {
        GuestDev *d = mem[k].dev;
        unsigned i = mem[k].bar;
        GuestBar *b = &d->bars[i];
        uint64_t a = align_up(low, b->size);
        if (a + b->size > MMIO_LOW_END || b->size >= (1ull << 32)) {
            if (!b->mem64) {
                continue;   /* does not fit below 4 GiB: left unplaced, as hvmloader would */
            }
            a = align_up(high, b->size);
            high = a + b->size;
        } else {
            low = a + b->size;
        }
        b->addr = a;
        if (i == 6) {
            xpt_cfg_writel(qts, d->devfn, 0x30, (uint32_t)a | 1);
        } else {
            uint8_t off = 0x10 + 4 * i;
            uint32_t type = (b->mem64 ? 0x4 : 0) | (b->prefetch ? 0x8 : 0);
            xpt_cfg_writel(qts, d->devfn, off, (uint32_t)a | type);
            if (b->mem64) {
                xpt_cfg_writel(qts, d->devfn, off + 4, (uint32_t)(a >> 32));
            }
        }
    }
    for (unsigned k = 0; k < n; k++) {
        GuestDev *d = &devs[k];
        if (d->devfn == 0x00 || d->devfn == PIIX3_DEVFN) {
            continue;
        }
        uint16_t cmd = 0x4;   /* bus master */
        for (unsigned i = 0; i < 7; i++) {
            if (d->bars[i].addr) {
                cmd |= d->bars[i].io ? 0x1 : 0x2;
            }
        }
        xpt_cfg_writew(qts, d->devfn, 0x04, xpt_cfg_readw(qts, d->devfn, 0x04) | cmd);
        guest_read_config(qts, d);
    }
}

void guest_dump_lspci(const GuestDev *d, GString *out)
{
    g_string_append_printf(out, "00:%02x.%x Device %04x:%04x\n", d->devfn >> 3, d->devfn & 7,
                           d->vendor, d->device);
    for (unsigned row = 0; row < 256; row += 16) {
        g_string_append_printf(out, "%02x:", row);
        for (unsigned i = 0; i < 16; i++) {
            g_string_append_printf(out, " %02x", d->config[row + i]);
        }
        g_string_append_c(out, '\n');
    }
    g_string_append_c(out, '\n');
}

/* Offset of capability @id in the guest's chain, or 0 (bounded walk). */
static unsigned guest_find_cap(XptQts *qts, uint8_t devfn, uint8_t id)
{
    if (!(xpt_cfg_readw(qts, devfn, 0x06) & 0x10)) {
        return 0;
    }
    unsigned pos = xpt_cfg_readb(qts, devfn, 0x34) & ~3u;
    for (unsigned n = 0; pos >= 0x40 && n < 48; n++) {
        if (xpt_cfg_readb(qts, devfn, pos) == id) {
            return pos;
        }
        pos = xpt_cfg_readb(qts, devfn, pos + 1) & ~3u;
    }
    return 0;
}

int guest_enable_interrupts(XptQts *qts, GuestDev *d, uint8_t vector)
{
    unsigned msix = guest_find_cap(qts, d->devfn, 0x11);
    if (msix) {
        uint32_t table = xpt_cfg_readl(qts, d->devfn, msix + 4);
        GuestBar *b = &d->bars[table & 7];
        if ((table & 7) < 6 && b->present && b->addr && !b->io) {
            uint64_t entry = b->addr + (table & ~7u);
            xpt_writel(qts, entry + 0, 0xFEE00000);     /* fixed delivery to APIC 0 */
            xpt_writel(qts, entry + 4, 0);
            xpt_writel(qts, entry + 8, vector);
            xpt_writel(qts, entry + 12, 0);             /* unmask */
            uint16_t ctrl = xpt_cfg_readw(qts, d->devfn, msix + 2);
            xpt_cfg_writew(qts, d->devfn, msix + 2, (ctrl | 0x8000) & ~0x4000);
            return 2;
        }
    }
    unsigned msi = guest_find_cap(qts, d->devfn, 0x05);
    if (msi) {
        uint16_t ctrl = xpt_cfg_readw(qts, d->devfn, msi + 2);
        unsigned data = (ctrl & 0x80) ? 0x0C : 0x08;
        xpt_cfg_writel(qts, d->devfn, msi + 4, 0xFEE00000);
        if (ctrl & 0x80) {
            xpt_cfg_writel(qts, d->devfn, msi + 8, 0);
        }
        xpt_cfg_writew(qts, d->devfn, msi + data, vector);
        xpt_cfg_writew(qts, d->devfn, msi + 2, ctrl | 1);
        return 1;
    }
    return 0;
}
