#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# doc-commands.sh FILE...: the commands the documentation prints, so that tests run them
# (tests/test-docs.c) and CI runs the long ones (.ci/run). One record per line, fields
# separated by tabs:
#   CMD  CLASS  FILE:LINE  command      (a "$ " line; lines ending in "\" joined)
#   OUT  CLASS  FILE:LINE  text         (a line after a command: its expected output)
#   BAD  -      FILE:LINE  why          (a block that does not say what it is)
# Markdown (*.md): a fenced block's info string gives the CLASS of its "$ " lines:
#   ```sh        run by make check (tests/test-docs.c), from the repository root
#   ```sh ci     run by CI (.ci/run): the long targets
#   ```sh xen    dom0 under Xen only: make check checks them against xl's real command
#                table and xen-pt-dm's real option parser
# Other info strings (text, xl.cfg, ...) hold no commands; a "$ " line in one, or a
# fenced block without an info string, is BAD.
# Man pages (*.1): every .nf/.fi block is preceded by a comment `.\" doc-command: CLASS`
# (check, xen or none); each line is a command, lines ending in "\e" joined (roff escapes
# undone).
set -eu
[ $# -gt 0 ] || { echo "usage: doc-commands.sh FILE..." >&2; exit 2; }
for f in "$@"; do
    case "$f" in
    *.md)
        awk -v F="$f" '
        function flush() { if (cmd != "") { print "CMD\t" cls "\t" F ":" cline "\t" cmd; cmd = "" } }
        /^```/ {
            if (!inb) {
                inb = 1; info = substr($0, 4); sub(/[ \t]+$/, "", info)
                if (info == "") { print "BAD\t-\t" F ":" NR "\ta fenced block without an info string (sh, sh ci, sh xen, text, ...)"; cls = "" }
                else if (info == "sh") cls = "check"
                else if (info == "sh ci") cls = "ci"
                else if (info == "sh xen") cls = "xen"
                else if (info ~ /^sh/) { print "BAD\t-\t" F ":" NR "\tunknown command class \"" info "\""; cls = "" }
                else cls = "none"
                cont = 0
            } else { flush(); inb = 0 }
            next
        }
        !inb { next }
        cls == "none" || cls == "" {
            if ($0 ~ /^\$ /) print "BAD\t-\t" F ":" NR "\ta command in a block that is not sh, sh ci or sh xen"
            next
        }
        cont {
            line = $0; sub(/^[ \t]+/, "", line)
            cont = sub(/[ \t]*\\$/, "", line); cmd = cmd " " line; next
        }
        /^\$ / {
            flush(); cline = NR; cmd = substr($0, 3)
            cont = sub(/[ \t]*\\$/, "", cmd); next
        }
        { flush(); if ($0 != "") print "OUT\t" cls "\t" F ":" NR "\t" $0 }
        END { if (inb) print "BAD\t-\t" F ":" NR "\tan unterminated fenced block" }
        ' "$f"
        ;;
    *.1)
        awk -v F="$f" '
        /^\.\\" doc-command: / { cls = $3; next }
        /^\.nf/ {
            if (cls == "") print "BAD\t-\t" F ":" NR "\ta .nf block without a `.\\\" doc-command: CLASS` comment before it"
            inb = 1; cmd = ""; next
        }
        /^\.fi/ { inb = 0; cls = ""; next }
        inb {
            line = $0
            gsub(/\\-/, "-", line); gsub(/\\\(dq/, "\"", line); gsub(/\\e/, "\\", line)
            gsub(/\\&/, "", line)
            sub(/^[ \t]+/, "", line)
            if (cmd == "") cline = NR
            if (sub(/[ \t]*\\$/, "", line)) { cmd = cmd line " "; next }
            cmd = cmd line
            if (cls != "none" && cls != "") print "CMD\t" cls "\t" F ":" cline "\t" cmd
            cmd = ""
        }
        ' "$f"
        ;;
    *) echo "doc-commands.sh: $f: neither markdown (.md) nor a man page (.1)" >&2; exit 2 ;;
    esac
done
