/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Routing of qtest accesses through the simulated hypervisor (qtest/xen-sim.h §routing):
 * each access becomes what Xen 4.17 does with a guest access — a direct p2m / port
 * mapping, guest RAM, an ioreq_t for the dispatcher, or the null handler (all-ones reads,
 * discarded writes). Sources: xen/arch/x86/hvm/ioreq.c (arch_ioreq_server_get_type_addr,
 * hvm_access_cf8), xen/common/ioreq.c (ioreq_server_select), xen/arch/x86/hvm/emulate.c
 * (page split in linear_read/linear_write, chunking in hvmemul_phys_mmio_access),
 * xen/arch/x86/hvm/io.c (g2m_portio_accept: ports mapped with ioport_mapping).
 *
 * Buffers: a read fills @rbuf, a write takes @wbuf; exactly one of them is non-NULL.
 */
#include "qtest/xen-sim-int.h"

#include <string.h>

#include "util/bytes.h"

#define PAGE_MASK_LOW (XPT_PAGE_SIZE - 1)

/* Send one request (count 1, data inline) to the dispatcher; the read result or 0. */
static uint64_t send_ioreq(XptSim *sim, uint8_t type, uint64_t addr, unsigned size, bool write,
                           uint64_t val)
{
    ioreq_t req;
    memset(&req, 0, sizeof(req));
    req.type = type;
    req.addr = addr;
    req.size = size;
    req.count = 1;
    req.dir = write ? IOREQ_WRITE : IOREQ_READ;
    req.data = write ? val & xpt_ones64(size) : 0;
    req.state = STATE_IOREQ_READY;
    xpt_dispatch(sim->dispatcher, &req);
    return write ? 0 : req.data & xpt_ones64(size);
}

/* ---- ports ------------------------------------------------------------------------------ */

/* The port mapping wholly containing [port, port+size), or NULL (g2m_portio_accept). */
static const SimIoport *ioport_lookup(XptSim *sim, uint32_t port, unsigned size)
{
    for (guint i = 0; i < sim->ioports->len; i++) {
        const SimIoport *x = &g_array_index(sim->ioports, SimIoport, i);
        if (port >= x->gport && port + size <= x->gport + x->nr) {
            return x;
        }
    }
    return NULL;
}

/* A port access: returns the value read (writes: 0). */
static uint32_t pio_access(XptSim *sim, uint16_t port, unsigned size, bool write, uint32_t val)
{
    if (size != 1 && size != 2 && size != 4) {
        return write ? 0 : 0xffffffffu;
    }
    /* hvm_access_cf8: the latch; the access itself then goes on like any other. */
    if (write && size == 4 && port == 0xcf8) {
        sim->cf8 = val;
    }
    const SimIoport *map = ioport_lookup(sim, port, size);
    if (map) {
        if (!sim->host_ports) {
            sim->host_ports = g_malloc0(SIM_PORT_SPACE);
        }
        uint8_t *host = sim->host_ports + map->mport + (port - map->gport);
        uint8_t buf[4];
        if (write) {
            xpt_le_store(buf, val, size);
            memcpy(host, buf, size);
            return 0;
        }
        return (uint32_t)xpt_le_load(host, size);
    }
    if ((port & ~3u) == 0xcfc && (sim->cf8 & 0x80000000u)) {
        /* PCI config data cycle: SBDF 0000:BB:DD.F, register CF8[7:2] | port[1:0]. */
        uint32_t sbdf = XEN_DMOP_PCI_SBDF(0, (sim->cf8 >> 16) & 0xff, (sim->cf8 >> 11) & 0x1f,
                                          (sim->cf8 >> 8) & 7);
        uint32_t reg = (sim->cf8 & 0xfc) | (port & 3);
        if (sim->dispatcher && sim_rs_contains(&sim->claims[XPT_RANGE_PCI], sbdf, sbdf)) {
            return (uint32_t)send_ioreq(sim, IOREQ_TYPE_PCI_CONFIG,
                                        ((uint64_t)sbdf << 32) | reg, size, write, val);
        }
        return write ? 0 : (uint32_t)xpt_ones64(size);
    }
    if (sim->dispatcher &&
        sim_rs_contains(&sim->claims[XPT_RANGE_PORT], port, (uint64_t)port + size - 1)) {
        return (uint32_t)send_ioreq(sim, IOREQ_TYPE_PIO, port, size, write, val);
    }
    return write ? 0 : (uint32_t)xpt_ones64(size);
}

static uint32_t sim_pio_read(void *opaque, uint16_t port, unsigned size)
{
    return pio_access(opaque, port, size, false, 0);
}

static void sim_pio_write(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
    pio_access(opaque, port, size, true, val);
}

/* ---- memory ----------------------------------------------------------------------------- */

/* One COPY of @len (1, 2, 4, 8) bytes at @addr if a claim contains it, else the null
 * handler. */
static void copy_or_null(XptSim *sim, uint64_t addr, uint8_t *rbuf, const uint8_t *wbuf,
                         unsigned len)
{
    /* Xen's internal handlers come first (hvmemul_do_io → hvm_io_intercept): the MSI-X
     * table interception answers or swallows what is its own (xen-sim-msixtbl.c). */
    uint64_t v;
    if (rbuf && sim_msixtbl_read(sim, addr, len, &v)) {
        xpt_le_store(rbuf, v, len);
        return;
    }
    if (wbuf && sim_msixtbl_write(sim, addr, len, xpt_le_load(wbuf, len))) {
        return;
    }
    if (sim->dispatcher &&
        sim_rs_contains(&sim->claims[XPT_RANGE_MEMORY], addr, addr + len - 1)) {
        sim->in_ioreq = true;                   /* the vCPU blocks in Xen until done */
        v = send_ioreq(sim, IOREQ_TYPE_COPY, addr, len, wbuf != NULL,
                       wbuf ? xpt_le_load(wbuf, len) : 0);
        sim->in_ioreq = false;
        sim_msixtbl_completion(sim);            /* vcpu_ioreq_handle_completion */
        if (rbuf) {
            xpt_le_store(rbuf, v, len);
        }
    } else if (rbuf) {
        memset(rbuf, 0xff, len);
    }
}

/* The largest power of two ≤ @n (n ≥ 1). */
static unsigned pow2_floor(unsigned n)
{
    unsigned p = 1;
    while (p * 2 <= n) {
        p *= 2;
    }
    return p;
}

/*
 * Access [addr, addr+len) inside one page. @bulk: qtest read/write/memset (aligned chunks
 * shrunk to fit claims); else a CPU access (one COPY of the whole size when it is a power
 * of two, else Xen's chunks: largest power of two ≤ remaining, ≤ 8).
 */
static void page_access(XptSim *sim, uint64_t addr, uint8_t *rbuf, const uint8_t *wbuf,
                        unsigned len, bool bulk)
{
    uint64_t fn = addr >> XPT_PAGE_SHIFT;
    unsigned off = addr & PAGE_MASK_LOW;
    const SimExtent *x = sim_p2m_lookup(sim->p2m, fn);
    SimPages *store = NULL;

    if (x) {
        store = sim->host_mmio;
        fn = x->mfn + (fn - x->gfn);
    } else if (fn < sim->ram_bytes >> XPT_PAGE_SHIFT) {
        store = sim->ram;
    }
    if (store) {
        if (wbuf) {
            sim_pages_write(store, fn, off, wbuf, len);
        } else {
            sim_pages_read(store, fn, off, rbuf, len);
        }
        return;
    }
    if ((!sim->dispatcher ||
         !sim_rs_overlaps(&sim->claims[XPT_RANGE_MEMORY], addr, addr + len - 1)) &&
        !sim_msixtbl_covers(sim, addr, len)) {
        if (rbuf) {
            memset(rbuf, 0xff, len);
        }
        return;
    }
    if (!bulk && len <= 8 && (len & (len - 1)) == 0) {
        copy_or_null(sim, addr, rbuf, wbuf, len);
        return;
    }
    for (unsigned done = 0; done < len;) {
        uint64_t a = addr + done;
        unsigned c = pow2_floor(MIN(len - done, 8u));
        if (bulk) {
            while (a & (c - 1)) {
                c /= 2;
            }
            while (c > 1 && !sim_rs_contains(&sim->claims[XPT_RANGE_MEMORY], a, a + c - 1) &&
                   sim_rs_overlaps(&sim->claims[XPT_RANGE_MEMORY], a, a + c - 1)) {
                c /= 2;
            }
        }
        copy_or_null(sim, a, rbuf ? rbuf + done : NULL, wbuf ? wbuf + done : NULL, c);
        done += c;
    }
}

/* Access @len bytes at @addr, page by page; bytes beyond 2^64-1 do not wrap to 0 but
 * hit the null handler. */
static void mem_access(XptSim *sim, uint64_t addr, uint8_t *rbuf, const uint8_t *wbuf,
                       size_t len, bool bulk)
{
    for (size_t done = 0; done < len;) {
        uint64_t a = addr + done;
        if (a < addr) {
            if (rbuf) {
                memset(rbuf + done, 0xff, len - done);
            }
            return;
        }
        unsigned n = (unsigned)MIN(len - done, XPT_PAGE_SIZE - (a & PAGE_MASK_LOW));
        page_access(sim, a, rbuf ? rbuf + done : NULL, wbuf ? wbuf + done : NULL, n, bulk);
        done += n;
    }
}

static uint64_t sim_mmio_read(void *opaque, uint64_t addr, unsigned size)
{
    uint8_t buf[8];
    if (size != 1 && size != 2 && size != 4 && size != 8) {
        return ~0ull;
    }
    mem_access(opaque, addr, buf, NULL, size, false);
    return xpt_le_load(buf, size);
}

static void sim_mmio_write(void *opaque, uint64_t addr, unsigned size, uint64_t val)
{
    uint8_t buf[8];
    if (size != 1 && size != 2 && size != 4 && size != 8) {
        return;
    }
    xpt_le_store(buf, val, size);
    mem_access(opaque, addr, NULL, buf, size, false);
}

static void sim_mem_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
    mem_access(opaque, addr, buf, NULL, len, true);
}

static void sim_mem_write(void *opaque, uint64_t addr, const void *buf, size_t len)
{
    mem_access(opaque, addr, NULL, buf, len, true);
}

static const XptQtestBackend sim_backend = {
    .pio_read = sim_pio_read,
    .pio_write = sim_pio_write,
    .mmio_read = sim_mmio_read,
    .mmio_write = sim_mmio_write,
    .mem_read = sim_mem_read,
    .mem_write = sim_mem_write,
    .extension = sim_extension,
};

const XptQtestBackend *xpt_sim_qtest_backend(void)
{
    return &sim_backend;
}
