#!/bin/sh
# Writes <app>/app-cds.jsa: a dynamic AppCDS archive of the classes the plugin loads while it starts,
# so that later starts map them from the archive instead of reading, parsing and verifying each
# again (JDK 13+, JEP 350). An archive works only with the JVM build that made it, so it is made by
# the JVM that runs this script: Dockerfile.jvm runs it with the image's own Java at build time,
# bench/run.sh with this machine's.
#
# usage: appcds.sh <quarkus-app folder> [the entry point's JVM flags...]
#
# The training start is a dev-mode start (in-process DigitalOcean emulator, folder volumes, all in
# a temporary folder): it needs no root, no network and no token. It stops once the socket is up;
# the JVM writes the archive as it exits.
set -eu
app=$(cd "$1" && pwd) # absolute: the archive records the class path, and a start must give the same
shift
flags=""
for flag in "$@"; do
  case "$flag" in
    -XX:SharedArchiveFile=*) ;;  # the archive this makes; a JVM cannot read one while writing one
    *) flags="$flags $flag" ;;
  esac
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/mnt" "$work/dev"
rm -f "$app/app-cds.jsa"

# $flags unquoted on purpose: one word per flag.
# shellcheck disable=SC2086
DO_EMULATOR=true MOUNTER=folder SOCKET="$work/p.sock" MOUNT_ROOT="$work/mnt" DEVICE_DIR="$work/dev" \
  java $flags -XX:ArchiveClassesAtExit="$app/app-cds.jsa" -jar "$app/quarkus-run.jar" >"$work/log" 2>&1 &
pid=$!
tries=0
until [ -S "$work/p.sock" ]; do
  if ! kill -0 "$pid" 2>/dev/null || [ "$tries" -ge 1200 ]; then
    kill "$pid" 2>/dev/null || true
    cat "$work/log" >&2
    echo "appcds.sh: the training start did not open its socket within 120 s" >&2
    exit 1
  fi
  sleep 0.1
  tries=$((tries + 1))
done
sleep 2 # the rest of start-up: start-up reconciliation, scheduler
kill -TERM "$pid"
wait "$pid" || true
if [ ! -s "$app/app-cds.jsa" ]; then
  cat "$work/log" >&2
  echo "appcds.sh: the JVM wrote no archive" >&2
  exit 1
fi
echo "appcds.sh: wrote $app/app-cds.jsa ($(du -m "$app/app-cds.jsa" | cut -f1) MiB)"
