"""Score a tracking run against a synthetic sequence's truth (`truth_tracks.csv`, and the
designed polygon drift in `sequence.json`)."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from jovis.times import parse_time
from jovis.tracking import metrics
from jovis.tracking.drift import track_rates

POLAR_ROLES = ("central", "circumpolar")


def read_truth(path: str | Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(truth rows, sequence.json or {}) from a sequence folder or a truth_tracks.csv."""
    path = Path(path)
    csv_path = path / "truth_tracks.csv" if path.is_dir() else path
    if not csv_path.is_file():
        raise FileNotFoundError(f"truth={path}: no truth_tracks.csv; give the folder that "
                                "`jovis synth sequence=...` wrote")  # fmt: skip
    with csv_path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    seq = csv_path.parent / "sequence.json"
    return rows, json.loads(seq.read_text(encoding="utf-8")) if seq.is_file() else {}


def _rates(points: list[tuple], day_of: dict[str, float]) -> dict[int, float]:
    out = {}
    for tid in {p[1] for p in points}:
        pts = sorted((day_of[p[0]], p[2], p[3]) for p in points if p[1] == tid)
        a = np.array(pts)
        out[tid] = track_rates(a[:, 0], a[:, 1], a[:, 2])["lon_rate_deg_per_day"]
    return out


def score_run(truth_path, points: list[dict], frame_order: list[str], polygon_rate: float,
              match_km: float) -> dict[str, Any]:  # fmt: skip
    """The metrics of a run's track points (dicts with id, frame_id, lat, lon)."""
    rows, seq = read_truth(truth_path)
    present = set(frame_order)
    truth = [(r["frame_id"], int(r["track_id"]), float(r["lat"]), float(r["lon"]))
             for r in rows if r["frame_id"] in present]  # fmt: skip
    if not truth:
        raise ValueError(f"truth={truth_path}: none of its frames are among the tracked ones")
    roles = {int(r["track_id"]): r["role"] for r in rows}
    pred = [(p["frame_id"], int(p["id"]), float(p["lat"]), float(p["lon"])) for p in points]
    times = {r["frame_id"]: parse_time(r["time"]) for r in rows}
    t0 = min(times[f] for f in present if f in times)
    day_of = {f: (t - t0).total_seconds() / 86400.0 for f, t in times.items()}
    day_of.update({p["frame_id"]: p["day"] for p in points})
    out: dict[str, Any] = {"all": _scored(truth, pred, frame_order, match_km, day_of)}
    for name, keep in (("circumpolar", ("circumpolar",)), ("polar", POLAR_ROLES)):
        ids = {t for t, r in roles.items() if r in keep}
        t_sub, p_sub = metrics.restrict(truth, pred, ids, match_km)
        out[name] = _scored(t_sub, p_sub, frame_order, match_km, day_of)
    true_rate = seq.get("drift_deg_per_day")
    out["polygon_rate_deg_per_day"] = polygon_rate
    out["true_polygon_rate_deg_per_day"] = true_rate
    if true_rate and math.isfinite(polygon_rate):
        out["polygon_rate_rel_error"] = abs(polygon_rate - true_rate) / abs(true_rate)
    return out


def _scored(truth, pred, order, match_km, day_of) -> dict[str, Any]:
    s = metrics.score(truth, pred, order, match_km)
    s.update(metrics.drift_errors(s["pairing"], _rates(truth, day_of), _rates(pred, day_of)))
    s["pairing"] = {str(k): v for k, v in s["pairing"].items()}
    return s
