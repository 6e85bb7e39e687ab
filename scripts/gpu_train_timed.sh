#!/usr/bin/env bash
# Train GPU-sized release candidates side by side within one device lease (issue 13/14).
#
#   OUT=DIR BUDGET=420 bash scripts/gpu_train_timed.sh          # on the device (device=cuda)
#   DEVICE=cpu BUDGET=20 SIZE=64 bash scripts/gpu_train_timed.sh  # the CPU dry run
#
# The synthetic stream renders on the training device from one Python process per run, so one
# run leaves the GPU mostly idle (README "GPU check": end to end is CPU-bound); three runs share
# it. Each run's step count (STEPS_UV, STEPS_VIS: both visible stages) is set from its measured
# rate (RATE_UV, RATE_VIS, steps/s) so that its cosine schedule ends inside BUDGET seconds:
#   uv_s0, uv_s1   release/uv from scratch on uv-v4's generator (ovals as wide as the real
#                  ones), seeds 0 and 1, batch 16
#   vis            release/visible_rgb in v6's two stages (colourless cyclones, then v5's
#                  generator from it; 80 % / 20 % of the steps), seed 1, batch 16
# Each run's folder (model.pt, config.yaml, logs; not last.ckpt) comes back as OUT/<run>.tgz.
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
if compgen -G "$REPO/.whl/*.whl" > /dev/null; then
  "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/jovis-site "$REPO"/.whl/*.whl > "$LOGS/wheels.log" 2>&1 || exit 2
  export PYTHONPATH="/tmp/jovis-site${PYTHONPATH:+:$PYTHONPATH}"
fi
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

# steps per second of each recipe at batch 16 with the three runs sharing one H200 (lease of
# 2026-12-04: 900 uv steps in 256-259 s, 624 visible steps in 216 s); timing the first steps
# instead reads 3x too slow (CUDA start-up and warm-up), so the rates are given
RATE_UV="${RATE_UV:-3.3}" RATE_VIS="${RATE_VIS:-2.8}"
if [[ -z "${STEPS_UV:-}" || -z "${STEPS_VIS:-}" ]]; then  # from the rates and BUDGET
  read -r STEPS_UV STEPS_VIS < <("$PY" -c "print(int($RATE_UV * $BUDGET * 0.92), int($RATE_VIS * $BUDGET * 0.92))")
fi
STEPS_VIS1=$((STEPS_VIS * 4 / 5)) STEPS_VIS2=$((STEPS_VIS / 5))
echo "steps/s: uv $RATE_UV, visible $RATE_VIS -> steps: uv $STEPS_UV, visible $STEPS_VIS1 + $STEPS_VIS2" \
  | tee "$LOGS/plan.txt"

MAIN=("out=$WORK/runs" checkpoint.every_n_steps=250)
echo "== training (all stopped at ${DEADLINE}s from the start; a run stopped keeps no model.pt)"
timeout $((DEADLINE - SECONDS)) "$PY" scripts/train.py "${UV[@]}" seed=0 "${COMMON[@]}" name=gpu_uv_s0 \
  "${MAIN[@]}" "trainer.max_steps=$STEPS_UV" > "$LOGS/uv_s0.log" 2>&1 &
timeout $((DEADLINE - SECONDS)) "$PY" scripts/train.py "${UV[@]}" seed=1 "${COMMON[@]}" name=gpu_uv_s1 \
  "${MAIN[@]}" "trainer.max_steps=$STEPS_UV" > "$LOGS/uv_s1.log" 2>&1 &
(
  timeout $((DEADLINE - SECONDS)) "$PY" scripts/train.py "${VIS1[@]}" "${COMMON[@]}" name=gpu_vis_stage1 \
    "${MAIN[@]}" "trainer.max_steps=$STEPS_VIS1" > "$LOGS/vis_stage1.log" 2>&1 || exit 1
  stage1=$(ls -d "$WORK"/runs/gpu_vis_stage1-*/ | head -1)
  timeout $((DEADLINE - SECONDS)) "$PY" scripts/train.py "${VIS2[@]}" "${COMMON[@]}" name=gpu_vis_stage2 \
    "${MAIN[@]}" "init=${stage1}model.pt" "trainer.max_steps=$STEPS_VIS2" \
    > "$LOGS/vis_stage2.log" 2>&1
) &
wait
for run in "$WORK"/runs/*/; do
  skip=(--exclude='*.ckpt')  # a run stopped before its model.pt brings its last.ckpt instead
  [[ -f "$run/model.pt" ]] || skip=()
  tar -czf "$OUT/$(basename "$run").tgz" -C "$WORK/runs" "${skip[@]}" "$(basename "$run")"
done
tail -n 1 "$LOGS"/*.log
ls -la "$OUT"
