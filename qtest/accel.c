/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qtest accelerator glue (qtest/accel.h). */
#include "qtest/accel.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "hw/xen/xen-pt.h"
#include "util/error.h"

XptQtestAccel *xpt_qtest_accel_new(uint64_t ram_bytes)
{
    XptQtestAccel *a = g_new0(XptQtestAccel, 1);
    a->sim = xpt_sim_new(ram_bytes);
    return a;
}

/* The passthrough device whose guest devfn ("SS.F", hex) or host SBDF is @key. */
static XptPtDevice *find_pt(XptMachine *m, const char *key)
{
    for (unsigned i = 0; i < m->devices->len; i++) {
        XptPciDevice *d = g_ptr_array_index(m->devices, i);
        if (g_strcmp0(d->klass->name, XPT_PT_DRIVER) != 0) {
            continue;
        }
        XptPtDevice *pt = (XptPtDevice *)d;
        g_autofree char *guest = g_strdup_printf("%02x.%x", XPT_PCI_SLOT(d->devfn),
                                                 XPT_PCI_FUNC(d->devfn));
        if (!g_ascii_strcasecmp(key, guest) || !g_ascii_strcasecmp(key, xpt_host_pci_sbdf(pt->host)) ||
            !g_strcmp0(key, d->id)) {
            return pt;
        }
    }
    return NULL;
}

/* "xen-sim host-writes KEY": the recorded host config writes of a device, as JSON. */
static char *host_writes_json(XptPtDevice *pt)
{
    size_t n;
    const XptHostWrite *w = xpt_host_pci_writes(pt->host, &n);
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_array(b);
    for (size_t i = 0; i < n; i++) {
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "offset");
        json_builder_add_int_value(b, w[i].offset);
        json_builder_set_member_name(b, "len");
        json_builder_add_int_value(b, w[i].len);
        json_builder_set_member_name(b, "value");
        json_builder_add_int_value(b, w[i].value);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) root = json_builder_get_root(b);
    json_generator_set_root(gen, root);
    return json_generator_to_data(gen, NULL);
}

/* An errno given as a decimal number (1-4095) or one of the names a device or backend
 * failure produces; 0 if invalid. */
static int parse_host_errno(const char *s)
{
    static const struct {
        const char *name;
        int err;
    } names[] = {
        { "EIO", EIO }, { "ENODEV", ENODEV }, { "ENXIO", ENXIO }, { "EPERM", EPERM },
        { "EACCES", EACCES }, { "EAGAIN", EAGAIN }, { "EBUSY", EBUSY },
        { "EINVAL", EINVAL }, { "ETIMEDOUT", ETIMEDOUT }, { "ENOENT", ENOENT },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        if (!g_ascii_strcasecmp(s, names[i].name)) {
            return names[i].err;
        }
    }
    guint64 v;
    return g_ascii_string_to_unsigned(s, 10, 1, 4095, &v, NULL) ? (int)v : 0;
}

/* "xen-sim host-fail KEY read|write ERRNO [COUNT]": host config faults (COUNT 1; 0
 * cancels). */
static char *host_fail(XptPtDevice *pt, char **argv, guint argc, GError **errp)
{
    bool is_write = !g_strcmp0(argv[3], "write");
    int err = argc >= 5 ? parse_host_errno(argv[4]) : 0;
    guint64 count = 1;
    if (argc < 5 || argc > 6 || (!is_write && g_strcmp0(argv[3], "read")) || !err ||
        (argc == 6 && !g_ascii_string_to_unsigned(argv[5], 10, 0, G_MAXUINT, &count, NULL))) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "usage: xen-sim host-fail SLOT|SBDF|ID read|write ERRNO [COUNT] "
                    "(ERRNO: 1-4095 or a name like EIO; COUNT: 0-%u, default 1)",
                    G_MAXUINT);
        return NULL;
    }
    xpt_host_pci_inject_fault(pt->host, is_write, err, (unsigned)count);
    return g_strdup("");
}

/* "xen-sim host-gone KEY [on|off]": the device disappears (reads all-ones) or returns. */
static char *host_gone(XptPtDevice *pt, char **argv, guint argc, GError **errp)
{
    const char *v = argc == 4 ? argv[3] : "on";
    if (argc > 4 || (g_strcmp0(v, "on") && g_strcmp0(v, "off"))) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "usage: xen-sim host-gone SLOT|SBDF|ID [on|off]");
        return NULL;
    }
    xpt_host_pci_set_gone(pt->host, !strcmp(v, "on"));
    return g_strdup("");
}

/*
 * The machine's "xen-sim" subcommands (qtest/xen-sim.h), all about one passthrough
 * device named by guest slot "SS.F", host SBDF or id:
 *   host-writes KEY                              recorded host config writes (JSON)
 *   host-fail KEY read|write ERRNO [COUNT]       xpt_host_pci_inject_fault
 *   host-gone KEY [on|off]                       xpt_host_pci_set_gone
 */
static char *machine_extension(void *opaque, char **argv, GError **errp)
{
    XptQtestAccel *a = opaque;
    guint argc = g_strv_length(argv);
    const char *sub = argv[1];
    bool known = !g_strcmp0(sub, "host-writes") || !g_strcmp0(sub, "host-fail") ||
                 !g_strcmp0(sub, "host-gone");
    if (!known || argc < 3 || (!strcmp(sub, "host-writes") && argc != 3)) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "unknown xen-sim command (state, leaks, fail, get-free-pirq, "
                    "evtchn-bind-pirq PIRQ, evtchn-close-pirq PIRQ, host-writes KEY, "
                    "host-fail KEY read|write ERRNO [COUNT], host-gone KEY [on|off]; "
                    "KEY: SLOT|SBDF|ID)");
        return NULL;
    }
    XptPtDevice *pt = a->machine ? find_pt(a->machine, argv[2]) : NULL;
    if (!pt) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_NOT_FOUND, "no passthrough device '%s'", argv[2]);
        return NULL;
    }
    if (!strcmp(sub, "host-fail")) {
        return host_fail(pt, argv, argc, errp);
    }
    if (!strcmp(sub, "host-gone")) {
        return host_gone(pt, argv, argc, errp);
    }
    return host_writes_json(pt);
}

bool xpt_qtest_accel_start(XptQtestAccel *a, XptMachine *m, const char *chardev,
                           const char *log_path, void (*on_close)(void *), void *opaque,
                           GError **errp)
{
    a->machine = m;
    xpt_sim_set_dispatcher(a->sim, m->disp);
    xpt_sim_set_extension(a->sim, machine_extension, a);
    a->server = xpt_qtest_server_new(chardev, log_path, xpt_sim_qtest_backend(), a->sim, errp);
    if (!a->server) {
        return false;
    }
    xpt_sim_set_qtest(a->sim, a->server);
    xpt_qtest_server_set_close_hook(a->server, on_close, opaque);
    return true;
}

unsigned xpt_qtest_accel_finish(XptQtestAccel *a)
{
    g_auto(GStrv) leaks = xpt_sim_leak_report(a->sim);
    unsigned n = 0;
    for (; leaks && leaks[n]; n++) {
        g_printerr("xen-sim: leak: %s\n", leaks[n]);
    }
    return n;
}

void xpt_qtest_accel_free(XptQtestAccel *a)
{
    if (!a) {
        return;
    }
    if (a->sim) {
        xpt_sim_set_qtest(a->sim, NULL);
    }
    xpt_qtest_server_free(a->server);
    xpt_sim_free(a->sim);
    g_free(a);
}
