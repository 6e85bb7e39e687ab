"""LRASPP (Howard et al. 2019, "Searching for MobileNetV3") on a dilated mobilenet_v3_large."""

from __future__ import annotations

from torchvision.models.segmentation import lraspp_mobilenet_v3_large

from jovis.models.encoders import adapt_first_conv
from jovis.models.heads import TorchvisionSegmenter
from jovis.models.weights import load_backbone_weights

BACKBONES = ("mobilenet_v3_large",)
OUTPUT_STRIDE = 16  # torchvision dilates the last stage


def build_lraspp(
    in_channels: int,
    num_classes: int,
    *,
    encoder: str = "mobilenet_v3_large",
    weights: str | None = None,
) -> TorchvisionSegmenter:
    """Lite R-ASPP with a mobilenet_v3_large backbone, nothing downloaded.

    Parameters
    ----------
    in_channels : int
        Input channels; ≠ 3 adapts the first convolution (`adapt_first_conv`).
    num_classes : int
        Output classes K; the network maps (B, in_channels, H, W) to logits (B, K, H, W).
    encoder : str
        Backbone name; only 'mobilenet_v3_large'.
    weights : str, optional
        Local state-dict file of a torchvision mobilenet_v3_large (RGB): its 'features.' keys
        fill the backbone, its 'classifier.' keys are skipped.
    """
    if encoder not in BACKBONES:
        raise ValueError(f"arch=lraspp takes encoder={' or '.join(BACKBONES)}, got {encoder!r}")
    net = lraspp_mobilenet_v3_large(weights=None, weights_backbone=None, num_classes=num_classes)
    if weights is not None:
        load_backbone_weights(net.backbone, weights, prefix="features.", what=encoder)
    adapt_first_conv(net.backbone, in_channels)
    return TorchvisionSegmenter(net, OUTPUT_STRIDE)
