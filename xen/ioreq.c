/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ioreq dispatcher (xen/ioreq.h): one entry point for guest I/O of both accelerators.
 * Semantics of ioreq_t fields: reference/xen-abi.md §ioreq_t, xen/include/public/hvm/ioreq.h.
 */
#include "xen/ioreq.h"

#include <string.h>

#include "util/bytes.h"
#include "util/error.h"
#include "util/log.h"

#define PORT_SPACE 0x10000u
/* The largest emulated MMIO region we index page by page (64 MiB = 16384 pages). */
#define MAX_MMIO_REGION (64ull << 20)

struct XptDispatcher {
    XptHv *hv;
    XptPciBus *bus;
    XptIoRegion *ports[PORT_SPACE];     /* port → region, O(1) */
    GHashTable *mmio_pages;             /* gfn (guint64*) → region, O(1) */
    void (*first_io_hook)(void *);
    void *first_io_opaque;
    bool seen_io;
    GArray *stale;                      /* StaleClaim: unclaims the hypervisor refused */
};

/* A claim del_region could not give back (xpt_dispatcher_retry_unclaims). */
typedef struct StaleClaim {
    XptRangeType type;
    uint64_t start, end;
} StaleClaim;

static XptRateLimit bad_ioreq_rl = XPT_RATELIMIT_INIT(10, 1000);

XptDispatcher *xpt_dispatcher_new(XptHv *hv, XptPciBus *bus)
{
    XptDispatcher *d = g_new0(XptDispatcher, 1);
    d->hv = hv;
    d->bus = bus;
    d->mmio_pages = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    d->stale = g_array_new(FALSE, FALSE, sizeof(StaleClaim));
    return d;
}

bool xpt_dispatcher_retry_unclaims(XptDispatcher *d)
{
    for (guint i = 0; i < d->stale->len;) {
        const StaleClaim *c = &g_array_index(d->stale, StaleClaim, i);
        if (xpt_hv_unclaim_range(d->hv, "stale claim", c->type, c->start, c->end, NULL)) {
            g_array_remove_index(d->stale, i);
        } else {
            i++;
        }
    }
    return d->stale->len == 0;
}

void xpt_dispatcher_free(XptDispatcher *d)
{
    if (!d) {
        return;
    }
    xpt_dispatcher_retry_unclaims(d);   /* last chance before the hypervisor's leak check */
    g_array_free(d->stale, TRUE);
    g_hash_table_destroy(d->mmio_pages);
    g_free(d);
}

void xpt_dispatcher_set_first_io_hook(XptDispatcher *d, void (*hook)(void *), void *opaque)
{
    d->first_io_hook = hook;
    d->first_io_opaque = opaque;
}

static bool region_valid(const XptIoRegion *r, GError **errp)
{
    uint64_t last = r->base + r->size - 1;
    bool ok = r->size > 0 && last >= r->base;
    if (ok && r->type == XPT_RANGE_PORT) {
        ok = last < PORT_SPACE;
    } else if (ok && r->type == XPT_RANGE_MEMORY) {
        ok = r->size <= MAX_MMIO_REGION;
    } else if (ok) {
        ok = false;
    }
    if (!ok) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "%s: invalid I/O region 0x%" G_GINT64_MODIFIER "x+0x%" G_GINT64_MODIFIER
                    "x", r->name, r->base, r->size);
    }
    return ok;
}

static XptIoRegion *mmio_lookup(XptDispatcher *d, uint64_t gfn)
{
    return g_hash_table_lookup(d->mmio_pages, &gfn);
}

/*
 * Find a registered region that r may not coexist with, or NULL: one overlapping it, or
 * (MMIO) one indexed on any page r touches, since mmio_pages maps each gfn to one region.
 */
static XptIoRegion *find_overlap(XptDispatcher *d, const XptIoRegion *r)
{
    uint64_t last = r->base + r->size - 1;
    if (r->type == XPT_RANGE_PORT) {
        for (uint64_t p = r->base; p <= last; p++) {
            if (d->ports[p]) {
                return d->ports[p];
            }
        }
        return NULL;
    }
    for (uint64_t gfn = r->base >> XPT_PAGE_SHIFT; gfn <= last >> XPT_PAGE_SHIFT; gfn++) {
        XptIoRegion *o = mmio_lookup(d, gfn);
        if (o) {
            return o;
        }
    }
    return NULL;
}

/* Set (r) or clear (NULL) the index entries of region r. */
static void index_region(XptDispatcher *d, XptIoRegion *r, bool add)
{
    uint64_t last = r->base + r->size - 1;
    if (r->type == XPT_RANGE_PORT) {
        for (uint64_t p = r->base; p <= last; p++) {
            d->ports[p] = add ? r : NULL;
        }
        return;
    }
    for (uint64_t gfn = r->base >> XPT_PAGE_SHIFT; gfn <= last >> XPT_PAGE_SHIFT; gfn++) {
        if (add) {
            g_hash_table_insert(d->mmio_pages, g_memdup2(&gfn, sizeof(gfn)), r);
        } else if (mmio_lookup(d, gfn) == r) {
            g_hash_table_remove(d->mmio_pages, &gfn);
        }
    }
}

bool xpt_dispatcher_add_region(XptDispatcher *d, XptIoRegion *r, GError **errp)
{
    if (r->registered) {
        return true;
    }
    if (!region_valid(r, errp)) {
        return false;
    }
    xpt_dispatcher_retry_unclaims(d);   /* a stale claim may overlap this one */
    XptIoRegion *o = find_overlap(d, r);
    if (o) {
        bool overlap = o->base <= r->base + r->size - 1 && r->base <= o->base + o->size - 1;
        g_set_error(errp, XPT_ERROR, XPT_ERROR_BUSY,
                    "%s at 0x%" G_GINT64_MODIFIER "x %s %s at 0x%" G_GINT64_MODIFIER "x",
                    r->name, r->base, overlap ? "overlaps" : "shares a 4 KiB page with",
                    o->name, o->base);
        return false;
    }
    if (!xpt_hv_claim_range(d->hv, r->name, r->type, r->base, r->base + r->size - 1, errp)) {
        return false;
    }
    index_region(d, r, true);
    r->registered = true;
    return true;
}

void xpt_dispatcher_del_region(XptDispatcher *d, XptIoRegion *r)
{
    if (!r->registered) {
        return;
    }
    index_region(d, r, false);
    r->registered = false;
    g_autoptr(GError) err = NULL;
    if (!xpt_hv_unclaim_range(d->hv, r->name, r->type, r->base, r->base + r->size - 1, &err)) {
        xpt_warn_report("%s; will retry", err->message);
        StaleClaim c = { r->type, r->base, r->base + r->size - 1 };
        g_array_append_val(d->stale, c);
    }
}

/* The region that wholly contains [addr, addr+size), or NULL. */
static XptIoRegion *lookup(XptDispatcher *d, uint8_t type, uint64_t addr, unsigned size)
{
    XptIoRegion *r;
    if (type == IOREQ_TYPE_PIO) {
        if (addr >= PORT_SPACE) {
            return NULL;
        }
        r = d->ports[addr];
    } else {
        r = mmio_lookup(d, addr >> XPT_PAGE_SHIFT);
    }
    if (!r || addr < r->base || addr - r->base + size > r->size) {
        return NULL;
    }
    return r;
}

static uint64_t do_read(XptDispatcher *d, uint8_t type, uint64_t addr, unsigned size)
{
    XptIoRegion *r = lookup(d, type, addr, size);
    if (!r) {
        xpt_log_ratelimited(&bad_ioreq_rl, XPT_LOG_GUEST_ERROR,
                            "%s read of %u bytes at 0x%" G_GINT64_MODIFIER "x: no handler",
                            type == IOREQ_TYPE_PIO ? "port" : "mmio", size, addr);
        return xpt_ones64(size);
    }
    return r->ops->read(r->opaque, addr - r->base, size) & xpt_ones64(size);
}

static void do_write(XptDispatcher *d, uint8_t type, uint64_t addr, unsigned size, uint64_t val)
{
    XptIoRegion *r = lookup(d, type, addr, size);
    if (!r) {
        xpt_log_ratelimited(&bad_ioreq_rl, XPT_LOG_GUEST_ERROR,
                            "%s write of %u bytes at 0x%" G_GINT64_MODIFIER "x: no handler",
                            type == IOREQ_TYPE_PIO ? "port" : "mmio", size, addr);
        return;
    }
    r->ops->write(r->opaque, addr - r->base, val & xpt_ones64(size), size);
}

/*
 * The reply to a dropped request: a read without data_is_ptr reads all-ones of the access
 * size (~0 when the size itself is invalid); with data_is_ptr, data is the guest buffer's
 * address and stays so, and guest memory is left untouched.
 */
static void drop_read(ioreq_t *req, bool size_ok)
{
    if (req->dir == IOREQ_READ && !req->data_is_ptr) {
        req->data = size_ok ? xpt_ones64(req->size) : ~0ull;
    }
}

/*
 * True if the elements of a rep op starting at @base (element i at base + i*size, or
 * base - i*size with @df) all lie below 2^64 and at or above 0: the bytes touched are
 * [base - span, base + size - 1] with @df, [base, base + span + size - 1] without.
 */
static bool rep_range_ok(uint64_t base, uint64_t span, unsigned size, bool df)
{
    if (df && base < span) {
        return false;
    }
    uint64_t low = df ? base - span : base;
    return UINT64_MAX - low >= span + size - 1;
}

/* PIO and COPY: single, rep, and data_is_ptr forms. */
static void dispatch_io(XptDispatcher *d, ioreq_t *req)
{
    unsigned size = req->size;
    bool pio = req->type == IOREQ_TYPE_PIO;
    bool size_ok = size == 1 || size == 2 || size == 4 || (!pio && size == 8);
    if (!size_ok || req->count == 0 || req->count > XPT_IOREQ_MAX_COUNT) {
        xpt_log_ratelimited(&bad_ioreq_rl, XPT_LOG_GUEST_ERROR,
                            "dropped ioreq type %u: size %u, count %u", req->type, size,
                            req->count);
        drop_read(req, size_ok);
        return;
    }
    uint64_t span = (uint64_t)(req->count - 1) * size;
    /* Addresses step for COPY only; a port stays the same for rep ins/outs. */
    if (!pio && !rep_range_ok(req->addr, span, size, req->df)) {
        xpt_log_ratelimited(&bad_ioreq_rl, XPT_LOG_GUEST_ERROR,
                            "dropped ioreq: address range wraps");
        drop_read(req, true);
        return;
    }
    if (req->data_is_ptr && !rep_range_ok(req->data, span, size, req->df)) {
        xpt_log_ratelimited(&bad_ioreq_rl, XPT_LOG_GUEST_ERROR,
                            "dropped ioreq: data pointer range wraps");
        return;
    }

    for (uint32_t i = 0; i < req->count; i++) {
        uint64_t step = (uint64_t)i * size;
        uint64_t addr = pio ? req->addr : (req->df ? req->addr - step : req->addr + step);
        uint64_t ptr = req->df ? req->data - step : req->data + step;
        uint64_t val = 0;

        if (req->dir == IOREQ_READ) {
            val = do_read(d, req->type, addr, size);
            if (!req->data_is_ptr) {
                req->data = val;
                continue;
            }
            g_autoptr(GError) err = NULL;
            if (!xpt_hv_guest_write(d->hv, ptr, &val, size, &err)) {
                xpt_log_ratelimited(&bad_ioreq_rl, XPT_LOG_GUEST_ERROR, "%s", err->message);
                return;
            }
        } else {
            if (req->data_is_ptr) {
                g_autoptr(GError) err = NULL;
                if (!xpt_hv_guest_read(d->hv, ptr, &val, size, &err)) {
                    xpt_log_ratelimited(&bad_ioreq_rl, XPT_LOG_GUEST_ERROR, "%s",
                                        err->message);
                    return;
                }
            } else {
                val = req->data;
            }
            do_write(d, req->type, addr, size, val);
        }
    }
}

/*
 * PCI_CONFIG: addr bits 63:32 = SBDF (segment 63:48, bus 47:40, devfn 39:32), bits 31:0 =
 * register (reference/xen-abi.md §ioreq_t). Xen decodes a "rep insl/outsl" on 0xCFC into
 * PCI_CONFIG too, with count > 1 and possibly data_is_ptr; QEMU aborts on that, we drop it.
 */
static void dispatch_pci_config(XptDispatcher *d, ioreq_t *req)
{
    uint32_t sbdf = req->addr >> 32;
    uint32_t reg = (uint32_t)req->addr;
    unsigned size = req->size;
    uint8_t devfn = sbdf & 0xff;
    bool size_ok = size == 1 || size == 2 || size == 4;

    if (!size_ok || req->count != 1 || req->data_is_ptr) {
        xpt_log_ratelimited(&bad_ioreq_rl, XPT_LOG_GUEST_ERROR,
                            "dropped PCI config ioreq: size %u, count %u%s", size, req->count,
                            req->data_is_ptr ? ", data_is_ptr" : "");
        drop_read(req, size_ok);
        return;
    }
    /* Segment 0, bus 0 only: the only bus we present (SPEC §4), the only SBDFs we claim. */
    bool ours = (sbdf >> 8) == 0;
    if (req->dir == IOREQ_READ) {
        req->data = ours ? xpt_pci_bus_config_read(d->bus, devfn, reg, size) : xpt_ones32(size);
    } else if (ours) {
        xpt_pci_bus_config_write(d->bus, devfn, reg, size, (uint32_t)req->data);
    }
}

void xpt_dispatch(XptDispatcher *d, ioreq_t *req)
{
    if (!d->seen_io && req->type != IOREQ_TYPE_INVALIDATE) {
        d->seen_io = true;
        if (d->first_io_hook) {
            d->first_io_hook(d->first_io_opaque);
        }
    }
    xpt_log(XPT_LOG_IOREQ,
            "ioreq type %u dir %s addr 0x%" G_GINT64_MODIFIER "x size %u count %u%s data 0x%"
            G_GINT64_MODIFIER "x", req->type, req->dir == IOREQ_READ ? "read" : "write",
            req->addr, req->size, req->count, req->data_is_ptr ? " ptr" : "", req->data);
    switch (req->type) {
    case IOREQ_TYPE_PIO:
    case IOREQ_TYPE_COPY:
        dispatch_io(d, req);
        break;
    case IOREQ_TYPE_PCI_CONFIG:
        dispatch_pci_config(d, req);
        break;
    case IOREQ_TYPE_INVALIDATE:
        /* No map cache of guest memory is kept: nothing to drop. */
        break;
    case IOREQ_TYPE_TIMEOFFSET:
        break;
    default:
        xpt_log_ratelimited(&bad_ioreq_rl, XPT_LOG_GUEST_ERROR, "unknown ioreq type %u",
                            req->type);
        drop_read(req, false);
        break;
    }
}
