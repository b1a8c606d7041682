#!/usr/bin/env bash
# Dev mode's live reload, for real: `./mvnw quarkus:dev` on a copy of this repository's tracked files,
# a volume created and mounted over the unix socket with a file in it, then three times in a row: a Java
# source is edited, a Get is sent (the request that makes Quarkus reload), and the answer must be the
# protocol's JSON with the volume still known, its reference kept, the file still there; the log must
# show one more reload and one more start of the in-process DigitalOcean emulator each time.
#
# No root needed (dev mode uses the emulator and folder volumes). Runs on a built repository's Maven
# cache: offline by default; DEVMODE_MAVEN_FLAGS= (empty) lets Maven download what dev mode still needs.
# DEVMODE_TIMEOUT (seconds, default 240) bounds the whole run; DEVMODE_LOG=<file> keeps a copy of the
# dev-mode log. Prints one PASS or FAIL line at the end.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
MAVEN_FLAGS=${DEVMODE_MAVEN_FLAGS--o}
TIMEOUT=${DEVMODE_TIMEOUT:-240}
RELOADS=3
T0=$SECONDS
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
T0_MS=$(now_ms)
DEADLINE=$((SECONDS + TIMEOUT))
WORK=$(mktemp -d "${TMPDIR:-/tmp}/dostorage-devmode.XXXXXX")
LOG=$WORK/dev.log
DEV_PID=""
SOCK=target/dostorage.sock
SOURCE=src/main/java/io/dostorage/plugin/VolumeDriverResource.java
TIMINGS=()

say()  { printf '[devmode +%3ss] %s\n' "$((SECONDS - T0))" "$*"; }
fail() {
  say "$*"
  if [ -f "$LOG" ]; then
    echo "---- last 40 lines of the dev-mode log ----"
    tail -n 40 "$LOG"
    echo "-------------------------------------------"
  fi
  echo "FAIL e2e/devmode.sh: $*"
  exit 1
}

stop_dev_mode() {
  if [ -n "$DEV_PID" ] && kill -0 "$DEV_PID" 2>/dev/null; then
    # Maven and the dev-mode JVM it forks share the process group setsid gave them.
    kill -TERM -- "-$DEV_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$DEV_PID" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL -- "-$DEV_PID" 2>/dev/null || true
    wait "$DEV_PID" 2>/dev/null || true
  fi
  DEV_PID=""
}
cleanup() {
  stop_dev_mode
  if [ -n "${DEVMODE_LOG:-}" ] && [ -f "$LOG" ]; then cp "$LOG" "$DEVMODE_LOG"; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'fail "interrupted"' INT TERM
trap 'fail "unexpected failure of: $BASH_COMMAND (line $LINENO)"' ERR

# Sets LEFT to the seconds left of the run, or fails when none are.
time_left() {
  LEFT=$((DEADLINE - SECONDS))
  [ "$LEFT" -gt 0 ] || fail "out of time: the whole run is bounded to ${TIMEOUT}s (DEVMODE_TIMEOUT)"
}

# POST <endpoint> <body>: sets ANSWER to the answer's body; fails on a transport error or an answer that
# is not JSON (after a failed reload, Quarkus answers with an HTML error page). Never in a subshell, so
# that a failure ends the script.
call() {
  time_left
  ANSWER=$(cd "$WORK/repo" && curl -sS --max-time "$LEFT" --unix-socket "$SOCK" -X POST \
      -H 'Content-Type: application/json' -d "$2" "http://plugin/$1") || fail "$1: no answer over $SOCK"
  case "$ANSWER" in
    '{'*'}') ;;
    *) fail "$1 answered something that is not the protocol's JSON: $(printf '%s' "$ANSWER" | head -c 300)" ;;
  esac
}

# <what>: the last answer has an empty Err.
expect_no_err() {
  case "$ANSWER" in
    *'"Err":""'*) ;;
    *) fail "$1 failed: $ANSWER" ;;
  esac
}

count() { grep -c -- "$1" "$LOG" || true; }
# The last "DigitalOcean emulator on <url>" of the log, or nothing.
emulator_url() { { grep -o 'DigitalOcean emulator on [^ ]*' "$LOG" || true; } | tail -n 1; }
# Quarkus' last "Live reload total time", or nothing.
reload_time() { { grep -o 'Live reload total time: [0-9.]*s' "$LOG" || true; } | tail -n 1 | sed 's/.*: //'; }

# <when>: some process still holds the kernel lock (POSIX, as the JDK takes it) on the state folder's lock
# file, so a second plugin process would be refused. Only where /proc/locks exists (Linux).
expect_state_folder_locked() {
  [ -r /proc/locks ] || return 0
  local inode
  inode=$(stat -c %i "$WORK/repo/target/dev-mnt/.dostorage/lock") || fail "$1: no state folder lock file"
  grep -Eq "POSIX +ADVISORY +WRITE +[0-9]+ +[0-9a-f]+:[0-9a-f]+:$inode " /proc/locks \
    || fail "$1: nothing holds the lock of the state folder any more; a second process could use it"
}

say "copying the tracked files of $REPO to $WORK/repo"
mkdir -p "$WORK/repo"
(cd "$REPO" && git ls-files -z | tar --null -T - -cf -) | tar -xf - -C "$WORK/repo"

say "starting ./mvnw -B -ntp $MAVEN_FLAGS quarkus:dev"
(cd "$WORK/repo" && exec setsid ./mvnw -B -ntp $MAVEN_FLAGS quarkus:dev -Dquarkus.console.enabled=false \
    -Dquarkus.analytics.disabled=true >"$LOG" 2>&1 </dev/null) &
DEV_PID=$!

until (cd "$WORK/repo" && curl -s --max-time 5 --unix-socket "$SOCK" -X POST http://plugin/VolumeDriver.Capabilities 2>/dev/null) \
    | grep -q '"Scope":"global"'; do
  kill -0 "$DEV_PID" 2>/dev/null || fail "dev mode ended before its socket answered"
  time_left
  sleep 0.5
done
TIMINGS+=("dev mode start (build included) to the socket answering: $(( $(now_ms) - T0_MS )) ms")
EMULATOR=$(emulator_url)
[ -n "$EMULATOR" ] || fail "the log does not name the emulator's URL at start"
say "socket answers; $EMULATOR"

call VolumeDriver.Create '{"Name":"devvol","Opts":{"size":"1"}}'
expect_no_err Create
call VolumeDriver.Mount '{"Name":"devvol","ID":"c1"}'
expect_no_err Mount
MOUNTPOINT=$(printf '%s' "$ANSWER" | sed -n 's/.*"Mountpoint":"\([^"]*\)".*/\1/p')
[ -d "$MOUNTPOINT" ] || fail "Mount answered mountpoint '$MOUNTPOINT', which is not a folder"
echo "written before the reloads" >"$MOUNTPOINT/hello"
say "devvol mounted at $MOUNTPOINT, file written"

for i in $(seq 1 "$RELOADS"); do
  reloads_before=$(count 'Live reload total time')
  starts_before=$(count 'DigitalOcean emulator on')
  echo "// e2e/devmode.sh: edit $i, to make dev mode reload" >>"$WORK/repo/$SOURCE"
  # Dev mode looks for changed sources on a request, but at most every 2 s (Quarkus' vertx-http
  # VertxHttpHotReplacementSetup.HOT_REPLACEMENT_INTERVAL); a request sooner is served unchanged.
  sleep 2.5
  t=$(now_ms)
  call VolumeDriver.Get '{"Name":"devvol"}'
  took=$(( $(now_ms) - t ))
  expect_no_err "Get after edit $i"
  case "$ANSWER" in
    *'"Name":"devvol"'*'"references":1'*) ;;
    *) fail "Get after edit $i does not show devvol with its one reference: $ANSWER" ;;
  esac
  case "$ANSWER" in
    *"\"Mountpoint\":\"$MOUNTPOINT\""*) ;;
    *) fail "Get after edit $i shows another mountpoint than $MOUNTPOINT: $ANSWER" ;;
  esac
  [ "$(cat "$MOUNTPOINT/hello" 2>/dev/null)" = "written before the reloads" ] \
    || fail "after edit $i the file in $MOUNTPOINT is gone or changed"
  [ "$(count 'Live reload total time')" -gt "$reloads_before" ] \
    || fail "edit $i did not make dev mode reload (no 'Live reload total time' line in the log)"
  [ "$(count 'DigitalOcean emulator on')" -gt "$starts_before" ] \
    || fail "after reload $i the log does not name the emulator's URL again"
  [ "$(emulator_url)" = "$EMULATOR" ] || fail "after reload $i the emulator moved: $(emulator_url), was $EMULATOR"
  expect_state_folder_locked "after reload $i"
  TIMINGS+=("reload $i: the Get that reloads answered in $took ms (Quarkus: live reload total time $(reload_time))")
  say "reload $i: Get answered in $took ms, devvol still mounted with its file; $(emulator_url)"
done

call VolumeDriver.Unmount '{"Name":"devvol","ID":"c1"}'
expect_no_err Unmount
stop_dev_mode
for line in "${TIMINGS[@]}"; do say "$line"; done
echo "PASS e2e/devmode.sh: $RELOADS live reloads kept the volume, its reference and its file (total $((SECONDS - T0))s)"
