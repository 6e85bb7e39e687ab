#!/usr/bin/env bash
# Train the release recipes on a GPU, side by side, within one device lease (issues 13/14).
#
#   OUT=DIR BUDGET=480 bash scripts/gpu_train_timed.sh   # or: make gpu-release OUT=DIR
#   DEVICE=cpu bash scripts/gpu_train_timed.sh           # the CPU dry run (64 px, 2 steps a run)
#
# The synthetic stream renders on the training device from one Python process per run, so one
# run leaves the GPU mostly idle (README "GPU check": end to end is CPU-bound); the runs of JOBS
# share it. Each run's step count is set from its measured rate (steps/s with three runs
# sharing one H200) so that its cosine schedule ends inside BUDGET seconds, or given:
#   JOBS="jiram_m uv_s2" (default, the next lease's plan; any of these, each a run side by side)
#   uv, uv_s<k>    release/uv on uv-v4's generator (ovals as wide as the real ones), at the
#                  recipe's seed or seed k (STEPS_UV, RATE_UV 3.3)
#   vis            release/visible_rgb in v6's two stages (colourless cyclones, then v5's
#                  generator from it; 80 % / 20 % of the steps), seed 1 (STEPS_VIS, RATE_VIS 2.8)
#   jiram_l, jiram_m, jiram_l_s<k>, jiram_m_s<k>   their release recipes (STEPS_JIRAM,
#                  RATE_JIRAM 3.6; STEPS_JIRAM_M, RATE_JIRAM_M 2.0: its full augmentation is slower)
# All at batch BATCH (16), each run's scenes drawn by SCENE_WORKERS (3; dry run 1) loader
# processes (data.scene_workers); ARGS="..." adds overrides to every run. A failed run does not stop
# the others (exit status 1 after all). Each run's folder (model.pt, config.yaml, logs; a run
# stopped at DEADLINE brings its checkpoints/last.ckpt instead (not best.ckpt: both together
# passed the device's 16 MiB a file on the 2026-12-04 lease), to resume anywhere:
# scripts/train.py resume=<run>/checkpoints/last.ckpt) comes back as OUT/<run>.tgz, the logs
# as logs.tgz, and OUT/jobs.tsv lists each job's exit status, seconds and last JSON line.
# Then, on any machine: python scripts/release.py run=<run folder> name=<name>
set -uo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$(mkdir -p "${OUT:-outputs/gpu-train}" && cd "${OUT:-outputs/gpu-train}" && pwd)"
DEVICE="${DEVICE:-cuda}"
BUDGET="${BUDGET:-420}"        # training seconds per run (both visible stages together)
# the device runs one call for at most CALL_LIMIT seconds and brings back only what is under
# OUT by then: every run is stopped at DEADLINE (seconds from the start), early enough to
# archive the runs (ARCHIVE_S) inside the call
CALL_LIMIT="${CALL_LIMIT:-600}" ARCHIVE_S="${ARCHIVE_S:-45}"
LATEST=$((CALL_LIMIT - ARCHIVE_S))
DEADLINE="${DEADLINE:-$(( BUDGET + 120 < LATEST ? BUDGET + 120 : LATEST ))}"
if (( DEADLINE > LATEST )); then
  echo "DEADLINE=${DEADLINE}s leaves no time to archive the runs within CALL_LIMIT=${CALL_LIMIT}s"
  exit 2
fi
PY="${PYTHON:-python3}"
cd "$REPO" || exit 2
WORK="${WORK:-$(mktemp -d /tmp/gpu-train.XXXXXX)}"  # the runs; OUT gets one .tgz of each
LOGS=$WORK/logs  # under OUT only as logs.tgz: OUT brings back 8 files at most
mkdir -p "$LOGS"
trap 'tar -czf "$OUT/logs.tgz" -C "$WORK" logs' EXIT

JOBS="${JOBS:-jiram_m uv_s2}"
for job in $JOBS; do  # every job known before any trains
  [[ "$job" =~ ^(uv|vis|jiram_l|jiram_m)(_s[0-9]+)?$ && "$job" != vis_s* ]] \
    || { echo "unknown job $job (JOBS: uv[_s<k>], vis, jiram_l[_s<k>], jiram_m[_s<k>])"; exit 2; }
done
# shellcheck source=use_wheels.sh
source "$REPO/scripts/use_wheels.sh"
use_wheels "$LOGS/wheels.log" || exit 2
export PYTHONPATH="$REPO/src${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 OMP_NUM_THREADS="${OMP_NUM_THREADS:-4}"

TRAINER=(trainer=gpu)
SIZE_ARGS=()
BATCH_DEFAULT=16
SCENE_DEFAULT=3  # scene draws off the training process (2-4 ms a frame of plain Python, which
# no GPU speeds up); not yet measured there
if [[ "$DEVICE" == cpu ]]; then  # the dry run: tiny frames, a few steps, unless given
  TRAINER=(trainer=cpu)
  SIZE_ARGS=("data.size=${SIZE:-64}" data.val_frames=2 trainer.log_every_n_steps=1)
  BATCH_DEFAULT=2
  SCENE_DEFAULT=1
  STEPS_UV="${STEPS_UV:-2}" STEPS_VIS="${STEPS_VIS:-5}" STEPS_JIRAM="${STEPS_JIRAM:-2}"
  STEPS_JIRAM_M="${STEPS_JIRAM_M:-$STEPS_JIRAM}"
fi
BATCH="${BATCH:-$BATCH_DEFAULT}"
read -ra EXTRA <<< "${ARGS:-}"
COMMON=("${TRAINER[@]}" "device=$DEVICE" trainer.progress=false "data.batch_size=$BATCH"
        "data.scene_workers=${SCENE_WORKERS:-$SCENE_DEFAULT}"
        checkpoint.every_n_steps=250 "${SIZE_ARGS[@]}" "out=$WORK/runs")
UV=(experiment=release/uv '+data.params.oval_fwhm_range=[0.57,0.96]')
VIS1=(experiment=release/visible_rgb seed=1 '+data.params.junocam_cyclone_redden=[0.0,0.3]'
      +data.params.junocam_vortex_arm_gain=0.5)
VIS2=(experiment=release/visible_rgb seed=1)

# steps per second of each recipe at batch 16 with three runs sharing one H200 (leases of
# 2026-12-04: 900 uv steps in 256-259 s, 624 visible steps in 216 s; jiram_l 1324 steps in
# 365 s, while jiram_m, with the full augmentation, had not ended 1324 steps at the 555-s
# DEADLINE: its 2.0 is an upper bound's guess); timing the first steps instead reads 3x too slow
# (CUDA start-up and warm-up), so the rates are given. uv's 3.3 predates release/uv's
# data.supersample=4 (2026-12-05: 16x the pixels rendered per frame; on 2 CPU cores a step went
# 0.9 -> 5.9 s): not yet measured on a GPU, so give RATE_UV from a first lease's timing
RATE_UV="${RATE_UV:-3.3}" RATE_VIS="${RATE_VIS:-2.8}" RATE_JIRAM="${RATE_JIRAM:-3.6}"
RATE_JIRAM_M="${RATE_JIRAM_M:-2.0}"
steps_for() {  # steps_for RATE: the steps that fit BUDGET at RATE steps/s
  "$PY" -c "print(max(2, int($1 * $BUDGET * 0.92)))"
}
STEPS_UV="${STEPS_UV:-$(steps_for "$RATE_UV")}"
STEPS_VIS="${STEPS_VIS:-$(steps_for "$RATE_VIS")}"
STEPS_JIRAM="${STEPS_JIRAM:-$(steps_for "$RATE_JIRAM")}"
STEPS_JIRAM_M="${STEPS_JIRAM_M:-$(steps_for "$RATE_JIRAM_M")}"
STEPS_VIS1=$((STEPS_VIS * 4 / 5)) STEPS_VIS2=$((STEPS_VIS / 5))
echo "jobs: $JOBS; steps: uv $STEPS_UV, visible $STEPS_VIS1 + $STEPS_VIS2, jiram_l $STEPS_JIRAM," \
  "jiram_m $STEPS_JIRAM_M;" \
  "stopped at ${DEADLINE}s" | tee "$LOGS/plan.txt"
(( BUDGET + 30 > DEADLINE )) && echo "warning: BUDGET=${BUDGET}s and the runs' start-up may not" \
  "fit before DEADLINE=${DEADLINE}s: the runs would stop before their schedules end"

train() {  # train NAME ARGS...: one run, stopped at DEADLINE; its log is LOGS/NAME.log
  local name="$1" left=$((DEADLINE - SECONDS))
  shift
  if (( left <= 0 )); then  # `timeout 0` would not stop it at all
    echo "not started: past DEADLINE (${DEADLINE}s)" > "$LOGS/$name.log"
    return 124
  fi
  timeout --kill-after=10 "$left" "$PY" scripts/train.py "$@" "${COMMON[@]}" \
    "name=gpu_$name" "${EXTRA[@]}" > "$LOGS/$name.log" 2>&1
}
seed_of() {  # seed_of JOB: "seed=k" for a job named <recipe>_s<k>, nothing otherwise
  [[ "$1" =~ _s([0-9]+)$ ]] && echo "seed=${BASH_REMATCH[1]}"
}
job() {  # job NAME: the job's run(s); the exit status of its (last) run
  local seed
  seed=$(seed_of "$1")
  case "$1" in
    uv*) train "$1" "${UV[@]}" $seed "trainer.max_steps=$STEPS_UV" ;;
    vis)
      train vis_stage1 "${VIS1[@]}" "trainer.max_steps=$STEPS_VIS1" || return
      local stage1
      stage1=$(ls -d "$WORK"/runs/gpu_vis_stage1-*/ | head -1)
      train vis_stage2 "${VIS2[@]}" "init=${stage1}model.pt" "trainer.max_steps=$STEPS_VIS2" ;;
    jiram_l*) train "$1" experiment=release/jiram_l $seed "trainer.max_steps=$STEPS_JIRAM" ;;
    jiram_m*) train "$1" experiment=release/jiram_m $seed "trainer.max_steps=$STEPS_JIRAM_M" ;;
  esac
}
echo "== training (all stopped at ${DEADLINE}s from the start)"
declare -A PID
for name in $JOBS; do
  job "$name" &
  PID[$name]=$!
done
STATUS=0
: > "$OUT/jobs.tsv"
for name in $JOBS; do
  wait "${PID[$name]}"
  rc=$?
  (( rc == 0 )) || { STATUS=1; echo "!! $name failed (exit $rc; 124 = stopped at DEADLINE)"; }
  log="$LOGS/$name.log"
  [[ "$name" == vis ]] && { log="$LOGS/vis_stage2.log"; [[ -f $log ]] || log="$LOGS/vis_stage1.log"; }
  result=$(grep '^{' "$log" 2>/dev/null | tail -n 1)
  printf '%s\t%s\t%s\t%s\n' "$name" "$rc" "$SECONDS" "${result:-}" >> "$OUT/jobs.tsv"
done
shopt -s nullglob
for run in "$WORK"/runs/*/; do
  skip=(--exclude='*.ckpt')  # a run stopped before its model.pt brings its last.ckpt instead
  [[ -f "$run/model.pt" ]] || skip=(--exclude='best.ckpt')
  tar -czf "$OUT/$(basename "$run").tgz" -C "$WORK/runs" "${skip[@]}" "$(basename "$run")"
done
tail -n 1 "$LOGS"/*.log
cut -f 1-3 "$OUT/jobs.tsv"
exit "$STATUS"
