/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hypervisor operations: everything the device model asks of Xen, behind one vtable with
 * two implementations — libxen (xen accelerator, xen/hvops-xen.c, issue 4) and the
 * simulated hypervisor (qtest/xen-sim.c). Devices and chipset code call the xpt_hv_*()
 * wrappers below, never libxen (SPEC §8).
 *
 * Every operation returns 0 or a negative errno, as libxenctrl/libxendevicemodel report
 * them (errno after a -1 return). The wrappers turn a failure into a GError in the
 * XPT_ERRNO_ERROR domain (code = errno) whose message names the call and its arguments.
 *
 * Units: gfn/mfn are 4 KiB frame numbers; nr_pages counts frames; ports are 16-bit I/O
 * port numbers; addresses are guest-physical unless named host_*.
 * Source: reference/xen-abi.md, xenctrl.h / xendevicemodel.h of Xen 4.17.
 */
#ifndef XPT_XEN_HVOPS_H
#define XPT_XEN_HVOPS_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include <xen/hvm/dm_op.h>   /* XEN_DMOP_IO_RANGE_PORT / _MEMORY / _PCI, XEN_DMOP_PCI_SBDF */
#include <xen/sched.h>        /* SHUTDOWN_poweroff, SHUTDOWN_reboot (shutdown reasons) */

#define XPT_PAGE_SHIFT 12
#define XPT_PAGE_SIZE (1ull << XPT_PAGE_SHIFT)

/** Claimed range types, as XEN_DMOP_IO_RANGE_* (dm_op.h). */
typedef enum {
    XPT_RANGE_PORT = XEN_DMOP_IO_RANGE_PORT,
    XPT_RANGE_MEMORY = XEN_DMOP_IO_RANGE_MEMORY,
    XPT_RANGE_PCI = XEN_DMOP_IO_RANGE_PCI,
} XptRangeType;

/**
 * XptHostGrant: what the toolstack grants a domain for one assigned host device
 * (libxl: xc_domain_iomem_permission / ioport_permission / irq_permission).
 * The simulated hypervisor enforces it; under real Xen libxl does this, so the xen
 * implementation leaves grant/revoke NULL.
 */
typedef struct XptHostGrant {
    struct { uint64_t first_mfn, nr_mfns; } mem[7];   /* BARs 0–5 and ROM; nr 0 = unused */
    struct { uint32_t first_port, nr_ports; } io[6];
    int irq;                                          /* host GSI, 0 = none */
    uint32_t host_sbdf;                               /* XEN_DMOP_PCI_SBDF of the host device */
} XptHostGrant;

/** XptHvOps: the implementation vtable. All callbacks get the implementation's @opaque. */
typedef struct XptHvOps {
    const char *name;   /* "xen" or "xen-sim" */

    /* Memory and I/O port mapping (xc_domain_memory_mapping, xc_domain_ioport_mapping). */
    int (*memory_mapping)(void *opaque, uint64_t gfn, uint64_t mfn, uint64_t nr_pages, bool add);
    int (*ioport_mapping)(void *opaque, uint32_t gport, uint32_t mport, uint32_t nr_ports,
                          bool add);

    /* ioreq-server claims (xendevicemodel_map_io_range_to_ioreq_server / _pcidev_). start
     * and end are inclusive; for XPT_RANGE_PCI they are SBDFs. */
    int (*claim_range)(void *opaque, XptRangeType type, uint64_t start, uint64_t end);
    int (*unclaim_range)(void *opaque, XptRangeType type, uint64_t start, uint64_t end);

    /* Interrupt routing (xendevicemodel_set_pci_link_route / _set_isa_irq_level). */
    int (*set_pci_link_route)(void *opaque, uint8_t link, uint8_t isa_irq);
    int (*set_isa_irq_level)(void *opaque, uint8_t isa_irq, unsigned level);

    /* pirqs (xc_physdev_map_pirq, xc_physdev_map_pirq_msi, xc_physdev_unmap_pirq).
     * map_pirq: host_irq is the host GSI; *pirq in: the pirq wanted, or -1 for
     * pirq = host_irq (what libxenctrl asks for); out: the pirq mapped.
     * map_pirq_msi: *pirq in: -1 for auto (Xen picks a free one), or the pirq a PV-on-HVM
     * guest requested; out: the pirq. host_seg/bus/devfn name the host device (segment 0
     * only in libxenctrl), entry_nr the MSI-X entry (0 for MSI), table_base the host
     * physical address of the BAR holding the MSI-X table (0 for MSI). */
    int (*map_pirq)(void *opaque, int host_irq, int *pirq);
    int (*map_pirq_msi)(void *opaque, int *pirq, uint16_t host_seg, uint8_t host_bus,
                        uint8_t host_devfn, int entry_nr, uint64_t table_base);
    int (*unmap_pirq)(void *opaque, int pirq);

    /* MSI binding (xc_domain_update_msi_irq / xc_domain_unbind_msi_irq). */
    int (*bind_msi)(void *opaque, uint32_t gvec, int pirq, uint32_t gflags, uint64_t gtable);
    int (*unbind_msi)(void *opaque, uint32_t gvec, int pirq, uint32_t gflags);

    /* INTx binding (xc_domain_bind_pt_pci_irq / xc_domain_unbind_pt_irq PT_IRQ_TYPE_PCI). */
    int (*bind_pt_intx)(void *opaque, int pirq, uint8_t bus, uint8_t dev, uint8_t intx);
    int (*unbind_pt_intx)(void *opaque, int pirq, uint8_t bus, uint8_t dev, uint8_t intx);

    /* Guest memory for data_is_ptr ioreqs (libxenforeignmemory under Xen). */
    int (*guest_read)(void *opaque, uint64_t gpa, void *buf, size_t len);
    int (*guest_write)(void *opaque, uint64_t gpa, const void *buf, size_t len);

    /* Domain life cycle. shutdown: xendevicemodel_shutdown(reason), reason one of
     * xen/sched.h's SHUTDOWN_* (SHUTDOWN_poweroff, SHUTDOWN_reboot); Xen keeps the first
     * reason of a domain that is already shutting down (xen/common/domain.c
     * domain_shutdown). power_button: xc_domain_send_trigger(XEN_DOMCTL_SENDTRIGGER_POWER,
     * vcpu 0), which sets PWRBTN_STS in the PM1a status Xen emulates and raises the SCI
     * (xen/arch/x86/hvm/pmtimer.c hvm_acpi_power_button) — what xl trigger DOM power
     * does. */
    int (*shutdown)(void *opaque, unsigned reason);
    int (*power_button)(void *opaque);

    /* Whether Xen forwards every guest write to an MSI-X table it intercepts to the
     * device model, mask writes included: XENFEAT_dm_msix_all_writes in
     * XENVER_get_features (Xen ≥ 4.19, xen/include/public/features.h). Without it (Xen
     * 4.17) Xen keeps the vector-control mask of every mapped entry of a table bound with
     * a gtable to itself (xen/arch/x86/hvm/vmsi.c msixtbl_write). NULL: false. */
    bool (*dm_msix_all_writes)(void *opaque);

    /* Toolstack role (sim only; NULL under Xen where libxl does it). */
    int (*grant_device)(void *opaque, const XptHostGrant *grant);
    int (*revoke_device)(void *opaque, const XptHostGrant *grant);
} XptHvOps;

/** XptHv: an implementation instance. */
typedef struct XptHv {
    const XptHvOps *ops;
    void *opaque;
} XptHv;

/**
 * xpt_hv_dm_msix_all_writes: whether @hv forwards every MSI-X table write of the guest,
 * mask writes included (XENFEAT_dm_msix_all_writes; see XptHvOps). False on Xen 4.17.
 */
bool xpt_hv_dm_msix_all_writes(XptHv *hv);


/*
 * Wrappers: call the implementation, log under -d hv, and on failure set a GError
 * (XPT_ERRNO_ERROR, code errno) "CALL(args) failed: strerror". @who prefixes the
 * message (e.g. the device SBDF and id); may be NULL.
 */
bool xpt_hv_memory_mapping(XptHv *hv, const char *who, uint64_t gfn, uint64_t mfn,
                           uint64_t nr_pages, bool add, GError **errp);
bool xpt_hv_ioport_mapping(XptHv *hv, const char *who, uint32_t gport, uint32_t mport,
                           uint32_t nr_ports, bool add, GError **errp);
bool xpt_hv_claim_range(XptHv *hv, const char *who, XptRangeType type, uint64_t start,
                        uint64_t end, GError **errp);
bool xpt_hv_unclaim_range(XptHv *hv, const char *who, XptRangeType type, uint64_t start,
                          uint64_t end, GError **errp);
bool xpt_hv_set_pci_link_route(XptHv *hv, uint8_t link, uint8_t isa_irq, GError **errp);
bool xpt_hv_set_isa_irq_level(XptHv *hv, uint8_t isa_irq, unsigned level, GError **errp);
bool xpt_hv_map_pirq(XptHv *hv, const char *who, int host_irq, int *pirq, GError **errp);
bool xpt_hv_map_pirq_msi(XptHv *hv, const char *who, int *pirq, uint16_t host_seg,
                         uint8_t host_bus, uint8_t host_devfn, int entry_nr,
                         uint64_t table_base, GError **errp);
bool xpt_hv_unmap_pirq(XptHv *hv, const char *who, int pirq, GError **errp);
bool xpt_hv_bind_msi(XptHv *hv, const char *who, uint32_t gvec, int pirq, uint32_t gflags,
                     uint64_t gtable, GError **errp);
bool xpt_hv_unbind_msi(XptHv *hv, const char *who, uint32_t gvec, int pirq, uint32_t gflags,
                       GError **errp);
bool xpt_hv_bind_pt_intx(XptHv *hv, const char *who, int pirq, uint8_t bus, uint8_t dev,
                         uint8_t intx, GError **errp);
bool xpt_hv_unbind_pt_intx(XptHv *hv, const char *who, int pirq, uint8_t bus, uint8_t dev,
                           uint8_t intx, GError **errp);
bool xpt_hv_guest_read(XptHv *hv, uint64_t gpa, void *buf, size_t len, GError **errp);
bool xpt_hv_guest_write(XptHv *hv, uint64_t gpa, const void *buf, size_t len, GError **errp);
/** xendevicemodel_shutdown(@reason): SHUTDOWN_poweroff or SHUTDOWN_reboot (xen/sched.h). */
bool xpt_hv_shutdown(XptHv *hv, unsigned reason, GError **errp);
/** xc_domain_send_trigger(XEN_DOMCTL_SENDTRIGGER_POWER): press the guest's ACPI power button. */
bool xpt_hv_power_button(XptHv *hv, GError **errp);
/** The name of a SHUTDOWN_* reason ("poweroff", "reboot", "suspend", "crash",
 *  "watchdog", "soft_reset"), or NULL for an unknown one. */
const char *xpt_hv_shutdown_reason_name(unsigned reason);
/** No-ops returning true when the implementation has no toolstack role (real Xen). */
bool xpt_hv_grant_device(XptHv *hv, const char *who, const XptHostGrant *grant, GError **errp);
bool xpt_hv_revoke_device(XptHv *hv, const char *who, const XptHostGrant *grant,
                          GError **errp);

#endif
