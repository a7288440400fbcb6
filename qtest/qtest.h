/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtest protocol server (reference/qtest-qmp.md §qtest; QEMU 7.2 system/qtest.c).
 *
 * One command per line; replies "OK[ value]", "FAIL reason", "ERR reason"; asynchronous
 * "IRQ raise N" / "IRQ lower N" lines once irq_intercept_in/out was sent. Transports:
 *   -qtest unix:PATH             connect out to a listening socket (what libqtest does)
 *   -qtest unix:PATH,server=on   listen on PATH and accept one client
 *   -qtest stdio                 stdin/stdout
 *   (",server" alone, ",server=off", ",wait=on|off" and ",nowait" are accepted too; ",,"
 *   in PATH is a comma. A listening server never blocks: it accepts the first client
 *   from the main loop, then closes and unlinks the listening socket.)
 * -qtest-log FILE logs "[I t] OPENED", "[R +t] line", "[S +t] reply" (IRQ lines too) and
 * "[I +t] CLOSED" like QEMU, t = seconds since the client connected ("/dev/null" allowed;
 * "none" or NULL = no log).
 *
 * Replies as QEMU 7.2: inb/inw/inl "OK 0x%04x"; readb..readq "OK 0x%016" PRIx64;
 * read "OK 0x<hex bytes>"; b64read "OK <base64>"; endianness "OK little"; clock_step /
 * clock_set "OK <ns>"; unknown "FAIL Unknown command '<cmd>'"; write/b64write with DATA
 * shorter than 3 characters "ERR invalid argument size". Where QEMU would abort we answer
 * "FAIL <reason>" (one line): wrong argument count, bad number, port > 0xffff, VALUE wider
 * than the access, SIZE > XPT_QTEST_MAX_XFER, range wrapping past 2^64, read SIZE 0,
 * bad hex / base64 data, write DATA longer than SIZE, empty line, unknown QOM path
 * ("FAIL Unknown device"), module_load (no modules). write DATA shorter than SIZE is
 * zero-filled like QEMU; so is b64write data (QEMU would read past its buffer), longer
 * b64write data is truncated to SIZE; b64read SIZE 0 answers "OK " like QEMU.
 *
 * Input is untrusted: a line longer than XPT_QTEST_MAX_LINE is answered
 * "FAIL line too long" and discarded; numbers are parsed strictly (C syntax: 0x…,
 * decimal, 0… octal) and out-of-range values answer FAIL; a trailing '\r' is ignored.
 * Nothing a client sends can crash the server.
 *
 * Guest-side effects go to an XptQtestBackend (the simulated hypervisor).
 */
#ifndef XPT_QTEST_QTEST_H
#define XPT_QTEST_QTEST_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#define XPT_QTEST_MAX_LINE 65536
/* read/write/b64read/b64write/memset transfer at most this many bytes per command. */
#define XPT_QTEST_MAX_XFER (16u << 20)
/*
 * "clock_step" without NS: QEMU advances the virtual clock to the next timer deadline;
 * the device model has no virtual-clock timers, so it advances by this fixed step.
 * "clock_step NS" advances by NS, "clock_set NS" moves to NS (never backwards). The clock
 * starts at 0.
 */
#define XPT_QTEST_CLOCK_STEP_DEFAULT_NS 1000000

/**
 * XptQtestBackend: what the commands do. Port accesses: @size 1, 2, 4. Memory accesses
 * (readb..readq/writeb..writeq): @size 1, 2, 4, 8, little-endian values. mem_read /
 * mem_write move @len bytes of guest-physical memory (RAM or MMIO, as the guest would see
 * it). @extension handles lines whose first word is "xen-sim": @argv is the split line;
 * it returns the reply text after "OK" (may be "" → plain "OK"), or NULL with @errp set
 * → "FAIL <message>". The server copies the struct. A NULL callback is tolerated: port
 * and MMIO reads then answer all-ones, mem_read zeros, writes are dropped and "xen-sim"
 * lines answer "FAIL Unknown command 'xen-sim'".
 */
typedef struct XptQtestBackend {
    uint32_t (*pio_read)(void *opaque, uint16_t port, unsigned size);
    void (*pio_write)(void *opaque, uint16_t port, unsigned size, uint32_t val);
    uint64_t (*mmio_read)(void *opaque, uint64_t addr, unsigned size);
    void (*mmio_write)(void *opaque, uint64_t addr, unsigned size, uint64_t val);
    void (*mem_read)(void *opaque, uint64_t addr, void *buf, size_t len);
    void (*mem_write)(void *opaque, uint64_t addr, const void *buf, size_t len);
    char *(*extension)(void *opaque, char **argv, GError **errp);
} XptQtestBackend;

typedef struct XptQtestServer XptQtestServer;

/**
 * xpt_qtest_server_new: parse @chardev ("unix:PATH[,server=on]" or "stdio"), open it
 * (connect / listen) and attach to the default GLib main context. @log_path may be NULL.
 * Errors: XPT_ERROR_INVALID for a malformed spec, XPT_ERRNO_ERROR for socket failures
 * ("qtest: cannot connect to unix:PATH: ...").
 */
XptQtestServer *xpt_qtest_server_new(const char *chardev, const char *log_path,
                                     const XptQtestBackend *backend, void *opaque,
                                     GError **errp);
void xpt_qtest_server_free(XptQtestServer *s);

/**
 * xpt_qtest_server_set_close_hook: called once when the client disconnects (EOF/error);
 * the machine then shuts down like QEMU does when its qtest socket closes. The hook runs
 * from an idle source of the default main context (never from inside a server callback),
 * so it may call xpt_qtest_server_free(). Freeing the server does not call it.
 */
void xpt_qtest_server_set_close_hook(XptQtestServer *s, void (*hook)(void *), void *opaque);

/**
 * xpt_qtest_irq: report ISA/GSI line @irq at @level; sends "IRQ raise N" / "IRQ lower N"
 * only after the client sent irq_intercept_in (or _out), and only on level changes.
 * As in QEMU, levels are tracked from the moment interception starts, all lines
 * starting low; calling it again with an unchanged level sends nothing. The accepted
 * QOM paths are "ioapic" and "/machine/ioapic" (the PC's I/O APIC; else "FAIL Unknown
 * device"); irq_intercept_in and _out are equivalent and may be repeated.
 */
void xpt_qtest_irq(XptQtestServer *s, unsigned irq, bool level);

/**
 * xpt_qtest_server_clock_ns: the qtest virtual clock (ns), moved only by clock_step /
 * clock_set.
 */
int64_t xpt_qtest_server_clock_ns(XptQtestServer *s);

/**
 * xpt_qtest_handle_line: run one command line (without '\n') and return the reply line
 * (without '\n'), newly allocated. Exposed for unit tests of the parser; the socket path
 * calls it too.
 */
char *xpt_qtest_handle_line(XptQtestServer *s, const char *line);

/**
 * xpt_qtest_server_new_detached: a server with no transport and no log, for unit tests of
 * xpt_qtest_handle_line(). Asynchronous lines ("IRQ raise N") are kept until
 * xpt_qtest_server_take_output() collects them. Free with xpt_qtest_server_free().
 */
XptQtestServer *xpt_qtest_server_new_detached(const XptQtestBackend *backend, void *opaque);

/**
 * xpt_qtest_server_take_output: for a detached server, the asynchronous lines produced
 * since the last call, each ending in '\n' (newly allocated), or NULL if there are none.
 * Always NULL for a server with a transport (its lines go to the client).
 */
char *xpt_qtest_server_take_output(XptQtestServer *s);

#endif
