#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Run every test program with TAP output, print each failure, and end with the line
# "N passed, N failed". Exit status 1 if anything failed. No test vanishes from the
# count: a program that aborts or exits non-zero has every test it lists (GLib's -l)
# that did not report "ok" counted as failed.
BUILD=$1; shift
# A GLib-CRITICAL in a test or in the binary it drives aborts it (issue 13 item 8).
G_DEBUG=fatal-criticals; export G_DEBUG
passed=0; failed=0
log=$(mktemp)
for t in "$@"; do
    name=$(basename "$t")
    if XPT_BINARY="$BUILD/xen-pt-dm" timeout 600 "$t" --tap >"$log" 2>&1; then rc=0; else rc=$?; fi
    p=$(grep -c '^ok ' "$log")
    f=$(grep -c '^not ok ' "$log")
    if [ "$rc" != 0 ]; then
        # crashed or aborted: the tests it did not finish count as failed too
        n=$(XPT_BINARY="$BUILD/xen-pt-dm" timeout 60 "$t" -l 2>/dev/null | grep -c '^/')
        [ "$n" -gt $((p + f)) ] && f=$((n - p))
        [ "$f" != 0 ] || f=1
    fi
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$f" != 0 ]; then
        echo "FAIL: $name (exit $rc)"
        grep -v '^ok ' "$log" | tail -40
    else
        echo "PASS: $name ($p tests)"
    fi
done
rm -f "$log"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
