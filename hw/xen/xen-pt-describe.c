/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The attach line of a passthrough device: see hw/xen/xen-pt-describe.h. */
#include "hw/xen/xen-pt-describe.h"

#include "hw/pci/pci.h"
#include "hw/xen/xen-pt-msix.h"

/* @v in decimal. The line is built without printf, which costs about 1,400
 * instructions a call through GString (a line per attached device; issue 15). */
static void append_uint(GString *s, uint64_t v)
{
    char buf[20];   /* 2^64 - 1 has 20 digits */
    size_t n = sizeof(buf);
    do {
        buf[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    g_string_append_len(s, buf + n, (gssize)(sizeof(buf) - n));
}

/* @bytes with the largest binary unit that divides it (BARs are powers of two). */
static void append_size(GString *s, uint64_t bytes)
{
    static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
    unsigned u = 0;
    while (u + 1 < G_N_ELEMENTS(units) && bytes >= 1024 && bytes % 1024 == 0) {
        bytes /= 1024;
        u++;
    }
    append_uint(s, bytes);
    g_string_append_c(s, ' ');
    g_string_append(s, units[u]);
}

char *xpt_pt_describe(const XptPtDevice *d)
{
    static const char hex[] = "0123456789abcdef";
    GString *s = g_string_sized_new(128);
    unsigned slot = XPT_PCI_SLOT(d->pci.devfn), fn = XPT_PCI_FUNC(d->pci.devfn);
    /* "%s → guest 00:%02x.%x:" */
    g_string_append(s, d->who);
    g_string_append(s, " → guest 00:");
    g_string_append_c(s, hex[slot >> 4]);
    g_string_append_c(s, hex[slot & 0xf]);
    g_string_append_c(s, '.');
    g_string_append_c(s, hex[fn]);
    g_string_append_c(s, ':');
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
            g_string_append(s, "BAR");
            append_uint(s, i);
            g_string_append_c(s, ' ');
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
        g_string_append(s, "; INTx ");
        g_string_append_c(s, (char)('A' + d->intx_pin - 1));
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
        g_string_append(s, "; MSI-X ");
        append_uint(s, xpt_pt_msix_nr_entries(d->msix));
        g_string_append(s, " vectors");
    }
    return g_string_free(s, FALSE);
}
