/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The bad-input corpus (tests/corpus/, generated from real inputs by
 * tests/tools/gen-badinput-corpus.py; its docstring describes the formats) run against
 * the real binary. Every case must get a clear error and never a crash:
 *
 *  - command lines and dump files: exit status 1 and exactly one stderr line
 *    "xen-pt-dm: error: ..." naming what failed (the case's expected substring; for dumps
 *    also the device and the file), or, for the dumps marked OK, a clean start and exit 0;
 *    one process each, several at a time;
 *  - QMP requests: through one monitor session, each followed by 0xFF (QMP's reset byte)
 *    and a query-status whose reply closes the case: the first reply must be an error of
 *    the expected class, nothing may succeed, and the session must stay usable;
 *  - qtest lines: all through one process's stdin; one FAIL/ERR reply per line, then a
 *    final "endianness" still answered "OK little".
 * A death by signal, a sanitizer report or a hang (every wait is bounded) fails the test.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib-unix.h>

#include "tests/testutil.h"

#define CORPUS_DIR "tests/corpus"

static const char *binary(void)
{
    const char *b = g_getenv("XPT_BINARY");
    return b && *b ? b : "build/xen-pt-dm";
}

/* Per-process time limit (s): $XPT_BADINPUT_TIMEOUT, default 30. */
static int proc_timeout(void)
{
    const char *t = g_getenv("XPT_BADINPUT_TIMEOUT");
    return t && atoi(t) > 0 ? atoi(t) : 30;
}

static unsigned jobs(void)
{
    const char *j = g_getenv("XPT_BADINPUT_JOBS");
    if (j && atoi(j) > 0) {
        return (unsigned)atoi(j);
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 2 : (unsigned)MIN(2 * n, 8);
}

static char *corpus_path(const char *name)
{
    return g_build_filename(CORPUS_DIR, name, NULL);
}

/* Lines of a corpus file (the trailing empty line dropped). */
static GStrv corpus_lines(const char *name)
{
    g_autofree char *path = corpus_path(name);
    g_autofree char *text = NULL;
    g_autoptr(GError) err = NULL;
    if (!g_file_get_contents(path, &text, NULL, &err)) {
        g_error("%s: %s (run tests/tools/gen-badinput-corpus.py)", path, err->message);
    }
    GStrv lines = g_strsplit(text, "\n", -1);
    guint n = g_strv_length(lines);
    if (n && !*lines[n - 1]) {
        g_free(lines[n - 1]);
        lines[n - 1] = NULL;
    }
    return lines;
}

/* @s with every @FIXTURES@, @TMP@ and @CORPUS@ replaced. */
static char *substitute(const char *s, const char *tmp)
{
    g_autofree char *fix = g_canonicalize_filename(xpt_test_fixture("."), NULL);
    g_autofree char *corpus = g_canonicalize_filename(CORPUS_DIR, NULL);
    const char *from[] = { "@FIXTURES@", "@TMP@", "@CORPUS@" };
    const char *to[] = { fix, tmp, corpus };
    GString *out = g_string_new(s);
    for (size_t i = 0; i < G_N_ELEMENTS(from); i++) {
        g_string_replace(out, from[i], to[i], 0);
    }
    return g_string_free(out, FALSE);
}

static void assert_no_sanitizer_text(GPtrArray *fails, const char *what, const char *err)
{
    if (strstr(err, "AddressSanitizer") || strstr(err, "runtime error:") ||
        strstr(err, "LeakSanitizer") || strstr(err, "Assertion") || strstr(err, "CRITICAL")) {
        g_ptr_array_add(fails, g_strdup_printf("%s: sanitizer/assertion report:\n%s", what, err));
    }
}

/* ---- running many processes at once ------------------------------------------------------ */

typedef struct Proc {
    char **argv;            /* owned */
    char *what;             /* case name for messages */
    const char *expect;     /* expected substring (borrowed) */
    const char *extra[2];   /* more substrings the error line must contain (borrowed) */
    bool expect_ok;         /* exit 0 expected */
    const GByteArray *in;   /* stdin data, or NULL for /dev/null */
    GPid pid;
    int fd_in, fd_out, fd_err;
    gsize in_off;
    GString *out, *err;
    gint64 deadline;
    int status;             /* waitpid status */
    bool exited, timed_out;
} Proc;

static void proc_free(Proc *p)
{
    g_strfreev(p->argv);
    g_free(p->what);
    if (p->out) {
        g_string_free(p->out, TRUE);
    }
    if (p->err) {
        g_string_free(p->err, TRUE);
    }
    g_free(p);
}

static void proc_spawn(Proc *p)
{
    g_autoptr(GError) err = NULL;
    int *in = p->in ? &p->fd_in : NULL;
    if (!g_spawn_async_with_pipes(NULL, p->argv, NULL,
                                  G_SPAWN_DO_NOT_REAP_CHILD |
                                  (p->in ? 0 : G_SPAWN_STDIN_FROM_DEV_NULL),
                                  NULL, NULL, &p->pid, in, &p->fd_out, &p->fd_err, &err)) {
        g_error("cannot run %s: %s", p->argv[0], err->message);
    }
    if (!p->in) {
        p->fd_in = -1;
    } else {
        g_unix_set_fd_nonblocking(p->fd_in, TRUE, NULL);
    }
    p->out = g_string_new(NULL);
    p->err = g_string_new(NULL);
    p->deadline = g_get_monotonic_time() + (gint64)proc_timeout() * G_USEC_PER_SEC;
}

static bool proc_done(const Proc *p)
{
    return p->exited && p->fd_out < 0 && p->fd_err < 0;
}

/* Read what is there (and feed stdin); reap; kill at the deadline. */
static void proc_step(Proc *p, int timeout_ms)
{
    struct pollfd pfd[3];
    int n = 0;
    if (p->fd_out >= 0) {
        pfd[n++] = (struct pollfd){ .fd = p->fd_out, .events = POLLIN };
    }
    if (p->fd_err >= 0) {
        pfd[n++] = (struct pollfd){ .fd = p->fd_err, .events = POLLIN };
    }
    if (p->fd_in >= 0) {
        pfd[n++] = (struct pollfd){ .fd = p->fd_in, .events = POLLOUT };
    }
    if (n && poll(pfd, (nfds_t)n, timeout_ms) > 0) {
        for (int i = 0; i < n; i++) {
            if (!pfd[i].revents) {
                continue;
            }
            if (pfd[i].fd == p->fd_in) {
                ssize_t w = write(p->fd_in, p->in->data + p->in_off,
                                  MIN(p->in->len - p->in_off, 65536));
                if (w > 0) {
                    p->in_off += (gsize)w;
                }
                if ((w < 0 && errno != EAGAIN) || p->in_off == p->in->len) {
                    close(p->fd_in);
                    p->fd_in = -1;
                }
                continue;
            }
            char buf[65536];
            ssize_t r = read(pfd[i].fd, buf, sizeof(buf));
            if (r > 0) {
                g_string_append_len(pfd[i].fd == p->fd_out ? p->out : p->err, buf, r);
            } else if (r == 0 || errno != EINTR) {
                close(pfd[i].fd);
                if (pfd[i].fd == p->fd_out) {
                    p->fd_out = -1;
                } else {
                    p->fd_err = -1;
                }
            }
        }
    } else if (!n) {
        g_usleep((gulong)timeout_ms * 1000);
    }
    if (!p->exited && waitpid(p->pid, &p->status, WNOHANG) == p->pid) {
        p->exited = true;
        g_spawn_close_pid(p->pid);
    }
    if (!p->exited && g_get_monotonic_time() > p->deadline) {
        p->timed_out = true;
        kill(p->pid, SIGKILL);
    }
    if (p->exited && p->fd_in >= 0) {
        close(p->fd_in);
        p->fd_in = -1;
    }
}

/* Run every process of @procs, at most jobs() at a time. */
static void run_all(GPtrArray *procs)
{
    guint next = 0, done = 0;
    GPtrArray *running = g_ptr_array_new();
    while (done < procs->len) {
        while (running->len < jobs() && next < procs->len) {
            Proc *p = g_ptr_array_index(procs, next++);
            proc_spawn(p);
            g_ptr_array_add(running, p);
        }
        for (guint i = 0; i < running->len;) {
            Proc *p = g_ptr_array_index(running, i);
            proc_step(p, running->len > 1 ? 1 : 20);
            if (proc_done(p)) {
                g_ptr_array_remove_index_fast(running, i);
                done++;
            } else {
                i++;
            }
        }
    }
    g_ptr_array_free(running, TRUE);
}

/*
 * The one-line error check of command lines and dumps: exit 1, exactly one stderr line,
 * "xen-pt-dm: error: ..." with the expected substrings; or, for expect_ok, exit 0 without
 * an error. Failures are added to @fails.
 */
static void check_proc(const Proc *p, GPtrArray *fails)
{
    const char *err = p->err->str;
    if (p->timed_out) {
        g_ptr_array_add(fails, g_strdup_printf("%s: hung (killed after %d s)", p->what,
                                               proc_timeout()));
        return;
    }
    if (WIFSIGNALED(p->status)) {
        g_ptr_array_add(fails, g_strdup_printf("%s: killed by signal %d:\n%s", p->what,
                                               WTERMSIG(p->status), err));
        return;
    }
    assert_no_sanitizer_text(fails, p->what, err);
    int code = WEXITSTATUS(p->status);
    if (p->expect_ok) {
        if (code != 0 || strstr(err, "error:") || strstr(err, "leak")) {
            g_ptr_array_add(fails, g_strdup_printf("%s: expected a clean start, got exit %d:\n%s",
                                                   p->what, code, err));
        }
        return;
    }
    /* The error is the one line besides the attach lines of devices that came up before
     * it ("xen-pt-dm: attached ...", always logged: issue 14). */
    g_auto(GStrv) lines = g_strsplit(err, "\n", -1);
    guint nonempty = 0;
    const char *first = "";
    for (guint i = 0; lines[i]; i++) {
        if (*lines[i] && !g_str_has_prefix(lines[i], "xen-pt-dm: attached ")) {
            first = nonempty++ ? first : lines[i];
        }
    }
    bool ok = code == 1 && nonempty == 1 && g_str_has_prefix(first, "xen-pt-dm: error: ") &&
              (!p->expect || strstr(err, p->expect));
    for (int i = 0; ok && i < 2; i++) {
        ok = !p->extra[i] || strstr(err, p->extra[i]);
    }
    if (!ok) {
        g_ptr_array_add(fails, g_strdup_printf("%s: expected exit 1 and one error line with "
                                               "'%s'%s%s%s%s, got exit %d:\n%s", p->what,
                                               p->expect ? p->expect : "",
                                               p->extra[0] ? ", '" : "",
                                               p->extra[0] ? p->extra[0] : "",
                                               p->extra[0] ? "'" : "",
                                               "", code, err));
    }
}

static void report(GPtrArray *fails, guint cases, const char *what)
{
    g_test_message("%s: %u cases, %u failed", what, cases, fails->len);
    for (guint i = 0; i < fails->len && i < 40; i++) {
        g_test_message("FAILED %s", (const char *)g_ptr_array_index(fails, i));
    }
    if (fails->len) {
        g_printerr("%s: %u of %u cases failed; first: %s\n", what, fails->len, cases,
                   (const char *)g_ptr_array_index(fails, 0));
        g_test_fail();
    }
}

/* ---- command lines ------------------------------------------------------------------------- */

static guint n_cases;

static void test_cmdline(gconstpointer data)
{
    const char *file = data;
    g_auto(GStrv) lines = corpus_lines(file);
    g_autofree char *tmp = g_dir_make_tmp("xpt-badinput-XXXXXX", NULL);
    g_autoptr(GPtrArray) procs = g_ptr_array_new_with_free_func((GDestroyNotify)proc_free);
    g_autoptr(GPtrArray) parsers = g_ptr_array_new_with_free_func(g_object_unref);
    for (guint i = 0; lines[i]; i++) {
        JsonParser *jp = json_parser_new();
        g_ptr_array_add(parsers, jp);
        g_autoptr(GError) err = NULL;
        if (!json_parser_load_from_data(jp, lines[i], -1, &err)) {
            g_error("%s line %u: %s", file, i + 1, err->message);
        }
        JsonObject *o = json_node_get_object(json_parser_get_root(jp));
        JsonArray *a = json_object_get_array_member(o, "args");
        Proc *p = g_new0(Proc, 1);
        p->argv = g_new0(char *, json_array_get_length(a) + 2);
        p->argv[0] = g_strdup(binary());
        for (guint k = 0; k < json_array_get_length(a); k++) {
            p->argv[k + 1] = substitute(json_array_get_string_element(a, k), tmp);
        }
        const char *expect = json_object_get_string_member(o, "expect");
        p->expect = *expect ? expect : NULL;
        p->what = g_strdup_printf("%s:%u", file, i + 1);
        g_ptr_array_add(procs, p);
    }
    run_all(procs);
    g_autoptr(GPtrArray) fails = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < procs->len; i++) {
        check_proc(g_ptr_array_index(procs, i), fails);
    }
    n_cases += procs->len;
    g_assert_cmpuint(procs->len, >=, strcmp(file, "cmdline.txt") ? 1 : 200);
    report(fails, procs->len, file);
    xpt_test_rmtree(tmp);
}

/* ---- dump files ----------------------------------------------------------------------------- */

static void test_dumps(void)
{
    g_auto(GStrv) lines = corpus_lines("dumps/index.txt");
    g_autoptr(GPtrArray) procs = g_ptr_array_new_with_free_func((GDestroyNotify)proc_free);
    g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    for (guint i = 0; lines[i]; i++) {
        GStrv f = g_strsplit(lines[i], "\t", 3);
        g_ptr_array_add(keep, f);
        g_assert_cmpuint(g_strv_length(f), ==, 3);
        g_autofree char *dump = g_build_filename(CORPUS_DIR, "dumps", f[0], NULL);
        g_autofree char *devopt = g_strdup_printf("xen-pci-passthrough,hostaddr=%s,host-dump=%s",
                                                  f[1], dump);
        char *argv[] = { (char *)binary(), (char *)"-accel", (char *)"qtest", (char *)"-qtest",
                         (char *)"stdio", (char *)"-device", devopt, NULL };
        Proc *p = g_new0(Proc, 1);
        p->argv = g_strdupv(argv);
        p->expect_ok = !strcmp(f[2], "OK");
        p->expect = p->expect_ok ? NULL : f[2];
        p->extra[0] = f[1];           /* the device ... */
        p->extra[1] = f[0];           /* ... and the file */
        p->what = g_strdup_printf("dumps/%s", f[0]);
        g_ptr_array_add(procs, p);
    }
    run_all(procs);
    g_autoptr(GPtrArray) fails = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < procs->len; i++) {
        check_proc(g_ptr_array_index(procs, i), fails);
    }
    n_cases += procs->len;
    g_assert_cmpuint(procs->len, >=, 100);
    report(fails, procs->len, "dump files");
}

/* A case's bytes: g_strcompress syntax (\\, \NNN), keeping NULs. */
static GByteArray *unescape(const char *s)
{
    GByteArray *b = g_byte_array_new();
    while (*s) {
        guint8 c;
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7') {
            c = (guint8)(((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
            s += 4;
        } else if (s[0] == '\\' && s[1] == '\\') {
            c = '\\';
            s += 2;
        } else {
            c = (guint8)*s++;
        }
        g_byte_array_append(b, &c, 1);
    }
    return b;
}

/* ---- qtest lines ------------------------------------------------------------------------------ */

static void test_qtest(void)
{
    g_auto(GStrv) lines = corpus_lines("qtest.txt");
    GByteArray *in = g_byte_array_new();
    guint n = 0;
    g_autoptr(GPtrArray) cases = g_ptr_array_new_with_free_func(g_free);
    for (; lines[n]; n++) {
        GByteArray *b = unescape(lines[n]);
        g_byte_array_append(in, b->data, b->len);
        g_byte_array_append(in, (const guint8 *)"\n", 1);
        g_byte_array_append(b, (const guint8 *)"", 1);    /* for messages */
        g_ptr_array_add(cases, g_byte_array_free(b, FALSE));
    }
    const char *trailer = "endianness\n";
    g_byte_array_append(in, (const guint8 *)trailer, (guint)strlen(trailer));

    g_autoptr(GPtrArray) procs = g_ptr_array_new_with_free_func((GDestroyNotify)proc_free);
    Proc *p = g_new0(Proc, 1);
    g_autofree char *dev = g_strdup_printf(
        "xen-pci-passthrough,hostaddr=0000:01:00.0,id=pt0,host-dump=%s",
        xpt_test_fixture("pciutils-tests/cap-pcie-2"));
    char *argv[] = { (char *)binary(), (char *)"-accel", (char *)"qtest", (char *)"-qtest",
                     (char *)"stdio", (char *)"-device", dev, NULL };
    p->argv = g_strdupv(argv);
    p->in = in;
    p->what = g_strdup("qtest.txt");
    g_ptr_array_add(procs, p);
    run_all(procs);

    g_autoptr(GPtrArray) fails = g_ptr_array_new_with_free_func(g_free);
    if (p->timed_out || !WIFEXITED(p->status) || WEXITSTATUS(p->status) != 0) {
        g_ptr_array_add(fails, g_strdup_printf("qtest: the process %s (status 0x%x):\n%s",
                                               p->timed_out ? "hung" : "failed", p->status,
                                               p->err->str));
    }
    assert_no_sanitizer_text(fails, "qtest", p->err->str);
    g_auto(GStrv) replies = g_strsplit(p->out->str, "\n", -1);
    guint got = g_strv_length(replies);
    if (got < n + 1) {
        g_ptr_array_add(fails, g_strdup_printf("qtest: %u replies to %u lines", got, n + 1));
    }
    for (guint i = 0; i < n && i < got; i++) {
        if (!g_str_has_prefix(replies[i], "FAIL") && !g_str_has_prefix(replies[i], "ERR")) {
            g_autofree char *shown = g_strescape(g_ptr_array_index(cases, i), NULL);
            g_ptr_array_add(fails, g_strdup_printf("qtest.txt:%u \"%.200s\": reply '%.200s'",
                                                   i + 1, shown, replies[i]));
        }
    }
    if (got > n && g_strcmp0(replies[n], "OK little") != 0) {
        g_ptr_array_add(fails, g_strdup_printf("qtest: final endianness answered '%s'",
                                               replies[n]));
    }
    n_cases += n;
    g_assert_cmpuint(n, >=, 300);
    report(fails, n, "qtest lines");
    g_byte_array_unref(in);
}

/* ---- QMP requests --------------------------------------------------------------------------- */

static void test_qmp(void)
{
    g_auto(GStrv) lines = corpus_lines("qmp.txt");
    int to_stdin = -1, from_stdout = -1;
    g_autofree char *dev = g_strdup_printf(
        "-qmp stdio -device xen-pci-passthrough,hostaddr=0000:01:00.0,id=pt0,host-dump=%s",
        xpt_test_fixture("pciutils-tests/cap-pcie-2"));
    XptQts *qts = xpt_qts_start_stdio(dev, &to_stdin, &from_stdout);
    JsonNode *greeting = NULL;
    XptQmp *qmp = xpt_qmp_from_fds(from_stdout, to_stdin, &greeting);
    json_node_unref(greeting);
    xpt_qmp_negotiate(qmp);
    g_autofree char *tmp = g_dir_make_tmp("xpt-badinput-XXXXXX", NULL);
    g_autoptr(GPtrArray) fails = g_ptr_array_new_with_free_func(g_free);
    guint n = 0;
    for (; lines[n]; n++) {
        char *tab = strchr(lines[n], '\t');
        g_assert_nonnull(tab);
        g_autofree char *klass = g_strndup(lines[n], (gsize)(tab - lines[n]));
        g_autofree char *subst = substitute(tab + 1, tmp);
        g_autoptr(GByteArray) req = unescape(subst);
        xpt_qmp_send_raw(qmp, req->data, req->len);
        g_autofree char *sync = g_strdup_printf("\xff{\"execute\": \"query-status\", "
                                                "\"id\": \"sync-%u\"}", n);
        xpt_qmp_send_raw(qmp, sync, strlen(sync));
        const char *first_class = NULL;
        g_autofree char *first_class_copy = NULL;
        guint errors = 0, returns = 0;
        for (;;) {
            g_autoptr(JsonNode) r = xpt_qmp_receive(qmp);
            if (!r) {
                g_autofree char *err = xpt_qts_stderr(qts);
                g_error("qmp.txt:%u: the monitor closed (crash?):\n%s", n + 1, err);
            }
            JsonObject *o = json_node_get_object(r);
            if (json_object_has_member(o, "event")) {
                returns++;                      /* no case may cause an event */
                continue;
            }
            const char *id = json_object_has_member(o, "id") &&
                             JSON_NODE_HOLDS_VALUE(json_object_get_member(o, "id")) &&
                             json_node_get_value_type(json_object_get_member(o, "id")) == G_TYPE_STRING
                             ? json_object_get_string_member(o, "id") : NULL;
            if (id && g_str_has_prefix(id, "sync-")) {
                g_assert_cmpuint((guint)atoi(id + 5), ==, n);
                g_assert_nonnull(xpt_qmp_reply_return(r));
                break;
            }
            if (xpt_qmp_reply_return(r)) {
                returns++;
            } else {
                if (!errors++) {
                    first_class_copy = g_strdup(xpt_qmp_reply_class(r));
                    first_class = first_class_copy;
                }
            }
        }
        if (!errors || returns || g_strcmp0(first_class, klass)) {
            g_autofree char *shown = g_strndup(tab + 1, 200);
            g_ptr_array_add(fails, g_strdup_printf("qmp.txt:%u %s: %u errors (first %s), %u "
                                                   "successes or events", n + 1, shown, errors,
                                                   first_class ? first_class : "none",
                                                   returns));
        }
    }
    xpt_qmp_free(qmp);
    g_autofree char *err = xpt_qts_stderr(qts);
    int status = xpt_qts_quit(qts);
    if (status != 0) {
        g_ptr_array_add(fails, g_strdup_printf("qmp: exit status %d:\n%s", status, err));
    }
    assert_no_sanitizer_text(fails, "qmp", err);
    n_cases += n;
    g_assert_cmpuint(n, >=, 300);
    report(fails, n, "QMP requests");
    xpt_test_rmtree(tmp);
}

static void test_total(void)
{
    g_test_message("%u bad-input cases run", n_cases);
    if (!g_test_failed()) {
        g_assert_cmpuint(n_cases, >=, 1000);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_data_func("/badinput/cmdline", "cmdline.txt", test_cmdline);
    g_test_add_func("/badinput/dumps", test_dumps);
    g_test_add_func("/badinput/qtest", test_qtest);
    g_test_add_func("/badinput/qmp", test_qmp);
    g_test_add_func("/badinput/total", test_total);
    return g_test_run();
}
