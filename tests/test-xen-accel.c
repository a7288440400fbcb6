/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The xen accelerator (xen/xen-accel.c) and the libxen hypervisor operations
 * (xen/hvops-xen.c) against a fake libxen (tests/fake-libxen.c), linked in place of the
 * real libraries (Makefile rule for build/tests/test-xen-accel). Checked against
 * reference/xen-abi.md: the start-up and shutdown call sequences (§Call sequences), the
 * ioreq_t protocol on the synchronous page (§ioreq_t: READY → INPROCESS → IORESP_READY,
 * notify, unmask), guest memory for data_is_ptr through xenforeignmemory_map, the
 * xenstore "running" handshake (reference/toolstack.md §launch), every start-up errno
 * path (one-line error naming the call, nothing leaked), and each hypervisor operation's
 * libxen call.
 */
#include "tests/fake-libxen.h"      /* first: xenctrl.h before any other Xen header */
#include <xendevicemodel.h>
#include <xenforeignmemory.h>
#include <xen/domctl.h>             /* XEN_DOMCTL_SENDTRIGGER_POWER */

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hw/i386/machine.h"
#include "util/error.h"
#include "util/log.h"
#include "xen/hvops-xen.h"
#include "xen/ioreq.h"
#include "xen/xen-accel.h"

#define DOMID 5
#define STATE_PATH "/local/domain/0/device-model/5/state"
#define TEST_PORT 0x5000

/* ---- fixture -------------------------------------------------------------------------------- */

typedef struct Fixture {
    XptXenAccel *a;
    XptMachine *m;
    char *log_path;
    unsigned fatal_calls;
} Fixture;

static XptMachine *machine_for(XptXenAccel *a, GError **errp)
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
static void log_to_file(Fixture *f)
{
    GError *err = NULL;
    int fd = g_file_open_tmp("xen-accel-XXXXXX.log", &f->log_path, &err);
    g_assert_no_error(err);
    close(fd);
    g_assert_true(xpt_log_set_file(f->log_path, NULL));
}

static char *log_text(Fixture *f)
{
    char *text = NULL;
    g_assert_true(g_file_get_contents(f->log_path, &text, NULL, NULL));
    return text;
}

/* The full start-up: accelerator, machine (chipset claims), start. */
static void start_all(Fixture *f, unsigned nr_vcpus)
{
    memset(f, 0, sizeof(*f));
    fake_xen_reset(nr_vcpus);
    log_to_file(f);
    g_autoptr(GError) err = NULL;
    f->a = xpt_xen_accel_new(DOMID, &err);
    g_assert_no_error(err);
    f->m = machine_for(f->a, &err);
    g_assert_no_error(err);
    xpt_xen_accel_set_fatal_hook(f->a, on_fatal, f);
    g_assert_true(xpt_xen_accel_start(f->a, f->m, &err));
    g_assert_no_error(err);
}

static void assert_nothing_left(void)
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
static void finish(Fixture *f)
{
    xpt_xen_accel_stop(f->a);
    xpt_machine_free(f->m);
    xpt_xen_accel_free(f->a);
    assert_nothing_left();
    xpt_log_set_file(NULL, NULL);
    g_unlink(f->log_path);
    g_free(f->log_path);
    f->log_path = NULL;
}

/* Assert that the calls recorded from @from on are exactly @want (NULL-terminated). */
static void assert_calls(unsigned from, const char *const *want)
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

static unsigned count_calls(const char *prefix)
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
static void send_ioreq(unsigned vcpu, ioreq_t *req)
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
static void run_pending(void)
{
    for (unsigned i = 0; i < 100 && g_main_context_iteration(NULL, FALSE); i++) {
    }
}

static ioreq_t pci_config(bool read, uint32_t sbdf, uint32_t reg, unsigned size,
                          uint64_t data)
{
    return (ioreq_t){ .addr = (uint64_t)sbdf << 32 | reg, .data = data, .count = 1,
                      .size = size, .dir = read ? IOREQ_READ : IOREQ_WRITE,
                      .type = IOREQ_TYPE_PCI_CONFIG };
}

/* ---- start-up and shutdown sequences -------------------------------------------------------- */

static void test_startup_sequence(void)
{
    Fixture f;
    start_all(&f, 2);
    static const char *const want[] = {
        "xc_interface_open",
        "xendevicemodel_open",
        "xenforeignmemory_open",
        "xenevtchn_open",
        "xs_open",
        "xendevicemodel_nr_vcpus dom=5",
        "xendevicemodel_create_ioreq_server dom=5 bufioreq=0",
        /* frame XENMEM_resource_ioreq_server_frame_ioreq(0) = 1: the synchronous page */
        "xenforeignmemory_map_resource dom=5 type=0 id=3 frame=1 nr=1 prot=rw",
        /* the machine's claims, made while the server exists but is disabled */
        "xendevicemodel_map_pcidev_to_ioreq_server dom=5 id=3 0000:00:00.0",
        "xendevicemodel_map_pcidev_to_ioreq_server dom=5 id=3 0000:00:01.0",
        "xendevicemodel_map_pcidev_to_ioreq_server dom=5 id=3 0000:00:01.3",
        "xendevicemodel_map_io_range_to_ioreq_server dom=5 id=3 port 0xcf8-0xcfb",
        "xendevicemodel_map_io_range_to_ioreq_server dom=5 id=3 port 0xafe0-0xafe3",
        "xendevicemodel_map_io_range_to_ioreq_server dom=5 id=3 port 0xae00-0xae0f",
        "xendevicemodel_map_io_range_to_ioreq_server dom=5 id=3 port 0xaf00-0xaf1f",
        "xendevicemodel_map_io_range_to_ioreq_server dom=5 id=3 port 0xb004-0xb005",
        "xendevicemodel_set_ioreq_server_state dom=5 id=3 enabled=1",
        "xenevtchn_bind_interdomain dom=5 remote=40",
        "xenevtchn_bind_interdomain dom=5 remote=41",
        "xenevtchn_fd",
        "xs_write " STATE_PATH " running",
        NULL
    };
    assert_calls(0, want);
    g_assert_true(fake_xen_server_enabled());
    g_assert_cmpint(fake_xen_local_port(0), ==, FAKE_XEN_FIRST_LOCAL_PORT);
    g_assert_cmpint(fake_xen_local_port(1), ==, FAKE_XEN_FIRST_LOCAL_PORT + 1);
    g_assert_cmpuint(xpt_xen_accel_nr_vcpus(f.a), ==, 2);
    g_assert_cmpuint(xpt_xen_accel_domid(f.a), ==, DOMID);
    g_assert_cmpstr(xpt_xen_accel_hv(f.a)->ops->name, ==, "xen");
    g_assert_null(xpt_xen_accel_hv(f.a)->ops->grant_device);
    g_assert_null(xpt_xen_accel_hv(f.a)->ops->revoke_device);
    finish(&f);
}

static void test_xenstore_running(void)
{
    Fixture f;
    start_all(&f, 1);
    g_assert_cmpstr(fake_xen_xenstore(STATE_PATH), ==, "running");
    /* Written last: after the server is enabled and the ports are bound. */
    g_assert_cmpint(fake_xen_find_call("xs_write", 0), >,
                    fake_xen_find_call("xenevtchn_bind_interdomain", 0));
    finish(&f);
}

static void test_teardown_sequence(void)
{
    Fixture f;
    start_all(&f, 2);
    unsigned from = fake_xen_calls()->len;
    xpt_xen_accel_stop(f.a);
    xpt_machine_free(f.m);
    /* Devices detach first (reverse creation order), through the still-existing server. */
    static const char *const detach[] = {
        "xendevicemodel_unmap_pcidev_from_ioreq_server dom=5 id=3 0000:00:01.3",
        "xendevicemodel_unmap_pcidev_from_ioreq_server dom=5 id=3 0000:00:01.0",
        "xendevicemodel_unmap_io_range_from_ioreq_server dom=5 id=3 port 0xcf8-0xcfb",
        "xendevicemodel_unmap_pcidev_from_ioreq_server dom=5 id=3 0000:00:00.0",
        "xendevicemodel_unmap_io_range_from_ioreq_server dom=5 id=3 port 0xb004-0xb005",
        "xendevicemodel_unmap_io_range_from_ioreq_server dom=5 id=3 port 0xaf00-0xaf1f",
        "xendevicemodel_unmap_io_range_from_ioreq_server dom=5 id=3 port 0xae00-0xae0f",
        "xendevicemodel_unmap_io_range_from_ioreq_server dom=5 id=3 port 0xafe0-0xafe3",
        NULL
    };
    assert_calls(from, detach);
    g_assert_cmpuint(fake_xen_claims(), ==, 0);
    from = fake_xen_calls()->len;
    xpt_xen_accel_free(f.a);
    /* reference/xen-abi.md §Call sequences "Shutdown". */
    static const char *const shutdown[] = {
        "xenevtchn_unbind port=7",
        "xenevtchn_unbind port=8",
        "xendevicemodel_set_ioreq_server_state dom=5 id=3 enabled=0",
        "xenforeignmemory_unmap_resource",
        "xendevicemodel_destroy_ioreq_server dom=5 id=3",
        "xs_close",
        "xenevtchn_close",
        "xenforeignmemory_close",
        "xendevicemodel_close",
        "xc_interface_close",
        NULL
    };
    assert_calls(from, shutdown);
    assert_nothing_left();
    xpt_log_set_file(NULL, NULL);
    g_unlink(f.log_path);
    g_free(f.log_path);
}

/* A failing shutdown step is a warning; the rest still runs and nothing is left. */
static void test_teardown_failure_continues(void)
{
    Fixture f;
    start_all(&f, 1);
    xpt_xen_accel_stop(f.a);
    xpt_machine_free(f.m);
    fake_xen_fail("xenevtchn_unbind", EBADF);
    fake_xen_fail("xendevicemodel_set_ioreq_server_state", EIO);
    unsigned from = fake_xen_calls()->len;
    xpt_xen_accel_free(f.a);
    g_assert_cmpint(fake_xen_find_call("xc_interface_close", from), >, 0);
    g_assert_cmpint(fake_xen_find_call("xendevicemodel_destroy_ioreq_server", from), >, 0);
    g_autofree char *log = log_text(&f);
    g_assert_nonnull(strstr(log, "warning: xen: xenevtchn_unbind: Bad file descriptor"));
    g_assert_nonnull(strstr(log, "warning: xen: xendevicemodel_set_ioreq_server_state "
                                 "(disable): Input/output error"));
    /* The fake's port stays bound after the injected failure: only that is left. */
    g_assert_cmpuint(fake_xen_open_handles(), ==, 0);
    g_assert_false(fake_xen_server_exists());
    g_assert_false(fake_xen_resource_mapped());
    xpt_log_set_file(NULL, NULL);
    g_unlink(f.log_path);
    g_free(f.log_path);
}

/* ---- serving ioreqs ------------------------------------------------------------------------- */

/* Config read and write round trip through IOREQ_TYPE_PCI_CONFIG on the page. */
static void test_pci_config_round_trip(void)
{
    Fixture f;
    start_all(&f, 2);
    unsigned from = fake_xen_calls()->len;

    ioreq_t req = pci_config(true, XEN_DMOP_PCI_SBDF(0, 0, 0, 0), 0x00, 4, 0);
    send_ioreq(0, &req);
    g_assert_cmphex(req.data, ==, 0x12378086);          /* i440FX 8086:1237 */
    static const char *const served[] = {
        "xenevtchn_pending port=7",
        "xenevtchn_notify port=7",
        "xenevtchn_unmask port=7",
        NULL
    };
    assert_calls(from, served);
    g_assert_true(f.m->guest_started);

    /* vCPU 1: PIIX3 PIRQA route (0x60) := IRQ 11 → set_pci_link_route, then read back. */
    req = pci_config(false, XEN_DMOP_PCI_SBDF(0, 0, 1, 0), 0x60, 1, 0x0b);
    send_ioreq(1, &req);
    g_assert_cmpint(fake_xen_find_call("xendevicemodel_set_pci_link_route dom=5 link=0 irq=11",
                                       from), >, 0);
    g_assert_cmpint(fake_xen_find_call("xenevtchn_notify port=8", from), >, 0);
    req = pci_config(true, XEN_DMOP_PCI_SBDF(0, 0, 1, 0), 0x60, 1, 0);
    send_ioreq(1, &req);
    g_assert_cmphex(req.data, ==, 0x0b);

    /* A slot nobody claimed answers all-ones (dispatcher rule; bus 1 is not ours). */
    req = pci_config(true, XEN_DMOP_PCI_SBDF(0, 1, 0, 0), 0x00, 4, 0);
    send_ioreq(0, &req);
    g_assert_cmphex(req.data, ==, 0xffffffff);
    finish(&f);
}

static ioreq_t pio(bool read, uint16_t port, unsigned size, uint64_t data)
{
    return (ioreq_t){ .addr = port, .data = data, .count = 1, .size = size,
                      .dir = read ? IOREQ_READ : IOREQ_WRITE, .type = IOREQ_TYPE_PIO };
}

/*
 * Power (issue 12): the guest's S5 write to PM1a_CNT (0xB004) becomes
 * xendevicemodel_shutdown(SHUTDOWN_poweroff), once; a 0xCF9 reset write
 * xendevicemodel_shutdown(SHUTDOWN_reboot); system_powerdown's power button
 * xc_domain_send_trigger(XEN_DOMCTL_SENDTRIGGER_POWER, vcpu 0).
 */
static void test_power(void)
{
    Fixture f;
    start_all(&f, 1);
    unsigned from = fake_xen_calls()->len;
    ioreq_t req = pio(true, 0xb004, 1, 0);
    send_ioreq(0, &req);
    g_assert_cmphex(req.data & 1, ==, 1);                /* SCI_EN for hvmloader */
    req = pio(false, 0xb004, 2, 0x2000);                 /* SLP_TYP 0 (S5) | SLP_EN */
    send_ioreq(0, &req);
    g_autofree char *off = g_strdup_printf("xendevicemodel_shutdown dom=%d reason=%d", DOMID,
                                           SHUTDOWN_poweroff);
    g_assert_cmpint(fake_xen_find_call(off, from), >=, 0);
    req = pio(false, 0xcf9, 1, 0x06);
    send_ioreq(0, &req);
    g_assert_cmpuint(count_calls("xendevicemodel_shutdown"), ==, 1);
    g_assert_true(xpt_machine_powerdown(f.m, NULL));
    g_autofree char *trig = g_strdup_printf("xc_domain_send_trigger dom=%d trigger=%d vcpu=0",
                                            DOMID, XEN_DOMCTL_SENDTRIGGER_POWER);
    g_assert_cmpint(fake_xen_find_call(trig, from), >=, 0);
    finish(&f);

    start_all(&f, 1);
    from = fake_xen_calls()->len;
    fake_xen_fail("xendevicemodel_shutdown", EPERM);
    req = pio(false, 0xcf9, 1, 0x06);
    send_ioreq(0, &req);                                 /* failed: logged, not latched */
    req = pio(false, 0xcf9, 1, 0x04);
    send_ioreq(0, &req);
    g_autofree char *reboot = g_strdup_printf("xendevicemodel_shutdown dom=%d reason=%d",
                                              DOMID, SHUTDOWN_reboot);
    g_assert_cmpuint(count_calls(reboot), ==, 2);
    g_autofree char *log = log_text(&f);
    g_assert_nonnull(strstr(log, "xendevicemodel_shutdown(SHUTDOWN_reboot) failed"));
    fake_xen_fail("xc_domain_send_trigger", EPERM);
    g_autoptr(GError) err = NULL;
    g_assert_false(xpt_machine_powerdown(f.m, &err));
    g_assert_true(g_error_matches(err, XPT_ERRNO_ERROR, EPERM));
    finish(&f);
}

typedef struct TestRegion {
    XptIoRegion region;
    GArray *writes;             /* uint32_t, in order */
    uint32_t next_read;
} TestRegion;

static uint64_t test_region_read(void *opaque, uint64_t offset, unsigned size)
{
    TestRegion *t = opaque;
    return t->next_read++;
}

static void test_region_write(void *opaque, uint64_t offset, uint64_t val, unsigned size)
{
    TestRegion *t = opaque;
    uint32_t v = (uint32_t)val;
    g_array_append_val(t->writes, v);
}

static const XptIoOps test_region_ops = { .read = test_region_read, .write = test_region_write };

/* rep outsl / insl with data_is_ptr: the data moves through fake foreign memory. */
static void test_rep_pio_data_is_ptr(void)
{
    Fixture f;
    start_all(&f, 1);
    TestRegion t = { .writes = g_array_new(FALSE, FALSE, sizeof(uint32_t)),
                     .next_read = 0xa0 };
    t.region = (XptIoRegion){ .name = "test", .type = XPT_RANGE_PORT, .base = TEST_PORT,
                              .size = 4, .ops = &test_region_ops, .opaque = &t };
    g_autoptr(GError) err = NULL;
    g_assert_true(xpt_dispatcher_add_region(f.m->disp, &t.region, &err));
    g_assert_cmpint(fake_xen_find_call("xendevicemodel_map_io_range_to_ioreq_server dom=5 id=3 "
                                       "port 0x5000-0x5003", 0), >, 0);

    /* rep outsl of 3 elements from 0x2ffe: the first straddles gfn 2 and gfn 3. */
    const uint32_t out[3] = { 0x11223344, 0x55667788, 0x99aabbcc };
    fake_xen_guest_write(0x2ffe, out, sizeof(out));
    unsigned from = fake_xen_calls()->len;
    ioreq_t req = { .addr = TEST_PORT, .data = 0x2ffe, .count = 3, .size = 4,
                    .data_is_ptr = 1, .dir = IOREQ_WRITE, .type = IOREQ_TYPE_PIO };
    send_ioreq(0, &req);
    g_assert_cmpuint(t.writes->len, ==, 3);
    for (unsigned i = 0; i < 3; i++) {
        g_assert_cmphex(g_array_index(t.writes, uint32_t, i), ==, out[i]);
    }
    g_assert_cmphex(req.data, ==, 0x2ffe);                  /* the pointer is unchanged */
    static const char *const reads[] = {
        "xenevtchn_pending port=7",
        "xenforeignmemory_map dom=5 gfn=0x2 pages=1 prot=r",
        "xenforeignmemory_unmap pages=1",
        "xenforeignmemory_map dom=5 gfn=0x3 pages=1 prot=r",
        "xenforeignmemory_unmap pages=1",
        "xenforeignmemory_map dom=5 gfn=0x3 pages=1 prot=r",
        "xenforeignmemory_unmap pages=1",
        "xenforeignmemory_map dom=5 gfn=0x3 pages=1 prot=r",
        "xenforeignmemory_unmap pages=1",
        "xenevtchn_notify port=7",
        "xenevtchn_unmask port=7",
        NULL
    };
    assert_calls(from, reads);

    /* rep insl of 3 elements, df set: written at 0x5008, 0x5004, 0x5000 (gfn 5). */
    from = fake_xen_calls()->len;
    req = (ioreq_t){ .addr = TEST_PORT, .data = 0x5008, .count = 3, .size = 4,
                     .data_is_ptr = 1, .df = 1, .dir = IOREQ_READ, .type = IOREQ_TYPE_PIO };
    send_ioreq(0, &req);
    uint32_t in[3];
    fake_xen_guest_read(0x5000, in, sizeof(in));
    g_assert_cmphex(in[2], ==, 0xa0);
    g_assert_cmphex(in[1], ==, 0xa1);
    g_assert_cmphex(in[0], ==, 0xa2);
    g_assert_cmpuint(count_calls("xenforeignmemory_map dom=5 gfn=0x5 pages=1 prot=rw"), ==, 3);
    g_assert_cmpuint(fake_xen_foreign_mappings(), ==, 0);

    /* A pointer outside guest RAM: the op stops, the vCPU is still answered. */
    req = (ioreq_t){ .addr = TEST_PORT, .data = (uint64_t)FAKE_XEN_RAM_PAGES << 12, .count = 2,
                     .size = 4, .data_is_ptr = 1, .dir = IOREQ_WRITE, .type = IOREQ_TYPE_PIO };
    send_ioreq(0, &req);
    g_assert_cmpuint(t.writes->len, ==, 3);
    g_assert_cmpuint(fake_xen_foreign_mappings(), ==, 0);

    xpt_dispatcher_del_region(f.m->disp, &t.region);
    g_array_free(t.writes, TRUE);
    finish(&f);
}

/* INVALIDATE: acknowledged with nothing to drop (no map cache), not a guest access. */
static void test_invalidate(void)
{
    Fixture f;
    start_all(&f, 1);
    unsigned from = fake_xen_calls()->len;
    /* As Xen's send_invalidate_ioreq builds it. */
    ioreq_t req = { .type = IOREQ_TYPE_INVALIDATE, .size = 4, .dir = IOREQ_WRITE,
                    .data = ~0ull };
    send_ioreq(0, &req);
    g_assert_cmphex(req.data, ==, ~0ull);
    static const char *const want[] = {
        "xenevtchn_pending port=7",
        "xenevtchn_notify port=7",
        "xenevtchn_unmask port=7",
        NULL
    };
    assert_calls(from, want);
    g_assert_false(f.m->guest_started);
    finish(&f);
}

/* Events and slots out of bounds: ignored, and nothing else on the page is touched. */
static void test_bad_vcpu_and_port(void)
{
    Fixture f;
    start_all(&f, 2);
    xpt_log_set_categories("guest_errors", NULL);
    ioreq_t *page = fake_xen_ioreq_page();

    /* A READY request in slot 2 (beyond nr_vcpus) and an event on an unbound port. */
    ioreq_t beyond = pci_config(true, 0, 0, 4, 0x1234);
    beyond.state = STATE_IOREQ_READY;
    page[2] = beyond;
    page[127] = beyond;
    unsigned from = fake_xen_calls()->len;
    fake_xen_evtchn_fire(99);
    run_pending();
    static const char *const ignored[] = { "xenevtchn_pending port=99", NULL };
    assert_calls(from, ignored);
    g_assert_cmpmem(&page[2], sizeof(ioreq_t), &beyond, sizeof(ioreq_t));
    g_assert_cmpmem(&page[127], sizeof(ioreq_t), &beyond, sizeof(ioreq_t));

    /* A spurious event for vCPU 1 whose slot is not READY: unmasked, not answered. */
    g_assert_cmpuint(page[1].state, ==, STATE_IOREQ_NONE);
    from = fake_xen_calls()->len;
    fake_xen_evtchn_fire((uint32_t)fake_xen_local_port(1));
    run_pending();
    static const char *const spurious[] = {
        "xenevtchn_pending port=8",
        "xenevtchn_unmask port=8",
        NULL
    };
    assert_calls(from, spurious);
    g_assert_cmpuint(page[1].state, ==, STATE_IOREQ_NONE);

    /* A slot already INPROCESS (answered once) is not served twice. */
    page[1].state = STATE_IOREQ_INPROCESS;
    fake_xen_evtchn_fire((uint32_t)fake_xen_local_port(1));
    run_pending();
    g_assert_cmpuint(page[1].state, ==, STATE_IOREQ_INPROCESS);
    g_assert_cmpuint(count_calls("xenevtchn_notify"), ==, 0);

    /* A malformed request on a valid slot is answered by the dispatcher's rules. */
    ioreq_t bad = pci_config(true, 0, 0, 3, 0);
    send_ioreq(0, &bad);
    g_assert_cmphex(bad.data, ==, ~0ull);

    g_autofree char *log = log_text(&f);
    g_assert_nonnull(strstr(log, "event on port 99, which is no vCPU's: ignored"));
    g_assert_nonnull(strstr(log, "event for vCPU 1 whose ioreq is in state 0, not READY"));
    page[2] = (ioreq_t){ 0 };
    page[127] = (ioreq_t){ 0 };
    xpt_log_set_categories("none", NULL);
    finish(&f);
}

/* The event channel breaks: one error line, the fatal hook runs once, the watch goes. */
static void test_evtchn_failure_is_fatal(void)
{
    Fixture f;
    start_all(&f, 1);
    fake_xen_fail("xenevtchn_pending", EBADF);
    fake_xen_evtchn_fire((uint32_t)fake_xen_local_port(0));
    run_pending();
    g_assert_cmpuint(f.fatal_calls, ==, 1);
    fake_xen_evtchn_fire((uint32_t)fake_xen_local_port(0));
    run_pending();
    g_assert_cmpuint(f.fatal_calls, ==, 1);     /* no watch any more */
    g_autofree char *log = log_text(&f);
    g_assert_nonnull(strstr(log, "error: xen: xenevtchn_pending: Bad file descriptor — the "
                                 "guest's I/O can no longer be served"));
    finish(&f);
}

/* ---- start-up errors ------------------------------------------------------------------------ */

typedef struct StartupFault {
    const char *call;
    int err;
    const char *message;        /* expected GError message, or its start */
} StartupFault;

static const StartupFault startup_faults[] = {
    { "xc_interface_open", ENOENT,
      "xc_interface_open: /dev/xen/privcmd: No such file or directory — is this dom0 under "
      "Xen?" },
    { "xendevicemodel_open", EACCES,
      "xendevicemodel_open: /dev/xen/privcmd: Permission denied — run xen-pt-dm as root" },
    { "xenforeignmemory_open", ENOENT,
      "xenforeignmemory_open: /dev/xen/privcmd: No such file or directory — is this dom0" },
    { "xenevtchn_open", ENODEV,
      "xenevtchn_open: /dev/xen/evtchn: No such device — is this dom0 under Xen?" },
    { "xs_open", ENOENT, "xs_open: No such file or directory — is xenstored running?" },
    { "xendevicemodel_nr_vcpus", ESRCH,
      "xendevicemodel_nr_vcpus: No such process — there is no domain 5: check `xl list`" },
    { "xendevicemodel_create_ioreq_server", ENOSPC,
      "xendevicemodel_create_ioreq_server: No space left on device — domain 5 already has "
      "the 8 ioreq servers" },
    { "xenforeignmemory_map_resource", EOPNOTSUPP,
      "xenforeignmemory_map_resource: ioreq page: Operation not supported — "
      "XENMEM_acquire_resource needs Xen 4.11" },
    { "xendevicemodel_map_pcidev_to_ioreq_server", EPERM,
      "xendevicemodel_map_pcidev_to_ioreq_server(pci 0x0-0x0) failed: Operation not "
      "permitted" },
    { "xendevicemodel_map_io_range_to_ioreq_server", EPERM,
      "i440FX CONFADD / PIIX3 reset control: xendevicemodel_map_io_range_to_ioreq_server("
      "port 0xcf8-0xcfb) failed: "
      "Operation not permitted" },
    { "xendevicemodel_set_ioreq_server_state", EINVAL,
      "xendevicemodel_set_ioreq_server_state: enable: Invalid argument — cannot enable ioreq "
      "server 3 of domain 5" },
    { "xenevtchn_bind_interdomain", EINVAL,
      "xenevtchn_bind_interdomain: vCPU 0, remote port 40: Invalid argument — cannot bind "
      "domain 5's ioreq event channel" },
    { "xs_write", EACCES,
      "xs_write: " STATE_PATH ": Permission denied — libxl waits for \"running\" there" },
};

static void test_startup_errors(void)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(startup_faults); i++) {
        const StartupFault *sf = &startup_faults[i];
        fake_xen_reset(2);
        fake_xen_fail(sf->call, sf->err);
        g_autoptr(GError) err = NULL;
        XptXenAccel *a = xpt_xen_accel_new(DOMID, &err);
        XptMachine *m = a ? machine_for(a, &err) : NULL;
        bool started = m && xpt_xen_accel_start(a, m, &err);
        g_assert_false(started);
        g_assert_nonnull(err);
        if (!g_str_has_prefix(err->message, sf->message)) {
            g_printerr("fault in %s: got \"%s\"\n", sf->call, err->message);
            g_assert_not_reached();
        }
        g_assert_true(g_error_matches(err, XPT_ERRNO_ERROR, sf->err));
        g_assert_null(strchr(err->message, '\n'));
        /* The injected call is the one that failed, and it failed only once. */
        g_autofree char *failed = g_strdup_printf(" = -1 (%s)", sf->err == ENOENT ? "ENOENT"
                                                  : sf->err == EACCES ? "EACCES"
                                                  : sf->err == ENODEV ? "ENODEV"
                                                  : sf->err == ESRCH ? "ESRCH"
                                                  : sf->err == ENOSPC ? "ENOSPC"
                                                  : sf->err == EOPNOTSUPP ? "EOPNOTSUPP"
                                                  : sf->err == EPERM ? "EPERM" : "EINVAL");
        int at = fake_xen_find_call(sf->call, 0);
        g_assert_cmpint(at, >=, 0);
        g_assert_true(g_str_has_suffix(g_ptr_array_index(fake_xen_calls(), at), failed));
        /* Tear down as vl.c does; a failed new() has already cleaned up after itself. */
        if (a) {
            xpt_xen_accel_stop(a);
            xpt_machine_free(m);
            xpt_xen_accel_free(a);
        }
        assert_nothing_left();
        /* The server is destroyed exactly when it was created. */
        bool created = fake_xen_find_call("xendevicemodel_create_ioreq_server", 0) >= 0 &&
                       strcmp(sf->call, "xendevicemodel_create_ioreq_server") != 0;
        g_assert_cmpint(fake_xen_find_call("xendevicemodel_destroy_ioreq_server", 0) >= 0, ==,
                        created);
        /* Every handle opened was closed, each once. */
        g_assert_cmpuint(count_calls("xc_interface_close"), ==,
                         count_calls("xc_interface_open") - !strcmp(sf->call,
                                                                    "xc_interface_open"));
        g_assert_cmpuint(count_calls("xs_close"), ==,
                         count_calls("xs_open") - !strcmp(sf->call, "xs_open"));
    }
}

/* vCPU counts one ioreq page cannot serve, and domids no guest has. */
static void test_startup_limits(void)
{
    const unsigned bad_vcpus[] = { 0, XPT_XEN_MAX_VCPUS + 1 };
    for (unsigned i = 0; i < G_N_ELEMENTS(bad_vcpus); i++) {
        fake_xen_reset(bad_vcpus[i]);
        g_autoptr(GError) err = NULL;
        g_assert_null(xpt_xen_accel_new(DOMID, &err));
        g_assert_error(err, XPT_ERROR, XPT_ERROR_UNSUPPORTED);
        g_assert_nonnull(strstr(err->message, "one ioreq page serves 1 to 128"));
        g_assert_cmpint(fake_xen_find_call("xendevicemodel_create_ioreq_server", 0), ==, -1);
        assert_nothing_left();
    }
    const unsigned bad_domids[] = { 0, XPT_XEN_MAX_DOMID + 1, 0xffff };
    for (unsigned i = 0; i < G_N_ELEMENTS(bad_domids); i++) {
        fake_xen_reset(1);
        g_autoptr(GError) err = NULL;
        g_assert_null(xpt_xen_accel_new(bad_domids[i], &err));
        g_assert_error(err, XPT_ERROR, XPT_ERROR_INVALID);
        g_assert_cmpuint(fake_xen_calls()->len, ==, 0);
    }
    /* The largest vCPU count and domid work. */
    fake_xen_reset(XPT_XEN_MAX_VCPUS);
    g_autoptr(GError) err = NULL;
    XptXenAccel *a = xpt_xen_accel_new(XPT_XEN_MAX_DOMID, &err);
    g_assert_no_error(err);
    XptMachine *m = machine_for(a, &err);
    g_assert_no_error(err);
    g_assert_true(xpt_xen_accel_start(a, m, &err));
    g_assert_cmpuint(fake_xen_bound_ports(), ==, XPT_XEN_MAX_VCPUS);
    xpt_xen_accel_stop(a);
    xpt_machine_free(m);
    xpt_xen_accel_free(a);
    assert_nothing_left();
}

/* ---- -xen-domid-restrict -------------------------------------------------------------------- */

/*
 * reference/xen-abi.md §Call sequences "Deprivileging": after start-up, each handle that
 * can be restricted is, in order, and xenstore is closed; the guest is still served;
 * the handles refuse any other domain; libxenctrl (the xc_* passthrough calls) keeps
 * working; shutdown no longer closes xenstore.
 */
static void test_restrict_sequence(void)
{
    Fixture f;
    start_all(&f, 2);
    unsigned from = fake_xen_calls()->len;
    g_autoptr(GError) err = NULL;
    g_assert_false(xpt_xen_accel_restricted(f.a));
    g_assert_true(xpt_xen_accel_restrict(f.a, &err));
    g_assert_no_error(err);
    static const char *const want[] = {
        "xendevicemodel_restrict dom=5",
        "xenforeignmemory_restrict dom=5",
        "xenevtchn_restrict dom=5",
        "xs_close",
        NULL
    };
    assert_calls(from, want);
    g_assert_true(xpt_xen_accel_restricted(f.a));
    g_assert_cmpint(fake_xen_restricted(FAKE_XEN_LIB_DEVICEMODEL), ==, DOMID);
    g_assert_cmpint(fake_xen_restricted(FAKE_XEN_LIB_FOREIGNMEMORY), ==, DOMID);
    g_assert_cmpint(fake_xen_restricted(FAKE_XEN_LIB_EVTCHN), ==, DOMID);
    /* After the start-up needs: the xenstore handshake came first. */
    g_assert_cmpint(fake_xen_find_call("xs_write " STATE_PATH " running", 0), <, (int)from);

    /* Still serving both vCPUs: config read, a link route (dm_op), guest memory. */
    ioreq_t req = pci_config(true, XEN_DMOP_PCI_SBDF(0, 0, 0, 0), 0x00, 4, 0);
    send_ioreq(0, &req);
    g_assert_cmphex(req.data, ==, 0x12378086);
    req = pci_config(false, XEN_DMOP_PCI_SBDF(0, 0, 1, 0), 0x61, 1, 0x0a);
    send_ioreq(1, &req);
    g_assert_cmpint(fake_xen_find_call("xendevicemodel_set_pci_link_route dom=5 link=1 irq=10",
                                       from), >, 0);
    XptHv *hv = xpt_xen_accel_hv(f.a);
    uint32_t word = 0x5a5a5a5a;
    g_assert_true(xpt_hv_guest_write(hv, 0x3000, &word, sizeof(word), &err));
    g_assert_no_error(err);
    /* Hot-plug after restriction: claims (dm_op) and the xc_* calls still go through. */
    g_assert_true(xpt_hv_claim_range(hv, NULL, XPT_RANGE_MEMORY, 0xf1000000, 0xf1000fff, &err));
    g_assert_true(xpt_hv_memory_mapping(hv, NULL, 0xf0000, 0xd0000, 16, true, &err));
    g_assert_true(xpt_hv_memory_mapping(hv, NULL, 0xf0000, 0xd0000, 16, false, &err));
    int pirq = -1;
    g_assert_true(xpt_hv_map_pirq(hv, NULL, 34, &pirq, &err));
    g_assert_true(xpt_hv_unmap_pirq(hv, NULL, pirq, &err));
    g_assert_true(xpt_hv_unclaim_range(hv, NULL, XPT_RANGE_MEMORY, 0xf1000000, 0xf1000fff,
                                       &err));
    g_assert_no_error(err);

    /* The restricted handles refuse another domain, as privcmd does (EPERM). */
    XptXenHvCtx *ctx = hv->opaque;
    errno = 0;
    g_assert_cmpint(xendevicemodel_set_pci_link_route(ctx->dmod, DOMID + 1, 0, 5), ==, -1);
    g_assert_cmpint(errno, ==, EPERM);
    xen_pfn_t gfn = 1;
    errno = 0;
    g_assert_null(xenforeignmemory_map(ctx->fmem, DOMID + 1, PROT_READ, 1, &gfn, NULL));
    g_assert_cmpint(errno, ==, EPERM);

    /* Shutdown: reference/xen-abi.md's sequence, without xs_close (already done). */
    xpt_xen_accel_stop(f.a);
    xpt_machine_free(f.m);
    from = fake_xen_calls()->len;
    xpt_xen_accel_free(f.a);
    static const char *const shutdown[] = {
        "xenevtchn_unbind port=7",
        "xenevtchn_unbind port=8",
        "xendevicemodel_set_ioreq_server_state dom=5 id=3 enabled=0",
        "xenforeignmemory_unmap_resource",
        "xendevicemodel_destroy_ioreq_server dom=5 id=3",
        "xenevtchn_close",
        "xenforeignmemory_close",
        "xendevicemodel_close",
        "xc_interface_close",
        NULL
    };
    assert_calls(from, shutdown);
    g_assert_cmpuint(count_calls("xs_close"), ==, 1);
    assert_nothing_left();
    xpt_log_set_file(NULL, NULL);
    g_unlink(f.log_path);
    g_free(f.log_path);
}

/* A dom0 kernel without the restrict ioctls: one line naming the call and the way out. */
static void test_restrict_errors(void)
{
    static const char *const calls[] = {
        "xendevicemodel_restrict", "xenforeignmemory_restrict", "xenevtchn_restrict",
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(calls); i++) {
        Fixture f;
        start_all(&f, 1);
        fake_xen_fail(calls[i], ENOTTY);
        g_autoptr(GError) err = NULL;
        g_assert_false(xpt_xen_accel_restrict(f.a, &err));
        g_assert_error(err, XPT_ERRNO_ERROR, ENOTTY);
        g_autofree char *want = g_strdup_printf(
            "%s: Inappropriate ioctl for device — -xen-domid-restrict needs a dom0 kernel "
            "with the privcmd and evtchn restrict ioctls (Linux 4.11 or later)", calls[i]);
        if (!g_str_has_prefix(err->message, want)) {
            g_error("got \"%s\"", err->message);
        }
        g_assert_null(strchr(err->message, '\n'));
        g_assert_false(xpt_xen_accel_restricted(f.a));
        /* The calls after the failing one were not made; xenstore is still open. */
        for (unsigned j = i + 1; j < G_N_ELEMENTS(calls); j++) {
            g_assert_cmpint(fake_xen_find_call(calls[j], 0), ==, -1);
        }
        g_assert_cmpint(fake_xen_find_call("xs_close", 0), ==, -1);
        finish(&f);                                 /* closes xenstore: nothing left */
        g_assert_cmpuint(count_calls("xs_close"), ==, 1);
    }
}

/* ---- hypervisor operations ------------------------------------------------------------------ */

/*
 * XENFEAT_dm_msix_all_writes (bit 20 of XENVER_get_features submap 0, Xen ≥ 4.19): read
 * once, on first use; absent (Xen 4.17) or unreadable reads as "not set".
 */
static void test_hvops_msix_all_writes(void)
{
    static const struct { uint32_t submap; bool fail; bool want; } cases[] = {
        { 0, false, false },                          /* Xen 4.17 */
        { (1u << 20) | (1u << 14), false, true },     /* Xen 4.19 */
        { 1u << 20, true, false },                    /* xc_version failed */
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        fake_xen_reset(1);
        fake_xen_set_features(cases[i].submap);
        if (cases[i].fail) {
            fake_xen_fail("xc_version", EPERM);
        }
        g_autoptr(GError) err = NULL;
        XptXenAccel *a = xpt_xen_accel_new(DOMID, &err);
        g_assert_no_error(err);
        XptHv *hv = xpt_xen_accel_hv(a);
        g_assert_cmpint(xpt_hv_dm_msix_all_writes(hv), ==, cases[i].want);
        g_assert_cmpint(xpt_hv_dm_msix_all_writes(hv), ==, cases[i].want);
        g_assert_cmpuint(count_calls("xc_version cmd=6"), ==, 1);
        xpt_xen_accel_free(a);
    }
}

/*
 * MSI outside segment 0: libxenctrl's MAP_PIRQ_TYPE_MSI has no segment (Xen would map
 * segment 0's device), so the map goes as PHYSDEVOP_map_pirq MAP_PIRQ_TYPE_MSI_SEG with
 * bus = seg << 16 | bus (xen/arch/x86/physdev.c), through libxencall; segment 0 keeps
 * xc_physdev_map_pirq_msi.
 */
static void test_hvops_msi_segment(void)
{
    fake_xen_reset(1);
    g_autoptr(GError) err = NULL;
    XptXenAccel *a = xpt_xen_accel_new(DOMID, &err);
    g_assert_no_error(err);
    XptHv *hv = xpt_xen_accel_hv(a);
    int pirq = -1;
    g_assert_true(xpt_hv_map_pirq_msi(hv, NULL, &pirq, 0x0030, 0x01, 0x08, 3, 0x600c0000000,
                                      &err));
    g_assert_no_error(err);
    g_assert_cmpint(pirq, ==, FAKE_XEN_MSI_PIRQ);
    g_assert_cmpuint(count_calls("physdev_op map_pirq dom=5 type=3 index=-1 pirq=-1 "
                                 "devfn=0x8 bus=0x300001 entry=3 table=0x600c0000000"), ==, 1);
    g_assert_cmpuint(count_calls("xc_physdev_map_pirq_msi"), ==, 0);
    pirq = -1;
    fake_xen_fail("physdev_op", ENODEV);
    g_assert_false(xpt_hv_map_pirq_msi(hv, NULL, &pirq, 2, 0, 0, 0, 0, &err));
    g_assert_error(err, XPT_ERRNO_ERROR, ENODEV);
    g_assert_cmpint(pirq, ==, -1);
    g_clear_error(&err);
    g_assert_true(xpt_hv_map_pirq_msi(hv, NULL, &pirq, 0, 0x01, 0x08, 0, 0, &err));
    g_assert_cmpuint(count_calls("xc_physdev_map_pirq_msi"), ==, 1);
    xpt_xen_accel_free(a);
}

static void test_hvops_calls(void)
{
    fake_xen_reset(1);
    g_autoptr(GError) err = NULL;
    XptXenAccel *a = xpt_xen_accel_new(DOMID, &err);
    g_assert_no_error(err);
    XptHv *hv = xpt_xen_accel_hv(a);
    unsigned from = fake_xen_calls()->len;
    int pirq = -1, msi_pirq = -1;

    g_assert_true(xpt_hv_memory_mapping(hv, NULL, 0xf0000, 0xd0000, 16, true, NULL));
    g_assert_true(xpt_hv_memory_mapping(hv, NULL, 0xf0000, 0xd0000, 16, false, NULL));
    g_assert_true(xpt_hv_ioport_mapping(hv, NULL, 0xc000, 0xe000, 32, true, NULL));
    g_assert_true(xpt_hv_ioport_mapping(hv, NULL, 0xc000, 0xe000, 32, false, NULL));
    g_assert_true(xpt_hv_claim_range(hv, NULL, XPT_RANGE_MEMORY, 0xf1000000, 0xf1000fff, NULL));
    g_assert_true(xpt_hv_unclaim_range(hv, NULL, XPT_RANGE_MEMORY, 0xf1000000, 0xf1000fff,
                                       NULL));
    /* PCI: SBDFs 0001:02:03.6 and .7, each its own map_pcidev call. */
    uint32_t s0 = XEN_DMOP_PCI_SBDF(1, 2, 3, 6);
    g_assert_true(xpt_hv_claim_range(hv, NULL, XPT_RANGE_PCI, s0, s0 + 1, NULL));
    g_assert_true(xpt_hv_unclaim_range(hv, NULL, XPT_RANGE_PCI, s0, s0 + 1, NULL));
    g_assert_true(xpt_hv_set_pci_link_route(hv, 2, 10, NULL));
    g_assert_true(xpt_hv_set_isa_irq_level(hv, 9, 1, NULL));
    g_assert_true(xpt_hv_map_pirq(hv, NULL, 34, &pirq, NULL));
    g_assert_cmpint(pirq, ==, 34);
    g_assert_true(xpt_hv_map_pirq_msi(hv, NULL, &msi_pirq, 0, 0x03, 0x08, 2, 0xfe000000, NULL));
    g_assert_cmpint(msi_pirq, ==, FAKE_XEN_MSI_PIRQ);
    g_assert_true(xpt_hv_bind_msi(hv, NULL, 0x41, msi_pirq, 0x10003, 0xf2000000, NULL));
    g_assert_true(xpt_hv_unbind_msi(hv, NULL, 0x41, msi_pirq, 0x10003, NULL));
    g_assert_true(xpt_hv_unmap_pirq(hv, NULL, msi_pirq, NULL));
    g_assert_true(xpt_hv_bind_pt_intx(hv, NULL, pirq, 0, 4, 0, NULL));
    g_assert_true(xpt_hv_unbind_pt_intx(hv, NULL, pirq, 0, 4, 0, NULL));
    g_assert_true(xpt_hv_grant_device(hv, NULL, &(XptHostGrant){ 0 }, NULL));   /* no-op */
    static const char *const want[] = {
        "xc_domain_memory_mapping dom=5 gfn=0xf0000 mfn=0xd0000 nr=16 DPCI_ADD_MAPPING",
        "xc_domain_memory_mapping dom=5 gfn=0xf0000 mfn=0xd0000 nr=16 DPCI_REMOVE_MAPPING",
        "xc_domain_ioport_mapping dom=5 gport=0xc000 mport=0xe000 nr=32 DPCI_ADD_MAPPING",
        "xc_domain_ioport_mapping dom=5 gport=0xc000 mport=0xe000 nr=32 DPCI_REMOVE_MAPPING",
        "xendevicemodel_map_io_range_to_ioreq_server dom=5 id=3 mmio 0xf1000000-0xf1000fff",
        "xendevicemodel_unmap_io_range_from_ioreq_server dom=5 id=3 mmio 0xf1000000-0xf1000fff",
        "xendevicemodel_map_pcidev_to_ioreq_server dom=5 id=3 0001:02:03.6",
        "xendevicemodel_map_pcidev_to_ioreq_server dom=5 id=3 0001:02:03.7",
        "xendevicemodel_unmap_pcidev_from_ioreq_server dom=5 id=3 0001:02:03.6",
        "xendevicemodel_unmap_pcidev_from_ioreq_server dom=5 id=3 0001:02:03.7",
        "xendevicemodel_set_pci_link_route dom=5 link=2 irq=10",
        "xendevicemodel_set_isa_irq_level dom=5 irq=9 level=1",
        "xc_physdev_map_pirq dom=5 index=34 pirq=-1",
        "xc_physdev_map_pirq_msi dom=5 index=-1 pirq=-1 devfn=0x8 bus=0x3 entry=2 "
        "table=0xfe000000",
        "xc_domain_update_msi_irq dom=5 gvec=0x41 pirq=1055 gflags=0x10003 gtable=0xf2000000",
        "xc_domain_unbind_msi_irq dom=5 gvec=0x41 pirq=1055 gflags=0x10003",
        "xc_physdev_unmap_pirq dom=5 pirq=1055",
        "xc_domain_bind_pt_pci_irq dom=5 irq=34 bus=0 dev=4 intx=0",
        "xc_domain_unbind_pt_irq dom=5 irq=34 type=PT_IRQ_TYPE_PCI bus=0 dev=4 intx=0 "
        "isa_irq=0",
        NULL
    };
    assert_calls(from, want);
    g_assert_cmpuint(fake_xen_claims(), ==, 0);
    xpt_xen_accel_free(a);
    assert_nothing_left();
}

static void test_hvops_errors(void)
{
    Fixture f = { 0 };
    fake_xen_reset(1);
    log_to_file(&f);
    g_autoptr(GError) err = NULL;
    XptXenAccel *a = xpt_xen_accel_new(DOMID, &err);
    g_assert_no_error(err);
    XptHv *hv = xpt_xen_accel_hv(a);

    /* errno after -1 becomes the GError code. */
    fake_xen_fail("xc_domain_memory_mapping", EPERM);
    g_assert_false(xpt_hv_memory_mapping(hv, "dev", 0x100, 0x200, 1, true, &err));
    g_assert_error(err, XPT_ERRNO_ERROR, EPERM);
    g_clear_error(&err);
    fake_xen_fail("xc_physdev_map_pirq", ENOSPC);
    int pirq = -1;
    g_assert_false(xpt_hv_map_pirq(hv, NULL, 20, &pirq, &err));
    g_assert_error(err, XPT_ERRNO_ERROR, ENOSPC);
    g_assert_cmpint(pirq, ==, -1);
    g_clear_error(&err);

    /* The uint8_t pirq of xc_domain_bind_pt_pci_irq: no call, EINVAL, a warning. */
    unsigned from = fake_xen_calls()->len;
    g_assert_false(xpt_hv_bind_pt_intx(hv, NULL, 256, 0, 4, 0, &err));
    g_assert_error(err, XPT_ERRNO_ERROR, EINVAL);
    g_clear_error(&err);
    g_assert_false(xpt_hv_unbind_pt_intx(hv, NULL, -1, 0, 4, 0, &err));
    g_assert_error(err, XPT_ERRNO_ERROR, EINVAL);
    g_clear_error(&err);
    g_assert_cmpuint(fake_xen_calls()->len, ==, from);
    g_autofree char *log = log_text(&f);
    g_assert_nonnull(strstr(log, "xc_domain_bind_pt_pci_irq: pirq 256 does not fit "
                                 "libxenctrl's 8-bit machine_irq (0-255)"));

    /* PCI claims: at most one bus worth of SBDFs, never past 32 bits. */
    g_assert_false(xpt_hv_claim_range(hv, NULL, XPT_RANGE_PCI, 0, 256, &err));
    g_assert_error(err, XPT_ERRNO_ERROR, EINVAL);
    g_clear_error(&err);
    g_assert_false(xpt_hv_claim_range(hv, NULL, XPT_RANGE_PCI, 0x100000000ull,
                                      0x100000000ull, &err));
    g_assert_error(err, XPT_ERRNO_ERROR, EINVAL);
    g_clear_error(&err);
    g_assert_cmpuint(fake_xen_calls()->len, ==, from);

    xpt_xen_accel_free(a);
    assert_nothing_left();
    xpt_log_set_file(NULL, NULL);
    g_unlink(f.log_path);
    g_free(f.log_path);
}

/* A PCI claim failing on its second SBDF gives back the first (no half claim). */
static void test_hvops_pci_claim_rollback(void)
{
    fake_xen_reset(1);
    g_autoptr(GError) err = NULL;
    XptXenAccel *a = xpt_xen_accel_new(DOMID, &err);
    g_assert_no_error(err);
    XptHv *hv = xpt_xen_accel_hv(a);
    uint32_t s0 = XEN_DMOP_PCI_SBDF(0, 0, 6, 0);
    /* The fake refuses an SBDF already claimed: claim .1 first so that .1 fails. */
    g_assert_true(xpt_hv_claim_range(hv, NULL, XPT_RANGE_PCI, s0 + 1, s0 + 1, NULL));
    unsigned from = fake_xen_calls()->len;
    g_assert_false(xpt_hv_claim_range(hv, NULL, XPT_RANGE_PCI, s0, s0 + 1, &err));
    g_assert_error(err, XPT_ERRNO_ERROR, EEXIST);
    static const char *const want[] = {
        "xendevicemodel_map_pcidev_to_ioreq_server dom=5 id=3 0000:00:06.0",
        "xendevicemodel_map_pcidev_to_ioreq_server dom=5 id=3 0000:00:06.1 = -1 (EEXIST)",
        "xendevicemodel_unmap_pcidev_from_ioreq_server dom=5 id=3 0000:00:06.0",
        NULL
    };
    assert_calls(from, want);
    g_assert_cmpuint(fake_xen_claims(), ==, 1);
    g_assert_true(xpt_hv_unclaim_range(hv, NULL, XPT_RANGE_PCI, s0 + 1, s0 + 1, NULL));
    xpt_xen_accel_free(a);
    assert_nothing_left();
}

/* guest_read/guest_write: page by page, unmapped after each access, bounded. */
static void test_hvops_guest_memory(void)
{
    fake_xen_reset(1);
    g_autoptr(GError) err = NULL;
    XptXenAccel *a = xpt_xen_accel_new(DOMID, &err);
    g_assert_no_error(err);
    XptHv *hv = xpt_xen_accel_hv(a);

    /* 6000 bytes from 0x1ff0 touch gfns 1, 2 and 3. */
    g_autofree uint8_t *buf = g_malloc(6000);
    g_autofree uint8_t *back = g_malloc(6000);
    for (unsigned i = 0; i < 6000; i++) {
        buf[i] = (uint8_t)(i * 7);
    }
    unsigned from = fake_xen_calls()->len;
    g_assert_true(xpt_hv_guest_write(hv, 0x1ff0, buf, 6000, NULL));
    static const char *const want[] = {
        "xenforeignmemory_map dom=5 gfn=0x1 pages=1 prot=rw",
        "xenforeignmemory_unmap pages=1",
        "xenforeignmemory_map dom=5 gfn=0x2 pages=1 prot=rw",
        "xenforeignmemory_unmap pages=1",
        "xenforeignmemory_map dom=5 gfn=0x3 pages=1 prot=rw",
        "xenforeignmemory_unmap pages=1",
        NULL
    };
    assert_calls(from, want);
    fake_xen_guest_read(0x1ff0, back, 6000);
    g_assert_cmpmem(back, 6000, buf, 6000);
    memset(back, 0, 6000);
    g_assert_true(xpt_hv_guest_read(hv, 0x1ff0, back, 6000, NULL));
    g_assert_cmpmem(back, 6000, buf, 6000);
    g_assert_cmpuint(fake_xen_foreign_mappings(), ==, 0);

    /* Zero bytes: no call. Too long, or wrapping at 2^64: EINVAL without a call. */
    from = fake_xen_calls()->len;
    g_assert_true(xpt_hv_guest_read(hv, 0x1000, back, 0, NULL));
    g_assert_false(xpt_hv_guest_read(hv, 0, back, XPT_XEN_GUEST_MEM_MAX + 1, &err));
    g_assert_error(err, XPT_ERRNO_ERROR, EINVAL);
    g_clear_error(&err);
    g_assert_false(xpt_hv_guest_write(hv, UINT64_MAX - 2, buf, 4, &err));
    g_assert_error(err, XPT_ERRNO_ERROR, EINVAL);
    g_clear_error(&err);
    g_assert_cmpuint(fake_xen_calls()->len, ==, from);
    /* The last byte of the address space is fine (it fails in the fake: not RAM). */
    g_assert_false(xpt_hv_guest_read(hv, UINT64_MAX, back, 1, &err));
    g_assert_error(err, XPT_ERRNO_ERROR, EFAULT);
    g_clear_error(&err);
    /* A page that cannot be mapped: its errno; earlier pages were unmapped. */
    uint64_t last = ((uint64_t)FAKE_XEN_RAM_PAGES << 12) - 8;
    g_assert_false(xpt_hv_guest_write(hv, last, buf, 16, &err));
    g_assert_error(err, XPT_ERRNO_ERROR, EFAULT);
    g_clear_error(&err);
    g_assert_cmpuint(fake_xen_foreign_mappings(), ==, 0);

    xpt_xen_accel_free(a);
    assert_nothing_left();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/xen-accel/startup/sequence", test_startup_sequence);
    g_test_add_func("/xen-accel/startup/xenstore-running", test_xenstore_running);
    g_test_add_func("/xen-accel/startup/errors", test_startup_errors);
    g_test_add_func("/xen-accel/startup/limits", test_startup_limits);
    g_test_add_func("/xen-accel/shutdown/sequence", test_teardown_sequence);
    g_test_add_func("/xen-accel/shutdown/failure-continues", test_teardown_failure_continues);
    g_test_add_func("/xen-accel/ioreq/pci-config-round-trip", test_pci_config_round_trip);
    g_test_add_func("/xen-accel/ioreq/rep-pio-data-is-ptr", test_rep_pio_data_is_ptr);
    g_test_add_func("/xen-accel/ioreq/invalidate", test_invalidate);
    g_test_add_func("/xen-accel/ioreq/power", test_power);
    g_test_add_func("/xen-accel/ioreq/bad-vcpu-and-port", test_bad_vcpu_and_port);
    g_test_add_func("/xen-accel/ioreq/evtchn-failure-is-fatal", test_evtchn_failure_is_fatal);
    g_test_add_func("/xen-accel/restrict/sequence", test_restrict_sequence);
    g_test_add_func("/xen-accel/restrict/errors", test_restrict_errors);
    g_test_add_func("/xen-accel/hvops/calls", test_hvops_calls);
    g_test_add_func("/xen-accel/hvops/msix-all-writes", test_hvops_msix_all_writes);
    g_test_add_func("/xen-accel/hvops/msi-segment", test_hvops_msi_segment);
    g_test_add_func("/xen-accel/hvops/errors", test_hvops_errors);
    g_test_add_func("/xen-accel/hvops/pci-claim-rollback", test_hvops_pci_claim_rollback);
    g_test_add_func("/xen-accel/hvops/guest-memory", test_hvops_guest_memory);
    return g_test_run();
}
