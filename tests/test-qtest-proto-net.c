/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtest protocol server (qtest/qtest.c), the transports: unix connect and listen, the
 * -qtest-log file, flow control, a reply to a client that closed, the close hook and
 * bad specs, with a real socket and the fake backend of tests/qtest-fake-backend.h.
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

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qtest-proto/transport/connect", test_net_connect);
    g_test_add_func("/qtest-proto/transport/listen", test_net_listen);
    g_test_add_func("/qtest-proto/transport/reply-to-closed-client",
                    test_net_reply_to_closed_client);
    g_test_add_func("/qtest-proto/transport/flow-control", test_net_flow_control);
    g_test_add_func("/qtest-proto/transport/errors", test_net_errors);
    return g_test_run();
}
