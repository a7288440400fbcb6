#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make check-deb: check the package make deb built. lintian (errors and warnings fail),
# then dpkg -i into this system (root; CI runs on a throwaway machine) and the installed
# binary run (-version, and the readiness check -check-host all on this machine).
# One PASS/FAIL line per check, then "N passed, N failed".
# usage: check-deb.sh DEB_DIR DEB_FILE
set -u
dir=$1; deb=$2
passed=0; failed=0
result() {   # result NAME STATUS DETAIL
    if [ "$2" = 0 ]; then echo "PASS: deb/$1"; passed=$((passed + 1))
    else echo "FAIL: deb/$1"; printf '%s\n' "$3" | sed 's/^/    /'; failed=$((failed + 1)); fi
}

changes=$(ls "$dir"/xen-pt-dm_*.changes 2>/dev/null | head -1)
out=$(lintian --fail-on error,warning "$changes" 2>&1); rc=$?
result lintian "$rc" "$out"

if [ "$(id -u)" != 0 ]; then
    result install 1 "dpkg -i needs root"
else
    out=$(dpkg -i "$deb" 2>&1); rc=$?
    result install "$rc" "$out"
    out=$(dpkg -L xen-pt-dm 2>&1)
    rc=1
    for f in /usr/lib/xen/bin/xen-pt-dm /usr/share/man/man1/xen-pt-dm.1.gz \
             /usr/share/doc/xen-pt-dm/xen.md.gz /usr/share/doc/xen-pt-dm/copyright; do
        printf '%s\n' "$out" | grep -qx "$f" || { out="$f is not in the package
$out"; rc=1; break; }
        rc=0
    done
    result contents "$rc" "$out"
    out=$(/usr/lib/xen/bin/xen-pt-dm -version 2>&1); rc=$?
    want="xen-pt-dm version $(dpkg-query -W -f='${Version}' xen-pt-dm) "
    case "$out" in "$want"*) ;; *) rc=1; out="expected '$want...', got: $out" ;; esac
    result version "$rc" "$out"
    # the readiness check on this machine: 0 (all ready) or 1 (not), never an error, and
    # a verdict for each PCI device sysfs lists
    out=$(/usr/lib/xen/bin/xen-pt-dm -check-host all 2>&1); rc=$?
    n=$(ls /sys/bus/pci/devices 2>/dev/null | wc -l)
    v=$(printf '%s\n' "$out" | grep -c '^  verdict: ')
    if [ "$rc" -le 1 ] && [ "$v" = "$n" ] && printf '%s\n' "$out" | grep -q '^readiness check of sysfs /sys'; then
        rc=0
    else
        out="exit status $rc, $v verdicts for $n devices:
$out"; rc=1
    fi
    result check-host "$rc" "$out"
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
