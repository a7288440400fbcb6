/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The fixture of the ioreq dispatcher's tests (test-ioreq.c, test-ioreq-rep.c,
 * test-ioreq-region.c): requests are the ioreq_t of Xen's own header <xen/hvm/ioreq.h>,
 * filled the way Xen fills it (reference/xen-abi.md §ioreq_t).
 *
 * The dispatcher's hypervisor is a recording XptHvOps: ioreq-server claims and unclaims are
 * logged (with injectable failures), guest memory for data_is_ptr is a 64 KiB fake RAM at
 * RAM_BASE (with fault injection and a check that no access wraps at 2^64), and every other
 * operation is counted as a call the dispatcher must never make. Emulated regions log each
 * access; two test PCI functions on bus 0 receive IOREQ_TYPE_PCI_CONFIG. Guest errors are
 * checked in the guest_errors log (a -D file, rate limiters on a fake clock). Every check
 * fails the running test.
 */
#ifndef XPT_TESTS_IOREQ_FIXTURE_H
#define XPT_TESTS_IOREQ_FIXTURE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include <xen/hvm/ioreq.h>

#include "hw/pci/pci.h"
#include "xen/hvops.h"
#include "xen/ioreq.h"

#define RAM_BASE 0x100000ull        /* fake guest RAM: [RAM_BASE, RAM_BASE + RAM_SIZE) */
#define RAM_SIZE 0x10000u
#define SENTINEL 0x5a5a5a5a5a5a5a5aull
#define TOP_PAGE 0xfffffffffffff000ull

/* ---- recording hypervisor ----------------------------------------------------------- */

typedef struct Claim {
    bool add;               /* claim (true) or unclaim */
    XptRangeType type;
    uint64_t start, end;    /* inclusive, as passed */
    int rc;                 /* what the fake returned */
} Claim;

typedef struct GuestOp {
    bool write;
    uint64_t gpa;
    size_t len;
} GuestOp;

typedef struct FakeHv {
    GArray *claims;         /* Claim, every call in order */
    GArray *guest_ops;      /* GuestOp, every call in order (failed ones too) */
    int claim_errno;        /* next claim fails with -claim_errno (once) */
    int unclaim_errno;      /* next unclaim fails with -unclaim_errno (once) */
    int guest_ok_left;      /* guest-memory ops that succeed before -EIO; -1: no limit */
    unsigned wrapped;       /* guest-memory ops whose range wrapped at 2^64 (must stay 0) */
    unsigned unexpected;    /* calls the dispatcher must never make (must stay 0) */
    uint8_t ram[RAM_SIZE];
} FakeHv;

/* ---- emulated regions and PCI functions --------------------------------------------- */

typedef struct Access {
    bool write;
    uint64_t offset;
    unsigned size;
    uint64_t val;           /* written, or returned by the read handler */
} Access;

/* A region whose read handler returns next_read++ (all 64 bits: the dispatcher masks). */
typedef struct TReg {
    XptIoRegion r;
    GArray *log;            /* Access */
    uint64_t next_read;
} TReg;

typedef struct TestDev {
    XptPciDevice pci;
    GArray *log;            /* Access */
} TestDev;

#define DEV_A_DEVFN XPT_PCI_DEVFN(3, 1)
#define DEV_B_DEVFN XPT_PCI_DEVFN(31, 7)

/* The fixture of every ioreq test (g_test_add with fx_setup, fx_teardown). */
typedef struct Fx {
    FakeHv fh;
    XptHv hv;
    XptPciBus bus;
    XptDispatcher *d;
    TestDev dev_a, dev_b;
    GPtrArray *regions;     /* TReg *, unregistered and freed at teardown */
    unsigned first_io;
    char *log_path;
} Fx;

/** fx_ones: all-ones of @size bytes (size ≥ 8: 64 bits). */
uint64_t fx_ones(unsigned size);

/** fx_cfg_pattern: what the test functions' config read returns in its low @len bytes:
 *  byte i is (offset + i); above @len they put garbage the bus must mask. */
uint32_t fx_cfg_pattern(unsigned offset, unsigned len);

/** fx_setup, fx_teardown: the fixture; teardown asserts that no guest-memory access
 *  wrapped and that the dispatcher made no call outside claims and guest memory. */
void fx_setup(Fx *fx, gconstpointer data);
void fx_teardown(Fx *fx, gconstpointer data);

/** fx_log_take: everything logged since the last call (g_free it); then a fresh
 *  rate-limit window (the fake clock moves 10 s). */
char *fx_log_take(Fx *fx);

/** fx_assert_logged: the log since the last take holds @needle. */
void fx_assert_logged(Fx *fx, const char *needle);

/** fx_assert_quiet: nothing was logged since the last take. */
void fx_assert_quiet(Fx *fx);

/** fx_treg_new: a new region of @size bytes at @base (not registered; freed at
 *  teardown). */
TReg *fx_treg_new(Fx *fx, const char *name, XptRangeType type, uint64_t base,
                  uint64_t size);

/** fx_treg_add: a new region, registered with the dispatcher (asserted). */
TReg *fx_treg_add(Fx *fx, const char *name, XptRangeType type, uint64_t base,
                  uint64_t size);

/** fx_assert_access: entry @i of an Access @log is this access. */
void fx_assert_access(GArray *log, guint i, bool write, uint64_t offset, unsigned size,
                      uint64_t val);

/** fx_claim_at: the @i-th claim or unclaim the hypervisor saw (asserted to exist). */
const Claim *fx_claim_at(Fx *fx, guint i);

/** fx_assert_claim: the @i-th claim or unclaim was this one (@start, @end inclusive). */
void fx_assert_claim(Fx *fx, guint i, bool add, XptRangeType type, uint64_t start,
                     uint64_t end);

/** fx_ram_get, fx_ram_put: @size bytes of the fake guest RAM at @gpa (little-endian;
 *  asserted inside [RAM_BASE, RAM_BASE + RAM_SIZE)). */
uint64_t fx_ram_get(Fx *fx, uint64_t gpa, unsigned size);
void fx_ram_put(Fx *fx, uint64_t gpa, unsigned size, uint64_t v);

/** fx_mkreq: a request as Xen hands it over: count 1, state INPROCESS (the DM set it),
 *  an event port. */
ioreq_t fx_mkreq(uint8_t type, uint8_t dir, uint64_t addr, uint32_t size, uint64_t data);

/** fx_mkrep: fx_mkreq with @count, @df and data_is_ptr @ptr. */
ioreq_t fx_mkrep(uint8_t type, uint8_t dir, uint64_t addr, uint32_t size, uint32_t count,
                 bool df, bool ptr, uint64_t data);

/** fx_dispatch: dispatch @req and check what Xen relies on for every request: the
 *  dispatcher changes nothing but `data`, and `data` only for a read whose data is not
 *  a guest pointer (Xen copies back p->data of a read). */
void fx_dispatch(Fx *fx, ioreq_t *req);

/** fx_io_read, fx_io_write: one access of @size bytes at @addr through fx_dispatch. */
uint64_t fx_io_read(Fx *fx, uint8_t type, uint64_t addr, uint32_t size);
void fx_io_write(Fx *fx, uint8_t type, uint64_t addr, uint32_t size, uint64_t val);

/** fx_cfg_addr: a PCI_CONFIG address as Xen builds it: SBDF in bits 63:32, register in
 *  bits 31:0. */
uint64_t fx_cfg_addr(unsigned seg, unsigned bus, uint8_t devfn, uint32_t reg);

#endif
