#!/usr/bin/env bash
# Makes, offline, the two images Dockerfile.jvm takes (they stand in for public images, which cannot
# be pulled on machines without a registry):
#   BASE_IMAGE  Debian bookworm by debootstrap (minbase) with the filesystem tools the plugin runs
#               (e2fsprogs, xfsprogs, util-linux, mount), without docs, man pages and locales
#   JDK_IMAGE   that base plus this machine's own Temurin 25 JDK in /opt/java/openjdk (JAVA_HOME, as in
#               the public eclipse-temurin images): Dockerfile.jvm runs jlink there
# No JRE package from Debian: the plugin's Java runtime is jlink'd from that JDK in the image build.
# The root filesystem is kept as a tarball in the cache folder, so later runs only import it (~10 s
# instead of ~2.5 min).
#   e2e/jre-image.sh [BASE_IMAGE [JDK_IMAGE]]   defaults: local/bookworm-tools local/jdk25
#   JDK25_HOME: the JDK to copy (default /usr/lib/jvm/temurin-25-jdk-amd64); needs root and a running dockerd
set -euo pipefail
BASE=${1:-local/bookworm-tools}
JDK=${2:-local/jdk25}
JDK25_HOME=${JDK25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
CACHE=${E2E_CACHE:-/var/cache/dostorage-e2e}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
TARBALL=$CACHE/bookworm-tools-rootfs.tar

# This machine kind comes with Temurin 25 beside Debian's OpenJDK 17; Debian bookworm has no JDK
# newer than 17 and Adoptium's package repository is not reachable here, so there is nothing to
# install it from: say so rather than fail later inside the image build.
jdk25_or_die() {
  if [ ! -x "$JDK25_HOME/bin/jlink" ] || ! "$JDK25_HOME/bin/java" -version 2>&1 | grep -q 'version "25'; then
    echo "jre-image: no JDK 25 at $JDK25_HOME (set JDK25_HOME): the managed plugin's runtime is jlink'd from the" \
         "machine's Temurin 25, which machines of this kind come with; Debian bookworm packages no JDK newer than 17" >&2
    exit 1
  fi
}
jdk25_or_die

mkdir -p "$CACHE"
tmp=()
trap 'rm -rf "${tmp[@]}"' EXIT
if ! docker image inspect "$BASE" >/dev/null 2>&1; then
  if [ ! -s "$TARBALL" ]; then
    command -v debootstrap >/dev/null || { echo "jre-image: debootstrap is not installed" >&2; exit 1; }
    work=$(mktemp -d "$CACHE/debootstrap.XXXXXX")
    tmp+=("$work")
    echo "jre-image: debootstrap bookworm (minbase) with the filesystem tools (about 2.5 minutes)"
    debootstrap --variant=minbase --include=e2fsprogs,xfsprogs,util-linux,mount \
        bookworm "$work/rootfs" "$MIRROR" > "$work/debootstrap.log" 2>&1 \
      || { tail -30 "$work/debootstrap.log" >&2; exit 1; }
    # What debian:bookworm-slim leaves out as well (its dpkg path excludes), and apt's downloads.
    rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/cache/apt/"*.bin \
      "$work/rootfs/var/lib/apt/lists/"* "$work/rootfs/usr/share/doc/"* "$work/rootfs/usr/share/man/"* \
      "$work/rootfs/usr/share/info/"* "$work/rootfs/usr/share/locale/"* "$work/rootfs/var/log/"*.log
    tar -C "$work/rootfs" -cf "$TARBALL.part" .
    mv "$TARBALL.part" "$TARBALL"
  fi
  echo "jre-image: importing $TARBALL as $BASE ($(( $(stat -c %s "$TARBALL") / 1048576 )) MiB)"
  docker import "$TARBALL" "$BASE" >/dev/null
fi

if ! docker image inspect "$JDK" >/dev/null 2>&1; then
  ctx=$(mktemp -d)
  tmp+=("$ctx")
  # -L: this machine's Temurin links lib/security/cacerts to Debian's CA store; the image gets the file
  cp -aL "$JDK25_HOME" "$ctx/jdk"
  printf 'FROM %s\nCOPY jdk /opt/java/openjdk\nENV JAVA_HOME=/opt/java/openjdk PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n' \
    "$BASE" > "$ctx/Dockerfile"
  echo "jre-image: $JDK from $BASE and $("$JDK25_HOME/bin/java" -version 2>&1 | sed -n 2p)"
  docker build -q --network none -t "$JDK" "$ctx" >/dev/null
fi
