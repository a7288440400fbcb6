/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Capability register tables of xen-pci-passthrough (reference/config-space.md
 * "Capabilities handled"; PCI LB 3.0 §6.7–6.8, PCI PM 1.2 §3.2, PCIe Base §7.5.3;
 * QEMU hw/xen/xen_pt_config_init.c). Capabilities with no table here are left out of
 * the guest's chain.
 */
#include "hw/xen/xen-pt.h"

#define PCI_CAP_ID_PM     0x01
#define PCI_CAP_ID_AGP    0x02
#define PCI_CAP_ID_VPD    0x03
#define PCI_CAP_ID_SLOTID 0x04
#define PCI_CAP_ID_MSI    0x05
#define PCI_CAP_ID_PCIX   0x07
#define PCI_CAP_ID_VNDR   0x09
#define PCI_CAP_ID_SHPC   0x0C
#define PCI_CAP_ID_SSVID  0x0D
#define PCI_CAP_ID_AGP3   0x0E
#define PCI_CAP_ID_EXP    0x10
#define PCI_CAP_ID_MSIX   0x11

#define PCI_MSI_FLAGS_64BIT 0x0080
#define PCI_MSI_FLAGS_MASKBIT 0x0100
#define PCI_EXP_DEVCAP_FLR 0x10000000
#define PCI_EXP_TYPE_RC_END 0x9

static uint32_t host_read(XptRegFile *rf, unsigned off, unsigned len)
{
    uint32_t v;
    xpt_regfile_host_read(rf, off, len, &v);
    return v;
}

/* ---- Power management (01), size 8 ---- */
static const XptRegInfo pm_regs[] = {
    { .offset = 2, .size = 2, .ro_mask = 0xFFFF, .emu_mask = 0xF9C8 },
    /* D-state (bits 1:0) emulated: guest power-state writes never reach the device. */
    { .offset = 4, .size = 2, .init_val = 0x0008, .res_mask = 0x00F0, .ro_mask = 0x610C,
      .rw1c_mask = 0x8000, .emu_mask = 0x810B },
    { 0 },
};

/*
 * ---- VPD (03), size 8 (PCI LB 3.0 §6.4 and appendix I) ----
 * A VPD write is: data into +4, then the address into +2 with the F flag (bit 15) set;
 * the device then stores the data in its EEPROM, persistently. A guest must not do that
 * to a host device unless the administrator allowed it with permissive=on (issue 13
 * item 4). So the data register has no row: its bytes read the host (VPD reads work)
 * and writes to them are dropped, with the rate-limited warning naming permissive,
 * unless permissive (hw/pci/regs.h, bytes in no register). And without permissive the
 * F flag of an address write reaches the host as 0, which starts a VPD read instead
 * of writing back whatever the data register last held.
 */
#define PCI_VPD_ADDR_F 0x8000

static void vpd_addr_write(XptRegFile *rf, XptReg *reg, uint32_t old_val, uint32_t guest,
                           uint32_t valid, uint32_t *host_val, uint32_t *host_mask)
{
    if (!rf->permissive) {
        *host_val &= ~(uint32_t)PCI_VPD_ADDR_F;
    }
}

static const XptRegInfo vpd_regs[] = {
    { .offset = 2, .size = 2, .ro_mask = 0x0003, .emu_mask = 0x0003,
      .write = vpd_addr_write },
    { 0 },
};

/* ---- Vendor specific (09): size from the length byte; only the next pointer ---- */
static unsigned vendor_size(XptRegFile *rf, unsigned base)
{
    unsigned len = host_read(rf, base + 2, 1);
    return len < 3 ? 3 : len;
}

/* ---- PCI Express (10) ---- */
static unsigned pcie_size(XptRegFile *rf, unsigned base)
{
    uint32_t flags = host_read(rf, base + 2, 2);
    unsigned version = flags & 0xF, type = (flags >> 4) & 0xF;
    if (version >= 2) {
        return 0x3C;
    }
    return type == PCI_EXP_TYPE_RC_END ? 0x0C : 0x14;
}

static XptRegInitResult init_devcap(XptRegFile *rf, XptReg *reg, uint32_t host, GError **errp)
{
    reg->val = host & ~PCI_EXP_DEVCAP_FLR;   /* FLR capability hidden */
    return XPT_REG_OK;
}

static XptRegInitResult init_lnkctl2(XptRegFile *rf, XptReg *reg, uint32_t host, GError **errp)
{
    /* Target link speed = the maximum speed the link supports (LnkCap bits 3:0). */
    uint32_t lnkcap = host_read(rf, reg->addr - 0x30 + 0x0C, 4);
    reg->val = lnkcap & 0xF;
    return XPT_REG_OK;
}

static const XptRegInfo pcie_regs[] = {
    { .offset = 0x04, .size = 4, .ro_mask = 0xFFFFFFFF, .emu_mask = 0x10000000,
      .init = init_devcap },
    { .offset = 0x08, .size = 2, .init_val = 0x2810, .ro_mask = 0x8400, .emu_mask = 0xFFFF },
    { .offset = 0x0A, .size = 2, .res_mask = 0xFFC0, .ro_mask = 0x0030, .rw1c_mask = 0x000F },
    { .offset = 0x10, .size = 2, .ro_mask = 0xFC34, .emu_mask = 0xFFFF },
    { .offset = 0x12, .size = 2, .ro_mask = 0x3FFF, .rw1c_mask = 0xC000 },
    { .offset = 0x28, .size = 2, .ro_mask = 0xFFA0, .emu_mask = 0xFFBF },
    { .offset = 0x30, .size = 2, .ro_mask = 0xE040, .emu_mask = 0xFFFF, .init = init_lnkctl2 },
    { 0 },
};

/* ---- MSI (05): size 0x0A, +4 if 64-bit, +0x0A if per-vector masking ---- */
static uint32_t msi_flags(XptRegFile *rf, unsigned base)
{
    return host_read(rf, base + 2, 2);
}

static unsigned msi_size(XptRegFile *rf, unsigned base)
{
    uint32_t f = msi_flags(rf, base);
    return 0x0A + ((f & PCI_MSI_FLAGS_64BIT) ? 4 : 0) + ((f & PCI_MSI_FLAGS_MASKBIT) ? 0x0A : 0);
}

/* The base of the MSI capability a register belongs to. */
static unsigned msi_base(XptRegFile *rf)
{
    const XptRegGroup *g = xpt_regfile_group(rf, PCI_CAP_ID_MSI);
    return g ? g->base : 0;
}

/* Row applies when the 64-bit flag equals @want64 (and, for mask/pending, PVM is set). */
static XptRegInitResult msi_layout(XptRegFile *rf, XptReg *reg, bool want64, bool need_pvm)
{
    uint32_t f = msi_flags(rf, msi_base(rf));
    if (!!(f & PCI_MSI_FLAGS_64BIT) != want64 || (need_pvm && !(f & PCI_MSI_FLAGS_MASKBIT))) {
        return XPT_REG_ABSENT;
    }
    reg->val = reg->info->init_val;
    return XPT_REG_OK;
}

static XptRegInitResult init_msi_64(XptRegFile *rf, XptReg *reg, uint32_t h, GError **e)
{
    return msi_layout(rf, reg, true, false);
}

static XptRegInitResult init_msi_32(XptRegFile *rf, XptReg *reg, uint32_t h, GError **e)
{
    return msi_layout(rf, reg, false, false);
}

static XptRegInitResult init_msi_pvm64(XptRegFile *rf, XptReg *reg, uint32_t h, GError **e)
{
    return msi_layout(rf, reg, true, true);
}

static XptRegInitResult init_msi_pvm32(XptRegFile *rf, XptReg *reg, uint32_t h, GError **e)
{
    return msi_layout(rf, reg, false, true);
}

/* MSI Enable reaches the host only once the pirq is bound (hw/xen/xen-pt-msi.c). */
static void write_msi_ctrl(XptRegFile *rf, XptReg *reg, uint32_t old, uint32_t guest,
                           uint32_t valid, uint32_t *host_val, uint32_t *host_mask)
{
    xpt_pt_msi_ctrl_write(rf->owner, (uint16_t)guest, (uint16_t)valid, host_val, host_mask);
}

/* Address or data changed: rebind while enabled. */
static void write_msi_msg(XptRegFile *rf, XptReg *reg, uint32_t old, uint32_t guest,
                          uint32_t valid, uint32_t *host_val, uint32_t *host_mask)
{
    if (old != reg->val) {
        xpt_pt_msi_update(rf->owner);
    }
}

static const XptRegInfo msi_regs[] = {
    { .offset = 0x02, .size = 2, .res_mask = 0xFE00, .ro_mask = 0x018E, .emu_mask = 0x017E,
      .write = write_msi_ctrl },
    { .offset = 0x04, .size = 4, .ro_mask = 0x0003, .emu_mask = 0xFFFFFFFF,
      .write = write_msi_msg },
    { .offset = 0x08, .size = 4, .emu_mask = 0xFFFFFFFF, .init = init_msi_64,
      .write = write_msi_msg },
    { .offset = 0x08, .size = 2, .emu_mask = 0xFFFF, .init = init_msi_32,
      .write = write_msi_msg },
    { .offset = 0x0C, .size = 2, .emu_mask = 0xFFFF, .init = init_msi_64,
      .write = write_msi_msg },
    /* Per-vector mask: reads 0, the guest cannot change it (XSA-129). */
    { .offset = 0x0C, .size = 4, .ro_mask = 0xFFFFFFFF, .emu_mask = 0xFFFFFFFF,
      .init = init_msi_pvm32 },
    { .offset = 0x10, .size = 4, .ro_mask = 0xFFFFFFFF, .emu_mask = 0xFFFFFFFF,
      .init = init_msi_pvm64 },
    { .offset = 0x10, .size = 4, .ro_mask = 0xFFFFFFFF, .init = init_msi_pvm32 },
    { .offset = 0x14, .size = 4, .ro_mask = 0xFFFFFFFF, .init = init_msi_pvm64 },
    { 0 },
};

/* ---- MSI-X (11), size 0x0C ---- */
static void write_msix_ctrl(XptRegFile *rf, XptReg *reg, uint32_t old, uint32_t guest,
                            uint32_t valid, uint32_t *host_val, uint32_t *host_mask)
{
    /* Enable and function mask are forwarded after binding (hw/xen/xen-pt-msix.c). */
    xpt_pt_msix_ctrl_write(rf->owner, (uint16_t)guest, (uint16_t)valid, host_val, host_mask);
}

static const XptRegInfo msix_regs[] = {
    { .offset = 0x02, .size = 2, .res_mask = 0x3800, .ro_mask = 0x07FF,
      .write = write_msix_ctrl },
    { .offset = 0x04, .size = 4, .ro_mask = 0xFFFFFFFF },
    { .offset = 0x08, .size = 4, .ro_mask = 0xFFFFFFFF },
    { 0 },
};

#define GROUP(id_, name_, type_, size_, size_of_, regs_) \
    static const XptRegGroupInfo grp_##name_ = { .cap_id = (id_), .name = #name_, \
        .type = (type_), .size = (size_), .size_of = (size_of_), .regs = (regs_) }

GROUP(PCI_CAP_ID_PM, pm, XPT_GRP_EMU, 8, NULL, pm_regs);
GROUP(PCI_CAP_ID_VPD, vpd, XPT_GRP_EMU, 8, NULL, vpd_regs);
GROUP(PCI_CAP_ID_VNDR, vendor, XPT_GRP_EMU, 0, vendor_size, NULL);
GROUP(PCI_CAP_ID_EXP, pcie, XPT_GRP_EMU, 0, pcie_size, pcie_regs);
GROUP(PCI_CAP_ID_MSI, msi, XPT_GRP_EMU, 0, msi_size, msi_regs);
GROUP(PCI_CAP_ID_MSIX, msix, XPT_GRP_EMU, 0x0C, NULL, msix_regs);
/* Hard-wired groups: read 0, writes ignored, not in the chain. */
GROUP(PCI_CAP_ID_AGP, agp, XPT_GRP_HARDWIRED, 0x30, NULL, NULL);
GROUP(PCI_CAP_ID_SLOTID, slotid, XPT_GRP_HARDWIRED, 4, NULL, NULL);
GROUP(PCI_CAP_ID_PCIX, pcix, XPT_GRP_HARDWIRED, 0x18, NULL, NULL);
GROUP(PCI_CAP_ID_SHPC, shpc, XPT_GRP_HARDWIRED, 8, NULL, NULL);
GROUP(PCI_CAP_ID_SSVID, ssvid, XPT_GRP_HARDWIRED, 8, NULL, NULL);
GROUP(PCI_CAP_ID_AGP3, agp3, XPT_GRP_HARDWIRED, 0x30, NULL, NULL);

const XptRegGroupInfo *const xpt_pt_cap_groups[] = {
    &xpt_pt_header_group,
    &grp_pm, &grp_vpd, &grp_vendor, &grp_pcie, &grp_msi, &grp_msix,
    &grp_agp, &grp_slotid, &grp_pcix, &grp_shpc, &grp_ssvid, &grp_agp3,
    NULL,
};
