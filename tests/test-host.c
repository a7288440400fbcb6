/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Host PCI device tests: hw/host/host-pci.c and host-dump.c against pciutils' real lspci
 * dumps: identity, regions and capabilities, refused devices, hostile and broken dumps,
 * shadow writes, bad arguments, one parse per dump. Region sizes of dumps are in
 * test-host-sizes.c, the sysfs backend in test-host-sysfs.c; shared helpers in
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

/* Intel 82576 NIC: four BARs incl. I/O, a ROM, 4096 bytes of config space. */
static void test_dump_82576(void)
{
    g_autoptr(XptHostPci) h = ht_open_dump_ok(ht_dump_path("cap-pcie-2"), "01:00.0");

    g_assert_cmpstr(xpt_host_pci_sbdf(h), ==, "0000:01:00.0");
    g_assert_cmpuint(xpt_host_pci_segment(h), ==, 0);
    g_assert_cmpuint(xpt_host_pci_bus(h), ==, 1);
    g_assert_cmpuint(xpt_host_pci_devfn(h), ==, 0);
    g_assert_cmpint(xpt_host_pci_backend(h), ==, XPT_HOST_BACKEND_DUMP);
    g_assert_true(xpt_host_pci_is_shadow(h));
    g_assert_cmpuint(xpt_host_pci_config_size(h), ==, 4096);

    g_assert_cmphex(ht_rd(h, 0x00, 2), ==, 0x8086);
    g_assert_cmphex(ht_rd(h, 0x02, 2), ==, 0x10c9);
    g_assert_cmphex(ht_rd(h, 0x00, 4), ==, 0x10c98086);
    g_assert_cmphex(ht_rd(h, 0x08, 1), ==, 0x01);        /* revision */
    g_assert_cmphex(ht_rd(h, 0x2e, 2), ==, 0xa03c);      /* subsystem id */
    g_assert_cmphex(ht_rd(h, 0x100, 4), ==, 0x14010001); /* AER header, extended space */
    g_assert_cmphex(ht_rd(h, 0x160, 2), ==, 0x0010);     /* SR-IOV capability id */

    ht_assert_region(xpt_host_pci_bar(h, 0), 0xe0800000, 128 * K, 0);
    ht_assert_region(xpt_host_pci_bar(h, 1), 0xe0000000, 4 * M, 0);
    ht_assert_region(xpt_host_pci_bar(h, 2), 0x1020, 32, XPT_HOST_REGION_IO);
    ht_assert_region(xpt_host_pci_bar(h, 3), 0xe0840000, 16 * K, 0);
    ht_assert_region(xpt_host_pci_bar(h, 4), 0, 0, 0);
    ht_assert_region(xpt_host_pci_bar(h, 5), 0, 0, 0);
    ht_assert_region(xpt_host_pci_bar(h, 6), 0, 0, 0);   /* out of range: empty */
    ht_assert_region(xpt_host_pci_rom(h), 0xc7800000, 4 * M, 0);
    g_assert_cmpint(xpt_host_pci_irq(h), ==, 0x0b);   /* interrupt line of the dump */

    g_assert_cmphex(xpt_host_pci_find_cap(h, 0x01), ==, 0x40); /* PM */
    g_assert_cmphex(xpt_host_pci_find_cap(h, 0x05), ==, 0x50); /* MSI */
    g_assert_cmphex(xpt_host_pci_find_cap(h, 0x11), ==, 0x70); /* MSI-X */
    g_assert_cmphex(xpt_host_pci_find_cap(h, 0x10), ==, 0xa0); /* PCIe */
    g_assert_cmphex(xpt_host_pci_find_cap(h, 0x09), ==, 0);    /* no vendor cap */
    /* MSI-X: 10 vectors, table in BAR3 offset 0, PBA in BAR3 offset 0x2000 */
    g_assert_cmphex(ht_rd(h, 0x72, 2) & 0x7ff, ==, 9);
    g_assert_cmphex(ht_rd(h, 0x74, 4), ==, 0x00000003);
    g_assert_cmphex(ht_rd(h, 0x78, 4), ==, 0x00002003);

    g_autoptr(GError) err = NULL;
    size_t len = 1;
    g_assert_null(xpt_host_pci_read_rom(h, &len, &err));
    g_assert_error(err, XPT_ERROR, XPT_ERROR_NOT_FOUND);
    g_assert_cmpuint(len, ==, 0);
}

/* Samsung NVMe: a 64-bit BAR0 whose size only the -vv text tells. */
static void test_dump_nvme_64bit(void)
{
    g_autoptr(XptHostPci) h = ht_open_dump_ok(ht_dump_path("cap-phy32"), "0000:2e:00.0");

    g_assert_cmphex(ht_rd(h, 0x00, 4), ==, 0xa826144d);
    ht_assert_region(xpt_host_pci_bar(h, 0), 0x88400000, 32 * K, XPT_HOST_REGION_MEM64);
    ht_assert_region(xpt_host_pci_bar(h, 1), 0, 0, 0);  /* upper half of BAR0 */
    for (unsigned i = 2; i < 6; i++) {
        ht_assert_region(xpt_host_pci_bar(h, i), 0, 0, 0);
    }
    ht_assert_region(xpt_host_pci_rom(h), 0, 0, 0);
    g_assert_cmpint(xpt_host_pci_irq(h), ==, 0);  /* interrupt line 0xff: none */
    g_assert_cmpuint(xpt_host_pci_config_size(h), ==, 4096);
    g_assert_cmphex(xpt_host_pci_find_cap(h, 0x10), ==, 0x70);
    g_assert_cmphex(xpt_host_pci_find_cap(h, 0x11), ==, 0xb0);
    /* MSI-X: 129 vectors, table BAR0+0x4000, PBA BAR0+0x3000 */
    g_assert_cmphex(ht_rd(h, 0xb2, 2) & 0x7ff, ==, 128);
    g_assert_cmphex(ht_rd(h, 0xb4, 4), ==, 0x4000);
    g_assert_cmphex(ht_rd(h, 0xb8, 4), ==, 0x3000);
}

/* ICH7 HD audio: a PCIe v1 root-complex integrated endpoint is accepted. */
static void test_dump_rc_integrated_endpoint(void)
{
    g_autoptr(XptHostPci) h = ht_open_dump_ok(ht_dump_path("cap-vc-and-rcl"), "00:1b.0");

    g_assert_cmphex(ht_rd(h, 0x00, 4), ==, 0x27d88086);
    unsigned pcie = xpt_host_pci_find_cap(h, 0x10);
    g_assert_cmpuint(pcie, !=, 0);
    g_assert_cmpuint((ht_rd(h, pcie + 2, 2) >> 4) & 0xf, ==, 9);
    ht_assert_region(xpt_host_pci_bar(h, 0), 0x58340000, 16 * K, XPT_HOST_REGION_MEM64);
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
        g_assert_null(ht_open_dump(ht_dump_path("tree-fsl-p2020"), cases[i][0], &err));
        g_assert_error(err, XPT_ERROR, XPT_ERROR_NOT_FOUND);
        g_autofree char *want = g_strdup_printf("%s: no such device in dump ", cases[i][1]);
        g_assert_true(g_str_has_prefix(err->message, want));
    }
}

/* Bridges, CardBus bridges and PCIe ports are refused. */
static void test_dump_refused(void)
{
    ht_assert_open_fails(ht_dump_path("PCI-X-bridges-and-domains"), "0001:00:02.0",
                         XPT_ERROR_UNSUPPORTED, "0001:00:02.0", "PCI bridge (header type 1)");
    ht_assert_open_fails(ht_dump_path("PCI-X-bridges-and-domains"), "0002:41:01.0",
                         XPT_ERROR_UNSUPPORTED, "0002:41:01.0", "bridge");
    ht_assert_open_fails(ht_dump_path("bridge-ctl-vga16"), "00:1c.0",
                         XPT_ERROR_UNSUPPORTED, "0000:00:1c.0", "pass through the devices");
    ht_assert_open_fails(ht_dump_path("tree-asus-p6t6"), "00:1e.0",
                         XPT_ERROR_UNSUPPORTED, "0000:00:1e.0", "header type 1");
    ht_assert_open_fails(ht_dump_path("tree-fujitsu-p8010"), "1c:03.0",
                         XPT_ERROR_UNSUPPORTED, "0000:1c:03.0", "CardBus");
    /* header type 0 but a PCIe root complex event collector (type 0xa) */
    ht_assert_open_fails(ht_dump_path("cap-rcec"), "6a:00.4",
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
    ht_assert_open_fails(ht_dump_path("tree-asus-p6t6"), "00:00.0", XPT_ERROR_UNSUPPORTED,
                         "0000:00:00.0", "root port");
    ht_assert_open_fails(ht_dump_path("tree-asus-p6t6"), "00:1f.0", XPT_ERROR_UNSUPPORTED,
                         "0000:00:1f.0", "cannot pass through an ISA/LPC bridge (class 06/01)");
    ht_assert_open_fails(ht_dump_path("tree-fujitsu-p8010"), "00:00.0", XPT_ERROR_UNSUPPORTED,
                         "0000:00:00.0", "cannot pass through a host bridge (class 06/00)");
    ht_assert_open_fails(ht_dump_path("tree-fujitsu-p8010"), "00:1f.0", XPT_ERROR_UNSUPPORTED,
                         "0000:00:1f.0", "ISA/LPC bridge");
    ht_assert_open_fails(ht_dump_path("cap-ht"), "00:18.0", XPT_ERROR_UNSUPPORTED,
                         "0000:00:18.0", "host bridge");
    /* the 82576 with class 06/80 and 06/05 */
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(ht_dump_path("cap-pcie-2"), &text, NULL, NULL));
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
            g_autoptr(XptHostPci) h = ht_open_dump_ok(path, "01:00.0");
            g_assert_cmphex(ht_rd(h, 0x0a, 2), ==, 0x0680);
        } else {
            ht_assert_open_fails(path, "01:00.0", XPT_ERROR_UNSUPPORTED, "0000:01:00.0",
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
    const char *orig = ht_dump_path("cap-vc-and-rcl");
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
        g_autoptr(XptHostPci) h1 = ht_open_dump(orig, a, &e1);
        g_autoptr(XptHostPci) h2 = ht_open_dump(copy, a, &e2);
        if (g_test_verbose()) {
            g_printerr("  %s: %s\n", a, h2 ? "opens" : e2->message);
        }
        g_assert_true(!h1 == !h2);
        if (h1) {
            for (unsigned off = 0x10; off < 256; off += 4) {   /* all but IDs and class */
                g_assert_cmphex(ht_rd(h1, off, 4), ==, ht_rd(h2, off, 4));
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
    g_autoptr(XptHostPci) ide = ht_open_dump_ok(copy, "00:1f.2");
    g_assert_cmphex(ht_rd(ide, 0x00, 4), ==, 0x29208086);
    g_assert_cmphex(ht_rd(ide, 0x08, 4), ==, 0x01018f02);
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
    ht_assert_open_fails(path, "03:00.0", XPT_ERROR_INVALID, "0000:03:00.0",
                         "is not an lspci dump");
    g_assert_true(g_file_set_contents(path, "", 0, NULL));              /* empty */
    ht_assert_open_fails(path, "03:00.0", XPT_ERROR_INVALID, "0000:03:00.0",
                         "is not an lspci dump");
    g_unlink(path);
    g_free(path);
    if (g_file_test("/etc/passwd", G_FILE_TEST_IS_REGULAR)) {
        ht_assert_open_fails("/etc/passwd", "03:00.0", XPT_ERROR_INVALID, "0000:03:00.0",
                             "/etc/passwd is not an lspci dump");
    }
}

static void test_dump_not_found(void)
{
    ht_assert_open_fails(ht_dump_path("cap-pcie-2"), "02:00.0", XPT_ERROR_NOT_FOUND,
                         "0000:02:00.0", "cap-pcie-2");
    ht_assert_open_fails(ht_dump_path("cap-pcie-2"), "0001:01:00.0", XPT_ERROR_NOT_FOUND,
                         "0001:01:00.0", NULL);
    ht_assert_open_fails(ht_dump_path("no-such-dump"), "01:00.0", XPT_ERROR_NOT_FOUND,
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
                                 .dump_file = ht_dump_path("cap-pcie-2") };
        g_assert_null(xpt_host_pci_open(&o, &err));
        g_assert_error(err, XPT_ERROR, XPT_ERROR_INVALID);
        g_autofree char *quoted = g_strdup_printf("'%s'", bad[i]);
        g_assert_nonnull(strstr(err->message, quoted));
    }
    g_autoptr(GError) err = NULL;
    XptHostOpenOptions o = { .hostaddr = NULL, .dump_file = ht_dump_path("cap-pcie-2") };
    g_assert_null(xpt_host_pci_open(&o, &err));
    g_assert_error(err, XPT_ERROR, XPT_ERROR_INVALID);

    /* upper-case hex and the highest device/function are fine */
    g_autoptr(XptHostPci) h = ht_open_dump_ok(ht_dump_path("cap-vendor-virtio"), "00:09.0");
    g_assert_cmphex(ht_rd(h, 0, 4), ==, 0x10001af4);
    g_autoptr(GError) err2 = NULL;
    XptHostOpenOptions o2 = { .hostaddr = "0000:FF:1F.7",
                              .dump_file = ht_dump_path("cap-pcie-2") };
    g_assert_null(xpt_host_pci_open(&o2, &err2));
    g_assert_error(err2, XPT_ERROR, XPT_ERROR_NOT_FOUND);
    g_assert_nonnull(strstr(err2->message, "0000:ff:1f.7"));
}

/* Shadow writes change the shadow only, are logged, and never touch the file. */
static void test_dump_shadow_writes(void)
{
    const char *file = ht_dump_path("cap-pcie-2");
    g_autofree char *before = NULL, *after = NULL;
    gsize before_len, after_len;
    g_assert_true(g_file_get_contents(file, &before, &before_len, NULL));

    {
        g_autoptr(XptHostPci) h = ht_open_dump_ok(file, "01:00.0");
        size_t n = 99;
        xpt_host_pci_writes(h, &n);
        g_assert_cmpuint(n, ==, 0);

        g_assert_cmphex(ht_rd(h, 0x04, 2), ==, 0x0407);       /* I/O+ Mem+ Master+ DisINTx+ */
        ht_wr(h, 0x04, 2, 0x0000);
        g_assert_cmphex(ht_rd(h, 0x04, 2), ==, 0x0000);
        g_assert_cmphex(ht_rd(h, 0x04, 4), ==, 0x00100000);   /* status untouched */
        ht_wr(h, 0x3c, 1, 0x05);
        g_assert_cmphex(ht_rd(h, 0x3c, 4), ==, 0x00000105);
        ht_wr(h, 0x10, 4, 0xffffffff);                         /* BAR sizing probe */
        g_assert_cmphex(ht_rd(h, 0x10, 4), ==, 0xffffffff);
        ht_wr(h, 0x72, 2, 0x18009);                            /* value wider than len */
        g_assert_cmphex(ht_rd(h, 0x72, 2), ==, 0x8009);
        ht_wr(h, 0x300, 4, 0x12345678);                        /* extended space */
        g_assert_cmphex(ht_rd(h, 0x300, 4), ==, 0x12345678);
        /* BARs as opened are unchanged by shadow writes */
        ht_assert_region(xpt_host_pci_bar(h, 0), 0xe0800000, 128 * K, 0);

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
        g_autoptr(XptHostPci) h = ht_open_dump_ok(file, "01:00.0");
        g_assert_cmphex(ht_rd(h, 0x04, 2), ==, 0x0407);
    }
    g_assert_true(g_file_get_contents(file, &after, &after_len, NULL));
    g_assert_cmpmem(before, before_len, after, after_len);
}

static void test_access_invalid(void)
{
    g_autoptr(XptHostPci) h = ht_open_dump_ok(ht_dump_path("cap-pcie-2"), "01:00.0");
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
    g_assert_cmphex(ht_rd(h, 0xffc, 4), ==, 0);
}

/* A corrupted capability list that loops: the walk terminates. */
static void test_find_cap_loop(void)
{
    g_autoptr(XptHostPci) h = ht_open_dump_ok(ht_dump_path("cap-pcie-2"), "01:00.0");

    ht_wr(h, 0xa1, 1, 0x40);         /* PCIe cap (last) now points back to PM at 0x40 */
    g_assert_cmphex(xpt_host_pci_find_cap(h, 0x10), ==, 0xa0);
    g_assert_cmphex(xpt_host_pci_find_cap(h, 0x09), ==, 0);
    ht_wr(h, 0x41, 1, 0x20);         /* PM points below 0x40: list ends there */
    g_assert_cmphex(xpt_host_pci_find_cap(h, 0x05), ==, 0);
    g_assert_cmphex(xpt_host_pci_find_cap(h, 0x01), ==, 0x40);
    ht_wr(h, 0x06, 2, 0x0000);       /* status without Cap+: no list at all */
    g_assert_cmphex(xpt_host_pci_find_cap(h, 0x01), ==, 0);
}

/* The 82576's block of pciutils-tests/cap-pcie-2 (01:00.0) repeated on buses 01..@n:
 * a dump of a machine with @n such NICs, derived at run time from the real one. */
static char *nic_dump_text(int n)
{
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(ht_dump_path("cap-pcie-2"), &text, NULL, NULL));
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
    g_autoptr(XptHostPci) a = ht_open_dump_ok(file, "0000:01:00.0");
    g_autoptr(XptHostPci) b = ht_open_dump_ok(file, "0000:02:00.0");
    g_autoptr(XptHostPci) c = ht_open_dump_ok(file, "0000:03:00.0");
    g_assert_cmpuint(xpt_dump_source_parses() - p0, ==, 1);
    g_assert_cmphex(ht_rd(c, 0x00, 4), ==, 0x10c98086);
    ht_assert_region(xpt_host_pci_bar(c, 3), 0xe0840000, 16 * K, 0);
    g_assert_cmpstr(xpt_host_pci_sbdf(c), ==, "0000:03:00.0");
    /* a device the dump does not have: the parsed dump answers, no new parse */
    g_autoptr(GError) err = NULL;
    g_assert_null(ht_open_dump(file, "0000:04:00.0", &err));
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
    g_autoptr(XptHostPci) a2 = ht_open_dump_ok(file, "0000:01:00.0");
    g_assert_cmpuint(xpt_dump_source_parses() - p0, ==, 2);
    g_assert_cmphex(ht_rd(a2, 0x00, 4), ==, 0x10ca8086);
    ht_assert_region(xpt_host_pci_bar(a2, 3), 0xe0840000, 32 * K, 0);
    g_assert_cmphex(ht_rd(a, 0x00, 4), ==, 0x10c98086);           /* opened before: as read */
    ht_assert_region(xpt_host_pci_bar(a, 3), 0xe0840000, 16 * K, 0);
    g_autoptr(XptHostPci) b2 = ht_open_dump_ok(file, "0000:02:00.0"); /* unchanged: cached */
    g_assert_cmpuint(xpt_dump_source_parses() - p0, ==, 2);

    /* another file moved over the path, with the original text again */
    g_autofree char *other = g_build_filename(dir, "other.dump", NULL);
    g_assert_true(g_file_set_contents(other, text, -1, NULL));
    g_assert_cmpint(g_rename(other, file), ==, 0);
    g_autoptr(XptHostPci) a3 = ht_open_dump_ok(file, "0000:01:00.0");
    g_assert_cmpuint(xpt_dump_source_parses() - p0, ==, 3);
    g_assert_cmphex(ht_rd(a3, 0x00, 4), ==, 0x10c98086);

    /* a path that no longer names a dump fails at once, as before any cache */
    g_assert_cmpint(g_unlink(file), ==, 0);
    g_assert_null(ht_open_dump(file, "0000:01:00.0", &err));
    g_assert_error(err, XPT_ERROR, XPT_ERROR_NOT_FOUND);
    xpt_dump_source_cache_clear();
    xpt_test_rmtree(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/host/dump/82576", test_dump_82576);
    g_test_add_func("/host/sbdf-text", test_sbdf_text);
    g_test_add_func("/host/dump/nvme-64bit", test_dump_nvme_64bit);
    g_test_add_func("/host/dump/rc-integrated-endpoint", test_dump_rc_integrated_endpoint);
    g_test_add_func("/host/dump/refused", test_dump_refused);
    g_test_add_func("/host/dump/system-bridges", test_dump_system_bridges);
    g_test_add_func("/host/dump/long-lines", test_dump_long_lines);
    g_test_add_func("/host/dump/not-a-dump", test_dump_not_a_dump);
    g_test_add_func("/host/dump/not-found", test_dump_not_found);
    g_test_add_func("/host/dump/shadow-writes", test_dump_shadow_writes);
    g_test_add_func("/host/hostaddr-malformed", test_hostaddr_malformed);
    g_test_add_func("/host/access-invalid", test_access_invalid);
    g_test_add_func("/host/find-cap-loop", test_find_cap_loop);
    g_test_add_func("/host/dump/source-once", test_dump_source_once);
    return g_test_run();
}
