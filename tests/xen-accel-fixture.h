/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The fixture of the xen accelerator's tests (test-xen-accel.c, test-xen-accel-ioreq.c,
 * test-xen-accel-hvops.c), which run xen/xen-accel.c and xen/hvops-xen.c against the fake
 * libxen of tests/fake-libxen.h: the full start-up and shutdown, the calls the fake
 * recorded, and playing Xen's side of an ioreq. Every check fails the running test.
 */
#ifndef XPT_TESTS_XEN_ACCEL_FIXTURE_H
#define XPT_TESTS_XEN_ACCEL_FIXTURE_H

#include "tests/fake-libxen.h"      /* first: xenctrl.h before any other Xen header */

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "hw/i386/machine.h"
#include "xen/ioreq.h"
#include "xen/xen-accel.h"

/* The guest domain the tests serve. */
#define DOMID 5

typedef struct Fixture {
    XptXenAccel *a;
    XptMachine *m;
    char *log_path;
    unsigned fatal_calls;
} Fixture;

/** xa_machine_for: a machine of 128 MiB with Xen's vCPU count and hot-plug slots 6-7 on
 *  accelerator @a; NULL with @errp set if xpt_machine_new fails. */
XptMachine *xa_machine_for(XptXenAccel *a, GError **errp);

/** xa_log_to_file: log to a file of our own, so that warnings can be checked and stay
 *  out of TAP. */
void xa_log_to_file(Fixture *f);

/** xa_log_text: everything logged to the fixture's log file so far (g_free it). */
char *xa_log_text(Fixture *f);

/** xa_start_all: the full start-up: accelerator, machine (chipset claims), start. */
void xa_start_all(Fixture *f, unsigned nr_vcpus);

/** xa_assert_nothing_left: the fake holds no open handle, server, mapped page, bound port,
 *  foreign mapping or claim (prints the calls and aborts otherwise). */
void xa_assert_nothing_left(void);

/** xa_finish: the shutdown order of xen/xen-accel.h; then nothing may be left in the
 *  fake. */
void xa_finish(Fixture *f);

/** xa_assert_calls: assert that the calls recorded from @from on are exactly @want
 *  (NULL-terminated). */
void xa_assert_calls(unsigned from, const char *const *want);

/** xa_count_calls: how many recorded libxen calls start with @prefix. */
unsigned xa_count_calls(const char *prefix);

/** xa_send_ioreq: play Xen: put @req in vCPU @vcpu's slot (keeping its vp_eport), mark
 *  it READY, signal the vCPU's port, and run the main loop until the slot is answered. */
void xa_send_ioreq(unsigned vcpu, ioreq_t *req);

/** xa_run_pending: run the main loop until no source is ready. */
void xa_run_pending(void);

/** xa_pci_config: an IOREQ_TYPE_PCI_CONFIG request as Xen builds it: @sbdf in bits 63:32,
 *  register @reg, @size bytes, @data for a write. */
ioreq_t xa_pci_config(bool read, uint32_t sbdf, uint32_t reg, unsigned size,
                      uint64_t data);

#endif
