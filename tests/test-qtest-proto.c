/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtest protocol server (qtest/qtest.c) and test client (qtest/client.c).
 *
 * 1. The parser, through a detached server and a fake backend that records every call:
 *    the replies QEMU 7.2 gave in tests/fixtures/qemu-7.2-reference/qtest-server-log.txt,
 *    and FAIL (never a crash) for every kind of bad line.
 * 2. The transports (unix connect / listen, stdio), the -qtest-log file, flow control and
 *    the close hook, with a real socket.
 * 3. The client library against this same program started as a fake device model
 *    (XPT_FAKE_DM=1 in the environment): the binary-independent half of every qtest test.
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
#include "util/error.h"
#include "util/log.h"

/* ---- fake backend ---------------------------------------------------------------- */

#define FAKE_PAGE 4096u
#define FAKE_DEVFN 0x28          /* slot 5, as in the QEMU transcript */
#define FAKE_IRQ_PORT 0xb000     /* outw: bit 0 = level, bits 15:1 = irq number */
#define FAKE_IRQ_LATER_PORT 0xb002 /* the same, 10 ms later from the main loop */

typedef struct {
    GHashTable *pages;   /* page number -> FAKE_PAGE bytes */
    GString *calls;      /* one line per backend call */
    uint32_t cf8;
    uint8_t cfg[256];    /* config space of FAKE_DEVFN */
    XptQtestServer *server;
} Fake;

static uint8_t *fake_page(Fake *f, uint64_t addr, bool create)
{
    gint64 key = (gint64)(addr / FAKE_PAGE);
    uint8_t *page = g_hash_table_lookup(f->pages, &key);

    if (!page && create) {
        page = g_malloc0(FAKE_PAGE);
        g_hash_table_insert(f->pages, g_memdup2(&key, sizeof(key)), page);
    }
    return page;
}

static void fake_ram_read(Fake *f, uint64_t addr, uint8_t *buf, size_t len)
{
    while (len) {
        size_t off = addr % FAKE_PAGE, n = MIN(len, FAKE_PAGE - off);
        uint8_t *page = fake_page(f, addr, false);
        if (page) {
            memcpy(buf, page + off, n);
        } else {
            memset(buf, 0, n);
        }
        buf += n;
        addr += n;
        len -= n;
    }
}

static void fake_ram_write(Fake *f, uint64_t addr, const uint8_t *buf, size_t len)
{
    while (len) {
        size_t off = addr % FAKE_PAGE, n = MIN(len, FAKE_PAGE - off);
        memcpy(fake_page(f, addr, true) + off, buf, n);
        buf += n;
        addr += n;
        len -= n;
    }
}

/* Xen-like CF8/CFC decoding: offset = (CF8 & 0xfc) | (port & 3); only FAKE_DEVFN exists. */
static bool fake_cfg_offset(Fake *f, uint16_t port, unsigned *off)
{
    if (port < 0xcfc || port > 0xcff || !(f->cf8 & (1u << 31)) ||
        ((f->cf8 >> 8) & 0xffff) != FAKE_DEVFN) {
        return false;
    }
    *off = (f->cf8 & 0xfc) | (port & 3);
    return true;
}

typedef struct {
    Fake *fake;
    uint32_t val;
} FakeLaterIrq;

static gboolean fake_irq_later(gpointer opaque)
{
    FakeLaterIrq *l = opaque;

    xpt_qtest_irq(l->fake->server, l->val >> 1, l->val & 1);
    g_free(l);
    return G_SOURCE_REMOVE;
}

static uint32_t fake_pio_read(void *opaque, uint16_t port, unsigned size)
{
    Fake *f = opaque;
    unsigned off;
    uint32_t v = 0;

    g_string_append_printf(f->calls, "pio_read 0x%x %u\n", port, size);
    if (port == 0xcf8 && size == 4) {
        return f->cf8;
    }
    if (!fake_cfg_offset(f, port, &off)) {
        return 0xffffffff; /* garbage above the access width: the server must mask it */
    }
    for (unsigned i = 0; i < size && off + i < sizeof(f->cfg); i++) {
        v |= (uint32_t)f->cfg[off + i] << (8 * i);
    }
    return v;
}

static void fake_pio_write(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
    Fake *f = opaque;
    unsigned off;

    g_string_append_printf(f->calls, "pio_write 0x%x %u 0x%x\n", port, size, val);
    if (port == 0xcf8 && size == 4) {
        f->cf8 = val;
    } else if (port == FAKE_IRQ_PORT && f->server) {
        xpt_qtest_irq(f->server, val >> 1, val & 1);
    } else if (port == FAKE_IRQ_LATER_PORT && f->server) {
        FakeLaterIrq *l = g_new(FakeLaterIrq, 1);
        l->fake = f;
        l->val = val;
        g_timeout_add(10, fake_irq_later, l);
    } else if (fake_cfg_offset(f, port, &off)) {
        if (off >= 0x10 && off < 0x14) { /* BAR0: 128 KiB memory BAR, like e1000's */
            uint32_t bar = 0;
            for (unsigned i = 0; i < 4; i++) {
                bar |= (uint32_t)f->cfg[0x10 + i] << (8 * i);
            }
            for (unsigned i = 0; i < size; i++) {
                unsigned sh = 8 * (off - 0x10 + i);
                bar = (bar & ~(0xffu << sh)) | (((val >> (8 * i)) & 0xff) << sh);
            }
            val = bar & 0xfffe0000;
            off = 0x10;
            size = 4;
        }
        for (unsigned i = 0; i < size && off + i < sizeof(f->cfg); i++) {
            f->cfg[off + i] = (uint8_t)(val >> (8 * i));
        }
    }
}

static uint64_t fake_mmio_read(void *opaque, uint64_t addr, unsigned size)
{
    Fake *f = opaque;
    uint8_t b[8];
    uint64_t v = 0;

    g_string_append_printf(f->calls, "mmio_read 0x%" PRIx64 " %u\n", addr, size);
    fake_ram_read(f, addr, b, size);
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)b[i] << (8 * i);
    }
    return v;
}

static void fake_mmio_write(void *opaque, uint64_t addr, unsigned size, uint64_t val)
{
    Fake *f = opaque;
    uint8_t b[8];

    g_string_append_printf(f->calls, "mmio_write 0x%" PRIx64 " %u 0x%" PRIx64 "\n", addr, size,
                           val);
    for (unsigned i = 0; i < size; i++) {
        b[i] = (uint8_t)(val >> (8 * i));
    }
    fake_ram_write(f, addr, b, size);
}

static void fake_mem_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
    Fake *f = opaque;

    g_string_append_printf(f->calls, "mem_read 0x%" PRIx64 " %zu\n", addr, len);
    fake_ram_read(f, addr, buf, len);
}

static void fake_mem_write(void *opaque, uint64_t addr, const void *buf, size_t len)
{
    Fake *f = opaque;

    g_string_append_printf(f->calls, "mem_write 0x%" PRIx64 " %zu\n", addr, len);
    fake_ram_write(f, addr, buf, len);
}

static char *fake_extension(void *opaque, char **argv, GError **errp)
{
    Fake *f = opaque;
    g_autofree char *joined = g_strjoinv("|", argv);

    g_string_append_printf(f->calls, "extension %s\n", joined);
    if (!argv[1]) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID, "xen-sim: missing subcommand");
        return NULL;
    }
    if (strcmp(argv[1], "state") == 0) {
        return g_strdup_printf("{\"cf8\": %u, \"pages\": %u, \"argc\": %u}", f->cf8,
                               g_hash_table_size(f->pages), g_strv_length(argv));
    }
    if (strcmp(argv[1], "empty") == 0) {
        return g_strdup("");
    }
    if (strcmp(argv[1], "multiline") == 0) {
        return g_strdup("[1,\n2]");
    }
    g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID, "xen-sim: unknown subcommand '%s'\nsecond",
                argv[1]);
    return NULL;
}

static const XptQtestBackend fake_backend = {
    .pio_read = fake_pio_read,
    .pio_write = fake_pio_write,
    .mmio_read = fake_mmio_read,
    .mmio_write = fake_mmio_write,
    .mem_read = fake_mem_read,
    .mem_write = fake_mem_write,
    .extension = fake_extension,
};

static Fake *fake_new(void)
{
    static const uint8_t bar0[16] = { 0x40, 0x02, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00,
                                      0x83, 0x07, 0x08, 0x80, 0x00, 0x00, 0x00, 0x00 };
    static const uint8_t id[4] = { 0x86, 0x80, 0x0e, 0x10 }; /* 8086:100e */
    Fake *f = g_new0(Fake, 1);

    f->pages = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
    f->calls = g_string_new(NULL);
    memcpy(f->cfg, id, sizeof(id));
    fake_ram_write(f, 0xfebc0000, bar0, sizeof(bar0));
    return f;
}

static void fake_free(Fake *f)
{
    g_hash_table_destroy(f->pages);
    g_string_free(f->calls, TRUE);
    g_free(f);
}

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

/* ---- 2. transports ------------------------------------------------------------- */

typedef struct {
    char *dir;
    char *sock;
    char *log;
    Fake *fake;
    XptQtestServer *s;
    int fd;              /* test side of the connection */
    int closed;          /* close hook calls */
    GString *rbuf;
} Net;

static void net_close_hook(void *opaque)
{
    Net *n = opaque;
    n->closed++;
}

static void net_init(Net *n)
{
    memset(n, 0, sizeof(*n));
    n->dir = g_dir_make_tmp("xpt-qtest-proto-XXXXXX", NULL);
    g_assert_nonnull(n->dir);
    n->sock = g_build_filename(n->dir, "sock", NULL);
    n->log = g_build_filename(n->dir, "log", NULL);
    n->fake = fake_new();
    n->fd = -1;
    n->rbuf = g_string_new(NULL);
}

static void net_fini(Net *n)
{
    xpt_qtest_server_free(n->s);
    if (n->fd >= 0) {
        close(n->fd);
    }
    fake_free(n->fake);
    unlink(n->sock);
    unlink(n->log);
    g_assert_cmpint(rmdir(n->dir), ==, 0);
    g_free(n->dir);
    g_free(n->sock);
    g_free(n->log);
    g_string_free(n->rbuf, TRUE);
}

static int unix_socket(const char *path, bool do_listen)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_assert_cmpint(fd, >=, 0);
    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    if (do_listen) {
        g_assert_cmpint(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
        g_assert_cmpint(listen(fd, 1), ==, 0);
    } else {
        g_assert_cmpint(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    }
    return fd;
}

static void net_send(Net *n, const char *buf, size_t len)
{
    while (len) {
        ssize_t w = send(n->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0 && errno == EAGAIN) {
            g_main_context_iteration(NULL, FALSE);
            continue;
        }
        g_assert_cmpint(w, >, 0);
        buf += w;
        len -= w;
    }
}

static void net_sends(Net *n, const char *str)
{
    net_send(n, str, strlen(str));
}

/* Run the main loop until a reply line arrives (5 s max); NULL on EOF. */
static char *net_line(Net *n)
{
    gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

    for (;;) {
        char *nl = memchr(n->rbuf->str, '\n', n->rbuf->len);
        if (nl) {
            char *line = g_strndup(n->rbuf->str, nl - n->rbuf->str);
            g_string_erase(n->rbuf, 0, nl - n->rbuf->str + 1);
            return line;
        }
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_main_context_iteration(NULL, FALSE);
        char buf[65536];
        ssize_t r = recv(n->fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (r == 0) {
            return NULL;
        }
        if (r > 0) {
            g_string_append_len(n->rbuf, buf, r);
        } else {
            g_assert_cmpint(errno, ==, EAGAIN);
            g_usleep(100);
        }
    }
}

static void net_expect(Net *n, const char *expected)
{
    g_autofree char *line = net_line(n);
    g_assert_cmpstr(line, ==, expected);
}

static void net_wait_closed(Net *n)
{
    gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

    while (!n->closed) {
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_main_context_iteration(NULL, FALSE);
        g_usleep(100);
    }
}

static void test_net_connect(void)
{
    Net n;
    g_autofree char *log = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *longline = g_strnfill(XPT_QTEST_MAX_LINE + 10, 'a');
    g_autofree char *spec = NULL;
    int lfd;

    net_init(&n);
    lfd = unix_socket(n.sock, true);
    spec = g_strconcat("unix:", n.sock, NULL);
    n.s = xpt_qtest_server_new(spec, n.log, &fake_backend, n.fake, &err);
    g_assert_no_error(err);
    n.fake->server = n.s;
    xpt_qtest_server_set_close_hook(n.s, net_close_hook, &n);
    n.fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    g_assert_cmpint(n.fd, >=, 0);
    close(lfd);

    /* A command split across reads; pipelined commands; CRLF. */
    net_sends(&n, "endian");
    for (int i = 0; i < 10; i++) {
        g_main_context_iteration(NULL, FALSE);
    }
    net_sends(&n, "ness\ninb 0x10000\r\noutl 0xcf8 0x80002800\ninl 0xcfc\n");
    net_expect(&n, "OK little");
    net_expect(&n, "FAIL ADDR '0x10000' out of range (max 0xffff)");
    net_expect(&n, "OK");
    net_expect(&n, "OK 0x100e8086");

    /* An over-long line is answered once, then the server resynchronises. */
    net_send(&n, longline, strlen(longline));
    net_sends(&n, "\nendianness\n");
    net_expect(&n, "FAIL line too long");
    net_expect(&n, "OK little");
    /* Over-long before its newline arrives: answered early, its tail is dropped. */
    net_send(&n, longline, strlen(longline));
    net_expect(&n, "FAIL line too long");
    net_sends(&n, "tail of the long line\nendianness\n");
    net_expect(&n, "OK little");
    /* Exactly XPT_QTEST_MAX_LINE bytes is still a line. */
    net_send(&n, longline, XPT_QTEST_MAX_LINE);
    net_sends(&n, "\n");
    g_autofree char *quoted = g_strdup_printf("FAIL Unknown command '%.64s...'", longline);
    net_expect(&n, quoted);
    /* NUL bytes, empty lines. */
    net_send(&n, "endi\0anness\n\n", 13);
    net_expect(&n, "FAIL line contains a NUL byte");
    net_expect(&n, "FAIL empty command");

    /* IRQ lines come before the reply of the access that raised them. */
    net_sends(&n, "irq_intercept_in ioapic\noutw 0xb000 0x13\noutw 0xb000 0x12\n");
    net_expect(&n, "OK");
    net_expect(&n, "IRQ raise 9");
    net_expect(&n, "OK");
    net_expect(&n, "IRQ lower 9");
    net_expect(&n, "OK");

    /* Client disconnects: the hook runs once, from the main loop. */
    close(n.fd);
    n.fd = -1;
    net_wait_closed(&n);
    for (int i = 0; i < 10; i++) {
        g_main_context_iteration(NULL, FALSE);
    }
    g_assert_cmpint(n.closed, ==, 1);
    xpt_qtest_irq(n.s, 9, true); /* after close: dropped, no crash */

    /* The log file, QEMU's format. */
    g_assert_true(g_file_get_contents(n.log, &log, NULL, NULL));
    g_auto(GStrv) lines = g_strsplit(log, "\n", -1);
    g_assert_true(g_regex_match_simple("^\\[I [0-9]+\\.[0-9]{6}\\] OPENED$", lines[0], 0, 0));
    g_assert_true(g_regex_match_simple("^\\[R \\+[0-9]+\\.[0-9]{6}\\] endianness$", lines[1], 0,
                                       0));
    g_assert_true(g_regex_match_simple("^\\[S \\+[0-9]+\\.[0-9]{6}\\] OK little$", lines[2], 0,
                                       0));
    g_assert_true(g_regex_match_simple("^\\[R \\+[0-9.]+\\] inb 0x10000$", lines[3], 0, 0));
    g_assert_true(g_regex_match_simple("^\\[S \\+[0-9.]+\\] IRQ raise 9$", log,
                                       G_REGEX_MULTILINE, 0));
    g_assert_true(g_regex_match_simple("^\\[R \\+[0-9.]+\\] <[0-9]+ bytes>$", log,
                                       G_REGEX_MULTILINE, 0));
    guint nl = g_strv_length(lines);
    g_assert_cmpuint(nl, >=, 2);
    g_assert_cmpstr(lines[nl - 1], ==, "");
    g_assert_true(g_regex_match_simple("^\\[I \\+[0-9.]+\\] CLOSED$", lines[nl - 2], 0, 0));
    net_fini(&n);
}

static void test_net_listen(void)
{
    Net n;
    g_autoptr(GError) err = NULL;
    g_autofree char *spec = NULL;

    net_init(&n);
    spec = g_strconcat("unix:", n.sock, ",server=on,wait=off", NULL);
    g_assert_true(g_file_set_contents(n.sock, "stale", -1, NULL)); /* replaced */
    n.s = xpt_qtest_server_new(spec, NULL, &fake_backend, n.fake, &err);
    g_assert_no_error(err);
    xpt_qtest_server_set_close_hook(n.s, net_close_hook, &n);
    n.fd = unix_socket(n.sock, false);
    net_sends(&n, "endianness\n");
    net_expect(&n, "OK little");
    /* One client only: the listening socket is gone. */
    g_assert_false(g_file_test(n.sock, G_FILE_TEST_EXISTS));
    shutdown(n.fd, SHUT_WR);
    net_wait_closed(&n);
    net_fini(&n);

    /* Freeing a server that never got a client removes its socket. */
    net_init(&n);
    spec = (g_free(spec), g_strconcat("unix:", n.sock, ",server", NULL));
    n.s = xpt_qtest_server_new(spec, "none", &fake_backend, n.fake, &err);
    g_assert_no_error(err);
    g_assert_true(g_file_test(n.sock, G_FILE_TEST_EXISTS));
    xpt_qtest_server_free(n.s);
    n.s = NULL;
    g_assert_false(g_file_test(n.sock, G_FILE_TEST_EXISTS));
    net_fini(&n);
}

/*
 * Issue 13 item 8: a client that sends several lines and closes at once. The first
 * reply cannot be written (EPIPE), the connection closes while lines are being run,
 * and nothing past the (emptied) input buffer may be touched: before, the erase of
 * the lines already run hit the empty buffer (GLib-CRITICAL in g_string_erase, fatal
 * under g_test_init and G_DEBUG=fatal-criticals).
 */
static void test_net_reply_to_closed_client(void)
{
    Net n;
    g_autoptr(GError) err = NULL;
    g_autofree char *spec = NULL;

    net_init(&n);
    spec = g_strconcat("unix:", n.sock, ",server=on,wait=off", NULL);
    n.s = xpt_qtest_server_new(spec, NULL, &fake_backend, n.fake, &err);
    g_assert_no_error(err);
    xpt_qtest_server_set_close_hook(n.s, net_close_hook, &n);
    n.fd = unix_socket(n.sock, false);
    net_sends(&n, "endianness\nendianness\nendianness\nclock_step 10\n");
    close(n.fd);                    /* gone before the server read a byte */
    n.fd = -1;
    net_wait_closed(&n);
    g_assert_cmpint(n.closed, ==, 1);
    net_fini(&n);
}

/* Replies are queued while the client does not read; input pauses, nothing is lost. */
static void test_net_flow_control(void)
{
    Net n;
    g_autoptr(GError) err = NULL;
    g_autofree char *spec = NULL;
    int lfd;
    const int count = 96;

    net_init(&n);
    lfd = unix_socket(n.sock, true);
    spec = g_strconcat("unix:", n.sock, NULL);
    n.s = xpt_qtest_server_new(spec, NULL, &fake_backend, n.fake, &err);
    g_assert_no_error(err);
    n.fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    close(lfd);
    for (int i = 0; i < count; i++) {
        net_sends(&n, "read 0xfebc0000 0x10000\n");
    }
    net_sends(&n, "endianness\n");
    for (int i = 0; i < 200; i++) {
        g_main_context_iteration(NULL, FALSE);
    }
    for (int i = 0; i < count; i++) {
        g_autofree char *line = net_line(&n);
        g_assert_true(g_str_has_prefix(line, "OK 0x4002140000000000830708800000"));
        g_assert_cmpuint(strlen(line), ==, 5 + 2 * 0x10000);
    }
    net_expect(&n, "OK little");
    net_fini(&n);
}

static void test_net_errors(void)
{
    static const char *const invalid[] = {
        "tcp:localhost:1234", "unix:", "unix:,server=on", "unix:/tmp/x,bogus",
        "unix:/tmp/x,server=maybe", "unix:/tmp/x,", "stdio,server", "",
    };
    g_autofree char *longpath = g_strnfill(200, 'p');
    g_autofree char *longspec = g_strconcat("unix:/", longpath, NULL);

    for (size_t i = 0; i < G_N_ELEMENTS(invalid); i++) {
        g_autoptr(GError) err = NULL;
        g_assert_null(xpt_qtest_server_new(invalid[i], NULL, &fake_backend, NULL, &err));
        g_assert_error(err, XPT_ERROR, XPT_ERROR_INVALID);
        g_assert_true(g_str_has_prefix(err->message, "qtest: "));
    }
    g_autoptr(GError) err = NULL;
    g_assert_null(xpt_qtest_server_new(longspec, NULL, &fake_backend, NULL, &err));
    g_assert_error(err, XPT_ERROR, XPT_ERROR_INVALID);
    g_clear_error(&err);

    g_assert_null(xpt_qtest_server_new("unix:/nonexistent/xpt.sock", NULL, &fake_backend, NULL,
                                       &err));
    g_assert_error(err, XPT_ERRNO_ERROR, ENOENT);
    g_assert_cmpstr(err->message, ==,
                    "qtest: cannot connect to unix:/nonexistent/xpt.sock: No such file or "
                    "directory");
    g_clear_error(&err);

    g_assert_null(xpt_qtest_server_new("unix:/nonexistent/xpt.sock,server=on", NULL,
                                       &fake_backend, NULL, &err));
    g_assert_error(err, XPT_ERRNO_ERROR, ENOENT);
    g_clear_error(&err);

    g_assert_null(xpt_qtest_server_new("stdio", "/nonexistent/dir/log", &fake_backend, NULL,
                                       &err));
    g_assert_error(err, XPT_ERRNO_ERROR, ENOENT);
    g_assert_true(g_str_has_prefix(err->message, "qtest: cannot open log file"));
}

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
    g_test_add_func("/qtest-proto/transport/connect", test_net_connect);
    g_test_add_func("/qtest-proto/transport/listen", test_net_listen);
    g_test_add_func("/qtest-proto/transport/reply-to-closed-client",
                    test_net_reply_to_closed_client);
    g_test_add_func("/qtest-proto/transport/flow-control", test_net_flow_control);
    g_test_add_func("/qtest-proto/transport/errors", test_net_errors);
    g_test_add_func("/qtest-proto/transport/stdio", test_stdio);
    g_test_add_func("/qtest-proto/client/session", test_client);
    g_test_add_func("/qtest-proto/client/run-expect-fail", test_client_run_expect_fail);
    return g_test_run();
}
