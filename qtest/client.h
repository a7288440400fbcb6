/* SPDX-License-Identifier: GPL-2.0-or-later */
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
#include <sys/types.h>

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
 * xpt_qts_start_nolog: xpt_qts_start() without "-qtest-log" (the binary formats no log
 * line; xpt_qts_qtest_log() then returns an empty string). For `make bench`, which
 * measures the protocol path with and without the log.
 */
XptQts *xpt_qts_start_nolog(const char *extra_args);

/** xpt_qts_pid: the binary's process id (0 once it has been reaped). */
pid_t xpt_qts_pid(const XptQts *qts);

/**
 * xpt_qts_run_expect_fail: run the binary with @args (no qtest socket), wait for it to
 * exit (10 s, else the test fails), return its exit status; *stderr_out receives its
 * stderr (newly allocated; @stderr_out may be NULL).
 */
int xpt_qts_run_expect_fail(const char *args, char **stderr_out);

/**
 * xpt_qts_unix_listen: a listening unix socket at @path (backlog 1) for the binary to
 * connect to, as libqtest does; aborts the test on failure.
 */
int xpt_qts_unix_listen(const char *path);

/** xpt_qts_tmpdir: a new temporary directory (g_free the path); aborts on failure. */
char *xpt_qts_tmpdir(void);

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

/*
 * ---- process helpers for QMP tests ----------------------------------------------------
 */

/**
 * xpt_qts_start_stdio: like xpt_qts_start(), but the binary's stdin and stdout are
 * pipes (for "-qmp stdio"): *@to_stdin receives the write end of its stdin,
 * *@from_stdout the read end of its stdout (both close-on-exec; close them yourself).
 */
XptQts *xpt_qts_start_stdio(const char *extra_args, int *to_stdin, int *from_stdout);

/** xpt_qts_signal: send signal @sig to the binary. */
void xpt_qts_signal(XptQts *qts, int sig);

/**
 * xpt_qts_wait_exit: wait up to @timeout_ms for the binary to exit by itself (the qtest
 * socket stays open). Returns its exit status (shell-style), or -1 if it still runs.
 * xpt_qts_quit() afterwards returns the same status.
 */
int xpt_qts_wait_exit(XptQts *qts, int timeout_ms);

/*
 * ---- QMP client (reference/qtest-qmp.md §qmp, §libqtest) ---------------------------------
 *
 * Messages are read as "\r\n"-terminated lines (every QMP line ends so) and parsed with
 * json-glib. Replies are the messages with "return" or "error"; events received while
 * waiting for a reply are queued. Every wait is bounded (60 s); a timeout, a malformed
 * line or an unexpected EOF aborts the test with g_error().
 */
typedef struct XptQmp XptQmp;

/**
 * xpt_qmp_listen: a listening unix socket (in a new temporary directory) for a
 * client-mode monitor of the binary, as libqtest uses. Start the binary with
 * xpt_qmp_args() among its arguments, then call xpt_qmp_accept().
 */
XptQmp *xpt_qmp_listen(void);

/** "-chardev socket,path=SOCK,id=ID -mon chardev=ID,mode=control" for this listener. */
const char *xpt_qmp_args(XptQmp *qmp);

/** The listener's socket path (for "-qmp unix:PATH", the legacy client form). */
const char *xpt_qmp_path(XptQmp *qmp);

/** xpt_qmp_accept: accept the binary's connection (10 s), read and return its greeting. */
JsonNode *xpt_qmp_accept(XptQmp *qmp);

/**
 * xpt_qmp_connect: connect to a monitor listening on @path (retrying for 10 s while
 * the socket does not accept yet), read the greeting into *@greeting (may be NULL).
 */
XptQmp *xpt_qmp_connect(const char *path, JsonNode **greeting);

/** xpt_qmp_from_fds: a session over a pipe pair (e.g. -qmp stdio); reads the greeting. */
XptQmp *xpt_qmp_from_fds(int read_fd, int write_fd, JsonNode **greeting);

/** Send @len raw bytes (a failure to send aborts the test). */
void xpt_qmp_send_raw(XptQmp *qmp, const void *buf, size_t len);

/** The next raw line, without its "\r\n" (newly allocated); NULL at EOF. */
char *xpt_qmp_receive_line(XptQmp *qmp);

/** The next message (reply or event) parsed; NULL at EOF. */
JsonNode *xpt_qmp_receive(XptQmp *qmp);

/**
 * xpt_qmp_command: send the printf-formatted text as is (no newline added) and return
 * the next reply; events that arrive first are queued.
 */
JsonNode *xpt_qmp_command(XptQmp *qmp, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/** xpt_qmp_negotiate: qmp_capabilities, asserting {"return": {}}. */
void xpt_qmp_negotiate(XptQmp *qmp);

/** The oldest queued event, reading what already arrived (no waiting); NULL if none. */
JsonNode *xpt_qmp_event_pop(XptQmp *qmp);

/**
 * xpt_qmp_event_wait: the first event named @name, queued or arriving within 60 s;
 * other events seen on the way stay queued.
 */
JsonNode *xpt_qmp_event_wait(XptQmp *qmp, const char *name);

/** xpt_qmp_wait_eof: true when the peer closes the connection within @timeout_ms
 *  (messages read meanwhile are dropped). */
bool xpt_qmp_wait_eof(XptQmp *qmp, int timeout_ms);

/** Close the connection and remove the listener's socket and directory. */
void xpt_qmp_free(XptQmp *qmp);

/** Members of a reply: "return" (borrowed; NULL if an error), error "class"/"desc". */
JsonNode *xpt_qmp_reply_return(JsonNode *reply);
const char *xpt_qmp_reply_class(JsonNode *reply);
const char *xpt_qmp_reply_desc(JsonNode *reply);

#endif
