"""`build_model()`: the one place a segmentation network is made from names."""

from __future__ import annotations

from pathlib import Path

from torch import nn

from jovis.models.encoders import ENCODERS, WIDTH_SCALABLE, Encoder
from jovis.models.unet import UNet

ARCHS = ("unet",)


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

    Parameters
    ----------
    arch : str
        Architecture; one of `ARCHS`.
    encoder : str
        torchvision backbone; one of `ENCODERS`.
    in_channels : int
        Input channels (the instrument's channel count).
    num_classes : int
        Output classes (the label schema's size, ignore excluded).
    decoder_width : float
        Multiplier on the decoder's channel widths (0.25 makes a CPU-demo-sized decoder).
    encoder_width : float
        Channel-width multiplier of the encoder; only MobileNetV3 encoders can be narrowed.
    weights : str, optional
        Local file with a state dict for the encoder backbone. Nothing is ever downloaded.

    Raises
    ------
    ValueError
        For an unknown name or a contradictory combination, before anything is built.
    """
    check_model_args(
        arch,
        encoder,
        in_channels,
        num_classes,
        decoder_width=decoder_width,
        encoder_width=encoder_width,
        weights=weights,
    )
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
    """Raise `ValueError` naming the valid choices if the arguments cannot build a model."""
    if arch not in ARCHS:
        raise ValueError(f"unknown model arch {arch!r}; valid choices: {', '.join(ARCHS)}")
    if encoder not in ENCODERS:
        raise ValueError(
            f"unknown encoder {encoder!r}; valid choices: {', '.join(sorted(ENCODERS))}"
        )
    if not isinstance(in_channels, int) or in_channels < 1:
        raise ValueError(f"in_channels must be a positive integer, got {in_channels!r}")
    if not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(f"num_classes must be an integer ≥ 2, got {num_classes!r}")
    if not 0 < decoder_width <= 4:
        raise ValueError(f"decoder_width must be in (0, 4], got {decoder_width}")
    if encoder_width != 1.0 and encoder not in WIDTH_SCALABLE:
        raise ValueError(
            f"encoder {encoder!r} has a fixed width; encoder_width={encoder_width} needs one of "
            f"{', '.join(sorted(WIDTH_SCALABLE))} (or use decoder_width to shrink the model)"
        )
    if not 0 < encoder_width <= 2:
        raise ValueError(f"encoder_width must be in (0, 2], got {encoder_width}")
    if weights is not None and not Path(weights).is_file():
        raise ValueError(f"encoder weights file {weights!r} does not exist")
