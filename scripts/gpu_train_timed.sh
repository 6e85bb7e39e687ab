#!/usr/bin/env bash
# Train GPU-sized release candidates side by side within one device lease (issue 13/14).
#
#   OUT=DIR BUDGET=420 bash scripts/gpu_train_timed.sh          # on the device (device=cuda)
#   DEVICE=cpu BUDGET=20 SIZE=64 bash scripts/gpu_train_timed.sh  # the CPU dry run
#
# The synthetic stream renders on the training device from one Python process per run, so one
# run leaves the GPU mostly idle (README "GPU check": end to end is CPU-bound); the runs of JOBS
# share it. Each run's step count is set from its measured rate (steps/s with three runs
# sharing one H200) so that its cosine schedule ends inside BUDGET seconds, or given:
#   JOBS="uv_s0 uv_s1 vis" (default; any of these, each a run side by side)
#   uv_s<k>        release/uv from scratch on uv-v4's generator (ovals as wide as the real ones),
#                  seed k (STEPS_UV, RATE_UV 3.3)
#   vis            release/visible_rgb in v6's two stages (colourless cyclones, then v5's
#                  generator from it; 80 % / 20 % of the steps), seed 1 (STEPS_VIS, RATE_VIS 2.8)
#   jiram_l, jiram_m   their release recipes (STEPS_JIRAM, RATE_JIRAM: not yet measured, 3.0)
# All at batch BATCH (16). Each finished run's folder (model.pt, config.yaml, logs; a run stopped
# at DEADLINE brings its last.ckpt instead) comes back as OUT/<run>.tgz, the logs as logs.tgz.
set -uo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$(mkdir -p "${OUT:-outputs/gpu-train}" && cd "${OUT:-outputs/gpu-train}" && pwd)"
DEVICE="${DEVICE:-cuda}"
BUDGET="${BUDGET:-420}"        # training seconds per run (both visible stages together)
DEADLINE="${DEADLINE:-$((BUDGET + 120))}"  # seconds from start: every run is stopped by then
BATCH="${BATCH:-16}"
PY="${PYTHON:-python3}"
cd "$REPO" || exit 2
WORK="${WORK:-$(mktemp -d /tmp/gpu-train.XXXXXX)}"  # the runs; OUT gets one .tgz of each
LOGS=$WORK/logs  # under OUT only as logs.tgz: OUT brings back 8 files at most
mkdir -p "$LOGS"
trap 'tar -czf "$OUT/logs.tgz" -C "$WORK" logs' EXIT
# shellcheck source=use_wheels.sh
source "$REPO/scripts/use_wheels.sh"
use_wheels "$LOGS/wheels.log" || exit 2
export PYTHONPATH="$REPO/src${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 OMP_NUM_THREADS=4

TRAINER=(trainer=gpu)
SIZE_ARGS=()
if [[ "$DEVICE" == cpu ]]; then
  TRAINER=(trainer=cpu)
  SIZE_ARGS=("data.size=${SIZE:-64}" data.val_frames=2)
fi
COMMON=("${TRAINER[@]}" "device=$DEVICE" trainer.progress=false "data.batch_size=$BATCH"
        checkpoint.every_n_steps=250 "${SIZE_ARGS[@]}")
UV=(experiment=release/uv '+data.params.oval_fwhm_range=[0.57,0.96]')
VIS1=(experiment=release/visible_rgb seed=1 '+data.params.junocam_cyclone_redden=[0.0,0.3]'
      +data.params.junocam_vortex_arm_gain=0.5)
VIS2=(experiment=release/visible_rgb seed=1)

# steps per second of each recipe at batch 16 with three runs sharing one H200 (lease of
# 2026-12-04: 900 uv steps in 256-259 s, 624 visible steps in 216 s); timing the first steps
# instead reads 3x too slow (CUDA start-up and warm-up), so the rates are given
RATE_UV="${RATE_UV:-3.3}" RATE_VIS="${RATE_VIS:-2.8}" RATE_JIRAM="${RATE_JIRAM:-3.0}"
steps_for() {  # steps_for RATE: the steps that fit BUDGET at RATE steps/s
  "$PY" -c "print(max(2, int($1 * $BUDGET * 0.92)))"
}
STEPS_UV="${STEPS_UV:-$(steps_for "$RATE_UV")}"
STEPS_VIS="${STEPS_VIS:-$(steps_for "$RATE_VIS")}"
STEPS_JIRAM="${STEPS_JIRAM:-$(steps_for "$RATE_JIRAM")}"
STEPS_VIS1=$((STEPS_VIS * 4 / 5)) STEPS_VIS2=$((STEPS_VIS / 5))
JOBS="${JOBS:-uv_s0 uv_s1 vis}"
for job in $JOBS; do  # every job known before any trains
  [[ "$job" =~ ^(uv_s[0-9]+|vis|jiram_l|jiram_m)$ ]] \
    || { echo "unknown job $job (JOBS: uv_s<k>, vis, jiram_l, jiram_m)"; exit 2; }
done
echo "jobs: $JOBS; steps: uv $STEPS_UV, visible $STEPS_VIS1 + $STEPS_VIS2, jiram $STEPS_JIRAM" \
  | tee "$LOGS/plan.txt"

MAIN=("out=$WORK/runs" checkpoint.every_n_steps=250)
train() {  # train NAME ARGS...: one run, stopped at DEADLINE; its log is LOGS/NAME.log
  local name="$1"
  shift
  timeout $((DEADLINE - SECONDS)) "$PY" scripts/train.py "$@" "${COMMON[@]}" "name=gpu_$name" \
    "${MAIN[@]}" > "$LOGS/$name.log" 2>&1
}
echo "== training (all stopped at ${DEADLINE}s from the start)"
for job in $JOBS; do
  case "$job" in
    uv_s[0-9]*) train "$job" "${UV[@]}" "seed=${job#uv_s}" "trainer.max_steps=$STEPS_UV" & ;;
    vis) (
        train vis_stage1 "${VIS1[@]}" "trainer.max_steps=$STEPS_VIS1" || exit 1
        stage1=$(ls -d "$WORK"/runs/gpu_vis_stage1-*/ | head -1)
        train vis_stage2 "${VIS2[@]}" "init=${stage1}model.pt" "trainer.max_steps=$STEPS_VIS2"
      ) & ;;
    jiram_l|jiram_m) train "$job" "experiment=release/$job" "trainer.max_steps=$STEPS_JIRAM" & ;;
  esac
done
wait
shopt -s nullglob
for run in "$WORK"/runs/*/; do
  skip=(--exclude='*.ckpt')  # a run stopped before its model.pt brings its last.ckpt instead
  [[ -f "$run/model.pt" ]] || skip=()
  tar -czf "$OUT/$(basename "$run").tgz" -C "$WORK/runs" "${skip[@]}" "$(basename "$run")"
done
tail -n 1 "$LOGS"/*.log
ls -la "$OUT"
