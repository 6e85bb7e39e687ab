"""The public composites' look for unprocessed JunoCam frames, before a visible detector sees them.

A new flyby's JunoCam data are raw framelets or per-filter sets: the filters as stored, with
the limb-to-terminator illumination gradient kept. The public composites the visible
detectors learnt from (and the generator's product style) are flattened and stretched. Shown
the same scenes unprocessed, `visible_rgb-v6` finds about half as many vortices, on the real
per-filter sets of the nine reference products (F1 0.133 against 0.266 on their composites) as
on synthetic views rendered without the product style (0.325 against 0.596). So an unprocessed
frame is given that processing first, per channel:

1. the illumination: a normalised-convolution Gaussian blur of the channel over the valid
   pixels, sigma ``blur`` times the square root of the valid pixel count (scale-free: the same
   share of the disk at any plate scale);
2. flattened: the channel divided by the illumination to the power ``flatten`` (the composites
   divide by mu0^f, f 0.4-0.8);
3. stretched: its 1st..99.5th percentile of the valid pixels mapped to 0..1, a ``saturation``
   pull toward the grey and a ``gamma``.

Pixels whose illumination is under ``night`` times its median leave the valid data (the
composites' black night side; 0 keeps them). The settings are the composites' processing
measured without labels on a real product and its per-filter set (`jovis.realism.look_fit`,
``scripts/fit_look.py``, PJ36 36C00061: fully flattened, not re-stretched, cut at 0.6 of the
median illumination; docs/notes/junocam.md "The composites' processing fitted on a real
product"); s22's settings, chosen on synthetic views, were further from every composite than no
look at all. It stays off unless asked for (``look=auto`` or ``on``): on the labelled sets it
finds 14 of 60 vortices instead of 6 at lower precision, and marks limb strips on raw crescents.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

import cv2
import numpy as np

from jovis.config import check_at_least, mode_settings, settings_digest
from jovis.frame import Frame

MODES = ("auto", "on", "off")
LOOK_RANGES = ("blur and gamma are numbers > 0; saturation, flatten and night >= 0, e.g. "
               "blur: 0.1, flatten: 1.0, gamma: 1.0, saturation: 1.0, night: 0.6")  # fmt: skip
JUNOCAM_FILTERS = ("red", "green", "blue", "methane")
# product kinds of `jovis.io.junocam` that are the filters as stored (not a processed composite)
UNPROCESSED_KINDS = ("raw", "red", "green", "blue")


@dataclass(frozen=True)
class LookSettings:
    """When and how the look is applied (see the module docstring)."""

    # off by default: on the real per-filter sets its F1 gain is within the products' noise
    mode: str = "off"  # auto: unprocessed JunoCam frames, for a detector of JunoCam filters
    # fitted on PJ36 36C00061's set and composite (scripts/fit_look.py; s22's synthetic choice
    # was blur 0.2, flatten 0.5, gamma 0.75, night 0)
    blur: float = 0.1
    flatten: float = 1.0
    gamma: float = 1.0
    saturation: float = 1.0
    night: float = 0.6

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"look.mode: {self.mode!r} is not one of {', '.join(MODES)}")
        for key, above in (("blur", True), ("gamma", True), ("saturation", False),
                           ("flatten", False), ("night", False)):  # fmt: skip
            check_at_least(f"look.{key}", getattr(self, key), 0, LOOK_RANGES, integer=False,
                           above=above)  # fmt: skip

    @classmethod
    def from_value(cls, value: Any) -> LookSettings:
        """From a mode string, a mapping of fields (a Hydra node) or settings (None: off)."""
        return mode_settings(cls, value, "look", none_mode="off")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def key(self, channels: list[str]) -> str:
        """The run-key suffix: empty for a detector the look never reaches (not JunoCam
        filters) and for ``off``, so those runs keep the keys they had before the look."""
        if self.mode == "off" or not takes_junocam(channels):
            return ""
        return "-lk" + settings_digest(self)


def takes_junocam(channels: list[str]) -> bool:
    """A detector of JunoCam filters only (the visible recipes)."""
    return bool(channels) and all(c in JUNOCAM_FILTERS for c in channels)


def unprocessed_junocam(frame: Frame) -> bool:
    """A JunoCam frame whose values are the filters as stored: a raw product, a per-filter set,
    a PDS3 JunoCam EDR/RDR, an ISIS cube (junocam2isis and cam2map keep the values; so does
    GDAL's GeoTIFF of one in the cube's pixel type, named by the cube label beside it); not a
    map-projected or other composite, nor a cube rescaled to an 8-bit PNG."""
    meta = frame.meta or {}
    if not takes_junocam(frame.channels):
        return False
    if meta.get("format") == "junocam":
        return str(meta.get("product_kind", "")).lower() in UNPROCESSED_KINDS
    from_cube = meta.get("format") in ("pds3", "isis") or bool(meta.get("isis_label"))
    return from_cube and frame.instrument == "junocam"


def applies(settings: LookSettings, frame: Frame, channels: list[str]) -> tuple[bool, str]:
    """(apply?, why) for `frame` fed to a detector of `channels`."""
    if settings.mode == "off":
        return False, "look=off"
    if not takes_junocam(channels):
        return False, "the detector does not take JunoCam filters"
    if settings.mode == "on":
        return True, "look=on"
    if unprocessed_junocam(frame):
        return True, "unprocessed JunoCam frame (raw, per-filter set, PDS3 or ISIS)"
    return False, "a processed product (composite) or not JunoCam"


def composite_look(frame: Frame, settings: LookSettings) -> Frame:
    """`frame` with the composites' processing: flattened, stretched to 0..1 per channel (float32),
    its night side (``night`` > 0) out of the valid data. Every channel is processed."""
    image = frame.image.astype(np.float32, copy=False)
    valid = np.asarray(frame.valid, bool)
    if not valid.any():
        return frame
    weight = valid.astype(np.float32)
    sigma = settings.blur * float(np.sqrt(valid.sum()))
    support = cv2.GaussianBlur(weight, (0, 0), sigma)
    channels = image.shape[2]
    light = [
        cv2.GaussianBlur(np.where(valid, image[..., c], 0.0).astype(np.float32), (0, 0), sigma)
        / np.maximum(support, 1e-6)
        for c in range(channels)
    ]
    level = float(np.median(np.mean(light, 0)[valid]))
    floor = max(abs(level), 1e-6) * 1e-6
    if settings.night > 0:
        valid = valid & (np.mean(light, 0) >= settings.night * level)
        if not valid.any():
            return replace(frame, valid=valid)
    out = np.zeros(image.shape, np.float32)
    for c in range(channels):
        flat = image[..., c] / np.maximum(light[c], floor) ** settings.flatten
        lo, hi = np.percentile(flat[valid], [1.0, 99.5])
        out[..., c] = np.clip((flat - lo) / max(float(hi - lo), 1e-12), 0.0, 1.0)
    grey = out.mean(2, keepdims=True)
    out = np.clip(grey + settings.saturation * (out - grey), 0.0, 1.0) ** settings.gamma
    out[~valid] = 0.0
    meta = dict(frame.meta or {})
    meta["look"] = {k: v for k, v in settings.to_dict().items() if k != "mode"}
    return replace(frame, image=out.astype(np.float32), valid=valid, meta=meta)
