/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Guest firmware behaviour for tests and the demo (tests/guest-fw.h). */
#include "tests/guest-fw.h"

#include <string.h>

#define PIIX3_DEVFN 0x08

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

/* hvmloader 4.17 (tools/firmware/hvmloader/pci.c pci_setup, config.h, e820.h). */
#define PCI_ISA_IRQ_MASK 0x0c20u            /* ISA IRQs 5, 10 and 11 */
#define PCI_MEM_START 0xF0000000u           /* HVM_BELOW_4G_MMIO_START */
#define PCI_MEM_END 0xFC000000u             /* RESERVED_MEMBASE */
#define BAR_RELOC_THRESH (1ull << 30)
#define HIGH_MEM_BASE (1ull << 32)          /* no RAM above 4 GiB: GB(4) */
#define CPU_PHYS_ADDR_MAX (1ull << 46)      /* cpu_phys_addr() of a common host */

typedef struct Resource {
    uint64_t base, max;
} Resource;

/*
 * What hvmloader's pci_setup does: link routes, per function the PIIX4 PM writes, decode
 * off, BAR sizing (all seven registers, I/O and memory in one list by descending size,
 * equal sizes in scan order), the interrupt line; then the low MMIO hole lowered from
 * 0xF0000000 by doubling until it holds every memory BAR; 64-bit BARs relocated above
 * 4 GiB when the hole is still too small or a 64-bit BAR exceeds 1 GiB; placement in
 * list order (memory from the hole or above 4 GiB, ports from 0xC000, each aligned to
 * its size; a BAR without space is left alone); finally bus master and the decode types
 * used. The ROM is placed but not enabled (hvmloader keeps the enable bit as read).
 */
void guest_setup_all(XptQts *qts, GuestDev *devs, unsigned n)
{
    unsigned isa_irq = 0;
    for (unsigned link = 0; link < 4; link++) {
        do {
            isa_irq = (isa_irq + 1) & 15;
        } while (!(PCI_ISA_IRQ_MASK & (1u << isa_irq)));
        xpt_cfg_writeb(qts, PIIX3_DEVFN, 0x60 + link, (uint8_t)isa_irq);
    }
    static Placement bars[256 * 7];
    unsigned nr_bars = 0;
    uint64_t mmio_total = 0;
    bool bar64_relocate = false;
    uint16_t decode[256] = { 0 };
    for (unsigned k = 0; k < n; k++) {
        GuestDev *d = &devs[k];
        if (d->devfn == 0x00 || d->devfn == PIIX3_DEVFN) {
            continue;       /* the chipset: no BARs, no interrupt pin */
        }
        uint16_t class = xpt_cfg_readw(qts, d->devfn, 0x0a);
        if (class == 0x0680) {
            /* PIIX4 ACPI PM: no SMBus I/O, SCI on IRQ 9, PM base 0xB000, PM I/O on. */
            xpt_cfg_writew(qts, d->devfn, 0x20, 0x0000);
            xpt_cfg_writew(qts, d->devfn, 0xd2, 0x0000);
            xpt_cfg_writew(qts, d->devfn, 0x22, 0x0000);
            xpt_cfg_writew(qts, d->devfn, 0x3c, 0x0009);
            xpt_cfg_writew(qts, d->devfn, 0x3d, 0x0001);
            xpt_cfg_writel(qts, d->devfn, 0x40, 0xb000 | 1);
            xpt_cfg_writeb(qts, d->devfn, 0x80, 0x01);
        }
        uint16_t cmd = xpt_cfg_readw(qts, d->devfn, 0x04);
        xpt_cfg_writew(qts, d->devfn, 0x04, cmd & ~0x3);
        guest_size_bars(qts, d);
        for (unsigned i = 0; i < 7; i++) {
            GuestBar *b = &d->bars[i];
            if (!b->present) {
                continue;
            }
            unsigned at = 0;
            while (at < nr_bars && bars[at].dev->bars[bars[at].bar].size >= b->size) {
                at++;
            }
            memmove(&bars[at + 1], &bars[at], (nr_bars - at) * sizeof(bars[0]));
            bars[at] = (Placement){ d, i };
            nr_bars++;
            if (b->mem64 && b->size > BAR_RELOC_THRESH) {
                bar64_relocate = true;
            } else if (!b->io) {
                mmio_total += b->size;
            }
        }
        uint8_t pin = xpt_cfg_readb(qts, d->devfn, 0x3D);
        if (pin) {
            /* the barber's pole: link = (pin - 1 + slot) mod 4 */
            unsigned link = ((pin - 1) + (d->devfn >> 3)) & 3;
            xpt_cfg_writeb(qts, d->devfn, 0x3C, xpt_cfg_readb(qts, PIIX3_DEVFN, 0x60 + link));
        }
        decode[d->devfn] = 0x4;             /* bus master */
    }

    uint32_t pci_mem_start = PCI_MEM_START;
    while (mmio_total > (uint64_t)(PCI_MEM_END - pci_mem_start) &&
           (uint32_t)(pci_mem_start << 1) != 0) {
        pci_mem_start <<= 1;
    }
    if (mmio_total > (uint64_t)(PCI_MEM_END - pci_mem_start)) {
        bar64_relocate = true;
    }
    Resource mem = { pci_mem_start, PCI_MEM_END }, io = { 0xC000, 0x10000 };
    Resource high = { HIGH_MEM_BASE, CPU_PHYS_ADDR_MAX };
    for (unsigned k = 0; k < nr_bars; k++) {
        GuestDev *d = bars[k].dev;
        unsigned i = bars[k].bar;
        GuestBar *b = &d->bars[i];
        uint8_t reg = i == 6 ? 0x30 : (uint8_t)(0x10 + 4 * i);
        bool using_64 = b->mem64 && bar64_relocate &&
                        (mmio_total > mem.max - mem.base || b->size > BAR_RELOC_THRESH);
        Resource *r = b->io ? &io : using_64 ? &high : &mem;
        if (!b->io && b->size <= BAR_RELOC_THRESH) {
            mmio_total -= b->size;
        }
        uint64_t base = (r->base + b->size - 1) & ~(b->size - 1);
        uint64_t end = base + b->size;
        if (end < r->base || end > r->max) {
            continue;                       /* "no space for resource!" */
        }
        r->base = end;
        uint32_t data = xpt_cfg_readl(qts, d->devfn, reg);
        data = (data & (b->io ? 0x3u : 0xFu)) | (uint32_t)base;
        xpt_cfg_writel(qts, d->devfn, reg, data);
        if (using_64) {
            xpt_cfg_writel(qts, d->devfn, reg + 4, (uint32_t)(base >> 32));
        }
        b->addr = base;
        decode[d->devfn] |= b->io ? 0x1 : 0x2;
    }
    for (unsigned k = 0; k < n; k++) {
        GuestDev *d = &devs[k];
        if (decode[d->devfn]) {
            xpt_cfg_writew(qts, d->devfn, 0x04,
                           xpt_cfg_readw(qts, d->devfn, 0x04) | decode[d->devfn]);
        }
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
