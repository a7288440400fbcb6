/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Guest PCI bus 0: 32 slots × 8 functions, config dispatch by devfn.
 *
 * Config accesses arrive here from the ioreq dispatcher (IOREQ_TYPE_PCI_CONFIG for an
 * SBDF this bus claimed). The bus validates every access before a device sees it:
 * width 1, 2 or 4 bytes, naturally aligned, offset < 0x1000; anything else is dropped
 * (reads all-ones) with a rate-limited guest_errors trace. Offsets 0x100–0xFFF read
 * all-ones and ignore writes for every device: Xen 4.17 does not route extended config
 * space to ioreq servers of HVM guests (reference/xen-abi.md §dm_op), so we never rely
 * on it. Unpopulated devfns read all-ones.
 */
#ifndef XPT_HW_PCI_PCI_H
#define XPT_HW_PCI_PCI_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "xen/hvops.h"

#define XPT_PCI_SLOTS 32
#define XPT_PCI_DEVFN(slot, fn) ((uint8_t)(((slot) << 3) | (fn)))
#define XPT_PCI_SLOT(devfn) (((devfn) >> 3) & 0x1f)
#define XPT_PCI_FUNC(devfn) ((devfn) & 7)
#define XPT_PCI_CONFIG_SPACE 0x100   /* conventional config space, bytes */

typedef struct XptPciDevice XptPciDevice;
typedef struct XptPciBus XptPciBus;

/**
 * XptPciDeviceClass: behaviour of a kind of device. config_read/write receive only
 * validated accesses (len 1/2/4, naturally aligned, offset < 0x100).
 */
typedef struct XptPciDeviceClass {
    const char *name;                  /* driver name, e.g. "xen-pci-passthrough" */
    uint32_t (*config_read)(XptPciDevice *dev, unsigned offset, unsigned len);
    void (*config_write)(XptPciDevice *dev, unsigned offset, unsigned len, uint32_t val);
    /** Release everything the device holds in the hypervisor; idempotent. */
    void (*unrealize)(XptPciDevice *dev);
    /** Free the device (after unrealize). */
    void (*free)(XptPciDevice *dev);
} XptPciDeviceClass;

/** XptPciDevice: the part every device shares; embed it as the first member. */
struct XptPciDevice {
    const XptPciDeviceClass *klass;
    XptPciBus *bus;
    uint8_t devfn;     /* guest devfn on bus 0 */
    char *id;          /* qdev id ("" if none), owned */
    bool plugged;
    const char *who;   /* names the device in hypervisor messages (e.g. its host SBDF);
                          NULL: none; borrowed */
};

/** XptPciBus: bus 0 of the guest. */
struct XptPciBus {
    XptPciDevice *devices[256];
    XptHv *hv;
};

/** xpt_pci_bus_init: empty bus whose SBDF claims go to @hv. */
void xpt_pci_bus_init(XptPciBus *bus, XptHv *hv);

/**
 * xpt_pci_bus_plug: put @dev at @devfn and claim its SBDF (0000:00:dd.f) from the
 * hypervisor so config accesses reach us. Fails with XPT_ERROR_BUSY if the devfn is
 * taken, or the hypervisor's errno if the claim fails (then nothing is left behind).
 */
bool xpt_pci_bus_plug(XptPciBus *bus, XptPciDevice *dev, uint8_t devfn, GError **errp);

/**
 * xpt_pci_bus_unplug: release the SBDF claim and empty the devfn; idempotent. A claim the
 * hypervisor refuses to release is retried once at once (a transient failure leaves
 * nothing behind); the devfn is emptied in any case, with one warning per failure.
 */
void xpt_pci_bus_unplug(XptPciBus *bus, XptPciDevice *dev);

/** Device at @devfn or NULL. */
XptPciDevice *xpt_pci_bus_device(XptPciBus *bus, uint8_t devfn);

/**
 * xpt_pci_bus_config_read / _write: a guest config access to @devfn. @offset is the
 * register offset (0–0xFFF); @len 1/2/4. Reads of anything invalid or absent return
 * all-ones (for @len bytes).
 */
uint32_t xpt_pci_bus_config_read(XptPciBus *bus, uint8_t devfn, uint32_t offset, unsigned len);
void xpt_pci_bus_config_write(XptPciBus *bus, uint8_t devfn, uint32_t offset, unsigned len,
                              uint32_t val);

/** xpt_pci_sbdf: XEN_DMOP_PCI_SBDF for segment 0, bus 0, @devfn. */
uint32_t xpt_pci_sbdf(uint8_t devfn);

#endif
