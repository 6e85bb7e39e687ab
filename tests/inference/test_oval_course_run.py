"""`infer oval_course=`: the masks written carry the oval's course through the gaps, the run
key and config say so, each manifest row counts the pixels drawn; evaluate and real-eval score
the same masks."""

from __future__ import annotations

import json

import numpy as np
import pytest
from omegaconf import OmegaConf
from tests.inference.test_temporal_run import sequence  # noqa: F401 (a fixture: 64-px frames)

from jovis.evaluation import evaluate
from jovis.inference import Predictor, run_inference
from jovis.io.masks import read_mask_png

ON = {"mode": "on"}


def ring_probs(inputs):
    """In place of the tiny network (which sees no aurora yet): an oval of aurora round each
    input's centre with a 90-degree gap where the aurora probability is only 0.1."""
    out = []
    for x in inputs:
        h, w = x.shape[-2:]
        ys, xs = np.mgrid[:h, :w]
        r = np.hypot(xs - w / 2, ys - h / 2)
        on_ring = np.abs(r - 0.3 * min(h, w)) <= 1.0
        gap = np.degrees(np.arctan2(ys - h / 2, xs - w / 2)) > 90
        aurora = np.where(on_ring, np.where(gap, 0.1, 0.9), 0.0)
        out.append(np.stack([1 - aurora, aurora, np.zeros_like(aurora)]).astype(np.float32))
    return out


@pytest.fixture
def ring_network(monkeypatch):
    monkeypatch.setattr(Predictor, "predict_frames", lambda self, inputs, pool=None:
                        ring_probs(inputs))  # fmt: skip


def infer(ckpt, frames, out, course):
    result = run_inference(ckpt, frames, out, device="cpu", progress=False, num_workers=0,
                           oval_course=course)  # fmt: skip
    rows = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    masks = {r["id"]: read_mask_png(out / "masks" / f"{r['id']}.png") for r in rows}
    return result, {r["id"]: r for r in rows}, masks


def test_infer_draws_the_course_and_records_it(tiny_run, sequence, tmp_path, ring_network):  # noqa: F811
    ckpt = tiny_run["checkpoint"]
    _, off_rows, off = infer(ckpt, sequence, tmp_path / "off", "off")
    _, rows, on = infer(ckpt, sequence, tmp_path / "on", ON)
    _, auto_rows, _ = infer(ckpt, sequence, tmp_path / "auto", None)  # a JIRAM model: auto = off
    assert all("oval_course_px" not in r for r in [*off_rows.values(), *auto_rows.values()])
    assert all(r["status"] == "ok" and isinstance(r["oval_course_px"], int) for r in rows.values())
    for fid, mask in on.items():
        drawn = (mask == 1) & (off[fid] != 1)
        assert drawn.sum() == rows[fid]["oval_course_px"]
        assert np.array_equal(mask[off[fid] == 1], off[fid][off[fid] == 1])  # nothing removed
    assert all(r["oval_course_px"] > 0 for r in rows.values())
    assert rows[fid]["run_key"] != off_rows[fid]["run_key"]
    assert OmegaConf.load(tmp_path / "on" / "config.yaml").oval_course.mode == "on"
    assert OmegaConf.load(tmp_path / "auto" / "config.yaml").oval_course.requested == "auto"


def test_evaluate_scores_the_masks_infer_writes(tiny_run, sequence, tmp_path, ring_network):  # noqa: F811
    ckpt = tiny_run["checkpoint"]
    off = evaluate(ckpt, sequence, None, device="cpu", oval_course="off")
    on = evaluate(ckpt, sequence, None, device="cpu", oval_course=ON)
    assert off["oval_course"] == "off" and on["oval_course"] == "on"
    cm_off, cm_on = np.array(off["confusion_matrix"]), np.array(on["confusion_matrix"])
    assert cm_on[:, 1].sum() > cm_off[:, 1].sum()  # more aurora predicted
    with pytest.raises(ValueError, match="unknown keys"):
        evaluate(ckpt, sequence, None, device="cpu", oval_course={"mode": "on", "ribon": 2})


def test_real_eval_predicts_the_masks_infer_writes(tiny_run, sequence, ring_network):  # noqa: F811
    from jovis.data.datasets import FolderDataset
    from jovis.real_eval import checkpoint_predict

    predictor = Predictor.from_checkpoint(tiny_run["checkpoint"], device="cpu")
    loaded = FolderDataset(sequence, predictor.info.channels)
    batch = [loaded.load(i)[0] for i in range(len(loaded))]
    masks = {}
    for course in ("off", ON):
        predict = checkpoint_predict(predictor, 2, "auto", "off", course)
        masks[str(course)] = [m for m, _ in predict(batch)]
        drawn = [r.get("oval_course_px") for r in predict.records]
        assert predict.oval_course.mode == ("off" if course == "off" else "on")
        drawn_on = [d for d in drawn if d and d > 0]
        assert drawn == ([None] * len(batch) if course == "off" else drawn_on)
    for off, on in zip(masks["off"], masks[str(ON)], strict=True):
        assert (on == 1).sum() > (off == 1).sum()
