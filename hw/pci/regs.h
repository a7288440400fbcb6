/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Config-space register framework (SPEC §5). A device's config space is described by
 * register groups (the header and each capability kind), each a table of rows
 *   {offset, size, init, res_mask, ro_mask, emu_mask, rw1c_mask, hooks}
 * exactly as reference/config-space.md lists them (from QEMU hw/xen/xen_pt_config_init.c
 * and the PCI LB 3.0 / PCIe / PCI PM specs).
 *
 * Read  (per byte): hard-wired group → 0; byte of a register →
 *                   (host & ~emu) | (emulated & emu); any other byte → host.
 * Write (per register the access touches, PCI LB 3.0 §6.1 byte enables):
 *   emulated bits  val = (val & ~w) | (guest & w),   w = emu & ~ro & ~res & ~rw1c (bytes written)
 *                  val &= ~(guest & emu & rw1c)       (write-1-to-clear)
 *   host bits      pt = ~emu & ~ro & ~res (bytes written); host gets
 *                  (host & ~pt & ~rw1c) | (guest & pt)  — rw1c bits are written 0 unless the
 *                  guest wrote 1 to a pass-through rw1c bit;
 *                  a register with pt = 0 (and nothing forced by its hook) is NOT written;
 *                  a failed host read means no host write at all (XSA-128).
 *   bytes in no register: dropped (one rate-limited warning per device naming the offset
 *   and `permissive`), or written through when permissive (XSA-131).
 * Accesses are 1/2/4 bytes, naturally aligned (checked by the bus) and may span registers.
 *
 * Capability chain: the host list is walked (bounded); capabilities whose group type is
 * XPT_GRP_EMU are visible and chained by emulated next pointers (+1, ro FF, emu FF);
 * hard-wired groups read 0; capabilities with no group are left out of the chain.
 */
#ifndef XPT_HW_PCI_REGS_H
#define XPT_HW_PCI_REGS_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/log.h"

#define XPT_REGFILE_MAX_GROUPS 48   /* bounded capability walk (256-0x40)/4 */

typedef struct XptRegFile XptRegFile;
typedef struct XptReg XptReg;

/** Result of a row's init hook. */
typedef enum {
    XPT_REG_OK,       /* register present; reg->val (and masks) set */
    XPT_REG_ABSENT,   /* row does not apply to this device (e.g. 64-bit half of MSI) */
    XPT_REG_ERROR,    /* attach must fail; *errp set */
} XptRegInitResult;

/**
 * XptRegInfo: one table row. @offset is relative to the group base; @size 1, 2 or 4.
 * Masks are in the register's own width. Hooks are optional:
 *  init(rf, reg, host_val, errp): set reg->val / masks from the host value; default:
 *       val = init_val.
 *  read(rf, reg): the emulated value to present; default reg->val.
 *  write(rf, reg, old_val, guest, valid, host_val, host_mask): after the framework
 *       updated reg->val; @guest is the guest value in register width, @valid the mask of
 *       bits the access covered; the hook may change *host_val and add bits to
 *       *host_mask (bits it forces onto the host, e.g. keeping decode on). A host write
 *       happens when (*host_mask & valid) != 0.
 */
typedef struct XptRegInfo {
    uint8_t offset;
    uint8_t size;
    uint32_t init_val;
    uint32_t res_mask;
    uint32_t ro_mask;
    uint32_t emu_mask;
    uint32_t rw1c_mask;
    XptRegInitResult (*init)(XptRegFile *rf, XptReg *reg, uint32_t host_val, GError **errp);
    uint32_t (*read)(XptRegFile *rf, XptReg *reg);
    void (*write)(XptRegFile *rf, XptReg *reg, uint32_t old_val, uint32_t guest,
                  uint32_t valid, uint32_t *host_val, uint32_t *host_mask);
} XptRegInfo;

/** XptReg: a register instance (absolute config offset, current emulated value). */
struct XptReg {
    const XptRegInfo *info;
    uint16_t addr;
    uint8_t size;
    uint32_t val;
    uint32_t res_mask, ro_mask, emu_mask, rw1c_mask;
};

typedef enum {
    XPT_GRP_EMU,        /* visible, registers emulated per table */
    XPT_GRP_HARDWIRED,  /* hidden from the chain, reads 0, writes ignored */
} XptRegGroupType;

/**
 * XptRegGroupInfo: the header (cap_id 0xFF by convention, base 0, size 0x40) or a
 * capability kind. @size_of returns the group size in bytes from the host config at
 * @base (0 → use @size). @regs ends with a row of size 0.
 */
typedef struct XptRegGroupInfo {
    uint8_t cap_id;
    const char *name;
    XptRegGroupType type;
    uint8_t size;
    unsigned (*size_of)(XptRegFile *rf, unsigned base);
    const XptRegInfo *regs;
} XptRegGroupInfo;

#define XPT_REG_HEADER_ID 0xFF

/** XptRegGroup: a group instance at @base of @size bytes. */
typedef struct XptRegGroup {
    const XptRegGroupInfo *info;
    uint8_t base;
    uint16_t size;
} XptRegGroup;

/** Host access callbacks (the device's host backend). */
typedef struct XptRegHostOps {
    bool (*read)(void *owner, unsigned offset, unsigned len, uint32_t *val);
    bool (*write)(void *owner, unsigned offset, unsigned len, uint32_t val);
} XptRegHostOps;

struct XptRegFile {
    void *owner;                    /* the device; hooks cast it */
    const char *who;                /* "SBDF (id X)" for messages */
    const XptRegHostOps *host;
    bool permissive;
    XptRegGroup groups[XPT_REGFILE_MAX_GROUPS + 1];
    unsigned n_groups;
    uint8_t visible[XPT_REGFILE_MAX_GROUPS]; /* indexes of visible capability groups, chain order */
    unsigned n_visible;
    XptReg *regs;                   /* n_regs registers, room for max_regs */
    unsigned n_regs, max_regs;
    uint16_t byte_reg[256];         /* register index + 1 covering each byte; 0 = none */
    uint8_t byte_group[256];        /* group index + 1; 0 = none */
    XptRateLimit drop_rl;           /* dropped-write warnings (XSA-130) */
    unsigned dropped_writes;
};

/**
 * xpt_regfile_init: walk the host capability list, instantiate the groups of @tables
 * (NULL-terminated; the first must be the header) and initialise every register.
 * Fails (XPT_ERROR or a hook's error) when an init hook refuses the device.
 */
bool xpt_regfile_init(XptRegFile *rf, const XptRegGroupInfo *const *tables, void *owner,
                      const char *who, const XptRegHostOps *host, bool permissive,
                      GError **errp);
void xpt_regfile_destroy(XptRegFile *rf);

/** Guest config read of @len bytes at @offset (< 0x100, validated by the bus). */
uint32_t xpt_regfile_read(XptRegFile *rf, unsigned offset, unsigned len);
/** Guest config write. */
void xpt_regfile_write(XptRegFile *rf, unsigned offset, unsigned len, uint32_t val);

/** The register instance at absolute @addr (its first byte), or NULL. */
XptReg *xpt_regfile_reg(XptRegFile *rf, unsigned addr);
/** The group instance whose capability id is @cap_id, or NULL. */
const XptRegGroup *xpt_regfile_group(const XptRegFile *rf, uint8_t cap_id);
/** Offset of the first visible capability, 0 if none. */
uint8_t xpt_regfile_first_cap(const XptRegFile *rf);
/** Host read helper for hooks: false (and *val all-ones) when the host read fails. */
bool xpt_regfile_host_read(XptRegFile *rf, unsigned offset, unsigned len, uint32_t *val);

#endif
