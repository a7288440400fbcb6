/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP monitor end to end, the monitors and the life of the process: run states, quit,
 * SIGTERM and SIGHUP, query-chardev, what libxl 4.17 sends, the display options,
 * several monitors, vanishing clients, stdio and inherited descriptors, and the
 * command-line forms of -qmp/-mon/-chardev. The real binary under -accel qtest;
 * helpers in tests/qmp-test-util.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "config-host.h"
#include "qtest/client.h"
#include "tests/qmp-test-util.h"
#include "tests/testutil.h"

/* ---- run states, quit, signals ------------------------------------------------------------- */

static void check_status(XptQmp *q, const char *status, bool running)
{
    g_autofree char *want = g_strdup_printf("{\"return\": {\"status\": \"%s\", "
                                            "\"singlestep\": false, \"running\": %s}}",
                                            status, running ? "true" : "false");
    qmpt_check(q, "{\"execute\": \"query-status\"}", want);
}

static void test_stop_cont(void)
{
    QmptVm *vm = qmpt_vm_start("", true);
    XptQmp *q = vm->qmp;
    check_status(q, "running", true);
    qmpt_check_ok(q, "{\"execute\": \"stop\"}");
    g_autoptr(JsonNode) stop = xpt_qmp_event_wait(q, "STOP");
    g_assert_null(qmpt_event_data(stop, "STOP"));
    check_status(q, "paused", false);
    qmpt_check_ok(q, "{\"execute\": \"stop\"}");       /* already stopped: no event */
    check_status(q, "paused", false);
    qmpt_assert_no_event(q);
    /* qtest accesses keep working while paused */
    g_assert_cmphex(xpt_cfg_readl(vm->qts, 0, 0), ==, 0x12378086);
    qmpt_check_ok(q, "{\"execute\": \"cont\"}");
    g_autoptr(JsonNode) resume = xpt_qmp_event_wait(q, "RESUME");
    g_assert_null(qmpt_event_data(resume, "RESUME"));
    check_status(q, "running", true);
    qmpt_check_ok(q, "{\"execute\": \"cont\"}");       /* already running: no event */
    check_status(q, "running", true);
    qmpt_assert_no_event(q);
    qmpt_vm_finish(vm);

    /* -S: prelaunch until cont (what libxl checks with dm_restrict) */
    vm = qmpt_vm_start("-S", true);
    check_status(vm->qmp, "prelaunch", false);
    qmpt_check_ok(vm->qmp, "{\"execute\": \"stop\"}");
    qmpt_assert_no_event(vm->qmp);
    check_status(vm->qmp, "prelaunch", false);
    qmpt_check_ok(vm->qmp, "{\"execute\": \"cont\"}");
    g_autoptr(JsonNode) r2 = xpt_qmp_event_wait(vm->qmp, "RESUME");
    check_status(vm->qmp, "running", true);
    qmpt_vm_finish(vm);
}

/* quit: SHUTDOWN before the {} reply (as in the transcript), then exit status 0. */
static void test_quit(void)
{
    g_autofree char *dev = g_strdup_printf("-device xen-pci-passthrough,id=q,hostaddr=%s,"
                                           "host-dump=%s", HOST_82576,
                                           xpt_test_fixture(DUMP_82576));
    QmptVm *vm = qmpt_vm_start(dev, true);
    const char *quit = "{\"execute\": \"quit\", \"id\": \"bye\"}";
    xpt_qmp_send_raw(vm->qmp, quit, strlen(quit));
    g_autoptr(JsonNode) ev = xpt_qmp_receive(vm->qmp);
    g_autoptr(JsonNode) dn = json_node_init_object(json_node_alloc(),
                                                   qmpt_event_data(ev, "SHUTDOWN"));
    qmpt_assert_json_eq_text(dn, "{\"guest\": false, \"reason\": \"host-qmp-quit\"}");
    g_autoptr(JsonNode) r = xpt_qmp_receive(vm->qmp);
    qmpt_assert_json_eq_text(r, "{\"return\": {}, \"id\": \"bye\"}");
    g_assert_true(xpt_qmp_wait_eof(vm->qmp, 10000));
    g_assert_cmpint(xpt_qts_wait_exit(vm->qts, 10000), ==, 0);
    qmpt_vm_finish(vm);
}

/* SIGTERM after a QMP session: SHUTDOWN "host-signal", exit status 0 (libqtest). */
/*
 * QEMU's libqtest command line (reference/qtest-qmp.md §libqtest): both sockets connect
 * out, -display none -audio none, then endianness, greeting, qmp_capabilities; SIGTERM
 * gives SHUTDOWN and exit status 0.
 */
static void test_libqtest_command_line(void)
{
    QmptVm *vm = qmpt_vm_start("-qtest-log /dev/null -display none -audio none -accel qtest", true);
    g_autofree char *e = xpt_qts_command(vm->qts, "endianness");
    g_assert_cmpstr(e, ==, "OK little");
    g_assert_true(json_object_has_member(json_node_get_object(vm->greeting), "QMP"));
    xpt_qts_signal(vm->qts, SIGTERM);
    g_autoptr(JsonNode) ev = xpt_qmp_event_wait(vm->qmp, "SHUTDOWN");
    g_assert_cmpint(xpt_qts_wait_exit(vm->qts, 10000), ==, 0);
    qmpt_vm_finish(vm);
}

/* Signal @sig to a device model started with @args: SHUTDOWN "host-signal" (not the
 * guest's), the QMP connection closed, exit status 0. */
static void check_signal_shutdown(int sig, const char *args)
{
    QmptVm *vm = qmpt_vm_start(args, true);
    qmpt_check_alive(vm->qmp);
    xpt_qts_signal(vm->qts, sig);
    g_autoptr(JsonNode) ev = xpt_qmp_event_wait(vm->qmp, "SHUTDOWN");
    g_autoptr(JsonNode) dn = json_node_init_object(json_node_alloc(),
                                                   qmpt_event_data(ev, "SHUTDOWN"));
    qmpt_assert_json_eq_text(dn, "{\"guest\": false, \"reason\": \"host-signal\"}");
    g_assert_true(xpt_qmp_wait_eof(vm->qmp, 10000));
    g_assert_cmpint(xpt_qts_wait_exit(vm->qts, 10000), ==, 0);
    qmpt_vm_finish(vm);
}

static void test_sigterm(void)
{
    check_signal_shutdown(SIGTERM, "");
}

/*
 * SIGHUP, as libxl 4.17 stops the device model on xl destroy (libxl_aoutils.c
 * libxl__kill_xs_path): like SIGTERM, SHUTDOWN "host-signal" and exit status 0, also
 * with libxl's -no-shutdown. Before, SIGHUP's default action killed the process
 * (status 129) without the event or any teardown.
 */
static void test_sighup(void)
{
    check_signal_shutdown(SIGHUP, "-no-shutdown");
}

/* ---- what libxl 4.17 sends (docs/xen.md "QMP commands libxl 4.17 sends") -------------------- */

static char *tmp_sock(const char *dir, const char *name)
{
    return g_build_filename(dir, name, NULL);
}

/* The query-chardev entry labelled @label (borrowed from @list), or NULL. */
static JsonObject *chardev_find(JsonArray *list, const char *label)
{
    for (guint i = 0; i < json_array_get_length(list); i++) {
        JsonObject *c = json_array_get_object_element(list, i);
        g_assert_cmpuint(json_object_get_size(c), ==, 3);
        g_assert_true(json_object_get_boolean_member(c, "frontend-open"));
        if (!g_strcmp0(json_object_get_string_member(c, "label"), label)) {
            return c;
        }
    }
    return NULL;
}

static void assert_chardev(JsonArray *list, const char *label, const char *filename)
{
    JsonObject *c = chardev_find(list, label);
    if (!c) {
        g_error("query-chardev: no entry '%s'", label);
    }
    g_assert_cmpstr(json_object_get_string_member(c, "filename"), ==, filename);
}

/*
 * query-chardev, which libxl 4.17 sends once "running" is in xenstore and without
 * which xl create fails (libxl_dm.c device_model_spawn_outcome): QEMU's shape, one
 * entry per monitor chardev with QEMU's filenames, connected or not; libxl's parse
 * (device_model_postconfig_chardev) finds no "serialN" without -serial (with one:
 * tests/test-serial.c).
 */
static void test_query_chardev(void)
{
    g_autofree char *dir = g_dir_make_tmp("xpt-qmp-XXXXXX", NULL);
    g_autofree char *p1 = tmp_sock(dir, "qmp-libxl-1");
    g_autofree char *p2 = tmp_sock(dir, "qmp-libxenstat-1");
    g_autofree char *p3 = tmp_sock(dir, "legacy.sock");
    g_autofree char *p4 = tmp_sock(dir, "pre.sock");
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    g_strlcpy(sa.sun_path, p4, sizeof(sa.sun_path));
    int lfd = socket(AF_UNIX, SOCK_STREAM, 0);      /* libxl's dm_restrict fd=N */
    g_assert_cmpint(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    g_assert_cmpint(listen(lfd, 4), ==, 0);
    g_autofree char *args = g_strdup_printf(
        "-chardev socket,id=libxl-cmd,path=%s,server=on,wait=off "
        "-mon chardev=libxl-cmd,mode=control "
        "-chardev socket,id=libxenstat-cmd,path=%s,server=on,wait=off "
        "-mon chardev=libxenstat-cmd,mode=control -qmp unix:%s,server=on,wait=off "
        "-chardev socket,id=pre,fd=%d,server=on,wait=off -mon chardev=pre,mode=control",
        p1, p2, p3, lfd);
    QmptVm *vm = qmpt_vm_start(args, true);
    close(lfd);

    XptQmp *libxl = xpt_qmp_connect(p1, NULL);
    xpt_qmp_negotiate(libxl);
    g_autoptr(JsonNode) r = xpt_qmp_command(libxl, "{\"execute\": \"query-chardev\", "
                                                   "\"id\": 1}");
    JsonNode *ret = xpt_qmp_reply_return(r);
    g_assert_nonnull(ret);
    JsonArray *list = json_node_get_array(ret);
    g_assert_cmpuint(json_array_get_length(list), ==, 5);
    g_autofree char *f1 = g_strdup_printf("unix:%s,server=on", p1);
    g_autofree char *f2 = g_strdup_printf("disconnected:unix:%s,server=on", p2);
    g_autofree char *f3 = g_strdup_printf("disconnected:unix:%s,server=on", p3);
    g_autofree char *f4 = g_strdup_printf("disconnected:fd:%d,server=on", lfd);
    g_autofree char *f5 = g_strdup_printf("unix:%s", xpt_qmp_path(vm->qmp));
    assert_chardev(list, "libxl-cmd", f1);
    assert_chardev(list, "libxenstat-cmd", f2);
    assert_chardev(list, "compat_monitor0", f3);
    assert_chardev(list, "pre", f4);
    /* the test's own monitor: a client socket (libqtest's form) */
    for (guint i = 0; i < json_array_get_length(list); i++) {
        JsonObject *c = json_array_get_object_element(list, i);
        const char *label = json_object_get_string_member(c, "label");
        g_assert_false(g_str_has_prefix(label, "serial"));
        if (g_str_has_prefix(label, "qmp")) {
            g_assert_cmpstr(json_object_get_string_member(c, "filename"), ==, f5);
        }
    }

    /* an inherited listening socket with its client: the path it listens on */
    XptQmp *pre = xpt_qmp_connect(p4, NULL);
    xpt_qmp_negotiate(pre);
    g_autoptr(JsonNode) r2 = xpt_qmp_command(pre, "{\"execute\": \"query-chardev\"}");
    g_autofree char *f4c = g_strdup_printf("unix:%s,server=on", p4);
    assert_chardev(json_node_get_array(xpt_qmp_reply_return(r2)), "pre", f4c);
    xpt_qmp_free(pre);
    xpt_qmp_free(libxl);
    qmpt_vm_finish(vm);
    unlink(p4);
    rmdir(dir);
}

/*
 * libxl 4.17's whole conversation with a qemu-xen device model of a passthrough guest,
 * each command on a new connection of libxl-cmd as libxl__ev_qmp makes them:
 * with dm_restrict, query-status must say "prelaunch" (-S); then query-chardev,
 * query-vnc (VNC is on by default) and, with vncpasswd, change-vnc-password must
 * succeed or xl create fails; device_add with libxl's arguments ("%x.%x" addr,
 * permissive true) and query-pci; cont; query-cpus-fast (xl reboot, save, vcpu-set);
 * the refusals of vCPU hot-plug and S3 wake-up; xentop's block queries; and the
 * commands of xl save / qemu-monitor-command, which are not found.
 */
static void test_libxl_conversation(void)
{
    g_autofree char *dir = g_dir_make_tmp("xpt-qmp-XXXXXX", NULL);
    g_autofree char *path = tmp_sock(dir, "qmp-libxl-7");
    g_autofree char *args = g_strdup_printf(
        "-no-shutdown -chardev socket,id=libxl-cmd,path=%s,server=on,wait=off "
        "-mon chardev=libxl-cmd,mode=control -S -nodefaults -no-user-config -name guest "
        "-vnc 127.0.0.1:0,password=on,to=99 -display none -device cirrus-vga,vgamem_mb=8 "
        "-boot order=cda -smp 2,maxcpus=4 -net none -machine xenfv,suppress-vmdesc=on "
        "-m 1024", path);
    QmptVm *vm = qmpt_vm_start(args, true);
    static const struct {
        const char *request, *reply;
    } steps[] = {
        { "{\"execute\": \"query-status\", \"id\": 1}",
          "{\"return\": {\"status\": \"prelaunch\", \"singlestep\": false, "
          "\"running\": false}, \"id\": 1}" },
        { "{\"execute\": \"query-vnc\", \"id\": 2}",
          "{\"return\": {\"enabled\": false}, \"id\": 2}" },
        { "{\"execute\": \"change-vnc-password\", \"arguments\": {\"password\": "
          "\"s3cret\"}, \"id\": 3}", "{\"return\": {}, \"id\": 3}" },
        { "{\"execute\": \"change-vnc-password\", \"id\": 4}",
          "{\"error\": {\"class\": \"GenericError\", \"desc\": "
          "\"Parameter 'password' is missing\"}, \"id\": 4}" },
        { "{\"execute\": \"query-block\", \"id\": 5}", "{\"return\": [], \"id\": 5}" },
        { "{\"execute\": \"query-blockstats\", \"id\": 6}",
          "{\"return\": [], \"id\": 6}" },
        { "{\"execute\": \"query-hotpluggable-cpus\", \"id\": 7}",
          "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": "
          "\"The command query-hotpluggable-cpus has not been found\"}, \"id\": 7}" },
        { "{\"execute\": \"add-fd\", \"id\": 8}",
          "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": "
          "\"The command add-fd has not been found\"}, \"id\": 8}" },
        { "{\"execute\": \"xen-save-devices-state\", \"arguments\": {\"filename\": "
          "\"/dev/fdset/1\", \"live\": false}, \"id\": 9}",
          "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": "
          "\"The command xen-save-devices-state has not been found\"}, \"id\": 9}" },
        { "{\"execute\": \"human-monitor-command\", \"arguments\": "
          "{\"command-line\": \"info pci\"}, \"id\": 10}",
          "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": "
          "\"The command human-monitor-command has not been found\"}, \"id\": 10}" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(steps); i++) {
        XptQmp *c = xpt_qmp_connect(path, NULL);
        xpt_qmp_negotiate(c);
        qmpt_check(c, steps[i].request, steps[i].reply);
        xpt_qmp_free(c);
    }

    /* query-chardev: a list whose labels and filenames are strings, no serialN */
    XptQmp *c = xpt_qmp_connect(path, NULL);
    xpt_qmp_negotiate(c);
    g_autoptr(JsonNode) chr = xpt_qmp_command(c, "{\"execute\": \"query-chardev\"}");
    JsonArray *list = json_node_get_array(xpt_qmp_reply_return(chr));
    g_autofree char *fname = g_strdup_printf("unix:%s,server=on", path);
    assert_chardev(list, "libxl-cmd", fname);

    /* pci_add_qmp_device_add: id "pci-pt-BB_DD.F", hostaddr, addr "%x.%x", permissive */
    g_autofree char *add = g_strdup_printf(
        "{\"execute\": \"device_add\", \"arguments\": {\"driver\": "
        "\"xen-pci-passthrough\", \"id\": \"pci-pt-01_00.0\", \"hostaddr\": "
        "\"0000:01:00.0\", \"addr\": \"a.0\", \"permissive\": true, "
        "\"host-dump\": \"%s\"}, \"id\": 11}", xpt_test_fixture(DUMP_82576));
    qmpt_check(c, add, "{\"return\": {}, \"id\": 11}");
    g_autoptr(JsonObject) d = qmpt_pci_find(c, "pci-pt-01_00.0");
    g_assert_nonnull(d);
    g_assert_cmpint(json_object_get_int_member(d, "slot"), ==, 10);
    g_assert_cmpint(json_object_get_int_member(d, "function"), ==, 0);
    qmpt_check_ok(c, "{\"execute\": \"cont\"}");

    /* query-cpus-fast: the -smp 2 vCPUs present at start, QEMU's members */
    g_autoptr(JsonNode) cpus = xpt_qmp_command(c, "{\"execute\": \"query-cpus-fast\"}");
    JsonArray *cl = json_node_get_array(xpt_qmp_reply_return(cpus));
    g_assert_cmpuint(json_array_get_length(cl), ==, 2);
    for (guint i = 0; i < 2; i++) {
        JsonObject *cpu = json_array_get_object_element(cl, i);
        g_assert_cmpint(json_object_get_int_member(cpu, "cpu-index"), ==, i);
        g_assert_nonnull(json_object_get_string_member(cpu, "qom-path"));
        g_assert_cmpint(json_object_get_int_member(cpu, "thread-id"), >, 0);
        g_assert_cmpstr(json_object_get_string_member(cpu, "target"), ==, "i386");
        JsonObject *props = json_object_get_object_member(cpu, "props");
        g_assert_cmpint(json_object_get_int_member(props, "socket-id"), ==, i);
    }
    /* xl vcpu-set 4 falls back to cpu-add; xl trigger s3resume sends system_wakeup */
    g_autoptr(JsonNode) ca = xpt_qmp_command(c, "{\"execute\": \"cpu-add\", "
                                                "\"arguments\": {\"id\": 2}}");
    g_assert_cmpstr(xpt_qmp_reply_class(ca), ==, "GenericError");
    g_assert_nonnull(strstr(xpt_qmp_reply_desc(ca), "cannot add vCPU 2"));
    g_assert_nonnull(strstr(xpt_qmp_reply_desc(ca), "vcpus="));
    g_autoptr(JsonNode) wk = xpt_qmp_command(c, "{\"execute\": \"system_wakeup\"}");
    g_assert_cmpstr(xpt_qmp_reply_class(wk), ==, "GenericError");
    g_assert_nonnull(strstr(xpt_qmp_reply_desc(wk), "wake-up from suspend is not supported"));

    /* pci-detach: device_del, then query-pci until the id is gone (guest not started
     * under qtest: it goes at once) */
    qmpt_check_ok(c, "{\"execute\": \"device_del\", \"arguments\": {\"id\": "
                "\"pci-pt-01_00.0\"}}");
    g_autoptr(JsonObject) gone = qmpt_pci_find(c, "pci-pt-01_00.0");
    g_assert_null(gone);
    xpt_qmp_free(c);
    qmpt_vm_finish(vm);
    rmdir(dir);
}

/* The one stderr warning line of @err that mentions the display (asserting only one). */
static const char *display_warning(char **lines)
{
    const char *found = NULL;
    for (char **l = lines; *l; l++) {
        if (strstr(*l, "display")) {
            g_assert_null(found);
            found = *l;
        }
    }
    return found;
}

/*
 * xl's default HVM display (vnc on, vga cirrus) gives "-vnc 127.0.0.1:0,to=99 -display
 * none -device cirrus-vga,vgamem_mb=8" (libxl 4.17 libxl__build_device_model_args_new):
 * accepted with one warning naming the xl settings that silence it, no graphics card
 * on the bus. Before, xen-pt-dm exited ("has no display").
 */
static void test_display_defaults(void)
{
    QmptVm *vm = qmpt_vm_start("-vnc 127.0.0.1:0,to=99 -display none "
                               "-device cirrus-vga,vgamem_mb=8 -k en-us", true);
    qmpt_check(vm->qmp, "{\"execute\": \"query-vnc\"}", "{\"return\": {\"enabled\": false}}");
    g_autoptr(JsonArray) devs = qmpt_query_pci_devices(vm->qmp);
    for (guint i = 0; i < json_array_get_length(devs); i++) {
        JsonObject *cls = json_object_get_object_member(
            json_array_get_object_element(devs, i), "class_info");
        g_assert_cmpint(json_object_get_int_member(cls, "class") >> 8, !=, 0x03);
    }
    g_autofree char *err = xpt_qts_stderr(vm->qts);
    g_auto(GStrv) lines = g_strsplit(err, "\n", -1);
    const char *w = display_warning(lines);
    g_assert_nonnull(w);
    g_assert_true(g_str_has_prefix(w, "xen-pt-dm: warning: no display is served"));
    g_assert_nonnull(strstr(w, "-vnc 127.0.0.1:0,to=99"));
    g_assert_nonnull(strstr(w, "-device cirrus-vga,vgamem_mb=8"));
    g_assert_nonnull(strstr(w, "-k en-us"));
    g_assert_nonnull(strstr(w, "vnc=0 and vga=\"none\""));
    qmpt_vm_finish(vm);

    /* -display sdl and a std VGA card: named in the hint too */
    vm = qmpt_vm_start("-vnc none -display sdl -device VGA,vgamem_mb=16", true);
    g_autofree char *err2 = xpt_qts_stderr(vm->qts);
    g_auto(GStrv) lines2 = g_strsplit(err2, "\n", -1);
    w = display_warning(lines2);
    g_assert_nonnull(w);
    g_assert_nonnull(strstr(w, "vga=\"none\" and sdl=0"));
    g_assert_null(strstr(w, "vnc=0"));
    qmpt_vm_finish(vm);

    /* vnc=0 and vga="none" (and nographic=1): no warning */
    vm = qmpt_vm_start("-vnc none -display none -nographic", true);
    g_autofree char *err3 = xpt_qts_stderr(vm->qts);
    g_assert_null(strstr(err3, "display"));
    qmpt_vm_finish(vm);
}

/* What still misleads is still refused, with one line: SPICE, a std VGA by -vga, a
 * disk; and display values QEMU would not take. */
static void test_display_refusals(void)
{
    static const struct {
        const char *args, *msg;
    } cases[] = {
        { "-spice port=5900,tls-port=0", "spice=0" },
        { "-vga std", "vga=\"none\"" },
        { "-drive file=/dev/null,if=ide", "PV disk" },
        { "-vnc 5900", "not a VNC address" },
        { "-display sdl2", "not a display type" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *args = g_strdup_printf("-accel qtest -qtest stdio %s", cases[i].args);
        g_autofree char *err = NULL;
        int status = xpt_qts_run_expect_fail(args, &err);
        if (status != 1 || !strstr(err, cases[i].msg) ||
            strchr(err, '\n') != err + strlen(err) - 1) {
            g_error("'%s': status %d, stderr:\n%s\n(expected one line with '%s')",
                    cases[i].args, status, err, cases[i].msg);
        }
    }
}

/* ---- several monitors, vanishing clients ---------------------------------------------------- */

/* A raw connection that does not read the greeting (to test queueing). */
static int raw_connect(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    return fd;
}

static bool readable_within(int fd, int ms)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    return poll(&pfd, 1, ms) > 0;
}

/* libxl's two server monitors plus libqtest's client one: events go to every
 * negotiated session; a server takes its next client after the current one left. */
static void test_two_monitors(void)
{
    g_autofree char *dir = g_dir_make_tmp("xpt-qmp-XXXXXX", NULL);
    g_autofree char *p1 = tmp_sock(dir, "libxl.sock");
    g_autofree char *p2 = tmp_sock(dir, "stat.sock");
    XptQmp *legacy = xpt_qmp_listen();      /* "-qmp unix:PATH": connects out */
    g_autofree char *args = g_strdup_printf(
        "-chardev socket,id=libxl-cmd,path=%s,server=on,wait=off "
        "-mon chardev=libxl-cmd,mode=control -qmp unix:%s,server=on,wait=off "
        "-qmp unix:%s", p1, p2, xpt_qmp_path(legacy));
    QmptVm *vm = qmpt_vm_start(args, true);
    g_autoptr(JsonNode) lg = xpt_qmp_accept(legacy);
    xpt_qmp_negotiate(legacy);
    XptQmp *a = xpt_qmp_connect(p1, NULL);
    XptQmp *b = xpt_qmp_connect(p2, NULL);
    xpt_qmp_negotiate(a);
    /* b stays un-negotiated for now: no events for it */
    g_autofree char *add = qmpt_device_add_82576("shared", NULL);
    qmpt_check_ok(a, add);
    qmpt_check_ok(vm->qmp, "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"shared\"}}");
    g_autoptr(JsonNode) e1 = xpt_qmp_event_wait(vm->qmp, "DEVICE_DELETED");
    g_autoptr(JsonNode) e2 = xpt_qmp_event_wait(a, "DEVICE_DELETED");
    g_assert_cmpstr(json_object_get_string_member(qmpt_event_data(e2, "DEVICE_DELETED"), "device"),
                    ==, "shared");
    xpt_qmp_negotiate(b);
    qmpt_check_alive(b);
    qmpt_assert_no_event(b);
    qmpt_check_ok(b, "{\"execute\": \"stop\"}");
    g_autoptr(JsonNode) s1 = xpt_qmp_event_wait(vm->qmp, "STOP");
    g_autoptr(JsonNode) s2 = xpt_qmp_event_wait(a, "STOP");
    g_autoptr(JsonNode) s3 = xpt_qmp_event_wait(b, "STOP");
    g_autoptr(JsonNode) s4 = xpt_qmp_event_wait(legacy, "DEVICE_DELETED");
    g_autoptr(JsonNode) s5 = xpt_qmp_event_wait(legacy, "STOP");
    qmpt_assert_no_event(legacy);

    /* a second client of libxl-cmd waits until the first leaves, then is greeted */
    int second = raw_connect(p1);
    g_assert_false(readable_within(second, 300));
    xpt_qmp_free(a);
    g_assert_true(readable_within(second, 10000));
    XptQmp *a2 = xpt_qmp_from_fds(second, second, NULL);
    /* a new session must negotiate again */
    qmpt_check(a2, "{\"execute\": \"query-status\"}",
               "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": "
               "\"Expecting capabilities negotiation with 'qmp_capabilities'\"}}");
    xpt_qmp_negotiate(a2);
    check_status(a2, "paused", false);
    xpt_qmp_free(a2);
    xpt_qmp_free(b);
    xpt_qmp_free(legacy);
    qmpt_vm_finish(vm);
    /* the server sockets were removed at exit */
    g_assert_false(g_file_test(p1, G_FILE_TEST_EXISTS));
    g_assert_false(g_file_test(p2, G_FILE_TEST_EXISTS));
    rmdir(dir);
}

/* Clients that vanish mid-command, mid-request or with unread replies harm nothing. */
static void test_vanishing_clients(void)
{
    g_autofree char *dir = g_dir_make_tmp("xpt-qmp-XXXXXX", NULL);
    g_autofree char *path = tmp_sock(dir, "qmp.sock");
    g_autofree char *args = g_strdup_printf("-qmp unix:%s,server=on,wait=off", path);
    QmptVm *vm = qmpt_vm_start(args, true);

    /* 1. a command, then gone before the reply: the command still ran */
    XptQmp *c = xpt_qmp_connect(path, NULL);
    xpt_qmp_negotiate(c);
    g_autofree char *add = qmpt_device_add_82576("ghost", NULL);
    xpt_qmp_send_raw(c, add, strlen(add));
    xpt_qmp_free(c);
    /* 2. half a request, then gone */
    c = xpt_qmp_connect(path, NULL);
    xpt_qmp_negotiate(c);
    const char *half = "{\"execute\": \"device_del\", \"argu";
    xpt_qmp_send_raw(c, half, strlen(half));
    xpt_qmp_free(c);
    /* 3. many replies never read, then gone (the writes fail: no SIGPIPE death) */
    c = xpt_qmp_connect(path, NULL);
    xpt_qmp_negotiate(c);
    g_autoptr(GString) many = g_string_new(NULL);
    for (int i = 0; i < 3000; i++) {
        g_string_append(many, "{\"execute\": \"query-pci\"}");
    }
    xpt_qmp_send_raw(c, many->str, many->len);
    xpt_qmp_free(c);
    /* 4. gone before even reading the greeting */
    close(raw_connect(path));

    /* the device model lives on: a new client works, the device is there */
    c = xpt_qmp_connect(path, NULL);
    xpt_qmp_negotiate(c);
    g_autoptr(JsonObject) d = qmpt_pci_find(c, "ghost");
    g_assert_nonnull(d);
    qmpt_check_ok(c, "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"ghost\"}}");
    g_autoptr(JsonNode) ev = xpt_qmp_event_wait(vm->qmp, "DEVICE_DELETED");
    xpt_qmp_free(c);
    qmpt_check_alive(vm->qmp);
    g_assert_cmphex(xpt_cfg_readl(vm->qts, 0, 0), ==, 0x12378086);
    qmpt_vm_finish(vm);
    rmdir(dir);
}

/* ---- command-line forms --------------------------------------------------------------------- */

/* -qmp stdio, with the qtest socket as usual. */
static void test_qmp_stdio(void)
{
    int to_stdin, from_stdout;
    XptQts *qts = xpt_qts_start_stdio("-qmp stdio", &to_stdin, &from_stdout);
    XptQmp *q = xpt_qmp_from_fds(from_stdout, to_stdin, NULL);
    xpt_qmp_negotiate(q);
    check_status(q, "running", true);
    g_autoptr(JsonNode) r = xpt_qmp_command(q, "{\"execute\": \"quit\"}");
    g_assert_nonnull(xpt_qmp_reply_return(r));
    g_assert_cmpint(xpt_qts_wait_exit(qts, 10000), ==, 0);
    xpt_qmp_free(q);
    g_assert_cmpint(xpt_qts_quit(qts), ==, 0);
}

/* fd=N as libxl passes pre-opened sockets: a listening one (server=on) and a
 * connected one (server=off). */
static void test_inherited_fds(void)
{
    g_autofree char *dir = g_dir_make_tmp("xpt-qmp-XXXXXX", NULL);
    g_autofree char *path = tmp_sock(dir, "pre.sock");
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    int lfd = socket(AF_UNIX, SOCK_STREAM, 0);      /* inherited: no CLOEXEC */
    g_assert_cmpint(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    g_assert_cmpint(listen(lfd, 4), ==, 0);
    int pair[2];
    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), ==, 0);
    fcntl(pair[0], F_SETFD, FD_CLOEXEC);            /* our end */

    g_autofree char *args = g_strdup_printf(
        "-chardev socket,id=pre,fd=%d,server=on,wait=off -mon chardev=pre,mode=control "
        "-chardev socket,id=conn,fd=%d -mon chardev=conn,mode=control,pretty=on",
        lfd, pair[1]);
    QmptVm *vm = qmpt_vm_start(args, true);
    close(lfd);
    close(pair[1]);
    XptQmp *a = xpt_qmp_connect(path, NULL);
    xpt_qmp_negotiate(a);
    check_status(a, "running", true);
    /* pretty=on: indented JSON, still one "\r\n"-terminated message */
    XptQmp *b = xpt_qmp_from_fds(pair[0], pair[0], NULL);
    const char *req = "{\"execute\": \"qmp_capabilities\"}";
    xpt_qmp_send_raw(b, req, strlen(req));
    g_autofree char *line = xpt_qmp_receive_line(b);
    g_assert_nonnull(strchr(line, '\n'));
    g_autoptr(JsonNode) r = qmpt_parse(line);
    qmpt_assert_json_eq_text(r, "{\"return\": {}}");
    xpt_qmp_free(a);
    xpt_qmp_free(b);
    qmpt_vm_finish(vm);
    unlink(path);
    rmdir(dir);
}

/* Bad monitor options: one line on stderr and exit status 1. */
static void test_bad_options(void)
{
    static const struct {
        const char *args, *msg;
    } cases[] = {
        { "-mon chardev=nope,mode=control", "chardev 'nope' not found" },
        { "-chardev socket,id=a,path=/tmp/xpt-none.sock -mon chardev=a",
          "no human monitor (HMP)" },
        { "-chardev socket,id=a,path=/tmp/xpt-a.sock -chardev socket,id=a,path=/tmp/b",
          "Duplicate ID 'a' for chardev" },
        { "-chardev socket,id=a -mon chardev=a,mode=control", "exactly one of path= and fd=" },
        { "-chardev socket,id=a,path=/tmp/x,telnet=on", "unsupported option 'telnet'" },
        { "-chardev vc,id=a", "backend 'vc' is not supported" },
        { "-qmp tcp:localhost:4444,server=on", "unsupported chardev" },
        { "-monitor stdio", "no human monitor (HMP)" },
        { "-qmp stdio -qtest stdio", "stdio can serve only one" },
        { "-chardev socket,id=a,fd=0,server=on -mon chardev=a,mode=control "
          "-qtest unix:/nonexistent/q.sock", "fd=0 is not a stream socket" },
        { "-chardev socket,id=a,path=/nonexistent/xpt.sock -mon chardev=a,mode=control "
          "-qtest unix:/nonexistent/q.sock", "cannot connect to unix:/nonexistent/xpt.sock" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *args = g_strdup_printf("-accel qtest %s", cases[i].args);
        g_autofree char *err = NULL;
        int status = xpt_qts_run_expect_fail(args, &err);
        if (status != 1 || !strstr(err, cases[i].msg)) {
            g_error("'%s': status %d, stderr:\n%s\n(expected '%s')", cases[i].args, status,
                    err, cases[i].msg);
        }
        /* one line */
        g_assert_cmpstr(strchr(err, '\n'), ==, err + strlen(err) - 1);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qmp/stop-cont", test_stop_cont);
    g_test_add_func("/qmp/quit", test_quit);
    g_test_add_func("/qmp/sigterm", test_sigterm);
    g_test_add_func("/qmp/sighup", test_sighup);
    g_test_add_func("/qmp/query-chardev", test_query_chardev);
    g_test_add_func("/qmp/libxl-conversation", test_libxl_conversation);
    g_test_add_func("/qmp/display-defaults", test_display_defaults);
    g_test_add_func("/qmp/display-refusals", test_display_refusals);
    g_test_add_func("/qmp/libqtest-command-line", test_libqtest_command_line);
    g_test_add_func("/qmp/two-monitors", test_two_monitors);
    g_test_add_func("/qmp/vanishing-clients", test_vanishing_clients);
    g_test_add_func("/qmp/stdio", test_qmp_stdio);
    g_test_add_func("/qmp/inherited-fds", test_inherited_fds);
    g_test_add_func("/qmp/bad-options", test_bad_options);
    return g_test_run();
}
