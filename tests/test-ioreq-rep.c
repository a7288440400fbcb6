/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the ioreq dispatcher (xen/ioreq.c), rep requests: count, df and
 * data_is_ptr as Xen fills them (reference/xen-abi.md §ioreq_t), port and MMIO strings
 * to and from guest memory, count bounds, address and pointer wrap at 2^64, and guest
 * memory faults. Fixture: tests/ioreq-fixture.h.
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

/* ---- rep, df, data_is_ptr -------------------------------------------------------------- */

static void assert_guest_op(Fx *fx, guint i, bool write, uint64_t gpa, size_t len)
{
    g_assert_cmpuint(i, <, fx->fh.guest_ops->len);
    GuestOp *op = &g_array_index(fx->fh.guest_ops, GuestOp, i);
    g_assert_cmpint(op->write, ==, write);
    g_assert_cmphex(op->gpa, ==, gpa);
    g_assert_cmpuint(op->len, ==, len);
}

/* rep outs / rep ins: the port stays, the guest buffer steps by size (down with df). */
static void test_rep_pio_ptr(Fx *fx, gconstpointer data)
{
    TReg *p = fx_treg_add(fx, "fifo", XPT_RANGE_PORT, 0x2000, 4);
    uint64_t g = RAM_BASE + 0x100;
    ioreq_t req;

    for (unsigned i = 0; i < 4; i++) {
        fx_ram_put(fx, g + 2 * i, 2, 0x1111 * (i + 1));
    }
    /* rep outsw, df=0: words in buffer order. */
    req = fx_mkrep(IOREQ_TYPE_PIO, IOREQ_WRITE, 0x2000, 2, 4, false, true, g);
    fx_dispatch(fx, &req);
    g_assert_cmpuint(p->log->len, ==, 4);
    for (unsigned i = 0; i < 4; i++) {
        fx_assert_access(p->log, i, true, 0, 2, 0x1111 * (i + 1));
        assert_guest_op(fx, i, false, g + 2 * i, 2);
    }
    /* rep outsw, df=1: data points at the last word, which goes out first. */
    req = fx_mkrep(IOREQ_TYPE_PIO, IOREQ_WRITE, 0x2000, 2, 4, true, true, g + 6);
    fx_dispatch(fx, &req);
    g_assert_cmpuint(p->log->len, ==, 8);
    for (unsigned i = 0; i < 4; i++) {
        fx_assert_access(p->log, 4 + i, true, 0, 2, 0x1111 * (4 - i));
        assert_guest_op(fx, 4 + i, false, g + 6 - 2 * i, 2);
    }

    /* rep insl, df=0: each read lands at data + i*4; only 4 bytes of each are written. */
    uint64_t g2 = RAM_BASE + 0x200;
    p->next_read = 0xffffffffa0000001ull;
    req = fx_mkrep(IOREQ_TYPE_PIO, IOREQ_READ, 0x2000, 4, 3, false, true, g2);
    fx_dispatch(fx, &req);
    g_assert_cmpuint(p->log->len, ==, 11);
    for (unsigned i = 0; i < 3; i++) {
        fx_assert_access(p->log, 8 + i, false, 0, 4, 0xffffffffa0000001ull + i);
        g_assert_cmphex(fx_ram_get(fx, g2 + 4 * i, 4), ==, 0xa0000001u + i);
        assert_guest_op(fx, 8 + i, true, g2 + 4 * i, 4);
    }
    g_assert_cmphex(fx_ram_get(fx, g2 - 1, 1), ==, 0xee);
    g_assert_cmphex(fx_ram_get(fx, g2 + 12, 1), ==, 0xee);

    /* rep insl, df=1: the first read lands at data, the next ones below it. */
    uint64_t g3 = RAM_BASE + 0x300;
    p->next_read = 0xb0000001;
    req = fx_mkrep(IOREQ_TYPE_PIO, IOREQ_READ, 0x2000, 4, 3, true, true, g3 + 8);
    fx_dispatch(fx, &req);
    for (unsigned i = 0; i < 3; i++) {
        fx_assert_access(p->log, 11 + i, false, 0, 4, 0xb0000001u + i);
        g_assert_cmphex(fx_ram_get(fx, g3 + 8 - 4 * i, 4), ==, 0xb0000001u + i);
        assert_guest_op(fx, 11 + i, true, g3 + 8 - 4 * i, 4);
    }
    g_assert_cmphex(fx_ram_get(fx, g3 - 1, 1), ==, 0xee);
    g_assert_cmphex(fx_ram_get(fx, g3 + 12, 1), ==, 0xee);
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, 14);
    fx_assert_quiet(fx);
}

/* rep movs between MMIO and RAM: both the MMIO address and the buffer step. */
static void test_rep_mmio_ptr(Fx *fx, gconstpointer data)
{
    TReg *m = fx_treg_add(fx, "mmio", XPT_RANGE_MEMORY, 0xfe200000, 0x1000);
    uint64_t g = RAM_BASE + 0x1000;
    ioreq_t req;

    /* MMIO → RAM, df=0, 8-byte elements. */
    m->next_read = 0x1000000000000001ull;
    req = fx_mkrep(IOREQ_TYPE_COPY, IOREQ_READ, 0xfe200100, 8, 4, false, true, g);
    fx_dispatch(fx, &req);
    for (unsigned i = 0; i < 4; i++) {
        fx_assert_access(m->log, i, false, 0x100 + 8 * i, 8, 0x1000000000000001ull + i);
        g_assert_cmphex(fx_ram_get(fx, g + 8 * i, 8), ==, 0x1000000000000001ull + i);
    }
    /* MMIO → RAM, df=1: both addresses go down from the last element. */
    m->next_read = 0x2000000000000001ull;
    req = fx_mkrep(IOREQ_TYPE_COPY, IOREQ_READ, 0xfe200118, 8, 4, true, true, g + 0x100 + 24);
    fx_dispatch(fx, &req);
    for (unsigned i = 0; i < 4; i++) {
        fx_assert_access(m->log, 4 + i, false, 0x118 - 8 * i, 8, 0x2000000000000001ull + i);
        g_assert_cmphex(fx_ram_get(fx, g + 0x100 + 24 - 8 * i, 8), ==,
                        0x2000000000000001ull + i);
    }
    g_assert_cmphex(fx_ram_get(fx, g + 0x100 - 1, 1), ==, 0xee);

    /* RAM → MMIO, df=0, 4-byte elements. */
    uint64_t src = RAM_BASE + 0x2000;
    for (unsigned i = 0; i < 3; i++) {
        fx_ram_put(fx, src + 4 * i, 4, 0xc0000000u + i);
    }
    req = fx_mkrep(IOREQ_TYPE_COPY, IOREQ_WRITE, 0xfe200200, 4, 3, false, true, src);
    fx_dispatch(fx, &req);
    for (unsigned i = 0; i < 3; i++) {
        fx_assert_access(m->log, 8 + i, true, 0x200 + 4 * i, 4, 0xc0000000u + i);
    }
    /* RAM → MMIO, df=1. */
    req = fx_mkrep(IOREQ_TYPE_COPY, IOREQ_WRITE, 0xfe200208, 4, 3, true, true, src + 8);
    fx_dispatch(fx, &req);
    for (unsigned i = 0; i < 3; i++) {
        fx_assert_access(m->log, 11 + i, true, 0x208 - 4 * i, 4, 0xc0000002u - i);
    }
    g_assert_cmpuint(m->log->len, ==, 14);
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, 14);
    fx_assert_quiet(fx);
}

/* Rep without data_is_ptr: rep stos to MMIO (Xen's hvmemul_rep_stos) repeats req->data. */
static void test_rep_no_ptr(Fx *fx, gconstpointer data)
{
    TReg *m = fx_treg_add(fx, "mmio", XPT_RANGE_MEMORY, 0xfe200000, 0x1000);
    TReg *p = fx_treg_add(fx, "port", XPT_RANGE_PORT, 0x2000, 4);
    ioreq_t req;

    req = fx_mkrep(IOREQ_TYPE_COPY, IOREQ_WRITE, 0xfe200000, 4, 3, false, false,
                   0xffffffffcafef00dull);
    fx_dispatch(fx, &req);
    req = fx_mkrep(IOREQ_TYPE_COPY, IOREQ_WRITE, 0xfe200108, 4, 3, true, false, 0x5a5a);
    fx_dispatch(fx, &req);
    for (unsigned i = 0; i < 3; i++) {
        fx_assert_access(m->log, i, true, 4 * i, 4, 0xcafef00d);
        fx_assert_access(m->log, 3 + i, true, 0x108 - 4 * i, 4, 0x5a5a);
    }
    /* A rep read without a buffer: every element is read, data holds the last one. */
    m->next_read = 0x700;
    req = fx_mkrep(IOREQ_TYPE_COPY, IOREQ_READ, 0xfe200010, 2, 3, false, false, SENTINEL);
    fx_dispatch(fx, &req);
    g_assert_cmphex(req.data, ==, 0x702);
    for (unsigned i = 0; i < 3; i++) {
        fx_assert_access(m->log, 6 + i, false, 0x10 + 2 * i, 2, 0x700 + i);
    }
    /* Port rep without a buffer (Xen does not send it): bounded, the port never steps. */
    req = fx_mkrep(IOREQ_TYPE_PIO, IOREQ_WRITE, 0x2001, 1, 3, true, false, 0x1ab);
    fx_dispatch(fx, &req);
    g_assert_cmpuint(p->log->len, ==, 3);
    for (unsigned i = 0; i < 3; i++) {
        fx_assert_access(p->log, i, true, 1, 1, 0xab);
    }
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, 0);
    fx_assert_quiet(fx);
}

static void test_rep_count_bounds(Fx *fx, gconstpointer data)
{
    TReg *m = fx_treg_add(fx, "mmio", XPT_RANGE_MEMORY, 0xfe300000, 0x8000);
    TReg *p = fx_treg_add(fx, "port", XPT_RANGE_PORT, 0x3000, 4);
    ioreq_t req;

    /* count 0: nothing to do; Xen never sends it, so it is a logged drop. */
    req = fx_mkrep(IOREQ_TYPE_COPY, IOREQ_READ, 0xfe300000, 4, 0, false, false, SENTINEL);
    fx_dispatch(fx, &req);
    g_assert_cmphex(req.data, ==, 0xffffffffu);
    fx_assert_logged(fx, "dropped ioreq type 1: size 4, count 0");
    req = fx_mkrep(IOREQ_TYPE_PIO, IOREQ_WRITE, 0x3000, 4, 0, false, true, RAM_BASE);
    fx_dispatch(fx, &req);
    fx_assert_logged(fx, "dropped ioreq type 0: size 4, count 0");
    g_assert_cmpuint(m->log->len + p->log->len + fx->fh.guest_ops->len, ==, 0);

    /* XPT_IOREQ_MAX_COUNT is served in full: rep outsb of 4096 bytes ... */
    for (unsigned i = 0; i < XPT_IOREQ_MAX_COUNT; i++) {
        fx_ram_put(fx, RAM_BASE + i, 1, (i * 7) & 0xff);
    }
    req = fx_mkrep(IOREQ_TYPE_PIO, IOREQ_WRITE, 0x3000, 1, XPT_IOREQ_MAX_COUNT, false, true,
                   RAM_BASE);
    fx_dispatch(fx, &req);
    g_assert_cmpuint(p->log->len, ==, XPT_IOREQ_MAX_COUNT);
    fx_assert_access(p->log, 0, true, 0, 1, 0);
    fx_assert_access(p->log, 4095, true, 0, 1, (4095 * 7) & 0xff);
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, XPT_IOREQ_MAX_COUNT);
    /* ... and rep stosq of 4096 quadwords. */
    req = fx_mkrep(IOREQ_TYPE_COPY, IOREQ_WRITE, 0xfe300000, 8, XPT_IOREQ_MAX_COUNT, false,
                   false, 0x42);
    fx_dispatch(fx, &req);
    g_assert_cmpuint(m->log->len, ==, XPT_IOREQ_MAX_COUNT);
    fx_assert_access(m->log, 4095, true, 0x7ff8, 8, 0x42);
    fx_assert_quiet(fx);

    /* One more, or a huge count: refused before any element is done. */
    guint pn = p->log->len, mn = m->log->len, gn = fx->fh.guest_ops->len;
    static const uint32_t counts[] = { XPT_IOREQ_MAX_COUNT + 1, 0x80000000u, 0xffffffffu };
    for (unsigned i = 0; i < G_N_ELEMENTS(counts); i++) {
        g_autofree char *msg = g_strdup_printf("count %u", counts[i]);
        req = fx_mkrep(IOREQ_TYPE_PIO, IOREQ_READ, 0x3000, 4, counts[i], false, true, RAM_BASE);
        fx_dispatch(fx, &req);
        fx_assert_logged(fx, msg);
        req = fx_mkrep(IOREQ_TYPE_COPY, IOREQ_WRITE, 0xfe300000, 1, counts[i], true, true,
                       RAM_BASE + 0x8000);
        fx_dispatch(fx, &req);
        req = fx_mkrep(IOREQ_TYPE_COPY, IOREQ_READ, 0xfe300000, 8, counts[i], false, false,
                       SENTINEL);
        fx_dispatch(fx, &req);
        g_assert_cmphex(req.data, ==, ~0ull);
        fx_assert_logged(fx, msg);
    }
    g_assert_cmpuint(p->log->len, ==, pn);
    g_assert_cmpuint(m->log->len, ==, mn);
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, gn);
}

/* The MMIO address range of a rep op wraps at 2^64 (either direction): refused whole. */
static void test_rep_addr_wrap(Fx *fx, gconstpointer data)
{
    TReg *top = fx_treg_add(fx, "top", XPT_RANGE_MEMORY, TOP_PAGE, 0x1000);
    TReg *zero = fx_treg_add(fx, "zero", XPT_RANGE_MEMORY, 0, 0x1000);
    ioreq_t req;

    /* df=0 from the last 8 bytes over the top: ..f8, ..fc, 0x0, 0x4. */
    req = fx_mkrep(IOREQ_TYPE_COPY, IOREQ_WRITE, 0xfffffffffffffff8ull, 4, 4, false, false, 1);
    fx_dispatch(fx, &req);
    fx_assert_logged(fx, "dropped ioreq: address range wraps");
    req = fx_mkrep(IOREQ_TYPE_COPY, IOREQ_READ, 0xfffffffffffffff8ull, 4, 4, false, false,
                   SENTINEL);
    fx_dispatch(fx, &req);
    g_assert_cmphex(req.data, ==, 0xffffffffu);      /* a dropped read reads all-ones */
    fx_assert_logged(fx, "dropped ioreq: address range wraps");
    /* df=1 from 4 downwards: 0x4, 0x0, -4. */
    req = fx_mkrep(IOREQ_TYPE_COPY, IOREQ_READ, 0x4, 4, 3, true, false, SENTINEL);
    fx_dispatch(fx, &req);
    g_assert_cmphex(req.data, ==, 0xffffffffu);
    fx_assert_logged(fx, "dropped ioreq: address range wraps");
    req = fx_mkrep(IOREQ_TYPE_COPY, IOREQ_READ, 0x4, 4, 3, true, true, RAM_BASE);
    fx_dispatch(fx, &req);
    fx_assert_logged(fx, "dropped ioreq: address range wraps");
    /* df=1, but the first (highest) element itself runs past 2^64. */
    req = fx_mkrep(IOREQ_TYPE_COPY, IOREQ_READ, 0xfffffffffffffffcull, 8, 2, true, false,
                   SENTINEL);
    fx_dispatch(fx, &req);
    g_assert_cmphex(req.data, ==, ~0ull);
    fx_assert_logged(fx, "dropped ioreq: address range wraps");
    g_assert_cmpuint(top->log->len, ==, 0);
    g_assert_cmpuint(zero->log->len, ==, 0);
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, 0);

    /* Right up to the last byte is fine, in both directions. */
    req = fx_mkrep(IOREQ_TYPE_COPY, IOREQ_WRITE, 0xfffffffffffffff8ull, 4, 2, false, false, 1);
    fx_dispatch(fx, &req);
    req = fx_mkrep(IOREQ_TYPE_COPY, IOREQ_WRITE, 0xfffffffffffffffcull, 4, 2, true, false, 2);
    fx_dispatch(fx, &req);
    req = fx_mkrep(IOREQ_TYPE_COPY, IOREQ_WRITE, 0x4, 4, 2, true, false, 3);
    fx_dispatch(fx, &req);
    fx_assert_access(top->log, 0, true, 0xff8, 4, 1);
    fx_assert_access(top->log, 1, true, 0xffc, 4, 1);
    fx_assert_access(top->log, 2, true, 0xffc, 4, 2);
    fx_assert_access(top->log, 3, true, 0xff8, 4, 2);
    fx_assert_access(zero->log, 0, true, 4, 4, 3);
    fx_assert_access(zero->log, 1, true, 0, 4, 3);
    fx_assert_quiet(fx);
}

/* The guest buffer of a data_is_ptr op wraps at 2^64: refused, no device access. */
static void test_rep_ptr_wrap(Fx *fx, gconstpointer data)
{
    TReg *p = fx_treg_add(fx, "port", XPT_RANGE_PORT, 0x2000, 4);
    ioreq_t req;

    /* df=0 over the top: a rep ins must not even read the device (side effects). */
    req = fx_mkrep(IOREQ_TYPE_PIO, IOREQ_READ, 0x2000, 4, 4, false, true,
                   0xfffffffffffffff8ull);
    fx_dispatch(fx, &req);
    fx_assert_logged(fx, "dropped ioreq: data pointer range wraps");
    /* df=1 below zero. */
    req = fx_mkrep(IOREQ_TYPE_PIO, IOREQ_WRITE, 0x2000, 4, 4, true, true, 0x4);
    fx_dispatch(fx, &req);
    fx_assert_logged(fx, "dropped ioreq: data pointer range wraps");
    /* One element that itself runs past 2^64, df=0 and df=1. */
    req = fx_mkrep(IOREQ_TYPE_PIO, IOREQ_WRITE, 0x2000, 4, 1, false, true,
                   0xfffffffffffffffeull);
    fx_dispatch(fx, &req);
    fx_assert_logged(fx, "dropped ioreq: data pointer range wraps");
    req = fx_mkrep(IOREQ_TYPE_PIO, IOREQ_WRITE, 0x2000, 4, 1, true, true,
                   0xfffffffffffffffeull);
    fx_dispatch(fx, &req);
    fx_assert_logged(fx, "dropped ioreq: data pointer range wraps");
    req = fx_mkrep(IOREQ_TYPE_COPY, IOREQ_READ, 0x2000, 8, 2, true, true, 0xfffffffffffffffcull);
    fx_dispatch(fx, &req);
    fx_assert_logged(fx, "dropped ioreq: data pointer range wraps");
    g_assert_cmpuint(p->log->len, ==, 0);
    g_assert_cmpuint(fx->fh.wrapped, ==, 0);
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, 0);

    /* Up to the last byte does not wrap: the hypervisor is asked (and says no RAM). */
    req = fx_mkrep(IOREQ_TYPE_PIO, IOREQ_WRITE, 0x2000, 4, 1, true, true,
                   0xfffffffffffffffcull);
    fx_dispatch(fx, &req);
    assert_guest_op(fx, 0, false, 0xfffffffffffffffcull, 4);
    fx_assert_logged(fx, "guest memory read of 4 bytes at 0xfffffffffffffffc failed");
    g_assert_cmpuint(p->log->len, ==, 0);
}

/* A guest-memory failure stops the rep op at that element; earlier elements stand. */
static void test_rep_guest_fault(Fx *fx, gconstpointer data)
{
    TReg *p = fx_treg_add(fx, "port", XPT_RANGE_PORT, 0x2000, 4);
    uint64_t g = RAM_BASE + 0x400;
    ioreq_t req;

    for (unsigned i = 0; i < 4; i++) {
        fx_ram_put(fx, g + 4 * i, 4, 0xd0000000u + i);
    }
    /* rep outsl: the third buffer read fails. */
    fx->fh.guest_ok_left = 2;
    req = fx_mkrep(IOREQ_TYPE_PIO, IOREQ_WRITE, 0x2000, 4, 4, false, true, g);
    fx_dispatch(fx, &req);
    g_assert_cmpuint(p->log->len, ==, 2);
    fx_assert_access(p->log, 0, true, 0, 4, 0xd0000000u);
    fx_assert_access(p->log, 1, true, 0, 4, 0xd0000001u);
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, 3);
    fx_assert_logged(fx, "[guest_errors] guest memory read of 4 bytes at 0x100408 failed");

    /* rep insl: the second buffer write fails; the device was read twice. */
    fx->fh.guest_ok_left = 1;
    p->next_read = 0x55;
    req = fx_mkrep(IOREQ_TYPE_PIO, IOREQ_READ, 0x2000, 4, 4, false, true, g + 0x100);
    fx_dispatch(fx, &req);
    g_assert_cmpuint(p->log->len, ==, 4);
    g_assert_cmphex(fx_ram_get(fx, g + 0x100, 4), ==, 0x55);
    g_assert_cmphex(fx_ram_get(fx, g + 0x104, 4), ==, 0xeeeeeeee);
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, 5);
    fx_assert_logged(fx, "[guest_errors] guest memory write of 4 bytes at 0x100504 failed");

    /* The buffer runs off the end of RAM: only the elements inside it are done. */
    fx->fh.guest_ok_left = -1;
    fx_ram_put(fx, RAM_BASE + RAM_SIZE - 4, 4, 0x600d);
    req = fx_mkrep(IOREQ_TYPE_PIO, IOREQ_WRITE, 0x2000, 4, 3, false, true,
                   RAM_BASE + RAM_SIZE - 4);
    fx_dispatch(fx, &req);
    g_assert_cmpuint(p->log->len, ==, 5);
    fx_assert_access(p->log, 4, true, 0, 4, 0x600d);
    fx_assert_logged(fx, "guest memory read of 4 bytes at 0x110000 failed");
    /* Not RAM at all: no device access. */
    req = fx_mkrep(IOREQ_TYPE_PIO, IOREQ_WRITE, 0x2000, 4, 1, false, true, 0x1000);
    fx_dispatch(fx, &req);
    g_assert_cmpuint(p->log->len, ==, 5);
    fx_assert_logged(fx, "guest memory read of 4 bytes at 0x1000 failed");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add("/ioreq/" path, Fx, NULL, fx_setup, fn, fx_teardown)
    ADD("rep/pio-ptr", test_rep_pio_ptr);
    ADD("rep/mmio-ptr", test_rep_mmio_ptr);
    ADD("rep/no-ptr", test_rep_no_ptr);
    ADD("rep/count-bounds", test_rep_count_bounds);
    ADD("rep/addr-wrap", test_rep_addr_wrap);
    ADD("rep/ptr-wrap", test_rep_ptr_wrap);
    ADD("rep/guest-fault", test_rep_guest_fault);
#undef ADD
    return g_test_run();
}
