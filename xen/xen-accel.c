/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The xen accelerator (xen/xen-accel.h): ioreq server, ioreq page, event channels,
 * xenstore. Call sequences: reference/xen-abi.md §Call sequences; ioreq_t protocol:
 * reference/xen-abi.md §ioreq_t and xen/hvm/ioreq.h.
 */
/* xenctrl.h first: it defines __XEN_TOOLS__ for every Xen public header after it. */
#include <xenctrl.h>
#include <xendevicemodel.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xenstore.h>
#include <xentoollog.h>
#include <xen/hvm/hvm_op.h>     /* HVM_IOREQSRV_BUFIOREQ_OFF */
#include <xen/hvm/ioreq.h>      /* ioreq_t, STATE_*, shared_iopage_t */
#include <xen/memory.h>         /* XENMEM_resource_ioreq_server(_frame_ioreq) */

#include "xen/xen-accel.h"

#include <errno.h>
#include <glib-unix.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mman.h>

#include "util/error.h"
#include "util/log.h"
#include "xen/hvops-xen.h"

G_STATIC_ASSERT(sizeof(ioreq_t) == 32);   /* the ABI of xen/hvm/ioreq.h */
G_STATIC_ASSERT(XPT_XEN_MAX_VCPUS == XPT_PAGE_SIZE / sizeof(ioreq_t));

struct XptXenAccel {
    XptXenHvCtx ctx;            /* xch, dmod, fmem, domid, ioservid (xen/hvops-xen.h) */
    XptHv hv;
    xenevtchn_handle *xce;
    struct xs_handle *xsh;
    unsigned domid;
    unsigned nr_vcpus;
    bool server_created;
    bool enabled;
    bool restricted;            /* -xen-domid-restrict done (xenstore closed) */
    xenforeignmemory_resource_handle *fres;
    ioreq_t *ioreqs;            /* vcpu_ioreq[] of the mapped shared_iopage_t */
    int *local_port;            /* per vCPU: the bound local port, or -1 */
    guint watch;                /* g_unix_fd_add source on xenevtchn_fd, 0 = none */
    XptMachine *machine;        /* set by start, cleared by stop */
    void (*fatal)(void *opaque);
    void *fatal_opaque;
    bool fatal_done;
    XptRateLimit bad_event_rl;
};

/* ---- libxen's own log messages go to -d hv (our GErrors are the user-facing line) ---- */

static void xtl_vmessage(struct xentoollog_logger *logger, xentoollog_level level,
                         int errnoval, const char *context, const char *format, va_list al)
    G_GNUC_PRINTF(5, 0);

static void xtl_vmessage(struct xentoollog_logger *logger, xentoollog_level level,
                         int errnoval, const char *context, const char *format, va_list al)
{
    if (!xpt_log_enabled(XPT_LOG_HV)) {
        return;
    }
    g_autofree char *msg = g_strdup_vprintf(format, al);
    xpt_log(XPT_LOG_HV, "libxen %s: %s%s%s", context ? context : "?", msg,
            errnoval >= 0 ? ": " : "", errnoval >= 0 ? g_strerror(errnoval) : "");
}

static void xtl_destroy(struct xentoollog_logger *logger)
{
    /* Static logger: nothing to free. */
}

static xentoollog_logger hv_logger = {
    .vmessage = xtl_vmessage,
    .progress = NULL,
    .destroy = xtl_destroy,
};

/* ---- errors --------------------------------------------------------------------------- */

/* errno after a failed libxen call; EIO if the library left it 0. */
static int saved_errno(void)
{
    return errno > 0 ? errno : EIO;
}

/* "CALL: [what: ]strerror — hint" in XPT_ERRNO_ERROR with code @err. */
static void set_call_error(GError **errp, const char *call, const char *what, int err,
                           const char *hint_fmt, ...) G_GNUC_PRINTF(5, 6);

static void set_call_error(GError **errp, const char *call, const char *what, int err,
                           const char *hint_fmt, ...)
{
    va_list ap;
    va_start(ap, hint_fmt);
    g_autofree char *hint = g_strdup_vprintf(hint_fmt, ap);
    va_end(ap);
    g_set_error(errp, XPT_ERRNO_ERROR, err, "%s: %s%s%s — %s", call, what ? what : "",
                what ? ": " : "", g_strerror(err), hint);
}

/* The hint for a failed open of a /dev/xen device. */
static const char *open_hint(int err)
{
    switch (err) {
    case EACCES:
    case EPERM:
        return "run xen-pt-dm as root in dom0 (as libxl does)";
    default:
        return "is this dom0 under Xen? (modules xen-privcmd and xen-evtchn must be "
               "loaded)";
    }
}

/* ---- start-up ---------------------------------------------------------------------------- */

static bool open_handles(XptXenAccel *a, GError **errp)
{
    errno = 0;
    a->ctx.xch = xc_interface_open(&hv_logger, &hv_logger, 0);
    if (!a->ctx.xch) {
        int err = saved_errno();
        set_call_error(errp, "xc_interface_open", "/dev/xen/privcmd", err, "%s",
                       open_hint(err));
        return false;
    }
    errno = 0;
    a->ctx.dmod = xendevicemodel_open(&hv_logger, 0);
    if (!a->ctx.dmod) {
        int err = saved_errno();
        set_call_error(errp, "xendevicemodel_open", "/dev/xen/privcmd", err, "%s",
                       open_hint(err));
        return false;
    }
    errno = 0;
    a->ctx.fmem = xenforeignmemory_open(&hv_logger, 0);
    if (!a->ctx.fmem) {
        int err = saved_errno();
        set_call_error(errp, "xenforeignmemory_open", "/dev/xen/privcmd", err, "%s",
                       open_hint(err));
        return false;
    }
    errno = 0;
    a->xce = xenevtchn_open(&hv_logger, 0);
    if (!a->xce) {
        int err = saved_errno();
        set_call_error(errp, "xenevtchn_open", "/dev/xen/evtchn", err, "%s", open_hint(err));
        return false;
    }
    errno = 0;
    a->xsh = xs_open(0);
    if (!a->xsh) {
        set_call_error(errp, "xs_open", NULL, saved_errno(),
                       "is xenstored running? (it is reached through /dev/xen/xenbus or "
                       "/run/xenstored/socket)");
        return false;
    }
    return true;
}

static bool read_vcpus(XptXenAccel *a, GError **errp)
{
    unsigned n = 0;
    errno = 0;
    if (xendevicemodel_nr_vcpus(a->ctx.dmod, a->ctx.domid, &n) < 0) {
        int err = saved_errno();
        set_call_error(errp, "xendevicemodel_nr_vcpus", NULL, err,
                       err == ESRCH ? "there is no domain %u: check `xl list`"
                                    : "may this domain serve domain %u? (dom0 or its "
                                      "device-model stub domain)", a->domid);
        return false;
    }
    if (n < 1 || n > XPT_XEN_MAX_VCPUS) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_UNSUPPORTED,
                    "xendevicemodel_nr_vcpus: domain %u has %u vCPUs; one ioreq page "
                    "serves 1 to %u (Xen 4.17's HVM limit)", a->domid, n, XPT_XEN_MAX_VCPUS);
        return false;
    }
    a->nr_vcpus = n;
    a->local_port = g_new(int, n);
    for (unsigned i = 0; i < n; i++) {
        a->local_port[i] = -1;
    }
    return true;
}

static bool create_server(XptXenAccel *a, GError **errp)
{
    ioservid_t id = 0;
    errno = 0;
    if (xendevicemodel_create_ioreq_server(a->ctx.dmod, a->ctx.domid, HVM_IOREQSRV_BUFIOREQ_OFF,
                                           &id) < 0) {
        int err = saved_errno();
        set_call_error(errp, "xendevicemodel_create_ioreq_server", NULL, err,
                       err == ENOSPC ? "domain %u already has the 8 ioreq servers Xen allows: "
                                       "is another device model serving it?"
                                     : "is domain %u an HVM guest this domain may serve?",
                       a->domid);
        return false;
    }
    a->ctx.ioservid = id;
    a->server_created = true;

    void *addr = NULL;
    errno = 0;
    a->fres = xenforeignmemory_map_resource(a->ctx.fmem, a->ctx.domid,
                                            XENMEM_resource_ioreq_server, id,
                                            XENMEM_resource_ioreq_server_frame_ioreq(0), 1,
                                            &addr, PROT_READ | PROT_WRITE, 0);
    if (!a->fres || !addr) {
        int err = saved_errno();
        set_call_error(errp, "xenforeignmemory_map_resource", "ioreq page", err,
                       err == EOPNOTSUPP || err == ENOSYS
                           ? "XENMEM_acquire_resource needs Xen 4.11 or later and a dom0 "
                             "kernel with privcmd resource mapping (Linux 4.18 or later)"
                           : "cannot map ioreq server %u of domain %u", id, a->domid);
        return false;
    }
    a->ioreqs = addr;
    return true;
}

XptXenAccel *xpt_xen_accel_new(unsigned domid, GError **errp)
{
    if (domid < 1 || domid > XPT_XEN_MAX_DOMID) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "-xen-domid %u: a guest's domid is from 1 to %u", domid,
                    XPT_XEN_MAX_DOMID);
        return NULL;
    }
    XptXenAccel *a = g_new0(XptXenAccel, 1);
    a->domid = domid;
    a->ctx.domid = (domid_t)domid;
    a->ctx.features0 = -1;
    a->hv.ops = &xpt_xen_hv_ops;
    a->hv.opaque = &a->ctx;
    a->bad_event_rl = (XptRateLimit)XPT_RATELIMIT_INIT(10, 1000);

    if (!open_handles(a, errp) || !read_vcpus(a, errp) || !create_server(a, errp)) {
        xpt_xen_accel_free(a);
        return NULL;
    }
    xpt_log(XPT_LOG_HV, "xen: domain %u, %u vCPUs, ioreq server %u", domid, a->nr_vcpus,
            a->ctx.ioservid);
    return a;
}

XptHv *xpt_xen_accel_hv(XptXenAccel *a)
{
    return &a->hv;
}

unsigned xpt_xen_accel_nr_vcpus(const XptXenAccel *a)
{
    return a->nr_vcpus;
}

unsigned xpt_xen_accel_domid(const XptXenAccel *a)
{
    return a->domid;
}

void xpt_xen_accel_set_fatal_hook(XptXenAccel *a, void (*fatal)(void *opaque), void *opaque)
{
    a->fatal = fatal;
    a->fatal_opaque = opaque;
}

/* ---- serving ioreqs ------------------------------------------------------------------------ */

/* The vCPU whose bound local port is @port, or -1. */
static int vcpu_of_port(XptXenAccel *a, int port)
{
    for (unsigned i = 0; i < a->nr_vcpus; i++) {
        if (a->local_port[i] == port) {
            return (int)i;
        }
    }
    return -1;
}

/*
 * Serve vCPU @vcpu's slot if Xen marked it READY. The protocol of reference/xen-abi.md
 * §ioreq_t (QEMU's cpu_get_ioreq_from_shared_memory / cpu_handle_ioreq do the same).
 * Returns true if a response was posted.
 */
static bool serve_vcpu(XptXenAccel *a, unsigned vcpu)
{
    ioreq_t *slot = &a->ioreqs[vcpu];
    if (slot->state != STATE_IOREQ_READY) {
        xpt_log_ratelimited(&a->bad_event_rl, XPT_LOG_GUEST_ERROR,
                            "xen: event for vCPU %u whose ioreq is in state %u, not READY: "
                            "ignored", vcpu, slot->state);
        return false;
    }
    /* Read barrier: the request's contents are valid only once READY was seen. */
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    ioreq_t req;
    memcpy(&req, slot, sizeof(req));
    slot->state = STATE_IOREQ_INPROCESS;

    xpt_dispatch(a->machine->disp, &req);

    slot->data = req.data;
    /* Write barrier: the response data before the state that publishes it. */
    __atomic_thread_fence(__ATOMIC_RELEASE);
    slot->state = STATE_IORESP_READY;
    errno = 0;
    if (xenevtchn_notify(a->xce, (evtchn_port_t)a->local_port[vcpu]) < 0) {
        xpt_warn_ratelimited(&a->bad_event_rl, "xen: xenevtchn_notify(port %d) of vCPU %u: %s",
                             a->local_port[vcpu], vcpu, g_strerror(saved_errno()));
    }
    return true;
}

static void fatal_event_error(XptXenAccel *a, const char *what, int err)
{
    xpt_error_report("xen: %s: %s — the guest's I/O can no longer be served", what,
                     g_strerror(err));
    if (a->fatal && !a->fatal_done) {
        a->fatal_done = true;
        a->fatal(a->fatal_opaque);
    }
}

static gboolean on_evtchn(gint fd, GIOCondition cond, gpointer opaque)
{
    XptXenAccel *a = opaque;
    if (cond & (G_IO_ERR | G_IO_HUP | G_IO_NVAL)) {
        a->watch = 0;
        fatal_event_error(a, "xenevtchn_fd: poll reported an error", EIO);
        return G_SOURCE_REMOVE;
    }
    errno = 0;
    xenevtchn_port_or_error_t port = xenevtchn_pending(a->xce);
    if (port < 0) {
        int err = saved_errno();
        if (err == EAGAIN || err == EINTR) {
            return G_SOURCE_CONTINUE;
        }
        a->watch = 0;
        fatal_event_error(a, "xenevtchn_pending", err);
        return G_SOURCE_REMOVE;
    }
    int vcpu = vcpu_of_port(a, port);
    if (vcpu < 0) {
        /* Not a port we bound for a vCPU: leave it alone (masked). */
        xpt_log_ratelimited(&a->bad_event_rl, XPT_LOG_GUEST_ERROR,
                            "xen: event on port %d, which is no vCPU's: ignored", port);
        return G_SOURCE_CONTINUE;
    }
    if (a->machine) {
        serve_vcpu(a, (unsigned)vcpu);
    }
    errno = 0;
    if (xenevtchn_unmask(a->xce, (evtchn_port_t)port) < 0) {
        xpt_warn_ratelimited(&a->bad_event_rl, "xen: xenevtchn_unmask(port %d): %s", port,
                             g_strerror(saved_errno()));
    }
    return G_SOURCE_CONTINUE;
}

bool xpt_xen_accel_start(XptXenAccel *a, XptMachine *m, GError **errp)
{
    g_return_val_if_fail(m && !a->enabled && !a->machine, false);
    errno = 0;
    if (xendevicemodel_set_ioreq_server_state(a->ctx.dmod, a->ctx.domid, a->ctx.ioservid, 1) < 0) {
        set_call_error(errp, "xendevicemodel_set_ioreq_server_state", "enable", saved_errno(),
                       "cannot enable ioreq server %u of domain %u", a->ctx.ioservid,
                       a->domid);
        return false;
    }
    a->enabled = true;

    /* Xen wrote each vCPU's vp_eport when the server was enabled. */
    for (unsigned i = 0; i < a->nr_vcpus; i++) {
        evtchn_port_t remote = a->ioreqs[i].vp_eport;
        if (remote == 0) {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_FAILED,
                        "xen: the ioreq page has no event channel for vCPU %u (vp_eport 0) "
                        "after the server was enabled", i);
            return false;
        }
        errno = 0;
        xenevtchn_port_or_error_t local = xenevtchn_bind_interdomain(a->xce, a->domid, remote);
        if (local < 0) {
            int err = saved_errno();
            g_autofree char *what = g_strdup_printf("vCPU %u, remote port %u", i, remote);
            set_call_error(errp, "xenevtchn_bind_interdomain", what, err,
                           "cannot bind domain %u's ioreq event channel", a->domid);
            return false;
        }
        a->local_port[i] = local;
    }

    int fd = xenevtchn_fd(a->xce);
    if (fd < 0) {
        set_call_error(errp, "xenevtchn_fd", NULL, saved_errno(),
                       "the event channel handle has no file descriptor");
        return false;
    }
    a->machine = m;
    a->watch = g_unix_fd_add(fd, G_IO_IN | G_IO_ERR | G_IO_HUP, on_evtchn, a);

    g_autofree char *path = g_strdup_printf(XPT_XEN_DM_STATE_PATH, a->domid);
    errno = 0;
    if (!xs_write(a->xsh, XBT_NULL, path, "running", strlen("running"))) {
        set_call_error(errp, "xs_write", path, saved_errno(),
                       "libxl waits for \"running\" there: may this domain write it?");
        return false;
    }
    xpt_log(XPT_LOG_HV, "xen: serving domain %u (%u vCPUs); %s = running", a->domid,
            a->nr_vcpus, path);
    return true;
}

/* ---- deprivileging ------------------------------------------------------------------------ */

/* The hint for a failed *_restrict call. */
static const char *restrict_hint(int err)
{
    switch (err) {
    case ENOTTY:
    case EINVAL:
    case EOPNOTSUPP:
    case ENOSYS:
        return "-xen-domid-restrict needs a dom0 kernel with the privcmd and evtchn "
               "restrict ioctls (Linux 4.11 or later); upgrade it or run without "
               "-xen-domid-restrict (dm_restrict=0)";
    default:
        return "cannot confine the Xen handles to the guest; run without "
               "-xen-domid-restrict (dm_restrict=0) if this persists";
    }
}

bool xpt_xen_accel_restrict(XptXenAccel *a, GError **errp)
{
    g_return_val_if_fail(a->enabled && !a->restricted, false);
    errno = 0;
    if (xendevicemodel_restrict(a->ctx.dmod, a->ctx.domid) < 0) {
        int err = saved_errno();
        set_call_error(errp, "xendevicemodel_restrict", NULL, err, "%s", restrict_hint(err));
        return false;
    }
    errno = 0;
    if (xenforeignmemory_restrict(a->ctx.fmem, a->ctx.domid) < 0) {
        int err = saved_errno();
        set_call_error(errp, "xenforeignmemory_restrict", NULL, err, "%s",
                       restrict_hint(err));
        return false;
    }
    errno = 0;
    if (xenevtchn_restrict(a->xce, a->ctx.domid) < 0) {
        int err = saved_errno();
        set_call_error(errp, "xenevtchn_restrict", NULL, err, "%s", restrict_hint(err));
        return false;
    }
    /* libxenstore cannot restrict a connection: give it up ("running" is written). */
    xs_close(a->xsh);
    a->xsh = NULL;
    a->restricted = true;
    xpt_log(XPT_LOG_HV, "xen: devicemodel, foreignmemory and evtchn handles restricted to "
            "domain %u, xenstore closed; libxenctrl (privcmd) stays unrestricted for the "
            "xc_* passthrough calls", a->domid);
    return true;
}

bool xpt_xen_accel_restricted(const XptXenAccel *a)
{
    return a->restricted;
}

void xpt_xen_accel_stop(XptXenAccel *a)
{
    if (!a) {
        return;
    }
    if (a->watch) {
        g_source_remove(a->watch);
        a->watch = 0;
    }
    a->machine = NULL;
}

/* ---- shutdown ----------------------------------------------------------------------------- */

static void warn_call(const char *call, const char *what)
{
    xpt_warn_report("xen: %s%s%s: %s (continuing shutdown)", call, what ? " " : "",
                    what ? what : "", g_strerror(saved_errno()));
}

void xpt_xen_accel_free(XptXenAccel *a)
{
    if (!a) {
        return;
    }
    xpt_xen_accel_stop(a);
    for (unsigned i = 0; a->local_port && i < a->nr_vcpus; i++) {
        if (a->local_port[i] >= 0) {
            errno = 0;
            if (xenevtchn_unbind(a->xce, (evtchn_port_t)a->local_port[i]) < 0) {
                warn_call("xenevtchn_unbind", NULL);
            }
            a->local_port[i] = -1;
        }
    }
    if (a->enabled) {
        errno = 0;
        if (xendevicemodel_set_ioreq_server_state(a->ctx.dmod, a->ctx.domid, a->ctx.ioservid,
                                                  0) < 0) {
            warn_call("xendevicemodel_set_ioreq_server_state", "(disable)");
        }
        a->enabled = false;
    }
    if (a->fres) {
        errno = 0;
        if (xenforeignmemory_unmap_resource(a->ctx.fmem, a->fres) < 0) {
            warn_call("xenforeignmemory_unmap_resource", NULL);
        }
        a->fres = NULL;
        a->ioreqs = NULL;
    }
    if (a->server_created) {
        errno = 0;
        if (xendevicemodel_destroy_ioreq_server(a->ctx.dmod, a->ctx.domid, a->ctx.ioservid) < 0) {
            warn_call("xendevicemodel_destroy_ioreq_server", NULL);
        }
        a->server_created = false;
    }
    if (a->xsh) {
        xs_close(a->xsh);
    }
    if (a->xce && xenevtchn_close(a->xce) < 0) {
        warn_call("xenevtchn_close", NULL);
    }
    if (a->ctx.fmem && xenforeignmemory_close(a->ctx.fmem) < 0) {
        warn_call("xenforeignmemory_close", NULL);
    }
    if (a->ctx.dmod && xendevicemodel_close(a->ctx.dmod) < 0) {
        warn_call("xendevicemodel_close", NULL);
    }
    if (a->ctx.xch && xc_interface_close(a->ctx.xch) < 0) {
        warn_call("xc_interface_close", NULL);
    }
    g_free(a->local_port);
    g_free(a);
}
