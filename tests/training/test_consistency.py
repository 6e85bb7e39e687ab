"""Temporal-stability consistency term (jovis.training.consistency, loss.consistency)."""

import csv
import math
from pathlib import Path

import pytest
import torch
from tests.conftest import compose_config

from jovis.training.consistency import SecondView, build_consistency
from jovis.training.fit import train
from jovis.training.losses import build_loss, consistency_loss

GEOMETRY_ONLY = {"gain": 0.0, "noise": 0.0, "peak": 0.0, "blur": 0.0}


def _frames(b: int = 2, size: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
    """A patterned 1-channel batch with a no-data band (mask 255, image 0)."""
    y, x = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    pattern = 0.5 + 0.4 * torch.sin(2 * math.pi * x / 16) * torch.cos(2 * math.pi * y / 24)
    image = pattern.float().expand(b, 1, size, size).clone()
    mask = torch.zeros(b, size, size, dtype=torch.uint8)
    image[:, :, :6], mask[:, :6] = 0, 255
    return image, mask


def _pixelwise(image: torch.Tensor) -> torch.Tensor:
    """A 'network' that decides each pixel from its own value: rotation-equivariant."""
    x = image[:, :1] * 6 - 3
    return torch.cat([-x, x, torch.zeros_like(x)], 1)


def test_the_rotation_is_undone_exactly_on_the_valid_pixels():
    view = SecondView(1.0, rotation_deg=10, **GEOMETRY_ONLY)
    image, mask = _frames()
    second, angle, valid = view.make(image, mask, torch.Generator().manual_seed(0))
    assert (angle.abs() > math.radians(1)).all()
    # a constant probability map comes back equal wherever the comparison counts ...
    const = torch.tensor([0.2, 0.5, 0.3]).view(1, 3, 1, 1).expand(2, 3, 64, 64)
    aligned = view.align(const, angle)
    torch.testing.assert_close(aligned.permute(0, 2, 3, 1)[valid], const.permute(0, 2, 3, 1)[valid])
    # ... and the pixels left out are those the rotation brought from outside or from no data
    assert not valid[:, :4, 28:36].any() and (second.permute(0, 2, 3, 1)[~valid] == 0).all()
    assert (aligned.permute(0, 2, 3, 1)[~valid] != const.permute(0, 2, 3, 1)[~valid]).any()
    assert valid.float().mean() > 0.6


def _mismatch(align) -> float:
    view = SecondView(1.0, rotation_deg=10, **GEOMETRY_ONLY)
    image, mask = _frames()
    second, angle, valid = view.make(image, mask, torch.Generator().manual_seed(0))
    first = _pixelwise(image).softmax(1)
    return float(consistency_loss(align(view, first, angle), _pixelwise(second), valid, "mse"))


def test_a_wrong_undo_is_caught():
    right = _mismatch(lambda view, p, angle: view.align(p, angle))
    wrong = _mismatch(lambda view, p, angle: view.align(p, -angle))  # undone the wrong way
    none = _mismatch(lambda view, p, angle: p)  # not undone
    assert right < 2e-3
    assert wrong > 50 * right and none > 20 * right


@pytest.mark.parametrize("divergence", ["kl", "mse"])
def test_the_consistency_loss_is_zero_only_for_identical_predictions(divergence):
    logits = torch.randn(2, 3, 16, 16, generator=torch.Generator().manual_seed(1))
    logits[:, 2] = -math.inf  # an invisible class: never NaN
    valid = torch.ones(2, 16, 16, dtype=torch.bool)
    same = consistency_loss(logits.softmax(1), logits, valid, divergence)
    assert float(same) == pytest.approx(0.0, abs=1e-6)
    other = logits.clone()
    other[:, :2] = other[:, :2].flip(1)
    other.requires_grad_(True)
    loss = consistency_loss(logits.softmax(1), other, valid, divergence)
    assert float(loss.detach()) > 0.05
    loss.backward()
    assert torch.isfinite(other.grad).all() and other.grad.abs().sum() > 0
    # invalid pixels never count
    half = valid.clone()
    half[:, :8] = False
    mixed = logits.clone()
    mixed[:, :2, :8] = mixed[:, :2, :8].flip(1)
    assert float(consistency_loss(logits.softmax(1), mixed, half, divergence)) == pytest.approx(
        0.0, abs=1e-6
    )


def test_the_first_view_is_a_stop_gradient_target():
    view = SecondView(1.0)
    image, mask = _frames()
    logits = _pixelwise(image).requires_grad_(True)
    weight = torch.ones((), requires_grad=True)
    term = view.term(lambda x: _pixelwise(x) * weight, image, mask, logits,
                     torch.Generator().manual_seed(3))  # fmt: skip
    term.backward()
    assert logits.grad is None and weight.grad is not None and float(term.detach()) > 0


def test_config_block_off_by_default_and_checked():
    cfg = compose_config("train", [])
    assert cfg["loss"]["consistency"]["weight"] == 0
    assert build_consistency(cfg["loss"]["consistency"]) is None
    build_loss(cfg["loss"], 3)  # the train loss accepts the block it leaves to consistency
    for name in ("uv", "visible"):
        on = compose_config("train", [f"experiment={name}"])["loss"]["consistency"]
        assert isinstance(build_consistency(on), SecondView)
    with pytest.raises(ValueError, match=r"loss\.consistency\.rotation"):
        build_consistency({"weight": 1, "rotation": 2})
    with pytest.raises(ValueError, match=r"loss\.consistency\.gain"):
        build_consistency({"weight": 1, "gain": -0.1})
    with pytest.raises(ValueError, match=r"loss\.consistency\.divergence"):
        build_consistency({"weight": 1, "divergence": "js"})


def _run(tmp_path: Path, name: str, *overrides: str) -> tuple[dict, list[dict]]:
    out = tmp_path / name
    run = train(compose_config("train", ["experiment=tiny", f"out={out}", *overrides]))
    with open(Path(run["out"]) / "logs" / "metrics.csv") as f:
        rows = [r for r in csv.DictReader(f) if r.get("train/loss")]
    return torch.load(run["checkpoint"], weights_only=True)["state_dict"], rows


def test_weight_zero_trains_as_today_and_the_term_is_logged(tmp_path):
    steps = "trainer.max_steps=2"
    today, today_rows = _run(tmp_path, "today", steps)
    zero, zero_rows = _run(
        tmp_path, "zero", steps, "loss.consistency.weight=0", "loss.consistency.rotation_deg=9"
    )
    assert all(torch.equal(today[k], zero[k]) for k in today)
    assert [r["train/loss"] for r in today_rows] == [r["train/loss"] for r in zero_rows]
    assert "train/consistency" not in today_rows[0]
    on, on_rows = _run(tmp_path, "on", steps, "loss.consistency.weight=1")
    terms = [float(r["train/consistency"]) for r in on_rows]
    assert len(terms) == 2 and all(t > 0 for t in terms)
    assert not all(torch.equal(today[k], on[k]) for k in today)
