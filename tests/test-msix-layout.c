/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MSI-X end to end, where the table sits in its BAR (reference/config-space.md "MSI-X
 * table (trapped pages)"): Firecracker's virtio-net through host-sysfs, a PBA sharing the
 * table's page, a table across pages, a table outside its BAR refused at attach; and
 * hw/host/host-bar.c, which maps the host BAR's pages around the table, on a temporary
 * sysfs-like tree. Helpers in tests/msix-test-util.h.
 */
#include <errno.h>
#include <string.h>

#include "hw/host/host-bar.h"
#include "qtest/client.h"
#include "tests/msix-test-util.h"
#include "tests/testutil.h"
#include "util/error.h"

/* ---- Firecracker virtio-net through host-sysfs ----------------------------------------- */

static void test_firecracker(void)
{
    g_autofree char *tree = xpt_test_make_sysfs_tree(
        xpt_test_fixture("sysfs-firecracker/devices"));
    g_autofree char *args = g_strdup_printf(
        "-device xen-pci-passthrough,hostaddr=0000:00:03.0,id=pt0,host-sysfs=%s", tree);
    XptQts *qts = xpt_qts_start(args);
    mxt_all_writes(qts);
    const unsigned cap = 0x98;
    const uint64_t host = 0x4000100000ull, bar = 0xf0000000, table = bar + 0x8000;
    g_assert_cmphex(xpt_cfg_readb(qts, SLOT2, cap), ==, 0x11);
    g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, cap + 2), ==, 0x0002);    /* Enable cleared */
    g_autoptr(GArray) w = xpt_test_host_writes_at(qts, "pt0", cap + 2);
    g_assert_cmpuint(w->len, ==, 1);

    xpt_cfg_writel(qts, SLOT2, 0x10, (uint32_t)bar);
    xpt_cfg_writel(qts, SLOT2, 0x14, 0);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0002);
    g_assert_true(mxt_has_claim(qts, table, table + 0xfff));
    g_assert_true(mxt_has_mmio(qts, bar >> 12, host >> 12, 8));
    g_assert_true(mxt_has_mmio(qts, (bar >> 12) + 9, (host >> 12) + 9, 0x80 - 9));
    mxt_assert_not_mapped(qts, table >> 12, table >> 12);

    mxt_msix_ctrl(qts, cap, CTRL_ENABLE | CTRL_MASKALL, 0);
    for (unsigned i = 0; i < 3; i++) {
        mxt_entry_program(qts, table, i, 0xfee00000 | (i << 12), (uint16_t)(0x30 + i));
    }
    mxt_msix_ctrl(qts, cap, 0, CTRL_MASKALL);
    mxt_entry_mask(qts, table, 2, false);
    /* The three written entries are bound (at the function-mask clear); entry 2, the
     * one unmasked, with UNMASKED. */
    ExpEntry e[3] = {
        { "0000:00:03.0", 0, host, 0x30, 0x00, table },
        { "0000:00:03.0", 1, host, 0x31, 0x01, table },
        { "0000:00:03.0", 2, host, 0x32, 0x02 | GF_UNMASKED, table },
    };
    json_node_unref(mxt_assert_bound(qts, e, 3));
    /* The rest of the page (the PBA is at 0x48000, in a guest-mapped page): shadow. */
    g_assert_cmphex(xpt_readq(qts, table + 0x30), ==, 0);
    xpt_writel(qts, table + 0x30, 0x5a5a5a5a);
    g_assert_cmphex(xpt_readl(qts, table + 0x30), ==, 0x5a5a5a5a);
    xpt_test_finish(qts);
    xpt_test_rmtree(tree);
}

/* ---- legacy virtio-net: the PBA shares the table page ---------------------------------- */

static void test_virtio_pba(void)
{
    XptQts *qts = mxt_start_dump("pciutils-tests/cap-vendor-virtio", "0000:00:09.0", NULL, NULL);
    const unsigned cap = 0x84;
    const uint64_t host = 0xfebd6000, bar = 0xf1000000;
    g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, cap + 2), ==, 0x0002);
    xpt_cfg_writel(qts, SLOT2, 0x14, (uint32_t)bar);          /* BAR1, 4 KiB */
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0002);
    g_assert_true(mxt_has_claim(qts, bar, bar + 0xfff));
    mxt_assert_not_mapped(qts, bar >> 12, bar >> 12);               /* the whole BAR trapped */

    /* PBA at 0x800: reads come from the (zero) shadow, writes are dropped. */
    g_assert_cmphex(xpt_readq(qts, bar + 0x800), ==, 0);
    xpt_writeq(qts, bar + 0x800, ~0ull);
    xpt_writel(qts, bar + 0x804, 0xffffffff);
    g_assert_cmphex(xpt_readq(qts, bar + 0x800), ==, 0);
    /* Other bytes of the page keep what is written. */
    xpt_writel(qts, bar + 0x808, 0xcafe);
    g_assert_cmphex(xpt_readl(qts, bar + 0x808), ==, 0xcafe);

    mxt_msix_ctrl(qts, cap, CTRL_ENABLE, 0);
    mxt_entry_program(qts, bar, 0, 0xfee01000, 0x0025);
    mxt_entry_mask(qts, bar, 0, false);
    ExpEntry e = { "0000:00:09.0", 0, host, 0x25, 0x01 | GF_UNMASKED, bar };
    json_node_unref(mxt_assert_bound(qts, &e, 1));
    g_assert_cmphex(xpt_readq(qts, bar + 0x800), ==, 0);
    xpt_test_finish(qts);
}

/* ---- attach refuses a table outside its BAR ------------------------------------------ */

/* A copy of a Firecracker device folder with config dword @off replaced by @val. */
static char *patched_tree(const char *sbdf, unsigned off, uint32_t val)
{
    g_autoptr(GError) err = NULL;
    char *rootdir = g_dir_make_tmp("xpt-msix-XXXXXX", &err);
    g_assert_no_error(err);
    g_autofree char *dir = g_build_filename(rootdir, "bus", "pci", "devices", sbdf, NULL);
    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    g_autofree char *src = g_build_filename(xpt_test_fixture("sysfs-firecracker/devices"),
                                            sbdf, NULL);
    const char *files[] = { "class", "config", "device", "irq", "resource", "revision",
                            "subsystem_device", "subsystem_vendor", "vendor" };
    for (unsigned i = 0; i < G_N_ELEMENTS(files); i++) {
        g_autofree char *from = g_build_filename(src, files[i], NULL);
        g_autofree char *to = g_build_filename(dir, files[i], NULL);
        g_autofree char *data = NULL;
        gsize len = 0;
        g_assert_true(g_file_get_contents(from, &data, &len, &err));
        if (strcmp(files[i], "config") == 0) {
            g_assert_cmpuint(len, >=, off + 4);
            for (unsigned b = 0; b < 4; b++) {
                data[off + b] = (char)(val >> (8 * b));
            }
        }
        g_assert_true(g_file_set_contents(to, data, (gssize)len, &err));
    }
    return rootdir;
}

static void test_table_outside_bar(void)
{
    struct { uint32_t table; const char *why; } cases[] = {
        { 0x00080000, "does not fit" },       /* offset 512 KiB in a 512 KiB BAR */
        { 0x00008002, "does not implement" }, /* BIR 2 */
        { 0x00008007, "names no BAR" },       /* BIR 7 */
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *tree = patched_tree("0000:00:03.0", 0x98 + 4, cases[i].table);
        g_autofree char *args = g_strdup_printf(
            "-accel qtest -qtest stdio -device xen-pci-passthrough,hostaddr=0000:00:03.0,"
            "host-sysfs=%s", tree);
        g_autofree char *err = NULL;
        int status = xpt_qts_run_expect_fail(args, &err);
        g_assert_cmpint(status, ==, 1);
        g_assert_nonnull(strstr(err, "0000:00:03.0"));
        g_assert_nonnull(strstr(err, "MSI-X table"));
        g_assert_nonnull(strstr(err, cases[i].why));
        g_assert_null(strstr(err, "leak"));
        xpt_test_rmtree(tree);
    }
}

/*
 * No fixture has a table crossing a page boundary, so a Firecracker virtio-net with its
 * table moved to BAR0 + 0x8ff8 (QWORD-aligned, not 16-aligned): 3 entries over pages 8
 * and 9; entry 0's address is on page 8, its data and vector control on page 9.
 */
static void test_table_across_pages(void)
{
    g_autofree char *tree = patched_tree("0000:00:03.0", 0x98 + 4, 0x8ff8);
    g_autofree char *args = g_strdup_printf(
        "-device xen-pci-passthrough,hostaddr=0000:00:03.0,id=pt0,host-sysfs=%s", tree);
    XptQts *qts = xpt_qts_start(args);
    const unsigned cap = 0x98;
    const uint64_t host = 0x4000100000ull, bar = 0xf0000000, table = bar + 0x8ff8;
    xpt_cfg_writel(qts, SLOT2, 0x10, (uint32_t)bar);
    xpt_cfg_writel(qts, SLOT2, 0x14, 0);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0002);
    g_assert_true(mxt_has_claim(qts, bar + 0x8000, bar + 0x9fff));
    g_assert_true(mxt_has_mmio(qts, bar >> 12, host >> 12, 8));
    g_assert_true(mxt_has_mmio(qts, (bar >> 12) + 10, (host >> 12) + 10, 0x80 - 10));
    mxt_assert_not_mapped(qts, (bar >> 12) + 8, (bar >> 12) + 9);

    /* Bytes before the table on page 8: the shadow. */
    xpt_writel(qts, bar + 0x8ff0, 0x600d);
    g_assert_cmphex(xpt_readl(qts, bar + 0x8ff0), ==, 0x600d);
    g_assert_cmphex(xpt_readl(qts, table + 12), ==, 1);            /* masked, page 9 */
    mxt_msix_ctrl(qts, cap, CTRL_ENABLE, 0);
    xpt_writeq(qts, table, 0xfee07000);                            /* page 8 */
    xpt_writeq(qts, table + 8, 0x0057);                            /* page 9: unmask */
    ExpEntry e = { "0000:00:03.0", 0, host, 0x57, 0x07 | GF_UNMASKED, table };
    json_node_unref(mxt_assert_bound(qts, &e, 1));
    mxt_entry_program(qts, table, 2, 0xfee08000, 0x0058);
    mxt_entry_mask(qts, table, 2, false);
    ExpEntry e2[2] = { e, { "0000:00:03.0", 2, host, 0x58, 0x08 | GF_UNMASKED, table } };
    json_node_unref(mxt_assert_bound(qts, e2, 2));
    /* Just past the table (0x9028) on page 9: shadow. */
    g_assert_cmphex(xpt_readl(qts, table + 0x30), ==, 0);
    xpt_test_finish(qts);
    xpt_test_rmtree(tree);
}

/* ---- hw/host/host-bar.c -------------------------------------------------------------------- */

/* ROOT/bus/pci/devices/0000:01:00.0/resource3: @len bytes, byte i = i * 7 + 3. */
static char *resource_tree(gsize len, char **file_out)
{
    g_autoptr(GError) err = NULL;
    char *rootdir = g_dir_make_tmp("xpt-hostbar-XXXXXX", &err);
    g_assert_no_error(err);
    g_autofree char *dir = g_build_filename(rootdir, "bus", "pci", "devices", NIC, NULL);
    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    g_autofree guint8 *data = g_malloc(len);
    for (gsize i = 0; i < len; i++) {
        data[i] = (guint8)(i * 7 + 3);
    }
    *file_out = g_build_filename(dir, "resource3", NULL);
    g_assert_true(g_file_set_contents(*file_out, (const char *)data, (gssize)len, &err));
    return rootdir;
}

static uint32_t pattern32(uint64_t file_off)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < 4; i++) {
        v |= (uint32_t)(guint8)((file_off + i) * 7 + 3) << (8 * i);
    }
    return v;
}

static void test_host_bar_mmap(void)
{
    g_autofree char *file = NULL;
    g_autofree char *rootdir = resource_tree(0x4000, &file);
    XptHostBarOptions o = { .sysfs_root = rootdir, .sbdf = NIC, .bar = 3,
                            .offset = 0x1000, .len = 0x2000 };
    g_autoptr(GError) err = NULL;
    XptHostBar *hb = xpt_host_bar_open(&o, &err);
    g_assert_no_error(err);
    g_assert_false(xpt_host_bar_is_shadow(hb));
    g_assert_cmpstr(xpt_host_bar_path(hb), ==, file);

    g_assert_cmphex(xpt_host_bar_read(hb, 0x1000, 4), ==, pattern32(0x1000));
    g_assert_cmphex(xpt_host_bar_read(hb, 0x2ffc, 4), ==, pattern32(0x2ffc));
    g_assert_cmphex(xpt_host_bar_read(hb, 0x1008, 8), ==,
                    pattern32(0x1008) | (uint64_t)pattern32(0x100c) << 32);
    /* Outside the window, misaligned, or not 4/8 bytes: all-ones, nothing written. */
    g_assert_cmphex(xpt_host_bar_read(hb, 0x0ffc, 4), ==, 0xffffffff);
    g_assert_cmphex(xpt_host_bar_read(hb, 0x3000, 4), ==, 0xffffffff);
    g_assert_cmphex(xpt_host_bar_read(hb, 0x2ffc, 8), ==, ~0ull);
    g_assert_cmphex(xpt_host_bar_read(hb, 0x1002, 4), ==, 0xffffffff);
    g_assert_cmphex(xpt_host_bar_read(hb, 0x1000, 2), ==, ~0ull);
    g_assert_cmphex(xpt_host_bar_read(hb, UINT64_MAX - 3, 4), ==, 0xffffffff);
    g_assert_false(xpt_host_bar_write(hb, 0x0ff8, 0, 8));
    g_assert_false(xpt_host_bar_write(hb, 0x3000, 0, 4));
    g_assert_false(xpt_host_bar_write(hb, 0x1001, 0, 4));
    g_assert_false(xpt_host_bar_write(hb, 0x1000, 0, 1));

    /* Writes reach the file (MAP_SHARED), little-endian. */
    g_assert_true(xpt_host_bar_write(hb, 0x1ff8, 0x0102030405060708ull, 8));
    g_assert_true(xpt_host_bar_write(hb, 0x2000, 0xa1b2c3d4, 4));
    xpt_host_bar_close(hb);
    g_autofree char *data = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(file, &data, &len, &err));
    g_assert_cmpuint(len, ==, 0x4000);
    const guint8 *u = (const guint8 *)data;
    g_assert_cmphex(u[0x1ff8], ==, 0x08);
    g_assert_cmphex(u[0x1fff], ==, 0x01);
    g_assert_cmphex(u[0x2000], ==, 0xd4);
    g_assert_cmphex(u[0x2003], ==, 0xa1);
    g_assert_cmphex(u[0x0ff8], ==, (guint8)(0x0ff8 * 7 + 3));   /* untouched */

    /* A BAR whose base is not page-aligned: BAR byte X is file byte X + base_in_page. */
    o.base_in_page = 0x100;
    o.offset = 0;
    o.len = 0x1000;
    hb = xpt_host_bar_open(&o, &err);
    g_assert_no_error(err);
    g_assert_cmphex(xpt_host_bar_read(hb, 0x10, 4), ==, pattern32(0x110));
    xpt_host_bar_close(hb);
    xpt_test_rmtree(rootdir);
}

static void test_host_bar_errors(void)
{
    g_autofree char *file = NULL;
    g_autofree char *rootdir = resource_tree(0x1800, &file);
    g_autoptr(GError) err = NULL;

    /* Missing file: the errno and the path. */
    XptHostBarOptions o = { .sysfs_root = rootdir, .sbdf = NIC, .bar = 2, .len = 0x1000 };
    g_assert_null(xpt_host_bar_open(&o, &err));
    g_assert_error(err, XPT_ERRNO_ERROR, ENOENT);
    g_assert_nonnull(strstr(err->message, "resource2"));
    g_assert_nonnull(strstr(err->message, NIC));
    g_clear_error(&err);

    /* Window past the end of the file (a page wholly beyond EOF would SIGBUS). */
    o.bar = 3;
    o.offset = 0x1000;
    o.len = 0x2000;
    g_assert_null(xpt_host_bar_open(&o, &err));
    g_assert_error(err, XPT_ERROR, XPT_ERROR_IO);
    g_clear_error(&err);
    /* The partial last page is fine. */
    o.len = 0x1000;
    XptHostBar *hb = xpt_host_bar_open(&o, &err);
    g_assert_no_error(err);
    g_assert_cmphex(xpt_host_bar_read(hb, 0x1000, 4), ==, pattern32(0x1000));
    g_assert_cmphex(xpt_host_bar_read(hb, 0x1ffc, 4), ==, 0);    /* past EOF: zeros */
    xpt_host_bar_close(hb);

    /* Invalid windows. */
    XptHostBarOptions bad[] = {
        { .sysfs_root = rootdir, .sbdf = NIC, .bar = 6, .len = 0x1000 },
        { .sysfs_root = rootdir, .sbdf = NIC, .bar = 3, .offset = 0x800, .len = 0x1000 },
        { .sysfs_root = rootdir, .sbdf = NIC, .bar = 3, .len = 0 },
        { .sysfs_root = rootdir, .sbdf = NIC, .bar = 3, .len = 0x1800 },
        { .sysfs_root = rootdir, .sbdf = NIC, .bar = 3, .offset = UINT64_MAX & ~0xfffull,
          .len = 0x2000 },
        { .sysfs_root = rootdir, .sbdf = NIC, .bar = 3, .len = 0x1000, .base_in_page = 0x1000 },
        { .sysfs_root = rootdir, .sbdf = NULL, .bar = 3, .len = 0x1000 },
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_assert_null(xpt_host_bar_open(&bad[i], &err));
        g_assert_error(err, XPT_ERROR, XPT_ERROR_INVALID);
        g_clear_error(&err);
    }
    xpt_test_rmtree(rootdir);
}

static void test_host_bar_shadow(void)
{
    g_autoptr(GError) err = NULL;
    XptHostBarOptions o = { .sysfs_root = "/nonexistent", .sbdf = NIC, .bar = 3,
                            .offset = 0x4000, .len = 0x2000, .shadow = true };
    XptHostBar *hb = xpt_host_bar_open(&o, &err);
    g_assert_no_error(err);
    g_assert_true(xpt_host_bar_is_shadow(hb));
    g_assert_cmpstr(xpt_host_bar_path(hb), ==, "");
    g_assert_cmphex(xpt_host_bar_read(hb, 0x4000, 8), ==, 0);
    g_assert_cmphex(xpt_host_bar_read(hb, 0x5ffc, 4), ==, 0);
    /* The buffer comes with the first non-zero write (issue 15); the bounds hold before
     * it exists, and a zero written to a shadow never written keeps it all zero. */
    g_assert_false(xpt_host_bar_write(hb, 0x6000, 1, 4));
    g_assert_false(xpt_host_bar_write(hb, 0x3ffc, 1, 4));
    g_assert_false(xpt_host_bar_write(hb, 0x4002, 1, 4));
    g_assert_cmphex(xpt_host_bar_read(hb, 0x6000, 4), ==, 0xffffffff);
    g_assert_true(xpt_host_bar_write(hb, 0x4000, 0, 8));
    g_assert_cmphex(xpt_host_bar_read(hb, 0x4000, 8), ==, 0);
    g_assert_true(xpt_host_bar_write(hb, 0x5ff8, 0x8877665544332211ull, 8));
    g_assert_cmphex(xpt_host_bar_read(hb, 0x4000, 8), ==, 0);
    g_assert_cmphex(xpt_host_bar_read(hb, 0x5ff0, 8), ==, 0);
    g_assert_cmphex(xpt_host_bar_read(hb, 0x5ffc, 4), ==, 0x88776655);
    g_assert_cmphex(xpt_host_bar_read(hb, 0x5ff8, 4), ==, 0x44332211);
    g_assert_cmphex(xpt_host_bar_read(hb, 0x6000, 4), ==, 0xffffffff);
    g_assert_false(xpt_host_bar_write(hb, 0x3ffc, 1, 4));
    xpt_host_bar_close(hb);
    xpt_host_bar_close(NULL);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/msix/host-bar/mmap", test_host_bar_mmap);
    g_test_add_func("/msix/host-bar/errors", test_host_bar_errors);
    g_test_add_func("/msix/host-bar/shadow", test_host_bar_shadow);
    g_test_add_func("/msix/firecracker/sysfs", test_firecracker);
    g_test_add_func("/msix/virtio/pba-shares-page", test_virtio_pba);
    g_test_add_func("/msix/firecracker/table-across-pages", test_table_across_pages);
    g_test_add_func("/msix/refused/table-outside-bar", test_table_outside_bar);
    return g_test_run();
}
