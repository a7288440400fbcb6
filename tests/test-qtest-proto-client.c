/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The qtest test client (qtest/client.c) against this same program started as a fake
 * device model (XPT_FAKE_DM=1 in the environment, the backend of
 * tests/qtest-fake-backend.h): the binary-independent half of every qtest test; and the
 * stdio transport, the same protocol on the fake device model's stdin/stdout.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib.h>

#include "qtest/client.h"
#include "qtest/qtest.h"
#include "tests/qtest-fake-backend.h"
#include "util/error.h"
#include "util/log.h"

/* ---- 3. fake device model for the client library ----------------------------------- */

static GMainLoop *fake_dm_loop;

static void fake_dm_quit(void *opaque G_GNUC_UNUSED)
{
    g_main_loop_quit(fake_dm_loop);
}

static gboolean fake_dm_sigterm(gpointer opaque G_GNUC_UNUSED)
{
    g_main_loop_quit(fake_dm_loop);
    return G_SOURCE_CONTINUE;
}

/* What build/xen-pt-dm does with -accel qtest, minus the machine. */
static int fake_dm_main(int argc, char **argv)
{
    const char *spec = NULL, *log = NULL;
    g_autoptr(GError) err = NULL;
    Fake *f;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-accel") == 0 && i + 1 < argc) {
            i++;
        } else if (strcmp(argv[i], "-qtest") == 0 && i + 1 < argc) {
            spec = argv[++i];
        } else if (strcmp(argv[i], "-qtest-log") == 0 && i + 1 < argc) {
            log = argv[++i];
        } else if (strcmp(argv[i], "-exit") == 0 && i + 1 < argc) {
            fprintf(stderr, "fake-dm: exiting with %s as asked\n", argv[i + 1]);
            return atoi(argv[i + 1]);
        } else {
            fprintf(stderr, "fake-dm: unknown option '%s'\n", argv[i]);
            return 1;
        }
    }
    if (!spec) {
        fprintf(stderr, "fake-dm: no -qtest\n");
        return 1;
    }
    f = fake_new();
    fake_dm_loop = g_main_loop_new(NULL, FALSE);
    f->server = xpt_qtest_server_new(spec, log, &fake_backend, f, &err);
    if (!f->server) {
        fprintf(stderr, "fake-dm: %s\n", err->message);
        return 1;
    }
    fprintf(stderr, "fake-dm: running\n");
    xpt_qtest_server_set_close_hook(f->server, fake_dm_quit, NULL);
    g_unix_signal_add(SIGTERM, fake_dm_sigterm, NULL);
    g_main_loop_run(fake_dm_loop);
    xpt_qtest_server_free(f->server);
    fake_free(f);
    g_main_loop_unref(fake_dm_loop);
    return 0;
}

static void test_client(void)
{
    XptQts *qts = xpt_qts_start("-accel qtest");
    uint8_t buf[100000], back[sizeof(buf)];
    g_autofree char *err = NULL;
    g_autofree char *log = NULL;
    g_autofree char *irq = NULL;
    g_autoptr(JsonNode) state = NULL;
    g_autoptr(JsonNode) none = NULL;

    xpt_outl(qts, 0xcf8, 0x80002800);
    g_assert_cmphex(xpt_inl(qts, 0xcfc), ==, 0x100e8086);
    g_assert_cmphex(xpt_inw(qts, 0xcfe), ==, 0x100e);
    g_assert_cmphex(xpt_inb(qts, 0xcfd), ==, 0x80);
    g_assert_cmphex(xpt_inb(qts, 0x80), ==, 0xff);
    xpt_outb(qts, 0x80, 1);
    xpt_outw(qts, 0x80, 2);

    /* Config space: CF8 holds the dword, the port picks the byte (Xen's decoding). */
    g_assert_cmphex(xpt_cfg_readl(qts, FAKE_DEVFN, 0), ==, 0x100e8086);
    g_assert_cmphex(xpt_cfg_readw(qts, FAKE_DEVFN, 2), ==, 0x100e);
    g_assert_cmphex(xpt_cfg_readb(qts, FAKE_DEVFN, 1), ==, 0x80);
    g_assert_cmphex(xpt_cfg_readb(qts, FAKE_DEVFN, 3), ==, 0x10);
    g_assert_cmphex(xpt_cfg_readl(qts, 0x30, 0), ==, 0xffffffff);
    xpt_cfg_writel(qts, FAKE_DEVFN, 0x10, 0xffffffff);
    g_assert_cmphex(xpt_cfg_readl(qts, FAKE_DEVFN, 0x10), ==, 0xfffe0000);
    xpt_cfg_writel(qts, FAKE_DEVFN, 0x10, 0xfebc0000);
    xpt_cfg_writew(qts, FAKE_DEVFN, 0x04, 0x0007);
    xpt_cfg_writeb(qts, FAKE_DEVFN, 0x3d, 0x01);
    g_assert_cmphex(xpt_cfg_readl(qts, FAKE_DEVFN, 0x04), ==, 0x00000007);
    g_assert_cmphex(xpt_cfg_readw(qts, FAKE_DEVFN, 0x3c), ==, 0x0100);

    /* MMIO and memory. */
    g_assert_cmphex(xpt_readl(qts, 0xfebc0008), ==, 0x80080783);
    g_assert_cmphex(xpt_readq(qts, 0xfebc0000), ==, 0x140240);
    xpt_writeb(qts, 0x1000, 0x11);
    xpt_writew(qts, 0x1002, 0x2233);
    xpt_writel(qts, 0x1004, 0x44556677);
    xpt_writeq(qts, 0x1008, 0x8899aabbccddeeffull);
    g_assert_cmphex(xpt_readb(qts, 0x1000), ==, 0x11);
    g_assert_cmphex(xpt_readw(qts, 0x1002), ==, 0x2233);
    g_assert_cmphex(xpt_readq(qts, 0x1008), ==, 0x8899aabbccddeeffull);
    for (size_t i = 0; i < sizeof(buf); i++) {
        buf[i] = (uint8_t)(i * 7 + (i >> 8));
    }
    xpt_memwrite(qts, 0x20003, buf, sizeof(buf));
    xpt_memread(qts, 0x20003, back, sizeof(back));
    g_assert_cmpmem(buf, sizeof(buf), back, sizeof(back));
    xpt_memwrite(qts, 0x20003, buf, 0);

    /* IRQ lines are queued, replies returned. */
    g_assert_null(xpt_qts_pop_irq(qts));
    g_autofree char *r = xpt_qts_command(qts, "irq_intercept_in ioapic");
    g_assert_cmpstr(r, ==, "OK");
    xpt_outw(qts, FAKE_IRQ_PORT, (9 << 1) | 1);
    xpt_outw(qts, FAKE_IRQ_PORT, (9 << 1) | 0);
    irq = xpt_qts_pop_irq(qts);
    g_assert_cmpstr(irq, ==, "IRQ raise 9");
    g_free(irq);
    irq = xpt_qts_pop_irq(qts);
    g_assert_cmpstr(irq, ==, "IRQ lower 9");
    g_assert_null(xpt_qts_pop_irq(qts));
    /* An IRQ line that arrives between commands is picked up by pop_irq itself. */
    xpt_outw(qts, FAKE_IRQ_LATER_PORT, (5 << 1) | 1);
    g_free(irq);
    for (int i = 0; i < 5000 && !(irq = xpt_qts_pop_irq(qts)); i++) {
        g_usleep(1000);
    }
    g_assert_cmpstr(irq, ==, "IRQ raise 5");

    /* xen-sim JSON. */
    state = xpt_sim_state(qts);
    g_assert_nonnull(state);
    JsonObject *o = json_node_get_object(state);
    g_assert_cmpint(json_object_get_int_member(o, "cf8"), ==, 0x8000283c);
    g_assert_cmpint(json_object_get_int_member(o, "argc"), ==, 2);
    none = xpt_sim_command(qts, "empty");
    g_assert_null(none);
    g_autofree char *bad = xpt_qts_command(qts, "xen-sim nosuch");
    g_assert_true(g_str_has_prefix(bad, "FAIL "));

    err = xpt_qts_stderr(qts);
    g_assert_nonnull(strstr(err, "fake-dm: running\n"));
    log = xpt_qts_qtest_log(qts);
    g_assert_true(g_str_has_prefix(log, "[I "));
    g_assert_nonnull(strstr(log, "] endianness\n"));
    g_assert_nonnull(strstr(log, "] IRQ raise 9\n"));
    g_assert_cmpint(xpt_qts_quit(qts), ==, 0);
}

static void test_client_run_expect_fail(void)
{
    g_autofree char *err = NULL;

    g_assert_cmpint(xpt_qts_run_expect_fail("-bogus 'a b'", &err), ==, 1);
    g_assert_cmpstr(err, ==, "fake-dm: unknown option '-bogus'\n");
    g_assert_cmpint(xpt_qts_run_expect_fail("-exit 7", NULL), ==, 7);
    g_assert_cmpint(xpt_qts_run_expect_fail("  ", NULL), ==, 1); /* no -qtest */
}

/* -qtest stdio: the same protocol on the binary's stdin/stdout. */
static void test_stdio(void)
{
    g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
    char *argv[] = { self, (char *)"-qtest", (char *)"stdio", NULL };
    g_autoptr(GError) err = NULL;
    int in_fd, out_fd, status;
    GPid pid;
    char buf[256];
    size_t got = 0;

    g_assert_true(g_spawn_async_with_pipes(NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD |
                                           G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &pid,
                                           &in_fd, &out_fd, NULL, &err));
    g_assert_no_error(err);
    const char *req = "endianness\ninb 0x10000\nreadl 0xfebc0008\n";
    g_assert_cmpint(write(in_fd, req, strlen(req)), ==, (ssize_t)strlen(req));
    close(in_fd); /* EOF after the commands: replies still come, then exit 0 */
    for (;;) {
        ssize_t n = read(out_fd, buf + got, sizeof(buf) - 1 - got);
        g_assert_cmpint(n, >=, 0);
        if (n == 0) {
            break;
        }
        got += n;
    }
    buf[got] = '\0';
    close(out_fd);
    g_assert_cmpstr(buf, ==,
                    "OK little\nFAIL ADDR '0x10000' out of range (max 0xffff)\n"
                    "OK 0x0000000080080783\n");
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
    g_spawn_close_pid(pid);
}

int main(int argc, char **argv)
{
    if (g_getenv("XPT_FAKE_DM")) {
        return fake_dm_main(argc, argv);
    }
    g_test_init(&argc, &argv, NULL);

    g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
    g_assert_nonnull(self);
    g_setenv("XPT_BINARY", self, TRUE);
    g_setenv("XPT_FAKE_DM", "1", TRUE);

    g_test_add_func("/qtest-proto/transport/stdio", test_stdio);
    g_test_add_func("/qtest-proto/client/session", test_client);
    g_test_add_func("/qtest-proto/client/run-expect-fail", test_client_run_expect_fail);
    return g_test_run();
}
