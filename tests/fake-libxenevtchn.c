/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fake libxenevtchn (tests/fake-libxen.h): an eventfd the test fires, and the ports bound
 * to the vCPUs.
 */
#include "tests/fake-libxen-int.h"

#include <errno.h>
#include <sys/eventfd.h>
#include <unistd.h>

xenevtchn_handle *xenevtchn_open(struct xentoollog_logger *logger, unsigned int flags)
{
    fxen_record("xenevtchn_open");
    if (fxen_inject("xenevtchn_open")) {
        return NULL;
    }
    g_assert(fake_xen.efd < 0);
    fake_xen.efd = eventfd(0, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC);
    g_assert(fake_xen.efd >= 0);
    fake_xen.open_handles++;
    xenevtchn_handle *xce = g_new0(xenevtchn_handle, 1);
    xce->efd = fake_xen.efd;
    xce->restricted = -1;
    return xce;
}

int xenevtchn_restrict(xenevtchn_handle *xce, domid_t domid)
{
    fxen_record("xenevtchn_restrict dom=%u", domid);
    if (fxen_inject("xenevtchn_restrict")) {
        return -1;
    }
    return fxen_do_restrict(&xce->restricted, FAKE_XEN_LIB_EVTCHN, domid);
}

int xenevtchn_close(xenevtchn_handle *xce)
{
    fxen_record("xenevtchn_close");
    g_assert(xce && xce->efd == fake_xen.efd && fake_xen.open_handles > 0);
    close(fake_xen.efd);
    fake_xen.efd = -1;
    g_queue_clear(&fake_xen.pending);
    fake_xen.open_handles--;
    g_free(xce);
    return 0;
}

int xenevtchn_fd(xenevtchn_handle *xce)
{
    fxen_record("xenevtchn_fd");
    return xce->efd;
}

static int vcpu_of_local(evtchn_port_t port)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(fake_xen.bound_local); i++) {
        if (fake_xen.bound_local[i] >= 0 && (evtchn_port_t)fake_xen.bound_local[i] == port) {
            return (int)i;
        }
    }
    return -1;
}

xenevtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *xce, uint32_t domid,
                                                     evtchn_port_t remote_port)
{
    fxen_record("xenevtchn_bind_interdomain dom=%u remote=%u", domid, remote_port);
    if (fxen_inject("xenevtchn_bind_interdomain") ||
        !fxen_restricted_ok(xce->restricted, domid, EACCES)) {
        return -1;
    }
    /* Only an enabled server's vCPU ports are unbound ports offered to this domain. */
    unsigned vcpu = remote_port - FAKE_XEN_REMOTE_PORT(0);
    if (!fake_xen.enabled || domid != fake_xen.domid || remote_port < FAKE_XEN_REMOTE_PORT(0) ||
        vcpu >= fake_xen.nr_vcpus || fake_xen.bound_local[vcpu] >= 0) {
        fxen_failed(EINVAL);
        return -1;
    }
    fake_xen.bound_local[vcpu] = fake_xen.next_local++;
    return fake_xen.bound_local[vcpu];
}

int xenevtchn_unbind(xenevtchn_handle *xce, evtchn_port_t port)
{
    fxen_record("xenevtchn_unbind port=%u", port);
    if (fxen_inject("xenevtchn_unbind")) {
        return -1;
    }
    int vcpu = vcpu_of_local(port);
    if (vcpu < 0) {
        fxen_failed(EINVAL);
        return -1;
    }
    fake_xen.bound_local[vcpu] = -1;
    return 0;
}

xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *xce)
{
    fxen_record("xenevtchn_pending");
    if (fxen_inject("xenevtchn_pending")) {
        return -1;
    }
    if (g_queue_is_empty(&fake_xen.pending)) {
        fxen_failed(EAGAIN);
        return -1;
    }
    uint64_t v;
    g_assert(read(fake_xen.efd, &v, sizeof(v)) == sizeof(v));
    uint32_t port = GPOINTER_TO_UINT(g_queue_pop_head(&fake_xen.pending));
    g_free(fake_xen.calls->pdata[fake_xen.calls->len - 1]);
    fake_xen.calls->pdata[fake_xen.calls->len - 1] =
        g_strdup_printf("xenevtchn_pending port=%u", port);
    return (xenevtchn_port_or_error_t)port;
}

int xenevtchn_unmask(xenevtchn_handle *xce, evtchn_port_t port)
{
    fxen_record("xenevtchn_unmask port=%u", port);
    return fxen_inject("xenevtchn_unmask") ? -1 : 0;
}

int xenevtchn_notify(xenevtchn_handle *xce, evtchn_port_t port)
{
    fxen_record("xenevtchn_notify port=%u", port);
    if (fxen_inject("xenevtchn_notify")) {
        return -1;
    }
    if (vcpu_of_local(port) < 0) {
        fxen_failed(EINVAL);
        return -1;
    }
    return 0;
}
