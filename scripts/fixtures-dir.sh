#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Print the fixtures directory for tests and the demo: $XPT_FIXTURES if set, else the
# repository's own tests/fixtures (real devices' dumps, copied with their provenance:
# tests/fixtures/README.md), so that a clone made anywhere passes its tests.
set -u
if [ -n "${XPT_FIXTURES:-}" ]; then
    echo "$XPT_FIXTURES"; exit 0
fi
here=$(cd "$(dirname "$0")/.." && pwd)
echo "$here/tests/fixtures"
