#!/usr/bin/env bash
# The main job on a fresh machine: set everything up, start the builder with the
# bundled example config, build the example worker image, push it to the local
# registry, smoke-test it, and leave the builder serving its API and dashboard.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
# shellcheck disable=SC1091
. "${COMFYUME_STACK_DIR:-/var/tmp/comfyume-stack}/stack.env"

export BUILDER_PORT=${BUILDER_PORT:-8080}
export BUILDER_HOST=${BUILDER_HOST:-127.0.0.1}
mkdir -p .builder
pidfile=.builder/serve.pid
if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  echo "builder: already running (pid $(cat "$pidfile"))"
else
  setsid node dist/builder/src/main.js serve >>.builder/serve.log 2>&1 </dev/null &
  echo $! >"$pidfile"
  echo "builder: started (pid $!), service log in .builder/serve.log"
fi

url=http://127.0.0.1:$BUILDER_PORT
for _ in $(seq 1 150); do
  curl -fs -o /dev/null "$url/healthz" && break
  sleep 0.2
done
curl -fs -o /dev/null "$url/healthz" || { tail -20 .builder/serve.log >&2; exit 1; }

status=0
node dist/trigger/src/main.js submit worker --url "$url" || status=$?

cat <<MSG

The builder keeps running:
  console    $url/
  API        $url/v1/builds        (OpenAPI: $url/openapi.json)
  image      $COMFYUME_REGISTRY/comfyume/example-worker:latest
  stop it    kill \$(cat .builder/serve.pid)
MSG
exit $status
