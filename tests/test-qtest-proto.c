/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtest protocol server (qtest/qtest.c), the parser: through a detached server and the
 * fake backend of tests/qtest-fake-backend.h, which records every call, the replies QEMU
 * 7.2 gave in tests/fixtures/qemu-7.2-reference/qtest-server-log.txt, and FAIL (never a
 * crash) for every kind of bad line. The transports are in test-qtest-proto-net.c, the
 * client library in test-qtest-proto-client.c.
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

typedef struct {
    Fake *fake;
    XptQtestServer *s;
} Fixture;

static void fixture_setup(Fixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    fx->fake = fake_new();
    fx->s = xpt_qtest_server_new_detached(&fake_backend, fx->fake);
    fx->fake->server = fx->s;
}

static void fixture_teardown(Fixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    xpt_qtest_server_free(fx->s);
    fake_free(fx->fake);
}

static void check_reply(XptQtestServer *s, const char *line, const char *expected)
{
    g_autofree char *reply = xpt_qtest_handle_line(s, line);
    g_assert_cmpstr(reply, ==, expected);
}

/* ---- 1. parser ----------------------------------------------------------------- */

/* Every qtest line of the QEMU 7.2 transcript and QEMU's reply, in order. */
static const struct {
    const char *line, *reply;
} qemu_transcript[] = {
    { "endianness", "OK little" },
    { "outl 0xcf8 0x80002800", "OK" },
    { "inl 0xcfc", "OK 0x100e8086" },
    { "inw 0xcfc", "OK 0x8086" },
    { "inb 0xcfc", "OK 0x0086" },
    { "outl 0xcf8 0x80002810", "OK" },
    { "outl 0xcfc 0xffffffff", "OK" },
    { "inl 0xcfc", "OK 0xfffe0000" },
    { "outl 0xcfc 0xfebc0000", "OK" },
    { "outl 0xcf8 0x80002804", "OK" },
    { "outw 0xcfc 0x0007", "OK" },
    { "readl 0xfebc0008", "OK 0x0000000080080783" },
    { "readb 0xfebc0008", "OK 0x0000000000000083" },
    { "readq 0xfebc0000", "OK 0x0000000000140240" },
    { "read 0xfebc0000 0x10", "OK 0x40021400000000008307088000000000" },
    { "b64read 0xfebc0000 0x8", "OK QAIUAAAAAAA=" },
    { "writel 0x1000 0x12345678", "OK" },
    { "read 0x1000 0x4", "OK 0x78563412" },
    { "write 0x1000 0x4 0xdeadbeef", "OK" },
    { "memset 0x1000 0x4 0xab", "OK" },
    { "readl 0x1000", "OK 0x00000000abababab" },
    { "b64write 0x1000 0x4 AQIDBA==", "OK" },
    { "readl 0x1000", "OK 0x0000000004030201" },
    /* QEMU ran with -accel tcg there, so clock_* were unknown; see test_clock. */
    { "irq_intercept_in ioapic", "OK" },
    { "irq_intercept_in ioapic", "OK" },
    { "bogus_cmd 1 2", "FAIL Unknown command 'bogus_cmd'" },
    /* module_load: QEMU loaded block-curl; we have no modules (test_bad_lines). */
    { "outl 0xae08 0x20", "OK" },
};

static void test_qemu_transcript(Fixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    for (size_t i = 0; i < G_N_ELEMENTS(qemu_transcript); i++) {
        check_reply(fx->s, qemu_transcript[i].line, qemu_transcript[i].reply);
    }
    /* The backend saw exactly the guest accesses, in order. */
    g_assert_true(g_str_has_prefix(fx->fake->calls->str,
                                   "pio_write 0xcf8 4 0x80002800\n"
                                   "pio_read 0xcfc 4\n"
                                   "pio_read 0xcfc 2\n"
                                   "pio_read 0xcfc 1\n"));
    g_assert_nonnull(strstr(fx->fake->calls->str,
                            "mmio_write 0x1000 4 0x12345678\n"
                            "mem_read 0x1000 4\n"
                            "mem_write 0x1000 4\n"
                            "mem_write 0x1000 4\n"
                            "mmio_read 0x1000 4\n"
                            "mem_write 0x1000 4\n"));
    g_assert_true(g_str_has_suffix(fx->fake->calls->str, "pio_write 0xae08 4 0x20\n"));
    g_assert_cmpint(fx->fake->cfg[4], ==, 7);
}

static void test_formats(Fixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    /* Widths, masking of backend garbage above the access width, number syntax. */
    check_reply(fx->s, "inb 0x80", "OK 0x00ff");
    check_reply(fx->s, "inw 0x80", "OK 0xffff");
    check_reply(fx->s, "inl 0x80", "OK 0xffffffff");
    check_reply(fx->s, "inl 0xffff", "OK 0xffffffff");
    check_reply(fx->s, "outb 128 255", "OK");
    check_reply(fx->s, "outw 0200 0xffff", "OK"); /* octal port 0x80 */
    g_assert_nonnull(strstr(fx->fake->calls->str, "pio_write 0x80 1 0xff\n"));
    g_assert_nonnull(strstr(fx->fake->calls->str, "pio_write 0x80 2 0xffff\n"));
    check_reply(fx->s, "writeq 0x2000 0x0123456789abcdef", "OK");
    check_reply(fx->s, "readq 0x2000", "OK 0x0123456789abcdef");
    check_reply(fx->s, "readw 0x2002", "OK 0x00000000000089ab");
    check_reply(fx->s, "writew 0x2000 0xBEEF", "OK");
    check_reply(fx->s, "readl 0x2000", "OK 0x0000000089abbeef");
    check_reply(fx->s, "writeb 0x2007 255", "OK");
    check_reply(fx->s, "read 0x2000 8", "OK 0xefbeab89674523ff");
    check_reply(fx->s, "readq 0xfffffffffffffff8", "OK 0x0000000000000000");
    check_reply(fx->s, "readb 0xffffffffffffffff", "OK 0x0000000000000000");
    /* write: shorter data is zero-filled up to SIZE, upper-case hex accepted. */
    check_reply(fx->s, "memset 0x3000 8 0xff", "OK");
    check_reply(fx->s, "write 0x3000 8 0XAbCd", "OK");
    check_reply(fx->s, "read 0x3000 8", "OK 0xabcd000000000000");
    check_reply(fx->s, "write 0x3000 0 0x", "ERR invalid argument size");
    /* b64write: shorter data zero-filled, longer truncated to SIZE. */
    check_reply(fx->s, "memset 0x3000 8 0xff", "OK");
    check_reply(fx->s, "b64write 0x3000 4 AQI=", "OK");
    check_reply(fx->s, "read 0x3000 8", "OK 0x01020000ffffffff");
    check_reply(fx->s, "b64write 0x3000 2 AQIDBA==", "OK");
    check_reply(fx->s, "read 0x3000 4", "OK 0x01020000");
    check_reply(fx->s, "b64write 0x3000 4 AA", "ERR invalid argument size");
    /* Zero sizes: memset/write/b64write do nothing, b64read answers "OK " like QEMU. */
    g_string_truncate(fx->fake->calls, 0);
    check_reply(fx->s, "memset 0x3000 0 0", "OK");
    check_reply(fx->s, "b64write 0x3000 0 AAA=", "OK");
    check_reply(fx->s, "b64read 0x3000 0", "OK ");
    g_assert_cmpstr(fx->fake->calls->str, ==, "");
    /* Transfers up to XPT_QTEST_MAX_XFER are accepted. */
    check_reply(fx->s, "memset 0x100000 0x1000000 0x5a", "OK");
    check_reply(fx->s, "readl 0x10ffffc", "OK 0x000000005a5a5a5a");
    check_reply(fx->s, "readb 0x1100000", "OK 0x0000000000000000");
    /* A trailing '\r' is ignored (header contract; QEMU would abort). */
    check_reply(fx->s, "endianness\r", "OK little");
    check_reply(fx->s, "inb 0xcfc\r", "OK 0x00ff");
}

static void test_big_read(Fixture *fx G_GNUC_UNUSED, gconstpointer data G_GNUC_UNUSED)
{
    XptQtestServer *s = xpt_qtest_server_new_detached(NULL, NULL);
    g_autofree char *reply = xpt_qtest_handle_line(s, "b64read 0 0x1000000");
    g_autofree char *hex = xpt_qtest_handle_line(s, "read 0 0x100000");

    g_assert_true(g_str_has_prefix(reply, "OK AAAA"));
    g_assert_cmpuint(strlen(reply), ==, 3 + (XPT_QTEST_MAX_XFER + 2) / 3 * 4);
    g_assert_cmpuint(strlen(hex), ==, 5 + 2 * 0x100000);
    /* NULL callbacks: reads all-ones, writes dropped, no extension. */
    check_reply(s, "inw 0x10", "OK 0xffff");
    check_reply(s, "readl 0", "OK 0x00000000ffffffff");
    check_reply(s, "outb 0x10 1", "OK");
    check_reply(s, "memset 0 0x1000000 1", "OK");
    check_reply(s, "xen-sim state", "FAIL Unknown command 'xen-sim'");
    xpt_qtest_server_free(s);
}

static void test_clock(Fixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_assert_cmpint(xpt_qtest_server_clock_ns(fx->s), ==, 0);
    check_reply(fx->s, "clock_step", "OK 1000000");
    check_reply(fx->s, "clock_step 1000", "OK 1001000");
    check_reply(fx->s, "clock_set 5000000000", "OK 5000000000");
    check_reply(fx->s, "clock_set 5", "OK 5000000000"); /* never backwards */
    check_reply(fx->s, "clock_step -5", "OK 5000000000");
    check_reply(fx->s, "clock_step 0x10", "OK 5000000016");
    check_reply(fx->s, "clock_step 9223372036854775807", "OK 9223372036854775807");
    check_reply(fx->s, "clock_step", "OK 9223372036854775807");
    g_assert_cmpint(xpt_qtest_server_clock_ns(fx->s), ==, INT64_MAX);
    check_reply(fx->s, "clock_set -9223372036854775808", "OK 9223372036854775807");
}

/* Lines that must answer FAIL (or QEMU's ERR) without touching the backend. */
static const char *const bad_lines[] = {
    "", " ", "  ", "xyz", "OUTB 0x80 1", "endianness x", "endianness ",
    "outb", "outb 0x80", "outb 0x80 1 2", "outb 0x80 1 ", "outb  0x80 1", " outb 0x80 1",
    "inb", "inb 1 2", "inw", "inl ", "readl", "readq 1 2", "writel 0", "read 0",
    "read 0 1 2", "write 0 1", "b64read 0", "b64write 0 1", "memset 0 1",
    "clock_set", "clock_step 1 2", "irq_intercept_in", "irq_intercept_out a b",
    /* numbers */
    "outb zz 1", "outb 0x80 zz", "inb 0x", "inb -1", "inb +1", "inb 08", "inb 0x80h",
    "inb 1e3", "inb \t1", "readl 0x1g", "readl 18446744073709551616", "readl -0",
    "writeq 0 18446744073709551616", "writeq 0 0x1ffffffffffffffff", "clock_step x",
    "clock_set -", "clock_set 9223372036854775808", "clock_step --1",
    /* ranges */
    "inb 0x10000", "outb 0x10000 0", "inl 65536", "outb 0x80 0x100", "outw 0 0x10000",
    "outl 0 0x100000000", "writeb 0 256", "writew 0 0x10000", "writel 0 0x100000000",
    "readq 0xfffffffffffffff9", "readl 0xfffffffffffffffd", "writew 0xffffffffffffffff 0",
    "read 0 0", "read 0 0x1000001", "read 0xffffffffffffffff 2", "b64read 0 0xffffffffffffffff",
    "b64read 0 0x1000001", "memset 0 0x1000001 0", "memset 0 1 0x100",
    "memset 0xfffffffffffffff0 0x11 0", "write 0 0x1000001 0x00",
    /* data */
    "write 0 4 0xabc", "write 0 4 0xzz", "write 0 4 abcdef", "write 0 1 0xaabb",
    "write 0 4 0x 0", "write 0 4 0x-1", "b64write 0 4 AQID!A==", "b64write 0 4 AQIDBA=",
    "b64write 0 4 A=AA", "b64write 0 4 AQIDB===", "b64write 0 4 AQ\tDBA==",
    /* devices, modules, extension */
    "irq_intercept_in nosuch", "irq_intercept_out /machine/i440fx", "module_load block- curl",
    "xen-sim", "xen-sim nosuch",
    /* control characters */
    "\x01", "inb 1\x7f", "endianness\r\r", "\rendianness",
};

static void test_bad_lines(Fixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    for (size_t i = 0; i < G_N_ELEMENTS(bad_lines); i++) {
        g_autofree char *reply = NULL;

        g_string_truncate(fx->fake->calls, 0);
        reply = xpt_qtest_handle_line(fx->s, bad_lines[i]);
        if (g_test_verbose()) {
            g_autofree char *esc = g_strescape(bad_lines[i], NULL);
            g_test_message("'%s' -> '%s'", esc, reply);
        }
        g_assert_true(g_str_has_prefix(reply, "FAIL ") || g_str_has_prefix(reply, "ERR "));
        g_assert_null(strchr(reply, '\n'));
        g_assert_null(strchr(reply, '\r'));
        if (!g_str_has_prefix(bad_lines[i], "xen-sim")) {
            g_assert_cmpstr(fx->fake->calls->str, ==, "");
        }
    }
}

static void test_fail_texts(Fixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *longcmd = g_strnfill(XPT_QTEST_MAX_LINE, 'a');
    g_autofree char *toolong = g_strnfill(XPT_QTEST_MAX_LINE + 1, 'a');
    g_autofree char *quoted = g_strdup_printf("FAIL Unknown command '%.64s...'", longcmd);

    check_reply(fx->s, "", "FAIL empty command");
    check_reply(fx->s, "xyz", "FAIL Unknown command 'xyz'");
    check_reply(fx->s, "x\x01y", "FAIL Unknown command 'x?y'");
    check_reply(fx->s, longcmd, quoted);
    check_reply(fx->s, toolong, "FAIL line too long");
    check_reply(fx->s, "endianness\nendianness", "FAIL line contains a newline");
    check_reply(fx->s, "outb 0x80",
                "FAIL outb: wrong number of arguments (usage: outb ADDR VALUE)");
    check_reply(fx->s, "endianness x",
                "FAIL endianness: wrong number of arguments (usage: endianness)");
    check_reply(fx->s, "inb 0x10000", "FAIL ADDR '0x10000' out of range (max 0xffff)");
    check_reply(fx->s, "inb zz", "FAIL invalid ADDR 'zz'");
    check_reply(fx->s, "outb 1 0x100", "FAIL VALUE '0x100' out of range (max 0xff)");
    check_reply(fx->s, "readl 18446744073709551616",
                "FAIL ADDR '18446744073709551616' out of range");
    check_reply(fx->s, "read 0 0x1000001", "FAIL SIZE '0x1000001' out of range (max 0x1000000)");
    check_reply(fx->s, "read 0 0", "FAIL SIZE must not be 0");
    check_reply(fx->s, "read 0xffffffffffffffff 2",
                "FAIL range 0xffffffffffffffff+0x2 wraps around");
    check_reply(fx->s, "write 0 4 0xabc", "FAIL DATA has an odd number of hex digits");
    check_reply(fx->s, "write 0 4 0xzz", "FAIL DATA is not hexadecimal");
    check_reply(fx->s, "write 0 4 abcdef", "FAIL DATA must start with 0x");
    check_reply(fx->s, "write 0 1 0xaabb", "FAIL DATA is longer than SIZE 0x1");
    check_reply(fx->s, "b64write 0 4 AQID!A==", "FAIL invalid base64 data");
    check_reply(fx->s, "irq_intercept_in nosuch", "FAIL Unknown device");
    check_reply(fx->s, "module_load block- curl", "FAIL xen-pt-dm has no loadable modules");
}

/* -d qtest traces both directions through util/log. */
static void test_trace(Fixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *path = NULL;
    g_autofree char *text = NULL;
    g_autofree char *big = g_strdup_printf("xyz %0300d", 7);
    int fd = g_file_open_tmp("xpt-qtest-trace-XXXXXX", &path, &err);

    g_assert_no_error(err);
    close(fd);
    g_assert_true(xpt_log_set_file(path, &err));
    g_assert_true(xpt_log_set_categories("qtest", &err));
    check_reply(fx->s, "endianness", "OK little");
    g_free(xpt_qtest_handle_line(fx->s, big));
    g_assert_true(xpt_log_set_categories("none", &err));
    g_assert_true(xpt_log_set_file(NULL, &err));
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    unlink(path);
    g_assert_nonnull(strstr(text, "[qtest] > endianness\n"));
    g_assert_nonnull(strstr(text, "[qtest] < OK little\n"));
    g_assert_nonnull(strstr(text, "[qtest] > xyz 0000"));
    g_assert_nonnull(strstr(text, "0000...\n")); /* long lines are cut */
}

static void test_extension(Fixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    check_reply(fx->s, "xen-sim state a b", "OK {\"cf8\": 0, \"pages\": 1, \"argc\": 4}");
    g_assert_nonnull(strstr(fx->fake->calls->str, "extension xen-sim|state|a|b\n"));
    check_reply(fx->s, "xen-sim empty", "OK");
    check_reply(fx->s, "xen-sim multiline", "OK [1, 2]");
    check_reply(fx->s, "xen-sim nosuch", "FAIL xen-sim: unknown subcommand 'nosuch' second");
    check_reply(fx->s, "xen-sim", "FAIL xen-sim: missing subcommand");
    check_reply(fx->s, "xen-sim state\r", "OK {\"cf8\": 0, \"pages\": 1, \"argc\": 2}");
}

static void test_irq(Fixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *out = NULL;

    /* Nothing before interception. */
    xpt_qtest_irq(fx->s, 9, true);
    g_assert_null(xpt_qtest_server_take_output(fx->s));
    check_reply(fx->s, "irq_intercept_in ioapic", "OK");
    check_reply(fx->s, "irq_intercept_in ioapic", "OK");
    check_reply(fx->s, "irq_intercept_out /machine/ioapic", "OK");

    /* Levels tracked from interception on, starting low; only changes are sent. */
    xpt_qtest_irq(fx->s, 9, true);
    xpt_qtest_irq(fx->s, 9, true);
    xpt_qtest_irq(fx->s, 9, false);
    xpt_qtest_irq(fx->s, 9, false);
    xpt_qtest_irq(fx->s, 4000000000u, true);
    out = xpt_qtest_server_take_output(fx->s);
    g_assert_cmpstr(out, ==, "IRQ raise 9\nIRQ lower 9\nIRQ raise 4000000000\n");
    g_assert_null(xpt_qtest_server_take_output(fx->s));

    /* An IRQ raised by a guest access comes out besides that command's reply. */
    check_reply(fx->s, "outw 0xb000 0x13", "OK");
    g_free(out);
    out = xpt_qtest_server_take_output(fx->s);
    g_assert_cmpstr(out, ==, "IRQ raise 9\n");
}

static void test_irq_out_path(Fixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    check_reply(fx->s, "irq_intercept_out /machine/ioapic/", "FAIL Unknown device");
    check_reply(fx->s, "irq_intercept_out /machine/i440fx/ioapic", "FAIL Unknown device");
    check_reply(fx->s, "irq_intercept_out /machine/ioapic", "OK");
    check_reply(fx->s, "irq_intercept_out /machine/ioapic", "OK");
    check_reply(fx->s, "irq_intercept_in ioapic", "OK");
    xpt_qtest_irq(fx->s, 0, true);
    g_autofree char *out = xpt_qtest_server_take_output(fx->s);
    g_assert_cmpstr(out, ==, "IRQ raise 0\n");
}

/* Random lines from protocol-like tokens: every reply is one OK/FAIL/ERR line. */
static void test_fuzz(Fixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    static const char *const words[] = {
        "outb", "outw", "outl", "inb", "inw", "inl", "writeb", "writew", "writel", "writeq",
        "readb", "readw", "readl", "readq", "read", "write", "b64read", "b64write", "memset",
        "endianness", "clock_step", "clock_set", "irq_intercept_in", "xen-sim", "state",
        "ioapic", "0", "1", "0x", "0x10", "0xcf8", "0xcfc", "0xffff", "0x10000", "-1", "08",
        "0xffffffffffffffff", "18446744073709551616", "0x1000", "0x1000000", "AQIDBA==",
        "====", "0xdeadbeef", "0xabc", "", "\r", "zz", "0x80000000", "4", "8", "16",
    };
    GRand *rand = g_rand_new_with_seed(1234);

    for (int i = 0; i < 20000; i++) {
        g_autoptr(GString) line = g_string_new(NULL);
        int n = g_rand_int_range(rand, 1, 6);
        for (int j = 0; j < n; j++) {
            if (j) {
                g_string_append_c(line, g_rand_int_range(rand, 0, 20) ? ' ' : '\t');
            }
            g_string_append(line, words[g_rand_int_range(rand, 0, G_N_ELEMENTS(words))]);
        }
        g_autofree char *reply = xpt_qtest_handle_line(fx->s, line->str);
        g_assert_true(g_str_has_prefix(reply, "OK") || g_str_has_prefix(reply, "FAIL ") ||
                      g_str_has_prefix(reply, "ERR "));
        g_assert_null(strchr(reply, '\n'));
        g_free(xpt_qtest_server_take_output(fx->s));
    }
    g_rand_free(rand);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) \
    g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/qtest-proto/parser/qemu-transcript", test_qemu_transcript);
    ADD("/qtest-proto/parser/formats", test_formats);
    ADD("/qtest-proto/parser/big-transfers", test_big_read);
    ADD("/qtest-proto/parser/clock", test_clock);
    ADD("/qtest-proto/parser/bad-lines", test_bad_lines);
    ADD("/qtest-proto/parser/fail-texts", test_fail_texts);
    ADD("/qtest-proto/parser/extension", test_extension);
    ADD("/qtest-proto/parser/trace", test_trace);
    ADD("/qtest-proto/parser/irq", test_irq);
    ADD("/qtest-proto/parser/irq-out", test_irq_out_path);
    ADD("/qtest-proto/parser/fuzz", test_fuzz);
#undef ADD
    return g_test_run();
}
