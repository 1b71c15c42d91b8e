#!/usr/bin/env bash
# Starts ComfyUI in the worker image. Detects a GPU with nvidia-smi and falls back to
# --cpu with a clear log line (ComfyUI crashes at import without a GPU unless --cpu).
#
# COMFYUI_MODE: worker (default; GPU if present, CPU fallback) | frontend-testing (UI
# only, always --cpu). Extra arguments to this script, then COMFYUI_EXTRA_ARGS, are
# passed on to main.py, so a deployment can add flags without replacing the script.
# SERVER_MODE=dual also runs the platform's queue worker (/workspace/worker.py) when the
# image has it.
set -euo pipefail

COMFYUI_DIR=${COMFYUI_DIR:-/workspace/ComfyUI}
MODE=${COMFYUI_MODE:-worker}
EXTRA_MODEL_PATHS=${COMFYUI_EXTRA_MODEL_PATHS:-/mnt/sfs/extra_model_paths.yaml}
OUTPUT_DIR=${COMFYUI_OUTPUT_DIR:-/mnt/sfs/outputs}

log() { echo "start-worker: $*" >&2; }

gpu_name() {
  command -v nvidia-smi >/dev/null 2>&1 || return 1
  nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1 | grep .
}

args=(--listen "${COMFYUI_LISTEN:-0.0.0.0}" --port "${COMFYUI_PORT:-8188}")
case $MODE in
  frontend-testing)
    log "COMFYUI_MODE=frontend-testing: UI only, starting with --cpu (no GPU inference)"
    args+=(--cpu)
    ;;
  worker)
    if name=$(gpu_name); then
      log "GPU detected ($name): starting ComfyUI on CUDA"
    else
      log "no GPU detected (nvidia-smi missing or no device): falling back to --cpu; inference will be slow"
      args+=(--cpu)
    fi
    ;;
  *)
    log "COMFYUI_MODE=\"$MODE\" is not a mode; use worker or frontend-testing"
    exit 2
    ;;
esac

if [ -f "$EXTRA_MODEL_PATHS" ]; then
  args+=(--extra-model-paths-config "$EXTRA_MODEL_PATHS")
elif [ -f /workspace/extra_model_paths.yaml ] && [ -d /mnt/sfs/models ]; then
  args+=(--extra-model-paths-config /workspace/extra_model_paths.yaml)
fi
if [ -d "$OUTPUT_DIR" ] && [ -w "$OUTPUT_DIR" ]; then
  args+=(--output-directory "$OUTPUT_DIR")
fi

# COMFYUI_EXTRA_ARGS is split on whitespace on purpose: it is a flag list from an env var.
read -r -a env_args <<<"${COMFYUI_EXTRA_ARGS:-}"
cd "$COMFYUI_DIR"
if [ "${SERVER_MODE:-}" = dual ] && [ -f /workspace/worker.py ]; then
  # The platform's dual-server mode (comfyume-v1's start script): ComfyUI in the background,
  # the queue worker in front; when the worker exits, ComfyUI goes with it.
  log "SERVER_MODE=dual: starting ComfyUI, then the queue worker /workspace/worker.py"
  python3 main.py "${args[@]}" "${env_args[@]}" "$@" &
  comfyui=$!
  trap 'kill "$comfyui" 2>/dev/null || true' EXIT
  (cd /workspace && python3 worker.py)
  exit $?
fi
log "exec python3 main.py ${args[*]} ${env_args[*]} $*"
exec python3 main.py "${args[@]}" "${env_args[@]}" "$@"
