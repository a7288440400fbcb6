/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Xen platform PCI device (hw/i386/xen-platform.h) end to end under -accel qtest:
 * present with -machine xenfv (libxl's xen_platform_pci=1), absent with -machine pc
 * (xen_platform_pci=0); its IDs and BARs as QEMU's xen-platform; the fixed ports of the
 * unplug protocol as Linux's check_platform_magic drives them; BAR claims as the guest
 * places and moves them; query-pci; -device xen-platform.
 */
#include <glib.h>
#include <string.h>

#include "qtest/client.h"
#include "tests/guest-fw.h"
#include "tests/testutil.h"

#define PLATFORM 0x18    /* devfn 00:03.0 */
#define XENFV "-machine xenfv,suppress-vmdesc=on"

/* Whether the sim holds a claim [start, end] of @kind ("port", "mmio", "pci"). */
static bool claimed(XptQts *qts, const char *kind, gint64 start, gint64 end)
{
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    JsonObject *claims = json_object_get_object_member(json_node_get_object(st), "claims");
    JsonArray *a = json_object_get_array_member(claims, kind);
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonObject *r = json_array_get_object_element(a, i);
        if (json_object_get_int_member(r, "start") == start &&
            json_object_get_int_member(r, "end") == end) {
            return true;
        }
    }
    return false;
}

/* IDs, class, command, pin and BAR sizing masks: QEMU's xen_platform_realize/class_init. */
static void test_ids_and_bars(void)
{
    XptQts *qts = xpt_qts_start(XENFV);
    g_assert_cmphex(xpt_cfg_readl(qts, PLATFORM, 0x00), ==, 0x00015853);
    g_assert_cmphex(xpt_cfg_readl(qts, PLATFORM, 0x08), ==, 0xff800001);   /* class, rev 1 */
    g_assert_cmphex(xpt_cfg_readl(qts, PLATFORM, 0x2c), ==, 0x00015853);   /* subsystem */
    g_assert_cmphex(xpt_cfg_readw(qts, PLATFORM, 0x04), ==, 0x0003);       /* I/O + memory */
    g_assert_cmphex(xpt_cfg_readb(qts, PLATFORM, 0x0e), ==, 0x00);
    g_assert_cmphex(xpt_cfg_readb(qts, PLATFORM, 0x3d), ==, 0x01);         /* INTA */
    g_assert_cmphex(xpt_cfg_readl(qts, PLATFORM, 0x10), ==, 0x00000001);   /* I/O BAR */
    g_assert_cmphex(xpt_cfg_readl(qts, PLATFORM, 0x14), ==, 0x00000008);   /* prefetch */
    xpt_cfg_writel(qts, PLATFORM, 0x10, 0xffffffff);
    xpt_cfg_writel(qts, PLATFORM, 0x14, 0xffffffff);
    g_assert_cmphex(xpt_cfg_readl(qts, PLATFORM, 0x10), ==, 0xffffff01);   /* 0x100 ports */
    g_assert_cmphex(xpt_cfg_readl(qts, PLATFORM, 0x14), ==, 0xff000008);   /* 16 MiB */
    for (unsigned off = 0x18; off < 0x28; off += 4) {
        xpt_cfg_writel(qts, PLATFORM, off, 0xffffffff);
        g_assert_cmphex(xpt_cfg_readl(qts, PLATFORM, off), ==, 0);         /* no BAR 2-5 */
    }
    g_assert_cmphex(xpt_cfg_readl(qts, PLATFORM, 0x30), ==, 0);            /* no ROM */
    /* The config space is claimed, and the fixed ports 0x10-0x1f; the sizing patterns
     * decode nowhere, so no BAR is claimed. */
    g_assert_true(claimed(qts, "pci", 0x18, 0x18));
    g_assert_true(claimed(qts, "port", 0x10, 0x1f));
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    JsonObject *claims = json_object_get_object_member(json_node_get_object(st), "claims");
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(claims, "mmio")), ==,
                     0);
    xpt_test_finish(qts);
}

/* libxl's xen_platform_pci=0 gives -machine pc,accel=xen: no device, no ports. */
static void test_absent(void)
{
    const char *args[] = { "-machine pc", "" };
    for (unsigned i = 0; i < G_N_ELEMENTS(args); i++) {
        XptQts *qts = xpt_qts_start(args[i]);
        g_assert_cmphex(xpt_cfg_readl(qts, PLATFORM, 0x00), ==, 0xffffffff);
        g_assert_cmphex(xpt_inw(qts, 0x10), ==, 0xffff);
        g_assert_false(claimed(qts, "port", 0x10, 0x1f));
        xpt_test_finish(qts);
    }
}

/*
 * The handshake of Linux's check_platform_magic and xen_unplug_emulated_devices
 * (arch/x86/xen/platform-pci-unplug.c): magic, protocol version, product number, driver
 * version, magic again (not "blacklisted"), then the unplug mask. The unplug removes
 * nothing (there is no emulated disk or NIC) and says so once.
 */
static void test_unplug_handshake(void)
{
    XptQts *qts = xpt_qts_start(XENFV " -d unimp");
    g_assert_cmphex(xpt_inw(qts, 0x10), ==, 0x49d2);
    g_assert_cmphex(xpt_inb(qts, 0x12), ==, 1);
    xpt_outw(qts, 0x12, 3);                       /* XEN_IOPORT_LINUX_PRODNUM */
    xpt_outl(qts, 0x10, 1);                       /* XEN_IOPORT_LINUX_DRVVER */
    g_assert_cmphex(xpt_inw(qts, 0x10), ==, 0x49d2);
    xpt_outw(qts, 0x10, 0x0003);                  /* ALL_IDE_DISKS | ALL_NICS */
    /* The rest of the 16 ports, as QEMU's platform_fixed_ioport_read answers them. */
    g_assert_cmphex(xpt_inb(qts, 0x10), ==, 0x00);     /* platform flags */
    g_assert_cmphex(xpt_inb(qts, 0x11), ==, 0xff);
    g_assert_cmphex(xpt_inw(qts, 0x12), ==, 0xffff);
    g_assert_cmphex(xpt_inw(qts, 0x1e), ==, 0xffff);
    g_assert_cmphex(xpt_inl(qts, 0x10), ==, 0xffffffff);
    /* The ROM lock flag is not applied: it reads back 0 (QEMU, when set_mem_type fails). */
    xpt_outb(qts, 0x10, 1);
    g_assert_cmphex(xpt_inb(qts, 0x10), ==, 0x00);
    /* A driver log line, byte by byte at 0x12. */
    for (const char *c = "pv hello\n"; *c; c++) {
        xpt_outb(qts, 0x12, (uint8_t)*c);
    }
    /* Still there after the unplug: the chipset, and the device itself. */
    g_assert_cmphex(xpt_cfg_readl(qts, 0x00, 0x00), ==, 0x12378086);
    g_assert_cmphex(xpt_cfg_readl(qts, PLATFORM, 0x00), ==, 0x00015853);
    g_autofree char *err = xpt_qts_stderr(qts);
    g_assert_nonnull(strstr(err, "unplug emulated IDE/SCSI disks, NICs (port 0x10 mask 0x3)"));
    g_assert_nonnull(strstr(err, "product number 3"));
    g_assert_nonnull(strstr(err, "PV driver version 0x1"));
    g_assert_nonnull(strstr(err, "guest driver log: pv hello"));
    g_assert_nonnull(strstr(err, "ROM lock"));
    xpt_test_finish(qts);
}

/* A guest hammering the unplug register gets a bounded number of lines. */
static void test_unplug_ratelimited(void)
{
    XptQts *qts = xpt_qts_start(XENFV);
    for (unsigned i = 0; i < 200; i++) {
        xpt_outw(qts, 0x10, 0x000f);
    }
    for (unsigned i = 0; i < 5000; i++) {
        xpt_outb(qts, 0x12, 'x');                 /* a log line longer than the buffer */
    }
    g_autofree char *err = xpt_qts_stderr(qts);
    unsigned lines = 0;
    for (const char *p = err; (p = strstr(p, "unplug emulated")); p++) {
        lines++;
    }
    g_assert_cmpuint(lines, >=, 1);
    g_assert_cmpuint(lines, <=, 10);
    g_assert_nonnull(strstr(err, "NVMe disks"));
    xpt_test_finish(qts);
}

/* Find the platform device among hvmloader's placements. */
static GuestDev *find_platform(GuestDev *devs, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        if (devs[i].vendor == 0x5853) {
            return &devs[i];
        }
    }
    return NULL;
}

/*
 * hvmloader places both BARs (tests/guest-fw.c); they are claimed there, the I/O BAR
 * answers as QEMU's xen_platform_ioport_readb/writeb (byte 0 flags, the rest all-ones;
 * wider accesses byte by byte; bytes 4 and 8 unplug), the MMIO BAR reads 0. Turning
 * decode off or moving a BAR moves the claims; nothing is left at exit (leak check).
 */
static void test_bars_claimed(void)
{
    XptQts *qts = xpt_qts_start(XENFV " -d unimp");
    GuestDev devs[16];
    unsigned n = guest_scan(qts, devs, G_N_ELEMENTS(devs));
    guest_setup_all(qts, devs, n);
    GuestDev *p = find_platform(devs, n);
    g_assert_nonnull(p);
    g_assert_cmphex(p->devfn, ==, PLATFORM);
    g_assert_true(p->bars[0].io);
    g_assert_cmpuint(p->bars[0].size, ==, 0x100);
    g_assert_true(p->bars[1].prefetch);
    g_assert_false(p->bars[1].mem64);
    g_assert_cmpuint(p->bars[1].size, ==, 16u << 20);
    uint64_t io = p->bars[0].addr, mem = p->bars[1].addr;
    g_assert_cmphex(io, !=, 0);
    g_assert_cmphex(mem, !=, 0);
    g_assert_true(claimed(qts, "port", (gint64)io, (gint64)io + 0xff));
    g_assert_true(claimed(qts, "mmio", (gint64)mem, (gint64)mem + (16 << 20) - 1));

    g_assert_cmphex(xpt_inb(qts, io), ==, 0x00);
    g_assert_cmphex(xpt_inb(qts, io + 1), ==, 0xff);
    g_assert_cmphex(xpt_inw(qts, io), ==, 0xff00);
    g_assert_cmphex(xpt_inl(qts, io + 0xfc), ==, 0xffffffff);
    xpt_outb(qts, io + 8, 2);                     /* unplug NICs */
    xpt_outl(qts, io + 4, 1);                     /* SUSE: disks and NICs */
    for (const char *c = "bar log\n"; *c; c++) {
        xpt_outb(qts, io + 8, (uint8_t)*c);
    }
    g_assert_cmphex(xpt_readl(qts, mem), ==, 0);
    g_assert_cmphex(xpt_readl(qts, mem + (16 << 20) - 4), ==, 0);
    xpt_writel(qts, mem + 0x1000, 0xdeadbeef);
    g_assert_cmphex(xpt_readl(qts, mem + 0x1000), ==, 0);

    /* I/O decode off: the I/O BAR goes, the MMIO BAR stays. */
    uint16_t cmd = xpt_cfg_readw(qts, PLATFORM, 0x04);
    g_assert_cmphex(cmd & 3, ==, 3);
    xpt_cfg_writew(qts, PLATFORM, 0x04, cmd & ~1u);
    g_assert_false(claimed(qts, "port", (gint64)io, (gint64)io + 0xff));
    g_assert_cmphex(xpt_inb(qts, io), ==, 0xff);
    g_assert_true(claimed(qts, "mmio", (gint64)mem, (gint64)mem + (16 << 20) - 1));
    /* Move the I/O BAR and turn decode on again. */
    uint64_t io2 = io + 0x100;
    xpt_cfg_writel(qts, PLATFORM, 0x10, (uint32_t)io2);
    xpt_cfg_writew(qts, PLATFORM, 0x04, cmd);
    g_assert_true(claimed(qts, "port", (gint64)io2, (gint64)io2 + 0xff));
    g_assert_cmphex(xpt_inb(qts, io2 + 1), ==, 0xff);
    /* Move the MMIO BAR while decoding. */
    uint64_t mem2 = mem + (16 << 20);
    xpt_cfg_writel(qts, PLATFORM, 0x14, (uint32_t)mem2);
    g_assert_false(claimed(qts, "mmio", (gint64)mem, (gint64)mem + (16 << 20) - 1));
    g_assert_true(claimed(qts, "mmio", (gint64)mem2, (gint64)mem2 + (16 << 20) - 1));
    /* Memory decode off: gone. */
    xpt_cfg_writew(qts, PLATFORM, 0x04, cmd & ~2u);
    g_assert_false(claimed(qts, "mmio", (gint64)mem2, (gint64)mem2 + (16 << 20) - 1));

    g_autofree char *err = xpt_qts_stderr(qts);
    g_assert_nonnull(strstr(err, "unplug emulated NICs (BAR0 byte 8 0x2)"));
    g_assert_nonnull(strstr(err, "unplug emulated IDE/SCSI disks, NICs (BAR0 byte 4 0x3)"));
    g_assert_nonnull(strstr(err, "guest driver log: bar log"));
    xpt_test_finish(qts);
}

/*
 * A hostile placement: the I/O BAR over the i440FX's CONFADD (0xC00-0xCFF holds
 * 0xCF8). It is refused with one line and does not decode; CONFADD keeps working.
 */
static void test_bar_overlap_refused(void)
{
    XptQts *qts = xpt_qts_start(XENFV);
    xpt_cfg_writel(qts, PLATFORM, 0x10, 0xc00);
    g_assert_false(claimed(qts, "port", 0xc00, 0xcff));
    xpt_outl(qts, 0xcf8, 0x80001800);
    g_assert_cmphex(xpt_inl(qts, 0xcf8), ==, 0x80001800);
    g_assert_cmphex(xpt_inb(qts, 0xc00), ==, 0xff);
    /* Over the fixed ports' own page: 0x0 is no placement, 0x100 is fine. */
    xpt_cfg_writel(qts, PLATFORM, 0x10, 0x100);
    g_assert_true(claimed(qts, "port", 0x100, 0x1ff));
    g_autofree char *err = xpt_qts_stderr(qts);
    g_assert_nonnull(strstr(err, "xen-platform 00:03.0: BAR0 at 0xc00 does not decode"));
    xpt_test_finish(qts);
}

/*
 * Slots: passthrough devices cold-plug from slot 2 and skip the platform device's 3;
 * query-pci lists it with its regions (QEMU's shape); device_del refuses it.
 */
static void test_slots_and_query_pci(void)
{
    XptQmp *qmp = xpt_qmp_listen();
    g_autofree char *dump_a = g_strdup(xpt_test_fixture("pciutils-tests/cap-pcie-2"));
    g_autofree char *dump_b = g_strdup(xpt_test_fixture("pciutils-tests/cap-phy32"));
    g_autofree char *args = g_strdup_printf(
        "%s " XENFV " -device xen-pci-passthrough,hostaddr=0000:01:00.0,id=a,host-dump=%s"
        " -device xen-pci-passthrough,hostaddr=0000:2e:00.0,id=b,host-dump=%s",
        xpt_qmp_args(qmp), dump_a, dump_b);
    XptQts *qts = xpt_qts_start(args);
    JsonNode *greeting = xpt_qmp_accept(qmp);
    xpt_qmp_negotiate(qmp);
    g_assert_cmphex(xpt_cfg_readl(qts, PLATFORM, 0x00), ==, 0x00015853);
    g_assert_cmphex(xpt_cfg_readw(qts, 0x10, 0x00), !=, 0xffff);    /* a at 02.0 */
    g_assert_cmphex(xpt_cfg_readw(qts, 0x20, 0x00), !=, 0xffff);    /* b at 04.0 */
    xpt_cfg_writel(qts, PLATFORM, 0x10, 0xc100);
    g_autoptr(JsonNode) r = xpt_qmp_command(qmp, "{\"execute\":\"query-pci\"}");
    JsonArray *buses = json_object_get_array_member(json_node_get_object(r), "return");
    JsonArray *devices = json_object_get_array_member(json_array_get_object_element(buses, 0),
                                                      "devices");
    JsonObject *plat = NULL;
    for (guint i = 0; i < json_array_get_length(devices); i++) {
        JsonObject *d = json_array_get_object_element(devices, i);
        if (json_object_get_int_member(d, "slot") == 3) {
            plat = d;
        }
        if (!strcmp(json_object_get_string_member(d, "qdev_id"), "b")) {
            g_assert_cmpint(json_object_get_int_member(d, "slot"), ==, 4);
        }
    }
    g_assert_nonnull(plat);
    JsonObject *ids = json_object_get_object_member(plat, "id");
    g_assert_cmpint(json_object_get_int_member(ids, "vendor"), ==, 0x5853);
    g_assert_cmpint(json_object_get_int_member(ids, "device"), ==, 1);
    g_assert_cmpint(json_object_get_int_member(
                        json_object_get_object_member(plat, "class_info"), "class"), ==, 0xff80);
    JsonArray *regions = json_object_get_array_member(plat, "regions");
    g_assert_cmpuint(json_array_get_length(regions), ==, 2);
    JsonObject *r0 = json_array_get_object_element(regions, 0);
    JsonObject *r1 = json_array_get_object_element(regions, 1);
    g_assert_cmpstr(json_object_get_string_member(r0, "type"), ==, "io");
    g_assert_cmpint(json_object_get_int_member(r0, "size"), ==, 0x100);
    g_assert_cmpint(json_object_get_int_member(r0, "address"), ==, 0xc100);
    g_assert_cmpstr(json_object_get_string_member(r1, "type"), ==, "memory");
    g_assert_cmpint(json_object_get_int_member(r1, "size"), ==, 16 << 20);
    g_assert_true(json_object_get_boolean_member(r1, "prefetch"));
    g_assert_cmpint(json_object_get_int_member(r1, "address"), ==, -1);
    json_node_unref(greeting);
    xpt_qmp_free(qmp);
    xpt_test_finish(qts);
}

/* -device xen-platform: with -machine pc it goes to 03.0 (or addr=); a second one on
 * xenfv is refused in one line; device_del and hot-plug are refused. */
static void test_device_option(void)
{
    XptQmp *qmp = xpt_qmp_listen();
    g_autofree char *args = g_strdup_printf("%s -machine pc -device xen-platform,id=xp",
                                            xpt_qmp_args(qmp));
    XptQts *qts = xpt_qts_start(args);
    JsonNode *greeting = xpt_qmp_accept(qmp);
    xpt_qmp_negotiate(qmp);
    g_assert_cmphex(xpt_cfg_readl(qts, PLATFORM, 0x00), ==, 0x00015853);
    g_assert_cmphex(xpt_inw(qts, 0x10), ==, 0x49d2);
    g_autoptr(JsonNode) del = xpt_qmp_command(qmp, "{\"execute\":\"device_del\","
                                                   "\"arguments\":{\"id\":\"xp\"}}");
    JsonObject *e = json_object_get_object_member(json_node_get_object(del), "error");
    g_assert_nonnull(e);
    g_assert_nonnull(strstr(json_object_get_string_member(e, "desc"),
                            "does not support hotplugging"));
    g_assert_cmphex(xpt_cfg_readl(qts, PLATFORM, 0x00), ==, 0x00015853);
    /* The guest has run (port accesses above): a second one is a hot plug. */
    g_autoptr(JsonNode) add = xpt_qmp_command(qmp, "{\"execute\":\"device_add\","
                                                   "\"arguments\":{\"driver\":\"xen-platform\","
                                                   "\"id\":\"xp2\"}}");
    g_assert_true(json_object_has_member(json_node_get_object(add), "error"));
    json_node_unref(greeting);
    xpt_qmp_free(qmp);
    xpt_test_finish(qts);

    qts = xpt_qts_start("-machine pc -device xen-platform,addr=9");
    g_assert_cmphex(xpt_cfg_readl(qts, 0x48, 0x00), ==, 0x00015853);
    g_assert_cmphex(xpt_cfg_readl(qts, PLATFORM, 0x00), ==, 0xffffffff);
    xpt_test_finish(qts);

    g_autofree char *err = NULL;
    g_assert_cmpint(xpt_qts_run_expect_fail("-accel qtest -qtest stdio " XENFV
                                            " -device xen-platform", &err), ==, 1);
    g_assert_nonnull(strstr(err, "already has one at 00:03.0"));
    g_clear_pointer(&err, g_free);
    g_assert_cmpint(xpt_qts_run_expect_fail("-accel qtest -qtest stdio "
                                            "-device xen-platform,bogus=1", &err), ==, 1);
    g_assert_nonnull(strstr(err, "bogus"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/xen-platform/ids-and-bars", test_ids_and_bars);
    g_test_add_func("/xen-platform/absent-without-xenfv", test_absent);
    g_test_add_func("/xen-platform/unplug-handshake", test_unplug_handshake);
    g_test_add_func("/xen-platform/unplug-ratelimited", test_unplug_ratelimited);
    g_test_add_func("/xen-platform/bars-claimed", test_bars_claimed);
    g_test_add_func("/xen-platform/bar-overlap-refused", test_bar_overlap_refused);
    g_test_add_func("/xen-platform/slots-and-query-pci", test_slots_and_query_pci);
    g_test_add_func("/xen-platform/device-option", test_device_option);
    return g_test_run();
}
