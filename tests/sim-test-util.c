/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the simulated hypervisor's unit tests: tests/sim-test-util.h. */
#include "tests/sim-test-util.h"

#include <string.h>

#include "qtest/qtest.h"

/* The grant of the test host device: BAR0 4 pages, BAR2 32 ports, IRQ 17. */
XptHostGrant simt_grant(void)
{
    XptHostGrant g;
    memset(&g, 0, sizeof(g));
    g.mem[0].first_mfn = HOST_MFN;
    g.mem[0].nr_mfns = 4;
    g.io[2].first_port = HOST_PORT;
    g.io[2].nr_ports = 0x20;
    g.irq = HOST_IRQ;
    g.host_sbdf = HOST_SBDF;
    return g;
}

/* Run "xen-sim ..." @line through the backend's extension hook. */
char *simt_sim_cmd(XptSim *sim, const char *line, GError **errp)
{
    g_auto(GStrv) argv = g_strsplit(line, " ", -1);
    return xpt_sim_qtest_backend()->extension(sim, argv, errp);
}

/* The state, parsed; members are checked by the callers. */
JsonNode *simt_state_node(XptSim *sim)
{
    g_autofree char *json = xpt_sim_state_json(sim);
    g_autoptr(GError) err = NULL;
    JsonNode *n = json_from_string(json, &err);
    g_assert_no_error(err);
    g_assert_true(JSON_NODE_HOLDS_OBJECT(n));
    return n;
}

JsonArray *simt_state_array(JsonNode *n, const char *member)
{
    JsonArray *a = json_object_get_array_member(json_node_get_object(n), member);
    g_assert_nonnull(a);
    return a;
}

gint64 simt_elem_int(JsonArray *a, guint i, const char *member)
{
    return json_object_get_int_member(json_array_get_object_element(a, i), member);
}

guint simt_leak_count(XptSim *sim)
{
    g_auto(GStrv) leaks = xpt_sim_leak_report(sim);
    return g_strv_length(leaks);
}

/* Whether a leak line contains @needle. */
bool simt_leak_has(XptSim *sim, const char *needle)
{
    g_auto(GStrv) leaks = xpt_sim_leak_report(sim);
    for (guint i = 0; leaks[i]; i++) {
        if (strstr(leaks[i], needle)) {
            return true;
        }
    }
    return false;
}
