/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fake libxenctrl and libxencall (tests/fake-libxen.h): the xc_* calls of the accelerator
 * and of the hypervisor operations.
 */
#include "tests/fake-libxen-int.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <xencall.h>
#include <xen/memory.h>
#include <xen/physdev.h>

xc_interface *xc_interface_open(xentoollog_logger *logger, xentoollog_logger *dombuild_logger,
                                unsigned open_flags)
{
    fxen_record("xc_interface_open");
    if (fxen_inject("xc_interface_open")) {
        return NULL;
    }
    fake_xen.open_handles++;
    return g_new0(xc_interface, 1);
}

int xc_interface_close(xc_interface *xch)
{
    fxen_record("xc_interface_close");
    g_assert(xch && fake_xen.open_handles > 0);
    fake_xen.open_handles--;
    g_free(xch);
    return 0;
}

/* The readiness check's physinfo (xen/xen-physinfo.c): capabilities from
 * $FAKE_XEN_PHYSCAP (a number, e.g. 0x5 = hvm | directio), default hvm | directio. */
int xc_physinfo(xc_interface *xch, xc_physinfo_t *info)
{
    const char *env = getenv("FAKE_XEN_PHYSCAP");

    fxen_record("xc_physinfo");
    if (fxen_inject("xc_physinfo")) {
        return -1;
    }
    memset(info, 0, sizeof(*info));
    info->capabilities = env ? (uint32_t)strtoul(env, NULL, 0)
                             : XEN_SYSCTL_PHYSCAP_hvm | XEN_SYSCTL_PHYSCAP_directio;
    return 0;
}

int xc_domain_memory_mapping(xc_interface *xch, uint32_t domid, unsigned long first_gfn,
                             unsigned long first_mfn, unsigned long nr_mfns,
                             uint32_t add_mapping)
{
    fxen_record("xc_domain_memory_mapping dom=%u gfn=0x%lx mfn=0x%lx nr=%lu %s", domid, first_gfn,
                first_mfn, nr_mfns, add_mapping == DPCI_ADD_MAPPING ? "DPCI_ADD_MAPPING"
                : add_mapping == DPCI_REMOVE_MAPPING ? "DPCI_REMOVE_MAPPING" : "?");
    return fxen_inject("xc_domain_memory_mapping") ? -1 : 0;
}

int xc_domain_ioport_mapping(xc_interface *xch, uint32_t domid, uint32_t first_gport,
                             uint32_t first_mport, uint32_t nr_ports, uint32_t add_mapping)
{
    fxen_record("xc_domain_ioport_mapping dom=%u gport=0x%x mport=0x%x nr=%u %s", domid,
                first_gport, first_mport, nr_ports, add_mapping == DPCI_ADD_MAPPING
                ? "DPCI_ADD_MAPPING" : add_mapping == DPCI_REMOVE_MAPPING ? "DPCI_REMOVE_MAPPING"
                : "?");
    return fxen_inject("xc_domain_ioport_mapping") ? -1 : 0;
}

int xc_physdev_map_pirq(xc_interface *xch, uint32_t domid, int index, int *pirq)
{
    fxen_record("xc_physdev_map_pirq dom=%u index=%d pirq=%d", domid, index, *pirq);
    if (fxen_inject("xc_physdev_map_pirq")) {
        return -1;
    }
    if (*pirq < 0) {
        *pirq = index;
    }
    return 0;
}

int xc_physdev_map_pirq_msi(xc_interface *xch, uint32_t domid, int index, int *pirq, int devfn,
                            int bus, int entry_nr, uint64_t table_base)
{
    fxen_record("xc_physdev_map_pirq_msi dom=%u index=%d pirq=%d devfn=0x%x bus=0x%x entry=%d "
                "table=0x%" PRIx64, domid, index, *pirq, devfn, bus, entry_nr, table_base);
    if (fxen_inject("xc_physdev_map_pirq_msi")) {
        return -1;
    }
    if (*pirq < 0) {
        *pirq = FAKE_XEN_MSI_PIRQ;
    }
    return 0;
}

/*
 * libxencall, as far as the device model uses it: the xencall handle of an xc_interface
 * and PHYSDEVOP_map_pirq (recorded like xc_physdev_map_pirq_msi, with its type and the
 * segment-carrying bus); buffers are checked to be this library's.
 */
struct xencall_handle {
    int unused;
};
static struct xencall_handle fake_xcall;

xencall_handle *xc_interface_xcall_handle(xc_interface *xch)
{
    g_assert(xch);
    return &fake_xcall;
}

void *xencall_alloc_buffer(xencall_handle *xcall, size_t size)
{
    g_assert(xcall == &fake_xcall);
    if (fxen_inject("xencall_alloc_buffer")) {
        return NULL;
    }
    return g_malloc0(size);
}

void xencall_free_buffer(xencall_handle *xcall, void *p)
{
    g_assert(xcall == &fake_xcall);
    g_free(p);
}

int xencall2(xencall_handle *xcall, unsigned int op, uint64_t arg1, uint64_t arg2)
{
    g_assert(xcall == &fake_xcall);
    g_assert_cmpuint(op, ==, __HYPERVISOR_physdev_op);
    g_assert_cmpuint(arg1, ==, PHYSDEVOP_map_pirq);
    physdev_map_pirq_t *map = (physdev_map_pirq_t *)(uintptr_t)arg2;
    fxen_record("physdev_op map_pirq dom=%u type=%d index=%d pirq=%d devfn=0x%x bus=0x%x entry=%d "
                "table=0x%" PRIx64, map->domid, map->type, map->index, map->pirq, map->devfn,
                map->bus, map->entry_nr, map->table_base);
    if (fxen_inject("physdev_op")) {
        return -1;
    }
    if (map->pirq < 0) {
        map->pirq = FAKE_XEN_MSI_PIRQ;
    }
    return 0;
}

int xc_physdev_unmap_pirq(xc_interface *xch, uint32_t domid, int pirq)
{
    fxen_record("xc_physdev_unmap_pirq dom=%u pirq=%d", domid, pirq);
    return fxen_inject("xc_physdev_unmap_pirq") ? -1 : 0;
}

void fake_xen_set_features(uint32_t submap0)
{
    fxen_ensure_init();
    fake_xen.features0 = submap0;
}

/* Only XENVER_get_features (submap 0) is answered; other commands fail with ENOSYS. */
int xc_version(xc_interface *xch, int cmd, void *arg)
{
    fxen_record("xc_version cmd=%d", cmd);
    if (fxen_inject("xc_version")) {
        return -1;
    }
    if (cmd != XENVER_get_features) {
        errno = ENOSYS;
        return -1;
    }
    xen_feature_info_t *fi = arg;
    fi->submap = fi->submap_idx == 0 ? fake_xen.features0 : 0;
    return 0;
}

int xc_domain_send_trigger(xc_interface *xch, uint32_t domid, uint32_t trigger, uint32_t vcpu)
{
    fxen_record("xc_domain_send_trigger dom=%u trigger=%u vcpu=%u", domid, trigger, vcpu);
    return fxen_inject("xc_domain_send_trigger") ? -1 : 0;
}

int xc_domain_update_msi_irq(xc_interface *xch, uint32_t domid, uint32_t gvec, uint32_t pirq,
                             uint32_t gflags, uint64_t gtable)
{
    fxen_record("xc_domain_update_msi_irq dom=%u gvec=0x%x pirq=%u gflags=0x%x gtable=0x%" PRIx64,
                domid, gvec, pirq, gflags, gtable);
    return fxen_inject("xc_domain_update_msi_irq") ? -1 : 0;
}

int xc_domain_unbind_msi_irq(xc_interface *xch, uint32_t domid, uint32_t gvec, uint32_t pirq,
                             uint32_t gflags)
{
    fxen_record("xc_domain_unbind_msi_irq dom=%u gvec=0x%x pirq=%u gflags=0x%x", domid, gvec, pirq,
                gflags);
    return fxen_inject("xc_domain_unbind_msi_irq") ? -1 : 0;
}

int xc_domain_bind_pt_pci_irq(xc_interface *xch, uint32_t domid, uint8_t machine_irq,
                              uint8_t bus, uint8_t device, uint8_t intx)
{
    fxen_record("xc_domain_bind_pt_pci_irq dom=%u irq=%u bus=%u dev=%u intx=%u", domid, machine_irq,
                bus, device, intx);
    return fxen_inject("xc_domain_bind_pt_pci_irq") ? -1 : 0;
}

int xc_domain_unbind_pt_irq(xc_interface *xch, uint32_t domid, uint8_t machine_irq,
                            uint8_t irq_type, uint8_t bus, uint8_t device, uint8_t intx,
                            uint8_t isa_irq)
{
    fxen_record("xc_domain_unbind_pt_irq dom=%u irq=%u type=%s bus=%u dev=%u intx=%u isa_irq=%u",
                domid, machine_irq, irq_type == PT_IRQ_TYPE_PCI ? "PT_IRQ_TYPE_PCI" : "?", bus,
                device, intx, isa_irq);
    return fxen_inject("xc_domain_unbind_pt_irq") ? -1 : 0;
}
