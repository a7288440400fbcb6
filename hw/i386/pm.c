/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PIIX4 PM1a control register at Xen's PM1a_CNT_BLK (hw/i386/pm.h). */
#include "hw/i386/pm.h"

#include "util/log.h"

/* Bits the guest can set and read back (PIIX4 datasheet §7.2.3 PMCNTRL). */
#define PM1_CNT_RW (XPT_PM1_BM_RLD | XPT_PM1_SLP_TYP_MASK)

struct XptPm1Control {
    XptDispatcher *disp;
    XptPowerRequestFn power;
    void *opaque;
    uint16_t cnt;                 /* the read/write bits (PM1_CNT_RW) */
    XptIoRegion region;
    XptRateLimit rl;
};

static uint16_t cnt_value(const XptPm1Control *p)
{
    return (uint16_t)(p->cnt | XPT_PM1_SCI_EN);
}

static uint64_t pm1_read(void *opaque, uint64_t offset, unsigned size)
{
    XptPm1Control *p = opaque;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        uint64_t byte = offset + i < XPT_PM1A_CNT_LEN
                        ? (cnt_value(p) >> (8 * (offset + i))) & 0xFF : 0xFF;
        v |= byte << (8 * i);
    }
    return v;
}

static void sleep_request(XptPm1Control *p, unsigned slp_typ)
{
    switch (slp_typ) {
    case XPT_SLP_TYP_S5:
        p->power(p->opaque, XPT_POWER_GUEST_SHUTDOWN);
        break;
    case XPT_SLP_TYP_S3:
        xpt_log_ratelimited(&p->rl, XPT_LOG_UNIMP,
                            "PM1a_CNT: guest asked for S3 (suspend to RAM), which xen-pt-dm "
                            "does not model; ignored (set acpi_s3=0 in the guest's xl.cfg)");
        break;
    default:
        xpt_log_ratelimited(&p->rl, XPT_LOG_GUEST_ERROR,
                            "PM1a_CNT: SLP_EN with SLP_TYP %u, which Xen's ACPI tables do "
                            "not define (S5/S4 = 0, S3 = 1); ignored", slp_typ);
        break;
    }
}

static void pm1_write(void *opaque, uint64_t offset, uint64_t val, unsigned size)
{
    XptPm1Control *p = opaque;
    uint16_t written = 0, mask = 0;
    for (unsigned i = 0; i < size && offset + i < XPT_PM1A_CNT_LEN; i++) {
        unsigned shift = 8 * (unsigned)(offset + i);
        written |= (uint16_t)(((val >> (8 * i)) & 0xFF) << shift);
        mask |= (uint16_t)(0xFFu << shift);
    }
    p->cnt = (uint16_t)((p->cnt & ~(mask & PM1_CNT_RW)) | (written & mask & PM1_CNT_RW));
    if (written & mask & XPT_PM1_SLP_EN) {
        sleep_request(p, (p->cnt & XPT_PM1_SLP_TYP_MASK) >> XPT_PM1_SLP_TYP_SHIFT);
    }
}

static const XptIoOps pm1_ops = { .read = pm1_read, .write = pm1_write };

XptPm1Control *xpt_pm1_control_new(XptDispatcher *disp, XptPowerRequestFn power, void *opaque,
                                   GError **errp)
{
    XptPm1Control *p = g_new0(XptPm1Control, 1);
    p->disp = disp;
    p->power = power;
    p->opaque = opaque;
    p->rl = (XptRateLimit)XPT_RATELIMIT_INIT(5, 5000);
    p->region = (XptIoRegion){ .name = "PIIX4 PM1a control", .type = XPT_RANGE_PORT,
        .base = XPT_PM1A_CNT_PORT, .size = XPT_PM1A_CNT_LEN, .ops = &pm1_ops, .opaque = p };
    if (!xpt_dispatcher_add_region(disp, &p->region, errp)) {
        g_free(p);
        return NULL;
    }
    return p;
}

void xpt_pm1_control_free(XptPm1Control *p)
{
    if (!p) {
        return;
    }
    xpt_dispatcher_del_region(p->disp, &p->region);
    g_free(p);
}
