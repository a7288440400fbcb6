/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fake libxenforeignmemory (tests/fake-libxen.h): the ioreq page as a resource, and guest
 * memory.
 */
#include "tests/fake-libxen-int.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

xenforeignmemory_handle *xenforeignmemory_open(struct xentoollog_logger *logger,
                                               unsigned open_flags)
{
    fxen_record("xenforeignmemory_open");
    if (fxen_inject("xenforeignmemory_open")) {
        return NULL;
    }
    fake_xen.open_handles++;
    xenforeignmemory_handle *fmem = g_new0(xenforeignmemory_handle, 1);
    fmem->restricted = -1;
    return fmem;
}

int xenforeignmemory_restrict(xenforeignmemory_handle *fmem, domid_t domid)
{
    fxen_record("xenforeignmemory_restrict dom=%u", domid);
    if (fxen_inject("xenforeignmemory_restrict")) {
        return -1;
    }
    return fxen_do_restrict(&fmem->restricted, FAKE_XEN_LIB_FOREIGNMEMORY, domid);
}

int xenforeignmemory_close(xenforeignmemory_handle *fmem)
{
    fxen_record("xenforeignmemory_close");
    g_assert(fmem && fake_xen.open_handles > 0);
    fake_xen.open_handles--;
    g_free(fmem);
    return 0;
}

void *xenforeignmemory_map(xenforeignmemory_handle *fmem, uint32_t dom, int prot, size_t pages,
                           const xen_pfn_t arr[], int err[])
{
    fxen_record("xenforeignmemory_map dom=%u gfn=0x%lx pages=%zu prot=%s", dom,
                pages ? (unsigned long)arr[0] : 0ul, pages,
           prot == PROT_READ ? "r" : prot == (PROT_READ | PROT_WRITE) ? "rw" : "?");
    if (fxen_inject("xenforeignmemory_map") || !fxen_restricted_ok(fmem->restricted, dom, EPERM)) {
        return NULL;
    }
    if (pages != 1 || dom != fake_xen.domid || err) {
        fxen_failed(EINVAL);
        return NULL;
    }
    uint8_t *p = fake_xen_guest_page(arr[0]);
    if (!p) {
        fxen_failed(EFAULT);
        return NULL;
    }
    unsigned n = GPOINTER_TO_UINT(g_hash_table_lookup(fake_xen.maps, p));
    g_hash_table_insert(fake_xen.maps, p, GUINT_TO_POINTER(n + 1));
    fake_xen.foreign_mapped++;
    return p;
}

int xenforeignmemory_unmap(xenforeignmemory_handle *fmem, void *addr, size_t pages)
{
    fxen_record("xenforeignmemory_unmap pages=%zu", pages);
    unsigned n = GPOINTER_TO_UINT(g_hash_table_lookup(fake_xen.maps, addr));
    if (fxen_inject("xenforeignmemory_unmap")) {
        return -1;
    }
    if (n == 0 || pages != 1) {
        fxen_failed(EINVAL);
        return -1;
    }
    if (n == 1) {
        g_hash_table_remove(fake_xen.maps, addr);
    } else {
        g_hash_table_insert(fake_xen.maps, addr, GUINT_TO_POINTER(n - 1));
    }
    fake_xen.foreign_mapped--;
    return 0;
}

xenforeignmemory_resource_handle *xenforeignmemory_map_resource(
    xenforeignmemory_handle *fmem, domid_t domid, unsigned int type, unsigned int id,
    unsigned long frame, unsigned long nr_frames, void **paddr, int prot, int flags)
{
    fxen_record("xenforeignmemory_map_resource dom=%u type=%u id=%u frame=%lu nr=%lu prot=%s",
                domid, type, id, frame, nr_frames,
                prot == (PROT_READ | PROT_WRITE) ? "rw" : "?");
    if (fxen_inject("xenforeignmemory_map_resource") ||
        !fxen_restricted_ok(fmem->restricted, domid, EPERM)) {
        return NULL;
    }
    if (type != XENMEM_resource_ioreq_server || !fxen_server_ok(domid, (ioservid_t)id)) {
        return NULL;
    }
    /* Xen 4.17 ioreq_server_get_frame: no buffered page without bufioreq. */
    if (frame == XENMEM_resource_ioreq_server_frame_bufioreq) {
        fxen_failed(ENOENT);
        return NULL;
    }
    if (frame != XENMEM_resource_ioreq_server_frame_ioreq(0) || nr_frames != 1 || fake_xen.page) {
        fxen_failed(EINVAL);
        return NULL;
    }
    void *page = mmap(NULL, XC_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                      -1, 0);
    g_assert(page != MAP_FAILED);
    fake_xen.page = page;
    *paddr = page;
    xenforeignmemory_resource_handle *fres = g_new0(xenforeignmemory_resource_handle, 1);
    fres->addr = page;
    return fres;
}

int xenforeignmemory_unmap_resource(xenforeignmemory_handle *fmem,
                                    xenforeignmemory_resource_handle *fres)
{
    fxen_record("xenforeignmemory_unmap_resource");
    g_assert(fres && fres->addr == fake_xen.page);
    if (fxen_inject("xenforeignmemory_unmap_resource")) {
        return -1;
    }
    munmap(fake_xen.page, XC_PAGE_SIZE);
    fake_xen.page = NULL;
    g_free(fres);
    return 0;
}
