/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Xen platform PCI device (hw/i386/xen-platform.h). */
#include "hw/i386/xen-platform.h"

#include "hw/pci/emu-config.h"
#include "util/bytes.h"
#include "util/log.h"

/* Unplug mask bits (QEMU xen_platform.c; Xen docs/misc/hvm-emulated-unplug.pandoc). */
#define UNPLUG_IDE_SCSI_DISKS (1u << 0)
#define UNPLUG_ALL_NICS (1u << 1)
#define UNPLUG_AUX_IDE_DISKS (1u << 2)
#define UNPLUG_NVME_DISKS (1u << 3)
#define PROTOCOL_VERSION 1
#define LOG_LINE_MAX 256          /* a guest driver's log line is cut there */

typedef struct XptXenPlatform {
    XptPciDevice pci;
    XptEmuConfig cfg;
    XptDispatcher *disp;
    XptIoRegion fixed;            /* ports 0x10–0x1F */
    XptIoRegion bar_region[2];    /* BAR0 (I/O), BAR1 (MMIO) while they decode */
    XptBar bar[2];
    uint16_t product;             /* last product number the guest wrote (0x12) */
    char log_line[LOG_LINE_MAX];
    unsigned log_len;
    XptRateLimit unplug_rl;       /* unplug and handshake lines (always printed) */
    XptRateLimit log_rl;          /* guest driver log lines */
    XptRateLimit bar_rl;          /* refused BAR placements */
} XptXenPlatform;

static const char *const unplug_names[] = {
    "IDE/SCSI disks", "NICs", "auxiliary IDE disks", "NVMe disks",
};

/*
 * An unplug request (fixed port 0x10 word write, or the BAR's bytes 4 and 8). QEMU
 * removes its emulated devices of those kinds and never a passthrough device; here there
 * are none of the former, so the request is only reported.
 */
static void platform_unplug(XptXenPlatform *p, uint32_t mask, const char *how)
{
    g_autoptr(GString) what = g_string_new(NULL);
    for (unsigned b = 0; b < G_N_ELEMENTS(unplug_names); b++) {
        if (mask & (1u << b)) {
            g_string_append_printf(what, "%s%s", what->len ? ", " : "", unplug_names[b]);
        }
    }
    unsigned suppressed = 0;
    if (xpt_ratelimit_check(&p->unplug_rl, &suppressed)) {
        xpt_info_report("xen-platform: the guest's PV drivers unplug emulated %s (%s 0x%x); "
                        "xen-pt-dm emulates none, passthrough devices stay%s",
                        what->len ? what->str : "devices (no known bit)", how, mask,
                        suppressed ? " (similar messages suppressed)" : "");
    }
}

/* A byte of a guest driver's log (fixed port 0x12, BAR byte 8): one line per '\n'. */
static void platform_log_byte(XptXenPlatform *p, uint8_t c)
{
    if (c != '\n' && p->log_len < sizeof(p->log_line) - 1) {
        p->log_line[p->log_len++] = g_ascii_isprint(c) ? (char)c : '?';
        return;
    }
    p->log_line[p->log_len] = '\0';
    xpt_log_ratelimited(&p->log_rl, XPT_LOG_UNIMP, "xen-platform: guest driver log: %s",
                        p->log_line);
    p->log_len = 0;
    if (c != '\n') {
        p->log_line[p->log_len++] = g_ascii_isprint(c) ? (char)c : '?';
    }
}

static void platform_set_flags(XptXenPlatform *p, uint8_t val)
{
    if (val & 1) {
        xpt_log_ratelimited(&p->log_rl, XPT_LOG_UNIMP,
                            "xen-platform: ROM lock (platform flags 0x%x) not applied: "
                            "0xC0000-0xFFFFF stays writable and the flag reads 0", val);
    }
}

static uint64_t fixed_read(void *opaque, uint64_t offset, unsigned size)
{
    (void)opaque;
    if (size == 2) {
        return offset == 0 ? XPT_XEN_PLATFORM_MAGIC : 0xFFFF;
    }
    if (size == 1) {
        /* 0x10: platform flags (ROM lock never set); 0x12: protocol version */
        return offset == 0 ? 0 : offset == 2 ? PROTOCOL_VERSION : 0xFF;
    }
    return xpt_ones64(size);
}

static void fixed_write(void *opaque, uint64_t offset, uint64_t val, unsigned size)
{
    XptXenPlatform *p = opaque;
    if (size == 1 && offset == 0) {
        platform_set_flags(p, (uint8_t)val);
    } else if (size == 1 && offset == 2) {
        platform_log_byte(p, (uint8_t)val);
    } else if (size == 2 && offset == 0) {
        platform_unplug(p, (uint16_t)val, "port 0x10 mask");
    } else if (size == 2 && offset == 2) {
        /* Linux writes 3 (XEN_IOPORT_LINUX_PRODNUM); QEMU only keeps it. */
        p->product = (uint16_t)val;
        xpt_log_ratelimited(&p->log_rl, XPT_LOG_UNIMP,
                            "xen-platform: PV driver product number %u", p->product);
    } else if (size == 4 && offset == 0) {
        xpt_log_ratelimited(&p->log_rl, XPT_LOG_UNIMP,
                            "xen-platform: PV driver version 0x%x", (unsigned)val);
    }
}

static const XptIoOps fixed_ops = { .read = fixed_read, .write = fixed_write };

/* BAR0 takes byte accesses only; a wider one is taken byte by byte (QEMU's
 * impl.max_access_size = 1). */
static uint64_t io_bar_read(void *opaque, uint64_t offset, unsigned size)
{
    (void)opaque;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        uint64_t byte = offset + i == 0 ? 0 /* platform flags */ : 0xFF;
        v |= byte << (8 * i);
    }
    return v;
}

static void io_bar_write(void *opaque, uint64_t offset, uint64_t val, unsigned size)
{
    XptXenPlatform *p = opaque;
    for (unsigned i = 0; i < size; i++) {
        uint8_t b = (uint8_t)(val >> (8 * i));
        switch (offset + i) {
        case 0:
            platform_set_flags(p, b);
            break;
        case 4:              /* SUSE's unplug, "outl(1, ioaddr + 4)" */
            if (b == 1) {
                platform_unplug(p, UNPLUG_IDE_SCSI_DISKS | UNPLUG_ALL_NICS, "BAR0 byte 4");
            }
            break;
        case 8:
            if (b == 1 || b == 2) {
                platform_unplug(p, b == 1 ? UNPLUG_IDE_SCSI_DISKS : UNPLUG_ALL_NICS,
                                "BAR0 byte 8");
            } else {
                platform_log_byte(p, b);
            }
            break;
        default:
            break;
        }
    }
}

static const XptIoOps io_bar_ops = { .read = io_bar_read, .write = io_bar_write };

/* BAR1: grant frames the guest adds to its physmap are its own pages (Xen maps them);
 * what is left reads 0 and ignores writes (QEMU's platform_mmio_read/write). */
static uint64_t mmio_bar_read(void *opaque, uint64_t offset, unsigned size)
{
    (void)opaque; (void)offset; (void)size;
    return 0;
}

static void mmio_bar_write(void *opaque, uint64_t offset, uint64_t val, unsigned size)
{
    (void)opaque; (void)offset; (void)val; (void)size;
}

static const XptIoOps mmio_bar_ops = { .read = mmio_bar_read, .write = mmio_bar_write };

/* Where BAR @i decodes now; false if it does not. */
static bool bar_target(XptXenPlatform *p, unsigned i, uint64_t *addr)
{
    uint16_t cmd = (uint16_t)xpt_emu_config_read(&p->cfg, 0x04, 2);
    uint32_t on = i == 0 ? XPT_PCI_COMMAND_IO : XPT_PCI_COMMAND_MEMORY;
    *addr = xpt_bar_address(&p->bar[i], xpt_emu_config_read(&p->cfg, XPT_PCI_BAR0 + 4 * i, 4),
                            0);
    return (cmd & on) && xpt_bar_address_usable(&p->bar[i], *addr);
}

/* Claim each BAR where the guest placed it, release it where it left. */
static void bars_update(XptXenPlatform *p)
{
    for (unsigned i = 0; i < 2; i++) {
        XptIoRegion *r = &p->bar_region[i];
        uint64_t addr = 0;
        bool want = bar_target(p, i, &addr);
        if (r->registered && (!want || r->base != addr)) {
            xpt_dispatcher_del_region(p->disp, r);
        }
        if (want && !r->registered) {
            r->base = addr;
            g_autoptr(GError) err = NULL;
            if (!xpt_dispatcher_add_region(p->disp, r, &err)) {
                xpt_warn_ratelimited(&p->bar_rl, "xen-platform 00:%02x.0: BAR%u at 0x%"
                                     G_GINT64_MODIFIER "x does not decode: %s",
                                     XPT_PCI_SLOT(p->pci.devfn), i, addr, err->message);
            }
        }
    }
}

static uint32_t platform_config_read(XptPciDevice *pci, unsigned offset, unsigned len)
{
    return xpt_emu_config_read(&((XptXenPlatform *)pci)->cfg, offset, len);
}

static void platform_config_write(XptPciDevice *pci, unsigned offset, unsigned len,
                                  uint32_t val)
{
    XptXenPlatform *p = (XptXenPlatform *)pci;
    xpt_emu_config_write(&p->cfg, offset, len, val);
    /* command (0x04) or BAR0/BAR1 (0x10–0x17) touched */
    if ((offset < 0x06 && offset + len > 0x04) || (offset < 0x18 && offset + len > 0x10)) {
        bars_update(p);
    }
}

static void platform_unrealize(XptPciDevice *pci)
{
    XptXenPlatform *p = (XptXenPlatform *)pci;
    for (unsigned i = 0; i < 2; i++) {
        xpt_dispatcher_del_region(p->disp, &p->bar_region[i]);
    }
    xpt_dispatcher_del_region(p->disp, &p->fixed);
    if (pci->plugged) {
        xpt_pci_bus_unplug(pci->bus, pci);
    }
}

static void platform_free(XptPciDevice *pci)
{
    g_free(pci->id);
    g_free(pci);
}

static const XptPciDeviceClass platform_class = {
    .name = XPT_XEN_PLATFORM_DRIVER, .config_read = platform_config_read,
    .config_write = platform_config_write, .unrealize = platform_unrealize,
    .free = platform_free,
};

const XptBar *xpt_xen_platform_bar(XptPciDevice *dev, unsigned i, int64_t *addr)
{
    if (!dev || dev->klass != &platform_class || i > 1) {
        return NULL;
    }
    XptXenPlatform *p = (XptXenPlatform *)dev;
    uint64_t a;
    *addr = bar_target(p, i, &a) ? (int64_t)a : -1;
    return &p->bar[i];
}

XptPciDevice *xpt_xen_platform_new(XptDispatcher *disp, GError **errp)
{
    XptXenPlatform *p = g_new0(XptXenPlatform, 1);
    p->pci.klass = &platform_class;
    p->pci.id = g_strdup("");
    p->disp = disp;
    p->unplug_rl = (XptRateLimit)XPT_RATELIMIT_INIT(5, 5000);
    p->log_rl = (XptRateLimit)XPT_RATELIMIT_INIT(20, 5000);
    p->bar_rl = (XptRateLimit)XPT_RATELIMIT_INIT(5, 5000);
    p->bar[0] = (XptBar){ .size = XPT_XEN_PLATFORM_IO_BAR_SIZE, .flags = XPT_BAR_IO };
    p->bar[1] = (XptBar){ .size = XPT_XEN_PLATFORM_MMIO_BAR_SIZE, .flags = XPT_BAR_PREFETCH };
    p->bar_region[0] = (XptIoRegion){ .name = "xen-platform BAR0", .type = XPT_RANGE_PORT,
                                      .size = XPT_XEN_PLATFORM_IO_BAR_SIZE,
                                      .ops = &io_bar_ops, .opaque = p };
    p->bar_region[1] = (XptIoRegion){ .name = "xen-platform BAR1", .type = XPT_RANGE_MEMORY,
                                      .size = XPT_XEN_PLATFORM_MMIO_BAR_SIZE,
                                      .ops = &mmio_bar_ops, .opaque = p };
    p->fixed = (XptIoRegion){ .name = "xen-platform ports 0x10-0x1f", .type = XPT_RANGE_PORT,
                              .base = XPT_XEN_PLATFORM_IOPORT,
                              .size = XPT_XEN_PLATFORM_IOPORT_LEN, .ops = &fixed_ops,
                              .opaque = p };

    XptEmuConfig *c = &p->cfg;
    xpt_emu_config_init(c, XPT_XEN_PLATFORM_VENDOR, XPT_XEN_PLATFORM_DEVICE, 0x01, 0xFF8000,
                        XPT_XEN_PLATFORM_VENDOR, XPT_XEN_PLATFORM_DEVICE);
    /* QEMU's generic masks (hw/pci/pci.c pci_init_wmask / pci_init_w1cmask). */
    xpt_emu_config_set(c, 0x04, 2, XPT_PCI_COMMAND_IO | XPT_PCI_COMMAND_MEMORY);
    c->wmask[0x04] = 0x47;                 /* I/O, memory, bus master, parity */
    c->wmask[0x05] = 0x05;                 /* SERR, INTx disable */
    c->w1cmask[0x07] = 0xF9;               /* status error bits */
    c->wmask[0x0C] = c->wmask[0x0D] = 0xFF;
    c->wmask[0x3C] = 0xFF;
    xpt_emu_config_set(c, 0x3D, 1, 0x01);  /* INTA: the callback-via INTx of old guests */
    for (unsigned i = 0; i < 2; i++) {
        uint32_t ro = xpt_bar_ro_mask_low(&p->bar[i]);
        xpt_emu_config_set(c, XPT_PCI_BAR0 + 4 * i, 4, xpt_bar_type_bits(&p->bar[i]));
        for (unsigned b = 0; b < 4; b++) {
            c->wmask[XPT_PCI_BAR0 + 4 * i + b] = (uint8_t)(~ro >> (8 * b));
        }
    }
    if (!xpt_dispatcher_add_region(disp, &p->fixed, errp)) {
        g_prefix_error(errp, "xen-platform: ports 0x10-0x1f: ");
        platform_free(&p->pci);
        return NULL;
    }
    return &p->pci;
}
