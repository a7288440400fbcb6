/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The oracles of the libFuzzer harness (tests/fuzz/fuzz-int.h; the list is in
 * tests/fuzz/fuzz-guest.c): after every operation, host-write policy, config sizes,
 * MSI, p2m and port mappings, ioreq-server claims, and after a detach, nothing of the
 * device left in the sim. The sim's state is read from qtest/xen-sim-int.h directly.
 */
#include "tests/fuzz/fuzz-int.h"

/* ---- oracles ------------------------------------------------------------------------------ */

void fz_check_policy(FuzzDev *f)
{
    g_autofree char *why = xpt_host_policy_check(f->policy, f->d);
    if (why) {
        fz_oracle_fail("host config write outside policy: %s", why);
    }
}

/* Host frames [first, first+nr) of BAR @i of @fx (the grant's rounding). */
ORACLE static void host_frames(const XptHostRegion *h, uint64_t *first, uint64_t *nr)
{
    *first = h->base >> XPT_PAGE_SHIFT;
    *nr = (h->size + (h->base & (XPT_PAGE_SIZE - 1)) + XPT_PAGE_SIZE - 1) >> XPT_PAGE_SHIFT;
}

/* The memory BAR of @fx whose host frames contain @mfn, or -1. */
ORACLE static int fixture_bar_of_frame(const FuzzFixture *fx, uint64_t mfn)
{
    for (unsigned i = 0; i < 6; i++) {
        const XptHostRegion *h = &fx->bars[i];
        uint64_t first, nr;
        host_frames(h, &first, &nr);
        if (h->size && !(h->flags & XPT_HOST_REGION_IO) && mfn >= first && mfn - first < nr) {
            return (int)i;
        }
    }
    return -1;
}

/* The attached device and memory BAR whose host frames contain @mfn. */
ORACLE static FuzzDev *owner_of_frame(uint64_t mfn, unsigned *bar)
{
    for (guint k = 0; k < fz_run->devs->len; k++) {
        FuzzDev *f = g_ptr_array_index(fz_run->devs, k);
        int i = fixture_bar_of_frame(f->fx, mfn);
        if (i >= 0) {
            *bar = (unsigned)i;
            return f;
        }
    }
    return NULL;
}

/* Whether host device @fx detached (or failed to attach) earlier in this input while an
 * injected fault kept it from undoing everything: what it left is not the new one's. */
ORACLE bool fz_is_ghost(const FuzzFixture *fx)
{
    for (guint k = 0; k < fz_run->ghosts->len; k++) {
        if (g_ptr_array_index(fz_run->ghosts, k) == fx) {
            return true;
        }
    }
    return false;
}

/* The host SBDF of fixture @fx as the grant encodes it (segment << 16 | bus << 8 | devfn). */
ORACLE uint32_t fz_fixture_sbdf(const FuzzFixture *fx)
{
    unsigned seg = 0, bus = 0, dev = 0, fn = 0;
    if (sscanf(fx->hostaddr, "%x:%x:%x.%u", &seg, &bus, &dev, &fn) != 4) {
        seg = 0;
        if (sscanf(fx->hostaddr, "%x:%x.%u", &bus, &dev, &fn) != 3) {
            return UINT32_MAX;
        }
    }
    return seg << 16 | bus << 8 | dev << 3 | fn;
}

/* Whether a device on host function @sbdf (a lying copy of another fixture with the same
 * host address included) detached while an injected fault kept it from undoing
 * everything: the pirqs left on that SBDF are that device's. */
ORACLE bool fz_ghost_sbdf(uint32_t sbdf)
{
    for (guint k = 0; k < fz_run->ghosts->len; k++) {
        if (fz_fixture_sbdf(g_ptr_array_index(fz_run->ghosts, k)) == sbdf) {
            return true;
        }
    }
    return false;
}

/* Whether a device whose host IRQ is @irq detached (or failed to attach) under a fault:
 * a GSI pirq is shared by every device on that GSI (hw/xen/xen-pt-intx.c), so the
 * next one to attach may reuse what it left and release it. */
ORACLE bool fz_ghost_irq(int irq)
{
    for (guint k = 0; irq > 0 && k < fz_run->ghosts->len; k++) {
        if (((const FuzzFixture *)g_ptr_array_index(fz_run->ghosts, k))->irq == irq) {
            return true;
        }
    }
    return false;
}

/* Whether @mfn (or host port @port, when @io) belongs to a device that detached while
 * an injected fault stopped it from undoing everything. */
ORACLE static bool ghost_resource(uint64_t mfn_or_port, bool io)
{
    for (guint k = 0; k < fz_run->ghosts->len; k++) {
        const FuzzFixture *fx = g_ptr_array_index(fz_run->ghosts, k);
        for (unsigned i = 0; io && i < 6; i++) {
            const XptHostRegion *h = &fx->bars[i];
            if (h->size && (h->flags & XPT_HOST_REGION_IO) && mfn_or_port >= h->base &&
                mfn_or_port - h->base < h->size) {
                return true;
            }
        }
        if (!io && fixture_bar_of_frame(fx, mfn_or_port) >= 0) {
            return true;
        }
    }
    return false;
}

typedef struct FrameRun {
    uint64_t s, e;                  /* host frames or ports, inclusive */
    uint64_t g;                     /* guest frame or port of s */
} FrameRun;

static gint frame_run_cmp(gconstpointer a, gconstpointer b)
{
    const FrameRun *x = a, *y = b;
    return x->s < y->s ? -1 : x->s > y->s;
}

/* Whether @runs (sorted here) holds two runs sharing a host frame/port that belongs to no
 * device which detached while a fault kept it from undoing its mappings. */
ORACLE static const FrameRun *find_twice(GArray *runs, bool io)
{
    g_array_sort(runs, frame_run_cmp);
    for (guint i = 1; i < runs->len; i++) {
        const FrameRun *a = &g_array_index(runs, FrameRun, i - 1);
        const FrameRun *b = &g_array_index(runs, FrameRun, i);
        for (guint j = i; j < runs->len && b->s <= a->e; j++) {
            b = &g_array_index(runs, FrameRun, j);
            if (b->s <= a->e && !ghost_resource(b->s, io)) {
                return b;
            }
        }
    }
    return NULL;
}

/*
 * Invariant 2 (issue 13 items 2, 13): no p2m extent covers any attached device's MSI-X
 * table page (whichever BAR or device the extent came from), and no host frame (port)
 * is mapped at two guest addresses.
 */
ORACLE static void check_tables_and_twice(void)
{
    XptSim *sim = fz_run->sim;
    g_autoptr(GArray) runs = g_array_new(FALSE, FALSE, sizeof(FrameRun));
    for (guint e = 0; e < sim->p2m->len; e++) {
        const SimExtent *x = &g_array_index(sim->p2m, SimExtent, e);
        FrameRun r = { x->mfn, x->mfn + x->nr - 1, x->gfn };
        g_array_append_val(runs, r);
        for (guint k = 0; k < fz_run->devs->len; k++) {
            FuzzDev *f = g_ptr_array_index(fz_run->devs, k);
            const FuzzFixture *fx = f->fx;
            if (!fx->msix_cap || fx->msix_bir >= 6) {
                continue;
            }
            uint64_t first, nr;
            host_frames(&fx->bars[fx->msix_bir], &first, &nr);
            uint64_t ts = first + fx->msix_first_page, te = first + fx->msix_last_page;
            if (x->mfn <= te && ts <= r.e && !ghost_resource(MAX(ts, x->mfn), false)) {
                fz_oracle_fail("%s: its MSI-X table page (mfn 0x%" G_GINT64_MODIFIER "x) is "
                               "mapped to the guest by the p2m extent gfn 0x%" G_GINT64_MODIFIER
                               "x -> mfn 0x%" G_GINT64_MODIFIER "x+%" G_GUINT64_FORMAT
                               " (invariant 2)", f->d->who, MAX(ts, x->mfn),
                            x->gfn + (MAX(ts, x->mfn) - x->mfn), x->mfn, x->nr);
            }
        }
    }
    const FrameRun *t = find_twice(runs, false);
    if (t) {
        fz_oracle_fail("host frame 0x%" G_GINT64_MODIFIER "x is mapped at two guest addresses "
                       "(one of them gfn 0x%" G_GINT64_MODIFIER "x; invariant 2)", t->s, t->g);
    }
    g_array_set_size(runs, 0);
    for (guint e = 0; e < sim->ioports->len; e++) {
        const SimIoport *x = &g_array_index(sim->ioports, SimIoport, e);
        FrameRun r = { x->mport, (uint64_t)x->mport + x->nr - 1, x->gport };
        g_array_append_val(runs, r);
    }
    t = find_twice(runs, true);
    if (t) {
        fz_oracle_fail("host port 0x%" G_GINT64_MODIFIER "x is mapped at two guest ports (one of "
                       "them 0x%" G_GINT64_MODIFIER "x; invariant 2)", t->s, t->g);
    }
}

/* Invariant 1 (issue 13 items 1, 13): no device whose config space is shorter than the
 * 256-byte header is attached. */
ORACLE static void check_config_sizes(void)
{
    for (guint k = 0; k < fz_run->devs->len; k++) {
        FuzzDev *f = g_ptr_array_index(fz_run->devs, k);
        if (xpt_host_pci_config_size(f->d->host) < XPT_PCI_CONFIG_SPACE ||
            f->fx->rows < XPT_PCI_CONFIG_SPACE) {
            fz_oracle_fail("%s is attached with %u bytes of host config space (%u in its dump; "
                           "invariant 1)", f->d->who, xpt_host_pci_config_size(f->d->host),
                        f->fx->rows);
        }
    }
}

ORACLE static void check_mappings(void)
{
    XptSim *sim = fz_run->sim;
    bool strict = !(fz_run->fired & MAPPING_OPS);
    for (guint e = 0; e < sim->p2m->len; e++) {
        const SimExtent *x = &g_array_index(sim->p2m, SimExtent, e);
        uint64_t gfn = x->gfn, mfn = x->mfn, left = x->nr;
        while (left) {
            unsigned i;
            FuzzDev *f = owner_of_frame(mfn, &i);
            if (!f && ghost_resource(mfn, false)) {
                gfn++, mfn++, left--;
                continue;
            }
            if (!f) {
                fz_oracle_fail("p2m maps gfn 0x%" G_GINT64_MODIFIER "x to mfn 0x%"
                               G_GINT64_MODIFIER "x, in no attached device's BAR", gfn, mfn);
            }
            uint64_t first, nr;
            host_frames(&f->fx->bars[i], &first, &nr);
            uint64_t page = mfn - first, n = MIN(left, nr - page);
            if (!f->fx->bars[i].base) {
                fz_oracle_fail("%s: BAR %u is unassigned on the host (address 0) but mfn 0x%"
                               G_GINT64_MODIFIER "x of it is mapped at gfn 0x%" G_GINT64_MODIFIER
                               "x (invariant 3)", f->d->who, i, mfn, gfn);
            }
            uint64_t addr, size;
            bool io, decode;
            if (strict && (!fz_guest_bar(f, i, &addr, &size, &io, &decode) || !decode ||
                           gfn - page != addr >> XPT_PAGE_SHIFT)) {
                fz_oracle_fail("%s: BAR %u host page %" G_GUINT64_FORMAT " mapped at gfn 0x%"
                               G_GINT64_MODIFIER "x but the guest BAR is at 0x%"
                               G_GINT64_MODIFIER "x (decode %d)", f->d->who, i, page, gfn,
                            addr, decode);
            }
            gfn += n;
            mfn += n;
            left -= n;
        }
    }
    check_tables_and_twice();
    for (guint e = 0; e < sim->ioports->len; e++) {
        const SimIoport *x = &g_array_index(sim->ioports, SimIoport, e);
        bool ok = false;
        for (guint k = 0; k < fz_run->devs->len && !ok; k++) {
            FuzzDev *f = g_ptr_array_index(fz_run->devs, k);
            for (unsigned i = 0; i < 6 && !ok; i++) {
                const XptHostRegion *h = &f->fx->bars[i];
                if (!h->size || !(h->flags & XPT_HOST_REGION_IO) || x->mport < h->base ||
                    x->mport + (uint64_t)x->nr > h->base + h->size) {
                    continue;
                }
                if (!h->base) {
                    fz_oracle_fail("%s: I/O BAR %u is unassigned on the host (address 0) but "
                                   "ports 0x%x+%u of it are mapped (invariant 3)", f->d->who, i,
                                x->mport, x->nr);
                }
                uint64_t addr, size;
                bool io, decode;
                ok = !strict || (fz_guest_bar(f, i, &addr, &size, &io, &decode) && decode &&
                                 x->gport == addr + (x->mport - h->base));
            }
        }
        if (!ok && !ghost_resource(x->mport, true)) {
            fz_oracle_fail("I/O ports 0x%x+%u mapped to host ports 0x%x: not a decoding I/O BAR "
                           "of an attached device at that guest address", x->gport, x->nr,
                           x->mport);
        }
    }
}

/* Whether the union of @spans covers all of [s, e]. */
static bool spans_cover(const GArray *spans, uint64_t s, uint64_t e)
{
    for (uint64_t cur = s;;) {
        const Span *hit = NULL;
        for (guint i = 0; i < spans->len && !hit; i++) {
            const Span *x = &g_array_index(spans, Span, i);
            hit = x->s <= cur && cur <= x->e ? x : NULL;
        }
        if (!hit) {
            return false;
        }
        if (hit->e >= e) {
            return true;
        }
        cur = hit->e + 1;
    }
}

/*
 * The ioreq-server claims: PCI only the chipset's and attached devices' SBDFs, ports only
 * the chipset's and ACPI blocks (passthrough I/O BARs are direct-mapped), MMIO only a
 * decoding ROM or the MSI-X table pages of a decoding table BAR, where the guest put it.
 */
ORACLE static void check_claims(void)
{
    XptSim *sim = fz_run->sim;
    if (fz_run->fired & (OPBIT(SIM_OP_CLAIM_RANGE) | OPBIT(SIM_OP_UNCLAIM_RANGE) | MAPPING_OPS)) {
        return;
    }
    GArray *pci = g_array_set_size(fz_run->spans[0], 0);
    GArray *port = g_array_set_size(fz_run->spans[1], 0);
    GArray *mmio = g_array_set_size(fz_run->spans[2], 0);
    static const uint8_t chip[3] = { XPT_I440FX_DEVFN, XPT_PIIX3_DEVFN, XPT_PIIX4_PM_DEVFN };
    for (unsigned i = 0; i < 3; i++) {
        Span x = { xpt_pci_sbdf(chip[i]), xpt_pci_sbdf(chip[i]) };
        g_array_append_val(pci, x);
    }
    for (guint k = 0; k < fz_run->devs->len; k++) {
        FuzzDev *f = g_ptr_array_index(fz_run->devs, k);
        Span x = { xpt_pci_sbdf(f->d->pci.devfn), xpt_pci_sbdf(f->d->pci.devfn) };
        g_array_append_val(pci, x);
        uint64_t addr, size;
        bool io, decode;
        if (fz_guest_bar(f, XPT_PT_ROM_INDEX, &addr, &size, &io, &decode) && decode) {
            Span r = { addr, addr + size - 1 };
            g_array_append_val(mmio, r);
        }
        const FuzzFixture *fx = f->fx;
        if (fx->msix_cap && fz_guest_bar(f, fx->msix_bir, &addr, &size, &io, &decode) && decode) {
            Span t = { addr + (fx->msix_first_page << XPT_PAGE_SHIFT),
                       addr + ((fx->msix_last_page + 1) << XPT_PAGE_SHIFT) - 1 };
            g_array_append_val(mmio, t);
        }
    }
    static const Span ports[] = {
        { 0xCF8, 0xCFB },
        { XPT_ACPI_PCIHP_PORT, XPT_ACPI_PCIHP_PORT + XPT_ACPI_PCIHP_LEN - 1 },
        { XPT_ACPI_CPU_PORT, XPT_ACPI_CPU_PORT + XPT_ACPI_CPU_LEN - 1 },
        { XPT_ACPI_GPE0_PORT, XPT_ACPI_GPE0_PORT + XPT_ACPI_GPE0_LEN - 1 },
        { XPT_PM1A_CNT_PORT, XPT_PM1A_CNT_PORT + XPT_PM1A_CNT_LEN - 1 },
    };
    g_array_append_vals(port, ports, G_N_ELEMENTS(ports));
    const struct {
        XptRangeType type;
        GArray *expect;
        const char *what;
    } kinds[] = {
        { XPT_RANGE_PCI, pci, "PCI" }, { XPT_RANGE_PORT, port, "port" },
        { XPT_RANGE_MEMORY, mmio, "MMIO" },
    };
    for (unsigned t = 0; t < G_N_ELEMENTS(kinds); t++) {
        const SimRangeset *rs = &sim->claims[kinds[t].type];
        for (guint i = 0; i < sim_rs_len(rs); i++) {
            const SimRange *r = sim_rs_get(rs, i);
            if (!spans_cover(kinds[t].expect, r->s, r->e)) {
                fz_oracle_fail("%s claim 0x%" G_GINT64_MODIFIER "x-0x%" G_GINT64_MODIFIER "x is "
                               "no chipset range, decoding ROM or MSI-X table of an attached "
                               "device", kinds[t].what, r->s, r->e);
            }
        }
    }
}

/* No MSI (MSI-X) pirq of a device whose guest MSI (MSI-X) Enable reads 0. */
ORACLE static void check_msi(void)
{
    /* A host config write that failed, or a device that was gone (all-ones reads count
     * as failed reads, so nothing is written back), leaves the host's Enable bit where
     * it was: it no longer tells what the guest asked for. */
    if ((fz_run->fired & MSI_RELEASE_OPS) || fz_run->host_fault || !fz_run->devs->len) {
        return;
    }
    guint n = fz_run->devs->len;
    bool *msi_on = g_newa(bool, n), *msix_on = g_newa(bool, n);
    for (guint k = 0; k < n; k++) {
        FuzzDev *f = g_ptr_array_index(fz_run->devs, k);
        msi_on[k] = f->fx->msi_cap && (fz_host_value(f->d, f->fx->msi_cap + 2, 2) & 0x0001);
        msix_on[k] = f->fx->msix_cap && (fz_host_value(f->d, f->fx->msix_cap + 2, 2) & 0x8000);
    }
    for (unsigned p = 0; p < XPT_SIM_NR_PIRQS; p++) {
        const SimPirq *q = &fz_run->sim->pirqs[p];
        if (!q->used || !q->is_msi) {
            continue;
        }
        for (guint k = 0; k < n; k++) {
            FuzzDev *f = g_ptr_array_index(fz_run->devs, k);
            if (q->sbdf == f->d->grant.host_sbdf && !fz_is_ghost(f->fx) &&
                !fz_ghost_sbdf(q->sbdf) &&
                (q->table_base ? !msix_on[k] : !msi_on[k])) {
                fz_oracle_fail("%s: pirq %u (%s entry %d, %s) left while the guest's %s Enable "
                               "reads 0", f->d->who, p, q->table_base ? "MSI-X" : "MSI", q->entry,
                               q->msi_bound ? "bound" : "mapped",
                               q->table_base ? "MSI-X" : "MSI");
            }
        }
    }
}

ORACLE void fz_check_all(void)
{
    for (guint k = 0; k < fz_run->devs->len; k++) {
        fz_check_policy(g_ptr_array_index(fz_run->devs, k));
    }
    check_config_sizes();
    check_msi();
    check_mappings();
    check_claims();
}

/* After @f detached: nothing of it is left in the sim (what a device that detached
 * under an injected fault left on the same host frames or ports, a lying copy with the
 * same BARs included, is that device's). */
ORACLE static void check_gone(FuzzDev *f)
{
    XptSim *sim = fz_run->sim;
    XptPtDevice *d = f->d;
    uint32_t sbdf = d->grant.host_sbdf;
    for (guint i = 0; i < sim->grants->len; i++) {
        if (((const XptHostGrant *)g_ptr_array_index(sim->grants, i))->host_sbdf == sbdf) {
            fz_oracle_fail("%s: still granted after detach", d->who);
        }
    }
    for (unsigned p = 0; p < XPT_SIM_NR_PIRQS; p++) {
        const SimPirq *q = &sim->pirqs[p];
        if (q->used && q->is_msi && q->sbdf == sbdf && !fz_ghost_sbdf(sbdf)) {
            fz_oracle_fail("%s: MSI pirq %u still mapped after detach", d->who, p);
        }
    }
    for (guint e = 0; e < sim->p2m->len; e++) {
        const SimExtent *x = &g_array_index(sim->p2m, SimExtent, e);
        for (unsigned i = 0; i < 6; i++) {
            uint64_t first, nr;
            host_frames(&f->fx->bars[i], &first, &nr);
            if (f->fx->bars[i].size && !(f->fx->bars[i].flags & XPT_HOST_REGION_IO) &&
                x->mfn < first + nr && first < x->mfn + x->nr &&
                !ghost_resource(MAX(first, x->mfn), false)) {
                fz_oracle_fail("%s: BAR %u still in the p2m after detach", d->who, i);
            }
        }
    }
    for (guint e = 0; e < sim->ioports->len; e++) {
        const SimIoport *x = &g_array_index(sim->ioports, SimIoport, e);
        for (unsigned i = 0; i < 6; i++) {
            const XptHostRegion *h = &f->fx->bars[i];
            if (h->size && (h->flags & XPT_HOST_REGION_IO) && x->mport < h->base + h->size &&
                h->base < (uint64_t)x->mport + x->nr &&
                !ghost_resource(MAX(h->base, (uint64_t)x->mport), true)) {
                fz_oracle_fail("%s: I/O BAR %u still mapped after detach", d->who, i);
            }
        }
    }
    uint32_t guest_sbdf = xpt_pci_sbdf(d->pci.devfn);
    if (sim_rs_overlaps(&sim->claims[XPT_RANGE_PCI], guest_sbdf, guest_sbdf)) {
        fz_oracle_fail("%s: guest SBDF 00:%02x.%x still claimed after detach", d->who,
                       XPT_PCI_SLOT(d->pci.devfn), XPT_PCI_FUNC(d->pci.devfn));
    }
}

static void hook_unrealize(XptPciDevice *pci)
{
    FuzzDev *f = fz_fdev(pci);
    FaultSnap s;
    fz_fault_snap(&s);
    f->orig->unrealize(pci);
    uint32_t fired = fz_fault_fired(&s);
    fz_run->fired |= fired;
    if (fired & RELEASE_OPS) {
        fz_run->detach_fault = true;
        g_ptr_array_add(fz_run->ghosts, (gpointer)f->fx);
    }
    fz_check_policy(f);             /* the writes made while detaching */
    if (!(fired & RELEASE_OPS) && !fz_is_ghost(f->fx)) {
        check_gone(f);
    }
}

static void hook_free(XptPciDevice *pci)
{
    FuzzDev *f = fz_fdev(pci);
    g_ptr_array_remove(fz_run->devs, f);
    xpt_host_policy_free(f->policy);
    f->orig->free(pci);
    g_free(f);
}

void fz_track(XptPciDevice *pci, const FuzzFixture *fx)
{
    FuzzDev *f = g_new0(FuzzDev, 1);
    f->orig = pci->klass;
    f->klass = *pci->klass;
    f->klass.unrealize = hook_unrealize;
    f->klass.free = hook_free;
    f->d = (XptPtDevice *)pci;
    f->fx = fx;
    f->policy = xpt_host_policy_new(fx->config, sizeof(fx->config));
    pci->klass = &f->klass;
    g_ptr_array_add(fz_run->devs, f);
}

/* FNV-1a over everything a device can hold in the sim (cheaper than the leak report). */
static void fnv(uint64_t *h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        *h = (*h ^ b[i]) * 0x100000001b3ull;
    }
}

ORACLE uint64_t fz_state_signature(void)
{
    XptSim *sim = fz_run->sim;
    uint64_t h = 0xcbf29ce484222325ull;
    fnv(&h, sim->p2m->data, sim->p2m->len * sizeof(SimExtent));
    fnv(&h, sim->ioports->data, sim->ioports->len * sizeof(SimIoport));
    for (unsigned t = 0; t < SIM_NR_RANGE_TYPES; t++) {
        for (guint i = 0; i < sim_rs_len(&sim->claims[t]); i++) {
            const SimRange *r = sim_rs_get(&sim->claims[t], i);
            fnv(&h, &r->s, sizeof(r->s));
            fnv(&h, &r->e, sizeof(r->e));
        }
        fnv(&h, "|", 1);
    }
    for (guint i = 0; i < sim->grants->len; i++) {
        fnv(&h, &((const XptHostGrant *)g_ptr_array_index(sim->grants, i))->host_sbdf, 4);
    }
    for (unsigned p = 0; p < XPT_SIM_NR_PIRQS; p++) {
        const SimPirq *q = &sim->pirqs[p];
        if (q->used) {
            uint64_t v[6] = { p, q->is_msi, (uint64_t)q->gsi, q->sbdf, q->msi_bound,
                              q->intx_binds };
            fnv(&h, v, sizeof(v));
        }
    }
    for (guint i = 0; i < sim->intx->len; i++) {
        const SimIntx *x = &g_array_index(sim->intx, SimIntx, i);
        uint32_t v[4] = { (uint32_t)x->pirq, x->bus, x->dev, x->intx };
        fnv(&h, v, sizeof(v));
    }
    fnv(&h, sim->isa_level, sizeof(sim->isa_level));
    return h;
}
