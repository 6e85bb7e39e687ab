"""torchvision segmentation models (DeepLabV3, LRASPP) as networks that return plain logits."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class TorchvisionSegmenter(nn.Module):
    """Wrap a torchvision segmentation model: input (B, C, H, W) → logits (B, K, H, W).

    torchvision returns an OrderedDict {'out': …}; inference, export and training all want a
    tensor, so 'out' is unwrapped here. Any input size works: the input is zero-padded at the
    bottom and right to a multiple of `input_multiple` (the backbone's output stride, so that
    the feature grid lines up with the pixels) and the logits are cropped back.

    Parameters
    ----------
    net : nn.Module
        torchvision model whose forward returns a dict with 'out' at the input's size.
    input_multiple : int
        Sizes the network is exact for (its output stride).
    """

    def __init__(self, net: nn.Module, input_multiple: int) -> None:
        super().__init__()
        self.net = net
        self.input_multiple = int(input_multiple)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        m = self.input_multiple
        # No `if`: padding by zero costs a copy, but a traced or exported graph stays valid for
        # every size (a branch would be frozen at the example's size).
        x = F.pad(x, (0, (-w) % m, 0, (-h) % m))
        return self.net(x)["out"][..., :h, :w]
