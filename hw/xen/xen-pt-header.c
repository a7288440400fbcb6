/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Type-0 header register table of xen-pci-passthrough (reference/config-space.md
 * "Type-0 header"; PCI LB 3.0 §6.2; QEMU hw/xen/xen_pt_config_init.c header rows).
 */
#include "hw/xen/xen-pt.h"

static XptPtDevice *dev_of(XptRegFile *rf)
{
    return rf->owner;
}

static XptRegInitResult init_host(XptRegFile *rf, XptReg *reg, uint32_t host, GError **errp)
{
    reg->val = host;
    return XPT_REG_OK;
}

/* Command: keep host decode on for the BAR types the device has (XSA-126); INTx
 * disable: guest 1 → host 1; guest 0 → host 0 only while an INTx pirq is bound, else the
 * host keeps its value (reference/config-space.md "Type-0 header"). */
static void write_command(XptRegFile *rf, XptReg *reg, uint32_t old, uint32_t guest,
                          uint32_t valid, uint32_t *host_val, uint32_t *host_mask)
{
    XptPtDevice *d = dev_of(rf);
    uint32_t decode = 0;
    for (unsigned i = 0; i < 6; i++) {
        if (d->bars[i].bar.size) {
            decode |= (d->bars[i].bar.flags & XPT_BAR_IO) ? XPT_PCI_COMMAND_IO
                                                          : XPT_PCI_COMMAND_MEMORY;
        }
    }
    if (d->bars[XPT_PT_ROM_INDEX].bar.size) {
        decode |= XPT_PCI_COMMAND_MEMORY;
    }
    *host_val |= decode;
    *host_mask |= decode & valid;
    if (valid & XPT_PCI_COMMAND_INTX_DISABLE) {
        /* The bit is emulated, so *host_val holds the host's value unless set here. */
        if (guest & XPT_PCI_COMMAND_INTX_DISABLE) {
            *host_val |= XPT_PCI_COMMAND_INTX_DISABLE;
        } else if (d->intx_bound) {
            *host_val &= ~XPT_PCI_COMMAND_INTX_DISABLE;
        }
        *host_mask |= XPT_PCI_COMMAND_INTX_DISABLE;
    }
    d->guest_cmd = reg->val;
    if ((old ^ reg->val) & (XPT_PCI_COMMAND_IO | XPT_PCI_COMMAND_MEMORY)) {
        xpt_pt_bars_update(d);
    }
}

static XptRegInitResult init_status(XptRegFile *rf, XptReg *reg, uint32_t host, GError **errp)
{
    reg->val = xpt_regfile_first_cap(rf) ? 0x10 : 0;
    return XPT_REG_OK;
}

static XptRegInitResult init_header_type(XptRegFile *rf, XptReg *reg, uint32_t host,
                                         GError **errp)
{
    reg->val = dev_of(rf)->props.multifunction ? 0x80 : 0;
    return XPT_REG_OK;
}

static XptRegInitResult init_cap_ptr(XptRegFile *rf, XptReg *reg, uint32_t host, GError **errp)
{
    reg->val = xpt_regfile_first_cap(rf);
    return XPT_REG_OK;
}

static XptRegInitResult init_int_pin(XptRegFile *rf, XptReg *reg, uint32_t host, GError **errp)
{
    /* The host pin while INTx is bound, else 0 (SPEC §6; xen-pt-intx.c decided). */
    reg->val = dev_of(rf)->intx_pin;
    return XPT_REG_OK;
}

/* BAR registers 0x10–0x24: fully emulated; masks from the guest BAR model. */
static XptRegInitResult init_bar(XptRegFile *rf, XptReg *reg, uint32_t host, GError **errp)
{
    XptPtDevice *d = dev_of(rf);
    unsigned i = (reg->addr - XPT_PCI_BAR0) / 4;
    if (i > 0 && (d->bars[i - 1].bar.flags & XPT_BAR_MEM64) && d->bars[i - 1].bar.size) {
        reg->ro_mask = xpt_bar_ro_mask_high(&d->bars[i - 1].bar);
        reg->val = 0;
        return XPT_REG_OK;
    }
    reg->ro_mask = xpt_bar_ro_mask_low(&d->bars[i].bar);
    reg->val = d->bars[i].bar.size ? xpt_bar_type_bits(&d->bars[i].bar) : 0;
    return XPT_REG_OK;
}

static void write_bar(XptRegFile *rf, XptReg *reg, uint32_t old, uint32_t guest,
                      uint32_t valid, uint32_t *host_val, uint32_t *host_mask)
{
    if (old != reg->val) {
        xpt_pt_bars_update(dev_of(rf));
    }
}

static XptRegInitResult init_rom(XptRegFile *rf, XptReg *reg, uint32_t host, GError **errp)
{
    XptPtDevice *d = dev_of(rf);
    reg->ro_mask = xpt_bar_ro_mask_low(&d->bars[XPT_PT_ROM_INDEX].bar);
    reg->val = 0;
    return XPT_REG_OK;
}

/* Rows as in reference/config-space.md "Type-0 header". */
static const XptRegInfo header_regs[] = {
    { .offset = 0x00, .size = 2, .ro_mask = 0xFFFF, .emu_mask = 0xFFFF, .init = init_host },
    { .offset = 0x02, .size = 2, .ro_mask = 0xFFFF, .emu_mask = 0xFFFF, .init = init_host },
    { .offset = 0x04, .size = 2, .init_val = 0, .res_mask = 0xF880, .ro_mask = 0,
      .emu_mask = 0x0743, .write = write_command },
    { .offset = 0x06, .size = 2, .res_mask = 0x0007, .ro_mask = 0x06F8, .rw1c_mask = 0xF900,
      .emu_mask = 0x0010, .init = init_status },
    { .offset = 0x0C, .size = 1, .emu_mask = 0xFF },
    { .offset = 0x0D, .size = 1, .emu_mask = 0xFF },
    { .offset = 0x0E, .size = 1, .ro_mask = 0xFF, .emu_mask = 0x80, .init = init_header_type },
    { .offset = 0x10, .size = 4, .emu_mask = 0xFFFFFFFF, .init = init_bar, .write = write_bar },
    { .offset = 0x14, .size = 4, .emu_mask = 0xFFFFFFFF, .init = init_bar, .write = write_bar },
    { .offset = 0x18, .size = 4, .emu_mask = 0xFFFFFFFF, .init = init_bar, .write = write_bar },
    { .offset = 0x1C, .size = 4, .emu_mask = 0xFFFFFFFF, .init = init_bar, .write = write_bar },
    { .offset = 0x20, .size = 4, .emu_mask = 0xFFFFFFFF, .init = init_bar, .write = write_bar },
    { .offset = 0x24, .size = 4, .emu_mask = 0xFFFFFFFF, .init = init_bar, .write = write_bar },
    { .offset = 0x30, .size = 4, .emu_mask = 0xFFFFFFFF, .init = init_rom, .write = write_bar },
    { .offset = 0x34, .size = 1, .ro_mask = 0xFF, .emu_mask = 0xFF, .init = init_cap_ptr },
    { .offset = 0x3C, .size = 1, .emu_mask = 0xFF },
    { .offset = 0x3D, .size = 1, .ro_mask = 0xFF, .emu_mask = 0xFF, .init = init_int_pin },
    { 0 },
};

const XptRegGroupInfo xpt_pt_header_group = {
    .cap_id = XPT_REG_HEADER_ID, .name = "header", .type = XPT_GRP_EMU, .size = 0x40,
    .regs = header_regs,
};
