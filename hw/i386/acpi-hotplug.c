/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ACPI GPE0, PCI hot-plug and CPU presence registers (hw/i386/acpi-hotplug.h). */
#include "hw/i386/acpi-hotplug.h"

#include "hw/pci/pci.h"
#include "util/bytes.h"
#include "util/log.h"

#define PCIU 0x0
#define PCID 0x4
#define B0EJ 0x8
#define B0RM 0xC
#define FIRST_EJECTABLE_SLOT 2

struct XptAcpiHotplug {
    XptHv *hv;
    XptDispatcher *disp;
    const XptAcpiHotplugOps *ops;
    void *opaque;
    uint16_t gpe_sts, gpe_en;
    bool sci;                     /* level last sent to the hypervisor */
    uint32_t up, down;            /* PCIU, PCID */
    uint8_t cpus[XPT_ACPI_CPU_LEN];
    XptIoRegion gpe_region, pcihp_region, cpu_region;
    XptRateLimit rl;
};

static void update_sci(XptAcpiHotplug *h)
{
    bool level = (h->gpe_sts & h->gpe_en) != 0;
    if (level == h->sci) {
        return;
    }
    g_autoptr(GError) err = NULL;
    if (!xpt_hv_set_isa_irq_level(h->hv, XPT_ACPI_SCI_IRQ, level, &err)) {
        xpt_warn_ratelimited(&h->rl, "ACPI SCI (ISA IRQ %d) %s: %s", XPT_ACPI_SCI_IRQ,
                             level ? "raise" : "lower", err->message);
        return;
    }
    h->sci = level;
}

/* ---- GPE0: byte-wise, as ACPI accesses it (ACPI 6.4 §4.8.1.6) ---- */

static uint8_t gpe_readb(XptAcpiHotplug *h, unsigned off)
{
    switch (off) {
    case 0: return (uint8_t)h->gpe_sts;
    case 1: return (uint8_t)(h->gpe_sts >> 8);
    case 2: return (uint8_t)h->gpe_en;
    default: return (uint8_t)(h->gpe_en >> 8);
    }
}

static void gpe_writeb(XptAcpiHotplug *h, unsigned off, uint8_t v)
{
    unsigned shift = 8 * (off & 1);
    if (off < 2) {
        h->gpe_sts &= (uint16_t)~((unsigned)v << shift);      /* write 1 to clear */
    } else {
        h->gpe_en = (uint16_t)((h->gpe_en & ~(0xFFu << shift)) | ((unsigned)v << shift));
    }
}

static uint64_t gpe_read(void *opaque, uint64_t offset, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size && offset + i < XPT_ACPI_GPE0_LEN; i++) {
        v |= (uint64_t)gpe_readb(opaque, (unsigned)offset + i) << (8 * i);
    }
    return v;
}

static void gpe_write(void *opaque, uint64_t offset, uint64_t val, unsigned size)
{
    XptAcpiHotplug *h = opaque;
    for (unsigned i = 0; i < size && offset + i < XPT_ACPI_GPE0_LEN; i++) {
        gpe_writeb(h, (unsigned)offset + i, (uint8_t)(val >> (8 * i)));
    }
    update_sci(h);
}

static const XptIoOps gpe_ops = { .read = gpe_read, .write = gpe_write };

/* ---- PCI hot-plug registers ---- */

static uint32_t pcihp_reg(XptAcpiHotplug *h, unsigned reg)
{
    switch (reg) {
    case PCIU: return h->up;
    case PCID: return h->down;
    case B0RM: return ~((1u << FIRST_EJECTABLE_SLOT) - 1);
    default: return 0;   /* B0EJ reads 0 */
    }
}

static uint64_t pcihp_read(void *opaque, uint64_t offset, unsigned size)
{
    XptAcpiHotplug *h = opaque;
    unsigned reg = (unsigned)offset & ~3u, shift = 8 * ((unsigned)offset & 3);
    uint64_t v = pcihp_reg(h, reg) >> shift;
    return v & xpt_ones64(size);
}

static void pcihp_write(void *opaque, uint64_t offset, uint64_t val, unsigned size)
{
    XptAcpiHotplug *h = opaque;
    unsigned reg = (unsigned)offset & ~3u, shift = 8 * ((unsigned)offset & 3);
    if (reg != B0EJ) {
        return;    /* PCIU, PCID, B0RM are read-only */
    }
    uint32_t slots = (uint32_t)(val << shift);
    if (slots & ((1u << FIRST_EJECTABLE_SLOT) - 1)) {
        xpt_log_ratelimited(&h->rl, XPT_LOG_GUEST_ERROR,
                            "ACPI: guest tried to eject the chipset slots (B0EJ 0x%x); ignored",
                            slots);
        slots &= ~((1u << FIRST_EJECTABLE_SLOT) - 1);
    }
    while (slots) {
        unsigned slot = (unsigned)__builtin_ctz(slots);
        slots &= slots - 1;
        h->up &= ~(1u << slot);
        h->down &= ~(1u << slot);
        h->ops->eject(h->opaque, slot);
    }
}

static const XptIoOps pcihp_ops = { .read = pcihp_read, .write = pcihp_write };

/* ---- CPU presence bitmap ---- */

static uint64_t cpu_read(void *opaque, uint64_t offset, unsigned size)
{
    XptAcpiHotplug *h = opaque;
    uint64_t v = 0;
    for (unsigned i = 0; i < size && offset + i < XPT_ACPI_CPU_LEN; i++) {
        v |= (uint64_t)h->cpus[offset + i] << (8 * i);
    }
    return v;
}

static void cpu_write(void *opaque, uint64_t offset, uint64_t val, unsigned size)
{
    /* read-only: vCPU hot-plug is not supported */
}

static const XptIoOps cpu_ops = { .read = cpu_read, .write = cpu_write };

XptAcpiHotplug *xpt_acpi_hotplug_new(XptHv *hv, XptDispatcher *disp, unsigned vcpus,
                                     const XptAcpiHotplugOps *ops, void *opaque,
                                     GError **errp)
{
    XptAcpiHotplug *h = g_new0(XptAcpiHotplug, 1);
    h->hv = hv;
    h->disp = disp;
    h->ops = ops;
    h->opaque = opaque;
    h->rl = (XptRateLimit)XPT_RATELIMIT_INIT(5, 5000);
    vcpus = CLAMP(vcpus, 1u, XPT_ACPI_CPU_LEN * 8u);
    for (unsigned c = 0; c < vcpus; c++) {
        h->cpus[c / 8] |= (uint8_t)(1u << (c % 8));
    }
    h->gpe_region = (XptIoRegion){ .name = "ACPI GPE0", .type = XPT_RANGE_PORT,
        .base = XPT_ACPI_GPE0_PORT, .size = XPT_ACPI_GPE0_LEN, .ops = &gpe_ops, .opaque = h };
    h->pcihp_region = (XptIoRegion){ .name = "ACPI PCI hot-plug", .type = XPT_RANGE_PORT,
        .base = XPT_ACPI_PCIHP_PORT, .size = XPT_ACPI_PCIHP_LEN, .ops = &pcihp_ops,
        .opaque = h };
    h->cpu_region = (XptIoRegion){ .name = "ACPI CPU presence", .type = XPT_RANGE_PORT,
        .base = XPT_ACPI_CPU_PORT, .size = XPT_ACPI_CPU_LEN, .ops = &cpu_ops, .opaque = h };
    if (!xpt_dispatcher_add_region(disp, &h->gpe_region, errp) ||
        !xpt_dispatcher_add_region(disp, &h->pcihp_region, errp) ||
        !xpt_dispatcher_add_region(disp, &h->cpu_region, errp)) {
        xpt_acpi_hotplug_free(h);
        return NULL;
    }
    return h;
}

void xpt_acpi_hotplug_free(XptAcpiHotplug *h)
{
    if (!h) {
        return;
    }
    xpt_dispatcher_del_region(h->disp, &h->cpu_region);
    xpt_dispatcher_del_region(h->disp, &h->pcihp_region);
    xpt_dispatcher_del_region(h->disp, &h->gpe_region);
    if (h->sci) {
        h->gpe_sts = 0;
        update_sci(h);
    }
    g_free(h);
}

void xpt_acpi_hotplug_insert(XptAcpiHotplug *h, unsigned slot)
{
    if (slot >= XPT_PCI_SLOTS) {
        return;
    }
    h->up |= 1u << slot;
    h->down &= ~(1u << slot);
    h->gpe_sts |= XPT_ACPI_GPE_PCI_HOTPLUG;
    update_sci(h);
}

void xpt_acpi_hotplug_request_remove(XptAcpiHotplug *h, unsigned slot)
{
    if (slot >= XPT_PCI_SLOTS) {
        return;
    }
    h->down |= 1u << slot;
    h->gpe_sts |= XPT_ACPI_GPE_PCI_HOTPLUG;
    update_sci(h);
}

void xpt_acpi_hotplug_slot_cleared(XptAcpiHotplug *h, unsigned slot)
{
    if (slot < XPT_PCI_SLOTS) {
        h->up &= ~(1u << slot);
        h->down &= ~(1u << slot);
    }
}

uint32_t xpt_acpi_hotplug_pending_up(const XptAcpiHotplug *h)
{
    return h->up;
}

uint32_t xpt_acpi_hotplug_pending_down(const XptAcpiHotplug *h)
{
    return h->down;
}
