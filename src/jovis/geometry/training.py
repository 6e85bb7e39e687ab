"""The geometry of a model's training frames (recorded in its checkpoint; `jovis.inference.scale`
feeds frames at it). Here, not in inference, so that training can record it without importing
inference."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class TrainingGeometry:
    """The frames a model was trained on, as plain data (the checkpoint's ``geometry``)."""

    projection: str  # azimuthal projection of the training frames
    px_per_deg: float  # pixels per degree of colatitude at the pole
    max_colatitude: float  # degrees from the pole to the frame's edge (half the extent)
    size: int  # frame side, px
    hemisphere: str  # north | south | random (both)
    lon_at_x: dict[str, float]  # orientation of the training frames, per hemisphere
    lon_sense: dict[str, str]
    # share of each view among the training frames (``data.view``): polar-grid frames are
    # resampled to `px_per_deg`; a model that saw perspective/orthographic views, which show the
    # whole disk in a `size`-px frame, gets a frame without a grid zoomed to `size` px a side
    views: dict[str, float] = field(default_factory=lambda: {"polar": 1.0})
    # px the perspective views spanned (``junocam_view_size``): training frames were `size`-px
    # windows of them, so a frame without a grid is zoomed to this many px a side (0: `size`)
    view_size: int = 0
    # spacecraft altitudes, km, of the perspective views (``junocam_altitude_km``); None: no
    # perspective views. A product taken outside it shows its vortices at other pixel sizes
    view_altitude_km: tuple[float, float] | None = None

    @property
    def view_side(self) -> int:
        """The side, px, a frame without a grid is zoomed to for a model trained on views."""
        return max(int(self.size), int(self.view_size or 0))

    @property
    def view_share(self) -> float:
        """The share of training frames that were views (not the polar grid)."""
        return 1.0 - float(self.views.get("polar", 0.0))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainingGeometry:
        # checkpoints before data.view hold no ``views``: polar frames only
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        if known.get("view_altitude_km") is not None:
            known["view_altitude_km"] = tuple(float(v) for v in known["view_altitude_km"])
        return cls(**known)


def geometry_of_config(cfg: dict[str, Any]) -> TrainingGeometry | None:
    """The geometry of a training config's frames (synthetic data, or data=mixed, whose folder
    frames are taken at the synthetic frames' scale), None when unknown."""
    data = cfg.get("data") or {}
    if data.get("kind") not in ("synthetic", "mixed") or not data.get("size"):
        return None
    from jovis.synth.params import SynthParams
    from jovis.synth.viewmix import parse_view_mix

    params = data.get("params") or {}
    max_colat = float(params.get("max_colatitude", SynthParams.max_colatitude))
    size = int(data["size"])
    views = parse_view_mix(data.get("view"))
    altitude = None
    if "perspective" in views:
        lo, hi = params.get("junocam_altitude_km", SynthParams.junocam_altitude_km)
        altitude = (float(lo), float(hi))
    return TrainingGeometry(
        projection="equidistant",
        px_per_deg=size / 2.0 / max_colat,  # as jovis.synth.scene.make_grid
        max_colatitude=max_colat,
        size=size,
        hemisphere=str(data.get("hemisphere", "random")),
        lon_at_x={"north": 270.0, "south": 90.0},
        lon_sense={"north": "clockwise", "south": "counterclockwise"},
        views=views,
        view_size=int(params.get("junocam_view_size", 0)) if "perspective" in views else 0,
        view_altitude_km=altitude,
    )


def run_geometry(
    cfg: dict[str, Any], parent: dict[str, Any] | None = None
) -> TrainingGeometry | None:
    """The geometry a training run records (and puts labelled folder frames at): its synthetic
    frames' (`geometry_of_config`), else its ``init=`` parent's (`parent`, stored), else None."""
    geometry = geometry_of_config(cfg)
    if geometry is None and parent:
        geometry = TrainingGeometry.from_dict(parent)
    return geometry
