/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The hypervisor operations of the xen accelerator: XptHvOps (xen/hvops.h) implemented
 * with libxenctrl, libxendevicemodel and libxenforeignmemory of Xen 4.17, exactly as
 * reference/xen-abi.md describes the calls (§dm_op, §Interrupts, §Call sequences).
 *
 * This file owns no handle: the xen accelerator (xen/xen-accel.h) opens xencontrol,
 * xendevicemodel and xenforeignmemory, creates the ioreq server and fills an
 * XptXenHvCtx; the XptHv it hands to the machine is { &xpt_xen_hv_ops, ctx }.
 *
 * Every operation returns 0, or a negative errno: the libxen call returned -1 (or NULL)
 * and errno said why (EIO when errno was left 0). The xpt_hv_* wrappers of xen/hvops.h
 * turn that into a GError (XPT_ERRNO_ERROR, code = errno) naming the libxen call.
 *
 * grant_device / revoke_device are NULL: under Xen the toolstack (libxl) grants iomem,
 * ioport and IRQ permissions and assigns the device (reference/xen-abi.md §Call sequences
 * "Attach", "[ts]" steps).
 */
#ifndef XPT_XEN_HVOPS_XEN_H
#define XPT_XEN_HVOPS_XEN_H

#include <stddef.h>
#include <stdint.h>

#include "xen/hvops.h"

/*
 * The libxen handle types, declared (not defined) as xenctrl.h, xendevicemodel.h and
 * xenforeignmemory.h declare them. This header includes no libxen header on purpose:
 * xenctrl.h must be the first Xen header of a translation unit (it defines
 * __XEN_TOOLS__, which xen/xen.h and xen/domctl.h test), and xen/hvops.h already pulls
 * in xen/hvm/dm_op.h. The .c files that call libxen include <xenctrl.h> first.
 */
struct xc_interface_core;           /* xc_interface */
struct xendevicemodel_handle;       /* xendevicemodel_handle */
struct xenforeignmemory_handle;     /* xenforeignmemory_handle */

/*
 * Largest guest_read/guest_write the implementation accepts, in bytes (EINVAL above):
 * the dispatcher moves one element (≤ 8 bytes) at a time, and Xen's emulator never hands
 * a device model more than one page of rep data (XPT_IOREQ_MAX_COUNT, xen/ioreq.h).
 */
#define XPT_XEN_GUEST_MEM_MAX (64u * 1024u)

/*
 * libxenctrl's xc_domain_bind_pt_pci_irq / xc_domain_unbind_pt_irq take the machine IRQ
 * (the pirq) as uint8_t (xenctrl.h; reference/xen-abi.md §Interrupts "libxenctrl quirks"):
 * a larger pirq would be truncated silently, so it is refused with EINVAL.
 */
#define XPT_XEN_PT_IRQ_MAX_PIRQ 255

/**
 * XptXenHvCtx: what the operations need, owned and filled by the xen accelerator.
 * @xch, @dmod, @fmem: open handles; @domid: the guest; @ioservid: the ioreq server the
 * claims go to (created with xendevicemodel_create_ioreq_server before any claim).
 */
typedef struct XptXenHvCtx {
    struct xc_interface_core *xch;
    struct xendevicemodel_handle *dmod;
    struct xenforeignmemory_handle *fmem;
    uint16_t domid;                 /* domid_t (xen/xen.h) */
    uint16_t ioservid;              /* ioservid_t (xen/hvm/dm_op.h) */
    int features0;                  /* XENVER_get_features submap 0; -1 until asked */
} XptXenHvCtx;

/**
 * xpt_xen_hv_ops: the libxen vtable (name "xen"); opaque = an XptXenHvCtx.
 *
 * Per operation (all on ctx->domid):
 *  - memory_mapping: xc_domain_memory_mapping(gfn, mfn, nr, DPCI_ADD_MAPPING or
 *    DPCI_REMOVE_MAPPING) (xen/domctl.h). libxenctrl batches (halving on E2BIG) and rolls
 *    back a partial add itself. gfn, mfn, nr_pages must fit unsigned long (EINVAL).
 *  - ioport_mapping: xc_domain_ioport_mapping(gport, mport, nr, DPCI_ADD/REMOVE_MAPPING).
 *  - claim_range / unclaim_range: PORT and MEMORY → xendevicemodel_map_io_range_to_
 *    ioreq_server / _unmap_io_range_from_ioreq_server (is_mmio 0 / 1, start..end
 *    inclusive). PCI: start..end are SBDFs (XEN_DMOP_PCI_SBDF: seg 31:16, bus 15:8,
 *    dev 7:3, fn 2:0), each one mapped with xendevicemodel_map_pcidev_to_ioreq_server
 *    (libxendevicemodel has no PCI-range call); at most 256 SBDFs per call and end ≤
 *    0xFFFFFFFF (EINVAL otherwise). A failed claim unmaps the SBDFs it mapped; an unclaim
 *    tries every SBDF and returns the first error.
 *  - set_pci_link_route / set_isa_irq_level: xendevicemodel_set_pci_link_route /
 *    xendevicemodel_set_isa_irq_level.
 *  - map_pirq: xc_physdev_map_pirq(index = host GSI, &pirq) (libxenctrl asks for
 *    pirq = GSI when *pirq is -1). map_pirq_msi: xc_physdev_map_pirq_msi(index -1,
 *    &pirq, host devfn, host bus, entry_nr, table_base) for segment 0; for another
 *    segment PHYSDEVOP_map_pirq with MAP_PIRQ_TYPE_MSI_SEG and bus = seg << 16 | bus
 *    through libxencall (MAP_PIRQ_TYPE_MSI carries no segment: Xen would map segment
 *    0's device; xen/arch/x86/physdev.c do_physdev_op).
 *    unmap_pirq: xc_physdev_unmap_pirq.
 *  - bind_msi / unbind_msi: xc_domain_update_msi_irq(gvec, pirq, gflags, gtable) /
 *    xc_domain_unbind_msi_irq(gvec, pirq, gflags). A negative pirq → EINVAL.
 *  - bind_pt_intx / unbind_pt_intx: xc_domain_bind_pt_pci_irq(pirq, bus, dev, intx) /
 *    xc_domain_unbind_pt_irq(pirq, PT_IRQ_TYPE_PCI, bus, dev, intx, 0). A pirq outside
 *    0..XPT_XEN_PT_IRQ_MAX_PIRQ → EINVAL with a warning naming the limit; no call made.
 *  - guest_read / guest_write: guest-physical memory through xenforeignmemory_map, one
 *    4 KiB page at a time (PROT_READ for reads, PROT_READ|PROT_WRITE for writes), each
 *    page unmapped right after its bytes were copied. len 0 succeeds without a call;
 *    len > XPT_XEN_GUEST_MEM_MAX, or [gpa, gpa+len) wrapping at 2^64 → EINVAL. A page
 *    that cannot be mapped → the errno of xenforeignmemory_map; bytes of the pages before
 *    it may already have been written. Nothing is cached between calls, so there is no
 *    guest-memory map cache, and IOREQ_TYPE_INVALIDATE (which asks a device model to
 *    drop its map cache, reference/xen-abi.md §ioreq_t) needs no action.
 *  - shutdown: xendevicemodel_shutdown(reason) (XEN_DMOP_remote_shutdown → Xen's
 *    domain_shutdown; libxl then destroys the domain, and for SHUTDOWN_reboot creates it
 *    again with a new device model).
 *  - power_button: xc_domain_send_trigger(XEN_DOMCTL_SENDTRIGGER_POWER, vcpu 0), a
 *    domctl: it needs an unrestricted libxenctrl handle (EPERM from a deprivileged
 *    one, reference/xen-abi.md §Deprivileging).
 *  - grant_device / revoke_device: NULL (the toolstack's job).
 */
extern const XptHvOps xpt_xen_hv_ops;

#endif
