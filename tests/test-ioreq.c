/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the ioreq dispatcher (xen/ioreq.c), driven with the ioreq_t of Xen's own
 * header <xen/hvm/ioreq.h>, filled the way Xen fills it (reference/xen-abi.md §ioreq_t):
 * single port and MMIO accesses of every size, their bounds, IOREQ_TYPE_PCI_CONFIG
 * decoding, INVALIDATE, TIMEOFFSET, unknown types and the first-I/O hook. The fixture
 * (a recording hypervisor, emulated regions, two test PCI functions, the guest_errors
 * log) is tests/ioreq-fixture.h; rep requests are in test-ioreq-rep.c, region claims
 * in test-ioreq-region.c.
 */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <xen/hvm/ioreq.h>

#include "hw/pci/pci.h"
#include "tests/ioreq-fixture.h"
#include "util/error.h"
#include "util/log.h"
#include "xen/hvops.h"
#include "xen/ioreq.h"

/* ---- IOREQ_TYPE_PIO ------------------------------------------------------------------- */

static void test_pio_sizes(Fx *fx, gconstpointer data)
{
    TReg *t = fx_treg_add(fx, "uart", XPT_RANGE_PORT, 0x3f8, 8);

    /* Reads: handler gets the offset from the base and the width; data is masked. */
    t->next_read = 0xfedcba9876543210ull;
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_PIO, 0x3f8, 1), ==, 0x10);
    fx_assert_access(t->log, 0, false, 0, 1, 0xfedcba9876543210ull);
    t->next_read = 0xfedcba9876543210ull;
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_PIO, 0x3fa, 2), ==, 0x3210);
    fx_assert_access(t->log, 1, false, 2, 2, 0xfedcba9876543210ull);
    t->next_read = 0xfedcba9876543210ull;
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_PIO, 0x3fc, 4), ==, 0x76543210);
    fx_assert_access(t->log, 2, false, 4, 4, 0xfedcba9876543210ull);
    /* x86 allows unaligned port I/O: one access, as Xen sends it. */
    t->next_read = 0xabcd;
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_PIO, 0x3f9, 2), ==, 0xabcd);
    fx_assert_access(t->log, 3, false, 1, 2, 0xabcd);

    /* Writes: value masked to the access size (Xen leaves the rest of data undefined). */
    fx_io_write(fx, IOREQ_TYPE_PIO, 0x3f9, 1, 0xffffffffffffff5aull);
    fx_assert_access(t->log, 4, true, 1, 1, 0x5a);
    fx_io_write(fx, IOREQ_TYPE_PIO, 0x3fa, 2, 0xdead0000beefull);
    fx_assert_access(t->log, 5, true, 2, 2, 0xbeef);
    fx_io_write(fx, IOREQ_TYPE_PIO, 0x3fc, 4, 0x123456789ull);
    fx_assert_access(t->log, 6, true, 4, 4, 0x23456789);
    g_assert_cmpuint(t->log->len, ==, 7);

    /* Nothing else happened: no guest memory, no claims beyond the region's, no errors. */
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, 0);
    fx_assert_quiet(fx);
}

static void test_pio_unregistered(Fx *fx, gconstpointer data)
{
    TReg *low = fx_treg_add(fx, "dma", XPT_RANGE_PORT, 0, 4);
    TReg *t = fx_treg_add(fx, "dev", XPT_RANGE_PORT, 0x1000, 0x10);
    static const unsigned sizes[] = { 1, 2, 4 };

    for (unsigned i = 0; i < G_N_ELEMENTS(sizes); i++) {
        g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_PIO, 0x2000, sizes[i]), ==, fx_ones(sizes[i]));
        fx_io_write(fx, IOREQ_TYPE_PIO, 0x2000, sizes[i], 0);
    }
    fx_assert_logged(fx, "[guest_errors] port read of 4 bytes at 0x2000: no handler");
    fx_io_write(fx, IOREQ_TYPE_PIO, 0x2000, 2, 0x1234);
    fx_assert_logged(fx, "[guest_errors] port write of 2 bytes at 0x2000: no handler");

    /* Beyond the 16-bit port space: never truncated onto port 0. */
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_PIO, 0x10000, 1), ==, 0xff);
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_PIO, 0xffffffff00001000ull, 4), ==, 0xffffffffu);
    fx_io_write(fx, IOREQ_TYPE_PIO, 0x10000, 1, 0);
    fx_io_write(fx, IOREQ_TYPE_PIO, 0x100001000ull, 4, 0);
    g_assert_cmpuint(low->log->len, ==, 0);
    g_assert_cmpuint(t->log->len, ==, 0);
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, 0);
}

static void test_pio_boundaries(Fx *fx, gconstpointer data)
{
    TReg *a = fx_treg_add(fx, "a", XPT_RANGE_PORT, 0x1000, 0x10);
    TReg *b = fx_treg_add(fx, "b", XPT_RANGE_PORT, 0x1010, 4);
    TReg *top = fx_treg_add(fx, "top", XPT_RANGE_PORT, 0xfff0, 0x10);

    /* Last port and last dword of a region. */
    a->next_read = 0x11;
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_PIO, 0x100f, 1), ==, 0x11);
    fx_assert_access(a->log, 0, false, 0xf, 1, 0x11);
    a->next_read = 0x22;
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_PIO, 0x100c, 4), ==, 0x22);
    fx_assert_access(a->log, 1, false, 0xc, 4, 0x22);
    b->next_read = 0x33;
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_PIO, 0x1013, 1), ==, 0x33);
    fx_assert_access(b->log, 0, false, 3, 1, 0x33);

    /* Straddling a and b: neither handler sees it (each is only called for accesses
     * wholly inside it); reads all-ones, writes dropped. */
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_PIO, 0x100f, 2), ==, 0xffff);
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_PIO, 0x100e, 4), ==, 0xffffffffu);
    fx_io_write(fx, IOREQ_TYPE_PIO, 0x100f, 2, 0xbeef);
    fx_io_write(fx, IOREQ_TYPE_PIO, 0x100d, 4, 0xbeef);
    /* Past the end of b, into nothing. */
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_PIO, 0x1012, 4), ==, 0xffffffffu);
    fx_io_write(fx, IOREQ_TYPE_PIO, 0x1013, 2, 0);
    /* Starting before a. */
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_PIO, 0x0fff, 2), ==, 0xffff);
    g_assert_cmpuint(a->log->len, ==, 2);
    g_assert_cmpuint(b->log->len, ==, 1);
    fx_assert_logged(fx, "port read of 2 bytes at 0x100f: no handler");

    /* The end of the port space: 0xffff + 4 must not index past ports[0xffff]. */
    top->next_read = 0x4455;
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_PIO, 0xfffe, 2), ==, 0x4455);
    fx_assert_access(top->log, 0, false, 0xe, 2, 0x4455);
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_PIO, 0xfffe, 4), ==, 0xffffffffu);
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_PIO, 0xffff, 4), ==, 0xffffffffu);
    fx_io_write(fx, IOREQ_TYPE_PIO, 0xffff, 2, 0);
    g_assert_cmpuint(top->log->len, ==, 1);
}

static void test_pio_bad_size(Fx *fx, gconstpointer data)
{
    TReg *t = fx_treg_add(fx, "dev", XPT_RANGE_PORT, 0x1000, 0x10);
    static const uint32_t sizes[] = { 0, 3, 8, 16, 0xffffffffu };

    for (unsigned i = 0; i < G_N_ELEMENTS(sizes); i++) {
        g_autofree char *msg = g_strdup_printf("dropped ioreq type 0: size %u, count 1",
                                               sizes[i]);
        g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_PIO, 0x1000, sizes[i]), ==, ~0ull);
        fx_assert_logged(fx, msg);
        fx_io_write(fx, IOREQ_TYPE_PIO, 0x1000, sizes[i], 0x12);
        fx_assert_logged(fx, msg);
        /* rep ins/outs of a bad size: guest memory is not touched either. */
        ioreq_t req = fx_mkrep(IOREQ_TYPE_PIO, IOREQ_READ, 0x1000, sizes[i], 2, false, true,
                               RAM_BASE);
        fx_dispatch(fx, &req);
        req.dir = IOREQ_WRITE;
        fx_dispatch(fx, &req);
    }
    g_assert_cmpuint(t->log->len, ==, 0);
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, 0);
}

/* ---- IOREQ_TYPE_COPY (MMIO) ------------------------------------------------------------ */

static void test_mmio_sizes(Fx *fx, gconstpointer data)
{
    TReg *t = fx_treg_add(fx, "mmio", XPT_RANGE_MEMORY, 0xfebf0000, 0x1000);
    static const struct { uint64_t off; unsigned size; } acc[] = {
        { 0x10, 1 }, { 0x22, 2 }, { 0x104, 4 }, { 0xff8, 8 }, { 0x203, 4 }, { 0xfff, 1 },
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(acc); i++) {
        t->next_read = 0xfedcba9876543210ull;
        g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfebf0000 + acc[i].off, acc[i].size),
                        ==, 0xfedcba9876543210ull & fx_ones(acc[i].size));
        fx_assert_access(t->log, 2 * i, false, acc[i].off, acc[i].size, 0xfedcba9876543210ull);
        fx_io_write(fx, IOREQ_TYPE_COPY, 0xfebf0000 + acc[i].off, acc[i].size,
                    0x0123456789abcdefull);
        fx_assert_access(t->log, 2 * i + 1, true, acc[i].off, acc[i].size,
                         0x0123456789abcdefull & fx_ones(acc[i].size));
    }
    g_assert_cmpuint(t->log->len, ==, 2 * G_N_ELEMENTS(acc));
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, 0);
    fx_assert_quiet(fx);
}

static void test_mmio_multi_page(Fx *fx, gconstpointer data)
{
    TReg *t = fx_treg_add(fx, "bar", XPT_RANGE_MEMORY, 0xfe001000, 0x3000);
    static const struct { uint64_t off; unsigned size; } acc[] = {
        { 0x0, 8 }, { 0x1004, 4 }, { 0x2ff8, 8 }, { 0x2fff, 1 },
        { 0xffc, 8 },           /* crosses a page boundary inside the region: one access */
        { 0x1fff, 2 },
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(acc); i++) {
        t->next_read = 0x40 + i;
        g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfe001000 + acc[i].off, acc[i].size),
                        ==, 0x40 + i);
        fx_assert_access(t->log, i, false, acc[i].off, acc[i].size, 0x40 + i);
    }
    /* Past the end, starting before the base, the page after: nothing. */
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfe003ffc, 8), ==, ~0ull);
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfe004000, 4), ==, 0xffffffffu);
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfe000fff, 2), ==, 0xffff);
    fx_io_write(fx, IOREQ_TYPE_COPY, 0xfe003ffe, 4, 0);
    fx_io_write(fx, IOREQ_TYPE_COPY, 0xfe000ffc, 8, 0);
    g_assert_cmpuint(t->log->len, ==, G_N_ELEMENTS(acc));
    fx_assert_logged(fx, "mmio read of 8 bytes at 0xfe003ffc: no handler");
}

static void test_mmio_sub_page(Fx *fx, gconstpointer data)
{
    TReg *t = fx_treg_add(fx, "small", XPT_RANGE_MEMORY, 0xfe010100, 0x100);

    /* Same page, outside the region: the page lookup alone must not be trusted. */
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfe010000, 4), ==, 0xffffffffu);
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfe0100fe, 4), ==, 0xffffffffu);
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfe010200, 1), ==, 0xff);
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfe0101fc, 8), ==, ~0ull);
    fx_io_write(fx, IOREQ_TYPE_COPY, 0xfe0100ff, 2, 0);
    g_assert_cmpuint(t->log->len, ==, 0);

    t->next_read = 7;
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfe010100, 4), ==, 7);
    fx_assert_access(t->log, 0, false, 0, 4, 7);
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfe0101f8, 8), ==, 8);
    fx_assert_access(t->log, 1, false, 0xf8, 8, 8);
}

static void test_mmio_unregistered(Fx *fx, gconstpointer data)
{
    TReg *t = fx_treg_add(fx, "mmio", XPT_RANGE_MEMORY, 0xfebf0000, 0x1000);
    static const unsigned sizes[] = { 1, 2, 4, 8 };

    for (unsigned i = 0; i < G_N_ELEMENTS(sizes); i++) {
        g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfd000000, sizes[i]), ==,
                        fx_ones(sizes[i]));
        fx_io_write(fx, IOREQ_TYPE_COPY, 0xfd000000, sizes[i], 0);
        /* The gfn is 52 bits: 4 GiB above the region is not the region. */
        g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0x1febf0000ull, sizes[i]), ==,
                        fx_ones(sizes[i]));
        fx_io_write(fx, IOREQ_TYPE_COPY, 0x1febf0000ull, sizes[i], 0);
        g_autofree char *text = fx_log_take(fx);
        g_autofree char *rd = g_strdup_printf(
            "[guest_errors] mmio read of %u bytes at 0xfd000000: no handler", sizes[i]);
        g_autofree char *wr = g_strdup_printf(
            "[guest_errors] mmio write of %u bytes at 0x1febf0000: no handler", sizes[i]);
        g_assert_nonnull(strstr(text, rd));
        g_assert_nonnull(strstr(text, wr));
    }
    g_assert_cmpuint(t->log->len, ==, 0);
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, 0);
}

static void test_mmio_boundaries(Fx *fx, gconstpointer data)
{
    TReg *m1 = fx_treg_add(fx, "m1", XPT_RANGE_MEMORY, 0xfe100000, 0x1000);
    TReg *m2 = fx_treg_add(fx, "m2", XPT_RANGE_MEMORY, 0xfe101000, 0x1000);
    TReg *top = fx_treg_add(fx, "top", XPT_RANGE_MEMORY, TOP_PAGE, 0x1000);

    /* Straddling two adjacent regions: Xen merges adjacent claims of one server and does
     * send it; neither handler may see bytes outside itself, so it is dropped. */
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfe100ffc, 8), ==, ~0ull);
    fx_io_write(fx, IOREQ_TYPE_COPY, 0xfe100fff, 2, 0);
    g_assert_cmpuint(m1->log->len, ==, 0);
    g_assert_cmpuint(m2->log->len, ==, 0);
    m1->next_read = 1;
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfe100ff8, 8), ==, 1);
    m2->next_read = 2;
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfe101000, 8), ==, 2);

    /* The last page of the address space: its last bytes work, wrapping past 2^64 not. */
    top->next_read = 3;
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfffffffffffffff8ull, 8), ==, 3);
    fx_assert_access(top->log, 0, false, 0xff8, 8, 3);
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xffffffffffffffffull, 1), ==, 4);
    fx_assert_access(top->log, 1, false, 0xfff, 1, 4);
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfffffffffffffffcull, 8), ==, ~0ull);
    fx_io_write(fx, IOREQ_TYPE_COPY, 0xfffffffffffffffeull, 4, 0);
    g_assert_cmpuint(top->log->len, ==, 2);
    fx_assert_logged(fx, "dropped ioreq: address range wraps");
}

static void test_mmio_bad_size(Fx *fx, gconstpointer data)
{
    TReg *t = fx_treg_add(fx, "mmio", XPT_RANGE_MEMORY, 0xfebf0000, 0x1000);
    static const uint32_t sizes[] = { 0, 3, 5, 16, 0x80000000u };

    for (unsigned i = 0; i < G_N_ELEMENTS(sizes); i++) {
        g_autofree char *msg = g_strdup_printf("dropped ioreq type 1: size %u, count 1",
                                               sizes[i]);
        g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfebf0000, sizes[i]), ==, ~0ull);
        fx_assert_logged(fx, msg);
        fx_io_write(fx, IOREQ_TYPE_COPY, 0xfebf0000, sizes[i], 0);
        fx_assert_logged(fx, msg);
        ioreq_t req = fx_mkrep(IOREQ_TYPE_COPY, IOREQ_WRITE, 0xfebf0000, sizes[i], 2, false,
                               true, RAM_BASE);
        fx_dispatch(fx, &req);
    }
    g_assert_cmpuint(t->log->len, ==, 0);
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, 0);
}

/* ---- IOREQ_TYPE_PCI_CONFIG --------------------------------------------------------------- */

static uint64_t cfg_read(Fx *fx, uint64_t addr, uint32_t size)
{
    return fx_io_read(fx, IOREQ_TYPE_PCI_CONFIG, addr, size);
}

static void test_pci_config_decode(Fx *fx, gconstpointer data)
{
    /* The bus claimed each function's SBDF in XEN_DMOP_PCI_SBDF form (seg<<16|bus<<8|devfn);
     * Xen puts that same SBDF in addr bits 63:32 of the ioreq. */
    fx_assert_claim(fx, 0, true, XPT_RANGE_PCI, 0x19, 0x19);
    fx_assert_claim(fx, 1, true, XPT_RANGE_PCI, 0xff, 0xff);
    uint64_t sbdf_a = fx_claim_at(fx, 0)->start;

    g_assert_cmphex(cfg_read(fx, sbdf_a << 32 | 0x10, 4), ==, fx_cfg_pattern(0x10, 4));
    fx_assert_access(fx->dev_a.log, 0, false, 0x10, 4, fx_cfg_pattern(0x10, 4));
    g_assert_cmphex(cfg_read(fx, fx_cfg_addr(0, 0, DEV_B_DEVFN, 0x3c), 1), ==, 0x3c);
    fx_assert_access(fx->dev_b.log, 0, false, 0x3c, 1, 0x3c);
    fx_io_write(fx, IOREQ_TYPE_PCI_CONFIG, fx_cfg_addr(0, 0, DEV_B_DEVFN, 0x04), 2, 0x0507);
    fx_assert_access(fx->dev_b.log, 1, true, 0x04, 2, 0x0507);
    g_assert_cmpuint(fx->dev_a.log->len, ==, 1);

    /* Same devfn on another bus or segment, or an empty devfn: all-ones, nobody called. */
    g_assert_cmphex(cfg_read(fx, fx_cfg_addr(0, 1, DEV_A_DEVFN, 0x10), 4), ==, 0xffffffffu);
    g_assert_cmphex(cfg_read(fx, fx_cfg_addr(1, 0, DEV_A_DEVFN, 0x10), 4), ==, 0xffffffffu);
    g_assert_cmphex(cfg_read(fx, fx_cfg_addr(0xffff, 0xff, DEV_A_DEVFN, 0), 2), ==, 0xffff);
    g_assert_cmphex(cfg_read(fx, fx_cfg_addr(0, 0, XPT_PCI_DEVFN(3, 0), 0), 4), ==, 0xffffffffu);
    fx_io_write(fx, IOREQ_TYPE_PCI_CONFIG, fx_cfg_addr(0, 1, DEV_A_DEVFN, 0x04), 2, 0);
    fx_io_write(fx, IOREQ_TYPE_PCI_CONFIG, fx_cfg_addr(2, 0, DEV_B_DEVFN, 0x04), 2, 0);
    g_assert_cmpuint(fx->dev_a.log->len, ==, 1);
    g_assert_cmpuint(fx->dev_b.log->len, ==, 2);

    /* The register is all 32 low bits: 0x1003c is not 0x3c (no aliasing). */
    g_assert_cmphex(cfg_read(fx, fx_cfg_addr(0, 0, DEV_A_DEVFN, 0x1003c), 1), ==, 0xff);
    g_assert_cmphex(cfg_read(fx, fx_cfg_addr(0, 0, DEV_A_DEVFN, 0x8000003c), 1), ==, 0xff);
    g_assert_cmpuint(fx->dev_a.log->len, ==, 1);
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, 0);
}

static void test_pci_config_sizes(Fx *fx, gconstpointer data)
{
    uint64_t a = fx_cfg_addr(0, 0, DEV_A_DEVFN, 0);

    /* Reads: the device's bits above the width never reach the guest. */
    g_assert_cmphex(cfg_read(fx, a | 0x0e, 1), ==, 0x0e);
    g_assert_cmphex(cfg_read(fx, a | 0x0e, 2), ==, 0x0f0e);
    g_assert_cmphex(cfg_read(fx, a | 0x0c, 4), ==, 0x0f0e0d0c);
    g_assert_cmphex(cfg_read(fx, a | 0xff, 1), ==, 0xff);
    g_assert_cmphex(cfg_read(fx, a | 0xfc, 4), ==, 0xfffefdfc);
    fx_assert_access(fx->dev_a.log, 0, false, 0x0e, 1, 0x0e);
    fx_assert_access(fx->dev_a.log, 1, false, 0x0e, 2, 0x0f0e);
    fx_assert_access(fx->dev_a.log, 2, false, 0x0c, 4, 0x0f0e0d0c);
    fx_assert_access(fx->dev_a.log, 4, false, 0xfc, 4, 0xfffefdfc);
    /* Writes: the value is masked to the width. */
    fx_io_write(fx, IOREQ_TYPE_PCI_CONFIG, a | 0x3c, 1, 0xffffffffffffff5aull);
    fx_io_write(fx, IOREQ_TYPE_PCI_CONFIG, a | 0x04, 2, 0x12340007);
    fx_io_write(fx, IOREQ_TYPE_PCI_CONFIG, a | 0x10, 4, 0xfffffffffe000000ull);
    fx_assert_access(fx->dev_a.log, 5, true, 0x3c, 1, 0x5a);
    fx_assert_access(fx->dev_a.log, 6, true, 0x04, 2, 0x0007);
    fx_assert_access(fx->dev_a.log, 7, true, 0x10, 4, 0xfe000000);
    g_assert_cmpuint(fx->dev_a.log->len, ==, 8);
    fx_assert_quiet(fx);
}

/* Offsets ≥ 0x100: Xen 4.17 routes them only for AMD's CF8 extension, never MMCFG; the bus
 * answers all-ones and drops writes without asking the device (hw/pci/pci.h). */
static void test_pci_config_extended(Fx *fx, gconstpointer data)
{
    uint64_t a = fx_cfg_addr(0, 0, DEV_A_DEVFN, 0);

    g_assert_cmphex(cfg_read(fx, a | 0x100, 4), ==, 0xffffffffu);
    g_assert_cmphex(cfg_read(fx, a | 0x102, 2), ==, 0xffff);
    g_assert_cmphex(cfg_read(fx, a | 0xfff, 1), ==, 0xff);
    fx_io_write(fx, IOREQ_TYPE_PCI_CONFIG, a | 0x100, 4, 0);
    fx_io_write(fx, IOREQ_TYPE_PCI_CONFIG, a | 0xffc, 4, 0);
    fx_assert_quiet(fx);
    /* ≥ 0x1000 is not config space at all: a logged guest error. */
    g_assert_cmphex(cfg_read(fx, a | 0x1000, 4), ==, 0xffffffffu);
    fx_assert_logged(fx, "dropped invalid config read: offset 0x1000, 4 bytes");
    g_assert_cmpuint(fx->dev_a.log->len, ==, 0);
}

static void test_pci_config_bad(Fx *fx, gconstpointer data)
{
    uint64_t a = fx_cfg_addr(0, 0, DEV_A_DEVFN, 0);
    static const uint32_t sizes[] = { 0, 3, 8, 16 };
    ioreq_t req;

    for (unsigned i = 0; i < G_N_ELEMENTS(sizes); i++) {
        g_assert_cmphex(cfg_read(fx, a | 0x10, sizes[i]), ==, ~0ull);
        fx_io_write(fx, IOREQ_TYPE_PCI_CONFIG, a | 0x10, sizes[i], 0);
        fx_assert_logged(fx, "[guest_errors]");
    }
    /* Misaligned. */
    g_assert_cmphex(cfg_read(fx, a | 0x11, 2), ==, 0xffff);
    g_assert_cmphex(cfg_read(fx, a | 0x12, 4), ==, 0xffffffffu);
    fx_assert_logged(fx, "dropped invalid config read: offset 0x11, 2 bytes");
    /* Rep (Xen decodes "rep insl" from 0xcfc into PCI_CONFIG with count > 1 and a guest
     * buffer): dropped, the buffer pointer stays, guest memory untouched. */
    req = fx_mkrep(IOREQ_TYPE_PCI_CONFIG, IOREQ_READ, a | 0x10, 4, 2, false, false, SENTINEL);
    fx_dispatch(fx, &req);
    g_assert_cmphex(req.data, ==, 0xffffffffu);
    fx_assert_logged(fx, "[guest_errors]");
    req = fx_mkrep(IOREQ_TYPE_PCI_CONFIG, IOREQ_READ, a | 0x10, 4, 1, false, true, RAM_BASE);
    fx_dispatch(fx, &req);
    req = fx_mkrep(IOREQ_TYPE_PCI_CONFIG, IOREQ_WRITE, a | 0x10, 4, 4, true, true, RAM_BASE);
    fx_dispatch(fx, &req);
    fx_assert_logged(fx, "[guest_errors]");
    g_assert_cmpuint(fx->dev_a.log->len, ==, 0);
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, 0);
}

/* ---- other types --------------------------------------------------------------------- */

/*
 * INVALIDATE (xen/common/ioreq.c, ioreq_signal_mapcache_invalidate): broadcast to every
 * server after the guest's p2m changed: {type 8, size 4, dir WRITE, data ~0, count 0}.
 * The documented effect is "drop any guest-memory map cache": the dispatcher keeps none
 * (guest memory goes through xpt_hv_guest_read/write every time), so it must acknowledge
 * without touching regions, the hypervisor or the guest, and without a guest error (count
 * 0 is normal here). It is not guest I/O: the first-I/O hook does not run.
 */
static void test_invalidate(Fx *fx, gconstpointer data)
{
    TReg *p = fx_treg_add(fx, "port0", XPT_RANGE_PORT, 0, 0x10);
    TReg *m = fx_treg_add(fx, "mmio0", XPT_RANGE_MEMORY, 0, 0x1000);
    guint claims = fx->fh.claims->len;
    ioreq_t req;

    memset(&req, 0, sizeof(req));
    req.type = IOREQ_TYPE_INVALIDATE;
    req.size = 4;
    req.dir = IOREQ_WRITE;
    req.data = ~0ull;
    req.state = STATE_IOREQ_INPROCESS;
    for (unsigned i = 0; i < 3; i++) {
        fx_dispatch(fx, &req);
        g_assert_cmphex(req.data, ==, ~0ull);
    }
    g_assert_cmpuint(fx->first_io, ==, 0);
    g_assert_cmpuint(p->log->len + m->log->len, ==, 0);
    g_assert_cmpuint(fx->fh.claims->len, ==, claims);
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, 0);
    fx_assert_quiet(fx);
    /* Regions are still there and routed afterwards. */
    g_assert_true(p->r.registered && m->r.registered);
    p->next_read = 0x12;
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_PIO, 0x4, 1), ==, 0x12);
    m->next_read = 0x34;
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0x8, 4), ==, 0x34);
    g_assert_cmpuint(fx->first_io, ==, 1);
}

/* TIMEOFFSET comes only through the buffered ring (xen-abi.md); ignored if it arrives. */
static void test_timeoffset(Fx *fx, gconstpointer data)
{
    TReg *p = fx_treg_add(fx, "port0", XPT_RANGE_PORT, 0, 0x10);
    ioreq_t req = fx_mkreq(IOREQ_TYPE_TIMEOFFSET, IOREQ_WRITE, 0, 8, 3600);

    fx_dispatch(fx, &req);
    g_assert_cmpuint(p->log->len, ==, 0);
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, 0);
    fx_assert_quiet(fx);
}

static void test_bad_type(Fx *fx, gconstpointer data)
{
    TReg *p = fx_treg_add(fx, "port0", XPT_RANGE_PORT, 0, 0x10);
    TReg *m = fx_treg_add(fx, "mmio0", XPT_RANGE_MEMORY, 0, 0x1000);
    static const uint8_t types[] = { 3, 4, 5, 6, 9, 0x80, 0xff };

    for (unsigned i = 0; i < G_N_ELEMENTS(types); i++) {
        g_autofree char *msg = g_strdup_printf("[guest_errors] unknown ioreq type %u",
                                               types[i]);
        g_assert_cmphex(fx_io_read(fx, types[i], 0, 4), ==, ~0ull);
        fx_assert_logged(fx, msg);
        fx_io_write(fx, types[i], 0, 4, 0);
        fx_assert_logged(fx, msg);
        /* With a guest pointer, the pointer in data is left alone (fx_dispatch() checks). */
        ioreq_t req = fx_mkrep(types[i], IOREQ_READ, 0, 4, 2, false, true, RAM_BASE);
        fx_dispatch(fx, &req);
    }
    g_assert_cmpuint(p->log->len + m->log->len, ==, 0);
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, 0);
}

static void test_first_io_hook(Fx *fx, gconstpointer data)
{
    g_assert_cmpuint(fx->first_io, ==, 0);
    ioreq_t inv = fx_mkreq(IOREQ_TYPE_INVALIDATE, IOREQ_WRITE, 0, 4, ~0ull);
    fx_dispatch(fx, &inv);
    g_assert_cmpuint(fx->first_io, ==, 0);
    /* Any guest access, even one nobody handles, leaves prelaunch; once. */
    fx_io_read(fx, IOREQ_TYPE_PIO, 0x80, 1);
    g_assert_cmpuint(fx->first_io, ==, 1);
    fx_io_read(fx, IOREQ_TYPE_COPY, 0xfd000000, 4);
    cfg_read(fx, fx_cfg_addr(0, 0, DEV_A_DEVFN, 0), 4);
    g_assert_cmpuint(fx->first_io, ==, 1);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add("/ioreq/" path, Fx, NULL, fx_setup, fn, fx_teardown)
    ADD("pio/sizes", test_pio_sizes);
    ADD("pio/unregistered", test_pio_unregistered);
    ADD("pio/boundaries", test_pio_boundaries);
    ADD("pio/bad-size", test_pio_bad_size);
    ADD("mmio/sizes", test_mmio_sizes);
    ADD("mmio/multi-page", test_mmio_multi_page);
    ADD("mmio/sub-page", test_mmio_sub_page);
    ADD("mmio/unregistered", test_mmio_unregistered);
    ADD("mmio/boundaries", test_mmio_boundaries);
    ADD("mmio/bad-size", test_mmio_bad_size);
    ADD("pci-config/decode", test_pci_config_decode);
    ADD("pci-config/sizes", test_pci_config_sizes);
    ADD("pci-config/extended", test_pci_config_extended);
    ADD("pci-config/bad", test_pci_config_bad);
    ADD("invalidate", test_invalidate);
    ADD("timeoffset", test_timeoffset);
    ADD("bad-type", test_bad_type);
    ADD("first-io-hook", test_first_io_hook);
#undef ADD
    return g_test_run();
}
