#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make check-valgrind: run test programs (arguments) that drive the real binary with the
# binary under valgrind (XPT_BINARY=scripts/valgrind-wrapper.sh), like tests/run-tests.sh;
# then check every valgrind log: a memcheck error or a definite leak in any process is a
# failure even if the test itself passed. Ends with "N passed, N failed" and a summary of
# the logs. Usage: scripts/check-valgrind.sh BUILD TEST...
BUILD=$1; shift
logdir=$BUILD/valgrind
rm -rf "$logdir"
mkdir -p "$logdir"
XPT_VALGRIND_BINARY=$BUILD/xen-pt-dm
XPT_VALGRIND_LOGDIR=$logdir
XPT_BINARY=scripts/valgrind-wrapper.sh
XPT_BADINPUT_TIMEOUT=300          # per process, for the bad-input corpus
export XPT_VALGRIND_BINARY XPT_VALGRIND_LOGDIR XPT_BINARY XPT_BADINPUT_TIMEOUT
passed=0; failed=0
log=$(mktemp)
for t in "$@"; do
    name=$(basename "$t")
    start=$(date +%s)
    if timeout 3600 "$t" --tap >"$log" 2>&1; then rc=0; else rc=$?; fi
    p=$(grep -c '^ok ' "$log")
    f=$(grep -c '^not ok ' "$log")
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
        f=1
    fi
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$f" != 0 ]; then
        echo "FAIL: $name (exit $rc, $(($(date +%s) - start)) s)"
        grep -v '^ok ' "$log" | tail -40
    else
        echo "PASS: $name ($p tests, $(($(date +%s) - start)) s)"
    fi
done
rm -f "$log"
procs=$(ls "$logdir" | wc -l)
bad=$(grep -l -E 'ERROR SUMMARY: [1-9]|definitely lost: [1-9]' "$logdir"/*.log 2>/dev/null)
nbad=$(echo "$bad" | grep -c .)
for f in $bad; do
    echo "valgrind: $f:"
    grep -E '^==[0-9]+== (Invalid|Conditional|Syscall|Mismatched|Source and|Argument|[0-9,]+ bytes in .* definitely)' "$f" | head -5
done
echo "valgrind: $procs processes checked, $nbad with errors or definite leaks"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$nbad" = 0 ]
