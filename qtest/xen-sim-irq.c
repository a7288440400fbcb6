/*
 * Interrupt operations of the simulated hypervisor (qtest/xen-sim.h): PCI link routes,
 * ISA IRQ levels, the pirq table (GSI and MSI/MSI-X sources) and MSI / INTx bindings,
 * with Xen 4.17's rules; "stricter" marks where the sim refuses what Xen lets pass.
 */
#include "qtest/xen-sim-int.h"

#include <errno.h>
#include <string.h>

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
 * EINVAL; GSI not granted → EPERM; mapping the same GSI again returns the same pirq
 * (allocate_pirq); a GSI mapped to another pirq, or a pirq in use → EEXIST (stricter:
 * map_domain_pirq only warns for the latter).
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
    if (!sim_rs_contains(&sim->irq_caps, (uint64_t)host_irq, (uint64_t)host_irq)) {
        return sim_refuse(EPERM, "map_pirq: irq %d not granted", host_irq);
    }
    int want = *pirq < 0 ? host_irq : *pirq;
    if (want >= XPT_SIM_NR_PIRQS) {
        return sim_refuse(EINVAL, "map_pirq: pirq %d out of range", want);
    }
    int cur = pirq_of_gsi(sim, host_irq);
    if (cur >= 0) {
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
    sim->pirqs[want] = (SimPirq){ .used = true, .gsi = host_irq };
    *pirq = want;
    return 0;
}

/*
 * xc_physdev_map_pirq_msi (MAP_PIRQ_TYPE_MSI, segment 0 only in libxenctrl: host_seg ≠ 0
 * → EINVAL). The device must be assigned to the domain (granted), else ENODEV
 * (map_domain_pirq: pci_get_pdev). table_base 0 = MSI, else MSI-X entry entry_nr. The same
 * MSI / MSI-X entry twice → EEXIST; MSI while MSI-X is mapped or the reverse → EBUSY
 * (pci_enable_msi). *pirq < 0 allocates like get_free_pirq(): the highest free pirq from
 * XPT_SIM_NR_PIRQS-1 down to XPT_SIM_NR_IRQS_GSI, ENOSPC when none is left (Xen gives a
 * domU extra_guest_irqs = 32 of them).
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
    if (host_seg != 0 || entry_nr < 0 || (table_base == 0 && entry_nr != 0)) {
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
        if (!q->used || !q->is_msi || q->sbdf != sbdf) {
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
            if (!sim->pirqs[want].used) {
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
    sim->pirqs[want] = (SimPirq){ .used = true, .is_msi = true, .sbdf = sbdf,
                                  .entry = entry_nr, .table_base = table_base };
    *pirq = want;
    return 0;
}

/* The pirq table entry of a mapped @pirq, or NULL. */
static SimPirq *mapped_pirq(XptSim *sim, int pirq)
{
    if (pirq < 0 || pirq >= XPT_SIM_NR_PIRQS || !sim->pirqs[pirq].used) {
        return NULL;
    }
    return &sim->pirqs[pirq];
}

/* xc_physdev_unmap_pirq: not mapped → EINVAL (unmap_domain_pirq); still bound → EBUSY
 * (stricter: Xen force-unbinds with a warning and leaves the dpci state behind). */
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
    if (p->msi_bound || p->intx_binds) {
        return sim_refuse(EBUSY, "unmap_pirq: pirq %d still bound", pirq);
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
    }
    p->msi_bound = true;
    p->gvec = gvec;
    p->gflags = gflags;
    return 0;
}

/* xc_domain_unbind_msi_irq: pirq not mapped → EINVAL (pt_irq_destroy_bind); not bound as
 * MSI → EINVAL (stricter: Xen ignores it). */
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
 * must be mapped from a GSI (EINVAL); MSI-bound → EBUSY; the same binding twice → EEXIST.
 * One pirq may serve several (dev, intx) (Xen's digl list).
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

/* xc_domain_unbind_pt_irq (PT_IRQ_TYPE_PCI): no such binding → EINVAL (pt_irq_destroy_bind). */
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
    sim->pirqs[pirq].intx_binds--;
    return 0;
}
