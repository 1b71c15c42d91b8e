#!/usr/bin/env bash
# Starts the real test stack: a project-private dockerd (own socket, data root and
# pid file, containerd image store), a second dockerd with Docker's classic image store,
# a plain registry standing in for Docker Hub
# (MIRROR_ADDR) and a registry with htpasswd auth standing in for GHCR
# (REGISTRY_ADDR), QEMU binfmt for arm64, and the stand-in base images.
# Idempotent: what is already running is reused. Writes $STACK_DIR/stack.env.
set -euo pipefail
# shellcheck source=scripts/stack/lib.sh
. "$(dirname "$0")/lib.sh"

mkdir -p "$RUN_DIR" "$STACK_DIR/docker" "$STACK_DIR/registry"
chmod 700 "$STACK_DIR"

# --- QEMU for linux/arm64 builds -------------------------------------------------
if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
  mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null ||
    echo "stack: cannot mount binfmt_misc; arm64 builds will not work" >&2
fi
if [ -e /proc/sys/fs/binfmt_misc/register ] && [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
  update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || update-binfmts --import qemu-aarch64 >/dev/null 2>&1 ||
    echo "stack: could not register qemu-aarch64" >&2
fi

# --- dockerd ---------------------------------------------------------------------
cat >"$STACK_DIR/daemon.json" <<'JSON'
{
  "features": { "containerd-snapshotter": true },
  "log-level": "warn"
}
JSON
export DOCKER_HOST=unix://$DOCKER_SOCK
if ! pid_alive "$RUN_DIR/dockerd.pid" "unix://$DOCKER_SOCK "; then
  clear_stale "$RUN_DIR/dockerd.pid" "$RUN_DIR/exec"
  rm -f "$DOCKER_SOCK"
  # setsid: the daemon must outlive the shell (and the test run) that started it.
  # BUILDKIT_STEP_LOG_MAX_SIZE=-1: BuildKit (inside dockerd) clips a step's log at 2 MiB
  # by default, which loses the error at the end of a long step; keep it all.
  BUILDKIT_STEP_LOG_MAX_SIZE=-1 setsid /usr/sbin/dockerd --host "unix://$DOCKER_SOCK" --data-root "$STACK_DIR/docker" \
    --exec-root "$RUN_DIR/exec" --pidfile "$RUN_DIR/dockerd.pid" \
    --config-file "$STACK_DIR/daemon.json" >>"$STACK_DIR/dockerd.log" 2>&1 </dev/null &
  wait_for 60 dockerd /usr/bin/docker info || { tail -20 "$STACK_DIR/dockerd.log" >&2; exit 1; }
fi
/usr/bin/docker info --format '{{.DriverStatus}}' | grep -q 'io.containerd.snapshotter' ||
  echo "stack: warning: dockerd is not using the containerd image store" >&2

# --- a second dockerd without the containerd image store ---------------------------
# Docker's classic image store (the default before Docker 29, and on any upgraded host):
# the `docker` buildx driver cannot export a cache there, which the builder must notice
# (tests: builder readiness and builds on both kinds of daemon). Its own socket, data and
# exec roots, and its own bridge on a subnet of its own, with iptables, forwarding and
# masquerading off, so it never touches the main daemon's network or rules.
if ! ip link show "$CLASSIC_BRIDGE" >/dev/null 2>&1; then
  ip link add "$CLASSIC_BRIDGE" type bridge
  ip addr add "$CLASSIC_BRIDGE_CIDR" dev "$CLASSIC_BRIDGE"
fi
ip link set "$CLASSIC_BRIDGE" up
cat >"$STACK_DIR/daemon-classic.json" <<JSON
{
  "features": { "containerd-snapshotter": false },
  "log-level": "warn",
  "bridge": "$CLASSIC_BRIDGE",
  "iptables": false,
  "ip6tables": false,
  "ip-forward": false,
  "ip-masq": false
}
JSON
mkdir -p "$STACK_DIR/docker-classic"
if ! pid_alive "$RUN_DIR/dockerd-classic.pid" "unix://$CLASSIC_DOCKER_SOCK "; then
  clear_stale "$RUN_DIR/dockerd-classic.pid" "$RUN_DIR/exec-classic"
  rm -f "$CLASSIC_DOCKER_SOCK"
  setsid /usr/sbin/dockerd --host "unix://$CLASSIC_DOCKER_SOCK" --data-root "$STACK_DIR/docker-classic" \
    --exec-root "$RUN_DIR/exec-classic" --pidfile "$RUN_DIR/dockerd-classic.pid" \
    --config-file "$STACK_DIR/daemon-classic.json" >>"$STACK_DIR/dockerd-classic.log" 2>&1 </dev/null &
  wait_for 60 "dockerd (classic store)" /usr/bin/docker --host "unix://$CLASSIC_DOCKER_SOCK" info ||
    { tail -20 "$STACK_DIR/dockerd-classic.log" >&2; exit 1; }
fi

# --- registries ------------------------------------------------------------------
if [ ! -s "$STACK_DIR/registry.password" ]; then
  head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$STACK_DIR/registry.password"
  chmod 600 "$STACK_DIR/registry.password"
fi
REGISTRY_PASSWORD=$(cat "$STACK_DIR/registry.password")
htpasswd -Bbn "$REGISTRY_USER" "$REGISTRY_PASSWORD" >"$STACK_DIR/registry.htpasswd"

# The GHCR stand-in keeps its content in memory. Distribution 2.8's filesystem driver rewrites
# a tag's link file in place (truncate, then write), so a HEAD that lands during a PUT of the
# same tag reads an empty link and answers 500 "invalid checksum digest format". dockerd's
# push (the docker buildx driver's "pushing … with docker") PUTs one tag from several
# goroutines at once, so pushes failed on it now and then (4 of 21,191 HEADs in a day of
# suites). Without auth, three PUT loops on one tag made 367 of 1,351 HEADs fail in 10 s on
# the filesystem and 0 of 1,502 in memory, whose driver holds a lock across each write.
# GHCR does not do this. The mirror keeps the filesystem: it holds the stand-in base images
# across restarts, and only base-images.sh and image tests push to it. The stand-in starts
# empty after a restart; nothing needs its content to last (tests push what they read).
start_registry() { # name addr auth(yes|no) storage(filesystem|inmemory)
  local name=$1 addr=$2 auth=$3 storage=$4 cfg=$STACK_DIR/registry-$1.yaml
  {
    echo "version: 0.1"
    echo "log: {level: warn, accesslog: {disabled: true}}"
    echo "storage:"
    if [ "$storage" = inmemory ]; then
      echo "  inmemory: {}"
    else
      echo "  filesystem: {rootdirectory: $STACK_DIR/registry/$name}"
    fi
    echo "  delete: {enabled: true}"
    echo "http: {addr: $addr, secret: comfyume-stack-$name}"
    if [ "$auth" = yes ]; then
      echo "auth: {htpasswd: {realm: comfyume-stack, path: $STACK_DIR/registry.htpasswd}}"
    fi
  } >"$cfg.new"
  # A registry started from another config (an older checkout's) is restarted with this one,
  # compared with the copy taken when it started (an older start.sh rewrites $cfg without
  # restarting anything). So is an in-memory one past 4 GiB: nothing deletes what tests push.
  local pidfile=$RUN_DIR/registry-$name.pid started=$RUN_DIR/registry-$name.started.yaml rss
  if pid_alive "$pidfile" "registry-$name.yaml"; then
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$(cat "$pidfile")/status" 2>/dev/null || echo 0)
    if ! cmp -s "$cfg.new" "$started" || { [ "$storage" = inmemory ] && [ "${rss:-0}" -gt 4194304 ]; }; then
      echo "stack: restarting registry $name (new config, or ${rss:-0} KiB in memory)" >&2
      kill "$(cat "$pidfile")" 2>/dev/null || true
      for _ in $(seq 1 50); do pid_alive "$pidfile" "registry-$name.yaml" || break; sleep 0.1; done
      if pid_alive "$pidfile" "registry-$name.yaml"; then kill -9 "$(cat "$pidfile")" 2>/dev/null || true; fi
    fi
  fi
  mv "$cfg.new" "$cfg"
  if ! pid_alive "$pidfile" "registry-$name.yaml"; then
    cp "$cfg" "$started"
    setsid /usr/bin/docker-registry serve "$cfg" >>"$STACK_DIR/registry-$name.log" 2>&1 </dev/null &
    echo $! >"$pidfile"
  fi
  # Content of the filesystem store this registry no longer uses.
  if [ "$storage" = inmemory ]; then rm -rf "${STACK_DIR:?}/registry/$name"; fi
  # An auth registry answers /v2/ with 401, a plain one with 200: either means it is up.
  wait_for 20 "registry $name" sh -c "curl -s -o /dev/null -w '%{http_code}' http://$addr/v2/ | grep -qE '200|401'"
}
start_registry mirror "$MIRROR_ADDR" no filesystem
start_registry auth "$REGISTRY_ADDR" yes inmemory

cat >"$ENV_FILE" <<ENV
export COMFYUME_STACK_DIR=$STACK_DIR
export DOCKER_HOST=unix://$DOCKER_SOCK
export COMFYUME_CLASSIC_DOCKER_HOST=unix://$CLASSIC_DOCKER_SOCK
export COMFYUME_MIRROR=$MIRROR_ADDR
export COMFYUME_REGISTRY=$REGISTRY_ADDR
export COMFYUME_REGISTRY_USER=$REGISTRY_USER
export COMFYUME_REGISTRY_PASSWORD=$REGISTRY_PASSWORD
ENV
chmod 600 "$ENV_FILE"

"$(dirname "$0")/base-images.sh"
echo "stack: ready (DOCKER_HOST=unix://$DOCKER_SOCK, mirror $MIRROR_ADDR, registry $REGISTRY_ADDR); env in $ENV_FILE"
