"""The UV realism report: synthetic UV frames against the real HST STIS frames.

``realism_report(out, real, synthetic)`` measures every frame with the same code
(`jovis.realism.measures`), aggregates the per-frame numbers by their median, compares synthetic
with real against the floors (`METRICS`: issue 3's percentiles within ×2; issue 13's
structure statistics within ×1.3, the noise spectrum slope within ±0.5) and writes
``realism.json``, ``realism.md`` and ``realism.png`` under `out`, each atomically.
``scripts/realism.py`` is the command-line entry.
"""

from __future__ import annotations

import logging
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from jovis.geometry import PolarGrid
from jovis.io import FrameReadError, read_frame
from jovis.io.atomic import write_json, write_png, write_text
from jovis.io.reader import COMPRESSED_FRAME_SUFFIXES, FITS_SUFFIXES
from jovis.realism import measures as rm
from jovis.realism import structure as rs
from jovis.synth import render_batch

log = logging.getLogger(__name__)

# (metric, unit, floor or None): the comparison table's rows, in order. A float floor is a
# factor (synthetic/real within ×f); ("abs", d) is an absolute difference (slopes within d).
# Percentile floors are issue 3's; the structure statistics' floors are issue 13's.
METRICS = (
    ("p50_kr", "kR", 2.0),
    ("p90_kr", "kR", 2.0),
    ("p99_kr", "kR", 2.0),
    ("oval_fwhm_deg", "deg", 1.3),
    # the same cuts' FWHM over the background as the HST reference labeller takes it (white
    # top-hat by a 3.5-degree disk): is its wider band the baseline? (README, "Realism")
    ("oval_fwhm_bg_deg", "deg", 1.3),
    # the cross-section's shape, width at 25 % / 75 % of the prominence (Gaussian 2.2); ×1.1 is
    # this row's own floor (×1.3 would pass a Gaussian against the v03 frames' 2.66)
    ("oval_shape", "", 1.1),
    ("quarter_ratio", "", 1.3),
    ("faint_snr", "", 1.3),
    ("bright_snr", "", None),
    ("faint_lt2", "", None),
    ("faint_2_8", "", None),
    ("visible_fraction", "", 1.3),
    ("edge_streaks", "", 1.3),
    # the limb fringe's width: the typical pixel's dark band inside the no-data edge
    ("edge_fringe_deg", "deg", 1.3),
    ("diffuse_ratio", "", 1.3),
    ("polar_ratio", "", 1.3),
    ("polar_texture", "", 1.3),
    ("spectrum_slope", "", ("abs", 0.5)),
    ("noise_rms_kr", "kR", None),
    ("hf_ratio", "", None),
)


# distances (deg) from the no-data edge at which the median edge profiles are reported and drawn
EDGE_PROFILE_DEG = np.round(np.arange(0.05, 1.0, 0.1), 2)


@dataclass
class UVFrame:
    """One frame to measure: ``image`` (H, W) float32 in kR, ``valid`` (H, W) bool, its grid."""

    id: str
    source: str  # "real" or "synthetic"
    image: np.ndarray
    valid: np.ndarray
    grid: PolarGrid
    truth_fwhm_deg: float | None = None


FITS_NAMES = (*FITS_SUFFIXES, *COMPRESSED_FRAME_SUFFIXES)  # also gzipped, as archives serve them


def load_real_frames(folder: str | Path, left_out: list[dict[str, str]] | None = None
                     ) -> list[UVFrame]:  # fmt: skip
    """Every FITS frame under `folder` (``*.fits``, ``.fit``, ``.fts``, also gzip-compressed;
    sorted) read with `read_frame`; one ``uv`` channel each. A file that cannot be read, or is
    not a far-UV frame on a polar grid, is left out with a warning naming it and why (appended
    to `left_out` as ``{"file", "reason"}``); ValueError when none is left."""
    folder = Path(folder)
    files = sorted(p for p in folder.rglob("*") if p.name.lower().endswith(FITS_NAMES))
    if not files:
        raise ValueError(
            f"no FITS frames (*.fits, *.fits.gz, ...) under {folder}; set real=<folder of HST "
            "STIS *_proj.fits>"
        )
    frames, skipped = [], []
    for path in files:
        try:
            frame = read_frame(path)
        except FrameReadError as err:
            skipped.append({"file": str(path), "reason": err.reason})
            continue
        if frame.channels != ["uv"] or frame.grid is None:
            skipped.append({"file": str(path), "reason": (
                f"the realism report needs a one-channel 'uv' frame with a polar grid, got "
                f"channels {frame.channels} and grid {frame.grid}")})  # fmt: skip
            continue
        image = frame.image[:, :, 0]
        frames.append(
            UVFrame(_stem(path), "real", image, frame.valid & np.isfinite(image), frame.grid)
        )
    for item in skipped:
        log.warning("realism: %s left out: %s", item["file"], item["reason"])
    if left_out is not None:
        left_out.extend(skipped)
    if not frames:
        raise ValueError(f"no usable far-UV frame under {folder}: every FITS file was left out "
                         f"({skipped[0]['file']}: {skipped[0]['reason']}, ...)")  # fmt: skip
    return frames


def _stem(path: Path) -> str:
    """The file name without its FITS suffix, ``.gz`` included (``x_proj.fits.gz`` → ``x_proj``)."""
    name = path.name
    suffix = next(s for s in sorted(FITS_NAMES, key=len, reverse=True) if name.lower().endswith(s))
    return name[: -len(suffix)]


def _truth_fwhm(features: dict[str, Any]) -> float | None:
    """The oval's true FWHM (deg) in features: the median along the arc, or the one value."""
    oval = features.get("oval") or {}
    value = oval.get("width_deg_along", oval.get("fwhm_deg"))  # along the arc, when it varies
    if value is None:
        return None
    return float(np.median(value)) if isinstance(value, list | tuple) else float(value)


def render_synthetic_frames(
    seeds: Sequence[int], size: int, params: dict | None = None, device: str = "cpu"
) -> list[UVFrame]:
    """Northern synthetic UV frames (kR) from `seeds`, rendered by `render_batch`."""
    seeds = [int(s) for s in seeds]
    frames = []
    for start in range(0, len(seeds), 4):  # a few frames per call bounds memory at large sizes
        chunk = seeds[start : start + 4]
        batch = render_batch(chunk, size, ["uv"], hemisphere="north", params=params, device=device)
        images = batch.image[:, 0].float().cpu().numpy()
        valid = batch.valid.cpu().numpy().astype(bool)
        for i, seed in enumerate(chunk):
            frames.append(UVFrame(f"synth-{seed}", "synthetic", images[i], valid[i],
                                  batch.grids[i], _truth_fwhm(batch.features(i))))  # fmt: skip
    return frames


def measure(frame: UVFrame, lat_range: tuple[float, float]) -> dict[str, Any]:
    """Every realism number of one frame (plus its spectrum and oval ridge, for the figure)."""
    region = rm.analysis_region(frame.valid, frame.grid, lat_range)
    pct = rm.brightness_percentiles(frame.image, region)
    width = rm.oval_width(frame.image, frame.valid, frame.grid)
    width_bg = rm.oval_width(frame.image, frame.valid, frame.grid, baseline="tophat")
    spec = rm.noise_spectrum(frame.image, region)
    trace = rs.ridge_trace(frame.image, frame.valid, frame.grid)
    edge = rs.edge_profile(frame.image, frame.valid, frame.grid, region)
    row: dict[str, Any] = {
        "id": frame.id,
        "source": frame.source,
        "p50_kr": pct["p50"],
        "p90_kr": pct["p90"],
        "p99_kr": pct["p99"],
        "oval_fwhm_deg": width["fwhm_deg"],
        "oval_fwhm_bg_deg": width_bg["fwhm_deg"],
        "oval_shape": width["shape_w25_w75"],
        "oval_cuts": width["n_cuts"],
        "noise_rms_kr": spec["rms"],
        "spectrum_slope": spec["slope"],
        "hf_ratio": spec["hf_ratio"],
        "quarter_ratio": rs.quarter_ratio(trace),
        **rs.ridge_snr(trace),
        "visible_fraction": rs.visible_fraction(trace),
        "edge_streaks": rs.edge_streaks(frame.image, frame.valid, frame.grid),
        "edge_fringe_deg": rs.edge_fringe(edge),
        **rs.emission_ratios(trace, frame.grid),
        "px_per_deg": frame.grid.px_per_deg,
        "spectrum": {"freq": spec["freq"], "power": spec["power"]},
        "edge_profile": edge,
        "ridge_px": width["ridge_px"],
    }
    if frame.truth_fwhm_deg is not None:
        row["truth_fwhm_deg"] = frame.truth_fwhm_deg
    return row


def _median(rows: list[dict[str, Any]], key: str) -> float | None:
    values = [r[key] for r in rows if r.get(key) is not None and math.isfinite(r[key])]
    return float(statistics.median(values)) if values else None


def compare(real: list[dict[str, Any]], synth: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per metric: medians over frames, synthetic/real ratio, floor and pass/fail."""
    table = []
    for key, unit, floor in METRICS:
        r, s = _median(real, key), _median(synth, key)
        ratio = s / r if r is not None and s is not None and r > 0 and s > 0 else None
        row = {"metric": key, "unit": unit, "real": r, "synthetic": s, "ratio": ratio}
        if isinstance(floor, tuple):
            row["floor"] = f"within ±{floor[1]:g}"
            row["pass"] = r is not None and s is not None and abs(s - r) <= floor[1]
        elif floor is not None:
            row["floor"] = f"within ×{floor:g}"
            row["pass"] = ratio is not None and 1.0 / floor <= ratio <= floor
        table.append(row)
    return table


def realism_report(
    out: str | Path,
    real: list[UVFrame],
    synthetic: list[UVFrame],
    lat_range: tuple[float, float] = (60.0, 86.0),
    settings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Measure, compare and write ``realism.json``, ``realism.md``, ``realism.png`` in `out`.

    Returns the summary: ``table`` (the comparison rows), ``passes`` (all floors met),
    ``edge_profile`` (the median brightness over its level against distance from the no-data
    edge, real and synthetic medians over frames at ``deg``: the fringe row's curve),
    ``real`` and ``synthetic`` (per-frame rows without the spectra and profiles),
    ``synthetic_fwhm_vs_truth`` (median measured/true FWHM: how well the width method works),
    ``synthetic_fwhm_bg_vs_truth`` (the same over the background), and the output paths.
    """
    if not real or not synthetic:
        raise ValueError(
            f"the realism report needs real and synthetic frames; got {len(real)} real and "
            f"{len(synthetic)} synthetic (check real= and n=)"
        )
    out = Path(out)
    real_rows = [measure(f, lat_range) for f in real]
    synth_rows = [measure(f, lat_range) for f in synthetic]
    table = compare(real_rows, synth_rows)
    truth, truth_bg = (
        [
            r[key] / r["truth_fwhm_deg"]
            for r in synth_rows
            if r.get("truth_fwhm_deg") and math.isfinite(r[key])
        ]
        for key in ("oval_fwhm_deg", "oval_fwhm_bg_deg")
    )
    summary: dict[str, Any] = {
        "lat_range": list(lat_range),
        "settings": settings or {},
        "table": table,
        "passes": all(row.get("pass", True) for row in table),
        "synthetic_fwhm_vs_truth": float(statistics.median(truth)) if truth else None,
        "synthetic_fwhm_bg_vs_truth": float(statistics.median(truth_bg)) if truth_bg else None,
        "real": [_strip(r) for r in real_rows],
        "synthetic": [_strip(r) for r in synth_rows],
    }
    summary["edge_profile"] = edge_profiles(real_rows, synth_rows)
    from jovis.realism.figure import realism_figure

    png = realism_figure(real[:2], synthetic[:2], real_rows, synth_rows, table,
                         summary["edge_profile"])  # fmt: skip
    summary["files"] = {
        "json": str(write_json(out / "realism.json", summary)),
        "markdown": str(write_text(out / "realism.md", to_markdown(summary))),
        "figure": str(write_png(out / "realism.png", png)),
    }
    return summary


def edge_profiles(real: list[dict[str, Any]], synth: list[dict[str, Any]]) -> dict[str, Any]:
    """``{"deg", "real", "synthetic"}``: the median over frames of each source's edge profile at
    `EDGE_PROFILE_DEG` (None where no frame has one), as realism.json holds and the figure draws."""

    def curve(rows: list[dict[str, Any]]) -> list[float | None]:
        values = rs.median_edge_profile([r["edge_profile"] for r in rows], EDGE_PROFILE_DEG)
        return [round(float(v), 4) if math.isfinite(v) else None for v in values]

    return {"deg": EDGE_PROFILE_DEG.tolist(), "real": curve(real), "synthetic": curve(synth)}


def _strip(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in ("spectrum", "edge_profile", "ridge_px")}


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if isinstance(value, bool):
        return "pass" if value else "FAIL"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
    return str(value)


def to_markdown(summary: dict[str, Any]) -> str:
    """The report as markdown: the comparison table, then one row per frame."""
    lo, hi = summary["lat_range"]
    lines = [
        "# UV realism: synthetic vs HST STIS frames",
        "",
        f"Medians over {len(summary['real'])} real and {len(summary['synthetic'])} synthetic "
        f"frames; brightness over valid pixels at |latitude| {lo:g}–{hi:g}°. Ratio = "
        "synthetic / real.",
        "",
        "| metric | unit | real | synthetic | ratio | floor | result |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in summary["table"]:
        cells = [row["metric"], row["unit"] or "–", *(_fmt(row[k]) for k in ("real", "synthetic"))]
        cells += [_fmt(row["ratio"]), row.get("floor", "–"), _fmt(row.get("pass"))]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", f"All floors met: **{'yes' if summary['passes'] else 'no'}**."]
    if summary["synthetic_fwhm_vs_truth"] is not None:
        lines.append(
            "Width method check on the synthetic frames: measured / true FWHM = "
            f"{summary['synthetic_fwhm_vs_truth']:.3f} (median); over the background: "
            f"{summary['synthetic_fwhm_bg_vs_truth']:.3f}."
        )
    keys = (
        "p50_kr",
        "p90_kr",
        "p99_kr",
        "oval_fwhm_deg",
        "oval_fwhm_bg_deg",
        "oval_shape",
        "truth_fwhm_deg",
        "oval_cuts",
    )
    keys += ("noise_rms_kr", "spectrum_slope", "hf_ratio", "quarter_ratio", "faint_snr")
    keys += ("bright_snr", "faint_lt2", "faint_2_8", "visible_fraction")
    keys += ("edge_streaks", "edge_fringe_deg", "diffuse_ratio", "polar_ratio", "polar_texture")
    lines += ["", "## Per frame", "", "| frame | source | " + " | ".join(keys) + " |"]
    lines.append("| --- " * (len(keys) + 2) + "|")
    for row in summary["real"] + summary["synthetic"]:
        cells = [row["id"], row["source"], *(_fmt(row.get(k)) for k in keys)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
