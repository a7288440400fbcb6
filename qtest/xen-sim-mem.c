/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Data structures of the simulated hypervisor (qtest/xen-sim-int.h): range sets with
 * Xen's merge and limit semantics (xen/common/rangeset.c), p2m MMIO extents, and sparse
 * 4 KiB page stores for guest RAM and the shadow of host MMIO.
 */
#include "qtest/xen-sim-int.h"

#include <errno.h>
#include <string.h>

/* ---- range sets ------------------------------------------------------------------------ */

void sim_rs_init(SimRangeset *rs, unsigned limit)
{
    rs->ranges = g_array_new(FALSE, FALSE, sizeof(SimRange));
    rs->limit = limit;
}

void sim_rs_destroy(SimRangeset *rs)
{
    if (rs->ranges) {
        g_array_free(rs->ranges, TRUE);
        rs->ranges = NULL;
    }
}

void sim_rs_clear(SimRangeset *rs)
{
    g_array_set_size(rs->ranges, 0);
}

guint sim_rs_len(const SimRangeset *rs)
{
    return rs->ranges->len;
}

const SimRange *sim_rs_get(const SimRangeset *rs, guint i)
{
    return &g_array_index(rs->ranges, SimRange, i);
}

/* Index of the first range whose end is ≥ @v (ranges->len if none). */
static guint rs_first_ending_at_or_after(const SimRangeset *rs, uint64_t v)
{
    guint lo = 0, hi = rs->ranges->len;
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        if (g_array_index(rs->ranges, SimRange, mid).e < v) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

bool sim_rs_contains(const SimRangeset *rs, uint64_t s, uint64_t e)
{
    guint i = rs_first_ending_at_or_after(rs, s);
    if (i >= rs->ranges->len) {
        return false;
    }
    const SimRange *r = sim_rs_get(rs, i);
    return r->s <= s && r->e >= e;
}

bool sim_rs_overlaps(const SimRangeset *rs, uint64_t s, uint64_t e)
{
    guint i = rs_first_ending_at_or_after(rs, s);
    return i < rs->ranges->len && sim_rs_get(rs, i)->s <= e;
}

int sim_rs_add(SimRangeset *rs, uint64_t s, uint64_t e)
{
    /* First range that overlaps or touches [s, e]: its end is ≥ s - 1. */
    guint i = rs_first_ending_at_or_after(rs, s ? s - 1 : 0);
    guint j = i;
    uint64_t ms = s, me = e;
    while (j < rs->ranges->len) {
        const SimRange *r = sim_rs_get(rs, j);
        if (e != UINT64_MAX && r->s > e + 1) {
            break;
        }
        ms = MIN(ms, r->s);
        me = MAX(me, r->e);
        j++;
    }
    SimRange merged = { ms, me };
    if (j == i) {
        if (rs->limit && rs->ranges->len >= rs->limit) {
            return -ENOMEM;
        }
        g_array_insert_val(rs->ranges, i, merged);
        return 0;
    }
    g_array_index(rs->ranges, SimRange, i) = merged;
    if (j > i + 1) {
        g_array_remove_range(rs->ranges, i + 1, j - i - 1);
    }
    return 0;
}

int sim_rs_remove(SimRangeset *rs, uint64_t s, uint64_t e)
{
    guint i = rs_first_ending_at_or_after(rs, s);
    while (i < rs->ranges->len) {
        SimRange r = *sim_rs_get(rs, i);
        if (r.s > e) {
            break;
        }
        bool left = r.s < s, right = r.e > e;
        if (left && right) {
            /* [s, e] strictly inside r: the only range touched; split it. */
            if (rs->limit && rs->ranges->len >= rs->limit) {
                return -ENOMEM;
            }
            SimRange hi = { e + 1, r.e };
            g_array_index(rs->ranges, SimRange, i).e = s - 1;
            g_array_insert_val(rs->ranges, i + 1, hi);
            return 0;
        }
        if (left) {
            g_array_index(rs->ranges, SimRange, i).e = s - 1;
            i++;
        } else if (right) {
            g_array_index(rs->ranges, SimRange, i).s = e + 1;
            return 0;
        } else {
            g_array_remove_index(rs->ranges, i);
        }
    }
    return 0;
}

/* ---- p2m extents ----------------------------------------------------------------------------- */

/* Index of the first extent whose last frame is ≥ @gfn. */
static guint p2m_first_ending_at_or_after(GArray *p2m, uint64_t gfn)
{
    guint lo = 0, hi = p2m->len;
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        const SimExtent *x = &g_array_index(p2m, SimExtent, mid);
        if (x->gfn + x->nr - 1 < gfn) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

const SimExtent *sim_p2m_lookup(GArray *p2m, uint64_t gfn)
{
    guint i = p2m_first_ending_at_or_after(p2m, gfn);
    if (i < p2m->len && g_array_index(p2m, SimExtent, i).gfn <= gfn) {
        return &g_array_index(p2m, SimExtent, i);
    }
    return NULL;
}

bool sim_p2m_overlaps(GArray *p2m, uint64_t gfn, uint64_t nr)
{
    guint i = p2m_first_ending_at_or_after(p2m, gfn);
    return i < p2m->len && g_array_index(p2m, SimExtent, i).gfn <= gfn + nr - 1;
}

/* Whether extent @b continues extent @a in both frame spaces. */
static bool p2m_contiguous(const SimExtent *a, const SimExtent *b)
{
    return a->gfn + a->nr == b->gfn && a->mfn + a->nr == b->mfn;
}

void sim_p2m_insert(GArray *p2m, uint64_t gfn, uint64_t mfn, uint64_t nr)
{
    guint i = p2m_first_ending_at_or_after(p2m, gfn);
    SimExtent x = { gfn, mfn, nr };
    g_array_insert_val(p2m, i, x);
    if (i + 1 < p2m->len && p2m_contiguous(&g_array_index(p2m, SimExtent, i),
                                           &g_array_index(p2m, SimExtent, i + 1))) {
        g_array_index(p2m, SimExtent, i).nr += g_array_index(p2m, SimExtent, i + 1).nr;
        g_array_remove_index(p2m, i + 1);
    }
    if (i > 0 && p2m_contiguous(&g_array_index(p2m, SimExtent, i - 1),
                                &g_array_index(p2m, SimExtent, i))) {
        g_array_index(p2m, SimExtent, i - 1).nr += g_array_index(p2m, SimExtent, i).nr;
        g_array_remove_index(p2m, i);
    }
}

bool sim_p2m_remove(GArray *p2m, uint64_t gfn, uint64_t mfn, uint64_t nr)
{
    guint i = p2m_first_ending_at_or_after(p2m, gfn);
    if (i >= p2m->len) {
        return false;
    }
    SimExtent x = g_array_index(p2m, SimExtent, i);
    /* Contiguous runs are always merged, so a valid range lies inside one extent. */
    if (x.gfn > gfn || gfn + nr > x.gfn + x.nr || x.mfn + (gfn - x.gfn) != mfn) {
        return false;
    }
    uint64_t head = gfn - x.gfn, tail = x.gfn + x.nr - (gfn + nr);
    if (head && tail) {
        SimExtent hi = { gfn + nr, mfn + nr, tail };
        g_array_index(p2m, SimExtent, i).nr = head;
        g_array_insert_val(p2m, i + 1, hi);
    } else if (head) {
        g_array_index(p2m, SimExtent, i).nr = head;
    } else if (tail) {
        SimExtent *e = &g_array_index(p2m, SimExtent, i);
        e->gfn = gfn + nr;
        e->mfn = mfn + nr;
        e->nr = tail;
    } else {
        g_array_remove_index(p2m, i);
    }
    return true;
}

/* ---- sparse page stores ------------------------------------------------------------------- */

SimPages *sim_pages_new(void)
{
    return g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
}

void sim_pages_read(SimPages *p, uint64_t fn, unsigned off, void *buf, unsigned len)
{
    g_assert(off < XPT_PAGE_SIZE && len <= XPT_PAGE_SIZE - off);
    const uint8_t *page = g_hash_table_lookup(p, &fn);
    if (page) {
        memcpy(buf, page + off, len);
    } else {
        memset(buf, 0, len);
    }
}

/* Whether @len bytes at @buf are all zero. */
static bool all_zero(const uint8_t *buf, unsigned len)
{
    for (unsigned i = 0; i < len; i++) {
        if (buf[i]) {
            return false;
        }
    }
    return true;
}

void sim_pages_write(SimPages *p, uint64_t fn, unsigned off, const void *buf, unsigned len)
{
    g_assert(off < XPT_PAGE_SIZE && len <= XPT_PAGE_SIZE - off);
    uint8_t *page = g_hash_table_lookup(p, &fn);
    if (!page) {
        if (all_zero(buf, len)) {
            return;     /* an absent page already reads as zeros */
        }
        page = g_malloc0(XPT_PAGE_SIZE);
        g_hash_table_insert(p, g_memdup2(&fn, sizeof(fn)), page);
    }
    memcpy(page + off, buf, len);
}
