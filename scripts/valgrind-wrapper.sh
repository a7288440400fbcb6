#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# XPT_BINARY wrapper for `make check-valgrind` (scripts/check-valgrind.sh): runs the device
# model under valgrind's memcheck with the arguments the test gave. Any memcheck error,
# and any leak valgrind finds "definitely lost", makes the process exit with status 99
# (which no test accepts) and is kept in a log file, one per process:
# $XPT_VALGRIND_LOGDIR/vg.<pid>.log. "Possibly lost" blocks (GLib's thread pool and type
# system keep pointers into the middle of blocks) and still-reachable ones are not errors.
#   XPT_VALGRIND_BINARY   the binary (default build/xen-pt-dm)
#   XPT_VALGRIND_LOGDIR   where the logs go (default build/valgrind)
bin=${XPT_VALGRIND_BINARY:-build/xen-pt-dm}
logdir=${XPT_VALGRIND_LOGDIR:-build/valgrind}
mkdir -p "$logdir"
G_SLICE=always-malloc G_DEBUG=gc-friendly
export G_SLICE G_DEBUG
exec valgrind --tool=memcheck --error-exitcode=99 --leak-check=full \
    --show-leak-kinds=definite --errors-for-leak-kinds=definite \
    --num-callers=30 --log-file="$logdir/vg.%p.log" "$bin" "$@"
