/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Host PCI device tests: hw/host/host-pci.c and host-dump.c against the real fixtures
 * (pciutils' lspci dumps and a Firecracker sysfs copy), plus this machine's /sys.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "hw/host/dump-source.h"
#include "hw/host/host-dump.h"
#include "hw/host/host-pci.h"
#include "tests/testutil.h"
#include "util/error.h"

#define K (1024ull)
#define M (1024ull * 1024)

static const char *dump_path(const char *name)
{
    g_autofree char *rel = g_build_filename("pciutils-tests", name, NULL);
    return xpt_test_fixture(rel);
}

static XptHostPci *open_dump(const char *file, const char *hostaddr, GError **errp)
{
    XptHostOpenOptions o = { .hostaddr = hostaddr, .dump_file = file };
    return xpt_host_pci_open(&o, errp);
}

static XptHostPci *open_dump_ok(const char *file, const char *hostaddr)
{
    g_autoptr(GError) err = NULL;
    XptHostPci *h = open_dump(file, hostaddr, &err);
    g_assert_no_error(err);
    g_assert_nonnull(h);
    return h;
}

static uint32_t rd(XptHostPci *h, unsigned off, unsigned len)
{
    g_autoptr(GError) err = NULL;
    uint32_t v = 0;
    g_assert_true(xpt_host_pci_read(h, off, len, &v, &err));
    g_assert_no_error(err);
    return v;
}

static void wr(XptHostPci *h, unsigned off, unsigned len, uint32_t val)
{
    g_autoptr(GError) err = NULL;
    g_assert_true(xpt_host_pci_write(h, off, len, val, &err));
    g_assert_no_error(err);
}

static void assert_region(const XptHostRegion *r, uint64_t base, uint64_t size,
                          uint32_t flags)
{
    g_assert_cmphex(r->base, ==, base);
    g_assert_cmphex(r->size, ==, size);
    g_assert_cmphex(r->flags, ==, flags);
}

/* Open must fail with @code and a message naming @sbdf (and @needle if given). */
static void assert_open_fails(const char *file, const char *hostaddr, int code,
                              const char *sbdf, const char *needle)
{
    g_autoptr(GError) err = NULL;
    XptHostPci *h = open_dump(file, hostaddr, &err);
    g_assert_null(h);
    g_assert_error(err, XPT_ERROR, code);
    if (g_test_verbose()) {
        g_printerr("  %s %s: %s\n", file, hostaddr, err->message);
    }
    g_assert_null(strchr(err->message, '\n'));
    if (sbdf) {
        g_assert_nonnull(strstr(err->message, sbdf));
    }
    if (needle) {
        g_assert_nonnull(strstr(err->message, needle));
    }
}

/* Intel 82576 NIC: four BARs incl. I/O, a ROM, 4096 bytes of config space. */
static void test_dump_82576(void)
{
    g_autoptr(XptHostPci) h = open_dump_ok(dump_path("cap-pcie-2"), "01:00.0");

    g_assert_cmpstr(xpt_host_pci_sbdf(h), ==, "0000:01:00.0");
    g_assert_cmpuint(xpt_host_pci_segment(h), ==, 0);
    g_assert_cmpuint(xpt_host_pci_bus(h), ==, 1);
    g_assert_cmpuint(xpt_host_pci_devfn(h), ==, 0);
    g_assert_cmpint(xpt_host_pci_backend(h), ==, XPT_HOST_BACKEND_DUMP);
    g_assert_true(xpt_host_pci_is_shadow(h));
    g_assert_cmpuint(xpt_host_pci_config_size(h), ==, 4096);

    g_assert_cmphex(rd(h, 0x00, 2), ==, 0x8086);
    g_assert_cmphex(rd(h, 0x02, 2), ==, 0x10c9);
    g_assert_cmphex(rd(h, 0x00, 4), ==, 0x10c98086);
    g_assert_cmphex(rd(h, 0x08, 1), ==, 0x01);        /* revision */
    g_assert_cmphex(rd(h, 0x2e, 2), ==, 0xa03c);      /* subsystem id */
    g_assert_cmphex(rd(h, 0x100, 4), ==, 0x14010001); /* AER header, extended space */
    g_assert_cmphex(rd(h, 0x160, 2), ==, 0x0010);     /* SR-IOV capability id */

    assert_region(xpt_host_pci_bar(h, 0), 0xe0800000, 128 * K, 0);
    assert_region(xpt_host_pci_bar(h, 1), 0xe0000000, 4 * M, 0);
    assert_region(xpt_host_pci_bar(h, 2), 0x1020, 32, XPT_HOST_REGION_IO);
    assert_region(xpt_host_pci_bar(h, 3), 0xe0840000, 16 * K, 0);
    assert_region(xpt_host_pci_bar(h, 4), 0, 0, 0);
    assert_region(xpt_host_pci_bar(h, 5), 0, 0, 0);
    assert_region(xpt_host_pci_bar(h, 6), 0, 0, 0);   /* out of range: empty */
    assert_region(xpt_host_pci_rom(h), 0xc7800000, 4 * M, 0);
    g_assert_cmpint(xpt_host_pci_irq(h), ==, 0x0b);   /* interrupt line of the dump */

    g_assert_cmphex(xpt_host_pci_find_cap(h, 0x01), ==, 0x40); /* PM */
    g_assert_cmphex(xpt_host_pci_find_cap(h, 0x05), ==, 0x50); /* MSI */
    g_assert_cmphex(xpt_host_pci_find_cap(h, 0x11), ==, 0x70); /* MSI-X */
    g_assert_cmphex(xpt_host_pci_find_cap(h, 0x10), ==, 0xa0); /* PCIe */
    g_assert_cmphex(xpt_host_pci_find_cap(h, 0x09), ==, 0);    /* no vendor cap */
    /* MSI-X: 10 vectors, table in BAR3 offset 0, PBA in BAR3 offset 0x2000 */
    g_assert_cmphex(rd(h, 0x72, 2) & 0x7ff, ==, 9);
    g_assert_cmphex(rd(h, 0x74, 4), ==, 0x00000003);
    g_assert_cmphex(rd(h, 0x78, 4), ==, 0x00002003);

    g_autoptr(GError) err = NULL;
    size_t len = 1;
    g_assert_null(xpt_host_pci_read_rom(h, &len, &err));
    g_assert_error(err, XPT_ERROR, XPT_ERROR_NOT_FOUND);
    g_assert_cmpuint(len, ==, 0);
}

/* Samsung NVMe: a 64-bit BAR0 whose size only the -vv text tells. */
static void test_dump_nvme_64bit(void)
{
    g_autoptr(XptHostPci) h = open_dump_ok(dump_path("cap-phy32"), "0000:2e:00.0");

    g_assert_cmphex(rd(h, 0x00, 4), ==, 0xa826144d);
    assert_region(xpt_host_pci_bar(h, 0), 0x88400000, 32 * K, XPT_HOST_REGION_MEM64);
    assert_region(xpt_host_pci_bar(h, 1), 0, 0, 0);  /* upper half of BAR0 */
    for (unsigned i = 2; i < 6; i++) {
        assert_region(xpt_host_pci_bar(h, i), 0, 0, 0);
    }
    assert_region(xpt_host_pci_rom(h), 0, 0, 0);
    g_assert_cmpint(xpt_host_pci_irq(h), ==, 0);  /* interrupt line 0xff: none */
    g_assert_cmpuint(xpt_host_pci_config_size(h), ==, 4096);
    g_assert_cmphex(xpt_host_pci_find_cap(h, 0x10), ==, 0x70);
    g_assert_cmphex(xpt_host_pci_find_cap(h, 0x11), ==, 0xb0);
    /* MSI-X: 129 vectors, table BAR0+0x4000, PBA BAR0+0x3000 */
    g_assert_cmphex(rd(h, 0xb2, 2) & 0x7ff, ==, 128);
    g_assert_cmphex(rd(h, 0xb4, 4), ==, 0x4000);
    g_assert_cmphex(rd(h, 0xb8, 4), ==, 0x3000);
}

/* ICH7 HD audio: a PCIe v1 root-complex integrated endpoint is accepted. */
static void test_dump_rc_integrated_endpoint(void)
{
    g_autoptr(XptHostPci) h = open_dump_ok(dump_path("cap-vc-and-rcl"), "00:1b.0");

    g_assert_cmphex(rd(h, 0x00, 4), ==, 0x27d88086);
    unsigned pcie = xpt_host_pci_find_cap(h, 0x10);
    g_assert_cmpuint(pcie, !=, 0);
    g_assert_cmpuint((rd(h, pcie + 2, 2) >> 4) & 0xf, ==, 9);
    assert_region(xpt_host_pci_bar(h, 0), 0x58340000, 16 * K, XPT_HOST_REGION_MEM64);
}

/*
 * The tree dumps are `lspci -xxx` only: no -vv text, so no region sizes. Their endpoints
 * get upper bounds from the dump's layout (tests/test-dump-layout.c); a BAR the layout
 * cannot bound still fails with a clear XPT_ERROR_INVALID naming the device and the BAR.
 */
static void test_dump_tree_without_sizes(void)
{
    const char *fsl = dump_path("tree-fsl-p2020");
    const char *fujitsu = dump_path("tree-fujitsu-p8010");

    /* ICH8 EHCI: the highest resource of bus 0, behind no bridge: nothing bounds it */
    assert_open_fails(fujitsu, "00:1d.7", XPT_ERROR_INVALID, "0000:00:1d.7", "BAR0");
    assert_open_fails(fujitsu, "00:1d.7", XPT_ERROR_INVALID, NULL, "[size=");
    /* the same function numbers exist in other domains of the file */
    assert_open_fails(fsl, "0003:01:00.0", XPT_ERROR_NOT_FOUND, "0003:01:00.0", NULL);
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
    g_autofree char *file = dump_with_sizes(dump_path("tree-asus-p6t6"), add,
                                            G_N_ELEMENTS(add));
    const uint32_t p64 = XPT_HOST_REGION_MEM64 | XPT_HOST_REGION_PREFETCH;

    {   /* NVIDIA GT218: 64-bit prefetchable BARs, an I/O BAR and a ROM */
        g_autoptr(XptHostPci) h = open_dump_ok(file, "06:00.0");
        g_assert_cmphex(rd(h, 0x00, 4), ==, 0x0a6510de);
        g_assert_cmpuint(xpt_host_pci_devfn(h), ==, 0);
        g_assert_cmpuint(xpt_host_pci_bus(h), ==, 6);
        assert_region(xpt_host_pci_bar(h, 0), 0xfa000000, 16 * M, 0);
        assert_region(xpt_host_pci_bar(h, 1), 0xd0000000, 256 * M, p64);
        assert_region(xpt_host_pci_bar(h, 2), 0, 0, 0);
        assert_region(xpt_host_pci_bar(h, 3), 0xce000000, 32 * M, p64);
        assert_region(xpt_host_pci_bar(h, 4), 0, 0, 0);
        assert_region(xpt_host_pci_bar(h, 5), 0xcc00, 128, XPT_HOST_REGION_IO);
        assert_region(xpt_host_pci_rom(h), 0xfbc00000, 512 * K, 0);
        g_assert_cmpint(xpt_host_pci_irq(h), ==, 0x0b);
        g_assert_cmphex(xpt_host_pci_find_cap(h, 0x05), ==, 0x68);
        g_assert_cmphex(xpt_host_pci_find_cap(h, 0x10), ==, 0x78);
        g_assert_cmpuint(xpt_host_pci_config_size(h), ==, 4096);
    }
    {   /* its HDMI audio function 1 got no sizes: the layout's upper bound */
        g_autoptr(XptHostPci) h = open_dump_ok(file, "06:00.1");
        assert_region(xpt_host_pci_bar(h, 0), 0xfbcfc000, 16 * K, 0);
    }
    {   /* RTL8111: I/O BAR, 64-bit BAR, MSI-X in a 64-bit prefetchable BAR */
        g_autoptr(XptHostPci) h = open_dump_ok(file, "0000:07:00.0");
        g_assert_cmphex(rd(h, 0x00, 4), ==, 0x816810ec);
        assert_region(xpt_host_pci_bar(h, 0), 0xd800, 256, XPT_HOST_REGION_IO);
        assert_region(xpt_host_pci_bar(h, 1), 0, 0, 0);
        assert_region(xpt_host_pci_bar(h, 2), 0xfbdff000, 4 * K, XPT_HOST_REGION_MEM64);
        assert_region(xpt_host_pci_bar(h, 3), 0, 0, 0);
        assert_region(xpt_host_pci_bar(h, 4), 0xf8df0000, 16 * K, p64);
        assert_region(xpt_host_pci_rom(h), 0, 0, 0);
        g_assert_cmpint(xpt_host_pci_irq(h), ==, 0x0a);
        g_assert_cmphex(xpt_host_pci_find_cap(h, 0x11), ==, 0xb0);
        g_assert_cmphex(rd(h, 0xb4, 4), ==, 0x4);    /* table in BAR4 */
        g_assert_cmphex(xpt_host_pci_find_cap(h, 0x03), ==, 0xd0); /* VPD, last */
    }
    {   /* ICH10 UHCI: one I/O BAR, 256-byte config space */
        g_autoptr(XptHostPci) h = open_dump_ok(file, "00:1a.0");
        g_assert_cmphex(rd(h, 0x00, 4), ==, 0x3a378086);
        g_assert_cmpuint(xpt_host_pci_devfn(h), ==, 0x1a << 3);
        for (unsigned i = 0; i < 4; i++) {
            assert_region(xpt_host_pci_bar(h, i), 0, 0, 0);
        }
        assert_region(xpt_host_pci_bar(h, 4), 0xa800, 32, XPT_HOST_REGION_IO);
        assert_region(xpt_host_pci_bar(h, 5), 0, 0, 0);
        g_assert_cmpuint(xpt_host_pci_config_size(h), ==, 256);
        g_assert_cmphex(rd(h, 0x100, 4), ==, 0xffffffff);  /* beyond: all-ones */
        g_assert_cmphex(rd(h, 0xffe, 2), ==, 0xffff);
        g_assert_cmphex(xpt_host_pci_find_cap(h, 0x13), ==, 0x50); /* PCI AF */
        g_assert_cmphex(xpt_host_pci_find_cap(h, 0x10), ==, 0);
    }
    g_assert_cmpint(g_unlink(file), ==, 0);
}

/* The SBDF the messages give, for every hex digit and the widest fields: as "%04x:%02x:
 * %02x.%u" would print it (host-pci.c formats it by hand, issue 15). */
static void test_sbdf_text(void)
{
    static const char *const cases[][2] = {
        { "ABCD:EF:1f.7", "abcd:ef:1f.7" }, { "0123:45:06.0", "0123:45:06.0" },
        { "89:1A.3", "0000:89:1a.3" },      { "ffff:ff:1F.7", "ffff:ff:1f.7" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) err = NULL;
        g_assert_null(open_dump(dump_path("tree-fsl-p2020"), cases[i][0], &err));
        g_assert_error(err, XPT_ERROR, XPT_ERROR_NOT_FOUND);
        g_autofree char *want = g_strdup_printf("%s: no such device in dump ", cases[i][1]);
        g_assert_true(g_str_has_prefix(err->message, want));
    }
}

/* Freescale P2020: the TI xHCI in PCI domain 2. */
static void test_dump_tree_fsl_domain2(void)
{
    static const RegionText add[] = {
        { "0002:01:00.0 ",
          "\tRegion 0: Memory at c0000000 (64-bit, non-prefetchable) [size=64K]\n"
          "\tRegion 2: Memory at c0010000 (64-bit, non-prefetchable) [size=8K]\n" },
    };
    g_autofree char *file = dump_with_sizes(dump_path("tree-fsl-p2020"), add, 1);

    g_autoptr(XptHostPci) h = open_dump_ok(file, "0002:01:00.0");
    g_assert_cmpstr(xpt_host_pci_sbdf(h), ==, "0002:01:00.0");
    g_assert_cmpuint(xpt_host_pci_segment(h), ==, 2);
    g_assert_cmpuint(xpt_host_pci_bus(h), ==, 1);
    g_assert_cmphex(rd(h, 0x00, 4), ==, 0x8241104c);
    g_assert_cmphex(rd(h, 0x08, 4), ==, 0x0c033002);  /* xHCI class, rev 02 */
    assert_region(xpt_host_pci_bar(h, 0), 0xc0000000, 64 * K, XPT_HOST_REGION_MEM64);
    assert_region(xpt_host_pci_bar(h, 2), 0xc0010000, 8 * K, XPT_HOST_REGION_MEM64);
    g_assert_cmpint(xpt_host_pci_irq(h), ==, 0);  /* interrupt line 0xff */
    g_assert_cmphex(xpt_host_pci_find_cap(h, 0x05), ==, 0x48);
    g_assert_cmphex(xpt_host_pci_find_cap(h, 0x10), ==, 0x70);
    g_assert_cmphex(xpt_host_pci_find_cap(h, 0x11), ==, 0xc0);
    g_assert_cmphex(rd(h, 0xc4, 4) & 7, ==, 2);  /* MSI-X table in BAR2 */
    g_assert_cmpint(g_unlink(file), ==, 0);
}

/* Bridges, CardBus bridges and PCIe ports are refused. */
static void test_dump_refused(void)
{
    assert_open_fails(dump_path("PCI-X-bridges-and-domains"), "0001:00:02.0",
                      XPT_ERROR_UNSUPPORTED, "0001:00:02.0", "PCI bridge (header type 1)");
    assert_open_fails(dump_path("PCI-X-bridges-and-domains"), "0002:41:01.0",
                      XPT_ERROR_UNSUPPORTED, "0002:41:01.0", "bridge");
    assert_open_fails(dump_path("bridge-ctl-vga16"), "00:1c.0",
                      XPT_ERROR_UNSUPPORTED, "0000:00:1c.0", "pass through the devices");
    assert_open_fails(dump_path("tree-asus-p6t6"), "00:1e.0",
                      XPT_ERROR_UNSUPPORTED, "0000:00:1e.0", "header type 1");
    assert_open_fails(dump_path("tree-fujitsu-p8010"), "1c:03.0",
                      XPT_ERROR_UNSUPPORTED, "0000:1c:03.0", "CardBus");
    /* header type 0 but a PCIe root complex event collector (type 0xa) */
    assert_open_fails(dump_path("cap-rcec"), "6a:00.4",
                      XPT_ERROR_UNSUPPORTED, "0000:6a:00.4", "event collector");
}

/*
 * Issue 13 item 12: system bridges with a type-0 header (the host bridge 06/00, the LPC
 * bridge 06/01 of real trees) are refused; class 06/80 "other bridge" (used by endpoint
 * boards) is not.
 */
static void test_dump_system_bridges(void)
{
    /* (the X58's host bridge is a PCIe root port too: refused as that first) */
    assert_open_fails(dump_path("tree-asus-p6t6"), "00:00.0", XPT_ERROR_UNSUPPORTED,
                      "0000:00:00.0", "root port");
    assert_open_fails(dump_path("tree-asus-p6t6"), "00:1f.0", XPT_ERROR_UNSUPPORTED,
                      "0000:00:1f.0", "cannot pass through an ISA/LPC bridge (class 06/01)");
    assert_open_fails(dump_path("tree-fujitsu-p8010"), "00:00.0", XPT_ERROR_UNSUPPORTED,
                      "0000:00:00.0", "cannot pass through a host bridge (class 06/00)");
    assert_open_fails(dump_path("tree-fujitsu-p8010"), "00:1f.0", XPT_ERROR_UNSUPPORTED,
                      "0000:00:1f.0", "ISA/LPC bridge");
    assert_open_fails(dump_path("cap-ht"), "00:18.0", XPT_ERROR_UNSUPPORTED,
                      "0000:00:18.0", "host bridge");
    /* the 82576 with class 06/80 and 06/05 */
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(dump_path("cap-pcie-2"), &text, NULL, NULL));
    for (int other = 0; other < 2; other++) {
        g_autofree char *row0 = g_strdup("00: 86 80 c9 10 07 04 10 00 01 00 00 02");
        g_assert_nonnull(strstr(text, row0));
        g_autofree char *patched = g_strdup_printf("00: 86 80 c9 10 07 04 10 00 01 00 %s 06",
                                                   other ? "80" : "05");
        g_auto(GStrv) parts = g_strsplit(text, row0, 2);
        g_autofree char *copy = g_strjoinv(patched, parts);
        char *path = NULL;
        int fd = g_file_open_tmp("xpt-dump-XXXXXX", &path, NULL);
        g_assert_cmpint(fd, >=, 0);
        close(fd);
        g_assert_true(g_file_set_contents(path, copy, -1, NULL));
        if (other) {
            g_autoptr(XptHostPci) h = open_dump_ok(path, "01:00.0");
            g_assert_cmphex(rd(h, 0x0a, 2), ==, 0x0680);
        } else {
            assert_open_fails(path, "01:00.0", XPT_ERROR_UNSUPPORTED, "0000:01:00.0",
                              "a PCMCIA bridge (class 06/05)");
        }
        g_unlink(path);
        g_free(path);
    }
}

/*
 * Issue 13 item 9: a dump with a line longer than libpci's dump reader takes (fgets
 * into 256 bytes). The ICH7 SATA controller of cap-vc-and-rcl made an ICH9R in native
 * IDE mode (device 2920, prog-if 8f), with the header line the real `lspci -vv -nn`
 * (pciutils 3.9, pci.ids of Debian 12) prints for it: 255 characters. Every device of
 * the file opens exactly as it does from the original file; before, none did ("cannot
 * open dump ... line too long").
 */
static void test_dump_long_lines(void)
{
    static const char long_header[] =
        "00:1f.2 IDE interface [0101]: Intel Corporation 82801IR/IO/IH (ICH9R/DO/DH) 4 port "
        "SATA Controller [IDE mode] [8086:2920] (rev 02) (prog-if 8f [PCI native mode "
        "controller, supports both channels switched to ISA compatibility mode, supports "
        "bus mastering])";
    const char *orig = dump_path("cap-vc-and-rcl");
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(orig, &text, NULL, NULL));
    g_assert_cmpuint(strlen(long_header), >, 253);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_autoptr(GPtrArray) addrs = g_ptr_array_new_with_free_func(g_free);
    bool patched_header = false, patched_row = false;
    for (size_t i = 0; lines[i]; i++) {
        if (g_ascii_isxdigit(lines[i][0]) && lines[i][2] == ':' && lines[i][5] == '.' &&
            lines[i][7] == ' ') {
            g_ptr_array_add(addrs, g_strndup(lines[i], 7));
        }
        if (g_str_has_prefix(lines[i], "00:1f.2 IDE interface:")) {
            g_free(lines[i]);
            lines[i] = g_strdup(long_header);
            patched_header = true;
        } else if (patched_header && !patched_row &&
                   g_str_has_prefix(lines[i], "00: 86 80 c4 27 05 00 b8 02 02 80 01 01")) {
            memcpy(lines[i], "00: 86 80 20 29 05 00 b8 02 02 8f 01 01", 39);
            patched_row = true;
        }
    }
    g_assert_true(patched_header && patched_row);
    g_assert_cmpuint(addrs->len, >=, 10);
    g_autofree char *copy_text = g_strjoinv("\n", lines);
    char *copy = NULL;
    int fd = g_file_open_tmp("xpt-dump-XXXXXX", &copy, NULL);
    g_assert_cmpint(fd, >=, 0);
    close(fd);
    g_assert_true(g_file_set_contents(copy, copy_text, -1, NULL));

    for (guint i = 0; i < addrs->len; i++) {
        const char *a = g_ptr_array_index(addrs, i);
        g_autoptr(GError) e1 = NULL, e2 = NULL;
        g_autoptr(XptHostPci) h1 = open_dump(orig, a, &e1);
        g_autoptr(XptHostPci) h2 = open_dump(copy, a, &e2);
        if (g_test_verbose()) {
            g_printerr("  %s: %s\n", a, h2 ? "opens" : e2->message);
        }
        g_assert_true(!h1 == !h2);
        if (h1) {
            for (unsigned off = 0x10; off < 256; off += 4) {   /* all but IDs and class */
                g_assert_cmphex(rd(h1, off, 4), ==, rd(h2, off, 4));
            }
            g_assert_cmpint(xpt_host_pci_irq(h1), ==, xpt_host_pci_irq(h2));
            for (unsigned b = 0; b < 6; b++) {
                g_assert_cmphex(xpt_host_pci_bar(h1, b)->base, ==,
                                xpt_host_pci_bar(h2, b)->base);
                g_assert_cmphex(xpt_host_pci_bar(h1, b)->size, ==,
                                xpt_host_pci_bar(h2, b)->size);
            }
        } else {
            g_assert_cmpint(e1->code, ==, e2->code);
            g_assert_null(strstr(e2->message, "line too long"));
        }
    }
    g_autoptr(XptHostPci) ide = open_dump_ok(copy, "00:1f.2");
    g_assert_cmphex(rd(ide, 0x00, 4), ==, 0x29208086);
    g_assert_cmphex(rd(ide, 0x08, 4), ==, 0x01018f02);
    g_assert_cmphex(xpt_host_pci_bar(ide, 4)->base, ==, 0x60a0);
    g_assert_cmphex(xpt_host_pci_bar(ide, 4)->size, ==, 16);
    g_unlink(copy);
    g_free(copy);
}

/* Issue 13 item 11: a file that is no lspci dump at all is named as such. */
static void test_dump_not_a_dump(void)
{
    static const char passwd[] = "root:x:0:0:root:/root:/bin/bash\n"
                                 "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n";
    char *path = NULL;
    int fd = g_file_open_tmp("xpt-notdump-XXXXXX", &path, NULL);
    g_assert_cmpint(fd, >=, 0);
    close(fd);
    g_assert_true(g_file_set_contents(path, passwd, -1, NULL));
    assert_open_fails(path, "03:00.0", XPT_ERROR_INVALID, "0000:03:00.0",
                      "is not an lspci dump");
    g_assert_true(g_file_set_contents(path, "", 0, NULL));              /* empty */
    assert_open_fails(path, "03:00.0", XPT_ERROR_INVALID, "0000:03:00.0",
                      "is not an lspci dump");
    g_unlink(path);
    g_free(path);
    if (g_file_test("/etc/passwd", G_FILE_TEST_IS_REGULAR)) {
        assert_open_fails("/etc/passwd", "03:00.0", XPT_ERROR_INVALID, "0000:03:00.0",
                          "/etc/passwd is not an lspci dump");
    }
}

static const char *firecracker_devices(void);
static void copy_file(const char *src, const char *dst);

/*
 * Issue 13 item 11: what no toolstack can grant is refused at open naming the region,
 * the value and why, not as the grant's bare "Invalid argument" (nor, for an empty
 * resource file, as "MSI-X table in a BAR the device does not implement"). The
 * Firecracker virtio-net function's files, one edited per case.
 */
static void test_sysfs_ungrantable(void)
{
    static const struct {
        const char *file, *from, *to, *needle;
    } cases[] = {
        { "resource", NULL, "", "resource is empty" },
        { "resource", NULL, "\n\n", "resource is empty" },
        { "irq", NULL, "-5\n", "host IRQ -5" },
        /* the memory BAR's line flagged I/O (IORESOURCE_IO 0x100) */
        { "resource", "0x0000000000140204", "0x0000000000040101",
          "I/O BAR0 (ports 0x4000080000, 524288 ports) lies beyond the 64 KiB" },
        /* the 64-bit BAR moved to the top of the address space */
        { "resource", "0x0000004000080000 0x00000040000fffff",
          "0xfffffffffff80000 0xffffffffffffffff", "ends beyond the 52-bit" },
    };
    const char *sbdf = "0000:00:02.0";
    g_autofree char *src = g_build_filename(firecracker_devices(), sbdf, NULL);
    for (size_t c = 0; c < G_N_ELEMENTS(cases); c++) {
        g_autofree char *root = g_dir_make_tmp("xpt-sysfs-XXXXXX", NULL);
        g_autofree char *dir = g_build_filename(root, "bus", "pci", "devices", sbdf, NULL);
        g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
        g_autoptr(GDir) d = g_dir_open(src, 0, NULL);
        for (const char *n; (n = g_dir_read_name(d));) {
            g_autofree char *from = g_build_filename(src, n, NULL);
            g_autofree char *to = g_build_filename(dir, n, NULL);
            copy_file(from, to);
        }
        g_autofree char *path = g_build_filename(dir, cases[c].file, NULL);
        g_autofree char *text = NULL;
        g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
        g_autofree char *edited = NULL;
        if (cases[c].from) {
            g_auto(GStrv) parts = g_strsplit(text, cases[c].from, 2);
            g_assert_cmpuint(g_strv_length(parts), ==, 2);
            edited = g_strjoinv(cases[c].to, parts);
        } else {
            edited = g_strdup(cases[c].to);
        }
        g_assert_true(g_file_set_contents(path, edited, -1, NULL));
        XptHostOpenOptions o = { .hostaddr = sbdf, .sysfs_dir = root, .shadow = true };
        g_autoptr(GError) err = NULL;
        g_autoptr(XptHostPci) h = xpt_host_pci_open(&o, &err);
        g_assert_null(h);
        g_assert_error(err, XPT_ERROR, XPT_ERROR_INVALID);
        if (g_test_verbose()) {
            g_printerr("  %s\n", err->message);
        }
        g_assert_nonnull(strstr(err->message, sbdf));
        g_assert_nonnull(strstr(err->message, cases[c].needle));
        g_assert_null(strchr(err->message, '\n'));
        xpt_test_rmtree(root);
    }
}

static void test_dump_not_found(void)
{
    assert_open_fails(dump_path("cap-pcie-2"), "02:00.0", XPT_ERROR_NOT_FOUND,
                      "0000:02:00.0", "cap-pcie-2");
    assert_open_fails(dump_path("cap-pcie-2"), "0001:01:00.0", XPT_ERROR_NOT_FOUND,
                      "0001:01:00.0", NULL);
    assert_open_fails(dump_path("no-such-dump"), "01:00.0", XPT_ERROR_NOT_FOUND,
                      "0000:01:00.0", "no-such-dump");
}

static void test_hostaddr_malformed(void)
{
    static const char *const bad[] = {
        "zz:00.0", "00:20.0", "00:00.8", "", "0000:00:00.0.0", "0:0.0", "00:00",
        "00:00.0 ", "00000:00:00.0", "00-00.0", "0000:00:00:0", "g000:00:00.0",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;
        XptHostOpenOptions o = { .hostaddr = bad[i],
                                 .dump_file = dump_path("cap-pcie-2") };
        g_assert_null(xpt_host_pci_open(&o, &err));
        g_assert_error(err, XPT_ERROR, XPT_ERROR_INVALID);
        g_autofree char *quoted = g_strdup_printf("'%s'", bad[i]);
        g_assert_nonnull(strstr(err->message, quoted));
    }
    g_autoptr(GError) err = NULL;
    XptHostOpenOptions o = { .hostaddr = NULL, .dump_file = dump_path("cap-pcie-2") };
    g_assert_null(xpt_host_pci_open(&o, &err));
    g_assert_error(err, XPT_ERROR, XPT_ERROR_INVALID);

    /* upper-case hex and the highest device/function are fine */
    g_autoptr(XptHostPci) h = open_dump_ok(dump_path("cap-vendor-virtio"), "00:09.0");
    g_assert_cmphex(rd(h, 0, 4), ==, 0x10001af4);
    g_autoptr(GError) err2 = NULL;
    XptHostOpenOptions o2 = { .hostaddr = "0000:FF:1F.7",
                              .dump_file = dump_path("cap-pcie-2") };
    g_assert_null(xpt_host_pci_open(&o2, &err2));
    g_assert_error(err2, XPT_ERROR, XPT_ERROR_NOT_FOUND);
    g_assert_nonnull(strstr(err2->message, "0000:ff:1f.7"));
}

/* Shadow writes change the shadow only, are logged, and never touch the file. */
static void test_dump_shadow_writes(void)
{
    const char *file = dump_path("cap-pcie-2");
    g_autofree char *before = NULL, *after = NULL;
    gsize before_len, after_len;
    g_assert_true(g_file_get_contents(file, &before, &before_len, NULL));

    {
        g_autoptr(XptHostPci) h = open_dump_ok(file, "01:00.0");
        size_t n = 99;
        xpt_host_pci_writes(h, &n);
        g_assert_cmpuint(n, ==, 0);

        g_assert_cmphex(rd(h, 0x04, 2), ==, 0x0407);       /* I/O+ Mem+ Master+ DisINTx+ */
        wr(h, 0x04, 2, 0x0000);
        g_assert_cmphex(rd(h, 0x04, 2), ==, 0x0000);
        g_assert_cmphex(rd(h, 0x04, 4), ==, 0x00100000);   /* status untouched */
        wr(h, 0x3c, 1, 0x05);
        g_assert_cmphex(rd(h, 0x3c, 4), ==, 0x00000105);
        wr(h, 0x10, 4, 0xffffffff);                         /* BAR sizing probe */
        g_assert_cmphex(rd(h, 0x10, 4), ==, 0xffffffff);
        wr(h, 0x72, 2, 0x18009);                            /* value wider than len */
        g_assert_cmphex(rd(h, 0x72, 2), ==, 0x8009);
        wr(h, 0x300, 4, 0x12345678);                        /* extended space */
        g_assert_cmphex(rd(h, 0x300, 4), ==, 0x12345678);
        /* BARs as opened are unchanged by shadow writes */
        assert_region(xpt_host_pci_bar(h, 0), 0xe0800000, 128 * K, 0);

        const XptHostWrite *w = xpt_host_pci_writes(h, &n);
        g_assert_cmpuint(n, ==, 5);
        g_assert_cmpuint(w[0].offset, ==, 0x04);
        g_assert_cmpuint(w[0].len, ==, 2);
        g_assert_cmphex(w[0].value, ==, 0);
        g_assert_cmpuint(w[1].offset, ==, 0x3c);
        g_assert_cmpuint(w[1].len, ==, 1);
        g_assert_cmphex(w[1].value, ==, 5);
        g_assert_cmphex(w[2].value, ==, 0xffffffff);
        g_assert_cmphex(w[3].value, ==, 0x8009);
        g_assert_cmpuint(w[4].offset, ==, 0x300);
        g_assert_cmpuint(w[4].len, ==, 4);
    }
    {   /* a second open sees the fixture's values again */
        g_autoptr(XptHostPci) h = open_dump_ok(file, "01:00.0");
        g_assert_cmphex(rd(h, 0x04, 2), ==, 0x0407);
    }
    g_assert_true(g_file_get_contents(file, &after, &after_len, NULL));
    g_assert_cmpmem(before, before_len, after, after_len);
}

static void test_access_invalid(void)
{
    g_autoptr(XptHostPci) h = open_dump_ok(dump_path("cap-pcie-2"), "01:00.0");
    static const struct { unsigned off, len; } bad[] = {
        { 0x00, 3 }, { 0x01, 2 }, { 0x02, 4 }, { 0x1000, 1 }, { 0xffe, 4 }, { 0, 0 },
        { 0x04, 8 },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL, werr = NULL;
        uint32_t v = 0;
        g_assert_false(xpt_host_pci_read(h, bad[i].off, bad[i].len, &v, &err));
        g_assert_error(err, XPT_ERROR, XPT_ERROR_INVALID);
        g_assert_nonnull(strstr(err->message, "0000:01:00.0"));
        g_assert_cmphex(v, ==, 0xffffffff);
        g_assert_false(xpt_host_pci_write(h, bad[i].off, bad[i].len, 0, &werr));
        g_assert_error(werr, XPT_ERROR, XPT_ERROR_INVALID);
    }
    size_t n;
    xpt_host_pci_writes(h, &n);
    g_assert_cmpuint(n, ==, 0);   /* rejected writes are not host writes */
    g_assert_cmphex(rd(h, 0xffc, 4), ==, 0);
}

/* A corrupted capability list that loops: the walk terminates. */
static void test_find_cap_loop(void)
{
    g_autoptr(XptHostPci) h = open_dump_ok(dump_path("cap-pcie-2"), "01:00.0");

    wr(h, 0xa1, 1, 0x40);         /* PCIe cap (last) now points back to PM at 0x40 */
    g_assert_cmphex(xpt_host_pci_find_cap(h, 0x10), ==, 0xa0);
    g_assert_cmphex(xpt_host_pci_find_cap(h, 0x09), ==, 0);
    wr(h, 0x41, 1, 0x20);         /* PM points below 0x40: list ends there */
    g_assert_cmphex(xpt_host_pci_find_cap(h, 0x05), ==, 0);
    g_assert_cmphex(xpt_host_pci_find_cap(h, 0x01), ==, 0x40);
    wr(h, 0x06, 2, 0x0000);       /* status without Cap+: no list at all */
    g_assert_cmphex(xpt_host_pci_find_cap(h, 0x01), ==, 0);
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

static const char *firecracker_devices(void)
{
    return xpt_test_fixture("sysfs-firecracker/devices");
}

/* The Firecracker sysfs copy through libpci's sysfs method, read-only shadow. */
static void test_sysfs_fixture(void)
{
    g_autofree char *root = xpt_test_make_sysfs_tree(firecracker_devices());
    XptHostOpenOptions o = { .hostaddr = "0000:00:01.0", .sysfs_dir = root,
                             .shadow = true };
    g_autoptr(GError) err = NULL;
    g_autofree char *devfile = g_build_filename(firecracker_devices(), "0000:00:01.0",
                                                "device", NULL);
    g_autofree char *devtext = NULL;
    g_assert_true(g_file_get_contents(devfile, &devtext, NULL, NULL));

    {
        g_autoptr(XptHostPci) h = xpt_host_pci_open(&o, &err);
        g_assert_no_error(err);
        g_assert_cmpint(xpt_host_pci_backend(h), ==, XPT_HOST_BACKEND_SYSFS);
        g_assert_true(xpt_host_pci_is_shadow(h));
        g_assert_cmpuint(xpt_host_pci_config_size(h), ==, 256);
        g_assert_cmphex(rd(h, 0x00, 2), ==, 0x1af4);
        g_assert_cmphex(rd(h, 0x02, 2), ==, 0x1045);   /* virtio balloon */
        g_assert_cmphex(rd(h, 0x02, 2), ==, g_ascii_strtoull(devtext, NULL, 16));
        assert_region(xpt_host_pci_bar(h, 0), 0x4000000000ull, 0x80000,
                      XPT_HOST_REGION_MEM64);
        for (unsigned i = 1; i < 6; i++) {
            assert_region(xpt_host_pci_bar(h, i), 0, 0, 0);
        }
        assert_region(xpt_host_pci_rom(h), 0, 0, 0);
        g_assert_cmpint(xpt_host_pci_irq(h), ==, 0);
        g_assert_cmphex(xpt_host_pci_find_cap(h, 0x09), ==, 0x40); /* virtio vendor */
        unsigned msix = xpt_host_pci_find_cap(h, 0x11);
        g_assert_cmphex(msix, ==, 0x98);
        g_assert_cmphex((rd(h, msix + 2, 2) & 0x7ff) + 1, ==, 5);

        /* shadow: writes stay in memory */
        wr(h, 0x04, 2, 0x0006);
        g_assert_cmphex(rd(h, 0x04, 2), ==, 0x0006);
        size_t n;
        xpt_host_pci_writes(h, &n);
        g_assert_cmpuint(n, ==, 1);

        size_t len;
        g_assert_null(xpt_host_pci_read_rom(h, &len, &err));
        g_assert_error(err, XPT_ERROR, XPT_ERROR_NOT_FOUND);
        g_clear_error(&err);
    }
    {   /* each Firecracker virtio device: 512 KiB 64-bit BAR above 4 GiB */
        static const struct { const char *sbdf; uint16_t id; uint64_t base; } devs[] = {
            { "0000:00:02.0", 0x1042, 0x4000080000ull },   /* block */
            { "0000:00:03.0", 0x1041, 0x4000100000ull },   /* net */
            { "0000:00:04.0", 0x1053, 0x4000180000ull },   /* vsock */
            { "0000:00:05.0", 0x1044, 0x4000200000ull },   /* rng */
        };
        for (size_t i = 0; i < G_N_ELEMENTS(devs); i++) {
            XptHostOpenOptions oi = { .hostaddr = devs[i].sbdf, .sysfs_dir = root,
                                      .shadow = true };
            g_autoptr(XptHostPci) h = xpt_host_pci_open(&oi, &err);
            g_assert_no_error(err);
            g_assert_cmphex(rd(h, 0x02, 2), ==, devs[i].id);
            assert_region(xpt_host_pci_bar(h, 0), devs[i].base, 0x80000,
                          XPT_HOST_REGION_MEM64);
            g_assert_cmpint(xpt_host_pci_irq(h), ==, 0);
            g_assert_cmphex(xpt_host_pci_find_cap(h, 0x11), !=, 0);
        }
    }
    {   /* no such device in the tree */
        XptHostOpenOptions ob = { .hostaddr = "00:07.0", .sysfs_dir = root,
                                  .shadow = true };
        g_assert_null(xpt_host_pci_open(&ob, &err));
        g_assert_error(err, XPT_ERROR, XPT_ERROR_NOT_FOUND);
        g_assert_nonnull(strstr(err->message, "0000:00:07.0"));
        g_clear_error(&err);
    }
    {
        g_autofree char *missing = g_build_filename(root, "nope", NULL);
        XptHostOpenOptions om = { .hostaddr = "00:01.0", .sysfs_dir = missing,
                                  .shadow = true };
        g_assert_null(xpt_host_pci_open(&om, &err));
        g_assert_error(err, XPT_ERROR, XPT_ERROR_NOT_FOUND);
        g_assert_nonnull(strstr(err->message, missing));
        g_clear_error(&err);
    }
    xpt_test_rmtree(root);
    g_assert_false(g_file_test(root, G_FILE_TEST_EXISTS));
    g_assert_true(g_file_test(devfile, G_FILE_TEST_EXISTS));  /* link target intact */
}

static void copy_file(const char *src, const char *dst)
{
    g_autofree char *data = NULL;
    gsize len;
    g_autoptr(GError) err = NULL;
    g_assert_true(g_file_get_contents(src, &data, &len, &err));
    g_assert_true(g_file_set_contents(dst, data, (gssize)len, &err));
    g_assert_no_error(err);
}

/*
 * Non-shadow mode on a private copy of one fixture device: reads and writes go
 * through libpci to the copy's config file.
 */
static void test_sysfs_copy_passthrough_writes(void)
{
    static const char *const files[] = {
        "config", "resource", "irq", "vendor", "device", "class", "revision",
        "subsystem_vendor", "subsystem_device",
    };
    g_autoptr(GError) err = NULL;
    g_autofree char *root = g_dir_make_tmp("xpt-sysfs-copy-XXXXXX", &err);
    g_autofree char *devdir = g_build_filename(root, "bus", "pci", "devices",
                                               "0000:00:01.0", NULL);
    g_assert_cmpint(g_mkdir_with_parents(devdir, 0755), ==, 0);
    for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
        g_autofree char *src = g_build_filename(firecracker_devices(), "0000:00:01.0",
                                                files[i], NULL);
        g_autofree char *dst = g_build_filename(devdir, files[i], NULL);
        copy_file(src, dst);
    }
    g_autofree char *config = g_build_filename(devdir, "config", NULL);

    {
        XptHostOpenOptions o = { .hostaddr = "0000:00:01.0", .sysfs_dir = root };
        g_autoptr(XptHostPci) h = xpt_host_pci_open(&o, &err);
        g_assert_no_error(err);
        g_assert_false(xpt_host_pci_is_shadow(h));
        g_assert_cmphex(rd(h, 0x00, 4), ==, 0x10451af4);
        wr(h, 0x04, 2, 0x0406);
        wr(h, 0x3c, 1, 0x0a);
        g_assert_cmphex(rd(h, 0x04, 2), ==, 0x0406);
        g_assert_cmphex(rd(h, 0x3c, 1), ==, 0x0a);
        g_assert_cmphex(rd(h, 0x200, 4), ==, 0xffffffff);  /* beyond 256 bytes */

        g_autofree char *data = NULL;
        gsize len;
        g_assert_true(g_file_get_contents(config, &data, &len, NULL));
        g_assert_cmpuint(len, ==, 256);
        g_assert_cmphex((uint8_t)data[4], ==, 0x06);
        g_assert_cmphex((uint8_t)data[5], ==, 0x04);
        g_assert_cmphex((uint8_t)data[0x3c], ==, 0x0a);

        /* the config file shrank under us: reads fail with XPT_ERROR_IO, all-ones */
        uint32_t v = 0;
        g_assert_cmpint(truncate(config, 0), ==, 0);
        g_assert_false(xpt_host_pci_read(h, 0x00, 4, &v, &err));
        g_assert_error(err, XPT_ERROR, XPT_ERROR_IO);
        g_assert_nonnull(strstr(err->message, "0000:00:01.0"));
        g_assert_cmphex(v, ==, 0xffffffff);
        g_clear_error(&err);

        size_t romlen = 1;
        g_assert_null(xpt_host_pci_read_rom(h, &romlen, &err));  /* no ROM resource */
        g_assert_error(err, XPT_ERROR, XPT_ERROR_NOT_FOUND);
        g_clear_error(&err);
    }
    {   /* a ROM: resource line 6 and a "rom" file (a plain file standing in for sysfs) */
        g_autofree char *res = g_build_filename(devdir, "resource", NULL);
        g_autofree char *rom = g_build_filename(devdir, "rom", NULL);
        g_autofree char *text = NULL;
        g_autofree char *src = g_build_filename(firecracker_devices(), "0000:00:01.0",
                                                "config", NULL);
        copy_file(src, config);                  /* truncated above */
        g_assert_true(g_file_get_contents(res, &text, NULL, NULL));
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
        g_assert_cmpuint(g_strv_length(lines), >=, 7);
        g_free(lines[6]);
        lines[6] = g_strdup("0x00000000fe000000 0x00000000fe0007ff 0x0000000000046200");
        g_autofree char *newtext = g_strjoinv("\n", lines);
        g_assert_true(g_file_set_contents(res, newtext, -1, NULL));
        uint8_t image[2048];
        for (size_t i = 0; i < sizeof(image); i++) {
            image[i] = (uint8_t)(i * 7);
        }
        image[0] = 0x55;
        image[1] = 0xaa;
        g_assert_true(g_file_set_contents(rom, (const char *)image, sizeof(image), NULL));

        XptHostOpenOptions o = { .hostaddr = "0000:00:01.0", .sysfs_dir = root };
        g_autoptr(XptHostPci) h = xpt_host_pci_open(&o, &err);
        g_assert_no_error(err);
        assert_region(xpt_host_pci_rom(h), 0xfe000000, 2048, 0);
        size_t len = 0;
        g_autofree uint8_t *data = xpt_host_pci_read_rom(h, &len, &err);
        g_assert_no_error(err);
        g_assert_cmpuint(len, ==, sizeof(image));
        g_assert_cmphex(data[0], ==, '1');      /* read while enabled with "1" */
        g_assert_cmpmem(data + 1, len - 1, image + 1, sizeof(image) - 1);
        g_autofree char *after = NULL;
        g_assert_true(g_file_get_contents(rom, &after, NULL, NULL));
        g_assert_cmphex(after[0], ==, '0');     /* disabled again with "0" */

        XptHostOpenOptions os = { .hostaddr = "0000:00:01.0", .sysfs_dir = root,
                                  .shadow = true };
        g_autoptr(XptHostPci) hs = xpt_host_pci_open(&os, &err);
        g_assert_no_error(err);
        g_assert_null(xpt_host_pci_read_rom(hs, &len, &err));  /* never in shadow */
        g_assert_error(err, XPT_ERROR, XPT_ERROR_NOT_FOUND);
        g_clear_error(&err);
    }
    {   /* a device folder without libpci's mandatory files: an error, no exit() */
        g_autofree char *bad = g_build_filename(root, "bus", "pci", "devices",
                                                "0000:00:06.0", NULL);
        g_assert_cmpint(g_mkdir_with_parents(bad, 0755), ==, 0);
        XptHostOpenOptions o = { .hostaddr = "0000:00:06.0", .sysfs_dir = root,
                                 .shadow = true };
        g_assert_null(xpt_host_pci_open(&o, &err));
        g_assert_nonnull(err);
        g_assert_error(err, XPT_ERROR, XPT_ERROR_NOT_FOUND);
        g_assert_nonnull(strstr(err->message, "0000:00:06.0"));
        if (g_test_verbose()) {
            g_printerr("  %s\n", err->message);
        }
        g_clear_error(&err);
    }
    xpt_test_rmtree(root);
}

/* This machine's own /sys, read-only (shadow): config read once, never written. */
static void test_real_sysfs(void)
{
    const char *dev = "/sys/bus/pci/devices/0000:00:01.0";
    g_autofree char *vendor_file = g_build_filename(dev, "vendor", NULL);
    g_autofree char *vendor_text = NULL;

    if (!g_file_get_contents(vendor_file, &vendor_text, NULL, NULL)) {
        g_test_skip("no /sys/bus/pci/devices/0000:00:01.0 on this machine");
        return;
    }
    XptHostOpenOptions o = { .hostaddr = "0000:00:01.0", .shadow = true };
    g_autoptr(GError) err = NULL;
    g_autoptr(XptHostPci) h = xpt_host_pci_open(&o, &err);
    if (err && err->code == XPT_ERROR_UNSUPPORTED) {
        g_test_skip(err->message);
        return;
    }
    g_assert_no_error(err);
    g_assert_cmpint(xpt_host_pci_backend(h), ==, XPT_HOST_BACKEND_SYSFS);
    g_assert_true(xpt_host_pci_is_shadow(h));
    g_assert_cmpuint(xpt_host_pci_config_size(h), >=, 64);
    g_assert_cmphex(rd(h, 0x00, 2), ==, g_ascii_strtoull(vendor_text, NULL, 16));

    uint32_t cmd = rd(h, 0x04, 2);
    wr(h, 0x04, 2, 0);
    g_assert_cmphex(rd(h, 0x04, 2), ==, 0);
    g_autoptr(XptHostPci) again = xpt_host_pci_open(&o, &err);
    g_assert_no_error(err);
    g_assert_cmphex(rd(again, 0x04, 2), ==, cmd);  /* the device was not written */
}

/* The 82576's block of pciutils-tests/cap-pcie-2 (01:00.0) repeated on buses 01..@n:
 * a dump of a machine with @n such NICs, derived at run time from the real one. */
static char *nic_dump_text(int n)
{
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(dump_path("cap-pcie-2"), &text, NULL, NULL));
    g_autoptr(GString) out = g_string_new(NULL);
    for (int bus = 1; bus <= n; bus++) {
        g_autofree char *hdr = g_strdup_printf("%02x:00.0 ", bus);
        g_string_append(out, hdr);
        g_string_append(out, text + strlen("01:00.0 "));
        g_string_append_c(out, '\n');
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}

/*
 * Issue 15: the devices of one dump cost one parse of it, not one each; and the dump is
 * read afresh at each attach, so a dump that changed between two attaches (edited in
 * place, or another file moved over its path) is parsed again and the new attach sees
 * it, while devices opened before keep what they read.
 */
static void test_dump_source_once(void)
{
    g_autofree char *dir = xpt_qts_tmpdir();
    g_autofree char *file = g_build_filename(dir, "nics.dump", NULL);
    g_autofree char *text = nic_dump_text(3);
    g_assert_true(g_file_set_contents(file, text, -1, NULL));

    unsigned p0 = xpt_dump_source_parses();
    g_autoptr(XptHostPci) a = open_dump_ok(file, "0000:01:00.0");
    g_autoptr(XptHostPci) b = open_dump_ok(file, "0000:02:00.0");
    g_autoptr(XptHostPci) c = open_dump_ok(file, "0000:03:00.0");
    g_assert_cmpuint(xpt_dump_source_parses() - p0, ==, 1);
    g_assert_cmphex(rd(c, 0x00, 4), ==, 0x10c98086);
    assert_region(xpt_host_pci_bar(c, 3), 0xe0840000, 16 * K, 0);
    g_assert_cmpstr(xpt_host_pci_sbdf(c), ==, "0000:03:00.0");
    /* a device the dump does not have: the parsed dump answers, no new parse */
    g_autoptr(GError) err = NULL;
    g_assert_null(open_dump(file, "0000:04:00.0", &err));
    g_assert_error(err, XPT_ERROR, XPT_ERROR_NOT_FOUND);
    g_clear_error(&err);
    g_assert_cmpuint(xpt_dump_source_parses() - p0, ==, 1);

    /* edited in place: device ID 10c9 → 10ca and BAR3 32K in the first block */
    g_autofree char *e1 = g_strdup(text);
    char *row = strstr(e1, "00: 86 80 c9 10");
    g_assert_nonnull(row);
    memcpy(row, "00: 86 80 ca 10", strlen("00: 86 80 ca 10"));
    g_autoptr(GString) e2 = g_string_new(e1);
    g_string_replace(e2, "non-prefetchable) [size=16K]", "non-prefetchable) [size=32K]", 1);
    g_assert_true(g_file_set_contents(file, e2->str, -1, NULL));
    g_autoptr(XptHostPci) a2 = open_dump_ok(file, "0000:01:00.0");
    g_assert_cmpuint(xpt_dump_source_parses() - p0, ==, 2);
    g_assert_cmphex(rd(a2, 0x00, 4), ==, 0x10ca8086);
    assert_region(xpt_host_pci_bar(a2, 3), 0xe0840000, 32 * K, 0);
    g_assert_cmphex(rd(a, 0x00, 4), ==, 0x10c98086);           /* opened before: as read */
    assert_region(xpt_host_pci_bar(a, 3), 0xe0840000, 16 * K, 0);
    g_autoptr(XptHostPci) b2 = open_dump_ok(file, "0000:02:00.0"); /* unchanged: cached */
    g_assert_cmpuint(xpt_dump_source_parses() - p0, ==, 2);

    /* another file moved over the path, with the original text again */
    g_autofree char *other = g_build_filename(dir, "other.dump", NULL);
    g_assert_true(g_file_set_contents(other, text, -1, NULL));
    g_assert_cmpint(g_rename(other, file), ==, 0);
    g_autoptr(XptHostPci) a3 = open_dump_ok(file, "0000:01:00.0");
    g_assert_cmpuint(xpt_dump_source_parses() - p0, ==, 3);
    g_assert_cmphex(rd(a3, 0x00, 4), ==, 0x10c98086);

    /* a path that no longer names a dump fails at once, as before any cache */
    g_assert_cmpint(g_unlink(file), ==, 0);
    g_assert_null(open_dump(file, "0000:01:00.0", &err));
    g_assert_error(err, XPT_ERROR, XPT_ERROR_NOT_FOUND);
    xpt_dump_source_cache_clear();
    xpt_test_rmtree(dir);
}

/* Copy the regular files @files[0..n) of directory @src into directory @dst. */
static void copy_files(const char *src, const char *dst, const char *const *files, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        g_autofree char *from = g_build_filename(src, files[i], NULL);
        g_autofree char *to = g_build_filename(dst, files[i], NULL);
        g_autofree char *data = NULL;
        gsize len;
        g_assert_true(g_file_get_contents(from, &data, &len, NULL));
        g_assert_true(g_file_set_contents(to, data, (gssize)len, NULL));
    }
}

/*
 * Issue 15, sysfs backend: a device is opened from its own folder without scanning the
 * tree, and nothing about it is kept between attaches: a folder added after a first
 * attach is found, and config space or resources changed on disk are read anew.
 */
static void test_sysfs_fresh(void)
{
    g_autofree char *root = xpt_qts_tmpdir();
    g_autofree char *devs = g_build_filename(root, "bus", "pci", "devices", NULL);
    const char *src = xpt_test_fixture("sysfs-firecracker/devices/0000:00:02.0");
    static const char *const files[] = { "config", "resource", "irq", "vendor", "device",
                                         "class", "revision", "subsystem_vendor",
                                         "subsystem_device" };
    g_assert_cmpint(g_mkdir_with_parents(devs, 0755), ==, 0);
    for (int n = 1; n <= 2; n++) {
        g_autofree char *sbdf = g_strdup_printf("0000:%02x:00.0", n);
        g_autofree char *d = g_build_filename(devs, sbdf, NULL);
        XptHostOpenOptions o = { .hostaddr = sbdf, .sysfs_dir = root, .shadow = true };
        g_autoptr(GError) err = NULL;

        g_assert_null(xpt_host_pci_open(&o, &err));      /* not there yet */
        g_assert_error(err, XPT_ERROR, XPT_ERROR_NOT_FOUND);
        g_assert_nonnull(strstr(err->message, "no such device"));
        g_clear_error(&err);
        g_assert_cmpint(g_mkdir_with_parents(d, 0755), ==, 0);
        copy_files(src, d, files, G_N_ELEMENTS(files));
        g_autoptr(XptHostPci) h = xpt_host_pci_open(&o, &err);
        g_assert_no_error(err);
        g_assert_cmphex(rd(h, 0x02, 2), ==, 0x1042);
        assert_region(xpt_host_pci_bar(h, 0), 0x4000080000ull, 0x80000, XPT_HOST_REGION_MEM64);

        /* the host changes the device: subsystem ID in config space, BAR moved */
        g_autofree char *cfg_path = g_build_filename(d, "config", NULL);
        g_autofree char *res_path = g_build_filename(d, "resource", NULL);
        g_autofree char *cfg = NULL, *res = NULL;
        gsize cfg_len;
        g_assert_true(g_file_get_contents(cfg_path, &cfg, &cfg_len, NULL));
        cfg[0x2e] = 0x34;
        cfg[0x2f] = 0x12;
        g_assert_true(g_file_set_contents(cfg_path, cfg, (gssize)cfg_len, NULL));
        g_assert_true(g_file_get_contents(res_path, &res, NULL, NULL));
        g_autoptr(GString) r2 = g_string_new(res);
        g_assert_cmpuint(g_string_replace(r2, "0x0000004000080000 0x00000040000fffff",
                                          "0x0000004000100000 0x000000400017ffff", 1), ==, 1);
        g_assert_true(g_file_set_contents(res_path, r2->str, -1, NULL));
        g_autoptr(XptHostPci) h2 = xpt_host_pci_open(&o, &err);
        g_assert_no_error(err);
        g_assert_cmphex(rd(h2, 0x2e, 2), ==, 0x1234);
        assert_region(xpt_host_pci_bar(h2, 0), 0x4000100000ull, 0x80000,
                      XPT_HOST_REGION_MEM64);
        g_assert_cmphex(rd(h, 0x2e, 2), !=, 0x1234);          /* the shadow read at open */
    }
    xpt_test_rmtree(root);
}

/*
 * Issue 15, sysfs backend: libpci is asked only for what the device model uses (IRQ,
 * BARs, ROM, sizes and resource flags; identity, class and capabilities come from the
 * config space it reads itself), so a device folder holding just "config", "resource"
 * and "irq" opens, with the same identity and BAR as the full folder. Asking libpci
 * for PCI_FILL_IDENT/CLASS made it open "vendor", "device" and "class" for nothing
 * (and fail without them); PCI_FILL_CAPS/EXT_CAPS made it walk the capability lists
 * through the config file.
 */
static void test_sysfs_files_read(void)
{
    g_autofree char *root = xpt_qts_tmpdir();
    g_autofree char *d = g_build_filename(root, "bus", "pci", "devices", "0000:01:00.0",
                                          NULL);
    const char *src = xpt_test_fixture("sysfs-firecracker/devices/0000:00:02.0");
    static const char *const files[] = { "config", "resource", "irq" };

    g_assert_cmpint(g_mkdir_with_parents(d, 0755), ==, 0);
    copy_files(src, d, files, G_N_ELEMENTS(files));
    XptHostOpenOptions o = { .hostaddr = "0000:01:00.0", .sysfs_dir = root, .shadow = true };
    g_autoptr(GError) err = NULL;
    g_autoptr(XptHostPci) h = xpt_host_pci_open(&o, &err);
    g_assert_no_error(err);
    g_assert_cmphex(rd(h, 0x00, 2), ==, 0x1af4);
    g_assert_cmphex(rd(h, 0x02, 2), ==, 0x1042);
    assert_region(xpt_host_pci_bar(h, 0), 0x4000080000ull, 0x80000, XPT_HOST_REGION_MEM64);
    g_assert_cmphex(xpt_host_pci_find_cap(h, 0x11), !=, 0);    /* MSI-X, walked by us */
    xpt_test_rmtree(root);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/host/dump/82576", test_dump_82576);
    g_test_add_func("/host/sbdf-text", test_sbdf_text);
    g_test_add_func("/host/sysfs/files-read", test_sysfs_files_read);
    g_test_add_func("/host/dump/nvme-64bit", test_dump_nvme_64bit);
    g_test_add_func("/host/dump/rc-integrated-endpoint", test_dump_rc_integrated_endpoint);
    g_test_add_func("/host/dump/tree-without-sizes", test_dump_tree_without_sizes);
    g_test_add_func("/host/dump/tree-asus-selected", test_dump_tree_asus_selected);
    g_test_add_func("/host/dump/tree-fsl-domain2", test_dump_tree_fsl_domain2);
    g_test_add_func("/host/dump/refused", test_dump_refused);
    g_test_add_func("/host/dump/system-bridges", test_dump_system_bridges);
    g_test_add_func("/host/dump/long-lines", test_dump_long_lines);
    g_test_add_func("/host/dump/not-a-dump", test_dump_not_a_dump);
    g_test_add_func("/host/dump/not-found", test_dump_not_found);
    g_test_add_func("/host/sysfs/ungrantable", test_sysfs_ungrantable);
    g_test_add_func("/host/dump/shadow-writes", test_dump_shadow_writes);
    g_test_add_func("/host/dump/parse-size", test_dump_parse_size);
    g_test_add_func("/host/dump/sizes-scoping", test_dump_sizes_scoping);
    g_test_add_func("/host/hostaddr-malformed", test_hostaddr_malformed);
    g_test_add_func("/host/access-invalid", test_access_invalid);
    g_test_add_func("/host/find-cap-loop", test_find_cap_loop);
    g_test_add_func("/host/sysfs/fixture", test_sysfs_fixture);
    g_test_add_func("/host/sysfs/copy-writes", test_sysfs_copy_passthrough_writes);
    g_test_add_func("/host/sysfs/real", test_real_sysfs);
    g_test_add_func("/host/dump/source-once", test_dump_source_once);
    g_test_add_func("/host/sysfs/fresh", test_sysfs_fresh);
    return g_test_run();
}
