/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * INTx and MSI through the simulated hypervisor, end to end (SPEC §6; reference/xen-abi.md
 * §Interrupts and §Call sequences; reference/config-space.md "MSI (05)"). The guest side
 * is driven as Linux does (pci_enable_msi: program address/data, then set Enable), and
 * after each step the sim's pirq and binding state is compared with what Xen would hold.
 */
#include <string.h>

#include "qtest/client.h"
#include "tests/testutil.h"

#define SLOT2 0x10                /* devfn of the first cold-plugged slot */
#define NIC "0000:01:00.0"        /* Intel 82576 in pciutils-tests/cap-pcie-2 */
#define NIC_MSI 0x50              /* its MSI capability: 64-bit, per-vector masking */
#define HDA "0000:00:1b.0"        /* ICH7 HDA in pciutils-tests/cap-vc-and-rcl */
#define HDA_MSI 0x60              /* 64-bit, no per-vector masking */

/* XEN_DOMCTL_VMSI_X86_* (xen/domctl.h), spelled out so the test checks the encoding. */
#define GF_RH (1u << 8)
#define GF_DM (1u << 9)
#define GF_DELIV(m) ((uint32_t)(m) << 12)
#define GF_TRIG (1u << 15)
#define GF_UNMASKED (1u << 16)

static XptQts *start_nic(const char *accel_extra, const char *dev_extra)
{
    g_autofree char *args = g_strdup_printf(
        "%s -device xen-pci-passthrough,hostaddr=" NIC ",id=pt0,host-dump=%s%s",
        accel_extra ? accel_extra : "", xpt_test_fixture("pciutils-tests/cap-pcie-2"),
        dev_extra ? dev_extra : "");
    return xpt_qts_start(args);
}

/* Assert exactly one MSI pirq for @sbdf, bound with @gvec/@gflags; returns the pirq. */
static gint64 assert_msi_bound(XptQts *qts, const char *sbdf, uint32_t gvec, uint32_t gflags)
{
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    JsonObject *p = NULL;
    g_assert_cmpuint(xpt_state_count_pirqs(st, "msi", &p), ==, 1);
    g_assert_cmpstr(json_object_get_string_member(p, "sbdf"), ==, sbdf);
    g_assert_cmpint(json_object_get_int_member(p, "entry"), ==, 0);
    g_assert_cmpint(json_object_get_int_member(p, "table_base"), ==, 0);
    gint64 pirq = json_object_get_int_member(p, "pirq");
    JsonObject *b = xpt_state_msi_binding(st, pirq);
    g_assert_nonnull(b);
    g_assert_cmphex(json_object_get_int_member(b, "gvec"), ==, gvec);
    g_assert_cmphex(json_object_get_int_member(b, "gflags"), ==, gflags);
    g_assert_cmphex(json_object_get_int_member(b, "gtable"), ==, 0);
    return pirq;
}

static void assert_no_msi(XptQts *qts)
{
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    g_assert_cmpuint(xpt_state_count_pirqs(st, "msi", NULL), ==, 0);
    g_assert_cmpuint(json_array_get_length(xpt_state_array(st, "msi")), ==, 0);
}

static void msi_program(XptQts *qts, uint8_t devfn, unsigned cap, uint64_t addr, uint16_t data)
{
    xpt_cfg_writel(qts, devfn, cap + 4, (uint32_t)addr);
    xpt_cfg_writel(qts, devfn, cap + 8, (uint32_t)(addr >> 32));
    xpt_cfg_writew(qts, devfn, cap + 0xC, data);
}

static void msi_enable(XptQts *qts, uint8_t devfn, unsigned cap, bool on)
{
    uint16_t ctrl = xpt_cfg_readw(qts, devfn, cap + 2);
    xpt_cfg_writew(qts, devfn, cap + 2, on ? (ctrl | 1) : (ctrl & ~1));
}

/* ---- INTx ------------------------------------------------------------------------------- */

/* Host IRQ 11, pin A: pirq 11 mapped from GSI 11 and bound to (bus 0, slot, INTA). */
static void test_intx_bound(void)
{
    XptQts *qts = start_nic(NULL, ",addr=05");
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    JsonObject *p = NULL;
    g_assert_cmpuint(xpt_state_count_pirqs(st, "gsi", &p), ==, 1);
    g_assert_cmpint(json_object_get_int_member(p, "irq"), ==, 11);
    gint64 pirq = json_object_get_int_member(p, "pirq");
    JsonArray *intx = xpt_state_array(st, "intx");
    g_assert_cmpuint(json_array_get_length(intx), ==, 1);
    JsonObject *b = json_array_get_object_element(intx, 0);
    g_assert_cmpint(json_object_get_int_member(b, "pirq"), ==, pirq);
    g_assert_cmpint(json_object_get_int_member(b, "bus"), ==, 0);
    g_assert_cmpint(json_object_get_int_member(b, "dev"), ==, 5);
    g_assert_cmpint(json_object_get_int_member(b, "intx"), ==, 0);

    uint8_t devfn = 0x28;
    g_assert_cmphex(xpt_cfg_readb(qts, devfn, 0x3d), ==, 1);        /* pin A */
    /* Interrupt line: emulated, never written to the host. */
    xpt_cfg_writeb(qts, devfn, 0x3c, 10);
    g_assert_cmphex(xpt_cfg_readb(qts, devfn, 0x3c), ==, 10);
    g_autoptr(GArray) line = xpt_test_host_writes_at(qts, "pt0", 0x3c);
    g_assert_cmpuint(line->len, ==, 0);
    /* INTx disable: guest 1 → host 1; guest 0 → host 0 (INTx is bound). */
    xpt_cfg_writew(qts, devfn, 0x04, 0x0400);
    xpt_cfg_writew(qts, devfn, 0x04, 0x0000);
    g_autoptr(GArray) cmd = xpt_test_host_writes_at(qts, "pt0", 0x04);
    g_assert_cmpuint(cmd->len, ==, 2);
    g_assert_cmphex(g_array_index(cmd, uint32_t, 0) & 0x400, ==, 0x400);
    g_assert_cmphex(g_array_index(cmd, uint32_t, 1) & 0x400, ==, 0);
    g_assert_cmphex(xpt_cfg_readw(qts, devfn, 0x04) & 0x400, ==, 0);
    xpt_test_finish(qts);
}

/*
 * A failed map or bind at attach: the guest sees pin 0, the host INTx-disable bit is set,
 * one line names the device and the call, nothing is left mapped, and a guest 0 write
 * to INTx-disable does not clear it on the host.
 */
static void intx_failure(const char *fault, const char *call)
{
    g_autofree char *accel = g_strdup_printf("-accel qtest,sim-fail=%s", fault);
    XptQts *qts = start_nic(accel, NULL);
    g_assert_cmphex(xpt_cfg_readb(qts, SLOT2, 0x3d), ==, 0);
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    g_assert_cmpuint(xpt_state_count_pirqs(st, "gsi", NULL), ==, 0);
    g_assert_cmpuint(json_array_get_length(xpt_state_array(st, "intx")), ==, 0);
    /* The fixture's host command register (0x0407) already has INTx disabled: attach
     * leaves it; a guest 0 (the bit is emulated: the guest reads its own value) does
     * not clear it on the host. */
    g_autoptr(GArray) at_attach = xpt_test_host_writes_at(qts, "pt0", 0x04);
    g_assert_cmpuint(at_attach->len, ==, 0);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0004);
    g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, 0x04) & 0x400, ==, 0);
    g_autoptr(GArray) cmd = xpt_test_host_writes_at(qts, "pt0", 0x04);
    g_assert_cmpuint(cmd->len, ==, 1);
    g_assert_cmphex(g_array_index(cmd, uint32_t, 0) & 0x400, ==, 0x400);
    g_autofree char *err = xpt_qts_stderr(qts);
    g_assert_nonnull(strstr(err, NIC));
    g_assert_nonnull(strstr(err, call));
    g_assert_nonnull(strstr(err, "INTx disabled"));
    /* MSI still works without INTx. */
    msi_program(qts, SLOT2, NIC_MSI, 0xfee00000, 0x0041);
    msi_enable(qts, SLOT2, NIC_MSI, true);
    assert_msi_bound(qts, NIC, 0x41, GF_UNMASKED);
    xpt_test_finish(qts);
}

static void test_intx_map_fails(void)
{
    intx_failure("map_pirq:EPERM", "xc_physdev_map_pirq");
}

static void test_intx_bind_fails(void)
{
    intx_failure("bind_pt_intx:EINVAL", "xc_domain_bind_pt_pci_irq");
}

/* Firecracker's virtio devices have no INTx (irq 0): pin 0, host INTx disabled, no pirq. */
static void test_intx_no_host_irq(void)
{
    g_autofree char *root = xpt_test_make_sysfs_tree(
        xpt_test_fixture("sysfs-firecracker/devices"));
    g_autofree char *args = g_strdup_printf(
        "-device xen-pci-passthrough,hostaddr=0000:00:01.0,id=pt0,host-sysfs=%s", root);
    XptQts *qts = xpt_qts_start(args);
    g_assert_cmphex(xpt_cfg_readb(qts, SLOT2, 0x3d), ==, 0);
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    g_assert_cmpuint(xpt_state_count_pirqs(st, "gsi", NULL), ==, 0);
    g_assert_cmpuint(json_array_get_length(xpt_state_array(st, "intx")), ==, 0);
    xpt_test_finish(qts);
    xpt_test_rmtree(root);
}

/* ---- MSI -------------------------------------------------------------------------------- */

/* Linux's sequence: program, enable, change while enabled, disable, re-enable. */
static void test_msi_lifecycle(void)
{
    XptQts *qts = start_nic(NULL, NULL);
    /* one vector (MMC 0), no per-vector masking visible, 64-bit */
    g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, NIC_MSI + 2), ==, 0x0080);

    msi_program(qts, SLOT2, NIC_MSI, 0xfee01000, 0x0041);
    assert_no_msi(qts);                                   /* nothing before Enable */
    g_autoptr(GArray) none = xpt_test_host_writes_at(qts, "pt0", NIC_MSI + 4);
    g_assert_cmpuint(none->len, ==, 0);                   /* address never reaches host */

    msi_enable(qts, SLOT2, NIC_MSI, true);
    gint64 pirq = assert_msi_bound(qts, NIC, 0x41, 0x01 | GF_UNMASKED);
    g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, NIC_MSI + 2) & 1, ==, 1);
    g_autoptr(GArray) ctrl = xpt_test_host_writes_at(qts, "pt0", NIC_MSI + 2);
    g_assert_cmpuint(ctrl->len, ==, 1);
    g_assert_cmphex(g_array_index(ctrl, uint32_t, 0) & 1, ==, 1);

    /* New vector while enabled: same pirq, binding updated in place. */
    xpt_cfg_writew(qts, SLOT2, NIC_MSI + 0xC, 0x0051);
    g_assert_cmpint(assert_msi_bound(qts, NIC, 0x51, 0x01 | GF_UNMASKED), ==, pirq);
    /* Every gflags field: dest 0x2a, RH, DM, lowest-priority delivery, level trigger. */
    msi_program(qts, SLOT2, NIC_MSI, 0xfee2a00c, 0x8151);
    g_assert_cmpint(assert_msi_bound(qts, NIC, 0x51,
                                     0x2a | GF_RH | GF_DM | GF_DELIV(1) | GF_TRIG |
                                     GF_UNMASKED), ==, pirq);

    msi_enable(qts, SLOT2, NIC_MSI, false);
    assert_no_msi(qts);
    g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, NIC_MSI + 2) & 1, ==, 0);
    /* A data write while disabled binds nothing. */
    xpt_cfg_writew(qts, SLOT2, NIC_MSI + 0xC, 0x0061);
    assert_no_msi(qts);

    msi_enable(qts, SLOT2, NIC_MSI, true);   /* data 0x0061: fixed delivery, edge */
    assert_msi_bound(qts, NIC, 0x61, 0x2a | GF_RH | GF_DM | GF_UNMASKED);
    /* Writing Enable again changes nothing and does not rebind. */
    g_autoptr(JsonNode) before = xpt_sim_state(qts);
    gint64 binds = json_object_get_int_member(
        json_object_get_object_member(json_node_get_object(before), "calls"), "bind_msi");
    msi_enable(qts, SLOT2, NIC_MSI, true);
    assert_msi_bound(qts, NIC, 0x61, 0x2a | GF_RH | GF_DM | GF_UNMASKED);
    g_autoptr(JsonNode) after = xpt_sim_state(qts);
    g_assert_cmpint(json_object_get_int_member(
        json_object_get_object_member(json_node_get_object(after), "calls"), "bind_msi"),
        ==, binds);
    xpt_test_finish(qts);   /* detach at exit unbinds and unmaps: leak check */
}

/* The per-vector mask (XSA-129): reads 0, a guest write never reaches the host. */
static void test_msi_mask_hidden(void)
{
    XptQts *qts = start_nic(NULL, NULL);
    xpt_cfg_writel(qts, SLOT2, NIC_MSI + 0x10, 0x1);
    g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, NIC_MSI + 0x10), ==, 0);
    g_autoptr(GArray) w = xpt_test_host_writes_at(qts, "pt0", NIC_MSI + 0x10);
    g_assert_cmpuint(w->len, ==, 0);
    xpt_test_finish(qts);
}

/* A failing hypervisor call: Enable stays clear, one line names the call, nothing leaks. */
static void msi_failure(const char *op, const char *err_name, const char *call)
{
    XptQts *qts = start_nic(NULL, NULL);
    msi_program(qts, SLOT2, NIC_MSI, 0xfee00000, 0x0041);
    g_autoptr(JsonNode) r = xpt_sim_command(qts, "fail %s %s", op, err_name);
    msi_enable(qts, SLOT2, NIC_MSI, true);
    g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, NIC_MSI + 2) & 1, ==, 0);
    assert_no_msi(qts);
    g_autoptr(GArray) ctrl = xpt_test_host_writes_at(qts, "pt0", NIC_MSI + 2);
    g_assert_cmpuint(ctrl->len, ==, 0);                   /* host Enable never set */
    g_autofree char *err = xpt_qts_stderr(qts);
    g_assert_nonnull(strstr(err, NIC));
    g_assert_nonnull(strstr(err, call));
    /* The guest retries and it works. */
    msi_enable(qts, SLOT2, NIC_MSI, true);
    assert_msi_bound(qts, NIC, 0x41, GF_UNMASKED);
    xpt_test_finish(qts);
}

static void test_msi_map_enospc(void)
{
    msi_failure("map_pirq_msi", "ENOSPC", "xc_physdev_map_pirq_msi");
}

static void test_msi_map_eperm(void)
{
    msi_failure("map_pirq_msi", "EPERM", "xc_physdev_map_pirq_msi");
}

static void test_msi_bind_einval(void)
{
    msi_failure("bind_msi", "EINVAL", "xc_domain_update_msi_irq");
}

static void test_msi_bind_ebusy(void)
{
    msi_failure("bind_msi", "EBUSY", "xc_domain_update_msi_irq");
}

/* A failed update keeps the previous binding; unbind/unmap failures still clear our state. */
static void test_msi_update_and_disable_faults(void)
{
    XptQts *qts = start_nic(NULL, NULL);
    msi_program(qts, SLOT2, NIC_MSI, 0xfee00000, 0x0041);
    msi_enable(qts, SLOT2, NIC_MSI, true);
    gint64 pirq = assert_msi_bound(qts, NIC, 0x41, GF_UNMASKED);
    g_autoptr(JsonNode) r1 = xpt_sim_command(qts, "fail bind_msi EINVAL");
    xpt_cfg_writew(qts, SLOT2, NIC_MSI + 0xC, 0x0042);
    g_assert_cmpint(assert_msi_bound(qts, NIC, 0x41, GF_UNMASKED), ==, pirq);
    /* The next change goes through. */
    xpt_cfg_writew(qts, SLOT2, NIC_MSI + 0xC, 0x0043);
    g_assert_cmpint(assert_msi_bound(qts, NIC, 0x43, GF_UNMASKED), ==, pirq);
    xpt_test_finish(qts);
}

/*
 * A failed unbind at disable keeps the binding on record and is retried: here by the
 * detach at exit, which the leak check then finds clean.
 */
static void test_msi_unbind_fails(void)
{
    XptQts *qts = start_nic(NULL, NULL);
    msi_program(qts, SLOT2, NIC_MSI, 0xfee00000, 0x0041);
    msi_enable(qts, SLOT2, NIC_MSI, true);
    gint64 pirq = assert_msi_bound(qts, NIC, 0x41, GF_UNMASKED);
    g_autoptr(JsonNode) r = xpt_sim_command(qts, "fail unbind_msi EPERM");
    msi_enable(qts, SLOT2, NIC_MSI, false);
    g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, NIC_MSI + 2) & 1, ==, 0);
    g_assert_cmpint(assert_msi_bound(qts, NIC, 0x41, GF_UNMASKED), ==, pirq);
    g_autofree char *err = xpt_qts_stderr(qts);
    g_assert_nonnull(strstr(err, "xc_domain_unbind_msi_irq"));
    /* Enabling again reuses the pirq still mapped. */
    xpt_cfg_writew(qts, SLOT2, NIC_MSI + 0xC, 0x0044);
    msi_enable(qts, SLOT2, NIC_MSI, true);
    g_assert_cmpint(assert_msi_bound(qts, NIC, 0x44, GF_UNMASKED), ==, pirq);
    xpt_test_finish(qts);
}

/* PV-on-HVM: vector 0 with the pirq in the address asks for that pirq; gvec 0. */
static void test_msi_pv_on_hvm(void)
{
    XptQts *qts = start_nic(NULL, NULL);
    /* pirq 0x410: bits 7:0 in address bits 19:12, bits 31:8 in address bits 63:40 */
    msi_program(qts, SLOT2, NIC_MSI, 0x00000400fee10000ull, 0x0000);
    msi_enable(qts, SLOT2, NIC_MSI, true);
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    JsonObject *p = NULL;
    g_assert_cmpuint(xpt_state_count_pirqs(st, "msi", &p), ==, 1);
    g_assert_cmpint(json_object_get_int_member(p, "pirq"), ==, 0x410);
    JsonObject *b = xpt_state_msi_binding(st, 0x410);
    g_assert_nonnull(b);
    g_assert_cmphex(json_object_get_int_member(b, "gvec"), ==, 0);
    xpt_test_finish(qts);
}

/* ICH7 HDA (RC-integrated endpoint, 64-bit MSI without masking), and the host MSI enable. */
static void test_msi_hda(void)
{
    g_autofree char *args = g_strdup_printf(
        "-device xen-pci-passthrough,hostaddr=" HDA ",id=pt0,host-dump=%s",
        xpt_test_fixture("pciutils-tests/cap-vc-and-rcl"));
    XptQts *qts = xpt_qts_start(args);
    g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, HDA_MSI + 2), ==, 0x0080);
    msi_program(qts, SLOT2, HDA_MSI, 0xfee00000, 0x0023);
    msi_enable(qts, SLOT2, HDA_MSI, true);
    assert_msi_bound(qts, HDA, 0x23, GF_UNMASKED);
    g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, HDA_MSI + 2) & 1, ==, 1);
    xpt_test_finish(qts);
}

/*
 * A device outside PCI segment 0: the Atheros AR93xx behind the Freescale P2020's second
 * root complex (pciutils-tests/tree-fsl-p2020, 0001:03:00.0; MSI at 0x50, 64-bit,
 * per-vector mask). Its MSI is mapped for 0001:03:00.0 — not 0000:03:00.0, which
 * libxenctrl's MAP_PIRQ_TYPE_MSI would have named — and bound; Enable sticks. Before,
 * the map was refused (segment ≠ 0) and the guest's Enable never stuck.
 */
static void test_msi_segment(void)
{
    g_autofree char *args = g_strdup_printf(
        "-device xen-pci-passthrough,hostaddr=0001:03:00.0,id=pt0,host-dump=%s",
        xpt_test_fixture("pciutils-tests/tree-fsl-p2020"));
    XptQts *qts = xpt_qts_start(args);
    const unsigned cap = 0x50;
    g_assert_cmphex(xpt_cfg_readb(qts, SLOT2, cap), ==, 0x05);
    msi_program(qts, SLOT2, cap, 0xfee00000, 0x0023);
    msi_enable(qts, SLOT2, cap, true);
    assert_msi_bound(qts, "0001:03:00.0", 0x23, GF_UNMASKED);
    g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, cap + 2) & 1, ==, 1);
    msi_enable(qts, SLOT2, cap, false);
    assert_no_msi(qts);
    xpt_test_finish(qts);
}

/*
 * Intel Wireless 7265 (pciutils-tests/cap-l1-pm 01:00.0) was captured with MSI enabled:
 * attach clears the host Enable first, so the guest starts with MSI off.
 */
static void test_msi_host_enabled_at_attach(void)
{
    g_autofree char *args = g_strdup_printf(
        "-device xen-pci-passthrough,hostaddr=0000:01:00.0,id=pt0,host-dump=%s",
        xpt_test_fixture("pciutils-tests/cap-l1-pm"));
    XptQts *qts = xpt_qts_start(args);
    g_autoptr(GArray) w = xpt_test_host_writes_at(qts, "pt0", 0xd0 + 2);
    g_assert_cmpuint(w->len, ==, 1);
    g_assert_cmphex(g_array_index(w, uint32_t, 0) & 1, ==, 0);
    g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, 0xd0 + 2) & 1, ==, 0);
    assert_no_msi(qts);
    /* host IRQ 0: no INTx either */
    g_assert_cmphex(xpt_cfg_readb(qts, SLOT2, 0x3d), ==, 0);
    msi_program(qts, SLOT2, 0xd0, 0xfee00000, 0x0030);
    msi_enable(qts, SLOT2, 0xd0, true);
    assert_msi_bound(qts, "0000:01:00.0", 0x30, GF_UNMASKED);
    xpt_test_finish(qts);
}

/*
 * NVIDIA GT218 VGA + HDMI audio (pciutils-tests/tree-asus-p6t6 06:00.0/06:00.1) in one
 * guest slot: each function binds its own INTx pin (A: host IRQ 11, B: host IRQ 5) to
 * (slot 4, INTA/INTB), the VGA's host MSI (captured enabled) is cleared at attach, and
 * both functions' MSI bind independently with their own host SBDF.
 */
static void test_gt218_functions(void)
{
    const char *dump = xpt_test_fixture("pciutils-tests/tree-asus-p6t6");
    g_autofree char *args = g_strdup_printf(
        "-device xen-pci-passthrough,hostaddr=0000:06:00.0,id=vga,addr=04.0,"
        "multifunction=on,host-dump=%s "
        "-device xen-pci-passthrough,hostaddr=0000:06:00.1,id=hda,addr=04.1,"
        "multifunction=on,host-dump=%s", dump, dump);
    XptQts *qts = xpt_qts_start(args);
    const uint8_t vga = 0x20, hda = 0x21;
    const unsigned cap = 0x68;

    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    JsonArray *intx = xpt_state_array(st, "intx");
    g_assert_cmpuint(json_array_get_length(intx), ==, 2);
    for (guint i = 0; i < 2; i++) {
        JsonObject *b = json_array_get_object_element(intx, i);
        g_assert_cmpint(json_object_get_int_member(b, "dev"), ==, 4);
    }
    g_assert_cmphex(xpt_cfg_readb(qts, vga, 0x3d), ==, 1);
    g_assert_cmphex(xpt_cfg_readb(qts, hda, 0x3d), ==, 2);
    g_autoptr(GArray) cleared = xpt_test_host_writes_at(qts, "vga", cap + 2);
    g_assert_cmpuint(cleared->len, ==, 1);
    g_assert_cmphex(g_array_index(cleared, uint32_t, 0) & 1, ==, 0);
    g_assert_cmphex(xpt_cfg_readw(qts, vga, cap + 2) & 1, ==, 0);

    msi_program(qts, vga, cap, 0xfee00000, 0x0051);
    msi_enable(qts, vga, cap, true);
    msi_program(qts, hda, cap, 0xfee01000, 0x0052);
    msi_enable(qts, hda, cap, true);
    g_autoptr(JsonNode) st2 = xpt_sim_state(qts);
    JsonArray *pirqs = xpt_state_array(st2, "pirqs");
    bool seen[2] = { false, false };
    for (guint i = 0; i < json_array_get_length(pirqs); i++) {
        JsonObject *p = json_array_get_object_element(pirqs, i);
        if (g_strcmp0(json_object_get_string_member(p, "source"), "msi") != 0) {
            continue;
        }
        const char *sbdf = json_object_get_string_member(p, "sbdf");
        JsonObject *b = xpt_state_msi_binding(st2, json_object_get_int_member(p, "pirq"));
        g_assert_nonnull(b);
        unsigned f = !g_strcmp0(sbdf, "0000:06:00.1");
        g_assert_true(f == 1 || !g_strcmp0(sbdf, "0000:06:00.0"));
        g_assert_cmphex(json_object_get_int_member(b, "gvec"), ==, f ? 0x52 : 0x51);
        g_assert_cmphex(json_object_get_int_member(b, "gflags"), ==,
                        (f ? 0x01 : 0x00) | GF_UNMASKED);
        seen[f] = true;
    }
    g_assert_true(seen[0] && seen[1]);
    /* disabling one function leaves the other bound */
    msi_enable(qts, vga, cap, false);
    g_autoptr(JsonNode) st3 = xpt_sim_state(qts);
    JsonObject *p = NULL;
    g_assert_cmpuint(xpt_state_count_pirqs(st3, "msi", &p), ==, 1);
    g_assert_cmpstr(json_object_get_string_member(p, "sbdf"), ==, "0000:06:00.1");
    xpt_test_finish(qts);
}

/*
 * RTL8111 (tree-asus-p6t6 07:00.0): MSI-X table at offset 0 of BAR4, a prefetchable
 * 64-bit BAR (host 0xf8df0000), PBA in the same page; MSI captured enabled on the host.
 * As the r8169 driver does: program entry 0, unmask, enable MSI-X.
 */
static void test_rtl8111_msix(void)
{
    g_autofree char *args = g_strdup_printf(
        "-device xen-pci-passthrough,hostaddr=0000:07:00.0,id=pt0,host-dump=%s",
        xpt_test_fixture("pciutils-tests/tree-asus-p6t6"));
    XptQts *qts = xpt_qts_start(args);
    const unsigned msix = 0xb0, msi = 0x50;
    const uint64_t bar4 = 0xe0000000ull;
    g_autoptr(GArray) cleared = xpt_test_host_writes_at(qts, "pt0", msi + 2);
    g_assert_cmpuint(cleared->len, ==, 1);
    g_assert_cmphex(g_array_index(cleared, uint32_t, 0) & 1, ==, 0);
    g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, 0x20), ==, 0x0000000c);   /* 64-bit pref */
    xpt_cfg_writel(qts, SLOT2, 0x20, (uint32_t)bar4 | 0xc);
    xpt_cfg_writel(qts, SLOT2, 0x24, 0);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0006);
    /* entry 0 reads masked until the driver unmasks it */
    g_assert_cmphex(xpt_readl(qts, bar4 + 12), ==, 1);
    xpt_writel(qts, bar4 + 0, 0xfee02000);
    xpt_writel(qts, bar4 + 4, 0);
    xpt_writel(qts, bar4 + 8, 0x0061);
    xpt_writel(qts, bar4 + 12, 0);
    assert_no_msi(qts);                                   /* MSI-X not enabled yet */
    xpt_cfg_writew(qts, SLOT2, msix + 2, 0x8000);
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    JsonObject *p = NULL;
    g_assert_cmpuint(xpt_state_count_pirqs(st, "msi", &p), ==, 1);
    g_assert_cmpint(json_object_get_int_member(p, "entry"), ==, 0);
    g_assert_cmphex(json_object_get_int_member(p, "table_base"), ==, 0xf8df0000);
    JsonObject *b = xpt_state_msi_binding(st, json_object_get_int_member(p, "pirq"));
    g_assert_nonnull(b);
    g_assert_cmphex(json_object_get_int_member(b, "gvec"), ==, 0x61);
    g_assert_cmphex(json_object_get_int_member(b, "gflags"), ==, 0x02 | GF_UNMASKED);
    g_assert_cmphex(json_object_get_int_member(b, "gtable"), ==, bar4);
    xpt_cfg_writew(qts, SLOT2, msix + 2, 0x0000);
    assert_no_msi(qts);
    xpt_test_finish(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/irq/intx/bound", test_intx_bound);
    g_test_add_func("/irq/intx/map-fails", test_intx_map_fails);
    g_test_add_func("/irq/intx/bind-fails", test_intx_bind_fails);
    g_test_add_func("/irq/intx/no-host-irq", test_intx_no_host_irq);
    g_test_add_func("/irq/msi/lifecycle", test_msi_lifecycle);
    g_test_add_func("/irq/msi/mask-hidden", test_msi_mask_hidden);
    g_test_add_func("/irq/msi/map-enospc", test_msi_map_enospc);
    g_test_add_func("/irq/msi/map-eperm", test_msi_map_eperm);
    g_test_add_func("/irq/msi/bind-einval", test_msi_bind_einval);
    g_test_add_func("/irq/msi/bind-ebusy", test_msi_bind_ebusy);
    g_test_add_func("/irq/msi/update-fault", test_msi_update_and_disable_faults);
    g_test_add_func("/irq/msi/unbind-fails", test_msi_unbind_fails);
    g_test_add_func("/irq/msi/pv-on-hvm", test_msi_pv_on_hvm);
    g_test_add_func("/irq/msi/hda", test_msi_hda);
    g_test_add_func("/irq/msi/host-enabled-at-attach", test_msi_host_enabled_at_attach);
    g_test_add_func("/irq/msi/segment", test_msi_segment);
    g_test_add_func("/irq/gt218-functions", test_gt218_functions);
    g_test_add_func("/irq/rtl8111-msix", test_rtl8111_msix);
    return g_test_run();
}
