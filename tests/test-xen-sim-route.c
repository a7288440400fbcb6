/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the simulated hypervisor (qtest/xen-sim.h), routing: qtest accesses go
 * through the ioreq server's claims to a real dispatcher and PCI bus, as Xen routes a
 * guest's accesses: config space through 0xCF8/0xCFC, ports, memory, and data_is_ptr
 * requests. Driven directly (no binary); helpers in tests/sim-test-util.h.
 */
#include <errno.h>
#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "hw/pci/pci.h"
#include "qtest/qtest.h"
#include "qtest/xen-sim.h"
#include "tests/sim-test-util.h"
#include "util/error.h"
#include "xen/ioreq.h"

/* ---- routing through a real dispatcher -------------------------------------------------- */

/* A PCI device whose config byte at offset N reads N, recording the last access. */
typedef struct TestDev {
    XptPciDevice pci;
    unsigned last_off, last_len, reads, writes;
    uint32_t last_val;
} TestDev;

static uint32_t td_config_read(XptPciDevice *d, unsigned off, unsigned len)
{
    TestDev *t = (TestDev *)d;
    uint32_t v = 0;
    t->last_off = off;
    t->last_len = len;
    t->reads++;
    for (unsigned i = 0; i < len; i++) {
        v |= (uint32_t)((off + i) & 0xff) << (8 * i);
    }
    return v;
}

static void td_config_write(XptPciDevice *d, unsigned off, unsigned len, uint32_t val)
{
    TestDev *t = (TestDev *)d;
    t->last_off = off;
    t->last_len = len;
    t->last_val = val;
    t->writes++;
}

static const XptPciDeviceClass td_class = {
    .name = "test-dev",
    .config_read = td_config_read,
    .config_write = td_config_write,
};

/* An emulated port/MMIO region: reads return 0xC0DE0000 | offset, writes are recorded. */
typedef struct TestRegion {
    XptIoRegion r;
    uint64_t last_off, last_val;
    unsigned last_size, reads, writes;
} TestRegion;

static uint64_t tr_read(void *opaque, uint64_t offset, unsigned size)
{
    TestRegion *t = opaque;
    t->last_off = offset;
    t->last_size = size;
    t->reads++;
    return 0xC0DE0000ull | offset;
}

static void tr_write(void *opaque, uint64_t offset, uint64_t val, unsigned size)
{
    TestRegion *t = opaque;
    t->last_off = offset;
    t->last_val = val;
    t->last_size = size;
    t->writes++;
}

static const XptIoOps tr_ops = { .read = tr_read, .write = tr_write };

typedef struct Rig {
    XptSim *sim;
    XptPciBus bus;
    XptDispatcher *disp;
    TestDev dev;
    const XptQtestBackend *be;
} Rig;

#define RIG_RAM (16ull << 20)

static void rig_setup(Rig *r, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    r->sim = xpt_sim_new(RIG_RAM);
    xpt_pci_bus_init(&r->bus, xpt_sim_hv(r->sim));
    r->disp = xpt_dispatcher_new(xpt_sim_hv(r->sim), &r->bus);
    xpt_sim_set_dispatcher(r->sim, r->disp);
    memset(&r->dev, 0, sizeof(r->dev));
    r->dev.pci.klass = &td_class;
    g_assert_true(xpt_pci_bus_plug(&r->bus, &r->dev.pci, XPT_PCI_DEVFN(2, 0), &err));
    g_assert_no_error(err);
    r->be = xpt_sim_qtest_backend();
}

static void rig_teardown(Rig *r, gconstpointer data)
{
    xpt_pci_bus_unplug(&r->bus, &r->dev.pci);
    g_assert_cmpuint(simt_leak_count(r->sim), ==, 0);
    xpt_dispatcher_free(r->disp);
    xpt_sim_free(r->sim);
}

static void cf8(Rig *r, uint8_t devfn, uint8_t off)
{
    r->be->pio_write(r->sim, 0xcf8, 4, 0x80000000u | ((uint32_t)devfn << 8) | (off & 0xfc));
}

static void test_route_pci_config(Rig *r, gconstpointer data)
{
    /* The plug claimed 0000:00:02.0 through the sim. */
    {
        g_autoptr(JsonNode) st = simt_state_node(r->sim);
        JsonObject *claims = json_object_get_object_member(json_node_get_object(st), "claims");
        JsonArray *pci = json_object_get_array_member(claims, "pci");
        g_assert_cmpuint(json_array_get_length(pci), ==, 1);
        g_assert_cmpint(simt_elem_int(pci, 0, "start"), ==, XEN_DMOP_PCI_SBDF(0, 0, 2, 0));
        g_assert_cmpint(json_object_get_int_member(json_node_get_object(st), "cf8"), ==, 0);
    }
    cf8(r, XPT_PCI_DEVFN(2, 0), 0x04);
    g_assert_cmpuint(r->be->pio_read(r->sim, 0xcfc, 4), ==, 0x07060504);
    g_assert_cmpuint(r->dev.last_off, ==, 4);
    g_assert_cmpuint(r->dev.last_len, ==, 4);
    g_assert_cmpuint(r->be->pio_read(r->sim, 0xcfe, 2), ==, 0x0706);
    g_assert_cmpuint(r->dev.last_off, ==, 6);
    g_assert_cmpuint(r->dev.last_len, ==, 2);
    g_assert_cmpuint(r->be->pio_read(r->sim, 0xcff, 1), ==, 0x07);
    g_assert_cmpuint(r->dev.last_off, ==, 7);
    r->be->pio_write(r->sim, 0xcfd, 1, 0x1234);
    g_assert_cmpuint(r->dev.writes, ==, 1);
    g_assert_cmpuint(r->dev.last_off, ==, 5);
    g_assert_cmpuint(r->dev.last_len, ==, 1);
    g_assert_cmpuint(r->dev.last_val, ==, 0x34);

    /* Unclaimed devfn (another slot, another function, another bus): all-ones. */
    unsigned reads = r->dev.reads;
    cf8(r, XPT_PCI_DEVFN(3, 0), 0x00);
    g_assert_cmpuint(r->be->pio_read(r->sim, 0xcfc, 4), ==, 0xffffffffu);
    g_assert_cmpuint(r->be->pio_read(r->sim, 0xcfe, 2), ==, 0xffff);
    cf8(r, XPT_PCI_DEVFN(2, 1), 0x00);
    g_assert_cmpuint(r->be->pio_read(r->sim, 0xcfc, 4), ==, 0xffffffffu);
    r->be->pio_write(r->sim, 0xcf8, 4, 0x80010000u | (XPT_PCI_DEVFN(2, 0) << 8));
    g_assert_cmpuint(r->be->pio_read(r->sim, 0xcfc, 4), ==, 0xffffffffu);
    /* Enable bit clear: 0xCFC is an ordinary unclaimed port. */
    r->be->pio_write(r->sim, 0xcf8, 4, (uint32_t)XPT_PCI_DEVFN(2, 0) << 8);
    g_assert_cmpuint(r->be->pio_read(r->sim, 0xcfc, 4), ==, 0xffffffffu);
    g_assert_cmpuint(r->dev.reads, ==, reads);

    /* Only 4-byte writes latch; the latch is hypervisor state, not a readable register. */
    cf8(r, XPT_PCI_DEVFN(2, 0), 0x10);
    r->be->pio_write(r->sim, 0xcf8, 2, 0);
    r->be->pio_write(r->sim, 0xcf9, 1, 0);
    {
        g_autoptr(JsonNode) st = simt_state_node(r->sim);
        g_assert_cmpint(json_object_get_int_member(json_node_get_object(st), "cf8"), ==,
                        0x80000000u | (XPT_PCI_DEVFN(2, 0) << 8) | 0x10);
    }
    g_assert_cmpuint(r->be->pio_read(r->sim, 0xcfc, 1), ==, 0x10);
    g_assert_cmpuint(r->be->pio_read(r->sim, 0xcf8, 4), ==, 0xffffffffu);

    /* A device model that claims 0xCF8 sees the accesses (and answers the read-back). */
    TestRegion latch = { .r = { .name = "cf8", .type = XPT_RANGE_PORT, .base = 0xcf8,
                                .size = 4, .ops = &tr_ops } };
    latch.r.opaque = &latch;
    g_autoptr(GError) err = NULL;
    g_assert_true(xpt_dispatcher_add_region(r->disp, &latch.r, &err));
    g_assert_no_error(err);
    cf8(r, XPT_PCI_DEVFN(2, 0), 0x08);
    g_assert_cmpuint(latch.writes, ==, 1);
    g_assert_cmphex(latch.last_val, ==, 0x80000000u | (XPT_PCI_DEVFN(2, 0) << 8) | 0x08);
    g_assert_cmphex(r->be->pio_read(r->sim, 0xcf8, 4), ==, 0xC0DE0000u);
    g_assert_cmpuint(r->be->pio_read(r->sim, 0xcfc, 1), ==, 0x08);
    xpt_dispatcher_del_region(r->disp, &latch.r);
}

static void test_route_ports(Rig *r, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_assert_cmpuint(r->be->pio_read(r->sim, 0x80, 1), ==, 0xff);
    g_assert_cmpuint(r->be->pio_read(r->sim, 0x1000, 2), ==, 0xffff);
    r->be->pio_write(r->sim, 0x1000, 4, 0x12345678);

    TestRegion port = { .r = { .name = "ports", .type = XPT_RANGE_PORT, .base = 0x1000,
                               .size = 0x10, .ops = &tr_ops } };
    port.r.opaque = &port;
    g_assert_true(xpt_dispatcher_add_region(r->disp, &port.r, &err));
    g_assert_cmpuint(r->be->pio_read(r->sim, 0x1002, 2), ==, 0x0002);
    g_assert_cmpuint(port.last_off, ==, 2);
    g_assert_cmpuint(port.last_size, ==, 2);
    r->be->pio_write(r->sim, 0x1004, 4, 0xdeadbeef);
    g_assert_cmpuint(port.writes, ==, 1);
    g_assert_cmpuint(port.last_off, ==, 4);
    g_assert_cmphex(port.last_val, ==, 0xdeadbeef);
    /* Not wholly inside the claim: null handler. */
    unsigned reads = port.reads;
    g_assert_cmphex(r->be->pio_read(r->sim, 0x100e, 4), ==, 0xffffffffu);
    g_assert_cmphex(r->be->pio_read(r->sim, 0x0fff, 2), ==, 0xffff);
    g_assert_cmpuint(port.reads, ==, reads);

    /* Ports mapped to the host go to the sim's shadow, never to the device model. */
    XptHostGrant g = simt_grant();
    g_assert_cmpint(OPS(r->sim)->grant_device(OPQ(r->sim), &g), ==, 0);
    g_assert_cmpint(OPS(r->sim)->ioport_mapping(OPQ(r->sim), 0xc000, HOST_PORT, 0x20, true),
                    ==, 0);
    g_assert_cmphex(r->be->pio_read(r->sim, 0xc004, 4), ==, 0);
    r->be->pio_write(r->sim, 0xc004, 4, 0xcafef00d);
    g_assert_cmphex(r->be->pio_read(r->sim, 0xc004, 4), ==, 0xcafef00d);
    g_assert_cmphex(r->be->pio_read(r->sim, 0xc006, 1), ==, 0xfe);
    g_assert_cmphex(r->be->pio_read(r->sim, 0xc01e, 4), ==, 0xffffffffu);  /* straddles end */
    g_assert_cmpint(OPS(r->sim)->ioport_mapping(OPQ(r->sim), 0xc000, HOST_PORT, 0x20, false),
                    ==, 0);
    g_assert_cmphex(r->be->pio_read(r->sim, 0xc004, 4), ==, 0xffffffffu);
    g_assert_cmpint(OPS(r->sim)->revoke_device(OPQ(r->sim), &g), ==, 0);
    xpt_dispatcher_del_region(r->disp, &port.r);
    g_assert_cmphex(r->be->pio_read(r->sim, 0x1002, 2), ==, 0xffff);
}

static void test_route_memory(Rig *r, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    /* RAM: zero until written, then reads back; bulk and single accesses agree. */
    g_assert_cmphex(r->be->mmio_read(r->sim, 0x100000, 8), ==, 0);
    r->be->mmio_write(r->sim, 0x100000, 8, 0x1122334455667788ull);
    g_assert_cmphex(r->be->mmio_read(r->sim, 0x100000, 8), ==, 0x1122334455667788ull);
    g_assert_cmphex(r->be->mmio_read(r->sim, 0x100002, 2), ==, 0x5566);
    r->be->mmio_write(r->sim, 0x1ffe, 4, 0xa1b2c3d4);       /* crosses a page */
    g_assert_cmphex(r->be->mmio_read(r->sim, 0x1ffe, 4), ==, 0xa1b2c3d4);
    uint8_t big[3 * 4096 + 10], back[sizeof(big)];
    for (unsigned i = 0; i < sizeof(big); i++) {
        big[i] = (uint8_t)(i * 7);
    }
    r->be->mem_write(r->sim, 0x200ffb, big, sizeof(big));
    r->be->mem_read(r->sim, 0x200ffb, back, sizeof(back));
    g_assert_cmpmem(big, sizeof(big), back, sizeof(back));
    g_assert_cmphex(r->be->mmio_read(r->sim, 0x200ffb, 1), ==, 0);

    /* Beyond RAM and not claimed: all-ones, writes vanish; straddling the end: per page. */
    g_assert_cmphex(r->be->mmio_read(r->sim, RIG_RAM, 4), ==, 0xffffffffu);
    r->be->mmio_write(r->sim, RIG_RAM, 4, 0);
    g_assert_cmphex(r->be->mmio_read(r->sim, RIG_RAM, 4), ==, 0xffffffffu);
    r->be->mmio_write(r->sim, RIG_RAM - 2, 4, 0x55667788);
    g_assert_cmphex(r->be->mmio_read(r->sim, RIG_RAM - 2, 4), ==, 0xffff7788);
    g_assert_cmphex(r->be->mmio_read(r->sim, ~0ull - 3, 8), ==, ~0ull);   /* wraps */

    /* p2m-mapped passthrough BAR: the sim's host shadow; writes read back. */
    XptHostGrant g = simt_grant();
    g_assert_cmpint(OPS(r->sim)->grant_device(OPQ(r->sim), &g), ==, 0);
    g_assert_cmpint(OPS(r->sim)->memory_mapping(OPQ(r->sim), 0xe0000, HOST_MFN, 2, true), ==, 0);
    g_assert_cmphex(r->be->mmio_read(r->sim, 0xe0000010, 4), ==, 0);
    r->be->mmio_write(r->sim, 0xe0000010, 4, 0x600dcafe);
    g_assert_cmphex(r->be->mmio_read(r->sim, 0xe0000010, 4), ==, 0x600dcafe);
    r->be->mmio_write(r->sim, 0xe0001ffc, 8, 0x0102030405060708ull);   /* mapped | unmapped */
    g_assert_cmphex(r->be->mmio_read(r->sim, 0xe0001ffc, 8), ==, 0xffffffff05060708ull);
    /* Bulk access over mapped and unmapped pages. */
    uint8_t pat[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, got[8];
    r->be->mem_write(r->sim, 0xe0001ffc, pat, 8);
    r->be->mem_read(r->sim, 0xe0001ffc, got, 8);
    g_assert_cmphex(got[0], ==, 1);
    g_assert_cmphex(got[3], ==, 4);
    g_assert_cmphex(got[4], ==, 0xff);
    g_assert_cmphex(got[7], ==, 0xff);
    /* The shadow belongs to the host frame: mapped elsewhere, the data follows. */
    g_assert_cmpint(OPS(r->sim)->memory_mapping(OPQ(r->sim), 0xe0000, HOST_MFN, 2, false), ==, 0);
    g_assert_cmphex(r->be->mmio_read(r->sim, 0xe0000010, 4), ==, 0xffffffffu);
    g_assert_cmpint(OPS(r->sim)->memory_mapping(OPQ(r->sim), 0xf0000, HOST_MFN, 1, true), ==, 0);
    g_assert_cmphex(r->be->mmio_read(r->sim, 0xf0000010, 4), ==, 0x600dcafe);
    /* A p2m mapping also wins over RAM (the RAM page is replaced). */
    g_assert_cmpint(OPS(r->sim)->memory_mapping(OPQ(r->sim), 0x100, HOST_MFN + 2, 1, true), ==, 0);
    g_assert_cmphex(r->be->mmio_read(r->sim, 0x100000, 8), ==, 0);
    g_assert_cmpint(OPS(r->sim)->guest_read(OPQ(r->sim), 0x100000, got, 8), ==, -EFAULT);
    g_assert_cmpint(OPS(r->sim)->memory_mapping(OPQ(r->sim), 0x100, HOST_MFN + 2, 1, false), ==, 0);
    g_assert_cmphex(r->be->mmio_read(r->sim, 0x100000, 8), ==, 0x1122334455667788ull);
    g_assert_cmpint(OPS(r->sim)->memory_mapping(OPQ(r->sim), 0xf0000, HOST_MFN, 1, false), ==, 0);
    g_assert_cmpint(OPS(r->sim)->revoke_device(OPQ(r->sim), &g), ==, 0);

    /* Claimed MMIO (an emulated range, e.g. an MSI-X table or a ROM): COPY ioreqs. */
    TestRegion mm = { .r = { .name = "mmio", .type = XPT_RANGE_MEMORY, .base = 0xfebf0000,
                             .size = 0x1000, .ops = &tr_ops } };
    mm.r.opaque = &mm;
    g_assert_true(xpt_dispatcher_add_region(r->disp, &mm.r, &err));
    g_assert_no_error(err);
    g_assert_cmphex(r->be->mmio_read(r->sim, 0xfebf0010, 4), ==, 0xC0DE0010u);
    g_assert_cmpuint(mm.last_size, ==, 4);
    g_assert_cmphex(r->be->mmio_read(r->sim, 0xfebf0020, 8), ==, 0xC0DE0020ull);
    g_assert_cmpuint(mm.last_size, ==, 8);
    r->be->mmio_write(r->sim, 0xfebf0104, 2, 0xabcd);
    g_assert_cmpuint(mm.last_off, ==, 0x104);
    g_assert_cmpuint(mm.last_size, ==, 2);
    g_assert_cmphex(mm.last_val, ==, 0xabcd);
    /* Unaligned single access: one COPY of its size, as Xen sends it. */
    r->be->mmio_write(r->sim, 0xfebf0203, 4, 0x11223344);
    g_assert_cmpuint(mm.last_off, ==, 0x203);
    g_assert_cmpuint(mm.last_size, ==, 4);
    /* Bulk: aligned chunks of at most 8 bytes. */
    unsigned writes = mm.writes;
    uint8_t six[6] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };
    r->be->mem_write(r->sim, 0xfebf0302, six, sizeof(six));   /* chunks 2 + 4 */
    g_assert_cmpuint(mm.writes - writes, ==, 2);
    g_assert_cmpuint(mm.last_off, ==, 0x304);
    g_assert_cmpuint(mm.last_size, ==, 4);
    g_assert_cmphex(mm.last_val, ==, 0x66554433);
    uint8_t rd[16];
    r->be->mem_read(r->sim, 0xfebf0ff8, rd, 16);    /* last 8 bytes claimed, next 8 not */
    g_assert_cmphex(rd[0], ==, 0xf8);
    g_assert_cmphex(rd[1], ==, 0x0f);
    g_assert_cmphex(rd[2], ==, 0xde);
    g_assert_cmphex(rd[8], ==, 0xff);
    g_assert_cmpuint(mm.last_off, ==, 0xff8);
    g_assert_cmpuint(mm.last_size, ==, 8);
    /* Crossing the page (and claim) end: split at the page, first half claimed. */
    g_assert_cmphex(r->be->mmio_read(r->sim, 0xfebf0ffc, 8), ==, 0xffffffffC0DE0FFCull);
    g_assert_cmpuint(mm.last_size, ==, 4);
    xpt_dispatcher_del_region(r->disp, &mm.r);
    g_assert_cmphex(r->be->mmio_read(r->sim, 0xfebf0010, 4), ==, 0xffffffffu);

    /* A claim with odd bounds: bulk chunks shrink to fit it. */
    TestRegion odd = { .r = { .name = "odd", .type = XPT_RANGE_MEMORY, .base = 0xfec00000,
                              .size = 8, .ops = &tr_ops } };
    odd.r.opaque = &odd;
    g_assert_true(xpt_dispatcher_add_region(r->disp, &odd.r, &err));
    g_assert_cmpint(OPS(r->sim)->unclaim_range(OPQ(r->sim), XPT_RANGE_MEMORY, 0xfec00000,
                                               0xfec00000), ==, 0);
    g_assert_cmpint(OPS(r->sim)->unclaim_range(OPQ(r->sim), XPT_RANGE_MEMORY, 0xfec00004,
                                               0xfec00007), ==, 0);
    /* Now only 0xfec00001-3 is claimed while the dispatcher knows all 8 bytes. */
    writes = odd.writes;
    uint8_t eight[8] = { 0 };
    r->be->mem_write(r->sim, 0xfec00000, eight, 8);    /* 1 → null, 1 + 2 → COPY, 4 → null */
    g_assert_cmpuint(odd.writes - writes, ==, 2);
    g_assert_cmpuint(odd.last_off, ==, 2);
    g_assert_cmpuint(odd.last_size, ==, 2);
    /* A single access not wholly inside the claim goes to the null handler. */
    unsigned reads = odd.reads;
    g_assert_cmphex(r->be->mmio_read(r->sim, 0xfec00002, 4), ==, 0xffffffffu);
    g_assert_cmphex(r->be->mmio_read(r->sim, 0xfec00000, 2), ==, 0xffff);
    g_assert_cmpuint(odd.reads, ==, reads);
    g_assert_cmphex(r->be->mmio_read(r->sim, 0xfec00002, 2), ==, 0x0002);
    g_assert_cmpuint(odd.reads, ==, reads + 1);
    g_assert_cmpint(OPS(r->sim)->claim_range(OPQ(r->sim), XPT_RANGE_MEMORY, 0xfec00000,
                                             0xfec00000), ==, 0);
    g_assert_cmpint(OPS(r->sim)->claim_range(OPQ(r->sim), XPT_RANGE_MEMORY, 0xfec00004,
                                             0xfec00007), ==, 0);
    xpt_dispatcher_del_region(r->disp, &odd.r);
}

/* A rep ioreq with data_is_ptr moves data through the sim's guest RAM. */
static uint64_t last_written;

static void ptr_write(void *opaque, uint64_t offset, uint64_t val, unsigned size)
{
    last_written = val;
}

static const XptIoOps ptr_ops = { .read = tr_read, .write = ptr_write };

static void test_route_data_is_ptr(Rig *r, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    TestRegion port = { .r = { .name = "ptr", .type = XPT_RANGE_PORT, .base = 0x2000,
                               .size = 4, .ops = &ptr_ops } };
    port.r.opaque = &port;
    g_assert_true(xpt_dispatcher_add_region(r->disp, &port.r, &err));
    /* rep outsl from guest RAM at 0x3000 (what Xen sends for "rep outsd"). */
    r->be->mmio_write(r->sim, 0x3000, 4, 0xfeedface);
    ioreq_t req;
    memset(&req, 0, sizeof(req));
    req.type = IOREQ_TYPE_PIO;
    req.addr = 0x2000;
    req.size = 4;
    req.count = 1;
    req.dir = IOREQ_WRITE;
    req.data_is_ptr = 1;
    req.data = 0x3000;
    xpt_dispatch(r->disp, &req);
    g_assert_cmphex(last_written, ==, 0xfeedface);
    /* rep insl into guest RAM. */
    req.dir = IOREQ_READ;
    req.data = 0x4000;
    req.count = 2;
    xpt_dispatch(r->disp, &req);
    g_assert_cmphex(r->be->mmio_read(r->sim, 0x4000, 8), ==, 0xC0DE0000C0DE0000ull);
    xpt_dispatcher_del_region(r->disp, &port.r);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add("/xen-sim/route/pci-config", Rig, NULL, rig_setup, test_route_pci_config,
               rig_teardown);
    g_test_add("/xen-sim/route/ports", Rig, NULL, rig_setup, test_route_ports, rig_teardown);
    g_test_add("/xen-sim/route/memory", Rig, NULL, rig_setup, test_route_memory, rig_teardown);
    g_test_add("/xen-sim/route/data-is-ptr", Rig, NULL, rig_setup, test_route_data_is_ptr,
               rig_teardown);
    return g_test_run();
}
