#!/bin/sh
# Writes the AOT cache that the plugin's entry point names with -XX:AOTCache=FILE (JDK 24+, JEP 483:
# classes loaded and linked ahead of time; JDK 25, JEP 515: with their method profiles), then checks
# that a start with those flags uses it.
#
# usage: aot-cache.sh [--check] JAVA [JVM flags...] -jar JAR
#        (the entry point exactly: Dockerfile.jvm passes its ENTRYPOINT, bench/run.sh config.json's)
#
# A cache serves only the JVM build, class path and flags (GC, heap, object headers, ...) of the
# training that wrote it, and a JVM silently ignores one it cannot use. So the training is a start
# of the entry point itself, with -XX:AOTCache=FILE swapped for -XX:AOTCacheOutput=FILE (the JVM
# writes the cache as it exits), run by the very JVM that will run the plugin: Dockerfile.jvm runs
# this in the image build, bench/run.sh on this machine. The check start adds -XX:AOTMode=on, with
# which the JVM refuses to start when it cannot use the cache; --check only checks.
#
# The training start runs against the standalone DigitalOcean emulator (io.dostorage.emulator.EmulatorMain,
# in a JVM of its own on a free loopback port) with folder volumes, all in a temporary folder: no root,
# no network, no token. It is a production start otherwise (DO_EMULATOR off), so the cache holds the
# classes a real start loads, the REST client's among them, and not the emulator's: with AOT class
# linking (JEP 483) a JVM loads every class of its cache as it starts, needed or not. Once its socket is
# up, io.dostorage.aot.TrainingCalls sends it what dockerd sends (Activate, Capabilities, Create, Get,
# List, Mount, Path, Unmount, Remove), so that the request path is in the cache too; then it is stopped.
set -eu
set -f # the flags are words, not file patterns (-XX:CompileCommand=MemLimit,*.*,2m)
check_only=false
if [ "${1:-}" = --check ]; then check_only=true; shift; fi
[ $# -ge 3 ] || { echo "usage: aot-cache.sh [--check] JAVA [JVM flags...] -jar JAR" >&2; exit 2; }
java=$1
shift
cache="" jar="" flags=""
while [ $# -gt 0 ]; do
  case "$1" in
    -XX:AOTCache=*) cache=${1#-XX:AOTCache=} ;;
    -jar) jar=${2:?-jar needs a file}; shift ;;
    *) flags="$flags $1" ;;
  esac
  shift
done
[ -n "$cache" ] || { echo "aot-cache.sh: the flags name no -XX:AOTCache=FILE" >&2; exit 2; }
[ -f "$jar" ] || { echo "aot-cache.sh: no jar $jar" >&2; exit 2; }

work=$(mktemp -d)
pid="" emulator=""
trap 'for p in $pid $emulator; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
trap 'exit 143' INT TERM # so that the EXIT trap stops the emulator and the plugin

# The emulator: droplet 1001, whose attached volumes appear in $work/dev; actions take 20 ms.
mkdir -p "$work/dev"
"$java" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$jar" io.dostorage.emulator.EmulatorMain --port 0 \
  --state "$work/do-state.json" --action-delay 20ms --droplet "1001:nyc1:$work/dev" >"$work/emulator.log" 2>&1 &
emulator=$!
tries=0
until grep -qs 'DigitalOcean emulator on http' "$work/emulator.log"; do
  if ! kill -0 "$emulator" 2>/dev/null || [ "$tries" -ge 600 ]; then
    cat "$work/emulator.log" >&2
    echo "aot-cache.sh: the DigitalOcean emulator did not start within 60 s" >&2
    exit 1
  fi
  sleep 0.1
  tries=$((tries + 1))
done
api=$(sed -n 's/^DigitalOcean emulator on \(http[^ ]*\).*/\1/p' "$work/emulator.log" | head -1)

# start NAME EXTRA_FLAGS: a plugin start (droplet 1001, folder volumes) under $work/NAME; waits for its socket.
start() {
  mkdir -p "$work/$1/mnt"
  # $flags and $2 unquoted on purpose: one word per flag (no flag holds a space).
  # shellcheck disable=SC2086
  ACCESS_TOKEN=aot-training DO_API_URL="$api" DO_METADATA_URL="$api/droplets/1001" DEVICE_DIR="$work/dev" \
    MOUNTER=folder UNMOUNT_GRACE=100ms SOCKET="$work/$1/p.sock" MOUNT_ROOT="$work/$1/mnt" \
    "$java" $flags $2 -jar "$jar" >"$work/$1.log" 2>&1 &
  pid=$!
  tries=0
  until [ -S "$work/$1/p.sock" ]; do
    if ! kill -0 "$pid" 2>/dev/null || [ "$tries" -ge 1200 ]; then
      cat "$work/$1.log" >&2
      echo "aot-cache.sh: the $1 start did not open its socket within 120 s" >&2
      exit 1
    fi
    sleep 0.1
    tries=$((tries + 1))
  done
}

stop() {
  kill -TERM "$pid"
  wait "$pid" || true
  pid=""
}

calls() {
  "$java" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$jar" io.dostorage.aot.TrainingCalls "$work/$1/p.sock" "$2" \
    || { cat "$work/$1.log" >&2; echo "aot-cache.sh: the $1 start did not answer as it should" >&2; exit 1; }
}

if ! $check_only; then
  rm -f "$cache"
  t0=$(date +%s)
  start training "-XX:AOTCacheOutput=$cache"
  calls training 3
  sleep 1 # the releases after the Unmounts (UNMOUNT_GRACE=100ms here), which call DigitalOcean
  stop
  if [ ! -s "$cache" ]; then
    cat "$work/training.log" >&2
    echo "aot-cache.sh: the JVM wrote no AOT cache" >&2
    exit 1
  fi
  echo "aot-cache.sh: wrote $cache ($(du -m "$cache" | cut -f1) MiB) in $(( $(date +%s) - t0 )) s"
fi
start check "-XX:AOTCache=$cache -XX:AOTMode=on"
calls check 1
stop
echo "aot-cache.sh: a start with these flags and -XX:AOTMode=on uses $cache"
