#!/usr/bin/env bash
# One-call GPU check (issue 16): the gpu-marked tests, then benchmark suite=infer, train,
# synth (512²) and scaling on CUDA, each with a time limit; ≤ 9 minutes on one H100/H200.
# Training the release recipes on the device is scripts/gpu_train_timed.sh (make gpu-release).
#
#   bash scripts/gpu_check.sh [OUT]            # or: make gpu-check OUT=DIR
#   bash scripts/gpu_check.sh --cpu-dry-run [OUT]   # (or DEVICE=cpu) the same steps at tiny sizes
#
# Writes OUT/gpu_check.json (every step: status, seconds, its JSON line) and OUT/gpu_check.md (one
# table), plus OUT/logs/<step>.log and the benchmarks' own JSON under OUT/<step>/. Stops at the
# first failing step and still writes both files with what was measured (exit status 1); both
# are rewritten after every step, so a call cut off mid-check keeps the steps before.
# Wheels: a folder of .whl files ($WHEELS, else .whl/ or wheels/ in the checkout) is installed
# first, offline, into $SITE (default a new /tmp/jovis-site.* folder; scripts/use_wheels.sh),
# for a Python that lacks hydra-core, omegaconf, antlr4, astropy or pdr (README: "GPU check").
set -uo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEVICE="${DEVICE:-cuda}"
OUT_ARG=""
for arg in "$@"; do
  case "$arg" in
    --cpu-dry-run|--cpu) DEVICE=cpu ;;
    -h|--help) sed -n 2,16p "$0"; exit 0 ;;
    *) OUT_ARG="$arg" ;;
  esac
done
OUT="$(mkdir -p "${OUT_ARG:-${OUT:-outputs/gpu-check}}" && cd "${OUT_ARG:-${OUT:-outputs/gpu-check}}" && pwd)"
PY="${PYTHON:-python3}"
mkdir -p "$OUT/logs"
cd "$REPO" || exit 2

# shellcheck source=use_wheels.sh
source "$REPO/scripts/use_wheels.sh"
use_wheels "$OUT/logs/wheels.log" || exit 2
export PYTHONPATH="$REPO/src${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1

if [[ "$DEVICE" == cpu ]]; then  # dry run: every step, tiny sizes
  TESTS="${GPU_CHECK_TESTS:-tests/test_gpu.py}"
  INFER=(size=64 frames=2 tta_frames=1 batch_size=2 profile=true)
  TRAIN=(train.size=64 train.steps=1 train.warmup=1 train.batch_size=2 train.num_workers=0
         train.model=unet_mobilenet_v3_small)
  SYNTH=(synth.size=64 synth.frames=2 synth.batch_size=2 "synth.instruments=[uv]")
  SCALING=("scaling.sizes=[64,128]" "scaling.batch_sizes=[]" scaling.frames=1
           scaling.batch_at=64 scaling.tile_size=64 "scaling.train_sizes=[]")
  LIMIT=(300 300 300 300 300)
else
  TESTS="${GPU_CHECK_TESTS:-tests}"
  # the newest shipped uv detector: an untrained network's noise masks made the writers'
  # "features" step 156 ms a frame on the H200 (7 ms with uv-v5), so it timed the noise
  UV_CKPT=$(ls -d "$REPO"/src/jovis/released/uv-v*/ | sort -V | tail -n 1)model.pt
  INFER=(size=512 frames=128 profile=true "ckpt=$UV_CKPT")  # 512 ran past 90 s on an H200
  # (README); profile: which step of the runner bounds it
  TRAIN=(train.scene_workers=3)  # scene draws in loader processes; without them, earlier
  # leases' figures: bf16 + channels_last 55-86 frames/s, render share 73-79 %
  SYNTH=(synth.size=512 synth.frames=128 synth.batch_size=128)  # the renderer makes 75-111
  # frames/s at 512² on an H200 (2026-12-04): the default 32 batches of 256 per instrument ran
  # past the step's limit on every lease; 256 frames took 23 s, and each row now also times
  # its scene draw and the rendering of drawn scenes apart (as many frames again)
  SCALING=("scaling.batch_sizes=[1,16,32]" scaling.batch_size=8 scaling.frames=4
           "scaling.train_sizes=[256,512,1024]" scaling.train_steps=10 scaling.model=unet_resnet18)
  LIMIT=(120 90 90 60 120)   # seconds per step: 540 at most with env's 60
fi

# what the check imports; GPU_CHECK_IMPORTS narrows it for a machine that cannot take the
# readers' wheels (astropy, pdr: ~24 MB) within its carry limit, with GPU_CHECK_TESTS naming the
# gpu-marked test files (collecting all of tests/ imports the readers' tests)
ENV_IMPORTS="${GPU_CHECK_IMPORTS:-jovis, hydra, omegaconf, astropy, pdr, onnxruntime}"
ENV_PY='import json, platform, torch
d = {"python": platform.python_version(), "torch": torch.__version__,
     "cuda": torch.version.cuda, "cuda_available": torch.cuda.is_available(),
     "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None}
import '"$ENV_IMPORTS"'
print(json.dumps(d))'
BENCH=("$PY" -m jovis benchmark device="$DEVICE")
STEPS=(env gpu_tests infer train synth scaling)
printf '%s\n' "${STEPS[@]}" > "$OUT/steps.planned"
step_cmd() {  # sets CMD to the command of step $1
  case "$1" in
    env) CMD=("$PY" -c "$ENV_PY") ;;
    gpu_tests) read -ra tests <<< "$TESTS"
               CMD=("$PY" -m pytest -q -x -m gpu -p no:randomly -p no:cacheprovider "${tests[@]}") ;;
    infer) CMD=("${BENCH[@]}" suite=infer out="$OUT/infer" "${INFER[@]}") ;;
    train) CMD=("${BENCH[@]}" suite=train out="$OUT/train" "${TRAIN[@]}") ;;
    synth) CMD=("${BENCH[@]}" suite=synth out="$OUT/synth" "${SYNTH[@]}") ;;
    scaling) CMD=("${BENCH[@]}" suite=scaling out="$OUT/scaling" "${SCALING[@]}") ;;
  esac
}

STATUS=0
: > "$OUT/steps.tsv"
for i in "${!STEPS[@]}"; do
  step="${STEPS[$i]}"
  limit=60
  (( i > 0 )) && limit="${LIMIT[$((i - 1))]}"
  step_cmd "$step"
  echo "== $step (limit ${limit}s)"
  start="$EPOCHREALTIME"
  timeout --kill-after=10 "$limit" "${CMD[@]}" > "$OUT/logs/$step.log" 2>&1
  rc=$?
  printf '%s\t%s\t%s\t%s\t%s\n' "$step" "$rc" "$start" "$EPOCHREALTIME" "$limit" >> "$OUT/steps.tsv"
  tail -n 2 "$OUT/logs/$step.log"
  # the report so far, after every step: a device call cut off at its limit brings back only
  # what is under OUT by then (the lease of 2026-12-04 lost every step's figures that way)
  "$PY" "$REPO/scripts/gpu_check_report.py" "$OUT" "$DEVICE" > /dev/null
  if (( rc != 0 )); then
    echo "!! $step failed (exit $rc; 124 = over its ${limit}s limit): see $OUT/logs/$step.log"
    STATUS=1
    break
  fi
done
"$PY" "$REPO/scripts/gpu_check_report.py" "$OUT" "$DEVICE" || STATUS=1
echo "gpu check: $OUT/gpu_check.json and $OUT/gpu_check.md"
exit "$STATUS"
