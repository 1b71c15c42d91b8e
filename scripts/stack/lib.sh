# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables are used by the scripts that source this file
# Shared by the stack scripts: where the stack lives and how to tell if a pid is ours.
# The Docker engine and its bridge are machine-wide, so the stack is one per machine
# (COMFYUME_STACK_DIR); every checkout on the machine reuses it.
STACK_DIR=${COMFYUME_STACK_DIR:-/var/tmp/comfyume-stack}
RUN_DIR=$STACK_DIR/run
DOCKER_SOCK=$RUN_DIR/docker.sock
CLASSIC_DOCKER_SOCK=$RUN_DIR/docker-classic.sock
# The classic-store daemon's own bridge: a name and a subnet no other daemon uses.
CLASSIC_BRIDGE=comfyume-cl0
CLASSIC_BRIDGE_CIDR=10.253.77.1/24
MIRROR_ADDR=${COMFYUME_MIRROR_ADDR:-127.0.0.1:5000}
REGISTRY_ADDR=${COMFYUME_REGISTRY_ADDR:-127.0.0.1:5001}
REGISTRY_USER=comfyume
ENV_FILE=$STACK_DIR/stack.env
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
IMAGE_CACHE=$REPO_ROOT/.stack/images

# pid_alive PIDFILE TEXT: the pid in PIDFILE is running and its command line contains TEXT
# (something only that process has on it: its socket or config path, not just "dockerd").
pid_alive() {
  local pid
  [ -f "$1" ] || return 1
  pid=$(cat "$1" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ -d "/proc/$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$2"
}

# clear_stale PIDFILE [EXEC_ROOT]: before starting a daemon whose pid file is not ours any more.
# A stack dir that outlived its processes (a reboot, a machine image taken while the stack ran)
# keeps pid files whose numbers the new boot hands to other processes: dockerd refuses to
# start while its pid file names a live process ("process with PID N is still running"), and
# its containerd supervisor would adopt (and later kill) whatever owns the old containerd pid.
# A containerd of ours that outlived its dockerd (it runs in its own session) keeps its pid
# file, so the new dockerd adopts it instead of starting a second one on the same root.
clear_stale() {
  rm -f "$1"
  if [ -n "${2:-}" ] && ! pid_alive "$2/containerd/containerd.pid" "$2/containerd/containerd.toml"; then
    rm -f "$2/containerd/containerd.pid"
  fi
}

# wait_for SECONDS DESCRIPTION COMMAND...: retry COMMAND every 0.2 s.
wait_for() {
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then
      echo "stack: $what did not come up in time" >&2
      return 1
    fi
    sleep 0.2
  done
}
