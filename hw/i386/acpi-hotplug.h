/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ACPI hot-plug hardware the Xen 4.17 guest DSDT drives (reference/toolstack.md §acpi;
 * tools/libacpi/mk_dsdt.c; QEMU 7.2 hw/acpi/pcihp.c in its legacy PIIX mode):
 *
 *   0xAFE0–0xAFE3  GPE0 block: status (2 bytes, write 1 to clear), enable (2 bytes).
 *                  Bit 1 = PCI hot-plug (_E01). SCI = ISA IRQ 9, level, asserted while
 *                  (status & enable) != 0, through xendevicemodel_set_isa_irq_level.
 *   0xAE00 PCIU    slots with a pending insertion (read-only, one bit per slot; not
 *                  cleared by reading, because _E01 re-reads it for every slot)
 *   0xAE04 PCID    slots with a pending removal request (read-only)
 *   0xAE08 B0EJ    write 1<<slot: the guest ejected that slot (_EJ0); reads 0
 *   0xAE0C B0RM    slots whose device can be removed: every slot but the chipset's 0 and 1
 *                  (read-only; QEMU's hotplug_enable)
 *   0xAF00–0xAF1F  CPU presence bitmap, bit per vCPU (read-only, never all-ones)
 *
 * Registers are 4 bytes; 1- and 2-byte accesses read/write the covered bytes. All ports
 * are claimed from the hypervisor for the machine's ioreq server.
 */
#ifndef XPT_HW_I386_ACPI_HOTPLUG_H
#define XPT_HW_I386_ACPI_HOTPLUG_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "xen/hvops.h"
#include "xen/ioreq.h"

#define XPT_ACPI_GPE0_PORT 0xAFE0
#define XPT_ACPI_GPE0_LEN 4
#define XPT_ACPI_PCIHP_PORT 0xAE00
#define XPT_ACPI_PCIHP_LEN 0x10
#define XPT_ACPI_CPU_PORT 0xAF00
#define XPT_ACPI_CPU_LEN 32
#define XPT_ACPI_SCI_IRQ 9
#define XPT_ACPI_GPE_PCI_HOTPLUG (1u << 1)

typedef struct XptAcpiHotplug XptAcpiHotplug;

/**
 * XptAcpiHotplugOps: what the machine does for the guest.
 * @eject: the guest wrote B0EJ for @slot (2–31; slots 0 and 1 hold the chipset and are
 *         never passed on). Called once per set bit, lowest first.
 */
typedef struct XptAcpiHotplugOps {
    void (*eject)(void *opaque, unsigned slot);
} XptAcpiHotplugOps;

/**
 * xpt_acpi_hotplug_new: create the registers and claim their ports through @disp.
 * @vcpus: 1–256 (bits set in the CPU bitmap). Errors: the dispatcher's claim error; on
 * failure nothing stays claimed.
 */
XptAcpiHotplug *xpt_acpi_hotplug_new(XptHv *hv, XptDispatcher *disp, unsigned vcpus,
                                     const XptAcpiHotplugOps *ops, void *opaque,
                                     GError **errp);
/** Unclaim and free (NULL is fine). The SCI is lowered if it was raised. */
void xpt_acpi_hotplug_free(XptAcpiHotplug *h);

/** A device was hot-added in @slot: PCIU bit, GPE status bit 1, SCI per the enable. */
void xpt_acpi_hotplug_insert(XptAcpiHotplug *h, unsigned slot);
/** device_del of the device in @slot: PCID bit, GPE status bit 1, SCI per the enable. */
void xpt_acpi_hotplug_request_remove(XptAcpiHotplug *h, unsigned slot);
/** Forget pending insertion/removal bits of @slot (the device is gone). */
void xpt_acpi_hotplug_slot_cleared(XptAcpiHotplug *h, unsigned slot);

/** Pending insertion / removal masks and GPE status/enable (tests, query). */
uint32_t xpt_acpi_hotplug_pending_up(const XptAcpiHotplug *h);
uint32_t xpt_acpi_hotplug_pending_down(const XptAcpiHotplug *h);

#endif
