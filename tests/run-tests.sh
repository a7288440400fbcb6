#!/bin/sh
# Run every test program with TAP output, print each failure, and end with the line
# "N passed, N failed". Exit status 1 if anything failed.
BUILD=$1; shift
passed=0; failed=0
log=$(mktemp)
for t in "$@"; do
    name=$(basename "$t")
    if XPT_BINARY="$BUILD/xen-pt-dm" timeout 600 "$t" --tap >"$log" 2>&1; then rc=0; else rc=$?; fi
    p=$(grep -c '^ok ' "$log")
    f=$(grep -c '^not ok ' "$log")
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
        f=1    # crashed or aborted outside a test case
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
