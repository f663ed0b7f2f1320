#!/bin/sh
# Fetch a static AArch64 BusyBox from Debian's busybox-static package and
# place it at workloads/.cache/busybox, for tests that need a larger,
# real-world guest program.  The file is a download cache and is not committed.
# The package is pinned by version and by the sha256 of its .deb; when Debian
# replaces that version, update both from `apt-cache show busybox-static:arm64`.
#
# Needs root (dpkg --add-architecture, apt-get update) on a Debian-based host.
#
#   workloads/get-busybox.sh           fetch unless already present
#   workloads/get-busybox.sh --force   fetch again
set -eu

BUSYBOX_VERSION="1:1.35.0-4+deb12u1+b1"
BUSYBOX_DEB_SHA256="732c9135564fc71337e0e05fb4da4d11e6c28c1834bce3e405e575afef2a52f5"

here=$(cd "$(dirname "$0")" && pwd)
cache="$here/.cache"
dest="$cache/busybox"

if [ "${1:-}" != "--force" ] && [ -x "$dest" ]; then
    echo "get-busybox: $dest already present"
    exit 0
fi

if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    dpkg --add-architecture arm64
fi
apt-get update -qq

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
# apt-get download drops privileges to the _apt user when it can write here.
if id _apt >/dev/null 2>&1; then
    chown _apt "$tmp"
fi
if ! (cd "$tmp" && apt-get download -qq "busybox-static:arm64=$BUSYBOX_VERSION"); then
    echo "get-busybox: busybox-static $BUSYBOX_VERSION (arm64) is not in the apt archive;" \
         "update BUSYBOX_VERSION and BUSYBOX_DEB_SHA256 in $0 from" \
         "'apt-cache show busybox-static:arm64'" >&2
    exit 1
fi
deb=$(ls "$tmp"/busybox-static_*_arm64.deb)
got=$(sha256sum "$deb" | cut -d' ' -f1)
if [ "$got" != "$BUSYBOX_DEB_SHA256" ]; then
    echo "get-busybox: $(basename "$deb") has sha256 $got, expected $BUSYBOX_DEB_SHA256" >&2
    exit 1
fi
dpkg-deb -x "$deb" "$tmp/root"

src=""
for candidate in "$tmp/root/bin/busybox" "$tmp/root/usr/bin/busybox"; do
    if [ -f "$candidate" ]; then
        src=$candidate
        break
    fi
done
if [ -z "$src" ]; then
    echo "get-busybox: no busybox binary found in $deb" >&2
    exit 1
fi

# Expect a 64-bit little-endian ELF for machine 183 (EM_AARCH64).
magic=$(od -An -tx1 -N4 "$src" | tr -d ' \n')
machine=$(od -An -tu2 -j18 -N2 "$src" | tr -d ' \n')
if [ "$magic" != "7f454c46" ] || [ "$machine" != "183" ]; then
    echo "get-busybox: $src is not an AArch64 ELF" >&2
    exit 1
fi

mkdir -p "$cache"
install -m 0755 "$src" "$dest"
version=$(dpkg-deb -f "$deb" Version)
echo "busybox-static $version arm64" > "$cache/busybox.version"
echo "get-busybox: installed busybox-static $version to $dest"
sha256sum "$dest"
