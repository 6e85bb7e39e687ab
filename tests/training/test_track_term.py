"""Stability between viewpoints (jovis.training.track_term, loss.track)."""

import csv
from pathlib import Path

import pytest
import torch
from tests.conftest import compose_config

from jovis.data.stream import SyntheticStream
from jovis.synth.track import TrackStep
from jovis.synth.viewmix import pick_view
from jovis.training.build import build_datamodule
from jovis.training.fit import train
from jovis.training.losses import build_loss
from jovis.training.track_term import TrackTerm, build_track, track_step

NORMALISATION = compose_config("train", ["instrument=junocam_rgb"])["normalisation"]


def _stream(view="perspective", track=TrackStep()):  # noqa: B008 (a frozen dataclass)
    return SyntheticStream(8, 4, size=64, channels=["red", "green", "blue"], seed=5,
                           normalisation=NORMALISATION, view=view, track=track)  # fmt: skip


def _pixelwise(image: torch.Tensor) -> torch.Tensor:
    """A 'network' that decides each pixel from its own brightness: view-independent."""
    x = image.mean(1, keepdim=True) * 6 - 3
    return torch.cat([-x, x, torch.zeros_like(x)], 1)


def test_the_stream_adds_moved_views_of_its_perspective_frames_only():
    plain = _stream(track=None).render(0, 0, 0, torch.device("cpu"))
    batch = _stream().render(0, 0, 0, torch.device("cpu"))
    assert not any(k.startswith("track") for k in plain)
    for key in ("image", "mask"):  # the batch itself is unchanged
        assert torch.equal(plain[key], batch[key])
    assert torch.equal(batch["track_first"], batch["image"])
    assert batch["track_image"].shape == batch["image"].shape
    assert batch["track_grid"].shape == (4, 64, 64, 2)
    assert 0.2 < batch["track_valid"].float().mean() < 1
    mix, drawn = {"polar": 0.5, "perspective": 0.5}, []
    for batch_index in range(4):
        stream = _stream(view=mix)
        kinds = [pick_view(s, mix) for s in stream.seeds(0, batch_index, 0)]
        mixed = stream.render(0, batch_index, 0, torch.device("cpu"))
        # the polar-grid frames have no moved view
        assert len(mixed.get("track_image", [])) == kinds.count("perspective")
        drawn += kinds
    assert "polar" in drawn and "perspective" in drawn
    assert _stream(view="polar").render(0, 0, 0, torch.device("cpu")).keys() == plain.keys()


def test_the_term_is_small_for_a_view_independent_network_and_large_when_misaligned():
    batch = _stream().render(0, 0, 0, torch.device("cpu"))
    term = build_track({"weight": 1, "gain": 0, "noise": 0, "peak": 0, "blur": 0})
    right = float(term.term(_pixelwise, batch, torch.Generator().manual_seed(0)))
    wrong = float(term.term(_pixelwise, {**batch, "track_grid": batch["track_grid"].flip(-1)},
                            torch.Generator().manual_seed(0)))  # fmt: skip
    assert right < 0.5 * wrong
    assert term.term(_pixelwise, {"image": batch["image"]}, torch.Generator()) is None


def test_the_first_view_is_a_stop_gradient_target():
    batch = _stream().render(0, 0, 0, torch.device("cpu"))
    weight = torch.ones((), requires_grad=True)
    seen = []

    def forward(x):
        seen.append(torch.is_grad_enabled())
        return _pixelwise(x) * weight

    term = build_track({"weight": 1}).term(forward, batch, torch.Generator().manual_seed(1))
    term.backward()
    assert seen == [False, True] and weight.grad is not None and float(term.detach()) > 0


def test_config_block_off_by_default_and_checked():
    cfg = compose_config("train", [])
    assert cfg["loss"]["track"]["weight"] == 0
    assert build_track(cfg["loss"]["track"]) is None and track_step(cfg["loss"]["track"]) is None
    build_loss(cfg["loss"], 3)  # the train loss accepts the block it leaves to track_term
    on = build_track({"weight": 2, "sub_lon_deg": 5})
    assert isinstance(on, TrackTerm) and on.weight == 2 and on.step.sub_lon_deg == 5
    with pytest.raises(ValueError, match=r"loss\.track\.sub_lat"):
        build_track({"weight": 1, "sub_lat": 2})
    with pytest.raises(ValueError, match=r"loss\.track\.distance"):
        build_track({"weight": 1, "distance": 0.9})
    with pytest.raises(ValueError, match=r"loss\.track\.divergence"):
        build_track({"weight": 1, "divergence": "js"})
    # frames rendered one by one in the loader (as for data=folder) have no moved view
    per_frame = compose_config(
        "train", ["experiment=tiny", "+data.on_device=false", "loss.track.weight=1"]
    )
    with pytest.raises(ValueError, match="data=synthetic"):
        build_datamodule(per_frame)


def test_the_term_is_trained_and_logged(tmp_path):
    def run(name, *overrides):
        out = tmp_path / name
        args = ["experiment=tiny", "instrument=junocam_rgb", "data.view=perspective",
                "trainer.max_steps=2", f"out={out}", *overrides]  # fmt: skip
        result = train(compose_config("train", args))
        with open(Path(result["out"]) / "logs" / "metrics.csv") as f:
            rows = [r for r in csv.DictReader(f) if r.get("train/loss")]
        return torch.load(result["checkpoint"], weights_only=True)["state_dict"], rows

    today, today_rows = run("off")
    assert "train/track" not in today_rows[0]
    on, on_rows = run("on", "loss.track.weight=1")
    terms = [float(r["train/track"]) for r in on_rows]
    assert len(terms) == 2 and all(t > 0 for t in terms)
    assert not all(torch.equal(today[k], on[k]) for k in today)
