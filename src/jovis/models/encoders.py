"""torchvision classification backbones turned into multi-scale feature encoders."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torchvision.models as tvm
from torch import nn
from torchvision.models.feature_extraction import create_feature_extractor

from jovis.models.weights import load_backbone_weights

# Builders whose stages we tap; values say how to find the taps (see `_return_nodes`).
ENCODERS: dict[str, Callable[..., nn.Module]] = {
    "resnet18": tvm.resnet18,
    "resnet34": tvm.resnet34,
    "resnet50": tvm.resnet50,
    "mobilenet_v3_small": tvm.mobilenet_v3_small,
    "mobilenet_v3_large": tvm.mobilenet_v3_large,
    "efficientnet_b0": tvm.efficientnet_b0,
    "convnext_tiny": tvm.convnext_tiny,
}
# Only these builders take a channel-width multiplier.
WIDTH_SCALABLE = {"mobilenet_v3_small", "mobilenet_v3_large"}
_RESNET_NODES = ["relu", "layer1", "layer2", "layer3", "layer4"]


class Encoder(nn.Module):
    """Feature pyramid of a torchvision backbone: a list of maps at strides 2, 4, 8, 16, 32.

    ConvNeXt starts at stride 4, so its list has four maps (strides 4..32); `strides` says which.
    """

    def __init__(
        self, name: str, in_channels: int, width: float = 1.0, weights: str | None = None
    ) -> None:
        super().__init__()
        kwargs = {"width_mult": width} if name in WIDTH_SCALABLE else {}
        backbone = ENCODERS[name](weights=None, **kwargs)
        if weights is not None:
            load_backbone_weights(backbone, weights, what=name)
        adapt_first_conv(backbone, in_channels)
        nodes, self.strides = _return_nodes(backbone, name, in_channels)
        self.body = create_feature_extractor(backbone, return_nodes=nodes)
        self.body.eval()
        with torch.no_grad():
            probe = self.body(torch.zeros(1, in_channels, 64, 64))
        self.body.train()
        self.channels = [int(v.shape[1]) for v in probe.values()]

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        return list(self.body(x).values())


def _return_nodes(
    backbone: nn.Module, name: str, in_channels: int
) -> tuple[dict[str, str], list[int]]:
    if name.startswith("resnet"):
        return {n: f"s{2 ** (i + 1)}" for i, n in enumerate(_RESNET_NODES)}, [2, 4, 8, 16, 32]
    # Sequential `features`: keep the last block at each stride.
    x = torch.zeros(1, in_channels, 64, 64)
    backbone.eval()
    last_at_stride: dict[int, str] = {}
    with torch.no_grad():
        for idx, block in enumerate(backbone.features):
            x = block(x)
            last_at_stride[64 // x.shape[-1]] = f"features.{idx}"
    backbone.train()
    strides = sorted(s for s in last_at_stride if s >= 2)
    return {last_at_stride[s]: f"s{s}" for s in strides}, strides


def adapt_first_conv(backbone: nn.Module, in_channels: int) -> None:
    """Give the stem `in_channels` inputs, carrying its RGB weights over (never dropped).

    One or two channels take the mean of the RGB kernels; more than three cycle R, G, B, R, ….
    Both are scaled by 3 / `in_channels` so that a grey input (the same value in every channel)
    gives the RGB response: exactly for 1, 2 and multiples of 3 channels, about otherwise.
    Three channels are left as they are.

    Parameters
    ----------
    backbone : nn.Module
        Module whose first `Conv2d` (in `modules()` order) has 3 input channels; replaced in place.
    in_channels : int
        Input channels wanted (≥ 1).
    """
    if in_channels == 3:
        return
    parent, attr, conv = _first_conv(backbone)
    if conv.in_channels != 3 or conv.groups != 1:
        raise ValueError(f"the first convolution of {type(backbone).__name__} is not an RGB stem")
    new = nn.Conv2d(
        in_channels,
        conv.out_channels,
        conv.kernel_size,
        conv.stride,
        conv.padding,
        conv.dilation,
        conv.groups,
        conv.bias is not None,
        conv.padding_mode,
    )
    with torch.no_grad():
        w = conv.weight  # (out, 3, kh, kw)
        if in_channels < 3:
            src = w.mean(dim=1, keepdim=True).expand(-1, in_channels, -1, -1)
        else:
            src = w[:, [i % 3 for i in range(in_channels)]]
        new.weight.copy_(src * (3.0 / in_channels))
        if conv.bias is not None:
            new.bias.copy_(conv.bias)
    setattr(parent, attr, new)


def _first_conv(module: nn.Module) -> tuple[nn.Module, str, nn.Conv2d]:
    for parent in module.modules():
        for attr, child in parent.named_children():
            if isinstance(child, nn.Conv2d):
                return parent, attr, child
    raise ValueError(f"{type(module).__name__} has no Conv2d to adapt")
