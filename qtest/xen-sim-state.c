/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Introspection of the simulated hypervisor (qtest/xen-sim.h): the state as JSON
 * (json-glib), the leak report, and the "xen-sim ..." qtest extension commands.
 */
#include "qtest/xen-sim-int.h"

#include <errno.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "util/error.h"

/* ---- state JSON ------------------------------------------------------------------------- */

static void add_int(JsonBuilder *b, const char *name, uint64_t v)
{
    json_builder_set_member_name(b, name);
    json_builder_add_int_value(b, (gint64)v);
}

static void add_str(JsonBuilder *b, const char *name, const char *v)
{
    json_builder_set_member_name(b, name);
    json_builder_add_string_value(b, v);
}

static void add_bool(JsonBuilder *b, const char *name, bool v)
{
    json_builder_set_member_name(b, name);
    json_builder_add_boolean_value(b, v);
}

static void add_ranges(JsonBuilder *b, const char *name, const SimRangeset *rs)
{
    json_builder_set_member_name(b, name);
    json_builder_begin_array(b);
    for (guint i = 0; i < sim_rs_len(rs); i++) {
        json_builder_begin_object(b);
        add_int(b, "start", sim_rs_get(rs, i)->s);
        add_int(b, "end", sim_rs_get(rs, i)->e);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
}

static void add_grant(JsonBuilder *b, const XptHostGrant *g)
{
    g_autofree char *sbdf = sim_sbdf_str(g->host_sbdf);
    json_builder_begin_object(b);
    add_str(b, "sbdf", sbdf);
    json_builder_set_member_name(b, "mem");
    json_builder_begin_array(b);
    for (unsigned k = 0; k < G_N_ELEMENTS(g->mem); k++) {
        if (g->mem[k].nr_mfns) {
            json_builder_begin_object(b);
            add_int(b, "mfn", g->mem[k].first_mfn);
            add_int(b, "nr", g->mem[k].nr_mfns);
            json_builder_end_object(b);
        }
    }
    json_builder_end_array(b);
    json_builder_set_member_name(b, "io");
    json_builder_begin_array(b);
    for (unsigned k = 0; k < G_N_ELEMENTS(g->io); k++) {
        if (g->io[k].nr_ports) {
            json_builder_begin_object(b);
            add_int(b, "port", g->io[k].first_port);
            add_int(b, "nr", g->io[k].nr_ports);
            json_builder_end_object(b);
        }
    }
    json_builder_end_array(b);
    add_int(b, "irq", (uint64_t)(int64_t)g->irq);
    json_builder_end_object(b);
}

static void add_pirqs(JsonBuilder *b, XptSim *sim)
{
    json_builder_set_member_name(b, "pirqs");
    json_builder_begin_array(b);
    for (int p = 0; p < XPT_SIM_NR_PIRQS; p++) {
        const SimPirq *q = &sim->pirqs[p];
        if (!q->used) {
            continue;
        }
        json_builder_begin_object(b);
        add_int(b, "pirq", (uint64_t)p);
        if (q->is_msi) {
            g_autofree char *sbdf = sim_sbdf_str(q->sbdf);
            add_str(b, "source", "msi");
            add_str(b, "sbdf", sbdf);
            add_int(b, "entry", (uint64_t)q->entry);
            add_int(b, "table_base", q->table_base);
            add_bool(b, "guest_masked", q->guest_masked);
        } else {
            add_str(b, "source", "gsi");
            add_int(b, "irq", (uint64_t)q->gsi);
        }
        if (q->forced) {
            add_bool(b, "force_unbound", true);
        }
        json_builder_end_object(b);
    }
    json_builder_end_array(b);

    json_builder_set_member_name(b, "msi");
    json_builder_begin_array(b);
    for (int p = 0; p < XPT_SIM_NR_PIRQS; p++) {
        const SimPirq *q = &sim->pirqs[p];
        if (!q->used || !q->msi_bound) {
            continue;
        }
        json_builder_begin_object(b);
        add_int(b, "pirq", (uint64_t)p);
        add_int(b, "gvec", q->gvec);
        add_int(b, "gflags", q->gflags);
        add_int(b, "gtable", q->gtable);
        add_bool(b, "guest_masked", q->guest_masked);
        add_int(b, "evtchn", sim->gpirqs[p].evtchn);
        const char *why;
        add_str(b, "delivery", sim_msi_delivery(sim, p, &why));
        if (why) {
            add_str(b, "why", why);
        }
        json_builder_end_object(b);
    }
    json_builder_end_array(b);

    /* The guest's side of pirqs: reservations, event channels, emulated IRQs. */
    json_builder_set_member_name(b, "guest_pirqs");
    json_builder_begin_array(b);
    for (int p = 0; p < XPT_SIM_NR_PIRQS; p++) {
        const SimGuestPirq *g = &sim->gpirqs[p];
        if (!g->allocated && !g->evtchn && !g->emuirq_pt && !g->has_emu_gsi) {
            continue;
        }
        json_builder_begin_object(b);
        add_int(b, "pirq", (uint64_t)p);
        add_bool(b, "allocated", g->allocated);
        add_int(b, "evtchn", g->evtchn);
        add_bool(b, "emuirq_pt", g->emuirq_pt);
        if (g->has_emu_gsi) {
            add_int(b, "gsi", g->emu_gsi);
        }
        json_builder_end_object(b);
    }
    json_builder_end_array(b);

    json_builder_set_member_name(b, "intx");
    json_builder_begin_array(b);
    for (guint i = 0; i < sim->intx->len; i++) {
        const SimIntx *x = &g_array_index(sim->intx, SimIntx, i);
        json_builder_begin_object(b);
        add_int(b, "pirq", (uint64_t)x->pirq);
        add_int(b, "bus", x->bus);
        add_int(b, "dev", x->dev);
        add_int(b, "intx", x->intx);
        const char *why;
        add_str(b, "delivery", sim_intx_delivery(sim, x->pirq, &why));
        if (why) {
            add_str(b, "why", why);
        }
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
}

char *xpt_sim_state_json(XptSim *sim)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);

    json_builder_set_member_name(b, "mmio");
    json_builder_begin_array(b);
    for (guint i = 0; i < sim->p2m->len; i++) {
        const SimExtent *x = &g_array_index(sim->p2m, SimExtent, i);
        json_builder_begin_object(b);
        add_int(b, "gfn", x->gfn);
        add_int(b, "mfn", x->mfn);
        add_int(b, "nr", x->nr);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);

    json_builder_set_member_name(b, "ioports");
    json_builder_begin_array(b);
    for (guint i = 0; i < sim->ioports->len; i++) {
        const SimIoport *x = &g_array_index(sim->ioports, SimIoport, i);
        json_builder_begin_object(b);
        add_int(b, "gport", x->gport);
        add_int(b, "mport", x->mport);
        add_int(b, "nr", x->nr);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);

    add_pirqs(b, sim);

    json_builder_set_member_name(b, "link_routes");
    json_builder_begin_array(b);
    for (unsigned i = 0; i < G_N_ELEMENTS(sim->link_route); i++) {
        json_builder_add_int_value(b, sim->link_route[i]);
    }
    json_builder_end_array(b);

    json_builder_set_member_name(b, "isa_irq");
    json_builder_begin_array(b);
    for (unsigned i = 0; i < G_N_ELEMENTS(sim->isa_level); i++) {
        json_builder_add_int_value(b, sim->isa_level[i]);
    }
    json_builder_end_array(b);

    json_builder_set_member_name(b, "claims");
    json_builder_begin_object(b);
    add_ranges(b, "port", &sim->claims[XPT_RANGE_PORT]);
    add_ranges(b, "mmio", &sim->claims[XPT_RANGE_MEMORY]);
    add_ranges(b, "pci", &sim->claims[XPT_RANGE_PCI]);
    json_builder_end_object(b);

    json_builder_set_member_name(b, "grants");
    json_builder_begin_array(b);
    for (guint i = 0; i < sim->grants->len; i++) {
        add_grant(b, g_ptr_array_index(sim->grants, i));
    }
    json_builder_end_array(b);

    json_builder_set_member_name(b, "calls");
    json_builder_begin_object(b);
    for (unsigned op = 0; op < SIM_OP_COUNT; op++) {
        add_int(b, sim_op_name(op), sim->calls[op]);
    }
    json_builder_end_object(b);

    add_int(b, "cf8", sim->cf8);
    add_int(b, "ram_bytes", sim->ram_bytes);

    json_builder_set_member_name(b, "shutdown");
    if (sim->shutdown_code < 0) {
        json_builder_add_null_value(b);
    } else if (xpt_hv_shutdown_reason_name((unsigned)sim->shutdown_code)) {
        json_builder_add_string_value(b,
                                      xpt_hv_shutdown_reason_name((unsigned)sim->shutdown_code));
    } else {
        json_builder_add_int_value(b, sim->shutdown_code);
    }
    add_int(b, "power_button", sim->power_button);
    json_builder_set_member_name(b, "msixtbl");
    sim_msixtbl_json(sim, b);
    json_builder_set_member_name(b, "dm_msix_all_writes");
    json_builder_add_boolean_value(b, sim->dm_msix_all_writes);

    json_builder_end_object(b);
    g_autoptr(JsonNode) root = json_builder_get_root(b);
    g_autoptr(JsonGenerator) gen = json_generator_new();
    json_generator_set_root(gen, root);
    return json_generator_to_data(gen, NULL);
}

/* ---- leak report ---------------------------------------------------------------------------- */

/* "start-end" of a claim, SBDFs for PCI. */
static char *claim_str(XptRangeType type, const SimRange *r)
{
    if (type == XPT_RANGE_PCI) {
        g_autofree char *s = sim_sbdf_str((uint32_t)r->s);
        if (r->s == r->e) {
            return g_strdup_printf("pci %s", s);
        }
        g_autofree char *e = sim_sbdf_str((uint32_t)r->e);
        return g_strdup_printf("pci %s-%s", s, e);
    }
    return g_strdup_printf("%s 0x%" G_GINT64_MODIFIER "x-0x%" G_GINT64_MODIFIER "x",
                           type == XPT_RANGE_PORT ? "port" : "mmio", r->s, r->e);
}

char **xpt_sim_leak_report(XptSim *sim)
{
    GPtrArray *out = g_ptr_array_new();

    for (guint i = 0; i < sim->p2m->len; i++) {
        const SimExtent *x = &g_array_index(sim->p2m, SimExtent, i);
        g_ptr_array_add(out, g_strdup_printf(
            "p2m mapping gfn 0x%" G_GINT64_MODIFIER "x-0x%" G_GINT64_MODIFIER "x -> mfn 0x%"
            G_GINT64_MODIFIER "x (%" G_GUINT64_FORMAT " pages)", x->gfn, x->gfn + x->nr - 1,
            x->mfn, x->nr));
    }
    for (guint i = 0; i < sim->ioports->len; i++) {
        const SimIoport *x = &g_array_index(sim->ioports, SimIoport, i);
        g_ptr_array_add(out, g_strdup_printf("ioport mapping 0x%x-0x%x -> host 0x%x (%u ports)",
                                             x->gport, x->gport + x->nr - 1, x->mport, x->nr));
    }
    for (int p = 0; p < XPT_SIM_NR_PIRQS; p++) {
        const SimPirq *q = &sim->pirqs[p];
        if (!q->used) {
            continue;
        }
        if (q->msi_bound) {
            g_ptr_array_add(out, g_strdup_printf(
                "MSI binding pirq %d gvec 0x%x gflags 0x%x gtable 0x%" G_GINT64_MODIFIER "x",
                p, q->gvec, q->gflags, q->gtable));
        }
        if (q->is_msi) {
            g_autofree char *sbdf = sim_sbdf_str(q->sbdf);
            g_ptr_array_add(out, g_strdup_printf("pirq %d %s (%s %s entry %d)", p,
                                                 q->forced ? "unmapped while still bound "
                                                 "(force-unbound)" : "mapped",
                                                 q->table_base ? "MSI-X" : "MSI", sbdf,
                                                 q->entry));
        } else if (q->forced) {
            g_ptr_array_add(out, g_strdup_printf("pirq %d (gsi %d) unmapped while still bound: "
                                                 "Xen force-unbound it and kept its bindings",
                                                 p, q->gsi));
        } else {
            g_ptr_array_add(out, g_strdup_printf("pirq %d mapped (gsi %d)", p, q->gsi));
        }
    }
    for (guint i = 0; i < sim->intx->len; i++) {
        const SimIntx *x = &g_array_index(sim->intx, SimIntx, i);
        g_ptr_array_add(out, g_strdup_printf("INTx binding pirq %d bus %u dev %u intx %u",
                                             x->pirq, x->bus, x->dev, x->intx));
    }
    static const XptRangeType types[] = { XPT_RANGE_PCI, XPT_RANGE_PORT, XPT_RANGE_MEMORY };
    for (unsigned t = 0; t < G_N_ELEMENTS(types); t++) {
        const SimRangeset *rs = &sim->claims[types[t]];
        for (guint i = 0; i < sim_rs_len(rs); i++) {
            g_autofree char *c = claim_str(types[t], sim_rs_get(rs, i));
            g_ptr_array_add(out, g_strdup_printf("ioreq-server claim %s", c));
        }
    }
    for (guint i = 0; i < sim->grants->len; i++) {
        const XptHostGrant *g = g_ptr_array_index(sim->grants, i);
        g_autofree char *sbdf = sim_sbdf_str(g->host_sbdf);
        g_ptr_array_add(out, g_strdup_printf("host device %s still granted to the domain",
                                             sbdf));
    }
    g_ptr_array_add(out, NULL);
    return (char **)g_ptr_array_free(out, FALSE);
}

/* ---- "xen-sim ..." commands ------------------------------------------------------------------ */

static const struct {
    const char *name;
    int err;
} errno_names[] = {
    { "EPERM", EPERM }, { "ENOENT", ENOENT }, { "ESRCH", ESRCH }, { "EINTR", EINTR },
    { "EIO", EIO }, { "ENXIO", ENXIO }, { "E2BIG", E2BIG }, { "EAGAIN", EAGAIN },
    { "ENOMEM", ENOMEM }, { "EACCES", EACCES }, { "EFAULT", EFAULT }, { "EBUSY", EBUSY },
    { "EEXIST", EEXIST }, { "EXDEV", EXDEV }, { "ENODEV", ENODEV }, { "EINVAL", EINVAL },
    { "ENOSPC", ENOSPC }, { "ERANGE", ERANGE }, { "ENOSYS", ENOSYS },
    { "EOPNOTSUPP", EOPNOTSUPP }, { "ETIMEDOUT", ETIMEDOUT },
};

/* An errno from a decimal number or a name (case-insensitive); 0 if invalid. */
static int parse_errno(const char *s)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(errno_names); i++) {
        if (g_ascii_strcasecmp(s, errno_names[i].name) == 0) {
            return errno_names[i].err;
        }
    }
    guint64 v;
    if (!g_ascii_string_to_unsigned(s, 10, 1, 4095, &v, NULL)) {
        return 0;
    }
    return (int)v;
}

static char *cmd_fail(XptSim *sim, char **argv, guint argc, GError **errp)
{
    if (argc < 4 || argc > 5) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID, "usage: xen-sim fail OP ERRNO [COUNT]");
        return NULL;
    }
    int err = parse_errno(argv[3]);
    if (!err) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "xen-sim fail: bad errno '%s' (a number 1-4095 or a name like EPERM)",
                    argv[3]);
        return NULL;
    }
    guint64 count = 1;
    if (argc == 5 && !g_ascii_string_to_unsigned(argv[4], 10, 0, G_MAXUINT, &count, NULL)) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "xen-sim fail: bad count '%s' (0-%u)", argv[4], G_MAXUINT);
        return NULL;
    }
    if (!xpt_sim_inject_fault(sim, argv[2], err, (unsigned)count, errp)) {
        return NULL;
    }
    return g_strdup("");
}

bool xpt_sim_fail_spec(XptSim *sim, const char *spec, GError **errp)
{
    g_auto(GStrv) parts = g_strsplit(spec, ":", 4);
    guint n = g_strv_length(parts);
    if (n < 2 || n > 3) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "sim-fail=%s: expected OP:ERRNO[:COUNT], e.g. map_pirq:EPERM", spec);
        return false;
    }
    char *argv[6] = { (char *)"xen-sim", (char *)"fail", parts[0], parts[1],
                      n == 3 ? parts[2] : NULL, NULL };
    g_autofree char *ok = cmd_fail(sim, argv, n + 2, errp);
    return ok != NULL;
}

static char *cmd_leaks(XptSim *sim)
{
    g_auto(GStrv) leaks = xpt_sim_leak_report(sim);
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "leaks");
    json_builder_begin_array(b);
    for (guint i = 0; leaks[i]; i++) {
        json_builder_add_string_value(b, leaks[i]);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    g_autoptr(JsonNode) root = json_builder_get_root(b);
    g_autoptr(JsonGenerator) gen = json_generator_new();
    json_generator_set_root(gen, root);
    return json_generator_to_data(gen, NULL);
}

/* The reply of a guest hypercall command: {"rc": 0 or -errno, NAME: VALUE if rc is 0}. */
static char *guest_reply(int rc, const char *name, int64_t value)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    add_int(b, "rc", (uint64_t)(int64_t)rc);
    if (rc == 0 && name) {
        add_int(b, name, (uint64_t)value);
    }
    json_builder_end_object(b);
    g_autoptr(JsonNode) root = json_builder_get_root(b);
    g_autoptr(JsonGenerator) gen = json_generator_new();
    json_generator_set_root(gen, root);
    return json_generator_to_data(gen, NULL);
}

/*
 * What the guest does with pirqs (a Linux HVM guest using pirqs for MSI: arch/x86/pci/
 * xen.c, drivers/xen/events/events_base.c), with Xen 4.17's answers:
 *   get-free-pirq [msi|gsi]  → {"rc":R,"pirq":P}   PHYSDEVOP_get_free_pirq
 *   map-gsi-pirq GSI         → {"rc":R,"pirq":P}   PHYSDEVOP_map_pirq (DOMID_SELF, GSI
 *                                                  type) of an emulated device's GSI
 *   evtchn-bind-pirq PIRQ    → {"rc":R,"port":N}   EVTCHNOP_bind_pirq
 *   evtchn-close-pirq PIRQ   → {"rc":R}            EVTCHNOP_close of that channel
 * PIRQ is the guest's uint32_t; anything else is a usage error of the command.
 */
static char *cmd_guest(XptSim *sim, char **argv, guint argc, GError **errp)
{
    const char *sub = argv[1];
    if (strcmp(sub, "get-free-pirq") == 0) {
        if (argc > 3 || (argc == 3 && strcmp(argv[2], "msi") != 0 &&
                         strcmp(argv[2], "gsi") != 0)) {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                        "usage: xen-sim get-free-pirq [msi|gsi]");
            return NULL;
        }
        int pirq = -1;
        int rc = sim_guest_get_free_pirq(sim, argc == 3 && argv[2][0] == 'g', &pirq);
        return guest_reply(rc, "pirq", pirq);
    }
    if (strcmp(sub, "map-gsi-pirq") == 0) {
        guint64 gsi;
        if (argc != 3 || !g_ascii_string_to_unsigned(argv[2], 10, 0, 255, &gsi, NULL)) {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID, "usage: xen-sim map-gsi-pirq GSI");
            return NULL;
        }
        int pirq = -1;
        int rc = sim_guest_map_gsi_pirq(sim, (unsigned)gsi, &pirq);
        return guest_reply(rc, "pirq", pirq);
    }
    guint64 pirq;
    if (argc != 3 || !g_ascii_string_to_unsigned(argv[2], 10, 0, G_MAXUINT32, &pirq, NULL)) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID, "usage: xen-sim %s PIRQ (0-%u)", sub,
                    G_MAXUINT32);
        return NULL;
    }
    if (strcmp(sub, "evtchn-bind-pirq") == 0) {
        unsigned port = 0;
        int rc = sim_guest_evtchn_bind_pirq(sim, pirq, &port);
        return guest_reply(rc, "port", port);
    }
    return guest_reply(sim_guest_evtchn_close_pirq(sim, pirq), NULL, 0);
}

char *sim_extension(void *opaque, char **argv, GError **errp)
{
    XptSim *sim = opaque;
    guint argc = argv ? g_strv_length(argv) : 0;
    const char *sub = argc > 1 ? argv[1] : NULL;

    if (!sub) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "xen-sim: missing subcommand (state, leaks, fail OP ERRNO [COUNT], "
                    "get-free-pirq, map-gsi-pirq GSI, evtchn-bind-pirq PIRQ, evtchn-close-pirq PIRQ)");
        return NULL;
    }
    if (strcmp(sub, "state") == 0 || strcmp(sub, "leaks") == 0) {
        if (argc != 2) {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID, "xen-sim %s takes no arguments",
                        sub);
            return NULL;
        }
        return sub[0] == 's' ? xpt_sim_state_json(sim) : cmd_leaks(sim);
    }
    if (strcmp(sub, "fail") == 0) {
        return cmd_fail(sim, argv, argc, errp);
    }
    if (strcmp(sub, "get-free-pirq") == 0 || strcmp(sub, "map-gsi-pirq") == 0 ||
        strcmp(sub, "evtchn-bind-pirq") == 0 ||
        strcmp(sub, "evtchn-close-pirq") == 0) {
        return cmd_guest(sim, argv, argc, errp);
    }
    if (strcmp(sub, "feature") == 0) {
        /* xen-sim feature dm_msix_all_writes on|off: what XENVER_get_features reports */
        if (argc != 4 || strcmp(argv[2], "dm_msix_all_writes") != 0 ||
            (strcmp(argv[3], "on") != 0 && strcmp(argv[3], "off") != 0)) {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                        "usage: xen-sim feature dm_msix_all_writes on|off");
            return NULL;
        }
        sim->dm_msix_all_writes = strcmp(argv[3], "on") == 0;
        return g_strdup("");
    }
    if (sim->ext) {
        return sim->ext(sim->ext_opaque, argv, errp);
    }
    g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                "xen-sim: unknown subcommand '%s' (state, leaks, fail OP ERRNO [COUNT], "
                "get-free-pirq, map-gsi-pirq GSI, evtchn-bind-pirq PIRQ, evtchn-close-pirq PIRQ)", sub);
    return NULL;
}
