/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The guest BAR model (hw/pci/bar.h; PCI LB 3.0 §6.2.5.1–2): what firmware reads back when
 * it sizes a BAR, type bits, address decoding and which placements are usable — for every
 * BAR kind, including 64-bit BARs of 4 GiB and more, which no fixture device has.
 */
#include <glib.h>

#include "hw/pci/bar.h"

#define KiB 1024ull
#define MiB (1024ull * KiB)
#define GiB (1024ull * MiB)

/* A BAR register as the register framework keeps it: writable bits take the write. */
static uint32_t reg_write(uint32_t old, uint32_t ro, uint32_t val)
{
    return (old & ro) | (val & ~ro);
}

/* Firmware's sizing (hvmloader pci_setup): write all-ones to both halves, read back,
 * size = ~(value & address mask) + 1 over 64 bits. */
static uint64_t sized(const XptBar *bar)
{
    uint32_t lo = reg_write(xpt_bar_type_bits(bar), xpt_bar_ro_mask_low(bar), 0xffffffff);
    uint64_t v = lo & ((bar->flags & XPT_BAR_IO) ? ~3u : ~0xfu);
    if (bar->flags & XPT_BAR_ROM) {
        v = lo & ~0x7ffu;
    }
    if (bar->flags & XPT_BAR_MEM64) {
        uint32_t hi = reg_write(0, xpt_bar_ro_mask_high(bar), 0xffffffff);
        v |= (uint64_t)hi << 32;
        return ~v + 1;
    }
    if (bar->flags & XPT_BAR_IO) {
        return (uint16_t)(~v + 1);
    }
    return (uint32_t)(~v + 1);
}

static void test_guest_size(void)
{
    g_assert_cmpuint(xpt_bar_guest_size(0, 0), ==, 0);
    g_assert_cmpuint(xpt_bar_guest_size(16, 0), ==, 4 * KiB);          /* page minimum */
    g_assert_cmpuint(xpt_bar_guest_size(5 * KiB, 0), ==, 8 * KiB);      /* power of two */
    g_assert_cmpuint(xpt_bar_guest_size(8 * GiB, XPT_BAR_MEM64), ==, 8 * GiB);
    g_assert_cmpuint(xpt_bar_guest_size(2, XPT_BAR_IO), ==, 4);
    g_assert_cmpuint(xpt_bar_guest_size(32, XPT_BAR_IO), ==, 32);
    g_assert_cmpuint(xpt_bar_guest_size(2 * KiB, XPT_BAR_ROM), ==, 4 * KiB);
}

static void test_type_bits(void)
{
    XptBar io = { 32, XPT_BAR_IO }, m32 = { 16 * KiB, 0 };
    XptBar m64p = { 256 * MiB, XPT_BAR_MEM64 | XPT_BAR_PREFETCH }, rom = { 512 * KiB, XPT_BAR_ROM };
    g_assert_cmphex(xpt_bar_type_bits(&io), ==, 0x1);
    g_assert_cmphex(xpt_bar_type_bits(&m32), ==, 0x0);
    g_assert_cmphex(xpt_bar_type_bits(&m64p), ==, 0xc);
    g_assert_cmphex(xpt_bar_type_bits(&rom), ==, 0x0);
}

/* Sizing reads back exactly the size for every kind of BAR. */
static void test_sizing(void)
{
    const XptBar bars[] = {
        { 32, XPT_BAR_IO }, { 256, XPT_BAR_IO },
        { 4 * KiB, 0 }, { 16 * MiB, 0 }, { 2 * GiB, 0 },
        { 16 * KiB, XPT_BAR_MEM64 }, { 256 * MiB, XPT_BAR_MEM64 | XPT_BAR_PREFETCH },
        { 4 * GiB, XPT_BAR_MEM64 | XPT_BAR_PREFETCH }, { 8 * GiB, XPT_BAR_MEM64 },
        { 64 * GiB, XPT_BAR_MEM64 | XPT_BAR_PREFETCH },
        { 4 * KiB, XPT_BAR_ROM }, { 512 * KiB, XPT_BAR_ROM },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bars); i++) {
        g_assert_cmpuint(sized(&bars[i]), ==, bars[i].size);
    }
}

/* A 64-bit BAR of ≥ 4 GiB: the low dword is read-only (only type bits), the high dword
 * carries the size; below 4 GiB the high dword is fully writable. */
static void test_64bit_large(void)
{
    XptBar b8 = { 8 * GiB, XPT_BAR_MEM64 | XPT_BAR_PREFETCH };
    g_assert_cmphex(xpt_bar_ro_mask_low(&b8), ==, 0xffffffff);
    g_assert_cmphex(xpt_bar_ro_mask_high(&b8), ==, 0x1);
    XptBar b4 = { 4 * GiB, XPT_BAR_MEM64 };
    g_assert_cmphex(xpt_bar_ro_mask_low(&b4), ==, 0xffffffff);
    g_assert_cmphex(xpt_bar_ro_mask_high(&b4), ==, 0x0);
    XptBar small = { 16 * KiB, XPT_BAR_MEM64 };
    g_assert_cmphex(xpt_bar_ro_mask_low(&small), ==, 0x3fff);
    g_assert_cmphex(xpt_bar_ro_mask_high(&small), ==, 0);
    g_assert_cmphex(xpt_bar_address(&b8, 0xc, 0x12), ==, 0x1200000000ull);
    g_assert_true(xpt_bar_address_usable(&b8, 0x1200000000ull));
    g_assert_false(xpt_bar_address_usable(&b8, 0x1100000000ull));   /* not 8 GiB aligned */
}

/* The ROM enable bit (bit 0) is writable, bits 10:1 read-only. */
static void test_rom_mask(void)
{
    XptBar rom = { 64 * KiB, XPT_BAR_ROM };
    uint32_t ro = xpt_bar_ro_mask_low(&rom);
    g_assert_cmphex(ro & 1, ==, 0);
    g_assert_cmphex(ro & 0x7fe, ==, 0x7fe);
    g_assert_cmphex(ro, ==, 0xfffe);
    g_assert_cmphex(xpt_bar_address(&rom, 0xfebc0001, 0), ==, 0xfebc0000);
}

static void test_unimplemented(void)
{
    XptBar none = { 0, 0 };
    g_assert_cmphex(xpt_bar_ro_mask_low(&none), ==, 0xffffffff);
    g_assert_cmphex(reg_write(0, xpt_bar_ro_mask_low(&none), 0xffffffff), ==, 0);
}

static void test_usable(void)
{
    XptBar m32 = { 16 * KiB, 0 }, io = { 32, XPT_BAR_IO }, m64 = { 16 * KiB, XPT_BAR_MEM64 };
    g_assert_true(xpt_bar_address_usable(&m32, 0xf0004000));
    g_assert_false(xpt_bar_address_usable(&m32, 0));                   /* unassigned */
    g_assert_false(xpt_bar_address_usable(&m32, 0xf0002000));          /* misaligned */
    g_assert_false(xpt_bar_address_usable(&m32, 0xffffc000));          /* sizing pattern */
    g_assert_true(xpt_bar_address_usable(&io, 0xc020));
    g_assert_false(xpt_bar_address_usable(&io, 0xffffffe0));           /* sizing pattern */
    g_assert_false(xpt_bar_address_usable(&io, 0x10000));              /* beyond 64 Ki */
    g_assert_true(xpt_bar_address_usable(&m64, 0x4000000000ull));
    g_assert_false(xpt_bar_address_usable(&m64, 1ull << 52));          /* beyond x86 phys */
    g_assert_false(xpt_bar_address_usable(&m64, 0xffffffffffffc000ull));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/bar/guest-size", test_guest_size);
    g_test_add_func("/bar/type-bits", test_type_bits);
    g_test_add_func("/bar/sizing", test_sizing);
    g_test_add_func("/bar/64bit-4g-and-more", test_64bit_large);
    g_test_add_func("/bar/rom-mask", test_rom_mask);
    g_test_add_func("/bar/unimplemented", test_unimplemented);
    g_test_add_func("/bar/usable", test_usable);
    return g_test_run();
}
