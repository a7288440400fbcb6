/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * i440FX host bridge and PIIX3 ISA bridge config spaces (hw/i386/chipset.h).
 * IDs, revision and subsystem as QEMU's pc machine presents them
 * (fixtures/qemu-7.2-reference/query-pci-pc-with-e1000.json).
 */
#include "hw/i386/chipset.h"

#include "hw/pci/emu-config.h"
#include "util/bytes.h"
#include "util/log.h"

#define QEMU_SUBSYS_VENDOR 0x1af4
#define QEMU_SUBSYS 0x1100
#define PIIX_PIRQC 0x60
#define PIIX_PIRQ_DISABLE 0x80

typedef struct XptChipsetDevice {
    XptPciDevice pci;
    XptEmuConfig cfg;
    XptHv *hv;
    /* i440FX only: CONFADD at 0xCF8 (82441FX datasheet §3.2.1) and, inside the same
     * claimed dword, the PIIX3 reset control register at 0xCF9. */
    XptDispatcher *disp;
    XptIoRegion confadd_region;
    uint32_t confadd;
    uint8_t rcr;                  /* latched RC bits (SRST only) */
    XptPowerRequestFn power;
    void *power_opaque;
} XptChipsetDevice;

#define CONFADD_PORT 0xCF8
/*
 * PIIX3 reset control register (PIIX3 datasheet §4.1.4, RC, I/O 0xCF9, 8 bits): bit 1
 * SRST (system reset: hard when set, soft when clear), bit 2 RCPU (reset CPU: writing 1
 * starts the reset SRST selects); bits 0 and 3–7 reserved. It is the FADT reset
 * register of Xen 4.17 (tools/libacpi/static_tables.c: reset_reg System I/O 0xCF9,
 * bit width 8, reset_value 6 = SRST | RCPU).
 */
#define PIIX_RCR_PORT 0xCF9
#define PIIX_RCR_SRST (1u << 1)
#define PIIX_RCR_RCPU (1u << 2)
#define RCR_OFFSET (PIIX_RCR_PORT - CONFADD_PORT)

static XptRateLimit confadd_rl = XPT_RATELIMIT_INIT(5, 5000);

/*
 * 0xCF8–0xCFB, claimed as one range. Only dword accesses at 0xCF8 reach CONFADD; Xen
 * latches the same dword writes itself to decode 0xCFC–0xCFF (reference/xen-abi.md
 * §ioreq), so this copy only answers the guest's read-back, the type-1 probe every OS
 * does (Linux pci_check_type1 writes 0x80000000 and reads it back). Byte accesses at
 * 0xCF9 are the PIIX3 reset control register. Every other access (bytes and words at
 * 0xCF8–0xCFB) is an I/O cycle nothing here decodes: reads float to all-ones, writes
 * vanish.
 */
static uint64_t confadd_read(void *opaque, uint64_t offset, unsigned size)
{
    XptChipsetDevice *c = opaque;
    if (offset == 0 && size == 4) {
        return c->confadd;
    }
    if (offset == RCR_OFFSET && size == 1) {
        return c->rcr;
    }
    return xpt_ones64(size);
}

/*
 * RC write: RCPU set → reset (QEMU 7.2 hw/isa/piix3.c rcr_write does the same on every
 * write with RCPU, and its Xen machine turns the reset into SHUTDOWN_reboot); only SRST
 * is latched and read back.
 */
static void rcr_write(XptChipsetDevice *c, uint8_t val)
{
    c->rcr = val & PIIX_RCR_SRST;
    if (val & PIIX_RCR_RCPU) {
        c->power(c->power_opaque, XPT_POWER_GUEST_RESET);
    }
}

static void confadd_write(void *opaque, uint64_t offset, uint64_t val, unsigned size)
{
    XptChipsetDevice *c = opaque;
    if (offset == 0 && size == 4) {
        c->confadd = (uint32_t)val;
        return;
    }
    if (offset == RCR_OFFSET && size == 1) {
        rcr_write(c, (uint8_t)val);
        return;
    }
    if (offset <= RCR_OFFSET && offset + size > RCR_OFFSET) {
        xpt_log_ratelimited(&confadd_rl, XPT_LOG_GUEST_ERROR,
                            "%u-byte write of 0x%" G_GINT64_MODIFIER "x at port 0x%x ignored: "
                            "the reset control register 0xCF9 takes byte writes only",
                            size, val, (unsigned)(CONFADD_PORT + offset));
    }
}

static const XptIoOps confadd_ops = { .read = confadd_read, .write = confadd_write };

static uint32_t chip_read(XptPciDevice *pci, unsigned offset, unsigned len)
{
    return xpt_emu_config_read(&((XptChipsetDevice *)pci)->cfg, offset, len);
}

static void chip_write(XptPciDevice *pci, unsigned offset, unsigned len, uint32_t val)
{
    xpt_emu_config_write(&((XptChipsetDevice *)pci)->cfg, offset, len, val);
}

static void chip_unrealize(XptPciDevice *pci)
{
    XptChipsetDevice *c = (XptChipsetDevice *)pci;
    if (c->disp) {
        xpt_dispatcher_del_region(c->disp, &c->confadd_region);
    }
    if (pci->plugged) {
        xpt_pci_bus_unplug(pci->bus, pci);
    }
}

static void chip_free(XptPciDevice *pci)
{
    g_free(pci->id);
    g_free(pci);
}

static const XptPciDeviceClass i440fx_class = {
    .name = "i440FX-pcihost", .config_read = chip_read, .config_write = chip_write,
    .unrealize = chip_unrealize, .free = chip_free,
};

XptPciDevice *xpt_i440fx_new(XptDispatcher *disp, XptPowerRequestFn power, void *opaque)
{
    XptChipsetDevice *c = g_new0(XptChipsetDevice, 1);
    c->disp = disp;
    c->power = power;
    c->power_opaque = opaque;
    c->confadd_region = (XptIoRegion){
        .name = "i440FX CONFADD / PIIX3 reset control", .type = XPT_RANGE_PORT, .base = CONFADD_PORT, .size = 4,
        .ops = &confadd_ops, .opaque = c,
    };
    c->pci.klass = &i440fx_class;
    c->pci.id = g_strdup("");
    xpt_emu_config_init(&c->cfg, 0x8086, 0x1237, 0x02, 0x060000, QEMU_SUBSYS_VENDOR,
                        QEMU_SUBSYS);
    xpt_emu_config_set(&c->cfg, 0x04, 2, 0x0006);     /* memory + bus master */
    c->cfg.wmask[0x0D] = 0xFF;                        /* latency timer */
    return &c->pci;
}

/* PIRQ route registers: forward each change of link 0–3 to the hypervisor. */
static void piix3_write(XptPciDevice *pci, unsigned offset, unsigned len, uint32_t val)
{
    XptChipsetDevice *c = (XptChipsetDevice *)pci;
    uint8_t before[4];
    for (unsigned l = 0; l < 4; l++) {
        before[l] = c->cfg.config[PIIX_PIRQC + l];
    }
    xpt_emu_config_write(&c->cfg, offset, len, val);
    for (unsigned l = 0; l < 4; l++) {
        uint8_t r = c->cfg.config[PIIX_PIRQC + l];
        if (r == before[l]) {
            continue;
        }
        uint8_t isa_irq = (r & PIIX_PIRQ_DISABLE) ? 0 : (r & 0x0F);
        g_autoptr(GError) err = NULL;
        if (!xpt_hv_set_pci_link_route(c->hv, l, isa_irq, &err)) {
            xpt_warn_report("PIIX3: PCI link %c route to IRQ %u: %s", 'A' + l, isa_irq,
                            err->message);
        }
    }
}

bool xpt_i440fx_realize(XptPciDevice *host, GError **errp)
{
    XptChipsetDevice *c = (XptChipsetDevice *)host;
    return xpt_dispatcher_add_region(c->disp, &c->confadd_region, errp);
}

static const XptPciDeviceClass piix3_class = {
    .name = "PIIX3", .config_read = chip_read, .config_write = piix3_write,
    .unrealize = chip_unrealize, .free = chip_free,
};

XptPciDevice *xpt_piix3_new(XptHv *hv)
{
    XptChipsetDevice *c = g_new0(XptChipsetDevice, 1);
    c->pci.klass = &piix3_class;
    c->pci.id = g_strdup("");
    c->hv = hv;
    xpt_emu_config_init(&c->cfg, 0x8086, 0x7000, 0x00, 0x060100, QEMU_SUBSYS_VENDOR,
                        QEMU_SUBSYS);
    xpt_emu_config_set(&c->cfg, 0x04, 2, 0x0007);
    xpt_emu_config_set(&c->cfg, 0x0E, 1, 0x80);      /* multi-function (PIIX4 PM at 01.3) */
    for (unsigned l = 0; l < 4; l++) {
        xpt_emu_config_set(&c->cfg, PIIX_PIRQC + l, 1, PIIX_PIRQ_DISABLE);
        c->cfg.wmask[PIIX_PIRQC + l] = 0x8F;
    }
    return &c->pci;
}

/*
 * PIIX4 power management function (00:01.3) as QEMU's xenfv machine presents it
 * (8086:7113 rev 03, class 0x0680, INTA): hvmloader programs it (reference/toolstack.md
 * §firmware: 0x3C=9, 0x40=PMBA 0xB001, 0x80=1, 0xD2=0). Of the PM1a/PM timer block it
 * points at, Xen emulates status/enable and the timer itself
 * (HVM_PARAM_ACPI_IOPORTS_LOCATION=1); the PM1a control register is hw/i386/pm.c, at the
 * fixed address of Xen's FADT. As in QEMU, bytes 0x40–0xFF are writable (PMBA bit 0
 * reads 1); PMBA does not move anything.
 */
static const XptPciDeviceClass piix4_pm_class = {
    .name = "PIIX4_PM", .config_read = chip_read, .config_write = chip_write,
    .unrealize = chip_unrealize, .free = chip_free,
};

XptPciDevice *xpt_piix4_pm_new(void)
{
    XptChipsetDevice *c = g_new0(XptChipsetDevice, 1);
    c->pci.klass = &piix4_pm_class;
    c->pci.id = g_strdup("");
    xpt_emu_config_init(&c->cfg, 0x8086, 0x7113, 0x03, 0x068000, QEMU_SUBSYS_VENDOR,
                        QEMU_SUBSYS);
    xpt_emu_config_set(&c->cfg, 0x3D, 1, 0x01);      /* interrupt pin A (SCI) */
    c->cfg.wmask[0x3C] = 0xFF;
    for (unsigned off = 0x40; off < 0x100; off++) {
        c->cfg.wmask[off] = 0xFF;
    }
    xpt_emu_config_set(&c->cfg, 0x40, 1, 0x01);      /* PMBA: I/O space indicator */
    c->cfg.wmask[0x40] = 0xC0;                       /* base bits 15:6 */
    return &c->pci;
}
