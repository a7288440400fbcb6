/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MSI-X of xen-pci-passthrough (SPEC §6; reference/config-space.md "MSI-X table
 * (trapped pages)"; reference/xen-abi.md §Interrupts and §Call sequences; PCI LB 3.0
 * §6.8.2).
 *
 * The pages of the table's BAR that hold the table are never mapped to the guest
 * (xen-pt-bar.c leaves them out); while that BAR is mapped they are an emulated MMIO
 * range claimed from the hypervisor. The guest's entries are latched here (entries start
 * masked). An entry is mapped (xc_physdev_map_pirq_msi with the entry number and the
 * host table BAR base, or the pirq a PV-on-HVM guest requests in the address) and bound
 * (xc_domain_update_msi_irq with gtable = guest table address) when it is unmasked
 * while MSI-X is enabled and the function mask is clear, and — masked, as QEMU does —
 * when MSI-X goes live (enabled with the function unmasked, or the function mask
 * clears) with its address/data written since reset or the last disable: a Linux HVM
 * guest using pirqs never unmasks an entry, and Xen 4.17 unmasks the vector at its
 * EVTCHNOP_bind_pirq only if the pirq is already mapped (arch_evtchn_bind_pirq).
 * Bytes of the trapped pages outside the table are forwarded to the host BAR (sysfs
 * resourceN mapping; a shadow in read-only mode); PBA writes are dropped.
 *
 * Rules of the model (hw/xen/xen-pt-msix.c; QEMU 7.2 hw/xen/xen_pt_msi.c where the
 * reference is silent):
 *  - Guest accesses to the trapped pages must be naturally aligned 4 or 8 bytes (an
 *    8-byte table access is two dword accesses, low first); others are ignored and read
 *    all-ones, logged under -d guest_errors through a rate limiter (10/s per device).
 *    The table index is bounded by the table size; bytes past the table go to the host.
 *  - Address/data writes only update the latch and set the entry's `updated` flag (any
 *    write to an unbound entry, a change to a bound one); they take effect when the
 *    entry becomes effective again: its mask bit goes 1 → 0, or MSI-X goes enabled /
 *    the function mask goes clear (then masked `updated` entries are bound too, with
 *    gflags masked; never-written masked entries are not).
 *    Masking a bound entry is no hypervisor call (Xen tracks the mask itself once gtable
 *    is registered); unmasking an unchanged bound entry is none either, unless its
 *    binding was made masked (then it is updated in place with UNMASKED).
 *  - gflags: xpt_msi_gflags() from the address/data, UNMASKED from the entry's mask bit.
 *  - Disable unbinds and unmaps every entry; Enable and Function Mask are forwarded to
 *    the host after the entries were bound, also when a bind failed (per entry).
 *  - A hypervisor failure leaves the entry unbound with its pirq released (or, for an
 *    in-place update, with its previous binding); one rate-limited warning (d->map_rl)
 *    names the device, the call and the entry; the next unmask retries.
 *  - Moving the table's BAR re-claims the pages at the new address and rebinds every
 *    bound entry with the new gtable; turning decode off only unclaims them (bindings
 *    stay, as in QEMU).
 */
#ifndef XPT_HW_XEN_XEN_PT_MSIX_H
#define XPT_HW_XEN_XEN_PT_MSIX_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct XptPtDevice XptPtDevice;
typedef struct XptPtMsix XptPtMsix;

/**
 * xpt_pt_msix_init: at realize (after the BARs and the register file are set up): read
 * the MSI-X capability the register file instantiated (table size, table and PBA
 * BIR/offset; table pages must match what xen-pt-bar.c carved out), validate that the
 * table lies inside an implemented memory BAR, allocate the entry latches, and clear the
 * host's MSI-X enable if it was set. No-op (true, d->msix stays NULL) without MSI-X.
 * Errors: XPT_ERROR_UNSUPPORTED (table outside its BAR / in an I/O BAR), XPT_ERROR_IO
 * (host config read failed), one line naming the SBDF.
 */
bool xpt_pt_msix_init(XptPtDevice *d, GError **errp);

/** xpt_pt_msix_nr_entries: the table's size, 1..2048 entries (Message Control). */
unsigned xpt_pt_msix_nr_entries(const XptPtMsix *m);

/**
 * xpt_pt_msix_ctrl_write: the guest wrote Message Control (cap +2, 2 bytes) = @guest_val
 * (@valid: the bits the access covered). Enable/function-mask transitions map, bind,
 * unbind and unmap entries; *host_val / *host_mask receive the Enable and Function Mask
 * bits to write to the host (forwarded after the entries were bound).
 */
void xpt_pt_msix_ctrl_write(XptPtDevice *d, uint16_t guest_val, uint16_t valid,
                            uint32_t *host_val, uint32_t *host_mask);

/**
 * xpt_pt_msix_bar_mapped: memory BAR @bar (0–5) was mapped at guest-physical @bar_gaddr
 * (@mapped true) or unmapped (@mapped false) by xen-pt-bar.c; ignored unless @bar holds
 * the table. Registers /
 * unregisters the emulated range of the table pages and, when the table moved, rebinds
 * every bound entry with the new gtable (unbind, then bind).
 */
void xpt_pt_msix_bar_mapped(XptPtDevice *d, unsigned bar, bool mapped,
                            uint64_t bar_gaddr);

/** xpt_pt_msix_release: unbind and unmap every entry, unregister the table range and
 *  drop the host BAR mapping (detach/shutdown). Idempotent; an entry whose unbind or
 *  unmap the hypervisor refused keeps its record, and calling it again retries. */
void xpt_pt_msix_release(XptPtDevice *d);

/**
 * xpt_pt_msix_retry_release: while MSI-X is disabled, retry unbinding and unmapping the
 * entries whose release the hypervisor refused at the last disable (MSI calls it before
 * mapping its own pirq: Xen refuses MSI while MSI-X pirqs of the device remain).
 */
void xpt_pt_msix_retry_release(XptPtDevice *d);

/** xpt_pt_msix_free: free d->msix (after release). */
void xpt_pt_msix_free(XptPtDevice *d);

#endif
