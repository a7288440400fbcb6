/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A fake of exactly the libxen functions the xen accelerator calls (xen/xen-accel.c,
 * xen/hvops-xen.c), for tests only. tests/fake-libxen*.c define them with the prototypes
 * of the real headers (xenctrl.h, xendevicemodel.h, xenforeignmemory.h, xenevtchn.h,
 * xenstore.h, which they include), one file per library, and a test binary links them
 * instead of -lxenctrl etc.
 * It plays one HVM domain and Xen's side of its ioreq server:
 *
 *  - every call is recorded in order as one line "name key=value ..." (fake_xen_calls);
 *    a failed call's line ends in " = -1 (ERRNO)" where ERRNO is the errno name;
 *  - fake_xen_fail(name, err) makes the next call of @name fail with errno @err;
 *  - ioreq server: at most one; create returns FAKE_XEN_IOSERVID; map_resource gives a
 *    page-sized mmap for frame XENMEM_resource_ioreq_server_frame_ioreq(0) only (frame 0,
 *    the buffered page, fails with ENOENT as Xen 4.17 does for a server without bufioreq);
 *    enabling the server writes vp_eport = FAKE_XEN_REMOTE_PORT(i) into slot i for every
 *    vCPU, as Xen's ioreq_server_enable does; unmapping munmaps the page (a later access
 *    by the accelerator crashes); destroying drops the claims;
 *  - claims: PORT/MEMORY ranges and PCI SBDFs are kept; unmapping something not mapped
 *    fails with ENOENT;
 *  - event channels: xenevtchn_fd is an eventfd (semaphore mode) the test makes readable
 *    with fake_xen_evtchn_fire(local port); xenevtchn_pending returns the fired ports in
 *    order (EAGAIN when none); binding accepts only remote ports of enabled vCPUs;
 *  - guest memory: xenforeignmemory_map of one page of gfn < FAKE_XEN_RAM_PAGES (EFAULT
 *    beyond; more than one page: EINVAL, the accelerator maps one at a time) returns that
 *    page of a sparse fake RAM; mappings outstanding are counted;
 *  - xenstore: xs_write stores path → value;
 *  - restriction: xendevicemodel_restrict, xenforeignmemory_restrict and
 *    xenevtchn_restrict confine their handle to one domid (again to the same domid is
 *    fine, to another EINVAL); afterwards a call on that handle naming another domid
 *    fails as the Linux drivers refuse it: EPERM (privcmd dm_op, foreign mappings) or
 *    EACCES (evtchn bind); fake_xen_restricted() tells what each library was confined
 *    to. libxenctrl (xc_*) has no restriction of its own.
 * Other xc_* calls (mappings, pirqs, bindings) are only recorded and succeed;
 * xc_physdev_map_pirq gives pirq = index when asked for -1, xc_physdev_map_pirq_msi gives
 * FAKE_XEN_MSI_PIRQ.
 */
#ifndef XPT_TESTS_FAKE_LIBXEN_H
#define XPT_TESTS_FAKE_LIBXEN_H

/* xenctrl.h first: it defines __XEN_TOOLS__ for the Xen public headers after it. */
#include <xenctrl.h>
#include <xen/hvm/ioreq.h>

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#define FAKE_XEN_IOSERVID 3
#define FAKE_XEN_REMOTE_PORT(vcpu) (40u + (vcpu))
#define FAKE_XEN_FIRST_LOCAL_PORT 7
#define FAKE_XEN_RAM_PAGES 0x1000u
#define FAKE_XEN_MSI_PIRQ 1055

/** Forget everything (closing nothing: call after the accelerator was freed); the
 *  domain has @nr_vcpus vCPUs as reported by xendevicemodel_nr_vcpus. */
void fake_xen_reset(unsigned nr_vcpus);

/** fake_xen_set_features: what xc_version(XENVER_get_features) reports for submap 0. */
void fake_xen_set_features(uint32_t submap0);

/** The recorded calls (char *), in order. Owned by the fake. */
GPtrArray *fake_xen_calls(void);
/** The recorded calls as one string, a line each (for assertion messages). */
char *fake_xen_calls_text(void);
void fake_xen_calls_clear(void);
/** Index of the first recorded call starting with @prefix at or after @from, or -1. */
int fake_xen_find_call(const char *prefix, unsigned from);

/** The next call of @name (e.g. "xenevtchn_open") fails with errno @err. */
void fake_xen_fail(const char *name, int err);

/** The ioreq page as the accelerator maps it (NULL while unmapped). */
ioreq_t *fake_xen_ioreq_page(void);
/** The local port bound to vCPU @vcpu's event channel, or -1. */
int fake_xen_local_port(unsigned vcpu);
/** Make the evtchn fd readable with @port pending. */
void fake_xen_evtchn_fire(uint32_t port);

/** Page @gfn of the fake guest RAM (allocated zeroed on first use); NULL beyond RAM. */
uint8_t *fake_xen_guest_page(uint64_t gfn);
/** Copy to/from the fake guest RAM (may cross pages). */
void fake_xen_guest_write(uint64_t gpa, const void *buf, size_t len);
void fake_xen_guest_read(uint64_t gpa, void *buf, size_t len);

/** The libraries with a restrict call (fake_xen_restricted). */
typedef enum {
    FAKE_XEN_LIB_DEVICEMODEL,
    FAKE_XEN_LIB_FOREIGNMEMORY,
    FAKE_XEN_LIB_EVTCHN,
} FakeXenLib;

/** The domid the last successful *_restrict of @lib confined its handle to, or -1. */
int fake_xen_restricted(FakeXenLib lib);

/** The value xs_write stored at @path, or NULL. */
const char *fake_xen_xenstore(const char *path);

/** Leak check: handles open, server alive, page mapped, ports bound, foreign pages
 *  mapped, claims held. */
unsigned fake_xen_open_handles(void);
bool fake_xen_server_exists(void);
bool fake_xen_server_enabled(void);
bool fake_xen_resource_mapped(void);
unsigned fake_xen_bound_ports(void);
unsigned fake_xen_foreign_mappings(void);
unsigned fake_xen_claims(void);

#endif
