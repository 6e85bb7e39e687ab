"""`benchmark suite=oval_course`: every combination of the grid scored on each labelled set,
after the course-off bar; the first set chooses."""

from __future__ import annotations

import pytest
from tests.inference.test_oval_course_run import ring_network  # noqa: F401 (a fixture)
from tests.inference.test_temporal_run import sequence  # noqa: F401 (a fixture)

from jovis.benchmarks.oval_course import run_oval_course


def test_the_grid_is_scored_and_the_first_set_chooses(tiny_run, sequence, ring_network):  # noqa: F811
    grid = {"min_prob": [0.0, 0.5], "ribbon": [1.0]}
    result = run_oval_course(tiny_run["checkpoint"], [sequence], grid, device="cpu")
    name = result["chosen_on"]
    off, *rows = result["rows"]
    assert off["settings"] == "off" and off[f"{name}_filled_px"] == 0
    assert [r["settings"]["min_prob"] for r in rows] == [0.0, 0.5]
    assert rows[0][f"{name}_filled_px"] > 0 == rows[1][f"{name}_filled_px"]  # 0.1 < 0.5: none
    assert result["best"][f"{name}_iou"] == max(r[f"{name}_iou"] for r in rows)
    for r in result["rows"]:
        assert 0 <= r[f"{name}_iou"] <= r[f"{name}_recall"] <= 1


def test_growth_is_a_grid_setting(tiny_run, sequence, ring_network):  # noqa: F811
    """grow_prob joins the weak gap (0.1) to the arcs without the course (max_gap_deg 0)."""
    grid = {"grow_prob": [0.0, 0.05], "max_gap_deg": [0.0]}
    result = run_oval_course(tiny_run["checkpoint"], [sequence], grid, device="cpu")
    name = result["chosen_on"]
    _, none, grown = result["rows"]
    assert none[f"{name}_grown_px"] == 0 == none[f"{name}_filled_px"] == grown[f"{name}_filled_px"]
    assert grown[f"{name}_grown_px"] > 0
    assert grown[f"{name}_recall"] >= none[f"{name}_recall"]


def test_no_set_is_refused(tiny_run):
    with pytest.raises(ValueError, match="at least one labelled"):
        run_oval_course(tiny_run["checkpoint"], [], {"min_prob": [0.0]}, device="cpu")
