"""Intervals of vortex detection scores over resampled frames (`jovis.scoring.intervals`) and
`scripts/compare_real.py`, which compares two real-frame evaluations with them."""

from __future__ import annotations

import json

import pytest
from tests.apps.test_scripts import run

from jovis.scoring.intervals import detection_intervals, paired_difference


def _rows(counts, prefix="p"):
    return [{"id": f"{prefix}{i}", "vortex_tp": tp, "vortex_fp": fp, "vortex_fn": fn}
            for i, (tp, fp, fn) in enumerate(counts)]  # fmt: skip


A = [(2, 3, 4), (0, 5, 6), (3, 1, 2), (1, 2, 8), (4, 4, 1), (2, 6, 3)]


def test_detection_intervals_hold_the_pooled_score_and_repeat():
    rows = [*_rows(A), {"id": "no vortex truth", "aurora_iou": 0.5}]  # left out
    out = detection_intervals(rows)
    assert out["frames"] == 6
    tp, fp, fn = (sum(c[i] for c in A) for i in range(3))
    f1 = 2 * tp / (2 * tp + fp + fn)
    assert out["f1"][0] < f1 < out["f1"][1]
    assert out["found"][0] < tp < out["found"][1]
    assert out == detection_intervals(rows)  # a fixed seed: the same numbers
    assert detection_intervals(_rows([(5, 0, 0)] * 4))["f1"] == [1.0, 1.0]  # no spread
    assert detection_intervals([{"id": "x"}]) is None


def test_paired_difference_sees_a_better_detector_and_no_difference():
    a = _rows(A)
    same = paired_difference(a, a)
    assert same["f1"]["difference"] == 0 and same["f1"]["interval"] == [0.0, 0.0]
    assert same["f1"]["share_above_zero"] == 0.5  # ties count half
    better = _rows([(tp + 1, fp, fn - 1) for tp, fp, fn in A])  # one more found on every frame
    out = paired_difference(a, better)
    assert out["found"]["difference"] == 6 and out["found"]["interval"][0] > 0
    assert out["f1"]["interval"][0] > 0 and out["f1"]["share_above_zero"] == 1.0
    worse = paired_difference(better, a)
    assert worse["f1"]["interval"][1] < 0 and worse["f1"]["share_above_zero"] == 0.0


def test_paired_difference_pairs_frames_by_id():
    a, b = _rows(A), _rows(A)
    b[0]["id"] = "elsewhere"
    out = paired_difference(a, b)
    assert out["frames"] == 5 and out["only_a"] == ["p0"] and out["only_b"] == ["elsewhere"]
    with pytest.raises(ValueError, match="share no frame"):
        paired_difference(a, _rows(A, prefix="q"))


def _real_json(path, counts):
    rows = _rows(counts)
    path.mkdir(parents=True)
    result = {"reference": {"model": {"per_frame": rows}}, "folders": []}
    (path / "real.json").write_text(json.dumps(result))
    return path


def test_compare_real_script_prints_the_paired_differences(tmp_path):
    a = _real_json(tmp_path / "a" / "real", A)
    b = _real_json(tmp_path / "b" / "real", [(tp + 1, fp, fn - 1) for tp, fp, fn in A])
    _, out = run("scripts/compare_real.py", f"a={tmp_path / 'a'}", f"b={b / 'real.json'}")
    assert out["reference"]["found"]["difference"] == 6.0
    assert "reference_filters" not in out  # neither run scored the per-filter sets
    proc, _ = run("scripts/compare_real.py", f"a={a}", f"b={tmp_path / 'nothing'}", ok=False)
    assert proc.returncode != 0 and "no real.json" in proc.stderr
    proc, _ = run("scripts/compare_real.py", f"a={a}", f"b={b}", "draws=0", ok=False)
    assert proc.returncode != 0 and "whole number" in proc.stderr
    (tmp_path / "uv.json").write_text(json.dumps({"folders": []}))  # no reference set scored
    proc, _ = run("scripts/compare_real.py", f"a={a}", f"b={tmp_path / 'uv.json'}", ok=False)
    assert proc.returncode != 0 and "neither result" in proc.stderr
    (tmp_path / "torn.json").write_text('{"reference": ')  # a half-written file
    proc, _ = run("scripts/compare_real.py", f"a={a}", f"b={tmp_path / 'torn.json'}", ok=False)
    assert proc.returncode != 0 and "torn.json: not a real.json" in proc.stderr
