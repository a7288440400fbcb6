/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP commands (monitor/qmp.h lists them). Argument shapes and replies follow the
 * QEMU 7.2 QAPI schema (qapi/control.json, qapi/run-state.json, qapi/qdev.json,
 * qapi/qom.json) and the transcripts in fixtures/qemu-7.2-reference/; device_add takes
 * its arguments exactly as libxl sends them (reference/toolstack.md §pci).
 */
#include <string.h>
#include <unistd.h>

#include "hw/i386/machine.h"
#include "monitor/qmp-int.h"
#include "monitor/runstate.h"
#include "util/error.h"
#include "util/opts.h"

static JsonNode *empty_return(void)
{
    return NULL;    /* the dispatcher sends {} */
}

static XptMachine *need_machine(GError **errp)
{
    XptMachine *m = xpt_qmp_config()->machine;
    if (!m) {
        g_set_error(errp, XPT_QMP_ERROR, XPT_QMP_ERROR_GENERIC, "no machine");
    }
    return m;
}

/* ---- qmp_capabilities, query-commands, query-version ----------------------------- */

/*
 * qmp_capabilities {"enable"?: [QMPCapability]}: the only capability is "oob". Element
 * errors are worded as QEMU's input visitor words them (the element of a list is
 * visited without a name: "Parameter 'null' does not accept value ...").
 */
static JsonNode *cmd_qmp_capabilities(XptQmpMonitor *mon, JsonObject *args, GError **errp)
{
    bool oob = false;
    JsonArray *enable = json_object_has_member(args, "enable")
                        ? json_object_get_array_member(args, "enable") : NULL;
    for (guint i = 0; enable && i < json_array_get_length(enable); i++) {
        JsonNode *el = json_array_get_element(enable, i);
        if (!JSON_NODE_HOLDS_VALUE(el) || json_node_get_value_type(el) != G_TYPE_STRING) {
            g_set_error(errp, XPT_QMP_ERROR, XPT_QMP_ERROR_GENERIC,
                        "Invalid parameter type for 'enable[%u]', expected: string", i);
            return NULL;
        }
        if (strcmp(json_node_get_string(el), "oob") != 0) {
            g_set_error(errp, XPT_QMP_ERROR, XPT_QMP_ERROR_GENERIC,
                        "Parameter 'null' does not accept value '%s'",
                        json_node_get_string(el));
            return NULL;
        }
        oob = true;
    }
    return xpt_qmp_negotiate(mon, oob, errp) ? empty_return() : NULL;
}

static JsonNode *cmd_query_commands(XptQmpMonitor *mon, JsonObject *args, GError **errp)
{
    JsonArray *list = json_array_new();
    for (const XptQmpCommand *c = xpt_qmp_commands; c->name; c++) {
        JsonObject *info = json_object_new();
        json_object_set_string_member(info, "name", c->name);
        json_array_add_object_element(list, info);
    }
    return xpt_qmp_array_node(list);
}

static JsonNode *cmd_query_version(XptQmpMonitor *mon, JsonObject *args, GError **errp)
{
    return xpt_qmp_version_node();
}

/* ---- run state ------------------------------------------------------------------------ */

/* {"status", "singlestep", "running"} (qapi/run-state.json StatusInfo of QEMU 7.2). */
static JsonNode *cmd_query_status(XptQmpMonitor *mon, JsonObject *args, GError **errp)
{
    JsonObject *o = json_object_new();
    json_object_set_string_member(o, "status", xpt_runstate_name(xpt_runstate_get()));
    json_object_set_boolean_member(o, "singlestep", FALSE);
    json_object_set_boolean_member(o, "running", xpt_runstate_is_running());
    return xpt_qmp_object_node(o);
}

/* stop: running → paused with a STOP event; in any other state nothing happens (QEMU). */
static JsonNode *cmd_stop(XptQmpMonitor *mon, JsonObject *args, GError **errp)
{
    if (xpt_runstate_is_running()) {
        xpt_runstate_set(XPT_RUNSTATE_PAUSED);
        xpt_qmp_event("STOP", NULL);
    }
    return empty_return();
}

/* cont: prelaunch or paused → running with a RESUME event; running: nothing. */
static JsonNode *cmd_cont(XptQmpMonitor *mon, JsonObject *args, GError **errp)
{
    XptRunState s = xpt_runstate_get();
    if (s == XPT_RUNSTATE_PRELAUNCH || s == XPT_RUNSTATE_PAUSED) {
        xpt_qmp_event("RESUME", NULL);
        xpt_runstate_set(XPT_RUNSTATE_RUNNING);
    }
    return empty_return();
}

/* quit: SHUTDOWN {"guest": false, "reason": "host-qmp-quit"} comes before the {} reply,
 * as in the QEMU 7.2 transcript; then the process exits with status 0. */
static JsonNode *cmd_quit(XptQmpMonitor *mon, JsonObject *args, GError **errp)
{
    xpt_qmp_event_shutdown("host-qmp-quit");
    xpt_qmp_request_quit();
    return empty_return();
}

/* ---- device_add / device_del ------------------------------------------------------------ */

/* QEMU's id_wellformed(): a letter, then letters, digits, '-', '.', '_'. */
static bool id_wellformed(const char *id)
{
    if (!g_ascii_isalpha(id[0])) {
        return false;
    }
    for (const char *p = id + 1; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("-._", *p)) {
            return false;
        }
    }
    return true;
}

/* Property names the option parser can carry (no ',' or '=' or blanks). */
static bool key_usable(const char *key)
{
    if (!*key || strlen(key) > 64) {
        return false;
    }
    for (const char *p = key; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("-._", *p)) {
            return false;
        }
    }
    return true;
}

/* The property types of xen-pci-passthrough, for type errors (hw/xen/xen-pt.h). */
static const char *pt_prop_type(const char *key)
{
    static const struct {
        const char *name, *type;
    } props[] = {
        { "hostaddr", "string" }, { "addr", "string" }, { "permissive", "boolean" },
        { "multifunction", "boolean" }, { "rombar", "integer" }, { "romfile", "string" },
        { "unaligned-bars", "boolean" }, { "host-sysfs", "string" },
        { "host-dump", "string" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(props); i++) {
        if (!strcmp(props[i].name, key)) {
            return props[i].type;
        }
    }
    return NULL;
}

/*
 * A property value as QEMU 7.2's device_add turns it into an option string
 * (qemu_opts_from_qdict: strings as they are, integers in decimal, booleans on/off,
 * other numbers in %.17g). NULL for null, arrays and objects.
 */
static char *prop_value_text(JsonNode *node)
{
    if (!JSON_NODE_HOLDS_VALUE(node)) {
        return NULL;
    }
    GType t = json_node_get_value_type(node);
    if (t == G_TYPE_STRING) {
        return g_strdup(json_node_get_string(node));
    }
    if (t == G_TYPE_INT64) {
        return g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(node));
    }
    if (t == G_TYPE_BOOLEAN) {
        return g_strdup(json_node_get_boolean(node) ? "on" : "off");
    }
    if (t == G_TYPE_DOUBLE) {
        char buf[G_ASCII_DTOSTR_BUF_SIZE];
        return g_strdup(g_ascii_formatd(buf, sizeof(buf), "%.17g", json_node_get_double(node)));
    }
    return NULL;
}

/* Append ",key=value" with ',' doubled in the value (util/opts.h). */
static void append_opt(GString *s, const char *key, const char *value)
{
    g_string_append_printf(s, ",%s=", key);
    for (const char *p = value; *p; p++) {
        g_string_append_c(s, *p);
        if (*p == ',') {
            g_string_append_c(s, ',');
        }
    }
}

/*
 * device_add {"driver", "id"?, "bus"?, properties...} (qapi/qdev.json; 'gen': false):
 * the properties become the same option list as -device, checked in QEMU's order:
 * driver ("Parameter 'driver' is missing", "'X' is not a valid device model name"),
 * bus ("Bus 'X' not found"; only "pci.0" exists), id ("Parameter 'id' expects an
 * identifier"), then the machine (duplicate id, properties, slot, realize) with its
 * one-line messages, all GenericError. Deviations from QEMU 7.2, which drops them
 * silently: a non-string "id" and null/array/object property values are errors
 * ("Invalid parameter type for 'X', expected: T"). While the run state is prelaunch
 * the device is a cold plug (SPEC §4) even if qtest accesses already counted as guest
 * I/O: the machine's guest_started flag is masked for the call.
 */
static JsonNode *device_add(XptQmpMonitor *mon, JsonObject *args, GError **errp)
{
    XptMachine *m = need_machine(errp);
    if (!m) {
        return NULL;
    }
    JsonNode *dn = json_object_get_member(args, "driver");
    const char *driver = dn && JSON_NODE_HOLDS_VALUE(dn) &&
                         json_node_get_value_type(dn) == G_TYPE_STRING
                         ? json_node_get_string(dn) : NULL;
    if (!driver) {
        g_set_error(errp, XPT_QMP_ERROR, XPT_QMP_ERROR_GENERIC,
                    "Parameter 'driver' is missing");
        return NULL;
    }
    if (!xpt_machine_device_help(driver)) {
        g_set_error(errp, XPT_QMP_ERROR, XPT_QMP_ERROR_GENERIC,
                    "'%s' is not a valid device model name", driver);
        return NULL;
    }
    JsonNode *bn = json_object_get_member(args, "bus");
    if (bn) {
        g_autofree char *bus = prop_value_text(bn);
        if (!bus || strcmp(bus, "pci.0") != 0) {
            g_set_error(errp, XPT_QMP_ERROR, XPT_QMP_ERROR_GENERIC, "Bus '%s' not found",
                        bus ? bus : "");
            return NULL;
        }
    }
    JsonNode *idn = json_object_get_member(args, "id");
    if (idn) {
        if (!JSON_NODE_HOLDS_VALUE(idn) || json_node_get_value_type(idn) != G_TYPE_STRING) {
            g_set_error(errp, XPT_QMP_ERROR, XPT_QMP_ERROR_GENERIC,
                        "Invalid parameter type for 'id', expected: string");
            return NULL;
        }
        if (!id_wellformed(json_node_get_string(idn))) {
            g_set_error(errp, XPT_QMP_ERROR, XPT_QMP_ERROR_GENERIC,
                        "Parameter 'id' expects an identifier");
            return NULL;
        }
    }

    g_autoptr(GString) spec = g_string_new("driver=");
    g_string_append(spec, driver);
    JsonObjectIter it;
    const char *key;
    JsonNode *val;
    json_object_iter_init_ordered(&it, args);
    while (json_object_iter_next_ordered(&it, &key, &val)) {
        if (!strcmp(key, "driver") || !strcmp(key, "bus")) {
            continue;
        }
        const char *type = !strcmp(key, "id") ? "string" : pt_prop_type(key);
        g_autofree char *text = prop_value_text(val);
        if (!key_usable(key) || (!type && !text)) {
            g_set_error(errp, XPT_QMP_ERROR, XPT_QMP_ERROR_GENERIC,
                        "Property '%s.%.64s' not found", driver, key);
            return NULL;
        }
        if (!text) {
            g_set_error(errp, XPT_QMP_ERROR, XPT_QMP_ERROR_GENERIC,
                        "Invalid parameter type for '%s', expected: %s", key, type);
            return NULL;
        }
        append_opt(spec, key, text);
    }
    g_autoptr(XptOpts) opts = xpt_opts_parse(spec->str, NULL, errp);
    if (!opts) {
        return NULL;
    }
    bool prelaunch = xpt_runstate_get() == XPT_RUNSTATE_PRELAUNCH;
    bool started = m->guest_started;
    if (prelaunch) {
        m->guest_started = false;
    }
    XptPciDevice *dev = xpt_machine_device_add(m, opts, errp);
    if (prelaunch) {
        m->guest_started = started;
    }
    if (!dev) {
        return NULL;
    }
    xpt_qmp_trace(mon, "device_add: %s '%s' at %02x.%x", driver, dev->id ? dev->id : "",
                  XPT_PCI_SLOT(dev->devfn), XPT_PCI_FUNC(dev->devfn));
    return empty_return();
}

/* A string member of @args, or NULL (for the log line). */
static const char *arg_string(JsonObject *args, const char *key)
{
    JsonNode *n = json_object_get_member(args, key);
    return n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING
           ? json_node_get_string(n) : NULL;
}

/*
 * device_add, and a refusal on stderr too: libxl attaches every pci= device this way and
 * keeps only "unable to add device" from the reply, so the reason must reach
 * qemu-dm-GUEST.log (issue 14: refusals in the log). The QMP reply is unchanged.
 */
static JsonNode *cmd_device_add(XptQmpMonitor *mon, JsonObject *args, GError **errp)
{
    g_autoptr(GError) err = NULL;
    JsonNode *r = device_add(mon, args, &err);
    if (err) {                              /* success may return NULL: {"return": {}} */
        const char *id = arg_string(args, "id");
        const char *host = arg_string(args, "hostaddr");
        xpt_error_report("device_add%s%.64s%s%.64s%s refused: %s", id ? " " : "",
                         id ? id : "", host ? " (hostaddr " : "", host ? host : "",
                         host ? ")" : "", err->message);
        g_propagate_error(errp, g_steal_pointer(&err));
    }
    return r;
}

/*
 * device_del {"id"}: "id" is the qdev id or its QOM path "/machine/peripheral/ID".
 * Unknown → DeviceNotFound "Device 'X' not found". Then the machine's request_unplug,
 * or the forced path documented in monitor/qmp.h.
 */
static JsonNode *cmd_device_del(XptQmpMonitor *mon, JsonObject *args, GError **errp)
{
    XptMachine *m = need_machine(errp);
    if (!m) {
        return NULL;
    }
    const char *id = json_object_get_string_member(args, "id");
    const char *key = g_str_has_prefix(id, "/machine/peripheral/")
                      ? id + strlen("/machine/peripheral/") : id;
    XptPciDevice *dev = xpt_machine_find_id(m, key);
    if (!dev) {
        g_set_error(errp, XPT_QMP_ERROR, XPT_QMP_ERROR_DEVICE_NOT_FOUND,
                    "Device '%s' not found", id);
        return NULL;
    }
    const XptQmpMachineOps *ops = xpt_qmp_config()->machine_ops;
    if (ops && ops->request_unplug) {
        return ops->request_unplug(m, dev, errp) ? empty_return() : NULL;
    }
    g_autofree char *gone = g_strdup(dev->id);
    xpt_qmp_trace(mon, "device_del: removing '%s' from %02x.%x (forced path)", gone,
                  XPT_PCI_SLOT(dev->devfn), XPT_PCI_FUNC(dev->devfn));
    xpt_machine_device_del(m, dev);
    xpt_qmp_event_device_deleted(gone);     /* sent after the reply */
    return empty_return();
}

static JsonNode *cmd_query_pci(XptQmpMonitor *mon, JsonObject *args, GError **errp)
{
    XptMachine *m = need_machine(errp);
    return m ? xpt_qmp_query_pci(m) : NULL;
}

/* ---- qom-list-types ----------------------------------------------------------------------- */

/*
 * The QOM types a probing client may ask about: the class tree above the devices this
 * model provides (QEMU's names: TYPE_DEVICE "device", TYPE_PCI_DEVICE "pci-device",
 * TYPE_I440FX_PCI_DEVICE "i440FX", TYPE_PIIX3_DEVICE "PIIX3", "PIIX4_PM").
 */
static const struct {
    const char *name;
    const char *parent;
    bool abstract;
} qom_types[] = {
    { "object", NULL, true },
    { "device", "object", true },
    { "pci-device", "device", true },
    { "xen-pci-passthrough", "pci-device", false },
    { "i440FX", "pci-device", false },
    { "PIIX3", "pci-device", false },
    { "PIIX4_PM", "pci-device", false },
    { "machine", "object", true },
    { "xenfv-machine", "machine", false },
};

static bool qom_is_a(unsigned idx, const char *ancestor)
{
    for (unsigned guard = 0; guard < G_N_ELEMENTS(qom_types); guard++) {
        if (!strcmp(qom_types[idx].name, ancestor)) {
            return true;
        }
        const char *parent = qom_types[idx].parent;
        unsigned j = 0;
        while (parent && j < G_N_ELEMENTS(qom_types) && strcmp(qom_types[j].name, parent)) {
            j++;
        }
        if (!parent || j == G_N_ELEMENTS(qom_types)) {
            return false;
        }
        idx = j;
    }
    return false;
}

/*
 * qom-list-types {"implements"?, "abstract"?} → [{"name", "abstract"? (only when
 * true), "parent"?}] (qapi/qom.json ObjectTypeInfo): types that are @implements or
 * derive from it, abstract ones only with "abstract": true; an unknown type → [].
 */
static JsonNode *cmd_qom_list_types(XptQmpMonitor *mon, JsonObject *args, GError **errp)
{
    const char *implements = json_object_has_member(args, "implements")
                             ? json_object_get_string_member(args, "implements") : NULL;
    bool abstract = json_object_has_member(args, "abstract") &&
                    json_object_get_boolean_member(args, "abstract");
    JsonArray *list = json_array_new();
    for (unsigned i = 0; i < G_N_ELEMENTS(qom_types); i++) {
        if ((qom_types[i].abstract && !abstract) ||
            (implements && !qom_is_a(i, implements))) {
            continue;
        }
        JsonObject *info = json_object_new();
        json_object_set_string_member(info, "name", qom_types[i].name);
        if (qom_types[i].abstract) {
            json_object_set_boolean_member(info, "abstract", TRUE);
        }
        if (qom_types[i].parent) {
            json_object_set_string_member(info, "parent", qom_types[i].parent);
        }
        json_array_add_object_element(list, info);
    }
    return xpt_qmp_array_node(list);
}

/* ---- what libxl 4.17 sends after start-up and for xl commands ------------------------------ */

/*
 * query-chardev → [{"label", "filename", "frontend-open"}] (QEMU 7.2 qapi/char.json).
 * libxl 4.17 sends it to every qemu-xen device model once "running" is in xenstore
 * (tools/libs/light/libxl_dm.c device_model_spawn_outcome) and a failure fails
 * xl create; device_model_postconfig_chardev reads "label" and "filename" of every
 * entry and writes the pty of each "serialN" whose filename starts with "pty:" to
 * xenstore (/local/domain/N/serial/PORT/tty) for xl console -t serial. Listed here
 * (monitor/qmp.c xpt_qmp_query_chardev): the QMP monitors' chardevs, then COM1's
 * with QEMU's label — "serial0" for -serial pty (what libxl passes for serial="pty"),
 * the chardev's id for -serial chardev:ID, which libxl therefore does not write to
 * xenstore, exactly as with QEMU (fixtures/qemu-7.2-reference/query-chardev-serial.txt).
 * QEMU lists its chardevs in the order of an internal hash table; ours come in
 * command-line order, the serial port last.
 */
static JsonNode *cmd_query_chardev(XptQmpMonitor *mon, JsonObject *args, GError **errp)
{
    return xpt_qmp_query_chardev();
}

/*
 * query-vnc → {"enabled": false}: the reply of QEMU 7.2 ui/vnc.c qmp_query_vnc when no
 * VNC server listens. libxl 4.17 sends it right after query-chardev when the guest has
 * vnc enabled, which is xl's default for HVM (libxl_dm.c
 * device_model_postconfig_chardev), and with "enabled": false writes nothing to
 * xenstore (device_model_postconfig_vnc). xen-pt-dm serves no display: -vnc is
 * accepted with a warning (system/vl.c).
 */
static JsonNode *cmd_query_vnc(XptQmpMonitor *mon, JsonObject *args, GError **errp)
{
    JsonObject *o = json_object_new();
    json_object_set_boolean_member(o, "enabled", FALSE);
    return xpt_qmp_object_node(o);
}

/*
 * change-vnc-password {"password"} → {}: libxl 4.17 sends it after query-vnc when
 * vncpasswd is set (libxl_dm.c device_model_postconfig_vnc), and an error fails
 * xl create. There is no VNC server whose password could protect anything, so it
 * is accepted and forgotten (QEMU with a VNC server stores it; without one QEMU 7.2
 * answers "Could not set password", which would fail the guest's creation over an
 * option xen-pt-dm already ignores with a warning).
 */
static JsonNode *cmd_change_vnc_password(XptQmpMonitor *mon, JsonObject *args, GError **errp)
{
    return empty_return();
}

/*
 * query-cpus-fast → [{"cpu-index", "qom-path", "thread-id", "props", "target"}] (QEMU
 * 7.2 qapi/machine.json CpuInfoFast), one per vCPU present at start (-smp N). libxl
 * 4.17 reads "cpu-index" of each: libxl_domain.c libxl_retrieve_domain_configuration
 * (xl reboot's new configuration, xl save, xl list -l) and libxl_set_vcpuonline
 * (xl vcpu-set). Xen runs the vCPUs; the values mirror what QEMU reports for a
 * qemu-xen (i386 target) guest started with -smp N,maxcpus=M: QOM paths of
 * /machine/unattached, socket-id = index, and as thread-id the one thread here.
 */
static JsonNode *cmd_query_cpus_fast(XptQmpMonitor *mon, JsonObject *args, GError **errp)
{
    unsigned n = xpt_qmp_config()->vcpus ? xpt_qmp_config()->vcpus : 1;
    JsonArray *list = json_array_new();
    for (unsigned i = 0; i < n; i++) {
        g_autofree char *path = g_strdup_printf("/machine/unattached/device[%u]", i);
        JsonObject *props = json_object_new();
        json_object_set_int_member(props, "socket-id", i);
        json_object_set_int_member(props, "core-id", 0);
        json_object_set_int_member(props, "thread-id", 0);
        JsonObject *cpu = json_object_new();
        json_object_set_int_member(cpu, "cpu-index", i);
        json_object_set_string_member(cpu, "qom-path", path);
        json_object_set_int_member(cpu, "thread-id", getpid());
        json_object_set_object_member(cpu, "props", props);
        json_object_set_string_member(cpu, "target", "i386");
        json_array_add_object_element(list, cpu);
    }
    return xpt_qmp_array_node(list);
}

/*
 * cpu-add {"id"}: GenericError. libxl 4.17 xl vcpu-set adds vCPUs with device_add
 * after query-hotpluggable-cpus, or, when that command is not found (as here), with
 * cpu-add (libxl_domain.c set_vcpuonline_qmp_query_hotpluggable_cpus); lowering the
 * count sends neither. Bringing a vCPU to the guest needs QEMU's ACPI CPU hot-plug
 * hardware, which xen-pt-dm does not have, so the answer says what to do instead.
 */
static JsonNode *cmd_cpu_add(XptQmpMonitor *mon, JsonObject *args, GError **errp)
{
    g_set_error(errp, XPT_QMP_ERROR, XPT_QMP_ERROR_GENERIC,
                "cannot add vCPU %" G_GINT64_FORMAT ": xen-pt-dm has no vCPU hot-plug; "
                "set vcpus= in the guest's configuration and restart it",
                json_object_get_int_member(args, "id"));
    return NULL;
}

/*
 * system_wakeup: GenericError with QEMU 7.2's text when the machine cannot wake from
 * S3 (softmmu/runstate.c qmp_system_wakeup). libxl 4.17 sends it for
 * xl trigger DOMAIN s3resume (libxl_domain.c domain_s3_resume); xen-pt-dm models no
 * S3 state.
 */
static JsonNode *cmd_system_wakeup(XptQmpMonitor *mon, JsonObject *args, GError **errp)
{
    g_set_error(errp, XPT_QMP_ERROR, XPT_QMP_ERROR_GENERIC,
                "wake-up from suspend is not supported by this guest (xen-pt-dm has no "
                "S3 suspend-to-RAM; use xl shutdown and xl create)");
    return NULL;
}

/*
 * system_reset → {} then RESET {"guest": false, "reason": "host-qmp-system-reset"}
 * (QEMU 7.2 qapi/run-state.json). A reset of a Xen HVM guest is a reboot of the domain:
 * xendevicemodel_shutdown(SHUTDOWN_reboot), after which libxl destroys the domain and
 * creates it again with a new device model (hw/i386/machine.h
 * xpt_machine_power_request). QEMU 7.2 under Xen only resets its own devices on a QMP
 * system_reset and leaves the domain running; rebooting is what the command means and
 * what a guest reset (0xCF9) does. libxl 4.17 never sends it (xl reboot -F uses
 * xc_domain_send_trigger RESET). Errors: GenericError with the hypervisor's message, or
 * "already shutting down".
 */
static JsonNode *cmd_system_reset(XptQmpMonitor *mon, JsonObject *args, GError **errp)
{
    XptMachine *m = need_machine(errp);
    if (!m || !xpt_machine_power_request(m, XPT_POWER_HOST_RESET, errp)) {
        return NULL;
    }
    return empty_return();
}

/*
 * system_powerdown → {} then POWERDOWN (no data; QEMU 7.2 qapi/run-state.json): the
 * ACPI power button, pressed through Xen (xc_domain_send_trigger
 * XEN_DOMCTL_SENDTRIGGER_POWER, like xl trigger DOM power / xl shutdown -F), because
 * under Xen the PM1a status register that carries the button is Xen's
 * (hw/i386/machine.h xpt_machine_powerdown). The guest decides what to do; a guest
 * that ignores the button keeps running, as in QEMU. Errors: GenericError naming the
 * call (EPERM from a libxenctrl handle restricted with -xen-domid-restrict: use
 * xl trigger DOM power from dom0).
 */
static JsonNode *cmd_system_powerdown(XptQmpMonitor *mon, JsonObject *args, GError **errp)
{
    XptMachine *m = need_machine(errp);
    if (!m || !xpt_machine_powerdown(m, errp)) {
        return NULL;
    }
    xpt_qmp_event_after_reply("POWERDOWN", NULL);
    return empty_return();
}

/*
 * query-block and query-blockstats → []: no block devices (QEMU 7.2 qapi/block-core.json
 * BlockInfo and BlockStats lists). libxenstat (xentop) asks them on the libxenstat-cmd
 * monitor libxl creates (Xen 4.17 tools/libs/stat/xenstat_qmp.c).
 */
static JsonNode *cmd_query_block(XptQmpMonitor *mon, JsonObject *args, GError **errp)
{
    return xpt_qmp_array_node(json_array_new());
}

/* ---- the table ------------------------------------------------------------------------------ */

static const XptQmpParam caps_params[] = {
    { "enable", XPT_QMP_ARRAY, true },
    { NULL, 0, false },
};
static const XptQmpParam device_del_params[] = {
    { "id", XPT_QMP_STR, false },
    { NULL, 0, false },
};
static const XptQmpParam qom_list_types_params[] = {
    { "implements", XPT_QMP_STR, true },
    { "abstract", XPT_QMP_BOOL, true },
    { NULL, 0, false },
};

static const XptQmpParam vnc_password_params[] = {
    { "password", XPT_QMP_STR, false },
    { NULL, 0, false },
};
static const XptQmpParam cpu_add_params[] = {
    { "id", XPT_QMP_INT, false },
    { NULL, 0, false },
};
static const XptQmpParam blockstats_params[] = {
    { "query-nodes", XPT_QMP_BOOL, true },
    { NULL, 0, false },
};

const XptQmpCommand xpt_qmp_commands[] = {
    { "qmp_capabilities", cmd_qmp_capabilities, caps_params, false },
    { "query-commands", cmd_query_commands, NULL, false },
    { "query-version", cmd_query_version, NULL, false },
    { "query-status", cmd_query_status, NULL, false },
    { "stop", cmd_stop, NULL, false },
    { "cont", cmd_cont, NULL, false },
    { "quit", cmd_quit, NULL, false },
    { "device_add", cmd_device_add, NULL, true },
    { "device_del", cmd_device_del, device_del_params, false },
    { "query-pci", cmd_query_pci, NULL, false },
    { "qom-list-types", cmd_qom_list_types, qom_list_types_params, false },
    { "query-chardev", cmd_query_chardev, NULL, false },
    { "query-vnc", cmd_query_vnc, NULL, false },
    { "change-vnc-password", cmd_change_vnc_password, vnc_password_params, false },
    { "query-cpus-fast", cmd_query_cpus_fast, NULL, false },
    { "cpu-add", cmd_cpu_add, cpu_add_params, false },
    { "system_wakeup", cmd_system_wakeup, NULL, false },
    { "system_reset", cmd_system_reset, NULL, false },
    { "system_powerdown", cmd_system_powerdown, NULL, false },
    { "query-block", cmd_query_block, NULL, false },
    { "query-blockstats", cmd_query_block, blockstats_params, false },
    { NULL, NULL, NULL, false },
};
