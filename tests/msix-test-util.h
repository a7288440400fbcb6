/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers shared by the MSI-X end-to-end tests (test-msix.c, test-msix-nvme.c,
 * test-msix-layout.c): the 82576 of a fixture dump, starting the binary, reading the
 * sim's pirqs, MSI bindings, claims and p2m and comparing them with what Xen would hold,
 * and the guest driver's table accesses as Linux's drivers/pci/msi makes them. Every
 * check fails the running test.
 */
#ifndef XPT_TESTS_MSIX_TEST_UTIL_H
#define XPT_TESTS_MSIX_TEST_UTIL_H

#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "qtest/client.h"

#define SLOT2 0x10                  /* devfn of the first cold-plugged slot */

/* Intel 82576 (pciutils-tests/cap-pcie-2 01:00.0): MSI-X at 0x70, 10 entries in BAR3
 * (host 0xe0840000, 16 KiB) at offset 0, PBA at BAR3 + 0x2000; Enable set in the dump. */
#define NIC "0000:01:00.0"
#define NIC_CAP 0x70
#define NIC_BAR3_HOST 0xe0840000ull
#define NIC_TABLE 0xf1000000ull     /* where the tests place BAR3 */

/* MSI-X Message Control (PCI LB 3.0 §6.8.2.3). */
#define CTRL_ENABLE 0x8000
#define CTRL_MASKALL 0x4000

/* XEN_DOMCTL_VMSI_X86_* (xen/domctl.h), spelled out so the test checks the encoding. */
#define GF_RH (1u << 8)
#define GF_DM (1u << 9)
#define GF_DELIV(m) ((uint32_t)(m) << 12)
#define GF_TRIG (1u << 15)
#define GF_UNMASKED (1u << 16)

/* Expected state of one entry: mapped from (sbdf, entry, table_base), bound with
 * gvec/gflags/gtable. */
typedef struct {
    const char *sbdf;
    unsigned entry;
    uint64_t table_base;
    uint32_t gvec;
    uint32_t gflags;
    uint64_t gtable;
} ExpEntry;

/** mxt_expect_gflags: the gflags Xen expects from an x86 MSI address/data (Intel SDM
 *  vol. 3 §11.11): dest ID = address bits 19:12, RH = bit 3, DM = bit 2; delivery mode
 *  = data bits 10:8, trigger = data bit 15; UNMASKED when the entry is not masked. */
uint32_t mxt_expect_gflags(uint64_t addr, uint32_t data, bool masked);

/** mxt_start_dump: the binary with the options @pre and device pt0 from dump @fixture at
 *  @hostaddr, its -device followed by @extra (",key=value..."); @pre, @extra may be NULL. */
XptQts *mxt_start_dump(const char *fixture, const char *hostaddr, const char *pre,
                       const char *extra);

/** mxt_start_nic: the binary with the options @pre (may be NULL) and the 82576 as pt0. */
XptQts *mxt_start_nic(const char *pre);

/** mxt_root: the object of a "xen-sim state" reply (borrowed). */
JsonObject *mxt_root(JsonNode *st);

/** mxt_member: the array member @name of a state (borrowed). */
JsonArray *mxt_member(JsonNode *st, const char *name);

/** mxt_calls: how many calls of sim operation @op the state counts now (0 if none). */
gint64 mxt_calls(XptQts *qts, const char *op);

/** mxt_all_writes: make the simulated Xen forward every MSI-X table write, mask writes
 *  included (XENFEAT_dm_msix_all_writes, Xen ≥ 4.19): the tests of the device model's
 *  own view of each write. Without it (the default, Xen 4.17) Xen keeps the mask of
 *  bound entries to itself: the /msix/xen-4.17/ tests. */
void mxt_all_writes(XptQts *qts);

/** mxt_count_msi_pirqs: the number of MSI-source pirqs in a state. */
guint mxt_count_msi_pirqs(JsonNode *st);

/** mxt_pirq_of_entry: the MSI pirq of MSI-X entry @entry of @sbdf in a state, or NULL. */
JsonObject *mxt_pirq_of_entry(JsonNode *st, const char *sbdf, gint64 entry);

/** mxt_check_bound: entry @e is mapped (table_base) and bound with its gvec, gflags and
 *  gtable; returns its pirq. */
gint64 mxt_check_bound(JsonNode *st, const ExpEntry *e);

/** mxt_assert_bound: assert that exactly the @n entries of @exp are mapped and bound,
 *  and that there are no other MSI pirqs or bindings; returns the state (new ref). */
JsonNode *mxt_assert_bound(XptQts *qts, const ExpEntry *exp, guint n);

/** mxt_assert_none_bound: no MSI pirq and no MSI binding. */
void mxt_assert_none_bound(XptQts *qts);

/** mxt_pirq_number: the pirq of MSI-X entry @entry of @sbdf (asserted to exist). */
gint64 mxt_pirq_number(XptQts *qts, const char *sbdf, unsigned entry);

/** mxt_has_claim: whether the ioreq server claims exactly MMIO [@start, @end]. */
bool mxt_has_claim(XptQts *qts, uint64_t start, uint64_t end);

/** mxt_mmio_claims: the number of MMIO claims. */
guint mxt_mmio_claims(XptQts *qts);

/** mxt_has_mmio: whether the p2m maps gfn @gfn → mfn @mfn for @nr pages. */
bool mxt_has_mmio(XptQts *qts, uint64_t gfn, uint64_t mfn, uint64_t nr);

/** mxt_assert_not_mapped: no p2m mapping touches guest frames [@first, @last]
 *  (invariant 10). */
void mxt_assert_not_mapped(XptQts *qts, uint64_t first, uint64_t last);

/** mxt_last_host_write: the value of the last host config write of pt0 at @offset
 *  (asserted to exist). */
uint32_t mxt_last_host_write(XptQts *qts, unsigned offset);

/** mxt_count_lines: the lines of @text containing @a (and @b if not NULL). */
unsigned mxt_count_lines(const char *text, const char *a, const char *b);

/** mxt_msix_ctrl: the guest sets @set and clears @clear in the MSI-X Message Control of
 *  the capability at @cap of slot 2. */
void mxt_msix_ctrl(XptQts *qts, unsigned cap, uint16_t set, uint16_t clear);

/** mxt_entry_program: the guest programs entry @i of the table at @table as
 *  __pci_write_msi_msg does for a masked entry: address lo, address hi, data. */
void mxt_entry_program(XptQts *qts, uint64_t table, unsigned i, uint64_t addr, uint16_t data);

/** mxt_entry_mask: the guest writes entry @i's Vector Control mask bit of the table at
 *  @table, then reads it back (Linux flushes with a read). */
void mxt_entry_mask(XptQts *qts, uint64_t table, unsigned i, bool masked);

#endif
