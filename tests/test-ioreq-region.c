/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the ioreq dispatcher (xen/ioreq.c), its regions: the ioreq-server
 * claims and unclaims a region makes, overlap and same-page refusals, invalid regions,
 * hypervisor failures on claim and unclaim, removal and re-adding. Fixture:
 * tests/ioreq-fixture.h.
 */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <xen/hvm/ioreq.h>

#include "hw/pci/pci.h"
#include "tests/ioreq-fixture.h"
#include "util/error.h"
#include "util/log.h"
#include "xen/hvops.h"
#include "xen/ioreq.h"

/* ---- regions: claims, overlap, removal ------------------------------------------------- */

static void test_region_claims(Fx *fx, gconstpointer data)
{
    guint n = fx->fh.claims->len;
    TReg *p = fx_treg_add(fx, "ports", XPT_RANGE_PORT, 0x1000, 0x10);
    TReg *m = fx_treg_add(fx, "bar", XPT_RANGE_MEMORY, 0xfe000000, 0x2000);
    TReg *s = fx_treg_add(fx, "small", XPT_RANGE_MEMORY, 0xfe010100, 0x100);

    /* One claim each: inclusive ranges, ports and byte addresses (not frame numbers). */
    g_assert_cmpuint(fx->fh.claims->len, ==, n + 3);
    fx_assert_claim(fx, n, true, XPT_RANGE_PORT, 0x1000, 0x100f);
    fx_assert_claim(fx, n + 1, true, XPT_RANGE_MEMORY, 0xfe000000, 0xfe001fff);
    fx_assert_claim(fx, n + 2, true, XPT_RANGE_MEMORY, 0xfe010100, 0xfe0101ff);

    /* Adding a registered region again is a no-op (no second claim). */
    g_autoptr(GError) err = NULL;
    g_assert_true(xpt_dispatcher_add_region(fx->d, &m->r, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(fx->fh.claims->len, ==, n + 3);

    /* Removal unclaims exactly what was claimed; a second removal does nothing. */
    xpt_dispatcher_del_region(fx->d, &m->r);
    xpt_dispatcher_del_region(fx->d, &m->r);
    xpt_dispatcher_del_region(fx->d, &p->r);
    xpt_dispatcher_del_region(fx->d, &s->r);
    g_assert_false(m->r.registered || p->r.registered || s->r.registered);
    g_assert_cmpuint(fx->fh.claims->len, ==, n + 6);
    fx_assert_claim(fx, n + 3, false, XPT_RANGE_MEMORY, 0xfe000000, 0xfe001fff);
    fx_assert_claim(fx, n + 4, false, XPT_RANGE_PORT, 0x1000, 0x100f);
    fx_assert_claim(fx, n + 5, false, XPT_RANGE_MEMORY, 0xfe010100, 0xfe0101ff);
    fx_assert_quiet(fx);
}

/* add_region must fail with XPT_ERROR_BUSY and leave everything as it was. */
static void add_busy(Fx *fx, const char *name, XptRangeType type, uint64_t base,
                     uint64_t size, const char *other)
{
    g_autoptr(GError) err = NULL;
    guint n = fx->fh.claims->len;
    TReg *t = fx_treg_new(fx, name, type, base, size);

    g_assert_false(xpt_dispatcher_add_region(fx->d, &t->r, &err));
    g_assert_error(err, XPT_ERROR, XPT_ERROR_BUSY);
    g_assert_nonnull(strstr(err->message, name));
    g_assert_nonnull(strstr(err->message, other));
    g_assert_false(t->r.registered);
    g_assert_cmpuint(fx->fh.claims->len, ==, n);
}

static void test_region_overlap(Fx *fx, gconstpointer data)
{
    TReg *a = fx_treg_add(fx, "a", XPT_RANGE_PORT, 0x1000, 0x10);
    TReg *m = fx_treg_add(fx, "m", XPT_RANGE_MEMORY, 0xfe000000, 0x3000);

    add_busy(fx, "tail", XPT_RANGE_PORT, 0x100f, 2, "a");
    add_busy(fx, "head", XPT_RANGE_PORT, 0xfff, 2, "a");
    add_busy(fx, "same", XPT_RANGE_PORT, 0x1000, 0x10, "a");
    add_busy(fx, "outer", XPT_RANGE_PORT, 0xf00, 0x200, "a");
    add_busy(fx, "inner", XPT_RANGE_PORT, 0x1004, 1, "a");
    add_busy(fx, "mtail", XPT_RANGE_MEMORY, 0xfe002ff0, 0x20, "m");
    add_busy(fx, "mmid", XPT_RANGE_MEMORY, 0xfe001800, 8, "m");
    add_busy(fx, "mouter", XPT_RANGE_MEMORY, 0xfdfff000, 0x5000, "m");
    g_autoptr(GError) err = NULL;
    {
        TReg *t = fx_treg_new(fx, "a", XPT_RANGE_PORT, 0x1008, 1);
        g_assert_false(xpt_dispatcher_add_region(fx->d, &t->r, &err));
        g_assert_error(err, XPT_ERROR, XPT_ERROR_BUSY);
        g_assert_cmpstr(err->message, ==, "a at 0x1008 overlaps a at 0x1000");
        g_clear_error(&err);
    }

    /* Adjacent regions are fine: ports and memory are separate spaces. */
    TReg *e = fx_treg_add(fx, "e", XPT_RANGE_PORT, 0x1010, 4);
    TReg *f = fx_treg_add(fx, "f", XPT_RANGE_MEMORY, 0xfe003000, 0x1000);
    TReg *g = fx_treg_add(fx, "g", XPT_RANGE_MEMORY, 0x1000, 0x10);

    /* The failures left the index alone: every byte still goes where it belongs. */
    a->next_read = 1;
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_PIO, 0x100f, 1), ==, 1);
    e->next_read = 2;
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_PIO, 0x1010, 1), ==, 2);
    m->next_read = 3;
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfe002ff8, 8), ==, 3);
    m->next_read = 4;
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfe001800, 4), ==, 4);
    f->next_read = 5;
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfe003000, 4), ==, 5);
    g->next_read = 6;
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0x1000, 4), ==, 6);
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_PIO, 0xfff, 1), ==, 0xff);
    g_assert_cmpuint(a->log->len + e->log->len + m->log->len + f->log->len + g->log->len,
                     ==, 6);
}

/*
 * Two MMIO regions in one 4 KiB page without a common byte. The MMIO index is per page:
 * if the dispatcher accepts the second region, both must still be served and removing one
 * must not unroute the other; if it refuses, it must be XPT_ERROR_BUSY with nothing
 * claimed and the first region intact.
 */
static void test_region_same_page(Fx *fx, gconstpointer data)
{
    TReg *lo = fx_treg_add(fx, "lo", XPT_RANGE_MEMORY, 0xfe010000, 0x800);
    TReg *hi = fx_treg_new(fx, "hi", XPT_RANGE_MEMORY, 0xfe010800, 0x800);
    g_autoptr(GError) err = NULL;
    guint n = fx->fh.claims->len;

    if (xpt_dispatcher_add_region(fx->d, &hi->r, &err)) {
        g_assert_no_error(err);
        lo->next_read = 1;
        hi->next_read = 2;
        g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfe010000, 4), ==, 1);
        g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfe010800, 4), ==, 2);
        xpt_dispatcher_del_region(fx->d, &hi->r);
        g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfe0107fc, 4), ==, 2);
        g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfe010800, 4), ==, 0xffffffffu);
        g_assert_true(xpt_dispatcher_add_region(fx->d, &hi->r, &err));
        xpt_dispatcher_del_region(fx->d, &lo->r);
        g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfe010ffc, 4), ==, 3);
        g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfe010000, 4), ==, 0xffffffffu);
        return;
    }
    g_assert_error(err, XPT_ERROR, XPT_ERROR_BUSY);
    g_assert_nonnull(strstr(err->message, "hi at 0xfe010800"));
    g_assert_nonnull(strstr(err->message, "lo at 0xfe010000"));
    g_assert_false(hi->r.registered);
    g_assert_cmpuint(fx->fh.claims->len, ==, n);
    lo->next_read = 1;
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfe0107fc, 4), ==, 1);
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfe010800, 4), ==, 0xffffffffu);
    g_assert_cmpuint(hi->log->len, ==, 0);
    /* The neighbouring page is free. */
    TReg *next = fx_treg_add(fx, "next", XPT_RANGE_MEMORY, 0xfe011000, 0x800);
    next->next_read = 9;
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfe011000, 4), ==, 9);
}

static void test_region_invalid(Fx *fx, gconstpointer data)
{
    static const struct { XptRangeType type; uint64_t base, size; } bad[] = {
        { XPT_RANGE_PORT, 0x1000, 0 },
        { XPT_RANGE_PORT, 0xffff, 2 },              /* past the 16-bit port space */
        { XPT_RANGE_PORT, 0x10000, 1 },
        { XPT_RANGE_PORT, 0, 0x10001 },
        { XPT_RANGE_PORT, ~0ull, 2 },               /* wraps */
        { XPT_RANGE_MEMORY, 0xfe000000, 0 },
        { XPT_RANGE_MEMORY, TOP_PAGE, 0x2000 },     /* wraps */
        { XPT_RANGE_MEMORY, 0x100000000ull, (64ull << 20) + 1 },  /* > 64 MiB */
        { XPT_RANGE_MEMORY, 0, ~0ull },
        { XPT_RANGE_PCI, 0x10, 1 },                 /* SBDF claims are the bus's */
        { (XptRangeType)7, 0x1000, 1 },
    };
    guint n = fx->fh.claims->len;

    for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;
        TReg *t = fx_treg_new(fx, "bad", bad[i].type, bad[i].base, bad[i].size);
        g_assert_false(xpt_dispatcher_add_region(fx->d, &t->r, &err));
        g_assert_error(err, XPT_ERROR, XPT_ERROR_INVALID);
        g_assert_true(g_str_has_prefix(err->message, "bad: invalid I/O region"));
        g_assert_false(t->r.registered);
    }
    g_assert_cmpuint(fx->fh.claims->len, ==, n);
    /* The largest ones that are valid. */
    TReg *all = fx_treg_add(fx, "all-ports", XPT_RANGE_PORT, 0, 0x10000);
    TReg *big = fx_treg_add(fx, "64M", XPT_RANGE_MEMORY, 0x100000000ull, 64ull << 20);
    fx_assert_claim(fx, n, true, XPT_RANGE_PORT, 0, 0xffff);
    fx_assert_claim(fx, n + 1, true, XPT_RANGE_MEMORY, 0x100000000ull, 0x103ffffffull);
    all->next_read = 1;
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_PIO, 0xffff, 1), ==, 1);
    fx_assert_access(all->log, 0, false, 0xffff, 1, 1);
    big->next_read = 2;
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0x103fffff8ull, 8), ==, 2);
    fx_assert_access(big->log, 0, false, 0x3fffff8, 8, 2);
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0x104000000ull, 1), ==, 0xff);
    g_assert_cmpuint(big->log->len, ==, 1);
}

static void test_region_claim_fails(Fx *fx, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    TReg *t = fx_treg_new(fx, "dev", XPT_RANGE_PORT, 0x1000, 0x10);
    TReg *m = fx_treg_new(fx, "mdev", XPT_RANGE_MEMORY, 0xfe000000, 0x2000);

    fx->fh.claim_errno = EPERM;
    g_assert_false(xpt_dispatcher_add_region(fx->d, &t->r, &err));
    g_assert_error(err, XPT_ERRNO_ERROR, EPERM);
    g_assert_nonnull(strstr(err->message, "xendevicemodel_map_io_range_to_ioreq_server"));
    g_clear_error(&err);
    fx->fh.claim_errno = ENOSPC;
    g_assert_false(xpt_dispatcher_add_region(fx->d, &m->r, &err));
    g_assert_error(err, XPT_ERRNO_ERROR, ENOSPC);
    g_clear_error(&err);
    g_assert_false(t->r.registered || m->r.registered);

    /* Not indexed: not routed; removing it does not unclaim what was never claimed. */
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_PIO, 0x1000, 4), ==, 0xffffffffu);
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfe001000, 4), ==, 0xffffffffu);
    guint n = fx->fh.claims->len;
    xpt_dispatcher_del_region(fx->d, &t->r);
    xpt_dispatcher_del_region(fx->d, &m->r);
    g_assert_cmpuint(fx->fh.claims->len, ==, n);
    g_assert_cmpuint(t->log->len + m->log->len, ==, 0);

    /* And the range is free: the next attempt succeeds. */
    g_assert_true(xpt_dispatcher_add_region(fx->d, &t->r, &err));
    g_assert_true(xpt_dispatcher_add_region(fx->d, &m->r, &err));
    g_assert_no_error(err);
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfe001000, 4), !=, 0xffffffffu);
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_PIO, 0x1000, 4), !=, 0xffffffffu);
}

static void test_region_del_readd(Fx *fx, gconstpointer data)
{
    TReg *a = fx_treg_add(fx, "a", XPT_RANGE_PORT, 0x1000, 0x10);
    TReg *m = fx_treg_add(fx, "m", XPT_RANGE_MEMORY, 0xfe000000, 0x3000);

    xpt_dispatcher_del_region(fx->d, &a->r);
    xpt_dispatcher_del_region(fx->d, &m->r);
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_PIO, 0x1000, 1), ==, 0xff);
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_PIO, 0x100f, 1), ==, 0xff);
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfe000000, 4), ==, 0xffffffffu);
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfe002ffc, 4), ==, 0xffffffffu);
    fx_io_write(fx, IOREQ_TYPE_PIO, 0x1008, 4, 0);
    fx_io_write(fx, IOREQ_TYPE_COPY, 0xfe001000, 4, 0);
    g_assert_cmpuint(a->log->len + m->log->len, ==, 0);
    fx_assert_logged(fx, "port read of 1 bytes at 0x1000: no handler");

    /* Their ports and pages are free: overlapping newcomers fit and own them. */
    TReg *b = fx_treg_add(fx, "b", XPT_RANGE_PORT, 0x1008, 0x10);
    TReg *n = fx_treg_add(fx, "n", XPT_RANGE_MEMORY, 0xfe001000, 0x1000);
    b->next_read = 1;
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_PIO, 0x100f, 1), ==, 1);
    fx_assert_access(b->log, 0, false, 7, 1, 1);
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_PIO, 0x1000, 1), ==, 0xff);
    n->next_read = 2;
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfe001ffc, 4), ==, 2);
    fx_assert_access(n->log, 0, false, 0xffc, 4, 2);
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfe000000, 4), ==, 0xffffffffu);
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfe002000, 4), ==, 0xffffffffu);

    /* And the original regions come back once the newcomers leave. */
    xpt_dispatcher_del_region(fx->d, &b->r);
    xpt_dispatcher_del_region(fx->d, &n->r);
    g_autoptr(GError) err = NULL;
    g_assert_true(xpt_dispatcher_add_region(fx->d, &a->r, &err));
    g_assert_true(xpt_dispatcher_add_region(fx->d, &m->r, &err));
    g_assert_no_error(err);
    a->next_read = 3;
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_PIO, 0x1000, 1), ==, 3);
    m->next_read = 4;
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfe002ffc, 4), ==, 4);
    fx_assert_access(m->log, 0, false, 0x2ffc, 4, 4);
}

static void test_region_unclaim_fails(Fx *fx, gconstpointer data)
{
    TReg *m = fx_treg_add(fx, "m", XPT_RANGE_MEMORY, 0xfe000000, 0x1000);
    g_autoptr(GError) err = NULL;

    fx->fh.unclaim_errno = ENOENT;
    xpt_dispatcher_del_region(fx->d, &m->r);
    fx_assert_logged(fx, "warning: m: xendevicemodel_unmap_io_range_from_ioreq_server(mmio "
                      "0xfe000000-0xfe000fff) failed");
    /* Unregistered and unrouted all the same; it can be added again. */
    g_assert_false(m->r.registered);
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfe000000, 4), ==, 0xffffffffu);
    g_assert_true(xpt_dispatcher_add_region(fx->d, &m->r, &err));
    g_assert_no_error(err);
    m->next_read = 5;
    g_assert_cmphex(fx_io_read(fx, IOREQ_TYPE_COPY, 0xfe000000, 4), ==, 5);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add("/ioreq/" path, Fx, NULL, fx_setup, fn, fx_teardown)
    ADD("region/claims", test_region_claims);
    ADD("region/overlap", test_region_overlap);
    ADD("region/same-page", test_region_same_page);
    ADD("region/invalid", test_region_invalid);
    ADD("region/claim-fails", test_region_claim_fails);
    ADD("region/del-readd", test_region_del_readd);
    ADD("region/unclaim-fails", test_region_unclaim_fails);
#undef ADD
    return g_test_run();
}
