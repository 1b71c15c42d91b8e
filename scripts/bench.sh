#!/usr/bin/env bash
# Every benchmark, on the real stack, printing its figures (ratios against baselines
# measured in the same run). Not part of npm test: tests check behaviour, not timings.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# shellcheck disable=SC1091
. "${COMFYUME_STACK_DIR:-/var/tmp/comfyume-stack}/stack.env"
echo "== bench/engine-rebuild.ts (issue 2)"
node --import tsx bench/engine-rebuild.ts
echo "== bench/http-api.ts (issue 3)"
node --import tsx bench/http-api.ts
echo "== bench/upload-ingest.ts (issue 3, ingest without HTTP)"
node --import tsx bench/upload-ingest.ts
echo "== bench/trigger.sh (issue 4)"
bash bench/trigger.sh
