/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Character devices: the byte-stream transports of QEMU's -chardev / -qmp / -qtest
 * options (QEMU 7.2 qemu-options.hx "-chardev socket", docs/interop/qmp-spec.rst;
 * reference/toolstack.md §launch for what libxl passes, reference/qtest-qmp.md §libqtest
 * for what QEMU's test library passes). Used by the QMP monitors (monitor/qmp.c).
 *
 * Spec syntaxes:
 *   -chardev socket,id=ID,path=PATH[,server=on|off][,wait=on|off]   unix socket
 *   -chardev socket,id=ID,fd=N[,server=on|off][,wait=on|off]        inherited socket
 *   -chardev stdio,id=ID                                            stdin/stdout
 *   -chardev pty,id=ID                                              a new pseudo-terminal
 *   -chardev file,id=ID,path=PATH[,append=on|off]                   output to a file
 *   -chardev null,id=ID                                             discards output
 *   legacy (-qmp): unix:PATH[,server[=on|off]][,wait=on|off][,nowait] | stdio
 *   legacy (-serial, xpt_chardev_parse_serial): the -qmp forms, pty, null, file:PATH
 * Booleans take on/off/yes/no/true/false; ",," in a value is a comma.
 *
 * Behaviour:
 *   - server=off (QEMU's default): connect out once at open (what libqtest expects); the
 *     connection is not re-established when the peer closes it.
 *   - server=on: listen (path: a stale socket file is replaced, any other file is an
 *     error; fd=N: must already be a listening socket, as libxl's dm_restrict passes it).
 *     Like QEMU, one client at a time: further clients wait in the backlog until the
 *     current one disconnects, then the next is accepted. wait=on/off is accepted;
 *     opening never blocks (the device model has nothing to run before a client).
 *     The socket file we created is unlinked when the chardev is freed.
 *   - fd=N with server=off: N is an already connected stream socket.
 *   - Every fd we keep is close-on-exec and (sockets) non-blocking; writes use
 *     MSG_NOSIGNAL so a vanished peer never raises SIGPIPE (stdio writes rely on the
 *     process ignoring SIGPIPE, which main() does).
 *
 * pty (QEMU 7.2 chardev/char-pty.c): posix_openpt + grantpt + unlockpt, the slave set
 * to raw mode (cfmakeraw) once and closed again, so that it keeps no reader of its own.
 * The master is non-blocking. A pty "has a peer" while someone holds the slave open
 * (xl console, xenconsole): without one the master polls POLLHUP and reads fail with
 * EIO, so the chardev does not watch it then (an fd watch would wake the main loop
 * without end) and checks once a second, and on each write, whether a reader came;
 * output without a reader is dropped, as QEMU does (Linux would otherwise queue it in
 * the pty and show the next reader stale bytes). A reader that leaves (EIO, POLLHUP)
 * disconnects the chardev; the fd stays open and the same /dev/pts/N is reused.
 * file: opened O_WRONLY|O_CREAT|O_NONBLOCK (O_TRUNC, or O_APPEND with append=on); null:
 * always "connected", writes vanish. Neither has input.
 *
 * Flow control: output is buffered; xpt_chardev_congested() turns true above
 * XPT_CHARDEV_HIGH_WATER pending bytes, and while congested the chardev stops reading.
 * A peer that lets more than XPT_CHARDEV_MAX_PENDING bytes pile up is disconnected
 * (consumers that must not lose their peer, e.g. a serial port, bound their own output
 * with xpt_chardev_pending()). The consumer's input callback may leave bytes unconsumed
 * (e.g. when congested, or a full receive FIFO): reading then stops until they are
 * taken, which xpt_chardev_accept_input() asks for, or the output drained — at most
 * XPT_CHARDEV_READ_CHUNK bytes wait inside the chardev.
 *
 * Logs a client can cause are rate-limited per chardev: connection traces (-d qmp)
 * 10 per second, the "does not read its replies" warning once a minute.
 *
 * The qtest server (qtest/qtest.c) still has its own copy of the unix-socket code; it
 * can move onto this module (its one-client-then-unlink listen mode aside).
 */
#ifndef XPT_UTIL_CHARDEV_H
#define XPT_UTIL_CHARDEV_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

#define XPT_CHARDEV_READ_CHUNK 65536
#define XPT_CHARDEV_HIGH_WATER (256u << 10)
#define XPT_CHARDEV_MAX_PENDING (16u << 20)

typedef enum {
    XPT_CHARDEV_UNIX,     /* path= */
    XPT_CHARDEV_FD,       /* fd= */
    XPT_CHARDEV_STDIO,
    XPT_CHARDEV_PTY,
    XPT_CHARDEV_FILE,     /* path= */
    XPT_CHARDEV_NULL,
} XptChardevBackend;

/** XptChardevSpec: a parsed chardev option. */
typedef struct XptChardevSpec {
    char *id;                    /* -chardev id=; NULL for a legacy spec */
    XptChardevBackend backend;
    char *path;                  /* XPT_CHARDEV_UNIX, XPT_CHARDEV_FILE */
    int fd;                      /* XPT_CHARDEV_FD, else -1 */
    bool server;
    bool wait;                   /* accepted, see above */
    bool append;                 /* XPT_CHARDEV_FILE: append=on */
} XptChardevSpec;

/**
 * xpt_chardev_parse: parse "-chardev BACKEND,id=ID,..." (@legacy false; backends
 * "socket", "stdio", "pty", "file" and "null") or a legacy "unix:PATH,..." / "stdio" spec (@legacy true, as
 * -qmp and -qtest take). Fills @spec (free with xpt_chardev_spec_clear). Errors
 * (XPT_ERROR_INVALID, one line naming the spec): unknown backend ("tcp:", "pty", ...),
 * unknown or repeated option, missing id= (non-legacy), neither or both of path= and
 * fd=, fd= not a number, a unix path longer than sun_path.
 */
bool xpt_chardev_parse(const char *str, bool legacy, XptChardevSpec *spec, GError **errp);
void xpt_chardev_spec_clear(XptChardevSpec *spec);

/**
 * xpt_chardev_parse_serial: the backend of "-serial SPEC" in QEMU's legacy syntax
 * (QEMU 7.2 chardev/char.c qemu_chr_parse_compat): "pty", "null", "stdio",
 * "file:PATH", "unix:PATH[,server=on][,wait=off]". libxl 4.17 passes the guest's
 * serial= setting verbatim ("-serial pty" for serial="pty", libxl_dm.c
 * libxl__build_device_model_args_new). "chardev:ID" and "none" are the caller's.
 * Errors (XPT_ERROR_INVALID, one line naming SPEC and what is supported): any other
 * backend (tcp:, udp:, telnet:, vc, /dev/ttyS0, pipe:, mon:, ...), bad options.
 */
bool xpt_chardev_parse_serial(const char *str, XptChardevSpec *spec, GError **errp);

typedef struct XptChardev XptChardev;

/**
 * XptChardevHandlers: what the owner does. All are called from the GLib main loop,
 * never from inside xpt_chardev_write(); none may free the chardev.
 * @opened: a peer is there (connect/stdio: at once, from xpt_chardev_open; server: on
 *          accept). Called again for each new client of a server.
 * @input:  @len bytes arrived (@buf is not NUL-terminated). Returns how many it
 *          consumed; the rest is offered again with later input or after the output
 *          drained. It should stop consuming while xpt_chardev_congested().
 * @closed: the peer went away (EOF, error, or disconnected for not reading); pending
 *          output is dropped. Called from an idle source after the failure, before a
 *          server accepts its next client.
 */
typedef struct XptChardevHandlers {
    void (*opened)(XptChardev *c, void *opaque);
    size_t (*input)(XptChardev *c, const char *buf, size_t len, void *opaque);
    void (*closed)(XptChardev *c, void *opaque);
} XptChardevHandlers;

/**
 * xpt_chardev_open: open @spec (the chardev keeps a copy) on the default main context.
 * Errors: XPT_ERRNO_ERROR with the errno for socket, pty and file failures ("cannot
 * connect to unix:PATH: Connection refused", "cannot listen on unix:PATH: ...", "cannot
 * create a pty: ...", "cannot open file:PATH: ..."), XPT_ERROR_INVALID for an fd= that
 * is not a usable socket ("fd=N is not a listening socket").
 * @what names the user in messages (e.g. "chardev 'libxl-cmd'").
 */
XptChardev *xpt_chardev_open(const XptChardevSpec *spec, const char *what,
                             const XptChardevHandlers *handlers, void *opaque,
                             GError **errp);

/**
 * xpt_chardev_write: queue @len bytes for the peer and send what the socket takes now.
 * Returns false (and drops the data) when no peer is connected. A send error or
 * exceeding XPT_CHARDEV_MAX_PENDING disconnects the peer (closed() follows from idle).
 */
bool xpt_chardev_write(XptChardev *c, const char *buf, size_t len);

/** Whether a peer is connected now (null and file: always; pty: a reader holds it). */
bool xpt_chardev_connected(const XptChardev *c);

/** Bytes written and not yet taken by the peer (bounded by XPT_CHARDEV_MAX_PENDING). */
size_t xpt_chardev_pending(const XptChardev *c);

/**
 * xpt_chardev_accept_input: the consumer has room again for input it left unconsumed:
 * from an idle source, the waiting bytes are offered again and reading resumes once
 * they are all taken. Safe to call often and from inside guest I/O handlers.
 */
void xpt_chardev_accept_input(XptChardev *c);

/** The slave of a pty chardev ("/dev/pts/N"), NULL for other backends. */
const char *xpt_chardev_pty_path(const XptChardev *c);

/**
 * xpt_chardev_filename: the chardev's "filename" as QEMU's query-chardev reports it
 * (QEMU 7.2 chardev/char-socket.c qemu_chr_compute_filename and
 * update_disconnected_filename; chardev/char.c chardev_new for stdio). A socket with a
 * client: "unix:PATH,server=on" (a server: the path it listens on, also when it was
 * inherited as fd=N) or "unix:PATH" (a client: the path it connected to); without one:
 * "disconnected:unix:PATH[,server=on]" or "disconnected:fd:N[,server=on]"; "stdio".
 * A connected unix socket without a name (a socketpair) gives "unix:", as in QEMU.
 * pty: "pty:/dev/pts/N" (connected or not, chardev/char-pty.c char_pty_open); file:
 * "file"; null: "null" (the QEMU 7.2 transcript fixtures/qemu-7.2-reference/
 * query-chardev-serial.txt).
 */
char *xpt_chardev_filename(const XptChardev *c);

/** Whether more than XPT_CHARDEV_HIGH_WATER bytes wait to be sent. */
bool xpt_chardev_congested(const XptChardev *c);

/**
 * xpt_chardev_flush_sync: at shutdown, try for at most @timeout_ms to send the pending
 * output (poll-based; never blocks longer).
 */
void xpt_chardev_flush_sync(XptChardev *c, unsigned timeout_ms);

/** Close everything (no closed() callback), unlink a socket file we created, free. */
void xpt_chardev_free(XptChardev *c);

#endif
