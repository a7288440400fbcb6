/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ACPI hot-plug hardware as the Xen 4.17 DSDT drives it (reference/toolstack.md §acpi):
 * PIIX4 PM at 00:01.3, GPE0 at 0xAFE0 with the SCI on ISA IRQ 9, the PCI hot-plug
 * registers at 0xAE00 and the CPU presence bitmap at 0xAF00 — end to end through the
 * real binary. Hot-add/remove over QMP is in tests/test-qmp-hotplug.c.
 */
#include <string.h>

#include "qtest/client.h"
#include "tests/testutil.h"

#define PM_DEVFN 0x0b
#define GPE_STS 0xafe0
#define GPE_EN 0xafe2
#define PCIU 0xae00
#define PCID 0xae04
#define B0EJ 0xae08
#define B0RM 0xae0c

/* The PM function hvmloader looks for, and the writes it makes stick. */
static void test_piix4_pm(void)
{
    XptQts *qts = xpt_qts_start("");
    g_assert_cmphex(xpt_cfg_readl(qts, PM_DEVFN, 0x00), ==, 0x71138086);
    g_assert_cmphex(xpt_cfg_readl(qts, PM_DEVFN, 0x08) >> 8, ==, 0x068000);
    g_assert_cmphex(xpt_cfg_readb(qts, PM_DEVFN, 0x3d), ==, 1);
    g_assert_cmphex(xpt_cfg_readb(qts, 0x08, 0x0e) & 0x80, ==, 0x80);  /* PIIX3 is multi-fn */
    /* hvmloader: 0x3C=9, PMBA=0xB001, PMREGMISC=1, SMBHSTCFG=0 */
    xpt_cfg_writeb(qts, PM_DEVFN, 0x3c, 9);
    xpt_cfg_writel(qts, PM_DEVFN, 0x40, 0xb001);
    xpt_cfg_writeb(qts, PM_DEVFN, 0x80, 1);
    xpt_cfg_writeb(qts, PM_DEVFN, 0xd2, 0);
    g_assert_cmphex(xpt_cfg_readb(qts, PM_DEVFN, 0x3c), ==, 9);
    g_assert_cmphex(xpt_cfg_readl(qts, PM_DEVFN, 0x40), ==, 0xb001);
    g_assert_cmphex(xpt_cfg_readb(qts, PM_DEVFN, 0x80), ==, 1);
    /* PMBA bit 0 (I/O space) is read-only 1 */
    xpt_cfg_writel(qts, PM_DEVFN, 0x40, 0);
    g_assert_cmphex(xpt_cfg_readl(qts, PM_DEVFN, 0x40), ==, 1);
    /* IDs are read-only */
    xpt_cfg_writel(qts, PM_DEVFN, 0x00, 0);
    g_assert_cmphex(xpt_cfg_readl(qts, PM_DEVFN, 0x00), ==, 0x71138086);
    xpt_test_finish(qts);
}

/* The ports the DSDT uses are claimed by our ioreq server. */
static void test_claims(void)
{
    XptQts *qts = xpt_qts_start("");
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    JsonObject *claims = json_object_get_object_member(json_node_get_object(st), "claims");
    JsonArray *ports = json_object_get_array_member(claims, "port");
    static const struct { gint64 s, e; } want[] = {
        { 0xae00, 0xae0f }, { 0xaf00, 0xaf1f }, { 0xafe0, 0xafe3 },
    };
    for (unsigned w = 0; w < G_N_ELEMENTS(want); w++) {
        bool found = false;
        for (guint i = 0; i < json_array_get_length(ports); i++) {
            JsonObject *r = json_array_get_object_element(ports, i);
            found = found || (json_object_get_int_member(r, "start") <= want[w].s &&
                              json_object_get_int_member(r, "end") >= want[w].e);
        }
        g_assert_true(found);
    }
    xpt_test_finish(qts);
}

/* CPU presence: one bit per vCPU of -smp, nothing more. */
static void test_cpu_bitmap(void)
{
    XptQts *qts = xpt_qts_start("-smp 11");
    g_assert_cmphex(xpt_inl(qts, 0xaf00), ==, 0x7ff);
    g_assert_cmphex(xpt_inb(qts, 0xaf01), ==, 0x07);
    g_assert_cmphex(xpt_inl(qts, 0xaf04), ==, 0);
    g_assert_cmphex(xpt_inl(qts, 0xaf1c), ==, 0);
    xpt_outl(qts, 0xaf00, 0xffffffff);                    /* read-only */
    g_assert_cmphex(xpt_inl(qts, 0xaf00), ==, 0x7ff);
    xpt_test_finish(qts);
}

/* GPE0: enable is read/write, status is write-1-to-clear, bytes and words both work. */
static void test_gpe_registers(void)
{
    XptQts *qts = xpt_qts_start("");
    g_assert_cmphex(xpt_inl(qts, GPE_STS), ==, 0);
    xpt_outw(qts, GPE_EN, 0x0002);
    g_assert_cmphex(xpt_inw(qts, GPE_EN), ==, 0x0002);
    g_assert_cmphex(xpt_inb(qts, GPE_EN), ==, 0x02);
    xpt_outb(qts, GPE_EN + 1, 0x80);
    g_assert_cmphex(xpt_inl(qts, GPE_STS), ==, 0x80020000);
    xpt_outw(qts, GPE_STS, 0xffff);                       /* nothing pending: stays 0 */
    g_assert_cmphex(xpt_inw(qts, GPE_STS), ==, 0);
    /* The hot-plug registers start empty; B0RM = every slot but the chipset's. */
    g_assert_cmphex(xpt_inl(qts, PCIU), ==, 0);
    g_assert_cmphex(xpt_inl(qts, PCID), ==, 0);
    g_assert_cmphex(xpt_inl(qts, B0EJ), ==, 0);
    g_assert_cmphex(xpt_inl(qts, B0RM), ==, 0xfffffffc);
    g_assert_null(xpt_qts_pop_irq(qts));                  /* no SCI */
    xpt_test_finish(qts);
}

/*
 * The guest ejects a cold-plugged device (Linux: echo 0 > /sys/bus/pci/slots/2/power):
 * it leaves completely — config reads all-ones, SBDF claim, mappings, pirqs and
 * bindings are gone — and the chipset slots cannot be ejected.
 */
static void test_guest_eject(void)
{
    g_autofree char *args = g_strdup_printf(
        "-device xen-pci-passthrough,hostaddr=0000:01:00.0,id=nic,host-dump=%s",
        xpt_test_fixture("pciutils-tests/cap-pcie-2"));
    XptQts *qts = xpt_qts_start(args);
    g_assert_cmphex(xpt_cfg_readl(qts, 0x10, 0x00), ==, 0x10c98086);
    /* map BAR0 so there is something to undo */
    xpt_cfg_writel(qts, 0x10, 0x10, 0xf0000000);
    xpt_cfg_writew(qts, 0x10, 0x04, 0x0002);
    g_autoptr(JsonNode) before = xpt_sim_state(qts);
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(
        json_node_get_object(before), "mmio")), >, 0);

    xpt_outl(qts, B0EJ, 1u << 1 | 1u << 0);              /* chipset: ignored */
    g_assert_cmphex(xpt_cfg_readl(qts, 0x08, 0x00), ==, 0x70008086);
    g_assert_cmphex(xpt_cfg_readl(qts, 0x00, 0x00), ==, 0x12378086);

    xpt_outl(qts, B0EJ, 1u << 2);
    g_assert_cmphex(xpt_cfg_readl(qts, 0x10, 0x00), ==, 0xffffffff);
    g_autoptr(JsonNode) after = xpt_sim_state(qts);
    JsonObject *o = json_node_get_object(after);
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(o, "mmio")), ==, 0);
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(o, "pirqs")), ==, 0);
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(o, "intx")), ==, 0);
    JsonArray *pci = json_object_get_array_member(
        json_object_get_object_member(o, "claims"), "pci");
    for (guint i = 0; i < json_array_get_length(pci); i++) {
        JsonObject *r = json_array_get_object_element(pci, i);
        /* SBDF 0000:00:02.0 = 0x10 */
        g_assert_false(json_object_get_int_member(r, "start") <= 0x10 &&
                       json_object_get_int_member(r, "end") >= 0x10);
    }
    /* Ejecting the now empty slot again is harmless. */
    xpt_outl(qts, B0EJ, 1u << 2);
    xpt_test_finish(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/hotplug/piix4-pm", test_piix4_pm);
    g_test_add_func("/hotplug/claims", test_claims);
    g_test_add_func("/hotplug/cpu-bitmap", test_cpu_bitmap);
    g_test_add_func("/hotplug/gpe-registers", test_gpe_registers);
    g_test_add_func("/hotplug/guest-eject", test_guest_eject);
    return g_test_run();
}
