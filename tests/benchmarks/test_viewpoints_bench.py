"""`benchmark suite=viewpoints`: a vortex detector's agreement between synthetic views along a
spacecraft track, with the truth's as the ceiling."""

from __future__ import annotations

import pytest
import torch
from tests.conftest import compose_config

from jovis.benchmarks.viewpoints import _pair_ious, run_viewpoints


def test_pairs_are_scored_on_common_latitude_and_longitude():
    size = 16
    ax = (2 * torch.arange(size) + 1) / size - 1
    same = torch.stack(torch.meshgrid(ax, ax, indexing="xy"), -1)[None]
    mask = torch.zeros(1, size, size, dtype=torch.bool)
    mask[0, 2:6, 3:12] = True
    ok = torch.ones_like(mask)
    assert _pair_ious(mask, mask, same, ok) == [1.0]
    # the moved view's pixel (x, y) is the first view's (x + 4, y): the vortex lands 4 px left
    shifted = same.clone()
    shifted[..., 0] += 8 / size
    moved = torch.zeros_like(mask)
    moved[0, 2:6, 0:8] = True
    assert _pair_ious(mask, moved, shifted, ok) == [1.0]
    assert _pair_ious(mask, mask, shifted, ok) == [pytest.approx(5 / 12)]  # cols 3-7 of 0-11
    # pixels not seen in both views do not count; pairs with nothing marked are left out
    assert _pair_ious(mask, mask, same, ok & ~mask) == []


def test_the_suite_scores_a_checkpoint_and_the_truth(tiny_run):
    result = run_viewpoints(tiny_run["checkpoint"], 4, device="cpu", batch_size=2,
                            step={"sub_lon_deg": 6.0})  # fmt: skip
    assert result["frames"] == 4 and result["size"] == 64
    assert result["step"]["sub_lon_deg"] == 6.0 and result["step"]["sub_lat_deg"] == 6.0
    # the labels carried between the views land on each other, short of 1 by the resampling
    assert result["truth_pairs"] >= 3 and result["truth_agreement_median"] > 0.75
    assert result["pairs"] <= 4
    if result["pairs"]:
        assert 0 <= result["agreement_median"] <= 1
    with pytest.raises(ValueError, match=r"loss\.track\.sub_lat"):
        run_viewpoints(tiny_run["checkpoint"], 2, device="cpu", step={"sub_lat": 3.0})


def test_the_benchmark_app_runs_the_suite_from_its_config(tiny_run):
    from jovis.apps.benchmark import SUITES
    from jovis.apps.benchmark import run_viewpoints as app_run

    assert "viewpoints" in SUITES
    cfg = compose_config("benchmark", [
        "suite=viewpoints", f"ckpt={tiny_run['checkpoint']}", "device=cpu",
        "viewpoints.frames=2", "viewpoints.batch_size=2", "+viewpoints.step.distance=0.2",
    ])  # fmt: skip
    result, table = app_run(cfg)
    assert result["frames"] == 2 and result["step"]["distance"] == 0.2
    assert result["truth_pairs"] >= 1 and table.row_count == 2
