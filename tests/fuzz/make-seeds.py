#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Write the seed corpus of the guest fuzzer (tests/fuzz/fuzz-guest.h) to tests/fuzz/corpus/.

Each seed is a short, meaningful operation sequence in the harness's input encoding
(byte 0: cold-plugged fixtures; then op byte + operands, little-endian). Run from the
repository root:  python3 tests/fuzz/make-seeds.py  (rewrites the seed-* files only;
regression inputs saved from crashes are kept).
"""
import os
import struct
import sys

# FuzzOp in tests/fuzz/fuzz-guest.h
(CFG_READ, CFG_WRITE, PIO_READ, PIO_WRITE, MMIO_READ, MMIO_WRITE, MEM_BULK, BAR_PLACE,
 FIRMWARE, MSIX, MSI, DEVICE_ADD, UNPLUG, EJECT, FAULT, COMMAND, IOREQ) = range(17)

# FuzzHostOp (op byte values when byte 0 has HOST_OPS) and FuzzLie of fuzz-guest.h
HOST_OPS = 0x80
HOST_FAIL, HOST_GONE, HOST_LIE = range(17, 20)
(LIE_SHORT_CONFIG, LIE_BAR_OVERLAP, LIE_OTHER_OVERLAP, LIE_BAR_AT_0, LIE_CAP_LOOP,
 LIE_PATCH) = range(6)

# Cold-plugged devices (byte 0) and their index as a device selector when all three are.
ALL = 0x07
NIC, NVME, RTL = 0, 1, 2          # 82576 (slot 2), NVMe (slot 3), RTL8111 (slot 4)
PERMISSIVE_ALL = 0x38
CHIP_I440FX, CHIP_PIIX3, CHIP_PM = 0xF0, 0xF1, 0xF2   # fixed devfns 00.0, 01.0, 01.3

# fault_ops[] and fault_errnos[] of fuzz-guest.c
FAULTS = ["memory_mapping", "ioport_mapping", "claim_range", "unclaim_range",
          "set_pci_link_route", "set_isa_irq_level", "map_pirq", "map_pirq_msi", "unmap_pirq",
          "bind_msi", "unbind_msi", "bind_pt_intx", "unbind_pt_intx", "guest_read",
          "guest_write", "grant_device", "revoke_device"]
ERRNOS = ["EPERM", "ENOENT", "EIO", "ENOMEM", "EBUSY", "EEXIST", "EINVAL", "ENOSPC", "E2BIG",
          "EFAULT", "ESRCH", "EAGAIN"]
WIDTH = {1: 0, 2: 1, 4: 2}


def u16(v):
    return struct.pack("<H", v & 0xFFFF)


def u32(v):
    return struct.pack("<I", v & 0xFFFFFFFF)


def u64(v):
    return struct.pack("<Q", v & 0xFFFFFFFFFFFFFFFF)


def cfg_read(sel, off, w=4):
    return bytes([CFG_READ, sel, off, WIDTH[w]])


def cfg_write(sel, off, w, val):
    return bytes([CFG_WRITE, sel, off, WIDTH[w]]) + u32(val)


def port(mode, k, extra=b""):
    return bytes([mode, k]) + extra


def pio_read(p, w=4):
    return bytes([PIO_READ]) + p + bytes([WIDTH[w]])


def pio_write(p, w, val):
    return bytes([PIO_WRITE]) + p + bytes([WIDTH[w]]) + u32(val)


def t_bar(sel, bar, off):
    return bytes([0, sel, bar]) + u32(off)


def t_msix(sel, entry, byte):
    return bytes([1, sel]) + u16(entry) + bytes([byte])


def t_raw(addr):
    return bytes([3, 0]) + u64(addr)


def mmio_read(target, w=4):
    return bytes([MMIO_READ]) + target + bytes([{1: 0, 2: 1, 4: 2, 8: 3}[w]])


def mmio_write(target, w, val):
    return bytes([MMIO_WRITE]) + target + bytes([{1: 0, 2: 1, 4: 2, 8: 3}[w]]) + u64(val)


def mem_bulk(target, length, write=False, fill=0):
    return bytes([MEM_BULK]) + target + bytes([length - 1, (fill & 0xFE) | int(write)])


def bar_place(sel, bar, addr_choice, how=0, extra=b""):
    return bytes([BAR_PLACE, sel, bar, addr_choice]) + extra + bytes([how])


def firmware(sel, flags=0):
    return bytes([FIRMWARE, sel, flags])


def msix(sel, entry, steps, vec=0x31, dest=0):
    return bytes([MSIX, sel]) + u16(entry) + bytes([steps, vec, dest])


def msi(sel, steps, vec=0x41, dest=0):
    return bytes([MSI, sel, steps, vec, dest])


def device_add(fx, flags=0, slot=0, ident=0):
    return bytes([DEVICE_ADD, fx, flags, slot, ident])


def host_fail(sel, write=False, err="EIO", count=1):
    return bytes([HOST_FAIL, sel, int(write), ERRNOS.index(err), count])


def host_gone(sel, on=True):
    return bytes([HOST_GONE, sel, int(on)])


def lie(fx, kind, a=0, b=0, v=0, flags=0, slot=0, ident=0):
    return bytes([HOST_LIE, fx, kind, a, b]) + u32(v) + bytes([flags, slot, ident])


def unplug(sel):
    return bytes([UNPLUG, sel])


def eject_dev(sel):
    return bytes([EJECT, 0, sel])


def eject_raw(val):
    return bytes([EJECT, 1]) + u32(val)


def fault(op, err="EIO", count=1):
    return bytes([FAULT, FAULTS.index(op), ERRNOS.index(err), count])


def command(sel, val):
    return bytes([COMMAND, sel]) + u16(val)


def ioreq(type_idx, target, size_idx, count, flags, data):
    return bytes([IOREQ, type_idx]) + target + bytes([size_idx]) + u16(count) + \
        bytes([flags]) + u64(data)


# Port selectors (pick_port): 0 config ports, 1 PCI hot-plug, 2 GPE0, 3 CPU bitmap,
# 4 a device's I/O BAR (+ offset byte), 5 raw.
CF8, CFC = port(0, 0), port(0, 4)
PCIU, PCID, B0EJ, B0RM = port(1, 0), port(1, 4), port(1, 8), port(1, 12)
GPE_STS, GPE_EN = port(2, 0), port(2, 2)


def fw_all():
    return firmware(NIC) + firmware(NVME) + firmware(RTL)


SEEDS = {
    "firmware-all": [ALL, fw_all()],
    "firmware-64bit-high": [ALL, firmware(NVME, 0x01), firmware(NIC, 0x01)],
    "msix-unmask-nic": [ALL, firmware(NIC), msix(NIC, 0, 0x0F)],
    "msix-unmask-nvme-entry-128": [ALL, firmware(NVME), msix(NVME, 128, 0x0F, 0x52, 1)],
    "msix-unmask-rtl": [ALL, firmware(RTL), msix(RTL, 2, 0x0F)],
    "msix-disable-after-bind": [ALL, firmware(NIC), msix(NIC, 1, 0x0F), msix(NIC, 1, 0x20)],
    "msix-latched-rewrite": [ALL, firmware(NIC), msix(NIC, 3, 0x8F), msix(NIC, 3, 0x14)],
    "msix-8byte-writes": [ALL, firmware(NVME), msix(NVME, 5, 0x4F),
                          mmio_read(t_msix(NVME, 5, 0), 8)],
    "msix-move-table-bar": [ALL, firmware(NIC), msix(NIC, 0, 0x0F),
                            bar_place(NIC, 3, 3, 0x00), msix(NIC, 0, 0x14)],
    "msix-function-mask-toggle": [ALL, firmware(RTL), msix(RTL, 0, 0x07), msix(RTL, 0, 0x08),
                                  cfg_write(RTL, 0xB2, 2, 0xC000),
                                  cfg_write(RTL, 0xB2, 2, 0x8000)],
    "msix-bad-accesses": [ALL, firmware(NIC), mmio_write(t_msix(NIC, 0, 1), 4, 0),
                          mmio_write(t_msix(NIC, 0, 2), 2, 0), mmio_read(t_msix(NIC, 0, 3), 1),
                          mmio_write(t_msix(NIC, 10, 0), 4, 0),
                          mmio_write(t_msix(NIC, 12, 12), 4, 0),
                          mmio_write(t_bar(NIC, 3, 0x2000), 8, 0xFFFFFFFFFFFFFFFF),
                          mmio_read(t_bar(NIC, 3, 0x2000), 8),
                          mmio_write(t_bar(NIC, 3, 0xFFC), 8, 1)],
    "msi-enable-disable-nic": [ALL, msi(NIC, 0x0D), msi(NIC, 0x30)],
    "msi-enable-rtl-rebind": [ALL, msi(RTL, 0x0D, 0x51, 3), msi(RTL, 0x20, 0x52, 3),
                              msi(RTL, 0x10)],
    "msi-pv-on-hvm-pirq": [ALL, msi(NIC, 0x4F, 0x00, 0x40), msi(NIC, 0x10)],
    "msi-and-msix-together": [ALL, firmware(NIC), msi(NIC, 0x0D), msix(NIC, 0, 0x0F),
                              msi(NIC, 0x10), msix(NIC, 0, 0x20)],
    "bar-sizing-probe": [ALL] + [bar_place(NIC, b, 0, 0x03) for b in range(7)] +
                        [bar_place(NVME, 0, 7, 0x07), bar_place(RTL, 0, 0, 0x03)],
    "bar-live-move": [ALL, firmware(NIC), bar_place(NIC, 0, 1, 0x00),
                      bar_place(NIC, 0, 2, 0x08), bar_place(NIC, 0, 9, 0x00)],
    "bar-overlap-two-devices": [ALL, firmware(NIC), firmware(NVME),
                                bar_place(NVME, 0, 0, 0x10), bar_place(NIC, 0, 0, 0x10)],
    "bar-odd-addresses": [ALL, bar_place(NIC, 0, 0xF0, 0x10, u32(0x12345678)),
                          bar_place(NVME, 0, 0xF8, 0x10, u64(0xFFFFFFFFFFFFF000)),
                          bar_place(RTL, 0, 0xF0, 0x10, u16(0xFFFF))],
    "rom-enable-read": [ALL, firmware(NIC), firmware(RTL),
                        mmio_read(t_bar(NIC, 6, 0), 4), mmio_read(t_bar(NIC, 6, 0x7FFE), 4),
                        mem_bulk(t_bar(NIC, 6, 0x10), 64), mmio_write(t_bar(NIC, 6, 0), 4, 1),
                        bar_place(NIC, 6, 2, 0x20)],
    "io-bar-port-io": [ALL, firmware(RTL), pio_write(port(4, RTL, b"\x10"), 4, 0xDEADBEEF),
                       pio_read(port(4, RTL, b"\x10"), 2), pio_read(port(4, RTL, b"\xFE"), 4),
                       command(RTL, 0x0002), pio_read(port(4, RTL, b"\x00"), 1)],
    "mmio-bar-bytes": [ALL, firmware(NVME), mmio_write(t_bar(NVME, 0, 0x14), 4, 0x460001),
                       mmio_read(t_bar(NVME, 0, 0x1C), 4), mem_bulk(t_bar(NVME, 0, 0xFF0), 40, True, 0xA6),
                       mem_bulk(t_bar(NVME, 0, 0x1FFD), 9)],
    "command-decode-toggle": [ALL, fw_all(), command(NIC, 0), command(NIC, 0x0406),
                              command(NVME, 0xFFFF), command(RTL, 0x0001), command(RTL, 0x0400)],
    "config-sweep-nic": [ALL] + [cfg_write(NIC, o, 4, 0xFFFFFFFF) for o in range(0, 256, 4)],
    "config-sweep-rtl-permissive": [ALL | PERMISSIVE_ALL] +
                                   [cfg_write(RTL, o, 4, 0xFFFFFFFF) for o in range(0, 256, 4)],
    "config-sweep-nvme-bytes": [ALL] + [cfg_write(NVME, o, 1, 0x5A) for o in range(0x40, 0xC0)],
    "config-read-widths": [ALL] + [cfg_read(NIC, o, w) for o in (0, 1, 2, 3, 6, 0x3D, 0xFE)
                                   for w in (1, 2, 4)],
    "pm-dstate-vpd": [ALL, cfg_write(NIC, 0x44, 2, 0x8103), cfg_write(RTL, 0x44, 2, 0x0003),
                      cfg_write(RTL, 0xD2, 2, 0x8005), cfg_read(RTL, 0xD4)],
    "pcie-control": [ALL, cfg_write(NVME, 0x78, 2, 0xFFFF), cfg_write(NVME, 0x80, 2, 0xFFFF),
                     cfg_write(NVME, 0x98, 2, 0xFFFF), cfg_write(NVME, 0xA0, 2, 0xFFFF),
                     cfg_write(NVME, 0x7A, 2, 0xFFFF)],
    "status-rw1c": [ALL, cfg_write(NIC, 0x06, 2, 0xFFFF), cfg_write(NVME, 0x04, 4, 0xF9000000)],
    "piix3-link-routes": [ALL, cfg_write(CHIP_PIIX3, 0x60, 4, 0x0B0A0905),
                          cfg_write(CHIP_PIIX3, 0x60, 1, 0x80), cfg_read(CHIP_PIIX3, 0x60),
                          cfg_write(CHIP_I440FX, 0x59, 1, 0x30), cfg_read(CHIP_PM, 0x00)],
    "cf8-probe": [ALL, pio_write(CF8, 4, 0x80000000), pio_read(CF8, 4), pio_read(CFC, 4),
                  pio_write(CF8, 1, 0), pio_write(CF8, 4, 0x7FFFFFFC), pio_read(port(0, 6), 2)],
    "hotplug-add-eject": [0x03, cfg_read(NIC, 0), pio_write(GPE_EN, 2, 0x0002),
                          device_add(2, 0x10, 0, 1), pio_read(PCIU), pio_write(GPE_STS, 2, 2),
                          firmware(RTL), msix(RTL, 0, 0x0F), unplug(RTL), pio_read(PCID),
                          eject_dev(RTL)],
    "hotplug-forced-unplug": [ALL, cfg_read(NIC, 0), unplug(RTL), unplug(RTL)],
    "coldplug-unplug-now": [ALL, unplug(NVME), device_add(1, 0x14, 9), cfg_read(0, 0)],
    "device-add-errors": [0x01, device_add(0), device_add(1, 0x14, 2), device_add(1, 0x14, 1),
                          device_add(2, 0x10, 0, 0), device_add(2, 0x10, 0, 0),
                          device_add(2, 0x4C, 0x25), device_add(1, 0x20)],
    "eject-raw-bits": [ALL, cfg_read(NIC, 0), eject_raw(0xFFFFFFFF), eject_raw(0x3),
                       pio_write(B0EJ, 1, 0x10), pio_read(B0RM)],
    "gpe-and-cpu-bitmap": [ALL, pio_write(GPE_EN, 4, 0xFFFFFFFF), pio_read(GPE_STS, 4),
                           pio_read(port(3, 0), 4), pio_read(port(3, 31), 1),
                           pio_write(GPE_STS, 1, 0xFF)],
    "fault-mapping-on-firmware": [ALL, fault("memory_mapping", "EPERM", 2), fw_all(),
                                  bar_place(NIC, 0, 1, 0x10)],
    "fault-unmap-on-move": [ALL, firmware(NIC), fault("memory_mapping", "EIO", 1),
                            bar_place(NIC, 0, 1, 0x00), bar_place(NIC, 0, 2, 0x00)],
    "fault-ioport-mapping": [ALL, fault("ioport_mapping", "EBUSY", 3), firmware(RTL),
                             command(RTL, 0), command(RTL, 1)],
    "fault-msix-map-bind": [ALL, firmware(NIC), fault("map_pirq_msi", "ENOSPC"),
                            msix(NIC, 0, 0x0F), fault("bind_msi", "EINVAL"),
                            msix(NIC, 1, 0x0F), msix(NIC, 1, 0x14)],
    "fault-msix-unbind-on-disable": [ALL, firmware(NIC), msix(NIC, 0, 0x0F),
                                     fault("unbind_msi", "EIO", 2), msix(NIC, 0, 0x20),
                                     msix(NIC, 0, 0x0F)],
    "fault-msi-unmap": [ALL, msi(RTL, 0x0D), fault("unmap_pirq", "ENOENT"), msi(RTL, 0x10),
                        msi(RTL, 0x08)],
    "fault-claim-rom-msix": [ALL, fault("claim_range", "ENOMEM", 3), firmware(NIC),
                             mmio_read(t_bar(NIC, 6, 0)), msix(NIC, 0, 0x0F)],
    "fault-grant-on-add": [0x00, fault("grant_device", "EPERM"), device_add(0),
                           fault("map_pirq", "E2BIG"), device_add(2),
                           fault("claim_range", "EEXIST"), device_add(1)],
    "fault-intx-bind": [0x00, fault("bind_pt_intx", "EINVAL"), device_add(2),
                        cfg_read(0, 0x3D, 1), command(0, 0x0000)],
    "fault-revoke-on-unplug": [ALL, fault("revoke_device", "EIO"), unplug(NIC),
                               fault("unbind_pt_intx", "EIO"), unplug(NIC)],
    "fault-link-route-sci": [ALL, fault("set_pci_link_route", "EIO"),
                             cfg_write(CHIP_PIIX3, 0x61, 1, 0x0A),
                             fault("set_isa_irq_level", "EIO", 2), pio_write(GPE_EN, 2, 2),
                             cfg_read(NIC, 0), device_add(0, 0x10, 0, 2)],
    "ioreq-rep-copy-msix": [ALL, firmware(NIC), msix(NIC, 0, 0x01),
                            ioreq(1, t_msix(NIC, 0, 0), 2, 8, 0x06, 0x10000),
                            ioreq(1, t_msix(NIC, 0, 0), 2, 8, 0x02, 0x10000),
                            ioreq(1, t_msix(NIC, 7, 12), 2, 4, 0x03, 0x20000)],
    "ioreq-rep-pio-acpi": [ALL, ioreq(0, PCIU, 2, 4, 0x02, 0x3000),
                           ioreq(0, B0EJ, 2, 2, 0x06, 0x3000),
                           ioreq(0, GPE_STS, 0, 0xFFFF, 0x02, 0x7FFFFFF0)],
    "ioreq-bad-sizes": [ALL, firmware(NIC), ioreq(1, t_bar(NIC, 6, 0), 4, 1, 0, 0),
                        ioreq(1, t_bar(NIC, 6, 0), 5, 1, 0, 0),
                        ioreq(1, t_bar(NIC, 6, 0), 6, 3, 0, 0),
                        ioreq(2, bytes([NIC, 0x10]), 2, 2, 0, 0),
                        ioreq(2, bytes([NIC, 0x04]), 1, 1, 0x04, 0xFFFF),
                        ioreq(3, t_raw(0), 0, 1, 0, 0), ioreq(4, t_raw(0), 0, 1, 0, 0),
                        ioreq(5, t_raw(0), 0, 1, 0, 0)],
    "ioreq-guest-memory-faults": [ALL, firmware(NIC), fault("guest_read", "EFAULT"),
                                  ioreq(1, t_bar(NIC, 6, 0), 2, 4, 0x06, 0x5000),
                                  fault("guest_write", "EFAULT"),
                                  ioreq(1, t_bar(NIC, 6, 0), 2, 4, 0x02, 0x5000),
                                  ioreq(1, t_bar(NIC, 6, 0x100), 2, 4, 0x0B,
                                        0xFFFFFFFFFFFFFFF8)],
    "raw-mmio-windows": [ALL, fw_all(), mmio_read(t_raw(0xFEE00000)),
                         mmio_write(t_raw(0x7FFFFFE), 8, 0x1122334455667788),
                         mmio_read(t_raw(0xFFFFFFFFFFFFFFFC), 8),
                         mem_bulk(t_raw(0xFFFFFFFFFFFFFFF0), 64)],
    "no-rombar-multifunction": [0x40 | 0x03, device_add(2, 0x0C, 0x10),
                                firmware(NIC), mmio_read(t_bar(NIC, 6, 0))],
    # issue 13 item 13: host faults and lying host data
    "host-fail-msix-enable": [ALL | HOST_OPS, firmware(NIC), host_fail(NIC, True, "EIO", 3),
                              msix(NIC, 0, 0x0F), host_fail(NIC, False, "EIO", 2),
                              msix(NIC, 1, 0x3F), msi(RTL, 0x1F)],
    "host-gone-then-back": [ALL | HOST_OPS, fw_all(), host_gone(NVME), msix(NVME, 5, 0x0F),
                            cfg_write(NVME, 0x04, 2, 0), host_gone(NVME, False),
                            msix(NVME, 5, 0x3F), unplug(NVME), eject_dev(NVME)],
    "lie-short-config": [HOST_OPS | 0x01, lie(0, LIE_SHORT_CONFIG), lie(1, LIE_SHORT_CONFIG)],
    "lie-bar-overlaps-table": [HOST_OPS, lie(0, LIE_BAR_OVERLAP, 0, 3, 1),
                               lie(0, LIE_BAR_OVERLAP, 1, 0, 0), lie(1, LIE_BAR_AT_0),
                               firmware(0)],
    "lie-other-device": [HOST_OPS | 0x01, lie(1, LIE_OTHER_OVERLAP, 0, 3, 0),
                         lie(2, LIE_OTHER_OVERLAP, 0, 0, 0x100), firmware(NIC)],
    "lie-bar-at-0": [HOST_OPS, lie(0, LIE_BAR_AT_0, 0), lie(2, LIE_BAR_AT_0, 0),
                     firmware(0), firmware(1), mmio_read(t_bar(0, 0, 0))],
    "lie-cap-loop": [HOST_OPS, lie(0, LIE_CAP_LOOP, 2, 1), lie(2, LIE_CAP_LOOP, 0, 0),
                     firmware(0), msix(0, 0, 0x0F), msi(1, 0x1F)],
    "lie-patch-header-type": [HOST_OPS, lie(0, LIE_PATCH, 0x0E, 0, 0x80), lie(1, LIE_PATCH, 0x0A,
                              1, 0x0600), lie(2, LIE_PATCH, 0x72, 1, 0x7FF), firmware(0)],
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/fuzz/corpus"
    os.makedirs(out, exist_ok=True)
    for name in os.listdir(out):
        if name.startswith("seed-"):
            os.unlink(os.path.join(out, name))
    for i, (name, parts) in enumerate(SEEDS.items()):
        data = bytes([parts[0]]) + b"".join(parts[1:])
        with open(os.path.join(out, "seed-%02d-%s" % (i, name)), "wb") as f:
            f.write(data)
    print("wrote %d seeds to %s" % (len(SEEDS), out))


if __name__ == "__main__":
    main()
