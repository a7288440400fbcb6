/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the simulated hypervisor (qtest/xen-sim.h), driven directly (no binary):
 * Xen's rules for permissions, mappings and claims, fault injection, the extension hook,
 * the state JSON, the leak report and IRQ reports. Interrupts are in test-xen-sim-irq.c,
 * routing through a real dispatcher in test-xen-sim-route.c; shared helpers in
 * tests/sim-test-util.h.
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

/* ---- permissions ------------------------------------------------------------------------ */

static void test_permissions(void)
{
    XptSim *sim = xpt_sim_new(16 << 20);
    XptHv *hv = xpt_sim_hv(sim);
    XptHostGrant g = simt_grant();
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
    g_assert_true(simt_leak_has(sim, "p2m mapping gfn 0xe0000-0xe0003 -> mfn 0xfe000 (4 pages)"));
    g_assert_cmpint(OPS(sim)->map_pirq(OPQ(sim), HOST_IRQ, &pirq), ==, -EPERM);

    /* Granted again, the device model can clean up. */
    g_assert_cmpint(OPS(sim)->grant_device(OPQ(sim), &g), ==, 0);
    g_assert_cmpint(OPS(sim)->memory_mapping(OPQ(sim), 0xe0000, HOST_MFN, 4, false), ==, 0);
    g_assert_cmpint(OPS(sim)->ioport_mapping(OPQ(sim), 0xc000, HOST_PORT, 0x20, false), ==, 0);
    g_assert_cmpint(OPS(sim)->unmap_pirq(OPQ(sim), HOST_IRQ), ==, 0);
    g_assert_cmpint(OPS(sim)->unmap_pirq(OPQ(sim), msi), ==, 0);
    g_assert_cmpint(OPS(sim)->revoke_device(OPQ(sim), &g), ==, 0);
    g_assert_cmpuint(simt_leak_count(sim), ==, 0);
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
    XptHostGrant a = simt_grant(), b = simt_grant(), c = simt_grant();
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
    g_assert_cmpuint(simt_leak_count(sim), ==, 0);
    xpt_sim_free(sim);
}

static void test_grant_validation(void)
{
    XptSim *sim = xpt_sim_new(0);
    XptHostGrant g = simt_grant();
    g.mem[1].first_mfn = ~0ull - 1;    /* wraps in 64 bits (XSA-476) */
    g.mem[1].nr_mfns = 4;
    g_assert_cmpint(OPS(sim)->grant_device(OPQ(sim), &g), ==, -EINVAL);
    g = simt_grant();
    g.io[0].first_port = 0xfff0;
    g.io[0].nr_ports = 0x20;
    g_assert_cmpint(OPS(sim)->grant_device(OPQ(sim), &g), ==, -EINVAL);
    g = simt_grant();
    g.irq = -1;
    g_assert_cmpint(OPS(sim)->grant_device(OPQ(sim), &g), ==, -EINVAL);
    g_assert_cmpuint(simt_leak_count(sim), ==, 0);
    xpt_sim_free(sim);
}

/* ---- mappings: EEXIST, ENOENT, per-page removal ------------------------------------------- */

static void test_memory_mapping_rules(void)
{
    XptSim *sim = xpt_sim_new(0);
    XptHostGrant g = simt_grant();
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
        g_autoptr(JsonNode) st = simt_state_node(sim);
        JsonArray *mmio = simt_state_array(st, "mmio");
        g_assert_cmpuint(json_array_get_length(mmio), ==, 1);
        g_assert_cmpint(simt_elem_int(mmio, 0, "gfn"), ==, 0xe0000);
        g_assert_cmpint(simt_elem_int(mmio, 0, "mfn"), ==, 0x100000);
        g_assert_cmpint(simt_elem_int(mmio, 0, "nr"), ==, 6);
    }
    /* Removal must match page for page: wrong mfn, unmapped or partly mapped → ENOENT. */
    g_assert_cmpint(OPS(sim)->memory_mapping(OPQ(sim), 0xe0001, 0x100000, 1, false), ==, -ENOENT);
    g_assert_cmpint(OPS(sim)->memory_mapping(OPQ(sim), 0xe0010, 0x100001, 1, false), ==, -ENOENT);
    g_assert_cmpint(OPS(sim)->memory_mapping(OPQ(sim), 0xe0005, 0x100005, 2, false), ==, -ENOENT);
    /* Removing the middle (e.g. an MSI-X table page) splits the run. */
    g_assert_cmpint(OPS(sim)->memory_mapping(OPQ(sim), 0xe0002, 0x100002, 1, false), ==, 0);
    {
        g_autoptr(JsonNode) st = simt_state_node(sim);
        JsonArray *mmio = simt_state_array(st, "mmio");
        g_assert_cmpuint(json_array_get_length(mmio), ==, 2);
        g_assert_cmpint(simt_elem_int(mmio, 0, "gfn"), ==, 0xe0000);
        g_assert_cmpint(simt_elem_int(mmio, 0, "nr"), ==, 2);
        g_assert_cmpint(simt_elem_int(mmio, 1, "gfn"), ==, 0xe0003);
        g_assert_cmpint(simt_elem_int(mmio, 1, "mfn"), ==, 0x100003);
        g_assert_cmpint(simt_elem_int(mmio, 1, "nr"), ==, 3);
    }
    g_assert_cmpint(OPS(sim)->memory_mapping(OPQ(sim), 0xe0000, 0x100000, 3, false), ==, -ENOENT);
    g_assert_cmpint(OPS(sim)->memory_mapping(OPQ(sim), 0xe0000, 0x100000, 2, false), ==, 0);
    g_assert_cmpint(OPS(sim)->memory_mapping(OPQ(sim), 0xe0003, 0x100003, 3, false), ==, 0);
    g_assert_cmpint(OPS(sim)->memory_mapping(OPQ(sim), 0xe0003, 0x100003, 3, false), ==, -ENOENT);
    g_assert_cmpint(OPS(sim)->revoke_device(OPQ(sim), &g), ==, 0);
    g_assert_cmpuint(simt_leak_count(sim), ==, 0);
    xpt_sim_free(sim);
}

static void test_ioport_mapping_rules(void)
{
    XptSim *sim = xpt_sim_new(0);
    XptHostGrant g = simt_grant();
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
        g_autoptr(JsonNode) st = simt_state_node(sim);
        JsonArray *io = simt_state_array(st, "ioports");
        g_assert_cmpuint(json_array_get_length(io), ==, 2);
        g_assert_cmpint(simt_elem_int(io, 0, "gport"), ==, 0xc000);
        g_assert_cmpint(simt_elem_int(io, 0, "mport"), ==, HOST_PORT);
        g_assert_cmpint(simt_elem_int(io, 0, "nr"), ==, 0x10);
        g_assert_cmpint(simt_elem_int(io, 1, "gport"), ==, 0xd000);
    }
    g_assert_cmpint(OPS(sim)->ioport_mapping(OPQ(sim), 0xc000, HOST_PORT, 0x10, false), ==, 0);
    g_assert_cmpint(OPS(sim)->ioport_mapping(OPQ(sim), 0xd000, HOST_PORT + 0x10, 0x10, false),
                    ==, 0);
    g_assert_cmpint(OPS(sim)->revoke_device(OPQ(sim), &g), ==, 0);
    g_assert_cmpuint(simt_leak_count(sim), ==, 0);
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
        g_autoptr(JsonNode) st = simt_state_node(sim);
        JsonObject *claims = json_object_get_object_member(json_node_get_object(st), "claims");
        JsonArray *port = json_object_get_array_member(claims, "port");
        g_assert_cmpuint(json_array_get_length(port), ==, 2);
        g_assert_cmpint(simt_elem_int(port, 0, "start"), ==, 0x1000);
        g_assert_cmpint(simt_elem_int(port, 0, "end"), ==, 0x1003);
        g_assert_cmpint(simt_elem_int(port, 1, "start"), ==, 0x1008);
        g_assert_cmpint(simt_elem_int(port, 1, "end"), ==, 0x100f);
        g_assert_cmpuint(json_array_get_length(json_object_get_array_member(claims, "mmio")),
                         ==, 256);
    }
    g_assert_cmpuint(simt_leak_count(sim), ==, 258);
    g_assert_true(simt_leak_has(sim, "ioreq-server claim port 0x1000-0x1003"));
    g_assert_cmpint(ops->unclaim_range(o, XPT_RANGE_PORT, 0x1000, 0x1003), ==, 0);
    g_assert_cmpint(ops->unclaim_range(o, XPT_RANGE_PORT, 0x1008, 0x100f), ==, 0);
    for (uint64_t i = 0; i < 256; i++) {
        g_assert_cmpint(ops->unclaim_range(o, XPT_RANGE_MEMORY, 0x100000 + i * 0x2000,
                                           0x100fff + i * 0x2000), ==, 0);
    }
    g_assert_cmpuint(simt_leak_count(sim), ==, 0);
    xpt_sim_free(sim);
}

/* ---- fault injection ----------------------------------------------------------------------- */

static void test_fault_injection(void)
{
    XptSim *sim = xpt_sim_new(0);
    void *o = OPQ(sim);
    const XptHvOps *ops = OPS(sim);
    g_autoptr(GError) err = NULL;
    XptHostGrant g = simt_grant();
    g_assert_cmpint(ops->grant_device(o, &g), ==, 0);

    g_autofree char *r = simt_sim_cmd(sim, "xen-sim fail memory_mapping EIO 2", &err);
    g_assert_no_error(err);
    g_assert_cmpstr(r, ==, "");
    g_assert_cmpint(ops->memory_mapping(o, 0xe0000, HOST_MFN, 1, true), ==, -EIO);
    g_assert_cmpint(ops->memory_mapping(o, 0xe0000, HOST_MFN, 1, true), ==, -EIO);
    g_assert_cmpint(ops->memory_mapping(o, 0xe0000, HOST_MFN, 1, true), ==, 0);
    g_assert_cmpint(ops->memory_mapping(o, 0xe0000, HOST_MFN, 1, false), ==, 0);

    /* Numeric errno, default count 1, names case-insensitive; the hv wrapper's GError. */
    g_clear_pointer(&r, g_free);
    r = simt_sim_cmd(sim, "xen-sim fail map_pirq 16", &err);
    g_assert_no_error(err);
    int pirq = -1;
    g_assert_false(xpt_hv_map_pirq(xpt_sim_hv(sim), "t", HOST_IRQ, &pirq, &err));
    g_assert_error(err, XPT_ERRNO_ERROR, EBUSY);
    g_clear_error(&err);
    g_assert_cmpint(ops->map_pirq(o, HOST_IRQ, &pirq), ==, 0);
    g_assert_cmpint(ops->unmap_pirq(o, pirq), ==, 0);
    g_clear_pointer(&r, g_free);
    r = simt_sim_cmd(sim, "xen-sim fail claim_range enospc 5", &err);
    g_assert_no_error(err);
    g_assert_cmpint(ops->claim_range(o, XPT_RANGE_PORT, 1, 1), ==, -ENOSPC);
    g_clear_pointer(&r, g_free);
    r = simt_sim_cmd(sim, "xen-sim fail claim_range EPERM 0", &err);    /* cancels */
    g_assert_no_error(err);
    g_assert_cmpint(ops->claim_range(o, XPT_RANGE_PORT, 1, 1), ==, 0);
    g_assert_cmpint(ops->unclaim_range(o, XPT_RANGE_PORT, 1, 1), ==, 0);
    g_assert_true(xpt_sim_inject_fault(sim, "revoke_device", ENOMEM, 1, NULL));
    g_assert_cmpint(ops->revoke_device(o, &g), ==, -ENOMEM);
    g_assert_cmpint(ops->revoke_device(o, &g), ==, 0);

    {
        g_autoptr(JsonNode) st = simt_state_node(sim);
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
        g_autofree char *reply = simt_sim_cmd(sim, bad[i].line, &err);
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

    g_autofree char *r = simt_sim_cmd(sim, "xen-sim host-writes 02.0", &err);
    g_assert_no_error(err);
    g_assert_cmpstr(r, ==, "[]");
    g_autofree char *r2 = simt_sim_cmd(sim, "xen-sim zap", &err);
    g_assert_null(r2);
    g_assert_error(err, XPT_ERROR, XPT_ERROR_INVALID);
    g_assert_cmpstr(err->message, ==, "hook: no 'zap'");
    g_clear_error(&err);
    g_autofree char *r3 = simt_sim_cmd(sim, "xen-sim state", &err);
    g_assert_no_error(err);
    g_assert_true(g_str_has_prefix(r3, "{"));
    g_assert_cmpint(calls, ==, 2);
    xpt_sim_free(sim);
}

/* ---- state JSON, leaks, IRQ reports ------------------------------------------------------ */

static void test_state_json_shape(void)
{
    XptSim *sim = xpt_sim_new(64 << 20);
    XptHostGrant g = simt_grant();
    g_assert_cmpint(OPS(sim)->grant_device(OPQ(sim), &g), ==, 0);
    g_autoptr(JsonNode) st = simt_state_node(sim);
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
    g_assert_cmpint(simt_elem_int(mem, 0, "mfn"), ==, HOST_MFN);
    g_assert_cmpint(simt_elem_int(mem, 0, "nr"), ==, 4);
    JsonArray *io = json_object_get_array_member(gr, "io");
    g_assert_cmpuint(json_array_get_length(io), ==, 1);
    g_assert_cmpint(simt_elem_int(io, 0, "port"), ==, HOST_PORT);
    g_assert_cmpint(simt_elem_int(io, 0, "nr"), ==, 0x20);
    g_assert_cmpint(json_object_get_int_member(gr, "irq"), ==, HOST_IRQ);

    /* The extension's "state" is the same JSON; "leaks" lists the grant. */
    g_autoptr(GError) err = NULL;
    g_autofree char *via = simt_sim_cmd(sim, "xen-sim state", &err);
    g_autofree char *direct = xpt_sim_state_json(sim);
    g_assert_no_error(err);
    g_assert_cmpstr(via, ==, direct);
    g_autofree char *leaks = simt_sim_cmd(sim, "xen-sim leaks", &err);
    g_assert_no_error(err);
    g_assert_cmpstr(leaks, ==, "{\"leaks\":[\"host device 0000:01:00.0 still granted to "
                               "the domain\"]}");
    g_assert_cmpint(OPS(sim)->revoke_device(OPQ(sim), &g), ==, 0);
    g_clear_pointer(&leaks, g_free);
    leaks = simt_sim_cmd(sim, "xen-sim leaks", &err);
    g_assert_cmpstr(leaks, ==, "{\"leaks\":[]}");
    xpt_sim_free(sim);
}

static void test_leak_report(void)
{
    XptSim *sim = xpt_sim_new(0);
    void *o = OPQ(sim);
    const XptHvOps *ops = OPS(sim);
    XptHostGrant g = simt_grant();
    int pirq = -1, msi = -1;

    g_assert_cmpuint(simt_leak_count(sim), ==, 0);
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
    g_test_add_func("/xen-sim/fault-injection", test_fault_injection);
    g_test_add_func("/xen-sim/extension-hook", test_extension_hook);
    g_test_add_func("/xen-sim/state-json", test_state_json_shape);
    g_test_add_func("/xen-sim/leak-report", test_leak_report);
    g_test_add_func("/xen-sim/irq-reports", test_irq_reports);
    return g_test_run();
}
