"""`track`: read the inputs, link, fit drift rates, build the oval series, score against a
truth when given, and write everything under `out` (inputs are only read)."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from jovis.tracking.drift import common_rate, track_rates, unwrap
from jovis.tracking.inputs import expand_inputs, read_frames
from jovis.tracking.link import LinkSettings, frames_span_days, link_tracks, rates_fitted
from jovis.tracking.observations import FrameObs, days_between
from jovis.tracking.outputs import write_all
from jovis.tracking.oval_series import oval_series
from jovis.tracking.perturb import Jitter, perturb


def track(inputs: list[str | Path], out: str | Path, link: dict | LinkSettings | None = None,
          jitter: dict | Jitter | None = None, truth: str | Path | None = None,
          match_km: float = 1000.0) -> dict[str, Any]:  # fmt: skip
    """Track the vortices and the oval of `inputs`; returns the summary (also summary.json)."""
    t_start = time.perf_counter()
    settings = link if isinstance(link, LinkSettings) else LinkSettings.from_dict(link)
    j = jitter if isinstance(jitter, Jitter) else Jitter.from_dict(jitter)
    out = Path(out).resolve()
    paths = expand_inputs(inputs)  # globs matched once, for this check and the reading
    for item in paths:
        if Path(item).resolve() == out:
            raise ValueError(f"track: out={out} is one of the inputs; inputs are only read, "
                             "give another out folder")  # fmt: skip
    skipped: list[dict[str, str]] = []  # inputs that could not be read, the others tracked
    frames = read_frames(paths, skipped)
    if not frames:
        raise ValueError(f"track: no frames in {list(map(str, inputs))}")
    if j.active:
        frames = perturb(frames, j)
    tracks, omega = link_tracks(frames, settings)
    points = track_points(frames, tracks)
    seen = [p for p in points if not p["bridged"]]  # drift fits use detections only
    fitted = rates_fitted(frames, settings)
    # a track seen within one pass (minutes to hours) gets no rate, even among frames that span
    # months (`rates_fitted`: its positions' errors, not its motion, would set it)
    long_enough = {tid for tid, days in _track_spans(seen).items()
                   if days >= settings.rate_min_span_days}  # fmt: skip
    spanning = [p for p in seen if p["id"] in long_enough]
    drift = [_drift_row(tid, [p for p in seen if p["id"] == tid], fitted and tid in long_enough)
             for tid in sorted({p["id"] for p in seen})]  # fmt: skip
    rate, err, used = math.nan, math.nan, 0
    if fitted:
        rate, err, used = polygon_fit(spanning, settings.polygon_colat)
    hemisphere = _hemisphere(frames)
    summary: dict[str, Any] = {
        "out": str(out), "frames": len(frames), "first_time": frames[0].time.isoformat(),
        "last_time": frames[-1].time.isoformat(), "hemisphere": hemisphere,
        "detections": sum(len(f.detections) for f in frames), "tracks": len(tracks),
        "unlocated_vortices": sum(f.unlocated for f in frames),
        "tracked_points": len(points), "bridged_points": len(points) - len(seen),
        "polygon_rate_deg_per_day": _round(rate),
        "polygon_rate_err": _round(err), "polygon_rate_deg_per_yr": _round(rate * 365.25),
        "polygon_tracks": used, "model_rate_deg_per_day": _round(omega),
        "rates_fitted": fitted, "skipped_inputs": skipped,
    }  # fmt: skip
    if fitted and seen and not long_enough:
        summary["rates_note"] = (
            f"no track spans link.rate_min_span_days = {settings.rate_min_span_days:g} d (each "
            "lies within one pass of frames minutes to hours apart, though the frames span "
            f"{frames_span_days(frames):.1f} d): no drift rate is fitted"
        )
    if not fitted:
        summary["rates_note"] = (
            f"the frames span {frames_span_days(frames) * 24:.2f} h, under link.rate_min_span_days "
            f"= {settings.rate_min_span_days:g} d: no drift rate is fitted (over so short a span "
            "the positions' errors, not the vortices' motion, would set it); linked with "
            "link.prior_drift_deg_per_day"
        )
    if truth:
        from jovis.tracking.truth import score_run

        scored = score_run(truth, points, [f.frame_id for f in frames], rate, match_km)
        summary["metrics"] = scored
        summary.update({
            "idf1": scored["all"]["idf1"], "idf1_circumpolar": scored["circumpolar"]["idf1"],
            "id_switches_polar": scored["polar"]["id_switches"],
            "fragmentations_polar": scored["polar"]["fragmentations"],
            "polygon_rate_rel_error": _round(scored.get("polygon_rate_rel_error")),
        })  # fmt: skip
    ovals = oval_series(frames)
    summary["oval_frames"] = len(ovals)
    summary["seconds"] = round(time.perf_counter() - t_start, 3)
    tracked = {(k, j) for tr in tracks for k, j in tr.points}
    untracked = [(d.lat, d.lon) for k, f in enumerate(frames) for j, d in enumerate(f.detections)
                 if (k, j) not in tracked]  # fmt: skip
    write_all(out, points, drift, ovals, summary, hemisphere, untracked)
    return summary


def track_points(frames: list[FrameObs], tracks) -> list[dict[str, Any]]:
    """One row per track per frame, in id then time order; a frame a track bridged has the
    motion model's position, ``bridged`` 1 and no uncertainty (no detection was there)."""
    t0 = frames[0].time
    rows = []
    for tr in tracks:
        mine = []
        for k, j in tr.points:
            d = frames[k].detections[j]
            mine.append((k, {"lat": d.lat, "lon": d.lon, "radius_km": d.radius_km,
                             "uncertainty_km": d.uncertainty_km, "bridged": 0}))  # fmt: skip
        radii = [r["radius_km"] for _, r in mine if r["radius_km"] is not None]
        size = float(np.median(radii)) if radii else None
        mine += [(k, {"lat": lat, "lon": lon, "radius_km": size, "uncertainty_km": None,
                      "bridged": 1}) for k, lat, lon in tr.bridged]  # fmt: skip
        for k, row in sorted(mine, key=lambda m: m[0]):
            f = frames[k]
            rows.append({"id": tr.id, "frame_id": f.frame_id, "time": f.time.isoformat(),
                         "day": round(days_between(t0, f.time), 6), **row})  # fmt: skip
    return rows


def _drift_row(tid: int, pts: list[dict[str, Any]], fitted: bool = True) -> dict[str, Any]:
    """The track's drift rates (`track_rates`); with `fitted` False (a sequence too short for
    rates, `rates_fitted`) its count, mean latitude and first longitude only, rates NaN."""
    a = np.array([[p["day"], p["lat"], p["lon"]] for p in pts])
    rates = track_rates(a[:, 0], a[:, 1], a[:, 2])
    if not fitted:
        rates.update(dict.fromkeys(
            ("lon_rate_deg_per_day", "lon_rate_err", "lat_rate_deg_per_day", "lat_rate_err"),
            math.nan))  # fmt: skip
    return {"id": tid, "first_time": pts[0]["time"], "last_time": pts[-1]["time"], **rates}


def _track_spans(points: list[dict[str, Any]]) -> dict[int, float]:
    """Each track's days from its first point to its last."""
    first: dict[int, float] = {}
    last: dict[int, float] = {}
    for p in points:
        first[p["id"]] = min(first.get(p["id"], p["day"]), p["day"])
        last[p["id"]] = max(last.get(p["id"], p["day"]), p["day"])
    return {tid: last[tid] - first[tid] for tid in first}


def polygon_fit(points, colat_range) -> tuple[float, float, int]:
    """The polygon's common westward rate from the tracks whose mean colatitude is in range."""
    series = []
    for tid in sorted({p["id"] for p in points}):
        a = np.array([[p["day"], p["lat"], p["lon"]] for p in points if p["id"] == tid])
        colat = 90.0 - abs(float(a[:, 1].mean()))
        if colat_range[0] <= colat <= colat_range[1]:
            series.append((a[:, 0], unwrap(a[:, 2])))
    return common_rate(series)


def _hemisphere(frames: list[FrameObs]) -> str:
    lats = [d.lat for f in frames for d in f.detections]
    lats += [f.oval["centre_lat"] for f in frames if f.oval and f.oval.get("centre_lat")]
    return "south" if lats and float(np.median(lats)) < 0 else "north"


def _round(v, digits: int = 6):
    return None if v is None or not math.isfinite(v) else round(float(v), digits)
