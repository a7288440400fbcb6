/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The xen accelerator (SPEC §2): guest I/O arrives from Xen as ioreq_t in the ioreq
 * server's synchronous page, signalled per vCPU on an event channel, and goes to the same
 * dispatcher (xpt_dispatch) the qtest accelerator uses; hypervisor operations go to
 * libxen (xen/hvops-xen.h).
 *
 * Life cycle (reference/xen-abi.md §Call sequences "Start-up" and "Shutdown"):
 *
 *   a = xpt_xen_accel_new(domid, &err)        open handles, nr_vcpus, create the ioreq
 *                                             server (bufioreq off), map its ioreq page
 *   m = xpt_machine_new(xpt_xen_accel_hv(a), ...)   the machine and each -device claim
 *                                             their SBDFs, ports and MMIO from the server
 *   xpt_xen_accel_start(a, m, &err)           enable the server, bind every vCPU's event
 *                                             channel, watch the evtchn fd in the GLib
 *                                             main loop, write "running" to xenstore
 *   g_main_loop_run(...)                      ioreqs are served from the main loop
 *   xpt_xen_accel_stop(a)                     stop serving (no ioreq reaches m any more)
 *   xpt_machine_free(m)                       devices detach: unmap, unbind, unclaim
 *   xpt_xen_accel_free(a)                     evtchn unbind, server state off, unmap the
 *                                             page, destroy the server, close handles
 *
 * The server must exist before the machine because every claim names it; it is enabled
 * only after the machine and its cold-plugged devices are in place, so Xen sends nothing
 * before a handler exists; Xen fills each vCPU's vp_eport when the server is enabled
 * (xen/common/ioreq.c ioreq_server_enable → ioreq_update_evtchn), so the event channels
 * are bound after that.
 *
 * Errors: every failing libxen call gives a one-line GError in XPT_ERRNO_ERROR (code =
 * errno) "CALL: [what: ]strerror — what to do", e.g. "xc_interface_open: /dev/xen/privcmd:
 * No such file or directory — is this dom0 under Xen? ...". Range checks give XPT_ERROR
 * codes (INVALID for a bad domid, UNSUPPORTED for a vCPU count one ioreq page cannot
 * serve).
 *
 * Guest-facing rules (each ioreq, reference/xen-abi.md §ioreq_t): only ports bound to a
 * vCPU are served; only vCPU slots below nr_vcpus are read; a slot is handled only in
 * STATE_IOREQ_READY (read barrier after seeing READY, then the request is copied and set
 * to STATE_IOREQ_INPROCESS), dispatched from the copy, its data written back, a write
 * barrier, STATE_IORESP_READY, then the vCPU's port is notified and unmasked. Anything
 * else (unknown port, slot not READY) is ignored and logged (rate-limited, -d
 * guest_errors); the dispatcher bounds the request itself (xen/ioreq.h).
 */
#ifndef XPT_XEN_XEN_ACCEL_H
#define XPT_XEN_XEN_ACCEL_H

#include <glib.h>
#include <stdbool.h>

#include "hw/i386/machine.h"
#include "xen/hvops.h"

/*
 * vCPUs one synchronous ioreq page serves: 4096 / sizeof(ioreq_t) (32) = 128, which is
 * also Xen 4.17's HVM vCPU limit (reference/xen-abi.md §ioreq_t; checked in xen-accel.c).
 * No libxen header is included here; see xen/hvops-xen.h for why.
 */
#define XPT_XEN_MAX_VCPUS 128u

/* Highest domid a device model can serve: below DOMID_FIRST_RESERVED (xen/xen.h). */
#define XPT_XEN_MAX_DOMID 0x7fefu

/* The xenstore key libxl waits on (reference/toolstack.md §launch), printf format. */
#define XPT_XEN_DM_STATE_PATH "/local/domain/0/device-model/%u/state"

typedef struct XptXenAccel XptXenAccel;

/**
 * xpt_xen_accel_new: the start-up half that must precede the machine: open xencontrol,
 * xendevicemodel, xenforeignmemory, xenevtchn and xenstore; read the domain's vCPU count
 * (xendevicemodel_nr_vcpus, 1..XPT_XEN_MAX_VCPUS); create the ioreq server with
 * HVM_IOREQSRV_BUFIOREQ_OFF (hvm_op.h; a passthrough model needs no buffered ring, so
 * TIMEOFFSET never arrives, reference/xen-abi.md §ioreq_t); map its synchronous ioreq page
 * with xenforeignmemory_map_resource(XENMEM_resource_ioreq_server, server id,
 * frame XENMEM_resource_ioreq_server_frame_ioreq(0) = 1, 1 frame) (xen/memory.h: frame 0
 * is the buffered page, which a server without bufioreq does not have — Xen 4.17's
 * ioreq_server_get_frame answers ENOENT for it).
 * @domid: 1..XPT_XEN_MAX_DOMID, else XPT_ERROR_INVALID.
 * Errors: see above. On failure everything done so far is undone (handles closed, the
 * server destroyed if it was created) and NULL is returned.
 */
XptXenAccel *xpt_xen_accel_new(unsigned domid, GError **errp);

/** xpt_xen_accel_hv: the XptHv (libxen ops, xen/hvops-xen.h) to create the machine with. */
XptHv *xpt_xen_accel_hv(XptXenAccel *a);

/** xpt_xen_accel_nr_vcpus: the guest's vCPU count (for XptMachineOptions.vcpus). */
unsigned xpt_xen_accel_nr_vcpus(const XptXenAccel *a);

/** xpt_xen_accel_domid: the guest's domid. */
unsigned xpt_xen_accel_domid(const XptXenAccel *a);

/**
 * xpt_xen_accel_set_fatal_hook: @fatal runs (once) when the event channel can no longer
 * be read (xenevtchn_pending fails other than EAGAIN/EINTR, or the fd reports an error):
 * the guest can no longer be served, so the caller should quit its main loop. Without a
 * hook the error is only reported.
 */
void xpt_xen_accel_set_fatal_hook(XptXenAccel *a, void (*fatal)(void *opaque), void *opaque);

/**
 * xpt_xen_accel_start: serve @m: xendevicemodel_set_ioreq_server_state(1), then for each
 * vCPU xenevtchn_bind_interdomain(domid, vp_eport of its slot), a GLib watch on
 * xenevtchn_fd (default main context), and finally "running" written to
 * XPT_XEN_DM_STATE_PATH with xs_write. Call once, after the machine and its cold-plugged
 * devices exist.
 * Errors: see above (XPT_ERROR_FAILED when a vCPU's vp_eport is 0). On failure the
 * caller tears down as on shutdown (xpt_xen_accel_stop, xpt_machine_free,
 * xpt_xen_accel_free), which undoes whatever start did.
 */
bool xpt_xen_accel_start(XptXenAccel *a, XptMachine *m, GError **errp);

/**
 * xpt_xen_accel_restrict: -xen-domid-restrict (reference/xen-abi.md §Call sequences
 * "Deprivileging"). Call once, after xpt_xen_accel_start (the start-up needs are done:
 * server created and enabled, ports bound, "running" written):
 * xendevicemodel_restrict, xenforeignmemory_restrict and xenevtchn_restrict to the
 * guest's domid, in that order; then xs_close, because libxenstore cannot restrict a
 * connection (xs_restrict always fails; xentoolcore would dup2 /dev/null over it) and
 * nothing is written to xenstore after "running".
 *
 * xentoolcore_restrict_all is deliberately NOT called: it also neuters libxenctrl's
 * xencall handle (privcmd), and every xc_* call passthrough makes for the life of the
 * guest — xc_domain_memory_mapping and xc_domain_ioport_mapping when the guest moves a
 * BAR, xc_physdev_map_pirq(_msi)/xc_physdev_unmap_pirq, xc_domain_update_msi_irq,
 * xc_domain_unbind_msi_irq, xc_domain_bind_pt_pci_irq and xc_domain_unbind_pt_irq when
 * it enables MSI/MSI-X or a device is attached or detached — is a domctl or physdev
 * hypercall that a restricted privcmd refuses (it passes only dm_op and foreign
 * mappings of the one domain). So the xencontrol handle keeps dom0's hypercall rights:
 * a compromised device model could still issue those hypercalls for any domain. The restriction bounds the ioreq path (dm_op,
 * foreign mappings of guest memory, event channels); docs/xen.md says what is left.
 * Errors: XPT_ERRNO_ERROR naming the call (ENOTTY/EINVAL: the dom0 kernel lacks the
 * restrict ioctls, Linux 4.11+); on failure the handles restricted so far stay so.
 */
bool xpt_xen_accel_restrict(XptXenAccel *a, GError **errp);

/** xpt_xen_accel_restricted: whether xpt_xen_accel_restrict succeeded. */
bool xpt_xen_accel_restricted(const XptXenAccel *a);

/**
 * xpt_xen_accel_stop: remove the event-channel watch and forget the machine: no ioreq is
 * dispatched afterwards (a vCPU waiting on one stays blocked until the server goes).
 * Call before xpt_machine_free. Idempotent.
 */
void xpt_xen_accel_stop(XptXenAccel *a);

/**
 * xpt_xen_accel_free: the Shutdown sequence of reference/xen-abi.md, after the machine
 * detached its devices: xenevtchn_unbind of every bound port,
 * xendevicemodel_set_ioreq_server_state(0) if it was enabled,
 * xenforeignmemory_unmap_resource, xendevicemodel_destroy_ioreq_server, then xs_close,
 * xenevtchn_close, xenforeignmemory_close, xendevicemodel_close, xc_interface_close.
 * (xs_close is skipped when xpt_xen_accel_restrict already closed xenstore.)
 * A failing step is reported as a warning and the rest still runs. Stops first if
 * needed. NULL is fine.
 */
void xpt_xen_accel_free(XptXenAccel *a);

#endif
