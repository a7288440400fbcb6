#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Install the Debian 12 packages xen-pt-dm needs to build, run its demo and its tests.
# Called by `make` before anything else; installs only what is missing.
# Must run as root on a machine without the packages (apt-get); as any user when all are present.
set -eu

PKGS="gcc make pkg-config libglib2.0-dev libjson-glib-dev libpci-dev pciutils
      libxen-dev libseccomp-dev groff-base man-db"
# `make fuzz` only (--fuzz): clang with libFuzzer and the sanitizer runtimes.
FUZZ_PKGS="clang libclang-rt-14-dev"
# `make deb` and `make check-deb` only (--deb): dpkg-buildpackage, dh and lintian.
DEB_PKGS="build-essential dpkg-dev debhelper lintian"
[ "${1:-}" = "--check" ] && CHECK_ONLY=1 || CHECK_ONLY=0
for extra in "$@"; do
    case "$extra" in
        --check) ;;
        --fuzz) PKGS="$PKGS $FUZZ_PKGS" ;;
        --deb) PKGS="$PKGS $DEB_PKGS" ;;
        *) PKGS="$PKGS $extra" ;;
    esac
done

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

[ -z "$missing" ] && exit 0
if [ "$CHECK_ONLY" = 1 ]; then
    echo "missing Debian packages:$missing" >&2
    exit 1
fi
if [ "$(id -u)" != 0 ]; then
    echo "install-deps: missing Debian packages:$missing; run as root or: apt-get install$missing" >&2
    exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
