"""`make_sample`: one synthetic frame and its truth as `Frame` and `Labels` (CPU, numpy).

A thin wrapper over `jovis.synth.render_batch` for one frame on the CPU; datasets, the frame-set
writer and the benchmarks use it.
"""

from __future__ import annotations

from typing import Any

from jovis.frame import Frame, Labels
from jovis.synth.channels import CHANNELS
from jovis.synth.params import SynthParams
from jovis.synth.renderer import render_batch

__all__ = ["CHANNELS", "make_sample"]


def make_sample(
    seed: int,
    size: int,
    channels: list[str],
    instrument: str,
    hemisphere: str = "random",
    params: SynthParams | dict | None = None,
    view: Any = None,
    supersample: int = 1,
) -> tuple[Frame, Labels]:
    """One synthetic polar frame and its truth; the same arguments give bit-identical arrays.

    Parameters
    ----------
    seed : int
        Seeds everything (scene, hemisphere when ``"random"``, noise).
    size : int
        Frame side in pixels (≥ 32); the frame covers colatitudes up to ``max_colatitude``.
    channels : list of str
        Channel names among ``L, M, uv, red, green, blue, ch4``, rendered co-registered.
    instrument : str
        Instrument name recorded in the frame.
    hemisphere : {"north", "south", "random"}
    params : SynthParams or dict, optional
        Overrides of `SynthParams` defaults.
    view : None, "random", OrthoView or dict
        None: the polar grid; otherwise a perspective (orthographic disk) frame with no grid and
        ``meta["view"]`` (see `render_batch`).
    supersample : int
        Render at this many times `size` and shrink as infer does (`render_batch`).

    Returns
    -------
    frame : Frame
        ``image`` float32 (size, size, len(channels)) in instrument units, ``valid`` False where
        there is no data.
    labels : Labels
        ``mask`` uint8 (0 background, 1 aurora, 2 vortex, 255 no data) and ``features``.
    """
    batch = render_batch([int(seed)], size, channels, hemisphere=hemisphere, params=params,
                         view=view, supersample=supersample)  # fmt: skip
    image = batch.image[0].permute(1, 2, 0).contiguous().numpy()
    valid = batch.valid[0].numpy()
    frame_id = batch.frame_id(0)
    grid = batch.grids[0]
    meta = {"id": frame_id, "seed": int(seed), "hemisphere": batch.hemispheres[0],
            "grid": None if grid is None else grid.to_dict()}  # fmt: skip
    if batch.views[0] is not None:
        meta["view"] = batch.features(0)["view"]
    frame = Frame(image=image, channels=list(batch.channels), instrument=instrument, meta=meta,
                  grid=grid, valid=valid)  # fmt: skip
    return frame, Labels(mask=batch.mask[0].numpy(), features=batch.features(0))
