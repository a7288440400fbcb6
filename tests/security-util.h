/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers shared by the security regression programs (test-security.c,
 * test-security-dump.c, test-security-faults.c): the fixture devices, starting the
 * binary with one of them, reading a "xen-sim state" reply, and finding the hex rows of
 * a device in an lspci dump. Every check fails the running test.
 */
#ifndef XPT_TESTS_SECURITY_UTIL_H
#define XPT_TESTS_SECURITY_UTIL_H

#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "qtest/client.h"

#define SLOT2 0x10                  /* devfn of the first cold-plugged slot */
#define SLOT3 0x18

/* Intel 82576 (pciutils-tests/cap-pcie-2 01:00.0): PM 40, MSI 50 (64-bit, maskable),
 * MSI-X 70 (10 entries in BAR3 at 0, PBA BAR3+0x2000), PCIe v2 a0; BAR0 128K, BAR1 4M,
 * BAR2 I/O 32 ports, BAR3 16K, ROM 4M; host IRQ 11. */
#define NIC_DUMP "pciutils-tests/cap-pcie-2"
#define NIC "0000:01:00.0"
#define NIC_MSI 0x50
#define NIC_MSIX 0x70
#define NIC_BAR0_HOST 0xe0800000ull
#define NIC_BAR3_HOST 0xe0840000ull

/* Samsung PM174X NVMe (pciutils-tests/cap-phy32 2e:00.0): 64-bit BAR0 32K at 0x88400000,
 * MSI-X 129 entries at BAR0+0x4000, no INTx. */
#define NVME_DUMP "pciutils-tests/cap-phy32"
#define NVME "0000:2e:00.0"
#define NVME_BAR0_HOST 0x88400000ull

/** sec_dev_arg: "-device xen-pci-passthrough,hostaddr=@hostaddr,id=@id,host-dump=@dump"
 *  followed by @extra (",key=value..." or NULL); g_free it. */
char *sec_dev_arg(const char *dump, const char *hostaddr, const char *id, const char *extra);

/** sec_start_nic: the binary with the options @pre and the 82576 as pt0 (its -device
 *  followed by @extra); either may be NULL. */
XptQts *sec_start_nic(const char *pre, const char *extra);

/** sec_root: the object of a "xen-sim state" reply (borrowed). */
JsonObject *sec_root(JsonNode *st);

/** sec_state_len: the length of the state's array @member ("mmio", "pirqs", ...). */
guint sec_state_len(JsonNode *st, const char *member);

/** sec_claims: the state's ioreq-server claims of @type ("mmio", "port", "pci"). */
JsonArray *sec_claims(JsonNode *st, const char *type);

/** sec_calls_of: how many calls of sim operation @op the state counts (0 if none). */
gint64 sec_calls_of(JsonNode *st, const char *op);

/** sec_claimed: whether a claim of @type contains [@start, @end]. */
bool sec_claimed(JsonNode *st, const char *type, uint64_t start, uint64_t end);

/** sec_pirqs_of: the pirqs whose "sbdf" is @sbdf (MSI) or whose GSI is @irq (INTx). */
guint sec_pirqs_of(JsonNode *st, const char *sbdf, gint64 irq);

/** sec_count_lines: the lines of @text containing @a (and @b if not NULL). */
unsigned sec_count_lines(const char *text, const char *a, const char *b);

/** sec_assert_no_sanitizer: no sanitizer or crash report in the stderr text @err. */
void sec_assert_no_sanitizer(const char *err);

/** sec_dump_device_line: the index of the line opening device @addr ("01:00.0", as
 *  lspci prints it) in the dump @lines; aborts if it is not there. */
int sec_dump_device_line(char **lines, const char *addr);

/** sec_dump_row_line: the index of hex row @row (0x00, 0x10, ...) of the device whose
 *  line is @dev, or -1. */
int sec_dump_row_line(char **lines, int dev, unsigned row);

#endif
