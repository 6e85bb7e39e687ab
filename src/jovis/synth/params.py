"""`SynthParams`: every number the synthetic generator draws from, with its default.

The defaults here are the one source of truth; ``configs/synth.yaml`` ``params:`` repeats them with
the PHYSICS.md source of each (a test checks that the two agree). Ranges are ``(low, high)`` and are
sampled uniformly per frame.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

Range = tuple[float, float]

NORTH_CYCLONES = (
    (89.6, 230.4), (82.9, 1.4), (83.8, 50.7), (82.0, 95.3), (83.2, 137.6),
    (82.9, 183.4), (83.2, 227.6), (82.3, 269.9), (83.5, 314.8),
)  # fmt: skip
SOUTH_CYCLONES = (
    (-88.6, 211.3), (-83.7, 157.1), (-84.3, 94.3), (-85.0, 13.4), (-84.1, 298.8), (-83.2, 229.7),
)  # fmt: skip


@dataclass(frozen=True)
class SynthParams:
    """Scene, geometry and instrument parameters (see ``configs/synth.yaml`` for sources)."""

    # geometry
    max_colatitude: float = 30.0
    polar_radius_km: float = 66854.0
    # main auroral oval
    oval_colat_range: Range = (14.0, 25.0)
    oval_offset_range: Range = (0.5, 4.0)
    oval_harmonic_amp: float = 0.06
    oval_fwhm_range: Range = (1.0, 2.5)
    oval_brightness_var: float = 0.6
    polar_emission_range: Range = (0.0, 0.3)
    # polar cyclones: (planetocentric lat, SIII west lon); first entry is the central cyclone
    north_cyclones: tuple[tuple[float, float], ...] = NORTH_CYCLONES
    south_cyclones: tuple[tuple[float, float], ...] = SOUTH_CYCLONES
    cyclone_jitter_deg: float = 0.4
    polygon_rotation_range: Range = (0.0, 360.0)
    npc_diameter_km: Range = (3800.0, 4200.0)
    north_cpc_diameter_km: Range = (4000.0, 4600.0)
    spc_diameter_km: Range = (5600.0, 7000.0)
    south_cpc_diameter_km: Range = (5600.0, 7000.0)
    small_vortex_count: Range = (1, 4)
    small_vortex_diameter_km: Range = (800.0, 2000.0)
    small_vortex_colat_range: Range = (3.0, 28.0)
    spiral_arms: Range = (2, 5)
    spiral_winding: Range = (1.0, 3.0)
    vortex_contrast: Range = (0.4, 0.9)
    # background and no-data cut
    cloud_contrast: Range = (0.6, 1.0)
    limb_prob: float = 0.3
    limb_offset_range: Range = (0.35, 0.95)
    # instruments
    l_peak_radiance: Range = (0.005, 0.05)
    l_cloud_fraction: float = 0.03
    m_radiance_range: Range = (0.006, 0.55)
    uv_peak_kr: Range = (100.0, 1500.0)
    uv_background_kr: Range = (0.0, 20.0)
    uv_kr_per_count: Range = (0.5, 5.0)
    dn_white: float = 10000.0
    illumination_tilt: Range = (0.0, 0.3)
    read_noise_frac: Range = (0.002, 0.02)
    spike_count: Range = (0, 6)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> SynthParams:
        """Defaults overridden by `data`; unknown keys raise ``ValueError`` naming valid ones."""
        if data is None:
            return cls()
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(
                f"unknown synth params {unknown}; valid keys are {sorted(names)} "
                "(see configs/synth.yaml params:)"
            )
        default = cls()
        kwargs = {k: _coerce(k, v, getattr(default, k)) for k, v in data.items()}
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (tuples as lists), the form of ``configs/synth.yaml`` ``params:``."""
        return json.loads(json.dumps(asdict(self)))


def _coerce(key: str, value: Any, default: Any) -> Any:
    try:
        if key.endswith("_cyclones"):
            table = tuple((float(lat), float(lon)) for lat, lon in value)
            if not table:
                raise ValueError("needs at least the central cyclone")
            return table
        if isinstance(default, tuple):
            lo, hi = (type(d)(v) for d, v in zip(default, value, strict=True))
            if lo > hi:
                raise ValueError(f"low {lo} > high {hi}")
            return (lo, hi)
        out = float(value)
    except (TypeError, ValueError) as err:
        want = "a [low, high] pair" if isinstance(default, tuple) else "a number"
        raise ValueError(f"synth param {key}={value!r} must be {want} ({err})") from err
    if key == "limb_prob" and not 0.0 <= out <= 1.0:
        raise ValueError(f"synth param limb_prob={out} must be in [0, 1]")
    if key in ("max_colatitude", "polar_radius_km", "dn_white") and out <= 0:
        raise ValueError(f"synth param {key}={out} must be > 0")
    return out
