/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Interrupt operations of the simulated hypervisor (qtest/xen-sim.h): PCI link routes,
 * ISA IRQ levels, the pirq table (GSI and MSI/MSI-X sources) and MSI / INTx bindings,
 * with Xen 4.17's rules; "stricter" marks where the sim refuses what Xen lets pass.
 */
#define __XEN_TOOLS__ 1   /* domctl.h is a tools-only header: XEN_DOMCTL_VMSI_X86_* */
#include "qtest/xen-sim-int.h"

#include <errno.h>
#include <string.h>

#include <xen/domctl.h>

#include "util/log.h"

/* ---- interrupt routing (xen/arch/x86/hvm/irq.c, dm.c) ------------------------------------ */

int sim_set_pci_link_route(void *opaque, uint8_t link, uint8_t isa_irq)
{
    XptSim *sim = opaque;
    int rc = sim_enter(sim, SIM_OP_SET_PCI_LINK_ROUTE);
    if (rc) {
        return rc;
    }
    if (link > 3 || isa_irq > 15) {
        return sim_refuse(EINVAL, "set_pci_link_route link %u isa_irq %u", link, isa_irq);
    }
    sim->link_route[link] = isa_irq;
    return 0;
}

/* irq ≤ 15 and level 0/1 (set_isa_irq_level in dm.c); a change is reported to qtest. */
int sim_set_isa_irq_level(void *opaque, uint8_t isa_irq, unsigned level)
{
    XptSim *sim = opaque;
    int rc = sim_enter(sim, SIM_OP_SET_ISA_IRQ_LEVEL);
    if (rc) {
        return rc;
    }
    if (isa_irq > 15 || level > 1) {
        return sim_refuse(EINVAL, "set_isa_irq_level irq %u level %u", isa_irq, level);
    }
    if (sim->isa_level[isa_irq] != level) {
        sim->isa_level[isa_irq] = (uint8_t)level;
        if (sim->qts) {
            xpt_qtest_irq(sim->qts, isa_irq, level != 0);
        }
    }
    return 0;
}

/* ---- pirqs (xen/arch/x86/physdev.c, irq.c) ------------------------------------------------ */

/*
 * Xen 4.17 xen/arch/x86/irq.c is_free_pirq: no irq mapped, not reserved by the guest's
 * PHYSDEVOP_get_free_pirq (PIRQ_ALLOCATED), and for an HVM domain no emulated IRQ.
 */
static bool pirq_is_free(const XptSim *sim, int p)
{
    const SimGuestPirq *g = &sim->gpirqs[p];
    return !sim->pirqs[p].used && !g->allocated && !g->emuirq_pt && !g->has_emu_gsi;
}

/* A pirq becomes mapped: map_domain_pirq sets arch.irq, replacing a PIRQ_ALLOCATED. */
static void pirq_mapped(XptSim *sim, int p, SimPirq v)
{
    sim->pirqs[p] = v;
    sim->gpirqs[p].allocated = false;
}

/* The pirq mapped from host GSI @gsi, or -1. */
static int pirq_of_gsi(XptSim *sim, int gsi)
{
    for (int p = 0; p < XPT_SIM_NR_PIRQS; p++) {
        if (sim->pirqs[p].used && !sim->pirqs[p].is_msi && sim->pirqs[p].gsi == gsi) {
            return p;
        }
    }
    return -1;
}

/*
 * xc_physdev_map_pirq (MAP_PIRQ_TYPE_GSI): *pirq < 0 asks for pirq = host GSI (what
 * libxenctrl does). GSI outside 1..XPT_SIM_NR_IRQS_GSI-1 or pirq ≥ XPT_SIM_NR_PIRQS →
 * EINVAL; GSI not granted → EPERM; a GSI mapped to another pirq, or a pirq in use →
 * EEXIST (stricter: map_domain_pirq only warns for the latter).
 *
 * Shared GSI (two functions behind one host IRQ): mapping the same GSI again with the
 * same pirq succeeds and returns that pirq (Xen 4.17 xen/arch/x86/irq.c
 * allocate_and_map_gsi_pirq → allocate_pirq finds current_pirq == pirq, and
 * map_domain_pirq re-sets the same irq↔pirq link). Xen keeps no count: one unmap undoes
 * any number of maps. A GSI whose pirq was force-unbound by an unmap while still bound
 * (see sim_unmap_pirq) → EEXIST: its irq_pirq entry is -pirq, which allocate_pirq sees as
 * "already mapped to another pirq", until the last stale INTx binding is destroyed.
 */
int sim_map_pirq(void *opaque, int host_irq, int *pirq)
{
    XptSim *sim = opaque;
    int rc = sim_enter(sim, SIM_OP_MAP_PIRQ);
    if (rc) {
        return rc;
    }
    if (host_irq <= 0 || host_irq >= XPT_SIM_NR_IRQS_GSI) {
        return sim_refuse(EINVAL, "map_pirq: irq %d is not a GSI", host_irq);
    }
    if (!sim_rs_contains(&sim_caps(sim)->irq_caps, (uint64_t)host_irq, (uint64_t)host_irq)) {
        return sim_refuse(EPERM, "map_pirq: irq %d not granted", host_irq);
    }
    int want = *pirq < 0 ? host_irq : *pirq;
    if (want >= XPT_SIM_NR_PIRQS) {
        return sim_refuse(EINVAL, "map_pirq: pirq %d out of range", want);
    }
    int cur = pirq_of_gsi(sim, host_irq);
    if (cur >= 0) {
        if (sim->pirqs[cur].forced) {
            return sim_refuse(EEXIST, "map_pirq: irq %d's pirq %d was unmapped while "
                              "still bound (force-unbound); its INTx bindings remain",
                              host_irq, cur);
        }
        if (cur != want) {
            return sim_refuse(EEXIST, "map_pirq: irq %d already mapped to pirq %d",
                              host_irq, cur);
        }
        *pirq = cur;
        return 0;
    }
    if (sim->pirqs[want].used) {
        return sim_refuse(EEXIST, "map_pirq: pirq %d in use", want);
    }
    pirq_mapped(sim, want, (SimPirq){ .used = true, .gsi = host_irq });
    *pirq = want;
    return 0;
}

/*
 * PHYSDEVOP_map_pirq for an MSI source, as the xen backend sends it: MAP_PIRQ_TYPE_MSI
 * (xc_physdev_map_pirq_msi) for segment 0, MAP_PIRQ_TYPE_MSI_SEG with bus = seg << 16 |
 * bus for any other (xen/arch/x86/physdev.c do_physdev_op takes the segment only from
 * that type: MAP_PIRQ_TYPE_MSI always means segment 0). The device must be assigned to the domain (granted), else ENODEV
 * (map_domain_pirq: pci_get_pdev). table_base 0 = MSI, else MSI-X entry entry_nr. The same
 * MSI / MSI-X entry twice → EEXIST; MSI while MSI-X is mapped or the reverse → EBUSY
 * (pci_enable_msi). *pirq < 0 allocates like get_free_pirq(): the highest free pirq from
 * XPT_SIM_NR_PIRQS-1 down to XPT_SIM_NR_IRQS_GSI, ENOSPC when none is left (Xen gives a
 * domU extra_guest_irqs = 32 of them); a pirq the guest reserved with
 * PHYSDEVOP_get_free_pirq is not free (is_free_pirq), but may be asked for by number
 * (map_domain_pirq accepts a PIRQ_ALLOCATED pirq). The new vector starts guest-masked
 * for MSI-X (msix_capability_init: guest_masked = 1), unmasked for MSI
 * (msi_capability_init: guest_masked = 0).
 */
int sim_map_pirq_msi(void *opaque, int *pirq, uint16_t host_seg, uint8_t host_bus,
                            uint8_t host_devfn, int entry_nr, uint64_t table_base)
{
    XptSim *sim = opaque;
    int rc = sim_enter(sim, SIM_OP_MAP_PIRQ_MSI);
    if (rc) {
        return rc;
    }
    uint32_t sbdf = XEN_DMOP_PCI_SBDF(host_seg, host_bus, host_devfn >> 3, host_devfn & 7);
    if (entry_nr < 0 || (table_base == 0 && entry_nr != 0)) {
        return sim_refuse(EINVAL, "map_pirq_msi seg %u entry %d", host_seg, entry_nr);
    }
    bool granted = false;
    for (guint i = 0; i < sim->grants->len; i++) {
        const XptHostGrant *g = g_ptr_array_index(sim->grants, i);
        granted = granted || g->host_sbdf == sbdf;
    }
    if (!granted) {
        return sim_refuse(ENODEV, "map_pirq_msi: device 0x%x not assigned", sbdf);
    }
    bool msix = table_base != 0;
    for (int p = 0; p < XPT_SIM_NR_PIRQS; p++) {
        const SimPirq *q = &sim->pirqs[p];
        /* a force-unbound MSI pirq no longer holds its entry: unmap_domain_pirq
         * disabled and freed the msi_desc (pci_disable_msi, msi_free_irq) */
        if (!q->used || q->forced || !q->is_msi || q->sbdf != sbdf) {
            continue;
        }
        if ((q->table_base != 0) != msix) {
            return sim_refuse(EBUSY, "map_pirq_msi: device 0x%x already uses %s", sbdf,
                              msix ? "MSI" : "MSI-X");
        }
        if (q->entry == entry_nr) {
            return sim_refuse(EEXIST, "map_pirq_msi: entry %d already mapped to pirq %d",
                              entry_nr, p);
        }
    }
    int want = *pirq;
    if (want < 0) {
        for (want = XPT_SIM_NR_PIRQS - 1; want >= XPT_SIM_NR_IRQS_GSI; want--) {
            if (pirq_is_free(sim, want)) {
                break;
            }
        }
        if (want < XPT_SIM_NR_IRQS_GSI) {
            return sim_refuse(ENOSPC, "map_pirq_msi: no free pirq");
        }
    } else if (want >= XPT_SIM_NR_PIRQS) {
        return sim_refuse(EINVAL, "map_pirq_msi: pirq %d out of range", want);
    } else if (sim->pirqs[want].used) {
        return sim_refuse(EEXIST, "map_pirq_msi: pirq %d in use", want);
    }
    pirq_mapped(sim, want, (SimPirq){ .used = true, .is_msi = true, .sbdf = sbdf,
                                      .entry = entry_nr, .table_base = table_base,
                                      .guest_masked = msix });
    *pirq = want;
    return 0;
}

/* The pirq table entry of a mapped @pirq (not force-unbound: arch.irq > 0), or NULL. */
static SimPirq *mapped_pirq(XptSim *sim, int pirq)
{
    if (pirq < 0 || pirq >= XPT_SIM_NR_PIRQS || !sim->pirqs[pirq].used ||
        sim->pirqs[pirq].forced) {
        return NULL;
    }
    return &sim->pirqs[pirq];
}

/*
 * xc_physdev_unmap_pirq (Xen 4.17 xen/arch/x86/physdev.c physdev_unmap_pirq →
 * xen/arch/x86/irq.c unmap_domain_pirq): not mapped (or already force-unbound:
 * arch.irq ≤ 0) → EINVAL. The emulated IRQ goes first (unmap_domain_pirq_emuirq); an
 * event channel the guest bound stays bound, to a pirq that no longer delivers.
 *
 * Unmapping a pirq that is still bound succeeds, as in Xen: pirq_guest_force_unbind
 * takes the domain off the IRQ (Xen logs "forcing unbind of pirq N") for every binding
 * at once — with a shared GSI that is the sibling device's INTx too, since Xen bound the
 * pirq to the guest only once for all (dev, intx) of its digl list. The entry then stays
 * "force-unbound" (arch.irq = -irq) with its dpci state: INTx bindings keep existing but
 * deliver nothing; xc_domain_unbind_pt_irq still removes them and the last one clears the
 * entry (pt_irq_destroy_bind → pirq_guest_unbind → clear_domain_irq_pirq). An MSI
 * binding left this way can never be removed (pt_irq_destroy_bind's
 * domain_spin_lock_irq_desc finds no irq: EINVAL) and shows in the leak report.
 */
int sim_unmap_pirq(void *opaque, int pirq)
{
    XptSim *sim = opaque;
    int rc = sim_enter(sim, SIM_OP_UNMAP_PIRQ);
    if (rc) {
        return rc;
    }
    SimPirq *p = mapped_pirq(sim, pirq);
    if (!p) {
        return sim_refuse(EINVAL, "unmap_pirq: pirq %d not mapped", pirq);
    }
    /* physdev_unmap_pirq from the device model (domid != DOMID_SELF): whatever emulated
     * IRQ the pirq carries goes first (unmap_domain_pirq_emuirq), the guest's own
     * emulated GSI too; from then on Xen's assert_gsi finds no pirq for that GSI and
     * sends its interrupts to the vIOAPIC pin the guest left masked. */
    SimGuestPirq *g = &sim->gpirqs[pirq];
    if (g->has_emu_gsi) {
        xpt_log(XPT_LOG_HV, "xen-sim: unmap_pirq %d drops the guest's emulated GSI %u routed "
                "to it (unmap_domain_pirq_emuirq)", pirq, g->emu_gsi);
    }
    g->emuirq_pt = false;
    g->has_emu_gsi = false;
    if (p->msi_bound || p->intx_binds) {
        xpt_log(XPT_LOG_HV, "xen-sim: unmap_pirq: forcing unbind of pirq %d (%u INTx "
                "binding(s)%s stop delivering)", pirq, p->intx_binds,
                p->msi_bound ? ", MSI" : "");
        p->forced = true;
        return 0;
    }
    memset(p, 0, sizeof(*p));
    return 0;
}

/*
 * xc_domain_update_msi_irq (pt_irq_create_bind, PT_IRQ_TYPE_MSI): the pirq must be mapped
 * from an MSI source (EINVAL); bound for INTx → EBUSY; already bound → gvec and gflags are
 * updated in place and gtable is kept (Xen reads gtable only on the first bind: to move an
 * MSI-X table, unbind and bind again). gvec is a uint8_t in the domctl: > 0xff → EINVAL
 * (stricter than libxenctrl's silent truncation). gflags are recorded as passed.
 * XEN_DOMCTL_VMSI_X86_UNMASKED clears the vector's guest mask (guest_mask_msi_irq(desc,
 * false) at the end of the MSI case); a bind without it leaves the mask as it is.
 */
int sim_bind_msi(void *opaque, uint32_t gvec, int pirq, uint32_t gflags, uint64_t gtable)
{
    XptSim *sim = opaque;
    int rc = sim_enter(sim, SIM_OP_BIND_MSI);
    if (rc) {
        return rc;
    }
    SimPirq *p = mapped_pirq(sim, pirq);
    if (!p || gvec > 0xff) {
        return sim_refuse(EINVAL, "bind_msi pirq %d gvec 0x%x: pirq not mapped or bad vector",
                          pirq, gvec);
    }
    if (p->intx_binds) {
        return sim_refuse(EBUSY, "bind_msi: pirq %d is bound as INTx", pirq);
    }
    if (!p->is_msi) {
        return sim_refuse(EINVAL, "bind_msi: pirq %d is a GSI, not MSI", pirq);
    }
    if (!p->msi_bound) {
        p->gtable = gtable;
        if (gtable) {
            sim_msixtbl_register(sim, p, gtable);
        }
    }
    p->msi_bound = true;
    p->gvec = gvec;
    p->gflags = gflags;
    if (gflags & XEN_DOMCTL_VMSI_X86_UNMASKED) {
        p->guest_masked = false;
    }
    return 0;
}

/* xc_domain_unbind_msi_irq: pirq not mapped, or force-unbound by an unmap → EINVAL
 * (pt_irq_destroy_bind: domain_spin_lock_irq_desc finds no irq); not bound as MSI →
 * EINVAL (stricter: Xen ignores it). */
int sim_unbind_msi(void *opaque, uint32_t gvec, int pirq, uint32_t gflags)
{
    XptSim *sim = opaque;
    int rc = sim_enter(sim, SIM_OP_UNBIND_MSI);
    if (rc) {
        return rc;
    }
    SimPirq *p = mapped_pirq(sim, pirq);
    if (!p || !p->msi_bound) {
        return sim_refuse(EINVAL, "unbind_msi: pirq %d not bound as MSI", pirq);
    }
    sim_msixtbl_unregister(sim, p);       /* pt_irq_destroy_bind */
    p->msi_bound = false;
    p->gvec = p->gflags = 0;
    p->gtable = 0;
    return 0;
}

/* Index of INTx binding (pirq, bus, dev, intx) in sim->intx, or where it would go. */
static guint intx_find(XptSim *sim, const SimIntx *k, bool *found)
{
    guint i = 0;
    *found = false;
    for (; i < sim->intx->len; i++) {
        const SimIntx *x = &g_array_index(sim->intx, SimIntx, i);
        int c = x->pirq != k->pirq ? (x->pirq < k->pirq ? -1 : 1)
              : x->bus != k->bus ? (x->bus < k->bus ? -1 : 1)
              : x->dev != k->dev ? (x->dev < k->dev ? -1 : 1)
              : x->intx != k->intx ? (x->intx < k->intx ? -1 : 1) : 0;
        if (c == 0) {
            *found = true;
            break;
        }
        if (c > 0) {
            break;
        }
    }
    return i;
}

/*
 * xc_domain_bind_pt_pci_irq (pt_irq_create_bind, PT_IRQ_TYPE_PCI): libxenctrl passes the
 * pirq as uint8_t, so pirq ≥ 256 → EINVAL, as are bus ≠ 0, dev > 31, intx > 3. The pirq
 * must be mapped from a GSI (EINVAL; stricter for a force-unbound pirq, where Xen adds a
 * binding that never delivers); MSI-bound → EBUSY; the same binding twice → EEXIST
 * (stricter: Xen appends a duplicate digl).
 *
 * Shared GSI: one pirq serves several (dev, intx), e.g. two functions in different guest
 * slots behind one host IRQ. Xen 4.17 (xen/drivers/passthrough/x86/hvm.c
 * pt_irq_create_bind) appends each to the pirq's digl list and the guest GSI's girq
 * list, and binds the pirq to the guest (pirq_guest_bind, BIND_PIRQ__WILL_SHARE) only
 * for the first (HVM_IRQ_DPCI_MAPPED not yet set); an interrupt then asserts every
 * bound guest GSI (hvm_dirq_assist walks digl_list).
 */
int sim_bind_pt_intx(void *opaque, int pirq, uint8_t bus, uint8_t dev, uint8_t intx)
{
    XptSim *sim = opaque;
    int rc = sim_enter(sim, SIM_OP_BIND_PT_INTX);
    if (rc) {
        return rc;
    }
    if (pirq < 0 || pirq > 0xff || bus != 0 || dev > 31 || intx > 3) {
        return sim_refuse(EINVAL, "bind_pt_intx pirq %d bus %u dev %u intx %u", pirq, bus,
                          dev, intx);
    }
    SimPirq *p = mapped_pirq(sim, pirq);
    if (!p || p->is_msi) {
        return sim_refuse(EINVAL, "bind_pt_intx: pirq %d not mapped from a GSI", pirq);
    }
    if (p->msi_bound) {
        return sim_refuse(EBUSY, "bind_pt_intx: pirq %d is bound as MSI", pirq);
    }
    SimIntx k = { pirq, bus, dev, intx };
    bool found;
    guint i = intx_find(sim, &k, &found);
    if (found) {
        return sim_refuse(EEXIST, "bind_pt_intx: pirq %d dev %u intx %u already bound", pirq,
                          dev, intx);
    }
    g_array_insert_val(sim->intx, i, k);
    p->intx_binds++;
    return 0;
}

/*
 * xc_domain_unbind_pt_irq (PT_IRQ_TYPE_PCI; Xen 4.17 pt_irq_destroy_bind): no such
 * binding → EINVAL. Only that (dev, intx) goes ("partial unmap"); the pirq stays bound to
 * the guest for the others, and the last one unbinds it ("final": pirq_guest_unbind). On
 * a force-unbound pirq the last one also clears the stale entry (pirq_guest_unbind finds
 * arch.irq < 0: clear_domain_irq_pirq), after which its GSI can be mapped again.
 */
int sim_unbind_pt_intx(void *opaque, int pirq, uint8_t bus, uint8_t dev, uint8_t intx)
{
    XptSim *sim = opaque;
    int rc = sim_enter(sim, SIM_OP_UNBIND_PT_INTX);
    if (rc) {
        return rc;
    }
    SimIntx k = { pirq, bus, dev, intx };
    bool found;
    guint i = intx_find(sim, &k, &found);
    if (!found) {
        return sim_refuse(EINVAL, "unbind_pt_intx pirq %d bus %u dev %u intx %u: not bound",
                          pirq, bus, dev, intx);
    }
    g_array_remove_index(sim->intx, i);
    SimPirq *p = &sim->pirqs[pirq];
    p->intx_binds--;
    if (p->forced && !p->intx_binds && !p->msi_bound) {
        memset(p, 0, sizeof(*p));
    }
    return 0;
}

/* ---- the guest's side: PHYSDEVOP_get_free_pirq, EVTCHNOP_bind_pirq / close ---------------- */

/*
 * PHYSDEVOP_get_free_pirq (Xen 4.17 xen/arch/x86/physdev.c, irq.c get_free_pirq): for
 * MAP_PIRQ_TYPE_GSI first 16..nr_irqs_gsi-1, then (any type) nr_pirqs-1 down to
 * nr_irqs_gsi; the pirq found is reserved (arch.irq = PIRQ_ALLOCATED) so that neither
 * the guest nor an automatic map_pirq gets it again. None free → -ENOSPC. This is what
 * a Linux HVM guest using pirqs for MSI calls (arch/x86/pci/xen.c xen_hvm_setup_msi_irqs
 * → xen_allocate_pirq_msi) before writing the pirq into the MSI address.
 */
int sim_guest_get_free_pirq(XptSim *sim, bool gsi_type, int *pirq)
{
    if (gsi_type) {
        for (int p = 16; p < XPT_SIM_NR_IRQS_GSI; p++) {
            if (pirq_is_free(sim, p)) {
                sim->gpirqs[p].allocated = true;
                *pirq = p;
                return 0;
            }
        }
    }
    for (int p = XPT_SIM_NR_PIRQS - 1; p >= XPT_SIM_NR_IRQS_GSI; p--) {
        if (pirq_is_free(sim, p)) {
            sim->gpirqs[p].allocated = true;
            *pirq = p;
            return 0;
        }
    }
    return sim_refuse(ENOSPC, "guest get_free_pirq: no free pirq");
}

/*
 * PHYSDEVOP_map_pirq (MAP_PIRQ_TYPE_GSI, DOMID_SELF, pirq -1) from an HVM guest with a
 * vector callback, for a GSI of an emulated device: what Linux's acpi_register_gsi_xen_hvm
 * → xen_register_pirq does for COM1's GSI 4, the SCI's 9, the RTC's 8 (Xen 4.17
 * xen/arch/x86/physdev.c physdev_hvm_map_pirq, emulated branch): pirq = get_free_pirq
 * (GSI type: from 16 up, which is also where the device model's GSI pirqs are, pirq =
 * host GSI), then map_domain_emuirq_pirq(d, pirq, gsi), after which Xen's assert_gsi
 * delivers the GSI by send_guest_pirq. @gsi ≥ 48 (NR_HVM_DOMU_IRQS) → -EINVAL; a GSI
 * already routed to another pirq: map_domain_emuirq_pirq only warns and returns 0, the
 * new pirq stays unrouted. Only emulated GSIs: no passthrough INTx is bound to one below
 * 16 (the device model's guest GSIs are 16 and up).
 */
int sim_guest_map_gsi_pirq(XptSim *sim, unsigned gsi, int *pirq)
{
    if (gsi >= 48 || gsi < 1) {
        return sim_refuse(EINVAL, "guest map_pirq: GSI %u is not an emulated GSI", gsi);
    }
    bool routed = false;
    for (int p = 0; p < XPT_SIM_NR_PIRQS; p++) {
        routed = routed || (sim->gpirqs[p].has_emu_gsi && sim->gpirqs[p].emu_gsi == gsi);
    }
    int rc = sim_guest_get_free_pirq(sim, true, pirq);
    if (rc) {
        return rc;
    }
    SimGuestPirq *g = &sim->gpirqs[*pirq];
    g->allocated = false;               /* get_free_pirq here does not reserve it */
    if (!routed) {
        g->has_emu_gsi = true;
        g->emu_gsi = gsi;
    }
    return 0;
}

/*
 * EVTCHNOP_bind_pirq from an HVM guest (Xen 4.17 xen/common/event_channel.c
 * evtchn_bind_pirq): pirq ≥ nr_pirqs → -EINVAL; an event channel already bound to it →
 * -EEXIST; otherwise the channel is bound and the call succeeds — whether or not the
 * pirq is mapped: arch_evtchn_bind_pirq (xen/arch/x86/irq.c) does something only when
 * domain_pirq_to_irq > 0, i.e. when the device model has already mapped it: then it
 * routes the pirq to the channel (map_domain_emuirq_pirq(IRQ_PT)) and, for an MSI
 * source, clears the guest mask (guest_mask_msi_irq(desc, 0)). A pirq mapped later is
 * neither routed nor unmasked by this bind: the guest's interrupt never arrives and
 * nothing tells it why.
 */
int sim_guest_evtchn_bind_pirq(XptSim *sim, uint64_t pirq, unsigned *port)
{
    if (pirq >= XPT_SIM_NR_PIRQS) {
        return sim_refuse(EINVAL, "guest evtchn_bind_pirq: pirq %" G_GUINT64_FORMAT
                          " ≥ nr_pirqs", pirq);
    }
    SimGuestPirq *g = &sim->gpirqs[pirq];
    if (g->evtchn) {
        return sim_refuse(EEXIST, "guest evtchn_bind_pirq: pirq %" G_GUINT64_FORMAT
                          " already bound to port %u", pirq, g->evtchn);
    }
    if (sim->next_port >= G_MAXINT) {
        return sim_refuse(ENOSPC, "guest evtchn_bind_pirq: out of ports");   /* get_free_port */
    }
    g->evtchn = ++sim->next_port;
    *port = g->evtchn;
    SimPirq *p = &sim->pirqs[pirq];
    /* arch_evtchn_bind_pirq: irq > 0; map_domain_emuirq_pirq(IRQ_PT) keeps an emulated
     * GSI already there (it only warns) */
    if (p->used && !p->forced && !g->has_emu_gsi) {
        g->emuirq_pt = true;
        if (p->is_msi) {
            p->guest_masked = false;
        }
    }
    return 0;
}

/*
 * EVTCHNOP_close of a pirq channel from an HVM guest (evtchn_close, ECS_PIRQ): the
 * channel is unbound and, if the pirq is mapped, its emulated IRQ removed
 * (unmap_domain_pirq_emuirq); the guest mask is not touched. No channel bound to @pirq →
 * -EINVAL (a port that is not in use).
 */
int sim_guest_evtchn_close_pirq(XptSim *sim, uint64_t pirq)
{
    if (pirq >= XPT_SIM_NR_PIRQS || !sim->gpirqs[pirq].evtchn) {
        return sim_refuse(EINVAL, "guest evtchn_close: no channel bound to pirq %"
                          G_GUINT64_FORMAT, pirq);
    }
    sim->gpirqs[pirq].evtchn = 0;
    sim->gpirqs[pirq].emuirq_pt = false;
    return 0;
}

/*
 * Xen 4.17 hvm_dirq_assist (xen/drivers/passthrough/x86/hvm.c): a device interrupt on a
 * guest-MSI pirq goes to the pirq's event channel when the pirq has an emulated IRQ
 * (hvm_domain_use_pirq → send_guest_pirq), else to the guest LAPIC as gvec
 * (vmsi_deliver_pirq → vmsi_deliver, which accepts only fixed and lowest-priority
 * delivery; vlapic_set_irq drops vectors below 16). While the vector is guest-masked
 * Xen keeps it masked on the device, so nothing is raised at all.
 */
const char *sim_msi_delivery(const XptSim *sim, int p, const char **why)
{
    const SimPirq *q = &sim->pirqs[p];
    *why = NULL;
    if (!q->used || !q->is_msi || !q->msi_bound) {
        *why = "not mapped and bound as MSI";
        return "none";
    }
    if (q->forced) {
        *why = SIM_WHY_FORCED;
        return "none";
    }
    if (q->guest_masked) {
        *why = "guest-masked: Xen keeps the vector masked (msix_capability_init; cleared "
               "by a bind with XEN_DOMCTL_VMSI_X86_UNMASKED or by EVTCHNOP_bind_pirq)";
        return "none";
    }
    if (sim->gpirqs[p].emuirq_pt) {
        return "evtchn";
    }
    unsigned deliv = (q->gflags & XEN_DOMCTL_VMSI_X86_DELIV_MASK) >> 12;
    if (deliv > 1) {
        *why = "delivery mode neither fixed nor lowest priority (vmsi_deliver refuses it)";
        return "none";
    }
    if (q->gvec < 16) {
        *why = "vector below 16 (vlapic_set_irq drops it)";
        return "none";
    }
    return "vector";
}

/*
 * Whether an interrupt of the host GSI behind INTx-bound @p reaches the guest (Xen 4.17
 * hvm_dirq_assist asserts each guest GSI of the pirq's digl list): only while the pirq
 * is mapped and bound to the guest, not after an unmap force-unbound it.
 */
const char *sim_intx_delivery(const XptSim *sim, int p, const char **why)
{
    const SimPirq *q = &sim->pirqs[p];
    *why = NULL;
    if (!q->used || q->is_msi) {
        *why = "pirq not mapped from a GSI";
        return "none";
    }
    if (q->forced) {
        *why = SIM_WHY_FORCED;
        return "none";
    }
    return "gsi";
}
