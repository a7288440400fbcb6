/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Attach-time rules shared with the readiness check; see hw/host/host-rules.h. */
#include "hw/host/host-rules.h"

#include <pci/header.h>
#include <string.h>

#include "hw/host/host-tree.h"
#include "util/error.h"

static uint64_t page_floor(uint64_t v)
{
    return v & ~(uint64_t)(XPT_HOST_PAGE_SIZE - 1);
}

/*
 * A memory BAR smaller than a page at a page-aligned host base (EHCI 1 KiB, AHCI 2 KiB,
 * SMBus): the guest sees a 4 KiB BAR (xpt_bar_guest_size) mapped onto the whole host
 * page, so it reaches every resource in that page. Accepted only when nothing else is
 * there: none of the device's own other BARs or ROM, and no memory region of any other
 * device of the host source (hw/host/host-tree.h xpt_host_page_neighbours: libpci's
 * whole device list of the sysfs tree or dump). Otherwise one line names the neighbour
 * and the dom0 fix: Linux's pci=resource_alignment= gives the BAR a page of its own
 * (drivers/pci/pci.c pci_request_resource_alignment expands a smaller resource to the
 * alignment).
 */
static bool page_alone(XptHostPci *h, unsigned bar, const XptHostRegion *r, GError **errp)
{
    const char *sbdf = xpt_host_pci_sbdf(h);
    uint64_t page = page_floor(r->base);
    for (unsigned j = 0; j < XPT_HOST_NUM_BARS + 1; j++) {
        const XptHostRegion *o = j < XPT_HOST_NUM_BARS ? xpt_host_pci_bar(h, j)
                                                       : xpt_host_pci_rom(h);
        if (j == bar || !o->size || (o->flags & XPT_HOST_REGION_IO) ||
            page_floor(o->base) > page || page_floor(o->base + o->size - 1) < page) {
            continue;
        }
        g_set_error(errp, XPT_ERROR, XPT_ERROR_UNSUPPORTED,
                    "%s: BAR %u (0x%" G_GINT64_MODIFIER "x, %" G_GUINT64_FORMAT " bytes) "
                    "shares its 4 KiB page with the device's own %s%u (0x%" G_GINT64_MODIFIER
                    "x), which would then be mapped twice; boot dom0's Linux with "
                    "pci=resource_alignment=%s", sbdf, bar, r->base, r->size,
                    j < XPT_HOST_NUM_BARS ? "BAR " : "ROM", j < XPT_HOST_NUM_BARS ? j : 0,
                    o->base, sbdf);
        return false;
    }
    g_autoptr(GError) err = NULL;
    g_autoptr(GArray) n = xpt_host_page_neighbours(h, page, XPT_HOST_PAGE_SIZE, &err);
    if (!n) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_UNSUPPORTED,
                    "%s: BAR %u (%" G_GUINT64_FORMAT " bytes) is smaller than a page and the "
                    "other devices sharing its page cannot be listed (%s); boot dom0's "
                    "Linux with pci=resource_alignment=%s", sbdf, bar, r->size, err->message,
                    sbdf);
        return false;
    }
    if (n->len) {
        const XptHostNeighbour *x = &g_array_index(n, XptHostNeighbour, 0);
        g_set_error(errp, XPT_ERROR, XPT_ERROR_UNSUPPORTED,
                    "%s: BAR %u (0x%" G_GINT64_MODIFIER "x, %" G_GUINT64_FORMAT " bytes) "
                    "shares its 4 KiB page with %s %s (0x%" G_GINT64_MODIFIER "x), which "
                    "the guest would reach; boot dom0's Linux with pci=resource_alignment=%s "
                    "so that the BAR gets a page of its own", sbdf, bar, r->base, r->size,
                    x->sbdf, xpt_host_region_name(x->region), x->base, sbdf);
        return false;
    }
    return true;
}

bool xpt_host_rule_bar_pages(XptHostPci *h, unsigned bar, bool unaligned_ok,
                             GError **errp)
{
    const XptHostRegion *r = xpt_host_pci_bar(h, bar);
    const char *sbdf = xpt_host_pci_sbdf(h);

    if (!r->size || (r->flags & XPT_HOST_REGION_IO)) {
        return true;
    }
    if (r->size < 16) {
        /* PCI LB 3.0 §6.2.5.1: bits 3:0 of a memory BAR are flags, so it decodes at
         * least 16 bytes; a smaller size is a host that lies. */
        g_set_error(errp, XPT_ERROR, XPT_ERROR_UNSUPPORTED,
                    "%s: BAR %u claims %" G_GUINT64_FORMAT " bytes, less than the 16 bytes "
                    "any memory BAR decodes; the host's resource data is wrong", sbdf, bar,
                    r->size);
        return false;
    }
    /* unaligned: the base, or the end of a BAR of a page or more, is off a page
     * boundary; sub-page: a smaller BAR at a page-aligned base (page_alone) */
    bool unaligned = (r->base & (XPT_HOST_PAGE_SIZE - 1)) ||
                     (r->size >= XPT_HOST_PAGE_SIZE && (r->size & (XPT_HOST_PAGE_SIZE - 1)));
    bool sub_page = !unaligned && r->size < XPT_HOST_PAGE_SIZE;
    if (unaligned_ok) {
        return true;
    }
    if (sub_page) {
        return page_alone(h, bar, r, errp);
    }
    if (unaligned) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_UNSUPPORTED,
                    "%s: BAR %u (0x%" G_GINT64_MODIFIER "x, %" G_GUINT64_FORMAT
                    " bytes) is not page-aligned, so the guest would reach another "
                    "device's registers; boot dom0's Linux with pci=resource_alignment=%s "
                    "so that it page-aligns the BAR (a -device given by hand may "
                    "instead take unaligned-bars=on, unsafe; xl cannot pass it)",
                    sbdf, bar, r->base, r->size, sbdf);
        return false;
    }
    return true;
}

bool xpt_host_rule_msix_table(XptHostPci *h, unsigned cap, const char *who,
                              XptHostMsixTable *t, GError **errp)
{
    uint32_t ctrl, table, pba;   /* Message Control at cap + 2 (PCI LB 3.0 §6.8.2.3) */

    memset(t, 0, sizeof(*t));
    if (!xpt_host_pci_read(h, cap + 2, 2, &ctrl, errp) ||
        !xpt_host_pci_read(h, cap + PCI_MSIX_TABLE, 4, &table, errp) ||
        !xpt_host_pci_read(h, cap + PCI_MSIX_PBA, 4, &pba, errp)) {
        g_prefix_error(errp, "%s: MSI-X capability at 0x%02x: ", who, cap);
        return false;
    }
    t->cap = cap;
    t->ctrl = (uint16_t)ctrl;
    t->nr = (ctrl & PCI_MSIX_TABSIZE) + 1;
    t->bir = table & PCI_MSIX_BIR;
    t->table_off = table & ~(uint32_t)PCI_MSIX_BIR;
    t->table_len = (uint64_t)t->nr * 16u;
    t->pba = pba;
    const XptHostRegion *r = t->bir < XPT_HOST_NUM_BARS ? xpt_host_pci_bar(h, t->bir)
                                                        : NULL;
    const char *why = !r ? "names no BAR (BIR 6 or 7)"
                    : !r->size ? "is in a BAR the device does not implement"
                    : (r->flags & XPT_HOST_REGION_IO) ? "is in an I/O BAR"
                    : t->table_off + t->table_len > r->size ? "does not fit in its BAR"
                    : NULL;
    if (why) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_UNSUPPORTED,
                    "%s: MSI-X table (BIR %u, offset 0x%" G_GINT64_MODIFIER "x, %u entries) "
                    "%s; the device cannot be passed through", who, t->bir, t->table_off,
                    t->nr, why);
        return false;
    }
    return true;
}
