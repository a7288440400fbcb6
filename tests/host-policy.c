/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Host config-write policy oracle (tests/host-policy.h). */
#include "tests/host-policy.h"

#include <string.h>

#define CFG 0x100                      /* conventional config space */
#define CAP_MAX 48                     /* bounded capability walk */

struct XptHostPolicy {
    uint8_t model[CFG];                /* what the host holds now, as far as we know */
    uint8_t deny[CFG];                 /* bits that must never change (reference) */
    uint8_t noclear[CFG];              /* bits that must never go 1 → 0 (decode) */
    uint8_t rw1c[CFG];                 /* write-1-to-clear bits (reference) */
    size_t checked;                    /* writes checked so far */
};

static void deny_range(XptHostPolicy *p, unsigned from, unsigned len, uint8_t bits)
{
    for (unsigned a = from; a < from + len && a < CFG; a++) {
        p->deny[a] |= bits;
    }
}

/* Size of a hard-wired capability (reference/config-space.md), 0 if @id is not one. */
static unsigned hardwired_size(uint8_t id)
{
    switch (id) {
    case 0x02: case 0x0E: return 0x30;        /* AGP, AGP3 */
    case 0x04: return 4;                      /* slot ID */
    case 0x07: return 0x18;                   /* PCI-X */
    case 0x0C: case 0x0D: return 8;           /* SHPC, SSVID */
    default: return 0;
    }
}

/* Reference rules of one capability at @ptr with id @id. */
static void cap_rules(XptHostPolicy *p, const uint8_t *c, unsigned ptr, uint8_t id)
{
    unsigned hw = hardwired_size(id);
    uint16_t flags = ptr + 3 < CFG ? (uint16_t)(c[ptr + 2] | c[ptr + 3] << 8) : 0;
    switch (id) {
    case 0x01:                                /* PM: PMC read-only, PMCSR emu 810B */
        deny_range(p, ptr + 1, 3, 0xFF);
        deny_range(p, ptr + 4, 1, 0x0B);
        deny_range(p, ptr + 5, 1, 0x81);
        if (ptr + 5 < CFG) {
            p->rw1c[ptr + 5] |= 0x80;
        }
        break;
    case 0x03:                                /* VPD: address flag bits 1:0 */
        deny_range(p, ptr + 1, 1, 0xFF);
        deny_range(p, ptr + 2, 1, 0x03);
        break;
    case 0x05: {                              /* MSI: only Enable ever changes */
        bool is64 = flags & 0x80, pvm = flags & 0x100;
        unsigned data = is64 ? 0x0C : 0x08;
        deny_range(p, ptr + 1, 1, 0xFF);
        deny_range(p, ptr + 2, 1, 0xFE);
        deny_range(p, ptr + 3, 1, 0xFF);
        deny_range(p, ptr + 4, data - 4 + 2, 0xFF);   /* address (lo, hi), data */
        if (pvm) {
            /* mask and pending; the reserved word after the data is no register */
            deny_range(p, ptr + data + 4, 8, 0xFF);
        }
        break;
    }
    case 0x09:                                /* vendor: next pointer only */
        deny_range(p, ptr + 1, 1, 0xFF);
        break;
    case 0x10: {                              /* PCIe */
        unsigned version = flags & 0xF;
        deny_range(p, ptr + 1, 1, 0xFF);
        deny_range(p, ptr + 0x04, 4, 0xFF);  /* DevCap */
        deny_range(p, ptr + 0x08, 2, 0xFF);  /* DevCtl */
        deny_range(p, ptr + 0x10, 2, 0xFF);  /* LnkCtl */
        if (ptr + 0x13 < CFG) {
            p->rw1c[ptr + 0x0A] |= 0x0F;      /* DevSta */
            p->rw1c[ptr + 0x13] |= 0xC0;      /* LnkSta */
        }
        if (version >= 2) {
            deny_range(p, ptr + 0x28, 1, 0xBF);   /* DevCtl2 emu FFBF */
            deny_range(p, ptr + 0x29, 1, 0xFF);
            deny_range(p, ptr + 0x30, 2, 0xFF);   /* LnkCtl2 */
        }
        break;
    }
    case 0x11:                                /* MSI-X: only Enable and Function Mask */
        deny_range(p, ptr + 1, 2, 0xFF);
        deny_range(p, ptr + 3, 1, 0x3F);
        deny_range(p, ptr + 4, 8, 0xFF);
        break;
    default:
        if (hw) {
            deny_range(p, ptr, hw, 0xFF);
        }
        /* a capability with no table: its bytes belong to no register (permissive) */
        break;
    }
}

XptHostPolicy *xpt_host_policy_new(const uint8_t *initial, size_t len)
{
    XptHostPolicy *p = g_new0(XptHostPolicy, 1);
    memset(p->model, 0xFF, sizeof(p->model));
    memcpy(p->model, initial, MIN(len, (size_t)CFG));
    const uint8_t *c = p->model;

    deny_range(p, 0x00, 4, 0xFF);             /* vendor, device ID */
    deny_range(p, 0x0C, 3, 0xFF);             /* cache line, latency, header type */
    deny_range(p, 0x10, 0x18, 0xFF);          /* BARs */
    deny_range(p, 0x30, 5, 0xFF);             /* ROM, capability pointer */
    deny_range(p, 0x3C, 2, 0xFF);             /* interrupt line, pin */
    p->noclear[0x04] = 0x03;                  /* IO/MEM decode (XSA-126) */
    p->rw1c[0x07] = 0xF9;                     /* status */

    if (c[0x06] & 0x10) {
        uint8_t seen[CFG / 8] = { 0 };
        unsigned ptr = c[0x34];
        for (unsigned n = 0; n < CAP_MAX; n++) {
            ptr &= 0xFC;
            if (ptr < 0x40 || (seen[ptr / 8] & (1u << (ptr % 8)))) {
                break;
            }
            seen[ptr / 8] |= 1u << (ptr % 8);
            cap_rules(p, c, ptr, c[ptr]);
            ptr = c[ptr + 1];
        }
    }
    return p;
}

void xpt_host_policy_free(XptHostPolicy *p)
{
    g_free(p);
}

size_t xpt_host_policy_checked(const XptHostPolicy *p)
{
    return p->checked;
}

/* Bits of byte @k of register @r the model forces onto the host by design. */
static uint8_t forced_bits(XptRegFile *rf, const XptReg *r, unsigned k)
{
    if (r->addr == 0x04) {
        return k == 0 ? 0x03 : 0x04;          /* decode; INTx disable (bit 10) */
    }
    const XptRegGroup *msi = xpt_regfile_group(rf, 0x05);
    if (msi && r->addr == msi->base + 2) {
        return k == 0 ? 0x01 : 0;             /* MSI Enable */
    }
    const XptRegGroup *msix = xpt_regfile_group(rf, 0x11);
    if (msix && r->addr == msix->base + 2) {
        return k == 1 ? 0xC0 : 0;             /* MSI-X Enable, Function Mask */
    }
    return 0;
}

static bool hardwired_byte(const XptRegFile *rf, unsigned a)
{
    unsigned g = rf->byte_group[a];
    return g && rf->groups[g - 1].info->type == XPT_GRP_HARDWIRED;
}

/* Check byte @a written with @nv; NULL or the violated rule. */
static const char *check_byte(XptHostPolicy *p, XptPtDevice *d, unsigned a, uint8_t nv)
{
    XptRegFile *rf = &d->regs;
    uint8_t old = p->model[a];
    uint8_t rw1c = p->rw1c[a];
    uint8_t allowed = 0xFF;               /* bytes in no register, permissive on */
    uint8_t table_rw1c = 0;

    if (hardwired_byte(rf, a)) {
        return "byte of a hard-wired capability";
    }
    unsigned ri = rf->byte_reg[a];
    if (ri) {
        const XptReg *r = &rf->regs[ri - 1];
        unsigned k = a - r->addr;
        uint32_t pt = ~r->emu_mask & ~r->ro_mask & ~r->res_mask;
        allowed = (uint8_t)(pt >> (8 * k)) | forced_bits(rf, r, k);
        table_rw1c = (uint8_t)(r->rw1c_mask >> (8 * k));
        if (nv & table_rw1c & ~(uint8_t)(pt >> (8 * k))) {
            return "1 written to an emulated write-1-to-clear bit";
        }
        rw1c |= table_rw1c;
    } else if (!rf->permissive) {
        return "byte in no virtualized register with permissive=off";
    }
    /* The value the host holds after this write. */
    uint8_t after = (uint8_t)((nv & ~rw1c) | (old & rw1c & ~nv));
    uint8_t changed = old ^ after;
    if (changed & p->deny[a]) {
        return "bits the reference keeps emulated or read-only changed";
    }
    if (old & ~after & p->noclear[a]) {
        return "host decode turned off (XSA-126)";
    }
    if (changed & ~allowed) {
        return "bits that do not pass through (register table) changed";
    }
    if (a == 0x05 && (old & ~after & 0x04) && !d->intx_bound) {
        return "INTx disable cleared while no INTx is bound";
    }
    p->model[a] = after;
    return NULL;
}

char *xpt_host_policy_check(XptHostPolicy *p, XptPtDevice *d)
{
    size_t n;
    const XptHostWrite *w = xpt_host_pci_writes(d->host, &n);
    for (; p->checked < n; p->checked++) {
        const XptHostWrite *x = &w[p->checked];
        const char *why = NULL;
        if ((x->len != 1 && x->len != 2 && x->len != 4) || x->offset % x->len) {
            why = "bad width or alignment";
        } else if (x->offset + x->len > CFG) {
            why = "beyond the conventional config space";
        }
        unsigned bad = x->offset;
        for (unsigned i = 0; !why && i < x->len; i++) {
            bad = x->offset + i;
            why = check_byte(p, d, bad, (uint8_t)(x->value >> (8 * i)));
        }
        if (why) {
            char *msg = g_strdup_printf("%s: host config write #%zu [0x%02x] len %u = 0x%x: "
                                        "byte 0x%02x (host had 0x%02x): %s", d->who,
                                        p->checked, x->offset, x->len, x->value, bad,
                                        bad < CFG ? p->model[bad] : 0xFF, why);
            p->checked++;
            return msg;
        }
    }
    return NULL;
}
