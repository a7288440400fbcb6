/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * INTx pirqs shared through the simulated hypervisor (SPEC §6; reference/xen-abi.md
 * §Interrupts): between passthrough functions on one host GSI, and between a hot-plugged
 * device's GSI pirq and the pirq the guest took for one of its own emulated GSIs. Each
 * step is checked against the pirq and binding state Xen 4.17 would hold.
 */
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "qtest/client.h"
#include "tests/testutil.h"

#define NIC "0000:01:00.0"        /* Intel 82576 in pciutils-tests/cap-pcie-2 */

/*
 * Shared host GSI (reference/xen-abi.md §Interrupts; Xen 4.17 unmap_domain_pirq /
 * pt_irq_create_bind / pt_irq_destroy_bind): the ICH10 UHCI controllers 00:1a.0 and
 * 00:1d.0 of tree-asus-p6t6 both sit on host IRQ 11, pin A. Passed through into guest
 * slots 5 and 6, they share one pirq with one INTx binding each. Detaching one must
 * unbind only its own (dev, intx) and leave the pirq mapped: Xen's unmap force-unbinds
 * every binding of the pirq, which would silence the sibling.
 */
#define UHCI_A "0000:00:1a.0"
#define UHCI_B "0000:00:1d.0"
#define UHCI_IRQ 11
#define B0EJ 0xae08               /* ACPI PCI hot-plug eject register (bit = slot) */

static char *uhci_device(const char *host, const char *id, unsigned slot)
{
    return g_strdup_printf("-device xen-pci-passthrough,hostaddr=%s,id=%s,addr=%02x,"
                           "host-dump=%s", host, id, slot,
                           xpt_test_fixture("pciutils-tests/tree-asus-p6t6"));
}

/* The "intx" binding of guest slot @dev, or NULL. */
static JsonObject *intx_of_slot(JsonNode *st, unsigned dev)
{
    return xpt_state_find(st, "intx", "dev", dev);
}

static gint64 calls_of(JsonNode *st, const char *op)
{
    JsonObject *c = json_object_get_object_member(json_node_get_object(st), "calls");
    return json_object_get_int_member(c, op);
}

/*
 * Assert the state of the shared GSI: its pirq mapped once (never force-unbound), with
 * exactly the guest slots in @slots (0-terminated) bound at pin A and delivering.
 */
static void assert_shared_gsi(XptQts *qts, const unsigned *slots)
{
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    JsonObject *p = NULL;
    g_assert_cmpuint(xpt_state_count_pirqs(st, "gsi", &p), ==, 1);
    g_assert_cmpint(json_object_get_int_member(p, "irq"), ==, UHCI_IRQ);
    g_assert_false(json_object_has_member(p, "force_unbound"));
    gint64 pirq = json_object_get_int_member(p, "pirq");
    guint n = 0;
    for (; slots[n]; n++) {
        JsonObject *b = intx_of_slot(st, slots[n]);
        g_assert_nonnull(b);
        g_assert_cmpint(json_object_get_int_member(b, "pirq"), ==, pirq);
        g_assert_cmpint(json_object_get_int_member(b, "intx"), ==, 0);
        g_assert_cmpstr(json_object_get_string_member(b, "delivery"), ==, "gsi");
    }
    g_assert_cmpuint(json_array_get_length(xpt_state_array(st, "intx")), ==, n);
}

/* Cold-plugged pair; the guest ejects one slot (ACPI _EJ0), then the other. */
static void test_shared_gsi_eject(void)
{
    g_autofree char *a = uhci_device(UHCI_A, "uhci-a", 5);
    g_autofree char *b = uhci_device(UHCI_B, "uhci-b", 6);
    g_autofree char *args = g_strdup_printf("%s %s", a, b);
    XptQts *qts = xpt_qts_start(args);
    g_assert_cmphex(xpt_cfg_readb(qts, 5 << 3, 0x3d), ==, 1);
    g_assert_cmphex(xpt_cfg_readb(qts, 6 << 3, 0x3d), ==, 1);
    assert_shared_gsi(qts, (const unsigned[]){ 5, 6, 0 });
    {
        g_autoptr(JsonNode) st = xpt_sim_state(qts);
        g_assert_cmpint(calls_of(st, "map_pirq"), ==, 1);          /* mapped once */
    }

    xpt_outl(qts, B0EJ, 1u << 5);
    g_assert_cmphex(xpt_cfg_readl(qts, 5 << 3, 0x00), ==, 0xffffffff);
    assert_shared_gsi(qts, (const unsigned[]){ 6, 0 });
    {
        g_autoptr(JsonNode) st = xpt_sim_state(qts);
        g_assert_cmpint(calls_of(st, "unbind_pt_intx"), ==, 1);
        g_assert_cmpint(calls_of(st, "unmap_pirq"), ==, 0);        /* the sibling uses it */
    }

    xpt_outl(qts, B0EJ, 1u << 6);
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    g_assert_cmpuint(xpt_state_count_pirqs(st, "gsi", NULL), ==, 0);
    g_assert_cmpuint(json_array_get_length(xpt_state_array(st, "intx")), ==, 0);
    g_assert_cmpint(calls_of(st, "unmap_pirq"), ==, 1);            /* the last user */
    g_autofree char *err = xpt_qts_stderr(qts);
    g_assert_null(strstr(err, "xc_physdev_unmap_pirq"));
    xpt_test_finish(qts);                                          /* leak check */
}

/*
 * Hot plug through QMP as libxl does: a sibling added while the first function is
 * attached reuses its pirq; a sibling whose bind fails must not unmap it; device_del of
 * the first leaves the sibling delivering; shutdown unmaps once, leaving nothing. No
 * guest I/O happens, so device_del removes at once (no ACPI eject round).
 */
static void test_shared_gsi_hotplug(void)
{
    XptQmp *qmp = xpt_qmp_listen();
    g_autofree char *a = uhci_device(UHCI_A, "uhci-a", 5);
    g_autofree char *args = g_strdup_printf("%s %s", xpt_qmp_args(qmp), a);
    XptQts *qts = xpt_qts_start(args);
    g_autoptr(JsonNode) greeting = xpt_qmp_accept(qmp);
    xpt_qmp_negotiate(qmp);
    const char *dump = xpt_test_fixture("pciutils-tests/tree-asus-p6t6");

    /* A sibling whose INTx bind fails: pin 0 for it, the first keeps its binding. */
    g_autoptr(JsonNode) f = xpt_sim_command(qts, "fail bind_pt_intx EINVAL");
    g_autoptr(JsonNode) r1 = xpt_qmp_command(qmp,
        "{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"xen-pci-passthrough\", "
        "\"id\": \"uhci-b\", \"hostaddr\": \"%s\", \"addr\": \"6.0\", "
        "\"host-dump\": \"%s\"}}", UHCI_B, dump);
    g_assert_nonnull(xpt_qmp_reply_return(r1));
    assert_shared_gsi(qts, (const unsigned[]){ 5, 0 });
    g_autofree char *warn = xpt_qts_stderr(qts);
    g_assert_nonnull(strstr(warn, UHCI_B));
    g_assert_nonnull(strstr(warn, "INTx disabled"));
    g_autoptr(JsonNode) r2 = xpt_qmp_command(qmp,
        "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"uhci-b\"}}");
    g_assert_nonnull(xpt_qmp_reply_return(r2));
    g_autoptr(JsonNode) ev1 = xpt_qmp_event_wait(qmp, "DEVICE_DELETED");
    assert_shared_gsi(qts, (const unsigned[]){ 5, 0 });

    /* Added again, it binds on the same pirq without mapping it a second time. */
    g_autoptr(JsonNode) r3 = xpt_qmp_command(qmp,
        "{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"xen-pci-passthrough\", "
        "\"id\": \"uhci-b\", \"hostaddr\": \"%s\", \"addr\": \"6.0\", "
        "\"host-dump\": \"%s\"}}", UHCI_B, dump);
    g_assert_nonnull(xpt_qmp_reply_return(r3));
    assert_shared_gsi(qts, (const unsigned[]){ 5, 6, 0 });
    {
        g_autoptr(JsonNode) st = xpt_sim_state(qts);
        g_assert_cmpint(calls_of(st, "map_pirq"), ==, 1);
    }

    /* The first leaves: its binding only. */
    g_autoptr(JsonNode) r4 = xpt_qmp_command(qmp,
        "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"uhci-a\"}}");
    g_assert_nonnull(xpt_qmp_reply_return(r4));
    g_autoptr(JsonNode) ev2 = xpt_qmp_event_wait(qmp, "DEVICE_DELETED");
    assert_shared_gsi(qts, (const unsigned[]){ 6, 0 });
    {
        g_autoptr(JsonNode) st = xpt_sim_state(qts);
        g_assert_cmpint(calls_of(st, "unmap_pirq"), ==, 0);
    }
    g_autofree char *err = xpt_qts_stderr(qts);
    g_assert_null(strstr(err, "xc_physdev_unmap_pirq"));
    xpt_qmp_free(qmp);
    xpt_test_finish(qts);                                          /* unmapped, no leak */
}

/*
 * The 82576 of pciutils-tests/cap-pcie-2 as Linux with an I/O APIC sees it: its own
 * lspci -v text says "Interrupt: pin A routed to IRQ 16", while its config byte 0x3C (what
 * the dump backend reports as the host IRQ) holds the BIOS's legacy 11. A copy with 0x3C
 * = 0x10 is written to a temporary file (the fixture itself is never edited); returns its
 * path, to be removed by the caller.
 */
static char *nic_dump_gsi16(void)
{
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(xpt_test_fixture("pciutils-tests/cap-pcie-2"), &text,
                                      NULL, NULL));
    g_assert_nonnull(strstr(text, "routed to IRQ 16"));
    static const char line[] = "30: 00 00 80 c7 40 00 00 00 00 00 00 00 0b 01 00 00";
    g_auto(GStrv) parts = g_strsplit(text, line, 2);
    g_assert_cmpuint(g_strv_length(parts), ==, 2);
    g_autofree char *edited =
        g_strjoinv("30: 00 00 80 c7 40 00 00 00 00 00 00 00 10 01 00 00", parts);
    char *path = NULL;
    int fd = g_file_open_tmp("xpt-cap-pcie-2-gsi16-XXXXXX", &path, NULL);
    g_assert_cmpint(fd, >=, 0);
    close(fd);
    g_assert_true(g_file_set_contents(path, edited, -1, NULL));
    return path;
}

/* Hot-plug and ACPI eject of that 82576 (host GSI 16, dump @dump) in slot 6, as libxl and
 * the guest do it; @pirq is the pirq its INTx is bound to in between. */
static void nic_hotplug_cycle(XptQts *qts, XptQmp *qmp, const char *dump, gint64 pirq)
{
    g_autoptr(JsonNode) r = xpt_qmp_command(qmp,
        "{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"xen-pci-passthrough\", "
        "\"id\": \"pci-pt-01_00.0\", \"hostaddr\": \"%s\", \"addr\": \"6.0\", "
        "\"host-dump\": \"%s\"}}", NIC, dump);
    g_assert_nonnull(xpt_qmp_reply_return(r));
    g_assert_cmphex(xpt_cfg_readb(qts, 6 << 3, 0x3d), ==, 1);
    {
        g_autoptr(JsonNode) st = xpt_sim_state(qts);
        JsonObject *b = intx_of_slot(st, 6);
        g_assert_nonnull(b);
        g_assert_cmpint(json_object_get_int_member(b, "pirq"), ==, pirq);
    }
    g_autoptr(JsonNode) d = xpt_qmp_command(qmp,
        "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"pci-pt-01_00.0\"}}");
    g_assert_nonnull(xpt_qmp_reply_return(d));
    xpt_outl(qts, B0EJ, 1u << 6);                       /* the guest's _EJ0 */
    g_autoptr(JsonNode) ev = xpt_qmp_event_wait(qmp, "DEVICE_DELETED");
    g_assert_cmphex(xpt_cfg_readl(qts, 6 << 3, 0x00), ==, 0xffffffff);
}

/*
 * A guest running with a vector callback routes COM1's GSI 4 through a pirq it maps
 * itself: Xen 4.17 gives it the first free one from 16 (physdev_hvm_map_pirq →
 * get_free_pirq). The 82576 hot-plugged next has host GSI 16, so its INTx pirq is that
 * same pirq 16 (pirq = host GSI, as libxl maps it too). Seen under real Xen: the device
 * model's unmap at the device's removal also removed the guest's routing of GSI 4
 * (physdev_unmap_pirq → unmap_domain_pirq_emuirq) and COM1 fell silent for good. The
 * pirq of a device attached while the guest runs is therefore only unbound; attaching the
 * GSI again takes it back, and the machine unmaps it at its end (leak check).
 */
static void test_intx_hot_pirq_kept(void)
{
    XptQmp *qmp = xpt_qmp_listen();
    XptQts *qts = xpt_qts_start(xpt_qmp_args(qmp));
    g_autoptr(JsonNode) greeting = xpt_qmp_accept(qmp);
    xpt_qmp_negotiate(qmp);
    xpt_outw(qts, 0xafe2, 0x0002);                      /* the guest runs, GPE 1 enabled */
    g_autoptr(JsonNode) m = xpt_sim_command(qts, "map-gsi-pirq 4");
    JsonObject *mo = json_node_get_object(m);
    g_assert_cmpint(json_object_get_int_member(mo, "rc"), ==, 0);
    gint64 pirq = json_object_get_int_member(mo, "pirq");
    g_assert_cmpint(pirq, ==, 16);
    g_autoptr(JsonNode) bnd = xpt_sim_command(qts, "evtchn-bind-pirq 16");
    g_assert_cmpint(json_object_get_int_member(json_node_get_object(bnd), "rc"), ==, 0);

    g_autofree char *dump = nic_dump_gsi16();
    for (int round = 0; round < 2; round++) {
        nic_hotplug_cycle(qts, qmp, dump, pirq);
        g_autoptr(JsonNode) st = xpt_sim_state(qts);
        JsonObject *g = xpt_state_find(st, "guest_pirqs", "pirq", pirq);   /* guest's side */
        g_assert_nonnull(g);
        g_assert_true(json_object_has_member(g, "gsi"));     /* COM1 still routed */
        g_assert_cmpint(json_object_get_int_member(g, "gsi"), ==, 4);
        g_assert_cmpuint(json_array_get_length(xpt_state_array(st, "intx")), ==, 0);
        g_assert_cmpint(calls_of(st, "unmap_pirq"), ==, 0);
        g_assert_cmpint(calls_of(st, "unbind_pt_intx"), ==, round + 1);
    }
    xpt_qmp_free(qmp);
    xpt_test_finish(qts);                      /* the kept pirq unmapped at the end */
    g_unlink(dump);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/irq/shared-gsi/eject", test_shared_gsi_eject);
    g_test_add_func("/irq/shared-gsi/hotplug", test_shared_gsi_hotplug);
    g_test_add_func("/irq/intx/hot-pirq-kept", test_intx_hot_pirq_kept);
    return g_test_run();
}
