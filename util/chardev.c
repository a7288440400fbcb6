/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Character devices: unix sockets, inherited sockets, stdio, pty, file, null; see
 * util/chardev.h. Their option strings are parsed in util/chardev-parse.c. */
#include "util/chardev.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <glib-unix.h>

#include "util/error.h"
#include "util/log.h"
#include "util/opts.h"

/*
 * listen() backlog of a server=on socket. One client is served at a time and the next
 * wait here; Linux queues backlog + 1 connections on a unix socket (af_unix.c
 * unix_recvq_full: full when the queue is longer than the backlog), so 9 clients can
 * wait. QEMU 7.2 passes 1 for every socket chardev, QMP monitors included
 * (chardev/char-socket.c qmp_chardev_open_socket_server: qio_net_listener_open_sync(...,
 * 1, ...) → util/qemu-sockets.c listen(fd, num)): 2 waiting clients. A larger backlog
 * than QEMU's only spares a client an EAGAIN QEMU would give it, so it stays 8 (issue 13
 * item 10 asked for QEMU's value believing it larger).
 */
#define CHR_LISTEN_BACKLOG 8
#define CHR_PTY_POLL_MS 1000      /* QEMU 7.2 char-pty.c checks for a reader each second */

struct XptChardev {
    XptChardevSpec spec;
    char *what;
    XptChardevHandlers h;
    void *opaque;

    int listen_fd;
    GIOChannel *listen_ch;
    guint listen_watch;
    char *bound_path;            /* socket file we created; unlinked at free */

    bool connected;
    bool is_socket;
    bool owns_fds;               /* false for stdio and pty: never closed on disconnect */
    int in_fd, out_fd;           /* in_fd -1: no input (file, null) */
    GIOChannel *in_ch, *out_ch;
    guint in_watch, out_watch;
    guint resume_idle;           /* xpt_chardev_accept_input() pending */
    GString *inbuf;              /* received, not yet consumed */
    GString *outbuf;
    gsize out_pos;

    guint close_idle;            /* pending closed() callback */
    int pty_fd;                  /* pty master, -1 otherwise; kept while disconnected */
    char *pty_path;              /* its slave, /dev/pts/N */
    guint pty_timer;             /* looking for a reader once a second */
    bool is_null;
    XptRateLimit trace_rl;       /* -d qmp connection traces (a client can cause them) */
    XptRateLimit warn_rl;        /* warnings a client can cause */
};

/* ---- connection ---------------------------------------------------------------------- */

static void chr_in_watch_add(XptChardev *c);
static void chr_listen_watch_add(XptChardev *c);

static gsize chr_pending(const XptChardev *c)
{
    return c->outbuf->len - c->out_pos;
}

bool xpt_chardev_connected(const XptChardev *c)
{
    return c->connected;
}

bool xpt_chardev_congested(const XptChardev *c)
{
    return c->connected && chr_pending(c) > XPT_CHARDEV_HIGH_WATER;
}

size_t xpt_chardev_pending(const XptChardev *c)
{
    return chr_pending(c);
}

const char *xpt_chardev_pty_path(const XptChardev *c)
{
    return c->pty_path;
}

/* Read while connected, nothing waits for the consumer and the output is not congested. */
static bool chr_want_input(const XptChardev *c)
{
    return c->connected && c->in_ch && !c->inbuf->len && !xpt_chardev_congested(c);
}

static void chr_in_watch_update(XptChardev *c)
{
    bool want = chr_want_input(c);
    if (want && !c->in_watch) {
        chr_in_watch_add(c);
    } else if (!want && c->in_watch) {
        g_source_remove(c->in_watch);
        c->in_watch = 0;
    }
}

/*
 * The unix socket path at one end of the connected socket @fd (@peer: the other end):
 * "" when that end has no name (socketpair), NULL when @fd is not a unix socket.
 */
static char *chr_sun_path(int fd, bool peer)
{
    struct sockaddr_un sa = { 0 };
    socklen_t len = sizeof(sa);
    int rc = peer ? getpeername(fd, (struct sockaddr *)&sa, &len)
                  : getsockname(fd, (struct sockaddr *)&sa, &len);
    if (rc < 0 || sa.sun_family != AF_UNIX) {
        return NULL;
    }
    if (len <= offsetof(struct sockaddr_un, sun_path) || !sa.sun_path[0]) {
        return g_strdup("");    /* unnamed (socketpair) or abstract */
    }
    return g_strndup(sa.sun_path, len - offsetof(struct sockaddr_un, sun_path));
}

char *xpt_chardev_filename(const XptChardev *c)
{
    const char *server = c->spec.server ? ",server=on" : "";
    switch (c->spec.backend) {
    case XPT_CHARDEV_STDIO:
        return g_strdup("stdio");
    case XPT_CHARDEV_PTY:
        return g_strdup_printf("pty:%s", c->pty_path);
    case XPT_CHARDEV_FILE:
        return g_strdup("file");
    case XPT_CHARDEV_NULL:
        return g_strdup("null");
    default:
        break;
    }
    if (c->connected && c->is_socket) {
        /* QEMU: the listening end's own path, or the path a client connected to. */
        g_autofree char *path = chr_sun_path(c->in_fd, !c->spec.server);
        if (path) {
            return g_strdup_printf("unix:%s%s", path, server);
        }
        if (c->spec.backend == XPT_CHARDEV_UNIX) {
            return g_strdup_printf("unix:%s%s", c->spec.path, server);
        }
        return g_strdup("unknown");
    }
    if (c->spec.backend == XPT_CHARDEV_UNIX) {
        return g_strdup_printf("disconnected:unix:%s%s", c->spec.path, server);
    }
    return g_strdup_printf("disconnected:fd:%d%s", c->spec.fd, server);
}

static void chr_pty_timer_start(XptChardev *c);

static gboolean chr_run_closed(gpointer opaque)
{
    XptChardev *c = opaque;
    c->close_idle = 0;
    if (c->h.closed) {
        c->h.closed(c, c->opaque);
    }
    if (c->listen_fd >= 0 && !c->connected) {
        chr_listen_watch_add(c);    /* next client */
    }
    if (c->pty_fd >= 0 && !c->connected) {
        chr_pty_timer_start(c);     /* next reader */
    }
    return G_SOURCE_REMOVE;
}

static void chr_disconnect(XptChardev *c)
{
    if (!c->connected) {
        return;
    }
    c->connected = false;
    if (c->in_watch) {
        g_source_remove(c->in_watch);
        c->in_watch = 0;
    }
    if (c->out_watch) {
        g_source_remove(c->out_watch);
        c->out_watch = 0;
    }
    g_clear_pointer(&c->in_ch, g_io_channel_unref);
    g_clear_pointer(&c->out_ch, g_io_channel_unref);
    if (c->resume_idle) {
        g_source_remove(c->resume_idle);
        c->resume_idle = 0;
    }
    if (c->owns_fds) {
        if (c->in_fd >= 0) {
            close(c->in_fd);
        }
        if (c->out_fd >= 0 && c->out_fd != c->in_fd) {
            close(c->out_fd);
        }
    }
    c->in_fd = c->out_fd = -1;
    g_string_truncate(c->inbuf, 0);
    g_string_truncate(c->outbuf, 0);
    c->out_pos = 0;
    if (!c->close_idle) {
        c->close_idle = g_idle_add(chr_run_closed, c);
    }
}

static gboolean chr_out_ready(GIOChannel *ch, GIOCondition cond, gpointer opaque);

/* Send what the peer takes now; the rest waits for G_IO_OUT. May disconnect. */
static void chr_flush(XptChardev *c)
{
    while (c->connected && chr_pending(c)) {
        const char *p = c->outbuf->str + c->out_pos;
        ssize_t n = c->is_socket ? send(c->out_fd, p, chr_pending(c), MSG_NOSIGNAL)
                                 : write(c->out_fd, p, chr_pending(c));
        if (n > 0) {
            c->out_pos += n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!c->out_watch) {
                c->out_watch = g_io_add_watch(c->out_ch, G_IO_OUT | G_IO_ERR | G_IO_HUP,
                                              chr_out_ready, c);
            }
            return;
        } else {
            xpt_log_ratelimited(&c->trace_rl, XPT_LOG_QMP, "%s: peer gone while sending (%s)",
                                c->what, n < 0 ? g_strerror(errno) : "no progress");
            chr_disconnect(c);
            return;
        }
    }
    if (c->connected) {
        g_string_truncate(c->outbuf, 0);
        c->out_pos = 0;
    }
}

static bool chr_pty_check(XptChardev *c);

bool xpt_chardev_write(XptChardev *c, const char *buf, size_t len)
{
    if (!c->connected && c->pty_fd >= 0 && !c->close_idle) {
        chr_pty_check(c);           /* a reader may have come since the last check */
    }
    if (!c->connected) {
        return false;
    }
    if (c->is_null) {
        return true;
    }
    if (chr_pending(c) + len > XPT_CHARDEV_MAX_PENDING) {
        xpt_warn_ratelimited(&c->warn_rl, "%s: the client does not read its replies (%zu "
                             "bytes pending); disconnecting it", c->what,
                             (size_t)chr_pending(c));
        chr_disconnect(c);
        return false;
    }
    if (c->out_pos && c->out_pos == c->outbuf->len) {
        g_string_truncate(c->outbuf, 0);
        c->out_pos = 0;
    }
    g_string_append_len(c->outbuf, buf, len);
    chr_flush(c);
    return c->connected;
}

/*
 * Hand buffered input to the owner while it consumes and the output is not congested.
 * What it leaves stays in inbuf, and reading stops until it is taken (chr_want_input).
 */
static void chr_offer_input(XptChardev *c)
{
    while (c->connected && c->inbuf->len && !xpt_chardev_congested(c)) {
        size_t used = c->h.input ? c->h.input(c, c->inbuf->str, c->inbuf->len, c->opaque)
                                 : c->inbuf->len;
        if (!c->connected) {
            return;
        }
        used = MIN(used, (size_t)c->inbuf->len);
        g_string_erase(c->inbuf, 0, used);
        if (used == 0) {
            break;
        }
    }
}

static gboolean chr_resume_input(gpointer opaque)
{
    XptChardev *c = opaque;
    c->resume_idle = 0;
    chr_offer_input(c);
    chr_in_watch_update(c);
    return G_SOURCE_REMOVE;
}

void xpt_chardev_accept_input(XptChardev *c)
{
    if (c->connected && c->in_ch && !c->in_watch && !c->resume_idle) {
        c->resume_idle = g_idle_add(chr_resume_input, c);
    }
}

static gboolean chr_in_ready(GIOChannel *ch G_GNUC_UNUSED, GIOCondition cond G_GNUC_UNUSED,
                             gpointer opaque)
{
    XptChardev *c = opaque;
    char buf[XPT_CHARDEV_READ_CHUNK];
    ssize_t n;

    do {
        n = read(c->in_fd, buf, sizeof(buf));
    } while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        return G_SOURCE_CONTINUE;
    }
    if (n <= 0) {
        c->in_watch = 0;
        chr_disconnect(c);
        return G_SOURCE_REMOVE;
    }
    g_string_append_len(c->inbuf, buf, n);
    chr_offer_input(c);
    if (!chr_want_input(c)) {
        c->in_watch = 0;        /* removed with G_SOURCE_REMOVE, or by chr_disconnect */
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

static gboolean chr_out_ready(GIOChannel *ch G_GNUC_UNUSED, GIOCondition cond G_GNUC_UNUSED,
                              gpointer opaque)
{
    XptChardev *c = opaque;

    c->out_watch = 0;
    chr_flush(c);
    if (c->connected && !c->in_watch && !xpt_chardev_congested(c)) {
        chr_offer_input(c);
        chr_in_watch_update(c);
    }
    return G_SOURCE_REMOVE;
}

static void chr_in_watch_add(XptChardev *c)
{
    c->in_watch = g_io_add_watch(c->in_ch, G_IO_IN | G_IO_HUP | G_IO_ERR, chr_in_ready, c);
}

static GIOChannel *chr_channel(int fd)
{
    GIOChannel *ch = g_io_channel_unix_new(fd);
    g_io_channel_set_encoding(ch, NULL, NULL);
    g_io_channel_set_buffered(ch, FALSE);
    return ch;
}

static void chr_connect_fds(XptChardev *c, int in_fd, int out_fd, bool is_socket,
                            bool owns_fds)
{
    c->in_fd = in_fd;
    c->out_fd = out_fd;
    c->is_socket = is_socket;
    c->owns_fds = owns_fds;
    c->in_ch = in_fd >= 0 ? chr_channel(in_fd) : NULL;
    c->out_ch = out_fd < 0 ? NULL
                : out_fd == in_fd ? g_io_channel_ref(c->in_ch) : chr_channel(out_fd);
    c->connected = true;
    chr_in_watch_update(c);
    xpt_log_ratelimited(&c->trace_rl, XPT_LOG_QMP, "%s: client connected", c->what);
    if (c->h.opened) {
        c->h.opened(c, c->opaque);
    }
}

static gboolean chr_accept_ready(GIOChannel *ch G_GNUC_UNUSED, GIOCondition cond G_GNUC_UNUSED,
                                 gpointer opaque)
{
    XptChardev *c = opaque;
    if (c->connected || c->close_idle) {
        /* Still busy with the previous client: the new one waits in the backlog. */
        c->listen_watch = 0;
        return G_SOURCE_REMOVE;
    }
    int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
            errno != ECONNABORTED) {
            static XptRateLimit rl = XPT_RATELIMIT_INIT(5, 60000);
            xpt_warn_ratelimited(&rl, "%s: accept failed: %s", c->what, g_strerror(errno));
        }
        return G_SOURCE_CONTINUE;
    }
    c->listen_watch = 0;    /* one client at a time, as QEMU's socket chardev */
    chr_connect_fds(c, fd, fd, true, true);
    return G_SOURCE_REMOVE;
}

static void chr_listen_watch_add(XptChardev *c)
{
    if (!c->listen_watch) {
        c->listen_watch = g_io_add_watch(c->listen_ch, G_IO_IN, chr_accept_ready, c);
    }
}

/* ---- opening ------------------------------------------------------------------------- */

static int chr_unix_socket(XptChardev *c, GError **errp)
{
    const char *path = c->spec.path;
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0) {
        xpt_error_set_errno(errp, errno, "%s: cannot create a socket", c->what);
        return -1;
    }
    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    if (c->spec.server) {
        struct stat st;
        if (lstat(path, &st) == 0) {
            if (!S_ISSOCK(st.st_mode)) {
                g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                            "%s: cannot listen on unix:%s: a file that is not a socket "
                            "is in the way", c->what, path);
                close(fd);
                return -1;
            }
            unlink(path);   /* stale socket of an earlier run, as QEMU does */
        }
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
            listen(fd, CHR_LISTEN_BACKLOG) < 0) {
            xpt_error_set_errno(errp, errno, "%s: cannot listen on unix:%s", c->what, path);
            close(fd);
            return -1;
        }
        c->bound_path = g_strdup(path);
    } else {
        int rc;
        do {
            rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
        } while (rc < 0 && errno == EINTR);
        if (rc < 0) {
            xpt_error_set_errno(errp, errno, "%s: cannot connect to unix:%s", c->what, path);
            close(fd);
            return -1;
        }
    }
    g_unix_set_fd_nonblocking(fd, TRUE, NULL);
    return fd;
}

/* An inherited fd= must be a stream socket, listening exactly when server=on. */
static bool chr_check_fd(XptChardev *c, GError **errp)
{
    int fd = c->spec.fd;
    struct stat st;
    int type = 0, acceptconn = 0;
    socklen_t len = sizeof(type), len2 = sizeof(acceptconn);

    if (fstat(fd, &st) < 0) {
        xpt_error_set_errno(errp, errno, "%s: fd=%d", c->what, fd);
        return false;
    }
    if (!S_ISSOCK(st.st_mode) || getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
        type != SOCK_STREAM ||
        getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acceptconn, &len2) < 0) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID, "%s: fd=%d is not a stream socket",
                    c->what, fd);
        return false;
    }
    if (c->spec.server && !acceptconn) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "%s: fd=%d is not a listening socket (server=on)", c->what, fd);
        return false;
    }
    if (!c->spec.server && acceptconn) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "%s: fd=%d is a listening socket; add server=on", c->what, fd);
        return false;
    }
    int flags = fcntl(fd, F_GETFD);
    if (flags >= 0) {
        fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
    }
    g_unix_set_fd_nonblocking(fd, TRUE, NULL);
    return true;
}

/* ---- pty ---------------------------------------------------------------------------- */

/* Whether someone holds the slave open: no POLLHUP on the master (see util/chardev.h). */
static bool chr_pty_check(XptChardev *c)
{
    struct pollfd pfd = { .fd = c->pty_fd, .events = POLLIN | POLLOUT };
    int rc;
    do {
        rc = poll(&pfd, 1, 0);
    } while (rc < 0 && errno == EINTR);
    if (rc < 0 || (pfd.revents & (POLLHUP | POLLERR | POLLNVAL))) {
        return false;
    }
    if (c->pty_timer) {
        g_source_remove(c->pty_timer);
        c->pty_timer = 0;
    }
    chr_connect_fds(c, c->pty_fd, c->pty_fd, false, false);
    return true;
}

static gboolean chr_pty_tick(gpointer opaque)
{
    XptChardev *c = opaque;
    if (c->connected || c->close_idle) {
        c->pty_timer = 0;
        return G_SOURCE_REMOVE;
    }
    if (chr_pty_check(c)) {
        return G_SOURCE_REMOVE;     /* chr_pty_check cleared pty_timer */
    }
    return G_SOURCE_CONTINUE;
}

static void chr_pty_timer_start(XptChardev *c)
{
    if (!c->pty_timer) {
        c->pty_timer = g_timeout_add(CHR_PTY_POLL_MS, chr_pty_tick, c);
    }
}

/*
 * A new pty, as QEMU 7.2 does it (util/qemu-openpty.c qemu_openpty_raw,
 * chardev/char-pty.c char_pty_open): the slave is put in raw mode so that the line
 * discipline neither echoes nor translates, then closed again.
 */
static bool chr_pty_open(XptChardev *c, GError **errp)
{
    int fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    char name[64];
    if (fd < 0 || grantpt(fd) < 0 || unlockpt(fd) < 0 ||
        ptsname_r(fd, name, sizeof(name)) != 0) {
        xpt_error_set_errno(errp, errno, "%s: cannot create a pty", c->what);
        if (fd >= 0) {
            close(fd);
        }
        return false;
    }
    int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    struct termios tio;
    if (slave < 0 || tcgetattr(slave, &tio) < 0 ||
        (cfmakeraw(&tio), tcsetattr(slave, TCSANOW, &tio) < 0)) {
        xpt_error_set_errno(errp, errno, "%s: cannot set %s to raw mode", c->what, name);
        if (slave >= 0) {
            close(slave);
        }
        close(fd);
        return false;
    }
    close(slave);
    g_unix_set_fd_nonblocking(fd, TRUE, NULL);
    c->pty_fd = fd;
    c->pty_path = g_strdup(name);
    chr_pty_timer_start(c);
    return true;
}

XptChardev *xpt_chardev_open(const XptChardevSpec *spec, const char *what,
                             const XptChardevHandlers *handlers, void *opaque,
                             GError **errp)
{
    XptChardev *c = g_new0(XptChardev, 1);
    c->spec = *spec;
    c->spec.id = g_strdup(spec->id);
    c->spec.path = g_strdup(spec->path);
    c->what = g_strdup(what);
    c->h = *handlers;
    c->opaque = opaque;
    c->listen_fd = c->in_fd = c->out_fd = c->pty_fd = -1;
    c->inbuf = g_string_new(NULL);
    c->outbuf = g_string_new(NULL);
    c->trace_rl = (XptRateLimit)XPT_RATELIMIT_INIT(10, 1000);
    c->warn_rl = (XptRateLimit)XPT_RATELIMIT_INIT(1, 60000);

    int fd = -1;
    switch (spec->backend) {
    case XPT_CHARDEV_STDIO:
        chr_connect_fds(c, STDIN_FILENO, STDOUT_FILENO, false, false);
        return c;
    case XPT_CHARDEV_NULL:
        c->is_null = true;
        chr_connect_fds(c, -1, -1, false, false);
        return c;
    case XPT_CHARDEV_PTY:
        if (!chr_pty_open(c, errp)) {
            xpt_chardev_free(c);
            return NULL;
        }
        return c;
    case XPT_CHARDEV_FILE:
        fd = open(spec->path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NONBLOCK | O_NOCTTY |
                              (spec->append ? O_APPEND : O_TRUNC), 0666);
        if (fd < 0) {
            xpt_error_set_errno(errp, errno, "%s: cannot open file:%s", c->what, spec->path);
            xpt_chardev_free(c);
            return NULL;
        }
        chr_connect_fds(c, -1, fd, false, true);
        return c;
    case XPT_CHARDEV_UNIX:
        fd = chr_unix_socket(c, errp);
        if (fd < 0) {
            xpt_chardev_free(c);
            return NULL;
        }
        break;
    case XPT_CHARDEV_FD:
        if (!chr_check_fd(c, errp)) {
            c->spec.fd = -1;    /* not ours to close */
            xpt_chardev_free(c);
            return NULL;
        }
        fd = spec->fd;
        break;
    }
    if (spec->server) {
        c->listen_fd = fd;
        c->listen_ch = chr_channel(fd);
        chr_listen_watch_add(c);
    } else {
        chr_connect_fds(c, fd, fd, true, true);
    }
    return c;
}

void xpt_chardev_flush_sync(XptChardev *c, unsigned timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    while (c->connected && chr_pending(c)) {
        gint64 left_ms = (deadline - g_get_monotonic_time()) / 1000;
        if (left_ms <= 0) {
            return;
        }
        struct pollfd pfd = { .fd = c->out_fd, .events = POLLOUT };
        int rc = poll(&pfd, 1, (int)left_ms);
        if (rc < 0 && errno != EINTR) {
            return;
        }
        if (rc > 0) {
            chr_flush(c);
        }
    }
}

void xpt_chardev_free(XptChardev *c)
{
    if (!c) {
        return;
    }
    c->h.closed = NULL;
    chr_disconnect(c);
    if (c->close_idle) {
        g_source_remove(c->close_idle);
        c->close_idle = 0;
    }
    if (c->pty_timer) {
        g_source_remove(c->pty_timer);
    }
    if (c->pty_fd >= 0) {
        close(c->pty_fd);
    }
    g_free(c->pty_path);
    if (c->listen_watch) {
        g_source_remove(c->listen_watch);
    }
    g_clear_pointer(&c->listen_ch, g_io_channel_unref);
    if (c->listen_fd >= 0) {
        close(c->listen_fd);
    }
    if (c->bound_path) {
        unlink(c->bound_path);
        g_free(c->bound_path);
    }
    g_string_free(c->inbuf, TRUE);
    g_string_free(c->outbuf, TRUE);
    xpt_chardev_spec_clear(&c->spec);
    g_free(c->what);
    g_free(c);
}
