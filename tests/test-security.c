/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Security regression suite (issue 6), the guest as attacker: one test per class of
 * docs/reference/config-space.md §"Invariants (what went wrong before)" that a guest's
 * config and MSI-X accesses can reach: decode (XSA-126), per-register decomposition
 * (XSA-128), the MSI mask (XSA-129), rate-limited logs (XSA-130), reserved bits
 * (XSA-131), MSI-X table bounds (XSA-164) and BAR address edges. Hostile dumps are in
 * test-security-dump.c; detach, failed attach and faults in test-security-faults.c;
 * shared helpers in tests/security-util.h.
 *
 * Everything runs the real binary under -accel qtest with fixture devices as hosts. Each
 * test asserts what a user relies on: the host device never sees a bit the guest must
 * not control, every log line a guest can cause is rate-limited, and the process and the
 * final leak check (exit status 0) stay clean.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hw/host/host-pci.h"
#include "tests/guest-fw.h"
#include "tests/security-util.h"
#include "tests/testutil.h"

static GArray *host_writes(XptQts *qts, const char *key)
{
    g_autoptr(JsonNode) w = xpt_sim_command(qts, "host-writes %s", key);
    JsonArray *a = json_node_get_array(w);
    GArray *out = g_array_new(FALSE, FALSE, sizeof(XptHostWrite));
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonObject *o = json_array_get_object_element(a, i);
        XptHostWrite hw = {
            .offset = (uint16_t)json_object_get_int_member(o, "offset"),
            .len = (uint8_t)json_object_get_int_member(o, "len"),
            .value = (uint32_t)json_object_get_int_member(o, "value"),
        };
        g_array_append_val(out, hw);
    }
    return out;
}

static guint host_write_count(XptQts *qts, const char *key)
{
    g_autoptr(GArray) w = host_writes(qts, key);
    return w->len;
}

/* The first 256 config bytes of device @addr in fixture @fixture (rows missing: 0xff). */
static void dump_config(const char *fixture, const char *addr, uint8_t cfg[256])
{
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(xpt_test_fixture(fixture), &text, NULL, NULL));
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    int dev = sec_dump_device_line(lines, addr);
    memset(cfg, 0xff, 256);
    for (unsigned row = 0; row < 256; row += 16) {
        int l = sec_dump_row_line(lines, dev, row);
        if (l < 0) {
            continue;
        }
        g_auto(GStrv) w = g_strsplit(lines[l], " ", -1);
        for (unsigned c = 0; c < 16 && w[c + 1]; c++) {
            cfg[row + c] = (uint8_t)g_ascii_strtoull(w[c + 1], NULL, 16);
        }
    }
}

/* ================================================================================================
 * Invariant 1: command register and decode (XSA-126, CVE-2015-2756, CVE-2020-12888)
 * ============================================================================================== */

/*
 * Whatever the guest writes to Command, in any width, the host keeps memory and I/O
 * decode on for the BARs the device has: every host write of the register has IO and
 * MEM set (the 82576 has memory and I/O BARs).
 */
static void test_decode_never_reaches_host(void)
{
    XptQts *qts = sec_start_nic(NULL, NULL);
    static const uint32_t vals[] = { 0x0000, 0xffff, 0x0004, 0x0001, 0x0002, 0x0400, 0xfbfc,
                                     0xfffc };
    guint n0 = host_write_count(qts, "pt0");
    for (size_t i = 0; i < G_N_ELEMENTS(vals); i++) {
        xpt_cfg_writew(qts, SLOT2, 0x04, (uint16_t)vals[i]);
        xpt_cfg_writeb(qts, SLOT2, 0x04, (uint8_t)vals[i]);
        xpt_cfg_writel(qts, SLOT2, 0x04, vals[i] | 0xf9000000u);   /* + status rw1c */
        /* the guest's view follows its own decode bits */
        g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, 0x04) & 3, ==, vals[i] & 3);
    }
    g_autoptr(GArray) w = host_writes(qts, "pt0");
    guint cmd_writes = 0;
    for (guint i = n0; i < w->len; i++) {
        const XptHostWrite *hw = &g_array_index(w, XptHostWrite, i);
        if (hw->offset == 0x04) {
            cmd_writes++;
            g_assert_cmphex(hw->value & 0x3, ==, 0x3);
        }
    }
    g_assert_cmpuint(cmd_writes, >, 0);
    xpt_test_finish(qts);
}

/*
 * With decode off, the guest's BAR, MSI-X table page and ROM addresses reach nothing:
 * no p2m mapping, no ioport mapping, no claim, so no access can reach the device (or the
 * device model's host BAR mapping); reads give all-ones and nothing faults. Moving a BAR
 * while decode is off maps nothing either; turning decode on maps the new place.
 */
static void test_disabled_bar_access(void)
{
    XptQts *qts = sec_start_nic(NULL, NULL);
    const uint64_t bar0 = 0xf0000000, bar3 = 0xf1000000, rom = 0xf0400000;
    xpt_cfg_writel(qts, SLOT2, 0x10, (uint32_t)bar0);
    xpt_cfg_writel(qts, SLOT2, 0x18, 0xc001);
    xpt_cfg_writel(qts, SLOT2, 0x1c, (uint32_t)bar3);
    xpt_cfg_writel(qts, SLOT2, 0x30, (uint32_t)rom | 1);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0007);
    g_autoptr(JsonNode) on = xpt_sim_state(qts);
    g_assert_true(xpt_state_has_mmio(on, bar0 >> 12, NIC_BAR0_HOST >> 12, 32));
    g_assert_true(sec_claimed(on, "mmio", bar3, bar3 + 0xfff));
    g_assert_true(sec_claimed(on, "mmio", rom, rom + 0x3fffff));
    g_assert_cmpuint(sec_state_len(on, "ioports"), ==, 1);
    xpt_writel(qts, bar0 + 0x10, 0x12345678);                 /* the device's own BAR */
    g_assert_cmphex(xpt_readl(qts, bar0 + 0x10), ==, 0x12345678);

    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0000);
    g_autoptr(JsonNode) off = xpt_sim_state(qts);
    g_assert_cmpuint(sec_state_len(off, "mmio"), ==, 0);
    g_assert_cmpuint(sec_state_len(off, "ioports"), ==, 0);
    g_assert_false(sec_claimed(off, "mmio", bar3, bar3));
    g_assert_false(sec_claimed(off, "mmio", rom, rom));
    gint64 calls_before = sec_calls_of(off, "memory_mapping");

    /* Every width, in every region, reads all-ones and writes vanish. */
    const uint64_t addrs[] = { bar0, bar0 + 0x1fffc, bar3, bar3 + 0x8, bar3 + 0x2000, rom,
                               rom + 0x3ffff8 };
    for (size_t i = 0; i < G_N_ELEMENTS(addrs); i++) {
        xpt_writeq(qts, addrs[i], 0);
        xpt_writel(qts, addrs[i], 0);
        xpt_writeb(qts, addrs[i] + 1, 0);
        g_assert_cmphex(xpt_readb(qts, addrs[i]), ==, 0xff);
        g_assert_cmphex(xpt_readw(qts, addrs[i]), ==, 0xffff);
        g_assert_cmphex(xpt_readl(qts, addrs[i]), ==, 0xffffffff);
        g_assert_cmphex(xpt_readq(qts, addrs[i]), ==, ~0ull);
    }
    uint8_t buf[64];
    xpt_memread(qts, bar3, buf, sizeof(buf));
    for (size_t i = 0; i < sizeof(buf); i++) {
        g_assert_cmphex(buf[i], ==, 0xff);
    }
    g_autofree char *r = xpt_qts_command(qts, "memset 0x%" G_GINT64_MODIFIER "x 4096 0",
                                         bar3);
    g_assert_cmpstr(r, ==, "OK");
    g_assert_cmphex(xpt_inl(qts, 0xc000), ==, 0xffffffff);
    xpt_outl(qts, 0xc000, 0);

    /* A BAR moved while decode is off is not mapped; decode on maps the new place. */
    xpt_cfg_writel(qts, SLOT2, 0x10, 0xf2000000);
    g_autoptr(JsonNode) moved = xpt_sim_state(qts);
    g_assert_cmpuint(sec_state_len(moved, "mmio"), ==, 0);
    g_assert_cmpint(sec_calls_of(moved, "memory_mapping"), ==, calls_before);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0002);
    g_autoptr(JsonNode) back = xpt_sim_state(qts);
    g_assert_true(xpt_state_has_mmio(back, 0xf2000, NIC_BAR0_HOST >> 12, 32));
    g_assert_false(xpt_state_has_mmio(back, bar0 >> 12, NIC_BAR0_HOST >> 12, 32));
    g_assert_cmphex(xpt_readl(qts, 0xf2000010), ==, 0x12345678);   /* same host page */
    g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, 0x00), ==, 0x10c98086);
    xpt_test_finish(qts);
}

/* ================================================================================================
 * Invariant 3: per-register decomposition (XSA-128)
 * ============================================================================================== */

/*
 * The register rows of reference/config-space.md that the 82576 instantiates, restated
 * here independently of the product's tables: a host write may change only the bits
 * that are neither emulated, read-only nor reserved (+ the bits the model forwards on
 * purpose: Command INTx-disable; MSI/MSI-X Enable and Function Mask).
 */
typedef struct {
    unsigned off, size;
    uint32_t res, ro, emu;
    uint32_t forced;           /* bits the model itself decides for the host */
} RegRow;

static const RegRow nic_rows[] = {
    { 0x04, 2, 0xF880, 0x0000, 0x0743, 0x0403 },   /* Command: INTx-disable, decode on */
    { 0x06, 2, 0x0007, 0x06F8, 0x0010, 0 },        /* Status */
    { 0x0C, 1, 0, 0, 0xFF, 0 }, { 0x0D, 1, 0, 0, 0xFF, 0 }, { 0x0E, 1, 0, 0xFF, 0x80, 0 },
    { 0x10, 4, 0, 0, 0xFFFFFFFF, 0 }, { 0x14, 4, 0, 0, 0xFFFFFFFF, 0 },
    { 0x18, 4, 0, 0, 0xFFFFFFFF, 0 }, { 0x1C, 4, 0, 0, 0xFFFFFFFF, 0 },
    { 0x20, 4, 0, 0, 0xFFFFFFFF, 0 }, { 0x24, 4, 0, 0, 0xFFFFFFFF, 0 },
    { 0x30, 4, 0, 0, 0xFFFFFFFF, 0 }, { 0x34, 1, 0, 0xFF, 0xFF, 0 },
    { 0x3C, 1, 0, 0, 0xFF, 0 }, { 0x3D, 1, 0, 0xFF, 0xFF, 0 },
    { 0x41, 1, 0, 0xFF, 0xFF, 0 },                                  /* PM next */
    { 0x42, 2, 0, 0xFFFF, 0xF9C8, 0 },                              /* PMC */
    { 0x44, 2, 0x00F0, 0x610C, 0x810B, 0 },                         /* PMCSR (rw1c 8000) */
    { 0x51, 1, 0, 0xFF, 0xFF, 0 },                                  /* MSI next */
    { 0x52, 2, 0xFE00, 0x018E, 0x017E, 0x0001 },                    /* MSI Control */
    { 0x54, 4, 0, 0x0003, 0xFFFFFFFF, 0 }, { 0x58, 4, 0, 0, 0xFFFFFFFF, 0 },
    { 0x5C, 2, 0, 0, 0xFFFF, 0 },
    { 0x60, 4, 0, 0xFFFFFFFF, 0xFFFFFFFF, 0 },                      /* Mask (XSA-129) */
    { 0x64, 4, 0, 0xFFFFFFFF, 0, 0 },                               /* Pending */
    { 0x71, 1, 0, 0xFF, 0xFF, 0 },                                  /* MSI-X next */
    { 0x72, 2, 0x3800, 0x07FF, 0, 0xC000 },                         /* MSI-X Control */
    { 0x74, 4, 0, 0xFFFFFFFF, 0, 0 }, { 0x78, 4, 0, 0xFFFFFFFF, 0, 0 },
    { 0xA1, 1, 0, 0xFF, 0xFF, 0 },                                  /* PCIe next */
    { 0xA4, 4, 0, 0xFFFFFFFF, 0x10000000, 0 },                      /* DevCap */
    { 0xA8, 2, 0, 0x8400, 0xFFFF, 0 },                              /* DevCtl */
    { 0xAA, 2, 0xFFC0, 0x0030, 0, 0 },                              /* DevSta (rw1c 000F) */
    { 0xB0, 2, 0, 0xFC34, 0xFFFF, 0 },                              /* LnkCtl */
    { 0xB2, 2, 0, 0x3FFF, 0, 0 },                                   /* LnkSta (rw1c C000) */
    { 0xC8, 2, 0, 0xFFA0, 0xFFBF, 0 },                              /* DevCtl2 */
    { 0xD0, 2, 0, 0xE040, 0xFFFF, 0 },                              /* LnkCtl2 */
};

static const RegRow *nic_row_at(unsigned off)
{
    for (size_t i = 0; i < G_N_ELEMENTS(nic_rows); i++) {
        if (off >= nic_rows[i].off && off < nic_rows[i].off + nic_rows[i].size) {
            return &nic_rows[i];
        }
    }
    return NULL;
}

/* The bits of @r that may reach the host. */
static uint32_t row_host_bits(const RegRow *r)
{
    uint32_t width = r->size == 4 ? 0xffffffffu : (1u << (8 * r->size)) - 1;
    return ((~r->emu & ~r->ro & ~r->res) | r->forced) & width;
}

/*
 * Every host write since @from touches exactly one pass-through register of the table,
 * and leaves every bit the guest must not control as the host had it (@orig: the host's
 * config space at attach; pass-through bits may have changed since).
 */
static void check_host_writes(XptQts *qts, guint from, const uint8_t orig[256])
{
    g_autoptr(GArray) w = host_writes(qts, "pt0");
    for (guint i = from; i < w->len; i++) {
        const XptHostWrite *hw = &g_array_index(w, XptHostWrite, i);
        const RegRow *r = nic_row_at(hw->offset);
        if (!r || hw->offset + hw->len > r->off + r->size) {
            g_error("host write at 0x%x/%u is not inside one register", hw->offset, hw->len);
        }
        uint32_t allowed = row_host_bits(r);
        if (!allowed) {
            g_error("host write to register 0x%x, which nothing may pass through", r->off);
        }
        for (unsigned b = 0; b < hw->len; b++) {
            unsigned off = hw->offset + b;
            uint8_t v = (uint8_t)(hw->value >> (8 * b));
            uint8_t ok = (uint8_t)(allowed >> (8 * (off - r->off)));
            if ((v ^ orig[off]) & ~ok) {
                g_error("host write at 0x%x changed protected bits: byte 0x%x was 0x%02x, "
                        "written 0x%02x (may change 0x%02x)", hw->offset, off, orig[off], v,
                        ok);
            }
        }
    }
}

static void test_xsa128_decomposition(void)
{
    uint8_t orig[256];
    dump_config(NIC_DUMP, "01:00.0", orig);
    XptQts *qts = sec_start_nic(NULL, NULL);
    guint n0 = host_write_count(qts, "pt0");
    static const uint32_t vals[] = { 0xffffffff, 0x00000000, 0x5a5a5a5a, 0xa5a5a5a5 };
    for (size_t r = 0; r < G_N_ELEMENTS(nic_rows); r++) {
        unsigned off = nic_rows[r].off;
        for (size_t v = 0; v < G_N_ELEMENTS(vals); v++) {
            xpt_cfg_writeb(qts, SLOT2, (uint8_t)off, (uint8_t)vals[v]);
            xpt_cfg_writew(qts, SLOT2, (uint8_t)(off & ~1u), (uint16_t)vals[v]);
            xpt_cfg_writel(qts, SLOT2, (uint8_t)(off & ~3u), vals[v]);
        }
    }
    check_host_writes(qts, n0, orig);
    /* Some writes did reach the host (Command, PMCSR Data_Select...), so the check ran. */
    g_assert_cmpuint(host_write_count(qts, "pt0"), >, n0);
    xpt_test_finish(qts);
}

/* A failed host read means no host write (XSA-128), in a register and with permissive. */
static void test_xsa128_no_write_after_failed_read(void)
{
    for (int perm = 0; perm < 2; perm++) {
        XptQts *qts = sec_start_nic(NULL, perm ? ",permissive=on" : NULL);
        guint n0 = host_write_count(qts, "pt0");
        g_autoptr(JsonNode) f1 = xpt_sim_command(qts, "host-fail pt0 read EIO");
        xpt_cfg_writew(qts, SLOT2, 0x04, 0x0004);            /* bus master: passes through */
        g_assert_cmpuint(host_write_count(qts, "pt0"), ==, n0);
        if (perm) {
            g_autoptr(JsonNode) f2 = xpt_sim_command(qts, "host-fail pt0 read EIO");
            xpt_cfg_writel(qts, SLOT2, 0x28, 0x12345678);    /* no register: permissive */
            g_assert_cmpuint(host_write_count(qts, "pt0"), ==, n0);
        }
        /* PMCSR Data_Select passes through; its read fails: nothing written either. */
        g_autoptr(JsonNode) f3 = xpt_sim_command(qts, "host-fail pt0 read EIO");
        xpt_cfg_writew(qts, SLOT2, 0x44, 0x1e00);
        g_assert_cmpuint(host_write_count(qts, "pt0"), ==, n0);
        /* The device works again once reads do. */
        xpt_cfg_writew(qts, SLOT2, 0x04, 0x0004);
        g_autoptr(GArray) cmd = xpt_test_host_writes_at(qts, "pt0", 0x04);
        g_assert_cmpuint(cmd->len, ==, 1);
        g_assert_cmphex(g_array_index(cmd, uint32_t, 0) & 0x4, ==, 0x4);
        if (perm) {
            xpt_cfg_writel(qts, SLOT2, 0x28, 0x12345678);
            g_autoptr(GArray) cis = xpt_test_host_writes_at(qts, "pt0", 0x28);
            g_assert_cmpuint(cis->len, ==, 1);
        }
        /* A failed read in a guest read: pass-through bytes all-ones, emulated ones kept. */
        g_autoptr(JsonNode) f4 = xpt_sim_command(qts, "host-fail pt0 read EIO");
        g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, 0x08), ==, 0xffffffff);
        g_autoptr(JsonNode) f5 = xpt_sim_command(qts, "host-fail pt0 read EIO");
        g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, 0x00), ==, 0x10c98086);
        xpt_test_finish(qts);
    }
}

/* ================================================================================================
 * Invariant 4: the MSI per-vector mask is never guest-owned (XSA-129)
 * ============================================================================================== */

static void test_xsa129_msi_mask(void)
{
    XptQts *qts = sec_start_nic(NULL, NULL);
    const unsigned mask = NIC_MSI + 0x10, ctrl = NIC_MSI + 2;
    /* Per-vector-masking capable (Control bit 8) reads 0, and stays 0. */
    g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, ctrl) & 0x100, ==, 0);
    xpt_cfg_writew(qts, SLOT2, ctrl, 0x0100);
    g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, ctrl) & 0x100, ==, 0);
    /* Program and enable MSI, then attack the mask in every width, also while enabled. */
    xpt_cfg_writel(qts, SLOT2, NIC_MSI + 4, 0xfee00000);
    xpt_cfg_writel(qts, SLOT2, NIC_MSI + 8, 0);
    xpt_cfg_writew(qts, SLOT2, NIC_MSI + 0xC, 0x0041);
    for (int enabled = 0; enabled < 2; enabled++) {
        if (enabled) {
            xpt_cfg_writew(qts, SLOT2, ctrl, 0x0001);
        }
        for (unsigned b = 0; b < 4; b++) {
            xpt_cfg_writeb(qts, SLOT2, (uint8_t)(mask + b), 0xff);
        }
        xpt_cfg_writew(qts, SLOT2, (uint8_t)mask, 0xffff);
        xpt_cfg_writew(qts, SLOT2, (uint8_t)(mask + 2), 0xffff);
        xpt_cfg_writel(qts, SLOT2, (uint8_t)mask, 0xffffffff);
        xpt_cfg_writel(qts, SLOT2, (uint8_t)(mask + 4), 0xffffffff);    /* pending */
        g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, mask), ==, 0);
    }
    g_autoptr(GArray) w = host_writes(qts, "pt0");
    for (guint i = 0; i < w->len; i++) {
        const XptHostWrite *hw = &g_array_index(w, XptHostWrite, i);
        g_assert_false(hw->offset + hw->len > mask && hw->offset < mask + 8);
    }
    /* The binding Xen holds is unmasked whatever the guest wrote to the mask. */
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    JsonArray *msi = xpt_state_array(st, "msi");
    g_assert_cmpuint(json_array_get_length(msi), ==, 1);
    JsonObject *b = json_array_get_object_element(msi, 0);
    g_assert_cmphex(json_object_get_int_member(b, "gflags") & (1u << 16), ==, 1u << 16);
    g_assert_cmphex(json_object_get_int_member(b, "gvec"), ==, 0x41);
    xpt_test_finish(qts);
}

/* ================================================================================================
 * Invariant 5: whatever the guest can trigger that logs is rate-limited (XSA-130)
 * ============================================================================================== */

static unsigned file_lines(const char *path, const char *needle)
{
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    return needle ? sec_count_lines(text, needle, NULL) : sec_count_lines(text, "xen-pt-dm", NULL);
}

/*
 * A guest floods every path that logs (bad config accesses, dropped register writes,
 * bad MSI-X table accesses, BAR mappings the hypervisor refuses, host config writes that
 * fail): 1,000 events each. The -D log grows by a bounded number of lines.
 */
static void test_xsa130_log_flood(void)
{
    g_autofree char *dir = g_dir_make_tmp("xpt-xsa130-XXXXXX", NULL);
    g_autofree char *log = g_build_filename(dir, "log", NULL);
    g_autofree char *pre = g_strdup_printf("-D %s -d guest_errors,unimp", log);
    XptQts *qts = sec_start_nic(pre, NULL);
    const uint64_t table = 0xf1000000;
    xpt_cfg_writel(qts, SLOT2, 0x1c, (uint32_t)table);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0006);
    unsigned before = file_lines(log, NULL);
    gint64 t0 = g_get_monotonic_time();
    const unsigned N = 1000;

    for (unsigned i = 0; i < N; i++) {                 /* misaligned config accesses */
        xpt_outl(qts, 0xcf8, 0x80000000u | (SLOT2 << 8));
        (void)xpt_inw(qts, 0xcfd);
    }
    for (unsigned i = 0; i < N; i++) {                 /* unvirtualized register writes */
        xpt_cfg_writel(qts, SLOT2, 0x28, i);
    }
    for (unsigned i = 0; i < N; i++) {                 /* bad MSI-X table accesses */
        xpt_writeb(qts, table + (i % 160), 0);
    }
    g_autoptr(JsonNode) f1 = xpt_sim_command(qts, "fail memory_mapping EPERM %u", 4 * N);
    for (unsigned i = 0; i < N; i++) {                 /* refused BAR mappings */
        xpt_cfg_writel(qts, SLOT2, 0x10, 0xf0000000u + (i % 2) * 0x100000u);
    }
    g_autoptr(JsonNode) f2 = xpt_sim_command(qts, "fail memory_mapping EPERM 0");
    g_autoptr(JsonNode) f3 = xpt_sim_command(qts, "host-fail pt0 write EIO %u", N);
    for (unsigned i = 0; i < N; i++) {                 /* failing host config writes */
        xpt_cfg_writew(qts, SLOT2, 0x04, (i & 1) ? 0x0006 : 0x0002);
    }
    double secs = (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
    g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, 0x00), ==, 0x10c98086);
    xpt_test_finish(qts);

    unsigned lines = file_lines(log, NULL) - before;
    /* Bursts: invalid config 10/s, MSI-X table 10/s, drops 1/60 s, map/host write 5/5 s
     * (the last two share one limiter); one summary line may follow each window. */
    unsigned windows = (unsigned)secs + 2;
    unsigned bound = windows * (11 + 11) + 2 + (windows / 5 + 2) * 6;
    g_test_message("%u events in %.2f s -> %u log lines (bound %u)", 5 * N, secs, lines,
                   bound);
    g_assert_cmpuint(lines, >, 3);                     /* something was reported */
    g_assert_cmpuint(lines, <=, bound);
    g_assert_cmpuint(file_lines(log, "dropped invalid config"), <=, windows * 11);
    g_assert_cmpuint(file_lines(log, "permissive"), <=, 2);
    g_assert_cmpuint(file_lines(log, "MSI-X table page"), <=, windows * 11);
    xpt_test_rmtree(dir);
}

/* ================================================================================================
 * Invariant 2: reserved and unknown bits are read-only unless permissive (XSA-131)
 * ============================================================================================== */

/* Config bytes of the 82576 that belong to no register the model virtualizes. */
static const unsigned nic_unknown[] = {
    0x08, 0x28, 0x2c, 0x38, 0x46, 0x68, 0x7c, 0xac, 0xb4, 0xcc, 0xf0,
};

static void test_xsa131_reserved_and_unknown(void)
{
    uint8_t orig[256];
    dump_config(NIC_DUMP, "01:00.0", orig);
    for (int perm = 0; perm < 2; perm++) {
        XptQts *qts = sec_start_nic(NULL, perm ? ",permissive=on" : NULL);
        guint n0 = host_write_count(qts, "pt0");
        for (size_t i = 0; i < G_N_ELEMENTS(nic_unknown); i++) {
            unsigned off = nic_unknown[i];
            uint32_t was = xpt_cfg_readl(qts, SLOT2, (uint8_t)(off & ~3u));
            uint32_t v = 0xc3a55a3cu ^ (uint32_t)off;
            xpt_cfg_writel(qts, SLOT2, (uint8_t)(off & ~3u), v);
            uint32_t now = xpt_cfg_readl(qts, SLOT2, (uint8_t)(off & ~3u));
            uint32_t lane = 0xffu << (8 * (off & 3));    /* the unknown byte's lane */
            if (perm) {
                g_assert_cmphex(now & lane, ==, v & lane);   /* reached the host */
            } else {
                g_assert_cmphex(now & lane, ==, was & lane);
            }
        }
        /* Reserved bits of registers: Command F880, Status 0007, PMCSR 00F0, MSI Control
         * FE00, MSI-X Control 3800 keep the host's value. */
        xpt_cfg_writew(qts, SLOT2, 0x04, 0xf880);
        xpt_cfg_writew(qts, SLOT2, 0x06, 0x0007);
        xpt_cfg_writew(qts, SLOT2, 0x44, 0x00f0);
        xpt_cfg_writew(qts, SLOT2, NIC_MSI + 2, 0xfe00);
        xpt_cfg_writew(qts, SLOT2, NIC_MSIX + 2, 0x3800);
        g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, 0x04) & 0xf880, ==,
                        (orig[4] | orig[5] << 8) & 0xf880);
        g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, NIC_MSIX + 2) & 0x3800, ==, 0);
        g_autoptr(GArray) w = host_writes(qts, "pt0");
        guint unknown_writes = 0;
        for (guint i = n0; i < w->len; i++) {
            const XptHostWrite *hw = &g_array_index(w, XptHostWrite, i);
            const RegRow *r = nic_row_at(hw->offset);
            if (!r) {
                unknown_writes++;
                continue;
            }
            /* reserved bits never change on the host */
            for (unsigned b = 0; b < hw->len; b++) {
                uint8_t res = (uint8_t)(r->res >> (8 * (hw->offset + b - r->off)));
                g_assert_cmphex(((hw->value >> (8 * b)) ^ orig[hw->offset + b]) & res, ==, 0);
            }
        }
        g_autofree char *err = xpt_qts_stderr(qts);
        if (perm) {
            g_assert_cmpuint(unknown_writes, >=, G_N_ELEMENTS(nic_unknown));
            g_assert_cmpuint(sec_count_lines(err, "dropped", NULL), ==, 0);
        } else {
            g_assert_cmpuint(unknown_writes, ==, 0);
            /* one line per device, naming the register and the property */
            g_assert_cmpuint(sec_count_lines(err, "permissive", NULL), ==, 1);
            g_assert_cmpuint(sec_count_lines(err, "permissive", NIC), ==, 1);
        }
        xpt_test_finish(qts);
    }
}

/* ================================================================================================
 * Invariants 6, 7, 10: MSI-X table bounds, alignment, index (XSA-164, CVE-2020-13754)
 * ============================================================================================== */

static guint msi_pirq_count(XptQts *qts)
{
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    return sec_pirqs_of(st, NIC, -1);
}

static void test_xsa164_msix_bounds(void)
{
    XptQts *qts = sec_start_nic(NULL, NULL);
    const uint64_t table = 0xf1000000;
    xpt_cfg_writel(qts, SLOT2, 0x1c, (uint32_t)table);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0006);
    xpt_cfg_writew(qts, SLOT2, NIC_MSIX + 2, 0x8000);        /* MSI-X enable */

    /* Latch of the last entry (9) before the attack. */
    uint32_t last[4];
    for (unsigned d = 0; d < 4; d++) {
        last[d] = xpt_readl(qts, table + 16 * 9 + 4 * d);
    }
    g_assert_cmphex(last[3], ==, 1);                          /* masked */
    /* Every width at every offset of entry 9: only aligned 4/8-byte accesses count. */
    for (unsigned off = 0; off < 16; off++) {
        uint64_t a = table + 16 * 9 + off;
        xpt_writeb(qts, a, 0);
        if (off % 2 == 0) {
            xpt_writew(qts, a, 0);
        }
        if (off % 4 != 0) {
            xpt_writel(qts, a, 0);
            g_assert_cmphex(xpt_readl(qts, a), ==, 0xffffffff);
        }
        if (off % 8 != 0 && off % 4 == 0) {
            /* 4-aligned but not 8-aligned qword: straddles two dwords of the entry */
            xpt_writeq(qts, a, 0);
        }
        g_assert_cmphex(xpt_readb(qts, a), ==, 0xff);
    }
    for (unsigned d = 0; d < 4; d++) {
        g_assert_cmphex(xpt_readl(qts, table + 16 * 9 + 4 * d), ==, last[d]);
    }
    g_assert_cmpuint(msi_pirq_count(qts), ==, 0);

    /* "Entries" 10..255 of the page are not entries: they go to the host BAR shadow, and
     * unmasking them binds nothing. */
    for (unsigned e = 10; e < 256; e += 7) {
        xpt_writeq(qts, table + 16 * e, 0xfee00000);
        xpt_writeq(qts, table + 16 * e + 8, 0x41);            /* data, vector control 0 */
    }
    g_assert_cmpuint(msi_pirq_count(qts), ==, 0);
    g_assert_cmphex(xpt_readl(qts, table + 16 * 10 + 8), ==, 0x41);   /* shadow kept it */

    /* Bulk transfers over the whole page (split into naturally aligned chunks): memset 0
     * unmasks every entry; only the 10 real ones bind. */
    g_autofree char *r1 = xpt_qts_command(qts, "memset 0x%" G_GINT64_MODIFIER "x 4096 0",
                                          table);
    g_assert_cmpstr(r1, ==, "OK");
    g_assert_cmpuint(msi_pirq_count(qts), ==, 10);
    g_autofree char *r2 = xpt_qts_command(qts, "b64read 0x%" G_GINT64_MODIFIER "x 4096",
                                          table);
    g_assert_true(g_str_has_prefix(r2, "OK "));
    g_autofree char *r3 = xpt_qts_command(qts, "read 0x%" G_GINT64_MODIFIER "x 8200",
                                          table - 4096);
    g_assert_true(g_str_has_prefix(r3, "OK 0x"));
    /* Accesses straddling the end of the trapped page (split by the hypervisor). */
    xpt_writeq(qts, table + 0xffc, 0x1122334455667788ull);
    (void)xpt_readq(qts, table + 0xffc);
    xpt_writel(qts, table + 0xffe, 0);
    g_assert_cmpuint(msi_pirq_count(qts), ==, 10);

    /* Disable: every binding goes. */
    xpt_cfg_writew(qts, SLOT2, NIC_MSIX + 2, 0x0000);
    g_assert_cmpuint(msi_pirq_count(qts), ==, 0);
    xpt_test_finish(qts);
}

/*
 * Invariant 7: guest-derived BAR addresses at the edges: the top of the 32-bit space,
 * the 64-bit sizing pattern, a 64-bit BAR beyond the physical address width, I/O BARs
 * wrapping past 0xFFFF. Nothing wraps, nothing crashes, nothing is mapped outside the
 * device's frames.
 */
static void test_bar_address_edges(void)
{
    XptQts *qts = sec_start_nic(NULL, NULL);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0007);
    static const uint32_t bar3[] = { 0xffffc000, 0xfffff000, 0xffffffff, 0x00000000,
                                     0x80000008, 0xfff00000 };
    for (size_t i = 0; i < G_N_ELEMENTS(bar3); i++) {
        xpt_cfg_writel(qts, SLOT2, 0x1c, bar3[i]);
        (void)xpt_readl(qts, 0xfffffffcull);
        (void)xpt_readq(qts, 0xfffffff8ull);
        xpt_writel(qts, 0xfffffffcull, 0);
    }
    static const uint32_t io[] = { 0xffe1, 0xffff, 0xfff0, 0x0001 };
    for (size_t i = 0; i < G_N_ELEMENTS(io); i++) {
        xpt_cfg_writel(qts, SLOT2, 0x18, io[i]);
        (void)xpt_inl(qts, 0xfffc);
    }
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    JsonArray *ports = xpt_state_array(st, "ioports");
    for (guint i = 0; i < json_array_get_length(ports); i++) {
        JsonObject *p = json_array_get_object_element(ports, i);
        g_assert_cmpint(json_object_get_int_member(p, "gport") +
                        json_object_get_int_member(p, "nr"), <=, 0x10000);
    }
    xpt_test_finish(qts);

    /* 64-bit BAR0 of the NVMe: all-ones, above 2^52, at the top of 2^64. */
    g_autofree char *dev = sec_dev_arg(xpt_test_fixture(NVME_DUMP), NVME, "pt0", NULL);
    qts = xpt_qts_start(dev);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0006);
    static const uint64_t hi[] = { 0xffffffffffff8000ull, 0x0010000000000000ull,
                                   0xfffffffffff00000ull, 0x000fffffffff8000ull };
    for (size_t i = 0; i < G_N_ELEMENTS(hi); i++) {
        xpt_cfg_writel(qts, SLOT2, 0x10, (uint32_t)hi[i] | 4);
        xpt_cfg_writel(qts, SLOT2, 0x14, (uint32_t)(hi[i] >> 32));
        (void)xpt_readq(qts, hi[i] + 0x4000);
        xpt_writeq(qts, hi[i] + 0x4000, 0);
        (void)xpt_readq(qts, 0xfffffffffffffff8ull);
    }
    g_autoptr(JsonNode) st2 = xpt_sim_state(qts);
    JsonArray *mm = xpt_state_array(st2, "mmio");
    for (guint i = 0; i < json_array_get_length(mm); i++) {
        JsonObject *m = json_array_get_object_element(mm, i);
        uint64_t gfn = (uint64_t)json_object_get_int_member(m, "gfn");
        g_assert_cmpuint(gfn + (uint64_t)json_object_get_int_member(m, "nr"), <=, 1ull << 40);
    }
    xpt_test_finish(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/security/decode/never-reaches-host", test_decode_never_reaches_host);
    g_test_add_func("/security/decode/disabled-bar-access", test_disabled_bar_access);
    g_test_add_func("/security/xsa128/decomposition", test_xsa128_decomposition);
    g_test_add_func("/security/xsa128/no-write-after-failed-read",
                    test_xsa128_no_write_after_failed_read);
    g_test_add_func("/security/xsa129/msi-mask", test_xsa129_msi_mask);
    g_test_add_func("/security/xsa130/log-flood", test_xsa130_log_flood);
    g_test_add_func("/security/xsa131/reserved-and-unknown", test_xsa131_reserved_and_unknown);
    g_test_add_func("/security/xsa164/msix-bounds", test_xsa164_msix_bounds);
    g_test_add_func("/security/bar-address-edges", test_bar_address_edges);
    return g_test_run();
}
