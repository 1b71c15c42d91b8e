#!/usr/bin/env bash
# Everything a fresh machine needs before the builder or its tests can run: system
# packages, the real stack (dockerd + buildx, registries, QEMU, stand-in images),
# node modules and the compiled package. Idempotent and quick when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/stack/install-packages.sh
bash scripts/stack/start.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build
