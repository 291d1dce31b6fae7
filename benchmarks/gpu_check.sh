#!/usr/bin/env bash
# Run every GPU measurement of the benchmarks in one go and write gpu_check.json and gpu_check.log.
#
#   bash benchmarks/gpu_check.sh [OUTPUT_DIR]            one NVIDIA GPU, under 8 minutes
#   bash benchmarks/gpu_check.sh --dry-run [OUTPUT_DIR]  the same stages on the CPU with tiny models
#
# OUTPUT_DIR defaults to $OUT, else benchmarks/out. No network and no Hugging Face Hub
# access are needed: every model is a full-size registry configuration with random
# weights, and the images are synthetic uint8 arrays. It needs python3 with torch,
# transformers, accelerate, numpy and scikit-learn (set PYTHON to use another
# interpreter); datasets, pooch, plotly, openTSNE and umap may be missing.
set -euo pipefail
cd "$(dirname "$0")/.."

dry_run=()
if [[ "${1:-}" == "--dry-run" ]]; then
    dry_run=(--dry-run)
    shift
fi
out_dir="${1:-${OUT:-benchmarks/out}}"
mkdir -p "$out_dir"

export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PYTHONUNBUFFERED=1
python="${PYTHON:-python3}"

# The stages share a budget of 420 s. The hard limit adds room for start-up and for a
# last stage that overruns its estimate, so the whole script ends within 8 minutes.
budget_s="${GPU_CHECK_BUDGET_S:-420}"
hard_limit_s="${GPU_CHECK_HARD_LIMIT_S:-465}"

status=0
timeout --kill-after=10 "$hard_limit_s" \
    "$python" -m benchmarks.gpu_check --output "$out_dir/gpu_check.json" --budget-s "$budget_s" "${dry_run[@]}" \
    2>&1 | tee "$out_dir/gpu_check.log" || status=$?
if [[ "$status" -ne 0 ]]; then
    echo "gpu_check ended with status $status; the stages finished before it are in $out_dir/gpu_check.json" >&2
fi
exit "$status"
