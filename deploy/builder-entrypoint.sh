#!/usr/bin/env bash
# Entrypoint of the builder image: selects the BuildKit the builder drives, then execs
# the command (tini is PID 1 above this, so signals reach the command directly).
#
# BUILDER_BUILDKIT_MODE:
#   docker            (default) the Docker daemon at DOCKER_HOST, normally the host's socket
#                     mounted at /var/run/docker.sock; buildx's `default` builder.
#   remote            a buildkitd over TCP with mutual TLS: BUILDER_BUILDKIT_ENDPOINT
#                     (tcp://host:1234) and the client certificates either as files in
#                     BUILDER_BUILDKIT_TLS_DIR (ca.pem, cert.pem, key.pem) or as PEM text in
#                     BUILDER_BUILDKIT_TLS_CA / _CERT / _KEY (how Verda secrets arrive).
#   docker-container  a BuildKit container started by buildx on the daemon at DOCKER_HOST.
# For the last two a buildx builder is created once (idempotent) and BUILDER_BUILDX_BUILDER
# names it for the app.
set -euo pipefail

log() { printf '{"level":"%s","msg":"%s","component":"entrypoint"}\n' "$1" "$2" >&2; }
die() { log error "$1"; exit 2; }

builder_exists() { docker buildx inspect "$1" >/dev/null 2>&1; }

tls_dir() {
  if [ -n "${BUILDER_BUILDKIT_TLS_CA:-}" ]; then
    local dir=${HOME:-/tmp}/.buildkit-tls
    (umask 077 && mkdir -p "$dir")
    if [ -z "${BUILDER_BUILDKIT_TLS_CERT:-}" ] || [ -z "${BUILDER_BUILDKIT_TLS_KEY:-}" ]; then
      die "BUILDER_BUILDKIT_TLS_CA is set but BUILDER_BUILDKIT_TLS_CERT or BUILDER_BUILDKIT_TLS_KEY is empty; set all three PEM values"
    fi
    (umask 077 &&
      printf '%s\n' "$BUILDER_BUILDKIT_TLS_CA" >"$dir/ca.pem" &&
      printf '%s\n' "$BUILDER_BUILDKIT_TLS_CERT" >"$dir/cert.pem" &&
      printf '%s\n' "$BUILDER_BUILDKIT_TLS_KEY" >"$dir/key.pem")
    echo "$dir"
    return
  fi
  local dir=${BUILDER_BUILDKIT_TLS_DIR:-/run/secrets/buildkit}
  for f in ca.pem cert.pem key.pem; do
    [ -r "$dir/$f" ] || die "remote BuildKit needs $dir/$f (BUILDER_BUILDKIT_TLS_DIR=\"$dir\"); mount the client certificates there or set BUILDER_BUILDKIT_TLS_CA/_CERT/_KEY"
  done
  echo "$dir"
}

setup_remote() {
  local name=${BUILDER_BUILDX_BUILDER:-comfyume-remote} endpoint=${BUILDER_BUILDKIT_ENDPOINT:-} dir
  [[ $endpoint =~ ^tcp://[^[:space:]]+:[0-9]+$ ]] ||
    die "BUILDER_BUILDKIT_ENDPOINT=\"$endpoint\" is not a tcp://host:port address; remote mode needs the buildkitd address"
  dir=$(tls_dir)
  local host=${endpoint#tcp://}
  host=${host%:*}
  if ! builder_exists "$name"; then
    docker buildx create --name "$name" --driver remote \
      --driver-opt "cacert=$dir/ca.pem,cert=$dir/cert.pem,key=$dir/key.pem,servername=${BUILDER_BUILDKIT_SERVERNAME:-$host}" \
      "$endpoint" >/dev/null
    log info "created buildx builder $name (remote $endpoint)"
  fi
  export BUILDER_BUILDX_BUILDER=$name
}

setup_container() {
  local name=${BUILDER_BUILDX_BUILDER:-comfyume-container}
  if ! builder_exists "$name"; then
    # network=host: the BuildKit container reaches registries the same way the daemon does.
    docker buildx create --name "$name" --driver docker-container --driver-opt network=host >/dev/null
    log info "created buildx builder $name (docker-container)"
  fi
  export BUILDER_BUILDX_BUILDER=$name
}

case ${BUILDER_BUILDKIT_MODE:-docker} in
  docker) ;;
  remote) setup_remote ;;
  docker-container) setup_container ;;
  *) die "BUILDER_BUILDKIT_MODE=\"${BUILDER_BUILDKIT_MODE}\" is not a BuildKit mode; use docker, remote or docker-container" ;;
esac

[ $# -gt 0 ] || set -- comfyume-builder serve
exec "$@"
