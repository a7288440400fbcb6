/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Chipset functions firmware expects on bus 0 (reference/toolstack.md §firmware):
 * i440FX host bridge 8086:1237 at 00.0 and PIIX3 ISA bridge 8086:7000 at 01.0, whose
 * PIRQ route registers 0x60–0x63 (PIIX3 datasheet §2.2.11, PIRQRC[A:D]) are forwarded to
 * the hypervisor with set_pci_link_route (bit 7 set = routing disabled → isa_irq 0).
 */
#ifndef XPT_HW_I386_CHIPSET_H
#define XPT_HW_I386_CHIPSET_H

#include <glib.h>

#include "hw/i386/power.h"
#include "hw/pci/pci.h"
#include "xen/ioreq.h"

#define XPT_I440FX_DEVFN XPT_PCI_DEVFN(0, 0)
#define XPT_PIIX3_DEVFN XPT_PCI_DEVFN(1, 0)
#define XPT_PIIX4_PM_DEVFN XPT_PCI_DEVFN(1, 3)

/**
 * xpt_i440fx_new: create the i440FX host bridge (not plugged). Its CONFADD register
 * (dword at port 0xCF8) and the PIIX3 reset control register (byte at 0xCF9, which
 * lies inside the same claimed dword: PIIX3 datasheet §4.1.4; the FADT reset register
 * of Xen 4.17) become one port region of @disp at xpt_i440fx_realize(). A guest write
 * of RCPU (bit 2) to 0xCF9 calls @power(@opaque, XPT_POWER_GUEST_RESET); reads of 0xCF9
 * return the latched SRST bit (bit 1).
 */
XptPciDevice *xpt_i440fx_new(XptDispatcher *disp, XptPowerRequestFn power, void *opaque);

/**
 * xpt_i440fx_realize: claim ports 0xCF8–0xCFB from the hypervisor and serve CONFADD
 * there. Xen 4.17 forwards every 0xCF8 access to the server that claims the port
 * (hvm_access_cf8 latches and falls through), so without this claim a guest reads
 * 0xFFFFFFFF back and its type-1 probe fails. Errors: the hypervisor's claim error
 * (see xpt_dispatcher_add_region). Undone by unrealize.
 */
bool xpt_i440fx_realize(XptPciDevice *host, GError **errp);
/** Create the PIIX4 PM function for 00:01.3 (config space only; not plugged; its PM1a
 *  control register is hw/i386/pm.h). */
XptPciDevice *xpt_piix4_pm_new(void);

/** Create PIIX3; link route changes go to @hv. */
XptPciDevice *xpt_piix3_new(XptHv *hv);

#endif
