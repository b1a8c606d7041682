#!/usr/bin/env bash
# Swarm stage: the managed plugin on every node of a real three-node Docker Swarm, against the
# standalone DigitalOcean emulator (one droplet per node, volumes on loop devices, and device-mapper
# where the kernel has it). Run as root, after `./mvnw -B -ntp package` (or verify):
#
#   e2e/swarm.sh                                   # all scenarios, about 7 minutes
#   SWARM_SCENARIOS="deploy move" e2e/swarm.sh     # some of: deploy move failover power-off never cap
#                                                  # pending upgrade (each needs those before it)
#
# The nodes: three network namespaces on a bridge (198.18.0.1-3, the host 198.18.0.254; the
# benchmarking range, nothing else uses it), each with its own mount and UTS namespace and dockerd
# (`nsenter --net` + `unshare -m -u`, not `ip netns exec`, which remounts /sys without the cgroup tree
# dockerd needs). The host serves the emulator and a registry on the bridge address: the plugin runs
# in its node's network namespace, where 127.0.0.1 is that namespace's own. The plugin is built once
# on node1 as in "Build the managed plugin" (README), pushed to the registry and installed on every
# node with `docker plugin install`, as a user does.
#
# Scenarios (README, "Swarm"): deploy (a stack in the seed's compose format), move (constraint
# change, drain; each timed against its floor), failover (a worker cut off), power-off (its droplet
# off), never (-o takeover=never), cap (dockerd's 30 s cap on a plain `plugin enable`), pending (two
# attaches to one droplet at once), upgrade (plugin upgrade on a drained node).
#
# Everything it starts is stopped on exit, and it leaves no namespace, bridge, mount, loop or
# device-mapper device behind; leftovers of an interrupted run are cleared at start. Logs:
# target/e2e-swarm/ (each node's dockerd log holds its plugin's lines, `plugin=<id>`).
# The whole script is one block, which bash reads before it runs any of it: editing the file while a
# run goes on (it takes minutes) does not change that run.
{
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
# shellcheck source=e2e/lib.sh
. e2e/lib.sh

# Descriptors inherited from the caller beyond 0-2 are closed, so that the daemons started here keep
# none of them open: a lock the caller holds on a file (flock(1) runs its command with it open), for
# one, is then released when the caller ends, even if this script was killed and left daemons behind
# (the next run removes them).
for fd in $(ls /proc/$$/fd); do
  if [ "$fd" -gt 2 ] && [ "$fd" -lt 255 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
done
[ "$(id -u)" = 0 ] || die "the swarm stage needs root (namespaces, dockerd, mounts, loop devices)"
[ -f target/quarkus-app/quarkus-run.jar ] || die "no target/quarkus-app: run ./mvnw -B -ntp package -DskipTests first"

SCENARIOS=${SWARM_SCENARIOS:-deploy move failover power-off never cap pending upgrade}
E2E_RUN=/run/dostorage-swarm            # node folders (sockets, exec roots), pids, the token header
SW_VAR=/var/lib/dostorage-swarm         # docker data roots, emulator backing files, registry
DEVICES=/dev/dostorage-swarm            # the droplets' device folders: the plugin sees the host's /dev
LOGS=$REPO/target/e2e-swarm
export E2E_CACHE=${E2E_CACHE:-/var/cache/dostorage-e2e}   # the base root filesystem (e2e/jre-image.sh)
BRIDGE=dswbr0
HOST_IP=198.18.0.254
NODES="1 2 3"
EMU_PORT=8089
DO_API=http://$HOST_IP:$EMU_PORT
REGISTRY=$HOST_IP:5000
PLUGIN=$REGISTRY/dostorage:latest
STACK=dsw
APP=${STACK}_app
ACTION_DELAY=1s                         # each emulated attach and detach takes this long
TAKEOVER_WAIT_SHORT=10s
TAKEOVER_WAIT_LONG=45s                  # over dockerd's 30 s cap (scenario cap)
DM_PREFIX=dostorage-emu-                # the emulator's device-mapper devices (DeviceMapper.PREFIX)
TOKEN="dop_v1_swarm$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
JVM_FLAGS=(-XX:+UseSerialGC -Xmx64m -XX:TieredStopAtLevel=1)
CP="target/quarkus-app/app/*:target/quarkus-app/lib/main/*"
PID_EMU="" PID_REG=""
TIMES=()            # one line per timed move for the summary
SKIPPED_IO=()       # the scenarios whose I/O-error check this machine cannot make (no device-mapper)
DEVICE_SAID=""

dk() { local n=$1; shift; docker -H "unix://$E2E_RUN/node$n/docker.sock" "$@"; }
mgr() { dk 1 "$@"; }
now_ms() { date +%s%3N; }
secs() { local ms=$1 sign=""; [ "$ms" -ge 0 ] || { sign=-; ms=$(( -ms )); }; printf '%s%d.%01d' "$sign" $(( ms / 1000 )) $(( (ms % 1000) / 100 )); }
signed_secs() { if [ "$1" -ge 0 ]; then printf '+%s' "$(secs "$1")"; else secs "$1"; fi; }

# ---------------------------------------------------------------------------------------------
# Clean-up: on every exit path, and of an interrupted earlier run at start; safe to run twice.
# ---------------------------------------------------------------------------------------------
stop_nodes() {
  local n pid
  for n in $NODES; do
    pid=$(cat "$E2E_RUN/node$n/pid" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      # A managed plugin keeps volumes mounted until it stops; dockerd stops it on its way out,
      # after its containers.
      stop_pid "$pid" "dockerd of node$n" 40
    fi
    # Whatever is left in the namespace (a container's shim, a plugin's runc) goes with it.
    if [ -e "/run/netns/dsw$n" ]; then
      for pid in $(ip netns pids "dsw$n" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    fi
  done
}

release_host() {
  local n m dev file name
  for n in $NODES; do
    [ ! -e "/run/netns/dsw$n" ] || ip netns delete "dsw$n" 2>/dev/null || true
    ip link delete "dswv$n" 2>/dev/null || true
  done
  ip link delete "$BRIDGE" 2>/dev/null || true
  for m in $(awk '{print $5}' /proc/self/mountinfo | grep -E "^($E2E_RUN|$SW_VAR)(/|$)" | sort -r); do
    umount -l "$m" 2>/dev/null && log "unmounted $m"
  done
  # The emulator's device-mapper devices sit over its loop devices: they go first.
  if command -v dmsetup >/dev/null && dmsetup ls >/dev/null 2>&1; then
    for name in $(dmsetup ls 2>/dev/null | awk '{print $1}' | grep "^$DM_PREFIX" || true); do
      dmsetup remove --force "$name" >/dev/null 2>&1 && log "removed device-mapper device $name"
    done
  fi
  while read -r dev file; do
    [ -n "$dev" ] || continue
    losetup -d "$dev" 2>/dev/null && log "released loop device $dev ($file)"
  done < <(losetup -a 2>/dev/null | sed -n "s#^\(/dev/loop[0-9]*\): .*(\($SW_VAR/emulator/[^)]*\)).*#\1 \2#p")
  rm -rf "$E2E_RUN" "$DEVICES"
}

cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  [ $rc -eq 0 ] || log "a failure stopped the swarm stage (exit $rc); logs in $LOGS"
  if [ $rc -ne 0 ] && [ -n "${E2E_HOLD:-}" ]; then
    log "E2E_HOLD: everything stays up until $E2E_RUN/hold is removed (manager: docker -H unix://$E2E_RUN/node1/docker.sock)"
    touch "$E2E_RUN/hold"; while [ -e "$E2E_RUN/hold" ]; do sleep 1; done
  fi
  log "cleaning up"
  [ -z "${PID_NEXT:-}" ] || kill "$PID_NEXT" 2>/dev/null
  stop_nodes
  stop_pid "$PID_REG" "docker-registry"
  stop_pid "$PID_EMU" "DigitalOcean emulator"
  release_host
  rm -rf --one-file-system "$SW_VAR"
  if grep -rlF -- "$TOKEN" "$LOGS" >/dev/null 2>&1; then
    log "FAILED: the access token appears in these logs: $(grep -rlF -- "$TOKEN" "$LOGS" | tr '\n' ' ')"
    rc=1
  fi
  leftovers
  print_summary $rc
  exit $rc
}

# What an earlier run, or this one, could have left behind; printed, and a failure if anything.
leftovers() {
  local left=""
  ip netns list 2>/dev/null | grep -q '^dsw[0-9]' && left+=" namespaces($(ip netns list | grep '^dsw' | tr '\n' ' '))"
  ip link show "$BRIDGE" >/dev/null 2>&1 && left+=" bridge $BRIDGE"
  awk '{print $5}' /proc/self/mountinfo | grep -qE "^($E2E_RUN|$SW_VAR)(/|$)" && left+=" mounts"
  losetup -a 2>/dev/null | grep -q "($SW_VAR/" && left+=" loop devices"
  if command -v dmsetup >/dev/null && dmsetup ls 2>/dev/null | grep -q "^$DM_PREFIX"; then left+=" device-mapper devices"; fi
  if [ -n "$left" ]; then
    log "FAILED: left behind:$left"
    rc=1
  else
    log "nothing left behind: no namespace, bridge, mount, loop or device-mapper device of this stage"
  fi
}

print_summary() {
  local rc=$1 line
  echo
  echo "================ swarm stage summary ================"
  for line in "${SUMMARY[@]}"; do echo "$line"; done
  [ -z "$SCENARIO" ] || echo "FAIL  $(printf '%-58s' "$SCENARIO") $(( $(date +%s) - SCENARIO_T0 ))s"
  if [ ${#SKIPPED_IO[@]} -gt 0 ]; then
    echo "SKIPPED: the cut-off node's I/O errors (scenarios ${SKIPPED_IO[*]}): $DEVICE_SAID"
  fi
  if [ ${#TIMES[@]} -gt 0 ]; then
    echo "---- timings (a move's floor: the same move of a service without a volume + the emulator's detach + attach)"
    for line in "${TIMES[@]}"; do echo "$line"; done
  fi
  echo "total: $(( $(date +%s) - E2E_T0 ))s — $([ "$rc" -eq 0 ] && echo PASSED || echo FAILED)"
  echo "====================================================="
}

trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
# Set-up: packages, leftovers, bridge, emulator, registry, three nodes, Swarm, the plugin
# ---------------------------------------------------------------------------------------------
setup_t0=$(date +%s)
need=()
command -v ip >/dev/null || need+=(iproute2)
command -v nsenter >/dev/null && command -v unshare >/dev/null || need+=(util-linux)
command -v dmsetup >/dev/null || need+=(dmsetup)
install_missing "${need[@]}"
# Debian's docker CLI matches Debian's dockerd; another docker earlier in PATH may not.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

if [ -d "$E2E_RUN" ] || [ -d "$SW_VAR" ] || ip link show "$BRIDGE" >/dev/null 2>&1 || ip netns list | grep -q '^dsw'; then
  log "removing leftovers of an earlier run"
  for f in "$E2E_RUN"/*.pid; do
    [ -f "$f" ] || continue
    p=$(cat "$f"); kill -0 "$p" 2>/dev/null && stop_pid "$p" "leftover $(basename "$f" .pid)" 30
  done
  stop_nodes
  release_host
fi
rm -rf --one-file-system "$SW_VAR"
rm -rf "$LOGS"
mkdir -p "$E2E_RUN" "$SW_VAR"/emulator "$LOGS" /run/docker/plugins
printf 'Authorization: Bearer %s\n' "$TOKEN" > "$E2E_RUN/auth-header"; chmod 600 "$E2E_RUN/auth-header"

log "bridge $BRIDGE ($HOST_IP/24) and three namespaces on it (198.18.0.1-3)"
ip link add "$BRIDGE" type bridge
ip addr add "$HOST_IP/24" dev "$BRIDGE"
ip link set "$BRIDGE" up
for n in $NODES; do
  ip netns add "dsw$n"
  ip link add "dswv$n" type veth peer name eth0 netns "dsw$n"
  ip link set "dswv$n" master "$BRIDGE" up
  ip -n "dsw$n" addr add "198.18.0.$n/24" dev eth0
  ip -n "dsw$n" link set eth0 up
  ip -n "dsw$n" link set lo up
  mkdir -p "$DEVICES/100$n"
done

# The emulator's device mode, as it decided at start: device-mapper, or plain loop devices where
# the kernel has no device-mapper (it says so in its log, and the I/O-error check is skipped).
log "starting the DigitalOcean emulator on $DO_API (loop devices; droplets 1001-1003; actions take $ACTION_DELAY)"
java "${JVM_FLAGS[@]}" -cp "$CP" io.dostorage.emulator.EmulatorMain --bind "$HOST_IP" --port "$EMU_PORT" \
  --state "$SW_VAR/emulator/state.json" --backing-dir "$SW_VAR/emulator/backing" --loop-devices \
  --action-delay "$ACTION_DELAY" --token "$TOKEN" \
  --droplet "1001:nyc1:$DEVICES/1001" --droplet "1002:nyc1:$DEVICES/1002" --droplet "1003:nyc1:$DEVICES/1003" \
  > "$LOGS/emulator.log" 2>&1 &
PID_EMU=$!; echo $PID_EMU > "$E2E_RUN/emulator.pid"
wait_for 30 "the emulator" curl -sf "$DO_API/droplets/1001/metadata/v1/id"
DEVICE_MODE=$(curl -sf "$DO_API/_emulator/devices" | python3 -c 'import json,sys; print(json.load(sys.stdin)["mode"])')
DEVICE_SAID=$(curl -sf "$DO_API/_emulator/devices" | python3 -c 'import json,sys; print(json.load(sys.stdin)["said"])')
log "emulator devices: $DEVICE_MODE: $DEVICE_SAID"

log "registry: Debian's docker-registry on $REGISTRY (the bridge address: the nodes reach it there)"
printf 'version: 0.1\nstorage: {filesystem: {rootdirectory: %s}}\nhttp: {addr: %s}\n' \
  "$SW_VAR/registry" "$REGISTRY" > "$SW_VAR/registry.yml"
docker-registry serve "$SW_VAR/registry.yml" > "$LOGS/registry.log" 2>&1 &
PID_REG=$!; echo $PID_REG > "$E2E_RUN/registry.pid"
wait_for 30 "the registry" curl -sf "http://$REGISTRY/v2/"

# A node: dockerd in namespace dswN with its own mounts and hostname. /sys is mounted afresh so it
# shows this network namespace's devices, with the host's cgroup tree moved back in; the plugin
# sockets folder is the node's own. Address pools inside 198.18.0.0/24 (.64-.127 Swarm's overlay
# networks, .128-.191 the node's own bridges), so no other range is ever used: a network that would
# need one fails instead (services here use the node's network). DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1
# (what moby's own test daemons run with) makes a node run a task's image as it has it, without first
# asking a registry for it: none can be reached.
start_node() {
  local n=$1 b=$E2E_RUN/node$1
  mkdir -p "$b/cg" "$b/exec" "$SW_VAR/node$n"
  nsenter --net="/run/netns/dsw$n" -- unshare -m -u --propagation private sh -c "
    set -e
    hostname node$n
    mount --rbind /sys/fs/cgroup '$b/cg'
    mount -t sysfs sysfs /sys
    mount --move '$b/cg' /sys/fs/cgroup
    mount -t tmpfs dsw-plugins /run/docker/plugins
    export DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1
    exec dockerd --data-root '$SW_VAR/node$n/docker' --exec-root '$b/exec' -H 'unix://$b/docker.sock' \
      --pidfile '$b/dockerd.pid' --iptables=false --ip-masq=false --bridge=none \
      --default-address-pool base=198.18.0.128/26,size=28 --insecure-registry '$REGISTRY'" \
    > "$LOGS/dockerd-node$n.log" 2>&1 &
  echo $! > "$b/pid"
}
for n in $NODES; do start_node "$n"; done
for n in $NODES; do wait_for 30 "dockerd of node$n" dk "$n" info; done

make_busybox() {   # image local/busybox on node N, from the host's static busybox
  local n=$1 dir=$SW_VAR/busybox-rootfs
  if [ ! -d "$dir" ]; then
    # /data exists in the image, as a database image's data folder does: dockerd then mounts a new
    # container's volume once more at create, to copy the image's files into it (the create pair).
    mkdir -p "$dir/bin" "$dir/tmp" "$dir/data"
    cp /bin/busybox "$dir/bin/"
    for c in sh echo cat ls mkdir grep sleep date wc test true dd sync hostname tail; do ln -s busybox "$dir/bin/$c"; done
  fi
  tar -C "$dir" -c . | dk "$n" import - local/busybox >/dev/null
}
for n in $NODES; do make_busybox "$n"; done

log "Swarm: node1 manager, node2 and node3 workers"
t=$(now_ms)
mgr swarm init --advertise-addr 198.18.0.1 --default-addr-pool 198.18.0.64/26 --default-addr-pool-mask-length 28 >/dev/null
join_token=$(mgr swarm join-token -q worker)
for n in 2 3; do dk "$n" swarm join --advertise-addr "198.18.0.$n" --token "$join_token" 198.18.0.1:2377 >/dev/null; done
unset join_token
ready_nodes() { [ "$(mgr node ls --format '{{.Hostname}} {{.Status}}' | grep -c ' Ready$')" = 3 ]; }
wait_for 60 "three Ready nodes" ready_nodes
log "three nodes Ready in $(secs $(( $(now_ms) - t ))) s"
mgr node ls

# ---- the managed plugin, built once on node1 (README, "Build the managed plugin") and installed on
# every node from the registry. The same commands as e2e/run.sh's managed scenario.
t=$(date +%s)
DOCKER_HOST=unix://$E2E_RUN/node1/docker.sock e2e/jre-image.sh local/bookworm-tools local/jdk25
ctx=$SW_VAR/docker-cli; mkdir -p "$ctx"; cp /usr/bin/docker "$ctx/docker"
printf 'FROM local/bookworm-tools\nCOPY docker /usr/local/bin/docker\n' > "$ctx/Dockerfile"
mgr build -q --network none -t local/docker-cli "$ctx" >/dev/null
export DOCKER_HOST=unix://$E2E_RUN/node1/docker.sock JDK_IMAGE=local/jdk25 BASE_IMAGE=local/bookworm-tools \
       BUILDER_IMAGE=local/docker-cli BUILD_NETWORK=none PLUGIN_NAME=$PLUGIN DOCKER_SOCKET=$E2E_RUN/node1/docker.sock
run docker-compose build -q dostorage > "$LOGS/build.log" 2>&1 || { tail -30 "$LOGS/build.log"; die "docker-compose build"; }
run docker-compose run --rm dostorage_builder >> "$LOGS/build.log" 2>&1 || { tail -30 "$LOGS/build.log"; die "the plugin builder"; }
run mgr plugin push "$PLUGIN" > "$LOGS/push.log" 2>&1 || { cat "$LOGS/push.log"; die "plugin push"; }
run mgr plugin rm "$PLUGIN"
log "built, created and pushed the plugin in $(( $(date +%s) - t ))s"

# "Install" in README.md, on every node, plus the emulator's URLs, the node's device folder, a short
# TAKEOVER_WAIT and DEBUG logs (the Mount and Unmount calls, for the create-pair gap).
install_plugin() {
  local n=$1
  log "node$n: \$ docker plugin install --grant-all-permissions $PLUGIN ACCESS_TOKEN=<token> DO_API_URL=$DO_API DO_METADATA_URL=$DO_API/droplets/100$n DEVICE_DIR=$DEVICES/100$n TAKEOVER_WAIT=$TAKEOVER_WAIT_SHORT LOG_LEVEL=DEBUG"
  dk "$n" plugin install --grant-all-permissions "$PLUGIN" ACCESS_TOKEN="$TOKEN" DO_API_URL="$DO_API" \
    DO_METADATA_URL="$DO_API/droplets/100$n" DEVICE_DIR="$DEVICES/100$n" TAKEOVER_WAIT="$TAKEOVER_WAIT_SHORT" \
    LOG_LEVEL=DEBUG > "$LOGS/plugin-install-node$n.txt" 2>&1 \
    || { mask "$(cat "$LOGS/plugin-install-node$n.txt")"; echo; die "docker plugin install on node$n"; }
}
t=$(date +%s)
install_pids=()
for n in $NODES; do install_plugin "$n" & install_pids+=($!); done
for p in "${install_pids[@]}"; do wait "$p" || die "installing the plugin failed (see above)"; done
log "installed on three nodes in $(( $(date +%s) - t ))s"
# Swarm places a task only on a node whose engine reports the volume driver.
reports_plugin() { mgr node inspect "node$1" -f '{{json .Description.Engine.Plugins}}' | grep -qF "\"Name\":\"$PLUGIN\""; }
for n in $NODES; do wait_for 60 "node$n reports the plugin to the manager" reports_plugin "$n"; done
for n in $NODES; do
  expect_eq "node$n: the plugin is enabled" true "$(dk "$n" plugin inspect -f '{{.Enabled}}' "$PLUGIN")"
done
mgr node update --label-add dsw.slot=a node1 >/dev/null
mgr node update --label-add dsw.slot=b node2 >/dev/null
mgr node update --label-add dsw.slot=c node3 >/dev/null
SUMMARY+=("setup (bridge, emulator, registry, 3 nodes, Swarm, plugin built and installed) $(( $(date +%s) - setup_t0 ))s")

# ---------------------------------------------------------------------------------------------
# Helpers of the scenarios
# ---------------------------------------------------------------------------------------------
plugin_id() { dk "$1" plugin inspect -f '{{.Id}}' "$PLUGIN"; }
plugin_setting() { dk "$1" plugin inspect -f '{{range .Settings.Env}}{{println .}}{{end}}' "$PLUGIN" | sed -n "s/^$2=//p"; }
# The plugin's own lines in node N's dockerd log, as msg texts.
plugin_log() {
  local id; id=$(plugin_id "$1")
  grep -F "plugin=$id" "$LOGS/dockerd-node$1.log" | sed -n 's/.*msg="\(.*\)" plugin=.*/\1/p' | sed 's/\\"/"/g'
}
# The lines since mark M (a line count taken with plugin_mark).
plugin_mark() { plugin_log "$1" | wc -l; }
plugin_log_since() { plugin_log "$1" | tail -n +$(( $2 + 1 )); }

# The node (1-3) whose engine runs a container of service S, or nothing.
running_on() {
  local s=$1 n
  for n in $NODES; do
    if [ -n "$(dk "$n" ps -q --filter "label=com.docker.swarm.service.name=$s" --filter status=running 2>/dev/null)" ]; then
      echo "$n"; return 0
    fi
  done
}
runs_on() { [ -n "$(dk "$2" ps -q --filter "label=com.docker.swarm.service.name=$1" --filter status=running 2>/dev/null)" ]; }
container_of() { dk "$2" ps -q --filter "label=com.docker.swarm.service.name=$1" --filter status=running | head -1; }
in_task() { local s=$1 n=$2; shift 2; dk "$n" exec "$(container_of "$s" "$n")" "$@"; }
stopped_on() { [ -z "$(dk "$2" ps -q --filter "label=com.docker.swarm.service.name=$1")" ]; }
node_state() { mgr node inspect "node$1" -f '{{.Status.State}}'; }
node_is() { [ "$(node_state "$1")" = "$2" ]; }
attached_to() { [ "$(do_attached_to "$1")" = "$2" ]; }
# A node cut off from the bridge, and back (named so as not to hide cut(1), which this script uses).
cut_node() { ip link set "dswv$1" down; }
heal_node() { ip link set "dswv$1" up; }
references_on() {   # the plugin's count of references of volume V on node N (0 when it has none)
  { dk "$2" volume inspect --format '{{json .Status}}' "$1" 2>/dev/null || echo '{}'; } \
    | python3 -c 'import json,sys; print((json.load(sys.stdin) or {}).get("references", 0))'
}
# The release and attach times the plugins logged for volume V since the marks (ms).
logged_ms() {   # NODE MARK REGEX
  plugin_log_since "$1" "$2" | sed -n "s/.*$3 in \([0-9]*\) ms.*/\1/p" | tail -1
}

# A task shell: PID 1 in its container ignores SIGTERM unless it traps it (else every stop takes
# 10 s). Each start appends a line naming its node to /data/history; the first one also writes /data/first.
TASK_CMD='trap "exit 0" TERM; [ -f /data/first ] || echo written-on-$(hostname) > /data/first; echo started-on-$(hostname) >> /data/history; sync; sleep 3600 & wait'
NOVOL_CMD='trap "exit 0" TERM; sleep 3600 & wait'

# wait_move SERVICE NODE LIMIT T0: polls until a container of SERVICE runs on NODE; sets MOVED_MS
# to the time since T0 (ms). (Not in a $(...): a failure's message must reach the console.)
MOVED_MS=0
wait_move() {
  local s=$1 n=$2 limit=$3 t0=$4
  wait_for "$limit" "$s runs on node$n" runs_on "$s" "$n"
  MOVED_MS=$(( $(now_ms) - t0 ))
}

history_on() { in_task "$APP" "$1" cat /data/history | tr '\n' ' '; }
history_has() { in_task "$APP" "$1" grep -q "$2" /data/history; }
logged_since() { plugin_log_since "$1" "$2" | grep -q -- "$3"; }
no_takeover_logged() { ! plugin_log "$1" | grep -q "taking volume $2 over"; }

# ---------------------------------------------------------------------------------------------
# 1 deploy: a stack in the seed's format, one replica pinned by a node label
# ---------------------------------------------------------------------------------------------
scenario_deploy() {
  scenario_begin "1 docker stack deploy: the seed's compose format, pinned to node1"
  # version 3.4, a named volume with driver and driver_opts: the seed's format. The volume's name is
  # set, or the stack would prefix it (dsw_appdata, which DigitalOcean refuses: no "_"). The task uses
  # its node's network: a stack's own overlay network would give it a docker_gwbridge, for which
  # dockerd finds no address pool that does not overlap the nodes' 198.18.0.0/24 (by design: no
  # other range is used).
  cat > "$SW_VAR/stack.yml" <<EOF
version: "3.4"
services:
  app:
    image: local/busybox
    hostname: "{{.Node.Hostname}}"
    command: ["sh", "-c", '${TASK_CMD//\$/\$\$}']
    volumes:
      - appdata:/data
    networks: [hostnet]
    deploy:
      replicas: 1
      placement:
        constraints: [node.labels.dsw.slot==a]
networks:
  hostnet:
    external:
      name: host
volumes:
  appdata:
    name: appdata
    driver: $PLUGIN
    driver_opts:
      size: "1"
EOF
  log "stack file:"; sed 's/^/    /' "$SW_VAR/stack.yml"
  local t0; t0=$(now_ms)
  run mgr stack deploy --resolve-image never -c "$SW_VAR/stack.yml" "$STACK"
  wait_move "$APP" 1 90 "$t0"
  log "the task runs on node1 $(secs "$MOVED_MS") s after the deploy"
  wait_for 20 "the task wrote its first line" in_task "$APP" 1 cat /data/first
  expect_eq "data written on node1" written-on-node1 "$(in_task "$APP" 1 cat /data/first)"
  expect_eq "the DigitalOcean volume is attached to droplet 1001" 1001 "$(do_attached_to appdata)"
  expect_match "driver_opts arrived (size 1)" '"size":"1"' "$(dk 1 volume inspect --format '{{json .Status}}' appdata)"
  expect_match "node1's plugin logged the attach" 'attached volume appdata to droplet 1001 in [0-9]+ ms' "$(plugin_log 1)"
  scenario_end
}

# ---------------------------------------------------------------------------------------------
# 2 move: constraint change, then drain; each move against its floor
# ---------------------------------------------------------------------------------------------
# One timed move of the app, with a service without a volume (novol) moved at the same moment, by
# the same command or by its own (NOVOL_COMMAND), each timed from just before its command: novol's
# time is Swarm's own (scheduling, the old task's stop, the new one's start).
# FROM TO DESCRIPTION COMMAND [NOVOL_COMMAND]
timed_move() {
  local from=$1 to=$2 what=$3 command=$4 novol_command=${5:-}
  local m_from m_to t0 t0_novol took novol
  m_from=$(plugin_mark "$from"); m_to=$(plugin_mark "$to")
  t0=$(now_ms)
  $command
  t0_novol=$t0
  if [ -n "$novol_command" ]; then t0_novol=$(now_ms); $novol_command; fi
  # Both polled in one loop: each time is taken when that service is seen on the new node.
  took="" novol=""
  while [ -z "$took" ] || [ -z "$novol" ]; do
    [ $(( $(now_ms) - t0 )) -lt 60000 ] || die "timed out after 60s waiting for $APP and novol on node$to"
    [ -n "$took" ] || ! runs_on "$APP" "$to" || took=$(( $(now_ms) - t0 ))
    [ -n "$novol" ] || ! runs_on novol "$to" || novol=$(( $(now_ms) - t0_novol ))
    sleep 0.1
  done
  wait_for 20 "the app wrote its start on node$to" history_has "$to" "started-on-node$to"
  local detach attach floor n
  wait_for 10 "node$from's plugin logged the release" logged_since "$from" "$m_from" "detached volume appdata from droplet 100$from in [0-9]* ms (released"
  detach=$(logged_ms "$from" "$m_from" "detached volume appdata from droplet 100$from")
  attach=$(logged_ms "$to" "$m_to" "attached volume appdata to droplet 100$to")
  [ -n "$attach" ] || die "node$to's plugin logged no attach of appdata: $(plugin_log_since "$to" "$m_to" | tail -5)"
  floor=$(( novol + detach + attach ))
  log "$what: node$from -> node$to in $(secs "$took") s; floor $(secs "$floor") s (Swarm $(secs "$novol") + detach $(secs "$detach") + attach $(secs "$attach"))"
  TIMES+=("$(printf '%-26s node%s -> node%s %5s s   floor %5s s = Swarm %s + detach %s + attach %s' "$what" "$from" "$to" \
    "$(secs "$took")" "$(secs "$floor")" "$(secs "$novol")" "$(secs "$detach")" "$(secs "$attach")")")
  check "$what took at most its floor + 2 s ($(secs "$took") s <= $(secs "$floor") + 2 s)" [ "$took" -le $(( floor + 2000 )) ]
  for n in $NODES; do
    check "node$n's plugin took nothing over by force" no_takeover_logged "$n" appdata
  done
  expect_match "node$from unmounted the volume" "unmounted volume appdata from [^ ]* on droplet 100$from in [0-9]+ ms \(released: no container uses it\)" \
    "$(plugin_log_since "$from" "$m_from")"
  expect_match "node$from detached the volume" "detached volume appdata from droplet 100$from in [0-9]+ ms \(released: no container uses it\)" \
    "$(plugin_log_since "$from" "$m_from")"
  expect_eq "the DigitalOcean volume is attached to droplet 100$to" "100$to" "$(do_attached_to appdata)"
  expect_eq "node$to reads the data written on node1" written-on-node1 "$(in_task "$APP" "$to" cat /data/first)"
  log "history on node$to: $(history_on "$to")"
}

scenario_move() {
  scenario_begin "2 moves: constraint change, then drain (timed against their floor)"
  run mgr service create --detach --no-resolve-image --network host --name novol --hostname '{{.Node.Hostname}}' \
    --constraint node.labels.dsw.slot==a local/busybox sh -c "$NOVOL_CMD" >/dev/null
  wait_for 60 "novol runs on node1" runs_on novol 1
  move_app() { mgr service update --detach --constraint-rm node.labels.dsw.slot==a --constraint-add node.labels.dsw.slot==b "$APP" >/dev/null; }
  move_novol() { mgr service update --detach --constraint-rm node.labels.dsw.slot==a --constraint-add node.labels.dsw.slot==b novol >/dev/null; }
  timed_move 1 2 "move by constraint change" move_app move_novol
  expect_match "node2 has the whole history" 'started-on-node1 started-on-node2' "$(history_on 2)"

  # node3 gets slot b too: draining node2 leaves it the only node that fits.
  mgr node update --label-add dsw.slot=b node3 >/dev/null
  drain2() { mgr node update --availability drain node2 >/dev/null; }
  timed_move 2 3 "move by drain" drain2
  expect_match "node3 has the whole history" 'started-on-node1 started-on-node2 started-on-node3' "$(history_on 3)"
  run mgr node update --availability active node2
  run mgr service rm novol
  scenario_end
}

# ---------------------------------------------------------------------------------------------
# 3 failover: a worker cut off (its veth down)
# ---------------------------------------------------------------------------------------------
# FROM: the node cut off; TO: where the task must come back. Sets FAILOVER_MS and DOWN_MS.
cut_and_fail_over() {
  local from=$1 to=$2 t0 n
  t0=$(now_ms)
  CUT_AT=$t0 MOVE_FROM=$from
  log "cutting node$from off (veth dswv$from down)"
  cut_node "$from"
  wait_for 60 "the manager marks node$from down" node_is "$from" down
  DOWN_MS=$(( $(now_ms) - t0 ))
  log "node$from is down for Swarm $(secs "$DOWN_MS") s after the cut"
  wait_move "$APP" "$to" 120 "$t0"
  FAILOVER_MS=$MOVED_MS
}

# The time of a plugin log line, in ms since the epoch: the line's own timestamp ("2026-12-04
# 02:46:25,979 WARN ..."), which the plugin writes in UTC, as this host's clock runs.
line_ms() { date -u -d "$(printf '%s' "$1" | cut -c1-23 | tr , .)" +%s%3N; }

# A failover by takeover of appdata (after cut_and_fail_over: CUT_AT, MOVE_FROM, DOWN_MS,
# FAILOVER_MS), from node N's plugin log since mark M, with TAKEOVER_WAIT W (ms): when Swarm's first
# Mount came, how many Mounts dockerd cut, when the Mount that took the volume over came, when it
# took it over and answered. Logs that timeline, adds it to the summary as LABEL, and checks the
# plugin's own part of it: the takeover waited the whole TAKEOVER_WAIT from the first Mount (no
# holder is torn off early), came no later than the wait's end or the Mount that found it spent (+2 s
# for its last poll), and the task ran within 10 s of it (a detach, an attach, the Mount's answer,
# dockerd's container start). The rest is Swarm's (its down detection, when it sends the first Mount
# and the retries): that is held only to TAKEOVER_WAIT + down detection + 30 s in all, which a wait
# that started afresh would exceed.
check_takeover_timeline() {
  local n=$1 mark=$2 wait_ms=$3 label=$4 t0=$CUT_AT said hit before first took id answered cuts
  said=$(plugin_log_since "$n" "$mark")
  hit=$(printf '%s\n' "$said" | grep -n -m1 'taking volume appdata over from droplet' || true)
  [ -n "$hit" ] || die "node$n's plugin logged no takeover of appdata"
  before=$(printf '%s\n' "$said" | head -n "${hit%%:*}")
  first=$(printf '%s\n' "$before" | grep -m1 -E 'Mount of volume appdata by [0-9a-f]+$' || true)
  took=$(printf '%s\n' "$before" | grep -E 'Mount of volume appdata by [0-9a-f]+$' | tail -1 || true)
  [ -n "$first" ] || die "node$n's plugin logged no Mount of appdata before its takeover"
  id=${took##* }
  answered=$(printf '%s\n' "$said" | grep -m1 "Mount of volume appdata by $id answered in" || true)
  [ -n "$answered" ] || die "node$n's plugin logged no answer to the Mount that took appdata over"
  cuts=$(printf '%s\n' "$before" | grep -c 'dockerd closed the connection' || true)
  local first_ms came_ms takeover_ms answered_ms
  first_ms=$(( $(line_ms "$first") - t0 ))
  came_ms=$(( $(line_ms "$took") - t0 ))
  takeover_ms=$(( $(line_ms "${hit#*:}") - t0 ))
  answered_ms=$(( $(line_ms "$answered") - t0 ))
  log "timeline from the cut (s): down for Swarm $(secs "$DOWN_MS"); first Mount $(secs "$first_ms"); $cuts Mount(s) cut by dockerd;" \
    "the Mount that took over came $(secs "$came_ms"), took over $(secs "$takeover_ms") ($(secs $(( takeover_ms - first_ms ))) after the first)," \
    "answered $(secs "$answered_ms"); the task ran $(secs "$FAILOVER_MS")"
  TIMES+=("$(printf '%-26s %s %5s s = down %s, first Mount %s, takeover %s, task running %s' "$label" \
    "node${MOVE_FROM} -> node$n" "$(secs "$FAILOVER_MS")" "$(secs "$DOWN_MS")" "$(signed_secs $(( first_ms - DOWN_MS )))" \
    "$(signed_secs $(( takeover_ms - first_ms )))" "$(signed_secs $(( FAILOVER_MS - takeover_ms )))")")
  check "the takeover waited the whole TAKEOVER_WAIT from the first Mount" [ $(( takeover_ms - first_ms )) -ge "$wait_ms" ]
  local due=$(( first_ms + wait_ms > came_ms ? first_ms + wait_ms : came_ms ))
  check "and came within 2 s of the wait's end or of the Mount that found it spent" [ "$takeover_ms" -le $(( due + 2000 )) ]
  check "the task ran within 10 s of the takeover" [ $(( FAILOVER_MS - takeover_ms )) -le 10000 ]
  check "failover within TAKEOVER_WAIT + Swarm's down detection + 30 s, Swarm's delays included" \
    [ "$FAILOVER_MS" -le $(( wait_ms + DOWN_MS + 30000 )) ]
}

# After the node comes back: the manager stops its old task, the node's plugin unmounts the volume
# and detaches nothing from the new holder (DigitalOcean says the volume is attached elsewhere now).
heal_and_check() {
  local healed=$1 holder=$2 mark=$3 t0
  t0=$(now_ms)
  heal_node "$healed"
  wait_for 60 "node$healed is Ready again" node_is "$healed" ready
  wait_for 60 "the old task on node$healed is stopped" stopped_on "$APP" "$healed"
  wait_for 30 "node$healed's plugin let go of appdata" logged_since "$healed" "$mark" "released volume appdata"
  log "node$healed back after $(secs $(( $(now_ms) - t0 ))) s; its plugin: $(plugin_log_since "$healed" "$mark" | grep 'released volume appdata' | tail -1)"
  expect_match "node$healed's plugin detached nothing from the new holder" \
    "released volume appdata on droplet 100$healed: DigitalOcean has it attached to another droplet now, which keeps it" \
    "$(plugin_log_since "$healed" "$mark" | grep 'released volume appdata')"
  expect_eq "node$healed keeps no stale reference of appdata" 0 "$(references_on appdata "$healed")"
  sleep 3
  expect_eq "the volume stays attached to the new holder, droplet 100$holder" "100$holder" "$(do_attached_to appdata)"
  expect_eq "the task on node$holder still reads and writes its volume" ok \
    "$(in_task "$APP" "$holder" sh -c 'echo ok > /data/still-here && cat /data/still-here')"
}

# What a container on a node that lost its volume sees: with device-mapper, I/O errors, as on
# DigitalOcean; without, the emulator cannot show it, and says why.
io_errors_on_cut_off() {
  local n=$1 c
  c=$(container_of "$APP" "$n")
  if [ "$DEVICE_MODE" != device-mapper ]; then
    log "SKIPPED: I/O errors on the cut-off node: the emulator has no device-mapper here, so node$n's container still reads and writes the disk ($DEVICE_SAID)"
    SKIPPED_IO+=("${SCENARIO%% *}")
    local out; out=$(dk "$n" exec "$c" sh -c 'dd if=/dev/zero of=/data/after-cut bs=4096 count=1 conv=fsync 2>&1 && echo write-succeeded' || true)
    log "    node$n's container after the takeover: $(echo "$out" | tail -1)"
    return 0
  fi
  check "node$n's container gets an I/O error writing to its volume" \
    sh -c "! docker -H unix://$E2E_RUN/node$n/docker.sock exec $c dd if=/dev/zero of=/data/after-cut bs=4096 count=1 conv=fsync"
}

scenario_failover() {
  scenario_begin "3 worker failure: node3 cut off, TAKEOVER_WAIT=$TAKEOVER_WAIT_SHORT"
  check "the app runs on node3" runs_on "$APP" 3
  local m2 m3; m2=$(plugin_mark 2); m3=$(plugin_mark 3)
  cut_and_fail_over 3 2
  log "failover node3 -> node2 in $(secs "$FAILOVER_MS") s (down detection $(secs "$DOWN_MS") s, TAKEOVER_WAIT $TAKEOVER_WAIT_SHORT)"
  check_takeover_timeline 2 "$m2" $(( ${TAKEOVER_WAIT_SHORT%s} * 1000 )) "failover (node cut off)"
  wait_for 10 "node2 wrote its start" history_has 2 started-on-node2
  expect_match "node2's plugin logged the takeover, naming the old droplet" \
    'taking volume appdata over from droplet 1003 \(droplet-1003, active\): detaching it from there' \
    "$(plugin_log_since 2 "$m2")"
  expect_eq "the DigitalOcean volume is attached to droplet 1002" 1002 "$(do_attached_to appdata)"
  expect_eq "node2 reads the data written on node1" written-on-node1 "$(in_task "$APP" 2 cat /data/first)"
  log "history on node2: $(history_on 2)"
  io_errors_on_cut_off 3
  heal_and_check 3 2 "$m3"
  scenario_end
}

# ---------------------------------------------------------------------------------------------
# 4 power-off: the holder's droplet is off (and gone from the Swarm): taken over at once
# ---------------------------------------------------------------------------------------------
scenario_power_off() {
  scenario_begin "4 droplet powered off: node2's droplet off, taken over at once"
  check "the app runs on node2" runs_on "$APP" 2
  local m2 m3; m2=$(plugin_mark 2); m3=$(plugin_mark 3)
  run curl -sf -X PATCH -d '{"status":"off"}' "$DO_API/_emulator/droplets/1002" -o /dev/null
  cut_and_fail_over 2 3
  log "failover node2 (off) -> node3 in $(secs "$FAILOVER_MS") s (down detection $(secs "$DOWN_MS") s)"
  wait_for 10 "node3 wrote its start" history_has 3 started-on-node3
  expect_match "node3's plugin took it over at once, naming the droplet that is off" \
    'taking volume appdata over from droplet 1002 \(droplet-1002, off\)' "$(plugin_log_since 3 "$m3")"
  check "without waiting for a release (no 'still waiting', no TAKEOVER_WAIT)" \
    sh -c "! printf '%s' \"\$1\" | grep -q 'waiting for droplet 1002'" _ "$(plugin_log_since 3 "$m3")"
  local answered
  answered=$(plugin_log_since 3 "$m3" | sed -n 's/.*Mount of volume appdata by [0-9a-f]* answered in \([0-9]*\) ms.*/\1/p' | sort -n | tail -1)
  log "node3's slowest Mount of appdata answered in ${answered:-?} ms"
  check "node3's Mount took less than TAKEOVER_WAIT" [ "${answered:-999999}" -lt $(( ${TAKEOVER_WAIT_SHORT%s} * 1000 )) ]
  TIMES+=("$(printf '%-26s node2 -> node3 %5s s   (down detection %s s; the Mount %s s: no wait)' \
    "failover (droplet off)" "$(secs "$FAILOVER_MS")" "$(secs "$DOWN_MS")" "$(secs "${answered:-0}")")")
  expect_eq "the DigitalOcean volume is attached to droplet 1003" 1003 "$(do_attached_to appdata)"
  expect_eq "node3 reads the data written on node1" written-on-node1 "$(in_task "$APP" 3 cat /data/first)"
  log "history on node3: $(history_on 3)"
  log "droplet 1002 powered on again, node2 back in the Swarm"
  run curl -sf -X PATCH -d '{"status":"active"}' "$DO_API/_emulator/droplets/1002" -o /dev/null
  heal_and_check 2 3 "$m2"
  scenario_end
}

# ---------------------------------------------------------------------------------------------
# 5 never: a second service that asks for a volume in use fails, naming the holder
# ---------------------------------------------------------------------------------------------
volume_mount() {   # NAME [OPTS...]: a --mount value for the plugin's volume NAME
  local v="type=volume,source=$1,target=/data,volume-driver=$PLUGIN"; shift
  local o; for o in "$@"; do v+=",volume-opt=$o"; done
  printf '%s' "$v"
}

scenario_never() {
  scenario_begin "5 -o takeover=never: a second service on another node fails, the first runs on"
  run mgr service create --detach --no-resolve-image --network host --name guard --hostname '{{.Node.Hostname}}' \
    --constraint node.hostname==node2 --mount "$(volume_mount guarded size=1 takeover=never)" \
    local/busybox sh -c "$TASK_CMD" >/dev/null
  wait_for 60 "guard runs on node2" runs_on guard 2
  expect_eq "guarded is attached to droplet 1002" 1002 "$(do_attached_to guarded)"
  local m1 t0 err; m1=$(plugin_mark 1); t0=$(now_ms)
  run mgr service create --detach --no-resolve-image --network host --name intruder --restart-condition none \
    --constraint node.hostname==node1 --mount "$(volume_mount guarded size=1 takeover=never)" \
    local/busybox sh -c "$TASK_CMD" >/dev/null
  intruder_failed() { mgr service ps intruder --format '{{.CurrentState}}' | grep -q '^Rejected\|^Failed'; }
  wait_for 60 "the intruder's task fails" intruder_failed
  err=$(mgr service ps intruder --no-trunc --format '{{.Error}}' | head -1)
  log "the intruder's task failed after $(secs $(( $(now_ms) - t0 ))) s: $err"
  expect_match "its Err names the holder droplet and the policy" 'attached to droplet 1002 \(droplet-1002, active\).*takeover policy never' "$err"
  expect_match "node1's plugin logged the refusal" 'Mount failed: mounting volume guarded: it is attached to droplet 1002' "$(plugin_log_since 1 "$m1")"
  check "guard still runs on node2" runs_on guard 2
  expect_eq "guarded stayed with droplet 1002" 1002 "$(do_attached_to guarded)"
  expect_eq "guard still reads and writes its volume" written-on-node2/ok \
    "$(dk 2 exec "$(container_of guard 2)" sh -c 'echo ok > /data/still-here && echo "$(cat /data/first)/$(cat /data/still-here)"')"
  check "node1 keeps no reference of guarded" [ "$(references_on guarded 1)" = 0 ]
  run mgr service rm intruder guard
  wait_for 30 "guarded is released" attached_to guarded ""
  scenario_end
}

# ---------------------------------------------------------------------------------------------
# 6 cap: dockerd's 30 s cap (plain `docker plugin enable`) and a TAKEOVER_WAIT over it
# ---------------------------------------------------------------------------------------------
reconfigure_plugin() {   # N SETTING...: disable, set, plain enable (dockerd then caps each call at 30 s)
  local n=$1; shift
  run dk "$n" plugin disable -f "$PLUGIN"
  run dk "$n" plugin set "$PLUGIN" "$@"
  run dk "$n" plugin enable "$PLUGIN"
}

scenario_cap() {
  scenario_begin "6 dockerd's 30 s cap, TAKEOVER_WAIT=$TAKEOVER_WAIT_LONG: failover through Swarm's retries"
  case " $SCENARIOS " in *" upgrade "*) build_next ;; esac
  run mgr service scale --detach "$APP=0"
  wait_for 30 "the app stopped" sh -c "! docker -H unix://$E2E_RUN/node3/docker.sock ps -q --filter label=com.docker.swarm.service.name=$APP | grep -q ."
  wait_for 30 "appdata is released" attached_to appdata ""
  local n
  for n in $NODES; do reconfigure_plugin "$n" TAKEOVER_WAIT="$TAKEOVER_WAIT_LONG"; done
  for n in $NODES; do wait_for 60 "node$n reports the plugin again" reports_plugin "$n"; done
  run mgr service scale --detach "$APP=1"
  local holder="" other
  local end=$(( $(date +%s) + 60 ))
  while [ -z "$holder" ]; do
    [ "$(date +%s)" -lt "$end" ] || die "timed out waiting for the app on node2 or node3"
    for n in 2 3; do runs_on "$APP" "$n" && holder=$n; done
    sleep 0.2
  done
  other=$(( 5 - holder ))
  wait_for 10 "the app wrote its start on node$holder" history_has "$holder" "started-on-node$holder"
  local mo mh; mo=$(plugin_mark "$other"); mh=$(plugin_mark "$holder")
  cut_and_fail_over "$holder" "$other"
  log "failover node$holder -> node$other in $(secs "$FAILOVER_MS") s under the 30 s cap"
  check_takeover_timeline "$other" "$mo" $(( ${TAKEOVER_WAIT_LONG%s} * 1000 )) "failover (30 s cap)"
  local said; said=$(plugin_log_since "$other" "$mo")
  expect_match "a Mount was cut by dockerd's hang-up" 'dockerd closed the connection' "$said"
  expect_match "the next Mount went on with the same wait" "still waiting for droplet 100$holder to release it, [0-9]+s of TAKEOVER_WAIT=${TAKEOVER_WAIT_LONG%s}s spent by earlier Mounts" "$said"
  expect_match "then took it over, naming the old droplet" "taking volume appdata over from droplet 100$holder" "$said"
  log "the app's tasks now:"
  mgr service ps "$APP" --no-trunc --format '{{.Name}} {{.Node}} {{.DesiredState}} {{.CurrentState}} {{.Error}}' | sed 's/^/    /'
  local mounts; mounts=$(printf '%s\n' "$said" | grep -c 'Mount of volume appdata by [0-9a-f]*$' || true)
  log "node$other's plugin got $mounts Mount calls of appdata meanwhile"
  check "dockerd sent the Mount again after the cut" [ "$mounts" -ge 2 ]
  expect_eq "node$other keeps exactly one reference: the running task's" 1 "$(references_on appdata "$other")"
  expect_eq "node1 keeps none" 0 "$(references_on appdata 1)"
  expect_eq "the DigitalOcean volume is attached to droplet 100$other" "100$other" "$(do_attached_to appdata)"
  wait_for 10 "node$other wrote its start" history_has "$other" "started-on-node$other"
  expect_eq "node$other reads the data written on node1" written-on-node1 "$(in_task "$APP" "$other" cat /data/first)"
  io_errors_on_cut_off "$holder"
  heal_and_check "$holder" "$other" "$mh"
  scenario_end
}

# ---------------------------------------------------------------------------------------------
# 7 pending: two volumes attach to one droplet at the same moment
# ---------------------------------------------------------------------------------------------
scenario_pending() {
  scenario_begin "7 two services' volumes attach to one droplet at once (DO's pending event)"
  curl -sf -X DELETE "$DO_API/_emulator/calls" -o /dev/null
  local s pids=()
  for s in p1 p2; do
    mgr service create --detach --no-resolve-image --network host --name "$s" --hostname '{{.Node.Hostname}}' \
      --constraint node.hostname==node1 --mount "$(volume_mount "vol-$s" size=1)" local/busybox sh -c "$TASK_CMD" >/dev/null &
    pids+=($!)
  done
  for s in "${pids[@]}"; do wait "$s" || die "docker service create failed"; done
  for s in p1 p2; do wait_for 60 "$s runs on node1" runs_on "$s" 1; done
  local refused; refused=$(curl -sf "$DO_API/_emulator/calls" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pending_event_refusals"])')
  log "the emulator refused $refused action(s) with DO's \"pending event\" meanwhile"
  check "the two attaches met: DO's one-action-per-droplet rule refused at least one" [ "$refused" -ge 1 ]
  expect_eq "vol-p1 is attached to droplet 1001" 1001 "$(do_attached_to vol-p1)"
  expect_eq "vol-p2 is attached to droplet 1001" 1001 "$(do_attached_to vol-p2)"
  for s in p1 p2; do
    expect_eq "$s reads its own volume" written-on-node1 "$(dk 1 exec "$(container_of "$s" 1)" cat /data/first)"
  done
  run mgr service rm p1 p2
  for s in p1 p2; do wait_for 30 "vol-$s is released" attached_to "vol-$s" ""; done

  # A quick restart, for the gap between its Unmount and its Mount (the summary's "restart" line).
  run dk 1 volume create -d "$PLUGIN" -o size=1 vol-quick >/dev/null
  run dk 1 run -d --name quick --network host -v vol-quick:/data local/busybox sh -c "$TASK_CMD" >/dev/null
  wait_for 20 "quick started" sh -c "docker -H unix://$E2E_RUN/node1/docker.sock exec quick grep -q started /data/history"
  sleep 3   # it ran a while, as a container does before someone restarts it
  local m1; m1=$(plugin_mark 1)
  run dk 1 restart quick >/dev/null
  wait_for 20 "quick restarted" sh -c "[ \$(docker -H unix://$E2E_RUN/node1/docker.sock exec quick grep -c started /data/history) = 2 ]"
  check "the restart's Unmount and Mount fell within the grace (no release in between)" \
    sh -c "! printf '%s' \"\$1\" | grep -q 'unmounted volume vol-quick\\|detached volume vol-quick'" _ "$(plugin_log_since 1 "$m1")"
  run dk 1 rm -f quick >/dev/null
  wait_for 30 "vol-quick is released" attached_to vol-quick ""
  run dk 1 volume rm vol-quick
  scenario_end
}

# ---------------------------------------------------------------------------------------------
# 8 upgrade: the plugin upgraded on a drained node while the app runs elsewhere
# ---------------------------------------------------------------------------------------------
# A second build of the plugin, for the upgrade: the same builder under another tag (its rootfs
# differs by its build stamp), pushed. In the background from the cap scenario on, whose failover
# mostly waits.
NEXT=$REGISTRY/dostorage:next
PID_NEXT=""
build_next() {
  log "building $NEXT in the background (log: $LOGS/build-next.log)"
  (
    set -e
    t=$(date +%s)
    PLUGIN_NAME=$NEXT docker-compose run --rm dostorage_builder
    mgr plugin push "$NEXT"
    mgr plugin rm "$NEXT"
    echo "built and pushed $NEXT in $(( $(date +%s) - t ))s"
  ) > "$LOGS/build-next.log" 2>&1 &
  PID_NEXT=$!
}

scenario_upgrade() {
  scenario_begin "8 plugin upgrade on a drained node while the app runs elsewhere"
  local holder n up
  holder=$(running_on "$APP")
  [ -n "$holder" ] || die "the app runs nowhere"
  up=$(( holder == 2 ? 3 : 2 ))
  log "the app runs on node$holder; upgrading the plugin on node$up"
  [ -n "$PID_NEXT" ] || build_next
  wait "$PID_NEXT" || { tail -20 "$LOGS/build-next.log"; die "building $NEXT"; }
  PID_NEXT=""
  run mgr node update --availability drain "node$up"
  # `disable` without -f is refused while the node's dockerd knows any volume of the plugin.
  run dk "$up" plugin disable -f "$PLUGIN"
  # A build pushed under another tag than the installed plugin's: the CLI would ask whether that is
  # meant (--skip-remote-check says it is).
  run dk "$up" plugin upgrade --grant-all-permissions --skip-remote-check "$PLUGIN" "$NEXT"
  run dk "$up" plugin enable --timeout 120 "$PLUGIN"
  expect_eq "node$up's plugin now comes from the new build" "$NEXT" \
    "$(dk "$up" plugin inspect -f '{{.PluginReference}}' "$PLUGIN")"
  check "its settings stayed (the token, compared, not printed)" sh -c \
    "docker -H unix://$E2E_RUN/node$up/docker.sock plugin inspect -f '{{range .Settings.Env}}{{println .}}{{end}}' '$PLUGIN' | grep -qxF \"ACCESS_TOKEN=\$1\"" _ "$TOKEN"
  expect_match "and its droplet" "DO_METADATA_URL=$DO_API/droplets/100$up" \
    "$(dk "$up" plugin inspect -f '{{range .Settings.Env}}{{println .}}{{end}}' "$PLUGIN" | grep -v ACCESS_TOKEN)"
  check "the app kept running on node$holder meanwhile" runs_on "$APP" "$holder"
  wait_for 60 "node$up reports the plugin again" reports_plugin "$up"
  run mgr node update --availability active "node$up"
  mgr node update --label-add dsw.slot=d "node$up" >/dev/null
  local m; m=$(plugin_mark "$up")
  local t0; t0=$(now_ms)
  run mgr service update --detach --constraint-rm node.labels.dsw.slot==b --constraint-add node.labels.dsw.slot==d "$APP"
  wait_move "$APP" "$up" 60 "$t0"
  log "the app moved to the upgraded node$up in $(secs "$MOVED_MS") s"
  wait_for 10 "node$up wrote its start" history_has "$up" "started-on-node$up"
  expect_match "the upgraded plugin attached the volume" "attached volume appdata to droplet 100$up" "$(plugin_log_since "$up" "$m")"
  expect_eq "the DigitalOcean volume is attached to droplet 100$up" "100$up" "$(do_attached_to appdata)"
  expect_eq "node$up, the last node, reads the file written on the first" written-on-node1 "$(in_task "$APP" "$up" cat /data/first)"
  log "history on node$up: $(history_on "$up")"
  scenario_end
}

# ---------------------------------------------------------------------------------------------
# The gap of dockerd's Mount/Unmount pair at container create: from the plugins' DEBUG lines
# ---------------------------------------------------------------------------------------------
# dockerd mounts a new container's volume once to copy the image's content into it, unmounts it, and
# mounts it again when the container starts, with another ID. The unmount grace must cover the gap
# between that Unmount's answer and the next Mount, or every container create costs a detach and an
# attach. Prints one line: how many pairs, and their gaps (ms).
create_pair_gaps() {   # KIND: pair (create) or restart (an Unmount after a container ran, then a Mount)
  local n
  for n in $NODES; do plugin_log "$n" | sed "s/^/node$n /"; done | python3 -c '
import re, sys, datetime
kind = sys.argv[1]
def t(s): return datetime.datetime.strptime(s, "%Y-%m-%d %H:%M:%S,%f")
ev = {}
for line in sys.stdin:
    m = re.match(r"(\S+) (\S+ \S+) DEBUG \S+ (Mount|Unmount) of volume (\S+) by (\S+)( answered)?", line)
    if m: ev.setdefault(m.group(1), []).append((t(m.group(2)), m.group(3), m.group(4), m.group(5), bool(m.group(6))))
gaps = []
for node in ev.values():
    node.sort(key=lambda e: e[0])
    for i, (at, what, vol, who, answered) in enumerate(node):
        if what != "Unmount" or not answered: continue
        mounted = [e for e in node[:i] if e[1] == "Mount" and e[2] == vol and e[3] == who and e[4]]
        if not mounted: continue
        pair = (at - mounted[-1][0]).total_seconds() < 1   # a create pair unmounts at once; a container ran
        if pair != (kind == "pair"): continue
        nxt = [e for e in node[i+1:] if e[1] == "Mount" and e[2] == vol and not e[4]]
        if nxt and nxt[0][3] != who and (nxt[0][0] - at).total_seconds() < 10:
            gaps.append(int((nxt[0][0] - at).total_seconds() * 1000))
print(len(gaps), " ".join(str(g) for g in sorted(gaps)))
' "$1"
}


for s in $SCENARIOS; do
  case $s in
    deploy) scenario_deploy ;;
    move) scenario_move ;;
    failover) scenario_failover ;;
    power-off) scenario_power_off ;;
    never) scenario_never ;;
    cap) scenario_cap ;;
    pending) scenario_pending ;;
    upgrade) scenario_upgrade ;;
    *) die "unknown scenario $s (known: deploy move failover power-off never cap pending upgrade)" ;;
  esac
done
grace=$(plugin_setting 1 UNMOUNT_GRACE)
grace_ms=$(python3 -c 'import re,sys; n,u=re.fullmatch(r"(\d+)(ms|s|m)",sys.argv[1]).groups(); print(int(n)*{"ms":1,"s":1000,"m":60000}[u])' "$grace")
for kind in pair restart; do
  read -r count gaps <<< "$(create_pair_gaps "$kind")"
  [ "${count:-0}" -gt 0 ] || continue
  within=$(printf '%s\n' $gaps | awk -v g="$grace_ms" '$1 < g' | wc -l)
  log "dockerd's Unmount then Mount ($kind): $count times; gap from the Unmount's answer to the next Mount (ms): $gaps"
  TIMES+=("$(printf '%-26s %2s times, gap %s-%s ms; %s of them within UNMOUNT_GRACE=%s' "Unmount->Mount ($kind)" "$count" \
    "$(printf '%s\n' $gaps | sort -n | head -1)" "$(printf '%s\n' $gaps | sort -n | tail -1)" "$within" "$grace")")
done
log "all swarm scenarios passed"
exit 0
}
