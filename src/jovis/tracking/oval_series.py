"""The auroral oval as a time series: one row per frame that has an oval."""

from __future__ import annotations

from typing import Any

from jovis.tracking.observations import FrameObs, days_between

OVAL_COLUMNS = ("frame_id time day centre_lat centre_lon mean_colatitude_deg enclosed_area_km2 "
                "emitting_area_px integrated_brightness brightness_units "
                "brightness_coverage").split()  # fmt: skip


def oval_series(frames: list[FrameObs]) -> list[dict[str, Any]]:
    """Rows keyed `OVAL_COLUMNS`, in time order: the oval centre (lat, SIII west lon), its mean
    colatitude (from the pole), the area of a polar cap of that colatitude (km², the oval's size
    to first order), its emitting ribbon's pixel
    area and integrated brightness with the units the catalogue gave (kR·km² or GW for
    calibrated frames; None when the units do not allow), and the share of the region summed
    that had data (a limb or the field of view cuts it: the sum then misses the rest)."""
    if not frames:
        return []
    t0 = frames[0].time
    rows = []
    for f in frames:
        if not f.oval:
            continue
        row = {c: f.oval.get(c) for c in OVAL_COLUMNS}
        row.update(frame_id=f.frame_id, time=f.time.isoformat(),
                   day=round(days_between(t0, f.time), 6))  # fmt: skip
        rows.append(row)
    return rows
