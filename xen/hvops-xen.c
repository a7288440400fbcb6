/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * XptHvOps on libxenctrl / libxendevicemodel / libxenforeignmemory (xen/hvops-xen.h).
 * Call shapes: reference/xen-abi.md §dm_op, §Interrupts, §Call sequences; prototypes:
 * xenctrl.h, xendevicemodel.h, xenforeignmemory.h of Xen 4.17.
 */
/* xenctrl.h first: it defines __XEN_TOOLS__ for every Xen public header after it. */
#include <xenctrl.h>
#include <xendevicemodel.h>
#include <xenforeignmemory.h>
#include <xencall.h>
#include <xen/physdev.h>    /* PHYSDEVOP_map_pirq, MAP_PIRQ_TYPE_MSI_SEG */
#include <xen/domctl.h>     /* DPCI_ADD_MAPPING, DPCI_REMOVE_MAPPING, PT_IRQ_TYPE_PCI,
                               XEN_DOMCTL_SENDTRIGGER_POWER */

#include "xen/hvops-xen.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/mman.h>

#include "util/log.h"

G_STATIC_ASSERT(sizeof(domid_t) == sizeof(uint16_t));
G_STATIC_ASSERT(sizeof(ioservid_t) == sizeof(uint16_t));

/* PCI SBDFs one claim may cover: one bus's worth of device/function numbers. */
#define MAX_PCI_CLAIM 256u

/*
 * The result of a libxen call that returns -1 (or NULL) with errno set: 0, or -errno.
 * errno 0 after a failure (should not happen) becomes EIO, never a false success.
 */
static int xen_result(bool failed)
{
    if (!failed) {
        return 0;
    }
    return errno > 0 ? -errno : -EIO;
}

static uint32_t dpci(bool add)
{
    return add ? DPCI_ADD_MAPPING : DPCI_REMOVE_MAPPING;
}

static int xen_memory_mapping(void *opaque, uint64_t gfn, uint64_t mfn, uint64_t nr_pages,
                              bool add)
{
    XptXenHvCtx *x = opaque;
    if (gfn > ULONG_MAX || mfn > ULONG_MAX || nr_pages > ULONG_MAX) {
        return -EINVAL;
    }
    errno = 0;
    int rc = xc_domain_memory_mapping(x->xch, x->domid, (unsigned long)gfn,
                                      (unsigned long)mfn, (unsigned long)nr_pages, dpci(add));
    return xen_result(rc < 0);
}

static int xen_ioport_mapping(void *opaque, uint32_t gport, uint32_t mport, uint32_t nr_ports,
                              bool add)
{
    XptXenHvCtx *x = opaque;
    errno = 0;
    int rc = xc_domain_ioport_mapping(x->xch, x->domid, gport, mport, nr_ports, dpci(add));
    return xen_result(rc < 0);
}

/* XEN_DMOP_PCI_SBDF (dm_op.h) taken apart: segment 31:16, bus 15:8, device 7:3, fn 2:0. */
static void sbdf_split(uint32_t sbdf, uint16_t *seg, uint8_t *bus, uint8_t *dev, uint8_t *fn)
{
    *seg = (uint16_t)(sbdf >> 16);
    *bus = (uint8_t)(sbdf >> 8);
    *dev = (uint8_t)((sbdf >> 3) & 0x1f);
    *fn = (uint8_t)(sbdf & 7);
}

static int pcidev_map(XptXenHvCtx *x, uint32_t sbdf, bool map)
{
    uint16_t seg;
    uint8_t bus, dev, fn;
    sbdf_split(sbdf, &seg, &bus, &dev, &fn);
    errno = 0;
    int rc = map ? xendevicemodel_map_pcidev_to_ioreq_server(x->dmod, x->domid, x->ioservid,
                                                            seg, bus, dev, fn)
                 : xendevicemodel_unmap_pcidev_from_ioreq_server(x->dmod, x->domid,
                                                                x->ioservid, seg, bus, dev,
                                                                fn);
    return xen_result(rc < 0);
}

static bool pci_range_ok(uint64_t start, uint64_t end)
{
    return start <= end && end <= UINT32_MAX && end - start < MAX_PCI_CLAIM;
}

static int xen_claim_range(void *opaque, XptRangeType type, uint64_t start, uint64_t end)
{
    XptXenHvCtx *x = opaque;
    if (type == XPT_RANGE_PCI) {
        if (!pci_range_ok(start, end)) {
            return -EINVAL;
        }
        for (uint64_t s = start; s <= end; s++) {
            int rc = pcidev_map(x, (uint32_t)s, true);
            if (rc < 0) {
                /* Undo this claim's earlier SBDFs; the first error is the result. */
                for (uint64_t u = start; u < s; u++) {
                    pcidev_map(x, (uint32_t)u, false);
                }
                return rc;
            }
        }
        return 0;
    }
    if (type != XPT_RANGE_PORT && type != XPT_RANGE_MEMORY) {
        return -EINVAL;
    }
    errno = 0;
    int rc = xendevicemodel_map_io_range_to_ioreq_server(x->dmod, x->domid, x->ioservid,
                                                         type == XPT_RANGE_MEMORY, start, end);
    return xen_result(rc < 0);
}

static int xen_unclaim_range(void *opaque, XptRangeType type, uint64_t start, uint64_t end)
{
    XptXenHvCtx *x = opaque;
    if (type == XPT_RANGE_PCI) {
        if (!pci_range_ok(start, end)) {
            return -EINVAL;
        }
        int first = 0;
        for (uint64_t s = start; s <= end; s++) {
            int rc = pcidev_map(x, (uint32_t)s, false);
            if (rc < 0 && first == 0) {
                first = rc;
            }
        }
        return first;
    }
    if (type != XPT_RANGE_PORT && type != XPT_RANGE_MEMORY) {
        return -EINVAL;
    }
    errno = 0;
    int rc = xendevicemodel_unmap_io_range_from_ioreq_server(x->dmod, x->domid, x->ioservid,
                                                             type == XPT_RANGE_MEMORY, start,
                                                             end);
    return xen_result(rc < 0);
}

static int xen_set_pci_link_route(void *opaque, uint8_t link, uint8_t isa_irq)
{
    XptXenHvCtx *x = opaque;
    errno = 0;
    int rc = xendevicemodel_set_pci_link_route(x->dmod, x->domid, link, isa_irq);
    return xen_result(rc < 0);
}

static int xen_set_isa_irq_level(void *opaque, uint8_t isa_irq, unsigned level)
{
    XptXenHvCtx *x = opaque;
    errno = 0;
    int rc = xendevicemodel_set_isa_irq_level(x->dmod, x->domid, isa_irq, level);
    return xen_result(rc < 0);
}

static int xen_map_pirq(void *opaque, int host_irq, int *pirq)
{
    XptXenHvCtx *x = opaque;
    int p = *pirq;
    errno = 0;
    int rc = xc_physdev_map_pirq(x->xch, x->domid, host_irq, &p);
    if (rc < 0) {
        return xen_result(true);
    }
    *pirq = p;
    return 0;
}

/*
 * PHYSDEVOP_map_pirq with MAP_PIRQ_TYPE_MSI_SEG for a device outside segment 0:
 * libxenctrl's xc_physdev_map_pirq_msi sends MAP_PIRQ_TYPE_MSI, which Xen reads as
 * segment 0 (xen/arch/x86/physdev.c do_physdev_op: msi.sbdf.seg = 0 unless the type is
 * MSI_SEG, which takes seg = bus >> 16), so it would map the same bus/devfn of segment 0.
 * The call goes through libxencall on the xencall handle of @x->xch
 * (xc_interface_xcall_handle), with the argument in a hypercall buffer, as
 * libxenctrl's do_physdev_op does.
 */
static int map_pirq_msi_seg(XptXenHvCtx *x, int *pirq, uint16_t host_seg, uint8_t host_bus,
                            uint8_t host_devfn, int entry_nr, uint64_t table_base)
{
    xencall_handle *xcall = xc_interface_xcall_handle(x->xch);
    physdev_map_pirq_t *map = xcall ? xencall_alloc_buffer(xcall, sizeof(*map)) : NULL;
    if (!map) {
        return -ENOMEM;
    }
    memset(map, 0, sizeof(*map));
    map->domid = x->domid;
    map->type = MAP_PIRQ_TYPE_MSI_SEG;
    map->index = -1;
    map->pirq = *pirq;
    map->bus = (int)((uint32_t)host_seg << 16 | host_bus);
    map->devfn = host_devfn;
    map->entry_nr = entry_nr;
    map->table_base = table_base;
    errno = 0;
    int rc = xencall2(xcall, __HYPERVISOR_physdev_op, PHYSDEVOP_map_pirq,
                      (uint64_t)(uintptr_t)map);
    rc = xen_result(rc < 0);
    if (!rc) {
        *pirq = map->pirq;
    }
    xencall_free_buffer(xcall, map);
    return rc;
}

static int xen_map_pirq_msi(void *opaque, int *pirq, uint16_t host_seg, uint8_t host_bus,
                            uint8_t host_devfn, int entry_nr, uint64_t table_base)
{
    XptXenHvCtx *x = opaque;
    if (host_seg != 0) {
        return map_pirq_msi_seg(x, pirq, host_seg, host_bus, host_devfn, entry_nr, table_base);
    }
    int p = *pirq;
    errno = 0;
    /* index -1: Xen allocates the MSI (reference/xen-abi.md §Call sequences "MSI enable"). */
    int rc = xc_physdev_map_pirq_msi(x->xch, x->domid, -1, &p, host_devfn, host_bus, entry_nr,
                                     table_base);
    if (rc < 0) {
        return xen_result(true);
    }
    *pirq = p;
    return 0;
}

static int xen_unmap_pirq(void *opaque, int pirq)
{
    XptXenHvCtx *x = opaque;
    errno = 0;
    int rc = xc_physdev_unmap_pirq(x->xch, x->domid, pirq);
    return xen_result(rc < 0);
}

static int xen_bind_msi(void *opaque, uint32_t gvec, int pirq, uint32_t gflags, uint64_t gtable)
{
    XptXenHvCtx *x = opaque;
    if (pirq < 0) {
        return -EINVAL;
    }
    errno = 0;
    int rc = xc_domain_update_msi_irq(x->xch, x->domid, gvec, (uint32_t)pirq, gflags, gtable);
    return xen_result(rc < 0);
}

static int xen_unbind_msi(void *opaque, uint32_t gvec, int pirq, uint32_t gflags)
{
    XptXenHvCtx *x = opaque;
    if (pirq < 0) {
        return -EINVAL;
    }
    errno = 0;
    int rc = xc_domain_unbind_msi_irq(x->xch, x->domid, gvec, (uint32_t)pirq, gflags);
    return xen_result(rc < 0);
}

/* The uint8_t machine_irq of xc_domain_{bind_pt_pci,unbind_pt}_irq (xenctrl.h). */
static bool pt_irq_pirq_ok(const char *call, int pirq)
{
    if (pirq >= 0 && pirq <= XPT_XEN_PT_IRQ_MAX_PIRQ) {
        return true;
    }
    xpt_warn_report("%s: pirq %d does not fit libxenctrl's 8-bit machine_irq (0-%d); "
                    "not calling it (INTx of this device cannot be routed; MSI/MSI-X can)",
                    call, pirq, XPT_XEN_PT_IRQ_MAX_PIRQ);
    return false;
}

static int xen_bind_pt_intx(void *opaque, int pirq, uint8_t bus, uint8_t dev, uint8_t intx)
{
    XptXenHvCtx *x = opaque;
    if (!pt_irq_pirq_ok("xc_domain_bind_pt_pci_irq", pirq)) {
        return -EINVAL;
    }
    errno = 0;
    int rc = xc_domain_bind_pt_pci_irq(x->xch, x->domid, (uint8_t)pirq, bus, dev, intx);
    return xen_result(rc < 0);
}

static int xen_unbind_pt_intx(void *opaque, int pirq, uint8_t bus, uint8_t dev, uint8_t intx)
{
    XptXenHvCtx *x = opaque;
    if (!pt_irq_pirq_ok("xc_domain_unbind_pt_irq", pirq)) {
        return -EINVAL;
    }
    errno = 0;
    int rc = xc_domain_unbind_pt_irq(x->xch, x->domid, (uint8_t)pirq, PT_IRQ_TYPE_PCI, bus, dev,
                                     intx, 0);
    return xen_result(rc < 0);
}

/*
 * Copy between @buf and guest memory [gpa, gpa+len), mapping one page at a time and
 * unmapping it at once: no mapping outlives the call (no map cache, see hvops-xen.h).
 */
static int guest_copy(XptXenHvCtx *x, uint64_t gpa, void *buf, size_t len, bool write)
{
    if (len == 0) {
        return 0;
    }
    if (len > XPT_XEN_GUEST_MEM_MAX || gpa > UINT64_MAX - (len - 1)) {
        return -EINVAL;
    }
    uint8_t *p = buf;
    while (len > 0) {
        xen_pfn_t gfn = (xen_pfn_t)(gpa >> XPT_PAGE_SHIFT);
        size_t off = (size_t)(gpa & (XPT_PAGE_SIZE - 1));
        size_t chunk = MIN(len, (size_t)XPT_PAGE_SIZE - off);

        errno = 0;
        uint8_t *page = xenforeignmemory_map(x->fmem, x->domid,
                                             write ? PROT_READ | PROT_WRITE : PROT_READ, 1,
                                             &gfn, NULL);
        if (!page) {
            return xen_result(true);
        }
        if (write) {
            memcpy(page + off, p, chunk);
        } else {
            memcpy(p, page + off, chunk);
        }
        if (xenforeignmemory_unmap(x->fmem, page, 1) < 0) {
            /* The copy happened; a failed unmap only leaks address space: say so. */
            xpt_warn_report("xenforeignmemory_unmap(gfn 0x%lx): %s", (unsigned long)gfn,
                            g_strerror(errno));
        }
        p += chunk;
        gpa += chunk;
        len -= chunk;
    }
    return 0;
}

static int xen_guest_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
    return guest_copy(opaque, gpa, buf, len, false);
}

static int xen_guest_write(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
    /* guest_copy only reads @buf when writing guest memory. */
    return guest_copy(opaque, gpa, (void *)buf, len, true);
}

static int xen_shutdown(void *opaque, unsigned reason)
{
    XptXenHvCtx *x = opaque;
    errno = 0;
    int rc = xendevicemodel_shutdown(x->dmod, x->domid, reason);
    return xen_result(rc < 0);
}

/* vcpu 0: the vCPU libxl's xl trigger DOM power passes by default (libxl_send_trigger). */
static int xen_power_button(void *opaque)
{
    XptXenHvCtx *x = opaque;
    errno = 0;
    int rc = xc_domain_send_trigger(x->xch, x->domid, XEN_DOMCTL_SENDTRIGGER_POWER, 0);
    return xen_result(rc < 0);
}

/* Xen ≥ 4.19's public/features.h; Debian 12's 4.17 headers do not have it. */
#ifndef XENFEAT_dm_msix_all_writes
#define XENFEAT_dm_msix_all_writes 20
#endif

/* Asked once (xc_version XENVER_get_features, submap 0: what Xen reports to this
 * domain, xen/common/kernel.c do_xen_version); a failure reads as "not set". */
static bool xen_dm_msix_all_writes(void *opaque)
{
    XptXenHvCtx *x = opaque;
    if (x->features0 < 0) {
        xen_feature_info_t fi = { .submap_idx = 0 };
        x->features0 = xc_version(x->xch, XENVER_get_features, &fi) < 0 ? 0
                                                                        : (int)(fi.submap & INT_MAX);
        xpt_log(XPT_LOG_HV, "Xen features (submap 0) 0x%x: MSI-X mask writes %s",
                (unsigned)x->features0,
                (x->features0 >> XENFEAT_dm_msix_all_writes) & 1 ? "forwarded"
                                                                 : "handled by Xen alone");
    }
    return (x->features0 >> XENFEAT_dm_msix_all_writes) & 1;
}

const XptHvOps xpt_xen_hv_ops = {
    .name = "xen",
    .memory_mapping = xen_memory_mapping,
    .ioport_mapping = xen_ioport_mapping,
    .claim_range = xen_claim_range,
    .unclaim_range = xen_unclaim_range,
    .set_pci_link_route = xen_set_pci_link_route,
    .set_isa_irq_level = xen_set_isa_irq_level,
    .map_pirq = xen_map_pirq,
    .map_pirq_msi = xen_map_pirq_msi,
    .unmap_pirq = xen_unmap_pirq,
    .bind_msi = xen_bind_msi,
    .unbind_msi = xen_unbind_msi,
    .bind_pt_intx = xen_bind_pt_intx,
    .unbind_pt_intx = xen_unbind_pt_intx,
    .guest_read = xen_guest_read,
    .guest_write = xen_guest_write,
    .shutdown = xen_shutdown,
    .power_button = xen_power_button,
    .dm_msix_all_writes = xen_dm_msix_all_writes,
    .grant_device = NULL,
    .revoke_device = NULL,
};
