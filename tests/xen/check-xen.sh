#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make check-xen: xen-pt-dm under a real Xen 4.17 (Debian 12's), nested in QEMU TCG.
#   check-xen.sh BUILD     (BUILD/xen-pt-dm is the device model under test)
# L1 is a QEMU q35 machine with an Intel IOMMU (interrupt remapping) running Xen and a
# busybox dom0 whose /init (tests/xen/dom0-init.sh) runs the stages with xl; L1's own
# emulated e1000e, NVMe and two virtio devices are what dom0 passes through. Prints one
# PASS/FAIL line per stage with its evidence, then "N passed, N failed"; exit 1 on a failure.
# Env: XPT_XEN_CACHE (downloads; default /var/tmp/xen-pt-dm-check-xen), XPT_XEN_TIMEOUT
# (seconds for one nested run, default 540; a second run only after signs of the
# environment's own faults, and only with what is left of XPT_XEN_BUDGET, default 840 s
# in all), XPT_XEN_KEEP=1 keeps the logs' folder.
set -uo pipefail
BUILD=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
export XPT_XEN_CACHE=${XPT_XEN_CACHE:-/var/tmp/xen-pt-dm-check-xen}
OUT=$(readlink -f "$BUILD")/check-xen
TIMEOUT=${XPT_XEN_TIMEOUT:-540}
BUDGET=${XPT_XEN_BUDGET:-840}   # seconds for everything: a second run gets only what is left
STAGES=("xl create with xl's defaults" "Linux guest: NVMe and e1000e interrupts and DMA"
        "interrupt affinity" "hot-plug in slots 6 and 7" "destroy and create again"
        "PV drivers: Xen platform device and a blkback disk"
        "MSI-X by vector: affinity through Xen's MSI-X table interception"
        "xl reboot: the guest resets through 0xCF9 and comes back"
        "the guest's COM1 on xl console -t serial, before and after hot-plug")
mkdir -p "$OUT"
T0=$(date +%s)
fail_all() {
    echo "check-xen: $1"
    for i in "${!STAGES[@]}"; do echo "FAIL stage $((i + 1)): ${STAGES[$i]} (not run)"; done
    echo "0 passed, ${#STAGES[@]} failed"
    exit 1
}
[ -x "$BUILD/xen-pt-dm" ] || fail_all "no $BUILD/xen-pt-dm: run make first"
"$HERE/fetch.sh" > "$OUT/fetch.log" 2>&1 || fail_all "fetching Debian's packages failed: $(tail -1 "$OUT/fetch.log")"
"$HERE/build-images.sh" "$BUILD/xen-pt-dm" "$OUT" > "$OUT/build.log" 2>&1 ||
    fail_all "building the images failed: $(tail -1 "$OUT/build.log") (see $OUT/build.log)"
T1=$(date +%s)
echo "check-xen: $(tail -1 "$OUT/fetch.log" | sed 's/^fetch: //'); images built in $((T1 - T0)) s"

# The settings that let Xen's HVM guests run under TCG (each one was found by failing
# without it): SVM with nested paging from -cpu max, less SMAP/SMEP (dom0 faults in
# create_bounce_frame) and RDTSCP (TCG reports it as an RDTSC intercept without NRIPS);
# the Intel IOMMU with interrupt remapping for passthrough; no x2APIC (eim=off). The
# virtio devices need iommu_platform=on: without it QEMU's virtio DMA bypasses the IOMMU,
# so an L2 guest's ring addresses land in L1's memory (seen: dom0 and the guest segfault
# as soon as a hot-plugged virtio-net is used).
XENCMD="console=com1 com1=115200,8n1 conswitch=ax dom0_mem=1024M,max:1024M dom0_max_vcpus=1 dom0_vcpus_pin loglvl=all guest_loglvl=all conring_size=4M iommu=verbose,no-sharept noreboot"
DOM0CMD="console=hvc0 earlyprintk=xen loglevel=4 rdinit=/init xpt_pt=0000:00:06.0+0000:00:04.0 xpt_hp=0000:00:05.0+0000:00:07.0 xpt_native=0000:00:08.0+0000:00:04.0 ${XPT_XEN_DOM0_ARGS:-}"
# (conswitch=ax: the serial line's input stays with Xen's debug keys, dom0 reads none.)
# run_nested N: boot L1 once and follow it; its consoles end in $OUT/serial-N.txt.
# COM1 and QEMU's monitor are pipes (FIFOs $OUT/com1.in/.out, $OUT/mon.in/.out): COM1's
# output is logged to the file, and the harness can type Xen's debug keys on COM1 and ask
# the monitor for L1's CPUs (answers in $OUT/monitor-N.log).
# A run whose console stays silent for SILENT s is stuck: seen twice, Xen idle on both of
# L1's CPUs with dom0's vCPU neither running, queued nor blocked, and nothing more for the
# rest of the run (a lost wake-up in L1 under TCG; a healthy run's longest silence is
# printed at its end). It is dumped and stopped then, so that the second run below fits in
# the budget, instead of at the timeout.
SILENT=${XPT_XEN_SILENT:-120}
# dump_l1: L1's CPUs from QEMU's monitor, and Xen's debug keys typed on COM1 one by one
# (Xen runs only the last of several deferred keys pressed at once): d each CPU's registers
# and Xen stack, 0 dom0's vCPU, q domains and vCPUs, r run queues, a timer queues.
dump_l1() {
    timeout 30 sh -c "printf 'info registers -a\n' > '$OUT/mon.in'
                      for k in a r 0 d q; do printf \$k > '$OUT/com1.in'; sleep 5; done" &
}
run_nested() {
    local seen n f QPID QRC T=$(date +%s) dumped="" DRAIN="" size=0 last now quiet=0 stuck=""
    SERIAL=$OUT/serial-$1.log
    rm -f "$SERIAL"
    for f in com1 mon; do rm -f "$OUT/$f.in" "$OUT/$f.out"; mkfifo "$OUT/$f.in" "$OUT/$f.out"; done
    cat "$OUT/com1.out" > /dev/null & DRAIN="$DRAIN $!"
    cat "$OUT/mon.out" > "$OUT/monitor-$1.log" & DRAIN="$DRAIN $!"
    timeout "$TIMEOUT" qemu-system-x86_64 -accel "${XPT_XEN_ACCEL:-tcg,thread=multi}" -cpu "${XPT_XEN_CPU:-max,-smap,-smep,-rdtscp}" \
        -m 3G -smp "${XPT_XEN_SMP:-2}" -M q35 -device intel-iommu,intremap=on,caching-mode=on \
        -vga none -display none -monitor "pipe:$OUT/mon" -no-reboot -nodefaults \
        -chardev "pipe,id=com1,path=$OUT/com1,logfile=$SERIAL" -serial chardev:com1 \
        -kernel "$OUT/xen.elf" -append "$XENCMD" -initrd "$OUT/vmlinuz $DOM0CMD xpt_run_timeout=$TIMEOUT,$OUT/dom0.cpio.gz" \
        -netdev user,id=n0,restrict=on -device e1000e,addr=0x4,netdev=n0 \
        -netdev user,id=n1,restrict=on -device virtio-net-pci,disable-legacy=on,iommu_platform=on,addr=0x5,netdev=n1 \
        -drive if=none,id=gd,file="$OUT/guest-disk.img",format=raw,snapshot=on \
        -device nvme,serial=xpt,drive=gd,addr=0x6 \
        -device virtio-rng-pci,disable-legacy=on,iommu_platform=on,addr=0x7 \
        -drive if=none,id=gd2,file="$OUT/guest-disk-native.img",format=raw,snapshot=on \
        -device nvme,serial=xpt2,drive=gd2,addr=0x8 \
        < /dev/null > "$OUT/qemu.stderr" 2>&1 &
    QPID=$!
    # Follow the run: print each stage's verdict as it comes, stop QEMU at XPT-DONE.
    seen=0
    last=$T
    while kill -0 $QPID 2>/dev/null; do
        grep -a -q '^XPT-DONE' "$SERIAL" 2>/dev/null && { sleep 2; kill $QPID 2>/dev/null; break; }
        now=$(date +%s)
        n=$(stat -c %s "$SERIAL" 2>/dev/null || echo 0)
        if [ "$n" != "$size" ]; then
            size=$n
            [ $(( now - last )) -gt $quiet ] && [ -z "$dumped" ] && quiet=$(( now - last ))
            last=$now
        fi
        # 30 s before the timeout, or after SILENT s without a byte on the console, a run
        # shows where L1 is (dump_l1); a silent one is then stopped.
        if [ -z "$dumped" ] && [ $(( now - last )) -ge "$SILENT" ]; then
            dumped=1 stuck=$now
            echo "check-xen: [run $1, $(( now - T ))s] the console has been silent for $(( now - last )) s: L1 is stuck; dumping Xen's state (debug keys a r 0 d q) and L1's CPUs, then stopping the run"
            dump_l1
        elif [ -z "$dumped" ] && [ $(( now - T )) -ge $(( TIMEOUT - 30 )) ]; then
            dumped=1
            echo "check-xen: [run $1] no end after $(( now - T )) s: dumping Xen's state (debug keys a r 0 d q) and L1's CPUs"
            dump_l1
        fi
        if [ -n "$stuck" ] && [ $(( now - stuck )) -ge 35 ]; then
            kill $QPID 2>/dev/null
            break
        fi
        n=$(grep -a -c '^XPT-RESULT' "$SERIAL" 2>/dev/null)
        if [ "${n:-0}" -gt $seen ]; then
            grep -a '^XPT-RESULT' "$SERIAL" | sed -n "$((seen + 1)),${n}p" | tr -d '\r' |
                sed "s/^XPT-RESULT /check-xen: [run $1, $(( $(date +%s) - T ))s] stage /"
            seen=$n
        fi
        sleep 3
    done
    wait $QPID 2>/dev/null; QRC=$?
    # the pipes' readers end with QEMU (or, if QEMU never opened the pipes, with this)
    for f in com1 mon; do timeout 2 sh -c ": > '$OUT/$f.out'" 2>/dev/null; done
    wait $DRAIN 2>/dev/null
    for f in com1 mon; do rm -f "$OUT/$f.in" "$OUT/$f.out"; done
    [ -n "$dumped" ] && echo "check-xen: [run $1] L1's CPUs then: $(grep -a -E '^RIP=' "$OUT/monitor-$1.log" | cut -c1-21 | paste -sd ' ') (in $OUT/monitor-$1.log; Xen's dump is at the end of serial-$1.txt)"
    echo "check-xen: nested run $1 ended after $(( $(date +%s) - T )) s (QEMU exit $QRC; 124 is the ${TIMEOUT} s timeout${stuck:+; stopped after the silence}); the console's longest silence before that: $quiet s"
    tr -d '\r' < "$SERIAL" > "$OUT/serial-$1.txt" 2>/dev/null
}
# trouble N: what in run N points at the nested environment rather than xen-pt-dm (a
# guest or dom0 crash, a hung dom0 task, no end): empty when nothing does.
trouble() {
    local f=$OUT/serial-$1.txt
    grep -a -q '^XPT-DONE' "$f" || echo "the run did not finish"
    grep -a -q 'Triple fault' "$f" && echo "a guest triple-faulted"
    grep -a -q '^Segmentation fault' "$f" && echo "dom0 processes segfaulted"
    grep -a -q 'blocked for more than' "$f" && echo "a dom0 task hung"
}
# verdicts N: the stages' PASS/FAIL lines of run N.
verdicts() {
    for i in "${!STAGES[@]}"; do
        grep -a "^XPT-RESULT $((i + 1)) " "$OUT/serial-$1.txt" | tail -1 | awk '{ print $3 }'
    done | grep -c '^PASS$'
}
# One more run, only when the first failed with signs of the environment's own faults:
# QEMU TCG's nested SVM is not faithful (docs/xen.md §5). A failure with no such sign is
# not run again; both runs' evidence is kept and the first run's is summed up here.
run_nested 1
RUN=1
LEFT=$(( BUDGET - ($(date +%s) - T0) ))
if [ "$(verdicts 1)" != ${#STAGES[@]} ] && [ -n "$(trouble 1)" ]; then
    echo "check-xen: run 1 passed $(verdicts 1) of ${#STAGES[@]} stages, and $(trouble 1 | paste -sd ';' | sed 's/;/; /g'):"
    grep -a '^XPT-RESULT' "$OUT/serial-1.txt" | sed 's/^XPT-RESULT /    stage /'
    if [ $LEFT -ge 300 ]; then
        echo "check-xen: running once more, for at most $LEFT s (the evidence of run 1 is in $OUT/serial-1.txt)"
        TIMEOUT=$LEFT
        run_nested 2
        RUN=2
    else
        echo "check-xen: no second run: $LEFT s are left of the ${BUDGET} s budget"
    fi
fi
cp "$OUT/serial-$RUN.txt" "$OUT/serial.txt"
passed=0; failed=0
for i in "${!STAGES[@]}"; do
    n=$((i + 1))
    r=$(grep -a "^XPT-RESULT $n " "$OUT/serial.txt" | tail -1)
    verdict=$(echo "$r" | awk '{print $3}')
    echo
    if [ "$verdict" = PASS ]; then
        passed=$((passed + 1))
        echo "PASS stage $n: ${STAGES[$i]} — $(echo "$r" | cut -d' ' -f4-)"
    else
        failed=$((failed + 1))
        [ -n "$r" ] || r="XPT-RESULT $n FAIL - no result (timed out or crashed; see $OUT/serial.txt)"
        echo "FAIL stage $n: ${STAGES[$i]} — $(echo "$r" | cut -d' ' -f4-)"
    fi
    grep -a "^XPT-EV $n " "$OUT/serial.txt" | cut -d' ' -f3- | head -80 | sed 's/^/    /'
done
echo
[ -n "$(trouble $RUN)" ] && echo "check-xen: in run $RUN, $(trouble $RUN | paste -sd ';' | sed 's/;/; /g')"
echo "check-xen: logs in $OUT (serial.txt: Xen, dom0 and guest consoles of run $RUN); total $(( $(date +%s) - T0 )) s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
