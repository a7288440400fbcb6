/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside the fake libxen (tests/fake-libxen.h): its state and the recording, failure
 * injection and restriction helpers shared by tests/fake-libxen.c (the state and the
 * queries of the test API) and the one file per library it fakes
 * (tests/fake-libxen{ctrl,devicemodel,foreignmemory,evtchn,store}.c). The handle structs
 * are the libraries' private types, which their headers leave incomplete.
 */
#ifndef XPT_TESTS_FAKE_LIBXEN_INT_H
#define XPT_TESTS_FAKE_LIBXEN_INT_H

#include "tests/fake-libxen.h"

#include <xendevicemodel.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xenstore.h>

struct xc_interface_core { int magic; };
/* restricted: -1, or the domid *_restrict confined the handle to (privcmd/evtchn). */
struct xendevicemodel_handle { int restricted; };
struct xenforeignmemory_handle { int restricted; };
struct xenforeignmemory_resource_handle { void *addr; };
struct xenevtchn_handle { int efd; int restricted; };
struct xs_handle { int magic; };

typedef struct Claim {
    int type;                   /* 0 port, 1 mmio, 2 pci (XEN_DMOP_IO_RANGE_*) */
    uint64_t start, end;
} Claim;

/* The fake's whole state (fake_xen_reset starts it afresh). */
typedef struct FakeXenState {
    bool init;
    unsigned nr_vcpus;
    GPtrArray *calls;
    GHashTable *fail;           /* name → errno */
    unsigned open_handles;
    bool server;
    bool enabled;
    domid_t domid;
    ioreq_t *page;              /* mmap'ed while the resource is mapped */
    GArray *claims;             /* Claim */
    int bound_local[128];       /* per vCPU, -1 = not bound */
    int next_local;
    int efd;
    GQueue pending;             /* fired ports (GUINT_TO_POINTER) */
    GHashTable *ram;            /* gfn (guint64 *) → 4 KiB page */
    GHashTable *maps;           /* page address → outstanding map count */
    unsigned foreign_mapped;
    GHashTable *xenstore;       /* path → value */
    int restricted[3];          /* FAKE_XEN_LIB_*: the last restrict's domid, or -1 */
    uint32_t features0;         /* XENVER_get_features submap 0 */
} FakeXenState;

extern FakeXenState fake_xen;

/** fxen_ensure_init: start the state (one vCPU) if no test called fake_xen_reset. */
void fxen_ensure_init(void);

/** fxen_record: record one call, its line printf-formatted. */
void fxen_record(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/** fxen_failed: mark the last recorded call failed with @err (" = -1 (ENAME)") and set
 *  errno. */
void fxen_failed(int err);

/** fxen_inject: if a failure was injected for @name (fake_xen_fail): consume it, mark the
 *  call failed and return true. */
bool fxen_inject(const char *name);

/** fxen_restricted_ok: whether a handle confined to @restricted (-1: not confined) may
 *  name @domid; if not, the last call is marked failed with @err (EPERM for privcmd,
 *  EACCES for evtchn, as the Linux drivers answer). */
bool fxen_restricted_ok(int restricted, uint32_t domid, int err);

/** fxen_do_restrict: confine *@restricted (library @lib) to @domid: once, or again to
 *  the same domain; another fails with EINVAL. Returns 0 or -1. */
int fxen_do_restrict(int *restricted, FakeXenLib lib, domid_t domid);

/** fxen_server_ok: whether the ioreq server @id of @domid exists (else ENOENT). */
bool fxen_server_ok(domid_t domid, ioservid_t id);

#endif
