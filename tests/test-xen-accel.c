/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The xen accelerator (xen/xen-accel.c) against a fake libxen (tests/fake-libxen*.c),
 * linked in place of the real libraries (Makefile rule for build/tests/test-xen-accel*):
 * the start-up and shutdown call sequences of reference/xen-abi.md §Call sequences, the
 * xenstore "running" handshake (reference/toolstack.md §launch), every start-up errno
 * path (one-line error naming the call, nothing leaked), limits, and -xen-domid-restrict.
 * Serving ioreqs is in test-xen-accel-ioreq.c, the hypervisor operations in
 * test-xen-accel-hvops.c; the fixture in tests/xen-accel-fixture.h.
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

#define STATE_PATH "/local/domain/0/device-model/5/state"

/* ---- start-up and shutdown sequences -------------------------------------------------------- */

static void test_startup_sequence(void)
{
    Fixture f;
    xa_start_all(&f, 2);
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
    xa_assert_calls(0, want);
    g_assert_true(fake_xen_server_enabled());
    g_assert_cmpint(fake_xen_local_port(0), ==, FAKE_XEN_FIRST_LOCAL_PORT);
    g_assert_cmpint(fake_xen_local_port(1), ==, FAKE_XEN_FIRST_LOCAL_PORT + 1);
    g_assert_cmpuint(xpt_xen_accel_nr_vcpus(f.a), ==, 2);
    g_assert_cmpuint(xpt_xen_accel_domid(f.a), ==, DOMID);
    g_assert_cmpstr(xpt_xen_accel_hv(f.a)->ops->name, ==, "xen");
    g_assert_null(xpt_xen_accel_hv(f.a)->ops->grant_device);
    g_assert_null(xpt_xen_accel_hv(f.a)->ops->revoke_device);
    xa_finish(&f);
}

static void test_xenstore_running(void)
{
    Fixture f;
    xa_start_all(&f, 1);
    g_assert_cmpstr(fake_xen_xenstore(STATE_PATH), ==, "running");
    /* Written last: after the server is enabled and the ports are bound. */
    g_assert_cmpint(fake_xen_find_call("xs_write", 0), >,
                    fake_xen_find_call("xenevtchn_bind_interdomain", 0));
    xa_finish(&f);
}

static void test_teardown_sequence(void)
{
    Fixture f;
    xa_start_all(&f, 2);
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
    xa_assert_calls(from, detach);
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
    xa_assert_calls(from, shutdown);
    xa_assert_nothing_left();
    xpt_log_set_file(NULL, NULL);
    g_unlink(f.log_path);
    g_free(f.log_path);
}

/* A failing shutdown step is a warning; the rest still runs and nothing is left. */
static void test_teardown_failure_continues(void)
{
    Fixture f;
    xa_start_all(&f, 1);
    xpt_xen_accel_stop(f.a);
    xpt_machine_free(f.m);
    fake_xen_fail("xenevtchn_unbind", EBADF);
    fake_xen_fail("xendevicemodel_set_ioreq_server_state", EIO);
    unsigned from = fake_xen_calls()->len;
    xpt_xen_accel_free(f.a);
    g_assert_cmpint(fake_xen_find_call("xc_interface_close", from), >, 0);
    g_assert_cmpint(fake_xen_find_call("xendevicemodel_destroy_ioreq_server", from), >, 0);
    g_autofree char *log = xa_log_text(&f);
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
        XptMachine *m = a ? xa_machine_for(a, &err) : NULL;
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
        xa_assert_nothing_left();
        /* The server is destroyed exactly when it was created. */
        bool created = fake_xen_find_call("xendevicemodel_create_ioreq_server", 0) >= 0 &&
                       strcmp(sf->call, "xendevicemodel_create_ioreq_server") != 0;
        g_assert_cmpint(fake_xen_find_call("xendevicemodel_destroy_ioreq_server", 0) >= 0, ==,
                        created);
        /* Every handle opened was closed, each once. */
        g_assert_cmpuint(xa_count_calls("xc_interface_close"), ==,
                         xa_count_calls("xc_interface_open") - !strcmp(sf->call,
                                                                       "xc_interface_open"));
        g_assert_cmpuint(xa_count_calls("xs_close"), ==,
                         xa_count_calls("xs_open") - !strcmp(sf->call, "xs_open"));
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
        xa_assert_nothing_left();
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
    XptMachine *m = xa_machine_for(a, &err);
    g_assert_no_error(err);
    g_assert_true(xpt_xen_accel_start(a, m, &err));
    g_assert_cmpuint(fake_xen_bound_ports(), ==, XPT_XEN_MAX_VCPUS);
    xpt_xen_accel_stop(a);
    xpt_machine_free(m);
    xpt_xen_accel_free(a);
    xa_assert_nothing_left();
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
    xa_start_all(&f, 2);
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
    xa_assert_calls(from, want);
    g_assert_true(xpt_xen_accel_restricted(f.a));
    g_assert_cmpint(fake_xen_restricted(FAKE_XEN_LIB_DEVICEMODEL), ==, DOMID);
    g_assert_cmpint(fake_xen_restricted(FAKE_XEN_LIB_FOREIGNMEMORY), ==, DOMID);
    g_assert_cmpint(fake_xen_restricted(FAKE_XEN_LIB_EVTCHN), ==, DOMID);
    /* After the start-up needs: the xenstore handshake came first. */
    g_assert_cmpint(fake_xen_find_call("xs_write " STATE_PATH " running", 0), <, (int)from);

    /* Still serving both vCPUs: config read, a link route (dm_op), guest memory. */
    ioreq_t req = xa_pci_config(true, XEN_DMOP_PCI_SBDF(0, 0, 0, 0), 0x00, 4, 0);
    xa_send_ioreq(0, &req);
    g_assert_cmphex(req.data, ==, 0x12378086);
    req = xa_pci_config(false, XEN_DMOP_PCI_SBDF(0, 0, 1, 0), 0x61, 1, 0x0a);
    xa_send_ioreq(1, &req);
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
    xa_assert_calls(from, shutdown);
    g_assert_cmpuint(xa_count_calls("xs_close"), ==, 1);
    xa_assert_nothing_left();
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
        xa_start_all(&f, 1);
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
        xa_finish(&f);                                 /* closes xenstore: nothing left */
        g_assert_cmpuint(xa_count_calls("xs_close"), ==, 1);
    }
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
    g_test_add_func("/xen-accel/restrict/sequence", test_restrict_sequence);
    g_test_add_func("/xen-accel/restrict/errors", test_restrict_errors);
    return g_test_run();
}
