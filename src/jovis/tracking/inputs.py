"""Read what the tracker links: inference output folders, catalogue CSVs, GeoJSON files and
labelled frame sets (a synthetic sequence's truth catalogues), as `FrameObs` in time order.

- an inference output folder (``manifest.jsonl`` + ``catalog.csv``): every ok frame of the
  manifest, its vortex rows (lat/lon) and oval row from the catalogue; the time from the
  manifest's ``time`` column, else the frame set that the source image came from, else the source
  file's own metadata (`jovis.times`);
- a labelled frame set (``manifest.jsonl`` with ``features``): the truth vortices (``lat``,
  ``lon``, ``radius_km``, ``track_id``) and oval polyline of each frame, time from ``time``;
- a catalogue CSV (`jovis.catalog.CATALOG_COLUMNS`, its ``time`` column filled: infer writes it
  from each frame's time);
- a GeoJSON FeatureCollection per frame (what ``infer`` writes, with a ``time`` property).
"""

from __future__ import annotations

import glob
import json
import logging
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from jovis.inference.manifest import TORN_LINE_FIX, detector_folders
from jovis.io.csv_file import read_csv_rows
from jovis.io.json_file import load_json, read_jsonl
from jovis.times import TIME_FORMS, parse_time, time_of_file
from jovis.tracking.observations import Detection, FrameObs

log = logging.getLogger(__name__)
POLAR_R_KM = 66854.0


def expand_inputs(inputs: list[str | Path]) -> list[Path]:
    """`inputs` with each glob (``run/features/*.geojson``) replaced by the files it matches;
    a pattern that matches nothing is named. A path that exists is itself, whatever its name
    holds (``frame[1].geojson``), so expanding expanded inputs changes nothing."""
    paths: list[Path] = []
    for item in inputs:
        if not Path(item).exists() and any(ch in str(item) for ch in "*?["):
            matched = sorted(glob.glob(str(item)))
            if not matched:
                raise FileNotFoundError(f"track input {item}: the pattern matches no file")
            paths += [Path(m) for m in matched]
        else:
            paths.append(Path(item))
    return paths


def read_frames(
    inputs: list[str | Path], skipped: list[dict[str, str]] | None = None
) -> list[FrameObs]:
    """Every input's frames, sorted by time. A GeoJSON that cannot be read, and a frame
    without a time, are left out and recorded in `skipped` (``source``, ``reason``: the fix)
    while the others are tracked; one alone, or frames none of which has a time, fail."""
    frames: list[FrameObs] = []
    paths = expand_inputs(inputs)
    for path in paths:
        if path.is_dir():
            frames += _folder(path, skipped)
        elif path.suffix.lower() == ".csv":
            frames += _catalog_csv(path, {}, str(path), skipped=skipped)
        elif path.suffix.lower() in (".geojson", ".json"):
            frames += _geojson_files([path], skipped if len(paths) > 1 else None)
        else:
            raise ValueError(f"track input {path}: not a folder, .csv or .geojson; give an infer "
                             "output folder, a catalogue CSV or a frame's GeoJSON")  # fmt: skip
    ids = [f.frame_id for f in frames]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise ValueError(f"track: frame ids {dup[:5]} appear in more than one input; give each "
                         "frame once")  # fmt: skip
    return sorted(one_per_time(frames, skipped), key=lambda f: f.time)


def one_per_time(frames: list[FrameObs],
                 skipped: list[dict[str, str]] | None = None) -> list[FrameObs]:  # fmt: skip
    """One frame per observation time. Frames with the same time are products of one exposure
    (a JunoCam composite and its per-filter set, which `infer input='PJ44/*'` both predicts):
    tracked as two frames, each vortex became two points at one time and a track through both
    was bridged across a zero-length gap. Of each such group the frame with the most located
    vortices is tracked (ties: the first by id), with the oval row of the first that has one (a
    product seen by an aurora detector beside one seen by a vortex detector); the others are
    recorded in `skipped` and logged."""
    by_time: dict[Any, list[FrameObs]] = defaultdict(list)
    for frame in frames:
        by_time[frame.time].append(frame)
    kept = []
    for group in by_time.values():
        group = sorted(group, key=lambda f: (-len(f.detections), f.frame_id))
        keep = group[0]
        if keep.oval is None:
            keep.oval = next((f.oval for f in group if f.oval is not None), None)
        for other in group[1:]:
            reason = (f"frame {other.frame_id!r} has the observation time of {keep.frame_id!r} "
                      f"({keep.time.isoformat()}): one product of an exposure is tracked, the "
                      f"one with the most located vortices ({len(keep.detections)} against "
                      f"{len(other.detections)})")  # fmt: skip
            log.warning("track: %s", reason)
            if skipped is not None:
                skipped.append({"source": other.source or other.frame_id, "reason": reason})
        kept.append(keep)
    return kept


def _geojson_files(paths: list[Path], skipped: list[dict[str, str]] | None) -> list[FrameObs]:
    """The frames of per-frame GeoJSONs; with `skipped`, one that cannot be read is recorded
    there instead of stopping the others."""
    frames, timeless = [], []
    for path in paths:
        try:
            collection = load_json(path)
        except (OSError, ValueError) as err:
            if skipped is None:
                raise ValueError(f"track input {path}: not a readable GeoJSON ({err})") from err
            log.warning("track: %s left out: not a readable GeoJSON (%s)", path, err)
            skipped.append({"source": str(path), "reason": f"not a readable GeoJSON ({err})"})
            continue
        try:
            frames.append(_geojson(path, collection))
        except NoTimeError as err:
            timeless.append((str(path), err))
    _leave_out(timeless, frames, skipped)
    return frames


def _folder(root: Path, skipped: list[dict[str, str]] | None = None) -> list[FrameObs]:
    man = root / "manifest.jsonl"
    if not man.is_file():
        # infer model=auto writes one output folder per picked detector: out/<release>/
        picks = detector_folders(root)
        if len(picks) == 1:
            return _folder(picks[0], skipped)
        if picks:
            raise ValueError(
                f"track input {root}: an infer model=auto output with {len(picks)} detectors' "
                f"folders ({', '.join(p.name for p in picks)}); the tracker links one "
                f"detector's frames: give input={picks[0]} (or another of them)"
            )
        geojsons = sorted(root.glob("*.geojson"))
        if geojsons:  # an infer run's features/ folder, or a folder of per-frame GeoJSONs
            return _geojson_files(geojsons, skipped if len(geojsons) > 1 else None)
        raise FileNotFoundError(
            f"{man} not found: give an infer output folder, a frame set or a folder of "
            "per-frame GeoJSONs"
        )
    rows = read_jsonl(man, TORN_LINE_FIX if (root / "catalog.csv").is_file() else "")
    if (root / "catalog.csv").is_file():
        ok = {r["id"]: r for r in rows if r.get("status", "ok") == "ok"}
        times = {fid: _infer_time(r) for fid, r in ok.items()}
        return _catalog_csv(root / "catalog.csv", times, str(root), keep=list(ok),
                            skipped=skipped)  # fmt: skip
    if rows and all("features" in r for r in rows):
        return [_truth_frame(root, r) for r in rows]
    raise ValueError(f"{root}: has neither catalog.csv (an infer output) nor features/ rows (a "
                     "labelled frame set); run jovis infer first")  # fmt: skip


def _infer_time(row: dict[str, Any]):
    """A row of infer's manifest: its ``time``, the source frame set's, or the file's."""
    t = parse_time(row.get("time"))
    if t is not None:
        return t
    src = Path(str(row.get("source", "")))
    frame_set = src.parent.parent / "manifest.jsonl"
    if frame_set.is_file():
        for r in read_jsonl(frame_set):
            if (frame_set.parent / str(r.get("image", ""))) == src and r.get("time"):
                return parse_time(r["time"])
    return time_of_file(src) if src.is_file() else None


class NoTimeError(ValueError):
    """A frame the tracker cannot place in time."""


def _need_time(t, frame_id: str, where: str, given: Any = None):
    """`t`, else NoTimeError: saying that the `given` time text is not one jovis reads (it said
    "no observation time" of a table whose time column held a date it could not read)."""
    if t is None and given not in (None, ""):
        raise NoTimeError(f"{where}: frame {frame_id!r}: its time {given!r} is not one jovis "
                          f"reads; write {TIME_FORMS}")  # fmt: skip
    if t is None:
        raise NoTimeError(f"{where}: frame {frame_id!r} has no observation time; add a 'time' "
                          "column (ISO 8601) to the manifest or catalogue, or keep the source "
                          "file (FITS DATE-OBS/UDATE, JunoCam/PDS3 START_TIME) where the "
                          "manifest says")  # fmt: skip
    return t


def _catalog_csv(path: Path, times: dict, where: str, keep: list[str] | None = None,
                 skipped: list[dict[str, str]] | None = None):  # fmt: skip
    columns, table = read_csv_rows(path)
    if "frame_id" not in columns:
        raise ValueError(f"{path}: no frame_id column (has {columns}); track reads a catalogue "
                         "of one row per vortex: frame_id, time, lat, lon [radius_km, feature] "
                         "(infer's catalog.csv)")  # fmt: skip
    by_frame: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in table:
        by_frame[row["frame_id"]].append(row)
    out, timeless = [], []
    for fid in keep if keep is not None else list(by_frame):
        rows = by_frame.get(fid, [])
        given = next((r["time"] for r in rows if r.get("time")), None)
        t = times.get(fid) or parse_time(given)
        try:
            frame = FrameObs(fid, _need_time(t, fid, where, given), source=where)
        except NoTimeError as err:
            timeless.append((where, err))
            continue
        for r in rows:
            if r.get("feature", "vortex") == "vortex":  # (a user's table of vortices alone)
                _add_detection(frame, r)
            elif r["feature"] == "aurora_oval":
                frame.oval = _catalog_oval(r)
        out.append(frame)
    _leave_out(timeless, out, skipped)
    return _located(out, path)


def _leave_out(timeless: list[tuple[str, NoTimeError]], kept: list,
               skipped: list[dict[str, str]] | None) -> None:  # fmt: skip
    """Frames without a time ((their source, the error)) are left out and recorded in
    `skipped` while the others are tracked; without `skipped`, or when no frame has a time, the
    first one's error is raised."""
    if not timeless:
        return
    if skipped is None or not kept:
        raise timeless[0][1]
    for source, err in timeless:
        log.warning("track: %s left out: %s", source, err)
        skipped.append({"source": source, "reason": str(err)})


def _num(value) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _add_detection(frame: FrameObs, r: dict[str, Any]) -> None:
    """The vortex row as a detection of `frame`, or counted in ``frame.unlocated`` when it has
    no lat/lon (a perspective product's vortex beyond the view model's disk) or one off the
    planet (an edited catalogue's latitude 95 was linked as a position past the pole)."""
    lat, lon = _num(r.get("lat")), _num(r.get("lon"))
    if lat is None or lon is None or abs(lat) > 90:
        frame.unlocated += 1
        return
    rkm, rpx = _num(r.get("radius_km")), _num(r.get("radius_px"))
    unc = _num(r.get("position_uncertainty_km"))  # a perspective product's view model
    if unc is None:
        unc = rkm / rpx if rkm and rpx else None  # one pixel, km
    frame.detections.append(Detection(lat, lon % 360.0, rkm, unc))


def _located(frames: list[FrameObs], where: Path | str) -> list[FrameObs]:
    """`frames`, unless they hold vortices and none has a position: those frames had no polar
    grid and no view, and nothing can be tracked."""
    if any(f.unlocated for f in frames) and not any(f.detections for f in frames):
        raise ValueError(f"{where}: no vortex has lat/lon (their frames had no polar grid and no "
                         "view); run infer on polar frames, with reproject on, or on JunoCam "
                         "products with their -metadata.json")  # fmt: skip
    return frames


def _catalog_oval(r: dict[str, Any]) -> dict[str, Any]:
    colat = _num(r.get("mean_colatitude_deg"))
    return {
        "centre_lat": _num(r.get("lat")), "centre_lon": _num(r.get("lon")),
        "mean_colatitude_deg": colat, "enclosed_area_km2": cap_area_km2(colat),
        "emitting_area_px": _num(r.get("area_px")),
        "integrated_brightness": _num(r.get("integrated_brightness")),
        "brightness_units": r.get("brightness_units") or None,
        "brightness_coverage": _num(r.get("brightness_coverage")),
    }  # fmt: skip


def cap_area_km2(colat_deg: float | None) -> float | None:
    """Area of a polar cap of angular radius `colat_deg` (the oval's enclosed area), km²."""
    if colat_deg is None:
        return None
    return float(2 * math.pi * POLAR_R_KM**2 * (1 - math.cos(math.radians(colat_deg))))


def _geojson(path: Path, col: dict[str, Any]) -> FrameObs:
    props = col.get("properties") or {}
    fid = str(props.get("frame_id") or path.stem)
    frame = FrameObs(fid, _need_time(parse_time(props.get("time")), fid, str(path),
                                     props.get("time")),
                     source=str(path))  # fmt: skip
    for item in col.get("features", []):
        p = item.get("properties") or {}
        if p.get("feature") == "vortex":
            _add_detection(frame, p)
    return _located([frame], path)[0]


def _truth_frame(root: Path, row: dict[str, Any]) -> FrameObs:
    feats = json.loads((root / row["features"]).read_text(encoding="utf-8"))
    fid = str(row["id"])
    given = row.get("time") or feats.get("time")
    t = _need_time(parse_time(given), fid, str(root), given)
    frame = FrameObs(fid, t, source=str(root))
    for v in feats.get("vortices", []):
        frame.detections.append(Detection(float(v["lat"]), float(v["lon"]), v.get("radius_km"),
                                          0.0, v.get("track_id"), v.get("role")))  # fmt: skip
    poly = (feats.get("oval") or {}).get("polyline_latlon")
    if poly:
        frame.oval = truth_oval(np.asarray(poly, dtype=float), feats.get("oval_gain"))
    return frame


def truth_oval(latlon: np.ndarray, gain: float | None) -> dict[str, Any]:
    """Centre, mean colatitude (of the centreline points, from the pole, as the catalogue's
    ring) and the cap area of that colatitude, of an oval centreline (lat, lon)."""
    colat = 90.0 - np.abs(latlon[:, 0])
    lam = np.radians(latlon[:, 1])
    x, y = colat * np.sin(lam), colat * np.cos(lam)  # plane degrees (the sign drops out)
    cx, cy = float(x.mean()), float(y.mean())
    mean_colat = float(colat.mean())
    sign = 1.0 if latlon[0, 0] >= 0 else -1.0
    return {
        "centre_lat": sign * (90.0 - math.hypot(cx, cy)),
        "centre_lon": math.degrees(math.atan2(cx, cy)) % 360.0,
        "mean_colatitude_deg": mean_colat, "enclosed_area_km2": cap_area_km2(mean_colat),
        "emitting_area_px": None, "integrated_brightness": gain,
        "brightness_units": "relative gain (synthetic truth)" if gain is not None else None,
        "brightness_coverage": None,
    }  # fmt: skip
