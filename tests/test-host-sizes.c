/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Host PCI device tests, the region sizes of dumps (hw/host/host-dump.c,
 * hw/host/dump-layout.c): "[size=]" text parsed and scoped to its device, and the
 * hex-only tree dumps whose sizes come from their layout. Helpers in
 * tests/host-test-util.h.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "hw/host/dump-source.h"
#include "hw/host/host-dump.h"
#include "hw/host/host-pci.h"
#include "tests/host-test-util.h"
#include "tests/testutil.h"
#include "util/error.h"

/*
 * The tree dumps are `lspci -xxx` only: no -vv text, so no region sizes. Their endpoints
 * get upper bounds from the dump's layout (tests/test-dump-layout.c); a BAR the layout
 * cannot bound still fails with a clear XPT_ERROR_INVALID naming the device and the BAR.
 */
static void test_dump_tree_without_sizes(void)
{
    const char *fsl = ht_dump_path("tree-fsl-p2020");
    const char *fujitsu = ht_dump_path("tree-fujitsu-p8010");

    /* ICH8 EHCI: the highest resource of bus 0, behind no bridge: nothing bounds it */
    ht_assert_open_fails(fujitsu, "00:1d.7", XPT_ERROR_INVALID, "0000:00:1d.7", "BAR0");
    ht_assert_open_fails(fujitsu, "00:1d.7", XPT_ERROR_INVALID, NULL, "[size=");
    /* the same function numbers exist in other domains of the file */
    ht_assert_open_fails(fsl, "0003:01:00.0", XPT_ERROR_NOT_FOUND, "0003:01:00.0", NULL);
}

/*
 * Copy of @file with "\tRegion…[size=…]" lines inserted after the header line of each
 * listed device, as `lspci -vv` would print them. Returns the temporary file name.
 */
typedef struct RegionText {
    const char *header;   /* device header line prefix, e.g. "06:00.0 " */
    const char *lines;    /* -vv lines to insert, each "\t...\n" */
} RegionText;

static char *dump_with_sizes(const char *file, const RegionText *add, size_t n)
{
    g_autofree char *text = NULL;
    g_autoptr(GError) err = NULL;
    g_assert_true(g_file_get_contents(file, &text, NULL, &err));

    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_autoptr(GString) out = g_string_new(NULL);
    size_t inserted = 0;
    for (size_t i = 0; lines[i]; i++) {
        g_string_append(out, lines[i]);
        if (lines[i + 1]) {
            g_string_append_c(out, '\n');
        }
        for (size_t j = 0; j < n; j++) {
            if (g_str_has_prefix(lines[i], add[j].header)) {
                g_string_append(out, add[j].lines);
                inserted++;
            }
        }
    }
    g_assert_cmpuint(inserted, ==, n);

    char *path = NULL;
    int fd = g_file_open_tmp("xpt-dump-XXXXXX", &path, &err);
    g_assert_no_error(err);
    close(fd);
    g_assert_true(g_file_set_contents(path, out->str, (gssize)out->len, &err));
    return path;
}

/*
 * The real hex rows of the ASUS P6T6 tree with -vv region lines added: flags and
 * bases come from the hex rows, sizes from the text of the selected block only.
 */
static void test_dump_tree_asus_selected(void)
{
    static const RegionText add[] = {
        { "06:00.0 ", "\tRegion 0: Memory at fa000000 (32-bit, non-prefetchable) [size=16M]\n"
                      "\tRegion 1: Memory at d0000000 (64-bit, prefetchable) [size=256M]\n"
                      "\tRegion 3: Memory at ce000000 (64-bit, prefetchable) [size=32M]\n"
                      "\tRegion 5: I/O ports at cc00 [size=128]\n"
                      "\tExpansion ROM at fbc00000 [disabled] [size=512K]\n" },
        { "07:00.0 ", "\tRegion 0: I/O ports at d800 [size=256]\n"
                      "\tRegion 2: Memory at fbdff000 (64-bit, non-prefetchable) [size=4K]\n"
                      "\tRegion 4: Memory at f8df0000 (64-bit, prefetchable) [size=16K]\n" },
        { "00:1a.0 ", "\tRegion 4: I/O ports at a800 [size=32]\n" },
    };
    g_autofree char *file = dump_with_sizes(ht_dump_path("tree-asus-p6t6"), add,
                                            G_N_ELEMENTS(add));
    const uint32_t p64 = XPT_HOST_REGION_MEM64 | XPT_HOST_REGION_PREFETCH;

    {   /* NVIDIA GT218: 64-bit prefetchable BARs, an I/O BAR and a ROM */
        g_autoptr(XptHostPci) h = ht_open_dump_ok(file, "06:00.0");
        g_assert_cmphex(ht_rd(h, 0x00, 4), ==, 0x0a6510de);
        g_assert_cmpuint(xpt_host_pci_devfn(h), ==, 0);
        g_assert_cmpuint(xpt_host_pci_bus(h), ==, 6);
        ht_assert_region(xpt_host_pci_bar(h, 0), 0xfa000000, 16 * M, 0);
        ht_assert_region(xpt_host_pci_bar(h, 1), 0xd0000000, 256 * M, p64);
        ht_assert_region(xpt_host_pci_bar(h, 2), 0, 0, 0);
        ht_assert_region(xpt_host_pci_bar(h, 3), 0xce000000, 32 * M, p64);
        ht_assert_region(xpt_host_pci_bar(h, 4), 0, 0, 0);
        ht_assert_region(xpt_host_pci_bar(h, 5), 0xcc00, 128, XPT_HOST_REGION_IO);
        ht_assert_region(xpt_host_pci_rom(h), 0xfbc00000, 512 * K, 0);
        g_assert_cmpint(xpt_host_pci_irq(h), ==, 0x0b);
        g_assert_cmphex(xpt_host_pci_find_cap(h, 0x05), ==, 0x68);
        g_assert_cmphex(xpt_host_pci_find_cap(h, 0x10), ==, 0x78);
        g_assert_cmpuint(xpt_host_pci_config_size(h), ==, 4096);
    }
    {   /* its HDMI audio function 1 got no sizes: the layout's upper bound */
        g_autoptr(XptHostPci) h = ht_open_dump_ok(file, "06:00.1");
        ht_assert_region(xpt_host_pci_bar(h, 0), 0xfbcfc000, 16 * K, 0);
    }
    {   /* RTL8111: I/O BAR, 64-bit BAR, MSI-X in a 64-bit prefetchable BAR */
        g_autoptr(XptHostPci) h = ht_open_dump_ok(file, "0000:07:00.0");
        g_assert_cmphex(ht_rd(h, 0x00, 4), ==, 0x816810ec);
        ht_assert_region(xpt_host_pci_bar(h, 0), 0xd800, 256, XPT_HOST_REGION_IO);
        ht_assert_region(xpt_host_pci_bar(h, 1), 0, 0, 0);
        ht_assert_region(xpt_host_pci_bar(h, 2), 0xfbdff000, 4 * K, XPT_HOST_REGION_MEM64);
        ht_assert_region(xpt_host_pci_bar(h, 3), 0, 0, 0);
        ht_assert_region(xpt_host_pci_bar(h, 4), 0xf8df0000, 16 * K, p64);
        ht_assert_region(xpt_host_pci_rom(h), 0, 0, 0);
        g_assert_cmpint(xpt_host_pci_irq(h), ==, 0x0a);
        g_assert_cmphex(xpt_host_pci_find_cap(h, 0x11), ==, 0xb0);
        g_assert_cmphex(ht_rd(h, 0xb4, 4), ==, 0x4);    /* table in BAR4 */
        g_assert_cmphex(xpt_host_pci_find_cap(h, 0x03), ==, 0xd0); /* VPD, last */
    }
    {   /* ICH10 UHCI: one I/O BAR, 256-byte config space */
        g_autoptr(XptHostPci) h = ht_open_dump_ok(file, "00:1a.0");
        g_assert_cmphex(ht_rd(h, 0x00, 4), ==, 0x3a378086);
        g_assert_cmpuint(xpt_host_pci_devfn(h), ==, 0x1a << 3);
        for (unsigned i = 0; i < 4; i++) {
            ht_assert_region(xpt_host_pci_bar(h, i), 0, 0, 0);
        }
        ht_assert_region(xpt_host_pci_bar(h, 4), 0xa800, 32, XPT_HOST_REGION_IO);
        ht_assert_region(xpt_host_pci_bar(h, 5), 0, 0, 0);
        g_assert_cmpuint(xpt_host_pci_config_size(h), ==, 256);
        g_assert_cmphex(ht_rd(h, 0x100, 4), ==, 0xffffffff);  /* beyond: all-ones */
        g_assert_cmphex(ht_rd(h, 0xffe, 2), ==, 0xffff);
        g_assert_cmphex(xpt_host_pci_find_cap(h, 0x13), ==, 0x50); /* PCI AF */
        g_assert_cmphex(xpt_host_pci_find_cap(h, 0x10), ==, 0);
    }
    g_assert_cmpint(g_unlink(file), ==, 0);
}

/* Freescale P2020: the TI xHCI in PCI domain 2. */
static void test_dump_tree_fsl_domain2(void)
{
    static const RegionText add[] = {
        { "0002:01:00.0 ",
          "\tRegion 0: Memory at c0000000 (64-bit, non-prefetchable) [size=64K]\n"
          "\tRegion 2: Memory at c0010000 (64-bit, non-prefetchable) [size=8K]\n" },
    };
    g_autofree char *file = dump_with_sizes(ht_dump_path("tree-fsl-p2020"), add, 1);

    g_autoptr(XptHostPci) h = ht_open_dump_ok(file, "0002:01:00.0");
    g_assert_cmpstr(xpt_host_pci_sbdf(h), ==, "0002:01:00.0");
    g_assert_cmpuint(xpt_host_pci_segment(h), ==, 2);
    g_assert_cmpuint(xpt_host_pci_bus(h), ==, 1);
    g_assert_cmphex(ht_rd(h, 0x00, 4), ==, 0x8241104c);
    g_assert_cmphex(ht_rd(h, 0x08, 4), ==, 0x0c033002);  /* xHCI class, rev 02 */
    ht_assert_region(xpt_host_pci_bar(h, 0), 0xc0000000, 64 * K, XPT_HOST_REGION_MEM64);
    ht_assert_region(xpt_host_pci_bar(h, 2), 0xc0010000, 8 * K, XPT_HOST_REGION_MEM64);
    g_assert_cmpint(xpt_host_pci_irq(h), ==, 0);  /* interrupt line 0xff */
    g_assert_cmphex(xpt_host_pci_find_cap(h, 0x05), ==, 0x48);
    g_assert_cmphex(xpt_host_pci_find_cap(h, 0x10), ==, 0x70);
    g_assert_cmphex(xpt_host_pci_find_cap(h, 0x11), ==, 0xc0);
    g_assert_cmphex(ht_rd(h, 0xc4, 4) & 7, ==, 2);  /* MSI-X table in BAR2 */
    g_assert_cmpint(g_unlink(file), ==, 0);
}

static void test_dump_parse_size(void)
{
    static const struct { const char *s; uint64_t v; } good[] = {
        { "128K]", 128 * K }, { "4M]", 4 * M }, { "16G]", 16ull * 1024 * M },
        { "32]", 32 }, { "1]", 1 }, { "2T]", 2ull * 1024 * 1024 * M },
        { "512K] trailing", 512 * K },
    };
    static const char *const bad[] = {
        "]", "K]", "4X]", "4M", "0]", "-1]", " 4M]", "4 M]", "99999999999999999999]",
        "17179869184G]",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
        uint64_t v = 0;
        g_assert_true(xpt_host_dump_parse_size(good[i].s, &v));
        g_assert_cmphex(v, ==, good[i].v);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        uint64_t v = 7;
        g_assert_false(xpt_host_dump_parse_size(bad[i], &v));
        g_assert_cmphex(v, ==, 7);
    }
}

/* Sizes are scoped to the device's block and to its top indentation level. */
static void test_dump_sizes_scoping(void)
{
    static const char text[] =
        "00:02.0 VGA compatible controller: first\n"
        "        Region 0: Memory at a0000000 (64-bit) [size=16M]\n"
        "        Expansion ROM at <unassigned> [disabled]\n"
        "00: 86 80 12 34 00 00 00 00 00 00 00 03 00 00 00 00\n"
        "\n"
        "0000:00:03.0 Ethernet controller: second\n"
        "        Region 2: I/O ports at 1000 [size=64]\n"
        "        [virtual] Expansion ROM at f0000000 [disabled] [size=2K]\n"
        "        Capabilities: [160] Single Root I/O Virtualization (SR-IOV)\n"
        "                Region 0: Memory at 0000000088408000 (64-bit) [size=8K]\n"
        "                Region 4: Memory at 0000000088500000 (64-bit) [size=1M]\n"
        "        Region 4: [virtual] Memory at 843060000000 (32-bit) [size=1M]\n"
        "00: 86 80 12 34 00 00 00 00 00 00 00 02 00 00 00 00\n"
        "10000:00:04.0 Bad size\n"
        "\tRegion 1: Memory at 1000 [size=12Q]\n";
    g_autoptr(GError) err = NULL;
    char *path = NULL;
    int fd = g_file_open_tmp("xpt-sizes-XXXXXX", &path, &err);
    g_assert_no_error(err);
    close(fd);
    g_assert_true(g_file_set_contents(path, text, -1, &err));

    XptDumpSizes s;
    g_assert_true(xpt_host_dump_sizes(path, "0000:00:02.0", 0, 0, 2, 0, &s, &err));
    g_assert_no_error(err);
    g_assert_cmphex(s.bar[0], ==, 16 * M);
    g_assert_cmphex(s.bar[2], ==, 0);
    g_assert_cmphex(s.bar[4], ==, 0);
    g_assert_cmphex(s.rom, ==, 0);

    g_assert_true(xpt_host_dump_sizes(path, "0000:00:03.0", 0, 0, 3, 0, &s, &err));
    g_assert_cmphex(s.bar[0], ==, 0);        /* the VF BAR0 is not the device's */
    g_assert_cmphex(s.bar[2], ==, 64);
    g_assert_cmphex(s.bar[4], ==, 1 * M);
    g_assert_cmphex(s.rom, ==, 2 * K);

    g_assert_false(xpt_host_dump_sizes(path, "0000:00:05.0", 0, 0, 5, 0, &s, &err));
    g_assert_error(err, XPT_ERROR, XPT_ERROR_NOT_FOUND);
    g_clear_error(&err);

    g_assert_false(xpt_host_dump_sizes(path, "10000:00:04.0", 0x10000, 0, 4, 0, &s, &err));
    g_assert_error(err, XPT_ERROR, XPT_ERROR_INVALID);
    g_assert_nonnull(strstr(err->message, "12Q"));
    g_clear_error(&err);

    g_assert_cmpint(g_unlink(path), ==, 0);
    g_free(path);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/host/dump/tree-without-sizes", test_dump_tree_without_sizes);
    g_test_add_func("/host/dump/tree-asus-selected", test_dump_tree_asus_selected);
    g_test_add_func("/host/dump/tree-fsl-domain2", test_dump_tree_fsl_domain2);
    g_test_add_func("/host/dump/parse-size", test_dump_parse_size);
    g_test_add_func("/host/dump/sizes-scoping", test_dump_sizes_scoping);
    return g_test_run();
}
