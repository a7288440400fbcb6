/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers shared by the unit tests of the simulated hypervisor (test-xen-sim.c,
 * test-xen-sim-irq.c, test-xen-sim-route.c): the test host device and its grant, the
 * raw vtable, the extension hook, the state JSON and the leak report. Every check fails
 * the running test.
 */
#ifndef XPT_TESTS_SIM_TEST_UTIL_H
#define XPT_TESTS_SIM_TEST_UTIL_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>

#include "qtest/xen-sim.h"

/* The test host device (simt_grant). */
#define HOST_SBDF XEN_DMOP_PCI_SBDF(0, 1, 0, 0)          /* 0000:01:00.0 */
#define HOST_MFN 0xfe000ull                               /* host BAR 0 at 0xfe000000 */
#define HOST_PORT 0xe000u
#define HOST_IRQ 17

/* Shorthand: the raw vtable call, returning 0 or -errno. */
#define OPS(sim) (xpt_sim_hv(sim)->ops)
#define OPQ(sim) (xpt_sim_hv(sim)->opaque)

/** simt_grant: the grant of the test host device: BAR0 4 pages, BAR2 32 ports, IRQ 17. */
XptHostGrant simt_grant(void);

/** simt_sim_cmd: run "xen-sim ..." @line through the qtest backend's extension hook;
 *  its reply (g_free it), or NULL with @errp set as the hook sets it. */
char *simt_sim_cmd(XptSim *sim, const char *line, GError **errp);

/** simt_state_node: the state JSON of @sim, parsed (an object; new ref); members are
 *  checked by the callers. */
JsonNode *simt_state_node(XptSim *sim);

/** simt_state_array: the array member @member of a state (borrowed; asserted present). */
JsonArray *simt_state_array(JsonNode *n, const char *member);

/** simt_elem_int: the integer member @member of object @i of @a. */
gint64 simt_elem_int(JsonArray *a, guint i, const char *member);

/** simt_leak_count: the number of lines of @sim's leak report. */
guint simt_leak_count(XptSim *sim);

/** simt_leak_has: whether a leak line contains @needle. */
bool simt_leak_has(XptSim *sim, const char *needle);

#endif
