/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * BARs and expansion ROM of xen-pci-passthrough (SPEC §6): guest BAR sizes from the host,
 * the unaligned-BAR refusal, and remapping guest placements onto host BARs through the
 * hypervisor (xc_domain_memory_mapping / xc_domain_ioport_mapping), page-granular, minus
 * the MSI-X table pages. The ROM is an emulated MMIO range served from a copy of its
 * image (reference/xen-abi.md §Call sequences "Guest programs a BAR").
 */
#include "hw/xen/xen-pt.h"

#include <string.h>

#include "hw/host/host-rules.h"
#include "util/error.h"
#include "util/log.h"

#define PCI_CAP_ID_MSIX 0x11

static uint64_t page_floor(uint64_t v)
{
    return v & ~(XPT_PAGE_SIZE - 1);
}

/* Pages of BAR @bir holding the MSI-X table: never mapped to the guest (invariant 10). */
static void msix_carve_out(XptPtDevice *d)
{
    unsigned cap = xpt_host_pci_find_cap(d->host, PCI_CAP_ID_MSIX);
    if (!cap) {
        return;
    }
    uint32_t ctrl, table;
    if (!xpt_host_pci_read(d->host, cap + 2, 2, &ctrl, NULL) ||
        !xpt_host_pci_read(d->host, cap + 4, 4, &table, NULL)) {
        return;
    }
    unsigned bir = table & 7;
    uint64_t offset = table & ~7u;
    uint64_t entries = (ctrl & 0x7FF) + 1;
    if (bir >= 6 || !d->bars[bir].bar.size) {
        return;
    }
    XptPtBar *b = &d->bars[bir];
    uint64_t end = offset + entries * 16;       /* bounded: ≤ 2048 entries × 16 bytes */
    if (offset >= b->bar.size) {
        return;
    }
    b->has_skip = true;
    b->skip_first = page_floor(offset);
    b->skip_last = page_floor(MIN(end, b->bar.size) - 1);
}

bool xpt_pt_bars_init(XptPtDevice *d, GError **errp)
{
    for (unsigned i = 0; i < 6; i++) {
        const XptHostRegion *h = xpt_host_pci_bar(d->host, i);
        XptPtBar *b = &d->bars[i];
        b->host = h;
        if (!h->size) {
            continue;
        }
        uint32_t flags = 0;
        flags |= (h->flags & XPT_HOST_REGION_IO) ? XPT_BAR_IO : 0;
        flags |= (h->flags & XPT_HOST_REGION_MEM64) ? XPT_BAR_MEM64 : 0;
        flags |= (h->flags & XPT_HOST_REGION_PREFETCH) ? XPT_BAR_PREFETCH : 0;
        /* The rule the readiness check reports too (hw/host/host-rules.h). */
        if (!xpt_host_rule_bar_pages(d->host, i, d->props.unaligned_bars, errp)) {
            return false;
        }
        b->bar.flags = flags;
        b->bar.size = xpt_bar_guest_size(h->size, flags);
        if (flags & XPT_BAR_MEM64) {
            i++;    /* the upper half is part of this BAR */
            if (i < 6) {
                d->bars[i].host = xpt_host_pci_bar(d->host, i);
            }
        }
    }
    const XptHostRegion *rom = xpt_host_pci_rom(d->host);
    XptPtBar *rb = &d->bars[XPT_PT_ROM_INDEX];
    rb->host = rom;
    if (d->props.rombar && (rom->size || d->rom_len)) {
        uint64_t size = MAX(rom->size, (uint64_t)d->rom_len);
        rb->bar.flags = XPT_BAR_ROM;
        rb->bar.size = xpt_bar_guest_size(size, XPT_BAR_ROM);
    }
    msix_carve_out(d);
    return true;
}

/* ---- host BAR layout (issue 13 item 2) ------------------------------------------------ */

/* One host BAR of an attached (or attaching) device, as its mapping would use it. */
typedef struct HostSpan {
    const XptPtDevice *d;
    unsigned bar;
    bool io;
    uint64_t s, e;                   /* bytes or ports, inclusive */
    uint64_t fs, fe;                 /* memory: host frames for_each_piece maps, inclusive */
    bool table;                      /* the MSI-X table's BAR: tfs–tfe are never mapped */
    uint64_t tfs, tfe;
} HostSpan;

/* Append @d's spans (6 at most: its BARs 0-5) at @spans + *n. */
static void add_spans(HostSpan *spans, size_t *n, const XptPtDevice *d)
{
    for (unsigned i = 0; i < 6; i++) {
        const XptPtBar *b = &d->bars[i];
        if (!b->bar.size || !b->host || !b->host->size) {
            continue;
        }
        const XptHostRegion *h = b->host;
        uint64_t pages = (h->size + XPT_PAGE_SIZE - 1) >> XPT_PAGE_SHIFT;
        HostSpan x = {
            .d = d, .bar = i, .io = b->bar.flags & XPT_BAR_IO, .s = h->base,
            .e = h->base + h->size - 1 < h->base ? UINT64_MAX : h->base + h->size - 1,
            .fs = h->base >> XPT_PAGE_SHIFT,
            .fe = (h->base + ((pages - 1) << XPT_PAGE_SHIFT)) >> XPT_PAGE_SHIFT,
            .table = b->has_skip,
            .tfs = (h->base + b->skip_first) >> XPT_PAGE_SHIFT,
            .tfe = (h->base + b->skip_last) >> XPT_PAGE_SHIFT,
        };
        spans[(*n)++] = x;
    }
}

static char *span_name(const HostSpan *x, const XptPtDevice *self)
{
    return g_strdup_printf("%s %u (%s0x%" G_GINT64_MODIFIER "x-0x%" G_GINT64_MODIFIER "x)%s%s",
                           x->io ? "I/O BAR" : "BAR", x->bar, x->io ? "ports " : "", x->s,
                           x->e, x->d == self ? "" : " of ", x->d == self ? "" : x->d->who);
}

/* Whether the frames @a maps (all of them, its table pages excepted) reach @b's table. */
static bool maps_table_of(const HostSpan *a, const HostSpan *b)
{
    if (a->io || b->io || !b->table || (a->d == b->d && a->bar == b->bar)) {
        return false;
    }
    return a->fs <= b->tfe && b->tfs <= a->fe;
}

/* Span @a of @d against span @b (of @d, or of another device; @later: @b comes after
 * @a in the order the spans are checked, so the symmetric tests are made once). */
static bool check_pair(XptPtDevice *d, const HostSpan *a, const HostSpan *b, bool later,
                       GError **errp)
{
    if (a == b || a->io != b->io) {
        return true;
    }
    /* unaligned-bars=on (either device) accepts sharing a page, nothing more */
    bool shared_page_ok = d->props.unaligned_bars || b->d->props.unaligned_bars;
    const char *why = NULL;
    if (later && a->s <= b->e && b->s <= a->e) {
        why = "overlaps";
    } else if (later && !a->io && !shared_page_ok && a->fs <= b->fe && b->fs <= a->fe) {
        why = "shares a host page with";
    } else if (maps_table_of(a, b) || maps_table_of(b, a)) {
        why = "maps the MSI-X table page of";
    }
    if (!why) {
        return true;
    }
    bool table = why[0] == 'm';
    const HostSpan *p = table && maps_table_of(b, a) && !maps_table_of(a, b) ? b : a;
    const HostSpan *q = p == a ? b : a;
    g_autofree char *pn = span_name(p, d), *qn = span_name(q, d);
    g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                "%s: host %s %s %s: the host's BAR layout is broken (the guest "
                "would reach the same registers twice, or the MSI-X table); "
                "fix the host's resource assignment (lspci -vv shows it) or pass "
                "through another device", d->who, pn, why, qn);
    return false;
}

bool xpt_pt_bars_check_host(XptPtDevice *d, const XptPtDevice *const *others, size_t n,
                            GError **errp)
{
    /* Each of @d's spans against @d's other spans, then against each other device's in
     * turn: the spans live on the stack, 6 at most per device, instead of an array of
     * every device's grown span by span at each attach (issue 15). */
    HostSpan own[6], other[6];
    size_t n_own = 0;
    add_spans(own, &n_own, d);
    for (size_t i = 0; i < n_own; i++) {
        for (size_t j = 0; j < n_own; j++) {
            if (!check_pair(d, &own[i], &own[j], j > i, errp)) {
                return false;
            }
        }
        for (size_t k = 0; k < n; k++) {
            size_t n_other = 0;
            add_spans(other, &n_other, others[k]);
            for (size_t j = 0; j < n_other; j++) {
                if (!check_pair(d, &own[i], &other[j], true, errp)) {
                    return false;
                }
            }
        }
    }
    return true;
}

static uint32_t bar_reg(XptPtDevice *d, unsigned addr)
{
    XptReg *r = xpt_regfile_reg(&d->regs, addr);
    return r ? r->val : 0;
}

/* Where the guest placed BAR @i now, and whether it should be decoded. */
static bool bar_target(XptPtDevice *d, unsigned i, uint64_t *addr)
{
    XptPtBar *b = &d->bars[i];
    if (!b->bar.size) {
        return false;
    }
    uint16_t cmd = d->guest_cmd;
    if (i == XPT_PT_ROM_INDEX) {
        uint32_t lo = bar_reg(d, XPT_PCI_ROM_ADDRESS);
        *addr = xpt_bar_address(&b->bar, lo, 0);
        return (cmd & XPT_PCI_COMMAND_MEMORY) && (lo & XPT_PCI_ROM_ENABLE) &&
               xpt_bar_address_usable(&b->bar, *addr);
    }
    uint32_t lo = bar_reg(d, XPT_PCI_BAR0 + 4 * i);
    uint32_t hi = (b->bar.flags & XPT_BAR_MEM64) && i < 5 ? bar_reg(d, XPT_PCI_BAR0 + 4 * (i + 1)) : 0;
    *addr = xpt_bar_address(&b->bar, lo, hi);
    bool decode = (b->bar.flags & XPT_BAR_IO) ? (cmd & XPT_PCI_COMMAND_IO)
                                              : (cmd & XPT_PCI_COMMAND_MEMORY);
    return decode && xpt_bar_address_usable(&b->bar, *addr);
}

/*
 * Map or unmap the page runs of a memory BAR around the MSI-X table pages (at most
 * two), keeping b->runs_mapped in step with the p2m: a removal only removes the runs
 * still mapped (so that a retry after a partial failure does not fail on the run already
 * gone), and a failed add rolls back the first run.
 */
static bool for_each_piece(XptPtDevice *d, XptPtBar *b, uint64_t gaddr, bool add, GError **errp)
{
    uint64_t host_pages = (b->host->size + XPT_PAGE_SIZE - 1) >> XPT_PAGE_SHIFT;
    uint64_t pieces[2][2] = { { 0, host_pages << XPT_PAGE_SHIFT }, { 0, 0 } };
    if (b->has_skip) {
        pieces[0][1] = b->skip_first;
        pieces[1][0] = b->skip_last + XPT_PAGE_SIZE;
        pieces[1][1] = host_pages << XPT_PAGE_SHIFT;
    }
    for (unsigned p = 0; p < 2; p++) {
        uint64_t start = pieces[p][0], end = pieces[p][1];
        if (end <= start || (!add && !(b->runs_mapped & (1u << p)))) {
            continue;
        }
        if (!xpt_hv_memory_mapping(d->machine->hv, d->who, (gaddr + start) >> XPT_PAGE_SHIFT,
                                   (b->host->base + start) >> XPT_PAGE_SHIFT,
                                   (end - start) >> XPT_PAGE_SHIFT, add, errp)) {
            if (add && (b->runs_mapped & 1u) &&
                xpt_hv_memory_mapping(d->machine->hv, d->who, gaddr >> XPT_PAGE_SHIFT,
                                      b->host->base >> XPT_PAGE_SHIFT,
                                      (pieces[0][1] - pieces[0][0]) >> XPT_PAGE_SHIFT,
                                      false, NULL)) {
                b->runs_mapped &= ~1u;   /* rolled back: nothing is left half-mapped */
            }
            return false;
        }
        if (add) {
            b->runs_mapped |= 1u << p;
        } else {
            b->runs_mapped &= ~(1u << p);
        }
    }
    return true;
}

static uint64_t rom_read(void *opaque, uint64_t offset, unsigned size)
{
    XptPtDevice *d = opaque;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        uint64_t byte = offset + i < d->rom_len ? d->rom_data[offset + i] : 0xFF;
        v |= byte << (8 * i);
    }
    return v;
}

static void rom_write(void *opaque, uint64_t offset, uint64_t val, unsigned size)
{
    /* ROM: writes are ignored. */
}

static const XptIoOps rom_ops = { .read = rom_read, .write = rom_write };

static bool map_bar(XptPtDevice *d, unsigned i, uint64_t addr, bool add, GError **errp)
{
    XptPtBar *b = &d->bars[i];
    if (i == XPT_PT_ROM_INDEX) {
        if (!add) {
            xpt_dispatcher_del_region(d->machine->disp, &d->rom_region);
            return true;
        }
        d->rom_region = (XptIoRegion){
            .name = d->who, .type = XPT_RANGE_MEMORY, .base = addr, .size = b->bar.size,
            .ops = &rom_ops, .opaque = d,
        };
        return xpt_dispatcher_add_region(d->machine->disp, &d->rom_region, errp);
    }
    if (b->bar.flags & XPT_BAR_IO) {
        return xpt_hv_ioport_mapping(d->machine->hv, d->who, (uint32_t)addr,
                                     (uint32_t)b->host->base, (uint32_t)b->host->size, add,
                                     errp);
    }
    return for_each_piece(d, b, addr, add, errp);
}

void xpt_pt_bars_update(XptPtDevice *d)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(d->bars); i++) {
        XptPtBar *b = &d->bars[i];
        uint64_t addr = 0;
        bool want = bar_target(d, i, &addr);
        if (b->mapped && (!want || addr != b->mapped_addr)) {
            g_autoptr(GError) err = NULL;
            if (!map_bar(d, i, b->mapped_addr, false, &err)) {
                /* Still (partly) mapped there: keep the record so that the next update
                 * or the detach retries, and map nothing new on top of it (found by the
                 * fuzzer: forgetting it leaked the mapping past the detach). */
                xpt_warn_ratelimited(&d->map_rl, "%s; retried at the next change",
                                     err->message);
                continue;
            }
            b->mapped = false;
            if (i < 6) {
                xpt_pt_msix_bar_mapped(d, i, false, 0);
            }
        }
        if (want && !b->mapped) {
            g_autoptr(GError) err = NULL;
            if (map_bar(d, i, addr, true, &err)) {
                b->mapped = true;
                b->mapped_addr = addr;
                if (i < 6) {
                    xpt_pt_msix_bar_mapped(d, i, true, addr);
                }
            } else {
                xpt_warn_ratelimited(&d->map_rl, "%s: %s %u at 0x%" G_GINT64_MODIFIER
                                     "x not mapped: %s", d->who,
                                     i == XPT_PT_ROM_INDEX ? "ROM" : "BAR",
                                     i == XPT_PT_ROM_INDEX ? 6 : i, addr, err->message);
                if (b->runs_mapped) {
                    /* the rollback failed too: record what is left, to be removed */
                    b->mapped = true;
                    b->mapped_addr = addr;
                }
            }
        }
    }
}

void xpt_pt_bars_release(XptPtDevice *d)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(d->bars); i++) {
        XptPtBar *b = &d->bars[i];
        if (b->mapped) {
            g_autoptr(GError) err = NULL;
            if (!map_bar(d, i, b->mapped_addr, false, &err)) {
                xpt_warn_report("%s; will retry", err->message);
                continue;    /* still mapped: the record stays, a later release retries */
            }
            b->mapped = false;
            if (i < 6) {
                xpt_pt_msix_bar_mapped(d, i, false, 0);
            }
        }
    }
}
