#!/usr/bin/env bash
# The dostorage benchmark: builds the packaged plugin, runs it against the standalone DigitalOcean
# emulator and prints one Markdown table. No root needed (MOUNTER=folder). See README "Benchmark".
#   bench/run.sh [--no-build] [--action-delay MS] [--starts N] [--seconds S] [--idle-seconds S]
#                [--flags "JVM flags instead of config.json's"] [--env K=V]... [--only startup] [--keep]
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
if [[ "${1:-}" == "--no-build" ]]; then
  shift
else
  ./mvnw -B -ntp -q package -DskipTests >&2
fi
exec "$JAVA" bench/Bench.java "$@"
