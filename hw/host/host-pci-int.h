/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host device's state, shared by host-pci.c (open, config access, shadow, faults)
 * and host-pci-regions.c (its BARs and ROM from sysfs or a dump); internal to hw/host.
 */
#ifndef XPT_HW_HOST_HOST_PCI_INT_H
#define XPT_HW_HOST_HOST_PCI_INT_H

#include "hw/host/dump-source.h"
#include "hw/host/host-libpci.h"
#include "hw/host/host-pci.h"

struct XptHostPci {
    char sbdf[sizeof("ffff:ff:1f.7")];
    uint16_t segment;
    uint8_t bus;
    uint8_t devfn;
    XptHostBackend backend;
    bool shadow;
    char *source;       /* dump file or sysfs root, for messages */
    XptDumpSource *dump; /* dump backend: the parsed dump, shared (dev is one of its) */
    struct pci_access *acc; /* sysfs backend: this device's own access */
    struct pci_dev *dev;
    unsigned config_size;
    uint64_t config_file_size; /* sysfs: bytes of the config file when checked; 0: unknown */
    XptHostRegion bars[XPT_HOST_NUM_BARS];
    XptHostRegion rom;
    int irq;
    GArray *writes;     /* XptHostWrite */
    /* Injected faults (xpt_host_pci_inject_fault): [0] reads, [1] writes. */
    int fault_err[2];
    unsigned fault_count[2];
    bool gone;          /* xpt_host_pci_set_gone: reads all-ones, writes dropped */
    /* Last, and not zeroed at allocation: only bytes below config_size are ever read
     * (xpt_host_pci_read/write stop there), and read_config fills them (issue 15). */
    uint8_t config[XPT_HOST_CONFIG_SIZE];
};

/**
 * xpt_host_pci_regions_from_sysfs: fill h->bars and h->rom from libpci's sysfs view of
 * h->dev (bases, sizes, and the PCI_IORESOURCE_* flags if @known, the PCI_FILL_* bits
 * pci_fill_info() returned, has PCI_FILL_IO_FLAGS; else the flags of the base values).
 * A BAR at address 0 is left out, with one warning naming it (libxl 4.17 do_pci_add
 * grants only resource lines whose start is not 0).
 */
void xpt_host_pci_regions_from_sysfs(XptHostPci *h, int known);

/**
 * xpt_host_pci_regions_from_dump: fill h->bars and h->rom from dump @file: flags from
 * the BAR values in h->config, bases from libpci, sizes from the -vv "[size=]" text, or
 * for an assigned region without one the upper bound of the dump's layout
 * (hw/host/dump-layout.h), reported in one warning. Errors: XPT_ERROR_INVALID (a 64-bit
 * BAR5, an unassigned BAR or an unbounded region without a size), or those of
 * xpt_host_dump_index_sizes and xpt_dump_source_layout, prefixed with the SBDF.
 */
bool xpt_host_pci_regions_from_dump(XptHostPci *h, const char *file, GError **errp);

/**
 * xpt_host_pci_check_grantable: refuse what the toolstack could not grant (libxl:
 * xc_domain_iomem/ioport/irq_permission): an I/O region beyond port 0xFFFF, a memory
 * region or ROM ending beyond 2^52 or wrapping, a negative IRQ. Errors:
 * XPT_ERROR_INVALID naming the region, its value and the fix.
 */
bool xpt_host_pci_check_grantable(const XptHostPci *h, GError **errp);

#endif
