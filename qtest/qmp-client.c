/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP side of the test client (qtest/client.h "QMP client"): the binary's monitor as
 * libqtest sees it (reference/qtest-qmp.md §qmp, §libqtest). Tests and tools only.
 */
#include "qtest/client.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define QMP_ACCEPT_TIMEOUT_MS 10000
#define QMP_REPLY_TIMEOUT_MS 60000

struct XptQmp {
    int rfd, wfd;            /* the same socket, or a pipe pair */
    int listen_fd;
    char *tmpdir;
    char *sock_path;
    char *args;
    GString *rbuf;
    GQueue *events;          /* JsonNode* */
};

static XptQmp *qmp_alloc(void)
{
    XptQmp *qmp = g_new0(XptQmp, 1);
    qmp->rfd = qmp->wfd = qmp->listen_fd = -1;
    qmp->rbuf = g_string_new(NULL);
    qmp->events = g_queue_new();
    return qmp;
}

XptQmp *xpt_qmp_listen(void)
{
    static unsigned count;
    XptQmp *qmp = qmp_alloc();

    qmp->tmpdir = xpt_qts_tmpdir();
    qmp->sock_path = g_build_filename(qmp->tmpdir, "qmp.sock", NULL);
    qmp->listen_fd = xpt_qts_unix_listen(qmp->sock_path);
    qmp->args = g_strdup_printf("-chardev socket,path=%s,id=qmp%u -mon chardev=qmp%u,"
                                "mode=control", qmp->sock_path, count, count);
    count++;
    return qmp;
}

const char *xpt_qmp_args(XptQmp *qmp)
{
    return qmp->args;
}

const char *xpt_qmp_path(XptQmp *qmp)
{
    return qmp->sock_path;
}

/* Read until a "\r\n" line is complete, EOF (NULL) or the deadline (test failure). */
static char *qmp_read_line(XptQmp *qmp, gint64 deadline)
{
    for (;;) {
        char *end = g_strstr_len(qmp->rbuf->str, qmp->rbuf->len, "\r\n");
        if (end) {
            gsize len = end - qmp->rbuf->str;
            char *line = g_strndup(qmp->rbuf->str, len);
            g_string_erase(qmp->rbuf, 0, len + 2);
            return line;
        }
        gint64 left_ms = (deadline - g_get_monotonic_time()) / 1000;
        if (left_ms <= 0) {
            g_error("QMP client: no complete line within %d s (have %zu bytes: '%.200s')",
                    QMP_REPLY_TIMEOUT_MS / 1000, (size_t)qmp->rbuf->len, qmp->rbuf->str);
        }
        struct pollfd pfd = { .fd = qmp->rfd, .events = POLLIN };
        int rc = poll(&pfd, 1, (int)MIN(left_ms, 1000));
        if (rc < 0 && errno != EINTR) {
            g_error("QMP client: poll: %s", g_strerror(errno));
        }
        if (rc <= 0) {
            continue;
        }
        char buf[65536];
        ssize_t n = read(qmp->rfd, buf, sizeof(buf));
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
            continue;
        }
        if (n <= 0) {
            return NULL;    /* EOF (or reset) */
        }
        g_string_append_len(qmp->rbuf, buf, n);
    }
}

char *xpt_qmp_receive_line(XptQmp *qmp)
{
    return qmp_read_line(qmp, g_get_monotonic_time() + (gint64)QMP_REPLY_TIMEOUT_MS * 1000);
}

static JsonNode *qmp_parse(const char *line)
{
    g_autoptr(GError) err = NULL;
    JsonNode *node = json_from_string(line, &err);
    if (!node) {
        g_error("QMP client: not JSON: '%.200s': %s", line, err ? err->message : "empty");
    }
    return node;
}

JsonNode *xpt_qmp_receive(XptQmp *qmp)
{
    g_autofree char *line = xpt_qmp_receive_line(qmp);
    return line ? qmp_parse(line) : NULL;
}

static bool qmp_is_event(JsonNode *msg)
{
    return JSON_NODE_HOLDS_OBJECT(msg) &&
           json_object_has_member(json_node_get_object(msg), "event");
}

static JsonNode *qmp_greeting(XptQmp *qmp)
{
    JsonNode *g = xpt_qmp_receive(qmp);
    if (!g || !JSON_NODE_HOLDS_OBJECT(g) ||
        !json_object_has_member(json_node_get_object(g), "QMP")) {
        g_error("QMP client: no greeting");
    }
    return g;
}

JsonNode *xpt_qmp_accept(XptQmp *qmp)
{
    struct pollfd pfd = { .fd = qmp->listen_fd, .events = POLLIN };
    int rc;

    do {
        rc = poll(&pfd, 1, QMP_ACCEPT_TIMEOUT_MS);
    } while (rc < 0 && errno == EINTR);
    if (rc <= 0) {
        g_error("QMP client: the binary did not connect to %s", qmp->sock_path);
    }
    qmp->rfd = qmp->wfd = accept4(qmp->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (qmp->rfd < 0) {
        g_error("QMP client: accept: %s", g_strerror(errno));
    }
    return qmp_greeting(qmp);
}

XptQmp *xpt_qmp_connect(const char *path, JsonNode **greeting)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    gint64 deadline = g_get_monotonic_time() + (gint64)QMP_ACCEPT_TIMEOUT_MS * 1000;
    XptQmp *qmp = qmp_alloc();

    g_assert(strlen(path) < sizeof(sa.sun_path));
    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    for (;;) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
            qmp->rfd = qmp->wfd = fd;
            break;
        }
        int e = errno;
        if (fd >= 0) {
            close(fd);
        }
        if (g_get_monotonic_time() >= deadline) {
            g_error("QMP client: cannot connect to %s: %s", path, g_strerror(e));
        }
        g_usleep(10000);
    }
    g_autoptr(JsonNode) g = qmp_greeting(qmp);
    if (greeting) {
        *greeting = g_steal_pointer(&g);
    }
    return qmp;
}

XptQmp *xpt_qmp_from_fds(int read_fd, int write_fd, JsonNode **greeting)
{
    XptQmp *qmp = qmp_alloc();
    qmp->rfd = read_fd;
    qmp->wfd = write_fd;
    g_autoptr(JsonNode) g = qmp_greeting(qmp);
    if (greeting) {
        *greeting = g_steal_pointer(&g);
    }
    return qmp;
}

void xpt_qmp_send_raw(XptQmp *qmp, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t n = qmp->rfd == qmp->wfd ? send(qmp->wfd, p, len, MSG_NOSIGNAL)
                                         : write(qmp->wfd, p, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            g_error("QMP client: cannot send: %s", g_strerror(errno));
        }
        p += n;
        len -= n;
    }
}

JsonNode *xpt_qmp_command(XptQmp *qmp, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *text = g_strdup_vprintf(fmt, ap);
    va_end(ap);

    xpt_qmp_send_raw(qmp, text, strlen(text));
    for (;;) {
        JsonNode *msg = xpt_qmp_receive(qmp);
        if (!msg) {
            g_error("QMP client: connection closed while waiting for the reply to %.200s",
                    text);
        }
        if (!qmp_is_event(msg)) {
            return msg;
        }
        g_queue_push_tail(qmp->events, msg);
    }
}

void xpt_qmp_negotiate(XptQmp *qmp)
{
    g_autoptr(JsonNode) r = xpt_qmp_command(qmp, "{\"execute\": \"qmp_capabilities\"}");
    JsonNode *ret = xpt_qmp_reply_return(r);
    g_assert_nonnull(ret);
    g_assert_true(JSON_NODE_HOLDS_OBJECT(ret));
    g_assert_cmpuint(json_object_get_size(json_node_get_object(ret)), ==, 0);
}

JsonNode *xpt_qmp_event_pop(XptQmp *qmp)
{
    if (g_queue_is_empty(qmp->events)) {
        struct pollfd pfd = { .fd = qmp->rfd, .events = POLLIN };
        while (poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN)) {
            char buf[65536];
            ssize_t n = read(qmp->rfd, buf, sizeof(buf));
            if (n <= 0) {
                break;
            }
            g_string_append_len(qmp->rbuf, buf, n);
        }
        char *end;
        while ((end = g_strstr_len(qmp->rbuf->str, qmp->rbuf->len, "\r\n"))) {
            g_autofree char *line = g_strndup(qmp->rbuf->str, end - qmp->rbuf->str);
            g_string_erase(qmp->rbuf, 0, end - qmp->rbuf->str + 2);
            JsonNode *msg = qmp_parse(line);
            if (!qmp_is_event(msg)) {
                g_error("QMP client: unexpected reply '%.200s' while looking for events",
                        line);
            }
            g_queue_push_tail(qmp->events, msg);
        }
    }
    return g_queue_pop_head(qmp->events);
}

static const char *qmp_event_name(JsonNode *ev)
{
    return json_object_get_string_member(json_node_get_object(ev), "event");
}

JsonNode *xpt_qmp_event_wait(XptQmp *qmp, const char *name)
{
    for (GList *l = qmp->events->head; l; l = l->next) {
        if (!g_strcmp0(qmp_event_name(l->data), name)) {
            JsonNode *ev = l->data;
            g_queue_delete_link(qmp->events, l);
            return ev;
        }
    }
    gint64 deadline = g_get_monotonic_time() + (gint64)QMP_REPLY_TIMEOUT_MS * 1000;
    for (;;) {
        g_autofree char *line = qmp_read_line(qmp, deadline);
        if (!line) {
            g_error("QMP client: connection closed while waiting for event %s", name);
        }
        JsonNode *msg = qmp_parse(line);
        if (!qmp_is_event(msg)) {
            g_error("QMP client: unexpected reply '%.200s' while waiting for event %s",
                    line, name);
        }
        if (!g_strcmp0(qmp_event_name(msg), name)) {
            return msg;
        }
        g_queue_push_tail(qmp->events, msg);
    }
}

bool xpt_qmp_wait_eof(XptQmp *qmp, int timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    for (;;) {
        gint64 left_ms = (deadline - g_get_monotonic_time()) / 1000;
        if (left_ms <= 0) {
            return false;
        }
        struct pollfd pfd = { .fd = qmp->rfd, .events = POLLIN };
        int rc = poll(&pfd, 1, (int)left_ms);
        if (rc < 0 && errno != EINTR) {
            return false;
        }
        if (rc > 0) {
            char buf[65536];
            ssize_t n = read(qmp->rfd, buf, sizeof(buf));
            if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
                return true;
            }
        }
    }
}

void xpt_qmp_free(XptQmp *qmp)
{
    if (!qmp) {
        return;
    }
    if (qmp->rfd >= 0) {
        close(qmp->rfd);
    }
    if (qmp->wfd >= 0 && qmp->wfd != qmp->rfd) {
        close(qmp->wfd);
    }
    if (qmp->listen_fd >= 0) {
        close(qmp->listen_fd);
    }
    if (qmp->sock_path) {
        unlink(qmp->sock_path);
    }
    if (qmp->tmpdir) {
        rmdir(qmp->tmpdir);
    }
    g_free(qmp->tmpdir);
    g_free(qmp->sock_path);
    g_free(qmp->args);
    g_string_free(qmp->rbuf, TRUE);
    g_queue_free_full(qmp->events, (GDestroyNotify)json_node_unref);
    g_free(qmp);
}

JsonNode *xpt_qmp_reply_return(JsonNode *reply)
{
    if (!reply || !JSON_NODE_HOLDS_OBJECT(reply)) {
        return NULL;
    }
    return json_object_get_member(json_node_get_object(reply), "return");
}

static JsonObject *qmp_reply_error(JsonNode *reply)
{
    if (!reply || !JSON_NODE_HOLDS_OBJECT(reply)) {
        return NULL;
    }
    JsonNode *e = json_object_get_member(json_node_get_object(reply), "error");
    return e && JSON_NODE_HOLDS_OBJECT(e) ? json_node_get_object(e) : NULL;
}

const char *xpt_qmp_reply_class(JsonNode *reply)
{
    JsonObject *e = qmp_reply_error(reply);
    return e ? json_object_get_string_member(e, "class") : NULL;
}

const char *xpt_qmp_reply_desc(JsonNode *reply)
{
    JsonObject *e = qmp_reply_error(reply);
    return e ? json_object_get_string_member(e, "desc") : NULL;
}
