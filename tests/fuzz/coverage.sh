#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Line coverage summary of a gcc --coverage build after a run (make coverage):
#   sh tests/fuzz/coverage.sh BUILD DIR...
# prints one line per source file of each DIR and a total per DIR, from gcov's own
# "Lines executed" figures (gcov -n: no .gcov files are written).
set -eu
build=$1; shift
for dir in "$@"; do
    for src in $(find "$dir" -name '*.c' | sort); do
        obj=$build/${src%.c}.o
        [ -f "${obj%.o}.gcno" ] || continue
        gcov -n -o "$(dirname "$obj")" "$src" 2>/dev/null
    done | awk -v dir="$dir" '
        /^File / { f = $2; gsub("\047", "", f); next }
        /^Lines executed:/ && f ~ ("^" dir "/") && f ~ /\.c$/ {
            split($2, a, ":"); pct = a[2]; sub("%", "", pct); n = $4
            hit = int(pct * n / 100 + 0.5)
            printf "  %-32s %6.2f%% of %d\n", f, pct, n
            th += hit; tn += n; f = ""
        }
        END { if (tn) printf "%s/: %.1f%% of %d lines executed\n", dir, 100 * th / tn, tn }'
done
