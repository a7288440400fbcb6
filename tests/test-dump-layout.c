/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Size upper bounds from the layout of hex-only lspci dumps (hw/host/dump-layout.c) and
 * their use by the dump backend (hw/host/host-pci.c), on pciutils' real tree dumps.
 *
 * Expected values are worked out by hand from `lspci -F FILE -vv` (bridge windows and
 * region bases), e.g. the GT218 06:00.0 behind root port 00:07.0 (windows I/O c000-cfff,
 * memory fa000000-fbcfffff, prefetchable ce000000-dfffffff): BAR0 fa000000 → 16M (the
 * window ends at fbcfffff), BAR1 d0000000 → 256M (window end), BAR3 ce000000 → 32M
 * (alignment), BAR5 I/O cc00 → 256 (I/O BAR limit), ROM fbc00000 → 512K (06:00.1's BAR0
 * at fbcfc000 is the next resource).
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "hw/host/dump-layout.h"
#include "hw/host/host-dump.h"
#include "hw/host/host-pci.h"
#include "tests/testutil.h"
#include "util/error.h"
#include "util/log.h"

#define K (1024ull)
#define M (1024ull * 1024)
#define ROM XPT_DUMP_LAYOUT_ROM
#define P64 (XPT_HOST_REGION_MEM64 | XPT_HOST_REGION_PREFETCH)

static const char *dump_path(const char *name)
{
    g_autofree char *rel = g_build_filename("pciutils-tests", name, NULL);
    return xpt_test_fixture(rel);
}

static XptDumpLayout *load_ok(const char *file)
{
    g_autoptr(GError) err = NULL;
    XptDumpLayout *l = xpt_dump_layout_load(file, &err);
    g_assert_no_error(err);
    g_assert_nonnull(l);
    return l;
}

static uint64_t bound_ok(const XptDumpLayout *l, unsigned domain, unsigned bus,
                         unsigned dev, unsigned fn, unsigned index)
{
    g_autoptr(GError) err = NULL;
    uint64_t b = 1;
    g_assert_true(xpt_dump_layout_bound(l, domain, bus, dev << 3 | fn, index, &b, &err));
    g_assert_no_error(err);
    return b;
}

/* The bound fails with @code, a one-line message containing @needle, and *bound = 0. */
static void bound_fails(const XptDumpLayout *l, unsigned domain, unsigned bus,
                        unsigned dev, unsigned fn, unsigned index, int code,
                        const char *needle)
{
    g_autoptr(GError) err = NULL;
    uint64_t b = 1;
    g_assert_false(xpt_dump_layout_bound(l, domain, bus, dev << 3 | fn, index, &b, &err));
    g_assert_error(err, XPT_ERROR, code);
    if (g_test_verbose()) {
        g_printerr("  %02x:%02x.%u region %u: %s\n", bus, dev, fn, index, err->message);
    }
    g_assert_null(strchr(err->message, '\n'));
    g_assert_nonnull(strstr(err->message, needle));
    g_assert_cmpuint(b, ==, 0);
}

static void assert_region(const XptHostRegion *r, uint64_t base, uint64_t size,
                          uint32_t flags)
{
    g_assert_cmphex(r->base, ==, base);
    g_assert_cmphex(r->size, ==, size);
    g_assert_cmphex(r->flags, ==, flags);
}

/*
 * Warnings of xpt_host_pci_open go to a temporary log file while a test opens devices;
 * log_end() returns what was written and restores stderr.
 */
static char *log_path;

static void log_begin(void)
{
    g_autoptr(GError) err = NULL;
    int fd = g_file_open_tmp("xpt-layout-log-XXXXXX", &log_path, &err);
    g_assert_no_error(err);
    close(fd);
    g_assert_true(xpt_log_set_file(log_path, &err));
}

static char *log_end(void)
{
    char *text = NULL;
    g_assert_true(xpt_log_set_file(NULL, NULL));
    g_assert_true(g_file_get_contents(log_path, &text, NULL, NULL));
    g_assert_cmpint(g_unlink(log_path), ==, 0);
    g_clear_pointer(&log_path, g_free);
    return text;
}

static XptHostPci *open_dump(const char *file, const char *hostaddr, GError **errp)
{
    XptHostOpenOptions o = { .hostaddr = hostaddr, .dump_file = file };
    return xpt_host_pci_open(&o, errp);
}

/* Open @hostaddr; the log must hold exactly one line, equal to @warning (or be empty). */
static XptHostPci *open_warns(const char *file, const char *hostaddr, const char *warning)
{
    g_autoptr(GError) err = NULL;
    log_begin();
    XptHostPci *h = open_dump(file, hostaddr, &err);
    g_autofree char *log = log_end();
    g_assert_no_error(err);
    g_assert_nonnull(h);
    if (warning) {
        g_autofree char *line = g_strdup_printf("xen-pt-dm: warning: %s\n", warning);
        g_assert_cmpstr(log, ==, line);
    } else {
        g_assert_cmpstr(log, ==, "");
    }
    return h;
}

static void assert_open_fails(const char *file, const char *hostaddr, int code,
                              const char *needle1, const char *needle2)
{
    g_autoptr(GError) err = NULL;
    log_begin();
    g_assert_null(open_dump(file, hostaddr, &err));
    g_autofree char *log = log_end();
    g_assert_cmpstr(log, ==, "");                       /* no warning for a refusal */
    g_assert_error(err, XPT_ERROR, code);
    if (g_test_verbose()) {
        g_printerr("  %s: %s\n", hostaddr, err->message);
    }
    g_assert_null(strchr(err->message, '\n'));
    g_assert_nonnull(strstr(err->message, needle1));
    g_assert_nonnull(strstr(err->message, needle2));
}

/* A copy of @file with the hex row @row ("10:") of the block of @header replaced by
 * @text. Returns the temporary file's name. */
static char *patch_row(const char *file, const char *header, const char *row,
                       const char *text)
{
    g_autofree char *data = NULL;
    g_assert_true(g_file_get_contents(file, &data, NULL, NULL));
    g_auto(GStrv) lines = g_strsplit(data, "\n", -1);
    bool in_block = false, done = false;
    for (size_t i = 0; lines[i]; i++) {
        if (lines[i][0] && !g_ascii_isspace(lines[i][0]) && strchr(lines[i], '.') &&
            !g_str_has_prefix(lines[i], row)) {
            in_block = g_str_has_prefix(lines[i], header);
        } else if (in_block && !done && g_str_has_prefix(lines[i], row)) {
            g_free(lines[i]);
            lines[i] = g_strdup(text);
            done = true;
        }
    }
    g_assert_true(done);
    g_autofree char *out = g_strjoinv("\n", lines);
    char *path = NULL;
    g_autoptr(GError) err = NULL;
    int fd = g_file_open_tmp("xpt-layout-XXXXXX", &path, &err);
    g_assert_no_error(err);
    close(fd);
    g_assert_true(g_file_set_contents(path, out, -1, &err));
    return path;
}

/* The worked example: NVIDIA GT218 06:00.0 behind root port 00:07.0. */
static void test_gt218(void)
{
    const char *file = dump_path("tree-asus-p6t6");
    g_autoptr(XptDumpLayout) l = load_ok(file);

    g_assert_cmphex(bound_ok(l, 0, 6, 0, 0, 0), ==, 16 * M);
    g_assert_cmphex(bound_ok(l, 0, 6, 0, 0, 1), ==, 256 * M);
    g_assert_cmphex(bound_ok(l, 0, 6, 0, 0, 3), ==, 32 * M);
    g_assert_cmphex(bound_ok(l, 0, 6, 0, 0, 5), ==, 256);
    g_assert_cmphex(bound_ok(l, 0, 6, 0, 0, ROM), ==, 512 * K);
    bound_fails(l, 0, 6, 0, 0, 2, XPT_ERROR_INVALID, "upper half of a 64-bit BAR");
    bound_fails(l, 0, 6, 0, 0, 4, XPT_ERROR_INVALID, "upper half of a 64-bit BAR");
    bound_fails(l, 0, 6, 0, 0, 7, XPT_ERROR_INVALID, "region 7");

    g_autofree char *warning = g_strdup_printf(
        "0000:06:00.0: host-dump %s has no region sizes; using upper bounds from the "
        "dump's layout: BAR0 16M, BAR1 256M, BAR3 32M, BAR5 256, ROM 512K (capture with "
        "lspci -vv -xxxx for exact sizes)", file);
    g_autoptr(XptHostPci) h = open_warns(file, "06:00.0", warning);
    assert_region(xpt_host_pci_bar(h, 0), 0xfa000000, 16 * M, 0);
    assert_region(xpt_host_pci_bar(h, 1), 0xd0000000, 256 * M, P64);
    assert_region(xpt_host_pci_bar(h, 2), 0, 0, 0);
    assert_region(xpt_host_pci_bar(h, 3), 0xce000000, 32 * M, P64);
    assert_region(xpt_host_pci_bar(h, 4), 0, 0, 0);
    assert_region(xpt_host_pci_bar(h, 5), 0xcc00, 256, XPT_HOST_REGION_IO);
    assert_region(xpt_host_pci_rom(h), 0xfbc00000, 512 * K, 0);
}

/* Its HDMI audio function: the last 16K of the memory window. */
static void test_gt218_hda(void)
{
    const char *file = dump_path("tree-asus-p6t6");
    g_autoptr(XptDumpLayout) l = load_ok(file);

    g_assert_cmphex(bound_ok(l, 0, 6, 0, 1, 0), ==, 16 * K);
    bound_fails(l, 0, 6, 0, 1, 1, XPT_ERROR_INVALID, "not implemented");
    bound_fails(l, 0, 6, 0, 1, ROM, XPT_ERROR_INVALID, "not implemented");

    g_autofree char *warning = g_strdup_printf(
        "0000:06:00.1: host-dump %s has no region sizes; using upper bounds from the "
        "dump's layout: BAR0 16K (capture with lspci -vv -xxxx for exact sizes)", file);
    g_autoptr(XptHostPci) h = open_warns(file, "0000:06:00.1", warning);
    assert_region(xpt_host_pci_bar(h, 0), 0xfbcfc000, 16 * K, 0);
    for (unsigned i = 1; i < 6; i++) {
        assert_region(xpt_host_pci_bar(h, i), 0, 0, 0);
    }
    assert_region(xpt_host_pci_rom(h), 0, 0, 0);
}

/*
 * LSI SAS2008 04:00.0, three bridges deep (00:03.0 → 02:00.0 → 03:00.0, whose I/O
 * window b000-bfff is 32-bit and memory window f9f00000-f9ffffff): BAR3 f9f80000 and the
 * ROM f9f00000 end where the next BAR starts.
 */
static void test_sas2008(void)
{
    const char *file = dump_path("tree-asus-p6t6");
    g_autoptr(XptDumpLayout) l = load_ok(file);

    g_assert_cmphex(bound_ok(l, 0, 4, 0, 0, 0), ==, 256);       /* I/O b000 */
    g_assert_cmphex(bound_ok(l, 0, 4, 0, 0, 1), ==, 16 * K);    /* f9ffc000: window end */
    g_assert_cmphex(bound_ok(l, 0, 4, 0, 0, 3), ==, 256 * K);   /* f9f80000 → f9ffc000 */
    g_assert_cmphex(bound_ok(l, 0, 4, 0, 0, ROM), ==, 512 * K); /* f9f00000 → f9f80000 */

    g_autofree char *warning = g_strdup_printf(
        "0000:04:00.0: host-dump %s has no region sizes; using upper bounds from the "
        "dump's layout: BAR0 256, BAR1 16K, BAR3 256K, ROM 512K (capture with lspci -vv "
        "-xxxx for exact sizes)", file);
    g_autoptr(XptHostPci) h = open_warns(file, "04:00.0", warning);
    assert_region(xpt_host_pci_bar(h, 0), 0xb000, 256, XPT_HOST_REGION_IO);
    assert_region(xpt_host_pci_bar(h, 1), 0xf9ffc000, 16 * K, XPT_HOST_REGION_MEM64);
    assert_region(xpt_host_pci_bar(h, 3), 0xf9f80000, 256 * K, XPT_HOST_REGION_MEM64);
    assert_region(xpt_host_pci_rom(h), 0xf9f00000, 512 * K, 0);
}

/* Realtek RTL8111 07:00.0 behind 00:1c.2 (I/O d000-dfff, memory fbd00000-fbdfffff,
 * prefetchable f8d00000-f8dfffff); it has no ROM. */
static void test_rtl8111(void)
{
    const char *file = dump_path("tree-asus-p6t6");
    g_autoptr(XptDumpLayout) l = load_ok(file);

    g_assert_cmphex(bound_ok(l, 0, 7, 0, 0, 0), ==, 256);
    g_assert_cmphex(bound_ok(l, 0, 7, 0, 0, 2), ==, 4 * K);
    g_assert_cmphex(bound_ok(l, 0, 7, 0, 0, 4), ==, 64 * K);
    bound_fails(l, 0, 7, 0, 0, ROM, XPT_ERROR_INVALID, "not implemented");

    g_autofree char *warning = g_strdup_printf(
        "0000:07:00.0: host-dump %s has no region sizes; using upper bounds from the "
        "dump's layout: BAR0 256, BAR2 4K, BAR4 64K (capture with lspci -vv -xxxx for "
        "exact sizes)", file);
    g_autoptr(XptHostPci) h = open_warns(file, "07:00.0", warning);
    assert_region(xpt_host_pci_bar(h, 0), 0xd800, 256, XPT_HOST_REGION_IO);
    assert_region(xpt_host_pci_bar(h, 2), 0xfbdff000, 4 * K, XPT_HOST_REGION_MEM64);
    assert_region(xpt_host_pci_bar(h, 4), 0xf8df0000, 64 * K, P64);
    assert_region(xpt_host_pci_rom(h), 0, 0, 0);
}

/* ICH10 UHCI 00:1a.0 on the root bus: no window; 00:1a.1's a880 is the next I/O BAR. */
static void test_uhci_root_bus(void)
{
    const char *file = dump_path("tree-asus-p6t6");
    g_autoptr(XptDumpLayout) l = load_ok(file);

    g_assert_cmphex(bound_ok(l, 0, 0, 0x1a, 0, 4), ==, 128);
    g_assert_cmphex(bound_ok(l, 0, 0, 0x1a, 2, 4), ==, 256);   /* ac00: the I/O cap */
    bound_fails(l, 0, 0, 0x1a, 0, 0, XPT_ERROR_INVALID, "not implemented");

    g_autofree char *warning = g_strdup_printf(
        "0000:00:1a.0: host-dump %s has no region sizes; using upper bounds from the "
        "dump's layout: BAR4 128 (capture with lspci -vv -xxxx for exact sizes)", file);
    g_autoptr(XptHostPci) h = open_warns(file, "00:1a.0", warning);
    assert_region(xpt_host_pci_bar(h, 4), 0xa800, 128, XPT_HOST_REGION_IO);
    g_assert_cmpint(xpt_host_pci_irq(h), ==, 11);
}

/* TI xHCI 0002:01:00.0 behind 0002:00:00.0 (memory c0000000-dfffffff). The other two
 * domains of the file use the same bus numbers and overlapping addresses: ignored. */
static void test_xhci_domain2(void)
{
    const char *file = dump_path("tree-fsl-p2020");
    g_autoptr(XptDumpLayout) l = load_ok(file);

    g_assert_cmphex(bound_ok(l, 2, 1, 0, 0, 0), ==, 64 * K);    /* up to BAR2 */
    g_assert_cmphex(bound_ok(l, 2, 1, 0, 0, 2), ==, 64 * K);    /* alignment */
    g_assert_cmphex(bound_ok(l, 0, 5, 0, 0, 0), ==, 512 * M);   /* 0000: window */
    g_assert_cmphex(bound_ok(l, 1, 3, 0, 0, 0), ==, 512 * M);   /* 0001: window */
    bound_fails(l, 3, 1, 0, 0, 0, XPT_ERROR_NOT_FOUND, "no such device");
    /* the root ports' own BAR at fff00000: nothing above it, no window */
    bound_fails(l, 2, 0, 0, 0, 0, XPT_ERROR_INVALID, "no resource starts above it");

    g_autofree char *warning = g_strdup_printf(
        "0002:01:00.0: host-dump %s has no region sizes; using upper bounds from the "
        "dump's layout: BAR0 64K, BAR2 64K (capture with lspci -vv -xxxx for exact sizes)",
        file);
    g_autoptr(XptHostPci) h = open_warns(file, "0002:01:00.0", warning);
    assert_region(xpt_host_pci_bar(h, 0), 0xc0000000, 64 * K, XPT_HOST_REGION_MEM64);
    assert_region(xpt_host_pci_bar(h, 2), 0xc0010000, 64 * K, XPT_HOST_REGION_MEM64);
}

/* A BAR of domain 0 moved to c0008000: domain 2's xHCI at c0000000 does not see it. */
static void test_domains_apart(void)
{
    g_autofree char *f = patch_row(dump_path("tree-fsl-p2020"), "0000:05:00.0 ", "10:",
        "10: 04 80 00 c0 00 00 00 00 00 00 00 00 00 00 00 00");
    g_autoptr(XptDumpLayout) l = load_ok(f);
    g_assert_cmphex(bound_ok(l, 2, 1, 0, 0, 0), ==, 64 * K);
    bound_fails(l, 0, 5, 0, 0, 0, XPT_ERROR_INVALID, "outside every");
    g_assert_cmpint(g_unlink(f), ==, 0);
}

/*
 * Fujitsu P8010: the ICH8 EHCI 00:1d.7 (fc704c00) is the highest resource of the root
 * bus, so nothing bounds it: still refused. The 3Com card 1d:00.0 behind the CardBus
 * bridge 1c:03.0 has the subtractive-decode bridge 00:1e.0 as its type-1 parent; its
 * BAR c8000000 is outside that bridge's windows, which subtractive decode allows.
 */
static void test_fujitsu(void)
{
    const char *file = dump_path("tree-fujitsu-p8010");
    g_autoptr(XptDumpLayout) l = load_ok(file);

    bound_fails(l, 0, 0, 0x1d, 7, 0, XPT_ERROR_INVALID, "no upstream bridge window");
    g_assert_cmphex(bound_ok(l, 0, 0x1d, 0, 0, 0), ==, 128 * M);  /* up to e0000000 */
    g_assert_cmphex(bound_ok(l, 0, 0, 0x1a, 7, 0), ==, 1 * K);   /* fc704800 → 4c00 */
    g_assert_cmphex(bound_ok(l, 0, 0, 2, 0, 2), ==, 256 * M);    /* e0000000 → fc000000 */
    g_assert_cmphex(bound_ok(l, 0, 0x14, 0, 0, 0), ==, 1 * M);    /* window of 00:1c.4 */

    assert_open_fails(file, "00:1d.7", XPT_ERROR_INVALID, "0000:00:1d.7: BAR0 (0xfc704c00)",
                      "[size=");
    assert_open_fails(file, "00:1d.7", XPT_ERROR_INVALID, "no upstream bridge window",
                      "lspci -vv -xxxx");
}

/* Refusals on the ASUS tree with one register changed. */
static void test_refusals(void)
{
    const char *asus = dump_path("tree-asus-p6t6");

    {   /* RTL8111 BAR2 unassigned (64-bit, base 0): the existing clear error */
        g_autofree char *f = patch_row(asus, "07:00.0 ", "10:",
            "10: 01 d8 00 00 00 00 00 00 04 00 00 00 00 00 00 00");
        g_autoptr(XptDumpLayout) l = load_ok(f);
        bound_fails(l, 0, 7, 0, 0, 2, XPT_ERROR_INVALID, "unassigned (base 0)");
        g_assert_cmphex(bound_ok(l, 0, 7, 0, 0, 4), ==, 64 * K);
        assert_open_fails(f, "07:00.0", XPT_ERROR_INVALID, "0000:07:00.0: BAR2 (0x4)",
                          "has no [size=] in dump");
        assert_open_fails(f, "07:00.0", XPT_ERROR_INVALID, "is unassigned",
                          "lspci -vv -xxxx");
        g_assert_cmpint(g_unlink(f), ==, 0);
    }
    {   /* root port 00:07.0's memory window moved to fb000000: GT218 BAR0 is outside */
        g_autofree char *f = patch_row(asus, "00:07.0 ", "20:",
            "20: 00 fb c0 fb 01 ce f1 df 00 00 00 00 00 00 00 00");
        g_autoptr(XptDumpLayout) l = load_ok(f);
        bound_fails(l, 0, 6, 0, 0, 0, XPT_ERROR_INVALID,
                    "outside every non-prefetchable memory window of its upstream bridge "
                    "0000:00:07.0");
        g_assert_cmphex(bound_ok(l, 0, 6, 0, 0, 1), ==, 256 * M);  /* prefetchable: fine */
        assert_open_fails(f, "06:00.0", XPT_ERROR_INVALID, "0000:06:00.0: BAR0", "00:07.0");
        g_assert_cmpint(g_unlink(f), ==, 0);
    }
    {   /* 06:00.1's BAR0 moved 16 bytes above the GT218 ROM: less than a ROM's 2K */
        g_autofree char *f = patch_row(asus, "06:00.1 ", "10:",
            "10: 10 00 c0 fb 00 00 00 00 00 00 00 00 00 00 00 00");
        g_autoptr(XptDumpLayout) l = load_ok(f);
        bound_fails(l, 0, 6, 0, 0, ROM, XPT_ERROR_INVALID, "less than the smallest ROM");
        g_assert_cmphex(bound_ok(l, 0, 6, 0, 1, 0), ==, 16);
        assert_open_fails(f, "06:00.0", XPT_ERROR_INVALID, "0000:06:00.0: ROM (0xfbc00000)",
                          "resources overlap");
        g_assert_cmpint(g_unlink(f), ==, 0);
    }
}

/* The rules of hw/host/dump-layout.h that the real trees do not decide on their own. */
static void test_layout_rules(void)
{
    const char *asus = dump_path("tree-asus-p6t6");

    {   /* the direct parent counts: grandparent 00:03.0 without a memory window */
        g_autofree char *f = patch_row(asus, "00:03.0 ", "20:",
            "20: f0 ff 00 00 f1 ff 01 00 00 00 00 00 00 00 00 00");
        g_autoptr(XptDumpLayout) l = load_ok(f);
        g_assert_cmphex(bound_ok(l, 0, 4, 0, 0, 1), ==, 16 * K);
        g_assert_cmphex(bound_ok(l, 0, 4, 0, 0, 3), ==, 256 * K);
        g_assert_cmpint(g_unlink(f), ==, 0);
    }
    {   /* windows of the bridges above the device are no obstacle: 00:07.0's memory
         * window moved to cf000000 does not cut the 32M of BAR3 at ce000000 */
        g_autofree char *f = patch_row(asus, "00:07.0 ", "20:",
            "20: 00 cf 00 cf 01 ce f1 df 00 00 00 00 00 00 00 00");
        g_autoptr(XptDumpLayout) l = load_ok(f);
        g_assert_cmphex(bound_ok(l, 0, 6, 0, 0, 3), ==, 32 * M);
        g_assert_cmpint(g_unlink(f), ==, 0);
    }
    {   /* disabled windows (base > limit, e.g. 00:01.0's at fff00000) are no resource:
         * SMBus 00:1f.3 moved to ffe00000 has nothing above it */
        g_autofree char *f = patch_row(asus, "00:1f.3 ", "10:",
            "10: 04 00 e0 ff 00 00 00 00 00 00 00 00 00 00 00 00");
        g_autoptr(XptDumpLayout) l = load_ok(f);
        bound_fails(l, 0, 0, 0x1f, 3, 0, XPT_ERROR_INVALID, "no resource starts above it");
        g_assert_cmpint(g_unlink(f), ==, 0);
    }
    {   /* a ROM may sit in the prefetchable window: RTL8111 ROM at f8d00000 */
        g_autofree char *f = patch_row(asus, "07:00.0 ", "30:",
            "30: 00 00 d0 f8 40 00 00 00 00 00 00 00 0a 01 00 00");
        g_autoptr(XptDumpLayout) l = load_ok(f);
        g_assert_cmphex(bound_ok(l, 0, 7, 0, 0, ROM), ==, 512 * K);   /* → f8df0000 */
        g_assert_cmpint(g_unlink(f), ==, 0);
    }
}

/* 32-bit I/O windows: the upper 16 bits at 0x30/0x32 count (03:00.0 → 1b000-1bfff). */
static void test_io_window_32bit(void)
{
    g_autofree char *f1 = patch_row(dump_path("tree-asus-p6t6"), "03:00.0 ", "30:",
        "30: 01 00 01 00 40 00 00 00 00 00 00 00 00 00 03 00");
    g_autoptr(XptDumpLayout) l1 = load_ok(f1);
    bound_fails(l1, 0, 4, 0, 0, 0, XPT_ERROR_INVALID, "outside every I/O window");

    g_autofree char *f2 = patch_row(f1, "04:00.0 ", "10:",
        "10: 01 b0 01 00 04 c0 ff f9 00 00 00 00 04 00 f8 f9");
    g_autoptr(XptDumpLayout) l2 = load_ok(f2);
    g_assert_cmphex(bound_ok(l2, 0, 4, 0, 0, 0), ==, 256);
    g_assert_cmpint(g_unlink(f1), ==, 0);
    g_assert_cmpint(g_unlink(f2), ==, 0);
}

/* 64-bit prefetchable windows: the upper base/limit registers (0x28/0x2C) count. */
static void test_prefetch_window_above_4g(void)
{
    const char *asus = dump_path("tree-asus-p6t6");
    g_autofree char *f1 = patch_row(asus, "00:07.0 ", "20:",
        "20: 00 fa c0 fb 01 ce f1 df 01 00 00 00 01 00 00 00");
    g_autofree char *f2 = patch_row(f1, "06:00.0 ", "10:",
        "10: 00 00 00 fa 0c 00 00 d0 01 00 00 00 0c 00 00 ce");
    g_autofree char *f3 = patch_row(f2, "06:00.0 ", "20:",
        "20: 01 00 00 00 01 cc 00 00 00 00 00 00 42 38 12 13");
    g_autoptr(XptDumpLayout) l = load_ok(f3);

    g_assert_cmphex(bound_ok(l, 0, 6, 0, 0, 1), ==, 256 * M);   /* 1_d0000000 */
    g_assert_cmphex(bound_ok(l, 0, 6, 0, 0, 3), ==, 32 * M);    /* 1_ce000000 */
    g_assert_cmphex(bound_ok(l, 0, 6, 0, 0, 0), ==, 16 * M);

    g_autofree char *warning = g_strdup_printf(
        "0000:06:00.0: host-dump %s has no region sizes; using upper bounds from the "
        "dump's layout: BAR0 16M, BAR1 256M, BAR3 32M, BAR5 256, ROM 512K (capture with "
        "lspci -vv -xxxx for exact sizes)", f3);
    g_autoptr(XptHostPci) h = open_warns(f3, "06:00.0", warning);
    assert_region(xpt_host_pci_bar(h, 1), 0x1d0000000ull, 256 * M, P64);
    assert_region(xpt_host_pci_bar(h, 3), 0x1ce000000ull, 32 * M, P64);
    g_assert_cmpint(g_unlink(f1), ==, 0);
    g_assert_cmpint(g_unlink(f2), ==, 0);
    g_assert_cmpint(g_unlink(f3), ==, 0);
}

/* A dump with -vv text: the exact [size=] sizes, no layout, no warning. */
static void test_sizes_from_text(void)
{
    g_autoptr(XptHostPci) h = open_warns(dump_path("cap-pcie-2"), "01:00.0", NULL);
    assert_region(xpt_host_pci_bar(h, 0), 0xe0800000, 128 * K, 0);
    assert_region(xpt_host_pci_bar(h, 1), 0xe0000000, 4 * M, 0);
    assert_region(xpt_host_pci_bar(h, 2), 0x1020, 32, XPT_HOST_REGION_IO);
    assert_region(xpt_host_pci_bar(h, 3), 0xe0840000, 16 * K, 0);
    assert_region(xpt_host_pci_rom(h), 0xc7800000, 4 * M, 0);

    /* its layout alone would give other (larger) bounds: the text wins */
    g_autoptr(XptDumpLayout) l = load_ok(dump_path("cap-pcie-2"));
    g_assert_cmphex(bound_ok(l, 0, 1, 0, 0, 0), ==, 256 * K);   /* e0800000 → e0840000 */
    bound_fails(l, 0, 1, 0, 0, 2, XPT_ERROR_INVALID, "no resource starts above it");
}

/*
 * The GT218's I/O BAR size as lspci -vv prints it (128, as in tests/test-host-sizes.c) added
 * to its block: BAR5 takes the text's exact size, the other regions still get bounds.
 */
static void test_sizes_mixed(void)
{
    const char *asus = dump_path("tree-asus-p6t6");
    g_autofree char *data = NULL;
    g_assert_true(g_file_get_contents(asus, &data, NULL, NULL));
    const char *hdr = "\n06:00.0 VGA compatible controller: NVIDIA Corporation GT218 "
                      "[GeForce 210] (rev a2)\n";
    char *at = strstr(data, hdr);
    g_assert_nonnull(at);
    size_t cut = (size_t)(at - data) + strlen(hdr);
    g_autofree char *text = g_strdup_printf(
        "%.*s\tRegion 5: I/O ports at cc00 [size=128]\n%s", (int)cut, data, data + cut);
    g_autofree char *f = NULL;
    g_autoptr(GError) err = NULL;
    int fd = g_file_open_tmp("xpt-layout-XXXXXX", &f, &err);
    g_assert_no_error(err);
    close(fd);
    g_assert_true(g_file_set_contents(f, text, -1, &err));

    g_autofree char *warning = g_strdup_printf(
        "0000:06:00.0: host-dump %s has no region sizes; using upper bounds from the "
        "dump's layout: BAR0 16M, BAR1 256M, BAR3 32M, ROM 512K (capture with lspci -vv "
        "-xxxx for exact sizes)", f);
    g_autoptr(XptHostPci) h = open_warns(f, "06:00.0", warning);
    assert_region(xpt_host_pci_bar(h, 5), 0xcc00, 128, XPT_HOST_REGION_IO);
    assert_region(xpt_host_pci_bar(h, 0), 0xfa000000, 16 * M, 0);
    g_assert_cmpint(g_unlink(f), ==, 0);
}

static void test_format_size(void)
{
    static const struct { uint64_t v; const char *s; } cases[] = {
        { 256, "256" }, { 128, "128" }, { 1024, "1K" }, { 16 * K, "16K" },
        { 512 * K, "512K" }, { 16 * M, "16M" }, { 256 * M, "256M" }, { 3 * K, "3K" },
        { 1536, "1536" }, { 4096ull * M, "4G" }, { 1ull << 40, "1T" },
        { 1ull << 50, "1024T" }, { 0, "0" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *s = xpt_host_dump_format_size(cases[i].v);
        g_assert_cmpstr(s, ==, cases[i].s);
        if (cases[i].v) {   /* round trip through the [size=] parser */
            g_autofree char *bracket = g_strdup_printf("%s]", s);
            uint64_t back = 0;
            g_assert_true(xpt_host_dump_parse_size(bracket, &back));
            g_assert_cmphex(back, ==, cases[i].v);
        }
    }
}

/* libpci cannot read a missing file: NOT_FOUND naming it. */
static void test_load_missing(void)
{
    g_autoptr(GError) err = NULL;
    const char *missing = dump_path("no-such-dump");
    g_assert_null(xpt_dump_layout_load(missing, &err));
    g_assert_error(err, XPT_ERROR, XPT_ERROR_NOT_FOUND);
    g_assert_nonnull(strstr(err->message, missing));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/dump-layout/asus/gt218", test_gt218);
    g_test_add_func("/dump-layout/asus/gt218-hda", test_gt218_hda);
    g_test_add_func("/dump-layout/asus/sas2008", test_sas2008);
    g_test_add_func("/dump-layout/asus/rtl8111", test_rtl8111);
    g_test_add_func("/dump-layout/asus/uhci-root-bus", test_uhci_root_bus);
    g_test_add_func("/dump-layout/fsl/xhci-domain2", test_xhci_domain2);
    g_test_add_func("/dump-layout/fsl/domains-apart", test_domains_apart);
    g_test_add_func("/dump-layout/fujitsu", test_fujitsu);
    g_test_add_func("/dump-layout/refusals", test_refusals);
    g_test_add_func("/dump-layout/layout-rules", test_layout_rules);
    g_test_add_func("/dump-layout/io-window-32bit", test_io_window_32bit);
    g_test_add_func("/dump-layout/prefetch-window-above-4g", test_prefetch_window_above_4g);
    g_test_add_func("/dump-layout/sizes-from-text", test_sizes_from_text);
    g_test_add_func("/dump-layout/sizes-mixed", test_sizes_mixed);
    g_test_add_func("/dump-layout/format-size", test_format_size);
    g_test_add_func("/dump-layout/load-missing", test_load_missing);
    return g_test_run();
}
