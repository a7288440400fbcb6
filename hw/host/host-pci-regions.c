/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A host device's BARs and expansion ROM as it is opened (hw/host/host-pci-int.h): from
 * libpci's sysfs view, or from a dump's hex rows and -vv sizes (bounded by the dump's
 * layout where a size is missing), then refused if no toolstack could grant them.
 */
#include "hw/host/host-pci-int.h"

#include "hw/host/dump-layout.h"
#include "hw/host/dump-source.h"
#include "hw/host/host-dump.h"
#include "util/bytes.h"
#include "util/error.h"
#include "util/log.h"

/*
 * One warning naming the BARs the host left unassigned (address 0), which the guest sees
 * as absent BARs (reading 0, PCI LB 3.0 §6.2.5.1): a BAR at 0 decodes nothing (the kernel could not place it), and
 * mapping it would hand the guest host frames from mfn 0 or ports from 0. libxl grants
 * a domain only the resource lines whose start is not 0 (tools/libs/light/libxl_pci.c
 * do_pci_add, Xen 4.17), so the device model must not map them either.
 */
static void warn_unassigned(const XptHostPci *h, const GString *names)
{
    if (names && names->len) {
        xpt_warn_report("%s: %s unassigned on the host (address 0): treated as not "
                        "implemented and hidden from the guest; have dom0 assign it "
                        "(e.g. boot with pci=realloc) if the guest needs it", h->sbdf,
                        names->str);
    }
}

/* @name appended to *@names, which is made at the first (a device with every BAR
 * assigned makes none: issue 15). */
static void note_unassigned(GString **names, const char *name)
{
    if (!*names) {
        *names = g_string_new(NULL);
    }
    g_string_append_printf(*names, "%s%s", (*names)->len ? ", " : "", name);
}

/* Regions from libpci's sysfs view: bases, sizes and PCI_IORESOURCE_* flags. */
void xpt_host_pci_regions_from_sysfs(XptHostPci *h, int known)
{
    struct pci_dev *d = h->dev;
    g_autoptr(GString) unassigned = NULL;

    for (unsigned i = 0; i < XPT_HOST_NUM_BARS; i++) {
        XptHostRegion *r = &h->bars[i];
        pciaddr_t base = d->base_addr[i];

        if (!d->size[i]) {
            continue;
        }
        bool is_io = (known & PCI_FILL_IO_FLAGS) ? (d->flags[i] & PCI_IORESOURCE_IO)
                                                 : (base & PCI_BASE_ADDRESS_SPACE_IO);
        if (!(base & (is_io ? PCI_ADDR_IO_MASK : PCI_ADDR_MEM_MASK))) {
            g_autofree char *name = g_strdup_printf("BAR%u", i);
            note_unassigned(&unassigned, name);
            continue;
        }
        if (known & PCI_FILL_IO_FLAGS) {
            r->flags |= (d->flags[i] & PCI_IORESOURCE_IO) ? XPT_HOST_REGION_IO : 0;
            r->flags |= (d->flags[i] & PCI_IORESOURCE_MEM_64) ? XPT_HOST_REGION_MEM64 : 0;
            r->flags |= (d->flags[i] & PCI_IORESOURCE_PREFETCH) ?
                        XPT_HOST_REGION_PREFETCH : 0;
        } else if (base & PCI_BASE_ADDRESS_SPACE_IO) {
            r->flags = XPT_HOST_REGION_IO;
        } else {
            r->flags |= (base & PCI_BASE_ADDRESS_MEM_TYPE_MASK) ==
                        PCI_BASE_ADDRESS_MEM_TYPE_64 ? XPT_HOST_REGION_MEM64 : 0;
            r->flags |= (base & PCI_BASE_ADDRESS_MEM_PREFETCH) ?
                        XPT_HOST_REGION_PREFETCH : 0;
        }
        if (r->flags & XPT_HOST_REGION_IO) {
            r->flags &= XPT_HOST_REGION_IO;
        }
        r->base = base & ((r->flags & XPT_HOST_REGION_IO) ? PCI_ADDR_IO_MASK
                                                           : PCI_ADDR_MEM_MASK);
        r->size = d->size[i];
    }
    if (d->rom_size) {
        h->rom.base = d->rom_base_addr & PCI_ROM_ADDRESS_MASK;
        h->rom.size = d->rom_size;
    }
    warn_unassigned(h, unassigned);
}

/*
 * Upper bound of region @index (BAR 0-5 or XPT_DUMP_LAYOUT_ROM, named @name, at @base)
 * from the dump's layout (built once per dump source, hw/host/dump-source.h).
 */
static bool dump_bound(XptHostPci *h, const char *file, unsigned index, const char *name,
                       uint64_t base, uint64_t *size, GError **errp)
{
    g_autoptr(GError) why = NULL;
    const XptDumpLayout *layout = xpt_dump_source_layout(h->dump, errp);

    if (!layout) {
        g_prefix_error(errp, "%s: ", h->sbdf);
        return false;
    }
    if (!xpt_dump_layout_bound(layout, h->segment, h->bus, h->devfn, index, size, &why)) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "%s: %s (0x%" G_GINT64_MODIFIER "x) has no [size=] in dump %s and "
                    "the dump's layout gives no upper bound for it (%s); capture the "
                    "dump with `lspci -vv -xxxx` as root so every Region line carries "
                    "its size", h->sbdf, name, base, file, why->message);
        return false;
    }
    return true;
}

/*
 * Regions of a dump: flags from the BAR values in the hex rows, bases from libpci,
 * sizes from the -vv text. An assigned region without a size (a BAR with a non-zero
 * base, or the ROM if its base is not 0) gets the upper bound that the dump's layout
 * gives (hw/host/dump-layout.h), reported in one warning. An unassigned BAR without a
 * size, or a region the layout does not bound, is an error.
 */
bool xpt_host_pci_regions_from_dump(XptHostPci *h, const char *file, GError **errp)
{
    struct pci_dev *d = h->dev;
    XptDumpSizes sizes;
    g_autoptr(GString) bounded = g_string_new(NULL);
    g_autoptr(GString) unassigned = NULL;

    if (!xpt_host_dump_index_sizes(xpt_dump_source_index(h->dump), file, h->sbdf, h->segment,
                                   h->bus, h->devfn >> 3, h->devfn & 7, &sizes, errp)) {
        return false;
    }
    for (unsigned i = 0; i < XPT_HOST_NUM_BARS; i++) {
        XptHostRegion *r = &h->bars[i];
        uint32_t raw = (uint32_t)xpt_le_load(h->config + PCI_BASE_ADDRESS_0 + 4 * i, 4);
        uint64_t value = raw;
        bool is64 = false;

        if (raw & PCI_BASE_ADDRESS_SPACE_IO) {
            r->flags = XPT_HOST_REGION_IO;
        } else if ((raw & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64) {
            if (i == XPT_HOST_NUM_BARS - 1) {
                g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                            "%s: BAR5 (0x%08x) claims to be 64-bit but has no upper "
                            "half; the dump %s is corrupt", h->sbdf, raw, file);
                return false;
            }
            is64 = true;
            value |= xpt_le_load(h->config + PCI_BASE_ADDRESS_0 + 4 * (i + 1), 4) << 32;
            r->flags = XPT_HOST_REGION_MEM64;
        }
        if (!(raw & PCI_BASE_ADDRESS_SPACE_IO) && (raw & PCI_BASE_ADDRESS_MEM_PREFETCH)) {
            r->flags |= XPT_HOST_REGION_PREFETCH;
        }

        uint64_t base = d->base_addr[i] & ((r->flags & XPT_HOST_REGION_IO)
                                           ? PCI_ADDR_IO_MASK : PCI_ADDR_MEM_MASK);
        uint64_t size = sizes.bar[i];
        if (size && !base) {
            /* Unassigned (address 0): absent to the guest, as for sysfs. Without a size it
             * stays the error below: the dump must be captured again anyway. */
            g_autofree char *name = g_strdup_printf("BAR%u", i);
            note_unassigned(&unassigned, name);
            r->flags = 0;
            if (is64) {
                i++;
            }
            continue;
        }
        if (!size && value) {
            if (!base) {
                g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                            "%s: BAR%u (0x%" G_GINT64_MODIFIER "x) has no [size=] in "
                            "dump %s and is unassigned; capture the dump with `lspci -vv "
                            "-xxxx` as root so every Region line carries its size",
                            h->sbdf, i, value, file);
                return false;
            }
            g_autofree char *name = g_strdup_printf("BAR%u", i);
            if (!dump_bound(h, file, i, name, base, &size, errp)) {
                return false;
            }
            g_autofree char *text = xpt_host_dump_format_size(size);
            g_string_append_printf(bounded, "%s%s %s", bounded->len ? ", " : "", name,
                                   text);
        }
        if (!size) {
            r->flags = 0;
        } else {
            r->size = size;
            r->base = base;
        }
        if (is64) {
            i++; /* the upper half: size 0 */
        }
    }

    uint64_t rom_base = d->rom_base_addr & PCI_ROM_ADDRESS_MASK;
    uint64_t rom_size = sizes.rom;
    if (!rom_size && rom_base) {
        if (!dump_bound(h, file, XPT_DUMP_LAYOUT_ROM, "ROM", rom_base, &rom_size, errp)) {
            return false;
        }
        g_autofree char *text = xpt_host_dump_format_size(rom_size);
        g_string_append_printf(bounded, "%sROM %s", bounded->len ? ", " : "", text);
    }
    if (rom_size) {
        h->rom.base = rom_base;
        h->rom.size = rom_size;
    }
    if (bounded->len) {
        xpt_warn_report("%s: host-dump %s has no region sizes; using upper bounds from "
                        "the dump's layout: %s (capture with lspci -vv -xxxx for exact "
                        "sizes)", h->sbdf, file, bounded->str);
    }
    warn_unassigned(h, unassigned);
    return true;
}

/* Widest physical address x86-64 defines (Xen 4.17: paddr_bits <= 52, PADDR_BITS). */
#define HOST_PADDR_LIMIT (1ull << 52)
#define HOST_PORT_LIMIT 0x10000ull

/*
 * What the toolstack could not grant (libxl: xc_domain_iomem_permission and
 * xc_domain_ioport_permission from the resource lines, xc_domain_irq_permission from
 * the sysfs irq) is refused here, naming the region, its value and why, instead of a
 * bare EINVAL from the grant (issue 13 item 11): an I/O BAR beyond the 64 KiB x86 port
 * space (a resource line flagged I/O for a memory BAR gives one), a memory BAR or the
 * ROM ending beyond 2^52 or wrapping past 2^64 (a 64-bit BAR at the top of the address
 * space), a negative IRQ (a sysfs irq file that holds no GSI).
 */
bool xpt_host_pci_check_grantable(const XptHostPci *h, GError **errp)
{
    const char *fix = h->backend == XPT_HOST_BACKEND_DUMP
                      ? "the dump is corrupt; capture it again with lspci -vv -xxx as root"
                      : "the sysfs resource file reports an impossible region; check the "
                        "host-sysfs= tree or the host kernel's resource assignment";
    for (unsigned i = 0; i <= XPT_HOST_NUM_BARS; i++) {
        const XptHostRegion *r = i < XPT_HOST_NUM_BARS ? &h->bars[i] : &h->rom;
        static const char *const names[XPT_HOST_NUM_BARS + 1] = {
            "BAR0", "BAR1", "BAR2", "BAR3", "BAR4", "BAR5", "expansion ROM"
        };
        const char *name = names[i];
        if (!r->size) {
            continue;
        }
        uint64_t last = r->base + r->size - 1;
        bool wraps = last < r->base;
        if (r->flags & XPT_HOST_REGION_IO) {
            if (wraps || last >= HOST_PORT_LIMIT) {
                g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                            "%s: I/O %s (ports 0x%" G_GINT64_MODIFIER "x, %" G_GUINT64_FORMAT
                            " ports) lies beyond the 64 KiB x86 I/O port space, which no "
                            "toolstack can grant; %s", h->sbdf, name, r->base, r->size, fix);
                return false;
            }
        } else if (wraps || last >= HOST_PADDR_LIMIT) {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                        "%s: %s (0x%" G_GINT64_MODIFIER "x, %" G_GUINT64_FORMAT " bytes) "
                        "ends beyond the 52-bit physical address space of x86-64, which no "
                        "toolstack can grant; %s", h->sbdf, name, r->base, r->size, fix);
            return false;
        }
    }
    if (h->irq < 0) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "%s: host IRQ %d (the sysfs irq file of %s) is no interrupt number; "
                    "check the host-sysfs= tree or the host's interrupt routing", h->sbdf,
                    h->irq, h->source);
        return false;
    }
    return true;
}
