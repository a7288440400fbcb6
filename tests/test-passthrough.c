/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * End-to-end passthrough tests: the real binary under -accel qtest, driven through the
 * qtest protocol like a guest, with real devices from tests/fixtures as hosts.
 * Assertions: the guest view follows reference/config-space.md, and BAR programming
 * produces exactly the p2m/ioport mappings Xen would be asked for.
 */
#include <string.h>

#include "tests/guest-fw.h"
#include "tests/testutil.h"

#define SLOT2 0x10   /* devfn of the first passthrough slot */

static char *dump_arg(const char *fixture, const char *hostaddr, const char *extra)
{
    return g_strdup_printf("-device xen-pci-passthrough,hostaddr=%s,id=pt0,host-dump=%s%s",
                           hostaddr, xpt_test_fixture(fixture), extra ? extra : "");
}

static XptQts *start_dump(const char *fixture, const char *hostaddr, const char *extra)
{
    g_autofree char *args = dump_arg(fixture, hostaddr, extra);
    return xpt_qts_start(args);
}

/* JSON helpers over "xen-sim state". */
static JsonArray *state_array(JsonNode *state, const char *member)
{
    return json_object_get_array_member(json_node_get_object(state), member);
}

/* Intel 82576 (cap-pcie-2 01:00.0): identity, capabilities, BAR sizes and types. */
static void test_82576_guest_view(void)
{
    XptQts *qts = start_dump("pciutils-tests/cap-pcie-2", "0000:01:00.0", NULL);
    g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, 0x00), ==, 0x10c98086);
    g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, 0x08) >> 8, ==, 0x020000);   /* class from host */
    g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, 0x06) & 0x10, ==, 0x10);      /* CapList */
    /* chain: PM 40 → MSI 50 → MSI-X 70 → PCIe a0 → end */
    g_assert_cmphex(xpt_cfg_readb(qts, SLOT2, 0x34), ==, 0x40);
    g_assert_cmphex(xpt_cfg_readb(qts, SLOT2, 0x41), ==, 0x50);
    g_assert_cmphex(xpt_cfg_readb(qts, SLOT2, 0x51), ==, 0x70);
    g_assert_cmphex(xpt_cfg_readb(qts, SLOT2, 0x71), ==, 0xa0);
    g_assert_cmphex(xpt_cfg_readb(qts, SLOT2, 0xa1), ==, 0x00);
    /* PCIe DevCap: FLR (bit 28) hidden; host has it set (0x10008cc2). */
    g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, 0xa4), ==, 0x00008cc2);
    /* MSI: one vector (MMC 0), per-vector masking hidden (XSA-129), 64-bit from host. */
    g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, 0x52), ==, 0x0080);
    /* MSI-X table size from host (10 vectors → 9). */
    g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, 0x72) & 0x7ff, ==, 9);
    /* Command starts with decode off in the guest view; latency/cache line emulated 0. */
    g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, 0x04) & 0x3, ==, 0);
    g_assert_cmphex(xpt_cfg_readb(qts, SLOT2, 0x0c), ==, 0);

    GuestDev d = { .devfn = SLOT2 };
    guest_size_bars(qts, &d);
    g_assert_true(d.bars[0].present && !d.bars[0].io && !d.bars[0].mem64);
    g_assert_cmpuint(d.bars[0].size, ==, 128 * 1024);
    g_assert_cmpuint(d.bars[1].size, ==, 4 * 1024 * 1024);
    g_assert_true(d.bars[2].io);
    g_assert_cmpuint(d.bars[2].size, ==, 32);
    g_assert_cmpuint(d.bars[3].size, ==, 16 * 1024);
    g_assert_false(d.bars[4].present);
    g_assert_false(d.bars[5].present);
    g_assert_cmpuint(d.bars[6].size, ==, 4 * 1024 * 1024);   /* ROM */
    xpt_test_finish(qts);
}

/* Placement → exactly the expected p2m and ioport mappings; decode off and moves unmap. */
static void test_82576_bar_mappings(void)
{
    XptQts *qts = start_dump("pciutils-tests/cap-pcie-2", "0000:01:00.0", NULL);
    /* BAR0 at 0xf0000000 (host e0800000, 32 pages), BAR3 at 0xf1000000 (host e0840000,
     * 4 pages: the MSI-X table page 0 is carved out), BAR2 I/O at 0xc000. */
    xpt_cfg_writel(qts, SLOT2, 0x10, 0xf0000000);
    xpt_cfg_writel(qts, SLOT2, 0x1c, 0xf1000000);
    xpt_cfg_writel(qts, SLOT2, 0x18, 0xc001);
    g_autoptr(JsonNode) s0 = xpt_sim_state(qts);
    g_assert_cmpuint(json_array_get_length(state_array(s0, "mmio")), ==, 0);  /* decode off */

    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0007);
    g_autoptr(JsonNode) s1 = xpt_sim_state(qts);
    g_assert_true(xpt_state_has_mmio(s1, 0xf0000, 0xe0800, 32));
    g_assert_true(xpt_state_has_mmio(s1, 0xf1001, 0xe0841, 3));     /* pages 1–3 of BAR3 */
    g_assert_false(xpt_state_has_mmio(s1, 0xf1000, 0xe0840, 1));    /* the MSI-X table page */
    JsonArray *io = state_array(s1, "ioports");
    g_assert_cmpuint(json_array_get_length(io), ==, 1);
    JsonObject *p = json_array_get_object_element(io, 0);
    g_assert_cmpint(json_object_get_int_member(p, "gport"), ==, 0xc000);
    g_assert_cmpint(json_object_get_int_member(p, "mport"), ==, 0x1020);
    g_assert_cmpint(json_object_get_int_member(p, "nr"), ==, 32);

    /* Move BAR0: old range removed, new one added. */
    xpt_cfg_writel(qts, SLOT2, 0x10, 0xf2000000);
    g_autoptr(JsonNode) s2 = xpt_sim_state(qts);
    g_assert_false(xpt_state_has_mmio(s2, 0xf0000, 0xe0800, 32));
    g_assert_true(xpt_state_has_mmio(s2, 0xf2000, 0xe0800, 32));

    /* Memory decode off: every memory mapping gone, ports stay. */
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0005);
    g_autoptr(JsonNode) s3 = xpt_sim_state(qts);
    g_assert_cmpuint(json_array_get_length(state_array(s3, "mmio")), ==, 0);
    g_assert_cmpuint(json_array_get_length(state_array(s3, "ioports")), ==, 1);
    xpt_test_finish(qts);
}

/* The ROM is served by the device model as an emulated MMIO range (no RAM, no p2m). */
static void test_82576_rom_region(void)
{
    XptQts *qts = start_dump("pciutils-tests/cap-pcie-2", "0000:01:00.0", NULL);
    xpt_cfg_writel(qts, SLOT2, 0x30, 0xf0400001);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0002);
    g_autoptr(JsonNode) s = xpt_sim_state(qts);
    JsonArray *mmio_claims = json_object_get_array_member(
        json_object_get_object_member(json_node_get_object(s), "claims"), "mmio");
    g_assert_cmpuint(json_array_get_length(mmio_claims), ==, 1);
    JsonObject *c = json_array_get_object_element(mmio_claims, 0);
    g_assert_cmphex(json_object_get_int_member(c, "start"), ==, 0xf0400000);
    g_assert_cmphex(json_object_get_int_member(c, "end"), ==, 0xf07fffff);
    /* no host ROM contents in a dump: reads 0xFF, never RAM */
    g_assert_cmphex(xpt_readl(qts, 0xf0400000), ==, 0xffffffff);
    xpt_cfg_writel(qts, SLOT2, 0x30, 0xf0400000);      /* ROM disabled → unclaimed */
    g_autoptr(JsonNode) s2 = xpt_sim_state(qts);
    mmio_claims = json_object_get_array_member(
        json_object_get_object_member(json_node_get_object(s2), "claims"), "mmio");
    g_assert_cmpuint(json_array_get_length(mmio_claims), ==, 0);
    xpt_test_finish(qts);
}

/* Samsung PM174X NVMe (cap-phy32): 64-bit BAR0; 64-bit placement above 4 GiB. */
static void test_nvme_64bit_bar(void)
{
    XptQts *qts = start_dump("pciutils-tests/cap-phy32", "0000:2e:00.0", NULL);
    g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, 0x00), ==, 0xa826144d);
    GuestDev d = { .devfn = SLOT2 };
    guest_size_bars(qts, &d);
    g_assert_true(d.bars[0].mem64);
    g_assert_cmpuint(d.bars[0].size, ==, 32 * 1024);
    xpt_cfg_writel(qts, SLOT2, 0x10, 0x00000004);
    xpt_cfg_writel(qts, SLOT2, 0x14, 0x10);          /* 0x10_0000_0000 */
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0006);
    g_autoptr(JsonNode) s = xpt_sim_state(qts);
    JsonArray *mmio = state_array(s, "mmio");
    g_assert_cmpuint(json_array_get_length(mmio), >=, 1);
    JsonObject *m = json_array_get_object_element(mmio, 0);
    g_assert_cmphex(json_object_get_int_member(m, "gfn"), ==, 0x1000000);
    xpt_test_finish(qts);
}

/* sysfs-firecracker virtio devices: 512 KiB 64-bit BARs at 0x40_0000_0000. */
static void test_firecracker_sysfs(void)
{
    g_autofree char *tree = xpt_test_make_sysfs_tree(
        xpt_test_fixture("sysfs-firecracker/devices"));
    g_autofree char *args = g_strdup_printf(
        "-device xen-pci-passthrough,hostaddr=0000:00:03.0,host-sysfs=%s", tree);
    XptQts *qts = xpt_qts_start(args);
    g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, 0x00), ==, 0x10411af4);
    GuestDev d = { .devfn = SLOT2 };
    guest_size_bars(qts, &d);
    g_assert_true(d.bars[0].mem64);
    g_assert_cmpuint(d.bars[0].size, ==, 512 * 1024);
    /* vendor capabilities and MSI-X stay visible: first cap is the host's first */
    g_assert_cmphex(xpt_cfg_readb(qts, SLOT2, 0x34), ==, 0x40);
    xpt_cfg_writel(qts, SLOT2, 0x10, 0xf0000004);
    xpt_cfg_writel(qts, SLOT2, 0x14, 0);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0002);
    g_autoptr(JsonNode) s = xpt_sim_state(qts);
    g_assert_cmpuint(json_array_get_length(state_array(s, "mmio")), >=, 1);
    JsonObject *m = json_array_get_object_element(state_array(s, "mmio"), 0);
    g_assert_cmphex(json_object_get_int_member(m, "gfn"), ==, 0xf0000);
    g_assert_cmphex(json_object_get_int_member(m, "mfn"), ==, 0x4000100);  /* 0x40_0010_0000 */
    g_assert_cmpint(json_object_get_int_member(m, "nr"), ==, 8);  /* MSI-X table at page 8 */
    xpt_test_finish(qts);
    xpt_test_rmtree(tree);
}

/* Unclaimed slots read all-ones; writes vanish. */
static void test_unclaimed_slot(void)
{
    XptQts *qts = start_dump("pciutils-tests/cap-pcie-2", "0000:01:00.0", NULL);
    g_assert_cmphex(xpt_cfg_readl(qts, 0x18, 0x00), ==, 0xffffffff);
    g_assert_cmphex(xpt_cfg_readl(qts, 0xf8, 0x00), ==, 0xffffffff);
    g_assert_cmphex(xpt_cfg_readl(qts, 0x00, 0x00), ==, 0x12378086);   /* i440FX */
    g_assert_cmphex(xpt_cfg_readl(qts, 0x08, 0x00), ==, 0x70008086);   /* PIIX3 */
    xpt_test_finish(qts);
}

/* Writes to bytes in no register: dropped unless permissive (XSA-131). */
/* Host config writes recorded so far (attach itself writes some: MSI-X enable clear). */
static guint host_write_count(XptQts *qts)
{
    g_autoptr(JsonNode) w = xpt_sim_command(qts, "host-writes pt0");
    return json_array_get_length(json_node_get_array(w));
}

static void test_permissive(void)
{
    for (int perm = 0; perm < 2; perm++) {
        XptQts *qts = start_dump("pciutils-tests/cap-pcie-2", "0000:01:00.0",
                                 perm ? ",permissive=on" : NULL);
        guint n0 = host_write_count(qts);
        xpt_cfg_writel(qts, SLOT2, 0x28, 0x12345678);   /* CardBus CIS: no register */
        g_autoptr(JsonNode) w = xpt_sim_command(qts, "host-writes pt0");
        JsonArray *a = json_node_get_array(w);
        if (perm) {
            g_assert_cmpuint(json_array_get_length(a), ==, n0 + 1);   /* one aligned dword */
            JsonObject *w0 = json_array_get_object_element(a, n0);
            g_assert_cmpint(json_object_get_int_member(w0, "offset"), ==, 0x28);
            g_assert_cmpint(json_object_get_int_member(w0, "len"), ==, 4);
            g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, 0x28), ==, 0x12345678);
        } else {
            g_assert_cmpuint(json_array_get_length(a), ==, n0);
            g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, 0x28), ==, 0);
            g_autofree char *err = xpt_qts_stderr(qts);
            g_assert_nonnull(strstr(err, "permissive"));
        }
        xpt_test_finish(qts);
    }
}

/* Fully emulated registers never reach the host; pass-through bits do. */
static void test_host_write_policy(void)
{
    XptQts *qts = start_dump("pciutils-tests/cap-pcie-2", "0000:01:00.0", NULL);
    guint n0 = host_write_count(qts);
    xpt_cfg_writeb(qts, SLOT2, 0x0c, 0x10);          /* cache line: emulated */
    xpt_cfg_writew(qts, SLOT2, 0xa8, 0x0000);        /* PCIe DevCtl: emulated */
    g_assert_cmpuint(host_write_count(qts), ==, n0);
    /* PMCSR D3: the D-state is emulated; only Data_Select (bits 12:9) passes through. */
    xpt_cfg_writew(qts, SLOT2, 0x44, 0x0003);
    g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, 0x44) & 3, ==, 3);  /* guest sees D3 */
    g_autoptr(JsonNode) wp = xpt_sim_command(qts, "host-writes pt0");
    JsonArray *pa = json_node_get_array(wp);
    for (guint i = n0; i < json_array_get_length(pa); i++) {
        JsonObject *o = json_array_get_object_element(pa, i);
        g_assert_cmpint(json_object_get_int_member(o, "offset"), ==, 0x44);
        g_assert_cmphex(json_object_get_int_member(o, "value") & 0x3, ==, 0);
    }
    guint before = json_array_get_length(pa);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0004);        /* bus master passes through */
    g_autoptr(JsonNode) w1 = xpt_sim_command(qts, "host-writes pt0");
    JsonArray *a = json_node_get_array(w1);
    g_assert_cmpuint(json_array_get_length(a), ==, before + 1);
    JsonObject *o = json_array_get_object_element(a, before);
    g_assert_cmpint(json_object_get_int_member(o, "offset"), ==, 4);
    /* bus master + host decode kept on for the BARs the device has (XSA-126) */
    g_assert_cmphex(json_object_get_int_member(o, "value") & 0x7, ==, 0x7);
    xpt_test_finish(qts);
}

/* Bridges and non-existent devices are refused with one clear line naming the SBDF. */
static void test_refused(void)
{
    g_autofree char *err = NULL;
    g_autofree char *args = g_strdup_printf(
        "-accel qtest -qtest stdio -device xen-pci-passthrough,hostaddr=0000:00:1c.0,"
        "host-dump=%s", xpt_test_fixture("pciutils-tests/cap-vc-and-rcl"));
    int status = xpt_qts_run_expect_fail(args, &err);
    g_assert_cmpint(status, ==, 1);
    g_assert_nonnull(strstr(err, "0000:00:1c.0"));
    g_assert_nonnull(strstr(err, "bridge"));
    g_free(err);
    err = NULL;
    status = xpt_qts_run_expect_fail("-accel qtest -qtest stdio -bogus", &err);
    g_assert_cmpint(status, ==, 1);
    g_assert_nonnull(strstr(err, "-bogus"));
    g_free(err);
    err = NULL;
    status = xpt_qts_run_expect_fail("-accel qtest -qtest stdio -drive file=x", &err);
    g_assert_cmpint(status, ==, 1);
    g_assert_nonnull(strstr(err, "disk"));
    g_free(err);
    err = NULL;
    status = xpt_qts_run_expect_fail(
        "-accel qtest -qtest stdio -device xen-pci-passthrough,hostaddr=0000:01:00.0,bogus=1",
        &err);
    g_assert_cmpint(status, ==, 1);
    g_assert_nonnull(strstr(err, "bogus"));
}

/* Bad qtest lines answered with FAIL; the process keeps serving. */
static void test_bad_qtest_lines(void)
{
    XptQts *qts = start_dump("pciutils-tests/cap-pcie-2", "0000:01:00.0", NULL);
    const char *bad[] = { "inl", "outl 0xcf8", "inl 0x10000", "readl zz", "frob 1 2",
                          "write 0 4 0xzz", "b64write 0 4 !!!!", "xen-sim fail nope EPERM" };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *r = xpt_qts_command(qts, "%s", bad[i]);
        g_assert_true(g_str_has_prefix(r, "FAIL") || g_str_has_prefix(r, "ERR"));
    }
    g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, 0x00), ==, 0x10c98086);
    xpt_test_finish(qts);
}

/* The passthrough-capable fixture endpoints with region sizes all attach. */
static void test_fixture_endpoints(void)
{
    static const struct { const char *file, *addr; uint32_t id; } eps[] = {
        { "pciutils-tests/cap-pcie-2", "0000:01:00.0", 0x10c98086 },
        { "pciutils-tests/cap-phy32", "0000:2e:00.0", 0xa826144d },
        { "pciutils-tests/cap-vc-and-rcl", "0000:00:1b.0", 0x27d88086 },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(eps); i++) {
        XptQts *qts = start_dump(eps[i].file, eps[i].addr, NULL);
        GuestDev devs[16];
        unsigned n = guest_scan(qts, devs, 16);
        g_assert_cmpuint(n, ==, 4);      /* 00.0 i440FX, 01.0 PIIX3, 01.3 PIIX4 PM, 02.0 */
        g_assert_cmphex(devs[2].devfn, ==, 0x0b);
        g_assert_cmphex(devs[3].devfn, ==, SLOT2);
        guest_setup_all(qts, devs, n);
        g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, 0), ==, eps[i].id);
        /* decode enabled by the firmware → at least one mapping recorded */
        g_autoptr(JsonNode) s = xpt_sim_state(qts);
        g_assert_cmpuint(json_array_get_length(state_array(s, "mmio")) +
                         json_array_get_length(state_array(s, "ioports")), >, 0);
        xpt_test_finish(qts);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/passthrough/82576/guest-view", test_82576_guest_view);
    g_test_add_func("/passthrough/82576/bar-mappings", test_82576_bar_mappings);
    g_test_add_func("/passthrough/82576/rom-region", test_82576_rom_region);
    g_test_add_func("/passthrough/nvme/64bit-bar", test_nvme_64bit_bar);
    g_test_add_func("/passthrough/firecracker/sysfs", test_firecracker_sysfs);
    g_test_add_func("/passthrough/unclaimed-slot", test_unclaimed_slot);
    g_test_add_func("/passthrough/permissive", test_permissive);
    g_test_add_func("/passthrough/host-write-policy", test_host_write_policy);
    g_test_add_func("/passthrough/refused", test_refused);
    g_test_add_func("/passthrough/bad-qtest-lines", test_bad_qtest_lines);
    g_test_add_func("/passthrough/fixture-endpoints", test_fixture_endpoints);
    return g_test_run();
}
