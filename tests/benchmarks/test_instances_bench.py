"""`benchmark suite=instances`: today's defaults first, then every combination of the grid
scored with evaluate's instance matching on each labelled set; the first set chooses, the
others confirm."""

from __future__ import annotations

import pytest
from tests.conftest import compose_config

from jovis.benchmarks.instances import run_instances
from jovis.synth.frameset import write_frame_set

JIRAM = ["L", "M"]  # the tiny_run checkpoint's channels


@pytest.fixture(scope="module")
def two_sets(tmp_path_factory):
    root = tmp_path_factory.mktemp("instance_sets")
    for name, seed in (("val", 3), ("test", 11)):
        write_frame_set(root / name, 3, 64, JIRAM, "jiram", hemisphere="north", seed=seed,
                        split="test")  # fmt: skip
    return [root / "val", root / "test"]


def test_defaults_first_then_the_grid_and_the_first_set_chooses(tiny_run, two_sets):
    grid = {"min_vortex_score": [0.0, 1.01], "neck_ratio": [0.8]}
    result = run_instances(tiny_run["checkpoint"], two_sets, grid, device="cpu")
    first, second = result["sets"]
    assert result["chosen_on"] == first and result["sets"] == {first: 3, second: 3}
    default, loose, strict = result["rows"]
    assert default["settings"] == "default"
    assert [r["settings"]["min_vortex_score"] for r in (loose, strict)] == [0.0, 1.01]
    for name in (first, second):
        # no mean probability reaches 1.01: nothing is found, every true vortex is missed
        assert strict[f"{name}_tp"] == strict[f"{name}_fp"] == 0
        assert strict[f"{name}_fn"] == default[f"{name}_tp"] + default[f"{name}_fn"] > 0
        # a lower score floor keeps every instance the default keeps
        found = loose[f"{name}_tp"] + loose[f"{name}_fp"]
        assert found >= default[f"{name}_tp"] + default[f"{name}_fp"]
    assert result["best"][f"{first}_f1"] == max(r[f"{first}_f1"] for r in result["rows"])
    if result["best"] is default:
        assert result["confirmed"] is False


def test_bad_requests_are_refused(tiny_run, two_sets):
    with pytest.raises(ValueError, match="at least one labelled"):
        run_instances(tiny_run["checkpoint"], [], {"min_vortex_score": [0.5]}, device="cpu")
    with pytest.raises(ValueError, match=r"valid: .*concave_ratio, max_axis_ratio"):
        run_instances(tiny_run["checkpoint"], two_sets, {"max_ratio": [3.0]}, device="cpu")
    with pytest.raises(ValueError, match="unknown settings \\['min_score'\\]"):
        run_instances(tiny_run["checkpoint"], two_sets, {"min_score": [0.5]}, device="cpu")


def test_the_benchmark_app_runs_the_suite_from_its_config(tiny_run, two_sets):
    from jovis.apps.benchmark import SUITES
    from jovis.apps.benchmark import run_instances as app_run

    cfg = compose_config("benchmark", [
        "suite=instances", f"ckpt={tiny_run['checkpoint']}", "device=cpu",
        f"instances.data=[{two_sets[0]}]", "instances.grid.min_vortex_score=[0.5,0.9]",
        "instances.grid.min_vortex_area_px=[6]",
    ])  # fmt: skip
    assert "instances" in SUITES
    result, table = app_run(cfg)
    assert [r["settings"] for r in result["rows"]][1:] == [
        {"min_vortex_score": v, "min_vortex_area_px": 6, "neck_ratio": 0.8, "concave_ratio": 0.9}
        for v in (0.5, 0.9)
    ]
    assert table.row_count == 3
