/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The libxen hypervisor operations (xen/hvops-xen.c) against the fake libxen of
 * tests/fake-libxen*.c: each operation's libxen call and arguments (reference/xen-abi.md),
 * MSI-X all-writes, MSI segments, errors, rollback of a PCI claim, and guest memory.
 * Fixture: tests/xen-accel-fixture.h.
 */
#include "tests/fake-libxen.h"      /* first: xenctrl.h before any other Xen header */
#include <xendevicemodel.h>
#include <xenforeignmemory.h>
#include <xen/domctl.h>             /* XEN_DOMCTL_SENDTRIGGER_POWER */

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hw/i386/machine.h"
#include "tests/xen-accel-fixture.h"
#include "util/error.h"
#include "util/log.h"
#include "xen/hvops-xen.h"
#include "xen/ioreq.h"
#include "xen/xen-accel.h"

/* ---- hypervisor operations ------------------------------------------------------------------ */

/*
 * XENFEAT_dm_msix_all_writes (bit 20 of XENVER_get_features submap 0, Xen ≥ 4.19): read
 * once, on first use; absent (Xen 4.17) or unreadable reads as "not set".
 */
static void test_hvops_msix_all_writes(void)
{
    static const struct { uint32_t submap; bool fail; bool want; } cases[] = {
        { 0, false, false },                          /* Xen 4.17 */
        { (1u << 20) | (1u << 14), false, true },     /* Xen 4.19 */
        { 1u << 20, true, false },                    /* xc_version failed */
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        fake_xen_reset(1);
        fake_xen_set_features(cases[i].submap);
        if (cases[i].fail) {
            fake_xen_fail("xc_version", EPERM);
        }
        g_autoptr(GError) err = NULL;
        XptXenAccel *a = xpt_xen_accel_new(DOMID, &err);
        g_assert_no_error(err);
        XptHv *hv = xpt_xen_accel_hv(a);
        g_assert_cmpint(xpt_hv_dm_msix_all_writes(hv), ==, cases[i].want);
        g_assert_cmpint(xpt_hv_dm_msix_all_writes(hv), ==, cases[i].want);
        g_assert_cmpuint(xa_count_calls("xc_version cmd=6"), ==, 1);
        xpt_xen_accel_free(a);
    }
}

/*
 * MSI outside segment 0: libxenctrl's MAP_PIRQ_TYPE_MSI has no segment (Xen would map
 * segment 0's device), so the map goes as PHYSDEVOP_map_pirq MAP_PIRQ_TYPE_MSI_SEG with
 * bus = seg << 16 | bus (xen/arch/x86/physdev.c), through libxencall; segment 0 keeps
 * xc_physdev_map_pirq_msi.
 */
static void test_hvops_msi_segment(void)
{
    fake_xen_reset(1);
    g_autoptr(GError) err = NULL;
    XptXenAccel *a = xpt_xen_accel_new(DOMID, &err);
    g_assert_no_error(err);
    XptHv *hv = xpt_xen_accel_hv(a);
    int pirq = -1;
    g_assert_true(xpt_hv_map_pirq_msi(hv, NULL, &pirq, 0x0030, 0x01, 0x08, 3, 0x600c0000000,
                                      &err));
    g_assert_no_error(err);
    g_assert_cmpint(pirq, ==, FAKE_XEN_MSI_PIRQ);
    g_assert_cmpuint(xa_count_calls("physdev_op map_pirq dom=5 type=3 index=-1 pirq=-1 "
                                    "devfn=0x8 bus=0x300001 entry=3 table=0x600c0000000"), ==, 1);
    g_assert_cmpuint(xa_count_calls("xc_physdev_map_pirq_msi"), ==, 0);
    pirq = -1;
    fake_xen_fail("physdev_op", ENODEV);
    g_assert_false(xpt_hv_map_pirq_msi(hv, NULL, &pirq, 2, 0, 0, 0, 0, &err));
    g_assert_error(err, XPT_ERRNO_ERROR, ENODEV);
    g_assert_cmpint(pirq, ==, -1);
    g_clear_error(&err);
    g_assert_true(xpt_hv_map_pirq_msi(hv, NULL, &pirq, 0, 0x01, 0x08, 0, 0, &err));
    g_assert_cmpuint(xa_count_calls("xc_physdev_map_pirq_msi"), ==, 1);
    xpt_xen_accel_free(a);
}

static void test_hvops_calls(void)
{
    fake_xen_reset(1);
    g_autoptr(GError) err = NULL;
    XptXenAccel *a = xpt_xen_accel_new(DOMID, &err);
    g_assert_no_error(err);
    XptHv *hv = xpt_xen_accel_hv(a);
    unsigned from = fake_xen_calls()->len;
    int pirq = -1, msi_pirq = -1;

    g_assert_true(xpt_hv_memory_mapping(hv, NULL, 0xf0000, 0xd0000, 16, true, NULL));
    g_assert_true(xpt_hv_memory_mapping(hv, NULL, 0xf0000, 0xd0000, 16, false, NULL));
    g_assert_true(xpt_hv_ioport_mapping(hv, NULL, 0xc000, 0xe000, 32, true, NULL));
    g_assert_true(xpt_hv_ioport_mapping(hv, NULL, 0xc000, 0xe000, 32, false, NULL));
    g_assert_true(xpt_hv_claim_range(hv, NULL, XPT_RANGE_MEMORY, 0xf1000000, 0xf1000fff, NULL));
    g_assert_true(xpt_hv_unclaim_range(hv, NULL, XPT_RANGE_MEMORY, 0xf1000000, 0xf1000fff,
                                       NULL));
    /* PCI: SBDFs 0001:02:03.6 and .7, each its own map_pcidev call. */
    uint32_t s0 = XEN_DMOP_PCI_SBDF(1, 2, 3, 6);
    g_assert_true(xpt_hv_claim_range(hv, NULL, XPT_RANGE_PCI, s0, s0 + 1, NULL));
    g_assert_true(xpt_hv_unclaim_range(hv, NULL, XPT_RANGE_PCI, s0, s0 + 1, NULL));
    g_assert_true(xpt_hv_set_pci_link_route(hv, 2, 10, NULL));
    g_assert_true(xpt_hv_set_isa_irq_level(hv, 9, 1, NULL));
    g_assert_true(xpt_hv_map_pirq(hv, NULL, 34, &pirq, NULL));
    g_assert_cmpint(pirq, ==, 34);
    g_assert_true(xpt_hv_map_pirq_msi(hv, NULL, &msi_pirq, 0, 0x03, 0x08, 2, 0xfe000000, NULL));
    g_assert_cmpint(msi_pirq, ==, FAKE_XEN_MSI_PIRQ);
    g_assert_true(xpt_hv_bind_msi(hv, NULL, 0x41, msi_pirq, 0x10003, 0xf2000000, NULL));
    g_assert_true(xpt_hv_unbind_msi(hv, NULL, 0x41, msi_pirq, 0x10003, NULL));
    g_assert_true(xpt_hv_unmap_pirq(hv, NULL, msi_pirq, NULL));
    g_assert_true(xpt_hv_bind_pt_intx(hv, NULL, pirq, 0, 4, 0, NULL));
    g_assert_true(xpt_hv_unbind_pt_intx(hv, NULL, pirq, 0, 4, 0, NULL));
    g_assert_true(xpt_hv_grant_device(hv, NULL, &(XptHostGrant){ 0 }, NULL));   /* no-op */
    static const char *const want[] = {
        "xc_domain_memory_mapping dom=5 gfn=0xf0000 mfn=0xd0000 nr=16 DPCI_ADD_MAPPING",
        "xc_domain_memory_mapping dom=5 gfn=0xf0000 mfn=0xd0000 nr=16 DPCI_REMOVE_MAPPING",
        "xc_domain_ioport_mapping dom=5 gport=0xc000 mport=0xe000 nr=32 DPCI_ADD_MAPPING",
        "xc_domain_ioport_mapping dom=5 gport=0xc000 mport=0xe000 nr=32 DPCI_REMOVE_MAPPING",
        "xendevicemodel_map_io_range_to_ioreq_server dom=5 id=3 mmio 0xf1000000-0xf1000fff",
        "xendevicemodel_unmap_io_range_from_ioreq_server dom=5 id=3 mmio 0xf1000000-0xf1000fff",
        "xendevicemodel_map_pcidev_to_ioreq_server dom=5 id=3 0001:02:03.6",
        "xendevicemodel_map_pcidev_to_ioreq_server dom=5 id=3 0001:02:03.7",
        "xendevicemodel_unmap_pcidev_from_ioreq_server dom=5 id=3 0001:02:03.6",
        "xendevicemodel_unmap_pcidev_from_ioreq_server dom=5 id=3 0001:02:03.7",
        "xendevicemodel_set_pci_link_route dom=5 link=2 irq=10",
        "xendevicemodel_set_isa_irq_level dom=5 irq=9 level=1",
        "xc_physdev_map_pirq dom=5 index=34 pirq=-1",
        "xc_physdev_map_pirq_msi dom=5 index=-1 pirq=-1 devfn=0x8 bus=0x3 entry=2 "
        "table=0xfe000000",
        "xc_domain_update_msi_irq dom=5 gvec=0x41 pirq=1055 gflags=0x10003 gtable=0xf2000000",
        "xc_domain_unbind_msi_irq dom=5 gvec=0x41 pirq=1055 gflags=0x10003",
        "xc_physdev_unmap_pirq dom=5 pirq=1055",
        "xc_domain_bind_pt_pci_irq dom=5 irq=34 bus=0 dev=4 intx=0",
        "xc_domain_unbind_pt_irq dom=5 irq=34 type=PT_IRQ_TYPE_PCI bus=0 dev=4 intx=0 "
        "isa_irq=0",
        NULL
    };
    xa_assert_calls(from, want);
    g_assert_cmpuint(fake_xen_claims(), ==, 0);
    xpt_xen_accel_free(a);
    xa_assert_nothing_left();
}

static void test_hvops_errors(void)
{
    Fixture f = { 0 };
    fake_xen_reset(1);
    xa_log_to_file(&f);
    g_autoptr(GError) err = NULL;
    XptXenAccel *a = xpt_xen_accel_new(DOMID, &err);
    g_assert_no_error(err);
    XptHv *hv = xpt_xen_accel_hv(a);

    /* errno after -1 becomes the GError code. */
    fake_xen_fail("xc_domain_memory_mapping", EPERM);
    g_assert_false(xpt_hv_memory_mapping(hv, "dev", 0x100, 0x200, 1, true, &err));
    g_assert_error(err, XPT_ERRNO_ERROR, EPERM);
    g_clear_error(&err);
    fake_xen_fail("xc_physdev_map_pirq", ENOSPC);
    int pirq = -1;
    g_assert_false(xpt_hv_map_pirq(hv, NULL, 20, &pirq, &err));
    g_assert_error(err, XPT_ERRNO_ERROR, ENOSPC);
    g_assert_cmpint(pirq, ==, -1);
    g_clear_error(&err);

    /* The uint8_t pirq of xc_domain_bind_pt_pci_irq: no call, EINVAL, a warning. */
    unsigned from = fake_xen_calls()->len;
    g_assert_false(xpt_hv_bind_pt_intx(hv, NULL, 256, 0, 4, 0, &err));
    g_assert_error(err, XPT_ERRNO_ERROR, EINVAL);
    g_clear_error(&err);
    g_assert_false(xpt_hv_unbind_pt_intx(hv, NULL, -1, 0, 4, 0, &err));
    g_assert_error(err, XPT_ERRNO_ERROR, EINVAL);
    g_clear_error(&err);
    g_assert_cmpuint(fake_xen_calls()->len, ==, from);
    g_autofree char *log = xa_log_text(&f);
    g_assert_nonnull(strstr(log, "xc_domain_bind_pt_pci_irq: pirq 256 does not fit "
                                 "libxenctrl's 8-bit machine_irq (0-255)"));

    /* PCI claims: at most one bus worth of SBDFs, never past 32 bits. */
    g_assert_false(xpt_hv_claim_range(hv, NULL, XPT_RANGE_PCI, 0, 256, &err));
    g_assert_error(err, XPT_ERRNO_ERROR, EINVAL);
    g_clear_error(&err);
    g_assert_false(xpt_hv_claim_range(hv, NULL, XPT_RANGE_PCI, 0x100000000ull,
                                      0x100000000ull, &err));
    g_assert_error(err, XPT_ERRNO_ERROR, EINVAL);
    g_clear_error(&err);
    g_assert_cmpuint(fake_xen_calls()->len, ==, from);

    xpt_xen_accel_free(a);
    xa_assert_nothing_left();
    xpt_log_set_file(NULL, NULL);
    g_unlink(f.log_path);
    g_free(f.log_path);
}

/* A PCI claim failing on its second SBDF gives back the first (no half claim). */
static void test_hvops_pci_claim_rollback(void)
{
    fake_xen_reset(1);
    g_autoptr(GError) err = NULL;
    XptXenAccel *a = xpt_xen_accel_new(DOMID, &err);
    g_assert_no_error(err);
    XptHv *hv = xpt_xen_accel_hv(a);
    uint32_t s0 = XEN_DMOP_PCI_SBDF(0, 0, 6, 0);
    /* The fake refuses an SBDF already claimed: claim .1 first so that .1 fails. */
    g_assert_true(xpt_hv_claim_range(hv, NULL, XPT_RANGE_PCI, s0 + 1, s0 + 1, NULL));
    unsigned from = fake_xen_calls()->len;
    g_assert_false(xpt_hv_claim_range(hv, NULL, XPT_RANGE_PCI, s0, s0 + 1, &err));
    g_assert_error(err, XPT_ERRNO_ERROR, EEXIST);
    static const char *const want[] = {
        "xendevicemodel_map_pcidev_to_ioreq_server dom=5 id=3 0000:00:06.0",
        "xendevicemodel_map_pcidev_to_ioreq_server dom=5 id=3 0000:00:06.1 = -1 (EEXIST)",
        "xendevicemodel_unmap_pcidev_from_ioreq_server dom=5 id=3 0000:00:06.0",
        NULL
    };
    xa_assert_calls(from, want);
    g_assert_cmpuint(fake_xen_claims(), ==, 1);
    g_assert_true(xpt_hv_unclaim_range(hv, NULL, XPT_RANGE_PCI, s0 + 1, s0 + 1, NULL));
    xpt_xen_accel_free(a);
    xa_assert_nothing_left();
}

/* guest_read/guest_write: page by page, unmapped after each access, bounded. */
static void test_hvops_guest_memory(void)
{
    fake_xen_reset(1);
    g_autoptr(GError) err = NULL;
    XptXenAccel *a = xpt_xen_accel_new(DOMID, &err);
    g_assert_no_error(err);
    XptHv *hv = xpt_xen_accel_hv(a);

    /* 6000 bytes from 0x1ff0 touch gfns 1, 2 and 3. */
    g_autofree uint8_t *buf = g_malloc(6000);
    g_autofree uint8_t *back = g_malloc(6000);
    for (unsigned i = 0; i < 6000; i++) {
        buf[i] = (uint8_t)(i * 7);
    }
    unsigned from = fake_xen_calls()->len;
    g_assert_true(xpt_hv_guest_write(hv, 0x1ff0, buf, 6000, NULL));
    static const char *const want[] = {
        "xenforeignmemory_map dom=5 gfn=0x1 pages=1 prot=rw",
        "xenforeignmemory_unmap pages=1",
        "xenforeignmemory_map dom=5 gfn=0x2 pages=1 prot=rw",
        "xenforeignmemory_unmap pages=1",
        "xenforeignmemory_map dom=5 gfn=0x3 pages=1 prot=rw",
        "xenforeignmemory_unmap pages=1",
        NULL
    };
    xa_assert_calls(from, want);
    fake_xen_guest_read(0x1ff0, back, 6000);
    g_assert_cmpmem(back, 6000, buf, 6000);
    memset(back, 0, 6000);
    g_assert_true(xpt_hv_guest_read(hv, 0x1ff0, back, 6000, NULL));
    g_assert_cmpmem(back, 6000, buf, 6000);
    g_assert_cmpuint(fake_xen_foreign_mappings(), ==, 0);

    /* Zero bytes: no call. Too long, or wrapping at 2^64: EINVAL without a call. */
    from = fake_xen_calls()->len;
    g_assert_true(xpt_hv_guest_read(hv, 0x1000, back, 0, NULL));
    g_assert_false(xpt_hv_guest_read(hv, 0, back, XPT_XEN_GUEST_MEM_MAX + 1, &err));
    g_assert_error(err, XPT_ERRNO_ERROR, EINVAL);
    g_clear_error(&err);
    g_assert_false(xpt_hv_guest_write(hv, UINT64_MAX - 2, buf, 4, &err));
    g_assert_error(err, XPT_ERRNO_ERROR, EINVAL);
    g_clear_error(&err);
    g_assert_cmpuint(fake_xen_calls()->len, ==, from);
    /* The last byte of the address space is fine (it fails in the fake: not RAM). */
    g_assert_false(xpt_hv_guest_read(hv, UINT64_MAX, back, 1, &err));
    g_assert_error(err, XPT_ERRNO_ERROR, EFAULT);
    g_clear_error(&err);
    /* A page that cannot be mapped: its errno; earlier pages were unmapped. */
    uint64_t last = ((uint64_t)FAKE_XEN_RAM_PAGES << 12) - 8;
    g_assert_false(xpt_hv_guest_write(hv, last, buf, 16, &err));
    g_assert_error(err, XPT_ERRNO_ERROR, EFAULT);
    g_clear_error(&err);
    g_assert_cmpuint(fake_xen_foreign_mappings(), ==, 0);

    xpt_xen_accel_free(a);
    xa_assert_nothing_left();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/xen-accel/hvops/calls", test_hvops_calls);
    g_test_add_func("/xen-accel/hvops/msix-all-writes", test_hvops_msix_all_writes);
    g_test_add_func("/xen-accel/hvops/msi-segment", test_hvops_msi_segment);
    g_test_add_func("/xen-accel/hvops/errors", test_hvops_errors);
    g_test_add_func("/xen-accel/hvops/pci-claim-rollback", test_hvops_pci_claim_rollback);
    g_test_add_func("/xen-accel/hvops/guest-memory", test_hvops_guest_memory);
    return g_test_run();
}
