"""`benchmark suite=temporal`: temporal settings scored on rendered synthetic UV sequences."""

from __future__ import annotations

import pytest
from tests.conftest import compose_config

from jovis.benchmarks.temporal import run_temporal
from jovis.training.fit import train


@pytest.fixture(scope="module")
def uv_ckpt(tmp_path_factory):
    out = tmp_path_factory.mktemp("uv")
    cfg = compose_config("train", ["experiment=tiny", "instrument=uv", f"out={out}",
                                   "trainer.max_steps=2"])  # fmt: skip
    return train(cfg)["checkpoint"]


def test_each_regime_scores_the_truth_and_every_setting(uv_ckpt, tmp_path):
    kwargs = dict(regimes=["hst_visit"], sequences=2, size=64, settings=["off", "stack:5"],
                  device="cpu", overrides={"frames": 3})  # fmt: skip
    result = run_temporal(uv_ckpt, tmp_path, **kwargs)
    truth, off, stack = result["rows"]
    assert (truth["mode"], truth["iou"], truth["faint_recall"]) == ("truth", 1.0, 1.0)
    assert 0 < truth["agreement_median"] <= 1.0
    assert (off["mode"], off["window_min"], stack["mode"], stack["window_min"]) == (
        "off", None, "stack", 5.0)  # fmt: skip
    for row in (off, stack):
        assert 0.0 <= row["iou"] <= 1.0 and 0.0 <= row["faint_recall"] <= 1.0
    folders = sorted((tmp_path / "sequences" / "hst_visit").iterdir())
    assert [f.name for f in folders] == ["seq_20100000", "seq_20100001"]
    stamp = (folders[0] / "manifest.jsonl").stat().st_mtime_ns
    assert run_temporal(uv_ckpt, tmp_path, **kwargs)["rows"] == result["rows"]  # reused, same
    assert (folders[0] / "manifest.jsonl").stat().st_mtime_ns == stamp


def test_an_unknown_regime_is_named(uv_ckpt, tmp_path):
    with pytest.raises(ValueError, match="unknown \\['calm'\\]"):
        run_temporal(uv_ckpt, tmp_path, regimes=["calm"], device="cpu")
