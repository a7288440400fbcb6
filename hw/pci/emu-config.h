/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A fully emulated config space (for chipset functions): 256 bytes of value plus a
 * per-byte writable mask and write-1-to-clear mask, like QEMU's PCIDevice config/wmask/
 * w1cmask. No host device behind it.
 */
#ifndef XPT_HW_PCI_EMU_CONFIG_H
#define XPT_HW_PCI_EMU_CONFIG_H

#include <stdint.h>

typedef struct XptEmuConfig {
    uint8_t config[256];
    uint8_t wmask[256];
    uint8_t w1cmask[256];
} XptEmuConfig;

/** Identity and class (PCI LB 3.0 §6.2.1); other bytes 0, nothing writable. */
void xpt_emu_config_init(XptEmuConfig *c, uint16_t vendor, uint16_t device, uint8_t rev,
                         uint32_t class_code, uint16_t sub_vendor, uint16_t sub_device);
uint32_t xpt_emu_config_read(const XptEmuConfig *c, unsigned offset, unsigned len);
/** Apply wmask / w1cmask byte by byte. @len 1/2/4, offset + len ≤ 256. */
void xpt_emu_config_write(XptEmuConfig *c, unsigned offset, unsigned len, uint32_t val);
/** Set a little-endian value of @len bytes directly (initialisation). */
void xpt_emu_config_set(XptEmuConfig *c, unsigned offset, unsigned len, uint32_t val);

#endif
