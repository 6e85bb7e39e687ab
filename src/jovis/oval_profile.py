"""The auroral oval along System III longitude, as auroral studies tabulate it: for each
longitude bin of a frame with a polar grid, the latitudes of the detected aurora's equatorward
and poleward edges, of its brightest pixel and that brightness, and how much of the bin the
frame saw. A run writes every frame's rows as ``oval_profile.csv`` (from the GeoJSONs, as
the catalogue is).

Edges are the most equatorward and most poleward aurora pixel centres of the bin (polar
emission the detector marks inside the oval moves the poleward edge with it); ``observed_share``
is the share of the bin's pixels, between the frame's most equatorward and most poleward aurora
latitudes, that hold data: a bin seen but without aurora has a row with empty edges, a bin the
frame did not see none. ``local_time_h`` is the bin centre's Jupiter local time when the
frame's light left Jupiter (12 h under the Sun; `jovis.geometry.sun.sun_over_frame`: an HST
product's own ``CMLS``, else its time less the light time), empty for a frame without a time.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from jovis.frame import Frame, LabelSchema

BIN_DEG = 5.0  # longitude bins: 72 round the pole
PROFILE_COLUMNS = ("frame_id time lon_west local_time_h lat_equatorward lat_poleward lat_peak "
                   "peak_brightness brightness_units aurora_px observed_share").split()  # fmt: skip


def oval_profile(frame: Frame, mask: np.ndarray, schema: LabelSchema,
                 sun: tuple[float, float] | None = None,
                 bin_deg: float = BIN_DEG) -> list[dict[str, Any]] | None:  # fmt: skip
    """One row per longitude bin the frame saw (``lon_west``: the bin's centre, SIII west;
    ``local_time_h`` its local time from `sun`, the frame's sub-solar point
    (`jovis.geometry.sun.sun_over_frame`), None without it): ``lat_equatorward``,
    ``lat_poleward``, ``lat_peak`` (planetocentric degrees; None where the bin has no aurora),
    ``peak_brightness`` in the frame's units, ``aurora_px``, ``observed_share``. None for a
    frame without a polar grid, a detector without an aurora class, or no aurora pixel."""
    from jovis.geometry.sun import local_time_h
    from jovis.photometry import emission_channel  # (the CSV rows below need no PyTorch)

    if frame.grid is None or "aurora" not in schema.names:
        return None
    lat, lon = frame.grid.latlon_image(*mask.shape)  # (cached: the resampling made it)
    colat = (90.0 - np.abs(lat)).astype(np.float32)  # (north and south alike: small is poleward)
    ok = np.isfinite(colat)  # (past an orthographic limb: no latitude)
    arcs = (mask == schema.id_of("aurora")) & frame.valid & ok
    if not arcs.any():
        return None
    n_bins = round(360.0 / bin_deg)
    bins = np.full(mask.shape, -1, np.int16)
    bins[ok] = (np.floor(lon[ok] / bin_deg) % n_bins).astype(np.int16)
    a_colat, a_bin = colat[arcs], bins[arcs]
    band = ok & (colat >= a_colat.min()) & (colat <= a_colat.max())  # the oval's span
    seen = np.bincount(bins[band & frame.valid], minlength=n_bins)
    cells = np.bincount(bins[band], minlength=n_bins)
    channel = emission_channel(frame)
    values = frame.image[:, :, frame.channels.index(channel)][arcs]
    units = frame.meta.get("units") or "frame units"
    sign = 1.0 if frame.grid.hemisphere == "north" else -1.0
    rows = []
    for b in np.nonzero(cells)[0]:
        share = seen[b] / cells[b]
        mine = a_bin == b
        if not mine.any() and share == 0:
            continue
        centre = (b + 0.5) * bin_deg
        row: dict[str, Any] = {"lon_west": _r(centre), "aurora_px": int(mine.sum()),
                               "observed_share": _r(share), "brightness_units": units,
                               "local_time_h": None if sun is None else
                               _r(float(local_time_h(centre, sun[1])), 3)}  # fmt: skip
        if mine.any():
            c, v = a_colat[mine], values[mine]
            peak = int(np.nanargmax(v)) if np.isfinite(v).any() else None
            row.update(
                lat_equatorward=_r(sign * (90.0 - c.max())),
                lat_poleward=_r(sign * (90.0 - c.min())),
                lat_peak=None if peak is None else _r(sign * (90.0 - c[peak])),
                peak_brightness=None if peak is None else _r(float(v[peak])),
            )
        rows.append(row)
    return rows


def profile_rows_from_geojson(collection: dict[str, Any]) -> list[dict[str, Any]]:
    """``oval_profile.csv``'s rows of one frame's GeoJSON (its ``oval_profile`` property)."""
    top = collection.get("properties", {})
    return [{c: {**row, "frame_id": top.get("frame_id"), "time": top.get("time")}.get(c)
             for c in PROFILE_COLUMNS} for row in top.get("oval_profile") or []]  # fmt: skip


LABELLED_FRAMES = 8  # a chart of more frames names none (their colours still differ)


def profile_chart(rows: list[dict[str, Any]], size: tuple[int, int] = (720, 300)) -> np.ndarray:
    """``oval_profile.csv``'s rows as a chart (RGB uint8): each frame's brightest latitude
    against west longitude, one colour a frame (drawn as the tracking charts are)."""
    from jovis.tracking.plots import colour, line_chart

    frames: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row.get("lat_peak") not in (None, ""):
            frames.setdefault(str(row["frame_id"]), []).append(row)
    named = len(frames) <= LABELLED_FRAMES
    series = []
    for i, (frame_id, mine) in enumerate(sorted(frames.items())):
        mine = sorted(mine, key=lambda r: float(r["lon_west"]))
        series.append((frame_id[:24] if named else "",
                       np.array([float(r["lon_west"]) for r in mine]),
                       np.array([float(r["lat_peak"]) for r in mine]), colour(i)))  # fmt: skip
    return line_chart(series, f"the oval's brightest latitude, {len(frames)} frame(s)",
                      "System III west longitude (deg)", "deg", size)  # fmt: skip


def write_chart(path, rows: list[dict[str, Any]]) -> None:
    """`profile_chart` of `rows` written as a PNG (to a temporary name, then renamed)."""
    from jovis.io.atomic import write_png

    write_png(path, profile_chart(rows))


LOCAL_TIME_BIN_H = 0.5  # (one 5° longitude bin is 20 minutes of local time)


def compare_profiles(a: list[dict[str, Any]], b: list[dict[str, Any]], key: str = "lat_peak",
                     by: str = "lon_west") -> list[dict[str, Any]]:  # fmt: skip
    """Two runs' profiles (``oval_profile.csv``'s rows, e.g. two visits) side by side: for each
    bin both saw with aurora, the median `key` over each run's frames and the difference b − a
    (degrees for the latitudes). Bins of System III west longitude (``by="lon_west"``: where
    the oval is fixed to the planet's field), or of local time (``by="local_time_h"``, 0.5 h
    bins: what turns with the Sun, such as the dawn arc; rows without a local time are left
    out)."""
    if by not in ("lon_west", "local_time_h"):
        raise ValueError(f"by={by!r}; valid: lon_west, local_time_h")
    medians = [_medians(rows, key, by) for rows in (a, b)]
    return [{by: at, "a": medians[0][at], "b": medians[1][at],
             "b_minus_a": _r(medians[1][at] - medians[0][at])}
            for at in sorted(medians[0].keys() & medians[1].keys())]  # fmt: skip


def _medians(rows: list[dict[str, Any]], key: str, by: str) -> dict[float, float]:
    binned: dict[float, list[float]] = {}
    for row in rows:
        value, at = row.get(key), row.get(by)
        if value in (None, "") or at in (None, ""):
            continue
        at = float(at)
        if by == "local_time_h":  # the bin's centre
            at = (math.floor(at / LOCAL_TIME_BIN_H) + 0.5) * LOCAL_TIME_BIN_H
        binned.setdefault(at, []).append(float(value))
    return {at: _r(float(np.median(v))) for at, v in binned.items()}


def _r(value: float, digits: int = 4) -> float | None:
    value = float(value)
    return round(value, digits) if math.isfinite(value) else None
