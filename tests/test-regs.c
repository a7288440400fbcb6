/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the config-space register framework (hw/pci/regs.c), reads and writes:
 * the merge of emulated and host bits, unassigned and hard-wired registers, emulated,
 * RW1C and passthrough writes, split and partial accesses, a failing host read. Against
 * the fake host device and tables of tests/regs-fixture.h; the capability chain and the
 * hooks are in test-regs-caps.c.
 */
#include <glib.h>
#include <string.h>

#include "hw/pci/regs.h"
#include "tests/regs-fixture.h"
#include "util/error.h"

/* ---- read ------------------------------------------------------------------------ */

/* Expected guest view of byte @addr: the per-byte merge of host and emulated values. */
static uint8_t merged_byte(uint8_t host, uint32_t emu_val, uint32_t emu_mask, unsigned k)
{
    uint8_t em = emu_mask >> (8 * k);
    return (host & ~em) | ((emu_val >> (8 * k)) & em);
}

static void test_read_merge(void)
{
    g_autoptr(Dev) d = rf_dev_std(false);
    XptReg *cmd = rf_reg(d, 0x04);

    /* Command: host 0xA5A5, emulated 0x5A5A → (host & ~0743) | (emu & 0743). */
    rf_host_set(&d->host, 0x04, 2, 0xA5A5);
    cmd->val = 0x5A5A;
    uint32_t want = (0xA5A5 & ~0x0743) | (0x5A5A & 0x0743);
    g_assert_cmphex(want, ==, 0xA2E6);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x04, 2), ==, want);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x04, 1), ==, want & 0xFF);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x05, 1), ==, want >> 8);

    /* All host bits set, nothing emulated set: only pass-through bits show. */
    rf_host_set(&d->host, 0x04, 2, 0xFFFF);
    cmd->val = 0;
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x04, 2), ==, 0xF8BC);
    rf_host_set(&d->host, 0x04, 2, 0x0000);
    cmd->val = 0xFFFF;
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x04, 2), ==, 0x0743);

    /* 4-byte read over Command + Status. Host Status has CapList clear and error bits
     * set; the emulated CapList (a visible cap exists) shows through. */
    rf_host_set(&d->host, 0x04, 2, 0x0406);
    rf_host_set(&d->host, 0x06, 2, 0x8280);
    cmd->val = 0x0003;
    g_assert_cmphex(rf_reg(d, 0x06)->val, ==, 0x0010);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x04, 4), ==,
                    (0x8290u << 16) | ((0x0406 & ~0x0743) | 0x0003));

    /* PMCSR (+4 in PM at 0x40): every access width, byte by byte. */
    XptReg *pmcsr = rf_reg(d, 0x44);
    g_assert_cmphex(pmcsr->val, ==, 0x0008);
    pmcsr->val = 0x8103;                        /* PME status, PME enable, D3hot */
    for (unsigned hv = 0; hv < 0x10000; hv += 0x1111) {
        rf_host_set(&d->host, 0x44, 2, hv);
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
    rf_host_set(&d->host, 0x00, 4, 0xFFFFFFFF);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x00, 4), ==, 0x10d38086);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x02, 2), ==, 0x10d3);
}

static void test_read_unassigned(void)
{
    g_autoptr(Dev) d = rf_dev_std(false);

    /* Revision/class (08–0B), BIST (0F), 28–2F, 3E–3F: no row → host value. */
    rf_host_set(&d->host, 0x08, 4, 0x02000003);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x08, 4), ==, 0x02000003);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x0A, 2), ==, 0x0200);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x0B, 1), ==, 0x02);
    rf_host_set(&d->host, 0x28, 4, 0x11223344);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x28, 4), ==, 0x11223344);
    /* 0x0C–0x0F: cache line and latency timer (emulated 0), header type bit 7
     * emulated (0 here), BIST from the host. */
    rf_host_set(&d->host, 0x0C, 4, 0xC0FF4010);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x0C, 4), ==, 0xC07F0000);
    /* An unknown capability's bytes (0x50) read the host. */
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x50, 4), ==, 0x1234600A);
    /* Beyond every group. */
    rf_host_set(&d->host, 0xFC, 4, 0xDEADBEEF);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0xFC, 4), ==, 0xDEADBEEF);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0xFF, 1), ==, 0xDE);
}

static void test_read_hardwired(void)
{
    /* SSVID (8 bytes) at 0x60 in the standard layout. */
    {
        g_autoptr(Dev) d = rf_dev_std(false);
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
        g_autoptr(Dev) d = rf_dev_new();
        rf_host_set(&d->host, 0x34, 1, 0x60);
        rf_host_cap(&d->host, 0x60, 0x07, 0x78);
        for (unsigned i = 2; i < 0x18; i++) {
            d->host.cfg[0x60 + i] = 0xA0 + i;
        }
        rf_host_cap(&d->host, 0x78, 0x03, 0x00);
        rf_dev_init(d, rf_std_tables, false);
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
    g_autoptr(Dev) d = rf_dev_std(false);
    XptReg *cmd = rf_reg(d, 0x04);
    XptReg *status = rf_reg(d, 0x06);
    XptReg *pmcsr = rf_reg(d, 0x44);

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
    g_autoptr(Dev) d = rf_dev_std(false);
    XptReg *pmcsr = rf_reg(d, 0x44);

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
    g_autoptr(Dev) d = rf_dev_std(false);

    /* Command: pass-through bits 2–5 (0x003C) reach the host; emulated bits and reserved
     * bits keep the host's value. */
    rf_host_set(&d->host, 0x04, 2, 0x0406);
    xpt_regfile_write(&d->rf, 0x04, 2, 0xFFFF);
    g_assert_cmpuint(d->host.writes->len, ==, 1);
    rf_assert_host_write(&d->host, 0, 0x04, 2, 0x043E);
    rf_clear_writes(d);
    xpt_regfile_write(&d->rf, 0x04, 2, 0x0000);
    g_assert_cmpuint(d->host.writes->len, ==, 1);
    rf_assert_host_write(&d->host, 0, 0x04, 2, 0x0402);
    rf_clear_writes(d);

    /* Reserved bits set in the host stay as the host has them, whatever the guest
     * writes. */
    rf_host_set(&d->host, 0x04, 2, 0xF880);
    xpt_regfile_write(&d->rf, 0x04, 2, 0x0004);
    rf_assert_host_write(&d->host, 0, 0x04, 2, 0xF884);
    rf_clear_writes(d);

    /* PMCSR: pass-through bits 12:9 (0x1E00); D-state never reaches the device; the
     * emulated rw1c PME_Status is written 0 (the host's PME_Status is not cleared). */
    rf_host_set(&d->host, 0x44, 2, 0x8008);
    xpt_regfile_write(&d->rf, 0x44, 2, 0x9E03);
    g_assert_cmpuint(d->host.writes->len, ==, 1);
    rf_assert_host_write(&d->host, 0, 0x44, 2, 0x1E08);
    rf_clear_writes(d);

    /* VPD data (+4, 4 bytes, nothing emulated) passes through whole. */
    xpt_regfile_write(&d->rf, 0x74, 4, 0x12345678);
    g_assert_cmpuint(d->host.writes->len, ==, 1);
    rf_assert_host_write(&d->host, 0, 0x74, 4, 0x12345678);
    rf_clear_writes(d);
    xpt_regfile_write(&d->rf, 0x76, 2, 0xABCD);
    g_assert_cmpuint(d->host.writes->len, ==, 1);
    rf_assert_host_write(&d->host, 0, 0x76, 2, 0xABCD);
}

static void test_write_rw1c_passthrough(void)
{
    g_autoptr(Dev) d = rf_dev_std(false);

    /* Status: all error bits (F900) latched in the host. */
    rf_host_set(&d->host, 0x06, 2, 0xF910);

    /* Writing 0 must not clear any of them: every rw1c bit is written 0, the
     * read-only/emulated bits carry the host value. */
    xpt_regfile_write(&d->rf, 0x06, 2, 0x0000);
    if (d->host.writes->len) {
        g_assert_cmpuint(d->host.writes->len, ==, 1);
        rf_assert_host_write(&d->host, 0, 0x06, 2, 0x0010);
    }
    rf_host_set(&d->host, 0x06, 2, 0xF910);
    rf_clear_writes(d);

    /* Writing 1 to one bit (Received Master Abort, bit 13) carries only that 1. */
    xpt_regfile_write(&d->rf, 0x06, 2, 0x2000);
    g_assert_cmpuint(d->host.writes->len, ==, 1);
    rf_assert_host_write(&d->host, 0, 0x06, 2, 0x2010);
    rf_host_set(&d->host, 0x06, 2, 0xF910);
    rf_clear_writes(d);

    /* Writing 1 to read-only bits changes nothing: 66 MHz etc. come from the host. */
    rf_host_set(&d->host, 0x06, 2, 0xF9B0);
    xpt_regfile_write(&d->rf, 0x06, 2, 0x06FF | 0x0100);
    g_assert_cmpuint(d->host.writes->len, ==, 1);
    rf_assert_host_write(&d->host, 0, 0x06, 2, 0x01B0);
    rf_host_set(&d->host, 0x06, 2, 0xF910);
    rf_clear_writes(d);

    /* Upper byte alone: 1 only where the guest wrote 1, in the byte written. */
    xpt_regfile_write(&d->rf, 0x07, 1, 0x81);
    g_assert_cmpuint(d->host.writes->len, ==, 1);
    rf_assert_host_write(&d->host, 0, 0x07, 1, 0x81);
    rf_clear_writes(d);

    /* Lower byte alone: it holds no pass-through bit, so nothing reaches the host. */
    xpt_regfile_write(&d->rf, 0x06, 1, 0xFF);
    g_assert_cmpuint(d->host.writes->len, ==, 0);
}

static void test_write_no_passthrough_bits(void)
{
    g_autoptr(Dev) d = rf_dev_std(false);

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

    g_assert_cmphex(rf_reg(d, 0x0C)->val, ==, 0x10);
    g_assert_cmphex(rf_reg(d, 0x0D)->val, ==, 0x40);
    g_assert_cmphex(rf_reg(d, 0x3C)->val, ==, 0x0B);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x0C, 2), ==, 0x4010);
}

static void test_write_split(void)
{
    g_autoptr(Dev) d = rf_dev_std(false);

    /* XSA-128: a dword write over Command and Status is two register writes. */
    rf_host_set(&d->host, 0x04, 2, 0x0406);
    rf_host_set(&d->host, 0x06, 2, 0x2290);
    xpt_regfile_write(&d->rf, 0x04, 4, 0x20000007);
    g_assert_cmpuint(d->host.writes->len, ==, 2);
    rf_assert_host_write(&d->host, 0, 0x04, 2, (0x0406 & ~0x003C) | 0x0004);
    rf_assert_host_write(&d->host, 1, 0x06, 2, 0x2290);
    g_assert_cmphex(rf_reg(d, 0x04)->val, ==, 0x0003);
    rf_clear_writes(d);

    /* Dword over PMCSR (+4) and two bytes in no register (+6): only PMCSR, 2 bytes. */
    rf_host_set(&d->host, 0x44, 2, 0x0008);
    xpt_regfile_write(&d->rf, 0x44, 4, 0xFFFF0200);
    g_assert_cmpuint(d->host.writes->len, ==, 1);
    rf_assert_host_write(&d->host, 0, 0x44, 2, 0x0208);
    g_assert_cmphex(rf_host_get(&d->host, 0x46, 2), ==, 0xBEEF);
    rf_clear_writes(d);

    /* Dword over the PMC (no pass-through bits) and the id/next bytes: nothing. */
    xpt_regfile_write(&d->rf, 0x40, 4, 0xFFFFFFFF);
    g_assert_cmpuint(d->host.writes->len, ==, 0);
}

static void test_write_partial(void)
{
    g_autoptr(Dev) d = rf_dev_std(false);

    /* One byte of Command: only that byte reaches the host. */
    rf_host_set(&d->host, 0x04, 2, 0x0406);
    xpt_regfile_write(&d->rf, 0x04, 1, 0x3F);
    g_assert_cmpuint(d->host.writes->len, ==, 1);
    rf_assert_host_write(&d->host, 0, 0x04, 1, 0x3E);
    g_assert_cmphex(rf_host_get(&d->host, 0x05, 1), ==, 0x04);
    rf_clear_writes(d);

    /* One byte of PMCSR, upper half: pass-through bits 12:9 only. */
    rf_host_set(&d->host, 0x44, 2, 0x8008);
    xpt_regfile_write(&d->rf, 0x45, 1, 0x9F);
    g_assert_cmpuint(d->host.writes->len, ==, 1);
    rf_assert_host_write(&d->host, 0, 0x45, 1, 0x1E);
    g_assert_cmphex(rf_host_get(&d->host, 0x44, 1), ==, 0x08);
    rf_clear_writes(d);

    /* One byte inside the 4-byte VPD data register. */
    xpt_regfile_write(&d->rf, 0x76, 1, 0x5A);
    g_assert_cmpuint(d->host.writes->len, ==, 1);
    rf_assert_host_write(&d->host, 0, 0x76, 1, 0x5A);
    g_assert_cmphex(rf_host_get(&d->host, 0x74, 4), ==, 0xCA5AF00D);
}

static void test_write_host_read_fails(void)
{
    g_autoptr(Dev) d = rf_dev_std(true);

    d->host.fail_reads = true;
    /* Command: pass-through and emulated bits written; no host write (XSA-128), but
     * the emulated bits still update. */
    xpt_regfile_write(&d->rf, 0x04, 2, 0x0007);
    g_assert_cmpuint(d->host.writes->len, ==, 0);
    g_assert_cmphex(rf_reg(d, 0x04)->val, ==, 0x0003);
    /* Spanning write, rw1c pass-through bits, plain pass-through, unassigned bytes even
     * with permissive=on: nothing reaches the host. */
    xpt_regfile_write(&d->rf, 0x04, 4, 0xFFFF0000);
    xpt_regfile_write(&d->rf, 0x07, 1, 0xFF);
    xpt_regfile_write(&d->rf, 0x74, 4, 0x11111111);
    xpt_regfile_write(&d->rf, 0x08, 4, 0x11111111);
    xpt_regfile_write(&d->rf, 0x44, 2, 0x9E03);
    g_assert_cmpuint(d->host.writes->len, ==, 0);
    g_assert_cmphex(rf_reg(d, 0x04)->val, ==, 0x0000);
    g_assert_cmphex(rf_reg(d, 0x44)->val, ==, 0x000B);
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
        g_autoptr(Dev) d = rf_dev_std(false);
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
        g_assert_cmphex(rf_host_get(&d->host, 0x08, 4), ==, 0x02000000);
        /* The registers in a mixed write still took their part. */
        g_assert_cmphex(rf_reg(d, 0x0C)->val, ==, 0x10);
        g_assert_cmphex(rf_reg(d, 0x3C)->val, ==, 0x0B);
    }
    /* permissive=on: written through, only those bytes, as wide as the access allows. */
    {
        g_autoptr(Dev) d = rf_dev_std(true);
        xpt_regfile_write(&d->rf, 0x08, 4, 0x11223344);
        g_assert_cmpuint(d->host.writes->len, ==, 1);
        rf_assert_host_write(&d->host, 0, 0x08, 4, 0x11223344);
        rf_clear_writes(d);
        xpt_regfile_write(&d->rf, 0x0B, 1, 0x55);
        g_assert_cmpuint(d->host.writes->len, ==, 1);
        rf_assert_host_write(&d->host, 0, 0x0B, 1, 0x55);
        rf_clear_writes(d);

        /* Interrupt line/pin are registers; 0x3E–0x3F one word. */
        xpt_regfile_write(&d->rf, 0x3C, 4, 0xABCD010B);
        g_assert_cmpuint(d->host.writes->len, ==, 1);
        rf_assert_host_write(&d->host, 0, 0x3E, 2, 0xABCD);
        g_assert_cmphex(rf_reg(d, 0x3C)->val, ==, 0x0B);
        rf_clear_writes(d);

        /* PMCSR, then the PM bytes in no row. */
        rf_host_set(&d->host, 0x44, 2, 0x0008);
        xpt_regfile_write(&d->rf, 0x44, 4, 0x12340000);
        g_assert_cmpuint(d->host.writes->len, ==, 2);
        rf_assert_host_write(&d->host, 0, 0x44, 2, 0x0008);
        rf_assert_host_write(&d->host, 1, 0x46, 2, 0x1234);
        rf_clear_writes(d);

        /* 0x0C: cache line, latency, header type are registers without pass-through
         * bits; only BIST (0x0F) is written through. */
        rf_host_set(&d->host, 0x0C, 4, 0x00000000);
        xpt_regfile_write(&d->rf, 0x0C, 4, 0x40808010);
        g_assert_cmpuint(d->host.writes->len, ==, 1);
        rf_assert_host_write(&d->host, 0, 0x0F, 1, 0x40);
        rf_clear_writes(d);

        xpt_regfile_write(&d->rf, 0x52, 2, 0xABCD);         /* unknown capability */
        g_assert_cmphex(rf_host_get(&d->host, 0x52, 2), ==, 0xABCD);
        rf_clear_writes(d);

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
        g_autoptr(Dev) d = rf_dev_std(false);
        for (unsigned i = 0; i < 1000; i++) {
            xpt_regfile_write(&d->rf, 0x08, 4, i);
            xpt_regfile_write(&d->rf, 0x50, 1, i);
        }
        g_assert_cmpuint(d->rf.dropped_writes, ==, 2000);
        g_assert_cmpuint(d->host.writes->len, ==, 0);
        /* A second device has its own limiter. */
        g_autoptr(Dev) d2 = rf_dev_std(false);
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
    return g_test_run();
}
