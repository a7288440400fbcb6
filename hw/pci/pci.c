/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bus 0 of the guest: devfn table, SBDF claims and access validation (hw/pci/pci.h).
 */
#include "hw/pci/pci.h"

#include <string.h>

#include "util/bytes.h"
#include "util/error.h"
#include "util/log.h"

void xpt_pci_bus_init(XptPciBus *bus, XptHv *hv)
{
    memset(bus, 0, sizeof(*bus));
    bus->hv = hv;
}

uint32_t xpt_pci_sbdf(uint8_t devfn)
{
    return XEN_DMOP_PCI_SBDF(0, 0, XPT_PCI_SLOT(devfn), XPT_PCI_FUNC(devfn));
}

bool xpt_pci_bus_plug(XptPciBus *bus, XptPciDevice *dev, uint8_t devfn, GError **errp)
{
    if (bus->devices[devfn]) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_BUSY,
                    "PCI slot %02x.%x is already in use by '%s'", XPT_PCI_SLOT(devfn),
                    XPT_PCI_FUNC(devfn), bus->devices[devfn]->klass->name);
        return false;
    }
    uint32_t sbdf = xpt_pci_sbdf(devfn);
    if (!xpt_hv_claim_range(bus->hv, dev->who, XPT_RANGE_PCI, sbdf, sbdf, errp)) {
        return false;
    }
    dev->bus = bus;
    dev->devfn = devfn;
    dev->plugged = true;
    bus->devices[devfn] = dev;
    return true;
}

void xpt_pci_bus_unplug(XptPciBus *bus, XptPciDevice *dev)
{
    if (!dev->plugged || bus->devices[dev->devfn] != dev) {
        return;
    }
    uint32_t sbdf = xpt_pci_sbdf(dev->devfn);
    for (int attempt = 0; attempt < 2; attempt++) {
        g_autoptr(GError) err = NULL;
        if (xpt_hv_unclaim_range(bus->hv, dev->who, XPT_RANGE_PCI, sbdf, sbdf, &err)) {
            break;
        }
        xpt_warn_report("%s%s", err->message, attempt ? "" : "; retrying");
    }
    bus->devices[dev->devfn] = NULL;
    dev->plugged = false;
}

XptPciDevice *xpt_pci_bus_device(XptPciBus *bus, uint8_t devfn)
{
    return bus->devices[devfn];
}

static XptRateLimit bad_access_rl = XPT_RATELIMIT_INIT(10, 1000);

/* True if the access may reach a device: width 1/2/4, naturally aligned, < 0x100. */
static bool access_ok(uint8_t devfn, uint32_t offset, unsigned len, const char *dir)
{
    if ((len != 1 && len != 2 && len != 4) || (offset & (len - 1)) || offset >= 0x1000) {
        xpt_log_ratelimited(&bad_access_rl, XPT_LOG_GUEST_ERROR,
                            "00:%02x.%x: dropped invalid config %s: offset 0x%x, %u bytes",
                            XPT_PCI_SLOT(devfn), XPT_PCI_FUNC(devfn), dir, offset, len);
        return false;
    }
    /* Extended config space is not routed by Xen 4.17 for HVM guests. */
    return offset < XPT_PCI_CONFIG_SPACE;
}

uint32_t xpt_pci_bus_config_read(XptPciBus *bus, uint8_t devfn, uint32_t offset, unsigned len)
{
    XptPciDevice *dev = bus->devices[devfn];
    if (!dev || !access_ok(devfn, offset, len, "read")) {
        return xpt_ones32(len == 1 || len == 2 ? len : 4);
    }
    return dev->klass->config_read(dev, offset, len) & xpt_ones32(len);
}

void xpt_pci_bus_config_write(XptPciBus *bus, uint8_t devfn, uint32_t offset, unsigned len,
                              uint32_t val)
{
    XptPciDevice *dev = bus->devices[devfn];
    if (!dev || !access_ok(devfn, offset, len, "write")) {
        return;
    }
    dev->klass->config_write(dev, offset, len, val & xpt_ones32(len));
}
