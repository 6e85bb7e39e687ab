"""The types every stage passes on: `Frame`, `Labels` and `LabelSchema`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

IGNORE_INDEX = 255


# meta key: pixels per degree at the pole of a frame without a grid whose reader knows its plate
# scale but not where it looks (`jovis.geometry.resample` zooms it to the model's scale)
PLATE_SCALE_KEY = "plate_scale_px_per_deg"


@dataclass
class Frame:
    """One polar frame as every stage sees it.

    Parameters
    ----------
    image : ndarray, float32, shape (H, W, C)
        Pixel values in the instrument's units (kR, W m⁻² sr⁻¹, DN, ...).
    channels : list of str
        One name per channel, in order, e.g. ``["L", "M"]`` or ``["red", "green", "blue"]``.
    instrument : str
        Instrument name (a file name under ``configs/instrument/``).
    source : str or None
        Path of the file the frame came from.
    meta : dict
        Header / label / JSON fields of the source, kept as plain data.
    grid : PolarGrid or None
        Pixel ↔ latitude/longitude mapping when the geometry is known.
    valid : ndarray of bool, shape (H, W), or None
        False where there is no data (off-disk, NaN, not observed). Non-finite pixels are always
        marked invalid, never silently kept.
    """

    image: np.ndarray
    channels: list[str]
    instrument: str = "unknown"
    source: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    grid: Any | None = None
    valid: np.ndarray | None = None

    def __post_init__(self) -> None:
        image = np.asarray(self.image)
        if image.ndim == 2:
            image = image[:, :, None]
        if image.ndim != 3:
            raise ValueError(
                f"{self._where()}image must be H×W×C (or H×W), got shape {image.shape}"
            )
        if image.shape[0] < 1 or image.shape[1] < 1:
            raise ValueError(f"{self._where()}image is empty: shape {image.shape}")
        self.image = image.astype(np.float32, copy=False)
        self.channels = list(self.channels)
        if len(self.channels) != image.shape[2]:
            raise ValueError(
                f"{self._where()}{image.shape[2]} image channels but {len(self.channels)} channel "
                f"names {self.channels}"
            )
        finite = np.ones(image.shape[:2], bool)
        for c in range(image.shape[2]):  # plane by plane: reducing the last axis is slow
            finite &= np.isfinite(self.image[:, :, c])
        if self.valid is None:
            valid = finite
        else:
            valid = np.asarray(self.valid, dtype=bool)
            if valid.shape != image.shape[:2]:
                raise ValueError(
                    f"{self._where()}valid mask shape {valid.shape} != image shape "
                    f"{image.shape[:2]}"
                )
            valid = valid & finite
        self.valid = valid

    def _where(self) -> str:
        return f"{self.source}: " if self.source else ""

    @property
    def id(self) -> str:
        """A file-name-safe identifier: the source file's stem, or ``meta['id']``."""
        if "id" in self.meta:
            return str(self.meta["id"])
        if self.source:
            return Path(self.source).name.split(".")[0]
        return "frame"

    @property
    def shape(self) -> tuple[int, int]:
        return int(self.image.shape[0]), int(self.image.shape[1])


@dataclass
class Labels:
    """Truth for one frame.

    Parameters
    ----------
    mask : ndarray, uint8, shape (H, W)
        Class ids of a `LabelSchema`; 255 means ignore.
    features : dict
        Feature truth as plain data: ``{"vortices": [...], "oval": {...}}`` (see ``jovis.synth``).
    """

    mask: np.ndarray
    features: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        mask = np.asarray(self.mask)
        if mask.ndim != 2:
            raise ValueError(f"mask must be H×W, got shape {mask.shape}")
        self.mask = mask.astype(np.uint8, copy=False)


@dataclass(frozen=True)
class ClassInfo:
    id: int
    name: str
    color: tuple[int, int, int]  # RGB, 0-255


@dataclass(frozen=True)
class LabelSchema:
    """Class ids, names and overlay colours; travels in every checkpoint.

    Ids must be 0..N-1 (the network's output channels); `ignore_index` marks pixels that count for
    nothing (off-disk, no data, padding).
    """

    classes: tuple[ClassInfo, ...]
    ignore_index: int = IGNORE_INDEX
    ignore_color: tuple[int, int, int] = (0, 0, 0)

    def __post_init__(self) -> None:
        ids = [c.id for c in self.classes]
        if ids != list(range(len(ids))):
            raise ValueError(f"label schema ids must be 0..N-1 in order, got {ids}")
        if len(ids) < 2:
            raise ValueError("label schema needs at least two classes (background and one more)")
        if not 0 <= self.ignore_index <= 255 or self.ignore_index in ids:
            raise ValueError(
                f"ignore_index {self.ignore_index} must be in 0..255 and not a class id"
            )
        names = [c.name for c in self.classes]
        if len(set(names)) != len(names):
            raise ValueError(f"label schema names must be unique, got {names}")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LabelSchema:
        """Build from the plain-data form of ``configs/labels/*.yaml`` or a checkpoint."""
        try:
            raw = data["classes"]
            classes = tuple(ClassInfo(int(c["id"]), str(c["name"]), _rgb(c["color"])) for c in raw)
        except (KeyError, TypeError, ValueError) as err:
            raise ValueError(
                "label schema needs 'classes': a list of {id, name, color: [r, g, b]}; "
                f"got {dict(data)!r} ({err})"
            ) from err
        return cls(
            classes=classes,
            ignore_index=int(data.get("ignore_index", IGNORE_INDEX)),
            ignore_color=_rgb(data.get("ignore_color", (0, 0, 0))),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "classes": [{"id": c.id, "name": c.name, "color": list(c.color)} for c in self.classes],
            "ignore_index": self.ignore_index,
            "ignore_color": list(self.ignore_color),
        }

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.classes]

    def id_of(self, name: str) -> int:
        for c in self.classes:
            if c.name == name:
                return c.id
        raise KeyError(f"no class named {name!r}; classes are {self.names}")

    def palette(self) -> np.ndarray:
        """256×3 uint8 RGB palette for indexed mask PNGs (ignore gets `ignore_color`)."""
        pal = np.zeros((256, 3), dtype=np.uint8)
        for c in self.classes:
            pal[c.id] = c.color
        pal[self.ignore_index] = self.ignore_color
        return pal


def far_uv_aurora_detector(channels: Sequence[str], visible_names: Sequence[str]) -> bool:
    """Whether a checkpoint with `channels` seeing `visible_names` is a far-UV aurora detector:
    the one kind whose ``auto`` settings (temporal stacking, the oval's course) turn on."""
    return list(channels) == ["uv"] and "aurora" in visible_names


def _rgb(value: Sequence[int]) -> tuple[int, int, int]:
    rgb = tuple(int(v) for v in value)
    if len(rgb) != 3 or not all(0 <= v <= 255 for v in rgb):
        raise ValueError(f"colour must be three integers 0-255, got {value!r}")
    return rgb  # type: ignore[return-value]
