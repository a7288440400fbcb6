#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# XPT_BINARY wrapper for `make bench` (bench/bench.c): runs the binary named by
# XPT_BENCH_REAL (xen-pt-dm or qemu-system-x86_64) under valgrind's callgrind, with the
# arguments the bench's qtest client gave, writing the profile to XPT_BENCH_CG_OUT.
exec valgrind --tool=callgrind --callgrind-out-file="$XPT_BENCH_CG_OUT" \
    --log-file="$XPT_BENCH_CG_OUT.log" "$XPT_BENCH_REAL" "$@"
