#!/bin/sh
# Fetch a static AArch64 BusyBox from Debian's busybox-static package and
# place it at workloads/.cache/busybox, for tests that need a larger,
# real-world guest program.  The file is a download cache and is not committed.
#
# Needs root (dpkg --add-architecture, apt-get update) on a Debian-based host.
#
#   workloads/get-busybox.sh           fetch unless already present
#   workloads/get-busybox.sh --force   fetch again
set -eu

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
(cd "$tmp" && apt-get download -qq busybox-static:arm64)
deb=$(ls "$tmp"/busybox-static_*_arm64.deb)
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
