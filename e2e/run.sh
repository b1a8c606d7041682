#!/usr/bin/env bash
# End-to-end stage: dostorage driven by a real Docker engine, against the DigitalOcean emulator
# whose volumes are real loop devices. Run as root, after `./mvnw -B -ntp package` (or verify):
#
#   e2e/run.sh                       # all scenarios
#   E2E_SCENARIOS="legacy two-droplets" e2e/run.sh   # a subset: legacy cp managed two-droplets compose
#                                                    # filesystems compose-two
#
# Scenarios:
#   legacy        the jar serves /run/docker/plugins/dostorage.sock (MOUNTER=block)
#   cp            docker cp into and out of a running container, and a --volumes-from container that
#                 comes and goes, leave the running container its volume past UNMOUNT_GRACE
#   managed       Dockerfile.jvm + docker-compose build (Java 25 jlink'd from the machine's Temurin 25,
#                 AOT cache checked with -XX:AOTMode=on), plugin pushed to a local registry, then
#                 `docker plugin install` as users do (root filesystem at most 250 MiB); disable / set / enable
#   two-droplets  a second dockerd in its own mount namespace with its own plugin (droplet 1002):
#                 the seed's follow scenario, then its caveat under the takeover policies
#   compose       docker-compose.postgres.yml (offline: busybox in place of postgres) up / stop /
#                 up / down -v with the plugin's volume
#   filesystems   an xfs volume; ext4 and xfs volumes resized in the emulator between two containers
#                 (the second sees the grown filesystem); a non-root container on a volume made for its uid
#   compose-two   the seed's compose scenario across two droplets: node1 up / stop, node2 up, same data
#
# Everything it starts (dockerds, plugins, emulator, registry) is stopped on exit, and every mount
# and loop device it made is released. Logs: target/e2e/. It installs what is missing with apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
# shellcheck source=e2e/lib.sh
. e2e/lib.sh

[ "$(id -u)" = 0 ] || die "the end-to-end stage needs root (dockerd, mounts, loop devices)"
[ -f target/quarkus-app/quarkus-run.jar ] && [ -f target/quarkus-aot/quarkus-run.jar ] \
  || die "no target/quarkus-app and target/quarkus-aot: run ./mvnw -B -ntp package -DskipTests first"

SCENARIOS=${E2E_SCENARIOS:-legacy cp managed two-droplets compose filesystems compose-two}
E2E_RUN=/run/dostorage-e2e              # sockets, pids, device folders of the droplets
# The droplets' device folders are under the host's /dev: the managed plugin sees the host's /dev
# (config.json), and the emulator's links point at /dev/loopN.
DEVICES=/dev/dostorage-e2e
E2E_VAR=/var/lib/dostorage-e2e          # docker data roots, emulator backing files, plugin mount roots
export E2E_CACHE=${E2E_CACHE:-/var/cache/dostorage-e2e}   # the debootstrap root filesystem of the base image
LOGS=$REPO/target/e2e
EMU_PORT=${E2E_EMULATOR_PORT:-8089}
REG_PORT=${E2E_REGISTRY_PORT:-5000}
DO_API=http://127.0.0.1:$EMU_PORT
REGISTRY=127.0.0.1:$REG_PORT
MANAGED=$REGISTRY/dostorage:latest
TAKEOVER_WAIT_TEST=${E2E_TAKEOVER_WAIT:-10s}   # short, so the stage stays short; the default is 40s
# A fake token of DigitalOcean's shape; the emulator accepts only this one, so the plugin is shown
# to send it. It is never printed (see mask in lib.sh), and the logs are checked for it at the end.
TOKEN="dop_v1_e2e$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
JVM_FLAGS=(-XX:+UseSerialGC -Xmx64m -XX:TieredStopAtLevel=1)
CP="target/quarkus-app/app/*:target/quarkus-app/lib/main/*"

D1_SOCK=$E2E_RUN/docker1.sock
D2_SOCK=$E2E_RUN/docker2.sock
export DOCKER_HOST=unix://$D1_SOCK
docker1() { docker -H "unix://$D1_SOCK" "$@"; }
docker2() { docker -H "unix://$D2_SOCK" "$@"; }

PIDS_EMU="" PIDS_REG="" PID_D1="" PID_D2="" PID_P1="" PID_P2=""

# ---------------------------------------------------------------------------------------------
# Clean-up: everything this script started, in reverse order; safe to run twice.
# ---------------------------------------------------------------------------------------------
cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  [ $rc -eq 0 ] || log "a failure stopped the stage (exit $rc); logs in $LOGS"
  if [ $rc -ne 0 ] && [ -n "${E2E_HOLD:-}" ]; then
    log "E2E_HOLD: everything stays up until $E2E_RUN/hold is removed (DOCKER_HOST=$DOCKER_HOST)"
    touch "$E2E_RUN/hold"; while [ -e "$E2E_RUN/hold" ]; do sleep 1; done
  fi
  log "cleaning up"
  if [ -n "$PID_D2" ] && kill -0 "$PID_D2" 2>/dev/null; then
    docker -H "unix://$D2_SOCK" ps -aq | xargs -r docker -H "unix://$D2_SOCK" rm -f >/dev/null 2>&1
  fi
  if [ -n "$PID_D1" ] && kill -0 "$PID_D1" 2>/dev/null; then
    docker -H "unix://$D1_SOCK" ps -aq | xargs -r docker -H "unix://$D1_SOCK" rm -f >/dev/null 2>&1
    COMPOSE_PROJECT_NAME=dostorage-e2e timeout 60 docker-compose -f docker-compose.postgres.yml \
      -f e2e/offline.compose.yml down -v >/dev/null 2>&1
    for v in $(timeout 30 docker1 volume ls -q 2>/dev/null); do timeout 30 docker1 volume rm -f "$v" >/dev/null 2>&1; done
    for p in $(docker1 plugin ls -q 2>/dev/null); do
      timeout 30 docker1 plugin disable -f "$p" >/dev/null 2>&1; docker1 plugin rm -f "$p" >/dev/null 2>&1
    done
  fi
  stop_pid "$PID_P2" "plugin of droplet 1002"
  stop_pid "$PID_D2" "dockerd of droplet 1002" 30
  stop_pid "$PID_P1" "plugin of droplet 1001"
  [ -z "$PID_P1" ] || rm -f /run/docker/plugins/dostorage.sock
  stop_pid "$PID_D1" "dockerd of droplet 1001" 30
  stop_pid "$PIDS_REG" "docker-registry"
  stop_pid "$PIDS_EMU" "DigitalOcean emulator"
  release_host
  # The engines' data roots (images, about 1.5 GB) go too; the base image's tarball stays in $E2E_CACHE.
  [ -n "${E2E_HOLD:-}" ] || rm -rf --one-file-system "$E2E_VAR"
  if [ -n "${TOKEN:-}" ] && grep -rlF -- "$TOKEN" "$LOGS" >/dev/null 2>&1; then
    log "FAILED: the access token appears in these logs: $(grep -rlF -- "$TOKEN" "$LOGS" | tr '\n' ' ')"
    rc=1
  fi
  print_summary $rc
  exit $rc
}

# Unmounts whatever is left under our folders and frees the loop devices of the emulator's files.
release_host() {
  local m
  for m in $(awk '{print $5}' /proc/self/mountinfo | grep -E "^($E2E_RUN|$E2E_VAR)(/|$)" | sort -r); do
    umount -l "$m" 2>/dev/null && log "unmounted $m"
  done
  local dev file name
  # The emulator's device-mapper devices (where the kernel has it) sit over its loop devices: first.
  if command -v dmsetup >/dev/null && dmsetup ls >/dev/null 2>&1; then
    for name in $(dmsetup ls 2>/dev/null | awk '{print $1}' | grep '^dostorage-emu-' || true); do
      dmsetup remove --force "$name" >/dev/null 2>&1 && log "removed device-mapper device $name"
    done
  fi
  while read -r dev file; do
    [ -n "$dev" ] || continue
    losetup -d "$dev" 2>/dev/null && log "released loop device $dev ($file)"
  done < <(losetup -a 2>/dev/null | sed -n "s#^\(/dev/loop[0-9]*\): .*(\($E2E_VAR/emulator/[^)]*\)).*#\1 \2#p")
  rm -rf "$E2E_RUN" "$DEVICES"
}

print_summary() {
  local rc=$1 line
  echo
  echo "================ end-to-end summary ================"
  for line in "${SUMMARY[@]}"; do echo "$line"; done
  [ -z "$SCENARIO" ] || echo "FAIL  $(printf '%-58s' "$SCENARIO") $(( $(date +%s) - SCENARIO_T0 ))s"
  echo "total: $(( $(date +%s) - E2E_T0 ))s — $([ "$rc" -eq 0 ] && echo PASSED || echo FAILED)"
  echo "===================================================="
}

trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
# Set-up: packages, folders, emulator, dockerd of droplet 1001, busybox image
# ---------------------------------------------------------------------------------------------
setup_t0=$(date +%s)
need=()
command -v mkfs.xfs >/dev/null || need+=(xfsprogs)
install_missing "${need[@]}"
# Debian's docker CLI matches Debian's dockerd; another docker earlier in PATH may not.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

# Leftovers of an interrupted earlier run.
if [ -d "$E2E_RUN" ] || [ -d "$E2E_VAR" ]; then
  log "removing leftovers of an earlier run"
  for f in "$E2E_RUN"/*.pid; do
    [ -f "$f" ] || continue
    p=$(cat "$f"); kill -0 "$p" 2>/dev/null && stop_pid "$p" "leftover $(basename "$f" .pid)" 30
  done
  release_host
fi
rm -rf "$E2E_VAR" "$LOGS"
mkdir -p "$E2E_RUN" "$DEVICES"/1001 "$DEVICES"/1002 "$E2E_VAR"/emulator "$E2E_VAR"/node1/mnt "$E2E_VAR"/node2/mnt \
  "$LOGS" /run/docker/plugins
printf 'Authorization: Bearer %s\n' "$TOKEN" > "$E2E_RUN/auth-header"; chmod 600 "$E2E_RUN/auth-header"

log "starting the DigitalOcean emulator on $DO_API (loop devices; droplets 1001 and 1002 in nyc1)"
java "${JVM_FLAGS[@]}" -cp "$CP" io.dostorage.emulator.EmulatorMain --port "$EMU_PORT" \
  --state "$E2E_VAR/emulator/state.json" --backing-dir "$E2E_VAR/emulator/backing" --loop-devices \
  --action-delay 500ms --token "$TOKEN" \
  --droplet "1001:nyc1:$DEVICES/1001" --droplet "1002:nyc1:$DEVICES/1002" \
  > "$LOGS/emulator.log" 2>&1 &
PIDS_EMU=$!; echo $PIDS_EMU > "$E2E_RUN/emulator.pid"
wait_for 30 "the emulator" curl -sf "$DO_API/droplets/1001/metadata/v1/id"

log "starting dockerd of droplet 1001 (--bridge=none --iptables=false)"
dockerd --data-root "$E2E_VAR/docker1" --exec-root "$E2E_RUN/exec1" -H "unix://$D1_SOCK" \
  --pidfile "$E2E_RUN/docker1.dockerd-pid" --bridge=none --iptables=false --ip-masq=false \
  > "$LOGS/dockerd1.log" 2>&1 &
PID_D1=$!; echo $PID_D1 > "$E2E_RUN/dockerd1.pid"
wait_for 30 "dockerd 1" docker1 info

make_busybox() {   # image local/busybox from the host's static busybox
  local dir=$E2E_VAR/busybox-rootfs
  rm -rf "$dir"; mkdir -p "$dir/bin" "$dir/tmp"
  cp /bin/busybox "$dir/bin/"
  for c in sh echo cat ls mkdir grep sleep df mount date wc test true stat; do ln -s busybox "$dir/bin/$c"; done
  tar -C "$dir" -c . | "$@" import - local/busybox >/dev/null
}
make_busybox docker1
check "a container runs on droplet 1001's engine" docker1 run --rm --network none local/busybox true
SUMMARY+=("setup (packages, emulator, dockerd, busybox image)             $(( $(date +%s) - setup_t0 ))s")

# Starts the jar as a legacy plugin: NAME LOGFILE DROPLET MOUNT_ROOT [extra VAR=VALUE...] [-- nsenter prefix]
start_legacy_plugin() {
  local log=$1 droplet=$2 root=$3; shift 3
  env -i PATH="$PATH" HOME=/root \
    ACCESS_TOKEN="$TOKEN" DO_API_URL="$DO_API" DO_METADATA_URL="$DO_API/droplets/$droplet" \
    MOUNTER=block SOCKET=/run/docker/plugins/dostorage.sock MOUNT_ROOT="$root" \
    DEVICE_DIR="$DEVICES/$droplet" TAKEOVER_WAIT="$TAKEOVER_WAIT_TEST" SWEEP_INTERVAL=30s \
    "$@" java "${JVM_FLAGS[@]}" -jar "$REPO/target/quarkus-app/quarkus-run.jar" > "$log" 2>&1 &
  echo $!
}

# The same scenario for any plugin name: create, ls, inspect, write, read, rm.
volume_scenario() {   # DOCKER_FN DRIVER VOLUME MOUNT_ROOT_ON_HOST_PATTERN
  local d=$1 driver=$2 vol=$3
  run $d volume create -d "$driver" -o size=1 "$vol"
  expect_match "docker volume ls lists $vol with driver $driver" "^$driver +$vol\$" \
    "$($d volume ls --format '{{.Driver}}  {{.Name}}' | grep " $vol\$" | tr -s ' ')"
  local status
  status=$($d volume inspect --format '{{json .Status}}' "$vol")
  log "docker volume inspect $vol: Status $status"
  expect_match "Status shows the DigitalOcean volume id" '"id":"[0-9a-f-]{8,}"' "$status"
  expect_match "Status shows the region" '"region":"nyc1"' "$status"
  expect_match "Status shows the size" '"size":"1"' "$status"
  expect_match "Status shows the block backing" '"backing":"block' "$status"
  expect_eq "DigitalOcean has the volume" 1 "$(do_volume_count "$vol")"
  run $d run --rm --network none -v "$vol:/data" local/busybox sh -c \
    "echo written-by-first-container > /data/hello && grep ' /data ' /proc/mounts" | tee "$LOGS/$vol-mounts.txt"
  # (a device-mapper device over the loop device where the kernel has device-mapper: see the emulator)
  expect_match "the container got a real block device (ext4 on a loop device)" '^/dev/(loop[0-9]+|mapper/dostorage-emu-[0-9a-f-]+|dm-[0-9]+) /data ext4 ' \
    "$(cat "$LOGS/$vol-mounts.txt")"
  expect_eq "a second container reads the first one's file" written-by-first-container \
    "$($d run --rm --network none -v "$vol:/data" local/busybox cat /data/hello)"
  run $d volume rm "$vol"
  check "docker volume ls no longer lists $vol with driver $driver" not_listed $d "$vol" "$driver"
  log "docker volume ls now: $($d volume ls --format '{{.Driver}}:{{.Name}}' | tr '\n' ' ')"
  expect_eq "the DigitalOcean volume was deleted (remove policy delete-created)" 0 "$(do_volume_count "$vol")"
}
# Conditions polled by wait_for (bash functions, so that they can use the helpers above).
attached_to() { [ "$(do_attached_to "$1")" = "$2" ]; }
token_is_set() { docker1 plugin inspect -f '{{range .Settings.Env}}{{println .}}{{end}}' "$1" | grep -qxF "ACCESS_TOKEN=$TOKEN"; }
# (by driver: another plugin of the same DigitalOcean account and region, such as the legacy plugin
# beside the managed one, lists a volume removed through this one until its LIST_CACHE_TTL expires)
not_listed() { ! "$1" volume ls -q ${3:+--filter driver="$3"} | grep -qx "$2"; }

# ---------------------------------------------------------------------------------------------
# Scenario 1: legacy plugin
# ---------------------------------------------------------------------------------------------
legacy_started=false
start_legacy_node1() {
  $legacy_started && return 0
  log "starting the jar as legacy plugin dostorage for droplet 1001 (MOUNTER=block, TAKEOVER_WAIT=$TAKEOVER_WAIT_TEST)"
  PID_P1=$(start_legacy_plugin "$LOGS/plugin-node1.log" 1001 "$E2E_VAR/node1/mnt")
  echo "$PID_P1" > "$E2E_RUN/plugin1.pid"
  wait_for 30 "the plugin socket /run/docker/plugins/dostorage.sock" \
    curl -sf --unix-socket /run/docker/plugins/dostorage.sock -X POST http://plugin/Plugin.Activate
  legacy_started=true
}

scenario_legacy() {
  scenario_begin "1 legacy plugin (jar on /run/docker/plugins/dostorage.sock)"
  start_legacy_node1
  volume_scenario docker1 dostorage v1
  scenario_end
}

# ---------------------------------------------------------------------------------------------
# Scenario 5 (runs after legacy): docker cp with a running container
# ---------------------------------------------------------------------------------------------
# For `docker cp` into or out of a running container, dockerd mounts the container's volumes again
# with the container's own mount ID and unmounts them after the copy (moby#35120, #17585): a Mount and
# an Unmount the plugin sees with the ID of a container that keeps running. That Unmount must not
# drop the container's reference, or the plugin unmounts and detaches the volume from under the
# running container once UNMOUNT_GRACE (1 s) has passed. The same for a container that mounts the
# volume with --volumes-from and exits.
scenario_cp() {
  scenario_begin "5 docker cp and --volumes-from leave a running container its volume"
  start_legacy_node1
  local past_grace=8 t took
  run docker1 volume create -d dostorage -o size=1 cpvol
  # busybox sh runs the trap as soon as TERM arrives while it waits, so docker stop is quick.
  run docker1 run -d --name c1 --network none -v cpvol:/data local/busybox sh -c \
    'trap "exit 0" TERM; echo written-by-c1 > /data/own; sleep 600 & wait'
  wait_for 30 "c1 wrote its file" docker1 exec c1 cat /data/own
  expect_eq "the volume is attached to droplet 1001 for c1" 1001 "$(do_attached_to cpvol)"

  echo copied-in-from-the-host > "$E2E_VAR/cp-in.txt"
  t=$(date +%s)
  run docker1 cp "$E2E_VAR/cp-in.txt" c1:/data/
  run docker1 cp c1:/data/own "$E2E_VAR/cp-out.txt"
  expect_eq "docker cp out of c1 brought its file" written-by-c1 "$(cat "$E2E_VAR/cp-out.txt")"
  log "both copies done in $(( $(date +%s) - t ))s; waiting ${past_grace}s, past UNMOUNT_GRACE (1s)"
  sleep "$past_grace"
  expect_eq "after the grace, the volume is still attached to droplet 1001 for c1" 1001 "$(do_attached_to cpvol)"
  check "after the grace, the volume is still mounted on the host" mountpoint -q "$E2E_VAR/node1/mnt/cpvol"
  expect_match "docker volume inspect still shows c1's reference" '"references":[1-9]' \
    "$(docker1 volume inspect --format '{{json .Status}}' cpvol)"
  expect_eq "c1 still reads the file copied in, and writes" copied-in-from-the-host/ok \
    "$(docker1 exec c1 sh -c 'echo ok > /data/still-here && echo "$(cat /data/cp-in.txt)/$(cat /data/still-here)"')"

  log "--- a second container with --volumes-from c1 comes and goes"
  expect_eq "a --volumes-from container reads c1's volume" written-by-c1 \
    "$(docker1 run --rm --network none --volumes-from c1 local/busybox cat /data/own)"
  log "waiting ${past_grace}s, past UNMOUNT_GRACE, again"
  sleep "$past_grace"
  expect_eq "after the grace, the volume is still attached to droplet 1001 for c1" 1001 "$(do_attached_to cpvol)"
  expect_eq "c1 still has its volume" written-by-c1 "$(docker1 exec c1 cat /data/own)"

  t=$(date +%s)
  run docker1 stop c1
  run docker1 rm c1
  wait_for 12 "the volume is released once c1 is gone (UNMOUNT_GRACE + a few seconds)" attached_to cpvol ""
  took=$(( $(date +%s) - t ))
  log "ok: released ${took}s after docker stop c1"
  CHECKS=$((CHECKS + 1))
  check "and unmounted on the host" sh -c "! mountpoint -q '$E2E_VAR/node1/mnt/cpvol'"
  run docker1 volume rm cpvol
  expect_eq "the DigitalOcean volume was deleted" 0 "$(do_volume_count cpvol)"
  scenario_end
}

# ---------------------------------------------------------------------------------------------
# Scenario 2: managed plugin, built, pushed and installed as users do
# ---------------------------------------------------------------------------------------------
scenario_managed() {
  scenario_begin "2 managed plugin (build, push, docker plugin install)"
  local t
  t=$(date +%s)
  e2e/jre-image.sh local/bookworm-tools local/jdk25
  log "base images ready in $(( $(date +%s) - t ))s"
  # The builder service needs a docker CLI in an image: the local base image plus Debian's docker binary.
  local ctx=$E2E_VAR/docker-cli; mkdir -p "$ctx"; cp /usr/bin/docker "$ctx/docker"
  printf 'FROM local/bookworm-tools\nCOPY docker /usr/local/bin/docker\n' > "$ctx/Dockerfile"
  docker1 build -q --network none -t local/docker-cli "$ctx" >/dev/null

  log "registry: Debian's docker-registry on $REGISTRY"
  printf 'version: 0.1\nstorage: {filesystem: {rootdirectory: %s}}\nhttp: {addr: %s}\n' \
    "$E2E_VAR/registry" "$REGISTRY" > "$E2E_VAR/registry.yml"
  docker-registry serve "$E2E_VAR/registry.yml" > "$LOGS/registry.log" 2>&1 &
  PIDS_REG=$!; echo $PIDS_REG > "$E2E_RUN/registry.pid"
  wait_for 30 "the registry" curl -sf "http://$REGISTRY/v2/"

  # "Build the managed plugin" in README.md: the same commands, with a local base image.
  t=$(date +%s)
  export JDK_IMAGE=local/jdk25 BASE_IMAGE=local/bookworm-tools BUILDER_IMAGE=local/docker-cli BUILD_NETWORK=none \
         PLUGIN_NAME=$MANAGED DOCKER_SOCKET=$D1_SOCK
  run docker-compose build dostorage
  # config.json's entry point with -XX:AOTMode=on, with which the JVM refuses to start unless it uses the
  # AOT cache the build trained (made by this image's JVM, for this class path and these flags).
  local entrypoint
  mapfile -t entrypoint < <(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["entrypoint"]))' config.json)
  check "the plugin's entry point (config.json) uses the image's AOT cache (-XX:AOTMode=on)" \
    docker1 run --rm --network none --entrypoint /opt/dostorage/aot-cache.sh dostorage-rootfs:latest --check "${entrypoint[@]}"
  run docker-compose run --rm dostorage_builder
  run docker1 plugin push "$MANAGED" | grep -v -e Preparing -e Waiting
  run docker1 plugin rm "$MANAGED"
  log "built, created and pushed the plugin in $(( $(date +%s) - t ))s"

  # "Install" in README.md, plus the emulator's URLs and device folder.
  t=$(date +%s)
  log "\$ docker plugin install --grant-all-permissions $MANAGED ACCESS_TOKEN=<token> DO_API_URL=$DO_API DO_METADATA_URL=$DO_API/droplets/1001 DEVICE_DIR=$DEVICES/1001"
  docker1 plugin install --grant-all-permissions "$MANAGED" ACCESS_TOKEN="$TOKEN" DO_API_URL="$DO_API" \
    DO_METADATA_URL="$DO_API/droplets/1001" DEVICE_DIR="$DEVICES/1001" > "$LOGS/plugin-install.txt" 2>&1 \
    || { mask "$(cat "$LOGS/plugin-install.txt")"; echo; die "docker plugin install"; }
  log "installed and enabled in $(( $(date +%s) - t ))s"
  local rootfs_mib
  rootfs_mib=$(du -s --apparent-size -BM "$E2E_VAR/docker1/plugins/$(docker1 plugin inspect -f '{{.Id}}' "$MANAGED")/rootfs" | cut -f1)
  rootfs_mib=${rootfs_mib%M}
  echo "$rootfs_mib" > "$LOGS/rootfs-mib"   # bench/run.sh --json reports it
  log "the installed plugin's root filesystem: $rootfs_mib MiB uncompressed"
  check "the plugin's root filesystem is at most 250 MiB" [ "$rootfs_mib" -le 250 ]
  # Its first start: the state file is a copy of the image's template, found up to date (Flyway not run).
  check "the new node's state file is the image's template, up to date without Flyway" sh -c \
    "grep -q 'state.db: new, copied from the image.s template /opt/dostorage/state-template.db' '$LOGS/dockerd1.log' &&
     grep -q 'state.db: schema version [0-9]*, up to date' '$LOGS/dockerd1.log'"
  expect_eq "the plugin is enabled" true "$(docker1 plugin inspect -f '{{.Enabled}}' "$MANAGED")"
  check "the token setting arrived (compared, not printed)" token_is_set "$MANAGED"

  volume_scenario docker1 "$MANAGED" v2

  log "restart with a changed setting: a volume with data survives it"
  run docker1 volume create -d "$MANAGED" -o size=1 keep
  run docker1 run --rm --network none -v keep:/data local/busybox sh -c 'echo before-restart > /data/f'
  run docker1 plugin disable -f "$MANAGED"
  run docker1 plugin set "$MANAGED" DEFAULT_SIZE=2 LOG_LEVEL=DEBUG
  run docker1 plugin enable --timeout 120 "$MANAGED"
  expect_match "the changed settings are in place" 'DEFAULT_SIZE=2' \
    "$(docker1 plugin inspect -f '{{range .Settings.Env}}{{println .}}{{end}}' "$MANAGED" | grep -v ACCESS_TOKEN)"
  expect_eq "the volume is still known after the restart" keep "$(docker1 volume ls -q | grep -x keep)"
  expect_eq "its data is still there" before-restart \
    "$(docker1 run --rm --network none -v keep:/data local/busybox cat /data/f)"
  run docker1 volume create -d "$MANAGED" sized-by-default
  expect_match "a volume created without -o size now gets DEFAULT_SIZE=2" '"size":"2"' \
    "$(docker1 volume inspect --format '{{json .Status}}' sized-by-default)"
  run docker1 volume rm keep sized-by-default
  expect_eq "both DigitalOcean volumes were deleted" 00 "$(do_volume_count keep)$(do_volume_count sized-by-default)"
  run docker1 plugin disable "$MANAGED"
  run docker1 plugin rm "$MANAGED"
  scenario_end
}

# ---------------------------------------------------------------------------------------------
# Scenario 3: two droplets
# ---------------------------------------------------------------------------------------------
start_node2() {
  log "starting dockerd of droplet 1002 in its own mount namespace"
  mkdir -p "$E2E_RUN/exec2"
  unshare -m --propagation private sh -c "mount -t tmpfs e2e-plugins /run/docker/plugins &&
    exec dockerd --data-root '$E2E_VAR/docker2' --exec-root '$E2E_RUN/exec2' -H 'unix://$D2_SOCK' \
      --pidfile '$E2E_RUN/docker2.dockerd-pid' --bridge=none --iptables=false --ip-masq=false" \
    > "$LOGS/dockerd2.log" 2>&1 &
  PID_D2=$!; echo $PID_D2 > "$E2E_RUN/dockerd2.pid"
  wait_for 30 "dockerd 2" docker2 info
  make_busybox docker2
  log "starting the jar as legacy plugin dostorage for droplet 1002, inside that namespace (nsenter)"
  PID_P2=$(start_legacy_plugin "$LOGS/plugin-node2.log" 1002 "$E2E_VAR/node2/mnt" nsenter --mount="/proc/$PID_D2/ns/mnt" --)
  echo "$PID_P2" > "$E2E_RUN/plugin2.pid"
  wait_for 30 "the plugin socket of droplet 1002" \
    nsenter --mount="/proc/$PID_D2/ns/mnt" curl -sf --unix-socket /run/docker/plugins/dostorage.sock -X POST http://plugin/Plugin.Activate
  check "droplet 1001's socket is not droplet 1002's" \
    sh -c "[ \"\$(stat -Lc %i /run/docker/plugins/dostorage.sock)\" != \"\$(nsenter --mount=/proc/$PID_D2/ns/mnt stat -Lc %i /run/docker/plugins/dostorage.sock)\" ]"
}

scenario_two_droplets() {
  scenario_begin "3 two droplets: follow, then the seed's caveat"
  start_legacy_node1
  start_node2
  local t took out

  log "--- the seed's follow scenario: node1 writes and stops; node2 reads"
  run docker1 volume create -d dostorage -o size=1 shared
  run docker1 run --rm --network none -v shared:/data local/busybox sh -c 'echo written-on-droplet-1001 > /data/f'
  t=$(date +%s)
  run docker2 volume create -d dostorage shared
  expect_eq "node2 reads node1's data" written-on-droplet-1001 \
    "$(docker2 run --rm --network none -v shared:/data local/busybox cat /data/f)"
  took=$(( $(date +%s) - t ))
  log "node2 had the volume in ${took}s (node1 releases it 1s after its last unmount: UNMOUNT_GRACE)"
  wait_for 30 "node2 releases the volume" attached_to shared ""

  log "--- the seed's caveat: a container on node1 still uses the volume when node2 asks for it"
  run docker1 run -d --name holder --network none -v shared:/data local/busybox sh -c 'echo holder-started >> /data/f; sleep 600'
  wait_for 30 "node1 holds the volume" attached_to shared 1001
  log "default takeover policy 'wait' (TAKEOVER_WAIT=$TAKEOVER_WAIT_TEST): node2 waits for node1 to release, then detaches by force"
  t=$(date +%s)
  out=$(docker2 run --rm --network none -v shared:/data local/busybox cat /data/f 2>&1) \
    || die "node2 could not take the volume over: $out"
  took=$(( $(date +%s) - t ))
  log "node2's container started after ${took}s and read: $(echo "$out" | tr '\n' '|')"
  check "node2 waited at least TAKEOVER_WAIT before taking over" [ "$took" -ge "${TAKEOVER_WAIT_TEST%s}" ]
  expect_match "node2 read node1's data" 'holder-started' "$out"
  expect_match "node2's plugin said it took the volume over by force, naming the holder" \
    'taking volume shared over from droplet 1001' "$(cat "$LOGS/plugin-node2.log")"
  log "node1's container is still running; what it sees now that its volume was detached from under it:"
  docker1 exec holder sh -c 'ls -la /data; cat /data/f' 2>&1 | sed 's/^/    holder: /' || true
  log "node1's plugin now reports: $(docker1 volume inspect --format '{{json .Status}}' shared)"
  run docker1 rm -f holder
  wait_for 30 "node2 releases the volume" attached_to shared ""

  log "--- the same with -o takeover=never: node2 refuses with a message naming the holder"
  run docker1 volume create -d dostorage -o size=1 -o takeover=never guarded
  run docker1 run -d --name guard --network none -v guarded:/data local/busybox sleep 600
  wait_for 30 "node1 holds the volume" attached_to guarded 1001
  run docker2 volume create -d dostorage guarded
  t=$(date +%s)
  if out=$(docker2 run --rm --network none -v guarded:/data local/busybox true 2>&1); then
    die "node2 mounted a volume held by node1 under takeover policy never"
  fi
  took=$(( $(date +%s) - t ))
  log "node2 refused after ${took}s: $out"
  expect_match "the refusal names the holder" 'attached to droplet 1001' "$out"
  expect_eq "the volume stayed with node1" 1001 "$(do_attached_to guarded)"
  expect_eq "node1's container still sees its volume" ok \
    "$(docker1 exec guard sh -c 'echo ok > /data/still-here && cat /data/still-here')"
  run docker1 rm -f guard
  wait_for 30 "node1 releases the volume" attached_to guarded ""

  run docker2 volume rm shared guarded
  run docker1 volume rm shared guarded
  expect_eq "both DigitalOcean volumes were deleted" 00 "$(do_volume_count shared)$(do_volume_count guarded)"
  scenario_end
}

# ---------------------------------------------------------------------------------------------
# Scenario 4: docker-compose
# ---------------------------------------------------------------------------------------------
scenario_compose() {
  scenario_begin "4 docker-compose: the postgres example's file on one node"
  start_legacy_node1
  # "Use" in README.md: docker-compose.postgres.yml, run here with e2e/offline.compose.yml on top
  # (the local busybox image in place of postgres; the volume, its driver and options unchanged).
  local compose=(docker-compose -f docker-compose.postgres.yml -f e2e/offline.compose.yml)
  local data=/var/lib/postgresql/data
  export COMPOSE_PROJECT_NAME=dostorage-e2e APP_IMAGE=local/busybox PLUGIN_NAME=dostorage
  run "${compose[@]}" up -d
  wait_for 30 "the service wrote its first line" "${compose[@]}" exec -T postgres cat $data/starts
  expect_eq "the service sees one start" 1 "$(starts_seen)"
  check "the container got the volume's sub-folder data (-o subpath)" \
    test -f "$E2E_VAR/node1/mnt/pgdata/data/starts"
  local status; status=$(docker1 volume inspect --format '{{json .Status}}' pgdata)
  expect_match "driver_opts arrived as options (size 10, subpath data)" '"size":"10".*"subpath":"data"|"subpath":"data".*"size":"10"' "$status"
  run "${compose[@]}" stop
  run "${compose[@]}" up -d
  wait_for 30 "the service started again" starts_seen_is 2
  log "ok: the data survived stop and up: 2 starts recorded"
  CHECKS=$((CHECKS + 1))
  run "${compose[@]}" down -v
  check "down -v removed the volume" not_listed docker1 pgdata
  expect_eq "and its DigitalOcean volume" 0 "$(do_volume_count pgdata)"
  scenario_end
}
# ---------------------------------------------------------------------------------------------
# Scenario 6: filesystems: xfs, a volume resized in DigitalOcean, a non-root container
# ---------------------------------------------------------------------------------------------
# The size in KiB of the filesystem a container sees at /data (df -k: its second field).
fs_kib() { "$1" run --rm --network none -v "$2:/data" local/busybox sh -c 'df -k /data | tail -1' | awk '{print $2}'; }

# Resizes the volume in the emulator as doctl would (POST /v2/volumes/<id>/actions, type resize) and
# waits for the action: DO grows the disk, never its filesystem.
do_resize() {   # VOLUME SIZE_GIB
  local id action
  id=$(do_volume "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["volumes"][0]["id"])')
  action=$(curl -sf -H @"$E2E_RUN/auth-header" -H 'Content-Type: application/json' -X POST \
    -d "{\"type\":\"resize\",\"size_gigabytes\":$2,\"region\":\"nyc1\"}" "$DO_API/v2/volumes/$id/actions" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["action"]["id"])')
  wait_for 30 "DigitalOcean's resize of $1 to $2 GiB" action_done "$action"
}
action_done() {
  curl -sf -H @"$E2E_RUN/auth-header" "$DO_API/v2/actions/$1" \
    | python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["action"]["status"] == "completed" else 1)'
}

scenario_filesystems() {
  scenario_begin "6 filesystems: xfs, grow after a resize, a non-root container"
  start_legacy_node1
  local mounts before after fstype vol

  log "--- an xfs volume (-o fstype=xfs), written and read by two containers"
  run docker1 volume create -d dostorage -o size=1 -o fstype=xfs xfsvol
  mounts=$(docker1 run --rm --network none -v xfsvol:/data local/busybox sh -c \
    "echo written-on-xfs > /data/hello && grep ' /data ' /proc/mounts")
  log "the container's mount: $mounts"
  expect_match "the container got an xfs filesystem" ' /data xfs ' "$mounts"
  expect_match "mounted with DigitalOcean's recommended options (noatime, discard)" ' /data xfs [^ ]*noatime' "$mounts"
  expect_match "and discard" ' /data xfs [^ ]*discard' "$mounts"
  expect_eq "a second container reads the file" written-on-xfs \
    "$(docker1 run --rm --network none -v xfsvol:/data local/busybox cat /data/hello)"

  for fstype in ext4 xfs; do
    vol=grow-$fstype
    log "--- $fstype: resized in DigitalOcean between two containers; the second sees the larger filesystem"
    run docker1 volume create -d dostorage -o size=1 -o fstype=$fstype "$vol"
    before=$(docker1 run --rm --network none -v "$vol:/data" local/busybox sh -c \
      "echo before-resize > /data/kept && df -k /data | tail -1" | awk '{print $2}')
    wait_for 30 "$vol is released (detached) after the container" attached_to "$vol" ""
    do_resize "$vol" 2
    after=$(fs_kib docker1 "$vol")
    log "$fstype filesystem: $before KiB before, $after KiB after the resize to 2 GiB"
    check "the second container sees a larger $fstype filesystem (about 2 GiB)" [ "$after" -gt $(( before * 3 / 2 )) ]
    expect_eq "the data written before the resize is intact" before-resize \
      "$(docker1 run --rm --network none -v "$vol:/data" local/busybox cat /data/kept)"
    expect_match "the plugin logged the grow, with the old and new sizes" "grew volume $vol's $fstype filesystem from" \
      "$(cat "$LOGS/plugin-node1.log")"
  done

  log "--- a non-root container writes to a volume created for its uid (-o uid=1000 -o gid=1000 -o mode=0750)"
  run docker1 volume create -d dostorage -o size=1 -o uid=1000 -o gid=1000 -o mode=0750 owned
  expect_eq "uid 1000 writes and reads its file; the folder is 1000:1000, mode 750" "ok 1000 1000 750" \
    "$(docker1 run --rm --network none --user 1000:1000 -v owned:/data local/busybox \
        sh -c 'echo ok > /data/mine && echo "$(cat /data/mine) $(stat -c "%u %g %a" /data)"')"
  check "without those options, uid 1000 cannot write to a fresh volume (root's folder)" sh -c \
    "docker -H unix://$D1_SOCK volume create -d dostorage -o size=1 rootowned >/dev/null &&
     ! docker -H unix://$D1_SOCK run --rm --network none --user 1000:1000 -v rootowned:/data local/busybox sh -c 'echo x > /data/f' 2>/dev/null"

  run docker1 volume rm xfsvol grow-ext4 grow-xfs owned rootowned
  expect_eq "the five DigitalOcean volumes were deleted" 00000 \
    "$(for v in xfsvol grow-ext4 grow-xfs owned rootowned; do do_volume_count $v; done | tr -d '\n')"
  scenario_end
}

# ---------------------------------------------------------------------------------------------
# Scenario 7: the seed's compose scenario on two droplets
# ---------------------------------------------------------------------------------------------
# docker-compose.postgres.yml (README, "Use"): node1 up -d, writes, stop; node2 up -d with the same
# file: the volume followed, same data; then down -v on both.
scenario_compose_two() {
  scenario_begin "7 docker-compose on two droplets: node1 up / stop, node2 up, same data"
  start_legacy_node1
  [ -n "$PID_D2" ] || start_node2
  local compose=(docker-compose -f docker-compose.postgres.yml -f e2e/offline.compose.yml)
  local data=/var/lib/postgresql/data
  export COMPOSE_PROJECT_NAME=dostorage-e2e APP_IMAGE=local/busybox PLUGIN_NAME=dostorage
  run env DOCKER_HOST="unix://$D1_SOCK" "${compose[@]}" up -d
  wait_for 30 "node1's service wrote its first start" compose_starts_is "$D1_SOCK" 1
  expect_eq "the DigitalOcean volume is attached to droplet 1001" 1001 "$(do_attached_to pgdata)"
  run env DOCKER_HOST="unix://$D1_SOCK" "${compose[@]}" stop
  wait_for 30 "node1 releases the volume after stop" attached_to pgdata ""
  # node2's plugin lists the DigitalOcean volume but answers Get with "not found" until it is created
  # here: so dockerd (for compose) creates it with the file's driver_opts and records them, and compose
  # finds them as it wrote them (a volume dockerd learnt from a Get has none, and compose 1.x refuses it).
  expect_match "node2 lists pgdata (DigitalOcean has it)" '^pgdata$' "$(docker2 volume ls -q --filter driver=dostorage)"
  check "node2's dockerd does not know it yet (docker volume inspect fails)" sh -c "! docker -H unix://$D2_SOCK volume inspect pgdata >/dev/null 2>&1"
  local t; t=$(date +%s)
  run env DOCKER_HOST="unix://$D2_SOCK" "${compose[@]}" up -d
  wait_for 30 "node2's service started with node1's data (2 starts recorded)" compose_starts_is "$D2_SOCK" 2
  log "ok: node2's service runs with node1's data $(( $(date +%s) - t ))s after its up -d"
  CHECKS=$((CHECKS + 1))
  expect_eq "the DigitalOcean volume is attached to droplet 1002" 1002 "$(do_attached_to pgdata)"
  expect_match "node2's dockerd recorded the file's driver_opts" '"size":"10"' \
    "$(docker2 volume inspect --format '{{json .Options}}' pgdata)"
  expect_eq "still one DigitalOcean volume named pgdata (adopted, not made again)" 1 "$(do_volume_count pgdata)"
  run env DOCKER_HOST="unix://$D2_SOCK" "${compose[@]}" down -v
  run env DOCKER_HOST="unix://$D1_SOCK" "${compose[@]}" down -v
  check "down -v removed the volume on node1" not_listed docker1 pgdata
  check "and on node2" not_listed docker2 pgdata
  expect_eq "and its DigitalOcean volume" 0 "$(do_volume_count pgdata)"
  scenario_end
}
compose_starts_is() {   # DOCKER_SOCKET N
  [ "$(DOCKER_HOST="unix://$1" "${compose[@]}" exec -T postgres sh -c "cat $data/starts | wc -l" 2>/dev/null | tr -d ' \r')" = "$2" ]
}

starts_seen() { "${compose[@]}" exec -T postgres sh -c "cat $data/starts | wc -l" | tr -d ' \r'; }
starts_seen_is() { [ "$(starts_seen)" = "$1" ]; }

for s in $SCENARIOS; do
  case $s in
    legacy) scenario_legacy ;;
    cp) scenario_cp ;;
    managed) scenario_managed ;;
    two-droplets) scenario_two_droplets ;;
    compose) scenario_compose ;;
    filesystems) scenario_filesystems ;;
    compose-two) scenario_compose_two ;;
    *) die "unknown scenario $s (known: legacy cp managed two-droplets compose filesystems compose-two)" ;;
  esac
done
log "all scenarios passed"
