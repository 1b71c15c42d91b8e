#!/usr/bin/env bash
# Creates the Verda secrets the serverless builder's env vars reference by name
# (deploy/verda/locals.tf). Provider v1.1.1 has no secret resource and verda-cli has no
# secrets command, so this talks to the Verda API the way the Go SDK does: an OAuth
# client-credentials token, then POST /secrets {"name", "value"} per secret.
#
#   deploy/verda/create-secrets.sh [--dir DIR] [--prefix NAME] [--replace]
#
# Each value is read from a file in DIR (default ~/.secrets/comfyume-builder, mode 700):
#   api-token read-token webhook-secret ghcr-token gh-token     (required)
#   buildkit-tls/ca.pem buildkit-tls/cert.pem buildkit-tls/key.pem (required: remote BuildKit)
#   r2-access-key-id r2-secret-access-key                        (optional: backups)
# and becomes the secret <prefix>-<name> (prefix default comfyume-builder; the TLS files
# become <prefix>-buildkit-tls-ca/-cert/-key). An existing secret is left alone unless
# --replace (then it is deleted, forced, and created again: rotation).
# Needs VERDA_CLIENT_ID and VERDA_CLIENT_SECRET in the environment (VERDA_BASE_URL
# overrides https://api.verda.com/v1), curl and jq. Values and tokens never appear in
# any process's arguments: bodies go through stdin, the bearer token through a 0600 file.
set -euo pipefail

DIR=${HOME}/.secrets/comfyume-builder
PREFIX=comfyume-builder
REPLACE=0
while [ $# -gt 0 ]; do
  case $1 in
    --dir) DIR=${2:?--dir needs a directory}; shift 2 ;;
    --prefix) PREFIX=${2:?--prefix needs a name}; shift 2 ;;
    --replace) REPLACE=1; shift ;;
    -h | --help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "unknown argument \"$1\"; use --dir, --prefix, --replace or --help" >&2; exit 2 ;;
  esac
done
[[ $PREFIX =~ ^[a-z0-9][a-z0-9-]*$ ]] || { echo "--prefix \"$PREFIX\" must be lowercase letters, digits and hyphens" >&2; exit 2; }
BASE=${VERDA_BASE_URL:-https://api.verda.com/v1}

for tool in curl jq; do
  command -v "$tool" >/dev/null 2>&1 || { echo "$tool is missing (apt-get install $tool)" >&2; exit 2; }
done
[ -n "${VERDA_CLIENT_ID:-}" ] && [ -n "${VERDA_CLIENT_SECRET:-}" ] ||
  { echo "VERDA_CLIENT_ID and VERDA_CLIENT_SECRET must be set (the API credentials tofu uses)" >&2; exit 2; }

# secret name suffix -> file under DIR
REQUIRED=(api-token:api-token read-token:read-token webhook-secret:webhook-secret ghcr-token:ghcr-token
  gh-token:gh-token buildkit-tls-ca:buildkit-tls/ca.pem buildkit-tls-cert:buildkit-tls/cert.pem
  buildkit-tls-key:buildkit-tls/key.pem)
OPTIONAL=(r2-access-key-id:r2-access-key-id r2-secret-access-key:r2-secret-access-key)
for pair in "${REQUIRED[@]}"; do
  [ -s "$DIR/${pair#*:}" ] || { echo "$DIR/${pair#*:} is missing or empty; write the value there (chmod 600)" >&2; exit 2; }
done

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
chmod 700 "$WORK"

# api METHOD PATH [BODY_FILE]: prints the answer's body; fails with the API's message.
api() {
  local out=$WORK/answer code
  code=$(curl -sS -o "$out" -w '%{http_code}' -X "$1" -H @"$WORK/headers" \
    ${3:+--data-binary @"$3"} "$BASE$2") || { echo "$1 $BASE$2: no answer" >&2; return 1; }
  case $code in
    2??) cat "$out" ;;
    *) echo "$1 $BASE$2 answered HTTP $code: $(head -c 300 "$out")" >&2; return 1 ;;
  esac
}

(umask 077 && jq -n '{grant_type: "client_credentials", client_id: env.VERDA_CLIENT_ID, client_secret: env.VERDA_CLIENT_SECRET}' >"$WORK/token-request")
printf 'Content-Type: application/json\nAccept: application/json\n' >"$WORK/headers"
token=$(api POST /oauth2/token "$WORK/token-request" | jq -r '.access_token // empty')
[ -n "$token" ] || { echo "the token answer from $BASE/oauth2/token has no access_token" >&2; exit 1; }
(umask 077 && printf 'Content-Type: application/json\nAccept: application/json\nAuthorization: Bearer %s\n' "$token" >"$WORK/headers")

existing=$(api GET /secrets | jq -r '.[].name')
created=0
for pair in "${REQUIRED[@]}" "${OPTIONAL[@]}"; do
  name=$PREFIX-${pair%%:*}
  file=$DIR/${pair#*:}
  [ -s "$file" ] || continue
  if grep -qxF "$name" <<<"$existing"; then
    if [ "$REPLACE" = 0 ]; then
      echo "exists: $name (--replace rotates it)"
      continue
    fi
    api DELETE "/secrets/$name?force=true" >/dev/null
  fi
  # The value as it is in the file, without the final newline an editor adds.
  (umask 077 && jq -n --rawfile v "$file" --arg n "$name" '{name: $n, value: ($v | sub("\n$"; ""))}' >"$WORK/body")
  api POST /secrets "$WORK/body" >/dev/null
  echo "created: $name"
  created=$((created + 1))
done
echo "done: $created created; tofu references them by name (secret_names, buildkit_tls_secrets)"
