/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test-side qtest client; see qtest/client.h. Mirrors QEMU's tests/qtest/libqtest.c:
 * the test listens, the binary connects out, and any protocol failure aborts the test.
 */
#include "qtest/client.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qtest/qtest.h"

#define QTS_CONNECT_TIMEOUT_MS 10000
#define QTS_EXIT_TIMEOUT_MS 10000
#define QTS_REPLY_TIMEOUT_MS 60000
/* Bytes per "write" command: the hex form must fit in one qtest line. */
#define QTS_WRITE_CHUNK ((XPT_QTEST_MAX_LINE - 64) / 2)

extern char **environ;

struct XptQts {
    pid_t pid;
    bool exited;             /* reaped by xpt_qts_wait_exit(); exit_status is valid */
    int exit_status;
    int fd;
    GString *rbuf;
    GQueue *irqs;
    char *tmpdir;
    char *sock_path;
    char *log_path;
    char *err_path;
};

/* ---- process handling ------------------------------------------------------------- */

static const char *qts_binary(void)
{
    const char *bin = g_getenv("XPT_BINARY");
    return bin && *bin ? bin : "build/xen-pt-dm";
}

/* Append the words of @args (NULL or blank = none) to @argv; aborts on a syntax error. */
static void qts_argv_append(GPtrArray *argv, const char *args)
{
    g_auto(GStrv) words = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *trimmed = g_strstrip(g_strdup(args ? args : ""));

    if (!*trimmed) {
        return;
    }
    if (!g_shell_parse_argv(trimmed, NULL, &words, &err)) {
        g_error("qtest client: cannot parse arguments '%s': %s", args, err->message);
    }
    for (char **w = words; *w; w++) {
        g_ptr_array_add(argv, g_strdup(*w));
    }
}

char *xpt_qts_tmpdir(void)
{
    g_autoptr(GError) err = NULL;
    char *dir = g_dir_make_tmp("xpt-qts-XXXXXX", &err);

    if (!dir) {
        g_error("qtest client: cannot create a temporary directory: %s", err->message);
    }
    return dir;
}

/* Start argv[0] with stdin/stdout on /dev/null (or @in_fd/@out_fd when >= 0) and
 * stderr into @err_path. */
static pid_t qts_spawn_fds(GPtrArray *argv, const char *err_path, int in_fd, int out_fd)
{
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    int errfd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
    int rc;

    if (devnull < 0 || errfd < 0) {
        g_error("qtest client: cannot open /dev/null or %s: %s", err_path, g_strerror(errno));
    }
    g_ptr_array_add(argv, NULL);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in_fd >= 0 ? in_fd : devnull, STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&fa, out_fd >= 0 ? out_fd : devnull, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, errfd, STDERR_FILENO);
    rc = posix_spawnp(&pid, argv->pdata[0], &fa, NULL, (char **)argv->pdata, environ);
    posix_spawn_file_actions_destroy(&fa);
    g_ptr_array_remove_index(argv, argv->len - 1);
    close(devnull);
    close(errfd);
    if (rc != 0) {
        g_error("qtest client: cannot start %s: %s", (char *)argv->pdata[0], g_strerror(rc));
    }
    return pid;
}

static pid_t qts_spawn(GPtrArray *argv, const char *err_path)
{
    return qts_spawn_fds(argv, err_path, -1, -1);
}

/* Exit code of a wait status; a death by signal N gives 128 + N like the shell. */
static int qts_status_code(int status)
{
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 255;
}

/* Wait up to @timeout_ms for @pid; true (and *status) once it has exited. */
static bool qts_wait(pid_t pid, int timeout_ms, int *status)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid) {
            return true;
        }
        if (r < 0 && errno != EINTR) {
            g_error("qtest client: waitpid(%d): %s", (int)pid, g_strerror(errno));
        }
        if (g_get_monotonic_time() >= deadline) {
            return false;
        }
        g_usleep(5000);
    }
}

static void qts_kill(pid_t pid)
{
    int status;

    kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
}

static char *qts_read_file(const char *path)
{
    char *text = NULL;

    if (!path || !g_file_get_contents(path, &text, NULL, NULL)) {
        return g_strdup("");
    }
    return text;
}

static void qts_cleanup_files(XptQts *qts)
{
    const char *files[] = { qts->sock_path, qts->log_path, qts->err_path };

    for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
        if (files[i]) {
            unlink(files[i]);
        }
    }
    if (qts->tmpdir) {
        rmdir(qts->tmpdir);
    }
}

static void qts_free(XptQts *qts)
{
    if (qts->fd >= 0) {
        close(qts->fd);
    }
    qts_cleanup_files(qts);
    g_string_free(qts->rbuf, TRUE);
    g_queue_free_full(qts->irqs, g_free);
    g_free(qts->tmpdir);
    g_free(qts->sock_path);
    g_free(qts->log_path);
    g_free(qts->err_path);
    g_free(qts);
}

/* Kill the binary and abort the test with @msg and what the binary printed. */
static G_NORETURN void G_GNUC_PRINTF(2, 3) qts_die(XptQts *qts, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_autofree char *err = qts_read_file(qts->err_path);

    if (qts->pid > 0) {
        qts_kill(qts->pid);
        qts->pid = 0;
    }
    g_error("qtest client: %s\n--- stderr of %s ---\n%s", msg, qts_binary(), err);
}

/* ---- start and stop --------------------------------------------------------------- */

int xpt_qts_unix_listen(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (strlen(path) >= sizeof(sa.sun_path)) {
        g_error("qtest client: socket path too long: %s", path);
    }
    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
        g_error("qtest client: cannot listen on %s: %s", path, g_strerror(errno));
    }
    return fd;
}

/* Accept the binary's connection within QTS_CONNECT_TIMEOUT_MS. */
static int qts_accept(XptQts *qts, int listen_fd)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)QTS_CONNECT_TIMEOUT_MS * 1000;
    struct pollfd pfd = { .fd = listen_fd, .events = POLLIN };
    int status;

    for (;;) {
        int rc = poll(&pfd, 1, 50);
        if (rc > 0) {
            int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
            if (fd >= 0) {
                return fd;
            }
            if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED) {
                qts_die(qts, "accept: %s", g_strerror(errno));
            }
        } else if (rc < 0 && errno != EINTR) {
            qts_die(qts, "poll: %s", g_strerror(errno));
        }
        if (waitpid(qts->pid, &status, WNOHANG) == qts->pid) {
            qts->pid = 0;
            qts_die(qts, "%s exited with status %d before connecting to the qtest socket",
                    qts_binary(), qts_status_code(status));
        }
        if (g_get_monotonic_time() >= deadline) {
            qts_die(qts, "%s did not connect to %s within %d s", qts_binary(),
                    qts->sock_path, QTS_CONNECT_TIMEOUT_MS / 1000);
        }
    }
}

static XptQts *qts_start(const char *extra_args, bool log, int in_fd, int out_fd)
{
    XptQts *qts = g_new0(XptQts, 1);
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    int listen_fd;

    qts->fd = -1;
    qts->rbuf = g_string_new(NULL);
    qts->irqs = g_queue_new();
    qts->tmpdir = xpt_qts_tmpdir();
    qts->sock_path = g_build_filename(qts->tmpdir, "qtest.sock", NULL);
    qts->log_path = g_build_filename(qts->tmpdir, "qtest.log", NULL);
    qts->err_path = g_build_filename(qts->tmpdir, "stderr", NULL);
    listen_fd = xpt_qts_unix_listen(qts->sock_path);

    g_ptr_array_add(argv, g_strdup(qts_binary()));
    g_ptr_array_add(argv, g_strdup("-accel"));
    g_ptr_array_add(argv, g_strdup("qtest"));
    g_ptr_array_add(argv, g_strdup("-qtest"));
    g_ptr_array_add(argv, g_strconcat("unix:", qts->sock_path, NULL));
    if (log) {
        g_ptr_array_add(argv, g_strdup("-qtest-log"));
        g_ptr_array_add(argv, g_strdup(qts->log_path));
    }
    qts_argv_append(argv, extra_args);
    qts->pid = qts_spawn_fds(argv, qts->err_path, in_fd, out_fd);

    qts->fd = qts_accept(qts, listen_fd);
    close(listen_fd);
    unlink(qts->sock_path);

    g_autofree char *reply = xpt_qts_command(qts, "endianness");
    g_assert_cmpstr(reply, ==, "OK little");
    return qts;
}

XptQts *xpt_qts_start(const char *extra_args)
{
    return qts_start(extra_args, true, -1, -1);
}

XptQts *xpt_qts_start_nolog(const char *extra_args)
{
    return qts_start(extra_args, false, -1, -1);
}

pid_t xpt_qts_pid(const XptQts *qts)
{
    return qts->exited ? 0 : qts->pid;
}

XptQts *xpt_qts_start_stdio(const char *extra_args, int *to_stdin, int *from_stdout)
{
    int in[2], out[2];

    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
        g_error("qtest client: pipe: %s", g_strerror(errno));
    }
    XptQts *qts = qts_start(extra_args, true, in[0], out[1]);
    close(in[0]);
    close(out[1]);
    *to_stdin = in[1];
    *from_stdout = out[0];
    return qts;
}

void xpt_qts_signal(XptQts *qts, int sig)
{
    g_assert(qts->pid > 0 && !qts->exited);
    kill(qts->pid, sig);
}

int xpt_qts_wait_exit(XptQts *qts, int timeout_ms)
{
    int status;

    if (qts->exited) {
        return qts->exit_status;
    }
    if (!qts_wait(qts->pid, timeout_ms, &status)) {
        return -1;
    }
    qts->exited = true;
    qts->exit_status = qts_status_code(status);
    return qts->exit_status;
}

int xpt_qts_run_expect_fail(const char *args, char **stderr_out)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *dir = xpt_qts_tmpdir();
    g_autofree char *err_path = g_build_filename(dir, "stderr", NULL);
    g_autofree char *err = NULL;
    pid_t pid;
    int status;

    g_ptr_array_add(argv, g_strdup(qts_binary()));
    qts_argv_append(argv, args);
    pid = qts_spawn(argv, err_path);
    if (!qts_wait(pid, QTS_EXIT_TIMEOUT_MS, &status)) {
        qts_kill(pid);
        err = qts_read_file(err_path);
        g_error("qtest client: %s %s did not exit within %d s\n--- stderr ---\n%s",
                qts_binary(), args, QTS_EXIT_TIMEOUT_MS / 1000, err);
    }
    err = qts_read_file(err_path);
    unlink(err_path);
    rmdir(dir);
    if (stderr_out) {
        *stderr_out = g_steal_pointer(&err);
    }
    return qts_status_code(status);
}

int xpt_qts_quit(XptQts *qts)
{
    int status;

    close(qts->fd); /* the binary shuts down when its qtest socket closes */
    qts->fd = -1;
    if (qts->exited) {
        int code = qts->exit_status;
        qts->pid = 0;
        qts_free(qts);
        return code;
    }
    if (!qts_wait(qts->pid, QTS_EXIT_TIMEOUT_MS, &status)) {
        kill(qts->pid, SIGTERM);
        if (!qts_wait(qts->pid, QTS_EXIT_TIMEOUT_MS, &status)) {
            kill(qts->pid, SIGKILL);
            while (waitpid(qts->pid, &status, 0) < 0 && errno == EINTR) {
            }
        }
    }
    qts->pid = 0;
    qts_free(qts);
    return qts_status_code(status);
}

char *xpt_qts_stderr(XptQts *qts)
{
    return qts_read_file(qts->err_path);
}

char *xpt_qts_qtest_log(XptQts *qts)
{
    return qts_read_file(qts->log_path);
}

/* ---- line protocol ---------------------------------------------------------------- */

static void qts_send(XptQts *qts, const char *buf, size_t len)
{
    while (len) {
        ssize_t n = send(qts->fd, buf, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            qts_die(qts, "cannot send to the qtest socket: %s", g_strerror(errno));
        }
        buf += n;
        len -= n;
    }
}

static char *qts_read_line(XptQts *qts)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)QTS_REPLY_TIMEOUT_MS * 1000;
    gsize scanned = 0;

    for (;;) {
        char *nl = memchr(qts->rbuf->str + scanned, '\n', qts->rbuf->len - scanned);
        if (nl) {
            gsize len = nl - qts->rbuf->str;
            char *line = g_strndup(qts->rbuf->str, len);
            g_string_erase(qts->rbuf, 0, len + 1);
            return line;
        }
        scanned = qts->rbuf->len;

        gint64 left_ms = (deadline - g_get_monotonic_time()) / 1000;
        struct pollfd pfd = { .fd = qts->fd, .events = POLLIN };
        if (left_ms <= 0) {
            qts_die(qts, "no reply within %d s", QTS_REPLY_TIMEOUT_MS / 1000);
        }
        int rc = poll(&pfd, 1, (int)MIN(left_ms, 1000));
        if (rc < 0 && errno != EINTR) {
            qts_die(qts, "poll: %s", g_strerror(errno));
        }
        if (rc <= 0) {
            continue;
        }
        char buf[65536];
        ssize_t n = read(qts->fd, buf, sizeof(buf));
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
            continue;
        }
        if (n <= 0) {
            qts_die(qts, "%s closed the qtest connection (%s)", qts_binary(),
                    n == 0 ? "EOF" : g_strerror(errno));
        }
        g_string_append_len(qts->rbuf, buf, n);
    }
}

static char *G_GNUC_PRINTF(2, 0) qts_vcommand(XptQts *qts, const char *fmt, va_list ap)
{
    g_autofree char *line = g_strdup_vprintf(fmt, ap);
    size_t len = strlen(line);

    g_assert(!strchr(line, '\n'));
    line = g_realloc(line, len + 2);
    line[len] = '\n';
    line[len + 1] = '\0';
    qts_send(qts, line, len + 1);
    for (;;) {
        char *reply = qts_read_line(qts);
        if (!g_str_has_prefix(reply, "IRQ ")) {
            return reply;
        }
        g_queue_push_tail(qts->irqs, reply);
    }
}

char *xpt_qts_command(XptQts *qts, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *reply = qts_vcommand(qts, fmt, ap);
    va_end(ap);
    return reply;
}

/* Queue the "IRQ ..." lines that have already arrived, without waiting for more. */
static void qts_drain_irqs(XptQts *qts)
{
    struct pollfd pfd = { .fd = qts->fd, .events = POLLIN };
    char buf[65536];

    while (poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN)) {
        ssize_t n = read(qts->fd, buf, sizeof(buf));
        if (n <= 0) {
            break; /* EOF or error: the next command reports it */
        }
        g_string_append_len(qts->rbuf, buf, n);
    }
    for (;;) {
        char *nl = memchr(qts->rbuf->str, '\n', qts->rbuf->len);
        if (!nl || !g_str_has_prefix(qts->rbuf->str, "IRQ ")) {
            return;
        }
        gsize len = nl - qts->rbuf->str;
        g_queue_push_tail(qts->irqs, g_strndup(qts->rbuf->str, len));
        g_string_erase(qts->rbuf, 0, len + 1);
    }
}

char *xpt_qts_pop_irq(XptQts *qts)
{
    if (g_queue_is_empty(qts->irqs)) {
        qts_drain_irqs(qts);
    }
    return g_queue_pop_head(qts->irqs);
}

/* Send a command that must answer exactly "OK". */
static void G_GNUC_PRINTF(2, 3) qts_ok(XptQts *qts, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *reply = qts_vcommand(qts, fmt, ap);
    va_end(ap);
    g_assert_cmpstr(reply, ==, "OK");
}

/* Send a command that must answer "OK <number>"; return the number. */
static uint64_t G_GNUC_PRINTF(2, 3) qts_value(XptQts *qts, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *reply = qts_vcommand(qts, fmt, ap);
    va_end(ap);
    char *end = NULL;
    uint64_t v;

    if (!g_str_has_prefix(reply, "OK ")) {
        g_error("qtest client: expected 'OK <value>', got '%s'", reply);
    }
    errno = 0;
    v = g_ascii_strtoull(reply + 3, &end, 0);
    if (errno || end == reply + 3 || *end) {
        g_error("qtest client: bad value in reply '%s'", reply);
    }
    return v;
}

/* ---- port and memory accessors ------------------------------------------------------ */

void xpt_outb(XptQts *qts, uint16_t port, uint8_t v)
{
    qts_ok(qts, "outb 0x%x 0x%x", port, v);
}

void xpt_outw(XptQts *qts, uint16_t port, uint16_t v)
{
    qts_ok(qts, "outw 0x%x 0x%x", port, v);
}

void xpt_outl(XptQts *qts, uint16_t port, uint32_t v)
{
    qts_ok(qts, "outl 0x%x 0x%x", port, v);
}

uint8_t xpt_inb(XptQts *qts, uint16_t port)
{
    return (uint8_t)qts_value(qts, "inb 0x%x", port);
}

uint16_t xpt_inw(XptQts *qts, uint16_t port)
{
    return (uint16_t)qts_value(qts, "inw 0x%x", port);
}

uint32_t xpt_inl(XptQts *qts, uint16_t port)
{
    return (uint32_t)qts_value(qts, "inl 0x%x", port);
}

uint8_t xpt_readb(XptQts *qts, uint64_t addr)
{
    return (uint8_t)qts_value(qts, "readb 0x%" PRIx64, addr);
}

uint16_t xpt_readw(XptQts *qts, uint64_t addr)
{
    return (uint16_t)qts_value(qts, "readw 0x%" PRIx64, addr);
}

uint32_t xpt_readl(XptQts *qts, uint64_t addr)
{
    return (uint32_t)qts_value(qts, "readl 0x%" PRIx64, addr);
}

uint64_t xpt_readq(XptQts *qts, uint64_t addr)
{
    return qts_value(qts, "readq 0x%" PRIx64, addr);
}

void xpt_writeb(XptQts *qts, uint64_t addr, uint8_t v)
{
    qts_ok(qts, "writeb 0x%" PRIx64 " 0x%x", addr, v);
}

void xpt_writew(XptQts *qts, uint64_t addr, uint16_t v)
{
    qts_ok(qts, "writew 0x%" PRIx64 " 0x%x", addr, v);
}

void xpt_writel(XptQts *qts, uint64_t addr, uint32_t v)
{
    qts_ok(qts, "writel 0x%" PRIx64 " 0x%x", addr, v);
}

void xpt_writeq(XptQts *qts, uint64_t addr, uint64_t v)
{
    qts_ok(qts, "writeq 0x%" PRIx64 " 0x%" PRIx64, addr, v);
}

void xpt_memread(XptQts *qts, uint64_t addr, void *buf, size_t len)
{
    uint8_t *out = buf;

    while (len) {
        size_t n = MIN(len, (size_t)XPT_QTEST_MAX_XFER);
        g_autofree char *reply = xpt_qts_command(qts, "read 0x%" PRIx64 " 0x%zx", addr, n);
        if (!g_str_has_prefix(reply, "OK 0x") || strlen(reply) != 5 + 2 * n) {
            g_error("qtest client: read 0x%" PRIx64 " 0x%zx answered '%.80s'", addr, n, reply);
        }
        for (size_t i = 0; i < n; i++) {
            int hi = g_ascii_xdigit_value(reply[5 + 2 * i]);
            int lo = g_ascii_xdigit_value(reply[6 + 2 * i]);
            g_assert(hi >= 0 && lo >= 0);
            out[i] = (uint8_t)(hi << 4 | lo);
        }
        out += n;
        addr += n;
        len -= n;
    }
}

void xpt_memwrite(XptQts *qts, uint64_t addr, const void *buf, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const uint8_t *in = buf;

    while (len) {
        size_t n = MIN(len, (size_t)QTS_WRITE_CHUNK);
        g_autoptr(GString) data = g_string_sized_new(2 * n + 2);
        g_string_append(data, "0x");
        for (size_t i = 0; i < n; i++) {
            g_string_append_c(data, hex[in[i] >> 4]);
            g_string_append_c(data, hex[in[i] & 0xf]);
        }
        qts_ok(qts, "write 0x%" PRIx64 " 0x%zx %s", addr, n, data->str);
        in += n;
        addr += n;
        len -= n;
    }
}

/* ---- PCI config space through 0xCF8/0xCFC ------------------------------------------- */

static void qts_cf8(XptQts *qts, uint8_t devfn, uint8_t off)
{
    xpt_outl(qts, 0xcf8, (1u << 31) | ((uint32_t)devfn << 8) | (off & 0xfc));
}

uint8_t xpt_cfg_readb(XptQts *qts, uint8_t devfn, uint8_t off)
{
    qts_cf8(qts, devfn, off);
    return xpt_inb(qts, 0xcfc + (off & 3));
}

uint16_t xpt_cfg_readw(XptQts *qts, uint8_t devfn, uint8_t off)
{
    qts_cf8(qts, devfn, off);
    return xpt_inw(qts, 0xcfc + (off & 3));
}

uint32_t xpt_cfg_readl(XptQts *qts, uint8_t devfn, uint8_t off)
{
    qts_cf8(qts, devfn, off);
    return xpt_inl(qts, 0xcfc + (off & 3));
}

void xpt_cfg_writeb(XptQts *qts, uint8_t devfn, uint8_t off, uint8_t v)
{
    qts_cf8(qts, devfn, off);
    xpt_outb(qts, 0xcfc + (off & 3), v);
}

void xpt_cfg_writew(XptQts *qts, uint8_t devfn, uint8_t off, uint16_t v)
{
    qts_cf8(qts, devfn, off);
    xpt_outw(qts, 0xcfc + (off & 3), v);
}

void xpt_cfg_writel(XptQts *qts, uint8_t devfn, uint8_t off, uint32_t v)
{
    qts_cf8(qts, devfn, off);
    xpt_outl(qts, 0xcfc + (off & 3), v);
}

/* ---- simulated hypervisor ------------------------------------------------------------ */

JsonNode *xpt_sim_command(XptQts *qts, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *args = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_autofree char *reply = xpt_qts_command(qts, "xen-sim %s", args);
    g_autoptr(GError) err = NULL;
    JsonNode *node;

    if (strcmp(reply, "OK") == 0) {
        return NULL;
    }
    if (!g_str_has_prefix(reply, "OK ")) {
        g_error("qtest client: 'xen-sim %s' answered '%s'", args, reply);
    }
    node = json_from_string(reply + 3, &err);
    if (err) {
        g_error("qtest client: 'xen-sim %s': bad JSON in '%s': %s", args, reply, err->message);
    }
    return node;
}

JsonNode *xpt_sim_state(XptQts *qts)
{
    return xpt_sim_command(qts, "state");
}
