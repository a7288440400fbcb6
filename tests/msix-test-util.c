/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the MSI-X end-to-end tests: tests/msix-test-util.h. */
#include "tests/msix-test-util.h"

#include <string.h>

#include "tests/testutil.h"

/* gflags Xen expects from an x86 MSI address/data (Intel SDM vol. 3 §11.11): dest ID =
 * address bits 19:12, RH = bit 3, DM = bit 2; delivery mode = data bits 10:8, trigger
 * = data bit 15; UNMASKED when the entry is not masked. */
uint32_t mxt_expect_gflags(uint64_t addr, uint32_t data, bool masked)
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

XptQts *mxt_start_dump(const char *fixture, const char *hostaddr, const char *pre,
                       const char *extra)
{
    g_autofree char *args = g_strdup_printf(
        "%s -device xen-pci-passthrough,hostaddr=%s,id=pt0,host-dump=%s%s", pre ? pre : "",
        hostaddr, xpt_test_fixture(fixture), extra ? extra : "");
    return xpt_qts_start(args);
}

XptQts *mxt_start_nic(const char *pre)
{
    return mxt_start_dump("pciutils-tests/cap-pcie-2", NIC, pre, NULL);
}

JsonObject *mxt_root(JsonNode *st)
{
    return json_node_get_object(st);
}

JsonArray *mxt_member(JsonNode *st, const char *name)
{
    return json_object_get_array_member(mxt_root(st), name);
}

gint64 mxt_calls(XptQts *qts, const char *op)
{
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    JsonObject *c = json_object_get_object_member(mxt_root(st), "calls");
    return json_object_has_member(c, op) ? json_object_get_int_member(c, op) : 0;
}

/*
 * The simulated Xen forwards every MSI-X table write, mask writes included
 * (XENFEAT_dm_msix_all_writes, Xen ≥ 4.19): the tests of the device model's own view of
 * each write. Without it (the default, Xen 4.17) Xen keeps the mask of bound entries to
 * itself: the /msix/xen-4.17/ tests.
 */
void mxt_all_writes(XptQts *qts)
{
    g_autoptr(JsonNode) r = xpt_sim_command(qts, "feature dm_msix_all_writes on");
}

/* Number of MSI-source pirqs, and of MSI bindings. */
guint mxt_count_msi_pirqs(JsonNode *st)
{
    JsonArray *a = mxt_member(st, "pirqs");
    guint n = 0;
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonObject *o = json_array_get_object_element(a, i);
        n += g_strcmp0(json_object_get_string_member(o, "source"), "msi") == 0;
    }
    return n;
}

JsonObject *mxt_pirq_of_entry(JsonNode *st, const char *sbdf, gint64 entry)
{
    JsonArray *a = mxt_member(st, "pirqs");
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

gint64 mxt_check_bound(JsonNode *st, const ExpEntry *e)
{
    JsonObject *p = mxt_pirq_of_entry(st, e->sbdf, e->entry);
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
JsonNode *mxt_assert_bound(XptQts *qts, const ExpEntry *exp, guint n)
{
    JsonNode *st = xpt_sim_state(qts);
    for (guint i = 0; i < n; i++) {
        mxt_check_bound(st, &exp[i]);
    }
    g_assert_cmpuint(mxt_count_msi_pirqs(st), ==, n);
    g_assert_cmpuint(json_array_get_length(mxt_member(st, "msi")), ==, n);
    return st;
}

void mxt_assert_none_bound(XptQts *qts)
{
    g_autoptr(JsonNode) st = mxt_assert_bound(qts, NULL, 0);
}

gint64 mxt_pirq_number(XptQts *qts, const char *sbdf, unsigned entry)
{
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    JsonObject *p = mxt_pirq_of_entry(st, sbdf, entry);
    g_assert_nonnull(p);
    return json_object_get_int_member(p, "pirq");
}

bool mxt_has_claim(XptQts *qts, uint64_t start, uint64_t end)
{
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    JsonArray *a = json_object_get_array_member(
        json_object_get_object_member(mxt_root(st), "claims"), "mmio");
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonObject *c = json_array_get_object_element(a, i);
        if ((uint64_t)json_object_get_int_member(c, "start") == start &&
            (uint64_t)json_object_get_int_member(c, "end") == end) {
            return true;
        }
    }
    return false;
}

guint mxt_mmio_claims(XptQts *qts)
{
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    return json_array_get_length(json_object_get_array_member(
        json_object_get_object_member(mxt_root(st), "claims"), "mmio"));
}

bool mxt_has_mmio(XptQts *qts, uint64_t gfn, uint64_t mfn, uint64_t nr)
{
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    return xpt_state_has_mmio(st, gfn, mfn, nr);
}

/* No p2m mapping touches guest frames [first, last] (invariant 10). */
void mxt_assert_not_mapped(XptQts *qts, uint64_t first, uint64_t last)
{
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    JsonArray *a = mxt_member(st, "mmio");
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

uint32_t mxt_last_host_write(XptQts *qts, unsigned offset)
{
    g_autoptr(GArray) w = xpt_test_host_writes_at(qts, "pt0", offset);
    g_assert_cmpuint(w->len, >, 0);
    return g_array_index(w, uint32_t, w->len - 1);
}

/* Lines of @text containing both @a and @b. */
unsigned mxt_count_lines(const char *text, const char *a, const char *b)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    unsigned n = 0;
    for (unsigned i = 0; lines[i]; i++) {
        n += strstr(lines[i], a) && (!b || strstr(lines[i], b));
    }
    return n;
}

/* ---- the guest driver (Linux drivers/pci/msi) --------------------------------------- */

void mxt_msix_ctrl(XptQts *qts, unsigned cap, uint16_t set, uint16_t clear)
{
    uint16_t v = xpt_cfg_readw(qts, SLOT2, cap + 2);
    xpt_cfg_writew(qts, SLOT2, cap + 2, (uint16_t)((v & ~clear) | set));
}

/* __pci_write_msi_msg for a masked entry: address lo, address hi, data. */
void mxt_entry_program(XptQts *qts, uint64_t table, unsigned i, uint64_t addr, uint16_t data)
{
    xpt_writel(qts, table + 16 * i, (uint32_t)addr);
    xpt_writel(qts, table + 16 * i + 4, (uint32_t)(addr >> 32));
    xpt_writel(qts, table + 16 * i + 8, data);
}

void mxt_entry_mask(XptQts *qts, uint64_t table, unsigned i, bool masked)
{
    xpt_writel(qts, table + 16 * i + 12, masked ? 1 : 0);
    (void)xpt_readl(qts, table + 16 * i + 12);          /* Linux flushes with a read */
}
