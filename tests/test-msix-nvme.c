/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MSI-X end to end, the Samsung PM174X NVMe (129 entries over two pages) and Linux HVM
 * guests on Xen (reference/xen-abi.md §Interrupts): driven both ways, using pirqs (the
 * pirq in the address, per-vector masks never touched, EVTCHNOP_bind_pirq through the
 * sim's guest commands) and natively; the sim says whether each vector would be
 * delivered. The real binary under -accel qtest; helpers in tests/msix-test-util.h.
 */
#include <errno.h>
#include <string.h>

#include "hw/host/host-bar.h"
#include "qtest/client.h"
#include "tests/msix-test-util.h"
#include "tests/testutil.h"
#include "util/error.h"

/* ---- Samsung PM174X NVMe: 129 entries (0x810 bytes) at 0x4000, PBA below at 0x3000 ---- */

#define NVME "0000:2e:00.0"
#define NVME_BAR0_HOST 0x88400000ull

static unsigned find_cap(XptQts *qts, uint8_t id)
{
    uint8_t p = xpt_cfg_readb(qts, SLOT2, 0x34);
    for (unsigned n = 0; p && n < 48; n++) {
        if (xpt_cfg_readb(qts, SLOT2, p) == id) {
            return p;
        }
        p = xpt_cfg_readb(qts, SLOT2, p + 1);
    }
    return 0;
}

static void test_nvme_two_pages(void)
{
    XptQts *qts = mxt_start_dump("pciutils-tests/cap-phy32", NVME, NULL, NULL);
    mxt_all_writes(qts);
    unsigned cap = find_cap(qts, 0x11);
    g_assert_cmphex(cap, !=, 0);
    g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, cap + 2) & 0x7ff, ==, 128);
    g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, cap + 4), ==, 0x4000);   /* BIR 0 */
    g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, cap + 8), ==, 0x3000);   /* PBA BIR 0 */

    const uint64_t bar = 0xf0000000, table = bar + 0x4000;
    xpt_cfg_writel(qts, SLOT2, 0x10, (uint32_t)bar);
    xpt_cfg_writel(qts, SLOT2, 0x14, 0);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0006);
    g_assert_true(mxt_has_claim(qts, table, table + 0xfff));
    g_assert_true(mxt_has_mmio(qts, bar >> 12, NVME_BAR0_HOST >> 12, 4));   /* 0-3, PBA page */
    g_assert_true(mxt_has_mmio(qts, (bar >> 12) + 5, (NVME_BAR0_HOST >> 12) + 5, 3));
    mxt_assert_not_mapped(qts, table >> 12, table >> 12);

    mxt_msix_ctrl(qts, cap, CTRL_ENABLE, 0);
    /* Entry 128, the last one (0x4800). */
    mxt_entry_program(qts, table, 128, 0xfee05000, 0x00b0);
    mxt_entry_mask(qts, table, 128, false);
    ExpEntry e = { NVME, 128, NVME_BAR0_HOST, 0xb0, 0x05 | GF_UNMASKED, table };
    json_node_unref(mxt_assert_bound(qts, &e, 1));
    /* Past the end (0x4810), same page: the shadow, not an entry. */
    g_assert_cmphex(xpt_readl(qts, table + 0x810), ==, 0);
    xpt_writel(qts, table + 0x81c, 0);
    xpt_writel(qts, table + 0x810, 0xabcd);
    g_assert_cmphex(xpt_readl(qts, table + 0x810), ==, 0xabcd);
    json_node_unref(mxt_assert_bound(qts, &e, 1));

    /* 64-bit BAR moved above 4 GiB: claim and gtable follow. */
    const uint64_t high = 0x1000000000ull;
    xpt_cfg_writel(qts, SLOT2, 0x14, (uint32_t)(high >> 32));
    xpt_cfg_writel(qts, SLOT2, 0x10, (uint32_t)high);
    g_assert_false(mxt_has_claim(qts, table, table + 0xfff));
    g_assert_true(mxt_has_claim(qts, high + 0x4000, high + 0x4fff));
    mxt_assert_not_mapped(qts, (high + 0x4000) >> 12, (high + 0x4000) >> 12);
    e.gtable = high + 0x4000;
    json_node_unref(mxt_assert_bound(qts, &e, 1));
    g_assert_cmphex(xpt_readl(qts, high + 0x4000 + 16 * 128 + 8), ==, 0xb0);
    xpt_test_finish(qts);
}

/* More unmasked vectors than the domain has MSI pirqs (32): the 33rd fails with ENOSPC,
 * reported once; disabling gives every pirq back. */
static void test_nvme_out_of_pirqs(void)
{
    XptQts *qts = mxt_start_dump("pciutils-tests/cap-phy32", NVME, NULL, NULL);
    unsigned cap = find_cap(qts, 0x11);
    const uint64_t table = 0xf0004000;
    xpt_cfg_writel(qts, SLOT2, 0x10, 0xf0000000);
    xpt_cfg_writel(qts, SLOT2, 0x14, 0);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0002);
    for (unsigned i = 0; i < 33; i++) {
        mxt_entry_program(qts, table, i, 0xfee00000, (uint16_t)(0x40 + i));
        mxt_entry_mask(qts, table, i, false);
    }
    mxt_assert_none_bound(qts);                               /* MSI-X still disabled */
    mxt_msix_ctrl(qts, cap, CTRL_ENABLE, 0);
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    g_assert_cmpuint(mxt_count_msi_pirqs(st), ==, 32);
    g_assert_cmpuint(json_array_get_length(mxt_member(st, "msi")), ==, 32);
    g_assert_null(mxt_pirq_of_entry(st, NVME, 32));
    g_autofree char *err = xpt_qts_stderr(qts);
    g_assert_cmpuint(mxt_count_lines(err, "xc_physdev_map_pirq_msi", "entry 32"), ==, 1);
    g_assert_nonnull(strstr(err, g_strerror(ENOSPC)));
    mxt_msix_ctrl(qts, cap, 0, CTRL_ENABLE);
    mxt_assert_none_bound(qts);
    xpt_test_finish(qts);
}

/* ---- Linux HVM guests on Xen: pirqs by event channel, and native vectors -------------- */

#define GF_DELIV_EXTINT GF_DELIV(7)

/* NVMe BAR0 at 0xf0000000 (table at +0x4000), memory decode on; returns the table. */
static uint64_t place_nvme(XptQts *qts)
{
    xpt_cfg_writel(qts, SLOT2, 0x10, 0xf0000000);
    xpt_cfg_writel(qts, SLOT2, 0x14, 0);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0006);
    return 0xf0004000;
}

/* PHYSDEVOP_get_free_pirq as the guest makes it (Linux xen_allocate_pirq_msi). */
static gint64 guest_get_free_pirq(XptQts *qts)
{
    g_autoptr(JsonNode) r = xpt_sim_command(qts, "get-free-pirq msi");
    g_assert_cmpint(json_object_get_int_member(mxt_root(r), "rc"), ==, 0);
    return json_object_get_int_member(mxt_root(r), "pirq");
}

/* EVTCHNOP_bind_pirq (Linux startup_pirq, from request_irq); Xen returns 0 even for a
 * pirq nobody mapped (evtchn_bind_pirq), so the guest learns nothing from it. */
static void guest_evtchn_bind_pirq(XptQts *qts, gint64 pirq)
{
    g_autoptr(JsonNode) r = xpt_sim_command(qts, "evtchn-bind-pirq %" G_GINT64_FORMAT, pirq);
    g_assert_cmpint(json_object_get_int_member(mxt_root(r), "rc"), ==, 0);
}

/*
 * Linux 6.1 xen_msi_compose_msg for @pirq: physical destination mode, the pirq's low 8
 * bits as destination ID (address bits 19:12), bits 31:8 in address_hi bits 31:8,
 * vector 0 ("give me this pirq"), delivery mode ExtINT.
 */
static uint64_t pirq_msi_addr(gint64 pirq)
{
    return 0xfee00000ull | (uint64_t)(pirq & 0xff) << 12 |
           (uint64_t)((uint32_t)pirq & 0xffffff00u) << 32;
}
#define PIRQ_MSI_DATA 0x0700

/*
 * MSI-X entry @entry of @sbdf: mapped (to pirq @pirq when ≥ 0), bound, and an
 * interrupt would be delivered by @how ("evtchn" or "vector") — i.e. Xen's guest mask
 * is clear. Returns the pirq.
 */
static gint64 assert_delivers(XptQts *qts, const char *sbdf, unsigned entry, gint64 pirq,
                              const char *how)
{
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    JsonObject *p = mxt_pirq_of_entry(st, sbdf, entry);
    if (!p) {
        g_error("MSI-X entry %u of %s has no pirq: nothing the guest does can make it "
                "deliver (its EVTCHNOP_bind_pirq found no mapping to route)", entry, sbdf);
    }
    gint64 got = json_object_get_int_member(p, "pirq");
    if (pirq >= 0) {
        g_assert_cmpint(got, ==, pirq);
    }
    JsonObject *b = xpt_state_msi_binding(st, got);
    if (!b) {
        g_error("MSI-X entry %u (pirq %" G_GINT64_FORMAT ") is mapped but not bound", entry,
                got);
    }
    const char *d = json_object_get_string_member(b, "delivery");
    if (g_strcmp0(d, how) != 0) {
        g_error("MSI-X entry %u (pirq %" G_GINT64_FORMAT "): delivery '%s', expected '%s' (%s)",
                entry, got, d, how, json_object_has_member(b, "why")
                ? json_object_get_string_member(b, "why") : "");
    }
    g_assert_false(json_object_get_boolean_member(b, "guest_masked"));
    return got;
}

/*
 * Linux 6.1 HVM guest with XENFEAT_hvm_pirqs and no APIC-access virtualization (the
 * nested TCG/SVM case: arch/x86/pci/xen.c xen_hvm_msi_init → xen_setup_pci_msi, which
 * sets pci_msi_ignore_mask = 1) bringing up an NVMe's MSI-X: msix_capability_init
 * enables with the function masked, xen_hvm_setup_msi_irqs reserves a pirq per vector
 * and writes it into the (still masked) entry, the function mask is cleared, and the
 * per-vector mask bits are NEVER touched. request_irq then binds an event channel to
 * each pirq. On Xen 4.17 this works only if the device model mapped and bound every
 * written entry (masked) by the time the function mask cleared: arch_evtchn_bind_pirq
 * then routes the pirq to the channel and clears Xen's guest mask. A device model that
 * binds only unmasked entries never maps anything: the guest's NVMe admin commands
 * time out (seen on real Xen 4.17).
 */
static void test_linux_pirq_guest(void)
{
    XptQts *qts = mxt_start_dump("pciutils-tests/cap-phy32", NVME, NULL, NULL);
    unsigned cap = find_cap(qts, 0x11);
    const uint64_t table = place_nvme(qts);

    mxt_msix_ctrl(qts, cap, CTRL_ENABLE | CTRL_MASKALL, 0);
    gint64 pirq[3];
    for (unsigned i = 0; i < 3; i++) {
        pirq[i] = guest_get_free_pirq(qts);
        /* __pci_write_msi_msg with can_mask false: lo, hi, data, flushing read. */
        mxt_entry_program(qts, table, i, pirq_msi_addr(pirq[i]), PIRQ_MSI_DATA);
        (void)xpt_readl(qts, table + 16 * i + 8);
    }
    g_assert_cmpint(pirq[0], ==, 1055);                     /* top of the domain's pirqs */
    mxt_msix_ctrl(qts, cap, 0, CTRL_MASKALL);
    for (unsigned i = 0; i < 3; i++) {
        g_assert_cmphex(xpt_readl(qts, table + 16 * i + 12), ==, 1);   /* still masked */
    }

    /* Mapped to the pirq the guest asked for, bound masked with vector 0 / ExtINT; the
     * entries never written (3..128) are not mapped. */
    for (unsigned i = 0; i < 3; i++) {
        ExpEntry e = { NVME, i, NVME_BAR0_HOST, 0,
                       (uint32_t)(pirq[i] & 0xff) | GF_DELIV_EXTINT, table };
        g_autoptr(JsonNode) st = xpt_sim_state(qts);
        g_assert_cmpint(mxt_check_bound(st, &e), ==, pirq[i]);
        g_assert_cmphex(mxt_expect_gflags(pirq_msi_addr(pirq[i]), PIRQ_MSI_DATA, true), ==,
                        e.gflags);
    }
    {
        g_autoptr(JsonNode) st = xpt_sim_state(qts);
        g_assert_cmpuint(mxt_count_msi_pirqs(st), ==, 3);
        JsonObject *b = xpt_state_msi_binding(st, pirq[0]);
        g_assert_cmpstr(json_object_get_string_member(b, "delivery"), ==, "none");
        g_assert_true(json_object_get_boolean_member(b, "guest_masked"));
    }

    /* request_irq → EVTCHNOP_bind_pirq: routed to the event channel, unmasked. */
    for (unsigned i = 0; i < 3; i++) {
        guest_evtchn_bind_pirq(qts, pirq[i]);
        assert_delivers(qts, NVME, i, pirq[i], "evtchn");
    }
    /* The host saw Enable, then the function mask go (after the binds). */
    g_assert_cmphex(mxt_last_host_write(qts, cap + 2) & 0xc000, ==, CTRL_ENABLE);

    /* Driver unload: free_irq closes the channels, MSI-X goes off: all given back. */
    for (unsigned i = 0; i < 3; i++) {
        g_autoptr(JsonNode) r = xpt_sim_command(qts, "evtchn-close-pirq %" G_GINT64_FORMAT,
                                                pirq[i]);
        g_assert_cmpint(json_object_get_int_member(mxt_root(r), "rc"), ==, 0);
    }
    mxt_msix_ctrl(qts, cap, 0, CTRL_ENABLE);
    mxt_assert_none_bound(qts);

    /* Reload: the same pirqs are free again and are written again with the same
     * address/data — identical to the latches, and still bound at the next enable. */
    mxt_msix_ctrl(qts, cap, CTRL_ENABLE | CTRL_MASKALL, 0);
    for (unsigned i = 0; i < 3; i++) {
        g_assert_cmpint(guest_get_free_pirq(qts), ==, pirq[i]);
        mxt_entry_program(qts, table, i, pirq_msi_addr(pirq[i]), PIRQ_MSI_DATA);
    }
    mxt_msix_ctrl(qts, cap, 0, CTRL_MASKALL);
    for (unsigned i = 0; i < 3; i++) {
        guest_evtchn_bind_pirq(qts, pirq[i]);
        assert_delivers(qts, NVME, i, pirq[i], "evtchn");
    }
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    g_assert_cmpuint(mxt_count_msi_pirqs(st), ==, 3);
    xpt_test_finish(qts);
}

/*
 * Linux's native MSI-X bring-up (APIC virtualization present, or not on Xen:
 * msix_capability_init with masking): enable + function mask, every entry masked,
 * program the masked entries, clear the function mask, then pci_msi_unmask_irq per
 * vector at request_irq. The written entries are bound masked when the function mask
 * clears and updated in place (same pirq) with UNMASKED at their unmask; delivery by
 * vector. An entry never written stays unbound.
 */
static void test_linux_native_guest(void)
{
    XptQts *qts = mxt_start_dump("pciutils-tests/cap-phy32", NVME, NULL, NULL);
    mxt_all_writes(qts);
    unsigned cap = find_cap(qts, 0x11);
    const uint64_t table = place_nvme(qts);

    mxt_msix_ctrl(qts, cap, CTRL_ENABLE | CTRL_MASKALL, 0);
    for (unsigned i = 0; i < 129; i++) {
        mxt_entry_mask(qts, table, i, true);                       /* msix_mask_all */
    }
    mxt_entry_program(qts, table, 0, 0xfee01000, 0x0024);
    mxt_entry_program(qts, table, 1, 0xfee02000, 0x0025);
    mxt_msix_ctrl(qts, cap, 0, CTRL_MASKALL);
    ExpEntry e[2] = {
        { NVME, 0, NVME_BAR0_HOST, 0x24, mxt_expect_gflags(0xfee01000, 0x24, true), table },
        { NVME, 1, NVME_BAR0_HOST, 0x25, mxt_expect_gflags(0xfee02000, 0x25, true), table },
    };
    json_node_unref(mxt_assert_bound(qts, e, 2));
    gint64 p0 = mxt_pirq_number(qts, NVME, 0), p1 = mxt_pirq_number(qts, NVME, 1);

    mxt_entry_mask(qts, table, 0, false);
    e[0].gflags |= GF_UNMASKED;
    json_node_unref(mxt_assert_bound(qts, e, 2));
    assert_delivers(qts, NVME, 0, p0, "vector");
    mxt_entry_mask(qts, table, 1, false);
    e[1].gflags |= GF_UNMASKED;
    json_node_unref(mxt_assert_bound(qts, e, 2));
    assert_delivers(qts, NVME, 1, p1, "vector");

    /* Unmasking an entry never written binds it from its latch, as before. */
    mxt_entry_mask(qts, table, 5, false);
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    g_assert_cmpuint(mxt_count_msi_pirqs(st), ==, 3);
    xpt_test_finish(qts);
}

/*
 * A native guest that programs an entry before enabling MSI-X (no function mask): it is
 * bound, masked, at the enable; one programmed while enabled is only latched. Both are
 * bound with UNMASKED (in place for the first) at their unmask and delivered by vector.
 */
static void test_native_program_then_unmask(void)
{
    XptQts *qts = mxt_start_dump("pciutils-tests/cap-phy32", NVME, NULL, NULL);
    mxt_all_writes(qts);
    unsigned cap = find_cap(qts, 0x11);
    const uint64_t table = place_nvme(qts);

    /* Programmed while MSI-X is disabled: nothing until the enable... */
    mxt_entry_program(qts, table, 7, 0xfee03000, 0x0031);
    mxt_assert_none_bound(qts);
    /* ...which binds it, masked (its latch), ready for an evtchn bind or an unmask. */
    mxt_msix_ctrl(qts, cap, CTRL_ENABLE, 0);
    ExpEntry e = { NVME, 7, NVME_BAR0_HOST, 0x31, mxt_expect_gflags(0xfee03000, 0x31, true),
                   table };
    json_node_unref(mxt_assert_bound(qts, &e, 1));
    mxt_entry_program(qts, table, 8, 0xfee04000, 0x0032);     /* enabled: latched only */
    json_node_unref(mxt_assert_bound(qts, &e, 1));
    mxt_entry_mask(qts, table, 8, false);
    mxt_entry_mask(qts, table, 7, false);
    ExpEntry e2[2] = {
        { NVME, 7, NVME_BAR0_HOST, 0x31, mxt_expect_gflags(0xfee03000, 0x31, false), table },
        { NVME, 8, NVME_BAR0_HOST, 0x32, mxt_expect_gflags(0xfee04000, 0x32, false), table },
    };
    json_node_unref(mxt_assert_bound(qts, e2, 2));
    assert_delivers(qts, NVME, 7, -1, "vector");
    assert_delivers(qts, NVME, 8, -1, "vector");
    xpt_test_finish(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/msix/nvme/two-pages", test_nvme_two_pages);
    g_test_add_func("/msix/nvme/out-of-pirqs", test_nvme_out_of_pirqs);
    g_test_add_func("/msix/nvme/linux-pirq-guest", test_linux_pirq_guest);
    g_test_add_func("/msix/nvme/linux-native-guest", test_linux_native_guest);
    g_test_add_func("/msix/nvme/native-program-then-unmask", test_native_program_then_unmask);
    return g_test_run();
}
