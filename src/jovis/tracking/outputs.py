"""Write a tracking run: tracks.csv, tracks.geojson, drift.csv, oval_series.csv, plots and the
report page, each written to a temporary name and renamed (`jovis.io.atomic`)."""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

import numpy as np

from jovis.catalog import LATLON_CRS, planetographic_lat
from jovis.geometry.lonwrap import line_geometry
from jovis.io.atomic import write_json, write_png, write_text
from jovis.io.csv_file import csv_cell, csv_text
from jovis.tracking import plots
from jovis.tracking.oval_series import OVAL_COLUMNS

TRACK_COLUMNS = (
    "id frame_id time day lat lon radius_km uncertainty_km bridged lat_planetographic".split()
)
DRIFT_COLUMNS = ("id n first_time last_time mean_lat lon_first lon_rate_deg_per_day lon_rate_err "
                 "lat_rate_deg_per_day lat_rate_err").split()  # fmt: skip


def tracks_geojson(points: list[dict], drift: list[dict]) -> dict[str, Any]:
    """One LineString ([lon, lat] SIII west) per track id, its drift rates as properties; a
    MultiLineString of its pieces when it crosses the 0°/360° meridian
    (`jovis.geometry.lonwrap`)."""
    rates = {d["id"]: d for d in drift}
    feats = []
    for tid in sorted({p["id"] for p in points}):
        pts = [p for p in points if p["id"] == tid]
        coords = [[round(p["lon"], 4), round(p["lat"], 4)] for p in pts]
        if len(coords) == 1:
            coords.append(coords[0])
        props = {k: csv_cell(v) for k, v in rates.get(tid, {}).items()}
        props.update(id=tid, times=[p["time"] for p in pts], frame_ids=[p["frame_id"] for p in pts])
        feats.append({"type": "Feature", "properties": props,
                      "geometry": line_geometry(coords)})  # fmt: skip
    return {"type": "FeatureCollection", "properties": {"coordinate_system": LATLON_CRS},
            "features": feats}  # fmt: skip


def write_plots(out: Path, points, ovals, hemisphere: str,
                untracked: list[tuple[float, float]] | None = None) -> list[str]:  # fmt: skip
    """plots/tracks_polar.png (with the `untracked` detections, (lat, lon), in grey),
    plots/lon_vs_time.png and (with ovals) plots/oval_series.png."""
    by_id: dict[int, list[dict]] = {}
    for p in points:
        by_id.setdefault(p["id"], []).append(p)
    arr = {t: np.array([[q["lat"], q["lon"]] for q in ps]) for t, ps in by_id.items()}
    names = ["plots/tracks_polar.png", "plots/lon_vs_time.png"]
    others = np.array(untracked or [], dtype=float).reshape(-1, 2)
    write_png(out / names[0], _polar_panels(arr, hemisphere, others))
    from jovis.tracking.drift import unwrap

    series = [(str(t), [q["day"] for q in ps], unwrap([q["lon"] for q in ps]), plots.colour(t))
              for t, ps in by_id.items()]  # fmt: skip
    write_png(out / names[1], plots.line_chart(series, "longitude vs time per id (unwrapped)",
                                               "days", "SIII W lon, deg"))  # fmt: skip
    if ovals:
        day = [r["day"] for r in ovals]
        panels = [plots.line_chart([("", day, [_num(r[k]) for r in ovals], (120, 220, 255))],
                                   f"oval {k}", "days", k, (720, 200))
                  for k in ("mean_colatitude_deg", "enclosed_area_km2",
                            "integrated_brightness")]  # fmt: skip
        write_png(out / "plots/oval_series.png", np.concatenate(panels, axis=0))
        names.append("plots/oval_series.png")
    return names


def _polar_panels(tracks: dict[int, np.ndarray], hemisphere: str,
                  others: np.ndarray | None = None) -> np.ndarray:  # fmt: skip
    """A polar map of each hemisphere that has tracks (by the sign of a track's mean latitude)
    or `others` (untracked detections, (n, 2) lat, lon), side by side, `hemisphere` (the run's)
    first: frames of both poles (a run over several perijoves) drew the other pole's tracks off
    the map, and a pass whose detections formed no track drew an empty map."""
    others = np.zeros((0, 2)) if others is None else others
    signs = [pts[:, 0].mean() >= 0 for pts in tracks.values()] + list(others[:, 0] >= 0)
    poles = sorted({"north" if north else "south" for north in signs},
                   key=lambda pole: pole != hemisphere) or [hemisphere]  # fmt: skip
    panels = []
    for pole in poles:
        mine = {t: pts for t, pts in tracks.items() if (pts[:, 0].mean() >= 0) == (pole == "north")}
        loose = others[(others[:, 0] >= 0) == (pole == "north")]
        colats = [float(np.max(90.0 - np.abs(pts[:, 0]))) for pts in [*mine.values(), loose]
                  if len(pts)]  # fmt: skip
        colat = max([*colats, 10.0])
        panels.append(plots.polar_map(mine, pole, min(90.0, math.ceil(colat + 2)), others=loose))
    return np.concatenate(panels, axis=1)


def _num(v) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def write_report(out: Path, summary: dict[str, Any], drift: list[dict], images: list[str]) -> None:
    """report.html: the summary table, the frames left out (``skipped_inputs``: no time, an
    unreadable file, a second product of one exposure), the drift-rate table and the plots."""
    rows = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
                   for k, v in summary.items() if not isinstance(v, dict | list))  # fmt: skip
    left = summary.get("skipped_inputs") or []
    skipped = ""
    if left:
        items = "".join(f"<li>{html.escape(str(s.get('reason', s)))}</li>" for s in left)
        skipped = f"<h2>Left out ({len(left)})</h2><ul style='text-align:left'>{items}</ul>"
    head = "".join(f"<th>{c}</th>" for c in DRIFT_COLUMNS)
    body = "".join("<tr>" + "".join(f"<td>{csv_cell(d.get(c))}</td>" for c in DRIFT_COLUMNS)
                   + "</tr>" for d in drift)  # fmt: skip
    imgs = "".join(f'<p><img src="{html.escape(i)}" alt="{html.escape(i)}"></p>' for i in images)
    page = (
        "<!doctype html><meta charset='utf-8'><title>jovis track</title>"
        "<style>body{font-family:sans-serif;background:#181820;color:#ddd}"
        "td,th{padding:2px 8px;text-align:right}</style>"
        f"<h1>jovis track</h1><p>{html.escape(LATLON_CRS)}; drift rates in deg/day, positive "
        "longitude rate = westward.</p>"
        f"<table>{rows}</table>{skipped}"
        f"<h2>Drift per track</h2><table><tr>{head}</tr>{body}</table>"
        f"<h2>Plots</h2>{imgs}<p>Files: tracks.csv, tracks.geojson, drift.csv, oval_series.csv, "
        "summary.json</p>"
    )
    write_text(out / "report.html", page)


def write_all(out: Path, points, drift, ovals, summary, hemisphere: str,
              untracked: list[tuple[float, float]] | None = None) -> None:  # fmt: skip
    graphic = [{**p, "lat_planetographic": planetographic_lat(p.get("lat"))} for p in points]
    write_text(out / "tracks.csv", csv_text(graphic, TRACK_COLUMNS))
    write_json(out / "tracks.geojson", tracks_geojson(points, drift))
    write_text(out / "drift.csv", csv_text(drift, DRIFT_COLUMNS))
    write_text(out / "oval_series.csv", csv_text(ovals, OVAL_COLUMNS))
    images = write_plots(out, points, ovals, hemisphere, untracked) if (
        points or ovals or untracked) else []  # fmt: skip
    write_json(out / "summary.json", summary)
    write_report(out, summary, drift, images)
