/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The simulated hypervisor of the qtest accelerator (SPEC §2). Not a mock: it models the
 * Xen 4.17 state the device model changes and enforces Xen's rules, so that what passes
 * here is meaningful for real Xen.
 *
 *  - routing (reference/xen-abi.md §dm_op): each qtest access becomes the ioreq_t Xen
 *    would send, handed to the same dispatcher (xpt_dispatch) the xen accelerator uses:
 *      * 4-byte writes to 0xCF8 are latched by the "hypervisor"; every access to
 *        0xCF8–0xCFB (reads included) is then handled like any other port: PIO to a
 *        server that claimed it, else all-ones / discarded. Xen answers no read of 0xCF8
 *        itself (hvm_access_cf8 in xen/arch/x86/hvm/ioreq.c always falls through), so a
 *        device model that does not claim 0xCF8 shows guests 0xFFFFFFFF there — which
 *        fails Linux's type-1 probe (pci_check_type1 reads the latch back). The latch is
 *        visible as "cf8" in the state;
 *      * 0xCFC–0xCFF while CF8 bit 31 is set → IOREQ_TYPE_PCI_CONFIG for
 *        SBDF 0000:BB:DD.F (bus = CF8 bits 23:16) with register (CF8 & 0xFC) | (port & 3),
 *        only if that SBDF is claimed; otherwise reads return all-ones, writes vanish;
 *      * other ports → IOREQ_TYPE_PIO only if a claimed port range contains the whole
 *        access; else all-ones / discarded;
 *      * memory the MSI-X table interception takes first (Xen's internal handlers run
 *        before any ioreq server: hvmemul_do_io → hvm_io_intercept): vector-control and
 *        shadowed address/data reads of mapped entries of a table registered by a bind
 *        with gtable, mask writes, and the unmask completion after a forwarded write —
 *        Xen 4.17's xen/arch/x86/hvm/vmsi.c msixtbl_* with its inverted reference count;
 *        the rules are in qtest/xen-sim-msixtbl.c. "xen-sim feature dm_msix_all_writes
 *        on" makes it Xen ≥ 4.19's (every write forwarded too; XptHvOps
 *        dm_msix_all_writes reports it);
 *      * ports mapped with ioport_mapping → a sim-owned shadow of the host ports (Xen's
 *        g2m_portio handler; the device model never sees them), before all of the above;
 *      * memory, decided page by page (an access crossing a page boundary is split there,
 *        as Xen's linear_read/linear_write do): a p2m-mapped passthrough page
 *        (memory_mapping add) → the host BAR backend (a per-frame shadow of host MMIO
 *        owned by the sim, zero-filled, writes read back; the real device is never
 *        touched); else guest RAM below the RAM size (sparse pages, zero-filled: RAM is in
 *        the p2m and never exits to an ioreq server, even if claimed); else a claimed
 *        MMIO range that contains the whole access → IOREQ_TYPE_COPY; else all-ones /
 *        discarded. readb..readq/writeb..writeq become one COPY of their size (unaligned
 *        allowed, as Xen sends it); a piece left by a page split is sent in power-of-two
 *        chunks of at most 8 bytes. mem_read/mem_write (read/write/memset/b64*) are cut
 *        into naturally aligned chunks of at most 8 bytes, halved until a claim contains
 *        them.
 *  - state: p2m MMIO mappings, ioport mappings, pirqs (+ host source), MSI/MSI-X bindings
 *    (gvec, gflags, gtable), INTx bindings, PCI link routes, ISA IRQ levels, ioreq-server
 *    claims (port, mmio, pci), guest RAM.
 *  - interrupt delivery (Xen 4.17): each MSI/MSI-X pirq has a guest mask (msi_desc
 *    guest_masked): set at map for MSI-X (xen/arch/x86/msi.c msix_capability_init), clear
 *    for MSI (msi_capability_init); a bind with XEN_DOMCTL_VMSI_X86_UNMASKED clears it
 *    (xen/drivers/passthrough/x86/hvm.c pt_irq_create_bind), a bind without it leaves it.
 *    The guest's side of a pirq (reservation, event channel, emulated IRQ) is kept apart
 *    from the mapping and survives it. A guest's EVTCHNOP_bind_pirq (xen/common/
 *    event_channel.c evtchn_bind_pirq) succeeds whether or not the pirq is mapped, but
 *    only for a mapped one does arch_evtchn_bind_pirq (xen/arch/x86/irq.c) route the
 *    pirq to the channel (emuirq IRQ_PT) and clear the guest mask; unmapping removes the
 *    routing (physdev_unmap_pirq). Each "msi" state entry says whether an interrupt would
 *    arrive and how (hvm_dirq_assist): "delivery" "evtchn" (routed: send_guest_pirq),
 *    "vector" (vmsi_deliver_pirq: fixed/lowest-priority, gvec ≥ 16) or "none" with a
 *    "why" (guest-masked, unsupported delivery mode, vector below 16).
 *  - shared host GSI (Xen 4.17): mapping a GSI that is already mapped returns the same
 *    pirq and keeps no count (xen/arch/x86/irq.c allocate_and_map_gsi_pirq,
 *    allocate_pirq); each xc_domain_bind_pt_pci_irq adds one (dev, intx) to the pirq
 *    and unbinding one leaves the others delivering (xen/drivers/passthrough/x86/hvm.c
 *    pt_irq_create_bind / pt_irq_destroy_bind). Unmapping a pirq that is still bound
 *    succeeds and force-unbinds all of its bindings (unmap_domain_pirq →
 *    pirq_guest_force_unbind): they stay listed with "delivery" "none", the GSI cannot
 *    be mapped again (EEXIST) until the last of them is unbound, a left MSI binding can
 *    never be removed (EINVAL), and the leak report names them.
 *  - MSI of any PCI segment: map_pirq_msi models PHYSDEVOP_map_pirq as the xen backend
 *    sends it, MAP_PIRQ_TYPE_MSI for segment 0 and MAP_PIRQ_TYPE_MSI_SEG (bus = seg << 16
 *    | bus) for the others (xen/arch/x86/physdev.c do_physdev_op: plain MSI means
 *    segment 0), so the device is looked up by its full SBDF among the grants.
 *  - permissions: like the toolstack, only what grant_device granted (host BAR frames,
 *    I/O ports, IRQ) may be mapped: anything else fails with EPERM; a mapping overlapping
 *    an existing one fails with EEXIST; removing something not mapped fails with ENOENT.
 *    Claims: at most 256 ranges per type, overlapping claims EEXIST. Like Xen's
 *    rangesets (xen/common/rangeset.c) touching claims merge into one range, and the
 *    257th range fails with ENOMEM (rangeset_add_range's code when the limit set by
 *    rangeset_limit(MAX_NR_IO_RANGES) is hit), not ENOSPC.
 *  - fault injection: "xen-sim fail OP ERRNO [COUNT]" makes the next COUNT calls of OP
 *    fail with -ERRNO (OP names: memory_mapping, ioport_mapping, claim_range,
 *    unclaim_range, set_pci_link_route, set_isa_irq_level, map_pirq, map_pirq_msi,
 *    unmap_pirq, bind_msi, unbind_msi, bind_pt_intx, unbind_pt_intx, guest_read,
 *    guest_write, grant_device, revoke_device, shutdown, power_button). ERRNO is a number or a name (EPERM...).
 *    COUNT defaults to 1; 0 cancels. A failed call changes no state.
 *  - every operation's exact rules (errno per case, where the sim is stricter than Xen)
 *    are documented at its implementation in qtest/xen-sim.c and qtest/xen-sim-irq.c.
 *    The p2m is per page, as in Xen: "mmio" entries are maximal runs (contiguous adds
 *    merge, removing part of a run splits it), and removal may use other pieces than
 *    the adds did.
 *  - introspection (qtest extension lines, one JSON object per reply):
 *      xen-sim state        → OK {"mmio":[...],"ioports":[...],"pirqs":[...],"msi":[...],
 *                               "intx":[...],"link_routes":[r0,r1,r2,r3],"isa_irq":[16 levels],
 *                               "claims":{"port":[...],"mmio":[...],"pci":[...]},
 *                               "grants":[...],"calls":{OP: count,...},
 *                               "shutdown":null|"poweroff"|"reboot"|...,"power_button":N,
 *                               "msixtbl":[{sbdf,gtable,refcnt}],"dm_msix_all_writes":B}
 *    "shutdown": the domain's shutdown reason (xendevicemodel_shutdown; the first one
 *    wins, as in Xen's domain_shutdown), null while the domain runs; "power_button":
 *    how often the ACPI power button was pressed (xc_domain_send_trigger POWER).
 *      xen-sim leaks        → OK {"leaks":[...human-readable strings...]}
 *      xen-sim fail OP ERRNO [COUNT] → OK
 *      xen-sim feature dm_msix_all_writes on|off → OK
 *    "msi" entries: {pirq, gvec, gflags, gtable, guest_masked, evtchn (port, 0 none),
 *    delivery, why?}; "intx" entries: {pirq, bus, dev, intx, delivery ("gsi" or "none"),
 *    why?}; a "pirqs" entry unmapped while still bound carries "force_unbound": true;
 *    MSI "pirqs" entries carry guest_masked; "guest_pirqs":
 *    [{pirq, allocated, evtchn, emuirq_pt, gsi?}] for every pirq with guest-side state.
 *  - the guest's pirq hypercalls, as a Linux HVM guest using pirqs for MSI makes them
 *    (arch/x86/pci/xen.c xen_hvm_setup_msi_irqs; events_base.c startup_pirq), answered
 *    as Xen 4.17 does ({"rc": 0 or -errno, ...}; never counted, never faulted):
 *      xen-sim get-free-pirq [msi|gsi] → OK {"rc":R,"pirq":P}  PHYSDEVOP_get_free_pirq
 *                                        (reserves P; ENOSPC when none is free)
 *      xen-sim map-gsi-pirq GSI        → OK {"rc":R,"pirq":P}  PHYSDEVOP_map_pirq of an
 *                                        emulated GSI (COM1's 4, the SCI's 9): P from
 *                                        16 up, the GSI routed to it ("gsi" in
 *                                        guest_pirqs) until a device model's unmap of P
 *      xen-sim evtchn-bind-pirq PIRQ   → OK {"rc":R,"port":N}  EVTCHNOP_bind_pirq
 *                                        (EINVAL ≥ nr_pirqs, EEXIST already bound;
 *                                        success on an unmapped pirq, see above)
 *      xen-sim evtchn-close-pirq PIRQ  → OK {"rc":R}           EVTCHNOP_close (EINVAL
 *                                        when no channel is bound to PIRQ)
 *      xen-sim host-writes SBDF → OK [{"offset":N,"len":N,"value":N},...]   (via a hook)
 *      xen-sim host-fail KEY read|write ERRNO [COUNT] → OK   (host config faults, and
 *      xen-sim host-gone KEY [on|off] → OK                    a vanished device; via the
 *                                                             hook: qtest/accel.c)
 *  - leak check: xpt_sim_leak_report() lists every mapping, pirq, binding and claim left;
 *    the machine prints them at exit and exits non-zero if any (a leak fails the test).
 */
#ifndef XPT_QTEST_XEN_SIM_H
#define XPT_QTEST_XEN_SIM_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "qtest/qtest.h"
#include "xen/hvops.h"
#include "xen/ioreq.h"

typedef struct XptSim XptSim;

/*
 * pirq space of the simulated domain. Host GSIs 1..XPT_SIM_NR_IRQS_GSI-1 are valid
 * (nr_irqs_gsi of a large host, so that any IRQ a fixture reports is a GSI); a GSI pirq
 * is by default the GSI itself (libxenctrl's xc_physdev_map_pirq). A domU has
 * nr_pirqs = nr_irqs_gsi + extra_guest_irqs (32): MSI pirqs are allocated like Xen's
 * get_free_pirq(), from XPT_SIM_NR_PIRQS-1 downwards, and the 33rd fails with ENOSPC.
 */
#define XPT_SIM_NR_IRQS_GSI 1024
#define XPT_SIM_NR_PIRQS (XPT_SIM_NR_IRQS_GSI + 32)

/** xpt_sim_new: a fresh simulated domain with @ram_bytes of guest RAM from 0. */
XptSim *xpt_sim_new(uint64_t ram_bytes);
void xpt_sim_free(XptSim *sim);

/** The XptHv to give the device model (ops = the sim, opaque = @sim). */
XptHv *xpt_sim_hv(XptSim *sim);

/** Where routed ioreqs go (must be set before guest I/O). */
void xpt_sim_set_dispatcher(XptSim *sim, XptDispatcher *d);

/** qtest server for IRQ reports of set_isa_irq_level (may be NULL). */
void xpt_sim_set_qtest(XptSim *sim, XptQtestServer *qts);

/** The XptQtestBackend implemented by the sim (opaque = the sim). */
const XptQtestBackend *xpt_sim_qtest_backend(void);

/**
 * Extra "xen-sim" subcommands provided by the machine (e.g. host-writes): called for a
 * subcommand the sim does not know; returns the reply text or NULL with *errp set.
 */
void xpt_sim_set_extension(XptSim *sim,
                           char *(*ext)(void *opaque, char **argv, GError **errp),
                           void *opaque);

/**
 * xpt_sim_inject_fault: make the next @count calls of operation @op (a name as in
 * "xen-sim fail") return -@err (1..4095) without changing any state; @count 0 cancels.
 * False with XPT_ERROR_INVALID for an unknown @op or errno.
 */
bool xpt_sim_inject_fault(XptSim *sim, const char *op, int err, unsigned count, GError **errp);

/**
 * xpt_sim_fail_spec: xpt_sim_inject_fault from the command-line form "OP:ERRNO[:COUNT]"
 * (-accel qtest,sim-fail=...), so that faults can hit the calls made while cold-plugged
 * devices attach, before any qtest command. ERRNO is a number or a name. Errors:
 * XPT_ERROR_INVALID naming the bad part.
 */
bool xpt_sim_fail_spec(XptSim *sim, const char *spec, GError **errp);

/**
 * State as a JSON object string (the "xen-sim state" reply), newly allocated. Besides the
 * members listed above: "cf8" (the 0xCF8 latch) and "ram_bytes". Numbers are JSON
 * integers (a value ≥ 2^63, possible only for a claim end, appears as its int64 wrap);
 * every array is sorted by address / number.
 */
char *xpt_sim_state_json(XptSim *sim);

/**
 * xpt_sim_leak_report: a newly allocated array of one-line descriptions of everything
 * still mapped, bound, claimed or granted; empty when clean. Free with g_strfreev.
 */
char **xpt_sim_leak_report(XptSim *sim);

#endif
