/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the simulated hypervisor (qtest/xen-sim.h), interrupts and guest memory:
 * PCI link routes and ISA levels, pirqs and their MSI and INTx bindings as Xen 4.17
 * checks them, shared GSIs, the guest's own pirqs, and guest memory reads and writes.
 * Driven directly (no binary); helpers in tests/sim-test-util.h.
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

/* ---- interrupts --------------------------------------------------------------------------- */

static void test_link_and_isa(void)
{
    XptSim *sim = xpt_sim_new(0);
    void *o = OPQ(sim);
    const XptHvOps *ops = OPS(sim);

    g_assert_cmpint(ops->set_pci_link_route(o, 4, 5), ==, -EINVAL);
    g_assert_cmpint(ops->set_pci_link_route(o, 0, 16), ==, -EINVAL);
    g_assert_cmpint(ops->set_pci_link_route(o, 2, 11), ==, 0);
    g_assert_cmpint(ops->set_isa_irq_level(o, 16, 1), ==, -EINVAL);
    g_assert_cmpint(ops->set_isa_irq_level(o, 9, 2), ==, -EINVAL);
    g_assert_cmpint(ops->set_isa_irq_level(o, 9, 1), ==, 0);

    g_autoptr(JsonNode) st = simt_state_node(sim);
    JsonArray *routes = simt_state_array(st, "link_routes");
    JsonArray *isa = simt_state_array(st, "isa_irq");
    g_assert_cmpuint(json_array_get_length(routes), ==, 4);
    g_assert_cmpint(json_array_get_int_element(routes, 2), ==, 11);
    g_assert_cmpint(json_array_get_int_element(routes, 0), ==, 0);
    g_assert_cmpuint(json_array_get_length(isa), ==, 16);
    g_assert_cmpint(json_array_get_int_element(isa, 9), ==, 1);
    g_assert_cmpint(json_array_get_int_element(isa, 8), ==, 0);
    xpt_sim_free(sim);
}

static void test_pirqs_and_bindings(void)
{
    XptSim *sim = xpt_sim_new(0);
    void *o = OPQ(sim);
    const XptHvOps *ops = OPS(sim);
    XptHostGrant g = simt_grant();
    XptHostGrant big = simt_grant();
    big.host_sbdf = XEN_DMOP_PCI_SBDF(0, 2, 0, 0);
    memset(big.mem, 0, sizeof(big.mem));
    memset(big.io, 0, sizeof(big.io));
    big.irq = 300;
    g_assert_cmpint(ops->grant_device(o, &g), ==, 0);
    g_assert_cmpint(ops->grant_device(o, &big), ==, 0);

    /* GSI pirqs: identity by default, idempotent, bad GSI EINVAL. */
    int gsi_pirq = -1, again = -1, other = 40, p300 = -1;
    g_assert_cmpint(ops->map_pirq(o, 0, &gsi_pirq), ==, -EINVAL);
    g_assert_cmpint(ops->map_pirq(o, XPT_SIM_NR_IRQS_GSI, &gsi_pirq), ==, -EINVAL);
    g_assert_cmpint(ops->map_pirq(o, HOST_IRQ, &gsi_pirq), ==, 0);
    g_assert_cmpint(gsi_pirq, ==, HOST_IRQ);
    g_assert_cmpint(ops->map_pirq(o, HOST_IRQ, &again), ==, 0);
    g_assert_cmpint(again, ==, HOST_IRQ);
    g_assert_cmpint(ops->map_pirq(o, HOST_IRQ, &other), ==, -EEXIST);
    g_assert_cmpint(ops->map_pirq(o, 300, &p300), ==, 0);
    g_assert_cmpint(p300, ==, 300);

    /* INTx: libxenctrl's uint8_t pirq, dev ≤ 31, intx ≤ 3, bus 0. */
    g_assert_cmpint(ops->bind_pt_intx(o, p300, 0, 3, 0), ==, -EINVAL);
    g_assert_cmpint(ops->bind_pt_intx(o, gsi_pirq, 0, 32, 0), ==, -EINVAL);
    g_assert_cmpint(ops->bind_pt_intx(o, gsi_pirq, 0, 3, 4), ==, -EINVAL);
    g_assert_cmpint(ops->bind_pt_intx(o, gsi_pirq, 1, 3, 0), ==, -EINVAL);
    g_assert_cmpint(ops->bind_pt_intx(o, 99, 0, 3, 0), ==, -EINVAL);
    g_assert_cmpint(ops->bind_pt_intx(o, gsi_pirq, 0, 3, 0), ==, 0);
    g_assert_cmpint(ops->bind_pt_intx(o, gsi_pirq, 0, 3, 0), ==, -EEXIST);
    g_assert_cmpint(ops->bind_msi(o, 0x30, gsi_pirq, 0, 0), ==, -EBUSY);

    /* MSI pirqs: allocated from the top down; bind updates in place; gtable kept. */
    int m0 = -1, m1 = -1;
    g_assert_cmpint(ops->map_pirq_msi(o, &m0, 0, 1, 0, 0, 0), ==, 0);
    g_assert_cmpint(m0, ==, XPT_SIM_NR_PIRQS - 1);
    g_assert_cmpint(ops->map_pirq_msi(o, &m1, 0, 1, 0, 0, 0), ==, -EEXIST);
    g_assert_cmpint(ops->map_pirq_msi(o, &m1, 0, 1, 0, 1, 0xfe001000), ==, -EBUSY);
    g_assert_cmpint(ops->bind_msi(o, 0x100, m0, 0, 0), ==, -EINVAL);
    g_assert_cmpint(ops->bind_msi(o, 0x31, XPT_SIM_NR_PIRQS - 2, 0, 0), ==, -EINVAL);
    g_assert_cmpint(ops->bind_msi(o, 0x31, gsi_pirq + 1, 0, 0), ==, -EINVAL);
    g_assert_cmpint(ops->bind_msi(o, 0x31, m0, 0x10001, 0xe0002000), ==, 0);
    g_assert_cmpint(ops->bind_msi(o, 0x32, m0, 0x10002, 0xe0003000), ==, 0);
    g_assert_cmpint(ops->bind_pt_intx(o, m0 & 0xff, 0, 4, 0), ==, -EINVAL);
    {
        g_autoptr(JsonNode) st = simt_state_node(sim);
        JsonArray *pirqs = simt_state_array(st, "pirqs");
        JsonArray *msi = simt_state_array(st, "msi");
        JsonArray *intx = simt_state_array(st, "intx");
        g_assert_cmpuint(json_array_get_length(pirqs), ==, 3);
        JsonObject *p = json_array_get_object_element(pirqs, 0);
        g_assert_cmpint(json_object_get_int_member(p, "pirq"), ==, HOST_IRQ);
        g_assert_cmpstr(json_object_get_string_member(p, "source"), ==, "gsi");
        g_assert_cmpint(json_object_get_int_member(p, "irq"), ==, HOST_IRQ);
        p = json_array_get_object_element(pirqs, 2);
        g_assert_cmpint(json_object_get_int_member(p, "pirq"), ==, m0);
        g_assert_cmpstr(json_object_get_string_member(p, "source"), ==, "msi");
        g_assert_cmpstr(json_object_get_string_member(p, "sbdf"), ==, "0000:01:00.0");
        g_assert_cmpint(json_object_get_int_member(p, "entry"), ==, 0);
        g_assert_cmpint(json_object_get_int_member(p, "table_base"), ==, 0);
        g_assert_cmpuint(json_array_get_length(msi), ==, 1);
        g_assert_cmpint(simt_elem_int(msi, 0, "pirq"), ==, m0);
        g_assert_cmpint(simt_elem_int(msi, 0, "gvec"), ==, 0x32);
        g_assert_cmpint(simt_elem_int(msi, 0, "gflags"), ==, 0x10002);
        g_assert_cmpint(simt_elem_int(msi, 0, "gtable"), ==, 0xe0002000);
        g_assert_cmpuint(json_array_get_length(intx), ==, 1);
        g_assert_cmpint(simt_elem_int(intx, 0, "pirq"), ==, HOST_IRQ);
        g_assert_cmpint(simt_elem_int(intx, 0, "bus"), ==, 0);
        g_assert_cmpint(simt_elem_int(intx, 0, "dev"), ==, 3);
        g_assert_cmpint(simt_elem_int(intx, 0, "intx"), ==, 0);
    }
    g_assert_true(simt_leak_has(sim, "MSI binding pirq 1055 gvec 0x32"));
    g_assert_true(simt_leak_has(sim, "INTx binding pirq 17 bus 0 dev 3 intx 0"));
    g_assert_true(simt_leak_has(sim, "pirq 1055 mapped (MSI 0000:01:00.0 entry 0)"));

    /* Teardown in the documented order. */
    g_assert_cmpint(ops->unbind_msi(o, 0x32, m0, 0), ==, 0);
    g_assert_cmpint(ops->unbind_msi(o, 0x32, m0, 0), ==, -EINVAL);
    g_assert_cmpint(ops->unmap_pirq(o, m0), ==, 0);
    g_assert_cmpint(ops->unmap_pirq(o, m0), ==, -EINVAL);
    g_assert_cmpint(ops->unbind_pt_intx(o, gsi_pirq, 0, 4, 0), ==, -EINVAL);
    g_assert_cmpint(ops->unbind_pt_intx(o, gsi_pirq, 0, 3, 0), ==, 0);
    g_assert_cmpint(ops->unmap_pirq(o, gsi_pirq), ==, 0);
    g_assert_cmpint(ops->unmap_pirq(o, p300), ==, 0);

    /* MSI-X: one pirq per entry; 32 of them (extra_guest_irqs), the 33rd ENOSPC. */
    int px[33];
    for (int i = 0; i < 32; i++) {
        px[i] = -1;
        g_assert_cmpint(ops->map_pirq_msi(o, &px[i], 0, 1, 0, i, 0xfe002000), ==, 0);
        g_assert_cmpint(px[i], ==, XPT_SIM_NR_PIRQS - 1 - i);
    }
    px[32] = -1;
    g_assert_cmpint(ops->map_pirq_msi(o, &px[32], 0, 1, 0, 32, 0xfe002000), ==, -ENOSPC);
    g_assert_cmpint(ops->map_pirq_msi(o, &px[32], 0, 1, 0, 0, 0), ==, -EBUSY);
    for (int i = 0; i < 32; i++) {
        g_assert_cmpint(ops->unmap_pirq(o, px[i]), ==, 0);
    }
    g_assert_cmpint(ops->revoke_device(o, &g), ==, 0);
    g_assert_cmpint(ops->revoke_device(o, &big), ==, 0);
    g_assert_cmpuint(simt_leak_count(sim), ==, 0);
    xpt_sim_free(sim);
}

/* The "intx" binding (pirq, dev, intx) in the state, or NULL. */
static JsonObject *intx_of(JsonNode *st, gint64 pirq, gint64 dev, gint64 intx)
{
    JsonArray *a = simt_state_array(st, "intx");
    for (guint i = 0; i < json_array_get_length(a); i++) {
        if (simt_elem_int(a, i, "pirq") == pirq && simt_elem_int(a, i, "dev") == dev &&
            simt_elem_int(a, i, "intx") == intx) {
            return json_array_get_object_element(a, i);
        }
    }
    return NULL;
}

/* Delivery of binding (pirq, dev, intx): "gsi" or "none"; the binding must exist. */
static const char *intx_delivery(XptSim *sim, gint64 pirq, gint64 dev, gint64 intx)
{
    static char buf[16];
    g_autoptr(JsonNode) st = simt_state_node(sim);
    JsonObject *b = intx_of(st, pirq, dev, intx);
    g_assert_nonnull(b);
    g_strlcpy(buf, json_object_get_string_member(b, "delivery"), sizeof(buf));
    return buf;
}

/*
 * Two functions behind one host GSI (Xen 4.17): the GSI maps twice to the same pirq with
 * no count kept; each function binds its own (dev, intx); unbinding one leaves the other
 * delivering; but unmapping the pirq while any binding is left succeeds and force-unbinds
 * them all (unmap_domain_pirq → pirq_guest_force_unbind): the sibling stops delivering,
 * the GSI cannot be mapped again (EEXIST) until its stale binding is destroyed, and the
 * leak report names what is left.
 */
static void test_shared_gsi(void)
{
    XptSim *sim = xpt_sim_new(0);
    void *o = OPQ(sim);
    const XptHvOps *ops = OPS(sim);
    XptHostGrant a = simt_grant();
    XptHostGrant b = simt_grant();
    b.host_sbdf = XEN_DMOP_PCI_SBDF(0, 1, 0, 1);
    memset(b.mem, 0, sizeof(b.mem));
    memset(b.io, 0, sizeof(b.io));
    g_assert_cmpint(ops->grant_device(o, &a), ==, 0);
    g_assert_cmpint(ops->grant_device(o, &b), ==, 0);

    int pa = -1, pb = -1;
    g_assert_cmpint(ops->map_pirq(o, HOST_IRQ, &pa), ==, 0);
    g_assert_cmpint(ops->map_pirq(o, HOST_IRQ, &pb), ==, 0);
    g_assert_cmpint(pb, ==, pa);
    g_assert_cmpint(ops->bind_pt_intx(o, pa, 0, 5, 0), ==, 0);
    g_assert_cmpint(ops->bind_pt_intx(o, pa, 0, 6, 1), ==, 0);
    g_assert_cmpstr(intx_delivery(sim, pa, 5, 0), ==, "gsi");
    g_assert_cmpstr(intx_delivery(sim, pa, 6, 1), ==, "gsi");

    /* Partial unbind: the sibling still delivers. */
    g_assert_cmpint(ops->unbind_pt_intx(o, pa, 0, 5, 0), ==, 0);
    g_assert_cmpstr(intx_delivery(sim, pa, 6, 1), ==, "gsi");

    /* Unmap while the sibling is bound: forced, not refused. */
    g_assert_cmpint(ops->unmap_pirq(o, pa), ==, 0);
    g_assert_cmpstr(intx_delivery(sim, pa, 6, 1), ==, "none");
    {
        g_autoptr(JsonNode) st = simt_state_node(sim);
        JsonObject *x = intx_of(st, pa, 6, 1);
        g_assert_nonnull(strstr(json_object_get_string_member(x, "why"),
                                "pirq_guest_force_unbind"));
        JsonArray *pirqs = simt_state_array(st, "pirqs");
        g_assert_cmpuint(json_array_get_length(pirqs), ==, 1);
        g_assert_true(json_object_get_boolean_member(
            json_array_get_object_element(pirqs, 0), "force_unbound"));
    }
    g_assert_true(simt_leak_has(sim, "pirq 17 (gsi 17) unmapped while still bound"));
    g_assert_true(simt_leak_has(sim, "INTx binding pirq 17 bus 0 dev 6 intx 1"));
    g_assert_cmpint(ops->unmap_pirq(o, pa), ==, -EINVAL);           /* arch.irq < 0 */
    int again = -1;
    g_assert_cmpint(ops->map_pirq(o, HOST_IRQ, &again), ==, -EEXIST); /* allocate_pirq */
    g_assert_cmpint(ops->bind_pt_intx(o, pa, 0, 7, 0), ==, -EINVAL);

    /* Destroying the stale binding clears the pirq: the GSI maps again. */
    g_assert_cmpint(ops->unbind_pt_intx(o, pa, 0, 6, 1), ==, 0);
    g_assert_cmpuint(simt_leak_count(sim), ==, 2);                       /* the two grants */
    g_assert_cmpint(ops->map_pirq(o, HOST_IRQ, &again), ==, 0);
    g_assert_cmpint(again, ==, HOST_IRQ);
    g_assert_cmpint(ops->bind_pt_intx(o, again, 0, 6, 1), ==, 0);
    g_assert_cmpstr(intx_delivery(sim, again, 6, 1), ==, "gsi");
    g_assert_cmpint(ops->unbind_pt_intx(o, again, 0, 6, 1), ==, 0);
    g_assert_cmpint(ops->unmap_pirq(o, again), ==, 0);

    /* An MSI pirq unmapped while bound: forced too, and its binding can never go. */
    int m = -1;
    g_assert_cmpint(ops->map_pirq_msi(o, &m, 0, 1, 0, 0, 0), ==, 0);
    g_assert_cmpint(ops->bind_msi(o, 0x31, m, 0x10000, 0), ==, 0);
    g_assert_cmpint(ops->unmap_pirq(o, m), ==, 0);
    g_assert_cmpint(ops->unbind_msi(o, 0x31, m, 0), ==, -EINVAL);
    g_assert_true(simt_leak_has(sim, "MSI binding pirq 1055"));
    g_assert_true(simt_leak_has(sim, "unmapped while still bound (force-unbound) (MSI"));
    int m2 = -1;                              /* the device's MSI can be mapped again */
    g_assert_cmpint(ops->map_pirq_msi(o, &m2, 0, 1, 0, 0, 0), ==, 0);
    g_assert_cmpint(m2, ==, XPT_SIM_NR_PIRQS - 2);
    g_assert_cmpint(ops->unmap_pirq(o, m2), ==, 0);
    xpt_sim_free(sim);
}

/* A "xen-sim" guest command's reply member (the command must succeed). */
static gint64 guest_cmd(XptSim *sim, const char *line, const char *member)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *reply = simt_sim_cmd(sim, line, &err);
    g_assert_no_error(err);
    g_autoptr(JsonNode) n = json_from_string(reply, &err);
    g_assert_no_error(err);
    JsonObject *o = json_node_get_object(n);
    return json_object_has_member(o, member) ? json_object_get_int_member(o, member) : -1;
}

/* The "msi" binding of @pirq in the state: guest_masked, evtchn, delivery. */
static JsonObject *msi_of(JsonNode *st, gint64 pirq)
{
    JsonArray *a = simt_state_array(st, "msi");
    for (guint i = 0; i < json_array_get_length(a); i++) {
        if (simt_elem_int(a, i, "pirq") == pirq) {
            return json_array_get_object_element(a, i);
        }
    }
    return NULL;
}

static void assert_delivery(XptSim *sim, int pirq, const char *how, bool guest_masked)
{
    g_autoptr(JsonNode) st = simt_state_node(sim);
    JsonObject *m = msi_of(st, pirq);
    g_assert_nonnull(m);
    g_assert_cmpstr(json_object_get_string_member(m, "delivery"), ==, how);
    g_assert_cmpint(json_object_get_boolean_member(m, "guest_masked"), ==, guest_masked);
    g_assert_cmpint(json_object_has_member(m, "why"), ==, strcmp(how, "none") == 0);
}

/* guest_pirqs' "gsi" of @pirq: the emulated GSI routed through it, -1 for none. */
static gint64 emu_gsi_of(XptSim *sim, gint64 pirq)
{
    g_autoptr(JsonNode) st = simt_state_node(sim);
    JsonArray *gp = simt_state_array(st, "guest_pirqs");
    for (guint i = 0; i < json_array_get_length(gp); i++) {
        JsonObject *e = json_array_get_object_element(gp, i);
        if (json_object_get_int_member(e, "pirq") == pirq) {
            return json_object_has_member(e, "gsi") ? json_object_get_int_member(e, "gsi") : -1;
        }
    }
    return -1;
}

/*
 * A guest's own emulated GSIs on pirqs (Xen 4.17 physdev_hvm_map_pirq): COM1's GSI 4
 * gets the first free pirq from 16, the SCI's the next; a second map of GSI 4 gets a new
 * pirq, unrouted (map_domain_emuirq_pirq only warns). The device model may map the host
 * GSI 17 to pirq 17 although the guest routes GSI 9 through it (map_domain_pirq does not
 * look), and Xen then delivers both; but its unmap of pirq 17 (physdev_unmap_pirq) also
 * removes the guest's routing of GSI 9 (unmap_domain_pirq_emuirq).
 */
static void test_guest_gsi_pirqs(void)
{
    XptSim *sim = xpt_sim_new(0);
    void *o = OPQ(sim);
    const XptHvOps *ops = OPS(sim);
    XptHostGrant g = simt_grant();                       /* host GSI 17 */
    g_assert_cmpint(ops->grant_device(o, &g), ==, 0);

    g_assert_cmpint(guest_cmd(sim, "xen-sim map-gsi-pirq 4", "pirq"), ==, 16);
    g_assert_cmpint(guest_cmd(sim, "xen-sim map-gsi-pirq 9", "pirq"), ==, 17);
    g_assert_cmpint(guest_cmd(sim, "xen-sim map-gsi-pirq 4", "pirq"), ==, 18);
    g_assert_cmpint(guest_cmd(sim, "xen-sim map-gsi-pirq 48", "rc"), ==, -EINVAL);
    g_assert_cmpint(emu_gsi_of(sim, 16), ==, 4);
    g_assert_cmpint(emu_gsi_of(sim, 17), ==, 9);
    g_assert_cmpint(emu_gsi_of(sim, 18), ==, -1);        /* not routed, not kept */
    g_assert_cmpint(guest_cmd(sim, "xen-sim get-free-pirq gsi", "pirq"), ==, 18);

    int pirq = -1;
    g_assert_cmpint(ops->map_pirq(o, HOST_IRQ, &pirq), ==, 0);
    g_assert_cmpint(pirq, ==, HOST_IRQ);                 /* the guest's SCI pirq */
    g_assert_cmpint(emu_gsi_of(sim, 17), ==, 9);         /* both, while mapped */
    g_assert_cmpint(ops->unmap_pirq(o, pirq), ==, 0);
    g_assert_cmpint(emu_gsi_of(sim, 17), ==, -1);        /* the SCI is gone with it */
    g_assert_cmpint(emu_gsi_of(sim, 16), ==, 4);
    g_assert_cmpint(ops->revoke_device(o, &g), ==, 0);
    xpt_sim_free(sim);
}

/*
 * The guest's side of pirqs as Xen 4.17 has it: PHYSDEVOP_get_free_pirq reserves,
 * EVTCHNOP_bind_pirq succeeds on an unmapped pirq but routes and unmasks only a mapped
 * one (arch_evtchn_bind_pirq); MSI-X vectors start guest-masked (msix_capability_init),
 * MSI ones not; a bind with XEN_DOMCTL_VMSI_X86_UNMASKED unmasks, one without does not.
 */
static void test_guest_pirqs(void)
{
    XptSim *sim = xpt_sim_new(0);
    void *o = OPQ(sim);
    const XptHvOps *ops = OPS(sim);
    XptHostGrant g = simt_grant();
    g_assert_cmpint(ops->grant_device(o, &g), ==, 0);
    const uint32_t unmasked = 1u << 16, extint = 7u << 12;

    /* Linux: get a pirq, bind its event channel before the device model mapped it. */
    gint64 p = guest_cmd(sim, "xen-sim get-free-pirq", "pirq");
    g_assert_cmpint(p, ==, XPT_SIM_NR_PIRQS - 1);
    g_assert_cmpint(guest_cmd(sim, "xen-sim get-free-pirq msi", "pirq"), ==,
                    XPT_SIM_NR_PIRQS - 2);                   /* reserved: not given again */
    g_assert_cmpint(guest_cmd(sim, "xen-sim get-free-pirq gsi", "pirq"), ==, 16);
    g_assert_cmpint(guest_cmd(sim, "xen-sim evtchn-bind-pirq 1055", "rc"), ==, 0);
    g_assert_cmpint(guest_cmd(sim, "xen-sim evtchn-bind-pirq 1055", "rc"), ==, -EEXIST);
    g_assert_cmpint(guest_cmd(sim, "xen-sim evtchn-bind-pirq 1056", "rc"), ==, -EINVAL);
    g_assert_cmpint(guest_cmd(sim, "xen-sim evtchn-bind-pirq 4294967295", "rc"), ==, -EINVAL);
    g_assert_cmpint(guest_cmd(sim, "xen-sim evtchn-close-pirq 1000", "rc"), ==, -EINVAL);
    {
        g_autoptr(JsonNode) st = simt_state_node(sim);
        JsonArray *gp = simt_state_array(st, "guest_pirqs");
        g_assert_cmpuint(json_array_get_length(gp), ==, 3);
        JsonObject *last = json_array_get_object_element(gp, 2);
        g_assert_cmpint(json_object_get_int_member(last, "pirq"), ==, 1055);
        g_assert_true(json_object_get_boolean_member(last, "allocated"));
        g_assert_cmpint(json_object_get_int_member(last, "evtchn"), >, 0);
        g_assert_false(json_object_get_boolean_member(last, "emuirq_pt"));
    }
    /* An automatic map skips reserved pirqs; a map by number takes the reservation. */
    int a = -1, m = (int)p;
    g_assert_cmpint(ops->map_pirq_msi(o, &a, 0, 1, 0, 1, 0xfe001000), ==, 0);
    g_assert_cmpint(a, ==, XPT_SIM_NR_PIRQS - 3);
    g_assert_cmpint(ops->map_pirq_msi(o, &m, 0, 1, 0, 0, 0xfe001000), ==, 0);
    g_assert_cmpint(m, ==, p);
    /* Mapped after the event channel: bound masked, nothing unmasks it, no routing. */
    g_assert_cmpint(ops->bind_msi(o, 0, m, 0x17 | extint, 0xe0000000), ==, 0);
    assert_delivery(sim, m, "none", true);
    g_assert_cmpint(ops->bind_msi(o, 0, m, 0x17 | extint | unmasked, 0xe0000000), ==, 0);
    assert_delivery(sim, m, "none", false);              /* gvec 0, ExtINT: vmsi_deliver */
    /* Closing and binding the channel again now that it is mapped: event channel. */
    g_assert_cmpint(guest_cmd(sim, "xen-sim evtchn-close-pirq 1055", "rc"), ==, 0);
    g_assert_cmpint(guest_cmd(sim, "xen-sim evtchn-bind-pirq 1055", "rc"), ==, 0);
    assert_delivery(sim, m, "evtchn", false);

    /* The other entry: mapped, bound masked, then the guest's bind unmasks and routes. */
    g_assert_cmpint(ops->bind_msi(o, 0x31, a, 0x01, 0xe0000000), ==, 0);
    assert_delivery(sim, a, "none", true);
    g_autofree char *line = g_strdup_printf("xen-sim evtchn-bind-pirq %d", a);
    g_assert_cmpint(guest_cmd(sim, line, "rc"), ==, 0);
    assert_delivery(sim, a, "evtchn", false);
    /* Unmapping removes the routing (physdev_unmap_pirq); the channel stays bound. */
    g_assert_cmpint(ops->unbind_msi(o, 0x31, a, 0x01), ==, 0);
    g_assert_cmpint(ops->unmap_pirq(o, a), ==, 0);
    {
        g_autoptr(JsonNode) st = simt_state_node(sim);
        JsonArray *gp = simt_state_array(st, "guest_pirqs");
        for (guint i = 0; i < json_array_get_length(gp); i++) {
            if (simt_elem_int(gp, i, "pirq") == a) {
                JsonObject *e = json_array_get_object_element(gp, i);
                g_assert_false(json_object_get_boolean_member(e, "emuirq_pt"));
                g_assert_cmpint(json_object_get_int_member(e, "evtchn"), >, 0);
            }
        }
    }
    /* A native vector: bound unmasked with a real vector → delivered as that vector. */
    a = -1;
    g_assert_cmpint(ops->map_pirq_msi(o, &a, 0, 1, 0, 2, 0xfe001000), ==, 0);
    g_assert_cmpint(ops->bind_msi(o, 0x41, a, 0x01 | unmasked, 0xe0000000), ==, 0);
    assert_delivery(sim, a, "vector", false);
    g_assert_cmpint(ops->unbind_msi(o, 0x41, a, 0), ==, 0);
    g_assert_cmpint(ops->unmap_pirq(o, a), ==, 0);
    g_assert_cmpint(ops->unbind_msi(o, 0, m, 0), ==, 0);
    g_assert_cmpint(ops->unmap_pirq(o, m), ==, 0);

    /* MSI (not -X) starts unmasked (msi_capability_init). */
    int s = -1;
    g_assert_cmpint(ops->map_pirq_msi(o, &s, 0, 1, 0, 0, 0), ==, 0);
    g_assert_cmpint(ops->bind_msi(o, 0x51, s, 0x01, 0), ==, 0);
    assert_delivery(sim, s, "vector", false);
    g_assert_cmpint(ops->unbind_msi(o, 0x51, s, 0), ==, 0);
    g_assert_cmpint(ops->unmap_pirq(o, s), ==, 0);

    /* Guest state is not the device model's: no leak. */
    g_assert_cmpint(ops->revoke_device(o, &g), ==, 0);
    g_assert_cmpuint(simt_leak_count(sim), ==, 0);
    xpt_sim_free(sim);
}

static void test_guest_memory_ops(void)
{
    XptSim *sim = xpt_sim_new(1 << 20);
    void *o = OPQ(sim);
    const XptHvOps *ops = OPS(sim);
    uint8_t buf[16], back[16];

    for (unsigned i = 0; i < sizeof(buf); i++) {
        buf[i] = (uint8_t)(0xa0 + i);
    }
    g_assert_cmpint(ops->guest_write(o, 0x1ff8, buf, sizeof(buf)), ==, 0);  /* crosses a page */
    g_assert_cmpint(ops->guest_read(o, 0x1ff8, back, sizeof(back)), ==, 0);
    g_assert_cmpmem(buf, sizeof(buf), back, sizeof(back));
    g_assert_cmpint(ops->guest_read(o, 0x5000, back, 4), ==, 0);
    g_assert_cmpuint(back[0] | back[1] | back[2] | back[3], ==, 0);
    g_assert_cmpint(ops->guest_read(o, (1 << 20) - 8, back, 16), ==, -EFAULT);
    g_assert_cmpint(ops->guest_write(o, ~0ull - 4, buf, 16), ==, -EFAULT);
    g_assert_cmpint(ops->guest_read(o, (1 << 20) - 16, back, 16), ==, 0);
    xpt_sim_free(sim);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/xen-sim/link-and-isa", test_link_and_isa);
    g_test_add_func("/xen-sim/pirqs-and-bindings", test_pirqs_and_bindings);
    g_test_add_func("/xen-sim/shared-gsi", test_shared_gsi);
    g_test_add_func("/xen-sim/guest-pirqs", test_guest_pirqs);
    g_test_add_func("/xen-sim/guest-gsi-pirqs", test_guest_gsi_pirqs);
    g_test_add_func("/xen-sim/guest-memory-ops", test_guest_memory_ops);
    return g_test_run();
}
