/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internal interface between the QMP protocol (monitor/qmp.c) and the command
 * implementations (monitor/qmp-cmds.c, monitor/query-pci.c). Not for other modules.
 */
#ifndef XPT_MONITOR_QMP_INT_H
#define XPT_MONITOR_QMP_INT_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>

#include "monitor/qmp.h"

typedef struct XptQmpMonitor XptQmpMonitor;

/** Argument types of the QAPI schema, named as QEMU's input visitor names them. */
typedef enum {
    XPT_QMP_STR,      /* "string" */
    XPT_QMP_INT,      /* "integer" */
    XPT_QMP_BOOL,     /* "boolean" */
    XPT_QMP_ARRAY,    /* "array" */
} XptQmpType;

/** One argument: @optional is QAPI's '*name'. */
typedef struct XptQmpParam {
    const char *name;
    XptQmpType type;
    bool optional;
} XptQmpParam;

/**
 * Command handler: @args is the "arguments" object (an empty one when absent), already
 * checked against the command's params. Returns the "return" value (a new node; NULL
 * means {}), or NULL with @errp set.
 */
typedef JsonNode *(*XptQmpHandler)(XptQmpMonitor *mon, JsonObject *args, GError **errp);

/**
 * XptQmpCommand: @params ends with a NULL name (NULL = no arguments). @any_args: the
 * handler checks its arguments itself (QAPI 'gen': false, as device_add).
 */
typedef struct XptQmpCommand {
    const char *name;
    XptQmpHandler fn;
    const XptQmpParam *params;
    bool any_args;
} XptQmpCommand;

/** The commands after negotiation, in query-commands order; ends with a NULL name. */
extern const XptQmpCommand xpt_qmp_commands[];

/** QAPI type name for error messages ("string", "integer", ...). */
const char *xpt_qmp_type_name(XptQmpType type);

/** The configuration given to xpt_qmp_init(). */
const XptQmpConfig *xpt_qmp_config(void);

/**
 * xpt_qmp_negotiate: qmp_capabilities on @mon. @enable_oob: the client asked for "oob".
 * Fails with CommandNotFound "Capabilities negotiation is already complete, command
 * ignored" when already done.
 */
bool xpt_qmp_negotiate(XptQmpMonitor *mon, bool enable_oob, GError **errp);

/**
 * xpt_qmp_request_quit: stop reading requests on every monitor (the rest of the input
 * is dropped) and call the configured quit hook.
 */
void xpt_qmp_request_quit(void);

/**
 * xpt_qmp_query_pci: the query-pci reply for bus 0 of @m (QEMU 7.2 qapi/pci.json
 * PciInfo list); see monitor/query-pci.c.
 */
JsonNode *xpt_qmp_query_pci(XptMachine *m);

/**
 * xpt_qmp_query_chardev: the query-chardev reply (QEMU 7.2 qapi/char.json ChardevInfo
 * list): one {"label", "filename", "frontend-open"} per character device, here the
 * chardevs of the QMP monitors, in the order they were given; see monitor/qmp-cmds.c.
 */
JsonNode *xpt_qmp_query_chardev(void);

/**
 * xpt_qmp_version_node: query-version's value, also the greeting's "version"
 * (qapi/control.json VersionInfo): {"qemu": {"micro", "minor", "major"}, "package"}
 * with the numbers of XPT_VERSION (build/config-host.h).
 */
JsonNode *xpt_qmp_version_node(void);

/** xpt_qmp_trace: a -d qmp log line about @mon's session, rate-limited with its traces. */
void xpt_qmp_trace(XptQmpMonitor *mon, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/** A node holding @obj / @arr; takes ownership of the caller's reference. */
JsonNode *xpt_qmp_object_node(JsonObject *obj);
JsonNode *xpt_qmp_array_node(JsonArray *arr);

/** A JSON string node for @s, made valid UTF-8 if it is not (ids from the command line). */
JsonNode *xpt_qmp_string_node(const char *s);

#endif
