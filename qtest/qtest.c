/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtest protocol server, line handling and transports; see qtest/qtest.h (the commands
 * are in qtest/qtest-cmds.c).
 *
 * Replies and the -qtest-log format follow QEMU 7.2 system/qtest.c (transcripts in
 * tests/fixtures/qemu-7.2-reference/). Where QEMU aborts on bad input (g_assert on a
 * number that does not parse, a missing argument, an empty line) we answer
 * "FAIL <reason>" instead.
 */
#include "qtest/qtest-int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib-unix.h>

#include "util/error.h"
#include "util/log.h"

static void qt_in_watch_add(XptQtestServer *s);

/* ---- logging and tracing ---------------------------------------------------------- */

/*
 * The "[K +S.UUUUUU] " prefix of a -qtest-log line (QEMU prints "[%c +%.06f] " of
 * g_timer_elapsed()): whole microseconds since the client connected, written with
 * integer arithmetic, since formatting a double in printf costs more than the command
 * the line records (issue 15). Returns the length written into @buf (≥ 40 bytes).
 */
static size_t qt_log_stamp(char *buf, char kind, gint64 us)
{
    char sec[24];
    size_t n = 0, len = 0;
    uint64_t whole = us > 0 ? (uint64_t)us / 1000000 : 0;
    unsigned frac = us > 0 ? (unsigned)((uint64_t)us % 1000000) : 0;

    do {
        sec[n++] = (char)('0' + whole % 10);
        whole /= 10;
    } while (whole);
    buf[len++] = '[';
    buf[len++] = kind;
    buf[len++] = ' ';
    buf[len++] = '+';
    while (n) {
        buf[len++] = sec[--n];
    }
    buf[len++] = '.';
    for (int i = 5; i >= 0; i--) {
        buf[len + (size_t)i] = (char)('0' + frac % 10);
        frac /= 10;
    }
    len += 6;
    buf[len++] = ']';
    buf[len++] = ' ';
    return len;
}

void qt_log_line(XptQtestServer *s, char kind, const char *text)
{
    if (s->log && s->connected_us) {
        char stamp[48];
        size_t n = qt_log_stamp(stamp, kind, g_get_monotonic_time() - s->connected_us);
        fwrite(stamp, 1, n, s->log);
        fputs(text, s->log);
        fputc('\n', s->log);
        if (kind == 'S') {
            /* one write per command: its reply ends the pair of lines, and the log is
             * complete before the client can see the reply */
            fflush(s->log);
        }
    }
    if (xpt_log_enabled(XPT_LOG_QTEST)) {
        size_t len = strlen(text);
        xpt_log(XPT_LOG_QTEST, "%s %.*s%s", kind == 'R' ? ">" : "<",
                (int)MIN(len, (size_t)QT_TRACE_MAX), text, len > QT_TRACE_MAX ? "..." : "");
    }
}


char *xpt_qtest_handle_line(XptQtestServer *s, const char *line)
{
    size_t len = strlen(line);
    char *reply;

    if (len > XPT_QTEST_MAX_LINE) {
        g_autofree char *note = g_strdup_printf("<%zu bytes>", len);
        qt_log_line(s, 'R', note);
        reply = qt_fail("line too long");
    } else if (strchr(line, '\n')) {
        qt_log_line(s, 'R', "<line with a newline>");
        reply = qt_fail("line contains a newline");
    } else {
        g_autofree char *copy = g_strndup(line, len);
        if (len && copy[len - 1] == '\r') {
            copy[len - 1] = '\0';
        }
        qt_log_line(s, 'R', copy);
        reply = qt_dispatch(s, copy);
    }
    qt_log_line(s, 'S', reply);
    return reply;
}

/* ---- output --------------------------------------------------------------------------- */

static gboolean qt_out_ready(GIOChannel *ch G_GNUC_UNUSED, GIOCondition cond G_GNUC_UNUSED,
                              gpointer opaque);
static void qt_close_connection(XptQtestServer *s);

static gsize qt_out_pending(XptQtestServer *s)
{
    return s->outbuf->len - s->out_pos;
}

/* Write what we can; the rest waits for G_IO_OUT. May close the connection. */
static void qt_flush(XptQtestServer *s)
{
    while (s->connected && qt_out_pending(s)) {
        const char *p = s->outbuf->str + s->out_pos;
        ssize_t n = s->is_socket ? send(s->out_fd, p, qt_out_pending(s), MSG_NOSIGNAL)
                                 : write(s->out_fd, p, qt_out_pending(s));
        if (n > 0) {
            s->out_pos += n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!s->out_watch) {
                s->out_watch = g_io_add_watch(s->out_ch, G_IO_OUT | G_IO_ERR | G_IO_HUP,
                                              qt_out_ready, s);
            }
            return;
        } else {
            qt_close_connection(s);
            return;
        }
    }
    g_string_truncate(s->outbuf, 0);
    s->out_pos = 0;
}

static void qt_send_line(XptQtestServer *s, const char *line)
{
    if (s->mode != QT_DETACHED && !s->connected) {
        return;
    }
    g_string_append(s->outbuf, line);
    g_string_append_c(s->outbuf, '\n');
    if (s->mode != QT_DETACHED) {
        qt_flush(s);
    }
}

void xpt_qtest_irq(XptQtestServer *s, unsigned irq, bool level)
{
    gpointer key = GUINT_TO_POINTER(irq);
    bool old = GPOINTER_TO_UINT(g_hash_table_lookup(s->irq_levels, key)) != 0;

    if (!s->irq_intercept || old == level || (s->mode != QT_DETACHED && !s->connected)) {
        return;
    }
    g_hash_table_insert(s->irq_levels, key, GUINT_TO_POINTER(level));
    g_autofree char *msg = g_strdup_printf("IRQ %s %u", level ? "raise" : "lower", irq);
    qt_log_line(s, 'S', msg);
    qt_send_line(s, msg);
}

char *xpt_qtest_server_take_output(XptQtestServer *s)
{
    if (s->mode != QT_DETACHED || s->outbuf->len == 0) {
        return NULL;
    }
    char *out = g_strndup(s->outbuf->str, s->outbuf->len);
    g_string_truncate(s->outbuf, 0);
    return out;
}

int64_t xpt_qtest_server_clock_ns(XptQtestServer *s)
{
    return s->clock_ns;
}

/* ---- input ---------------------------------------------------------------------------- */

static void qt_reply_too_long(XptQtestServer *s, gsize len)
{
    g_autofree char *note = g_strdup_printf("<%zu bytes>", (size_t)len);
    g_autofree char *reply = qt_fail("line too long");

    qt_log_line(s, 'R', note);
    qt_log_line(s, 'S', reply);
    qt_send_line(s, reply);
}

/* Run every complete line in inbuf, unless the output is congested. */
static void qt_process_input(XptQtestServer *s)
{
    gsize start = 0;

    while (s->connected && qt_out_pending(s) < QT_OUT_HIGH_WATER) {
        char *line = s->inbuf->str + start;
        char *nl = memchr(line, '\n', s->inbuf->len - start);
        gsize len;
        if (!nl) {
            break;
        }
        *nl = '\0';
        len = nl - line;
        start += len + 1;
        if (s->discarding) { /* tail of a line already answered "too long" */
            s->discarding = false;
        } else if (len > XPT_QTEST_MAX_LINE) {
            qt_reply_too_long(s, len);
        } else if (memchr(line, '\0', len)) {
            g_autofree char *reply = qt_fail("line contains a NUL byte");
            qt_log_line(s, 'R', "<line with a NUL byte>");
            qt_log_line(s, 'S', reply);
            qt_send_line(s, reply);
        } else {
            g_autofree char *reply = xpt_qtest_handle_line(s, line);
            qt_send_line(s, reply);
        }
    }
    if (!s->connected) {
        return;    /* a reply could not be written: the connection closed, inbuf is empty */
    }
    g_string_erase(s->inbuf, 0, start);
    if (!s->discarding && s->inbuf->len > XPT_QTEST_MAX_LINE &&
        !memchr(s->inbuf->str, '\n', s->inbuf->len)) {
        qt_reply_too_long(s, s->inbuf->len);
        s->discarding = true;
    }
    if (s->discarding) {
        g_string_truncate(s->inbuf, 0);
    }
    if (s->connected && qt_out_pending(s) >= QT_OUT_HIGH_WATER) {
        /* Stop reading (and running buffered lines) until qt_out_ready drains it. */
        s->input_paused = true;
        if (s->in_watch) {
            g_source_remove(s->in_watch);
            s->in_watch = 0;
        }
    }
}

static gboolean qt_in_ready(GIOChannel *ch G_GNUC_UNUSED, GIOCondition cond G_GNUC_UNUSED,
                              gpointer opaque)
{
    XptQtestServer *s = opaque;
    char buf[QT_READ_CHUNK];
    ssize_t n;

    do {
        n = read(s->in_fd, buf, sizeof(buf));
    } while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        return G_SOURCE_CONTINUE;
    }
    if (n <= 0) {
        s->in_watch = 0;
        qt_close_connection(s);
        return G_SOURCE_REMOVE;
    }
    g_string_append_len(s->inbuf, buf, n);
    qt_process_input(s); /* may pause input or close: then the watch is already gone */
    return s->connected && !s->input_paused ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean qt_out_ready(GIOChannel *ch G_GNUC_UNUSED, GIOCondition cond G_GNUC_UNUSED,
                              gpointer opaque)
{
    XptQtestServer *s = opaque;

    s->out_watch = 0;
    qt_flush(s); /* re-adds the watch if it still cannot write everything */
    if (s->connected && s->input_paused && qt_out_pending(s) < QT_OUT_HIGH_WATER) {
        s->input_paused = false;
        qt_in_watch_add(s);
        qt_process_input(s);
    }
    return G_SOURCE_REMOVE;
}

static void qt_in_watch_add(XptQtestServer *s)
{
    s->in_watch = g_io_add_watch(s->in_ch, G_IO_IN | G_IO_HUP | G_IO_ERR, qt_in_ready, s);
}

/* ---- connection life cycle ------------------------------------------------------------ */

static GIOChannel *qt_channel(int fd)
{
    GIOChannel *ch = g_io_channel_unix_new(fd);
    g_io_channel_set_encoding(ch, NULL, NULL);
    g_io_channel_set_buffered(ch, FALSE);
    return ch;
}

static void qt_open_connection(XptQtestServer *s, int in_fd, int out_fd)
{
    s->in_fd = in_fd;
    s->out_fd = out_fd;
    s->in_ch = qt_channel(in_fd);
    s->out_ch = out_fd == in_fd ? g_io_channel_ref(s->in_ch) : qt_channel(out_fd);
    s->connected = true;
    g_hash_table_remove_all(s->irq_levels);
    s->connected_us = g_get_monotonic_time();
    if (s->log) {
        fputs("[I 0.000000] OPENED\n", s->log);
        fflush(s->log);
    }
    xpt_log(XPT_LOG_QTEST, "client connected");
    qt_in_watch_add(s);
}

static gboolean qt_run_close_hook(gpointer opaque)
{
    XptQtestServer *s = opaque;

    s->hook_idle = 0;
    s->close_hook(s->close_opaque); /* may free @s */
    return G_SOURCE_REMOVE;
}

static void qt_close_connection(XptQtestServer *s)
{
    if (!s->connected) {
        return;
    }
    s->connected = false;
    if (s->in_watch) {
        g_source_remove(s->in_watch);
        s->in_watch = 0;
    }
    if (s->out_watch) {
        g_source_remove(s->out_watch);
        s->out_watch = 0;
    }
    g_clear_pointer(&s->in_ch, g_io_channel_unref);
    g_clear_pointer(&s->out_ch, g_io_channel_unref);
    if (s->is_socket) {
        close(s->in_fd);
    }
    s->in_fd = s->out_fd = -1;
    g_string_truncate(s->inbuf, 0);
    g_string_truncate(s->outbuf, 0);
    s->out_pos = 0;
    if (s->log && s->connected_us) {
        char stamp[48];
        size_t n = qt_log_stamp(stamp, 'I', g_get_monotonic_time() - s->connected_us);
        fwrite(stamp, 1, n, s->log);
        fputs("CLOSED\n", s->log);
        fflush(s->log);
    }
    s->connected_us = 0;
    xpt_log(XPT_LOG_QTEST, "client disconnected");
    if (s->close_hook && !s->hook_idle) {
        /* From an idle source so that the hook may free the server. */
        s->hook_idle = g_idle_add(qt_run_close_hook, s);
    }
}

static void qt_stop_listening(XptQtestServer *s)
{
    if (s->listen_watch) {
        g_source_remove(s->listen_watch);
        s->listen_watch = 0;
    }
    g_clear_pointer(&s->listen_ch, g_io_channel_unref);
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
        s->listen_fd = -1;
    }
    if (s->listen_path) {
        unlink(s->listen_path);
        g_clear_pointer(&s->listen_path, g_free);
    }
}

static gboolean qt_accept_ready(GIOChannel *ch G_GNUC_UNUSED, GIOCondition cond G_GNUC_UNUSED,
                              gpointer opaque)
{
    XptQtestServer *s = opaque;
    int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

    if (fd < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
            errno != ECONNABORTED) {
            xpt_error_report("qtest: accept failed: %s", g_strerror(errno));
        }
        return G_SOURCE_CONTINUE;
    }
    s->listen_watch = 0;
    qt_stop_listening(s); /* one client only */
    qt_open_connection(s, fd, fd);
    return G_SOURCE_REMOVE;
}

/*
 * "stdio" or "unix:PATH[,server[=on|off]][,wait=on|off][,nowait]"; ",," in PATH is a
 * comma (QEMU's option syntax).
 */
static bool qt_parse_chardev(const char *spec, QtMode *mode, char **path, GError **errp)
{
    bool server = false;
    const char *p;

    if (strcmp(spec, "stdio") == 0) {
        *mode = QT_STDIO;
        return true;
    }
    if (!g_str_has_prefix(spec, "unix:")) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "qtest: unsupported chardev '%s' (use unix:PATH[,server=on] or stdio)",
                    spec);
        return false;
    }
    g_autoptr(GString) buf = g_string_new(NULL);
    for (p = spec + 5; *p && !(p[0] == ',' && p[1] != ','); p++) {
        g_string_append_c(buf, *p);
        p += (p[0] == ',');
    }
    while (*p == ',') {
        const char *end = strchr(p + 1, ',');
        g_autofree char *opt = end ? g_strndup(p + 1, end - p - 1) : g_strdup(p + 1);
        if (!strcmp(opt, "server") || !strcmp(opt, "server=on") || !strcmp(opt, "server=yes")) {
            server = true;
        } else if (!strcmp(opt, "server=off") || !strcmp(opt, "server=no")) {
            server = false;
        } else if (strcmp(opt, "wait=on") && strcmp(opt, "wait=off") && strcmp(opt, "nowait")) {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                        "qtest: unknown option '%s' in '%s'", opt, spec);
            return false;
        }
        p = end ? end : p + strlen(p);
    }
    if (buf->len == 0) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID, "qtest: no socket path in '%s'", spec);
        return false;
    }
    if (buf->len >= sizeof(((struct sockaddr_un *)NULL)->sun_path)) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "qtest: socket path too long in '%s'", spec);
        return false;
    }
    *mode = server ? QT_LISTEN : QT_CONNECT;
    *path = g_strdup(buf->str);
    return true;
}

static int qt_unix_socket(const char *path, bool listen_mode, GError **errp)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0) {
        xpt_error_set_errno(errp, errno, "qtest: cannot create socket");
        return -1;
    }
    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    if (listen_mode) {
        if (unlink(path) < 0 && errno != ENOENT) {
            xpt_error_set_errno(errp, errno, "qtest: cannot remove stale unix:%s", path);
        } else if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
            xpt_error_set_errno(errp, errno, "qtest: cannot listen on unix:%s", path);
        } else {
            g_unix_set_fd_nonblocking(fd, TRUE, NULL);
            return fd;
        }
    } else {
        int rc;
        do {
            rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
        } while (rc < 0 && errno == EINTR);
        if (rc == 0) {
            g_unix_set_fd_nonblocking(fd, TRUE, NULL);
            return fd;
        }
        xpt_error_set_errno(errp, errno, "qtest: cannot connect to unix:%s", path);
    }
    close(fd);
    return -1;
}

static XptQtestServer *qt_server_alloc(const XptQtestBackend *backend, void *opaque)
{
    XptQtestServer *s = g_new0(XptQtestServer, 1);

    if (backend) {
        s->be = *backend;
    }
    s->opaque = opaque;
    s->mode = QT_DETACHED;
    s->listen_fd = s->in_fd = s->out_fd = -1;
    s->inbuf = g_string_new(NULL);
    s->outbuf = g_string_new(NULL);
    s->irq_levels = g_hash_table_new(g_direct_hash, g_direct_equal);
    return s;
}

XptQtestServer *xpt_qtest_server_new_detached(const XptQtestBackend *backend, void *opaque)
{
    return qt_server_alloc(backend, opaque);
}

XptQtestServer *xpt_qtest_server_new(const char *chardev, const char *log_path,
                                     const XptQtestBackend *backend, void *opaque,
                                     GError **errp)
{
    QtMode mode;
    g_autofree char *path = NULL;
    XptQtestServer *s;
    int fd;

    if (!qt_parse_chardev(chardev, &mode, &path, errp)) {
        return NULL;
    }
    s = qt_server_alloc(backend, opaque);
    s->mode = mode;
    if (log_path && strcmp(log_path, "none") != 0) {
        s->log = fopen(log_path, "w+e");
        if (!s->log) {
            xpt_error_set_errno(errp, errno, "qtest: cannot open log file '%s'", log_path);
            xpt_qtest_server_free(s);
            return NULL;
        }
        /* fully buffered, flushed after each reply line (qt_log_line) */
        setvbuf(s->log, NULL, _IOFBF, 0);
    }
    if (mode == QT_STDIO) {
        qt_open_connection(s, STDIN_FILENO, STDOUT_FILENO);
        return s;
    }
    s->is_socket = true;
    fd = qt_unix_socket(path, mode == QT_LISTEN, errp);
    if (fd < 0) {
        xpt_qtest_server_free(s);
        return NULL;
    }
    if (mode == QT_CONNECT) {
        qt_open_connection(s, fd, fd);
    } else {
        s->listen_fd = fd;
        s->listen_path = g_steal_pointer(&path);
        s->listen_ch = qt_channel(fd);
        s->listen_watch = g_io_add_watch(s->listen_ch, G_IO_IN, qt_accept_ready, s);
    }
    return s;
}

void xpt_qtest_server_set_close_hook(XptQtestServer *s, void (*hook)(void *), void *opaque)
{
    s->close_hook = hook;
    s->close_opaque = opaque;
}

void xpt_qtest_server_free(XptQtestServer *s)
{
    if (!s) {
        return;
    }
    s->close_hook = NULL; /* freeing is not a disconnect the owner needs to hear about */
    qt_close_connection(s);
    if (s->hook_idle) {
        g_source_remove(s->hook_idle);
    }
    qt_stop_listening(s);
    if (s->log) {
        fclose(s->log);
    }

    g_string_free(s->inbuf, TRUE);
    g_string_free(s->outbuf, TRUE);
    g_hash_table_destroy(s->irq_levels);
    g_free(s);
}
