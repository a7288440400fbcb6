/*
 * The simulated hypervisor of the qtest accelerator (SPEC §2). Not a mock: it models the
 * Xen 4.17 state the device model changes and enforces Xen's rules, so that what passes
 * here is meaningful for real Xen.
 *
 *  - routing (reference/xen-abi.md §dm_op): each qtest access becomes the ioreq_t Xen
 *    would send, handed to the same dispatcher (xpt_dispatch) the xen accelerator uses:
 *      * 4-byte writes to 0xCF8 are latched by the "hypervisor" (and forwarded as PIO only
 *        if some server claimed port 0xCF8); reads of 0xCF8 return the latch;
 *      * 0xCFC–0xCFF while CF8 bit 31 is set → IOREQ_TYPE_PCI_CONFIG for
 *        SBDF 0000:BB:DD.F (bus = CF8 bits 23:16) with register (CF8 & 0xFC) | (port & 3),
 *        only if that SBDF is claimed; otherwise reads return all-ones, writes vanish;
 *      * other ports → IOREQ_TYPE_PIO only if a claimed port range contains the whole
 *        access; else all-ones / discarded;
 *      * memory: a p2m-mapped passthrough range (memory_mapping add) → the host BAR backend
 *        (a per-frame shadow of host MMIO owned by the sim; the real device is never
 *        touched); else a claimed MMIO range → IOREQ_TYPE_COPY; else guest RAM below the
 *        RAM size (sparse pages, zero-filled); else all-ones / discarded.
 *  - state: p2m MMIO mappings, ioport mappings, pirqs (+ host source), MSI/MSI-X bindings
 *    (gvec, gflags, gtable), INTx bindings, PCI link routes, ISA IRQ levels, ioreq-server
 *    claims (port, mmio, pci), guest RAM.
 *  - permissions: like the toolstack, only what grant_device granted (host BAR frames,
 *    I/O ports, IRQ) may be mapped: anything else fails with EPERM; a mapping overlapping
 *    an existing one fails with EEXIST; removing something not mapped fails with ENOENT.
 *    Claims: at most 256 ranges per type (ENOSPC), overlapping claims EEXIST.
 *  - fault injection: "xen-sim fail OP ERRNO [COUNT]" makes the next COUNT calls of OP
 *    fail with -ERRNO (OP names: memory_mapping, ioport_mapping, claim_range,
 *    unclaim_range, set_pci_link_route, set_isa_irq_level, map_pirq, map_pirq_msi,
 *    unmap_pirq, bind_msi, unbind_msi, bind_pt_intx, unbind_pt_intx, guest_read,
 *    guest_write, grant_device).
 *  - introspection (qtest extension lines, one JSON object per reply):
 *      xen-sim state        → OK {"mmio":[...],"ioports":[...],"pirqs":[...],"msi":[...],
 *                               "intx":[...],"link_routes":[r0,r1,r2,r3],"isa_irq":[16 levels],
 *                               "claims":{"port":[...],"mmio":[...],"pci":[...]},
 *                               "grants":[...],"calls":{OP: count,...}}
 *      xen-sim leaks        → OK {"leaks":[...human-readable strings...]}
 *      xen-sim fail OP ERRNO [COUNT] → OK
 *      xen-sim host-writes SBDF → OK [{"offset":N,"len":N,"value":N},...]   (via a hook)
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

/** State as a JSON object string (the "xen-sim state" reply), newly allocated. */
char *xpt_sim_state_json(XptSim *sim);

/**
 * xpt_sim_leak_report: a newly allocated array of one-line descriptions of everything
 * still mapped, bound, claimed or granted; empty when clean. Free with g_strfreev.
 */
char **xpt_sim_leak_report(XptSim *sim);

#endif
