#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Record QEMU 7.2's query-chardev replies with serial ports into
tests/fixtures/qemu-7.2-reference/query-chardev-serial.txt (Debian 12's qemu-system-x86).

Usage: tests/tools/record-query-chardev.py > query-chardev-serial.txt.body
Each case starts QEMU with a QMP server socket and the -serial/-chardev options shown,
negotiates, sends query-chardev and quit, and prints every line both ways.
"""
import json, os, socket, subprocess, sys, time, tempfile
def run(extra, label):
    d = tempfile.mkdtemp()
    qs = os.path.join(d, "qmp.sock")
    args = ["qemu-system-x86_64", "-qmp", f"unix:{qs},server=on,wait=off", "-display", "none",
            "-machine", "pc", "-accel", "tcg", "-S", "-nodefaults"] + [a.replace("$TMPDIR", d) for a in extra]
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    for _ in range(100):
        if os.path.exists(qs): break
        time.sleep(0.05)
    s = socket.socket(socket.AF_UNIX); s.connect(qs); f = s.makefile("rwb")
    out = [f"CMD qemu-system-x86_64 " + " ".join(a.replace(d, "$TMPDIR") for a in args[1:])]
    def rx():
        l = f.readline().decode(); out.append("< " + l.rstrip("\r\n").replace(d, "$TMPDIR")); return l
    def tx(o):
        l = json.dumps(o); out.append("> " + l); f.write((l + "\n").encode()); f.flush(); return rx()
    rx(); tx({"execute": "qmp_capabilities"}); tx({"execute": "query-chardev"})
    tx({"execute": "quit"})
    try: rx()
    except Exception: pass
    p.wait(5)
    err = p.stderr.read().decode().replace(d, "$TMPDIR")
    if err: out.append("STDERR " + err.strip())
    print(f"## {label}"); print("\n".join(out)); print()
run(["-serial", "pty"], "serial pty")
run(["-chardev", "pty,id=con0", "-serial", "chardev:con0"], "chardev pty + serial chardev:")
run(["-chardev", "socket,id=s0,path=$TMPDIR/ser.sock,server=on,wait=off", "-serial", "chardev:s0"], "socket server")
run(["-serial", "file:$TMPDIR/out.txt"], "serial file")
run(["-serial", "null"], "serial null")
run(["-serial", "pty", "-serial", "pty"], "two serial pty")
run(["-serial", "none"], "serial none")
