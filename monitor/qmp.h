/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP server: the JSON control protocol libxl and QEMU's libqtest speak to a device
 * model (SPEC §7; reference/qtest-qmp.md §qmp and §libqtest; reference/toolstack.md
 * §launch and §pci; QEMU 7.2 docs/interop/qmp-spec.rst, qapi/control.json,
 * qapi/qdev.json, qapi/pci.json, qapi/run-state.json). Replies follow the QEMU 7.2
 * transcripts in fixtures/qemu-7.2-reference/.
 *
 * Protocol, per client connection:
 *   - greeting {"QMP": {"version": {"qemu": {"micro", "minor", "major"}, "package"},
 *     "capabilities": ["oob"]}}; the numbers are ours (XPT_VERSION, "0.1.0" → 0/1/0),
 *     package "xen-pt-dm <version>";
 *   - until "qmp_capabilities" succeeds every other command, known or not, gets
 *     CommandNotFound "Expecting capabilities negotiation with 'qmp_capabilities'";
 *     a second one gets CommandNotFound "Capabilities negotiation is already complete,
 *     command ignored". "oob" may be enabled; no command allows out-of-band execution,
 *     so "exec-oob" then answers "The command X does not support OOB";
 *   - requests {"execute", "arguments"?, "id"?}; "id" (any JSON value) is echoed in the
 *     reply, success {"return": ...} ({} when a command returns nothing) or error
 *     {"error": {"class", "desc"}} (classes: XptQmpErrorClass below). Input that is not
 *     a JSON object gets "QMP input must be a JSON object" without "id"; framing and
 *     JSON errors are described in monitor/json-stream.h; other checks give QEMU's
 *     "QMP input member 'X' is unexpected", "QMP input member 'execute' must be a
 *     string", "QMP input member 'arguments' must be an object", "QMP input lacks member
 *     'execute'", "The command X has not been found", "Parameter 'X' is missing",
 *     "Parameter 'X' is unexpected", "Invalid parameter type for 'X', expected: T";
 *   - events {"timestamp": {"seconds", "microseconds"}, "event", "data"?} (wall clock)
 *     go to every connected client that completed negotiation;
 *   - every line written ends in "\r\n"; -mon pretty=on prints indented JSON.
 * Several monitors run at once (libxl opens two); each serves one client at a time
 * (util/chardev.h), and a new client starts a new session (greeting, negotiation).
 * Nothing a client sends can crash the process or leak: see monitor/json-stream.h for
 * the input bounds; a client that does not read its replies is disconnected
 * (util/chardev.h); a client that vanishes mid-command only loses its reply. Log lines
 * a client can trigger are rate-limited per monitor: "bad input" lines 10 per second,
 * the -d qmp traces of requests, replies and events 100 per second.
 *
 * Commands (monitor/qmp-cmds.c): qmp_capabilities, query-version, query-status,
 * query-commands, stop, cont, quit, device_add, device_del, query-pci
 * (monitor/query-pci.c), qom-list-types; for libxl 4.17 (docs/xen.md "QMP commands
 * libxl 4.17 sends"): query-chardev, query-vnc, change-vnc-password,
 * query-cpus-fast, cpu-add, system_wakeup; for administrators (virsh, scripts):
 * system_reset, system_powerdown; for libxenstat (xentop): query-block,
 * query-blockstats.
 */
#ifndef XPT_MONITOR_QMP_H
#define XPT_MONITOR_QMP_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>

#include "hw/i386/machine.h"
#include "util/chardev.h"

/**
 * XPT_QMP_ERROR: GError domain whose codes are QMP error classes (QEMU 7.2
 * qapi/error.json, QapiErrorClass). Errors of any other domain are sent as
 * GenericError with their message.
 */
#define XPT_QMP_ERROR (xpt_qmp_error_quark())
typedef enum {
    XPT_QMP_ERROR_GENERIC,            /* "GenericError" */
    XPT_QMP_ERROR_COMMAND_NOT_FOUND,  /* "CommandNotFound" */
    XPT_QMP_ERROR_DEVICE_NOT_ACTIVE,  /* "DeviceNotActive" */
    XPT_QMP_ERROR_DEVICE_NOT_FOUND,   /* "DeviceNotFound" */
} XptQmpErrorClass;

GQuark xpt_qmp_error_quark(void);

/** The QMP class name of @err ("GenericError" for other domains and unknown codes). */
const char *xpt_qmp_error_class_name(const GError *err);

/**
 * XptQmpMachineOps: what device_del needs from the machine.
 *
 * @request_unplug: asked for device_del of @dev (found by its qdev id). Return true
 *     when the request was accepted (the reply is {} at once) or false with @errp set
 *     to refuse (sent as GenericError unless in XPT_QMP_ERROR). When the device has
 *     really left (at once, or after the guest ejected it through the ACPI hot-plug
 *     registers, reference/toolstack.md §acpi), the machine calls
 *     xpt_qmp_event_device_deleted() with its id — XptMachine.device_deleted can be
 *     set to xpt_qmp_device_deleted_hook for that.
 *
 * FORCED PATH: when no request_unplug is configured (XptQmpConfig.machine_ops NULL or
 * its request_unplug NULL), device_del removes the device at once with
 * xpt_machine_device_del() and emits DEVICE_DELETED right after the {} reply,
 * whatever the slot and whether the guest runs: the guest is not asked and its driver
 * loses the device without warning. This stands in until the ACPI hot-plug hardware
 * (hw/i386/acpi-hotplug.c) is wired here; then the ACPI path replaces it for devices
 * in the hot-plug slots after the guest started (SPEC §4: slots 6 and 7).
 */
typedef struct XptQmpMachineOps {
    bool (*request_unplug)(XptMachine *m, XptPciDevice *dev, GError **errp);
} XptQmpMachineOps;

/**
 * XptQmpConfig: given by main() once.
 * @machine: the machine device_add/device_del/query-pci act on (may be NULL before it
 *     exists; those commands then fail with GenericError "no machine").
 * @machine_ops: see XptQmpMachineOps; NULL = forced path.
 * @quit: called by "quit" after the SHUTDOWN event was sent and before the {} reply
 *     is; it should leave the main loop, after which main() calls xpt_qmp_finalize()
 *     (which sends what is still pending). Further input is not read.
 * @vcpus: the vCPUs the guest has at start (-smp N, 1 without), which query-cpus-fast
 *     lists (0 counts as 1).
 */
typedef struct XptQmpConfig {
    XptMachine *machine;
    const XptQmpMachineOps *machine_ops;
    unsigned vcpus;
    void (*quit)(void *opaque);
    void *quit_opaque;
} XptQmpConfig;

/** xpt_qmp_init: set the configuration (copied). Call before adding monitors. */
void xpt_qmp_init(const XptQmpConfig *cfg);

/**
 * xpt_qmp_monitor_add: start a QMP monitor on the chardev @spec (-mon chardev=ID,
 * mode=control[,pretty=on] or -qmp SPEC). @pretty selects indented output. Errors: those
 * of xpt_chardev_open (util/chardev.h).
 */
bool xpt_qmp_monitor_add(const XptChardevSpec *spec, bool pretty, GError **errp);

/**
 * xpt_qmp_event: broadcast event @name with @data (borrowed; NULL = no "data" member)
 * to every negotiated client, timestamped now. Usable from anywhere in the main loop;
 * a no-op before xpt_qmp_init() or without monitors.
 */
void xpt_qmp_event(const char *name, JsonObject *data);

/**
 * xpt_qmp_event_device_deleted: DEVICE_DELETED for the device whose qdev id was @id:
 * data {"device": ID, "path": "/machine/peripheral/ID"} (QEMU 7.2 qapi/qdev.json); an
 * anonymous device ("" or NULL) has only {"path": "/machine/peripheral-anon"}. When
 * called while a QMP command runs (e.g. the machine removes a device during
 * device_del), the event is sent right after that command's reply, as QEMU's clients
 * expect "{} at once, later DEVICE_DELETED" (reference/qtest-qmp.md §qmp).
 */
void xpt_qmp_event_device_deleted(const char *id);

/**
 * xpt_qmp_event_after_reply: xpt_qmp_event, except that while a QMP command runs the
 * event is queued and sent right after that command's reply — where QEMU's clients see
 * events a command causes through QEMU's main loop (RESET after system_reset's {},
 * POWERDOWN after system_powerdown's). @data is borrowed (NULL = no "data").
 */
void xpt_qmp_event_after_reply(const char *name, JsonObject *data);

/**
 * xpt_qmp_power_event_hook: XptMachine.power_event adapter (@opaque unused): the events
 * QEMU 7.2 emits (qapi/run-state.json; softmmu/runstate.c):
 *   guest power-off → SHUTDOWN {"guest": true, "reason": "guest-shutdown"}, then STOP
 *                     and run state "shutdown" (QEMU under -no-shutdown, which libxl
 *                     passes: vm_stop(RUN_STATE_SHUTDOWN));
 *   guest reset     → RESET {"guest": true, "reason": "guest-reset"};
 *   system_reset    → RESET {"guest": false, "reason": "host-qmp-system-reset"}.
 */
void xpt_qmp_power_event_hook(void *opaque, XptPowerCause cause);

/** xpt_qmp_device_deleted_hook: XptMachine.device_deleted adapter (@opaque unused). */
void xpt_qmp_device_deleted_hook(void *opaque, const char *id);

/**
 * xpt_qmp_event_shutdown: SHUTDOWN {"guest": false, "reason": @reason}
 * ("host-qmp-quit", "host-signal"; qapi/run-state.json ShutdownCause) and run state
 * "shutdown".
 */
void xpt_qmp_event_shutdown(const char *reason);

/**
 * xpt_qmp_finalize: at exit: try for up to 1 s in total to send what the clients have
 * not received yet, then close every monitor (socket files we created are removed).
 */
void xpt_qmp_finalize(void);

#endif
