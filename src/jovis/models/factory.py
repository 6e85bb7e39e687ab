"""`build_model()`: the one place a segmentation network is made from names."""

from __future__ import annotations

import math
from os import PathLike
from pathlib import Path

from torch import nn

from jovis.models import deeplabv3, lraspp
from jovis.models.deeplabv3 import build_deeplabv3
from jovis.models.encoders import ENCODERS, WIDTH_SCALABLE, Encoder
from jovis.models.lraspp import build_lraspp
from jovis.models.unet import UNet
from jovis.models.weights import check_backbone_weights

ARCHS = ("unet", "deeplabv3", "lraspp")
# Backbones each architecture takes: any encoder for the U-Net, torchvision's own for the others.
ARCH_ENCODERS: dict[str, tuple[str, ...]] = {
    "unet": tuple(sorted(ENCODERS)),
    "deeplabv3": deeplabv3.BACKBONES,
    "lraspp": lraspp.BACKBONES,
}


def build_model(
    arch: str = "unet",
    encoder: str = "resnet18",
    in_channels: int = 3,
    num_classes: int = 3,
    *,
    decoder_width: float = 1.0,
    encoder_width: float = 1.0,
    weights: str | None = None,
) -> nn.Module:
    """Build a segmentation network that returns logits of shape (B, num_classes, H, W).

    Every network takes any input size (it pads to `model.input_multiple` inside `forward` and
    crops back) and is built with random weights unless `weights` names a local file.

    Parameters
    ----------
    arch : str
        Architecture; one of `ARCHS`: 'unet' (our decoder over a torchvision encoder),
        'deeplabv3' (torchvision, resnet50) or 'lraspp' (torchvision, mobilenet_v3_large).
    encoder : str
        torchvision backbone; one of `ARCH_ENCODERS[arch]`.
    in_channels : int
        Input channels (the instrument's channel count); ≠ 3 adapts the first convolution.
    num_classes : int
        Output classes (the label schema's size, ignore excluded).
    decoder_width : float
        Multiplier on the U-Net decoder's channel widths (0.25 makes a CPU-demo-sized decoder);
        must stay 1.0 for deeplabv3 and lraspp, whose heads are fixed.
    encoder_width : float
        Channel-width multiplier of the encoder; only U-Net MobileNetV3 encoders can be narrowed.
    weights : str, optional
        Local file with a torchvision classification state dict (RGB) for the encoder backbone,
        checked key by key. Nothing is ever downloaded.

    Raises
    ------
    ValueError
        For an unknown name, a contradictory combination or a weights file that does not fit,
        before anything is built (the file: as it loads).
    """
    _check_names(arch, encoder, in_channels, num_classes, decoder_width, encoder_width)
    if weights is not None:
        _check_file(weights)
    if arch == "deeplabv3":
        return build_deeplabv3(in_channels, num_classes, encoder=encoder, weights=weights)
    if arch == "lraspp":
        return build_lraspp(in_channels, num_classes, encoder=encoder, weights=weights)
    enc = Encoder(encoder, in_channels, width=encoder_width, weights=weights)
    return UNet(enc, in_channels, num_classes, decoder_width=decoder_width)


def check_model_args(
    arch: str,
    encoder: str,
    in_channels: int,
    num_classes: int,
    *,
    decoder_width: float = 1.0,
    encoder_width: float = 1.0,
    weights: str | None = None,
) -> None:
    """Raise `ValueError` naming the valid choices if the arguments cannot build a model.

    A weights file is opened (memory-mapped) and its keys and shapes checked against the
    backbone, so a wrong file fails here rather than after a run folder exists.
    """
    _check_names(arch, encoder, in_channels, num_classes, decoder_width, encoder_width)
    if weights is not None:
        _check_file(weights)
        kwargs = {"width_mult": encoder_width} if encoder in WIDTH_SCALABLE else {}
        check_backbone_weights(ENCODERS[encoder](weights=None, **kwargs), weights, what=encoder)


def _check_names(
    arch: str,
    encoder: str,
    in_channels: int,
    num_classes: int,
    decoder_width: float,
    encoder_width: float,
) -> None:
    if arch not in ARCHS:
        raise ValueError(f"unknown model arch {arch!r}; valid choices: {', '.join(ARCHS)}")
    if encoder not in ENCODERS:
        raise ValueError(
            f"unknown encoder {encoder!r}; valid choices: {', '.join(ARCH_ENCODERS[arch])}"
        )
    if encoder not in ARCH_ENCODERS[arch]:
        users = [a for a in ARCHS if encoder in ARCH_ENCODERS[a]]
        raise ValueError(
            f"arch={arch} takes encoder={' or '.join(ARCH_ENCODERS[arch])}, not {encoder!r}; "
            f"set model.encoder, or arch={' or '.join(users)} for {encoder}"
        )
    if isinstance(in_channels, bool) or not isinstance(in_channels, int) or in_channels < 1:
        raise ValueError(f"in_channels must be a positive integer, got {in_channels!r}")
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(f"num_classes must be an integer ≥ 2, got {num_classes!r}")
    for key, value, top in (
        ("decoder_width", decoder_width, 4),
        ("encoder_width", encoder_width, 2),
    ):
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
            or not 0 < value <= top
        ):
            raise ValueError(f"model.{key} must be a number in (0, {top}], got {value!r}")
        if arch != "unet" and value != 1.0:
            raise ValueError(
                f"model.{key}={value} has no meaning for arch={arch} (torchvision's fixed "
                f"{arch} head and {encoder} backbone); set model.{key}=1.0, or use arch=unet"
            )
    if encoder_width != 1.0 and encoder not in WIDTH_SCALABLE:
        raise ValueError(
            f"encoder {encoder!r} has a fixed width; encoder_width={encoder_width} needs one of "
            f"{', '.join(sorted(WIDTH_SCALABLE))} (or use decoder_width to shrink the model)"
        )


def _check_file(weights: object) -> None:
    if not isinstance(weights, (str, PathLike)):
        raise ValueError(f"model.weights must be a file path or null, got {weights!r}")
    if not Path(weights).is_file():
        raise ValueError(
            f"model.weights: encoder weights file {str(weights)!r} does not exist; give a local "
            "state-dict file or model.weights=null (nothing is downloaded)"
        )
