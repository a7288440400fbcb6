/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The simulated hypervisor (qtest/xen-sim.h): life cycle, fault injection, and the
 * hypervisor operations on mappings, claims, guest memory and grants with Xen 4.17's
 * rules (interrupt operations: xen-sim-irq.c). Each rule names the Xen source it follows
 * (tag RELEASE-4.17.0); where the sim is deliberately stricter than Xen, so that a
 * device-model bug shows up as an error instead of silently diverging state, the comment
 * says so ("stricter").
 */
#include "qtest/xen-sim-int.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "util/error.h"
#include "util/log.h"

static const char *const op_names[SIM_OP_COUNT] = {
    [SIM_OP_MEMORY_MAPPING] = "memory_mapping",
    [SIM_OP_IOPORT_MAPPING] = "ioport_mapping",
    [SIM_OP_CLAIM_RANGE] = "claim_range",
    [SIM_OP_UNCLAIM_RANGE] = "unclaim_range",
    [SIM_OP_SET_PCI_LINK_ROUTE] = "set_pci_link_route",
    [SIM_OP_SET_ISA_IRQ_LEVEL] = "set_isa_irq_level",
    [SIM_OP_MAP_PIRQ] = "map_pirq",
    [SIM_OP_MAP_PIRQ_MSI] = "map_pirq_msi",
    [SIM_OP_UNMAP_PIRQ] = "unmap_pirq",
    [SIM_OP_BIND_MSI] = "bind_msi",
    [SIM_OP_UNBIND_MSI] = "unbind_msi",
    [SIM_OP_BIND_PT_INTX] = "bind_pt_intx",
    [SIM_OP_UNBIND_PT_INTX] = "unbind_pt_intx",
    [SIM_OP_GUEST_READ] = "guest_read",
    [SIM_OP_GUEST_WRITE] = "guest_write",
    [SIM_OP_GRANT_DEVICE] = "grant_device",
    [SIM_OP_REVOKE_DEVICE] = "revoke_device",
    [SIM_OP_SHUTDOWN] = "shutdown",
    [SIM_OP_POWER_BUTTON] = "power_button",
};

const char *sim_op_name(SimOp op)
{
    return (unsigned)op < SIM_OP_COUNT ? op_names[op] : "?";
}

int sim_op_lookup(const char *name)
{
    for (unsigned i = 0; i < SIM_OP_COUNT; i++) {
        if (g_strcmp0(name, op_names[i]) == 0) {
            return (int)i;
        }
    }
    return -1;
}

char *sim_sbdf_str(uint32_t sbdf)
{
    return g_strdup_printf("%04x:%02x:%02x.%x", sbdf >> 16, (sbdf >> 8) & 0xff,
                           (sbdf >> 3) & 0x1f, sbdf & 7);
}

int sim_enter(XptSim *sim, SimOp op)
{
    sim->calls[op]++;
    SimFault *f = &sim->faults[op];
    if (f->count) {
        f->count--;
        xpt_log(XPT_LOG_HV, "xen-sim: %s: injected failure -%d (%u more)", op_names[op],
                f->err, f->count);
        return -f->err;
    }
    return 0;
}

int sim_refuse(int err, const char *fmt, ...)
{
    if (xpt_log_enabled(XPT_LOG_HV)) {
        va_list ap;
        va_start(ap, fmt);
        g_autofree char *msg = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        xpt_log(XPT_LOG_HV, "xen-sim: %s: %s", msg, g_strerror(err));
    }
    return -err;
}

bool xpt_sim_inject_fault(XptSim *sim, const char *op, int err, unsigned count, GError **errp)
{
    int i = sim_op_lookup(op);
    if (i < 0) {
        g_autofree char *names = NULL;
        GString *s = g_string_new(NULL);
        for (unsigned k = 0; k < SIM_OP_COUNT; k++) {
            g_string_append_printf(s, "%s%s", k ? ", " : "", op_names[k]);
        }
        names = g_string_free(s, FALSE);
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "xen-sim fail: unknown operation '%s' (one of: %s)", op, names);
        return false;
    }
    if (err <= 0 || err > 4095) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "xen-sim fail: errno %d out of range (1-4095)", err);
        return false;
    }
    sim->faults[i].err = err;
    sim->faults[i].count = count;
    return true;
}

/* ---- memory and I/O port mappings ---------------------------------------------------------- */

/*
 * xc_domain_memory_mapping (XEN_DOMCTL_memory_mapping, xen/arch/x86/domctl.c and
 * p2m.c): EINVAL for an empty or wrapping range or frames beyond 52 bits; EPERM unless
 * iomem_access_permitted(d, mfn, mfn_end) — for add *and* remove, so removing after the
 * toolstack revoked the grant fails. Add: any page already p2m-mapped → EEXIST (spec §2;
 * Xen would replace or refuse depending on the old type). Remove: every page must be
 * mapped to the given mfn+i, else ENOENT and nothing changes (stricter: Xen gives EINVAL
 * for an unmapped page and only warns about an mfn mismatch). Removal is per page, so a
 * range may be removed in other pieces than it was added.
 */
static int sim_memory_mapping(void *opaque, uint64_t gfn, uint64_t mfn, uint64_t nr, bool add)
{
    XptSim *sim = opaque;
    int rc = sim_enter(sim, SIM_OP_MEMORY_MAPPING);
    if (rc) {
        return rc;
    }
    if (nr == 0 || nr > SIM_MAX_FRAME || gfn >= SIM_MAX_FRAME - nr + 1 ||
        mfn >= SIM_MAX_FRAME - nr + 1) {
        return sim_refuse(EINVAL, "memory_mapping gfn 0x%" G_GINT64_MODIFIER "x mfn 0x%"
                          G_GINT64_MODIFIER "x nr %" G_GUINT64_FORMAT ": bad range",
                          gfn, mfn, nr);
    }
    if (!sim_rs_contains(&sim_caps(sim)->iomem_caps, mfn, mfn + nr - 1)) {
        return sim_refuse(EPERM, "memory_mapping mfn 0x%" G_GINT64_MODIFIER "x-0x%"
                          G_GINT64_MODIFIER "x: not granted to the domain", mfn, mfn + nr - 1);
    }
    if (add) {
        if (sim_p2m_overlaps(sim->p2m, gfn, nr)) {
            return sim_refuse(EEXIST, "memory_mapping gfn 0x%" G_GINT64_MODIFIER "x-0x%"
                              G_GINT64_MODIFIER "x: overlaps a mapping", gfn, gfn + nr - 1);
        }
        sim_p2m_insert(sim->p2m, gfn, mfn, nr);
        return 0;
    }
    if (!sim_p2m_remove(sim->p2m, gfn, mfn, nr)) {
        return sim_refuse(ENOENT, "memory_mapping remove gfn 0x%" G_GINT64_MODIFIER "x mfn 0x%"
                          G_GINT64_MODIFIER "x nr %" G_GUINT64_FORMAT ": not mapped so",
                          gfn, mfn, nr);
    }
    return 0;
}

/* The ioport mapping overlapping guest or host ports of [g, g+n) / [m, m+n), or -1. */
static int ioport_overlap(XptSim *sim, uint32_t g, uint32_t m, uint32_t n)
{
    for (guint i = 0; i < sim->ioports->len; i++) {
        const SimIoport *x = &g_array_index(sim->ioports, SimIoport, i);
        if ((g < x->gport + x->nr && x->gport < g + n) ||
            (m < x->mport + x->nr && x->mport < m + n)) {
            return (int)i;
        }
    }
    return -1;
}

/*
 * xc_domain_ioport_mapping (XEN_DOMCTL_ioport_mapping): EINVAL for an empty range or one
 * beyond port 0xFFFF; add needs the host ports granted (EPERM). Stricter than Xen, which
 * replaces an entry with the same mport and ignores removal of an unknown one: an
 * overlapping add fails with EEXIST and a remove must name an existing mapping exactly
 * (ENOENT otherwise). Removal needs no grant (Xen checks only the caller's rights).
 */
static int sim_ioport_mapping(void *opaque, uint32_t gport, uint32_t mport, uint32_t nr,
                              bool add)
{
    XptSim *sim = opaque;
    int rc = sim_enter(sim, SIM_OP_IOPORT_MAPPING);
    if (rc) {
        return rc;
    }
    if (nr == 0 || gport >= SIM_PORT_SPACE || mport >= SIM_PORT_SPACE ||
        nr > SIM_PORT_SPACE - gport || nr > SIM_PORT_SPACE - mport) {
        return sim_refuse(EINVAL, "ioport_mapping gport 0x%x mport 0x%x nr %u: bad range",
                          gport, mport, nr);
    }
    if (add) {
        if (!sim_rs_contains(&sim_caps(sim)->ioport_caps, mport, mport + nr - 1)) {
            return sim_refuse(EPERM, "ioport_mapping mport 0x%x-0x%x: not granted", mport,
                              mport + nr - 1);
        }
        if (ioport_overlap(sim, gport, mport, nr) >= 0) {
            return sim_refuse(EEXIST, "ioport_mapping gport 0x%x mport 0x%x nr %u: overlaps "
                              "a mapping", gport, mport, nr);
        }
        guint i = 0;
        while (i < sim->ioports->len && g_array_index(sim->ioports, SimIoport, i).gport < gport) {
            i++;
        }
        SimIoport x = { gport, mport, nr };
        g_array_insert_val(sim->ioports, i, x);
        return 0;
    }
    for (guint i = 0; i < sim->ioports->len; i++) {
        const SimIoport *x = &g_array_index(sim->ioports, SimIoport, i);
        if (x->gport == gport && x->mport == mport && x->nr == nr) {
            g_array_remove_index(sim->ioports, i);
            return 0;
        }
    }
    return sim_refuse(ENOENT, "ioport_mapping remove gport 0x%x mport 0x%x nr %u: not mapped",
                      gport, mport, nr);
}

/* ---- ioreq-server claims (xen/common/ioreq.c ioreq_server_map_io_range) ----------------- */

static SimRangeset *claim_set(XptSim *sim, XptRangeType type)
{
    return (unsigned)type < SIM_NR_RANGE_TYPES ? &sim->claims[type] : NULL;
}

/* start > end or unknown type → EINVAL; overlap → EEXIST; 257th range → ENOMEM (the
 * rangeset limit of MAX_NR_IO_RANGES; touching ranges merge and count once). */
static int sim_claim_range(void *opaque, XptRangeType type, uint64_t start, uint64_t end)
{
    XptSim *sim = opaque;
    int rc = sim_enter(sim, SIM_OP_CLAIM_RANGE);
    if (rc) {
        return rc;
    }
    SimRangeset *rs = claim_set(sim, type);
    if (!rs || start > end) {
        return sim_refuse(EINVAL, "claim type %u 0x%" G_GINT64_MODIFIER "x-0x%"
                          G_GINT64_MODIFIER "x: bad range", type, start, end);
    }
    if (sim_rs_overlaps(rs, start, end)) {
        return sim_refuse(EEXIST, "claim type %u 0x%" G_GINT64_MODIFIER "x-0x%"
                          G_GINT64_MODIFIER "x: overlaps a claim", type, start, end);
    }
    rc = sim_rs_add(rs, start, end);
    if (rc) {
        return sim_refuse(-rc, "claim type %u: more than %u ranges", type,
                          SIM_MAX_NR_IO_RANGES);
    }
    return 0;
}

/* Unclaim: [start, end] must lie inside one claimed range (ENOENT otherwise); a split that
 * would exceed the range limit fails with ENOMEM (ioreq_server_unmap_io_range). */
static int sim_unclaim_range(void *opaque, XptRangeType type, uint64_t start, uint64_t end)
{
    XptSim *sim = opaque;
    int rc = sim_enter(sim, SIM_OP_UNCLAIM_RANGE);
    if (rc) {
        return rc;
    }
    SimRangeset *rs = claim_set(sim, type);
    if (!rs || start > end) {
        return sim_refuse(EINVAL, "unclaim type %u: bad range", type);
    }
    if (!sim_rs_contains(rs, start, end)) {
        return sim_refuse(ENOENT, "unclaim type %u 0x%" G_GINT64_MODIFIER "x-0x%"
                          G_GINT64_MODIFIER "x: not claimed", type, start, end);
    }
    rc = sim_rs_remove(rs, start, end);
    return rc ? sim_refuse(-rc, "unclaim type %u: split exceeds the range limit", type) : 0;
}

/* ---- guest memory (libxenforeignmemory) ------------------------------------------------- */

/* 0 if [gpa, gpa+len) is guest RAM not replaced by a p2m MMIO mapping, else -EFAULT. */
static int guest_ram_check(XptSim *sim, uint64_t gpa, size_t len)
{
    if (len > sim->ram_bytes || gpa > sim->ram_bytes - len) {
        return sim_refuse(EFAULT, "guest memory 0x%" G_GINT64_MODIFIER "x+%zu: not RAM",
                          gpa, len);
    }
    uint64_t first = gpa >> XPT_PAGE_SHIFT, last = (gpa + len - 1) >> XPT_PAGE_SHIFT;
    if (len && sim_p2m_overlaps(sim->p2m, first, last - first + 1)) {
        return sim_refuse(EFAULT, "guest memory 0x%" G_GINT64_MODIFIER "x: MMIO", gpa);
    }
    return 0;
}

static int sim_guest_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
    XptSim *sim = opaque;
    int rc = sim_enter(sim, SIM_OP_GUEST_READ);
    if (rc || (rc = guest_ram_check(sim, gpa, len))) {
        return rc;
    }
    for (size_t done = 0; done < len;) {
        uint64_t a = gpa + done;
        unsigned off = a & (XPT_PAGE_SIZE - 1);
        unsigned n = (unsigned)MIN(len - done, XPT_PAGE_SIZE - off);
        sim_pages_read(sim->ram, a >> XPT_PAGE_SHIFT, off, (uint8_t *)buf + done, n);
        done += n;
    }
    return 0;
}

static int sim_guest_write(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
    XptSim *sim = opaque;
    int rc = sim_enter(sim, SIM_OP_GUEST_WRITE);
    if (rc || (rc = guest_ram_check(sim, gpa, len))) {
        return rc;
    }
    for (size_t done = 0; done < len;) {
        uint64_t a = gpa + done;
        unsigned off = a & (XPT_PAGE_SIZE - 1);
        unsigned n = (unsigned)MIN(len - done, XPT_PAGE_SIZE - off);
        sim_pages_write(sim->ram, a >> XPT_PAGE_SHIFT, off, (const uint8_t *)buf + done, n);
        done += n;
    }
    return 0;
}

/* ---- toolstack role: permissions ------------------------------------------------------------ */

/*
 * Rebuild the permission range sets from the remaining grants. Like libxl, which grants
 * only the lines of the device's sysfs "resource" file whose start is not 0
 * (tools/libs/light/libxl_pci.c do_pci_add, Xen 4.17: `if (start) { ...
 * xc_domain_iomem_permission / xc_domain_ioport_permission }`), a region starting at
 * frame 0 or port 0 — a BAR the host left unassigned — grants nothing, so a device
 * model that maps it gets EPERM here as it would under Xen (issue 13 item 3). A frame
 * range is known here only by frames: a region at bytes 1–4095 (never a real BAR) is
 * refused too, where libxl would grant it.
 */
/* Add what grant @g gives to the domain's iomem, ioport and IRQ capabilities. */
static void add_grant_caps(XptSim *sim, const XptHostGrant *g)
{
    for (unsigned k = 0; k < G_N_ELEMENTS(g->mem); k++) {
        if (g->mem[k].nr_mfns && g->mem[k].first_mfn) {
            sim_rs_add(&sim->iomem_caps, g->mem[k].first_mfn,
                       g->mem[k].first_mfn + g->mem[k].nr_mfns - 1);
        }
    }
    for (unsigned k = 0; k < G_N_ELEMENTS(g->io); k++) {
        if (g->io[k].nr_ports && g->io[k].first_port) {
            sim_rs_add(&sim->ioport_caps, g->io[k].first_port,
                       (uint64_t)g->io[k].first_port + g->io[k].nr_ports - 1);
        }
    }
    if (g->irq > 0) {
        sim_rs_add(&sim->irq_caps, (uint64_t)g->irq, (uint64_t)g->irq);
    }
}

/* The capabilities from every grant again: after a revoke, which may take away a range
 * that another grant also covers. A grant only adds, so it adds its own (the union is
 * the same in any order): N grants cost N, not N² (issue 15). A revoke only marks them
 * stale and the next reader rebuilds them, so that N revokes in a row (a machine torn
 * down) cost N, not N² either. */
XptSim *sim_caps(XptSim *sim)
{
    if (sim->caps_stale) {
        sim->caps_stale = false;
        sim_rs_clear(&sim->iomem_caps);
        sim_rs_clear(&sim->ioport_caps);
        sim_rs_clear(&sim->irq_caps);
        for (guint i = 0; i < sim->grants->len; i++) {
            add_grant_caps(sim, g_ptr_array_index(sim->grants, i));
        }
    }
    return sim;
}

/* Index of the grant of host device @sbdf, or -1. */
static int grant_index(XptSim *sim, uint32_t sbdf)
{
    for (guint i = 0; i < sim->grants->len; i++) {
        if (((const XptHostGrant *)g_ptr_array_index(sim->grants, i))->host_sbdf == sbdf) {
            return (int)i;
        }
    }
    return -1;
}

/*
 * What libxl does before starting the device model's part of an attach
 * (xc_domain_iomem_permission / _ioport_permission / _irq_permission, xc_assign_device):
 * a wrapping or >52-bit frame range, a port range beyond 0xFFFF or a negative IRQ →
 * EINVAL; a device granted twice → EEXIST. Arithmetic is 64-bit (XSA-476).
 */
static int sim_grant_device(void *opaque, const XptHostGrant *grant)
{
    XptSim *sim = opaque;
    int rc = sim_enter(sim, SIM_OP_GRANT_DEVICE);
    if (rc) {
        return rc;
    }
    for (unsigned k = 0; k < G_N_ELEMENTS(grant->mem); k++) {
        uint64_t first = grant->mem[k].first_mfn, nr = grant->mem[k].nr_mfns;
        if (nr && (nr > SIM_MAX_FRAME || first > SIM_MAX_FRAME - nr)) {
            return sim_refuse(EINVAL, "grant: bad frame range %u", k);
        }
    }
    for (unsigned k = 0; k < G_N_ELEMENTS(grant->io); k++) {
        uint64_t first = grant->io[k].first_port, nr = grant->io[k].nr_ports;
        if (nr && first + nr > SIM_PORT_SPACE) {
            return sim_refuse(EINVAL, "grant: bad port range %u", k);
        }
    }
    if (grant->irq < 0) {
        return sim_refuse(EINVAL, "grant: bad irq %d", grant->irq);
    }
    if (grant_index(sim, grant->host_sbdf) >= 0) {
        return sim_refuse(EEXIST, "grant: device 0x%x already granted", grant->host_sbdf);
    }
    guint i = 0;
    while (i < sim->grants->len &&
           ((const XptHostGrant *)g_ptr_array_index(sim->grants, i))->host_sbdf <
               grant->host_sbdf) {
        i++;
    }
    sim_caps(sim);                          /* the others' first, if a revoke left them */
    g_ptr_array_insert(sim->grants, (gint)i, g_memdup2(grant, sizeof(*grant)));
    add_grant_caps(sim, grant);
    return 0;
}

/* Revoke everything granted for grant->host_sbdf (ENOENT if nothing was). Existing
 * mappings stay (as in Xen) and can then no longer be removed: a leak. */
static int sim_revoke_device(void *opaque, const XptHostGrant *grant)
{
    XptSim *sim = opaque;
    int rc = sim_enter(sim, SIM_OP_REVOKE_DEVICE);
    if (rc) {
        return rc;
    }
    int i = grant_index(sim, grant->host_sbdf);
    if (i < 0) {
        return sim_refuse(ENOENT, "revoke: device 0x%x not granted", grant->host_sbdf);
    }
    g_ptr_array_remove_index(sim->grants, (guint)i);
    sim->caps_stale = true;
    return 0;
}

/*
 * xendevicemodel_shutdown (XEN_DMOP_remote_shutdown, xen/arch/x86/hvm/dm.c): Xen takes
 * any reason without checking it and calls domain_shutdown (xen/common/domain.c), which
 * keeps the first reason of a domain already shutting down and returns 0. The sim does
 * the same; the domain's vCPUs are not paused (qtest accesses keep working), so tests
 * can look at what the device model does afterwards.
 */
static int sim_shutdown(void *opaque, unsigned reason)
{
    XptSim *sim = opaque;
    int rc = sim_enter(sim, SIM_OP_SHUTDOWN);
    if (rc) {
        return rc;
    }
    if (sim->shutdown_code < 0) {
        sim->shutdown_code = (int)(reason & 0xFF);   /* domain_shutdown takes a u8 */
    }
    return 0;
}

/*
 * xc_domain_send_trigger(XEN_DOMCTL_SENDTRIGGER_POWER, vcpu 0) (xen/arch/x86/domctl.c):
 * always succeeds for an HVM domain; Xen sets PWRBTN_STS and updates the SCI itself
 * (pmtimer.c hvm_acpi_power_button). The sim counts the presses.
 */
static int sim_power_button(void *opaque)
{
    XptSim *sim = opaque;
    int rc = sim_enter(sim, SIM_OP_POWER_BUTTON);
    if (rc) {
        return rc;
    }
    sim->power_button++;
    return 0;
}

/* XENFEAT_dm_msix_all_writes: off (Xen 4.17) unless "xen-sim feature" turned it on. */
static bool sim_dm_msix_all_writes(void *opaque)
{
    return ((XptSim *)opaque)->dm_msix_all_writes;
}

static const XptHvOps sim_ops = {
    .name = "xen-sim",
    .memory_mapping = sim_memory_mapping,
    .ioport_mapping = sim_ioport_mapping,
    .claim_range = sim_claim_range,
    .unclaim_range = sim_unclaim_range,
    .set_pci_link_route = sim_set_pci_link_route,
    .set_isa_irq_level = sim_set_isa_irq_level,
    .map_pirq = sim_map_pirq,
    .map_pirq_msi = sim_map_pirq_msi,
    .unmap_pirq = sim_unmap_pirq,
    .bind_msi = sim_bind_msi,
    .unbind_msi = sim_unbind_msi,
    .bind_pt_intx = sim_bind_pt_intx,
    .unbind_pt_intx = sim_unbind_pt_intx,
    .guest_read = sim_guest_read,
    .guest_write = sim_guest_write,
    .shutdown = sim_shutdown,
    .power_button = sim_power_button,
    .dm_msix_all_writes = sim_dm_msix_all_writes,
    .grant_device = sim_grant_device,
    .revoke_device = sim_revoke_device,
};

/* ---- life cycle ----------------------------------------------------------------------------- */

XptSim *xpt_sim_new(uint64_t ram_bytes)
{
    XptSim *sim = g_new0(XptSim, 1);
    sim->hv.ops = &sim_ops;
    sim->hv.opaque = sim;
    sim->ram_bytes = ram_bytes & ~(XPT_PAGE_SIZE - 1);
    sim->shutdown_code = -1;
    sim->ram = sim_pages_new();
    sim->host_mmio = sim_pages_new();
    sim->p2m = g_array_new(FALSE, FALSE, sizeof(SimExtent));
    sim->ioports = g_array_new(FALSE, FALSE, sizeof(SimIoport));
    for (unsigned t = 0; t < SIM_NR_RANGE_TYPES; t++) {
        sim_rs_init(&sim->claims[t], SIM_MAX_NR_IO_RANGES);
    }
    sim->grants = g_ptr_array_new_with_free_func(g_free);
    sim_rs_init(&sim->iomem_caps, 0);
    sim_rs_init(&sim->ioport_caps, 0);
    sim_rs_init(&sim->irq_caps, 0);
    sim->pirqs = g_new0(SimPirq, XPT_SIM_NR_PIRQS);
    sim->gpirqs = g_new0(SimGuestPirq, XPT_SIM_NR_PIRQS);
    sim->intx = g_array_new(FALSE, FALSE, sizeof(SimIntx));
    return sim;
}

void xpt_sim_free(XptSim *sim)
{
    if (!sim) {
        return;
    }
    g_hash_table_destroy(sim->ram);
    g_hash_table_destroy(sim->host_mmio);
    g_free(sim->host_ports);
    g_array_free(sim->p2m, TRUE);
    g_array_free(sim->ioports, TRUE);
    for (unsigned t = 0; t < SIM_NR_RANGE_TYPES; t++) {
        sim_rs_destroy(&sim->claims[t]);
    }
    g_ptr_array_free(sim->grants, TRUE);
    sim_rs_destroy(&sim->iomem_caps);
    sim_rs_destroy(&sim->ioport_caps);
    sim_rs_destroy(&sim->irq_caps);
    g_free(sim->pirqs);
    g_free(sim->gpirqs);
    g_array_free(sim->intx, TRUE);
    sim_msixtbl_free(sim);
    g_free(sim);
}

XptHv *xpt_sim_hv(XptSim *sim)
{
    return &sim->hv;
}

void xpt_sim_set_dispatcher(XptSim *sim, XptDispatcher *d)
{
    sim->dispatcher = d;
}

void xpt_sim_set_qtest(XptSim *sim, XptQtestServer *qts)
{
    sim->qts = qts;
}

void xpt_sim_set_extension(XptSim *sim, char *(*ext)(void *opaque, char **argv, GError **errp),
                           void *opaque)
{
    sim->ext = ext;
    sim->ext_opaque = opaque;
}
