"""The motion model and the polygon's rate hold against one bad position (a blob that holds two
touching vortices puts its centroid 1000-2000 km off)."""

from __future__ import annotations

import numpy as np
import pytest

from jovis.tracking.drift import common_rate
from jovis.tracking.motion import TrackState, carried, polygon_rate, predict
from jovis.tracking.observations import great_circle_km

RATE = 0.011  # deg/day west, ~4°/yr


def _track(n: int, bad: int | None = None, lat: float = 82.0, lon0: float = 30.0) -> TrackState:
    """`n` detections 53 days apart turning with the polygon; detection `bad` 1.2° of latitude
    (~1400 km) off, as a merged blob's centroid."""
    pts = []
    for k in range(n):
        day = 53.0 * k
        pts.append((k, 0, day, lat - (1.2 if k == bad else 0.0), lon0 + RATE * day))
    return TrackState(pts)


@pytest.mark.parametrize("bad", [0, 4, 5])
def test_prediction_ignores_one_merged_blob(bad):
    tr = _track(6, bad=bad)
    day = 53.0 * 6
    lat, lon = predict(tr, day, RATE, min_own=5, window=7)
    assert great_circle_km(lat, lon, 82.0, 30.0 + RATE * day) < 50.0
    if bad == 5:  # the last position (what the tracker predicted before) is 1400 km off
        last = predict(tr, day, RATE, min_own=5, window=1)
        assert great_circle_km(*last, 82.0, 30.0 + RATE * day) > 1000.0


def test_bridged_position_is_carried_from_both_sides():
    tr = _track(7)
    del tr.points[3]
    lat, lon = carried(tr, 53.0 * 3, RATE, 5, 7)
    assert (lat, lon) == pytest.approx((82.0, 30.0 + RATE * 53.0 * 3))


def test_own_drift_is_added_once_the_track_is_long_enough():
    pts = [(k, 0, 10.0 * k, 80.0 + 0.01 * k, 100.0 + 0.05 * k * 10.0) for k in range(6)]
    tr = TrackState(pts)
    lat, lon = predict(tr, 60.0, 0.0, min_own=5, window=7)  # the polygon says: no rotation
    assert (lat, lon) == pytest.approx((80.06, 103.0))
    lat, lon = predict(tr, 60.0, 0.0, min_own=10, window=1)  # too short for its own drift
    assert (lat, lon) == pytest.approx((80.05, 102.5))


def test_polygon_rate_is_the_median_step():
    tracks = [_track(3, lon0=l0) for l0 in (0.0, 45.0, 90.0, 135.0)]
    tracks.append(_track(3, bad=1, lon0=180.0))
    tracks[-1].points[1] = (*tracks[-1].points[1][:3], 81.0, 180.0 + 9.0)  # 9° off: a merge
    assert polygon_rate(tracks, (3.0, 9.5), 0.0) == pytest.approx(RATE)
    assert polygon_rate([TrackState([(0, 0, 0.0, 82.0, 1.0)])], (3.0, 9.5), 0.5) == 0.5


def test_common_rate_leaves_out_a_merged_blob():
    day = np.arange(20) * 53.0
    series = [(day, l0 + RATE * day + np.random.default_rng(i).normal(0, 0.3, day.size))
              for i, l0 in enumerate((0.0, 45.0, 90.0))]  # fmt: skip
    lon = series[0][1].copy()
    lon[-1] += 9.0
    series[0] = (day, lon)
    rate, err, used = common_rate(series)
    assert used == 3 and rate == pytest.approx(RATE, rel=0.03) and err < 0.05 * RATE
    assert abs(common_rate(series, clip=0)[0] - RATE) > 0.05 * RATE


def test_track_rate_leaves_out_a_wrong_first_link():
    from jovis.tracking.drift import track_rates

    day = np.arange(18) * 53.0
    lon = 355.0 + RATE * day + 0.5 * np.sin(day / 20.0)  # an oscillation of ~60 km
    lon[:2] += 12.0  # the track began on another blob
    r = track_rates(day, np.full(day.size, 83.0), lon % 360.0)
    assert r["n"] == 18 and r["lon_rate_deg_per_day"] == pytest.approx(RATE, rel=0.1)
    from jovis.tracking.drift import slope

    assert slope(day, lon, clip=0)[0] < 0.5 * RATE
