"""Training masks the classes the instrument cannot see: their logit gets no gradient and their
label pixels are ignored; with every class visible nothing changes. A trained checkpoint records
its instrument's visible classes."""

import torch
from tests.conftest import compose_config
from torch import nn

from jovis.checkpoint import load_checkpoint
from jovis.synth.frameset import default_schema
from jovis.training.losses import SegmentationLoss
from jovis.training.module import SegmentationModule


class Logits(nn.Module):
    """A 'network' that returns its parameter as the logits, whatever the image."""

    def __init__(self, logits: torch.Tensor) -> None:
        super().__init__()
        self.logits = nn.Parameter(logits.clone())

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.logits


def module(logits, visible=None):
    return SegmentationModule(
        Logits(logits), default_schema(), lr=1e-3, weight_decay=0.0, warmup_steps=1,
        total_steps=2, channels_last=False, loss=SegmentationLoss(1.0), visible=visible,
    )  # fmt: skip


def batch():
    g = torch.Generator().manual_seed(0)
    mask = torch.randint(0, 3, (2, 16, 16), generator=g)
    mask[:, :2] = 255
    return {"image": torch.zeros(2, 1, 16, 16), "mask": mask}, torch.randn(
        2, 3, 16, 16, generator=g
    )


def test_an_invisible_class_has_no_free_logit_and_its_pixels_count_for_nothing():
    b, logits = batch()
    blind = module(logits, visible=[0, 2])
    masked_logits, target = blind.masked(b)
    assert torch.isneginf(masked_logits[:, 1]).all() and not (target == 1).any()
    assert ((target == 255) == ((b["mask"] == 255) | (b["mask"] == 1))).all()
    loss = blind.loss(masked_logits, target)
    loss.backward()
    grad = blind.model.logits.grad
    assert torch.isfinite(loss) and (grad[:, 1] == 0).all() and grad[:, [0, 2]].abs().sum() > 0
    # every class visible: the network's own tensors, so seeded runs are unchanged
    seeing = module(logits)
    same_logits, same_target = seeing.masked(b)
    assert same_target is b["mask"] and torch.equal(same_logits, logits)
    assert seeing.hidden is None and seeing.visible == [0, 1, 2]


def test_a_trained_checkpoint_records_its_instruments_visible_classes(tmp_path):
    from jovis.training.fit import train

    overrides = ["experiment=tiny", "instrument=junocam_rgb", f"out={tmp_path}"]
    cfg = compose_config("train", [*overrides, "trainer.max_steps=1"])
    _, info = load_checkpoint(train(cfg)["checkpoint"])
    assert info.extra["visible_classes"] == ["background", "vortex"]
    assert info.visible_classes == [0, 2]
