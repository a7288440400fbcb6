/*
 * i440FX host bridge and PIIX3 ISA bridge config spaces (hw/i386/chipset.h).
 * IDs, revision and subsystem as QEMU's pc machine presents them
 * (fixtures/qemu-7.2-reference/query-pci-pc-with-e1000.json).
 */
#include "hw/i386/chipset.h"

#include "hw/pci/emu-config.h"
#include "util/log.h"

#define QEMU_SUBSYS_VENDOR 0x1af4
#define QEMU_SUBSYS 0x1100
#define PIIX_PIRQC 0x60
#define PIIX_PIRQ_DISABLE 0x80

typedef struct XptChipsetDevice {
    XptPciDevice pci;
    XptEmuConfig cfg;
    XptHv *hv;
} XptChipsetDevice;

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

XptPciDevice *xpt_i440fx_new(void)
{
    XptChipsetDevice *c = g_new0(XptChipsetDevice, 1);
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
