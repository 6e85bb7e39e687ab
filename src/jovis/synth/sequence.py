"""Synthetic sequences with known motion: one scene seen at several times.

The scene of `base seed` (`sample_scene`) evolves in time (PHYSICS.md §1):
- the whole vortex population drifts west in solid-body rotation about the pole (SIII west
  longitude grows): ``drift_deg_per_yr`` (default 4°/yr north, 7.5°/yr south, Gavriel & Kaspi);
- each vortex oscillates about its drifting equilibrium position, an ellipse in the plane of
  ``oscillation_km`` semi-axis (a few hundred km) with its own period in ``oscillation_days`` and
  phase (Mura 2021/2022: "a few months");
- one vortex of role ``born_role`` appears at ``born_at`` (fraction of the sequence) and one of
  role ``dies_role`` is gone after ``dies_at`` (the transient sixth southern cyclone lived about
  two months);
- the oval moves a little (centre offset up to ``oval_shift_deg``, mean radius ±``oval_radius_var``)
  and brightens or fades by ``oval_brightness_var`` (a gain on its emission);
- the observer's sub-longitude changes from frame to frame (the viewing changes of a sequence).

Each vortex keeps a persistent ``track_id`` (its index in the base scene). Times are ISO 8601 UTC.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np

from jovis.config import check_at_least, dataclass_keys
from jovis.synth import oval as ov
from jovis.synth.params import SynthParams
from jovis.synth.scene import latlon_to_plane, plane_to_latlon, sample_scene
from jovis.synth.vortices import km_per_deg

DAYS_PER_YEAR = 365.25
DEFAULT_DRIFT = {"north": 4.0, "south": 7.5}  # deg/yr west, PHYSICS.md §1 (Gavriel & Kaspi)


# sequence.* numbers: least value (strictly above it where True) and what each is
SEQUENCE_RANGES = (
    ("frames", 1, False, "frames of the sequence"),
    ("days", 0, True, "days between frames"),
    ("oscillation_km", 0, False, "semi-axis of each cyclone's oscillation, km"),
    ("born_at", 0, False, "share of the sequence at which the born vortex appears"),
    ("dies_at", 0, False, "share of the sequence after which the dying vortex is gone"),
    ("oval_shift_deg", 0, False, "largest offset of the oval's centre, deg"),
    ("oval_radius_var", 0, False, "the oval's mean radius varies by this share either way"),
    ("oval_brightness_var", 0, False, "the oval's gain varies by this share either way"),
    ("observer_lon_step_deg", -math.inf, False, "the observer's longitude step per frame, deg"),
)
SEQUENCE_SHARES = ("born_at", "dies_at", "oval_radius_var", "oval_brightness_var")


@dataclass
class SequenceSpec:
    """How a sequence evolves; every field is a ``sequence.*`` key of ``configs/synth.yaml``."""

    frames: int = 0
    days: float = 53.0  # between frames (one perijove ~53 d; an HST visit: 100 s = 0.001157 d)
    start: str = "2016-08-27T12:00:00"
    drift_deg_per_yr: float | None = None  # None: 4 north, 7.5 south
    oscillation_km: float = 300.0
    oscillation_days: list[float] = field(default_factory=lambda: [60.0, 150.0])
    born_role: str | None = "polar_vortex"
    born_at: float = 0.5
    dies_role: str | None = None
    dies_at: float = 0.75
    oval_shift_deg: float = 0.5
    oval_radius_var: float = 0.03
    oval_brightness_var: float = 0.3
    observer_lon_step_deg: float = 40.0

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> SequenceSpec:
        """The spec from ``sequence.*``, each number checked (a string was a conversion error
        that did not name its key, or a traceback; a NaN or a negative share ran)."""
        spec = cls(**dataclass_keys(cls, data, "configs/synth.yaml sequence"))
        for key, low, above, meaning in SEQUENCE_RANGES:
            check_at_least(f"sequence.{key}", getattr(spec, key), low, meaning,
                           integer=key == "frames", above=above,
                           at_most=1 if key in SEQUENCE_SHARES else None)  # fmt: skip
        if spec.drift_deg_per_yr is not None:
            check_at_least("sequence.drift_deg_per_yr", spec.drift_deg_per_yr, -math.inf,
                           "westward drift of the polygon; null: 4 north, 7.5 south",
                           integer=False)  # fmt: skip
        periods = spec.oscillation_days
        if not (isinstance(periods, list | tuple) and len(periods) == 2
                and all(isinstance(v, int | float) and not isinstance(v, bool) for v in periods)
                and 0 < periods[0] <= periods[1] < math.inf):  # fmt: skip
            raise ValueError(
                f"sequence.oscillation_days={periods!r}: must be [shortest, longest] "
                "oscillation periods in days, 0 < shortest <= longest"
            )
        try:
            datetime.fromisoformat(str(spec.start))
        except ValueError as err:
            raise ValueError(f"sequence.start={spec.start!r} is not ISO 8601 ({err})") from None
        return spec

    def drift(self, hemisphere: str) -> float:
        """Westward drift, deg/yr."""
        rate = self.drift_deg_per_yr
        return DEFAULT_DRIFT[hemisphere] if rate is None else float(rate)


def frame_times(spec: SequenceSpec) -> list[str]:
    start = datetime.fromisoformat(str(spec.start))
    if start.tzinfo is None:
        start = start.replace(tzinfo=timezone.utc)
    return [(start + timedelta(days=float(spec.days) * t)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
            for t in range(int(spec.frames))]  # fmt: skip


def _lifetimes(vortices: list[dict], spec: SequenceSpec) -> dict[int, tuple[int, int]]:
    """track_id -> (first, last) frame index it exists in."""
    n = int(spec.frames)
    life = {i: (0, n - 1) for i in range(len(vortices))}
    for role, at, born in ((spec.born_role, spec.born_at, True), (spec.dies_role, spec.dies_at,
                                                                 False)):  # fmt: skip
        if not role:
            continue
        pick = [i for i, v in enumerate(vortices) if v["role"] == role and life[i] == (0, n - 1)]
        if not pick:
            raise ValueError(f"sequence: the scene has no free vortex of role {role!r} to be "
                             f"{'born' if born else 'lost'}; roles: "
                             f"{sorted({v['role'] for v in vortices})}")  # fmt: skip
        k = min(n - 1, max(1, round(float(at) * (n - 1)))) if n > 1 else 0
        life[pick[0]] = (k, n - 1) if born else (0, k)
    return life


def evolve(seed: int, hemisphere: str, p: SynthParams, spec: SequenceSpec) -> dict[str, Any]:
    """The base scene and, per frame, its evolved copy plus the truth (times, ids, rates).

    Returns ``{"scenes": [...], "times": [...], "truth": {...}}``; every vortex of a scene has
    ``track_id``; ``truth["drift_deg_per_day"]`` is the westward (SIII-increasing) rate.
    """
    base = sample_scene(seed, hemisphere, p)
    g = np.random.default_rng([int(seed), 1501])
    nv = len(base["vortices"])
    amp = float(spec.oscillation_km) / km_per_deg(p)
    period = g.uniform(*spec.oscillation_days, nv)
    phase = g.uniform(0, 2 * math.pi, (nv, 2))
    life = _lifetimes(base["vortices"], spec)
    rate = spec.drift(hemisphere) / DAYS_PER_YEAR
    times = frame_times(spec)
    oval_phase = g.uniform(0, 2 * math.pi, 4)
    scenes, gains = [], []
    for t in range(int(spec.frames)):
        day = t * float(spec.days)
        scene = copy.deepcopy(base)
        kept = []
        for i, v in enumerate(scene["vortices"]):
            if not life[i][0] <= t <= life[i][1]:
                continue
            lat, lon = plane_to_latlon(v["x"], v["y"], hemisphere)
            x, y = latlon_to_plane(lat, lon + rate * day, hemisphere)
            w = 2 * math.pi * day / period[i]
            v["x"] = float(x + amp * math.cos(w + phase[i, 0]))
            v["y"] = float(y + amp * math.sin(w + phase[i, 1]))
            v["track_id"] = i
            kept.append(v)
        scene["vortices"] = kept
        gains.append(_move_oval(scene, t, spec, oval_phase))
        obs_lat, obs_lon = scene["observer"]
        scene["observer"] = (obs_lat, (obs_lon + t * spec.observer_lon_step_deg) % 360.0)
        scenes.append(scene)
    truth = {
        "seed": int(seed), "hemisphere": hemisphere, "times": times,
        "drift_deg_per_day": rate, "drift_deg_per_yr": spec.drift(hemisphere),
        "oscillation_km": float(spec.oscillation_km),
        "lifetimes": {str(i): list(life[i]) for i in life},
        "roles": {str(i): v["role"] for i, v in enumerate(base["vortices"])},
        "oval_gain": gains,
    }  # fmt: skip
    return {"scenes": scenes, "times": times, "truth": truth}


def _move_oval(scene: dict[str, Any], t: int, spec: SequenceSpec, ph: np.ndarray) -> float:
    """Shift and scale the oval of frame `t` in place; returns its brightness gain."""
    n = max(int(spec.frames) - 1, 1)
    a = 2 * math.pi * t / n
    params = np.array(scene["oval"], dtype=np.float64)
    i = ov.IDX
    params[i["cx"]] += spec.oval_shift_deg * math.cos(a + ph[0])
    params[i["cy"]] += spec.oval_shift_deg * math.sin(a + ph[1])
    params[i["r0"]] *= 1.0 + spec.oval_radius_var * math.sin(a + ph[2])
    scene["oval"] = params
    return float(1.0 + spec.oval_brightness_var * math.sin(a + ph[3]))
