"""`data.view`: which view each synthetic training frame is rendered in, chosen from its seed.

A view spec is ``polar`` (the polar grid: today's frames, bit for bit), ``random`` (an
orthographic disk over the pole), ``perspective`` (a JunoCam-like camera,
`jovis.synth.view.sample_perspective`) or a mix of them given as probabilities, e.g.
``{polar: 0.3, perspective: 0.7}``. `pick_view` draws a frame's view from its seed alone, so a
frame is the same whatever batch, rank or process renders it; `render_mixed` renders a batch
whose frames may have different views (one `render_batch` per view, merged back in seed order;
frame i of a batch is bit-identical to rendering its seed alone).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from jovis.synth.renderer import DrawnScenes, SynthBatch, draw_batch, render_batch

VIEW_KINDS = ("polar", "random", "perspective")
_RENDER_VIEW = {"polar": None, "random": "random", "perspective": "perspective"}


def parse_view_mix(spec: Any) -> dict[str, float]:
    """`spec` (a name, None for polar, or a mapping name → probability) as probabilities that
    sum to 1, in `VIEW_KINDS` order; raises naming ``data.view`` and the fix."""
    if spec is None:
        spec = "polar"
    if isinstance(spec, str):
        spec = {spec: 1.0}
    if not isinstance(spec, Mapping) or not spec:
        raise ValueError(
            f"data.view={spec!r}: use one of {', '.join(VIEW_KINDS)} or a mix of them as "
            "probabilities, e.g. {polar: 0.3, perspective: 0.7}"
        )
    unknown = sorted(set(spec) - set(VIEW_KINDS))
    if unknown:
        raise ValueError(f"data.view: unknown view(s) {unknown}; valid: {', '.join(VIEW_KINDS)}")
    weights = {k: spec[k] for k in VIEW_KINDS if k in spec}
    numbers = all(isinstance(w, int | float) and not isinstance(w, bool) for w in weights.values())
    if (
        not numbers
        or any(not np.isfinite(w) or w < 0 for w in weights.values())
        or sum(weights.values()) <= 0
    ):
        raise ValueError(f"data.view={dict(spec)!r}: probabilities must be numbers ≥ 0, not all 0")
    total = sum(weights.values())
    return {k: w / total for k, w in weights.items() if w > 0}


def is_view_mix(spec: Any) -> bool:
    """Whether `spec` is a mix of view kinds (a mapping such as ``{polar: 0.3, perspective:
    0.7}``), not one view's fields (``{sub_lat: ..., km_per_px: ...}``)."""
    return isinstance(spec, Mapping) and bool(spec) and set(spec) <= set(VIEW_KINDS)


def pick_view(seed: int, mix: Mapping[str, float]) -> str:
    """The view kind of the frame with seed `seed` under the (parsed) `mix`; a single-kind mix
    draws nothing."""
    kinds = list(mix)
    if len(kinds) == 1:
        return kinds[0]
    u = np.random.default_rng([int(seed), 0x71E5]).uniform()
    edges = np.cumsum([mix[k] for k in kinds])
    return kinds[min(int(np.searchsorted(edges, u, side="right")), len(kinds) - 1)]


def render_view(kind: str) -> str | None:
    """`render_batch`'s ``view`` argument for a view kind."""
    return _RENDER_VIEW[kind]


def polar_share(spec: Any) -> float:
    """The share of polar-grid frames under `spec` (1 for the default)."""
    return parse_view_mix(spec).get("polar", 0.0)


def _view_groups(seeds: Sequence[int], view: Any) -> dict[str, list[int]]:
    """Positions of the frames of each view kind, in the order the kinds first appear."""
    mix = parse_view_mix(view)
    groups: dict[str, list[int]] = {}
    for i, s in enumerate(seeds):
        groups.setdefault(pick_view(int(s), mix), []).append(i)
    return groups


def draw_mixed(
    seeds: Sequence[int], size: int, *, view: Any = "polar", **kwargs: Any
) -> dict[str, DrawnScenes]:
    """`draw_batch` for each view kind's frames of `render_mixed` (same arguments but the
    channels and device): what ``render_mixed(..., drawn=)`` takes."""
    seeds = [int(s) for s in seeds]
    return {k: draw_batch([seeds[i] for i in idx], size, view=render_view(k), **kwargs)
            for k, idx in _view_groups(seeds, view).items()}  # fmt: skip


def render_mixed(
    seeds: Sequence[int], size: int, channels: Sequence[str], *, view: Any = "polar",
    drawn: Mapping[str, DrawnScenes] | None = None, **kwargs: Any,
) -> SynthBatch:  # fmt: skip
    """`render_batch` of `seeds`, each frame in the view `pick_view` gives it under `view` (a
    spec as `parse_view_mix`); `drawn`: `draw_mixed`'s draws of these frames, made elsewhere;
    other keyword arguments as `render_batch`."""
    seeds = [int(s) for s in seeds]
    groups = _view_groups(seeds, view)
    drawn = drawn or {}
    parts = [(idx, render_batch([seeds[i] for i in idx], size, channels, view=render_view(k),
                                drawn=drawn.get(k), **kwargs))
             for k, idx in groups.items()]  # fmt: skip
    return parts[0][1] if len(parts) == 1 else _merge(parts, len(seeds))


def _merge(parts: list[tuple[list[int], SynthBatch]], n: int) -> SynthBatch:
    """One batch from per-view batches; `parts` pairs each batch with its frames' positions."""
    order = [i for idx, _ in parts for i in idx]
    back = torch.empty(n, dtype=torch.long)
    back[torch.tensor(order)] = torch.arange(n)
    first = parts[0][1]
    device = first.image.device
    cat = lambda name: torch.cat([getattr(b, name) for _, b in parts])[back.to(device)]  # noqa: E731

    def listed(name: str) -> list:
        flat = [x for _, b in parts for x in (getattr(b, name) or [None] * len(b))]
        return [flat[j] for j in back.tolist()]

    return SynthBatch(
        image=cat("image"), mask=cat("mask"), valid=cat("valid"), channels=first.channels,
        hemispheres=listed("hemispheres"), grids=listed("grids"), seeds=listed("seeds"),
        size=first.size, scenes=listed("scenes"), limb_cut=cat("limb_cut"),
        views=listed("views"), radius_km=first.radius_km,
    )  # fmt: skip
