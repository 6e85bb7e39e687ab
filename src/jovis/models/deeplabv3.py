"""DeepLabV3 (Chen et al. 2017, "Rethinking Atrous Convolution") on a dilated resnet50."""

from __future__ import annotations

import torch
from torchvision.models.segmentation import deeplabv3_resnet50

from jovis.models.encoders import adapt_first_conv
from jovis.models.heads import TorchvisionSegmenter
from jovis.models.weights import load_backbone_weights

BACKBONES = ("resnet50",)
OUTPUT_STRIDE = 8  # torchvision dilates layer3 and layer4


class DeepLabV3(TorchvisionSegmenter):
    """torchvision's DeepLabV3 returning logits; see `build_deeplabv3`."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # The ASPP image-pooling branch has a BatchNorm over a 1×1 map: with one frame per batch
        # in training it has one value per channel, and torch's own error does not say why.
        if self.training and x.shape[0] < 2:
            raise ValueError(
                "arch=deeplabv3 needs at least 2 frames per training batch (BatchNorm after its "
                "image pooling); set data.batch_size ≥ 2 or use arch=unet / arch=lraspp"
            )
        return super().forward(x)


def build_deeplabv3(
    in_channels: int, num_classes: int, *, encoder: str = "resnet50", weights: str | None = None
) -> DeepLabV3:
    """DeepLabV3 with a resnet50 backbone (no auxiliary classifier), nothing downloaded.

    Parameters
    ----------
    in_channels : int
        Input channels; ≠ 3 adapts the first convolution (`adapt_first_conv`).
    num_classes : int
        Output classes K; the network maps (B, in_channels, H, W) to logits (B, K, H, W).
    encoder : str
        Backbone name; only 'resnet50'.
    weights : str, optional
        Local state-dict file of a torchvision resnet50 (RGB) for the backbone; its 'fc.' keys
        are skipped, every other key must match.
    """
    if encoder not in BACKBONES:
        raise ValueError(f"arch=deeplabv3 takes encoder={' or '.join(BACKBONES)}, got {encoder!r}")
    net = deeplabv3_resnet50(
        weights=None, weights_backbone=None, num_classes=num_classes, aux_loss=False
    )
    if weights is not None:
        load_backbone_weights(net.backbone, weights, what=encoder)
    adapt_first_conv(net.backbone, in_channels)
    return DeepLabV3(net, OUTPUT_STRIDE)
