/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The VM run state as QMP reports it (QEMU 7.2 qapi/run-state.json, RunState; libxl's
 * use in reference/toolstack.md §launch: with -S it expects "prelaunch", then sends
 * "cont"). Only the states this device model can be in are modelled:
 *
 *   prelaunch  started with -S, "cont" not yet received
 *   running    the guest runs (default without -S)
 *   paused     after "stop" (QMP), until "cont"
 *   shutdown   "quit" or a termination signal was handled; the process is exiting
 *
 * Under the qtest accelerator the state only changes what QMP reports and the cold-plug
 * rule of SPEC §4 (a device_add while prelaunch is a cold plug); qtest accesses keep
 * working while paused, as in QEMU, where the qtest accelerator drives guest memory
 * and I/O directly. With the xen accelerator (issue 4) "paused" is meant to disable the
 * ioreq server like QEMU's xen_hvm_change_state_handler.
 */
#ifndef XPT_MONITOR_RUNSTATE_H
#define XPT_MONITOR_RUNSTATE_H

#include <stdbool.h>

typedef enum {
    XPT_RUNSTATE_PRELAUNCH,
    XPT_RUNSTATE_RUNNING,
    XPT_RUNSTATE_PAUSED,
    XPT_RUNSTATE_SHUTDOWN,
} XptRunState;

/** The current state (XPT_RUNSTATE_RUNNING until main() sets another). */
XptRunState xpt_runstate_get(void);
void xpt_runstate_set(XptRunState state);

/** The QAPI RunState name: "prelaunch", "running", "paused", "shutdown". */
const char *xpt_runstate_name(XptRunState state);

/** Whether the state is "running" (query-status "running": true). */
bool xpt_runstate_is_running(void);

#endif
