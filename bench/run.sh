#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make bench: run the benchmarks (bench/bench.c) against BUILD/xen-pt-dm and QEMU, then
#   - bench/results.json          every figure, the scale series and the machine;
#   - docs/performance-startup.png start-up time and peak RSS versus device count
#                                 (gnuplot, pngcairo);
#   - docs/performance.md         the part between "<!-- bench:begin -->" and
#                                 "<!-- bench:end -->" replaced by this run's machine
#                                 line and table (the rest of the page is kept).
# BENCH_ARGS passes options to the bench (--runs N, --accesses N, --qemu "").
set -eu
BUILD=${1:-build}
out="$BUILD/bench"
mkdir -p "$out"

echo "make bench: load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
# shellcheck disable=SC2086
"$out/bench" --ours "$BUILD/xen-pt-dm" --floor "$BUILD/bench/floor" \
    --wrapper bench/callgrind-wrap.sh \
    --json bench/results.json --plot-data "$out/scale.dat" ${BENCH_ARGS:-} >"$out/table.md"
cat "$out/table.md"

gnuplot <<EOF
set terminal pngcairo size 1500,440 font "sans,10"
set output "docs/performance-startup.png"
set datafile missing "NaN"
set multiplot layout 1,3 title "start-up versus device count (median of the runs)"
set grid
set key top left
set xlabel "devices"
set xtics (1, 5, 10, 20, 28)
set yrange [0:*]
set title "start → QMP ready (qmp_capabilities answered)" noenhanced
set ylabel "wall time (ms)"
plot "$out/scale.dat" using 1:2 with linespoints title "xen-pt-dm, dump backend", \
     "" using 1:5 with linespoints title "xen-pt-dm, sysfs backend", \
     "" using 1:8 with linespoints title "QEMU 7.2, e1000s"
set title "start → qmp_capabilities → query-pci → quit" noenhanced
plot "$out/scale.dat" using 1:3 with linespoints title "xen-pt-dm, dump backend", \
     "" using 1:6 with linespoints title "xen-pt-dm, sysfs backend", \
     "" using 1:9 with linespoints title "QEMU 7.2, e1000s"
set title "peak RSS"
set ylabel "MiB"
plot "$out/scale.dat" using 1:4 with linespoints title "xen-pt-dm, dump backend", \
     "" using 1:7 with linespoints title "xen-pt-dm, sysfs backend", \
     "" using 1:10 with linespoints title "QEMU 7.2, e1000s"
unset multiplot
EOF

doc=docs/performance.md
if grep -q '<!-- bench:begin -->' "$doc" 2>/dev/null; then
    awk -v table="$out/table.md" '
        /<!-- bench:begin -->/ { print; while ((getline l < table) > 0) print l; skip = 1; next }
        /<!-- bench:end -->/ { skip = 0 }
        !skip { print }' "$doc" >"$doc.new"
    mv "$doc.new" "$doc"
    echo "make bench: wrote bench/results.json, docs/performance-startup.png and $doc"
else
    echo "make bench: wrote bench/results.json and docs/performance-startup.png ($doc has no bench markers)"
fi
