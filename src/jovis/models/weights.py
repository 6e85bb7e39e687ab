"""Local backbone weights files: read them, check every key and shape, load them. No downloads."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

# Classification heads of torchvision backbones: never used by a segmentation network, so a file's
# head keys are skipped, and a file without them (a backbone-only save) is complete.
HEAD_PREFIXES = ("fc.", "classifier.")
_SHOWN = 6  # keys listed per kind in an error message


def read_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """The tensors of a state-dict file (a bare state dict, or one under a 'state_dict' key).

    Memory-mapped and `weights_only`, so checking a large file before building is cheap and safe.

    Raises
    ------
    ValueError
        If the file is missing, unreadable, or holds no state dict of tensors.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"model.weights: encoder weights file {str(path)!r} does not exist")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except Exception as err:  # torch raises several types for corrupt or foreign files
        raise ValueError(
            f"model.weights: {path} is not a readable torch state-dict file ({err})"
        ) from err
    state = blob.get("state_dict", blob) if isinstance(blob, dict) else blob
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ValueError(
            f"model.weights: {path} holds no state dict of tensors; save one with "
            "torch.save(backbone.state_dict(), path)"
        )
    return state


def load_backbone_weights(
    backbone: nn.Module, path: str | Path, *, prefix: str = "", what: str = "backbone"
) -> None:
    """Load a torchvision classification state dict into `backbone`, checking keys strictly.

    Parameters
    ----------
    backbone : nn.Module
        The module to fill (RGB first convolution: load before adapting the input channels).
    path : str or Path
        Local state-dict file, e.g. `torch.save(torchvision.models.resnet18().state_dict(), p)`.
    prefix : str
        What the file's keys carry before the backbone's own (e.g. 'features.' when the backbone
        is a MobileNetV3's `features`).
    what : str
        The backbone's name, for messages.

    Raises
    ------
    ValueError
        Naming the file and the missing, unexpected or wrongly shaped keys.
    """
    state = check_backbone_weights(backbone, path, prefix=prefix, what=what)
    backbone.load_state_dict(state, strict=False)  # strictness checked above; heads skipped


def check_backbone_weights(
    backbone: nn.Module, path: str | Path, *, prefix: str = "", what: str = "backbone"
) -> dict[str, torch.Tensor]:
    """The file's tensors renamed to `backbone`'s keys; raises as `load_backbone_weights`."""
    state = read_state_dict(path)
    expected = {k: v for k, v in backbone.state_dict().items() if not k.startswith(HEAD_PREFIXES)}
    found: dict[str, torch.Tensor] = {}
    unexpected: list[str] = []
    for key, value in state.items():
        if key.startswith(HEAD_PREFIXES):
            continue
        inner = key[len(prefix) :] if key.startswith(prefix) else None
        if inner is None or inner not in expected:
            unexpected.append(key)
        else:
            found[inner] = value
    # BatchNorm step counters are bookkeeping that older saves lack; everything else must be there.
    missing = [
        prefix + k for k in expected if k not in found and not k.endswith("num_batches_tracked")
    ]
    shapes = [
        f"{prefix}{k}: file {tuple(v.shape)}, model {tuple(expected[k].shape)}"
        for k, v in found.items()
        if v.shape != expected[k].shape
    ]
    problems = [
        f"{label} ({len(keys)}): {', '.join(keys[:_SHOWN])}{', …' if len(keys) > _SHOWN else ''}"
        for label, keys in (
            ("missing keys", missing),
            ("unexpected keys", unexpected),
            ("wrong shapes", shapes),
        )
        if keys
    ]
    if problems:
        raise ValueError(
            f"model.weights: {path} does not fit the {what} backbone; "
            + "; ".join(problems)
            + f". Give the state dict of a torchvision {what} with RGB input "
            "(torch.save(model.state_dict(), path)), or model.weights=null"
        )
    return found
