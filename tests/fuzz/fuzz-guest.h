/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness of a hostile guest (issue 6 "Fuzzer"): tests/fuzz/fuzz-guest.c.
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

/* Byte 0: bits 0–2 cold-plug fixture 0–2, bits 3–5 with permissive=on, bit 6 rombar=0. */
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
