/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A window of a host memory BAR through sysfs resourceN, or a shadow; see host-bar.h. */
#include "hw/host/host-bar.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/error.h"

#define HB_PAGE_SIZE 4096u
#define HB_MAX_LEN (16u << 20)

struct XptHostBar {
    char *path;             /* resource file, NULL in shadow mode */
    uint64_t offset;        /* window start, BAR byte offset */
    uint64_t len;           /* window length, bytes */
    bool shadow;
    uint8_t *shadow_buf;    /* len bytes (shadow mode), allocated at the first write of
                             * a non-zero value: until then every byte reads 0 */
    void *map;              /* mmap of the file pages covering the window */
    size_t map_len;
    uint8_t *win;           /* address of BAR byte @offset inside map or shadow_buf
                             * (NULL while shadow_buf is) */
};

static uint64_t page_ceil(uint64_t v)
{
    return (v + HB_PAGE_SIZE - 1) & ~(uint64_t)(HB_PAGE_SIZE - 1);
}

XptHostBar *xpt_host_bar_open(const XptHostBarOptions *o, GError **errp)
{
    const char *sbdf = o->sbdf ? o->sbdf : "?";
    if (o->bar > 5 || o->len == 0 || o->len > HB_MAX_LEN || o->offset % HB_PAGE_SIZE ||
        o->len % HB_PAGE_SIZE || o->offset + o->len < o->offset ||
        o->base_in_page >= HB_PAGE_SIZE || !o->sbdf) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "%s: invalid host BAR window (BAR %u, offset 0x%" G_GINT64_MODIFIER
                    "x, %" G_GUINT64_FORMAT " bytes)", sbdf, o->bar, o->offset, o->len);
        return NULL;
    }
    g_autoptr(XptHostBar) hb = g_new0(XptHostBar, 1);
    hb->offset = o->offset;
    hb->len = o->len;
    hb->shadow = o->shadow;
    if (o->shadow) {
        /* No buffer yet: zeroing a page per MSI-X device at attach, for a shadow that
         * is rarely written, was an eighth of a sysfs device's attach (issue 15). */
        return g_steal_pointer(&hb);
    }

    hb->path = g_strdup_printf("%s/bus/pci/devices/%s/resource%u",
                               o->sysfs_root ? o->sysfs_root : "/sys", sbdf, o->bar);
    /* File range: BAR bytes [offset, offset+len) are at file offsets + base_in_page. */
    uint64_t file_start = o->offset;                       /* page-aligned */
    uint64_t file_end = page_ceil(o->offset + o->len + o->base_in_page);
    int fd = open(hb->path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        xpt_error_set_errno(errp, errno, "%s: cannot open %s for the MSI-X table pages",
                            sbdf, hb->path);
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        xpt_error_set_errno(errp, e, "%s: cannot stat %s", sbdf, hb->path);
        return NULL;
    }
    /* A page wholly past the end of a regular file would fault (SIGBUS) when touched;
     * sysfs resource files report the BAR size. */
    if (st.st_size < 0 || file_end > page_ceil((uint64_t)st.st_size)) {
        close(fd);
        g_set_error(errp, XPT_ERROR, XPT_ERROR_IO,
                    "%s: %s is %" G_GINT64_FORMAT " bytes, too short for BAR bytes 0x%"
                    G_GINT64_MODIFIER "x-0x%" G_GINT64_MODIFIER "x", sbdf, hb->path,
                    (gint64)st.st_size, o->offset, o->offset + o->len - 1);
        return NULL;
    }
    hb->map_len = (size_t)(file_end - file_start);
    void *p = mmap(NULL, hb->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
                   (off_t)file_start);
    int e = errno;
    close(fd);   /* the mapping keeps the file */
    if (p == MAP_FAILED) {
        hb->map_len = 0;
        xpt_error_set_errno(errp, e, "%s: cannot mmap %s (offset 0x%" G_GINT64_MODIFIER
                            "x, %zu bytes)", sbdf, hb->path, file_start,
                            (size_t)(file_end - file_start));
        return NULL;
    }
    hb->map = p;
    hb->win = (uint8_t *)p + o->base_in_page;
    return g_steal_pointer(&hb);
}

void xpt_host_bar_close(XptHostBar *hb)
{
    if (!hb) {
        return;
    }
    if (hb->map) {
        munmap(hb->map, hb->map_len);
    }
    g_free(hb->shadow_buf);
    g_free(hb->path);
    g_free(hb);
}

bool xpt_host_bar_is_shadow(const XptHostBar *hb)
{
    return hb->shadow;
}

const char *xpt_host_bar_path(const XptHostBar *hb)
{
    return hb->path ? hb->path : "";
}

bool xpt_host_bar_access_ok(const XptHostBar *hb, uint64_t offset, unsigned size)
{
    return (size == 4 || size == 8) && offset % size == 0 && offset >= hb->offset &&
           offset - hb->offset < hb->len && hb->len - (offset - hb->offset) >= size;
}

uint64_t xpt_host_bar_read(XptHostBar *hb, uint64_t offset, unsigned size)
{
    if (!xpt_host_bar_access_ok(hb, offset, size)) {
        return size == 4 ? 0xFFFFFFFFull : ~0ull;
    }
    if (hb->shadow && !hb->win) {
        return 0;                               /* a shadow never written */
    }
    uint8_t *p = hb->win + (offset - hb->offset);
    if (hb->shadow) {
        uint64_t v = 0;
        for (unsigned i = 0; i < size; i++) {
            v |= (uint64_t)p[i] << (8 * i);     /* little-endian, as the device */
        }
        return v;
    }
    if (size == 4) {
        return GUINT32_FROM_LE(*(volatile uint32_t *)p);
    }
    return GUINT64_FROM_LE(*(volatile uint64_t *)p);
}

bool xpt_host_bar_write(XptHostBar *hb, uint64_t offset, uint64_t val, unsigned size)
{
    if (!xpt_host_bar_access_ok(hb, offset, size)) {
        return false;
    }
    if (hb->shadow && !hb->win) {
        if (!val) {
            return true;                        /* every byte reads 0 already */
        }
        hb->shadow_buf = g_malloc0(hb->len);    /* len ≤ 16 MiB (xpt_host_bar_open) */
        hb->win = hb->shadow_buf;
    }
    uint8_t *p = hb->win + (offset - hb->offset);
    if (hb->shadow) {
        for (unsigned i = 0; i < size; i++) {
            p[i] = (uint8_t)(val >> (8 * i));
        }
    } else if (size == 4) {
        *(volatile uint32_t *)p = GUINT32_TO_LE((uint32_t)val);
    } else {
        *(volatile uint64_t *)p = GUINT64_TO_LE(val);
    }
    return true;
}
