"""`benchmark suite=orientations`: each labelled set scored once per rotation/flip of its frames,
with the spread of the scores, and the tta row."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import compose_config

from jovis.benchmarks.orientations import real_reference_sets, run_orientations, view_name
from jovis.evaluation import evaluate
from jovis.synth.frameset import write_frame_set

JIRAM = ["L", "M"]  # the tiny_run checkpoint's channels


@pytest.fixture(scope="module")
def labelled_set(tmp_path_factory):
    root = tmp_path_factory.mktemp("orientation_set") / "val"
    write_frame_set(root, 3, 64, JIRAM, "jiram", hemisphere="north", seed=5, split="test")
    return root


def test_eight_views_their_spread_and_tta(tiny_run, labelled_set, monkeypatch):
    import jovis.benchmarks.orientations as bench

    calls = []

    def recorded(*args, **kw):
        calls.append((kw.get("orientation"), kw.get("tta", False)))
        return evaluate(*args, **kw)

    monkeypatch.setattr(bench, "evaluate", recorded)
    result = run_orientations(tiny_run["checkpoint"], [labelled_set], device="cpu")
    assert calls == [(i, False) for i in range(8)] + [(None, True)]
    (entry,) = result["sets"].values()
    assert entry["frames"] == 3
    assert [v["view"] for v in entry["views"]] == [
        "as is", "rot90", "rot180", "rot270", "flip", "rot90+flip", "rot180+flip", "rot270+flip"
    ]  # fmt: skip
    f1 = entry["vortex_f1"]
    assert f1["values"] == [v["vortex_f1"] for v in entry["views"]]
    assert f1["min"] <= f1["mean"] <= f1["max"] and f1["sd"] >= 0
    # the first view is the frames as they are: evaluate's own score
    plain = evaluate(tiny_run["checkpoint"], labelled_set, device="cpu")
    assert f1["as_is"] == plain["vortex_f1"]
    assert entry["vortex_iou"]["as_is"] == plain["vortex_iou"]
    assert entry["tta"]["vortex_iou"] == evaluate(tiny_run["checkpoint"], labelled_set,
                                                  device="cpu", tta=True)["vortex_iou"]  # fmt: skip


def test_view_names_and_bad_requests(tiny_run):
    assert view_name(0) == "as is" and view_name(6) == "rot180+flip"
    with pytest.raises(ValueError, match="at least one labelled frame set"):
        run_orientations(tiny_run["checkpoint"], [], device="cpu")


def test_the_benchmark_app_runs_the_suite_from_its_config(tiny_run, labelled_set, tmp_path):
    from jovis.apps.benchmark import SUITES
    from jovis.apps.benchmark import run_orientations as app_run

    cfg = compose_config("benchmark", [
        "suite=orientations", f"ckpt={tiny_run['checkpoint']}", "device=cpu",
        f"orientations.data=[{labelled_set}]", "orientations.tta=false", f"out={tmp_path}",
    ])  # fmt: skip
    assert "orientations" in SUITES
    result, table = app_run(cfg)
    (entry,) = result["sets"].values()
    assert entry["tta"] is None and len(entry["views"]) == 8
    assert table.row_count >= 2  # vortex F1 and IoU at least


REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "real"
needs_real = pytest.mark.skipif(
    not (REAL / "hst_stis_north_2016-05-21").is_dir(),
    reason=f"real frames not found at {REAL} (../shared/data/real)",
)


@needs_real
def test_the_stored_real_sets_are_those_of_the_checkpoints_channels(tiny_run, tmp_path):
    from jovis.released import resolve_model

    uv = resolve_model("uv-v5").path
    assert [p.name for p in real_reference_sets(uv, tmp_path / "uv", REAL)] == ["reference_hst"]
    rgb = real_reference_sets(resolve_model("visible_rgb-v7").path, tmp_path / "rgb", REAL)
    assert [p.name for p in rgb] == ["reference_junocam", "reference_junocam_filters"]
    assert not (tmp_path / "rgb" / "reference_hst").exists()  # another instrument's: removed
    with pytest.raises(ValueError, match=r"none of the stored real reference frames.*'L', 'M'"):
        real_reference_sets(tiny_run["checkpoint"], tmp_path / "jiram", REAL)
