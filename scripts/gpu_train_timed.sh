#!/usr/bin/env bash
# Train GPU-sized release candidates side by side within one device lease (issue 13/14).
#
#   OUT=DIR BUDGET=420 bash scripts/gpu_train_timed.sh          # on the device (device=cuda)
#   DEVICE=cpu BUDGET=20 SIZE=64 bash scripts/gpu_train_timed.sh  # the CPU dry run
#
# The synthetic stream renders on the training device from one Python process per run, so one
# run leaves the GPU mostly idle (README "GPU check": end to end is CPU-bound); three runs share
# it. Each recipe is first timed for CAL_STEPS steps (all three at once, as they will run), and
# its step count is set from that rate so that its cosine schedule ends inside BUDGET seconds:
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
CAL_STEPS="${CAL_STEPS:-30}"
DEADLINE="${DEADLINE:-$((BUDGET + 120))}"  # seconds from start: every run is stopped by then
BATCH="${BATCH:-16}"
PY="${PYTHON:-python3}"
cd "$REPO" || exit 2
LOGS=/tmp/gpu-train/logs  # under OUT only as logs.tgz: OUT brings back 8 files at most
rm -rf /tmp/gpu-train && mkdir -p "$LOGS"
trap 'tar -czf "$OUT/logs.tgz" -C /tmp/gpu-train logs' EXIT
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

train() {  # train NAME LOG ARGS...: one run; its JSON line goes to LOG
  local name="$1" log="$2"
  shift 2
  "$PY" scripts/train.py "$@" "${COMMON[@]}" "name=$name" > "$log" 2>&1
}
rate_of() {  # steps per second of a calibration log (its train_seconds), 0 if it failed
  "$PY" - "$1" "$CAL_STEPS" <<'PY'
import json, sys
lines = [l for l in open(sys.argv[1]) if l.startswith("{")]
secs = json.loads(lines[-1])["train_seconds"] if lines else 0
print(int(sys.argv[2]) / secs if secs else 0)
PY
}

if [[ -n "${STEPS_UV:-}" && -n "${STEPS_VIS:-}" ]]; then  # rates known from an earlier lease
  RATE_UV=given RATE_VIS=given STEPS_VIS1=$((STEPS_VIS * 4 / 5)) STEPS_VIS2=$((STEPS_VIS / 5))
else
  echo "== calibration: $CAL_STEPS steps of each recipe at once"
  CAL=(out=/tmp/gpu-train/cal "trainer.max_steps=$CAL_STEPS" "optim.warmup_steps=5")
  train cal_uv "$LOGS/cal_uv.log" "${UV[@]}" "${CAL[@]}" &
  train cal_uv1 "$LOGS/cal_uv1.log" "${UV[@]}" seed=1 "${CAL[@]}" &
  train cal_vis "$LOGS/cal_vis.log" "${VIS1[@]}" "${CAL[@]}" &
  wait
  RATE_UV=$(rate_of "$LOGS/cal_uv.log")
  RATE_VIS=$(rate_of "$LOGS/cal_vis.log")
  read -r STEPS_UV STEPS_VIS1 STEPS_VIS2 < <("$PY" -c "
b = $BUDGET * 0.92
u, v = int($RATE_UV * b), int($RATE_VIS * b)
print(max(u, 20), max(int(0.8 * v), 16), max(int(0.2 * v), 4))")
fi
echo "rates (steps/s): uv $RATE_UV, visible $RATE_VIS -> steps: uv $STEPS_UV, visible $STEPS_VIS1 + $STEPS_VIS2" \
  | tee "$LOGS/plan.txt"

MAIN=(out=/tmp/gpu-train/runs checkpoint.every_n_steps=250)
echo "== training (all stopped at ${DEADLINE}s from the start; a run stopped keeps no model.pt)"
timeout $((DEADLINE - SECONDS)) "$PY" scripts/train.py "${UV[@]}" seed=0 "${COMMON[@]}" name=gpu_uv_s0 \
  "${MAIN[@]}" "trainer.max_steps=$STEPS_UV" > "$LOGS/uv_s0.log" 2>&1 &
timeout $((DEADLINE - SECONDS)) "$PY" scripts/train.py "${UV[@]}" seed=1 "${COMMON[@]}" name=gpu_uv_s1 \
  "${MAIN[@]}" "trainer.max_steps=$STEPS_UV" > "$LOGS/uv_s1.log" 2>&1 &
(
  timeout $((DEADLINE - SECONDS)) "$PY" scripts/train.py "${VIS1[@]}" "${COMMON[@]}" name=gpu_vis_stage1 \
    "${MAIN[@]}" "trainer.max_steps=$STEPS_VIS1" > "$LOGS/vis_stage1.log" 2>&1 || exit 1
  stage1=$(ls -d /tmp/gpu-train/runs/gpu_vis_stage1-*/ | head -1)
  timeout $((DEADLINE - SECONDS)) "$PY" scripts/train.py "${VIS2[@]}" "${COMMON[@]}" name=gpu_vis_stage2 \
    "${MAIN[@]}" "init=${stage1}model.pt" "trainer.max_steps=$STEPS_VIS2" \
    > "$LOGS/vis_stage2.log" 2>&1
) &
wait
for run in /tmp/gpu-train/runs/*/; do
  skip=(--exclude='*.ckpt')  # a run stopped before its model.pt brings its last.ckpt instead
  [[ -f "$run/model.pt" ]] || skip=()
  tar -czf "$OUT/$(basename "$run").tgz" -C /tmp/gpu-train/runs "${skip[@]}" "$(basename "$run")"
done
tail -n 1 "$LOGS"/*.log
ls -la "$OUT"
