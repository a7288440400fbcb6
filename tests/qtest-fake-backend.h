/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The fake backend of the qtest protocol tests (test-qtest-proto.c,
 * test-qtest-proto-net.c, test-qtest-proto-client.c): an XptQtestBackend that records
 * every call as one line, with sparse RAM, one PCI function at FAKE_DEVFN behind
 * 0xCF8/0xCFC, IRQ lines raised through ports, and a "xen-sim" extension.
 */
#ifndef XPT_TESTS_QTEST_FAKE_BACKEND_H
#define XPT_TESTS_QTEST_FAKE_BACKEND_H

#include <glib.h>
#include <stdint.h>

#include "qtest/qtest.h"

#define FAKE_PAGE 4096u
#define FAKE_DEVFN 0x28          /* slot 5, as in the QEMU transcript */
#define FAKE_IRQ_PORT 0xb000     /* outw: bit 0 = level, bits 15:1 = irq number */
#define FAKE_IRQ_LATER_PORT 0xb002 /* the same, 10 ms later from the main loop */

typedef struct {
    GHashTable *pages;   /* page number -> FAKE_PAGE bytes */
    GString *calls;      /* one line per backend call */
    uint32_t cf8;
    uint8_t cfg[256];    /* config space of FAKE_DEVFN */
    XptQtestServer *server;
} Fake;

/** fake_backend: the backend's calls; their opaque is a Fake. */
extern const XptQtestBackend fake_backend;

/** fake_new: a fake with the 8086:100e at FAKE_DEVFN and its BAR0 bytes at 0xfebc0000;
 *  set ->server once the server exists. */
Fake *fake_new(void);

/** fake_free: free @f (not its server). */
void fake_free(Fake *f);

#endif
