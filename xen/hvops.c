/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Wrappers around the hypervisor-operations vtable (xen/hvops.h): one place that logs
 * every operation under `-d hv` and turns a negative errno into a GError naming the call.
 */
#include "xen/hvops.h"

#include <errno.h>

#include "util/error.h"
#include "util/log.h"

/* Log and convert the result of one call. @call is the libxen name of the operation. */
static bool hv_result(int rc, const char *who, GError **errp, const char *call,
                      const char *fmt, ...) G_GNUC_PRINTF(5, 6);

static bool hv_result(int rc, const char *who, GError **errp, const char *call,
                      const char *fmt, ...)
{
    if (rc == 0 && !xpt_log_enabled(XPT_LOG_HV)) {
        return true;    /* nothing to print: the arguments are not formatted */
    }
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *args = g_strdup_vprintf(fmt, ap);
    va_end(ap);

    if (rc == 0) {
        xpt_log(XPT_LOG_HV, "%s%s%s(%s) = 0", who ? who : "", who ? ": " : "", call, args);
        return true;
    }
    int err = rc < 0 ? -rc : EIO;
    xpt_log(XPT_LOG_HV, "%s%s%s(%s) = -%d", who ? who : "", who ? ": " : "", call, args, err);
    xpt_error_set_errno(errp, err, "%s%s%s(%s) failed", who ? who : "", who ? ": " : "",
                        call, args);
    return false;
}

bool xpt_hv_memory_mapping(XptHv *hv, const char *who, uint64_t gfn, uint64_t mfn,
                           uint64_t nr_pages, bool add, GError **errp)
{
    int rc = hv->ops->memory_mapping(hv->opaque, gfn, mfn, nr_pages, add);
    return hv_result(rc, who, errp, "xc_domain_memory_mapping",
                     "gfn 0x%" G_GINT64_MODIFIER "x, mfn 0x%" G_GINT64_MODIFIER "x, "
                     "%" G_GUINT64_FORMAT " pages, %s", gfn, mfn, nr_pages,
                     add ? "add" : "remove");
}

bool xpt_hv_ioport_mapping(XptHv *hv, const char *who, uint32_t gport, uint32_t mport,
                           uint32_t nr_ports, bool add, GError **errp)
{
    int rc = hv->ops->ioport_mapping(hv->opaque, gport, mport, nr_ports, add);
    return hv_result(rc, who, errp, "xc_domain_ioport_mapping",
                     "gport 0x%x, mport 0x%x, %u ports, %s", gport, mport, nr_ports,
                     add ? "add" : "remove");
}

static const char *range_name(XptRangeType type)
{
    switch (type) {
    case XPT_RANGE_PORT: return "port";
    case XPT_RANGE_MEMORY: return "mmio";
    case XPT_RANGE_PCI: return "pci";
    }
    return "?";
}

bool xpt_hv_claim_range(XptHv *hv, const char *who, XptRangeType type, uint64_t start,
                        uint64_t end, GError **errp)
{
    int rc = hv->ops->claim_range(hv->opaque, type, start, end);
    return hv_result(rc, who, errp,
                     type == XPT_RANGE_PCI ? "xendevicemodel_map_pcidev_to_ioreq_server"
                                           : "xendevicemodel_map_io_range_to_ioreq_server",
                     "%s 0x%" G_GINT64_MODIFIER "x-0x%" G_GINT64_MODIFIER "x",
                     range_name(type), start, end);
}

bool xpt_hv_unclaim_range(XptHv *hv, const char *who, XptRangeType type, uint64_t start,
                          uint64_t end, GError **errp)
{
    int rc = hv->ops->unclaim_range(hv->opaque, type, start, end);
    return hv_result(rc, who, errp,
                     type == XPT_RANGE_PCI
                         ? "xendevicemodel_unmap_pcidev_from_ioreq_server"
                         : "xendevicemodel_unmap_io_range_from_ioreq_server",
                     "%s 0x%" G_GINT64_MODIFIER "x-0x%" G_GINT64_MODIFIER "x",
                     range_name(type), start, end);
}

bool xpt_hv_set_pci_link_route(XptHv *hv, uint8_t link, uint8_t isa_irq, GError **errp)
{
    int rc = hv->ops->set_pci_link_route(hv->opaque, link, isa_irq);
    return hv_result(rc, NULL, errp, "xendevicemodel_set_pci_link_route",
                     "link %u, isa_irq %u", link, isa_irq);
}

bool xpt_hv_set_isa_irq_level(XptHv *hv, uint8_t isa_irq, unsigned level, GError **errp)
{
    int rc = hv->ops->set_isa_irq_level(hv->opaque, isa_irq, level);
    return hv_result(rc, NULL, errp, "xendevicemodel_set_isa_irq_level",
                     "isa_irq %u, level %u", isa_irq, level);
}

bool xpt_hv_map_pirq(XptHv *hv, const char *who, int host_irq, int *pirq, GError **errp)
{
    int rc = hv->ops->map_pirq(hv->opaque, host_irq, pirq);
    return hv_result(rc, who, errp, "xc_physdev_map_pirq", "irq %d → pirq %d", host_irq,
                     rc == 0 ? *pirq : -1);
}

bool xpt_hv_map_pirq_msi(XptHv *hv, const char *who, int *pirq, uint16_t host_seg,
                         uint8_t host_bus, uint8_t host_devfn, int entry_nr,
                         uint64_t table_base, GError **errp)
{
    int rc = hv->ops->map_pirq_msi(hv->opaque, pirq, host_seg, host_bus, host_devfn,
                                   entry_nr, table_base);
    return hv_result(rc, who, errp, "xc_physdev_map_pirq_msi",
                     "%04x:%02x:%02x.%x entry %d table 0x%" G_GINT64_MODIFIER "x → pirq %d",
                     host_seg, host_bus, host_devfn >> 3, host_devfn & 7, entry_nr,
                     table_base, rc == 0 ? *pirq : -1);
}

bool xpt_hv_unmap_pirq(XptHv *hv, const char *who, int pirq, GError **errp)
{
    int rc = hv->ops->unmap_pirq(hv->opaque, pirq);
    return hv_result(rc, who, errp, "xc_physdev_unmap_pirq", "pirq %d", pirq);
}

bool xpt_hv_bind_msi(XptHv *hv, const char *who, uint32_t gvec, int pirq, uint32_t gflags,
                     uint64_t gtable, GError **errp)
{
    int rc = hv->ops->bind_msi(hv->opaque, gvec, pirq, gflags, gtable);
    return hv_result(rc, who, errp, "xc_domain_update_msi_irq",
                     "gvec 0x%x, pirq %d, gflags 0x%x, gtable 0x%" G_GINT64_MODIFIER "x",
                     gvec, pirq, gflags, gtable);
}

bool xpt_hv_unbind_msi(XptHv *hv, const char *who, uint32_t gvec, int pirq, uint32_t gflags,
                       GError **errp)
{
    int rc = hv->ops->unbind_msi(hv->opaque, gvec, pirq, gflags);
    return hv_result(rc, who, errp, "xc_domain_unbind_msi_irq",
                     "gvec 0x%x, pirq %d, gflags 0x%x", gvec, pirq, gflags);
}

bool xpt_hv_bind_pt_intx(XptHv *hv, const char *who, int pirq, uint8_t bus, uint8_t dev,
                         uint8_t intx, GError **errp)
{
    int rc = hv->ops->bind_pt_intx(hv->opaque, pirq, bus, dev, intx);
    return hv_result(rc, who, errp, "xc_domain_bind_pt_pci_irq",
                     "pirq %d, bus %u, dev %u, intx %u", pirq, bus, dev, intx);
}

bool xpt_hv_unbind_pt_intx(XptHv *hv, const char *who, int pirq, uint8_t bus, uint8_t dev,
                           uint8_t intx, GError **errp)
{
    int rc = hv->ops->unbind_pt_intx(hv->opaque, pirq, bus, dev, intx);
    return hv_result(rc, who, errp, "xc_domain_unbind_pt_irq",
                     "pirq %d, bus %u, dev %u, intx %u", pirq, bus, dev, intx);
}

bool xpt_hv_guest_read(XptHv *hv, uint64_t gpa, void *buf, size_t len, GError **errp)
{
    int rc = hv->ops->guest_read(hv->opaque, gpa, buf, len);
    if (rc == 0) {
        return true;
    }
    xpt_error_set_errno(errp, -rc, "guest memory read of %zu bytes at 0x%" G_GINT64_MODIFIER
                        "x failed", len, gpa);
    return false;
}

bool xpt_hv_guest_write(XptHv *hv, uint64_t gpa, const void *buf, size_t len, GError **errp)
{
    int rc = hv->ops->guest_write(hv->opaque, gpa, buf, len);
    if (rc == 0) {
        return true;
    }
    xpt_error_set_errno(errp, -rc, "guest memory write of %zu bytes at 0x%" G_GINT64_MODIFIER
                        "x failed", len, gpa);
    return false;
}

const char *xpt_hv_shutdown_reason_name(unsigned reason)
{
    switch (reason) {
    case SHUTDOWN_poweroff: return "poweroff";
    case SHUTDOWN_reboot: return "reboot";
    case SHUTDOWN_suspend: return "suspend";
    case SHUTDOWN_crash: return "crash";
    case SHUTDOWN_watchdog: return "watchdog";
    case SHUTDOWN_soft_reset: return "soft_reset";
    default: return NULL;
    }
}

bool xpt_hv_shutdown(XptHv *hv, unsigned reason, GError **errp)
{
    int rc = hv->ops->shutdown(hv->opaque, reason);
    const char *name = xpt_hv_shutdown_reason_name(reason);
    return hv_result(rc, NULL, errp, "xendevicemodel_shutdown", "SHUTDOWN_%s",
                     name ? name : "?");
}

bool xpt_hv_power_button(XptHv *hv, GError **errp)
{
    int rc = hv->ops->power_button(hv->opaque);
    return hv_result(rc, NULL, errp, "xc_domain_send_trigger",
                     "XEN_DOMCTL_SENDTRIGGER_POWER, vcpu 0");
}

bool xpt_hv_dm_msix_all_writes(XptHv *hv)
{
    return hv->ops->dm_msix_all_writes && hv->ops->dm_msix_all_writes(hv->opaque);
}

bool xpt_hv_grant_device(XptHv *hv, const char *who, const XptHostGrant *grant, GError **errp)
{
    if (!hv->ops->grant_device) {
        return true;
    }
    return hv_result(hv->ops->grant_device(hv->opaque, grant), who, errp,
                     "toolstack grant", "sbdf 0x%x", grant->host_sbdf);
}

bool xpt_hv_revoke_device(XptHv *hv, const char *who, const XptHostGrant *grant,
                          GError **errp)
{
    if (!hv->ops->revoke_device) {
        return true;
    }
    return hv_result(hv->ops->revoke_device(hv->opaque, grant), who, errp,
                     "toolstack revoke", "sbdf 0x%x", grant->host_sbdf);
}
