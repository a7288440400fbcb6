/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fake host device and register tables of the register tests: tests/regs-fixture.h. */
#include "tests/regs-fixture.h"

#include <string.h>

#include "util/error.h"

static bool fake_read(void *owner, unsigned offset, unsigned len, uint32_t *val)
{
    FakeHost *h = owner;

    g_assert_true(len == 1 || len == 2 || len == 4);
    g_assert_cmpuint(offset + len, <=, 256);
    h->reads++;
    if (h->fail_reads) {
        return false;
    }
    *val = 0;
    for (unsigned i = 0; i < len; i++) {
        *val |= (uint32_t)h->cfg[offset + i] << (8 * i);
    }
    return true;
}

static bool fake_write(void *owner, unsigned offset, unsigned len, uint32_t val)
{
    FakeHost *h = owner;
    HostWrite w = { .offset = offset, .len = len, .val = val };

    g_assert_true(len == 1 || len == 2 || len == 4);
    g_assert_cmpuint(offset + len, <=, 256);
    /* Config accesses are naturally aligned (PCI LB 3.0 §3.2.2.3.2). */
    g_assert_cmpuint(offset % len, ==, 0);
    if (len < 4) {
        g_assert_cmpuint(val >> (8 * len), ==, 0);
    }
    g_array_append_val(h->writes, w);
    for (unsigned i = 0; i < len; i++) {
        h->cfg[offset + i] = val >> (8 * i);
    }
    return true;
}

const XptRegHostOps rf_fake_ops = {
    .read = fake_read,
    .write = fake_write,
};

void rf_host_set(FakeHost *h, unsigned offset, unsigned len, uint32_t val)
{
    for (unsigned i = 0; i < len; i++) {
        h->cfg[offset + i] = val >> (8 * i);
    }
}

uint32_t rf_host_get(const FakeHost *h, unsigned offset, unsigned len)
{
    uint32_t val = 0;

    for (unsigned i = 0; i < len; i++) {
        val |= (uint32_t)h->cfg[offset + i] << (8 * i);
    }
    return val;
}

/* Host capability at @base with id @id and next pointer @next. */
void rf_host_cap(FakeHost *h, unsigned base, uint8_t id, uint8_t next)
{
    h->cfg[base] = id;
    h->cfg[base + 1] = next;
}

/* Assert host write number @i was (@offset, @len, @val). */
void rf_assert_host_write(const FakeHost *h, unsigned i, unsigned offset, unsigned len,
                          uint32_t val)
{
    g_assert_cmpuint(h->writes->len, >, i);
    const HostWrite *w = &g_array_index(h->writes, HostWrite, i);
    g_assert_cmphex(w->offset, ==, offset);
    g_assert_cmpuint(w->len, ==, len);
    g_assert_cmphex(w->val, ==, val);
}

/* ---- register tables (rows from reference/config-space.md) ----------------------- */

static XptRegInitResult init_host_val(XptRegFile *rf, XptReg *reg, uint32_t host_val,
                                      GError **errp)
{
    reg->val = host_val;
    return XPT_REG_OK;
}

static XptRegInitResult init_status(XptRegFile *rf, XptReg *reg, uint32_t host_val,
                                    GError **errp)
{
    reg->val = xpt_regfile_first_cap(rf) ? 0x0010 : 0;
    return XPT_REG_OK;
}

static XptRegInitResult init_cap_ptr(XptRegFile *rf, XptReg *reg, uint32_t host_val,
                                     GError **errp)
{
    reg->val = xpt_regfile_first_cap(rf);
    return XPT_REG_OK;
}

static const XptRegInfo header_regs[] = {
    { .offset = 0x00, .size = 2, .ro_mask = 0xFFFF, .emu_mask = 0xFFFF,
      .init = init_host_val },                                          /* Vendor ID */
    { .offset = 0x02, .size = 2, .ro_mask = 0xFFFF, .emu_mask = 0xFFFF,
      .init = init_host_val },                                          /* Device ID */
    { .offset = 0x04, .size = 2, .res_mask = 0xF880, .emu_mask = 0x0743 }, /* Command */
    { .offset = 0x06, .size = 2, .res_mask = 0x0007, .ro_mask = 0x06F8,
      .rw1c_mask = 0xF900, .emu_mask = 0x0010, .init = init_status },   /* Status */
    { .offset = 0x0C, .size = 1, .emu_mask = 0xFF },                    /* Cache line */
    { .offset = 0x0D, .size = 1, .emu_mask = 0xFF },                    /* Latency timer */
    { .offset = 0x0E, .size = 1, .ro_mask = 0xFF, .emu_mask = 0x80 },  /* Header type */
    { .offset = 0x34, .size = 1, .ro_mask = 0xFF, .emu_mask = 0xFF,
      .init = init_cap_ptr },                                           /* Cap pointer */
    { .offset = 0x3C, .size = 1, .emu_mask = 0xFF },                    /* Interrupt line */
    { .offset = 0x3D, .size = 1, .ro_mask = 0xFF, .emu_mask = 0xFF },  /* Interrupt pin */
    { 0 },
};

const XptRegGroupInfo rf_header_group = {
    .cap_id = XPT_REG_HEADER_ID, .name = "header", .type = XPT_GRP_EMU, .size = 0x40,
    .regs = header_regs,
};

static const XptRegInfo pm_regs[] = {
    { .offset = 2, .size = 2, .ro_mask = 0xFFFF, .emu_mask = 0xF9C8 },  /* PMC */
    { .offset = 4, .size = 2, .init_val = 0x0008, .res_mask = 0x00F0, .ro_mask = 0x610C,
      .rw1c_mask = 0x8000, .emu_mask = 0x810B },                        /* PMCSR */
    { 0 },
};

const XptRegGroupInfo rf_pm_group = {
    .cap_id = 0x01, .name = "power management", .type = XPT_GRP_EMU, .size = 8,
    .regs = pm_regs,
};

static const XptRegInfo vpd_regs[] = {
    { .offset = 2, .size = 2, .ro_mask = 0x0003, .emu_mask = 0x0003 }, /* Address */
    { .offset = 4, .size = 4 },                                         /* Data */
    { 0 },
};

const XptRegGroupInfo rf_vpd_group = {
    .cap_id = 0x03, .name = "VPD", .type = XPT_GRP_EMU, .size = 8, .regs = vpd_regs,
};

const XptRegGroupInfo rf_pcix_group = {
    .cap_id = 0x07, .name = "PCI-X", .type = XPT_GRP_HARDWIRED, .size = 0x18,
};

/* Subsystem vendor ID (0D) is hard-wired too, 8 bytes. */
static const XptRegGroupInfo ssvid_group = {
    .cap_id = 0x0D, .name = "SSVID", .type = XPT_GRP_HARDWIRED, .size = 8,
};

const XptRegGroupInfo *const rf_std_tables[] = {
    &rf_header_group, &rf_pm_group, &rf_vpd_group, &rf_pcix_group, &ssvid_group, NULL,
};

/* A plausible host device: vendor 8086, device 10d3, Command/Status set, caps as laid
 * out by the caller (the Status CapList bit and pointer 0x34 are left to the caller). */
Dev *rf_dev_new(void)
{
    Dev *d = g_new0(Dev, 1);

    d->host.writes = g_array_new(FALSE, TRUE, sizeof(HostWrite));
    rf_host_set(&d->host, 0x00, 2, 0x8086);
    rf_host_set(&d->host, 0x02, 2, 0x10d3);
    rf_host_set(&d->host, 0x04, 2, 0x0406);
    rf_host_set(&d->host, 0x06, 2, 0x0010);
    rf_host_set(&d->host, 0x08, 4, 0x02000000);
    rf_host_set(&d->host, 0x0E, 1, 0x00);
    rf_host_set(&d->host, 0x3D, 1, 0x01);
    return d;
}

/* The standard layout: PM at 0x40, unknown (0x0A) at 0x50, SSVID (hard-wired, 8 bytes)
 * at 0x60, VPD at 0x70. */
Dev *rf_dev_new_std(void)
{
    Dev *d = rf_dev_new();

    rf_host_set(&d->host, 0x34, 1, 0x40);
    rf_host_cap(&d->host, 0x40, 0x01, 0x50);
    rf_host_set(&d->host, 0x42, 2, 0xC803);        /* PMC */
    rf_host_set(&d->host, 0x44, 2, 0x0008);        /* PMCSR: D0, No_Soft_Reset */
    rf_host_set(&d->host, 0x46, 2, 0xBEEF);        /* bytes of PM in no row */
    rf_host_cap(&d->host, 0x50, 0x0A, 0x60);
    rf_host_set(&d->host, 0x52, 2, 0x1234);
    rf_host_cap(&d->host, 0x60, 0x0D, 0x70);
    for (unsigned i = 2; i < 8; i++) {
        d->host.cfg[0x60 + i] = 0xA0 + i;
    }
    rf_host_cap(&d->host, 0x70, 0x03, 0x00);
    rf_host_set(&d->host, 0x72, 2, 0x8000);
    rf_host_set(&d->host, 0x74, 4, 0xCAFEF00D);
    return d;
}

void rf_dev_init(Dev *d, const XptRegGroupInfo *const *tables, bool permissive)
{
    g_autoptr(GError) err = NULL;

    g_assert_true(xpt_regfile_init(&d->rf, tables, &d->host, "0000:01:00.0 (id test)",
                                   &rf_fake_ops, permissive, &err));
    g_assert_no_error(err);
    /* Initialisation never writes to the host. */
    g_assert_cmpuint(d->host.writes->len, ==, 0);
}

void rf_dev_free(Dev *d)
{
    xpt_regfile_destroy(&d->rf);
    g_array_free(d->host.writes, TRUE);
    g_free(d);
}

Dev *rf_dev_std(bool permissive)
{
    Dev *d = rf_dev_new_std();

    rf_dev_init(d, rf_std_tables, permissive);
    return d;
}

XptReg *rf_reg(Dev *d, unsigned addr)
{
    XptReg *r = xpt_regfile_reg(&d->rf, addr);

    g_assert_nonnull(r);
    return r;
}

void rf_clear_writes(Dev *d)
{
    g_array_set_size(d->host.writes, 0);
}
