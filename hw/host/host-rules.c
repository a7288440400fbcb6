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

/* A config register of @h for the rules below; all-ones if it cannot be read. */
static uint32_t host_rd(XptHostPci *h, unsigned offset, unsigned len)
{
    uint32_t v;
    xpt_host_pci_read(h, offset, len, &v, NULL);
    return v;
}

static const char *pcie_type_name(unsigned type)
{
    switch (type) {
    case PCI_EXP_TYPE_ROOT_PORT: return "root port";
    case PCI_EXP_TYPE_UPSTREAM: return "switch upstream port";
    case PCI_EXP_TYPE_DOWNSTREAM: return "switch downstream port";
    case PCI_EXP_TYPE_PCI_BRIDGE: return "PCIe-to-PCI bridge";
    case PCI_EXP_TYPE_PCIE_BRIDGE: return "PCI-to-PCIe bridge";
    case PCI_EXP_TYPE_ROOT_EC: return "root complex event collector";
    default: return "non-endpoint function";
    }
}

/*
 * Bridge functions of class 0x06 with a type-0 header (issue 13 item 12): the name of
 * subclass @sub if it is a system bridge that must stay with the host, or NULL (0x80,
 * "other bridge", is what vendors give endpoint devices such as FPGA and accelerator
 * boards; Xen treats it as an endpoint). Subclasses from the PCI Code and ID Assignment
 * Specification r1.12 §1.7; 0x04, 0x07 and 0x09 have type-1/2 headers, refused above.
 *  - host bridges: Xen 4.17 refuses to assign one to any domain but dom0
 *    (xen/drivers/passthrough/vtd/iommu.c domain_context_mapping: -EPERM for
 *    DEV_TYPE_PCI_HOST_BRIDGE, which pci.c pdev_type gives class 0x0600); QEMU's IGD
 *    passthrough copies the host ISA/LPC bridge's IDs into an emulated one rather than
 *    pass it (hw/xen/xen_pt_graphics.c, igd-passthrough-isa-bridge);
 *  - ISA/LPC, EISA, MicroChannel, PCMCIA, NuBus, RACEway bridges forward the host's
 *    legacy ports and memory windows (the keyboard controller, RTC, ... behind an LPC
 *    bridge; PC Card windows) from outside their BARs, which a guest cannot be given.
 */
static const char *system_bridge_name(unsigned sub)
{
    switch (sub) {
    case 0x00: return "a host bridge";
    case 0x01: return "an ISA/LPC bridge";
    case 0x02: return "an EISA bridge";
    case 0x03: return "a MicroChannel bridge";
    case 0x05: return "a PCMCIA bridge";
    case 0x06: return "a NuBus bridge";
    case 0x08: return "a RACEway bridge";
    case 0x0a: return "an InfiniBand-to-PCI host bridge";
    case 0x0b: return "an Advanced Switching-to-PCI host bridge";
    case 0x80: return NULL;
    default: return "a bridge of an unknown kind";
    }
}

/* Refuse bridges, CardBus bridges, system bridges (class 0x06) and PCI Express ports. */
static bool check_passthrough_type(XptHostPci *h, const char *sbdf, GError **errp)
{
    unsigned htype = host_rd(h, PCI_HEADER_TYPE, 1) & 0x7f;

    if (htype == 1) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_UNSUPPORTED,
                    "%s: cannot pass through a PCI bridge (header type 1); pass through "
                    "the devices behind it instead", sbdf);
        return false;
    }
    if (htype == 2) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_UNSUPPORTED,
                    "%s: cannot pass through a CardBus bridge (header type 2); pass "
                    "through the devices behind it instead", sbdf);
        return false;
    }
    if (htype != PCI_HEADER_TYPE_NORMAL) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_UNSUPPORTED,
                    "%s: cannot pass through a device with unknown header type %u; only "
                    "endpoints (header type 0) can be passed through", sbdf, htype);
        return false;
    }

    unsigned pcie = xpt_host_pci_find_cap(h, PCI_CAP_ID_EXP);
    if (pcie) {
        unsigned type = (host_rd(h, pcie + PCI_EXP_FLAGS, 2) & PCI_EXP_FLAGS_TYPE) >> 4;
        if (type != PCI_EXP_TYPE_ENDPOINT && type != PCI_EXP_TYPE_LEG_END &&
            type != PCI_EXP_TYPE_ROOT_INT_EP) {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_UNSUPPORTED,
                        "%s: cannot pass through a PCI Express %s (device/port type %u); "
                        "pass through an endpoint instead", sbdf,
                        pcie_type_name(type), type);
            return false;
        }
    }
    if (host_rd(h, PCI_CLASS_DEVICE + 1, 1) == PCI_BASE_CLASS_BRIDGE) {
        unsigned sub = host_rd(h, PCI_CLASS_DEVICE, 1);
        const char *name = system_bridge_name(sub);
        if (name) {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_UNSUPPORTED,
                        "%s: cannot pass through %s (class 06/%02x): it is part of the "
                        "host's chipset and forwards host resources outside its BARs; "
                        "pass through endpoint devices only", sbdf, name, sub);
            return false;
        }
    }
    return true;
}

/*
 * Refuse Intel's integrated GPU (vendor 0x8086, VGA class 0x0300, at host 0000:00:02.0,
 * where every Intel IGD sits): a guest driver for it (i915) needs the VGA BIOS, the
 * legacy VGA ranges, the OpRegion and the host bridge's stolen-memory registers, which
 * QEMU provides only with igd-passthru=on (hw/xen/xen_pt_graphics.c) and xen-pt-dm does
 * not provide at all; attached as a plain device it would be handed to a driver that
 * cannot start it.
 */
static bool check_not_igd(XptHostPci *h, const char *sbdf, GError **errp)
{
    if (strcmp(sbdf, "0000:00:02.0") == 0 && host_rd(h, PCI_VENDOR_ID, 2) == 0x8086 &&
        host_rd(h, PCI_CLASS_DEVICE, 2) == 0x0300) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_UNSUPPORTED,
                    "%s: cannot pass through Intel's integrated GPU (IGD): it needs the "
                    "VGA BIOS, legacy VGA ranges and OpRegion, which xen-pt-dm does not "
                    "provide; use a device model with IGD support (QEMU, gfx_passthru=1)",
                    sbdf);
        return false;
    }
    return true;
}

bool xpt_host_rule_device_kind(XptHostPci *h, GError **errp)
{
    const char *sbdf = xpt_host_pci_sbdf(h);
    return check_passthrough_type(h, sbdf, errp) && check_not_igd(h, sbdf, errp);
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
