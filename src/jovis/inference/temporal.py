"""Temporal evidence: frames of one target minutes apart share what they show.

The main oval is fixed in System III and changes over tens of minutes, so exposures of the same
hemisphere on the same polar grid (same projection, pole, scale, orientation and size) taken
within ``window_min`` minutes of each other can be combined:

- ``stack``: each frame is predicted from the exposure-weighted mean of its own image and its
  neighbours' (co-registered: the same grid, so pixel by pixel, each where it has valid data):
  the SNR of faint arcs rises as √N while the frame's own valid pixels stay its outputs';
- ``mean_prob``: each frame is predicted alone, then its class probabilities are averaged with
  its neighbours' (the same weights, each where it has valid data).

A frame without a time, without a grid, or with no other frame of its target in the window is
predicted alone; `find_neighbours` says why for each frame (the manifest records it).
``auto`` is `AUTO_MODE` for a far-UV aurora detector (channels ``["uv"]``: the evidence in the
README was measured on synthetic HST sequences), else off (not measured).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from jovis.frame import Frame, far_uv_aurora_detector
from jovis.times import parse_time

MODES = ("auto", "off", "mean_prob", "stack")
AUTO_MODE = "stack"  # what auto resolves to for a far-UV aurora detector
DEFAULT_WINDOW_MIN = 5.0  # chosen on synthetic HST sequences (README "Temporal evidence")
GRID_KEYS = ("hemisphere", "pole_x", "pole_y", "px_per_deg", "lon_at_x", "lon_sense", "projection")


@dataclass(frozen=True)
class TemporalSettings:
    """``temporal.mode`` (auto | off | mean_prob | stack) and ``temporal.window_min`` (minutes:
    a neighbour's start time is at most this far from the frame's)."""

    mode: str = "auto"
    window_min: float = DEFAULT_WINDOW_MIN

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(
                f"temporal.mode={self.mode!r}: valid choices are {', '.join(MODES)} (stack: "
                "combine neighbouring exposures' images; mean_prob: their probabilities)"
            )
        w = self.window_min
        if isinstance(w, bool) or not isinstance(w, int | float) or not w > 0:
            raise ValueError(
                f"temporal.window_min={w!r}: must be a number of minutes > 0 (frames of one "
                "target starting at most this far apart share evidence)"
            )

    @classmethod
    def from_value(cls, value: Any) -> TemporalSettings:
        """From None (defaults), a mode name, a mapping ``{mode, window_min}`` or settings."""
        if isinstance(value, TemporalSettings):
            return value
        if value is None:
            return cls()
        if isinstance(value, str) or value is False:
            return cls(mode=value or "off")
        if not hasattr(value, "items"):
            raise ValueError(f"temporal={value!r}: give a mapping {{mode, window_min}} or a mode")
        unknown = set(value) - {"mode", "window_min"}
        if unknown:
            raise ValueError(f"temporal: unknown keys {sorted(unknown)}; valid: mode, window_min")
        value = {k: v for k, v in value.items() if v is not None}
        if value.get("mode") is False:  # YAML 1.1 reads a bare `off` as false
            value["mode"] = "off"
        return cls(**value)

    def resolved(self, channels: list[str], visible_names: list[str]) -> TemporalSettings:
        """``auto`` made concrete for a checkpoint with `channels` seeing `visible_names`."""
        if self.mode != "auto":
            return self
        uv = far_uv_aurora_detector(channels, visible_names)
        return TemporalSettings(AUTO_MODE if uv else "off", self.window_min)

    @property
    def on(self) -> bool:
        return self.mode not in ("off", "auto")

    def key(self) -> str:
        """The run-key suffix (empty when off, so runs made before this option keep theirs)."""
        return f"-tmp{self.mode}{self.window_min:g}" if self.on else ""

    def to_dict(self) -> dict[str, Any]:
        return {"mode": self.mode, "window_min": float(self.window_min)}


def target_key(frame: Frame) -> tuple | None:
    """What frames must share to be co-registered pixel by pixel: the grid and the image shape,
    channels and instrument; None without a grid."""
    grid = frame.grid
    if grid is None:
        return None
    geometry = tuple(getattr(grid, k) for k in GRID_KEYS)
    return (frame.instrument, tuple(frame.channels), frame.shape, geometry)


def find_neighbours(frames: list[Frame], window_min: float) -> list[dict[str, Any]]:
    """For each frame: ``{"neighbours": [indices], "dt_s": [...], "alone": reason or None}``,
    neighbours in time order, the frame itself not among them."""
    keys = [target_key(f) for f in frames]
    times = [parse_time(f.meta.get("time")) for f in frames]
    out = []
    for i in range(len(frames)):
        if keys[i] is None:
            out.append({"neighbours": [], "dt_s": [], "alone": "no polar grid"})
            continue
        if times[i] is None:
            out.append({"neighbours": [], "dt_s": [], "alone": "no observation time"})
            continue
        near = []
        for j in range(len(frames)):
            if j == i or keys[j] != keys[i] or times[j] is None:
                continue
            dt = (times[j] - times[i]).total_seconds()
            if abs(dt) <= 60.0 * window_min:
                near.append((dt, j))
        near.sort()
        alone = None if near else f"no frame of its target within {window_min:g} min"
        out.append({"neighbours": [j for _, j in near], "dt_s": [round(d, 1) for d, _ in near],
                    "alone": alone})  # fmt: skip
    return out


def exposure_weight(frame: Frame) -> float:
    """A frame's weight in a stack: its exposure in seconds (photon counts grow with it), else 1."""
    value = frame.meta.get("exposure_s")
    try:
        value = float(value)
    except (TypeError, ValueError):
        return 1.0
    return value if np.isfinite(value) and value > 0 else 1.0


def weighted_mean(frames: list[Frame], planes: list[np.ndarray], fallback: np.ndarray):
    """The exposure-weighted mean of co-registered `planes` (C, H, W), one per frame of
    `frames`, each where its frame has valid data; `fallback` where none has."""
    total = np.zeros(planes[0].shape, np.float64)
    weight = np.zeros(planes[0].shape[1:], np.float64)
    for f, plane in zip(frames, planes, strict=True):
        w = exposure_weight(f) * f.valid
        total += np.where(f.valid, plane, 0.0) * w
        weight += w
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(weight > 0, total / weight, fallback)


def stacked_frame(frame: Frame, others: list[Frame]) -> Frame:
    """`frame` with its image replaced by the exposure-weighted mean of its own and `others`'
    (same grid and shape), each where it has valid data; the frame's own `valid` is kept."""
    frames = [frame, *others]
    for f in others:
        if f.image.shape != frame.image.shape:
            raise ValueError(
                f"{f.id}: shape {f.image.shape} differs from {frame.id}'s; not co-registered"
            )
    planes = [np.moveaxis(f.image, -1, 0) for f in frames]
    image = np.moveaxis(weighted_mean(frames, planes, planes[0]), 0, -1)
    meta = {**frame.meta, "stacked": len(frames)}
    return Frame(image.astype(np.float32), frame.channels, frame.instrument, frame.source, meta,
                 frame.grid, frame.valid)  # fmt: skip


def mean_probs(frames: list[Frame], probs: list[np.ndarray]) -> np.ndarray:
    """The exposure-weighted mean of class probabilities (K, H, W) of co-registered frames (the
    first is the frame predicted), each where its frame has valid data."""
    return weighted_mean(frames, probs, probs[0]).astype(np.float32)
