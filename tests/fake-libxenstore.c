/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fake libxenstore: xs_write into the fake's store (tests/fake-libxen.h). */
#include "tests/fake-libxen-int.h"

#include <string.h>

struct xs_handle *xs_open(unsigned long flags)
{
    fxen_record("xs_open");
    if (fxen_inject("xs_open")) {
        return NULL;
    }
    fake_xen.open_handles++;
    return g_new0(struct xs_handle, 1);
}

void xs_close(struct xs_handle *xsh)
{
    fxen_record("xs_close");
    if (xsh) {
        g_assert(fake_xen.open_handles > 0);
        fake_xen.open_handles--;
        g_free(xsh);
    }
}

bool xs_write(struct xs_handle *h, xs_transaction_t t, const char *path, const void *data,
              unsigned int len)
{
    g_autofree char *value = g_strndup(data, len);
    fxen_record("xs_write %s %s", path, value);
    if (fxen_inject("xs_write")) {
        return false;
    }
    g_hash_table_insert(fake_xen.xenstore, g_strdup(path), g_steal_pointer(&value));
    return true;
}
