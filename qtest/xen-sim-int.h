/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internals of the simulated hypervisor (qtest/xen-sim.h), shared by its source files:
 *   xen-sim.c        life cycle, fault injection, mappings, claims, guest memory, grants
 *   xen-sim-irq.c    link routes, ISA IRQ levels, pirqs, MSI and INTx bindings
 *   xen-sim-mem.c    range sets, p2m extents, sparse page stores (RAM, host MMIO shadow)
 *   xen-sim-io.c     routing of qtest accesses into ioreq_t (the XptQtestBackend)
 *   xen-sim-state.c  state JSON, leak report, "xen-sim ..." extension commands
 * Nothing here is part of the public interface.
 */
#ifndef XPT_QTEST_XEN_SIM_INT_H
#define XPT_QTEST_XEN_SIM_INT_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include <json-glib/json-glib.h>

#include "qtest/xen-sim.h"

/* Xen limits (xen/include/public/hvm/dm_op.h, xen/common/ioreq.c): ranges per type. */
#define SIM_MAX_NR_IO_RANGES 256u
#define SIM_NR_RANGE_TYPES 3u            /* XEN_DMOP_IO_RANGE_PORT, _MEMORY, _PCI */
#define SIM_PORT_SPACE 0x10000u
/* 52-bit physical addresses (x86-64 paddr_bits): frames are below 2^40. */
#define SIM_MAX_FRAME (1ull << 40)

/* Operations that can be counted and made to fail ("xen-sim fail OP ..."). */
typedef enum {
    SIM_OP_MEMORY_MAPPING,
    SIM_OP_IOPORT_MAPPING,
    SIM_OP_CLAIM_RANGE,
    SIM_OP_UNCLAIM_RANGE,
    SIM_OP_SET_PCI_LINK_ROUTE,
    SIM_OP_SET_ISA_IRQ_LEVEL,
    SIM_OP_MAP_PIRQ,
    SIM_OP_MAP_PIRQ_MSI,
    SIM_OP_UNMAP_PIRQ,
    SIM_OP_BIND_MSI,
    SIM_OP_UNBIND_MSI,
    SIM_OP_BIND_PT_INTX,
    SIM_OP_UNBIND_PT_INTX,
    SIM_OP_GUEST_READ,
    SIM_OP_GUEST_WRITE,
    SIM_OP_GRANT_DEVICE,
    SIM_OP_REVOKE_DEVICE,
    SIM_OP_SHUTDOWN,
    SIM_OP_POWER_BUTTON,
    SIM_OP_COUNT
} SimOp;

/** sim_op_name: the OP name used by "xen-sim fail" and the "calls" member. */
const char *sim_op_name(SimOp op);

/** sim_op_lookup: SimOp by name, or -1. */
int sim_op_lookup(const char *name);

/* ---- range sets (xen/common/rangeset.c semantics) ------------------------------------ */

typedef struct SimRange {
    uint64_t s, e;                       /* inclusive */
} SimRange;

/**
 * SimRangeset: sorted, disjoint, non-adjacent inclusive ranges; adding a range that
 * touches or overlaps others merges them, as Xen's rangesets do. @limit (0 = none) caps
 * the number of ranges like rangeset_limit(): exceeding it fails with -ENOMEM.
 */
typedef struct SimRangeset {
    GArray *ranges;                      /* SimRange */
    unsigned limit;
} SimRangeset;

void sim_rs_init(SimRangeset *rs, unsigned limit);
void sim_rs_destroy(SimRangeset *rs);
void sim_rs_clear(SimRangeset *rs);
/** Add [s, e] (s ≤ e), merging; 0 or -ENOMEM when the limit would be exceeded. */
int sim_rs_add(SimRangeset *rs, uint64_t s, uint64_t e);
/** Remove [s, e] wherever present; 0 or -ENOMEM when a split would exceed the limit. */
int sim_rs_remove(SimRangeset *rs, uint64_t s, uint64_t e);
/** True if one range contains all of [s, e]. */
bool sim_rs_contains(const SimRangeset *rs, uint64_t s, uint64_t e);
/** True if any range intersects [s, e]. */
bool sim_rs_overlaps(const SimRangeset *rs, uint64_t s, uint64_t e);
guint sim_rs_len(const SimRangeset *rs);
const SimRange *sim_rs_get(const SimRangeset *rs, guint i);

/* ---- p2m MMIO extents ------------------------------------------------------------------ */

/** One run of p2m_mmio_direct entries: gfn+i → mfn+i for i < nr. */
typedef struct SimExtent {
    uint64_t gfn, mfn, nr;
} SimExtent;

/**
 * sim_p2m_lookup: the extent mapping @gfn in @p2m (sorted by gfn, disjoint), or NULL.
 */
const SimExtent *sim_p2m_lookup(GArray *p2m, uint64_t gfn);

/** sim_p2m_overlaps: whether any page of [gfn, gfn+nr) is mapped. */
bool sim_p2m_overlaps(GArray *p2m, uint64_t gfn, uint64_t nr);

/** sim_p2m_insert: map [gfn, gfn+nr) → mfn (no page of it mapped yet), merging runs. */
void sim_p2m_insert(GArray *p2m, uint64_t gfn, uint64_t mfn, uint64_t nr);

/**
 * sim_p2m_remove: unmap [gfn, gfn+nr) if every page is mapped to mfn+i (then the pages
 * lie in one merged extent); false (nothing changed) otherwise.
 */
bool sim_p2m_remove(GArray *p2m, uint64_t gfn, uint64_t mfn, uint64_t nr);

/* ---- sparse page stores ------------------------------------------------------------------- */

/** SimPages: frame number → 4 KiB page, allocated on the first non-zero write. */
typedef GHashTable SimPages;

SimPages *sim_pages_new(void);
/** Copy @len bytes at byte @off of frame @fn (off+len ≤ page) into @buf; absent = zeros. */
void sim_pages_read(SimPages *p, uint64_t fn, unsigned off, void *buf, unsigned len);
/** Store @len bytes at byte @off of frame @fn (off+len ≤ page). */
void sim_pages_write(SimPages *p, uint64_t fn, unsigned off, const void *buf, unsigned len);

/* ---- the simulated domain ------------------------------------------------------------------ */

/** An I/O port mapping (xc_domain_ioport_mapping): gport+i → mport+i for i < nr. */
typedef struct SimIoport {
    uint32_t gport, mport, nr;
} SimIoport;

/** An INTx binding (xc_domain_bind_pt_pci_irq). */
typedef struct SimIntx {
    int pirq;
    uint8_t bus, dev, intx;
} SimIntx;

/** One entry of the domain's pirq table. */
typedef struct SimPirq {
    bool used;
    bool is_msi;             /* source: MSI/MSI-X (else a host GSI) */
    int gsi;                 /* host GSI (source gsi) */
    uint32_t sbdf;           /* host device (source msi) */
    int entry;               /* MSI-X entry (0 for MSI) */
    uint64_t table_base;     /* host MSI-X table address, 0 = MSI */
    bool msi_bound;          /* xc_domain_update_msi_irq done */
    uint32_t gvec, gflags;
    uint64_t gtable;
    unsigned intx_binds;     /* INTx bindings using this pirq */
    /* Unmapped while still bound (Xen 4.17 xen/arch/x86/irq.c unmap_domain_pirq: when
     * pirq_guest_force_unbind found the domain bound, arch.irq becomes -irq instead of
     * 0): nothing reaches the guest any more, the dpci bindings (intx_binds, msi_bound)
     * stay, the pirq number is not free and its GSI cannot be mapped again until the
     * last INTx binding goes (pt_irq_destroy_bind → pirq_guest_unbind, which then
     * clears the entry). "used" stays set; mapped_pirq() treats the entry as unmapped. */
    bool forced;
    /* msi_desc->msi_attrib.guest_masked of an MSI source (Xen 4.17 xen/arch/x86/msi.c):
     * MSI-X entries start masked (msix_capability_init), MSI vectors unmasked
     * (msi_capability_init); cleared by a bind with XEN_DOMCTL_VMSI_X86_UNMASKED
     * (pt_irq_create_bind) or by the guest binding an event channel to the pirq
     * (arch_evtchn_bind_pirq). While set, Xen keeps the vector masked on the device. */
    bool guest_masked;
} SimPirq;

/*
 * The guest's side of one pirq number (struct pirq in Xen 4.17), which outlives a
 * mapping by the device model: a PHYSDEVOP_get_free_pirq reservation, the event channel
 * the guest bound to it, and the emulated IRQ that routes it to that channel.
 */
typedef struct SimGuestPirq {
    bool allocated;          /* arch.irq = PIRQ_ALLOCATED (physdev.c get_free_pirq);
                              * consumed when the pirq is mapped */
    unsigned evtchn;         /* port bound by EVTCHNOP_bind_pirq, 0 = none */
    bool emuirq_pt;          /* arch.hvm.emuirq = IRQ_PT (arch_evtchn_bind_pirq, only
                              * while mapped): delivery by event channel */
    bool has_emu_gsi;        /* arch.hvm.emuirq = emu_gsi: the guest routes one of its
                              * emulated GSIs (COM1's 4, the SCI's 9...) to this pirq
                              * (physdev_hvm_map_pirq → map_domain_emuirq_pirq) */
    unsigned emu_gsi;
} SimGuestPirq;

/** Pending fault injection of one operation. */
typedef struct SimFault {
    unsigned count;
    int err;                 /* positive errno */
} SimFault;

struct XptSim {
    XptHv hv;
    uint64_t ram_bytes;                  /* page multiple */
    SimPages *ram;                       /* gfn → page */
    SimPages *host_mmio;                 /* mfn → page: shadow of host BARs */
    uint8_t *host_ports;                 /* SIM_PORT_SPACE bytes, lazily: shadow of host ports */

    GArray *p2m;                         /* SimExtent, sorted by gfn */
    GArray *ioports;                     /* SimIoport, sorted by gport */
    SimRangeset claims[SIM_NR_RANGE_TYPES];

    GPtrArray *grants;                   /* XptHostGrant *, sorted by host_sbdf */
    SimRangeset iomem_caps, ioport_caps, irq_caps;   /* union of the grants: read them
                                                         through sim_caps() */
    bool caps_stale;                     /* a revoke since the caps were last built */

    SimPirq *pirqs;                      /* [XPT_SIM_NR_PIRQS] */
    SimGuestPirq *gpirqs;                /* [XPT_SIM_NR_PIRQS] */
    unsigned next_port;                  /* event channel ports handed out so far */
    GArray *intx;                        /* SimIntx, sorted by (pirq, bus, dev, intx) */
    uint8_t link_route[4];
    uint8_t isa_level[16];
    uint32_t cf8;                        /* the hypervisor's 0xCF8 latch */
    /* d->shutdown_code (xen/common/domain.c domain_shutdown): the first SHUTDOWN_*
     * reason given, -1 while the domain is not shutting down; later calls succeed
     * and change nothing, as in Xen. */
    int shutdown_code;
    /* XEN_DOMCTL_SENDTRIGGER_POWER received: Xen sets PWRBTN_STS in the PM1a status
     * it emulates (xen/arch/x86/hvm/pmtimer.c hvm_acpi_power_button). */
    uint64_t power_button;

    /* MSI-X table interception (xen-sim-msixtbl.c): d->arch.hvm.msixtbl_list (SimMsixtbl
     * *, newest first, NULL until the first registration); the vCPU's
     * hvm_io.msix_snoop_address / msix_unmask_address; whether an ioreq is in flight
     * (the vCPU is blocked in Xen: VPF_blocked_in_xen); XENFEAT_dm_msix_all_writes. */
    GPtrArray *msixtbl;
    uint64_t msix_snoop_address, msix_unmask_address;
    bool in_ioreq;
    bool dm_msix_all_writes;

    SimFault faults[SIM_OP_COUNT];
    uint64_t calls[SIM_OP_COUNT];

    XptDispatcher *dispatcher;
    XptQtestServer *qts;
    char *(*ext)(void *opaque, char **argv, GError **errp);
    void *ext_opaque;
};

/** sim_sbdf_str: "SSSS:BB:DD.F" of a XEN_DMOP_PCI_SBDF value, newly allocated. */
char *sim_sbdf_str(uint32_t sbdf);

/** sim_enter: count a call of @op and consume a pending injected fault: 0 or -errno. */
int sim_enter(XptSim *sim, SimOp op);

/** sim_refuse: log why the sim refuses a call (under -d hv) and return -@err. */
int sim_refuse(int err, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Interrupt operations of the XptHvOps (xen-sim-irq.c); @opaque is the XptSim. */
int sim_set_pci_link_route(void *opaque, uint8_t link, uint8_t isa_irq);
int sim_set_isa_irq_level(void *opaque, uint8_t isa_irq, unsigned level);
int sim_map_pirq(void *opaque, int host_irq, int *pirq);
int sim_map_pirq_msi(void *opaque, int *pirq, uint16_t host_seg, uint8_t host_bus,
                     uint8_t host_devfn, int entry_nr, uint64_t table_base);
int sim_unmap_pirq(void *opaque, int pirq);
int sim_bind_msi(void *opaque, uint32_t gvec, int pirq, uint32_t gflags, uint64_t gtable);
int sim_unbind_msi(void *opaque, uint32_t gvec, int pirq, uint32_t gflags);
int sim_bind_pt_intx(void *opaque, int pirq, uint8_t bus, uint8_t dev, uint8_t intx);
int sim_unbind_pt_intx(void *opaque, int pirq, uint8_t bus, uint8_t dev, uint8_t intx);

/*
 * Guest hypercalls about pirqs (xen-sim-irq.c), for the "xen-sim" guest-side commands.
 * Each returns what Xen 4.17 returns to the guest: 0 or -errno.
 */
/** PHYSDEVOP_get_free_pirq: @gsi_type MAP_PIRQ_TYPE_GSI (else MSI); *pirq receives it. */
int sim_guest_get_free_pirq(XptSim *sim, bool gsi_type, int *pirq);
/** EVTCHNOP_bind_pirq (HVM guest): *port receives the event channel. */
int sim_guest_evtchn_bind_pirq(XptSim *sim, uint64_t pirq, unsigned *port);
int sim_guest_map_gsi_pirq(XptSim *sim, unsigned gsi, int *pirq);
/** EVTCHNOP_close of the event channel bound to @pirq. */
int sim_guest_evtchn_close_pirq(XptSim *sim, uint64_t pirq);

/**
 * sim_msi_delivery: how an interrupt of the MSI-bound pirq @p would reach the guest in
 * Xen 4.17 (hvm_dirq_assist): "evtchn", "vector", or "none" with *why set (static).
 */
const char *sim_msi_delivery(const XptSim *sim, int p, const char **why);

/** The "why" of a binding whose pirq an unmap force-unbound (unmap_domain_pirq). */
#define SIM_WHY_FORCED "its pirq was unmapped while bound: Xen force-unbound it " \
                       "(unmap_domain_pirq → pirq_guest_force_unbind)"

/**
 * sim_intx_delivery: whether an interrupt of the host GSI behind the INTx-bound pirq @p
 * reaches the guest's bound GSIs in Xen 4.17 (hvm_dirq_assist): "gsi", or "none" with
 * *why set (static).
 */
const char *sim_intx_delivery(const XptSim *sim, int p, const char **why);

/* ---- MSI-X table interception (xen-sim-msixtbl.c; the rules are in its header) ---- */

typedef struct SimMsixtbl SimMsixtbl;

/** msixtbl_pt_register for the MSI pirq @p bound for the first time with @gtable ≠ 0. */
void sim_msixtbl_register(XptSim *sim, const SimPirq *p, uint64_t gtable);
/** msixtbl_pt_unregister for the MSI pirq @p being unbound (Xen 4.17's refcount). */
void sim_msixtbl_unregister(XptSim *sim, const SimPirq *p);
/** Whether any 4-byte piece of [addr, addr+len) is in an intercepted table entry. */
bool sim_msixtbl_covers(XptSim *sim, uint64_t addr, unsigned len);
/** A guest read of @len bytes: true with *val when Xen answers it (msixtbl_read). */
bool sim_msixtbl_read(XptSim *sim, uint64_t addr, unsigned len, uint64_t *val);
/** A guest write of @len bytes: true when Xen handled it and no ioreq follows. */
bool sim_msixtbl_write(XptSim *sim, uint64_t addr, unsigned len, uint64_t val);
/** msix_write_completion, after the device model completed a forwarded write. */
void sim_msixtbl_completion(XptSim *sim);
/** The registered tables as a JSON array [{sbdf, gtable, refcnt}] added to @b. */
JsonBuilder *sim_msixtbl_json(XptSim *sim, JsonBuilder *b);
void sim_msixtbl_free(XptSim *sim);

/** sim_extension: the XptQtestBackend extension ("xen-sim ..." lines; xen-sim-state.c). */
/* The domain's capabilities (iomem_caps, ioport_caps, irq_caps), rebuilt from the
 * remaining grants first if a revoke made them stale. Never NULL. */
XptSim *sim_caps(XptSim *sim);

char *sim_extension(void *opaque, char **argv, GError **errp);

#endif
