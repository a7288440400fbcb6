/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fixture of the xen accelerator's tests: tests/xen-accel-fixture.h. */
#include "tests/xen-accel-fixture.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"

XptMachine *xa_machine_for(XptXenAccel *a, GError **errp)
{
    XptMachineOptions mo = { .ram_bytes = 128ull << 20, .vcpus = xpt_xen_accel_nr_vcpus(a) };
    g_assert_true(xpt_machine_parse_slots("6-7", &mo.hotplug_slots, NULL));
    return xpt_machine_new(xpt_xen_accel_hv(a), &mo, errp);
}

static void on_fatal(void *opaque)
{
    ((Fixture *)opaque)->fatal_calls++;
}

/* Log to a file of our own, so that warnings can be checked and stay out of TAP. */
void xa_log_to_file(Fixture *f)
{
    GError *err = NULL;
    int fd = g_file_open_tmp("xen-accel-XXXXXX.log", &f->log_path, &err);
    g_assert_no_error(err);
    close(fd);
    g_assert_true(xpt_log_set_file(f->log_path, NULL));
}

char *xa_log_text(Fixture *f)
{
    char *text = NULL;
    g_assert_true(g_file_get_contents(f->log_path, &text, NULL, NULL));
    return text;
}

/* The full start-up: accelerator, machine (chipset claims), start. */
void xa_start_all(Fixture *f, unsigned nr_vcpus)
{
    memset(f, 0, sizeof(*f));
    fake_xen_reset(nr_vcpus);
    xa_log_to_file(f);
    g_autoptr(GError) err = NULL;
    f->a = xpt_xen_accel_new(DOMID, &err);
    g_assert_no_error(err);
    f->m = xa_machine_for(f->a, &err);
    g_assert_no_error(err);
    xpt_xen_accel_set_fatal_hook(f->a, on_fatal, f);
    g_assert_true(xpt_xen_accel_start(f->a, f->m, &err));
    g_assert_no_error(err);
}

void xa_assert_nothing_left(void)
{
    g_autofree char *calls = fake_xen_calls_text();
    if (fake_xen_open_handles() || fake_xen_server_exists() || fake_xen_resource_mapped() ||
        fake_xen_bound_ports() || fake_xen_foreign_mappings() || fake_xen_claims()) {
        g_printerr("left behind: %u handles, server %d, page %d, %u ports, %u foreign maps, "
                   "%u claims; calls:\n%s", fake_xen_open_handles(), fake_xen_server_exists(),
                   fake_xen_resource_mapped(), fake_xen_bound_ports(),
                   fake_xen_foreign_mappings(), fake_xen_claims(), calls);
        g_assert_not_reached();
    }
}

/* The shutdown order of xen/xen-accel.h; then nothing may be left in the fake. */
void xa_finish(Fixture *f)
{
    xpt_xen_accel_stop(f->a);
    xpt_machine_free(f->m);
    xpt_xen_accel_free(f->a);
    xa_assert_nothing_left();
    xpt_log_set_file(NULL, NULL);
    g_unlink(f->log_path);
    g_free(f->log_path);
    f->log_path = NULL;
}

/* Assert that the calls recorded from @from on are exactly @want (NULL-terminated). */
void xa_assert_calls(unsigned from, const char *const *want)
{
    GPtrArray *calls = fake_xen_calls();
    unsigned n = 0;
    while (want[n]) {
        n++;
    }
    bool ok = calls->len - from == n;
    for (unsigned i = 0; ok && i < n; i++) {
        ok = !strcmp(g_ptr_array_index(calls, from + i), want[i]);
    }
    if (!ok) {
        g_autofree char *got = fake_xen_calls_text();
        g_printerr("calls from #%u differ; expected:\n", from);
        for (unsigned i = 0; i < n; i++) {
            g_printerr("  %s\n", want[i]);
        }
        g_printerr("got (all):\n%s", got);
        g_assert_not_reached();
    }
}

unsigned xa_count_calls(const char *prefix)
{
    unsigned n = 0;
    GPtrArray *calls = fake_xen_calls();
    for (unsigned i = 0; i < calls->len; i++) {
        n += g_str_has_prefix(g_ptr_array_index(calls, i), prefix);
    }
    return n;
}

/*
 * Play Xen: put @req in vCPU @vcpu's slot (keeping its vp_eport), mark it READY, signal
 * the vCPU's port, and run the main loop until the slot is answered.
 */
void xa_send_ioreq(unsigned vcpu, ioreq_t *req)
{
    ioreq_t *slot = &fake_xen_ioreq_page()[vcpu];
    uint32_t eport = slot->vp_eport;
    *slot = *req;
    slot->vp_eport = eport;
    slot->state = STATE_IOREQ_READY;
    fake_xen_evtchn_fire((uint32_t)fake_xen_local_port(vcpu));
    for (unsigned i = 0; i < 100 && slot->state != STATE_IORESP_READY; i++) {
        g_main_context_iteration(NULL, FALSE);
    }
    g_assert_cmpuint(slot->state, ==, STATE_IORESP_READY);
    g_assert_cmpuint(slot->vp_eport, ==, eport);
    *req = *slot;
}

/* Run the main loop until no source is ready. */
void xa_run_pending(void)
{
    for (unsigned i = 0; i < 100 && g_main_context_iteration(NULL, FALSE); i++) {
    }
}

ioreq_t xa_pci_config(bool read, uint32_t sbdf, uint32_t reg, unsigned size,
                      uint64_t data)
{
    return (ioreq_t){ .addr = (uint64_t)sbdf << 32 | reg, .data = data, .count = 1,
                      .size = size, .dir = read ? IOREQ_READ : IOREQ_WRITE,
                      .type = IOREQ_TYPE_PCI_CONFIG };
}
