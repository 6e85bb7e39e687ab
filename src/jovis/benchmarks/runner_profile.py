"""Where an end-to-end runner pass spends its time: per-stage medians from its manifest, and the
seconds spent in each step of the main thread (the forward pass, waiting for a free writer) and
of the writer threads (mask, features, overlay, PNG and GeoJSON writes), summed over frames.

On a GPU the runner was measured 94 % idle end to end (README "GPU check"): the work that bounds
it is on the CPU, and this says which. Steps are timed by wrapping the functions the runner
calls (not by a profiler: Python 3.12's cProfile allows one active profiler per process, and the
writer threads run at once), so it costs a few microseconds a call.
"""

from __future__ import annotations

import importlib
import json
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

STAGES = ("read_s", "predict_s", "write_s")  # the manifest's per-frame seconds

# (module, attribute, step name): what the runner's threads call, where they look it up
TIMED_STEPS = (
    ("jovis.inference.predictor", "Predictor.predict", "main: forward pass and copy back"),
    ("jovis.inference.writing", "OutputWriter.submit", "main: hand-off (waits for a writer)"),
    ("jovis.inference.outputs", "frame_mask", "writer: mask (arg-max, oval course)"),
    ("jovis.inference.outputs", "extract_features", "writer: features"),
    ("jovis.inference.outputs", "oval_brightness", "writer: oval brightness"),
    ("jovis.inference.outputs", "render_overlay", "writer: overlay drawn"),
    ("jovis.inference.outputs", "write_png", "writer: overlay PNG written"),
    ("jovis.inference.outputs", "_write_pixels", "writer: mask PNG (+ probabilities) written"),
    ("jovis.inference.outputs", "features_to_geojson", "writer: GeoJSON built"),
    ("jovis.inference.outputs", "write_json", "writer: GeoJSON written"),
)


def stage_medians(run_dir: str | Path) -> dict[str, float | None]:
    """Median seconds per frame of reading, predicting (its batch's forward pass) and writing,
    over the ok rows of `run_dir`/manifest.jsonl."""
    lines = (Path(run_dir) / "manifest.jsonl").read_text().splitlines()
    ok = [row for row in map(json.loads, filter(str.strip, lines)) if row.get("status") == "ok"]
    medians: dict[str, float | None] = {}
    for key in STAGES:
        values = [float(r[key]) for r in ok if r.get(key) is not None]
        medians[key] = round(statistics.median(values), 4) if values else None
    return medians


def time_steps(run: Callable[[], Any]) -> tuple[Any, dict[str, dict[str, float]]]:
    """Run `run` (one `run_inference`) with every step of `TIMED_STEPS` timed in whichever
    thread calls it; returns its result and ``{step: {"calls", "seconds"}}``."""
    lock = threading.Lock()
    totals = {name: {"calls": 0, "seconds": 0.0} for *_, name in TIMED_STEPS}
    restore = []

    def timed(fn: Callable[..., Any], name: str) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent = time.perf_counter() - start
                with lock:
                    totals[name]["calls"] += 1
                    totals[name]["seconds"] += spent

        return wrapper

    try:
        for module_name, attribute, name in TIMED_STEPS:
            owner: Any = importlib.import_module(module_name)
            *path, leaf = attribute.split(".")
            for part in path:
                owner = getattr(owner, part)
            original = getattr(owner, leaf)
            restore.append((owner, leaf, original))
            setattr(owner, leaf, timed(original, name))
        result = run()
    finally:
        for owner, leaf, original in reversed(restore):
            setattr(owner, leaf, original)
    return result, {k: {"calls": v["calls"], "seconds": round(v["seconds"], 4)}
                    for k, v in totals.items()}  # fmt: skip
