#!/bin/sh
# Print the shared fixtures directory (../shared/fixtures of the project's checkout) for
# tests and the demo: $XPT_FIXTURES if set; else ../shared/fixtures next to this tree;
# else, for a clone made elsewhere (CI clones to a scratch directory), the one next to
# the local repository it was cloned from. Prints nothing if none exists.
set -u
if [ -n "${XPT_FIXTURES:-}" ]; then
    echo "$XPT_FIXTURES"; exit 0
fi
here=$(cd "$(dirname "$0")/.." && pwd)
for cand in "$here/../shared/fixtures" \
            "$(git -C "$here" remote get-url origin 2>/dev/null)/../shared/fixtures"; do
    case "$cand" in /*) ;; *) continue ;; esac
    if [ -d "$cand" ]; then
        (cd "$cand" && pwd); exit 0
    fi
done
echo "fixtures-dir: no ../shared/fixtures next to $here or its origin; set XPT_FIXTURES" >&2
