/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The qtest accelerator: the simulated hypervisor, the qtest server and the machine
 * wired together (SPEC §2). Guest I/O: qtest line → xen-sim routing → ioreq_t →
 * xpt_dispatch → bus → device.
 */
#ifndef XPT_QTEST_ACCEL_H
#define XPT_QTEST_ACCEL_H

#include <glib.h>
#include <stdbool.h>

#include "hw/i386/machine.h"
#include "qtest/xen-sim.h"

typedef struct XptQtestAccel {
    XptSim *sim;
    XptQtestServer *server;
    XptMachine *machine;
} XptQtestAccel;

/** Create the sim for a guest of @ram_bytes. */
XptQtestAccel *xpt_qtest_accel_new(uint64_t ram_bytes);

/**
 * xpt_qtest_accel_start: open the qtest chardev (-qtest) with its log (-qtest-log) and
 * connect it to the sim and @m. @on_close runs when the qtest client goes away.
 */
bool xpt_qtest_accel_start(XptQtestAccel *a, XptMachine *m, const char *chardev,
                           const char *log_path, void (*on_close)(void *), void *opaque,
                           GError **errp);

/**
 * xpt_qtest_accel_finish: print the sim's leak report (one "xen-sim: leak: …" line each)
 * to stderr and return the number of leaks; call after the machine was freed.
 */
unsigned xpt_qtest_accel_finish(XptQtestAccel *a);
void xpt_qtest_accel_free(XptQtestAccel *a);

#endif
