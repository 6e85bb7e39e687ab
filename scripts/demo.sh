#!/usr/bin/env bash
# The `make demo` job: render held-out synthetic JIRAM L+M frames, train on the synthetic stream,
# score the model on the held-out frames, and run batch inference on them (overlays, catalogue).
set -euo pipefail
OUT=${1:-outputs/demo}
PY=${PY:-.venv/bin/python}
rm -rf "$OUT"
mkdir -p "$OUT"
last_json() { tail -n 1 "$1" | "$PY" -c "import json,sys; print(json.load(sys.stdin)[\"$2\"])"; }

echo "== 1/4 held-out synthetic frames (seeds 20000000+, never used in training)"
"$PY" scripts/synth.py out="$OUT/heldout" n=24 size=128 seed=20000000 split=test | tee "$OUT/synth.log"

echo "== 2/4 training (experiment=demo, CPU-sized)"
"$PY" scripts/train.py experiment=demo out="$OUT/train" | tee "$OUT/train.log"
CKPT=$(last_json "$OUT/train.log" checkpoint)

echo "== 3/4 evaluation on the held-out frames"
"$PY" scripts/evaluate.py ckpt="$CKPT" data="$OUT/heldout" out="$OUT/eval" | tee "$OUT/eval.log"

echo "== 4/4 batch inference: masks, overlays, GeoJSON, catalogue"
"$PY" scripts/infer.py ckpt="$CKPT" input="$OUT/heldout" out="$OUT/infer" | tee "$OUT/infer.log"

echo
echo "checkpoint: $CKPT"
echo "metrics:    $OUT/eval/metrics.json"
echo "overlays:   $OUT/infer/overlays/"
echo "everything: $(cd "$OUT" && pwd)"
tail -n 1 "$OUT/eval.log"
