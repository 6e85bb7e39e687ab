"""Validation metrics of SegmentationModule: per class, vortex instances, oval boundary."""

import lightning as L
import numpy as np
import pytest
import torch
import yaml
from torch import nn
from torch.utils.data import DataLoader

from jovis.config import CONFIG_DIR
from jovis.data.datamodule import collate
from jovis.data.datasets import SyntheticDataset
from jovis.frame import LabelSchema
from jovis.geometry import PolarGrid
from jovis.scoring import FeatureScores
from jovis.training.module import SegmentationModule, augment_seed

SCHEMA = LabelSchema.from_dict(yaml.safe_load((CONFIG_DIR / "labels" / "default.yaml").read_text()))


class Replay(nn.Module):
    """Returns the given masks (one per call, in order) as confident logits."""

    def __init__(self, masks: list[torch.Tensor], num_classes: int) -> None:
        super().__init__()
        self.masks, self.n = masks, num_classes
        self.bias = nn.Parameter(torch.zeros(()))

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        mask = self.masks.pop(0).clamp(max=self.n - 1)
        return nn.functional.one_hot(mask, self.n).permute(0, 3, 1, 2).float() * 10 + self.bias


def _validate(masks_for_model, dataset) -> dict[str, float]:
    loader = DataLoader(dataset, batch_size=2, collate_fn=collate)
    module = SegmentationModule(
        Replay(masks_for_model, SCHEMA.num_classes), SCHEMA, lr=1e-3, weight_decay=0.0,
        warmup_steps=0, total_steps=1, channels_last=False,
    )  # fmt: skip
    trainer = L.Trainer(
        accelerator="cpu", logger=False, enable_progress_bar=False, enable_model_summary=False
    )
    trainer.validate(module, loader, verbose=False)
    return module.val_scores


def test_validation_scores_the_truth_like_evaluate_does():
    data = SyntheticDataset(4, 96, ["L"], "jiram_l", seed=5)
    masks = [collate([data[0], data[1]])["mask"], collate([data[2], data[3]])["mask"]]
    scores = _validate(masks, data)
    assert scores["aurora_iou"] == scores["vortex_iou"] == scores["mean_iou"] == 1.0
    assert scores["oval_boundary_mean"] == pytest.approx(0.0, abs=1e-5)  # degrees
    # vortex F1 is what jovis.evaluation gives for the same masks (instance splitting of touching
    # vortices makes it < 1 even for a perfect mask at 96 px)
    expected = FeatureScores(SCHEMA)
    for i in range(len(data)):
        sample = data[i]
        mask = sample["mask"].numpy().astype(np.uint8)
        probs = np.eye(SCHEMA.num_classes, dtype=np.float32)[np.minimum(mask, 2)].transpose(2, 0, 1)
        expected.add(mask, probs, mask, sample["features"], PolarGrid.from_dict(sample["grid"]))
    assert expected.summary()["oval_boundary_units"] == "deg"
    assert scores["vortex_f1"] == pytest.approx(expected.summary()["vortex_f1"], abs=1e-4)
    assert 0.5 < scores["vortex_f1"] <= 1.0


def test_a_prediction_missing_the_vortices_has_zero_recall():
    data = SyntheticDataset(2, 96, ["L"], "jiram_l", seed=5)
    mask = collate([data[0], data[1]])["mask"]
    no_vortex = torch.where(mask == 2, torch.zeros_like(mask), mask)
    scores = _validate([no_vortex], data)
    assert scores["vortex_recall"] == 0.0 and scores["vortex_iou"] == 0.0
    assert scores["aurora_iou"] == 1.0
    assert scores["mean_iou"] == pytest.approx(0.5)


def test_augmentation_seeds_depend_on_seed_step_and_rank():
    seeds = {augment_seed(s, t, r) for s in (0, 1) for t in (0, 1) for r in (0, 1)}
    assert len(seeds) == 8 and augment_seed(0, 3, 1) == augment_seed(0, 3, 1)
