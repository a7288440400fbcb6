/* SPDX-License-Identifier: GPL-2.0-or-later */
/* BAR sizing and decoding (hw/pci/bar.h; PCI LB 3.0 §6.2.5). */
#include "hw/pci/bar.h"

#define MIN_MEM_BAR 4096ull
#define MIN_IO_BAR 4ull
#define PHYS_ADDR_LIMIT (1ull << 52)

static uint64_t pow2_ceil(uint64_t v)
{
    uint64_t p = 1;
    while (p < v && p) {
        p <<= 1;
    }
    return p;
}

uint64_t xpt_bar_guest_size(uint64_t host_size, uint32_t flags)
{
    if (!host_size) {
        return 0;
    }
    uint64_t min = (flags & XPT_BAR_IO) ? MIN_IO_BAR : MIN_MEM_BAR;
    return pow2_ceil(host_size < min ? min : host_size);
}

uint32_t xpt_bar_type_bits(const XptBar *bar)
{
    if (bar->flags & XPT_BAR_ROM) {
        return 0;
    }
    if (bar->flags & XPT_BAR_IO) {
        return 0x1;
    }
    return ((bar->flags & XPT_BAR_MEM64) ? 0x4 : 0) | ((bar->flags & XPT_BAR_PREFETCH) ? 0x8 : 0);
}

uint32_t xpt_bar_ro_mask_low(const XptBar *bar)
{
    if (!bar->size) {
        return 0xffffffffu;
    }
    if (bar->flags & XPT_BAR_ROM) {
        uint64_t below = bar->size - 1;
        return (uint32_t)(below | 0x7FE) & ~XPT_PCI_ROM_ENABLE;
    }
    if (bar->size >= (1ull << 32)) {
        return 0xffffffffu;
    }
    uint32_t type_mask = (bar->flags & XPT_BAR_IO) ? 0x3 : 0xF;
    return (uint32_t)(bar->size - 1) | type_mask;
}

uint32_t xpt_bar_ro_mask_high(const XptBar *bar)
{
    if (!(bar->flags & XPT_BAR_MEM64) || bar->size < (1ull << 32)) {
        return 0;
    }
    return (uint32_t)((bar->size >> 32) - 1);
}

uint64_t xpt_bar_address(const XptBar *bar, uint32_t lo, uint32_t hi)
{
    if (bar->flags & XPT_BAR_ROM) {
        return lo & ~0x7FFu;
    }
    if (bar->flags & XPT_BAR_IO) {
        return lo & ~0x3u;
    }
    uint64_t addr = lo & ~0xFu;
    if (bar->flags & XPT_BAR_MEM64) {
        addr |= (uint64_t)hi << 32;
    }
    return addr;
}

bool xpt_bar_address_usable(const XptBar *bar, uint64_t addr)
{
    if (!bar->size || !addr || (addr & (bar->size - 1))) {
        return false;
    }
    uint64_t last = addr + bar->size - 1;
    if (last < addr) {
        return false;
    }
    if (bar->flags & XPT_BAR_IO) {
        return last <= 0xffff;
    }
    if (!(bar->flags & XPT_BAR_MEM64) || (bar->flags & XPT_BAR_ROM)) {
        /* 32-bit: the sizing pattern leaves all address bits set up to bit 31. */
        if (last > 0xffffffffull || last == 0xffffffffull) {
            return false;
        }
    } else if (last >= PHYS_ADDR_LIMIT) {
        return false;   /* also rejects the 64-bit all-ones sizing pattern */
    }
    return true;
}
