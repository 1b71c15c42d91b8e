#!/usr/bin/env bash
# Entrypoint of the builder image: selects the BuildKit the builder drives, then execs
# the command (tini is PID 1 above this, so signals reach the command directly).
#
# BUILDER_BUILDKIT_MODE:
#   docker            (default) the Docker daemon at DOCKER_HOST, normally the host's socket
#                     mounted at /var/run/docker.sock; buildx's `default` builder. The daemon
#                     needs the containerd image store (docs/deploy.md); /readyz says so if not.
#   remote            a buildkitd over TCP with mutual TLS: BUILDER_BUILDKIT_ENDPOINT
#                     (tcp://host:1234) and the client certificates either as files in
#                     BUILDER_BUILDKIT_TLS_DIR (ca.pem, cert.pem, key.pem) or as PEM text in
#                     BUILDER_BUILDKIT_TLS_CA / _CERT / _KEY (how Verda secrets arrive).
#   docker-container  a BuildKit container started by buildx on the daemon at DOCKER_HOST
#                     (the daemon pulls moby/buildkit the first time).
# For the last two a buildx builder is created once (idempotent) and BUILDER_BUILDX_BUILDER
# names it for the app.
#
# A setup that fails does not stop the container: on Verda serverless nobody can read a
# crash-looping replica's output. The command still starts, with the reason in
# BUILDER_BUILDKIT_SETUP_ERROR, so GET /readyz and every build report it.
set -euo pipefail

log() { printf '{"level":"%s","msg":%s,"component":"entrypoint"}\n' "$1" "$(json_string "$2")" >&2; }
json_string() {
  local s=${1//\\/\\\\}
  s=${s//\"/\\\"}
  printf '"%s"' "${s//$'\n'/ }"
}

SETUP_ERROR=
# fail MESSAGE: records why BuildKit could not be set up (the first reason wins) and returns 1.
fail() {
  [ -n "$SETUP_ERROR" ] || SETUP_ERROR=$1
  log error "$1"
  return 1
}

builder_exists() { docker buildx inspect "$1" >/dev/null 2>&1; }

# Sets TLS_DIR to a directory holding ca.pem, cert.pem and key.pem.
TLS_DIR=
resolve_tls_dir() {
  if [ -n "${BUILDER_BUILDKIT_TLS_CA:-}${BUILDER_BUILDKIT_TLS_CERT:-}${BUILDER_BUILDKIT_TLS_KEY:-}" ]; then
    if [ -z "${BUILDER_BUILDKIT_TLS_CA:-}" ] || [ -z "${BUILDER_BUILDKIT_TLS_CERT:-}" ] || [ -z "${BUILDER_BUILDKIT_TLS_KEY:-}" ]; then
      fail "only some of BUILDER_BUILDKIT_TLS_CA, BUILDER_BUILDKIT_TLS_CERT and BUILDER_BUILDKIT_TLS_KEY are set; set all three PEM values"
      return 1
    fi
    TLS_DIR=${HOME:-/tmp}/.buildkit-tls
    (umask 077 && mkdir -p "$TLS_DIR" &&
      printf '%s\n' "$BUILDER_BUILDKIT_TLS_CA" >"$TLS_DIR/ca.pem" &&
      printf '%s\n' "$BUILDER_BUILDKIT_TLS_CERT" >"$TLS_DIR/cert.pem" &&
      printf '%s\n' "$BUILDER_BUILDKIT_TLS_KEY" >"$TLS_DIR/key.pem") ||
      { fail "could not write the client certificates to $TLS_DIR"; return 1; }
    return 0
  fi
  TLS_DIR=${BUILDER_BUILDKIT_TLS_DIR:-/run/secrets/buildkit}
  for f in ca.pem cert.pem key.pem; do
    [ -r "$TLS_DIR/$f" ] || {
      fail "remote BuildKit needs client TLS: $TLS_DIR/$f is missing; mount ca.pem, cert.pem and key.pem there (BUILDER_BUILDKIT_TLS_DIR) or set BUILDER_BUILDKIT_TLS_CA/_CERT/_KEY"
      return 1
    }
  done
}

setup_remote() {
  local name=${BUILDER_BUILDX_BUILDER:-comfyume-remote} endpoint=${BUILDER_BUILDKIT_ENDPOINT:-} out
  export BUILDER_BUILDX_BUILDER=$name
  [[ $endpoint =~ ^tcp://[^[:space:]]+:[0-9]+$ ]] ||
    { fail "BUILDER_BUILDKIT_ENDPOINT=\"$endpoint\" is not a tcp://host:port address; remote mode needs the buildkitd address"; return 1; }
  resolve_tls_dir || return 1
  local host=${endpoint#tcp://}
  host=${host%:*}
  builder_exists "$name" && return 0
  out=$(docker buildx create --name "$name" --driver remote \
    --driver-opt "cacert=$TLS_DIR/ca.pem,cert=$TLS_DIR/cert.pem,key=$TLS_DIR/key.pem,servername=${BUILDER_BUILDKIT_SERVERNAME:-$host}" \
    "$endpoint" 2>&1) || { fail "docker buildx create (remote $endpoint) failed: $out"; return 1; }
  log info "created buildx builder $name (remote $endpoint)"
}

setup_container() {
  local name=${BUILDER_BUILDX_BUILDER:-comfyume-container} out
  export BUILDER_BUILDX_BUILDER=$name
  builder_exists "$name" && return 0
  # network=host: the BuildKit container reaches registries the same way the daemon does.
  out=$(docker buildx create --name "$name" --driver docker-container --driver-opt network=host 2>&1) ||
    { fail "docker buildx create (docker-container) failed: $out"; return 1; }
  log info "created buildx builder $name (docker-container)"
}

case ${BUILDER_BUILDKIT_MODE:-docker} in
  docker) ;;
  remote) setup_remote || true ;;
  docker-container) setup_container || true ;;
  *) fail "BUILDER_BUILDKIT_MODE=\"${BUILDER_BUILDKIT_MODE}\" is not a BuildKit mode; use docker, remote or docker-container" || true ;;
esac
if [ -n "$SETUP_ERROR" ]; then export BUILDER_BUILDKIT_SETUP_ERROR=$SETUP_ERROR; fi

[ $# -gt 0 ] || set -- comfyume-builder serve
exec "$@"
