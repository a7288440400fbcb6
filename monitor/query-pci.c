/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * query-pci (QEMU 7.2 qapi/pci.json; reply shape as fixtures/qemu-7.2-reference/
 * query-pci-pc-with-e1000.json; reference/qtest-qmp.md §qmp):
 *
 *   [{"bus": 0, "devices": [{"irq_pin", "bus", "qdev_id", "irq"?, "slot",
 *     "class_info": {"class", "desc"?}, "id": {"device", "subsystem-vendor"?, "vendor",
 *     "subsystem"?}, "function", "regions": [...]}, ...]}]
 *
 * Every device of bus 0 in devfn order, the chipset functions included. Identity,
 * class, header type, interrupt pin and line come from the device's config space as the
 * guest reads it (xpt_pci_bus_config_read): "irq" (the interrupt line register) only
 * when the pin is non-zero, subsystem IDs only for header type 0 (2: CardBus offsets),
 * "desc" only for the classes QEMU names (table below). "qdev_id" is "" for a device
 * without id (libxl finds its device by qdev_id, reference/toolstack.md §pci).
 *
 * Regions of a passthrough device: BARs 0–5 and the ROM as "bar": 6, each
 * {"bar", "type": "io"|"memory", "address", "size", "prefetch"?, "mem_type_64"?}
 * (the last two for memory only; the ROM is a 32-bit non-prefetchable memory region).
 * "size" is the guest size (hw/pci/bar.h). "address" is where the guest placed it,
 * from the BAR registers it programmed, or -1 when the region does not decode: the
 * command register's I/O or memory bit is off, the ROM enable bit is off, or the
 * address is not usable (xpt_bar_address_usable: 0, the sizing pattern, misaligned,
 * beyond the type's range) — the same rule QEMU applies (pci_bar_address). The
 * chipset functions have no BARs.
 */
#include <string.h>

#include "hw/i386/xen-platform.h"
#include "hw/pci/bar.h"
#include "hw/xen/xen-pt.h"
#include "monitor/qmp-int.h"

#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_CLASS_DEVICE 0x0a
#define PCI_HEADER_TYPE 0x0e
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID 0x2e
#define PCI_CB_SUBSYSTEM_VENDOR_ID 0x40
#define PCI_CB_SUBSYSTEM_ID 0x42
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN 0x3d

/*
 * Class names as QEMU 7.2's query-pci reports them (PCI Code and ID Assignment
 * Specification class/subclass codes; QEMU's own wording, which clients may match).
 */
static const struct {
    uint16_t class;
    const char *desc;
} class_names[] = {
    { 0x0001, "VGA controller" },
    { 0x0100, "SCSI controller" },
    { 0x0101, "IDE controller" },
    { 0x0102, "Floppy controller" },
    { 0x0103, "IPI controller" },
    { 0x0104, "RAID controller" },
    { 0x0106, "SATA controller" },
    { 0x0107, "SAS controller" },
    { 0x0180, "Storage controller" },
    { 0x0200, "Ethernet controller" },
    { 0x0201, "Token Ring controller" },
    { 0x0202, "FDDI controller" },
    { 0x0203, "ATM controller" },
    { 0x0280, "Network controller" },
    { 0x0300, "VGA controller" },
    { 0x0301, "XGA controller" },
    { 0x0302, "3D controller" },
    { 0x0380, "Display controller" },
    { 0x0400, "Video controller" },
    { 0x0401, "Audio controller" },
    { 0x0402, "Phone" },
    { 0x0403, "Audio controller" },
    { 0x0480, "Multimedia controller" },
    { 0x0500, "RAM controller" },
    { 0x0501, "Flash controller" },
    { 0x0580, "Memory controller" },
    { 0x0600, "Host bridge" },
    { 0x0601, "ISA bridge" },
    { 0x0602, "EISA bridge" },
    { 0x0603, "MC bridge" },
    { 0x0604, "PCI bridge" },
    { 0x0605, "PCMCIA bridge" },
    { 0x0606, "NUBUS bridge" },
    { 0x0607, "CARDBUS bridge" },
    { 0x0608, "RACEWAY bridge" },
    { 0x0680, "Bridge" },
    { 0x0700, "Serial port" },
    { 0x0701, "Parallel port" },
    { 0x0800, "Interrupt controller" },
    { 0x0801, "DMA controller" },
    { 0x0802, "Timer" },
    { 0x0803, "RTC" },
    { 0x0900, "Keyboard" },
    { 0x0901, "Pen" },
    { 0x0902, "Mouse" },
    { 0x0a00, "Dock station" },
    { 0x0b00, "i386 cpu" },
    { 0x0c00, "Firewire controller" },
    { 0x0c01, "Access bus controller" },
    { 0x0c02, "SSA controller" },
    { 0x0c03, "USB controller" },
    { 0x0c04, "Fibre channel controller" },
    { 0x0c05, "SMBus" },
};

static uint32_t cfg(XptPciDevice *d, unsigned off, unsigned len)
{
    return xpt_pci_bus_config_read(d->bus, d->devfn, off, len);
}

static JsonObject *class_info(uint16_t class)
{
    JsonObject *o = json_object_new();
    json_object_set_int_member(o, "class", class);
    for (size_t i = 0; i < G_N_ELEMENTS(class_names); i++) {
        if (class_names[i].class == class) {
            json_object_set_string_member(o, "desc", class_names[i].desc);
            break;
        }
    }
    return o;
}

static JsonObject *device_id(XptPciDevice *d)
{
    JsonObject *o = json_object_new();
    unsigned type = cfg(d, PCI_HEADER_TYPE, 1) & 0x7f;
    int sub = -1, subv = -1;
    if (type == 0) {
        subv = (int)cfg(d, PCI_SUBSYSTEM_VENDOR_ID, 2);
        sub = (int)cfg(d, PCI_SUBSYSTEM_ID, 2);
    } else if (type == 2) {
        subv = (int)cfg(d, PCI_CB_SUBSYSTEM_VENDOR_ID, 2);
        sub = (int)cfg(d, PCI_CB_SUBSYSTEM_ID, 2);
    }
    json_object_set_int_member(o, "device", cfg(d, PCI_DEVICE_ID, 2));
    if (subv >= 0) {
        json_object_set_int_member(o, "subsystem-vendor", subv);
    }
    json_object_set_int_member(o, "vendor", cfg(d, PCI_VENDOR_ID, 2));
    if (sub >= 0) {
        json_object_set_int_member(o, "subsystem", sub);
    }
    return o;
}

/* Where BAR @i of @pt decodes now, or -1 (see the header comment). */
static gint64 region_address(XptPtDevice *pt, unsigned i, uint16_t cmd)
{
    XptPciDevice *d = &pt->pci;
    const XptBar *bar = &pt->bars[i].bar;
    uint64_t addr;
    bool decode;

    if (i == XPT_PT_ROM_INDEX) {
        uint32_t lo = cfg(d, XPT_PCI_ROM_ADDRESS, 4);
        addr = xpt_bar_address(bar, lo, 0);
        decode = (cmd & XPT_PCI_COMMAND_MEMORY) && (lo & XPT_PCI_ROM_ENABLE);
    } else {
        uint32_t lo = cfg(d, XPT_PCI_BAR0 + 4 * i, 4);
        uint32_t hi = (bar->flags & XPT_BAR_MEM64) && i < 5
                      ? cfg(d, XPT_PCI_BAR0 + 4 * (i + 1), 4) : 0;
        addr = xpt_bar_address(bar, lo, hi);
        decode = (bar->flags & XPT_BAR_IO) ? (cmd & XPT_PCI_COMMAND_IO)
                                           : (cmd & XPT_PCI_COMMAND_MEMORY);
    }
    return decode && xpt_bar_address_usable(bar, addr) ? (gint64)addr : -1;
}

static JsonObject *region(const XptBar *bar, unsigned i, gint64 address)
{
    JsonObject *r = json_object_new();
    bool io = bar->flags & XPT_BAR_IO;
    if (!io) {
        json_object_set_boolean_member(r, "prefetch", (bar->flags & XPT_BAR_PREFETCH) != 0);
        json_object_set_boolean_member(r, "mem_type_64", (bar->flags & XPT_BAR_MEM64) != 0);
    }
    json_object_set_int_member(r, "bar", i);
    json_object_set_int_member(r, "size", (gint64)bar->size);
    json_object_set_int_member(r, "address", address);
    json_object_set_string_member(r, "type", io ? "io" : "memory");
    return r;
}

static JsonArray *regions(XptPciDevice *d)
{
    JsonArray *list = json_array_new();
    const XptBar *pbar;
    int64_t paddr;
    for (unsigned i = 0; (pbar = xpt_xen_platform_bar(d, i, &paddr)) != NULL; i++) {
        json_array_add_object_element(list, region(pbar, i, paddr));
    }
    if (g_strcmp0(d->klass->name, XPT_PT_DRIVER) != 0) {
        return list;
    }
    XptPtDevice *pt = (XptPtDevice *)d;
    uint16_t cmd = (uint16_t)cfg(d, PCI_COMMAND, 2);
    for (unsigned i = 0; i <= XPT_PT_ROM_INDEX; i++) {
        const XptBar *bar = &pt->bars[i].bar;
        if (!bar->size) {
            continue;
        }
        json_array_add_object_element(list, region(bar, i, region_address(pt, i, cmd)));
        if (bar->flags & XPT_BAR_MEM64) {
            i++;    /* the upper half belongs to this BAR */
        }
    }
    return list;
}

static JsonObject *device_info(XptPciDevice *d)
{
    JsonObject *o = json_object_new();
    unsigned pin = cfg(d, PCI_INTERRUPT_PIN, 1);
    json_object_set_int_member(o, "irq_pin", pin);
    json_object_set_int_member(o, "bus", 0);
    json_object_set_member(o, "qdev_id", xpt_qmp_string_node(d->id));
    if (pin) {
        json_object_set_int_member(o, "irq", cfg(d, PCI_INTERRUPT_LINE, 1));
    }
    json_object_set_int_member(o, "slot", XPT_PCI_SLOT(d->devfn));
    json_object_set_object_member(o, "class_info",
                                  class_info((uint16_t)cfg(d, PCI_CLASS_DEVICE, 2)));
    json_object_set_object_member(o, "id", device_id(d));
    json_object_set_int_member(o, "function", XPT_PCI_FUNC(d->devfn));
    json_object_set_array_member(o, "regions", regions(d));
    return o;
}

JsonNode *xpt_qmp_query_pci(XptMachine *m)
{
    JsonArray *devices = json_array_new();
    for (unsigned devfn = 0; devfn < G_N_ELEMENTS(m->bus.devices); devfn++) {
        XptPciDevice *d = m->bus.devices[devfn];
        if (d) {
            json_array_add_object_element(devices, device_info(d));
        }
    }
    JsonObject *bus = json_object_new();
    json_object_set_int_member(bus, "bus", 0);
    json_object_set_array_member(bus, "devices", devices);
    JsonArray *buses = json_array_new();
    json_array_add_object_element(buses, bus);
    return xpt_qmp_array_node(buses);
}
