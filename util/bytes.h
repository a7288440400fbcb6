/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Byte-level helpers of every access path (config space, ports, MMIO, guest memory):
 * widths are 1 to 8 bytes and values are little-endian, as on x86 and PCI
 * (PCI LB 3.0 §3.2.2: byte lane n carries bits 8n+7:8n).
 */
#ifndef XPT_UTIL_BYTES_H
#define XPT_UTIL_BYTES_H

#include <stdint.h>

/** All-ones value of @len bytes (a floating bus read); @len ≥ 4 → 0xffffffff. */
static inline uint32_t xpt_ones32(unsigned len)
{
    return len >= 4 ? UINT32_MAX : (UINT32_C(1) << (8 * len)) - 1;
}

/** All-ones value of @len bytes; @len ≥ 8 → all 64 bits. */
static inline uint64_t xpt_ones64(unsigned len)
{
    return len >= 8 ? UINT64_MAX : (UINT64_C(1) << (8 * len)) - 1;
}

/** The little-endian value of @len (≤ 8) bytes at @buf. */
static inline uint64_t xpt_le_load(const uint8_t *buf, unsigned len)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < len; i++) {
        v |= (uint64_t)buf[i] << (8 * i);
    }
    return v;
}

/** Store the low @len (≤ 8) bytes of @v at @buf, little-endian. */
static inline void xpt_le_store(uint8_t *buf, uint64_t v, unsigned len)
{
    for (unsigned i = 0; i < len; i++) {
        buf[i] = (uint8_t)(v >> (8 * i));
    }
}

#endif
