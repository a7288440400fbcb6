/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MSI-X end to end (SPEC §6; reference/config-space.md "MSI-X (11)", "MSI-X table
 * (trapped pages)"; reference/xen-abi.md §Interrupts and §Call sequences), the 82576:
 * the real binary under -accel qtest with a fixture dump as host, driven as Linux's
 * msix_capability_init / pci_msi_unmask_irq do, through the whole life of a table, its
 * bounds, rate-limited bad accesses and a hypervisor failure at every call. After each
 * step the sim's pirqs, MSI bindings (gvec, every gflags bit, gtable), claims and p2m are
 * compared with what Xen would hold. The NVMe and Linux HVM guests are in
 * test-msix-nvme.c, table layouts and hw/host/host-bar.c in test-msix-layout.c; shared
 * helpers in tests/msix-test-util.h.
 */
#include <errno.h>
#include <string.h>

#include "hw/host/host-bar.h"
#include "qtest/client.h"
#include "tests/msix-test-util.h"
#include "tests/testutil.h"
#include "util/error.h"

static void place_nic_bar3(XptQts *qts, uint64_t addr)
{
    xpt_cfg_writel(qts, SLOT2, 0x1c, (uint32_t)addr);
}

/* ---- 82576: the whole life of a table -------------------------------------------------- */

static void test_nic_lifecycle(void)
{
    XptQts *qts = mxt_start_nic(NULL);
    mxt_all_writes(qts);
    /* The dump has MSI-X enabled: attach cleared it on the host (one config write). */
    g_autoptr(GArray) w0 = xpt_test_host_writes_at(qts, "pt0", NIC_CAP + 2);
    g_assert_cmpuint(w0->len, ==, 1);
    g_assert_cmphex(g_array_index(w0, uint32_t, 0), ==, 0x0009);
    g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, NIC_CAP + 2), ==, 0x0009);
    mxt_assert_none_bound(qts);

    /* BAR3 placed, decode on: table page claimed, pages 1-3 mapped, page 0 not. */
    place_nic_bar3(qts, NIC_TABLE);
    g_assert_cmpuint(mxt_mmio_claims(qts), ==, 0);            /* no decode yet */
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0006);
    g_assert_true(mxt_has_claim(qts, NIC_TABLE, NIC_TABLE + 0xfff));
    g_assert_true(mxt_has_mmio(qts, (NIC_TABLE >> 12) + 1, (NIC_BAR3_HOST >> 12) + 1, 3));
    mxt_assert_not_mapped(qts, NIC_TABLE >> 12, NIC_TABLE >> 12);

    /* Entries start masked and zero. */
    for (unsigned i = 0; i < 10; i++) {
        g_assert_cmphex(xpt_readl(qts, NIC_TABLE + 16 * i + 12), ==, 1);
        g_assert_cmphex(xpt_readl(qts, NIC_TABLE + 16 * i), ==, 0);
        g_assert_cmphex(xpt_readl(qts, NIC_TABLE + 16 * i + 8), ==, 0);
    }

    /* msix_capability_init: Enable + function mask, program, clear the function mask. */
    mxt_msix_ctrl(qts, NIC_CAP, CTRL_ENABLE | CTRL_MASKALL, 0);
    g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, NIC_CAP + 2), ==, 0xc009);
    g_assert_cmphex(mxt_last_host_write(qts, NIC_CAP + 2), ==, 0xc009);
    mxt_entry_program(qts, NIC_TABLE, 0, 0xfee01000, 0x0041);
    mxt_entry_program(qts, NIC_TABLE, 1, 0xfee2a00c, 0x8151);    /* dest 2a, RH, DM, LP, level */
    g_assert_cmphex(xpt_readl(qts, NIC_TABLE + 0), ==, 0xfee01000);
    g_assert_cmphex(xpt_readl(qts, NIC_TABLE + 8), ==, 0x0041);
    g_assert_cmphex(xpt_readq(qts, NIC_TABLE + 16), ==, 0xfee2a00c);
    g_assert_cmphex(xpt_readq(qts, NIC_TABLE + 24), ==, 0x100008151ull);   /* data, mask */
    mxt_assert_none_bound(qts);
    /* Clearing the function mask binds the two written entries, masked (gflags without
     * UNMASKED; QEMU xen_pt_msix_update): Xen keeps them masked until an unmask or the
     * guest's EVTCHNOP_bind_pirq reaches them. Entries never written stay unbound. */
    mxt_msix_ctrl(qts, NIC_CAP, 0, CTRL_MASKALL);
    g_assert_cmphex(mxt_last_host_write(qts, NIC_CAP + 2), ==, 0x8009);
    ExpEntry e[4] = {
        { NIC, 0, NIC_BAR3_HOST, 0x41, 0x01, NIC_TABLE },
        { NIC, 1, NIC_BAR3_HOST, 0x51,
          0x2a | GF_RH | GF_DM | GF_DELIV(1) | GF_TRIG, NIC_TABLE },
        { NIC, 2, NIC_BAR3_HOST, 0x43, mxt_expect_gflags(0xfee03000, 0x0043, false), NIC_TABLE },
        { NIC, 3, NIC_BAR3_HOST, 0x44, mxt_expect_gflags(0xfee04004, 0x0144, false), NIC_TABLE },
    };
    g_assert_cmphex(e[1].gflags, ==, mxt_expect_gflags(0xfee2a00c, 0x8151, true));
    json_node_unref(mxt_assert_bound(qts, e, 2));
    gint64 pirq0 = mxt_pirq_number(qts, NIC, 0), pirq1 = mxt_pirq_number(qts, NIC, 1);

    /* Unmask entry 0 → its binding (entry 0, host BAR base, gtable = table) is updated
     * in place with UNMASKED: same pirq, no new map. */
    gint64 maps0 = mxt_calls(qts, "map_pirq_msi");
    mxt_entry_mask(qts, NIC_TABLE, 0, false);
    e[0].gflags |= GF_UNMASKED;
    json_node_unref(mxt_assert_bound(qts, e, 2));
    mxt_entry_mask(qts, NIC_TABLE, 1, false);
    e[1].gflags |= GF_UNMASKED;
    json_node_unref(mxt_assert_bound(qts, e, 2));
    g_assert_cmpint(mxt_calls(qts, "map_pirq_msi"), ==, maps0);
    g_assert_cmpint(mxt_pirq_number(qts, NIC, 0), ==, pirq0);
    g_assert_cmpint(mxt_pirq_number(qts, NIC, 1), ==, pirq1);

    /* Masking a bound entry and unmasking it unchanged: no hypervisor call. */
    gint64 binds = mxt_calls(qts, "bind_msi"), maps = mxt_calls(qts, "map_pirq_msi");
    mxt_entry_mask(qts, NIC_TABLE, 0, true);
    json_node_unref(mxt_assert_bound(qts, e, 2));
    mxt_entry_mask(qts, NIC_TABLE, 0, false);
    json_node_unref(mxt_assert_bound(qts, e, 2));
    g_assert_cmpint(mxt_calls(qts, "bind_msi"), ==, binds);
    g_assert_cmpint(mxt_calls(qts, "map_pirq_msi"), ==, maps);

    /* Data written while unmasked: latched, no effect until the next unmask write —
     * even one to an entry already unmasked: Xen 4.17 forwards exactly that write after
     * an address/data change (msixtbl_write's table_flags), and QEMU applies it
     * (pci_msix_write: entry->updated). */
    xpt_writel(qts, NIC_TABLE + 16 + 8, 0x0052);
    g_assert_cmphex(xpt_readl(qts, NIC_TABLE + 16 + 8), ==, 0x0052);
    json_node_unref(mxt_assert_bound(qts, e, 2));
    mxt_entry_mask(qts, NIC_TABLE, 1, false);                     /* still unmasked */
    e[1].gvec = 0x52;
    e[1].gflags = 0x2a | GF_RH | GF_DM | GF_UNMASKED;         /* fixed, edge */
    json_node_unref(mxt_assert_bound(qts, e, 2));
    g_assert_cmpint(mxt_pirq_number(qts, NIC, 1), ==, pirq1);     /* updated in place */
    binds = mxt_calls(qts, "bind_msi");
    mxt_entry_mask(qts, NIC_TABLE, 1, true);
    mxt_entry_mask(qts, NIC_TABLE, 1, false);                     /* nothing changed since */
    json_node_unref(mxt_assert_bound(qts, e, 2));
    g_assert_cmpint(mxt_calls(qts, "bind_msi"), ==, binds);

    /* One 8-byte write for the address, one for data + vector control (unmask). */
    xpt_writeq(qts, NIC_TABLE + 32, 0xfee03000);
    xpt_writeq(qts, NIC_TABLE + 40, 0x0043);
    g_assert_cmphex(xpt_readl(qts, NIC_TABLE + 44), ==, 0);
    json_node_unref(mxt_assert_bound(qts, e, 3));

    /* Function mask: bindings stay; an entry unmasked under it is bound when it clears. */
    mxt_msix_ctrl(qts, NIC_CAP, CTRL_MASKALL, 0);
    g_assert_cmphex(mxt_last_host_write(qts, NIC_CAP + 2), ==, 0xc009);
    json_node_unref(mxt_assert_bound(qts, e, 3));
    mxt_entry_program(qts, NIC_TABLE, 3, 0xfee04004, 0x0144);     /* DM, lowest priority */
    mxt_entry_mask(qts, NIC_TABLE, 3, false);
    json_node_unref(mxt_assert_bound(qts, e, 3));
    mxt_msix_ctrl(qts, NIC_CAP, 0, CTRL_MASKALL);
    g_assert_cmphex(mxt_last_host_write(qts, NIC_CAP + 2), ==, 0x8009);
    json_node_unref(mxt_assert_bound(qts, e, 4));

    /* Disable: every entry unbound and unmapped; the host Enable goes off. */
    mxt_msix_ctrl(qts, NIC_CAP, 0, CTRL_ENABLE);
    mxt_assert_none_bound(qts);
    g_assert_cmphex(mxt_last_host_write(qts, NIC_CAP + 2), ==, 0x0009);
    g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, NIC_CAP + 2), ==, 0x0009);
    xpt_writel(qts, NIC_TABLE + 8, 0x0061);                   /* while disabled: latched */
    mxt_assert_none_bound(qts);

    /* Re-enable under the function mask: nothing; clearing it binds the unmasked
     * entries from their latches. */
    mxt_msix_ctrl(qts, NIC_CAP, CTRL_ENABLE | CTRL_MASKALL, 0);
    mxt_assert_none_bound(qts);
    mxt_msix_ctrl(qts, NIC_CAP, 0, CTRL_MASKALL);
    e[0].gvec = 0x61;
    json_node_unref(mxt_assert_bound(qts, e, 4));
    /* Disable and enable again in one go (no function mask): the same bindings. */
    mxt_msix_ctrl(qts, NIC_CAP, 0, CTRL_ENABLE);
    mxt_assert_none_bound(qts);
    mxt_msix_ctrl(qts, NIC_CAP, CTRL_ENABLE, 0);
    json_node_unref(mxt_assert_bound(qts, e, 4));

    /* Move BAR3 with entry 1 masked (and reprogrammed while masked): claim moves, every
     * binding gets the new gtable; the masked entry is bound again from its latch and
     * without UNMASKED (its mask at bind time), unmasked ones keep their flags. */
    mxt_entry_mask(qts, NIC_TABLE, 1, true);
    xpt_writel(qts, NIC_TABLE + 16 + 8, 0x0053);
    json_node_unref(mxt_assert_bound(qts, e, 4));
    const uint64_t moved = 0xf2000000;
    place_nic_bar3(qts, moved);
    g_assert_false(mxt_has_claim(qts, NIC_TABLE, NIC_TABLE + 0xfff));
    g_assert_true(mxt_has_claim(qts, moved, moved + 0xfff));
    g_assert_true(mxt_has_mmio(qts, (moved >> 12) + 1, (NIC_BAR3_HOST >> 12) + 1, 3));
    mxt_assert_not_mapped(qts, moved >> 12, moved >> 12);
    for (unsigned i = 0; i < 4; i++) {
        e[i].gtable = moved;
    }
    e[1].gvec = 0x53;
    e[1].gflags &= ~GF_UNMASKED;
    json_node_unref(mxt_assert_bound(qts, e, 4));
    g_assert_cmphex(xpt_readl(qts, moved + 8), ==, 0x0061);   /* the table follows */
    g_assert_cmphex(xpt_readl(qts, NIC_TABLE + 8), ==, 0xffffffff);
    /* Unmasking it updates the binding in place (same pirq) with UNMASKED. */
    mxt_entry_mask(qts, moved, 1, false);
    e[1].gflags |= GF_UNMASKED;
    json_node_unref(mxt_assert_bound(qts, e, 4));
    g_assert_cmpint(mxt_pirq_number(qts, NIC, 1), ==, pirq1);

    /* Memory decode off: the claim goes, bindings stay; back on: no rebind needed. */
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0004);
    g_assert_false(mxt_has_claim(qts, moved, moved + 0xfff));
    g_assert_cmphex(xpt_readl(qts, moved + 8), ==, 0xffffffff);
    json_node_unref(mxt_assert_bound(qts, e, 4));
    binds = mxt_calls(qts, "bind_msi");
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0006);
    g_assert_true(mxt_has_claim(qts, moved, moved + 0xfff));
    json_node_unref(mxt_assert_bound(qts, e, 4));
    g_assert_cmpint(mxt_calls(qts, "bind_msi"), ==, binds);
    xpt_test_finish(qts);   /* detach at exit: unbind, unmap, unclaim (leak check) */
}

/* ---- bounds and the host/shadow path ---------------------------------------------------- */

static void test_nic_bounds(void)
{
    XptQts *qts = mxt_start_nic(NULL);
    place_nic_bar3(qts, NIC_TABLE);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0002);
    mxt_msix_ctrl(qts, NIC_CAP, CTRL_ENABLE, 0);
    mxt_entry_program(qts, NIC_TABLE, 9, 0xfee00000, 0x0049);

    /* 1- and 2-byte, and misaligned accesses: ignored, reads all-ones. */
    g_assert_cmphex(xpt_readb(qts, NIC_TABLE + 16 * 9 + 8), ==, 0xff);
    g_assert_cmphex(xpt_readw(qts, NIC_TABLE + 16 * 9 + 8), ==, 0xffff);
    g_assert_cmphex(xpt_readl(qts, NIC_TABLE + 16 * 9 + 2), ==, 0xffffffff);
    g_assert_cmphex(xpt_readq(qts, NIC_TABLE + 16 * 9 + 4), ==, ~0ull);
    xpt_writeb(qts, NIC_TABLE + 16 * 9 + 12, 0);          /* would unmask entry 9 */
    xpt_writew(qts, NIC_TABLE + 16 * 9 + 12, 0);
    xpt_writel(qts, NIC_TABLE + 16 * 9 + 10, 0);
    xpt_writeq(qts, NIC_TABLE + 16 * 9 + 4, 0);
    xpt_writeb(qts, NIC_TABLE + 16 * 9 + 8, 0x77);
    g_assert_cmphex(xpt_readl(qts, NIC_TABLE + 16 * 9 + 12), ==, 1);
    g_assert_cmphex(xpt_readl(qts, NIC_TABLE + 16 * 9 + 8), ==, 0x49);
    g_assert_cmphex(xpt_readl(qts, NIC_TABLE + 16 * 9 + 4), ==, 0);
    mxt_assert_none_bound(qts);

    /* Past the table end (entry "10" at 0xa0) inside the trapped page: the host BAR
     * shadow, zero-filled, keeping writes; never an entry. */
    g_assert_cmphex(xpt_readl(qts, NIC_TABLE + 0xa0), ==, 0);
    xpt_writel(qts, NIC_TABLE + 0xa0, 0x12345678);
    xpt_writel(qts, NIC_TABLE + 0xac, 0);                  /* "vector control" of entry 10 */
    xpt_writeq(qts, NIC_TABLE + 0xff8, 0x1122334455667788ull);
    g_assert_cmphex(xpt_readl(qts, NIC_TABLE + 0xa0), ==, 0x12345678);
    g_assert_cmphex(xpt_readq(qts, NIC_TABLE + 0xff8), ==, 0x1122334455667788ull);
    g_assert_cmphex(xpt_readl(qts, NIC_TABLE + 0xffc), ==, 0x11223344);
    g_assert_cmphex(xpt_readl(qts, NIC_TABLE + 16 * 9 + 12), ==, 1);
    mxt_assert_none_bound(qts);

    /* The last entry works. */
    mxt_entry_mask(qts, NIC_TABLE, 9, false);
    ExpEntry e = { NIC, 9, NIC_BAR3_HOST, 0x49, GF_UNMASKED, NIC_TABLE };
    json_node_unref(mxt_assert_bound(qts, &e, 1));
    /* Reads of the page that the guest maps directly (BAR3 page 1) are not ours. */
    g_assert_true(mxt_has_mmio(qts, (NIC_TABLE >> 12) + 1, (NIC_BAR3_HOST >> 12) + 1, 3));
    xpt_test_finish(qts);
}

/* Bad accesses are logged under -d guest_errors, rate-limited (XSA-130). */
static void test_nic_bad_access_ratelimited(void)
{
    XptQts *qts = mxt_start_nic("-d guest_errors");
    place_nic_bar3(qts, NIC_TABLE);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0002);
    for (unsigned i = 0; i < 60; i++) {
        xpt_writeb(qts, NIC_TABLE + i, 0);
    }
    g_autofree char *err = xpt_qts_stderr(qts);
    unsigned n = mxt_count_lines(err, "MSI-X table page write", NIC);
    g_assert_cmpuint(n, >=, 1);
    g_assert_cmpuint(n, <=, 30);                  /* 10 per second; the loop is fast */
    xpt_test_finish(qts);
}

/* ---- hypervisor failures ------------------------------------------------------------------ */

typedef struct {
    const char *op;
    const char *err;
    const char *call;
} FaultCase;

static const FaultCase faults[] = {
    { "map_pirq_msi", "EPERM", "xc_physdev_map_pirq_msi" },
    { "map_pirq_msi", "ENOSPC", "xc_physdev_map_pirq_msi" },
    { "map_pirq_msi", "EBUSY", "xc_physdev_map_pirq_msi" },
    { "map_pirq_msi", "EINVAL", "xc_physdev_map_pirq_msi" },
    { "bind_msi", "EPERM", "xc_domain_update_msi_irq" },
    { "bind_msi", "ENOSPC", "xc_domain_update_msi_irq" },
    { "bind_msi", "EBUSY", "xc_domain_update_msi_irq" },
    { "bind_msi", "EINVAL", "xc_domain_update_msi_irq" },
};

/* A failing map or bind at unmask: entry unbound, pirq given back, one message naming
 * the SBDF and the call; the next unmask works; nothing leaks. */
static void test_fault(gconstpointer data)
{
    const FaultCase *f = data;
    XptQts *qts = mxt_start_nic(NULL);
    mxt_all_writes(qts);
    place_nic_bar3(qts, NIC_TABLE);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0002);
    mxt_msix_ctrl(qts, NIC_CAP, CTRL_ENABLE, 0);
    mxt_entry_program(qts, NIC_TABLE, 0, 0xfee00000, 0x0041);
    g_autoptr(JsonNode) r = xpt_sim_command(qts, "fail %s %s", f->op, f->err);
    mxt_entry_mask(qts, NIC_TABLE, 0, false);
    mxt_assert_none_bound(qts);
    g_autofree char *err = xpt_qts_stderr(qts);
    g_assert_cmpuint(mxt_count_lines(err, f->call, NULL), ==, 1);
    g_assert_cmpuint(mxt_count_lines(err, "warning:", f->call), ==, 1);
    g_assert_cmpuint(mxt_count_lines(err, NIC, f->call), ==, 1);
    g_assert_cmpuint(mxt_count_lines(err, "MSI-X", "warning:"), ==, 1);   /* not the attach line */
    g_assert_nonnull(strstr(err, "entry 0"));
    g_assert_nonnull(strstr(err, g_strerror(strcmp(f->err, "EPERM") == 0 ? EPERM
                                            : strcmp(f->err, "ENOSPC") == 0 ? ENOSPC
                                            : strcmp(f->err, "EBUSY") == 0 ? EBUSY
                                            : EINVAL)));
    /* The guest unmasks again (after masking) and it works. */
    mxt_entry_mask(qts, NIC_TABLE, 0, true);
    mxt_entry_mask(qts, NIC_TABLE, 0, false);
    ExpEntry e = { NIC, 0, NIC_BAR3_HOST, 0x41, GF_UNMASKED, NIC_TABLE };
    json_node_unref(mxt_assert_bound(qts, &e, 1));
    xpt_test_finish(qts);
}

/* A failed update keeps the previous binding; a failed rebind after a BAR move leaves
 * the entry unbound with its pirq released; both recover at the next unmask. */
static void test_fault_update_and_move(void)
{
    XptQts *qts = mxt_start_nic(NULL);
    mxt_all_writes(qts);
    place_nic_bar3(qts, NIC_TABLE);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0002);
    mxt_msix_ctrl(qts, NIC_CAP, CTRL_ENABLE, 0);
    mxt_entry_program(qts, NIC_TABLE, 0, 0xfee00000, 0x0041);
    mxt_entry_mask(qts, NIC_TABLE, 0, false);
    ExpEntry e = { NIC, 0, NIC_BAR3_HOST, 0x41, GF_UNMASKED, NIC_TABLE };
    json_node_unref(mxt_assert_bound(qts, &e, 1));
    gint64 pirq = mxt_pirq_number(qts, NIC, 0);

    mxt_entry_mask(qts, NIC_TABLE, 0, true);
    xpt_writel(qts, NIC_TABLE + 8, 0x0042);
    g_autoptr(JsonNode) r1 = xpt_sim_command(qts, "fail bind_msi EINVAL");
    mxt_entry_mask(qts, NIC_TABLE, 0, false);
    json_node_unref(mxt_assert_bound(qts, &e, 1));               /* still 0x41 */
    g_assert_cmpint(mxt_pirq_number(qts, NIC, 0), ==, pirq);
    mxt_entry_mask(qts, NIC_TABLE, 0, true);
    mxt_entry_mask(qts, NIC_TABLE, 0, false);
    e.gvec = 0x42;
    json_node_unref(mxt_assert_bound(qts, &e, 1));

    g_autoptr(JsonNode) r2 = xpt_sim_command(qts, "fail bind_msi EBUSY");
    place_nic_bar3(qts, 0xf2000000);
    mxt_assert_none_bound(qts);
    g_autofree char *err = xpt_qts_stderr(qts);
    g_assert_cmpuint(mxt_count_lines(err, "xc_domain_update_msi_irq", NIC), ==, 2);
    g_assert_true(mxt_has_claim(qts, 0xf2000000, 0xf2000fff));
    mxt_entry_mask(qts, NIC_TABLE, 0, true);                       /* old address: nothing */
    mxt_entry_mask(qts, 0xf2000000, 0, true);
    mxt_entry_mask(qts, 0xf2000000, 0, false);
    e.gtable = 0xf2000000;
    json_node_unref(mxt_assert_bound(qts, &e, 1));
    xpt_test_finish(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/msix/82576/lifecycle", test_nic_lifecycle);
    g_test_add_func("/msix/82576/bounds", test_nic_bounds);
    g_test_add_func("/msix/82576/bad-access-ratelimited", test_nic_bad_access_ratelimited);
    for (unsigned i = 0; i < G_N_ELEMENTS(faults); i++) {
        g_autofree char *path = g_strdup_printf("/msix/82576/fault/%s-%s", faults[i].op,
                                                faults[i].err);
        g_test_add_data_func(path, &faults[i], test_fault);
    }
    g_test_add_func("/msix/82576/fault/update-and-move", test_fault_update_and_move);
    return g_test_run();
}
