/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host tree (hw/host/host-tree.c: every device of a source, page neighbours, bridges,
 * capability walks) and the readiness check built on it (hw/host/host-check.c,
 * -check-host): the real fixtures (pciutils' tree dumps, the Firecracker sysfs copy),
 * hostile sysfs trees built in a temporary directory, and this machine's /sys.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pci/header.h>

#include "hw/host/host-pci.h"
#include "hw/host/host-tree.h"
#include "tests/testutil.h"
#include "util/error.h"

static const char *dump_path(const char *name)
{
    g_autofree char *rel = g_build_filename("pciutils-tests", name, NULL);
    return xpt_test_fixture(rel);
}

static XptHostTree *scan_dump_ok(const char *name)
{
    g_autoptr(GError) err = NULL;
    XptHostTree *t = xpt_host_tree_scan(NULL, dump_path(name), &err);
    g_assert_no_error(err);
    g_assert_nonnull(t);
    return t;
}

static const XptHostTreeDev *find(const XptHostTree *t, unsigned bus, unsigned dev,
                                  unsigned fn)
{
    const XptHostTreeDev *d = xpt_host_tree_find(t, 0, bus, dev << 3 | fn);
    g_assert_nonnull(d);
    return d;
}

static gboolean has_neighbour(GArray *n, const char *sbdf, unsigned region)
{
    for (unsigned i = 0; i < n->len; i++) {
        const XptHostNeighbour *x = &g_array_index(n, XptHostNeighbour, i);
        if (!strcmp(x->sbdf, sbdf) && x->region == region) {
            return TRUE;
        }
    }
    return FALSE;
}

/*
 * The Fujitsu P8010 laptop (a hex-only dump: sizes are the layout's upper bounds):
 * EHCI #2 (00:1a.7) has a BAR of at most 1 KiB at 0xfc704800, in the page 0xfc704000
 * that also holds the AHCI controller's BAR5 (00:1f.2 at 0xfc704000, at most 2 KiB) and
 * EHCI #1's BAR0 (00:1d.7 at 0xfc704c00, no bound: its size is unknown). Mapping that
 * page to a guest would hand it both other controllers.
 */
static void test_tree_neighbours_fujitsu(void)
{
    g_autoptr(XptHostTree) t = scan_dump_ok("tree-fujitsu-p8010");
    const XptHostTreeDev *ehci = find(t, 0, 0x1a, 7);

    g_assert_cmpuint(xpt_host_tree_count(t), ==, 22);
    g_assert_cmphex(ehci->regions[0].r.base, ==, 0xfc704800);
    g_assert_cmphex(ehci->regions[0].r.size, ==, 0x400);
    g_assert_true(ehci->regions[0].size_known);
    g_assert_cmphex(ehci->class_code, ==, 0x0c0320);

    g_autoptr(GArray) n = xpt_host_tree_page_neighbours(t, 0, 0, 0x1a << 3 | 7,
                                                        0xfc704800, 0x400);
    g_assert_cmpuint(n->len, ==, 2);
    g_assert_true(has_neighbour(n, "0000:00:1f.2", 5));
    g_assert_true(has_neighbour(n, "0000:00:1d.7", 0));
    for (unsigned i = 0; i < n->len; i++) {
        const XptHostNeighbour *x = &g_array_index(n, XptHostNeighbour, i);
        if (!strcmp(x->sbdf, "0000:00:1d.7")) {
            g_assert_cmphex(x->base, ==, 0xfc704c00);
            g_assert_cmphex(x->size, ==, 0);          /* no [size=] and no bound */
        } else {
            g_assert_cmphex(x->size, ==, 0x800);
        }
    }
    /* The HDA controller's 16 KiB BAR at 0xfc700000 ends below that page. */
    g_autoptr(GArray) hda = xpt_host_tree_page_neighbours(t, 0, 0, 0x1b << 3, 0xfc700000,
                                                          0x4000);
    g_assert_cmpuint(hda->len, ==, 0);
    /* A range that crosses into the shared page sees all three. */
    g_autoptr(GArray) wide = xpt_host_tree_page_neighbours(t, 0, 0, 0x1b << 3,
                                                           0xfc700000, 0x4001);
    g_assert_cmpuint(wide->len, ==, 3);
    /* I/O BARs never count: UHCI's ports sit next to each other. */
    g_autoptr(GArray) io = xpt_host_tree_page_neighbours(t, 0, 0, 0x1a << 3, 0x1820, 0x20);
    g_assert_cmpuint(io->len, ==, 0);
}

/* The same rule through an opened device (what attach uses), on the same dump. */
static void test_host_page_neighbours_opened(void)
{
    XptHostOpenOptions o = { .hostaddr = "0000:00:1a.7",
                             .dump_file = dump_path("tree-fujitsu-p8010") };
    g_autoptr(GError) err = NULL;
    g_autoptr(XptHostPci) h = xpt_host_pci_open(&o, &err);
    g_assert_no_error(err);
    const XptHostRegion *bar = xpt_host_pci_bar(h, 0);
    g_autoptr(GArray) n = xpt_host_page_neighbours(h, bar->base, bar->size, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(n->len, ==, 2);
    g_assert_true(has_neighbour(n, "0000:00:1f.2", 5));

    /* The P6T6's EHCI #2 has its page to itself. */
    XptHostOpenOptions o2 = { .hostaddr = "0000:00:1a.7",
                              .dump_file = dump_path("tree-asus-p6t6") };
    g_autoptr(XptHostPci) h2 = xpt_host_pci_open(&o2, &err);
    g_assert_no_error(err);
    bar = xpt_host_pci_bar(h2, 0);
    g_autoptr(GArray) n2 = xpt_host_page_neighbours(h2, bar->base, bar->size, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(n2->len, ==, 0);
}

/* Bridges, bus ranges and the PCIe extended capability walk on the P6T6 dump. */
static void test_tree_topology_asus(void)
{
    g_autoptr(XptHostTree) t = scan_dump_ok("tree-asus-p6t6");
    const XptHostTreeDev *sas = find(t, 4, 0, 0);
    const XptHostTreeDev *up = xpt_host_tree_parent_bridge(t, sas);

    g_assert_nonnull(up);
    g_assert_cmpstr(up->sbdf, ==, "0000:03:00.0");
    g_assert_cmpuint(up->secondary, ==, 4);
    up = xpt_host_tree_parent_bridge(t, up);
    g_assert_cmpstr(up->sbdf, ==, "0000:02:00.0");
    up = xpt_host_tree_parent_bridge(t, up);
    g_assert_cmpstr(up->sbdf, ==, "0000:00:03.0");
    g_assert_null(xpt_host_tree_parent_bridge(t, up));       /* root bus */

    /* 00:00.0 has ACS (ID 0x000d) at 0x150 in the -xxxx rows ("0d 00 01 16"). */
    const XptHostTreeDev *hb = find(t, 0, 0, 0);
    g_assert_cmpuint(hb->config_size, ==, 4096);
    g_assert_cmphex(xpt_host_tree_find_ext_cap(hb, 0x000d), ==, 0x150);
    g_assert_cmphex(xpt_host_tree_find_ext_cap(hb, 0x0001), ==, 0x100);
    g_assert_cmphex(xpt_host_tree_find_ext_cap(hb, 0x0042), ==, 0);
    /* Only 256 bytes known: no extended capabilities at all. */
    g_assert_cmphex(xpt_host_tree_find_ext_cap(find(t, 0, 0x1a, 0), 0x000d), ==, 0);
    /* The GT218's PCIe capability (ID 0x10). */
    g_assert_cmphex(xpt_host_tree_find_cap(find(t, 6, 0, 0), 0x10), !=, 0);
}

/* Capability lists that loop or point outside the space end without hanging. */
static void test_tree_cap_loops(void)
{
    g_autofree XptHostTreeDev *d = g_new0(XptHostTreeDev, 1);

    memset(d->config, 0, sizeof(d->config));
    d->config_size = 4096;
    /* Extended list: 0x100 → 0x100 (itself), ID 0x0001. */
    d->config[0x100] = 0x01;
    d->config[0x102] = 0x01;          /* version 1, next = 0x100 (bits 31:20) */
    d->config[0x103] = 0x10;
    g_assert_cmphex(xpt_host_tree_find_ext_cap(d, 0x000d), ==, 0);
    g_assert_cmphex(xpt_host_tree_find_ext_cap(d, 0x0001), ==, 0x100);
    /* Next pointer into the header (0x040): ends the walk. */
    d->config[0x103] = 0x04;
    g_assert_cmphex(xpt_host_tree_find_ext_cap(d, 0x000d), ==, 0);
    /* Conventional list: 0x40 → 0x40. */
    d->config[PCI_STATUS] = PCI_STATUS_CAP_LIST;
    d->config[PCI_CAPABILITY_LIST] = 0x40;
    d->config[0x40] = 0x05;
    d->config[0x41] = 0x40;
    g_assert_cmphex(xpt_host_tree_find_cap(d, 0x11), ==, 0);
    g_assert_cmphex(xpt_host_tree_find_cap(d, 0x05), ==, 0x40);
}

static void test_tree_sysfs_fixture(void)
{
    g_autofree char *root = xpt_test_make_sysfs_tree(
        xpt_test_fixture("sysfs-firecracker/devices"));
    g_autoptr(GError) err = NULL;
    g_autoptr(XptHostTree) t = xpt_host_tree_scan(root, NULL, &err);

    g_assert_no_error(err);
    g_assert_cmpuint(xpt_host_tree_count(t), ==, 6);
    const XptHostTreeDev *net = find(t, 0, 3, 0);
    g_assert_cmphex(net->regions[0].r.base, ==, 0x4000100000ull);
    g_assert_cmphex(net->regions[0].r.size, ==, 0x80000);
    g_assert_cmphex(net->regions[0].r.flags, ==, XPT_HOST_REGION_MEM64);
    g_autoptr(GArray) none = xpt_host_tree_page_neighbours(t, 0, 0, 3 << 3,
                                                           0x4000100000ull, 0x80000);
    g_assert_cmpuint(none->len, ==, 0);
    /* One byte more and the next device's BAR shares the last page. */
    g_autoptr(GArray) one = xpt_host_tree_page_neighbours(t, 0, 0, 3 << 3,
                                                          0x4000100000ull, 0x80001);
    g_assert_cmpuint(one->len, ==, 1);
    g_assert_true(has_neighbour(one, "0000:00:04.0", 0));
    xpt_test_rmtree(root);
}

/* This machine's /sys: every device gets scanned, each with config or a problem. */
static void test_tree_this_machine(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(XptHostTree) t = NULL;

    if (!g_file_test("/sys/bus/pci/devices", G_FILE_TEST_IS_DIR)) {
        g_test_skip("no /sys/bus/pci on this machine");
        return;
    }
    t = xpt_host_tree_scan("/sys", NULL, &err);
    g_assert_no_error(err);
    g_autoptr(GDir) dir = g_dir_open("/sys/bus/pci/devices", 0, NULL);
    unsigned n = 0;
    while (g_dir_read_name(dir)) {
        n++;
    }
    g_assert_cmpuint(xpt_host_tree_count(t), ==, n);
    for (unsigned i = 0; i < xpt_host_tree_count(t); i++) {
        const XptHostTreeDev *d = xpt_host_tree_dev(t, i);
        g_assert_true(d->config_size >= 64 || xpt_host_tree_dev_problem(t, d));
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/host-tree/neighbours/fujitsu", test_tree_neighbours_fujitsu);
    g_test_add_func("/host-tree/neighbours/opened", test_host_page_neighbours_opened);
    g_test_add_func("/host-tree/topology/asus", test_tree_topology_asus);
    g_test_add_func("/host-tree/cap-loops", test_tree_cap_loops);
    g_test_add_func("/host-tree/sysfs-fixture", test_tree_sysfs_fixture);
    g_test_add_func("/host-tree/this-machine", test_tree_this_machine);
    return g_test_run();
}
