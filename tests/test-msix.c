/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MSI-X end to end (SPEC §6; reference/config-space.md "MSI-X (11)", "MSI-X table
 * (trapped pages)"; reference/xen-abi.md §Interrupts and §Call sequences): the real
 * binary under -accel qtest with fixture devices as hosts, driven as Linux's
 * msix_capability_init / pci_msi_unmask_irq do. After each step the sim's pirqs, MSI
 * bindings (gvec, every gflags bit, gtable), claims and p2m are compared with what Xen
 * would hold. Linux HVM guests on Xen are driven both ways: using pirqs (the pirq in the
 * address, per-vector masks never touched, EVTCHNOP_bind_pirq through the sim's guest
 * commands) and natively; the sim says whether each vector would be delivered.
 * Also: hw/host/host-bar.c on a temporary sysfs-like tree.
 */
#include <errno.h>
#include <string.h>

#include "hw/host/host-bar.h"
#include "qtest/client.h"
#include "tests/testutil.h"
#include "util/error.h"

#define SLOT2 0x10                  /* devfn of the first cold-plugged slot */

/* Intel 82576 (pciutils-tests/cap-pcie-2 01:00.0): MSI-X at 0x70, 10 entries in BAR3
 * (host 0xe0840000, 16 KiB) at offset 0, PBA at BAR3 + 0x2000; Enable set in the dump. */
#define NIC "0000:01:00.0"
#define NIC_CAP 0x70
#define NIC_BAR3_HOST 0xe0840000ull
#define NIC_TABLE 0xf1000000ull     /* where the tests place BAR3 */

/* MSI-X Message Control (PCI LB 3.0 §6.8.2.3). */
#define CTRL_ENABLE 0x8000
#define CTRL_MASKALL 0x4000

/* XEN_DOMCTL_VMSI_X86_* (xen/domctl.h), spelled out so the test checks the encoding. */
#define GF_RH (1u << 8)
#define GF_DM (1u << 9)
#define GF_DELIV(m) ((uint32_t)(m) << 12)
#define GF_TRIG (1u << 15)
#define GF_UNMASKED (1u << 16)

/* gflags Xen expects from an x86 MSI address/data (Intel SDM vol. 3 §11.11): dest ID =
 * address bits 19:12, RH = bit 3, DM = bit 2; delivery mode = data bits 10:8, trigger
 * = data bit 15; UNMASKED when the entry is not masked. */
static uint32_t expect_gflags(uint64_t addr, uint32_t data, bool masked)
{
    uint32_t f = (uint32_t)(addr >> 12) & 0xff;
    f |= (addr & 0x8) ? GF_RH : 0;
    f |= (addr & 0x4) ? GF_DM : 0;
    f |= GF_DELIV((data >> 8) & 7);
    f |= (data & 0x8000) ? GF_TRIG : 0;
    f |= masked ? 0 : GF_UNMASKED;
    return f;
}

/* ---- process and state helpers --------------------------------------------------------- */

static XptQts *start_dump(const char *fixture, const char *hostaddr, const char *pre,
                          const char *extra)
{
    g_autofree char *args = g_strdup_printf(
        "%s -device xen-pci-passthrough,hostaddr=%s,id=pt0,host-dump=%s%s", pre ? pre : "",
        hostaddr, xpt_test_fixture(fixture), extra ? extra : "");
    return xpt_qts_start(args);
}

static XptQts *start_nic(const char *pre)
{
    return start_dump("pciutils-tests/cap-pcie-2", NIC, pre, NULL);
}

static JsonObject *root(JsonNode *st)
{
    return json_node_get_object(st);
}

static JsonArray *member(JsonNode *st, const char *name)
{
    return json_object_get_array_member(root(st), name);
}

static gint64 calls(XptQts *qts, const char *op)
{
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    JsonObject *c = json_object_get_object_member(root(st), "calls");
    return json_object_has_member(c, op) ? json_object_get_int_member(c, op) : 0;
}

/*
 * The simulated Xen forwards every MSI-X table write, mask writes included
 * (XENFEAT_dm_msix_all_writes, Xen ≥ 4.19): the tests of the device model's own view of
 * each write. Without it (the default, Xen 4.17) Xen keeps the mask of bound entries to
 * itself: the /msix/xen-4.17/ tests.
 */
static void all_writes(XptQts *qts)
{
    g_autoptr(JsonNode) r = xpt_sim_command(qts, "feature dm_msix_all_writes on");
}

/* Number of MSI-source pirqs, and of MSI bindings. */
static guint count_msi_pirqs(JsonNode *st)
{
    JsonArray *a = member(st, "pirqs");
    guint n = 0;
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonObject *o = json_array_get_object_element(a, i);
        n += g_strcmp0(json_object_get_string_member(o, "source"), "msi") == 0;
    }
    return n;
}

static JsonObject *pirq_of_entry(JsonNode *st, const char *sbdf, gint64 entry)
{
    JsonArray *a = member(st, "pirqs");
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonObject *o = json_array_get_object_element(a, i);
        if (g_strcmp0(json_object_get_string_member(o, "source"), "msi") == 0 &&
            g_strcmp0(json_object_get_string_member(o, "sbdf"), sbdf) == 0 &&
            json_object_get_int_member(o, "entry") == entry) {
            return o;
        }
    }
    return NULL;
}

/* Expected state of one entry: mapped from (sbdf, entry, table_base), bound with
 * gvec/gflags/gtable. */
typedef struct {
    const char *sbdf;
    unsigned entry;
    uint64_t table_base;
    uint32_t gvec;
    uint32_t gflags;
    uint64_t gtable;
} ExpEntry;

static gint64 check_bound(JsonNode *st, const ExpEntry *e)
{
    JsonObject *p = pirq_of_entry(st, e->sbdf, e->entry);
    if (!p) {
        g_error("MSI-X entry %u of %s has no pirq", e->entry, e->sbdf);
    }
    g_assert_cmphex(json_object_get_int_member(p, "table_base"), ==, e->table_base);
    gint64 pirq = json_object_get_int_member(p, "pirq");
    JsonObject *b = xpt_state_msi_binding(st, pirq);
    if (!b) {
        g_error("MSI-X entry %u (pirq %" G_GINT64_FORMAT ") is not bound", e->entry, pirq);
    }
    g_assert_cmphex(json_object_get_int_member(b, "gvec"), ==, e->gvec);
    g_assert_cmphex(json_object_get_int_member(b, "gflags"), ==, e->gflags);
    g_assert_cmphex(json_object_get_int_member(b, "gtable"), ==, e->gtable);
    return pirq;
}

/* Assert that exactly the @n entries of @exp are mapped and bound; returns the state. */
static JsonNode *assert_bound(XptQts *qts, const ExpEntry *exp, guint n)
{
    JsonNode *st = xpt_sim_state(qts);
    for (guint i = 0; i < n; i++) {
        check_bound(st, &exp[i]);
    }
    g_assert_cmpuint(count_msi_pirqs(st), ==, n);
    g_assert_cmpuint(json_array_get_length(member(st, "msi")), ==, n);
    return st;
}

static void assert_none_bound(XptQts *qts)
{
    g_autoptr(JsonNode) st = assert_bound(qts, NULL, 0);
}

static gint64 pirq_number(XptQts *qts, const char *sbdf, unsigned entry)
{
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    JsonObject *p = pirq_of_entry(st, sbdf, entry);
    g_assert_nonnull(p);
    return json_object_get_int_member(p, "pirq");
}

static bool has_claim(XptQts *qts, uint64_t start, uint64_t end)
{
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    JsonArray *a = json_object_get_array_member(
        json_object_get_object_member(root(st), "claims"), "mmio");
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonObject *c = json_array_get_object_element(a, i);
        if ((uint64_t)json_object_get_int_member(c, "start") == start &&
            (uint64_t)json_object_get_int_member(c, "end") == end) {
            return true;
        }
    }
    return false;
}

static guint mmio_claims(XptQts *qts)
{
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    return json_array_get_length(json_object_get_array_member(
        json_object_get_object_member(root(st), "claims"), "mmio"));
}

static bool has_mmio(XptQts *qts, uint64_t gfn, uint64_t mfn, uint64_t nr)
{
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    return xpt_state_has_mmio(st, gfn, mfn, nr);
}

/* No p2m mapping touches guest frames [first, last] (invariant 10). */
static void assert_not_mapped(XptQts *qts, uint64_t first, uint64_t last)
{
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    JsonArray *a = member(st, "mmio");
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonObject *m = json_array_get_object_element(a, i);
        uint64_t gfn = (uint64_t)json_object_get_int_member(m, "gfn");
        uint64_t nr = (uint64_t)json_object_get_int_member(m, "nr");
        if (gfn <= last && first < gfn + nr) {
            g_error("table frames 0x%" G_GINT64_MODIFIER "x-0x%" G_GINT64_MODIFIER
                    "x are in the p2m (gfn 0x%" G_GINT64_MODIFIER "x, %" G_GUINT64_FORMAT
                    " pages)", first, last, gfn, nr);
        }
    }
}

static uint32_t last_host_write(XptQts *qts, unsigned offset)
{
    g_autoptr(GArray) w = xpt_test_host_writes_at(qts, "pt0", offset);
    g_assert_cmpuint(w->len, >, 0);
    return g_array_index(w, uint32_t, w->len - 1);
}

/* Lines of @text containing both @a and @b. */
static unsigned count_lines(const char *text, const char *a, const char *b)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    unsigned n = 0;
    for (unsigned i = 0; lines[i]; i++) {
        n += strstr(lines[i], a) && (!b || strstr(lines[i], b));
    }
    return n;
}

/* ---- the guest driver (Linux drivers/pci/msi) --------------------------------------- */

static void msix_ctrl(XptQts *qts, unsigned cap, uint16_t set, uint16_t clear)
{
    uint16_t v = xpt_cfg_readw(qts, SLOT2, cap + 2);
    xpt_cfg_writew(qts, SLOT2, cap + 2, (uint16_t)((v & ~clear) | set));
}

/* __pci_write_msi_msg for a masked entry: address lo, address hi, data. */
static void entry_program(XptQts *qts, uint64_t table, unsigned i, uint64_t addr, uint16_t data)
{
    xpt_writel(qts, table + 16 * i, (uint32_t)addr);
    xpt_writel(qts, table + 16 * i + 4, (uint32_t)(addr >> 32));
    xpt_writel(qts, table + 16 * i + 8, data);
}

static void entry_mask(XptQts *qts, uint64_t table, unsigned i, bool masked)
{
    xpt_writel(qts, table + 16 * i + 12, masked ? 1 : 0);
    (void)xpt_readl(qts, table + 16 * i + 12);          /* Linux flushes with a read */
}

static void place_nic_bar3(XptQts *qts, uint64_t addr)
{
    xpt_cfg_writel(qts, SLOT2, 0x1c, (uint32_t)addr);
}

/* ---- 82576: the whole life of a table -------------------------------------------------- */

static void test_nic_lifecycle(void)
{
    XptQts *qts = start_nic(NULL);
    all_writes(qts);
    /* The dump has MSI-X enabled: attach cleared it on the host (one config write). */
    g_autoptr(GArray) w0 = xpt_test_host_writes_at(qts, "pt0", NIC_CAP + 2);
    g_assert_cmpuint(w0->len, ==, 1);
    g_assert_cmphex(g_array_index(w0, uint32_t, 0), ==, 0x0009);
    g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, NIC_CAP + 2), ==, 0x0009);
    assert_none_bound(qts);

    /* BAR3 placed, decode on: table page claimed, pages 1-3 mapped, page 0 not. */
    place_nic_bar3(qts, NIC_TABLE);
    g_assert_cmpuint(mmio_claims(qts), ==, 0);            /* no decode yet */
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0006);
    g_assert_true(has_claim(qts, NIC_TABLE, NIC_TABLE + 0xfff));
    g_assert_true(has_mmio(qts, (NIC_TABLE >> 12) + 1, (NIC_BAR3_HOST >> 12) + 1, 3));
    assert_not_mapped(qts, NIC_TABLE >> 12, NIC_TABLE >> 12);

    /* Entries start masked and zero. */
    for (unsigned i = 0; i < 10; i++) {
        g_assert_cmphex(xpt_readl(qts, NIC_TABLE + 16 * i + 12), ==, 1);
        g_assert_cmphex(xpt_readl(qts, NIC_TABLE + 16 * i), ==, 0);
        g_assert_cmphex(xpt_readl(qts, NIC_TABLE + 16 * i + 8), ==, 0);
    }

    /* msix_capability_init: Enable + function mask, program, clear the function mask. */
    msix_ctrl(qts, NIC_CAP, CTRL_ENABLE | CTRL_MASKALL, 0);
    g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, NIC_CAP + 2), ==, 0xc009);
    g_assert_cmphex(last_host_write(qts, NIC_CAP + 2), ==, 0xc009);
    entry_program(qts, NIC_TABLE, 0, 0xfee01000, 0x0041);
    entry_program(qts, NIC_TABLE, 1, 0xfee2a00c, 0x8151);    /* dest 2a, RH, DM, LP, level */
    g_assert_cmphex(xpt_readl(qts, NIC_TABLE + 0), ==, 0xfee01000);
    g_assert_cmphex(xpt_readl(qts, NIC_TABLE + 8), ==, 0x0041);
    g_assert_cmphex(xpt_readq(qts, NIC_TABLE + 16), ==, 0xfee2a00c);
    g_assert_cmphex(xpt_readq(qts, NIC_TABLE + 24), ==, 0x100008151ull);   /* data, mask */
    assert_none_bound(qts);
    /* Clearing the function mask binds the two written entries, masked (gflags without
     * UNMASKED; QEMU xen_pt_msix_update): Xen keeps them masked until an unmask or the
     * guest's EVTCHNOP_bind_pirq reaches them. Entries never written stay unbound. */
    msix_ctrl(qts, NIC_CAP, 0, CTRL_MASKALL);
    g_assert_cmphex(last_host_write(qts, NIC_CAP + 2), ==, 0x8009);
    ExpEntry e[4] = {
        { NIC, 0, NIC_BAR3_HOST, 0x41, 0x01, NIC_TABLE },
        { NIC, 1, NIC_BAR3_HOST, 0x51,
          0x2a | GF_RH | GF_DM | GF_DELIV(1) | GF_TRIG, NIC_TABLE },
        { NIC, 2, NIC_BAR3_HOST, 0x43, expect_gflags(0xfee03000, 0x0043, false), NIC_TABLE },
        { NIC, 3, NIC_BAR3_HOST, 0x44, expect_gflags(0xfee04004, 0x0144, false), NIC_TABLE },
    };
    g_assert_cmphex(e[1].gflags, ==, expect_gflags(0xfee2a00c, 0x8151, true));
    json_node_unref(assert_bound(qts, e, 2));
    gint64 pirq0 = pirq_number(qts, NIC, 0), pirq1 = pirq_number(qts, NIC, 1);

    /* Unmask entry 0 → its binding (entry 0, host BAR base, gtable = table) is updated
     * in place with UNMASKED: same pirq, no new map. */
    gint64 maps0 = calls(qts, "map_pirq_msi");
    entry_mask(qts, NIC_TABLE, 0, false);
    e[0].gflags |= GF_UNMASKED;
    json_node_unref(assert_bound(qts, e, 2));
    entry_mask(qts, NIC_TABLE, 1, false);
    e[1].gflags |= GF_UNMASKED;
    json_node_unref(assert_bound(qts, e, 2));
    g_assert_cmpint(calls(qts, "map_pirq_msi"), ==, maps0);
    g_assert_cmpint(pirq_number(qts, NIC, 0), ==, pirq0);
    g_assert_cmpint(pirq_number(qts, NIC, 1), ==, pirq1);

    /* Masking a bound entry and unmasking it unchanged: no hypervisor call. */
    gint64 binds = calls(qts, "bind_msi"), maps = calls(qts, "map_pirq_msi");
    entry_mask(qts, NIC_TABLE, 0, true);
    json_node_unref(assert_bound(qts, e, 2));
    entry_mask(qts, NIC_TABLE, 0, false);
    json_node_unref(assert_bound(qts, e, 2));
    g_assert_cmpint(calls(qts, "bind_msi"), ==, binds);
    g_assert_cmpint(calls(qts, "map_pirq_msi"), ==, maps);

    /* Data written while unmasked: latched, no effect until the next unmask write —
     * even one to an entry already unmasked: Xen 4.17 forwards exactly that write after
     * an address/data change (msixtbl_write's table_flags), and QEMU applies it
     * (pci_msix_write: entry->updated). */
    xpt_writel(qts, NIC_TABLE + 16 + 8, 0x0052);
    g_assert_cmphex(xpt_readl(qts, NIC_TABLE + 16 + 8), ==, 0x0052);
    json_node_unref(assert_bound(qts, e, 2));
    entry_mask(qts, NIC_TABLE, 1, false);                     /* still unmasked */
    e[1].gvec = 0x52;
    e[1].gflags = 0x2a | GF_RH | GF_DM | GF_UNMASKED;         /* fixed, edge */
    json_node_unref(assert_bound(qts, e, 2));
    g_assert_cmpint(pirq_number(qts, NIC, 1), ==, pirq1);     /* updated in place */
    binds = calls(qts, "bind_msi");
    entry_mask(qts, NIC_TABLE, 1, true);
    entry_mask(qts, NIC_TABLE, 1, false);                     /* nothing changed since */
    json_node_unref(assert_bound(qts, e, 2));
    g_assert_cmpint(calls(qts, "bind_msi"), ==, binds);

    /* One 8-byte write for the address, one for data + vector control (unmask). */
    xpt_writeq(qts, NIC_TABLE + 32, 0xfee03000);
    xpt_writeq(qts, NIC_TABLE + 40, 0x0043);
    g_assert_cmphex(xpt_readl(qts, NIC_TABLE + 44), ==, 0);
    json_node_unref(assert_bound(qts, e, 3));

    /* Function mask: bindings stay; an entry unmasked under it is bound when it clears. */
    msix_ctrl(qts, NIC_CAP, CTRL_MASKALL, 0);
    g_assert_cmphex(last_host_write(qts, NIC_CAP + 2), ==, 0xc009);
    json_node_unref(assert_bound(qts, e, 3));
    entry_program(qts, NIC_TABLE, 3, 0xfee04004, 0x0144);     /* DM, lowest priority */
    entry_mask(qts, NIC_TABLE, 3, false);
    json_node_unref(assert_bound(qts, e, 3));
    msix_ctrl(qts, NIC_CAP, 0, CTRL_MASKALL);
    g_assert_cmphex(last_host_write(qts, NIC_CAP + 2), ==, 0x8009);
    json_node_unref(assert_bound(qts, e, 4));

    /* Disable: every entry unbound and unmapped; the host Enable goes off. */
    msix_ctrl(qts, NIC_CAP, 0, CTRL_ENABLE);
    assert_none_bound(qts);
    g_assert_cmphex(last_host_write(qts, NIC_CAP + 2), ==, 0x0009);
    g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, NIC_CAP + 2), ==, 0x0009);
    xpt_writel(qts, NIC_TABLE + 8, 0x0061);                   /* while disabled: latched */
    assert_none_bound(qts);

    /* Re-enable under the function mask: nothing; clearing it binds the unmasked
     * entries from their latches. */
    msix_ctrl(qts, NIC_CAP, CTRL_ENABLE | CTRL_MASKALL, 0);
    assert_none_bound(qts);
    msix_ctrl(qts, NIC_CAP, 0, CTRL_MASKALL);
    e[0].gvec = 0x61;
    json_node_unref(assert_bound(qts, e, 4));
    /* Disable and enable again in one go (no function mask): the same bindings. */
    msix_ctrl(qts, NIC_CAP, 0, CTRL_ENABLE);
    assert_none_bound(qts);
    msix_ctrl(qts, NIC_CAP, CTRL_ENABLE, 0);
    json_node_unref(assert_bound(qts, e, 4));

    /* Move BAR3 with entry 1 masked (and reprogrammed while masked): claim moves, every
     * binding gets the new gtable; the masked entry is bound again from its latch and
     * without UNMASKED (its mask at bind time), unmasked ones keep their flags. */
    entry_mask(qts, NIC_TABLE, 1, true);
    xpt_writel(qts, NIC_TABLE + 16 + 8, 0x0053);
    json_node_unref(assert_bound(qts, e, 4));
    const uint64_t moved = 0xf2000000;
    place_nic_bar3(qts, moved);
    g_assert_false(has_claim(qts, NIC_TABLE, NIC_TABLE + 0xfff));
    g_assert_true(has_claim(qts, moved, moved + 0xfff));
    g_assert_true(has_mmio(qts, (moved >> 12) + 1, (NIC_BAR3_HOST >> 12) + 1, 3));
    assert_not_mapped(qts, moved >> 12, moved >> 12);
    for (unsigned i = 0; i < 4; i++) {
        e[i].gtable = moved;
    }
    e[1].gvec = 0x53;
    e[1].gflags &= ~GF_UNMASKED;
    json_node_unref(assert_bound(qts, e, 4));
    g_assert_cmphex(xpt_readl(qts, moved + 8), ==, 0x0061);   /* the table follows */
    g_assert_cmphex(xpt_readl(qts, NIC_TABLE + 8), ==, 0xffffffff);
    /* Unmasking it updates the binding in place (same pirq) with UNMASKED. */
    entry_mask(qts, moved, 1, false);
    e[1].gflags |= GF_UNMASKED;
    json_node_unref(assert_bound(qts, e, 4));
    g_assert_cmpint(pirq_number(qts, NIC, 1), ==, pirq1);

    /* Memory decode off: the claim goes, bindings stay; back on: no rebind needed. */
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0004);
    g_assert_false(has_claim(qts, moved, moved + 0xfff));
    g_assert_cmphex(xpt_readl(qts, moved + 8), ==, 0xffffffff);
    json_node_unref(assert_bound(qts, e, 4));
    binds = calls(qts, "bind_msi");
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0006);
    g_assert_true(has_claim(qts, moved, moved + 0xfff));
    json_node_unref(assert_bound(qts, e, 4));
    g_assert_cmpint(calls(qts, "bind_msi"), ==, binds);
    xpt_test_finish(qts);   /* detach at exit: unbind, unmap, unclaim (leak check) */
}

/* ---- bounds and the host/shadow path ---------------------------------------------------- */

static void test_nic_bounds(void)
{
    XptQts *qts = start_nic(NULL);
    place_nic_bar3(qts, NIC_TABLE);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0002);
    msix_ctrl(qts, NIC_CAP, CTRL_ENABLE, 0);
    entry_program(qts, NIC_TABLE, 9, 0xfee00000, 0x0049);

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
    assert_none_bound(qts);

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
    assert_none_bound(qts);

    /* The last entry works. */
    entry_mask(qts, NIC_TABLE, 9, false);
    ExpEntry e = { NIC, 9, NIC_BAR3_HOST, 0x49, GF_UNMASKED, NIC_TABLE };
    json_node_unref(assert_bound(qts, &e, 1));
    /* Reads of the page that the guest maps directly (BAR3 page 1) are not ours. */
    g_assert_true(has_mmio(qts, (NIC_TABLE >> 12) + 1, (NIC_BAR3_HOST >> 12) + 1, 3));
    xpt_test_finish(qts);
}

/* Bad accesses are logged under -d guest_errors, rate-limited (XSA-130). */
static void test_nic_bad_access_ratelimited(void)
{
    XptQts *qts = start_nic("-d guest_errors");
    place_nic_bar3(qts, NIC_TABLE);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0002);
    for (unsigned i = 0; i < 60; i++) {
        xpt_writeb(qts, NIC_TABLE + i, 0);
    }
    g_autofree char *err = xpt_qts_stderr(qts);
    unsigned n = count_lines(err, "MSI-X table page write", NIC);
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
    XptQts *qts = start_nic(NULL);
    all_writes(qts);
    place_nic_bar3(qts, NIC_TABLE);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0002);
    msix_ctrl(qts, NIC_CAP, CTRL_ENABLE, 0);
    entry_program(qts, NIC_TABLE, 0, 0xfee00000, 0x0041);
    g_autoptr(JsonNode) r = xpt_sim_command(qts, "fail %s %s", f->op, f->err);
    entry_mask(qts, NIC_TABLE, 0, false);
    assert_none_bound(qts);
    g_autofree char *err = xpt_qts_stderr(qts);
    g_assert_cmpuint(count_lines(err, f->call, NULL), ==, 1);
    g_assert_cmpuint(count_lines(err, "warning:", f->call), ==, 1);
    g_assert_cmpuint(count_lines(err, NIC, f->call), ==, 1);
    g_assert_cmpuint(count_lines(err, "MSI-X", "warning:"), ==, 1);   /* not the attach line */
    g_assert_nonnull(strstr(err, "entry 0"));
    g_assert_nonnull(strstr(err, g_strerror(strcmp(f->err, "EPERM") == 0 ? EPERM
                                            : strcmp(f->err, "ENOSPC") == 0 ? ENOSPC
                                            : strcmp(f->err, "EBUSY") == 0 ? EBUSY
                                            : EINVAL)));
    /* The guest unmasks again (after masking) and it works. */
    entry_mask(qts, NIC_TABLE, 0, true);
    entry_mask(qts, NIC_TABLE, 0, false);
    ExpEntry e = { NIC, 0, NIC_BAR3_HOST, 0x41, GF_UNMASKED, NIC_TABLE };
    json_node_unref(assert_bound(qts, &e, 1));
    xpt_test_finish(qts);
}

/* A failed update keeps the previous binding; a failed rebind after a BAR move leaves
 * the entry unbound with its pirq released; both recover at the next unmask. */
static void test_fault_update_and_move(void)
{
    XptQts *qts = start_nic(NULL);
    all_writes(qts);
    place_nic_bar3(qts, NIC_TABLE);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0002);
    msix_ctrl(qts, NIC_CAP, CTRL_ENABLE, 0);
    entry_program(qts, NIC_TABLE, 0, 0xfee00000, 0x0041);
    entry_mask(qts, NIC_TABLE, 0, false);
    ExpEntry e = { NIC, 0, NIC_BAR3_HOST, 0x41, GF_UNMASKED, NIC_TABLE };
    json_node_unref(assert_bound(qts, &e, 1));
    gint64 pirq = pirq_number(qts, NIC, 0);

    entry_mask(qts, NIC_TABLE, 0, true);
    xpt_writel(qts, NIC_TABLE + 8, 0x0042);
    g_autoptr(JsonNode) r1 = xpt_sim_command(qts, "fail bind_msi EINVAL");
    entry_mask(qts, NIC_TABLE, 0, false);
    json_node_unref(assert_bound(qts, &e, 1));               /* still 0x41 */
    g_assert_cmpint(pirq_number(qts, NIC, 0), ==, pirq);
    entry_mask(qts, NIC_TABLE, 0, true);
    entry_mask(qts, NIC_TABLE, 0, false);
    e.gvec = 0x42;
    json_node_unref(assert_bound(qts, &e, 1));

    g_autoptr(JsonNode) r2 = xpt_sim_command(qts, "fail bind_msi EBUSY");
    place_nic_bar3(qts, 0xf2000000);
    assert_none_bound(qts);
    g_autofree char *err = xpt_qts_stderr(qts);
    g_assert_cmpuint(count_lines(err, "xc_domain_update_msi_irq", NIC), ==, 2);
    g_assert_true(has_claim(qts, 0xf2000000, 0xf2000fff));
    entry_mask(qts, NIC_TABLE, 0, true);                       /* old address: nothing */
    entry_mask(qts, 0xf2000000, 0, true);
    entry_mask(qts, 0xf2000000, 0, false);
    e.gtable = 0xf2000000;
    json_node_unref(assert_bound(qts, &e, 1));
    xpt_test_finish(qts);
}

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
    XptQts *qts = start_dump("pciutils-tests/cap-phy32", NVME, NULL, NULL);
    all_writes(qts);
    unsigned cap = find_cap(qts, 0x11);
    g_assert_cmphex(cap, !=, 0);
    g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, cap + 2) & 0x7ff, ==, 128);
    g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, cap + 4), ==, 0x4000);   /* BIR 0 */
    g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, cap + 8), ==, 0x3000);   /* PBA BIR 0 */

    const uint64_t bar = 0xf0000000, table = bar + 0x4000;
    xpt_cfg_writel(qts, SLOT2, 0x10, (uint32_t)bar);
    xpt_cfg_writel(qts, SLOT2, 0x14, 0);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0006);
    g_assert_true(has_claim(qts, table, table + 0xfff));
    g_assert_true(has_mmio(qts, bar >> 12, NVME_BAR0_HOST >> 12, 4));   /* 0-3, PBA page */
    g_assert_true(has_mmio(qts, (bar >> 12) + 5, (NVME_BAR0_HOST >> 12) + 5, 3));
    assert_not_mapped(qts, table >> 12, table >> 12);

    msix_ctrl(qts, cap, CTRL_ENABLE, 0);
    /* Entry 128, the last one (0x4800). */
    entry_program(qts, table, 128, 0xfee05000, 0x00b0);
    entry_mask(qts, table, 128, false);
    ExpEntry e = { NVME, 128, NVME_BAR0_HOST, 0xb0, 0x05 | GF_UNMASKED, table };
    json_node_unref(assert_bound(qts, &e, 1));
    /* Past the end (0x4810), same page: the shadow, not an entry. */
    g_assert_cmphex(xpt_readl(qts, table + 0x810), ==, 0);
    xpt_writel(qts, table + 0x81c, 0);
    xpt_writel(qts, table + 0x810, 0xabcd);
    g_assert_cmphex(xpt_readl(qts, table + 0x810), ==, 0xabcd);
    json_node_unref(assert_bound(qts, &e, 1));

    /* 64-bit BAR moved above 4 GiB: claim and gtable follow. */
    const uint64_t high = 0x1000000000ull;
    xpt_cfg_writel(qts, SLOT2, 0x14, (uint32_t)(high >> 32));
    xpt_cfg_writel(qts, SLOT2, 0x10, (uint32_t)high);
    g_assert_false(has_claim(qts, table, table + 0xfff));
    g_assert_true(has_claim(qts, high + 0x4000, high + 0x4fff));
    assert_not_mapped(qts, (high + 0x4000) >> 12, (high + 0x4000) >> 12);
    e.gtable = high + 0x4000;
    json_node_unref(assert_bound(qts, &e, 1));
    g_assert_cmphex(xpt_readl(qts, high + 0x4000 + 16 * 128 + 8), ==, 0xb0);
    xpt_test_finish(qts);
}

/* More unmasked vectors than the domain has MSI pirqs (32): the 33rd fails with ENOSPC,
 * reported once; disabling gives every pirq back. */
static void test_nvme_out_of_pirqs(void)
{
    XptQts *qts = start_dump("pciutils-tests/cap-phy32", NVME, NULL, NULL);
    unsigned cap = find_cap(qts, 0x11);
    const uint64_t table = 0xf0004000;
    xpt_cfg_writel(qts, SLOT2, 0x10, 0xf0000000);
    xpt_cfg_writel(qts, SLOT2, 0x14, 0);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0002);
    for (unsigned i = 0; i < 33; i++) {
        entry_program(qts, table, i, 0xfee00000, (uint16_t)(0x40 + i));
        entry_mask(qts, table, i, false);
    }
    assert_none_bound(qts);                               /* MSI-X still disabled */
    msix_ctrl(qts, cap, CTRL_ENABLE, 0);
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    g_assert_cmpuint(count_msi_pirqs(st), ==, 32);
    g_assert_cmpuint(json_array_get_length(member(st, "msi")), ==, 32);
    g_assert_null(pirq_of_entry(st, NVME, 32));
    g_autofree char *err = xpt_qts_stderr(qts);
    g_assert_cmpuint(count_lines(err, "xc_physdev_map_pirq_msi", "entry 32"), ==, 1);
    g_assert_nonnull(strstr(err, g_strerror(ENOSPC)));
    msix_ctrl(qts, cap, 0, CTRL_ENABLE);
    assert_none_bound(qts);
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
    g_assert_cmpint(json_object_get_int_member(root(r), "rc"), ==, 0);
    return json_object_get_int_member(root(r), "pirq");
}

/* EVTCHNOP_bind_pirq (Linux startup_pirq, from request_irq); Xen returns 0 even for a
 * pirq nobody mapped (evtchn_bind_pirq), so the guest learns nothing from it. */
static void guest_evtchn_bind_pirq(XptQts *qts, gint64 pirq)
{
    g_autoptr(JsonNode) r = xpt_sim_command(qts, "evtchn-bind-pirq %" G_GINT64_FORMAT, pirq);
    g_assert_cmpint(json_object_get_int_member(root(r), "rc"), ==, 0);
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
    JsonObject *p = pirq_of_entry(st, sbdf, entry);
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
    XptQts *qts = start_dump("pciutils-tests/cap-phy32", NVME, NULL, NULL);
    unsigned cap = find_cap(qts, 0x11);
    const uint64_t table = place_nvme(qts);

    msix_ctrl(qts, cap, CTRL_ENABLE | CTRL_MASKALL, 0);
    gint64 pirq[3];
    for (unsigned i = 0; i < 3; i++) {
        pirq[i] = guest_get_free_pirq(qts);
        /* __pci_write_msi_msg with can_mask false: lo, hi, data, flushing read. */
        entry_program(qts, table, i, pirq_msi_addr(pirq[i]), PIRQ_MSI_DATA);
        (void)xpt_readl(qts, table + 16 * i + 8);
    }
    g_assert_cmpint(pirq[0], ==, 1055);                     /* top of the domain's pirqs */
    msix_ctrl(qts, cap, 0, CTRL_MASKALL);
    for (unsigned i = 0; i < 3; i++) {
        g_assert_cmphex(xpt_readl(qts, table + 16 * i + 12), ==, 1);   /* still masked */
    }

    /* Mapped to the pirq the guest asked for, bound masked with vector 0 / ExtINT; the
     * entries never written (3..128) are not mapped. */
    for (unsigned i = 0; i < 3; i++) {
        ExpEntry e = { NVME, i, NVME_BAR0_HOST, 0,
                       (uint32_t)(pirq[i] & 0xff) | GF_DELIV_EXTINT, table };
        g_autoptr(JsonNode) st = xpt_sim_state(qts);
        g_assert_cmpint(check_bound(st, &e), ==, pirq[i]);
        g_assert_cmphex(expect_gflags(pirq_msi_addr(pirq[i]), PIRQ_MSI_DATA, true), ==,
                        e.gflags);
    }
    {
        g_autoptr(JsonNode) st = xpt_sim_state(qts);
        g_assert_cmpuint(count_msi_pirqs(st), ==, 3);
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
    g_assert_cmphex(last_host_write(qts, cap + 2) & 0xc000, ==, CTRL_ENABLE);

    /* Driver unload: free_irq closes the channels, MSI-X goes off: all given back. */
    for (unsigned i = 0; i < 3; i++) {
        g_autoptr(JsonNode) r = xpt_sim_command(qts, "evtchn-close-pirq %" G_GINT64_FORMAT,
                                                pirq[i]);
        g_assert_cmpint(json_object_get_int_member(root(r), "rc"), ==, 0);
    }
    msix_ctrl(qts, cap, 0, CTRL_ENABLE);
    assert_none_bound(qts);

    /* Reload: the same pirqs are free again and are written again with the same
     * address/data — identical to the latches, and still bound at the next enable. */
    msix_ctrl(qts, cap, CTRL_ENABLE | CTRL_MASKALL, 0);
    for (unsigned i = 0; i < 3; i++) {
        g_assert_cmpint(guest_get_free_pirq(qts), ==, pirq[i]);
        entry_program(qts, table, i, pirq_msi_addr(pirq[i]), PIRQ_MSI_DATA);
    }
    msix_ctrl(qts, cap, 0, CTRL_MASKALL);
    for (unsigned i = 0; i < 3; i++) {
        guest_evtchn_bind_pirq(qts, pirq[i]);
        assert_delivers(qts, NVME, i, pirq[i], "evtchn");
    }
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    g_assert_cmpuint(count_msi_pirqs(st), ==, 3);
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
    XptQts *qts = start_dump("pciutils-tests/cap-phy32", NVME, NULL, NULL);
    all_writes(qts);
    unsigned cap = find_cap(qts, 0x11);
    const uint64_t table = place_nvme(qts);

    msix_ctrl(qts, cap, CTRL_ENABLE | CTRL_MASKALL, 0);
    for (unsigned i = 0; i < 129; i++) {
        entry_mask(qts, table, i, true);                       /* msix_mask_all */
    }
    entry_program(qts, table, 0, 0xfee01000, 0x0024);
    entry_program(qts, table, 1, 0xfee02000, 0x0025);
    msix_ctrl(qts, cap, 0, CTRL_MASKALL);
    ExpEntry e[2] = {
        { NVME, 0, NVME_BAR0_HOST, 0x24, expect_gflags(0xfee01000, 0x24, true), table },
        { NVME, 1, NVME_BAR0_HOST, 0x25, expect_gflags(0xfee02000, 0x25, true), table },
    };
    json_node_unref(assert_bound(qts, e, 2));
    gint64 p0 = pirq_number(qts, NVME, 0), p1 = pirq_number(qts, NVME, 1);

    entry_mask(qts, table, 0, false);
    e[0].gflags |= GF_UNMASKED;
    json_node_unref(assert_bound(qts, e, 2));
    assert_delivers(qts, NVME, 0, p0, "vector");
    entry_mask(qts, table, 1, false);
    e[1].gflags |= GF_UNMASKED;
    json_node_unref(assert_bound(qts, e, 2));
    assert_delivers(qts, NVME, 1, p1, "vector");

    /* Unmasking an entry never written binds it from its latch, as before. */
    entry_mask(qts, table, 5, false);
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    g_assert_cmpuint(count_msi_pirqs(st), ==, 3);
    xpt_test_finish(qts);
}

/*
 * A native guest that programs an entry before enabling MSI-X (no function mask): it is
 * bound, masked, at the enable; one programmed while enabled is only latched. Both are
 * bound with UNMASKED (in place for the first) at their unmask and delivered by vector.
 */
static void test_native_program_then_unmask(void)
{
    XptQts *qts = start_dump("pciutils-tests/cap-phy32", NVME, NULL, NULL);
    all_writes(qts);
    unsigned cap = find_cap(qts, 0x11);
    const uint64_t table = place_nvme(qts);

    /* Programmed while MSI-X is disabled: nothing until the enable... */
    entry_program(qts, table, 7, 0xfee03000, 0x0031);
    assert_none_bound(qts);
    /* ...which binds it, masked (its latch), ready for an evtchn bind or an unmask. */
    msix_ctrl(qts, cap, CTRL_ENABLE, 0);
    ExpEntry e = { NVME, 7, NVME_BAR0_HOST, 0x31, expect_gflags(0xfee03000, 0x31, true),
                   table };
    json_node_unref(assert_bound(qts, &e, 1));
    entry_program(qts, table, 8, 0xfee04000, 0x0032);     /* enabled: latched only */
    json_node_unref(assert_bound(qts, &e, 1));
    entry_mask(qts, table, 8, false);
    entry_mask(qts, table, 7, false);
    ExpEntry e2[2] = {
        { NVME, 7, NVME_BAR0_HOST, 0x31, expect_gflags(0xfee03000, 0x31, false), table },
        { NVME, 8, NVME_BAR0_HOST, 0x32, expect_gflags(0xfee04000, 0x32, false), table },
    };
    json_node_unref(assert_bound(qts, e2, 2));
    assert_delivers(qts, NVME, 7, -1, "vector");
    assert_delivers(qts, NVME, 8, -1, "vector");
    xpt_test_finish(qts);
}

/* ---- Firecracker virtio-net through host-sysfs ----------------------------------------- */

static void test_firecracker(void)
{
    g_autofree char *tree = xpt_test_make_sysfs_tree(
        xpt_test_fixture("sysfs-firecracker/devices"));
    g_autofree char *args = g_strdup_printf(
        "-device xen-pci-passthrough,hostaddr=0000:00:03.0,id=pt0,host-sysfs=%s", tree);
    XptQts *qts = xpt_qts_start(args);
    all_writes(qts);
    const unsigned cap = 0x98;
    const uint64_t host = 0x4000100000ull, bar = 0xf0000000, table = bar + 0x8000;
    g_assert_cmphex(xpt_cfg_readb(qts, SLOT2, cap), ==, 0x11);
    g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, cap + 2), ==, 0x0002);    /* Enable cleared */
    g_autoptr(GArray) w = xpt_test_host_writes_at(qts, "pt0", cap + 2);
    g_assert_cmpuint(w->len, ==, 1);

    xpt_cfg_writel(qts, SLOT2, 0x10, (uint32_t)bar);
    xpt_cfg_writel(qts, SLOT2, 0x14, 0);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0002);
    g_assert_true(has_claim(qts, table, table + 0xfff));
    g_assert_true(has_mmio(qts, bar >> 12, host >> 12, 8));
    g_assert_true(has_mmio(qts, (bar >> 12) + 9, (host >> 12) + 9, 0x80 - 9));
    assert_not_mapped(qts, table >> 12, table >> 12);

    msix_ctrl(qts, cap, CTRL_ENABLE | CTRL_MASKALL, 0);
    for (unsigned i = 0; i < 3; i++) {
        entry_program(qts, table, i, 0xfee00000 | (i << 12), (uint16_t)(0x30 + i));
    }
    msix_ctrl(qts, cap, 0, CTRL_MASKALL);
    entry_mask(qts, table, 2, false);
    /* The three written entries are bound (at the function-mask clear); entry 2, the
     * one unmasked, with UNMASKED. */
    ExpEntry e[3] = {
        { "0000:00:03.0", 0, host, 0x30, 0x00, table },
        { "0000:00:03.0", 1, host, 0x31, 0x01, table },
        { "0000:00:03.0", 2, host, 0x32, 0x02 | GF_UNMASKED, table },
    };
    json_node_unref(assert_bound(qts, e, 3));
    /* The rest of the page (the PBA is at 0x48000, in a guest-mapped page): shadow. */
    g_assert_cmphex(xpt_readq(qts, table + 0x30), ==, 0);
    xpt_writel(qts, table + 0x30, 0x5a5a5a5a);
    g_assert_cmphex(xpt_readl(qts, table + 0x30), ==, 0x5a5a5a5a);
    xpt_test_finish(qts);
    xpt_test_rmtree(tree);
}

/* ---- legacy virtio-net: the PBA shares the table page ---------------------------------- */

static void test_virtio_pba(void)
{
    XptQts *qts = start_dump("pciutils-tests/cap-vendor-virtio", "0000:00:09.0", NULL, NULL);
    const unsigned cap = 0x84;
    const uint64_t host = 0xfebd6000, bar = 0xf1000000;
    g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, cap + 2), ==, 0x0002);
    xpt_cfg_writel(qts, SLOT2, 0x14, (uint32_t)bar);          /* BAR1, 4 KiB */
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0002);
    g_assert_true(has_claim(qts, bar, bar + 0xfff));
    assert_not_mapped(qts, bar >> 12, bar >> 12);               /* the whole BAR trapped */

    /* PBA at 0x800: reads come from the (zero) shadow, writes are dropped. */
    g_assert_cmphex(xpt_readq(qts, bar + 0x800), ==, 0);
    xpt_writeq(qts, bar + 0x800, ~0ull);
    xpt_writel(qts, bar + 0x804, 0xffffffff);
    g_assert_cmphex(xpt_readq(qts, bar + 0x800), ==, 0);
    /* Other bytes of the page keep what is written. */
    xpt_writel(qts, bar + 0x808, 0xcafe);
    g_assert_cmphex(xpt_readl(qts, bar + 0x808), ==, 0xcafe);

    msix_ctrl(qts, cap, CTRL_ENABLE, 0);
    entry_program(qts, bar, 0, 0xfee01000, 0x0025);
    entry_mask(qts, bar, 0, false);
    ExpEntry e = { "0000:00:09.0", 0, host, 0x25, 0x01 | GF_UNMASKED, bar };
    json_node_unref(assert_bound(qts, &e, 1));
    g_assert_cmphex(xpt_readq(qts, bar + 0x800), ==, 0);
    xpt_test_finish(qts);
}

/* ---- attach refuses a table outside its BAR ------------------------------------------ */

/* A copy of a Firecracker device folder with config dword @off replaced by @val. */
static char *patched_tree(const char *sbdf, unsigned off, uint32_t val)
{
    g_autoptr(GError) err = NULL;
    char *rootdir = g_dir_make_tmp("xpt-msix-XXXXXX", &err);
    g_assert_no_error(err);
    g_autofree char *dir = g_build_filename(rootdir, "bus", "pci", "devices", sbdf, NULL);
    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    g_autofree char *src = g_build_filename(xpt_test_fixture("sysfs-firecracker/devices"),
                                            sbdf, NULL);
    const char *files[] = { "class", "config", "device", "irq", "resource", "revision",
                            "subsystem_device", "subsystem_vendor", "vendor" };
    for (unsigned i = 0; i < G_N_ELEMENTS(files); i++) {
        g_autofree char *from = g_build_filename(src, files[i], NULL);
        g_autofree char *to = g_build_filename(dir, files[i], NULL);
        g_autofree char *data = NULL;
        gsize len = 0;
        g_assert_true(g_file_get_contents(from, &data, &len, &err));
        if (strcmp(files[i], "config") == 0) {
            g_assert_cmpuint(len, >=, off + 4);
            for (unsigned b = 0; b < 4; b++) {
                data[off + b] = (char)(val >> (8 * b));
            }
        }
        g_assert_true(g_file_set_contents(to, data, (gssize)len, &err));
    }
    return rootdir;
}

static void test_table_outside_bar(void)
{
    struct { uint32_t table; const char *why; } cases[] = {
        { 0x00080000, "does not fit" },       /* offset 512 KiB in a 512 KiB BAR */
        { 0x00008002, "does not implement" }, /* BIR 2 */
        { 0x00008007, "names no BAR" },       /* BIR 7 */
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *tree = patched_tree("0000:00:03.0", 0x98 + 4, cases[i].table);
        g_autofree char *args = g_strdup_printf(
            "-accel qtest -qtest stdio -device xen-pci-passthrough,hostaddr=0000:00:03.0,"
            "host-sysfs=%s", tree);
        g_autofree char *err = NULL;
        int status = xpt_qts_run_expect_fail(args, &err);
        g_assert_cmpint(status, ==, 1);
        g_assert_nonnull(strstr(err, "0000:00:03.0"));
        g_assert_nonnull(strstr(err, "MSI-X table"));
        g_assert_nonnull(strstr(err, cases[i].why));
        g_assert_null(strstr(err, "leak"));
        xpt_test_rmtree(tree);
    }
}

/*
 * No fixture has a table crossing a page boundary, so a Firecracker virtio-net with its
 * table moved to BAR0 + 0x8ff8 (QWORD-aligned, not 16-aligned): 3 entries over pages 8
 * and 9; entry 0's address is on page 8, its data and vector control on page 9.
 */
static void test_table_across_pages(void)
{
    g_autofree char *tree = patched_tree("0000:00:03.0", 0x98 + 4, 0x8ff8);
    g_autofree char *args = g_strdup_printf(
        "-device xen-pci-passthrough,hostaddr=0000:00:03.0,id=pt0,host-sysfs=%s", tree);
    XptQts *qts = xpt_qts_start(args);
    const unsigned cap = 0x98;
    const uint64_t host = 0x4000100000ull, bar = 0xf0000000, table = bar + 0x8ff8;
    xpt_cfg_writel(qts, SLOT2, 0x10, (uint32_t)bar);
    xpt_cfg_writel(qts, SLOT2, 0x14, 0);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0002);
    g_assert_true(has_claim(qts, bar + 0x8000, bar + 0x9fff));
    g_assert_true(has_mmio(qts, bar >> 12, host >> 12, 8));
    g_assert_true(has_mmio(qts, (bar >> 12) + 10, (host >> 12) + 10, 0x80 - 10));
    assert_not_mapped(qts, (bar >> 12) + 8, (bar >> 12) + 9);

    /* Bytes before the table on page 8: the shadow. */
    xpt_writel(qts, bar + 0x8ff0, 0x600d);
    g_assert_cmphex(xpt_readl(qts, bar + 0x8ff0), ==, 0x600d);
    g_assert_cmphex(xpt_readl(qts, table + 12), ==, 1);            /* masked, page 9 */
    msix_ctrl(qts, cap, CTRL_ENABLE, 0);
    xpt_writeq(qts, table, 0xfee07000);                            /* page 8 */
    xpt_writeq(qts, table + 8, 0x0057);                            /* page 9: unmask */
    ExpEntry e = { "0000:00:03.0", 0, host, 0x57, 0x07 | GF_UNMASKED, table };
    json_node_unref(assert_bound(qts, &e, 1));
    entry_program(qts, table, 2, 0xfee08000, 0x0058);
    entry_mask(qts, table, 2, false);
    ExpEntry e2[2] = { e, { "0000:00:03.0", 2, host, 0x58, 0x08 | GF_UNMASKED, table } };
    json_node_unref(assert_bound(qts, e2, 2));
    /* Just past the table (0x9028) on page 9: shadow. */
    g_assert_cmphex(xpt_readl(qts, table + 0x30), ==, 0);
    xpt_test_finish(qts);
    xpt_test_rmtree(tree);
}

/* ---- hw/host/host-bar.c -------------------------------------------------------------------- */

/* ROOT/bus/pci/devices/0000:01:00.0/resource3: @len bytes, byte i = i * 7 + 3. */
static char *resource_tree(gsize len, char **file_out)
{
    g_autoptr(GError) err = NULL;
    char *rootdir = g_dir_make_tmp("xpt-hostbar-XXXXXX", &err);
    g_assert_no_error(err);
    g_autofree char *dir = g_build_filename(rootdir, "bus", "pci", "devices", NIC, NULL);
    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    g_autofree guint8 *data = g_malloc(len);
    for (gsize i = 0; i < len; i++) {
        data[i] = (guint8)(i * 7 + 3);
    }
    *file_out = g_build_filename(dir, "resource3", NULL);
    g_assert_true(g_file_set_contents(*file_out, (const char *)data, (gssize)len, &err));
    return rootdir;
}

static uint32_t pattern32(uint64_t file_off)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < 4; i++) {
        v |= (uint32_t)(guint8)((file_off + i) * 7 + 3) << (8 * i);
    }
    return v;
}

static void test_host_bar_mmap(void)
{
    g_autofree char *file = NULL;
    g_autofree char *rootdir = resource_tree(0x4000, &file);
    XptHostBarOptions o = { .sysfs_root = rootdir, .sbdf = NIC, .bar = 3,
                            .offset = 0x1000, .len = 0x2000 };
    g_autoptr(GError) err = NULL;
    XptHostBar *hb = xpt_host_bar_open(&o, &err);
    g_assert_no_error(err);
    g_assert_false(xpt_host_bar_is_shadow(hb));
    g_assert_cmpstr(xpt_host_bar_path(hb), ==, file);

    g_assert_cmphex(xpt_host_bar_read(hb, 0x1000, 4), ==, pattern32(0x1000));
    g_assert_cmphex(xpt_host_bar_read(hb, 0x2ffc, 4), ==, pattern32(0x2ffc));
    g_assert_cmphex(xpt_host_bar_read(hb, 0x1008, 8), ==,
                    pattern32(0x1008) | (uint64_t)pattern32(0x100c) << 32);
    /* Outside the window, misaligned, or not 4/8 bytes: all-ones, nothing written. */
    g_assert_cmphex(xpt_host_bar_read(hb, 0x0ffc, 4), ==, 0xffffffff);
    g_assert_cmphex(xpt_host_bar_read(hb, 0x3000, 4), ==, 0xffffffff);
    g_assert_cmphex(xpt_host_bar_read(hb, 0x2ffc, 8), ==, ~0ull);
    g_assert_cmphex(xpt_host_bar_read(hb, 0x1002, 4), ==, 0xffffffff);
    g_assert_cmphex(xpt_host_bar_read(hb, 0x1000, 2), ==, ~0ull);
    g_assert_cmphex(xpt_host_bar_read(hb, UINT64_MAX - 3, 4), ==, 0xffffffff);
    g_assert_false(xpt_host_bar_write(hb, 0x0ff8, 0, 8));
    g_assert_false(xpt_host_bar_write(hb, 0x3000, 0, 4));
    g_assert_false(xpt_host_bar_write(hb, 0x1001, 0, 4));
    g_assert_false(xpt_host_bar_write(hb, 0x1000, 0, 1));

    /* Writes reach the file (MAP_SHARED), little-endian. */
    g_assert_true(xpt_host_bar_write(hb, 0x1ff8, 0x0102030405060708ull, 8));
    g_assert_true(xpt_host_bar_write(hb, 0x2000, 0xa1b2c3d4, 4));
    xpt_host_bar_close(hb);
    g_autofree char *data = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(file, &data, &len, &err));
    g_assert_cmpuint(len, ==, 0x4000);
    const guint8 *u = (const guint8 *)data;
    g_assert_cmphex(u[0x1ff8], ==, 0x08);
    g_assert_cmphex(u[0x1fff], ==, 0x01);
    g_assert_cmphex(u[0x2000], ==, 0xd4);
    g_assert_cmphex(u[0x2003], ==, 0xa1);
    g_assert_cmphex(u[0x0ff8], ==, (guint8)(0x0ff8 * 7 + 3));   /* untouched */

    /* A BAR whose base is not page-aligned: BAR byte X is file byte X + base_in_page. */
    o.base_in_page = 0x100;
    o.offset = 0;
    o.len = 0x1000;
    hb = xpt_host_bar_open(&o, &err);
    g_assert_no_error(err);
    g_assert_cmphex(xpt_host_bar_read(hb, 0x10, 4), ==, pattern32(0x110));
    xpt_host_bar_close(hb);
    xpt_test_rmtree(rootdir);
}

static void test_host_bar_errors(void)
{
    g_autofree char *file = NULL;
    g_autofree char *rootdir = resource_tree(0x1800, &file);
    g_autoptr(GError) err = NULL;

    /* Missing file: the errno and the path. */
    XptHostBarOptions o = { .sysfs_root = rootdir, .sbdf = NIC, .bar = 2, .len = 0x1000 };
    g_assert_null(xpt_host_bar_open(&o, &err));
    g_assert_error(err, XPT_ERRNO_ERROR, ENOENT);
    g_assert_nonnull(strstr(err->message, "resource2"));
    g_assert_nonnull(strstr(err->message, NIC));
    g_clear_error(&err);

    /* Window past the end of the file (a page wholly beyond EOF would SIGBUS). */
    o.bar = 3;
    o.offset = 0x1000;
    o.len = 0x2000;
    g_assert_null(xpt_host_bar_open(&o, &err));
    g_assert_error(err, XPT_ERROR, XPT_ERROR_IO);
    g_clear_error(&err);
    /* The partial last page is fine. */
    o.len = 0x1000;
    XptHostBar *hb = xpt_host_bar_open(&o, &err);
    g_assert_no_error(err);
    g_assert_cmphex(xpt_host_bar_read(hb, 0x1000, 4), ==, pattern32(0x1000));
    g_assert_cmphex(xpt_host_bar_read(hb, 0x1ffc, 4), ==, 0);    /* past EOF: zeros */
    xpt_host_bar_close(hb);

    /* Invalid windows. */
    XptHostBarOptions bad[] = {
        { .sysfs_root = rootdir, .sbdf = NIC, .bar = 6, .len = 0x1000 },
        { .sysfs_root = rootdir, .sbdf = NIC, .bar = 3, .offset = 0x800, .len = 0x1000 },
        { .sysfs_root = rootdir, .sbdf = NIC, .bar = 3, .len = 0 },
        { .sysfs_root = rootdir, .sbdf = NIC, .bar = 3, .len = 0x1800 },
        { .sysfs_root = rootdir, .sbdf = NIC, .bar = 3, .offset = UINT64_MAX & ~0xfffull,
          .len = 0x2000 },
        { .sysfs_root = rootdir, .sbdf = NIC, .bar = 3, .len = 0x1000, .base_in_page = 0x1000 },
        { .sysfs_root = rootdir, .sbdf = NULL, .bar = 3, .len = 0x1000 },
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_assert_null(xpt_host_bar_open(&bad[i], &err));
        g_assert_error(err, XPT_ERROR, XPT_ERROR_INVALID);
        g_clear_error(&err);
    }
    xpt_test_rmtree(rootdir);
}

static void test_host_bar_shadow(void)
{
    g_autoptr(GError) err = NULL;
    XptHostBarOptions o = { .sysfs_root = "/nonexistent", .sbdf = NIC, .bar = 3,
                            .offset = 0x4000, .len = 0x2000, .shadow = true };
    XptHostBar *hb = xpt_host_bar_open(&o, &err);
    g_assert_no_error(err);
    g_assert_true(xpt_host_bar_is_shadow(hb));
    g_assert_cmpstr(xpt_host_bar_path(hb), ==, "");
    g_assert_cmphex(xpt_host_bar_read(hb, 0x4000, 8), ==, 0);
    g_assert_cmphex(xpt_host_bar_read(hb, 0x5ffc, 4), ==, 0);
    /* The buffer comes with the first non-zero write (issue 15); the bounds hold before
     * it exists, and a zero written to a shadow never written keeps it all zero. */
    g_assert_false(xpt_host_bar_write(hb, 0x6000, 1, 4));
    g_assert_false(xpt_host_bar_write(hb, 0x3ffc, 1, 4));
    g_assert_false(xpt_host_bar_write(hb, 0x4002, 1, 4));
    g_assert_cmphex(xpt_host_bar_read(hb, 0x6000, 4), ==, 0xffffffff);
    g_assert_true(xpt_host_bar_write(hb, 0x4000, 0, 8));
    g_assert_cmphex(xpt_host_bar_read(hb, 0x4000, 8), ==, 0);
    g_assert_true(xpt_host_bar_write(hb, 0x5ff8, 0x8877665544332211ull, 8));
    g_assert_cmphex(xpt_host_bar_read(hb, 0x4000, 8), ==, 0);
    g_assert_cmphex(xpt_host_bar_read(hb, 0x5ff0, 8), ==, 0);
    g_assert_cmphex(xpt_host_bar_read(hb, 0x5ffc, 4), ==, 0x88776655);
    g_assert_cmphex(xpt_host_bar_read(hb, 0x5ff8, 4), ==, 0x44332211);
    g_assert_cmphex(xpt_host_bar_read(hb, 0x6000, 4), ==, 0xffffffff);
    g_assert_false(xpt_host_bar_write(hb, 0x3ffc, 1, 4));
    xpt_host_bar_close(hb);
    xpt_host_bar_close(NULL);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/msix/host-bar/mmap", test_host_bar_mmap);
    g_test_add_func("/msix/host-bar/errors", test_host_bar_errors);
    g_test_add_func("/msix/host-bar/shadow", test_host_bar_shadow);
    g_test_add_func("/msix/82576/lifecycle", test_nic_lifecycle);
    g_test_add_func("/msix/82576/bounds", test_nic_bounds);
    g_test_add_func("/msix/82576/bad-access-ratelimited", test_nic_bad_access_ratelimited);
    for (unsigned i = 0; i < G_N_ELEMENTS(faults); i++) {
        g_autofree char *path = g_strdup_printf("/msix/82576/fault/%s-%s", faults[i].op,
                                                faults[i].err);
        g_test_add_data_func(path, &faults[i], test_fault);
    }
    g_test_add_func("/msix/82576/fault/update-and-move", test_fault_update_and_move);
    g_test_add_func("/msix/nvme/two-pages", test_nvme_two_pages);
    g_test_add_func("/msix/nvme/out-of-pirqs", test_nvme_out_of_pirqs);
    g_test_add_func("/msix/nvme/linux-pirq-guest", test_linux_pirq_guest);
    g_test_add_func("/msix/nvme/linux-native-guest", test_linux_native_guest);
    g_test_add_func("/msix/nvme/native-program-then-unmask", test_native_program_then_unmask);
    g_test_add_func("/msix/firecracker/sysfs", test_firecracker);
    g_test_add_func("/msix/virtio/pba-shares-page", test_virtio_pba);
    g_test_add_func("/msix/firecracker/table-across-pages", test_table_across_pages);
    g_test_add_func("/msix/refused/table-outside-bar", test_table_outside_bar);
    return g_test_run();
}
