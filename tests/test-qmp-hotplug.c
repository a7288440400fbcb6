/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP monitor end to end, device hot-plug: query-pci compared with QEMU 7.2's
 * query-pci-pc-with-e1000.json (the chipset entries exactly, passthrough entries member
 * by member), libxl's device_add/device_del sequence (reference/toolstack.md §pci), the
 * guest's ACPI eject, forced and refused removals, cold plug while paused. The real
 * binary under -accel qtest; helpers in tests/qmp-test-util.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "config-host.h"
#include "qtest/client.h"
#include "tests/qmp-test-util.h"
#include "tests/testutil.h"

#define DUMP_VIRTIO "pciutils-tests/cap-vendor-virtio"
#define HOST_VIRTIO "0000:00:09.0"

/* ---- query-pci ------------------------------------------------------------------------------- */

static JsonArray *fixture_devices(void)
{
    const char *path = xpt_test_fixture("qemu-7.2-reference/query-pci-pc-with-e1000.json");
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_autoptr(JsonNode) root = qmpt_parse(text);
    JsonArray *buses = json_object_get_array_member(json_node_get_object(root), "return");
    JsonObject *bus = json_array_get_object_element(buses, 0);
    return json_array_ref(json_object_get_array_member(bus, "devices"));
}

static JsonObject *find_dev(JsonArray *devs, gint64 slot, gint64 fn)
{
    for (guint i = 0; i < json_array_get_length(devs); i++) {
        JsonObject *d = json_array_get_object_element(devs, i);
        if (json_object_get_int_member(d, "slot") == slot &&
            json_object_get_int_member(d, "function") == fn) {
            return d;
        }
    }
    return NULL;
}

static void assert_obj_eq(JsonObject *got, JsonObject *want)
{
    g_autoptr(JsonNode) g = json_node_init_object(json_node_alloc(), got);
    g_autoptr(JsonNode) w = json_node_init_object(json_node_alloc(), want);
    qmpt_assert_json_eq(g, w);
}

/* A device entry has exactly the members of QEMU's entries of the same kind. */
static void assert_entry_like_fixture(JsonObject *ours, JsonArray *fixture)
{
    bool has_pin = json_object_get_int_member(ours, "irq_pin") != 0;
    /* the fixture's e1000 (irq_pin 1) / host bridge (irq_pin 0) */
    JsonObject *model = find_dev(fixture, has_pin ? 5 : 0, 0);
    g_autoptr(JsonNode) o = json_node_init_object(json_node_alloc(), ours);
    g_autoptr(JsonNode) m = json_node_init_object(json_node_alloc(), model);
    /* compare members and types, not the regions list's length */
    JsonObject *oc = json_object_get_object_member(ours, "class_info");
    g_assert_true(json_object_has_member(oc, "class"));
    g_assert_cmpuint(json_object_get_size(ours), ==, json_object_get_size(model));
    JsonObjectIter it;
    const char *name;
    JsonNode *mn;
    json_object_iter_init(&it, model);
    while (json_object_iter_next(&it, &name, &mn)) {
        JsonNode *on = json_object_get_member(ours, name);
        if (!on) {
            g_error("query-pci entry lacks '%s'", name);
        }
        g_assert_cmpint(json_node_get_node_type(on), ==, json_node_get_node_type(mn));
        if (!strcmp(name, "id")) {
            qmpt_assert_same_shape(on, mn);
        }
    }
    /* regions: memory and io members as QEMU's */
    JsonObject *mem_model = NULL, *io_model = NULL;
    JsonArray *mr = json_object_get_array_member(model, "regions");
    for (guint i = 0; i < json_array_get_length(mr); i++) {
        JsonObject *r = json_array_get_object_element(mr, i);
        if (!strcmp(json_object_get_string_member(r, "type"), "io")) {
            io_model = r;
        } else {
            mem_model = r;
        }
    }
    JsonArray *regs = json_object_get_array_member(ours, "regions");
    for (guint i = 0; i < json_array_get_length(regs); i++) {
        JsonObject *r = json_array_get_object_element(regs, i);
        bool io = !strcmp(json_object_get_string_member(r, "type"), "io");
        JsonObject *rm = io ? io_model : mem_model;
        g_assert_nonnull(rm);
        g_autoptr(JsonNode) rn = json_node_init_object(json_node_alloc(), r);
        g_autoptr(JsonNode) rmn = json_node_init_object(json_node_alloc(), rm);
        qmpt_assert_same_shape(rn, rmn);
    }
}

/* Expected region of the 82576 dump: bar, type, size, prefetch, 64-bit. */
static void assert_region(JsonObject *r, gint64 bar, const char *type, gint64 size,
                          gint64 address)
{
    g_assert_cmpint(json_object_get_int_member(r, "bar"), ==, bar);
    g_assert_cmpstr(json_object_get_string_member(r, "type"), ==, type);
    g_assert_cmpint(json_object_get_int_member(r, "size"), ==, size);
    g_assert_cmpint(json_object_get_int_member(r, "address"), ==, address);
    if (!strcmp(type, "memory")) {
        g_assert_false(json_object_get_boolean_member(r, "prefetch"));
        g_assert_false(json_object_get_boolean_member(r, "mem_type_64"));
    }
}

static void test_query_pci(void)
{
    g_autoptr(JsonArray) fixture = fixture_devices();
    QmptVm *vm = qmpt_vm_start("-S", true);
    XptQmp *q = vm->qmp;

    /* the chipset functions answer exactly as QEMU's PC does */
    g_autoptr(JsonArray) devs = qmpt_query_pci_devices(q);
    g_assert_cmpuint(json_array_get_length(devs), ==, 3);
    static const int chip[][2] = { { 0, 0 }, { 1, 0 }, { 1, 3 } };
    for (size_t i = 0; i < G_N_ELEMENTS(chip); i++) {
        JsonObject *got = json_array_get_object_element(devs, i);
        assert_obj_eq(got, find_dev(fixture, chip[i][0], chip[i][1]));
        assert_entry_like_fixture(got, fixture);
    }

    /* a passthrough device: the guest's view of the 82576 (cap-pcie-2 01:00.0) */
    g_autofree char *add = qmpt_device_add_82576("nic0", NULL);
    qmpt_check_ok(q, add);
    g_autoptr(JsonObject) nic = qmpt_pci_find(q, "nic0");
    g_assert_nonnull(nic);
    assert_entry_like_fixture(nic, fixture);
    g_assert_cmpint(json_object_get_int_member(nic, "slot"), ==, 2);
    g_assert_cmpint(json_object_get_int_member(nic, "function"), ==, 0);
    g_assert_cmpint(json_object_get_int_member(nic, "bus"), ==, 0);
    g_assert_cmpint(json_object_get_int_member(nic, "irq_pin"), ==, 1);
    g_assert_true(json_object_has_member(nic, "irq"));
    qmpt_assert_json_eq_text(json_object_get_member(nic, "class_info"),
                             "{\"class\": 512, \"desc\": \"Ethernet controller\"}");
    qmpt_assert_json_eq_text(json_object_get_member(nic, "id"),
                             "{\"device\": 4297, \"subsystem-vendor\": 32902, \"vendor\": 32902, "
                             "\"subsystem\": 41020}");
    JsonArray *regs = json_object_get_array_member(nic, "regions");
    g_assert_cmpuint(json_array_get_length(regs), ==, 5);
    assert_region(json_array_get_object_element(regs, 0), 0, "memory", 128 << 10, -1);
    assert_region(json_array_get_object_element(regs, 1), 1, "memory", 4 << 20, -1);
    assert_region(json_array_get_object_element(regs, 2), 2, "io", 32, -1);
    assert_region(json_array_get_object_element(regs, 3), 3, "memory", 16 << 10, -1);
    assert_region(json_array_get_object_element(regs, 4), 6, "memory", 4 << 20, -1);

    /* the guest programs BAR 0, the I/O BAR and the interrupt line; decode on */
    uint8_t devfn = 2 << 3;
    xpt_cfg_writel(vm->qts, devfn, 0x10, 0xe0000000);
    xpt_cfg_writel(vm->qts, devfn, 0x18, 0xc000);
    xpt_cfg_writeb(vm->qts, devfn, 0x3c, 11);
    g_autoptr(JsonObject) before = qmpt_pci_find(q, "nic0");
    regs = json_object_get_array_member(before, "regions");
    assert_region(json_array_get_object_element(regs, 0), 0, "memory", 128 << 10, -1);
    xpt_cfg_writew(vm->qts, devfn, 0x04, 0x3);
    g_autoptr(JsonObject) after = qmpt_pci_find(q, "nic0");
    regs = json_object_get_array_member(after, "regions");
    assert_region(json_array_get_object_element(regs, 0), 0, "memory", 128 << 10, 0xe0000000);
    assert_region(json_array_get_object_element(regs, 1), 1, "memory", 4 << 20, -1);
    assert_region(json_array_get_object_element(regs, 2), 2, "io", 32, 0xc000);
    assert_region(json_array_get_object_element(regs, 4), 6, "memory", 4 << 20, -1);
    g_assert_cmpint(json_object_get_int_member(after, "irq"), ==, 11);
    /* memory decode off again: the address is gone */
    xpt_cfg_writew(vm->qts, devfn, 0x04, 0x1);
    g_autoptr(JsonObject) off = qmpt_pci_find(q, "nic0");
    regs = json_object_get_array_member(off, "regions");
    assert_region(json_array_get_object_element(regs, 0), 0, "memory", 128 << 10, -1);
    assert_region(json_array_get_object_element(regs, 2), 2, "io", 32, 0xc000);
    qmpt_vm_finish(vm);
}

/* ---- device_add / device_del ---------------------------------------------------------------- */

/* libxl's sequence (reference/toolstack.md §pci): device_add with its arguments, find
 * the devfn with query-pci, device_del, poll query-pci until gone, re-attach. */
static void test_libxl_attach_detach(void)
{
    QmptVm *vm = qmpt_vm_start("", true);
    XptQmp *q = vm->qmp;
    const char *id = "pci-pt-01_00.0";

    g_autofree char *add = qmpt_device_add_82576(id, ", \"addr\": \"5.0\", \"permissive\": true");
    qmpt_check(q, add, "{\"return\": {}}");
    g_autoptr(JsonObject) d = qmpt_pci_find(q, id);
    g_assert_nonnull(d);
    g_assert_cmpint(json_object_get_int_member(d, "slot"), ==, 5);
    g_assert_cmpint(json_object_get_int_member(d, "function"), ==, 0);

    /* same id again: QEMU's text */
    g_autofree char *again = qmpt_device_add_82576(id, NULL);
    qmpt_check_error(q, again, "Duplicate device ID 'pci-pt-01_00.0'");

    /* device_del: {} at once, then DEVICE_DELETED; query-pci no longer lists it */
    g_autofree char *del = g_strdup_printf("{\"execute\": \"device_del\", \"arguments\": "
                                           "{\"id\": \"%s\"}, \"id\": 4}", id);
    qmpt_check(q, del, "{\"return\": {}, \"id\": 4}");
    g_autoptr(JsonNode) ev = xpt_qmp_event_wait(q, "DEVICE_DELETED");
    JsonObject *data = qmpt_event_data(ev, "DEVICE_DELETED");
    g_autoptr(JsonNode) dn = json_node_init_object(json_node_alloc(), data);
    qmpt_assert_json_eq_text(dn, "{\"device\": \"pci-pt-01_00.0\", "
                            "\"path\": \"/machine/peripheral/pci-pt-01_00.0\"}");
    g_autoptr(JsonObject) gone = qmpt_pci_find(q, id);
    g_assert_null(gone);
    qmpt_check(q, del, "{\"id\": 4, \"error\": {\"class\": \"DeviceNotFound\", \"desc\": "
                  "\"Device 'pci-pt-01_00.0' not found\"}}");

    /* re-attach with the same id right after, without addr: first free slot (2) */
    qmpt_check_ok(q, again);
    g_autoptr(JsonObject) back = qmpt_pci_find(q, id);
    g_assert_nonnull(back);
    g_assert_cmpint(json_object_get_int_member(back, "slot"), ==, 2);
    /* and remove it by QOM path */
    qmpt_check_ok(q, "{\"execute\": \"device_del\", \"arguments\": "
                "{\"id\": \"/machine/peripheral/pci-pt-01_00.0\"}}");
    g_autoptr(JsonNode) ev2 = xpt_qmp_event_wait(q, "DEVICE_DELETED");
    g_assert_cmpstr(json_object_get_string_member(qmpt_event_data(ev2, "DEVICE_DELETED"), "device"),
                    ==, id);
    qmpt_assert_no_event(q);
    qmpt_vm_finish(vm);
}

/* The next IRQ line the binary sent over qtest ("IRQ raise 9"), waiting up to @ms. */
static char *next_irq(XptQts *qts, int ms)
{
    for (int i = 0; i < ms / 10; i++) {
        char *line = xpt_qts_pop_irq(qts);
        if (line) {
            return line;
        }
        g_usleep(10 * 1000);
    }
    return NULL;
}

/* As libqtest tests do: IRQ lines are only reported once the I/O APIC is intercepted. */
static void intercept_irqs(XptQts *qts)
{
    g_autofree char *r = xpt_qts_command(qts, "irq_intercept_in ioapic");
    g_assert_cmpstr(r, ==, "OK");
}

static void assert_irq(XptQts *qts, const char *want)
{
    g_autofree char *line = next_irq(qts, 5000);
    g_assert_cmpstr(line, ==, want);
}

/*
 * What the guest's ACPI code does on GPE bit 1 (Xen 4.17 DSDT _E01): read PCIU/PCID,
 * notify, then (for an eject request) _EJ0 writes B0EJ; the OS clears the GPE status.
 */
#define GPE_STS 0xafe0
#define GPE_EN 0xafe2
#define PCIU 0xae00
#define PCID 0xae04
#define B0EJ 0xae08

/*
 * A device from the command line, removed while the guest runs: device_del asks the
 * guest (PCID bit, GPE status bit 1, SCI = IRQ 9 raised); nothing leaves until the guest
 * ejects the slot; then DEVICE_DELETED, and the sim holds nothing of the device.
 */
static void test_device_del_coldplugged(void)
{
    g_autofree char *dev = g_strdup_printf("-device xen-pci-passthrough,id=cold,hostaddr=%s,"
                                           "host-dump=%s", HOST_82576,
                                           xpt_test_fixture(DUMP_82576));
    QmptVm *vm = qmpt_vm_start(dev, true);
    intercept_irqs(vm->qts);
    g_autoptr(JsonObject) d = qmpt_pci_find(vm->qmp, "cold");
    g_assert_nonnull(d);
    /* the guest runs: it maps BAR 0 and enables GPE bit 1 as its ACPI driver does */
    xpt_cfg_writel(vm->qts, 0x10, 0x10, 0xe0000000);
    xpt_cfg_writew(vm->qts, 0x10, 0x04, 0x2);
    xpt_outw(vm->qts, GPE_EN, 0x0002);
    g_autoptr(JsonNode) before = xpt_sim_state(vm->qts);
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(
                         json_node_get_object(before), "mmio")), >, 0);

    qmpt_check_ok(vm->qmp, "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"cold\"}}");
    assert_irq(vm->qts, "IRQ raise 9");
    g_assert_cmphex(xpt_inw(vm->qts, GPE_STS), ==, 0x0002);
    g_assert_cmphex(xpt_inl(vm->qts, PCID), ==, 1u << 2);
    g_assert_cmphex(xpt_inl(vm->qts, PCIU), ==, 0);
    qmpt_assert_no_event(vm->qmp);                              /* still there */
    g_assert_cmphex(xpt_cfg_readl(vm->qts, 0x10, 0x00), ==, 0x10c98086);
    g_autoptr(JsonObject) still = qmpt_pci_find(vm->qmp, "cold");
    g_assert_nonnull(still);

    xpt_outw(vm->qts, GPE_STS, 0x0002);                    /* OS acknowledges the GPE */
    assert_irq(vm->qts, "IRQ lower 9");
    xpt_outl(vm->qts, B0EJ, 1u << 2);                      /* _EJ0 of slot 2 */
    g_autoptr(JsonNode) ev = xpt_qmp_event_wait(vm->qmp, "DEVICE_DELETED");
    g_assert_cmpstr(json_object_get_string_member(qmpt_event_data(ev, "DEVICE_DELETED"), "path"),
                    ==, "/machine/peripheral/cold");
    g_assert_cmphex(xpt_inl(vm->qts, PCID), ==, 0);
    g_autoptr(JsonNode) st = xpt_sim_state(vm->qts);
    JsonObject *so = json_node_get_object(st);
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(so, "mmio")), ==, 0);
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(so, "pirqs")), ==, 0);
    g_assert_cmphex(xpt_cfg_readl(vm->qts, 0x10, 0x00), ==, 0xffffffff);
    g_autoptr(JsonObject) gone = qmpt_pci_find(vm->qmp, "cold");
    g_assert_null(gone);
    qmpt_vm_finish(vm);
}

/*
 * Hot-plug while the guest runs (SPEC §4): device_add without addr takes slot 6, then 7,
 * then fails naming addr=; each add sets its PCIU bit and raises the SCI; INTx is bound
 * at once (Xen's GSI for slot 6 INTA is 40, on LNKC). Removal: device_del → guest eject →
 * DEVICE_DELETED; the same id and host device go back into slot 6 right after.
 */
/*
 * The hot-plug slots as an xl user reserves more of them: libxl passes its own
 * "-machine xenfv,suppress-vmdesc=on" and then device_model_args_hvm (libxl_dm.c
 * libxl__build_device_model_args_new, RELEASE-4.17.5), so a later -machine with
 * hotplug-slots=5-7 must hold: hot plug takes 5, 6, 7, then fails naming that range.
 */
static void test_hotplug_slots_from_xl(void)
{
    QmptVm *vm = qmpt_vm_start("-machine xenfv,suppress-vmdesc=on -machine xenfv,hotplug-slots=5-7",
                               true);
    XptQmp *q = vm->qmp;
    g_autofree char *cold = qmpt_device_add_82576("cold", NULL);
    qmpt_check_ok(q, cold);
    xpt_outw(vm->qts, GPE_EN, 0x0002);     /* the guest runs: the next adds are hot */
    static const struct { const char *id, *host, *dump; } hot[] = {
        { "h5", HOST_VIRTIO, DUMP_VIRTIO },
        { "h6", "0000:2e:00.0", "pciutils-tests/cap-phy32" },
        { "h7", "0000:00:1b.0", "pciutils-tests/cap-vc-and-rcl" },
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(hot); i++) {
        g_autofree char *add = g_strdup_printf(
            "{\"execute\": \"device_add\", \"arguments\": {\"driver\": "
            "\"xen-pci-passthrough\", \"id\": \"%s\", \"hostaddr\": \"%s\", "
            "\"host-dump\": \"%s\"}}", hot[i].id, hot[i].host, xpt_test_fixture(hot[i].dump));
        qmpt_check_ok(q, add);
        g_autoptr(JsonObject) d = qmpt_pci_find(q, hot[i].id);
        g_assert_cmpint(json_object_get_int_member(d, "slot"), ==, 5 + (int)i);
    }
    /* refused for want of a slot, before the host device is opened */
    g_autofree char *add = qmpt_device_add_82576("h8", NULL);
    g_autoptr(JsonNode) rc = xpt_qmp_command(q, "%s", add);
    g_assert_cmpstr(xpt_qmp_reply_class(rc), ==, "GenericError");
    g_assert_nonnull(strstr(xpt_qmp_reply_desc(rc), "(hotplug-slots=5-7)"));
    g_autoptr(JsonObject) c = qmpt_pci_find(q, "cold");
    g_assert_cmpint(json_object_get_int_member(c, "slot"), ==, 2);
    qmpt_vm_finish(vm);
}

static void test_hotplug_lifecycle(void)
{
    QmptVm *vm = qmpt_vm_start("", true);
    XptQmp *q = vm->qmp;
    intercept_irqs(vm->qts);
    /* the guest boots: any guest I/O marks it started; its ACPI driver enables GPE 1 */
    xpt_outw(vm->qts, GPE_EN, 0x0002);

    g_autofree char *a = qmpt_device_add_82576("hot-a", NULL);
    qmpt_check_ok(q, a);
    assert_irq(vm->qts, "IRQ raise 9");
    g_autoptr(JsonObject) da = qmpt_pci_find(q, "hot-a");
    g_assert_nonnull(da);
    g_assert_cmpint(json_object_get_int_member(da, "slot"), ==, 6);
    g_assert_cmphex(xpt_inl(vm->qts, PCIU), ==, 1u << 6);
    g_assert_cmphex(xpt_inl(vm->qts, PCIU), ==, 1u << 6);   /* not cleared by reading */
    g_autoptr(JsonNode) st = xpt_sim_state(vm->qts);
    JsonArray *intx = json_object_get_array_member(json_node_get_object(st), "intx");
    g_assert_cmpuint(json_array_get_length(intx), ==, 1);
    g_assert_cmpint(json_object_get_int_member(json_array_get_object_element(intx, 0), "dev"),
                    ==, 6);
    /* the guest handles the GPE: acknowledges it, finds the device */
    xpt_outw(vm->qts, GPE_STS, 0x0002);
    assert_irq(vm->qts, "IRQ lower 9");
    g_assert_cmphex(xpt_cfg_readl(vm->qts, 0x30, 0x00), ==, 0x10c98086);

    g_autofree char *b = g_strdup_printf(
        "{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"xen-pci-passthrough\", "
        "\"id\": \"hot-b\", \"hostaddr\": \"0000:2e:00.0\", \"host-dump\": \"%s\"}}",
        xpt_test_fixture("pciutils-tests/cap-phy32"));
    qmpt_check_ok(q, b);
    assert_irq(vm->qts, "IRQ raise 9");
    g_autoptr(JsonObject) db = qmpt_pci_find(q, "hot-b");
    g_assert_cmpint(json_object_get_int_member(db, "slot"), ==, 7);
    g_assert_cmphex(xpt_inl(vm->qts, PCIU), ==, (1u << 6) | (1u << 7));
    xpt_outw(vm->qts, GPE_STS, 0x0002);
    assert_irq(vm->qts, "IRQ lower 9");

    g_autofree char *c = g_strdup_printf(
        "{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"xen-pci-passthrough\", "
        "\"id\": \"hot-c\", \"hostaddr\": \"0000:00:1b.0\", \"host-dump\": \"%s\"}}",
        xpt_test_fixture("pciutils-tests/cap-vc-and-rcl"));
    g_autoptr(JsonNode) rc = xpt_qmp_command(q, "%s", c);
    g_assert_cmpstr(xpt_qmp_reply_class(rc), ==, "GenericError");
    /* a slot that is taken, as xl's @VSLOT gives it (libxl's addr=) */
    g_autofree char *taken = qmpt_device_add_82576("taken", ", \"addr\": \"6\"");
    g_autoptr(JsonNode) rt = xpt_qmp_command(q, "%s", taken);
    g_assert_cmpstr(xpt_qmp_reply_desc(rt), ==,
                    "addr=6: PCI slot 06.0 is already in use; choose another (xl: BDF@VSLOT)");
    /* the refusal names the fixes in the form xl can apply (issue 14 item 6), and the
     * first of them works: a free slot given as xl's @VSLOT (libxl's addr=) is hot too */
    const char *desc = xpt_qmp_reply_desc(rc);
    g_assert_nonnull(strstr(desc, "hotplug-slots=6-7"));
    g_assert_nonnull(strstr(desc, "xl pci-attach GUEST BDF@VSLOT"));
    g_assert_nonnull(strstr(desc, "addr="));
    g_assert_nonnull(strstr(desc, "device_model_args_hvm = [ \"-machine\", "
                                  "\"xenfv,hotplug-slots=5-7\" ]"));
    g_assert_null(next_irq(vm->qts, 300) ? "unexpected IRQ" : NULL);
    g_autofree char *c9 = g_strdup_printf(
        "{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"xen-pci-passthrough\", "
        "\"id\": \"hot-c\", \"hostaddr\": \"0000:00:1b.0\", \"addr\": \"9\", "
        "\"host-dump\": \"%s\"}}", xpt_test_fixture("pciutils-tests/cap-vc-and-rcl"));
    qmpt_check_ok(q, c9);
    assert_irq(vm->qts, "IRQ raise 9");
    g_assert_cmphex(xpt_inl(vm->qts, PCIU), ==, (1u << 6) | (1u << 7) | (1u << 9));
    xpt_outw(vm->qts, GPE_STS, 0x0002);
    assert_irq(vm->qts, "IRQ lower 9");

    /* remove hot-a the ACPI way */
    qmpt_check_ok(q, "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"hot-a\"}}");
    assert_irq(vm->qts, "IRQ raise 9");
    g_assert_cmphex(xpt_inl(vm->qts, PCID), ==, 1u << 6);
    xpt_outw(vm->qts, GPE_STS, 0x0002);
    assert_irq(vm->qts, "IRQ lower 9");
    xpt_outl(vm->qts, B0EJ, 1u << 6);
    g_autoptr(JsonNode) ev = xpt_qmp_event_wait(q, "DEVICE_DELETED");
    g_assert_cmpstr(json_object_get_string_member(qmpt_event_data(ev, "DEVICE_DELETED"), "device"),
                    ==, "hot-a");
    g_assert_cmphex(xpt_inl(vm->qts, PCIU), ==, (1u << 7) | (1u << 9));
    g_assert_cmphex(xpt_inl(vm->qts, PCID), ==, 0);

    /* same id, same host device, right after: slot 6 again */
    qmpt_check_ok(q, a);
    assert_irq(vm->qts, "IRQ raise 9");
    g_autoptr(JsonObject) again = qmpt_pci_find(q, "hot-a");
    g_assert_cmpint(json_object_get_int_member(again, "slot"), ==, 6);
    xpt_outw(vm->qts, GPE_STS, 0x0002);
    assert_irq(vm->qts, "IRQ lower 9");
    qmpt_vm_finish(vm);   /* shutdown detaches both; leak check clean */
}

/*
 * A guest that never ejects (no ACPI driver, or it ignores the request): the first
 * device_del only asks; a second one removes the device at once with a warning (the
 * documented forced path), so the toolstack can always get its device back.
 */
static void test_device_del_forced(void)
{
    QmptVm *vm = qmpt_vm_start("", true);
    intercept_irqs(vm->qts);
    xpt_outw(vm->qts, GPE_EN, 0x0000);                     /* guest started, no GPE enabled */
    g_autofree char *a = qmpt_device_add_82576("stuck", NULL);
    qmpt_check_ok(vm->qmp, a);
    qmpt_check_ok(vm->qmp, "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"stuck\"}}");
    qmpt_assert_no_event(vm->qmp);
    g_assert_null(next_irq(vm->qts, 300) ? "unexpected IRQ" : NULL);   /* GPE disabled: no SCI */
    g_assert_cmphex(xpt_inw(vm->qts, GPE_STS), ==, 0x0002);
    qmpt_check_ok(vm->qmp, "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"stuck\"}}");
    g_autoptr(JsonNode) ev = xpt_qmp_event_wait(vm->qmp, "DEVICE_DELETED");
    g_assert_cmpstr(json_object_get_string_member(qmpt_event_data(ev, "DEVICE_DELETED"), "device"),
                    ==, "stuck");
    g_assert_cmphex(xpt_inl(vm->qts, PCID), ==, 0);
    g_autofree char *err = xpt_qts_stderr(vm->qts);
    g_assert_nonnull(strstr(err, "forced"));
    qmpt_vm_finish(vm);
}

/*
 * After the guest powered off (ACPI S5 on PM1a control), libxl destroys the domain and
 * sends device_del for each device: nothing will ever eject it, so it goes at once
 * (before, libxl waited its 10 s per device with the device model still running).
 */
static void test_device_del_after_poweroff(void)
{
    QmptVm *vm = qmpt_vm_start("", true);
    intercept_irqs(vm->qts);
    xpt_outw(vm->qts, GPE_EN, 0x0002);                     /* the guest's ACPI runs */
    g_autofree char *a = qmpt_device_add_82576("gone", NULL);
    qmpt_check_ok(vm->qmp, a);
    assert_irq(vm->qts, "IRQ raise 9");
    xpt_outw(vm->qts, GPE_STS, 0x0002);
    assert_irq(vm->qts, "IRQ lower 9");
    xpt_outw(vm->qts, 0xb004, 0x2000);                     /* SLP_EN, SLP_TYP 0: S5 */
    g_autoptr(JsonNode) sd = xpt_qmp_event_wait(vm->qmp, "SHUTDOWN");
    qmpt_check_ok(vm->qmp, "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"gone\"}}");
    g_autoptr(JsonNode) ev = xpt_qmp_event_wait(vm->qmp, "DEVICE_DELETED");
    g_assert_cmpstr(json_object_get_string_member(qmpt_event_data(ev, "DEVICE_DELETED"), "device"),
                    ==, "gone");
    g_assert_null(qmpt_pci_find(vm->qmp, "gone"));
    g_assert_null(next_irq(vm->qts, 100) ? "unexpected SCI for a dead guest" : NULL);
    qmpt_vm_finish(vm);
}

static void test_device_add_errors(void)
{
    QmptVm *vm = qmpt_vm_start("", true);
    XptQmp *q = vm->qmp;
    qmpt_check_error(q, "{\"execute\": \"device_add\"}", "Parameter 'driver' is missing");
    qmpt_check_error(q, "{\"execute\": \"device_add\", \"arguments\": {\"driver\": 5}}",
                     "Parameter 'driver' is missing");
    qmpt_check_error(q, "{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"e1000\"}}",
                     "'e1000' is not a valid device model name");
    g_autofree char *bus = qmpt_device_add_82576("b", ", \"bus\": \"pci.1\"");
    qmpt_check_error(q, bus, "Bus 'pci.1' not found");
    g_autofree char *badid = qmpt_device_add_82576("1x", NULL);
    qmpt_check_error(q, badid, "Parameter 'id' expects an identifier");
    qmpt_check_error(q, "{\"execute\": \"device_add\", \"arguments\": {\"driver\": "
                   "\"xen-pci-passthrough\", \"id\": 7}}",
                     "Invalid parameter type for 'id', expected: string");
    g_autofree char *prop = qmpt_device_add_82576("p", ", \"bogus\": 1");
    qmpt_check_error(q, prop, "Property 'xen-pci-passthrough.bogus' not found");
    g_autofree char *weird = qmpt_device_add_82576("p", ", \"a,b=c\": 1");
    qmpt_check_error(q, weird, "Property 'xen-pci-passthrough.a,b=c' not found");
    g_autofree char *type = qmpt_device_add_82576("p", ", \"permissive\": [true]");
    qmpt_check_error(q, type, "Invalid parameter type for 'permissive', expected: boolean");
    /* the machine's own one-line errors come through as GenericError */
    g_autoptr(JsonNode) r = xpt_qmp_command(q, "{\"execute\": \"device_add\", \"arguments\": "
                                           "{\"driver\": \"xen-pci-passthrough\", \"id\": "
                                           "\"h\", \"hostaddr\": \"0000:99:00.0\", "
                                           "\"host-dump\": \"%s\"}}",
                                           xpt_test_fixture(DUMP_82576));
    g_assert_cmpstr(xpt_qmp_reply_class(r), ==, "GenericError");
    g_assert_nonnull(xpt_qmp_reply_desc(r));
    g_assert_null(strchr(xpt_qmp_reply_desc(r), '\n'));
    g_autofree char *slot = qmpt_device_add_82576("s", ", \"addr\": \"1.0\"");
    g_autoptr(JsonNode) r2 = xpt_qmp_command(q, "%s", slot);
    g_assert_cmpstr(xpt_qmp_reply_class(r2), ==, "GenericError");
    /* nothing was left behind by the failures */
    g_autoptr(JsonArray) devs = qmpt_query_pci_devices(q);
    g_assert_cmpuint(json_array_get_length(devs), ==, 3);
    /* values as QEMU 7.2 converts them: booleans on/off, "on", an integer addr (hex) */
    g_autofree char *conv = qmpt_device_add_82576("conv", ", \"permissive\": \"on\", "
                                                  "\"rombar\": 0, \"addr\": 10");
    qmpt_check_ok(q, conv);
    g_autoptr(JsonObject) d = qmpt_pci_find(q, "conv");
    g_assert_cmpint(json_object_get_int_member(d, "slot"), ==, 0x10);
    /* rombar=0: no ROM region */
    JsonArray *regs = json_object_get_array_member(d, "regions");
    for (guint i = 0; i < json_array_get_length(regs); i++) {
        g_assert_cmpint(json_object_get_int_member(json_array_get_object_element(regs, i),
                                                   "bar"), !=, 6);
    }
    qmpt_vm_finish(vm);
}

/* SPEC §4: while prelaunch a device_add is a cold plug even after qtest I/O; once the
 * guest runs and did I/O, it goes to the first hot-plug slot. */
static void test_prelaunch_coldplug(void)
{
    QmptVm *vm = qmpt_vm_start("-S", true);
    g_assert_cmphex(xpt_cfg_readl(vm->qts, 0, 0), ==, 0x12378086);    /* guest I/O */
    g_autofree char *a = qmpt_device_add_82576("first", NULL);
    qmpt_check_ok(vm->qmp, a);
    g_autoptr(JsonObject) d1 = qmpt_pci_find(vm->qmp, "first");
    g_assert_cmpint(json_object_get_int_member(d1, "slot"), ==, 2);
    qmpt_check_ok(vm->qmp, "{\"execute\": \"cont\"}");
    g_autoptr(JsonNode) resume = xpt_qmp_event_wait(vm->qmp, "RESUME");
    g_assert_null(qmpt_event_data(resume, "RESUME"));
    g_autofree char *b = g_strdup_printf("{\"execute\": \"device_add\", \"arguments\": "
                                         "{\"driver\": \"xen-pci-passthrough\", \"id\": "
                                         "\"second\", \"hostaddr\": \"%s\", \"host-dump\": "
                                         "\"%s\"}}", HOST_VIRTIO,
                                         xpt_test_fixture(DUMP_VIRTIO));
    qmpt_check_ok(vm->qmp, b);
    g_autoptr(JsonObject) d2 = qmpt_pci_find(vm->qmp, "second");
    g_assert_cmpint(json_object_get_int_member(d2, "slot"), ==, 6);
    qmpt_vm_finish(vm);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qmp/query-pci", test_query_pci);
    g_test_add_func("/qmp/libxl-attach-detach", test_libxl_attach_detach);
    g_test_add_func("/qmp/device-del-coldplugged", test_device_del_coldplugged);
    g_test_add_func("/qmp/hotplug-lifecycle", test_hotplug_lifecycle);
    g_test_add_func("/qmp/hotplug-slots-from-xl", test_hotplug_slots_from_xl);
    g_test_add_func("/qmp/device-del-forced", test_device_del_forced);
    g_test_add_func("/qmp/device-del-after-poweroff", test_device_del_after_poweroff);
    g_test_add_func("/qmp/device-add-errors", test_device_add_errors);
    g_test_add_func("/qmp/prelaunch-coldplug", test_prelaunch_coldplug);
    return g_test_run();
}
