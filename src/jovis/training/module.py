"""The LightningModule: loss, optimiser and schedule, validation confusion matrix."""

from __future__ import annotations

import math
from typing import Any

import lightning as L
import torch
from torch import nn

from jovis.frame import LabelSchema
from jovis.metrics import confusion_matrix, per_class_scores
from jovis.training.losses import SegmentationLoss


class SegmentationModule(L.LightningModule):
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
    ) -> None:
        super().__init__()
        self.model, self.schema = model, schema
        self.lr, self.weight_decay = lr, weight_decay
        self.warmup_steps, self.total_steps = warmup_steps, max(1, total_steps)
        self.loss = SegmentationLoss(dice_weight, schema.ignore_index)
        self.memory_format = torch.channels_last if channels_last else torch.contiguous_format
        if channels_last:
            self.model.to(memory_format=torch.channels_last)
        n = schema.num_classes
        self.register_buffer("val_cm", torch.zeros(n, n, dtype=torch.int64), persistent=False)
        self.val_scores: dict[str, float] = {}

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.model(image.contiguous(memory_format=self.memory_format))

    def training_step(self, batch: dict[str, Any], batch_idx: int) -> torch.Tensor:
        loss = self.loss(self(batch["image"]), batch["mask"])
        self.log("train/loss", loss, prog_bar=True, batch_size=batch["image"].shape[0])
        return loss

    def validation_step(self, batch: dict[str, Any], batch_idx: int) -> None:
        logits = self(batch["image"])
        self.log(
            "val/loss", self.loss(logits, batch["mask"]), batch_size=logits.shape[0], sync_dist=True
        )
        self.val_cm += confusion_matrix(
            logits.argmax(1), batch["mask"], self.schema.num_classes, self.schema.ignore_index
        )

    def on_validation_epoch_start(self) -> None:
        self.val_cm.zero_()

    def on_validation_epoch_end(self) -> None:
        cm = self.all_gather(self.val_cm)
        cm = cm.sum(0) if cm.dim() == 3 else cm
        self.val_scores = per_class_scores(cm.cpu(), self.schema.names)
        for key, value in self.val_scores.items():
            if key.endswith("_iou") and math.isfinite(value):
                self.log(f"val/{key}", value, prog_bar=key != "background_iou")

    def configure_optimizers(self) -> dict[str, Any]:
        opt = torch.optim.AdamW(self.model.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        warmup, total = self.warmup_steps, self.total_steps

        def schedule(step: int) -> float:  # linear warm-up, then cosine to 1% of lr
            if step < warmup:
                return (step + 1) / warmup
            progress = min(1.0, (step - warmup) / max(1, total - warmup))
            return 0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * progress))

        sched = torch.optim.lr_scheduler.LambdaLR(opt, schedule)
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}
