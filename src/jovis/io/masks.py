"""Class-id mask PNGs: indexed-palette PNGs whose pixel values are the class ids."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from jovis.frame import LabelSchema
from jovis.io.atomic import write_bytes


def encode_mask_png(mask: np.ndarray, schema: LabelSchema) -> bytes:
    """Encode a uint8 H×W class-id mask as a palette PNG (viewers show the schema's colours)."""
    if mask.ndim != 2:
        raise ValueError(f"mask must be H×W, got shape {mask.shape}")
    img = Image.fromarray(np.ascontiguousarray(mask, dtype=np.uint8), mode="P")
    img.putpalette(schema.palette().reshape(-1).tolist())
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def write_mask_png(path: str | Path, mask: np.ndarray, schema: LabelSchema) -> Path:
    return write_bytes(path, encode_mask_png(mask, schema))


def read_mask_png(path: str | Path) -> np.ndarray:
    """Read class ids from a palette or greyscale PNG (never through a colour conversion)."""
    path = Path(path)
    try:
        with Image.open(path) as img:
            if img.mode not in ("P", "L"):
                raise ValueError(
                    f"{path}: mask PNG must be palette or 8-bit greyscale of class ids, "
                    f"got mode {img.mode}"
                )
            return np.array(img, dtype=np.uint8)
    except (OSError, SyntaxError) as err:
        raise ValueError(f"{path}: cannot read mask PNG ({err})") from err
