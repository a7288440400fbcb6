/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Upper bounds for region sizes from the layout of an lspci dump (internal to hw/host).
 *
 * An `lspci -xxx[x]` dump without the -vv text (no "[size=…]") tells every BAR's base
 * but not its size. The other resources in the same dump bound it, because a PCI
 * resource never overlaps another one and sits inside its upstream bridge's window. The
 * bound is an upper bound, never an exact size: the device may decode less.
 *
 * Input: every device of the dump, read through libpci's dump method (the hex rows, as
 * libpci parses them; pci_read_block on each pci_dev). Per PCI domain and address space
 * (I/O, memory; prefetchable and non-prefetchable memory are one space) it collects:
 *   - each device's assigned BARs (base ≠ 0; a 64-bit BAR combines its two dwords) and
 *     assigned expansion ROM bases (type 0 at 0x30, type 1 at 0x38), whatever the
 *     enable bits say;
 *   - the I/O, memory and prefetchable windows of every type-1 (PCI-to-PCI) bridge,
 *     decoded as in PCI-to-PCI Bridge Architecture 1.2 §3.2.5: I/O base/limit bits 15:12
 *     (+ the upper 16 bits at 0x30/0x32 when the low nibble says 32-bit), limit | 0xFFF;
 *     memory and prefetchable base/limit bits 31:20 (+ the upper 32 bits at 0x28/0x2C for
 *     a 64-bit prefetchable window), limit | 0xFFFFF; a window whose base is above its
 *     limit is disabled and ignored.
 *
 * Bound of region R (BAR or ROM) at base B of device D (PCI Local Bus 3.0 §6.2.5.1: a
 * BAR's size is a power of two and its base is naturally aligned to it; an I/O BAR
 * decodes at most 256 bytes; §6.2.5.2: a ROM decodes at least 2 KiB):
 *   1. Upstream window: the type-1 bridge of D's domain whose secondary..subordinate bus
 *      range contains D's bus and is the narrowest (D's direct parent). B must lie in
 *      one of its windows of R's space: an I/O BAR in the I/O window, a non-prefetchable
 *      memory BAR in the memory window, a prefetchable BAR or a ROM in the prefetchable or
 *      the memory window. If B lies in none, R is refused, unless the bridge decodes
 *      subtractively (programming interface 01h), which forwards addresses outside its
 *      windows too: then there is no window constraint. A device on a bus that no bridge
 *      covers (a root bus) has no upstream window.
 *   2. Next resource: the lowest start above B, in D's domain and R's space, of any other
 *      resource: a BAR or ROM of any device (D's other regions included; a bridge's own
 *      BARs too) or a window of a bridge that D is not behind (D's bus outside its range).
 *   3. bound = the largest power of two s with B % s == 0, [B, B+s) inside the upstream
 *      window if there is one, B + s ≤ the next resource's start if there is one, s ≤ 256
 *      for I/O. (B + s ≤ 4 GiB for a 32-bit BAR or the ROM follows from B < 4 GiB and
 *      B % s == 0.)
 *   4. Refused (no finite bound) when there is neither an upstream window nor a next
 *      resource; refused (inconsistent layout) when s would be below the smallest region
 *      that can exist there: 16 bytes of memory, 4 I/O ports, 2 KiB of ROM.
 * Resources of other domains are never compared: each domain has its own bus address
 * spaces. CardBus (type 2) windows are not decoded: a CardBus bridge's own BAR counts as a
 * resource, and its bus range does not count as a parent.
 */
#ifndef XPT_HW_HOST_DUMP_LAYOUT_H
#define XPT_HW_HOST_DUMP_LAYOUT_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/** Region index of the expansion ROM in xpt_dump_layout_bound() (BARs are 0–5). */
#define XPT_DUMP_LAYOUT_ROM 6

typedef struct XptDumpLayout XptDumpLayout;

/**
 * xpt_dump_layout_load: read every device of the lspci dump @file through libpci's dump
 * method and collect its resources (see the file comment).
 * Errors (one line naming @file): XPT_ERROR_FAILED if libpci has no dump method;
 * XPT_ERROR_NOT_FOUND if libpci cannot read the file; XPT_ERROR_IO if a device's first
 * 64 bytes of config space cannot be read from it.
 */
XptDumpLayout *xpt_dump_layout_load(const char *file, GError **errp);
/**
 * xpt_dump_layout_from_access: the same, from a libpci access on the dump that is
 * already scanned (xpt_libpci_new with the dump method + xpt_libpci_init_scan); @file
 * only names the dump in messages. Errors: XPT_ERROR_IO as above.
 */
struct pci_access;
XptDumpLayout *xpt_dump_layout_from_access(struct pci_access *acc, const char *file,
                                           GError **errp);
void xpt_dump_layout_free(XptDumpLayout *layout);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(XptDumpLayout, xpt_dump_layout_free)

/**
 * xpt_dump_layout_bound: upper bound, in bytes (a power of two), of region @index (BAR
 * 0–5, or XPT_DUMP_LAYOUT_ROM) of device @domain:@bus:@devfn (devfn = device << 3 |
 * function), from the host addresses of the other resources in the dump.
 * Errors (XPT_ERROR, a short reason without the device's name, for the caller's
 * message): XPT_ERROR_NOT_FOUND if the dump has no such device; XPT_ERROR_INVALID if the
 * region is unassigned (base 0), not implemented or the upper half of a 64-bit BAR, lies
 * outside every window of its upstream bridge, has no finite bound (no upstream window
 * and no resource above it), or has less room than the smallest possible region.
 */
bool xpt_dump_layout_bound(const XptDumpLayout *layout, unsigned domain, unsigned bus,
                           unsigned devfn, unsigned index, uint64_t *bound, GError **errp);

#endif
