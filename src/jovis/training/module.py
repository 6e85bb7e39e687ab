"""The LightningModule: loss, batch augmentation, optimiser and schedule, validation metrics."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import lightning as L
import numpy as np
import torch
from torch import nn

from jovis.data.stream import SyntheticStream, is_stream_batch
from jovis.frame import LabelSchema
from jovis.geometry import PolarGrid
from jovis.scoring import (
    FeatureScores,
    confusion_matrix,
    detection_scores,
    mask_from_probs,
    per_class_scores,
)
from jovis.training.consistency import SecondView, consistency_seed
from jovis.training.losses import SegmentationLoss
from jovis.training.rng_state import capture_rng, restore_rng
from jovis.training.schedules import lr_multiplier
from jovis.training.track_term import TrackTerm
from jovis.visibility import invisible_mask, mask_logits

Augment = Callable[[torch.Tensor, torch.Tensor, torch.Generator], tuple[torch.Tensor, torch.Tensor]]


def augment_seed(seed: int, step: int, rank: int) -> int:
    """Seed of the augmentation of one training batch: a function of (seed, step, rank) only, so
    a resumed run draws the same augmentations and DDP ranks draw different ones."""
    return int(np.random.SeedSequence([int(seed), int(step), int(rank)]).generate_state(1)[0])


class SegmentationModule(L.LightningModule):
    """Segmentation training: ``loss(model(image) (B,K,H,W), mask (B,H,W))``.

    Validation logs ``val/<class>_iou``, ``val/mean_iou`` (mean IoU of the classes other than
    background: aurora and vortex), and, when the batches carry truth ``features``,
    ``val/vortex_f1`` (with precision/recall) and ``val/oval_boundary_mean``. Counts are summed
    across DDP ranks before the scores are computed.

    `visible` (class ids; None = all) are the classes the instrument can see: the others' logits
    are set to −inf, in training as at inference, and their label pixels count as ignored, so
    their logit is never free and their scores are undefined rather than 0.
    """

    def __init__(
        self,
        model: nn.Module,
        schema: LabelSchema,
        *,
        lr: float,
        weight_decay: float,
        warmup_steps: int,
        total_steps: int,
        dice_weight: float = 1.0,
        channels_last: bool = True,
        loss: nn.Module | None = None,
        schedule: str = "cosine",
        augment: Augment | None = None,
        seed: int = 0,
        model_args: Mapping[str, Any] | None = None,
        stream: SyntheticStream | None = None,
        visible: list[int] | None = None,
        consistency: SecondView | None = None,
        track: TrackTerm | None = None,
        val_sources: list[str] | None = None,
    ) -> None:
        super().__init__()
        self.model, self.schema = model, schema
        self.lr, self.weight_decay = lr, weight_decay
        self.warmup_steps, self.total_steps = warmup_steps, max(1, total_steps)
        self.lr_lambda = lr_multiplier(schedule, warmup_steps, self.total_steps)
        self.loss = loss if loss is not None else SegmentationLoss(dice_weight, schema.ignore_index)
        self.augment, self.seed = augment, seed
        self.model_args = dict(model_args or {})
        self.stream, self.consistency, self.track = stream, consistency, track
        self.memory_format = torch.channels_last if channels_last else torch.contiguous_format
        if channels_last:
            self.model.to(memory_format=torch.channels_last)
        n = schema.num_classes
        self.visible = list(range(n)) if visible is None else sorted(visible)
        self.hidden = invisible_mask(self.visible, n)
        self.register_buffer("val_cm", torch.zeros(n, n, dtype=torch.int64), persistent=False)
        # data=mixed: one confusion matrix per source too (val/<source>/mean_iou)
        self.val_sources = list(val_sources or [])
        shape = (len(self.val_sources), n, n)
        self.register_buffer("val_cm_src", torch.zeros(shape, dtype=torch.int64), persistent=False)
        self.val_features = FeatureScores(schema)
        self.val_scores: dict[str, float] = {}
        self.val_step: int | None = None  # the training step `val_scores` were measured at

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.model(image.contiguous(memory_format=self.memory_format))

    def on_after_batch_transfer(self, batch: dict[str, Any], dataloader_idx: int) -> Any:
        if is_stream_batch(batch):
            if self.stream is None:
                raise ValueError("a SyntheticStream loader needs SegmentationModule(stream=...)")
            epoch, index = int(batch["stream_epoch"]), int(batch["stream_batch"])
            drawn = batch.get("stream_scenes")  # drawn by a loader worker (data.scene_workers)
            batch = self.stream.render(epoch, index, self.global_rank, self.device, drawn)
        # training batches only, augmented on their device; a CPU generator keeps draws identical
        # on every device
        if self.augment is None or self.trainer is None or not self.trainer.training:
            return batch
        gen = torch.Generator().manual_seed(
            augment_seed(self.seed, self.global_step, self.global_rank)
        )
        batch["image"], batch["mask"] = self.augment(batch["image"], batch["mask"], gen)
        return batch

    def masked(self, batch: dict[str, Any]) -> tuple[torch.Tensor, torch.Tensor]:
        """(logits with the invisible classes at −inf, mask with their pixels ignored); the
        network's logits and the batch's mask unchanged when every class is visible."""
        logits, mask = self.masked_logits(batch["image"]), batch["mask"]
        if self.hidden is None:
            return logits, mask
        ignore = self.schema.ignore_index
        lut = torch.arange(256, device=mask.device)
        lut[torch.nonzero(self.hidden).flatten().to(mask.device)] = ignore
        return logits, lut[mask.long()].to(mask.dtype)

    def masked_logits(self, image: torch.Tensor) -> torch.Tensor:
        logits = self(image)
        return logits if self.hidden is None else mask_logits(logits, self.hidden)

    def training_step(self, batch: dict[str, Any], batch_idx: int) -> torch.Tensor:
        logits, mask = self.masked(batch)
        loss = self.loss(logits, mask)
        b = batch["image"].shape[0]
        if self.consistency is not None:  # loss.consistency (jovis.training.consistency)
            gen = torch.Generator().manual_seed(
                consistency_seed(self.seed, self.global_step, self.global_rank)
            )
            term = self.consistency.term(
                self.masked_logits, batch["image"], batch["mask"], logits, gen
            )
            self.log("train/consistency", term, batch_size=b)
            loss = loss + self.consistency.weight * term
        if self.track is not None:  # loss.track (jovis.training.track_term)
            gen = torch.Generator().manual_seed(
                consistency_seed(self.seed, self.global_step, self.global_rank, term=2)
            )
            term = self.track.term(self.masked_logits, batch, gen)
            if term is not None:
                self.log("train/track", term, batch_size=b)
                loss = loss + self.track.weight * term
        self.log("train/loss", loss, prog_bar=True, batch_size=b)
        self.log("train/lr", self.optimizers().param_groups[0]["lr"], batch_size=1)
        return loss

    def validation_step(self, batch: dict[str, Any], batch_idx: int) -> None:
        logits, target = self.masked(batch)
        self.log("val/loss", self.loss(logits, target), batch_size=logits.shape[0], sync_dist=True)
        ignore = self.schema.ignore_index
        pred = logits.argmax(1)
        self.val_cm += confusion_matrix(pred, target, self.schema.num_classes, ignore)
        for i, name in enumerate(self.val_sources):
            rows = [j for j, src in enumerate(batch.get("source") or []) if src == name]
            if rows:
                cm = confusion_matrix(pred[rows], target[rows], self.schema.num_classes, ignore)
                self.val_cm_src[i] += cm
        truths = batch.get("features")
        if not truths:
            return
        probs = logits.float().softmax(1).cpu().numpy()
        masks = batch["mask"].cpu().numpy()
        grids = batch.get("grid") or [None] * len(truths)
        for prob, mask, truth, grid in zip(probs, masks, truths, grids, strict=True):
            if not truth:
                continue
            p = mask_from_probs(prob, mask != ignore, self.schema)  # as `evaluate` decides
            polar = None if grid is None else PolarGrid.from_dict(grid)
            self.val_features.add(p, prob, mask.astype(np.uint8), truth, polar)

    def on_validation_epoch_start(self) -> None:
        self.val_cm.zero_()
        self.val_cm_src.zero_()
        self.val_features = FeatureScores(self.schema)

    def on_validation_epoch_end(self) -> None:
        cm = self.all_gather(self.val_cm)
        cm = cm.sum(0) if cm.dim() == 3 else cm
        scores = per_class_scores(cm.cpu(), self.schema.names)
        scores["mean_iou"] = scores.pop("mean_fg_iou")
        totals = torch.tensor(self.val_features.totals(), dtype=torch.float64, device=self.device)
        totals = self.all_gather(totals)
        tp, fp, fn, dist_sum, dist_n = (totals.sum(0) if totals.dim() == 2 else totals).tolist()
        if tp + fp + fn:
            for key, value in detection_scores(int(tp), int(fp), int(fn)).items():
                scores[f"vortex_{key}"] = value
        if dist_n:
            scores["oval_boundary_mean"] = dist_sum / dist_n
        scores.update(self._source_scores())
        self.val_scores, self.val_step = scores, int(self.global_step)
        for key, value in scores.items():
            if key.endswith("_dice"):
                continue
            # a NaN monitor would never count as an improvement: no foreground anywhere = 0
            if key == "mean_iou" and not math.isfinite(value):
                value = 0.0
            if math.isfinite(value):
                shown = key in ("mean_iou", "vortex_f1")
                # equal on every rank already (counts summed); the sync keeps Lightning content
                self.log(f"val/{key}", value, prog_bar=shown, sync_dist=True)

    def _source_scores(self) -> dict[str, float]:
        """``<source>/mean_iou`` and ``<source>/<class>_iou`` of each validation source."""
        if not self.val_sources:
            return {}
        cms = self.all_gather(self.val_cm_src)
        cms = cms.sum(0) if cms.dim() == 4 else cms
        out = {}
        for name, cm in zip(self.val_sources, cms.cpu(), strict=True):
            per = per_class_scores(cm, self.schema.names)
            out[f"{name}/mean_iou"] = per.pop("mean_fg_iou")
            out.update({f"{name}/{k}": v for k, v in per.items() if k.endswith("_iou")})
        return out

    def configure_optimizers(self) -> dict[str, Any]:
        opt = torch.optim.AdamW(self.model.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, self.lr_lambda)
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}

    # -- resume: Lightning saves optimiser, scheduler, scaler and loops, but not the RNGs --------
    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        checkpoint["jovis_rng"] = capture_rng()
        checkpoint["jovis_model"] = dict(self.model_args)

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        if "jovis_rng" in checkpoint:
            restore_rng(checkpoint["jovis_rng"])
