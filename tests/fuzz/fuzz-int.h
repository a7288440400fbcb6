/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside the libFuzzer harness (tests/fuzz/fuzz-guest.h): what its files share.
 * fuzz-guest.c reads the input and runs the operations of one input (the entry point),
 * fuzz-fixtures.c opens the fixtures and makes lying copies of them, fuzz-oracles.c
 * checks the machine and the sim after every operation, and fuzz-actions.c is the
 * guest's side: port, config and BAR accesses, MSI and MSI-X as a driver programs them,
 * device_add.
 */
#ifndef XPT_TESTS_FUZZ_FUZZ_INT_H
#define XPT_TESTS_FUZZ_FUZZ_INT_H

#include "tests/fuzz/fuzz-guest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "hw/host/host-dump.h"
#include "hw/host/host-pci.h"
#include "hw/i386/acpi-hotplug.h"
#include "hw/i386/chipset.h"
#include "hw/i386/machine.h"
#include "hw/i386/pm.h"
#include "hw/xen/xen-pt.h"
#include "qtest/xen-sim-int.h"
#include "qtest/xen-sim.h"
#include "tests/host-policy.h"
#include "util/log.h"
#include "util/opts.h"

#define RAM_BYTES (128ull << 20)

/* The oracles' own loops are no coverage worth steering the fuzzer by, and tracing
 * their comparisons (a scan of every pirq after each operation) costs more than the
 * operations: leave them uninstrumented under libFuzzer. */
#if defined(__clang__)
#define ORACLE __attribute__((no_sanitize("coverage")))
#else
#define ORACLE
#endif
#define MAX_OPS 256
#define NR_FIXTURES 3

typedef struct FuzzFixture {
    const char *file;               /* under the fixtures root */
    const char *hostaddr;
    char *dump;                     /* the one-device copy */
    char *own_hostaddr;             /* lying copies: hostaddr points here */
    unsigned rows;                  /* config bytes in the dump: 256, or 64 (short) */
    uint8_t config[XPT_HOST_CONFIG_SIZE];  /* host config space before attach */
    unsigned config_size;
    XptHostRegion bars[6];
    XptHostRegion rom;
    int irq;
    uint8_t msi_cap, msix_cap;      /* 0 = none */
    unsigned msix_bir, msix_entries;
    uint64_t msix_table_off;
    uint64_t msix_first_page, msix_last_page;   /* BAR page numbers of the table */
} FuzzFixture;

typedef struct Reader {
    const uint8_t *p;
    size_t n, i;
} Reader;

/* An attached passthrough device; its class is replaced by @klass (first member) so that
 * the harness sees it detach before it is freed. */
typedef struct FuzzDev {
    XptPciDeviceClass klass;
    const XptPciDeviceClass *orig;
    XptPtDevice *d;
    const FuzzFixture *fx;
    XptHostPolicy *policy;
    unsigned host_armed[2];         /* host faults (read, write) pending after the last op */
} FuzzDev;

typedef struct FuzzRun {
    XptSim *sim;
    XptMachine *m;
    const XptQtestBackend *be;
    GPtrArray *devs;                /* FuzzDev*, attached */
    uint32_t fired;                 /* SimOps whose injected fault fired (bit per op) */
    bool detach_fault;              /* a fault fired while a device detached */
    GPtrArray *ghosts;              /* FuzzFixture*: detached with a fault, may leave state */
    GArray *spans[3];               /* Span: scratch of check_claims (PCI, port, MMIO) */
    GPtrArray *lies;                /* FuzzFixture*: lying copies made by this input */
    bool host_fault;                /* a host config fault fired, or a device was gone */
    unsigned op_index;
} FuzzRun;

#define OPBIT(op) (1u << (op))
/* Operations that undo something: a failure leaves state behind by design. */
#define RELEASE_OPS (OPBIT(SIM_OP_MEMORY_MAPPING) | OPBIT(SIM_OP_IOPORT_MAPPING) | \
                     OPBIT(SIM_OP_UNCLAIM_RANGE) | OPBIT(SIM_OP_UNMAP_PIRQ) | \
                     OPBIT(SIM_OP_UNBIND_MSI) | OPBIT(SIM_OP_UNBIND_PT_INTX) | \
                     OPBIT(SIM_OP_REVOKE_DEVICE))
#define MAPPING_OPS (OPBIT(SIM_OP_MEMORY_MAPPING) | OPBIT(SIM_OP_IOPORT_MAPPING))
#define MSI_RELEASE_OPS (OPBIT(SIM_OP_UNBIND_MSI) | OPBIT(SIM_OP_UNMAP_PIRQ))

typedef struct FaultSnap {
    unsigned count[SIM_OP_COUNT];
} FaultSnap;

typedef struct Span {
    uint64_t s, e;                  /* inclusive */
} Span;

/* The fixtures, opened once per process (fz_init_once). */
extern FuzzFixture fz_fixtures[NR_FIXTURES];

/* XPT_FUZZ_TRACE is set: fz_trace prints. */
extern bool fz_trace_on;

/* The run in progress (the class hooks need it). */
extern FuzzRun *fz_run;

/** fz_die: print "fuzz-guest: " and the message on stderr, then abort (libFuzzer keeps
 *  the input). */
void G_GNUC_PRINTF(1, 2) G_GNUC_NORETURN fz_die(const char *fmt, ...);

/** fz_trace: with XPT_FUZZ_TRACE set, print the operation about to run on stderr. */
void G_GNUC_PRINTF(1, 2) fz_trace(const char *fmt, ...);

/** fz_init_once: once per process: the log (XPT_FUZZ_LOG), a temporary directory
 *  removed at exit, and the one-device dumps of the fixtures (FuzzFixture). */
void fz_init_once(void);

/** fz_make_lie: a copy of fixture @base whose host data lies as @kind says (FuzzLie),
 *  written to its own one-device dump; NULL when the lie does not apply (no such BAR or
 *  capability). */
FuzzFixture *fz_make_lie(const FuzzFixture *base, uint8_t kind, uint8_t a, uint8_t b,
                         uint32_t v, uint8_t flags);

/** fz_free_lie: free a lying copy made by fz_make_lie, and its dump (a GDestroyNotify). */
void fz_free_lie(gpointer p);

/** fz_rd8: the next input byte, 0 once the input is used up. */
uint8_t fz_rd8(Reader *r);

/** fz_rd16: the next two input bytes, little-endian (fz_rd8 each). */
uint16_t fz_rd16(Reader *r);

/** fz_rd32: the next four input bytes, little-endian. */
uint32_t fz_rd32(Reader *r);

/** fz_rd64: the next eight input bytes, little-endian. */
uint64_t fz_rd64(Reader *r);

/** fz_fault_snap: the pending count of every sim operation's injected fault, into @s. */
void fz_fault_snap(FaultSnap *s);

/** fz_fault_fired: operations whose pending fault count went down since @s (the fault
 *  fired). */
uint32_t fz_fault_fired(const FaultSnap *s);

/** fz_oracle_fail: an oracle failed: fz_die naming the operation index (rerun with
 *  XPT_FUZZ_TRACE=1 to see the operations). */
void G_GNUC_PRINTF(1, 2) G_GNUC_NORETURN fz_oracle_fail(const char *fmt, ...);

/** fz_host_value: what the guest reads in a pass-through register (MSI/MSI-X Enable):
 *  the host's. */
uint32_t fz_host_value(XptPtDevice *d, unsigned off, unsigned len);

/** fz_guest_bar: where the guest placed BAR @i (0–5, 6 = ROM) of @f and whether it
 *  decodes; false if the device has no such BAR (or it is the upper half of a 64-bit
 *  one). */
bool fz_guest_bar(FuzzDev *f, unsigned i, uint64_t *addr, uint64_t *size, bool *io,
                  bool *decode);

/** fz_fdev: the FuzzDev of an attached passthrough device (its class was replaced by
 *  the FuzzDev's, fz_track). */
FuzzDev *fz_fdev(XptPciDevice *pci);

/** fz_check_policy: the host config writes of @f comply with the policy of tests/host-
 *  policy.h, else fz_oracle_fail. */
void fz_check_policy(FuzzDev *f);

/** fz_is_ghost: whether host device @fx detached (or failed to attach) earlier in this
 *  input while an injected fault kept it from undoing everything: what it left is not
 *  the new one's. */
bool fz_is_ghost(const FuzzFixture *fx);

/** fz_fixture_sbdf: the host SBDF of fixture @fx as the grant encodes it (segment << 16
 *  | bus << 8 | devfn). */
uint32_t fz_fixture_sbdf(const FuzzFixture *fx);

/** fz_ghost_sbdf: whether a device on host function @sbdf (a lying copy of another
 *  fixture with the same host address included) detached while an injected fault kept
 *  it from undoing everything: the pirqs left on that SBDF are that device's. */
bool fz_ghost_sbdf(uint32_t sbdf);

/** fz_ghost_irq: whether a device whose host IRQ is @irq detached (or failed to attach)
 *  under a fault: a GSI pirq is shared by every device on that GSI (hw/xen/xen-pt-
 *  intx.c), so the next one to attach may reuse what it left and release it. */
bool fz_ghost_irq(int irq);

/** fz_check_all: every oracle that runs after each operation: host-write policy, config
 *  sizes, MSI, mappings, claims. */
void fz_check_all(void);

/** fz_track: follow the passthrough device @pci made from fixture @fx: its class is
 *  replaced so that the harness sees it detach (check_gone) before it is freed. */
void fz_track(XptPciDevice *pci, const FuzzFixture *fx);

/** fz_state_signature: an FNV-1a hash of everything a device can hold in the sim (p2m,
 *  ports, claims, pirqs, bindings, grants): cheaper than the leak report to tell
 *  whether an operation changed anything. */
uint64_t fz_state_signature(void);

/** fz_pio_read: a guest port read of @size bytes through the sim's qtest backend. */
uint32_t fz_pio_read(uint16_t port, unsigned size);

/** fz_pio_write: a guest port write of @size bytes through the sim's qtest backend. */
void fz_pio_write(uint16_t port, unsigned size, uint32_t val);

/** fz_cfg_read: a guest config read of @devfn on bus 0 through 0xCF8/0xCFC. */
uint32_t fz_cfg_read(uint8_t devfn, unsigned off, unsigned size);

/** fz_cfg_write: a guest config write of @devfn on bus 0 through 0xCF8/0xCFC. */
void fz_cfg_write(uint8_t devfn, unsigned off, unsigned size, uint32_t val);

/** fz_width_124: an access width of 1, 2 or 4 bytes from the low bits of @b. */
unsigned fz_width_124(uint8_t b);

/** fz_pick_dev: an attached device chosen by @sel, or NULL. */
FuzzDev *fz_pick_dev(uint8_t sel);

/** fz_pick_devfn: a config target: sel < 0xF0 an attached device, else a fixed devfn
 *  (chipset, empty). */
uint8_t fz_pick_devfn(uint8_t sel);

/** fz_pick_target: an MMIO target address. */
uint64_t fz_pick_target(Reader *r);

/** fz_pick_port: a port: the config ports, ACPI blocks, a device's I/O BAR, or any. */
uint16_t fz_pick_port(Reader *r);

/** fz_pick_bar_address: an address for a BAR: one of the usual memory addresses or
 *  ports (@io), or any from the input. */
uint64_t fz_pick_bar_address(Reader *r, bool io);

/** fz_place_bar: place BAR @bar of @f at @addr the way @how says (see
 *  FUZZ_OP_BAR_PLACE). */
void fz_place_bar(FuzzDev *f, unsigned bar, uint64_t addr, uint8_t how);

/** fz_firmware: hvmloader-like placement of every BAR of @f in a window of its slot;
 *  decode on. */
void fz_firmware(FuzzDev *f, uint8_t flags);

/** fz_msix_op: the guest programs, masks, unmasks, enables or disables MSI-X entries of
 *  @f as @steps says (see FUZZ_OP_MSIX). */
void fz_msix_op(FuzzDev *f, uint16_t entry_sel, uint8_t steps, uint8_t vec, uint8_t dest);

/** fz_msi_op: the guest programs and enables or disables MSI of @f as @steps says (see
 *  FUZZ_OP_MSI). */
void fz_msi_op(FuzzDev *f, uint8_t steps, uint8_t vec, uint8_t dest);

/** fz_device_add_fx: device_add of fixture @fx as QMP does (hw/i386/machine.h), with
 *  the options of @flags, in slot @slot and with id @id; a failure must leave the sim
 *  as it was. */
void fz_device_add_fx(const FuzzFixture *fx, uint8_t flags, uint8_t slot, uint8_t id);

/** fz_device_add: fz_device_add_fx of fixture @fxi (modulo NR_FIXTURES). */
void fz_device_add(uint8_t fxi, uint8_t flags, uint8_t slot, uint8_t id);

#endif
