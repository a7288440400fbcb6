/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Security regression suite (issue 6), detach and failure: detach revokes every mapping
 * with 64-bit arithmetic (XSA-476) and frees the id, a failed or partial attach leaves
 * nothing behind (docs/reference/config-space.md invariants 11 and 12), every hypervisor
 * operation fails once at every step of a guest's life, and host backend failures (EIO,
 * a device that disappears). A failure degrades one device with one clear message while
 * the process, the other devices and the final leak check (exit status 0) stay clean. The
 * real binary under -accel qtest; helpers in tests/security-util.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hw/host/host-pci.h"
#include "tests/guest-fw.h"
#include "tests/security-util.h"
#include "tests/testutil.h"

/* ACPI PCI hot-plug registers (reference/toolstack.md §acpi). */
#define GPE_STS 0xafe0
#define GPE_EN 0xafe2
#define B0EJ 0xae08

/* Whether any p2m mapping touches host frames [mfn, mfn + nr). */
static bool maps_host(JsonNode *st, uint64_t mfn, uint64_t nr)
{
    JsonArray *a = xpt_state_array(st, "mmio");
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonObject *m = json_array_get_object_element(a, i);
        uint64_t f = (uint64_t)json_object_get_int_member(m, "mfn");
        uint64_t n = (uint64_t)json_object_get_int_member(m, "nr");
        if (f < mfn + nr && mfn < f + n) {
            return true;
        }
    }
    return false;
}

/* Whether the sim records a toolstack grant for host device @sbdf. */
static bool granted(JsonNode *st, const char *sbdf)
{
    g_autoptr(JsonGenerator) gen = json_generator_new();
    JsonNode *g = json_object_get_member(sec_root(st), "grants");
    json_generator_set_root(gen, g);
    g_autofree char *text = json_generator_to_data(gen, NULL);
    return strstr(text, sbdf) != NULL;
}

/* ---- QMP helpers ------------------------------------------------------------------------------- */

typedef struct {
    XptQts *qts;
    XptQmp *qmp;
} Vm;

static Vm *vm_start(const char *extra)
{
    Vm *vm = g_new0(Vm, 1);
    vm->qmp = xpt_qmp_listen();
    g_autofree char *args = g_strdup_printf("%s %s", xpt_qmp_args(vm->qmp), extra ? extra : "");
    vm->qts = xpt_qts_start(args);
    g_autoptr(JsonNode) greeting = xpt_qmp_accept(vm->qmp);
    xpt_qmp_negotiate(vm->qmp);
    return vm;
}

/* Quit; exit status 0 includes the sim's leak check. Returns the binary's stderr. */
static char *vm_finish(Vm *vm)
{
    char *err = xpt_qts_stderr(vm->qts);
    xpt_qmp_free(vm->qmp);
    int status = xpt_qts_quit(vm->qts);
    if (status != 0) {
        g_printerr("xen-pt-dm stderr:\n%s\n", err);
    }
    g_assert_cmpint(status, ==, 0);
    sec_assert_no_sanitizer(err);
    g_free(vm);
    return err;
}

static void qmp_ok(XptQmp *q, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void qmp_ok(XptQmp *q, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *req = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_autoptr(JsonNode) r = xpt_qmp_command(q, "%s", req);
    if (!xpt_qmp_reply_return(r)) {
        g_error("QMP %s failed: %s", req, xpt_qmp_reply_desc(r));
    }
}

static char *device_add_json(const char *id, const char *hostaddr, const char *dump,
                             const char *extra)
{
    return g_strdup_printf("{\"execute\": \"device_add\", \"arguments\": {\"driver\": "
                           "\"xen-pci-passthrough\", \"id\": \"%s\", \"hostaddr\": \"%s\", "
                           "\"host-dump\": \"%s\"%s}}", id, hostaddr, dump,
                           extra ? extra : "");
}

/* The query-pci entries (new ref). */
static JsonArray *query_pci(XptQmp *q)
{
    g_autoptr(JsonNode) r = xpt_qmp_command(q, "{\"execute\": \"query-pci\"}");
    JsonNode *ret = xpt_qmp_reply_return(r);
    g_assert_nonnull(ret);
    JsonObject *bus = json_array_get_object_element(json_node_get_array(ret), 0);
    return json_array_ref(json_object_get_array_member(bus, "devices"));
}

static bool pci_has_id(XptQmp *q, const char *id)
{
    g_autoptr(JsonArray) devs = query_pci(q);
    for (guint i = 0; i < json_array_get_length(devs); i++) {
        JsonObject *d = json_array_get_object_element(devs, i);
        if (!g_strcmp0(json_object_get_string_member(d, "qdev_id"), id)) {
            return true;
        }
    }
    return false;
}

/* device_del @id as libxl sends it, then the guest's ACPI code ejects @slot (Xen 4.17
 * DSDT _EJ0 → B0EJ); waits for DEVICE_DELETED. */
static void unplug_and_eject(Vm *vm, const char *id, unsigned slot)
{
    qmp_ok(vm->qmp, "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"%s\"}}", id);
    xpt_outl(vm->qts, B0EJ, 1u << slot);
    g_autoptr(JsonNode) ev = xpt_qmp_event_wait(vm->qmp, "DEVICE_DELETED");
    JsonObject *data = json_object_get_object_member(json_node_get_object(ev), "data");
    g_assert_cmpstr(json_object_get_string_member(data, "device"), ==, id);
}

/* ================================================================================================
 * Invariant 11: detach revokes every mapping with 64-bit arithmetic (XSA-476), idempotent,
 * and the id can be reused at once
 * ============================================================================================== */

/* Whether the pirq mapped from host GSI @irq, if any, still has an INTx binding. */
static bool gsi_pirq_bound(JsonNode *st, gint64 irq)
{
    JsonArray *p = xpt_state_array(st, "pirqs"), *x = xpt_state_array(st, "intx");
    for (guint i = 0; i < json_array_get_length(p); i++) {
        JsonObject *o = json_array_get_object_element(p, i);
        if (!json_object_has_member(o, "irq") || json_object_get_int_member(o, "irq") != irq) {
            continue;
        }
        for (guint j = 0; j < json_array_get_length(x); j++) {
            JsonObject *b = json_array_get_object_element(x, j);
            if (json_object_get_int_member(b, "pirq") == json_object_get_int_member(o, "pirq")) {
                return true;
            }
        }
    }
    return false;
}

/* Nothing of a detached device is left, except that a device attached while the guest
 * ran leaves its GSI pirq mapped and unbound: the guest may route one of its emulated
 * GSIs through the same pirq number (hw/xen/xen-pt-intx.c). Its MSI pirqs are gone. */
static void assert_nothing_of(JsonNode *st, const char *sbdf, uint64_t host_mfn, uint64_t nr,
                              gint64 irq, unsigned slot)
{
    g_assert_false(maps_host(st, host_mfn, nr));
    g_assert_cmpuint(sec_pirqs_of(st, sbdf, -2), ==, 0);
    g_assert_false(gsi_pirq_bound(st, irq));
    g_assert_false(granted(st, sbdf));
    g_assert_false(sec_claimed(st, "pci", slot << 3, slot << 3));
}

static void test_xsa476_detach_64bit(void)
{
    g_autofree char *dev = sec_dev_arg(xpt_test_fixture(NVME_DUMP), NVME, "nvme", NULL);
    Vm *vm = vm_start(dev);
    XptQts *qts = vm->qts;
    const unsigned cap = 0xb0;                                 /* MSI-X, 129 entries */
    const uint64_t lo = 0x123458000ull, hi = 0x1223458000ull;   /* same low dword */
    xpt_cfg_writel(qts, SLOT2, 0x10, (uint32_t)lo | 4);
    xpt_cfg_writel(qts, SLOT2, 0x14, (uint32_t)(lo >> 32));
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0006);
    g_autoptr(JsonNode) s1 = xpt_sim_state(qts);
    g_assert_true(xpt_state_has_mmio(s1, lo >> 12, NVME_BAR0_HOST >> 12, 4));
    g_assert_true(sec_claimed(s1, "mmio", lo + 0x4000, lo + 0x4fff));
    /* MSI-X entry 128 bound with the 64-bit gtable. */
    xpt_cfg_writew(qts, SLOT2, cap + 2, 0x8000);
    xpt_writeq(qts, lo + 0x4000 + 16 * 128, 0xfee00000);
    xpt_writeq(qts, lo + 0x4000 + 16 * 128 + 8, 0x51);
    g_autoptr(JsonNode) s2 = xpt_sim_state(qts);
    g_assert_cmpuint(sec_pirqs_of(s2, NVME, -1), ==, 1);
    JsonObject *b = json_array_get_object_element(xpt_state_array(s2, "msi"), 0);
    g_assert_cmphex(json_object_get_int_member(b, "gtable"), ==, lo + 0x4000);

    /* Only the high dword changes: a 32-bit comparison would see no move. */
    xpt_cfg_writel(qts, SLOT2, 0x14, (uint32_t)(hi >> 32));
    g_autoptr(JsonNode) s3 = xpt_sim_state(qts);
    g_assert_false(xpt_state_has_mmio(s3, lo >> 12, NVME_BAR0_HOST >> 12, 4));
    g_assert_true(xpt_state_has_mmio(s3, hi >> 12, NVME_BAR0_HOST >> 12, 4));
    g_assert_true(xpt_state_has_mmio(s3, (hi >> 12) + 5, (NVME_BAR0_HOST >> 12) + 5, 3));
    g_assert_false(sec_claimed(s3, "mmio", lo + 0x4000, lo + 0x4fff));
    g_assert_true(sec_claimed(s3, "mmio", hi + 0x4000, hi + 0x4fff));
    b = json_array_get_object_element(xpt_state_array(s3, "msi"), 0);
    g_assert_cmphex(json_object_get_int_member(b, "gtable"), ==, hi + 0x4000);

    /* Detach the ACPI way: nothing of the device remains, at any address. */
    xpt_outw(qts, GPE_EN, 0x0002);
    unplug_and_eject(vm, "nvme", 2);
    g_autoptr(JsonNode) s4 = xpt_sim_state(qts);
    g_assert_cmpuint(sec_state_len(s4, "mmio"), ==, 0);
    g_assert_cmpuint(sec_state_len(s4, "msi"), ==, 0);
    g_assert_false(sec_claimed(s4, "mmio", hi + 0x4000, hi + 0x4000));
    assert_nothing_of(s4, NVME, NVME_BAR0_HOST >> 12, 8, -1, 2);
    g_assert_cmphex(xpt_readl(qts, hi + 0x4000 + 16 * 128 + 8), ==, 0xffffffff);
    g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, 0), ==, 0xffffffff);
    /* Ejecting the empty slot again is harmless (idempotent). */
    xpt_outl(qts, B0EJ, 1u << 2);
    g_autofree char *err = vm_finish(vm);
}

/* A Firecracker virtio device with its BAR at 0x40_0010_0000 on the host, placed by the
 * guest above 2^40: every frame number needs more than 32 bits. */
static void test_xsa476_firecracker(void)
{
    g_autofree char *tree = xpt_test_make_sysfs_tree(
        xpt_test_fixture("sysfs-firecracker/devices"));
    g_autofree char *args = g_strdup_printf(
        "-device xen-pci-passthrough,hostaddr=0000:00:03.0,id=vnet,host-sysfs=%s", tree);
    Vm *vm = vm_start(args);
    const uint64_t g = 0x20000000000ull, host = 0x4000100000ull;
    xpt_cfg_writel(vm->qts, SLOT2, 0x10, (uint32_t)g | 4);
    xpt_cfg_writel(vm->qts, SLOT2, 0x14, (uint32_t)(g >> 32));
    xpt_cfg_writew(vm->qts, SLOT2, 0x04, 0x0002);
    g_autoptr(JsonNode) s1 = xpt_sim_state(vm->qts);
    g_assert_true(xpt_state_has_mmio(s1, g >> 12, host >> 12, 8));
    xpt_outw(vm->qts, GPE_EN, 0x0002);
    unplug_and_eject(vm, "vnet", 2);
    g_autoptr(JsonNode) s2 = xpt_sim_state(vm->qts);
    g_assert_cmpuint(sec_state_len(s2, "mmio"), ==, 0);
    g_assert_cmpuint(json_array_get_length(sec_claims(s2, "mmio")), ==, 0);
    g_autofree char *err = vm_finish(vm);
    xpt_test_rmtree(tree);
}

/* QEMU's "Duplicate ID 'pci-pt-…'" on re-attach: the id is free right after detach —
 * after an ACPI eject, after a forced removal, and after a failed attach. */
static void test_duplicate_id_after_detach(void)
{
    Vm *vm = vm_start("");
    XptQmp *q = vm->qmp;
    g_autofree char *add = device_add_json("pci-pt-01_00.0", NIC, xpt_test_fixture(NIC_DUMP),
                                           NULL);
    xpt_outw(vm->qts, GPE_EN, 0x0002);                 /* the guest runs, ACPI enabled */
    for (int round = 0; round < 3; round++) {
        qmp_ok(q, "%s", add);
        g_assert_true(pci_has_id(q, "pci-pt-01_00.0"));
        g_autoptr(JsonNode) dup = xpt_qmp_command(q, "%s", add);
        g_assert_nonnull(strstr(xpt_qmp_reply_desc(dup), "Duplicate"));
        if (round == 1) {
            /* forced: a guest that never ejects, device_del twice */
            qmp_ok(q, "{\"execute\": \"device_del\", \"arguments\": {\"id\": "
                      "\"pci-pt-01_00.0\"}}");
            qmp_ok(q, "{\"execute\": \"device_del\", \"arguments\": {\"id\": "
                      "\"pci-pt-01_00.0\"}}");
            g_autoptr(JsonNode) ev = xpt_qmp_event_wait(q, "DEVICE_DELETED");
        } else {
            unplug_and_eject(vm, "pci-pt-01_00.0", 6);
        }
        xpt_outw(vm->qts, GPE_STS, 0x0002);
        g_assert_false(pci_has_id(q, "pci-pt-01_00.0"));
        g_autoptr(JsonNode) st = xpt_sim_state(vm->qts);
        assert_nothing_of(st, NIC, NIC_BAR0_HOST >> 12, 32, 11, 6);
    }
    /* A failed attach does not take the id either. */
    g_autoptr(JsonNode) f = xpt_sim_command(vm->qts, "fail grant_device EIO");
    g_autoptr(JsonNode) r = xpt_qmp_command(q, "%s", add);
    g_assert_cmpstr(xpt_qmp_reply_class(r), ==, "GenericError");
    qmp_ok(q, "%s", add);
    g_autofree char *err = vm_finish(vm);
}

/* ================================================================================================
 * Invariant 12: a failed or partial attach leaves nothing behind
 * ============================================================================================== */

typedef struct {
    const char *op;
    const char *call;       /* what the one-line message names */
    bool refused;           /* the attach fails (else: degraded, INTx off) */
} AttachFault;

static const AttachFault attach_faults[] = {
    { "grant_device", "toolstack grant", true },
    { "claim_range", "xendevicemodel_map_pcidev_to_ioreq_server", true },
    { "map_pirq", "xc_physdev_map_pirq", false },
    { "bind_pt_intx", "xc_domain_bind_pt_pci_irq", false },
};

/*
 * Hot-plug of the 82576 (host IRQ 11) while the NVMe runs in slot 2; the fault hits the
 * attach. Refused: a GenericError naming the SBDF and the call, and the sim holds no
 * grant, claim, pirq or binding of it. Degraded: attached with interrupt pin 0 and no
 * INTx state. Either way the NVMe keeps working, the same id attaches afterwards and the
 * leak check at exit is clean.
 */
static void test_failed_attach(gconstpointer data)
{
    const AttachFault *f = data;
    g_autofree char *nvme = sec_dev_arg(xpt_test_fixture(NVME_DUMP), NVME, "nvme", NULL);
    Vm *vm = vm_start(nvme);
    XptQts *qts = vm->qts;
    xpt_cfg_writel(qts, SLOT2, 0x10, 0xe0000004);
    xpt_cfg_writel(qts, SLOT2, 0x14, 0);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0006);
    g_autoptr(JsonNode) before = xpt_sim_state(qts);
    g_autofree char *add = device_add_json("victim", NIC, xpt_test_fixture(NIC_DUMP), NULL);

    g_autoptr(JsonNode) inj = xpt_sim_command(qts, "fail %s EIO", f->op);
    g_autoptr(JsonNode) r = xpt_qmp_command(vm->qmp, "%s", add);
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    g_autofree char *err = xpt_qts_stderr(qts);
    if (f->refused) {
        g_assert_cmpstr(xpt_qmp_reply_class(r), ==, "GenericError");
        const char *desc = xpt_qmp_reply_desc(r);
        g_test_message("refused: %s", desc);
        g_assert_nonnull(strstr(desc, NIC));
        g_assert_nonnull(strstr(desc, f->call));
        g_assert_false(pci_has_id(vm->qmp, "victim"));
        assert_nothing_of(st, NIC, NIC_BAR0_HOST >> 12, 32, 11, 6);
        g_assert_cmpuint(sec_state_len(st, "intx"), ==, 0);
        g_assert_cmphex(xpt_cfg_readl(qts, 0x30, 0), ==, 0xffffffff);
    } else {
        g_assert_nonnull(xpt_qmp_reply_return(r));
        g_assert_cmphex(xpt_cfg_readb(qts, 0x30, 0x3d), ==, 0);     /* pin 0 */
        g_assert_cmpuint(sec_pirqs_of(st, NIC, 11), ==, 0);
        g_assert_cmpuint(sec_state_len(st, "intx"), ==, 0);
        g_assert_cmpuint(sec_count_lines(err, f->call, NIC), ==, 1);
        g_assert_cmpuint(sec_count_lines(err, "INTx disabled", NULL), ==, 1);
    }
    /* The other device and the process are unaffected. */
    g_assert_true(xpt_state_has_mmio(st, 0xe0000, NVME_BAR0_HOST >> 12, 4));
    g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, 0), ==, 0xa826144d);
    if (f->refused) {
        qmp_ok(vm->qmp, "%s", add);                    /* same id, no fault: works */
    }
    g_assert_true(pci_has_id(vm->qmp, "victim"));
    g_assert_cmphex(xpt_cfg_readl(qts, 0x30, 0), ==, 0x10c98086);
    g_autofree char *err2 = vm_finish(vm);
}

/* The same faults at cold plug (-accel qtest,sim-fail=...): a refused device is exit
 * status 1 with one line and nothing leaked; a degraded one (INTx) starts next to the
 * NVMe, which works. */
static void test_failed_coldplug(void)
{
    static const char *const degraded[][2] = {
        { "map_pirq:EIO", "xc_physdev_map_pirq" },
        { "bind_pt_intx:EPERM", "xc_domain_bind_pt_pci_irq" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(degraded); i++) {
        g_autofree char *nic = sec_dev_arg(xpt_test_fixture(NIC_DUMP), NIC, "pt0", NULL);
        g_autofree char *nvme = sec_dev_arg(xpt_test_fixture(NVME_DUMP), NVME, "pt1", NULL);
        g_autofree char *args = g_strdup_printf("-accel qtest,sim-fail=%s %s %s",
                                                degraded[i][0], nic, nvme);
        XptQts *qts = xpt_qts_start(args);
        g_assert_cmphex(xpt_cfg_readb(qts, SLOT2, 0x3d), ==, 0);
        g_autoptr(JsonNode) st = xpt_sim_state(qts);
        g_assert_cmpuint(sec_pirqs_of(st, NIC, 11), ==, 0);
        g_assert_cmpuint(sec_state_len(st, "intx"), ==, 0);
        xpt_cfg_writel(qts, SLOT3, 0x10, 0xe0000004);
        xpt_cfg_writel(qts, SLOT3, 0x14, 0);
        xpt_cfg_writew(qts, SLOT3, 0x04, 0x0006);
        g_autoptr(JsonNode) st2 = xpt_sim_state(qts);
        g_assert_true(xpt_state_has_mmio(st2, 0xe0000, NVME_BAR0_HOST >> 12, 4));
        g_autofree char *err = xpt_qts_stderr(qts);
        g_assert_cmpuint(sec_count_lines(err, degraded[i][1], NIC), ==, 1);
        xpt_test_finish(qts);
    }

    static const struct { const char *spec, *call; } cases[] = {
        { "grant_device:EIO", "toolstack grant" },
        { "grant_device:EPERM", "toolstack grant" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *dev = sec_dev_arg(xpt_test_fixture(NIC_DUMP), NIC, "pt0", NULL);
        g_autofree char *args = g_strdup_printf("-accel qtest,sim-fail=%s -qtest stdio %s",
                                                cases[i].spec, dev);
        g_autofree char *err = NULL;
        int status = xpt_qts_run_expect_fail(args, &err);
        g_assert_cmpint(status, ==, 1);
        g_assert_cmpuint(sec_count_lines(err, "error:", NULL), ==, 1);
        g_assert_cmpuint(sec_count_lines(err, cases[i].call, NIC), ==, 1);
        g_assert_null(strstr(err, "leak"));
        sec_assert_no_sanitizer(err);
    }
}

/* ================================================================================================
 * Fault tolerance: every hypervisor operation fails once, at every step of a guest's life
 * ============================================================================================== */

/* The libxen call each sim operation stands for (the name in messages). */
static const struct {
    const char *op, *call;
} sim_ops[] = {
    { "memory_mapping", "xc_domain_memory_mapping" },
    { "ioport_mapping", "xc_domain_ioport_mapping" },
    { "claim_range", "xendevicemodel_map_" },
    { "unclaim_range", "xendevicemodel_unmap_" },
    { "set_pci_link_route", "xendevicemodel_set_pci_link_route" },
    { "set_isa_irq_level", "xendevicemodel_set_isa_irq_level" },
    { "map_pirq", "xc_physdev_map_pirq(" },
    { "map_pirq_msi", "xc_physdev_map_pirq_msi" },
    { "unmap_pirq", "xc_physdev_unmap_pirq" },
    { "bind_msi", "xc_domain_update_msi_irq" },
    { "unbind_msi", "xc_domain_unbind_msi_irq" },
    { "bind_pt_intx", "xc_domain_bind_pt_pci_irq" },
    { "unbind_pt_intx", "xc_domain_unbind_pt_irq" },
    { "guest_read", "xenforeignmemory" },
    { "guest_write", "xenforeignmemory" },
    { "grant_device", "toolstack grant" },
    { "revoke_device", "toolstack revoke" },
};

#define LC_TABLE 0xf1000000ull      /* where the life cycle puts the 82576's BAR3 */
#define LC_MOVED 0xf2000000ull

/*
 * The guest life cycle of the 82576 (pt0, slot 2) next to the NVMe (pt1, slot 3, BAR0
 * mapped at 0xe0000000), step by step as a Linux guest drives it.
 */
static void lc_step(Vm *vm, unsigned step)
{
    XptQts *qts = vm->qts;
    switch (step) {
    case 0:   /* firmware: BARs, ROM, decode on */
        xpt_cfg_writel(qts, SLOT2, 0x10, 0xf0000000);
        xpt_cfg_writel(qts, SLOT2, 0x18, 0xc001);
        xpt_cfg_writel(qts, SLOT2, 0x1c, (uint32_t)LC_TABLE);
        xpt_cfg_writel(qts, SLOT2, 0x30, 0xf0400001);
        xpt_cfg_writew(qts, SLOT2, 0x04, 0x0007);
        break;
    case 1:   /* firmware: PCI link routes (PIIX3 PIRQRC) */
        xpt_cfg_writel(qts, 0x08, 0x60, 0x050b0a05);
        break;
    case 2:   /* MSI on */
        xpt_cfg_writel(qts, SLOT2, NIC_MSI + 4, 0xfee01000);
        xpt_cfg_writel(qts, SLOT2, NIC_MSI + 8, 0);
        xpt_cfg_writew(qts, SLOT2, NIC_MSI + 0xC, 0x0041);
        xpt_cfg_writew(qts, SLOT2, NIC_MSI + 2, 0x0081);
        break;
    case 3:   /* MSI off */
        xpt_cfg_writew(qts, SLOT2, NIC_MSI + 2, 0x0080);
        break;
    case 4:   /* MSI-X: enable, program entries 0 and 1, unmask them */
        xpt_cfg_writew(qts, SLOT2, NIC_MSIX + 2, 0xc009);
        for (unsigned i = 0; i < 2; i++) {
            xpt_writel(qts, LC_TABLE + 16 * i, 0xfee00000 | (i << 12));
            xpt_writel(qts, LC_TABLE + 16 * i + 4, 0);
            xpt_writel(qts, LC_TABLE + 16 * i + 8, 0x50 + i);
        }
        xpt_cfg_writew(qts, SLOT2, NIC_MSIX + 2, 0x8009);
        xpt_writel(qts, LC_TABLE + 12, 0);
        xpt_writel(qts, LC_TABLE + 16 + 12, 0);
        break;
    case 5:   /* BAR moves: the table's BAR (rebind) and BAR0 */
        xpt_cfg_writel(qts, SLOT2, 0x1c, (uint32_t)LC_MOVED);
        xpt_cfg_writel(qts, SLOT2, 0x10, 0xf3000000);
        break;
    case 6:   /* decode off */
        xpt_cfg_writew(qts, SLOT2, 0x04, 0x0004);
        break;
    case 7:   /* decode on */
        xpt_cfg_writew(qts, SLOT2, 0x04, 0x0007);
        break;
    case 8:   /* detach: device_del, the guest ejects slot 2 */
        unplug_and_eject(vm, "pt0", 2);
        break;
    default:
        g_assert_not_reached();
    }
}

#define LC_STEPS 9
static const char *const lc_names[LC_STEPS] = {
    "bar-programming", "link-routes", "msi-enable", "msi-disable", "msix-unmask",
    "bar-move", "decode-off", "decode-on", "detach",
};

static Vm *lc_start(void)
{
    g_autofree char *nic = sec_dev_arg(xpt_test_fixture(NIC_DUMP), NIC, "pt0", NULL);
    g_autofree char *nvme = sec_dev_arg(xpt_test_fixture(NVME_DUMP), NVME, "pt1", NULL);
    g_autofree char *args = g_strdup_printf("%s %s", nic, nvme);
    Vm *vm = vm_start(args);
    xpt_cfg_writel(vm->qts, SLOT3, 0x10, 0xe0000004);
    xpt_cfg_writel(vm->qts, SLOT3, 0x14, 0);
    xpt_cfg_writew(vm->qts, SLOT3, 0x04, 0x0006);
    xpt_outw(vm->qts, GPE_EN, 0x0002);             /* the guest's ACPI driver */
    return vm;
}

/* The NVMe next door still works: config space, its BAR mapping, its MSI-X table. */
static void assert_bystander_ok(XptQts *qts)
{
    g_assert_cmphex(xpt_cfg_readl(qts, SLOT3, 0x00), ==, 0xa826144d);
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    g_assert_true(xpt_state_has_mmio(st, 0xe0000, NVME_BAR0_HOST >> 12, 4));
    g_assert_true(sec_claimed(st, "mmio", 0xe0004000, 0xe0004fff));
    g_assert_cmphex(xpt_readl(qts, 0xe0004000 + 12), ==, 1);      /* entry 0 masked */
}

/* Which operations each life-cycle step calls (from one clean run). */
static gint64 lc_calls[LC_STEPS][G_N_ELEMENTS(sim_ops)];
static bool lc_dry_done;

static void lc_dry_run(void)
{
    if (lc_dry_done) {
        return;
    }
    Vm *vm = lc_start();
    for (unsigned s = 0; s < LC_STEPS; s++) {
        g_autoptr(JsonNode) a = xpt_sim_state(vm->qts);
        lc_step(vm, s);
        g_autoptr(JsonNode) b = xpt_sim_state(vm->qts);
        for (size_t o = 0; o < G_N_ELEMENTS(sim_ops); o++) {
            lc_calls[s][o] = sec_calls_of(b, sim_ops[o].op) - sec_calls_of(a, sim_ops[o].op);
        }
        assert_bystander_ok(vm->qts);
    }
    g_autofree char *err = vm_finish(vm);
    g_assert_cmpuint(sec_count_lines(err, "warning:", NULL), ==, 0);
    lc_dry_done = true;
}

/*
 * For every (operation, step) where the step calls the operation: the operation fails
 * once (EIO) at that step. The 82576 degrades with one clear message naming its SBDF
 * (chipset operations: the chipset function) and the call; the NVMe and the process keep
 * working through the rest of the life cycle; the detach and the exit are clean (the
 * leak check makes the exit status 2 otherwise).
 */
static void test_fault_tolerance(void)
{
    lc_dry_run();
    unsigned runs = 0;
    for (unsigned s = 0; s < LC_STEPS; s++) {
        for (size_t o = 0; o < G_N_ELEMENTS(sim_ops); o++) {
            if (!lc_calls[s][o]) {
                continue;
            }
            runs++;
            g_test_message("fault: %s fails at %s", sim_ops[o].op, lc_names[s]);
            Vm *vm = lc_start();
            for (unsigned k = 0; k < LC_STEPS; k++) {
                if (k == s) {
                    g_autoptr(JsonNode) f = xpt_sim_command(vm->qts, "fail %s EIO 1",
                                                            sim_ops[o].op);
                }
                lc_step(vm, k);
                if (k == s) {
                    g_autoptr(JsonNode) c = xpt_sim_command(vm->qts, "fail %s EIO 0",
                                                            sim_ops[o].op);
                }
                assert_bystander_ok(vm->qts);
                if (k < 8) {
                    g_assert_cmphex(xpt_cfg_readl(vm->qts, SLOT2, 0x00), ==, 0x10c98086);
                }
            }
            /* After the detach only the NVMe holds anything. */
            g_autoptr(JsonNode) st = xpt_sim_state(vm->qts);
            assert_nothing_of(st, NIC, NIC_BAR0_HOST >> 12, 32, 11, 2);
            g_assert_false(maps_host(st, NIC_BAR3_HOST >> 12, 4));
            g_assert_cmpuint(sec_state_len(st, "mmio"), ==, 2);  /* NVMe BAR0 around its table */
            g_assert_cmpuint(sec_state_len(st, "ioports"), ==, 0);
            g_assert_cmpuint(sec_state_len(st, "msi"), ==, 0);
            g_assert_cmpuint(sec_state_len(st, "intx"), ==, 0);
            g_assert_cmpuint(json_array_get_length(sec_claims(st, "mmio")), ==, 1);
            g_autofree char *err = vm_finish(vm);
            unsigned n = sec_count_lines(err, sim_ops[o].call, NULL);
            if (n != 1 || sec_count_lines(err, "warning:", NULL) != 1 ||
                (strcmp(sim_ops[o].op, "set_pci_link_route") &&
                 strcmp(sim_ops[o].op, "set_isa_irq_level") &&
                 sec_count_lines(err, sim_ops[o].call, NIC) != 1)) {
                g_error("%s failing at %s: expected one warning naming %s and %s, got:\n%s",
                        sim_ops[o].op, lc_names[s], NIC, sim_ops[o].call, err);
            }
        }
    }
    g_test_message("%u fault runs", runs);
    g_assert_cmpuint(runs, >=, 20);
}

/* ================================================================================================
 * Host backend failures: EIO, and a device that disappears
 * ============================================================================================== */

/* EIO on host config writes: one rate-limited warning naming the SBDF; a flood of them
 * stays bounded; the guest's view and the process are unaffected. */
static void test_host_write_eio(void)
{
    XptQts *qts = sec_start_nic(NULL, NULL);
    /* The host has bus master on (0x0407); the guest clears it, the write fails. */
    g_autoptr(JsonNode) f = xpt_sim_command(qts, "host-fail pt0 write EIO");
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0000);
    g_autofree char *err1 = xpt_qts_stderr(qts);
    g_assert_cmpuint(sec_count_lines(err1, "warning:", NULL), ==, 1);
    g_assert_cmpuint(sec_count_lines(err1, "host config write", NIC), ==, 1);
    g_assert_nonnull(strstr(err1, g_strerror(EIO)));
    g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, 0x04) & 0x4, ==, 0x4);   /* not written */

    g_autoptr(JsonNode) f2 = xpt_sim_command(qts, "host-fail pt0 write EIO 300");
    for (unsigned i = 0; i < 300; i++) {
        xpt_cfg_writew(qts, SLOT2, 0x04, (i & 1) ? 0x0004 : 0x0000);
    }
    g_autofree char *err2 = xpt_qts_stderr(qts);
    g_assert_cmpuint(sec_count_lines(err2, "host config write", NULL), <=, 7);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0000);                 /* the fault is used up */
    g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, 0x04) & 0x4, ==, 0);
    g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, 0x00), ==, 0x10c98086);
    /* Bad host-fail/host-gone lines are refused. */
    static const char *bad[] = { "host-fail pt0", "host-fail pt0 read", "host-fail pt0 rw EIO",
                                 "host-fail pt0 read ENOPE", "host-fail pt0 read EIO -1",
                                 "host-fail nope read EIO", "host-gone", "host-gone pt0 maybe",
                                 "host-fail pt0 read 0", "host-fail pt0 read 4096" };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *r = xpt_qts_command(qts, "xen-sim %s", bad[i]);
        g_assert_true(g_str_has_prefix(r, "FAIL"));
    }
    xpt_test_finish(qts);
}

/*
 * The device disappears while the guest uses it (surprise removal): config reads from
 * the host give all-ones. The guest sees all-ones where it reads the host, its own
 * emulated values elsewhere; MSI, MSI-X and BAR changes keep working against the
 * hypervisor; nothing crashes; detach and exit are clean.
 */
static void test_host_device_gone(void)
{
    Vm *vm = lc_start();
    for (unsigned s = 0; s < 5; s++) {
        lc_step(vm, s);
    }
    g_autoptr(JsonNode) g = xpt_sim_command(vm->qts, "host-gone pt0");
    XptQts *qts = vm->qts;
    g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, 0x00), ==, 0x10c98086);   /* emulated IDs */
    g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, 0x08), ==, 0xffffffff);   /* class: host */
    g_assert_cmphex(xpt_cfg_readb(qts, SLOT2, 0x34), ==, 0x40);         /* emulated chain */
    for (unsigned off = 0; off < 256; off += 4) {
        (void)xpt_cfg_readl(qts, SLOT2, (uint8_t)off);
        (void)xpt_cfg_readw(qts, SLOT2, (uint8_t)off);
    }
    /* The rest of the life cycle on a vanished device. */
    for (unsigned s = 5; s < 8; s++) {
        lc_step(vm, s);
        assert_bystander_ok(qts);
    }
    xpt_cfg_writew(qts, SLOT2, NIC_MSIX + 2, 0x0000);
    xpt_cfg_writew(qts, SLOT2, NIC_MSI + 2, 0x0081);
    (void)xpt_readl(qts, LC_MOVED + 12);
    lc_step(vm, 8);
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    assert_nothing_of(st, NIC, NIC_BAR0_HOST >> 12, 32, 11, 2);
    assert_bystander_ok(qts);
    g_autofree char *err = vm_finish(vm);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/security/xsa476/detach-64bit", test_xsa476_detach_64bit);
    g_test_add_func("/security/xsa476/firecracker", test_xsa476_firecracker);
    g_test_add_func("/security/duplicate-id-after-detach", test_duplicate_id_after_detach);
    for (size_t i = 0; i < G_N_ELEMENTS(attach_faults); i++) {
        g_autofree char *path = g_strdup_printf("/security/failed-attach/%s",
                                                attach_faults[i].op);
        g_test_add_data_func(path, &attach_faults[i], test_failed_attach);
    }
    g_test_add_func("/security/failed-attach/coldplug", test_failed_coldplug);
    g_test_add_func("/security/fault-tolerance/life-cycle", test_fault_tolerance);
    g_test_add_func("/security/host/write-eio", test_host_write_eio);
    g_test_add_func("/security/host/device-gone", test_host_device_gone);
    return g_test_run();
}
