/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host tree (hw/host/host-tree.c: every device of a source, page neighbours, bridges,
 * capability walks) and the readiness check built on it (hw/host/host-check.c,
 * -check-host): the real fixtures (pciutils' tree dumps, the Firecracker sysfs copy),
 * hostile sysfs trees built in a temporary directory, and this machine's /sys.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pci/header.h>

#include "hw/host/host-check.h"
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

/* ---- the readiness check ----------------------------------------------------------- */

static const XptCheckDevice *report_dev(const XptCheckReport *r, const char *sbdf)
{
    for (unsigned i = 0; i < xpt_check_report_count(r); i++) {
        const XptCheckDevice *d = xpt_check_report_device(r, i);
        if (!strcmp(d->sbdf, sbdf)) {
            return d;
        }
    }
    g_error("no device %s in the report", sbdf);
}

/* The finding of @check at @level whose text holds @needle (NULL: any), or NULL. */
static const XptCheckFinding *finding(const XptCheckDevice *d, const char *check,
                                      XptCheckLevel level, const char *needle)
{
    for (unsigned i = 0; i < d->findings->len; i++) {
        const XptCheckFinding *f = &g_array_index(d->findings, XptCheckFinding, i);
        g_assert_null(strchr(f->text, '\n'));
        if (!strcmp(f->check, check) && f->level == level &&
            (!needle || strstr(f->text, needle))) {
            return f;
        }
    }
    return NULL;
}

static void assert_finding(const XptCheckDevice *d, const char *check, XptCheckLevel level,
                           const char *needle)
{
    if (!finding(d, check, level, needle)) {
        for (unsigned i = 0; i < d->findings->len; i++) {
            const XptCheckFinding *f = &g_array_index(d->findings, XptCheckFinding, i);
            g_printerr("  %s %s %s\n", xpt_check_level_name(f->level), f->check, f->text);
        }
        g_error("%s: no %s finding '%s' with '%s'", d->sbdf, xpt_check_level_name(level),
                check, needle ? needle : "");
    }
}

static XptCheckReport *check_ok(const char *sysfs, const char *dump, const XptCheckXen *xen,
                                const char *const *sbdfs, size_t n)
{
    XptCheckOptions o = { .sysfs_dir = sysfs, .dump_file = dump, .xen = xen };
    g_autoptr(GError) err = NULL;
    XptCheckReport *r = xpt_host_check(&o, sbdfs, n, &err);
    g_assert_no_error(err);
    g_assert_nonnull(r);
    return r;
}

/*
 * The Fujitsu dump: EHCI #2's sub-page BAR is refused by the attach rule itself, and
 * the line names the other devices in its page; the HDA controller is ready.
 */
static void test_check_fujitsu(void)
{
    static const char *const sbdfs[] = { "00:1a.7", "0000:00:1b.0", "0000:1d:00.0" };
    g_autoptr(XptCheckReport) r = check_ok(NULL, dump_path("tree-fujitsu-p8010"), NULL,
                                           sbdfs, 3);
    const XptCheckDevice *ehci = report_dev(r, "0000:00:1a.7");
    const XptCheckDevice *hda = report_dev(r, "0000:00:1b.0");
    const XptCheckDevice *wlan = report_dev(r, "0000:1d:00.0");

    g_assert_false(ehci->ready);
    assert_finding(ehci, "attach", XPT_CHECK_FAIL, "pci=resource_alignment=0000:00:1a.7");
    assert_finding(ehci, "attach", XPT_CHECK_FAIL, "0000:00:1f.2 BAR5 at 0xfc704000");
    assert_finding(ehci, "slot", XPT_CHECK_WARN, "0000:00:1a.0");
    assert_finding(ehci, "pciback", XPT_CHECK_INFO, "dump source");
    g_assert_true(hda->ready);
    assert_finding(hda, "bars", XPT_CHECK_OK, "BAR0 16K 64-bit at 0xfc700000");
    assert_finding(hda, "reset", XPT_CHECK_OK, "pm");
    assert_finding(hda, "acs", XPT_CHECK_OK, "root bus");
    assert_finding(hda, "msix", XPT_CHECK_INFO, "MSI (one vector)");
    /* Behind the CardBus controller, behind the conventional PCI bridge 00:1e.0. */
    assert_finding(wlan, "acs", XPT_CHECK_WARN, "behind 0000:00:1e.0 (conventional PCI");
    assert_finding(wlan, "acs", XPT_CHECK_WARN, "0000:1c:03.2");
    assert_finding(wlan, "mmio-hole", XPT_CHECK_OK, "128M");
    g_assert_false(xpt_check_report_ready(r));
}

/*
 * The P6T6 dump, every endpoint: the GT218 and its HDMI audio share a slot and sit
 * behind a root port whose ACS is not enabled; the ESI host bridge is refused once, as
 * attach refuses it (a PCIe root port by its capability).
 */
static void test_check_asus_all(void)
{
    g_autoptr(XptCheckReport) r = check_ok(NULL, dump_path("tree-asus-p6t6"), NULL, NULL, 0);
    g_autoptr(XptHostTree) t = scan_dump_ok("tree-asus-p6t6");
    unsigned endpoints = 0;

    for (unsigned i = 0; i < xpt_host_tree_count(t); i++) {
        endpoints += xpt_host_tree_dev(t, i)->header_type == 0;
    }
    g_assert_cmpuint(xpt_check_report_count(r), ==, endpoints);
    const XptCheckDevice *gpu = report_dev(r, "0000:06:00.0");
    assert_finding(gpu, "slot", XPT_CHECK_WARN, "0000:06:00.1");
    assert_finding(gpu, "acs", XPT_CHECK_WARN, "behind 0000:00:07.0 (ACS present but not "
                   "enabled)");
    assert_finding(gpu, "rom", XPT_CHECK_INFO, "512K");
    g_assert_true(gpu->ready);
    /* 256M + 32M + 16M + ROM: more than the default hole, 64-bit BARs go high. */
    assert_finding(gpu, "mmio-hole", XPT_CHECK_INFO, "above 4 GiB");
    const XptCheckDevice *hb = report_dev(r, "0000:00:00.0");
    g_assert_false(hb->ready);
    assert_finding(hb, "attach", XPT_CHECK_FAIL, "root port");
    g_assert_cmpuint(hb->findings->len, ==, 1);     /* refused: nothing else to say */
    assert_finding(report_dev(r, "0000:00:10.0"), "system", XPT_CHECK_WARN,
                   "base system peripheral");
    const XptCheckDevice *sas = report_dev(r, "0000:04:00.0");
    g_assert_true(sas->ready);
    assert_finding(sas, "rom", XPT_CHECK_INFO, "512K");
    assert_finding(report_dev(r, "0000:00:1f.0"), "attach", XPT_CHECK_FAIL, "ISA/LPC");

    /* Text: a heading, the lines, one verdict per device; JSON parses with the same. */
    g_autofree char *text = xpt_check_report_text(r);
    g_assert_nonnull(strstr(text, "verdict: 0000:06:00.0: ready (0 problems, 3 warnings)"));
    g_assert_nonnull(strstr(text, "verdict: 0000:00:00.0: NOT READY"));
    g_autofree char *json = xpt_check_report_json(r, false);
    g_autoptr(JsonParser) p = json_parser_new();
    g_assert_true(json_parser_load_from_data(p, json, -1, NULL));
    JsonObject *root = json_node_get_object(json_parser_get_root(p));
    g_assert_false(json_object_get_boolean_member(root, "ready"));
    g_assert_true(json_object_get_null_member(root, "xen"));
    JsonArray *devs = json_object_get_array_member(root, "devices");
    g_assert_cmpuint(json_array_get_length(devs), ==, endpoints);
}

/* A sysfs-like tree in a temporary directory with real copies of the fixture's files. */
static char *make_tree(void)
{
    g_autoptr(GError) err = NULL;
    char *root = g_dir_make_tmp("xpt-check-XXXXXX", &err);
    const char *src = xpt_test_fixture("sysfs-firecracker/devices");

    g_assert_no_error(err);
    g_autoptr(GDir) dir = g_dir_open(src, 0, &err);
    g_assert_no_error(err);
    for (const char *name; (name = g_dir_read_name(dir));) {
        g_autofree char *from = g_build_filename(src, name, NULL);
        g_autofree char *to = g_build_filename(root, "bus", "pci", "devices", name, NULL);
        g_assert_cmpint(g_mkdir_with_parents(to, 0755), ==, 0);
        g_autoptr(GDir) files = g_dir_open(from, 0, &err);
        g_assert_no_error(err);
        for (const char *f; (f = g_dir_read_name(files));) {
            g_autofree char *a = g_build_filename(from, f, NULL);
            g_autofree char *b = g_build_filename(to, f, NULL);
            g_autofree char *data = NULL;
            gsize len;
            g_assert_true(g_file_get_contents(a, &data, &len, NULL));
            g_assert_true(g_file_set_contents(b, data, (gssize)len, NULL));
        }
    }
    g_autofree char *drivers = g_build_filename(root, "bus", "pci", "drivers", "pciback",
                                                NULL);
    g_assert_cmpint(g_mkdir_with_parents(drivers, 0755), ==, 0);
    g_autofree char *virtio = g_build_filename(root, "bus", "pci", "drivers", "virtio-pci",
                                               NULL);
    g_assert_cmpint(g_mkdir_with_parents(virtio, 0755), ==, 0);
    return root;
}

static char *tree_file(const char *root, const char *sbdf, const char *name)
{
    return g_build_filename(root, "bus", "pci", "devices", sbdf, name, NULL);
}

static void tree_link(const char *root, const char *sbdf, const char *name,
                      const char *target)
{
    g_autofree char *path = tree_file(root, sbdf, name);
    g_assert_cmpint(symlink(target, path), ==, 0);
}

static void tree_write(const char *root, const char *sbdf, const char *name,
                       const char *data, gssize len)
{
    g_autofree char *path = tree_file(root, sbdf, name);
    g_assert_true(g_file_set_contents(path, data, len, NULL));
}

/* The Firecracker devices: binding, reset, IOMMU answers, IOMMU groups. */
static void test_check_sysfs_tree(void)
{
    g_autofree char *root = make_tree();
    static const char *const sbdfs[] = { "0000:00:01.0", "0000:00:02.0", "0000:00:03.0",
                                         "0000:00:04.0" };

    tree_link(root, "0000:00:02.0", "driver", "../../drivers/pciback");
    tree_write(root, "0000:00:02.0", "reset_method", "flr bus\n", -1);
    tree_link(root, "0000:00:03.0", "driver", "../../drivers/virtio-pci");
    tree_write(root, "0000:00:03.0", "reset", "", 0);
    /* 00:04.0 and 00:05.0 in IOMMU group 7. */
    g_autofree char *group = g_build_filename(root, "kernel", "iommu_groups", "7",
                                              "devices", NULL);
    g_assert_cmpint(g_mkdir_with_parents(group, 0755), ==, 0);
    for (unsigned i = 4; i <= 5; i++) {
        g_autofree char *sbdf = g_strdup_printf("0000:00:%02x.0", i);
        g_autofree char *member = g_build_filename(group, sbdf, NULL);
        g_assert_cmpint(symlink("../../../../bus/pci/devices/x", member), ==, 0);
        tree_link(root, sbdf, "iommu_group", "../../../../kernel/iommu_groups/7");
    }

    XptCheckXen not_dom0 = { .why = "xc_interface_open: No such file or directory" };
    g_autoptr(XptCheckReport) r = check_ok(root, NULL, &not_dom0, sbdfs, 4);
    const XptCheckDevice *d1 = report_dev(r, "0000:00:01.0");
    assert_finding(d1, "pciback", XPT_CHECK_FAIL, "xl pci-assignable-add 0000:00:01.0");
    assert_finding(d1, "iommu", XPT_CHECK_WARN, "not a Xen dom0 (xc_interface_open");
    assert_finding(d1, "reset", XPT_CHECK_WARN, "no reset method");
    assert_finding(d1, "iommu-group", XPT_CHECK_INFO, "no Linux IOMMU group");
    assert_finding(d1, "bars", XPT_CHECK_OK, "BAR0 512K 64-bit at 0x4000000000");
    assert_finding(d1, "msix", XPT_CHECK_OK, "table in BAR0 at 0x8000: 1 page trapped");
    assert_finding(d1, "mmio-hole", XPT_CHECK_OK, "host BARs above 4 GiB are fine");
    g_assert_false(d1->ready);
    const XptCheckDevice *d2 = report_dev(r, "0000:00:02.0");
    assert_finding(d2, "pciback", XPT_CHECK_OK, "pciback");
    assert_finding(d2, "reset", XPT_CHECK_OK, "reset methods: flr bus");
    g_assert_true(d2->ready);      /* warnings only: not a dom0 */
    const XptCheckDevice *d3 = report_dev(r, "0000:00:03.0");
    assert_finding(d3, "pciback", XPT_CHECK_FAIL, "dom0 driver virtio-pci");
    assert_finding(d3, "reset", XPT_CHECK_OK, "sysfs reset");
    const XptCheckDevice *d4 = report_dev(r, "0000:00:04.0");
    assert_finding(d4, "iommu-group", XPT_CHECK_WARN, "group 7 also holds 0000:00:05.0");

    /* What Xen says decides the iommu line. */
    XptCheckXen io = { .dom0 = true, .directio = true };
    static const char *const one[] = { "0000:00:02.0" };
    g_autoptr(XptCheckReport) r2 = check_ok(root, NULL, &io, one, 1);
    assert_finding(report_dev(r2, "0000:00:02.0"), "iommu", XPT_CHECK_OK, "hvm_directio");
    g_assert_true(xpt_check_report_ready(r2));
    XptCheckXen noio = { .dom0 = true, .directio = false };
    g_autoptr(XptCheckReport) r3 = check_ok(root, NULL, &noio, one, 1);
    assert_finding(report_dev(r3, "0000:00:02.0"), "iommu", XPT_CHECK_FAIL, "iommu=1");
    g_assert_false(xpt_check_report_ready(r3));
    xpt_test_rmtree(root);
}

/* Hostile trees: each gives one clear line, never a crash or a hang. */
static void test_check_hostile(void)
{
    g_autofree char *root = make_tree();
    g_autoptr(GError) err = NULL;
    static const char *const bad[] = { "0000:00:09.0", "zz:00.0", "0000:00:02.0",
                                       "0000:00:03.0", "0000:00:04.0" };

    /* 00:02.0: config cut to 4 bytes; 00:03.0: reset_method a directory;
     * 00:04.0: capability list looping on itself at 0x40. */
    tree_write(root, "0000:00:02.0", "config", "\x86\x80\x57\x0d", 4);
    g_autofree char *rm = tree_file(root, "0000:00:03.0", "reset_method");
    g_assert_cmpint(g_mkdir(rm, 0755), ==, 0);
    g_autofree char *cfgpath = tree_file(root, "0000:00:04.0", "config");
    g_autofree char *cfg = NULL;
    gsize len;
    g_assert_true(g_file_get_contents(cfgpath, &cfg, &len, NULL));
    g_assert_cmpuint(len, >=, 256);
    cfg[PCI_CAPABILITY_LIST] = 0x40;
    cfg[0x40] = 0x01;
    cfg[0x41] = 0x40;
    g_assert_true(g_file_set_contents(cfgpath, cfg, (gssize)len, NULL));

    g_autoptr(XptCheckReport) r = check_ok(root, NULL, NULL, bad, 5);
    assert_finding(report_dev(r, "0000:00:09.0"), "attach", XPT_CHECK_FAIL, "no such device");
    assert_finding(report_dev(r, "zz:00.0"), "attach", XPT_CHECK_FAIL, "malformed");
    assert_finding(report_dev(r, "0000:00:02.0"), "attach", XPT_CHECK_FAIL, "0000:00:02.0");
    const XptCheckDevice *d3 = report_dev(r, "0000:00:03.0");
    assert_finding(d3, "reset", XPT_CHECK_WARN, "cannot read reset_method");
    const XptCheckDevice *d4 = report_dev(r, "0000:00:04.0");
    assert_finding(d4, "msix", XPT_CHECK_INFO, "no MSI-X");
    g_assert_false(xpt_check_report_ready(r));
    for (unsigned i = 0; i < xpt_check_report_count(r); i++) {
        g_assert_cmpuint(xpt_check_report_device(r, i)->findings->len, >, 0);
    }

    /* A FIFO where the sysfs tree's "vendor" file should be: refused before libpci
     * opens it (a plain open would block). */
    g_autofree char *vendor = tree_file(root, "0000:00:05.0", "vendor");
    g_assert_cmpint(g_unlink(vendor), ==, 0);
    g_assert_cmpint(mkfifo(vendor, 0644), ==, 0);
    XptCheckOptions o = { .sysfs_dir = root };
    XptCheckReport *none = xpt_host_check(&o, NULL, 0, &err);
    g_assert_null(none);
    g_assert_error(err, XPT_ERROR, XPT_ERROR_INVALID);
    g_assert_nonnull(strstr(err->message, "is not a regular file"));
    g_clear_error(&err);
    g_assert_cmpint(g_unlink(vendor), ==, 0);

    /* A garbage entry in bus/pci/devices: libpci's scan fails, one line. */
    g_autofree char *junk = g_build_filename(root, "bus", "pci", "devices", "garbage", NULL);
    g_assert_cmpint(g_mkdir(junk, 0755), ==, 0);
    none = xpt_host_check(&o, NULL, 0, &err);
    g_assert_null(none);
    g_assert_error(err, XPT_ERROR, XPT_ERROR_NOT_FOUND);
    g_assert_null(strchr(err->message, '\n'));
    g_clear_error(&err);

    /* No tree at all. */
    XptCheckOptions o2 = { .sysfs_dir = "/nonexistent-xpt" };
    g_assert_null(xpt_host_check(&o2, NULL, 0, &err));
    g_assert_error(err, XPT_ERROR, XPT_ERROR_NOT_FOUND);
    xpt_test_rmtree(root);
}

/* This machine's /sys: it runs, and every endpoint gets findings and a verdict. */
static void test_check_this_machine(void)
{
    if (!g_file_test("/sys/bus/pci/devices", G_FILE_TEST_IS_DIR)) {
        g_test_skip("no /sys/bus/pci on this machine");
        return;
    }
    XptCheckXen xen = { .why = "test" };
    g_autoptr(XptCheckReport) r = check_ok("/sys", NULL, &xen, NULL, 0);
    g_autoptr(XptHostTree) t = xpt_host_tree_scan("/sys", NULL, NULL);
    unsigned endpoints = 0;
    for (unsigned i = 0; i < xpt_host_tree_count(t); i++) {
        endpoints += xpt_host_tree_dev(t, i)->header_type == 0;
    }
    g_assert_cmpuint(xpt_check_report_count(r), ==, endpoints);
    g_autofree char *text = xpt_check_report_text(r);
    for (unsigned i = 0; i < xpt_check_report_count(r); i++) {
        const XptCheckDevice *d = xpt_check_report_device(r, i);
        g_autofree char *verdict = g_strdup_printf("verdict: %s: ", d->sbdf);
        g_assert_nonnull(strstr(text, verdict));
        g_assert_nonnull(finding(d, "pciback", d->ready ? XPT_CHECK_OK : XPT_CHECK_FAIL,
                                 NULL) ?: finding(d, "attach", XPT_CHECK_FAIL, NULL));
    }
}

/* Run the binary (@bin, or $XPT_BINARY); stdout in *out, exit status returned. */
static int run_bin(const char *bin, const char *const *args, char **out, char **err_out,
                   const char *const *env)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_autoptr(GError) err = NULL;
    int status = -1;

    g_ptr_array_add(argv, (char *)(bin ? bin : g_getenv("XPT_BINARY")));
    for (; *args; args++) {
        g_ptr_array_add(argv, (char *)*args);
    }
    g_ptr_array_add(argv, NULL);
    g_auto(GStrv) envp = g_get_environ();
    for (; env && *env; env += 2) {
        envp = g_environ_setenv(envp, env[0], env[1], TRUE);
    }
    g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, envp, G_SPAWN_DEFAULT, NULL,
                               NULL, out, err_out, &status, &err));
    g_assert_no_error(err);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The command line: exit status, JSON, usage errors. */
static void test_check_cmdline(void)
{
    const char *fuj = dump_path("tree-fujitsu-p8010");
    g_autofree char *out = NULL, *errs = NULL;

    if (!g_getenv("XPT_BINARY")) {
        g_test_skip("XPT_BINARY not set (run through make check)");
        return;
    }
    const char *ready[] = { "-check-host", "-json", "-host-dump", fuj, "0000:00:1b.0", NULL };
    g_assert_cmpint(run_bin(NULL, ready, &out, &errs, NULL), ==, 0);
    g_autoptr(JsonParser) p = json_parser_new();
    g_assert_true(json_parser_load_from_data(p, out, -1, NULL));
    JsonObject *root = json_node_get_object(json_parser_get_root(p));
    g_assert_true(json_object_get_boolean_member(root, "ready"));
    JsonObject *dev = json_array_get_object_element(
        json_object_get_array_member(root, "devices"), 0);
    g_assert_cmpstr(json_object_get_string_member(dev, "sbdf"), ==, "0000:00:1b.0");
    g_assert_cmpstr(json_object_get_string_member(dev, "vendor"), ==, "8086");
    g_assert_cmpstr(json_object_get_string_member(dev, "class"), ==, "040300");
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&errs, g_free);

    const char *notready[] = { "--check-host", "-host-dump", fuj, "00:1b.0", "00:1a.7",
                               "00:02.0", NULL };
    g_assert_cmpint(run_bin(NULL, notready, &out, &errs, NULL), ==, 1);
    g_assert_nonnull(strstr(out, "verdict: 0000:00:1b.0: ready"));
    g_assert_nonnull(strstr(out, "verdict: 0000:00:1a.7: NOT READY (1 problem"));
    /* IGD: refused when the host device is opened; the SBDF given short is named in
     * full. The trial attach passes for the HDA controller, its attach log quiet. */
    g_assert_nonnull(strstr(out, "FAIL attach      0000:00:02.0: cannot pass through "
                                 "Intel's integrated GPU"));
    g_assert_nonnull(strstr(out, "verdict: 0000:00:02.0: NOT READY (1 problem"));
    g_assert_nonnull(strstr(out, "OK   attach      a trial attach to a simulated guest "
                                 "passed"));
    g_assert_null(strstr(errs, "attached"));
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&errs, g_free);

    /* A rule only xen-pci-passthrough's realize knows (the host BAR layout check):
     * the 82576's 128K BAR0 claimed as 4G covers its BAR3 (the MSI-X table's). */
    g_autofree char *nic = NULL;
    gsize len;
    g_assert_true(g_file_get_contents(dump_path("cap-pcie-2"), &nic, &len, NULL));
    char *at = strstr(nic, "[size=128K]");
    g_assert_nonnull(at);
    g_autofree char *bad = g_strdup_printf("%.*s[size=4G]%s", (int)(at - nic), nic,
                                           at + strlen("[size=128K]"));
    g_autofree char *tmp = g_build_filename(g_get_tmp_dir(), "xpt-check-4g.dump", NULL);
    g_assert_true(g_file_set_contents(tmp, bad, -1, NULL));
    const char *layout[] = { "-check-host", "-host-dump", tmp, "01:00.0", NULL };
    g_assert_cmpint(run_bin(NULL, layout, &out, &errs, NULL), ==, 1);
    g_assert_nonnull(strstr(out, "FAIL attach      0000:01:00.0: host BAR 0 "));
    g_assert_nonnull(strstr(out, "overlaps BAR 3"));
    g_unlink(tmp);
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&errs, g_free);

    static const char *const usage[][6] = {
        { "-check-host", NULL },
        { "-check-host", "all", "00:1b.0", NULL },
        { "-check-host", "-accel", "qtest", "all", NULL },
        { "-check-host", "-host-dump", NULL },
        { "-check-host", "-host-dump", "/nonexistent-xpt", "all", NULL },
        { "-check-host", "-host-sysfs", "/tmp", "-host-dump", "x", "all" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(usage); i++) {
        const char *args[8] = { 0 };
        memcpy(args, usage[i], sizeof(usage[i]));
        g_assert_cmpint(run_bin(NULL, args, &out, &errs, NULL), ==, 1);
        g_assert_cmpstr(out, ==, "");
        g_assert_true(g_str_has_prefix(errs, "xen-pt-dm: error: "));
        const char *nl = strchr(errs, '\n');
        g_assert_nonnull(nl);
        g_assert_cmpstr(nl + 1, ==, "");           /* one line */
        g_clear_pointer(&out, g_free);
        g_clear_pointer(&errs, g_free);
    }
}

/* Under Xen (the libxen fake linked in): the iommu line follows xc_physinfo. */
static void test_check_xen_physinfo(void)
{
    const char *bin = g_getenv("XPT_BINARY");
    if (!bin) {
        g_test_skip("XPT_BINARY not set (run through make check)");
        return;
    }
    g_autofree char *dir = g_path_get_dirname(bin);
    g_autofree char *fake = g_build_filename(dir, "tests", "xen-pt-dm-fakexen", NULL);
    if (!g_file_test(fake, G_FILE_TEST_IS_EXECUTABLE)) {
        g_test_skip("build/tests/xen-pt-dm-fakexen not built (make tests)");
        return;
    }
    g_autofree char *root = make_tree();
    tree_link(root, "0000:00:02.0", "driver", "../../drivers/pciback");
    tree_write(root, "0000:00:02.0", "reset_method", "flr\n", -1);
    const char *args[] = { "-check-host", "-host-sysfs", root, "0000:00:02.0", NULL };
    g_autofree char *out = NULL, *errs = NULL;

    g_assert_cmpint(run_bin(fake, args, &out, &errs, NULL), ==, 0);
    g_assert_nonnull(strstr(out, "Xen reports an IOMMU for passthrough"));
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&errs, g_free);
    const char *env[] = { "FAKE_XEN_PHYSCAP", "0x1", NULL };
    g_assert_cmpint(run_bin(fake, args, &out, &errs, env), ==, 1);
    g_assert_nonnull(strstr(out, "Xen reports no IOMMU"));
    xpt_test_rmtree(root);
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
    g_test_add_func("/check-host/fujitsu", test_check_fujitsu);
    g_test_add_func("/check-host/asus-all", test_check_asus_all);
    g_test_add_func("/check-host/sysfs-tree", test_check_sysfs_tree);
    g_test_add_func("/check-host/hostile", test_check_hostile);
    g_test_add_func("/check-host/this-machine", test_check_this_machine);
    g_test_add_func("/check-host/cmdline", test_check_cmdline);
    g_test_add_func("/check-host/xen-physinfo", test_check_xen_physinfo);
    return g_test_run();
}
