/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the host device tests: tests/host-test-util.h. */
#include "tests/host-test-util.h"

#include <string.h>

#include "tests/testutil.h"
#include "util/error.h"

const char *ht_dump_path(const char *name)
{
    g_autofree char *rel = g_build_filename("pciutils-tests", name, NULL);
    return xpt_test_fixture(rel);
}

XptHostPci *ht_open_dump(const char *file, const char *hostaddr, GError **errp)
{
    XptHostOpenOptions o = { .hostaddr = hostaddr, .dump_file = file };
    return xpt_host_pci_open(&o, errp);
}

XptHostPci *ht_open_dump_ok(const char *file, const char *hostaddr)
{
    g_autoptr(GError) err = NULL;
    XptHostPci *h = ht_open_dump(file, hostaddr, &err);
    g_assert_no_error(err);
    g_assert_nonnull(h);
    return h;
}

uint32_t ht_rd(XptHostPci *h, unsigned off, unsigned len)
{
    g_autoptr(GError) err = NULL;
    uint32_t v = 0;
    g_assert_true(xpt_host_pci_read(h, off, len, &v, &err));
    g_assert_no_error(err);
    return v;
}

void ht_wr(XptHostPci *h, unsigned off, unsigned len, uint32_t val)
{
    g_autoptr(GError) err = NULL;
    g_assert_true(xpt_host_pci_write(h, off, len, val, &err));
    g_assert_no_error(err);
}

void ht_assert_region(const XptHostRegion *r, uint64_t base, uint64_t size,
                      uint32_t flags)
{
    g_assert_cmphex(r->base, ==, base);
    g_assert_cmphex(r->size, ==, size);
    g_assert_cmphex(r->flags, ==, flags);
}

/* Open must fail with @code and a message naming @sbdf (and @needle if given). */
void ht_assert_open_fails(const char *file, const char *hostaddr, int code,
                          const char *sbdf, const char *needle)
{
    g_autoptr(GError) err = NULL;
    XptHostPci *h = ht_open_dump(file, hostaddr, &err);
    g_assert_null(h);
    g_assert_error(err, XPT_ERROR, code);
    if (g_test_verbose()) {
        g_printerr("  %s %s: %s\n", file, hostaddr, err->message);
    }
    g_assert_null(strchr(err->message, '\n'));
    if (sbdf) {
        g_assert_nonnull(strstr(err->message, sbdf));
    }
    if (needle) {
        g_assert_nonnull(strstr(err->message, needle));
    }
}
