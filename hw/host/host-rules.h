/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The rules a host device must pass to be attached, shared by xen-pci-passthrough's
 * attach (hw/xen/xen-pt-bar.c, xen-pt-msix.c) and the readiness check
 * (hw/host/host-check.c, -check-host), so that the check reports exactly what attach
 * would refuse. xpt_host_pci_open() applies xpt_host_rule_device_kind() itself; its
 * other refusals (short config space, unreadable files) are its own (hw/host/host-pci.h).
 */
#ifndef XPT_HW_HOST_HOST_RULES_H
#define XPT_HW_HOST_HOST_RULES_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "hw/host/host-pci.h"

#define XPT_HOST_PAGE_SIZE 4096u

/**
 * xpt_host_rule_device_kind: is @h a kind of function that can be passed through?
 * Refused, each with one line naming @h's SBDF and what to pass through instead: a PCI
 * or CardBus bridge (header type 1, 2) or an unknown header type; a PCI Express port or
 * other non-endpoint (PCIe Base 4.0 §7.5.3.2 device/port type); a system bridge of
 * class 0x06 other than 06/80 (host, ISA/LPC, EISA, ... bridges forward host resources
 * outside their BARs; Xen refuses to assign a host bridge); Intel's integrated GPU at
 * 0000:00:02.0 (it needs the VGA BIOS, legacy VGA ranges and OpRegion).
 * Errors: XPT_ERROR_UNSUPPORTED.
 */
bool xpt_host_rule_device_kind(XptHostPci *h, GError **errp);

/**
 * xpt_host_rule_bar_pages: may memory BAR @bar of @h be mapped into a guest page by
 * page? Refused: a size below 16 bytes (PCI LB 3.0 §6.2.5.1: a lying host); a host base,
 * or the end of a BAR of a page or more, off a 4 KiB boundary (the guest would reach
 * whatever else shares that page, SPEC §6) unless @unaligned_ok (unaligned-bars=on,
 * documented as unsafe); a BAR below a page at a page-aligned base (EHCI, AHCI, SMBus)
 * whose page holds another BAR or ROM of @h or a memory region of any other device of
 * @h's source (xpt_host_page_neighbours). I/O BARs and absent BARs pass.
 * Errors: XPT_ERROR_UNSUPPORTED, one line naming @h's SBDF, the BAR, the neighbour if
 * any, and the dom0 fix (pci=resource_alignment=SBDF).
 */
bool xpt_host_rule_bar_pages(XptHostPci *h, unsigned bar, bool unaligned_ok,
                             GError **errp);

/**
 * XptHostMsixTable: where a device's MSI-X table lives.
 * @cap: config offset of the MSI-X capability; @nr: table entries (1–2048);
 * @bir: the BAR holding it; @table_off, @table_len: offset in that BAR and bytes
 * (@nr × 16); @pba: the raw PBA offset/BIR register (PCI LB 3.0 §6.8.2.5);
 * @ctrl: the Message Control register as read (§6.8.2.3).
 */
typedef struct XptHostMsixTable {
    unsigned cap;
    uint16_t ctrl;
    unsigned nr;
    unsigned bir;
    uint64_t table_off;
    uint64_t table_len;
    uint32_t pba;
} XptHostMsixTable;

/**
 * xpt_host_rule_msix_table: read the MSI-X capability at @cap of @h into *t and check
 * that its table lies inside an implemented memory BAR (PCI LB 3.0 §6.8.2.4), so its
 * pages can be trapped and never mapped to the guest (reference/config-space.md
 * invariant 10). @who names the device in messages.
 * Errors: a failed host read (prefixed with the capability offset);
 * XPT_ERROR_UNSUPPORTED "MSI-X table ... names no BAR / is in a BAR the device does not
 * implement / is in an I/O BAR / does not fit in its BAR; the device cannot be passed
 * through".
 */
bool xpt_host_rule_msix_table(XptHostPci *h, unsigned cap, const char *who,
                              XptHostMsixTable *t, GError **errp);

#endif
