/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MSI of xen-pci-passthrough, and the per-vector hypervisor state shared with MSI-X
 * (SPEC §6; reference/config-space.md "MSI (05)"; reference/xen-abi.md §Interrupts,
 * §Call sequences; PCI LB 3.0 §6.8.1; QEMU hw/xen/xen_pt_msi.c).
 *
 * The guest sees one vector (MMC 0) and no per-vector masking (XSA-129). Enable → map a
 * pirq (auto, or the PV-on-HVM requested one) and bind it with gvec/gflags from the
 * guest's address/data; the host Enable bit is written only after the bind succeeded, so
 * a failed map or bind leaves Enable clear in the guest view (Enable is read from the
 * host). Address/data writes while enabled update the binding. Disable → unbind, unmap.
 */
#ifndef XPT_HW_XEN_XEN_PT_MSI_H
#define XPT_HW_XEN_XEN_PT_MSI_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct XptPtDevice XptPtDevice;

/**
 * XptMsiVector: the hypervisor state of one MSI vector or MSI-X entry.
 * @pirq: mapped pirq, -1 when none. @bound: xc_domain_update_msi_irq succeeded and was
 * not undone. @gvec/@gflags/@gtable: what the binding holds (gtable: guest-physical MSI-X
 * table address, 0 for MSI).
 */
typedef struct XptMsiVector {
    int pirq;
    bool bound;
    uint32_t gvec;
    uint32_t gflags;
    uint64_t gtable;
} XptMsiVector;

#define XPT_MSI_VECTOR_INIT { .pirq = -1 }

/**
 * xpt_msi_gflags: gflags for xc_domain_update_msi_irq from a guest MSI address/data
 * (reference/xen-abi.md §Interrupts, XEN_DOMCTL_VMSI_X86_* in xen/domctl.h): dest ID =
 * address bits 19:12, RH = address bit 3, DM = address bit 2, delivery mode = data bits
 * 10:8, trigger mode = data bit 15, UNMASKED unless @masked.
 */
uint32_t xpt_msi_gflags(uint64_t addr, uint32_t data, bool masked);

/**
 * xpt_msi_requested_pirq: the PV-on-HVM request form — data vector (bits 7:0) 0 with a
 * pirq encoded in the address (bits 19:12 | address bits 63:40 as bits 31:8). Returns
 * that pirq, or -1 when @data is an ordinary vector or no pirq is encoded.
 */
int xpt_msi_requested_pirq(uint64_t addr, uint32_t data);

/**
 * xpt_msi_vector_bind: map (if @v has no pirq) with xc_physdev_map_pirq_msi(entry_nr,
 * host_table_base) — auto pirq, or the PV-on-HVM requested one — then bind with
 * xc_domain_update_msi_irq(gvec = data bits 7:0, gflags, gtable). A bound vector whose
 * gtable changes is unbound first (Xen reads gtable only at the first bind). On a failed
 * bind an unbound pirq is unmapped again (kept in @v if the hypervisor refuses, so that
 * the next bind reuses it and a release retries). Errors: the hypervisor's, as
 * XPT_ERRNO_ERROR naming the call (the device is in the message prefix).
 */
bool xpt_msi_vector_bind(XptPtDevice *d, XptMsiVector *v, uint64_t addr, uint32_t data,
                         bool masked, int entry_nr, uint64_t host_table_base,
                         uint64_t gtable, GError **errp);

/**
 * xpt_msi_vector_release: unbind (if bound), then unmap (if mapped). A failed call is
 * reported (one line naming the device and the call) and leaves @v recording what is
 * still bound/mapped, so a later release (disable again, detach) retries; returns false
 * then. Idempotent once it returned true.
 */
bool xpt_msi_vector_release(XptPtDevice *d, XptMsiVector *v);

/** XptPtMsi: MSI state of a device (@cap 0 = no MSI capability). */
typedef struct XptPtMsi {
    uint8_t cap;                 /* config offset of the capability */
    bool is_64;                  /* 64-bit address (Control bit 7, from the host) */
    bool enabled;                /* the guest's Enable was accepted (host Enable set) */
    XptMsiVector vec;
} XptPtMsi;

/**
 * xpt_pt_msi_init: at realize, after the register file: the MSI capability is the one
 * the register file instantiated (whose Control hook calls xpt_pt_msi_ctrl_write), never
 * a second walk of the host list that a hostile list could make disagree with it; if
 * the host has MSI Enable set, clear it (one host config write). Errors: XPT_ERROR_IO
 * when the host control register cannot be read.
 */
bool xpt_pt_msi_init(XptPtDevice *d, GError **errp);

/**
 * xpt_pt_msi_ctrl_write: register hook of MSI Control (+2). Enable 0→1: map and bind,
 * then forward Enable; 1→0: unbind and unmap, then clear host Enable. Decides the Enable
 * bit of *host_val / *host_mask.
 */
void xpt_pt_msi_ctrl_write(XptPtDevice *d, uint16_t guest_val, uint16_t valid,
                           uint32_t *host_val, uint32_t *host_mask);

/** xpt_pt_msi_update: address or data changed: rebind while enabled. */
void xpt_pt_msi_update(XptPtDevice *d);

/** xpt_pt_msi_release: disable as on detach (unbind, unmap; host Enable cleared).
 *  Callable again to retry what a failed call left. */
void xpt_pt_msi_release(XptPtDevice *d);

#endif
