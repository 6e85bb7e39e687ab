"""IDF1, id switches, fragmentation and drift error on hand-made tracks."""

from __future__ import annotations

import pytest

from jovis.tracking import metrics

FRAMES = [f"f{k}" for k in range(4)]


def _truth():
    return [(f, tid, 83.0, lon + 0.5 * k) for k, f in enumerate(FRAMES)
            for tid, lon in ((1, 10.0), (2, 130.0))]  # fmt: skip


def test_identical_tracks_score_one():
    t = _truth()
    p = [(f, tid + 10, lat, lon) for f, tid, lat, lon in t]
    s = metrics.score(t, p, FRAMES, 500.0)
    assert (s["idf1"], s["id_switches"], s["fragmentations"]) == (1.0, 0, 0)
    assert s["pairing"] == {1: 11, 2: 12}


def test_swapped_ids_mid_way_count_switches_and_lower_idf1():
    t = _truth()
    p = [(f, tid if int(f[1]) < 2 else 3 - tid, lat, lon) for f, tid, lat, lon in t]
    s = metrics.score(t, p, FRAMES, 500.0)
    assert s["id_switches"] == 2
    assert s["idf1"] == pytest.approx(0.5)


def test_a_missed_frame_is_one_fragmentation():
    t = _truth()
    p = [q for q in t if not (q[0] == "f2" and q[1] == 1)]
    s = metrics.score(t, p, FRAMES, 500.0)
    assert s["fragmentations"] == 1 and s["id_switches"] == 0
    assert s["idf1"] == pytest.approx(2 * 7 / (8 + 7), abs=1e-4)


def test_restrict_keeps_one_role_and_false_tracks_in_its_band():
    t = [*_truth(), ("f0", 3, 60.0, 0.0)]
    p = [*t, ("f1", 9, 83.2, 250.0)]  # a false vortex near the ring
    tk, pk = metrics.restrict(t, p, {1, 2}, 500.0)
    assert {q[1] for q in tk} == {1, 2}
    assert ("f0", 3, 60.0, 0.0) not in pk and ("f1", 9, 83.2, 250.0) in pk


def test_drift_errors():
    out = metrics.drift_errors({1: 5}, {1: 0.011}, {5: 0.012})
    assert out["drift_err_mean_deg_per_day"] == pytest.approx(0.001)
