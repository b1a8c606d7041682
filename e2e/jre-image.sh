#!/usr/bin/env bash
# Makes the JRE base image for Dockerfile.jvm offline: Debian bookworm by debootstrap with
# openjdk-17-jre-headless and the filesystem tools (stands in for a public JRE image, which
# cannot be pulled on machines without a registry). The root filesystem is kept as a tarball in
# the cache folder, so later runs only import it (~10 s instead of ~2.5 min).
#   e2e/jre-image.sh [IMAGE]        default IMAGE: local/jre17; needs root and a running dockerd
set -euo pipefail
IMAGE=${1:-local/jre17}
CACHE=${E2E_CACHE:-/var/cache/dostorage-e2e}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
TARBALL=$CACHE/jre17-bookworm-rootfs.tar

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "jre-image: $IMAGE already present"
  exit 0
fi
mkdir -p "$CACHE"
if [ ! -s "$TARBALL" ]; then
  command -v debootstrap >/dev/null || { echo "jre-image: debootstrap is not installed" >&2; exit 1; }
  work=$(mktemp -d "$CACHE/debootstrap.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  echo "jre-image: debootstrap bookworm with openjdk-17-jre-headless (about 2.5 minutes)"
  debootstrap --variant=minbase --include=openjdk-17-jre-headless,e2fsprogs,xfsprogs,util-linux \
      bookworm "$work/rootfs" "$MIRROR" > "$work/debootstrap.log" 2>&1 \
    || { tail -30 "$work/debootstrap.log" >&2; exit 1; }
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
  tar -C "$work/rootfs" -cf "$TARBALL.part" .
  mv "$TARBALL.part" "$TARBALL"
fi
echo "jre-image: importing $TARBALL as $IMAGE"
docker import "$TARBALL" "$IMAGE" >/dev/null
