"""Satellite auroral footprints from the Hess et al. (2011) table (PHYSICS.md §2).

The table has one row per moon SIII longitude (0–350° by 10°) and (lon, lat) pairs for Io N, Io S,
Europa N, Europa S, Ganymede N, Ganymede S; a pair of 0, 0 means no value. A moon's footprint is
interpolated linearly in the moon's longitude (as JARVIS ``reading_mfp.py`` does). Io's tail: the
footprint positions of the last ``io_tail_hours`` (Mura et al. 2017: ~3 h), fading.

The table is shared reference data, not shipped with jovis. Without it (``footprint_table:
builtin``, or the default table not at hand) `approximate_table` stands in: same layout, each
footprint path a first-harmonic oval in latitude spanning PHYSICS.md §2's latitude range.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np

from jovis.synth.params import SynthParams
from jovis.synth.validate import BUILTIN_FOOTPRINTS, footprint_source

MOONS = ("io", "europa", "ganymede")
# Footprint longitude drift, deg of moon SIII longitude per hour: 360/9.925 h (System III
# rotation) − 360/P_orbit (Io 42.46 h); used only for the length of Io's tail.
IO_SIII_RATE_DEG_PER_H = 360.0 / 9.925 - 360.0 / 42.46
TAIL_POINTS = 4
# The built-in approximation (`approximate_table`): latitude ranges of PHYSICS.md §2 (north,
# south) per moon, the path highest at this SIII longitude (north: Io N reads 76.9° at -32° and
# 82.7° near 20° in the Hess table; south: the first harmonic of the three southern paths peaks
# at 214-220°), the footprint at the moon's own longitude. Against the Hess table: latitude at a
# given moon longitude within 1.6-4.7° rms, longitude (the lead angle) 14-54° rms.
APPROX_LAT_RANGES = {
    "io": ((48.6, 82.7), (57.3, 76.8)),
    "europa": ((51.5, 77.1), (62.3, 81.1)),
    "ganymede": ((53.5, 75.2), (65.7, 83.7)),
}
APPROX_PEAK_LON = {"north": 0.0, "south": 218.0}


@functools.lru_cache(maxsize=4)
def load_table(path: str) -> np.ndarray:
    """The table as float64 (36, 13); raises ``ValueError`` naming the file when malformed."""
    try:
        table = np.loadtxt(path, dtype=np.float64)
    except (OSError, ValueError) as err:
        raise ValueError(f"footprint_table {path}: cannot read ({err})") from err
    if table.ndim != 2 or table.shape[1] != 13 or len(table) < 2:
        raise ValueError(
            f"footprint_table {path}: expected rows of 13 columns (moon lon, then lon/lat pairs "
            f"for Io N/S, Europa N/S, Ganymede N/S), got shape {table.shape}"
        )
    table.flags.writeable = False
    return table


@functools.lru_cache(maxsize=1)
def approximate_table() -> np.ndarray:
    """A stand-in for the Hess table, (36, 13) in its layout (south latitudes negative)."""
    moon_lon = np.arange(0.0, 360.0, 10.0)
    cols = [moon_lon]
    for moon in MOONS:
        for hemisphere, (lo, hi) in zip(("north", "south"), APPROX_LAT_RANGES[moon], strict=True):
            phase = np.radians(moon_lon - APPROX_PEAK_LON[hemisphere])
            lat = 0.5 * (lo + hi) + 0.5 * (hi - lo) * np.cos(phase)
            cols += [moon_lon, lat if hemisphere == "north" else -lat]
    table = np.stack(cols, axis=1)
    table.flags.writeable = False
    return table


def footprint_table(p: SynthParams) -> np.ndarray | None:
    """The footprint table `p` asks for (file or built-in), or None when footprints are off."""
    source = footprint_source(p)
    if source is None:
        return None
    if source == BUILTIN_FOOTPRINTS:
        return approximate_table()
    return load_table(str(Path(source)))


def footprint_at(table: np.ndarray, moon: str, hemisphere: str, moon_lon: float):
    """(lat, lon) of a moon's footprint, or None where the table has no value."""
    col = 1 + 4 * MOONS.index(moon) + (0 if hemisphere == "north" else 2)
    lons = table[:, 0]
    step = lons[1] - lons[0]
    pos = (moon_lon % 360.0 - lons[0]) / step
    i0 = int(np.floor(pos)) % len(lons)
    i1 = (i0 + 1) % len(lons)
    t = pos - np.floor(pos)
    a, b = table[i0, col : col + 2], table[i1, col : col + 2]
    if not (a.any() and b.any()):
        return None
    dlon = (b[0] - a[0] + 180.0) % 360.0 - 180.0  # interpolate across 0/360
    return float(a[1] + t * (b[1] - a[1])), float((a[0] + t * dlon) % 360.0)


def sample_footprints(rng: np.random.Generator, hemisphere: str, p: SynthParams):
    """Footprint spots: a list of dicts (moon, lat, lon, brightness rel. to the oval peak, fwhm
    deg, tail flag). Moon longitudes are drawn uniformly."""
    table = footprint_table(p)
    if table is None:
        return []
    spots: list[dict[str, Any]] = []
    for moon in MOONS:
        moon_lon = rng.uniform(0.0, 360.0)
        bright = rng.uniform(*p.footprint_brightness)
        width = rng.uniform(*p.footprint_fwhm_deg)
        at = footprint_at(table, moon, hemisphere, moon_lon)
        if at is None:
            continue
        spots.append({"moon": moon, "lat": at[0], "lon": at[1], "moon_lon": moon_lon,
                      "brightness": bright, "fwhm": width, "tail": False})  # fmt: skip
        if moon != "io":
            continue
        span = IO_SIII_RATE_DEG_PER_H * p.io_tail_hours
        for k in range(1, TAIL_POINTS + 1):
            past = footprint_at(table, moon, hemisphere, moon_lon - span * k / TAIL_POINTS)
            if past is not None:
                fade = 0.5 * (1 - (k - 1) / TAIL_POINTS)
                spots.append({"moon": moon, "lat": past[0], "lon": past[1],
                              "moon_lon": moon_lon, "brightness": bright * fade,
                              "fwhm": width * 1.5, "tail": True})  # fmt: skip
    return spots
