/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Sub-page BARs (issue 11 item 4; hw/xen/xen-pt-bar.c check_page_alone): the ICH7 EHCI
 * controller of pciutils-tests/cap-vc-and-rcl (00:1d.7, 1 KiB BAR0) moved to a
 * page-aligned base, alone in its page → accepted as a 4 KiB guest BAR mapping that one
 * host page; moved into the page of the HD Audio controller's 16 KiB BAR0 (00:1b.0 at
 * 0x58340000) → refused naming 00:1b.0 and pci=resource_alignment=. As captured (base
 * 0x58344400, not page-aligned) it stays refused, and unaligned-bars=on shows the guest
 * the registers at BAR + 0x400 (the host page from its start).
 */
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "qtest/client.h"
#include "tests/testutil.h"

#define SLOT2 0x10
#define EHCI "0000:00:1d.7"
#define FIXTURE "pciutils-tests/cap-vc-and-rcl"

/* The fixture with the EHCI's BAR0 at @base (text and hex row), in a temp dir. */
static char *ehci_dump_at(uint32_t base, char **dir_out)
{
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(xpt_test_fixture(FIXTURE), &text, NULL, NULL));
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    bool in_dev = false;
    unsigned changed = 0;
    for (unsigned i = 0; lines[i]; i++) {
        if (lines[i][0] && lines[i][0] != '\t' && !g_ascii_isxdigit(lines[i][0])) {
            continue;
        }
        if (g_str_has_prefix(lines[i], "00:1d.7 ")) {
            in_dev = true;
        } else if (lines[i][0] && lines[i][2] == ':' && lines[i][5] == '.') {
            in_dev = false;
        }
        if (in_dev && strstr(lines[i], "Region 0: Memory at 58344400")) {
            g_autofree char *old = lines[i];
            lines[i] = g_strdup_printf("\tRegion 0: Memory at %08x%s", base,
                                       strstr(old, " (32-bit"));
            changed++;
        } else if (in_dev && g_str_has_prefix(lines[i], "10: 00 44 34 58")) {
            g_autofree char *old = lines[i];
            lines[i] = g_strdup_printf("10: %02x %02x %02x %02x%s", base & 0xff,
                                       (base >> 8) & 0xff, (base >> 16) & 0xff, base >> 24,
                                       old + strlen("10: 00 44 34 58"));
            changed++;
        }
    }
    g_assert_cmpuint(changed, ==, 2);
    g_autofree char *out = g_strjoinv("\n", lines);
    char *dir = g_dir_make_tmp("xpt-subpage-XXXXXX", NULL);
    char *path = g_build_filename(dir, "dump", NULL);
    g_assert_true(g_file_set_contents(path, out, -1, NULL));
    *dir_out = dir;
    return path;
}

static void cleanup(char *dir, char *path)
{
    g_unlink(path);
    g_rmdir(dir);
}

static char *refused(const char *dump, const char *extra)
{
    g_autofree char *args = g_strdup_printf(
        "-accel qtest -qtest stdio -device xen-pci-passthrough,hostaddr=" EHCI ",id=pt0,"
        "host-dump=%s%s", dump,
        extra ? extra : "");
    char *err = NULL;
    g_assert_cmpint(xpt_qts_run_expect_fail(args, &err), ==, 1);
    return err;
}

/* Alone in its page: a 4 KiB guest BAR; placing it maps exactly that host page. */
static void test_alone(void)
{
    g_autofree char *dir = NULL;
    g_autofree char *dump = ehci_dump_at(0x58345000, &dir);
    g_autofree char *args = g_strdup_printf(
        "-device xen-pci-passthrough,hostaddr=" EHCI ",id=pt0,host-dump=%s", dump);
    XptQts *qts = xpt_qts_start(args);
    xpt_cfg_writel(qts, SLOT2, 0x10, 0xffffffff);
    g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, 0x10), ==, 0xfffff000);   /* 4 KiB */
    xpt_cfg_writel(qts, SLOT2, 0x10, 0xf0001000);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0002);
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    g_assert_true(xpt_state_has_mmio(st, 0xf0001, 0x58345, 1));
    g_assert_cmpuint(json_array_get_length(xpt_state_array(st, "mmio")), ==, 1);
    xpt_test_finish(qts);
    cleanup(dir, dump);
}

/* In the HD Audio controller's page: refused, naming it and the dom0 fix. */
static void test_neighbour(void)
{
    g_autofree char *dir = NULL;
    g_autofree char *dump = ehci_dump_at(0x58343000, &dir);
    g_autofree char *err = refused(dump, NULL);
    g_assert_nonnull(strstr(err, EHCI ": BAR 0 (0x58343000, 1024 bytes) shares its 4 KiB "
                                 "page with 0000:00:1b.0 BAR0 (0x58340000)"));
    g_assert_nonnull(strstr(err, "pci=resource_alignment=" EHCI));
    g_auto(GStrv) lines = g_strsplit(g_strchomp(err), "\n", -1);
    g_assert_cmpuint(g_strv_length(lines), ==, 1);
    cleanup(dir, dump);
}

/*
 * As captured: base 0x58344400 is not page-aligned, refused; with unaligned-bars=on the
 * guest's BAR maps the host page 0x58344000, so the registers are at BAR + 0x400.
 */
static void test_unaligned(void)
{
    const char *dump = xpt_test_fixture(FIXTURE);
    g_autofree char *err = refused(dump, NULL);
    g_assert_nonnull(strstr(err, "not page-aligned"));
    g_autofree char *args = g_strdup_printf(
        "-device xen-pci-passthrough,hostaddr=" EHCI ",id=pt0,host-dump=%s,"
        "unaligned-bars=on", dump);
    XptQts *qts = xpt_qts_start(args);
    xpt_cfg_writel(qts, SLOT2, 0x10, 0xf0001000);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0002);
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    g_assert_true(xpt_state_has_mmio(st, 0xf0001, 0x58344, 1));
    xpt_test_finish(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/subpage-bar/alone", test_alone);
    g_test_add_func("/subpage-bar/neighbour", test_neighbour);
    g_test_add_func("/subpage-bar/unaligned", test_unaligned);
    return g_test_run();
}
