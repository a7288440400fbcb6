/*
 * Test-side client of xen-pt-dm's qtest accelerator (tests and the demo only; not linked
 * into the device model). Mirrors QEMU's libqtest: it listens on a unix socket, starts
 * build/xen-pt-dm with `-accel qtest -qtest unix:SOCK ...` so the binary connects out,
 * and speaks the qtest line protocol. Guest-side helpers do what firmware does.
 *
 * All functions abort the test (g_assert / g_error) on protocol failures, like libqtest;
 * a failure that concerns the binary kills it and quotes its stderr. A reply that does
 * not arrive within 60 s is a failure. Exit statuses are returned shell-style: the exit
 * code, or 128 + N for a death by signal N. The binary's stdin and stdout are /dev/null.
 */
#ifndef XPT_QTEST_CLIENT_H
#define XPT_QTEST_CLIENT_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct XptQts XptQts;

/**
 * xpt_qts_start: start the binary (path from $XPT_BINARY, default "build/xen-pt-dm") with
 * "-accel qtest -qtest unix:SOCK -qtest-log LOG" followed by @extra_args (a
 * space-separated string, split with g_shell_parse_argv), wait for it to connect
 * (10 s timeout), and check "endianness" answers "OK little". stderr of the binary is
 * captured to a temp file (see xpt_qts_stderr()).
 */
XptQts *xpt_qts_start(const char *extra_args);

/**
 * xpt_qts_run_expect_fail: run the binary with @args (no qtest socket), wait for it to
 * exit (10 s, else the test fails), return its exit status; *stderr_out receives its
 * stderr (newly allocated; @stderr_out may be NULL).
 */
int xpt_qts_run_expect_fail(const char *args, char **stderr_out);

/** xpt_qts_quit: close the socket, wait for exit (SIGTERM after 10 s), return the exit
 *  status; frees @qts. */
int xpt_qts_quit(XptQts *qts);

/** Everything the binary wrote to stderr so far (newly allocated). */
char *xpt_qts_stderr(XptQts *qts);

/** The binary's -qtest-log file so far ("[R +t] ..." lines; newly allocated). */
char *xpt_qts_qtest_log(XptQts *qts);

/** Send one raw command line, return the reply line (newly allocated, no '\n'). Lines
 *  "IRQ raise/lower N" received meanwhile are recorded, not returned. */
char *xpt_qts_command(XptQts *qts, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/**
 * Pop the oldest recorded IRQ line ("IRQ raise 9") or NULL. When none is recorded, lines
 * that already arrived on the socket (e.g. an SCI raised by a QMP command) are read
 * first, without waiting.
 */
char *xpt_qts_pop_irq(XptQts *qts);

/*
 * Port and memory accessors (assert "OK"). xpt_memread uses "read" and xpt_memwrite
 * "write" with hex data, split into several commands so that each line stays below
 * XPT_QTEST_MAX_LINE and each transfer below XPT_QTEST_MAX_XFER.
 */
void xpt_outb(XptQts *qts, uint16_t port, uint8_t v);
void xpt_outw(XptQts *qts, uint16_t port, uint16_t v);
void xpt_outl(XptQts *qts, uint16_t port, uint32_t v);
uint8_t xpt_inb(XptQts *qts, uint16_t port);
uint16_t xpt_inw(XptQts *qts, uint16_t port);
uint32_t xpt_inl(XptQts *qts, uint16_t port);
uint8_t xpt_readb(XptQts *qts, uint64_t addr);
uint16_t xpt_readw(XptQts *qts, uint64_t addr);
uint32_t xpt_readl(XptQts *qts, uint64_t addr);
uint64_t xpt_readq(XptQts *qts, uint64_t addr);
void xpt_writeb(XptQts *qts, uint64_t addr, uint8_t v);
void xpt_writew(XptQts *qts, uint64_t addr, uint16_t v);
void xpt_writel(XptQts *qts, uint64_t addr, uint32_t v);
void xpt_writeq(XptQts *qts, uint64_t addr, uint64_t v);
void xpt_memread(XptQts *qts, uint64_t addr, void *buf, size_t len);
void xpt_memwrite(XptQts *qts, uint64_t addr, const void *buf, size_t len);

/*
 * Config space through 0xCF8/0xCFC (bus 0): "outl 0xcf8 (1<<31)|(devfn<<8)|(off & 0xfc)"
 * then an access of the given width at port 0xcfc + (off & 3), as firmware does and as
 * Xen decodes it.
 */
uint8_t xpt_cfg_readb(XptQts *qts, uint8_t devfn, uint8_t off);
uint16_t xpt_cfg_readw(XptQts *qts, uint8_t devfn, uint8_t off);
uint32_t xpt_cfg_readl(XptQts *qts, uint8_t devfn, uint8_t off);
void xpt_cfg_writeb(XptQts *qts, uint8_t devfn, uint8_t off, uint8_t v);
void xpt_cfg_writew(XptQts *qts, uint8_t devfn, uint8_t off, uint16_t v);
void xpt_cfg_writel(XptQts *qts, uint8_t devfn, uint8_t off, uint32_t v);

/**
 * xpt_sim_command: send "xen-sim ARGS", assert OK, return the JSON after "OK " parsed
 * (a new JsonNode, or NULL if the reply had no payload).
 */
JsonNode *xpt_sim_command(XptQts *qts, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/** xpt_sim_state: "xen-sim state" parsed. */
JsonNode *xpt_sim_state(XptQts *qts);

#endif
