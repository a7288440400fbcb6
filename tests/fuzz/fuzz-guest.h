/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness of a hostile guest (issue 6 "Fuzzer"): tests/fuzz/fuzz-guest.c, with
 * fuzz-fixtures.c, fuzz-oracles.c and fuzz-actions.c (tests/fuzz/fuzz-int.h).
 *
 * The same code runs under libFuzzer (`make fuzz`, clang, build-fuzz/) and in the
 * replay test of `make check` (tests/test-fuzz-replay.c, gcc), which feeds it every
 * file of tests/fuzz/corpus/.
 *
 * Input format: byte 0 chooses the cold-plugged fixture devices; then a sequence of
 * operations, each an op byte (value % FUZZ_OP_COUNT) followed by its operands; reading
 * past the end gives zeros, so every input is valid. Operands are listed at each case
 * of run_op() in fuzz-guest.c; tests/fuzz/make-seeds.py writes the seed corpus with
 * the same encoding.
 */
#ifndef XPT_TESTS_FUZZ_FUZZ_GUEST_H
#define XPT_TESTS_FUZZ_FUZZ_GUEST_H

#include <stddef.h>
#include <stdint.h>

/* Byte 0: bits 0–2 cold-plug fixture 0–2, bits 3–5 with permissive=on, bit 6 rombar=0,
 * bit 7 host operations (FUZZ_COLD_HOST_OPS). */
#define FUZZ_COLD_MASK 0x07
#define FUZZ_COLD_PERMISSIVE_SHIFT 3
#define FUZZ_COLD_NO_ROMBAR 0x40

/* Operations (the op byte modulo FUZZ_OP_COUNT). Keep in step with make-seeds.py. */
typedef enum {
    FUZZ_OP_CFG_READ,       /* sel, off, width */
    FUZZ_OP_CFG_WRITE,      /* sel, off, width, value32 */
    FUZZ_OP_PIO_READ,       /* port selector (2 bytes), width */
    FUZZ_OP_PIO_WRITE,      /* port selector (2 bytes), width, value32 */
    FUZZ_OP_MMIO_READ,      /* target, width */
    FUZZ_OP_MMIO_WRITE,     /* target, width, value64 */
    FUZZ_OP_MEM_BULK,       /* target, length, direction/fill byte */
    FUZZ_OP_BAR_PLACE,      /* sel, bar (0–5, 6 = ROM), address choice, how */
    FUZZ_OP_FIRMWARE,       /* sel, flags: place every BAR as hvmloader would, decode on */
    FUZZ_OP_MSIX,           /* sel, entry16, steps, vector, dest */
    FUZZ_OP_MSI,            /* sel, steps, vector, dest */
    FUZZ_OP_DEVICE_ADD,     /* fixture, flags, slot, id */
    FUZZ_OP_UNPLUG,         /* sel */
    FUZZ_OP_EJECT,          /* mode, sel or value32 */
    FUZZ_OP_FAULT,          /* operation, errno choice, count (0 cancels) */
    FUZZ_OP_COMMAND,        /* sel, value16 */
    FUZZ_OP_IOREQ,          /* type, target, size, count16, flags, data64 */
    FUZZ_OP_COUNT
} FuzzOp;

/*
 * Host-side operations (issue 13 item 13), when byte 0 has FUZZ_COLD_HOST_OPS: then the
 * op byte modulo FUZZ_OP_COUNT + FUZZ_HOST_OP_COUNT selects a FuzzOp, or FuzzHostOp
 * (value - FUZZ_OP_COUNT). Without that bit the op byte modulo FUZZ_OP_COUNT selects a
 * FuzzOp, so inputs written before host operations existed keep their meaning.
 */
#define FUZZ_COLD_HOST_OPS 0x80
typedef enum {
    FUZZ_HOST_FAIL,         /* sel, flags (bit 0 write), errno choice, count (0 cancels) */
    FUZZ_HOST_GONE,         /* sel, on (bit 0) */
    FUZZ_HOST_LIE,          /* fixture, kind, a, b, value32, flags, slot, id */
    FUZZ_HOST_OP_COUNT
} FuzzHostOp;

/* FUZZ_HOST_LIE kinds (kind % FUZZ_LIE_COUNT): a device_add of a copy of a fixture whose
 * host data lies. The copy has its own host address (bus 0x80 + fixture) unless flags
 * bit 7 keeps the fixture's. */
typedef enum {
    FUZZ_LIE_SHORT_CONFIG,  /* only the first 64 bytes of config space: refused */
    FUZZ_LIE_BAR_OVERLAP,   /* BAR a moved to BAR b's host base + (value32 pages): refused */
    FUZZ_LIE_OTHER_OVERLAP, /* BAR a moved onto BAR b of fixture (value32 % 3) */
    FUZZ_LIE_BAR_AT_0,      /* BAR a at address 0: treated as not implemented */
    FUZZ_LIE_CAP_LOOP,      /* capability a's next pointer to capability b (a loop) */
    FUZZ_LIE_PATCH,         /* config bytes: offset a, width b, value32 */
    FUZZ_LIE_COUNT
} FuzzLie;

/**
 * LLVMFuzzerTestOneInput: run one input against a fresh simulated hypervisor and xenfv
 * machine; abort() with a message on stderr when an oracle fails. Always returns 0.
 * Environment: XPT_FIXTURES (fixture root, default tests/fixtures), XPT_FUZZ_TRACE=1
 * (print each operation and the sim's final state), XPT_FUZZ_LOG=1 (keep the device
 * model's warnings on stderr) or XPT_FUZZ_LOG=CATEGORIES (also the -d categories,
 * e.g. hv,pci).
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
