/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The xenfv machine's own registers, end to end under -accel qtest: the i440FX CONFADD
 * register at 0xCF8 (82441FX datasheet §3.2.1) and the claim that makes Xen forward it
 * to us (reference/xen-abi.md §ioreq: Xen latches 0xCF8 writes and forwards every 0xCF8
 * access to the server that claims the port).
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

static const char *binary(void)
{
    const char *b = g_getenv("XPT_BINARY");
    return b && *b ? b : "build/xen-pt-dm";
}

/*
 * Issue 13 item 6: started with stdin (or stdout) closed, a stdio chardev is refused in
 * one line at once; before, GLib's wake-up eventfd became fd 0, the qtest server read
 * it and spun printing errors (here: killed by timeout 20, status 124).
 */
static void test_closed_stdio(void)
{
    static const struct {
        const char *close;
        const char *args;
        const char *needle;
    } cases[] = {
        { "0<&-", "-accel qtest -qtest stdio", "needs standard input open" },
        { "1>&-", "-accel qtest -qtest stdio", "needs standard output open" },
        { "0<&-", "-qmp stdio -accel qtest -qtest unix:/nonexistent/q.sock", "standard input" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *cmd = g_strdup_printf("exec %s timeout 20 %s %s", cases[i].close,
                                               binary(), cases[i].args);
        const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
        g_autofree char *out = NULL, *err = NULL;
        int status = -1;
        g_autoptr(GError) gerr = NULL;
        g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                                   &out, &err, &status, &gerr));
        g_assert_no_error(gerr);
        g_assert_true(WIFEXITED(status));
        g_assert_cmpint(WEXITSTATUS(status), ==, 1);
        g_assert_nonnull(strstr(err, cases[i].needle));
        g_auto(GStrv) lines = g_strsplit(g_strchomp(err), "\n", -1);
        g_assert_cmpuint(g_strv_length(lines), ==, 1);
    }
}

/* ...and fds 0-2 are reopened on /dev/null before anything else can take them. */
static void test_closed_std_fds_reopened(void)
{
    g_autofree char *dir = g_dir_make_tmp("xpt-fds-XXXXXX", NULL);
    g_autofree char *sock = g_build_filename(dir, "q.sock", NULL);
    g_autofree char *cmd = g_strdup_printf("exec 0<&- 1>&- 2>&- %s -accel qtest "
                                           "-qtest unix:%s,server=on", binary(), sock);
    const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
    GPid pid;
    g_autoptr(GError) gerr = NULL;
    g_assert_true(g_spawn_async(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                                NULL, &pid, &gerr));
    g_assert_no_error(gerr);
    for (int i = 0; i < 500 && !g_file_test(sock, G_FILE_TEST_EXISTS); i++) {
        g_usleep(10000);
    }
    g_assert_true(g_file_test(sock, G_FILE_TEST_EXISTS));
    for (int fd = 0; fd <= 2; fd++) {
        g_autofree char *link = g_strdup_printf("/proc/%d/fd/%d", (int)pid, fd);
        g_autofree char *target = g_file_read_link(link, NULL);
        g_assert_cmpstr(target, ==, "/dev/null");
    }
    kill(pid, SIGTERM);
    int status;
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_spawn_close_pid(pid);
    g_unlink(sock);
    g_rmdir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/machine/confadd/claim", test_confadd_claim);
    g_test_add_func("/machine/confadd/type1-probe", test_confadd_type1_probe);
    g_test_add_func("/machine/xen-absent", test_xen_absent);
    g_test_add_func("/machine/closed-stdio", test_closed_stdio);
    g_test_add_func("/machine/closed-std-fds-reopened", test_closed_std_fds_reopened);
    return g_test_run();
}
