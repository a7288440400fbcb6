/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * guest-view: the demo's guest. Starts xen-pt-dm under the qtest accelerator with the
 * given -device options, does what hvmloader does to bus 0, and prints what the guest
 * sees as `lspci -vv` (the real lspci reading the guest-visible config space as a dump),
 * followed by the mappings the simulated hypervisor recorded.
 *
 * usage: guest-view [-o DUMPFILE] -- XEN-PT-DM-ARGS...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/guest-fw.h"

static void print_state(JsonNode *state)
{
    JsonObject *o = json_node_get_object(state);
    printf("\nHypervisor state recorded by xen-sim:\n");
    JsonArray *mmio = json_object_get_array_member(o, "mmio");
    for (guint i = 0; mmio && i < json_array_get_length(mmio); i++) {
        JsonObject *m = json_array_get_object_element(mmio, i);
        uint64_t gfn = json_object_get_int_member(m, "gfn");
        uint64_t mfn = json_object_get_int_member(m, "mfn");
        uint64_t nr = json_object_get_int_member(m, "nr");
        printf("  p2m mmio   guest 0x%09" G_GINT64_MODIFIER "x-0x%09" G_GINT64_MODIFIER
               "x -> host 0x%09" G_GINT64_MODIFIER "x  (%" G_GUINT64_FORMAT " pages)\n",
               gfn << 12, ((gfn + nr) << 12) - 1, mfn << 12, nr);
    }
    JsonArray *io = json_object_get_array_member(o, "ioports");
    for (guint i = 0; io && i < json_array_get_length(io); i++) {
        JsonObject *m = json_array_get_object_element(io, i);
        int64_t g = json_object_get_int_member(m, "gport");
        int64_t h = json_object_get_int_member(m, "mport");
        int64_t nr = json_object_get_int_member(m, "nr");
        printf("  ioports    guest 0x%04" G_GINT64_MODIFIER "x-0x%04" G_GINT64_MODIFIER
               "x -> host 0x%04" G_GINT64_MODIFIER "x  (%" G_GINT64_FORMAT " ports)\n",
               g, g + nr - 1, h, nr);
    }
    JsonObject *claims = json_object_get_object_member(o, "claims");
    const char *kinds[] = { "pci", "port", "mmio" };
    for (unsigned k = 0; claims && k < 3; k++) {
        JsonArray *a = json_object_get_array_member(claims, kinds[k]);
        for (guint i = 0; a && i < json_array_get_length(a); i++) {
            JsonObject *c = json_array_get_object_element(a, i);
            int64_t s = json_object_get_int_member(c, "start");
            int64_t e = json_object_get_int_member(c, "end");
            if (k == 0) {
                printf("  ioreq claim pci  0000:%02" G_GINT64_MODIFIER "x:%02" G_GINT64_MODIFIER
                       "x.%" G_GINT64_MODIFIER "x\n", (s >> 8) & 0xFF, (s >> 3) & 0x1F, s & 7);
            } else {
                printf("  ioreq claim %-4s 0x%" G_GINT64_MODIFIER "x-0x%" G_GINT64_MODIFIER "x\n",
                       kinds[k], s, e);
            }
        }
    }
    JsonArray *routes = json_object_get_array_member(o, "link_routes");
    if (routes && json_array_get_length(routes) == 4) {
        printf("  PCI link routes  LNKA->%" G_GINT64_FORMAT " LNKB->%" G_GINT64_FORMAT
               " LNKC->%" G_GINT64_FORMAT " LNKD->%" G_GINT64_FORMAT "\n",
               json_array_get_int_element(routes, 0), json_array_get_int_element(routes, 1),
               json_array_get_int_element(routes, 2), json_array_get_int_element(routes, 3));
    }
    JsonArray *pirqs = json_object_get_array_member(o, "pirqs");
    for (guint i = 0; pirqs && i < json_array_get_length(pirqs); i++) {
        JsonObject *p = json_array_get_object_element(pirqs, i);
        gint64 pirq = json_object_get_int_member(p, "pirq");
        if (!g_strcmp0(json_object_get_string_member(p, "source"), "gsi")) {
            printf("  pirq %-5" G_GINT64_FORMAT " <- host GSI %" G_GINT64_FORMAT "\n", pirq,
                   json_object_get_int_member(p, "irq"));
        } else {
            gint64 tb = json_object_get_int_member(p, "table_base");
            printf("  pirq %-5" G_GINT64_FORMAT " <- %s %s entry %" G_GINT64_FORMAT "\n", pirq,
                   tb ? "MSI-X" : "MSI", json_object_get_string_member(p, "sbdf"),
                   json_object_get_int_member(p, "entry"));
        }
    }
    JsonArray *intx = json_object_get_array_member(o, "intx");
    for (guint i = 0; intx && i < json_array_get_length(intx); i++) {
        JsonObject *x = json_array_get_object_element(intx, i);
        printf("  INTx binding pirq %" G_GINT64_FORMAT " -> guest 00:%02" G_GINT64_MODIFIER
               "x INT%c\n", json_object_get_int_member(x, "pirq"),
               json_object_get_int_member(x, "dev"),
               (char)('A' + json_object_get_int_member(x, "intx")));
    }
    JsonArray *msi = json_object_get_array_member(o, "msi");
    for (guint i = 0; msi && i < json_array_get_length(msi); i++) {
        JsonObject *m = json_array_get_object_element(msi, i);
        printf("  MSI binding  pirq %" G_GINT64_FORMAT " gvec 0x%02" G_GINT64_MODIFIER
               "x gflags 0x%05" G_GINT64_MODIFIER "x gtable 0x%" G_GINT64_MODIFIER "x\n",
               json_object_get_int_member(m, "pirq"), json_object_get_int_member(m, "gvec"),
               json_object_get_int_member(m, "gflags"), json_object_get_int_member(m, "gtable"));
    }
}

int main(int argc, char **argv)
{
    const char *dump_path = NULL;
    int i = 1;
    if (i + 1 < argc && !strcmp(argv[i], "-o")) {
        dump_path = argv[i + 1];
        i += 2;
    }
    if (i < argc && !strcmp(argv[i], "--")) {
        i++;
    }
    g_autofree char *args = g_strjoinv(" ", argv + i);
    XptQts *qts = xpt_qts_start(args);

    GuestDev devs[256];
    unsigned n = guest_scan(qts, devs, G_N_ELEMENTS(devs));
    guest_setup_all(qts, devs, n);
    /* then each passthrough function's driver turns on its interrupts, vectors from 0x30 */
    for (unsigned k = 0; k < n; k++) {
        if (devs[k].devfn >= 0x10) {
            guest_enable_interrupts(qts, &devs[k], (uint8_t)(0x30 + k));
            guest_read_config(qts, &devs[k]);
        }
    }

    g_autoptr(GString) dump = g_string_new(NULL);
    for (unsigned k = 0; k < n; k++) {
        if (devs[k].devfn < 0x10) {
            continue;   /* slots 0 and 1: the emulated chipset (i440FX, PIIX3, PIIX4 PM) */
        }
        guest_dump_lspci(&devs[k], dump);
    }
    g_autofree char *tmp = NULL;
    if (!dump_path) {
        int fd = g_file_open_tmp("guest-view-XXXXXX.lspci", &tmp, NULL);
        if (fd >= 0) {
            close(fd);
        }
        dump_path = tmp;
    }
    if (!dump_path || !g_file_set_contents(dump_path, dump->str, dump->len, NULL)) {
        fprintf(stderr, "guest-view: cannot write the lspci dump\n");
        return 1;
    }
    printf("Guest view of bus 0 after hvmloader-like set-up and each driver enabling MSI-X or "
           "MSI\n(lspci -vv -nn on the guest-visible config space):\n\n");
    fflush(stdout);
    /* lspci -vv probes libkmod for module names, which a dump has no use for. */
    g_autofree char *cmd = g_strdup_printf("lspci -F '%s' -vv -nn 2>&1 | grep -v 'libkmod'",
                                           dump_path);
    int rc = system(cmd);

    g_autoptr(JsonNode) state = xpt_sim_state(qts);
    print_state(state);
    fflush(stdout);
    if (tmp) {
        unlink(tmp);
    }
    int status = xpt_qts_quit(qts);
    if (status != 0) {
        fprintf(stderr, "guest-view: xen-pt-dm exited with status %d\n", status);
        return 1;
    }
    return rc == 0 ? 0 : 1;
}
