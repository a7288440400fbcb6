/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fully emulated config space (hw/pci/emu-config.h). */
#include "hw/pci/emu-config.h"

#include <string.h>

void xpt_emu_config_set(XptEmuConfig *c, unsigned offset, unsigned len, uint32_t val)
{
    for (unsigned i = 0; i < len && offset + i < sizeof(c->config); i++) {
        c->config[offset + i] = (val >> (8 * i)) & 0xFF;
    }
}

void xpt_emu_config_init(XptEmuConfig *c, uint16_t vendor, uint16_t device, uint8_t rev,
                         uint32_t class_code, uint16_t sub_vendor, uint16_t sub_device)
{
    memset(c, 0, sizeof(*c));
    xpt_emu_config_set(c, 0x00, 2, vendor);
    xpt_emu_config_set(c, 0x02, 2, device);
    xpt_emu_config_set(c, 0x08, 1, rev);
    xpt_emu_config_set(c, 0x09, 3, class_code);
    xpt_emu_config_set(c, 0x2C, 2, sub_vendor);
    xpt_emu_config_set(c, 0x2E, 2, sub_device);
}

uint32_t xpt_emu_config_read(const XptEmuConfig *c, unsigned offset, unsigned len)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < len && offset + i < sizeof(c->config); i++) {
        v |= (uint32_t)c->config[offset + i] << (8 * i);
    }
    return v;
}

void xpt_emu_config_write(XptEmuConfig *c, unsigned offset, unsigned len, uint32_t val)
{
    for (unsigned i = 0; i < len && offset + i < sizeof(c->config); i++) {
        unsigned a = offset + i;
        uint8_t b = (val >> (8 * i)) & 0xFF;
        c->config[a] = (c->config[a] & ~c->wmask[a]) | (b & c->wmask[a]);
        c->config[a] &= ~(b & c->w1cmask[a]);
    }
}
