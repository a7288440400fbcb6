/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP protocol: monitors, sessions (greeting, capabilities negotiation), request
 * checking and dispatch, replies and events; see monitor/qmp.h. Request checks follow
 * QEMU 7.2 qapi/qmp-dispatch.c and monitor/qmp.c in behaviour and error texts
 * (reference/qtest-qmp.md §qmp); the code is this project's own.
 */
#include "monitor/qmp.h"

#include <stdio.h>
#include <string.h>

#include "config-host.h"
#include "hw/char/serial.h"
#include "monitor/json-stream.h"
#include "monitor/qmp-int.h"
#include "monitor/runstate.h"
#include "util/error.h"
#include "util/log.h"

/* Longest request or reply text quoted in a -d qmp log line. */
#define QMP_TRACE_MAX 200
/* Per monitor and second: "bad input" log lines, and -d qmp message traces. */
#define QMP_BAD_INPUT_LOG_BURST 10
#define QMP_TRACE_LOG_BURST 100
/* Budget of xpt_qmp_finalize() for sending what clients have not received yet. */
#define QMP_FINAL_FLUSH_MS 1000

struct XptQmpMonitor {
    char *what;                  /* "QMP monitor 'libxl-cmd'", for messages */
    char *label;                 /* the chardev's id, as query-chardev names it */
    XptChardev *chr;
    bool pretty;
    bool negotiated;             /* qmp_capabilities done in this session */
    bool oob;                    /* the client enabled "oob" */
    XptJsonStreamer *js;
    XptRateLimit log_rl;         /* "bad input" lines */
    XptRateLimit trace_rl;       /* request/reply/event traces of -d qmp */
};

/* Events queued while a command runs, sent after its reply (name + data or NULL). */
typedef struct {
    char *name;
    JsonObject *data;
} QmpPendingEvent;

static struct {
    bool initialized;
    XptQmpConfig cfg;
    GPtrArray *monitors;         /* XptQmpMonitor* */
    bool quitting;
    unsigned dispatching;        /* > 0 while a command runs */
    GQueue after_reply;          /* QmpPendingEvent*, see xpt_qmp_event_device_deleted */
    unsigned legacy_monitors;    /* -qmp monitors so far: their labels compat_monitorN */
} qmp;

G_DEFINE_QUARK(xpt-qmp-error-quark, xpt_qmp_error)

const char *xpt_qmp_error_class_name(const GError *err)
{
    if (err->domain == XPT_QMP_ERROR) {
        switch ((XptQmpErrorClass)err->code) {
        case XPT_QMP_ERROR_GENERIC:
            return "GenericError";
        case XPT_QMP_ERROR_COMMAND_NOT_FOUND:
            return "CommandNotFound";
        case XPT_QMP_ERROR_DEVICE_NOT_ACTIVE:
            return "DeviceNotActive";
        case XPT_QMP_ERROR_DEVICE_NOT_FOUND:
            return "DeviceNotFound";
        }
    }
    return "GenericError";
}

const XptQmpConfig *xpt_qmp_config(void)
{
    return &qmp.cfg;
}

const char *xpt_qmp_type_name(XptQmpType type)
{
    switch (type) {
    case XPT_QMP_STR:
        return "string";
    case XPT_QMP_INT:
        return "integer";
    case XPT_QMP_BOOL:
        return "boolean";
    case XPT_QMP_ARRAY:
        return "array";
    }
    return "string";
}

JsonNode *xpt_qmp_object_node(JsonObject *obj)
{
    JsonNode *node = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(node, obj);
    return node;
}

JsonNode *xpt_qmp_array_node(JsonArray *arr)
{
    JsonNode *node = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(node, arr);
    return node;
}

JsonNode *xpt_qmp_string_node(const char *s)
{
    if (!s) {
        s = "";
    }
    if (g_utf8_validate(s, -1, NULL)) {
        return json_node_init_string(json_node_alloc(), s);
    }
    g_autofree char *valid = g_utf8_make_valid(s, -1);
    return json_node_init_string(json_node_alloc(), valid);
}

void xpt_qmp_trace(XptQmpMonitor *mon, const char *fmt, ...)
{
    if (!xpt_log_enabled(XPT_LOG_QMP)) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    xpt_log_ratelimited(&mon->trace_rl, XPT_LOG_QMP, "%s: %s", mon->what, msg);
}

/* ---- output ------------------------------------------------------------------------- */

/* Text of @node for a log line: compact JSON, at most QMP_TRACE_MAX characters. */
static char *qmp_trace_text(JsonNode *node)
{
    g_autoptr(JsonGenerator) gen = json_generator_new();
    json_generator_set_root(gen, node);
    gsize len;
    char *text = json_generator_to_data(gen, &len);
    if (len > QMP_TRACE_MAX) {
        strcpy(text + QMP_TRACE_MAX - 3, "...");
    }
    return text;
}

/* Send one message line ("\r\n"-terminated) to @mon's client. Consumes nothing. */
static void qmp_send(XptQmpMonitor *mon, JsonNode *msg)
{
    if (!xpt_chardev_connected(mon->chr)) {
        return;
    }
    g_autoptr(JsonGenerator) gen = json_generator_new();
    json_generator_set_pretty(gen, mon->pretty);
    json_generator_set_indent(gen, 4);
    json_generator_set_root(gen, msg);
    g_autoptr(GString) line = g_string_sized_new(256);
    json_generator_to_gstring(gen, line);     /* generated in place: no copy */
    g_string_append(line, "\r\n");
    if (xpt_log_enabled(XPT_LOG_QMP)) {
        g_autofree char *t = qmp_trace_text(msg);
        xpt_log_ratelimited(&mon->trace_rl, XPT_LOG_QMP, "%s < %s", mon->what, t);
    }
    xpt_chardev_write(mon->chr, line->str, line->len);
}

static void qmp_send_object(XptQmpMonitor *mon, JsonObject *obj)
{
    g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), obj);
    qmp_send(mon, node);
}

/* {"id"?: ID, "error": {"class", "desc"}} — member order as QEMU 7.2 prints it. */
static void qmp_send_error(XptQmpMonitor *mon, JsonNode *id, const char *klass,
                           const char *desc)
{
    g_autoptr(JsonObject) rsp = json_object_new();
    JsonObject *e = json_object_new();
    json_object_set_string_member(e, "class", klass);
    json_object_set_string_member(e, "desc", desc);
    if (id) {
        json_object_set_member(rsp, "id", json_node_copy(id));
    }
    json_object_set_object_member(rsp, "error", e);
    qmp_send_object(mon, rsp);
}

/* {"return": RET, "id"?: ID}; @ret is consumed (NULL = {}). */
static void qmp_send_return(XptQmpMonitor *mon, JsonNode *id, JsonNode *ret)
{
    g_autoptr(JsonObject) rsp = json_object_new();
    if (!ret) {
        ret = xpt_qmp_object_node(json_object_new());
    }
    json_object_set_member(rsp, "return", ret);
    if (id) {
        json_object_set_member(rsp, "id", json_node_copy(id));
    }
    qmp_send_object(mon, rsp);
}

static unsigned qmp_version_part(unsigned idx)
{
    unsigned v[3] = { 0, 0, 0 };
    if (sscanf(XPT_VERSION, "%u.%u.%u", &v[0], &v[1], &v[2]) < 1) {
        return 0;
    }
    return v[idx];
}

JsonNode *xpt_qmp_version_node(void)
{
    JsonObject *qemu = json_object_new();
    json_object_set_int_member(qemu, "micro", qmp_version_part(2));
    json_object_set_int_member(qemu, "minor", qmp_version_part(1));
    json_object_set_int_member(qemu, "major", qmp_version_part(0));
    JsonObject *v = json_object_new();
    json_object_set_object_member(v, "qemu", qemu);
    json_object_set_string_member(v, "package", "xen-pt-dm " XPT_VERSION);
    return xpt_qmp_object_node(v);
}

static void qmp_send_greeting(XptQmpMonitor *mon)
{
    JsonObject *inner = json_object_new();
    json_object_set_member(inner, "version", xpt_qmp_version_node());
    JsonArray *caps = json_array_new();
    json_array_add_string_element(caps, "oob");
    json_object_set_array_member(inner, "capabilities", caps);
    g_autoptr(JsonObject) greeting = json_object_new();
    json_object_set_object_member(greeting, "QMP", inner);
    qmp_send_object(mon, greeting);
}

/* ---- events --------------------------------------------------------------------------- */

static void qmp_broadcast_event(const char *name, JsonObject *data)
{
    gint64 now = g_get_real_time();
    JsonObject *ts = json_object_new();
    json_object_set_int_member(ts, "seconds", now / G_USEC_PER_SEC);
    json_object_set_int_member(ts, "microseconds", now % G_USEC_PER_SEC);
    g_autoptr(JsonObject) ev = json_object_new();
    json_object_set_object_member(ev, "timestamp", ts);
    json_object_set_string_member(ev, "event", name);
    if (data) {
        json_object_set_object_member(ev, "data", json_object_ref(data));
    }
    static XptRateLimit event_rl = XPT_RATELIMIT_INIT(QMP_TRACE_LOG_BURST, 1000);
    xpt_log_ratelimited(&event_rl, XPT_LOG_QMP, "event %s", name);
    for (unsigned i = 0; qmp.monitors && i < qmp.monitors->len; i++) {
        XptQmpMonitor *mon = g_ptr_array_index(qmp.monitors, i);
        if (mon->negotiated && xpt_chardev_connected(mon->chr)) {
            qmp_send_object(mon, ev);
        }
    }
}

void xpt_qmp_event(const char *name, JsonObject *data)
{
    if (!qmp.initialized) {
        return;
    }
    qmp_broadcast_event(name, data);
}

static void qmp_flush_after_reply(void)
{
    QmpPendingEvent *pe;
    while ((pe = g_queue_pop_head(&qmp.after_reply))) {
        qmp_broadcast_event(pe->name, pe->data);
        g_free(pe->name);
        if (pe->data) {
            json_object_unref(pe->data);
        }
        g_free(pe);
    }
}

void xpt_qmp_event_after_reply(const char *name, JsonObject *data)
{
    if (!qmp.initialized) {
        return;
    }
    if (qmp.dispatching) {
        QmpPendingEvent *pe = g_new0(QmpPendingEvent, 1);
        pe->name = g_strdup(name);
        pe->data = data ? json_object_ref(data) : NULL;
        g_queue_push_tail(&qmp.after_reply, pe);
        return;
    }
    qmp_broadcast_event(name, data);
}

void xpt_qmp_event_device_deleted(const char *id)
{
    if (!qmp.initialized) {
        return;
    }
    g_autoptr(JsonObject) data = json_object_new();
    if (id && *id) {
        JsonNode *dev = xpt_qmp_string_node(id);
        g_autofree char *path = g_strconcat("/machine/peripheral/",
                                            json_node_get_string(dev), NULL);
        json_object_set_member(data, "device", dev);
        json_object_set_string_member(data, "path", path);
    } else {
        json_object_set_string_member(data, "path", "/machine/peripheral-anon");
    }
    xpt_qmp_event_after_reply("DEVICE_DELETED", data);
}

void xpt_qmp_device_deleted_hook(void *opaque G_GNUC_UNUSED, const char *id)
{
    xpt_qmp_event_device_deleted(id);
}

void xpt_qmp_event_shutdown(const char *reason)
{
    g_autoptr(JsonObject) data = json_object_new();
    json_object_set_boolean_member(data, "guest", FALSE);
    json_object_set_string_member(data, "reason", reason);
    xpt_runstate_set(XPT_RUNSTATE_SHUTDOWN);
    xpt_qmp_event("SHUTDOWN", data);
}

/* {"guest": @guest, "reason": @reason}: SHUTDOWN and RESET data (qapi/run-state.json). */
static JsonObject *cause_data(bool guest, const char *reason)
{
    JsonObject *data = json_object_new();
    json_object_set_boolean_member(data, "guest", guest);
    json_object_set_string_member(data, "reason", reason);
    return data;
}

void xpt_qmp_power_event_hook(void *opaque G_GNUC_UNUSED, XptPowerCause cause)
{
    switch (cause) {
    case XPT_POWER_GUEST_SHUTDOWN: {
        g_autoptr(JsonObject) data = cause_data(true, "guest-shutdown");
        xpt_qmp_event_after_reply("SHUTDOWN", data);
        if (xpt_runstate_is_running()) {
            xpt_qmp_event_after_reply("STOP", NULL);
        }
        xpt_runstate_set(XPT_RUNSTATE_SHUTDOWN);
        break;
    }
    case XPT_POWER_GUEST_RESET: {
        g_autoptr(JsonObject) data = cause_data(true, "guest-reset");
        xpt_qmp_event_after_reply("RESET", data);
        break;
    }
    case XPT_POWER_HOST_RESET: {
        g_autoptr(JsonObject) data = cause_data(false, "host-qmp-system-reset");
        xpt_qmp_event_after_reply("RESET", data);
        break;
    }
    }
}

/* ---- requests ------------------------------------------------------------------------- */

bool xpt_qmp_negotiate(XptQmpMonitor *mon, bool enable_oob, GError **errp)
{
    if (mon->negotiated) {
        g_set_error(errp, XPT_QMP_ERROR, XPT_QMP_ERROR_COMMAND_NOT_FOUND,
                    "Capabilities negotiation is already complete, command ignored");
        return false;
    }
    mon->negotiated = true;
    mon->oob = enable_oob;
    return true;
}

void xpt_qmp_request_quit(void)
{
    qmp.quitting = true;
    if (qmp.cfg.quit) {
        qmp.cfg.quit(qmp.cfg.quit_opaque);
    }
}

static const XptQmpCommand *qmp_find_command(XptQmpMonitor *mon, const char *name)
{
    for (const XptQmpCommand *c = xpt_qmp_commands; c->name; c++) {
        if (!strcmp(c->name, name)) {
            /* Before negotiation only qmp_capabilities exists (QEMU's
             * qmp_cap_negotiation_commands). */
            return mon->negotiated || !strcmp(name, "qmp_capabilities") ? c : NULL;
        }
    }
    return NULL;
}

static bool qmp_type_ok(JsonNode *node, XptQmpType type)
{
    switch (type) {
    case XPT_QMP_STR:
        return JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_STRING;
    case XPT_QMP_INT:
        return JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_INT64;
    case XPT_QMP_BOOL:
        return JSON_NODE_HOLDS_VALUE(node) &&
               json_node_get_value_type(node) == G_TYPE_BOOLEAN;
    case XPT_QMP_ARRAY:
        return JSON_NODE_HOLDS_ARRAY(node);
    }
    return false;
}

/*
 * Arguments against the schema, in QEMU's order: each declared parameter (missing,
 * wrong type), then members nobody declared.
 */
static bool qmp_check_args(const XptQmpCommand *cmd, JsonObject *args, GError **errp)
{
    if (cmd->any_args) {
        return true;
    }
    for (const XptQmpParam *p = cmd->params; p && p->name; p++) {
        JsonNode *node = json_object_get_member(args, p->name);
        if (!node) {
            if (!p->optional) {
                g_set_error(errp, XPT_QMP_ERROR, XPT_QMP_ERROR_GENERIC,
                            "Parameter '%s' is missing", p->name);
                return false;
            }
            continue;
        }
        if (!qmp_type_ok(node, p->type)) {
            g_set_error(errp, XPT_QMP_ERROR, XPT_QMP_ERROR_GENERIC,
                        "Invalid parameter type for '%s', expected: %s", p->name,
                        xpt_qmp_type_name(p->type));
            return false;
        }
    }
    JsonObjectIter it;
    const char *name;
    JsonNode *node;
    json_object_iter_init_ordered(&it, args);
    while (json_object_iter_next_ordered(&it, &name, &node)) {
        const XptQmpParam *p = cmd->params;
        while (p && p->name && strcmp(p->name, name)) {
            p++;
        }
        if (!p || !p->name) {
            g_set_error(errp, XPT_QMP_ERROR, XPT_QMP_ERROR_GENERIC,
                        "Parameter '%s' is unexpected", name);
            return false;
        }
    }
    return true;
}

/*
 * The request's envelope (qmp-dispatch.c's checks): members execute / exec-oob (when
 * the client enabled oob) / arguments / id, nothing else. Returns the command name and
 * whether it came as exec-oob.
 */
static const char *qmp_check_envelope(XptQmpMonitor *mon, JsonObject *req, bool *oob,
                                      GError **errp)
{
    const char *exec_key = NULL;
    JsonObjectIter it;
    const char *name;
    JsonNode *node;

    json_object_iter_init_ordered(&it, req);
    while (json_object_iter_next_ordered(&it, &name, &node)) {
        if (!strcmp(name, "execute") || (!strcmp(name, "exec-oob") && mon->oob)) {
            if (!qmp_type_ok(node, XPT_QMP_STR)) {
                g_set_error(errp, XPT_QMP_ERROR, XPT_QMP_ERROR_GENERIC,
                            "QMP input member '%s' must be a string", name);
                return NULL;
            }
            if (exec_key) {
                g_set_error(errp, XPT_QMP_ERROR, XPT_QMP_ERROR_GENERIC,
                            "QMP input member '%s' clashes with '%s'", name, exec_key);
                return NULL;
            }
            exec_key = name;
        } else if (!strcmp(name, "arguments")) {
            if (!JSON_NODE_HOLDS_OBJECT(node)) {
                g_set_error(errp, XPT_QMP_ERROR, XPT_QMP_ERROR_GENERIC,
                            "QMP input member 'arguments' must be an object");
                return NULL;
            }
        } else if (strcmp(name, "id") != 0) {
            g_set_error(errp, XPT_QMP_ERROR, XPT_QMP_ERROR_GENERIC,
                        "QMP input member '%s' is unexpected", name);
            return NULL;
        }
    }
    if (!exec_key) {
        g_set_error(errp, XPT_QMP_ERROR, XPT_QMP_ERROR_GENERIC,
                    "QMP input lacks member 'execute'");
        return NULL;
    }
    *oob = !strcmp(exec_key, "exec-oob");
    return json_object_get_string_member(req, exec_key);
}

/* Run one request (the whole JSON value) and reply. */
static void qmp_handle_request(XptQmpMonitor *mon, JsonNode *req)
{
    g_autoptr(GError) err = NULL;
    JsonNode *id = NULL;
    JsonNode *ret = NULL;

    if (xpt_log_enabled(XPT_LOG_QMP)) {
        g_autofree char *t = qmp_trace_text(req);
        xpt_log_ratelimited(&mon->trace_rl, XPT_LOG_QMP, "%s > %s", mon->what, t);
    }
    if (!JSON_NODE_HOLDS_OBJECT(req)) {
        g_set_error(&err, XPT_QMP_ERROR, XPT_QMP_ERROR_GENERIC,
                    "QMP input must be a JSON object");
    } else {
        JsonObject *obj = json_node_get_object(req);
        bool oob = false;
        id = json_object_get_member(obj, "id");
        const char *name = qmp_check_envelope(mon, obj, &oob, &err);
        const XptQmpCommand *cmd = name ? qmp_find_command(mon, name) : NULL;
        if (name && !cmd) {
            g_set_error(&err, XPT_QMP_ERROR, XPT_QMP_ERROR_COMMAND_NOT_FOUND,
                        "The command %s has not been found", name);
        } else if (cmd && oob) {
            g_set_error(&err, XPT_QMP_ERROR, XPT_QMP_ERROR_GENERIC,
                        "The command %s does not support OOB", name);
        } else if (cmd) {
            g_autoptr(JsonObject) empty = json_object_new();
            JsonObject *args = json_object_has_member(obj, "arguments")
                               ? json_object_get_object_member(obj, "arguments") : empty;
            if (qmp_check_args(cmd, args, &err)) {
                qmp.dispatching++;
                ret = cmd->fn(mon, args, &err);
                qmp.dispatching--;
                if (err) {
                    g_clear_pointer(&ret, json_node_unref);
                }
            }
        }
    }
    if (err) {
        const char *klass = xpt_qmp_error_class_name(err);
        const char *desc = err->message;
        if (!mon->negotiated && g_error_matches(err, XPT_QMP_ERROR,
                                                XPT_QMP_ERROR_COMMAND_NOT_FOUND)) {
            desc = "Expecting capabilities negotiation with 'qmp_capabilities'";
        }
        qmp_send_error(mon, id, klass, desc);
    } else {
        qmp_send_return(mon, id, ret);
    }
    if (!qmp.dispatching) {
        qmp_flush_after_reply();
    }
}

/* ---- sessions --------------------------------------------------------------------------- */

static void qmp_reset_session(XptQmpMonitor *mon)
{
    mon->negotiated = false;
    mon->oob = false;
    xpt_json_streamer_reset(mon->js);
}

static void qmp_opened(XptChardev *c, void *opaque)
{
    XptQmpMonitor *mon = opaque;
    mon->chr = c;    /* a client-mode chardev connects inside xpt_chardev_open() */
    qmp_reset_session(mon);
    xpt_log_ratelimited(&mon->trace_rl, XPT_LOG_QMP, "%s: session opened", mon->what);
    qmp_send_greeting(mon);
}

static void qmp_closed(XptChardev *c G_GNUC_UNUSED, void *opaque)
{
    XptQmpMonitor *mon = opaque;
    qmp_reset_session(mon);
    xpt_log_ratelimited(&mon->trace_rl, XPT_LOG_QMP, "%s: session closed", mon->what);
}

static size_t qmp_input(XptChardev *c, const char *buf, size_t len, void *opaque)
{
    XptQmpMonitor *mon = opaque;
    size_t used = 0;

    while (used < len && !qmp.quitting && xpt_chardev_connected(c) &&
           !xpt_chardev_congested(c)) {
        size_t n = 0;
        JsonNode *value = NULL;
        char *error = NULL;
        XptJsonResult r = xpt_json_streamer_feed(mon->js, buf + used, len - used, &n,
                                                 &value, &error);
        used += n;
        if (r == XPT_JSON_VALUE) {
            qmp_handle_request(mon, value);
            json_node_unref(value);
        } else if (r == XPT_JSON_ERROR) {
            xpt_log_ratelimited(&mon->log_rl, XPT_LOG_QMP, "%s: bad input: %s", mon->what,
                                error);
            qmp_send_error(mon, NULL, "GenericError", error);
            g_free(error);
        }
    }
    /* After quit, or when the client is gone, the rest is dropped. */
    return qmp.quitting || !xpt_chardev_connected(c) ? len : used;
}

void xpt_qmp_init(const XptQmpConfig *cfg)
{
    qmp.cfg = *cfg;
    if (!qmp.monitors) {
        qmp.monitors = g_ptr_array_new();
    }
    g_queue_init(&qmp.after_reply);
    qmp.quitting = false;
    qmp.initialized = true;
}

bool xpt_qmp_monitor_add(const XptChardevSpec *spec, bool pretty, GError **errp)
{
    static const XptChardevHandlers handlers = {
        .opened = qmp_opened, .input = qmp_input, .closed = qmp_closed,
    };
    XptQmpMonitor *mon = g_new0(XptQmpMonitor, 1);

    g_assert(qmp.initialized);
    /* QEMU 7.2 softmmu/vl.c monitor_parse: a -qmp option's chardev is named
     * "compat_monitor" and a counter; a -chardev keeps its id. */
    mon->label = spec->id ? g_strdup(spec->id)
                          : g_strdup_printf("compat_monitor%u", qmp.legacy_monitors++);
    if (spec->id) {
        mon->what = g_strdup_printf("QMP monitor '%s'", spec->id);
    } else if (spec->backend == XPT_CHARDEV_UNIX) {
        mon->what = g_strdup_printf("QMP monitor unix:%s", spec->path);
    } else {
        mon->what = g_strdup("QMP monitor stdio");
    }
    mon->pretty = pretty;
    mon->js = xpt_json_streamer_new();
    mon->log_rl = (XptRateLimit)XPT_RATELIMIT_INIT(QMP_BAD_INPUT_LOG_BURST, 1000);
    mon->trace_rl = (XptRateLimit)XPT_RATELIMIT_INIT(QMP_TRACE_LOG_BURST, 1000);
    /* Registered first: a client-mode chardev connects (and greets) inside open. */
    g_ptr_array_add(qmp.monitors, mon);
    mon->chr = xpt_chardev_open(spec, mon->what, &handlers, mon, errp);
    if (!mon->chr) {
        g_ptr_array_remove(qmp.monitors, mon);
        xpt_json_streamer_free(mon->js);
        g_free(mon->label);
        g_free(mon->what);
        g_free(mon);
        return false;
    }
    return true;
}

JsonNode *xpt_qmp_query_chardev(void)
{
    JsonArray *list = json_array_new();
    for (unsigned i = 0; qmp.monitors && i < qmp.monitors->len; i++) {
        XptQmpMonitor *mon = g_ptr_array_index(qmp.monitors, i);
        g_autofree char *filename = xpt_chardev_filename(mon->chr);
        JsonObject *info = json_object_new();
        json_object_set_member(info, "label", xpt_qmp_string_node(mon->label));
        json_object_set_member(info, "filename", xpt_qmp_string_node(filename));
        /* A monitor opens its chardev's front end when it is created (QEMU 7.2
         * monitor/qmp.c monitor_init_qmp), whether or not a client is connected. */
        json_object_set_boolean_member(info, "frontend-open", TRUE);
        json_array_add_object_element(list, info);
    }
    XptSerial *serial = qmp.cfg.machine ? qmp.cfg.machine->serial : NULL;
    if (serial) {
        /* The UART opens its front end when it is realized (QEMU 7.2 hw/char/serial.c
         * serial_realize → qemu_chr_fe_set_handlers): "frontend-open" is true. */
        g_autofree char *filename = xpt_chardev_filename(xpt_serial_chardev(serial));
        JsonObject *info = json_object_new();
        json_object_set_member(info, "label", xpt_qmp_string_node(xpt_serial_label(serial)));
        json_object_set_member(info, "filename", xpt_qmp_string_node(filename));
        json_object_set_boolean_member(info, "frontend-open", TRUE);
        json_array_add_object_element(list, info);
    }
    return xpt_qmp_array_node(list);
}

void xpt_qmp_finalize(void)
{
    if (!qmp.monitors) {
        return;
    }
    qmp_flush_after_reply();
    gint64 deadline = g_get_monotonic_time() + QMP_FINAL_FLUSH_MS * 1000;
    for (unsigned i = 0; i < qmp.monitors->len; i++) {
        XptQmpMonitor *mon = g_ptr_array_index(qmp.monitors, i);
        gint64 left_ms = (deadline - g_get_monotonic_time()) / 1000;
        if (left_ms > 0) {
            xpt_chardev_flush_sync(mon->chr, (unsigned)left_ms);
        }
    }
    for (unsigned i = 0; i < qmp.monitors->len; i++) {
        XptQmpMonitor *mon = g_ptr_array_index(qmp.monitors, i);
        xpt_chardev_free(mon->chr);
        xpt_json_streamer_free(mon->js);
        g_free(mon->label);
        g_free(mon->what);
        g_free(mon);
    }
    g_ptr_array_free(qmp.monitors, TRUE);
    qmp.monitors = NULL;
    qmp.legacy_monitors = 0;
    qmp.initialized = false;
}
