/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers shared by the host device tests (test-host.c, test-host-sizes.c,
 * test-host-sysfs.c): opening pciutils' dumps of the fixtures, config reads and writes
 * that must succeed, region and refusal checks. Every check fails the running test.
 */
#ifndef XPT_TESTS_HOST_TEST_UTIL_H
#define XPT_TESTS_HOST_TEST_UTIL_H

#include <glib.h>
#include <stdint.h>

#include "hw/host/host-pci.h"

/* Sizes in bytes. */
#define K (1024ull)
#define M (1024ull * 1024)

/** ht_dump_path: the path of pciutils' test dump @name in the fixtures (interned). */
const char *ht_dump_path(const char *name);

/** ht_open_dump: xpt_host_pci_open of @hostaddr in dump @file; its result and error. */
XptHostPci *ht_open_dump(const char *file, const char *hostaddr, GError **errp);

/** ht_open_dump_ok: ht_open_dump that must succeed. */
XptHostPci *ht_open_dump_ok(const char *file, const char *hostaddr);

/** ht_rd: a config read of @len bytes at @off that must succeed. */
uint32_t ht_rd(XptHostPci *h, unsigned off, unsigned len);

/** ht_wr: a config write of @len bytes at @off that must succeed. */
void ht_wr(XptHostPci *h, unsigned off, unsigned len, uint32_t val);

/** ht_assert_region: region @r has this base, size (bytes) and XPT_HOST_REGION_* flags. */
void ht_assert_region(const XptHostRegion *r, uint64_t base, uint64_t size,
                      uint32_t flags);

/** ht_assert_open_fails: open must fail with @code and a message naming @sbdf (and
 *  @needle if given). */
void ht_assert_open_fails(const char *file, const char *hostaddr, int code,
                          const char *sbdf, const char *needle);

#endif
