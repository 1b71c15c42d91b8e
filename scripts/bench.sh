#!/usr/bin/env bash
# Every benchmark, on the real stack, printing its figures (ratios against baselines
# measured in the same run). Not part of npm test: tests check behaviour, not timings.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# shellcheck disable=SC1091
. "${COMFYUME_STACK_DIR:-/var/tmp/comfyume-stack}/stack.env"
for bench in bench/*.ts; do
  case "$bench" in *-sink.ts | *-helpers.ts) continue ;; esac
  echo "== $bench"
  node --import tsx "$bench"
done
