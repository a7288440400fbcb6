/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ioreq dispatcher: the single entry point for guest I/O, called by both
 * accelerators (xen: from the shared ioreq page; qtest: from the simulated hypervisor).
 *
 * It takes the ioreq_t Xen defines (xen/hvm/ioreq.h) and routes it:
 *   IOREQ_TYPE_PIO        → the port region covering [addr, addr+size)   (O(1): port table)
 *   IOREQ_TYPE_COPY       → the MMIO region covering [addr, addr+size)   (O(1): page hash)
 *   IOREQ_TYPE_PCI_CONFIG → bus 0 (SBDF in addr bits 63:32, register in bits 31:0)
 *   IOREQ_TYPE_INVALIDATE → acknowledged (no guest-memory map cache to drop)
 *   IOREQ_TYPE_TIMEOFFSET → ignored
 * Rep ops (`count` > 1) step COPY addresses by size (down when `df`; a PIO port does not
 * step); with `data_is_ptr` the data is in guest memory at `data ± i*size`, moved through
 * the hypervisor's guest-memory operations (a failure stops the op at that element).
 * Bounds: size ∈ {1,2,4,8} (PIO: 1,2,4), count 1..XPT_IOREQ_MAX_COUNT, neither the COPY
 * address range nor the data_is_ptr buffer may wrap at 2^64 in either direction; PCI_CONFIG
 * takes size 1,2,4, count 1 and no data_is_ptr. A request out of bounds, or an access not
 * wholly inside one region, is dropped with a rate-limited guest_errors message: a read
 * without data_is_ptr gets all-ones of the access size in `data` (~0 if the size itself
 * is invalid); with data_is_ptr, guest memory and `data` are left alone.
 * No allocation on the access path (except building the GError of a failed guest-memory
 * access, and log lines when their -d category is on).
 */
#ifndef XPT_XEN_IOREQ_H
#define XPT_XEN_IOREQ_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include <xen/hvm/ioreq.h>

#include "hw/pci/pci.h"
#include "xen/hvops.h"

/* Xen's emulator clamps reps to one page of data; 4096 one-byte elements is the most. */
#define XPT_IOREQ_MAX_COUNT 4096u

/**
 * XptIoOps: handlers of an emulated port or MMIO range. @offset is relative to the
 * region base, in bytes; @size is 1, 2, 4 (or 8 for MMIO). The dispatcher only calls
 * them for accesses fully inside the region.
 */
typedef struct XptIoOps {
    uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
    void (*write)(void *opaque, uint64_t offset, uint64_t val, unsigned size);
} XptIoOps;

/**
 * XptIoRegion: an emulated range. @base/@size in bytes (ports or guest-physical).
 * Owned by its device; registered with xpt_dispatcher_add_region().
 */
typedef struct XptIoRegion {
    const char *name;
    XptRangeType type;      /* XPT_RANGE_PORT or XPT_RANGE_MEMORY */
    uint64_t base;
    uint64_t size;
    const XptIoOps *ops;
    void *opaque;
    bool registered;
} XptIoRegion;

typedef struct XptDispatcher XptDispatcher;

/** xpt_dispatcher_new: routes PCI config to @bus, claims ranges from @hv. */
XptDispatcher *xpt_dispatcher_new(XptHv *hv, XptPciBus *bus);
void xpt_dispatcher_free(XptDispatcher *d);

/**
 * xpt_dispatcher_add_region: claim [base, base+size-1] from the hypervisor for this
 * ioreq server and index it. Fails with XPT_ERROR_BUSY if it overlaps a registered
 * region or, for MMIO, shares a 4 KiB page with one (the MMIO index maps each page to one
 * region); XPT_ERROR_INVALID for an empty/wrapping/out-of-range region (ports ≤ 0xFFFF,
 * MMIO ≤ 64 MiB) or a type other than PORT/MEMORY; or the hypervisor's errno
 * (XPT_ERRNO_ERROR). On failure nothing is claimed or indexed. Adding a registered region
 * again does nothing and succeeds.
 */
bool xpt_dispatcher_add_region(XptDispatcher *d, XptIoRegion *r, GError **errp);

/**
 * xpt_dispatcher_del_region: unindex and unclaim; idempotent. The region is unregistered
 * even when the hypervisor refuses the unclaim (one warning naming the call): the
 * dispatcher then keeps the claim as a stale one and retries unclaiming it before the
 * next add_region claims anything, in xpt_dispatcher_retry_unclaims() and when it is
 * freed, so a transient failure leaves no claim behind. Stale claims are not indexed:
 * their I/O is dropped like any unclaimed access.
 */
void xpt_dispatcher_del_region(XptDispatcher *d, XptIoRegion *r);

/**
 * xpt_dispatcher_retry_unclaims: unclaim the stale claims a failed del_region left;
 * returns true when none is left. Those that fail again stay (no further message).
 */
bool xpt_dispatcher_retry_unclaims(XptDispatcher *d);

/**
 * xpt_dispatch: handle one request in place: for IOREQ_READ without data_is_ptr the
 * result is stored in req->data; no other field of *req is changed (state is the
 * caller's). Never fails; invalid requests are dropped (see above).
 */
void xpt_dispatch(XptDispatcher *d, ioreq_t *req);

/** Called on the first guest access (any type): lets the machine leave prelaunch. */
void xpt_dispatcher_set_first_io_hook(XptDispatcher *d, void (*hook)(void *), void *opaque);

#endif
