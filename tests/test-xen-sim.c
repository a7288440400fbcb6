/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the simulated hypervisor (qtest/xen-sim.h), driven directly (no binary):
 * Xen's rules for every operation, fault injection, routing of qtest accesses through a
 * real dispatcher and PCI bus, the state JSON, the leak report and IRQ reports.
 */
#include <errno.h>
#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "hw/pci/pci.h"
#include "qtest/qtest.h"
#include "qtest/xen-sim.h"
#include "util/error.h"
#include "xen/ioreq.h"

#define HOST_SBDF XEN_DMOP_PCI_SBDF(0, 1, 0, 0)          /* 0000:01:00.0 */
#define HOST_MFN 0xfe000ull                               /* host BAR 0 at 0xfe000000 */
#define HOST_PORT 0xe000u
#define HOST_IRQ 17

/* The grant of the test host device: BAR0 4 pages, BAR2 32 ports, IRQ 17. */
static XptHostGrant test_grant(void)
{
    XptHostGrant g;
    memset(&g, 0, sizeof(g));
    g.mem[0].first_mfn = HOST_MFN;
    g.mem[0].nr_mfns = 4;
    g.io[2].first_port = HOST_PORT;
    g.io[2].nr_ports = 0x20;
    g.irq = HOST_IRQ;
    g.host_sbdf = HOST_SBDF;
    return g;
}

/* Shorthand: the raw vtable call, returning 0 or -errno. */
#define OPS(sim) (xpt_sim_hv(sim)->ops)
#define OPQ(sim) (xpt_sim_hv(sim)->opaque)

/* Run "xen-sim ..." @line through the backend's extension hook. */
static char *sim_cmd(XptSim *sim, const char *line, GError **errp)
{
    g_auto(GStrv) argv = g_strsplit(line, " ", -1);
    return xpt_sim_qtest_backend()->extension(sim, argv, errp);
}

/* The state, parsed; members are checked by the callers. */
static JsonNode *state_node(XptSim *sim)
{
    g_autofree char *json = xpt_sim_state_json(sim);
    g_autoptr(GError) err = NULL;
    JsonNode *n = json_from_string(json, &err);
    g_assert_no_error(err);
    g_assert_true(JSON_NODE_HOLDS_OBJECT(n));
    return n;
}

static JsonArray *state_array(JsonNode *n, const char *member)
{
    JsonArray *a = json_object_get_array_member(json_node_get_object(n), member);
    g_assert_nonnull(a);
    return a;
}

static gint64 elem_int(JsonArray *a, guint i, const char *member)
{
    return json_object_get_int_member(json_array_get_object_element(a, i), member);
}

static guint leak_count(XptSim *sim)
{
    g_auto(GStrv) leaks = xpt_sim_leak_report(sim);
    return g_strv_length(leaks);
}

/* Whether a leak line contains @needle. */
static bool leak_has(XptSim *sim, const char *needle)
{
    g_auto(GStrv) leaks = xpt_sim_leak_report(sim);
    for (guint i = 0; leaks[i]; i++) {
        if (strstr(leaks[i], needle)) {
            return true;
        }
    }
    return false;
}

/* ---- permissions ------------------------------------------------------------------------ */

static void test_permissions(void)
{
    XptSim *sim = xpt_sim_new(16 << 20);
    XptHv *hv = xpt_sim_hv(sim);
    XptHostGrant g = test_grant();
    g_autoptr(GError) err = NULL;
    int pirq = -1;

    /* Nothing granted yet: everything is EPERM (ENODEV for MSI: device not assigned). */
    g_assert_false(xpt_hv_memory_mapping(hv, "t", 0xe0000, HOST_MFN, 1, true, &err));
    g_assert_error(err, XPT_ERRNO_ERROR, EPERM);
    g_clear_error(&err);
    g_assert_cmpint(OPS(sim)->ioport_mapping(OPQ(sim), 0xc000, HOST_PORT, 0x20, true), ==,
                    -EPERM);
    g_assert_cmpint(OPS(sim)->map_pirq(OPQ(sim), HOST_IRQ, &pirq), ==, -EPERM);
    g_assert_cmpint(OPS(sim)->map_pirq_msi(OPQ(sim), &pirq, 0, 1, 0, 0, 0), ==, -ENODEV);

    g_assert_true(xpt_hv_grant_device(hv, "t", &g, &err));
    g_assert_no_error(err);
    g_assert_cmpint(OPS(sim)->grant_device(OPQ(sim), &g), ==, -EEXIST);

    /* Inside the grant: fine. One frame / port / IRQ outside: EPERM. */
    g_assert_cmpint(OPS(sim)->memory_mapping(OPQ(sim), 0xe0000, HOST_MFN, 4, true), ==, 0);
    g_assert_cmpint(OPS(sim)->memory_mapping(OPQ(sim), 0xe1000, HOST_MFN + 1, 4, true), ==,
                    -EPERM);
    g_assert_cmpint(OPS(sim)->memory_mapping(OPQ(sim), 0xe1000, HOST_MFN - 1, 1, true), ==,
                    -EPERM);
    g_assert_cmpint(OPS(sim)->ioport_mapping(OPQ(sim), 0xc000, HOST_PORT, 0x20, true), ==, 0);
    g_assert_cmpint(OPS(sim)->ioport_mapping(OPQ(sim), 0xd000, HOST_PORT + 0x10, 0x11, true),
                    ==, -EPERM);
    g_assert_cmpint(OPS(sim)->map_pirq(OPQ(sim), HOST_IRQ + 1, &pirq), ==, -EPERM);
    pirq = -1;
    g_assert_cmpint(OPS(sim)->map_pirq(OPQ(sim), HOST_IRQ, &pirq), ==, 0);
    g_assert_cmpint(pirq, ==, HOST_IRQ);
    int msi = -1;
    g_assert_cmpint(OPS(sim)->map_pirq_msi(OPQ(sim), &msi, 0, 2, 0, 0, 0), ==, -ENODEV);
    /* MAP_PIRQ_TYPE_MSI_SEG: 0001:01:00.0 is not the granted 0000:01:00.0 */
    g_assert_cmpint(OPS(sim)->map_pirq_msi(OPQ(sim), &msi, 1, 1, 0, 0, 0), ==, -ENODEV);
    g_assert_cmpint(OPS(sim)->map_pirq_msi(OPQ(sim), &msi, 0, 1, 0, 0, 0), ==, 0);

    /* Revoking first leaves the mapping behind and makes its removal EPERM (as Xen). */
    g_assert_true(xpt_hv_revoke_device(hv, "t", &g, &err));
    g_assert_cmpint(OPS(sim)->revoke_device(OPQ(sim), &g), ==, -ENOENT);
    g_assert_false(xpt_hv_memory_mapping(hv, "t", 0xe0000, HOST_MFN, 4, false, &err));
    g_assert_error(err, XPT_ERRNO_ERROR, EPERM);
    g_clear_error(&err);
    g_assert_cmpint(OPS(sim)->memory_mapping(OPQ(sim), 0xf0000, HOST_MFN, 1, true), ==, -EPERM);
    g_assert_true(leak_has(sim, "p2m mapping gfn 0xe0000-0xe0003 -> mfn 0xfe000 (4 pages)"));
    g_assert_cmpint(OPS(sim)->map_pirq(OPQ(sim), HOST_IRQ, &pirq), ==, -EPERM);

    /* Granted again, the device model can clean up. */
    g_assert_cmpint(OPS(sim)->grant_device(OPQ(sim), &g), ==, 0);
    g_assert_cmpint(OPS(sim)->memory_mapping(OPQ(sim), 0xe0000, HOST_MFN, 4, false), ==, 0);
    g_assert_cmpint(OPS(sim)->ioport_mapping(OPQ(sim), 0xc000, HOST_PORT, 0x20, false), ==, 0);
    g_assert_cmpint(OPS(sim)->unmap_pirq(OPQ(sim), HOST_IRQ), ==, 0);
    g_assert_cmpint(OPS(sim)->unmap_pirq(OPQ(sim), msi), ==, 0);
    g_assert_cmpint(OPS(sim)->revoke_device(OPQ(sim), &g), ==, 0);
    g_assert_cmpuint(leak_count(sim), ==, 0);
    xpt_sim_free(sim);
}

/*
 * Two devices granted frame ranges that overlap: revoking one takes away only what the
 * other does not also grant, and revoking several in a row (a machine torn down, where
 * the sim rebuilds the union once, when next read) leaves exactly the rest (issue 15).
 */
static void test_revoke_overlapping(void)
{
    XptSim *sim = xpt_sim_new(0);
    XptHostGrant a = test_grant(), b = test_grant(), c = test_grant();
    b.host_sbdf = HOST_SBDF + 1;
    b.mem[0].first_mfn = HOST_MFN + 2;      /* a: +0..+3, b: +2..+5 */
    b.io[2].nr_ports = 0;
    b.irq = 0;
    c.host_sbdf = HOST_SBDF + 2;
    c.mem[0].first_mfn = HOST_MFN + 0x100;
    c.io[2].nr_ports = 0;
    c.irq = HOST_IRQ + 1;
    g_assert_cmpint(OPS(sim)->grant_device(OPQ(sim), &a), ==, 0);
    g_assert_cmpint(OPS(sim)->grant_device(OPQ(sim), &b), ==, 0);
    g_assert_cmpint(OPS(sim)->grant_device(OPQ(sim), &c), ==, 0);
    g_assert_cmpint(OPS(sim)->revoke_device(OPQ(sim), &a), ==, 0);
    g_assert_cmpint(OPS(sim)->revoke_device(OPQ(sim), &c), ==, 0);
    /* b's frames stay, a's and c's alone are gone, and so are a's ports and c's IRQ */
    g_assert_cmpint(OPS(sim)->memory_mapping(OPQ(sim), 0xe0000, HOST_MFN + 2, 4, true), ==, 0);
    g_assert_cmpint(OPS(sim)->memory_mapping(OPQ(sim), 0xe1000, HOST_MFN + 1, 1, true), ==,
                    -EPERM);
    g_assert_cmpint(OPS(sim)->memory_mapping(OPQ(sim), 0xe2000, HOST_MFN + 0x100, 1, true),
                    ==, -EPERM);
    g_assert_cmpint(OPS(sim)->ioport_mapping(OPQ(sim), 0xc000, HOST_PORT, 1, true), ==,
                    -EPERM);
    int pirq = -1;
    g_assert_cmpint(OPS(sim)->map_pirq(OPQ(sim), HOST_IRQ + 1, &pirq), ==, -EPERM);
    /* a granted again after the revokes: its own and b's are there together */
    g_assert_cmpint(OPS(sim)->grant_device(OPQ(sim), &a), ==, 0);
    g_assert_cmpint(OPS(sim)->memory_mapping(OPQ(sim), 0xe1000, HOST_MFN, 2, true), ==, 0);
    g_assert_cmpint(OPS(sim)->memory_mapping(OPQ(sim), 0xe1000, HOST_MFN, 2, false), ==, 0);
    g_assert_cmpint(OPS(sim)->memory_mapping(OPQ(sim), 0xe0000, HOST_MFN + 2, 4, false), ==,
                    0);
    g_assert_cmpint(OPS(sim)->revoke_device(OPQ(sim), &a), ==, 0);
    g_assert_cmpint(OPS(sim)->revoke_device(OPQ(sim), &b), ==, 0);
    g_assert_cmpint(OPS(sim)->memory_mapping(OPQ(sim), 0xe0000, HOST_MFN + 2, 1, true), ==,
                    -EPERM);
    g_assert_cmpuint(leak_count(sim), ==, 0);
    xpt_sim_free(sim);
}

static void test_grant_validation(void)
{
    XptSim *sim = xpt_sim_new(0);
    XptHostGrant g = test_grant();
    g.mem[1].first_mfn = ~0ull - 1;    /* wraps in 64 bits (XSA-476) */
    g.mem[1].nr_mfns = 4;
    g_assert_cmpint(OPS(sim)->grant_device(OPQ(sim), &g), ==, -EINVAL);
    g = test_grant();
    g.io[0].first_port = 0xfff0;
    g.io[0].nr_ports = 0x20;
    g_assert_cmpint(OPS(sim)->grant_device(OPQ(sim), &g), ==, -EINVAL);
    g = test_grant();
    g.irq = -1;
    g_assert_cmpint(OPS(sim)->grant_device(OPQ(sim), &g), ==, -EINVAL);
    g_assert_cmpuint(leak_count(sim), ==, 0);
    xpt_sim_free(sim);
}

/* ---- mappings: EEXIST, ENOENT, per-page removal ------------------------------------------- */

static void test_memory_mapping_rules(void)
{
    XptSim *sim = xpt_sim_new(0);
    XptHostGrant g = test_grant();
    g.mem[1].first_mfn = 0x100000;
    g.mem[1].nr_mfns = 16;
    g_assert_cmpint(OPS(sim)->grant_device(OPQ(sim), &g), ==, 0);

    g_assert_cmpint(OPS(sim)->memory_mapping(OPQ(sim), 0xe0000, 0x100000, 0, true), ==, -EINVAL);
    g_assert_cmpint(OPS(sim)->memory_mapping(OPQ(sim), 0xe0000, 0x100000, 4, true), ==, 0);
    /* Overlapping gfns, even with other frames: EEXIST. */
    g_assert_cmpint(OPS(sim)->memory_mapping(OPQ(sim), 0xe0003, 0x100008, 2, true), ==, -EEXIST);
    g_assert_cmpint(OPS(sim)->memory_mapping(OPQ(sim), 0xdffff, 0x100008, 2, true), ==, -EEXIST);
    /* Adjacent and contiguous: one run in the p2m. */
    g_assert_cmpint(OPS(sim)->memory_mapping(OPQ(sim), 0xe0004, 0x100004, 2, true), ==, 0);
    {
        g_autoptr(JsonNode) st = state_node(sim);
        JsonArray *mmio = state_array(st, "mmio");
        g_assert_cmpuint(json_array_get_length(mmio), ==, 1);
        g_assert_cmpint(elem_int(mmio, 0, "gfn"), ==, 0xe0000);
        g_assert_cmpint(elem_int(mmio, 0, "mfn"), ==, 0x100000);
        g_assert_cmpint(elem_int(mmio, 0, "nr"), ==, 6);
    }
    /* Removal must match page for page: wrong mfn, unmapped or partly mapped → ENOENT. */
    g_assert_cmpint(OPS(sim)->memory_mapping(OPQ(sim), 0xe0001, 0x100000, 1, false), ==, -ENOENT);
    g_assert_cmpint(OPS(sim)->memory_mapping(OPQ(sim), 0xe0010, 0x100001, 1, false), ==, -ENOENT);
    g_assert_cmpint(OPS(sim)->memory_mapping(OPQ(sim), 0xe0005, 0x100005, 2, false), ==, -ENOENT);
    /* Removing the middle (e.g. an MSI-X table page) splits the run. */
    g_assert_cmpint(OPS(sim)->memory_mapping(OPQ(sim), 0xe0002, 0x100002, 1, false), ==, 0);
    {
        g_autoptr(JsonNode) st = state_node(sim);
        JsonArray *mmio = state_array(st, "mmio");
        g_assert_cmpuint(json_array_get_length(mmio), ==, 2);
        g_assert_cmpint(elem_int(mmio, 0, "gfn"), ==, 0xe0000);
        g_assert_cmpint(elem_int(mmio, 0, "nr"), ==, 2);
        g_assert_cmpint(elem_int(mmio, 1, "gfn"), ==, 0xe0003);
        g_assert_cmpint(elem_int(mmio, 1, "mfn"), ==, 0x100003);
        g_assert_cmpint(elem_int(mmio, 1, "nr"), ==, 3);
    }
    g_assert_cmpint(OPS(sim)->memory_mapping(OPQ(sim), 0xe0000, 0x100000, 3, false), ==, -ENOENT);
    g_assert_cmpint(OPS(sim)->memory_mapping(OPQ(sim), 0xe0000, 0x100000, 2, false), ==, 0);
    g_assert_cmpint(OPS(sim)->memory_mapping(OPQ(sim), 0xe0003, 0x100003, 3, false), ==, 0);
    g_assert_cmpint(OPS(sim)->memory_mapping(OPQ(sim), 0xe0003, 0x100003, 3, false), ==, -ENOENT);
    g_assert_cmpint(OPS(sim)->revoke_device(OPQ(sim), &g), ==, 0);
    g_assert_cmpuint(leak_count(sim), ==, 0);
    xpt_sim_free(sim);
}

static void test_ioport_mapping_rules(void)
{
    XptSim *sim = xpt_sim_new(0);
    XptHostGrant g = test_grant();
    g_assert_cmpint(OPS(sim)->grant_device(OPQ(sim), &g), ==, 0);

    g_assert_cmpint(OPS(sim)->ioport_mapping(OPQ(sim), 0xc000, HOST_PORT, 0, true), ==, -EINVAL);
    g_assert_cmpint(OPS(sim)->ioport_mapping(OPQ(sim), 0xfff0, HOST_PORT, 0x20, true), ==,
                    -EINVAL);
    g_assert_cmpint(OPS(sim)->ioport_mapping(OPQ(sim), 0xc000, HOST_PORT, 0x10, true), ==, 0);
    /* Guest ports or host ports overlapping an existing mapping: EEXIST. */
    g_assert_cmpint(OPS(sim)->ioport_mapping(OPQ(sim), 0xc008, HOST_PORT + 0x10, 0x10, true), ==,
                    -EEXIST);
    g_assert_cmpint(OPS(sim)->ioport_mapping(OPQ(sim), 0xd000, HOST_PORT + 0x8, 0x8, true), ==,
                    -EEXIST);
    g_assert_cmpint(OPS(sim)->ioport_mapping(OPQ(sim), 0xd000, HOST_PORT + 0x10, 0x10, true), ==,
                    0);
    /* Removal names a mapping exactly. */
    g_assert_cmpint(OPS(sim)->ioport_mapping(OPQ(sim), 0xc000, HOST_PORT, 0x8, false), ==,
                    -ENOENT);
    g_assert_cmpint(OPS(sim)->ioport_mapping(OPQ(sim), 0xc000, HOST_PORT + 1, 0x10, false), ==,
                    -ENOENT);
    {
        g_autoptr(JsonNode) st = state_node(sim);
        JsonArray *io = state_array(st, "ioports");
        g_assert_cmpuint(json_array_get_length(io), ==, 2);
        g_assert_cmpint(elem_int(io, 0, "gport"), ==, 0xc000);
        g_assert_cmpint(elem_int(io, 0, "mport"), ==, HOST_PORT);
        g_assert_cmpint(elem_int(io, 0, "nr"), ==, 0x10);
        g_assert_cmpint(elem_int(io, 1, "gport"), ==, 0xd000);
    }
    g_assert_cmpint(OPS(sim)->ioport_mapping(OPQ(sim), 0xc000, HOST_PORT, 0x10, false), ==, 0);
    g_assert_cmpint(OPS(sim)->ioport_mapping(OPQ(sim), 0xd000, HOST_PORT + 0x10, 0x10, false),
                    ==, 0);
    g_assert_cmpint(OPS(sim)->revoke_device(OPQ(sim), &g), ==, 0);
    g_assert_cmpuint(leak_count(sim), ==, 0);
    xpt_sim_free(sim);
}

/* ---- claims ------------------------------------------------------------------------------- */

static void test_claims(void)
{
    XptSim *sim = xpt_sim_new(0);
    void *o = OPQ(sim);
    const XptHvOps *ops = OPS(sim);

    g_assert_cmpint(ops->claim_range(o, XPT_RANGE_PORT, 0x20, 0x10), ==, -EINVAL);
    g_assert_cmpint(ops->claim_range(o, (XptRangeType)7, 0x10, 0x20), ==, -EINVAL);
    /* 256 separate ranges fit, the 257th does not (Xen's rangeset limit: ENOMEM). */
    for (uint64_t i = 0; i < 256; i++) {
        g_assert_cmpint(ops->claim_range(o, XPT_RANGE_MEMORY, 0x100000 + i * 0x2000,
                                         0x100fff + i * 0x2000), ==, 0);
    }
    g_assert_cmpint(ops->claim_range(o, XPT_RANGE_MEMORY, 0x900000, 0x900fff), ==, -ENOMEM);
    /* Other types have their own limit. */
    g_assert_cmpint(ops->claim_range(o, XPT_RANGE_PORT, 0x1000, 0x100f), ==, 0);
    /* A range touching one claim merges with it and so still fits. */
    g_assert_cmpint(ops->claim_range(o, XPT_RANGE_MEMORY, 0x101000, 0x1013ff), ==, 0);
    /* Overlap: EEXIST. */
    g_assert_cmpint(ops->claim_range(o, XPT_RANGE_MEMORY, 0x100800, 0x100800), ==, -EEXIST);
    g_assert_cmpint(ops->claim_range(o, XPT_RANGE_PORT, 0x100f, 0x1010), ==, -EEXIST);
    /* Unclaim: must be inside one claim. */
    g_assert_cmpint(ops->unclaim_range(o, XPT_RANGE_PORT, 0x2000, 0x2000), ==, -ENOENT);
    g_assert_cmpint(ops->unclaim_range(o, XPT_RANGE_PORT, 0x0fff, 0x1003), ==, -ENOENT);
    g_assert_cmpint(ops->unclaim_range(o, XPT_RANGE_PCI, 0x10, 0x10), ==, -ENOENT);
    /* Splitting the merged range would need a 257th: ENOMEM, nothing changes. */
    g_assert_cmpint(ops->unclaim_range(o, XPT_RANGE_MEMORY, 0x100800, 0x100fff), ==, -ENOMEM);
    g_assert_cmpint(ops->unclaim_range(o, XPT_RANGE_MEMORY, 0x101000, 0x1013ff), ==, 0);
    g_assert_cmpint(ops->unclaim_range(o, XPT_RANGE_PORT, 0x1004, 0x1007), ==, 0);
    {
        g_autoptr(JsonNode) st = state_node(sim);
        JsonObject *claims = json_object_get_object_member(json_node_get_object(st), "claims");
        JsonArray *port = json_object_get_array_member(claims, "port");
        g_assert_cmpuint(json_array_get_length(port), ==, 2);
        g_assert_cmpint(elem_int(port, 0, "start"), ==, 0x1000);
        g_assert_cmpint(elem_int(port, 0, "end"), ==, 0x1003);
        g_assert_cmpint(elem_int(port, 1, "start"), ==, 0x1008);
        g_assert_cmpint(elem_int(port, 1, "end"), ==, 0x100f);
        g_assert_cmpuint(json_array_get_length(json_object_get_array_member(claims, "mmio")),
                         ==, 256);
    }
    g_assert_cmpuint(leak_count(sim), ==, 258);
    g_assert_true(leak_has(sim, "ioreq-server claim port 0x1000-0x1003"));
    g_assert_cmpint(ops->unclaim_range(o, XPT_RANGE_PORT, 0x1000, 0x1003), ==, 0);
    g_assert_cmpint(ops->unclaim_range(o, XPT_RANGE_PORT, 0x1008, 0x100f), ==, 0);
    for (uint64_t i = 0; i < 256; i++) {
        g_assert_cmpint(ops->unclaim_range(o, XPT_RANGE_MEMORY, 0x100000 + i * 0x2000,
                                           0x100fff + i * 0x2000), ==, 0);
    }
    g_assert_cmpuint(leak_count(sim), ==, 0);
    xpt_sim_free(sim);
}

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

    g_autoptr(JsonNode) st = state_node(sim);
    JsonArray *routes = state_array(st, "link_routes");
    JsonArray *isa = state_array(st, "isa_irq");
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
    XptHostGrant g = test_grant();
    XptHostGrant big = test_grant();
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
        g_autoptr(JsonNode) st = state_node(sim);
        JsonArray *pirqs = state_array(st, "pirqs");
        JsonArray *msi = state_array(st, "msi");
        JsonArray *intx = state_array(st, "intx");
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
        g_assert_cmpint(elem_int(msi, 0, "pirq"), ==, m0);
        g_assert_cmpint(elem_int(msi, 0, "gvec"), ==, 0x32);
        g_assert_cmpint(elem_int(msi, 0, "gflags"), ==, 0x10002);
        g_assert_cmpint(elem_int(msi, 0, "gtable"), ==, 0xe0002000);
        g_assert_cmpuint(json_array_get_length(intx), ==, 1);
        g_assert_cmpint(elem_int(intx, 0, "pirq"), ==, HOST_IRQ);
        g_assert_cmpint(elem_int(intx, 0, "bus"), ==, 0);
        g_assert_cmpint(elem_int(intx, 0, "dev"), ==, 3);
        g_assert_cmpint(elem_int(intx, 0, "intx"), ==, 0);
    }
    g_assert_true(leak_has(sim, "MSI binding pirq 1055 gvec 0x32"));
    g_assert_true(leak_has(sim, "INTx binding pirq 17 bus 0 dev 3 intx 0"));
    g_assert_true(leak_has(sim, "pirq 1055 mapped (MSI 0000:01:00.0 entry 0)"));

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
    g_assert_cmpuint(leak_count(sim), ==, 0);
    xpt_sim_free(sim);
}

/* The "intx" binding (pirq, dev, intx) in the state, or NULL. */
static JsonObject *intx_of(JsonNode *st, gint64 pirq, gint64 dev, gint64 intx)
{
    JsonArray *a = state_array(st, "intx");
    for (guint i = 0; i < json_array_get_length(a); i++) {
        if (elem_int(a, i, "pirq") == pirq && elem_int(a, i, "dev") == dev &&
            elem_int(a, i, "intx") == intx) {
            return json_array_get_object_element(a, i);
        }
    }
    return NULL;
}

/* Delivery of binding (pirq, dev, intx): "gsi" or "none"; the binding must exist. */
static const char *intx_delivery(XptSim *sim, gint64 pirq, gint64 dev, gint64 intx)
{
    static char buf[16];
    g_autoptr(JsonNode) st = state_node(sim);
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
    XptHostGrant a = test_grant();
    XptHostGrant b = test_grant();
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
        g_autoptr(JsonNode) st = state_node(sim);
        JsonObject *x = intx_of(st, pa, 6, 1);
        g_assert_nonnull(strstr(json_object_get_string_member(x, "why"),
                                "pirq_guest_force_unbind"));
        JsonArray *pirqs = state_array(st, "pirqs");
        g_assert_cmpuint(json_array_get_length(pirqs), ==, 1);
        g_assert_true(json_object_get_boolean_member(
            json_array_get_object_element(pirqs, 0), "force_unbound"));
    }
    g_assert_true(leak_has(sim, "pirq 17 (gsi 17) unmapped while still bound"));
    g_assert_true(leak_has(sim, "INTx binding pirq 17 bus 0 dev 6 intx 1"));
    g_assert_cmpint(ops->unmap_pirq(o, pa), ==, -EINVAL);           /* arch.irq < 0 */
    int again = -1;
    g_assert_cmpint(ops->map_pirq(o, HOST_IRQ, &again), ==, -EEXIST); /* allocate_pirq */
    g_assert_cmpint(ops->bind_pt_intx(o, pa, 0, 7, 0), ==, -EINVAL);

    /* Destroying the stale binding clears the pirq: the GSI maps again. */
    g_assert_cmpint(ops->unbind_pt_intx(o, pa, 0, 6, 1), ==, 0);
    g_assert_cmpuint(leak_count(sim), ==, 2);                       /* the two grants */
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
    g_assert_true(leak_has(sim, "MSI binding pirq 1055"));
    g_assert_true(leak_has(sim, "unmapped while still bound (force-unbound) (MSI"));
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
    g_autofree char *reply = sim_cmd(sim, line, &err);
    g_assert_no_error(err);
    g_autoptr(JsonNode) n = json_from_string(reply, &err);
    g_assert_no_error(err);
    JsonObject *o = json_node_get_object(n);
    return json_object_has_member(o, member) ? json_object_get_int_member(o, member) : -1;
}

/* The "msi" binding of @pirq in the state: guest_masked, evtchn, delivery. */
static JsonObject *msi_of(JsonNode *st, gint64 pirq)
{
    JsonArray *a = state_array(st, "msi");
    for (guint i = 0; i < json_array_get_length(a); i++) {
        if (elem_int(a, i, "pirq") == pirq) {
            return json_array_get_object_element(a, i);
        }
    }
    return NULL;
}

static void assert_delivery(XptSim *sim, int pirq, const char *how, bool guest_masked)
{
    g_autoptr(JsonNode) st = state_node(sim);
    JsonObject *m = msi_of(st, pirq);
    g_assert_nonnull(m);
    g_assert_cmpstr(json_object_get_string_member(m, "delivery"), ==, how);
    g_assert_cmpint(json_object_get_boolean_member(m, "guest_masked"), ==, guest_masked);
    g_assert_cmpint(json_object_has_member(m, "why"), ==, strcmp(how, "none") == 0);
}

/* guest_pirqs' "gsi" of @pirq: the emulated GSI routed through it, -1 for none. */
static gint64 emu_gsi_of(XptSim *sim, gint64 pirq)
{
    g_autoptr(JsonNode) st = state_node(sim);
    JsonArray *gp = state_array(st, "guest_pirqs");
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
    XptHostGrant g = test_grant();                       /* host GSI 17 */
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
    XptHostGrant g = test_grant();
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
        g_autoptr(JsonNode) st = state_node(sim);
        JsonArray *gp = state_array(st, "guest_pirqs");
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
        g_autoptr(JsonNode) st = state_node(sim);
        JsonArray *gp = state_array(st, "guest_pirqs");
        for (guint i = 0; i < json_array_get_length(gp); i++) {
            if (elem_int(gp, i, "pirq") == a) {
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
    g_assert_cmpuint(leak_count(sim), ==, 0);
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

/* ---- fault injection ----------------------------------------------------------------------- */

static void test_fault_injection(void)
{
    XptSim *sim = xpt_sim_new(0);
    void *o = OPQ(sim);
    const XptHvOps *ops = OPS(sim);
    g_autoptr(GError) err = NULL;
    XptHostGrant g = test_grant();
    g_assert_cmpint(ops->grant_device(o, &g), ==, 0);

    g_autofree char *r = sim_cmd(sim, "xen-sim fail memory_mapping EIO 2", &err);
    g_assert_no_error(err);
    g_assert_cmpstr(r, ==, "");
    g_assert_cmpint(ops->memory_mapping(o, 0xe0000, HOST_MFN, 1, true), ==, -EIO);
    g_assert_cmpint(ops->memory_mapping(o, 0xe0000, HOST_MFN, 1, true), ==, -EIO);
    g_assert_cmpint(ops->memory_mapping(o, 0xe0000, HOST_MFN, 1, true), ==, 0);
    g_assert_cmpint(ops->memory_mapping(o, 0xe0000, HOST_MFN, 1, false), ==, 0);

    /* Numeric errno, default count 1, names case-insensitive; the hv wrapper's GError. */
    g_clear_pointer(&r, g_free);
    r = sim_cmd(sim, "xen-sim fail map_pirq 16", &err);
    g_assert_no_error(err);
    int pirq = -1;
    g_assert_false(xpt_hv_map_pirq(xpt_sim_hv(sim), "t", HOST_IRQ, &pirq, &err));
    g_assert_error(err, XPT_ERRNO_ERROR, EBUSY);
    g_clear_error(&err);
    g_assert_cmpint(ops->map_pirq(o, HOST_IRQ, &pirq), ==, 0);
    g_assert_cmpint(ops->unmap_pirq(o, pirq), ==, 0);
    g_clear_pointer(&r, g_free);
    r = sim_cmd(sim, "xen-sim fail claim_range enospc 5", &err);
    g_assert_no_error(err);
    g_assert_cmpint(ops->claim_range(o, XPT_RANGE_PORT, 1, 1), ==, -ENOSPC);
    g_clear_pointer(&r, g_free);
    r = sim_cmd(sim, "xen-sim fail claim_range EPERM 0", &err);    /* cancels */
    g_assert_no_error(err);
    g_assert_cmpint(ops->claim_range(o, XPT_RANGE_PORT, 1, 1), ==, 0);
    g_assert_cmpint(ops->unclaim_range(o, XPT_RANGE_PORT, 1, 1), ==, 0);
    g_assert_true(xpt_sim_inject_fault(sim, "revoke_device", ENOMEM, 1, NULL));
    g_assert_cmpint(ops->revoke_device(o, &g), ==, -ENOMEM);
    g_assert_cmpint(ops->revoke_device(o, &g), ==, 0);

    {
        g_autoptr(JsonNode) st = state_node(sim);
        JsonObject *calls = json_object_get_object_member(json_node_get_object(st), "calls");
        g_assert_cmpint(json_object_get_int_member(calls, "memory_mapping"), ==, 4);
        g_assert_cmpint(json_object_get_int_member(calls, "map_pirq"), ==, 2);
        g_assert_cmpint(json_object_get_int_member(calls, "claim_range"), ==, 2);
        g_assert_cmpint(json_object_get_int_member(calls, "revoke_device"), ==, 2);
        g_assert_cmpint(json_object_get_int_member(calls, "grant_device"), ==, 1);
        g_assert_cmpint(json_object_get_int_member(calls, "bind_msi"), ==, 0);
    }

    /* Bad arguments: FAIL texts. */
    static const struct {
        const char *line, *msg;
    } bad[] = {
        { "xen-sim", "xen-sim: missing subcommand (state, leaks, fail OP ERRNO [COUNT], "
                     "get-free-pirq, map-gsi-pirq GSI, evtchn-bind-pirq PIRQ, "
                     "evtchn-close-pirq PIRQ)" },
        { "xen-sim fail", "usage: xen-sim fail OP ERRNO [COUNT]" },
        { "xen-sim fail map_pirq", "usage: xen-sim fail OP ERRNO [COUNT]" },
        { "xen-sim fail map_pirq EIO 1 2", "usage: xen-sim fail OP ERRNO [COUNT]" },
        { "xen-sim fail map_pirq EWHAT", "xen-sim fail: bad errno 'EWHAT' (a number 1-4095 "
                                         "or a name like EPERM)" },
        { "xen-sim fail map_pirq 0", "xen-sim fail: bad errno '0' (a number 1-4095 or a "
                                     "name like EPERM)" },
        { "xen-sim fail map_pirq 5000", "xen-sim fail: bad errno '5000' (a number 1-4095 or "
                                        "a name like EPERM)" },
        { "xen-sim fail map_pirq EIO -1", "xen-sim fail: bad count '-1' (0-4294967295)" },
        { "xen-sim fail map_pirq EIO x", "xen-sim fail: bad count 'x' (0-4294967295)" },
        { "xen-sim fail nope EIO", NULL },
        { "xen-sim state now", "xen-sim state takes no arguments" },
        { "xen-sim leaks all", "xen-sim leaks takes no arguments" },
        { "xen-sim frobnicate", "xen-sim: unknown subcommand 'frobnicate' (state, leaks, "
                                "fail OP ERRNO [COUNT], get-free-pirq, map-gsi-pirq GSI, "
                                "evtchn-bind-pirq PIRQ, evtchn-close-pirq PIRQ)" },
        { "xen-sim map-gsi-pirq", "usage: xen-sim map-gsi-pirq GSI" },
        { "xen-sim map-gsi-pirq 4 5", "usage: xen-sim map-gsi-pirq GSI" },
        { "xen-sim get-free-pirq msix", "usage: xen-sim get-free-pirq [msi|gsi]" },
        { "xen-sim get-free-pirq msi 1", "usage: xen-sim get-free-pirq [msi|gsi]" },
        { "xen-sim evtchn-bind-pirq", "usage: xen-sim evtchn-bind-pirq PIRQ (0-4294967295)" },
        { "xen-sim evtchn-bind-pirq -1", "usage: xen-sim evtchn-bind-pirq PIRQ (0-4294967295)" },
        { "xen-sim evtchn-bind-pirq 4294967296",
          "usage: xen-sim evtchn-bind-pirq PIRQ (0-4294967295)" },
        { "xen-sim evtchn-bind-pirq 0x10", "usage: xen-sim evtchn-bind-pirq PIRQ (0-4294967295)" },
        { "xen-sim evtchn-close-pirq 1 2", "usage: xen-sim evtchn-close-pirq PIRQ (0-4294967295)" },
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *reply = sim_cmd(sim, bad[i].line, &err);
        g_assert_null(reply);
        g_assert_error(err, XPT_ERROR, XPT_ERROR_INVALID);
        if (bad[i].msg) {
            g_assert_cmpstr(err->message, ==, bad[i].msg);
        } else {
            g_assert_true(g_str_has_prefix(err->message,
                                           "xen-sim fail: unknown operation 'nope' (one of: "
                                           "memory_mapping, "));
        }
        g_clear_error(&err);
    }
    /* A bad command changed nothing. */
    g_assert_cmpint(ops->map_pirq(o, HOST_IRQ, &pirq), ==, -EPERM);
    xpt_sim_free(sim);
}

/* Unknown subcommands go to the machine's hook. */
static char *test_ext_hook(void *opaque, char **argv, GError **errp)
{
    (*(int *)opaque)++;
    if (g_strcmp0(argv[1], "host-writes") == 0) {
        return g_strdup("[]");
    }
    g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID, "hook: no '%s'", argv[1]);
    return NULL;
}

static void test_extension_hook(void)
{
    XptSim *sim = xpt_sim_new(0);
    int calls = 0;
    g_autoptr(GError) err = NULL;
    xpt_sim_set_extension(sim, test_ext_hook, &calls);

    g_autofree char *r = sim_cmd(sim, "xen-sim host-writes 02.0", &err);
    g_assert_no_error(err);
    g_assert_cmpstr(r, ==, "[]");
    g_autofree char *r2 = sim_cmd(sim, "xen-sim zap", &err);
    g_assert_null(r2);
    g_assert_error(err, XPT_ERROR, XPT_ERROR_INVALID);
    g_assert_cmpstr(err->message, ==, "hook: no 'zap'");
    g_clear_error(&err);
    g_autofree char *r3 = sim_cmd(sim, "xen-sim state", &err);
    g_assert_no_error(err);
    g_assert_true(g_str_has_prefix(r3, "{"));
    g_assert_cmpint(calls, ==, 2);
    xpt_sim_free(sim);
}

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
    g_assert_cmpuint(leak_count(r->sim), ==, 0);
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
        g_autoptr(JsonNode) st = state_node(r->sim);
        JsonObject *claims = json_object_get_object_member(json_node_get_object(st), "claims");
        JsonArray *pci = json_object_get_array_member(claims, "pci");
        g_assert_cmpuint(json_array_get_length(pci), ==, 1);
        g_assert_cmpint(elem_int(pci, 0, "start"), ==, XEN_DMOP_PCI_SBDF(0, 0, 2, 0));
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
        g_autoptr(JsonNode) st = state_node(r->sim);
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
    XptHostGrant g = test_grant();
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
    XptHostGrant g = test_grant();
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

/* ---- state JSON, leaks, IRQ reports ------------------------------------------------------ */

static void test_state_json_shape(void)
{
    XptSim *sim = xpt_sim_new(64 << 20);
    XptHostGrant g = test_grant();
    g_assert_cmpint(OPS(sim)->grant_device(OPQ(sim), &g), ==, 0);
    g_autoptr(JsonNode) st = state_node(sim);
    JsonObject *o = json_node_get_object(st);
    static const char *const arrays[] = { "mmio", "ioports", "pirqs", "msi", "intx",
                                          "link_routes", "isa_irq", "grants" };
    for (unsigned i = 0; i < G_N_ELEMENTS(arrays); i++) {
        g_assert_true(JSON_NODE_HOLDS_ARRAY(json_object_get_member(o, arrays[i])));
    }
    g_assert_true(JSON_NODE_HOLDS_OBJECT(json_object_get_member(o, "claims")));
    g_assert_true(JSON_NODE_HOLDS_OBJECT(json_object_get_member(o, "calls")));
    g_assert_cmpint(json_object_get_int_member(o, "ram_bytes"), ==, 64 << 20);
    JsonObject *calls = json_object_get_object_member(o, "calls");
    g_assert_cmpuint(json_object_get_size(calls), ==, 19);
    g_assert_true(JSON_NODE_HOLDS_NULL(json_object_get_member(o, "shutdown")));
    g_assert_cmpint(json_object_get_int_member(o, "power_button"), ==, 0);
    g_assert_cmpint(json_object_get_int_member(calls, "grant_device"), ==, 1);

    JsonArray *grants = json_object_get_array_member(o, "grants");
    g_assert_cmpuint(json_array_get_length(grants), ==, 1);
    JsonObject *gr = json_array_get_object_element(grants, 0);
    g_assert_cmpstr(json_object_get_string_member(gr, "sbdf"), ==, "0000:01:00.0");
    JsonArray *mem = json_object_get_array_member(gr, "mem");
    g_assert_cmpuint(json_array_get_length(mem), ==, 1);
    g_assert_cmpint(elem_int(mem, 0, "mfn"), ==, HOST_MFN);
    g_assert_cmpint(elem_int(mem, 0, "nr"), ==, 4);
    JsonArray *io = json_object_get_array_member(gr, "io");
    g_assert_cmpuint(json_array_get_length(io), ==, 1);
    g_assert_cmpint(elem_int(io, 0, "port"), ==, HOST_PORT);
    g_assert_cmpint(elem_int(io, 0, "nr"), ==, 0x20);
    g_assert_cmpint(json_object_get_int_member(gr, "irq"), ==, HOST_IRQ);

    /* The extension's "state" is the same JSON; "leaks" lists the grant. */
    g_autoptr(GError) err = NULL;
    g_autofree char *via = sim_cmd(sim, "xen-sim state", &err);
    g_autofree char *direct = xpt_sim_state_json(sim);
    g_assert_no_error(err);
    g_assert_cmpstr(via, ==, direct);
    g_autofree char *leaks = sim_cmd(sim, "xen-sim leaks", &err);
    g_assert_no_error(err);
    g_assert_cmpstr(leaks, ==, "{\"leaks\":[\"host device 0000:01:00.0 still granted to "
                               "the domain\"]}");
    g_assert_cmpint(OPS(sim)->revoke_device(OPQ(sim), &g), ==, 0);
    g_clear_pointer(&leaks, g_free);
    leaks = sim_cmd(sim, "xen-sim leaks", &err);
    g_assert_cmpstr(leaks, ==, "{\"leaks\":[]}");
    xpt_sim_free(sim);
}

static void test_leak_report(void)
{
    XptSim *sim = xpt_sim_new(0);
    void *o = OPQ(sim);
    const XptHvOps *ops = OPS(sim);
    XptHostGrant g = test_grant();
    int pirq = -1, msi = -1;

    g_assert_cmpuint(leak_count(sim), ==, 0);
    g_assert_cmpint(ops->grant_device(o, &g), ==, 0);
    g_assert_cmpint(ops->memory_mapping(o, 0xe0000, HOST_MFN, 1, true), ==, 0);
    g_assert_cmpint(ops->ioport_mapping(o, 0xc000, HOST_PORT, 8, true), ==, 0);
    g_assert_cmpint(ops->map_pirq(o, HOST_IRQ, &pirq), ==, 0);
    g_assert_cmpint(ops->bind_pt_intx(o, pirq, 0, 2, 0), ==, 0);
    g_assert_cmpint(ops->map_pirq_msi(o, &msi, 0, 1, 0, 3, (HOST_MFN << 12) + 0x2000), ==, 0);
    g_assert_cmpint(ops->bind_msi(o, 0x40, msi, 0x10001, 0xe0002000), ==, 0);
    g_assert_cmpint(ops->claim_range(o, XPT_RANGE_PCI, XEN_DMOP_PCI_SBDF(0, 0, 6, 0),
                                     XEN_DMOP_PCI_SBDF(0, 0, 6, 0)), ==, 0);
    g_assert_cmpint(ops->claim_range(o, XPT_RANGE_MEMORY, 0xe0002000, 0xe0002fff), ==, 0);
    g_assert_cmpint(ops->set_isa_irq_level(o, 9, 1), ==, 0);

    g_auto(GStrv) leaks = xpt_sim_leak_report(sim);
    static const char *const expect[] = {
        "p2m mapping gfn 0xe0000-0xe0000 -> mfn 0xfe000 (1 pages)",
        "ioport mapping 0xc000-0xc007 -> host 0xe000 (8 ports)",
        "pirq 17 mapped (gsi 17)",
        "MSI binding pirq 1055 gvec 0x40 gflags 0x10001 gtable 0xe0002000",
        "pirq 1055 mapped (MSI-X 0000:01:00.0 entry 3)",
        "INTx binding pirq 17 bus 0 dev 2 intx 0",
        "ioreq-server claim pci 0000:00:06.0",
        "ioreq-server claim mmio 0xe0002000-0xe0002fff",
        "host device 0000:01:00.0 still granted to the domain",
    };
    g_assert_cmpuint(g_strv_length(leaks), ==, G_N_ELEMENTS(expect));
    for (unsigned i = 0; i < G_N_ELEMENTS(expect); i++) {
        g_assert_cmpstr(leaks[i], ==, expect[i]);
    }

    g_assert_cmpint(ops->unbind_msi(o, 0x40, msi, 0x10001), ==, 0);
    g_assert_cmpint(ops->unmap_pirq(o, msi), ==, 0);
    g_assert_cmpint(ops->unbind_pt_intx(o, pirq, 0, 2, 0), ==, 0);
    g_assert_cmpint(ops->unmap_pirq(o, pirq), ==, 0);
    g_assert_cmpint(ops->memory_mapping(o, 0xe0000, HOST_MFN, 1, false), ==, 0);
    g_assert_cmpint(ops->ioport_mapping(o, 0xc000, HOST_PORT, 8, false), ==, 0);
    g_assert_cmpint(ops->unclaim_range(o, XPT_RANGE_PCI, XEN_DMOP_PCI_SBDF(0, 0, 6, 0),
                                       XEN_DMOP_PCI_SBDF(0, 0, 6, 0)), ==, 0);
    g_assert_cmpint(ops->unclaim_range(o, XPT_RANGE_MEMORY, 0xe0002000, 0xe0002fff), ==, 0);
    g_assert_cmpint(ops->revoke_device(o, &g), ==, 0);
    g_auto(GStrv) none = xpt_sim_leak_report(sim);
    g_assert_nonnull(none);
    g_assert_null(none[0]);
    xpt_sim_free(sim);
}

static void test_irq_reports(void)
{
    XptSim *sim = xpt_sim_new(0);
    XptQtestServer *qts = xpt_qtest_server_new_detached(xpt_sim_qtest_backend(), sim);
    xpt_sim_set_qtest(sim, qts);
    const XptHvOps *ops = OPS(sim);
    void *o = OPQ(sim);

    /* Before irq_intercept_in: nothing is reported. */
    g_assert_cmpint(ops->set_isa_irq_level(o, 9, 1), ==, 0);
    g_assert_cmpint(ops->set_isa_irq_level(o, 9, 0), ==, 0);
    g_autofree char *none = xpt_qtest_server_take_output(qts);
    g_assert_null(none);

    g_autofree char *ok = xpt_qtest_handle_line(qts, "irq_intercept_in ioapic");
    g_assert_cmpstr(ok, ==, "OK");
    g_assert_cmpint(ops->set_isa_irq_level(o, 9, 1), ==, 0);
    g_assert_cmpint(ops->set_isa_irq_level(o, 9, 1), ==, 0);     /* no change, no line */
    g_assert_cmpint(ops->set_isa_irq_level(o, 9, 0), ==, 0);
    g_assert_cmpint(ops->set_isa_irq_level(o, 16, 1), ==, -EINVAL);
    g_autofree char *out = xpt_qtest_server_take_output(qts);
    g_assert_cmpstr(out, ==, "IRQ raise 9\nIRQ lower 9\n");

    /* The protocol path of the extension: "OK <json>" / "FAIL <message>". */
    g_autofree char *st = xpt_qtest_handle_line(qts, "xen-sim state");
    g_assert_true(g_str_has_prefix(st, "OK {\"mmio\":[]"));
    g_autofree char *bad = xpt_qtest_handle_line(qts, "xen-sim fail nope EIO");
    g_assert_true(g_str_has_prefix(bad, "FAIL xen-sim fail: unknown operation 'nope'"));
    g_autofree char *fail = xpt_qtest_handle_line(qts, "xen-sim fail bind_msi EINVAL 3");
    g_assert_cmpstr(fail, ==, "OK");

    xpt_sim_set_qtest(sim, NULL);
    xpt_qtest_server_free(qts);
    /* Without a server, level changes are only recorded. */
    g_assert_cmpint(ops->set_isa_irq_level(o, 9, 1), ==, 0);
    xpt_sim_free(sim);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/xen-sim/permissions", test_permissions);
    g_test_add_func("/xen-sim/grant-validation", test_grant_validation);
    g_test_add_func("/xen-sim/revoke-overlapping", test_revoke_overlapping);
    g_test_add_func("/xen-sim/memory-mapping", test_memory_mapping_rules);
    g_test_add_func("/xen-sim/ioport-mapping", test_ioport_mapping_rules);
    g_test_add_func("/xen-sim/claims", test_claims);
    g_test_add_func("/xen-sim/link-and-isa", test_link_and_isa);
    g_test_add_func("/xen-sim/pirqs-and-bindings", test_pirqs_and_bindings);
    g_test_add_func("/xen-sim/shared-gsi", test_shared_gsi);
    g_test_add_func("/xen-sim/guest-pirqs", test_guest_pirqs);
    g_test_add_func("/xen-sim/guest-gsi-pirqs", test_guest_gsi_pirqs);
    g_test_add_func("/xen-sim/guest-memory-ops", test_guest_memory_ops);
    g_test_add_func("/xen-sim/fault-injection", test_fault_injection);
    g_test_add_func("/xen-sim/extension-hook", test_extension_hook);
    g_test_add("/xen-sim/route/pci-config", Rig, NULL, rig_setup, test_route_pci_config,
               rig_teardown);
    g_test_add("/xen-sim/route/ports", Rig, NULL, rig_setup, test_route_ports, rig_teardown);
    g_test_add("/xen-sim/route/memory", Rig, NULL, rig_setup, test_route_memory, rig_teardown);
    g_test_add("/xen-sim/route/data-is-ptr", Rig, NULL, rig_setup, test_route_data_is_ptr,
               rig_teardown);
    g_test_add_func("/xen-sim/state-json", test_state_json_shape);
    g_test_add_func("/xen-sim/leak-report", test_leak_report);
    g_test_add_func("/xen-sim/irq-reports", test_irq_reports);
    return g_test_run();
}
