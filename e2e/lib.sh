# Helpers of the end-to-end and swarm stages (sourced by e2e/run.sh and e2e/swarm.sh).

E2E_T0=$(date +%s)
SUMMARY=()          # one line per finished scenario
SCENARIO=""
SCENARIO_T0=0
CHECKS=0

log()  { printf '%s [e2e +%4ss] %s\n' "$(date +%H:%M:%S)" "$(( $(date +%s) - E2E_T0 ))" "$*"; }
die()  { log "FAILED: $*"; exit 1; }

# Runs a command, echoing it (with the token masked) first; its output goes to the console.
run() {
  log "\$ $(mask "$*")"
  "$@"
}

# The token never reaches a log: anything printed goes through this.
mask() {
  if [ -n "${TOKEN:-}" ]; then
    local s=$1
    printf '%s' "${s//$TOKEN/<token>}"
  else
    printf '%s' "$1"
  fi
}

scenario_begin() {
  SCENARIO=$1
  SCENARIO_T0=$(date +%s)
  CHECKS=0
  log "=============== scenario: $SCENARIO ==============="
}

scenario_end() {
  local took=$(( $(date +%s) - SCENARIO_T0 ))
  SUMMARY+=("PASS  $(printf '%-58s' "$SCENARIO") ${took}s  ($CHECKS checks)")
  log "=============== passed: $SCENARIO in ${took}s ==============="
  SCENARIO=""
}

# check DESCRIPTION COMMAND...: the command must succeed.
check() {
  local what=$1; shift
  CHECKS=$((CHECKS + 1))
  if "$@"; then
    log "ok: $what"
  else
    die "$what (command: $(mask "$*"))"
  fi
}

# expect_eq DESCRIPTION EXPECTED ACTUAL
expect_eq() {
  CHECKS=$((CHECKS + 1))
  if [ "$2" = "$3" ]; then
    log "ok: $1 ($(mask "$3"))"
  else
    die "$1: expected '$(mask "$2")', got '$(mask "$3")'"
  fi
}

# expect_match DESCRIPTION REGEX ACTUAL
expect_match() {
  CHECKS=$((CHECKS + 1))
  if printf '%s' "$3" | grep -Eq -- "$2"; then
    log "ok: $1"
  else
    die "$1: expected to match /$2/, got: $(mask "$3")"
  fi
}

# wait_for SECONDS DESCRIPTION COMMAND...: polls every 0.2 s.
wait_for() {
  local limit=$1 what=$2; shift 2
  local end=$(( $(date +%s) + limit ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$end" ] || die "timed out after ${limit}s waiting for: $what"
    sleep 0.2
  done
}

# Stops a process we started, by its pid, and waits for it (TERM, then KILL after a grace).
stop_pid() {
  local pid=$1 name=$2 grace=${3:-15}
  [ -n "$pid" ] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local end=$(( $(date +%s) + grace ))
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$(date +%s)" -ge "$end" ]; then
      log "$name did not stop in ${grace}s: kill -9"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.2
  done
}

# The DigitalOcean emulator's view of a volume (by name), as JSON; the token is sent from a file.
do_volume() {
  curl -sf -H @"$E2E_RUN/auth-header" "$DO_API/v2/volumes?name=$1&region=nyc1"
}
do_attached_to() {   # prints the droplet ids the volume is attached to, or nothing
  do_volume "$1" | python3 -c 'import json,sys; v=json.load(sys.stdin)["volumes"]; print(" ".join(str(d) for x in v for d in x["droplet_ids"]))'
}
do_volume_count() {
  do_volume "$1" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["volumes"]))'
}

# Installs with apt-get the Debian packages of what the stage runs that the machine lacks: those both
# stages need, and the stage's own (PACKAGE...: tool-checked by the caller).
install_missing() {
  local need=("$@")
  command -v dockerd >/dev/null || need+=(docker.io)
  [ -x /bin/busybox ] || need+=(busybox-static)
  command -v debootstrap >/dev/null || need+=(debootstrap)
  command -v docker-registry >/dev/null || need+=(docker-registry)
  command -v docker-compose >/dev/null || need+=(docker-compose)
  command -v curl >/dev/null || need+=(curl)
  command -v python3 >/dev/null || need+=(python3)
  if [ ${#need[@]} -gt 0 ]; then
    log "installing: ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
}
