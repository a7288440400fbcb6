/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The xenfv machine's own registers, end to end under -accel qtest: the i440FX CONFADD
 * register at 0xCF8 (82441FX datasheet §3.2.1) and the claim that makes Xen forward it
 * to us (reference/xen-abi.md §ioreq: Xen latches 0xCF8 writes and forwards every 0xCF8
 * access to the server that claims the port).
 */
#include <glib.h>
#include <string.h>

#include "qtest/client.h"
#include "tests/testutil.h"

/* The claim covers exactly 0xCF8–0xCFB: 0xCFC–0xCFF stay Xen's config decode. */
static void test_confadd_claim(void)
{
    XptQts *qts = xpt_qts_start("");
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    JsonObject *claims = json_object_get_object_member(json_node_get_object(st), "claims");
    JsonArray *ports = json_object_get_array_member(claims, "port");
    bool found = false;
    for (guint i = 0; i < json_array_get_length(ports); i++) {
        JsonObject *r = json_array_get_object_element(ports, i);
        gint64 s = json_object_get_int_member(r, "start");
        gint64 e = json_object_get_int_member(r, "end");
        g_assert_false(s <= 0xcfc && e >= 0xcfc);
        if (s == 0xcf8 && e == 0xcfb) {
            found = true;
        }
    }
    g_assert_true(found);
    xpt_test_finish(qts);
}

/* Linux's pci_check_type1(): byte write to 0xCFB, then the dword write/read-back. */
static void test_confadd_type1_probe(void)
{
    XptQts *qts = xpt_qts_start("");
    xpt_outb(qts, 0xcfb, 0x01);
    xpt_outl(qts, 0xcf8, 0x80000000);
    g_assert_cmphex(xpt_inl(qts, 0xcf8), ==, 0x80000000);
    xpt_outl(qts, 0xcf8, 0x8000f804);
    g_assert_cmphex(xpt_inl(qts, 0xcf8), ==, 0x8000f804);
    /* Byte and word cycles do not reach CONFADD: they float and change nothing. */
    xpt_outb(qts, 0xcf8, 0x00);
    xpt_outw(qts, 0xcfa, 0x1234);
    g_assert_cmphex(xpt_inb(qts, 0xcf8), ==, 0xff);
    g_assert_cmphex(xpt_inw(qts, 0xcfa), ==, 0xffff);
    g_assert_cmphex(xpt_inl(qts, 0xcf8), ==, 0x8000f804);
    /* The hypervisor's own latch follows the same dword writes. */
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    g_assert_cmphex(json_object_get_int_member(json_node_get_object(st), "cf8"), ==,
                    0x8000f804);
    /* Config cycles still work after the probe: the host bridge's IDs. */
    g_assert_cmphex(xpt_cfg_readl(qts, 0x00, 0x00), ==, 0x12378086);
    g_assert_cmphex(xpt_cfg_readl(qts, 0x08, 0x00), ==, 0x70008086);
    xpt_test_finish(qts);
}

/*
 * The binary is linked against the real libxen: on a machine without Xen, -xen-domid
 * gives one clear line and exit status 1 (issue 4), never a crash or a hang.
 */
static void test_xen_absent(void)
{
    if (g_file_test("/dev/xen/privcmd", G_FILE_TEST_EXISTS)) {
        g_test_skip("this machine runs under Xen");
        return;
    }
    g_autofree char *err = NULL;
    int status = xpt_qts_run_expect_fail("-xen-domid 1 -nodefaults -display none", &err);
    g_assert_cmpint(status, ==, 1);
    g_assert_nonnull(strstr(err, "/dev/xen"));
    g_assert_nonnull(strstr(err, "dom0"));
    g_auto(GStrv) lines = g_strsplit(g_strchomp(err), "\n", -1);
    g_assert_cmpuint(g_strv_length(lines), ==, 1);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/machine/confadd/claim", test_confadd_claim);
    g_test_add_func("/machine/confadd/type1-probe", test_confadd_type1_probe);
    g_test_add_func("/machine/xen-absent", test_xen_absent);
    return g_test_run();
}
