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
# holding compose.yaml and .env), SCHEDULE (cron time of the nightly rebuild, "30 3 * * *").
set -euo pipefail

DRY_RUN=0
for arg in "$@"; do
  case $arg in
    --dry-run) DRY_RUN=1 ;;
    -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown argument \"$arg\"; use --dry-run or --help" >&2; exit 2 ;;
  esac
done

SFS_ENDPOINT=${SFS_ENDPOINT:-}
SFS_MOUNT=${SFS_MOUNT:-/mnt/sfs}
GHCR_USER=${GHCR_USER:-ahelme}
GHCR_TOKEN_FILE=${GHCR_TOKEN_FILE:-/root/.secrets/ghcr-token}
BUILDER_DIR=${BUILDER_DIR:-/opt/comfyume-builder}
SCHEDULE=${SCHEDULE:-30 3 * * *}
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
  run docker compose -f "$BUILDER_DIR/compose.yaml" --env-file "$BUILDER_DIR/.env" up -d --wait
}

step_cron() {
  # The trigger inside the running builder calls POST /v1/hooks/schedule, so scheduled builds
  # go through the server's queue, records and dedup like every other build.
  local entry="$SCHEDULE root docker compose -f $BUILDER_DIR/compose.yaml --env-file $BUILDER_DIR/.env exec -T builder sh -c 'BUILDER_URL=http://127.0.0.1:8080 BUILDER_TOKEN=\$BUILDER_API_TOKEN comfyume-build schedule' >>/var/log/comfyume-builder-cron.log 2>&1"
  if [ -f "$CRON_FILE" ] && grep -qF "$entry" "$CRON_FILE"; then say "cron: present"; return; fi
  say "cron: writing $CRON_FILE ($SCHEDULE)"
  if [ "$DRY_RUN" = 1 ]; then
    echo "would write $CRON_FILE: $entry"
  else
    printf '# Scheduled rebuild of the worker image (setup-verda-cpu-instance.sh)\n%s\n' "$entry" >"$CRON_FILE.tmp"
    chmod 644 "$CRON_FILE.tmp" && mv "$CRON_FILE.tmp" "$CRON_FILE"
  fi
}

check_inputs
[ "$DRY_RUN" = 0 ] || say "dry run: nothing is changed"
step_packages
step_sfs
step_ghcr_login
step_builder
step_cron
say "done; API at http://127.0.0.1:8080 (see docs/deploy.md)"
