"""A small U-Net decoder over a torchvision encoder, with a full-resolution stem for thin ovals."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from jovis.models.encoders import Encoder

BASE_DECODER_CHANNELS = (256, 128, 64, 32, 16)
STRIDE = 32


def _conv_bn_relu(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)
    )


class DecoderBlock(nn.Module):
    def __init__(self, cin: int, cskip: int, cout: int) -> None:
        super().__init__()
        self.convs = nn.Sequential(_conv_bn_relu(cin + cskip, cout), _conv_bn_relu(cout, cout))

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(x, size=skip.shape[-2:], mode="bilinear", align_corners=False)
        return self.convs(torch.cat([x, skip], dim=1))


class UNet(nn.Module):
    """U-Net: encoder pyramid (strides 2..32), decoder back to stride 1; returns logits.

    Any input size works: the input is padded to a multiple of 32 and the logits cropped back.
    """

    input_multiple = STRIDE  # sizes it is exact for; others are padded inside `forward`

    def __init__(
        self, encoder: Encoder, in_channels: int, num_classes: int, decoder_width: float = 1.0
    ) -> None:
        super().__init__()
        self.encoder = encoder
        widths = [max(8, round(c * decoder_width)) for c in BASE_DECODER_CHANNELS]
        # Stride-1 skip so one-pixel-wide features survive the decoder.
        self.stem = _conv_bn_relu(in_channels, widths[-1])
        skips = list(reversed(encoder.channels[:-1]))  # deepest skip first
        blocks, cin = [], encoder.channels[-1]
        for i, cskip in enumerate(skips):
            blocks.append(DecoderBlock(cin, cskip, widths[i]))
            cin = widths[i]
        # Encoders that start at stride 4 (ConvNeXt) need one more upsampling without a skip.
        self.extra_up = encoder.strides[0] > 2
        if self.extra_up:
            blocks.append(DecoderBlock(cin, 0, widths[len(skips)]))
            cin = widths[len(skips)]
        self.blocks = nn.ModuleList(blocks)
        self.final = DecoderBlock(cin, widths[-1], widths[-1])
        self.head = nn.Conv2d(widths[-1], num_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        pad_h, pad_w = (-h) % STRIDE, (-w) % STRIDE
        if pad_h or pad_w:
            x = F.pad(x, (0, pad_w, 0, pad_h))
        feats = self.encoder(x)
        y = feats[-1]
        for block, skip in zip(self.blocks, reversed(feats[:-1]), strict=False):
            y = block(y, skip)
        if self.extra_up:
            s2 = x.new_empty(x.shape[0], 0, x.shape[-2] // 2, x.shape[-1] // 2)
            y = self.blocks[-1](y, s2)
        y = self.final(y, self.stem(x))
        return self.head(y)[..., :h, :w]
