/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The fixture of the register framework's tests (test-regs.c, test-regs-caps.c): a fake
 * host device (a 256-byte config space plus a log of every host write) and register
 * tables that mirror rows of reference/config-space.md (type-0 header, PM, VPD, PCI-X
 * and SSVID hard-wired). Every check fails the running test.
 */
#ifndef XPT_TESTS_REGS_FIXTURE_H
#define XPT_TESTS_REGS_FIXTURE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "hw/pci/regs.h"

/* The fake host device. */
typedef struct HostWrite {
    unsigned offset;
    unsigned len;
    uint32_t val;
} HostWrite;

typedef struct FakeHost {
    uint8_t cfg[256];
    GArray *writes;         /* HostWrite, in order */
    bool fail_reads;
    unsigned reads;
} FakeHost;

/* A device: the fake host and its register file. */
typedef struct Dev {
    FakeHost host;
    XptRegFile rf;
} Dev;

/* The fake host's XptRegHostOps (opaque: FakeHost). */
extern const XptRegHostOps rf_fake_ops;

/* Register groups: the type-0 header, PM (01), VPD (03), PCI-X (07, hard-wired). */
extern const XptRegGroupInfo rf_header_group;
extern const XptRegGroupInfo rf_pm_group;
extern const XptRegGroupInfo rf_vpd_group;
extern const XptRegGroupInfo rf_pcix_group;

/* The standard tables: header, PM, VPD, PCI-X, SSVID; NULL-terminated. */
extern const XptRegGroupInfo *const rf_std_tables[];

/** rf_host_set: set @len bytes of the fake host's config space at @offset to @val (no write
 *  logged). */
void rf_host_set(FakeHost *h, unsigned offset, unsigned len, uint32_t val);

/** rf_host_get: @len bytes of the fake host's config space at @offset. */
uint32_t rf_host_get(const FakeHost *h, unsigned offset, unsigned len);

/** rf_host_cap: host capability at @base with id @id and next pointer @next. */
void rf_host_cap(FakeHost *h, unsigned base, uint8_t id, uint8_t next);

/** rf_assert_host_write: assert host write number @i was (@offset, @len, @val). */
void rf_assert_host_write(const FakeHost *h, unsigned i, unsigned offset, unsigned len,
                          uint32_t val);

/** rf_dev_new: a plausible host device: vendor 8086, device 10d3, Command/Status set,
 *  caps as laid out by the caller (the Status CapList bit and pointer 0x34 are left to
 *  the caller). */
Dev *rf_dev_new(void);

/** rf_dev_new_std: the standard layout: PM at 0x40, unknown (0x0A) at 0x50, SSVID
 *  (hard-wired, 8 bytes) at 0x60, VPD at 0x70. */
Dev *rf_dev_new_std(void);

/** rf_dev_init: initialise @d's register file from @tables (NULL-terminated) in
 *  @permissive mode; asserts success and that initialisation wrote nothing to the host. */
void rf_dev_init(Dev *d, const XptRegGroupInfo *const *tables, bool permissive);

/** rf_dev_free: destroy the register file and free @d (g_autoptr(Dev) does it). */
void rf_dev_free(Dev *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Dev, rf_dev_free)

/** rf_dev_std: rf_dev_new_std, initialised with rf_std_tables. */
Dev *rf_dev_std(bool permissive);

/** rf_reg: the register at config offset @addr (asserted to exist). */
XptReg *rf_reg(Dev *d, unsigned addr);

/** rf_clear_writes: forget the host writes logged so far. */
void rf_clear_writes(Dev *d);

#endif
