/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the config-space register framework (hw/pci/regs.c), the capability
 * chain and the hooks: which capabilities the guest sees and in which order, hostile
 * chains (loops, bad pointers), capability sizes, init hooks that hide or refuse a
 * capability, and write hooks. Against the fake host device and tables of
 * tests/regs-fixture.h.
 */
#include <glib.h>
#include <string.h>

#include "hw/pci/regs.h"
#include "tests/regs-fixture.h"
#include "util/error.h"

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
        &rf_header_group, &vendor_group, &rf_pm_group, NULL,
    };
    g_autoptr(Dev) d = rf_dev_new();

    rf_host_set(&d->host, 0x34, 1, 0x40);
    rf_host_cap(&d->host, 0x40, 0x09, 0x50);
    rf_host_set(&d->host, 0x42, 2, 0x550C);        /* length 12 */
    rf_host_set(&d->host, 0x44, 4, 0x01020304);
    rf_host_set(&d->host, 0x48, 4, 0x05060708);
    rf_host_set(&d->host, 0x4C, 4, 0xFFFFFFFF);
    rf_host_cap(&d->host, 0x50, 0x01, 0x00);
    rf_dev_init(d, tables, true);
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
    rf_assert_host_write(&d->host, 0, 0x42, 2, 0x0000);
    g_assert_cmphex(rf_host_get(&d->host, 0x40, 1), ==, 0x09);
    g_assert_cmphex(rf_host_get(&d->host, 0x41, 1), ==, 0x50);
}

/* ---- capability chain ------------------------------------------------------------ */

static void test_cap_chain(void)
{
    g_autoptr(Dev) d = rf_dev_std(false);

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
    g_autoptr(Dev) d = rf_dev_new();

    /* Host list not in address order: 0x70 VPD → 0x40 PM → end. */
    rf_host_set(&d->host, 0x34, 1, 0x70);
    rf_host_cap(&d->host, 0x70, 0x03, 0x40);
    rf_host_cap(&d->host, 0x40, 0x01, 0x00);
    rf_dev_init(d, rf_std_tables, false);
    g_assert_cmpuint(xpt_regfile_first_cap(&d->rf), ==, 0x70);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x34, 1), ==, 0x70);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x71, 1), ==, 0x40);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x41, 1), ==, 0x00);
}

static void test_cap_chain_none_visible(void)
{
    g_autoptr(Dev) d = rf_dev_new();

    /* Only a hard-wired and an unknown capability: nothing visible. */
    rf_host_set(&d->host, 0x06, 2, 0x0010);
    rf_host_set(&d->host, 0x34, 1, 0x40);
    rf_host_cap(&d->host, 0x40, 0x07, 0x80);
    rf_host_cap(&d->host, 0x80, 0x0A, 0x00);
    rf_dev_init(d, rf_std_tables, false);
    g_assert_cmpuint(xpt_regfile_first_cap(&d->rf), ==, 0);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x34, 1), ==, 0);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x06, 2) & 0x0010, ==, 0);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x40, 4), ==, 0);
}

static void test_cap_chain_no_caplist(void)
{
    g_autoptr(Dev) d = rf_dev_new_std();

    /* Status.CapList clear on the host: the pointer is not followed. */
    rf_host_set(&d->host, 0x06, 2, 0x0000);
    rf_dev_init(d, rf_std_tables, false);
    g_assert_cmpuint(xpt_regfile_first_cap(&d->rf), ==, 0);
    g_assert_cmpuint(d->rf.n_groups, ==, 1);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x34, 1), ==, 0);
}

static void test_cap_chain_loop(void)
{
    /* 0x40 → 0x70 → 0x40 → ... */
    {
        g_autoptr(Dev) d = rf_dev_new();
        rf_host_set(&d->host, 0x34, 1, 0x40);
        rf_host_cap(&d->host, 0x40, 0x01, 0x70);
        rf_host_cap(&d->host, 0x70, 0x03, 0x40);
        rf_dev_init(d, rf_std_tables, false);
        g_assert_cmpuint(d->rf.n_groups, ==, 3);
        g_assert_cmphex(xpt_regfile_read(&d->rf, 0x34, 1), ==, 0x40);
        g_assert_cmphex(xpt_regfile_read(&d->rf, 0x41, 1), ==, 0x70);
        g_assert_cmphex(xpt_regfile_read(&d->rf, 0x71, 1), ==, 0x00);
    }
    /* A capability pointing at itself, and a loop through unknown capabilities. */
    {
        g_autoptr(Dev) d = rf_dev_new();
        rf_host_set(&d->host, 0x34, 1, 0x40);
        rf_host_cap(&d->host, 0x40, 0x01, 0x40);
        rf_dev_init(d, rf_std_tables, false);
        g_assert_cmpuint(d->rf.n_groups, ==, 2);
        g_assert_cmphex(xpt_regfile_read(&d->rf, 0x41, 1), ==, 0x00);
    }
    {
        g_autoptr(Dev) d = rf_dev_new();
        rf_host_set(&d->host, 0x34, 1, 0x40);
        rf_host_cap(&d->host, 0x40, 0x01, 0x80);
        rf_host_cap(&d->host, 0x80, 0x0A, 0x90);
        rf_host_cap(&d->host, 0x90, 0x0B, 0x80);
        rf_dev_init(d, rf_std_tables, false);
        g_assert_cmpuint(d->rf.n_groups, ==, 2);
        g_assert_cmphex(xpt_regfile_read(&d->rf, 0x41, 1), ==, 0x00);
    }
    /* Every dword a capability pointing to the next, the last back to the first: the
     * walk is bounded. */
    {
        g_autoptr(Dev) d = rf_dev_new();
        rf_host_set(&d->host, 0x34, 1, 0x40);
        for (unsigned p = 0x40; p < 0x100; p += 4) {
            rf_host_cap(&d->host, p, 0x0A, p + 4 < 0x100 ? p + 4 : 0x40);
        }
        rf_dev_init(d, rf_std_tables, false);
        g_assert_cmpuint(d->rf.n_groups, ==, 1);
        g_assert_cmpuint(xpt_regfile_first_cap(&d->rf), ==, 0);
    }
}

static void test_cap_chain_bad_pointer(void)
{
    /* A next pointer below 0x40 ends the walk: VPD at 0x70 is never reached. */
    {
        g_autoptr(Dev) d = rf_dev_new();
        rf_host_set(&d->host, 0x34, 1, 0x40);
        rf_host_cap(&d->host, 0x40, 0x01, 0x3C);
        rf_host_cap(&d->host, 0x3C, 0x03, 0x70);
        rf_host_cap(&d->host, 0x70, 0x03, 0x00);
        rf_dev_init(d, rf_std_tables, false);
        g_assert_cmpuint(d->rf.n_groups, ==, 2);
        g_assert_null(xpt_regfile_group(&d->rf, 0x03));
        g_assert_cmphex(xpt_regfile_read(&d->rf, 0x41, 1), ==, 0x00);
        /* The header's interrupt line at 0x3C is still the header register. */
        g_assert_cmphex(xpt_regfile_read(&d->rf, 0x3C, 1), ==, 0x00);
    }
    /* A first pointer below 0x40: no capabilities at all. */
    {
        g_autoptr(Dev) d = rf_dev_new();
        rf_host_set(&d->host, 0x34, 1, 0x10);
        rf_host_cap(&d->host, 0x10, 0x01, 0x00);
        rf_dev_init(d, rf_std_tables, false);
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
        &rf_header_group, &pm_absent_group, &rf_vpd_group, &rf_pcix_group, NULL,
    };
    g_autoptr(Dev) d = rf_dev_new_std();

    rf_dev_init(d, tables, false);
    g_assert_null(xpt_regfile_reg(&d->rf, 0x42));
    g_assert_nonnull(xpt_regfile_reg(&d->rf, 0x44));
    /* The absent row's bytes read the host, and are unassigned for writes. */
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x42, 2), ==, 0xC803);
    rf_host_set(&d->host, 0x42, 2, 0x1234);
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x43, 1), ==, 0x12);
    xpt_regfile_write(&d->rf, 0x42, 2, 0xFFFF);
    g_assert_cmpuint(d->host.writes->len, ==, 0);
    /* The rest of the group is unaffected. */
    g_assert_cmphex(xpt_regfile_read(&d->rf, 0x41, 1), ==, 0x70);
    g_assert_cmphex(rf_reg(d, 0x44)->val, ==, 0x0008);
}

static void test_init_error(void)
{
    static const XptRegGroupInfo *const tables[] = {
        &rf_header_group, &rf_pm_group, &vpd_refuse_group, &rf_pcix_group, NULL,
    };
    g_autoptr(Dev) d = rf_dev_new_std();
    g_autoptr(GError) err = NULL;

    g_assert_false(xpt_regfile_init(&d->rf, tables, &d->host, "0000:01:00.0 (id test)",
                                    &rf_fake_ops, false, &err));
    g_assert_error(err, XPT_ERROR, XPT_ERROR_UNSUPPORTED);
    g_assert_cmpstr(err->message, ==,
                    "0000:01:00.0 (id test): register 0x74 refused (host value 0xcafef00d)");
    /* Everything freed (valgrind checks), and destroy stays safe afterwards. */
    g_assert_null(d->rf.regs);
    xpt_regfile_destroy(&d->rf);
    g_assert_cmpuint(d->host.writes->len, ==, 0);

    /* The same XptRegFile can be initialised again with good tables. */
    rf_dev_init(d, rf_std_tables, false);
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
        g_autoptr(Dev) d = rf_dev_new();
        rf_dev_init(d, tables, false);
        xpt_regfile_write(&d->rf, 0x04, 2, 0x0000);
        xpt_regfile_write(&d->rf, 0x04, 2, 0x0007);
        g_assert_cmpuint(d->host.writes->len, ==, 0);
    }
    /* With it, the forced bits are written, the rest carries the host value. */
    {
        static const XptRegGroupInfo *const tables[] = { &hooked_header_group, NULL };
        g_autoptr(Dev) d = rf_dev_new();
        rf_dev_init(d, tables, false);
        rf_host_set(&d->host, 0x04, 2, 0x0404);
        xpt_regfile_write(&d->rf, 0x04, 2, 0x0000);
        g_assert_cmpuint(d->host.writes->len, ==, 1);
        rf_assert_host_write(&d->host, 0, 0x04, 2, 0x0407);
        g_assert_cmphex(rf_reg(d, 0x04)->val, ==, 0x0000);
        rf_clear_writes(d);
        /* Low byte only: the forced bits are in it. */
        rf_host_set(&d->host, 0x04, 2, 0x0400);
        xpt_regfile_write(&d->rf, 0x04, 1, 0x00);
        g_assert_cmpuint(d->host.writes->len, ==, 1);
        rf_assert_host_write(&d->host, 0, 0x04, 1, 0x03);
        rf_clear_writes(d);
        /* High byte only: no forced bit in the bytes written → no host write. */
        xpt_regfile_write(&d->rf, 0x05, 1, 0x04);
        g_assert_cmpuint(d->host.writes->len, ==, 0);
        g_assert_cmphex(rf_reg(d, 0x04)->val, ==, 0x0400);
        /* A failed host read still suppresses the forced write. */
        d->host.fail_reads = true;
        xpt_regfile_write(&d->rf, 0x04, 2, 0x0000);
        g_assert_cmpuint(d->host.writes->len, ==, 0);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
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
