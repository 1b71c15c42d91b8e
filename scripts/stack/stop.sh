#!/usr/bin/env bash
# Stops exactly what start.sh started, by pid; leaves data (images, registry contents) for the next start.
set -euo pipefail
# shellcheck source=scripts/stack/lib.sh
. "$(dirname "$0")/lib.sh"

stop_pid() { # pidfile name
  if pid_alive "$1" "$2"; then
    local pid
    pid=$(cat "$1")
    kill "$pid"
    for _ in $(seq 1 100); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
    if [ -d "/proc/$pid" ]; then kill -9 "$pid"; fi
    echo "stack: stopped $2 ($pid)"
  fi
  rm -f "$1"
}
stop_pid "$RUN_DIR/registry-auth.pid" registry-auth.yaml
stop_pid "$RUN_DIR/registry-mirror.pid" registry-mirror.yaml
stop_pid "$RUN_DIR/dockerd-classic.pid" "unix://$CLASSIC_DOCKER_SOCK "
stop_pid "$RUN_DIR/dockerd.pid" "unix://$DOCKER_SOCK "
if ip link show "$CLASSIC_BRIDGE" >/dev/null 2>&1; then ip link del "$CLASSIC_BRIDGE"; fi
