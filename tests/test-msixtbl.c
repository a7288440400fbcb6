/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MSI-X under Xen 4.17's table interception (xen/arch/x86/hvm/vmsi.c msixtbl_*; the
 * sim's model is qtest/xen-sim-msixtbl.c): once an entry is bound with a gtable, Xen
 * handles the mask bit of every mapped entry of that table itself, forwards address/data
 * writes, and forwards an unmask only after they changed. The device model must still
 * apply a new message (Linux moves a vector with mask → address/data → unmask,
 * __pci_write_msi_msg) and must never undo a mask it did not see. The real binary under
 * -accel qtest with the Samsung PM174X NVMe dump (129 entries at BAR0 + 0x4000).
 */
#include <glib.h>
#include <json-glib/json-glib.h>

#include "qtest/client.h"
#include "tests/testutil.h"

#define SLOT2 0x10                  /* devfn of the first cold-plugged slot (2.0) */
#define NVME "0000:2e:00.0"
#define BAR0 0xf0000000ull
#define TABLE (BAR0 + 0x4000)
#define MOVED 0xf2000000ull
#define CAP_ID_MSIX 0x11
#define CTRL_ENABLE 0x8000
#define CTRL_MASKALL 0x4000
#define GF_UNMASKED (1u << 16)       /* XEN_DOMCTL_VMSI_X86_UNMASKED (xen/domctl.h) */

static JsonObject *root(JsonNode *n)
{
    return json_node_get_object(n);
}

static XptQts *start(void)
{
    g_autofree char *args = g_strdup_printf(
        "-device xen-pci-passthrough,hostaddr=" NVME ",id=pt0,host-dump=%s",
        xpt_test_fixture("pciutils-tests/cap-phy32"));
    return xpt_qts_start(args);
}

static unsigned msix_cap(XptQts *qts)
{
    uint8_t p = xpt_cfg_readb(qts, SLOT2, 0x34);
    for (unsigned n = 0; p && n < 48; n++) {
        if (xpt_cfg_readb(qts, SLOT2, p) == CAP_ID_MSIX) {
            return p;
        }
        p = xpt_cfg_readb(qts, SLOT2, p + 1);
    }
    g_assert_not_reached();
}

static void place_bar0(XptQts *qts, uint64_t addr)
{
    xpt_cfg_writel(qts, SLOT2, 0x10, (uint32_t)addr);
    xpt_cfg_writel(qts, SLOT2, 0x14, 0);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0006);
}

static void msix_ctrl(XptQts *qts, unsigned cap, uint16_t set, uint16_t clear)
{
    uint16_t v = xpt_cfg_readw(qts, SLOT2, cap + 2);
    xpt_cfg_writew(qts, SLOT2, cap + 2, (uint16_t)((v & ~clear) | set));
}

static void entry_mask(XptQts *qts, uint64_t table, unsigned i, bool masked)
{
    xpt_writel(qts, table + 16 * i + 12, masked ? 1 : 0);
}

/* __pci_write_msi_msg's writes of a masked entry: address lo, hi, data. */
static void entry_program(XptQts *qts, uint64_t table, unsigned i, uint64_t addr, uint16_t data)
{
    xpt_writel(qts, table + 16 * i, (uint32_t)addr);
    xpt_writel(qts, table + 16 * i + 4, (uint32_t)(addr >> 32));
    xpt_writel(qts, table + 16 * i + 8, data);
}

static gint64 calls(XptQts *qts, const char *op)
{
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    return json_object_get_int_member(json_object_get_object_member(root(st), "calls"), op);
}

/* The binding of MSI-X entry @entry of the NVMe (the sim's "msi" entry), or an error. */
typedef struct {
    gint64 pirq, gvec, gflags, gtable;
    bool guest_masked;
    char delivery[16];
} Binding;

static Binding binding(XptQts *qts, unsigned entry)
{
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    JsonArray *pirqs = xpt_state_array(st, "pirqs");
    for (guint i = 0; i < json_array_get_length(pirqs); i++) {
        JsonObject *o = json_array_get_object_element(pirqs, i);
        if (g_strcmp0(json_object_get_string_member(o, "source"), "msi") != 0 ||
            g_strcmp0(json_object_get_string_member(o, "sbdf"), NVME) != 0 ||
            json_object_get_int_member(o, "entry") != entry) {
            continue;
        }
        Binding b = { .pirq = json_object_get_int_member(o, "pirq") };
        JsonObject *m = xpt_state_msi_binding(st, b.pirq);
        if (!m) {
            g_error("MSI-X entry %u (pirq %" G_GINT64_FORMAT ") is mapped but not bound",
                    entry, b.pirq);
        }
        b.gvec = json_object_get_int_member(m, "gvec");
        b.gflags = json_object_get_int_member(m, "gflags");
        b.gtable = json_object_get_int_member(m, "gtable");
        b.guest_masked = json_object_get_boolean_member(m, "guest_masked");
        g_strlcpy(b.delivery, json_object_get_string_member(m, "delivery"),
                  sizeof(b.delivery));
        return b;
    }
    g_error("MSI-X entry %u of " NVME " has no pirq", entry);
}

/* Registered tables: count, and the gtable/refcnt of the NVMe's. */
static guint msixtbl(XptQts *qts, gint64 *gtable, gint64 *refcnt)
{
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    JsonArray *a = xpt_state_array(st, "msixtbl");
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonObject *o = json_array_get_object_element(a, i);
        if (g_strcmp0(json_object_get_string_member(o, "sbdf"), NVME) == 0) {
            *gtable = json_object_get_int_member(o, "gtable");
            *refcnt = json_object_get_int_member(o, "refcnt");
        }
    }
    return json_array_get_length(a);
}

/*
 * Entries 0 and 1 brought up and unmasked. @function_mask: Linux's msix_capability_init
 * (enable under the function mask, program, clear it: the entries are bound masked and
 * their unmasks are Xen's, so the device model never sees them). Otherwise the entries
 * are programmed and unmasked while MSI-X is live (a vector allocated later, or a guest
 * without the function mask): each unmask reaches the device model, which binds the
 * entry then (and Xen completes the snooped unmask).
 */
static unsigned bring_up(XptQts *qts, bool function_mask)
{
    unsigned cap = msix_cap(qts);
    place_bar0(qts, BAR0);
    msix_ctrl(qts, cap, CTRL_ENABLE | (function_mask ? CTRL_MASKALL : 0), 0);
    for (unsigned i = 0; i < 129; i++) {
        entry_mask(qts, TABLE, i, true);                     /* msix_mask_all */
    }
    entry_program(qts, TABLE, 0, 0xfee01000, 0x0024);
    entry_program(qts, TABLE, 1, 0xfee02000, 0x0025);
    if (function_mask) {
        msix_ctrl(qts, cap, 0, CTRL_MASKALL);                /* bound, masked */
    }
    entry_mask(qts, TABLE, 0, false);                        /* request_irq */
    entry_mask(qts, TABLE, 1, false);
    g_assert_cmpstr(binding(qts, 0).delivery, ==, "vector");
    g_assert_cmpstr(binding(qts, 1).delivery, ==, "vector");
    return cap;
}

/*
 * Xen owns the mask once the table is registered: unmask and mask never reach the
 * device model (no bind_msi), yet the vector is delivered or held by Xen's guest mask,
 * and the guest reads Xen's mask bit back.
 */
static void test_mask_is_xens(void)
{
    XptQts *qts = start();
    bring_up(qts, true);
    gint64 gtable = 0, refcnt = 0;
    g_assert_cmpuint(msixtbl(qts, &gtable, &refcnt), ==, 1);
    g_assert_cmphex(gtable, ==, TABLE);
    g_assert_cmpint(refcnt, ==, 2);                         /* one per bound entry */
    Binding b0 = binding(qts, 0);
    g_assert_cmpstr(b0.delivery, ==, "vector");
    g_assert_cmphex(b0.gvec, ==, 0x24);
    g_assert_false(b0.gflags & GF_UNMASKED);                /* Xen did the unmask */

    gint64 binds = calls(qts, "bind_msi");
    entry_mask(qts, TABLE, 0, true);
    g_assert_cmphex(xpt_readl(qts, TABLE + 12), ==, 1);     /* Xen's guest mask */
    g_assert_true(binding(qts, 0).guest_masked);
    g_assert_cmpstr(binding(qts, 0).delivery, ==, "none");
    entry_mask(qts, TABLE, 0, false);
    g_assert_cmphex(xpt_readl(qts, TABLE + 12), ==, 0);
    g_assert_cmpstr(binding(qts, 0).delivery, ==, "vector");
    g_assert_cmpint(calls(qts, "bind_msi"), ==, binds);
    xpt_test_finish(qts);
}

/*
 * Linux moving a vector (irq affinity): mask, new address/data, unmask. Xen forwards
 * the address/data and that one unmask; the device model must rebind with the new
 * message — before the fix it kept the old one, so the guest read back gvec 0x30 while
 * Xen still delivered 0x24 to the old CPU. Also with 8-byte writes (address as one
 * qword, data + vector control as another).
 */
static void test_affinity_change(void)
{
    XptQts *qts = start();
    bring_up(qts, false);
    gint64 pirq0 = binding(qts, 0).pirq;

    entry_mask(qts, TABLE, 0, true);
    entry_program(qts, TABLE, 0, 0xfee03000, 0x0030);
    g_assert_cmphex(binding(qts, 0).gvec, ==, 0x24);        /* latched while masked */
    g_assert_cmpstr(binding(qts, 0).delivery, ==, "none");
    entry_mask(qts, TABLE, 0, false);
    Binding b = binding(qts, 0);
    g_assert_cmphex(b.gvec, ==, 0x30);
    g_assert_cmphex(b.gflags & 0xff, ==, 0x03);             /* destination APIC ID 3 */
    g_assert_cmpint(b.pirq, ==, pirq0);                     /* updated in place */
    g_assert_cmpstr(b.delivery, ==, "vector");              /* Xen completed the unmask */
    g_assert_cmphex(xpt_readl(qts, TABLE + 8), ==, 0x0030);

    /* 8-byte forms on entry 1. */
    entry_mask(qts, TABLE, 1, true);
    xpt_writeq(qts, TABLE + 16, 0xfee05000);
    xpt_writeq(qts, TABLE + 24, 0x0031);                    /* data 0x31, unmasked */
    b = binding(qts, 1);
    g_assert_cmphex(b.gvec, ==, 0x31);
    g_assert_cmphex(b.gflags & 0xff, ==, 0x05);
    g_assert_cmpstr(b.delivery, ==, "vector");
    g_assert_cmphex(xpt_readq(qts, TABLE + 24), ==, 0x0031);

    /* Unmasked again without a change: Xen alone, no hypervisor call from us. */
    gint64 binds = calls(qts, "bind_msi");
    entry_mask(qts, TABLE, 1, true);
    entry_mask(qts, TABLE, 1, false);
    g_assert_cmpint(calls(qts, "bind_msi"), ==, binds);
    xpt_test_finish(qts);
}

/*
 * A mask the device model never saw must survive what the device model does on its
 * own: a BAR move (every entry rebound with the new gtable) and a function-mask
 * toggle. Before the fix the move rebound the entry with UNMASKED from a stale latch and
 * Xen delivered interrupts of a vector the guest had masked.
 */
static void test_mask_survives_rebind(void)
{
    XptQts *qts = start();
    unsigned cap = bring_up(qts, false);
    entry_mask(qts, TABLE, 1, true);                        /* Xen's, not ours */
    g_assert_cmpstr(binding(qts, 1).delivery, ==, "none");

    msix_ctrl(qts, cap, CTRL_MASKALL, 0);
    msix_ctrl(qts, cap, 0, CTRL_MASKALL);
    g_assert_cmpstr(binding(qts, 1).delivery, ==, "none");
    g_assert_cmpstr(binding(qts, 0).delivery, ==, "vector");

    place_bar0(qts, MOVED);
    Binding b1 = binding(qts, 1), b0 = binding(qts, 0);
    g_assert_cmphex(b1.gtable, ==, MOVED + 0x4000);
    g_assert_cmphex(b0.gtable, ==, MOVED + 0x4000);
    g_assert_cmpstr(b1.delivery, ==, "none");
    g_assert_cmpstr(b0.delivery, ==, "vector");
    /* Xen 4.17's msixtbl_pt_unregister deleted the entry at entry 0's unbind (2 → 1
     * references), entry 0's bind registered the new table (1), entry 1's unbind kept
     * it (1 → 0) and its bind took it again (1): Xen intercepts at the new table. */
    gint64 gtable = 0, refcnt = 0;
    g_assert_cmpuint(msixtbl(qts, &gtable, &refcnt), ==, 1);
    g_assert_cmphex(gtable, ==, MOVED + 0x4000);
    g_assert_cmpint(refcnt, ==, 1);
    g_assert_cmphex(xpt_readl(qts, MOVED + 0x4000 + 16 + 12), ==, 1);
    entry_mask(qts, MOVED + 0x4000, 1, false);
    g_assert_cmpstr(binding(qts, 1).delivery, ==, "vector");
    xpt_test_finish(qts);
}

/*
 * Xen ≥ 4.19 with XENFEAT_dm_msix_all_writes: every write also reaches the device
 * model, which then knows the mask and binds with it (UNMASKED after an unmask).
 */
static void test_all_writes(void)
{
    XptQts *qts = start();
    g_autoptr(JsonNode) r = xpt_sim_command(qts, "feature dm_msix_all_writes on");
    bring_up(qts, true);
    Binding b0 = binding(qts, 0);
    g_assert_true(b0.gflags & GF_UNMASKED);
    g_assert_cmpstr(b0.delivery, ==, "vector");
    entry_mask(qts, TABLE, 0, true);
    g_assert_cmpstr(binding(qts, 0).delivery, ==, "none");
    entry_program(qts, TABLE, 0, 0xfee03000, 0x0030);
    entry_mask(qts, TABLE, 0, false);
    b0 = binding(qts, 0);
    g_assert_cmphex(b0.gvec, ==, 0x30);
    g_assert_cmpstr(b0.delivery, ==, "vector");
    xpt_test_finish(qts);
}

/*
 * Xen 4.17's inverted reference count: with one bound entry, disabling MSI-X leaves the
 * table registered with 0 references; after the BAR moved and MSI-X came back, Xen
 * intercepts at the OLD address (msixtbl_pt_register finds the device's entry) and not
 * at the new one, where every write — masks too — reaches the device model. The
 * device model still binds and unmasks correctly there.
 */
static void test_stale_registration(void)
{
    XptQts *qts = start();
    unsigned cap = msix_cap(qts);
    place_bar0(qts, BAR0);
    msix_ctrl(qts, cap, CTRL_ENABLE, 0);
    entry_program(qts, TABLE, 0, 0xfee01000, 0x0024);
    entry_mask(qts, TABLE, 0, false);
    gint64 gtable = 0, refcnt = 0;
    g_assert_cmpuint(msixtbl(qts, &gtable, &refcnt), ==, 1);
    g_assert_cmpint(refcnt, ==, 1);
    msix_ctrl(qts, cap, 0, CTRL_ENABLE);
    g_assert_cmpuint(msixtbl(qts, &gtable, &refcnt), ==, 1);   /* kept, 0 references */
    g_assert_cmpint(refcnt, ==, 0);
    g_assert_cmphex(gtable, ==, TABLE);

    place_bar0(qts, MOVED);
    msix_ctrl(qts, cap, CTRL_ENABLE, 0);
    g_assert_cmpstr(binding(qts, 0).delivery, ==, "vector");   /* bound at the enable */
    g_assert_cmphex(binding(qts, 0).gtable, ==, MOVED + 0x4000);
    g_assert_cmpuint(msixtbl(qts, &gtable, &refcnt), ==, 1);
    g_assert_cmphex(gtable, ==, TABLE);                          /* Xen's stale gtable */
    entry_mask(qts, MOVED + 0x4000, 0, true);                  /* reaches the device model */
    entry_program(qts, MOVED + 0x4000, 0, 0xfee02000, 0x0026);
    entry_mask(qts, MOVED + 0x4000, 0, false);
    g_assert_cmphex(binding(qts, 0).gvec, ==, 0x26);
    g_assert_cmpstr(binding(qts, 0).delivery, ==, "vector");
    xpt_test_finish(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/msixtbl/xen-4.17/mask-is-xens", test_mask_is_xens);
    g_test_add_func("/msixtbl/xen-4.17/affinity-change", test_affinity_change);
    g_test_add_func("/msixtbl/xen-4.17/mask-survives-rebind", test_mask_survives_rebind);
    g_test_add_func("/msixtbl/xen-4.17/stale-registration", test_stale_registration);
    g_test_add_func("/msixtbl/xen-4.19/all-writes", test_all_writes);
    return g_test_run();
}
