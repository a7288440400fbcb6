/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The attach line of a passthrough device: see hw/xen/xen-pt-describe.h. */
#include "hw/xen/xen-pt-describe.h"

#include "hw/pci/pci.h"
#include "hw/xen/xen-pt-msix.h"

/* @bytes with the largest binary unit that divides it (BARs are powers of two). */
static void append_size(GString *s, uint64_t bytes)
{
    static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
    unsigned u = 0;
    while (u + 1 < G_N_ELEMENTS(units) && bytes >= 1024 && bytes % 1024 == 0) {
        bytes /= 1024;
        u++;
    }
    g_string_append_printf(s, "%" G_GUINT64_FORMAT " %s", bytes, units[u]);
}

char *xpt_pt_describe(const XptPtDevice *d)
{
    GString *s = g_string_new(NULL);
    g_string_append_printf(s, "%s → guest 00:%02x.%x:", d->who, XPT_PCI_SLOT(d->pci.devfn),
                           XPT_PCI_FUNC(d->pci.devfn));
    bool any = false;
    for (unsigned i = 0; i < G_N_ELEMENTS(d->bars); i++) {
        const XptBar *b = &d->bars[i].bar;
        if (!b->size) {
            continue;
        }
        g_string_append(s, any ? ", " : " ");
        any = true;
        if (b->flags & XPT_BAR_ROM) {
            g_string_append(s, "ROM ");
        } else {
            g_string_append_printf(s, "BAR%u ", i);
        }
        append_size(s, b->size);
        if (b->flags & XPT_BAR_ROM) {
            continue;
        }
        g_string_append(s, b->flags & XPT_BAR_IO ? " io"
                           : b->flags & XPT_BAR_MEM64 ? " mem64" : " mem32");
        if (b->flags & XPT_BAR_PREFETCH) {
            g_string_append(s, " pref");
        }
    }
    if (!any) {
        g_string_append(s, " no BARs");
    }
    if (d->intx_pin >= 1 && d->intx_pin <= 4) {
        g_string_append_printf(s, "; INTx %c", 'A' + d->intx_pin - 1);
        if (d->intx_bound) {
            g_string_append_printf(s, " (pirq %d)", d->intx_pirq);
        }
    } else {
        g_string_append(s, "; INTx none");
    }
    if (d->msi.cap) {
        g_string_append(s, "; MSI");
    }
    if (d->msix) {
        g_string_append_printf(s, "; MSI-X %u vectors", xpt_pt_msix_nr_entries(d->msix));
    }
    return g_string_free(s, FALSE);
}
