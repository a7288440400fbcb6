/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One parsed lspci dump per file, shared by its devices; see hw/host/dump-source.h. */
#include "hw/host/dump-source.h"

#include <string.h>

#include "hw/host/host-libpci.h"
#include "util/error.h"
#include "util/file.h"

struct XptDumpSource {
    gint ref;
    char *path;
    char *text;                 /* the bytes that were parsed, NUL-terminated */
    size_t len;
    struct pci_access *acc;     /* libpci's dump method, scanned */
    XptDumpIndex *index;
    XptDumpLayout *layout;      /* NULL until first asked for */
};

static GHashTable *cache;       /* path → XptDumpSource (one reference) */
static unsigned parses;

XptDumpSource *xpt_dump_source_ref(XptDumpSource *src)
{
    g_atomic_int_inc(&src->ref);
    return src;
}

void xpt_dump_source_unref(XptDumpSource *src)
{
    if (!src || !g_atomic_int_dec_and_test(&src->ref)) {
        return;
    }
    if (src->acc) {
        pci_cleanup(src->acc);
    }
    xpt_host_dump_index_free(src->index);
    xpt_dump_layout_free(src->layout);
    g_free(src->text);
    g_free(src->path);
    g_free(src);
}

XptDumpSource *xpt_dump_source_get(const char *file, const char *who, GError **errp)
{
    size_t len = 0;
    char why[XPT_LIBPCI_MSG_LEN];
    /* The file read whole, without blocking on a FIFO (util/file.h): it is both the
     * check of what the path names and the key that tells whether the cache is fresh. */
    g_autofree uint8_t *bytes = xpt_file_read_regular(file, who, "host-dump", XPT_FILE_MAX,
                                                      &len, errp);
    if (!bytes) {
        return NULL;
    }

    XptDumpSource *cached = cache ? g_hash_table_lookup(cache, file) : NULL;
    if (cached && cached->len == len && memcmp(cached->text, bytes, len) == 0) {
        return xpt_dump_source_ref(cached);
    }

    g_autoptr(XptDumpSource) src = g_new0(XptDumpSource, 1);
    src->ref = 1;
    src->path = g_strdup(file);
    src->len = len;
    src->text = g_realloc(g_steal_pointer(&bytes), len + 1);
    src->text[len] = '\0';
    src->acc = xpt_libpci_new(file, NULL, false, who, errp);
    if (!src->acc) {
        return NULL;
    }
    /* libpci reads the file again by name; a change in between is caught by the next
     * get, whose bytes then differ from src->text. */
    parses++;
    if (!xpt_libpci_init_scan(src->acc, why)) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_NOT_FOUND,
                    "%s: cannot open dump %s (%s); check the host-dump= path", who, file,
                    why);
        return NULL;
    }
    if (!src->acc->devices) {
        /* issue 13 item 11: /etc/passwd is no "no such device" */
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "%s: host-dump %s is not an lspci dump (no device line such as "
                    "'01:00.0 Ethernet controller: ...' with hex rows under it); give it "
                    "the output of `lspci -vv -xxx` run as root", who, file);
        return NULL;
    }
    src->index = xpt_host_dump_index_new(src->text);

    if (!cache) {
        cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify)xpt_dump_source_unref);
    }
    g_hash_table_replace(cache, g_strdup(file), xpt_dump_source_ref(src));
    return g_steal_pointer(&src);
}

struct pci_dev *xpt_dump_source_find(XptDumpSource *src, unsigned domain, unsigned bus,
                                     unsigned dev, unsigned fn)
{
    for (struct pci_dev *d = src->acc->devices; d; d = d->next) {
        if ((unsigned)d->domain == domain && d->bus == bus && d->dev == dev &&
            d->func == fn) {
            return d;
        }
    }
    return NULL;
}

const XptDumpIndex *xpt_dump_source_index(const XptDumpSource *src)
{
    return src->index;
}

const XptDumpLayout *xpt_dump_source_layout(XptDumpSource *src, GError **errp)
{
    if (!src->layout) {
        src->layout = xpt_dump_layout_from_access(src->acc, src->path, errp);
    }
    return src->layout;
}

void xpt_dump_source_cache_clear(void)
{
    if (cache) {
        g_hash_table_destroy(cache);
        cache = NULL;
    }
}

unsigned xpt_dump_source_parses(void)
{
    return parses;
}
