/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Xen platform PCI device (SPEC §10): how a guest's PV drivers find Xen.
 *
 * Guest view, as QEMU's "xen-platform" presents it (hw/i386/xen/xen_platform.c,
 * xen_platform_realize and xen_platform_class_init): 5853:0001 rev 1, class 0xFF80
 * (PCI_CLASS_OTHERS << 8 | 0x80), subsystem 5853:0001, interrupt pin A, command I/O +
 * memory decode on;
 *   BAR0  I/O, 0x100 ports: byte 0 platform flags, 4 SUSE unplug (1), 8 unplug
 *         (1 disks, 2 NICs) or driver log byte; byte accesses (wider ones are split);
 *   BAR1  memory, 32-bit prefetchable, 16 MiB: where the guest maps its grant-table frames
 *         (Linux drivers/xen/platform-pci.c: alloc_xen_mmio → XENMEM_add_to_physmap);
 *         nothing is behind it, so reads of an unmapped page give 0 and writes vanish;
 * and the fixed ports 0x10–0x1F of the unplug protocol (Xen docs/misc/
 * hvm-emulated-unplug.pandoc; Linux arch/x86/xen/platform-pci-unplug.c
 * check_platform_magic): word read at 0x10 = magic 0x49D2, byte read at 0x12 = protocol
 * version 1, word write at 0x12 = product number, dword write at 0x10 = driver version,
 * word write at 0x10 = unplug mask (UNPLUG_*), byte 0x10 = platform flags, byte write at
 * 0x12 = driver log.
 *
 * xen-pt-dm emulates no disk and no NIC, and passed-through devices are never unplugged
 * (QEMU skips them too: pci_device_is_passthrough), so an unplug request removes nothing:
 * it is accepted and logged once per request (rate-limited). The ROM-lock platform flag
 * (PFFLAG_ROM_LOCK, which QEMU turns into xen_set_mem_type(HVMMEM_ram_ro) over
 * 0xC0000–0xFFFFF) is not applied: it reads back 0, as in QEMU when that call fails.
 *
 * Claims: the fixed ports at creation; BAR0 and BAR1 while command I/O / memory decode is
 * on and the BAR holds a usable address (hw/pci/bar.h), as emulated ranges of the ioreq
 * server (xendevicemodel_map_io_range_to_ioreq_server); a placement that overlaps another
 * claimed range is refused with one rate-limited line and the BAR does not decode.
 */
#ifndef XPT_HW_I386_XEN_PLATFORM_H
#define XPT_HW_I386_XEN_PLATFORM_H

#include <glib.h>

#include "hw/pci/bar.h"
#include "hw/pci/pci.h"
#include "xen/ioreq.h"

#define XPT_XEN_PLATFORM_DRIVER "xen-platform"
/* 00:03.0: SPEC §10. QEMU 7.2's xenfv machine adds its platform device to the first free
 * slot, 2 without an emulated VGA; slot 3 keeps slot 2 for the first passthrough device
 * (an Intel IGD must be at 00:02.0: QEMU's xen_igd_reserve_slot). */
#define XPT_XEN_PLATFORM_SLOT 3

#define XPT_XEN_PLATFORM_VENDOR 0x5853
#define XPT_XEN_PLATFORM_DEVICE 0x0001
#define XPT_XEN_PLATFORM_IOPORT 0x10          /* fixed ports 0x10–0x1F */
#define XPT_XEN_PLATFORM_IOPORT_LEN 16
#define XPT_XEN_PLATFORM_MAGIC 0x49D2
#define XPT_XEN_PLATFORM_IO_BAR_SIZE 0x100
#define XPT_XEN_PLATFORM_MMIO_BAR_SIZE (16u << 20)

/**
 * xpt_xen_platform_new: create the device (not plugged) and claim the fixed ports
 * 0x10–0x1F through @disp. Errors: the dispatcher's (XPT_ERROR_BUSY if the ports are
 * already claimed, e.g. by a second platform device; the hypervisor's errno).
 */
XptPciDevice *xpt_xen_platform_new(XptDispatcher *disp, GError **errp);

/**
 * xpt_xen_platform_bar: BAR @i (0 or 1) of a platform device @dev and, in *@addr, where
 * it decodes now (-1 when it does not). NULL if @dev is not a platform device or @i has
 * no BAR. For query-pci.
 */
const XptBar *xpt_xen_platform_bar(XptPciDevice *dev, unsigned i, int64_t *addr);

#endif
