/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the config-space register framework (hw/pci/regs.c) against a fake host
 * device: a 256-byte host config space plus a log of every host write. The tables below
 * mirror rows of reference/config-space.md (type-0 header, PM, VPD, PCI-X hard-wired).
 */
#include <glib.h>
#include <string.h>

#include "hw/pci/regs.h"
#include "util/error.h"

/* ---- fake host device ------------------------------------------------------------ */

typedef struct HostWrite {
    unsigned offset;
    unsigned len;
    uint32_t val;
} HostWrite;

typedef struct FakeHost {
    uint8_t cfg[256];
    GArray *writes;         /* HostWrite, in order */
    bool fail_reads;
    unsigned reads;
} FakeHost;

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

static const XptRegHostOps fake_ops = {
    .read = fake_read,
    .write = fake_write,
};

static void host_set(FakeHost *h, unsigned offset, unsigned len, uint32_t val)
{
    for (unsigned i = 0; i < len; i++) {
        h->cfg[offset + i] = val >> (8 * i);
    }
}

static uint32_t host_get(const FakeHost *h, unsigned offset, unsigned len)
{
    uint32_t val = 0;

    for (unsigned i = 0; i < len; i++) {
        val |= (uint32_t)h->cfg[offset + i] << (8 * i);
    }
    return val;
}

/* Host capability at @base with id @id and next pointer @next. */
static void host_cap(FakeHost *h, unsigned base, uint8_t id, uint8_t next)
{
    h->cfg[base] = id;
    h->cfg[base + 1] = next;
}

/* Assert host write number @i was (@offset, @len, @val). */
static void assert_host_write(const FakeHost *h, unsigned i, unsigned offset, unsigned len,
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

static const XptRegGroupInfo header_group = {
    .cap_id = XPT_REG_HEADER_ID, .name = "header", .type = XPT_GRP_EMU, .size = 0x40,
    .regs = header_regs,
};

static const XptRegInfo pm_regs[] = {
    { .offset = 2, .size = 2, .ro_mask = 0xFFFF, .emu_mask = 0xF9C8 },  /* PMC */
    { .offset = 4, .size = 2, .init_val = 0x0008, .res_mask = 0x00F0, .ro_mask = 0x610C,
      .rw1c_mask = 0x8000, .emu_mask = 0x810B },                        /* PMCSR */
    { 0 },
};

static const XptRegGroupInfo pm_group = {
    .cap_id = 0x01, .name = "power management", .type = XPT_GRP_EMU, .size = 8,
    .regs = pm_regs,
};

static const XptRegInfo vpd_regs[] = {
    { .offset = 2, .size = 2, .ro_mask = 0x0003, .emu_mask = 0x0003 }, /* Address */
    { .offset = 4, .size = 4 },                                         /* Data */
    { 0 },
};

static const XptRegGroupInfo vpd_group = {
    .cap_id = 0x03, .name = "VPD", .type = XPT_GRP_EMU, .size = 8, .regs = vpd_regs,
};

static const XptRegGroupInfo pcix_group = {
    .cap_id = 0x07, .name = "PCI-X", .type = XPT_GRP_HARDWIRED, .size = 0x18,
};

/* Subsystem vendor ID (0D) is hard-wired too, 8 bytes. */
static const XptRegGroupInfo ssvid_group = {
    .cap_id = 0x0D, .name = "SSVID", .type = XPT_GRP_HARDWIRED, .size = 8,
};

static const XptRegGroupInfo *const std_tables[] = {
    &header_group, &pm_group, &vpd_group, &pcix_group, &ssvid_group, NULL,
};

/* ---- fixture --------------------------------------------------------------------- */

typedef struct Dev {
    FakeHost host;
    XptRegFile rf;
} Dev;

/* A plausible host device: vendor 8086, device 10d3, Command/Status set, caps as laid
 * out by the caller (the Status CapList bit and pointer 0x34 are left to the caller). */
static Dev *dev_new(void)
{
    Dev *d = g_new0(Dev, 1);

    d->host.writes = g_array_new(FALSE, TRUE, sizeof(HostWrite));
    host_set(&d->host, 0x00, 2, 0x8086);
    host_set(&d->host, 0x02, 2, 0x10d3);
    host_set(&d->host, 0x04, 2, 0x0406);
    host_set(&d->host, 0x06, 2, 0x0010);
    host_set(&d->host, 0x08, 4, 0x02000000);
    host_set(&d->host, 0x0E, 1, 0x00);
    host_set(&d->host, 0x3D, 1, 0x01);
    return d;
}

/* The standard layout: PM at 0x40, unknown (0x0A) at 0x50, SSVID (hard-wired, 8 bytes)
 * at 0x60, VPD at 0x70. */
static Dev *dev_new_std(void)
{
    Dev *d = dev_new();

    host_set(&d->host, 0x34, 1, 0x40);
    host_cap(&d->host, 0x40, 0x01, 0x50);
    host_set(&d->host, 0x42, 2, 0xC803);        /* PMC */
    host_set(&d->host, 0x44, 2, 0x0008);        /* PMCSR: D0, No_Soft_Reset */
    host_set(&d->host, 0x46, 2, 0xBEEF);        /* bytes of PM in no row */
    host_cap(&d->host, 0x50, 0x0A, 0x60);
    host_set(&d->host, 0x52, 2, 0x1234);
    host_cap(&d->host, 0x60, 0x0D, 0x70);
    for (unsigned i = 2; i < 8; i++) {
        d->host.cfg[0x60 + i] = 0xA0 + i;
    }
    host_cap(&d->host, 0x70, 0x03, 0x00);
    host_set(&d->host, 0x72, 2, 0x8000);
    host_set(&d->host, 0x74, 4, 0xCAFEF00D);
    return d;
}

static void dev_init(Dev *d, const XptRegGroupInfo *const *tables, bool permissive)
{
    g_autoptr(GError) err = NULL;

    g_assert_true(xpt_regfile_init(&d->rf, tables, &d->host, "0000:01:00.0 (id test)",
                                   &fake_ops, permissive, &err));
    g_assert_no_error(err);
    /* Initialisation never writes to the host. */
    g_assert_cmpuint(d->host.writes->len, ==, 0);
}

static void dev_free(Dev *d)
{
    xpt_regfile_destroy(&d->rf);
    g_array_free(d->host.writes, TRUE);
    g_free(d);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Dev, dev_free)

static Dev *dev_std(bool permissive)
{
    Dev *d = dev_new_std();

    dev_init(d, std_tables, permissive);
    return d;
}

static XptReg *reg(Dev *d, unsigned addr)
{
    XptReg *r = xpt_regfile_reg(&d->rf, addr);

    g_assert_nonnull(r);
    return r;
}

static void clear_writes(Dev *d)
{
    g_array_set_size(d->host.writes, 0);
}

/* ---- read ------------------------------------------------------------------------ */

/* Expected guest view of byte @addr: the per-byte merge of host and emulated values. */
static uint8_t merged_byte(uint8_t host, uint32_t emu_val, uint32_t emu_mask, unsigned k)
{
    uint8_t em = emu_mask >> (8 * k);
    return (host & ~em) | ((emu_val >> (8 * k)) & em);
}

static void test_read_merge(void)
{
    g_autoptr(Dev) d = dev_std(false);
    XptReg *cmd = reg(d, 0x04);

    /* Command: host 0xA5A5, emulated 0x5A5A → (host & ~0743) | (emu & 0743). */
    host_set(&d->host, 0x04, 2, 0xA5A5);
    cmd->val = 0x5A5A;
    uint32_t want = (0xA5A5 & ~0x0743) | (0x5A5A & 0x0743);
    g_assert_cmphex(want, ==, 0xA2E6);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x04, 2), ==, want);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x04, 1), ==, want & 0xFF);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x05, 1), ==, want >> 8);

    /* All host bits set, nothing emulated set: only pass-through bits show. */
    host_set(&d->host, 0x04, 2, 0xFFFF);
    cmd->val = 0;
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x04, 2), ==, 0xF8BC);
    host_set(&d->host, 0x04, 2, 0x0000);
    cmd->val = 0xFFFF;
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x04, 2), ==, 0x0743);

    /* 4-byte read over Command + Status. Host Status has CapList clear and error bits
     * set; the emulated CapList (a visible cap exists) shows through. */
    host_set(&d->host, 0x04, 2, 0x0406);
    host_set(&d->host, 0x06, 2, 0x8280);
    cmd->val = 0x0003;
    g_assert_cmphex(reg(d, 0x06)->val, ==, 0x0010);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x04, 4), ==,
                    (0x8290u << 16) | ((0x0406 & ~0x0743) | 0x0003));

    /* PMCSR (+4 in PM at 0x40): every access width, byte by byte. */
    XptReg *pmcsr = reg(d, 0x44);
    g_assert_cmphex(pmcsr->val, ==, 0x0008);
    pmcsr->val = 0x8103;                        /* PME status, PME enable, D3hot */
    for (unsigned hv = 0; hv < 0x10000; hv += 0x1111) {
        host_set(&d->host, 0x44, 2, hv);
        uint32_t w2 = (hv & ~0x810Bu) | (0x8103 & 0x810B);
        g_assert_cmphex(xpt_regfile_read(&d->rf, 0x44, 2), ==, w2);
        for (unsigned k = 0; k < 2; k++) {
            g_assert_cmphex(xpt_regfile_read(&d->rf, 0x44 + k, 1), ==,
                            merged_byte(hv >> (8 * k), 0x8103, 0x810B, k));
        }
        /* 4 bytes at 0x44: PMCSR, then two bytes in no register (host value). */
        g_assert_cmphex(xpt_regfile_read(&d->rf, 0x44, 4), ==, 0xBEEF0000u | w2);
    }

    /* Vendor/Device ID come from their init hooks (host value, fully emulated). */
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x00, 4), ==, 0x10d38086);
    host_set(&d->host, 0x00, 4, 0xFFFFFFFF);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x00, 4), ==, 0x10d38086);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x02, 2), ==, 0x10d3);
}

static void test_read_unassigned(void)
{
    g_autoptr(Dev) d = dev_std(false);

    /* Revision/class (08–0B), BIST (0F), 28–2F, 3E–3F: no row → host value. */
    host_set(&d->host, 0x08, 4, 0x02000003);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x08, 4), ==, 0x02000003);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x0A, 2), ==, 0x0200);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x0B, 1), ==, 0x02);
    host_set(&d->host, 0x28, 4, 0x11223344);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x28, 4), ==, 0x11223344);
    /* 0x0C–0x0F: cache line and latency timer (emulated 0), header type bit 7
     * emulated (0 here), BIST from the host. */
    host_set(&d->host, 0x0C, 4, 0xC0FF4010);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x0C, 4), ==, 0xC07F0000);
    /* An unknown capability's bytes (0x50) read the host. */
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x50, 4), ==, 0x1234600A);
    /* Beyond every group. */
    host_set(&d->host, 0xFC, 4, 0xDEADBEEF);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0xFC, 4), ==, 0xDEADBEEF);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0xFF, 1), ==, 0xDE);
}

static void test_read_hardwired(void)
{
    /* SSVID (8 bytes) at 0x60 in the standard layout. */
    {
        g_autoptr(Dev) d = dev_std(false);
        const XptRegGroup *g = xpt_regfile_group(&d->rf, 0x0D);
        g_assert_nonnull(g);
        g_assert_cmpuint(g->base, ==, 0x60);
        g_assert_cmpuint(g->size, ==, 8);
        for (unsigned off = 0x60; off < 0x68; off++) {
            g_assert_cmphex(xpt_regfile_read(&d->rf, off, 1), ==, 0);
        }
        g_assert_cmphex(xpt_regfile_read(&d->rf, 0x60, 4), ==, 0);
        g_assert_cmphex(xpt_regfile_read(&d->rf, 0x66, 2), ==, 0);
        /* Writes are ignored: no host write, not counted as dropped. */
        xpt_regfile_write(&d->rf, 0x60, 4, 0xFFFFFFFF);
        xpt_regfile_write(&d->rf, 0x65, 1, 0xFF);
        g_assert_cmpuint(d->host.writes->len, ==, 0);
        g_assert_cmpuint(d->rf.dropped_writes, ==, 0);
    }
    /* PCI-X (0x18 bytes) at 0x60, VPD after it at 0x78. */
    {
        g_autoptr(Dev) d = dev_new();
        host_set(&d->host, 0x34, 1, 0x60);
        host_cap(&d->host, 0x60, 0x07, 0x78);
        for (unsigned i = 2; i < 0x18; i++) {
            d->host.cfg[0x60 + i] = 0xA0 + i;
        }
        host_cap(&d->host, 0x78, 0x03, 0x00);
        dev_init(d, std_tables, false);
        const XptRegGroup *g = xpt_regfile_group(&d->rf, 0x07);
        g_assert_nonnull(g);
        g_assert_cmpuint(g->base, ==, 0x60);
        g_assert_cmpuint(g->size, ==, 0x18);
        /* Every byte, id and next pointer included, reads 0 at every width. */
        for (unsigned off = 0x60; off < 0x78; off += 4) {
            g_assert_cmphex(xpt_regfile_read(&d->rf, off, 4), ==, 0);
            g_assert_cmphex(xpt_regfile_read(&d->rf, off + 2, 2), ==, 0);
            g_assert_cmphex(xpt_regfile_read(&d->rf, off + 3, 1), ==, 0);
        }
        g_assert_cmphex(xpt_regfile_read(&d->rf, 0x34, 1), ==, 0x78);
        g_assert_cmphex(xpt_regfile_read(&d->rf, 0x78, 2), ==, 0x0003);
        xpt_regfile_write(&d->rf, 0x74, 4, 0);
        g_assert_cmpuint(d->host.writes->len, ==, 0);
    }
}

/* ---- write ----------------------------------------------------------------------- */

static void test_write_emulated(void)
{
    g_autoptr(Dev) d = dev_std(false);
    XptReg *cmd = reg(d, 0x04);
    XptReg *status = reg(d, 0x06);
    XptReg *pmcsr = reg(d, 0x44);

    /* Command: emulated bits take guest & writable; reserved bits stay. */
    xpt_regfile_write(&d->rf, 0x04, 2, 0xFFFF);
    g_assert_cmphex(cmd->val, ==, 0x0743);
    xpt_regfile_write(&d->rf, 0x04, 2, 0x0000);
    g_assert_cmphex(cmd->val, ==, 0x0000);
    xpt_regfile_write(&d->rf, 0x04, 2, 0x0102);
    g_assert_cmphex(cmd->val, ==, 0x0102);
    /* Byte writes change only their byte. */
    xpt_regfile_write(&d->rf, 0x05, 1, 0x04);
    g_assert_cmphex(cmd->val, ==, 0x0402);
    xpt_regfile_write(&d->rf, 0x04, 1, 0x41);
    g_assert_cmphex(cmd->val, ==, 0x0441);

    /* Status: the emulated CapList bit is read-only. */
    g_assert_cmphex(status->val, ==, 0x0010);
    xpt_regfile_write(&d->rf, 0x06, 2, 0x0000);
    g_assert_cmphex(status->val, ==, 0x0010);
    xpt_regfile_write(&d->rf, 0x06, 2, 0xFFFF);
    g_assert_cmphex(status->val, ==, 0x0010);

    /* PMCSR: D-state (1:0) writable, No_Soft_Reset (bit 3) and bit 8 read-only,
     * reserved 7:4 not emulated. */
    xpt_regfile_write(&d->rf, 0x44, 2, 0x00F3);
    g_assert_cmphex(pmcsr->val, ==, 0x000B);
    xpt_regfile_write(&d->rf, 0x44, 2, 0x0000);
    g_assert_cmphex(pmcsr->val, ==, 0x0008);
    pmcsr->val |= 0x0100;
    xpt_regfile_write(&d->rf, 0x45, 1, 0x00);
    g_assert_cmphex(pmcsr->val, ==, 0x0108);
    xpt_regfile_write(&d->rf, 0x44, 1, 0x03);
    g_assert_cmphex(pmcsr->val, ==, 0x010B);
    /* The guest sees what it wrote. */
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x44, 2) & 0x810B, ==, 0x010B);

    /* Read-only emulated registers: nothing changes. */
    xpt_regfile_write(&d->rf, 0x00, 4, 0);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x00, 4), ==, 0x10d38086);
    xpt_regfile_write(&d->rf, 0x34, 1, 0x80);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x34, 1), ==, 0x40);
    xpt_regfile_write(&d->rf, 0x41, 1, 0x50);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x41, 1), ==, 0x70);
}

static void test_write_rw1c_emulated(void)
{
    g_autoptr(Dev) d = dev_std(false);
    XptReg *pmcsr = reg(d, 0x44);

    /* PME_Status (bit 15) is emulated and write-1-to-clear. */
    pmcsr->val = 0x8008;
    xpt_regfile_write(&d->rf, 0x44, 2, 0x0000);     /* 0: no effect */
    g_assert_cmphex(pmcsr->val, ==, 0x8008);
    xpt_regfile_write(&d->rf, 0x45, 1, 0x00);
    g_assert_cmphex(pmcsr->val, ==, 0x8008);
    xpt_regfile_write(&d->rf, 0x44, 2, 0x0003);     /* other bits, PME_Status kept */
    g_assert_cmphex(pmcsr->val, ==, 0x800B);
    xpt_regfile_write(&d->rf, 0x44, 1, 0xFF);       /* low byte: bit 15 not covered */
    g_assert_cmphex(pmcsr->val, ==, 0x800B);
    xpt_regfile_write(&d->rf, 0x44, 2, 0x8003);     /* 1: cleared */
    g_assert_cmphex(pmcsr->val, ==, 0x000B);
    xpt_regfile_write(&d->rf, 0x44, 2, 0x8003);     /* writing 1 never sets it */
    g_assert_cmphex(pmcsr->val, ==, 0x000B);
    pmcsr->val = 0x8008;
    xpt_regfile_write(&d->rf, 0x45, 1, 0x80);       /* 1 via a byte write */
    g_assert_cmphex(pmcsr->val, ==, 0x0008);
}

static void test_write_passthrough(void)
{
    g_autoptr(Dev) d = dev_std(false);

    /* Command: pass-through bits 2–5 (0x003C) reach the host; emulated bits and reserved
     * bits keep the host's value. */
    host_set(&d->host, 0x04, 2, 0x0406);
    xpt_regfile_write(&d->rf, 0x04, 2, 0xFFFF);
    g_assert_cmpuint(d->host.writes->len, ==, 1);
    assert_host_write(&d->host, 0, 0x04, 2, 0x043E);
    clear_writes(d);
    xpt_regfile_write(&d->rf, 0x04, 2, 0x0000);
    g_assert_cmpuint(d->host.writes->len, ==, 1);
    assert_host_write(&d->host, 0, 0x04, 2, 0x0402);
    clear_writes(d);

    /* Reserved bits set in the host stay as the host has them, whatever the guest
     * writes. */
    host_set(&d->host, 0x04, 2, 0xF880);
    xpt_regfile_write(&d->rf, 0x04, 2, 0x0004);
    assert_host_write(&d->host, 0, 0x04, 2, 0xF884);
    clear_writes(d);

    /* PMCSR: pass-through bits 12:9 (0x1E00); D-state never reaches the device; the
     * emulated rw1c PME_Status is written 0 (the host's PME_Status is not cleared). */
    host_set(&d->host, 0x44, 2, 0x8008);
    xpt_regfile_write(&d->rf, 0x44, 2, 0x9E03);
    g_assert_cmpuint(d->host.writes->len, ==, 1);
    assert_host_write(&d->host, 0, 0x44, 2, 0x1E08);
    clear_writes(d);

    /* VPD data (+4, 4 bytes, nothing emulated) passes through whole. */
    xpt_regfile_write(&d->rf, 0x74, 4, 0x12345678);
    g_assert_cmpuint(d->host.writes->len, ==, 1);
    assert_host_write(&d->host, 0, 0x74, 4, 0x12345678);
    clear_writes(d);
    xpt_regfile_write(&d->rf, 0x76, 2, 0xABCD);
    g_assert_cmpuint(d->host.writes->len, ==, 1);
    assert_host_write(&d->host, 0, 0x76, 2, 0xABCD);
}

static void test_write_rw1c_passthrough(void)
{
    g_autoptr(Dev) d = dev_std(false);

    /* Status: all error bits (F900) latched in the host. */
    host_set(&d->host, 0x06, 2, 0xF910);

    /* Writing 0 must not clear any of them: every rw1c bit is written 0, the
     * read-only/emulated bits carry the host value. */
    xpt_regfile_write(&d->rf, 0x06, 2, 0x0000);
    if (d->host.writes->len) {
        g_assert_cmpuint(d->host.writes->len, ==, 1);
        assert_host_write(&d->host, 0, 0x06, 2, 0x0010);
    }
    host_set(&d->host, 0x06, 2, 0xF910);
    clear_writes(d);

    /* Writing 1 to one bit (Received Master Abort, bit 13) carries only that 1. */
    xpt_regfile_write(&d->rf, 0x06, 2, 0x2000);
    g_assert_cmpuint(d->host.writes->len, ==, 1);
    assert_host_write(&d->host, 0, 0x06, 2, 0x2010);
    host_set(&d->host, 0x06, 2, 0xF910);
    clear_writes(d);

    /* Writing 1 to read-only bits changes nothing: 66 MHz etc. come from the host. */
    host_set(&d->host, 0x06, 2, 0xF9B0);
    xpt_regfile_write(&d->rf, 0x06, 2, 0x06FF | 0x0100);
    g_assert_cmpuint(d->host.writes->len, ==, 1);
    assert_host_write(&d->host, 0, 0x06, 2, 0x01B0);
    host_set(&d->host, 0x06, 2, 0xF910);
    clear_writes(d);

    /* Upper byte alone: 1 only where the guest wrote 1, in the byte written. */
    xpt_regfile_write(&d->rf, 0x07, 1, 0x81);
    g_assert_cmpuint(d->host.writes->len, ==, 1);
    assert_host_write(&d->host, 0, 0x07, 1, 0x81);
    clear_writes(d);

    /* Lower byte alone: it holds no pass-through bit, so nothing reaches the host. */
    xpt_regfile_write(&d->rf, 0x06, 1, 0xFF);
    g_assert_cmpuint(d->host.writes->len, ==, 0);
}

static void test_write_no_passthrough_bits(void)
{
    g_autoptr(Dev) d = dev_std(false);

    /* Registers whose bits are all emulated, read-only or reserved. */
    xpt_regfile_write(&d->rf, 0x00, 4, 0x12345678);     /* Vendor/Device ID */
    xpt_regfile_write(&d->rf, 0x00, 2, 0x1234);
    xpt_regfile_write(&d->rf, 0x03, 1, 0x12);
    xpt_regfile_write(&d->rf, 0x0C, 1, 0x10);           /* Cache line size */
    xpt_regfile_write(&d->rf, 0x0D, 1, 0x40);           /* Latency timer */
    xpt_regfile_write(&d->rf, 0x0C, 2, 0x4010);
    xpt_regfile_write(&d->rf, 0x0E, 1, 0x80);           /* Header type */
    xpt_regfile_write(&d->rf, 0x34, 1, 0x50);           /* Cap pointer */
    xpt_regfile_write(&d->rf, 0x3C, 2, 0x010B);         /* Interrupt line/pin */
    xpt_regfile_write(&d->rf, 0x3C, 1, 0x0B);
    xpt_regfile_write(&d->rf, 0x05, 1, 0x07);           /* Command high byte: all emu */
    xpt_regfile_write(&d->rf, 0x42, 2, 0xFFFF);         /* PMC */
    xpt_regfile_write(&d->rf, 0x40, 2, 0xFFFF);         /* PM id (no row) + next ptr */
    xpt_regfile_write(&d->rf, 0x41, 1, 0x00);           /* next pointer */
    g_assert_cmpuint(d->host.writes->len, ==, 0);

    g_assert_cmphex(reg(d, 0x0C)->val, ==, 0x10);
    g_assert_cmphex(reg(d, 0x0D)->val, ==, 0x40);
    g_assert_cmphex(reg(d, 0x3C)->val, ==, 0x0B);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x0C, 2), ==, 0x4010);
}

static void test_write_split(void)
{
    g_autoptr(Dev) d = dev_std(false);

    /* XSA-128: a dword write over Command and Status is two register writes. */
    host_set(&d->host, 0x04, 2, 0x0406);
    host_set(&d->host, 0x06, 2, 0x2290);
    xpt_regfile_write(&d->rf, 0x04, 4, 0x20000007);
    g_assert_cmpuint(d->host.writes->len, ==, 2);
    assert_host_write(&d->host, 0, 0x04, 2, (0x0406 & ~0x003C) | 0x0004);
    assert_host_write(&d->host, 1, 0x06, 2, 0x2290);
    g_assert_cmphex(reg(d, 0x04)->val, ==, 0x0003);
    clear_writes(d);

    /* Dword over PMCSR (+4) and two bytes in no register (+6): only PMCSR, 2 bytes. */
    host_set(&d->host, 0x44, 2, 0x0008);
    xpt_regfile_write(&d->rf, 0x44, 4, 0xFFFF0200);
    g_assert_cmpuint(d->host.writes->len, ==, 1);
    assert_host_write(&d->host, 0, 0x44, 2, 0x0208);
    g_assert_cmphex(host_get(&d->host, 0x46, 2), ==, 0xBEEF);
    clear_writes(d);

    /* Dword over the PMC (no pass-through bits) and the id/next bytes: nothing. */
    xpt_regfile_write(&d->rf, 0x40, 4, 0xFFFFFFFF);
    g_assert_cmpuint(d->host.writes->len, ==, 0);
}

static void test_write_partial(void)
{
    g_autoptr(Dev) d = dev_std(false);

    /* One byte of Command: only that byte reaches the host. */
    host_set(&d->host, 0x04, 2, 0x0406);
    xpt_regfile_write(&d->rf, 0x04, 1, 0x3F);
    g_assert_cmpuint(d->host.writes->len, ==, 1);
    assert_host_write(&d->host, 0, 0x04, 1, 0x3E);
    g_assert_cmphex(host_get(&d->host, 0x05, 1), ==, 0x04);
    clear_writes(d);

    /* One byte of PMCSR, upper half: pass-through bits 12:9 only. */
    host_set(&d->host, 0x44, 2, 0x8008);
    xpt_regfile_write(&d->rf, 0x45, 1, 0x9F);
    g_assert_cmpuint(d->host.writes->len, ==, 1);
    assert_host_write(&d->host, 0, 0x45, 1, 0x1E);
    g_assert_cmphex(host_get(&d->host, 0x44, 1), ==, 0x08);
    clear_writes(d);

    /* One byte inside the 4-byte VPD data register. */
    xpt_regfile_write(&d->rf, 0x76, 1, 0x5A);
    g_assert_cmpuint(d->host.writes->len, ==, 1);
    assert_host_write(&d->host, 0, 0x76, 1, 0x5A);
    g_assert_cmphex(host_get(&d->host, 0x74, 4), ==, 0xCA5AF00D);
}

static void test_write_host_read_fails(void)
{
    g_autoptr(Dev) d = dev_std(true);

    d->host.fail_reads = true;
    /* Command: pass-through and emulated bits written; no host write (XSA-128), but
     * the emulated bits still update. */
    xpt_regfile_write(&d->rf, 0x04, 2, 0x0007);
    g_assert_cmpuint(d->host.writes->len, ==, 0);
    g_assert_cmphex(reg(d, 0x04)->val, ==, 0x0003);
    /* Spanning write, rw1c pass-through bits, plain pass-through, unassigned bytes even
     * with permissive=on: nothing reaches the host. */
    xpt_regfile_write(&d->rf, 0x04, 4, 0xFFFF0000);
    xpt_regfile_write(&d->rf, 0x07, 1, 0xFF);
    xpt_regfile_write(&d->rf, 0x74, 4, 0x11111111);
    xpt_regfile_write(&d->rf, 0x08, 4, 0x11111111);
    xpt_regfile_write(&d->rf, 0x44, 2, 0x9E03);
    g_assert_cmpuint(d->host.writes->len, ==, 0);
    g_assert_cmphex(reg(d, 0x04)->val, ==, 0x0000);
    g_assert_cmphex(reg(d, 0x44)->val, ==, 0x000B);
    /* The read side does not crash either: pass-through bits read all-ones. */
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x04, 2), ==, 0xFFFF & ~0x0743);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x0C, 1), ==, 0x00);

    d->host.fail_reads = false;
    xpt_regfile_write(&d->rf, 0x04, 2, 0x0007);
    g_assert_cmpuint(d->host.writes->len, ==, 1);
}

static void test_write_unassigned(void)
{
    /* permissive=off: writes to bytes in no register are dropped. */
    {
        g_autoptr(Dev) d = dev_std(false);
        xpt_regfile_write(&d->rf, 0x08, 4, 0x11223344);     /* revision/class */
        xpt_regfile_write(&d->rf, 0x0F, 1, 0x40);           /* BIST */
        xpt_regfile_write(&d->rf, 0x0C, 4, 0x40008010);     /* ... BIST among regs */
        xpt_regfile_write(&d->rf, 0x28, 4, 0x1);
        xpt_regfile_write(&d->rf, 0x3C, 4, 0xFFFF010B);     /* 3E–3F */
        xpt_regfile_write(&d->rf, 0x50, 4, 0xFFFFFFFF);     /* unknown capability */
        xpt_regfile_write(&d->rf, 0x46, 2, 0x0000);         /* PM bytes in no row */
        xpt_regfile_write(&d->rf, 0xFC, 4, 0x0);
        g_assert_cmpuint(d->host.writes->len, ==, 0);
        g_assert_cmpuint(d->rf.dropped_writes, >=, 8);
        g_assert_cmphex(host_get(&d->host, 0x08, 4), ==, 0x02000000);
        /* The registers in a mixed write still took their part. */
        g_assert_cmphex(reg(d, 0x0C)->val, ==, 0x10);
        g_assert_cmphex(reg(d, 0x3C)->val, ==, 0x0B);
    }
    /* permissive=on: written through, only those bytes, as wide as the access allows. */
    {
        g_autoptr(Dev) d = dev_std(true);
        xpt_regfile_write(&d->rf, 0x08, 4, 0x11223344);
        g_assert_cmpuint(d->host.writes->len, ==, 1);
        assert_host_write(&d->host, 0, 0x08, 4, 0x11223344);
        clear_writes(d);
        xpt_regfile_write(&d->rf, 0x0B, 1, 0x55);
        g_assert_cmpuint(d->host.writes->len, ==, 1);
        assert_host_write(&d->host, 0, 0x0B, 1, 0x55);
        clear_writes(d);

        /* Interrupt line/pin are registers; 0x3E–0x3F one word. */
        xpt_regfile_write(&d->rf, 0x3C, 4, 0xABCD010B);
        g_assert_cmpuint(d->host.writes->len, ==, 1);
        assert_host_write(&d->host, 0, 0x3E, 2, 0xABCD);
        g_assert_cmphex(reg(d, 0x3C)->val, ==, 0x0B);
        clear_writes(d);

        /* PMCSR, then the PM bytes in no row. */
        host_set(&d->host, 0x44, 2, 0x0008);
        xpt_regfile_write(&d->rf, 0x44, 4, 0x12340000);
        g_assert_cmpuint(d->host.writes->len, ==, 2);
        assert_host_write(&d->host, 0, 0x44, 2, 0x0008);
        assert_host_write(&d->host, 1, 0x46, 2, 0x1234);
        clear_writes(d);

        /* 0x0C: cache line, latency, header type are registers without pass-through
         * bits; only BIST (0x0F) is written through. */
        host_set(&d->host, 0x0C, 4, 0x00000000);
        xpt_regfile_write(&d->rf, 0x0C, 4, 0x40808010);
        g_assert_cmpuint(d->host.writes->len, ==, 1);
        assert_host_write(&d->host, 0, 0x0F, 1, 0x40);
        clear_writes(d);

        xpt_regfile_write(&d->rf, 0x52, 2, 0xABCD);         /* unknown capability */
        g_assert_cmphex(host_get(&d->host, 0x52, 2), ==, 0xABCD);
        clear_writes(d);

        /* Hard-wired groups ignore writes even when permissive. */
        xpt_regfile_write(&d->rf, 0x64, 4, 0xFFFFFFFF);
        g_assert_cmpuint(d->host.writes->len, ==, 0);
        g_assert_cmpuint(d->rf.dropped_writes, ==, 0);
    }
}

/* Dropped writes warn once per device per window (XSA-130), naming offset and option. */
static void test_write_unassigned_warning(void)
{
    if (g_test_subprocess()) {
        g_autoptr(Dev) d = dev_std(false);
        for (unsigned i = 0; i < 1000; i++) {
            xpt_regfile_write(&d->rf, 0x08, 4, i);
            xpt_regfile_write(&d->rf, 0x50, 1, i);
        }
        g_assert_cmpuint(d->rf.dropped_writes, ==, 2000);
        g_assert_cmpuint(d->host.writes->len, ==, 0);
        /* A second device has its own limiter. */
        g_autoptr(Dev) d2 = dev_std(false);
        xpt_regfile_write(&d2->rf, 0x28, 4, 0);
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
    g_test_trap_assert_stderr("*0000:01:00.0 (id test)*0x08*dropped*permissive=on*"
                              "(xl: 'BDF,permissive=1' in pci=[...] or pci_permissive=1)*");
    g_test_trap_assert_stderr("*0x28*dropped*");
    g_test_trap_assert_stderr_unmatched("*0x50*");
    g_test_trap_assert_stderr_unmatched("*0x08*0x08*");
}

/* Vendor specific (09): the group size comes from the length byte at +2. */
static unsigned vendor_size(XptRegFile *rf, unsigned base)
{
    uint32_t len;

    xpt_regfile_host_read(rf, base + 2, 1, &len);
    return len < 3 ? 3 : len;
}

static const XptRegGroupInfo vendor_group = {
    .cap_id = 0x09, .name = "vendor", .type = XPT_GRP_EMU, .size_of = vendor_size,
};

static void test_cap_size_of(void)
{
    static const XptRegGroupInfo *const tables[] = {
        &header_group, &vendor_group, &pm_group, NULL,
    };
    g_autoptr(Dev) d = dev_new();

    host_set(&d->host, 0x34, 1, 0x40);
    host_cap(&d->host, 0x40, 0x09, 0x50);
    host_set(&d->host, 0x42, 2, 0x550C);        /* length 12 */
    host_set(&d->host, 0x44, 4, 0x01020304);
    host_set(&d->host, 0x48, 4, 0x05060708);
    host_set(&d->host, 0x4C, 4, 0xFFFFFFFF);
    host_cap(&d->host, 0x50, 0x01, 0x00);
    dev_init(d, tables, true);
    const XptRegGroup *g = xpt_regfile_group(&d->rf, 0x09);
    g_assert_nonnull(g);
    g_assert_cmpuint(g->size, ==, 12);
    /* Only the next pointer is emulated; the rest of the group reads the host. */
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x40, 4), ==, 0x550C5009);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x44, 4), ==, 0x01020304);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x51, 1), ==, 0x00);
    /* The capability ID (read-only) and the next pointer never reach the host; the body
     * is written through (permissive). */
    xpt_regfile_write(&d->rf, 0x40, 4, 0x00000000);
    g_assert_cmpuint(d->host.writes->len, ==, 1);
    assert_host_write(&d->host, 0, 0x42, 2, 0x0000);
    g_assert_cmphex(host_get(&d->host, 0x40, 1), ==, 0x09);
    g_assert_cmphex(host_get(&d->host, 0x41, 1), ==, 0x50);
}

/* ---- capability chain ------------------------------------------------------------ */

static void test_cap_chain(void)
{
    g_autoptr(Dev) d = dev_std(false);

    /* 0x40 PM (visible) → 0x50 unknown (skipped) → 0x60 SSVID (hard-wired) → 0x70 VPD. */
    g_assert_cmpuint(xpt_regfile_first_cap(&d->rf), ==, 0x40);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x34, 1), ==, 0x40);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x06, 2) & 0x0010, ==, 0x0010);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x40, 1), ==, 0x01);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x41, 1), ==, 0x70);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x40, 2), ==, 0x7001);
    /* PMC: emulated bits (F9C8) read their init value 0, the rest the host. */
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x40, 4), ==, 0x00037001);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x70, 2), ==, 0x0003);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x71, 1), ==, 0x00);

    /* Walk the chain the way a guest does. */
    unsigned seen[8], n = 0;
    for (unsigned p = xpt_regfile_read(&d->rf, 0x34, 1); p && n < 8;
         p = xpt_regfile_read(&d->rf, p + 1, 1)) {
        seen[n++] = p;
    }
    g_assert_cmpuint(n, ==, 2);
    g_assert_cmphex(seen[0], ==, 0x40);
    g_assert_cmphex(seen[1], ==, 0x70);

    g_assert_nonnull(xpt_regfile_group(&d->rf, 0x01));
    g_assert_nonnull(xpt_regfile_group(&d->rf, 0x03));
    g_assert_null(xpt_regfile_group(&d->rf, 0x0A));
    g_assert_cmpuint(xpt_regfile_group(&d->rf, 0x0D)->info->type, ==, XPT_GRP_HARDWIRED);
    g_assert_cmpuint(xpt_regfile_group(&d->rf, XPT_REG_HEADER_ID)->base, ==, 0);
    /* Unknown cap's bytes read the host, including its real next pointer. */
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x50, 2), ==, 0x600A);
    /* Hard-wired group bytes read 0. */
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x60, 4), ==, 0);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x64, 4), ==, 0);
}

static void test_cap_chain_order(void)
{
    g_autoptr(Dev) d = dev_new();

    /* Host list not in address order: 0x70 VPD → 0x40 PM → end. */
    host_set(&d->host, 0x34, 1, 0x70);
    host_cap(&d->host, 0x70, 0x03, 0x40);
    host_cap(&d->host, 0x40, 0x01, 0x00);
    dev_init(d, std_tables, false);
    g_assert_cmpuint(xpt_regfile_first_cap(&d->rf), ==, 0x70);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x34, 1), ==, 0x70);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x71, 1), ==, 0x40);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x41, 1), ==, 0x00);
}

static void test_cap_chain_none_visible(void)
{
    g_autoptr(Dev) d = dev_new();

    /* Only a hard-wired and an unknown capability: nothing visible. */
    host_set(&d->host, 0x06, 2, 0x0010);
    host_set(&d->host, 0x34, 1, 0x40);
    host_cap(&d->host, 0x40, 0x07, 0x80);
    host_cap(&d->host, 0x80, 0x0A, 0x00);
    dev_init(d, std_tables, false);
    g_assert_cmpuint(xpt_regfile_first_cap(&d->rf), ==, 0);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x34, 1), ==, 0);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x06, 2) & 0x0010, ==, 0);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x40, 4), ==, 0);
}

static void test_cap_chain_no_caplist(void)
{
    g_autoptr(Dev) d = dev_new_std();

    /* Status.CapList clear on the host: the pointer is not followed. */
    host_set(&d->host, 0x06, 2, 0x0000);
    dev_init(d, std_tables, false);
    g_assert_cmpuint(xpt_regfile_first_cap(&d->rf), ==, 0);
    g_assert_cmpuint(d->rf.n_groups, ==, 1);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x34, 1), ==, 0);
}

static void test_cap_chain_loop(void)
{
    /* 0x40 → 0x70 → 0x40 → ... */
    {
        g_autoptr(Dev) d = dev_new();
        host_set(&d->host, 0x34, 1, 0x40);
        host_cap(&d->host, 0x40, 0x01, 0x70);
        host_cap(&d->host, 0x70, 0x03, 0x40);
        dev_init(d, std_tables, false);
        g_assert_cmpuint(d->rf.n_groups, ==, 3);
        g_assert_cmphex(xpt_regfile_read(&d->rf, 0x34, 1), ==, 0x40);
        g_assert_cmphex(xpt_regfile_read(&d->rf, 0x41, 1), ==, 0x70);
        g_assert_cmphex(xpt_regfile_read(&d->rf, 0x71, 1), ==, 0x00);
    }
    /* A capability pointing at itself, and a loop through unknown capabilities. */
    {
        g_autoptr(Dev) d = dev_new();
        host_set(&d->host, 0x34, 1, 0x40);
        host_cap(&d->host, 0x40, 0x01, 0x40);
        dev_init(d, std_tables, false);
        g_assert_cmpuint(d->rf.n_groups, ==, 2);
        g_assert_cmphex(xpt_regfile_read(&d->rf, 0x41, 1), ==, 0x00);
    }
    {
        g_autoptr(Dev) d = dev_new();
        host_set(&d->host, 0x34, 1, 0x40);
        host_cap(&d->host, 0x40, 0x01, 0x80);
        host_cap(&d->host, 0x80, 0x0A, 0x90);
        host_cap(&d->host, 0x90, 0x0B, 0x80);
        dev_init(d, std_tables, false);
        g_assert_cmpuint(d->rf.n_groups, ==, 2);
        g_assert_cmphex(xpt_regfile_read(&d->rf, 0x41, 1), ==, 0x00);
    }
    /* Every dword a capability pointing to the next, the last back to the first: the
     * walk is bounded. */
    {
        g_autoptr(Dev) d = dev_new();
        host_set(&d->host, 0x34, 1, 0x40);
        for (unsigned p = 0x40; p < 0x100; p += 4) {
            host_cap(&d->host, p, 0x0A, p + 4 < 0x100 ? p + 4 : 0x40);
        }
        dev_init(d, std_tables, false);
        g_assert_cmpuint(d->rf.n_groups, ==, 1);
        g_assert_cmpuint(xpt_regfile_first_cap(&d->rf), ==, 0);
    }
}

static void test_cap_chain_bad_pointer(void)
{
    /* A next pointer below 0x40 ends the walk: VPD at 0x70 is never reached. */
    {
        g_autoptr(Dev) d = dev_new();
        host_set(&d->host, 0x34, 1, 0x40);
        host_cap(&d->host, 0x40, 0x01, 0x3C);
        host_cap(&d->host, 0x3C, 0x03, 0x70);
        host_cap(&d->host, 0x70, 0x03, 0x00);
        dev_init(d, std_tables, false);
        g_assert_cmpuint(d->rf.n_groups, ==, 2);
        g_assert_null(xpt_regfile_group(&d->rf, 0x03));
        g_assert_cmphex(xpt_regfile_read(&d->rf, 0x41, 1), ==, 0x00);
        /* The header's interrupt line at 0x3C is still the header register. */
        g_assert_cmphex(xpt_regfile_read(&d->rf, 0x3C, 1), ==, 0x00);
    }
    /* A first pointer below 0x40: no capabilities at all. */
    {
        g_autoptr(Dev) d = dev_new();
        host_set(&d->host, 0x34, 1, 0x10);
        host_cap(&d->host, 0x10, 0x01, 0x00);
        dev_init(d, std_tables, false);
        g_assert_cmpuint(d->rf.n_groups, ==, 1);
        g_assert_cmpuint(xpt_regfile_first_cap(&d->rf), ==, 0);
    }
}

/* ---- init hooks ------------------------------------------------------------------ */

static XptRegInitResult init_absent(XptRegFile *rf, XptReg *reg, uint32_t host_val,
                                    GError **errp)
{
    return XPT_REG_ABSENT;
}

static XptRegInitResult init_refuse(XptRegFile *rf, XptReg *reg, uint32_t host_val,
                                    GError **errp)
{
    g_set_error(errp, XPT_ERROR, XPT_ERROR_UNSUPPORTED,
                "%s: register 0x%02x refused (host value 0x%04x)", rf->who, reg->addr,
                host_val);
    return XPT_REG_ERROR;
}

static const XptRegInfo pm_absent_regs[] = {
    { .offset = 2, .size = 2, .ro_mask = 0xFFFF, .emu_mask = 0xF9C8,
      .init = init_absent },
    { .offset = 4, .size = 2, .init_val = 0x0008, .res_mask = 0x00F0, .ro_mask = 0x610C,
      .rw1c_mask = 0x8000, .emu_mask = 0x810B },
    { 0 },
};

static const XptRegGroupInfo pm_absent_group = {
    .cap_id = 0x01, .name = "power management", .type = XPT_GRP_EMU, .size = 8,
    .regs = pm_absent_regs,
};

static const XptRegInfo vpd_refuse_regs[] = {
    { .offset = 2, .size = 2, .ro_mask = 0x0003, .emu_mask = 0x0003 },
    { .offset = 4, .size = 4, .init = init_refuse },
    { 0 },
};

static const XptRegGroupInfo vpd_refuse_group = {
    .cap_id = 0x03, .name = "VPD", .type = XPT_GRP_EMU, .size = 8, .regs = vpd_refuse_regs,
};

static void test_init_absent(void)
{
    static const XptRegGroupInfo *const tables[] = {
        &header_group, &pm_absent_group, &vpd_group, &pcix_group, NULL,
    };
    g_autoptr(Dev) d = dev_new_std();

    dev_init(d, tables, false);
    g_assert_null(xpt_regfile_reg(&d->rf, 0x42));
    g_assert_nonnull(xpt_regfile_reg(&d->rf, 0x44));
    /* The absent row's bytes read the host, and are unassigned for writes. */
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x42, 2), ==, 0xC803);
    host_set(&d->host, 0x42, 2, 0x1234);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x43, 1), ==, 0x12);
    xpt_regfile_write(&d->rf, 0x42, 2, 0xFFFF);
    g_assert_cmpuint(d->host.writes->len, ==, 0);
    /* The rest of the group is unaffected. */
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x41, 1), ==, 0x70);
    g_assert_cmphex(reg(d, 0x44)->val, ==, 0x0008);
}

static void test_init_error(void)
{
    static const XptRegGroupInfo *const tables[] = {
        &header_group, &pm_group, &vpd_refuse_group, &pcix_group, NULL,
    };
    g_autoptr(Dev) d = dev_new_std();
    g_autoptr(GError) err = NULL;

    g_assert_false(xpt_regfile_init(&d->rf, tables, &d->host, "0000:01:00.0 (id test)",
                                    &fake_ops, false, &err));
    g_assert_error(err, XPT_ERROR, XPT_ERROR_UNSUPPORTED);
    g_assert_cmpstr(err->message, ==,
                    "0000:01:00.0 (id test): register 0x74 refused (host value 0xcafef00d)");
    /* Everything freed (valgrind checks), and destroy stays safe afterwards. */
    g_assert_null(d->rf.regs);
    xpt_regfile_destroy(&d->rf);
    g_assert_cmpuint(d->host.writes->len, ==, 0);

    /* The same XptRegFile can be initialised again with good tables. */
    dev_init(d, std_tables, false);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x41, 1), ==, 0x70);
}

/* ---- write hooks ----------------------------------------------------------------- */

/* Keep host memory/IO decode on whatever the guest writes (XSA-126). */
static void write_keep_decode(XptRegFile *rf, XptReg *reg, uint32_t old_val, uint32_t guest,
                              uint32_t valid, uint32_t *host_val, uint32_t *host_mask)
{
    *host_val |= 0x0003;
    *host_mask |= 0x0003;
}

static const XptRegInfo hooked_header_regs[] = {
    { .offset = 0x04, .size = 2, .res_mask = 0xF880, .emu_mask = 0xFFFF,
      .write = write_keep_decode },                 /* Command, fully emulated + hook */
    { .offset = 0x3C, .size = 1, .emu_mask = 0xFF },
    { 0 },
};

static const XptRegGroupInfo hooked_header_group = {
    .cap_id = XPT_REG_HEADER_ID, .name = "header", .type = XPT_GRP_EMU, .size = 0x40,
    .regs = hooked_header_regs,
};

static const XptRegInfo unhooked_header_regs[] = {
    { .offset = 0x04, .size = 2, .res_mask = 0xF880, .emu_mask = 0xFFFF },
    { 0 },
};

static const XptRegGroupInfo unhooked_header_group = {
    .cap_id = XPT_REG_HEADER_ID, .name = "header", .type = XPT_GRP_EMU, .size = 0x40,
    .regs = unhooked_header_regs,
};

static void test_write_hook_host_mask(void)
{
    /* Without the hook, a fully emulated Command never reaches the host. */
    {
        static const XptRegGroupInfo *const tables[] = { &unhooked_header_group, NULL };
        g_autoptr(Dev) d = dev_new();
        dev_init(d, tables, false);
        xpt_regfile_write(&d->rf, 0x04, 2, 0x0000);
        xpt_regfile_write(&d->rf, 0x04, 2, 0x0007);
        g_assert_cmpuint(d->host.writes->len, ==, 0);
    }
    /* With it, the forced bits are written, the rest carries the host value. */
    {
        static const XptRegGroupInfo *const tables[] = { &hooked_header_group, NULL };
        g_autoptr(Dev) d = dev_new();
        dev_init(d, tables, false);
        host_set(&d->host, 0x04, 2, 0x0404);
        xpt_regfile_write(&d->rf, 0x04, 2, 0x0000);
        g_assert_cmpuint(d->host.writes->len, ==, 1);
        assert_host_write(&d->host, 0, 0x04, 2, 0x0407);
        g_assert_cmphex(reg(d, 0x04)->val, ==, 0x0000);
        clear_writes(d);
        /* Low byte only: the forced bits are in it. */
        host_set(&d->host, 0x04, 2, 0x0400);
        xpt_regfile_write(&d->rf, 0x04, 1, 0x00);
        g_assert_cmpuint(d->host.writes->len, ==, 1);
        assert_host_write(&d->host, 0, 0x04, 1, 0x03);
        clear_writes(d);
        /* High byte only: no forced bit in the bytes written → no host write. */
        xpt_regfile_write(&d->rf, 0x05, 1, 0x04);
        g_assert_cmpuint(d->host.writes->len, ==, 0);
        g_assert_cmphex(reg(d, 0x04)->val, ==, 0x0400);
        /* A failed host read still suppresses the forced write. */
        d->host.fail_reads = true;
        xpt_regfile_write(&d->rf, 0x04, 2, 0x0000);
        g_assert_cmpuint(d->host.writes->len, ==, 0);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/regs/read/merge", test_read_merge);
    g_test_add_func("/regs/read/unassigned", test_read_unassigned);
    g_test_add_func("/regs/read/hardwired", test_read_hardwired);
    g_test_add_func("/regs/write/emulated", test_write_emulated);
    g_test_add_func("/regs/write/rw1c-emulated", test_write_rw1c_emulated);
    g_test_add_func("/regs/write/passthrough", test_write_passthrough);
    g_test_add_func("/regs/write/rw1c-passthrough", test_write_rw1c_passthrough);
    g_test_add_func("/regs/write/no-passthrough-bits", test_write_no_passthrough_bits);
    g_test_add_func("/regs/write/split", test_write_split);
    g_test_add_func("/regs/write/partial", test_write_partial);
    g_test_add_func("/regs/write/host-read-fails", test_write_host_read_fails);
    g_test_add_func("/regs/write/unassigned", test_write_unassigned);
    g_test_add_func("/regs/write/unassigned-warning", test_write_unassigned_warning);
    g_test_add_func("/regs/caps/chain", test_cap_chain);
    g_test_add_func("/regs/caps/order", test_cap_chain_order);
    g_test_add_func("/regs/caps/none-visible", test_cap_chain_none_visible);
    g_test_add_func("/regs/caps/no-caplist", test_cap_chain_no_caplist);
    g_test_add_func("/regs/caps/loop", test_cap_chain_loop);
    g_test_add_func("/regs/caps/bad-pointer", test_cap_chain_bad_pointer);
    g_test_add_func("/regs/caps/size-of", test_cap_size_of);
    g_test_add_func("/regs/init/absent", test_init_absent);
    g_test_add_func("/regs/init/error", test_init_error);
    g_test_add_func("/regs/write-hook/host-mask", test_write_hook_host_mask);
    return g_test_run();
}
