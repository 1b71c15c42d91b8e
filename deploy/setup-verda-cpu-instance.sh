#!/usr/bin/env bash
# Sets up a Verda CPU instance (e.g. CPU.8V.32G) as the ComfyuME build box: buildx, the SFS
# mounted with an fstab entry, GHCR login from a secret file, the builder via compose and
# a cron entry for scheduled rebuilds (the targets with "schedule": true). Docker is preinstalled on Verda images.
# Idempotent: every step checks before it changes anything; rerun it after any failure.
#
#   sudo SFS_ENDPOINT=nfs.fin-01.datacrunch.io:/sfs-xxxx ./setup-verda-cpu-instance.sh [--dry-run]
#
# Inputs (env): SFS_ENDPOINT (NFS export of the shared filesystem), GHCR_USER (ahelme),
# GHCR_TOKEN_FILE (/root/.secrets/ghcr-token, mode 600), BUILDER_DIR (/opt/comfyume-builder,
# holding compose.yaml and .env), SCHEDULE (cron time of the nightly rebuild, "30 3 * * *"),
# CATCHUP_SCHEDULE (cron time of the changed-only rebuild that catches lost webhooks, "*/10 * * * *").
set -euo pipefail

DRY_RUN=0
for arg in "$@"; do
  case $arg in
    --dry-run) DRY_RUN=1 ;;
    -h | --help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "unknown argument \"$arg\"; use --dry-run or --help" >&2; exit 2 ;;
  esac
done

SFS_ENDPOINT=${SFS_ENDPOINT:-}
SFS_MOUNT=${SFS_MOUNT:-/mnt/sfs}
GHCR_USER=${GHCR_USER:-ahelme}
GHCR_TOKEN_FILE=${GHCR_TOKEN_FILE:-/root/.secrets/ghcr-token}
BUILDER_DIR=${BUILDER_DIR:-/opt/comfyume-builder}
SCHEDULE=${SCHEDULE:-30 3 * * *}
CATCHUP_SCHEDULE=${CATCHUP_SCHEDULE:-*/10 * * * *}
FSTAB=${FSTAB:-/etc/fstab}
CRON_FILE=${CRON_FILE:-/etc/cron.d/comfyume-builder}

say() { echo "setup: $*"; }
# run CMD...: runs it, or in dry-run prints what would run.
run() {
  if [ "$DRY_RUN" = 1 ]; then
    echo "would run: $*"
  else
    "$@"
  fi
}

check_inputs() {
  [ -n "$SFS_ENDPOINT" ] || { echo "SFS_ENDPOINT is empty; set it to the SFS NFS export (host:/path)" >&2; exit 2; }
  if [ "$DRY_RUN" = 0 ] && [ "$(id -u)" -ne 0 ]; then
    echo "run as root (or with --dry-run to see the plan)" >&2
    exit 2
  fi
  if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
    say "warning: a GPU is present; this script is for the CPU build instance"
  fi
}

step_packages() {
  command -v docker >/dev/null 2>&1 || { echo "docker is missing; Verda images ship it, install docker.io first" >&2; exit 1; }
  local need=()
  docker buildx version >/dev/null 2>&1 || need+=(docker-buildx)
  docker compose version >/dev/null 2>&1 || need+=(docker-compose-v2)
  command -v mount.nfs >/dev/null 2>&1 || need+=(nfs-common)
  if [ ${#need[@]} -eq 0 ]; then say "packages: present"; return; fi
  say "packages: installing ${need[*]}"
  run apt-get update -qq
  run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
}

step_sfs() {
  local line="$SFS_ENDPOINT $SFS_MOUNT nfs nconnect=16,nofail,_netdev 0 0"
  if grep -qs "[[:space:]]${SFS_MOUNT}[[:space:]]" "$FSTAB"; then
    say "fstab: $SFS_MOUNT already listed"
  else
    say "fstab: adding $SFS_MOUNT"
    if [ "$DRY_RUN" = 1 ]; then echo "would append to $FSTAB: $line"; else echo "$line" >>"$FSTAB"; fi
  fi
  run mkdir -p "$SFS_MOUNT"
  if mountpoint -q "$SFS_MOUNT" 2>/dev/null; then say "sfs: mounted"; else run mount "$SFS_MOUNT"; fi
  run mkdir -p "$SFS_MOUNT/cache/builder/data" "$SFS_MOUNT/cache/builder/cache"
  run chown -R 1000:1000 "$SFS_MOUNT/cache/builder"
}

step_ghcr_login() {
  if [ "$DRY_RUN" = 0 ] && [ ! -s "$GHCR_TOKEN_FILE" ]; then
    echo "$GHCR_TOKEN_FILE is missing or empty; write the GHCR PAT there (chmod 600)" >&2
    exit 1
  fi
  say "ghcr: logging in as $GHCR_USER with the token in $GHCR_TOKEN_FILE"
  if [ "$DRY_RUN" = 1 ]; then
    echo "would run: docker login ghcr.io -u $GHCR_USER --password-stdin < $GHCR_TOKEN_FILE"
  else
    docker login ghcr.io -u "$GHCR_USER" --password-stdin <"$GHCR_TOKEN_FILE" >/dev/null
  fi
}

step_builder() {
  [ "$DRY_RUN" = 1 ] || [ -s "$BUILDER_DIR/.env" ] ||
    { echo "$BUILDER_DIR/.env is missing; copy deploy/.env.example there and fill it in" >&2; exit 1; }
  say "builder: compose up in $BUILDER_DIR"
  if ! run docker compose -f "$BUILDER_DIR/compose.yaml" --env-file "$BUILDER_DIR/.env" up -d --wait; then
    # The health check is /readyz: print why the builder is not ready (e.g. the daemon's image store).
    echo "the builder is not ready; /readyz says:" >&2
    curl -s "http://127.0.0.1:${BUILDER_PORT:-8080}/readyz" >&2 || true
    echo >&2
    exit 1
  fi
}

step_image_store() {
  # The docker driver needs Docker's containerd image store to export the build cache. It is
  # not switched on here: on a host that also runs the platform, restarting dockerd with
  # another store hides every image its containers run from. See docs/deploy.md.
  local status
  status=$(docker info --format '{{json .DriverStatus}}' 2>/dev/null || true)
  if grep -q io.containerd.snapshotter <<<"$status"; then say "docker: containerd image store in use"; return; fi
  echo "docker on this host uses the classic image store; builds with the docker driver cannot export their cache." >&2
  echo "Set {\"features\": {\"containerd-snapshotter\": true}} in /etc/docker/daemon.json and restart dockerd" >&2
  echo "(images pulled before are not visible afterwards), or set BUILDER_BUILDKIT_MODE=docker-container in .env." >&2
  [ "$DRY_RUN" = 1 ] || grep -q '^BUILDER_BUILDKIT_MODE=docker-container' "$BUILDER_DIR/.env" 2>/dev/null || exit 1
}

step_cron() {
  # The builder's own API does the work: POST /v1/hooks/schedule through curl inside the
  # container (the token stays in the container's env), so scheduled builds go through the
  # server's queue, records and dedup like every other build. Nightly: every scheduled
  # target. Every 10 minutes: {"changedOnly": true} (SPEC §4), only targets whose ref moved
  # since their last successful build, which catches any push whose webhook was lost.
  local call="docker compose -f $BUILDER_DIR/compose.yaml --env-file $BUILDER_DIR/.env exec -T builder node -e"
  local post="fetch('http://127.0.0.1:8080/v1/hooks/schedule',{method:'POST',headers:{'content-type':'application/json','x-builder-token':process.env.BUILDER_API_TOKEN},body:process.argv[1]}).then(async r=>{console.log(r.status,await r.text());process.exit(r.ok?0:1)},e=>{console.error(e.message);process.exit(1)})"
  local log=">>/var/log/comfyume-builder-cron.log 2>&1"
  local nightly="$SCHEDULE root $call \"$post\" '{}' $log"
  local catchup="$CATCHUP_SCHEDULE root $call \"$post\" '{\"changedOnly\": true}' $log"
  if [ -f "$CRON_FILE" ] && grep -qF "$nightly" "$CRON_FILE" && grep -qF "$catchup" "$CRON_FILE"; then
    say "cron: present"
    return
  fi
  say "cron: writing $CRON_FILE (nightly $SCHEDULE, changed-only $CATCHUP_SCHEDULE)"
  if [ "$DRY_RUN" = 1 ]; then
    echo "would write $CRON_FILE: $nightly"
    echo "would write $CRON_FILE: $catchup"
  else
    printf '# Scheduled rebuilds (setup-verda-cpu-instance.sh)\n%s\n%s\n' "$nightly" "$catchup" >"$CRON_FILE.tmp"
    chmod 644 "$CRON_FILE.tmp" && mv "$CRON_FILE.tmp" "$CRON_FILE"
  fi
}

check_inputs
[ "$DRY_RUN" = 0 ] || say "dry run: nothing is changed"
step_packages
step_sfs
step_ghcr_login
step_image_store
step_builder
step_cron
say "done; API at http://127.0.0.1:8080 (see docs/deploy.md)"
