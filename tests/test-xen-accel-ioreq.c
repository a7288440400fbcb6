/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The xen accelerator (xen/xen-accel.c) serving ioreqs, against the fake libxen of
 * tests/fake-libxen*.c: the ioreq_t protocol on the synchronous page (reference/xen-abi.md
 * §ioreq_t: READY → INPROCESS → IORESP_READY, notify, unmask), PCI config round trips,
 * guest memory for data_is_ptr through xenforeignmemory_map, INVALIDATE, power control,
 * bad vCPUs and ports, and a failing event channel. Fixture: tests/xen-accel-fixture.h.
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
#include "tests/xen-accel-fixture.h"
#include "util/error.h"
#include "util/log.h"
#include "xen/hvops-xen.h"
#include "xen/ioreq.h"
#include "xen/xen-accel.h"

#define TEST_PORT 0x5000

/* ---- serving ioreqs ------------------------------------------------------------------------- */

/* Config read and write round trip through IOREQ_TYPE_PCI_CONFIG on the page. */
static void test_pci_config_round_trip(void)
{
    Fixture f;
    xa_start_all(&f, 2);
    unsigned from = fake_xen_calls()->len;

    ioreq_t req = xa_pci_config(true, XEN_DMOP_PCI_SBDF(0, 0, 0, 0), 0x00, 4, 0);
    xa_send_ioreq(0, &req);
    g_assert_cmphex(req.data, ==, 0x12378086);          /* i440FX 8086:1237 */
    static const char *const served[] = {
        "xenevtchn_pending port=7",
        "xenevtchn_notify port=7",
        "xenevtchn_unmask port=7",
        NULL
    };
    xa_assert_calls(from, served);
    g_assert_true(f.m->guest_started);

    /* vCPU 1: PIIX3 PIRQA route (0x60) := IRQ 11 → set_pci_link_route, then read back. */
    req = xa_pci_config(false, XEN_DMOP_PCI_SBDF(0, 0, 1, 0), 0x60, 1, 0x0b);
    xa_send_ioreq(1, &req);
    g_assert_cmpint(fake_xen_find_call("xendevicemodel_set_pci_link_route dom=5 link=0 irq=11",
                                       from), >, 0);
    g_assert_cmpint(fake_xen_find_call("xenevtchn_notify port=8", from), >, 0);
    req = xa_pci_config(true, XEN_DMOP_PCI_SBDF(0, 0, 1, 0), 0x60, 1, 0);
    xa_send_ioreq(1, &req);
    g_assert_cmphex(req.data, ==, 0x0b);

    /* A slot nobody claimed answers all-ones (dispatcher rule; bus 1 is not ours). */
    req = xa_pci_config(true, XEN_DMOP_PCI_SBDF(0, 1, 0, 0), 0x00, 4, 0);
    xa_send_ioreq(0, &req);
    g_assert_cmphex(req.data, ==, 0xffffffff);
    xa_finish(&f);
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
    xa_start_all(&f, 1);
    unsigned from = fake_xen_calls()->len;
    ioreq_t req = pio(true, 0xb004, 1, 0);
    xa_send_ioreq(0, &req);
    g_assert_cmphex(req.data & 1, ==, 1);                /* SCI_EN for hvmloader */
    req = pio(false, 0xb004, 2, 0x2000);                 /* SLP_TYP 0 (S5) | SLP_EN */
    xa_send_ioreq(0, &req);
    g_autofree char *off = g_strdup_printf("xendevicemodel_shutdown dom=%d reason=%d", DOMID,
                                           SHUTDOWN_poweroff);
    g_assert_cmpint(fake_xen_find_call(off, from), >=, 0);
    req = pio(false, 0xcf9, 1, 0x06);
    xa_send_ioreq(0, &req);
    g_assert_cmpuint(xa_count_calls("xendevicemodel_shutdown"), ==, 1);
    g_assert_true(xpt_machine_powerdown(f.m, NULL));
    g_autofree char *trig = g_strdup_printf("xc_domain_send_trigger dom=%d trigger=%d vcpu=0",
                                            DOMID, XEN_DOMCTL_SENDTRIGGER_POWER);
    g_assert_cmpint(fake_xen_find_call(trig, from), >=, 0);
    xa_finish(&f);

    xa_start_all(&f, 1);
    from = fake_xen_calls()->len;
    fake_xen_fail("xendevicemodel_shutdown", EPERM);
    req = pio(false, 0xcf9, 1, 0x06);
    xa_send_ioreq(0, &req);                                 /* failed: logged, not latched */
    req = pio(false, 0xcf9, 1, 0x04);
    xa_send_ioreq(0, &req);
    g_autofree char *reboot = g_strdup_printf("xendevicemodel_shutdown dom=%d reason=%d",
                                              DOMID, SHUTDOWN_reboot);
    g_assert_cmpuint(xa_count_calls(reboot), ==, 2);
    g_autofree char *log = xa_log_text(&f);
    g_assert_nonnull(strstr(log, "xendevicemodel_shutdown(SHUTDOWN_reboot) failed"));
    fake_xen_fail("xc_domain_send_trigger", EPERM);
    g_autoptr(GError) err = NULL;
    g_assert_false(xpt_machine_powerdown(f.m, &err));
    g_assert_true(g_error_matches(err, XPT_ERRNO_ERROR, EPERM));
    xa_finish(&f);
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
    xa_start_all(&f, 1);
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
    xa_send_ioreq(0, &req);
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
    xa_assert_calls(from, reads);

    /* rep insl of 3 elements, df set: written at 0x5008, 0x5004, 0x5000 (gfn 5). */
    from = fake_xen_calls()->len;
    req = (ioreq_t){ .addr = TEST_PORT, .data = 0x5008, .count = 3, .size = 4,
                     .data_is_ptr = 1, .df = 1, .dir = IOREQ_READ, .type = IOREQ_TYPE_PIO };
    xa_send_ioreq(0, &req);
    uint32_t in[3];
    fake_xen_guest_read(0x5000, in, sizeof(in));
    g_assert_cmphex(in[2], ==, 0xa0);
    g_assert_cmphex(in[1], ==, 0xa1);
    g_assert_cmphex(in[0], ==, 0xa2);
    g_assert_cmpuint(xa_count_calls("xenforeignmemory_map dom=5 gfn=0x5 pages=1 prot=rw"), ==, 3);
    g_assert_cmpuint(fake_xen_foreign_mappings(), ==, 0);

    /* A pointer outside guest RAM: the op stops, the vCPU is still answered. */
    req = (ioreq_t){ .addr = TEST_PORT, .data = (uint64_t)FAKE_XEN_RAM_PAGES << 12, .count = 2,
                     .size = 4, .data_is_ptr = 1, .dir = IOREQ_WRITE, .type = IOREQ_TYPE_PIO };
    xa_send_ioreq(0, &req);
    g_assert_cmpuint(t.writes->len, ==, 3);
    g_assert_cmpuint(fake_xen_foreign_mappings(), ==, 0);

    xpt_dispatcher_del_region(f.m->disp, &t.region);
    g_array_free(t.writes, TRUE);
    xa_finish(&f);
}

/* INVALIDATE: acknowledged with nothing to drop (no map cache), not a guest access. */
static void test_invalidate(void)
{
    Fixture f;
    xa_start_all(&f, 1);
    unsigned from = fake_xen_calls()->len;
    /* As Xen's send_invalidate_ioreq builds it. */
    ioreq_t req = { .type = IOREQ_TYPE_INVALIDATE, .size = 4, .dir = IOREQ_WRITE,
                    .data = ~0ull };
    xa_send_ioreq(0, &req);
    g_assert_cmphex(req.data, ==, ~0ull);
    static const char *const want[] = {
        "xenevtchn_pending port=7",
        "xenevtchn_notify port=7",
        "xenevtchn_unmask port=7",
        NULL
    };
    xa_assert_calls(from, want);
    g_assert_false(f.m->guest_started);
    xa_finish(&f);
}

/* Events and slots out of bounds: ignored, and nothing else on the page is touched. */
static void test_bad_vcpu_and_port(void)
{
    Fixture f;
    xa_start_all(&f, 2);
    xpt_log_set_categories("guest_errors", NULL);
    ioreq_t *page = fake_xen_ioreq_page();

    /* A READY request in slot 2 (beyond nr_vcpus) and an event on an unbound port. */
    ioreq_t beyond = xa_pci_config(true, 0, 0, 4, 0x1234);
    beyond.state = STATE_IOREQ_READY;
    page[2] = beyond;
    page[127] = beyond;
    unsigned from = fake_xen_calls()->len;
    fake_xen_evtchn_fire(99);
    xa_run_pending();
    static const char *const ignored[] = { "xenevtchn_pending port=99", NULL };
    xa_assert_calls(from, ignored);
    g_assert_cmpmem(&page[2], sizeof(ioreq_t), &beyond, sizeof(ioreq_t));
    g_assert_cmpmem(&page[127], sizeof(ioreq_t), &beyond, sizeof(ioreq_t));

    /* A spurious event for vCPU 1 whose slot is not READY: unmasked, not answered. */
    g_assert_cmpuint(page[1].state, ==, STATE_IOREQ_NONE);
    from = fake_xen_calls()->len;
    fake_xen_evtchn_fire((uint32_t)fake_xen_local_port(1));
    xa_run_pending();
    static const char *const spurious[] = {
        "xenevtchn_pending port=8",
        "xenevtchn_unmask port=8",
        NULL
    };
    xa_assert_calls(from, spurious);
    g_assert_cmpuint(page[1].state, ==, STATE_IOREQ_NONE);

    /* A slot already INPROCESS (answered once) is not served twice. */
    page[1].state = STATE_IOREQ_INPROCESS;
    fake_xen_evtchn_fire((uint32_t)fake_xen_local_port(1));
    xa_run_pending();
    g_assert_cmpuint(page[1].state, ==, STATE_IOREQ_INPROCESS);
    g_assert_cmpuint(xa_count_calls("xenevtchn_notify"), ==, 0);

    /* A malformed request on a valid slot is answered by the dispatcher's rules. */
    ioreq_t bad = xa_pci_config(true, 0, 0, 3, 0);
    xa_send_ioreq(0, &bad);
    g_assert_cmphex(bad.data, ==, ~0ull);

    g_autofree char *log = xa_log_text(&f);
    g_assert_nonnull(strstr(log, "event on port 99, which is no vCPU's: ignored"));
    g_assert_nonnull(strstr(log, "event for vCPU 1 whose ioreq is in state 0, not READY"));
    page[2] = (ioreq_t){ 0 };
    page[127] = (ioreq_t){ 0 };
    xpt_log_set_categories("none", NULL);
    xa_finish(&f);
}

/* The event channel breaks: one error line, the fatal hook runs once, the watch goes. */
static void test_evtchn_failure_is_fatal(void)
{
    Fixture f;
    xa_start_all(&f, 1);
    fake_xen_fail("xenevtchn_pending", EBADF);
    fake_xen_evtchn_fire((uint32_t)fake_xen_local_port(0));
    xa_run_pending();
    g_assert_cmpuint(f.fatal_calls, ==, 1);
    fake_xen_evtchn_fire((uint32_t)fake_xen_local_port(0));
    xa_run_pending();
    g_assert_cmpuint(f.fatal_calls, ==, 1);     /* no watch any more */
    g_autofree char *log = xa_log_text(&f);
    g_assert_nonnull(strstr(log, "error: xen: xenevtchn_pending: Bad file descriptor — the "
                                 "guest's I/O can no longer be served"));
    xa_finish(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/xen-accel/ioreq/pci-config-round-trip", test_pci_config_round_trip);
    g_test_add_func("/xen-accel/ioreq/rep-pio-data-is-ptr", test_rep_pio_data_is_ptr);
    g_test_add_func("/xen-accel/ioreq/invalidate", test_invalidate);
    g_test_add_func("/xen-accel/ioreq/power", test_power);
    g_test_add_func("/xen-accel/ioreq/bad-vcpu-and-port", test_bad_vcpu_and_port);
    g_test_add_func("/xen-accel/ioreq/evtchn-failure-is-fatal", test_evtchn_failure_is_fatal);
    return g_test_run();
}
