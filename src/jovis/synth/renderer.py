"""`render_batch`: a batch of synthetic polar frames rendered in torch on any device.

Scenes (a few dozen numbers per frame) are drawn on the CPU from each frame's seed; everything
per pixel runs as batched tensor operations on `device`, with random numbers from a counter-based
hash of (seed, stream, element index). So frame i of ``render_batch(seeds)`` is bit-identical to
``render_batch([seeds[i]])`` on the same device, there are no host syncs inside the render and no
Python loop over pixels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import torch

from jovis.geometry import PolarGrid
from jovis.synth import channels as ins
from jovis.synth import junocam
from jovis.synth import labels as lab
from jovis.synth.hash_rng import frame_keys
from jovis.synth.layers import pack_scenes, scene_layers
from jovis.synth.params import SynthParams
from jovis.synth.scene import FADE_CHANNELS, make_grid, sample_scene
from jovis.synth.supersample import check_supersample, chunk_frames, shrink
from jovis.synth.validate import footprint_source
from jovis.synth.view import (
    PERSPECTIVE_REACH,
    OrthoView,
    PerspView,
    plane_coords,
    sample_perspective,
    sample_view,
)
from jovis.synth.vortex_seen import unseen_vortex_pixels

HEMISPHERES = ("north", "south", "random")
MIN_SIZE = 32


@dataclass
class SynthBatch:
    """A rendered batch.

    Attributes
    ----------
    image : Tensor, float32, (B, C, H, W), on the device, in each channel's units (zero off-disk)
    mask : Tensor, uint8, (B, H, W): 0 background, 1 aurora, 2 vortex, 255 no data
        (``label_schema: fine`` adds 3 anticyclone, 4 polar emission, 5 footprint)
    valid : Tensor, bool, (B, H, W): False off-disk and where an instrument has no data
    channels, hemispheres, grids, seeds : per-batch lists (grids are None for perspective
        frames, whose `views` hold the `OrthoView`)
    """

    image: torch.Tensor
    mask: torch.Tensor
    valid: torch.Tensor
    channels: list[str]
    hemispheres: list[str]
    grids: list[PolarGrid]
    seeds: list[int]
    size: int
    scenes: list[dict[str, Any]] = field(repr=False)
    limb_cut: torch.Tensor = field(repr=False)
    views: list[OrthoView | PerspView | None] = field(default_factory=list)
    radius_km: float = 66854.0

    def __len__(self) -> int:
        return len(self.seeds)

    def frame_id(self, i: int) -> str:
        return f"synth-{self.seeds[i]:07d}"

    def features(self, i: int) -> dict[str, Any]:
        """The features JSON of frame i (plain JSON types), computed on the CPU."""
        scene = {**self.scenes[i], "limb_cut": bool(self.limb_cut[i])}
        if self.views and self.views[i] is not None:
            fid = self.frame_id(i)
            return lab.view_features(scene, self.size, self.views[i], self.radius_km, fid)
        return lab.features(scene, self.size, self.grids[i], self.frame_id(i))


def _seed_list(seeds) -> list[int]:
    if isinstance(seeds, torch.Tensor):
        if seeds.dim() != 1 or seeds.dtype not in (torch.int64, torch.int32):
            raise ValueError(f"seeds must be a 1-D integer tensor, got {seeds.dtype} {seeds.shape}")
        seeds = seeds.cpu().tolist()
    out = [int(s) for s in seeds]
    if not out:
        raise ValueError("seeds must hold at least one seed")
    if min(out) < 0:
        raise ValueError(f"seeds must be >= 0, got {min(out)}")
    return out


def pick_hemisphere(seed: int, hemisphere: str) -> str:
    if hemisphere != "random":
        return hemisphere
    return "north" if np.random.default_rng([seed, 1]).uniform() < 0.5 else "south"


def _check_view(view: Any) -> Any:
    """`view` as None, "random" or an `OrthoView` (a dict of its fields is converted)."""
    if isinstance(view, dict):
        cls = PerspView if "altitude_km" in view else OrthoView
        try:
            view = cls(**view)
        except TypeError as err:
            fields = list(cls.__dataclass_fields__)
            raise ValueError(f"view={view!r}: fields are {fields} ({err})") from err
    if not (view in (None, "random", "perspective") or isinstance(view, (OrthoView, PerspView))):
        raise ValueError(
            f"view={view!r}: use None (polar grid), 'random', 'perspective' or the "
            "fields of OrthoView / PerspView"
        )
    return view


def draw_scenes(seed_list: list[int], hemisphere: str, size: int, p: SynthParams, view: Any):
    """Per frame, on the CPU: hemisphere, polar grid (None for perspective frames), scene and
    view (None on the polar grid)."""
    hemis = [pick_hemisphere(s, hemisphere) for s in seed_list]
    grids = [make_grid(size, h, p.max_colatitude) for h in hemis]
    persp = view == "perspective" or isinstance(view, PerspView)
    reach = PERSPECTIVE_REACH - 5.0 if persp else None  # vortices anywhere on the hemisphere
    scenes = [sample_scene(s, h, p, reach) for s, h in zip(seed_list, hemis, strict=True)]
    views: list[OrthoView | None] = [None] * len(seed_list)
    if view is not None:
        grids = [None] * len(seed_list)
        views = [sample_view(s, h, size, p) if view == "random" else
                 sample_perspective(s, h, size, p, sc["sun"][1]) if view == "perspective" else view
                 for s, h, sc in zip(seed_list, hemis, scenes, strict=True)]  # fmt: skip
        for scene, v in zip(scenes, views, strict=True):
            scene["observer"] = (v.sub_lat, v.sub_lon)  # the limb as the spacecraft sees it
    return hemis, grids, scenes, views


def _plane(views: list, hemis: list[str], size: int, p: SynthParams, device: torch.device):
    """Plane coordinates x, y (B, H, W) in degrees from the pole of every pixel, one pixel in
    degrees (per frame for views), and the pixels a perspective view sees (None on the polar
    grid)."""
    b = len(hemis)
    extent = p.max_colatitude
    axis = (torch.arange(size, dtype=torch.float32) - (size - 1) / 2.0) * (extent * 2.0 / size)
    x = axis.view(1, 1, size).expand(b, size, size).contiguous().to(device)
    y = axis.view(1, size, 1).expand(b, size, size).contiguous().to(device)
    px_deg = 2.0 * extent / size
    seen = None
    if views[0] is not None:
        x, y, seen = plane_coords(views, hemis, size, p, device)
        px_deg = [v.km_per_px / (p.polar_radius_km * math.pi / 180.0) for v in views]
    return x, y, px_deg, seen


def _render_channels(channels, layer_sets, keys, seed_list, disk, x, y, p: SynthParams,
                     scenes=None):  # fmt: skip
    """The (B, C, H, W) image, zero where there is no data, and ``valid``: the visible `disk`
    and, for each instrument family among `channels`, its coverage. `layer_sets` holds the
    layers per faint-sector channel (`_oval_fades`); the other channels draw no oval."""
    layers = next(iter(layer_sets.values()))
    valid = disk.clone()
    geo = {}
    for fam in ins.families(channels):
        g = ins.family_geometry(fam, seed_list, p, scenes)
        geo[fam] = None if g is None else g.to(x.device)
        cov = ins.family_coverage(fam, keys, geo[fam], x, y, p)
        if cov is not None:
            valid &= cov
    planes = []
    only_junocam = all(ins.CHANNEL_INFO[c][0] == "junocam" for c in channels)  # may be composites
    for name in channels:
        scal = ins.channel_scalars(name, seed_list, p).to(x.device)
        fam = ins.CHANNEL_INFO[name][0]
        lay = layer_sets.get(name, layers)
        lay["junocam_only"] = only_junocam  # read by junocam.render (per-render dict)
        planes.append(ins.render_channel(name, lay, keys, scal, geo[fam], x, y, p))
    image = torch.stack(planes, dim=1)
    image = torch.where(valid[:, None], image, torch.zeros((), device=x.device))
    return image, valid


def _oval_fades(channels: Sequence[str]) -> tuple[list[str], bool]:
    """(the faint-sector channels (`scene.FADE_CHANNELS`) among `channels`, each needing its own
    oval layers (far-UV and JIRAM L ovals differ there), whether any channel draws the oval's
    light); ["uv"] and False when none does (their images do not read its brightness)."""
    fades = [c for c in FADE_CHANNELS if c in channels]
    return fades or [FADE_CHANNELS[0]], bool(fades)


def render_scenes(
    scenes: list[dict],
    seed_list: list[int],
    hemis: list[str],
    size: int,
    channels: Sequence[str],
    p: SynthParams,
    *,
    views: list | None = None,
    device: str | torch.device = "cpu",
    gains: Sequence[float] | None = None,
    draw_seeds: Sequence[int] | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Render scenes already drawn (`render_batch`'s stages after `draw_scenes`).

    `seed_list` seeds each frame's noise and texture; `draw_seeds` (default `seed_list`) seeds
    the instrument's per-frame draws (gain, peak brightness, coverage), so a sequence can keep
    one instrument across frames. `gains` scale each frame's aurora and polar emission.
    Returns (image (B,C,H,W), mask (B,H,W), valid (B,H,W), limb_cut (B,)).
    """
    views, device = views or [None] * len(scenes), torch.device(device)
    x, y, px_deg, seen = _plane(views, hemis, size, p, device)
    keys = frame_keys(torch.tensor(seed_list, dtype=torch.int64, device=device))
    layer_sets = {}
    fades, emission = _oval_fades(channels)  # no emission: no channel reads the oval's light
    for fade in fades:
        packed = pack_scenes(scenes, p, px_deg=px_deg, fade=fade)
        packed = {k: v.to(device) for k, v in packed.items()}
        layers = scene_layers(packed, keys, x, y, p.max_colatitude, size, p, emission=emission)
        if gains is not None and emission:
            gain = torch.tensor(list(gains), dtype=torch.float32, device=device)[:, None, None]
            layers["aurora"] = layers["aurora"] * gain
            layers["oval_peak"] = layers["oval_peak"] * gain
            layers["polar"] = layers["polar"] * gain
        layer_sets[fade] = layers
    layers = next(iter(layer_sets.values()))  # masks, disk and Sun: the same in every set
    disk = layers["mu_obs"] > math.cos(math.radians(p.limb_emission_cut_deg))
    if seen is not None:
        disk &= seen
    draws = list(seed_list if draw_seeds is None else draw_seeds)
    image, valid = _render_channels(channels, layer_sets, keys, draws, disk, x, y, p, scenes)
    image, valid = junocam.product_style(image, channels, valid, layers["mu_sun"], keys, draws, p)
    mask = lab.class_mask(layers, valid, p.label_schema, p.vortex_label_gap_px)
    if p.vortex_label_min_cnr > 0 or p.vortex_label_min_structure > 0:  # vortices not shown
        unseen = unseen_vortex_pixels(image, channels, layers, valid, p.vortex_label_min_cnr,
                                      p.vortex_label_min_structure)  # fmt: skip
        mask[unseen] = 255
    return image, mask, valid, (~disk).flatten(1).any(1)


def _supersampled(scenes, seed_list, hemis, size, channels, p: SynthParams, k: int, device):
    """`render_scenes` of polar frames at k × `size` px, a few frames at a time, each chunk
    shrunk to `size` (`jovis.synth.supersample.shrink`). Label gaps in pixels are the frame's."""
    fine = replace(p, vortex_label_gap_px=p.vortex_label_gap_px * k)
    step = chunk_frames(size, k)
    parts = []
    for i in range(0, len(seed_list), step):
        part = slice(i, i + step)
        image, mask, valid, limb_cut = render_scenes(
            scenes[part], seed_list[part], hemis[part], size * k, channels, fine, device=device
        )
        parts.append((*shrink(image, mask, valid, k), limb_cut))
    return tuple(torch.cat(column) for column in zip(*parts, strict=True))


class DrawnScenes:
    """The CPU-side draws of one batch (`draw_batch`): its frames' hemispheres, polar grids,
    scenes and views, with what they were drawn for. A plain object (not a dataclass or tuple),
    so that a loader's collation and device transfer pass it through untouched."""

    def __init__(self, key: tuple, hemis: list, grids: list, scenes: list, views: list) -> None:
        self.key, self.hemis, self.grids, self.scenes, self.views = key, hemis, grids, scenes, views


def _checked(seeds, size, hemisphere, params, view) -> tuple:
    """(seed list, size, SynthParams, view) after the checks both `draw_batch` and
    `render_batch` make before anything is drawn."""
    if hemisphere not in HEMISPHERES:
        raise ValueError(f"hemisphere must be one of {list(HEMISPHERES)}, got {hemisphere!r}")
    if int(size) != size or int(size) < MIN_SIZE:
        raise ValueError(f"size must be an integer >= {MIN_SIZE} pixels, got {size}")
    view = _check_view(view)
    p = params if isinstance(params, SynthParams) else SynthParams.from_dict(params)
    footprint_source(p)  # a missing table named by the user fails here, before any rendering
    return _seed_list(seeds), int(size), p, view


def draw_batch(
    seeds: Sequence[int] | torch.Tensor,
    size: int,
    *,
    hemisphere: str = "random",
    params: SynthParams | dict | None = None,
    view: Any = None,
) -> DrawnScenes:
    """The per-frame draws of `render_batch` (same arguments), done apart: plain Python and numpy
    on the CPU (2-4 ms a frame), which no GPU speeds up (`benchmark suite=synth`:
    ``scene_ms``). A loader worker can draw the next batch while the device renders this one,
    then hand it to ``render_batch(..., drawn=)``: the same frames."""
    seed_list, size, p, view = _checked(seeds, size, hemisphere, params, view)
    key = (seed_list, hemisphere, size, p, view)
    return DrawnScenes(key, *draw_scenes(seed_list, hemisphere, size, p, view))


def render_batch(
    seeds: Sequence[int] | torch.Tensor,
    size: int,
    channels: Sequence[str],
    *,
    hemisphere: str = "random",
    params: SynthParams | dict | None = None,
    device: str | torch.device = "cpu",
    view: Any = None,
    drawn: DrawnScenes | None = None,
    supersample: int = 1,
) -> SynthBatch:
    """Render one frame per seed, co-registered in every channel.

    Parameters
    ----------
    seeds : sequence of int or 1-D int64 tensor
        One frame per seed; a seed fixes the hemisphere (when ``"random"``), scene and noise.
    size : int
        Frame side in pixels (≥ 32); the frame covers colatitudes up to ``max_colatitude``.
    channels : sequence of str
        Among ``L, M, uv, red, green, blue, ch4`` (see `jovis.synth.channels.CHANNEL_INFO`).
    hemisphere : {"north", "south", "random"}
    params : SynthParams or dict, optional
        Overrides of the `SynthParams` defaults (validated before anything is rendered).
    device : str or torch.device
    view : None, "random", "perspective", OrthoView, PerspView or dict of their fields
        None: the polar grid. Otherwise the scene seen from a spacecraft (``"random"``: an
        orthographic disk high over the pole; ``"perspective"``: a JunoCam-like camera at a
        sampled altitude, `jovis.synth.view.sample_perspective`); off-disk pixels are no data
        (mask 255, valid False) and ``grids`` holds None.
    drawn : DrawnScenes, optional
        The draws `draw_batch` made for these very seeds, hemisphere, size, params and view
        (elsewhere, e.g. in a loader worker); anything else is refused.
    supersample : int
        Polar frames rendered at ``supersample`` × `size` px and shrunk to `size` as `infer`
        shrinks a real frame (`jovis.synth.supersample`); 1 renders at `size`.

    Returns
    -------
    SynthBatch
    """
    channels = ins.check_channels(channels)
    seed_list, size, p, view = _checked(seeds, size, hemisphere, params, view)
    device = torch.device(device)
    k = check_supersample(supersample, view)
    if drawn is None:
        hemis, grids, scenes, views = draw_scenes(seed_list, hemisphere, size, p, view)
    elif drawn.key != (seed_list, hemisphere, size, p, view):
        raise ValueError(
            "render_batch(drawn=...): those scenes were drawn for other seeds, hemisphere, size, "
            "params or view than these; draw them with draw_batch and the same arguments"
        )
    else:
        hemis, grids, scenes, views = drawn.hemis, drawn.grids, drawn.scenes, drawn.views
    if k == 1:
        image, mask, valid, limb_cut = render_scenes(scenes, seed_list, hemis, size, channels,
                                                     p, views=views, device=device)  # fmt: skip
    else:
        image, mask, valid, limb_cut = _supersampled(scenes, seed_list, hemis, size, channels,
                                                     p, k, device)  # fmt: skip
    return SynthBatch(
        image=image,
        mask=mask,
        valid=valid,
        channels=channels,
        hemispheres=hemis,
        grids=grids,
        seeds=seed_list,
        size=size,
        scenes=scenes,
        limb_cut=limb_cut,
        views=views,
        radius_km=p.polar_radius_km,
    )
