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


def test_no_set_is_refused(tiny_run):
    with pytest.raises(ValueError, match="at least one labelled"):
        run_oval_course(tiny_run["checkpoint"], [], {"min_prob": [0.0]}, device="cpu")
