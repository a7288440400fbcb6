/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fake libxendevicemodel: the ioreq server, its claims and the dm_ops (tests/fake-libxen.h). */
#include "tests/fake-libxen-int.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

xendevicemodel_handle *xendevicemodel_open(struct xentoollog_logger *logger,
                                           unsigned int open_flags)
{
    fxen_record("xendevicemodel_open");
    if (fxen_inject("xendevicemodel_open")) {
        return NULL;
    }
    fake_xen.open_handles++;
    xendevicemodel_handle *dmod = g_new0(xendevicemodel_handle, 1);
    dmod->restricted = -1;
    return dmod;
}

int xendevicemodel_restrict(xendevicemodel_handle *dmod, domid_t domid)
{
    fxen_record("xendevicemodel_restrict dom=%u", domid);
    if (fxen_inject("xendevicemodel_restrict")) {
        return -1;
    }
    return fxen_do_restrict(&dmod->restricted, FAKE_XEN_LIB_DEVICEMODEL, domid);
}

int xendevicemodel_close(xendevicemodel_handle *dmod)
{
    fxen_record("xendevicemodel_close");
    g_assert(dmod && fake_xen.open_handles > 0);
    fake_xen.open_handles--;
    g_free(dmod);
    return 0;
}

int xendevicemodel_nr_vcpus(xendevicemodel_handle *dmod, domid_t domid, unsigned int *vcpus)
{
    fxen_record("xendevicemodel_nr_vcpus dom=%u", domid);
    if (fxen_inject("xendevicemodel_nr_vcpus") ||
        !fxen_restricted_ok(dmod->restricted, domid, EPERM)) {
        return -1;
    }
    *vcpus = fake_xen.nr_vcpus;
    return 0;
}

int xendevicemodel_create_ioreq_server(xendevicemodel_handle *dmod, domid_t domid,
                                       int handle_bufioreq, ioservid_t *id)
{
    fxen_record("xendevicemodel_create_ioreq_server dom=%u bufioreq=%d", domid, handle_bufioreq);
    if (fxen_inject("xendevicemodel_create_ioreq_server") ||
        !fxen_restricted_ok(dmod->restricted, domid, EPERM)) {
        return -1;
    }
    g_assert(!fake_xen.server);
    fake_xen.server = true;
    fake_xen.domid = domid;
    *id = FAKE_XEN_IOSERVID;
    return 0;
}

/* Xen checks that the server exists and belongs to this domain: ENOENT otherwise. */
bool fxen_server_ok(domid_t domid, ioservid_t id)
{
    if (!fake_xen.server || domid != fake_xen.domid || id != FAKE_XEN_IOSERVID) {
        fxen_failed(ENOENT);
        return false;
    }
    return true;
}

int xendevicemodel_destroy_ioreq_server(xendevicemodel_handle *dmod, domid_t domid,
                                        ioservid_t id)
{
    fxen_record("xendevicemodel_destroy_ioreq_server dom=%u id=%u", domid, id);
    if (fxen_inject("xendevicemodel_destroy_ioreq_server") ||
        !fxen_restricted_ok(dmod->restricted, domid, EPERM) ||
        !fxen_server_ok(domid, id)) {
        return -1;
    }
    fake_xen.server = false;
    fake_xen.enabled = false;
    g_array_set_size(fake_xen.claims, 0);
    return 0;
}

int xendevicemodel_set_ioreq_server_state(xendevicemodel_handle *dmod, domid_t domid,
                                          ioservid_t id, int enabled)
{
    fxen_record("xendevicemodel_set_ioreq_server_state dom=%u id=%u enabled=%d",
                domid, id, enabled);
    if (fxen_inject("xendevicemodel_set_ioreq_server_state") ||
        !fxen_restricted_ok(dmod->restricted, domid, EPERM) ||
        !fxen_server_ok(domid, id)) {
        return -1;
    }
    fake_xen.enabled = enabled != 0;
    /* Xen's ioreq_server_enable → ioreq_update_evtchn: each vCPU's port in its slot. */
    if (fake_xen.enabled && fake_xen.page) {
        for (unsigned i = 0; i < fake_xen.nr_vcpus && i < G_N_ELEMENTS(fake_xen.bound_local); i++) {
            fake_xen.page[i].vp_eport = FAKE_XEN_REMOTE_PORT(i);
        }
    }
    return 0;
}

static int claim_add(int type, uint64_t start, uint64_t end)
{
    for (unsigned i = 0; i < fake_xen.claims->len; i++) {
        Claim *c = &g_array_index(fake_xen.claims, Claim, i);
        if (c->type == type && start <= c->end && c->start <= end) {
            fxen_failed(EEXIST);
            return -1;
        }
    }
    Claim c = { type, start, end };
    g_array_append_val(fake_xen.claims, c);
    return 0;
}

static int claim_del(int type, uint64_t start, uint64_t end)
{
    for (unsigned i = 0; i < fake_xen.claims->len; i++) {
        Claim *c = &g_array_index(fake_xen.claims, Claim, i);
        if (c->type == type && c->start == start && c->end == end) {
            g_array_remove_index(fake_xen.claims, i);
            return 0;
        }
    }
    fxen_failed(ENOENT);
    return -1;
}

int xendevicemodel_map_io_range_to_ioreq_server(xendevicemodel_handle *dmod, domid_t domid,
                                                ioservid_t id, int is_mmio, uint64_t start,
                                                uint64_t end)
{
    fxen_record("xendevicemodel_map_io_range_to_ioreq_server dom=%u id=%u %s 0x%" PRIx64 "-0x%"
                PRIx64, domid, id, is_mmio ? "mmio" : "port", start, end);
    if (fxen_inject("xendevicemodel_map_io_range_to_ioreq_server") ||
        !fxen_restricted_ok(dmod->restricted, domid, EPERM) ||
        !fxen_server_ok(domid, id)) {
        return -1;
    }
    return claim_add(is_mmio ? XEN_DMOP_IO_RANGE_MEMORY : XEN_DMOP_IO_RANGE_PORT, start, end);
}

int xendevicemodel_unmap_io_range_from_ioreq_server(xendevicemodel_handle *dmod, domid_t domid,
                                                    ioservid_t id, int is_mmio, uint64_t start,
                                                    uint64_t end)
{
    fxen_record("xendevicemodel_unmap_io_range_from_ioreq_server dom=%u id=%u %s 0x%" PRIx64 "-0x%"
                PRIx64, domid, id, is_mmio ? "mmio" : "port", start, end);
    if (fxen_inject("xendevicemodel_unmap_io_range_from_ioreq_server") ||
        !fxen_restricted_ok(dmod->restricted, domid, EPERM) ||
        !fxen_server_ok(domid, id)) {
        return -1;
    }
    return claim_del(is_mmio ? XEN_DMOP_IO_RANGE_MEMORY : XEN_DMOP_IO_RANGE_PORT, start, end);
}

int xendevicemodel_map_pcidev_to_ioreq_server(xendevicemodel_handle *dmod, domid_t domid,
                                              ioservid_t id, uint16_t segment, uint8_t bus,
                                              uint8_t device, uint8_t function)
{
    fxen_record("xendevicemodel_map_pcidev_to_ioreq_server dom=%u id=%u %04x:%02x:%02x.%u", domid,
                id, segment, bus, device, function);
    if (fxen_inject("xendevicemodel_map_pcidev_to_ioreq_server") ||
        !fxen_restricted_ok(dmod->restricted, domid, EPERM) ||
        !fxen_server_ok(domid, id)) {
        return -1;
    }
    uint32_t sbdf = XEN_DMOP_PCI_SBDF(segment, bus, device, function);
    return claim_add(XEN_DMOP_IO_RANGE_PCI, sbdf, sbdf);
}

int xendevicemodel_unmap_pcidev_from_ioreq_server(xendevicemodel_handle *dmod, domid_t domid,
                                                  ioservid_t id, uint16_t segment, uint8_t bus,
                                                  uint8_t device, uint8_t function)
{
    fxen_record("xendevicemodel_unmap_pcidev_from_ioreq_server dom=%u id=%u %04x:%02x:%02x.%u",
                domid, id, segment, bus, device, function);
    if (fxen_inject("xendevicemodel_unmap_pcidev_from_ioreq_server") ||
        !fxen_restricted_ok(dmod->restricted, domid, EPERM) ||
        !fxen_server_ok(domid, id)) {
        return -1;
    }
    uint32_t sbdf = XEN_DMOP_PCI_SBDF(segment, bus, device, function);
    return claim_del(XEN_DMOP_IO_RANGE_PCI, sbdf, sbdf);
}

int xendevicemodel_set_pci_link_route(xendevicemodel_handle *dmod, domid_t domid, uint8_t link,
                                      uint8_t irq)
{
    fxen_record("xendevicemodel_set_pci_link_route dom=%u link=%u irq=%u", domid, link, irq);
    return fxen_inject("xendevicemodel_set_pci_link_route") ||
           !fxen_restricted_ok(dmod->restricted, domid, EPERM) ? -1 : 0;
}

int xendevicemodel_set_isa_irq_level(xendevicemodel_handle *dmod, domid_t domid, uint8_t irq,
                                     unsigned int level)
{
    fxen_record("xendevicemodel_set_isa_irq_level dom=%u irq=%u level=%u", domid, irq, level);
    return fxen_inject("xendevicemodel_set_isa_irq_level") ||
           !fxen_restricted_ok(dmod->restricted, domid, EPERM) ? -1 : 0;
}

int xendevicemodel_shutdown(xendevicemodel_handle *dmod, domid_t domid, unsigned int reason)
{
    fxen_record("xendevicemodel_shutdown dom=%u reason=%u", domid, reason);
    return fxen_inject("xendevicemodel_shutdown") ||
           !fxen_restricted_ok(dmod->restricted, domid, EPERM) ? -1 : 0;
}
