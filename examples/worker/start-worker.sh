#!/bin/sh
# Starts ComfyUI; falls back to --cpu when no GPU is visible.
set -eu
cd /workspace/ComfyUI
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi >/dev/null 2>&1; then
  exec python3 main.py --listen 0.0.0.0 --port 8188 "$@"
fi
echo "start-worker: no GPU detected (nvidia-smi unavailable); starting ComfyUI with --cpu" >&2
exec python3 main.py --listen 0.0.0.0 --port 8188 --cpu "$@"
