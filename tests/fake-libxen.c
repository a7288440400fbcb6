/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fake libxen for the xen accelerator's tests (tests/fake-libxen.h). Tests only: linked
 * into build/tests/test-xen-accel* in place of -lxenctrl -lxendevicemodel
 * -lxenforeignmemory -lxenevtchn -lxenstore. Every function has the prototype of the
 * real header; no Xen ABI structure is redefined. This file holds the state, the
 * recording and failure injection and the test API's queries; each library's functions
 * are in tests/fake-libxen{ctrl,devicemodel,foreignmemory,evtchn,store}.c.
 */
#include "tests/fake-libxen-int.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

FakeXenState fake_xen;

void fxen_ensure_init(void)
{
    if (!fake_xen.init) {
        fake_xen_reset(1);
    }
}

void fake_xen_reset(unsigned nr_vcpus)
{
    if (fake_xen.init) {
        g_ptr_array_free(fake_xen.calls, TRUE);
        g_hash_table_destroy(fake_xen.fail);
        g_array_free(fake_xen.claims, TRUE);
        g_hash_table_destroy(fake_xen.ram);
        g_hash_table_destroy(fake_xen.maps);
        g_hash_table_destroy(fake_xen.xenstore);
        g_queue_clear(&fake_xen.pending);
        if (fake_xen.page) {
            munmap(fake_xen.page, XC_PAGE_SIZE);
        }
        if (fake_xen.efd >= 0) {
            close(fake_xen.efd);
        }
    }
    memset(&fake_xen, 0, sizeof(fake_xen));
    fake_xen.init = true;
    fake_xen.nr_vcpus = nr_vcpus;
    fake_xen.features0 = 0;
    fake_xen.calls = g_ptr_array_new_with_free_func(g_free);
    fake_xen.fail = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    fake_xen.claims = g_array_new(FALSE, FALSE, sizeof(Claim));
    fake_xen.ram = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
    fake_xen.maps = g_hash_table_new(g_direct_hash, g_direct_equal);
    fake_xen.xenstore = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    fake_xen.efd = -1;
    fake_xen.next_local = FAKE_XEN_FIRST_LOCAL_PORT;
    for (unsigned i = 0; i < G_N_ELEMENTS(fake_xen.restricted); i++) {
        fake_xen.restricted[i] = -1;
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(fake_xen.bound_local); i++) {
        fake_xen.bound_local[i] = -1;
    }
    g_queue_init(&fake_xen.pending);
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


void fxen_record(const char *fmt, ...)
{
    fxen_ensure_init();
    va_list ap;
    va_start(ap, fmt);
    g_ptr_array_add(fake_xen.calls, g_strdup_vprintf(fmt, ap));
    va_end(ap);
}

/* Mark the last recorded call failed with @err and set errno. */
void fxen_failed(int err)
{
    char *last = g_ptr_array_index(fake_xen.calls, fake_xen.calls->len - 1);
    fake_xen.calls->pdata[fake_xen.calls->len - 1] =
        g_strdup_printf("%s = -1 (%s)", last, errno_name(err));
    g_free(last);
    errno = err;
}

/* If a failure was injected for @name: consume it, mark the call failed, return true. */
bool fxen_inject(const char *name)
{
    fxen_ensure_init();
    gpointer v;
    if (!g_hash_table_lookup_extended(fake_xen.fail, name, NULL, &v)) {
        return false;
    }
    int err = GPOINTER_TO_INT(v);
    g_hash_table_remove(fake_xen.fail, name);
    fxen_failed(err);
    return true;
}

void fake_xen_fail(const char *name, int err)
{
    fxen_ensure_init();
    g_hash_table_insert(fake_xen.fail, g_strdup(name), GINT_TO_POINTER(err));
}

GPtrArray *fake_xen_calls(void)
{
    fxen_ensure_init();
    return fake_xen.calls;
}

char *fake_xen_calls_text(void)
{
    fxen_ensure_init();
    GString *s = g_string_new(NULL);
    for (unsigned i = 0; i < fake_xen.calls->len; i++) {
        g_string_append_printf(s, "  %s\n", (char *)g_ptr_array_index(fake_xen.calls, i));
    }
    return g_string_free(s, FALSE);
}

void fake_xen_calls_clear(void)
{
    fxen_ensure_init();
    g_ptr_array_set_size(fake_xen.calls, 0);
}

int fake_xen_find_call(const char *prefix, unsigned from)
{
    fxen_ensure_init();
    for (unsigned i = from; i < fake_xen.calls->len; i++) {
        if (g_str_has_prefix(g_ptr_array_index(fake_xen.calls, i), prefix)) {
            return (int)i;
        }
    }
    return -1;
}

/* ---- state queries ------------------------------------------------------------------------ */

ioreq_t *fake_xen_ioreq_page(void)
{
    fxen_ensure_init();
    return fake_xen.page;
}

int fake_xen_local_port(unsigned vcpu)
{
    fxen_ensure_init();
    return vcpu < G_N_ELEMENTS(fake_xen.bound_local) ? fake_xen.bound_local[vcpu] : -1;
}

void fake_xen_evtchn_fire(uint32_t port)
{
    fxen_ensure_init();
    g_assert(fake_xen.efd >= 0);
    g_queue_push_tail(&fake_xen.pending, GUINT_TO_POINTER(port));
    uint64_t one = 1;
    g_assert(write(fake_xen.efd, &one, sizeof(one)) == sizeof(one));
}

uint8_t *fake_xen_guest_page(uint64_t gfn)
{
    fxen_ensure_init();
    if (gfn >= FAKE_XEN_RAM_PAGES) {
        return NULL;
    }
    uint8_t *p = g_hash_table_lookup(fake_xen.ram, &gfn);
    if (!p) {
        p = g_malloc0(XC_PAGE_SIZE);
        g_hash_table_insert(fake_xen.ram, g_memdup2(&gfn, sizeof(gfn)), p);
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
    fxen_ensure_init();
    return g_hash_table_lookup(fake_xen.xenstore, path);
}

int fake_xen_restricted(FakeXenLib lib)
{
    fxen_ensure_init();
    g_assert((unsigned)lib < G_N_ELEMENTS(fake_xen.restricted));
    return fake_xen.restricted[lib];
}

unsigned fake_xen_open_handles(void) { fxen_ensure_init(); return fake_xen.open_handles; }
bool fake_xen_server_exists(void) { fxen_ensure_init(); return fake_xen.server; }
bool fake_xen_server_enabled(void) { fxen_ensure_init(); return fake_xen.enabled; }
bool fake_xen_resource_mapped(void) { fxen_ensure_init(); return fake_xen.page != NULL; }
unsigned fake_xen_foreign_mappings(void) { fxen_ensure_init(); return fake_xen.foreign_mapped; }
unsigned fake_xen_claims(void) { fxen_ensure_init(); return fake_xen.claims->len; }

unsigned fake_xen_bound_ports(void)
{
    fxen_ensure_init();
    unsigned n = 0;
    for (unsigned i = 0; i < G_N_ELEMENTS(fake_xen.bound_local); i++) {
        n += fake_xen.bound_local[i] >= 0;
    }
    return n;
}

/* ---- restriction (Linux privcmd IOCTL_PRIVCMD_RESTRICT, evtchn RESTRICT_DOMID) ------------ */

/*
 * A handle restricted to one domain refuses every other: EPERM for privcmd (dm_op,
 * foreign mappings), EACCES for evtchn binds, as the Linux drivers answer. Marks the
 * last recorded call failed and returns false when refused.
 */
bool fxen_restricted_ok(int restricted, uint32_t domid, int err)
{
    if (restricted >= 0 && (uint32_t)restricted != domid) {
        fxen_failed(err);
        return false;
    }
    return true;
}

/* Restrict *@restricted to @domid: once, or again to the same domain (else EINVAL). */
int fxen_do_restrict(int *restricted, FakeXenLib lib, domid_t domid)
{
    if (*restricted >= 0 && *restricted != domid) {
        fxen_failed(EINVAL);
        return -1;
    }
    *restricted = domid;
    fake_xen.restricted[lib] = domid;
    return 0;
}
