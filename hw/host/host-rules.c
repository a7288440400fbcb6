/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Attach-time rules shared with the readiness check; see hw/host/host-rules.h. */
#include "hw/host/host-rules.h"

#include <pci/header.h>
#include <string.h>

#include "util/error.h"

bool xpt_host_rule_bar_pages(XptHostPci *h, unsigned bar, bool unaligned_ok,
                             GError **errp)
{
    const XptHostRegion *r = xpt_host_pci_bar(h, bar);
    const char *sbdf = xpt_host_pci_sbdf(h);

    if (!r->size || (r->flags & XPT_HOST_REGION_IO)) {
        return true;
    }
    bool unaligned = (r->base & (XPT_HOST_PAGE_SIZE - 1)) ||
                     (r->size & (XPT_HOST_PAGE_SIZE - 1));
    if (unaligned && !unaligned_ok) {
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
