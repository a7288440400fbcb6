/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fake libxen for the xen accelerator's tests (tests/fake-libxen.h). Tests only: linked
 * into build/tests/test-xen-accel* in place of -lxenctrl -lxendevicemodel
 * -lxenforeignmemory -lxenevtchn -lxenstore. Every function has the prototype of the
 * real header; the handle structs below are the libraries' private types, which the
 * headers leave incomplete. No Xen ABI structure is redefined.
 */
#include "tests/fake-libxen.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xencall.h>
#include <xendevicemodel.h>
#include <xen/physdev.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xenstore.h>
#include <xen/memory.h>

struct xc_interface_core { int magic; };
/* restricted: -1, or the domid *_restrict confined the handle to (privcmd/evtchn). */
struct xendevicemodel_handle { int restricted; };
struct xenforeignmemory_handle { int restricted; };
struct xenforeignmemory_resource_handle { void *addr; };
struct xenevtchn_handle { int efd; int restricted; };
struct xs_handle { int magic; };

typedef struct Claim {
    int type;                   /* 0 port, 1 mmio, 2 pci (XEN_DMOP_IO_RANGE_*) */
    uint64_t start, end;
} Claim;

static struct {
    bool init;
    unsigned nr_vcpus;
    GPtrArray *calls;
    GHashTable *fail;           /* name → errno */
    unsigned open_handles;
    bool server;
    bool enabled;
    domid_t domid;
    ioreq_t *page;              /* mmap'ed while the resource is mapped */
    GArray *claims;             /* Claim */
    int bound_local[128];       /* per vCPU, -1 = not bound */
    int next_local;
    int efd;
    GQueue pending;             /* fired ports (GUINT_TO_POINTER) */
    GHashTable *ram;            /* gfn (guint64 *) → 4 KiB page */
    GHashTable *maps;           /* page address → outstanding map count */
    unsigned foreign_mapped;
    GHashTable *xenstore;       /* path → value */
    int restricted[3];          /* FAKE_XEN_LIB_*: the last restrict's domid, or -1 */
    uint32_t features0;         /* XENVER_get_features submap 0 */
} F;

static void ensure_init(void)
{
    if (!F.init) {
        fake_xen_reset(1);
    }
}

void fake_xen_reset(unsigned nr_vcpus)
{
    if (F.init) {
        g_ptr_array_free(F.calls, TRUE);
        g_hash_table_destroy(F.fail);
        g_array_free(F.claims, TRUE);
        g_hash_table_destroy(F.ram);
        g_hash_table_destroy(F.maps);
        g_hash_table_destroy(F.xenstore);
        g_queue_clear(&F.pending);
        if (F.page) {
            munmap(F.page, XC_PAGE_SIZE);
        }
        if (F.efd >= 0) {
            close(F.efd);
        }
    }
    memset(&F, 0, sizeof(F));
    F.init = true;
    F.nr_vcpus = nr_vcpus;
    F.features0 = 0;
    F.calls = g_ptr_array_new_with_free_func(g_free);
    F.fail = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    F.claims = g_array_new(FALSE, FALSE, sizeof(Claim));
    F.ram = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
    F.maps = g_hash_table_new(g_direct_hash, g_direct_equal);
    F.xenstore = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    F.efd = -1;
    F.next_local = FAKE_XEN_FIRST_LOCAL_PORT;
    for (unsigned i = 0; i < G_N_ELEMENTS(F.restricted); i++) {
        F.restricted[i] = -1;
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(F.bound_local); i++) {
        F.bound_local[i] = -1;
    }
    g_queue_init(&F.pending);
}

/* ---- recording and failure injection ------------------------------------------------- */

static const char *errno_name(int err)
{
    switch (err) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case EIO: return "EIO";
    case EBADF: return "EBADF";
    case EAGAIN: return "EAGAIN";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EEXIST: return "EEXIST";
    case ENODEV: return "ENODEV";
    case EINVAL: return "EINVAL";
    case ENOSPC: return "ENOSPC";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case ENOTTY: return "ENOTTY";
    default: return "E?";
    }
}

static void record(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

static void record(const char *fmt, ...)
{
    ensure_init();
    va_list ap;
    va_start(ap, fmt);
    g_ptr_array_add(F.calls, g_strdup_vprintf(fmt, ap));
    va_end(ap);
}

/* Mark the last recorded call failed with @err and set errno. */
static void failed(int err)
{
    char *last = g_ptr_array_index(F.calls, F.calls->len - 1);
    F.calls->pdata[F.calls->len - 1] = g_strdup_printf("%s = -1 (%s)", last, errno_name(err));
    g_free(last);
    errno = err;
}

/* If a failure was injected for @name: consume it, mark the call failed, return true. */
static bool inject(const char *name)
{
    ensure_init();
    gpointer v;
    if (!g_hash_table_lookup_extended(F.fail, name, NULL, &v)) {
        return false;
    }
    int err = GPOINTER_TO_INT(v);
    g_hash_table_remove(F.fail, name);
    failed(err);
    return true;
}

void fake_xen_fail(const char *name, int err)
{
    ensure_init();
    g_hash_table_insert(F.fail, g_strdup(name), GINT_TO_POINTER(err));
}

GPtrArray *fake_xen_calls(void)
{
    ensure_init();
    return F.calls;
}

char *fake_xen_calls_text(void)
{
    ensure_init();
    GString *s = g_string_new(NULL);
    for (unsigned i = 0; i < F.calls->len; i++) {
        g_string_append_printf(s, "  %s\n", (char *)g_ptr_array_index(F.calls, i));
    }
    return g_string_free(s, FALSE);
}

void fake_xen_calls_clear(void)
{
    ensure_init();
    g_ptr_array_set_size(F.calls, 0);
}

int fake_xen_find_call(const char *prefix, unsigned from)
{
    ensure_init();
    for (unsigned i = from; i < F.calls->len; i++) {
        if (g_str_has_prefix(g_ptr_array_index(F.calls, i), prefix)) {
            return (int)i;
        }
    }
    return -1;
}

/* ---- state queries ------------------------------------------------------------------------ */

ioreq_t *fake_xen_ioreq_page(void)
{
    ensure_init();
    return F.page;
}

int fake_xen_local_port(unsigned vcpu)
{
    ensure_init();
    return vcpu < G_N_ELEMENTS(F.bound_local) ? F.bound_local[vcpu] : -1;
}

void fake_xen_evtchn_fire(uint32_t port)
{
    ensure_init();
    g_assert(F.efd >= 0);
    g_queue_push_tail(&F.pending, GUINT_TO_POINTER(port));
    uint64_t one = 1;
    g_assert(write(F.efd, &one, sizeof(one)) == sizeof(one));
}

uint8_t *fake_xen_guest_page(uint64_t gfn)
{
    ensure_init();
    if (gfn >= FAKE_XEN_RAM_PAGES) {
        return NULL;
    }
    uint8_t *p = g_hash_table_lookup(F.ram, &gfn);
    if (!p) {
        p = g_malloc0(XC_PAGE_SIZE);
        g_hash_table_insert(F.ram, g_memdup2(&gfn, sizeof(gfn)), p);
    }
    return p;
}

void fake_xen_guest_write(uint64_t gpa, const void *buf, size_t len)
{
    const uint8_t *b = buf;
    for (size_t i = 0; i < len; i++, gpa++) {
        uint8_t *p = fake_xen_guest_page(gpa >> XC_PAGE_SHIFT);
        g_assert(p);
        p[gpa & (XC_PAGE_SIZE - 1)] = b[i];
    }
}

void fake_xen_guest_read(uint64_t gpa, void *buf, size_t len)
{
    uint8_t *b = buf;
    for (size_t i = 0; i < len; i++, gpa++) {
        uint8_t *p = fake_xen_guest_page(gpa >> XC_PAGE_SHIFT);
        g_assert(p);
        b[i] = p[gpa & (XC_PAGE_SIZE - 1)];
    }
}

const char *fake_xen_xenstore(const char *path)
{
    ensure_init();
    return g_hash_table_lookup(F.xenstore, path);
}

int fake_xen_restricted(FakeXenLib lib)
{
    ensure_init();
    g_assert((unsigned)lib < G_N_ELEMENTS(F.restricted));
    return F.restricted[lib];
}

unsigned fake_xen_open_handles(void) { ensure_init(); return F.open_handles; }
bool fake_xen_server_exists(void) { ensure_init(); return F.server; }
bool fake_xen_server_enabled(void) { ensure_init(); return F.enabled; }
bool fake_xen_resource_mapped(void) { ensure_init(); return F.page != NULL; }
unsigned fake_xen_foreign_mappings(void) { ensure_init(); return F.foreign_mapped; }
unsigned fake_xen_claims(void) { ensure_init(); return F.claims->len; }

unsigned fake_xen_bound_ports(void)
{
    ensure_init();
    unsigned n = 0;
    for (unsigned i = 0; i < G_N_ELEMENTS(F.bound_local); i++) {
        n += F.bound_local[i] >= 0;
    }
    return n;
}

/* ---- restriction (Linux privcmd IOCTL_PRIVCMD_RESTRICT, evtchn RESTRICT_DOMID) ------------ */

/*
 * A handle restricted to one domain refuses every other: EPERM for privcmd (dm_op,
 * foreign mappings), EACCES for evtchn binds, as the Linux drivers answer. Marks the
 * last recorded call failed and returns false when refused.
 */
static bool restricted_ok(int restricted, uint32_t domid, int err)
{
    if (restricted >= 0 && (uint32_t)restricted != domid) {
        failed(err);
        return false;
    }
    return true;
}

/* Restrict *@restricted to @domid: once, or again to the same domain (else EINVAL). */
static int do_restrict(int *restricted, FakeXenLib lib, domid_t domid)
{
    if (*restricted >= 0 && *restricted != domid) {
        failed(EINVAL);
        return -1;
    }
    *restricted = domid;
    F.restricted[lib] = domid;
    return 0;
}

/* ---- libxenctrl -------------------------------------------------------------------------- */

xc_interface *xc_interface_open(xentoollog_logger *logger, xentoollog_logger *dombuild_logger,
                                unsigned open_flags)
{
    record("xc_interface_open");
    if (inject("xc_interface_open")) {
        return NULL;
    }
    F.open_handles++;
    return g_new0(xc_interface, 1);
}

int xc_interface_close(xc_interface *xch)
{
    record("xc_interface_close");
    g_assert(xch && F.open_handles > 0);
    F.open_handles--;
    g_free(xch);
    return 0;
}

/* The readiness check's physinfo (xen/xen-physinfo.c): capabilities from
 * $FAKE_XEN_PHYSCAP (a number, e.g. 0x5 = hvm | directio), default hvm | directio. */
int xc_physinfo(xc_interface *xch, xc_physinfo_t *info)
{
    const char *env = getenv("FAKE_XEN_PHYSCAP");

    record("xc_physinfo");
    if (inject("xc_physinfo")) {
        return -1;
    }
    memset(info, 0, sizeof(*info));
    info->capabilities = env ? (uint32_t)strtoul(env, NULL, 0)
                             : XEN_SYSCTL_PHYSCAP_hvm | XEN_SYSCTL_PHYSCAP_directio;
    return 0;
}

int xc_domain_memory_mapping(xc_interface *xch, uint32_t domid, unsigned long first_gfn,
                             unsigned long first_mfn, unsigned long nr_mfns,
                             uint32_t add_mapping)
{
    record("xc_domain_memory_mapping dom=%u gfn=0x%lx mfn=0x%lx nr=%lu %s", domid, first_gfn,
           first_mfn, nr_mfns, add_mapping == DPCI_ADD_MAPPING ? "DPCI_ADD_MAPPING"
           : add_mapping == DPCI_REMOVE_MAPPING ? "DPCI_REMOVE_MAPPING" : "?");
    return inject("xc_domain_memory_mapping") ? -1 : 0;
}

int xc_domain_ioport_mapping(xc_interface *xch, uint32_t domid, uint32_t first_gport,
                             uint32_t first_mport, uint32_t nr_ports, uint32_t add_mapping)
{
    record("xc_domain_ioport_mapping dom=%u gport=0x%x mport=0x%x nr=%u %s", domid,
           first_gport, first_mport, nr_ports, add_mapping == DPCI_ADD_MAPPING
           ? "DPCI_ADD_MAPPING" : add_mapping == DPCI_REMOVE_MAPPING ? "DPCI_REMOVE_MAPPING"
           : "?");
    return inject("xc_domain_ioport_mapping") ? -1 : 0;
}

int xc_physdev_map_pirq(xc_interface *xch, uint32_t domid, int index, int *pirq)
{
    record("xc_physdev_map_pirq dom=%u index=%d pirq=%d", domid, index, *pirq);
    if (inject("xc_physdev_map_pirq")) {
        return -1;
    }
    if (*pirq < 0) {
        *pirq = index;
    }
    return 0;
}

int xc_physdev_map_pirq_msi(xc_interface *xch, uint32_t domid, int index, int *pirq, int devfn,
                            int bus, int entry_nr, uint64_t table_base)
{
    record("xc_physdev_map_pirq_msi dom=%u index=%d pirq=%d devfn=0x%x bus=0x%x entry=%d "
           "table=0x%" PRIx64, domid, index, *pirq, devfn, bus, entry_nr, table_base);
    if (inject("xc_physdev_map_pirq_msi")) {
        return -1;
    }
    if (*pirq < 0) {
        *pirq = FAKE_XEN_MSI_PIRQ;
    }
    return 0;
}

/*
 * libxencall, as far as the device model uses it: the xencall handle of an xc_interface
 * and PHYSDEVOP_map_pirq (recorded like xc_physdev_map_pirq_msi, with its type and the
 * segment-carrying bus); buffers are checked to be this library's.
 */
struct xencall_handle {
    int unused;
};
static struct xencall_handle fake_xcall;

xencall_handle *xc_interface_xcall_handle(xc_interface *xch)
{
    g_assert(xch);
    return &fake_xcall;
}

void *xencall_alloc_buffer(xencall_handle *xcall, size_t size)
{
    g_assert(xcall == &fake_xcall);
    if (inject("xencall_alloc_buffer")) {
        return NULL;
    }
    return g_malloc0(size);
}

void xencall_free_buffer(xencall_handle *xcall, void *p)
{
    g_assert(xcall == &fake_xcall);
    g_free(p);
}

int xencall2(xencall_handle *xcall, unsigned int op, uint64_t arg1, uint64_t arg2)
{
    g_assert(xcall == &fake_xcall);
    g_assert_cmpuint(op, ==, __HYPERVISOR_physdev_op);
    g_assert_cmpuint(arg1, ==, PHYSDEVOP_map_pirq);
    physdev_map_pirq_t *map = (physdev_map_pirq_t *)(uintptr_t)arg2;
    record("physdev_op map_pirq dom=%u type=%d index=%d pirq=%d devfn=0x%x bus=0x%x entry=%d "
           "table=0x%" PRIx64, map->domid, map->type, map->index, map->pirq, map->devfn,
           map->bus, map->entry_nr, map->table_base);
    if (inject("physdev_op")) {
        return -1;
    }
    if (map->pirq < 0) {
        map->pirq = FAKE_XEN_MSI_PIRQ;
    }
    return 0;
}

int xc_physdev_unmap_pirq(xc_interface *xch, uint32_t domid, int pirq)
{
    record("xc_physdev_unmap_pirq dom=%u pirq=%d", domid, pirq);
    return inject("xc_physdev_unmap_pirq") ? -1 : 0;
}

void fake_xen_set_features(uint32_t submap0)
{
    ensure_init();
    F.features0 = submap0;
}

/* Only XENVER_get_features (submap 0) is answered; other commands fail with ENOSYS. */
int xc_version(xc_interface *xch, int cmd, void *arg)
{
    record("xc_version cmd=%d", cmd);
    if (inject("xc_version")) {
        return -1;
    }
    if (cmd != XENVER_get_features) {
        errno = ENOSYS;
        return -1;
    }
    xen_feature_info_t *fi = arg;
    fi->submap = fi->submap_idx == 0 ? F.features0 : 0;
    return 0;
}

int xc_domain_send_trigger(xc_interface *xch, uint32_t domid, uint32_t trigger, uint32_t vcpu)
{
    record("xc_domain_send_trigger dom=%u trigger=%u vcpu=%u", domid, trigger, vcpu);
    return inject("xc_domain_send_trigger") ? -1 : 0;
}

int xc_domain_update_msi_irq(xc_interface *xch, uint32_t domid, uint32_t gvec, uint32_t pirq,
                             uint32_t gflags, uint64_t gtable)
{
    record("xc_domain_update_msi_irq dom=%u gvec=0x%x pirq=%u gflags=0x%x gtable=0x%" PRIx64,
           domid, gvec, pirq, gflags, gtable);
    return inject("xc_domain_update_msi_irq") ? -1 : 0;
}

int xc_domain_unbind_msi_irq(xc_interface *xch, uint32_t domid, uint32_t gvec, uint32_t pirq,
                             uint32_t gflags)
{
    record("xc_domain_unbind_msi_irq dom=%u gvec=0x%x pirq=%u gflags=0x%x", domid, gvec, pirq,
           gflags);
    return inject("xc_domain_unbind_msi_irq") ? -1 : 0;
}

int xc_domain_bind_pt_pci_irq(xc_interface *xch, uint32_t domid, uint8_t machine_irq,
                              uint8_t bus, uint8_t device, uint8_t intx)
{
    record("xc_domain_bind_pt_pci_irq dom=%u irq=%u bus=%u dev=%u intx=%u", domid, machine_irq,
           bus, device, intx);
    return inject("xc_domain_bind_pt_pci_irq") ? -1 : 0;
}

int xc_domain_unbind_pt_irq(xc_interface *xch, uint32_t domid, uint8_t machine_irq,
                            uint8_t irq_type, uint8_t bus, uint8_t device, uint8_t intx,
                            uint8_t isa_irq)
{
    record("xc_domain_unbind_pt_irq dom=%u irq=%u type=%s bus=%u dev=%u intx=%u isa_irq=%u",
           domid, machine_irq, irq_type == PT_IRQ_TYPE_PCI ? "PT_IRQ_TYPE_PCI" : "?", bus,
           device, intx, isa_irq);
    return inject("xc_domain_unbind_pt_irq") ? -1 : 0;
}

/* ---- libxendevicemodel ------------------------------------------------------------------- */

xendevicemodel_handle *xendevicemodel_open(struct xentoollog_logger *logger,
                                           unsigned int open_flags)
{
    record("xendevicemodel_open");
    if (inject("xendevicemodel_open")) {
        return NULL;
    }
    F.open_handles++;
    xendevicemodel_handle *dmod = g_new0(xendevicemodel_handle, 1);
    dmod->restricted = -1;
    return dmod;
}

int xendevicemodel_restrict(xendevicemodel_handle *dmod, domid_t domid)
{
    record("xendevicemodel_restrict dom=%u", domid);
    if (inject("xendevicemodel_restrict")) {
        return -1;
    }
    return do_restrict(&dmod->restricted, FAKE_XEN_LIB_DEVICEMODEL, domid);
}

int xendevicemodel_close(xendevicemodel_handle *dmod)
{
    record("xendevicemodel_close");
    g_assert(dmod && F.open_handles > 0);
    F.open_handles--;
    g_free(dmod);
    return 0;
}

int xendevicemodel_nr_vcpus(xendevicemodel_handle *dmod, domid_t domid, unsigned int *vcpus)
{
    record("xendevicemodel_nr_vcpus dom=%u", domid);
    if (inject("xendevicemodel_nr_vcpus") || !restricted_ok(dmod->restricted, domid, EPERM)) {
        return -1;
    }
    *vcpus = F.nr_vcpus;
    return 0;
}

int xendevicemodel_create_ioreq_server(xendevicemodel_handle *dmod, domid_t domid,
                                       int handle_bufioreq, ioservid_t *id)
{
    record("xendevicemodel_create_ioreq_server dom=%u bufioreq=%d", domid, handle_bufioreq);
    if (inject("xendevicemodel_create_ioreq_server") ||
        !restricted_ok(dmod->restricted, domid, EPERM)) {
        return -1;
    }
    g_assert(!F.server);
    F.server = true;
    F.domid = domid;
    *id = FAKE_XEN_IOSERVID;
    return 0;
}

/* Xen checks that the server exists and belongs to this domain: ENOENT otherwise. */
static bool server_ok(domid_t domid, ioservid_t id)
{
    if (!F.server || domid != F.domid || id != FAKE_XEN_IOSERVID) {
        failed(ENOENT);
        return false;
    }
    return true;
}

int xendevicemodel_destroy_ioreq_server(xendevicemodel_handle *dmod, domid_t domid,
                                        ioservid_t id)
{
    record("xendevicemodel_destroy_ioreq_server dom=%u id=%u", domid, id);
    if (inject("xendevicemodel_destroy_ioreq_server") || !restricted_ok(dmod->restricted, domid, EPERM) ||
        !server_ok(domid, id)) {
        return -1;
    }
    F.server = false;
    F.enabled = false;
    g_array_set_size(F.claims, 0);
    return 0;
}

int xendevicemodel_set_ioreq_server_state(xendevicemodel_handle *dmod, domid_t domid,
                                          ioservid_t id, int enabled)
{
    record("xendevicemodel_set_ioreq_server_state dom=%u id=%u enabled=%d", domid, id, enabled);
    if (inject("xendevicemodel_set_ioreq_server_state") || !restricted_ok(dmod->restricted, domid, EPERM) ||
        !server_ok(domid, id)) {
        return -1;
    }
    F.enabled = enabled != 0;
    /* Xen's ioreq_server_enable → ioreq_update_evtchn: each vCPU's port in its slot. */
    if (F.enabled && F.page) {
        for (unsigned i = 0; i < F.nr_vcpus && i < G_N_ELEMENTS(F.bound_local); i++) {
            F.page[i].vp_eport = FAKE_XEN_REMOTE_PORT(i);
        }
    }
    return 0;
}

static int claim_add(int type, uint64_t start, uint64_t end)
{
    for (unsigned i = 0; i < F.claims->len; i++) {
        Claim *c = &g_array_index(F.claims, Claim, i);
        if (c->type == type && start <= c->end && c->start <= end) {
            failed(EEXIST);
            return -1;
        }
    }
    Claim c = { type, start, end };
    g_array_append_val(F.claims, c);
    return 0;
}

static int claim_del(int type, uint64_t start, uint64_t end)
{
    for (unsigned i = 0; i < F.claims->len; i++) {
        Claim *c = &g_array_index(F.claims, Claim, i);
        if (c->type == type && c->start == start && c->end == end) {
            g_array_remove_index(F.claims, i);
            return 0;
        }
    }
    failed(ENOENT);
    return -1;
}

int xendevicemodel_map_io_range_to_ioreq_server(xendevicemodel_handle *dmod, domid_t domid,
                                                ioservid_t id, int is_mmio, uint64_t start,
                                                uint64_t end)
{
    record("xendevicemodel_map_io_range_to_ioreq_server dom=%u id=%u %s 0x%" PRIx64 "-0x%"
           PRIx64, domid, id, is_mmio ? "mmio" : "port", start, end);
    if (inject("xendevicemodel_map_io_range_to_ioreq_server") || !restricted_ok(dmod->restricted, domid, EPERM) ||
        !server_ok(domid, id)) {
        return -1;
    }
    return claim_add(is_mmio ? XEN_DMOP_IO_RANGE_MEMORY : XEN_DMOP_IO_RANGE_PORT, start, end);
}

int xendevicemodel_unmap_io_range_from_ioreq_server(xendevicemodel_handle *dmod, domid_t domid,
                                                    ioservid_t id, int is_mmio, uint64_t start,
                                                    uint64_t end)
{
    record("xendevicemodel_unmap_io_range_from_ioreq_server dom=%u id=%u %s 0x%" PRIx64 "-0x%"
           PRIx64, domid, id, is_mmio ? "mmio" : "port", start, end);
    if (inject("xendevicemodel_unmap_io_range_from_ioreq_server") || !restricted_ok(dmod->restricted, domid, EPERM) ||
        !server_ok(domid, id)) {
        return -1;
    }
    return claim_del(is_mmio ? XEN_DMOP_IO_RANGE_MEMORY : XEN_DMOP_IO_RANGE_PORT, start, end);
}

int xendevicemodel_map_pcidev_to_ioreq_server(xendevicemodel_handle *dmod, domid_t domid,
                                              ioservid_t id, uint16_t segment, uint8_t bus,
                                              uint8_t device, uint8_t function)
{
    record("xendevicemodel_map_pcidev_to_ioreq_server dom=%u id=%u %04x:%02x:%02x.%u", domid,
           id, segment, bus, device, function);
    if (inject("xendevicemodel_map_pcidev_to_ioreq_server") || !restricted_ok(dmod->restricted, domid, EPERM) ||
        !server_ok(domid, id)) {
        return -1;
    }
    uint32_t sbdf = XEN_DMOP_PCI_SBDF(segment, bus, device, function);
    return claim_add(XEN_DMOP_IO_RANGE_PCI, sbdf, sbdf);
}

int xendevicemodel_unmap_pcidev_from_ioreq_server(xendevicemodel_handle *dmod, domid_t domid,
                                                  ioservid_t id, uint16_t segment, uint8_t bus,
                                                  uint8_t device, uint8_t function)
{
    record("xendevicemodel_unmap_pcidev_from_ioreq_server dom=%u id=%u %04x:%02x:%02x.%u",
           domid, id, segment, bus, device, function);
    if (inject("xendevicemodel_unmap_pcidev_from_ioreq_server") || !restricted_ok(dmod->restricted, domid, EPERM) ||
        !server_ok(domid, id)) {
        return -1;
    }
    uint32_t sbdf = XEN_DMOP_PCI_SBDF(segment, bus, device, function);
    return claim_del(XEN_DMOP_IO_RANGE_PCI, sbdf, sbdf);
}

int xendevicemodel_set_pci_link_route(xendevicemodel_handle *dmod, domid_t domid, uint8_t link,
                                      uint8_t irq)
{
    record("xendevicemodel_set_pci_link_route dom=%u link=%u irq=%u", domid, link, irq);
    return inject("xendevicemodel_set_pci_link_route") || !restricted_ok(dmod->restricted, domid, EPERM) ? -1 : 0;
}

int xendevicemodel_set_isa_irq_level(xendevicemodel_handle *dmod, domid_t domid, uint8_t irq,
                                     unsigned int level)
{
    record("xendevicemodel_set_isa_irq_level dom=%u irq=%u level=%u", domid, irq, level);
    return inject("xendevicemodel_set_isa_irq_level") || !restricted_ok(dmod->restricted, domid, EPERM) ? -1 : 0;
}

int xendevicemodel_shutdown(xendevicemodel_handle *dmod, domid_t domid, unsigned int reason)
{
    record("xendevicemodel_shutdown dom=%u reason=%u", domid, reason);
    return inject("xendevicemodel_shutdown") || !restricted_ok(dmod->restricted, domid, EPERM) ? -1 : 0;
}

/* ---- libxenforeignmemory ----------------------------------------------------------------- */

xenforeignmemory_handle *xenforeignmemory_open(struct xentoollog_logger *logger,
                                               unsigned open_flags)
{
    record("xenforeignmemory_open");
    if (inject("xenforeignmemory_open")) {
        return NULL;
    }
    F.open_handles++;
    xenforeignmemory_handle *fmem = g_new0(xenforeignmemory_handle, 1);
    fmem->restricted = -1;
    return fmem;
}

int xenforeignmemory_restrict(xenforeignmemory_handle *fmem, domid_t domid)
{
    record("xenforeignmemory_restrict dom=%u", domid);
    if (inject("xenforeignmemory_restrict")) {
        return -1;
    }
    return do_restrict(&fmem->restricted, FAKE_XEN_LIB_FOREIGNMEMORY, domid);
}

int xenforeignmemory_close(xenforeignmemory_handle *fmem)
{
    record("xenforeignmemory_close");
    g_assert(fmem && F.open_handles > 0);
    F.open_handles--;
    g_free(fmem);
    return 0;
}

void *xenforeignmemory_map(xenforeignmemory_handle *fmem, uint32_t dom, int prot, size_t pages,
                           const xen_pfn_t arr[], int err[])
{
    record("xenforeignmemory_map dom=%u gfn=0x%lx pages=%zu prot=%s", dom,
           pages ? (unsigned long)arr[0] : 0ul, pages,
           prot == PROT_READ ? "r" : prot == (PROT_READ | PROT_WRITE) ? "rw" : "?");
    if (inject("xenforeignmemory_map") || !restricted_ok(fmem->restricted, dom, EPERM)) {
        return NULL;
    }
    if (pages != 1 || dom != F.domid || err) {
        failed(EINVAL);
        return NULL;
    }
    uint8_t *p = fake_xen_guest_page(arr[0]);
    if (!p) {
        failed(EFAULT);
        return NULL;
    }
    unsigned n = GPOINTER_TO_UINT(g_hash_table_lookup(F.maps, p));
    g_hash_table_insert(F.maps, p, GUINT_TO_POINTER(n + 1));
    F.foreign_mapped++;
    return p;
}

int xenforeignmemory_unmap(xenforeignmemory_handle *fmem, void *addr, size_t pages)
{
    record("xenforeignmemory_unmap pages=%zu", pages);
    unsigned n = GPOINTER_TO_UINT(g_hash_table_lookup(F.maps, addr));
    if (inject("xenforeignmemory_unmap")) {
        return -1;
    }
    if (n == 0 || pages != 1) {
        failed(EINVAL);
        return -1;
    }
    if (n == 1) {
        g_hash_table_remove(F.maps, addr);
    } else {
        g_hash_table_insert(F.maps, addr, GUINT_TO_POINTER(n - 1));
    }
    F.foreign_mapped--;
    return 0;
}

xenforeignmemory_resource_handle *xenforeignmemory_map_resource(
    xenforeignmemory_handle *fmem, domid_t domid, unsigned int type, unsigned int id,
    unsigned long frame, unsigned long nr_frames, void **paddr, int prot, int flags)
{
    record("xenforeignmemory_map_resource dom=%u type=%u id=%u frame=%lu nr=%lu prot=%s", domid,
           type, id, frame, nr_frames,
           prot == (PROT_READ | PROT_WRITE) ? "rw" : "?");
    if (inject("xenforeignmemory_map_resource") ||
        !restricted_ok(fmem->restricted, domid, EPERM)) {
        return NULL;
    }
    if (type != XENMEM_resource_ioreq_server || !server_ok(domid, (ioservid_t)id)) {
        return NULL;
    }
    /* Xen 4.17 ioreq_server_get_frame: no buffered page without bufioreq. */
    if (frame == XENMEM_resource_ioreq_server_frame_bufioreq) {
        failed(ENOENT);
        return NULL;
    }
    if (frame != XENMEM_resource_ioreq_server_frame_ioreq(0) || nr_frames != 1 || F.page) {
        failed(EINVAL);
        return NULL;
    }
    void *page = mmap(NULL, XC_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                      -1, 0);
    g_assert(page != MAP_FAILED);
    F.page = page;
    *paddr = page;
    xenforeignmemory_resource_handle *fres = g_new0(xenforeignmemory_resource_handle, 1);
    fres->addr = page;
    return fres;
}

int xenforeignmemory_unmap_resource(xenforeignmemory_handle *fmem,
                                    xenforeignmemory_resource_handle *fres)
{
    record("xenforeignmemory_unmap_resource");
    g_assert(fres && fres->addr == F.page);
    if (inject("xenforeignmemory_unmap_resource")) {
        return -1;
    }
    munmap(F.page, XC_PAGE_SIZE);
    F.page = NULL;
    g_free(fres);
    return 0;
}

/* ---- libxenevtchn ------------------------------------------------------------------------ */

xenevtchn_handle *xenevtchn_open(struct xentoollog_logger *logger, unsigned int flags)
{
    record("xenevtchn_open");
    if (inject("xenevtchn_open")) {
        return NULL;
    }
    g_assert(F.efd < 0);
    F.efd = eventfd(0, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC);
    g_assert(F.efd >= 0);
    F.open_handles++;
    xenevtchn_handle *xce = g_new0(xenevtchn_handle, 1);
    xce->efd = F.efd;
    xce->restricted = -1;
    return xce;
}

int xenevtchn_restrict(xenevtchn_handle *xce, domid_t domid)
{
    record("xenevtchn_restrict dom=%u", domid);
    if (inject("xenevtchn_restrict")) {
        return -1;
    }
    return do_restrict(&xce->restricted, FAKE_XEN_LIB_EVTCHN, domid);
}

int xenevtchn_close(xenevtchn_handle *xce)
{
    record("xenevtchn_close");
    g_assert(xce && xce->efd == F.efd && F.open_handles > 0);
    close(F.efd);
    F.efd = -1;
    g_queue_clear(&F.pending);
    F.open_handles--;
    g_free(xce);
    return 0;
}

int xenevtchn_fd(xenevtchn_handle *xce)
{
    record("xenevtchn_fd");
    return xce->efd;
}

static int vcpu_of_local(evtchn_port_t port)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(F.bound_local); i++) {
        if (F.bound_local[i] >= 0 && (evtchn_port_t)F.bound_local[i] == port) {
            return (int)i;
        }
    }
    return -1;
}

xenevtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *xce, uint32_t domid,
                                                     evtchn_port_t remote_port)
{
    record("xenevtchn_bind_interdomain dom=%u remote=%u", domid, remote_port);
    if (inject("xenevtchn_bind_interdomain") || !restricted_ok(xce->restricted, domid, EACCES)) {
        return -1;
    }
    /* Only an enabled server's vCPU ports are unbound ports offered to this domain. */
    unsigned vcpu = remote_port - FAKE_XEN_REMOTE_PORT(0);
    if (!F.enabled || domid != F.domid || remote_port < FAKE_XEN_REMOTE_PORT(0) ||
        vcpu >= F.nr_vcpus || F.bound_local[vcpu] >= 0) {
        failed(EINVAL);
        return -1;
    }
    F.bound_local[vcpu] = F.next_local++;
    return F.bound_local[vcpu];
}

int xenevtchn_unbind(xenevtchn_handle *xce, evtchn_port_t port)
{
    record("xenevtchn_unbind port=%u", port);
    if (inject("xenevtchn_unbind")) {
        return -1;
    }
    int vcpu = vcpu_of_local(port);
    if (vcpu < 0) {
        failed(EINVAL);
        return -1;
    }
    F.bound_local[vcpu] = -1;
    return 0;
}

xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *xce)
{
    record("xenevtchn_pending");
    if (inject("xenevtchn_pending")) {
        return -1;
    }
    if (g_queue_is_empty(&F.pending)) {
        failed(EAGAIN);
        return -1;
    }
    uint64_t v;
    g_assert(read(F.efd, &v, sizeof(v)) == sizeof(v));
    uint32_t port = GPOINTER_TO_UINT(g_queue_pop_head(&F.pending));
    g_free(F.calls->pdata[F.calls->len - 1]);
    F.calls->pdata[F.calls->len - 1] = g_strdup_printf("xenevtchn_pending port=%u", port);
    return (xenevtchn_port_or_error_t)port;
}

int xenevtchn_unmask(xenevtchn_handle *xce, evtchn_port_t port)
{
    record("xenevtchn_unmask port=%u", port);
    return inject("xenevtchn_unmask") ? -1 : 0;
}

int xenevtchn_notify(xenevtchn_handle *xce, evtchn_port_t port)
{
    record("xenevtchn_notify port=%u", port);
    if (inject("xenevtchn_notify")) {
        return -1;
    }
    if (vcpu_of_local(port) < 0) {
        failed(EINVAL);
        return -1;
    }
    return 0;
}

/* ---- libxenstore ------------------------------------------------------------------------- */

struct xs_handle *xs_open(unsigned long flags)
{
    record("xs_open");
    if (inject("xs_open")) {
        return NULL;
    }
    F.open_handles++;
    return g_new0(struct xs_handle, 1);
}

void xs_close(struct xs_handle *xsh)
{
    record("xs_close");
    if (xsh) {
        g_assert(F.open_handles > 0);
        F.open_handles--;
        g_free(xsh);
    }
}

bool xs_write(struct xs_handle *h, xs_transaction_t t, const char *path, const void *data,
              unsigned int len)
{
    g_autofree char *value = g_strndup(data, len);
    record("xs_write %s %s", path, value);
    if (inject("xs_write")) {
        return false;
    }
    g_hash_table_insert(F.xenstore, g_strdup(path), g_steal_pointer(&value));
    return true;
}
